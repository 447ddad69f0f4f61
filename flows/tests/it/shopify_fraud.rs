//! The fraud screen as the Shopify + PayTrace risk gate: approved orders are charged, held ones
//! are not, refused ones never are, and each order keeps its decision.

use std::sync::Arc;

use flows::notify::NoticeKind;
use flows::workflows::screening::{Screened, Screener};
use flows::workflows::shopify_paytrace::{HeldDecision, HeldError, Verdict};
use fraud::{FeatureConfig, Outcome, Rule, RulesScorer, Signal, Thresholds};

use super::*;

/// Rules on Shopify's recommendation only, so that the sandbox's risk levels pick the outcome:
/// `MEDIUM` (investigate) reviews, `HIGH` (cancel) refuses, none approves.
pub(super) fn screener() -> Screener {
    let rules = RulesScorer {
        version: "test-1".to_owned(),
        rules: vec![
            Rule::flag(Signal::ShopifyInvestigate, 60.0),
            Rule::flag(Signal::ShopifyCancel, 95.0),
        ],
        thresholds: Thresholds::new(50.0, 90.0).unwrap(),
        feature_config: FeatureConfig::default(),
    };
    Screener::new(Arc::new(rules), Arc::new(fraud::MemoryVelocity::default()))
}

/// Rules on the customer's history and the items' categories: a first order 10 points, an
/// order at least three times the customer's mean order 50 (review), a gift card 45.
pub(super) fn history_screener() -> Screener {
    let rules = RulesScorer {
        version: "test-history".to_owned(),
        rules: vec![
            Rule::flag(Signal::FirstOrder, 10.0),
            Rule::at_least(Signal::AmountVsCustomer, 3.0, 50.0),
            Rule::flag(Signal::HighRiskCategory, 45.0),
        ],
        thresholds: Thresholds::new(50.0, 90.0).unwrap(),
        feature_config: FeatureConfig::with_high_risk_categories(["gift_card"]),
    };
    Screener::new(Arc::new(rules), Arc::new(fraud::MemoryVelocity::default()))
}

/// Each contribution's signal and points.
fn contributions(screened: &Screened) -> Vec<(Signal, f64)> {
    screened
        .decision
        .contributions
        .iter()
        .map(|c| (c.signal, c.contribution))
        .collect()
}

fn options() -> Options {
    Options {
        fraud_screen: true,
        notify: true,
        ..Options::default()
    }
}

impl TestApp {
    /// The order's stored decision.
    async fn decision(&self, order: &PlacedOrder) -> fraud::Decision {
        self.screened(order).await.decision
    }

    /// The order's screen record.
    async fn screened(&self, order: &PlacedOrder) -> Screened {
        let key = format!("{}/fraud/screen", self.order_key(order));
        let effect = self.store.effect(&key).await.unwrap().expect("no decision");
        let screened: Screened = serde_json::from_value(effect.detail).unwrap();
        assert_eq!(screened.facts.amount.currency(), mapping::Currency::USD);
        screened
    }

    /// `new` placed (total `total`) and screened, before the next order is placed.
    async fn screened_order(&self, new: NewOrder, total: &str) -> (PlacedOrder, Screened) {
        let order = self.place_new_order(new, total);
        let counts = self.settle().await;
        assert_eq!(counts.dead, 0, "{:#?}", self.dead_letters().await);
        let screened = self.screened(&order).await;
        (order, screened)
    }

    /// An order at `amount` whose Shopify risk assessment is `level`.
    fn place_risky(&self, amount: &str, level: &str) -> PlacedOrder {
        let vault = self.seed_vault_customer();
        let new = NewOrder::simple(&format!("buyer{}@example.com", self.next()), dec(amount))
            .risk(level)
            .note_attribute(ATTR_VAULT_CUSTOMER, &vault);
        self.place_new_order(new, amount)
    }

    fn charged(&self, order: &PlacedOrder) -> bool {
        let vault = order.vault.as_deref();
        self.paytrace
            .fake
            .transactions()
            .iter()
            .any(|t| t.customer_id.as_deref() == vault)
    }

    /// The pair as a person's tool builds it, to release or cancel held orders.
    fn pair(&self) -> ShopifyPaytrace {
        let erp: Arc<dyn Erp> = Arc::new(self.ledger.clone());
        ShopifyPaytrace::new(
            self.shopify_client.clone(),
            self.paytrace_client.clone(),
            erp,
            self.config.clone(),
        )
    }

    async fn release(&self, order: &PlacedOrder) -> Result<String, HeldError> {
        self.pair()
            .release_held(&*self.store, order.id, "jane")
            .await
    }

    async fn cancel(&self, order: &PlacedOrder) -> Result<String, HeldError> {
        self.pair()
            .cancel_held(&*self.store, order.id, "jane")
            .await
    }

    /// The person's decision recorded under the order as `fraud/{what}`.
    async fn held_decision(&self, order: &PlacedOrder, what: &str) -> Option<HeldDecision> {
        let key = self.effect_key(order, &format!("fraud/{what}"));
        let effect = self.store.effect(&key).await.unwrap()?;
        Some(serde_json::from_value(effect.detail).unwrap())
    }

    /// An order held for review, settled.
    async fn held_order(&self) -> PlacedOrder {
        let order = self.place_risky("80.00", "MEDIUM");
        let counts = self.settle().await;
        assert_eq!(counts.dead, 0, "{:#?}", self.dead_letters().await);
        assert!(!self.charged(&order));
        order
    }

    fn fraud_notices(&self) -> Vec<flows::notify::Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == NoticeKind::FraudScreen)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_order_is_charged_and_keeps_its_decision() {
    let app = TestApp::spawn_with(options()).await;
    let order = app.place_order("31.50");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    let decision = app.decision(&order).await;
    assert_eq!(decision.outcome, Outcome::Approve);
    assert_eq!(decision.score.value(), 0.0);
    assert!(decision.contributions.is_empty());
    assert_eq!(decision.scorer.version, "test-1");
    assert!(app.fraud_notices().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_held_for_review_is_tagged_noted_told_and_not_charged() {
    let app = TestApp::spawn_with(options()).await;
    let order = app.place_risky("80.00", "MEDIUM");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(!app.charged(&order), "a held order was charged");
    let shopify = app.shopify_order(&order);
    assert!(
        shopify.tags.iter().any(|t| t == "payops-held"),
        "{:?}",
        shopify.tags
    );
    assert_eq!(
        shopify.note.as_deref(),
        Some("Held for review: fraud screen score 60.000 (shopify_investigate +60.00)")
    );
    let decision = app.decision(&order).await;
    assert_eq!(decision.outcome, Outcome::Review);
    let contributions: Vec<(Signal, f64)> = decision
        .contributions
        .iter()
        .map(|c| (c.signal, c.contribution))
        .collect();
    assert_eq!(contributions, [(Signal::ShopifyInvestigate, 60.0)]);
    let notices = app.fraud_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0].key,
        format!("{}/notice/fraud-review", app.order_key(&order))
    );
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());

    // Shipped before anyone released it, it goes to a person and is still not charged.
    app.fulfil(shopify.fulfillment_order_id).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 1, "{:#?}", app.dead_letters().await);
    assert!(!app.charged(&order));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_order_is_never_charged_and_says_why() {
    let app = TestApp::spawn_with(options()).await;
    let order = app.place_risky("80.00", "HIGH");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(!app.charged(&order), "a refused order was charged");
    let shopify = app.shopify_order(&order);
    assert!(
        shopify.tags.iter().any(|t| t == "payops-refused"),
        "{:?}",
        shopify.tags
    );
    assert!(!shopify.tags.iter().any(|t| t == "payops-held"));
    assert_eq!(
        shopify.note.as_deref(),
        Some("Refused, not charged: fraud screen score 95.000 (shopify_cancel +95.00)")
    );
    let decision = app.decision(&order).await;
    assert_eq!(decision.outcome, Outcome::Refuse);
    assert_eq!(decision.contributions.len(), 1);
    assert_eq!(decision.contributions[0].signal, Signal::ShopifyCancel);
    assert_eq!(decision.contributions[0].contribution, 95.0);
    let notices = app.fraud_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0].key,
        format!("{}/notice/fraud-refuse", app.order_key(&order))
    );
    // The notice names signals and numbers, never the buyer.
    let text = serde_json::to_string(&notices[0]).unwrap();
    assert!(!text.contains("@example.com"), "{text}");
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_order_is_charged_once_booked_and_untagged_and_a_second_release_is_refused() {
    let app = TestApp::spawn_with(options()).await;
    let order = app.held_order().await;

    let key = app.release(&order).await.unwrap();
    assert_eq!(key, app.order_key(&order));
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1, "{:#?}", app.sales(&order));
    app.assert_paid(&order).await;
    let shopify = app.shopify_order(&order);
    assert!(
        !shopify.tags.iter().any(|t| t == "payops-held"),
        "{:?}",
        shopify.tags
    );
    assert_eq!(
        shopify.note.as_deref(),
        Some("Released after review by jane")
    );
    let decision = app
        .held_decision(&order, "release")
        .await
        .expect("no release on record");
    assert_eq!(
        (decision.verdict, decision.by.as_str()),
        (Verdict::Release, "jane")
    );
    assert!(decision.at > 0);
    assert!(app.held_decision(&order, "cancel").await.is_none());

    // Twice: refused, naming who released it, and nothing more is charged.
    match app.release(&order).await {
        Err(HeldError::AlreadyReleased { order: key, by }) => {
            assert_eq!((key, by.as_str()), (app.order_key(&order), "jane"));
        }
        other => panic!("expected AlreadyReleased, got {other:?}"),
    }
    assert!(matches!(
        app.cancel(&order).await,
        Err(HeldError::AlreadyReleased { .. })
    ));
    app.settle().await;
    assert_eq!(app.sales(&order).len(), 1);
}

/// In authorize-then-capture mode a released order is authorized, not sold, and captured once
/// when it ships, as an order never held is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_order_in_authorize_then_capture_mode_is_authorized_then_captured_on_shipment() {
    let app = TestApp::spawn_with(Options {
        payment: PaymentMode::AuthorizeThenCapture,
        ..options()
    })
    .await;
    let order = app.held_order().await;
    let authorizations = || -> Vec<Transaction> {
        app.paytrace
            .fake
            .transactions_by_invoice(&app.invoice_id(&order))
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Authorization)
            .collect()
    };
    assert!(authorizations().is_empty(), "held: nothing authorized");

    app.release(&order).await.unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let auth = authorizations();
    assert_eq!(auth.len(), 1, "{auth:#?}");
    assert!(auth[0].approved && auth[0].captured_amount.is_none());
    assert!(app.sales(&order).is_empty(), "authorized, not sold");
    assert_ne!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );

    app.fulfil(app.shopify_order(&order).fulfillment_order_id)
        .await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let auth = authorizations();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].captured_amount, Some(order.total));
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_releases_before_the_worker_runs_and_a_lost_answer_charge_once() {
    let mut app = TestApp::spawn_with(options()).await;
    let order = app.held_order().await;
    app.stop_worker().await;
    // Both pass the check (neither is on record yet) and both run the order's job.
    app.release(&order).await.unwrap();
    app.release(&order).await.unwrap();
    // The release is on record, then PayTrace's answer to the charge is lost: the retry finds
    // the charge instead of sending it again.
    let dropped = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1)).path("/v1/transactions/sale"),
    );
    app.start_worker();

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(dropped), 1);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1, "{:#?}", app.sales(&order));
    app.assert_paid(&order).await;
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_order_is_cancelled_in_shopify_and_never_charged() {
    let app = TestApp::spawn_with(options()).await;
    let order = app.held_order().await;

    app.cancel(&order).await.unwrap();
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(!app.charged(&order), "a cancelled order was charged");
    let shopify = app.shopify_order(&order);
    assert!(shopify.cancelled_at_ms.is_some());
    let cancellation = shopify.cancellation.clone().expect("no orderCancel");
    assert_eq!(cancellation.reason, "FRAUD");
    assert!(!cancellation.refund);
    assert_eq!(
        cancellation.staff_note.as_deref(),
        Some("Cancelled after fraud review by jane")
    );
    assert!(
        !shopify.tags.iter().any(|t| t == "payops-held"),
        "{:?}",
        shopify.tags
    );
    assert_eq!(
        shopify.note.as_deref(),
        Some("Cancelled after review by jane, not charged")
    );
    let decision = app
        .held_decision(&order, "cancel")
        .await
        .expect("no cancel on record");
    assert_eq!(decision.verdict, Verdict::Cancel);
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());

    assert!(matches!(
        app.release(&order).await,
        Err(HeldError::AlreadyCancelled { .. })
    ));
    app.settle().await;
    assert!(!app.charged(&order));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_held_orders_can_be_released_or_cancelled() {
    let app = TestApp::spawn_with(options()).await;
    let approved = app.place_order("31.50");
    let refused = app.place_risky("80.00", "HIGH");
    app.settle().await;

    assert!(matches!(
        app.release(&approved).await,
        Err(HeldError::Approved { .. })
    ));
    assert!(matches!(
        app.cancel(&approved).await,
        Err(HeldError::Approved { .. })
    ));
    let err = app.release(&refused).await.unwrap_err();
    assert!(matches!(err, HeldError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("final"), "{err}");
    let unknown = app.pair().release_held(&*app.store, 999_999, "jane").await;
    assert!(
        matches!(unknown, Err(HeldError::NotScreened { .. })),
        "{unknown:?}"
    );
    assert!(err.is_not_held());

    // Nothing was enqueued: the refused order is still uncharged, the approved one charged once.
    app.settle().await;
    assert!(!app.charged(&refused));
    assert_eq!(app.sales(&approved).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_customers_order_is_scored_against_their_own_history() {
    let app = TestApp::spawn_with(Options {
        fraud_history: true,
        ..options()
    })
    .await;
    let usd = |minor| mapping::Money::from_minor(minor, mapping::Currency::USD);
    let ann = |amount: &str| NewOrder::simple("ann@example.com", dec(amount));

    // The customer's first order: a first order, no history.
    let (first, screened) = app.screened_order(ann("30.00"), "30.00").await;
    let customer = first.body["customer"]["id"].as_u64().unwrap();
    assert_eq!(
        screened.facts.account,
        Some(format!(
            "shopify/{}/customer/{customer}",
            app.shopify.fake.shop_domain()
        ))
    );
    assert_eq!(screened.facts.customer, fraud::CustomerHistory::default());
    assert_eq!(contributions(&screened), [(Signal::FirstOrder, 10.0)]);
    assert!(app.charged(&first));

    // The second: not a first order, one earlier order of 30.00 on record, about as big.
    let (second, screened) = app.screened_order(ann("40.00"), "40.00").await;
    assert_eq!(second.body["customer"]["id"].as_u64(), Some(customer));
    assert_eq!(
        screened.facts.customer,
        fraud::CustomerHistory {
            prior_orders: 1,
            prior_spent: Some(usd(3_000)),
        }
    );
    assert!(contributions(&screened).is_empty());
    assert!(app.charged(&second));

    // The third, over eight times the customer's mean order (70.00 / 2): held, not charged.
    let (third, screened) = app.screened_order(ann("300.00"), "300.00").await;
    assert_eq!(
        screened.facts.customer,
        fraud::CustomerHistory {
            prior_orders: 2,
            prior_spent: Some(usd(7_000)),
        }
    );
    assert_eq!(contributions(&screened), [(Signal::AmountVsCustomer, 50.0)]);
    assert_eq!(screened.decision.outcome, Outcome::Review);
    assert!(!app.charged(&third));

    // Another buyer's order of the same amount is a first order, with nothing to compare.
    let (_, screened) = app
        .screened_order(NewOrder::simple("bo@example.com", dec("300.00")), "300.00")
        .await;
    assert_eq!(contributions(&screened), [(Signal::FirstOrder, 10.0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gift_card_raises_the_high_risk_category_signal_and_holds_the_order() {
    let app = TestApp::spawn_with(Options {
        fraud_history: true,
        ..options()
    })
    .await;

    let plain = NewOrder::simple("cy@example.com", dec("20.00")).line_item("Mug", 1, dec("50.00"));
    let (order, screened) = app.screened_order(plain, "70.00").await;
    assert!(screened.facts.categories.is_empty());
    assert_eq!(contributions(&screened), [(Signal::FirstOrder, 10.0)]);
    assert!(app.charged(&order));

    let gift =
        NewOrder::simple("di@example.com", dec("20.00")).gift_card("Gift card", dec("50.00"));
    let (order, screened) = app.screened_order(gift, "70.00").await;
    assert_eq!(screened.facts.categories, ["gift_card".to_owned()].into());
    assert_eq!(
        contributions(&screened),
        [(Signal::HighRiskCategory, 45.0), (Signal::FirstOrder, 10.0)]
    );
    assert_eq!(screened.decision.outcome, Outcome::Review);
    assert!(!app.charged(&order));
}

//! The fraud screen of Magento + Stripe through the sandbox's Magento and Stripe fakes: approved
//! orders are charged once, held ones authorized and not captured until released (captured and
//! booked once) or canceled (nothing booked), refused ones never get a PaymentIntent, and an
//! order is screened once however often its job runs.

use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use flows::notify::{Notice, NoticeKind, Notices, Notifier};
use flows::workflow::Flow;
use flows::workflows::magento_stripe::{
    AUTHORIZATION_VALIDITY, Config, HeldError, HeldReminder, RadarRecord,
};
use flows::workflows::screening::{Screened, Screener};
use flows::{Backoff, JobState, Outcome, Store, Worker, WorkerConfig};
use fraud::{FeatureConfig, KeyKind, Rule, RulesScorer, Signal, Thresholds, VelocityKeys, Window};
use sandbox::magento::NewOrder;
use sandbox::{Fault, FaultRule, Faults, Trigger};
use serde_json::Value;

use crate::magento_stripe::through_the_sandbox::Sandboxed;
use crate::notify::Recording;

const VISA: &str = "4242424242424242";

/// Rules on the amount only, so that the order's total picks the outcome: from 300.00 USD it is
/// reviewed (60 points), from 1,000.00 refused (100 points), below approved.
fn amount_rules() -> RulesScorer {
    RulesScorer {
        version: "test-1".to_owned(),
        rules: vec![
            Rule::at_least(Signal::Amount, 30_000.0, 60.0),
            Rule::at_least(Signal::Amount, 100_000.0, 40.0),
        ],
        thresholds: Thresholds::new(50.0, 90.0).unwrap(),
        feature_config: FeatureConfig::default(),
    }
}

/// Rules on the customer's history and the items' categories: a first order 10 points, an
/// order at least three times the customer's mean order 50 (review), a `giftcard` item 45.
fn history_rules() -> RulesScorer {
    RulesScorer {
        version: "test-history".to_owned(),
        rules: vec![
            Rule::flag(Signal::FirstOrder, 10.0),
            Rule::at_least(Signal::AmountVsCustomer, 3.0, 50.0),
            Rule::flag(Signal::HighRiskCategory, 45.0),
        ],
        thresholds: Thresholds::new(50.0, 90.0).unwrap(),
        feature_config: FeatureConfig::with_high_risk_categories(["giftcard"]),
    }
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

struct Screening {
    app: Sandboxed,
    notices: Arc<Recording>,
    velocity: Arc<fraud::MemoryVelocity>,
}

impl Screening {
    /// The pair with the fraud screen on [`amount_rules`], a worker that sends notices and
    /// retries at once.
    async fn start() -> Self {
        Self::start_with(amount_rules()).await
    }

    /// [`Screening::start`] with `rules`.
    async fn start_with(rules: RulesScorer) -> Self {
        Self::start_configured(rules, |c| c).await
    }

    /// [`Screening::start_with`] with the pair's settings changed by `config`.
    async fn start_configured(rules: RulesScorer, config: impl FnOnce(Config) -> Config) -> Self {
        let mut app = Sandboxed::start_with(Faults::default(), config, |i| i, |w| w).await;
        let velocity = Arc::new(fraud::MemoryVelocity::default());
        let screener = Screener::new(Arc::new(rules), velocity.clone());
        app.flows = app.flows.clone().fraud_screen(screener);
        let notices = Arc::new(Recording::default());
        let ms = Duration::from_millis;
        let config = WorkerConfig::new("w1")
            .poll_interval(ms(5))
            .backoff(Backoff::new(ms(1), ms(2), 5));
        app.worker = app
            .flows
            .register(Worker::new(Arc::clone(&app.store), config))
            .notify(Notices::new(Arc::clone(&notices) as Arc<dyn Notifier>));
        Self {
            app,
            notices,
            velocity,
        }
    }

    /// A `pending_payment` order of `qty` × 100.00 + 5.00 USD shipping, paid with a new
    /// PaymentMethod of the Visa test card.
    fn order(&self, qty: u32) -> i64 {
        let pm = self.app.stripe.fake.payment_method_for_card(VISA).unwrap();
        let mut order =
            NewOrder::new(format!("buyer{qty}@example.com")).item("TEE-1", qty, 100.into());
        order.payment_method = "stripe_payments".into();
        order.payment_info = vec![("stripe_payment_method".into(), pm)];
        order.state = "pending_payment".into();
        self.app.magento.fake.create_order(order)
    }

    /// A `pending_payment` order by `email` (of account `customer`, else a guest) of one item
    /// of `product_type` at `price` + 5.00 USD shipping, paid with a new PaymentMethod of the
    /// Visa test card, and its screen record once its payment job ran.
    async fn screened_order(
        &self,
        email: &str,
        customer: Option<i64>,
        product_type: &str,
        price: i64,
    ) -> (i64, Screened) {
        let pm = self.app.stripe.fake.payment_method_for_card(VISA).unwrap();
        let mut order = NewOrder::new(email).item("ITEM-1", 1, price.into());
        order.items[0].product_type = product_type.into();
        order.customer_id = customer;
        order.payment_method = "stripe_payments".into();
        order.payment_info = vec![("stripe_payment_method".into(), pm)];
        order.state = "pending_payment".into();
        let id = self.app.magento.fake.create_order(order);
        self.app.pay(id).await;
        self.settle().await;
        self.assert_no_dead_letters().await;
        (id, self.screened(id).await)
    }

    fn key(id: i64) -> String {
        format!("magento/default/order/{id}")
    }

    /// The order's screen record.
    async fn screened(&self, id: i64) -> Screened {
        let effect = self
            .app
            .store
            .effect(&format!("{}/fraud/screen", Self::key(id)))
            .await
            .unwrap()
            .expect("no screen record");
        serde_json::from_value(effect.detail).unwrap()
    }

    /// Every PaymentIntent in the Stripe fake.
    fn intents(&self) -> Vec<Value> {
        let stripe = &self.app.stripe.fake;
        stripe
            .ids("payment_intent")
            .iter()
            .map(|id| stripe.object(id).unwrap())
            .collect()
    }

    /// Every charge in the Stripe fake.
    fn charges(&self) -> Vec<Value> {
        let stripe = &self.app.stripe.fake;
        stripe
            .ids("charge")
            .iter()
            .map(|id| stripe.object(id).unwrap())
            .collect()
    }

    fn fraud_notices(&self) -> Vec<Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == NoticeKind::FraudScreen)
            .collect()
    }

    fn reminders(&self) -> Vec<Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == NoticeKind::HeldAuthorizationLapsing)
            .collect()
    }

    /// The order's reminder job: when it runs (or ran) and its state.
    async fn reminder_job(&self, id: i64) -> flows::JobInfo {
        self.app
            .store
            .job(&HeldReminder::KIND, &Self::key(id))
            .await
            .unwrap()
            .expect("the reminder is scheduled")
    }

    /// Waits until the order's reminder job is due, then runs what is due.
    async fn settle_after_reminder(&self, id: i64) {
        let due = self.reminder_job(id).await.run_at;
        let wait = due.saturating_sub(flows::now_millis()).max(0) + 20;
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap())).await;
        self.settle().await;
    }

    async fn booked(&self, reference: &str) -> bool {
        self.app
            .ledger
            .find_by_external_ref(reference)
            .await
            .unwrap()
            .is_some()
    }

    async fn assert_no_dead_letters(&self) {
        let dead = self.app.store.dead_letters(10).await.unwrap();
        assert!(dead.is_empty(), "{dead:#?}");
    }

    /// Runs what is queued, then what Stripe's new events start, twice over (a release's
    /// capture, then its `charge.captured`).
    async fn settle(&self) {
        self.app.settle().await;
        self.app.settle().await;
    }
}

fn comments(order: &Value) -> Vec<String> {
    order["status_histories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["comment"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_approved_order_is_charged_once_and_radars_outcome_is_recorded() {
    let s = Screening::start().await;
    let id = s.order(1);
    s.app.pay(id).await;
    s.settle().await;

    s.assert_no_dead_letters().await;
    let screened = s.screened(id).await;
    assert_eq!(screened.decision.outcome, fraud::Outcome::Approve);
    assert!(screened.facts.card.is_some(), "the card's fingerprint");
    assert_eq!(screened.facts.ip, Some("198.51.100.7".parse().unwrap()));
    let intents = s.intents();
    assert_eq!(intents.len(), 1, "{intents:#?}");
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(intents[0]["capture_method"], "automatic");
    let charges = s.charges();
    assert_eq!(charges.len(), 1);
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "processing", "{order}");
    assert_eq!(order["total_paid"], order["grand_total"]);
    let charge = charges[0]["id"].as_str().unwrap();
    assert!(s.booked(&format!("stripe/acct_123/txn/{charge}")).await);
    assert!(s.fraud_notices().is_empty());

    // Radar's outcome, under the charge, naming the order.
    let radar = s
        .app
        .store
        .effect(&format!("stripe/acct_123/charge/{charge}/fraud/radar"))
        .await
        .unwrap()
        .expect("no radar record");
    let radar: RadarRecord = serde_json::from_value(radar.detail).unwrap();
    assert_eq!(radar.order.as_str(), Screening::key(id));
    assert_eq!(radar.radar.risk_level, fraud::RadarRiskLevel::Normal);
    assert_eq!(radar.radar.risk_score, Some(32));

    // Not held: neither released nor canceled.
    let err = s
        .app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::NotHeld { .. }), "{err}");
}

#[tokio::test]
async fn a_held_order_is_authorized_then_released_captured_and_booked_once() {
    let s = Screening::start().await;
    let id = s.order(3);
    s.app.pay(id).await;
    s.settle().await;

    // Held: authorized, not captured, on hold with its comment, told once, on record.
    s.assert_no_dead_letters().await;
    let screened = s.screened(id).await;
    assert_eq!(screened.decision.outcome, fraud::Outcome::Review);
    let intents = s.intents();
    assert_eq!(intents.len(), 1, "{intents:#?}");
    assert_eq!(intents[0]["status"], "requires_capture");
    assert_eq!(intents[0]["capture_method"], "manual");
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "holded", "{order}");
    let held = format!(
        "Held for review: {}",
        flows::workflows::screening::reason(&screened.decision)
    );
    assert!(comments(&order).contains(&held), "{order}");
    assert!(
        order["total_invoiced"].is_null() || order["total_invoiced"] == 0,
        "{order}"
    );
    let notices = s.fraud_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0].key,
        format!("{}/notice/fraud-review", Screening::key(id))
    );
    let charge = s.charges()[0]["id"].as_str().unwrap().to_owned();
    let payment = format!("stripe/acct_123/txn/{charge}");
    assert!(!s.booked(&payment).await, "an authorization is not booked");

    // Released: captured once, invoiced and booked once.
    s.app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap();
    s.settle().await;
    s.assert_no_dead_letters().await;
    let intents = s.intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(intents[0]["amount_received"], 30_500);
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "processing", "{order}");
    assert_eq!(order["total_paid"], order["grand_total"], "{order}");
    let released = format!(
        "Released after fraud review by jane: Stripe PaymentIntent {} captured.",
        intents[0]["id"].as_str().unwrap()
    );
    assert!(comments(&order).contains(&released), "{order}");
    assert!(s.booked(&payment).await);
    assert!(s.booked(&format!("{}/invoice", Screening::key(id))).await);
    assert!(s.app.ledger.open_receivables().await.unwrap().is_empty());

    // Asked again: refused; the charge's job run again books nothing more.
    let err = s
        .app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::Released { .. }), "{err}");
    let err = s
        .app
        .flows
        .cancel_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::Released { .. }), "{err}");
    s.app.settle().await;
    let order = s.app.order_json(id);
    assert_eq!(order["total_paid"], order["grand_total"], "{order}");
    assert_eq!(s.fraud_notices().len(), 1);
}

#[tokio::test]
async fn a_held_order_canceled_releases_the_authorization_and_books_nothing() {
    let s = Screening::start().await;
    let id = s.order(3);
    s.app.pay(id).await;
    s.settle().await;
    assert_eq!(s.intents()[0]["status"], "requires_capture");

    s.app
        .flows
        .cancel_held(&*s.app.store, id, "jane")
        .await
        .unwrap();
    s.settle().await;

    s.assert_no_dead_letters().await;
    let intents = s.intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "canceled");
    assert_eq!(intents[0]["cancellation_reason"], "fraudulent");
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "canceled", "{order}");
    let pi = intents[0]["id"].as_str().unwrap();
    let canceled = format!(
        "Canceled after fraud review by jane: Stripe PaymentIntent {pi} canceled, not charged."
    );
    assert!(comments(&order).contains(&canceled), "{order}");
    let charge = s.charges()[0]["id"].as_str().unwrap().to_owned();
    assert!(!s.booked(&format!("stripe/acct_123/txn/{charge}")).await);
    assert!(!s.booked(&format!("{}/invoice", Screening::key(id))).await);
    let err = s
        .app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::Canceled { .. }), "{err}");
}

#[tokio::test]
async fn a_refused_order_never_gets_a_payment_intent() {
    let s = Screening::start().await;
    let id = s.order(10);
    s.app.pay(id).await;
    // Found again by the poll: nothing new.
    s.app.pay(id).await;

    s.assert_no_dead_letters().await;
    let screened = s.screened(id).await;
    assert_eq!(screened.decision.outcome, fraud::Outcome::Refuse);
    assert!(s.intents().is_empty(), "{:#?}", s.intents());
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "canceled", "{order}");
    let refused = format!(
        "Refused, not charged: {}",
        flows::workflows::screening::reason(&screened.decision)
    );
    assert_eq!(
        comments(&order).iter().filter(|c| **c == refused).count(),
        1,
        "{order}"
    );
    let notices = s.fraud_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0].key,
        format!("{}/notice/fraud-refuse", Screening::key(id))
    );
    let err = s
        .app
        .flows
        .cancel_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::NotHeld { .. }), "{err}");
}

#[tokio::test]
async fn a_retry_after_the_screen_does_not_screen_the_order_again() {
    let s = Screening::start().await;
    let id = s.order(1);
    // Stripe is down when the PaymentIntent is asked for: the run fails after the screen.
    let down = s.app.faults.add(
        FaultRule::new("stripe", Fault::status(500), Trigger::Always)
            .method("POST")
            .path("/v1/payment_intents"),
    );
    let job = flows::workflow::job(
        &s.app.flows.order_payment(),
        &flows::workflows::magento_stripe::MagentoOrder { entity_id: id },
    )
    .unwrap();
    s.app.store.enqueue(job, 0).await.unwrap();
    let (tx, mut shutdown) = tokio::sync::watch::channel(false);
    let outcome = s.app.worker.run_once(&mut shutdown).await.unwrap();
    drop(tx);
    assert!(
        matches!(outcome, Some(Outcome::Retrying { .. })),
        "{outcome:?}"
    );
    assert!(s.app.faults.fired(down) >= 1);
    assert!(s.intents().is_empty());
    let first = s.screened(id).await;

    s.app.faults.remove(down);
    s.settle().await;

    s.assert_no_dead_letters().await;
    assert_eq!(s.screened(id).await, first, "screened once");
    let keys = VelocityKeys::from_facts(&first.facts);
    let counts = fraud::VelocityStore::counts(&*s.velocity, &keys, first.facts.placed_at).unwrap();
    assert_eq!(
        counts.get(KeyKind::Email, Window::Week),
        1,
        "velocity counted once"
    );
    assert_eq!(counts.get(KeyKind::Card, Window::Week), 1);
    let intents = s.intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(s.app.order_json(id)["state"], "processing");
}

#[tokio::test]
async fn a_held_order_whose_run_failed_before_its_hold_is_held_once_on_the_retry() {
    let s = Screening::start().await;
    let id = s.order(3);
    // Magento refuses the hold once: the comment is in, the hold is not, nothing on record.
    let down = s.app.faults.add(
        FaultRule::new("magento", Fault::status(503), Trigger::Always)
            .method("POST")
            .path(format!("/rest/default/V1/orders/{id}/hold")),
    );
    let job = flows::workflow::job(
        &s.app.flows.order_payment(),
        &flows::workflows::magento_stripe::MagentoOrder { entity_id: id },
    )
    .unwrap();
    s.app.store.enqueue(job, 0).await.unwrap();
    let (tx, mut shutdown) = tokio::sync::watch::channel(false);
    let outcome = s.app.worker.run_once(&mut shutdown).await.unwrap();
    drop(tx);
    assert!(
        matches!(outcome, Some(Outcome::Retrying { .. })),
        "{outcome:?}"
    );
    assert!(s.app.faults.fired(down) >= 1);
    assert_eq!(s.app.order_json(id)["state"], "pending_payment");

    s.app.faults.remove(down);
    s.settle().await;

    s.assert_no_dead_letters().await;
    let intents = s.intents();
    assert_eq!(intents.len(), 1, "{intents:#?}");
    assert_eq!(intents[0]["status"], "requires_capture");
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "holded", "{order}");
    let held = comments(&order)
        .iter()
        .filter(|c| c.starts_with("Held for review: "))
        .count();
    assert_eq!(held, 1, "{order}");
}

#[tokio::test]
async fn a_held_order_that_needs_three_d_secure_is_held_once_authenticated() {
    let s = Screening::start().await;
    let mut order = NewOrder::new("buyer3ds@example.com").item("TEE-1", 3, 100.into());
    order.payment_method = "stripe_payments".into();
    order.payment_info = vec![(
        "stripe_payment_method".into(),
        "pm_card_authenticationRequired".into(),
    )];
    order.state = "pending_payment".into();
    let id = s.app.magento.fake.create_order(order);
    s.app.pay(id).await;
    let pi = s.app.payment_intent(id).await;
    assert_eq!(
        s.screened(id).await.decision.outcome,
        fraud::Outcome::Review
    );
    assert_ne!(s.app.order_json(id)["state"], "holded");

    s.app.stripe.fake.answer_authentication(&pi, true).unwrap();
    s.settle().await;

    let intent = s.app.stripe.fake.object(&pi).unwrap();
    assert_eq!(intent["status"], "requires_capture");
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "holded", "{order}");
    assert!(
        comments(&order)
            .iter()
            .any(|c| c.starts_with("Held for review: ")),
        "{order}"
    );
    let charge = intent["latest_charge"].as_str().unwrap();
    assert!(!s.booked(&format!("stripe/acct_123/txn/{charge}")).await);
}

#[tokio::test]
async fn a_returning_customers_order_is_scored_against_their_own_history() {
    let s = Screening::start_with(history_rules()).await;
    let usd = |minor| mapping::Money::from_minor(minor, mapping::Currency::USD);

    // The account's first order: a first order, no history.
    let (_, first) = s
        .screened_order("ann@example.com", Some(42), "simple", 100)
        .await;
    assert_eq!(
        first.facts.account.as_deref(),
        Some("magento/default/customer/42")
    );
    assert_eq!(first.facts.customer, fraud::CustomerHistory::default());
    assert_eq!(contributions(&first), [(Signal::FirstOrder, 10.0)]);

    // The second: not a first order, one earlier order of 105.00 on record, about as big.
    let (_, second) = s
        .screened_order("ann@example.com", Some(42), "simple", 100)
        .await;
    assert_eq!(
        second.facts.customer,
        fraud::CustomerHistory {
            prior_orders: 1,
            prior_spent: Some(usd(10_500)),
        }
    );
    assert!(contributions(&second).is_empty());
    assert_eq!(second.decision.outcome, fraud::Outcome::Approve);

    // The third, four times the customer's mean order (210.00 / 2): held for review.
    let (id, third) = s
        .screened_order("ann@example.com", Some(42), "simple", 415)
        .await;
    assert_eq!(
        third.facts.customer,
        fraud::CustomerHistory {
            prior_orders: 2,
            prior_spent: Some(usd(21_000)),
        }
    );
    assert_eq!(contributions(&third), [(Signal::AmountVsCustomer, 50.0)]);
    assert_eq!(third.decision.outcome, fraud::Outcome::Review);
    assert_eq!(s.app.order_json(id)["state"], "holded");

    // The same e-mail as a guest: no account, so no history, and a first order.
    let (_, guest) = s
        .screened_order("ann@example.com", None, "simple", 415)
        .await;
    assert_eq!(guest.facts.account, None);
    assert_eq!(guest.facts.customer, fraud::CustomerHistory::default());
    assert_eq!(contributions(&guest), [(Signal::FirstOrder, 10.0)]);
}

#[tokio::test]
async fn a_high_risk_product_type_raises_its_signal_and_holds_the_order() {
    let s = Screening::start_with(history_rules()).await;

    let (_, plain) = s
        .screened_order("bob@example.com", None, "simple", 50)
        .await;
    assert_eq!(plain.facts.categories, ["simple".to_owned()].into());
    assert_eq!(contributions(&plain), [(Signal::FirstOrder, 10.0)]);
    assert_eq!(plain.decision.outcome, fraud::Outcome::Approve);

    let (id, gift) = s
        .screened_order("cy@example.com", None, "giftcard", 50)
        .await;
    assert_eq!(gift.facts.categories, ["giftcard".to_owned()].into());
    assert_eq!(
        contributions(&gift),
        [(Signal::HighRiskCategory, 45.0), (Signal::FirstOrder, 10.0)]
    );
    assert_eq!(gift.decision.outcome, fraud::Outcome::Review);
    assert_eq!(s.app.order_json(id)["state"], "holded");
    assert_eq!(s.intents().len(), 2);
}

#[tokio::test]
async fn a_held_order_still_undecided_is_reminded_once_before_its_authorization_lapses() {
    // Held orders are reminded 300 ms after their hold here (6 days by default).
    let lead = Duration::from_millis(300);
    let s = Screening::start_configured(amount_rules(), |c| c.held_reminder(lead)).await;
    let id = s.order(3);
    let before = flows::now_millis();
    s.app.pay(id).await;
    s.settle().await;
    let after = flows::now_millis();
    assert_eq!(
        s.screened(id).await.decision.outcome,
        fraud::Outcome::Review
    );
    let scheduled = s.reminder_job(id).await.run_at;
    assert!(
        (before + 300..=after + 300).contains(&scheduled),
        "{before} {scheduled} {after}"
    );

    s.settle_after_reminder(id).await;

    s.assert_no_dead_letters().await;
    assert_eq!(s.reminder_job(id).await.state, JobState::Done);
    let reminders = s.reminders();
    assert_eq!(reminders.len(), 1, "{reminders:#?}");
    let reminder = &reminders[0];
    assert_eq!(
        reminder.key,
        format!("{}/notice/fraud-hold-lapsing", Screening::key(id))
    );
    let fact = |name: &str| {
        reminder
            .facts
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
            .unwrap_or_else(|| panic!("no {name} in {reminder:#?}"))
    };
    let order = s.app.order_json(id);
    assert_eq!(fact("order"), order["increment_id"].as_str().unwrap());
    assert_eq!(
        fact("payment intent"),
        s.intents()[0]["id"].as_str().unwrap()
    );
    // Seven days after the hold, which was the reminder's lead before its run time.
    let lapses = time::OffsetDateTime::parse(
        &fact("authorization lapses"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let lapses_ms = i64::try_from(lapses.unix_timestamp_nanos() / 1_000_000).unwrap();
    let validity = i64::try_from(AUTHORIZATION_VALIDITY.as_millis()).unwrap();
    assert_eq!(validity, 7 * 86_400_000);
    assert_eq!(lapses_ms - scheduled, validity - 300);
    assert!(reminder.text.contains(&fact("authorization lapses")));

    // Still held and told once: the order's payment run again schedules nothing more, and
    // nothing else sends it again.
    let job = flows::workflow::job(
        &s.app.flows.order_payment(),
        &flows::workflows::magento_stripe::MagentoOrder { entity_id: id },
    )
    .unwrap();
    s.app
        .store
        .enqueue(flows::NewJob { rerun: true, ..job }, 0)
        .await
        .unwrap();
    s.settle().await;
    tokio::time::sleep(lead).await;
    s.settle().await;
    assert_eq!(s.reminder_job(id).await.run_at, scheduled);
    assert_eq!(s.reminders().len(), 1);
    assert_eq!(s.app.order_json(id)["state"], "holded");
}

#[tokio::test]
async fn a_held_order_released_before_its_reminder_gets_none() {
    let lead = Duration::from_secs(2);
    let s = Screening::start_configured(amount_rules(), |c| c.held_reminder(lead)).await;
    let id = s.order(3);
    s.app.pay(id).await;
    s.settle().await;
    let reminder = s.reminder_job(id).await;
    assert_eq!(reminder.state, JobState::Queued);
    assert!(
        reminder.run_at > flows::now_millis(),
        "the machine took longer than the reminder's lead to hold the order"
    );

    s.app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap();
    s.settle().await;
    assert_eq!(s.intents()[0]["status"], "succeeded");
    s.settle_after_reminder(id).await;

    s.assert_no_dead_letters().await;
    assert_eq!(
        s.reminder_job(id).await.state,
        JobState::Done,
        "the reminder ran"
    );
    assert!(s.reminders().is_empty(), "{:#?}", s.reminders());
}

/// A Stripe client of the fake, as a person's other tool (the Dashboard) would act on it.
fn dashboard(s: &Screening) -> stripe_client::Client {
    stripe_client::Client::builder(secrecy::SecretString::from(
        s.app.stripe.fake.secret_key().to_owned(),
    ))
    .base_url(s.app.stripe.base_url().as_str())
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_held_order_captured_in_stripe_before_its_release_is_released_and_booked_once() {
    let s = Screening::start().await;
    let id = s.order(3);
    s.app.pay(id).await;
    s.settle().await;
    let pi = s.intents()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.intents()[0]["status"], "requires_capture");

    // Captured in Stripe directly, then released: the release's own capture is refused
    // (`payment_intent_unexpected_state`) and the PaymentIntent, succeeded, is taken as captured.
    dashboard(&s)
        .payment_intents()
        .capture(&pi, &stripe_client::CapturePaymentIntent::default())
        .await
        .unwrap();
    s.app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap();
    s.settle().await;

    s.assert_no_dead_letters().await;
    let release = s
        .app
        .store
        .effect(&format!("{}/fraud/release", Screening::key(id)))
        .await
        .unwrap()
        .expect("the release is on record");
    assert_eq!(release.detail, "succeeded");
    let intents = s.intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["amount_received"], 30_500);
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "processing", "{order}");
    assert_eq!(order["total_paid"], order["grand_total"], "{order}");
    let charge = s.charges()[0]["id"].as_str().unwrap().to_owned();
    assert!(s.booked(&format!("stripe/acct_123/txn/{charge}")).await);
    assert!(s.booked(&format!("{}/invoice", Screening::key(id))).await);
    assert!(s.app.ledger.open_receivables().await.unwrap().is_empty());

    // The release asked again is refused; the charge's events again book nothing more.
    let err = s
        .app
        .flows
        .release_held(&*s.app.store, id, "jane")
        .await
        .unwrap_err();
    assert!(matches!(err, HeldError::Released { .. }), "{err}");
    let trial = s.app.ledger.trial_balance().await.unwrap();
    s.app.settle().await;
    assert_eq!(s.app.ledger.trial_balance().await.unwrap(), trial);
}

#[tokio::test]
async fn a_held_order_canceled_in_stripe_before_its_cancellation_is_canceled() {
    let s = Screening::start().await;
    let id = s.order(3);
    s.app.pay(id).await;
    s.settle().await;
    let pi = s.intents()[0]["id"].as_str().unwrap().to_owned();

    dashboard(&s)
        .payment_intents()
        .cancel(
            &pi,
            &stripe_client::CancelPaymentIntent {
                cancellation_reason: Some(
                    stripe_client::CancelPaymentIntentReason::RequestedByCustomer,
                ),
            },
        )
        .await
        .unwrap();
    s.app
        .flows
        .cancel_held(&*s.app.store, id, "jane")
        .await
        .unwrap();
    s.settle().await;

    s.assert_no_dead_letters().await;
    let cancel = s
        .app
        .store
        .effect(&format!("{}/fraud/cancel", Screening::key(id)))
        .await
        .unwrap()
        .expect("the cancellation is on record");
    assert_eq!(cancel.detail, "canceled");
    assert_eq!(
        s.intents()[0]["cancellation_reason"],
        "requested_by_customer"
    );
    let order = s.app.order_json(id);
    assert_eq!(order["state"], "canceled", "{order}");
    let charge = s.charges()[0]["id"].as_str().unwrap().to_owned();
    assert!(!s.booked(&format!("stripe/acct_123/txn/{charge}")).await);
}

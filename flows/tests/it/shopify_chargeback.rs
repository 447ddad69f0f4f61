//! PayTrace chargebacks (`ChargebackFlow`) and Shopify Payments disputes (`ShopifyDispute`), end
//! to end through the sandbox: the ERP dispute records and the Shopify order's tag and note once
//! per stage however often a report is imported, the chargeback's settlement reconciled with the
//! day's PayTrace batch, and a person told once. Reuses the [`TestApp`] of the Shopify + PayTrace
//! tests.
//!
//! The chargeback report is built here in the layout `mapping::paytrace::parse_chargeback_report`
//! documents; PayTrace publishes none, so there is no real sample to copy.

use flows::notify::NoticeKind;
use flows::workflows::shopify_paytrace::{
    CHARGEBACK_LOST_TAG, CHARGEBACK_TAG, CHARGEBACK_WON_TAG, Chargeback, ChargebackStage,
    chargeback_job,
};
use flows::{JobState, Store};
use mapping::System;
use serde_json::json;

use super::{ACCOUNT, Options, PlacedOrder, TestApp, dec};

/// Today, as the report and the ledger date it.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// `MM/DD/YYYY`, as the report writes dates.
fn us_date(date: time::Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        u8::from(date.month()),
        date.day(),
        date.year()
    )
}

impl TestApp {
    /// An app whose worker sends notices.
    async fn spawn_notifying() -> Self {
        Self::spawn_with(Options {
            notify: true,
            ..Options::default()
        })
        .await
    }

    /// Imports `report` as `payops chargeback import` does: one job per row.
    async fn import_chargebacks(&self, report: &str) -> Vec<Chargeback> {
        let rows = mapping::paytrace::parse_chargeback_report(report.as_bytes()).unwrap();
        for row in &rows {
            self.store
                .enqueue(chargeback_job(ACCOUNT, row).unwrap(), flows::now_millis())
                .await
                .unwrap();
        }
        rows
    }

    /// Records `chargeback` as `payops chargeback record` does.
    async fn record_chargeback(&self, chargeback: &Chargeback) {
        self.store
            .enqueue(
                chargeback_job(ACCOUNT, chargeback).unwrap(),
                flows::now_millis(),
            )
            .await
            .unwrap();
    }

    /// The balances of clearing, disputed funds, chargebacks and the bank.
    async fn dispute_balances(&self) -> [i64; 4] {
        let trial = self.ledger.trial_balance().await.unwrap();
        self.ledger.verify_journals().await.unwrap();
        ["1200-paytrace", "1300", "6200", "1000"].map(|code| crate::balance(&trial, code))
    }

    /// The order's tags and the lines of its note.
    fn tags_and_note(&self, order: &PlacedOrder) -> (Vec<String>, Vec<String>) {
        let order = self.shopify_order(order);
        let mut tags = order.tags;
        tags.sort();
        let note = order.note.unwrap_or_default();
        (tags, note.lines().map(str::to_owned).collect())
    }

    /// The dispute notices the worker sent.
    fn dispute_notices(&self) -> Vec<flows::notify::Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == NoticeKind::DisputeOpened)
            .collect()
    }

    /// A paid order of `amount` and its PayTrace sale's id.
    async fn paid_order(&self, amount: &str) -> (PlacedOrder, u64) {
        let order = self.place_order(amount);
        let counts = self.settle().await;
        assert_eq!(counts.dead, 0, "{:#?}", self.dead_letters().await);
        let sale = self.assert_paid(&order).await;
        (order, sale.id)
    }
}

/// The test: a report imported twice books and tells once, and the chargeback's line
/// then reconciles with the day's PayTrace batch by transaction id, clearing the gateway account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chargeback_report_imported_twice_books_once_and_its_batch_reconciles() {
    let app = TestApp::spawn_notifying().await;
    let (order, sale) = app.paid_order("40.00").await;
    assert_eq!(app.dispute_balances().await, [4000, 0, 0, 0]);

    let report = format!(
        "Case Number,Transaction ID,Amount,Reason Code,Reason,Date Received,Status,Fee\n\
         CB-1,{sale},$25.00,10.4,Fraud,{},Open,15.00\n",
        us_date(today())
    );
    let rows = app.import_chargebacks(&report).await;
    app.import_chargebacks(&report).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    // Opened: the amount held in disputed funds, the fee spent, both out of clearing.
    let opened = [0, 2500, 1500, 0];
    assert_eq!(app.dispute_balances().await, opened);
    let opened_ref = format!("paytrace/{ACCOUNT}/dispute/CB-1/opened");
    assert!(app.erp_document(&opened_ref).await.is_some());
    let line = format!(
        "Chargeback CB-1 opened {}: 25.00 USD withdrawn by PayTrace (transaction {sale}), \
         reason: 10.4 Fraud.",
        today()
    );
    let told = (vec![CHARGEBACK_TAG.to_owned()], vec![line]);
    assert_eq!(app.tags_and_note(&order), told);
    let notices = app.dispute_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0].key,
        format!("paytrace/{ACCOUNT}/dispute/CB-1/notice/opened")
    );

    // Imported once more after it ran (the job runs again): nothing more anywhere.
    app.import_chargebacks(&report).await;
    app.settle().await;
    assert_eq!(app.dispute_balances().await, opened);
    assert_eq!(app.tags_and_note(&order), told);
    assert_eq!(app.dispute_notices().len(), 1);

    // The day's PayTrace batch and the report's chargeback, reconciled together.
    assert!(app.paytrace.fake.settle_now().is_some());
    let account = mapping::paytrace::SettlementCtx {
        account_utc_offset: time::UtcOffset::UTC,
    };
    let mut batches = flows::settlement::paytrace_batches(&app.paytrace_client, today(), &account)
        .await
        .unwrap();
    assert_eq!(batches.len(), 1);
    batches.extend(mapping::paytrace::chargeback_batches(&rows, time::UtcOffset::UTC).unwrap());
    let ctx = app.erp_ctx();
    let report = flows::settlement::reconcile_period(
        &app.ledger,
        &ctx,
        System::Paytrace,
        &batches,
        (today(), today()),
        7,
    )
    .await
    .unwrap();
    let outcomes: Vec<_> = report
        .reconciliation
        .results
        .iter()
        .map(|o| {
            (
                report.settlement[o.settlement.unwrap()]
                    .transaction_id
                    .clone(),
                o.status,
                o.pass,
                report.ledger[o.ledger.unwrap()].entry_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                sale.to_string(),
                reconcile::Status::Matched,
                reconcile::MatchPass::TransactionId,
                format!("paytrace/{ACCOUNT}/txn/{sale}")
            ),
            (
                "CB-1".to_owned(),
                reconcile::Status::Matched,
                reconcile::MatchPass::TransactionId,
                opened_ref
            ),
        ],
        "{report:#?}"
    );
    assert!(!report.reconciliation.has_discrepancies());
    assert_eq!(report.journals.len(), 2);
    // Clearing is empty; the bank got the sale and gave the chargeback and its fee back.
    assert_eq!(app.dispute_balances().await, [0, 2500, 1500, 0]);
}

/// A chargeback first reported lost books its opening first, then the loss; a won one gets the
/// amount back (the fee stays spent); a case won and then reported lost goes to a person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stage_books_once_in_order_and_a_contradiction_goes_to_a_person() {
    let app = TestApp::spawn().await;
    let (lost_order, lost_sale) = app.paid_order("30.00").await;
    let (won_order, won_sale) = app.paid_order("50.00").await;
    assert_eq!(app.dispute_balances().await, [8000, 0, 0, 0]);
    let day = today();

    let lost = Chargeback::new("CB-L", lost_sale.to_string(), dec("30.00"), "USD", day)
        .reason("13.1 Not received")
        .stage(ChargebackStage::Lost, Some(day));
    app.record_chargeback(&lost).await;
    app.record_chargeback(&lost).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    // Opened then lost: the 30.00 left clearing and is written off to chargebacks.
    assert_eq!(app.dispute_balances().await, [5000, 0, 3000, 0]);
    for stage in ["opened", "lost"] {
        let reference = format!("paytrace/{ACCOUNT}/dispute/CB-L/{stage}");
        assert!(app.erp_document(&reference).await.is_some(), "{reference}");
    }
    assert_eq!(
        app.tags_and_note(&lost_order),
        (
            vec![CHARGEBACK_TAG.to_owned(), CHARGEBACK_LOST_TAG.to_owned()],
            vec![
                format!(
                    "Chargeback CB-L opened {day}: 30.00 USD withdrawn by PayTrace (transaction \
                     {lost_sale}), reason: 13.1 Not received."
                ),
                format!("Chargeback CB-L lost {day}: 30.00 USD written off."),
            ]
        )
    );

    let opened = Chargeback::new("CB-W", won_sale.to_string(), dec("50.00"), "USD", day)
        .reason("10.4 Fraud")
        .fee(dec("15.00"));
    app.record_chargeback(&opened).await;
    app.settle().await;
    assert_eq!(app.dispute_balances().await, [-1500, 5000, 4500, 0]);
    let won = opened.clone().stage(ChargebackStage::Won, Some(day));
    app.record_chargeback(&won).await;
    app.settle().await;
    app.record_chargeback(&won).await;
    app.settle().await;
    // Won: the 50.00 is back in clearing, the 15.00 fee stays in chargebacks.
    let after_win = [3500, 0, 4500, 0];
    assert_eq!(app.dispute_balances().await, after_win);
    let (tags, note) = app.tags_and_note(&won_order);
    assert_eq!(
        tags,
        [CHARGEBACK_TAG.to_owned(), CHARGEBACK_WON_TAG.to_owned()]
    );
    assert_eq!(
        note[1],
        format!("Chargeback CB-W won {day}: 50.00 USD reinstated.")
    );
    assert_eq!(note.len(), 2, "{note:#?}");

    // The same case reported lost after it was won: nothing booked, a dead letter says why.
    let contradiction = opened.stage(ChargebackStage::Lost, Some(day));
    app.record_chargeback(&contradiction).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(
        dead[0].reason.contains("won already"),
        "{:#?}",
        dead[0].reason
    );
    assert_eq!(app.dispute_balances().await, after_win);
}

/// A chargeback of a transaction the ERP has no payment of is not guessed at: a dead letter names
/// the transaction, and nothing is booked or told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chargeback_of_a_transaction_the_erp_does_not_know_is_a_dead_letter_naming_it() {
    let app = TestApp::spawn().await;
    let (order, _) = app.paid_order("20.00").await;
    let before = app.dispute_balances().await;
    let unknown = Chargeback::new("CB-X", "999999", dec("20.00"), "USD", today());
    app.record_chargeback(&unknown).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(
        dead[0].reason.contains("`transaction_id` 999999")
            && dead[0]
                .reason
                .contains(&format!("paytrace/{ACCOUNT}/txn/999999")),
        "{}",
        dead[0].reason
    );
    assert_eq!(app.dispute_balances().await, before);
    assert!(app.tags_and_note(&order).0.is_empty());
    let job = chargeback_job(ACCOUNT, &unknown).unwrap();
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Dead);
}

/// Shopify Payments disputes tag and note their order once per status, tell a person once, and
/// book nothing (their money is not in this pair's ledger).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_payments_disputes_tag_and_note_the_order_once_per_status_and_book_nothing() {
    let app = TestApp::spawn_notifying().await;
    for topic in ["disputes/create", "disputes/update"] {
        app.shopify
            .fake
            .register_webhook(topic, app.hook_url.parse().unwrap());
    }
    let (order, _) = app.paid_order("60.00").await;
    let before = app.ledger.trial_balance().await.unwrap();
    let dispute = |status: &str| {
        json!({
            "id": 598735659, "order_id": order.id, "type": "chargeback", "amount": "11.50",
            "currency": "USD", "reason": "fraudulent", "network_reason_code": "4837",
            "status": status, "evidence_due_by": "2026-12-20T19:00:00-04:00",
            "evidence_sent_on": null, "finalized_on": null,
            "initiated_at": "2026-12-01T20:00:00-04:00"
        })
    };
    app.shopify
        .fake
        .send_webhook("disputes/create", &dispute("needs_response"));
    app.shopify
        .fake
        .send_webhook("disputes/create", &dispute("needs_response"));
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let opened = "Shopify Payments chargeback 598735659 opened: 11.50 USD, reason: fraudulent, \
                  evidence due by 2026-12-20.";
    assert_eq!(
        app.tags_and_note(&order),
        (vec![CHARGEBACK_TAG.to_owned()], vec![opened.to_owned()])
    );

    for status in ["under_review", "under_review", "won"] {
        app.shopify
            .fake
            .send_webhook("disputes/update", &dispute(status));
        app.settle().await;
    }
    // A late delivery of the opening after the win adds nothing.
    app.shopify
        .fake
        .send_webhook("disputes/create", &dispute("needs_response"));
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(
        app.tags_and_note(&order),
        (
            vec![CHARGEBACK_TAG.to_owned(), CHARGEBACK_WON_TAG.to_owned()],
            vec![
                opened.to_owned(),
                "Shopify Payments chargeback 598735659 under review: 11.50 USD, reason: \
                 fraudulent, evidence due by 2026-12-20."
                    .to_owned(),
                "Shopify Payments chargeback 598735659 won: 11.50 USD, reason: fraudulent."
                    .to_owned(),
            ]
        )
    );
    let notices = app.dispute_notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert!(
        notices[0]
            .facts
            .iter()
            .any(|f| f.name == "respond by" && f.value == "2026-12-20")
    );
    assert_eq!(app.ledger.trial_balance().await.unwrap(), before);
}

/// The outcome facts each flow records, as `history` reads them back per screened order:
/// settled by the sale, a PayTrace chargeback with a network fraud code a fraud dispute (its
/// date, the earlier of two cases), one with another code and a Shopify Payments dispute for
/// another reason other disputes, a Shopify `fraudulent` dispute a fraud dispute at its
/// `initiated_at`; a held order nothing; re-imports and re-deliveries change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disputes_and_sales_record_what_became_of_each_screened_order() {
    use flows::workflows::screening::{History, Learned, OutcomeFact, history};

    let app = TestApp::spawn_with(Options {
        fraud_screen: true,
        ..Options::default()
    })
    .await;
    for topic in ["disputes/create", "disputes/update"] {
        app.shopify
            .fake
            .register_webhook(topic, app.hook_url.parse().unwrap());
    }
    let (fraud, fraud_sale) = app.paid_order("40.00").await;
    let (other, other_sale) = app.paid_order("30.00").await;
    let (shopify_fraud, _) = app.paid_order("20.00").await;
    let (shopify_other, _) = app.paid_order("25.00").await;
    // Held for review by the screen (Shopify's `MEDIUM` risk): never charged.
    let held = app.place_new_order(
        sandbox::shopify::NewOrder::simple("held@example.com", dec("80.00")).risk("MEDIUM"),
        "80.00",
    );
    let later = today().saturating_add(time::Duration::days(5));
    let chargebacks = [
        Chargeback::new("CB-F", fraud_sale.to_string(), dec("40.00"), "USD", today())
            .reason("10.4 Other Fraud - Card Absent Environment"),
        Chargeback::new("CB-F2", fraud_sale.to_string(), dec("40.00"), "USD", later)
            .reason("10.4 Other Fraud - Card Absent Environment"),
        Chargeback::new("CB-O", other_sale.to_string(), dec("30.00"), "USD", today())
            .reason("13.1 Merchandise/Services Not Received"),
    ];
    for chargeback in chargebacks.iter().chain(&chargebacks[..1]) {
        app.record_chargeback(chargeback).await;
    }
    let dispute = |id: u64, order: &PlacedOrder, reason: &str, status: &str| {
        json!({
            "id": id, "order_id": order.id, "type": "chargeback", "amount": "10.00",
            "currency": "USD", "reason": reason, "network_reason_code": null,
            "status": status, "evidence_due_by": null, "evidence_sent_on": null,
            "finalized_on": null, "initiated_at": "2026-12-01T20:00:00-04:00"
        })
    };
    for status in ["needs_response", "under_review"] {
        let deliveries = [
            dispute(1, &shopify_fraud, "fraudulent", status),
            dispute(2, &shopify_other, "product_not_received", status),
        ];
        for body in &deliveries {
            app.shopify.fake.send_webhook("disputes/create", body);
        }
        let counts = app.settle().await;
        assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    }
    let transactions = app.paytrace.fake.transactions();
    assert!(transactions.iter().all(|t| t.customer_id != held.vault));

    // What one source recorded: under its own key, naming the order.
    let recorded = app
        .store
        .effect(&format!("paytrace/{ACCOUNT}/dispute/CB-F/fraud/outcome"))
        .await
        .unwrap()
        .unwrap();
    let fact: OutcomeFact = serde_json::from_value(recorded.detail).unwrap();
    let midnight = |date: time::Date| date.midnight().assume_utc();
    assert_eq!(
        fact,
        OutcomeFact {
            order: serde_json::from_value(json!(app.order_key(&fraud))).unwrap(),
            learned: Learned::FraudDispute,
            at: midnight(today()),
            reason: Some("10.4 Other Fraud - Card Absent Environment".into()),
        }
    );

    let History { orders, unscreened } = history(&*app.store).await.unwrap();
    assert_eq!(unscreened, 0);
    let outcome = |order: &PlacedOrder| {
        let key = app.order_key(order);
        orders
            .iter()
            .find(|o| o.order == key)
            .unwrap_or_else(|| panic!("{key} not in {orders:#?}"))
            .outcome
    };
    assert_eq!(orders.len(), 5, "{orders:#?}");
    let now = time::OffsetDateTime::now_utc();
    for order in [&fraud, &other, &shopify_fraud, &shopify_other] {
        let settled = outcome(order).settled_at.expect("settled");
        assert!(settled <= now && now - settled < time::Duration::minutes(5));
    }
    let initiated = time::macros::datetime!(2026-12-02 00:00 UTC);
    let times = |order: &PlacedOrder| {
        let o = outcome(order);
        (
            o.fraud_dispute_at,
            o.early_fraud_warning_at,
            o.other_dispute_at,
        )
    };
    assert_eq!(times(&fraud), (Some(midnight(today())), None, None));
    assert_eq!(times(&other), (None, None, Some(midnight(today()))));
    assert_eq!(times(&shopify_fraud), (Some(initiated), None, None));
    assert_eq!(times(&shopify_other), (None, None, Some(initiated)));
    assert_eq!(outcome(&held), fraud::OrderOutcome::default());
}

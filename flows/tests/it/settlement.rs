//! `flows::settlement` on a ledger of hand-made payments: which entries a period's run reports,
//! what it skips, and the lines it refuses.

use erp::{
    CurrencyCode, Customer, Erp, Gateway, Invoice, LineItem, LocalLedger, Money, Payment,
    PaymentDirection,
};
use flows::settlement::reconcile_period;
use mapping::erp::ErpCtx;
use mapping::{Currency, SettlementKind, SettlementLine, System};
use reconcile::{MatchPass, Status};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

const DAY: Date = date!(2026 - 12 - 01);
const CUTOFF: OffsetDateTime = datetime!(2026-12-01 22:00 UTC);

fn usd() -> CurrencyCode {
    CurrencyCode::new("USD").unwrap()
}

/// A ledger with an invoice of 100.00 per payment, and PayTrace payments of 25.00 each as
/// `(external ref, transaction id, date)`.
async fn ledger(payments: &[(&str, &str, Date)]) -> LocalLedger {
    let ledger = LocalLedger::open_in_memory().unwrap();
    let customer = Customer {
        external_ref: "c1".into(),
        name: "Ada".into(),
        email: None,
        vault_ids: Vec::new(),
    };
    ledger.upsert_customer(&customer).await.unwrap();
    for (i, (reference, transaction, date)) in payments.iter().enumerate() {
        let invoice = Invoice {
            external_ref: format!("inv{i}"),
            customer_ref: "c1".into(),
            sales_order_ref: None,
            invoice_date: *date,
            due_date: *date,
            currency: usd(),
            lines: vec![LineItem {
                sku: "S".into(),
                description: "item".into(),
                quantity: 1,
                unit_price: Money::new(2_500, usd()),
            }],
            tax: Money::new(0, usd()),
            shipping: Money::new(0, usd()),
        };
        ledger.create_invoice(&invoice).await.unwrap();
        let payment = Payment {
            external_ref: (*reference).into(),
            invoice_ref: format!("inv{i}"),
            direction: PaymentDirection::Received,
            gateway: Gateway::new("paytrace").unwrap(),
            transaction_id: (*transaction).into(),
            amount: Money::new(2_500, usd()),
            fee: None,
            date: *date,
        };
        ledger.post_payment(&payment).await.unwrap();
    }
    ledger
}

fn line(transaction: &str, kind: SettlementKind, minor: i64) -> SettlementLine {
    let gross = mapping::Money::from_minor(minor, Currency::USD);
    SettlementLine {
        gateway: System::Paytrace,
        batch_id: "7".into(),
        transaction_id: transaction.into(),
        reference: None,
        kind,
        gross,
        fee: mapping::Money::zero(Currency::USD),
        net: gross,
        settled_at: Some(CUTOFF),
    }
}

fn ctx() -> ErpCtx {
    ErpCtx::new(System::Shopify, "shop1", "acct-1", DAY)
}

#[tokio::test]
async fn a_periods_run_reports_its_own_days_and_leaves_earlier_entries_to_theirs() {
    let ledger = ledger(&[
        ("p-today", "t1", DAY),
        // More than a day before the period: the run of the day after its date reported it.
        ("p-earlier", "t2", date!(2026 - 11 - 29)),
        // The day before, and still in no batch: missing (reported once, by this run).
        ("p-yesterday", "t4", date!(2026 - 11 - 30)),
        // Captured today, not in this batch: it settles in the next one.
        ("p-late", "t3", DAY),
    ])
    .await;
    let batch = vec![
        line("t1", SettlementKind::Charge, 2_500),
        line("t9", SettlementKind::Charge, 1_000),
        // Not a payment: only the journal books it.
        line("f1", SettlementKind::Fee, -150),
    ];
    let report = reconcile_period(&ledger, &ctx(), System::Paytrace, &[batch], (DAY, DAY), 7)
        .await
        .unwrap();
    let outcomes: Vec<_> = report
        .reconciliation
        .results
        .iter()
        .map(|o| {
            let line = o
                .settlement
                .map(|s| report.settlement[s].transaction_id.as_str());
            let entry = o.ledger.map(|l| report.ledger[l].entry_id.as_str());
            (o.status, o.pass, line, entry)
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                Status::Matched,
                MatchPass::TransactionId,
                Some("t1"),
                Some("p-today")
            ),
            (Status::MissingInLedger, MatchPass::None, Some("t9"), None),
            (
                Status::MissingInSettlement,
                MatchPass::None,
                None,
                Some("p-yesterday")
            ),
            (Status::InTransit, MatchPass::None, None, Some("p-late")),
        ]
    );
    assert_eq!(
        report.ledger.len(),
        4,
        "the lookback read the earlier entry"
    );
    assert_eq!(report.journals.len(), 1);
    let trial = ledger.trial_balance().await.unwrap();
    // Clearing held 100.00; the batch credited 35.00 of charges; the bank got 33.50 net of fees.
    assert_eq!(crate::balance(&trial, "1200-paytrace"), 10_000 - 3_500);
    assert_eq!(crate::balance(&trial, "1000"), 3_500 - 150);
}

#[tokio::test]
async fn lines_of_another_gateway_or_without_a_settlement_time_are_refused() {
    let ledger = ledger(&[]).await;
    let mut stripe = line("t1", SettlementKind::Charge, 100);
    stripe.gateway = System::Stripe;
    let err = reconcile_period(
        &ledger,
        &ctx(),
        System::Paytrace,
        &[vec![stripe]],
        (DAY, DAY),
        7,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("batches[0].lines[0].gateway"),
        "{err}"
    );
    let mut unsettled = line("t1", SettlementKind::Charge, 100);
    unsettled.settled_at = None;
    let err = reconcile_period(
        &ledger,
        &ctx(),
        System::Paytrace,
        &[vec![unsettled]],
        (DAY, DAY),
        7,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("settled_at"), "{err}");
    // Nothing was booked.
    assert!(ledger.trial_balance().await.unwrap().is_empty());
}

/// A Stripe payout's lines come from every page of its balance transactions.
#[cfg(feature = "stripe")]
#[tokio::test]
async fn a_stripe_payouts_lines_are_read_from_every_page() {
    use axum::extract::{Query, State};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;
    let bt = |id: &str, kind: &str, amount: i64, fee: i64, source: Option<&str>| {
        serde_json::json!({
            "id": id, "object": "balance_transaction", "amount": amount, "currency": "usd",
            "fee": fee, "net": amount - fee, "available_on": 1_764_633_600, "created": 1_764_460_800,
            "type": kind, "reporting_category": kind, "status": "available", "source": source
        })
    };
    let pages = [
        serde_json::json!({"object": "list", "url": "/v1/balance_transactions", "has_more": true,
            "data": [bt("txn_1", "charge", 10_000, 320, Some("ch_1")),
                     bt("txn_2", "refund", -2_500, 0, Some("re_1"))]}),
        serde_json::json!({"object": "list", "url": "/v1/balance_transactions", "has_more": false,
            "data": [bt("txn_3", "payout", -7_180, 0, Some("po_1"))]}),
    ];
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/v1/balance_transactions",
            axum::routing::get(
                |State((seen, pages)): State<(Seen, Arc<[serde_json::Value; 2]>)>,
                 Query(query): Query<HashMap<String, String>>| async move {
                    let page = usize::from(query.contains_key("starting_after"));
                    seen.lock().unwrap().push(query);
                    axum::Json(pages[page].clone())
                },
            ),
        )
        .with_state((Arc::clone(&seen), Arc::new(pages)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = stripe_client::Client::builder(secrecy::SecretString::from("sk_test_123"))
        .base_url(&url)
        .build()
        .unwrap();

    let lines = flows::settlement::stripe_payout(&client, "po_1")
        .await
        .unwrap();
    let read: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.transaction_id.as_str(),
                l.kind.clone(),
                l.gross.minor(),
                l.fee.minor(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("ch_1", SettlementKind::Charge, 10_000, 320),
            ("re_1", SettlementKind::Refund, -2_500, 0),
            ("po_1", SettlementKind::Payout, -7_180, 0),
        ]
    );
    assert!(lines.iter().all(|l| l.batch_id == "po_1"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|q| q.get("payout").map(String::as_str) == Some("po_1"))
    );
    assert_eq!(
        seen[1].get("starting_after").map(String::as_str),
        Some("txn_2")
    );
}

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
        // Settled in an earlier batch: not this period's to report.
        ("p-earlier", "t2", date!(2026 - 11 - 29)),
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
            (Status::InTransit, MatchPass::None, None, Some("p-late")),
        ]
    );
    assert_eq!(
        report.ledger.len(),
        3,
        "the lookback read the earlier entry"
    );
    assert_eq!(report.journals.len(), 1);
    let trial = ledger.trial_balance().await.unwrap();
    let balance = |code: &str| {
        trial
            .iter()
            .find(|l| l.code == code)
            .map_or(0, |l| l.balance)
    };
    // Clearing held 75.00; the batch credited 35.00 of charges; the bank got 33.50 net of fees.
    assert_eq!(balance("1200-paytrace"), 7_500 - 3_500);
    assert_eq!(balance("1000"), 3_500 - 150);
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

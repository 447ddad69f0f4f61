//! The canonical order-to-cash of one order, mapped into ERP documents and posted into the `erp`
//! crate's embedded ledger (a SQLite file in a temporary directory).
//!
//! The `erp` crate has no provider fixtures of canonical data (its `tests/fixtures` hold Odoo
//! error bodies, which `mapping` never converts), so the canonical entities are built here.
#![cfg(feature = "erp")]
#![allow(clippy::unwrap_used)]

use erp::{DocumentKind, Erp, LocalLedger};
use mapping::erp::{
    ErpCtx, SettlementFees, to_erp_credit_memo, to_erp_dispute, to_erp_dispute_at, to_erp_invoice,
    to_erp_order_customer, to_erp_payment, to_erp_refund_payment, to_erp_sales_order,
    to_erp_settlement_journal,
};
use mapping::{
    Currency, Customer, Dispute, DisputeStatus, ExternalIds, FinancialStatus, LineItem, Money,
    Order, Payment, PaymentKind, PaymentStatus, Refund, RefundStatus, SettlementKind,
    SettlementLine, System,
};
use time::macros::{date, datetime};

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn line(sku: &str, quantity: u32, unit: i64, discount: i64) -> LineItem {
    LineItem {
        ids: ExternalIds::new(),
        sku: Some(sku.into()),
        variant_id: None,
        name: sku.to_lowercase(),
        quantity,
        unit_price: usd(unit),
        discount: usd(discount),
        tax: usd(0),
        total: usd(unit * i64::from(quantity) - discount),
    }
}

/// 3 × 10.00 less 1.00 + 1 × 12.50, + 3.33 tax + 6.00 shipping = 50.83 USD.
fn order() -> Order {
    Order {
        ids: ExternalIds::new().with(System::Shopify, "450789469"),
        source: System::Shopify,
        number: "#1001".into(),
        currency: Currency::USD,
        customer: Some(Customer {
            ids: ExternalIds::new()
                .with(System::Shopify, "207119551")
                .with(System::Paytrace, "cust-77"),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            phone: None,
            address: None,
        }),
        email: Some("ada@example.com".into()),
        billing_address: None,
        shipping_address: None,
        line_items: vec![line("TEE-1", 3, 1000, 100), line("MUG-2", 1, 1250, 0)],
        shipping: usd(600),
        discount: usd(0),
        tax: usd(333),
        total: usd(5083),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::Paid,
    }
}

fn payment() -> Payment {
    Payment {
        ids: ExternalIds::new().with(System::Paytrace, "123456"),
        order_number: Some("#1001".into()),
        reference: Some("1001".into()),
        fee: Some(usd(177)),
        vault_id: Some("cust-77".into()),
        processed_at: Some(datetime!(2026-11-23 15:04 UTC)),
        ..Payment::new(
            System::Paytrace,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            usd(5083),
        )
    }
}

fn refund() -> Refund {
    Refund {
        ids: ExternalIds::new()
            .with(System::Shopify, "929361462")
            .with(System::Paytrace, "123999"),
        gateway: System::Paytrace,
        payment_transaction_id: Some("123456".into()),
        order_number: Some("#1001".into()),
        amount: usd(1250),
        presentment_amount: None,
        status: RefundStatus::Succeeded,
        reason: Some("Mug arrived broken".into()),
        processed_at: Some(datetime!(2026-11-25 09:00 UTC)),
    }
}

fn settlement(kind: SettlementKind, id: &str, gross: i64, fee: i64) -> SettlementLine {
    SettlementLine {
        gateway: System::Paytrace,
        batch_id: "20261125".into(),
        transaction_id: id.into(),
        reference: Some("1001".into()),
        kind,
        gross: usd(gross),
        fee: usd(fee),
        net: usd(gross - fee),
        settled_at: Some(datetime!(2026-11-25 23:00 UTC)),
    }
}

fn ctx() -> ErpCtx {
    ErpCtx::new(
        System::Shopify,
        "shop1",
        "merchant-42",
        date!(2026 - 11 - 23),
    )
    .with_payment_terms_days(14)
    .with_settlement_fees(SettlementFees::OnPayments)
}

fn balance(tb: &[erp::ledger::TrialBalanceLine], code: &str) -> i64 {
    tb.iter()
        .filter(|l| l.code == code)
        .map(|l| l.balance)
        .sum()
}

async fn assert_balanced(ledger: &LocalLedger) -> Vec<erp::ledger::TrialBalanceLine> {
    let tb = ledger.trial_balance().await.unwrap();
    assert_eq!(tb.iter().map(|l| l.balance).sum::<i64>(), 0, "{tb:?}");
    ledger.verify_journals().await.unwrap();
    for check in ledger.receivables_check().await.unwrap() {
        assert!(check.is_consistent(), "{check:?}");
    }
    tb
}

#[tokio::test]
async fn order_to_cash_posts_into_the_local_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = LocalLedger::open(dir.path().join("books.sqlite3"))
        .await
        .unwrap();
    let (order, ctx) = (order(), ctx());

    // Customer with its PayTrace vault id.
    let customer = to_erp_order_customer(&order, &ctx).unwrap();
    ledger.upsert_customer(&customer).await.unwrap();
    let stored = ledger
        .customer(&customer.external_ref)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Ada Lovelace");
    assert_eq!(stored.vault_ids.len(), 1);
    assert_eq!(stored.vault_ids[0].gateway.as_str(), "paytrace");
    assert_eq!(stored.vault_ids[0].vault_id, "cust-77");

    // Sales order and invoice: revenue 29.00 + 12.50, tax 3.33, shipping 6.00.
    let sales_order = to_erp_sales_order(&order, &ctx).unwrap();
    let rec = ledger.create_sales_order(&sales_order).await.unwrap();
    assert!(rec.created);
    let invoice = to_erp_invoice(&order, &ctx).unwrap();
    assert_eq!(invoice.total().unwrap().minor, 5083);
    ledger.create_invoice(&invoice).await.unwrap();
    let open = ledger.open_receivables().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].open.minor, 5083);
    assert_eq!(open[0].customer_ref, "shopify/shop1/customer/207119551");
    assert_eq!(open[0].due_date.to_string(), "2026-12-07");
    let tb = assert_balanced(&ledger).await;
    assert_eq!(balance(&tb, "1100"), 5083);
    assert_eq!(balance(&tb, "4000"), -4150);
    assert_eq!(balance(&tb, "2200"), -333);
    assert_eq!(balance(&tb, "4100"), -600);

    // Full payment: receivables are zero.
    let erp_payment = to_erp_payment(&payment(), &order, &ctx).unwrap();
    ledger.post_payment(&erp_payment).await.unwrap();
    let tb = assert_balanced(&ledger).await;
    assert_eq!(balance(&tb, "1100"), 0);
    assert_eq!(balance(&tb, "1200-paytrace"), 5083 - 177);
    assert_eq!(balance(&tb, "6100"), 177);
    assert!(ledger.open_receivables().await.unwrap().is_empty());

    // Refund of the mug: credit memo, then the money paid back through PayTrace.
    let memo = to_erp_credit_memo(&refund(), &order, &ctx).unwrap();
    ledger.create_credit_memo(&memo).await.unwrap();
    let refund_payment = to_erp_refund_payment(&refund(), &order, &ctx).unwrap();
    ledger.post_payment(&refund_payment).await.unwrap();
    let tb = assert_balanced(&ledger).await;
    assert_eq!(balance(&tb, "1100"), 0);
    assert_eq!(balance(&tb, "4900"), 1250);
    assert_eq!(balance(&tb, "1200-paytrace"), 5083 - 177 - 1250);
    assert!(ledger.open_receivables().await.unwrap().is_empty());

    // The day's PayTrace batch: the sale and the refund; the fee was on the payment already.
    let batch = [
        settlement(SettlementKind::Charge, "123456", 5083, 177),
        settlement(SettlementKind::Refund, "123999", -1250, 0),
    ];
    let journal = to_erp_settlement_journal(&batch, &ctx).unwrap();
    assert_eq!(
        journal.external_ref,
        "paytrace/merchant-42/settlement/20261125"
    );
    ledger.post_journal_entry(&journal).await.unwrap();
    let tb = assert_balanced(&ledger).await;
    assert_eq!(
        balance(&tb, "1200-paytrace"),
        0,
        "clearing is fully paid out"
    );
    assert_eq!(balance(&tb, "1000"), 5083 - 177 - 1250);

    // A chargeback of 20.00 on the sale, opened and then won.
    let dispute = Dispute {
        ids: ExternalIds::new().with(System::Paytrace, "CB-88"),
        gateway: System::Paytrace,
        payment_transaction_id: "123456".into(),
        order_number: Some("#1001".into()),
        amount: usd(2000),
        reason: Some("fraudulent".into()),
        status: DisputeStatus::Won,
        evidence_due_by: None,
    };
    let opened = to_erp_dispute_at(&dispute, erp::DisputeStage::Opened, &ctx).unwrap();
    ledger.record_dispute(&opened).await.unwrap();
    // Held in disputed funds until it closes (the settlement's fee lines book PayTrace's fee).
    let tb = assert_balanced(&ledger).await;
    assert_eq!((balance(&tb, "1300"), balance(&tb, "6200")), (2000, 0));
    ledger
        .record_dispute(&to_erp_dispute(&dispute, &ctx).unwrap())
        .await
        .unwrap();
    let tb = assert_balanced(&ledger).await;
    assert_eq!((balance(&tb, "1300"), balance(&tb, "6200")), (0, 0));
    assert_eq!(balance(&tb, "1200-paytrace"), 0);

    // Every document is found by the reference the mapping derives, with the expected kind.
    for (reference, kind) in [
        ("shopify/shop1/customer/207119551", DocumentKind::Customer),
        ("shopify/shop1/order/450789469", DocumentKind::SalesOrder),
        (
            "shopify/shop1/order/450789469/invoice",
            DocumentKind::Invoice,
        ),
        ("paytrace/merchant-42/txn/123456", DocumentKind::Payment),
        ("paytrace/merchant-42/refund/123999", DocumentKind::Payment),
        (
            "paytrace/merchant-42/refund/123999/credit_memo",
            DocumentKind::CreditMemo,
        ),
        (
            "paytrace/merchant-42/settlement/20261125",
            DocumentKind::JournalEntry,
        ),
        (
            "paytrace/merchant-42/dispute/CB-88/opened",
            DocumentKind::Dispute,
        ),
        (
            "paytrace/merchant-42/dispute/CB-88/won",
            DocumentKind::Dispute,
        ),
    ] {
        let found = ledger.find_by_external_ref(reference).await.unwrap();
        assert_eq!(found.map(|d| d.kind), Some(kind), "{reference}");
    }

    // Mapping the same events again gives the same references: nothing is posted twice.
    let again = [
        ledger
            .create_sales_order(&to_erp_sales_order(&order, &ctx).unwrap())
            .await,
        ledger
            .create_invoice(&to_erp_invoice(&order, &ctx).unwrap())
            .await,
        ledger
            .post_payment(&to_erp_payment(&payment(), &order, &ctx).unwrap())
            .await,
        ledger
            .create_credit_memo(&to_erp_credit_memo(&refund(), &order, &ctx).unwrap())
            .await,
        ledger
            .post_payment(&to_erp_refund_payment(&refund(), &order, &ctx).unwrap())
            .await,
        ledger
            .post_journal_entry(&to_erp_settlement_journal(&batch, &ctx).unwrap())
            .await,
    ];
    for rec in again {
        assert!(!rec.unwrap().created);
    }
    let after = assert_balanced(&ledger).await;
    assert_eq!(after, tb);
}

#[tokio::test]
async fn the_ledger_accepts_what_the_mapping_builds_for_a_guest_with_order_discount() {
    let ledger = LocalLedger::open_in_memory().unwrap();
    let ctx = ctx();
    let mut order = order();
    order.customer = None;
    order.email = Some("guest@example.com".into());
    // An order-level 5.00 off, shared over the lines (29.00 and 12.50 after line discounts).
    order.discount = usd(500);
    order.total = usd(4583);
    ledger
        .upsert_customer(&to_erp_order_customer(&order, &ctx).unwrap())
        .await
        .unwrap();
    ledger
        .create_sales_order(&to_erp_sales_order(&order, &ctx).unwrap())
        .await
        .unwrap();
    let invoice = to_erp_invoice(&order, &ctx).unwrap();
    assert_eq!(
        invoice.customer_ref,
        "shopify/shop1/order/450789469/customer"
    );
    ledger.create_invoice(&invoice).await.unwrap();
    let mut pay = payment();
    pay.amount = usd(4583);
    ledger
        .post_payment(&to_erp_payment(&pay, &order, &ctx).unwrap())
        .await
        .unwrap();
    let tb = assert_balanced(&ledger).await;
    assert_eq!(balance(&tb, "1100"), 0);
    assert_eq!(balance(&tb, "4000"), -(4150 - 500));
}

#[test]
fn mapping_refuses_what_the_ledger_would_misbook() {
    let ctx = ctx();
    // A payment in the customer's currency on a USD order.
    let mut pay = payment();
    pay.amount = Money::from_minor(5083, Currency::EUR);
    let err = to_erp_payment(&pay, &order(), &ctx).unwrap_err();
    assert_eq!(err.field(), "payment.amount");
    // An order whose total is not lines + tax + shipping (tax-inclusive prices).
    let mut order = order();
    order.total = usd(4750);
    assert_eq!(
        to_erp_invoice(&order, &ctx).unwrap_err().field(),
        "order.total"
    );
    // A line without SKU, variant id or name: nothing would tell the item apart.
    let mut order = self::order();
    order.line_items[1].sku = None;
    order.line_items[1].name = " ".into();
    let err = to_erp_invoice(&order, &ctx).unwrap_err();
    assert_eq!(err.field(), "order.line_items[1].name");
    // An unknown settlement kind.
    let mut line = settlement(SettlementKind::Charge, "1", 100, 0);
    line.kind = SettlementKind::Unknown("reserve_hold".into());
    let err = to_erp_settlement_journal(&[line], &ctx).unwrap_err();
    assert_eq!(err.field(), "settlement_lines[0].kind");
}

//! Shopify `orders/create` bodies whose lines lack a SKU or whose total holds more than lines,
//! tax and shipping (tips, duties, cash rounding): mapped, turned into ERP documents and posted
//! into the `erp` crate's embedded ledger, which refuses what it cannot book.
//!
//! A multi-currency refund of such an order is credited in the order's (shop) currency.
//!
//! Fixtures: `fixtures/shopify/derived-orders-create-tip-custom-item.json`, derived from the
//! official REST Admin 2025-10 order fixture, and `derived-refunds-create-multi-currency.json`,
//! derived from the REST Refund resource's documented example (see `fixtures/shopify/README.md`).
#![cfg(all(feature = "shopify", feature = "erp"))]
#![allow(clippy::unwrap_used)]

use erp::{Erp, LocalLedger};
use mapping::erp::{
    CASH_ROUNDING_CODE, CUSTOM_ITEM_CODE, DUTIES_CODE, ErpCtx, TIP_CODE, to_erp_credit_memo,
    to_erp_invoice, to_erp_order_customer, to_erp_sales_order,
};
use mapping::shopify::{RefundCtx, refund_from_shopify};
use mapping::{Adjustment, AdjustmentKind, Currency, MappingError, Money, Order, System};
use serde_json::{Value, json};
use shopify::{Topic, WebhookPayload};
use time::macros::date;

const TIP_AND_CUSTOM_ITEM: &str =
    include_str!("fixtures/shopify/derived-orders-create-tip-custom-item.json");
const MULTI_CURRENCY_REFUND: &str =
    include_str!("fixtures/shopify/derived-refunds-create-multi-currency.json");

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn bag(amount: &str) -> Value {
    json!({"shop_money": {"amount": amount, "currency_code": "USD"},
           "presentment_money": {"amount": amount, "currency_code": "USD"}})
}

/// The fixture's body, edited, through the client's webhook parser and into an [`Order`].
fn order(edit: impl FnOnce(&mut Value)) -> Result<Order, MappingError> {
    let mut body = serde_json::from_str::<Value>(TIP_AND_CUSTOM_ITEM).unwrap()["payload"].clone();
    edit(&mut body);
    let WebhookPayload::Order(order) =
        WebhookPayload::parse(&Topic::OrdersCreate, body.to_string().as_bytes()).unwrap()
    else {
        panic!("not an order")
    };
    Order::try_from(order.as_ref())
}

fn ctx() -> ErpCtx {
    ErpCtx::new(
        System::Shopify,
        "shop1",
        "merchant-42",
        date!(2026 - 11 - 23),
    )
}

/// `(code, description, quantity, unit price)` of each ERP line.
fn lines(lines: &[erp::LineItem]) -> Vec<(&str, &str, u32, i64)> {
    lines
        .iter()
        .map(|l| {
            (
                l.sku.as_str(),
                l.description.as_str(),
                l.quantity,
                l.unit_price.minor,
            )
        })
        .collect()
}

/// Posts the order's customer, sales order and invoice; returns the receivable, revenue and
/// tax balances of the trial balance, which must balance.
async fn book(order: &Order) -> (i64, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = LocalLedger::open(dir.path().join("books.sqlite3"))
        .await
        .unwrap();
    let ctx = ctx();
    ledger
        .upsert_customer(&to_erp_order_customer(order, &ctx).unwrap())
        .await
        .unwrap();
    ledger
        .create_sales_order(&to_erp_sales_order(order, &ctx).unwrap())
        .await
        .unwrap();
    ledger
        .create_invoice(&to_erp_invoice(order, &ctx).unwrap())
        .await
        .unwrap();
    let tb = ledger.trial_balance().await.unwrap();
    assert_eq!(tb.iter().map(|l| l.balance).sum::<i64>(), 0, "{tb:?}");
    ledger.verify_journals().await.unwrap();
    let balance = |code: &str| -> i64 {
        tb.iter()
            .filter(|l| l.code == code)
            .map(|l| l.balance)
            .sum()
    };
    (balance("1100"), balance("4000"), balance("2200"))
}

#[tokio::test]
async fn custom_item_and_tip_book() {
    let order = order(|_| {}).unwrap();
    let custom = &order.line_items[3];
    assert_eq!(custom.sku, None);
    assert_eq!(custom.variant_id, None);
    assert_eq!(custom.name, "Gift engraving");
    assert_eq!(order.line_items[0].variant_id.as_deref(), Some("39072856"));
    assert_eq!(
        order.adjustments,
        [Adjustment {
            kind: AdjustmentKind::Tip,
            amount: usd(1000)
        }]
    );
    // The charge is the whole `total_price`, tip included.
    assert_eq!(order.total, usd(62394));

    let so = to_erp_sales_order(&order, &ctx()).unwrap();
    // 199.00 less 3.34, 3.33, 3.33 of the order's "TENOFF" code, then the custom item and the
    // tip, each under its documented code.
    assert_eq!(
        lines(&so.lines),
        [
            ("IPOD2008GREEN", "IPod Nano - 8gb - green", 1, 19566),
            ("IPOD2008RED", "IPod Nano - 8gb - red", 1, 19567),
            ("IPOD2008BLACK", "IPod Nano - 8gb - black", 1, 19567),
            (CUSTOM_ITEM_CODE, "Gift engraving", 1, 1500),
            (TIP_CODE, "Tip", 1, 1000),
        ]
    );
    assert_eq!(so.total().unwrap().minor, 62394);
    let invoice = to_erp_invoice(&order, &ctx()).unwrap();
    assert_eq!(invoice.lines, so.lines);
    assert_eq!(invoice.total().unwrap().minor, 62394);

    let (receivable, revenue, tax) = book(&order).await;
    assert_eq!(receivable, 62394);
    assert_eq!(revenue, -(58700 + 1500 + 1000));
    assert_eq!(tax, -1194);
}

#[test]
fn a_variant_without_a_sku_books_under_its_variant_id() {
    let order = order(|v| v["line_items"][1]["sku"] = json!("")).unwrap();
    assert_eq!(order.line_items[1].sku, None);
    let so = to_erp_sales_order(&order, &ctx()).unwrap();
    assert_eq!(so.lines[1].sku, "shopify-variant-49148385");
    assert_eq!(so.lines[1].description, "IPod Nano - 8gb - red");
}

#[test]
fn a_custom_item_needs_a_title() {
    let err = order(|v| {
        v["line_items"][3]["title"] = json!(" ");
        v["line_items"][3]["name"] = json!("");
    })
    .unwrap_err();
    assert_eq!(err.field(), "order.line_items[3].title");
    assert!(matches!(err, MappingError::MissingField { .. }));
}

#[tokio::test]
async fn duties_charged_on_top_book_as_their_own_line() {
    let with_duties = |v: &mut Value| {
        v["original_total_duties_set"] = bag("7.50");
        v["current_total_duties_set"] = bag("7.50");
        v["total_price"] = json!("631.44");
        v["total_price_set"] = bag("631.44");
    };
    let order = order(with_duties).unwrap();
    assert_eq!(order.total, usd(63144));
    assert_eq!(
        order.adjustments[1],
        Adjustment {
            kind: AdjustmentKind::Duties,
            amount: usd(750)
        }
    );
    let invoice = to_erp_invoice(&order, &ctx()).unwrap();
    assert_eq!(
        lines(&invoice.lines)[5..],
        [(DUTIES_CODE, "Duties", 1, 750)]
    );
    assert_eq!(invoice.total().unwrap().minor, 63144);
    assert_eq!(book(&order).await.0, 63144);

    // Duty-inclusive prices already hold the duties: no adjustment, and a total that still adds
    // them is an unexplained difference.
    let included = self::order(|v| {
        with_duties(v);
        v["duties_included"] = json!(true);
    })
    .unwrap();
    assert!(
        included
            .adjustments
            .iter()
            .all(|a| a.kind != AdjustmentKind::Duties)
    );
    let err = to_erp_sales_order(&included, &ctx()).unwrap_err();
    assert_eq!(err.field(), "order.total");
}

#[tokio::test]
async fn cash_rounding_books_in_both_directions() {
    // Rounded down by 0.04: the customer paid 623.90, and no ERP line is negative.
    let down = order(|v| v["total_cash_rounding_payment_adjustment_set"] = bag("-0.04")).unwrap();
    assert_eq!(down.total, usd(62390));
    assert_eq!(
        down.adjustments[1],
        Adjustment {
            kind: AdjustmentKind::CashRounding,
            amount: usd(-4)
        }
    );
    let invoice = to_erp_invoice(&down, &ctx()).unwrap();
    assert!(invoice.lines.iter().all(|l| l.unit_price.minor >= 0));
    assert!(invoice.lines.iter().all(|l| l.sku != CASH_ROUNDING_CODE));
    assert_eq!(invoice.total().unwrap().minor, 62390);
    let (receivable, revenue, tax) = book(&down).await;
    assert_eq!(receivable, 62390);
    assert_eq!(revenue, -(62394 - 1194 - 4));
    assert_eq!(tax, -1194, "tax stays what was charged");

    // Rounded up by 0.01: a line of its own.
    let up = order(|v| v["total_cash_rounding_payment_adjustment_set"] = bag("0.01")).unwrap();
    assert_eq!(up.total, usd(62395));
    let so = to_erp_sales_order(&up, &ctx()).unwrap();
    assert_eq!(
        lines(&so.lines).last(),
        Some(&(CASH_ROUNDING_CODE, "Cash rounding", 1, 1))
    );
    assert_eq!(book(&up).await.0, 62395);
}

#[test]
fn an_unexplained_difference_is_still_refused() {
    type Edit = fn(&mut Value);
    let cases: [Edit; 3] = [
        // A cent Shopify's totals do not explain.
        |v| v["total_price"] = json!("623.95"),
        // The tip in the total but not reported.
        |v| v["total_tip_received"] = json!("0.00"),
        // Duties reported but not in the total.
        |v| v["original_total_duties_set"] = bag("7.50"),
    ];
    for edit in cases {
        let order = order(edit).unwrap();
        for err in [
            to_erp_sales_order(&order, &ctx()).unwrap_err(),
            to_erp_invoice(&order, &ctx()).unwrap_err(),
        ] {
            assert_eq!(err.field(), "order.total", "{err}");
            assert!(matches!(err, MappingError::InvalidValue { .. }));
            assert!(err.is_permanent());
        }
    }
}

#[tokio::test]
async fn a_multi_currency_refund_is_credited_in_the_invoices_currency() {
    // The order, seen by a Canadian customer: booked in USD, with its CAD total alongside.
    let order = order(|v| {
        v["presentment_currency"] = json!("CAD");
        v["total_price_set"]["presentment_money"] =
            json!({"amount": "852.29", "currency_code": "CAD"});
    })
    .unwrap();
    assert_eq!(order.currency, Currency::USD);
    assert_eq!(
        order.presentment_total,
        Some(Money::from_minor(85229, Currency::CAD))
    );
    let body = serde_json::from_str::<Value>(MULTI_CURRENCY_REFUND).unwrap()["payload"].clone();
    let WebhookPayload::Refund(wire) =
        WebhookPayload::parse(&Topic::RefundsCreate, body.to_string().as_bytes()).unwrap()
    else {
        panic!("not a refund")
    };
    let ctx_refund = RefundCtx {
        order_currency: Some(order.currency),
        order_number: Some(&order.number),
        gateways: &[],
    };
    let mut refund = refund_from_shopify(&wire, &ctx_refund).unwrap();
    // Paid back through the gateway that took the payment, as the Shopify + PayTrace flow
    // records it.
    refund.gateway = System::Paytrace;
    refund.ids = refund.ids.with(System::Paytrace, "395971575");
    assert_eq!(refund.amount, usd(20392));
    assert_eq!(
        refund.presentment_amount,
        Some(Money::from_minor(27855, Currency::CAD))
    );

    let invoice = to_erp_invoice(&order, &ctx()).unwrap();
    let memo = to_erp_credit_memo(&refund, &order, &ctx()).unwrap();
    assert_eq!(memo.amount.minor, 20392);
    assert_eq!(memo.amount.currency, invoice.total().unwrap().currency);
    assert_eq!(memo.invoice_ref, invoice.external_ref);

    let dir = tempfile::tempdir().unwrap();
    let ledger = LocalLedger::open(dir.path().join("books.sqlite3"))
        .await
        .unwrap();
    ledger
        .upsert_customer(&to_erp_order_customer(&order, &ctx()).unwrap())
        .await
        .unwrap();
    ledger
        .create_sales_order(&to_erp_sales_order(&order, &ctx()).unwrap())
        .await
        .unwrap();
    ledger.create_invoice(&invoice).await.unwrap();
    ledger.create_credit_memo(&memo).await.unwrap();
    let tb = ledger.trial_balance().await.unwrap();
    assert_eq!(tb.iter().map(|l| l.balance).sum::<i64>(), 0, "{tb:?}");
    let receivable: i64 = tb
        .iter()
        .filter(|l| l.code == "1100")
        .map(|l| l.balance)
        .sum();
    assert_eq!(receivable, 62394 - 20392);
}

//! Recurring billing over Odoo: billing invoices post as `out_invoice`s with their deferred
//! lines on the deferred revenue account; what Odoo Community cannot hold is refused, typed.

use std::str::FromStr;

use erp::odoo::OdooErp;
use erp::{
    Account, BillingInvoice, BillingLine, Erp, Error, InvoiceVoid, Money, RecognitionSchedule,
    ServicePeriod, WriteOff,
};
use serde_json::{Value, json};
use time::macros::date;
use wiremock::MockServer;

use super::{client, erp, expect_call, ok};
use crate::usd;

fn num(s: &str) -> Value {
    Value::Number(serde_json::Number::from_str(s).unwrap())
}

fn search(domain: Value) -> Value {
    json!({"domain": domain, "limit": 1})
}

fn billing() -> BillingInvoice {
    let line = |minor, period, proration| BillingLine {
        product: "price_pro".into(),
        description: "Pro plan".into(),
        quantity: 2,
        unit_price: Money::new(minor, usd()),
        discount: Money::new(250, usd()),
        period,
        proration,
    };
    BillingInvoice {
        external_ref: "in1".into(),
        customer_ref: "c1".into(),
        contract_ref: Some("sub1".into()),
        invoice_date: date!(2026 - 11 - 01),
        due_date: date!(2026 - 11 - 15),
        currency: usd(),
        lines: vec![
            line(
                1000,
                Some(ServicePeriod {
                    start: date!(2026 - 11 - 01),
                    end: date!(2026 - 12 - 01),
                }),
                true,
            ),
            BillingLine {
                discount: Money::zero(usd()),
                ..line(500, None, false)
            },
        ],
        tax: Money::new(240, usd()),
    }
}

async fn expect_search(server: &MockServer, model: &str, domain: Value, answer: Value) {
    expect_call(server, model, "search", search(domain), ok(answer)).await;
}

/// Move `id`'s state read, and found posted.
async fn expect_posted(server: &MockServer, id: i64) {
    expect_call(
        server,
        "account.move",
        "read",
        json!({"ids": [id], "fields": ["state"]}),
        ok(json!([{"id": id, "state": "posted"}])),
    )
    .await;
}

#[tokio::test]
async fn billing_invoice_posts_deferred_lines_to_the_deferred_revenue_account() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_invoice"], ["ref", "=", "in1"]]),
        json!([]),
    )
    .await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "241000"]]),
        json!([33]),
    )
    .await;
    expect_search(
        &server,
        "res.partner",
        json!([["ref", "=", "c1"]]),
        json!([42]),
    )
    .await;
    expect_search(
        &server,
        "res.currency",
        json!([["name", "=", "USD"]]),
        json!([1]),
    )
    .await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "251000"]]),
        json!([31]),
    )
    .await;
    let taxes = json!([[6, 0, []]]);
    let label = "[price_pro] Pro plan (proration) (line 0: service 2026-11-01 to 2026-11-30)";
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "out_invoice",
            "partner_id": 42,
            "ref": "in1",
            "invoice_date": "2026-11-01",
            "invoice_date_due": "2026-11-15",
            "currency_id": 1,
            "invoice_origin": "sub1",
            "invoice_line_ids": [
                [0, 0, {"name": label, "quantity": 2, "price_unit": 10, "account_id": 33, "tax_ids": taxes}],
                [0, 0, {"name": format!("Discount: {label}"), "quantity": 1, "price_unit": num("-2.5"), "account_id": 33, "tax_ids": taxes}],
                [0, 0, {"name": "[price_pro] Pro plan", "quantity": 2, "price_unit": 5, "tax_ids": taxes}],
                [0, 0, {"name": "Tax", "quantity": 1, "price_unit": num("2.4"), "account_id": 31, "tax_ids": taxes}],
            ],
        }]}),
        ok(json!([200])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [200]}),
        ok(json!(false)),
    )
    .await;
    let rec = erp(&server)
        .create_billing_invoice(&billing())
        .await
        .unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "200"));
}

#[tokio::test]
async fn a_billing_invoice_found_by_reference_is_returned_and_a_bad_one_refused_before_any_write() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_invoice"], ["ref", "=", "in1"]]),
        json!([200]),
    )
    .await;
    expect_posted(&server, 200).await;
    let rec = erp(&server)
        .create_billing_invoice(&billing())
        .await
        .unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (false, "200"));

    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_invoice"], ["ref", "=", "in1"]]),
        json!([]),
    )
    .await;
    let mut bad = billing();
    bad.lines[0].period = Some(ServicePeriod {
        start: date!(2026 - 12 - 01),
        end: date!(2026 - 11 - 01),
    });
    let err = erp(&server).create_billing_invoice(&bad).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("lines[0].period")),
        "{err}"
    );
    // Without a deferred revenue account configured: a configuration error, nothing created.
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_invoice"], ["ref", "=", "in1"]]),
        json!([]),
    )
    .await;
    let unconfigured = OdooErp::new_unchecked(
        client(&server),
        erp::odoo::OdooErpConfig::new().account(Account::TaxPayable, "251000"),
    );
    let err = unconfigured
        .create_billing_invoice(&billing())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("DeferredRevenue")),
        "{err}"
    );
}

fn write_off() -> WriteOff {
    WriteOff {
        external_ref: "w1".into(),
        invoice_ref: "in1".into(),
        date: date!(2026 - 12 - 20),
        reason: "uncollectible".into(),
    }
}

fn void() -> InvoiceVoid {
    InvoiceVoid {
        external_ref: "v1".into(),
        invoice_ref: "in1".into(),
        date: date!(2026 - 11 - 20),
        reason: "voided".into(),
    }
}

/// The invoice `in1` (id 200) found, and its state read.
async fn invoice_state(server: &MockServer, state: &str, payment_state: &str, residual: &str) {
    expect_search(
        server,
        "account.move",
        json!([["move_type", "=", "out_invoice"], ["ref", "=", "in1"]]),
        json!([200]),
    )
    .await;
    expect_call(
        server,
        "account.move",
        "read",
        json!({
            "ids": [200],
            "fields": ["state", "payment_state", "partner_id", "currency_id", "amount_residual"],
        }),
        ok(json!([{
            "id": 200,
            "state": state,
            "payment_state": payment_state,
            "partner_id": [42, "Ada"],
            "currency_id": [1, "USD"],
            "amount_residual": num(residual),
        }])),
    )
    .await;
}

#[tokio::test]
async fn write_off_is_an_out_refund_of_the_open_amount_on_bad_debts() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_refund"], ["ref", "=", "w1"]]),
        json!([]),
    )
    .await;
    invoice_state(&server, "posted", "partial", "27.4").await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "630000"]]),
        json!([35]),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "out_refund",
            "partner_id": 42,
            "ref": "w1",
            "invoice_date": "2026-12-20",
            "reversed_entry_id": 200,
            "currency_id": 1,
            "invoice_line_ids": [[0, 0, {
                "name": "Write-off: uncollectible",
                "quantity": 1,
                "price_unit": num("27.4"),
                "account_id": 35,
                "tax_ids": [[6, 0, []]],
            }]],
        }]}),
        ok(json!([300])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [300]}),
        ok(json!(false)),
    )
    .await;
    let rec = erp(&server).write_off(&write_off()).await.unwrap();
    assert_eq!(rec.document.kind, erp::DocumentKind::WriteOff);
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "300"));
}

#[tokio::test]
async fn write_off_of_a_paid_invoice_is_refused_and_a_recorded_one_returned() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_refund"], ["ref", "=", "w1"]]),
        json!([]),
    )
    .await;
    invoice_state(&server, "posted", "paid", "0").await;
    let err = erp(&server).write_off(&write_off()).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("nothing open")),
        "{err}"
    );

    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_refund"], ["ref", "=", "w1"]]),
        json!([300]),
    )
    .await;
    expect_posted(&server, 300).await;
    let rec = erp(&server).write_off(&write_off()).await.unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (false, "300"));
}

#[tokio::test]
async fn void_resets_an_unpaid_invoice_to_draft_and_cancels_it_once() {
    let server = MockServer::start().await;
    invoice_state(&server, "posted", "not_paid", "37.4").await;
    // Its recognition entry (501) is cancelled before the invoice.
    expect_call(
        &server,
        "account.move",
        "search",
        json!({"domain": [
            ["move_type", "=", "entry"],
            ["invoice_origin", "=", "in1"],
            ["state", "!=", "cancel"],
        ]}),
        ok(json!([501])),
    )
    .await;
    for (method, id) in [
        ("button_draft", 501),
        ("button_cancel", 501),
        ("button_draft", 200),
    ] {
        expect_call(
            &server,
            "account.move",
            method,
            json!({"ids": [id]}),
            ok(json!(true)),
        )
        .await;
    }
    expect_call(
        &server,
        "account.move",
        "button_cancel",
        json!({"ids": [200]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server).void_invoice(&void()).await.unwrap();
    assert_eq!(rec.document.kind, erp::DocumentKind::Void);
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "200"));

    // Cancelled already: nothing more is called.
    let server = MockServer::start().await;
    invoice_state(&server, "cancel", "not_paid", "0").await;
    assert!(!erp(&server).void_invoice(&void()).await.unwrap().created);

    // Paid in part: refused.
    let server = MockServer::start().await;
    invoice_state(&server, "posted", "partial", "10").await;
    let err = erp(&server).void_invoice(&void()).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("partial")),
        "{err}"
    );
}

/// The write-off `w1` found as refund 300 in `state`.
async fn write_off_refund(server: &MockServer, state: &str) {
    expect_search(
        server,
        "account.move",
        json!([["move_type", "=", "out_refund"], ["ref", "=", "w1"]]),
        json!([300]),
    )
    .await;
    expect_call(
        server,
        "account.move",
        "read",
        json!({
            "ids": [300],
            "fields": ["state", "payment_state", "partner_id", "currency_id", "amount_residual"],
        }),
        ok(json!([{
            "id": 300, "state": state, "payment_state": "not_paid",
            "partner_id": [42, "Ada"], "currency_id": [1, "USD"], "amount_residual": 0,
        }])),
    )
    .await;
}

#[tokio::test]
async fn a_write_off_is_reversed_by_cancelling_its_refund_once() {
    let reversal = erp::WriteOffReversal {
        external_ref: "w1/reversed".into(),
        write_off_ref: "w1".into(),
        date: date!(2026 - 12 - 20),
        reason: "paid after all".into(),
    };
    let server = MockServer::start().await;
    write_off_refund(&server, "posted").await;
    for method in ["button_draft", "button_cancel"] {
        expect_call(
            &server,
            "account.move",
            method,
            json!({"ids": [300]}),
            ok(json!(true)),
        )
        .await;
    }
    let rec = erp(&server).reverse_write_off(&reversal).await.unwrap();
    assert_eq!(rec.document.kind, erp::DocumentKind::WriteOffReversal);
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "300"));

    // Cancelled already: nothing more is called.
    let server = MockServer::start().await;
    write_off_refund(&server, "cancel").await;
    assert!(
        !erp(&server)
            .reverse_write_off(&reversal)
            .await
            .unwrap()
            .created
    );

    // No such write-off.
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.move",
        json!([["move_type", "=", "out_refund"], ["ref", "=", "w1"]]),
        json!([]),
    )
    .await;
    let err = erp(&server).reverse_write_off(&reversal).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

fn contract(status: erp::ContractStatus, ended_on: Option<time::Date>) -> erp::Contract {
    erp::Contract {
        external_ref: "sub1".into(),
        customer_ref: "c1".into(),
        currency: usd(),
        items: vec![erp::ContractItem {
            product: "price_pro".into(),
            description: "Pro plan".into(),
            quantity: 1,
            unit_price: Money::new(2000, usd()),
            interval: erp::BillingInterval::Month,
            interval_count: 1,
        }],
        status,
        start_date: date!(2026 - 11 - 01),
        current_period: None,
        cancel_at_period_end: false,
        ended_on,
    }
}

fn with_plan(server: &MockServer) -> OdooErp {
    OdooErp::new_unchecked(client(server), super::config().contract_plan(9))
}

async fn expect_contract_lookup(server: &MockServer, found: Value) {
    expect_search(
        server,
        "res.partner",
        json!([["ref", "=", "c1"]]),
        json!([42]),
    )
    .await;
    expect_call(
        server,
        "account.analytic.account",
        "search_read",
        json!({
            "domain": [["code", "=", "sub1"], ["active", "in", [true, false]]],
            "fields": ["name", "active", "partner_id"],
            "limit": 1,
        }),
        ok(found),
    )
    .await;
}

const ACTIVE_NAME: &str =
    "Subscription: 1 × Pro plan at 20.00 USD every month (active, since 2026-11-01)";

#[tokio::test]
async fn a_contract_is_an_analytic_account_under_the_configured_plan() {
    let server = MockServer::start().await;
    expect_contract_lookup(&server, json!([])).await;
    expect_call(
        &server,
        "account.analytic.account",
        "create",
        json!({"vals_list": [{
            "name": ACTIVE_NAME,
            "code": "sub1",
            "plan_id": 9,
            "partner_id": 42,
            "active": true,
        }]}),
        ok(json!([600])),
    )
    .await;
    let rec = with_plan(&server)
        .upsert_contract(&contract(erp::ContractStatus::Active, None))
        .await
        .unwrap();
    assert_eq!(rec.document.kind, erp::DocumentKind::Contract);
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "600"));
}

#[tokio::test]
async fn an_ended_contract_is_renamed_and_archived_and_an_unchanged_one_is_not_written() {
    let server = MockServer::start().await;
    expect_contract_lookup(
        &server,
        json!([{"id": 600, "name": ACTIVE_NAME, "active": true, "partner_id": [42, "Ada"]}]),
    )
    .await;
    expect_call(
        &server,
        "account.analytic.account",
        "write",
        json!({"ids": [600], "vals": {
            "name": "Subscription: 1 × Pro plan at 20.00 USD every month (canceled, since 2026-11-01, ended 2026-12-01)",
            "active": false,
        }}),
        ok(json!(true)),
    )
    .await;
    let ended = contract(erp::ContractStatus::Canceled, Some(date!(2026 - 12 - 01)));
    let rec = with_plan(&server).upsert_contract(&ended).await.unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (false, "600"));

    // Found as it is: two reads, no write (a write would find no mock and fail).
    let server = MockServer::start().await;
    expect_contract_lookup(
        &server,
        json!([{"id": 600, "name": ACTIVE_NAME, "active": true, "partner_id": [42, "Ada"]}]),
    )
    .await;
    let rec = with_plan(&server)
        .upsert_contract(&contract(erp::ContractStatus::Active, None))
        .await
        .unwrap();
    assert!(!rec.created);
}

/// Without a plan, a contract is a configuration error before any call.
#[tokio::test]
async fn a_contract_without_a_configured_plan_is_a_configuration_error() {
    let server = MockServer::start().await;
    let err = erp(&server)
        .upsert_contract(&contract(erp::ContractStatus::Active, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("contract_plan")),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The deferred lines of posted invoices dated by the cutoff (`search_read`).
async fn expect_deferred_lines(server: &MockServer, through: &str, lines: Value) {
    expect_call(
        server,
        "account.move.line",
        "search_read",
        json!({
            "domain": [
                ["account_id", "=", 33],
                ["move_id.move_type", "=", "out_invoice"],
                ["move_id.state", "=", "posted"],
                ["move_id.invoice_date", "<=", through],
            ],
            "fields": ["move_id", "name", "price_subtotal"],
            "order": "move_id asc, id asc",
        }),
        ok(lines),
    )
    .await;
}

/// Line 0 of `in1` (20.00 less a 2.50 discount, November) and an untagged line a person put
/// on the deferred account; line 0 of `in2` (-3.00, November 16 to 30).
fn deferred_lines() -> Value {
    json!([
        {"id": 1, "move_id": [200, "INV/1"], "name": "[price_pro] Pro plan (line 0: service 2026-11-01 to 2026-11-30)", "price_subtotal": 20},
        {"id": 2, "move_id": [200, "INV/1"], "name": "Discount: [price_pro] Pro plan (line 0: service 2026-11-01 to 2026-11-30)", "price_subtotal": num("-2.5")},
        {"id": 3, "move_id": [200, "INV/1"], "name": "Annual support, by hand", "price_subtotal": 99},
        {"id": 4, "move_id": [201, "INV/2"], "name": "[price_pro] Unused time (proration) (line 0: service 2026-11-16 to 2026-11-30)", "price_subtotal": -3},
    ])
}

#[tokio::test]
async fn recognition_posts_one_entry_per_line_for_the_days_not_yet_recognised() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "241000"]]),
        json!([33]),
    )
    .await;
    expect_deferred_lines(&server, "2026-11-20", deferred_lines()).await;
    expect_call(
        &server,
        "account.move",
        "read",
        json!({"ids": [200, 201], "fields": ["ref", "currency_id"]}),
        ok(json!([
            {"id": 200, "ref": "in1", "currency_id": [1, "USD"]},
            {"id": 201, "ref": "in2", "currency_id": [1, "USD"]},
        ])),
    )
    .await;
    // in1 line 0 has its first ten days posted, and a draft for the next five left by a run
    // stopped before posting it: the draft is posted and counted.
    expect_call(
        &server,
        "account.move",
        "search_read",
        json!({
            "domain": [
                ["move_type", "=", "entry"],
                ["invoice_origin", "in", ["in1", "in2"]],
                ["state", "in", ["draft", "posted"]],
            ],
            "fields": ["ref", "state"],
            "order": "id asc",
        }),
        ok(json!([
            {"id": 400, "ref": "in1/line/0/recognized/2026-11-01/2026-11-10", "state": "posted"},
            {"id": 401, "ref": "in1/line/0/recognized/2026-11-11/2026-11-15", "state": "draft"},
        ])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [401]}),
        ok(json!(false)),
    )
    .await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "400000"]]),
        json!([30]),
    )
    .await;
    // in1: floor(1750 × 20 / 30) − floor(1750 × 15 / 30) = 1166 − 875 = 2.91.
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "in1/line/0/recognized/2026-11-16/2026-11-20",
            "date": "2026-11-20",
            "line_ids": [
                [0, 0, {"account_id": 33, "name": "Revenue recognised: in1 line 0, 2026-11-16 to 2026-11-20", "debit": num("2.91"), "credit": 0}],
                [0, 0, {"account_id": 30, "name": "Revenue recognised: in1 line 0, 2026-11-16 to 2026-11-20", "debit": 0, "credit": num("2.91")}],
            ],
            "invoice_origin": "in1",
        }]}),
        ok(json!([500])),
    )
    .await;
    // in2, a credit line: Dr revenue, Cr deferred revenue; floor(−300 × 5 / 15) = −1.00.
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "in2/line/0/recognized/2026-11-16/2026-11-20",
            "date": "2026-11-20",
            "line_ids": [
                [0, 0, {"account_id": 33, "name": "Revenue recognised: in2 line 0, 2026-11-16 to 2026-11-20", "debit": 0, "credit": 1}],
                [0, 0, {"account_id": 30, "name": "Revenue recognised: in2 line 0, 2026-11-16 to 2026-11-20", "debit": 1, "credit": 0}],
            ],
            "invoice_origin": "in2",
        }]}),
        ok(json!([501])),
    )
    .await;
    for id in [500, 501] {
        expect_call(
            &server,
            "account.move",
            "action_post",
            json!({"ids": [id]}),
            ok(json!(false)),
        )
        .await;
    }
    let posted = erp(&server)
        .recognize_revenue(date!(2026 - 11 - 20), RecognitionSchedule::Daily)
        .await
        .unwrap();
    let got: Vec<_> = posted
        .iter()
        .map(|r| {
            (
                r.invoice_ref.as_str(),
                r.line_no,
                r.first_day,
                r.last_day,
                r.amount.minor,
                r.document.id.0.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "in1",
                0,
                date!(2026 - 11 - 16),
                date!(2026 - 11 - 20),
                291,
                "500"
            ),
            (
                "in2",
                0,
                date!(2026 - 11 - 16),
                date!(2026 - 11 - 20),
                -100,
                "501"
            ),
        ]
    );
}

#[tokio::test]
async fn recognition_by_month_end_reads_through_the_last_month_end_and_nothing_due_posts_nothing() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "241000"]]),
        json!([33]),
    )
    .await;
    expect_deferred_lines(&server, "2026-10-31", json!([])).await;
    let posted = erp(&server)
        .recognize_revenue(date!(2026 - 11 - 20), RecognitionSchedule::MonthEnd)
        .await
        .unwrap();
    assert!(posted.is_empty());
}

/// A line and its discount tagged with the same line number but different periods: the
/// connector did not write that, so it is refused naming the line, and nothing is posted.
#[tokio::test]
async fn one_line_with_two_service_periods_is_a_decode_error() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "241000"]]),
        json!([33]),
    )
    .await;
    expect_deferred_lines(
        &server,
        "2026-11-20",
        json!([
            {"id": 7, "move_id": [200, "INV/1"], "name": "Pro (line 0: service 2026-11-01 to 2026-11-30)", "price_subtotal": 20},
            {"id": 8, "move_id": [200, "INV/1"], "name": "Discount: Pro (line 0: service 2026-11-02 to 2026-11-30)", "price_subtotal": -2},
        ]),
    )
    .await;
    let err = erp(&server)
        .recognize_revenue(date!(2026 - 11 - 20), RecognitionSchedule::Daily)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, message } if path.contains("id 8") && message.contains("two service periods")),
        "{err}"
    );
}

#[tokio::test]
async fn a_tag_odoo_should_not_hold_is_a_decode_error_naming_the_line() {
    let server = MockServer::start().await;
    expect_search(
        &server,
        "account.account",
        json!([["code", "=", "241000"]]),
        json!([33]),
    )
    .await;
    expect_deferred_lines(
        &server,
        "2026-11-20",
        json!([{"id": 7, "move_id": [200, "INV/1"], "name": "x (line 0: service 2026-11-31 to 2026-12-30)", "price_subtotal": 1}]),
    )
    .await;
    let err = erp(&server)
        .recognize_revenue(date!(2026 - 11 - 20), RecognitionSchedule::Daily)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path.contains("id 7") && path.ends_with(".name")),
        "{err}"
    );
}

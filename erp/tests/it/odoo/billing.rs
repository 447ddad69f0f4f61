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
    let label = "[price_pro] Pro plan (service 2026-11-01 to 2026-11-30) (proration)";
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
    let rec = erp(&server).write_off(&write_off()).await.unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (false, "300"));
}

#[tokio::test]
async fn void_resets_an_unpaid_invoice_to_draft_and_cancels_it_once() {
    let server = MockServer::start().await;
    invoice_state(&server, "posted", "not_paid", "37.4").await;
    expect_call(
        &server,
        "account.move",
        "button_draft",
        json!({"ids": [200]}),
        ok(json!(true)),
    )
    .await;
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

/// Recognition and contracts are refused before any call (the server answers nothing).
#[tokio::test]
async fn what_odoo_community_cannot_hold_is_unsupported() {
    let server = MockServer::start().await;
    let odoo = erp(&server);
    let err = odoo
        .recognize_revenue(date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    let err = odoo
        .upsert_contract(&erp::Contract {
            external_ref: "sub1".into(),
            customer_ref: "c1".into(),
            currency: usd(),
            items: vec![],
            status: erp::ContractStatus::Active,
            start_date: date!(2026 - 11 - 01),
            current_period: None,
            cancel_at_period_end: false,
            ended_on: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

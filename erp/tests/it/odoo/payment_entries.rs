//! A gateway's payments and refunds read back from Odoo: what a settlement is reconciled
//! against.

use erp::{Erp, Error, Gateway, Money, PaymentDirection, PaymentEntry};
use serde_json::{Value, json};
use wiremock::MockServer;

use super::{erp, expect_call, failures, ok};
use crate::{day, usd};

fn stripe() -> Gateway {
    Gateway::new("stripe").unwrap()
}

/// The payments `search_read` for the Stripe journal (7) from the 1st to the 4th, Odoo 18+
/// names (`memo`, states `canceled` and `rejected`), with `payment_reference`.
fn payments_body() -> Value {
    json!({
        "domain": [
            ["journal_id", "=", 7],
            ["date", ">=", "2026-11-01"],
            ["date", "<=", "2026-11-04"],
            ["state", "not in", ["draft", "canceled", "rejected"]],
        ],
        "fields": [
            "memo", "name", "payment_reference", "payment_type", "amount", "currency_id", "date",
            "reconciled_invoice_ids",
        ],
        "order": "date asc, id asc",
    })
}

fn fees_body(refs: &[&str]) -> Value {
    json!({
        "domain": [["move_type", "=", "entry"], ["ref", "in", refs]],
        "fields": ["ref", "amount_total"],
        "order": "id asc",
    })
}

/// Parses JSON keeping the exact digits of amounts.
fn exact(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect()
}

#[tokio::test]
async fn payments_refunds_invoices_and_fees_are_read_in_three_calls() {
    let server = MockServer::start().await;
    // A received payment with a fee (reconciled with two invoices: the first counts), a payment
    // made by hand in Odoo (no memo: its name is the reference; no invoice ref; no fee) and a
    // refund (not reconciled, with its transaction id).
    let rows = exact(
        r#"[{"id": 300, "memo": "p1", "name": "PSTRP/2026/00001", "payment_reference": false,
              "payment_type": "inbound", "amount": 36.0, "currency_id": [1, "USD"],
              "date": "2026-11-02", "reconciled_invoice_ids": [200, 201]},
             {"id": 302, "memo": false, "name": "PSTRP/2026/00003", "payment_reference": false,
              "payment_type": "inbound", "amount": 1.4, "currency_id": [1, "USD"],
              "date": "2026-11-02", "reconciled_invoice_ids": [202]},
             {"id": 301, "memo": "r1", "name": "PSTRP/2026/00002", "payment_reference": "txn-r1",
              "payment_type": "outbound", "amount": 5, "currency_id": [1, "USD"],
              "date": "2026-11-03", "reconciled_invoice_ids": []}]"#,
    );
    expect_call(
        &server,
        "account.payment",
        "search_read",
        payments_body(),
        ok(rows),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "read",
        json!({"ids": [200, 202], "fields": ["ref"]}),
        ok(json!([{"id": 200, "ref": "inv1"}, {"id": 202, "ref": false}])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search_read",
        fees_body(&["p1/fee", "PSTRP/2026/00003/fee", "r1/fee"]),
        ok(exact(
            r#"[{"id": 400, "ref": "p1/fee", "amount_total": 0.87},
                {"id": 401, "ref": "p1/fee", "amount_total": 9.99}]"#,
        )),
    )
    .await;
    let entries = erp(&server)
        .payment_entries(&stripe(), day(1), day(4))
        .await
        .unwrap();
    let entry =
        |external_ref: &str, transaction_id: &str, invoice_ref: &str, direction, amount, fee, d| {
            PaymentEntry {
                external_ref: external_ref.into(),
                gateway: stripe(),
                transaction_id: transaction_id.into(),
                invoice_ref: invoice_ref.into(),
                direction,
                amount: Money::new(amount, usd()),
                fee: Money::new(fee, usd()),
                date: day(d),
            }
        };
    assert_eq!(
        entries,
        [
            entry("p1", "", "inv1", PaymentDirection::Received, 3600, 87, 2),
            entry(
                "PSTRP/2026/00003",
                "",
                "",
                PaymentDirection::Received,
                140,
                0,
                2
            ),
            entry("r1", "txn-r1", "", PaymentDirection::Refunded, -500, 0, 3),
        ]
    );
}

#[tokio::test]
async fn no_payments_is_one_call_and_refunds_alone_read_no_invoices() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.payment",
        "search_read",
        payments_body(),
        ok(json!([])),
    )
    .await;
    let entries = erp(&server)
        .payment_entries(&stripe(), day(1), day(4))
        .await
        .unwrap();
    assert!(entries.is_empty());
    assert_eq!(
        requests(&server).await,
        ["/json/2/account.payment/search_read"]
    );

    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.payment",
        "search_read",
        payments_body(),
        ok(json!([{"id": 301, "memo": "r1", "name": "PSTRP/2026/00002",
            "payment_reference": "txn-r1", "payment_type": "outbound", "amount": 5,
            "currency_id": [1, "USD"], "date": "2026-11-03", "reconciled_invoice_ids": []}])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search_read",
        fees_body(&["r1/fee"]),
        ok(json!([])),
    )
    .await;
    let entries = erp(&server)
        .payment_entries(&stripe(), day(1), day(4))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount, Money::new(-500, usd()));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_gateway_without_a_journal_is_a_config_error_before_any_call() {
    let server = MockServer::start().await;
    let err = erp(&server)
        .payment_entries(&Gateway::new("paytrace").unwrap(), day(1), day(4))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("paytrace")),
        "{err:?}"
    );
    assert!(requests(&server).await.is_empty());
}

/// A value Odoo would not send is a decode error naming the payment and field, never an entry
/// with a guessed value.
#[tokio::test]
async fn malformed_payments_are_decode_errors_naming_the_path() {
    let good = json!({"id": 300, "memo": "p1", "name": "PSTRP/2026/00001",
        "payment_reference": false, "payment_type": "inbound", "amount": 36,
        "currency_id": [1, "USD"], "date": "2026-11-02", "reconciled_invoice_ids": []});
    let cases: [(&str, Value, &str); 4] = [
        ("payment_type", json!("transfer"), "[1].payment_type"),
        ("currency_id", json!([9, "XTS1"]), "[1].currency_id"),
        ("amount", exact("36.005"), "[1].amount"),
        ("date", json!(false), "[1].date"),
    ];
    for (field, value, path) in cases {
        let server = MockServer::start().await;
        let mut bad = good.clone();
        bad["id"] = json!(301);
        bad["memo"] = json!("p2");
        bad[field] = value;
        expect_call(
            &server,
            "account.payment",
            "search_read",
            payments_body(),
            ok(json!([good, bad])),
        )
        .await;
        // The fee search runs before the mapping (it needs every reference).
        wiremock::Mock::given(wiremock::matchers::path("/json/2/account.move/search_read"))
            .respond_with(ok(json!([])))
            .mount(&server)
            .await;
        let err = erp(&server)
            .payment_entries(&stripe(), day(1), day(4))
            .await
            .unwrap_err();
        let Error::Decode { path: at, message } = &err else {
            panic!("{field}: {err:?}")
        };
        assert_eq!(at, path, "{field}: {message}");
        assert!(
            message.contains("account.payment 301"),
            "{field}: {message}"
        );
    }
}

#[tokio::test]
async fn payment_entries_failures_are_typed() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "account.payment",
            "search_read",
            payments_body(),
            response,
        )
        .await;
        let err = erp(&server)
            .payment_entries(&stripe(), day(1), day(4))
            .await
            .unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

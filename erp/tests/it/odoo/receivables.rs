//! Open receivables and lookup by external reference.

use erp::{DocumentKind, Erp, Error, Money};
use serde_json::{Value, json};
use wiremock::MockServer;

use super::{erp, expect_call, failures, ok};
use crate::{day, usd};

fn open_invoices_body() -> Value {
    json!({
        "domain": [
            ["move_type", "=", "out_invoice"],
            ["state", "=", "posted"],
            ["payment_state", "in", ["not_paid", "partial"]],
        ],
        "fields": ["ref", "partner_id", "currency_id", "invoice_date", "invoice_date_due", "amount_total", "amount_residual"],
        "order": "invoice_date_due asc, id asc",
    })
}

#[tokio::test]
async fn open_receivables_are_read_with_exact_amounts() {
    let server = MockServer::start().await;
    let rows: Value = serde_json::from_str(
        r#"[{"id": 200, "ref": "inv1", "partner_id": [42, "Ada Lovelace"], "currency_id": [1, "USD"],
             "invoice_date": "2026-11-01", "invoice_date_due": "2026-11-15",
             "amount_total": 37.4, "amount_residual": 22.4},
            {"id": 201, "ref": false, "partner_id": [43, "Deco Addict"], "currency_id": [1, "USD"],
             "invoice_date": "2026-11-02", "invoice_date_due": false,
             "amount_total": 10, "amount_residual": 10}]"#,
    )
    .unwrap();
    expect_call(
        &server,
        "account.move",
        "search_read",
        open_invoices_body(),
        ok(rows),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "read",
        json!({"ids": [42, 43], "fields": ["ref"]}),
        ok(json!([{"id": 42, "ref": "c1"}, {"id": 43, "ref": false}])),
    )
    .await;
    let open = erp(&server).open_receivables().await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].invoice.external_ref, "inv1");
    assert_eq!(open[0].customer_ref, "c1");
    assert_eq!(open[0].total, Money::new(3740, usd()));
    assert_eq!(open[0].open, Money::new(2240, usd()));
    assert_eq!(open[0].due_date, day(15));
    assert_eq!(open[1].customer_ref, "");
    assert_eq!(open[1].due_date, day(2));
}

#[tokio::test]
async fn amounts_finer_than_the_currency_are_decode_errors() {
    let server = MockServer::start().await;
    let rows = json!([{"id": 200, "ref": "inv1", "partner_id": false, "currency_id": [1, "USD"],
        "invoice_date": "2026-11-01", "invoice_date_due": "2026-11-15",
        "amount_total": 37.405, "amount_residual": 1}]);
    expect_call(
        &server,
        "account.move",
        "search_read",
        open_invoices_body(),
        ok(rows),
    )
    .await;
    let err = erp(&server).open_receivables().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "[0].amount_total"),
        "{err:?}"
    );
}

#[tokio::test]
async fn open_receivables_failures_are_typed() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "account.move",
            "search_read",
            open_invoices_body(),
            response,
        )
        .await;
        let err = erp(&server).open_receivables().await.unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn lookup_searches_partners_orders_moves_then_payments() {
    let server = MockServer::start().await;
    let search = |field: &str| json!({"domain": [[field, "=", "inv1"]], "limit": 1});
    expect_call(
        &server,
        "res.partner",
        "search",
        search("ref"),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "sale.order",
        "search",
        search("client_order_ref"),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search_read",
        json!({"domain": [["ref", "=", "inv1"]], "fields": ["move_type"], "limit": 1}),
        ok(json!([{"id": 200, "move_type": "out_invoice"}])),
    )
    .await;
    let found = erp(&server)
        .find_by_external_ref("inv1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.kind, found.id.0.as_str()),
        (DocumentKind::Invoice, "200")
    );
}

#[tokio::test]
async fn lookup_of_an_unknown_reference_is_none() {
    let server = MockServer::start().await;
    for (model, field) in [
        ("res.partner", "ref"),
        ("sale.order", "client_order_ref"),
        ("account.payment", "memo"),
    ] {
        expect_call(
            &server,
            model,
            "search",
            json!({"domain": [[field, "=", "x"]], "limit": 1}),
            ok(json!([])),
        )
        .await;
    }
    expect_call(
        &server,
        "account.move",
        "search_read",
        json!({"domain": [["ref", "=", "x"]], "fields": ["move_type"], "limit": 1}),
        ok(json!([])),
    )
    .await;
    assert_eq!(erp(&server).find_by_external_ref("x").await.unwrap(), None);
}

#[tokio::test]
async fn lookup_failures_are_typed() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "res.partner",
            "search",
            json!({"domain": [["ref", "=", "x"]], "limit": 1}),
            response,
        )
        .await;
        let err = erp(&server).find_by_external_ref("x").await.unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

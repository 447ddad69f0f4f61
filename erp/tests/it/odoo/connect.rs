use erp::odoo::OdooErp;
use erp::{Erp, Error, Gateway, Money, PaymentDirection};
use serde_json::{Map, Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer};

use super::{client, config, expect_call, failures, ok};
use crate::{day, payment, usd};

/// What `fields_get` answers for each model: `{field: {"type": ...}}`, Odoo 19 names.
fn fields(model: &str) -> Vec<&'static str> {
    match model {
        "res.partner" => vec![
            "name",
            "email",
            "ref",
            "customer_rank",
            "is_company",
            "x_vault_ids",
        ],
        "sale.order" => vec!["partner_id", "client_order_ref", "date_order", "order_line"],
        "account.move" => vec![
            "move_type",
            "partner_id",
            "ref",
            "date",
            "invoice_date",
            "invoice_date_due",
            "invoice_origin",
            "currency_id",
            "invoice_line_ids",
            "line_ids",
            "reversed_entry_id",
            "state",
            "payment_state",
            "amount_total",
            "amount_residual",
        ],
        "account.payment" => vec![
            "payment_type",
            "partner_type",
            "partner_id",
            "amount",
            "currency_id",
            "journal_id",
            "date",
            "memo",
            "payment_reference",
        ],
        "account.payment.register" => vec!["amount", "journal_id", "payment_date", "communication"],
        _ => unreachable!(),
    }
}

const MODELS: [&str; 5] = [
    "res.partner",
    "sale.order",
    "account.move",
    "account.payment",
    "account.payment.register",
];

fn answer(names: &[&str]) -> Value {
    let map: Map<String, Value> = names
        .iter()
        .map(|n| ((*n).to_owned(), json!({"type": "char"})))
        .collect();
    Value::Object(map)
}

async fn mount(server: &MockServer, edit: impl Fn(&str, &mut Vec<&'static str>)) {
    for model in MODELS {
        let mut names = fields(model);
        edit(model, &mut names);
        expect_call(
            server,
            model,
            "fields_get",
            json!({"attributes": ["type"]}),
            ok(answer(&names)),
        )
        .await;
    }
}

#[tokio::test]
async fn connect_checks_every_model_with_fields_get() {
    let server = MockServer::start().await;
    mount(&server, |_, _| {}).await;
    OdooErp::connect(client(&server), config().vault_id_field("x_vault_ids"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_missing_field_is_a_config_error_naming_it() {
    let server = MockServer::start().await;
    mount(&server, |model, names| {
        if model == "account.move" {
            names.retain(|n| *n != "reversed_entry_id");
        }
    })
    .await;
    let err = OdooErp::connect(client(&server), config().vault_id_field("x_missing"))
        .await
        .unwrap_err();
    let Error::Config(msg) = err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("account.move.reversed_entry_id"), "{msg}");
    assert!(msg.contains("res.partner.x_missing"), "{msg}");
}

/// A server whose `account.payment` calls its reference `ref`, as before Odoo 18.
async fn before_odoo_18() -> MockServer {
    let server = MockServer::start().await;
    mount(&server, |model, names| {
        if model == "account.payment" {
            names.retain(|n| *n != "memo");
            names.push("ref");
        }
    })
    .await;
    server
}

#[tokio::test]
async fn payments_before_odoo_18_use_ref_instead_of_memo() {
    let server = before_odoo_18().await;
    let odoo = OdooErp::connect(client(&server), config()).await.unwrap();
    let search = |field: &str| json!({"domain": [[field, "=", "r1"]], "limit": 1});
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
        json!({"domain": [["ref", "=", "r1"]], "fields": ["move_type"], "limit": 1}),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "account.payment",
        "search",
        search("ref"),
        ok(json!([12])),
    )
    .await;
    let found = odoo.find_by_external_ref("r1").await.unwrap().unwrap();
    assert_eq!(found.kind, erp::DocumentKind::Payment);
    assert_eq!(found.id.0, "12");
}

#[tokio::test]
async fn connect_failures_are_typed() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "res.partner",
            "fields_get",
            json!({"attributes": ["type"]}),
            response,
        )
        .await;
        let err = OdooErp::connect(client(&server), config())
            .await
            .unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

/// Answers `model.method` with `answer` whatever the body, at most `times` times.
async fn answer_n(server: &MockServer, model: &str, m: &str, answer: Value, times: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/json/2/{model}/{m}")))
        .respond_with(ok(answer))
        .up_to_n_times(times)
        .mount(server)
        .await;
}

/// A database whose payments lack `payment_reference` (a custom build without it): the
/// connector still connects, posts refunds without the field (Odoo would refuse an unknown
/// field) and lists entries without transaction ids.
#[tokio::test]
async fn without_payment_reference_refunds_omit_it_and_entries_have_no_transaction_id() {
    let server = MockServer::start().await;
    mount(&server, |model, names| {
        if model == "account.payment" {
            names.retain(|n| *n != "payment_reference");
        }
    })
    .await;
    let odoo = OdooErp::connect(client(&server), config()).await.unwrap();

    // The refund: the create body has no `payment_reference` (an exact match, or no answer).
    answer_n(&server, "account.payment", "search", json!([]), 1).await;
    answer_n(&server, "account.payment", "search", json!([301]), 1).await;
    answer_n(&server, "account.move", "search", json!([200]), 1).await;
    answer_n(
        &server,
        "account.move",
        "read",
        json!([{"id": 200, "partner_id": [42, "Ada Lovelace"]}]),
        1,
    )
    .await;
    answer_n(&server, "res.currency", "search", json!([1]), 1).await;
    Mock::given(method("POST"))
        .and(path("/json/2/account.payment/create"))
        .and(body_json(json!({"vals_list": [{
            "payment_type": "outbound",
            "partner_type": "customer",
            "partner_id": 42,
            "amount": 15,
            "currency_id": 1,
            "journal_id": 7,
            "date": "2026-11-02",
            "memo": "r1",
        }]})))
        .respond_with(ok(json!([301])))
        .expect(1)
        .mount(&server)
        .await;
    answer_n(&server, "account.payment", "action_post", json!(true), 1).await;
    let mut refund = payment("r1", "inv1", 1500, 0);
    refund.direction = PaymentDirection::Refunded;
    assert_eq!(
        odoo.post_payment(&refund).await.unwrap().document.id.0,
        "301"
    );

    // The entries: read without the field.
    expect_call(
        &server,
        "account.payment",
        "search_read",
        json!({
            "domain": [
                ["journal_id", "=", 7],
                ["date", ">=", "2026-11-01"],
                ["date", "<=", "2026-11-02"],
                ["state", "not in", ["draft", "canceled", "rejected"]],
            ],
            "fields": [
                "memo", "name", "payment_type", "amount", "currency_id", "date",
                "reconciled_invoice_ids",
            ],
            "order": "date asc, id asc",
        }),
        ok(json!([{"id": 301, "memo": "r1", "name": "PSTRP/2026/00002",
            "payment_type": "outbound", "amount": 15, "currency_id": [1, "USD"],
            "date": "2026-11-02", "reconciled_invoice_ids": []}])),
    )
    .await;
    answer_n(&server, "account.move", "search_read", json!([]), 1).await;
    let stripe = Gateway::new("stripe").unwrap();
    let entries = odoo.payment_entries(&stripe, day(1), day(2)).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (
            entries[0].external_ref.as_str(),
            entries[0].transaction_id.as_str(),
            entries[0].amount
        ),
        ("r1", "", Money::new(-1500, usd()))
    );
}

/// Before Odoo 18 a payment's reference is `ref` and its state its move's (`cancel`, not
/// `canceled`/`rejected`): the entries' search says so.
#[tokio::test]
async fn payment_entries_before_odoo_18_read_ref_and_leave_out_cancel() {
    let server = before_odoo_18().await;
    let odoo = OdooErp::connect(client(&server), config()).await.unwrap();
    expect_call(
        &server,
        "account.payment",
        "search_read",
        json!({
            "domain": [
                ["journal_id", "=", 7],
                ["date", ">=", "2026-11-02"],
                ["date", "<=", "2026-11-02"],
                ["state", "not in", ["draft", "cancel"]],
            ],
            "fields": [
                "ref", "name", "payment_reference", "payment_type", "amount", "currency_id",
                "date", "reconciled_invoice_ids",
            ],
            "order": "date asc, id asc",
        }),
        ok(json!([{"id": 300, "ref": "p1", "name": "BNK1/2026/00001",
            "payment_reference": false, "payment_type": "inbound", "amount": 37.4,
            "currency_id": [1, "USD"], "date": "2026-11-02",
            "reconciled_invoice_ids": [200]}])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "read",
        json!({"ids": [200], "fields": ["ref"]}),
        ok(json!([{"id": 200, "ref": "inv1"}])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search_read",
        json!({
            "domain": [["move_type", "=", "entry"], ["ref", "in", ["p1/fee"]]],
            "fields": ["ref", "amount_total"],
            "order": "id asc",
        }),
        ok(json!([])),
    )
    .await;
    let stripe = Gateway::new("stripe").unwrap();
    let entries = odoo.payment_entries(&stripe, day(2), day(2)).await.unwrap();
    assert_eq!(
        (
            entries[0].external_ref.as_str(),
            entries[0].invoice_ref.as_str(),
            entries[0].amount
        ),
        ("p1", "inv1", Money::new(3740, usd()))
    );
}

/// `payment_reference` counts only as the char field Odoo has: a field of another type by that
/// name (a customisation) is not written to.
#[tokio::test]
async fn a_payment_reference_of_another_type_is_not_used() {
    let server = MockServer::start().await;
    for model in MODELS {
        let mut map = match answer(&fields(model)) {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        if model == "account.payment" {
            map.insert("payment_reference".into(), json!({"type": "many2one"}));
        }
        expect_call(
            &server,
            model,
            "fields_get",
            json!({"attributes": ["type"]}),
            ok(Value::Object(map)),
        )
        .await;
    }
    let odoo = OdooErp::connect(client(&server), config()).await.unwrap();
    Mock::given(method("POST"))
        .and(path("/json/2/account.payment/search_read"))
        .and(wiremock::matchers::body_string_contains(
            "payment_reference",
        ))
        .respond_with(ok(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    answer_n(&server, "account.payment", "search_read", json!([]), 1).await;
    let stripe = Gateway::new("stripe").unwrap();
    assert!(
        odoo.payment_entries(&stripe, day(1), day(1))
            .await
            .unwrap()
            .is_empty()
    );
}

use erp::odoo::OdooErp;
use erp::{Erp, Error};
use serde_json::{Map, Value, json};
use wiremock::MockServer;

use super::{client, config, expect_call, failures, ok};

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

#[tokio::test]
async fn payments_before_odoo_18_use_ref_instead_of_memo() {
    let server = MockServer::start().await;
    mount(&server, |model, names| {
        if model == "account.payment" {
            names.retain(|n| *n != "memo");
            names.push("ref");
        }
    })
    .await;
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

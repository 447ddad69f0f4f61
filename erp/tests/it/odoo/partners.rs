use erp::{Erp, Gateway, VaultId};
use serde_json::json;
use wiremock::MockServer;

use super::{client, config, expect_call, failures, ok};
use crate::customer;

fn search_body() -> serde_json::Value {
    json!({"domain": [["ref", "=", "c1"]], "limit": 1})
}

#[tokio::test]
async fn new_customer_is_created_with_ref_and_vault_ids() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "res.partner",
        "search",
        search_body(),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "create",
        json!({"vals_list": [{
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "ref": "c1",
            "customer_rank": 1,
            "x_vault_ids": "{\"paytrace\":\"cust-77\"}",
        }]}),
        ok(json!([42])),
    )
    .await;
    let odoo =
        erp::odoo::OdooErp::new_unchecked(client(&server), config().vault_id_field("x_vault_ids"));
    let rec = odoo.upsert_customer(&customer("c1")).await.unwrap();
    assert!(rec.created);
    assert_eq!(rec.document.id.0, "42");
}

#[tokio::test]
async fn existing_customer_is_updated_not_duplicated() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "res.partner",
        "search",
        search_body(),
        ok(json!([42])),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "write",
        json!({"ids": [42], "vals": {"name": "Ada Lovelace", "email": "ada@example.com"}}),
        ok(json!(true)),
    )
    .await;
    let mut c = customer("c1");
    c.vault_ids = vec![VaultId {
        gateway: Gateway::new("stripe").unwrap(),
        vault_id: "cus_1".into(),
    }];
    let rec = super::erp(&server).upsert_customer(&c).await.unwrap();
    assert!(!rec.created);
    assert_eq!(rec.document.id.0, "42");
}

#[tokio::test]
async fn customer_failures_are_typed() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "res.partner",
            "search",
            search_body(),
            ok(json!([])),
        )
        .await;
        wiremock::Mock::given(wiremock::matchers::path("/json/2/res.partner/create"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        let err = super::erp(&server)
            .upsert_customer(&customer("c1"))
            .await
            .unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

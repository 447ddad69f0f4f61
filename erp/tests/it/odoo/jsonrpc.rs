//! The legacy `/jsonrpc` transport (feature `jsonrpc`), Odoo 17/18.

use erp::odoo::{OdooClient, OdooErp, RetryConfig};
use erp::{Erp, Error, OdooErrorKind};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer};

use super::{API_KEY, config, ok};
use crate::customer;

fn rpc(service: &str, m: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": m, "args": args}, "id": 1})
}

async fn expect_rpc(server: &MockServer, body: Value, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/jsonrpc"))
        .and(body_json(body))
        .respond_with(ok(answer))
        .expect(1)
        .mount(server)
        .await;
}

fn builder(server: &MockServer) -> erp::odoo::OdooClientBuilder {
    OdooClient::builder(server.uri(), SecretString::from(API_KEY))
        .database("mycompany")
        .retry(RetryConfig::disabled())
}

#[tokio::test]
async fn login_then_execute_kw_with_positional_ids_and_vals() {
    let server = MockServer::start().await;
    expect_rpc(
        &server,
        rpc(
            "common",
            "login",
            json!(["mycompany", "bot@example.com", API_KEY]),
        ),
        json!({"jsonrpc": "2.0", "id": 1, "result": 2}),
    )
    .await;
    let exec = |model: &str, m: &str, args: Value, kwargs: Value| {
        rpc(
            "object",
            "execute_kw",
            json!(["mycompany", 2, API_KEY, model, m, args, kwargs]),
        )
    };
    expect_rpc(
        &server,
        exec(
            "res.partner",
            "search",
            json!([]),
            json!({"domain": [["ref", "=", "c1"]], "limit": 1}),
        ),
        json!({"jsonrpc": "2.0", "id": 1, "result": []}),
    )
    .await;
    expect_rpc(
        &server,
        exec("res.partner", "create", json!([[{"name": "Ada Lovelace", "email": "ada@example.com", "ref": "c1", "customer_rank": 1}]]), json!({})),
        json!({"jsonrpc": "2.0", "id": 1, "result": [42]}),
    )
    .await;
    let client = builder(&server)
        .legacy_jsonrpc_login("bot@example.com")
        .await
        .unwrap();
    let rec = OdooErp::new_unchecked(client, config())
        .upsert_customer(&customer("c1"))
        .await
        .unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "42"));
}

#[tokio::test]
async fn refused_login_is_an_auth_error() {
    let server = MockServer::start().await;
    expect_rpc(
        &server,
        rpc(
            "common",
            "login",
            json!(["mycompany", "bot@example.com", API_KEY]),
        ),
        json!({"jsonrpc": "2.0", "id": 1, "result": false}),
    )
    .await;
    let err = builder(&server)
        .legacy_jsonrpc_login("bot@example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn errors_inside_a_200_body_are_typed() {
    let server = MockServer::start().await;
    let error = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error", "data": {
        "name": "odoo.exceptions.ValidationError", "message": "The move is not balanced.",
        "arguments": ["The move is not balanced."], "context": {}, "debug": "Traceback ..."}}});
    Mock::given(path("/jsonrpc"))
        .respond_with(ok(error))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).legacy_jsonrpc(2).build().unwrap();
    let err = client
        .call::<Value>("account.move", "action_post", json!({"ids": [1]}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 200, .. }));
    assert_eq!(err.odoo_kind(), Some(OdooErrorKind::ValidationError));
}

#[tokio::test]
async fn jsonrpc_needs_a_database() {
    let err = OdooClient::builder("http://localhost", SecretString::from(API_KEY))
        .legacy_jsonrpc(2)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

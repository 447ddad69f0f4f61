//! Integration tests: one binary, a module per resource.
#![allow(clippy::unwrap_used)]

mod customers;
mod fixtures;
mod fulfillments;
mod metafields;
mod oauth;
mod orders;
mod refunds;
mod risk;
mod tags;
mod transactions;
mod transport;
mod webhook;

use secrecy::SecretString;
use serde_json::{Value, json};
use shopify::{Client, RetryConfig};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request, ResponseTemplate};

pub(crate) const TOKEN: &str = "shpat_test_token";
pub(crate) const GQL_PATH: &str = "/admin/api/2026-10/graphql.json";

/// A client pointed at the mock server, with fast retries.
pub(crate) fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

pub(crate) fn builder(server: &MockServer) -> shopify::ClientBuilder {
    Client::builder()
        .base_url(server.uri().parse().unwrap())
        .access_token(SecretString::from(TOKEN))
        .timeout(Duration::from_secs(5))
        .retry(
            RetryConfig::standard()
                .with_max_retries(2)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
}

/// Matches a GraphQL request by operation name, the named operation in the
/// document, and the exact variables.
pub(crate) struct GraphqlOp {
    pub(crate) name: &'static str,
    pub(crate) variables: Value,
}

impl Match for GraphqlOp {
    fn matches(&self, request: &Request) -> bool {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return false;
        };
        let query = body["query"].as_str().unwrap_or_default();
        let declares = query.starts_with(&format!("mutation {}(", self.name))
            || query.starts_with(&format!("query {}(", self.name));
        body["operationName"] == self.name && declares && body["variables"] == self.variables
    }
}

/// A mock for one GraphQL operation with its exact variables and headers.
pub(crate) fn gql(name: &'static str, variables: Value) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .and(header("X-Shopify-Access-Token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(GraphqlOp { name, variables })
}

/// Any GraphQL request.
pub(crate) fn any_gql() -> MockBuilder {
    Mock::given(method("POST")).and(path(GQL_PATH))
}

pub(crate) fn cost(requested: u32, available: u32) -> Value {
    json!({"cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": requested,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
    }})
}

/// A 200 answer with `data` and a cost extension.
pub(crate) fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": data, "extensions": cost(10, 1990)}))
}

/// A 200 answer whose mutation payload carries `userErrors`.
pub(crate) fn user_errors(field: &str, errors: Value) -> ResponseTemplate {
    let mut payload = serde_json::Map::new();
    payload.insert("userErrors".into(), errors);
    ok(json!({ field: payload }))
}

pub(crate) fn money(amount: &str) -> Value {
    json!({"shopMoney": {"amount": amount, "currencyCode": "USD"},
           "presentmentMoney": {"amount": amount, "currencyCode": "USD"}})
}

/// Asserts the standard failure shapes of a mutation: 5xx is not retried for
/// unsafe operations, a timeout surfaces as `Error::Timeout`, a malformed body
/// as `Error::Decode`.
pub(crate) async fn assert_failure_modes<F, Fut, T>(
    name: &'static str,
    variables: Value,
    idempotent: bool,
    call: F,
) where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, shopify::Error>>,
    T: std::fmt::Debug,
{
    // 5xx: retried (3 attempts) only when idempotent.
    let server = MockServer::start().await;
    gql(name, variables.clone())
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .expect(if idempotent { 3 } else { 1 })
        .mount(&server)
        .await;
    match call(client(&server)).await {
        Err(shopify::Error::Api { status: 503, body }) => {
            assert_eq!(body.raw.as_deref(), Some("unavailable"));
        }
        other => panic!("{name}: expected 503 Api error, got {other:?}"),
    }
    server.verify().await;

    // Timeout.
    let server = MockServer::start().await;
    gql(name, variables.clone())
        .respond_with(ok(json!({})).set_delay(Duration::from_secs(2)))
        .expect(if idempotent { 3 } else { 1 })
        .mount(&server)
        .await;
    let c = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert!(
        matches!(call(c).await, Err(shopify::Error::Timeout)),
        "{name}: expected timeout"
    );
    server.verify().await;

    // Malformed body.
    let server = MockServer::start().await;
    gql(name, variables)
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"data\": [1,"))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        matches!(
            call(client(&server)).await,
            Err(shopify::Error::Decode { .. })
        ),
        "{name}: expected decode error"
    );
}

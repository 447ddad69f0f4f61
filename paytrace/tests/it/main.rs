//! Integration tests against wiremock: one binary, one module per resource.
#![allow(clippy::unwrap_used, missing_docs)]

mod auth;
mod batches;
mod checks;
mod customers;
mod level3;
mod reporting;
mod resolve;
mod secrets;
mod transactions;

use paytrace::{Client, ClientBuilder, RetryConfig, SecretString};
use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const USERNAME: &str = "api-user";
pub const PASSWORD: &str = "api-pass-s3cret";
pub const INTEGRATOR_ID: &str = "<INTEGRATOR_ID>";
/// `access_token` of `token_sandbox_2024.json`.
pub const TOKEN: &str = "<ACCESS_TOKEN>";

/// A fixture's text, read from `tests/fixtures`.
pub fn fixture_text(name: &str) -> String {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A fixture parsed as JSON (numbers keep their exact text).
pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap()
}

/// Parses JSON text; used for expected request bodies so that numbers compare by their text.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// First wait of the test clients' retries.
pub const FAST_BACKOFF: Duration = Duration::from_millis(10);
/// Cap of the test clients' waits, a server's `Retry-After` included.
pub const FAST_BACKOFF_CAP: Duration = Duration::from_millis(100);

/// Builder pointed at the mock server, with fast retries.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(USERNAME, SecretString::from(PASSWORD))
        .base_url(server.uri())
        .integrator_id(INTEGRATOR_ID)
        .timeout(Duration::from_secs(5))
        .retry(RetryConfig::standard().with_backoff(FAST_BACKOFF, FAST_BACKOFF_CAP))
}

/// The client used by most tests.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// Client with a short timeout, for `set_delay` tests.
pub fn impatient_client(server: &MockServer) -> Client {
    builder(server)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

/// Expects exactly one password-grant token request and answers with the 2024 sandbox body.
pub async fn mount_token(server: &MockServer) {
    token_mock(ResponseTemplate::new(200).set_body_json(fixture("token_sandbox_2024.json")))
        .expect(1)
        .mount(server)
        .await;
}

/// Matcher for the exact token request.
pub fn token_mock(response: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!(
            "grant_type=password&username={USERNAME}&password={PASSWORD}"
        )))
        .respond_with(response)
}

/// Matcher for an exact v1 call: method, path, bearer token, JSON content type and body.
/// `body` is the request without `integrator_id`, which the client adds.
pub fn api_call(api_path: &str, mut body: Value) -> wiremock::MockBuilder {
    body.as_object_mut()
        .unwrap()
        .insert("integrator_id".into(), Value::String(INTEGRATOR_ID.into()));
    Mock::given(method("POST"))
        .and(path(api_path))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(wiremock::matchers::body_json(body))
}

/// Any POST to `api_path`, whatever the body.
pub fn any_call(api_path: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(api_path))
}

/// A JSON response with the exact text of `body`.
pub fn reply(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

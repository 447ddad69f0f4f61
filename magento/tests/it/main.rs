//! Integration tests: every operation against wiremock, with exact request matching.
#![allow(clippy::unwrap_used)]

mod auth;
mod carts;
mod contract;
mod creditmemos;
mod customers;
mod decoding;
mod errors;
mod invoices;
mod orders;
mod retry;
mod samples;
mod shipments;

use std::time::Duration;

use magento::{Client, Credentials, RetryConfig};
use wiremock::MockServer;

/// The bearer token every `client()` sends.
pub const TOKEN: &str = "integration-token-123";

/// A client on `server` with store code `default`, a bearer token, retries off, 2 s timeout.
pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri(), Credentials::integration_bearer(TOKEN))
        .store_code("default")
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Like [`client`] with two retries and a 1 ms backoff.
pub fn retrying_client(server: &MockServer) -> Client {
    Client::builder(server.uri(), Credentials::integration_bearer(TOKEN))
        .store_code("default")
        .retry(
            RetryConfig::standard()
                .with_max_retries(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
}

/// Like [`client`] with a 100 ms timeout.
pub fn impatient_client(server: &MockServer) -> Client {
    Client::builder(server.uri(), Credentials::integration_bearer(TOKEN))
        .store_code("default")
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
}

/// The full REST path of `V1` route `route` in store `default`.
pub fn rest(route: &str) -> String {
    format!("/rest/default/V1{route}")
}

/// A fixture file's text.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A fixture file as JSON.
pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

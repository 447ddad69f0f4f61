//! Odoo connector against wiremock, with bodies shaped like Odoo 19's JSON-2 documentation.

mod billing;
mod client;
mod connect;
mod documents;
#[cfg(feature = "jsonrpc")]
mod jsonrpc;
mod partners;
mod payment_entries;
mod receivables;

use std::time::Duration;

use erp::odoo::{OdooClient, OdooErp, OdooErpConfig, RetryConfig};
use erp::{Account, Error, Gateway, OdooErrorKind};
use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API_KEY: &str = "6578616d706c65206a736f6e20617069206b6579";

/// A client of `server` with retries off and a 300 ms timeout.
pub fn client(server: &MockServer) -> OdooClient {
    OdooClient::builder(server.uri(), SecretString::from(API_KEY))
        .database("mycompany")
        .timeout(Duration::from_millis(300))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

pub fn config() -> OdooErpConfig {
    OdooErpConfig::new()
        .account(Account::TaxPayable, "251000")
        .account(Account::ShippingIncome, "400100")
        .account(Account::DeferredRevenue, "241000")
        .account(Account::Revenue, "400000")
        .account(Account::BadDebts, "630000")
        .account(Account::Refunds, "400900")
        .account(Account::GatewayFees, "620000")
        .account(Account::Chargebacks, "620100")
        .account(Account::DisputedFunds, "101500")
        .account(Account::Bank, "101401")
        .account(Account::Clearing(Gateway::new("stripe").unwrap()), "101402")
        .payment_journal(Gateway::new("stripe").unwrap(), 7)
}

pub fn erp(server: &MockServer) -> OdooErp {
    OdooErp::new_unchecked(client(server), config())
}

/// Expects exactly one `POST /json/2/<model>/<method>` with the documented headers and this
/// exact JSON body, and answers `response`.
pub async fn expect_call(
    server: &MockServer,
    model: &str,
    method_name: &str,
    body: Value,
    response: ResponseTemplate,
) {
    Mock::given(method("POST"))
        .and(path(format!("/json/2/{model}/{method_name}")))
        .and(header(
            "authorization",
            format!("bearer {API_KEY}").as_str(),
        ))
        .and(header("x-odoo-database", "mycompany"))
        .and(header("content-type", "application/json"))
        .and(header(
            "user-agent",
            concat!("payops-erp/", env!("CARGO_PKG_VERSION")),
        ))
        .and(body_json(body))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

pub fn fixture(name: &str) -> Value {
    let text = match name {
        "unauthorized" => include_str!("../../fixtures/odoo_error_unauthorized.json"),
        "validation" => include_str!("../../fixtures/odoo_error_validation.json"),
        "access" => include_str!("../../fixtures/odoo_error_access.json"),
        _ => unreachable!("unknown fixture {name}"),
    };
    serde_json::from_str(text).unwrap()
}

/// The failure shapes every operation family is tested against, with the error each must
/// become.
/// Tells whether an error is the expected one.
pub type Check = fn(&Error) -> bool;

pub fn failures() -> Vec<(&'static str, ResponseTemplate, Check)> {
    vec![
        (
            "401 documented body",
            ResponseTemplate::new(401).set_body_json(fixture("unauthorized")),
            |e| matches!(e, Error::Auth { message } if message == "Invalid apikey"),
        ),
        (
            "422 ValidationError",
            ResponseTemplate::new(422).set_body_json(fixture("validation")),
            |e| {
                matches!(e, Error::Api { status: 422, .. })
                    && e.odoo_kind() == Some(OdooErrorKind::ValidationError)
            },
        ),
        (
            "403 AccessError",
            ResponseTemplate::new(403).set_body_json(fixture("access")),
            |e| e.odoo_kind() == Some(OdooErrorKind::AccessError),
        ),
        (
            "500 with a non-JSON body",
            ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>"),
            |e| matches!(e, Error::Api { status: 500, body } if body.message.contains("Internal")),
        ),
        (
            "429 Retry-After",
            ResponseTemplate::new(429).insert_header("retry-after", "7"),
            |e| matches!(e, Error::RateLimited { retry_after: Some(d) } if d.as_secs() == 7),
        ),
        (
            "timeout",
            ok(serde_json::json!([1])).set_delay(Duration::from_secs(2)),
            |e| matches!(e, Error::Timeout),
        ),
        (
            "malformed 200 body",
            ok(serde_json::json!("not the expected shape")),
            |e| matches!(e, Error::Decode { .. }),
        ),
    ]
}

//! OAuth 1.0a signing as Magento verifies it, admin tokens, store codes.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use magento::{Client, Credentials, Error, Filter, RetryConfig, SearchCriteria};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::json;
use sha2::Sha256;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{fixture, rest};

const RAW: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn raw(s: &str) -> String {
    utf8_percent_encode(s, RAW).to_string()
}

/// Verifies an OAuth request the way Magento's server does, written separately from the crate:
/// parse the header, decode the query the server received, re-encode everything with
/// `rawurlencode` rules, sort, rebuild the base string and compare the HMAC-SHA256.
fn verify_oauth(req: &Request, consumer_secret: &str, token_secret: &str) -> bool {
    let Some(auth) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(params) = auth.strip_prefix("OAuth ") else {
        return false;
    };
    let mut signature = None;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in params.split(',') {
        let (k, v) = part.trim().split_once('=').unwrap();
        let v = percent_decode_str(v.trim_matches('"'))
            .decode_utf8()
            .unwrap()
            .to_string();
        if k == "oauth_signature" {
            signature = Some(v);
        } else {
            pairs.push((k.to_string(), v));
        }
    }
    if !pairs
        .iter()
        .any(|(k, v)| k == "oauth_signature_method" && v == "HMAC-SHA256")
    {
        return false;
    }
    for (k, v) in req.url.query_pairs() {
        pairs.push((k.into_owned(), v.into_owned()));
    }
    let mut encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", raw(k), raw(v)))
        .collect();
    encoded.sort();
    // Magento rebuilds the URL from the Host header, as a server must.
    let host = req
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let base_url = format!("http://{host}{}", req.url.path());
    let base = format!(
        "{}&{}&{}",
        req.method.as_str(),
        raw(&base_url),
        raw(&encoded.join("&"))
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(format!("{consumer_secret}&{token_secret}").as_bytes())
            .unwrap();
    mac.update(base.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    signature.as_deref() == Some(expected.as_str())
}

fn oauth_client(server: &MockServer) -> Client {
    Client::builder(
        server.uri(),
        Credentials::oauth("ck", "cs-secret", "at", "ats-secret"),
    )
    .store_code("default")
    .retry(RetryConfig::disabled())
    .build()
    .unwrap()
}

#[tokio::test]
async fn oauth_signature_is_accepted_by_an_independent_verifier() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/orders")))
        .and(|req: &Request| verify_oauth(req, "cs-secret", "ats-secret"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "total_count": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/orders/3/hold")))
        .and(|req: &Request| verify_oauth(req, "cs-secret", "ats-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(true))
        .expect(1)
        .mount(&server)
        .await;
    let c = oauth_client(&server);
    let criteria = SearchCriteria::new()
        .filter(Filter::eq("customer_email", "j doe+1@example.com"))
        .fields("items[entity_id,increment_id]");
    c.orders().search(&criteria).await.unwrap();
    assert!(c.orders().hold(3).await.unwrap());
}

#[tokio::test]
async fn a_wrong_secret_fails_the_independent_verifier() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(|req: &Request| verify_oauth(req, "cs-secret", "ats-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("oauth_problem=signature_invalid"))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder(
        server.uri(),
        Credentials::oauth("ck", "cs-secret", "at", "WRONG"),
    )
    .store_code("default")
    .build()
    .unwrap();
    let err = c.orders().search(&SearchCriteria::new()).await.unwrap_err();
    assert!(
        matches!(err, Error::OAuth { status: 401, ref problem } if problem.problem == "signature_invalid")
    );
}

fn admin_client(server: &MockServer) -> Client {
    Client::builder(
        server.uri(),
        Credentials::admin_user("admin", "admin-pass-1"),
    )
    .store_code("default")
    .retry(RetryConfig::disabled())
    .build()
    .unwrap()
}

async fn mount_token(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path(rest("/integration/admin/token")))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"username": "admin", "password": "admin-pass-1"}),
        ))
        .and(|req: &Request| !req.headers.contains_key("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token))
        .up_to_n_times(1)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn admin_token_is_fetched_once_and_reused() {
    let server = MockServer::start().await;
    mount_token(&server, "admintok1", 1).await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3")))
        .and(header("authorization", "Bearer admintok1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("tutorial-GET-orders-3.response.json"),
            "application/json",
        ))
        .expect(2)
        .mount(&server)
        .await;
    let c = admin_client(&server);
    c.orders().get(3).await.unwrap();
    c.clone().orders().get(3).await.unwrap();
    assert!(!format!("{c:?}").contains("admin-pass-1"));
}

#[tokio::test]
async fn admin_token_is_renewed_before_expiry() {
    let server = MockServer::start().await;
    mount_token(&server, "first", 1).await;
    mount_token(&server, "second", 1).await;
    for token in ["first", "second"] {
        Mock::given(method("GET"))
            .and(path(rest("/customers/2")))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = Client::builder(
        server.uri(),
        Credentials::admin_user("admin", "admin-pass-1"),
    )
    .store_code("default")
    .admin_token_lifetime(Duration::from_millis(300), Duration::from_millis(100))
    .build()
    .unwrap();
    c.customers().get(2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    c.customers().get(2).await.unwrap();
}

#[tokio::test]
async fn a_401_with_an_admin_token_renews_it_once() {
    let server = MockServer::start().await;
    mount_token(&server, "revoked", 1).await;
    mount_token(&server, "fresh", 1).await;
    Mock::given(method("POST"))
        .and(path(rest("/orders/3/cancel")))
        .and(header("authorization", "Bearer revoked"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Sales::cancel"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/orders/3/cancel")))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(true))
        .expect(1)
        .mount(&server)
        .await;
    assert!(admin_client(&server).orders().cancel(3).await.unwrap());
}

#[tokio::test]
async fn persistent_401_is_reported_after_one_renewal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/integration/admin/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json("tok"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "no"})))
        .expect(2)
        .mount(&server)
        .await;
    let err = admin_client(&server).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
}

#[tokio::test]
async fn wrong_admin_password_is_unauthorized_and_not_leaked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/integration/admin/token")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = admin_client(&server).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert!(!format!("{err} {err:?}").contains("admin-pass-1"));
}

#[tokio::test]
async fn malformed_admin_token_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/integration/admin/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "x"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = admin_client(&server).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn store_code_is_part_of_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entity_id": 3})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/fr_fr/V1/orders/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entity_id": 3})))
        .expect(1)
        .mount(&server)
        .await;
    let no_store = Client::builder(
        format!("{}/", server.uri()),
        Credentials::integration_bearer("t"),
    )
    .build()
    .unwrap();
    no_store.orders().get(3).await.unwrap();
    let fr = no_store.with_store_code("fr_fr").unwrap();
    assert_eq!(fr.store_code(), Some("fr_fr"));
    fr.orders().get(3).await.unwrap();
    assert!(matches!(
        no_store.with_store_code("../x"),
        Err(Error::Config(_))
    ));
}

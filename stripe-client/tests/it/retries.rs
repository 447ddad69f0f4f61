//! Retry behaviour per status, `Stripe-Should-Retry`, timeouts, idempotency-key reuse, and the
//! waits of the shared `payops_core::RetryConfig`.

use std::time::Duration;

use serde_json::{Value, json};
use stripe_client::{Client, CreateRefund, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Sequence, client_with, fast_retries, fixture, stripe_error};

fn failing(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

async fn server_with(templates: Vec<ResponseTemplate>, expected_calls: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(Sequence::new(templates))
        .expect(expected_calls)
        .mount(&server)
        .await;
    server
}

async fn refund(c: &Client) -> Result<stripe_client::Refund, Error> {
    c.refunds()
        .create(&CreateRefund {
            charge: Some("ch_1".into()),
            ..Default::default()
        })
        .await
}

async fn keys(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// One test per retryable status: the first answer fails, the retry succeeds.
macro_rules! retried {
    ($($name:ident: $status:expr, $body:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let server = server_with(
                vec![failing($status, $body), ResponseTemplate::new(200).set_body_json(fixture("refund"))],
                2,
            )
            .await;
            refund(&client_with(&server, fast_retries(2), Duration::from_secs(5))).await.unwrap();
        }
    )*};
}

retried! {
    conflict_409_is_retried: 409, stripe_error("idempotency_error", Some("idempotency_key_in_use"), "in use", None);
    internal_500_is_retried: 500, stripe_error("api_error", None, "boom", None);
    bad_gateway_502_is_retried: 502, json!({});
    unavailable_503_is_retried: 503, json!({});
    lock_timeout_429_is_retried: 429, stripe_error("invalid_request_error", Some("lock_timeout"), "locked", None);
}

/// One test per non-retryable status: exactly one request is made.
macro_rules! not_retried {
    ($($name:ident: $status:expr, $body:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let server = server_with(vec![failing($status, $body)], 1).await;
            let err = refund(&client_with(&server, fast_retries(2), Duration::from_secs(5)))
                .await
                .unwrap_err();
            assert_eq!(err.api_error().unwrap().status, $status);
        }
    )*};
}

not_retried! {
    bad_request_400_is_not_retried: 400, stripe_error("invalid_request_error", None, "bad", Some("amount"));
    unauthorized_401_is_not_retried: 401, stripe_error("invalid_request_error", None, "bad key", None);
    card_error_402_is_not_retried: 402, stripe_error("card_error", Some("card_declined"), "declined", None);
    not_found_404_is_not_retried: 404, stripe_error("invalid_request_error", Some("resource_missing"), "missing", None);
    rate_limited_429_is_not_retried: 429, stripe_error("invalid_request_error", Some("rate_limit"), "slow down", None);
}

#[tokio::test]
async fn should_retry_false_overrides_a_5xx() {
    let server = server_with(
        vec![failing(500, json!({})).insert_header("stripe-should-retry", "false")],
        1,
    )
    .await;
    let err = refund(&client_with(
        &server,
        fast_retries(2),
        Duration::from_secs(5),
    ))
    .await
    .unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 500), "{err:?}");
}

#[tokio::test]
async fn should_retry_true_overrides_a_4xx() {
    let server = server_with(
        vec![
            failing(400, json!({})).insert_header("stripe-should-retry", "true"),
            ResponseTemplate::new(200).set_body_json(fixture("refund")),
        ],
        2,
    )
    .await;
    refund(&client_with(
        &server,
        fast_retries(2),
        Duration::from_secs(5),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = server_with(vec![failing(503, json!({}))], 3).await;
    let err = refund(&client_with(
        &server,
        fast_retries(2),
        Duration::from_secs(5),
    ))
    .await
    .unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 503), "{err:?}");
}

#[tokio::test]
async fn the_generated_idempotency_key_is_reused_across_retries() {
    let server = server_with(
        vec![
            failing(500, json!({})),
            failing(409, json!({})),
            ResponseTemplate::new(200).set_body_json(fixture("refund")),
        ],
        3,
    )
    .await;
    refund(&client_with(
        &server,
        fast_retries(2),
        Duration::from_secs(5),
    ))
    .await
    .unwrap();
    let keys = keys(&server).await;
    assert_eq!(keys.len(), 3);
    assert!(uuid::Uuid::parse_str(&keys[0]).is_ok(), "{}", keys[0]);
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
}

#[tokio::test]
async fn a_caller_key_is_reused_across_retries_and_calls_get_fresh_keys_otherwise() {
    let server = server_with(
        vec![
            failing(502, json!({})),
            ResponseTemplate::new(200).set_body_json(fixture("refund")),
        ],
        4,
    )
    .await;
    let c = client_with(&server, fast_retries(2), Duration::from_secs(5));
    c.refunds()
        .idempotency_key("order-1001-refund")
        .create(&CreateRefund::default())
        .await
        .unwrap();
    refund(&c).await.unwrap();
    refund(&c).await.unwrap();
    let keys = keys(&server).await;
    assert_eq!(&keys[..2], ["order-1001-refund", "order-1001-refund"]);
    assert_ne!(
        keys[2], keys[3],
        "two separate calls must not share a generated key"
    );
}

#[tokio::test]
async fn a_timeout_is_retried_with_the_same_key() {
    let server = server_with(
        vec![
            ResponseTemplate::new(200)
                .set_body_json(fixture("refund"))
                .set_delay(Duration::from_millis(800)),
            ResponseTemplate::new(200).set_body_json(fixture("refund")),
        ],
        2,
    )
    .await;
    refund(&client_with(
        &server,
        fast_retries(1),
        Duration::from_millis(200),
    ))
    .await
    .unwrap();
    let keys = keys(&server).await;
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn safe_gets_are_retried_without_an_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/charges/ch_1"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(500),
            ResponseTemplate::new(200).set_body_json(fixture("charge")),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    client_with(&server, fast_retries(2), Duration::from_secs(5))
        .charges()
        .retrieve("ch_1")
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("idempotency-key").is_none())
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_transport() {
    // Bind then drop a listener: the port is then (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(secrecy::SecretString::from(crate::helpers::KEY))
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retries(1))
        .build()
        .unwrap();
    let err = c.charges().retrieve("ch_1").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn connect_account_headers_per_client_and_per_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/charges/ch_1"))
        .and(wiremock::matchers::header("stripe-account", "acct_request"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("charge")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/charges/ch_2"))
        .and(wiremock::matchers::header("stripe-account", "acct_client"))
        .and(wiremock::matchers::header("stripe-version", "2024-06-20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("charge")))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder(secrecy::SecretString::from(crate::helpers::KEY))
        .base_url(server.uri())
        .stripe_account("acct_client")
        .api_version("2024-06-20")
        .retry(stripe_client::RetryConfig::disabled())
        .build()
        .unwrap();
    c.charges()
        .stripe_account("acct_request")
        .retrieve("ch_1")
        .await
        .unwrap();
    c.charges().retrieve("ch_2").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let first = &requests[0];
    let accounts: Vec<_> = first.headers.get_all("stripe-account").iter().collect();
    assert_eq!(
        accounts.len(),
        1,
        "the per-request account replaces the client's"
    );
}

#[tokio::test]
async fn an_oversized_idempotency_key_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let err = crate::helpers::client(&server)
        .refunds()
        .idempotency_key("k".repeat(256))
        .create(&CreateRefund::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn retries_wait_the_shared_configurations_backoff() {
    // `stripe_client::RetryConfig` is the workspace's `payops_core::RetryConfig`: the same value
    // configures every client. Retry 1 waits `initial_backoff` times a jitter in [0.5, 1].
    let config = payops_core::RetryConfig::disabled()
        .with_max_retries(1)
        .with_backoff(Duration::from_millis(400), Duration::from_millis(400));
    let server = server_with(
        vec![
            failing(503, json!({})),
            ResponseTemplate::new(200).set_body_json(fixture("refund")),
        ],
        2,
    )
    .await;
    let started = std::time::Instant::now();
    refund(&client_with(&server, config, Duration::from_secs(5)))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(200), "{waited:?}");

    let server = server_with(vec![failing(503, json!({}))], 1).await;
    let started = std::time::Instant::now();
    let err = refund(&client_with(
        &server,
        stripe_client::RetryConfig::disabled(),
        Duration::from_secs(5),
    ))
    .await
    .unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 503), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn a_transport_error_never_shows_the_base_urls_user_info() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(secrecy::SecretString::from(crate::helpers::KEY))
        .base_url(format!("http://proxyuser:proxypass@127.0.0.1:{port}"))
        .retry(stripe_client::RetryConfig::disabled())
        .build()
        .unwrap();
    let err = c.charges().retrieve("ch_1").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // reqwest takes the user-info out of the URL (as Basic credentials) before it can reach an
    // error; the URL itself is still shown.
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(shown.contains("127.0.0.1"), "{shown}");
    assert!(!shown.contains("proxypass"), "{shown}");
}

//! Shared test helpers: the client, exact form/query matchers, fixtures, Stripe error bodies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use stripe_client::{Client, RetryConfig};
use wiremock::{Match, MockServer, Request, Respond, ResponseTemplate};

pub const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// A client pointed at the mock server, without retries, with a short timeout.
pub fn client(server: &MockServer) -> Client {
    client_with(server, RetryConfig::disabled(), Duration::from_secs(5))
}

/// A client with the given retry policy and timeout.
pub fn client_with(server: &MockServer, retry: RetryConfig, timeout: Duration) -> Client {
    Client::builder(SecretString::from(KEY))
        .base_url(server.uri())
        .retry(retry)
        .timeout(timeout)
        .build()
        .unwrap()
}

/// Fast retries for tests: the real policy's shape with millisecond waits.
pub fn fast_retries(n: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_retries(n)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    sorted(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// Matches a form body holding exactly these pairs (in any order), with the form content type.
pub struct Form(pub Vec<(String, String)>);

pub fn form(pairs: &[(&str, &str)]) -> Form {
    Form(owned(pairs))
}

impl Match for Form {
    fn matches(&self, request: &Request) -> bool {
        let content_type = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let got = sorted(
            url::form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        );
        content_type == "application/x-www-form-urlencoded" && got == self.0
    }
}

/// Matches a query string holding exactly these pairs (in any order).
pub struct Query(pub Vec<(String, String)>);

pub fn query(pairs: &[(&str, &str)]) -> Query {
    Query(owned(pairs))
}

impl Match for Query {
    fn matches(&self, request: &Request) -> bool {
        let got = sorted(
            request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        );
        got == self.0
    }
}

/// Matches the headers every request must carry.
pub struct StripeHeaders;

impl Match for StripeHeaders {
    fn matches(&self, request: &Request) -> bool {
        let h = |n: &str| request.headers.get(n).and_then(|v| v.to_str().ok());
        h("authorization") == Some(&format!("Bearer {KEY}"))
            && h("stripe-version") == Some(stripe_client::DEFAULT_API_VERSION)
    }
}

/// Matches a POST that carries an Idempotency-Key (any value).
pub struct HasIdempotencyKey;

impl Match for HasIdempotencyKey {
    fn matches(&self, request: &Request) -> bool {
        request
            .headers
            .get("idempotency-key")
            .is_some_and(|v| !v.is_empty())
    }
}

/// One official fixture (copied from Stripe's fixtures3.2023-08-16.json).
pub fn fixture(name: &str) -> Value {
    let all: Value =
        serde_json::from_str(include_str!("../fixtures/official_fixtures.json")).unwrap();
    all[name].clone()
}

/// A list page of objects.
pub fn list_of(url: &str, data: Vec<Value>, has_more: bool) -> Value {
    json!({"object": "list", "url": url, "has_more": has_more, "data": data})
}

/// Stripe's error body.
pub fn stripe_error(kind: &str, code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let mut e = json!({"type": kind, "message": message});
    if let Some(c) = code {
        e["code"] = json!(c);
    }
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    json!({ "error": e })
}

/// Answers with the given templates in order, then repeats the last one.
pub struct Sequence {
    templates: Vec<ResponseTemplate>,
    calls: Arc<AtomicUsize>,
}

impl Sequence {
    pub fn new(templates: Vec<ResponseTemplate>) -> Self {
        Sequence {
            templates,
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.templates[n.min(self.templates.len() - 1)].clone()
    }
}

/// Generates the failure cases of one operation family: each documented error shape, a 5xx,
/// a timeout and a malformed body. `$call` uses the client `$c` and returns a future of any
/// `Result<_, Error>`.
macro_rules! failure_cases {
    ($method:literal, $path:literal, |$c:ident| $call:expr) => {
        mod failures {
            use std::time::Duration;

            use serde_json::json;
            use stripe_client::{Client, Error, ErrorType, RetryConfig};
            use wiremock::matchers::{method, path};
            use wiremock::{Mock, MockServer, ResponseTemplate};

            use crate::helpers::{client, client_with, stripe_error};

            async fn call($c: &Client) -> Result<(), Error> {
                $call.await.map(|_| ())
            }

            async fn answer(status: u16, body: serde_json::Value) -> Error {
                let server = MockServer::start().await;
                Mock::given(method($method))
                    .and(path($path))
                    .respond_with(
                        ResponseTemplate::new(status)
                            .insert_header("request-id", "req_test123")
                            .set_body_json(body),
                    )
                    .expect(1)
                    .mount(&server)
                    .await;
                call(&client(&server)).await.unwrap_err()
            }

            #[tokio::test]
            async fn invalid_request_400_is_typed_with_param_and_request_id() {
                let body = stripe_error(
                    "invalid_request_error",
                    Some("parameter_invalid_integer"),
                    "Invalid integer: abc",
                    Some("amount"),
                );
                let err = answer(400, body).await;
                let Error::Api(api) = &err else { panic!("{err:?}") };
                assert_eq!(api.status, 400);
                assert_eq!(api.request_id.as_deref(), Some("req_test123"));
                assert_eq!(api.error.error_type, Some(ErrorType::InvalidRequestError));
                assert_eq!(api.error.code.as_deref(), Some("parameter_invalid_integer"));
                assert_eq!(api.error.param.as_deref(), Some("amount"));
                assert_eq!(api.error.message.as_deref(), Some("Invalid integer: abc"));
            }

            #[tokio::test]
            async fn missing_resource_404_is_an_api_error() {
                let body = stripe_error(
                    "invalid_request_error",
                    Some("resource_missing"),
                    "No such object",
                    Some("id"),
                );
                let err = answer(404, body).await;
                assert!(
                    matches!(&err, Error::Api(a) if a.status == 404
                        && a.error.code.as_deref() == Some("resource_missing")),
                    "{err:?}"
                );
            }

            #[tokio::test]
            async fn bad_key_401_is_an_auth_error_without_the_key() {
                let body = stripe_error("invalid_request_error", None, "Invalid API Key provided: sk_test_****", None);
                let err = answer(401, body).await;
                assert!(matches!(&err, Error::Auth(a) if a.status == 401), "{err:?}");
                assert!(!format!("{err} {err:?}").contains(crate::helpers::KEY));
            }

            #[tokio::test]
            async fn rate_limit_429_is_rate_limited() {
                let body = stripe_error("invalid_request_error", Some("rate_limit"), "Too many requests", None);
                let err = answer(429, body).await;
                assert!(matches!(&err, Error::RateLimited(a) if a.status == 429), "{err:?}");
            }

            #[tokio::test]
            async fn idempotency_error_is_typed() {
                let body = stripe_error("idempotency_error", None, "Keys for idempotent requests can only be used with the same parameters", None);
                let err = answer(400, body).await;
                assert!(
                    matches!(&err, Error::Api(a) if a.error.error_type == Some(ErrorType::IdempotencyError)),
                    "{err:?}"
                );
            }

            #[tokio::test]
            async fn server_error_500_is_an_api_error() {
                let err = answer(500, stripe_error("api_error", None, "Something went wrong", None)).await;
                assert!(
                    matches!(&err, Error::Api(a) if a.status == 500
                        && a.error.error_type == Some(ErrorType::ApiError)),
                    "{err:?}"
                );
            }

            #[tokio::test]
            async fn non_json_502_keeps_status_and_request_id() {
                let server = MockServer::start().await;
                Mock::given(method($method))
                    .and(path($path))
                    .respond_with(
                        ResponseTemplate::new(502)
                            .insert_header("request-id", "req_proxy")
                            .set_body_string("<html>Bad Gateway</html>"),
                    )
                    .expect(1)
                    .mount(&server)
                    .await;
                let err = call(&client(&server)).await.unwrap_err();
                assert!(
                    matches!(&err, Error::Api(a) if a.status == 502
                        && a.request_id.as_deref() == Some("req_proxy")
                        && a.error.error_type.is_none()),
                    "{err:?}"
                );
            }

            #[tokio::test]
            async fn slow_answer_is_a_timeout() {
                let server = MockServer::start().await;
                Mock::given(method($method))
                    .and(path($path))
                    .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
                    .expect(1)
                    .mount(&server)
                    .await;
                let c = client_with(&server, RetryConfig::disabled(), Duration::from_millis(100));
                let err = call(&c).await.unwrap_err();
                assert!(matches!(err, Error::Timeout), "{err:?}");
            }

            #[tokio::test]
            async fn malformed_body_is_a_decode_error_with_a_path() {
                let server = MockServer::start().await;
                Mock::given(method($method))
                    .and(path($path))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 42, "data": "x"})))
                    .expect(1)
                    .mount(&server)
                    .await;
                let err = call(&client(&server)).await.unwrap_err();
                assert!(matches!(&err, Error::Decode { path, .. } if !path.is_empty()), "{err:?}");
            }

            #[tokio::test]
            async fn truncated_json_is_a_decode_error() {
                let server = MockServer::start().await;
                Mock::given(method($method))
                    .and(path($path))
                    .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\": \"x\", "))
                    .expect(1)
                    .mount(&server)
                    .await;
                let err = call(&client(&server)).await.unwrap_err();
                assert!(matches!(err, Error::Decode { .. }), "{err:?}");
            }
        }
    };
}
pub(crate) use failure_cases;

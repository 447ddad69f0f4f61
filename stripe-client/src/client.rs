//! The HTTP client: configuration, authentication headers, idempotency keys and retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use payops_core::RetryConfig;
use payops_core::redact::{RedactedUrl, redact_url_text};
use payops_core::telemetry::{ProviderCall, Unanswered};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ApiError, ApiErrorBody, Error, ErrorEnvelope};
use crate::form;

/// The API version sent in `Stripe-Version` unless [`ClientBuilder::api_version`] changes it:
/// `2026-10-28.endive`, released 2026-10-28, the current version when this was written (the
/// `stripe` package 16.x on PyPI, `stripe/_api_version.py`). The models have its shape (see
/// [`crate::models`], "API versions").
pub const DEFAULT_API_VERSION: &str = "2026-10-28.endive";

/// Stripe's production API root.
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com/";

/// Stripe's documented limit on `Idempotency-Key` (docs.stripe.com/api/idempotent_requests).
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Per-request options: idempotency key, connected account and `expand`.
///
/// Usually set through the resource handlers (`client.payment_intents().idempotency_key(..)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// `Idempotency-Key` of a POST. When `None`, a random UUID v4 is generated per call (and
    /// reused by that call's retries).
    pub idempotency_key: Option<String>,
    /// `Stripe-Account` for this request, overriding the client's.
    pub stripe_account: Option<String>,
    /// Fields to expand (`latest_charge`, `data.customer` on lists).
    pub expand: Vec<String>,
}

/// Builder of a [`Client`].
pub struct ClientBuilder {
    secret_key: SecretString,
    base_url: String,
    api_version: String,
    stripe_account: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryConfig,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret_key", &"[REDACTED]")
            .field("base_url", &redact_url_text(&self.base_url))
            .field("api_version", &self.api_version)
            .field("stripe_account", &self.stripe_account)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ClientBuilder {
    /// Starts a builder with Stripe's defaults: production URL, [`DEFAULT_API_VERSION`],
    /// 80 s request timeout (stripe-node's default), 30 s connect timeout, standard retries.
    pub fn new(secret_key: SecretString) -> Self {
        ClientBuilder {
            secret_key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            stripe_account: None,
            timeout: Duration::from_secs(80),
            connect_timeout: Duration::from_secs(30),
            retry: RetryConfig::standard(),
        }
    }

    /// API root (tests point it at a mock server). The `/v1/...` paths are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// `Stripe-Version` to send instead of [`DEFAULT_API_VERSION`]. Responses then follow that
    /// version; this crate's types tolerate additions but not every breaking change.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// `Stripe-Account` (a Connect account id, `acct_...`) sent with every request.
    pub fn stripe_account(mut self, account: impl Into<String>) -> Self {
        self.stripe_account = Some(account.into());
        self
    }

    /// Total time allowed for one attempt (connect, send, read the body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy (the workspace's shared [`RetryConfig`]). Which failures are retried is
    /// Stripe's rule, after its official SDKs: network errors and timeouts, 409, 429
    /// `lock_timeout` and 5xx, unless a `Stripe-Should-Retry` header says otherwise. Every retry
    /// of a POST repeats its `Idempotency-Key`, so a retried request cannot act twice.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Validates the configuration and builds the client. Errors show the base URL without
    /// any `user:password@` part.
    pub fn build(self) -> Result<Client, Error> {
        let shown = || redact_url_text(&self.base_url);
        let mut base_url = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL {:?}: {e}", shown())))?;
        if base_url.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL {:?} cannot be a base",
                shown()
            )));
        }
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        let mut auth = HeaderValue::try_from(format!("Bearer {}", self.secret_key.expose_secret()))
            .map_err(|_| Error::Config("secret key is not a valid header value".to_owned()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        headers.insert(
            "Stripe-Version",
            HeaderValue::try_from(self.api_version.as_str())
                .map_err(|_| Error::Config("invalid Stripe-Version".to_owned()))?,
        );
        if let Some(account) = &self.stripe_account {
            headers.insert("Stripe-Account", account_header(account)?);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("stripe-client-rs/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_version: self.api_version,
                retry: self.retry,
            }),
        })
    }
}

fn account_header(account: &str) -> Result<HeaderValue, Error> {
    HeaderValue::try_from(account).map_err(|_| Error::Config("invalid Stripe-Account".to_owned()))
}

/// A Stripe API client. Cheap to clone (the connection pool is shared).
///
/// ```no_run
/// # async fn run() -> Result<(), stripe_client::Error> {
/// use secrecy::SecretString;
/// let client = stripe_client::Client::new(SecretString::from("sk_test_..."))?;
/// let balance_txn = client.balance_transactions().retrieve("txn_123").await?;
/// println!("net {} {}", balance_txn.net, balance_txn.currency);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// Carries the `Authorization`, `Stripe-Version` and default `Stripe-Account` headers.
    http: reqwest::Client,
    base_url: Url,
    api_version: String,
    retry: RetryConfig,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &RedactedUrl(&self.inner.base_url))
            .field("api_version", &self.inner.api_version)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the default configuration (see [`ClientBuilder::new`]).
    pub fn new(secret_key: SecretString) -> Result<Self, Error> {
        ClientBuilder::new(secret_key).build()
    }

    /// A builder, to change the base URL, API version, account, timeouts or retries.
    pub fn builder(secret_key: SecretString) -> ClientBuilder {
        ClientBuilder::new(secret_key)
    }

    /// The `Stripe-Version` this client sends.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// Sends one logical request, retrying per the client's [`RetryConfig`], and decodes a 2xx
    /// body.
    ///
    /// `segments` are the path segments after the base URL; each is percent-encoded, so an id
    /// cannot change the path. GET and DELETE send `params` in the query string, POST as a form
    /// body, as the official SDKs do (stripe-python `_api_requestor.py`); only POSTs get an
    /// `Idempotency-Key` (GET and DELETE are idempotent by nature).
    pub(crate) async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        mut params: Vec<(String, String)>,
        opts: &RequestOptions,
    ) -> Result<T, Error> {
        // The url crate drops `.` and `..` segments, so such an id would silently address
        // another endpoint (`retrieve("..")` would become a list call).
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(Error::Config(format!(
                "invalid path segment (an empty id?) in {segments:?}"
            )));
        }
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config("base URL cannot be a base".to_owned()))?
            .pop_if_empty()
            .extend(segments);
        params.extend(
            opts.expand
                .iter()
                .map(|e| ("expand[]".to_owned(), e.clone())),
        );
        let encoded = form::encode(&params);
        let is_post = method == Method::POST;
        if !is_post && !encoded.is_empty() {
            url.set_query(Some(&encoded));
        }
        let mut headers = HeaderMap::new();
        if let Some(account) = &opts.stripe_account {
            headers.insert("Stripe-Account", account_header(account)?);
        }
        if is_post {
            let key = opts
                .idempotency_key
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
                return Err(Error::Config(format!(
                    "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"
                )));
            }
            headers.insert(
                "Idempotency-Key",
                HeaderValue::try_from(key)
                    .map_err(|_| Error::Config("invalid Idempotency-Key".to_owned()))?,
            );
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }

        let retry = self.inner.retry;
        let mut attempt: u32 = 0;
        loop {
            let mut req = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if is_post {
                req = req.body(encoded.clone());
            }
            // Measured by resource (`v1/refunds`), never by id.
            let call = ProviderCall::start("stripe");
            let operation = format!(
                "{method} {}",
                segments
                    .iter()
                    .take(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("/")
            );
            let outcome = call
                .in_span(&operation, async {
                    match req.send().await {
                        Ok(resp) => read(resp).await,
                        Err(e) => Err(e),
                    }
                })
                .await;
            match &outcome {
                Ok(raw) => call.answered(raw.status.as_u16()),
                Err(e) if e.is_timeout() => call.unanswered(Unanswered::Timeout),
                Err(_) => call.unanswered(Unanswered::Transport),
            }
            let can_retry = retry.allows(attempt + 1);
            match outcome {
                Err(e) => {
                    // A builder error (bad URL, bad header) fails the same way every time.
                    if can_retry && !e.is_builder() {
                        attempt += 1;
                        // Stripe sends no wait of its own (the official SDKs read none).
                        tokio::time::sleep(retry.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(if e.is_timeout() {
                        Error::Timeout
                    } else {
                        Error::Transport(e)
                    });
                }
                Ok(raw) if raw.status.is_success() => {
                    let de = &mut serde_json::Deserializer::from_slice(&raw.body);
                    return serde_path_to_error::deserialize(de).map_err(Error::decode);
                }
                Ok(raw) => {
                    let err = raw.into_api_error();
                    if can_retry && should_retry(&err.0, err.1) {
                        attempt += 1;
                        tokio::time::sleep(retry.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(classify(err.0));
                }
            }
        }
    }
}

/// A response read to the end.
struct RawResponse {
    status: StatusCode,
    should_retry: Option<bool>,
    request_id: Option<String>,
    body: Vec<u8>,
}

async fn read(resp: reqwest::Response) -> Result<RawResponse, reqwest::Error> {
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let should_retry = header("stripe-should-retry").map(|v| v == "true");
    let request_id = header("request-id");
    let body = resp.bytes().await?.to_vec();
    Ok(RawResponse {
        status,
        should_retry,
        request_id,
        body,
    })
}

impl RawResponse {
    fn into_api_error(self) -> (ApiError, Option<bool>) {
        // A body that is not Stripe's error JSON (a proxy's HTML page) still yields the status
        // and request id, with an empty error object.
        let error = serde_json::from_slice::<ErrorEnvelope>(&self.body)
            .map(|e| e.error)
            .unwrap_or_else(|_| ApiErrorBody::default());
        (
            ApiError {
                status: self.status.as_u16(),
                request_id: self.request_id,
                error,
            },
            self.should_retry,
        )
    }
}

/// The official SDKs' rule: the `Stripe-Should-Retry` header wins; otherwise 409 (a concurrent
/// request with the same idempotency key), 429 `lock_timeout` and every 5xx are retried.
/// Rate-limiter 429s are not: retrying immediately only adds load.
fn should_retry(err: &ApiError, header: Option<bool>) -> bool {
    if let Some(decision) = header {
        return decision;
    }
    match err.status {
        409 => true,
        429 => err.error.code.as_deref() == Some("lock_timeout"),
        s => s >= 500,
    }
}

/// Maps a final error answer to the error enum. A 429 `lock_timeout` is contention on one
/// object, not rate limiting, so it stays an [`Error::Api`]; a 400 `rate_limit` is how Stripe
/// reported rate limits before 429 (stripe-python still maps it to its RateLimitError).
fn classify(err: ApiError) -> Error {
    let code = err.error.code.as_deref();
    match err.status {
        401 | 403 => Error::Auth(Box::new(err)),
        429 if code != Some("lock_timeout") => Error::RateLimited(Box::new(err)),
        400 if code == Some("rate_limit") => Error::RateLimited(Box::new(err)),
        _ => Error::Api(Box::new(err)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn api(status: u16, code: Option<&str>) -> ApiError {
        ApiError {
            status,
            request_id: None,
            error: ApiErrorBody {
                code: code.map(str::to_owned),
                ..ApiErrorBody::default()
            },
        }
    }

    #[test]
    fn retry_decision_follows_the_official_sdks() {
        assert!(should_retry(&api(409, None), None));
        assert!(should_retry(&api(500, None), None));
        assert!(should_retry(&api(503, None), None));
        assert!(should_retry(&api(429, Some("lock_timeout")), None));
        assert!(!should_retry(&api(429, Some("rate_limit")), None));
        assert!(!should_retry(&api(400, None), None));
        assert!(!should_retry(&api(402, Some("card_declined")), None));
        assert!(!should_retry(&api(404, None), None));
        assert!(!should_retry(&api(500, None), Some(false)));
        assert!(should_retry(&api(400, None), Some(true)));
    }

    #[test]
    fn final_errors_are_classified_by_status_and_code() {
        assert!(matches!(classify(api(401, None)), Error::Auth(_)));
        assert!(matches!(classify(api(403, None)), Error::Auth(_)));
        assert!(matches!(
            classify(api(429, Some("rate_limit"))),
            Error::RateLimited(_)
        ));
        assert!(matches!(
            classify(api(400, Some("rate_limit"))),
            Error::RateLimited(_)
        ));
        assert!(matches!(
            classify(api(429, Some("lock_timeout"))),
            Error::Api(_)
        ));
        assert!(matches!(
            classify(api(402, Some("card_declined"))),
            Error::Api(_)
        ));
        assert!(matches!(classify(api(500, None)), Error::Api(_)));
    }

    #[test]
    fn debug_output_never_contains_the_key() {
        let builder = ClientBuilder::new(SecretString::from("sk_test_supersecret"));
        assert!(!format!("{builder:?}").contains("supersecret"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("supersecret"));
    }

    #[test]
    fn debug_output_never_shows_the_user_info_of_a_base_url() {
        let builder = ClientBuilder::new(SecretString::from("sk_test_x"))
            .base_url("https://proxyuser:proxypass@stripe-proxy.example/");
        let shown = format!("{builder:?}");
        assert!(shown.contains("https://stripe-proxy.example/"), "{shown}");
        assert!(
            !shown.contains("proxypass") && !shown.contains("proxyuser"),
            "{shown}"
        );
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("https://stripe-proxy.example/"), "{shown}");
        assert!(
            !shown.contains("proxypass") && !shown.contains("proxyuser"),
            "{shown}"
        );
    }

    #[test]
    fn configuration_errors_never_show_the_user_info_of_a_base_url() {
        let key = || SecretString::from("sk_test_x");
        for bad in [
            // Does not parse (port out of range).
            "https://proxyuser:proxypass@stripe-proxy.example:99999/",
            // Parses but cannot be a base.
            "mailto:proxyuser:proxypass@stripe-proxy.example",
        ] {
            let builder = ClientBuilder::new(key()).base_url(bad);
            assert!(!format!("{builder:?}").contains("proxypass"), "{bad}");
            let err = builder.build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("stripe-proxy.example"), "{shown}");
            assert!(
                !shown.contains("proxypass") && !shown.contains("proxyuser"),
                "{shown}"
            );
        }
    }

    #[test]
    fn invalid_configuration_is_a_config_error() {
        let key = || SecretString::from("sk_test_x");
        assert!(matches!(
            ClientBuilder::new(key()).base_url("not a url").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            ClientBuilder::new(key()).stripe_account("acct\n1").build(),
            Err(Error::Config(_))
        ));
        let err = ClientBuilder::new(SecretString::from("sk_test_\nsecret"))
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("sk_test"));
    }
}

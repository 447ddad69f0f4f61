//! The Admin API client: configuration, credentials, the GraphQL transport,
//! retries and throttling.

use crate::Error;
use crate::error::ApiErrorBody;
use crate::graphql::{Envelope, GraphqlResponse, Operation, RequestBody, RetrySafety};
use crate::oauth::OAuthApp;
use crate::throttle::{Throttle, wait_for};
use payops_core::RedactedUrl;
use payops_core::RetryConfig;
use payops_core::redact::redact_url_text;
use payops_core::telemetry::{ProviderCall, Unanswered};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tracing::Instrument;
use url::Url;

/// The Admin API version this crate is written and tested against.
///
/// Shopify releases a stable version each quarter (January, April, July,
/// October) and supports each for at least 12 months
/// (<https://shopify.dev/docs/api/usage/versioning>). `2026-10` is the newest
/// stable version: the docs' `latest` pages (for example
/// <https://shopify.dev/docs/api/admin-graphql/latest/input-objects/OrderRiskAssessmentCreateInput>)
/// report `api_version: 2026-10`.
pub const API_VERSION: &str = "2026-10";

/// Header carrying the access token on every Admin API request.
pub const ACCESS_TOKEN_HEADER: &str = "X-Shopify-Access-Token";

/// Tokens closer than this to expiry are refreshed before use.
const EXPIRY_MARGIN_SECS: i64 = 60;

/// Upper bound for a single wait requested by `Retry-After`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A validated `{name}.myshopify.com` shop domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShopDomain {
    domain: String,
    url: Url,
}

impl ShopDomain {
    /// Parses a shop domain; accepts only `{name}.myshopify.com` so that a
    /// token is never sent to a host chosen by a request parameter.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim().to_ascii_lowercase();
        // The text may be a URL with a password in it: errors show it without.
        let shown = || redact_url_text(&s);
        let name = s
            .strip_suffix(".myshopify.com")
            .ok_or_else(|| Error::Config(format!("not a myshopify.com domain: {:?}", shown())))?;
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-');
        if !valid {
            return Err(Error::Config(format!("invalid shop name: {:?}", shown())));
        }
        let url = Url::parse(&format!("https://{s}/"))
            .map_err(|e| Error::Config(format!("invalid shop domain {:?}: {e}", shown())))?;
        Ok(Self { domain: s, url })
    }

    /// The domain, e.g. `example.myshopify.com`.
    pub fn as_str(&self) -> &str {
        &self.domain
    }

    /// `https://{domain}/`.
    pub fn url(&self) -> Url {
        self.url.clone()
    }
}

impl fmt::Display for ShopDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.domain)
    }
}

/// An access token with its expiry and, for expiring offline tokens, the
/// refresh token. `Debug` output redacts the tokens.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenSet {
    /// The `X-Shopify-Access-Token` value.
    pub access_token: SecretString,
    /// Granted scopes, comma-separated.
    pub scope: Option<String>,
    /// When the access token expires (`None`: it does not).
    pub expires_at: Option<OffsetDateTime>,
    /// Refresh token of an expiring offline token.
    pub refresh_token: Option<SecretString>,
    /// When the refresh token expires.
    pub refresh_token_expires_at: Option<OffsetDateTime>,
}

impl TokenSet {
    /// A token set from stored values.
    pub fn new(
        access_token: SecretString,
        expires_at: Option<OffsetDateTime>,
        refresh_token: Option<SecretString>,
    ) -> Self {
        Self {
            access_token,
            scope: None,
            expires_at,
            refresh_token,
            refresh_token_expires_at: None,
        }
    }

    fn is_fresh(&self, now: OffsetDateTime) -> bool {
        self.expires_at
            .is_none_or(|exp| exp.unix_timestamp() - now.unix_timestamp() > EXPIRY_MARGIN_SECS)
    }
}

/// How the client authenticates.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A long-lived token (custom apps, or a token you manage yourself).
    AccessToken(SecretString),
    /// Fetch and renew tokens with the client-credentials grant.
    ClientCredentials(OAuthApp),
    /// An expiring offline token, renewed with its refresh token.
    ExpiringOffline {
        /// The app whose client secret signs the refresh request.
        app: OAuthApp,
        /// The current tokens.
        tokens: TokenSet,
    },
}

type RefreshHook = Arc<dyn Fn(&TokenSet) + Send + Sync>;

/// Builder for [`Client`].
#[must_use]
pub struct ClientBuilder {
    shop_url: Option<Url>,
    api_version: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryConfig,
    on_token_refresh: Option<RefreshHook>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("shop_url", &self.shop_url.as_ref().map(RedactedUrl))
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The shop, as `{name}.myshopify.com`.
    pub fn shop(mut self, shop: &ShopDomain) -> Self {
        self.shop_url = Some(shop.url());
        self
    }

    /// Overrides the base URL (a local fake or a mock server in tests).
    pub fn base_url(mut self, url: Url) -> Self {
        self.shop_url = Some(url);
        self
    }

    /// Overrides the pinned API version ([`API_VERSION`]), e.g. `2026-07`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Authenticates with a fixed access token.
    pub fn access_token(mut self, token: SecretString) -> Self {
        self.credentials = Some(Credentials::AccessToken(token));
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Total timeout per HTTP request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy (default [`RetryConfig::standard`]: 2 retries, 0.5 s first backoff, 5 s cap).
    ///
    /// `429`, `THROTTLED`, and connection failures before the request was sent are retried for
    /// every operation: Shopify did not run it. Timeouts, other transport errors and 5xx are
    /// retried only for operations marked [`RetrySafety::Idempotent`]. A `Retry-After` header,
    /// or for `THROTTLED` the time the bucket needs to refill for the query's cost, is the
    /// server's wait ([`RetryConfig::delay`]), capped at `max_backoff`; raise the cap for
    /// expensive queries on a slowly refilling bucket.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Called with the new tokens whenever the client obtains or refreshes a
    /// token, so you can persist them (refresh tokens rotate).
    pub fn on_token_refresh(mut self, hook: impl Fn(&TokenSet) + Send + Sync + 'static) -> Self {
        self.on_token_refresh = Some(Arc::new(hook));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let shop_url = self
            .shop_url
            .ok_or_else(|| Error::Config("shop or base_url is required".into()))?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::Config("credentials are required".into()))?;
        let valid_version = self.api_version == "unstable"
            || (self.api_version.len() == 7
                && self.api_version.as_bytes()[4] == b'-'
                && self
                    .api_version
                    .chars()
                    .enumerate()
                    .all(|(i, c)| i == 4 || c.is_ascii_digit()));
        if !valid_version {
            return Err(Error::Config(format!(
                "invalid API version {:?} (expected YYYY-MM)",
                self.api_version
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("payops-shopify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("http client: {e}")))?;
        let graphql_url = shop_url
            .join(&format!("/admin/api/{}/graphql.json", self.api_version))
            .map_err(|e| Error::Config(format!("base url: {e}")))?;
        let (credentials, cache) = match credentials {
            Credentials::ClientCredentials(app) => (
                Credentials::ClientCredentials(app.with_http_client(http.clone())),
                None,
            ),
            Credentials::ExpiringOffline { app, tokens } => (
                Credentials::ExpiringOffline {
                    app: app.with_http_client(http.clone()),
                    tokens: tokens.clone(),
                },
                Some(tokens),
            ),
            other => (other, None),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                shop_url,
                graphql_url,
                api_version: self.api_version,
                credentials,
                cache: tokio::sync::Mutex::new(cache),
                on_token_refresh: self.on_token_refresh,
                retry: self.retry,
                throttle: Throttle::default(),
            }),
        })
    }
}

/// The Shopify Admin GraphQL client. Cheap to clone; clones share the token
/// cache and the throttle state.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    shop_url: Url,
    graphql_url: Url,
    api_version: String,
    credentials: Credentials,
    cache: tokio::sync::Mutex<Option<TokenSet>>,
    on_token_refresh: Option<RefreshHook>,
    retry: RetryConfig,
    throttle: Throttle,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("shop_url", &RedactedUrl(&self.inner.shop_url))
            .field("api_version", &self.inner.api_version)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

enum Next {
    Retry(Duration),
    Fail(Error),
}

impl Client {
    /// Starts a builder with the pinned [`API_VERSION`].
    ///
    /// ```no_run
    /// # fn run() -> Result<(), shopify::Error> {
    /// use secrecy::SecretString;
    /// let client = shopify::Client::builder()
    ///     .shop(&shopify::ShopDomain::parse("example.myshopify.com")?)
    ///     .access_token(SecretString::from("shpat_..."))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            shop_url: None,
            api_version: API_VERSION.to_owned(),
            credentials: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryConfig::standard(),
            on_token_refresh: None,
        }
    }

    /// The API version requests are sent to.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The GraphQL endpoint, `{shop}/admin/api/{version}/graphql.json`.
    pub fn graphql_url(&self) -> &Url {
        &self.inner.graphql_url
    }

    /// Runs a GraphQL operation with typed variables and a typed `data`.
    ///
    /// Handles authentication, the client-side throttle, `THROTTLED`, `429`
    /// and (for idempotent operations) 5xx and timeouts. Top-level GraphQL
    /// `errors` become [`Error::Graphql`]; `userErrors` are left to the caller
    /// because they live inside `data`.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::{Operation, RetrySafety};
    /// #[derive(serde::Deserialize)]
    /// struct Data { shop: Shop }
    /// #[derive(serde::Deserialize)]
    /// struct Shop { name: String }
    /// let op = Operation {
    ///     name: "shopName",
    ///     document: "query shopName { shop { name } }",
    ///     estimated_cost: 1,
    ///     retry: RetrySafety::Idempotent,
    /// };
    /// let resp = client.execute::<_, Data>(&op, &serde_json::json!({})).await?;
    /// println!("{} (cost {:?})", resp.data.shop.name, resp.cost);
    /// # Ok(()) }
    /// ```
    pub async fn execute<V, D>(
        &self,
        op: &Operation<'_>,
        variables: &V,
    ) -> Result<GraphqlResponse<D>, Error>
    where
        V: Serialize + ?Sized,
        D: DeserializeOwned,
    {
        let body = serde_json::to_vec(&RequestBody {
            query: op.document,
            operation_name: op.name,
            variables,
        })
        .map_err(|e| Error::Config(format!("variables do not serialize: {e}")))?;
        let retry = self.inner.retry;
        let mut refreshed_after_401 = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Retry number `attempt` would follow this attempt.
            let last = !retry.allows(attempt);
            let pre_wait = self
                .inner
                .throttle
                .delay_for(Decimal::from(op.estimated_cost))
                .min(retry.max_backoff);
            if !pre_wait.is_zero() {
                tracing::debug!(operation = op.name, wait_ms = ?pre_wait.as_millis(), "throttle: waiting before send");
                tokio::time::sleep(pre_wait).await;
            }
            let token = self.access_token().await?;
            let call = ProviderCall::start("shopify");
            let span = call.span(op.name);
            let outcome = self
                .inner
                .http
                .post(self.inner.graphql_url.clone())
                .header(ACCESS_TOKEN_HEADER, token.expose_secret())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone())
                .send()
                .instrument(span.clone())
                .await;
            let next = match outcome {
                Err(e) => {
                    call.unanswered(unanswered(&e));
                    self.transport_failure(op, e, attempt, last)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = parse_retry_after(resp.headers());
                    let body = read_body(resp).instrument(span).await;
                    match &body {
                        Ok(_) => call.answered(status),
                        Err(Error::Timeout) => call.unanswered(Unanswered::Timeout),
                        Err(_) => call.unanswered(Unanswered::Transport),
                    }
                    match body {
                        Err(e) => match e {
                            Error::Timeout | Error::Transport(_)
                                if op.retry == RetrySafety::Idempotent && !last =>
                            {
                                Next::Retry(retry.delay(attempt, None))
                            }
                            e => Next::Fail(e),
                        },
                        Ok(bytes) => {
                            if status == 401 && !refreshed_after_401 && self.can_renew() {
                                // The token may have been revoked or rotated early:
                                // renew once and try again.
                                refreshed_after_401 = true;
                                self.invalidate_token().await;
                                attempt -= 1;
                                continue;
                            }
                            match self.classify::<D>(op, status, retry_after, &bytes, attempt, last)
                            {
                                Ok(done) => return Ok(done),
                                Err(next) => next,
                            }
                        }
                    }
                }
            };
            match next {
                Next::Fail(e) => return Err(e),
                Next::Retry(wait) => {
                    tracing::debug!(operation = op.name, attempt, wait_ms = ?wait.as_millis(), "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn transport_failure(
        &self,
        op: &Operation<'_>,
        e: reqwest::Error,
        attempt: u32,
        last: bool,
    ) -> Next {
        // A failed connect never reached Shopify, so any operation may be resent.
        let safe = op.retry == RetrySafety::Idempotent || e.is_connect();
        if safe && !last {
            Next::Retry(self.inner.retry.delay(attempt, None))
        } else {
            Next::Fail(Error::from_reqwest(e))
        }
    }

    fn classify<D: DeserializeOwned>(
        &self,
        op: &Operation<'_>,
        status: u16,
        retry_after: Option<Duration>,
        bytes: &[u8],
        attempt: u32,
        last: bool,
    ) -> Result<GraphqlResponse<D>, Next> {
        let retry = self.inner.retry;
        match status {
            429 => {
                return Err(if last {
                    Next::Fail(Error::RateLimited {
                        retry_after,
                        attempts: attempt,
                    })
                } else {
                    Next::Retry(retry.delay(attempt, retry_after))
                });
            }
            401 | 403 => {
                return Err(Next::Fail(Error::Auth {
                    status: Some(status),
                    body: ApiErrorBody::parse(bytes),
                }));
            }
            s if s >= 500 => {
                return Err(if op.retry == RetrySafety::Idempotent && !last {
                    Next::Retry(retry.delay(attempt, None))
                } else {
                    Next::Fail(Error::Api {
                        status,
                        body: ApiErrorBody::parse(bytes),
                    })
                });
            }
            s if !(200..300).contains(&s) => {
                return Err(Next::Fail(Error::Api {
                    status,
                    body: ApiErrorBody::parse(bytes),
                }));
            }
            _ => {}
        }
        let envelope: Envelope = decode_tracked(bytes).map_err(|e| Next::Fail(Error::decode(e)))?;
        let cost = envelope.extensions.and_then(|x| x.cost);
        if let Some(ts) = cost.as_ref().and_then(|c| c.throttle_status.as_ref()) {
            self.inner.throttle.observe(ts);
        }
        if envelope
            .errors
            .iter()
            .any(|e| e.code() == Some("THROTTLED"))
        {
            // The time the bucket needs to refill for this query is the server's wait.
            let refill = cost
                .as_ref()
                .and_then(|c| {
                    let ts = c.throttle_status.as_ref()?;
                    Some(wait_for(
                        c.requested_query_cost,
                        ts.currently_available,
                        ts.restore_rate,
                    ))
                })
                .filter(|w| !w.is_zero());
            let wait = retry.delay(attempt, refill);
            return Err(if last {
                Next::Fail(Error::RateLimited {
                    retry_after: Some(wait),
                    attempts: attempt,
                })
            } else {
                Next::Retry(wait)
            });
        }
        if !envelope.errors.is_empty() {
            return Err(Next::Fail(Error::Graphql {
                errors: envelope.errors,
            }));
        }
        let data = envelope
            .data
            .filter(|d| d.get() != "null")
            .ok_or_else(|| Next::Fail(missing_data()))?;
        let data: D = decode_tracked(data.get().as_bytes()).map_err(|e| {
            Next::Fail(Error::Decode {
                path: format!("data.{}", e.path()),
                source: e.into_inner(),
            })
        })?;
        Ok(GraphqlResponse { data, cost })
    }

    /// Marks the cached token as expired, keeping its refresh token.
    async fn invalidate_token(&self) {
        if let Some(t) = self.inner.cache.lock().await.as_mut() {
            t.expires_at = Some(OffsetDateTime::UNIX_EPOCH);
        }
    }

    fn can_renew(&self) -> bool {
        !matches!(self.inner.credentials, Credentials::AccessToken(_))
    }

    /// The token to send, obtaining or refreshing it first when needed.
    async fn access_token(&self) -> Result<SecretString, Error> {
        let (app, refresh) = match &self.inner.credentials {
            Credentials::AccessToken(t) => return Ok(t.clone()),
            Credentials::ClientCredentials(app) => (app, false),
            Credentials::ExpiringOffline { app, .. } => (app, true),
        };
        let mut cache = self.inner.cache.lock().await;
        if let Some(t) = cache
            .as_ref()
            .filter(|t| t.is_fresh(OffsetDateTime::now_utc()))
        {
            return Ok(t.access_token.clone());
        }
        let fresh = if refresh {
            let rt = cache
                .as_ref()
                .and_then(|t| t.refresh_token.clone())
                .ok_or_else(|| Error::Auth {
                    status: None,
                    body: ApiErrorBody {
                        error: Some(
                            "access token expired and no refresh token is available".into(),
                        ),
                        ..Default::default()
                    },
                })?;
            app.refresh(&self.inner.shop_url, &rt).await?
        } else {
            app.client_credentials(&self.inner.shop_url).await?
        };
        if let Some(hook) = &self.inner.on_token_refresh {
            hook(&fresh);
        }
        let token = fresh.access_token.clone();
        *cache = Some(fresh);
        Ok(token)
    }
}

fn missing_data() -> Error {
    Error::Decode {
        path: "data".into(),
        source: <serde_json::Error as serde::de::Error>::custom("response has no data"),
    }
}

/// `Retry-After` in (possibly fractional) seconds, e.g. `2.0`.
fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: Decimal = text.trim().parse().ok()?;
    if secs.is_sign_negative() {
        return None;
    }
    let ms = (secs * Decimal::ONE_THOUSAND).ceil().to_u64()?;
    Some(Duration::from_millis(ms).min(MAX_RETRY_AFTER))
}

pub(crate) async fn read_body(resp: reqwest::Response) -> Result<Vec<u8>, Error> {
    resp.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(Error::from_reqwest)
}

/// Why a request got no answer, for its measure.
fn unanswered(e: &reqwest::Error) -> Unanswered {
    if e.is_timeout() {
        Unanswered::Timeout
    } else {
        Unanswered::Transport
    }
}

/// Decodes JSON, with the path of the failure when it fails. Tracking the path costs on every
/// field, so only a failed decode is repeated with it.
fn decode_tracked<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_json::from_slice(bytes).or_else(|_| {
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(bytes))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shop_domain_validation() {
        assert_eq!(
            ShopDomain::parse("Example-1.myshopify.com")
                .unwrap()
                .as_str(),
            "example-1.myshopify.com"
        );
        assert!(ShopDomain::parse("evil.com").is_err());
        assert!(ShopDomain::parse("a/b.myshopify.com").is_err());
        assert!(ShopDomain::parse(".myshopify.com").is_err());
    }

    #[test]
    fn retry_after_parses_fractional_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2.0".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", "0.25".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(250)));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn api_version_is_validated() {
        let b = || {
            Client::builder()
                .base_url(Url::parse("http://localhost").unwrap())
                .access_token(SecretString::from("t"))
        };
        assert!(b().api_version("2026-1O").build().is_err());
        assert!(b().api_version("unstable").build().is_ok());
        assert_eq!(b().build().unwrap().api_version(), API_VERSION);
    }

    #[test]
    fn urls_never_show_their_user_info() {
        let url = Url::parse("https://admin:hunter2@fake.example/").unwrap();
        let builder = Client::builder()
            .base_url(url)
            .access_token(SecretString::from("t"));
        let shown = format!("{builder:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        assert!(shown.contains("https://fake.example/"), "{shown}");
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        assert!(shown.contains("https://fake.example/"), "{shown}");

        for text in [
            "https://admin:hunter2@shop.myshopify.com",
            "admin:hunter2@evil.example",
        ] {
            let err = ShopDomain::parse(text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::Config(_)), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let c = Client::builder()
            .base_url(Url::parse("http://localhost").unwrap())
            .credentials(Credentials::ExpiringOffline {
                app: OAuthApp::new("id", SecretString::from("client-secret-value")),
                tokens: TokenSet::new(
                    SecretString::from("shpat_secret_token"),
                    None,
                    Some(SecretString::from("refresh-secret")),
                ),
            })
            .build()
            .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("client-secret-value"), "{dbg}");
        assert!(!dbg.contains("shpat_secret_token"), "{dbg}");
        assert!(!dbg.contains("refresh-secret"), "{dbg}");
    }
}

//! The HTTP client: configuration, authentication, URL building, retries and decoding.

use payops_core::telemetry::{ProviderCall, Unanswered};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use payops_core::RedactedUrl;
use payops_core::redact::redact_url_text;

use crate::RetryConfig;
use crate::error::{Error, Result};
use crate::oauth::{self, Nonce, OAuthCredentials};

/// Default lifetime of an admin token (Stores > Configuration > Services > OAuth > Access Token
/// Expiration > Admin Token Lifetime).
pub const DEFAULT_ADMIN_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 3600);

/// How a request proves who it is.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// OAuth 1.0a with the integration's four credentials: the recommended way since 2.4.4.
    OAuth(OAuthCredentials),
    /// The integration access token sent as `Authorization: Bearer`. Magento disables this by
    /// default since 2.4.4; it works only with `oauth/consumer/enable_integration_as_bearer = 1`.
    IntegrationBearer(SecretString),
    /// An admin user: the client gets a token from `POST /V1/integration/admin/token`, sends it as
    /// a bearer token and renews it before it expires. Fails when two-factor auth is enabled for
    /// the admin (Magento then requires a `tfa/provider/.../authenticate` call).
    AdminUser {
        /// The admin user name.
        username: String,
        /// The admin password.
        password: SecretString,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OAuth(_) => f.write_str("Credentials::OAuth([REDACTED])"),
            Self::IntegrationBearer(_) => f.write_str("Credentials::IntegrationBearer([REDACTED])"),
            Self::AdminUser { username, .. } => f
                .debug_struct("Credentials::AdminUser")
                .field("username", username)
                .field("password", &"[REDACTED]")
                .finish(),
        }
    }
}

impl Credentials {
    /// OAuth 1.0a credentials of an integration.
    pub fn oauth(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        Self::OAuth(OAuthCredentials::new(
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        ))
    }

    /// The integration access token used alone as a bearer token.
    pub fn integration_bearer(token: impl Into<String>) -> Self {
        Self::IntegrationBearer(SecretString::from(token.into()))
    }

    /// An admin user name and password, exchanged for 4-hour tokens.
    pub fn admin_user(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self::AdminUser {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }
}

/// Builder of a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    store_code: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryConfig,
    admin_token_lifetime: Duration,
    admin_token_renew_before: Duration,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A base URL may carry `user:password@` (HTTP basic auth in front of a staging store).
        f.debug_struct("ClientBuilder")
            .field("base_url", &redact_url_text(&self.base_url))
            .field("credentials", &self.credentials)
            .field("store_code", &self.store_code)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("admin_token_lifetime", &self.admin_token_lifetime)
            .field("admin_token_renew_before", &self.admin_token_renew_before)
            .field("http", &self.http)
            .finish()
    }
}

impl ClientBuilder {
    /// The store code put in the URL (`/rest/<store_code>/V1/...`). Without one the client calls
    /// `/rest/V1/...`, which Magento serves with the default store view. `all` addresses every
    /// store view at once (admin writes of store-scoped attributes).
    pub fn store_code(mut self, code: impl Into<String>) -> Self {
        self.store_code = Some(code.into());
        self
    }

    /// Timeout of a whole request, body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of the TCP/TLS connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryConfig::standard`]: 2 retries, 0.5 s initial backoff
    /// doubled per retry with jitter, 5 s cap).
    ///
    /// Only calls that are safe to repeat are retried (reads, `PUT` of a whole customer, the
    /// admin token request), on 429, 502, 503, 504, timeouts and connection errors; a
    /// `Retry-After` in seconds replaces the backoff, capped at `max_backoff`. Creating an
    /// invoice, shipment, credit memo or comment and changing an order's state are never
    /// retried blindly: the first attempt may have succeeded, so check the order before trying
    /// again.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The admin token lifetime configured in the store (default 4 h), and how long before its end
    /// the client asks for a new one (default 5 min).
    pub fn admin_token_lifetime(mut self, lifetime: Duration, renew_before: Duration) -> Self {
        self.admin_token_lifetime = lifetime;
        self.admin_token_renew_before = renew_before.min(lifetime);
        self
    }

    /// Uses this `reqwest::Client` (shared connection pool, proxies, custom TLS). The request
    /// timeout still applies per request; the connect timeout is then the given client's.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let shown = || redact_url_text(&self.base_url);
        let mut base_url = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL `{}`: {e}", shown())))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL `{}` must be an http(s) URL",
                shown()
            )));
        }
        base_url.set_query(None);
        base_url.set_fragment(None);
        if let Some(code) = &self.store_code {
            validate_store_code(code)?;
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::Config(format!("http client: {e}")))?,
        };
        let auth = match self.credentials {
            Credentials::OAuth(c) => AuthMode::OAuth(c),
            Credentials::IntegrationBearer(t) => AuthMode::Bearer(t),
            Credentials::AdminUser { username, password } => AuthMode::Admin(AdminAuth {
                username,
                password,
                lifetime: self.admin_token_lifetime,
                renew_before: self.admin_token_renew_before,
                cached: tokio::sync::Mutex::new(None),
            }),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                timeout: self.timeout,
                retry: self.retry,
            }),
            store_code: self.store_code,
        })
    }
}

/// Magento store codes: a letter, then letters, digits or underscores
/// (`Magento\Store\Model\ResourceModel\Store` validation).
fn validate_store_code(code: &str) -> Result<()> {
    let mut chars = code.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::Config(format!("invalid store code `{code}`")))
    }
}

/// A Magento admin REST client. Cheap to clone: clones share the connection pool and the admin
/// token cache.
///
/// ```no_run
/// # async fn run() -> Result<(), magento::Error> {
/// use magento::{Client, Credentials};
/// let client = Client::builder(
///     "https://shop.example.com",
///     Credentials::oauth("consumer-key", "consumer-secret", "access-token", "token-secret"),
/// )
/// .store_code("default")
/// .build()?;
/// let order = client.orders().get(3).await?;
/// println!("{:?} {:?}", order.increment_id, order.grand_total);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
    store_code: Option<String>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    auth: AuthMode,
    timeout: Duration,
    retry: RetryConfig,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("http", &self.http)
            .field("base_url", &RedactedUrl(&self.base_url))
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

#[derive(Debug)]
enum AuthMode {
    OAuth(OAuthCredentials),
    Bearer(SecretString),
    Admin(AdminAuth),
}

struct AdminAuth {
    username: String,
    password: SecretString,
    lifetime: Duration,
    renew_before: Duration,
    cached: tokio::sync::Mutex<Option<(SecretString, Instant)>>,
}

impl std::fmt::Debug for AdminAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminAuth")
            .field("username", &self.username)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// Whether a call may be sent again after a failure whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and idempotent writes.
    Safe,
    /// Writes that create something or move an order between states.
    Never,
}

/// One REST call, relative to `/rest/<store>/V1`.
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    retry: Retry,
}

impl Call {
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            retry: Retry::Safe,
        }
    }

    pub(crate) fn post(path: impl Into<String>, body: &impl Serialize) -> Result<Self> {
        Self::with_body(Method::POST, path, body, Retry::Never)
    }

    pub(crate) fn put(path: impl Into<String>, body: &impl Serialize) -> Result<Self> {
        Self::with_body(Method::PUT, path, body, Retry::Safe)
    }

    fn with_body(
        method: Method,
        path: impl Into<String>,
        body: &impl Serialize,
        retry: Retry,
    ) -> Result<Self> {
        Ok(Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(serde_json::to_vec(body).map_err(Error::Encode)?),
            retry,
        })
    }

    pub(crate) fn query(mut self, pairs: Vec<(String, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    pub(crate) fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }
}

impl Client {
    /// Starts a builder for the store at `base_url` (the storefront root, e.g.
    /// `https://shop.example.com`, or `https://host/index.php` without URL rewrites).
    pub fn builder(base_url: impl Into<String>, credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials,
            store_code: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryConfig::standard(),
            admin_token_lifetime: DEFAULT_ADMIN_TOKEN_LIFETIME,
            admin_token_renew_before: Duration::from_secs(300),
            http: None,
        }
    }

    /// A client for another store view that shares this one's connections and token cache.
    pub fn with_store_code(&self, code: impl Into<String>) -> Result<Self> {
        let code = code.into();
        validate_store_code(&code)?;
        Ok(Self {
            inner: Arc::clone(&self.inner),
            store_code: Some(code),
        })
    }

    /// The store code used in URLs, if any.
    pub fn store_code(&self) -> Option<&str> {
        self.store_code.as_deref()
    }

    /// Forgets the cached admin token so the next call asks for a new one.
    pub async fn invalidate_admin_token(&self) {
        if let AuthMode::Admin(admin) = &self.inner.auth {
            *admin.cached.lock().await = None;
        }
    }

    fn url(&self, path: &str, query: &[(String, String)]) -> Result<Url> {
        let mut url = self.inner.base_url.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| Error::Config("base URL cannot take a path".into()))?;
            segments.pop_if_empty().push("rest");
            if let Some(code) = &self.store_code {
                segments.push(code);
            }
            segments.push("V1");
            for segment in path.split('/').filter(|s| !s.is_empty()) {
                segments.push(segment);
            }
        }
        if !query.is_empty() {
            // Encoded here exactly as the OAuth signature encodes it.
            let qs = query
                .iter()
                .map(|(k, v)| format!("{}={}", oauth::encode(k), oauth::encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            url.set_query(Some(&qs));
        }
        Ok(url)
    }

    /// Sends `call` and decodes a JSON body of type `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let bytes = self.execute(&call, true).await?;
        decode(&bytes)
    }

    async fn execute(&self, call: &Call, authenticate: bool) -> Result<Vec<u8>> {
        let url = self.url(&call.path, &call.query)?;
        let retry = self.inner.retry;
        let mut retries = 0;
        let mut renewed_token = false;
        loop {
            let authorization = if authenticate {
                Some(self.authorization(call, &url).await?)
            } else {
                None
            };
            let outcome = self.attempt(call, &url, authorization).await;
            // The server's `Retry-After`, which replaces the backoff.
            let (error, server_wait) = match outcome {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            // An admin token can be revoked or shortened server-side before our clock says so:
            // a 401 means the request was not processed, so one renewal and resend is safe.
            if matches!(error, Error::Unauthorized(_))
                && authenticate
                && !renewed_token
                && matches!(self.inner.auth, AuthMode::Admin(_))
            {
                renewed_token = true;
                self.invalidate_admin_token().await;
                continue;
            }
            let transient = matches!(
                error,
                Error::Timeout
                    | Error::Transport(_)
                    | Error::RateLimited { .. }
                    | Error::Unavailable { .. }
            );
            if !transient || call.retry == Retry::Never || !retry.allows(retries + 1) {
                return Err(error);
            }
            retries += 1;
            let delay = retry.delay(retries, server_wait);
            tracing::debug!(path = %call.path, retry = retries, ?delay, "retrying magento call");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        url: &Url,
        authorization: Option<HeaderValue>,
    ) -> std::result::Result<Vec<u8>, (Error, Option<Duration>)> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .timeout(self.inner.timeout)
            .header(ACCEPT, "application/json");
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        // Measured by method only: Magento's paths carry ids.
        let measure = ProviderCall::start("magento");
        let span = measure.span(call.method.as_str());
        let unanswered = |measure: ProviderCall, e: &reqwest::Error| {
            measure.unanswered(if e.is_timeout() {
                Unanswered::Timeout
            } else {
                Unanswered::Transport
            });
        };
        let response = match request.send().instrument(span.clone()).await {
            Ok(response) => response,
            Err(e) => {
                unanswered(measure, &e);
                return Err((transport(e), None));
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = match response.bytes().instrument(span).await {
            Ok(body) => body.to_vec(),
            Err(e) => {
                unanswered(measure, &e);
                return Err((transport(e), None));
            }
        };
        measure.answered(status.as_u16());
        tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), "magento call");
        if status.is_success() {
            Ok(body)
        } else {
            Err((
                Error::from_response(status.as_u16(), retry_after, &body),
                retry_after,
            ))
        }
    }

    async fn authorization(&self, call: &Call, url: &Url) -> Result<HeaderValue> {
        let value = match &self.inner.auth {
            AuthMode::OAuth(creds) => oauth::authorization_header(
                creds,
                call.method.as_str(),
                url,
                &call.query,
                &Nonce::generate(),
            ),
            AuthMode::Bearer(token) => format!("Bearer {}", token.expose_secret()),
            AuthMode::Admin(admin) => {
                format!("Bearer {}", self.admin_token(admin).await?.expose_secret())
            }
        };
        let mut header = HeaderValue::from_str(&value).map_err(|_| {
            Error::Config("credentials contain characters not allowed in a header".into())
        })?;
        header.set_sensitive(true);
        Ok(header)
    }

    /// Returns the cached admin token, fetching a new one when none is cached or it is about to
    /// expire. The lock is held during the fetch so concurrent calls share one token request.
    async fn admin_token(&self, admin: &AdminAuth) -> Result<SecretString> {
        let mut cached = admin.cached.lock().await;
        if let Some((token, fetched)) = cached.as_ref() {
            if fetched.elapsed() + admin.renew_before < admin.lifetime {
                return Ok(token.clone());
            }
        }
        #[derive(Serialize)]
        struct TokenRequest<'a> {
            username: &'a str,
            password: &'a str,
        }
        // Asking for a token twice is harmless, so this call is retried like a read.
        let call = Call::post(
            "/integration/admin/token",
            &TokenRequest {
                username: &admin.username,
                password: admin.password.expose_secret(),
            },
        )?
        .retry(Retry::Safe);
        // Boxed: `execute` awaits this function for authenticated calls.
        let bytes = Box::pin(self.execute(&call, false)).await?;
        let token: String = decode(&bytes)?;
        if token.is_empty() {
            return Err(Error::Config(
                "Magento returned an empty admin token".into(),
            ));
        }
        let token = SecretString::from(token);
        *cached = Some((token.clone(), Instant::now()));
        Ok(token)
    }
}

fn transport(error: reqwest::Error) -> Error {
    if error.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(error.without_url())
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        source: e.into_inner(),
    })?;
    de.end().map_err(|source| Error::Decode {
        path: ".".into(),
        source,
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn client(store: Option<&str>) -> Client {
        let mut b = Client::builder(
            "https://shop.example.com/",
            Credentials::integration_bearer("t"),
        );
        if let Some(s) = store {
            b = b.store_code(s);
        }
        b.build().unwrap()
    }

    #[test]
    fn url_carries_store_code_and_encoded_query() {
        let q = vec![("searchCriteria[pageSize]".to_string(), "5".to_string())];
        let url = client(Some("fr_store")).url("/orders/3", &q).unwrap();
        assert_eq!(
            url.as_str(),
            "https://shop.example.com/rest/fr_store/V1/orders/3?searchCriteria%5BpageSize%5D=5"
        );
        let url = client(None).url("/orders/3", &[]).unwrap();
        assert_eq!(url.as_str(), "https://shop.example.com/rest/V1/orders/3");
    }

    #[test]
    fn bad_configuration_is_rejected() {
        let bad_store = Client::builder("https://x.test", Credentials::integration_bearer("t"))
            .store_code("fr/../admin")
            .build();
        assert!(matches!(bad_store, Err(Error::Config(_))));
        let bad_url = Client::builder("not a url", Credentials::integration_bearer("t")).build();
        assert!(matches!(bad_url, Err(Error::Config(_))));
        let bad_scheme =
            Client::builder("ftp://x.test", Credentials::integration_bearer("t")).build();
        assert!(matches!(bad_scheme, Err(Error::Config(_))));
    }

    #[test]
    fn base_url_user_info_never_shows() {
        let secret_url = "https://stage:hunter2@shop.example.com/";
        let builder = Client::builder(secret_url, Credentials::integration_bearer("t"));
        let shown = format!("{builder:?}");
        assert!(shown.contains("https://shop.example.com/"), "{shown}");
        let client = builder.build().unwrap();
        for shown in [format!("{client:?}"), format!("{client:#?}")] {
            assert!(shown.contains("shop.example.com"), "{shown}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("stage"),
                "{shown}"
            );
        }
        // Configuration errors repeat the URL, also without its user-info, parsed or not.
        for bad in [
            "ftp://stage:hunter2@shop.example.com",
            "https://stage:hunter2@shop example.com",
            "https://stage:hunter2@shop.example.com:99999",
        ] {
            let err = Client::builder(bad, Credentials::integration_bearer("t"))
                .build()
                .unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::Config(_)), "{shown}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("stage"),
                "{shown}"
            );
        }
    }

    #[test]
    fn credentials_debug_is_redacted() {
        let shown = format!(
            "{:?} {:?} {:?}",
            Credentials::admin_user("admin", "hunter2"),
            Credentials::integration_bearer("tok-secret"),
            Credentials::oauth("a", "b", "c", "d"),
        );
        assert!(!shown.contains("hunter2") && !shown.contains("tok-secret"));
        assert!(shown.contains("admin"));
    }

    #[test]
    fn trailing_garbage_is_a_decode_error() {
        let err = decode::<i64>(b"3 4").unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
    }
}

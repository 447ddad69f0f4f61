//! [`Client`], its builder, the retry policy and the HTTP plumbing shared by every operation.
//!
//! Every v1 call is a `POST` with a JSON body and `Authorization: Bearer <token>`
//! (help.paytrace.com/authentication). The outcome is decided from the JSON body, not from
//! the HTTP status: PayTrace sends its JSON bodies with 4xx statuses too (PayTrace/api-demo's
//! Java sample reads the body of "non-fatal HTTP 400 errors").

use crate::error::{ApiErrorBody, Error, ErrorCode, Result, ValidationErrors};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Production API host.
pub const PRODUCTION_URL: &str = "https://api.paytrace.com";
/// Sandbox API host (separate credentials).
pub const SANDBOX_URL: &str = "https://api.sandbox.paytrace.com";

/// Path of the OAuth token endpoint.
pub(crate) const TOKEN_PATH: &str = "/oauth/token";

/// Which PayTrace deployment to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.paytrace.com`.
    Production,
    /// `https://api.sandbox.paytrace.com`.
    Sandbox,
    /// Any other base URL (a local fake, a proxy, a test server).
    Custom(String),
}

impl Environment {
    fn base_url(&self) -> &str {
        match self {
            Environment::Production => PRODUCTION_URL,
            Environment::Sandbox => SANDBOX_URL,
            Environment::Custom(url) => url,
        }
    }
}

/// Retries for calls that are safe to repeat: the token request, exports and batch reports.
///
/// Calls that move money or change the vault are never retried on a timeout, a transport
/// error or a 5xx, because PayTrace has no idempotency key: resolve them first (see
/// [`Client::find_sale_by_invoice`]). The only repeat of such a call is the single one
/// after PayTrace answers `invalid_token`, which it does before processing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further retry.
    pub initial_backoff: Duration,
    /// Upper bound of any wait, including a server's `Retry-After`.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Two retries, 500 ms then 1 s, waits capped at 10 s.
    pub fn standard() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        }
    }

    /// No retries.
    pub fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::standard()
        }
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first wait.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the upper bound of any wait.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    environment: Environment,
    username: String,
    password: SecretString,
    integrator_id: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    token_refresh_margin: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("username", &"[REDACTED]")
            .field("password", &"[REDACTED]")
            .field("integrator_id", &self.integrator_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Starts with the API user's credentials, production, a 60 s timeout (sandbox calls
    /// have taken 7 to 19 s) and [`RetryPolicy::standard`].
    pub fn new(username: impl Into<String>, password: SecretString) -> Self {
        Self {
            environment: Environment::Production,
            username: username.into(),
            password,
            integrator_id: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::standard(),
            token_refresh_margin: Duration::from_secs(300),
        }
    }

    /// Selects production, sandbox or a custom base URL.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Shorthand for `environment(Environment::Custom(url))`.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.environment(Environment::Custom(url.into()))
    }

    /// Integrator id issued with the sandbox account; added as `integrator_id` to every v1 body.
    pub fn integrator_id(mut self, integrator_id: impl Into<String>) -> Self {
        self.integrator_id = Some(integrator_id.into());
        self
    }

    /// Total time allowed for one HTTP exchange.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open the connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy for calls that are safe to repeat.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long before its expiry a cached token is replaced (default 5 minutes of the 2 hours).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        if self.username.trim().is_empty() {
            return Err(Error::Config("username is empty".into()));
        }
        if self.password.expose_secret().is_empty() {
            return Err(Error::Config("password is empty".into()));
        }
        let base = self.environment.base_url().trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base)
            .map_err(|e| Error::Config(format!("invalid base URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!("base URL must be http(s): {base:?}")));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                username: self.username,
                password: self.password,
                integrator_id: self.integrator_id,
                retry: self.retry,
                timeout: self.timeout,
                token_refresh_margin: self.token_refresh_margin,
                token: RwLock::new(None),
                refresh: Mutex::new(()),
            }),
        })
    }
}

/// Client of the PayTrace JSON API v1. Cheap to clone; clones share the token cache.
///
/// Operations are grouped by resource in the `api` modules: transactions, customers,
/// Level 3, reporting, batches and the ambiguous-outcome resolver.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    username: String,
    password: SecretString,
    integrator_id: Option<String>,
    retry: RetryPolicy,
    /// The total timeout given to `http`, kept to answer [`Client::timeout`].
    timeout: Duration,
    token_refresh_margin: Duration,
    /// One lock for the cache: concurrent callers wait for a single refresh.
    /// The cached token, read without waiting by every call.
    token: RwLock<Option<CachedToken>>,
    /// Held while a token is fetched, so concurrent callers wait for one refresh.
    refresh: Mutex<()>,
}

struct CachedToken {
    value: SecretString,
    refresh_at: Instant,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("integrator_id", &self.inner.integrator_id)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Whether an operation may be repeated after an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads and token requests.
    Safe,
    /// Anything that moves money or changes the vault.
    Unsafe,
}

/// What `success: false` without `errors` means for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFailure {
    /// A typed outcome (declines, "not voided", ...): returned as `Ok`.
    Data,
    /// An [`Error::Api`].
    Error,
}

/// Result of one HTTP exchange, before the `invalid_token` retry is decided.
enum Attempt<T> {
    Done(Result<T>),
    InvalidToken,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "default_expires_in", deserialize_with = "expires_in")]
    expires_in: u64,
}

fn default_expires_in() -> u64 {
    7200
}

fn expires_in<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    Ok(crate::wire::opt_u64(d)?.unwrap_or_else(default_expires_in))
}

impl Client {
    /// Shorthand for [`ClientBuilder::new`].
    pub fn builder(username: impl Into<String>, password: SecretString) -> ClientBuilder {
        ClientBuilder::new(username, password)
    }

    /// The total time allowed for one HTTP exchange ([`ClientBuilder::timeout`], 60 s by
    /// default), from opening the connection to the last byte of the answer.
    ///
    /// What it bounds: no exchange lasts longer than this, and once a call has returned (with
    /// [`Error::Timeout`] or any other error) none of its exchanges is still open and this
    /// client sends nothing more for it. So the moment a money-moving call *returns* is the
    /// latest moment its request can have reached PayTrace.
    ///
    /// Measured from the moment the call *started* (a process that crashed during the call
    /// knows no more), the bound is longer than one timeout: the call may first wait for and
    /// fetch a token (the token request is retried per [`RetryPolicy`]: up to
    /// `max_retries + 1` exchanges plus the backoffs), then send its request, and only after
    /// PayTrace answered `invalid_token` (which it does before processing anything) fetch
    /// another token and send the request a second time.
    ///
    /// What it does not bound: how long PayTrace goes on processing a request it received
    /// before the client stopped waiting. No stored source says; a runtime that resends only
    /// when the first attempt "can no longer land" should add its own margin on top of this
    /// and still look the transaction up ([`Client::find_sale_by_invoice`]) before resending.
    ///
    /// ```no_run
    /// # fn demo() -> paytrace::Result<()> {
    /// use paytrace::{Client, SecretString};
    /// use std::time::Duration;
    /// let client = Client::builder("api-user", SecretString::from("api-password"))
    ///     .timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.timeout(), Duration::from_secs(30));
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Sends a v1 call and decodes the body into `T`.
    pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        safety: Safety,
        on_failure: OnFailure,
    ) -> Result<T> {
        let body = self.encode(body)?;
        self.retrying(safety, || self.authorized_post(path, &body, on_failure))
            .await
    }

    fn encode<B: Serialize>(&self, body: &B) -> Result<Value> {
        let mut value = serde_json::to_value(body)
            .map_err(|e| Error::Config(format!("could not encode request: {e}")))?;
        if let (Some(id), Value::Object(map)) = (&self.inner.integrator_id, &mut value) {
            map.insert("integrator_id".into(), Value::String(id.clone()));
        }
        Ok(value)
    }

    /// One call, repeated once with a fresh token if PayTrace answers `invalid_token`.
    async fn authorized_post<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Value,
        on_failure: OnFailure,
    ) -> Result<T> {
        let token = self.access_token().await?;
        match self.post_once(path, body, &token, on_failure).await {
            Attempt::Done(result) => result,
            Attempt::InvalidToken => {
                tracing::debug!(path, "PayTrace rejected the token; refreshing once");
                self.invalidate(&token).await;
                let token = self.access_token().await?;
                match self.post_once(path, body, &token, on_failure).await {
                    Attempt::Done(result) => result,
                    Attempt::InvalidToken => Err(Error::Auth {
                        error: "invalid_token".into(),
                        description: Some("a freshly issued token was rejected".into()),
                    }),
                }
            }
        }
    }

    async fn post_once<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Value,
        token: &SecretString,
        on_failure: OnFailure,
    ) -> Attempt<T> {
        let request = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.base))
            .bearer_auth(token.expose_secret())
            .json(body);
        let (status, retry_after, bytes) = match self.exchange(path, request).await {
            Ok(parts) => parts,
            Err(e) => return Attempt::Done(Err(e)),
        };
        interpret(status, retry_after, &bytes, on_failure)
    }

    /// Sends a request and reads the whole body, mapping timeouts and transport errors.
    async fn exchange(
        &self,
        path: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<Duration>, bytes::Bytes)> {
        let map = |e: reqwest::Error| {
            // A connect failure (even a connect timeout) means nothing was sent.
            if e.is_timeout() && !e.is_connect() {
                Error::Timeout {
                    path: path.to_owned(),
                }
            } else {
                Error::Transport {
                    path: path.to_owned(),
                    source: e.without_url(),
                }
            }
        };
        let response = request.send().await.map_err(map)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(map)?;
        tracing::debug!(path, status, "PayTrace responded");
        Ok((status, retry_after, bytes))
    }

    /// Runs `call`, repeating it per the retry policy when `safety` allows.
    async fn retrying<T, F, Fut>(&self, safety: Safety, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let policy = &self.inner.retry;
        let mut retry = 0;
        loop {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let transient = matches!(
                error,
                Error::Timeout { .. }
                    | Error::Transport { .. }
                    | Error::Server { .. }
                    | Error::RateLimited { .. }
            );
            if safety == Safety::Unsafe || !transient || retry >= policy.max_retries {
                return Err(error);
            }
            let wait = match &error {
                Error::RateLimited {
                    retry_after: Some(after),
                } => (*after).min(policy.max_backoff),
                _ => policy.backoff(retry),
            };
            tracing::debug!(retry, ?wait, %error, "retrying a safe PayTrace call");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// The cached token, or a new one. Only a refresh takes the refresh lock, and concurrent
    /// callers that find the token stale wait for that one refresh instead of each requesting a
    /// token.
    async fn access_token(&self) -> Result<SecretString> {
        if let Some(token) = self.valid_token() {
            return Ok(token);
        }
        let _refreshing = self.inner.refresh.lock().await;
        if let Some(token) = self.valid_token() {
            return Ok(token);
        }
        let fresh = self.retrying(Safety::Safe, || self.fetch_token()).await?;
        let lifetime = Duration::from_secs(fresh.expires_in);
        let value = SecretString::from(fresh.access_token);
        *self.token_slot() = Some(CachedToken {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(self.inner.token_refresh_margin),
        });
        Ok(value)
    }

    /// The cached token while it is not due for renewal.
    fn valid_token(&self) -> Option<SecretString> {
        // The slot holds plain data replaced in one step; a panic elsewhere cannot tear it.
        let cached = self
            .inner
            .token
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .map(|t| t.value.clone())
    }

    fn token_slot(&self) -> std::sync::RwLockWriteGuard<'_, Option<CachedToken>> {
        self.inner
            .token
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops the cached token if it is still the one that was rejected (another caller
    /// may already have replaced it).
    async fn invalidate(&self, rejected: &SecretString) {
        let mut cached = self.token_slot();
        if cached
            .as_ref()
            .is_some_and(|t| t.value.expose_secret() == rejected.expose_secret())
        {
            *cached = None;
        }
    }

    /// `POST /oauth/token` with the password grant, form-encoded.
    async fn fetch_token(&self) -> Result<TokenResponse> {
        let form = [
            ("grant_type", "password"),
            ("username", self.inner.username.as_str()),
            ("password", self.inner.password.expose_secret()),
        ];
        let request = self
            .inner
            .http
            .post(format!("{}{TOKEN_PATH}", self.inner.base))
            .header(reqwest::header::ACCEPT, "*/*")
            .form(&form);
        let (status, retry_after, bytes) = self.exchange(TOKEN_PATH, request).await?;
        match interpret::<TokenResponse>(status, retry_after, &bytes, OnFailure::Error) {
            Attempt::Done(result) => result,
            Attempt::InvalidToken => Err(Error::Auth {
                error: "invalid_token".into(),
                description: None,
            }),
        }
    }
}

/// The members of an answer that decide its outcome; the rest is skipped without being built.
#[derive(Deserialize)]
struct Verdict {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    success: Option<Value>,
}

impl Verdict {
    /// Whether the answer is a plain success, to be decoded as the expected type: exactly the
    /// case in which [`interpret_value`] reaches its last step.
    fn plain_success(&self, status: u16, on_failure: OnFailure) -> bool {
        let success = self.success.as_ref().and_then(Value::as_bool);
        self.error.as_ref().and_then(Value::as_str).is_none()
            && self
                .errors
                .as_ref()
                .is_none_or(|e| e.is_null() || e.as_object().is_some_and(|m| m.is_empty()))
            && !(status >= 500 && success.is_none())
            && !(success == Some(false) && on_failure == OnFailure::Error)
    }
}

/// Decides the outcome from the body; the status only matters when there is no usable body.
fn interpret<T: DeserializeOwned>(
    status: u16,
    retry_after: Option<Duration>,
    bytes: &[u8],
    on_failure: OnFailure,
) -> Attempt<T> {
    if status == 429 {
        return Attempt::Done(Err(Error::RateLimited { retry_after }));
    }
    // The common answer, a success, is read once into its type; anything else (or a success
    // that does not decode) takes the general path through a `Value`, which names what is wrong.
    let object = bytes.trim_ascii_start().starts_with(b"{");
    if object
        && serde_json::from_slice::<Verdict>(bytes)
            .is_ok_and(|verdict| verdict.plain_success(status, on_failure))
        && let Ok(decoded) = serde_json::from_slice::<T>(bytes)
    {
        return Attempt::Done(Ok(decoded));
    }
    interpret_value(status, bytes, on_failure)
}

/// [`interpret`] through a `Value`: every kind of answer, with the JSON path of a decoding error.
fn interpret_value<T: DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    on_failure: OnFailure,
) -> Attempt<T> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) | Err(_) if status >= 500 => return Attempt::Done(Err(Error::Server { status })),
        // A gateway in front of PayTrace may refuse credentials without a JSON body.
        Ok(_) | Err(_) if matches!(status, 401 | 403) => {
            return Attempt::Done(Err(Error::Auth {
                error: format!("HTTP {status}"),
                description: None,
            }));
        }
        Ok(other) => {
            return Attempt::Done(Err(Error::Decode {
                status,
                path: ".".into(),
                message: format!("expected a JSON object, got {}", json_kind(&other)),
            }));
        }
        Err(e) => {
            return Attempt::Done(Err(Error::Decode {
                status,
                path: ".".into(),
                message: format!("invalid JSON: {e}"),
            }));
        }
    };
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        if error == "invalid_token" {
            return Attempt::InvalidToken;
        }
        let description = value
            .get("error_description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Attempt::Done(Err(Error::Auth {
            error: error.to_owned(),
            description,
        }));
    }
    // An empty or null `errors` is not a failure; anything else is.
    let reported = value
        .get("errors")
        .filter(|e| !e.is_null() && e.as_object().is_none_or(|m| !m.is_empty()));
    if let Some(errors) = reported {
        return Attempt::Done(Err(validation_errors(status, &value, errors)));
    }
    let success = value.get("success").and_then(Value::as_bool);
    if status >= 500 && success.is_none() {
        return Attempt::Done(Err(Error::Server { status }));
    }
    if success == Some(false) && on_failure == OnFailure::Error {
        return Attempt::Done(Err(Error::Api {
            status,
            body: api_error_body(&value),
        }));
    }
    Attempt::Done(
        serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
            status,
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        }),
    )
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn api_error_body(value: &Value) -> ApiErrorBody {
    ApiErrorBody {
        success: value.get("success").and_then(Value::as_bool),
        response_code: value
            .get("response_code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok()),
        status_message: value
            .get("status_message")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Reads `errors: {"<code>": ["message", ...]}`; a single string message is accepted too.
fn validation_errors(status: u16, value: &Value, errors: &Value) -> Error {
    let Some(map) = errors.as_object() else {
        return Error::Decode {
            status,
            path: "errors".into(),
            message: format!("expected an object, got {}", json_kind(errors)),
        };
    };
    let mut parsed = BTreeMap::new();
    for (key, messages) in map {
        let Ok(code) = key.trim().parse::<u32>() else {
            return Error::Decode {
                status,
                path: format!("errors.{key}"),
                message: "error code is not a number".into(),
            };
        };
        let messages = match messages {
            Value::Array(items) => items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect(),
            Value::String(s) => vec![s.clone()],
            other => vec![other.to_string()],
        };
        parsed.insert(ErrorCode(code), messages);
    }
    let body = api_error_body(value);
    Error::Validation(ValidationErrors {
        response_code: body.response_code,
        status_message: body.status_message,
        errors: parsed,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::TransactionResponse;

    fn run(status: u16, body: &str) -> Result<TransactionResponse> {
        match interpret(status, None, body.as_bytes(), OnFailure::Data) {
            Attempt::Done(r) => r,
            Attempt::InvalidToken => panic!("unexpected invalid_token"),
        }
    }

    /// The outcome as text, to compare the two decoding paths.
    fn outcome(attempt: Attempt<TransactionResponse>) -> String {
        match attempt {
            Attempt::Done(result) => format!("{result:?}"),
            Attempt::InvalidToken => "invalid_token".to_owned(),
        }
    }

    #[test]
    fn the_direct_path_decides_like_the_value_path() {
        let bodies = [
            r#"{"success":true,"response_code":101,"status_message":"Approved","transaction_id":1,"approval_code":"TAS1","avs_response":"Full Exact Match","csc_response":"Match","external_transaction_id":"","masked_card_number":"xxxxxxxxxxxx1111"}"#,
            r#"{"success":false,"response_code":102,"status_message":"Declined","transaction_id":2}"#,
            r#"{"success":true,"response_code":101,"errors":{}}"#,
            r#"{"success":true,"response_code":101,"errors":null}"#,
            r#"{"success":false,"response_code":1,"errors":{"35":["Bad card"]}}"#,
            r#"{"errors":"nope"}"#,
            r#"{"error":"invalid_token","error_description":"expired"}"#,
            r#"{"error":42,"success":true,"response_code":101}"#,
            r#"{"success":"yes","response_code":101}"#,
            r#"{"success":true,"response_code":"not a number"}"#,
            r#"{"response_code":101}"#,
            r#"  {"success":true,"response_code":101}"#,
            r#"[1,2,3]"#,
            r#"not json"#,
            "",
        ];
        for status in [200, 400, 401, 500, 503] {
            for on_failure in [OnFailure::Data, OnFailure::Error] {
                for body in bodies {
                    let direct = interpret(status, None, body.as_bytes(), on_failure);
                    let general = interpret_value(status, body.as_bytes(), on_failure);
                    assert_eq!(
                        outcome(direct),
                        outcome(general),
                        "status {status}, body {body}"
                    );
                }
            }
        }
    }

    #[test]
    fn validation_lists_every_code() {
        let err = run(400, r#"{"errors":{"35":["Please provide a valid Credit Card Number."],"43":["Please provide a valid Expiration Month."]}}"#)
            .unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            v.codes().collect::<Vec<_>>(),
            vec![ErrorCode::CARD_NUMBER, ErrorCode::EXPIRATION_MONTH]
        );
    }

    #[test]
    fn empty_errors_object_is_not_a_failure() {
        let r = run(200, r#"{"success":true,"response_code":101,"errors":{}}"#).unwrap();
        assert!(r.success);
        let err = run(400, r#"{"errors":"nope"}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "errors"),
            "{err:?}"
        );
    }

    #[test]
    fn client_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<Error>();
    }

    #[test]
    fn non_numeric_error_key_is_a_decode_error() {
        let err = run(400, r#"{"errors":{"abc":["x"]}}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "errors.abc"),
            "{err:?}"
        );
    }

    #[test]
    fn html_5xx_is_a_server_error_and_html_2xx_a_decode_error() {
        assert!(matches!(
            run(502, "<html>bad gateway</html>"),
            Err(Error::Server { status: 502 })
        ));
        assert!(matches!(
            run(200, "<html>"),
            Err(Error::Decode { status: 200, .. })
        ));
        assert!(matches!(run(200, "[1]"), Err(Error::Decode { .. })));
    }

    #[test]
    fn the_body_decides_not_the_status() {
        let decline = r#"{"success":false,"response_code":102,"status_message":"Your transaction was not approved."}"#;
        let r = run(500, decline).unwrap();
        assert_eq!(r.outcome(), crate::Outcome::Declined);
        let approved =
            r#"{"success":true,"response_code":101,"status_message":"ok","transaction_id":1}"#;
        assert!(run(400, approved).unwrap().success);
        assert!(matches!(run(401, "Unauthorized"), Err(Error::Auth { .. })));
    }

    #[test]
    fn decode_error_names_the_path() {
        let err = run(
            200,
            r#"{"success":true,"response_code":101,"transaction_id":{"x":1}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "transaction_id"),
            "{err:?}"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::standard();
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(30), Duration::from_secs(10));
    }

    #[test]
    fn builder_rejects_bad_config_and_hides_secrets() {
        let err = Client::builder("u", SecretString::from(""))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        let err = Client::builder("u", SecretString::from("p"))
            .base_url("ftp://x")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        let builder = Client::builder("api-user", SecretString::from("hunter2"));
        let debug = format!("{builder:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("api-user"),
            "{debug}"
        );
        let client = builder.build().unwrap();
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("api-user"),
            "{debug}"
        );
    }
}

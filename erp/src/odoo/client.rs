//! HTTP plumbing of the JSON-2 API: `POST /json/2/<model>/<method>` with a bearer API key.

use std::fmt;
use std::time::Duration;

use payops_core::RedactedUrl;
use payops_core::redact::redact_url_text;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

pub use payops_core::RetryConfig;

use crate::error::{Error, OdooErrorBody};

/// ORM methods that only read, hence safe to send again.
const READ_ONLY_METHODS: [&str; 5] = [
    "search",
    "search_read",
    "read",
    "search_count",
    "fields_get",
];

/// A client of one Odoo database's JSON-2 API.
///
/// ```no_run
/// use erp::odoo::OdooClient;
/// use secrecy::SecretString;
/// # async fn run() -> Result<(), erp::Error> {
/// let client = OdooClient::builder("https://mycompany.example.com", SecretString::from("key"))
///     .database("mycompany")
///     .build()?;
/// let ids: Vec<i64> = client
///     .call("res.partner", "search", serde_json::json!({"domain": [["is_company", "=", true]]}))
///     .await?;
/// # let _ = ids; Ok(()) }
/// ```
#[derive(Clone)]
pub struct OdooClient {
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    retry: RetryConfig,
    protocol: Protocol,
}

/// Which of Odoo's external APIs the client speaks.
#[derive(Clone, Debug)]
enum Protocol {
    /// `POST /json/2/<model>/<method>` (Odoo 19+).
    Json2,
    /// `POST /jsonrpc` with `object.execute_kw` (Odoo 17 and 18).
    #[cfg(feature = "jsonrpc")]
    JsonRpc { database: String, uid: i64 },
}

impl fmt::Debug for OdooClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdooClient")
            .field("base_url", &RedactedUrl(&self.base_url))
            .field("api_key", &"[redacted]")
            .field("retry", &self.retry)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// Builder of an [`OdooClient`].
pub struct OdooClientBuilder {
    base_url: String,
    api_key: SecretString,
    database: Option<String>,
    timeout: Duration,
    retry: RetryConfig,
    user_agent: String,
    #[cfg(feature = "jsonrpc")]
    jsonrpc_uid: Option<i64>,
}

impl fmt::Debug for OdooClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdooClientBuilder")
            .field("base_url", &redact_url_text(&self.base_url))
            .field("api_key", &"[redacted]")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl OdooClientBuilder {
    /// Sends `X-Odoo-Database` (needed when one server hosts several databases).
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy for read-only calls (default [`RetryConfig::standard`]: 2 retries, 0.5 s
    /// then 1 s with jitter, at most 5 s; a `Retry-After` replaces the backoff, capped too).
    /// Calls that write (`create`, `write`, `action_*`) are never retried: JSON-2 has no
    /// idempotency key, so a retry after an ambiguous failure could create a second record.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// `User-Agent` (Odoo recommends naming the integration).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Speaks the legacy `/jsonrpc` API (`object.execute_kw`) as user `uid`, for Odoo 17 and
    /// 18 which have no JSON-2; needs [`OdooClientBuilder::database`]. The API key is sent as
    /// the password. See [`OdooClientBuilder::legacy_jsonrpc_login`] to find the uid.
    #[cfg(feature = "jsonrpc")]
    pub fn legacy_jsonrpc(mut self, uid: i64) -> Self {
        self.jsonrpc_uid = Some(uid);
        self
    }

    /// Like [`OdooClientBuilder::legacy_jsonrpc`], finding the uid with `common.login`
    /// (`false` from the server is [`Error::Auth`]).
    #[cfg(feature = "jsonrpc")]
    pub async fn legacy_jsonrpc_login(self, login: &str) -> Result<OdooClient, Error> {
        let database = self
            .database
            .clone()
            .ok_or_else(|| Error::Config("the legacy JSON-RPC API needs a database".into()))?;
        let client = self.legacy_jsonrpc(0).build()?;
        let body = super::jsonrpc::login_request(&database, login, client.api_key.expose_secret());
        let uid: Value = client
            .post(&client.url("jsonrpc")?, &body, super::jsonrpc::response)
            .await?;
        match uid.as_i64() {
            Some(uid) if uid > 0 => Ok(OdooClient {
                protocol: Protocol::JsonRpc { database, uid },
                ..client
            }),
            _ => Err(Error::Auth {
                message: "common.login refused the login and API key".into(),
            }),
        }
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<OdooClient, Error> {
        let mut base_url = Url::parse(&self.base_url).map_err(|e| {
            let shown = redact_url_text(&self.base_url);
            Error::Config(format!("invalid base URL {shown:?}: {e}"))
        })?;
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        let mut headers = HeaderMap::new();
        if let Some(db) = &self.database {
            let value = HeaderValue::from_str(db)
                .map_err(|_| Error::Config("database name is not a valid header value".into()))?;
            headers.insert("X-Odoo-Database", value);
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .default_headers(headers)
            .build()
            .map_err(|e| Error::Config(format!("http client: {e}")))?;
        let protocol = Protocol::Json2;
        #[cfg(feature = "jsonrpc")]
        let protocol = match (self.jsonrpc_uid, self.database) {
            (None, _) => protocol,
            (Some(uid), Some(database)) => Protocol::JsonRpc { database, uid },
            (Some(_), None) => {
                return Err(Error::Config(
                    "the legacy JSON-RPC API needs a database".into(),
                ));
            }
        };
        Ok(OdooClient {
            http,
            base_url,
            api_key: self.api_key,
            retry: self.retry,
            protocol,
        })
    }
}

impl OdooClient {
    /// Starts a builder for the server at `base_url` (e.g. `https://mycompany.odoo.com`).
    pub fn builder(base_url: impl Into<String>, api_key: SecretString) -> OdooClientBuilder {
        OdooClientBuilder {
            base_url: base_url.into(),
            api_key,
            database: None,
            timeout: Duration::from_secs(30),
            retry: RetryConfig::standard(),
            user_agent: concat!("payops-erp/", env!("CARGO_PKG_VERSION")).into(),
            #[cfg(feature = "jsonrpc")]
            jsonrpc_uid: None,
        }
    }

    /// Calls `method` of `model` with `body` (named arguments plus `ids` and `context`) and
    /// decodes the bare JSON result. Read-only methods are retried per the [`RetryConfig`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        model: &str,
        method: &str,
        body: Value,
    ) -> Result<T, Error> {
        let (url, body, decode): (Url, Value, Decoder<T>) = match &self.protocol {
            Protocol::Json2 => (
                self.url(&format!("json/2/{model}/{method}"))?,
                body,
                decode_bare,
            ),
            #[cfg(feature = "jsonrpc")]
            Protocol::JsonRpc { database, uid } => (
                self.url("jsonrpc")?,
                super::jsonrpc::execute_kw_request(
                    database,
                    *uid,
                    self.api_key.expose_secret(),
                    model,
                    method,
                    body,
                ),
                super::jsonrpc::response,
            ),
        };
        let retried = READ_ONLY_METHODS.contains(&method);
        let mut retry = 0;
        loop {
            let result = self.post(&url, &body, decode).await;
            match result {
                Err(err) if retried && self.retry.allows(retry + 1) && is_transient(&err) => {
                    retry += 1;
                    let server_wait = match &err {
                        Error::RateLimited { retry_after } => *retry_after,
                        _ => None,
                    };
                    let wait = self.retry.delay(retry, server_wait);
                    tracing::debug!(model, method, retry, ?wait, error = %err, "retrying odoo call");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        self.base_url
            .join(path)
            .map_err(|e| Error::Config(format!("invalid model or method name: {e}")))
    }

    async fn post<T>(&self, url: &Url, body: &Value, decode: Decoder<T>) -> Result<T, Error> {
        let response = self
            .http
            .post(url.clone())
            .header(
                AUTHORIZATION,
                format!("bearer {}", self.api_key.expose_secret()),
            )
            .json(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return decode(&bytes);
        }
        Err(error_from_response(status, retry_after, &bytes))
    }
}

/// Turns a 2xx body into the result.
type Decoder<T> = fn(&[u8]) -> Result<T, Error>;

/// JSON-2 answers the method's bare JSON result.
fn decode_bare<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(Error::decode)
}

fn transport(mut err: reqwest::Error) -> Error {
    if err.is_timeout() {
        return Error::Timeout;
    }
    // reqwest's error shows the request URL, user-info included.
    if let Some(url) = err.url_mut() {
        // Both only fail for URLs that cannot have user-info, which then have none.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    Error::Transport(err)
}

fn is_transient(err: &Error) -> bool {
    match err {
        Error::Timeout | Error::RateLimited { .. } => true,
        Error::Transport(e) => e.is_connect() || e.is_request(),
        Error::Api { status, .. } => matches!(*status, 408 | 500 | 502 | 503 | 504),
        _ => false,
    }
}

/// Maps an error status and Odoo's JSON error object (or whatever body came) to an [`Error`].
pub(crate) fn error_from_response(
    status: StatusCode,
    retry_after: Option<Duration>,
    bytes: &[u8],
) -> Error {
    let body = serde_json::from_slice::<OdooErrorBody>(bytes).unwrap_or_else(|_| OdooErrorBody {
        // A proxy's HTML page or an empty body: keep a bounded excerpt for diagnosis.
        message: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
        ..OdooErrorBody::default()
    });
    match status {
        StatusCode::UNAUTHORIZED => Error::Auth {
            message: body.message,
        },
        StatusCode::TOO_MANY_REQUESTS => Error::RateLimited { retry_after },
        _ if body.kind() == crate::error::OdooErrorKind::AccessDenied => Error::Auth {
            message: body.message,
        },
        _ => Error::Api {
            status: status.as_u16(),
            body: Box::new(body),
        },
    }
}

//! Configuration: which PayTrace deployment to call, and the [`ClientBuilder`] that checks the
//! settings once and builds a [`Client`].
//!
//! Base URLs may carry `user:password@` (a proxy that wants it); neither `Debug` nor any
//! configuration error shows that part.

use super::auth::TokenCache;
use super::{Client, Inner, RetryConfig};
use crate::error::{Error, Result};
use payops_core::redact::redact_url_text;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Production API host.
pub const PRODUCTION_URL: &str = "https://api.paytrace.com";
/// Sandbox API host (separate credentials).
pub const SANDBOX_URL: &str = "https://api.sandbox.paytrace.com";

/// Which PayTrace deployment to call.
///
/// `Debug` shows a custom URL without its `user:password@` part.
#[derive(Clone, PartialEq, Eq)]
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

/// Reads `sandbox`, `production`, or a base URL (`http://` or `https://`), as a service's
/// configuration names the deployment (`PAYTRACE_ENV`, say).
///
/// ```
/// let local: paytrace::Environment = "http://127.0.0.1:9000".parse()?;
/// assert_eq!(local, paytrace::Environment::Custom("http://127.0.0.1:9000".into()));
/// assert!("staging".parse::<paytrace::Environment>().is_err());
/// # Ok::<(), paytrace::Error>(())
/// ```
impl std::str::FromStr for Environment {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value {
            "production" => Ok(Self::Production),
            "sandbox" => Ok(Self::Sandbox),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Self::Custom(url.to_owned()))
            }
            other => Err(Error::Config(format!(
                "the PayTrace environment must be sandbox, production or a URL, not {:?}",
                redact_url_text(other)
            ))),
        }
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("Production"),
            Environment::Sandbox => f.write_str("Sandbox"),
            Environment::Custom(url) => f
                .debug_tuple("Custom")
                .field(&redact_url_text(url))
                .finish(),
        }
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
    retry: RetryConfig,
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
    /// have taken 7 to 19 s) and [`RetryConfig::standard`].
    pub fn new(username: impl Into<String>, password: SecretString) -> Self {
        Self {
            environment: Environment::Production,
            username: username.into(),
            password,
            integrator_id: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryConfig::standard(),
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

    /// Retries of the requests that are safe to repeat (see [`RequestKind`](crate::RequestKind)).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
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
        let parsed = url::Url::parse(&base).map_err(|e| {
            Error::Config(format!(
                "invalid base URL {:?}: {e}",
                redact_url_text(&base)
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL must be http(s): {:?}",
                redact_url_text(&base)
            )));
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
                integrator_id: self.integrator_id,
                retry: self.retry,
                timeout: self.timeout,
                tokens: TokenCache::new(self.username, self.password, self.token_refresh_margin),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    /// Issue 14: a base URL's `user:password@` showed in `Debug` and in configuration errors.
    #[test]
    fn user_info_of_a_base_url_never_shows() {
        let builder = Client::builder("u", SecretString::from("p"))
            .base_url("https://proxy-user:proxy-s3cret@paytrace.example/");
        let debug = format!("{builder:?}");
        assert!(debug.contains("https://paytrace.example/"), "{debug}");
        assert!(
            !debug.contains("proxy-s3cret") && !debug.contains("proxy-user"),
            "{debug}"
        );
        let client = builder.build().unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("https://paytrace.example/"), "{debug}");
        assert!(
            !debug.contains("proxy-s3cret") && !debug.contains("proxy-user"),
            "{debug}"
        );

        for bad in [
            "ftp://proxy-user:proxy-s3cret@paytrace.example",
            "https://proxy-user:proxy-s3cret@paytrace.example:99999",
        ] {
            let err = Client::builder("u", SecretString::from("p"))
                .base_url(bad)
                .build()
                .unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(matches!(err, Error::Config(_)), "{text}");
            assert!(text.contains("paytrace.example"), "{text}");
            assert!(
                !text.contains("proxy-s3cret") && !text.contains("proxy-user"),
                "{text}"
            );
        }
    }
}

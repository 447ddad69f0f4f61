//! The crate's single error type.

use crate::graphql::{GraphqlError, UserError};
use std::time::Duration;

/// Everything that can go wrong talking to Shopify or checking its signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP request could not be sent or its body not read.
    #[error("http transport: {0}")]
    Transport(#[source] reqwest::Error),

    /// The request did not complete within the configured timeout.
    #[error("request timed out")]
    Timeout,

    /// Shopify answered with a non-2xx status other than 401/403/429.
    #[error("shopify api error {status}: {body}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The error body, typed.
        body: ApiErrorBody,
    },

    /// A GraphQL response carried top-level `errors` (other than `THROTTLED`).
    #[error("graphql errors: {}", join_messages(errors))]
    Graphql {
        /// The errors as Shopify sent them.
        errors: Vec<GraphqlError>,
    },

    /// A mutation returned `userErrors`: Shopify refused the input.
    #[error("{operation} rejected: {}", join_user_errors(errors))]
    UserErrors {
        /// The GraphQL operation name, e.g. `orderCapture`.
        operation: &'static str,
        /// The user errors, with field path and code when Shopify sends one.
        errors: Vec<UserError>,
    },

    /// A response body did not match the expected shape.
    #[error("decode error at {path}: {source}")]
    Decode {
        /// JSON path of the failing value (`data.order.totalPriceSet`).
        path: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },

    /// Authentication failed: 401/403, or an OAuth token request was refused.
    #[error("authentication failed ({status:?}): {body}")]
    Auth {
        /// HTTP status, when one was received.
        status: Option<u16>,
        /// The error body, typed.
        body: ApiErrorBody,
    },

    /// Still throttled (`429` or GraphQL `THROTTLED`) after the last retry.
    #[error("rate limited after {attempts} attempts")]
    RateLimited {
        /// Wait Shopify asked for on the last answer, if any.
        retry_after: Option<Duration>,
        /// Attempts made.
        attempts: u32,
    },

    /// The client or a request was configured with invalid values.
    #[error("invalid configuration: {0}")]
    Config(String),
}

fn join_messages(errors: &[GraphqlError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn join_user_errors(errors: &[UserError]) -> String {
    errors
        .iter()
        .map(|e| match &e.field {
            Some(f) if !f.is_empty() => format!("{}: {}", f.join("."), e.message),
            _ => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// Whether the error is worth retrying later (transport, timeout, 5xx, rate limit).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Timeout | Error::RateLimited { .. } => true,
            Error::Api { status, .. } => *status >= 500 || *status == 408,
            _ => false,
        }
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout
        } else {
            Error::Transport(e)
        }
    }

    pub(crate) fn decode(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        Error::Decode {
            path: e.path().to_string(),
            source: e.into_inner(),
        }
    }
}

/// A non-2xx body from Shopify. The Admin API sends `{"errors": ...}` (a string,
/// a list or a map); the OAuth endpoint sends `{"error", "error_description"}`.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// The `errors` member as sent (string, list or object).
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
    /// OAuth error code (`invalid_request`, `invalid_client`, ...).
    #[serde(default)]
    pub error: Option<String>,
    /// OAuth error description.
    #[serde(default)]
    pub error_description: Option<String>,
    /// The raw body (truncated to 2 KiB) when it was not JSON.
    #[serde(skip)]
    pub raw: Option<String>,
}

impl ApiErrorBody {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        serde_json::from_slice::<ApiErrorBody>(bytes).unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(bytes);
            let raw: String = text.chars().take(2048).collect();
            ApiErrorBody {
                raw: Some(raw),
                ..Default::default()
            }
        })
    }
}

impl std::fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(e) = &self.errors {
            write!(f, "{e}")
        } else if let Some(e) = &self.error {
            write!(f, "{e}")?;
            if let Some(d) = &self.error_description {
                write!(f, ": {d}")?;
            }
            Ok(())
        } else if let Some(raw) = &self.raw {
            f.write_str(raw)
        } else {
            f.write_str("(empty body)")
        }
    }
}

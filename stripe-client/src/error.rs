//! The crate's single error type and Stripe's typed error body.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::models::lenient_enum;

/// Everything that can go wrong when calling Stripe or verifying a webhook.
///
/// A card decline on an operation that charges money is *not* an error: those operations return
/// [`crate::PaymentOutcome::Declined`]. Secrets never appear in any variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read (DNS, TLS, connection reset).
    #[error("http transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request did not complete within the configured timeout.
    #[error("request timed out")]
    Timeout,
    /// Stripe rejected the API key (HTTP 401) or the key lacks a permission (HTTP 403).
    #[error("authentication failed: {0}")]
    Auth(Box<ApiError>),
    /// Stripe's rate limiter refused the request (HTTP 429 other than `lock_timeout`).
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),
    /// Any other non-2xx answer from Stripe, with its error body typed.
    #[error("api error: {0}")]
    Api(Box<ApiError>),
    /// A 2xx response body (or a webhook payload) did not match the expected shape.
    #[error("decode error at `{path}`: {message}")]
    Decode {
        /// Full JSON path of the offending value from the root of the body: `data[3].amount` in
        /// a list, `data.object.created` in an event, `data[3].data.object.created` in a list of
        /// events; `.` for the root itself.
        path: String,
        /// What serde reported.
        message: String,
    },
    /// An event whose object is rendered in a Stripe API version this crate cannot read: older
    /// than [`crate::OLDEST_SUPPORTED_API_VERSION`], a release newer than the crate knows (or a
    /// `preview`), or no version at all. The event is refused rather than read in a shape it
    /// may not have.
    #[error("unsupported API version at `{path}`: {}", crate::models::version::Unsupported(.api_version.clone()))]
    UnsupportedApiVersion {
        /// The event's `api_version`, as received.
        api_version: Option<String>,
        /// JSON path of that `api_version` (`api_version`, or `data[3].api_version` in a list).
        path: String,
    },
    /// The client was configured with invalid values (bad base URL, header value, ...).
    #[error("invalid config: {0}")]
    Config(String),
    /// A webhook signature header did not verify.
    #[error("webhook signature: {0}")]
    Signature(#[from] SignatureError),
}

impl Error {
    /// The typed Stripe error, when this error came from an API answer.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Auth(e) | Error::RateLimited(e) | Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed: transport failures, timeouts,
    /// rate limits, 409 conflicts, `lock_timeout` and 5xx answers. Everything else (validation,
    /// authentication, decode, config, signature errors) is permanent. The client already
    /// retried transient errors per its [`crate::RetryConfig`]; this tells a job queue whether
    /// to schedule another attempt or dead-letter the job.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Timeout | Error::RateLimited(_) => true,
            Error::Api(e) => {
                e.status == 409
                    || e.status >= 500
                    || e.error.code.as_deref() == Some("lock_timeout")
            }
            _ => false,
        }
    }

    /// A decode error with its full path. An event's object is decoded after the event itself
    /// (its shape depends on the event's `api_version`), so serde's path stops at the event;
    /// the rest of the path, and a refused version, come from [`nested`].
    pub(crate) fn decode(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let outer = err.path().to_string();
        let message = err.into_inner().to_string();
        match nested::take(&message) {
            Some(nested::Nested::Decode { path, message }) => Error::Decode {
                path: nested::join(&outer, &path),
                message,
            },
            Some(nested::Nested::Unsupported { api_version }) => Error::UnsupportedApiVersion {
                api_version,
                path: nested::join(&outer, "api_version"),
            },
            None => Error::Decode {
                path: outer,
                message,
            },
        }
    }
}

/// Failures inside an event's object, handed from the event's `Deserialize` to
/// [`Error::decode`].
///
/// serde carries only a message from a `Deserialize` impl to its caller. The event's impl keeps
/// the structured failure here, on the thread that decodes (decoding is synchronous), and
/// returns its text as the message; [`Error::decode`] takes it back only when the message it
/// received is that text, so a failure that serde dropped on the way never surfaces elsewhere.
pub(crate) mod nested {
    use std::cell::RefCell;
    use std::fmt;

    /// What went wrong inside an event's object. Paths are from the event (`data.object.id`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Nested {
        /// The object does not fit its model.
        Decode { path: String, message: String },
        /// The event's `api_version` cannot be read.
        Unsupported { api_version: Option<String> },
    }

    impl fmt::Display for Nested {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Nested::Decode { path, message } => write!(f, "at `{path}`: {message}"),
                Nested::Unsupported { api_version } => {
                    crate::models::version::Unsupported(api_version.clone()).fmt(f)
                }
            }
        }
    }

    thread_local! {
        static LAST: RefCell<Option<(String, Nested)>> = const { RefCell::new(None) };
    }

    /// Keeps `failure` for [`take`] and returns the message to give serde.
    pub(crate) fn report(failure: Nested) -> String {
        let text = failure.to_string();
        LAST.with(|last| *last.borrow_mut() = Some((text.clone(), failure)));
        text
    }

    /// The failure reported for `message` (serde may append ` at line 1 column 9`).
    pub(crate) fn take(message: &str) -> Option<Nested> {
        let (text, failure) = LAST.with(|last| last.borrow_mut().take())?;
        message.starts_with(&text).then_some(failure)
    }

    /// `inner` placed under `outer` (`.` is the root).
    pub(crate) fn join(outer: &str, inner: &str) -> String {
        if outer == "." || outer.is_empty() {
            inner.to_owned()
        } else {
            format!("{outer}.{inner}")
        }
    }
}

/// Why a `Stripe-Signature` header was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The header has no `t=` timestamp or no `v1=` signature, or a value is not valid.
    #[error("malformed Stripe-Signature header")]
    MalformedHeader,
    /// No `v1` signature matched any configured secret.
    #[error("no v1 signature matches")]
    NoMatch,
    /// The signature matches but its timestamp is older than the tolerance.
    #[error("timestamp {timestamp} outside the tolerance")]
    TimestampOutsideTolerance {
        /// The `t=` value of the header (Unix seconds).
        timestamp: i64,
    },
}

/// An error answer from the Stripe API: HTTP status, request id and Stripe's `error` object.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The `Request-Id` response header, to quote to Stripe support.
    pub request_id: Option<String>,
    /// Stripe's `error` object. Empty when the body was not Stripe's JSON (a proxy's HTML page).
    pub error: ApiErrorBody,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(t) = &self.error.error_type {
            write!(f, " {t}")?;
        }
        if let Some(c) = &self.error.code {
            write!(f, " code={c}")?;
        }
        if let Some(d) = &self.error.decline_code {
            write!(f, " decline_code={d}")?;
        }
        if let Some(p) = &self.error.param {
            write!(f, " param={p}")?;
        }
        if let Some(m) = &self.error.message {
            write!(f, ": {m}")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, " (request {r})")?;
        }
        Ok(())
    }
}

/// Stripe's `error` object (spec schema `api_errors`). Also used for
/// `PaymentIntent.last_payment_error`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// `api_error`, `card_error`, `idempotency_error` or `invalid_request_error`.
    #[serde(rename = "type", default)]
    pub error_type: Option<ErrorType>,
    /// A short machine-readable code, e.g. `card_declined`, `lock_timeout`, `resource_missing`.
    #[serde(default)]
    pub code: Option<String>,
    /// The issuer's reason for a card decline, e.g. `insufficient_funds`.
    #[serde(default)]
    pub decline_code: Option<String>,
    /// The request parameter the error relates to.
    #[serde(default)]
    pub param: Option<String>,
    /// A human-readable message (safe to log, not meant for end customers as is).
    #[serde(default)]
    pub message: Option<String>,
    /// Link to Stripe's documentation of the code.
    #[serde(default)]
    pub doc_url: Option<String>,
    /// Id of the failed charge, for card errors.
    #[serde(default)]
    pub charge: Option<String>,
    /// The PaymentIntent the error relates to, when Stripe includes it (card errors on confirm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<Box<crate::models::PaymentIntent>>,
}

#[derive(Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: ApiErrorBody,
}

lenient_enum! {
    /// The `type` of a Stripe error.
    pub enum ErrorType {
        ApiError = "api_error",
        CardError = "card_error",
        IdempotencyError = "idempotency_error",
        InvalidRequestError = "invalid_request_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<&str>) -> Box<ApiError> {
        Box::new(ApiError {
            status,
            request_id: None,
            error: ApiErrorBody {
                code: code.map(str::to_owned),
                ..ApiErrorBody::default()
            },
        })
    }

    #[test]
    fn transient_errors_are_told_apart_from_permanent_ones() {
        assert!(Error::Timeout.is_transient());
        assert!(Error::RateLimited(api(429, Some("rate_limit"))).is_transient());
        assert!(Error::Api(api(503, None)).is_transient());
        assert!(Error::Api(api(409, None)).is_transient());
        assert!(Error::Api(api(429, Some("lock_timeout"))).is_transient());
        assert!(!Error::Api(api(400, Some("parameter_missing"))).is_transient());
        assert!(!Error::Api(api(404, Some("resource_missing"))).is_transient());
        assert!(!Error::Auth(api(401, None)).is_transient());
        assert!(!Error::Config("x".into()).is_transient());
        assert!(
            !Error::Decode {
                path: "id".into(),
                message: "x".into()
            }
            .is_transient()
        );
    }

    #[test]
    fn a_nested_failure_is_taken_once_and_only_for_its_own_message() {
        let failure = nested::Nested::Decode {
            path: "data.object.created".into(),
            message: "invalid type".into(),
        };
        let text = nested::report(failure.clone());
        assert_eq!(text, "at `data.object.created`: invalid type");
        // Another error's message does not pick up a failure serde dropped, and clears it.
        assert_eq!(nested::take("missing field `id`"), None);
        assert_eq!(nested::take(&text), None);
        nested::report(failure.clone());
        assert_eq!(
            nested::take(&format!("{text} at line 1 column 80")),
            Some(failure)
        );
        assert_eq!(nested::join(".", "api_version"), "api_version");
        assert_eq!(
            nested::join("data[2]", "api_version"),
            "data[2].api_version"
        );
        assert!(
            !Error::UnsupportedApiVersion {
                api_version: Some("2027-04-28.fig".into()),
                path: "api_version".into(),
            }
            .is_transient()
        );
    }

    #[test]
    fn display_names_status_type_code_and_request_id() {
        let mut e = api(402, Some("card_declined"));
        e.error.error_type = Some(ErrorType::CardError);
        e.error.decline_code = Some("insufficient_funds".into());
        e.request_id = Some("req_1".into());
        let text = Error::Api(e).to_string();
        assert_eq!(
            text,
            "api error: HTTP 402 card_error code=card_declined decline_code=insufficient_funds (request req_1)"
        );
    }
}

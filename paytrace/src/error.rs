//! The crate's single error type.
//!
//! Declines are not errors: a `response_code` 102 arrives as an `Ok` response whose
//! [`outcome`](crate::TransactionResponse::outcome) is [`Outcome::Declined`](crate::Outcome::Declined).

use crate::client::RequestKind;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Result alias used by every operation of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling PayTrace.
///
/// No variant carries a secret, a card number or a CSC: request bodies are never copied
/// into errors, and `reqwest` errors only name the URL (which holds no query string here).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read (DNS, TLS, reset).
    ///
    /// For a request that changes state the request may or may not have reached PayTrace:
    /// resolve it with [`Client::find_sale_by_invoice`](crate::Client::find_sale_by_invoice)
    /// before any retry (see [`Error::is_ambiguous`]).
    #[error("transport error calling {path}: {source}")]
    Transport {
        /// API path that was called, e.g. `/v1/transactions/sale/keyed`.
        path: String,
        /// What the request that failed does (the token request, when the call failed
        /// while fetching its token).
        kind: RequestKind,
        /// Underlying HTTP client error.
        #[source]
        source: reqwest::Error,
    },
    /// No response arrived within the configured timeout. The outcome is unknown.
    #[error("timed out calling {path}")]
    Timeout {
        /// API path that was called.
        path: String,
        /// What the request that timed out does (the token request, when the call timed out
        /// while fetching its token).
        kind: RequestKind,
    },
    /// PayTrace rejected the request with `errors{code: [messages]}` (usually `response_code` 1).
    #[error("{0}")]
    Validation(ValidationErrors),
    /// PayTrace answered with a body that is neither a result nor a validation error,
    /// e.g. `success: false` with no result fields on an operation that must return them.
    #[error("PayTrace API error (HTTP {status}): {body:?}")]
    Api {
        /// HTTP status of the response.
        status: u16,
        /// The provider's status fields.
        body: ApiErrorBody,
    },
    /// The OAuth token request failed, or a fresh token was refused again.
    #[error("authentication failed: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Auth {
        /// OAuth `error` value, e.g. `invalid_grant` or `invalid_token`.
        error: String,
        /// OAuth `error_description`, when PayTrace sent one.
        description: Option<String>,
    },
    /// HTTP 429: PayTrace asked the caller to slow down.
    #[error("rate limited by PayTrace (retry after {retry_after:?})")]
    RateLimited {
        /// Value of the `Retry-After` header, when present and given in seconds.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx without a PayTrace JSON body.
    #[error("PayTrace server error (HTTP {status})")]
    Server {
        /// HTTP status of the response.
        status: u16,
        /// What the request answered this way does.
        kind: RequestKind,
    },
    /// The response body did not match the expected shape.
    #[error("could not decode PayTrace response (HTTP {status}) at `{path}`: {message}")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// JSON path of the offending value (`.` for the root).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The client was configured with invalid values, or a request could not be encoded.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// Whether the failed call may have changed something at PayTrace anyway.
    ///
    /// True for a timeout, a transport failure or a 5xx answer to a request that changes
    /// state ([`RequestKind::changes_state`]: transactions, vault changes, Level 3): for a
    /// sale this is the "ambiguous outcome" that must be looked up before retrying.
    /// Never ambiguous: any failure of a token request (the call itself was not sent) or of
    /// a lookup (it changes nothing), and a connection that could not be opened.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Timeout { kind, .. } | Error::Server { kind, .. } => kind.changes_state(),
            Error::Transport { kind, source, .. } => kind.changes_state() && !source.is_connect(),
            _ => false,
        }
    }
}

/// PayTrace's numeric error key, the map key of `errors` (e.g. `58`, `171`, `817`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// 30: customer ID not found.
    pub const CUSTOMER_NOT_FOUND: ErrorCode = ErrorCode(30);
    /// 35: invalid credit card number.
    pub const CARD_NUMBER: ErrorCode = ErrorCode(35);
    /// 43: invalid expiration month.
    pub const EXPIRATION_MONTH: ErrorCode = ErrorCode(43);
    /// 44: invalid expiration year.
    pub const EXPIRATION_YEAR: ErrorCode = ErrorCode(44);
    /// 45: invalid checking account number.
    pub const ACCOUNT_NUMBER: ErrorCode = ErrorCode(45);
    /// 46: invalid transit routing number.
    pub const ROUTING_NUMBER: ErrorCode = ErrorCode(46);
    /// 58: invalid transaction ID.
    pub const TRANSACTION_ID: ErrorCode = ErrorCode(58);
    /// 80: check ID not found (already voided or settled).
    pub const CHECK_NOT_FOUND: ErrorCode = ErrorCode(80);
    /// 171: the customer ID is not unique.
    pub const CUSTOMER_ID_NOT_UNIQUE: ErrorCode = ErrorCode(171);
    /// 817: only settled transactions can be refunded (void instead).
    pub const REFUND_UNSETTLED: ErrorCode = ErrorCode(817);
    /// 981: the API user lacks the permission.
    pub const INSUFFICIENT_PERMISSIONS: ErrorCode = ErrorCode(981);
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A validation failure: every error code PayTrace listed, with its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    /// `response_code` of the body (1 in every documented sample; absent in some).
    pub response_code: Option<u16>,
    /// `status_message` of the body, e.g. "One or more errors has occurred."
    pub status_message: Option<String>,
    /// Every code with its messages, ordered by code.
    pub errors: BTreeMap<ErrorCode, Vec<String>>,
}

impl ValidationErrors {
    /// Whether PayTrace reported `code`.
    pub fn contains(&self, code: ErrorCode) -> bool {
        self.errors.contains_key(&code)
    }

    /// The reported codes, in ascending order.
    pub fn codes(&self) -> impl Iterator<Item = ErrorCode> + '_ {
        self.errors.keys().copied()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PayTrace validation errors:")?;
        for (code, messages) in &self.errors {
            write!(f, " [{code}] {}", messages.join(" "))?;
        }
        Ok(())
    }
}

/// The status fields of a PayTrace body that was not a usable result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiErrorBody {
    /// `success`, when present.
    pub success: Option<bool>,
    /// `response_code`, when present.
    pub response_code: Option<u16>,
    /// `status_message`, when present.
    pub status_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(path: &str, kind: RequestKind) -> Error {
        Error::Timeout {
            path: path.into(),
            kind,
        }
    }

    #[test]
    fn ambiguity_follows_the_kind_of_request_not_its_path() {
        let sale = "/v1/transactions/sale/keyed";
        let token = "/oauth/token";
        let export = "/v1/transactions/export/by_date_range";
        assert!(timeout(sale, RequestKind::Transaction).is_ambiguous());
        assert!(timeout("/v1/customer/create", RequestKind::VaultChange).is_ambiguous());
        assert!(timeout("/v1/level_three/visa", RequestKind::Level3).is_ambiguous());
        assert!(!timeout(token, RequestKind::Token).is_ambiguous());
        assert!(!timeout(export, RequestKind::Lookup).is_ambiguous());
        assert!(!timeout("/v1/payment_fields/token/create", RequestKind::ClientKey).is_ambiguous());
        // The path plays no part: the same path under another kind gives the other answer.
        assert!(timeout(token, RequestKind::Transaction).is_ambiguous());
        assert!(!timeout(sale, RequestKind::Token).is_ambiguous());
        assert!(!timeout(sale, RequestKind::Lookup).is_ambiguous());

        let server = |kind| Error::Server { status: 503, kind };
        assert!(server(RequestKind::Transaction).is_ambiguous());
        assert!(!server(RequestKind::Token).is_ambiguous());
        assert!(!server(RequestKind::Lookup).is_ambiguous());
        assert!(!Error::RateLimited { retry_after: None }.is_ambiguous());
    }
}

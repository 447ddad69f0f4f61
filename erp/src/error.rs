//! The crate's one error type.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::models::DocumentKind;
use crate::money::CurrencyCode;

/// Everything that can go wrong in the ERP layer, whichever backend is used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP request could not be sent or its response not read.
    #[error("http transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request did not complete within the configured timeout.
    #[error("request timed out")]
    Timeout,
    /// Odoo answered with an error status and its JSON error object.
    #[error("odoo error {status}: {}", body.message)]
    Api {
        /// HTTP status (200 for legacy JSON-RPC errors, which arrive in a 200 body).
        status: u16,
        /// Odoo's error object.
        body: Box<OdooErrorBody>,
    },
    /// The API key was refused (HTTP 401, or Odoo's `AccessDenied`).
    #[error("authentication failed: {message}")]
    Auth {
        /// Odoo's message (it never contains the key).
        message: String,
    },
    /// Too many requests (HTTP 429).
    #[error("rate limited (retry after {retry_after:?})")]
    RateLimited {
        /// The `Retry-After` delay, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// A response body did not have the expected shape.
    #[error("decode error at {path}: {message}")]
    Decode {
        /// JSON path of the offending value (`$` for the root).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The configuration is invalid, or the remote schema lacks fields this crate needs.
    #[error("configuration: {0}")]
    Config(String),
    /// A journal entry whose debits and credits differ; it was not posted.
    #[error("unbalanced journal entry: debits {debits} != credits {credits} ({currency})")]
    Unbalanced {
        /// Sum of the debits, minor units.
        debits: i64,
        /// Sum of the credits, minor units.
        credits: i64,
        /// Currency of the entry.
        currency: CurrencyCode,
    },
    /// Two amounts that must share a currency do not.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The currency of the document already recorded.
        expected: CurrencyCode,
        /// The currency given.
        found: CurrencyCode,
    },
    /// A currency code that is not an ISO 4217 currency with a minor unit (unknown, or a code
    /// such as `XAU` or `XXX` that has none): refused rather than given a guessed exponent.
    #[error("{0}")]
    UnknownCurrency(#[source] payops_core::Error),
    /// The external reference already names a document of another kind.
    #[error("external reference {external_ref:?} already names a {existing:?}")]
    ReferenceConflict {
        /// The reference.
        external_ref: String,
        /// The kind of the document that holds it.
        existing: DocumentKind,
    },
    /// A document this one points at (customer, invoice, account) does not exist.
    #[error("{kind} {reference:?} not found")]
    NotFound {
        /// What was looked for (`"invoice"`, `"account"`, ...).
        kind: &'static str,
        /// The reference or code looked for.
        reference: String,
    },
    /// The document breaks a ledger rule (an overpayment, a negative amount, ...).
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// The embedded SQLite store failed.
    #[error("ledger storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The ledger's file could not be opened for writing: it cannot be written, another
    /// process holds it, it is not a database, or its schema could not be created.
    #[error("ledger file: {source}")]
    LedgerFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why, with the path (see [`sqlite_batch::Error`] for the cases).
        source: sqlite_batch::OpenError,
    },
    /// The PostgreSQL ledger failed (a statement, the connection, or its URL).
    #[cfg(feature = "postgres")]
    #[error("ledger storage: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection to the PostgreSQL ledger could be had (the server is unreachable, or
    /// every connection of the pool stayed busy).
    #[cfg(feature = "postgres")]
    #[error("ledger storage: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The PostgreSQL ledger's schema was written by a newer version of this library.
    #[cfg(feature = "postgres")]
    #[error("ledger schema version {found} is newer than this library's {supported}")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// The ledger's thread stopped, or a call on it panicked.
    #[error("ledger task failed: {0}")]
    Task(String),
    /// This ERP backend cannot do that (yet), and why.
    #[error("{what} are not available from this ERP: {why}")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
        /// Why it is not available.
        why: &'static str,
    },
    /// The ledger database URL's TLS settings cannot be used.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    DatabaseTls(#[from] payops_core::pg::TlsError),
}

/// Odoo's JSON error object, as documented for JSON-2 error responses (`name`, `message`,
/// `arguments`, `context`, `debug`); legacy JSON-RPC carries the same object under `error.data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OdooErrorBody {
    /// Fully qualified Python exception name, e.g. `odoo.exceptions.ValidationError`.
    #[serde(default)]
    pub name: String,
    /// The exception message.
    #[serde(default)]
    pub message: String,
    /// All the exception arguments.
    #[serde(default)]
    pub arguments: Vec<serde_json::Value>,
    /// The context used by the request.
    #[serde(default)]
    pub context: serde_json::Value,
    /// The server traceback.
    #[serde(default)]
    pub debug: String,
}

/// The Odoo exception classes an integration usually needs to tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OdooErrorKind {
    /// `odoo.exceptions.AccessDenied` or `werkzeug.exceptions.Unauthorized`.
    AccessDenied,
    /// `odoo.exceptions.AccessError`: the user lacks rights on the model or record.
    AccessError,
    /// `odoo.exceptions.MissingError`: the record was deleted.
    MissingError,
    /// `odoo.exceptions.ValidationError`: a constraint failed.
    ValidationError,
    /// `odoo.exceptions.UserError`: a business rule refused the operation.
    UserError,
    /// `werkzeug.exceptions.NotFound`: unknown model or method.
    NotFound,
    /// Any other exception.
    Other,
}

impl OdooErrorBody {
    /// Classifies the exception by its Python name.
    pub fn kind(&self) -> OdooErrorKind {
        match self.name.as_str() {
            "odoo.exceptions.AccessDenied" | "werkzeug.exceptions.Unauthorized" => {
                OdooErrorKind::AccessDenied
            }
            "odoo.exceptions.AccessError" => OdooErrorKind::AccessError,
            "odoo.exceptions.MissingError" => OdooErrorKind::MissingError,
            "odoo.exceptions.ValidationError" => OdooErrorKind::ValidationError,
            "odoo.exceptions.UserError" | "odoo.exceptions.RedirectWarning" => {
                OdooErrorKind::UserError
            }
            "werkzeug.exceptions.NotFound" => OdooErrorKind::NotFound,
            _ => OdooErrorKind::Other,
        }
    }
}

impl Error {
    /// The Odoo exception class, when this is an [`Error::Api`].
    pub fn odoo_kind(&self) -> Option<OdooErrorKind> {
        match self {
            Error::Api { body, .. } => Some(body.kind()),
            _ => None,
        }
    }

    pub(crate) fn decode(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        Error::Decode {
            path: if path == "." { "$".into() } else { path },
            message: err.into_inner().to_string(),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<deadpool_postgres::BuildError> for Error {
    fn from(err: deadpool_postgres::BuildError) -> Self {
        Self::Task(format!("could not build the connection pool: {err}"))
    }
}

impl From<sqlite_batch::Error<Error>> for Error {
    fn from(err: sqlite_batch::Error<Error>) -> Self {
        match err {
            sqlite_batch::Error::Op(err) => err,
            sqlite_batch::Error::Batch(err) => Error::Storage(err),
            other => Error::Task(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Task(e.to_string())
    }
}

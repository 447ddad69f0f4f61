//! The console's one error type: its configuration refused, or a page that cannot be shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flows::FlowError;
use thiserror::Error;

use crate::page;
use crate::redact::mask_text;

/// What went wrong: a configuration [`crate::ConsoleState`] refuses, or a request the console
/// answers with an error page (its status from [`ConsoleError::status`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The token is too short to resist guessing.
    #[error("the console token must be at least {min} characters long")]
    WeakToken {
        /// The least length accepted.
        min: usize,
    },
    /// The public base URL is not an absolute `http` or `https` URL without query or fragment.
    #[error("public base URL {value:?}: {reason}")]
    BaseUrl {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A query parameter has a value the page does not know.
    #[error("query parameter `{field}`: {value:?} is not one of {expected}")]
    BadQuery {
        /// The parameter.
        field: &'static str,
        /// Its value.
        value: String,
        /// The values it takes.
        expected: String,
    },
    /// No dead letter with this id waits for replay.
    #[error("no dead letter {0} waiting for replay")]
    NoSuchDeadLetter(i64),
    /// A form authenticated by the session cookie came without its CSRF token (or with a stale
    /// one).
    #[error("the form's security token is missing or out of date: reload the page and try again")]
    Csrf,
    /// The store failed.
    #[error("the store failed: {0}")]
    Store(#[from] FlowError),
}

impl ConsoleError {
    /// The HTTP status of the page that reports it.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadQuery { .. } => StatusCode::BAD_REQUEST,
            Self::NoSuchDeadLetter(_) => StatusCode::NOT_FOUND,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::WeakToken { .. } | Self::BaseUrl { .. } | Self::Store(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        if let Self::Store(err) = &self {
            tracing::error!(error = %mask_text(&err.to_string()), "console page failed");
        }
        let status = self.status();
        let message = mask_text(&self.to_string()).into_owned();
        (status, page::error(status, &message)).into_response()
    }
}

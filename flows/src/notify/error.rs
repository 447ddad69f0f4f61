//! [`NotifyError`]: why a notice did not go out.

use std::time::Duration;

use thiserror::Error;

use crate::StepError;
use crate::error::Cause;
use crate::signed_post::{BadSetting, Unanswered};

/// Why a notice did not go out. Never holds a secret.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The receiver refused it (an HTTP `4xx` other than `408`/`429`, an SMTP `5xx`): permanent.
    #[error("notice refused ({status}): {message}")]
    Refused {
        /// The HTTP status or SMTP reply code.
        status: u16,
        /// The receiver's message, clipped.
        message: String,
    },
    /// The receiver cannot take it now (HTTP `408`, `429`, `5xx`; SMTP `4xx`): sent again later.
    #[error("notice receiver unavailable ({status}): {message}")]
    Unavailable {
        /// The HTTP status or SMTP reply code.
        status: u16,
        /// The receiver's message, clipped.
        message: String,
        /// The answer's `Retry-After`, when it had one in seconds.
        retry_after: Option<Duration>,
    },
    /// No answer within the timeout: sent again later.
    #[error("notice receiver did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection failed (refused, reset, TLS): sent again later.
    #[error("notice receiver connection failed: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The notifier is misconfigured: permanent.
    #[error("notifier configuration: {field}: {reason}")]
    Config {
        /// The setting (`url`, `timeout`, `from`, `to`, `host`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl NotifyError {
    /// Whether sending the same notice again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. } | Self::Timeout(_) | Self::Transport(_)
        )
    }
}

impl From<BadSetting> for NotifyError {
    fn from(bad: BadSetting) -> Self {
        NotifyError::Config {
            field: bad.field,
            reason: bad.reason,
        }
    }
}

impl From<Unanswered> for NotifyError {
    fn from(unanswered: Unanswered) -> Self {
        match unanswered {
            Unanswered::Timeout(after) => NotifyError::Timeout(after),
            Unanswered::Transport(err) => NotifyError::Transport(Box::new(err)),
        }
    }
}

/// Transient or permanent, at no provider: a notifier's failures never open a provider's
/// circuit breaker.
impl From<NotifyError> for StepError {
    fn from(err: NotifyError) -> Self {
        if err.is_transient() {
            let retry_after = match &err {
                NotifyError::Unavailable { retry_after, .. } => *retry_after,
                _ => None,
            };
            StepError::Transient {
                system: None,
                retry_after,
                source: Box::new(Cause::Notify(err)),
            }
        } else {
            StepError::Permanent {
                system: None,
                source: Box::new(Cause::Notify(err)),
            }
        }
    }
}

//! The crate's error type, and the outcome a job step reports.

use std::time::Duration;

use mapping::MappingError;
use thiserror::Error;

/// An error of the runtime itself (the store, a lease), as opposed to a step's outcome.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The SQLite store failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored payload is not the JSON it was written as.
    #[error("stored payload: {0}")]
    Payload(#[from] serde_json::Error),
    /// The job's lease expired and another worker may have it: this worker must not touch it.
    #[error("job {job} is no longer leased by worker {worker}")]
    LeaseLost {
        /// The job.
        job: i64,
        /// The worker that lost it.
        worker: String,
    },
    /// No dead letter with this id, or it was already replayed.
    #[error("no dead letter {0} waiting for replay")]
    NoSuchDeadLetter(i64),
    /// The store's thread stopped, or an operation on it panicked.
    #[error("store task failed: {0}")]
    Task(String),
}

impl From<sqlite_batch::Error<FlowError>> for FlowError {
    fn from(err: sqlite_batch::Error<FlowError>) -> Self {
        match err {
            sqlite_batch::Error::Op(err) => err,
            sqlite_batch::Error::Batch(err) => FlowError::Sqlite(err),
            other => FlowError::Task(other.to_string()),
        }
    }
}

/// Why a job step did not complete. The worker decides from this whether to retry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StepError {
    /// Worth retrying: a timeout, a 5xx, a 429, a throttle, a dependency not ready yet.
    #[error("transient failure{}: {reason}", provider.as_deref().map(|p| format!(" at {p}")).unwrap_or_default())]
    Transient {
        /// The provider that failed, whose circuit breaker counts the failure.
        provider: Option<String>,
        /// What happened (never secrets or card data).
        reason: String,
        /// How long the provider asked us to wait (`Retry-After`, Shopify's throttle status).
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help: a mapping error, a validation error. Goes to dead letters at once.
    #[error("permanent failure: {reason}")]
    Permanent {
        /// What happened, naming the field where there is one.
        reason: String,
    },
}

impl StepError {
    /// A transient failure at `provider`.
    pub fn transient(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Transient {
            provider: Some(provider.into()),
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// A permanent failure.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            reason: reason.into(),
        }
    }
}

impl From<MappingError> for StepError {
    fn from(err: MappingError) -> Self {
        if err.is_permanent() {
            Self::Permanent {
                reason: err.to_string(),
            }
        } else {
            Self::Transient {
                provider: None,
                reason: err.to_string(),
                retry_after: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_errors_keep_their_field_and_permanence() {
        let permanent: StepError = MappingError::MissingField {
            field: "order.line_items[0].sku".into(),
        }
        .into();
        assert_eq!(
            permanent,
            StepError::Permanent {
                reason: "order.line_items[0].sku: required value is missing".into()
            }
        );
        let transient: StepError = MappingError::NotYetKnown {
            field: "refund.payment_transaction_id".into(),
            system: "paytrace",
        }
        .into();
        assert!(matches!(
            transient,
            StepError::Transient { provider: None, .. }
        ));
    }

    #[test]
    fn display_names_the_provider() {
        assert_eq!(
            StepError::transient("paytrace", "HTTP 503").to_string(),
            "transient failure at paytrace: HTTP 503"
        );
    }
}

//! The crate's error types: [`FlowError`] for the runtime itself (the store, a lease), and
//! [`StepError`] for how a workflow step ended when it did not succeed.

use std::time::Duration;

use mapping::{MappingError, System};
use thiserror::Error;

/// An error of the runtime itself (the store, a lease), as opposed to a step's outcome.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The SQLite store failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store's file could not be opened for writing (see [`sqlite_batch::OpenError`]).
    #[error("store: {0}")]
    Open(#[from] sqlite_batch::OpenError),
    /// The PostgreSQL store failed (a statement, the connection, or its URL).
    #[cfg(feature = "postgres")]
    #[error("store: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection to PostgreSQL could be had (the server is unreachable, or every
    /// connection of the pool stayed busy).
    #[cfg(feature = "postgres")]
    #[error("store: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The store's schema was written by a newer version of this library.
    #[error("store schema version {found} is newer than this library's {supported}")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// A stored payload is not the JSON it was written as.
    #[error("stored payload: {0}")]
    Payload(#[from] serde_json::Error),
    /// The claim this run holds is no longer the job's current claim (its lease expired and
    /// another run claimed the job, or the job was finished): the run must change nothing.
    #[error("job {job} is no longer held by claim {token}")]
    LeaseLost {
        /// The job.
        job: i64,
        /// The claim's token.
        token: i64,
    },
    /// No dead letter with this id, or it was already replayed.
    #[error("no dead letter {0} waiting for replay")]
    NoSuchDeadLetter(i64),
    /// A stored value names something this version does not know (a provider, a job kind).
    #[error("stored {what} {value:?} is not known to this version")]
    Unknown {
        /// What the value is (`provider`, ...).
        what: &'static str,
        /// The value as stored.
        value: String,
    },
    /// A record in the store is not what its step records (a fraud screen or outcome record
    /// read by [`crate::workflows::screening::history`]).
    #[error("record {key}: {source}")]
    Record {
        /// The record's key.
        key: String,
        /// Why it does not decode.
        source: serde_json::Error,
    },
    /// The store's thread stopped, or an operation on it panicked.
    #[error("store task failed: {0}")]
    Task(String),
    /// The database URL's TLS settings cannot be used.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    DatabaseTls(#[from] payops_core::pg::TlsError),
}

impl FlowError {
    /// Whether the failure comes from storage that does not accept writes right now (a full or
    /// read-only file system, an I/O error; a PostgreSQL server that is unreachable, shutting
    /// down, read-only or out of disk), as opposed to a logic error: the intake answers 503
    /// and the store's readiness check fails until a write succeeds again.
    pub fn is_storage_failure(&self) -> bool {
        match self {
            Self::Sqlite(err) => sqlite_batch::is_storage_failure(err),
            Self::Open(_) => true,
            #[cfg(feature = "postgres")]
            Self::Postgres(err) => crate::store::postgres::is_unavailable(err),
            #[cfg(feature = "postgres")]
            Self::Pool(err) => crate::store::postgres::pool_unavailable(err),
            _ => false,
        }
    }
}

#[cfg(feature = "postgres")]
impl From<deadpool_postgres::BuildError> for FlowError {
    fn from(err: deadpool_postgres::BuildError) -> Self {
        Self::Task(format!("could not build the connection pool: {err}"))
    }
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

/// What made a step fail, with its typed source: a client's error, a mapping error naming the
/// field, the store, or the workflow's own reason.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Cause {
    /// The PayTrace client.
    #[cfg(feature = "paytrace")]
    #[error("paytrace: {0}")]
    Paytrace(#[from] paytrace::Error),
    /// The Shopify client.
    #[cfg(feature = "shopify")]
    #[error("shopify: {0}")]
    Shopify(#[from] shopify::Error),
    /// The Stripe client.
    #[cfg(feature = "stripe")]
    #[error("stripe: {0}")]
    Stripe(#[from] stripe_client::Error),
    /// The Magento client.
    #[cfg(feature = "magento")]
    #[error("magento: {0}")]
    Magento(#[from] magento::Error),
    /// The ERP.
    #[error("erp: {0}")]
    Erp(#[from] erp::Error),
    /// A mapping between systems (it names the field).
    #[error("{0}")]
    Mapping(#[from] MappingError),
    /// The runtime's store.
    #[error("{0}")]
    Store(#[from] FlowError),
    /// The warehouse a fulfilment request went to.
    #[error("warehouse: {0}")]
    Fulfilment(#[from] crate::fulfilment::FulfilmentError),
    /// A notifier (a notice to a person).
    #[error("notifier: {0}")]
    Notify(#[from] crate::notify::NotifyError),
    /// Money already moved when the booking that follows it failed: a replay books without
    /// moving money again.
    #[error("booking after {what} {transaction} failed: {source}")]
    AfterMoney {
        /// What moved the money (`charge`, `capture`, `refund`).
        what: &'static str,
        /// The gateway's transaction id.
        transaction: String,
        /// Why the booking failed.
        source: Box<Cause>,
    },
    /// The fraud screen (its velocity store).
    #[error("fraud screen: {0}")]
    Fraud(#[from] fraud::FraudError),
    /// The workflow's own reason (a decline that must stop the flow, an outcome to check by hand).
    #[error("{0}")]
    Workflow(String),
}

/// Why a job step did not complete. The worker decides from this what happens to the job.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StepError {
    /// Worth retrying: a timeout, a 5xx, a 429, a throttle. Counts as a failed attempt, and
    /// against the circuit breaker of `system`.
    #[error("transient failure{}: {source}", at(*system))]
    Transient {
        /// The system that failed, whose circuit breaker counts the failure.
        system: Option<System>,
        /// How long the system asked us to wait (`Retry-After`, Shopify's throttle status).
        retry_after: Option<Duration>,
        /// What happened (never secrets or card data).
        source: Box<Cause>,
    },
    /// Retrying cannot help (a mapping error, a refusal, an outcome a person must check): the
    /// job goes to dead letters at once.
    #[error("permanent failure{}: {source}", at(*system))]
    Permanent {
        /// The system that refused, if any.
        system: Option<System>,
        /// What happened, naming the field where there is one.
        source: Box<Cause>,
    },
    /// Not a failure: the step waits (for another flow, for a provider's outcome to settle) and
    /// the job runs again after `after`, without spending an attempt.
    #[error("waiting {after:?}: {reason}")]
    Wait {
        /// How long to wait before running the job again.
        after: Duration,
        /// What the job waits for.
        reason: String,
    },
}

fn at(system: Option<System>) -> String {
    system
        .map(|s| format!(" at {}", s.as_str()))
        .unwrap_or_default()
}

impl StepError {
    /// A transient failure at `system`.
    pub fn transient(system: System, cause: impl Into<Cause>) -> Self {
        Self::Transient {
            system: Some(system),
            retry_after: None,
            source: Box::new(cause.into()),
        }
    }

    /// A permanent failure for the workflow's own `reason`.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            system: None,
            source: Box::new(Cause::Workflow(reason.into())),
        }
    }

    /// A planned wait of `after` for `reason`.
    pub fn wait(after: Duration, reason: impl Into<String>) -> Self {
        Self::Wait {
            after,
            reason: reason.into(),
        }
    }

    /// Whether the run lost its claim: it must stop and change nothing.
    pub fn is_lease_lost(&self) -> bool {
        matches!(
            self.cause(),
            Some(Cause::Store(FlowError::LeaseLost { .. }))
        )
    }

    /// The typed cause, unless this is a wait.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Self::Transient { source, .. } | Self::Permanent { source, .. } => Some(&**source),
            Self::Wait { .. } => None,
        }
    }

    /// Whether the job goes to dead letters at once.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }

    /// Marks a permanent failure as one that happened after money moved (`what` of
    /// `transaction`), so its dead letter says the booking failed, not the payment. Transient
    /// failures and waits are left as they are: they are retried and the money does not move
    /// again either way.
    pub fn after_money(self, what: &'static str, transaction: &str) -> Self {
        match self {
            Self::Permanent { system, source } => Self::Permanent {
                system,
                source: Box::new(Cause::AfterMoney {
                    what,
                    transaction: transaction.to_owned(),
                    source,
                }),
            },
            other => other,
        }
    }
}

/// A mapping error is permanent (dead letters at once, naming the field), except
/// [`MappingError::NotYetKnown`]: a provider that has not produced a value yet (Stripe's balance
/// transaction of a fresh charge), which is retried as a transient failure of that provider.
impl From<MappingError> for StepError {
    fn from(err: MappingError) -> Self {
        if err.is_permanent() {
            Self::Permanent {
                system: None,
                source: Box::new(Cause::Mapping(err)),
            }
        } else {
            let system = match &err {
                MappingError::NotYetKnown { system, .. } => System::from_name(system),
                _ => None,
            };
            Self::Transient {
                system,
                retry_after: None,
                source: Box::new(Cause::Mapping(err)),
            }
        }
    }
}

/// The store failing is worth a retry (the job stays in the queue), except a lost lease: the run
/// must stop and change nothing, which a permanent error does (the worker cannot record it
/// either, and the job's current claim decides its fate).
impl From<FlowError> for StepError {
    fn from(err: FlowError) -> Self {
        if matches!(err, FlowError::LeaseLost { .. }) {
            Self::Permanent {
                system: None,
                source: Box::new(Cause::Store(err)),
            }
        } else {
            Self::Transient {
                system: None,
                retry_after: None,
                source: Box::new(Cause::Store(err)),
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
            field: "order.line_items[0].name".into(),
        }
        .into();
        assert!(matches!(
            permanent.cause(),
            Some(Cause::Mapping(MappingError::MissingField { field }))
                if field == "order.line_items[0].name"
        ));
        assert!(matches!(
            permanent,
            StepError::Permanent { system: None, .. }
        ));
        assert_eq!(
            permanent.to_string(),
            "permanent failure: order.line_items[0].name: required value is missing"
        );
        let transient: StepError = MappingError::NotYetKnown {
            field: "charge.balance_transaction".into(),
            system: "stripe",
        }
        .into();
        assert!(matches!(
            transient,
            StepError::Transient {
                system: Some(System::Stripe),
                ..
            }
        ));
    }

    #[test]
    fn display_names_the_system_and_the_money_that_moved() {
        let err = StepError::transient(System::Paytrace, Cause::Workflow("HTTP 503".into()));
        assert_eq!(err.to_string(), "transient failure at paytrace: HTTP 503");
        let booking = StepError::from(MappingError::MissingField {
            field: "order.total".into(),
        })
        .after_money("charge", "1234");
        assert_eq!(
            booking.to_string(),
            "permanent failure: booking after charge 1234 failed: order.total: required value is missing"
        );
    }

    #[test]
    fn a_lost_lease_stops_the_run() {
        let err: StepError = FlowError::LeaseLost { job: 1, token: 2 }.into();
        assert!(err.is_permanent());
    }
}

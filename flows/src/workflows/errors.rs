//! How each client's errors become step outcomes: transient (retried with backoff, counted by the
//! system's circuit breaker) or permanent (dead letters at once). The client's error is kept as
//! the typed source; its `Display` never carries secrets or card data.

use std::time::Duration;

use mapping::System;

use crate::StepError;
use crate::error::Cause;

fn transient(system: System, source: Cause, retry_after: Option<Duration>) -> StepError {
    StepError::Transient {
        system: Some(system),
        retry_after,
        source: Box::new(source),
    }
}

fn permanent(system: System, source: Cause) -> StepError {
    StepError::Permanent {
        system: Some(system),
        source: Box::new(source),
    }
}

/// PayTrace: transport errors, timeouts, 5xx, 429 and auth failures (the token may be renewed) are
/// transient; validation errors, API refusals, decode and config errors are permanent. A payment
/// whose answer was lost is resolved by the flow before this applies (see the sale step).
#[cfg(feature = "paytrace")]
impl From<paytrace::Error> for StepError {
    fn from(err: paytrace::Error) -> Self {
        use paytrace::Error as E;
        match &err {
            E::RateLimited { retry_after } => {
                let after = *retry_after;
                transient(System::Paytrace, err.into(), after)
            }
            E::Transport { .. } | E::Timeout { .. } | E::Server { .. } | E::Auth { .. } => {
                transient(System::Paytrace, err.into(), None)
            }
            _ => permanent(System::Paytrace, err.into()),
        }
    }
}

/// Shopify: the client's own `is_transient` (transport, timeout, 429/`THROTTLED` after its own
/// retries, 5xx); `userErrors` and everything else are permanent.
#[cfg(feature = "shopify")]
impl From<shopify::Error> for StepError {
    fn from(err: shopify::Error) -> Self {
        let retry_after = match &err {
            shopify::Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        };
        if err.is_transient() {
            transient(System::Shopify, err.into(), retry_after)
        } else {
            permanent(System::Shopify, err.into())
        }
    }
}

/// Stripe: the client's own `is_transient` (transport, timeout, 409, 429, `lock_timeout`, 5xx).
#[cfg(feature = "stripe")]
impl From<stripe_client::Error> for StepError {
    fn from(err: stripe_client::Error) -> Self {
        if err.is_transient() {
            transient(System::Stripe, err.into(), None)
        } else {
            permanent(System::Stripe, err.into())
        }
    }
}

/// Magento: transport, timeout, 429 (with `Retry-After`), 500 and 502/503/504 are transient;
/// 400, 401, OAuth problems, 404, decode and config errors are permanent.
#[cfg(feature = "magento")]
impl From<magento::Error> for StepError {
    fn from(err: magento::Error) -> Self {
        use magento::Error as E;
        match &err {
            E::RateLimited { retry_after, .. } => {
                let after = *retry_after;
                transient(System::Magento, err.into(), after)
            }
            E::Transport(_) | E::Timeout | E::Internal(_) | E::Unavailable { .. } => {
                transient(System::Magento, err.into(), None)
            }
            _ => permanent(System::Magento, err.into()),
        }
    }
}

/// The ERP: Odoo transport, timeout, 429 and SQLite busy/IO errors are transient; refusals by the
/// ledger's rules (unbalanced, currency mismatch, reference conflict) and Odoo validation errors are
/// permanent.
impl From<erp::Error> for StepError {
    fn from(err: erp::Error) -> Self {
        use erp::Error as E;
        match &err {
            E::RateLimited { retry_after } => {
                let after = *retry_after;
                transient(System::Erp, err.into(), after)
            }
            // A PostgreSQL ledger's failures (a lost connection, a deadlock victim, a pool
            // timeout) pass like a busy SQLite file: the booking is tried again.
            E::Transport(_)
            | E::Timeout
            | E::Storage(_)
            | E::Task(_)
            | E::Postgres(_)
            | E::Pool(_) => transient(System::Erp, err.into(), None),
            E::Api { status, .. } if *status >= 500 => transient(System::Erp, err.into(), None),
            _ => permanent(System::Erp, err.into()),
        }
    }
}

#[cfg(all(test, feature = "paytrace"))]
mod tests {
    use super::*;

    #[test]
    fn client_errors_keep_their_typed_source() {
        let err: StepError = paytrace::Error::Config("username is empty".into()).into();
        assert!(matches!(
            err.cause(),
            Some(Cause::Paytrace(paytrace::Error::Config(_)))
        ));
        assert!(matches!(
            err,
            StepError::Permanent {
                system: Some(System::Paytrace),
                ..
            }
        ));
        let erp: StepError = erp::Error::Timeout.into();
        assert!(matches!(erp.cause(), Some(Cause::Erp(erp::Error::Timeout))));
        assert!(matches!(
            erp,
            StepError::Transient {
                system: Some(System::Erp),
                ..
            }
        ));
    }
}

#[cfg(all(test, feature = "postgres"))]
mod postgres_tests {
    use super::*;

    /// A PostgreSQL ledger that cannot give a connection now is retried, not dead-lettered.
    #[test]
    fn a_postgres_ledger_that_is_unavailable_is_transient() {
        let pool = deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Wait);
        let err: StepError = erp::Error::Pool(pool).into();
        assert!(matches!(
            err,
            StepError::Transient {
                system: Some(System::Erp),
                ..
            }
        ));
    }
}

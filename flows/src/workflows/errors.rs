//! How each client's errors become step outcomes: transient (retry with backoff, counted by the
//! provider's circuit breaker) or permanent (dead letters at once).
//!
//! Messages are the clients' own `Display`, which never carries secrets or card data.

use std::time::Duration;

use crate::StepError;

fn transient(provider: &str, reason: String, retry_after: Option<Duration>) -> StepError {
    StepError::Transient {
        provider: Some(provider.to_owned()),
        reason,
        retry_after,
    }
}

/// PayTrace: transport errors, timeouts, 5xx, 429 and auth failures (the token may be renewed) are
/// transient; validation errors, API refusals, decode and config errors are permanent. An
/// ambiguous sale (sent, no answer) is transient too: the sale step looks the `invoice_id` up before
/// sending again.
#[cfg(feature = "paytrace")]
impl From<paytrace::Error> for StepError {
    fn from(err: paytrace::Error) -> Self {
        use paytrace::Error as E;
        match &err {
            E::RateLimited { retry_after } => transient("paytrace", err.to_string(), *retry_after),
            E::Transport { .. } | E::Timeout { .. } | E::Server { .. } | E::Auth { .. } => {
                transient("paytrace", err.to_string(), None)
            }
            _ => StepError::permanent(format!("paytrace: {err}")),
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
            transient("shopify", err.to_string(), retry_after)
        } else {
            StepError::permanent(format!("shopify: {err}"))
        }
    }
}

/// Stripe: the client's own `is_transient` (transport, timeout, 409, 429, `lock_timeout`, 5xx).
#[cfg(feature = "stripe")]
impl From<stripe_client::Error> for StepError {
    fn from(err: stripe_client::Error) -> Self {
        if err.is_transient() {
            transient("stripe", err.to_string(), None)
        } else {
            StepError::permanent(format!("stripe: {err}"))
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
                transient("magento", err.to_string(), *retry_after)
            }
            E::Transport(_) | E::Timeout | E::Internal(_) | E::Unavailable { .. } => {
                transient("magento", err.to_string(), None)
            }
            _ => StepError::permanent(format!("magento: {err}")),
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
            E::RateLimited { retry_after } => transient("erp", err.to_string(), *retry_after),
            E::Transport(_) | E::Timeout | E::Storage(_) | E::Task(_) => {
                transient("erp", err.to_string(), None)
            }
            E::Api { status, .. } if *status >= 500 => transient("erp", err.to_string(), None),
            _ => StepError::permanent(format!("erp: {err}")),
        }
    }
}

//! Integration tests of the runtime (the SQLite store, the worker, the intake) and the workflows.
#![allow(clippy::unwrap_used, missing_docs)]

mod backfill;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod fulfilment;
#[cfg(all(feature = "shopify", feature = "stripe"))]
mod intake;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_billing;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_customers;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_disputes;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_fraud;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_pay_again;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_refund_request;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_renewals;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_stripe;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_webhooks;
#[cfg(feature = "stripe")]
mod metrics;
mod notify;
#[cfg(feature = "postgres")]
mod pg_batches;
#[cfg(feature = "postgres")]
mod pg_connection_loss;
mod settlement;
#[cfg(all(feature = "shopify", feature = "paytrace"))]
mod shopify_paytrace;
mod store;
mod toy;
mod worker;

use flows::NewJob;
use flows::workflow::JobKind;

/// A job of `kind` keyed `key`, with `{"key": key}` as its input.
pub fn job(kind: &'static str, key: &str) -> NewJob {
    NewJob {
        kind: JobKind::new(kind),
        key: key.into(),
        payload: serde_json::json!({ "key": key }),
        run_at: 0,
        rerun: false,
        event: None,
    }
}

/// The balance of account `code` in a trial balance (0 when the account has no line).
pub fn balance(trial: &[erp::ledger::TrialBalanceLine], code: &str) -> i64 {
    trial
        .iter()
        .find(|line| line.code == code)
        .map_or(0, |line| line.balance)
}

/// Runs `worker`'s jobs until none is runnable for a while; returns every outcome.
pub async fn drain(worker: &flows::Worker) -> Vec<flows::Outcome> {
    let (tx, mut shutdown) = tokio::sync::watch::channel(false);
    let mut outcomes = Vec::new();
    let mut idle = 0;
    while idle < 10 {
        match worker.run_once(&mut shutdown).await.unwrap() {
            Some(outcome) => {
                idle = 0;
                outcomes.push(outcome);
            }
            None => {
                idle += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    }
    drop(tx);
    outcomes
}

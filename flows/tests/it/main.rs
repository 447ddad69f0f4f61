//! Integration tests of the runtime: the SQLite store and the worker.
#![allow(clippy::unwrap_used, missing_docs)]

#[cfg(all(feature = "shopify", feature = "stripe"))]
mod intake;
#[cfg(all(feature = "magento", feature = "stripe"))]
mod magento_stripe;
#[cfg(all(feature = "shopify", feature = "paytrace"))]
mod shopify_paytrace;
mod store;
mod worker;

use flows::NewJob;

pub fn job(kind: &str, key: &str) -> NewJob {
    NewJob {
        kind: kind.into(),
        key: key.into(),
        payload: serde_json::json!({ "key": key }),
        run_at: 0,
    }
}

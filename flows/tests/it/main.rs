//! Integration tests of the runtime: the SQLite store and the worker.
#![allow(clippy::unwrap_used, missing_docs)]

mod intake;
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

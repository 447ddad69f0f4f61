//! The durable runtime that joins stores, gateways and the ERP.
//!
//! Every webhook is verified, written to the [`Store`] inbox together with its job, and only then
//! acknowledged, so a crash loses nothing and a duplicate delivery is a no-op
//! ([`Store::accept_event`]). A [`Worker`] claims jobs under a lease and runs their handlers:
//! transient failures are retried with jittered exponential [`Backoff`] (obeying the provider's
//! `Retry-After`), a circuit breaker per provider stops hammering a provider that is down, and
//! permanent failures (a [`mapping::MappingError`] naming the field, a validation error) go to
//! dead letters at once, where they can be listed and replayed. The effect log
//! ([`Store::record_effect`]) keeps one record per idempotency key, so a handler that runs twice
//! finds what its first run did.
//!
//! ```no_run
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use flows::{Job, JobHandler, NewJob, SqliteStore, StepError, Store, Worker, WorkerConfig};
//!
//! struct Hello;
//!
//! #[async_trait]
//! impl JobHandler for Hello {
//!     async fn run(&self, job: &Job) -> Result<(), StepError> {
//!         println!("running {}", job.key);
//!         Ok(())
//!     }
//! }
//!
//! # async fn example() -> Result<(), flows::FlowError> {
//! let store = Arc::new(SqliteStore::open("flows.sqlite")?);
//! let job = NewJob { kind: "hello".into(), key: "hello/1".into(), payload: serde_json::json!({}), run_at: 0 };
//! store.enqueue(job, flows::now_millis()).await?;
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! let worker = Worker::new(store, WorkerConfig::new("worker-1")).handler("hello", Hello);
//! let running = tokio::spawn(worker.run(shutdown));
//! // ... later:
//! stop.send(true).ok();
//! running.await.ok();
//! # Ok(())
//! # }
//! ```
//!
//! [`intake::router`] is the axum router that receives Shopify and Stripe webhooks into the store.
//!
//! Not yet here (see the crate README): the workflows and backfill.
#![deny(missing_docs)]

pub mod breaker;
pub mod effects;
pub mod error;
pub mod intake;
pub mod retry;
pub mod store;
pub mod worker;
pub mod workflows;

pub use breaker::{BreakerConfig, Breakers};
pub use error::{FlowError, StepError};
pub use retry::Backoff;
pub use store::{
    Accepted, Counts, DeadLetter, Effect, Job, JobState, Millis, NewEffect, NewEvent, NewJob,
    SqliteStore, Store,
};
pub use worker::{JobHandler, Outcome, Worker, WorkerConfig, now_millis};

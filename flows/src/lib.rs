//! The durable runtime that joins stores, gateways and the ERP, and the workflows that run on it.
//!
//! Every webhook is verified, written to the [`Store`] inbox together with its job, and only then
//! acknowledged ([`intake`]), so a crash loses nothing and a duplicate delivery is a no-op. A
//! [`Worker`] claims jobs and runs their [`Flow`](workflow::Flow)s: each claim has its own token
//! that fences every write of the run, and a run is stopped before its lease ends, so a job never
//! runs twice at once. Transient failures are retried with jittered exponential [`Backoff`]
//! (obeying the provider's `Retry-After`), a circuit breaker per system stops hammering a system
//! that is down, and permanent failures (a [`mapping::MappingError`] naming the field, a refusal)
//! go to dead letters at once, where they can be listed and replayed. Only failures spend
//! attempts: a planned wait, a release and a crashed run do not.
//!
//! The store is one SQLite file ([`SqliteStore`], one process) or, with the `postgres` feature
//! (on by default), one PostgreSQL database shared by any number of processes on any number of
//! machines (`PgStore`); both pass the same conformance suite.
//!
//! Flows are written on the typed [`workflow`] layer: a flow declares its job kind, the systems
//! it calls, its entity and its input; its steps get every key from the entity, run each effect
//! at most once, keep typed state and wait without spending attempts. [`booking`] holds the ERP
//! steps every workflow shares; [`workflows`] the Shopify + PayTrace and Magento + Stripe pairs.
//!
//! ```no_run
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use flows::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx};
//! use flows::{SqliteStore, StepError, Store, Worker, WorkerConfig};
//! use mapping::System;
//!
//! struct Hello;
//!
//! #[async_trait]
//! impl Flow for Hello {
//!     type Input = u64;
//!     const KIND: JobKind = JobKind::new("demo.hello");
//!     const SYSTEMS: &'static [System] = &[];
//!
//!     fn entity(&self, order: &u64) -> Result<EntityKey, StepError> {
//!         Ok(EntityKey::new(System::Shopify, "demo").child(Entity::Order, order))
//!     }
//!
//!     async fn run(&self, ctx: &StepCtx<'_>, order: u64) -> Result<(), StepError> {
//!         println!("running {} for order {order}", ctx.entity());
//!         Ok(())
//!     }
//! }
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(SqliteStore::open("flows.sqlite")?);
//! store.enqueue(flows::workflow::job(&Hello, &1001)?, flows::now_millis()).await?;
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! let worker = Worker::new(store, WorkerConfig::new("worker-1")).flow(Hello);
//! let running = tokio::spawn(worker.run(shutdown));
//! // ... later:
//! stop.send(true).ok();
//! running.await.ok();
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod backfill;
pub mod booking;
pub mod breaker;
pub mod error;
pub mod fulfilment;
pub mod intake;
pub mod notify;
pub mod retry;
pub mod settlement;
pub mod signature;
mod signed_post;
pub mod store;
pub mod worker;
pub mod workflow;
pub mod workflows;

pub use breaker::{BreakerConfig, BreakerStatus, Breakers};
pub use error::{Cause, FlowError, StepError};
pub use retry::Backoff;
#[cfg(feature = "postgres")]
pub use store::PgStore;
pub use store::{
    Accepted, Claimed, Counts, DeadLetter, Effect, Finish, FlowRecords, FlowWrites, Job, JobInfo,
    JobPlan, JobState, Lease, Millis, NewEffect, NewEvent, NewJob, SCHEDULED_AFTER, SqliteStore,
    Store,
};
pub use worker::{IntoStore, Outcome, Worker, WorkerConfig, now_millis};

//! Durable state of the runtime: the webhook inbox, the job queue, dead letters, checkpoints and
//! the audit log of external effects.
//!
//! Times are Unix milliseconds passed in by the caller, so every rule (lease expiry, run times) is
//! testable without a clock and the same on every backend. The trait is shaped for a PostgreSQL
//! backend too: `claim` is one atomic statement there as well (`UPDATE ... WHERE id = (SELECT ...
//! FOR UPDATE SKIP LOCKED) RETURNING ...`), and every write after a claim is fenced by the lease
//! owner.

mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::FlowError;

/// Unix time in milliseconds.
pub type Millis = i64;

/// A verified webhook (or backfilled event) about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// `shopify`, `stripe`, `magento`, ...
    pub provider: String,
    /// The provider's unique id of the delivery (Shopify webhook id, Stripe `evt_...`).
    pub event_id: String,
    /// The topic or event type (`orders/create`, `charge.succeeded`).
    pub topic: String,
    /// The raw body as received, kept for replay and audit.
    pub payload: Vec<u8>,
}

/// An event as stored in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Row id.
    pub id: i64,
    /// The event as it arrived.
    pub event: NewEvent,
    /// When it was stored.
    pub received_at: Millis,
}

/// A job to enqueue. `(kind, key)` is unique: enqueuing the same pair again is a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which handler runs it.
    pub kind: String,
    /// Idempotency key of the job, e.g. `shopify/shop.myshopify.com/order/1001`.
    pub key: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Earliest time to run it.
    pub run_at: Millis,
}

/// What storing a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// First delivery: stored, and its job enqueued.
    New {
        /// Row id of the stored event.
        event: i64,
        /// Id of the job created for it, if it has one.
        job: Option<i64>,
    },
    /// The provider sent this event before: nothing changed.
    Duplicate,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its run time.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Finished.
    Done,
    /// In the dead-letter table.
    Dead,
}

/// A job as a worker sees it after claiming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Row id.
    pub id: i64,
    /// Handler kind.
    pub kind: String,
    /// Idempotency key.
    pub key: String,
    /// Input.
    pub payload: serde_json::Value,
    /// Times the job has been started, this run included.
    pub attempts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

/// A job that failed for good, waiting for a person to look at it and maybe replay it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Row id (what [`Store::replay_dead_letter`] takes).
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// Handler kind.
    pub kind: String,
    /// Idempotency key.
    pub key: String,
    /// The job's input.
    pub payload: serde_json::Value,
    /// Why it failed.
    pub reason: String,
    /// Whether it failed permanently (true) or ran out of retries (false).
    pub permanent: bool,
    /// Attempts made.
    pub attempts: u32,
    /// When it was dead-lettered.
    pub created_at: Millis,
}

/// An external effect recorded in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Row id; ids grow in the order effects were recorded (see [`Store::effects_after`]).
    pub id: i64,
    /// The effect's idempotency key (`shopify/shop/order/1001/sale`).
    pub key: String,
    /// The system it changed.
    pub system: String,
    /// What came back (transaction id, document number, ...).
    pub detail: serde_json::Value,
    /// When it was recorded.
    pub created_at: Millis,
}

/// An effect to record (see [`Store::record_effects`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEffect {
    /// The effect's idempotency key.
    pub key: String,
    /// The system it changed.
    pub system: String,
    /// What came back.
    pub detail: serde_json::Value,
}

/// Row counts, for summaries and health checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Stored webhook events.
    pub events: u64,
    /// Jobs waiting.
    pub queued: u64,
    /// Jobs under a lease.
    pub running: u64,
    /// Jobs finished.
    pub done: u64,
    /// Dead letters not yet replayed.
    pub dead: u64,
    /// Effects in the audit log.
    pub effects: u64,
}

/// Durable storage behind the runtime. Implementations must make each method atomic.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a webhook and enqueues its job (if it has one: topics nobody handles are only kept)
    /// in one transaction; a second delivery of the same `(provider, event_id)` changes nothing
    /// and returns [`Accepted::Duplicate`].
    async fn accept_event(
        &self,
        event: NewEvent,
        job: Option<NewJob>,
        now: Millis,
    ) -> Result<Accepted, FlowError>;

    /// A stored event, for the job that processes it.
    async fn event(&self, provider: &str, event_id: &str)
    -> Result<Option<StoredEvent>, FlowError>;

    /// Enqueues a job, or returns the id of the job that already has this `(kind, key)`.
    async fn enqueue(&self, job: NewJob, now: Millis) -> Result<i64, FlowError>;

    /// Leases the next runnable job to `worker` until `now + lease_ms`: a queued job whose run time
    /// has come, or a running one whose lease expired (its worker died). Counts an attempt.
    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Job>, FlowError>;

    /// Marks a leased job done.
    async fn complete(&self, job: i64, worker: &str, now: Millis) -> Result<(), FlowError>;

    /// Puts a leased job back in the queue to run at `run_at`, recording `error`.
    async fn retry_later(
        &self,
        job: i64,
        worker: &str,
        error: &str,
        run_at: Millis,
        now: Millis,
    ) -> Result<(), FlowError>;

    /// Puts a leased job back without counting the attempt (its provider's breaker is open, or
    /// the worker is shutting down).
    async fn release(
        &self,
        job: i64,
        worker: &str,
        run_at: Millis,
        now: Millis,
    ) -> Result<(), FlowError>;

    /// Moves a leased job to the dead-letter table.
    async fn dead_letter(
        &self,
        job: i64,
        worker: &str,
        reason: &str,
        permanent: bool,
        now: Millis,
    ) -> Result<(), FlowError>;

    /// Dead letters not yet replayed, oldest first.
    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError>;

    /// Queues a dead letter's job again with a fresh attempt count; returns the job id.
    async fn replay_dead_letter(&self, id: i64, now: Millis) -> Result<i64, FlowError>;

    /// A named checkpoint (backfill cursors).
    async fn checkpoint(&self, name: &str) -> Result<Option<String>, FlowError>;

    /// Sets a named checkpoint.
    async fn set_checkpoint(&self, name: &str, value: &str, now: Millis) -> Result<(), FlowError>;

    /// The effect recorded under `key`, if any: check it before performing an effect.
    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError>;

    /// Every effect whose key starts with `prefix`, in key order: a flow reads what earlier runs
    /// of it recorded in one call (see [`crate::effects::EffectLog`]).
    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError>;

    /// Up to `limit` effects recorded after the one with id `after` (0: from the start), oldest
    /// first: a reader follows the audit log by passing the last id it saw.
    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError>;

    /// Records an effect. The first record for a key wins; a later one returns the first.
    async fn record_effect(
        &self,
        key: &str,
        system: &str,
        detail: &serde_json::Value,
        now: Millis,
    ) -> Result<Effect, FlowError>;

    /// Records several effects in one transaction; for each key the first record wins, as with
    /// [`Store::record_effect`].
    async fn record_effects(&self, effects: Vec<NewEffect>, now: Millis) -> Result<(), FlowError>;

    /// Row counts.
    async fn counts(&self) -> Result<Counts, FlowError>;

    /// Returns when a job may have become runnable, or after `timeout`. Idle workers wait here
    /// between claims. This default sleeps; a store that hears of new jobs (the SQLite store, for
    /// jobs added through it in this process; PostgreSQL's `LISTEN`) returns sooner. Jobs set to
    /// run later, and jobs added elsewhere, are found when the timeout runs out.
    async fn wait_for_jobs(&self, timeout: std::time::Duration) {
        tokio::time::sleep(timeout).await;
    }
}

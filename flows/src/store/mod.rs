//! Durable state of the runtime: the webhook inbox, the job queue with its claims, dead letters,
//! checkpoints, and each flow's records (the audit log of its effects and its step state).
//!
//! Times are Unix milliseconds passed in by the caller, so every rule (lease expiry, run times) is
//! testable without a clock and the same on every backend.
//!
//! # Claims and fencing
//!
//! [`Store::claim`] leases a job to one run and returns a [`Lease`]: the job's id and a token
//! that is new for every claim. Every write the run makes afterwards ([`Store::renew`],
//! [`Store::save`], [`Store::finish`]) names that lease and is refused with
//! [`FlowError::LeaseLost`] once the job has been claimed again or finished, so a run that
//! outlived its lease can change nothing. A run never writes outside a claim.
//!
//! # Attempts
//!
//! Only failures count: [`Finish::Retry`] and a failing [`Finish::Dead`] add an attempt; a
//! planned wait, a release (an open breaker, a shutdown) and a run that never ended (its process
//! died: the lease expired) do not. [`Job::claims`] counts the claims since the job last
//! reached an outcome, so a job that keeps killing its worker can be told apart. A lost run is
//! not counted against its job when more than one worker started ([`Store::worker_started`])
//! between its last sign of life and the next claim: the process was being killed and restarted
//! for some other reason (a crash storm, a deploy), not by this job.
//!
//! # What an operator reads
//!
//! Besides what the runtime needs, the store answers the questions of an operator's console or
//! command line: the events received last ([`Store::recent_events`]), the jobs changed last
//! ([`Store::recent_jobs`]), the dead letters ([`Store::dead_letters`], [`Store::dead_letter`],
//! replayed by [`Store::replay_dead_letter`]), the backfill checkpoints
//! ([`Store::checkpoints`]) and records of one kind across entities
//! ([`Store::effects_ending`]). They are for people and tools, not hot paths: no index serves
//! the ones that scan a table (every job write would pay for it), and on SQLite a read runs on
//! the store's one thread, so a scan of a large store delays the workers' calls while it runs.
//!
//! ```no_run
//! use flows::{JobState, SqliteStore, Store};
//!
//! # async fn example() -> Result<(), flows::FlowError> {
//! let store = SqliteStore::open("flows.sqlite")?;
//! for event in store.recent_events(20).await? {
//!     println!("{} {} {} job {:?}", event.provider, event.event_id, event.topic, event.job);
//! }
//! for job in store.recent_jobs(Some(JobState::Queued), 20).await? {
//!     println!("{} {} attempts {}", job.kind.as_str(), job.key, job.info.attempts);
//! }
//! if let Some(letter) = store.dead_letter(7).await? {
//!     println!("{}: {}", letter.key, letter.reason);
//!     store.replay_dead_letter(letter.id, flows::now_millis()).await?;
//! }
//! for checkpoint in store.checkpoints().await? {
//!     println!("{} = {}", checkpoint.name, checkpoint.value);
//! }
//! let reconciliations = store.effects_ending("/erp/settlement", 10).await?;
//! # Ok(()) }
//! ```

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod rows;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use mapping::System;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::FlowError;
use crate::workflow::{EventRef, JobKind};

/// Unix time in milliseconds.
pub type Millis = i64;

/// A verified webhook (or backfilled event) about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The system that sent it.
    pub provider: System,
    /// The provider's unique id of the event (Shopify webhook id, Stripe `evt_...`).
    pub event_id: String,
    /// The topic or event type (`orders/create`, `charge.succeeded`); empty when a signed body
    /// could not be read.
    pub topic: String,
    /// The raw body as received, kept for replay and audit.
    pub payload: Vec<u8>,
}

/// An event as stored in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Row id.
    pub id: i64,
    /// The event as it arrived, less the values its source never stores ([`crate::intake::WebhookSource::redact`]).
    pub event: NewEvent,
    /// When it was stored.
    pub received_at: Millis,
}

/// A job to enqueue. `(kind, key)` is unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which flow runs it.
    pub kind: JobKind,
    /// The key of the entity it is about (see [`crate::workflow::EntityKey`]).
    pub key: String,
    /// The flow's input.
    pub payload: serde_json::Value,
    /// Earliest time to run it.
    pub run_at: Millis,
    /// What to do when a job with this kind and key exists: keep it as it is (`false`), or
    /// (`true`) run it once more with this payload: queued again when it is done, once more after
    /// the current run when it is running. A dead job is left for a person either way.
    pub rerun: bool,
    /// The inbox event the job is about, whose body comes with the job's claim (the intake sets
    /// it for the jobs its routes name).
    pub event: Option<EventRef>,
}

/// What the intake stores with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPlan {
    /// A job to run.
    Run(NewJob),
    /// A job that goes to dead letters at once, with `reason` (a signed body that could not be
    /// read): nothing is lost, and a person sees it.
    DeadLetter {
        /// The job.
        job: NewJob,
        /// Why.
        reason: String,
    },
}

/// What storing a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// First delivery: stored, with its job when it has one.
    New {
        /// Row id of the stored event.
        event: i64,
        /// Id of the job created or found for it, if it has one.
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
    /// Claimed by a run.
    Running,
    /// Finished.
    Done,
    /// In the dead-letter table.
    Dead,
}

impl JobState {
    /// Every state, in the order a job goes through them.
    pub const ALL: [Self; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];

    /// The name stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    fn parse(raw: &str) -> Result<Self, FlowError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| FlowError::Unknown {
                what: "job state",
                value: raw.to_owned(),
            })
    }
}

/// One claim of a job: the fencing token of every write of the run that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The job.
    pub job: i64,
    /// The claim's token, new for every claim of the job.
    pub token: i64,
}

/// A job as a run sees it after claiming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Row id.
    pub id: i64,
    /// Which flow runs it.
    pub kind: JobKind,
    /// The key of its entity.
    pub key: String,
    /// The flow's input.
    pub payload: serde_json::Value,
    /// Failed runs so far (this one not included).
    pub attempts: u32,
    /// Claims since the job last reached an outcome, this one included: more than one means
    /// earlier runs ended without one (their process died) while nothing else explains it (see
    /// [`Store::worker_started`]).
    pub claims: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// This run's claim.
    pub lease: Lease,
    /// When the claim expires unless renewed.
    pub lease_until: Millis,
}

/// A job's row, for tools and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// Row id.
    pub id: i64,
    /// Where it stands.
    pub state: JobState,
    /// Failed runs.
    pub attempts: u32,
    /// Claims since its last outcome.
    pub claims: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// What it waits for, while it waits.
    pub waiting_for: Option<String>,
    /// Its next run time.
    pub run_at: Millis,
}

/// A job as an operator's list shows it ([`Store::recent_jobs`]): its row and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    /// Which flow runs it.
    pub kind: JobKind,
    /// The key of its entity.
    pub key: String,
    /// Its state, attempts, last failure and next run time.
    pub info: JobInfo,
    /// When it last changed (enqueued, claimed, renewed, finished, replayed).
    pub updated_at: Millis,
}

/// An inbox event as an operator's list shows it ([`Store::recent_events`]): without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSummary {
    /// Row id.
    pub id: i64,
    /// The system that sent it.
    pub provider: System,
    /// The provider's id of the event.
    pub event_id: String,
    /// Its topic or event type (empty when a signed body could not be read).
    pub topic: String,
    /// When it was stored.
    pub received_at: Millis,
    /// The id of the job that runs from it (whose inbox event it is, see [`NewJob::event`]):
    /// `None` for a topic nobody handles, and for an event whose job a later delivery about the
    /// same entity has taken over (a rerun runs from the newer event).
    pub job: Option<i64>,
}

/// A named checkpoint ([`Store::checkpoints`]): a backfill poller's cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Its name (`stripe/events`, ...).
    pub name: String,
    /// Its value (a timestamp, an event id: the poller's own format).
    pub value: String,
    /// When it was last set.
    pub updated_at: Millis,
}

/// A claimed job, the records its flow kept so far under its key, and its inbox event.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The job.
    pub job: Job,
    /// Effects and state recorded under `{key}/`.
    pub records: FlowRecords,
    /// The event named by [`NewJob::event`], when the job has one and the inbox holds it.
    pub event: Option<StoredEvent>,
}

/// What a flow recorded under its entity, as JSON text (decoded only into the type a step
/// reads it as).
#[derive(Debug, Clone, Default)]
pub struct FlowRecords {
    /// Effect results, as `(key, result)`.
    pub effects: Vec<(String, Box<RawValue>)>,
    /// State values, as `(key, value)`.
    pub states: Vec<(String, Box<RawValue>)>,
}

/// What a run writes: effect records (the first record of a key wins), state values (`None`
/// removes one) and jobs to enqueue.
#[derive(Debug, Clone, Default)]
pub struct FlowWrites {
    /// Effects to record.
    pub effects: Vec<NewEffect>,
    /// State to set or remove, as JSON text.
    pub states: Vec<(String, Option<Box<RawValue>>)>,
    /// Jobs to enqueue (as [`Store::enqueue`] does).
    pub jobs: Vec<NewJob>,
}

impl FlowWrites {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty() && self.states.is_empty() && self.jobs.is_empty()
    }

    /// Adds `later`'s writes after these.
    pub fn append(&mut self, later: FlowWrites) {
        self.effects.extend(later.effects);
        self.states.extend(later.states);
        self.jobs.extend(later.jobs);
    }
}

/// How a run ends, recorded by [`Store::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Done (or queued again at once when a rerun was asked for meanwhile).
    Done,
    /// A failure worth retrying: one more attempt, run again at `run_at`.
    Retry {
        /// When to run again.
        run_at: Millis,
        /// What failed.
        error: String,
    },
    /// A planned wait, not a failure: run again at `run_at`.
    Wait {
        /// When to run again.
        run_at: Millis,
        /// What the job waits for.
        reason: String,
    },
    /// Put back without running or failing (an open breaker, a shutdown).
    Release {
        /// When to run again.
        run_at: Millis,
    },
    /// To dead letters.
    Dead {
        /// Why.
        reason: String,
        /// Whether retrying could not help (true) or the job gave up (false).
        permanent: bool,
        /// Whether this run failed (an attempt), as opposed to a job that never finished a run.
        failed: bool,
    },
}

/// A job that failed for good, waiting for a person to look at it and maybe replay it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Row id (what [`Store::replay_dead_letter`] takes).
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// Which flow runs it.
    pub kind: JobKind,
    /// Its entity's key.
    pub key: String,
    /// The job's input; one stored as text that is not JSON (the reason such a job is dead)
    /// comes as a JSON string of that text, so one bad row does not hide the others.
    pub payload: serde_json::Value,
    /// Why it failed.
    pub reason: String,
    /// Whether it failed permanently (true) or ran out of retries (false).
    pub permanent: bool,
    /// Failed attempts.
    pub attempts: u32,
    /// When it was dead-lettered.
    pub created_at: Millis,
}

/// An external effect recorded in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Row id, unique in the store: a reader's position in the log (see [`Store::effects_after`]).
    pub id: i64,
    /// The effect's key (`shopify/shop/order/1001/sale`).
    pub key: String,
    /// The system it changed.
    pub system: System,
    /// What came back (transaction id, document number, ...).
    pub detail: serde_json::Value,
    /// When it was recorded.
    pub created_at: Millis,
}

/// An effect to record.
#[derive(Debug, Clone)]
pub struct NewEffect {
    /// The effect's key.
    pub key: String,
    /// The system it changed.
    pub system: System,
    /// What came back, as JSON text.
    pub detail: Box<RawValue>,
}

/// How far ahead a queued job's run time must be for [`Counts::scheduled`] (a minute): further
/// than any retry's or planned wait's first delays.
pub const SCHEDULED_AFTER: Millis = 60_000;

/// Row counts, for summaries and health checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Stored webhook events.
    pub events: u64,
    /// Jobs waiting for their run time (retries and planned waits included).
    pub queued: u64,
    /// Of the queued jobs, those not due within [`SCHEDULED_AFTER`]: reminders, deadlines and
    /// backfill schedules, which a queue that has done all its work still holds.
    pub scheduled: u64,
    /// Jobs claimed by a run.
    pub running: u64,
    /// Jobs finished.
    pub done: u64,
    /// Dead letters not yet replayed.
    pub dead: u64,
    /// Effects in the audit log.
    pub effects: u64,
}

/// Durable storage behind the runtime. Implementations make each method atomic.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores an event and its job (if it has one: topics nobody handles are only kept) in one
    /// transaction; a second delivery of the same `(provider, event_id)` changes nothing and
    /// returns [`Accepted::Duplicate`].
    async fn accept_event(
        &self,
        event: NewEvent,
        plan: Option<JobPlan>,
        now: Millis,
    ) -> Result<Accepted, FlowError>;

    /// A stored event.
    async fn event(
        &self,
        provider: System,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, FlowError>;

    /// Enqueues a job, or (see [`NewJob::rerun`]) finds the job that has its kind and key;
    /// returns the job's id.
    async fn enqueue(&self, job: NewJob, now: Millis) -> Result<i64, FlowError>;

    /// Claims the next runnable job for `worker` until `now + lease_ms`: a queued job whose run
    /// time has come, or a running one whose lease expired (its run's process died). Returns the
    /// job with a new [`Lease`] and the records kept under its key.
    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, FlowError>;

    /// Notes that a worker started at `now`. A run lost while more than one worker started
    /// (between its last claim or renewal and the job's next claim) is not counted in
    /// [`Job::claims`]: its process was being restarted anyway, and runs of healthy jobs are lost
    /// that way too.
    async fn worker_started(&self, now: Millis) -> Result<(), FlowError>;

    /// Extends a claim to `until`.
    async fn renew(&self, lease: Lease, until: Millis, now: Millis) -> Result<(), FlowError>;

    /// Writes a run's records now (an effect that must be on record before the run goes on).
    async fn save(&self, lease: Lease, writes: &FlowWrites, now: Millis) -> Result<(), FlowError>;

    /// Ends a run: its records and its outcome in one transaction.
    async fn finish(
        &self,
        lease: Lease,
        finish: Finish,
        writes: FlowWrites,
        now: Millis,
    ) -> Result<(), FlowError>;

    /// The job with this kind and key.
    async fn job(&self, kind: &JobKind, key: &str) -> Result<Option<JobInfo>, FlowError>;

    /// Dead letters not yet replayed, oldest first.
    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError>;

    /// Queues a dead letter's job again with fresh attempts; returns the job id.
    async fn replay_dead_letter(&self, id: i64, now: Millis) -> Result<i64, FlowError>;

    /// The dead letter `id` with its payload, while it waits for replay (as
    /// [`Store::dead_letters`] lists it); `None` when there is none or it was replayed.
    async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>, FlowError>;

    /// A named checkpoint (backfill cursors).
    async fn checkpoint(&self, name: &str) -> Result<Option<String>, FlowError>;

    /// Sets a named checkpoint.
    async fn set_checkpoint(&self, name: &str, value: &str, now: Millis) -> Result<(), FlowError>;

    /// Every checkpoint, in name order.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, FlowError>;

    /// The effect recorded under `key`, if any.
    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError>;

    /// Every effect whose key starts with `prefix`, in key order.
    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError>;

    /// Up to `limit` effects of the audit log after the one with id `after` (0: from the start),
    /// oldest first: a reader follows the log by passing the last id it saw, and misses none.
    ///
    /// An effect is listed only once no effect that comes before it can still be added, so a
    /// page may stop short of what other runs have just committed; the next call lists it. On
    /// SQLite the log is in id order. On PostgreSQL it is in the order of the writing
    /// transactions (ids grow within one), and it shows only effects of transactions older than
    /// every transaction still running on the server: writers never wait for each other, and a
    /// long transaction (of any client of that server) delays the log until it ends, losing
    /// nothing. An `after` that is no effect's id is [`FlowError::Unknown`].
    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError>;

    /// Up to `limit` effects whose key ends with `suffix`, newest first (by the time they were
    /// recorded, then id): one kind of record across entities, such as the settlement
    /// reconciliations under `.../erp/settlement`. It reads the whole log (no index serves a
    /// suffix): for an operator's page or a tool, not a hot path.
    async fn effects_ending(&self, suffix: &str, limit: u32) -> Result<Vec<Effect>, FlowError>;

    /// The state value kept under `key`, if any.
    async fn state(&self, key: &str) -> Result<Option<serde_json::Value>, FlowError>;

    /// Row counts.
    async fn counts(&self) -> Result<Counts, FlowError>;

    /// The `limit` events stored last, newest first, without their bodies, each with the job
    /// that runs from it. Finding the jobs reads the job table (no index serves it, so that job
    /// writes pay nothing for it): for an operator's page, not a hot path.
    async fn recent_events(&self, limit: u32) -> Result<Vec<EventSummary>, FlowError>;

    /// The `limit` jobs changed last (enqueued, claimed, finished, replayed), newest first; only
    /// those in `state` when it is given. Sorting reads the job table (no index on the time of
    /// the last change, which every job write would pay for): for an operator's page, not a hot
    /// path.
    async fn recent_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<JobSummary>, FlowError>;

    /// Whether the store accepts writes now: `Ok` after a successful write, else a small write is
    /// tried. The intake answers 503 while this fails.
    async fn ready(&self) -> Result<(), FlowError>;

    /// Whether the last write succeeded (no I/O: a hint for hot paths, see [`Store::ready`]).
    fn healthy(&self) -> bool {
        true
    }

    /// Returns when a job may have become runnable, or after `timeout`. Idle workers wait here
    /// between claims. This default sleeps; a store that hears of new jobs returns sooner. Jobs
    /// set to run later, and jobs added elsewhere, are found when the timeout runs out.
    async fn wait_for_jobs(&self, timeout: std::time::Duration) {
        tokio::time::sleep(timeout).await;
    }
}

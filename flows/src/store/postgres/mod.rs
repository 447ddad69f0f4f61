//! The shared store: one PostgreSQL database for every runtime process on every machine.
//!
//! See [`PgStore`] for the driver and how the store's guarantees hold between processes.

mod group;
mod schema;
mod tx;
mod writes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::Pool;
use futures::StreamExt;
use mapping::System;
use payops_core::pg::Database;
use tokio::sync::{Notify, oneshot};
use tokio_postgres::{AsyncMessage, Row};

use super::rows::{JobRow, Rows, dead_letter_payload, effect, system};
use super::{
    Accepted, Checkpoint, Claimed, Counts, DeadLetter, Effect, EventSummary, Finish, FlowWrites,
    JobInfo, JobPlan, JobState, JobSummary, Lease, Millis, NewEvent, SCHEDULED_AFTER, Store,
    StoredEvent,
};
use crate::FlowError;
use crate::worker::now_millis;
use crate::workflow::JobKind;
use tx::Tx;
use writes::WriteStatements;

/// How long the listening connection waits before connecting again after losing the server.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// How long worker starts are kept.
const MONTH_MS: Millis = 30 * 24 * 3600 * 1000;

/// [`Store`] on a PostgreSQL database shared by any number of processes on any number of
/// machines. Cloning it shares the pool.
///
/// # Driver
///
/// [`tokio_postgres`] with the [`deadpool_postgres`] pool: asynchronous on the runtime's own
/// tokio, pipelined (statements of one connection in flight together, prepared once per
/// connection and cached), no database needed at compile time, and the most used PostgreSQL
/// client of the Rust ecosystem. `sqlx` would bring its compile-time checked queries, which a
/// store of a few dozen fixed statements, all exercised by the conformance tests, does not need.
///
/// # How the semantics of [`Store`] hold across processes
///
/// - Claims lock the next runnable row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
///   (in any process) each take a different job without waiting for each other.
/// - Every write after a claim names the claim's token in the same transaction: an outcome is an
///   `UPDATE ... WHERE id = $1 AND lease_token = $2 AND state = 'running'`, and when it changes
///   no row the transaction (the run's records with it) rolls back and the call returns
///   [`FlowError::LeaseLost`]; [`Store::save`] locks the job's row (`FOR SHARE`) under the same
///   condition before writing.
/// - A transaction that makes a job runnable sends `NOTIFY flows_jobs`; each store keeps one
///   connection listening, and wakes one waiter of [`Store::wait_for_jobs`] per notification,
///   whichever process added the job.
/// - The schema is versioned in `schema_version` and migrated at [`PgStore::connect`] under a
///   transaction-scoped advisory lock, so processes starting together migrate it once.
/// - Each store call is one transaction pipelined on its connection: `BEGIN` goes with the
///   first statement, `COMMIT` with the last writes (two round trips for most calls).
/// - Claims, outcomes, saved records, enqueues and renewals that the tasks of one process ask
///   for while a batch of their kind is running are made together, as the next batch: one
///   statement claims a job for each waiting claimer (of one worker name and lease), one
///   transaction records every waiting outcome and save, each fenced by its own claim, one
///   statement adds every waiting job with one `NOTIFY`. A quiet process runs each call alone
///   and at once; a batch that fails is run again call by call, so each caller gets the answer
///   of its own call. A caller that stops waiting does not stop its batch: an outcome it asked
///   for may still be recorded.
///
/// Connections use TLS when the URL says `sslmode=require` (rustls; the server's certificate is
/// verified against the PEM file named by `sslrootcert`, or the platform's trust store, and
/// must name the host), and plain TCP or Unix sockets otherwise: see [`payops_core::pg::pool`].
/// A client that is gone cannot hold a job for long: the server
/// ends a session idle inside a transaction after 10 s ([`payops_core::pg::IDLE_IN_TRANSACTION`]),
/// releasing its locks, and a call whose data goes unacknowledged for 30 s fails (the URL's
/// `tcp_user_timeout` and `keepalives_idle` override the client's bounds).
///
/// # Where it differs from [`super::SqliteStore`]
///
/// - [`Store::wait_for_jobs`] also wakes for jobs added by other processes.
/// - Two transactions taking the same unique keys in opposite orders can deadlock; PostgreSQL
///   fails one, and the call returns [`FlowError::Postgres`] (not a storage failure: the worker
///   retries the job).
/// - Any write transaction that commits marks the store healthy again (SQLite: one that changed
///   rows).
/// - [`Store::effects_after`] lists the log by writing transaction, up to the oldest transaction
///   still running on the server (see there).
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// Told once per notification heard (and once after the listener reconnects).
    added: Arc<Notify>,
    /// Whether the last write succeeded.
    healthy: AtomicBool,
    /// The listening connection's task, stopped with the store.
    listener: tokio::task::JoinHandle<()>,
    /// Enqueues waiting to be written together.
    enqueues: enqueues::Enqueues,
    /// Claims waiting to be made together.
    claims: claims::Claims,
    /// Outcomes and saves waiting to be recorded together.
    finishes: finishes::Finishes,
    /// Renewals waiting to be made together.
    renewals: renewals::Renewals,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL stays out: it may carry a password.
        f.debug_struct("PgStore")
            .field("healthy", &self.inner.healthy.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connections a store opens at most, unless told otherwise ([`PgStore::connect_with`]).
    pub const DEFAULT_POOL_SIZE: usize = 16;

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or
    /// `key=value` pairs) with a pool of at most [`PgStore::DEFAULT_POOL_SIZE`] connections, brings its
    /// schema up to date and starts listening for new jobs.
    pub async fn connect(url: &str) -> Result<Self, FlowError> {
        Self::connect_with(url, Self::DEFAULT_POOL_SIZE).await
    }

    /// [`PgStore::connect`] with a pool of at most `pool_size` connections (plus the one that
    /// listens). A worker holds one per operation in flight, so a process needs about its
    /// worker concurrency plus the intake's concurrent requests.
    pub async fn connect_with(url: &str, pool_size: usize) -> Result<Self, FlowError> {
        let database = payops_core::pg::pool::<FlowError>(url, pool_size)?;
        schema::migrate(&database.pool).await?;
        let added = Arc::new(Notify::new());
        let (ready, listening) = oneshot::channel();
        let listener = tokio::spawn(listen(database.clone(), Arc::clone(&added), ready));
        match listening.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                listener.abort();
                return Err(err.into());
            }
            Err(_) => return Err(FlowError::Task("the store's listener stopped".into())),
        }
        Ok(Self {
            inner: Arc::new(Inner {
                pool: database.pool,
                added,
                healthy: AtomicBool::new(true),
                listener,
                enqueues: enqueues::Enqueues::default(),
                claims: claims::Claims::default(),
                finishes: finishes::Finishes::default(),
                renewals: renewals::Renewals::default(),
            }),
        })
    }

    /// A connection of the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object, FlowError> {
        Ok(self.inner.pool.get().await?)
    }

    /// Passes a write's result on, keeping [`Store::healthy`] up to date: a storage failure
    /// marks the store unhealthy until a write succeeds again.
    fn track<T>(&self, result: Result<T, FlowError>) -> Result<T, FlowError> {
        match &result {
            Ok(_) => {
                if !self.inner.healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!("the store accepts writes again");
                }
            }
            Err(err) if err.is_storage_failure() => {
                if self.inner.healthy.swap(false, Ordering::Relaxed) {
                    tracing::error!(error = %err, "the store does not accept writes");
                }
            }
            Err(_) => {}
        }
        result
    }
}

/// Runs `$body` (a block returning `Result<T, FlowError>`, its `return`s included) with `$tx`
/// bound to a transaction of its own ([`Tx`]: `BEGIN` travels with the body's first statement),
/// committed when the body succeeds (unless the body's last writes carried the `COMMIT`) and
/// rolled back when it fails, and keeps the store's health up to date.
macro_rules! write {
    ($store:expr, |$tx:ident| $body:block) => {{
        let store = $store;
        let result = async {
            let tx = $crate::store::postgres::Tx::new(store.client().await?);
            let ran = {
                let $tx = &tx;
                futures::try_join!(
                    $tx.begin(),
                    $crate::store::postgres::typed(async move { $body })
                )
            };
            match ran {
                Ok(((), out)) => {
                    tx.commit().await?;
                    Ok(out)
                }
                Err(err) => {
                    tx.rollback().await;
                    Err(err)
                }
            }
        }
        .await;
        store.track(result)
    }};
}

// After `write!`, which they use.
mod claims;
mod enqueues;
mod finishes;
mod renewals;

/// Pins an operation's error type (an `async` block cannot say it).
async fn typed<T>(
    op: impl std::future::Future<Output = Result<T, FlowError>>,
) -> Result<T, FlowError> {
    op.await
}

/// Keeps a connection listening on `flows_jobs` and tells `added` of every notification;
/// connects again when the connection is lost (waiters fall back on their timeout meanwhile).
/// The first attempt's result goes to `ready`.
async fn listen(
    database: Database,
    added: Arc<Notify>,
    ready: oneshot::Sender<Result<(), tokio_postgres::Error>>,
) {
    let mut ready = Some(ready);
    loop {
        let result = listen_once(&database, &added, &mut ready).await;
        if let Some(ready) = ready.take() {
            // The first connection failed: `connect` reports it and stops this task.
            let _ = ready.send(result);
            return;
        }
        if let Err(err) = result {
            tracing::warn!(error = %err, "the store's listening connection was lost");
        }
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}

/// One listening connection, until it fails.
async fn listen_once(
    database: &Database,
    added: &Notify,
    ready: &mut Option<oneshot::Sender<Result<(), tokio_postgres::Error>>>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut messages) = database.connect().await?;
    let subscribe = client.batch_execute("LISTEN flows_jobs");
    tokio::pin!(subscribe);
    let mut listening = false;
    loop {
        tokio::select! {
            subscribed = &mut subscribe, if !listening => {
                subscribed?;
                listening = true;
                match ready.take() {
                    Some(ready) => {
                        let _ = ready.send(Ok(()));
                    }
                    // Jobs may have been added while nobody listened: a waiter looks.
                    None => added.notify_one(),
                }
            }
            message = messages.next() => match message {
                Some(Ok(AsyncMessage::Notification(_))) => added.notify_one(),
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err),
                None => return Ok(()),
            },
        }
    }
}

/// Tells every store listening on the database that a job may be runnable (delivered when the
/// transaction commits, and not at all when it rolls back).
async fn notify(tx: &Tx) -> Result<(), FlowError> {
    tx.batch_execute("NOTIFY flows_jobs").await?;
    Ok(())
}

/// A call fenced by `lease`: done when the claim still held, else [`FlowError::LeaseLost`].
fn fenced(lease: Lease, held: bool) -> Result<(), FlowError> {
    if held {
        Ok(())
    } else {
        Err(FlowError::LeaseLost {
            job: lease.job,
            token: lease.token,
        })
    }
}

/// A count read from a `BIGINT` column.
fn count(row: &Row, index: usize, what: &'static str) -> Result<u32, FlowError> {
    let value: i64 = row.try_get(index)?;
    u32::try_from(value).map_err(|_| FlowError::Unknown {
        what,
        value: value.to_string(),
    })
}

/// The first string after every string that starts with `prefix` (in byte order, which is
/// code point order in UTF-8), if there is one: the end of `prefix`'s range of keys.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A row of `effects` read as `id, key, system, detail, created_at`.
fn effect_row(row: &Row) -> Result<Effect, FlowError> {
    let system: String = row.try_get(2)?;
    let detail: String = row.try_get(3)?;
    effect(
        row.try_get(0)?,
        row.try_get(1)?,
        &system,
        &detail,
        row.try_get(4)?,
    )
}

/// The columns a [`dead_letter_row`] reads, of a dead letter `d` and its job `j`.
const DEAD_LETTERS: &str = "SELECT d.id, d.job_id, j.kind, j.key, j.payload, d.reason, d.permanent,
                                   d.attempts, d.created_at
                            FROM dead_letters d JOIN jobs j ON j.id = d.job_id";

/// A row of [`DEAD_LETTERS`].
fn dead_letter_row(row: &Row) -> Result<DeadLetter, FlowError> {
    Ok(DeadLetter {
        id: row.try_get(0)?,
        job_id: row.try_get(1)?,
        kind: JobKind::stored(row.try_get(2)?),
        key: row.try_get(3)?,
        payload: dead_letter_payload(row.try_get(4)?),
        reason: row.try_get(5)?,
        permanent: row.try_get(6)?,
        attempts: count(row, 7, "attempts")?,
        created_at: row.try_get(8)?,
    })
}

/// A job's row read as `id, state, attempts, claims, last_error, waiting_for, run_at`.
fn job_info(row: &Row) -> Result<JobInfo, FlowError> {
    let state: String = row.try_get(1)?;
    Ok(JobInfo {
        id: row.try_get(0)?,
        state: JobState::parse(&state)?,
        attempts: count(row, 2, "attempts")?,
        claims: count(row, 3, "claims")?,
        last_error: row.try_get(4)?,
        waiting_for: row.try_get(5)?,
        run_at: row.try_get(6)?,
    })
}

/// The columns of `effects` an [`effect_row`] reads (as `e`).
const EFFECT_COLUMNS: &str = "e.id, e.key, e.system, e.detail, e.created_at";

#[async_trait]
impl Store for PgStore {
    async fn accept_event(
        &self,
        event: NewEvent,
        plan: Option<JobPlan>,
        now: Millis,
    ) -> Result<Accepted, FlowError> {
        let plan = match plan {
            None => None,
            Some(JobPlan::Run(job)) => Some((JobRow::of(&job)?, None)),
            Some(JobPlan::DeadLetter { job, reason }) => Some((JobRow::of(&job)?, Some(reason))),
        };
        let (event, plan) = (&event, &plan);
        write!(self, |tx| {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO inbox (provider, event_id, topic, payload, received_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (provider, event_id) DO NOTHING
                     RETURNING id",
                )
                .await?;
            let inserted = tx
                .query_opt(
                    &stmt,
                    &[
                        &event.provider.as_str(),
                        &event.event_id,
                        &event.topic,
                        &event.payload,
                        &now,
                    ],
                )
                .await?;
            let Some(inserted) = inserted else {
                return Ok(Accepted::Duplicate);
            };
            let event_row: i64 = inserted.try_get(0)?;
            let statements = WriteStatements::prepare(tx).await?;
            let job = match plan {
                None => None,
                Some((job, None)) => Some(job.enqueue_and_commit(tx, &statements, now).await?),
                Some((job, Some(reason))) => {
                    let id = match job.insert_pg(tx, &statements, now).await? {
                        Some(id) => id,
                        None => job.id_pg(tx).await?,
                    };
                    let stmt = tx
                        .prepare_cached(
                            "UPDATE jobs SET state = 'dead', last_error = $2, updated_at = $3
                             WHERE id = $1 AND state = 'queued'",
                        )
                        .await?;
                    if tx.execute(&stmt, &[&id, reason, &now]).await? == 1 {
                        statements
                            .dead_letters(tx, &[(id, reason.as_str(), true, now)])
                            .await?;
                    }
                    Some(id)
                }
            };
            Ok(Accepted::New {
                event: event_row,
                job,
            })
        })
    }

    async fn event(
        &self,
        provider: System,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, topic, payload, received_at FROM inbox
                 WHERE provider = $1 AND event_id = $2",
            )
            .await?;
        let Some(row) = client
            .query_opt(&stmt, &[&provider.as_str(), &event_id])
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredEvent {
            id: row.try_get(0)?,
            event: NewEvent {
                provider,
                event_id: event_id.to_owned(),
                topic: row.try_get(1)?,
                payload: row.try_get(2)?,
            },
            received_at: row.try_get(3)?,
        }))
    }

    async fn enqueue(&self, job: super::NewJob, now: Millis) -> Result<i64, FlowError> {
        let row = JobRow::of(&job)?;
        self.in_batch(enqueues::EnqueueInput { row, now }).await
    }

    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, FlowError> {
        self.in_batch(claims::ClaimInput {
            worker: worker.to_owned(),
            now,
            lease_ms,
        })
        .await
    }

    async fn worker_started(&self, now: Millis) -> Result<(), FlowError> {
        write!(self, |tx| {
            let insert = tx
                .prepare_cached("INSERT INTO worker_starts (started_at) VALUES ($1)")
                .await?;
            tx.execute(&insert, &[&now]).await?;
            // Only starts later than a live lease's last renewal matter: a month is plenty.
            let prune = tx
                .prepare_cached("DELETE FROM worker_starts WHERE started_at < $1")
                .await?;
            tx.execute(&prune, &[&now.saturating_sub(MONTH_MS)]).await?;
            Ok(())
        })
    }

    async fn renew(&self, lease: Lease, until: Millis, now: Millis) -> Result<(), FlowError> {
        self.in_batch(renewals::RenewInput { lease, until, now })
            .await
    }

    async fn save(&self, lease: Lease, writes: &FlowWrites, now: Millis) -> Result<(), FlowError> {
        // The caller keeps its writes: it writes them with its outcome if this fails.
        let rows = Rows::of(writes.clone())?;
        self.in_batch(finishes::FinishInput {
            lease,
            finish: None,
            rows,
            now,
        })
        .await
    }

    async fn finish(
        &self,
        lease: Lease,
        finish: Finish,
        writes: FlowWrites,
        now: Millis,
    ) -> Result<(), FlowError> {
        let rows = Rows::of(writes)?;
        self.in_batch(finishes::FinishInput {
            lease,
            finish: Some(finish),
            rows,
            now,
        })
        .await
    }

    async fn job(&self, kind: &JobKind, key: &str) -> Result<Option<JobInfo>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, state, attempts, claims, last_error, waiting_for, run_at
                 FROM jobs WHERE kind = $1 AND key = $2",
            )
            .await?;
        client
            .query_opt(&stmt, &[&kind.as_str(), &key])
            .await?
            .as_ref()
            .map(job_info)
            .transpose()
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{DEAD_LETTERS} WHERE d.replayed_at IS NULL ORDER BY d.id LIMIT $1"
            ))
            .await?;
        client
            .query(&stmt, &[&i64::from(limit)])
            .await?
            .iter()
            .map(dead_letter_row)
            .collect()
    }

    async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{DEAD_LETTERS} WHERE d.id = $1 AND d.replayed_at IS NULL"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&id])
            .await?
            .as_ref()
            .map(dead_letter_row)
            .transpose()
    }

    async fn replay_dead_letter(&self, id: i64, now: Millis) -> Result<i64, FlowError> {
        write!(self, |tx| {
            // Marking it replayed is what picks it: two replays at once queue the job once.
            let stmt = tx
                .prepare_cached(
                    "UPDATE dead_letters SET replayed_at = $2
                     WHERE id = $1 AND replayed_at IS NULL RETURNING job_id",
                )
                .await?;
            let job: i64 = tx
                .query_opt(&stmt, &[&id, &now])
                .await?
                .ok_or(FlowError::NoSuchDeadLetter(id))?
                .try_get(0)?;
            let stmt = tx
                .prepare_cached(
                    "UPDATE jobs SET state = 'queued', attempts = 0, claims = 0, run_at = $2,
                            updated_at = $2
                     WHERE id = $1",
                )
                .await?;
            tx.execute(&stmt, &[&job, &now]).await?;
            notify(tx).await?;
            Ok(job)
        })
    }

    async fn checkpoint(&self, name: &str) -> Result<Option<String>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT value FROM checkpoints WHERE name = $1")
            .await?;
        Ok(client
            .query_opt(&stmt, &[&name])
            .await?
            .map(|row| row.try_get(0))
            .transpose()?)
    }

    async fn set_checkpoint(&self, name: &str, value: &str, now: Millis) -> Result<(), FlowError> {
        write!(self, |tx| {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO checkpoints (name, value, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE
                     SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .await?;
            tx.execute(&stmt, &[&name, &value, &now]).await?;
            Ok(())
        })
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT name, value, updated_at FROM checkpoints ORDER BY name")
            .await?;
        client
            .query(&stmt, &[])
            .await?
            .iter()
            .map(|row| {
                Ok(Checkpoint {
                    name: row.try_get(0)?,
                    value: row.try_get(1)?,
                    updated_at: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {EFFECT_COLUMNS} FROM effects e WHERE key = $1"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&key])
            .await?
            .as_ref()
            .map(effect_row)
            .transpose()
    }

    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError> {
        let client = self.client().await?;
        // The range's bounds go to the index as they are: a condition like `($2 IS NULL OR key <
        // $2)` makes the generic plan scan from the prefix to the end of the index.
        let rows = match prefix_end(prefix) {
            Some(end) => {
                let stmt = client
                    .prepare_cached(&format!(
                        "SELECT {EFFECT_COLUMNS} FROM effects e
                         WHERE key >= $1 AND key < $2 ORDER BY key"
                    ))
                    .await?;
                client.query(&stmt, &[&prefix, &end]).await?
            }
            None => {
                let stmt = client
                    .prepare_cached(&format!(
                        "SELECT {EFFECT_COLUMNS} FROM effects e WHERE key >= $1 ORDER BY key"
                    ))
                    .await?;
                client.query(&stmt, &[&prefix]).await?
            }
        };
        rows.iter().map(effect_row).collect()
    }

    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError> {
        // The log is read in the order of the writing transactions' ids, and only as far as the
        // oldest transaction still running on the server: transactions commit in any order, and
        // one older than that horizon may still add effects, but none older than it can. So no
        // effect is ever added before a position a reader has passed, and writers never wait
        // for each other.
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {EFFECT_COLUMNS} FROM effects e
                 WHERE (e.tx, e.id) > (CASE WHEN $1::bigint = 0 THEN -1
                                            ELSE (SELECT tx FROM effects WHERE id = $1) END, $1)
                   AND e.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
                 ORDER BY e.tx, e.id LIMIT $2"
            ))
            .await?;
        let effects = client
            .query(&stmt, &[&after, &i64::from(limit)])
            .await?
            .iter()
            .map(effect_row)
            .collect::<Result<Vec<_>, _>>()?;
        if effects.is_empty() && after != 0 {
            // Nothing new, or a position that is no effect's (an error, not an empty log).
            let known = client
                .prepare_cached("SELECT 1 FROM effects WHERE id = $1")
                .await?;
            if client.query_opt(&known, &[&after]).await?.is_none() {
                return Err(FlowError::Unknown {
                    what: "effect id",
                    value: after.to_string(),
                });
            }
        }
        Ok(effects)
    }

    async fn effects_ending(&self, suffix: &str, limit: u32) -> Result<Vec<Effect>, FlowError> {
        let client = self.client().await?;
        // `right` and `char_length` count characters alike; `LIKE` would need escaping.
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {EFFECT_COLUMNS} FROM effects e
                 WHERE right(e.key, char_length($1)) = $1
                 ORDER BY e.created_at DESC, e.id DESC LIMIT $2"
            ))
            .await?;
        client
            .query(&stmt, &[&suffix, &i64::from(limit)])
            .await?
            .iter()
            .map(effect_row)
            .collect()
    }

    async fn state(&self, key: &str) -> Result<Option<serde_json::Value>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT value FROM flow_state WHERE key = $1")
            .await?;
        let Some(row) = client.query_opt(&stmt, &[&key]).await? else {
            return Ok(None);
        };
        let value: String = row.try_get(0)?;
        Ok(Some(serde_json::from_str(&value)?))
    }

    async fn counts(&self) -> Result<Counts, FlowError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM inbox),
                        COUNT(*) FILTER (WHERE state = 'queued'),
                        COUNT(*) FILTER (WHERE state = 'running'),
                        COUNT(*) FILTER (WHERE state = 'done'),
                        (SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL),
                        (SELECT COUNT(*) FROM effects),
                        COUNT(*) FILTER (WHERE state = 'queued' AND run_at > $1)
                 FROM jobs",
                &[&now_millis().saturating_add(SCHEDULED_AFTER)],
            )
            .await?;
        let n =
            |i: usize| -> Result<u64, FlowError> { Ok(row.try_get::<_, i64>(i)?.unsigned_abs()) };
        Ok(Counts {
            events: n(0)?,
            queued: n(1)?,
            running: n(2)?,
            done: n(3)?,
            dead: n(4)?,
            effects: n(5)?,
            scheduled: n(6)?,
        })
    }

    async fn recent_events(&self, limit: u32) -> Result<Vec<EventSummary>, FlowError> {
        let client = self.client().await?;
        // The page of events first, then their jobs: the join reads the job table once.
        let stmt = client
            .prepare_cached(
                "SELECT e.id, e.provider, e.event_id, e.topic, e.received_at, MIN(j.id)
                 FROM (SELECT id, provider, event_id, topic, received_at FROM inbox
                       ORDER BY received_at DESC, id DESC LIMIT $1) e
                 LEFT JOIN jobs j ON j.event_provider = e.provider AND j.event_id = e.event_id
                 GROUP BY e.id, e.provider, e.event_id, e.topic, e.received_at
                 ORDER BY e.received_at DESC, e.id DESC",
            )
            .await?;
        client
            .query(&stmt, &[&i64::from(limit)])
            .await?
            .iter()
            .map(|row| {
                Ok(EventSummary {
                    id: row.try_get(0)?,
                    provider: system(row.try_get(1)?)?,
                    event_id: row.try_get(2)?,
                    topic: row.try_get(3)?,
                    received_at: row.try_get(4)?,
                    job: row.try_get(5)?,
                })
            })
            .collect()
    }

    async fn recent_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<JobSummary>, FlowError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, state, attempts, claims, last_error, waiting_for, run_at,
                        kind, key, updated_at
                 FROM jobs WHERE $1::text IS NULL OR state = $1
                 ORDER BY updated_at DESC, id DESC LIMIT $2",
            )
            .await?;
        client
            .query(&stmt, &[&state.map(JobState::as_str), &i64::from(limit)])
            .await?
            .iter()
            .map(|row| {
                Ok(JobSummary {
                    info: job_info(row)?,
                    kind: JobKind::stored(row.try_get(7)?),
                    key: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                })
            })
            .collect()
    }

    async fn ready(&self) -> Result<(), FlowError> {
        if self.inner.healthy.load(Ordering::Relaxed) {
            return Ok(());
        }
        // A small write: a server that is down, read-only (a standby) or out of disk refuses it.
        write!(self, |tx| {
            tx.batch_execute("UPDATE schema_version SET version = version")
                .await?;
            Ok(())
        })
    }

    fn healthy(&self) -> bool {
        self.inner.healthy.load(Ordering::Relaxed)
    }

    async fn wait_for_jobs(&self, timeout: Duration) {
        // One notification per transaction that added jobs (in any process) wakes one idle
        // worker of this store (or the next to wait).
        let _ = tokio::time::timeout(timeout, self.inner.added.notified()).await;
    }
}

/// Whether a PostgreSQL error means the database cannot take writes right now (unreachable,
/// shutting down, read-only, out of disk or memory), as opposed to a statement's own failure.
pub(crate) fn is_unavailable(err: &tokio_postgres::Error) -> bool {
    use std::error::Error as _;
    if err.is_closed() {
        return true;
    }
    match err.code() {
        Some(code) => {
            let code = code.code();
            // Classes 08 (connection), 53 (insufficient resources), 57P (shutdown), 58 (system,
            // I/O); 25006: a read-only transaction (a standby).
            ["08", "53", "57P", "58"]
                .iter()
                .any(|class| code.starts_with(class))
                || code == "25006"
        }
        // No SQL state: the connection failed (I/O, a connect timeout), or a value did not
        // convert.
        None => err
            .source()
            .is_some_and(|source| source.is::<std::io::Error>()),
    }
}

/// Whether getting a connection failed because the database is unavailable.
pub(crate) fn pool_unavailable(err: &deadpool_postgres::PoolError) -> bool {
    match err {
        deadpool_postgres::PoolError::Backend(err) => is_unavailable(err),
        deadpool_postgres::PoolError::Timeout(_)
        | deadpool_postgres::PoolError::Closed
        | deadpool_postgres::PoolError::PostCreateHook(_) => true,
        deadpool_postgres::PoolError::NoRuntimeSpecified => false,
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn a_prefix_range_ends_after_its_last_key() {
        assert_eq!(prefix_end("o/1/").as_deref(), Some("o/10"));
        assert_eq!(prefix_end("").as_deref(), None);
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
    }
}

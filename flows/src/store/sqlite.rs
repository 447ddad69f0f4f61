//! The embedded store: one SQLite file in WAL mode, written by one thread with group commit.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use mapping::System;
use rusqlite::{Connection, OptionalExtension, params};
use sqlite_batch::Batcher;
use tokio::sync::Notify;

use super::rows::{
    ClaimRow, JobRow, RawRecords, Rows, dead_letter_payload, decode_claim, effect, system,
};
use super::{
    Accepted, Checkpoint, Claimed, Counts, DeadLetter, Effect, EventSummary, Finish, FlowWrites,
    JobInfo, JobPlan, JobState, JobSummary, Lease, Millis, NewEvent, NewJob, SCHEDULED_AFTER,
    Store, StoredEvent,
};
use crate::FlowError;
use crate::worker::now_millis;
use crate::workflow::JobKind;

/// How long worker starts are kept.
const MONTH_MS: Millis = 30 * 24 * 3600 * 1000;

/// The schema, one migration per version (`PRAGMA user_version`). A file written by an older
/// version is brought up to date when opened; one of a newer version is refused.
const MIGRATIONS: [&str; 2] = [
    // 1: the store of issue 9.
    "
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (provider, event_id)
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (state, run_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    reason TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    replayed_at INTEGER
);
CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS effects (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    system TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
",
    // 2: a token per claim, claims since the last outcome, reruns, waits, the job's inbox event,
    // flow state and worker starts.
    "
ALTER TABLE jobs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rerun INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN waiting_for TEXT;
ALTER TABLE jobs ADD COLUMN event_provider TEXT;
ALTER TABLE jobs ADD COLUMN event_id TEXT;
CREATE TABLE flow_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Version 1 kept workflow state (the canonical order) as effects of a pseudo-system: it is state.
INSERT INTO flow_state (key, value, updated_at)
    SELECT key, detail, created_at FROM effects WHERE system = 'flows';
DELETE FROM effects WHERE system = 'flows';
-- When workers started: a lost run is counted against its job only when its process was not
-- being restarted anyway.
CREATE TABLE worker_starts (started_at INTEGER NOT NULL);
CREATE INDEX worker_starts_at ON worker_starts (started_at);
",
];

/// [`Store`] on one SQLite file (WAL). One thread owns the connection and runs the operations of
/// every task of the process in batches, one commit per batch (see [`sqlite_batch`]): an
/// operation's result is returned once its batch has committed.
///
/// The file is opened by one process at a time: the connection holds SQLite's exclusive lock,
/// which also keeps the WAL index in memory instead of a memory-mapped `-shm` file (a full or
/// read-only file system then fails writes with an error instead of killing the process with
/// `SIGBUS`). Several processes or machines share a PostgreSQL store instead.
#[derive(Clone)]
pub struct SqliteStore {
    db: Batcher,
    /// Told once per job added through this store, so an idle worker claims it at once.
    added: Arc<Notify>,
    /// Whether the last write succeeded.
    healthy: Arc<AtomicBool>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("healthy", &self.healthy.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path`. A file that cannot be written
    /// (a read-only file system or file, no space for its journal) or that another process holds
    /// is an error naming the path: the store never runs read-only.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FlowError> {
        let db = sqlite_batch::open_file(path.as_ref(), "flows-sqlite", migrate)?;
        Ok(Self::with(db))
    }

    /// A store in memory, for tests and one-shot tools.
    pub fn in_memory() -> Result<Self, FlowError> {
        let conn = Connection::open_in_memory()?;
        migrate(&conn)?;
        let db = Batcher::start(conn, "flows-sqlite")
            .map_err(|e| FlowError::Task(format!("could not start the store's thread: {e}")))?;
        Ok(Self::with(db))
    }

    fn with(db: Batcher) -> Self {
        Self {
            db,
            added: Arc::new(Notify::new()),
            healthy: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Runs `f`, which only reads, on the store's thread.
    async fn read<T, F>(&self, f: F) -> Result<T, FlowError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, FlowError> + Send + 'static,
    {
        Ok(self.db.read(f).await?)
    }

    /// Runs `f` on the store's thread, atomically: if it fails, nothing it wrote is kept. A
    /// storage failure marks the store unhealthy until a write that changes rows succeeds again.
    async fn write<T, F>(&self, f: F) -> Result<T, FlowError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, FlowError> + Send + 'static,
    {
        // Only a write that changed rows says the disk takes writes: SQLite commits a
        // transaction that changed nothing (a claim that found no job) without writing a byte.
        let result = self
            .db
            .write(move |conn| {
                let before = conn.total_changes();
                let out = f(conn)?;
                Ok::<_, FlowError>((out, conn.total_changes() != before))
            })
            .await
            .map_err(FlowError::from);
        match &result {
            Ok((_, true)) => self.healthy.store(true, Ordering::Relaxed),
            Ok((_, false)) => {}
            Err(err) if err.is_storage_failure() => {
                if self.healthy.swap(false, Ordering::Relaxed) {
                    tracing::error!(error = %err, "the store does not accept writes");
                }
            }
            Err(_) => {}
        }
        result.map(|(out, _)| out)
    }
}

/// Brings the schema to the newest version.
fn migrate(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "store schema version {version} is newer than this library's {}",
                MIGRATIONS.len()
            )),
        ));
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    conn.set_prepared_statement_cache_capacity(48);
    Ok(())
}

impl JobRow {
    /// Inserts it, or (see [`NewJob::rerun`]) finds the job of its kind and key; its id.
    fn insert(&self, conn: &Connection, now: Millis) -> Result<i64, FlowError> {
        let (provider, event_id) = match &self.event {
            Some((provider, event_id)) => (Some(*provider), Some(event_id.as_str())),
            None => (None, None),
        };
        let values = params![
            self.kind,
            self.key,
            self.payload,
            self.run_at,
            now,
            provider,
            event_id
        ];
        if self.rerun {
            // Done: queued again with the new input; running: once more after this run; queued:
            // it runs anyway, with the new input. Dead jobs wait for a person.
            Ok(conn
                .prepare_cached(
                    "INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at,
                                   event_provider, event_id)
                 VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5, ?6, ?7)
                 ON CONFLICT (kind, key) DO UPDATE SET
                    payload = CASE WHEN state = 'dead' THEN payload ELSE excluded.payload END,
                    event_provider = CASE WHEN state = 'dead' THEN event_provider
                                          ELSE excluded.event_provider END,
                    event_id = CASE WHEN state = 'dead' THEN event_id ELSE excluded.event_id END,
                    rerun = CASE WHEN state = 'running' THEN 1 ELSE rerun END,
                    run_at = CASE WHEN state = 'done' THEN excluded.run_at ELSE run_at END,
                    attempts = CASE WHEN state = 'done' THEN 0 ELSE attempts END,
                    state = CASE WHEN state = 'done' THEN 'queued' ELSE state END,
                    updated_at = excluded.updated_at
                 RETURNING id",
                )?
                .query_row(values, |r| r.get(0))?)
        } else {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at,
                                       event_provider, event_id)
                     VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5, ?6, ?7)
                     ON CONFLICT (kind, key) DO NOTHING
                     RETURNING id",
                )?
                .query_row(values, |r| r.get(0))
                .optional()?;
            // A job of this kind and key exists already: its id.
            match inserted {
                Some(id) => Ok(id),
                None => Ok(conn
                    .prepare_cached("SELECT id FROM jobs WHERE kind = ?1 AND key = ?2")?
                    .query_row(params![self.kind, self.key], |r| r.get(0))?),
            }
        }
    }
}

/// Fails with [`FlowError::LeaseLost`] unless `lease` is the job's current claim.
fn fence(conn: &Connection, lease: Lease) -> Result<(), FlowError> {
    let held = conn
        .prepare_cached(
            "SELECT 1 FROM jobs WHERE id = ?1 AND lease_token = ?2 AND state = 'running'",
        )?
        .query_row(params![lease.job, lease.token], |_| Ok(()))
        .optional()?;
    held.ok_or(FlowError::LeaseLost {
        job: lease.job,
        token: lease.token,
    })
}

impl Rows {
    /// Writes them (after the run's fence was checked).
    fn write(&self, conn: &Connection, now: Millis) -> Result<(), FlowError> {
        if !self.effects.is_empty() {
            let mut insert = conn.prepare_cached(
                "INSERT INTO effects (key, system, detail, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO NOTHING",
            )?;
            for effect in &self.effects {
                insert.execute(params![
                    effect.key,
                    effect.system.as_str(),
                    effect.detail.get(),
                    now
                ])?;
            }
        }
        for job in &self.jobs {
            job.insert(conn, now)?;
        }
        for (key, value) in &self.states {
            match value {
                Some(value) => {
                    conn.prepare_cached(
                        "INSERT INTO flow_state (key, value, updated_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (key) DO UPDATE
                         SET value = excluded.value, updated_at = excluded.updated_at",
                    )?
                    .execute(params![key, value.get(), now])?;
                }
                None => {
                    conn.prepare_cached("DELETE FROM flow_state WHERE key = ?1")?
                        .execute(params![key])?;
                }
            }
        }
        Ok(())
    }
}

impl RawRecords {
    fn read(conn: &Connection, prefix: &str) -> Result<Self, FlowError> {
        // Keys sharing a prefix sit together in the key index, from the prefix itself on; a row
        // that fails to read ends the list as an error, not silently.
        let effects = conn
            .prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects
                 WHERE key >= ?1 ORDER BY key",
            )?
            .query_map(params![prefix], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .take_while(|row| {
                row.as_ref().map_or(
                    true,
                    |(_, key, ..): &(i64, String, String, String, Millis)| key.starts_with(prefix),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let states = conn
            .prepare_cached("SELECT key, value FROM flow_state WHERE key >= ?1 ORDER BY key")?
            .query_map(params![prefix], |r| Ok((r.get(0)?, r.get(1)?)))?
            .take_while(|row| {
                row.as_ref()
                    .map_or(true, |(key, _): &(String, String)| key.starts_with(prefix))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { effects, states })
    }
}

fn insert_dead_letter(
    conn: &Connection,
    job: i64,
    reason: &str,
    permanent: bool,
    now: Millis,
) -> Result<(), FlowError> {
    conn.prepare_cached(
        "INSERT INTO dead_letters (job_id, reason, permanent, attempts, created_at)
         SELECT id, ?2, ?3, attempts, ?4 FROM jobs WHERE id = ?1",
    )?
    .execute(params![job, reason, permanent, now])?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
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
        let accepted = self
            .write(move |conn| {
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO inbox (provider, event_id, topic, payload, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (provider, event_id) DO NOTHING",
                    )?
                    .execute(params![
                        event.provider.as_str(),
                        event.event_id,
                        event.topic,
                        event.payload,
                        now
                    ])?;
                if inserted == 0 {
                    return Ok(Accepted::Duplicate);
                }
                let event_row = conn.last_insert_rowid();
                let job = match plan {
                    None => None,
                    Some((job, None)) => Some(job.insert(conn, now)?),
                    Some((job, Some(reason))) => {
                        let id = job.insert(conn, now)?;
                        let changed = conn
                            .prepare_cached(
                                "UPDATE jobs SET state = 'dead', last_error = ?2, updated_at = ?3
                                 WHERE id = ?1 AND state = 'queued'",
                            )?
                            .execute(params![id, reason, now])?;
                        if changed == 1 {
                            insert_dead_letter(conn, id, &reason, true, now)?;
                        }
                        Some(id)
                    }
                };
                Ok(Accepted::New {
                    event: event_row,
                    job,
                })
            })
            .await;
        if let Ok(Accepted::New { job: Some(_), .. }) = accepted {
            self.added.notify_one();
        }
        accepted
    }

    async fn event(
        &self,
        provider: System,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, FlowError> {
        let event_id = event_id.to_owned();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, topic, payload, received_at FROM inbox
                     WHERE provider = ?1 AND event_id = ?2",
                )?
                .query_row(params![provider.as_str(), event_id], |r| {
                    Ok(StoredEvent {
                        id: r.get(0)?,
                        event: NewEvent {
                            provider,
                            event_id: event_id.clone(),
                            topic: r.get(1)?,
                            payload: r.get(2)?,
                        },
                        received_at: r.get(3)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn enqueue(&self, job: NewJob, now: Millis) -> Result<i64, FlowError> {
        let row = JobRow::of(&job)?;
        let id = self.write(move |conn| row.insert(conn, now)).await?;
        self.added.notify_one();
        Ok(id)
    }

    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, FlowError> {
        let worker = worker.to_owned();
        let lease_until = now.saturating_add(lease_ms);
        let claimed = self
            .write(move |conn| {
                // The queued and the expired candidates are looked up apart, each the first along
                // `jobs_runnable`, and the earlier one is claimed: one condition with OR made
                // SQLite sort every runnable job at each claim (1,100 claims/s with 20,000
                // queued, against 33,000 so).
                let row = conn
                    .prepare_cached(
                        "UPDATE jobs SET state = 'running', lease_owner = ?1, lease_until = ?2,
                                lease_token = lease_token + 1,
                                claims = claims + CASE
                                    WHEN state = 'running'
                                     AND (SELECT COUNT(*) FROM worker_starts
                                          WHERE started_at > jobs.updated_at) > 1
                                    THEN 0 ELSE 1 END,
                                updated_at = ?3
                         WHERE id = (SELECT id FROM (
                                        SELECT * FROM (SELECT id, run_at FROM jobs
                                            WHERE state = 'queued' AND run_at <= ?3
                                            ORDER BY run_at, id LIMIT 1)
                                        UNION ALL
                                        SELECT * FROM (SELECT id, run_at FROM jobs
                                            WHERE state = 'running' AND lease_until < ?3
                                            ORDER BY run_at, id LIMIT 1))
                                     ORDER BY run_at, id LIMIT 1)
                         RETURNING id, kind, key, payload, attempts, claims, last_error,
                                   lease_token, event_provider, event_id",
                    )?
                    .query_row(params![worker, lease_until, now], |r| {
                        Ok(ClaimRow {
                            id: r.get(0)?,
                            kind: r.get(1)?,
                            key: r.get(2)?,
                            payload: r.get(3)?,
                            attempts: r.get(4)?,
                            claims: r.get(5)?,
                            last_error: r.get(6)?,
                            token: r.get(7)?,
                            event: match (r.get::<_, Option<String>>(8)?, r.get(9)?) {
                                (Some(provider), Some(event_id)) => Some((provider, event_id)),
                                _ => None,
                            },
                        })
                    })
                    .optional()?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let records = RawRecords::read(conn, &format!("{}/", row.key))?;
                let event = match &row.event {
                    Some((provider, event_id)) => conn
                        .prepare_cached(
                            "SELECT id, topic, payload, received_at FROM inbox
                             WHERE provider = ?1 AND event_id = ?2",
                        )?
                        .query_row(params![provider, event_id], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })
                        .optional()?,
                    None => None,
                };
                Ok(Some((row, records, event)))
            })
            .await?;
        let Some((row, records, event)) = claimed else {
            return Ok(None);
        };
        decode_claim(self, row, records, event, lease_until, now)
            .await
            .map(Some)
    }

    async fn worker_started(&self, now: Millis) -> Result<(), FlowError> {
        self.write(move |conn| {
            conn.prepare_cached("INSERT INTO worker_starts (started_at) VALUES (?1)")?
                .execute([now])?;
            // Only starts later than a live lease's last renewal matter: a month is plenty.
            conn.prepare_cached("DELETE FROM worker_starts WHERE started_at < ?1")?
                .execute([now.saturating_sub(MONTH_MS)])?;
            Ok(())
        })
        .await
    }

    async fn renew(&self, lease: Lease, until: Millis, now: Millis) -> Result<(), FlowError> {
        self.write(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE jobs SET lease_until = MAX(lease_until, ?3), updated_at = ?4
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'running'",
                )?
                .execute(params![lease.job, lease.token, until, now])?;
            if changed == 1 {
                Ok(())
            } else {
                Err(FlowError::LeaseLost {
                    job: lease.job,
                    token: lease.token,
                })
            }
        })
        .await
    }

    async fn save(&self, lease: Lease, writes: &FlowWrites, now: Millis) -> Result<(), FlowError> {
        // The caller keeps its writes: it writes them with its outcome if this fails.
        let rows = Rows::of(writes.clone())?;
        let adds_jobs = rows.adds_jobs();
        self.write(move |conn| {
            fence(conn, lease)?;
            rows.write(conn, now)
        })
        .await?;
        if adds_jobs {
            self.added.notify_one();
        }
        Ok(())
    }

    async fn finish(
        &self,
        lease: Lease,
        finish: Finish,
        writes: FlowWrites,
        now: Millis,
    ) -> Result<(), FlowError> {
        let rows = Rows::of(writes)?;
        let adds_jobs = rows.adds_jobs();
        let requeued = self
            .write(move |conn| {
                let (id, token) = (lease.job, lease.token);
                // The outcome's update is the fence: it changes the job only while this claim
                // holds it, and a claim that is gone fails the whole operation (records too).
                // Every outcome ends the claim and the run of claims without one. (Parameters
                // a statement does not use are bound all the same: ?5 is the token in each.)
                const HELD: &str = "WHERE id = ?1 AND lease_token = ?5 AND state = 'running'";
                const RELEASE: &str =
                    "lease_owner = NULL, lease_until = NULL, claims = 0, updated_at = ?2";
                let (changed, requeued) = match &finish {
                    Finish::Done => {
                        let rerun: Option<bool> = conn
                            .prepare_cached(&format!(
                                "UPDATE jobs SET
                                        state = CASE WHEN rerun = 1 THEN 'queued' ELSE 'done' END,
                                        run_at = CASE WHEN rerun = 1 THEN ?2 ELSE run_at END,
                                        rerun = 0, waiting_for = NULL, {RELEASE}
                                 {HELD} RETURNING state = 'queued'"
                            ))?
                            .query_row(
                                params![id, now, Option::<i64>::None, Option::<i64>::None, token],
                                |r| r.get(0),
                            )
                            .optional()?;
                        (usize::from(rerun.is_some()), rerun.unwrap_or(false))
                    }
                    Finish::Retry { run_at, error } => {
                        let changed = conn
                            .prepare_cached(&format!(
                                "UPDATE jobs SET state = 'queued', attempts = attempts + 1,
                                        run_at = ?3, last_error = ?4, waiting_for = NULL,
                                        {RELEASE}
                                 {HELD}"
                            ))?
                            .execute(params![id, now, run_at, error, token])?;
                        (changed, true)
                    }
                    Finish::Wait { run_at, reason } => {
                        let changed = conn
                            .prepare_cached(&format!(
                                "UPDATE jobs SET state = 'queued', run_at = ?3, waiting_for = ?4,
                                        {RELEASE}
                                 {HELD}"
                            ))?
                            .execute(params![id, now, run_at, reason, token])?;
                        (changed, true)
                    }
                    Finish::Release { run_at } => {
                        let changed = conn
                            .prepare_cached(&format!(
                                "UPDATE jobs SET state = 'queued', run_at = ?3, {RELEASE}
                                 {HELD}"
                            ))?
                            .execute(params![id, now, run_at, Option::<i64>::None, token])?;
                        (changed, true)
                    }
                    Finish::Dead {
                        reason,
                        permanent,
                        failed,
                    } => {
                        let changed = conn
                            .prepare_cached(&format!(
                                "UPDATE jobs SET state = 'dead', attempts = attempts + ?3,
                                        last_error = ?4, waiting_for = NULL, rerun = 0,
                                        {RELEASE}
                                 {HELD}"
                            ))?
                            .execute(params![id, now, u32::from(*failed), reason, token])?;
                        if changed == 1 {
                            insert_dead_letter(conn, id, reason, *permanent, now)?;
                        }
                        (changed, false)
                    }
                };
                if changed != 1 {
                    return Err(FlowError::LeaseLost { job: id, token });
                }
                rows.write(conn, now)?;
                Ok(requeued)
            })
            .await?;
        if requeued || adds_jobs {
            self.added.notify_one();
        }
        Ok(())
    }

    async fn job(&self, kind: &JobKind, key: &str) -> Result<Option<JobInfo>, FlowError> {
        let (kind, key) = (kind.as_str().to_owned(), key.to_owned());
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT id, state, attempts, claims, last_error, waiting_for, run_at
                 FROM jobs WHERE kind = ?1 AND key = ?2",
            )?
            .query_and_then(params![kind, key], job_info)?
            .next()
            .transpose()
        })
        .await
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "{DEAD_LETTERS} WHERE d.replayed_at IS NULL ORDER BY d.id LIMIT ?1"
            ))?
            .query_and_then(params![limit], dead_letter_row)?
            .collect()
        })
        .await
    }

    async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>, FlowError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "{DEAD_LETTERS} WHERE d.id = ?1 AND d.replayed_at IS NULL"
            ))?
            .query_and_then(params![id], dead_letter_row)?
            .next()
            .transpose()
        })
        .await
    }

    async fn replay_dead_letter(&self, id: i64, now: Millis) -> Result<i64, FlowError> {
        let job = self
            .write(move |conn| {
                let job: Option<i64> = conn
                    .prepare_cached(
                        "SELECT job_id FROM dead_letters WHERE id = ?1 AND replayed_at IS NULL",
                    )?
                    .query_row(params![id], |r| r.get(0))
                    .optional()?;
                let job = job.ok_or(FlowError::NoSuchDeadLetter(id))?;
                conn.prepare_cached("UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1")?
                    .execute(params![id, now])?;
                conn.prepare_cached(
                    "UPDATE jobs SET state = 'queued', attempts = 0, claims = 0, run_at = ?2,
                            updated_at = ?2
                     WHERE id = ?1",
                )?
                .execute(params![job, now])?;
                Ok(job)
            })
            .await?;
        self.added.notify_one();
        Ok(job)
    }

    async fn checkpoint(&self, name: &str) -> Result<Option<String>, FlowError> {
        let name = name.to_owned();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM checkpoints WHERE name = ?1")?
                .query_row(params![name], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn set_checkpoint(&self, name: &str, value: &str, now: Millis) -> Result<(), FlowError> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO checkpoints (name, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE
                 SET value = excluded.value, updated_at = excluded.updated_at",
            )?
            .execute(params![name, value, now])?;
            Ok(())
        })
        .await
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, FlowError> {
        self.read(|conn| {
            conn.prepare_cached("SELECT name, value, updated_at FROM checkpoints ORDER BY name")?
                .query_map([], |r| {
                    Ok(Checkpoint {
                        name: r.get(0)?,
                        value: r.get(1)?,
                        updated_at: r.get(2)?,
                    })
                })?
                .collect::<Result<_, _>>()
                .map_err(FlowError::from)
        })
        .await
    }

    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError> {
        let key = key.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects WHERE key = ?1",
            )?
            .query_and_then(params![key], effect_row)?
            .next()
            .transpose()
        })
        .await
    }

    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError> {
        let prefix = prefix.to_owned();
        self.read(move |conn| RawRecords::read(conn, &prefix))
            .await?
            .effects()
    }

    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects
                 WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let effects = stmt
                .query_and_then(params![after, limit], effect_row)?
                .collect::<Result<Vec<_>, FlowError>>()?;
            // Nothing new, or a position that is no effect's (an error, as on PostgreSQL).
            if effects.is_empty()
                && after != 0
                && conn
                    .prepare_cached("SELECT 1 FROM effects WHERE id = ?1")?
                    .query_row(params![after], |_| Ok(()))
                    .optional()?
                    .is_none()
            {
                return Err(FlowError::Unknown {
                    what: "effect id",
                    value: after.to_string(),
                });
            }
            Ok(effects)
        })
        .await
    }

    async fn effects_ending(&self, suffix: &str, limit: u32) -> Result<Vec<Effect>, FlowError> {
        let suffix = suffix.to_owned();
        self.read(move |conn| {
            // `substr` and `length` count characters alike; `LIKE` would ignore ASCII case.
            conn.prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects
                 WHERE ?1 = '' OR substr(key, -length(?1)) = ?1
                 ORDER BY created_at DESC, id DESC LIMIT ?2",
            )?
            .query_and_then(params![suffix, limit], effect_row)?
            .collect()
        })
        .await
    }

    async fn state(&self, key: &str) -> Result<Option<serde_json::Value>, FlowError> {
        let key = key.to_owned();
        self.read(move |conn| {
            let value: Option<String> = conn
                .prepare_cached("SELECT value FROM flow_state WHERE key = ?1")?
                .query_row(params![key], |r| r.get(0))
                .optional()?;
            Ok(value.map(|v| serde_json::from_str(&v)).transpose()?)
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, FlowError> {
        self.read(|conn| {
            let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, u64>(0));
            let state = |s: JobState| {
                conn.query_row(
                    "SELECT COUNT(*) FROM jobs WHERE state = ?1",
                    params![s.as_str()],
                    |r| r.get::<_, u64>(0),
                )
            };
            Ok(Counts {
                events: count("SELECT COUNT(*) FROM inbox")?,
                queued: state(JobState::Queued)?,
                scheduled: conn.query_row(
                    "SELECT COUNT(*) FROM jobs WHERE state = ?1 AND run_at > ?2",
                    params![
                        JobState::Queued.as_str(),
                        now_millis().saturating_add(SCHEDULED_AFTER)
                    ],
                    |r| r.get::<_, u64>(0),
                )?,
                running: state(JobState::Running)?,
                done: state(JobState::Done)?,
                dead: count("SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL")?,
                effects: count("SELECT COUNT(*) FROM effects")?,
            })
        })
        .await
    }

    async fn recent_events(&self, limit: u32) -> Result<Vec<EventSummary>, FlowError> {
        self.read(move |conn| {
            // The page of events first, then their jobs: the join reads the job table once.
            conn.prepare_cached(
                "SELECT e.id, e.provider, e.event_id, e.topic, e.received_at, MIN(j.id)
                 FROM (SELECT id, provider, event_id, topic, received_at FROM inbox
                       ORDER BY received_at DESC, id DESC LIMIT ?1) e
                 LEFT JOIN jobs j ON j.event_provider = e.provider AND j.event_id = e.event_id
                 GROUP BY e.id
                 ORDER BY e.received_at DESC, e.id DESC",
            )?
            .query_and_then(params![limit], |r| {
                Ok(EventSummary {
                    id: r.get(0)?,
                    provider: system(r.get(1)?)?,
                    event_id: r.get(2)?,
                    topic: r.get(3)?,
                    received_at: r.get(4)?,
                    job: r.get(5)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn recent_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<JobSummary>, FlowError> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT id, state, attempts, claims, last_error, waiting_for, run_at,
                        kind, key, updated_at
                 FROM jobs WHERE ?1 IS NULL OR state = ?1
                 ORDER BY updated_at DESC, id DESC LIMIT ?2",
            )?
            .query_and_then(params![state.map(JobState::as_str), limit], |r| {
                Ok(JobSummary {
                    info: job_info(r)?,
                    kind: JobKind::stored(r.get(7)?),
                    key: r.get(8)?,
                    updated_at: r.get(9)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn ready(&self) -> Result<(), FlowError> {
        if self.healthy.load(Ordering::Relaxed) {
            return Ok(());
        }
        let probed = self.db.probe_write().await.map_err(|err| match err {
            sqlite_batch::Error::Op(err) | sqlite_batch::Error::Batch(err) => {
                FlowError::Sqlite(err)
            }
            other => FlowError::Task(other.to_string()),
        });
        if probed.is_ok() && !self.healthy.swap(true, Ordering::Relaxed) {
            tracing::info!("the store accepts writes again");
        }
        probed
    }

    fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    async fn wait_for_jobs(&self, timeout: std::time::Duration) {
        // One notification per added job wakes one idle worker (or the next to wait).
        let _ = tokio::time::timeout(timeout, self.added.notified()).await;
    }
}

/// The columns a [`dead_letter_row`] reads, of a dead letter `d` and its job `j`.
const DEAD_LETTERS: &str = "SELECT d.id, d.job_id, j.kind, j.key, j.payload, d.reason, d.permanent,
                                   d.attempts, d.created_at
                            FROM dead_letters d JOIN jobs j ON j.id = d.job_id";

/// A row of [`DEAD_LETTERS`].
fn dead_letter_row(r: &rusqlite::Row<'_>) -> Result<DeadLetter, FlowError> {
    Ok(DeadLetter {
        id: r.get(0)?,
        job_id: r.get(1)?,
        kind: JobKind::stored(r.get(2)?),
        key: r.get(3)?,
        payload: dead_letter_payload(r.get(4)?),
        reason: r.get(5)?,
        permanent: r.get(6)?,
        attempts: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// A job's row read as `id, state, attempts, claims, last_error, waiting_for, run_at`.
fn job_info(r: &rusqlite::Row<'_>) -> Result<JobInfo, FlowError> {
    let state: String = r.get(1)?;
    Ok(JobInfo {
        id: r.get(0)?,
        state: JobState::parse(&state)?,
        attempts: r.get(2)?,
        claims: r.get(3)?,
        last_error: r.get(4)?,
        waiting_for: r.get(5)?,
        run_at: r.get(6)?,
    })
}

/// A row of `effects` read as `id, key, system, detail, created_at`.
fn effect_row(row: &rusqlite::Row<'_>) -> Result<Effect, FlowError> {
    let system: String = row.get(2)?;
    let detail: String = row.get(3)?;
    effect(row.get(0)?, row.get(1)?, &system, &detail, row.get(4)?)
}

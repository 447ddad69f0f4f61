//! The embedded store: one SQLite file in WAL mode, written by one thread with group commit.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use sqlite_batch::Batcher;
use tokio::sync::Notify;

use super::{
    Accepted, Counts, DeadLetter, Effect, Job, Millis, NewEffect, NewEvent, NewJob, Store,
    StoredEvent,
};
use crate::FlowError;

const SCHEMA: &str = "
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
";

/// How often the WAL is checkpointed, off the store's thread (see [`sqlite_batch`]).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// [`Store`] on one SQLite file (WAL, `synchronous=NORMAL`). One thread owns the connection and
/// runs the operations of every task of the process in batches, one commit per batch (see
/// [`sqlite_batch`]): an operation's result is returned once its batch has committed. A second
/// thread checkpoints the WAL every 100 ms. Several processes may open the same file: a batch that
/// writes takes SQLite's write lock (`BEGIN IMMEDIATE`) and waits up to 5 s for it.
#[derive(Clone)]
pub struct SqliteStore {
    db: Batcher,
    /// Told once per job added through this store, so an idle worker claims it at once.
    added: Arc<Notify>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FlowError> {
        Self::init(Connection::open(path)?)
    }

    /// A store in memory, for tests and one-shot tools.
    pub fn in_memory() -> Result<Self, FlowError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, FlowError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        conn.set_prepared_statement_cache_capacity(32);
        let db = Batcher::start_with_checkpoints(conn, "flows-sqlite", CHECKPOINT_EVERY)?;
        Ok(Self {
            db,
            added: Arc::new(Notify::new()),
        })
    }

    /// Runs `f`, which only reads, on the store's thread.
    async fn read<T, F>(&self, f: F) -> Result<T, FlowError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, FlowError> + Send + 'static,
    {
        Ok(self.db.read(f).await?)
    }

    /// Runs `f` on the store's thread, atomically: if it fails, nothing it wrote is kept.
    async fn write<T, F>(&self, f: F) -> Result<T, FlowError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, FlowError> + Send + 'static,
    {
        Ok(self.db.write(f).await?)
    }
}

fn insert_job(conn: &Connection, job: &NewJob, now: Millis) -> Result<i64, FlowError> {
    let payload = serde_json::to_string(&job.payload)?;
    conn.prepare_cached(
        "INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5)
         ON CONFLICT (kind, key) DO NOTHING",
    )?
    .execute(params![job.kind, job.key, payload, job.run_at, now])?;
    Ok(conn
        .prepare_cached("SELECT id FROM jobs WHERE kind = ?1 AND key = ?2")?
        .query_row(params![job.kind, job.key], |r| r.get(0))?)
}

/// Fails with [`FlowError::LeaseLost`] when an update fenced by the lease touched no row.
fn fenced(changed: usize, job: i64, worker: &str) -> Result<(), FlowError> {
    if changed == 1 {
        Ok(())
    } else {
        Err(FlowError::LeaseLost {
            job,
            worker: worker.to_owned(),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn accept_event(
        &self,
        event: NewEvent,
        job: Option<NewJob>,
        now: Millis,
    ) -> Result<Accepted, FlowError> {
        let accepted = self
            .write(move |conn| {
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO inbox (provider, event_id, topic, payload, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (provider, event_id) DO NOTHING",
                    )?
                    .execute(params![
                        event.provider,
                        event.event_id,
                        event.topic,
                        event.payload,
                        now
                    ])?;
                if inserted == 0 {
                    return Ok(Accepted::Duplicate);
                }
                let event_row = conn.last_insert_rowid();
                let job_id = job.map(|job| insert_job(conn, &job, now)).transpose()?;
                Ok(Accepted::New {
                    event: event_row,
                    job: job_id,
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
        provider: &str,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, FlowError> {
        let (provider, event_id) = (provider.to_owned(), event_id.to_owned());
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, topic, payload, received_at FROM inbox
                     WHERE provider = ?1 AND event_id = ?2",
                )?
                .query_row(params![provider, event_id], |r| {
                    Ok(StoredEvent {
                        id: r.get(0)?,
                        event: NewEvent {
                            provider: provider.clone(),
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
        let id = self.write(move |conn| insert_job(conn, &job, now)).await?;
        self.added.notify_one();
        Ok(id)
    }

    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Job>, FlowError> {
        let worker = worker.to_owned();
        self.write(move |conn| {
            let row = conn
                .prepare_cached(
                    "UPDATE jobs SET state = 'running', lease_owner = ?1, lease_until = ?2,
                            attempts = attempts + 1, updated_at = ?3
                     WHERE id = (SELECT id FROM jobs
                                 WHERE (state = 'queued' AND run_at <= ?3)
                                    OR (state = 'running' AND lease_until < ?3)
                                 ORDER BY run_at, id LIMIT 1)
                     RETURNING id, kind, key, payload, attempts, last_error",
                )?
                .query_row(params![worker, now + lease_ms, now], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, u32>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                })
                .optional()?;
            row.map(|(id, kind, key, payload, attempts, last_error)| {
                Ok(Job {
                    id,
                    kind,
                    key,
                    payload: serde_json::from_str(&payload)?,
                    attempts,
                    last_error,
                })
            })
            .transpose()
        })
        .await
    }

    async fn complete(&self, job: i64, worker: &str, now: Millis) -> Result<(), FlowError> {
        let worker = worker.to_owned();
        self.write(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL,
                            updated_at = ?3
                     WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
                )?
                .execute(params![job, worker, now])?;
            fenced(changed, job, &worker)
        })
        .await
    }

    async fn retry_later(
        &self,
        job: i64,
        worker: &str,
        error: &str,
        run_at: Millis,
        now: Millis,
    ) -> Result<(), FlowError> {
        let (worker, error) = (worker.to_owned(), error.to_owned());
        self.write(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL,
                            run_at = ?3, last_error = ?4, updated_at = ?5
                     WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
                )?
                .execute(params![job, worker, run_at, error, now])?;
            fenced(changed, job, &worker)
        })
        .await
    }

    async fn release(
        &self,
        job: i64,
        worker: &str,
        run_at: Millis,
        now: Millis,
    ) -> Result<(), FlowError> {
        let worker = worker.to_owned();
        self.write(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL,
                            run_at = ?3, attempts = MAX(attempts - 1, 0), updated_at = ?4
                     WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
                )?
                .execute(params![job, worker, run_at, now])?;
            fenced(changed, job, &worker)
        })
        .await
    }

    async fn dead_letter(
        &self,
        job: i64,
        worker: &str,
        reason: &str,
        permanent: bool,
        now: Millis,
    ) -> Result<(), FlowError> {
        let (worker, reason) = (worker.to_owned(), reason.to_owned());
        self.write(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL,
                            last_error = ?3, updated_at = ?4
                     WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
                )?
                .execute(params![job, worker, reason, now])?;
            fenced(changed, job, &worker)?;
            conn.prepare_cached(
                "INSERT INTO dead_letters (job_id, reason, permanent, attempts, created_at)
                 SELECT id, ?2, ?3, attempts, ?4 FROM jobs WHERE id = ?1",
            )?
            .execute(params![job, reason, permanent, now])?;
            Ok(())
        })
        .await
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT d.id, d.job_id, j.kind, j.key, j.payload, d.reason, d.permanent,
                        d.attempts, d.created_at
                 FROM dead_letters d JOIN jobs j ON j.id = d.job_id
                 WHERE d.replayed_at IS NULL ORDER BY d.id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, u32>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            })?;
            rows.map(|row| {
                let (id, job_id, kind, key, payload, reason, permanent, attempts, created_at) =
                    row?;
                Ok(DeadLetter {
                    id,
                    job_id,
                    kind,
                    key,
                    payload: serde_json::from_str(&payload)?,
                    reason,
                    permanent,
                    attempts,
                    created_at,
                })
            })
            .collect()
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
                    "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?2, updated_at = ?2
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

    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError> {
        let key = key.to_owned();
        self.read(move |conn| read_effect(conn, &key)).await
    }

    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError> {
        let prefix = prefix.to_owned();
        self.read(move |conn| {
            // Keys sharing a prefix sit together in the key index, from the prefix itself on.
            let mut stmt = conn.prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects
                 WHERE key >= ?1 ORDER BY key",
            )?;
            stmt.query_and_then(params![prefix], effect_row)?
                // A row that fails to read ends the list as an error, not silently.
                .take_while(|effect| effect.as_ref().map_or(true, |e| e.key.starts_with(&prefix)))
                .collect()
        })
        .await
    }

    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, key, system, detail, created_at FROM effects
                 WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            stmt.query_and_then(params![after, limit], effect_row)?
                .collect()
        })
        .await
    }

    async fn record_effect(
        &self,
        key: &str,
        system: &str,
        detail: &serde_json::Value,
        now: Millis,
    ) -> Result<Effect, FlowError> {
        let (key, system, detail) = (
            key.to_owned(),
            system.to_owned(),
            serde_json::to_string(detail)?,
        );
        self.write(move |conn| {
            let mut insert = conn.prepare_cached(
                "INSERT INTO effects (key, system, detail, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO NOTHING RETURNING id, key, system, detail, created_at",
            )?;
            let mut rows = insert.query(params![key, system, detail, now])?;
            if let Some(row) = rows.next()? {
                return effect_row(row);
            }
            drop(rows);
            // The key was recorded before: the first record wins.
            read_effect(conn, &key)?
                .ok_or_else(|| FlowError::Task(format!("effect {key} vanished after insert")))
        })
        .await
    }

    async fn record_effects(&self, effects: Vec<NewEffect>, now: Millis) -> Result<(), FlowError> {
        let rows = effects
            .into_iter()
            .map(|e| Ok((e.key, e.system, serde_json::to_string(&e.detail)?)))
            .collect::<Result<Vec<_>, FlowError>>()?;
        self.write(move |conn| {
            let mut insert = conn.prepare_cached(
                "INSERT INTO effects (key, system, detail, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO NOTHING",
            )?;
            for (key, system, detail) in rows {
                insert.execute(params![key, system, detail, now])?;
            }
            Ok(())
        })
        .await
    }

    async fn wait_for_jobs(&self, timeout: std::time::Duration) {
        // One notification per added job wakes one idle worker (or the next to wait).
        let _ = tokio::time::timeout(timeout, self.added.notified()).await;
    }

    async fn counts(&self) -> Result<Counts, FlowError> {
        self.read(|conn| {
            let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, u64>(0));
            let state = |s: &str| {
                conn.query_row(
                    "SELECT COUNT(*) FROM jobs WHERE state = ?1",
                    params![s],
                    |r| r.get::<_, u64>(0),
                )
            };
            Ok(Counts {
                events: count("SELECT COUNT(*) FROM inbox")?,
                queued: state("queued")?,
                running: state("running")?,
                done: state("done")?,
                dead: count("SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL")?,
                effects: count("SELECT COUNT(*) FROM effects")?,
            })
        })
        .await
    }
}

/// The effect recorded under `key`, if any.
fn read_effect(conn: &Connection, key: &str) -> Result<Option<Effect>, FlowError> {
    conn.prepare_cached("SELECT id, key, system, detail, created_at FROM effects WHERE key = ?1")?
        .query_and_then(params![key], effect_row)?
        .next()
        .transpose()
}

/// A row of `effects` read as `id, key, system, detail, created_at`.
fn effect_row(row: &rusqlite::Row<'_>) -> Result<Effect, FlowError> {
    let detail: String = row.get(3)?;
    Ok(Effect {
        id: row.get(0)?,
        key: row.get(1)?,
        system: row.get(2)?,
        detail: serde_json::from_str(&detail)?,
        created_at: row.get(4)?,
    })
}

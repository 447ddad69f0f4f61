//! The PostgreSQL schema, versioned, and the migration run at connect.

use deadpool_postgres::Pool;
use payops_core::pg::{Migration, Schema, TooNew};

use crate::FlowError;

/// The store's schema.
const SCHEMA: Schema = Schema {
    lock: 0x666c_6f77_735f_7631, // "flows_v1"
    version_table: "schema_version",
    migrations: &MIGRATIONS,
};

/// The schema, one migration per version. A database written by an older version is brought up
/// to date at connect; one of a newer version is refused.
///
/// Keys read by prefix (effects, flow state) compare as bytes (`COLLATE "C"`), as in SQLite, so
/// that a prefix's keys sit together in their index whatever the database's collation.
const MIGRATIONS: [&str; 2] = [
    // 1: the store of issue 15 (the SQLite store's version 2).
    r#"
CREATE TABLE inbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (provider, event_id)
);
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    claims BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    lease_token BIGINT NOT NULL DEFAULT 0,
    rerun BOOLEAN NOT NULL DEFAULT FALSE,
    waiting_for TEXT,
    last_error TEXT,
    event_provider TEXT,
    event_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';
CREATE TABLE dead_letters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    reason TEXT NOT NULL,
    permanent BOOLEAN NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    replayed_at BIGINT
);
CREATE INDEX dead_letters_waiting ON dead_letters (id) WHERE replayed_at IS NULL;
CREATE TABLE checkpoints (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE effects (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT COLLATE "C" NOT NULL UNIQUE,
    system TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE flow_state (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE worker_starts (started_at BIGINT NOT NULL);
CREATE INDEX worker_starts_at ON worker_starts (started_at);
"#,
    // 2: each effect keeps the id of the transaction that wrote it, the order in which the log
    // is read (see `Store::effects_after` on `PgStore`); rows written before get the migration's.
    r#"
ALTER TABLE effects ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX effects_log ON effects (tx, id);
"#,
];

impl From<TooNew> for FlowError {
    fn from(err: TooNew) -> Self {
        Self::SchemaTooNew {
            found: err.found,
            supported: err.supported,
        }
    }
}

/// Brings the schema to the newest version, in one transaction under the schema's lock.
pub(super) async fn migrate(pool: &Pool) -> Result<(), FlowError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if let Migration::Migrated { from, to } = SCHEMA.migrate::<FlowError>(&tx).await? {
        tx.commit().await?;
        tracing::info!(from, to, "store schema migrated");
    }
    Ok(())
}

//! Versioned PostgreSQL schemas, brought up to date at start-up by whichever process comes
//! first.
//!
//! Each schema keeps its version in a one-row table of its own and migrates under a
//! transaction-scoped advisory lock of its own: processes starting together migrate it once
//! (the later ones wait, then find the work done), and a database written by a newer version of
//! the library is refused rather than written in a shape this version does not know.
//!
//! ```no_run
//! # async fn run(client: &mut tokio_postgres::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use payops_core::pg::{Migration, Schema, TooNew};
//!
//! const SCHEMA: Schema = Schema {
//!     lock: 0x6d79_5f73_6368_656d,
//!     version_table: "my_schema_version",
//!     migrations: &["CREATE TABLE things (id BIGINT PRIMARY KEY)"],
//! };
//!
//! #[derive(Debug)]
//! enum MyError {
//!     Postgres(tokio_postgres::Error),
//!     TooNew(TooNew),
//! }
//! impl From<tokio_postgres::Error> for MyError {
//!     fn from(err: tokio_postgres::Error) -> Self { Self::Postgres(err) }
//! }
//! impl From<TooNew> for MyError {
//!     fn from(err: TooNew) -> Self { Self::TooNew(err) }
//! }
//!
//! let tx = client.transaction().await?;
//! let migrated = SCHEMA.migrate::<MyError>(&tx).await;
//! if let Ok(Migration::Migrated { .. }) = migrated {
//!     // Seed rows here, in the same transaction.
//! }
//! tx.commit().await?;
//! # Ok(()) }
//! ```

use tokio_postgres::Transaction;

/// A schema: its migrations, one per version, and where it keeps its version.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The advisory lock taken (for the transaction) while migrating; unique per schema.
    pub lock: i64,
    /// The table holding the schema's version (created when missing).
    pub version_table: &'static str,
    /// The SQL of each version, oldest first: version `n` is the first `n` run in order.
    pub migrations: &'static [&'static str],
}

/// What [`Schema::migrate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migration {
    /// The database was at the newest version already.
    Current,
    /// The database went from version `from` (0: empty) to `to`.
    Migrated {
        /// The version found.
        from: i64,
        /// The version now.
        to: i64,
    },
}

/// The database holds a schema newer than this library knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooNew {
    /// The version found.
    pub found: i64,
    /// The newest version this library knows.
    pub supported: i64,
}

impl Schema {
    /// The newest version this library knows.
    pub fn supported(&self) -> i64 {
        i64::try_from(self.migrations.len()).unwrap_or(i64::MAX)
    }

    /// Brings the schema up to date in `tx`, under the schema's lock (held until `tx` ends):
    /// the caller may add rows in the same transaction, then commits it.
    pub async fn migrate<E>(&self, tx: &Transaction<'_>) -> Result<Migration, E>
    where
        E: From<tokio_postgres::Error> + From<TooNew>,
    {
        let table = self.version_table;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&self.lock])
            .await?;
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (version BIGINT NOT NULL)"
        ))
        .await?;
        let found: Option<i64> = tx
            .query_opt(&format!("SELECT version FROM {table}"), &[])
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let from = found.unwrap_or(0);
        let supported = self.supported();
        if from > supported {
            return Err(TooNew {
                found: from,
                supported,
            }
            .into());
        }
        if from == supported {
            return Ok(Migration::Current);
        }
        for migration in self
            .migrations
            .iter()
            .skip(usize::try_from(from).unwrap_or(0))
        {
            tx.batch_execute(migration).await?;
        }
        let record = if found.is_some() {
            format!("UPDATE {table} SET version = $1")
        } else {
            format!("INSERT INTO {table} (version) VALUES ($1)")
        };
        tx.execute(&record, &[&supported]).await?;
        Ok(Migration::Migrated {
            from,
            to: supported,
        })
    }
}

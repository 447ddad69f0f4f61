//! The runtime store a command works on: the service's own, named by `--store` or
//! `PAYOPS_STORE` (`payops refund`, `payops dead-letters`, `payops status`).
//!
//! A SQLite store is held by one process at a time: against one, these commands run while the
//! service is stopped, and fail with "database is locked" (exit 2) while it runs. A PostgreSQL
//! store is open to any number of processes on any machine.

use flows::{PgStore, SqliteStore, Store};
use payops_core::DatabaseLocation;

use crate::reconcile_gateway::BoxError;

/// The `--store` argument.
#[derive(Debug, clap::Args)]
pub(crate) struct StoreArgs {
    /// The runtime store the service runs from: a `postgres://` URL, or a SQLite file (which
    /// must exist, and which only one process opens at a time: run this while the service is
    /// stopped).
    #[arg(long, env = "PAYOPS_STORE", hide_env_values = true)]
    store: String,
}

impl StoreArgs {
    /// The store named: a PostgreSQL URL, or else an existing SQLite file.
    pub(crate) async fn open(&self) -> Result<Box<dyn Store>, BoxError> {
        Ok(match DatabaseLocation::parse(&self.store) {
            DatabaseLocation::Postgres(url) => Box::new(PgStore::connect(&url).await?),
            DatabaseLocation::Sqlite(path) => {
                if !path.is_file() {
                    return Err(format!(
                        "--store (PAYOPS_STORE): no store at {}: name the service's store file",
                        path.display()
                    )
                    .into());
                }
                Box::new(SqliteStore::open(path)?)
            }
        })
    }
}

//! The runtime store and the ledger: where each lives (`[store]`, `[ledger]`) and opening them.

use std::path::PathBuf;
use std::sync::Arc;

use erp::LocalLedger;
use flows::{PgStore, SqliteStore, Store};
use payops_core::DatabaseLocation;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::Error;
use crate::issues::Issues;
use crate::secret::SecretRef;

/// Connections a PostgreSQL store or ledger opens unless the configuration says otherwise: one
/// per job the worker runs at once plus 8 for the intake's concurrent requests and the
/// service's own reads ([`PgStore::connect_with`] explains what holds a connection).
pub fn default_pg_pool(concurrency: usize) -> usize {
    concurrency.saturating_add(8)
}

/// Opens the runtime store at `location`: [`PgStore`] with a pool of `pool` connections, or
/// [`SqliteStore`] on that file (which one process holds).
pub async fn open_store(location: &DatabaseLocation, pool: usize) -> Result<Arc<dyn Store>, Error> {
    Ok(match location {
        DatabaseLocation::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        DatabaseLocation::Postgres(url) => Arc::new(PgStore::connect_with(url, pool).await?),
    })
}

/// Opens the ledger at `location`: on PostgreSQL with a pool of `pool` connections, so that
/// processes on several machines book into one ledger, or else in that SQLite file.
pub async fn open_ledger(
    location: &DatabaseLocation,
    pool: usize,
) -> Result<Arc<LocalLedger>, Error> {
    Ok(Arc::new(match location {
        DatabaseLocation::Sqlite(path) => LocalLedger::open(path).await?,
        DatabaseLocation::Postgres(url) => LocalLedger::connect_with(url, pool).await?,
    }))
}

/// A `[store]` or `[ledger]` section as written:
///
/// ```toml
/// [store]
/// sqlite = "/var/lib/payops/flows.sqlite"
///
/// [ledger]
/// postgres = "postgres://payops@db.internal:5432/payops?sslmode=require"
/// password = { env = "PAYOPS_DB_PASSWORD" }
/// pool = 24
/// ```
///
/// `postgres` may also be the whole URL as a secret (`postgres = { env = "PAYOPS_LEDGER_URL" }`),
/// password included.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatabaseSection {
    sqlite: Option<PathBuf>,
    postgres: Option<SecretRef>,
    password: Option<SecretRef>,
    pool: Option<usize>,
}

/// Where a store or ledger lives and how many connections it may open.
#[derive(Debug, Clone)]
pub struct Database {
    /// The SQLite file or the PostgreSQL URL (with its password: its `Debug` leaves it out).
    pub location: DatabaseLocation,
    /// PostgreSQL connections; `None`: [`default_pg_pool`] of the worker's concurrency.
    pub pool: Option<usize>,
}

impl Database {
    /// The pool size to open with, for a worker running `concurrency` jobs at once.
    pub fn pool_for(&self, concurrency: usize) -> usize {
        self.pool.unwrap_or_else(|| default_pg_pool(concurrency))
    }
}

impl DatabaseSection {
    /// The section checked; problems noted against `section` (`store`, `ledger`).
    pub(crate) fn validate(&self, section: &str, issues: &mut Issues) -> Option<Database> {
        let key = |name: &str| format!("{section}.{name}");
        let location = match (&self.sqlite, &self.postgres) {
            (Some(path), None) => {
                if self.password.is_some() {
                    issues.push(key("password"), "only a `postgres` URL takes a password");
                }
                if self.pool.is_some() {
                    issues.push(key("pool"), "only a `postgres` database has a pool");
                }
                if path.as_os_str().is_empty() {
                    issues.push(key("sqlite"), "is empty: give the database file's path");
                    return None;
                }
                DatabaseLocation::Sqlite(path.clone())
            }
            (None, Some(url)) => {
                if self.pool == Some(0) {
                    issues.push(key("pool"), "must be at least 1");
                }
                self.postgres_url(url, section, issues)?
            }
            (Some(_), Some(_)) => {
                issues.push(section, "give `sqlite` or `postgres`, not both");
                return None;
            }
            (None, None) => {
                issues.push(
                    section,
                    "give `sqlite` (a file path) or `postgres` (a postgres:// URL)",
                );
                return None;
            }
        };
        Some(Database {
            location,
            pool: self.pool,
        })
    }

    /// The PostgreSQL URL, with the password of `password` put in. The URL is never quoted: it
    /// may hold a password.
    fn postgres_url(
        &self,
        url: &SecretRef,
        section: &str,
        issues: &mut Issues,
    ) -> Option<DatabaseLocation> {
        let key = format!("{section}.postgres");
        let text = url.read(&key, issues)?;
        let mut parsed = match url::Url::parse(text.expose_secret()) {
            Ok(parsed) => parsed,
            Err(err) => {
                issues.push(&key, format!("{} is not a URL: {err}", url.origin()));
                return None;
            }
        };
        let scheme = parsed.scheme();
        if scheme != "postgres" && scheme != "postgresql" {
            issues.push(&key, format!("{} is not a postgres:// URL", url.origin()));
            return None;
        }
        let inline = matches!(url, SecretRef::Inline(_));
        match &self.password {
            Some(_) if parsed.password().is_some() => {
                issues.push(
                    format!("{section}.password"),
                    "the URL holds a password already: give one or the other",
                );
                None
            }
            Some(password) => {
                let password = password.resolve(&format!("{section}.password"), issues)?;
                if parsed.username().is_empty() {
                    issues.push(&key, "the URL names no user to go with the password");
                    return None;
                }
                if parsed.set_password(Some(password.expose_secret())).is_err() {
                    issues.push(&key, "the URL cannot take a password");
                    return None;
                }
                Some(DatabaseLocation::Postgres(parsed.into()))
            }
            None if inline && parsed.password().is_some() => {
                issues.push(
                    &key,
                    "the URL holds a password, which cannot be written in the config file: give \
                     it as `password = { env = \"NAME\" }` (or a file), or the whole URL as a \
                     secret",
                );
                None
            }
            None => Some(DatabaseLocation::Postgres(parsed.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn validate(text: &str) -> (Option<Database>, Issues) {
        let section: DatabaseSection = toml::from_str(text).unwrap();
        let mut issues = Issues::default();
        (section.validate("store", &mut issues), issues)
    }

    #[test]
    fn a_sqlite_path_is_a_sqlite_store() {
        let (db, issues) = validate("sqlite = \"/var/lib/payops/flows.sqlite\"");
        assert!(issues.is_empty(), "{issues}");
        let db = db.unwrap();
        assert_eq!(
            db.location,
            DatabaseLocation::Sqlite("/var/lib/payops/flows.sqlite".into())
        );
        assert_eq!(db.pool_for(8), 16);
    }

    #[test]
    fn a_password_in_a_plain_url_is_refused_without_showing_it() {
        let (db, issues) = validate("postgres = \"postgres://payops:hunter2@db/payops\"");
        assert!(db.is_none());
        let text = issues.to_string();
        assert!(
            text.contains("store.postgres: the URL holds a password"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_url_without_a_password_and_a_pool_is_a_postgres_store() {
        let (db, issues) = validate("postgres = \"postgresql://payops@db:5432/payops\"\npool = 4");
        assert!(issues.is_empty(), "{issues}");
        let db = db.unwrap();
        assert_eq!(
            db.location,
            DatabaseLocation::Postgres("postgresql://payops@db:5432/payops".to_owned())
        );
        assert_eq!(db.pool_for(8), 4);
    }

    #[test]
    fn every_problem_of_the_section_is_named() {
        let (_, issues) = validate("sqlite = \"a.sqlite\"\npool = 0\npassword = { env = \"X\" }");
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["store.password", "store.pool"]);
        let (_, issues) = validate("postgres = \"postgres://db/x\"\npool = 0");
        assert_eq!(issues.to_string(), "  store.pool: must be at least 1");
        let (_, issues) = validate("postgres = \"mysql://db/x\"");
        assert_eq!(
            issues.to_string(),
            "  store.postgres: the value is not a postgres:// URL"
        );
        let (_, issues) = validate("");
        assert!(
            issues.to_string().contains("store: give `sqlite`"),
            "{issues}"
        );
    }
}

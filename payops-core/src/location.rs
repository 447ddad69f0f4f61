//! Where a database lives: a PostgreSQL URL, or a SQLite file.

use std::path::PathBuf;

/// Where a database lives, as a service's configuration names it (`PAYOPS_STORE`,
/// `PAYOPS_LEDGER`): a PostgreSQL URL, or else a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL database: a `postgres://` or `postgresql://` URL, which may carry a password.
    Postgres(String),
}

impl DatabaseLocation {
    /// Reads `value`: a `postgres://` or `postgresql://` URL (the scheme in any case) is
    /// PostgreSQL; anything else is a SQLite file path.
    pub fn parse(value: &str) -> Self {
        if is_postgres_url(value) {
            Self::Postgres(value.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(value))
        }
    }
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            // The URL's password stays out.
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&crate::redact::redact_url_text(url))
                .finish(),
        }
    }
}

fn is_postgres_url(value: &str) -> bool {
    value.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_chooses_postgres_and_anything_else_is_a_sqlite_file() {
        for url in [
            "postgres://payops:secret@db.internal:5432/payops",
            "postgresql://db/payops",
            "POSTGRES://db/payops",
            "PostgreSQL://db/payops?sslmode=disable",
        ] {
            assert_eq!(
                DatabaseLocation::parse(url),
                DatabaseLocation::Postgres(url.to_owned())
            );
        }
        for path in [
            "payops.sqlite",
            "/var/lib/payops/flows.sqlite",
            "postgres.sqlite",
            "postgres:/db",
            "mysql://db/payops",
            "",
        ] {
            assert_eq!(
                DatabaseLocation::parse(path),
                DatabaseLocation::Sqlite(PathBuf::from(path))
            );
        }
    }

    #[test]
    fn a_store_location_debug_leaves_the_password_out() {
        let debug = format!(
            "{:?}",
            DatabaseLocation::parse("postgres://payops:hunter2@db:5432/payops")
        );
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("db:5432/payops"), "{debug}");
    }
}

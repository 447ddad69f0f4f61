//! The schema migrator against a real server: versions applied in order, once, and a database
//! of a newer version refused.
#![allow(clippy::unwrap_used, missing_docs)]

use payops_core::pg::{Migration, Schema, TooNew};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const V1: &[&str] = &["CREATE TABLE things (id BIGINT PRIMARY KEY)"];
const V2: &[&str] = &[
    "CREATE TABLE things (id BIGINT PRIMARY KEY)",
    "ALTER TABLE things ADD COLUMN name TEXT NOT NULL DEFAULT 'none'",
];

fn schema(migrations: &'static [&'static str]) -> Schema {
    Schema {
        lock: 0x7465_7374_5f73_6368,
        version_table: "things_schema_version",
        migrations,
    }
}

/// Migrates the database at `url` to `schema` in a transaction of its own.
async fn migrate(url: &str, schema: Schema) -> Result<Migration, BoxError> {
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let tx = client.transaction().await?;
    let migrated = schema.migrate::<MigrateError>(&tx).await?;
    tx.commit().await?;
    Ok(migrated)
}

#[derive(Debug, thiserror::Error)]
enum MigrateError {
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
    #[error("schema version {} is newer than {}", .0.found, .0.supported)]
    TooNew(TooNew),
}

impl From<TooNew> for MigrateError {
    fn from(err: TooNew) -> Self {
        Self::TooNew(err)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_apply_in_order_once_and_a_newer_database_is_refused() {
    let url = tokio::task::spawn_blocking(|| pg_testkit::shared().fresh_database().unwrap())
        .await
        .unwrap();
    assert_eq!(
        migrate(&url, schema(V1)).await.unwrap(),
        Migration::Migrated { from: 0, to: 1 }
    );
    assert_eq!(migrate(&url, schema(V1)).await.unwrap(), Migration::Current);
    assert_eq!(
        migrate(&url, schema(V2)).await.unwrap(),
        Migration::Migrated { from: 1, to: 2 }
    );
    let check = url.clone();
    let columns = tokio::task::spawn_blocking(move || {
        pg_testkit::shared()
            .psql(
                &check,
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)
                 FROM information_schema.columns WHERE table_name = 'things'",
            )
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(columns.trim(), "id,name");
    let err = migrate(&url, schema(V1)).await.unwrap_err();
    match err.downcast_ref::<MigrateError>() {
        Some(MigrateError::TooNew(too_new)) => assert_eq!(
            *too_new,
            TooNew {
                found: 2,
                supported: 1
            }
        ),
        other => panic!("not refused as too new: {other:?} ({err})"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_migrate_once() {
    let url = tokio::task::spawn_blocking(|| pg_testkit::shared().fresh_database().unwrap())
        .await
        .unwrap();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { migrate(&url, schema(V2)).await.unwrap() })
        })
        .collect();
    let mut migrated = 0;
    for start in starts {
        if start.await.unwrap() != Migration::Current {
            migrated += 1;
        }
    }
    assert_eq!(
        migrated, 1,
        "the schema was migrated by {migrated} processes"
    );
}

//! `open_file`: a file that cannot be written, a second opener, no `-shm` file, the write probe
//! on a full database, and the storage-failure classifier.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::ffi::{self, ErrorCode};
use sqlite_batch::{
    Batcher, Error, OpenError, Options, is_storage_failure, open_file, open_file_with,
};

fn schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, body BLOB)")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

async fn insert(db: &Batcher, n: i64, bytes: i64) -> Result<(), Error<rusqlite::Error>> {
    db.write(move |conn| {
        conn.execute(
            "INSERT INTO t (n, body) VALUES (?1, zeroblob(?2))",
            [n, bytes],
        )
        .map(drop)
    })
    .await
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Makes `path` unwritable for this process for as long as it lives: `chattr +i` as root (whom
/// permission bits do not stop), `chmod 0444` otherwise. Panics, rather than letting a test
/// pass on a file it could not protect, if the file can still be opened for writing.
struct Unwritable {
    path: PathBuf,
    immutable: bool,
}

impl Unwritable {
    fn new(path: &Path) -> Self {
        let immutable = is_root();
        if immutable {
            let status = Command::new("chattr").arg("+i").arg(path).status();
            assert!(
                status.as_ref().is_ok_and(|s| s.success()),
                "running as root, and `chattr +i {}` failed ({status:?}): this test needs a file \
                 system that supports the immutable attribute (ext4, xfs, btrfs), or a non-root user",
                path.display()
            );
        } else {
            let mut permissions = std::fs::metadata(path).unwrap().permissions();
            permissions.set_readonly(true);
            std::fs::set_permissions(path, permissions).unwrap();
        }
        let guard = Self {
            path: path.to_owned(),
            immutable,
        };
        let still_writable = if path.is_dir() {
            let probe = path.join(".writable");
            let created = std::fs::File::create(&probe).is_ok();
            let _ = std::fs::remove_file(probe);
            created
        } else {
            std::fs::OpenOptions::new().write(true).open(path).is_ok()
        };
        assert!(
            !still_writable,
            "could not make {} unwritable: the test cannot check anything",
            path.display()
        );
        guard
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        } else if let Ok(metadata) = std::fs::metadata(&self.path) {
            let mut permissions = metadata.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            let _ = std::fs::set_permissions(&self.path, permissions);
        }
    }
}

/// Opens `path` again until the previous owner's thread has closed its connection.
fn reopen(path: &Path) -> Batcher {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let options = Options::default().with_busy_timeout(Duration::from_millis(50));
        match open_file_with(path, "test-sqlite", &options, schema) {
            Ok(db) => return db,
            Err(Error::Locked { .. }) if Instant::now() < deadline => {}
            Err(err) => panic!("{err}"),
        }
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_written_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    // Created and closed synchronously: no thread may still hold it when it turns read-only.
    let conn = Connection::open(&path).unwrap();
    schema(&conn).unwrap();
    conn.close().map_err(|(_, e)| e).unwrap();

    let _guard = Unwritable::new(&path);
    let err = open_file(&path, "test-sqlite", schema).unwrap_err();
    match &err {
        Error::ReadOnly { path: named } => assert_eq!(named, &path),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("cannot be written") && message.contains("store.sqlite"),
        "{message}"
    );
    assert!(err.is_storage_failure());
}

#[tokio::test]
async fn a_directory_that_refuses_the_wal_file_is_refused() {
    // The file itself stays writable; only its directory refuses new files (`chattr +i` as
    // root, `chmod` otherwise: see `Unwritable`).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    // A database in rollback-journal mode, as another tool may have left it.
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, body BLOB)")
        .unwrap();
    let guard = Unwritable::new(dir.path());
    let err = open_file(&path, "test-sqlite", schema).unwrap_err();
    drop(guard);
    assert!(
        matches!(&err, Error::NotWritable { path: named, .. } | Error::NoWal { path: named, .. } if named == &path),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_second_opener_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let first = open_file(&path, "test-sqlite", schema).unwrap();
    insert(&first, 1, 10).await.unwrap();

    let options = Options::default().with_busy_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let err = open_file_with(&path, "test-sqlite", &options, schema).unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "gave up before the busy timeout"
    );
    match &err {
        Error::Locked {
            path: named,
            source,
        } => {
            assert_eq!(named, &path);
            assert_eq!(source.sqlite_error_code(), Some(ErrorCode::DatabaseBusy));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    // The first connection is unaffected.
    insert(&first, 2, 10).await.unwrap();

    drop(first);
    let second = reopen(&path);
    let rows: i64 = second
        .read(|conn| conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

/// The child half of [`another_process_is_refused`]: opens the file named by the environment
/// and prints what happened.
#[test]
#[ignore = "run by another_process_is_refused in a child process"]
fn child_opens_the_file() {
    let Ok(path) = std::env::var("SQLITE_BATCH_CHILD_PATH") else {
        return;
    };
    let options = Options::default().with_busy_timeout(Duration::from_millis(200));
    match open_file_with(&path, "child", &options, schema) {
        Ok(_) => println!("CHILD: opened"),
        Err(Error::Locked { .. }) => println!("CHILD: locked"),
        Err(err) => println!("CHILD: {err}"),
    }
}

#[tokio::test]
async fn another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let db = open_file(&path, "test-sqlite", schema).unwrap();
    insert(&db, 1, 10).await.unwrap();
    let run_child = || {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_opens_the_file",
                "--ignored",
                "--nocapture",
            ])
            .env("SQLITE_BATCH_CHILD_PATH", &path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run_child();
    assert!(out.contains("CHILD: locked"), "{out}");
    drop(db);
    // Once this process let go, the other one may open it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = run_child();
        if out.contains("CHILD: opened") {
            break;
        }
        assert!(Instant::now() < deadline, "{out}");
    }
}

#[tokio::test]
async fn no_shm_file_is_ever_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let db = open_file(&path, "test-sqlite", schema).unwrap();
    for n in 0..100 {
        insert(&db, n, 5000).await.unwrap();
    }
    assert!(
        sibling(&path, "-wal").exists(),
        "the file is not in WAL mode"
    );
    assert!(!sibling(&path, "-shm").exists(), "a -shm file exists");
    // Reopened, the file is already in WAL mode: its first access must find the connection
    // in exclusive mode already.
    drop(db);
    let db = reopen(&path);
    for n in 100..200 {
        insert(&db, n, 5000).await.unwrap();
    }
    assert!(
        !sibling(&path, "-shm").exists(),
        "a -shm file exists after reopening"
    );
    let mode: String = db
        .read(|conn| conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_full_database_fails_writes_and_the_probe_until_it_has_room_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let db = open_file(&path, "test-sqlite", schema).unwrap();
    insert(&db, 1, 100).await.unwrap();
    db.probe_write().await.unwrap();

    // No page may be added any more (SQLite raises the limit to the current page count).
    db.write(|conn| conn.query_row("PRAGMA max_page_count = 1", [], |_| Ok(())))
        .await
        .unwrap();
    let full = insert(&db, 2, 20_000).await.unwrap_err();
    match &full {
        Error::Op(err) => {
            assert_eq!(err.sqlite_error_code(), Some(ErrorCode::DiskFull), "{err}");
            assert!(is_storage_failure(err));
        }
        other => panic!("{other:?}"),
    }
    match db.probe_write().await.unwrap_err() {
        Error::Op(err) => {
            assert_eq!(err.sqlite_error_code(), Some(ErrorCode::DiskFull), "{err}");
        }
        other => panic!("{other:?}"),
    }

    // Room again: the same connection writes.
    db.write(|conn| conn.query_row("PRAGMA max_page_count = 1000000", [], |_| Ok(())))
        .await
        .unwrap();
    db.probe_write().await.unwrap();
    insert(&db, 2, 20_000).await.unwrap();
    let rows: Vec<i64> = db
        .read(|conn| {
            conn.prepare("SELECT n FROM t ORDER BY n")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await
        .unwrap();
    assert_eq!(rows, vec![1, 2]);
    // The probe left a single row behind, however often it ran.
    let health: i64 = db
        .read(|conn| {
            conn.query_row("SELECT COUNT(*) FROM _sqlite_batch_health", [], |r| {
                r.get(0)
            })
        })
        .await
        .unwrap();
    assert_eq!(health, 1);
}

#[tokio::test]
async fn a_failing_init_is_an_open_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let err = open_file(&path, "test-sqlite", |conn| {
        conn.execute_batch("CREATE TABLE")
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::Open { path: named, .. } if named == &path),
        "{err:?}"
    );
    assert!(!err.is_storage_failure());
    // The failed opener let go of the file.
    drop(reopen(&path));
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let err: OpenError = open_file(&path, "test-sqlite", schema).unwrap_err();
    match &err {
        Error::Open {
            path: named,
            source,
        } => {
            assert_eq!(named, &path);
            assert_eq!(source.sqlite_error_code(), Some(ErrorCode::NotADatabase));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn storage_failures_are_told_from_logic_errors() {
    let failure = |code: i32| rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
    for code in [
        ffi::SQLITE_FULL,
        ffi::SQLITE_IOERR,
        ffi::SQLITE_IOERR_WRITE,
        ffi::SQLITE_IOERR_FSYNC,
        ffi::SQLITE_READONLY,
        ffi::SQLITE_READONLY_DBMOVED,
        ffi::SQLITE_CANTOPEN,
        ffi::SQLITE_BUSY,
        ffi::SQLITE_CORRUPT,
        ffi::SQLITE_NOTADB,
        ffi::SQLITE_ABORT_ROLLBACK,
    ] {
        assert!(is_storage_failure(&failure(code)), "code {code}");
    }
    for code in [
        ffi::SQLITE_ERROR,
        ffi::SQLITE_CONSTRAINT_UNIQUE,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY,
        ffi::SQLITE_MISMATCH,
        ffi::SQLITE_LOCKED,
        ffi::SQLITE_ABORT,
        ffi::SQLITE_TOOBIG,
    ] {
        assert!(!is_storage_failure(&failure(code)), "code {code}");
    }
    assert!(!is_storage_failure(&rusqlite::Error::QueryReturnedNoRows));
    assert!(!is_storage_failure(&rusqlite::Error::InvalidColumnIndex(3)));
}

//! Opening a database file for one [`Batcher`]: writable, exclusive, WAL without `-shm`.

use std::path::Path;
use std::time::Duration;

use rusqlite::ffi::ErrorCode;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::{Batcher, Checkpoints, Error, OpenError};

/// `PRAGMA synchronous` for a file opened with [`open_file_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Synchronous {
    /// `NORMAL`: in WAL mode a commit is not synced; a power loss may undo the last commits,
    /// never corrupt the file. Checkpoints sync.
    Normal,
    /// `FULL`: every commit syncs the WAL.
    Full,
}

impl Synchronous {
    fn as_str(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How [`open_file_with`] opens a file. [`Options::default`] is what [`open_file`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// How long opening waits for another connection's lock before [`Error::Locked`]
    /// (default 1 s). Once open, the file is this connection's alone and nothing waits.
    pub busy_timeout: Duration,
    /// `PRAGMA synchronous` (default [`Synchronous::Normal`]).
    pub synchronous: Synchronous,
    /// WAL size, in pages, from which the thread checkpoints (`PASSIVE`) after a batch when no
    /// operation is waiting (default 1000, SQLite's own automatic-checkpoint threshold).
    pub checkpoint_pages: u32,
    /// WAL size, in pages, from which the thread checkpoints after a batch even when
    /// operations are waiting, so a never-idle thread still bounds its WAL (default 2000).
    pub checkpoint_max_pages: u32,
    /// Capacity of the connection's prepared-statement cache (default 64).
    pub statement_cache_capacity: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(1),
            synchronous: Synchronous::Normal,
            checkpoint_pages: 1000,
            checkpoint_max_pages: 2000,
            statement_cache_capacity: 64,
        }
    }
}

impl Options {
    /// Sets [`Options::busy_timeout`].
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`Options::synchronous`].
    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets [`Options::checkpoint_pages`] and [`Options::checkpoint_max_pages`].
    pub fn with_checkpoints(mut self, idle_pages: u32, max_pages: u32) -> Self {
        self.checkpoint_pages = idle_pages;
        self.checkpoint_max_pages = max_pages;
        self
    }

    /// Sets [`Options::statement_cache_capacity`].
    pub fn with_statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache_capacity = capacity;
        self
    }
}

/// [`open_file_with`] with [`Options::default`].
///
/// ```no_run
/// # fn run() -> Result<(), sqlite_batch::OpenError> {
/// let db = sqlite_batch::open_file("app.sqlite", "app-sqlite", |conn| {
///     conn.execute_batch("CREATE TABLE IF NOT EXISTS notes (body TEXT NOT NULL)")
/// })?;
/// # drop(db); Ok(()) }
/// ```
pub fn open_file<F>(path: impl AsRef<Path>, name: &str, init: F) -> Result<Batcher, OpenError>
where
    F: FnOnce(&Connection) -> rusqlite::Result<()>,
{
    open_file_with(path, name, &Options::default(), init)
}

/// Opens (creating it if needed) the database file at `path` for a [`Batcher`] whose thread is
/// called `name`, runs `init` on it (a schema migration; it runs outside any transaction, so
/// wrap it in one if it must be atomic) and starts the thread.
///
/// Blocks for up to [`Options::busy_timeout`] (and for `init`): call it from a blocking
/// context (`tokio::task::spawn_blocking` in async code).
///
/// What it guarantees, in order:
/// 1. the file is opened for reading and writing, and a connection SQLite could only open
///    read-only is refused with [`Error::ReadOnly`];
/// 2. `PRAGMA locking_mode=EXCLUSIVE`, then `PRAGMA journal_mode=WAL`: in that order SQLite
///    keeps the WAL index in heap memory and never creates or maps a `-shm` file
///    (<https://www.sqlite.org/wal.html#noshm>, "Use of WAL Without Shared-Memory"), so a file
///    system that fills up fails writes with `SQLITE_FULL` instead of killing the process with
///    `SIGBUS`. The connection holds the file's lock until it closes: a second opener, in
///    this process or another, gets [`Error::Locked`] after the busy timeout. One process per
///    file; several processes need a PostgreSQL backend instead (its own issue);
/// 3. a real write (creating and updating `_sqlite_batch_health`, see
///    [`Batcher::probe_write`]) is committed, or the failure is [`Error::NotWritable`];
/// 4. `init` runs; its failure is classified like any other ([`Error::Locked`],
///    [`Error::NotWritable`] or [`Error::Open`]);
/// 5. the thread checkpoints the WAL itself ([`Options::checkpoint_pages`]), because no second
///    connection may do it.
pub fn open_file_with<F>(
    path: impl AsRef<Path>,
    name: &str,
    options: &Options,
    init: F,
) -> Result<Batcher, OpenError>
where
    F: FnOnce(&Connection) -> rusqlite::Result<()>,
{
    let path = path.as_ref();
    let fail = |source: rusqlite::Error| classify(path, source);
    // The defaults without SQLITE_OPEN_URI: `path` is a path, never a URI with options.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(fail)?;
    if conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
        return Err(Error::ReadOnly {
            path: path.to_owned(),
        });
    }
    conn.busy_timeout(options.busy_timeout).map_err(fail)?;
    // Must come before the first access of the file in WAL mode, see above.
    conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))
        .map_err(fail)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::NoWal {
            path: path.to_owned(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", options.synchronous.as_str())
        .map_err(fail)?;
    // Dropping the transaction on an error rolls it back (best effort: the connection is
    // dropped with the error anyway).
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    probe(&tx).and_then(|()| tx.commit()).map_err(fail)?;
    conn.set_prepared_statement_cache_capacity(options.statement_cache_capacity);
    init(&conn).map_err(fail)?;
    let checkpoints = Checkpoints {
        idle_pages: options.checkpoint_pages,
        max_pages: options.checkpoint_max_pages.max(options.checkpoint_pages),
    };
    Batcher::spawn(conn, name, Some(checkpoints)).map_err(Error::Spawn)
}

fn classify(path: &Path, source: rusqlite::Error) -> OpenError {
    let path = path.to_owned();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Locked { path, source },
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::Open { path, source },
        _ if is_storage_failure(&source) => Error::NotWritable { path, source },
        _ => Error::Open { path, source },
    }
}

/// The write of [`Batcher::probe_write`] and of [`open_file_with`]; the caller owns the
/// transaction.
pub(crate) fn probe(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "CREATE TABLE IF NOT EXISTS _sqlite_batch_health (
             id INTEGER PRIMARY KEY,
             probes INTEGER NOT NULL,
             room BLOB
         )",
    )?
    .execute([])?;
    conn.prepare_cached(
        "INSERT INTO _sqlite_batch_health (id, probes) VALUES (1, 1)
         ON CONFLICT (id) DO UPDATE SET probes = probes + 1",
    )?
    .execute([])?;
    // A row larger than a page needs a fresh page (an overflow page): it fails with
    // SQLITE_FULL when the database has no room left, which the update above, rewriting a
    // page that exists, does not. Rolled back, so the file does not grow.
    conn.prepare_cached("SAVEPOINT sqlite_batch_room")?
        .execute([])?;
    let room = conn
        .prepare_cached(
            "INSERT INTO _sqlite_batch_health (id, probes, room)
             VALUES (2, 0, zeroblob((SELECT page_size FROM pragma_page_size())))",
        )
        .and_then(|mut stmt| stmt.execute([]));
    if !conn.is_autocommit() {
        conn.prepare_cached("ROLLBACK TO sqlite_batch_room")?
            .execute([])?;
        conn.prepare_cached("RELEASE sqlite_batch_room")?
            .execute([])?;
    }
    room.map(drop)
}

/// Whether `err` says the storage does not accept writes right now, rather than that the
/// operation was wrong: a full disk or database (`SQLITE_FULL`), an I/O error
/// (`SQLITE_IOERR_*`), a read-only file or file system (`SQLITE_READONLY_*`), a file that
/// cannot be opened (`SQLITE_CANTOPEN`), a lock another process holds (`SQLITE_BUSY`), a
/// broken locking protocol (`SQLITE_PROTOCOL`), a damaged file (`SQLITE_CORRUPT`,
/// `SQLITE_NOTADB`: it will not heal by itself, but retrying the operation elsewhere will not
/// help either), or a transaction SQLite rolled back after one of these
/// (`SQLITE_ABORT_ROLLBACK`, as [`Error::Batch`] reports it).
///
/// Constraint violations, SQL errors, type mismatches and the like are logic errors: `false`.
///
/// ```
/// let full = rusqlite::Error::SqliteFailure(
///     rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
///     None,
/// );
/// assert!(sqlite_batch::is_storage_failure(&full));
/// assert!(!sqlite_batch::is_storage_failure(&rusqlite::Error::QueryReturnedNoRows));
/// ```
pub fn is_storage_failure(err: &rusqlite::Error) -> bool {
    let Some(failure) = err.sqlite_error() else {
        return false;
    };
    matches!(
        failure.code,
        ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::ReadOnly
            | ErrorCode::CannotOpen
            | ErrorCode::DatabaseBusy
            | ErrorCode::FileLockingProtocolFailed
            | ErrorCode::DatabaseCorrupt
            | ErrorCode::NotADatabase
    ) || failure.extended_code == rusqlite::ffi::SQLITE_ABORT_ROLLBACK
}

//! A thread that owns one SQLite connection and runs the operations of many async tasks in
//! batches, with group commit.
//!
//! Callers send an operation (a closure over the connection) and await its result. The thread
//! takes every operation waiting at that moment (up to [`MAX_BATCH`]) and runs them in one
//! transaction, each writing operation inside its own savepoint, then commits once and only then
//! answers. So:
//!
//! * an answer still means "committed": the caller sees the same durability as with a commit
//!   per call (whatever the connection's `synchronous` setting gives);
//! * an operation that fails (or panics) leaves no trace: its savepoint is rolled back, and the
//!   other operations of the batch are not affected;
//! * a busy service pays one commit (one WAL append) for many small writes instead of one each;
//! * no async task ever blocks on SQLite (a lock held by another process included), and no
//!   blocking-pool thread is started per call.
//!
//! If the batch's transaction cannot begin or commit, every operation in it gets
//! [`Error::Batch`], reads included: nothing that was answered as done can be lost.
//!
//! # Database files: [`open_file`]
//!
//! [`open_file`] opens a database file for this thread and nothing else:
//!
//! * it refuses a file SQLite could only open read-only ([`Error::ReadOnly`]: SQLite silently
//!   falls back to read-only when the file cannot be opened for writing, and every write would
//!   then fail), and proves with a real write that the file, its directory and its journal
//!   accept writes ([`Error::NotWritable`]);
//! * it sets `PRAGMA locking_mode=EXCLUSIVE` *before* switching to WAL, so SQLite keeps the WAL
//!   index in heap memory and never creates or maps a `-shm` file ("Use of WAL Without
//!   Shared-Memory", <https://www.sqlite.org/wal.html#noshm>). A memory-mapped `-shm` file on a
//!   file system that fills up (a full tmpfs) kills the process with `SIGBUS` on its next touch
//!   of an unbacked page; heap memory cannot. The price: **one connection, so one process, per
//!   file**. A second opener waits [`Options::busy_timeout`] and gets [`Error::Locked`].
//!   Several processes or machines need a PostgreSQL backend instead (its own issue);
//! * the connection's thread checkpoints the WAL itself, since no second connection may open
//!   the file: after answering a batch, a `PASSIVE` checkpoint when the WAL holds at least
//!   [`Options::checkpoint_pages`] pages and no operation is waiting, or at
//!   [`Options::checkpoint_max_pages`] even when operations wait. SQLite's own automatic
//!   checkpoint would run inside the `COMMIT` instead, before the batch's callers are answered.
//!
//! [`Batcher::probe_write`] makes a tiny real write, so a caller can tell when storage accepts
//! writes again after a failure, and [`is_storage_failure`] tells such failures (full disk, I/O
//! error, read-only file) from logic errors.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = sqlite_batch::open_file("app.sqlite", "app-sqlite", |conn| {
//!     conn.execute_batch("CREATE TABLE IF NOT EXISTS notes (body TEXT NOT NULL)")
//! })?;
//! db.write(|conn| {
//!     conn.prepare_cached("INSERT INTO notes (body) VALUES (?1)")?
//!         .execute(["hello"])?;
//!     Ok::<_, rusqlite::Error>(())
//! })
//! .await?;
//! let count: i64 = db
//!     .read(|conn| conn.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0)))
//!     .await?;
//! # let _ = count;
//! # Ok(()) }
//! ```

mod open;

pub use open::{Options, Synchronous, is_storage_failure, open_file, open_file_with};

use std::cell::Cell;
use std::convert::Infallible;
use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc;

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use tokio::sync::oneshot;

/// Most operations run under one commit; more wait for the next batch.
pub const MAX_BATCH: usize = 256;

/// The crate's error: why an operation did not return its own result, or why a file could not
/// be opened.
///
/// Operations ([`Batcher::read`], [`Batcher::write`], [`Batcher::probe_write`]) fail with
/// [`Error::Op`], [`Error::Batch`], [`Error::Panicked`] or [`Error::Stopped`]; opening
/// ([`open_file`], as [`OpenError`]) with the variants that name the file's path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The operation failed with its own error; what it wrote was rolled back.
    #[error(transparent)]
    Op(E),
    /// The batch the operation ran in could not begin, keep its savepoints or commit: nothing of
    /// the batch was kept.
    #[error("sqlite batch: {0}")]
    Batch(rusqlite::Error),
    /// The operation panicked; what it wrote was rolled back.
    #[error("sqlite operation panicked")]
    Panicked,
    /// The connection's thread has stopped (it could not start, or panicked outside an
    /// operation).
    #[error("the sqlite thread has stopped")]
    Stopped,
    /// SQLite could only open the file read-only (it falls back to that silently when the file
    /// cannot be opened for writing: a read-only file, file system or mount).
    #[error("{}: the database file cannot be written (SQLite could only open it read-only)", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// Another connection, normally another process, holds the file: a file is opened by one
    /// connection at a time (see [`open_file`]). Several processes need a PostgreSQL backend
    /// instead.
    #[error("{}: the database is locked by another process (one process per SQLite file): {source}", path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
        /// SQLite's `SQLITE_BUSY` (or `SQLITE_LOCKED`) once the busy timeout ran out.
        source: rusqlite::Error,
    },
    /// The file, its directory or its journal refused a write while opening (a full or
    /// read-only file system, an I/O error, no permission to create the WAL file).
    #[error("{}: the database cannot be written: {source}", path.display())]
    NotWritable {
        /// The database file.
        path: PathBuf,
        /// The failure, for which [`is_storage_failure`] is true.
        source: rusqlite::Error,
    },
    /// SQLite did not switch the file to WAL mode.
    #[error("{}: SQLite kept journal mode {mode:?} instead of WAL", path.display())]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported.
        mode: String,
    },
    /// Any other failure while opening: not a database, a failed `init`, a bad path.
    #[error("{}: could not open the database: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        source: rusqlite::Error,
    },
    /// The connection's thread could not be started.
    #[error("could not start the sqlite thread: {0}")]
    Spawn(#[source] std::io::Error),
}

/// What [`open_file`] returns on failure: one of the variants of [`Error`] that name the path
/// ([`Error::ReadOnly`], [`Error::Locked`], [`Error::NotWritable`], [`Error::NoWal`],
/// [`Error::Open`]) or [`Error::Spawn`]; never an operation's error.
pub type OpenError = Error<Infallible>;

impl<E> Error<E> {
    /// Whether the failure is the storage's rather than the operation's: the file is read-only,
    /// locked by another process, or failed with an error [`is_storage_failure`] accepts.
    /// [`Error::Op`] is never classified here: the operation's own error type is opaque, so
    /// classify it with [`is_storage_failure`] where it holds a [`rusqlite::Error`].
    pub fn is_storage_failure(&self) -> bool {
        match self {
            Error::ReadOnly { .. } | Error::Locked { .. } | Error::NotWritable { .. } => true,
            Error::Batch(source) | Error::Open { source, .. } => is_storage_failure(source),
            _ => false,
        }
    }
}

/// One operation waiting for the thread.
trait Operation: Send {
    /// Whether it may write: reads run without a savepoint, and a batch of reads only takes a
    /// read transaction.
    fn writes(&self) -> bool;
    /// Runs it and keeps the result until the batch's fate is known. An error here means the
    /// savepoint around it could not be managed, and the batch must not commit.
    fn run(&mut self, conn: &Connection) -> Result<(), rusqlite::Error>;
    /// Whether it ran and failed on its own (an error or a panic).
    fn failed(&self) -> bool;
    /// Answers the caller: its own result when the batch committed, `failed` when it did not.
    fn answer(self: Box<Self>, failed: Option<&rusqlite::Error>);
}

/// What an operation's closure produced, before the commit.
enum Ran<T, E> {
    Done(Result<T, E>),
    Panicked,
}

struct Pending<T, E, F> {
    writes: bool,
    work: Option<F>,
    ran: Option<Ran<T, E>>,
    reply: oneshot::Sender<Result<T, Error<E>>>,
}

impl<T, E, F> Operation for Pending<T, E, F>
where
    T: Send,
    E: Send,
    F: FnOnce(&Connection) -> Result<T, E> + Send,
{
    fn writes(&self) -> bool {
        self.writes
    }

    fn run(&mut self, conn: &Connection) -> Result<(), rusqlite::Error> {
        let Some(work) = self.work.take() else {
            return Ok(());
        };
        self.ran = Some(if self.writes {
            in_savepoint(conn, work)?
        } else {
            guarded(conn, work)
        });
        Ok(())
    }

    fn failed(&self) -> bool {
        matches!(self.ran, Some(Ran::Done(Err(_)) | Ran::Panicked))
    }

    fn answer(self: Box<Self>, failed: Option<&rusqlite::Error>) {
        let result = match (failed, self.ran) {
            (Some(err), _) => Err(Error::Batch(copy_error(err))),
            (None, Some(Ran::Done(result))) => result.map_err(Error::Op),
            (None, Some(Ran::Panicked)) => Err(Error::Panicked),
            (None, None) => Err(Error::Stopped),
        };
        // The caller may have stopped waiting (its task was cancelled): nothing to tell then.
        let _ = self.reply.send(result);
    }
}

fn guarded<T, E>(conn: &Connection, work: impl FnOnce(&Connection) -> Result<T, E>) -> Ran<T, E> {
    catch_unwind(AssertUnwindSafe(|| work(conn))).map_or(Ran::Panicked, Ran::Done)
}

/// Runs `work` in a savepoint: released when it succeeds, rolled back when it fails or panics.
/// The outer error says the savepoint itself failed.
fn in_savepoint<T, E>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<Ran<T, E>, rusqlite::Error> {
    conn.prepare_cached("SAVEPOINT op")?.execute([])?;
    let ran = guarded(conn, work);
    if conn.is_autocommit() {
        // SQLite rolled the whole transaction back (a full disk, an I/O error: see
        // `run_batch`), savepoints included: there is nothing left to roll back or release.
        return Ok(ran);
    }
    if !matches!(ran, Ran::Done(Ok(_))) {
        conn.prepare_cached("ROLLBACK TO op")?.execute([])?;
    }
    conn.prepare_cached("RELEASE op")?.execute([])?;
    Ok(ran)
}

/// A copy of a batch-wide error for each caller (the error type is not `Clone`).
fn copy_error(err: &rusqlite::Error) -> rusqlite::Error {
    match err {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// The handle to a connection's thread: cheap to clone; the thread closes the connection and
/// ends when the last clone is dropped.
#[derive(Clone)]
pub struct Batcher {
    requests: mpsc::Sender<Box<dyn Operation>>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl Batcher {
    /// Moves `conn` to a new thread called `name` that serves operations until every handle is
    /// gone. `conn` must not be inside a transaction.
    ///
    /// For a database file prefer [`open_file`], which also makes sure the file can be written,
    /// avoids the memory-mapped `-shm` file and checkpoints on this thread. A connection started
    /// here keeps whatever journal and checkpoint settings it has.
    pub fn start(conn: Connection, name: &str) -> std::io::Result<Self> {
        Self::spawn(conn, name, None)
    }

    /// Starts the connection's thread, checkpointing per `checkpoints` (see [`serve`]).
    fn spawn(
        conn: Connection,
        name: &str,
        checkpoints: Option<Checkpoints>,
    ) -> std::io::Result<Self> {
        let (requests, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || serve(&conn, &queue, checkpoints))?;
        Ok(Self { requests })
    }

    /// Makes a tiny real write and commits it: `Ok` once storage accepts writes (again).
    ///
    /// It updates the one row of `_sqlite_batch_health` (created if missing) and, in a
    /// savepoint it rolls back, inserts a row that needs a page of its own: a write that only
    /// rewrites an existing page succeeds in a database that has no room left
    /// (`SQLITE_FULL` from `max_page_count`), so it would say "writable" too early. The
    /// rolled-back row leaves nothing behind. Meant for a caller that saw a storage failure
    /// ([`is_storage_failure`]) and wants to know when to resume; it runs in a batch like any
    /// write, so a failure fails its batch-mates only if SQLite rolls the whole transaction back.
    ///
    /// ```no_run
    /// # async fn run(db: sqlite_batch::Batcher) {
    /// while let Err(err) = db.probe_write().await {
    ///     eprintln!("storage still refuses writes: {err}");
    ///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    /// }
    /// # }
    /// ```
    pub async fn probe_write(&self) -> Result<(), Error<rusqlite::Error>> {
        self.write(open::probe).await
    }

    /// Runs `work`, which only reads, in the next batch.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, Error<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.call(false, work).await
    }

    /// Runs `work` in the next batch, atomically: if it fails, nothing it wrote is kept.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, Error<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.call(true, work).await
    }

    async fn call<T, E, F>(&self, writes: bool, work: F) -> Result<T, Error<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let operation = Box::new(Pending {
            writes,
            work: Some(work),
            ran: None,
            reply,
        });
        self.requests.send(operation).map_err(|_| Error::Stopped)?;
        answer.await.map_err(|_| Error::Stopped)?
    }
}

/// When the connection's thread checkpoints the WAL: see [`Options::checkpoint_pages`].
#[derive(Debug, Clone, Copy)]
struct Checkpoints {
    /// Checkpoint when no operation waits and the WAL has at least this many pages.
    idle_pages: u32,
    /// Checkpoint after a batch whatever waits, from this many pages on.
    max_pages: u32,
}

thread_local! {
    /// Pages in the WAL after the last commit of this thread's connection, as told by
    /// SQLite's WAL hook. Per thread because the hook is a plain function and each batcher
    /// thread owns exactly one connection.
    static WAL_PAGES: Cell<u32> = const { Cell::new(0) };
}

fn count_wal_pages(_wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(u32::try_from(pages).unwrap_or(0));
    Ok(())
}

/// A `PASSIVE` checkpoint. A failure (a full disk cannot take the pages) leaves the WAL as it
/// is: every commit is already durable in it. The page count is kept, so the thread tries
/// again after a later batch by the same rule: when no operation waits, or after every batch
/// once the WAL holds `max_pages`.
fn checkpoint(conn: &Connection) {
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    // Every frame copied: SQLite starts the WAL over at the next write.
    if let Ok((0, log, copied)) = done
        && log == copied
    {
        WAL_PAGES.set(0);
    }
}

fn serve(
    conn: &Connection,
    queue: &mpsc::Receiver<Box<dyn Operation>>,
    checkpoints: Option<Checkpoints>,
) {
    if checkpoints.is_some() {
        // Replaces SQLite's automatic checkpoint (itself a WAL hook): checkpoints run below,
        // after the batch's callers were answered, not inside its COMMIT.
        conn.wal_hook(Some(count_wal_pages));
    }
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(op) => op,
            None => match queue.recv() {
                Ok(op) => op,
                Err(_) => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        run_batch(conn, batch);
        let Some(policy) = checkpoints else {
            continue;
        };
        let pages = WAL_PAGES.get();
        if pages >= policy.max_pages {
            checkpoint(conn);
        } else if pages >= policy.idle_pages {
            match queue.try_recv() {
                // Busy: the operation waiting goes first, the checkpoint waits for a pause.
                Ok(op) => next = Some(op),
                Err(mpsc::TryRecvError::Empty) => checkpoint(conn),
                Err(mpsc::TryRecvError::Disconnected) => {}
            }
        }
    }
}

fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn Operation>>) {
    let begin = if batch.iter().any(|op| op.writes()) {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    };
    let mut culprit = None;
    let outcome = conn
        .prepare_cached(begin)
        .and_then(|mut stmt| stmt.execute([]))
        .and_then(|_| {
            for (i, op) in batch.iter_mut().enumerate() {
                op.run(conn)?;
                // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction
                // back when the statement has no statement journal of its own: the operations
                // before this one lost their writes, so none of them may report success.
                if conn.is_autocommit() {
                    culprit = op.failed().then_some(i);
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT_ROLLBACK),
                        Some(
                            "SQLite rolled the batch's transaction back after an operation's \
                             failure (full disk, I/O error)"
                                .into(),
                        ),
                    ));
                }
            }
            conn.prepare_cached("COMMIT")?.execute([])
        });
    if outcome.is_err() && !conn.is_autocommit() {
        // Best effort: the failure is reported to every caller below either way.
        let _ = conn.execute_batch("ROLLBACK");
    }
    let failed = outcome.err();
    for (i, op) in batch.into_iter().enumerate() {
        // The operation that failed and took the transaction with it gets its own error (the
        // full disk, say); nothing it wrote was kept either.
        let failed = if culprit == Some(i) {
            None
        } else {
            failed.as_ref()
        };
        op.answer(failed);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use std::time::Duration;

    use super::*;

    type Write = Box<dyn FnOnce(&Connection) -> Result<(), rusqlite::Error> + Send>;

    /// A batcher on an in-memory database with one table, and its commit count.
    fn batcher() -> (Batcher, Arc<AtomicUsize>) {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (n INTEGER PRIMARY KEY);
             CREATE TABLE child (n INTEGER REFERENCES t (n) DEFERRABLE INITIALLY DEFERRED);
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        let commits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&commits);
        conn.commit_hook(Some(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            false
        }));
        (Batcher::start(conn, "test-sqlite").unwrap(), commits)
    }

    fn insert(conn: &Connection, n: i64) -> Result<(), rusqlite::Error> {
        conn.prepare_cached("INSERT INTO t (n) VALUES (?1)")?
            .execute([n])
            .map(drop)
    }

    async fn rows(db: &Batcher) -> Vec<i64> {
        db.read(|conn| {
            let mut stmt = conn.prepare("SELECT n FROM t ORDER BY n")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()
        })
        .await
        .unwrap()
    }

    /// Starts `writes` writers while the thread is held inside a first operation, so they all
    /// queue up behind it; returns their results once the thread is let go.
    async fn queued_behind_a_gate<F>(
        db: &Batcher,
        writes: Vec<F>,
    ) -> Vec<Result<(), Error<rusqlite::Error>>>
    where
        F: FnOnce(&Connection) -> Result<(), rusqlite::Error> + Send + 'static,
    {
        let (open, gate) = mpsc::channel::<()>();
        let (entered, inside) = oneshot::channel::<()>();
        let first = tokio::spawn({
            let db = db.clone();
            async move {
                db.write(move |conn| {
                    entered.send(()).ok();
                    gate.recv().ok();
                    insert(conn, 0)
                })
                .await
            }
        });
        inside.await.unwrap();
        let tasks: Vec<_> = writes
            .into_iter()
            .map(|work| {
                let db = db.clone();
                tokio::spawn(async move { db.write(work).await })
            })
            .collect();
        // Every spawned task sends its operation on its first poll.
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        open.send(()).unwrap();
        let mut results = vec![first.await.unwrap()];
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }

    #[tokio::test]
    async fn writes_waiting_together_share_one_commit() {
        let (db, commits) = batcher();
        let writes: Vec<_> = (1..=20)
            .map(|n| move |conn: &Connection| insert(conn, n))
            .collect();
        let results = queued_behind_a_gate(&db, writes).await;
        assert!(results.iter().all(Result::is_ok));
        // The gate's own batch, then the twenty that waited behind it.
        assert_eq!(commits.load(Ordering::SeqCst), 2);
        assert_eq!(rows(&db).await, (0..=20).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_failing_write_is_rolled_back_alone() {
        let (db, _) = batcher();
        let writes: Vec<Write> = vec![
            Box::new(|conn| insert(conn, 1)),
            // Writes a row, then fails: the row must not survive.
            Box::new(|conn| {
                insert(conn, 2)?;
                insert(conn, 1)
            }),
            Box::new(|conn| insert(conn, 3)),
        ];
        let results = queued_behind_a_gate(&db, writes).await;
        assert!(results[1].is_ok() && results[3].is_ok());
        assert!(matches!(
            results[2],
            Err(Error::Op(rusqlite::Error::SqliteFailure(..)))
        ));
        assert_eq!(rows(&db).await, vec![0, 1, 3]);
    }

    #[tokio::test]
    async fn a_panicking_write_is_rolled_back_and_the_thread_goes_on() {
        let (db, _) = batcher();
        let panicked: Result<(), Error<rusqlite::Error>> = db
            .write(|conn| {
                insert(conn, 5)?;
                if conn.is_autocommit() {
                    return Ok(());
                }
                panic!("bug in an operation");
            })
            .await;
        assert!(matches!(panicked, Err(Error::Panicked)));
        db.write(|conn| insert(conn, 6)).await.unwrap();
        assert_eq!(rows(&db).await, vec![6]);
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_operation_of_its_batch() {
        let (db, _) = batcher();
        let writes: Vec<Write> = vec![
            Box::new(|conn| insert(conn, 1)),
            // A deferred foreign key is only checked at COMMIT, for the whole batch.
            Box::new(|conn| {
                conn.execute("INSERT INTO child (n) VALUES (99)", [])
                    .map(drop)
            }),
        ];
        let results = queued_behind_a_gate(&db, writes).await;
        // The gate's batch committed alone; the two behind it failed together.
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(Error::Batch(_))));
        assert!(matches!(results[2], Err(Error::Batch(_))));
        assert_eq!(rows(&db).await, vec![0]);
        db.write(|conn| insert(conn, 7)).await.unwrap();
        assert_eq!(rows(&db).await, vec![0, 7]);
    }

    #[tokio::test]
    async fn a_full_database_fails_the_culprit_with_its_error_and_its_batch_mates_as_storage() {
        let (db, _) = batcher();
        db.write(|conn| conn.execute_batch("CREATE TABLE big (b BLOB)"))
            .await
            .unwrap();
        // No page may be added any more.
        db.write(|conn| conn.query_row("PRAGMA max_page_count = 1", [], |_| Ok(())))
            .await
            .unwrap();
        let writes: Vec<Write> = vec![
            Box::new(|conn| insert(conn, 1)),
            // Needs new pages: SQLITE_FULL, and SQLite rolls the whole transaction back.
            Box::new(|conn| {
                conn.execute("INSERT INTO big (b) VALUES (zeroblob(20000))", [])
                    .map(drop)
            }),
            Box::new(|conn| insert(conn, 3)),
        ];
        let results = queued_behind_a_gate(&db, writes).await;
        assert!(results[0].is_ok());
        match &results[2] {
            Err(Error::Op(err)) => {
                assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
            }
            other => panic!("{other:?}"),
        }
        for mate in [&results[1], &results[3]] {
            assert!(
                matches!(mate, Err(Error::Batch(err)) if is_storage_failure(err)),
                "{mate:?}"
            );
            assert!(mate.as_ref().unwrap_err().is_storage_failure());
        }
        assert_eq!(rows(&db).await, vec![0]);
        // With room again, the same connection writes.
        db.write(|conn| conn.query_row("PRAGMA max_page_count = 100000", [], |_| Ok(())))
            .await
            .unwrap();
        db.write(|conn| insert(conn, 4)).await.unwrap();
        assert_eq!(rows(&db).await, vec![0, 4]);
    }

    #[tokio::test]
    async fn reads_see_what_earlier_writes_committed() {
        let (db, commits) = batcher();
        db.write(|conn| insert(conn, 1)).await.unwrap();
        let n: i64 = db
            .read(|conn| conn.query_row("SELECT n FROM t", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(n, 1);
        // A batch of reads commits nothing.
        assert_eq!(commits.load(Ordering::SeqCst), 1);
    }

    /// `n` writes of a 10 kB blob, one after the other; with `pause`, the thread is left idle
    /// after each (the next write would otherwise race with its check for waiting work).
    async fn blob_writes(db: &Batcher, n: usize, pause: bool) {
        for _ in 0..n {
            db.write(|conn| {
                conn.execute("INSERT INTO blobs (b) VALUES (zeroblob(10000))", [])
                    .map(drop)
            })
            .await
            .unwrap();
            if pause {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    }

    fn wal_len(path: &std::path::Path) -> u64 {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    #[tokio::test]
    async fn an_idle_thread_checkpoints_once_the_wal_is_large_enough() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let options = Options::default().with_checkpoints(100, 100_000);
        let db = open_file_with(&path, "test-sqlite", &options, |conn| {
            conn.execute_batch("CREATE TABLE blobs (b BLOB NOT NULL)")
        })
        .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // Each write waits for its answer, so the thread is idle after each batch. Ten blobs
        // of 10 kB are about 30 pages: below the threshold, nothing reaches the file.
        blob_writes(&db, 10, true).await;
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
        // About 1 MB more crosses 100 pages: the thread copies the WAL into the file.
        blob_writes(&db, 100, true).await;
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after > before + 900_000, "{before} -> {after}");
        // Each checkpoint lets SQLite start the WAL over, so it stays near the threshold
        // (about 100 pages of 4 kB) instead of holding all 110 blobs (about 1.8 MB).
        let wal = wal_len(&path);
        assert!(wal < 120 * 4096, "WAL of {wal} bytes");
    }

    #[tokio::test]
    async fn a_busy_thread_checkpoints_at_the_upper_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        // The queue is never empty after a batch (see below), so the idle checkpoint never
        // runs: only the upper bound can checkpoint.
        let options = Options::default().with_checkpoints(50, 200);
        let db = open_file_with(&path, "test-sqlite", &options, |conn| {
            conn.execute_batch("CREATE TABLE blobs (b BLOB NOT NULL)")
        })
        .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // Keep operations queued behind every batch, so the thread is never idle.
        let (open, gate) = mpsc::channel::<()>();
        let (entered, inside) = oneshot::channel::<()>();
        let held = tokio::spawn({
            let db = db.clone();
            async move {
                db.write(move |_| {
                    entered.send(()).ok();
                    gate.recv().ok();
                    Ok::<_, rusqlite::Error>(())
                })
                .await
            }
        });
        inside.await.unwrap();
        // MAX_BATCH writes (about 2.5 MB) fill the next batch, the rest and a read the one
        // after: the read runs before the thread is ever idle.
        let tasks: Vec<_> = (0..MAX_BATCH + 10)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { blob_writes(&db, 1, false).await })
            })
            .collect();
        let measured = tokio::spawn({
            let db = db.clone();
            let path = path.clone();
            async move {
                db.read(move |_| std::fs::metadata(&path).map(|m| m.len()))
                    .await
            }
        });
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        open.send(()).unwrap();
        held.await.unwrap().unwrap();
        for task in tasks {
            task.await.unwrap();
        }
        let during = measured.await.unwrap().unwrap();
        assert!(during > before + 2_000_000, "{before} -> {during}");
    }
}

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
//! With a database file in WAL mode, [`Batcher::start_with_checkpoints`] moves checkpoints off the
//! connection's thread: SQLite's automatic checkpoint runs inside the commit that crosses the WAL
//! threshold, and its `fsync` then stalls every operation waiting behind it; a second connection
//! on its own thread checkpoints instead (`PASSIVE`: it never blocks the writer).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let conn = rusqlite::Connection::open("app.sqlite")?;
//! conn.execute_batch("CREATE TABLE IF NOT EXISTS notes (body TEXT NOT NULL)")?;
//! let db = sqlite_batch::Batcher::start(conn, "app-sqlite")?;
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

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

/// Most operations run under one commit; more wait for the next batch.
pub const MAX_BATCH: usize = 256;

/// Why an operation did not return its own result.
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
}

/// One operation waiting for the thread.
trait Operation: Send {
    /// Whether it may write: reads run without a savepoint, and a batch of reads only takes a
    /// read transaction.
    fn writes(&self) -> bool;
    /// Runs it and keeps the result until the batch's fate is known. An error here means the
    /// savepoint around it could not be managed, and the batch must not commit.
    fn run(&mut self, conn: &Connection) -> Result<(), rusqlite::Error>;
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
    pub fn start(conn: Connection, name: &str) -> std::io::Result<Self> {
        Self::spawn(conn, name, None)
    }

    /// [`Batcher::start`], and for a database file, checkpoints its WAL every `every` from a
    /// second connection on a thread of its own, with the connection's automatic checkpoints
    /// turned off. An in-memory database starts as with [`Batcher::start`]. The checkpoint
    /// thread ends after the connection's thread; closing the last connection checkpoints the
    /// rest, as SQLite always does.
    pub fn start_with_checkpoints(
        conn: Connection,
        name: &str,
        every: Duration,
    ) -> Result<Self, rusqlite::Error> {
        let path = conn.path().filter(|p| !p.is_empty()).map(str::to_owned);
        let Some(path) = path else {
            return Self::spawn(conn, name, None).map_err(thread_error);
        };
        let checkpointer = Connection::open(path)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(format!("{name}-checkpoint"))
            .spawn(move || checkpoint_until(&checkpointer, &stopped, every))
            .map_err(thread_error)?;
        Self::spawn(conn, name, Some(stop)).map_err(thread_error)
    }

    /// Starts the connection's thread; `stop` is dropped when it ends.
    fn spawn(
        conn: Connection,
        name: &str,
        stop: Option<mpsc::Sender<()>>,
    ) -> std::io::Result<Self> {
        let (requests, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                serve(&conn, &queue);
                drop(stop);
            })?;
        Ok(Self { requests })
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

fn thread_error(err: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(format!("could not start a thread: {err}")),
    )
}

/// Checkpoints every `every` until `stopped` disconnects. A failed or partial checkpoint (the
/// writer was busy) is simply tried again at the next tick.
fn checkpoint_until(conn: &Connection, stopped: &mpsc::Receiver<()>, every: Duration) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

fn serve(conn: &Connection, queue: &mpsc::Receiver<Box<dyn Operation>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        run_batch(conn, batch);
    }
}

fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn Operation>>) {
    let begin = if batch.iter().any(|op| op.writes()) {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    };
    let outcome = conn
        .prepare_cached(begin)
        .and_then(|mut stmt| stmt.execute([]))
        .and_then(|_| {
            for op in &mut batch {
                op.run(conn)?;
                // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction
                // back: the operations before this one lost their writes, so none of them may
                // report success.
                if conn.is_autocommit() {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                        Some("the batch's transaction was rolled back".into()),
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
    for op in batch {
        op.answer(failed.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

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

    #[tokio::test]
    async fn a_file_database_is_checkpointed_off_the_connections_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE blobs (b BLOB NOT NULL)")
            .unwrap();
        let db = Batcher::start_with_checkpoints(conn, "test-sqlite", Duration::from_millis(20))
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        for _ in 0..100 {
            db.write(|conn| {
                conn.execute("INSERT INTO blobs (b) VALUES (zeroblob(10000))", [])
                    .map(drop)
            })
            .await
            .unwrap();
        }
        let autocheckpoint: i64 = db
            .read(|conn| conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(autocheckpoint, 0);
        // About 1 MB went to the WAL, far below SQLite's own 1000-page threshold: only the
        // checkpoint thread moves it into the database file.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after > before + 900_000, "{before} -> {after}");
    }
}

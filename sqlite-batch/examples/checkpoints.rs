//! Measures the checkpoint schemes under many concurrent small writes.
//!
//! A "flow" is five small writes awaited one after the other, like a business flow in the
//! `flows` store (an event, a job, a claim, an effect, the job done). Flows start at a fixed
//! rate (open loop: a flow's latency counts from when it was due, so a stalled thread is not
//! hidden), or back to back from many tasks (closed loop: the throughput ceiling).
//!
//! Schemes:
//! - `old`: normal locking mode (a `-shm` file), SQLite's automatic checkpoint off, a second
//!   connection checkpointing (`PASSIVE`) every 100 ms on its own thread (the scheme before
//!   `open_file`);
//! - `new`: [`sqlite_batch::open_file`]: exclusive locking, no `-shm`, checkpoints on the
//!   batch thread after answering (idle from 1000 WAL pages, forced from 2000);
//! - `auto`: exclusive locking, SQLite's own automatic checkpoint (1000 pages, inside the
//!   `COMMIT` that crosses it), for comparison.
//!
//! ```text
//! cargo run --release -p sqlite-batch --example checkpoints -- [DIR] [SECONDS] [RATE] [TASKS]
//! ```
//! Defaults: `/tmp`, 10 s, 2000 flows/s, 256 tasks. `SCHEMES=old,new,auto` and
//! `MODES=open,closed` pick the runs; `IDLE_PAGES`, `MAX_PAGES` and `SYNC=full` tune `new`.
#![allow(clippy::unwrap_used, clippy::float_arithmetic, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use sqlite_batch::Batcher;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    payload TEXT NOT NULL, lease INTEGER);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
CREATE TABLE IF NOT EXISTS effects (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, detail TEXT NOT NULL);
";

const OPS_PER_FLOW: usize = 5;

#[derive(Clone, Copy, Debug)]
enum Scheme {
    Old,
    New,
    Auto,
}

struct Db {
    batcher: Batcher,
    /// Stops the old scheme's checkpoint thread.
    stop: Arc<AtomicBool>,
}

fn open(scheme: Scheme, path: &Path) -> Db {
    let stop = Arc::new(AtomicBool::new(false));
    let batcher = match scheme {
        Scheme::New => {
            let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
            let defaults = sqlite_batch::Options::default();
            let synchronous = match std::env::var("SYNC").as_deref() {
                Ok("full") => sqlite_batch::Synchronous::Full,
                _ => sqlite_batch::Synchronous::Normal,
            };
            let options = defaults
                .clone()
                .with_synchronous(synchronous)
                .with_checkpoints(
                    env("IDLE_PAGES").unwrap_or(defaults.checkpoint_pages),
                    env("MAX_PAGES").unwrap_or(defaults.checkpoint_max_pages),
                );
            sqlite_batch::open_file_with(path, "bench", &options, |c| c.execute_batch(SCHEMA))
                .unwrap()
        }
        Scheme::Old => {
            let conn = Connection::open(path).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
            conn.set_prepared_statement_cache_capacity(64);
            let checkpointer = Connection::open(path).unwrap();
            let stopped = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let _ =
                        checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            });
            Batcher::start(conn, "bench").unwrap()
        }
        Scheme::Auto => {
            let conn = Connection::open(path).unwrap();
            conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))
                .unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.set_prepared_statement_cache_capacity(64);
            Batcher::start(conn, "bench").unwrap()
        }
    };
    Db { batcher, stop }
}

/// One operation of flow `n`; returns its latency.
async fn op(db: &Batcher, n: u64, step: usize) -> Duration {
    let started = Instant::now();
    db.write(move |c| {
        let key = format!("shop/{n}");
        let body = format!("{{\"order\":{n},\"lines\":[{{\"sku\":\"SKU-{n}\",\"qty\":1,\"price\":\"19.99\"}}],\"pad\":\"{}\"}}", "x".repeat(200));
        match step {
            0 => c
                .prepare_cached("INSERT INTO events (key, body) VALUES (?1, ?2)")?
                .execute([&key, &body]),
            1 => c
                .prepare_cached("INSERT INTO jobs (key, state, payload) VALUES (?1, 'queued', ?2)")?
                .execute([&key, &body]),
            2 => c
                .prepare_cached("UPDATE jobs SET state = 'running', lease = 1 WHERE key = ?1")?
                .execute([&key]),
            3 => c
                .prepare_cached("INSERT INTO effects (key, detail) VALUES (?1, ?2)")?
                .execute([&format!("{key}/sale"), &body]),
            _ => c
                .prepare_cached("UPDATE jobs SET state = 'done', lease = NULL WHERE key = ?1")?
                .execute([&key]),
        }
        .map(drop)
    })
    .await
    .map_err(|e: sqlite_batch::Error<rusqlite::Error>| e.to_string())
    .unwrap();
    started.elapsed()
}

#[derive(Default)]
struct Samples {
    flows: Vec<Duration>,
    ops: Vec<Duration>,
}

async fn flow(db: Batcher, n: u64, due: Instant) -> (Duration, [Duration; OPS_PER_FLOW]) {
    let mut ops = [Duration::ZERO; OPS_PER_FLOW];
    for (step, slot) in ops.iter_mut().enumerate() {
        *slot = op(&db, n, step).await;
    }
    (due.elapsed(), ops)
}

async fn open_loop(db: &Batcher, seconds: u64, rate: u64) -> (Samples, Duration) {
    let start = Instant::now();
    let total = seconds * rate;
    let mut tasks = Vec::with_capacity(usize::try_from(total).unwrap());
    for n in 0..total {
        let due = start + Duration::from_nanos(n * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        tasks.push(tokio::spawn(flow(db.clone(), n, due)));
    }
    let mut samples = Samples::default();
    for task in tasks {
        let (latency, ops) = task.await.unwrap();
        samples.flows.push(latency);
        samples.ops.extend(ops);
    }
    (samples, start.elapsed())
}

async fn closed_loop(db: &Batcher, seconds: u64, tasks: u64) -> (Samples, Duration) {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut samples = Samples::default();
                let mut n = t * 100_000_000;
                while Instant::now() < end {
                    let (latency, ops) = flow(db.clone(), n, Instant::now()).await;
                    samples.flows.push(latency);
                    samples.ops.extend(ops);
                    n += 1;
                }
                samples
            })
        })
        .collect();
    let mut samples = Samples::default();
    for handle in handles {
        let s = handle.await.unwrap();
        samples.flows.extend(s.flows);
        samples.ops.extend(s.ops);
    }
    (samples, start.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut s: Samples, elapsed: Duration, wal: u64) {
    s.flows.sort();
    s.ops.sort();
    println!(
        "{label:<18} {:>8.0} flows/s  flow p50 {:>6.2} p99 {:>7.2} max {:>7.2} ms  op p99 {:>6.2} max {:>7.2} ms  WAL {:>6} kB",
        s.flows.len() as f64 / elapsed.as_secs_f64(),
        pct(&s.flows, 0.50),
        pct(&s.flows, 0.99),
        pct(&s.flows, 1.0),
        pct(&s.ops, 0.99),
        pct(&s.ops, 1.0),
        wal / 1024,
    );
}

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn wal_len(path: &Path) -> u64 {
    let mut p = path.as_os_str().to_owned();
    p.push("-wal");
    std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).map_or("/tmp", String::as_str));
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let rate: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let tasks: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(256);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{OPS_PER_FLOW} writes per flow, {seconds} s per run, files in {}",
        dir.display()
    );
    let schemes = std::env::var("SCHEMES").unwrap_or_else(|_| "old,new,auto".into());
    let modes = std::env::var("MODES").unwrap_or_else(|_| "open,closed".into());
    let schemes = schemes.split(',').filter_map(|s| match s {
        "old" => Some(Scheme::Old),
        "new" => Some(Scheme::New),
        "auto" => Some(Scheme::Auto),
        _ => None,
    });
    for scheme in schemes {
        for mode in modes.split(',') {
            let path = dir.join(format!("sqlite-batch-bench-{scheme:?}.sqlite"));
            remove(&path);
            let db = open(scheme, &path);
            let (samples, elapsed) = runtime.block_on(async {
                if mode == "open" {
                    open_loop(&db.batcher, seconds, rate).await
                } else {
                    closed_loop(&db.batcher, seconds, tasks).await
                }
            });
            let wal = wal_len(&path);
            let label = if mode == "open" {
                format!("{scheme:?} {rate}/s")
            } else {
                format!("{scheme:?} {tasks} tasks")
            };
            report(&label, samples, elapsed, wal);
            db.stop.store(true, Ordering::Relaxed);
            drop(db);
            std::thread::sleep(Duration::from_millis(300));
            remove(&path);
        }
    }
}

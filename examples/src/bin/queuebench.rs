//! Bare queue benchmark: no-op jobs enqueued, claimed and completed per second on the runtime's
//! store (SQLite or PostgreSQL), with enqueue-to-done latency.
//!
//! Three phases of `jobs` jobs each, all of one job kind whose run does nothing:
//! 1. enqueue only: one task enqueues the jobs (`Store::enqueue`, one call per job, `batch`
//!    calls at once) while nothing claims them;
//! 2. claim + complete: the consumers empty the queue the first phase filled;
//! 3. end to end: the task enqueues `jobs` more while the consumers run, keeping at most
//!    `backlog` jobs enqueued and not done; latency runs from a job's enqueue call to its end.
//!    A full backlog waits its turn, so latency is about `backlog` over the rate: a small
//!    backlog shows the latency of a queue that keeps up.
//!
//! The consumers (`mode`):
//! - `worker`: a `flows::Worker` at `concurrency` with the no-op flow registered, as a user runs
//!   the queue; a job ends when its run returns (the worker records the outcome right after);
//! - `store`: `concurrency` loops of `Store::claim` then `Store::finish`, the store's own speed
//!   without the worker's; a job ends when its outcome is recorded.
//!
//! Usage: `cargo run --release -p examples --bin queuebench -- [mode] [jobs] [concurrency]
//! [batch] [backlog]` (defaults `worker`, 20000, 16, 100 and 2000).
//!
//! The store is a SQLite file in a temporary directory unless `PAYOPS_STORE` names another (a
//! `postgres://` URL; `PAYOPS_PG_POOL` connections, default the concurrency plus 8). Keys are
//! new for every run, but the database should hold no other queued jobs. `QUEUEBENCH_PG=1`
//! starts a throwaway PostgreSQL cluster on loopback for the run (`initdb` and `pg_ctl` from
//! Debian's `postgresql` package, see `pg-testkit`) and puts the store there.
// Floats only for the rates and latencies printed.
#![allow(clippy::float_arithmetic)]

use std::ops::Range;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use examples::{BoxError, StoreLocation, open_store};
use flows::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx, job};
use flows::{Finish, FlowError, FlowWrites, StepError, Store, Worker, WorkerConfig, now_millis};
use mapping::System;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

// As loadgen: what a service would run with.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lease of the `store` mode's claims (no run comes near it).
const LEASE_MS: i64 = 60_000;
/// Longest wait of an idle consumer of the `store` mode (a new job wakes it sooner).
const POLL: Duration = Duration::from_millis(50);
/// How long a phase may go without finishing before the run is given up.
const STALLED: Duration = Duration::from_secs(600);

#[tokio::main]
async fn main() -> ExitCode {
    examples::checked_exit_code("queuebench", run().await)
}

/// Who claims and completes the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Worker,
    Store,
}

async fn run() -> Result<bool, BoxError> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        None | Some("worker") => Mode::Worker,
        Some("store") => Mode::Store,
        Some(other) => return Err(format!("mode `{other}`: `worker` or `store`").into()),
    };
    let jobs: u64 = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(16), |a| a.parse())?;
    let batch: u64 = args.next().map_or(Ok(100), |a| a.parse())?;
    let backlog: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    if jobs == 0 || concurrency == 0 || batch == 0 || usize::try_from(batch)? > backlog {
        return Err(
            "jobs, concurrency and batch must be at least 1, backlog at least batch".into(),
        );
    }
    // Kept until the end: dropping them stops the cluster and removes the SQLite file.
    let cluster = match std::env::var("QUEUEBENCH_PG").as_deref() {
        Ok("1") => Some(pg_testkit::Cluster::start()?),
        _ => None,
    };
    let dir = tempfile::tempdir()?;
    let location = match (&cluster, std::env::var("PAYOPS_STORE")) {
        (Some(cluster), _) => cluster.fresh_database()?,
        (None, Ok(value)) => value,
        (None, Err(_)) => dir.path().join("queue.sqlite").display().to_string(),
    };
    let store = open_store(&location, concurrency).await?;
    println!(
        "queuebench: {mode:?} mode, {jobs} jobs a phase, concurrency {concurrency}, enqueue \
         batch {batch}, backlog {backlog}"
    );
    println!("store {:?}", StoreLocation::parse(&location));

    let progress = Arc::new(Progress::new(jobs, backlog));
    let flow = Arc::new(Noop {
        account: format!("queuebench-{}-{}", std::process::id(), now_millis()),
        progress: Arc::clone(&progress),
    });
    let enqueue = Enqueuer {
        store: Arc::clone(&store),
        flow: Arc::clone(&flow),
        progress: Arc::clone(&progress),
        batch,
    };

    let took = enqueue.jobs(0..jobs, false).await?;
    report("enqueue only", jobs, took, None);

    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let consumers = start_consumers(mode, &store, &flow, concurrency, stopped);
    progress.wait_for(jobs).await?;
    report("claim + complete", jobs, started.elapsed(), None);

    let started = Instant::now();
    let enqueued = enqueue.jobs(jobs..2 * jobs, true).await?;
    progress.wait_for(2 * jobs).await?;
    let took = started.elapsed();
    report("end to end", jobs, took, Some(enqueued));
    let mut latencies = progress.latencies(jobs..2 * jobs);
    latencies.sort_unstable();
    let percentile = |p: usize| {
        let at = (latencies.len() * p / 100).min(latencies.len().saturating_sub(1));
        latencies.get(at).map_or(-1.0, |nanos| *nanos as f64 / 1e6)
    };
    println!(
        "end-to-end latency ms: p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        percentile(50),
        percentile(90),
        percentile(99),
        percentile(100)
    );

    stop.send_replace(true);
    let mut failed = false;
    let mut consumers = consumers;
    while let Some(joined) = consumers.join_next().await {
        if let Err(err) = joined? {
            eprintln!("a consumer failed: {err}");
            failed = true;
        }
    }
    // Every outcome is recorded once the consumers stopped.
    let counts = store.counts().await?;
    let dead = store.dead_letters(10).await?.len();
    println!(
        "store counts: done {}, queued {}, running {}, dead letters {dead}",
        counts.done, counts.queued, counts.running
    );
    drop(store);
    drop(cluster);
    Ok(!failed && counts.queued == 0 && counts.running == 0 && dead == 0)
}

fn report(phase: &str, jobs: u64, took: Duration, enqueued: Option<Duration>) {
    let rate = |d: Duration| jobs as f64 / d.as_secs_f64();
    let enqueue = enqueued.map_or(String::new(), |d| {
        format!(" (enqueued at {:.0} jobs/s)", rate(d))
    });
    println!(
        "{phase:<17} {jobs} jobs in {:.2} s: {:.0} jobs/s{enqueue}",
        took.as_secs_f64(),
        rate(took)
    );
}

/// When each job was enqueued and ended, in nanoseconds since the start (0: not yet), and how
/// many ended.
struct Progress {
    origin: Instant,
    enqueued: Vec<AtomicU64>,
    ended: Vec<AtomicU64>,
    count: AtomicUsize,
    /// Jobs of the end-to-end phase (from `limited_from` on) that may still be enqueued under
    /// the backlog: taken by the enqueuer, given back as they end.
    room: Semaphore,
    limited_from: u64,
}

impl Progress {
    fn new(jobs: u64, backlog: usize) -> Self {
        let slots = || (0..2 * jobs).map(|_| AtomicU64::new(0)).collect();
        Self {
            origin: Instant::now(),
            enqueued: slots(),
            ended: slots(),
            count: AtomicUsize::new(0),
            room: Semaphore::new(backlog),
            limited_from: jobs,
        }
    }

    fn stamp(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn slot(slots: &[AtomicU64], n: u64) -> Option<&AtomicU64> {
        slots.get(usize::try_from(n).ok()?)
    }

    fn enqueuing(&self, n: u64) {
        if let Some(slot) = Self::slot(&self.enqueued, n) {
            slot.store(self.stamp(), Ordering::Relaxed);
        }
    }

    fn ended(&self, n: u64) {
        if let Some(slot) = Self::slot(&self.ended, n) {
            slot.store(self.stamp(), Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        if n >= self.limited_from {
            self.room.add_permits(1);
        }
    }

    /// Returns once `count` jobs have ended.
    async fn wait_for(&self, count: u64) -> Result<(), BoxError> {
        let count = usize::try_from(count)?;
        let started = Instant::now();
        while self.count.load(Ordering::Relaxed) < count {
            if started.elapsed() > STALLED {
                return Err(format!("stalled: {count} jobs did not end in {STALLED:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(())
    }

    /// Enqueue-to-end times of the jobs in `range`, in nanoseconds.
    fn latencies(&self, range: Range<u64>) -> Vec<u64> {
        range
            .filter_map(|n| {
                let start = Self::slot(&self.enqueued, n)?.load(Ordering::Relaxed);
                let end = Self::slot(&self.ended, n)?.load(Ordering::Relaxed);
                end.checked_sub(start)
            })
            .collect()
    }
}

/// The job kind of the benchmark: a run does nothing but note its end. Its input is the job's
/// number, its entity an order of that number under this run's account.
struct Noop {
    account: String,
    progress: Arc<Progress>,
}

#[async_trait]
impl Flow for Noop {
    type Input = u64;
    const KIND: JobKind = JobKind::new("queuebench.noop");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, n: &u64) -> Result<EntityKey, StepError> {
        Ok(EntityKey::new(System::Shopify, &self.account).child(Entity::Order, n))
    }

    async fn run(&self, _ctx: &StepCtx<'_>, n: u64) -> Result<(), StepError> {
        self.progress.ended(n);
        Ok(())
    }
}

/// The task that enqueues.
struct Enqueuer {
    store: Arc<dyn Store>,
    flow: Arc<Noop>,
    progress: Arc<Progress>,
    batch: u64,
}

impl Enqueuer {
    /// Enqueues the jobs numbered `range`, `batch` calls at once; under the backlog when
    /// `limited`. Returns how long it took.
    async fn jobs(&self, range: Range<u64>, limited: bool) -> Result<Duration, BoxError> {
        let started = Instant::now();
        let mut next = range.start;
        while next < range.end {
            let end = range.end.min(next + self.batch);
            if limited {
                self.progress
                    .room
                    .acquire_many(u32::try_from(end - next)?)
                    .await?
                    .forget();
            }
            let mut calls = JoinSet::new();
            for n in next..end {
                let new = job(&*self.flow, &n)?;
                let (store, progress) = (Arc::clone(&self.store), Arc::clone(&self.progress));
                calls.spawn(async move {
                    progress.enqueuing(n);
                    store.enqueue(new, now_millis()).await
                });
            }
            while let Some(called) = calls.join_next().await {
                called??;
            }
            next = end;
        }
        Ok(started.elapsed())
    }
}

/// Starts the consumers; they stop when `stop` turns true and the queue is empty.
fn start_consumers(
    mode: Mode,
    store: &Arc<dyn Store>,
    flow: &Arc<Noop>,
    concurrency: usize,
    stop: watch::Receiver<bool>,
) -> JoinSet<Result<(), FlowError>> {
    let mut consumers = JoinSet::new();
    match mode {
        Mode::Worker => {
            let config = WorkerConfig::new("queuebench").concurrency(concurrency);
            let worker = Worker::new(Arc::clone(store), config).shared_flow(Arc::clone(flow));
            consumers.spawn(worker.run(stop));
        }
        Mode::Store => {
            // One worker name, as the loops of one `Worker`: their claims are made together.
            for _ in 0..concurrency {
                let (store, flow) = (Arc::clone(store), Arc::clone(flow));
                consumers.spawn(claim_loop(
                    store,
                    flow,
                    "queuebench".to_owned(),
                    stop.clone(),
                ));
            }
        }
    }
    consumers
}

/// Claims and completes jobs until `stop` turns true and none is left.
async fn claim_loop(
    store: Arc<dyn Store>,
    flow: Arc<Noop>,
    id: String,
    mut stop: watch::Receiver<bool>,
) -> Result<(), FlowError> {
    loop {
        match store.claim(&id, now_millis(), LEASE_MS).await? {
            Some(claimed) => {
                let job = claimed.job;
                store
                    .finish(job.lease, Finish::Done, FlowWrites::default(), now_millis())
                    .await?;
                if let Some(n) = job.payload.as_u64() {
                    flow.progress.ended(n);
                }
            }
            None if *stop.borrow() => return Ok(()),
            None => {
                tokio::select! {
                    () = store.wait_for_jobs(POLL) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

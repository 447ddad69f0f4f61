//! The worker: claims jobs from the store and runs their flows, with deadlines inside the lease,
//! retries, planned waits, circuit breakers, dead letters and graceful shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mapping::System;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use crate::breaker::{BreakerConfig, Breakers};
use crate::error::Cause;
use crate::notify::{self, Notices, NotifyFlow};
use crate::retry::Backoff;
use crate::store::{Claimed, Finish, FlowWrites, Job, Lease, Millis, Store};
use crate::workflow::{Flow, FlowRunner, JobKind, LeaseClock, Runner, StepCtx, WaitLimits};
use crate::{FlowError, StepError};

/// How a worker behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkerConfig {
    /// Name written as the claim's owner, for people reading the store (each claim has its own
    /// token: several loops of one worker never share a claim).
    pub id: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts unless the run renews it. A run is cut off at its deadline, the
    /// lease less [`WorkerConfig::grace`], so its outcome is recorded while the claim still holds
    /// and no other run can start the job meanwhile.
    pub lease: Duration,
    /// The part of the lease kept, after a run's deadline, for recording its outcome.
    pub grace: Duration,
    /// Longest wait between claims when the queue is empty (a job added through the same store
    /// in this process wakes a waiting worker at once; see [`Store::wait_for_jobs`]).
    pub poll_interval: Duration,
    /// Retry policy for transient failures.
    pub backoff: Backoff,
    /// Circuit-breaker policy per system.
    pub breaker: BreakerConfig,
    /// After shutdown is asked for, how long in-flight jobs may still run before they are released
    /// back to the queue (without spending an attempt).
    pub shutdown_grace: Duration,
    /// Claims of one job without an outcome (runs whose process died) after which it goes to dead
    /// letters instead of being run again: it may be what kills the process. Runs lost while the
    /// process was being restarted for other reasons (more than one worker started meanwhile, see
    /// [`Store::worker_started`]) are not counted, so a storm of crashes dead-letters nothing.
    pub max_claims: u32,
    /// Longest time a job waits for another flow (see
    /// [`StepCtx::wait_for`](crate::workflow::StepCtx::wait_for)) before it goes to dead letters.
    pub max_wait: Duration,
    /// First delay of a wait for another flow; it doubles at each look.
    pub wait_first: Duration,
    /// Longest delay between two looks while waiting for another flow.
    pub wait_max: Duration,
}

impl WorkerConfig {
    /// Defaults: 8 jobs at once, 60 s leases with 5 s of grace, 50 ms polls, default backoff and
    /// breakers, 10 s shutdown grace, 5 claims without an outcome, waits for other flows of up to
    /// a day, looking after 1 s, 2 s, 4 s ... up to a minute apart.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            concurrency: 8,
            lease: Duration::from_secs(60),
            grace: Duration::from_secs(5),
            poll_interval: Duration::from_millis(50),
            backoff: Backoff::default(),
            breaker: BreakerConfig::default(),
            shutdown_grace: Duration::from_secs(10),
            max_claims: 5,
            max_wait: Duration::from_secs(24 * 3600),
            wait_first: Duration::from_secs(1),
            wait_max: Duration::from_secs(60),
        }
    }

    /// Sets the concurrency.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the lease; the grace becomes a quarter of it when it was longer than that.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self.grace = self.grace.min(lease / 4);
        self
    }

    /// Sets the grace kept after a run's deadline (at most half the lease).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace.min(self.lease / 2);
        self
    }

    /// Sets the idle poll interval.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the circuit-breaker policy.
    #[must_use]
    pub fn breaker(mut self, breaker: BreakerConfig) -> Self {
        self.breaker = breaker;
        self
    }

    /// Sets the shutdown grace period.
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets how many claims without an outcome send a job to dead letters.
    #[must_use]
    pub fn max_claims(mut self, claims: u32) -> Self {
        self.max_claims = claims.max(1);
        self
    }

    /// Sets the longest wait for another flow.
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Sets how often a job waiting for another flow looks again: after `first`, doubling up to
    /// `max`.
    #[must_use]
    pub fn waits(mut self, first: Duration, max: Duration) -> Self {
        self.wait_first = first;
        self.wait_max = max.max(first);
        self
    }

    /// The time a run has before its deadline, unless it renews its lease.
    pub fn run_time(&self) -> Duration {
        self.lease.saturating_sub(self.grace)
    }
}

/// What happened to one claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The flow succeeded.
    Done,
    /// A transient failure; queued again to run after the delay.
    Retrying {
        /// The wait before the next attempt.
        after: Duration,
    },
    /// A planned wait; queued again to run after the delay, no attempt spent.
    Waiting {
        /// The wait.
        after: Duration,
    },
    /// Moved to dead letters.
    DeadLettered {
        /// Why.
        reason: String,
    },
    /// Put back without running: a breaker of its systems is open, or the worker is shutting
    /// down.
    Released,
    /// The claim was gone when the run ended (its lease expired and another run claimed the job):
    /// nothing of this run was recorded.
    LeaseLost,
}

/// A store handle the runtime's constructors accept: an `Arc` of a concrete store, or an
/// `Arc<dyn Store>` for a backend chosen at run time (a URL in the configuration, say).
pub trait IntoStore {
    /// The handle as a trait object.
    fn into_store(self) -> Arc<dyn Store>;
}

impl<S: Store> IntoStore for Arc<S> {
    fn into_store(self) -> Arc<dyn Store> {
        self
    }
}

impl IntoStore for Arc<dyn Store> {
    fn into_store(self) -> Arc<dyn Store> {
        self
    }
}

/// Runs jobs from a [`Store`] with the [`Flow`]s registered on it.
pub struct Worker {
    store: Arc<dyn Store>,
    flows: HashMap<JobKind, Arc<dyn Runner>>,
    config: WorkerConfig,
    breakers: Arc<Breakers>,
    /// Where notices go, when anywhere.
    notices: Option<Notices>,
    /// Whether the job loops' last store call failed (an outage is logged once).
    store_failing: AtomicBool,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .field("kinds", &self.flows.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Now as Unix milliseconds.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

/// A dead letter for `reason` and what the worker reports of it.
fn dead_letter(reason: String, permanent: bool, failed: bool) -> (Finish, Outcome) {
    let outcome = Outcome::DeadLettered {
        reason: reason.clone(),
    };
    let dead = Finish::Dead {
        reason,
        permanent,
        failed,
    };
    (dead, outcome)
}

/// Counts a run's outcome and times it: `payops_jobs_total{kind, outcome}`,
/// `payops_flow_seconds{kind}` and, for a dead letter, `payops_dead_letters_total{kind}`
/// (through the `metrics` facade: nothing until the service installs a recorder).
fn measure(kind: &JobKind, outcome: &Outcome, took: Duration) {
    let kind = kind.as_str().to_owned();
    let name = match outcome {
        Outcome::Done => "done",
        Outcome::Retrying { .. } => "retrying",
        Outcome::Waiting { .. } => "waiting",
        Outcome::DeadLettered { .. } => "dead_lettered",
        Outcome::Released => "released",
        Outcome::LeaseLost => "lease_lost",
    };
    metrics::counter!("payops_jobs_total", "kind" => kind.clone(), "outcome" => name).increment(1);
    metrics::histogram!("payops_flow_seconds", "kind" => kind.clone()).record(took.as_secs_f64());
    if matches!(outcome, Outcome::DeadLettered { .. }) {
        metrics::counter!("payops_dead_letters_total", "kind" => kind).increment(1);
    }
}

/// The longest pause of a job loop between store calls while they fail: the loops back off
/// from the poll interval up to this, and find the store again within it once it is back.
const STORE_RETRY_MAX: Duration = Duration::from_secs(5);

/// A duration in whole milliseconds (saturating).
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Worker {
    /// A worker with no flows yet.
    pub fn new(store: impl IntoStore, config: WorkerConfig) -> Self {
        let breakers = Arc::new(Breakers::new(config.breaker));
        Self {
            store: store.into_store(),
            flows: HashMap::new(),
            config,
            breakers,
            notices: None,
            store_failing: AtomicBool::new(false),
        }
    }

    /// The worker's circuit breakers, for an operator's view ([`Breakers::snapshot`]): the same
    /// breakers the worker's runs use, alive as long as anyone holds them.
    pub fn breakers(&self) -> Arc<Breakers> {
        Arc::clone(&self.breakers)
    }

    /// Sends notices ([`crate::notify`]): registers the notice flow (`payops.notify`), and from
    /// now on a dead letter, a breaker opening or closing, and what flows tell
    /// ([`StepCtx::notify`](crate::workflow::StepCtx::notify)) each enqueue a notice.
    #[must_use]
    pub fn notify(mut self, notices: Notices) -> Self {
        let flow = notices.flow();
        self.notices = Some(notices);
        self.flow(flow)
    }

    /// Registers `flow` for the jobs of its kind.
    #[must_use]
    pub fn flow<F: Flow>(self, flow: F) -> Self {
        self.shared_flow(Arc::new(flow))
    }

    /// Registers `flow`, shared with other owners (a workflow's flows share its clients).
    #[must_use]
    pub fn shared_flow<F: Flow>(mut self, flow: Arc<F>) -> Self {
        self.flows.insert(F::KIND, Arc::new(FlowRunner(flow)));
        self
    }

    /// Claims and runs one job, if one is runnable. `shutdown` (when it turns true) gives an
    /// in-flight run the grace period, then releases its job.
    pub async fn run_once(
        &self,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Option<Outcome>, FlowError> {
        // Read before the claim's `now`, so the run's deadline falls inside the stored lease.
        let claimed_at = Instant::now();
        let Some(Claimed {
            job,
            records,
            event,
        }) = self
            .store
            .claim(&self.config.id, now_millis(), millis(self.config.lease))
            .await?
        else {
            return Ok(None);
        };
        let lease = job.lease;
        if job.claims > self.config.max_claims {
            let reason = format!(
                "claimed {} times without a run reaching its end: its runs may be what stops \
                 the worker",
                job.claims - 1
            );
            tracing::error!(job = job.id, kind = %job.kind, key = %job.key, %reason, "dead-lettered");
            return self.dead_unrun(&job, reason).await;
        }
        let Some(runner) = self.flows.get(&job.kind) else {
            let reason = format!("no flow registered for job kind {}", job.kind);
            return self.dead_unrun(&job, reason).await;
        };
        let systems = runner.systems();
        if let Some(retry_at) = self.breakers.admit(systems, Instant::now()) {
            let wait = retry_at.saturating_duration_since(Instant::now());
            tracing::debug!(job = job.id, ?systems, "breaker open, job released");
            let release = Finish::Release {
                run_at: now_millis().saturating_add(millis(wait)),
            };
            return self
                .end(lease, release, FlowWrites::default(), Outcome::Released)
                .await;
        }

        let clock = LeaseClock::new(lease, claimed_at, self.config.lease, self.config.grace);
        let limits = WaitLimits {
            max_wait: self.config.max_wait,
            first_delay: self.config.wait_first,
            max_delay: self.config.wait_max,
        };
        let ctx = StepCtx::new(&*self.store, &job, records, event, &clock, limits)
            .notifying(self.notices.is_some());
        let span = tracing::info_span!("job", id = job.id, kind = %job.kind, key = %job.key);
        let started = Instant::now();
        let result = tokio::select! {
            result = runner.run(&ctx).instrument(span) => Some(result),
            () = clock.passed() => Some(Err(StepError::Transient {
                system: systems.first().copied(),
                retry_after: None,
                source: Box::new(Cause::Workflow(format!(
                    "the run reached its deadline ({:?} into a {:?} lease) and was stopped",
                    self.config.run_time(),
                    self.config.lease
                ))),
            })),
            () = grace_expired(shutdown.clone(), self.config.shutdown_grace) => None,
        };
        let writes = ctx.into_writes();
        let Some(result) = result else {
            tracing::info!(job = job.id, "shutdown: in-flight job released");
            let release = Finish::Release {
                run_at: now_millis(),
            };
            return self.end(lease, release, writes, Outcome::Released).await;
        };

        let (finish, outcome) = match result {
            Ok(()) => {
                for &system in systems {
                    if self.breakers.success(system) {
                        tracing::info!(%system, "circuit breaker closed");
                        metrics::gauge!("payops_breaker_open", "system" => system.as_str())
                            .set(0.0);
                        self.breaker_notice(system, false).await;
                    }
                }
                (Finish::Done, Outcome::Done)
            }
            Err(StepError::Wait { after, reason }) => {
                tracing::debug!(job = job.id, kind = %job.kind, ?after, %reason, "waiting");
                let wait = Finish::Wait {
                    run_at: now_millis().saturating_add(millis(after)),
                    reason,
                };
                (wait, Outcome::Waiting { after })
            }
            Err(err) if err.is_lease_lost() => {
                tracing::warn!(job = job.id, kind = %job.kind, "claim lost mid-run; nothing recorded");
                return Ok(Some(Outcome::LeaseLost));
            }
            Err(err @ StepError::Permanent { .. }) => {
                let reason = err.to_string();
                tracing::warn!(job = job.id, kind = %job.kind, key = %job.key, %reason, "permanent failure, dead-lettered");
                dead_letter(reason, true, true)
            }
            Err(
                ref err @ StepError::Transient {
                    system: failed_at,
                    retry_after,
                    ..
                },
            ) => {
                let reason = err.to_string();
                if let Some(system) = failed_at.or(systems.first().copied())
                    && self.breakers.failure(system, Instant::now())
                {
                    tracing::warn!(%system, "circuit breaker opened");
                    metrics::gauge!("payops_breaker_open", "system" => system.as_str()).set(1.0);
                    self.breaker_notice(system, true).await;
                }
                let attempts = job.attempts.saturating_add(1);
                if self.config.backoff.may_retry(attempts) {
                    let after = self
                        .config
                        .backoff
                        .delay(attempts, retry_after, &mut rand::rng());
                    let retry = Finish::Retry {
                        run_at: now_millis().saturating_add(millis(after)),
                        error: reason,
                    };
                    (retry, Outcome::Retrying { after })
                } else {
                    let reason = format!("gave up after {attempts} attempts: {reason}");
                    tracing::warn!(job = job.id, kind = %job.kind, key = %job.key, %reason, "retries exhausted, dead-lettered");
                    dead_letter(reason, false, true)
                }
            }
        };
        let mut writes = writes;
        self.dead_notice(&job, &finish, &mut writes);
        measure(&job.kind, &outcome, started.elapsed());
        self.end(lease, finish, writes, outcome).await
    }

    /// Sends a job that was not run to dead letters (no attempt spent).
    async fn dead_unrun(&self, job: &Job, reason: String) -> Result<Option<Outcome>, FlowError> {
        let (dead, outcome) = dead_letter(reason, true, false);
        let mut writes = FlowWrites::default();
        self.dead_notice(job, &dead, &mut writes);
        self.end(job.lease, dead, writes, outcome).await
    }

    /// Adds the notice of `job`'s dead letter to the writes that make it, so the two are one
    /// transaction. A notice's own job never gets one: a notifier that fails cannot tell.
    fn dead_notice(&self, job: &Job, finish: &Finish, writes: &mut FlowWrites) {
        let (
            Some(_),
            Finish::Dead {
                reason, permanent, ..
            },
        ) = (&self.notices, finish)
        else {
            return;
        };
        if job.kind == NotifyFlow::KIND {
            return;
        }
        match notify::dead_letter(job, reason, *permanent).job() {
            Ok(notice) => writes.jobs.push(notice),
            Err(err) => {
                tracing::error!(job = job.id, error = %err, "dead-letter notice not enqueued")
            }
        }
    }

    /// Enqueues the notice of `system`'s breaker opening (or closing). Best effort: the
    /// breaker lives in this process, and a store that fails now is the worker's own trouble.
    async fn breaker_notice(&self, system: System, opened: bool) {
        if self.notices.is_none() {
            return;
        }
        let notice = notify::breaker(system, opened, &self.config.id, self.breakers.open_for());
        let queued = match notice.job() {
            Ok(job) => self.store.enqueue(job, now_millis()).await.map(|_| ()),
            Err(err) => {
                tracing::error!(%system, error = %err, "breaker notice not enqueued");
                return;
            }
        };
        if let Err(err) = queued {
            tracing::warn!(%system, error = %err, "breaker notice not enqueued");
        }
    }

    /// Records a run's outcome; a claim lost meanwhile is reported, not an error.
    async fn end(
        &self,
        lease: Lease,
        finish: Finish,
        writes: FlowWrites,
        outcome: Outcome,
    ) -> Result<Option<Outcome>, FlowError> {
        match self.store.finish(lease, finish, writes, now_millis()).await {
            Ok(()) => Ok(Some(outcome)),
            Err(FlowError::LeaseLost { job, .. }) => {
                tracing::warn!(job, "claim lost before the outcome was recorded");
                Ok(Some(Outcome::LeaseLost))
            }
            Err(err) => Err(err),
        }
    }

    /// Notes the worker's start in the store ([`Store::worker_started`]; an error there is
    /// returned at once), runs `concurrency` job loops until `shutdown` turns true, then lets
    /// in-flight jobs finish within the grace period (releasing those that do not) and returns.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<(), FlowError> {
        self.store.worker_started(now_millis()).await?;
        let this = Arc::new(self);
        let mut loops = JoinSet::new();
        for _ in 0..this.config.concurrency {
            let this = Arc::clone(&this);
            let mut shutdown = shutdown.clone();
            loops.spawn(async move {
                let store_retry =
                    Backoff::new(this.config.poll_interval, STORE_RETRY_MAX, u32::MAX);
                let mut failures: u32 = 0;
                while !*shutdown.borrow() {
                    match this.run_once(&mut shutdown).await {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            tokio::select! {
                                () = this.store.wait_for_jobs(this.config.poll_interval) => {}
                                _ = shutdown.changed() => {}
                            }
                        }
                        Err(err) => {
                            // Store errors are retried with backoff rather than ending the loop;
                            // an outage is logged once by the loop that meets it first.
                            failures = failures.saturating_add(1);
                            if this.store_failing.swap(true, Ordering::Relaxed) {
                                tracing::debug!(error = %err, failures, "store still failing");
                            } else {
                                tracing::error!(
                                    error = %err,
                                    "the worker's store calls fail; its job loops retry with backoff"
                                );
                            }
                            let pause = store_retry.delay(failures, None, &mut rand::rng());
                            tokio::select! {
                                () = tokio::time::sleep(pause) => {}
                                _ = shutdown.changed() => {}
                            }
                            continue;
                        }
                    }
                    if failures > 0 {
                        failures = 0;
                        if this.store_failing.swap(false, Ordering::Relaxed) {
                            tracing::info!("the worker's store calls succeed again");
                        }
                    }
                }
            });
        }
        while let Some(joined) = loops.join_next().await {
            joined.map_err(|e| FlowError::Task(e.to_string()))?;
        }
        Ok(())
    }
}

/// Completes `grace` after `shutdown` turns true; never, if it does not.
async fn grace_expired(mut shutdown: watch::Receiver<bool>, grace: Duration) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            // The sender is gone without asking for shutdown: nobody can ask any more.
            std::future::pending::<()>().await;
        }
    }
    tokio::time::sleep(grace).await;
}

//! The worker: claims jobs from the store and runs their handlers, with retries, circuit breakers,
//! dead letters and graceful shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::breaker::{BreakerConfig, Breakers};
use crate::retry::Backoff;
use crate::store::{Job, Millis, Store};
use crate::{FlowError, StepError};

/// Runs the jobs of one kind.
///
/// A handler must be safe to run more than once for the same job: a worker can die after the
/// effect and before the job is marked done. Use the store's effect log (or the provider's
/// idempotency key) so the second run finds the first run's result.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// The providers this job calls, whose circuit breakers guard it: while any of them is open,
    /// the job waits without running.
    fn providers(&self, job: &Job) -> Vec<String> {
        let _ = job;
        Vec::new()
    }

    /// Does the work.
    async fn run(&self, job: &Job) -> Result<(), StepError>;
}

/// How a worker behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkerConfig {
    /// Name written as the lease owner (unique per worker process).
    pub id: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts; a handler running longer is cut off and its job retried.
    pub lease: Duration,
    /// Longest wait between claims when the queue is empty (a job added through the same store
    /// in this process wakes a waiting worker at once; see [`Store::wait_for_jobs`]).
    pub poll_interval: Duration,
    /// Retry policy for transient failures.
    pub backoff: Backoff,
    /// Circuit-breaker policy per provider.
    pub breaker: BreakerConfig,
    /// After shutdown is asked for, how long in-flight jobs may still run before they are released
    /// back to the queue.
    pub shutdown_grace: Duration,
}

impl WorkerConfig {
    /// Defaults: 8 jobs at once, 60 s leases, 50 ms polls, default backoff and breakers, 10 s grace.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            concurrency: 8,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(50),
            backoff: Backoff::default(),
            breaker: BreakerConfig::default(),
            shutdown_grace: Duration::from_secs(10),
        }
    }

    /// Sets the concurrency.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the lease.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
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
}

/// What happened to one claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler succeeded.
    Done,
    /// A transient failure; queued again to run after the delay.
    Retrying {
        /// The wait before the next attempt.
        after: Duration,
    },
    /// Moved to dead letters.
    DeadLettered {
        /// Why.
        reason: String,
    },
    /// Put back without running: its provider's breaker is open, or the worker is shutting down.
    Released,
}

/// Runs jobs from a [`Store`].
pub struct Worker<S: Store> {
    store: Arc<S>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    config: WorkerConfig,
    breakers: Breakers,
}

impl<S: Store> std::fmt::Debug for Worker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Now as Unix milliseconds.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl<S: Store> Worker<S> {
    /// A worker with no handlers yet.
    pub fn new(store: Arc<S>, config: WorkerConfig) -> Self {
        let breakers = Breakers::new(config.breaker);
        Self {
            store,
            handlers: HashMap::new(),
            config,
            breakers,
        }
    }

    /// Registers the handler of jobs of `kind`.
    #[must_use]
    pub fn handler(mut self, kind: impl Into<String>, handler: impl JobHandler) -> Self {
        self.handlers.insert(kind.into(), Arc::new(handler));
        self
    }

    /// Claims and runs one job, if one is runnable. `shutdown` (when it turns true) gives an
    /// in-flight handler the grace period, then releases its job.
    pub async fn run_once(
        &self,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Option<Outcome>, FlowError> {
        let worker = self.config.id.as_str();
        let Some(job) = self
            .store
            .claim(worker, now_millis(), millis(self.config.lease))
            .await?
        else {
            return Ok(None);
        };
        let Some(handler) = self.handlers.get(&job.kind) else {
            let reason = format!("no handler registered for job kind {:?}", job.kind);
            self.store
                .dead_letter(job.id, worker, &reason, true, now_millis())
                .await?;
            return Ok(Some(Outcome::DeadLettered { reason }));
        };
        let providers = handler.providers(&job);
        let now = Instant::now();
        if let Some(retry_at) = self.breakers.admit(&providers, now) {
            let wait = retry_at.saturating_duration_since(Instant::now());
            self.store
                .release(job.id, worker, now_millis() + millis(wait), now_millis())
                .await?;
            tracing::debug!(job = job.id, ?providers, "breaker open, job released");
            return Ok(Some(Outcome::Released));
        }

        let result = tokio::select! {
            result = tokio::time::timeout(self.config.lease, handler.run(&job)) => result.unwrap_or_else(|_| {
                Err(StepError::Transient {
                    provider: providers.first().cloned(),
                    reason: format!("handler ran past its {:?} lease", self.config.lease),
                    retry_after: None,
                })
            }),
            () = grace_expired(shutdown.clone(), self.config.shutdown_grace) => {
                self.store.release(job.id, worker, now_millis(), now_millis()).await?;
                tracing::info!(job = job.id, "shutdown: in-flight job released");
                return Ok(Some(Outcome::Released));
            }
        };

        let outcome = match result {
            Ok(()) => {
                for p in &providers {
                    self.breakers.success(p);
                }
                self.store.complete(job.id, worker, now_millis()).await?;
                Outcome::Done
            }
            Err(err) => {
                let reason = err.to_string();
                match err {
                    StepError::Permanent { .. } => {
                        self.store
                            .dead_letter(job.id, worker, &reason, true, now_millis())
                            .await?;
                        tracing::warn!(job = job.id, kind = %job.kind, %reason, "permanent failure, dead-lettered");
                        Outcome::DeadLettered { reason }
                    }
                    StepError::Transient {
                        provider: failed_at,
                        retry_after,
                        ..
                    } => {
                        if let Some(p) = failed_at.as_ref().or(providers.first())
                            && self.breakers.failure(p, Instant::now())
                        {
                            tracing::warn!(provider = %p, "circuit breaker opened");
                        }
                        if self.config.backoff.may_retry(job.attempts) {
                            let after = self.config.backoff.delay(
                                job.attempts,
                                retry_after,
                                &mut rand::rng(),
                            );
                            let run_at = now_millis() + millis(after);
                            self.store
                                .retry_later(job.id, worker, &reason, run_at, now_millis())
                                .await?;
                            Outcome::Retrying { after }
                        } else {
                            let reason =
                                format!("gave up after {} attempts: {reason}", job.attempts);
                            self.store
                                .dead_letter(job.id, worker, &reason, false, now_millis())
                                .await?;
                            tracing::warn!(job = job.id, kind = %job.kind, %reason, "retries exhausted, dead-lettered");
                            Outcome::DeadLettered { reason }
                        }
                    }
                }
            }
        };
        Ok(Some(outcome))
    }

    /// Runs `concurrency` job loops until `shutdown` turns true, then lets in-flight jobs finish
    /// within the grace period (releasing those that do not) and returns.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<(), FlowError> {
        let this = Arc::new(self);
        let mut loops = JoinSet::new();
        for _ in 0..this.config.concurrency {
            let this = Arc::clone(&this);
            let mut shutdown = shutdown.clone();
            loops.spawn(async move {
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
                            // A lost lease means another worker owns the job now; store errors are
                            // retried after a pause rather than ending the loop.
                            tracing::error!(error = %err, "worker loop error");
                            tokio::time::sleep(this.config.poll_interval).await;
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

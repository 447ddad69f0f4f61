use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use flows::{
    Backoff, BreakerConfig, Job, JobHandler, Outcome, SqliteStore, StepError, Store, Worker,
    WorkerConfig,
};
use mapping::MappingError;
use tokio::sync::watch;

use crate::job;

/// A handler that returns scripted results (then `Ok`), counting its calls.
#[derive(Clone, Default)]
struct Script {
    results: Arc<Mutex<VecDeque<Result<(), StepError>>>>,
    calls: Arc<AtomicUsize>,
    providers: Vec<String>,
    delay: Duration,
}

impl Script {
    fn new(results: Vec<Result<(), StepError>>) -> Self {
        Self {
            results: Arc::new(Mutex::new(results.into())),
            ..Self::default()
        }
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl JobHandler for Script {
    fn providers(&self, _job: &Job) -> Vec<String> {
        self.providers.clone()
    }
    async fn run(&self, _job: &Job) -> Result<(), StepError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.results.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
}

fn config() -> WorkerConfig {
    WorkerConfig::new("w1")
        .backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
            3,
        ))
        .poll_interval(Duration::from_millis(5))
}

fn no_shutdown() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    std::mem::forget(tx);
    rx
}

/// Runs jobs until the queue has nothing runnable for a moment.
async fn drain<S: Store>(worker: &Worker<S>) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut shutdown = no_shutdown();
    for _ in 0..100 {
        match worker.run_once(&mut shutdown).await.unwrap() {
            Some(outcome) => outcomes.push(outcome),
            None => tokio::time::sleep(Duration::from_millis(5)).await,
        }
        if outcomes
            .last()
            .is_some_and(|o| matches!(o, Outcome::Done | Outcome::DeadLettered { .. }))
        {
            break;
        }
    }
    outcomes
}

#[tokio::test]
async fn success_completes_the_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let script = Script::new(vec![]);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script.clone());
    assert_eq!(drain(&worker).await, [Outcome::Done]);
    assert_eq!(script.calls(), 1);
    assert_eq!(store.counts().await.unwrap().done, 1);
}

#[tokio::test]
async fn transient_failures_are_retried_then_succeed() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let script = Script::new(vec![Err(StepError::transient("paytrace", "HTTP 503"))]);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script.clone());
    let outcomes = drain(&worker).await;
    assert!(
        matches!(outcomes[0], Outcome::Retrying { .. }),
        "{outcomes:?}"
    );
    assert_eq!(outcomes.last(), Some(&Outcome::Done));
    assert_eq!(script.calls(), 2);
}

#[tokio::test]
async fn exhausted_retries_become_a_dead_letter() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let failures = (0..3)
        .map(|_| Err(StepError::transient("paytrace", "timeout")))
        .collect();
    let script = Script::new(failures);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script.clone());
    let outcomes = drain(&worker).await;
    assert_eq!(script.calls(), 3);
    let Some(Outcome::DeadLettered { reason }) = outcomes.last() else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        reason,
        "gave up after 3 attempts: transient failure at paytrace: timeout"
    );
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(!dead[0].permanent);
}

#[tokio::test]
async fn a_mapping_error_goes_to_dead_letters_at_once_naming_the_field() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let err = MappingError::UnknownCurrency {
        field: "order.currency".into(),
        value: "ZZZ".into(),
    };
    let script = Script::new(vec![Err(err.into())]);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script.clone());
    let outcomes = drain(&worker).await;
    assert_eq!(script.calls(), 1);
    assert!(
        matches!(&outcomes[..], [Outcome::DeadLettered { .. }]),
        "{outcomes:?}"
    );
    let dead = store.dead_letters(10).await.unwrap();
    assert!(dead[0].permanent);
    assert!(
        dead[0].reason.contains("order.currency"),
        "{}",
        dead[0].reason
    );

    // Replayed after a fix, it runs again (the script now succeeds).
    store
        .replay_dead_letter(dead[0].id, flows::now_millis())
        .await
        .unwrap();
    assert_eq!(drain(&worker).await, [Outcome::Done]);
}

#[tokio::test]
async fn a_job_without_handler_is_dead_lettered() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("mystery", "k1"), 0).await.unwrap();
    let worker = Worker::new(Arc::clone(&store), config());
    let outcomes = drain(&worker).await;
    assert_eq!(
        outcomes,
        [Outcome::DeadLettered {
            reason: "no handler registered for job kind \"mystery\"".into()
        }]
    );
}

#[tokio::test]
async fn retry_after_is_obeyed() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let throttled = StepError::Transient {
        provider: Some("shopify".into()),
        reason: "THROTTLED".into(),
        retry_after: Some(Duration::from_secs(2)),
    };
    let script = Script::new(vec![Err(throttled)]);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script);
    let outcome = worker.run_once(&mut no_shutdown()).await.unwrap();
    assert_eq!(
        outcome,
        Some(Outcome::Retrying {
            after: Duration::from_secs(2)
        })
    );
    assert!(
        worker.run_once(&mut no_shutdown()).await.unwrap().is_none(),
        "not runnable before Retry-After"
    );
}

#[tokio::test]
async fn an_open_breaker_holds_jobs_without_calling_the_provider() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    for i in 0..3 {
        store
            .enqueue(job("sale", &format!("k{i}")), 0)
            .await
            .unwrap();
    }
    let mut script = Script::new(vec![Err(StepError::transient(
        "paytrace",
        "connection refused",
    ))]);
    script.providers = vec!["paytrace".into()];
    let worker = Worker::new(
        Arc::clone(&store),
        config().breaker(BreakerConfig::new(1, Duration::from_secs(60))),
    )
    .handler("sale", script.clone());
    let mut shutdown = no_shutdown();
    assert!(matches!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Retrying { .. })
    ));
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Released)
    );
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Released)
    );
    // The first job's retry comes due within milliseconds, and is held back too.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Released)
    );
    assert!(
        worker.run_once(&mut shutdown).await.unwrap().is_none(),
        "released jobs wait for the breaker"
    );
    assert_eq!(script.calls(), 1, "no call while the breaker is open");
}

#[tokio::test]
async fn shutdown_releases_a_job_that_outlives_the_grace_period() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let mut slow = Script::new(vec![]);
    slow.delay = Duration::from_secs(30);
    let worker = Worker::new(
        Arc::clone(&store),
        config().shutdown_grace(Duration::from_millis(20)),
    )
    .handler("sale", slow);
    let (stop, mut shutdown) = watch::channel(false);
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        stop.send(true).unwrap();
        stop
    });
    let outcome = worker.run_once(&mut shutdown).await.unwrap();
    assert_eq!(outcome, Some(Outcome::Released));
    drop(stopper.await.unwrap());
    let again = store
        .claim("w2", flows::now_millis(), 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 1, "the interrupted run is not counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_processes_everything_once_and_stops_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("flows.sqlite")).unwrap());
    for i in 0..100 {
        store
            .enqueue(job("sale", &format!("k{i}")), 0)
            .await
            .unwrap();
    }
    let script = Script::new(vec![]);
    let worker =
        Worker::new(Arc::clone(&store), config().concurrency(4)).handler("sale", script.clone());
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(worker.run(shutdown));
    for _ in 0..500 {
        if store.counts().await.unwrap().done == 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(script.calls(), 100);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.done, counts.queued, counts.running, counts.dead),
        (100, 0, 0, 0)
    );
}

#[tokio::test]
async fn a_crashed_workers_job_is_picked_up_after_its_lease() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    // Worker A claims with a 1 ms lease and dies without reporting.
    store
        .claim("crashed", flows::now_millis(), 1)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let script = Script::new(vec![]);
    let worker = Worker::new(Arc::clone(&store), config()).handler("sale", script.clone());
    assert_eq!(drain(&worker).await, [Outcome::Done]);
    assert_eq!(script.calls(), 1);
}

#[tokio::test]
async fn a_job_waits_while_any_of_its_providers_breakers_is_open() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    for i in 0..2 {
        store
            .enqueue(job("sale", &format!("k{i}")), 0)
            .await
            .unwrap();
    }
    // The job calls PayTrace first, then Shopify; Shopify fails.
    let mut script = Script::new(vec![Err(StepError::transient("shopify", "HTTP 503"))]);
    script.providers = vec!["paytrace".into(), "shopify".into()];
    let worker = Worker::new(
        Arc::clone(&store),
        config().breaker(BreakerConfig::new(1, Duration::from_secs(60))),
    )
    .handler("sale", script.clone());
    let mut shutdown = no_shutdown();
    assert!(matches!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Retrying { .. })
    ));
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Released)
    );
    assert_eq!(
        script.calls(),
        1,
        "Shopify's open breaker holds the job back"
    );
}

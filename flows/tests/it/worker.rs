//! The worker: outcomes, retries, waits, breakers, deadlines inside the lease, fencing, crashes.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use flows::workflow::{Entity, EntityKey, Flow, JobKind, State, Step, StepCtx, job};
use flows::{
    Backoff, BreakerConfig, Cause, JobState, Outcome, SqliteStore, StepError, Store, Worker,
    WorkerConfig,
};
use mapping::{MappingError, System};
use tokio::sync::watch;

/// The systems a test flow declares.
trait Systems: Send + Sync + 'static {
    const SYSTEMS: &'static [System];
}

struct Paytrace;
impl Systems for Paytrace {
    const SYSTEMS: &'static [System] = &[System::Paytrace];
}

struct PaytraceThenShopify;
impl Systems for PaytraceThenShopify {
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Shopify];
}

type Results = VecDeque<Result<(), StepError>>;

/// A flow that returns scripted results (then `Ok`), counting its runs and how many overlap.
struct Script<S: Systems = Paytrace> {
    results: Mutex<Results>,
    runs: AtomicUsize,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
    delay: Duration,
    hold: Option<Duration>,
    systems: PhantomData<S>,
}

impl<S: Systems> Script<S> {
    fn new(results: Vec<Result<(), StepError>>) -> Arc<Self> {
        Self::slow(results, Duration::ZERO, None)
    }

    fn slow(
        results: Vec<Result<(), StepError>>,
        delay: Duration,
        hold: Option<Duration>,
    ) -> Arc<Self> {
        Arc::new(Self {
            results: Mutex::new(results.into()),
            runs: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
            delay,
            hold,
            systems: PhantomData,
        })
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

/// The key of test order `n`.
pub(crate) fn order(n: u64) -> EntityKey {
    EntityKey::new(System::Shopify, "test").child(Entity::Order, n)
}

#[async_trait]
impl<S: Systems> Flow for Script<S> {
    type Input = u64;
    const KIND: JobKind = JobKind::new("test.script");
    const SYSTEMS: &'static [System] = S::SYSTEMS;

    fn entity(&self, n: &u64) -> Result<EntityKey, StepError> {
        Ok(order(*n))
    }

    async fn run(&self, ctx: &StepCtx<'_>, _n: u64) -> Result<(), StepError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        struct Leave<'a>(&'a AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _leave = Leave(&self.running);
        if let Some(hold) = self.hold {
            ctx.hold_lease(hold).await?;
        }
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

/// Runs jobs until one ends done or dead (or nothing is runnable for a while).
async fn drain(worker: &Worker) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut shutdown = no_shutdown();
    for _ in 0..200 {
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

async fn enqueue<F: Flow<Input = u64>>(store: &SqliteStore, flow: &F, n: u64) {
    store.enqueue(job(flow, &n).unwrap(), 0).await.unwrap();
}

fn failure(system: System, reason: &str) -> StepError {
    StepError::transient(system, Cause::Workflow(reason.into()))
}

#[tokio::test]
async fn success_completes_the_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let script = Script::<Paytrace>::new(vec![]);
    enqueue(&store, &*script, 1).await;
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&script));
    assert_eq!(drain(&worker).await, [Outcome::Done]);
    assert_eq!(script.runs(), 1);
    assert_eq!(store.counts().await.unwrap().done, 1);
}

#[tokio::test]
async fn transient_failures_are_retried_then_succeed() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let script = Script::<Paytrace>::new(vec![Err(failure(System::Paytrace, "HTTP 503"))]);
    enqueue(&store, &*script, 1).await;
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&script));
    let outcomes = drain(&worker).await;
    assert!(
        matches!(outcomes[0], Outcome::Retrying { .. }),
        "{outcomes:?}"
    );
    assert_eq!(outcomes.last(), Some(&Outcome::Done));
    assert_eq!(script.runs(), 2);
    let info = store
        .job(&Script::<Paytrace>::KIND, order(1).as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.state, info.attempts), (JobState::Done, 1));
}

#[tokio::test]
async fn exhausted_retries_become_a_dead_letter() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let failures = (0..3)
        .map(|_| Err(failure(System::Paytrace, "timeout")))
        .collect();
    let script = Script::<Paytrace>::new(failures);
    enqueue(&store, &*script, 1).await;
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&script));
    let outcomes = drain(&worker).await;
    assert_eq!(script.runs(), 3);
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
    assert_eq!(dead[0].attempts, 3);
}

#[tokio::test]
async fn a_mapping_error_goes_to_dead_letters_at_once_naming_the_field() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let err = MappingError::UnknownCurrency {
        field: "order.currency".into(),
        value: "ZZZ".into(),
    };
    let script = Script::<Paytrace>::new(vec![Err(err.into())]);
    enqueue(&store, &*script, 1).await;
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&script));
    let outcomes = drain(&worker).await;
    assert_eq!(script.runs(), 1);
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
async fn a_job_of_an_unknown_kind_is_dead_lettered() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store.enqueue(crate::job("mystery", "k1"), 0).await.unwrap();
    let worker = Worker::new(Arc::clone(&store), config());
    assert_eq!(
        drain(&worker).await,
        [Outcome::DeadLettered {
            reason: "no flow registered for job kind mystery".into()
        }]
    );
}

#[tokio::test]
async fn an_input_that_does_not_fit_or_names_another_entity_is_dead_lettered() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let script = Script::<Paytrace>::new(vec![]);
    let mut wrong_input = job(&*script, &1).unwrap();
    wrong_input.payload = serde_json::json!("one");
    store.enqueue(wrong_input, 0).await.unwrap();
    let mut wrong_key = job(&*script, &2).unwrap();
    wrong_key.key = order(3).as_str().to_owned();
    store.enqueue(wrong_key, 0).await.unwrap();
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&script));
    let mut reasons = Vec::new();
    for _ in 0..2 {
        let Some(Outcome::DeadLettered { reason }) = drain(&worker).await.pop() else {
            panic!("not dead-lettered")
        };
        reasons.push(reason);
    }
    assert!(reasons[0].contains("input"), "{reasons:?}");
    assert!(
        reasons[1].contains("carries the input of shopify/test/order/2"),
        "{reasons:?}"
    );
    assert_eq!(script.runs(), 0);
}

#[tokio::test]
async fn retry_after_is_obeyed() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let throttled = StepError::Transient {
        system: Some(System::Shopify),
        retry_after: Some(Duration::from_secs(2)),
        source: Box::new(Cause::Workflow("THROTTLED".into())),
    };
    let script = Script::<Paytrace>::new(vec![Err(throttled)]);
    enqueue(&store, &*script, 1).await;
    let worker = Worker::new(Arc::clone(&store), config()).shared_flow(script);
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
async fn an_open_breaker_holds_jobs_without_calling_the_system() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let script =
        Script::<Paytrace>::new(vec![Err(failure(System::Paytrace, "connection refused"))]);
    for i in 0..3 {
        enqueue(&store, &*script, i).await;
    }
    let worker = Worker::new(
        Arc::clone(&store),
        config().breaker(BreakerConfig::new(1, Duration::from_secs(60))),
    )
    .shared_flow(Arc::clone(&script));
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
    assert_eq!(script.runs(), 1, "no call while the breaker is open");
    let info = store
        .job(&Script::<Paytrace>::KIND, order(1).as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.attempts, 0, "a release is not an attempt");
}

#[tokio::test]
async fn a_job_waits_while_any_of_its_systems_breakers_is_open() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    // The job calls PayTrace first, then Shopify; Shopify fails.
    let script =
        Script::<PaytraceThenShopify>::new(vec![Err(failure(System::Shopify, "HTTP 503"))]);
    for i in 0..2 {
        enqueue(&store, &*script, i).await;
    }
    let worker = Worker::new(
        Arc::clone(&store),
        config().breaker(BreakerConfig::new(1, Duration::from_secs(60))),
    )
    .shared_flow(Arc::clone(&script));
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
        script.runs(),
        1,
        "Shopify's open breaker holds the job back"
    );
}

#[tokio::test]
async fn shutdown_releases_a_job_that_outlives_the_grace_period() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let slow = Script::<Paytrace>::slow(vec![], Duration::from_secs(30), None);
    enqueue(&store, &*slow, 1).await;
    let worker = Worker::new(
        Arc::clone(&store),
        config().shutdown_grace(Duration::from_millis(20)),
    )
    .shared_flow(slow);
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
        .unwrap()
        .job;
    assert_eq!(
        (again.attempts, again.claims),
        (0, 1),
        "the interrupted run is not counted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_processes_everything_once_and_stops_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("flows.sqlite")).unwrap());
    let script = Script::<Paytrace>::new(vec![]);
    for i in 0..100 {
        enqueue(&store, &*script, i).await;
    }
    let worker =
        Worker::new(Arc::clone(&store), config().concurrency(4)).shared_flow(Arc::clone(&script));
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
    assert_eq!(script.runs(), 100);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.done, counts.queued, counts.running, counts.dead),
        (100, 0, 0, 0)
    );
}

/// Issue 13, defect 1: one worker, four loops, a 200 ms lease and a run of 1 s. Before, every
/// loop claimed under the worker's single id and a stale run's writes were fenced by that id, so
/// the job ran many times at once. Now a run stops at its deadline, inside its lease, and records
/// its outcome before any other run can claim the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_overruns_its_lease_is_stopped_inside_it_and_never_overlaps_another() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let slow = Script::<Paytrace>::slow(vec![], Duration::from_secs(1), None);
    enqueue(&store, &*slow, 1).await;
    let worker = Worker::new(
        Arc::clone(&store),
        config()
            .concurrency(4)
            .lease(Duration::from_millis(200))
            .backoff(Backoff::new(
                Duration::from_millis(1),
                Duration::from_millis(2),
                4,
            )),
    )
    .shared_flow(Arc::clone(&slow));
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(worker.run(shutdown));
    for _ in 0..300 {
        if store.counts().await.unwrap().dead == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(
        slow.most_at_once.load(Ordering::SeqCst),
        1,
        "two runs of one job at once"
    );
    assert_eq!(slow.runs(), 4, "one run per attempt");
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].reason.contains("deadline"), "{}", dead[0].reason);
    assert_eq!(dead[0].attempts, 4);
}

/// A long step renews the lease (the PayTrace sale does, for the client's timeout): it runs to
/// its end, once, however short the lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_holds_its_lease_runs_to_its_end_alone() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let long = Script::<Paytrace>::slow(
        vec![],
        Duration::from_millis(600),
        Some(Duration::from_secs(1)),
    );
    enqueue(&store, &*long, 1).await;
    let worker = Worker::new(
        Arc::clone(&store),
        config().concurrency(4).lease(Duration::from_millis(200)),
    )
    .shared_flow(Arc::clone(&long));
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(worker.run(shutdown));
    for _ in 0..300 {
        if store.counts().await.unwrap().done == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(long.runs(), 1);
    assert_eq!(long.most_at_once.load(Ordering::SeqCst), 1);
    assert_eq!(store.counts().await.unwrap().done, 1);
}

/// Issue 13, defect 5: a run whose process died (its claim expired without an outcome) is not a
/// failed attempt; a job that keeps ending its runs that way goes to dead letters, saying so.
#[tokio::test]
async fn crashed_runs_spend_no_attempt_and_a_job_that_keeps_crashing_is_dead_lettered() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let script = Script::<Paytrace>::new(vec![]);
    enqueue(&store, &*script, 1).await;
    enqueue(&store, &*script, 2).await;
    let worker =
        Worker::new(Arc::clone(&store), config().max_claims(3)).shared_flow(Arc::clone(&script));
    // Job 1: two runs die (their claims expire without an outcome), the third finishes.
    for _ in 0..2 {
        let claimed = store
            .claim("doomed", flows::now_millis(), 1)
            .await
            .unwrap()
            .unwrap()
            .job;
        assert_eq!(claimed.key, order(1).as_str());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    assert_eq!(drain(&worker).await, [Outcome::Done]);
    let info = store
        .job(&Script::<Paytrace>::KIND, order(1).as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.attempts, info.claims), (0, 0));
    // Job 2: three runs die; the fourth claim sends it to dead letters without running it.
    for _ in 0..3 {
        store
            .claim("doomed", flows::now_millis(), 1)
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let outcomes = drain(&worker).await;
    let Some(Outcome::DeadLettered { reason }) = outcomes.last() else {
        panic!("{outcomes:?}")
    };
    assert!(
        reason.starts_with("claimed 3 times without a run reaching its end"),
        "{reason}"
    );
    assert_eq!(script.runs(), 1);
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!((dead[0].attempts, dead[0].permanent), (0, true));
}

/// A flow that waits for "another flow" a few times, then goes on; it keeps a counter in typed
/// state and records one effect.
struct Waiter {
    waits: usize,
    calls: AtomicUsize,
}

const SEEN: State<u32> = State::new("seen");
const EFFECT: Step<u32> = Step::new("effect", System::Erp);

#[async_trait]
impl Flow for Waiter {
    type Input = u64;
    const KIND: JobKind = JobKind::new("test.waiter");
    const SYSTEMS: &'static [System] = &[System::Erp];

    fn entity(&self, n: &u64) -> Result<EntityKey, StepError> {
        Ok(order(*n))
    }

    async fn run(&self, ctx: &StepCtx<'_>, _n: u64) -> Result<(), StepError> {
        let seen = ctx.state(&SEEN)?.unwrap_or(0);
        ctx.set_state(&SEEN, &(seen + 1))?;
        if (seen as usize) < self.waits {
            return Err(ctx.wait_for("the other flow"));
        }
        let value = ctx
            .once(&EFFECT, || async {
                self.calls.fetch_add(1, Ordering::SeqCst);
                Ok(seen)
            })
            .await?;
        assert_eq!(value, seen);
        Ok(())
    }
}

/// Issue 13, defect 5: a planned wait is not a failure. Five waits with a budget of three
/// attempts still end done, with no attempt spent; the wait grows and is bounded.
#[tokio::test]
async fn planned_waits_spend_no_attempts_and_keep_typed_state() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let waiter = Arc::new(Waiter {
        waits: 5,
        calls: AtomicUsize::new(0),
    });
    store.enqueue(job(&*waiter, &1).unwrap(), 0).await.unwrap();
    let worker = Worker::new(
        Arc::clone(&store),
        config().waits(Duration::from_millis(10), Duration::from_millis(50)),
    )
    .shared_flow(Arc::clone(&waiter));
    let mut shutdown = no_shutdown();
    let mut waits = Vec::new();
    loop {
        match worker.run_once(&mut shutdown).await.unwrap() {
            Some(Outcome::Waiting { after }) => waits.push(after),
            Some(Outcome::Done) => break,
            Some(other) => panic!("{other:?}"),
            None => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    assert_eq!(
        waits,
        [10, 20, 40, 50, 50].map(Duration::from_millis),
        "waits double, up to the longest"
    );
    assert_eq!(waiter.calls.load(Ordering::SeqCst), 1);
    let key = order(1);
    let info = store
        .job(&Waiter::KIND, key.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.state, info.attempts, info.waiting_for),
        (JobState::Done, 0, None)
    );
    assert_eq!(
        store.state(&format!("{key}/seen")).await.unwrap(),
        Some(serde_json::json!(6))
    );
    assert_eq!(
        store
            .state(&format!("{key}/test.waiter/waiting"))
            .await
            .unwrap(),
        None,
        "the wait's record goes when the job stops waiting"
    );
    assert_eq!(
        store
            .effect(&format!("{key}/effect"))
            .await
            .unwrap()
            .unwrap()
            .detail,
        5
    );
}

#[tokio::test]
async fn a_wait_longer_than_allowed_goes_to_dead_letters_naming_what_it_waited_for() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let waiter = Arc::new(Waiter {
        waits: usize::MAX,
        calls: AtomicUsize::new(0),
    });
    store.enqueue(job(&*waiter, &1).unwrap(), 0).await.unwrap();
    let worker = Worker::new(
        Arc::clone(&store),
        config()
            .max_wait(Duration::from_millis(50))
            .waits(Duration::from_millis(10), Duration::from_millis(10)),
    )
    .shared_flow(Arc::clone(&waiter));
    let mut shutdown = no_shutdown();
    assert!(matches!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Waiting { .. })
    ));
    tokio::time::sleep(Duration::from_millis(60)).await;
    let Some(Outcome::DeadLettered { reason }) = worker.run_once(&mut shutdown).await.unwrap()
    else {
        panic!("not dead-lettered")
    };
    assert!(reason.contains("for the other flow"), "{reason}");
    assert_eq!(waiter.calls.load(Ordering::SeqCst), 0);
}

/// A run that lost its claim (its lease expired while it was stalled, and another run claimed
/// the job) records nothing: not its effects, not its outcome; and one that tries to save its
/// records then is stopped there, before its next step.
#[tokio::test]
async fn a_run_that_lost_its_claim_records_nothing() {
    struct Stalled {
        store: Arc<SqliteStore>,
        then_save: bool,
        after_save: AtomicUsize,
    }
    #[async_trait]
    impl Flow for Stalled {
        type Input = u64;
        const KIND: JobKind = JobKind::new("test.stalled");
        const SYSTEMS: &'static [System] = &[];
        fn entity(&self, n: &u64) -> Result<EntityKey, StepError> {
            Ok(order(*n))
        }
        async fn run(&self, ctx: &StepCtx<'_>, _n: u64) -> Result<(), StepError> {
            ctx.once(&EFFECT, || async { Ok(1) }).await?;
            // Stalled past the lease (as a paused process would be): another run claims the job.
            let lease = ctx.job().lease_until;
            let stolen = self.store.claim("w2", lease + 1, 60_000).await?;
            assert!(stolen.is_some(), "the job was not claimable");
            if self.then_save {
                ctx.save().await?;
                self.after_save.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        }
    }
    for then_save in [false, true] {
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let flow = Arc::new(Stalled {
            store: Arc::clone(&store),
            then_save,
            after_save: AtomicUsize::new(0),
        });
        store.enqueue(job(&*flow, &1).unwrap(), 0).await.unwrap();
        let worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&flow));
        assert_eq!(
            worker.run_once(&mut no_shutdown()).await.unwrap(),
            Some(Outcome::LeaseLost)
        );
        assert_eq!(flow.after_save.load(Ordering::SeqCst), 0);
        assert!(
            store
                .effect(&format!("{}/effect", order(1)))
                .await
                .unwrap()
                .is_none()
        );
        let info = store
            .job(&JobKind::new("test.stalled"), order(1).as_str())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.state, JobState::Running, "the other run holds it");
    }
}

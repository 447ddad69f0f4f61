//! Issue 15: a worker that loses its connection to PostgreSQL stops claiming, and its jobs go back
//! to the queue when their leases expire; another worker runs each of them once, and whatever
//! the first one writes late is refused.
//!
//! Worker A's store reaches the cluster through a small TCP proxy on loopback that the test
//! cuts, in one of two ways: a partition (bytes are held, as a network dropping packets holds
//! them in the sender's retransmissions, and go on when it heals) or a reset (every connection
//! closed, new ones refused). Worker B's store connects directly. A's runs block until the
//! worker stops them at their deadline, so A holds its jobs when the cut comes.
//!
//! A third cut, a partition that starts as A sends a `COMMIT`, leaves a transaction open on the
//! server with its locks: the server ends it after the store's bound on idle transactions.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use flows::store::StoredEvent;
use flows::store::{Checkpoint, EventSummary, JobSummary};
use flows::workflow::{EntityKey, Flow, JobKind, Step, StepCtx, job};
use flows::{
    Accepted, Claimed, Counts, DeadLetter, Effect, Finish, FlowError, FlowWrites, JobInfo, JobPlan,
    JobState, Lease, Millis, NewEvent, NewJob, PgStore, StepError, Store, Worker, WorkerConfig,
    now_millis,
};
use mapping::System;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use crate::store::pg_database;
use crate::worker::order;

/// Both workers' lease: short, so the test waits little for A's to expire.
const LEASE: Duration = Duration::from_secs(2);
/// Jobs A holds when the cut comes.
const HELD: u64 = 2;
/// Jobs added after the cut (A could claim them if it still could).
const ADDED: u64 = 4;
/// How long the test waits for anything before failing rather than hanging.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the proxy does with A's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Bytes go through.
    Up,
    /// Bytes wait, and new connections too, until the link is up again or reset.
    Partitioned,
    /// Every connection is closed and new ones are refused.
    Reset,
    /// Up until the client sends a `COMMIT`, which the partition that starts there holds back:
    /// the server is left with an open transaction and the locks it took.
    PartitionAtCommit,
}

/// A TCP proxy on loopback in front of the cluster.
struct Proxy {
    port: u16,
    link: Arc<watch::Sender<Link>>,
    accepting: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = SocketAddr::from((Ipv4Addr::LOCALHOST, upstream));
        let link = Arc::new(watch::Sender::new(Link::Up));
        let accepting = {
            let link = Arc::clone(&link);
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(relay(client, upstream, Arc::clone(&link)));
                }
            })
        };
        Self {
            port,
            link,
            accepting,
        }
    }

    /// `url` (of the cluster) through the proxy.
    fn url(&self, url: &str) -> String {
        let direct = format!("127.0.0.1:{}/", pg_testkit::shared().port());
        url.replace(&direct, &format!("127.0.0.1:{}/", self.port))
    }

    fn set(&self, link: Link) {
        self.link.send_replace(link);
    }

    fn link(&self) -> Link {
        *self.link.borrow()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Carries one connection of the proxy.
async fn relay(client: TcpStream, upstream: SocketAddr, link: Arc<watch::Sender<Link>>) {
    // A connection opened during a partition waits for the link as bytes do (its client gives up
    // at its own timeout); one opened while the link is reset is closed at once.
    if !past_partition(&mut link.subscribe()).await {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let ((from_client, to_client), (from_server, to_server)) =
        (client.into_split(), server.into_split());
    tokio::join!(
        pump(from_client, to_server, &link, true),
        pump(from_server, to_client, &link, false),
    );
}

/// Copies one direction of a connection: bytes read during a partition are held until it heals;
/// a reset ends the copy (both directions end, closing both sockets).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    link: &watch::Sender<Link>,
    from_client: bool,
) {
    let mut watching = link.subscribe();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buf) => read,
            _ = watching.wait_for(|l| *l == Link::Reset) => return,
        };
        let Ok(n @ 1..) = read else { return };
        // tokio-postgres commits with the simple query `COMMIT`.
        if from_client && buf[..n].windows(7).any(|w| w == b"COMMIT\0") {
            link.send_if_modified(|l| {
                let armed = *l == Link::PartitionAtCommit;
                if armed {
                    *l = Link::Partitioned;
                }
                armed
            });
        }
        if !past_partition(&mut watching).await || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Waits while the link is partitioned; whether it carries bytes then (not reset, the proxy not
/// gone).
async fn past_partition(link: &mut watch::Receiver<Link>) -> bool {
    let now = link.wait_for(|l| *l != Link::Partitioned).await.map(|l| *l);
    matches!(now, Ok(Link::Up | Link::PartitionAtCommit))
}

/// A claim or outcome a worker asked of its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Claim,
    Finish(Lease),
}

/// What the store answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Claimed { lease: Lease, until: Millis },
    NoJob,
    Done,
    LeaseLost,
    Unavailable,
    Failed(String),
}

impl Answer {
    fn of_err(err: &FlowError) -> Self {
        match err {
            FlowError::LeaseLost { .. } => Self::LeaseLost,
            err if err.is_storage_failure() => Self::Unavailable,
            err => Self::Failed(err.to_string()),
        }
    }
}

/// One call: what was asked, the worker's clock when it asked, and the answer once it came.
#[derive(Debug, Clone)]
struct Call {
    op: Op,
    now: Millis,
    answer: Option<Answer>,
}

/// A worker's store that notes every claim and outcome asked of it, with the answers.
struct Spy {
    store: PgStore,
    calls: Mutex<Vec<Call>>,
}

impl Spy {
    fn new(store: PgStore) -> Arc<Self> {
        Arc::new(Self {
            store,
            calls: Mutex::new(Vec::new()),
        })
    }

    fn log(&self) -> MutexGuard<'_, Vec<Call>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn calls(&self) -> Vec<Call> {
        self.log().clone()
    }

    fn asked(&self, op: Op, now: Millis) -> usize {
        let mut log = self.log();
        log.push(Call {
            op,
            now,
            answer: None,
        });
        log.len() - 1
    }

    fn answered(&self, call: usize, answer: Answer) {
        self.log()[call].answer = Some(answer);
    }

    /// The claims that got a job: `(lease, lease until, the claimer's clock)`.
    fn claimed(&self) -> Vec<(Lease, Millis, Millis)> {
        self.log()
            .iter()
            .filter_map(|call| match call.answer {
                Some(Answer::Claimed { lease, until }) => Some((lease, until, call.now)),
                _ => None,
            })
            .collect()
    }

    /// The outcomes asked, with their answers so far.
    fn finishes(&self) -> Vec<(Lease, Millis, Option<Answer>)> {
        self.log()
            .iter()
            .filter_map(|call| match call.op {
                Op::Finish(lease) => Some((lease, call.now, call.answer.clone())),
                Op::Claim => None,
            })
            .collect()
    }
}

#[async_trait]
impl Store for Spy {
    async fn accept_event(
        &self,
        event: NewEvent,
        plan: Option<JobPlan>,
        now: Millis,
    ) -> Result<Accepted, FlowError> {
        self.store.accept_event(event, plan, now).await
    }

    async fn event(
        &self,
        provider: System,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, FlowError> {
        self.store.event(provider, event_id).await
    }

    async fn enqueue(&self, job: NewJob, now: Millis) -> Result<i64, FlowError> {
        self.store.enqueue(job, now).await
    }

    async fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, FlowError> {
        let call = self.asked(Op::Claim, now);
        let claimed = self.store.claim(worker, now, lease_ms).await;
        let answer = match &claimed {
            Ok(Some(claimed)) => Answer::Claimed {
                lease: claimed.job.lease,
                until: claimed.job.lease_until,
            },
            Ok(None) => Answer::NoJob,
            Err(err) => Answer::of_err(err),
        };
        self.answered(call, answer);
        claimed
    }

    async fn worker_started(&self, now: Millis) -> Result<(), FlowError> {
        self.store.worker_started(now).await
    }

    async fn renew(&self, lease: Lease, until: Millis, now: Millis) -> Result<(), FlowError> {
        self.store.renew(lease, until, now).await
    }

    async fn save(&self, lease: Lease, writes: &FlowWrites, now: Millis) -> Result<(), FlowError> {
        self.store.save(lease, writes, now).await
    }

    async fn finish(
        &self,
        lease: Lease,
        finish: Finish,
        writes: FlowWrites,
        now: Millis,
    ) -> Result<(), FlowError> {
        let call = self.asked(Op::Finish(lease), now);
        let finished = self.store.finish(lease, finish, writes, now).await;
        let answer = match &finished {
            Ok(()) => Answer::Done,
            Err(err) => Answer::of_err(err),
        };
        self.answered(call, answer);
        finished
    }

    async fn job(&self, kind: &JobKind, key: &str) -> Result<Option<JobInfo>, FlowError> {
        self.store.job(kind, key).await
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, FlowError> {
        self.store.dead_letters(limit).await
    }

    async fn replay_dead_letter(&self, id: i64, now: Millis) -> Result<i64, FlowError> {
        self.store.replay_dead_letter(id, now).await
    }

    async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>, FlowError> {
        self.store.dead_letter(id).await
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, FlowError> {
        self.store.checkpoints().await
    }

    async fn effects_ending(&self, suffix: &str, limit: u32) -> Result<Vec<Effect>, FlowError> {
        self.store.effects_ending(suffix, limit).await
    }

    async fn recent_events(&self, limit: u32) -> Result<Vec<EventSummary>, FlowError> {
        self.store.recent_events(limit).await
    }

    async fn recent_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<JobSummary>, FlowError> {
        self.store.recent_jobs(state, limit).await
    }

    async fn checkpoint(&self, name: &str) -> Result<Option<String>, FlowError> {
        self.store.checkpoint(name).await
    }

    async fn set_checkpoint(&self, name: &str, value: &str, now: Millis) -> Result<(), FlowError> {
        self.store.set_checkpoint(name, value, now).await
    }

    async fn effect(&self, key: &str) -> Result<Option<Effect>, FlowError> {
        self.store.effect(key).await
    }

    async fn effects_under(&self, prefix: &str) -> Result<Vec<Effect>, FlowError> {
        self.store.effects_under(prefix).await
    }

    async fn effects_after(&self, after: i64, limit: u32) -> Result<Vec<Effect>, FlowError> {
        self.store.effects_after(after, limit).await
    }

    async fn state(&self, key: &str) -> Result<Option<serde_json::Value>, FlowError> {
        self.store.state(key).await
    }

    async fn counts(&self) -> Result<Counts, FlowError> {
        self.store.counts().await
    }

    async fn ready(&self) -> Result<(), FlowError> {
        self.store.ready().await
    }

    fn healthy(&self) -> bool {
        self.store.healthy()
    }

    async fn wait_for_jobs(&self, timeout: Duration) {
        self.store.wait_for_jobs(timeout).await;
    }
}

/// The step every run performs first, recording which worker ran it.
const RAN: Step<String> = Step::new("ran", System::Erp);

/// Completed runs per job key.
type Completed = Arc<Mutex<HashMap<String, usize>>>;

/// The test's flow: it tells `started` of each run, performs [`RAN`], then passes its gate
/// (worker A's stays closed unless the test opens it: the worker stops the run at its deadline;
/// worker B's is open) and completes.
struct Gated {
    worker: &'static str,
    gate: Arc<Semaphore>,
    started: mpsc::UnboundedSender<i64>,
    completed: Completed,
}

#[async_trait]
impl Flow for Gated {
    type Input = u64;
    const KIND: JobKind = JobKind::new("test.gated");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, n: &u64) -> Result<EntityKey, StepError> {
        Ok(order(*n))
    }

    async fn run(&self, ctx: &StepCtx<'_>, _n: u64) -> Result<(), StepError> {
        let _ = self.started.send(ctx.job().id);
        ctx.once(&RAN, || async { Ok(self.worker.to_owned()) })
            .await?;
        drop(self.gate.acquire().await.unwrap());
        *self
            .completed
            .lock()
            .unwrap()
            .entry(ctx.job().key.clone())
            .or_default() += 1;
        Ok(())
    }
}

/// A fresh database, with two stores on it: A's through the proxy, B's direct.
struct Scene {
    url: String,
    proxy: Proxy,
    a: Arc<Spy>,
    b: Arc<Spy>,
    completed: Completed,
    started: mpsc::UnboundedReceiver<i64>,
    /// Opens the gate of A's runs.
    gate: Arc<Semaphore>,
    stop: watch::Sender<bool>,
}

impl Scene {
    /// The scene, and the flows of workers A (gate closed) and B (gate open).
    async fn new() -> (Self, Gated, Gated) {
        let url = pg_database().await;
        let proxy = Proxy::start(pg_testkit::shared().port()).await;
        let b = Spy::new(PgStore::connect(&url).await.unwrap());
        let a = Spy::new(PgStore::connect(&proxy.url(&url)).await.unwrap());
        let (tell, started) = mpsc::unbounded_channel();
        let completed = Completed::default();
        let flow = |worker, open| Gated {
            worker,
            gate: Arc::new(Semaphore::new(open)),
            started: tell.clone(),
            completed: Arc::clone(&completed),
        };
        let (blocking, completing) = (flow("a", 0), flow("b", Semaphore::MAX_PERMITS));
        let scene = Self {
            url,
            proxy,
            a,
            b,
            completed,
            started,
            gate: Arc::clone(&blocking.gate),
            stop: watch::Sender::new(false),
        };
        (scene, blocking, completing)
    }

    /// Enqueues the jobs of orders `numbers` (through B's store).
    async fn enqueue(&self, numbers: Range<u64>, flow: &Gated) {
        for n in numbers {
            self.b.enqueue(job(flow, &n).unwrap(), 0).await.unwrap();
        }
    }

    /// Runs a worker on `store` with `flow` until the scene stops.
    fn run(
        &self,
        store: &Arc<Spy>,
        id: &str,
        concurrency: usize,
        flow: Gated,
    ) -> JoinHandle<Result<(), FlowError>> {
        let config = WorkerConfig::new(id)
            .concurrency(concurrency)
            .lease(LEASE)
            .poll_interval(Duration::from_millis(20));
        let worker = Worker::new(Arc::clone(store), config).flow(flow);
        tokio::spawn(worker.run(self.stop.subscribe()))
    }

    /// Waits for `count` more runs to start.
    async fn runs_started(&mut self, count: u64) {
        for _ in 0..count {
            tokio::time::timeout(PATIENCE, self.started.recv())
                .await
                .expect("the runs did not start")
                .unwrap();
        }
    }

    /// Asks the workers to stop and waits for them.
    async fn stop(&self, workers: impl IntoIterator<Item = JoinHandle<Result<(), FlowError>>>) {
        self.stop.send_replace(true);
        for worker in workers {
            tokio::time::timeout(PATIENCE, worker)
                .await
                .expect("a worker did not stop")
                .unwrap()
                .unwrap();
        }
    }
}

/// `sql`'s output on `url`, through `psql` (unaligned, no headers).
async fn psql(url: &str, sql: &str) -> String {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    tokio::task::spawn_blocking(move || pg_testkit::shared().psql(&url, &sql).unwrap())
        .await
        .unwrap()
}

/// Waits (at most [`PATIENCE`]) until `done` holds, looking every 20 ms.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {PATIENCE:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_worker_cut_off_from_the_database(cut: Link) {
    let (mut scene, blocking, completing) = Scene::new().await;
    let (a, b, url) = (
        Arc::clone(&scene.a),
        Arc::clone(&scene.b),
        scene.url.clone(),
    );
    scene.enqueue(0..HELD, &completing).await;
    // One loop more than A has jobs: an idle loop keeps claiming.
    let loops = usize::try_from(HELD).unwrap() + 1;
    let worker_a = scene.run(&a, "a", loops, blocking);
    scene.runs_started(HELD).await;

    let cut_at = now_millis();
    scene.proxy.set(cut);
    // A holds its jobs at the cut: running under its name, their runs not ended.
    let owners = psql(
        &url,
        "SELECT COALESCE(string_agg(lease_owner, ','), '') FROM jobs WHERE state = 'running'",
    )
    .await;
    assert_eq!(owners.trim(), "a,a", "A does not hold its jobs at the cut");
    assert!(
        a.finishes().iter().all(|(_, at, _)| *at >= cut_at),
        "the cut came after A's runs ended (is the machine overloaded?)"
    );
    let held = a.claimed();
    assert_eq!(held.len(), usize::try_from(HELD).unwrap());
    let expiry: HashMap<i64, Millis> = held
        .iter()
        .map(|(lease, until, _)| (lease.job, *until))
        .collect();

    scene.enqueue(HELD..HELD + ADDED, &completing).await;
    let worker_b = scene.run(&b, "b", 2, completing);
    until("B to run every job", async || {
        b.counts().await.unwrap().done == HELD + ADDED
    })
    .await;
    // A's runs reached their deadline during the cut and asked to record their outcome.
    until("A to end its runs", async || {
        a.finishes().len() >= held.len()
    })
    .await;

    // While cut off, A claimed nothing, though jobs were there to claim.
    assert_eq!(a.claimed(), held, "A claimed a job after the cut");
    // B took A's jobs only once their leases had expired, though it looked before.
    let taken: Vec<_> = b
        .claimed()
        .into_iter()
        .filter(|(lease, _, _)| expiry.contains_key(&lease.job))
        .collect();
    assert_eq!(taken.len(), held.len(), "B did not take over A's jobs");
    for (lease, _, at) in &taken {
        assert!(
            at > &expiry[&lease.job],
            "B claimed job {} before A's lease expired",
            lease.job
        );
    }
    let first_expiry = expiry.values().min().unwrap();
    assert!(
        b.calls()
            .iter()
            .any(|call| call.op == Op::Claim && call.now < *first_expiry),
        "B never looked for jobs while A's leases held"
    );

    match cut {
        Link::Partitioned => {
            // Nothing A sent got through: its outcomes are still on their way.
            assert!(
                a.finishes().iter().all(|(_, _, answer)| answer.is_none()),
                "{:?}",
                a.finishes()
            );
        }
        Link::Reset => {
            // A's claims fail, and its store says so.
            let failed = a
                .calls()
                .iter()
                .filter(|call| call.op == Op::Claim && call.now >= cut_at && call.answer.is_some())
                .map(|call| call.answer.clone().unwrap())
                .collect::<Vec<_>>();
            assert!(!failed.is_empty(), "A did not try to claim after the cut");
            assert!(
                failed.iter().all(|answer| *answer == Answer::Unavailable),
                "{failed:?}"
            );
            // Its loops back off while the store fails: over the cut (longer than a lease, at
            // least a hundred poll intervals) a loop that kept to the poll interval would try
            // a hundred times, one backing off from it about eight.
            assert!(
                failed.len() <= 16 * loops,
                "A's {loops} loops tried to claim {} times during the cut",
                failed.len()
            );
            assert!(!a.healthy(), "A's store is healthy with no connection");
            assert!(
                a.finishes()
                    .iter()
                    .all(|(_, _, answer)| *answer == Some(Answer::Unavailable)),
                "{:?}",
                a.finishes()
            );
        }
        Link::Up | Link::PartitionAtCommit => unreachable!("not a cut"),
    }

    let healed_at = now_millis();
    scene.proxy.set(Link::Up);
    if cut == Link::Partitioned {
        // A's late outcomes reach the database, which refuses them.
        until("A's late outcomes to be answered", async || {
            a.finishes().iter().all(|(_, _, answer)| answer.is_some())
        })
        .await;
        assert!(
            a.finishes()
                .iter()
                .all(|(_, _, answer)| *answer == Some(Answer::LeaseLost)),
            "{:?}",
            a.finishes()
        );
    }
    // A is back, and finds nothing left to claim.
    until("A to claim again", async || {
        a.calls().iter().any(|call| {
            call.op == Op::Claim && call.now >= healed_at && call.answer == Some(Answer::NoJob)
        })
    })
    .await;
    assert!(a.healthy());
    assert_eq!(a.claimed(), held, "A claimed a job after the cut");

    scene.stop([worker_a, worker_b]).await;

    // Every job ran to its end once, on B, and A's late run changed nothing: no attempt spent,
    // no error, its step's record never written.
    let counts = b.counts().await.unwrap();
    assert_eq!(
        (
            counts.done,
            counts.queued,
            counts.running,
            counts.dead,
            counts.effects
        ),
        (HELD + ADDED, 0, 0, 0, HELD + ADDED)
    );
    for n in 0..HELD + ADDED {
        let key = order(n);
        let info = b.job(&Gated::KIND, key.as_str()).await.unwrap().unwrap();
        assert_eq!(
            (info.state, info.attempts, info.last_error),
            (JobState::Done, 0, None),
            "{key}"
        );
        let ran = b.effect(&format!("{key}/ran")).await.unwrap().unwrap();
        assert_eq!(ran.detail, "b", "{key}");
        assert_eq!(
            scene.completed.lock().unwrap().get(key.as_str()),
            Some(&1),
            "{key}"
        );
    }
    // Each claim took a new token: the tokens in the database are the claims the two workers
    // saw, A's two and B's six.
    let tokens = psql(&url, "SELECT SUM(lease_token) FROM jobs").await;
    assert_eq!(tokens.trim(), (held.len() + b.claimed().len()).to_string());
    assert_eq!(b.claimed().len(), usize::try_from(HELD + ADDED).unwrap());
}

/// The network between A and the database drops everything for a while (a partition), then
/// heals: A's outcome, held up meanwhile, arrives after B took the job over and is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_worker_claims_nothing_and_its_late_writes_are_refused() {
    a_worker_cut_off_from_the_database(Link::Partitioned).await;
}

/// A's connections are closed and new ones refused: its claims fail at once, its store turns
/// unhealthy, and it claims again once the database can be reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_connections_are_reset_claims_nothing_until_it_reconnects() {
    a_worker_cut_off_from_the_database(Link::Reset).await;
}

/// A's network fails after a transaction began and before its `COMMIT` arrives (a machine that
/// dies, a partition that does not heal). Unbounded, the server would keep that transaction open
/// with its locks until its TCP keepalive noticed the dead connection, about two hours later:
/// A's job would never go back to the queue (claims skip locked rows) and the effect log would
/// stop at that transaction for every reader. The store's sessions end a transaction idle for
/// 10 s (`idle_in_transaction_session_timeout`), so B takes the job over and the log goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_cut_before_its_commit_holds_nothing_for_long() {
    let (mut scene, blocking, completing) = Scene::new().await;
    let (a, b) = (Arc::clone(&scene.a), Arc::clone(&scene.b));
    scene.enqueue(0..1, &completing).await;
    let worker_a = scene.run(&a, "a", 1, blocking);
    scene.runs_started(1).await;
    // A's run ends, and the network fails as its outcome (with the run's record) commits.
    scene.proxy.set(Link::PartitionAtCommit);
    scene.gate.add_permits(1);
    until("A to commit its outcome", async || {
        scene.proxy.link() == Link::Partitioned
    })
    .await;
    scene.enqueue(1..1 + ADDED, &completing).await;
    let worker_b = scene.run(&b, "b", 2, completing);
    until("B to run every job, A's too", async || {
        b.counts().await.unwrap().done == 1 + ADDED
    })
    .await;
    assert_eq!(b.counts().await.unwrap().effects, 1 + ADDED);
    scene.proxy.set(Link::Up);
    scene.stop([worker_a, worker_b]).await;
}

//! The PostgreSQL store makes the claims and records the outcomes that a busy process asks for
//! at once in batches: each call keeps its own answer, its own fence and its own failure.
//!
//! A batch forms while the one before it runs: each test holds up a first call (on a row lock
//! of another client, or on the pool's only connection) while the calls of the batch queue
//! behind it.

use std::collections::HashMap;
use std::time::Duration;

use flows::workflow::JobKind;
use flows::{Finish, FlowError, FlowWrites, JobState, Lease, PgStore, Store};
use serde_json::json;

use crate::job;
use crate::store::{effect, pg_database, writes};

/// Another client's transaction holding the row of the job keyed `key`.
async fn hold_row(url: &str, key: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM jobs WHERE key = '{key}' FOR UPDATE"
        ))
        .await
        .unwrap();
    client
}

/// Enqueues a `sale` job for each key and claims them, in order, each for its lease (in
/// milliseconds); their claims by key.
async fn claimed(store: &PgStore, leases: &[(&str, i64)]) -> HashMap<String, Lease> {
    for (key, _) in leases {
        store.enqueue(job("sale", key), 0).await.unwrap();
    }
    let mut claims = HashMap::new();
    for (_, lease) in leases {
        let job = store.claim("w", 0, *lease).await.unwrap().unwrap().job;
        claims.insert(job.key.clone(), job.lease);
    }
    claims
}

/// Lets spawned calls reach the store and queue.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_recorded_together_are_each_fenced_by_their_own_claim() {
    let url = pg_database().await;
    let store = PgStore::connect(&url).await.unwrap();
    let keys = ["a", "b", "c", "d", "e", "f"];
    let leases = claimed(&store, &keys.map(|key| (key, 60_000))).await;
    // The runs of `c` and `f` ended already: their claims are gone when their stale calls come
    // in the batch.
    for key in ["c", "f"] {
        store
            .finish(leases[key], Finish::Done, FlowWrites::default(), 1)
            .await
            .unwrap();
    }
    let holder = hold_row(&url, "a").await;
    let first = tokio::spawn({
        let store = store.clone();
        let lease = leases["a"];
        async move {
            store
                .finish(lease, Finish::Done, FlowWrites::default(), 2)
                .await
        }
    });
    settle().await;
    let ends = [
        ("b", Finish::Done, writes(vec![effect("b/sale", json!(1))])),
        ("c", Finish::Done, writes(vec![effect("c/sale", json!(2))])),
        (
            "d",
            Finish::Dead {
                reason: "card refused".into(),
                permanent: true,
                failed: true,
            },
            writes(vec![effect("d/sale", json!(3))]),
        ),
    ];
    let batch: Vec<_> = ends
        .into_iter()
        .map(|(key, finish, records)| {
            let store = store.clone();
            let lease = leases[key];
            tokio::spawn(async move { store.finish(lease, finish, records, 3).await })
        })
        .collect();
    // Records saved mid-run, by a run that holds its claim and by one that does not.
    let saves: Vec<_> = [("e", "e/sale"), ("f", "f/sale")]
        .into_iter()
        .map(|(key, record)| {
            let store = store.clone();
            let lease = leases[key];
            let records = writes(vec![effect(record, json!(4))]);
            tokio::spawn(async move { store.save(lease, &records, 3).await })
        })
        .collect();
    settle().await;
    holder.batch_execute("ROLLBACK").await.unwrap();

    first.await.unwrap().unwrap();
    let mut saved = Vec::new();
    for call in saves {
        saved.push(call.await.unwrap());
    }
    assert!(saved[0].is_ok(), "{:?}", saved[0]);
    assert!(
        matches!(saved[1], Err(FlowError::LeaseLost { job, .. }) if job == leases["f"].job),
        "{:?}",
        saved[1]
    );
    let mut answers = Vec::new();
    for call in batch {
        answers.push(call.await.unwrap());
    }
    assert!(answers[0].is_ok(), "{:?}", answers[0]);
    assert!(
        matches!(answers[1], Err(FlowError::LeaseLost { job, .. }) if job == leases["c"].job),
        "{:?}",
        answers[1]
    );
    assert!(answers[2].is_ok(), "{:?}", answers[2]);

    let kind = JobKind::new("sale");
    let state = |key: &'static str| {
        let (store, kind) = (store.clone(), kind.clone());
        async move { store.job(&kind, key).await.unwrap().unwrap() }
    };
    assert_eq!(state("b").await.state, JobState::Done);
    assert!(store.effect("b/sale").await.unwrap().is_some());
    // The stale end wrote nothing, and changed nothing of its job.
    assert!(store.effect("c/sale").await.unwrap().is_none());
    assert_eq!(state("c").await.state, JobState::Done);
    let d = state("d").await;
    assert_eq!((d.state, d.attempts), (JobState::Dead, 1));
    assert!(store.effect("d/sale").await.unwrap().is_some());
    // A save leaves its job with its run.
    assert_eq!(state("e").await.state, JobState::Running);
    assert!(store.effect("e/sale").await.unwrap().is_some());
    assert!(store.effect("f/sale").await.unwrap().is_none());
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].key.as_str(),
            dead[0].reason.as_str(),
            dead[0].attempts
        ),
        ("d", "card refused", 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_server_refuses_fails_its_own_outcome_and_not_its_batchs() {
    let url = pg_database().await;
    let store = PgStore::connect(&url).await.unwrap();
    let leases = claimed(&store, &[("a", 60_000), ("b", 60_000), ("c", 60_000)]).await;
    let holder = hold_row(&url, "a").await;
    let first = tokio::spawn({
        let store = store.clone();
        let lease = leases["a"];
        async move {
            store
                .finish(lease, Finish::Done, FlowWrites::default(), 1)
                .await
        }
    });
    settle().await;
    // PostgreSQL refuses a NUL character in text: `b`'s records fail the batch's transaction.
    let refused = tokio::spawn({
        let (store, lease) = (store.clone(), leases["b"]);
        let records = writes(vec![effect("b/sale\u{0}", json!(1))]);
        async move { store.finish(lease, Finish::Done, records, 2).await }
    });
    let kept = tokio::spawn({
        let (store, lease) = (store.clone(), leases["c"]);
        let records = writes(vec![effect("c/sale", json!(2))]);
        async move { store.finish(lease, Finish::Done, records, 2).await }
    });
    settle().await;
    holder.batch_execute("ROLLBACK").await.unwrap();

    first.await.unwrap().unwrap();
    let refused = refused.await.unwrap().unwrap_err();
    assert!(matches!(refused, FlowError::Postgres(_)), "{refused:?}");
    kept.await.unwrap().unwrap();
    let kind = JobKind::new("sale");
    let b = store.job(&kind, "b").await.unwrap().unwrap();
    assert_eq!(
        b.state,
        JobState::Running,
        "the refused outcome left its job to its run"
    );
    let c = store.job(&kind, "c").await.unwrap().unwrap();
    assert_eq!(c.state, JobState::Done);
    assert!(store.effect("c/sale").await.unwrap().is_some());
    // The refused run can still end (its claim holds).
    store
        .finish(
            leases["b"],
            Finish::Done,
            writes(vec![effect("b/sale", json!(1))]),
            3,
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_asked_together_take_different_jobs_and_the_surplus_finds_none() {
    let url = pg_database().await;
    // One connection: a save waiting on a lock holds it, and the claims queue behind it.
    let store = PgStore::connect_with(&url, 1).await.unwrap();
    store.enqueue(job("hold", "z"), 0).await.unwrap();
    let held = store.claim("w", 0, 60_000).await.unwrap().unwrap().job;
    let mut early = job("sale", "j0");
    early.run_at = 1;
    let mut late = job("sale", "j1");
    late.run_at = 2;
    store.enqueue(early, 0).await.unwrap();
    store.enqueue(late, 0).await.unwrap();

    let holder = hold_row(&url, "z").await;
    let save = tokio::spawn({
        let store = store.clone();
        async move {
            let records = writes(vec![effect("z/sale", json!(1))]);
            store.save(held.lease, &records, 1).await
        }
    });
    settle().await;
    let mut claims = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        claims.push(tokio::spawn(
            async move { store.claim("w", 10, 60_000).await },
        ));
        // In this order.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    settle().await;
    holder.batch_execute("ROLLBACK").await.unwrap();
    save.await.unwrap().unwrap();

    let mut claimed = Vec::new();
    for claim in claims {
        claimed.push(claim.await.unwrap().unwrap().map(|c| c.job.key));
    }
    assert_eq!(
        claimed,
        [Some("j0".to_owned()), Some("j1".to_owned()), None, None],
        "the first call claims alone, the three behind it together, the earliest job first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_enqueued_together_each_get_their_own_id() {
    let url = pg_database().await;
    let store = PgStore::connect(&url).await.unwrap();
    let before = store.enqueue(job("sale", "before"), 0).await.unwrap();
    // Another client adds `x` and keeps its transaction open: the enqueue of `x` waits for it.
    let (holder, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    holder
        .batch_execute(
            "BEGIN; INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at)
             VALUES ('sale', 'x', '{}', 'queued', 0, 0, 0)",
        )
        .await
        .unwrap();
    let first = tokio::spawn({
        let store = store.clone();
        async move { store.enqueue(job("sale", "x"), 1).await }
    });
    settle().await;
    let mut rerun = job("sale", "before");
    rerun.rerun = true;
    let batch: Vec<_> = [
        job("sale", "y"),
        job("sale", "y"),
        job("sale", "before"),
        rerun,
        job("sale", "z"),
    ]
    .into_iter()
    .map(|new| {
        let store = store.clone();
        tokio::spawn(async move { store.enqueue(new, 2).await })
    })
    .collect();
    settle().await;
    holder.batch_execute("COMMIT").await.unwrap();

    let x = first.await.unwrap().unwrap();
    let mut ids = Vec::new();
    for call in batch {
        ids.push(call.await.unwrap().unwrap());
    }
    let kind = JobKind::new("sale");
    let id = |key: &'static str| {
        let (store, kind) = (store.clone(), kind.clone());
        async move { store.job(&kind, key).await.unwrap().unwrap().id }
    };
    assert_eq!(x, id("x").await, "the job the other client added");
    assert_eq!(ids[0], id("y").await);
    assert_eq!(
        ids[1], ids[0],
        "one job for one kind and key, even twice in a batch"
    );
    assert_eq!((ids[2], ids[3]), (before, before));
    assert_eq!(ids[4], id("z").await);
    assert_eq!(store.counts().await.unwrap().queued, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewals_made_together_extend_only_the_claims_that_hold() {
    let url = pg_database().await;
    let store = PgStore::connect(&url).await.unwrap();
    // `a` and `b` for a minute, `c` (claimed last) for a second.
    let leases = claimed(&store, &[("a", 60_000), ("b", 60_000), ("c", 1_000)]).await;
    // `c` was claimed again by another run after its lease expired: its first claim is gone.
    let again = store.claim("w", 5_000, 200_000).await.unwrap().unwrap().job;
    assert_eq!(again.key, "c");
    let holder = hold_row(&url, "a").await;
    let first = tokio::spawn({
        let (store, lease) = (store.clone(), leases["a"]);
        async move { store.renew(lease, 120_000, 1).await }
    });
    settle().await;
    let batch: Vec<_> = ["b", "c"]
        .into_iter()
        .map(|key| {
            let (store, lease) = (store.clone(), leases[key]);
            tokio::spawn(async move { store.renew(lease, 120_000, 2).await })
        })
        .collect();
    settle().await;
    holder.batch_execute("ROLLBACK").await.unwrap();

    first.await.unwrap().unwrap();
    let mut answers = Vec::new();
    for call in batch {
        answers.push(call.await.unwrap());
    }
    assert!(answers[0].is_ok(), "{:?}", answers[0]);
    assert!(
        matches!(answers[1], Err(FlowError::LeaseLost { job, token }) if job == leases["c"].job && token == leases["c"].token),
        "{:?}",
        answers[1]
    );
    // The extended claims hold past their first end (and the new claim of `c` its own).
    let claimed = store.claim("w", 100_000, 1_000).await;
    assert!(matches!(claimed, Ok(None)), "{claimed:?}");
}

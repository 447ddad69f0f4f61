//! The store's conformance suite: inbox, jobs and their claims, fencing, dead letters, records.
//! Every test body here runs on SQLite (`store::sqlite::*`) and on PostgreSQL
//! (`store::postgres::*`, a fresh database of the shared `pg_testkit` cluster each); tests of
//! the SQLite file (`store::sqlite_file::*`) and of several processes sharing one PostgreSQL
//! database (`store::postgres_shared::*`) follow.

use std::collections::HashSet;
use std::sync::Arc;

#[cfg(feature = "postgres")]
use flows::PgStore;
use flows::workflow::{EventRef, JobKind};
use flows::{
    Accepted, Finish, FlowError, FlowWrites, JobPlan, JobState, Millis, NewEffect, NewEvent,
    SqliteStore, Store,
};
use mapping::System;
use serde_json::json;

use crate::job;

fn event(id: &str) -> NewEvent {
    NewEvent {
        provider: System::Shopify,
        event_id: id.into(),
        topic: "orders/create".into(),
        payload: br#"{"id":1}"#.to_vec(),
    }
}

pub(crate) fn effect(key: &str, detail: serde_json::Value) -> NewEffect {
    NewEffect {
        key: key.to_owned(),
        system: System::Paytrace,
        detail: raw(detail),
    }
}

fn raw(value: serde_json::Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(&value).unwrap()
}

/// Records as `(key, JSON value)`, to compare.
fn values(
    records: &[(String, Box<serde_json::value::RawValue>)],
) -> Vec<(String, serde_json::Value)> {
    records
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::from_str(v.get()).unwrap()))
        .collect()
}

pub(crate) fn writes(effects: Vec<NewEffect>) -> FlowWrites {
    FlowWrites {
        effects,
        ..FlowWrites::default()
    }
}

async fn a_webhook_is_stored_once_with_its_job(store: Arc<dyn Store>) {
    let first = store
        .accept_event(
            event("wh-1"),
            Some(JobPlan::Run(job("order", "shopify/o/1"))),
            10,
        )
        .await
        .unwrap();
    assert!(matches!(first, Accepted::New { job: Some(_), .. }));
    let again = store
        .accept_event(
            event("wh-1"),
            Some(JobPlan::Run(job("order", "shopify/o/1"))),
            20,
        )
        .await
        .unwrap();
    assert_eq!(again, Accepted::Duplicate);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    // The same event id from another provider is a different event.
    let mut stripe = event("wh-1");
    stripe.provider = System::Stripe;
    let other = store
        .accept_event(stripe, Some(JobPlan::Run(job("charge", "stripe/ch/1"))), 30)
        .await
        .unwrap();
    assert!(matches!(other, Accepted::New { .. }));
    // A topic nobody handles is kept without a job.
    let kept = store.accept_event(event("wh-2"), None, 40).await.unwrap();
    assert!(matches!(kept, Accepted::New { job: None, .. }));
    let stored = store.event(System::Shopify, "wh-2").await.unwrap().unwrap();
    assert_eq!(
        (stored.event.topic.as_str(), stored.received_at),
        ("orders/create", 40)
    );
    assert_eq!(stored.event.payload, br#"{"id":1}"#);
    assert!(
        store
            .event(System::Shopify, "nope")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.counts().await.unwrap().queued, 2);
}

async fn a_claim_brings_the_jobs_inbox_event_and_a_rerun_its_new_one(store: Arc<dyn Store>) {
    let with_event = |id: &str| {
        let mut plan = job("order", "shopify/o/1");
        plan.rerun = true;
        plan.event = Some(EventRef {
            provider: System::Shopify,
            event_id: id.into(),
        });
        plan
    };
    store
        .accept_event(event("wh-1"), Some(JobPlan::Run(with_event("wh-1"))), 10)
        .await
        .unwrap();
    let first = store.claim("w1", 10, 100).await.unwrap().unwrap();
    let body = first.event.expect("the job's event comes with its claim");
    assert_eq!(
        (body.event.event_id.as_str(), body.received_at),
        ("wh-1", 10)
    );
    assert_eq!(body.event.payload, br#"{"id":1}"#);
    store
        .finish(first.job.lease, Finish::Done, FlowWrites::default(), 20)
        .await
        .unwrap();
    // A later delivery about the same order runs the job again, with the newer body.
    let mut update = event("wh-2");
    update.payload = br#"{"id":1,"v":2}"#.to_vec();
    store
        .accept_event(update, Some(JobPlan::Run(with_event("wh-2"))), 30)
        .await
        .unwrap();
    let second = store.claim("w1", 30, 100).await.unwrap().unwrap();
    assert_eq!(first.job.id, second.job.id);
    let body = second
        .event
        .expect("the rerun's event comes with its claim");
    assert_eq!(body.event.event_id, "wh-2");
    assert_eq!(body.event.payload, br#"{"id":1,"v":2}"#);
    // A job naming an event the inbox does not hold is claimed without one.
    let mut orphan = job("order", "shopify/o/2");
    orphan.event = Some(EventRef {
        provider: System::Shopify,
        event_id: "never-stored".into(),
    });
    store.enqueue(orphan, 40).await.unwrap();
    let third = store.claim("w1", 40, 100).await.unwrap().unwrap();
    assert_eq!(third.job.key, "shopify/o/2");
    assert!(third.event.is_none());
    // A job without an event has none.
    store.enqueue(job("sale", "k1"), 50).await.unwrap();
    assert!(
        store
            .claim("w1", 50, 100)
            .await
            .unwrap()
            .unwrap()
            .event
            .is_none()
    );
}

async fn an_event_stored_with_a_dead_letter_is_kept_and_not_run(store: Arc<dyn Store>) {
    let plan = JobPlan::DeadLetter {
        job: job("intake.redeliver", "stripe/inbox/event/abc"),
        reason: "signed stripe delivery cannot be read".into(),
    };
    let accepted = store
        .accept_event(event("abc"), Some(plan), 5)
        .await
        .unwrap();
    assert!(matches!(accepted, Accepted::New { job: Some(_), .. }));
    assert!(store.claim("w1", 10, 100).await.unwrap().is_none());
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "signed stripe delivery cannot be read");
    assert!(dead[0].permanent);
    assert_eq!(dead[0].attempts, 0);
}

async fn enqueue_is_idempotent_on_kind_and_key(store: Arc<dyn Store>) {
    let a = store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let b = store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let c = store.enqueue(job("refund", "k1"), 0).await.unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(store.counts().await.unwrap().queued, 2);
    // A job due in an hour is scheduled; one due now, or within the minute, is not.
    let now = flows::now_millis();
    let mut later = job("reminder", "k1");
    later.run_at = now + 3_600_000;
    store.enqueue(later, now).await.unwrap();
    let mut soon = job("reminder", "k2");
    soon.run_at = now + 1_000;
    store.enqueue(soon, now).await.unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.queued, counts.scheduled), (4, 1));
}

async fn claims_wait_for_run_at_and_attempts_count_failures_only(store: Arc<dyn Store>) {
    let mut later = job("sale", "k1");
    later.run_at = 1_000;
    store.enqueue(later, 0).await.unwrap();
    assert!(store.claim("w1", 999, 100).await.unwrap().is_none());
    let claimed = store.claim("w1", 1_000, 100).await.unwrap().unwrap().job;
    assert_eq!(
        (claimed.key.as_str(), claimed.attempts, claimed.claims),
        ("k1", 0, 1)
    );
    assert_eq!(claimed.payload, json!({"key": "k1"}));
    assert_eq!(claimed.lease_until, 1_100);
    // Claimed: nobody else gets it while the lease holds.
    assert!(store.claim("w2", 1_050, 100).await.unwrap().is_none());
    let retry = Finish::Retry {
        run_at: 2_000,
        error: "HTTP 503".into(),
    };
    store
        .finish(claimed.lease, retry, FlowWrites::default(), 1_050)
        .await
        .unwrap();
    assert!(store.claim("w2", 1_999, 100).await.unwrap().is_none());
    let again = store.claim("w2", 2_000, 100).await.unwrap().unwrap().job;
    assert_eq!((again.attempts, again.claims), (1, 1));
    assert_eq!(again.last_error.as_deref(), Some("HTTP 503"));
    assert_ne!(again.lease.token, claimed.lease.token);
    // A planned wait and a release cost nothing.
    let wait = Finish::Wait {
        run_at: 2_100,
        reason: "waiting for the order's payment".into(),
    };
    store
        .finish(again.lease, wait, FlowWrites::default(), 2_010)
        .await
        .unwrap();
    let info = store
        .job(&JobKind::new("sale"), "k1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state, JobState::Queued);
    assert_eq!(
        info.waiting_for.as_deref(),
        Some("waiting for the order's payment")
    );
    let third = store.claim("w1", 2_100, 100).await.unwrap().unwrap().job;
    store
        .finish(
            third.lease,
            Finish::Release { run_at: 2_200 },
            FlowWrites::default(),
            2_110,
        )
        .await
        .unwrap();
    let fourth = store.claim("w1", 2_200, 100).await.unwrap().unwrap().job;
    assert_eq!(fourth.attempts, 1, "waits and releases are not attempts");
    store
        .finish(fourth.lease, Finish::Done, FlowWrites::default(), 2_210)
        .await
        .unwrap();
    let done = store
        .job(&JobKind::new("sale"), "k1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.state, done.attempts, done.waiting_for),
        (JobState::Done, 1, None)
    );
}

/// Queued jobs and jobs whose lease expired are claimed in the order of their run times, as one
/// queue.
async fn claims_take_the_earliest_runnable_job_queued_or_expired(store: Arc<dyn Store>) {
    let mut later = job("sale", "later");
    later.run_at = 50;
    store.enqueue(later, 0).await.unwrap();
    store.enqueue(job("sale", "lost"), 0).await.unwrap();
    let lost = store.claim("w1", 0, 10).await.unwrap().unwrap().job;
    assert_eq!(lost.key, "lost");
    // At 100 both are runnable: the lost run's job (run time 0) comes before the later one (50).
    let first = store.claim("w2", 100, 1_000).await.unwrap().unwrap().job;
    assert_eq!((first.key.as_str(), first.claims), ("lost", 2));
    let second = store.claim("w2", 100, 1_000).await.unwrap().unwrap().job;
    assert_eq!(second.key, "later");
    assert!(store.claim("w2", 100, 1_000).await.unwrap().is_none());
}

/// A run lost while the process was restarted over and over (a crash storm, a deploy) is not
/// held against its job; one lost while a single worker started (the one restarted after it)
/// is.
async fn lost_runs_count_only_when_nothing_else_restarted_the_process(store: Arc<dyn Store>) {
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let first = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
    assert_eq!(first.claims, 1);
    // Killed, restarted, killed again, restarted: two workers started since its claim.
    store.worker_started(150).await.unwrap();
    store.worker_started(160).await.unwrap();
    let second = store.claim("w3", 200, 100).await.unwrap().unwrap().job;
    assert_eq!(second.claims, 1, "the storm is not the job's doing");
    // The run renews its claim, then dies; one worker starts (the restart) and claims it.
    store.renew(second.lease, 400, 250).await.unwrap();
    store.worker_started(240).await.unwrap();
    store.worker_started(450).await.unwrap();
    let third = store.claim("w4", 500, 100).await.unwrap().unwrap().job;
    assert_eq!(
        third.claims, 2,
        "starts before its last renewal do not excuse it"
    );
    // Lost again with no worker started at all (another long-lived process claims it).
    let fourth = store.claim("w5", 700, 100).await.unwrap().unwrap().job;
    assert_eq!(fourth.claims, 3);
    // An outcome starts the count again.
    store
        .finish(fourth.lease, Finish::Done, FlowWrites::default(), 710)
        .await
        .unwrap();
    let info = store
        .job(&JobKind::new("sale"), "k1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.claims, 0);
}

async fn an_expired_claim_moves_to_another_run_and_fences_the_first(store: Arc<dyn Store>) {
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let first = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
    // Its process died: the lease expires and another run claims the job, with a new token; the
    // crashed run is no attempt, but the claims in a row without an outcome are counted.
    let second = store.claim("w1", 101, 100).await.unwrap().unwrap().job;
    assert_eq!(first.id, second.id);
    assert_ne!(first.lease.token, second.lease.token);
    assert_eq!((second.attempts, second.claims), (0, 2));
    // The first run can change nothing: not its outcome, its records, its lease.
    for finish in [
        Finish::Done,
        Finish::Retry {
            run_at: 0,
            error: "x".into(),
        },
        Finish::Dead {
            reason: "x".into(),
            permanent: true,
            failed: true,
        },
        Finish::Release { run_at: 0 },
        Finish::Wait {
            run_at: 0,
            reason: "x".into(),
        },
    ] {
        let lost = store
            .finish(
                first.lease,
                finish,
                writes(vec![effect("k1/sale", json!(1))]),
                150,
            )
            .await
            .unwrap_err();
        assert!(matches!(lost, FlowError::LeaseLost { .. }), "{lost}");
    }
    assert!(matches!(
        store
            .save(first.lease, &writes(vec![effect("k1/sale", json!(1))]), 150)
            .await,
        Err(FlowError::LeaseLost { .. })
    ));
    assert!(matches!(
        store.renew(first.lease, 10_000, 150).await,
        Err(FlowError::LeaseLost { .. })
    ));
    assert!(store.effect("k1/sale").await.unwrap().is_none());
    // The current claim renews, saves and finishes.
    store.renew(second.lease, 500, 160).await.unwrap();
    assert!(
        store.claim("w2", 300, 100).await.unwrap().is_none(),
        "renewed"
    );
    store
        .save(
            second.lease,
            &writes(vec![effect("k1/sale", json!(2))]),
            170,
        )
        .await
        .unwrap();
    store
        .finish(second.lease, Finish::Done, FlowWrites::default(), 180)
        .await
        .unwrap();
    assert_eq!(
        store.effect("k1/sale").await.unwrap().unwrap().detail,
        json!(2)
    );
    // A finished claim is gone too.
    assert!(matches!(
        store.save(second.lease, &FlowWrites::default(), 190).await,
        Err(FlowError::LeaseLost { .. })
    ));
}

async fn a_run_writes_its_records_and_outcome_together_and_reads_them_at_its_next_claim(
    store: Arc<dyn Store>,
) {
    store.enqueue(job("sale", "o/1"), 0).await.unwrap();
    store.enqueue(job("other", "o/10"), 0).await.unwrap();
    let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap();
    assert!(claimed.records.effects.is_empty());
    let run = FlowWrites {
        effects: vec![effect("o/1/sale", json!({"id": 7}))],
        states: vec![
            ("o/1/sent".into(), Some(raw(json!({"at": 5})))),
            ("o/1/gone".into(), None),
        ],
        jobs: vec![job("follow-up", "o/1")],
    };
    let retry = Finish::Retry {
        run_at: 0,
        error: "later".into(),
    };
    store
        .finish(claimed.job.lease, retry, run, 10)
        .await
        .unwrap();
    assert_eq!(
        store.counts().await.unwrap().queued,
        3,
        "the follow-up job was enqueued"
    );
    let mut seen = Vec::new();
    while let Some(next) = store.claim("w1", 20, 100).await.unwrap() {
        if next.job.key == "o/1" && next.job.kind.as_str() == "sale" {
            assert_eq!(
                values(&next.records.effects),
                vec![("o/1/sale".to_owned(), json!({"id": 7}))]
            );
            assert_eq!(
                values(&next.records.states),
                vec![("o/1/sent".to_owned(), json!({"at": 5}))]
            );
            // State changes; effects keep their first record.
            let change = FlowWrites {
                effects: vec![effect("o/1/sale", json!({"id": 8}))],
                states: vec![("o/1/sent".into(), None)],
                jobs: Vec::new(),
            };
            store
                .finish(next.job.lease, Finish::Done, change, 30)
                .await
                .unwrap();
        } else {
            if next.job.key == "o/10" {
                assert!(next.records.effects.is_empty(), "o/10 is not under o/1");
            }
            store
                .finish(next.job.lease, Finish::Done, FlowWrites::default(), 30)
                .await
                .unwrap();
        }
        seen.push(next.job.kind.as_str().to_owned());
    }
    seen.sort();
    assert_eq!(seen, ["follow-up", "other", "sale"]);
    assert_eq!(
        store.effect("o/1/sale").await.unwrap().unwrap().detail,
        json!({"id": 7})
    );
    assert_eq!(store.state("o/1/sent").await.unwrap(), None);
}

async fn a_rerun_queues_a_done_job_again_and_a_running_one_once_more(store: Arc<dyn Store>) {
    let mut rerun = job("refunds", "ch/1");
    rerun.rerun = true;
    store.enqueue(rerun.clone(), 0).await.unwrap();
    let first = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
    // Asked again while it runs: it runs once more after this run, with the new input.
    rerun.payload = json!({"event": 2});
    store.enqueue(rerun.clone(), 1).await.unwrap();
    store
        .finish(first.lease, Finish::Done, FlowWrites::default(), 2)
        .await
        .unwrap();
    let second = store.claim("w1", 2, 100).await.unwrap().unwrap().job;
    assert_eq!(second.payload, json!({"event": 2}));
    store
        .finish(second.lease, Finish::Done, FlowWrites::default(), 3)
        .await
        .unwrap();
    assert!(store.claim("w1", 3, 100).await.unwrap().is_none());
    // Asked again when done: queued again.
    rerun.payload = json!({"event": 3});
    store.enqueue(rerun.clone(), 4).await.unwrap();
    let third = store.claim("w1", 4, 100).await.unwrap().unwrap().job;
    assert_eq!(third.payload, json!({"event": 3}));
    // A plain enqueue of a done job stays a no-op.
    store
        .finish(third.lease, Finish::Done, FlowWrites::default(), 5)
        .await
        .unwrap();
    store.enqueue(job("refunds", "ch/1"), 6).await.unwrap();
    assert!(store.claim("w1", 6, 100).await.unwrap().is_none());
}

async fn dead_letters_are_listed_and_replayed_once(store: Arc<dyn Store>) {
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
    let dead = Finish::Dead {
        reason: "order.total: required value is missing".into(),
        permanent: true,
        failed: true,
    };
    store
        .finish(claimed.lease, dead, FlowWrites::default(), 5)
        .await
        .unwrap();
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    let letter = &dead[0];
    assert_eq!(
        (letter.job_id, letter.kind.as_str(), letter.key.as_str()),
        (claimed.id, "sale", "k1")
    );
    assert_eq!(letter.reason, "order.total: required value is missing");
    assert!(letter.permanent);
    assert_eq!(letter.attempts, 1);
    assert_eq!(letter.payload, json!({"key": "k1"}));
    assert!(
        store.claim("w1", 10, 100).await.unwrap().is_none(),
        "a dead job is not runnable"
    );

    let replayed = store.replay_dead_letter(letter.id, 20).await.unwrap();
    assert_eq!(replayed, claimed.id);
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    assert!(matches!(
        store.replay_dead_letter(letter.id, 21).await,
        Err(FlowError::NoSuchDeadLetter(_))
    ));
    let rerun = store.claim("w1", 20, 100).await.unwrap().unwrap().job;
    assert_eq!(rerun.attempts, 0, "replay starts a fresh attempt count");
}

async fn checkpoints_and_the_first_record_of_an_effect(store: Arc<dyn Store>) {
    assert_eq!(store.checkpoint("shopify/orders").await.unwrap(), None);
    store
        .set_checkpoint("shopify/orders", "2026-11-23T00:00:00Z", 1)
        .await
        .unwrap();
    store
        .set_checkpoint("shopify/orders", "2026-11-23T01:00:00Z", 2)
        .await
        .unwrap();
    assert_eq!(
        store.checkpoint("shopify/orders").await.unwrap().as_deref(),
        Some("2026-11-23T01:00:00Z")
    );

    store
        .enqueue(job("sale", "shop/order/1001"), 0)
        .await
        .unwrap();
    let key = "shop/order/1001/sale";
    for (at, detail) in [
        (10, json!({"transaction_id": 1})),
        (20, json!({"transaction_id": 2})),
    ] {
        let claimed = store.claim("w1", at, 5).await.unwrap().unwrap().job;
        store
            .save(claimed.lease, &writes(vec![effect(key, detail)]), at)
            .await
            .unwrap();
    }
    let recorded = store.effect(key).await.unwrap().unwrap();
    assert_eq!(
        (recorded.detail, recorded.created_at),
        (json!({"transaction_id": 1}), 10),
        "the first record wins"
    );
    assert_eq!(store.counts().await.unwrap().effects, 1);
}

async fn concurrent_claims_hand_each_job_to_one_run(store: Arc<dyn Store>) {
    for i in 0..200 {
        store
            .enqueue(job("sale", &format!("k{i}")), 0)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut mine = Vec::new();
            while let Some(claimed) = store.claim(&worker, 0, 60_000).await.unwrap() {
                store
                    .finish(claimed.job.lease, Finish::Done, FlowWrites::default(), 1)
                    .await
                    .unwrap();
                mine.push(claimed.job.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(seen.insert(id), "job {id} claimed twice");
        }
    }
    assert_eq!(seen.len(), 200);
    assert_eq!(store.counts().await.unwrap().done, 200);
}

async fn effects_are_read_by_prefix_and_followed_in_order(store: Arc<dyn Store>) {
    store.enqueue(job("sale", "o"), 0).await.unwrap();
    let lease = store.claim("w1", 0, 100).await.unwrap().unwrap().job.lease;
    for (n, key) in [
        "o/2/sale",
        "o/1/sale",
        "o/10/sale",
        "o/1/erp/payment",
        "o/1",
    ]
    .into_iter()
    .enumerate()
    {
        let n = i64::try_from(n).unwrap();
        store
            .save(lease, &writes(vec![effect(key, json!(n))]), n)
            .await
            .unwrap();
    }
    let keys = |effects: Vec<flows::Effect>| effects.into_iter().map(|e| e.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.effects_under("o/1/").await.unwrap()),
        ["o/1/erp/payment", "o/1/sale"]
    );
    assert!(store.effects_under("p/").await.unwrap().is_empty());
    assert_eq!(store.effects_under("").await.unwrap().len(), 5);

    // The log in the order of recording, picked up where the reader left off.
    let first = log_page(&store, 0, 2, 2).await;
    assert_eq!(keys(first.clone()), ["o/2/sale", "o/1/sale"]);
    let rest = log_page(&store, first[1].id, 10, 3).await;
    assert_eq!(keys(rest.clone()), ["o/10/sale", "o/1/erp/payment", "o/1"]);
    assert!(
        store
            .effects_after(rest[2].id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A position that is no effect's is an error, not an empty log.
    let unknown = rest[2].id + 1_000;
    assert!(matches!(
        store.effects_after(unknown, 10).await,
        Err(FlowError::Unknown { what: "effect id", value }) if value == unknown.to_string()
    ));
}

/// A page of the effect log once it holds `len` effects: on PostgreSQL the log shows an effect
/// only after every older transaction on the server ended, and other tests share the server.
async fn log_page(
    store: &Arc<dyn Store>,
    after: i64,
    limit: u32,
    len: usize,
) -> Vec<flows::Effect> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = store.effects_after(after, limit).await.unwrap();
        if page.len() >= len || std::time::Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn a_job_added_through_the_store_wakes_a_waiting_worker(store: Arc<dyn Store>) {
    let waiting = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            store
                .wait_for_jobs(std::time::Duration::from_secs(30))
                .await;
            started.elapsed()
        })
    };
    tokio::task::yield_now().await;
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let waited = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("the waiting worker was not woken")
        .unwrap();
    assert!(waited < std::time::Duration::from_secs(10), "{waited:?}");
}

/// An idle worker waits out its timeout when nothing is added, and is not woken by a claim or
/// a read.
async fn waiting_for_jobs_ends_at_the_timeout_when_none_come(store: Arc<dyn Store>) {
    assert!(store.claim("w1", 0, 100).await.unwrap().is_none());
    store.counts().await.unwrap();
    let started = std::time::Instant::now();
    store
        .wait_for_jobs(std::time::Duration::from_millis(300))
        .await;
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(300)
            && waited < std::time::Duration::from_secs(5),
        "{waited:?}"
    );
}

/// A job of `kind` keyed `key` whose inbox event is Shopify's `event_id`, run again when it
/// exists (as the intake's routes plan them).
fn job_of_event(kind: &'static str, key: &str, event_id: &str) -> flows::NewJob {
    let mut plan = job(kind, key);
    plan.rerun = true;
    plan.event = Some(EventRef {
        provider: System::Shopify,
        event_id: event_id.into(),
    });
    plan
}

async fn recent_events_come_newest_first_with_the_job_that_runs_from_each(store: Arc<dyn Store>) {
    assert!(store.recent_events(10).await.unwrap().is_empty());
    let order = store
        .accept_event(
            event("wh-1"),
            Some(JobPlan::Run(job_of_event("order", "shopify/o/1", "wh-1"))),
            10,
        )
        .await
        .unwrap();
    let Accepted::New {
        job: Some(order), ..
    } = order
    else {
        panic!("{order:?}");
    };
    // A topic nobody handles is kept without a job.
    store.accept_event(event("wh-2"), None, 20).await.unwrap();
    let mut stripe = event("evt_1");
    stripe.provider = System::Stripe;
    stripe.topic = "charge.succeeded".into();
    store.accept_event(stripe, None, 30).await.unwrap();
    // Stored in the same millisecond: the later row first.
    let other = store
        .accept_event(
            event("wh-3"),
            Some(JobPlan::Run(job_of_event("order", "shopify/o/2", "wh-3"))),
            30,
        )
        .await
        .unwrap();
    let Accepted::New {
        job: Some(other), ..
    } = other
    else {
        panic!("{other:?}");
    };

    let listed = store.recent_events(10).await.unwrap();
    let seen: Vec<(&str, System, &str, Millis, bool)> = listed
        .iter()
        .map(|e| {
            (
                e.event_id.as_str(),
                e.provider,
                e.topic.as_str(),
                e.received_at,
                e.job.is_some(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("wh-3", System::Shopify, "orders/create", 30, true),
            ("evt_1", System::Stripe, "charge.succeeded", 30, false),
            ("wh-2", System::Shopify, "orders/create", 20, false),
            ("wh-1", System::Shopify, "orders/create", 10, true),
        ]
    );
    assert_eq!(listed[3].job, Some(order));
    let stored = store.event(System::Shopify, "wh-1").await.unwrap().unwrap();
    assert_eq!(listed[3].id, stored.id);

    // A later delivery about the same order runs its job from then on.
    store
        .accept_event(
            event("wh-4"),
            Some(JobPlan::Run(job_of_event("order", "shopify/o/1", "wh-4"))),
            40,
        )
        .await
        .unwrap();
    let listed = store.recent_events(2).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|e| (e.event_id.as_str(), e.job))
            .collect::<Vec<_>>(),
        [("wh-4", Some(order)), ("wh-3", Some(other))]
    );
    let all = store.recent_events(10).await.unwrap();
    assert_eq!(
        (all.len(), all[4].event_id.as_str(), all[4].job),
        (5, "wh-1", None)
    );
}

async fn recent_jobs_come_newest_first_and_filtered_by_state(store: Arc<dyn Store>) {
    assert!(store.recent_jobs(None, 10).await.unwrap().is_empty());
    store.enqueue(job("sale", "a"), 0).await.unwrap();
    store.enqueue(job("sale", "b"), 10).await.unwrap();
    store.enqueue(job("refund", "c"), 20).await.unwrap();
    let a = store.claim("w1", 30, 100).await.unwrap().unwrap().job;
    assert_eq!(a.key, "a");
    let retry = Finish::Retry {
        run_at: 1_000,
        error: "HTTP 503".into(),
    };
    store
        .finish(a.lease, retry, FlowWrites::default(), 40)
        .await
        .unwrap();
    let b = store.claim("w1", 50, 100).await.unwrap().unwrap().job;
    assert_eq!(b.key, "b");
    store
        .finish(b.lease, Finish::Done, FlowWrites::default(), 60)
        .await
        .unwrap();

    let all = store.recent_jobs(None, 10).await.unwrap();
    let seen: Vec<(&str, &str, JobState, Millis)> = all
        .iter()
        .map(|j| (j.kind.as_str(), j.key.as_str(), j.info.state, j.updated_at))
        .collect();
    assert_eq!(
        seen,
        [
            ("sale", "b", JobState::Done, 60),
            ("sale", "a", JobState::Queued, 40),
            ("refund", "c", JobState::Queued, 20),
        ]
    );
    let retried = &all[1].info;
    assert_eq!(
        (
            retried.id,
            retried.attempts,
            retried.last_error.as_deref(),
            retried.run_at
        ),
        (a.id, 1, Some("HTTP 503"), 1_000)
    );
    let keys =
        |jobs: Vec<flows::store::JobSummary>| jobs.into_iter().map(|j| j.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.recent_jobs(Some(JobState::Queued), 10).await.unwrap()),
        ["a", "c"]
    );
    assert_eq!(
        keys(store.recent_jobs(Some(JobState::Done), 10).await.unwrap()),
        ["b"]
    );
    assert!(
        store
            .recent_jobs(Some(JobState::Dead), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(keys(store.recent_jobs(None, 1).await.unwrap()), ["b"]);
}

async fn a_dead_letter_is_read_by_id_until_it_is_replayed(store: Arc<dyn Store>) {
    for key in ["k1", "k2"] {
        let mut plan = job("sale", key);
        plan.payload = json!({"key": key, "note": "<script>alert(1)</script>"});
        store.enqueue(plan, 0).await.unwrap();
        let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
        let dead = Finish::Dead {
            reason: format!("{key}: declined"),
            permanent: false,
            failed: true,
        };
        store
            .finish(claimed.lease, dead, FlowWrites::default(), 5)
            .await
            .unwrap();
    }
    let listed = store.dead_letters(10).await.unwrap();
    assert_eq!(listed.len(), 2);
    for letter in &listed {
        assert_eq!(
            store.dead_letter(letter.id).await.unwrap().as_ref(),
            Some(letter)
        );
    }
    let second = store.dead_letter(listed[1].id).await.unwrap().unwrap();
    assert_eq!(
        (
            second.key.as_str(),
            second.reason.as_str(),
            second.permanent,
            second.attempts
        ),
        ("k2", "k2: declined", false, 1)
    );
    assert_eq!(
        second.payload,
        json!({"key": "k2", "note": "<script>alert(1)</script>"})
    );
    assert!(
        store
            .dead_letter(listed[1].id + 100)
            .await
            .unwrap()
            .is_none()
    );
    store.replay_dead_letter(listed[0].id, 10).await.unwrap();
    assert!(
        store.dead_letter(listed[0].id).await.unwrap().is_none(),
        "a replayed letter waits no more"
    );
    assert!(store.dead_letter(listed[1].id).await.unwrap().is_some());
}

async fn checkpoints_are_listed_by_name_with_their_last_value(store: Arc<dyn Store>) {
    assert!(store.checkpoints().await.unwrap().is_empty());
    store
        .set_checkpoint("stripe/events", "evt_1", 1)
        .await
        .unwrap();
    store
        .set_checkpoint("shopify/orders", "2026-11-23T00:00:00Z", 2)
        .await
        .unwrap();
    store
        .set_checkpoint("stripe/events", "evt_2", 3)
        .await
        .unwrap();
    let listed: Vec<(String, String, Millis)> = store
        .checkpoints()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.value, c.updated_at))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "shopify/orders".to_owned(),
                "2026-11-23T00:00:00Z".to_owned(),
                2
            ),
            ("stripe/events".to_owned(), "evt_2".to_owned(), 3),
        ]
    );
}

async fn effects_are_found_by_the_end_of_their_key_newest_first(store: Arc<dyn Store>) {
    store.enqueue(job("settle", "s"), 0).await.unwrap();
    let lease = store.claim("w1", 0, 100).await.unwrap().unwrap().job.lease;
    for (at, key) in [
        (10, "paytrace/acct/payout/2026-12-01/erp/settlement"),
        (15, "shopify/shop/order/1/erp/payment"),
        (20, "stripe/acct/payout/po_1/erp/settlement"),
        (20, "stripe/acct/payout/po_2/erp/settlement"),
        // Not the suffix: another case, more after it, shorter than it.
        (25, "stripe/acct/payout/po_3/ERP/SETTLEMENT"),
        (26, "stripe/acct/payout/po_4/erp/settlement/journal"),
        (27, "erp/settlement"),
        (28, "o/1/naïve"),
    ] {
        store
            .save(lease, &writes(vec![effect(key, json!(at))]), at)
            .await
            .unwrap();
    }
    let keys = |effects: Vec<flows::Effect>| effects.into_iter().map(|e| e.key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.effects_ending("/erp/settlement", 10).await.unwrap()),
        [
            "stripe/acct/payout/po_2/erp/settlement",
            "stripe/acct/payout/po_1/erp/settlement",
            "paytrace/acct/payout/2026-12-01/erp/settlement",
        ]
    );
    let newest = store.effects_ending("/erp/settlement", 1).await.unwrap();
    assert_eq!(
        (
            newest[0].detail.clone(),
            newest[0].created_at,
            newest[0].system
        ),
        (json!(20), 20, System::Paytrace)
    );
    // Characters, not bytes; any suffix, the empty one included.
    assert_eq!(
        keys(store.effects_ending("ïve", 10).await.unwrap()),
        ["o/1/naïve"]
    );
    assert_eq!(
        keys(store.effects_ending("", 2).await.unwrap()),
        ["o/1/naïve", "erp/settlement"]
    );
    assert!(
        store
            .effects_ending("/nothing", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The conformance tests, once per backend.
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::sqlite()).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::postgres().await).await;
                }
            )*
        }
    };
}

on_each_backend!(
    a_webhook_is_stored_once_with_its_job,
    a_claim_brings_the_jobs_inbox_event_and_a_rerun_its_new_one,
    an_event_stored_with_a_dead_letter_is_kept_and_not_run,
    enqueue_is_idempotent_on_kind_and_key,
    claims_wait_for_run_at_and_attempts_count_failures_only,
    claims_take_the_earliest_runnable_job_queued_or_expired,
    lost_runs_count_only_when_nothing_else_restarted_the_process,
    an_expired_claim_moves_to_another_run_and_fences_the_first,
    a_run_writes_its_records_and_outcome_together_and_reads_them_at_its_next_claim,
    a_rerun_queues_a_done_job_again_and_a_running_one_once_more,
    dead_letters_are_listed_and_replayed_once,
    checkpoints_and_the_first_record_of_an_effect,
    effects_are_read_by_prefix_and_followed_in_order,
    a_job_added_through_the_store_wakes_a_waiting_worker,
    waiting_for_jobs_ends_at_the_timeout_when_none_come,
    concurrent_claims_hand_each_job_to_one_run,
    recent_events_come_newest_first_with_the_job_that_runs_from_each,
    recent_jobs_come_newest_first_and_filtered_by_state,
    a_dead_letter_is_read_by_id_until_it_is_replayed,
    checkpoints_are_listed_by_name_with_their_last_value,
    effects_are_found_by_the_end_of_their_key_newest_first,
);

fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().unwrap())
}

/// A fresh database of the shared cluster (started on first use; a missing PostgreSQL fails the
/// test, it does not skip it).
#[cfg(feature = "postgres")]
pub(crate) async fn pg_database() -> String {
    tokio::task::spawn_blocking(|| pg_testkit::shared().fresh_database().unwrap())
        .await
        .unwrap()
}

#[cfg(feature = "postgres")]
async fn postgres() -> Arc<dyn Store> {
    Arc::new(PgStore::connect(&pg_database().await).await.unwrap())
}

/// The SQLite file: one process holds it, it survives a reopen, and its schema versions.
mod sqlite_file {
    use super::*;

    #[tokio::test]
    async fn the_file_survives_a_reopen_and_is_held_by_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flows.sqlite");
        {
            let store = SqliteStore::open(&path).unwrap();
            // Another opener (another process, or this one twice) is refused while it is open.
            let second = SqliteStore::open(&path).unwrap_err();
            assert!(second.to_string().contains("flows.sqlite"), "{second}");
            store
                .accept_event(event("wh-1"), Some(JobPlan::Run(job("order", "k1"))), 0)
                .await
                .unwrap();
            let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap().job;
            let dead = Finish::Dead {
                reason: "bad".into(),
                permanent: true,
                failed: true,
            };
            store
                .finish(claimed.lease, dead, FlowWrites::default(), 1)
                .await
                .unwrap();
            // The WAL index lives in memory: nothing is memory-mapped next to the file.
            assert!(!dir.path().join("flows.sqlite-shm").exists());
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store
                .accept_event(event("wh-1"), Some(JobPlan::Run(job("order", "k1"))), 2)
                .await
                .unwrap(),
            Accepted::Duplicate
        );
        assert_eq!(store.dead_letters(10).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_store_written_by_an_older_version_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        // The schema of version 1 with a job and the canonical order kept as a pseudo-effect.
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("../fixtures/store-v1.sql"))
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let claimed = store.claim("w1", 10, 100).await.unwrap().unwrap();
        assert_eq!(claimed.job.kind.as_str(), "shopify.order-payment");
        assert_eq!((claimed.job.attempts, claimed.job.claims), (1, 1));
        assert_eq!(claimed.records.effects.len(), 1, "the sale stays an effect");
        assert_eq!(
            values(&claimed.records.states),
            vec![(
                "shopify/demo.myshopify.com/order/1/canonical".to_owned(),
                json!({"number": "#1"})
            )],
            "the canonical order became state"
        );
    }

    #[tokio::test]
    async fn a_store_written_by_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let refused = SqliteStore::open(&path).unwrap_err().to_string();
        assert!(refused.contains("schema version 99 is newer"), "{refused}");
    }

    /// A claimed row this version cannot read (its input no longer JSON, here) is not claimed again
    /// at the end of every lease: it goes to dead letters, saying why.
    #[tokio::test]
    async fn a_job_that_cannot_be_read_goes_to_dead_letters_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flows.sqlite");
        drop({
            let store = SqliteStore::open(&path).unwrap();
            store.enqueue(job("sale", "k1"), 0).await.unwrap();
            store
        });
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute("UPDATE jobs SET payload = 'not json'", [])
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let err = store.claim("w1", 10, 100).await.unwrap_err();
        assert!(matches!(err, FlowError::Payload(_)), "{err:?}");
        let dead = store.dead_letters(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert!(
            dead[0].reason.starts_with("the stored job cannot be read"),
            "{}",
            dead[0].reason
        );
        assert_eq!(dead[0].payload, json!("not json"));
        assert_eq!(
            store.dead_letter(dead[0].id).await.unwrap().as_ref(),
            Some(&dead[0]),
            "read by id as it is listed"
        );
        assert!(store.claim("w1", 1_000, 100).await.unwrap().is_none());
    }
}

/// Several processes sharing one PostgreSQL database: each store here has its own pool and its
/// own listening connection, as a store in another process would.
#[cfg(feature = "postgres")]
mod postgres_shared {
    use std::time::Duration;

    use super::*;

    /// TLS settings the store cannot use fail `connect` with their own error, before any
    /// connection is tried (nothing listens on port 1).
    #[tokio::test]
    async fn tls_settings_that_cannot_be_used_are_refused_with_a_typed_error() {
        let err = PgStore::connect(
            "postgres://u@127.0.0.1:1/x?sslmode=require&sslrootcert=/no/such/ca.pem",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, FlowError::DatabaseTls(tls) if tls.reason.contains("/no/such/ca.pem")),
            "{err}"
        );
        assert!(
            !err.is_storage_failure(),
            "a configuration error, not an outage"
        );
    }

    /// A reader following `effects_after` while two stores (two processes) record effects from
    /// many runs at once sees every effect once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_following_effects_after_misses_none_under_concurrent_writers() {
        const JOBS: usize = 300;
        let url = pg_database().await;
        let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
        let stores = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
        for i in 0..JOBS {
            stores[i % 2]
                .enqueue(job("sale", &format!("k{i}")), 0)
                .await
                .unwrap();
        }
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let store = Arc::clone(&stores[0]);
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let (mut cursor, mut seen) = (0, Vec::new());
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                    let page = store.effects_after(cursor, 50).await.unwrap();
                    if let Some(last) = page.last() {
                        cursor = last.id;
                    }
                    let empty = page.is_empty();
                    seen.extend(page.into_iter().map(|e| e.key));
                    if finished && empty {
                        return seen;
                    }
                }
            })
        };
        let mut writers = Vec::new();
        for w in 0..12 {
            let store = Arc::clone(&stores[w % 2]);
            writers.push(tokio::spawn(async move {
                while let Some(claimed) = store.claim(&format!("w{w}"), 0, 60_000).await.unwrap() {
                    let key = claimed.job.key.clone();
                    let writes = writes(vec![
                        effect(&format!("{key}/a"), json!(1)),
                        effect(&format!("{key}/b"), json!(2)),
                    ]);
                    store
                        .finish(claimed.job.lease, Finish::Done, writes, 1)
                        .await
                        .unwrap();
                }
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let seen = reader.await.unwrap();
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "an effect was read twice");
        assert_eq!(seen.len(), JOBS * 2, "the reader passed over an effect");
    }

    /// An effect committed while an older transaction that writes effects is still open waits
    /// behind it in the log: listing it first would let the reader pass over the older one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_waits_for_an_older_open_transaction_and_then_lists_both_in_order() {
        let url = pg_database().await;
        let store: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        // Another process's run, slow to commit: its transaction (and its id) is the older.
        let (mut slow, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let slow_tx = slow.transaction().await.unwrap();
        slow_tx
            .execute("SELECT pg_current_xact_id()", &[])
            .await
            .unwrap();

        store.enqueue(job("sale", "fast"), 0).await.unwrap();
        let claimed = store.claim("w", 0, 60_000).await.unwrap().unwrap();
        store
            .finish(
                claimed.job.lease,
                Finish::Done,
                writes(vec![effect("fast/sale", json!(1))]),
                1,
            )
            .await
            .unwrap();
        assert!(store.effect("fast/sale").await.unwrap().is_some());
        assert!(
            store.effects_after(0, 10).await.unwrap().is_empty(),
            "listed before an older transaction ended"
        );

        slow_tx
            .execute(
                "INSERT INTO effects (key, system, detail, created_at)
                 VALUES ('slow/sale', 'paytrace', '2', 1)",
                &[],
            )
            .await
            .unwrap();
        slow_tx.commit().await.unwrap();
        let page = log_page(&store, 0, 10, 2).await;
        let keys: Vec<_> = page.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["slow/sale", "fast/sale"]);
        // The slow effect drew the larger id, yet a reader past it has seen both.
        assert!(page[0].id > page[1].id);
        assert!(
            store
                .effects_after(page[1].id, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// A run's records travel with its `COMMIT`: when one of them fails, the outcome and the
    /// other records roll back with it, and the job is still the run's.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_record_rolls_back_the_outcome_sent_with_it() {
        let url = pg_database().await;
        let store = PgStore::connect_with(&url, 1).await.unwrap();
        let check = url.clone();
        tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(
                    &check,
                    "ALTER TABLE flow_state ADD CONSTRAINT no_poison CHECK (key <> 'k/poison')",
                )
                .unwrap()
        })
        .await
        .unwrap();
        store.enqueue(job("sale", "k"), 0).await.unwrap();
        let claimed = store.claim("w", 0, 60_000).await.unwrap().unwrap();
        let poisoned = FlowWrites {
            effects: vec![effect("k/sale", json!(1))],
            states: vec![("k/poison".to_owned(), Some(raw(json!(1))))],
            jobs: vec![job("book", "k")],
        };
        let lease = claimed.job.lease;
        assert!(matches!(
            store.finish(lease, Finish::Done, poisoned.clone(), 1).await,
            Err(FlowError::Postgres(_))
        ));
        assert!(store.effect("k/sale").await.unwrap().is_none());
        assert!(
            store
                .job(&JobKind::new("book"), "k")
                .await
                .unwrap()
                .is_none()
        );
        let info = store
            .job(&JobKind::new("sale"), "k")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.state, JobState::Running);
        assert!(matches!(
            store.save(lease, &poisoned, 2).await,
            Err(FlowError::Postgres(_))
        ));
        assert!(store.effect("k/sale").await.unwrap().is_none());
        // The connection is out of the failed transaction: the run still ends.
        store
            .finish(
                lease,
                Finish::Done,
                writes(vec![effect("k/sale", json!(1))]),
                3,
            )
            .await
            .unwrap();
        assert!(store.effect("k/sale").await.unwrap().is_some());
    }

    /// A call given up while its transaction is open (its future dropped, e.g. by a timeout)
    /// commits nothing and leaves no connection inside that transaction for the next call.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_given_up_halfway_commits_nothing_and_leaves_a_clean_connection() {
        let url = pg_database().await;
        // One connection: the next call gets the same one back if it is kept.
        let store = PgStore::connect_with(&url, 1).await.unwrap();
        // Another client stores the same event and keeps its transaction open: the store's
        // insert waits for it. (An intake call runs in its caller's task; claims, outcomes and
        // saves run in batches, which a caller that stops waiting does not stop.)
        let (mut other, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let holding = other.transaction().await.unwrap();
        holding
            .execute(
                "INSERT INTO inbox (provider, event_id, topic, payload, received_at)
                 VALUES ('shopify', 'wh-held', 'orders/create', '\\x00', 0)",
                &[],
            )
            .await
            .unwrap();
        let given_up = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            store.accept_event(event("wh-held"), Some(JobPlan::Run(job("sale", "k"))), 1),
        )
        .await;
        assert!(given_up.is_err(), "the intake did not wait: {given_up:?}");
        holding.rollback().await.unwrap();
        // Were the connection kept inside the abandoned transaction, this would run in it and
        // be lost with it.
        store.enqueue(job("sale", "k2"), 2).await.unwrap();
        let fresh = PgStore::connect(&url).await.unwrap();
        assert!(
            fresh
                .job(&JobKind::new("sale"), "k2")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            fresh
                .event(System::Shopify, "wh-held")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            fresh
                .job(&JobKind::new("sale"), "k")
                .await
                .unwrap()
                .is_none()
        );
        // The event, delivered again, is stored with its job.
        let accepted = store
            .accept_event(event("wh-held"), Some(JobPlan::Run(job("sale", "k"))), 3)
            .await
            .unwrap();
        assert!(
            matches!(accepted, Accepted::New { job: Some(_), .. }),
            "{accepted:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_stores_racing_claims_never_claim_one_job_twice() {
        let url = pg_database().await;
        let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
        let stores = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
        for i in 0..200 {
            stores[i % 2]
                .enqueue(job("sale", &format!("k{i}")), 0)
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for w in 0..8 {
            let store = Arc::clone(&stores[w % 2]);
            tasks.push(tokio::spawn(async move {
                let worker = format!("w{w}");
                let mut mine = Vec::new();
                while let Some(claimed) = store.claim(&worker, 0, 60_000).await.unwrap() {
                    store
                        .finish(claimed.job.lease, Finish::Done, FlowWrites::default(), 1)
                        .await
                        .unwrap();
                    mine.push(claimed.job.id);
                }
                mine
            }));
        }
        let mut seen = HashSet::new();
        let mut per_task = Vec::new();
        for task in tasks {
            let mine = task.await.unwrap();
            per_task.push(mine.len());
            for id in mine {
                assert!(seen.insert(id), "job {id} claimed twice");
            }
        }
        assert_eq!(seen.len(), 200);
        assert_eq!(stores[1].counts().await.unwrap().done, 200);
        // SKIP LOCKED lets the claimers of both stores work side by side.
        assert!(
            per_task.iter().filter(|n| **n > 0).count() > 1,
            "{per_task:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn four_processes_starting_at_once_migrate_the_schema_once() {
        let url = pg_database().await;
        let connects = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::connect(&url).await })
        });
        let mut stores = Vec::new();
        for connect in connects.collect::<Vec<_>>() {
            stores.push(connect.await.unwrap().unwrap());
        }
        stores[0].enqueue(job("sale", "k1"), 0).await.unwrap();
        assert_eq!(stores[3].counts().await.unwrap().queued, 1);
        let check = url.clone();
        let version = tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(&check, "SELECT COUNT(*), MAX(version) FROM schema_version")
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(version.trim(), "1|2");
        // And a later start finds the work done.
        drop(PgStore::connect(&url).await.unwrap());
    }

    /// A run whose lease expired while another process claimed the job writes nothing: not its
    /// records, not its outcome, not a renewal.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stale_lease_is_refused_by_another_process_store() {
        let url = pg_database().await;
        let first = PgStore::connect(&url).await.unwrap();
        let second = PgStore::connect(&url).await.unwrap();
        first.enqueue(job("sale", "k1"), 0).await.unwrap();
        let stale = first.claim("p1", 0, 100).await.unwrap().unwrap().job;
        let current = second.claim("p2", 101, 100).await.unwrap().unwrap().job;
        assert_eq!(stale.id, current.id);
        let records = FlowWrites {
            effects: vec![effect("k1/sale", json!(1))],
            states: vec![("k1/state".into(), Some(raw(json!(1))))],
            jobs: vec![job("follow-up", "k1")],
        };
        assert!(matches!(
            first.save(stale.lease, &records, 150).await,
            Err(FlowError::LeaseLost { .. })
        ));
        assert!(matches!(
            first.finish(stale.lease, Finish::Done, records, 150).await,
            Err(FlowError::LeaseLost { .. })
        ));
        assert!(matches!(
            first.renew(stale.lease, 10_000, 150).await,
            Err(FlowError::LeaseLost { .. })
        ));
        assert!(second.effect("k1/sale").await.unwrap().is_none());
        assert!(second.state("k1/state").await.unwrap().is_none());
        assert!(
            second
                .job(&JobKind::new("follow-up"), "k1")
                .await
                .unwrap()
                .is_none()
        );
        let info = second
            .job(&JobKind::new("sale"), "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.state, JobState::Running);
        assert!(first.healthy(), "a lost lease is not a storage failure");
        second
            .finish(current.lease, Finish::Done, FlowWrites::default(), 160)
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_added_by_another_process_wakes_a_waiting_worker() {
        let url = pg_database().await;
        let idle = Arc::new(PgStore::connect(&url).await.unwrap());
        let other = PgStore::connect(&url).await.unwrap();
        let waiting = {
            let idle = Arc::clone(&idle);
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                idle.wait_for_jobs(Duration::from_secs(30)).await;
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        other.enqueue(job("sale", "k1"), 0).await.unwrap();
        let waited = tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("the other process's job did not wake the waiting worker")
            .unwrap();
        assert!(waited < Duration::from_secs(10), "{waited:?}");
        assert!(idle.claim("w1", 0, 100).await.unwrap().is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_of_a_newer_version_is_refused() {
        let url = pg_database().await;
        drop(PgStore::connect(&url).await.unwrap());
        let set = url.clone();
        tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(&set, "UPDATE schema_version SET version = 99")
                .unwrap()
        })
        .await
        .unwrap();
        let refused = PgStore::connect(&url).await.unwrap_err();
        assert!(matches!(refused, FlowError::SchemaTooNew { found: 99, .. }));
        assert!(
            refused.to_string().contains("schema version 99 is newer"),
            "{refused}"
        );
    }

    /// As on SQLite: a claimed row this version cannot read goes to dead letters, once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_cannot_be_read_goes_to_dead_letters_once() {
        let url = pg_database().await;
        let store = PgStore::connect(&url).await.unwrap();
        store.enqueue(job("sale", "k1"), 0).await.unwrap();
        let set = url.clone();
        tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(&set, "UPDATE jobs SET payload = 'not json'")
                .unwrap()
        })
        .await
        .unwrap();
        let err = store.claim("w1", 10, 100).await.unwrap_err();
        assert!(matches!(err, FlowError::Payload(_)), "{err:?}");
        let dead = store.dead_letters(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert!(
            dead[0].reason.starts_with("the stored job cannot be read"),
            "{}",
            dead[0].reason
        );
        assert_eq!(dead[0].payload, json!("not json"));
        assert_eq!(
            store.dead_letter(dead[0].id).await.unwrap().as_ref(),
            Some(&dead[0]),
            "read by id as it is listed"
        );
        assert!(store.claim("w1", 1_000, 100).await.unwrap().is_none());
    }

    /// A server that goes away is a storage failure: the store turns unhealthy and not ready, and
    /// nothing panics.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_that_goes_away_is_a_storage_failure() {
        let cluster = tokio::task::spawn_blocking(|| pg_testkit::Cluster::start().unwrap())
            .await
            .unwrap();
        let store = PgStore::connect(&cluster.url()).await.unwrap();
        store.enqueue(job("sale", "k1"), 0).await.unwrap();
        assert!(store.healthy());
        tokio::task::spawn_blocking(move || drop(cluster))
            .await
            .unwrap();
        let err = store.enqueue(job("sale", "k2"), 0).await.unwrap_err();
        assert!(err.is_storage_failure(), "{err:?}");
        assert!(!store.healthy());
        let err = store.ready().await.unwrap_err();
        assert!(err.is_storage_failure(), "{err:?}");
        // An idle worker still waits out its timeout.
        store.wait_for_jobs(Duration::from_millis(50)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreachable_server_fails_connect_as_a_storage_failure() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = PgStore::connect(&format!("postgres://postgres@127.0.0.1:{port}/x"))
            .await
            .unwrap_err();
        assert!(err.is_storage_failure(), "{err:?}");
        let bad = PgStore::connect("postgres://[nonsense").await.unwrap_err();
        assert!(!bad.is_storage_failure(), "{bad:?}");
    }
}

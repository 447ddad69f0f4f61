use std::collections::HashSet;
use std::sync::Arc;

use flows::{Accepted, FlowError, NewEvent, SqliteStore, Store};

use crate::job;

fn event(id: &str) -> NewEvent {
    NewEvent {
        provider: "shopify".into(),
        event_id: id.into(),
        topic: "orders/create".into(),
        payload: br#"{"id":1}"#.to_vec(),
    }
}

#[tokio::test]
async fn a_webhook_is_stored_once_with_its_job() {
    let store = SqliteStore::in_memory().unwrap();
    let first = store
        .accept_event(event("wh-1"), Some(job("order", "shopify/o/1")), 10)
        .await
        .unwrap();
    assert!(matches!(first, Accepted::New { .. }));
    let again = store
        .accept_event(event("wh-1"), Some(job("order", "shopify/o/1")), 20)
        .await
        .unwrap();
    assert_eq!(again, Accepted::Duplicate);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    // The same event id from another provider is a different event.
    let mut stripe = event("wh-1");
    stripe.provider = "stripe".into();
    let other = store
        .accept_event(stripe, Some(job("charge", "stripe/ch/1")), 30)
        .await
        .unwrap();
    assert!(matches!(other, Accepted::New { .. }));
    // A topic nobody handles is kept without a job.
    let kept = store.accept_event(event("wh-2"), None, 40).await.unwrap();
    assert!(matches!(kept, Accepted::New { job: None, .. }));
    let stored = store.event("shopify", "wh-2").await.unwrap().unwrap();
    assert_eq!(
        (stored.event.topic.as_str(), stored.received_at),
        ("orders/create", 40)
    );
    assert_eq!(stored.event.payload, br#"{"id":1}"#);
    assert!(store.event("shopify", "nope").await.unwrap().is_none());
    assert_eq!(store.counts().await.unwrap().queued, 2);
}

#[tokio::test]
async fn enqueue_is_idempotent_on_kind_and_key() {
    let store = SqliteStore::in_memory().unwrap();
    let a = store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let b = store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let c = store.enqueue(job("refund", "k1"), 0).await.unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(store.counts().await.unwrap().queued, 2);
}

#[tokio::test]
async fn claim_waits_for_run_at_and_counts_attempts() {
    let store = SqliteStore::in_memory().unwrap();
    let mut later = job("sale", "k1");
    later.run_at = 1_000;
    store.enqueue(later, 0).await.unwrap();
    assert!(store.claim("w1", 999, 100).await.unwrap().is_none());
    let claimed = store.claim("w1", 1_000, 100).await.unwrap().unwrap();
    assert_eq!((claimed.key.as_str(), claimed.attempts), ("k1", 1));
    assert_eq!(claimed.payload, serde_json::json!({"key": "k1"}));
    // Leased: nobody else gets it while the lease holds.
    assert!(store.claim("w2", 1_050, 100).await.unwrap().is_none());
    store
        .retry_later(claimed.id, "w1", "HTTP 503", 2_000, 1_050)
        .await
        .unwrap();
    assert!(store.claim("w2", 1_999, 100).await.unwrap().is_none());
    let again = store.claim("w2", 2_000, 100).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(again.last_error.as_deref(), Some("HTTP 503"));
    store.complete(again.id, "w2", 2_010).await.unwrap();
    assert_eq!(store.counts().await.unwrap().done, 1);
}

#[tokio::test]
async fn an_expired_lease_moves_to_another_worker_and_fences_the_first() {
    let store = SqliteStore::in_memory().unwrap();
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let first = store.claim("w1", 0, 100).await.unwrap().unwrap();
    let second = store.claim("w2", 101, 100).await.unwrap().unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(second.attempts, 2);
    let lost = store.complete(first.id, "w1", 150).await.unwrap_err();
    assert!(matches!(lost, FlowError::LeaseLost { .. }), "{lost}");
    assert!(
        store
            .retry_later(first.id, "w1", "x", 0, 150)
            .await
            .is_err()
    );
    assert!(
        store
            .dead_letter(first.id, "w1", "x", true, 150)
            .await
            .is_err()
    );
    store.complete(second.id, "w2", 150).await.unwrap();
}

#[tokio::test]
async fn release_does_not_count_the_attempt() {
    let store = SqliteStore::in_memory().unwrap();
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap();
    store.release(claimed.id, "w1", 500, 10).await.unwrap();
    assert!(store.claim("w1", 499, 100).await.unwrap().is_none());
    assert_eq!(
        store.claim("w1", 500, 100).await.unwrap().unwrap().attempts,
        1
    );
}

#[tokio::test]
async fn dead_letters_are_listed_and_replayed_once() {
    let store = SqliteStore::in_memory().unwrap();
    store.enqueue(job("sale", "k1"), 0).await.unwrap();
    let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap();
    store
        .dead_letter(
            claimed.id,
            "w1",
            "order.total: required value is missing",
            true,
            5,
        )
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
    assert_eq!(letter.payload, serde_json::json!({"key": "k1"}));
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
    let rerun = store.claim("w1", 20, 100).await.unwrap().unwrap();
    assert_eq!(rerun.attempts, 1, "replay starts a fresh attempt count");
}

#[tokio::test]
async fn checkpoints_and_effects() {
    let store = SqliteStore::in_memory().unwrap();
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

    let key = "shopify/shop/order/1001/sale";
    assert!(store.effect(key).await.unwrap().is_none());
    let first = store
        .record_effect(
            key,
            "paytrace",
            &serde_json::json!({"transaction_id": 1}),
            10,
        )
        .await
        .unwrap();
    let second = store
        .record_effect(
            key,
            "paytrace",
            &serde_json::json!({"transaction_id": 2}),
            20,
        )
        .await
        .unwrap();
    assert_eq!(first, second, "the first record wins");
    assert_eq!(second.detail, serde_json::json!({"transaction_id": 1}));
    assert_eq!(store.counts().await.unwrap().effects, 1);
}

#[tokio::test]
async fn the_file_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.sqlite");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .accept_event(event("wh-1"), Some(job("order", "k1")), 0)
            .await
            .unwrap();
        let claimed = store.claim("w1", 0, 100).await.unwrap().unwrap();
        store
            .dead_letter(claimed.id, "w1", "bad", true, 1)
            .await
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store
            .accept_event(event("wh-1"), Some(job("order", "k1")), 2)
            .await
            .unwrap(),
        Accepted::Duplicate
    );
    assert_eq!(store.dead_letters(10).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_hand_each_job_to_one_worker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.sqlite");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    // A second handle on the same file, as a second process would have.
    let other = Arc::new(SqliteStore::open(&path).unwrap());
    for i in 0..200 {
        store
            .enqueue(job("sale", &format!("k{i}")), 0)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = if w % 2 == 0 {
            Arc::clone(&store)
        } else {
            Arc::clone(&other)
        };
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut mine = Vec::new();
            while let Some(job) = store.claim(&worker, 0, 60_000).await.unwrap() {
                store.complete(job.id, &worker, 1).await.unwrap();
                mine.push(job.id);
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

#[tokio::test]
async fn effects_are_read_by_prefix_and_followed_in_order() {
    let store = SqliteStore::in_memory().unwrap();
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
            .record_effect(key, "test", &serde_json::json!(n), n)
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
    let first = store.effects_after(0, 2).await.unwrap();
    assert_eq!(keys(first.clone()), ["o/2/sale", "o/1/sale"]);
    let rest = store.effects_after(first[1].id, 10).await.unwrap();
    assert_eq!(keys(rest.clone()), ["o/10/sale", "o/1/erp/payment", "o/1"]);
    assert!(
        store
            .effects_after(rest[2].id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A second record of a key returns the first, with its id.
    let again = store
        .record_effect("o/1/sale", "test", &serde_json::json!("late"), 99)
        .await
        .unwrap();
    assert_eq!(
        (again.id, again.detail),
        (first[1].id, serde_json::json!(1))
    );
}

#[tokio::test]
async fn effects_recorded_together_keep_the_first_record_of_each_key() {
    let store = SqliteStore::in_memory().unwrap();
    store
        .record_effect("o/1/sale", "paytrace", &serde_json::json!("first"), 1)
        .await
        .unwrap();
    let effect = |key: &str, detail: &str| flows::NewEffect {
        key: key.to_owned(),
        system: "test".to_owned(),
        detail: serde_json::json!(detail),
    };
    store
        .record_effects(
            vec![effect("o/1/sale", "second"), effect("o/1/paid", "paid")],
            2,
        )
        .await
        .unwrap();
    let sale = store.effect("o/1/sale").await.unwrap().unwrap();
    assert_eq!(
        (sale.detail, sale.created_at),
        (serde_json::json!("first"), 1)
    );
    let paid = store.effect("o/1/paid").await.unwrap().unwrap();
    assert_eq!((paid.system.as_str(), paid.created_at), ("test", 2));
}

#[tokio::test]
async fn a_job_added_through_the_store_wakes_a_waiting_worker() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
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

//! `payops status` run as a user runs it, on a SQLite store file: job counts by state, dead
//! letters, events, effects and checkpoints, and its exit codes.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use flows::workflow::JobKind;
use flows::{Finish, FlowWrites, NewEvent, NewJob, SqliteStore, Store};
use mapping::System;

fn status(store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .arg("status")
        .env("PAYOPS_STORE", store)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn job(key: &str) -> NewJob {
    NewJob {
        kind: JobKind::new("shopify.order"),
        key: key.into(),
        payload: serde_json::json!({}),
        run_at: 0,
        rerun: false,
        event: None,
    }
}

#[test]
fn status_counts_jobs_by_state_dead_letters_and_lists_the_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    let empty = status(&path);
    assert_eq!(empty.status.code(), Some(0), "{}", text(&empty.stderr));
    assert_eq!(
        text(&empty.stdout),
        "jobs: 0 queued, 0 running, 0 done\n\
         dead letters: 0 waiting for replay\n\
         events: 0 received\n\
         effects: 0 recorded\n\
         checkpoints: none\n"
    );

    {
        let store = SqliteStore::open(&path).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for key in ["o/1", "o/2", "o/3", "o/4", "o/5"] {
            rt.block_on(store.enqueue(job(key), 0)).unwrap();
        }
        // o/1 done, o/2 dead, o/3 running; o/4 and o/5 queued.
        let claim = || {
            rt.block_on(store.claim("w", 0, 3_600_000))
                .unwrap()
                .unwrap()
                .job
        };
        let (done, dead, _running) = (claim(), claim(), claim());
        rt.block_on(store.finish(done.lease, Finish::Done, FlowWrites::default(), 1))
            .unwrap();
        let reason = Finish::Dead {
            reason: "bad".into(),
            permanent: true,
            failed: true,
        };
        rt.block_on(store.finish(dead.lease, reason, FlowWrites::default(), 1))
            .unwrap();
        let event = NewEvent {
            provider: System::Stripe,
            event_id: "evt_1".into(),
            topic: "charge.succeeded".into(),
            payload: b"{}".to_vec(),
        };
        rt.block_on(store.accept_event(event, None, 2)).unwrap();
        rt.block_on(store.set_checkpoint("stripe/events", "evt_1", 1_764_583_200_000))
            .unwrap();
        rt.block_on(store.set_checkpoint(
            "shopify/orders",
            "2026-11-23T00:00:00Z",
            1_764_583_260_000,
        ))
        .unwrap();
    }
    let out = status(&path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "jobs: 2 queued, 1 running, 1 done\n\
         dead letters: 1 waiting for replay\n\
         events: 1 received\n\
         effects: 0 recorded\n\
         checkpoints:\n  \
         shopify/orders\t2026-11-23T00:00:00Z\t(updated 2025-12-01 10:01:00 UTC)\n  \
         stripe/events\tevt_1\t(updated 2025-12-01 10:00:00 UTC)\n"
    );
}

#[test]
fn a_store_that_cannot_be_opened_exits_two_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = status(&dir.path().join("nope.sqlite"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("--store (PAYOPS_STORE): no store at"),
        "{}",
        text(&missing.stderr)
    );
    // A file that is no SQLite database.
    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(
        &garbage,
        b"not a database, just some text that is long enough",
    )
    .unwrap();
    let out = status(&garbage);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).starts_with("payops: "),
        "{}",
        text(&out.stderr)
    );
    // Held by another process (the service, on SQLite).
    let path = dir.path().join("held.sqlite");
    let held = SqliteStore::open(&path).unwrap();
    let out = status(&path);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("held.sqlite"),
        "{}",
        text(&out.stderr)
    );
    drop(held);
    assert_eq!(status(&path).status.code(), Some(0));
}

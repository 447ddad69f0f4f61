//! `payops dead-letters list|show|replay` run as a user runs them, on a SQLite store file: what
//! they print (card data masked), what they change, their exit codes and their errors naming
//! the argument.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flows::workflow::JobKind;
use flows::{Finish, FlowWrites, JobState, NewJob, SqliteStore, Store};
use serde_json::json;

const CARD: &str = "4111111111111111";
const KIND: JobKind = JobKind::new("shopify.order");

/// Runs `payops dead-letters` with `args`, the store named by `PAYOPS_STORE`.
fn dead_letters(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .arg("dead-letters")
        .args(args)
        .env("PAYOPS_STORE", store)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A store file holding two dead letters (ids 1 and 2), the first of a payload with a card
/// number and its code, the second given up after 5 attempts with a reason on two lines.
fn store_with_dead_letters(dir: &Path) -> PathBuf {
    let path = dir.join("flows.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let rt = runtime();
    let letters = [
        (
            "shopify/demo/order/1001",
            json!({"order": 1001, "credit_card": {"number": CARD}, "csc": "999"}),
            format!("gateway refused card {CARD}"),
            true,
        ),
        (
            "shopify/demo/order/1002",
            json!({"order": 1002}),
            "HTTP 503\nfrom PayTrace".to_owned(),
            false,
        ),
    ];
    for (at, (key, payload, reason, permanent)) in (1_764_583_200_000_i64..).zip(letters) {
        let job = NewJob {
            kind: KIND,
            key: key.into(),
            payload,
            run_at: 0,
            rerun: false,
            event: None,
        };
        rt.block_on(store.enqueue(job, at)).unwrap();
        let claimed = rt
            .block_on(store.claim("w", at, 10_000))
            .unwrap()
            .unwrap()
            .job;
        let attempts = if permanent { 0 } else { 4 };
        let mut lease = claimed.lease;
        for _ in 0..attempts {
            let retry = Finish::Retry {
                run_at: at,
                error: "HTTP 503".into(),
            };
            rt.block_on(store.finish(lease, retry, FlowWrites::default(), at))
                .unwrap();
            lease = rt
                .block_on(store.claim("w", at, 10_000))
                .unwrap()
                .unwrap()
                .job
                .lease;
        }
        let dead = Finish::Dead {
            reason,
            permanent,
            failed: true,
        };
        rt.block_on(store.finish(lease, dead, FlowWrites::default(), at))
            .unwrap();
    }
    path
}

fn job_state(path: &Path, key: &str) -> JobState {
    let store = SqliteStore::open(path).unwrap();
    runtime()
        .block_on(store.job(&KIND, key))
        .unwrap()
        .unwrap()
        .state
}

#[test]
fn list_prints_one_line_per_dead_letter_oldest_first_with_card_data_masked() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_dead_letters(dir.path());
    let out = dead_letters(&path, &["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "id\tdead since\tkind\tkey\tfailure\treason\n\
         1\t2025-12-01 10:00:00 UTC\tshopify.order\tshopify/demo/order/1001\tpermanent failure, 1 attempt\tgateway refused card [card ending 1111]\n\
         2\t2025-12-01 10:00:00 UTC\tshopify.order\tshopify/demo/order/1002\tgave up after 5 attempts\tHTTP 503 from PayTrace\n"
    );
    let first = dead_letters(&path, &["list", "--limit", "1"]);
    assert_eq!(
        text(&first.stdout).lines().count(),
        2,
        "{}",
        text(&first.stdout)
    );
    // `--store` takes the place of PAYOPS_STORE.
    let flag = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["dead-letters", "list", "--store"])
        .arg(&path)
        .env_remove("PAYOPS_STORE")
        .output()
        .unwrap();
    assert_eq!(text(&flag.stdout), stdout);
}

#[test]
fn show_prints_the_reason_and_the_payload_with_card_data_masked() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_dead_letters(dir.path());
    let out = dead_letters(&path, &["show", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(CARD), "{stdout}");
    assert!(!stdout.contains("999"), "{stdout}");
    let (head, payload) = stdout.split_once("payload (card data masked):\n").unwrap();
    assert_eq!(
        head,
        "dead letter 1\n\
         job:        1 (shopify.order shopify/demo/order/1001)\n\
         dead since: 2025-12-01 10:00:00 UTC\n\
         failure:    permanent failure, 1 attempt\n\
         reason:     gateway refused card [card ending 1111]\n"
    );
    let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(
        payload,
        json!({"order": 1001, "credit_card": {"number": "[masked]"}, "csc": "[masked]"})
    );
    assert!(stdout.contains("\n  \"order\": 1001"), "pretty: {stdout}");

    let missing = dead_letters(&path, &["show", "7"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no dead letter 7 waiting for replay"));
    assert!(missing.stdout.is_empty());
}

#[test]
fn replay_queues_the_job_again_once_and_exits_one_for_a_letter_not_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_dead_letters(dir.path());
    assert_eq!(job_state(&path, "shopify/demo/order/1002"), JobState::Dead);
    let out = dead_letters(&path, &["replay", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "dead letter 2 replayed: job 2 is queued again\n"
    );
    assert_eq!(
        job_state(&path, "shopify/demo/order/1002"),
        JobState::Queued
    );
    assert_eq!(job_state(&path, "shopify/demo/order/1001"), JobState::Dead);

    let again = dead_letters(&path, &["replay", "2"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("no dead letter 2 waiting for replay"));
    let listed = text(&dead_letters(&path, &["list"]).stdout);
    assert_eq!(listed.lines().count(), 2, "only letter 1 is left: {listed}");
    assert!(listed.contains("shopify/demo/order/1001"));
}

#[test]
fn bad_input_and_a_missing_store_exit_two_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_dead_letters(dir.path());
    let cases: [(&[&str], &str); 5] = [
        (&["list", "--limit", "0"], "--limit"),
        (&["list", "--limit", "many"], "--limit"),
        (&["show", "one"], "<ID>"),
        (&["replay"], "<ID>"),
        (&["forget", "1"], "forget"),
    ];
    for (args, named) in cases {
        let out = dead_letters(&path, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    let nowhere = dead_letters(&dir.path().join("nope.sqlite"), &["list"]);
    assert_eq!(nowhere.status.code(), Some(2));
    let stderr = text(&nowhere.stderr);
    assert!(
        stderr.contains("--store (PAYOPS_STORE): no store at"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("nope.sqlite").exists(),
        "no store is created"
    );
    let unset = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["dead-letters", "list"])
        .env_remove("PAYOPS_STORE")
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(2));
    assert!(text(&unset.stderr).contains("--store <STORE>"));
    // Nothing was replayed by any of it.
    assert_eq!(job_state(&path, "shopify/demo/order/1001"), JobState::Dead);
}

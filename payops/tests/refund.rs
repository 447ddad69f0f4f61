//! `payops refund shopify|magento` run as a user runs it: the job it enqueues into a SQLite store, its
//! exit codes, and its errors naming the flag.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use flows::{Finish, FlowWrites, JobState, SqliteStore, Store};

const SHOP: &str = "demo.myshopify.com";
const KIND: &str = "shopify.refund-request";
const KEY: &str = "shopify/demo.myshopify.com/order/1001/refund-request/CM-1";

/// Runs `payops refund shopify` with `args` after the common ones, on the store `store`.
fn refund(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["refund", "shopify", "--order", "1001", "--currency", "USD"])
        .args(args)
        .env("PAYOPS_STORE", store)
        .env("SHOPIFY_SHOP", SHOP)
        .output()
        .unwrap()
}

/// Runs `payops refund magento` with `args`, on the store `store`.
fn refund_magento(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["refund", "magento", "--currency", "USD"])
        .args(args)
        .env("PAYOPS_STORE", store)
        .env_remove("MAGENTO_STORE_CODE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store file, as the service creates it.
fn store_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("flows.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    path
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_request_enqueues_its_job_once_and_prints_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let args = [
        "--amount",
        "15.00",
        "--request",
        "CM-1",
        "--reason",
        "damaged",
    ];

    for _ in 0..2 {
        let out = refund(&path, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), KEY);
    }

    let store = SqliteStore::open(&path).unwrap();
    let rt = runtime();
    let counts = rt.block_on(store.counts()).unwrap();
    assert_eq!(counts.queued, 1, "{counts:?}");
    let claimed = rt
        .block_on(store.claim("test", flows::now_millis(), 10_000))
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.kind.as_str(), KIND);
    assert_eq!(claimed.job.key, KEY);
    assert_eq!(
        claimed.job.payload,
        serde_json::json!({
            "order_id": 1001, "amount": "15.00", "currency": "USD",
            "reason": "damaged", "request_id": "CM-1",
        })
    );
}

#[test]
fn wait_exits_one_with_the_reason_when_the_request_is_dead() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let args = ["--amount", "15.00", "--request", "CM-1"];
    assert_eq!(refund(&path, &args).status.code(), Some(0));
    // The service's worker dead-letters it.
    let store = SqliteStore::open(&path).unwrap();
    let rt = runtime();
    let claimed = rt
        .block_on(store.claim("worker", flows::now_millis(), 10_000))
        .unwrap()
        .unwrap();
    let dead = Finish::Dead {
        reason: "`amount` 15.00 USD is more than the 10.00 USD left".into(),
        permanent: true,
        failed: true,
    };
    rt.block_on(store.finish(
        claimed.job.lease,
        dead,
        FlowWrites::default(),
        flows::now_millis(),
    ))
    .unwrap();
    let info = rt
        .block_on(store.job(&claimed.job.kind, KEY))
        .unwrap()
        .unwrap();
    assert_eq!(info.state, JobState::Dead);
    // One process per SQLite file: the worker's is gone before the command opens it.
    drop(store);

    let out = refund(&path, &[&args[..], &["--wait"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(KEY), "{stdout}");
    assert!(stdout.contains("more than the 10.00 USD left"), "{stdout}");
}

#[test]
fn bad_input_exits_two_naming_the_flag_and_enqueues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let cases: [(&[&str], &str); 6] = [
        (&["--amount", "1.005", "--request", "CM-1"], "--amount"),
        (&["--amount", "abc", "--request", "CM-1"], "--amount"),
        (&["--amount", "0", "--request", "CM-1"], "--amount"),
        (&["--amount", "-5.00", "--request", "CM-1"], "--amount"),
        (&["--amount", "5.00", "--request", " "], "--request"),
        (&["--amount", "5.00"], "--request"),
    ];
    for (args, flag) in cases {
        let out = refund(&path, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
    let currency = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["refund", "shopify", "--order", "1001", "--currency", "XQQ"])
        .args(["--amount", "5.00", "--request", "CM-1"])
        .env("PAYOPS_STORE", &path)
        .env("SHOPIFY_SHOP", SHOP)
        .output()
        .unwrap();
    assert_eq!(currency.status.code(), Some(2));
    assert!(text(&currency.stderr).contains("--currency"));

    let missing = refund(
        &dir.path().join("typo.sqlite"),
        &["--amount", "5.00", "--request", "CM-1"],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("PAYOPS_STORE"));
    assert!(!dir.path().join("typo.sqlite").exists());

    let store = SqliteStore::open(&path).unwrap();
    let counts = runtime().block_on(store.counts()).unwrap();
    assert_eq!(counts.queued, 0, "{counts:?}");
}

#[test]
fn a_magento_request_is_keyed_under_its_store_view_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let args = ["--order", "42", "--amount", "15.00", "--request", "CM-1"];
    let out = refund_magento(&path, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "magento/default/order/42/refund-request/CM-1"
    );
    let out = refund_magento(&path, &[&args[..], &["--store-code", "fr"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "magento/fr/order/42/refund-request/CM-1"
    );

    let store = SqliteStore::open(&path).unwrap();
    let rt = runtime();
    let claimed = rt
        .block_on(store.claim("test", flows::now_millis(), 10_000))
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.kind.as_str(), "magento.refund-request");
    assert_eq!(
        claimed.job.payload,
        serde_json::json!({
            "order_id": 42, "amount": "15.00", "currency": "USD",
            "reason": null, "request_id": "CM-1",
        })
    );

    // An order id Magento cannot have, and a blank store view.
    let out = refund_magento(
        &path,
        &["--order", "0", "--amount", "1", "--request", "CM-2"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--order 0"),
        "{}",
        text(&out.stderr)
    );
    let out = refund_magento(&path, &[&args[..], &["--store-code", " "]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--store-code"),
        "{}",
        text(&out.stderr)
    );
    let counts = rt.block_on(store.counts()).unwrap();
    assert_eq!(counts.queued, 1, "{counts:?}");
}

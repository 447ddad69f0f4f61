//! Store health, tested on real file systems: a store file that cannot be written stops the
//! service at start with an error naming it; a store whose file system fills up, or whose files
//! turn read-only, mid-run makes the intake answer 503 (the provider retries), never kills the
//! process, and the service recovers by itself once it can write again.
//!
//! The full disk is a 4 MiB tmpfs mounted in a private mount namespace of the service's process
//! (`unshare --mount`, then `nsenter` to fill and empty it): this needs root, as CI has. Without
//! it the test fails, saying so.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::json;
use support::{RUNTIME, RuntimeConfig, RuntimeProcess, SandboxProcess, terminate};

fn is_root() -> bool {
    Command::new("id").arg("-u").output().unwrap().stdout == b"0\n"
}

/// Files made unwritable, and writable again when dropped, whatever the test did: with the
/// immutable attribute as root (permissions do not stop root, and only the attribute stops
/// writes to a file that is already open), with read-only permissions otherwise.
struct Unwritable {
    files: Vec<PathBuf>,
    immutable: bool,
}

impl Unwritable {
    fn new(files: Vec<PathBuf>) -> Self {
        let immutable = is_root();
        for file in &files {
            if immutable {
                let status = Command::new("chattr").arg("+i").arg(file).status().unwrap();
                assert!(
                    status.success(),
                    "chattr +i {}: this test needs a file system with the immutable attribute",
                    file.display()
                );
            } else {
                set_readonly(file, true);
            }
        }
        Self { files, immutable }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        for file in self.files.drain(..) {
            if self.immutable {
                let _ = Command::new("chattr").arg("-i").arg(&file).status();
            } else {
                set_readonly(&file, false);
            }
        }
    }
}

fn set_readonly(file: &Path, readonly: bool) {
    if let Ok(metadata) = std::fs::metadata(file) {
        let mut permissions = metadata.permissions();
        permissions.set_readonly(readonly);
        let _ = std::fs::set_permissions(file, permissions);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_written_stops_the_service_at_start_naming_the_file() {
    let sandbox = SandboxProcess::start(&[], 1);
    let dir = tempfile::tempdir().unwrap();
    let runtime = RuntimeConfig::in_dir(dir.path());
    drop(flows::SqliteStore::open(&runtime.store).unwrap());
    let unwritable = Unwritable::new(vec![PathBuf::from(&runtime.store)]);

    let output = runtime
        .command(&sandbox)
        .stderr(Stdio::piped())
        .output()
        .unwrap();

    drop(unwritable);
    assert!(
        !output.status.success(),
        "the service ran on a store it cannot write"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be written"), "{stderr}");
    assert!(stderr.contains(&runtime.store), "{stderr}");
}

/// A signed Shopify delivery of a topic nobody routes, padded to `size` bytes.
fn padded_delivery(
    sandbox: &SandboxProcess,
    runtime: &RuntimeConfig,
    id: usize,
    size: usize,
) -> reqwest::RequestBuilder {
    let body = json!({"id": id, "note": "x".repeat(size)}).to_string();
    let secret = sandbox.description["shopify"]["webhook_secret"]
        .as_str()
        .unwrap();
    let shop = sandbox.description["shopify"]["shop_domain"]
        .as_str()
        .unwrap();
    let hmac = shopify::webhook::sign(&SecretString::from(secret), body.as_bytes());
    reqwest::Client::new()
        .post(runtime.webhook_url())
        .header("X-Shopify-Topic", "customers/update")
        .header("X-Shopify-Shop-Domain", shop)
        .header("X-Shopify-Webhook-Id", format!("padding-{id}"))
        .header("X-Shopify-Hmac-Sha256", hmac)
        .body(body)
}

/// Runs `script` with `sh` in the mount namespace of process `pid`.
fn in_namespace(pid: u32, script: &str) -> std::process::ExitStatus {
    Command::new("nsenter")
        .args([
            "--target",
            &pid.to_string(),
            "--mount",
            "--",
            "sh",
            "-c",
            script,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
}

async fn ready(runtime: &RuntimeConfig) -> reqwest::StatusCode {
    reqwest::get(format!("http://{}/ready", runtime.listen))
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_on_a_full_disk_answers_503_and_recovers_by_itself() {
    let mut retries = vec![100, 200];
    retries.extend([500; 60]);
    let sandbox = SandboxProcess::start(&retries, 2);
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).unwrap();
    let mut runtime = RuntimeConfig::in_dir(dir.path());
    runtime.store = store_dir.join("payops.sqlite").to_str().unwrap().to_owned();
    sandbox
        .post(
            "shopify/webhooks",
            json!({"topic": "orders/create", "url": runtime.webhook_url()}),
        )
        .await;
    sandbox.seed_customer("disk-a").await;

    // The service in a mount namespace of its own, its store on a 4 MiB tmpfs.
    let mut command = Command::new("unshare");
    command.args(["--mount", "--propagation", "private", "--", "sh", "-c"]);
    command.arg(format!(
        "mount -t tmpfs -o size=4m tmpfs '{}' && exec '{RUNTIME}'",
        store_dir.display()
    ));
    runtime.configure(&mut command, &sandbox);
    let mut child = RuntimeProcess(command.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("http://{}/ready", runtime.listen))
        .await
        .is_err()
    {
        assert!(
            child.try_wait().unwrap().is_none() && Instant::now() < deadline,
            "the service did not start in its own mount namespace: this test needs root \
             (unshare --mount, mount -t tmpfs)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id();
    let first = sandbox.place_order(1, "21.00", "disk-a").await;
    wait_paid(&sandbox, first).await;

    // Fill the file system, then send deliveries until the store cannot take one.
    in_namespace(
        pid,
        &format!("cat /dev/zero > '{}/filler'", store_dir.display()),
    );
    let mut refused = false;
    for id in 0..100 {
        let status = padded_delivery(&sandbox, &runtime, id, 64 * 1024)
            .send()
            .await
            .unwrap()
            .status();
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            refused = true;
            break;
        }
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    assert!(refused, "the store kept accepting writes on a full disk");
    // Small writes may still fit in the space SQLite's files already have (so `/ready` may
    // answer either way); a write that needs more is refused for as long as the disk is full.
    for _ in 0..3 {
        let again = padded_delivery(&sandbox, &runtime, 1_000, 256 * 1024)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(again, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    }
    // An order placed now is answered 503 too, and Shopify keeps retrying it.
    let second = sandbox.place_order(2, "22.00", "disk-a").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the service died on a full disk"
    );
    assert_ne!(sandbox.order(second).await["financial_status"], "paid");

    // Room again: the service takes writes by itself, and the retried order goes through.
    in_namespace(pid, &format!("rm -f '{}/filler'", store_dir.display()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while ready(&runtime).await != reqwest::StatusCode::OK {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = padded_delivery(&sandbox, &runtime, 1_000, 256 * 1024)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(stored, reqwest::StatusCode::OK);
    wait_paid(&sandbox, second).await;
    terminate(&mut child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_turns_read_only_mid_run_answers_503_and_recovers_by_itself() {
    assert!(
        is_root(),
        "this test needs root: only the immutable attribute stops writes to an open file"
    );
    let mut retries = vec![100, 200];
    retries.extend([500; 60]);
    let sandbox = SandboxProcess::start(&retries, 3);
    let dir = tempfile::tempdir().unwrap();
    let runtime = RuntimeConfig::in_dir(dir.path());
    sandbox
        .post(
            "shopify/webhooks",
            json!({"topic": "orders/create", "url": runtime.webhook_url()}),
        )
        .await;
    sandbox.seed_customer("ro-a").await;
    let mut child = runtime.start(&sandbox).await;
    let first = sandbox.place_order(1, "31.00", "ro-a").await;
    wait_paid(&sandbox, first).await;

    // The store's files (the database and its write-ahead log) turn read-only under the
    // running service.
    let mut files = vec![PathBuf::from(&runtime.store)];
    let wal = PathBuf::from(format!("{}-wal", runtime.store));
    if wal.exists() {
        files.push(wal);
    }
    let unwritable = Unwritable::new(files);
    let refused = padded_delivery(&sandbox, &runtime, 1, 16)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(refused, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready(&runtime).await,
        reqwest::StatusCode::SERVICE_UNAVAILABLE
    );
    let second = sandbox.place_order(2, "32.00", "ro-a").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the service died on a read-only store"
    );
    assert_ne!(sandbox.order(second).await["financial_status"], "paid");

    // Writable again: the service recovers by itself, and Shopify's retry goes through.
    drop(unwritable);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ready(&runtime).await != reqwest::StatusCode::OK {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_paid(&sandbox, second).await;
    terminate(&mut child);
}

async fn wait_paid(sandbox: &SandboxProcess, order: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.order(order).await["financial_status"] != "paid" {
        assert!(Instant::now() < deadline, "order {order} was not paid");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

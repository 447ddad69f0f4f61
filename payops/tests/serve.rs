//! `payops serve` as a process, configured by a file against the sandbox's Shopify and PayTrace
//! fakes on loopback (in this test's process): a signed `orders/create` webhook runs its order
//! to paid and booked; `/metrics` shows the webhook and the jobs; the JSON logs are JSON lines;
//! neither shows a secret of the file; an allowlist without the caller refuses the webhook with
//! 403 and nothing is stored; SIGTERM stops the service cleanly.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use erp::Erp;
use flows::Store;
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::paytrace::{Address, PaytraceFake, TransactionKind};
use sandbox::shopify::{FinancialStatus, NewOrder, ShopifyFake};
use sandbox::{Faults, Running};
use serde_json::Value;

const PAYTRACE_USER: &str = "serve-api-user-7c1e";
const PAYTRACE_PASSWORD: &str = "serve-api-password-9f2d";
const PAYTRACE_INTEGRATOR: &str = "SERVEINTEGRATOR41b";
const VAULT: &str = "serve-customer";

/// The fakes the service runs against, and the secrets its file references.
struct Sandbox {
    paytrace: Running<PaytraceFake>,
    shopify: Running<ShopifyFake>,
}

impl Sandbox {
    async fn start() -> Self {
        let faults = Faults::with_seed(5);
        let paytrace =
            PaytraceFake::with_credentials(PAYTRACE_USER, PAYTRACE_PASSWORD, PAYTRACE_INTEGRATOR);
        let paytrace = Running::start(paytrace, &faults).await.unwrap();
        let billing = Address {
            name: Some("Serve Buyer".to_owned()),
            zip: Some("98101".to_owned()),
            ..Address::default()
        };
        assert!(
            paytrace
                .fake
                .seed_customer(VAULT, "4111111111111111", 12, 2030, billing)
        );
        // Shopify retries a refused delivery for 48 hours; here for a few seconds.
        let retries = vec![Duration::from_millis(300), Duration::from_secs(1)];
        let shopify = ShopifyFake::new().with_retry_schedule(retries);
        let shopify = Running::start(shopify, &faults).await.unwrap();
        Self { paytrace, shopify }
    }

    /// Every secret the service is given: none may show in its logs, errors or metrics.
    fn secrets(&self) -> [&str; 5] {
        [
            self.shopify.fake.access_token(),
            self.shopify.fake.webhook_secret(),
            PAYTRACE_USER,
            PAYTRACE_PASSWORD,
            PAYTRACE_INTEGRATOR,
        ]
    }

    /// A config file in `dir` for Shopify + PayTrace against the fakes, with `extra` appended:
    /// the PayTrace password and the Shopify token from files only their owner reads, the
    /// other secrets from the environment ([`Self::env`]).
    fn config(&self, dir: &Path, extra: &str) -> std::path::PathBuf {
        let token = secret_file(dir, "shopify-token", self.shopify.fake.access_token());
        let password = secret_file(dir, "paytrace-password", PAYTRACE_PASSWORD);
        let text = format!(
            r#"[store]
sqlite = "{dir}/flows.sqlite"
[ledger]
sqlite = "{dir}/ledger.sqlite"
[runtime]
listen = "127.0.0.1:0"
concurrency = 2
[shopify_paytrace.shopify]
shop = "{shop}"
api_url = "{shopify_url}"
access_token = {{ file = "{token}" }}
webhook_secret = {{ env = "T_SHOPIFY_WEBHOOK_SECRET" }}
[shopify_paytrace.paytrace]
username = {{ env = "T_PAYTRACE_USER" }}
password = {{ file = "{password}" }}
integrator_id = {{ env = "T_PAYTRACE_INTEGRATOR" }}
account = "serve-merchant"
env = "{paytrace_url}"
timeout_ms = 2000
[shopify_paytrace.backfill]
orders_poll_secs = 0
settlement_poll_secs = 0
sales_poll_secs = 0
[metrics]
jobs_refresh_secs = 1
{extra}"#,
            dir = dir.display(),
            shop = self.shopify.fake.shop_domain(),
            shopify_url = self.shopify.base_url(),
            token = token.display(),
            password = password.display(),
            paytrace_url = self.paytrace.base_url(),
        );
        let path = dir.join("payops.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The environment variables the file names.
    fn env(&self) -> [(&str, &str); 3] {
        [
            (
                "T_SHOPIFY_WEBHOOK_SECRET",
                self.shopify.fake.webhook_secret(),
            ),
            ("T_PAYTRACE_USER", PAYTRACE_USER),
            ("T_PAYTRACE_INTEGRATOR", PAYTRACE_INTEGRATOR),
        ]
    }

    /// Places an order paid by the vault customer (Shopify sends `orders/create`); its id.
    fn place_order(&self, cents: i64) -> u64 {
        let order = NewOrder::simple("buyer@example.com", Decimal::new(cents, 2))
            .note_attribute(ATTR_VAULT_CUSTOMER, VAULT);
        self.shopify.fake.create_order(order)["id"]
            .as_u64()
            .unwrap()
    }
}

fn secret_file(dir: &Path, name: &str, value: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{value}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// The `payops serve` process: its address (from its start-up log line) and everything it
/// wrote. Killed when dropped, so a failing test leaves none behind.
struct Service {
    child: Child,
    address: SocketAddr,
    stdout: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    stderr: Arc<Mutex<String>>,
}

impl Service {
    /// Starts `payops serve --config config` with `env` and waits (20 s at most) for the log line
    /// saying where it listens; the logs must be `json`.
    fn start(config: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_payops"))
            .args(["serve", "--config"])
            .arg(config)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (listening, address) = mpsc::channel();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let kept = Arc::clone(&stdout);
        // Read all the time, so that the service never blocks on a full pipe.
        let out_reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<Value>(&line) {
                    if event["message"] == "payops serve listening" {
                        let _ = listening.send(event["address"].as_str().unwrap().to_owned());
                    }
                }
                kept.lock().unwrap().push(line);
            }
        });
        let mut err = child.stderr.take().unwrap();
        let kept = Arc::clone(&stderr);
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            kept.lock().unwrap().push_str(&text);
        });
        let address = match address.recv_timeout(Duration::from_secs(20)) {
            Ok(address) => address.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the service never said where it listens:\n{}\n{}",
                    stdout.lock().unwrap().join("\n"),
                    stderr.lock().unwrap()
                );
            }
        };
        Self {
            child,
            address,
            stdout,
            readers: vec![out_reader, err_reader],
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// SIGTERM, then its exit status, its standard output lines and its standard error.
    fn terminate(mut self) -> (ExitStatus, Vec<String>, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "no exit 30 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let stdout = std::mem::take(&mut *self.stdout.lock().unwrap());
        let stderr = std::mem::take(&mut *self.stderr.lock().unwrap());
        (status, stdout, stderr)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 50 ms for up to `secs` seconds.
async fn eventually<F: std::future::Future<Output = bool>>(
    secs: u64,
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of the sample of `name` whose labels include every one of `labels`
/// (`route="/ready"`), in Prometheus text.
fn sample(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            metric == name && labels.iter().all(|label| rest.contains(label))
        })
        .and_then(|(_, value)| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_webhook_runs_its_order_to_paid_with_metrics_and_json_logs() {
    let sandbox = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox.config(dir.path(), "[log]\nformat = \"json\"\nlevel = \"info\"\n");
    let service = Service::start(&config, &sandbox.env());
    let webhooks = url::Url::parse(&service.url("/webhooks/shopify")).unwrap();
    sandbox
        .shopify
        .fake
        .register_webhook("orders/create", webhooks);

    let id = sandbox.place_order(2450);
    let shopify = &sandbox.shopify.fake;
    eventually(30, "the order paid", || async {
        shopify
            .order(id)
            .is_some_and(|o| o.financial_status() == FinancialStatus::Paid)
    })
    .await;
    let sales = sandbox.paytrace.fake.transactions();
    assert_eq!(sales.len(), 1, "{sales:#?}");
    assert!(sales[0].approved && matches!(sales[0].kind, TransactionKind::Sale));
    assert_eq!(sales[0].amount, Decimal::new(2450, 2));
    let recorded = shopify.order(id).unwrap().metafields;
    assert!(
        recorded
            .iter()
            .any(|m| m.key == "transaction_id" && m.value == sales[0].id.to_string()),
        "{recorded:#?}"
    );

    // The webhook's answer and the finished jobs, as Prometheus reads them.
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let (status, metrics) = get(&service.url("/metrics")).await;
        assert_eq!(status, 200);
        if sample(&metrics, "payops_jobs", &["state=\"done\""]).is_some_and(|n| n >= 1.0) {
            break metrics;
        }
        assert!(Instant::now() < deadline, "no done job in:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let webhook = ["route=\"/webhooks/shopify\"", "status=\"200\""];
    assert_eq!(
        sample(&metrics, "payops_http_requests_total", &webhook),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, "payops_jobs", &["state=\"dead\""]),
        Some(0.0)
    );
    assert!(sample(&metrics, "payops_inbox_events", &[]).is_some_and(|n| n >= 1.0));
    // Paths the service does not serve share one series.
    assert_eq!(get(&service.url("/admin/../etc/passwd")).await.0, 404);
    let (_, metrics) = get(&service.url("/metrics")).await;
    assert!(
        sample(
            &metrics,
            "payops_http_requests_total",
            &["route=\"other\"", "status=\"404\""]
        )
        .is_some(),
        "{metrics}"
    );
    for secret in sandbox.secrets() {
        assert!(!metrics.contains(secret), "a secret in the metrics");
    }

    let (status, stdout, stderr) = service.terminate();
    assert!(status.success(), "{status}: {stderr}");
    assert!(stdout.len() >= 2, "{stdout:#?}");
    for line in &stdout {
        let event: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            event["timestamp"].is_string() && event["level"].is_string(),
            "{line}"
        );
    }
    assert!(stdout.iter().any(|l| l.contains("payops serve stopped")));
    for secret in sandbox.secrets() {
        assert!(
            !stdout.iter().any(|l| l.contains(secret)),
            "a secret in the logs"
        );
        assert!(!stderr.contains(secret), "a secret in standard error");
    }

    // Stopped, the store and the ledger can be opened: the delivery stored once, the order's
    // job done, and the order booked.
    let store = flows::SqliteStore::open(dir.path().join("flows.sqlite")).unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.events, counts.dead, counts.queued),
        (1, 0, 0),
        "{counts:?}"
    );
    let ledger = erp::LocalLedger::open(dir.path().join("ledger.sqlite"))
        .await
        .unwrap();
    let invoice = format!("shopify/{}/order/{id}/invoice", shopify.shop_domain());
    assert!(
        ledger
            .find_by_external_ref(&invoice)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowlist_without_the_caller_refuses_its_webhook_and_stores_nothing() {
    let sandbox = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let allow = "[routes.allow]\n\"/webhooks/shopify\" = [\"203.0.113.0/24\", \"2001:db8::/32\"]\n\
                 [log]\nformat = \"json\"\n";
    let config = sandbox.config(dir.path(), allow);
    let service = Service::start(&config, &sandbox.env());
    let webhooks = url::Url::parse(&service.url("/webhooks/shopify")).unwrap();
    sandbox
        .shopify
        .fake
        .register_webhook("orders/create", webhooks);

    let id = sandbox.place_order(1999);
    let sender = sandbox.shopify.fake.webhooks();
    eventually(10, "Shopify's delivery refused", || async {
        sender.attempts().iter().any(|a| a.status == Some(403))
    })
    .await;
    assert!(
        sender.attempts().iter().all(|a| a.status == Some(403)),
        "{:?}",
        sender.attempts()
    );
    // Routes not listed stay open.
    assert_eq!(get(&service.url("/ready")).await.0, 200);
    let (_, metrics) = get(&service.url("/metrics")).await;
    let refused = ["route=\"/webhooks/shopify\"", "status=\"403\""];
    assert!(
        sample(&metrics, "payops_http_requests_total", &refused).is_some_and(|n| n >= 1.0),
        "{metrics}"
    );

    let (status, stdout, stderr) = service.terminate();
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stdout
            .iter()
            .any(|l| l.contains("not on the route's allowlist")),
        "{stdout:#?}"
    );
    let store = flows::SqliteStore::open(dir.path().join("flows.sqlite")).unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.events, counts.queued, counts.running, counts.done),
        (0, 0, 0, 0),
        "{counts:?}"
    );
    assert!(sandbox.paytrace.fake.transactions().is_empty());
    assert_ne!(
        sandbox.shopify.fake.order(id).unwrap().financial_status(),
        FinancialStatus::Paid
    );
}

/// A loopback receiver of notices: every body it was sent, with its signature header.
async fn notice_receiver() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let kept = Arc::clone(&kept);
                async move {
                    let signature = headers
                        .get("payops-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    kept.lock().unwrap().push((signature, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

const CONSOLE_TOKEN: &str = "serve-console-token-2f8a61c0";
const NOTIFY_SECRET: &str = "serve-notify-secret-b3d9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_order_reaches_a_person_and_the_console_opens_with_its_token() {
    let sandbox = Sandbox::start().await;
    let (hook, notices) = notice_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = r#"[console]
token = { env = "T_CONSOLE_TOKEN" }
[[notify.webhook]]
url = { env = "T_NOTIFY_URL" }
secret = { env = "T_NOTIFY_SECRET" }
[log]
format = "json"
"#;
    let config = sandbox.config(dir.path(), extra);
    let mut env = sandbox.env().to_vec();
    env.extend([
        ("T_CONSOLE_TOKEN", CONSOLE_TOKEN),
        ("T_NOTIFY_URL", hook.as_str()),
        ("T_NOTIFY_SECRET", NOTIFY_SECRET),
    ]);
    let service = Service::start(&config, &env);
    let webhooks = url::Url::parse(&service.url("/webhooks/shopify")).unwrap();
    sandbox
        .shopify
        .fake
        .register_webhook("orders/create", webhooks);

    // PayTrace's sandbox declines 1.12.
    let id = sandbox.place_order(112);
    let received = Arc::clone(&notices);
    eventually(30, "the decline's notice", || {
        let received = Arc::clone(&received);
        async move { !received.lock().unwrap().is_empty() }
    })
    .await;
    let (signature, body) = notices.lock().unwrap()[0].clone();
    flows::signature::verify(
        &signature,
        &body,
        &[secrecy::SecretString::from(NOTIFY_SECRET.to_owned())],
        time::OffsetDateTime::now_utc(),
        flows::signature::TOLERANCE,
    )
    .unwrap();
    let notice: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(notice["metadata"]["event_type"], "payops_payment_declined");
    let payload = &notice["metadata"]["event_payload"];
    assert_eq!(
        payload["key"],
        format!(
            "shopify/{}/order/{id}/notice/declined",
            sandbox.shopify.fake.shop_domain()
        )
    );
    assert_eq!(
        payload["link"],
        format!("http://{}/console", service.address)
    );

    // The console: nothing without the token, its pages with it.
    let (status, page) = get(&service.url("/console")).await;
    assert_eq!(status, 401);
    assert!(!page.contains("shopify.order-payment"), "{page}");
    let jobs = reqwest::Client::new()
        .get(service.url("/console/jobs"))
        .bearer_auth(CONSOLE_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(jobs.status().as_u16(), 200);
    let page = jobs.text().await.unwrap();
    assert!(page.contains("shopify.order-payment"), "{page}");
    assert!(page.contains("payops.notify"), "{page}");

    let (status, stdout, stderr) = service.terminate();
    assert!(status.success(), "{stderr}");
    let everything = format!("{}\n{stderr}\n{page}", stdout.join("\n"));
    for secret in sandbox
        .secrets()
        .into_iter()
        .chain([CONSOLE_TOKEN, NOTIFY_SECRET])
    {
        assert!(!everything.contains(secret), "a secret in the output");
    }
}

//! Processes for the process tests: the sandbox fakes in a process of their own (state kept while
//! the runtime is killed and restarted), driven through their control API, and the
//! `shopify_paytrace` service binary configured against them, one process or a [`Fleet`] of them.
//! [`crash`] holds what the crash tests share.
#![allow(clippy::unwrap_used, dead_code)]

pub mod crash;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The PayTrace merchant account named in ERP references.
pub const ACCOUNT: &str = "crash-merchant";
/// A PayTrace test card.
pub const VISA: &str = "4012000098765439";
/// The PayTrace fake declines a sale of this amount.
pub const DECLINED_AMOUNT: &str = "1.12";

/// The service binary under test.
pub const RUNTIME: &str = env!("CARGO_BIN_EXE_shopify_paytrace");

/// The sandbox binary running PayTrace and Shopify, with its control API.
pub struct SandboxProcess {
    child: Child,
    /// What it printed: URLs and credentials.
    pub description: Value,
    control: String,
    http: reqwest::Client,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProcess {
    /// Starts PayTrace and Shopify with this webhook retry schedule and fault seed.
    pub fn start(retries: &[u64], seed: u64) -> Self {
        let schedule = retries
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox_server"))
            .args(["--control", "127.0.0.1:0", "--seed", &seed.to_string()])
            .args(["--webhook-retries", &schedule, "paytrace", "shopify"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let description: Value = serde_json::from_str(&line).unwrap();
        let control = description["control"].as_str().unwrap().to_owned();
        Self {
            child,
            description,
            control,
            http: reqwest::Client::new(),
        }
    }

    /// `GET /control/{path}`.
    pub async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}/{path}", self.control))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// `POST /control/{path}` with `body`.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/{path}", self.control))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        answer
    }

    /// Seeds a vault customer `id` with the test card.
    pub async fn seed_customer(&self, id: &str) {
        let customer = json!({
            "customer_id": id, "card_number": VISA, "expiration_month": 12,
            "expiration_year": 2035, "billing": {"name": "Crash Buyer", "zip": "85284"}
        });
        self.post("paytrace/customers", customer).await;
    }

    /// Creates an order of one item at `amount` paid by vault customer `vault` (which sends
    /// `orders/create`); returns its id.
    pub async fn place_order(&self, n: usize, amount: &str, vault: &str) -> u64 {
        let order = json!({
            "email": format!("buyer{n}@example.com"),
            "line_items": [{"title": "Crash item", "sku": "CRASH-1", "price": amount}],
            "note_attributes": [{"name": "paytrace_customer_id", "value": vault}],
        });
        self.post("shopify/orders", order).await["id"]
            .as_u64()
            .unwrap()
    }

    /// The Shopify order as the fake holds it (financial status, tags, metafields).
    pub async fn order(&self, id: u64) -> Value {
        self.get(&format!("shopify/orders/{id}")).await
    }

    /// Every PayTrace transaction, declines included.
    pub async fn transactions(&self) -> Vec<Value> {
        self.get("paytrace/transactions").await["transactions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Webhook deliveries still waiting for an answer or a retry.
    pub async fn pending_webhooks(&self) -> u64 {
        self.get("shopify/webhooks").await["pending"]
            .as_u64()
            .unwrap()
    }

    /// Adds a fault rule.
    pub async fn fault(&self, rule: Value) {
        self.post("faults", rule).await;
    }
}

/// A free port on loopback (bound and released: the runtime binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How a runtime process is configured.
pub struct RuntimeConfig {
    /// Where it listens for webhooks.
    pub listen: String,
    /// `PAYOPS_STORE`: a SQLite file or a `postgres://` URL.
    pub store: String,
    /// `PAYOPS_LEDGER`: a SQLite file or a `postgres://` URL.
    pub ledger: String,
    /// PayTrace client timeout, ms.
    pub paytrace_timeout_ms: u64,
    /// Processing window, ms.
    pub processing_window_ms: u64,
    /// Lease, ms.
    pub lease_ms: u64,
}

impl RuntimeConfig {
    /// Files in `dir`, a free port, short timeouts for the fakes.
    pub fn in_dir(dir: &Path) -> Self {
        let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        Self::new(file("payops.sqlite"), file("payops-ledger.sqlite"))
    }

    /// The store and the ledger in the PostgreSQL database at `url`, a free port, short
    /// timeouts for the fakes.
    pub fn on_database(url: &str) -> Self {
        Self::new(url.to_owned(), url.to_owned())
    }

    fn new(store: String, ledger: String) -> Self {
        Self {
            listen: format!("127.0.0.1:{}", free_port()),
            store,
            ledger,
            paytrace_timeout_ms: 800,
            // The late-charge fault lands 300 ms after the client gave up, counted from when the
            // fake read the request; on a loaded machine that can be far behind the client's
            // clock, so the window (how long a charge may land after the client gave up, as a
            // merchant sets it from PayTrace's behaviour) keeps a wide margin over the fault.
            // A window as short as the fault's delay lets a real late charge through as a
            // resend: a CI run with other builds on the two cores charged an order twice.
            processing_window_ms: 1_500,
            lease_ms: 2_000,
        }
    }

    /// Opens its store as the binary does (while no runtime runs, for a SQLite file).
    pub async fn open_store(&self) -> Arc<dyn flows::Store> {
        examples::open_store(&self.store, 1).await.unwrap()
    }

    /// Opens its ledger as the binary does (while no runtime runs, for a SQLite file).
    pub async fn open_ledger(&self) -> Arc<erp::LocalLedger> {
        examples::open_ledger(&self.ledger, 1).await.unwrap()
    }

    /// Where Shopify must send webhooks.
    pub fn webhook_url(&self) -> String {
        format!("http://{}/webhooks/shopify", self.listen)
    }

    /// The `shopify_paytrace` binary's command, configured against `sandbox`.
    pub fn command(&self, sandbox: &SandboxProcess) -> Command {
        let mut command = Command::new(RUNTIME);
        self.configure(&mut command, sandbox);
        command
    }

    /// Sets the runtime's environment (and quiet standard streams) on `command`.
    pub fn configure(&self, command: &mut Command, sandbox: &SandboxProcess) {
        let d = &sandbox.description;
        let text = |v: &Value| v.as_str().unwrap().to_owned();
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SHOPIFY_SHOP", text(&d["shopify"]["shop_domain"]))
            .env("SHOPIFY_ACCESS_TOKEN", text(&d["shopify"]["access_token"]))
            .env(
                "SHOPIFY_WEBHOOK_SECRET",
                text(&d["shopify"]["webhook_secret"]),
            )
            .env("SHOPIFY_API_URL", text(&d["shopify"]["url"]))
            .env("PAYTRACE_USERNAME", text(&d["paytrace"]["username"]))
            .env("PAYTRACE_PASSWORD", text(&d["paytrace"]["password"]))
            .env(
                "PAYTRACE_INTEGRATOR_ID",
                text(&d["paytrace"]["integrator_id"]),
            )
            .env("PAYTRACE_ENV", text(&d["paytrace"]["url"]))
            .env("PAYTRACE_ACCOUNT", ACCOUNT)
            .env("PAYTRACE_TIMEOUT_MS", self.paytrace_timeout_ms.to_string())
            .env(
                "PAYOPS_PROCESSING_WINDOW_MS",
                self.processing_window_ms.to_string(),
            )
            .env("PAYOPS_LEASE_MS", self.lease_ms.to_string())
            // The orders backfill is a perpetual job, always queued: the checks here count
            // queued jobs to know the runtimes are idle.
            .env("PAYOPS_ORDERS_POLL_SECS", "0")
            .env("PAYOPS_SETTLEMENT_POLL_SECS", "0")
            .env("PAYOPS_SALES_POLL_SECS", "0")
            .env("PAYOPS_STORE", &self.store)
            .env("PAYOPS_LEDGER", &self.ledger)
            .env("PAYOPS_LISTEN", &self.listen)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }

    /// Starts the runtime and waits until it answers on its port.
    pub async fn start(&self, sandbox: &SandboxProcess) -> RuntimeProcess {
        let child = RuntimeProcess(self.command(sandbox).spawn().unwrap());
        self.wait_listening().await;
        child
    }

    /// Waits (10 s at most) until something answers `GET /ready` on the runtime's port.
    pub async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let url = format!("http://{}/ready", self.listen);
        while reqwest::get(&url).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the runtime never listened on {}",
                self.listen
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A runtime process, killed when dropped so that a failing test leaves none behind.
pub struct RuntimeProcess(pub Child);

impl std::ops::Deref for RuntimeProcess {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for RuntimeProcess {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for RuntimeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGKILL: the process dies wherever it is.
pub fn kill(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// SIGTERM, then waits for a graceful exit (in-flight jobs finish or are released).
pub fn terminate(child: &mut Child) {
    signal(child, "TERM");
    wait_success(child);
}

/// Sends `child` the signal `name` (`TERM`, `STOP`, ...).
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {}", child.id());
}

fn wait_success(child: &mut Child) {
    let exit = child.wait().unwrap();
    assert!(exit.success(), "the runtime exited with {exit}");
}

/// Runtime processes sharing one store and one ledger, each with its own port (one process, on
/// SQLite files).
pub struct Fleet {
    configs: Vec<RuntimeConfig>,
    running: Vec<Option<RuntimeProcess>>,
}

impl Fleet {
    /// A fleet of `configs`, none started; they must name the same store and ledger.
    pub fn new(configs: Vec<RuntimeConfig>) -> Self {
        assert!(!configs.is_empty());
        assert!(
            configs
                .iter()
                .all(|c| c.store == configs[0].store && c.ledger == configs[0].ledger),
            "one store and one ledger for the fleet"
        );
        let running = configs.iter().map(|_| None).collect();
        Self { configs, running }
    }

    /// How many runtimes it has.
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// Their configurations.
    pub fn configs(&self) -> &[RuntimeConfig] {
        &self.configs
    }

    /// Starts runtime `i` (unless it runs) and waits until it listens.
    pub async fn start(&mut self, i: usize, sandbox: &SandboxProcess) {
        if self.running[i].is_none() {
            self.running[i] = Some(self.configs[i].start(sandbox).await);
        }
    }

    /// Starts every runtime not running, all at once (their migrations race, as on a
    /// deployment's start), and waits until each listens.
    pub async fn start_all(&mut self, sandbox: &SandboxProcess) {
        for (config, slot) in self.configs.iter().zip(&mut self.running) {
            if slot.is_none() {
                *slot = Some(RuntimeProcess(config.command(sandbox).spawn().unwrap()));
            }
        }
        for config in &self.configs {
            config.wait_listening().await;
        }
    }

    /// Runtime `i`'s process; panics unless it runs.
    pub fn process(&self, i: usize) -> &RuntimeProcess {
        self.running[i]
            .as_ref()
            .expect("the runtime is not running")
    }

    /// SIGKILL to runtime `i`.
    pub fn kill(&mut self, i: usize) {
        let mut child = self.running[i].take().expect("the runtime is not running");
        kill(&mut child);
    }

    /// SIGTERM to every runtime running, then waits for each to exit gracefully.
    pub fn terminate_all(&mut self) {
        let mut stopping: Vec<RuntimeProcess> =
            self.running.iter_mut().flat_map(Option::take).collect();
        for child in &stopping {
            signal(child, "TERM");
        }
        for child in &mut stopping {
            wait_success(child);
        }
    }

    /// Opens the fleet's store (while none runs, for a SQLite file).
    pub async fn open_store(&self) -> Arc<dyn flows::Store> {
        self.configs[0].open_store().await
    }

    /// Opens the fleet's ledger (while none runs, for a SQLite file).
    pub async fn open_ledger(&self) -> Arc<erp::LocalLedger> {
        self.configs[0].open_ledger().await
    }
}

//! Load generator: full Shopify + PayTrace flows per second through the offline stack (sandbox
//! fakes on loopback, the runtime's store, the embedded ledger), with end-to-end latency.
//!
//! One flow is: the `orders/create` webhook signed and delivered to the intake, stored, its jobs
//! run, a PayTrace sale, the Shopify order marked paid with metafields, and four ERP documents
//! (customer, sales order, invoice, payment). Latency runs from the order's creation in the Shopify
//! fake (which sends the webhook) to the ERP payment's record in the store's effect log, which one
//! task follows for all flows (`Store::effects_after`, every millisecond).
//!
//! Closed loop: at most `in flight` flows run at once; a new order is placed when one finishes.
//!
//! Usage: `cargo run --release -p examples --bin loadgen -- [orders] [in flight] [worker
//! concurrency]` (defaults 2000, 50 and the in-flight count). Everything, fakes included, runs on
//! this machine.
//!
//! The store is a SQLite file in a temporary directory unless `PAYOPS_STORE` names another (a
//! `postgres://` URL of an empty database, say; `PAYOPS_PG_POOL` connections, default the worker
//! concurrency plus 8). `LOADGEN_PG=1` starts a throwaway PostgreSQL cluster on loopback for the
//! run (`initdb` and `pg_ctl` from Debian's `postgresql` package, see `pg-testkit`) and puts the
//! store there, `LOADGEN_PG=ledger` the store and the ledger (one database). `PAYOPS_LEDGER` may
//! name a PostgreSQL ledger too.
//!
//! `LOADGEN_RUNTIMES=N` (N > 1) runs N runtime processes on one database: this one and N - 1
//! `shopify_paytrace` processes (the binary next to this one, built with it) against the same
//! fakes, store and ledger, each with the worker concurrency. Both must then be on PostgreSQL
//! (`LOADGEN_PG=ledger`, say).
// Floats only for the throughput figure printed at the end; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use examples::{BoxError, OfflineStack, StackOptions, StoreLocation};
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::paytrace::Address;
use sandbox::shopify::NewOrder;

// What a service would run with: glibc's allocator spends a fifth of the CPU of this workload
// in contended malloc/free (measured with perf); the README gives figures with both.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    examples::checked_exit_code("loadgen", run().await)
}

async fn run() -> Result<bool, BoxError> {
    let mut args = std::env::args().skip(1);
    let orders: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let in_flight: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(in_flight), |a| a.parse())?;
    // Kept until the end: dropping it stops the cluster.
    // `1`: the store in a throwaway cluster; `ledger`: the store and the ledger.
    let pg = std::env::var("LOADGEN_PG").unwrap_or_default();
    let cluster = match pg.as_str() {
        "1" | "ledger" => Some(pg_testkit::Cluster::start()?),
        "" => None,
        other => return Err(format!("LOADGEN_PG is 1 or ledger, not {other:?}").into()),
    };
    let mut options = StackOptions {
        concurrency,
        ..StackOptions::default()
    }
    .from_env();
    let runtimes: usize = std::env::var("LOADGEN_RUNTIMES").map_or(Ok(1), |n| n.parse())?;
    if let Some(cluster) = &cluster {
        let url = cluster.fresh_database()?;
        if pg == "ledger" {
            options.ledger = Some(url.clone());
        }
        options.store = Some(url);
    }
    let backend = match options.store.as_deref() {
        Some(value) => format!("{:?}", StoreLocation::parse(value)),
        None => "SQLite (temporary file)".to_owned(),
    };
    let stack = OfflineStack::start(options.clone()).await?;
    // Shopify's cost bucket is sized for one app's steady traffic; a load test measures the
    // runtime, not the throttle, so the fake's bucket is made large.
    stack.shopify.fake.set_bucket(u32::MAX / 2, u32::MAX / 4);
    let billing = Address {
        name: Some("Load".to_owned()),
        zip: Some("98101".to_owned()),
        ..Address::default()
    };
    stack
        .paytrace
        .fake
        .seed_customer("load-customer", "4111111111111111", 12, 2030, billing);

    let _others = Runtimes::start(runtimes - 1, &stack, &options, concurrency)?;
    let shop = stack.shopify.fake.shop_domain().to_owned();
    let stack = Arc::new(stack);
    let done = Arc::new(Mutex::new(Completions::default()));
    let follower = tokio::spawn(follow_payments(Arc::clone(&stack), Arc::clone(&done)));
    let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let started = Instant::now();
    let mut flows = tokio::task::JoinSet::new();
    for i in 0..orders {
        let permit = Arc::clone(&slots).acquire_owned().await?;
        let (stack, shop, done) = (Arc::clone(&stack), shop.clone(), Arc::clone(&done));
        flows.spawn(async move {
            let _permit = permit;
            let amount = Decimal::new(1000 + i64::try_from(i % 9000).unwrap_or(0) * 100, 2);
            let order = NewOrder::simple(&format!("load{i}@example.com"), amount)
                .note_attribute(ATTR_VAULT_CUSTOMER, "load-customer");
            let sent = Instant::now();
            let body = stack.shopify.fake.create_order(order);
            let id = body.get("id").and_then(serde_json::Value::as_u64)?;
            let key = format!("shopify/{shop}/order/{id}/erp/payment");
            let finished = lock(&done).wait_for(key);
            let at = match finished {
                Ok(at) => at,
                Err(waiting) => tokio::time::timeout(Duration::from_secs(60), waiting)
                    .await
                    .ok()?
                    .ok()?,
            };
            Some(at.saturating_duration_since(sent))
        });
    }
    let mut latencies = Vec::with_capacity(orders);
    while let Some(joined) = flows.join_next().await {
        if let Some(latency) = joined? {
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
    follower.abort();
    let settled = stack.settle(Duration::from_secs(60)).await?;
    latencies.sort_unstable();
    let completed = latencies.len();
    let percentile = |p: usize| {
        latencies
            .get((completed * p / 100).min(completed.saturating_sub(1)))
            .map_or(-1.0, |d| d.as_secs_f64() * 1000.0)
    };
    let dead = stack.store.dead_letters(10).await?.len();
    let sales = stack.paytrace.fake.transactions().len();

    println!(
        "orders {orders}, {in_flight} flows in flight, worker concurrency {concurrency}, settled {settled}"
    );
    let ledger = match options.ledger.as_deref() {
        Some(value) => format!("{:?}", StoreLocation::parse(value)),
        None => "SQLite (temporary file)".to_owned(),
    };
    println!("store {backend}, ledger {ledger}, runtime processes {runtimes}");
    println!("completed flows {completed}, PayTrace sales {sales}, dead letters {dead}");
    println!(
        "wall time {:.2} s, throughput {:.0} flows/s",
        elapsed.as_secs_f64(),
        completed as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.1} p90 {:.1} p99 {:.1} max {:.1}",
        percentile(50),
        percentile(90),
        percentile(99),
        percentile(100)
    );
    match Arc::try_unwrap(stack) {
        Ok(stack) => stack.stop().await?,
        Err(_) => return Err("flows still hold the stack".into()),
    }
    Ok(settled && completed == orders && sales == orders && dead == 0)
}

/// The other runtime processes, killed when dropped.
struct Runtimes(Vec<std::process::Child>);

impl Runtimes {
    /// Starts `count` `shopify_paytrace` processes on the stack's fakes, store and ledger.
    fn start(
        count: usize,
        stack: &OfflineStack,
        options: &StackOptions,
        concurrency: usize,
    ) -> Result<Self, BoxError> {
        let mut started = Self(Vec::new());
        if count == 0 {
            return Ok(started);
        }
        let postgres = |value: &Option<String>| match value.as_deref().map(StoreLocation::parse) {
            Some(StoreLocation::Postgres(url)) => Some(url),
            _ => None,
        };
        let (Some(store), Some(ledger)) = (postgres(&options.store), postgres(&options.ledger))
        else {
            return Err("LOADGEN_RUNTIMES needs the store and the ledger on PostgreSQL".into());
        };
        let binary = std::env::current_exe()?.with_file_name("shopify_paytrace");
        let (shopify, paytrace) = (&stack.shopify, &stack.paytrace);
        for _ in 0..count {
            // Its intake listens on a port of its own; the fake's webhooks go to this process,
            // and the jobs they add are claimed by any.
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let child = std::process::Command::new(&binary)
                .env_clear()
                .env("SHOPIFY_SHOP", shopify.fake.shop_domain())
                .env("SHOPIFY_ACCESS_TOKEN", shopify.fake.access_token())
                .env("SHOPIFY_WEBHOOK_SECRET", shopify.fake.webhook_secret())
                .env("SHOPIFY_API_URL", shopify.base_url().as_str())
                .env("PAYTRACE_USERNAME", paytrace.fake.username())
                .env("PAYTRACE_PASSWORD", paytrace.fake.password())
                .env("PAYTRACE_INTEGRATOR_ID", paytrace.fake.integrator_id())
                .env("PAYTRACE_ENV", paytrace.base_url().as_str())
                .env("PAYTRACE_ACCOUNT", examples::PAYTRACE_ACCOUNT)
                .env("PAYTRACE_TIMEOUT_MS", "2000")
                .env("PAYOPS_PROCESSING_WINDOW_MS", "500")
                .env("PAYOPS_CONCURRENCY", concurrency.to_string())
                // The orders backfill's perpetual job would keep the queue from ever draining.
                .env("PAYOPS_ORDERS_POLL_SECS", "0")
                .env("PAYOPS_SETTLEMENT_POLL_SECS", "0")
                .env("PAYOPS_SALES_POLL_SECS", "0")
                .env("PAYOPS_STORE", &store)
                .env("PAYOPS_LEDGER", &ledger)
                .env("PAYOPS_LISTEN", format!("127.0.0.1:{port}"))
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .spawn()
                .map_err(|err| format!("could not start {}: {err}", binary.display()))?;
            started.0.push(child);
        }
        Ok(started)
    }
}

impl Drop for Runtimes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// When each flow's ERP payment appeared in the effect log, handed to the flow waiting for it.
#[derive(Default)]
struct Completions {
    waiting: HashMap<String, tokio::sync::oneshot::Sender<Instant>>,
    seen: HashMap<String, Instant>,
}

impl Completions {
    /// When `key` was recorded, or a receiver that will be told.
    fn wait_for(
        &mut self,
        key: String,
    ) -> Result<Instant, tokio::sync::oneshot::Receiver<Instant>> {
        if let Some(at) = self.seen.remove(&key) {
            return Ok(at);
        }
        let (tell, told) = tokio::sync::oneshot::channel();
        self.waiting.insert(key, tell);
        Err(told)
    }

    fn recorded(&mut self, key: String, at: Instant) {
        match self.waiting.remove(&key) {
            Some(tell) => {
                let _ = tell.send(at);
            }
            None => {
                self.seen.insert(key, at);
            }
        }
    }
}

fn lock(done: &Mutex<Completions>) -> MutexGuard<'_, Completions> {
    done.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Follows the audit log (one read a millisecond for all flows, so watching costs the stack
/// little) and reports every ERP payment; a completion is seen at most about 1 ms late. Effect
/// ids become visible in id order on both stores, so the cursor never passes over one.
async fn follow_payments(stack: Arc<OfflineStack>, done: Arc<Mutex<Completions>>) {
    let mut last = 0;
    loop {
        let effects = stack
            .store
            .effects_after(last, 10_000)
            .await
            .unwrap_or_default();
        let at = Instant::now();
        for effect in effects {
            last = effect.id;
            if effect.key.ends_with("/erp/payment") {
                lock(&done).recorded(effect.key, at);
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

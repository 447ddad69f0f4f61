//! What the crash tests share: the misbehaving sandbox they run against, the orders they place,
//! running a [`Fleet`] to idle after the kills, and the checks of exactly once from the fakes'
//! control API and from the fleet's store and ledger.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use erp::Erp;
use rand::Rng;
use serde_json::{Value, json};

use super::{DECLINED_AMOUNT, Fleet, SandboxProcess};

/// The vault customers paying the orders, in turn.
const VAULTS: [&str; 3] = ["crash-a", "crash-b", "crash-c"];

/// The environment variable `name` as a number, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the test expects of an order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// Charged once for this amount, marked paid, booked once.
    Paid { cents: i64 },
    /// Sent to PayTrace once, declined, never paid nor booked.
    Declined,
}

/// Starts the sandbox for `fleet`: Shopify's `orders/create` webhooks subscribed for each of its
/// runtimes (so an order's delivery reaches every process, with one event id) and retried for
/// about a minute, the vault customers seeded, and the faults of the crash tests on: PayTrace
/// drops the answer of 30 % of sales, applies 10 % after the client gave up, answers 503s and
/// 429s; Shopify answers 500s and 429s and is slow at times. `seed` is the faults' seed.
pub async fn faulty_sandbox(seed: u64, fleet: &Fleet) -> SandboxProcess {
    // Shopify retries a webhook for 48 hours; here for about a minute.
    let mut retries = vec![50, 100, 200, 400, 800];
    retries.extend([1_000; 60]);
    let sandbox = SandboxProcess::start(&retries, seed);
    for runtime in fleet.configs() {
        sandbox
            .post(
                "shopify/webhooks",
                json!({"topic": "orders/create", "url": runtime.webhook_url()}),
            )
            .await;
    }
    for vault in VAULTS {
        sandbox.seed_customer(vault).await;
    }
    let sale = "/v1/transactions/sale";
    let paytrace_timeout_ms = fleet.configs()[0].paytrace_timeout_ms;
    for (path, fault, per_mille) in [
        // PayTrace charges, then the answer is lost.
        (sale, json!({"drop": true}), 300),
        // PayTrace charges after the client gave up.
        (
            sale,
            json!({"apply_after_ms": paytrace_timeout_ms + 300}),
            100,
        ),
        ("/v1/transactions", json!({"respond": {"status": 503}}), 50),
        (
            "/v1/transactions",
            json!({"respond": {"status": 429, "headers": [["Retry-After", "0"]]}}),
            50,
        ),
        ("/oauth/token", json!({"respond": {"status": 503}}), 50),
    ] {
        sandbox
            .fault(
                json!({"service": "paytrace", "path_prefix": path, "fault": fault,
                          "trigger": {"per_mille": per_mille}}),
            )
            .await;
    }
    for fault in [
        json!({"respond": {"status": 500}}),
        json!({"respond": {"status": 429, "headers": [["Retry-After", "0"]]}}),
        json!({"latency_ms": 80}),
    ] {
        sandbox
            .fault(
                json!({"service": "shopify", "path_prefix": "/admin/api", "fault": fault,
                          "trigger": {"per_mille": 60}}),
            )
            .await;
    }
    sandbox
}

/// The orders placed so far, each with what it must come to.
#[derive(Debug, Default)]
pub struct Orders(Vec<(u64, Expect)>);

impl Orders {
    /// Places `count` orders: one in five declined by the fake, the rest paid for a random amount.
    pub async fn place(&mut self, sandbox: &SandboxProcess, rng: &mut impl Rng, count: usize) {
        for _ in 0..count {
            let n = self.0.len();
            let (amount, expect) = if rng.random_range(0..5) == 0 {
                (DECLINED_AMOUNT.to_owned(), Expect::Declined)
            } else {
                // The fake declines amounts ending in .02 ("Insufficient funds").
                let mut cents: i64 = rng.random_range(1_000..20_000);
                if cents % 100 == 2 {
                    cents += 1;
                }
                let amount = format!("{}.{:02}", cents / 100, cents % 100);
                (amount, Expect::Paid { cents })
            };
            let id = sandbox
                .place_order(n, &amount, VAULTS[n % VAULTS.len()])
                .await;
            self.0.push((id, expect));
        }
    }

    /// How many were placed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// How many must be paid.
    pub fn paid(&self) -> usize {
        self.0
            .iter()
            .filter(|(_, e)| matches!(e, Expect::Paid { .. }))
            .count()
    }

    /// The orders not yet paid (or tagged declined) in Shopify.
    async fn open(&self, sandbox: &SandboxProcess) -> Vec<(u64, Expect)> {
        let mut open = Vec::new();
        for (id, expect) in &self.0 {
            let order = sandbox.order(*id).await;
            let done = match expect {
                Expect::Paid { .. } => order["financial_status"] == "paid",
                Expect::Declined => tags(&order).contains(&"payops-declined".to_owned()),
            };
            if !done {
                open.push((*id, *expect));
            }
        }
        open
    }
}

/// Runs `fleet` to idle: every order paid or declined in Shopify, no webhook waiting, then every
/// runtime stopped gracefully with nothing queued or running in the store (else they run again).
/// Panics after two minutes, saying what is left.
pub async fn run_to_idle(sandbox: &SandboxProcess, fleet: &mut Fleet, orders: &Orders) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        fleet.start_all(sandbox).await;
        loop {
            let open = orders.open(sandbox).await;
            if open.is_empty() && sandbox.pending_webhooks().await == 0 {
                break;
            }
            if Instant::now() >= deadline {
                fleet.terminate_all();
                let store = fleet.open_store().await;
                let dead = store.dead_letters(20).await.unwrap();
                let counts = store.counts().await.unwrap();
                let mut details = Vec::new();
                for (id, expect) in &open {
                    let order = sandbox.order(*id).await;
                    let invoice = invoice_id(&order);
                    let sales = sandbox
                        .get(&format!("paytrace/transactions?invoice_id={invoice}"))
                        .await;
                    details.push(format!(
                        "{id} ({expect:?}): status {}, tags {}, note {}, sales {}",
                        order["financial_status"],
                        order["tags"],
                        order["note"],
                        sales["transactions"]
                    ));
                }
                panic!(
                    "not idle after the kills: {counts:?}, dead letters {dead:#?}, open orders:\n{}",
                    details.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        fleet.terminate_all();
        let counts = fleet.open_store().await.counts().await.unwrap();
        if counts.queued == 0 && counts.running == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "jobs left after the kills: {counts:?}"
        );
    }
}

/// Checks, once `fleet` ran to idle, that exactly once held. From the fakes: one approved sale per
/// paid order and its id in the order's metafield, one declined request per declined order,
/// nothing else. From the store: nothing queued, running or dead. From the ledger: journals
/// verified, receivables consistent and equal to the paid total, the trial balance even, each
/// paid order's invoice booked and no declined one's. Returns the number of PayTrace requests.
pub async fn check_exactly_once(sandbox: &SandboxProcess, fleet: &Fleet, orders: &Orders) -> usize {
    // The fakes' own view: one approved sale per paid order, one request per declined order.
    let transactions = sandbox.transactions().await;
    let mut by_invoice: HashMap<String, Vec<&Value>> = HashMap::new();
    for t in &transactions {
        assert_eq!(t["kind"], "sale", "{t}");
        by_invoice
            .entry(t["invoice_id"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .push(t);
    }
    let mut paid_cents = 0;
    for (id, expect) in &orders.0 {
        let order = sandbox.order(*id).await;
        let invoice = invoice_id(&order);
        let sales = by_invoice.remove(&invoice).unwrap_or_default();
        match expect {
            Expect::Paid { cents } => {
                assert_eq!(
                    sales.len(),
                    1,
                    "order {id} charged {} times: {sales:#?}",
                    sales.len()
                );
                assert_eq!(sales[0]["approved"], true);
                let transaction = sales[0]["id"].to_string();
                let metafield = order["metafields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["namespace"] == "payops" && m["key"] == "transaction_id")
                    .map(|m| m["value"].as_str().unwrap().to_owned());
                assert_eq!(metafield, Some(transaction), "order {id}");
                paid_cents += cents;
            }
            Expect::Declined => {
                assert_eq!(
                    sales.len(),
                    1,
                    "declined order {id} sent {} times",
                    sales.len()
                );
                assert_eq!(sales[0]["approved"], false);
                assert_ne!(order["financial_status"], "paid");
            }
        }
    }
    assert!(by_invoice.is_empty(), "sales of no order: {by_invoice:#?}");

    // The runtime's store: nothing left to do, nothing dead.
    let store = fleet.open_store().await;
    let counts = store.counts().await.unwrap();
    let dead = store.dead_letters(20).await.unwrap();
    assert_eq!(
        (counts.queued, counts.running, counts.dead),
        (0, 0, 0),
        "{dead:#?}"
    );

    // The books: every paid order invoiced and paid once, the ledger balanced.
    let ledger = fleet.open_ledger().await;
    ledger.verify_journals().await.unwrap();
    let checks = ledger.receivables_check().await.unwrap();
    assert_eq!(checks.len(), 1, "{checks:#?}");
    let check = &checks[0];
    assert!(check.is_consistent(), "{check:#?}");
    assert_eq!(
        (check.invoiced, check.received, check.ledger_balance),
        (paid_cents, paid_cents, 0)
    );
    let trial = ledger.trial_balance().await.unwrap();
    let debits: i64 = trial.iter().map(|l| l.debit).sum();
    let credits: i64 = trial.iter().map(|l| l.credit).sum();
    assert_eq!(debits, credits);
    let shop = sandbox.description["shopify"]["shop_domain"]
        .as_str()
        .unwrap();
    for (id, expect) in &orders.0 {
        let invoice = format!("shopify/{shop}/order/{id}/invoice");
        let booked = ledger
            .find_by_external_ref(&invoice)
            .await
            .unwrap()
            .is_some();
        assert_eq!(booked, matches!(expect, Expect::Paid { .. }), "order {id}");
    }
    transactions.len()
}

/// The PayTrace `invoice_id` of a Shopify order, as the workflow derives it.
fn invoice_id(order: &Value) -> String {
    let rest: shopify::rest::Order = serde_json::from_value(order.clone()).unwrap();
    let canonical = mapping::Order::try_from(&rest).unwrap();
    mapping::paytrace::invoice_id(&canonical, &mapping::paytrace::OrderCtx::default()).unwrap()
}

fn tags(order: &Value) -> Vec<String> {
    order["tags"]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

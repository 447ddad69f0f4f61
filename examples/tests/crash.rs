//! The crash test: the sandbox in its own process (its state kept), the `shopify_paytrace`
//! service in another, killed with SIGKILL at random points many times while orders arrive and
//! PayTrace and Shopify misbehave, then run to idle. Afterwards, checked from the fakes' own
//! control API and from the ledger: every approved order charged once, every declined order sent
//! to PayTrace once, none lost, no payment booked twice, the ledger balanced.
//!
//! `CRASH_KILLS` (default 30) sets the number of kills and `CRASH_SEED` the random plan; CI runs
//! the default, and a long run is
//! `CRASH_KILLS=600 cargo test --release -p examples --test crash -- --nocapture`.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use erp::Erp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use support::{DECLINED_AMOUNT, RuntimeConfig, SandboxProcess, kill, terminate};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the test expects of an order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Paid { cents: i64 },
    Declined,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_killed_at_random_charges_each_order_once_and_books_it_once() {
    let kills = env_number("CRASH_KILLS", 30);
    let seed = env_number("CRASH_SEED", 13);
    let mut rng = StdRng::seed_from_u64(seed);
    // Shopify retries a webhook for 48 hours; here for about a minute.
    let mut retries = vec![50, 100, 200, 400, 800];
    retries.extend([1_000; 60]);
    let sandbox = SandboxProcess::start(&retries, seed);
    let dir = tempfile::tempdir().unwrap();
    let runtime = RuntimeConfig::in_dir(dir.path());
    sandbox
        .post(
            "shopify/webhooks",
            json!({"topic": "orders/create", "url": runtime.webhook_url()}),
        )
        .await;
    for vault in ["crash-a", "crash-b", "crash-c"] {
        sandbox.seed_customer(vault).await;
    }
    let sale = "/v1/transactions/sale";
    for (path, fault, per_mille) in [
        // PayTrace charges, then the answer is lost.
        (sale, json!({"drop": true}), 300),
        // PayTrace charges after the client gave up.
        (
            sale,
            json!({"apply_after_ms": runtime.paytrace_timeout_ms + 300}),
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

    let mut orders: Vec<(u64, Expect)> = Vec::new();
    let started = Instant::now();
    for kill_number in 0..kills {
        let mut child = runtime.start(&sandbox).await;
        for _ in 0..2 {
            let n = orders.len();
            let vault = ["crash-a", "crash-b", "crash-c"][n % 3];
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
            let id = sandbox.place_order(n, &amount, vault).await;
            orders.push((id, expect));
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..900))).await;
        kill(&mut child);
        if kill_number % 10 == 9 {
            eprintln!(
                "{} kills, {} orders, {:?}",
                kill_number + 1,
                orders.len(),
                started.elapsed()
            );
        }
    }

    // Run to idle: every order paid or declined in Shopify, no webhook waiting, then stopped
    // gracefully with nothing queued or running in its store (else it runs again).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut child = runtime.start(&sandbox).await;
        loop {
            let mut open = Vec::new();
            for (id, expect) in &orders {
                let order = sandbox.order(*id).await;
                let done = match expect {
                    Expect::Paid { .. } => order["financial_status"] == "paid",
                    Expect::Declined => tags(&order).contains(&"payops-declined".to_owned()),
                };
                if !done {
                    open.push(*id);
                }
            }
            if open.is_empty() && sandbox.pending_webhooks().await == 0 {
                break;
            }
            if Instant::now() >= deadline {
                terminate(&mut child);
                let store = flows::SqliteStore::open(&runtime.store).unwrap();
                let dead = flows::Store::dead_letters(&store, 20).await.unwrap();
                let counts = flows::Store::counts(&store).await.unwrap();
                let mut details = Vec::new();
                for id in &open {
                    let order = sandbox.order(*id).await;
                    let invoice = invoice_id(&order);
                    let sales = sandbox
                        .get(&format!("paytrace/transactions?invoice_id={invoice}"))
                        .await;
                    let expect = orders.iter().find(|(o, _)| o == id).map(|(_, e)| *e);
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
        terminate(&mut child);
        let store = flows::SqliteStore::open(&runtime.store).unwrap();
        let counts = flows::Store::counts(&store).await.unwrap();
        if counts.queued == 0 && counts.running == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs left after the kills: {counts:?}"
        );
    }

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
    for (id, expect) in &orders {
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
    let store = flows::SqliteStore::open(&runtime.store).unwrap();
    let counts = flows::Store::counts(&store).await.unwrap();
    let dead = flows::Store::dead_letters(&store, 20).await.unwrap();
    assert_eq!(
        (counts.queued, counts.running, counts.dead),
        (0, 0, 0),
        "{dead:#?}"
    );

    // The books: every paid order invoiced and paid once, the ledger balanced.
    let ledger = erp::LocalLedger::open(&runtime.ledger).await.unwrap();
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
    for (id, expect) in &orders {
        let invoice = format!("shopify/{shop}/order/{id}/invoice");
        let booked = ledger
            .find_by_external_ref(&invoice)
            .await
            .unwrap()
            .is_some();
        assert_eq!(booked, matches!(expect, Expect::Paid { .. }), "order {id}");
    }
    eprintln!(
        "{kills} kills, {} orders ({} paid), {} PayTrace requests, {:?}",
        orders.len(),
        orders
            .iter()
            .filter(|(_, e)| matches!(e, Expect::Paid { .. }))
            .count(),
        transactions.len(),
        started.elapsed()
    );
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

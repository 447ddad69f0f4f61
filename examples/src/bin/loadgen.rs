//! Load generator: full Shopify + PayTrace flows per second through the offline stack (sandbox
//! fakes on loopback, the SQLite store, the embedded ledger), with end-to-end latency.
//!
//! One flow is: the `orders/create` webhook signed and delivered to the intake, stored, its jobs
//! run, a PayTrace sale, the Shopify order marked paid with metafields, and four ERP documents
//! (customer, sales order, invoice, payment). Latency runs from the order's creation in the Shopify
//! fake (which sends the webhook) to the ERP payment's record in the store's effect log.
//!
//!
//! Closed loop: at most `in flight` flows run at once; a new order is placed when one finishes.
//!
//! Usage: `cargo run --release -p examples --bin loadgen -- [orders] [in flight] [worker
//! concurrency]` (defaults 2000, 50 and the in-flight count). Everything, fakes included, runs on
//! this machine.
// Floats only for the throughput figure printed at the end; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use examples::{BoxError, OfflineStack, StackOptions};
use flows::Store;
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::paytrace::Address;
use sandbox::shopify::NewOrder;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("loadgen failed: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<bool, BoxError> {
    let mut args = std::env::args().skip(1);
    let orders: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let in_flight: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(in_flight), |a| a.parse())?;
    let stack = OfflineStack::start(StackOptions {
        concurrency,
        ..StackOptions::default()
    })
    .await?;
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

    let shop = stack.shopify.fake.shop_domain().to_owned();
    let stack = std::sync::Arc::new(stack);
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(in_flight));
    let started = Instant::now();
    let mut flows = tokio::task::JoinSet::new();
    for i in 0..orders {
        let permit = std::sync::Arc::clone(&slots).acquire_owned().await?;
        let (stack, shop) = (std::sync::Arc::clone(&stack), shop.clone());
        flows.spawn(async move {
            let _permit = permit;
            let amount = Decimal::new(1000 + i64::try_from(i % 9000).unwrap_or(0) * 100, 2);
            let order = NewOrder::simple(&format!("load{i}@example.com"), amount)
                .note_attribute(ATTR_VAULT_CUSTOMER, "load-customer");
            let sent = Instant::now();
            let body = stack.shopify.fake.create_order(order);
            let id = body.get("id").and_then(serde_json::Value::as_u64)?;
            let key = format!("shopify/{shop}/order/{id}/erp/payment");
            // The flow is done when its last effect, the ERP payment, is in the effect log.
            let deadline = sent + Duration::from_secs(60);
            while Instant::now() < deadline {
                if stack.store.effect(&key).await.ok()?.is_some() {
                    return Some(sent.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            None
        });
    }
    let mut latencies = Vec::with_capacity(orders);
    while let Some(joined) = flows.join_next().await {
        if let Some(latency) = joined? {
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
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
    match std::sync::Arc::try_unwrap(stack) {
        Ok(stack) => stack.stop().await?,
        Err(_) => return Err("flows still hold the stack".into()),
    }
    Ok(settled && completed == orders && sales == orders && dead == 0)
}

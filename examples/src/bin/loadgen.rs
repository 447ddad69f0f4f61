//! Load generator: full Shopify + PayTrace flows per second through the offline stack (sandbox
//! fakes on loopback, the SQLite store, the embedded ledger), with end-to-end latency.
//!
//! One flow is: the `orders/create` webhook signed and delivered to the intake, stored, its jobs
//! run, a PayTrace sale, the Shopify order marked paid with metafields, and four ERP documents
//! (customer, sales order, invoice, payment). Latency runs from the order's creation in the Shopify
//! fake (which sends the webhook) to the ERP payment's record in the store's effect log.
//!
//! Usage: `cargo run --release -p examples --bin loadgen -- [orders] [worker concurrency]`
//! (defaults 2000 and 50). Everything, fakes included, runs on this machine.
// Floats only for the throughput figure printed at the end; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::collections::HashMap;
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
    let concurrency: usize = args.next().map_or(Ok(50), |a| a.parse())?;
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
    let started = Instant::now();
    let mut sent_at = HashMap::with_capacity(orders);
    let epoch_ms = flows::now_millis();
    for i in 0..orders {
        let amount = Decimal::new(1000 + i64::try_from(i % 9000)? * 100, 2);
        let order = NewOrder::simple(&format!("load{i}@example.com"), amount)
            .note_attribute(ATTR_VAULT_CUSTOMER, "load-customer");
        let body = stack.shopify.fake.create_order(order);
        let id = body
            .get("id")
            .and_then(serde_json::Value::as_u64)
            .ok_or("order without id")?;
        sent_at.insert(id, epoch_ms + i64::try_from(started.elapsed().as_millis())?);
    }
    let settled = stack.settle(Duration::from_secs(600)).await?;
    let elapsed = started.elapsed();

    let mut latencies = Vec::with_capacity(orders);
    let mut last_done = 0_i64;
    for (id, sent) in &sent_at {
        let key = format!("shopify/{shop}/order/{id}/erp/payment");
        if let Some(effect) = stack.store.effect(&key).await? {
            latencies.push(effect.created_at - sent);
            last_done = last_done.max(effect.created_at);
        }
    }
    latencies.sort_unstable();
    let completed = latencies.len();
    let percentile = |p: usize| {
        latencies
            .get((completed * p / 100).min(completed.saturating_sub(1)))
            .copied()
    };
    let span_ms = (last_done - epoch_ms).max(1);
    let dead = stack.store.dead_letters(10).await?.len();
    let sales = stack.paytrace.fake.transactions().len();

    println!("orders {orders}, worker concurrency {concurrency}, settled {settled}");
    println!("completed flows {completed}, PayTrace sales {sales}, dead letters {dead}");
    println!(
        "wall time {:.2} s, throughput {:.0} flows/s",
        elapsed.as_secs_f64(),
        completed as f64 * 1000.0 / span_ms as f64
    );
    println!(
        "latency ms: p50 {} p90 {} p99 {} max {}",
        percentile(50).unwrap_or(-1),
        percentile(90).unwrap_or(-1),
        percentile(99).unwrap_or(-1),
        latencies.last().copied().unwrap_or(-1)
    );
    stack.stop().await?;
    Ok(settled && completed == orders && sales == orders && dead == 0)
}

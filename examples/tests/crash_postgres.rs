//! The crash test on PostgreSQL: the sandbox in its own process, three `shopify_paytrace`
//! processes (each on its own port) with their store and their ledger in one PostgreSQL database
//! on a throwaway `pg-testkit` cluster. Every order's `orders/create` webhook is delivered to all
//! three (one event id), so they race for it through the inbox. While orders arrive and PayTrace
//! and Shopify misbehave (as in `crash.rs`), one of the three at random is killed with SIGKILL and
//! restarted, the other two working on; the jobs a killed process held wait for their leases to
//! expire and another process takes them. Then all three run to idle and are stopped gracefully,
//! and the same checks as `crash.rs` run, on the store and the ledger in PostgreSQL: every
//! approved order charged once, every declined order sent to PayTrace once, none lost, no payment
//! booked twice, the ledger balanced.
//!
//! `CRASH_KILLS` (default 20) sets the number of kills and `CRASH_SEED` the random plan. Without
//! PostgreSQL installed the cluster does not start and the test fails (it never skips).
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::crash::{Orders, check_exactly_once, env_number, faulty_sandbox, run_to_idle};
use support::{Fleet, RuntimeConfig, signal};

const RUNTIMES: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_runtimes_on_one_postgres_killed_at_random_charge_each_order_once_and_book_it_once() {
    let kills = env_number("CRASH_KILLS", 20);
    let seed = env_number("CRASH_SEED", 13);
    let mut rng = StdRng::seed_from_u64(seed);
    let cluster = pg_testkit::shared();
    let url = cluster.fresh_database().unwrap();
    let mut fleet = Fleet::new(
        (0..RUNTIMES)
            .map(|_| RuntimeConfig::on_database(&url))
            .collect(),
    );
    let sandbox = faulty_sandbox(seed, &fleet).await;
    fleet.start_all(&sandbox).await;

    let mut orders = Orders::default();
    // Kills that took jobs down with them, and how many jobs.
    let (mut mid_flow, mut jobs_lost) = (0, 0);
    let started = Instant::now();
    for kill_number in 0..kills {
        orders.place(&sandbox, &mut rng, RUNTIMES).await;
        // Soon after the orders, while their flows run, more often than not.
        tokio::time::sleep(Duration::from_millis(rng.random_range(10..600))).await;
        let victim = rng.random_range(0..RUNTIMES);
        // Stopped first, so that the jobs counted are those it holds when it dies.
        let process = fleet.process(victim);
        signal(process, "STOP");
        let owner = format!("shopify-paytrace/{}", process.id());
        let held: usize = cluster
            .psql(
                &fleet.configs()[victim].store,
                &format!(
                    "SELECT count(*) FROM jobs WHERE state = 'running' AND lease_owner = '{owner}'"
                ),
            )
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        fleet.kill(victim);
        if held > 0 {
            mid_flow += 1;
            jobs_lost += held;
        }
        fleet.start(victim, &sandbox).await;
        if kill_number % 5 == 4 {
            eprintln!(
                "{} kills ({mid_flow} mid-flow), {} orders, {:?}",
                kill_number + 1,
                orders.len(),
                started.elapsed()
            );
        }
    }

    run_to_idle(&sandbox, &mut fleet, &orders).await;
    let requests = check_exactly_once(&sandbox, &fleet, &orders).await;
    eprintln!(
        "{kills} kills ({mid_flow} holding {jobs_lost} running jobs), {} orders ({} paid), \
         {requests} PayTrace requests, {:?}",
        orders.len(),
        orders.paid(),
        started.elapsed()
    );
    // The kills must have cut flows short, or the test shows nothing about recovery.
    assert!(
        kills == 0 || mid_flow > 0,
        "no kill landed while its process held a job"
    );
}

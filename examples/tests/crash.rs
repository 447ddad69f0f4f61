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

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::crash::{Orders, check_exactly_once, env_number, faulty_sandbox, run_to_idle};
use support::{Fleet, RuntimeConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_killed_at_random_charges_each_order_once_and_books_it_once() {
    let kills = env_number("CRASH_KILLS", 30);
    let seed = env_number("CRASH_SEED", 13);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut fleet = Fleet::new(vec![RuntimeConfig::in_dir(dir.path())]);
    let sandbox = faulty_sandbox(seed, &fleet).await;

    let mut orders = Orders::default();
    let started = Instant::now();
    for kill_number in 0..kills {
        fleet.start(0, &sandbox).await;
        orders.place(&sandbox, &mut rng, 2).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..900))).await;
        fleet.kill(0);
        if kill_number % 10 == 9 {
            eprintln!(
                "{} kills, {} orders, {:?}",
                kill_number + 1,
                orders.len(),
                started.elapsed()
            );
        }
    }

    run_to_idle(&sandbox, &mut fleet, &orders).await;
    let requests = check_exactly_once(&sandbox, &fleet, &orders).await;
    eprintln!(
        "{kills} kills, {} orders ({} paid), {requests} PayTrace requests, {:?}",
        orders.len(),
        orders.paid(),
        started.elapsed()
    );
}

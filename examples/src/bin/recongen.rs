//! Seeded generator of a settlement and a ledger in the generic CSV interchange, for the
//! benchmark of `payops reconcile csv`: `lines` settlement lines and as many ledger entries,
//! every class of the reconciliation present.
//!
//! Usage: `cargo run --release -p examples --bin recongen -- [lines] [seed] [dir]` (defaults
//! 1000000, 42 and `target/recon-bench`); writes `settlement.csv` and `ledger.csv` there.
//!
//! Of the settlement lines, about 90 % have their ledger entry by transaction id, 3 % by order
//! reference, amount and currency only (the entry lacks the transaction id), 3 % an entry of
//! another amount, 1 % one of another currency, and 3 % none; the ledger also has duplicate
//! entries of 1 % of the transactions, and 1 % entries no settlement line has, half of them
//! posted after the cut-off (in transit).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() -> ExitCode {
    examples::checked_exit_code("recongen", run().map(|()| true))
}

fn run() -> Result<(), examples::BoxError> {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(42), |a| a.parse())?;
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/recon-bench".into()));
    std::fs::create_dir_all(&dir)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut settlement =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("settlement.csv"))?);
    let mut ledger =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("ledger.csv"))?);
    writeln!(
        settlement,
        "batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at"
    )?;
    writeln!(
        ledger,
        "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at"
    )?;
    const SETTLED: &str = "2026-12-01T23:00:00Z";
    const POSTED: &str = "2026-12-01T12:00:00Z";
    const LATE: &str = "2026-12-02T08:00:00Z";
    let mut entry = 0u64;
    let mut entries = 0u64;
    for i in 0..lines {
        let (currency, decimals) = match rng.random_range(0..20) {
            0 => ("JPY", false),
            1 | 2 => ("EUR", true),
            _ => ("USD", true),
        };
        let cents: i64 = rng.random_range(100..200_000);
        let refund = rng.random_range(0..20) == 0;
        let amount = if refund { -cents } else { cents };
        let (kind, fee) = if refund {
            ("refund", 0)
        } else {
            ("sale", cents * 3 / 100 + 30)
        };
        let text = |minor: i64| {
            if decimals {
                format!(
                    "{}{}.{:02}",
                    if minor < 0 { "-" } else { "" },
                    minor.abs() / 100,
                    minor.abs() % 100
                )
            } else {
                minor.to_string()
            }
        };
        writeln!(
            settlement,
            "B{},T{i:09},O{i},{kind},{},{},{currency},{SETTLED}",
            i / 5_000,
            text(amount),
            text(fee)
        )?;
        let class = rng.random_range(0..100);
        let mut book = |txn: &str, amount: i64, currency: &str, posted: &str| {
            entry += 1;
            entries += 1;
            writeln!(
                ledger,
                "{entry},{txn},O{i},{},{currency},{posted}",
                text(amount)
            )
        };
        match class {
            0..=89 => book(&format!("T{i:09}"), amount, currency, POSTED)?,
            90..=92 => book("", amount, currency, POSTED)?,
            93..=95 => book(&format!("T{i:09}"), amount + 1, currency, POSTED)?,
            96 => book(
                &format!("T{i:09}"),
                amount,
                if currency == "USD" { "EUR" } else { "USD" },
                POSTED,
            )?,
            _ => {}
        }
        if class < 90 && rng.random_range(0..90) == 0 {
            book(&format!("T{i:09}"), amount, currency, POSTED)?;
        }
        if rng.random_range(0..100) == 0 {
            let posted = if rng.random_bool(0.5) { POSTED } else { LATE };
            entry += 1;
            entries += 1;
            writeln!(
                ledger,
                "{entry},X{i:09},Z{i},{},{currency},{posted}",
                text(cents)
            )?;
        }
    }
    settlement.flush()?;
    ledger.flush()?;
    println!(
        "{lines} settlement lines and {entries} ledger entries in {}",
        dir.display()
    );
    Ok(())
}

//! `payops`: the command line of the payops SDK.
//!
//! ```text
//! payops reconcile csv --settlement settlement.csv --ledger ledger.csv --out report/
//! payops reconcile paytrace --date 2026-12-01 --out report/
//! payops reconcile stripe --payout po_1QzX --out report/
//! ```
//!
//! Exits 0 when everything reconciles, 1 when discrepancies remain (the report names them), 2
//! when the inputs cannot be read or a gateway or the ledger fails (nothing is written then).

mod progress;
mod reconcile_csv;
mod reconcile_gateway;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use report::Verdict;

// A million-line reconciliation allocates a few million small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Payment operations: reconcile gateway settlements against the books.
#[derive(Debug, Parser)]
#[command(name = "payops", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Matches a gateway's settlement against the ledger's payment and refund entries.
    #[command(subcommand)]
    Reconcile(Source),
}

#[derive(Debug, Subcommand)]
enum Source {
    /// Any gateway's or bank's export and any ledger's, in the generic CSV interchange (see the
    /// `reconcile::interchange` docs).
    Csv(reconcile_csv::Args),
    /// PayTrace's batches of a day against the ledger; books each batch's journal.
    Paytrace(reconcile_gateway::PaytraceArgs),
    /// A Stripe payout's balance transactions against the ledger; books the payout's journal.
    Stripe(reconcile_gateway::StripeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<Verdict, reconcile_gateway::BoxError> = match cli.command {
        Command::Reconcile(Source::Csv(args)) => reconcile_csv::run(&args).map_err(Into::into),
        Command::Reconcile(Source::Paytrace(args)) => {
            runtime().and_then(|rt| rt.block_on(reconcile_gateway::paytrace(&args)))
        }
        Command::Reconcile(Source::Stripe(args)) => {
            runtime().and_then(|rt| rt.block_on(reconcile_gateway::stripe(&args)))
        }
    };
    match result {
        Ok(Verdict::Reconciled) => ExitCode::SUCCESS,
        Ok(Verdict::Discrepancies) => ExitCode::from(1),
        Err(err) => {
            eprintln!("payops: {err}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, reconcile_gateway::BoxError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

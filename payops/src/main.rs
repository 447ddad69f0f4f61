//! `payops`: the command line of the payops SDK.
//!
//! ```text
//! payops reconcile csv --settlement settlement.csv --ledger ledger.csv --out report/
//! ```
//!
//! Exits 0 when everything reconciles, 1 when discrepancies remain (the report names them), 2
//! when the inputs cannot be read (nothing is written then).

mod reconcile_csv;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reconcile(Source::Csv(args)) => reconcile_csv::run(&args),
    };
    match result {
        Ok(reconcile_csv::Verdict::Reconciled) => ExitCode::SUCCESS,
        Ok(reconcile_csv::Verdict::Discrepancies) => ExitCode::from(1),
        Err(err) => {
            eprintln!("payops: {err}");
            ExitCode::from(2)
        }
    }
}

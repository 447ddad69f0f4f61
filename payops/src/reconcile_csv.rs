//! `payops reconcile csv`: the generic CSV interchange in, `results.csv` and `summary.csv` out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::ProgressBar;
use reconcile::interchange::{read_ledger, read_settlement, write_results, write_summary};
use reconcile::{Error, SummaryKind, format_minor, reconcile, summarize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The command's arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The settlement file (`batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at`).
    #[arg(long)]
    settlement: PathBuf,
    /// The ledger file (`entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at`).
    #[arg(long)]
    ledger: PathBuf,
    /// The directory the report goes to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Ledger entries posted after this time (RFC 3339) are in transit, not missing; default:
    /// the latest settlement time.
    #[arg(long, value_parser = parse_time)]
    cutoff: Option<OffsetDateTime>,
}

/// How the reconciliation ended.
pub(crate) enum Verdict {
    /// Nothing needs a person.
    Reconciled,
    /// Discrepancies remain (listed in the report).
    Discrepancies,
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|err| format!("not an RFC 3339 time: {err}"))
}

/// Reads both files (in parallel), reconciles them, writes the report, prints the summary.
pub(crate) fn run(args: &Args) -> Result<Verdict, Error> {
    let progress = Spinner(ProgressBar::new_spinner());
    progress.0.enable_steady_tick(Duration::from_millis(120));
    let progress = &progress.0;
    progress.set_message("reading the settlement and the ledger");
    let (settlement, ledger) = std::thread::scope(|scope| {
        let ledger = scope.spawn(|| read_ledger(&args.ledger));
        let settlement = read_settlement(&args.settlement);
        (settlement, ledger.join())
    });
    let settlement = settlement?;
    let ledger = ledger.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;

    progress.set_message(format!(
        "matching {} settlement lines against {} ledger entries",
        settlement.len(),
        ledger.len()
    ));
    let outcome = reconcile(&settlement, &ledger, args.cutoff);
    let summary = summarize(&outcome, &settlement, &ledger);

    progress.set_message("writing the report");
    create_dir(&args.out)?;
    let results = args.out.join("results.csv");
    std::thread::scope(|scope| {
        let written = scope.spawn(|| write_results(&results, &outcome, &settlement, &ledger));
        write_summary(&args.out.join("summary.csv"), &summary)?;
        written
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    progress.finish_and_clear();
    println!(
        "{} settlement lines, {} ledger entries; report in {}",
        settlement.len(),
        ledger.len(),
        args.out.display()
    );
    for row in &summary {
        let amount = match (row.kind, row.settlement, row.ledger) {
            (SummaryKind::FeesTotal, ..) => format!("fees {}", minor(row.fee, row.currency)),
            (_, Some(s), Some(l)) if s != 0 && l != 0 => format!(
                "settlement {}, ledger {}",
                minor(s, row.currency),
                minor(l, row.currency)
            ),
            (_, Some(s), _) if s != 0 => format!("settlement {}", minor(s, row.currency)),
            (_, _, Some(l)) => format!("ledger {}", minor(l, row.currency)),
            _ => String::new(),
        };
        println!(
            "{:<22} {} {:>9}  {amount}",
            row.kind.as_str(),
            row.currency,
            row.count
        );
    }
    Ok(if outcome.has_discrepancies() {
        Verdict::Discrepancies
    } else {
        Verdict::Reconciled
    })
}

/// A sum in minor units as a decimal of its currency (sums beyond 64 bits are shown in minor
/// units).
fn minor(sum: i128, currency: payops_core::Currency) -> String {
    match i64::try_from(sum) {
        Ok(sum) => format!("{} {currency}", format_minor(sum, currency)),
        Err(_) => format!("{sum} minor units of {currency}"),
    }
}

/// A spinner cleared however the command ends (an error's message then stands alone).
struct Spinner(ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn create_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

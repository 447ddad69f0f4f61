//! `payops reconcile csv`: the generic CSV interchange in, the report out.

use std::path::PathBuf;

use reconcile::interchange::{open, read_ledger_from, read_settlement_from};
use reconcile::{Error, reconcile};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::progress::Progress;
use crate::report::{self, Verdict};

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

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|err| format!("not an RFC 3339 time: {err}"))
}

/// Reads both files (in parallel, a bar showing the bytes read), reconciles them, writes the
/// report.
pub(crate) fn run(args: &Args) -> Result<Verdict, Error> {
    let (settlement_file, settlement_len) = open(&args.settlement)?;
    let (ledger_file, ledger_len) = open(&args.ledger)?;
    let progress = Progress::bytes(
        settlement_len.saturating_add(ledger_len),
        "reading the settlement and the ledger",
    );
    let bar = progress.bar();
    let (settlement, ledger) = std::thread::scope(|scope| {
        let ledger =
            scope.spawn(|| read_ledger_from(bar.wrap_read(ledger_file), &args.ledger, ledger_len));
        let settlement = read_settlement_from(
            bar.wrap_read(settlement_file),
            &args.settlement,
            settlement_len,
        );
        (settlement, ledger.join())
    });
    let settlement = settlement?;
    let ledger = ledger.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    progress.say(format!(
        "matching {} settlement lines against {} ledger entries",
        settlement.len(),
        ledger.len()
    ));
    let outcome = reconcile(&settlement, &ledger, args.cutoff);
    progress.say("writing the report");
    let verdict = report::write(&args.out, &outcome, &settlement, &ledger);
    drop(progress);
    verdict
}

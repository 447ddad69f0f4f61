//! The report every `reconcile` command writes: `results.csv`, `summary.csv` and `report.html`
//! (the page a finance person opens, see `reconcile::html`) in the output directory, and a line
//! per class and currency on standard output.

use std::path::Path;

use reconcile::html::write_html;
use reconcile::interchange::{write_results, write_summary};
use reconcile::{
    Error, LedgerEntry, Reconciliation, SettlementLine, SummaryKind, format_minor, summarize,
};

/// How a reconciliation ended.
pub(crate) enum Verdict {
    /// Nothing needs a person.
    Reconciled,
    /// Discrepancies remain (listed in the report).
    Discrepancies,
}

/// Writes the report of `outcome` to `out` (created if missing) and prints its summary.
pub(crate) fn write(
    out: &Path,
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Result<Verdict, Error> {
    let summary = summarize(outcome, settlement, ledger);
    std::fs::create_dir_all(out).map_err(|source| Error::Io {
        path: out.to_owned(),
        source,
    })?;
    let results = out.join("results.csv");
    std::thread::scope(|scope| {
        let written = scope.spawn(|| write_results(&results, outcome, settlement, ledger));
        write_summary(&out.join("summary.csv"), &summary)?;
        write_html(
            &out.join("report.html"),
            outcome,
            settlement,
            ledger,
            &summary,
        )?;
        written
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    println!(
        "{} settlement lines, {} ledger entries; report in {} (report.html, results.csv, summary.csv)",
        settlement.len(),
        ledger.len(),
        out.display()
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

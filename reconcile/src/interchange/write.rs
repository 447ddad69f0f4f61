//! Writing the results and the summary.

use std::io::Write;
use std::path::Path;

use time::format_description::well_known::Rfc3339;

use crate::amount::format_minor;
use crate::engine::Reconciliation;
use crate::error::Error;
use crate::model::{LedgerEntry, SettlementLine};
use crate::summary::SummaryRow;

const RESULT_COLUMNS: [&str; 16] = [
    "status",
    "match_pass",
    "transaction_id",
    "entry_id",
    "batch_id",
    "type",
    "invoice_id",
    "order_ref",
    "settlement_amount",
    "settlement_currency",
    "ledger_amount",
    "ledger_currency",
    "difference",
    "fee",
    "settled_at",
    "posted_at",
];

const SUMMARY_COLUMNS: [&str; 7] = [
    "status",
    "currency",
    "count",
    "settlement_amount_cents",
    "ledger_amount_cents",
    "diff_cents",
    "fee_cents",
];

/// Writes `results.csv` (see the [module](super)) to `path`: whole, or not at all (it is
/// written beside it first, then renamed).
pub fn write_results(
    path: &Path,
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Result<(), Error> {
    atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(RESULT_COLUMNS)?;
        let time = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        let mut fields: Vec<String> = Vec::with_capacity(RESULT_COLUMNS.len());
        for result in &outcome.results {
            let line = result.settlement.and_then(|s| settlement.get(s));
            let entry = result.ledger.and_then(|l| ledger.get(l));
            fields.clear();
            fields.push(result.status.as_str().into());
            fields.push(result.pass.as_str().into());
            fields.push(line.map(|l| l.transaction_id.clone()).unwrap_or_default());
            fields.push(entry.map(|e| e.entry_id.clone()).unwrap_or_default());
            fields.push(line.map(|l| l.batch_id.clone()).unwrap_or_default());
            fields.push(line.map(|l| l.kind.as_str().into()).unwrap_or_default());
            fields.push(line.map(|l| l.invoice_id.clone()).unwrap_or_default());
            fields.push(entry.map(|e| e.order_ref.clone()).unwrap_or_default());
            fields.push(
                line.map(|l| format_minor(l.amount, l.currency))
                    .unwrap_or_default(),
            );
            fields.push(line.map(|l| l.currency.code().into()).unwrap_or_default());
            fields.push(
                entry
                    .map(|e| format_minor(e.amount, e.currency))
                    .unwrap_or_default(),
            );
            fields.push(entry.map(|e| e.currency.code().into()).unwrap_or_default());
            fields.push(match (result.difference, line) {
                (Some(difference), Some(l)) => format_minor(difference, l.currency),
                _ => String::new(),
            });
            fields.push(
                line.map(|l| format_minor(l.fee, l.currency))
                    .unwrap_or_default(),
            );
            fields.push(line.map(|l| time(l.settled_at)).unwrap_or_default());
            fields.push(entry.map(|e| time(e.posted_at)).unwrap_or_default());
            writer.write_record(&fields)?;
        }
        writer.flush()?;
        Ok(())
    })
}

/// Writes `summary.csv` (see the [module](super)) to `path`, whole or not at all.
pub fn write_summary(path: &Path, rows: &[SummaryRow]) -> Result<(), Error> {
    atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(SUMMARY_COLUMNS)?;
        let sum = |value: Option<i128>| value.map(|v| v.to_string()).unwrap_or_default();
        for row in rows {
            writer.write_record([
                row.kind.as_str().to_owned(),
                row.currency.code().to_owned(),
                row.count.to_string(),
                sum(row.settlement),
                sum(row.ledger),
                sum(row.difference),
                row.fee.to_string(),
            ])?;
        }
        writer.flush()?;
        Ok(())
    })
}

/// Writes `path` through `write` into a file beside it, renamed to `path` once complete.
fn atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<(), csv::Error>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(io)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    write(&mut out).map_err(|source| Error::Csv {
        file: path.to_owned(),
        source,
    })?;
    out.flush().map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

//! Writing the results and the summary.

use std::io::Write;
use std::path::Path;

use time::format_description::well_known::Rfc3339;

use crate::amount::push_minor;
use crate::engine::{Outcome, Reconciliation};
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

/// Rows of `results.csv` formatted by one thread at a time.
const CHUNK: usize = 16_384;

/// Writes `results.csv` (see the [module](super)) to `path`: whole, or not at all (it is
/// written beside it first, then renamed). Its rows are formatted in chunks by as many threads
/// as there are cores, and written in order.
pub fn write_results(
    path: &Path,
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Result<(), Error> {
    atomically(path, |out| {
        let mut header = csv::Writer::from_writer(&mut *out);
        header.write_record(RESULT_COLUMNS)?;
        header.flush()?;
        drop(header);
        let chunks: Vec<&[Outcome]> = outcome.results.chunks(CHUNK).collect();
        let format = |chunk: &[Outcome]| -> Result<Vec<u8>, csv::Error> {
            let mut fields = Fields {
                writer: csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(chunk.len() * 160)),
                text: String::new(),
                time: Vec::new(),
            };
            for result in chunk {
                fields.row(result, settlement, ledger)?;
            }
            fields
                .writer
                .into_inner()
                .map_err(|err| csv::Error::from(err.into_error()))
        };
        let lanes = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        std::thread::scope(|scope| {
            let mut formatted = Vec::with_capacity(lanes);
            for lane in 0..lanes {
                // Two chunks ahead at most: memory stays bounded.
                let (send, receive) = std::sync::mpsc::sync_channel(2);
                let (chunks, format) = (&chunks, &format);
                scope.spawn(move || {
                    for chunk in chunks.iter().skip(lane).step_by(lanes) {
                        if send.send(format(chunk)).is_err() {
                            return; // The writer stopped on an error.
                        }
                    }
                });
                formatted.push(receive);
            }
            // Chunk i comes from lane i % lanes. An error returns here, dropping the receivers,
            // which stops the lanes before the scope waits for them.
            for i in 0..chunks.len() {
                let text = formatted[i % lanes].recv().map_err(|_| {
                    csv::Error::from(std::io::Error::other("a formatting thread stopped"))
                })??;
                out.write_all(&text)?;
            }
            Ok(())
        })
    })
}

/// A record being written, field by field (an absent value is an empty field); amounts and
/// times go through two reused buffers.
struct Fields<W: Write> {
    writer: csv::Writer<W>,
    text: String,
    time: Vec<u8>,
}

impl<W: Write> Fields<W> {
    /// Writes one row of `results.csv`.
    fn row(
        &mut self,
        result: &Outcome,
        settlement: &[SettlementLine],
        ledger: &[LedgerEntry],
    ) -> Result<(), csv::Error> {
        let line = result.settlement.and_then(|s| settlement.get(s));
        let entry = result.ledger.and_then(|l| ledger.get(l));
        self.text(Some(result.status.as_str()))?;
        self.text(Some(result.pass.as_str()))?;
        self.text(line.map(|l| l.transaction_id.as_str()))?;
        self.text(entry.map(|e| e.entry_id.as_str()))?;
        self.text(line.map(|l| l.batch_id.as_str()))?;
        self.text(line.map(|l| l.kind.as_str()))?;
        self.text(line.map(|l| l.invoice_id.as_str()))?;
        self.text(entry.map(|e| e.order_ref.as_str()))?;
        self.amount(line.map(|l| (l.amount, l.currency)))?;
        self.text(line.map(|l| l.currency.code()))?;
        self.amount(entry.map(|e| (e.amount, e.currency)))?;
        self.text(entry.map(|e| e.currency.code()))?;
        self.amount(result.difference.zip(line.map(|l| l.currency)))?;
        self.amount(line.map(|l| (l.fee, l.currency)))?;
        self.time(line.map(|l| l.settled_at))?;
        self.time(entry.map(|e| e.posted_at))?;
        self.writer.write_record(None::<&[u8]>)
    }

    fn text(&mut self, value: Option<&str>) -> Result<(), csv::Error> {
        self.writer.write_field(value.unwrap_or_default())
    }

    fn amount(&mut self, value: Option<(i64, payops_core::Currency)>) -> Result<(), csv::Error> {
        self.text.clear();
        if let Some((minor, currency)) = value {
            push_minor(&mut self.text, minor, currency);
        }
        self.writer.write_field(&self.text)
    }

    fn time(&mut self, value: Option<time::OffsetDateTime>) -> Result<(), csv::Error> {
        self.time.clear();
        if let Some(value) = value {
            // A time RFC 3339 cannot express (a year beyond 9999) fails the write.
            value
                .format_into(&mut self.time, &Rfc3339)
                .map_err(|err| csv::Error::from(std::io::Error::other(err)))?;
        }
        self.writer.write_field(&self.time)
    }
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
    let written = write(&mut out)
        .map_err(|source| Error::Csv {
            file: path.to_owned(),
            source,
        })
        .and_then(|()| out.flush().map_err(io));
    drop(out);
    match written {
        Ok(()) => std::fs::rename(&partial, path).map_err(io),
        Err(err) => {
            // Nothing half written is left behind.
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use payops_core::Currency;
    use time::macros::datetime;

    use super::*;
    use crate::model::LineKind;

    #[test]
    fn chunks_formatted_by_several_threads_are_written_in_order() {
        let settlement: Vec<SettlementLine> = (0..(3 * CHUNK + 17) as i64)
            .map(|i| SettlementLine {
                batch_id: format!("b{}", i / 1000),
                transaction_id: format!("t{i}"),
                invoice_id: format!("o{i}"),
                kind: LineKind::Sale,
                amount: i,
                fee: 1,
                currency: Currency::USD,
                settled_at: datetime!(2026-12-01 23:00 UTC),
            })
            .collect();
        let outcome = crate::reconcile(&settlement, &[], None);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("results.csv");
        write_results(&path, &outcome, &settlement, &[]).unwrap_or_else(|e| panic!("{e}"));

        let mut one_by_one = Fields {
            writer: csv::Writer::from_writer(Vec::new()),
            text: String::new(),
            time: Vec::new(),
        };
        one_by_one
            .writer
            .write_record(RESULT_COLUMNS)
            .unwrap_or_else(|e| panic!("{e}"));
        for result in &outcome.results {
            one_by_one
                .row(result, &settlement, &[])
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let expected = one_by_one
            .writer
            .into_inner()
            .unwrap_or_else(|e| panic!("{e}"));
        let written = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(written.len(), expected.len());
        assert!(written == expected, "the rows are out of order");
    }
}

//! Reading the two input files.

use std::io::Read;
use std::path::{Path, PathBuf};

use csv::ByteRecord;
use foldhash::{HashMap, HashMapExt};
use payops_core::{Currency, clip};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::amount::parse_minor;
use crate::error::Error;
use crate::model::{LedgerEntry, LineKind, SettlementLine};

const SETTLEMENT_COLUMNS: [&str; 8] = [
    "batch_id",
    "transaction_id",
    "invoice_id",
    "type",
    "amount",
    "fee",
    "currency",
    "settled_at",
];

const LEDGER_COLUMNS: [&str; 6] = [
    "entry_id",
    "gateway_transaction_id",
    "order_ref",
    "amount",
    "currency",
    "posted_at",
];

/// Reads a `settlement.csv` file (see the [module](super)).
pub fn read_settlement(path: &Path) -> Result<Vec<SettlementLine>, Error> {
    let (file, len) = open(path)?;
    read_settlement_from(file, path, len)
}

/// Reads a `ledger.csv` file (see the [module](super)).
pub fn read_ledger(path: &Path) -> Result<Vec<LedgerEntry>, Error> {
    let (file, len) = open(path)?;
    read_ledger_from(file, path, len)
}

/// Opens a file for [`read_settlement_from`] or [`read_ledger_from`]: the file and its length in
/// bytes.
pub fn open(path: &Path) -> Result<(std::fs::File, u64), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    Ok((file, len))
}

/// About how many rows `len` bytes of the interchange hold (rows take 50 to 80 bytes), so that
/// growing vectors are not copied.
fn rows_in(len: u64) -> usize {
    usize::try_from(len / 56).unwrap_or(0)
}

/// Reads every data row of `rows` with `build`, then fails on the first row whose `id` (the
/// text of column `id_column`) an earlier row has, naming both lines; `len` as for
/// [`read_settlement_from`].
fn read_unique<R: Read, T, const N: usize>(
    mut rows: Rows<R, N>,
    len: u64,
    (id_column, what): (usize, &str),
    mut build: impl FnMut(&mut Row<'_, N>) -> Result<T, Error>,
    id: fn(&T) -> &str,
) -> Result<Vec<T>, Error> {
    let expected = rows_in(len);
    let mut read = Vec::with_capacity(expected);
    let mut lines = Vec::with_capacity(expected);
    while let Some(mut row) = rows.next()? {
        lines.push(row.line);
        read.push(build(&mut row)?);
    }
    let mut first: HashMap<&str, u64> = HashMap::with_capacity(read.len());
    for (item, &line) in read.iter().zip(&lines) {
        if let Some(earlier) = first.insert(id(item), line) {
            return Err(Error::Input {
                file: rows.file.clone(),
                line,
                column: rows.names[id_column].to_owned(),
                message: format!("{what} repeated (first on line {earlier})"),
            });
        }
    }
    Ok(read)
}

/// Reads settlement lines from `input` (a file behind a progress bar, a decompressor, ...),
/// named `name` in errors; `len` is its length in bytes when known (0 otherwise), to make room
/// for its rows at once.
pub fn read_settlement_from(
    input: impl Read,
    name: &Path,
    len: u64,
) -> Result<Vec<SettlementLine>, Error> {
    let rows = Rows::new(input, name, SETTLEMENT_COLUMNS)?;
    let build = |row: &mut Row<'_, 8>| {
        let currency = row.currency(6)?;
        let kind = row.text(3)?;
        Ok(SettlementLine {
            batch_id: row.text(0)?.to_owned(),
            transaction_id: row.required(1)?.to_owned(),
            invoice_id: row.text(2)?.to_owned(),
            kind: LineKind::parse(kind).ok_or_else(|| {
                row.error(
                    3,
                    format!("`{}` is not sale, refund or chargeback", clip(kind, 40)),
                )
            })?,
            amount: row.amount(4, currency)?,
            fee: row.amount(5, currency)?,
            currency,
            settled_at: row.time(7)?,
        })
    };
    read_unique(rows, len, (1, "transaction id"), build, |line| {
        line.transaction_id.as_str()
    })
}

/// Reads ledger entries from `input`, named `name` in errors; `len` as for
/// [`read_settlement_from`].
pub fn read_ledger_from(
    input: impl Read,
    name: &Path,
    len: u64,
) -> Result<Vec<LedgerEntry>, Error> {
    let rows = Rows::new(input, name, LEDGER_COLUMNS)?;
    let build = |row: &mut Row<'_, 6>| {
        let currency = row.currency(4)?;
        Ok(LedgerEntry {
            entry_id: row.required(0)?.to_owned(),
            gateway_transaction_id: row.text(1)?.to_owned(),
            order_ref: row.text(2)?.to_owned(),
            amount: row.amount(3, currency)?,
            currency,
            posted_at: row.time(5)?,
        })
    };
    read_unique(rows, len, (0, "entry id"), build, |entry| {
        entry.entry_id.as_str()
    })
}

/// The data rows of a file, with the positions of the columns it must have.
struct Rows<R: Read, const N: usize> {
    reader: csv::Reader<R>,
    file: PathBuf,
    names: [&'static str; N],
    positions: [usize; N],
    record: ByteRecord,
    currencies: HashMap<Vec<u8>, Currency>,
}

/// One data row being read.
struct Row<'a, const N: usize> {
    file: &'a Path,
    names: &'a [&'static str; N],
    positions: &'a [usize; N],
    record: &'a ByteRecord,
    currencies: &'a mut HashMap<Vec<u8>, Currency>,
    line: u64,
}

impl<R: Read, const N: usize> Rows<R, N> {
    fn new(input: R, file: &Path, names: [&'static str; N]) -> Result<Self, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(input);
        let headers = reader
            .byte_headers()
            .map_err(|source| Error::Csv {
                file: file.to_owned(),
                source,
            })?
            .clone();
        let mut positions = [0; N];
        for (position, name) in positions.iter_mut().zip(names) {
            *position = headers
                .iter()
                .position(|h| h == name.as_bytes())
                .ok_or_else(|| Error::Input {
                    file: file.to_owned(),
                    line: 1,
                    column: name.to_owned(),
                    message: "the header row has no such column".into(),
                })?;
        }
        Ok(Self {
            reader,
            file: file.to_owned(),
            names,
            positions,
            record: ByteRecord::new(),
            currencies: HashMap::new(),
        })
    }

    fn next(&mut self) -> Result<Option<Row<'_, N>>, Error> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|source| Error::Csv {
                file: self.file.clone(),
                source,
            })?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, csv::Position::line);
        Ok(Some(Row {
            file: &self.file,
            names: &self.names,
            positions: &self.positions,
            record: &self.record,
            currencies: &mut self.currencies,
            line,
        }))
    }
}

impl<const N: usize> Row<'_, N> {
    fn error(&self, column: usize, message: String) -> Error {
        Error::Input {
            file: self.file.to_owned(),
            line: self.line,
            column: self.names[column].to_owned(),
            message,
        }
    }

    /// The column's text (empty when the row is short of it).
    fn text(&self, column: usize) -> Result<&str, Error> {
        let bytes = self.record.get(self.positions[column]).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| self.error(column, "not UTF-8 text".into()))
    }

    fn required(&self, column: usize) -> Result<&str, Error> {
        match self.text(column)? {
            "" => Err(self.error(column, "empty".into())),
            text => Ok(text),
        }
    }

    fn currency(&mut self, column: usize) -> Result<Currency, Error> {
        let bytes = self.record.get(self.positions[column]).unwrap_or_default();
        if let Some(currency) = self.currencies.get(bytes) {
            return Ok(*currency);
        }
        let code = self.text(column)?;
        let currency = Currency::parse(code).map_err(|_| {
            self.error(
                column,
                format!("`{}` is not an ISO 4217 currency", clip(code, 40)),
            )
        })?;
        self.currencies.insert(bytes.to_vec(), currency);
        Ok(currency)
    }

    fn amount(&self, column: usize, currency: Currency) -> Result<i64, Error> {
        let text = self.text(column)?;
        parse_minor(text, currency)
            .map_err(|err| self.error(column, format!("`{}` in {currency}: {err}", clip(text, 40))))
    }

    fn time(&self, column: usize) -> Result<OffsetDateTime, Error> {
        let text = self.text(column)?;
        OffsetDateTime::parse(text, &Rfc3339).map_err(|err| {
            self.error(
                column,
                format!("`{}` is not an RFC 3339 time: {err}", clip(text, 40)),
            )
        })
    }
}

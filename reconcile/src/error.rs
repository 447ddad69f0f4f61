//! The crate's errors.

use std::path::PathBuf;

/// Why an amount's text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Nothing was given.
    #[error("no amount")]
    Empty,
    /// Not a plain decimal (digits, one optional point, an optional leading sign).
    #[error("not a plain decimal amount")]
    Malformed,
    /// Non-zero digits beyond the currency's minor unit: reading it would round.
    #[error("more decimal places than the currency's {exponent} (the amount would be rounded)")]
    TooPrecise {
        /// The currency's exponent.
        exponent: u32,
    },
    /// Beyond what 64-bit minor units hold.
    #[error("too large")]
    TooLarge,
}

/// An error of reconciliation's inputs and outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value of an input file that cannot be read, named by file, line (1 is the header) and
    /// column.
    #[error("{}, line {line}, column `{column}`: {message}", file.display())]
    Input {
        /// The file.
        file: PathBuf,
        /// Its line, counted from 1 (the header row).
        line: u64,
        /// The column's name.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A CSV file that could not be read or written at all.
    #[error("{}: {source}", file.display())]
    Csv {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: csv::Error,
    },
    /// A file or directory that could not be opened, created or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while screening, training or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FraudError {
    /// The velocity store's database failed.
    #[error("velocity store: {0}")]
    Store(#[from] rusqlite::Error),
    /// A model file could not be read or written.
    #[error("model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A model file is not valid JSON of the expected shape; `path` is the JSON path of the field.
    #[error("model file field `{path}`: {source}")]
    ModelFormat {
        /// The JSON path of the offending field (`coefficients[3]`).
        path: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The model file was written by another format version of this crate.
    #[error("model file format version {found}, this build reads version {expected}")]
    UnsupportedFormatVersion {
        /// The version in the file.
        found: u32,
        /// The version this build reads and writes.
        expected: u32,
    },
    /// The model file's feature list is not this build's signal list, in order.
    #[error("model file features do not match this build's signals: {detail}")]
    FeatureMismatch {
        /// The first difference found.
        detail: String,
    },
    /// A vector in the model file has the wrong length or a non-finite number.
    #[error("model file field `{field}` is invalid: {reason}")]
    InvalidModel {
        /// The field (`scaler.std`, `coefficients`, `thresholds`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Thresholds must satisfy `review <= refuse`, both finite.
    #[error("thresholds: review {review} must be finite and at most refuse {refuse}")]
    InvalidThresholds {
        /// The review threshold.
        review: f64,
        /// The refuse threshold.
        refuse: f64,
    },
    /// A customer's total in the velocity store would overflow 64-bit minor units: the order
    /// is not recorded (never a rounded total).
    #[error("customer total in {currency} would overflow 64-bit minor units")]
    CustomerTotal {
        /// The total's currency code.
        currency: String,
    },
    /// Training needs both fraudulent and legitimate rows.
    #[error("training needs both classes: {positives} fraudulent and {negatives} legitimate rows")]
    NotEnoughLabels {
        /// Fraudulent rows selected.
        positives: usize,
        /// Legitimate rows selected.
        negatives: usize,
    },
    /// The logistic regression solver failed.
    #[error("training: {0}")]
    Training(#[from] linfa_logistic::error::Error),
}

//! Settlement batches: `/v1/batches/export_one`, `/v1/batches/export` and
//! `/v1/batches/transaction_list` (paths from PipedreamHQ's PayTrace component and the
//! 2016 JSON API index).
//!
//! No stored source shows a v1 batch response beyond `batch.number`: [`BatchSummary`]
//! types that field and keeps everything else in [`BatchSummary::other`] as sent, so no
//! data is lost while the shape is unconfirmed. A batch's transactions use the
//! documented export record ([`TransactionExport`](crate::TransactionExport)).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;

/// Body of `/v1/batches/export_one`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExportBatchRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batch_number: Option<u64>,
}

/// Body of `/v1/batches/export`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExportBatchesRequest {
    #[serde(with = "crate::wire::date")]
    pub(crate) start_date: Date,
    #[serde(with = "crate::wire::date")]
    pub(crate) end_date: Date,
}

/// Body of `/v1/batches/transaction_list`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BatchTransactionsRequest {
    pub(crate) batch_number: u64,
}

/// A batch summary.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchSummary {
    /// The batch number (matches `GB<n>` in transaction exports).
    #[serde(default, deserialize_with = "crate::wire::opt_u64")]
    pub number: Option<u64>,
    /// Every other field, as sent (counts, amounts, dates: shape unconfirmed).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// Response of `/v1/batches/export_one`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchExport {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// The batch.
    #[serde(default)]
    pub batch: Option<BatchSummary>,
}

/// Response of `/v1/batches/export`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchesExport {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// The batches settled in the range.
    #[serde(default)]
    pub batches: Vec<BatchSummary>,
}

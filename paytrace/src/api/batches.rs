//! Settlement batches: `/v1/batches/...`, for reconciliation. Reads, retried per the retry policy.
//!
//! ```no_run
//! # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
//! use paytrace::{Date, Month};
//! let from = Date::from_calendar_date(2024, Month::December, 1).expect("valid date");
//! let to = Date::from_calendar_date(2024, Month::December, 7).expect("valid date");
//! for batch in client.export_batches(from, to).await?.batches {
//!     if let Some(number) = batch.number {
//!         let settled = client.batch_transactions(number).await?;
//!         println!("batch {number}: {} transactions", settled.transactions.len());
//!     }
//! }
//! # Ok(()) }
//! ```

use crate::client::{OnFailure, RequestKind};
use crate::models::batch::{
    BatchExport, BatchTransactionsRequest, BatchesExport, ExportBatchRequest, ExportBatchesRequest,
};
use crate::models::reporting::TransactionExport;
use crate::{Client, Result};
use time::Date;

impl Client {
    /// Summary of one batch, or of the latest when `batch_number` is `None`: `/v1/batches/export_one`.
    pub async fn export_batch(&self, batch_number: Option<u64>) -> Result<BatchExport> {
        self.post(
            "/v1/batches/export_one",
            &ExportBatchRequest { batch_number },
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }

    /// Summaries of the batches settled between two dates (inclusive): `/v1/batches/export`.
    pub async fn export_batches(&self, start_date: Date, end_date: Date) -> Result<BatchesExport> {
        let body = ExportBatchesRequest {
            start_date,
            end_date,
        };
        self.post(
            "/v1/batches/export",
            &body,
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }

    /// The settled transactions of one batch: `/v1/batches/transaction_list`.
    pub async fn batch_transactions(&self, batch_number: u64) -> Result<TransactionExport> {
        let body = BatchTransactionsRequest { batch_number };
        self.post(
            "/v1/batches/transaction_list",
            &body,
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }
}

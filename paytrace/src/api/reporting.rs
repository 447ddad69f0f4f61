//! Transaction exports: `/v1/transactions/export/...`. Reads, retried per the retry policy.
//! Timestamps are local PayTrace time; see [`crate::models::reporting`] for the timezone note.

use crate::client::{OnFailure, Safety};
use crate::models::reporting::{ExportByDateRangeRequest, ExportByIdRequest, TransactionExport};
use crate::{Client, Result};

impl Client {
    /// Exports one transaction: `/v1/transactions/export/by_id`.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{ExportByIdRequest, TransactionId};
    /// let export = client
    ///     .export_transaction(&ExportByIdRequest { transaction_id: TransactionId(79388123), include_bin: None })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn export_transaction(
        &self,
        request: &ExportByIdRequest,
    ) -> Result<TransactionExport> {
        self.post(
            "/v1/transactions/export/by_id",
            request,
            Safety::Safe,
            OnFailure::Error,
        )
        .await
    }

    /// Exports transactions between two dates: `/v1/transactions/export/by_date_range`.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{ExportByDateRangeRequest, NaiveDate, SettlementStatus};
    /// let day = NaiveDate::from_ymd_opt(2015, 4, 10).expect("valid date");
    /// let export = client.export_transactions(&ExportByDateRangeRequest::new(day, day)).await?;
    /// for tx in &export.transactions {
    ///     if let Some(SettlementStatus::Settled { batch_number }) = &tx.status_code {
    ///         println!("{} settled in batch {batch_number} at {:?}", tx.transaction_id, tx.settled);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn export_transactions(
        &self,
        request: &ExportByDateRangeRequest,
    ) -> Result<TransactionExport> {
        self.post(
            "/v1/transactions/export/by_date_range",
            request,
            Safety::Safe,
            OnFailure::Error,
        )
        .await
    }
}

//! Transaction exports: `/v1/transactions/export/...`. Reads, retried per the retry policy.
//! Timestamps are local PayTrace time; see [`crate::models::reporting`] for the timezone note.

use crate::client::{OnFailure, RequestKind};
use crate::error::{Error, ErrorCode};
use crate::models::reporting::{
    ExportByDateRangeRequest, ExportByIdRequest, TransactionExport, TransactionRecord,
};
use crate::models::transaction::TransactionId;
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
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }

    /// The record of one transaction, or `None` when PayTrace does not know the id:
    /// [`Client::export_transaction`] without the BIN, reduced to the record whose id was asked
    /// for. A validation error naming the transaction id
    /// ([`ErrorCode::TRANSACTION_ID`], 58) is read as "unknown id"; that the export answers
    /// an unknown id that way is UNCONFIRMED (58 is what PayTrace answers a capture of an
    /// unknown id). Every other failure is an error, never `None`. Safe to call repeatedly.
    ///
    /// # Checking a capture whose answer was lost
    /// Look the *authorization* up and read its `status_code` (help.paytrace.com export
    /// record: `Y` settles tonight, `N` voided, declined or authorization only, `GB<n>`
    /// settled in batch `n`):
    /// - `Y` or `GB<n>`: the authorization will settle or has settled, so it was captured
    ///   (by this capture or another one).
    /// - `N`: not captured *as of this export*; the same code also means voided. It does not
    ///   prove that the lost capture will never land: only once the request can no longer
    ///   arrive (see [`Client::timeout`]) does a later `N` mean it did not.
    /// - UNCONFIRMED by the sources: how soon a capture shows in the export, whether the
    ///   record's `amount` becomes the captured amount after a partial capture, and whether
    ///   `transaction_type` changes from `AUTHORIZATION`. Compare amounts only as a hint.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{SettlementStatus, TransactionId};
    /// match client.find_transaction(TransactionId(392442990)).await? {
    ///     Some(auth) => match auth.status_code {
    ///         Some(SettlementStatus::Pending | SettlementStatus::Settled { .. }) => println!("captured"),
    ///         Some(SettlementStatus::NotSettling) => println!("not captured (or voided) so far"),
    ///         other => println!("unknown status {other:?}: ask a person"),
    ///     },
    ///     None => println!("PayTrace does not know this transaction"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_transaction(&self, id: TransactionId) -> Result<Option<TransactionRecord>> {
        let request = ExportByIdRequest {
            transaction_id: id,
            include_bin: None,
        };
        match self.export_transaction(&request).await {
            Ok(export) => Ok(export
                .transactions
                .into_iter()
                .find(|t| t.transaction_id == id)),
            Err(Error::Validation(v)) if v.contains(ErrorCode::TRANSACTION_ID) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Exports transactions between two dates: `/v1/transactions/export/by_date_range`.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{Date, ExportByDateRangeRequest, Month, SettlementStatus};
    /// let day = Date::from_calendar_date(2015, Month::April, 10).expect("valid date");
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
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }
}

//! Resolving ambiguous outcomes.
//!
//! PayTrace v1 has no idempotency header. A sale whose response never arrived (timeout,
//! dropped connection, 5xx) may or may not have been charged, so it must be looked up
//! before anyone sends it again. The lookup key is the `invoice_id` the caller put on the
//! sale (the workspace derives it from the source event), searched in the date-range export.

use crate::models::reporting::{ExportByDateRangeRequest, TransactionRecord, TransactionType};
use crate::{Client, Result};
use chrono::{Days, NaiveDate};

/// What the export says about a sale sent with a given `invoice_id`.
#[derive(Debug, Clone, PartialEq)]
pub enum SaleLookup {
    /// No sale or authorization carries the invoice id in the searched days.
    NotFound,
    /// Exactly one does: the earlier call reached PayTrace. Check its `approval_code` and
    /// `status_code` before deciding anything else.
    Found(Box<TransactionRecord>),
    /// Several do (the sale was already sent more than once); a person or a reconciliation
    /// rule must decide which to keep and void the rest.
    Multiple(Vec<TransactionRecord>),
}

impl Client {
    /// Looks up a sale or authorization by `invoice_id`, searching the export from the day
    /// before `sent_on` to the day after, because PayTrace's export dates are in the
    /// account's local zone (see [`crate::models::reporting`]). Refunds and voids carrying
    /// the same invoice id are ignored. Safe to call repeatedly.
    ///
    /// Limits (unconfirmed by the stored sources): whether the default export lists
    /// declined attempts, and how soon a new transaction appears in it. A
    /// [`SaleLookup::NotFound`] right after a timeout is therefore best confirmed by a
    /// second lookup a little later before the sale is sent again.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client, sale: paytrace::KeyedRequest) -> paytrace::Result<()> {
    /// use paytrace::{NaiveDate, SaleLookup};
    /// let sent_on = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    /// match client.sale_keyed(&sale).await {
    ///     Err(e) if e.is_ambiguous() => {
    ///         let invoice = sale.details.invoice_id.as_deref().unwrap_or_default();
    ///         match client.find_sale_by_invoice(invoice, sent_on).await? {
    ///             SaleLookup::NotFound => { /* never charged: safe to send again */ }
    ///             SaleLookup::Found(record) => println!("already charged as {}", record.transaction_id),
    ///             SaleLookup::Multiple(records) => println!("{} duplicates to review", records.len()),
    ///         }
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_sale_by_invoice(
        &self,
        invoice_id: &str,
        sent_on: NaiveDate,
    ) -> Result<SaleLookup> {
        let start = sent_on.checked_sub_days(Days::new(1)).unwrap_or(sent_on);
        let end = sent_on.checked_add_days(Days::new(1)).unwrap_or(sent_on);
        let export = self
            .export_transactions(&ExportByDateRangeRequest::new(start, end))
            .await?;
        let mut matches: Vec<TransactionRecord> = export
            .transactions
            .into_iter()
            .filter(|t| t.invoice_id.as_deref() == Some(invoice_id))
            .filter(|t| {
                !matches!(
                    t.transaction_type,
                    Some(TransactionType::Refund | TransactionType::Void)
                )
            })
            .collect();
        Ok(match matches.len() {
            0 => SaleLookup::NotFound,
            1 => matches
                .pop()
                .map_or(SaleLookup::NotFound, |t| SaleLookup::Found(Box::new(t))),
            _ => SaleLookup::Multiple(matches),
        })
    }
}

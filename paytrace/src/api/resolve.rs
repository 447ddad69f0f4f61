//! Resolving ambiguous outcomes.
//!
//! PayTrace v1 has no idempotency header. A sale or authorization whose response never
//! arrived (timeout, dropped connection, 5xx) may or may not have been processed, so it must
//! be looked up before anyone sends it again. The lookup key is the `invoice_id` the caller
//! put on the request (the workspace derives it from the source event), searched in the
//! date-range export ([`Client::find_sale_by_invoice`]).
//!
//! The export is asked twice, concurrently, for the same days:
//! - without `transaction_type`: approved sales and authorizations;
//! - with `transaction_type: "DECLINED"`, one of the export's documented filter values
//!   (help.paytrace.com, moqui/mantle-paytrace, PipedreamHQ): declined ones. That the default
//!   export leaves declines out is UNCONFIRMED by the sources but is how the local sandbox
//!   behaves; a transaction listed by both counts once, as declined.
//!
//! Asking for declines matters: a declined sale whose answer was lost is a sale that was
//! *answered*; treating it as "never arrived" would send the card again.
//!
//! `including_text` is deliberately not sent, although the export accepts it: no stored source
//! says which fields it searches. If it did not search `invoice_id`, a sale that was charged
//! would come back [`SaleLookup::NotFound`] and be charged twice; the whole window is
//! exported and filtered here instead.
//!
//! A lost *capture* is checked on the authorization itself with
//! [`Client::find_transaction`](crate::Client::find_transaction).

use crate::models::reporting::{ExportByDateRangeRequest, TransactionRecord, TransactionType};
use crate::{Client, Result};
use time::Date;

/// What the exports say about a sale or authorization sent with a given `invoice_id`.
///
/// Deliberately not `#[non_exhaustive]`: it drives a decision about money, so a new outcome
/// added here must break every `match` on it rather than fall into a wildcard arm.
#[derive(Debug, Clone, PartialEq)]
pub enum SaleLookup {
    /// Neither export lists a sale or authorization with the invoice id in the searched
    /// days.
    NotFound,
    /// Exactly one transaction carries the invoice id, listed by the default export: the
    /// earlier request reached PayTrace and was approved. Its `status_code` tells whether it
    /// still settles (`Y`, `GB<n>`) or was voided since (`N`).
    Approved(Box<TransactionRecord>),
    /// Exactly one transaction carries the invoice id, listed by the `DECLINED` export: the
    /// earlier request reached PayTrace and was declined. Sending it again is a new attempt
    /// on a card the issuer refused, not a recovery.
    Declined(Box<TransactionRecord>),
    /// Several transactions carry the invoice id, in either export or both (the request was
    /// already sent more than once): a person or a reconciliation rule must decide which to
    /// keep and void the rest. Approved records come first, then declined ones, each in the
    /// order PayTrace listed them.
    Multiple(Vec<TransactionRecord>),
}

impl Client {
    /// Looks up a sale or authorization by `invoice_id`, searching the default export
    /// (approved) and the `DECLINED` export from the day before `sent_on` to the day after,
    /// because PayTrace's export dates are in the account's local zone (see
    /// [`crate::models::reporting`]). Both exports are requested concurrently; if either
    /// fails, the lookup fails (it never turns a failed request into
    /// [`SaleLookup::NotFound`]). Refunds and voids carrying the same invoice id are ignored.
    /// Safe to call repeatedly.
    ///
    /// A transaction listed by both exports (a declined one, if PayTrace's default export
    /// listed declines after all) counts once, as declined.
    ///
    /// Limits (unconfirmed by the stored sources): how soon a new transaction appears in
    /// the exports, and that the default export leaves declines out (harmless either way,
    /// see above). A [`SaleLookup::NotFound`] right after a timeout is therefore best
    /// confirmed by a second lookup once the request can no longer land (see
    /// [`Client::timeout`]) before it is sent again.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client, sale: paytrace::KeyedRequest) -> paytrace::Result<()> {
    /// use paytrace::{Date, Month, SaleLookup};
    /// let sent_on = Date::from_calendar_date(2026, Month::November, 23).expect("valid date");
    /// match client.sale_keyed(&sale).await {
    ///     Err(e) if e.is_ambiguous() => {
    ///         let invoice = sale.details.invoice_id.as_deref().unwrap_or_default();
    ///         match client.find_sale_by_invoice(invoice, sent_on).await? {
    ///             SaleLookup::NotFound => { /* not (yet) listed: confirm later, then send again */ }
    ///             SaleLookup::Approved(record) => println!("already charged as {}", record.transaction_id),
    ///             SaleLookup::Declined(record) => println!("declined as {}", record.transaction_id),
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
        sent_on: Date,
    ) -> Result<SaleLookup> {
        // At the ends of the supported range there is no day to add; the window shrinks.
        let start = sent_on.previous_day().unwrap_or(sent_on);
        let end = sent_on.next_day().unwrap_or(sent_on);
        let approved_request = ExportByDateRangeRequest::new(start, end);
        let declined_request = ExportByDateRangeRequest {
            transaction_type: Some(TransactionType::Declined),
            ..ExportByDateRangeRequest::new(start, end)
        };
        // Both are reads: if one fails, dropping the other is harmless.
        let (approved, declined) = tokio::try_join!(
            self.export_transactions(&approved_request),
            self.export_transactions(&declined_request),
        )?;
        Ok(classify(
            invoice_id,
            approved.transactions,
            declined.transactions,
        ))
    }
}

/// Picks the records of `invoice_id` out of both exports and names the outcome.
fn classify(
    invoice_id: &str,
    approved: Vec<TransactionRecord>,
    declined: Vec<TransactionRecord>,
) -> SaleLookup {
    let relevant = |t: &TransactionRecord| {
        t.invoice_id.as_deref() == Some(invoice_id)
            && !matches!(
                t.transaction_type,
                Some(TransactionType::Refund | TransactionType::Void)
            )
    };
    let mut declined: Vec<TransactionRecord> = declined.into_iter().filter(relevant).collect();
    // A transaction listed by both exports counts once, as declined.
    let mut approved: Vec<TransactionRecord> = approved
        .into_iter()
        .filter(|t| {
            relevant(t)
                && !declined
                    .iter()
                    .any(|d| d.transaction_id == t.transaction_id)
        })
        .collect();
    // `remove(0)` cannot panic: each arm has checked the length it takes from.
    match (approved.len(), declined.len()) {
        (0, 0) => SaleLookup::NotFound,
        (1, 0) => SaleLookup::Approved(Box::new(approved.remove(0))),
        (0, 1) => SaleLookup::Declined(Box::new(declined.remove(0))),
        _ => {
            approved.append(&mut declined);
            SaleLookup::Multiple(approved)
        }
    }
}

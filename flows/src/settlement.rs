//! Settlement reconciliation in the runtime: a gateway's batches against the ledger's payments
//! and refunds, and each batch's journal, which moves the settled money from the gateway's
//! clearing account to the bank.
//!
//! [`reconcile_period`] takes the batches that settled in a period (from a source such as
//! [`paytrace_batches`]) and:
//!
//! 1. reads the ledger's payments and refunds of the gateway from `lookback_days` before the
//!    period to the day after it ([`erp::Erp::payment_entries`]: the embedded ledger's
//!    or Odoo's payments, Odoo's received payments without a transaction id);
//! 2. reconciles the batches' charges, refunds and chargebacks against them
//!    ([`reconcile::reconcile`]; fee, adjustment and payout lines are not payments: they only go
//!    to the journal);
//! 3. classes the ledger entries that nothing pairs by their date: dated on the period's last
//!    day or later, they are in transit (their batch may close after the period); dated in the
//!    period before its last day, or on the day before it, they are missing from the
//!    settlement; dated earlier, they are left out (the run of the day after their date
//!    reported them). So a payment that never settles is reported missing once, by the run of
//!    the day after its date;
//! 4. books each batch's journal ([`mapping::erp::to_erp_settlement_journal`]), idempotent by
//!    the batch's reference: a batch reconciled twice is booked once.
//!
//! The ledger keeps a payment's date, not its time, so the cut-off between "in transit" and
//! "missing" is a day: an entry is taken as posted at the end of its day (in the context's
//! offset).
//!
//! Examples: [`paytrace_batches`] (a day's PayTrace batches) and [`stripe_payout`] (a payout).

use erp::Erp;
use mapping::erp::{ErpCtx, to_erp_settlement_journal};
use mapping::{MappingError, SettlementKind, System};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::StepError;

/// What one reconciliation found and booked.
#[derive(Debug, Clone)]
pub struct SettlementReport {
    /// The gateway.
    pub gateway: System,
    /// The settlement lines reconciled (charges, refunds and chargebacks of every batch).
    pub settlement: Vec<reconcile::SettlementLine>,
    /// The ledger entries read.
    pub ledger: Vec<reconcile::LedgerEntry>,
    /// One outcome per settlement line and per ledger entry of the period left unpaired.
    pub reconciliation: reconcile::Reconciliation,
    /// Each batch's journal, in the batches' order.
    pub journals: Vec<erp::Recorded>,
}

/// What a reconciliation job records in the effect log: the journals it booked and the count
/// of each class.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reconciled {
    /// The references of the journals booked (one per batch or payout).
    pub journals: Vec<String>,
    /// Outcomes per class (`matched`, `missing_in_ledger`, ...).
    pub outcomes: std::collections::BTreeMap<String, usize>,
    /// How many need a person.
    pub discrepancies: usize,
    /// The money of each class, per currency: the net of its settlement lines, or of its ledger
    /// entries for the classes that have none (`missing_in_settlement`, `in_transit`,
    /// `duplicate_in_ledger`). Empty in records written before amounts were kept.
    #[serde(default)]
    pub amounts: Vec<ClassAmount>,
}

/// The net of one class of outcomes in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassAmount {
    /// The class (`matched`, `missing_in_ledger`, ...).
    pub status: String,
    /// The ISO 4217 code.
    pub currency: String,
    /// The net in minor units of `currency`, negative when refunds and chargebacks outweigh.
    pub minor: i64,
}

impl ClassAmount {
    /// The amount in major units with its code (`575.38 USD`); the minor units and the code as
    /// they are when the code is not a currency.
    pub fn display(&self) -> String {
        match payops_core::Currency::parse(&self.currency) {
            Ok(currency) => format!(
                "{} {}",
                reconcile::format_minor(self.minor, currency),
                self.currency
            ),
            Err(_) => format!("{} (minor units) {}", self.minor, self.currency),
        }
    }
}

impl Reconciled {
    /// Logs the discrepancies of `what` (the payout, the day), if there are any, and tells a
    /// person once ([`crate::notify`], keyed `{entity}/notice/discrepancies`): findings for a
    /// person, not a failure of the run.
    pub fn tell(&self, ctx: &crate::workflow::StepCtx<'_>, what: &str) {
        if self.discrepancies == 0 {
            return;
        }
        tracing::warn!(
            discrepancies = self.discrepancies,
            outcomes = ?self.outcomes,
            "{what}: discrepancies with the books"
        );
        let mut notice = crate::notify::Notice::new(
            crate::notify::NoticeKind::Discrepancies,
            format!("{}/notice/discrepancies", ctx.entity()),
            format!(
                "Reconciliation of {what}: {} discrepancies",
                self.discrepancies
            ),
        )
        .text(format!(
            "The settlement of {what} does not agree with the books on {} lines. Look at the \
             reconciliation report; the settlement journals booked are listed below.",
            self.discrepancies
        ))
        .fact("discrepancies", self.discrepancies);
        for (status, count) in &self.outcomes {
            notice = notice.fact(status, count);
        }
        for amount in &self.amounts {
            notice = notice.fact(format!("{} amount", amount.status), amount.display());
        }
        for journal in &self.journals {
            notice = notice.fact("journal", journal);
        }
        ctx.notify(notice);
    }

    /// The record of `report`.
    pub fn of(report: &SettlementReport) -> Self {
        let mut outcomes = std::collections::BTreeMap::new();
        for outcome in &report.reconciliation.results {
            *outcomes
                .entry(outcome.status.as_str().to_owned())
                .or_insert(0) += 1;
        }
        // An outcome's money is its settlement line's, else its ledger entry's.
        let mut amounts = std::collections::BTreeMap::new();
        for outcome in &report.reconciliation.results {
            let money = match (outcome.settlement, outcome.ledger) {
                (Some(s), _) => report.settlement.get(s).map(|l| (l.amount, l.currency)),
                (None, Some(l)) => report.ledger.get(l).map(|e| (e.amount, e.currency)),
                (None, None) => None,
            };
            if let Some((minor, currency)) = money {
                let sum = amounts
                    .entry((outcome.status.as_str(), currency.code().to_owned()))
                    .or_insert(0_i64);
                // Beyond i64's minor units no settlement goes; saturating keeps the record.
                *sum = sum.saturating_add(minor);
            }
        }
        Self {
            amounts: amounts
                .into_iter()
                .map(|((status, currency), minor)| ClassAmount {
                    status: status.to_owned(),
                    currency,
                    minor,
                })
                .collect(),
            journals: report
                .journals
                .iter()
                .map(|j| j.document.external_ref.clone())
                .collect(),
            outcomes,
            discrepancies: report
                .reconciliation
                .results
                .iter()
                .filter(|o| o.status.is_discrepancy())
                .count(),
        }
    }
}

/// Reconciles `batches` (each one batch's lines, all of `gateway`) that settled in `period`
/// (first and last day) against the ledger, and books each batch's journal. See the
/// [module](self).
pub async fn reconcile_period(
    ledger: &dyn Erp,
    ctx: &ErpCtx,
    gateway: System,
    batches: &[Vec<mapping::SettlementLine>],
    (from, to): (Date, Date),
    lookback_days: u16,
) -> Result<SettlementReport, StepError> {
    let mut settlement = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        for (i, line) in batch.iter().enumerate() {
            let at = || format!("batches[{b}].lines[{i}]");
            if line.gateway != gateway {
                return Err(MappingError::InvalidValue {
                    field: format!("{}.gateway", at()),
                    value: line.gateway.as_str().to_owned(),
                    expected: "the reconciled gateway",
                }
                .into());
            }
            if let Some(line) = settlement_line(line).map_err(|e| e.at(&at()))? {
                settlement.push(line);
            }
        }
    }

    let name = erp::Gateway::new(gateway.as_str())?;
    let first = from.saturating_sub(Duration::days(i64::from(lookback_days)));
    let last = to.saturating_add(Duration::days(1));
    let ledger_entries: Vec<reconcile::LedgerEntry> = ledger
        .payment_entries(&name, first, last)
        .await?
        .iter()
        .map(|entry| ledger_entry(entry, ctx))
        .collect();

    // Entries of the period's last day (or later) that nothing pairs are in transit: their
    // batch may close after the period.
    let cutoff = day_end(to, ctx).saturating_sub(Duration::DAY);
    let mut reconciliation = reconcile::reconcile(&settlement, &ledger_entries, Some(cutoff));
    // Unpaired entries dated more than a day before the period were reported by the run of the
    // day after their date.
    let reported_before = day_end(from, ctx).saturating_sub(Duration::days(2));
    reconciliation.results.retain(|outcome| {
        outcome.settlement.is_some()
            || outcome
                .ledger
                .and_then(|l| ledger_entries.get(l))
                .is_none_or(|entry| entry.posted_at > reported_before)
    });

    let mut journals = Vec::with_capacity(batches.len());
    for batch in batches.iter().filter(|batch| !batch.is_empty()) {
        let journal = to_erp_settlement_journal(batch, ctx)?;
        journals.push(ledger.post_journal_entry(&journal).await?);
    }
    Ok(SettlementReport {
        gateway,
        settlement,
        ledger: ledger_entries,
        reconciliation,
        journals,
    })
}

/// The line as reconciliation reads it: charges, refunds and chargebacks; `None` for lines that
/// are not payments (fees, adjustments, dispute reversals, the payout).
fn settlement_line(
    line: &mapping::SettlementLine,
) -> Result<Option<reconcile::SettlementLine>, MappingError> {
    let kind = match line.kind {
        SettlementKind::Charge => reconcile::LineKind::Sale,
        SettlementKind::Refund => reconcile::LineKind::Refund,
        SettlementKind::Dispute => reconcile::LineKind::Chargeback,
        _ => return Ok(None),
    };
    let settled_at = line.settled_at.ok_or_else(|| MappingError::MissingField {
        field: "settled_at".to_owned(),
    })?;
    Ok(Some(reconcile::SettlementLine {
        batch_id: line.batch_id.clone(),
        transaction_id: line.transaction_id.clone(),
        invoice_id: line.reference.clone().unwrap_or_default(),
        kind,
        amount: line.gross.minor(),
        fee: line.fee.minor(),
        currency: line.gross.currency(),
        settled_at,
    }))
}

/// The ledger's entry as reconciliation reads it: posted at the end of its day.
fn ledger_entry(entry: &erp::PaymentEntry, ctx: &ErpCtx) -> reconcile::LedgerEntry {
    reconcile::LedgerEntry {
        entry_id: entry.external_ref.clone(),
        gateway_transaction_id: entry.transaction_id.clone(),
        order_ref: entry.invoice_ref.clone(),
        amount: entry.amount.minor,
        currency: entry.amount.currency.currency(),
        posted_at: day_end(entry.date, ctx),
    }
}

/// The last moment of `date` in the context's offset.
fn day_end(date: Date, ctx: &ErpCtx) -> OffsetDateTime {
    date.with_time(Time::MAX).assume_offset(ctx.utc_offset)
}

/// The batches PayTrace settled on `date`, each as its transactions' settlement lines
/// (`/v1/batches/export`, then `/v1/batches/transaction_list` for each).
///
/// ```no_run
/// # async fn run(
/// #     paytrace: paytrace::Client,
/// #     ledger: erp::LocalLedger,
/// #     ctx: mapping::erp::ErpCtx,
/// #     account: mapping::paytrace::SettlementCtx,
/// # ) -> Result<(), flows::StepError> {
/// use flows::settlement::{paytrace_batches, reconcile_period};
/// let day = time::macros::date!(2026 - 12 - 01);
/// let batches = paytrace_batches(&paytrace, day, &account).await?;
/// let report = reconcile_period(&ledger, &ctx, mapping::System::Paytrace, &batches, (day, day), 7)
///     .await?;
/// let discrepancies = report
///     .reconciliation
///     .results
///     .iter()
///     .filter(|o| o.status.is_discrepancy())
///     .count();
/// println!("{discrepancies} discrepancies");
/// # Ok(()) }
/// ```
#[cfg(feature = "paytrace")]
pub async fn paytrace_batches(
    client: &paytrace::Client,
    date: Date,
    account: &mapping::paytrace::SettlementCtx,
) -> Result<Vec<Vec<mapping::SettlementLine>>, StepError> {
    let export = client.export_batches(date, date).await?;
    let mut batches = Vec::with_capacity(export.batches.len());
    for (i, summary) in export.batches.iter().enumerate() {
        let number = summary.number.ok_or_else(|| MappingError::MissingField {
            field: format!("batches[{i}].batch_number"),
        })?;
        let transactions = client.batch_transactions(number).await?;
        batches.push(mapping::paytrace::to_settlement_lines(
            &transactions,
            account,
        )?);
    }
    Ok(batches)
}

/// The lines of Stripe payout `payout`: its balance transactions (charges, refunds, fees,
/// disputes, adjustments and the payout itself), every page of them (`GET
/// /v1/balance_transactions?payout=...`).
///
/// ```no_run
/// # async fn run(
/// #     stripe: stripe_client::Client,
/// #     ledger: erp::LocalLedger,
/// #     ctx: mapping::erp::ErpCtx,
/// # ) -> Result<(), flows::StepError> {
/// use flows::settlement::{reconcile_period, settled_period, stripe_payout};
/// let lines = vec![stripe_payout(&stripe, "po_1QzX").await?];
/// if let Some(period) = settled_period(&lines, &ctx) {
///     let report =
///         reconcile_period(&ledger, &ctx, mapping::System::Stripe, &lines, period, 7).await?;
///     println!("journal {}", report.journals[0].document.external_ref);
/// }
/// # Ok(()) }
/// ```
#[cfg(feature = "stripe")]
pub async fn stripe_payout(
    client: &stripe_client::Client,
    payout: &str,
) -> Result<Vec<mapping::SettlementLine>, StepError> {
    use futures::TryStreamExt;
    let list = stripe_client::ListBalanceTransactions::for_payout(payout);
    let transactions: Vec<_> = client
        .balance_transactions()
        .list_all(&list)?
        .try_collect()
        .await?;
    Ok(mapping::stripe::to_settlement_lines(&transactions, payout)?)
}

/// The first and last day (in the context's offset) on which `batches` settled: the period a
/// payout's reconciliation covers. `None` when no line carries a time.
pub fn settled_period(
    batches: &[Vec<mapping::SettlementLine>],
    ctx: &ErpCtx,
) -> Option<(Date, Date)> {
    let days = batches
        .iter()
        .flatten()
        .filter_map(|line| line.settled_at)
        .map(|at| at.to_offset(ctx.utc_offset).date());
    days.fold(None, |range, day| match range {
        None => Some((day, day)),
        Some((first, last)) => Some((first.min(day), last.max(day))),
    })
}

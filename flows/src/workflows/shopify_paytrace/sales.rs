//! PayTrace's transaction export against the books: money moved at PayTrace that the ERP does
//! not hold (a sale keyed in PayTrace's virtual terminal, a refund made there, a payment whose
//! booking failed), found by a poll and put before a person.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use erp::PaymentDirection;
use mapping::{MappingError, SettlementKind, System};
use paytrace::{ExportByDateRangeRequest, SettlementStatus, TransactionRecord};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::Shared;
use super::settlement::MAX_CATCH_UP_DAYS;
use crate::StepError;
use crate::backfill::{Polled, Poller, checkpoint};
use crate::store::Store;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx, job};

/// A PayTrace transaction that moved money and is not in the books: the input of
/// [`UnbookedTransaction`]. No card data: the export's masked card is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedTransaction {
    /// PayTrace's transaction id.
    pub transaction_id: u64,
    /// PayTrace's `transaction_type` (`SALE`, `REFUND`, ...).
    pub transaction_type: String,
    /// The amount in US dollars, as PayTrace writes it (positive, refunds too).
    pub amount: Decimal,
    /// The invoice id it was made with, if any (the order reference for the flows' sales).
    pub invoice_id: Option<String>,
    /// When and how it was made, as PayTrace writes them (`created.at`, local time;
    /// `created.through`, the channel: `API`, the virtual terminal...; `created.by`, the user).
    pub created_at: Option<String>,
    /// The channel it came through.
    pub created_through: Option<String>,
    /// The PayTrace user that made it.
    pub created_by: Option<String>,
    /// The day of the export it was found in (`YYYY-MM-DD`, the account's day).
    pub day: String,
}

impl ExportedTransaction {
    fn of(record: &TransactionRecord, day: Date) -> Self {
        let created = record.created.as_ref();
        Self {
            transaction_id: record.transaction_id.0,
            transaction_type: record
                .transaction_type
                .as_ref()
                .map_or_else(String::new, |t| t.as_str().to_owned()),
            amount: record.amount,
            invoice_id: record.invoice_id.clone(),
            created_at: created.and_then(|c| c.at).map(|at| at.to_string()),
            created_through: created.and_then(|c| c.through.clone()),
            created_by: created.and_then(|c| c.by.clone()),
            day: day.to_string(),
        }
    }

    fn day(&self) -> Result<Date, StepError> {
        Date::parse(&self.day, DAY).map_err(|_| {
            MappingError::InvalidValue {
                field: "day".to_owned(),
                value: self.day.clone(),
                expected: "a YYYY-MM-DD date",
            }
            .into()
        })
    }

    fn is_refund(&self) -> bool {
        self.transaction_type == paytrace::TransactionType::Refund.as_str()
    }
}

const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A transaction at PayTrace the books do not hold (see [`PaytraceSales`]): one job per
/// transaction, keyed `paytrace/{account}/transaction/{id}`. It looks in the ERP once more and
/// goes to dead letters saying what the transaction is (type, amount, invoice, when, through
/// what and by whom) unless the ERP now holds it. A person books it (or refunds it), then
/// replays the dead letter, which then completes.
#[derive(Clone)]
pub struct UnbookedTransaction(pub(super) Arc<Shared>);

impl std::fmt::Debug for UnbookedTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnbookedTransaction")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for UnbookedTransaction {
    type Input = ExportedTransaction;
    const KIND: JobKind = JobKind::new("paytrace.unbooked-transaction");
    const SYSTEMS: &'static [System] = &[System::Erp];

    fn entity(&self, input: &ExportedTransaction) -> Result<EntityKey, StepError> {
        Ok(
            EntityKey::new(System::Paytrace, &self.0.config.paytrace_account)
                .child(Entity::Transaction, input.transaction_id),
        )
    }

    async fn run(&self, _: &StepCtx<'_>, input: ExportedTransaction) -> Result<(), StepError> {
        let day = input.day()?;
        let mut books = Books::read(&self.0, day, day).await?;
        if books.holds(&input)? {
            tracing::info!(
                transaction = input.transaction_id,
                "PayTrace transaction is in the books now"
            );
            return Ok(());
        }
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        Err(StepError::permanent(format!(
            "PayTrace {} {} of {} USD (invoice {}, made {} through {} by {}) is not in the books: \
             made outside the flows (the virtual terminal?) or its booking failed. Book it by \
             hand (or refund it), then replay this",
            input.transaction_type,
            input.transaction_id,
            input.amount,
            or_none(&input.invoice_id),
            or_none(&input.created_at),
            or_none(&input.created_through),
            or_none(&input.created_by),
        )))
    }
}

/// The ERP's PayTrace payment entries over some days: their transaction ids, and the entries
/// without one by amount and direction (for an ERP that keeps none).
struct Books {
    ids: HashSet<String>,
    anonymous: HashMap<(i64, bool), usize>,
}

impl Books {
    /// The entries dated from the day before `from` to the day after `to`.
    async fn read(shared: &Shared, from: Date, to: Date) -> Result<Self, StepError> {
        let gateway = erp::Gateway::new(System::Paytrace.as_str())?;
        let from = from.previous_day().unwrap_or(from);
        let to = to.next_day().unwrap_or(to);
        Ok(Self::of(
            shared.erp.payment_entries(&gateway, from, to).await?,
        ))
    }

    fn of(entries: Vec<erp::PaymentEntry>) -> Self {
        let mut books = Self {
            ids: HashSet::new(),
            anonymous: HashMap::new(),
        };
        for entry in entries {
            if entry.transaction_id.trim().is_empty() {
                let refund = entry.direction == PaymentDirection::Refunded;
                *books
                    .anonymous
                    .entry((entry.amount.minor.abs(), refund))
                    .or_default() += 1;
            } else {
                books.ids.insert(entry.transaction_id);
            }
        }
        books
    }

    /// Whether the books hold `transaction` (an entry without an id it matches is used up).
    fn holds(&mut self, transaction: &ExportedTransaction) -> Result<bool, StepError> {
        if self.ids.contains(&transaction.transaction_id.to_string()) {
            return Ok(true);
        }
        let minor =
            mapping::Money::from_major(transaction.amount, mapping::Currency::USD, "amount")?
                .minor();
        match self
            .anonymous
            .get_mut(&(minor.abs(), transaction.is_refund()))
        {
            Some(left) if *left > 0 => {
                *left -= 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The poller of PayTrace's transaction export against the books.
///
/// PayTrace sends no webhooks, so nothing tells the runtime about a transaction it did not make.
/// [`PaytraceSales`] (run on the worker's schedule as a [`crate::backfill::Backfill`] job: see
/// [`super::ShopifyPaytrace::sales_backfill`]) reads `/v1/transactions/export/by_date_range`
/// for the days since its checkpoint and the ERP's PayTrace payment entries
/// ([`erp::Erp::payment_entries`]) around them, and gives each transaction that moves money and
/// is not in the books its [`UnbookedTransaction`] job, which goes to dead letters saying what it
/// is. Nothing is booked or refunded by itself: money whose order is unknown needs a person.
///
/// # What counts
///
/// - Money: a sale, store-and-forward sale or authorization (a charge, as in settlement) or a
///   refund whose `status_code` says it settles tonight (`Y`) or settled (`GB<n>`). Declines,
///   voids and authorizations never captured (`N`) moved nothing. A captured authorization keeps
///   its transaction id at PayTrace, the id its capture is booked under.
/// - In the books: the ERP holds a PayTrace payment entry with its transaction id, dated from
///   the day before the export's first day to the day after its last (the ERP dates payments in
///   UTC, PayTrace days are the account's). An ERP that keeps no transaction id on received
///   payments (Odoo, see [`erp::Erp::payment_entries`]) has its entries without one matched by
///   amount and direction instead, each entry at most once.
/// - Grace: a transaction created less than [`PaytraceSales::grace`] ago (10 minutes by default)
///   is left for the next poll, since the flow that made it may still be booking it. `created.at`
///   is PayTrace local time, read in [`super::Config::paytrace_utc_offset`].
///
/// # Checkpoint and look-back
///
/// The checkpoint (`paytrace/{account}/sales` in [`crate::Store::checkpoint`]) is the last day
/// wholly checked: every transaction of it was older than the grace when a poll saw it. A poll
/// reads from the day after it to today; the first poll reads [`PaytraceSales::lookback_days`]
/// (2) days back, and a checkpoint more than [`MAX_CATCH_UP_DAYS`] behind catches up that many
/// (older days are for a person to look at).
/// A transaction found again (an overlapping poll, a repeat after a crash) names the same job,
/// keyed `paytrace/{account}/transaction/{id}`, so it is reported once.
///
/// Not confirmed: the longest date range PayTrace's export takes in one call (the API reference
/// names none); a poll reads at most [`MAX_CATCH_UP_DAYS`] + 1 days.
pub struct PaytraceSales {
    store: Arc<dyn Store>,
    flow: UnbookedTransaction,
    lookback_days: u16,
    grace: Duration,
}

impl std::fmt::Debug for PaytraceSales {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaytraceSales")
            .field("lookback_days", &self.lookback_days)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

impl PaytraceSales {
    pub(super) fn new(store: Arc<dyn Store>, flow: UnbookedTransaction) -> Self {
        Self {
            store,
            flow,
            lookback_days: 2,
            grace: Duration::from_secs(10 * 60),
        }
    }

    /// Sets how many days before today the first poll reads (2 by default).
    #[must_use]
    pub fn lookback_days(mut self, days: u16) -> Self {
        self.lookback_days = days;
        self
    }

    /// Sets how old a transaction must be before its absence from the books counts (10 minutes
    /// by default).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    fn checkpoint_name(&self) -> String {
        format!("paytrace/{}/sales", self.flow.0.config.paytrace_account)
    }

    /// One poll at `now`: the days from the checkpoint to today read and checked, a job for each
    /// transaction not in the books, and the checkpoint moved to the last day wholly checked.
    pub async fn poll_at(&self, now: OffsetDateTime) -> Result<Polled, StepError> {
        let shared = &*self.flow.0;
        let offset = shared.config.paytrace_utc_offset;
        let local = now.to_offset(offset);
        let today = local.date();
        let name = self.checkpoint_name();
        let checked = checkpoint(&*self.store, &name, "a YYYY-MM-DD date", |v| {
            Date::parse(v, DAY).ok()
        })
        .await?;
        let first = match checked {
            Some(day) => day.next_day().unwrap_or(today),
            None => today.saturating_sub(time::Duration::days(i64::from(self.lookback_days))),
        };
        let first = first.max(today.saturating_sub(time::Duration::days(MAX_CATCH_UP_DAYS)));
        if first > today {
            return Ok(Polled::default());
        }
        let export = shared
            .paytrace
            .export_transactions(&ExportByDateRangeRequest::new(first, today))
            .await?;
        let mut books = Books::read(shared, first, today).await?;
        let grace = time::Duration::try_from(self.grace).unwrap_or(time::Duration::MAX);
        let mut polled = Polled::default();
        // The last day all of whose transactions are past the grace.
        let settled_through = local
            .checked_sub(grace)
            .and_then(|t| t.date().previous_day());
        for record in &export.transactions {
            if !moves_money(record) {
                continue;
            }
            polled.found += 1;
            let created = record.created.as_ref().and_then(|c| c.at);
            let day = created.map_or(today, |at| at.date());
            let transaction = ExportedTransaction::of(record, day);
            if books.holds(&transaction)? {
                continue;
            }
            let recent = created.is_some_and(|at| {
                at.assume_offset(offset)
                    .checked_add(grace)
                    .is_none_or(|due| due > now)
            });
            if recent {
                // The flow that made it may still be booking it: the next poll looks again.
                continue;
            }
            let job = job(&self.flow, &transaction)?;
            if self.store.job(&job.kind, &job.key).await?.is_none() {
                // Not `missed`: the watchdog's alarm is about webhooks, and this one has its
                // own dead letter (and notice) per transaction.
                polled.new += 1;
                tracing::warn!(transaction = transaction.transaction_id, kind = %transaction.transaction_type, "PayTrace transaction not in the books");
            }
            self.store.enqueue(job, crate::now_millis()).await?;
        }
        if let Some(day) = settled_through.filter(|d| *d >= first && Some(*d) > checked) {
            self.store
                .set_checkpoint(&name, &day.to_string(), crate::now_millis())
                .await?;
        }
        Ok(polled)
    }
}

/// A transaction that settles or settled: a charge or a refund marked `Y` or `GB<n>`.
fn moves_money(record: &TransactionRecord) -> bool {
    let kind = record.transaction_type.as_ref().map(SettlementKind::from);
    matches!(kind, Some(SettlementKind::Charge | SettlementKind::Refund))
        && matches!(
            record.status_code,
            Some(SettlementStatus::Pending | SettlementStatus::Settled { .. })
        )
}

#[async_trait]
impl Poller for PaytraceSales {
    const KIND: JobKind = JobKind::new("paytrace.sales");
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Erp];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Paytrace, &self.flow.0.config.paytrace_account)
            .child(Entity::Backfill, "sales")
    }

    async fn poll(&self, _: &StepCtx<'_>) -> Result<Polled, StepError> {
        self.poll_at(OffsetDateTime::now_utc()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(transaction_id: &str, minor: i64, direction: PaymentDirection) -> erp::PaymentEntry {
        serde_json::from_value(serde_json::json!({
            "external_ref": format!("pay/{transaction_id}/{minor}"),
            "gateway": "paytrace",
            "transaction_id": transaction_id,
            "invoice_ref": "inv",
            "direction": direction,
            "amount": {"minor": minor, "currency": "USD"},
            "fee": {"minor": 0, "currency": "USD"},
            "date": "2026-12-01",
        }))
        .unwrap()
    }

    fn transaction(id: u64, kind: &str, amount: &str) -> ExportedTransaction {
        ExportedTransaction {
            transaction_id: id,
            transaction_type: kind.to_owned(),
            amount: amount.parse().unwrap(),
            invoice_id: None,
            created_at: None,
            created_through: None,
            created_by: None,
            day: "2026-12-01".to_owned(),
        }
    }

    #[test]
    fn the_books_hold_a_transaction_by_its_id_or_once_by_amount_and_direction() {
        let mut books = Books::of(vec![
            entry("101", 1234, PaymentDirection::Received),
            // Odoo's received payments carry no transaction id.
            entry("", 5000, PaymentDirection::Received),
            entry("", -700, PaymentDirection::Refunded),
        ]);
        assert!(books.holds(&transaction(101, "SALE", "12.34")).unwrap());
        assert!(!books.holds(&transaction(102, "SALE", "12.34")).unwrap());
        // One entry without an id stands for one transaction of its amount.
        assert!(books.holds(&transaction(103, "SALE", "50.00")).unwrap());
        assert!(!books.holds(&transaction(104, "SALE", "50.00")).unwrap());
        // A refund matches a refund entry, not a received one of the same amount.
        assert!(!books.holds(&transaction(105, "SALE", "7.00")).unwrap());
        assert!(books.holds(&transaction(106, "REFUND", "7.00")).unwrap());
        // Dollars with more than two decimals are an error naming the field.
        let err = books.holds(&transaction(107, "SALE", "1.005")).unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
    }

    #[test]
    fn a_transaction_keeps_no_card_data() {
        let record: TransactionRecord = serde_json::from_value(serde_json::json!({
            "transaction_id": 9, "transaction_type": "SALE", "amount": 12.34,
            "credit_card": {"masked_number": "xxxxxxxxxxxx5439", "expiration_month": "12",
                "expiration_year": "2030"},
            "invoice_id": "VT-1", "status_code": "Y",
            "created": {"through": "Virtual Terminal", "at": "12/1/2026 9:15:00 AM", "by": "clerk"},
        }))
        .unwrap();
        assert!(moves_money(&record));
        let found = ExportedTransaction::of(&record, time::macros::date!(2026 - 12 - 01));
        let text = serde_json::to_string(&found).unwrap();
        assert!(!text.contains("5439"), "{text}");
        assert_eq!(found.created_through.as_deref(), Some("Virtual Terminal"));
        assert_eq!(found.invoice_id.as_deref(), Some("VT-1"));
    }
}

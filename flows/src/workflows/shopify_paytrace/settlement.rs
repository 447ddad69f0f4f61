//! `paytrace.settlement-day`: each day's PayTrace batches reconciled against the ledger, and each
//! batch's journal booked, on a schedule.
//!
//! PayTrace sends no settlement webhook, so [`SettlementDays::enqueue_due`] (run on the worker's
//! schedule as a [`crate::backfill::Backfill`] job, every hour in the service binary: see
//! [`super::ShopifyPaytrace::settlement_backfill`]) enqueues one [`SettlementDay`] job per day whose
//! batches have closed (every day before today, in the PayTrace account's offset) since its
//! checkpoint (`paytrace/{account}/settlement-days` in [`crate::Store::checkpoint`], the last
//! day enqueued). The first call starts with yesterday; a checkpoint more than
//! [`MAX_CATCH_UP_DAYS`] behind catches up that many days only (older days are a backfill for a
//! person to ask for, by enqueuing their jobs). A day's job is keyed by the day, so enqueuing it
//! twice runs it once.
//!
//! The job reads the day's batches (`/v1/batches/export` and each batch's transactions),
//! reconciles them (see [`crate::settlement`]) and records [`Reconciled`] in the effect log
//! under the day; discrepancies are logged, and the run still succeeds.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::{MappingError, System};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::Shared;
use crate::backfill::{Polled, Poller};
use crate::settlement::{Reconciled, paytrace_batches, reconcile_period};
use crate::store::Store;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx, job};
use crate::{StepError, now_millis};

/// Most days a late scheduler catches up in one call.
pub const MAX_CATCH_UP_DAYS: i64 = 31;

/// Days before a batch whose payments may still pair with its lines.
const LOOKBACK_DAYS: u16 = 7;

/// The reconciliation of a day and the booking of its batches' journals.
const RECONCILED: Step<Reconciled> = Step::new("erp/settlement", System::Erp);

/// The input of [`SettlementDay`]: the day, as `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementDate {
    /// The day whose batches are reconciled.
    pub day: String,
}

impl SettlementDate {
    fn of(date: Date) -> Self {
        Self {
            day: date.to_string(),
        }
    }

    fn date(&self) -> Result<Date, StepError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(&self.day, format).map_err(|_| {
            MappingError::InvalidValue {
                field: "day".to_owned(),
                value: self.day.clone(),
                expected: "a YYYY-MM-DD date",
            }
            .into()
        })
    }
}

/// A day's reconciliation: the day's PayTrace batches (`/v1/batches/export` and each batch's
/// transactions) reconciled against the ledger (see [`crate::settlement`]), each batch's journal
/// booked, and [`Reconciled`] recorded in the effect log under the day
/// (`paytrace/{account}/payout/{YYYY-MM-DD}/erp/settlement`); discrepancies are logged, and the
/// run still succeeds. [`SettlementDays`] enqueues it.
#[derive(Clone)]
pub struct SettlementDay(pub(super) Arc<Shared>);

impl std::fmt::Debug for SettlementDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettlementDay").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for SettlementDay {
    type Input = SettlementDate;
    const KIND: JobKind = JobKind::new("paytrace.settlement-day");
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Erp];

    fn entity(&self, input: &SettlementDate) -> Result<EntityKey, StepError> {
        Ok(
            EntityKey::new(System::Paytrace, &self.0.config.paytrace_account)
                .child(Entity::Payout, &input.day),
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: SettlementDate) -> Result<(), StepError> {
        let shared = &*self.0;
        let date = input.date()?;
        let reconciled = ctx
            .once(&RECONCILED, || async {
                let account = mapping::paytrace::SettlementCtx {
                    account_utc_offset: shared.config.paytrace_utc_offset,
                };
                let batches = paytrace_batches(&shared.paytrace, date, &account).await?;
                let erp_ctx = shared.erp_ctx_on(date);
                let report = reconcile_period(
                    &*shared.erp,
                    &erp_ctx,
                    System::Paytrace,
                    &batches,
                    (date, date),
                    LOOKBACK_DAYS,
                )
                .await?;
                Ok(Reconciled::of(&report))
            })
            .await?;
        reconciled.tell(ctx, &format!("PayTrace's batches of {}", input.day));
        Ok(())
    }
}

/// Enqueues the [`SettlementDay`] jobs that are due. PayTrace sends no settlement webhook, so
/// [`SettlementDays::enqueue_due`], run on the worker's schedule (a
/// [`crate::backfill::Backfill`] job; the service binary polls every hour), enqueues one job per day whose batches have closed (every day before today, in the
/// PayTrace account's offset) since its checkpoint (`paytrace/{account}/settlement-days` in
/// [`crate::Store::checkpoint`], the last day enqueued). The first call starts with yesterday; a
/// checkpoint more than [`MAX_CATCH_UP_DAYS`] behind catches up that many days only (older days
/// are a backfill for a person to ask for, by enqueuing their jobs). A day's job is keyed by the
/// day, so enqueuing it twice runs it once.
pub struct SettlementDays {
    store: Arc<dyn Store>,
    flow: SettlementDay,
}

impl std::fmt::Debug for SettlementDays {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettlementDays").finish_non_exhaustive()
    }
}

impl SettlementDays {
    pub(super) fn new(store: Arc<dyn Store>, flow: SettlementDay) -> Self {
        Self { store, flow }
    }

    fn checkpoint(&self) -> String {
        format!(
            "paytrace/{}/settlement-days",
            self.flow.0.config.paytrace_account
        )
    }

    /// Enqueues a job for each day from the one after the checkpoint to the day before `now`'s
    /// (in the PayTrace account's offset), then moves the checkpoint; the days enqueued.
    pub async fn enqueue_due(&self, now: OffsetDateTime) -> Result<Vec<Date>, StepError> {
        let today = now.to_offset(self.flow.0.config.paytrace_utc_offset).date();
        let Some(last) = today.previous_day() else {
            return Ok(Vec::new());
        };
        let first = match self.store.checkpoint(&self.checkpoint()).await? {
            Some(day) => SettlementDate { day }.date()?.next_day().unwrap_or(today),
            None => last,
        };
        let first = first.max(last.saturating_sub(Duration::days(MAX_CATCH_UP_DAYS - 1)));
        let mut enqueued = Vec::new();
        let mut day = first;
        while day <= last {
            let new = job(&self.flow, &SettlementDate::of(day))?;
            self.store.enqueue(new, now_millis()).await?;
            enqueued.push(day);
            day = match day.next_day() {
                Some(next) => next,
                None => break,
            };
        }
        if !enqueued.is_empty() {
            self.store
                .set_checkpoint(&self.checkpoint(), &last.to_string(), now_millis())
                .await?;
        }
        Ok(enqueued)
    }
}

#[async_trait]
impl Poller for SettlementDays {
    const KIND: JobKind = JobKind::new("paytrace.settlement-days");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Paytrace, &self.flow.0.config.paytrace_account)
            .child(Entity::Backfill, "settlement-days")
    }

    /// Enqueues the days that closed since the last poll (none most of the time).
    async fn poll(&self, _: &StepCtx<'_>) -> Result<Polled, StepError> {
        let days = self.enqueue_due(OffsetDateTime::now_utc()).await?;
        Ok(Polled {
            found: days.len(),
            ..Polled::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_read_as_a_date_and_anything_else_names_the_field() {
        let day = SettlementDate::of(time::macros::date!(2026 - 12 - 01));
        assert_eq!(day.day, "2026-12-01");
        assert!(matches!(day.date(), Ok(d) if d == time::macros::date!(2026 - 12 - 01)));
        let bad = SettlementDate {
            day: "2026-13-01".into(),
        };
        let err = bad.date().map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("day") && err.contains("2026-13-01"), "{err}");
    }
}

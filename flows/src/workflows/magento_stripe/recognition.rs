//! `erp.revenue-recognition`: deferred revenue of billing invoices recognised on a schedule.

use std::sync::Arc;

use async_trait::async_trait;
use erp::RecognitionSchedule;
use mapping::System;

use super::Shared;
use crate::StepError;
use crate::backfill::{Polled, Poller};
use crate::workflow::{Entity, EntityKey, JobKind, StepCtx};

/// What day it is for recognition: UTC's today by default; a test sets its own.
type Today = Arc<dyn Fn() -> time::Date + Send + Sync>;

/// The periodic recognition of deferred revenue: each run calls
/// [`erp::Erp::recognize_revenue`] through today, by [`super::Config::recognition`]. The ERP
/// recognises each day once (its entries are keyed by line and days), so a run that repeats or
/// overlaps another books nothing twice. An ERP without revenue recognition
/// ([`erp::Error::Unsupported`]) is skipped with a warning. Run it with [`crate::backfill::Backfill`] (see
/// [`super::MagentoStripe::revenue_recognition`]).
#[derive(Clone)]
pub struct RevenueRecognizer {
    shared: Arc<Shared>,
    today: Today,
}

impl std::fmt::Debug for RevenueRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevenueRecognizer")
            .field("schedule", &self.shared.config.recognition)
            .finish_non_exhaustive()
    }
}

impl RevenueRecognizer {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            today: Arc::new(|| time::OffsetDateTime::now_utc().date()),
        }
    }

    /// Takes "today" from `today` (a Stripe test clock's date, in tests) instead of UTC's.
    #[must_use]
    pub fn today(mut self, today: impl Fn() -> time::Date + Send + Sync + 'static) -> Self {
        self.today = Arc::new(today);
        self
    }
}

#[async_trait]
impl Poller for RevenueRecognizer {
    const KIND: JobKind = JobKind::new("erp.revenue-recognition");
    const SYSTEMS: &'static [System] = &[System::Erp];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Erp, &self.shared.config.store_code)
            .child(Entity::Backfill, "revenue-recognition")
    }

    async fn poll(&self, _ctx: &StepCtx<'_>) -> Result<Polled, StepError> {
        let schedule: RecognitionSchedule = self.shared.config.recognition;
        let through = (self.today)();
        let entries = match self.shared.erp.recognize_revenue(through, schedule).await {
            Ok(entries) => entries,
            // A backend without deferred revenue (Odoo through this crate) books billing
            // invoices nowhere either: nothing to recognise, and no dead letter every run.
            Err(err @ erp::Error::Unsupported { .. }) => {
                tracing::warn!(error = %err, "the ERP does not recognise revenue: skipped");
                Vec::new()
            }
            Err(err) => return Err(err.into()),
        };
        tracing::info!(%through, ?schedule, entries = entries.len(), "revenue recognised");
        Ok(Polled {
            found: entries.len(),
            ..Polled::default()
        })
    }
}

//! `stripe.payout-paid`: a paid payout reconciled against the ledger, and its journal booked.
//!
//! On `payout.paid` the payout's balance transactions (every page) are reconciled against the
//! ERP's Stripe payments and refunds over the days they settled, and the payout's journal moves
//! the money from Stripe's clearing account to the bank, once (it is idempotent by the payout's
//! reference, and the step is recorded): see [`crate::settlement`]. The step's record
//! ([`Reconciled`]) is in the effect log under the payout; discrepancies
//! are logged, and the run still succeeds: they are findings for a person, not failures.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::System;
use serde::{Deserialize, Serialize};

use super::{Shared, object_id};
use crate::StepError;
use crate::intake::Delivery;
use crate::settlement::{Reconciled, reconcile_period, settled_period, stripe_payout};
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, Step, StepCtx};

/// How many days before a payout's lines settled its payments may have been booked.
const LOOKBACK_DAYS: u16 = 14;

/// The reconciliation of a payout and the booking of its journal.
const RECONCILED: Step<Reconciled> = Step::new("erp/settlement", System::Erp);

/// The input of [`PayoutPaid`]: a Stripe event and the payout it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The payout id (`po_...`).
    pub payout_id: String,
}

impl PayoutEvent {
    /// The input of a delivered payout event; one without `data.object.id` is an error naming
    /// it.
    pub(super) fn of(delivery: &Delivery<'_>) -> Result<Self, StepError> {
        Ok(Self {
            event: delivery.event(),
            payout_id: object_id(delivery)?,
        })
    }
}

/// A paid payout's flow: on `payout.paid`, the payout's balance transactions (every page) are
/// reconciled against the ERP's Stripe payments and refunds over the days they settled, and the
/// payout's journal moves the money from Stripe's clearing account to the bank, once (see
/// [`crate::settlement`]). The step's record ([`Reconciled`]) is in the effect log under the
/// payout (`stripe/{account}/payout/{id}/erp/settlement`); discrepancies are logged, and the run
/// still succeeds: they are findings for a person, not failures.
#[derive(Clone)]
pub struct PayoutPaid(pub(super) Arc<Shared>);

impl std::fmt::Debug for PayoutPaid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayoutPaid").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for PayoutPaid {
    type Input = PayoutEvent;
    const KIND: JobKind = JobKind::new("stripe.payout-paid");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Erp];

    fn entity(&self, input: &PayoutEvent) -> Result<EntityKey, StepError> {
        Ok(
            EntityKey::new(System::Stripe, &self.0.config.stripe_account)
                .child(Entity::Payout, &input.payout_id),
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: PayoutEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let reconciled = ctx
            .once(&RECONCILED, || async {
                let lines = vec![stripe_payout(&shared.stripe, &input.payout_id).await?];
                let today = time::OffsetDateTime::now_utc().date();
                let erp_ctx = shared.erp_ctx(today);
                let period = settled_period(&lines, &erp_ctx).unwrap_or((today, today));
                let report = reconcile_period(
                    &*shared.erp,
                    &erp_ctx,
                    System::Stripe,
                    &lines,
                    period,
                    LOOKBACK_DAYS,
                )
                .await?;
                Ok(Reconciled::of(&report))
            })
            .await?;
        reconciled.tell(ctx, &format!("payout {}", input.payout_id));
        Ok(())
    }
}

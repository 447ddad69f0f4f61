//! A person's decision on an order the risk gate held: release it (charge it) or cancel it
//! (see [the fraud screen](super#the-fraud-screen)).
//!
//! The decision travels in the order's own job: [`decide_held`] checks the order's records,
//! then runs the order's [`super::OrderPayment`] job once more ([`NewJob::rerun`]) with the
//! decision in its input. The run records the decision under the order's key (`fraud/release`
//! or `fraud/cancel`, with who and when) before anything else, and from then on follows the
//! record, whatever a later input says: the first decision recorded is final. A released order
//! goes on to the charge, which is the order's usual `charge` step, so a crash after the
//! release, a retry or a second release charges once. A cancelled order is cancelled in
//! Shopify and never charged.

use mapping::System;
use serde::{Deserialize, Serialize};
use shopify::Gid;
use shopify::models::{OrderCancel, OrderCancelReason};

use super::Shared;
use super::order::OrderEvent;
use super::risk::RiskDecision;
use crate::store::{NewJob, Store};
use crate::workflow::{Entity, EntityKey, EventRef, Flow, State, Step, StepCtx};
use crate::workflows::screening::Verdict;
use crate::{FlowError, Millis, StepError};

/// The decision on a held order, recorded as `fraud/release`.
const RELEASED: Step<HeldDecision> = Step::new("fraud/release", System::Shopify);
/// The decision on a held order, recorded as `fraud/cancel`.
const CANCELLED: Step<HeldDecision> = Step::new("fraud/cancel", System::Shopify);
/// The held tag removed and the note set after a release.
const RELEASE_NOTED: Step<()> = Step::new("fraud/release/noted", System::Shopify);
/// Shopify's `orderCancel`, once; its value is Shopify's job id when it answered with one.
const SHOPIFY_CANCEL: Step<Option<String>> = Step::new("shopify/cancel", System::Shopify);
/// The held tag removed and the note set after a cancellation.
const CANCEL_NOTED: Step<()> = Step::new("fraud/cancel/noted", System::Shopify);
/// The delivery of a held order, kept with its hold: what a release runs the job on again.
pub(super) const HELD_EVENT: State<EventRef> = State::new("fraud/held-event");

/// A person's decision on a held order, with who made it and when: recorded under the order's
/// key as `fraud/release` or `fraud/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDecision {
    /// Release or cancel.
    pub verdict: Verdict,
    /// Who decided (a staff name or login), as the tool that asked says.
    pub by: String,
    /// When (Unix milliseconds).
    pub at: Millis,
}

impl HeldDecision {
    /// `verdict` by `by`, now.
    pub fn now(verdict: Verdict, by: impl Into<String>) -> Self {
        Self {
            verdict,
            by: by.into(),
            at: crate::now_millis(),
        }
    }
}

/// Why a decision on an order cannot be taken: the order is not (or no longer) held.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeldError {
    /// No risk decision is on record: an unknown order, or one not screened yet.
    #[error("order {order} has no risk decision on record: unknown, or not screened yet")]
    NotScreened {
        /// The order's key.
        order: String,
    },
    /// The gate approved it: it was charged (or tried) as usual.
    #[error("order {order} was approved by the risk gate, not held")]
    Approved {
        /// The order's key.
        order: String,
    },
    /// The fraud screen refused it. A refusal is final: the screen found the order too risky to
    /// ever charge through this flow; a person who trusts it charges it another way.
    #[error(
        "order {order} was refused by the fraud screen, which is final: it cannot be released \
         (charge it another way if you trust it)"
    )]
    Refused {
        /// The order's key.
        order: String,
    },
    /// A person released it already.
    #[error("order {order} was already released by {by}")]
    AlreadyReleased {
        /// The order's key.
        order: String,
        /// Who released it.
        by: String,
    },
    /// A person cancelled it already.
    #[error("order {order} was already cancelled by {by}")]
    AlreadyCancelled {
        /// The order's key.
        order: String,
        /// Who cancelled it.
        by: String,
    },
    /// Held before this build kept the held order's delivery: its job cannot be run again
    /// from here.
    #[error(
        "order {order} is held, but its delivery is not on record with the hold (held by an \
         earlier version): release or cancel it in Shopify"
    )]
    NoDelivery {
        /// The order's key.
        order: String,
    },
    /// The store failed, or a record could not be read.
    #[error("order {order}: {source}")]
    Store {
        /// The order's key.
        order: String,
        /// What failed.
        #[source]
        source: FlowError,
    },
}

impl HeldError {
    /// Whether the order simply is not held (every variant but a store failure).
    pub fn is_not_held(&self) -> bool {
        !matches!(self, Self::Store { .. })
    }
}

/// Takes `decision` on order `order_id` of `shop`, held by the risk gate: checks the order's
/// records in `store` (an error says why the order is not held), then enqueues the order's job
/// once more with the decision, for a worker with the pair's workflows registered. Returns the
/// order's key. See [`super::ShopifyPaytrace::release_held`].
pub async fn decide_held(
    store: &dyn Store,
    shop: &str,
    order_id: u64,
    decision: HeldDecision,
) -> Result<String, HeldError> {
    let key = EntityKey::new(System::Shopify, shop).child(Entity::Order, order_id);
    let order = key.as_str().to_owned();
    let failed = |source: FlowError| HeldError::Store {
        order: order.clone(),
        source,
    };
    fn read<T: serde::de::DeserializeOwned>(
        order: &str,
        value: serde_json::Value,
    ) -> Result<T, HeldError> {
        serde_json::from_value(value).map_err(|e| HeldError::Store {
            order: order.to_owned(),
            source: FlowError::Payload(e),
        })
    }
    let risk = store
        .effect(&key.under("risk"))
        .await
        .map_err(failed)?
        .ok_or_else(|| HeldError::NotScreened {
            order: order.clone(),
        })?;
    match read::<RiskDecision>(&order, risk.detail)? {
        RiskDecision::Proceed => {
            return Err(HeldError::Approved {
                order: order.clone(),
            });
        }
        RiskDecision::Refuse { .. } => {
            return Err(HeldError::Refused {
                order: order.clone(),
            });
        }
        RiskDecision::Hold { .. } => {}
    }
    for (step, released) in [(RELEASED, true), (CANCELLED, false)] {
        if let Some(effect) = store
            .effect(&key.under(step.name()))
            .await
            .map_err(failed)?
        {
            let earlier: HeldDecision = read(&order, effect.detail)?;
            let (order, by) = (order.clone(), earlier.by);
            return Err(if released {
                HeldError::AlreadyReleased { order, by }
            } else {
                HeldError::AlreadyCancelled { order, by }
            });
        }
    }
    let event = store
        .state(&key.under(HELD_EVENT.name()))
        .await
        .map_err(failed)?
        .ok_or_else(|| HeldError::NoDelivery {
            order: order.clone(),
        })?;
    let event: EventRef = read(&order, event)?;
    let input = OrderEvent {
        event: event.clone(),
        order_id,
        decision: Some(decision),
    };
    let job = NewJob {
        kind: <super::OrderPayment as Flow>::KIND,
        key: order.clone(),
        payload: serde_json::to_value(&input).map_err(|e| failed(FlowError::Payload(e)))?,
        run_at: 0,
        // The order's job is done (held): run it once more, with the decision.
        rerun: true,
        event: Some(event),
    };
    store
        .enqueue(job, crate::now_millis())
        .await
        .map_err(failed)?;
    Ok(order)
}

/// Whether a person released the held order of this job (its capture may then go ahead).
pub(super) fn released(ctx: &StepCtx<'_>) -> Result<bool, StepError> {
    Ok(ctx.recorded(&RELEASED)?.is_some())
}

/// In the order's run, after the gate held it: the decision on record, else the one `input`
/// brings (recorded now, before anything else); then what it asks for. Returns whether the
/// order goes on to the charge (released).
pub(super) async fn decided(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    order: &Gid,
    input: Option<&HeldDecision>,
) -> Result<bool, StepError> {
    let recorded = match (ctx.recorded(&RELEASED)?, ctx.recorded(&CANCELLED)?) {
        (Some(release), _) => Some(release),
        (None, Some(cancel)) => Some(cancel),
        (None, None) => None,
    };
    let decision = match (recorded, input) {
        (Some(recorded), asked) => {
            if asked.is_some_and(|a| a.verdict != recorded.verdict) {
                // A later decision does not undo the first.
                tracing::warn!(order = %ctx.entity(), recorded = ?recorded.verdict, "a held order's decision was taken already; the later one is ignored");
            }
            recorded
        }
        (None, Some(asked)) => {
            let step = match asked.verdict {
                Verdict::Release => &RELEASED,
                Verdict::Cancel => &CANCELLED,
            };
            // On record before anything moves: a crash from here on still follows it.
            ctx.once_durable(step, || async { Ok(asked.clone()) })
                .await?
        }
        (None, None) => return Ok(false),
    };
    let held_tag = shared.config.held_tag.as_str();
    match decision.verdict {
        Verdict::Release => {
            ctx.once(&RELEASE_NOTED, || async {
                shared.shopify.tags().remove(order, &[held_tag]).await?;
                let note = format!("Released after review by {}", decision.by);
                shared.shopify.orders().update_note(order, &note).await?;
                Ok(())
            })
            .await?;
            Ok(true)
        }
        Verdict::Cancel => {
            ctx.once(&SHOPIFY_CANCEL, || cancel(shared, order, &decision))
                .await?;
            ctx.once(&CANCEL_NOTED, || async {
                shared.shopify.tags().remove(order, &[held_tag]).await?;
                let note = format!("Cancelled after review by {}, not charged", decision.by);
                shared.shopify.orders().update_note(order, &note).await?;
                Ok(())
            })
            .await?;
            Ok(false)
        }
    }
}

/// Shopify's `orderCancel` (reason `FRAUD`, nothing refunded: nothing was charged); an order
/// Shopify shows cancelled already (a repeat after a lost answer) is success.
async fn cancel(
    shared: &Shared,
    order: &Gid,
    decision: &HeldDecision,
) -> Result<Option<String>, StepError> {
    let cancel = OrderCancel::new(OrderCancelReason::Fraud)
        .staff_note(format!("Cancelled after fraud review by {}", decision.by));
    match shared.shopify.orders().cancel(order, &cancel).await {
        Ok(job) => Ok(Some(job.as_str().to_owned())),
        Err(err @ shopify::Error::UserErrors { .. }) => {
            let current = shared.shopify.orders().get(order).await?;
            if current.is_some_and(|o| o.cancelled_at.is_some()) {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
        Err(err) => Err(err.into()),
    }
}

//! `stripe.charge-refunded`: one offline Magento credit memo per Stripe refund, then the ERP
//! credit memo and refund payment.
//!
//! The event carries the charge; its refunds are listed from Stripe (every page, oldest first) and
//! each succeeded one is booked once under `{charge}/refund/{refund id}/...`, so a partial refund
//! followed by another (two `charge.refunded` events, which run the charge's job twice, never at
//! once) books each exactly once. Pending refunds wait for a later event.
//!
//! Magento has no idempotency key, so before a credit memo the order's `total_refunded` is
//! compared with the sum of this and every earlier refund of the charge: when Magento already
//! holds that much, an earlier run's credit memo got through and none is created. A refund of the
//! whole order refunds every line (the order closes); a partial one is an adjustment-only credit
//! memo (no line quantities, `adjustment_positive` = the amount), since which lines Stripe's amount
//! stands for cannot be told from an amount.

use std::sync::Arc;

use async_trait::async_trait;
use magento::{DocumentComment, ItemQty, RefundArguments};
use mapping::{Money, Refund, RefundStatus, System};
use serde::{Deserialize, Serialize};
use stripe_client::{ListRefunds, PageParams};

use super::{ChargeEvent, Shared, canonical, check_charge, event_charge, stripe_event};
use crate::StepError;
use crate::booking::{PAYMENT, REFUND_PAYMENT, book_refund};
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx, job};

/// The offline Magento credit memo of one Stripe refund (under the refund's entity).
const CREDIT_MEMO: Step<CreditMemoDone> = Step::new("magento/credit-memo", System::Magento);

/// What the credit memo step did: the new credit memo's id, or `None` when Magento already had it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CreditMemoDone {
    credit_memo_id: Option<i64>,
}

/// A refunded charge's flow (see the [module docs](super)): every `charge.refunded` runs it once
/// more, and it books each succeeded refund of the charge once.
#[derive(Clone)]
pub struct ChargeRefunded(pub(super) Arc<Shared>);

impl std::fmt::Debug for ChargeRefunded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargeRefunded").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for ChargeRefunded {
    type Input = ChargeEvent;
    const KIND: JobKind = JobKind::new("stripe.charge-refunded");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento, System::Erp];

    fn entity(&self, input: &ChargeEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.charge_key(&input.charge_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: ChargeEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let event = stripe_event(ctx, &input.event).await?;
        let charge = event_charge(&event)?;
        check_charge(&input, charge)?;
        let Some(order_id) = shared.order_of_charge(charge).await? else {
            tracing::debug!(charge = %charge.id, "refunded charge is not a Magento order's: ignored");
            return Ok(());
        };
        // A credit memo needs the invoice (in Magento and the ERP) the charge's own flow books.
        if ctx.recorded(&PAYMENT)?.is_none() {
            return Err(ctx.wait_for(format_args!("the booking of charge {}", charge.id)));
        }

        let mut listed = charge_refunds(shared, &charge.id).await?;
        listed.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        let mut refunds = Vec::new();
        for (i, wire) in listed.iter().enumerate() {
            let refund = Refund::try_from(wire).map_err(|e| e.at(&format!("refunds[{i}]")))?;
            if refund.status == RefundStatus::Succeeded {
                refunds.push(refund);
            } else {
                tracing::info!(charge = %charge.id, refund = %wire.id, status = %refund.status, "refund not succeeded yet: skipped");
            }
        }
        let mut steps = Vec::with_capacity(refunds.len());
        for refund in &refunds {
            let id = refund.ids.require(System::Stripe, "refund.ids.stripe")?;
            steps.push((refund, ctx.entity().child(Entity::Refund, id)));
        }
        let open: Vec<bool> = steps
            .iter()
            .map(|(_, at)| Ok(ctx.recorded_at(at, &REFUND_PAYMENT)?.is_none()))
            .collect::<Result<_, StepError>>()?;
        if !open.contains(&true) {
            return Ok(());
        }

        let mut order = shared.magento.orders().get(order_id).await?;
        let canonical = canonical(&order)?;
        let erp_ctx = shared.erp_ctx(event.created.to_offset(time::UtcOffset::UTC).date());
        // The running total of the charge's refunds up to each one, for the Magento check.
        let mut through = Money::zero(canonical.currency);
        for ((refund, at), open) in steps.iter().zip(open) {
            through = through.checked_add(refund.amount)?;
            if !open {
                continue;
            }
            let done = ctx
                .once_at(at, &CREDIT_MEMO, || async {
                    let refunded = Money::from_major(
                        order.total_refunded.unwrap_or_default(),
                        canonical.currency,
                        "order.total_refunded",
                    )?;
                    if refunded.minor() >= through.minor() {
                        return Ok(CreditMemoDone {
                            credit_memo_id: None,
                        });
                    }
                    let whole = refunded.is_zero() && refund.amount == canonical.total;
                    let body = credit_memo(&order, refund, whole, shared.config.notify_customer);
                    let id = shared
                        .magento
                        .credit_memos()
                        .refund_offline(order_id, &body)
                        .await?;
                    Ok(CreditMemoDone {
                        credit_memo_id: Some(id),
                    })
                })
                .await?;
            if done.credit_memo_id.is_some() {
                // The next refund's check must see this one.
                order = shared.magento.orders().get(order_id).await?;
            }
            let refund_id = refund.ids.get(System::Stripe).unwrap_or_default();
            book_refund(ctx, &*shared.erp, at, refund, &canonical, &erp_ctx)
                .await
                .map_err(|e| e.after_money("refund", refund_id))?;
            tracing::info!(order = order_id, charge = %charge.id, credit_memo = ?done.credit_memo_id, "refund recorded in Magento and the ERP");
        }
        Ok(())
    }
}

/// Every refund of `charge` at Stripe, every page of them.
pub(super) async fn charge_refunds(
    shared: &Shared,
    charge: &str,
) -> Result<Vec<stripe_client::Refund>, StepError> {
    let mut listed = Vec::new();
    let mut params = ListRefunds {
        charge: Some(charge.to_owned()),
        page: PageParams {
            limit: Some(100),
            ..PageParams::default()
        },
        ..ListRefunds::default()
    };
    loop {
        let page = shared.stripe.refunds().list(&params).await?;
        let last = page.data.last().map(|r| r.id.clone());
        listed.extend(page.data);
        match last {
            Some(last) if page.has_more => params.page.starting_after = Some(last),
            _ => return Ok(listed),
        }
    }
}

/// The job a `charge.refunded` delivery gets: the charge's refund job, run once more (a second
/// partial refund is booked too, and never by two runs at once).
pub(super) fn refunded_job(
    flow: &ChargeRefunded,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    Ok(NewJob {
        rerun: true,
        ..job(flow, &ChargeEvent::of(delivery)?)?
    })
}

/// The offline credit memo of `refund`: every line when it refunds the `whole` order, otherwise
/// an adjustment of its amount with no line quantities and no shipping.
fn credit_memo(
    order: &magento::Order,
    refund: &Refund,
    whole: bool,
    notify: bool,
) -> magento::Refund {
    let id = refund.ids.get(System::Stripe).unwrap_or_default();
    let comment =
        DocumentComment::internal(format!("Stripe refunded {}, refund {id}.", refund.amount));
    if whole {
        return magento::Refund {
            notify,
            comment: Some(comment),
            ..magento::Refund::default()
        };
    }
    magento::Refund {
        items: order
            .top_level_items()
            .filter_map(|item| item.item_id)
            .map(|item| ItemQty::new(item, 0))
            .collect(),
        notify,
        comment: Some(comment),
        arguments: Some(RefundArguments {
            shipping_amount: Some(Default::default()),
            adjustment_positive: Some(refund.amount.to_major()),
            adjustment_negative: Some(Default::default()),
            extension_attributes: None,
        }),
        ..magento::Refund::default()
    }
}

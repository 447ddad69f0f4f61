//! `stripe:charge.refunded`: one offline Magento credit memo per Stripe refund, then the ERP
//! credit memo and refund payment.
//!
//! The event carries the charge; its refunds are listed from Stripe (oldest first) and each
//! succeeded one is booked once under `stripe/{charge id}/refund/{refund id}/...`, so a partial
//! refund followed by another (two `charge.refunded` events) books each exactly once. Pending
//! refunds wait for a later event.
//!
//! Magento has no idempotency key, so before a credit memo the order's `total_refunded` is
//! compared with the sum of this and every earlier refund of the charge: when Magento already
//! holds that much, an earlier run's credit memo got through and none is created. A refund of the
//! whole order refunds every line (the order closes); a partial one is an adjustment-only credit
//! memo (no line quantities, `adjustment_positive` = the amount), since which lines Stripe's amount
//! stands for cannot be told from an amount.

use magento::{DocumentComment, ItemQty, RefundArguments};
use mapping::erp::{to_erp_credit_memo, to_erp_refund_payment};
use mapping::{Money, Refund, RefundStatus, System};
use serde::{Deserialize, Serialize};
use stripe_client::{ListRefunds, PageParams};

use super::charge::erp_payment_key;
use super::{Inner, canonical, event_charge};
use crate::StepError;
use crate::effects::once;
use crate::store::{Job, Store};

/// What the credit memo step did: the new credit memo's id, or `None` when Magento already had it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CreditMemoDone {
    credit_memo_id: Option<i64>,
}

pub(super) async fn run<S: Store>(inner: &Inner<S>, job: &Job) -> Result<(), StepError> {
    let event = inner.stripe_event(job).await?;
    let charge = event_charge(&event)?;
    let Some(order_id) = inner.order_of_charge(charge).await? else {
        tracing::debug!(charge = %charge.id, "refunded charge is not a Magento order's: ignored");
        return Ok(());
    };
    // A credit memo needs the invoice (in Magento and the ERP) the charge's own flow books.
    if inner
        .store
        .effect(&erp_payment_key(&charge.id))
        .await?
        .is_none()
    {
        return Err(StepError::Transient {
            provider: None,
            reason: format!(
                "charge {} is not booked yet (its charge.succeeded step has not finished)",
                charge.id
            ),
            retry_after: None,
        });
    }

    let params = ListRefunds {
        charge: Some(charge.id.clone()),
        page: PageParams {
            limit: Some(100),
            ..PageParams::default()
        },
        ..ListRefunds::default()
    };
    let mut listed = inner.stripe.refunds().list(&params).await?;
    if listed.has_more {
        tracing::warn!(charge = %charge.id, "more than 100 refunds: only the first 100 are booked");
    }
    listed
        .data
        .sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let mut refunds = Vec::new();
    for (i, wire) in listed.data.iter().enumerate() {
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
        steps.push((refund, format!("stripe/{}/refund/{id}", charge.id)));
    }
    let mut open = Vec::new();
    for (refund, base) in &steps {
        if inner
            .store
            .effect(&format!("{base}/erp-refund-payment"))
            .await?
            .is_none()
        {
            open.push((*refund, base.as_str()));
        }
    }
    if open.is_empty() {
        return Ok(());
    }

    let mut order = inner.magento.orders().get(order_id).await?;
    let canonical = canonical(&order)?;
    let ctx = inner.erp_ctx(event.created.to_offset(time::UtcOffset::UTC).date());
    // The running total of the charge's refunds up to each one, for the Magento check.
    let mut through = Money::zero(canonical.currency);
    for (refund, base) in &steps {
        through = through.checked_add(refund.amount)?;
        if !open.iter().any(|(_, b)| b == base) {
            continue;
        }
        let memo = to_erp_credit_memo(refund, &canonical, &ctx)?;
        let refund_payment = to_erp_refund_payment(refund, &canonical, &ctx)?;
        let done: CreditMemoDone = once(
            &*inner.store,
            &format!("{base}/magento-credit-memo"),
            "magento",
            || async {
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
                let body = credit_memo(&order, refund, whole, inner.config.notify_customer);
                let id = inner
                    .magento
                    .credit_memos()
                    .refund_offline(order_id, &body)
                    .await?;
                Ok(CreditMemoDone {
                    credit_memo_id: Some(id),
                })
            },
        )
        .await?;
        if done.credit_memo_id.is_some() {
            // The next refund's check must see this one.
            order = inner.magento.orders().get(order_id).await?;
        }
        let erp = &*inner.erp;
        once(
            &*inner.store,
            &format!("{base}/erp-credit-memo"),
            "erp",
            || async { Ok(erp.create_credit_memo(&memo).await?) },
        )
        .await?;
        once(
            &*inner.store,
            &format!("{base}/erp-refund-payment"),
            "erp",
            || async { Ok(erp.post_payment(&refund_payment).await?) },
        )
        .await?;
        tracing::info!(order = order_id, charge = %charge.id, credit_memo = ?done.credit_memo_id, "refund recorded in Magento and the ERP");
    }
    Ok(())
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

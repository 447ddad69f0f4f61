//! `stripe.charge-succeeded` (and `charge.captured`): the Magento invoice and comment, then the
//! ERP documents; an authorization waits for its capture.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::magento::{CaptureMode, InvoiceCtx, to_magento_invoice, to_magento_payment_comment};
use mapping::{FinancialStatus, MappingError, Payment, System};
use serde::{Deserialize, Serialize};

use super::{
    ChargeEvent, Shared, canonical, check_charge, event_charge, fraud_screen, stripe_event,
};
use crate::StepError;
use crate::booking::{OrderBooking, book_paid};
use crate::fulfilment::{FulfilmentRequest, OrderRef, REQUEST as FULFILMENT, send_once};
use crate::workflow::{EntityKey, Flow, JobKind, Step, StepCtx};
use crate::workflows::screening;

/// The offline Magento invoice of the charge.
const INVOICE: Step<InvoiceDone> = Step::new("magento/invoice", System::Magento);
/// The order's history comment with the transaction id.
const PAYMENT_COMMENT: Step<bool> = Step::new("magento/payment-comment", System::Magento);

/// What the invoice step did: the new invoice's id, or `None` when the order was already
/// invoiced.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct InvoiceDone {
    invoice_id: Option<i64>,
}

/// The canonical payment of a charge read with its fee ([`Shared::charge_with_fee`]); a charge
/// whose balance transaction Stripe has not made yet is worth a retry.
pub(super) fn payment_with_fee(charge: &stripe_client::Charge) -> Result<Payment, StepError> {
    if charge.balance_transaction.is_none() {
        return Err(MappingError::NotYetKnown {
            field: "charge.balance_transaction".to_owned(),
            system: "stripe",
        }
        .into());
    }
    Ok(Payment::try_from(charge)?)
}

/// A succeeded charge's flow (see the [module docs](super)).
#[derive(Clone)]
pub struct ChargeSucceeded(pub(super) Arc<Shared>);

impl std::fmt::Debug for ChargeSucceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargeSucceeded").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for ChargeSucceeded {
    type Input = ChargeEvent;
    const KIND: JobKind = JobKind::new("stripe.charge-succeeded");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento, System::Erp];

    fn entity(&self, input: &ChargeEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.charge_key(&input.charge_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: ChargeEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        // A duplicate delivery, or a re-run after the flow completed: nothing to call. A run
        // whose fulfilment request did not get through goes on: its other steps are on record.
        if ctx.recorded(&crate::booking::PAYMENT)?.is_some()
            && (shared.config.fulfilment.is_none() || ctx.recorded(&FULFILMENT)?.is_some())
        {
            return Ok(());
        }
        let event = stripe_event(ctx, &input.event).await?;
        let charge = event_charge(&event)?;
        check_charge(&input, charge)?;
        let Some(order_id) = shared.order_of_charge(charge).await? else {
            tracing::debug!(charge = %charge.id, "charge is not a Magento order's: ignored");
            return Ok(());
        };
        let settled = screening::OutcomeFact {
            order: shared.order_key(order_id),
            learned: screening::Learned::Settled,
            at: charge.created,
            reason: None,
        };
        screening::learn(ctx, System::Stripe, &settled)?;

        let charge = shared.charge_with_fee(&charge.id).await?;
        if shared.screener.is_some() {
            fraud_screen::record_radar(ctx, &shared.order_key(order_id), &charge)?;
        }
        if !charge.captured {
            // An authorization (an order held by the fraud screen): nothing is taken yet, and
            // its capture's `charge.captured` runs this job again.
            tracing::info!(order = order_id, charge = %charge.id, "charge authorized, not captured: booked when captured");
            return Ok(());
        }
        let payment = payment_with_fee(&charge)?;
        let order = shared.magento.orders().get(order_id).await?;
        let mut canonical = canonical(&order)?;

        // Every mapping before the first effect, so a mapping error changes nothing anywhere.
        let already_invoiced = is_invoiced(&order);
        let invoice = if already_invoiced {
            None
        } else {
            Some(to_magento_invoice(
                &payment,
                &InvoiceCtx {
                    order: &order,
                    capture: CaptureMode::Offline,
                    lines: None,
                    notify: shared.config.notify_customer,
                },
            )?)
        };
        let comment = to_magento_payment_comment(&payment, &FinancialStatus::Paid)?;
        if let (Some(customer), Some(stripe_customer)) =
            (canonical.customer.as_mut(), payment.vault_id.as_deref())
        {
            customer.ids.set(System::Stripe, stripe_customer);
        }
        let date = charge.created.to_offset(time::UtcOffset::UTC).date();
        let erp_ctx = shared.erp_ctx(date);
        let booking = OrderBooking::prepare(&canonical, System::Stripe, &erp_ctx)
            .map_err(|e| StepError::from(e).after_money("charge", &charge.id))?;
        let fulfilment = match &shared.config.fulfilment {
            Some(warehouse) => {
                let request = fulfilment_request(
                    ctx.key_of(&FULFILMENT),
                    &shared.config.store_code,
                    order_id,
                    &order,
                    &canonical,
                    charge.created,
                );
                // Mapped now, raised at its step: an order that cannot be sent is still
                // invoiced and booked, and its dead letter names the field.
                Some((Arc::clone(warehouse), request))
            }
            None => None,
        };

        let booked = async {
            // Magento: the order was read in this run, so its totals say whether an earlier
            // run's invoice got through before its record was written.
            let invoiced = ctx
                .once(&INVOICE, || async {
                    let Some(invoice) = &invoice else {
                        return Ok(InvoiceDone { invoice_id: None });
                    };
                    let id = shared.magento.invoices().create(order_id, invoice).await?;
                    Ok(InvoiceDone {
                        invoice_id: Some(id),
                    })
                })
                .await?;
            ctx.once(&PAYMENT_COMMENT, || async {
                let present = order
                    .status_histories
                    .iter()
                    .any(|c| c.comment.as_deref() == Some(comment.comment.as_str()));
                if present {
                    return Ok(false);
                }
                shared
                    .magento
                    .orders()
                    .add_comment(order_id, &comment)
                    .await?;
                Ok(true)
            })
            .await?;
            // ERP: each create is idempotent by its external reference as well.
            book_paid(ctx, &*shared.erp, &booking, &canonical, &payment, &erp_ctx).await?;
            // The warehouse: the key is its `Idempotency-Key`, so a resend is a duplicate there.
            // The order's fulfilment request (`fulfilment/request`), when a warehouse is
            // configured: what the warehouse said, or `None` when nothing is to be shipped.
            if let Some((warehouse, request)) = &fulfilment {
                send_once(ctx, &**warehouse, request).await?;
            }
            Ok::<_, StepError>(invoiced)
        };
        let invoiced = booked
            .await
            .map_err(|e| e.after_money("charge", &charge.id))?;
        tracing::info!(order = order_id, charge = %charge.id, invoice = ?invoiced.invoice_id, "charge recorded in Magento and the ERP");
        Ok(())
    }
}

/// The fulfilment request of a paid order keyed `key`: its physical lines and its shipping
/// address, dated `paid_at`. `None` when nothing is to be shipped (a virtual order); an order
/// with physical lines but no shipping address is an error naming it.
fn fulfilment_request(
    key: String,
    store_code: &str,
    order_id: i64,
    order: &magento::Order,
    canonical: &mapping::Order,
    paid_at: time::OffsetDateTime,
) -> Result<Option<FulfilmentRequest>, MappingError> {
    if order.is_virtual == Some(true) {
        return Ok(None);
    }
    let is_virtual = |line: &mapping::LineItem| {
        let id = line.ids.get(System::Magento);
        order.items.iter().any(|item| {
            item.is_virtual == Some(true) && item.item_id.map(|i| i.to_string()).as_deref() == id
        })
    };
    let number = order
        .increment_id
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| canonical.number.clone());
    let reference = OrderRef {
        system: System::Magento,
        account: store_code.to_owned(),
        id: order_id.to_string(),
        number,
    };
    crate::fulfilment::order_request(
        key,
        reference,
        canonical,
        |line| !is_virtual(line),
        "order.extension_attributes.shipping_assignments.shipping.address",
        paid_at,
    )
}

/// Whether nothing is left to invoice: `total_invoiced` reaches `grand_total`.
fn is_invoiced(order: &magento::Order) -> bool {
    // `Default` is the decimal zero (flows does not name the decimal crate).
    let invoiced = order.total_invoiced.unwrap_or_default();
    order
        .grand_total
        .is_some_and(|grand| grand > Default::default() && invoiced >= grand)
}

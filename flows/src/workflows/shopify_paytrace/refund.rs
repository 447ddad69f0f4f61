//! `shopify.refund`: a Shopify refund, refunded (or voided) at PayTrace and credited in the ERP.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mapping::shopify::{RefundCtx, refund_from_shopify};
use mapping::{Order, Payment, PaymentStatus, Refund, RefundStatus, System};
use paytrace::ErrorCode;
use serde::{Deserialize, Serialize};

use super::capture::CAPTURE;
use super::charge::{CHARGE, send_marked};
use super::order::CANONICAL;
use super::{Sent, Shared};
use crate::StepError;
use crate::booking::book_refund;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, decode};

/// The refund (or void) at PayTrace.
const PAYTRACE_REFUND: Step<Refund> = Step::new("paytrace", System::Paytrace);
/// A refund sent whose answer is not on record: it is never sent again.
const REFUND_SENT: State<Sent> = State::new("paytrace/sent");

/// How long a partial refund of an unsettled sale waits before it is tried again: PayTrace can
/// only void a whole unsettled sale, so the partial refund waits for the nightly settlement.
const WAIT_FOR_SETTLEMENT: Duration = Duration::from_secs(3600);

/// The input of [`RefundFlow`]: a `refunds/create` delivery, its order and its refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundEvent {
    /// The delivery in the inbox.
    pub event: EventRef,
    /// The Shopify order id.
    pub order_id: u64,
    /// The Shopify refund id.
    pub refund_id: u64,
}

/// A refund's flow (see the [module docs](super)); it waits for its order's payment.
#[derive(Clone)]
pub struct RefundFlow(pub(super) Arc<Shared>);

impl std::fmt::Debug for RefundFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundFlow").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for RefundFlow {
    type Input = RefundEvent;
    const KIND: JobKind = JobKind::new("shopify.refund");
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Erp];

    fn entity(&self, input: &RefundEvent) -> Result<EntityKey, StepError> {
        Ok(self
            .0
            .order_key(input.order_id)
            .child(Entity::Refund, input.refund_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: RefundEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let body = ctx.event_body(&input.event).await?;
        let webhook: shopify::rest::Refund = decode(&body, "refunds/create")?;
        if webhook.id != Some(input.refund_id) || webhook.order_id != Some(input.order_id) {
            return Err(StepError::permanent(format!(
                "the job of refund {} of order {} carries another refund's webhook",
                input.refund_id, input.order_id
            )));
        }
        let order_key = shared.order_key(input.order_id);
        let waiting = || ctx.wait_for(format_args!("the payment of order {}", input.order_id));
        let Some(order) = ctx.read_state::<Order>(&order_key, &CANONICAL).await? else {
            return Err(waiting());
        };
        // An authorized order's money moved at its capture; a sale's at the sale.
        let sale: Payment = match ctx.read(&order_key, &CAPTURE).await? {
            Some(capture) => capture,
            None => match ctx.read(&order_key, &CHARGE).await? {
                Some(charge) => charge,
                None => return Err(waiting()),
            },
        };
        if sale.status != PaymentStatus::Captured {
            return Err(StepError::permanent(format!(
                "refund {} of order {}, whose PayTrace charge was {}",
                input.refund_id, input.order_id, sale.status
            )));
        }
        let gateways: Vec<(&str, System)> = shared
            .config
            .paytrace_gateway_names
            .iter()
            .map(|name| (name.as_str(), System::Paytrace))
            .collect();
        let refund_ctx = RefundCtx {
            order_currency: Some(order.currency),
            order_number: Some(&order.number),
            gateways: &gateways,
        };
        let mut refund = refund_from_shopify(&webhook, &refund_ctx)?;
        refund.gateway = System::Paytrace;
        refund.payment_transaction_id = Some(sale.transaction_id()?.to_owned());

        let refunded = refund_at_paytrace(shared, ctx, &refund, &sale, input.refund_id).await?;
        if refunded.status != RefundStatus::Succeeded {
            return Err(StepError::permanent(format!(
                "PayTrace did not refund {}: {}",
                input.refund_id, refunded.status
            )));
        }
        let transaction = refunded
            .ids
            .get(System::Paytrace)
            .unwrap_or_default()
            .to_owned();
        book_refund(
            ctx,
            &*shared.erp,
            ctx.entity(),
            &refunded,
            &order,
            &shared.erp_ctx(),
        )
        .await
        .map_err(|e| e.after_money("refund", &transaction))
    }
}

/// The refund at PayTrace: sent at most once. PayTrace cannot deduplicate refunds, so one sent
/// without an answer (a crash, a timeout) goes to a person, who checks PayTrace before replaying.
async fn refund_at_paytrace(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    refund: &Refund,
    sale: &Payment,
    refund_id: u64,
) -> Result<Refund, StepError> {
    if let Some(refunded) = ctx.recorded(&PAYTRACE_REFUND)? {
        return Ok(refunded);
    }
    let request = mapping::paytrace::to_refund_request(refund)?;
    if ctx.state(&REFUND_SENT)?.is_some() {
        return Err(StepError::permanent(format!(
            "refund {refund_id} was sent to PayTrace before and its outcome is unknown: check \
             the refunds of transaction {} before replaying",
            request.transaction_id
        )));
    }
    let reference = request.transaction_id.to_string();
    let sent = send_marked(shared, ctx, &REFUND_SENT, &reference, || {
        shared.paytrace.refund_transaction(&request)
    })
    .await?;
    let refunded = match sent {
        Ok(response) => mapping::paytrace::to_refund(refund, &response)?,
        Err(paytrace::Error::Validation(errors))
            if errors.contains(ErrorCode::REFUND_UNSETTLED) =>
        {
            if refund.amount != sale.amount {
                return Err(StepError::wait(
                    WAIT_FOR_SETTLEMENT,
                    "a partial refund of an unsettled sale waits for the nightly settlement",
                ));
            }
            // Voiding twice fails rather than moving money twice: no marker needed.
            let response = shared
                .paytrace
                .void(mapping::paytrace::to_void_transaction(sale)?)
                .await?;
            mapping::paytrace::to_refund_by_void(refund, &response)?
        }
        Err(err) if err.is_ambiguous() => {
            return Err(StepError::permanent(format!(
                "refund {refund_id}: outcome unknown ({err}): check PayTrace before replaying"
            )));
        }
        Err(err) => return Err(err.into()),
    };
    ctx.record(ctx.entity(), &PAYTRACE_REFUND, &refunded)?;
    ctx.save().await?;
    Ok(refunded)
}

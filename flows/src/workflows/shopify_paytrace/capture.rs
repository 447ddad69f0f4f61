//! `shopify.order-capture`: the capture of an order's authorization when it is first fulfilled.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::paytrace::TransactionCtx;
use mapping::{Order, Payment, PaymentKind, PaymentStatus, System};
use paytrace::SettlementStatus;
use serde::{Deserialize, Serialize};
use shopify::Gid;

use super::charge::{CHARGE, may_resend, send_marked};
use super::order::{CANONICAL, HOLD, REFUSED, REVIEW, paid};
use super::{Sent, Shared};
use crate::StepError;
use crate::booking::OrderBooking;
use crate::workflow::{EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx};

/// The capture of the authorization.
pub(super) const CAPTURE: Step<Payment> = Step::new("capture", System::Paytrace);
/// A capture sent whose answer is not on record yet.
const CAPTURE_SENT: State<Sent> = State::new("capture/sent");

/// The input of [`OrderCapture`]: a `fulfillments/create` delivery and its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentEvent {
    /// The delivery in the inbox.
    pub event: EventRef,
    /// The Shopify order id.
    pub order_id: u64,
}

/// The capture flow of an authorized order (see the [module docs](super)). An order charged by
/// a sale has nothing to capture; an order whose authorization is not on record yet is waited
/// for.
#[derive(Clone)]
pub struct OrderCapture(pub(super) Arc<Shared>);

impl std::fmt::Debug for OrderCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderCapture").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for OrderCapture {
    type Input = FulfillmentEvent;
    const KIND: JobKind = JobKind::new("shopify.order-capture");
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Shopify, System::Erp];

    fn entity(&self, input: &FulfillmentEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.order_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: FulfillmentEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        // A held order a person released was charged (or authorized) like any other.
        let held = ctx.recorded(&HOLD)?.is_some() && !super::held::released(ctx)?;
        if held || ctx.recorded(&REVIEW)?.is_some() || ctx.recorded(&REFUSED)?.is_some() {
            return Err(StepError::permanent(format!(
                "order {} was held for review and never charged: it was fulfilled without payment",
                input.order_id
            )));
        }
        let Some(charge) = ctx.recorded(&CHARGE)? else {
            return Err(ctx.wait_for(format_args!("the charge of order {}", input.order_id)));
        };
        if charge.status != PaymentStatus::Authorized {
            // Charged by a sale already, or declined: nothing to capture.
            tracing::debug!(order = input.order_id, status = %charge.status, "fulfilled order has no authorization to capture");
            return Ok(());
        }
        let order: Order = ctx.state(&CANONICAL)?.ok_or_else(|| {
            StepError::permanent(format!(
                "order {} has an authorization but no canonical order on record",
                input.order_id
            ))
        })?;
        let booking = OrderBooking::prepare(&order, System::Paytrace, &shared.erp_ctx())?;
        let captured = capture(shared, ctx, &charge).await?;
        if captured.status != PaymentStatus::Captured {
            return Err(StepError::permanent(format!(
                "PayTrace did not capture the authorization of order {}: {}",
                input.order_id,
                captured.message.as_deref().unwrap_or("no message")
            )));
        }
        let transaction = captured.transaction_id()?.to_owned();
        let order_gid = Gid::new("Order", input.order_id);
        paid(shared, ctx, &order, &order_gid, &booking, &captured)
            .await
            .map_err(|e| e.after_money("capture", &transaction))
    }
}

/// The capture of `authorization`: its recorded result, what PayTrace says of a capture sent
/// without an answer (checked on the authorization), or a new request, by the same rule as a
/// charge.
async fn capture(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    authorization: &Payment,
) -> Result<Payment, StepError> {
    if let Some(captured) = ctx.recorded(&CAPTURE)? {
        return Ok(captured);
    }
    let request = mapping::paytrace::to_capture_request(authorization, None)?;
    let tx_ctx = TransactionCtx {
        kind: PaymentKind::Capture,
        amount: authorization.amount,
        order_number: authorization.order_number.clone(),
        reference: authorization.reference.clone(),
        vault_id: authorization.vault_id.clone(),
    };
    if let Some(sent) = ctx.state(&CAPTURE_SENT)? {
        let record = shared
            .paytrace
            .find_transaction(request.transaction_id)
            .await?;
        let status = record.as_ref().and_then(|r| r.status_code.as_ref());
        if matches!(
            status,
            Some(SettlementStatus::Pending | SettlementStatus::Settled { .. })
        ) {
            let captured = Payment {
                kind: PaymentKind::Capture,
                status: PaymentStatus::Captured,
                ..authorization.clone()
            };
            tracing::info!(authorization = %sent.reference, "lost capture answer found: the authorization settles");
            ctx.record(ctx.entity(), &CAPTURE, &captured)?;
            ctx.clear_state(&CAPTURE_SENT);
            return Ok(captured);
        }
        may_resend(shared, &sent, "the capture of authorization")?;
    }
    let reference = request.transaction_id.to_string();
    let sent = send_marked(shared, ctx, &CAPTURE_SENT, &reference, || {
        shared.paytrace.capture(&request)
    })
    .await?;
    match sent {
        Ok(response) => {
            let captured = mapping::paytrace::to_payment(&response, &tx_ctx)?;
            ctx.record(ctx.entity(), &CAPTURE, &captured)?;
            Ok(captured)
        }
        Err(err) if err.is_ambiguous() => Err(StepError::wait(
            shared.config.recovery.processing_window(),
            format!(
                "capture of authorization {reference} sent without an answer ({err}): checking \
                 once it cannot land"
            ),
        )),
        Err(err) => Err(err.into()),
    }
}

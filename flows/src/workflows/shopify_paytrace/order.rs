//! `shopify.order-payment`: an order from `orders/create` to the money and the books.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::{Order, Payment, PaymentKind, PaymentStatus, System};
use serde::{Deserialize, Serialize};
use shopify::Gid;

use super::charge::{ChargePlan, card_source, charge};
use super::risk::RiskDecision;
use super::{PaymentMode, Shared, mark_paid};
use crate::StepError;
use crate::booking::{OrderBooking, book_order, book_paid, provisional_payment};
use crate::workflow::{EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, decode};

/// The order as mapped from its `orders/create`: kept for the capture and refund flows.
pub(super) const CANONICAL: State<Order> = State::new("canonical");
const RISK: Step<RiskDecision> = Step::new("risk", System::Shopify);
pub(super) const HOLD: Step<()> = Step::new("hold", System::Shopify);
pub(super) const REVIEW: Step<()> = Step::new("review", System::Shopify);
const DECLINED: Step<()> = Step::new("declined", System::Shopify);
const AUTHORIZED: Step<()> = Step::new("authorized", System::Shopify);
pub(super) const MARK_PAID: Step<()> = Step::new("mark-paid", System::Shopify);
pub(super) const METAFIELDS: Step<()> = Step::new("metafields", System::Shopify);

/// The input of [`OrderPayment`]: an `orders/create` delivery and the order it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// The delivery in the inbox.
    pub event: EventRef,
    /// The Shopify order id.
    pub order_id: u64,
}

/// An order's payment flow (see the [module docs](super)).
#[derive(Clone)]
pub struct OrderPayment(pub(super) Arc<Shared>);

impl std::fmt::Debug for OrderPayment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderPayment").finish_non_exhaustive()
    }
}

/// Everything the flow needs after the charge, mapped before it.
struct Prepared {
    order: Order,
    plan: ChargePlan,
    booking: OrderBooking,
}

#[async_trait]
impl Flow for OrderPayment {
    type Input = OrderEvent;
    const KIND: JobKind = JobKind::new("shopify.order-payment");
    const SYSTEMS: &'static [System] = &[System::Paytrace, System::Shopify, System::Erp];

    fn entity(&self, input: &OrderEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.order_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: OrderEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let order_gid = Gid::new("Order", input.order_id);
        let body = ctx.event_body(&input.event).await?;
        let prepared = match prepare(shared, &body, &input) {
            Ok(prepared) => prepared,
            Err(err) if err.is_permanent() => {
                // Never charged: the order waits for a person, and says why in Shopify.
                let note = format!("Not charged, needs review: {err}");
                tag_and_note(
                    shared,
                    ctx,
                    &REVIEW,
                    &order_gid,
                    &shared.config.review_tag,
                    &note,
                )
                .await?;
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        let Prepared {
            order,
            plan,
            booking,
        } = prepared;
        ctx.set_state(&CANONICAL, &order)?;

        let decision = ctx
            .once(&RISK, || shared.risk.assess(&order, &order_gid))
            .await?;
        if let RiskDecision::Hold { reason } = decision {
            let note = format!("Held for review: {reason}");
            return tag_and_note(
                shared,
                ctx,
                &HOLD,
                &order_gid,
                &shared.config.held_tag,
                &note,
            )
            .await;
        }

        let payment = charge(shared, ctx, &plan).await?;
        match payment.status {
            PaymentStatus::Captured => {
                let transaction = payment.transaction_id()?.to_owned();
                paid(shared, ctx, &order, &order_gid, &booking, &payment)
                    .await
                    .map_err(|e| e.after_money("charge", &transaction))
            }
            PaymentStatus::Authorized => {
                let transaction = payment.transaction_id()?.to_owned();
                authorized(shared, ctx, &order, &order_gid, &booking, &payment)
                    .await
                    .map_err(|e| e.after_money("authorization", &transaction))
            }
            _ => {
                // A decline is an outcome: tell the store and end the flow.
                let message = payment
                    .message
                    .clone()
                    .unwrap_or_else(|| payment.status.to_string());
                let note = format!("Payment declined by PayTrace: {message}");
                let tag = &shared.config.declined_tag;
                tag_and_note(shared, ctx, &DECLINED, &order_gid, tag, &note).await
            }
        }
    }
}

/// Tells a person about the order in Shopify, once (`step`): a tag and the order's note.
async fn tag_and_note(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    step: &Step<()>,
    order: &Gid,
    tag: &str,
    note: &str,
) -> Result<(), StepError> {
    ctx.once(step, || async {
        shared.shopify.tags().add(order, &[tag]).await?;
        shared.shopify.orders().update_note(order, note).await?;
        Ok(())
    })
    .await
}

/// Maps and validates everything the flow needs, before any money moves.
fn prepare(shared: &Shared, body: &[u8], input: &OrderEvent) -> Result<Prepared, StepError> {
    let webhook: shopify::rest::Order = decode(body, "orders/create")?;
    if webhook.id != input.order_id {
        return Err(StepError::permanent(format!(
            "the job of order {} carries the webhook of order {}",
            input.order_id, webhook.id
        )));
    }
    let mut order = Order::try_from(&webhook)?;
    let source = card_source(&webhook)?;
    if let super::charge::CardSource::Vault(customer_id) = &source {
        let customer = order.customer.get_or_insert_with(Default::default);
        customer.ids.set(System::Paytrace, customer_id.clone());
    }
    let kind = match shared.config.payment {
        PaymentMode::Sale => PaymentKind::Sale,
        PaymentMode::AuthorizeThenCapture => PaymentKind::Authorization,
    };
    let plan = ChargePlan::new(shared, &order, source, kind)?;
    let booking = OrderBooking::prepare(&order, System::Paytrace, &shared.erp_ctx())?;
    mapping::shopify::to_payment_metafields(
        &provisional_payment(&order, System::Paytrace),
        &order,
    )?;
    Ok(Prepared {
        order,
        plan,
        booking,
    })
}

/// A captured payment: the Shopify order marked paid with the payment's metafields, and the
/// ERP customer, sales order, invoice and payment; the store and the ERP at once.
pub(super) async fn paid(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    order: &Order,
    order_gid: &Gid,
    booking: &OrderBooking,
    payment: &Payment,
) -> Result<(), StepError> {
    let store_side = async {
        ctx.once(&MARK_PAID, || mark_paid(&shared.shopify, order_gid))
            .await?;
        ctx.once(&METAFIELDS, || async {
            let inputs = mapping::shopify::to_payment_metafields(payment, order)?;
            shared.shopify.metafields().set(&inputs).await?;
            Ok(())
        })
        .await
    };
    let erp_ctx = shared.erp_ctx();
    let erp_side = book_paid(ctx, &*shared.erp, booking, order, payment, &erp_ctx);
    let (store_done, erp_done) = tokio::join!(store_side, erp_side);
    store_done.and(erp_done)
}

/// An authorized order, waiting for its fulfilment: the authorization on the Shopify order
/// (metafields and a tag) and the customer and sales order in the ERP.
async fn authorized(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    order: &Order,
    order_gid: &Gid,
    booking: &OrderBooking,
    payment: &Payment,
) -> Result<(), StepError> {
    let store_side = ctx.once(&AUTHORIZED, || async {
        let inputs = mapping::shopify::to_payment_metafields(payment, order)?;
        shared.shopify.metafields().set(&inputs).await?;
        shared
            .shopify
            .tags()
            .add(order_gid, &[shared.config.authorized_tag.as_str()])
            .await?;
        Ok(())
    });
    let (store_done, erp_done) = tokio::join!(store_side, book_order(ctx, &*shared.erp, booking));
    store_done.and(erp_done)
}

//! `shopify.order-payment`: an order from `orders/create` to the money and the books.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::{MappingError, Order, Payment, PaymentKind, PaymentStatus, System};
use serde::{Deserialize, Serialize};
use shopify::Gid;
use shopify::models::InvoiceEmail;
use time::OffsetDateTime;

use super::charge::{CardSource, ChargePlan, card_source, charge};
use super::held::{self, HeldDecision};
use super::risk::RiskDecision;
use super::vault::{VaultPlan, vault_card};
use super::{PaymentMode, Shared, mark_paid};
use crate::StepError;
use crate::booking::{OrderBooking, book_order, book_paid, provisional_payment};
use crate::fulfilment::{FulfilmentRequest, OrderRef, REQUEST, order_request, send_once};
use crate::notify::Notice;
use crate::workflow::{EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, decode};
use crate::workflows::screening;

/// The order as mapped from its `orders/create`: kept for the capture and refund flows.
pub(super) const CANONICAL: State<Order> = State::new("canonical");
const RISK: Step<RiskDecision> = Step::new("risk", System::Shopify);
pub(super) const HOLD: Step<()> = Step::new("hold", System::Shopify);
pub(super) const REVIEW: Step<()> = Step::new("review", System::Shopify);
pub(super) const REFUSED: Step<()> = Step::new("refused", System::Shopify);
const DECLINED: Step<()> = Step::new("declined", System::Shopify);
/// The invoice e-mailed to a customer whose card was declined ([`super::Config::decline_invoice`]).
const INVOICE_SENT: Step<()> = Step::new("customer/invoice", System::Shopify);
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
    /// A person's decision on the order, held by the risk gate: set by
    /// [`super::ShopifyPaytrace::release_held`] and [`super::ShopifyPaytrace::cancel_held`],
    /// `None` from a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<HeldDecision>,
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
    /// The card's vaulting after an approval (Protect.js charges).
    vault: Option<VaultPlan>,
    /// The fulfilment request, mapped with the rest but raised only at its step (after the
    /// money): an order that cannot be shipped is still charged and booked.
    fulfilment: Result<Option<FulfilmentRequest>, MappingError>,
    /// The webhook itself, for what the risk gate reads beyond the canonical order.
    webhook: shopify::rest::Order,
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
        let prepared = match prepare(shared, &body, &input, ctx.key_of(&REQUEST)) {
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
            mut order,
            plan,
            mut booking,
            vault,
            fulfilment,
            webhook,
        } = prepared;
        ctx.set_state(&CANONICAL, &order)?;

        let decision = ctx
            .once(&RISK, || async {
                let screening = shared
                    .risk
                    .screen(&order, &order_gid, Some(&webhook))
                    .await?;
                if let Some(screened) = &screening.screened {
                    screening::keep(ctx, System::Shopify, &order.number, screened)?;
                }
                Ok(screening.decision)
            })
            .await?;
        let held = matches!(decision, RiskDecision::Hold { .. });
        // Held or refused: never charged, and the order says why.
        let stopped = match decision {
            RiskDecision::Proceed => None,
            RiskDecision::Hold { reason } => Some((
                &HOLD,
                &shared.config.held_tag,
                format!("Held for review: {reason}"),
            )),
            RiskDecision::Refuse { reason } => Some((
                &REFUSED,
                &shared.config.refused_tag,
                format!("Refused, not charged: {reason}"),
            )),
        };
        if let Some((step, tag, note)) = stopped {
            tag_and_note(shared, ctx, step, &order_gid, tag, &note).await?;
            if !held {
                return Ok(());
            }
            // Held: the delivery is kept for a release, which runs this job again with a
            // person's decision; only a released order goes on to the charge.
            ctx.set_state(&held::HELD_EVENT, &input.event)?;
            if !held::decided(shared, ctx, &order_gid, input.decision.as_ref()).await? {
                return Ok(());
            }
        }

        let mut payment = charge(shared, ctx, &plan).await?;
        match payment.status {
            PaymentStatus::Captured => {
                let transaction = payment.transaction_id()?.to_owned();
                async {
                    if let Some(vault) = &vault {
                        vaulted(shared, ctx, vault, &mut order, &mut booking, &mut payment).await?;
                    }
                    paid(shared, ctx, &order, &order_gid, &booking, &payment).await?;
                    request_fulfilment(shared, ctx, &fulfilment).await
                }
                .await
                .map_err(|e| e.after_money("charge", &transaction))
            }
            PaymentStatus::Authorized => {
                let transaction = payment.transaction_id()?.to_owned();
                async {
                    if let Some(vault) = &vault {
                        vaulted(shared, ctx, vault, &mut order, &mut booking, &mut payment).await?;
                    }
                    authorized(shared, ctx, &order, &order_gid, &booking, &payment).await?;
                    request_fulfilment(shared, ctx, &fulfilment).await
                }
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
                ctx.notify(Notice::payment_declined(
                    ctx.entity(),
                    &order.number,
                    payment.amount,
                    &message,
                ));
                tag_and_note(shared, ctx, &DECLINED, &order_gid, tag, &note).await?;
                if let Some(message) = &shared.config.decline_invoice {
                    // Once: each `orderInvoiceSend` is another e-mail to the customer.
                    ctx.once(&INVOICE_SENT, || async {
                        let email = InvoiceEmail::with_message(message.clone());
                        shared
                            .shopify
                            .orders()
                            .send_invoice(&order_gid, &email)
                            .await?;
                        Ok(())
                    })
                    .await?;
                }
                Ok(())
            }
        }
    }
}

/// The card of the approved `payment` vaulted ([`vault_card`]), and its vault id carried to
/// what follows: the payment (the order's `payops.vault_id` metafield), the order's customer
/// and the ERP customer's vault ids (a guest's too).
async fn vaulted(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    vault: &VaultPlan,
    order: &mut Order,
    booking: &mut OrderBooking,
    payment: &mut Payment,
) -> Result<(), StepError> {
    let vault_id = vault_card(shared, ctx, vault, payment).await?;
    payment.vault_id = Some(vault_id.clone());
    order
        .customer
        .get_or_insert_with(Default::default)
        .ids
        .set(System::Paytrace, vault_id);
    booking.customer = mapping::erp::to_erp_order_customer(order, &shared.erp_ctx())?;
    Ok(())
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

/// Sends the order's fulfilment request once (`fulfilment/request`), when a warehouse is
/// configured: after the sale is recorded and booked, or after the authorization is recorded.
async fn request_fulfilment(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    request: &Result<Option<FulfilmentRequest>, MappingError>,
) -> Result<(), StepError> {
    if let Some(warehouse) = &shared.config.fulfilment {
        send_once(ctx, &**warehouse, request).await?;
    }
    Ok(())
}

/// The fulfilment request of the order of `webhook` keyed `key`: its lines that require
/// shipping (Shopify's `line_items[].requires_shipping`; a line that does not say ships) with a
/// quantity, to its shipping address, dated with the order's `created_at` so that a resend is
/// the same request. `None` when no line requires shipping.
fn fulfilment_request(
    shop: &str,
    webhook: &shopify::rest::Order,
    order: &Order,
    key: String,
) -> Result<Option<FulfilmentRequest>, MappingError> {
    let reference = OrderRef {
        system: System::Shopify,
        account: shop.to_owned(),
        id: webhook.id.to_string(),
        number: order.number.clone(),
    };
    let ships = |line: &mapping::LineItem| {
        let id = line.ids.get(System::Shopify);
        line.quantity > 0
            && webhook
                .line_items
                .iter()
                .find(|item| Some(item.id.to_string().as_str()) == id)
                .is_none_or(|item| item.requires_shipping != Some(false))
    };
    order_request(
        key,
        reference,
        order,
        ships,
        "order.shipping_address",
        webhook.created_at,
    )
}

/// Maps and validates everything the flow needs, before any money moves.
fn prepare(
    shared: &Shared,
    body: &[u8],
    input: &OrderEvent,
    fulfilment_key: String,
) -> Result<Prepared, StepError> {
    let webhook: shopify::rest::Order = decode(body, "orders/create")?;
    if webhook.id != input.order_id {
        return Err(StepError::permanent(format!(
            "the job of order {} carries the webhook of order {}",
            input.order_id, webhook.id
        )));
    }
    let mut order = Order::try_from(&webhook)?;
    let source = match card_source(&webhook)? {
        CardSource::SavedCard => CardSource::Vault(mapping::paytrace::saved_card_vault_id(
            &order,
            System::Shopify,
            &shared.config.store_prefix,
        )?),
        CardSource::Vault(named) => {
            own_vault_id(&order, &shared.config.store_prefix, &named)?;
            CardSource::Vault(named)
        }
        source => source,
    };
    if let CardSource::Vault(customer_id) = &source {
        let customer = order.customer.get_or_insert_with(Default::default);
        customer.ids.set(System::Paytrace, customer_id.clone());
    }
    let kind = match shared.config.payment {
        PaymentMode::Sale => PaymentKind::Sale,
        PaymentMode::AuthorizeThenCapture => PaymentKind::Authorization,
    };
    let plan = ChargePlan::new(shared, &order, source, kind)?;
    let booking = OrderBooking::prepare(&order, System::Paytrace, &shared.erp_ctx())?;
    let vault = if plan.vaults {
        let vault = VaultPlan::new(shared, &order)?;
        // The ERP customer with the vault id must book too.
        let mut vaulted = order.clone();
        vaulted
            .customer
            .get_or_insert_with(Default::default)
            .ids
            .set(System::Paytrace, vault.vault_id().to_owned());
        mapping::erp::to_erp_order_customer(&vaulted, &shared.erp_ctx())?;
        Some(vault)
    } else {
        None
    };
    mapping::shopify::to_payment_metafields(
        &provisional_payment(&order, System::Paytrace),
        &order,
    )?;
    let fulfilment = fulfilment_request(&shared.config.shop, &webhook, &order, fulfilment_key);
    Ok(Prepared {
        order,
        plan,
        booking,
        vault,
        fulfilment,
        webhook,
    })
}

/// A captured payment: the order's fraud outcome learned (settled), the Shopify order marked
/// paid with the payment's metafields, and the ERP customer, sales order, invoice and payment;
/// the store and the ERP at once.
pub(super) async fn paid(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    order: &Order,
    order_gid: &Gid,
    booking: &OrderBooking,
    payment: &Payment,
) -> Result<(), StepError> {
    let settled = screening::OutcomeFact {
        order: ctx.entity().clone(),
        learned: screening::Learned::Settled,
        at: payment.processed_at.unwrap_or_else(OffsetDateTime::now_utc),
        reason: None,
    };
    screening::learn(ctx, System::Paytrace, &settled)?;
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

/// Refuses a vault id in the order's attributes shaped as this service makes them (
/// [`mapping::paytrace::order_vault_id`]: `{prefix}shopify-c{id}`, `{prefix}shopify-o{id}`) that
/// is not the order customer's own: those ids are guessable, and a buyer can set a cart's
/// attributes, so naming another customer's would charge their card. Ids of other shapes (a
/// merchant's own vault) are the checkout's to vouch for, as before.
fn own_vault_id(order: &Order, prefix: &str, named: &str) -> Result<(), MappingError> {
    let ours = |kind: &str| {
        named
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(System::Shopify.as_str()))
            .is_some_and(|rest| rest.starts_with(kind))
    };
    if !(ours("-c") || ours("-o")) {
        return Ok(());
    }
    let own = mapping::paytrace::saved_card_vault_id(order, System::Shopify, prefix).ok();
    if own.as_deref() == Some(named) {
        return Ok(());
    }
    Err(MappingError::InvalidValue {
        field: format!("order.note_attributes.{}", super::ATTR_VAULT_CUSTOMER),
        value: named.to_owned(),
        expected: "the vault id of the order's own customer",
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::{Value, json};

    use super::*;

    /// An order of a shipped shirt and a gift card that needs no shipping.
    fn webhook(gift_card_ships: bool, address: bool) -> (shopify::rest::Order, Order) {
        let line = |id: u64, title: &str, price: &str, ships: bool| {
            json!({"id": id, "title": title, "name": title, "sku": format!("SKU-{id}"),
                   "quantity": 1, "price": price, "requires_shipping": ships})
        };
        let mut body: Value = json!({
            "id": 1001, "name": "#1001", "email": "jane@example.com",
            "created_at": "2026-12-07T11:00:00Z", "currency": "USD",
            "financial_status": "pending", "taxes_included": false,
            "total_price": "75.00", "total_tax": "0.00", "total_discounts": "0.00",
            "line_items": [line(7, "Shirt", "50.00", true), line(8, "Gift card", "25.00", gift_card_ships)],
        });
        if address {
            body["shipping_address"] = json!({"first_name": "Jane", "address1": "1 Main St",
                "city": "Austin", "province_code": "TX", "country_code": "US", "zip": "78701"});
        }
        let wire: shopify::rest::Order = serde_json::from_value(body).unwrap();
        let order = Order::try_from(&wire).unwrap();
        (wire, order)
    }

    #[test]
    fn only_lines_that_require_shipping_are_requested() {
        let (wire, order) = webhook(false, true);
        let request = fulfilment_request("demo.myshopify.com", &wire, &order, "k".into())
            .unwrap()
            .unwrap();
        let names: Vec<&str> = request.lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Shirt"]);
        assert_eq!(request.idempotency_key, "k");
        assert_eq!(request.order.id, "1001");
        assert_eq!(request.order.number, "#1001");
        assert_eq!(request.order.account, "demo.myshopify.com");
        assert_eq!(request.ship_to.city.as_deref(), Some("Austin"));
        assert_eq!(
            request.created_at,
            time::macros::datetime!(2026-12-07 11:00 UTC)
        );

        let (wire, order) = webhook(true, true);
        let request = fulfilment_request("s", &wire, &order, "k".into())
            .unwrap()
            .unwrap();
        assert_eq!(request.lines.len(), 2);
    }

    #[test]
    fn nothing_to_ship_is_none_and_a_missing_address_names_the_field() {
        let (mut wire, mut order) = webhook(false, false);
        assert_eq!(
            fulfilment_request("s", &wire, &order, "k".into()),
            Err(MappingError::MissingField {
                field: "order.shipping_address".into()
            })
        );
        // Only the gift card: nothing to ship, no address needed.
        wire.line_items.remove(0);
        order.line_items.remove(0);
        assert_eq!(fulfilment_request("s", &wire, &order, "k".into()), Ok(None));
    }
}

//! `stripe.renewal-order`: a paid subscription renewal of physical goods becomes a Magento order
//! of the customer, marked paid, so that the store's fulfilment ships it.
//! See [`RenewalOrder`].

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use mapping::{BillingInvoice, BillingReason, InvoiceStatus, MappingError, System};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{MagentoStripe, Shared};
use crate::StepError;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx, job};

/// Metadata key of a Stripe product naming the Magento SKU it is sold as.
pub const MAGENTO_SKU: &str = "magento_sku";

/// The customer's cart the order is placed from.
const CART: Step<i64> = Step::new("renewal/cart", System::Magento);
/// The lines added to it.
const ITEMS: Step<bool> = Step::new("renewal/items", System::Magento);
/// Its addresses and shipping method.
const SHIPPING: Step<bool> = Step::new("renewal/shipping", System::Magento);
/// The order placed from it.
const ORDER: Step<i64> = Step::new("renewal/order", System::Magento);
/// The order's offline invoice: its id, or `None` when the order was already invoiced.
const INVOICE: Step<Option<i64>> = Step::new("renewal/invoice", System::Magento);
/// The order's history comment naming the Stripe invoice and charge.
const COMMENT: Step<bool> = Step::new("renewal/comment", System::Magento);

/// How renewal orders are placed in Magento (see [`RenewalOrder`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenewalCtx {
    /// The offline payment method the order is placed with (`checkmo`, or the store's own
    /// "paid elsewhere" method): it must be enabled in the store.
    pub payment_method: String,
    /// The shipping carrier (`flatrate`).
    pub carrier_code: String,
    /// The carrier's method (`flatrate`).
    pub method_code: String,
    /// E-mail the invoice to the customer.
    pub notify_customer: bool,
}

impl Default for RenewalCtx {
    fn default() -> Self {
        Self {
            payment_method: "checkmo".to_owned(),
            carrier_code: "flatrate".to_owned(),
            method_code: "flatrate".to_owned(),
            notify_customer: false,
        }
    }
}

/// The input of [`RenewalOrder`]: the Stripe invoice (`in_...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalInvoice {
    /// The invoice id.
    pub invoice_id: String,
}

/// `stripe.renewal-order`: a paid renewal invoice's Magento order.
///
/// **Which invoices.** Only a paid invoice with `billing_reason` `subscription_cycle` (a
/// renewal). The first invoice of a subscription (`subscription_create`) has its order already,
/// the storefront's; updates, thresholds and manual invoices make none. An invoice of another
/// store (its subscription's `metadata.store_code` names another store view) makes none.
///
/// **Which lines ship.** A line ships when its Stripe product carries `metadata.magento_sku`,
/// which is also the SKU the Magento order line gets; the product's `shippable` flag is not
/// read (Stripe sets it only on `type=good` products of the legacy Orders API, and a shippable
/// product without a SKU could not be ordered in Magento anyway). Proration lines are left out:
/// they settle a change of the last period, not goods of this one. An invoice with no line to
/// ship makes no order.
///
/// **The order.** Magento's REST API has no one-call order creation for an admin, so the flow
/// takes the checkout's path on the admin endpoints (see [`magento::api::carts`]), one recorded
/// step at a time under the invoice's key (`stripe/{account}/invoice/{in id}`):
/// 1. `renewal/cart`: the customer's cart (`POST /V1/customers/{id}/carts`). Magento answers
///    the customer's active cart when there is one; a cart already holding other products (the
///    customer's storefront cart) is a dead letter naming it, since ordering it would sell them
///    too: the customer or a person empties it, and a replay goes on.
/// 2. `renewal/items`: the lines (`POST /V1/carts/{id}/items`), each topped up to the invoice's
///    quantity, so a run cut off halfway adds only what is missing.
/// 3. `renewal/shipping`: the customer's default shipping address (else the default billing
///    one) as the shipping address, the default billing one (else the shipping one) as the
///    billing address, and [`RenewalCtx::carrier_code`]/[`RenewalCtx::method_code`]. A customer
///    with no address is a dead letter naming `customer.addresses`.
/// 4. `renewal/order`: the order (`PUT /V1/carts/{id}/order`) with the offline payment method
///    [`RenewalCtx::payment_method`] (`checkmo` by default; Magento orders nothing without a
///    payment method the store offers). The cart's id is on record before, so a run whose
///    answer was lost first looks for the order placed from that cart (the order's `quote_id`)
///    and orders again only when there is none: one order per invoice.
/// 5. `renewal/invoice`: the order marked paid, as the pair's [`ChargeSucceeded`](super::ChargeSucceeded)
///    marks a storefront order: an offline Magento invoice (nothing is captured: Stripe has the
///    money) whose comment names the Stripe invoice and its charge (the transaction id), so the
///    order moves to `processing` and the normal fulfilment path ships it. An order already
///    invoiced is left as it is.
/// 6. `renewal/comment`: the same text as the order's history comment (not shown to the
///    customer), where the order's page shows it.
///
/// The Magento order's prices are Magento's (its catalog's, with its shipping and tax rules),
/// not the Stripe invoice's: the REST cart takes no price from an admin. The invoice comment
/// carries the amount Stripe charged. Nothing is booked in the ERP here: the billing flows book
/// the invoice.
///
/// Not confirmed against a live Magento: that `quote_id` is searchable on `GET /V1/orders` on
/// every version (it is a column of `sales_order`, which the search reads).
#[derive(Clone)]
pub struct RenewalOrder(pub(super) Arc<Shared>);

impl std::fmt::Debug for RenewalOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenewalOrder").finish_non_exhaustive()
    }
}

/// The job of invoice `invoice_id`'s renewal order: enqueue it when the invoice is paid
/// (enqueuing it again for the same invoice is a no-op once it ran).
pub(super) fn renewal_order_job(
    flow: &RenewalOrder,
    invoice_id: &str,
) -> Result<NewJob, StepError> {
    job(
        flow,
        &RenewalInvoice {
            invoice_id: invoice_id.to_owned(),
        },
    )
}

impl MagentoStripe {
    /// The renewal order flow (register it with [`Self::register`]; for its jobs, see
    /// [`Self::renewal_order_job`]).
    pub fn renewal_order(&self) -> RenewalOrder {
        RenewalOrder(Arc::clone(&self.shared))
    }

    /// The [`RenewalOrder`] job of Stripe invoice `invoice_id` (`in_...`): enqueue it
    /// ([`crate::Store::enqueue`]) once the invoice is paid. It orders nothing for an invoice
    /// that is not a paid renewal of shippable products, and one order per invoice however
    /// often it runs.
    pub fn renewal_order_job(&self, invoice_id: &str) -> Result<NewJob, StepError> {
        renewal_order_job(&self.renewal_order(), invoice_id)
    }
}

/// What a renewal invoice is ordered as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Renewal {
    /// The Magento customer.
    customer_id: i64,
    /// SKU and quantity, in the invoice's order.
    lines: Vec<(String, u64)>,
    /// The charge that paid it.
    charge_id: String,
    /// The invoice comment.
    comment: String,
}

#[async_trait]
impl Flow for RenewalOrder {
    type Input = RenewalInvoice;
    const KIND: JobKind = JobKind::new("stripe.renewal-order");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento];

    fn entity(&self, input: &RenewalInvoice) -> Result<EntityKey, StepError> {
        if input.invoice_id.trim().is_empty() {
            return Err(MappingError::MissingField {
                field: "invoice_id".to_owned(),
            }
            .into());
        }
        Ok(
            EntityKey::new(System::Stripe, &self.0.config.stripe_account)
                .child(Entity::Invoice, &input.invoice_id),
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: RenewalInvoice) -> Result<(), StepError> {
        if ctx.recorded(&COMMENT)?.is_some() {
            return Ok(());
        }
        let shared = &*self.0;
        let Some(renewal) = renewal(shared, &input.invoice_id).await? else {
            return Ok(());
        };
        let magento = &shared.magento;
        let customer_id = renewal.customer_id;
        let wanted = wanted_quantities(&renewal.lines);

        let cart = ctx
            .once(&CART, || async {
                let cart = magento.carts().create_for_customer(customer_id).await?;
                let held = magento.carts().items(cart).await?;
                if let Some(other) = held.iter().find_map(|item| {
                    item.sku.as_deref().filter(|sku| !wanted.contains_key(*sku))
                }) {
                    return Err(StepError::permanent(format!(
                        "Magento customer {customer_id}'s cart {cart} holds {other}: ordering it would sell it with the renewal; empty the cart, then replay"
                    )));
                }
                Ok(cart)
            })
            .await?;
        ctx.once(&ITEMS, || async {
            let held = magento.carts().items(cart).await?;
            for (sku, quantity) in &wanted {
                let present: Decimal = held
                    .iter()
                    .filter(|item| item.sku.as_deref() == Some(sku.as_str()))
                    .filter_map(|item| item.qty)
                    .sum();
                let missing = *quantity - present;
                if missing > Decimal::ZERO {
                    magento
                        .carts()
                        .add_item(cart, &magento::CartItem::new(cart, sku, missing))
                        .await?;
                }
            }
            Ok(true)
        })
        .await?;
        ctx.once(&SHIPPING, || async {
            let customer = magento.customers().get(customer_id).await?;
            let information = shipping_information(&customer, &shared.config.renewals)?;
            magento
                .carts()
                .set_shipping_information(cart, &information)
                .await?;
            Ok(true)
        })
        .await?;
        let order_id = ctx
            .once(&ORDER, || async {
                // The cart is on record: an order placed from it by a run whose answer was
                // lost is found, not placed again.
                if let Some(order) = magento.orders().get_by_quote_id(cart).await? {
                    if let Some(id) = order.entity_id {
                        return Ok(id);
                    }
                }
                Ok(magento
                    .carts()
                    .place_order(cart, &shared.config.renewals.payment_method)
                    .await?)
            })
            .await?;
        let invoice_id = ctx
            .once(&INVOICE, || async {
                let order = magento.orders().get(order_id).await?;
                let invoiced = order.total_invoiced.unwrap_or_default();
                if order
                    .grand_total
                    .is_some_and(|grand| grand > Decimal::ZERO && invoiced >= grand)
                {
                    return Ok(None);
                }
                let invoice = magento::CreateInvoice {
                    capture: false,
                    notify: shared.config.renewals.notify_customer,
                    comment: Some(magento::DocumentComment::internal(renewal.comment.clone())),
                    ..magento::CreateInvoice::default()
                };
                Ok(Some(magento.invoices().create(order_id, &invoice).await?))
            })
            .await?;
        ctx.once(&COMMENT, || async {
            let comment = magento::NewOrderComment {
                comment: renewal.comment.clone(),
                ..magento::NewOrderComment::default()
            };
            magento.orders().add_comment(order_id, &comment).await?;
            Ok(true)
        })
        .await?;
        tracing::info!(invoice = %input.invoice_id, charge = %renewal.charge_id, order = order_id, magento_invoice = ?invoice_id, "renewal ordered in Magento");
        Ok(())
    }
}

/// Quantities per SKU (two lines of one SKU are one order line).
fn wanted_quantities(lines: &[(String, u64)]) -> BTreeMap<String, Decimal> {
    let mut wanted = BTreeMap::new();
    for (sku, quantity) in lines {
        *wanted.entry(sku.clone()).or_insert(Decimal::ZERO) += Decimal::from(*quantity);
    }
    wanted
}

/// What invoice `invoice_id` is ordered as; `None` when it orders nothing (not a paid renewal,
/// another store's, nothing to ship).
async fn renewal(shared: &Shared, invoice_id: &str) -> Result<Option<Renewal>, StepError> {
    let stripe = &shared.stripe;
    let wire = stripe
        .invoices()
        .expand(["customer", "payments"])
        .retrieve(invoice_id)
        .await?;
    let invoice = BillingInvoice::try_from(&wire)?;
    if invoice.billing_reason != BillingReason::SubscriptionCycle {
        tracing::debug!(invoice = invoice_id, reason = ?invoice.billing_reason, "not a renewal: no order");
        return Ok(None);
    }
    if invoice.status != InvoiceStatus::Paid {
        tracing::debug!(invoice = invoice_id, status = ?invoice.status, "renewal not paid: no order");
        return Ok(None);
    }
    let store_code = wire
        .parent
        .as_ref()
        .and_then(|p| p.subscription_details.as_ref())
        .and_then(|d| d.metadata.get(mapping::stripe::META_STORE_CODE));
    if store_code.is_some_and(|code| *code != shared.config.store_code) {
        tracing::debug!(invoice = invoice_id, store = ?store_code, "another store's renewal: no order");
        return Ok(None);
    }
    let mut lines = Vec::new();
    for (i, line) in invoice.lines.iter().enumerate() {
        if line.proration {
            continue;
        }
        let field = |name: &str| format!("invoice.lines.data[{i}].{name}");
        let Some(product_id) = &line.product_id else {
            continue;
        };
        let product = stripe.products().retrieve(product_id).await?;
        let Some(sku) = product
            .metadata
            .get(MAGENTO_SKU)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let quantity =
            line.quantity
                .filter(|q| *q > 0)
                .ok_or_else(|| MappingError::MissingField {
                    field: field("quantity"),
                })?;
        lines.push((sku.to_owned(), quantity));
    }
    if lines.is_empty() {
        tracing::debug!(
            invoice = invoice_id,
            "renewal of nothing shippable: no order"
        );
        return Ok(None);
    }
    let customer_id =
        invoice
            .customer
            .get(System::Magento)
            .ok_or_else(|| MappingError::MissingField {
                field: "invoice.parent.subscription_details.metadata.magento_customer_id"
                    .to_owned(),
            })?;
    let customer_id: i64 = customer_id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| MappingError::InvalidValue {
            field: "invoice.parent.subscription_details.metadata.magento_customer_id".to_owned(),
            value: customer_id.to_owned(),
            expected: "a Magento customer id",
        })?;
    let charge_id = charge_of(shared, &invoice).await?;
    let comment = format!(
        "Renewal paid by Stripe: invoice {} ({}), {}, charge {charge_id}.",
        invoice.number.as_deref().unwrap_or("without number"),
        invoice_id,
        invoice.amount_paid,
    );
    Ok(Some(Renewal {
        customer_id,
        lines,
        charge_id,
        comment,
    }))
}

/// The charge that paid `invoice` (its expanded payments name it, or their PaymentIntent's
/// `latest_charge` does).
async fn charge_of(shared: &Shared, invoice: &BillingInvoice) -> Result<String, StepError> {
    let missing = || MappingError::MissingField {
        field: "invoice.payments.data[].payment".to_owned(),
    };
    let settlements = invoice.settlements.as_deref().ok_or_else(missing)?;
    if let Some(charge) = settlements.iter().find_map(|s| s.charge_id.clone()) {
        return Ok(charge);
    }
    let intent = settlements
        .iter()
        .find_map(|s| s.payment_intent_id.as_deref())
        .ok_or_else(missing)?;
    let intent = shared.stripe.payment_intents().retrieve(intent).await?;
    Ok(intent
        .latest_charge
        .map(|c| c.id().to_owned())
        .ok_or_else(|| MappingError::NotYetKnown {
            field: "payment_intent.latest_charge".to_owned(),
            system: "stripe",
        })?)
}

/// The cart's shipping information for `customer`: its default shipping address (else the
/// default billing one, else its only one) and default billing address (else the shipping one).
fn shipping_information(
    customer: &magento::Customer,
    renewals: &RenewalCtx,
) -> Result<magento::ShippingInformation, MappingError> {
    let by_id = |id: Option<&String>| {
        id.and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| customer.addresses.iter().find(|a| a.id == Some(id)))
    };
    let flagged = |pick: fn(&magento::CustomerAddress) -> Option<bool>| {
        customer.addresses.iter().find(|a| pick(a) == Some(true))
    };
    let only = match customer.addresses.as_slice() {
        [only] => Some(only),
        _ => None,
    };
    let shipping = by_id(customer.default_shipping.as_ref())
        .or_else(|| flagged(|a| a.default_shipping))
        .or_else(|| by_id(customer.default_billing.as_ref()))
        .or_else(|| flagged(|a| a.default_billing))
        .or(only)
        .ok_or_else(|| MappingError::MissingField {
            field: "customer.addresses".to_owned(),
        })?;
    let billing = by_id(customer.default_billing.as_ref())
        .or_else(|| flagged(|a| a.default_billing))
        .unwrap_or(shipping);
    let cart_address = |a: &magento::CustomerAddress| magento::CartAddress {
        firstname: a
            .firstname
            .clone()
            .or_else(|| Some(customer.firstname.clone())),
        lastname: a
            .lastname
            .clone()
            .or_else(|| Some(customer.lastname.clone())),
        company: a.company.clone(),
        street: a.street.clone(),
        city: a.city.clone(),
        region: a.region.as_ref().and_then(|r| r.region.clone()),
        region_code: a.region.as_ref().and_then(|r| r.region_code.clone()),
        region_id: a
            .region_id
            .or_else(|| a.region.as_ref().and_then(|r| r.region_id)),
        postcode: a.postcode.clone(),
        country_id: a.country_id.clone(),
        telephone: a.telephone.clone(),
        email: Some(customer.email.clone()),
        customer_id: customer.id,
        customer_address_id: a.id,
    };
    Ok(magento::ShippingInformation {
        shipping_address: cart_address(shipping),
        billing_address: Some(cart_address(billing)),
        shipping_method_code: renewals.method_code.clone(),
        shipping_carrier_code: renewals.carrier_code.clone(),
    })
}

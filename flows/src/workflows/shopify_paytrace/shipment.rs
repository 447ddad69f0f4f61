//! `shopify.shipment`: a warehouse's shipment notice about a Shopify order becomes the order's
//! Shopify fulfillment with the parcel's tracking, and (authorize-then-capture) starts the
//! order's one capture job.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::{MappingError, System};
use serde::{Deserialize, Serialize};
use shopify::Gid;
use shopify::models::{FulfillmentInput, FulfillmentTrackingInfo};

use super::capture::{FulfillmentEvent, OrderCapture};
use super::{PaymentMode, Shared};
use crate::StepError;
use crate::fulfilment::ShipmentNotice;
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{EntityKey, EventRef, Flow, JobKind, Step, StepCtx, decode, job};

/// The Shopify fulfillment of the parcel (under the shipment's entity).
const FULFILLMENT: Step<Fulfilled> = Step::new("shopify/fulfillment", System::Shopify);

/// The input of an [`OrderShipment`] job: the warehouse shipped a parcel of a Shopify order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopifyShipped {
    /// The shipment notice in the inbox.
    pub event: EventRef,
    /// The Shopify order id.
    pub order_id: u64,
    /// The carrier as the warehouse named it (`ups`, `usps`, `fedex`, `dhl`, or another name).
    pub carrier: String,
    /// The parcel's tracking number.
    pub tracking_number: String,
}

/// What the fulfillment step did: the Shopify fulfillment of the tracking number (created now,
/// or found), or `None` when the order had nothing left to fulfil.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fulfilled {
    fulfillment_id: Option<String>,
}

/// A parcel's flow (see the [module docs](super#fulfilment)).
#[derive(Clone)]
pub struct OrderShipment(pub(super) Arc<Shared>);

impl std::fmt::Debug for OrderShipment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderShipment").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for OrderShipment {
    type Input = ShopifyShipped;
    const KIND: JobKind = JobKind::new("shopify.shipment");
    const SYSTEMS: &'static [System] = &[System::Shopify];

    fn entity(&self, shipped: &ShopifyShipped) -> Result<EntityKey, StepError> {
        crate::fulfilment::parcel_key(self.0.order_key(shipped.order_id), &shipped.tracking_number)
    }

    async fn run(&self, ctx: &StepCtx<'_>, shipped: ShopifyShipped) -> Result<(), StepError> {
        let shared = &*self.0;
        let tracking_number = shipped.tracking_number.trim();
        let carrier = crate::fulfilment::carrier(&shipped.carrier)?;
        let order_id = shipped.order_id;
        if shared.config.payment == PaymentMode::AuthorizeThenCapture {
            // The order's one capture job, the one `fulfillments/create` starts too: whichever
            // comes first creates it, the other finds it. Saved now, so that a failing Shopify
            // fulfillment does not hold the capture back.
            let capture = OrderCapture(Arc::clone(&self.0));
            ctx.enqueue(job(
                &capture,
                &FulfillmentEvent {
                    event: shipped.event.clone(),
                    order_id,
                },
            )?);
            ctx.save().await?;
        }
        let done = ctx
            .once(&FULFILLMENT, || async {
                fulfil(shared, order_id, carrier, tracking_number).await
            })
            .await?;
        tracing::info!(order = order_id, tracking = tracking_number, fulfillment = ?done.fulfillment_id, "shipment recorded in Shopify");
        Ok(())
    }
}

/// The Shopify fulfillment of the parcel `tracking_number`: `fulfillmentCreate` is not
/// idempotent, so the order's fulfillments are read first and one that carries the tracking
/// number already (an earlier run whose answer was lost, or a person) is the result; an order
/// with no fulfillment order left to fulfil is `None`. Every open fulfillment order is fulfilled
/// in one call, whole: partial parcels are not modelled.
async fn fulfil(
    shared: &Shared,
    order_id: u64,
    carrier: &str,
    tracking_number: &str,
) -> Result<Fulfilled, StepError> {
    let order = Gid::new("Order", order_id);
    let state = shared
        .shopify
        .fulfillments()
        .of_order(&order)
        .await?
        .ok_or_else(|| {
            StepError::permanent(format!(
                "shopify order {order_id} does not exist: shipment {tracking_number} not recorded"
            ))
        })?;
    let existing = state.fulfillments.iter().find(|f| {
        f.status.as_deref() != Some("CANCELLED")
            && f.tracking_info
                .iter()
                .any(|t| t.number.as_deref().map(str::trim) == Some(tracking_number))
    });
    if let Some(existing) = existing {
        return Ok(Fulfilled {
            fulfillment_id: Some(existing.id.to_string()),
        });
    }
    let mut open = state
        .fulfillment_orders
        .iter()
        .filter(|fo| fo.is_fulfillable())
        .map(|fo| fo.id.clone());
    let Some(first) = open.next() else {
        return Ok(Fulfilled {
            fulfillment_id: None,
        });
    };
    let mut input = FulfillmentInput::whole(first)
        .with_tracking(FulfillmentTrackingInfo::new(
            tracking_company(carrier),
            tracking_number,
        ))
        .with_notify_customer(false);
    for more in open {
        input
            .line_items_by_fulfillment_order
            .extend(FulfillmentInput::whole(more).line_items_by_fulfillment_order);
    }
    let created = shared.shopify.fulfillments().create(&input).await?;
    Ok(Fulfilled {
        fulfillment_id: Some(created.id.to_string()),
    })
}

/// Shopify's tracking company for a warehouse's carrier: its names for the common carriers
/// (`UPS`, `USPS`, `FedEx`, `DHL Express`), otherwise the carrier as given (Shopify keeps an
/// unknown company as a custom one, without a tracking link it builds itself).
fn tracking_company(carrier: &str) -> String {
    match carrier.to_ascii_lowercase().as_str() {
        "ups" => "UPS".to_owned(),
        "usps" => "USPS".to_owned(),
        "fedex" => "FedEx".to_owned(),
        "dhl" => "DHL Express".to_owned(),
        _ => carrier.to_owned(),
    }
}

/// The [`OrderShipment`] job of a warehouse's shipment notice: its `order` must be this shop's
/// Shopify order (`order.system` `shopify`, `order.account` the shop's domain, `order.id` the
/// order id).
pub(super) fn plan_notice(
    flow: &OrderShipment,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    let notice: ShipmentNotice = decode(delivery.body, delivery.topic)?;
    let order = &notice.order;
    if order.system != System::Shopify {
        return Err(MappingError::InvalidValue {
            field: "order.system".to_owned(),
            value: order.system.as_str().to_owned(),
            expected: "shopify",
        }
        .into());
    }
    if order.account != flow.0.config.shop {
        return Err(MappingError::InvalidValue {
            field: "order.account".to_owned(),
            value: order.account.clone(),
            expected: "this service's Shopify shop domain",
        }
        .into());
    }
    let order_id = order
        .id
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| MappingError::InvalidValue {
            field: "order.id".to_owned(),
            value: order.id.clone(),
            expected: "Shopify order id",
        })?;
    job(
        flow,
        &ShopifyShipped {
            event: delivery.event(),
            order_id,
            carrier: notice.carrier,
            tracking_number: notice.tracking_number,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_carriers_get_shopifys_names_and_others_are_kept() {
        assert_eq!(tracking_company("ups"), "UPS");
        assert_eq!(tracking_company("FedEx"), "FedEx");
        assert_eq!(tracking_company("dhl"), "DHL Express");
        assert_eq!(tracking_company("Acme Freight"), "Acme Freight");
    }
}

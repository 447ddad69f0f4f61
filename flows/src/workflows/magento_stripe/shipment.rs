//! `magento.shipment`: the Magento shipment, with its tracking number, of every line left to
//! ship.

use std::sync::Arc;

use async_trait::async_trait;
use magento::{CreateShipment, Track};
use mapping::{MappingError, System};
use serde::{Deserialize, Serialize};

use super::Shared;
use crate::StepError;
use crate::fulfilment::ShipmentNotice;
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{EntityKey, Flow, JobKind, Step, StepCtx, decode, job};

/// The shipment (under the shipment's entity).
const SHIPMENT: Step<ShipmentDone> = Step::new("magento/shipment", System::Magento);

/// The input of a [`Shipment`] job: the warehouse shipped an order's remaining lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipped {
    /// The Magento order's `entity_id`.
    pub order_id: i64,
    /// The carrier: `ups`, `usps`, `fedex` and `dhl` become Magento's carrier codes, anything
    /// else a `custom` track titled with this name.
    pub carrier: String,
    /// The tracking number.
    pub tracking_number: String,
}

/// What the shipment step did: the new shipment's id, or `None` when nothing was left to ship.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShipmentDone {
    shipment_id: Option<i64>,
}

/// A shipment's flow (see the [module docs](super)).
#[derive(Clone)]
pub struct Shipment(pub(super) Arc<Shared>);

impl std::fmt::Debug for Shipment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shipment").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for Shipment {
    type Input = Shipped;
    const KIND: JobKind = JobKind::new("magento.shipment");
    const SYSTEMS: &'static [System] = &[System::Magento];

    fn entity(&self, shipped: &Shipped) -> Result<EntityKey, StepError> {
        crate::fulfilment::parcel_key(self.0.order_key(shipped.order_id), &shipped.tracking_number)
    }

    async fn run(&self, ctx: &StepCtx<'_>, shipped: Shipped) -> Result<(), StepError> {
        let shared = &*self.0;
        let tracking_number = shipped.tracking_number.trim();
        crate::fulfilment::carrier(&shipped.carrier)?;
        let order_id = shipped.order_id;
        let done = ctx
            .once(&SHIPMENT, || async {
                // Magento has no idempotency key: an order with nothing left to ship was shipped
                // by an earlier run (or by hand), which is success.
                let order = shared.magento.orders().get(order_id).await?;
                if order.state == Some(magento::OrderState::Canceled) {
                    return Err(StepError::permanent(format!(
                        "magento order {order_id} is canceled: shipment {tracking_number} not recorded"
                    )));
                }
                if !has_lines_to_ship(&order) {
                    return Ok(ShipmentDone { shipment_id: None });
                }
                let shipment = CreateShipment {
                    notify: shared.config.notify_customer,
                    tracks: vec![track(&shipped.carrier, tracking_number)],
                    ..CreateShipment::default()
                };
                let id = shared
                    .magento
                    .shipments()
                    .create(order_id, &shipment)
                    .await?;
                Ok(ShipmentDone {
                    shipment_id: Some(id),
                })
            })
            .await?;
        tracing::info!(order = order_id, shipment = ?done.shipment_id, "shipment recorded");
        Ok(())
    }
}

/// The [`Shipment`] job of a warehouse's shipment notice (see the
/// [module docs](super#fulfilment)): its `order` must be this store view's Magento order.
pub(super) fn plan_notice(flow: &Shipment, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
    let notice: ShipmentNotice = decode(delivery.body, delivery.topic)?;
    let order = &notice.order;
    if order.system != System::Magento {
        return Err(MappingError::InvalidValue {
            field: "order.system".to_owned(),
            value: order.system.as_str().to_owned(),
            expected: "magento",
        }
        .into());
    }
    if order.account != flow.0.config.store_code {
        return Err(MappingError::InvalidValue {
            field: "order.account".to_owned(),
            value: order.account.clone(),
            expected: "this service's Magento store code",
        }
        .into());
    }
    let order_id = order
        .id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| MappingError::InvalidValue {
            field: "order.id".to_owned(),
            value: order.id.clone(),
            expected: "Magento order entity_id",
        })?;
    job(
        flow,
        &Shipped {
            order_id,
            carrier: notice.carrier,
            tracking_number: notice.tracking_number,
        },
    )
}

/// Whether a physical top-level line still has a quantity to ship (ordered less shipped,
/// refunded and canceled), as Magento's `canShip` reckons it.
fn has_lines_to_ship(order: &magento::Order) -> bool {
    order.top_level_items().any(|item| {
        if item.is_virtual == Some(true) {
            return false;
        }
        let left = item
            .qty_ordered
            .unwrap_or_default()
            .checked_sub(item.qty_shipped.unwrap_or_default())
            .and_then(|q| q.checked_sub(item.qty_refunded.unwrap_or_default()))
            .and_then(|q| q.checked_sub(item.qty_canceled.unwrap_or_default()));
        left.is_some_and(|left| left > Default::default())
    })
}

/// A Magento track for `carrier`.
fn track(carrier: &str, number: &str) -> Track {
    let carrier = carrier.trim();
    let (code, title) = match carrier.to_ascii_lowercase().as_str() {
        "ups" => ("ups", "United Parcel Service"),
        "usps" => ("usps", "United States Postal Service"),
        "fedex" => ("fedex", "Federal Express"),
        "dhl" => ("dhl", "DHL"),
        _ => ("custom", carrier),
    };
    Track::new(code, title, number)
}

//! What both store pairs share to ask a warehouse to ship a paid order: the request built from
//! the canonical order ([`order_request`]) and the step that sends it once ([`send_once`]).

use mapping::{LineItem, MappingError, System};

use super::{Fulfilment, FulfilmentLine, FulfilmentRequest, OrderRef, Requested};
use crate::StepError;
use crate::workflow::{Step, StepCtx};

/// The fulfilment request of an order, under the order's (or its charge's) entity: what the
/// warehouse said, or `None` when the order has nothing to ship. Its key is the request's
/// `Idempotency-Key`.
pub const REQUEST: Step<Option<Requested>> = Step::new("fulfilment/request", System::Warehouse);

/// The fulfilment request of a paid order keyed `key` (the [`REQUEST`] step's key): the lines
/// of `order` for which `ships` holds (SKU, name, quantity) and its shipping address, dated
/// `paid_at` (a time that is the same on every resend). `Ok(None)` when no line is to be
/// shipped; an order with lines to ship and no shipping address is an error naming
/// `address_field`, the store's field that should have held it.
pub fn order_request(
    key: String,
    reference: OrderRef,
    order: &mapping::Order,
    ships: impl Fn(&LineItem) -> bool,
    address_field: &str,
    paid_at: time::OffsetDateTime,
) -> Result<Option<FulfilmentRequest>, MappingError> {
    let lines: Vec<FulfilmentLine> = order
        .line_items
        .iter()
        .filter(|line| ships(line))
        .map(|line| FulfilmentLine {
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
        })
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let ship_to = order
        .shipping_address
        .clone()
        .ok_or_else(|| MappingError::MissingField {
            field: address_field.to_owned(),
        })?;
    Ok(Some(
        FulfilmentRequest::new(key, reference, lines, ship_to, paid_at).email(order.email.clone()),
    ))
}

/// Sends `request` to `warehouse` once, as the [`REQUEST`] step of `ctx`'s entity: a repeat
/// returns what was recorded; a request that could not be mapped (mapped before the money, kept
/// for here) fails the step with its error, naming the field; an order with nothing to ship is
/// recorded as `None` without a call.
pub async fn send_once(
    ctx: &StepCtx<'_>,
    warehouse: &dyn Fulfilment,
    request: &Result<Option<FulfilmentRequest>, MappingError>,
) -> Result<Option<Requested>, StepError> {
    ctx.once(&REQUEST, || async {
        let request = request.as_ref().map_err(|e| StepError::from(e.clone()))?;
        match request {
            Some(request) => Ok(Some(warehouse.request(request).await?)),
            None => Ok(None),
        }
    })
    .await
}

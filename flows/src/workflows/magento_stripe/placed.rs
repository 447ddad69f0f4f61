//! `magento.order-placed`: an Adobe Commerce order-placed webhook whose order has no `entity_id`
//! yet. The order is looked up by its number (`increment_id`) and its [`OrderPayment`] job
//! enqueued; the route of the webhook ([`plan`]) names that job directly when the payload has
//! the `entity_id`. See the [module docs](super#adobe-commerce-webhooks).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use magento::{Condition, Filter, SearchCriteria};
use mapping::{MappingError, System};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Shared;
use super::payment::{MagentoOrder, OrderPayment};
use crate::StepError;
use crate::intake::Delivery;
use crate::store::{Millis, NewJob};
use crate::worker::{millis, now_millis};
use crate::workflow::{Entity, EntityKey, Flow, JobKind, State, StepCtx, decode, job};

/// The topics of an order-placed webhook: the webhook method `observer.sales_order_place_after`
/// as a hook is configured with it, and the observer event's own name, which is what Adobe's
/// documented payload of its sibling carries in `eventName` (`"sales_order_place_before"` for the
/// `observer.sales_order_place_before` method: AdobeDocs/commerce-extensibility,
/// `src/pages/webhooks/use-cases/order-custom-attributes-validation.md`). Both are routed alike.
pub const ORDER_PLACED_TOPICS: [&str; 2] = [
    "observer.sales_order_place_after",
    "sales_order_place_after",
];

/// How long after its first look an order-placed job keeps looking for an order Magento does
/// not show yet, before it goes to dead letters (the order poller still finds the order then).
pub const LOOKUP_LIMIT: Duration = Duration::from_secs(10 * 60);

/// When a job first looked for its order in vain (Unix milliseconds): [`LOOKUP_LIMIT`] counts
/// from there. Cleared once the order is seen.
const MISSING_SINCE: State<Millis> = State::new("magento/order-missing-since");

/// The input of [`OrderPlaced`]: the number of an order Commerce is placing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    /// The order's customer-facing number (`increment_id`, `000000042`).
    pub increment_id: String,
}

/// The order-placed flow (see the [module docs](super#adobe-commerce-webhooks)): finds the order
/// by its `increment_id` and enqueues its [`OrderPayment`] job, the same job the poller
/// enqueues.
#[derive(Clone)]
pub struct OrderPlaced(pub(super) Arc<Shared>);

impl std::fmt::Debug for OrderPlaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderPlaced").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for OrderPlaced {
    type Input = PlacedOrder;
    const KIND: JobKind = JobKind::new("magento.order-placed");
    const SYSTEMS: &'static [System] = &[System::Magento];

    /// `magento/{store}/order/#{increment_id}`: Magento's own notation of an order number, which
    /// no `entity_id` (digits only) can take.
    fn entity(&self, input: &PlacedOrder) -> Result<EntityKey, StepError> {
        let number = input.increment_id.trim();
        if number.is_empty() {
            return Err(MappingError::MissingField {
                field: "placed_order.increment_id".to_owned(),
            }
            .into());
        }
        Ok(EntityKey::new(System::Magento, &self.0.config.store_code)
            .child(Entity::Order, format_args!("#{number}")))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: PlacedOrder) -> Result<(), StepError> {
        let number = input.increment_id.trim();
        // Two rows at most: more than one order with this number is an answer in itself.
        let criteria = SearchCriteria::new()
            .filter(Filter::new("increment_id", Condition::Eq, number))
            .fields("items[entity_id,increment_id,state,status],total_count")
            .page_size(2);
        let page = self.0.magento.orders().search(&criteria).await?;
        let total = page
            .total_count
            .and_then(|t| usize::try_from(t).ok())
            .unwrap_or(page.items.len())
            .max(page.items.len());
        let order = match page.items.as_slice() {
            [] => return Err(not_visible(ctx, &format!("magento order #{number}"))),
            [order] if total == 1 => order,
            orders => {
                // Magento keeps order numbers unique per store view; which of these is this
                // store view's cannot be told from here.
                let ids: Vec<String> = orders
                    .iter()
                    .map(|o| {
                        o.entity_id
                            .map_or_else(|| "?".to_owned(), |id| id.to_string())
                    })
                    .collect();
                let more = if total > ids.len() { ", ..." } else { "" };
                return Err(StepError::permanent(format!(
                    "magento order #{number}: {total} orders have this number (entity_id {}{more}): \
                     not charged from its webhook, the order poller enqueues each one",
                    ids.join(", ")
                )));
            }
        };
        found(ctx);
        let entity_id = order.entity_id.ok_or_else(|| MappingError::MissingField {
            field: format!("orders[increment_id={number}].entity_id"),
        })?;
        let waiting = matches!(
            order.state,
            Some(magento::OrderState::New | magento::OrderState::PendingPayment)
        );
        if !waiting {
            tracing::info!(order = entity_id, %number, state = ?order.state, "placed order not waiting for payment: left alone");
            return Ok(());
        }
        ctx.enqueue(job(
            &OrderPayment(Arc::clone(&self.0)),
            &MagentoOrder { entity_id },
        )?);
        tracing::info!(order = entity_id, %number, "placed order found: payment job enqueued");
        Ok(())
    }
}

/// The job of an order-placed delivery: the order's [`OrderPayment`] job when `data.order`
/// has a numeric `entity_id` (a JSON number or a string of digits), else the [`OrderPlaced`]
/// job of its `increment_id`. A payload without either is an error naming
/// `data.order.increment_id` (the intake stores it with a dead letter).
pub(super) fn plan(shared: &Arc<Shared>, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
    let body: Value = decode(delivery.body, delivery.topic)?;
    let order = body
        .pointer("/data/order")
        .filter(|o| o.is_object())
        .ok_or_else(|| MappingError::MissingField {
            field: "data.order".to_owned(),
        })?;
    if let Some(entity_id) = order.get("entity_id").and_then(entity_id) {
        return job(
            &OrderPayment(Arc::clone(shared)),
            &MagentoOrder { entity_id },
        );
    }
    let increment_id = order
        .get("increment_id")
        .and_then(increment_id)
        .ok_or_else(|| MappingError::MissingField {
            field: "data.order.increment_id".to_owned(),
        })?;
    job(
        &OrderPlaced(Arc::clone(shared)),
        &PlacedOrder { increment_id },
    )
}

/// A positive `entity_id` from a JSON number or a string of digits; `None` for anything else
/// (`null` while the order is not saved yet).
fn entity_id(value: &Value) -> Option<i64> {
    let id = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        }
        _ => None,
    };
    id.filter(|id| *id > 0)
}

/// A non-blank `increment_id`, trimmed (a JSON number is taken as its digits).
fn increment_id(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// The outcome of a run that did not find `what` in Magento, which may not have committed it
/// yet (its webhook is answered before the order is saved): a wait that costs no attempt (the
/// worker's waits for other flows, 1 s doubling up to a minute by default), or, once
/// [`LOOKUP_LIMIT`] has passed since the first look, a permanent error naming `what`.
pub(super) fn not_visible(ctx: &StepCtx<'_>, what: &str) -> StepError {
    let now = now_millis();
    let since = match ctx.state(&MISSING_SINCE) {
        Ok(Some(since)) => since,
        Ok(None) => match ctx.set_state(&MISSING_SINCE, &now) {
            Ok(()) => now,
            Err(err) => return err,
        },
        Err(err) => return err,
    };
    gave_up(what, since, now)
        .unwrap_or_else(|| ctx.wait_for(format_args!("{what} to be visible in Magento")))
}

/// Forgets an earlier look that did not find the order.
pub(super) fn found(ctx: &StepCtx<'_>) {
    ctx.clear_state(&MISSING_SINCE);
}

/// The permanent error of a lookup that first missed `what` at `since` and still misses it at
/// `now`, once more than [`LOOKUP_LIMIT`] has passed.
fn gave_up(what: &str, since: Millis, now: Millis) -> Option<StepError> {
    let waited = now.saturating_sub(since);
    (waited > millis(LOOKUP_LIMIT)).then(|| {
        StepError::permanent(format!(
            "{what} was still not in Magento {}s after the first look (the limit is {}s): \
             left to the order poller",
            waited / 1000,
            LOOKUP_LIMIT.as_secs()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_are_positive_numbers_or_strings_of_digits() {
        assert_eq!(entity_id(&serde_json::json!(42)), Some(42));
        assert_eq!(entity_id(&serde_json::json!("42")), Some(42));
        assert_eq!(entity_id(&serde_json::json!(" 42 ")), Some(42));
        for other in [
            serde_json::json!(null),
            serde_json::json!(0),
            serde_json::json!(-3),
            serde_json::json!(4.5),
            serde_json::json!(""),
            serde_json::json!("4x"),
            serde_json::json!("-3"),
            serde_json::json!("99999999999999999999"),
            serde_json::json!([42]),
        ] {
            assert_eq!(entity_id(&other), None, "{other}");
        }
    }

    #[test]
    fn increment_ids_are_non_blank_text() {
        assert_eq!(
            increment_id(&serde_json::json!(" 000000042 ")).as_deref(),
            Some("000000042")
        );
        assert_eq!(
            increment_id(&serde_json::json!(100000042)).as_deref(),
            Some("100000042")
        );
        assert_eq!(increment_id(&serde_json::json!("  ")), None);
        assert_eq!(increment_id(&serde_json::json!(null)), None);
    }

    #[test]
    fn a_lookup_gives_up_after_the_limit_naming_the_order() {
        let since = 1_000_000;
        let limit = millis(LOOKUP_LIMIT);
        assert!(gave_up("magento order #000000042", since, since).is_none());
        assert!(gave_up("magento order #000000042", since, since + limit).is_none());
        let err = gave_up("magento order #000000042", since, since + limit + 1).unwrap();
        assert!(err.is_permanent());
        assert!(err.to_string().contains("#000000042"), "{err}");
    }
}

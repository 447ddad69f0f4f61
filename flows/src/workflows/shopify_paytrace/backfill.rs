//! Backfill of `orders/create`: see [`ShopifyOrderPoller`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use mapping::System;
use shopify::models::{OrderDisplayFinancialStatus, OrderSummary};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::charge::{card_in, card_source};
use super::{ORDERS_CREATE, OrderPayment, order_job};
use crate::StepError;
use crate::backfill::{Polled, Poller};
use crate::store::{Accepted, Store};
use crate::worker::now_millis;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx};

/// How far back the first poll reads by default.
pub(super) const DEFAULT_LOOKBACK: Duration = Duration::from_secs(48 * 3600);
/// How much before its checkpoint a poll reads again by default.
const DEFAULT_OVERLAP: Duration = Duration::from_secs(5 * 60);
/// Orders per page by default.
const DEFAULT_PAGE_SIZE: u32 = 50;
/// How old an order started by a poll must be for its webhook to count as missed, by default.
const DEFAULT_GRACE: Duration = Duration::from_secs(10 * 60);

/// The backfill of `orders/create`: orders whose webhook never came, found by polling Shopify's
/// orders by `updated_at` from a checkpoint, start the same [`OrderPayment`] job as their
/// webhook would have. It runs on the worker's schedule as a
/// [`Backfill`](crate::backfill::Backfill) job ([`super::ShopifyPaytrace::order_backfill`]).
///
/// # One job, whichever comes first
///
/// The job of an order is keyed by the order (`shopify/{shop}/order/{id}`, kind
/// `shopify.order-payment`), and a job key is unique: the webhook and the poll of one order name
/// the same job, and whichever comes second finds it and adds nothing. The poller does not even
/// read the order again once the job exists (in any state: queued, done, or dead for a person).
/// So an order is charged at most once however often it is found, and a charge found in its
/// job's records is never sent again.
///
/// # The body the job reads
///
/// [`OrderPayment`] maps the order from its `orders/create` body in the inbox (the REST order
/// resource), so a polled order needs one too. The poller reads the order through GraphQL
/// ([`shopify::api::Orders::get_as_rest`], which lists the fields it rebuilds and their GraphQL
/// sources), writes it back as that REST body, and stores it in the inbox under the event id
/// `backfill:orders/create:{order id}` with the topic `orders/create`, together with the job the
/// `orders/create` route names for it (the same function plans both). The job then runs exactly
/// as for a webhook: one mapping of one body shape, the same checks before any money moves, and
/// a dead letter shows the body the job read. The alternative, a job without a body that fetches
/// the order itself, would need a second mapping of the order (GraphQL to canonical) that could
/// drift from the webhook's, for money.
///
/// [`crate::intake::Intake::ingest`] is not used: Shopify's webhook source reads the topic and
/// the delivery id from the headers, which a polled order has none of. The poller stores the
/// event and its job through the same [`Store::accept_event`], with the route's job.
///
/// # Which orders
///
/// `orders/create` comes once, when an order is placed, and [`OrderPayment`] charges an order
/// that Shopify shows unpaid and whose checkout left a PayTrace card in its note attributes
/// ([`super::ATTR_VAULT_CUSTOMER`], or [`super::ATTR_PROTECT_TOKEN`] with
/// [`super::ATTR_PROTECT_KEY`]). An order updated since the checkpoint gets a job only if
///
/// - its `displayFinancialStatus` is `PENDING`: Shopify holds no payment for it. `PAID`,
///   `PARTIALLY_PAID`, `AUTHORIZED` and the rest were paid elsewhere, or by this workflow already
///   (an authorization in [`super::PaymentMode::AuthorizeThenCapture`] leaves the order
///   `PENDING`, but its job exists);
/// - it is not cancelled: nobody expects a cancelled order to be charged;
/// - its attributes hold a PayTrace card: an order without one was not checked out for PayTrace
///   (the webhook's job would only tag it for review, which a person does not need for an order
///   paid another way).
///
/// The list is read with these fields ([`shopify::models::OrderSummary`]); the full order read
/// afterwards is checked again, as it may have changed in between. Others are skipped and
/// counted in the log only.
///
/// # Checkpoint
///
/// `shopify/{shop}/orders` in [`Store::checkpoint`]: the RFC 3339 `updated_at` of the newest
/// order of the last page read whole. A poll searches `updated_at:>=` the checkpoint less
/// `overlap` (5 minutes by default), oldest update first, page after page; after each page's
/// orders are stored with their jobs, the checkpoint moves to the newest `updated_at` on it, never
/// backwards. A poll cut short (a crash, the time running out, Shopify failing) has moved the
/// checkpoint only past pages it finished: the next poll reads from there again, and what it
/// finds twice has its job already. The search is inclusive and overlaps because Shopify
/// searches whole seconds (orders updated in the checkpoint's second are read again), and because
/// nothing promises that its search index holds a write the moment it is made (no stored source
/// gives the lag; 5 minutes is a margin, not a documented figure).
///
/// The first poll, without a checkpoint, starts `lookback` ago: 48 hours by default. Shopify
/// retries a failed delivery 8 times over 4 hours since 2024-09-10
/// (<https://shopify.dev/changelog/updates-to-webhook-retry-mechanism>; before, 19 times over
/// 48 hours), and asks apps not to rely on webhooks alone but to run reconciliation jobs
/// (<https://shopify.dev/docs/apps/build/webhooks/best-practices>). 48 hours covers the retry
/// window many times over and an outage of up to two days before the first poll; after that,
/// the checkpoint says where to go on from, however long the service was down.
///
/// A poll stops reading pages when less than 10 seconds of its run are left (a quarter of it,
/// in runs shorter than 40 seconds; [`StepCtx::time_left`]) and says so ([`Polled::more`]): the next one follows at once. An
/// order it starts that was created more than `grace` ago (10 minutes by default) counts as
/// missed ([`Polled::missed`]), the backfill watchdog's sign that webhooks are not arriving.
pub struct ShopifyOrderPoller {
    store: Arc<dyn Store>,
    flow: OrderPayment,
    lookback: Duration,
    overlap: Duration,
    page_size: u32,
    grace: Duration,
}

impl std::fmt::Debug for ShopifyOrderPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyOrderPoller")
            .field("shop", &self.shop())
            .field("lookback", &self.lookback)
            .field("overlap", &self.overlap)
            .field("page_size", &self.page_size)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

/// Why a listed (or fetched) order gets no job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Cancelled,
    NotPending,
    NoCard,
}

impl Skip {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::NotPending => "not pending payment",
            Self::NoCard => "no PayTrace card in its attributes",
        }
    }
}

/// Whether [`OrderPayment`] would charge a listed order ([`ShopifyOrderPoller`], "Which orders").
fn would_charge(order: &OrderSummary) -> Result<(), Skip> {
    if order.cancelled_at.is_some() {
        return Err(Skip::Cancelled);
    }
    if order.display_financial_status != Some(OrderDisplayFinancialStatus::Pending) {
        return Err(Skip::NotPending);
    }
    let attr = |name: &str| {
        order
            .custom_attributes
            .iter()
            .find(|a| a.key == name)
            .and_then(|a| a.value.as_deref())
    };
    card_in(attr).map(|_| ()).ok_or(Skip::NoCard)
}

/// The same rule on the full order, as its REST body says it.
fn would_charge_rest(order: &shopify::rest::Order) -> Result<(), Skip> {
    if order.cancelled_at.is_some() {
        return Err(Skip::Cancelled);
    }
    if order.financial_status != Some(shopify::rest::FinancialStatus::Pending) {
        return Err(Skip::NotPending);
    }
    card_source(order).map(|_| ()).map_err(|_| Skip::NoCard)
}

impl ShopifyOrderPoller {
    /// The poller of `flow`'s shop, storing into `store`: a 48-hour look-back, a 5-minute
    /// overlap, 50 orders a page.
    pub(super) fn new(store: Arc<dyn Store>, flow: OrderPayment) -> Self {
        Self {
            store,
            flow,
            lookback: DEFAULT_LOOKBACK,
            overlap: DEFAULT_OVERLAP,
            page_size: DEFAULT_PAGE_SIZE,
            grace: DEFAULT_GRACE,
        }
    }

    /// How old an order this poller starts must be for its missing `orders/create` to count as
    /// missed ([`Polled::missed`], the watchdog's signal; 10 minutes by default: Shopify sends a
    /// webhook within seconds of the order, and its first retries follow within minutes).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How far back the first poll reads (48 hours by default; see the module docs). Shopify's
    /// `orders` query reaches the last 60 days without the `read_all_orders` scope.
    #[must_use]
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = lookback;
        self
    }

    /// How much before its checkpoint each poll reads again (5 minutes by default).
    #[must_use]
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// Orders per page (1 to Shopify's 250; 50 by default). The checkpoint moves after each page.
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 250);
        self
    }

    fn shop(&self) -> &str {
        &self.flow.0.config.shop
    }

    fn shopify(&self) -> &shopify::Client {
        &self.flow.0.shopify
    }

    /// The checkpoint's name: `shopify/{shop}/orders`.
    pub fn checkpoint_name(&self) -> String {
        format!("shopify/{}/orders", self.shop())
    }

    /// The stored checkpoint; one that is not an RFC 3339 time is a permanent error naming it.
    async fn checkpoint(&self) -> Result<Option<OffsetDateTime>, StepError> {
        crate::backfill::checkpoint(
            &*self.store,
            &self.checkpoint_name(),
            "an RFC 3339 updated_at",
            |value| OffsetDateTime::parse(value, &Rfc3339).ok(),
        )
        .await
    }

    /// One poll to the present, however long it takes (a [`crate::backfill::Backfill`] job
    /// stops in time for its lease instead): what a person runs to catch up by hand.
    pub async fn poll_once(&self) -> Result<Polled, StepError> {
        self.poll_until(crate::backfill::no_deadline()).await
    }

    /// Reads page after page from the checkpoint until the last, or until `deadline` (then
    /// [`Polled::more`]).
    async fn poll_until(&self, deadline: Instant) -> Result<Polled, StepError> {
        let name = self.checkpoint_name();
        let stored = self.checkpoint().await?;
        let since = match stored {
            Some(at) => at - self.overlap,
            None => OffsetDateTime::now_utc() - self.lookback,
        };
        let mut checkpoint = stored;
        let mut after: Option<String> = None;
        let mut polled = Polled::default();
        'pages: loop {
            if Instant::now() >= deadline {
                polled.more = true;
                break;
            }
            let page = self
                .shopify()
                .orders()
                .updated_since_page(since, after.as_deref(), self.page_size)
                .await?;
            for order in &page.orders {
                if Instant::now() >= deadline {
                    // This page is not done: the checkpoint stays before it.
                    polled.more = true;
                    break 'pages;
                }
                if let Err(skip) = would_charge(order) {
                    tracing::debug!(shop = %self.shop(), order = order.legacy_resource_id, reason = skip.as_str(), "order skipped");
                    continue;
                }
                polled.found += 1;
                if self.start(order).await? {
                    polled.new += 1;
                    // A first poll (no checkpoint) reads from before the service existed: what
                    // it finds was never due here, so it counts nothing as missed.
                    if stored.is_some() && order.created_at < OffsetDateTime::now_utc() - self.grace
                    {
                        polled.missed += 1;
                    }
                }
            }
            // Everything on this page is in the inbox with its job: the checkpoint moves past it.
            let newest = page.orders.iter().map(|o| o.updated_at).max();
            if let Some(newest) = newest.filter(|n| checkpoint.is_none_or(|c| *n > c)) {
                let value = newest
                    .to_offset(time::UtcOffset::UTC)
                    .format(&Rfc3339)
                    .map_err(|err| {
                        StepError::permanent(format!(
                            "updated_at {newest} cannot be written as RFC 3339: {err}"
                        ))
                    })?;
                self.store
                    .set_checkpoint(&name, &value, now_millis())
                    .await?;
                checkpoint = Some(newest);
            }
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(cursor)) => after = Some(cursor),
                _ => break,
            }
        }
        Ok(polled)
    }

    /// Stores a listed order's `orders/create` body with its job, unless its job exists;
    /// whether the inbox did not hold it yet.
    async fn start(&self, listed: &OrderSummary) -> Result<bool, StepError> {
        let id = listed.legacy_resource_id;
        let key = self.flow.0.order_key(id);
        if self
            .store
            .job(&OrderPayment::KIND, key.as_str())
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let Some(order) = self.shopify().orders().get_as_rest(&listed.id).await? else {
            tracing::warn!(shop = %self.shop(), order = id, "order listed but gone when read");
            return Ok(false);
        };
        if let Err(skip) = would_charge_rest(&order) {
            tracing::debug!(shop = %self.shop(), order = id, reason = skip.as_str(), "order skipped once read");
            return Ok(false);
        }
        let body = serde_json::to_vec(&order).map_err(|err| {
            StepError::permanent(format!(
                "order {id} cannot be written as its REST body: {err}"
            ))
        })?;
        let accepted = super::store_as_delivery(
            &*self.store,
            self.shop(),
            format!("backfill:{ORDERS_CREATE}:{id}"),
            ORDERS_CREATE,
            body,
            |delivery| order_job(&self.flow, delivery),
        )
        .await?;
        let new = matches!(accepted, Accepted::New { .. });
        if new {
            tracing::info!(shop = %self.shop(), order = id, "order without its orders/create found: its payment job starts");
        }
        Ok(new)
    }
}

#[async_trait]
impl Poller for ShopifyOrderPoller {
    const KIND: JobKind = JobKind::new("shopify.orders-backfill");
    const SYSTEMS: &'static [System] = &[System::Shopify];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Shopify, self.shop()).child(Entity::Backfill, "orders")
    }

    async fn poll(&self, ctx: &StepCtx<'_>) -> Result<Polled, StepError> {
        self.poll_until(crate::backfill::deadline(ctx)).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn listed(status: &str, attributes: serde_json::Value) -> OrderSummary {
        let money = json!({"amount": "1.00", "currencyCode": "USD"});
        serde_json::from_value(json!({
            "id": "gid://shopify/Order/1", "legacyResourceId": "1", "name": "#1001",
            "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-01T10:00:00Z",
            "cancelledAt": null, "displayFinancialStatus": status,
            "totalPriceSet": {"shopMoney": money, "presentmentMoney": money},
            "customAttributes": attributes,
        }))
        .unwrap()
    }

    #[test]
    fn only_pending_orders_with_a_paytrace_card_would_be_charged() {
        let vault = json!([{"key": super::super::ATTR_VAULT_CUSTOMER, "value": "v-1"}]);
        assert_eq!(would_charge(&listed("PENDING", vault.clone())), Ok(()));
        let protect = json!([
            {"key": super::super::ATTR_PROTECT_TOKEN, "value": "tok"},
            {"key": super::super::ATTR_PROTECT_KEY, "value": "key"},
        ]);
        assert_eq!(would_charge(&listed("PENDING", protect)), Ok(()));
        for status in ["PAID", "AUTHORIZED", "PARTIALLY_PAID", "REFUNDED", "VOIDED"] {
            assert_eq!(
                would_charge(&listed(status, vault.clone())),
                Err(Skip::NotPending),
                "{status}"
            );
        }
        let blank = json!([{"key": super::super::ATTR_VAULT_CUSTOMER, "value": " "}]);
        assert_eq!(would_charge(&listed("PENDING", blank)), Err(Skip::NoCard));
        let token_only = json!([{"key": super::super::ATTR_PROTECT_TOKEN, "value": "tok"}]);
        assert_eq!(
            would_charge(&listed("PENDING", token_only)),
            Err(Skip::NoCard)
        );
        let mut cancelled = listed("PENDING", vault);
        cancelled.cancelled_at = Some(cancelled.updated_at);
        assert_eq!(would_charge(&cancelled), Err(Skip::Cancelled));
    }
}

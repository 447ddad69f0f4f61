//! Backfill of Magento orders: Magento Open Source sends no webhooks, so orders waiting for
//! payment are found by polling `updated_at` from a checkpoint; on Adobe Commerce, whose order
//! events start the job at once, the poll is the safety net for a missed event. It runs on the
//! worker's schedule as a [`crate::backfill::Backfill`] job.

use std::sync::Arc;

use async_trait::async_trait;
use magento::{Condition, Direction, Filter, SearchCriteria, SearchResult};
use mapping::System;

use super::payment::{ATTEMPT, LEGACY_METHOD, MagentoOrder, OrderPayment, order_method};
use crate::StepError;
use crate::backfill::{Polled, Poller};
use crate::store::{NewJob, Store};
use crate::worker::now_millis;
use crate::workflow::{Entity, EntityKey, JobKind, StepCtx, job};

/// Finds a store's orders in state `new` or `pending_payment` updated since its checkpoint
/// (`magento/{store}/orders` in [`Store::checkpoint`], a Magento `updated_at` such as
/// `2026-11-23 10:00:00`) and enqueues one [`OrderPayment`] job per order.
///
/// The search is inclusive (`updated_at >= checkpoint`) so orders updated in the same second as
/// the last one seen are not missed; seeing an order again is harmless, since enqueuing the same
/// job key is a no-op and a finished job is never run again. The checkpoint advances to the
/// newest `updated_at` seen, after every page was enqueued.
///
/// An order whose payment was declined is paid again once it shows another payment method
/// (saving it updates `updated_at`, so the poll finds the order again): its job is enqueued with
/// [`NewJob::rerun`] when the order's method differs from the one its latest attempt sent (read
/// from the store: one read per order found, two for an order an earlier version charged), or,
/// for an order with no attempt of this version on record, when its status is the
/// failed-payment status. Every other order is enqueued as before (a no-op once its job is done),
/// so a poll does not run finished jobs again.
pub struct MagentoOrderPoller {
    store: Arc<dyn Store>,
    magento: magento::Client,
    flow: OrderPayment,
    page_size: u32,
}

impl std::fmt::Debug for MagentoOrderPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoOrderPoller")
            .field("store_code", &self.store_code())
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl MagentoOrderPoller {
    /// A poller of the orders of `flow`'s store through `magento`, 100 orders a page.
    pub(super) fn new(store: Arc<dyn Store>, magento: magento::Client, flow: OrderPayment) -> Self {
        Self {
            store,
            magento,
            flow,
            page_size: 100,
        }
    }

    fn store_code(&self) -> &str {
        &self.flow.0.config.store_code
    }

    /// Sets the page size (1 to Magento's 300).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, magento::MAX_PAGE_SIZE);
        self
    }

    /// The checkpoint's name: `magento/{store}/orders`.
    pub fn checkpoint_name(&self) -> String {
        format!("magento/{}/orders", self.store_code())
    }

    /// One poll: every page of matching orders, enqueued, then the checkpoint advanced. Returns
    /// the number of orders found (each enqueued once however often it is found).
    pub async fn poll_once(&self) -> Result<usize, StepError> {
        poll_updated(self).await
    }
}

impl MagentoOrderPoller {
    /// Whether order `entity_id`'s job runs again (see the type's docs): its method is not the
    /// latest attempt's, or, with no attempt of this version on record, it has the
    /// failed-payment status. Read without the job's claim: a stale read costs one run of the
    /// job, which decides from its own records.
    async fn pay_again(&self, entity_id: i64, order: &magento::Order) -> Result<bool, StepError> {
        let key = self.flow.0.order_key(entity_id);
        let mut last = None;
        for state in [ATTEMPT.name(), LEGACY_METHOD.name()] {
            let name = key.under(state);
            if let Some(value) = self.store.state(&name).await? {
                last = Some(serde_json::from_value::<String>(value).map_err(|e| {
                    StepError::permanent(format!("{name}: recorded value unreadable: {e}"))
                })?);
                break;
            }
        }
        Ok(match last {
            // An unreadable method is the job's to report (with the order's review comment).
            Some(last) => order_method(order)
                .ok()
                .flatten()
                .is_some_and(|pm| pm != last),
            None => order.status.as_deref() == Some(self.flow.0.config.failure.status.as_str()),
        })
    }
}

#[async_trait]
impl Poller for MagentoOrderPoller {
    const KIND: JobKind = JobKind::new("magento.orders-backfill");
    const SYSTEMS: &'static [System] = &[System::Magento];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Magento, self.store_code()).child(Entity::Backfill, "orders")
    }

    async fn poll(&self, _: &StepCtx<'_>) -> Result<Polled, StepError> {
        Ok(Polled {
            found: self.poll_once().await?,
            ..Polled::default()
        })
    }
}

/// A Magento search polled by `updated_at` from a checkpoint ([`poll_updated`]): the order
/// and customer pollers.
#[async_trait]
pub(super) trait UpdatedRows: Send + Sync {
    /// A row of the search.
    type Row: Send + Sync;
    /// The id column, the second sort key.
    const ID_FIELD: &'static str;
    /// Where the checkpoint is kept.
    fn store(&self) -> &dyn Store;
    /// The checkpoint's name.
    fn checkpoint_name(&self) -> String;
    /// Rows per page.
    fn page_size(&self) -> u32;
    /// The poller's own filters.
    fn criteria(&self) -> SearchCriteria;
    /// One page.
    async fn search(&self, criteria: &SearchCriteria)
    -> Result<SearchResult<Self::Row>, StepError>;
    /// When the row last changed.
    fn updated_at(row: &Self::Row) -> Option<time::OffsetDateTime>;
    /// Takes a row (enqueues its job); `false` when it is skipped.
    async fn take(&self, row: &Self::Row) -> Result<bool, StepError>;
}

/// One poll of `rows`: every page of its criteria updated at or after the checkpoint
/// (inclusive, so rows saved in the checkpoint's second are not missed), sorted by `updated_at`
/// then the id; each row taken; then the checkpoint advanced to the newest `updated_at` seen,
/// after every page was taken. Returns how many rows were taken.
pub(super) async fn poll_updated<P: UpdatedRows>(rows: &P) -> Result<usize, StepError> {
    let name = rows.checkpoint_name();
    let store = rows.store();
    let since = store.checkpoint(&name).await?;
    let criteria = rows.criteria();
    let mut criteria = match &since {
        Some(since) => criteria.filter(Filter::new("updated_at", Condition::Gteq, since)),
        None => criteria,
    }
    .sort("updated_at", Direction::Asc)
    .sort(P::ID_FIELD, Direction::Asc)
    .page_size(rows.page_size());
    let mut newest = since.clone();
    let mut found = 0;
    loop {
        let page = rows.search(&criteria).await?;
        for row in &page.items {
            if !rows.take(row).await? {
                continue;
            }
            found += 1;
            if let Some(updated) = P::updated_at(row).map(magento::timestamp::format)
                && newest.as_deref().is_none_or(|n| updated.as_str() > n)
            {
                newest = Some(updated);
            }
        }
        if page.items.is_empty() || page.is_last_page(&criteria) {
            break;
        }
        criteria = criteria.next_page();
    }
    if let Some(newest) = newest.filter(|n| Some(n) != since.as_ref()) {
        store.set_checkpoint(&name, &newest, now_millis()).await?;
    }
    Ok(found)
}

#[async_trait]
impl UpdatedRows for MagentoOrderPoller {
    type Row = magento::Order;
    const ID_FIELD: &'static str = "entity_id";

    fn store(&self) -> &dyn Store {
        &*self.store
    }

    fn checkpoint_name(&self) -> String {
        MagentoOrderPoller::checkpoint_name(self)
    }

    fn page_size(&self) -> u32 {
        self.page_size
    }

    fn criteria(&self) -> SearchCriteria {
        SearchCriteria::new().filter(Filter::in_list(
            "state",
            [
                magento::OrderState::New.as_str(),
                magento::OrderState::PendingPayment.as_str(),
            ],
        ))
    }

    async fn search(
        &self,
        criteria: &SearchCriteria,
    ) -> Result<SearchResult<magento::Order>, StepError> {
        Ok(self.magento.orders().search(criteria).await?)
    }

    fn updated_at(order: &magento::Order) -> Option<time::OffsetDateTime> {
        order.updated_at
    }

    async fn take(&self, order: &magento::Order) -> Result<bool, StepError> {
        let Some(entity_id) = order.entity_id else {
            tracing::warn!(store = %self.store_code(), "order without entity_id skipped");
            return Ok(false);
        };
        let rerun = self.pay_again(entity_id, order).await?;
        self.store
            .enqueue(
                NewJob {
                    rerun,
                    ..job(&self.flow, &MagentoOrder { entity_id })?
                },
                now_millis(),
            )
            .await?;
        Ok(true)
    }
}

//! Backfill of Magento orders: Magento Open Source sends no webhooks, so orders waiting for
//! payment are found by polling `updated_at` from a checkpoint.

use std::sync::Arc;
use std::time::Duration;

use magento::{Condition, Direction, Filter, SearchCriteria};
use tokio::sync::watch;

use super::MAGENTO_ORDER;
use crate::StepError;
use crate::store::{NewJob, Store};
use crate::worker::now_millis;

/// The [`MAGENTO_ORDER`] job of the order `entity_id` of the store `store_code`: key
/// `magento/{store}/order/{entity_id}`, payload `{"entity_id": ...}`.
pub fn order_job(store_code: &str, entity_id: i64) -> NewJob {
    NewJob {
        kind: MAGENTO_ORDER.to_owned(),
        key: format!("magento/{store_code}/order/{entity_id}"),
        payload: serde_json::json!({ "entity_id": entity_id }),
        run_at: 0,
    }
}

/// Finds a store's orders in state `new` or `pending_payment` updated since its checkpoint
/// (`magento/{store}/orders` in [`Store::checkpoint`], a Magento `updated_at` such as
/// `2026-11-23 10:00:00`) and enqueues one [`MAGENTO_ORDER`] job per order.
///
/// The search is inclusive (`updated_at >= checkpoint`) so orders updated in the same second as
/// the last one seen are not missed; seeing an order again is harmless, since enqueuing the same
/// job key is a no-op and a finished job is never run again. The checkpoint advances to the
/// newest `updated_at` seen, after every page was enqueued.
#[derive(Debug)]
pub struct MagentoOrderPoller<S: Store> {
    store: Arc<S>,
    magento: magento::Client,
    store_code: String,
    page_size: u32,
}

impl<S: Store> MagentoOrderPoller<S> {
    /// A poller of `store_code`'s orders through `magento`, 100 orders a page.
    pub fn new(store: Arc<S>, magento: magento::Client, store_code: impl Into<String>) -> Self {
        Self {
            store,
            magento,
            store_code: store_code.into(),
            page_size: 100,
        }
    }

    /// Sets the page size (1 to Magento's 300).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, magento::MAX_PAGE_SIZE);
        self
    }

    /// The checkpoint's name: `magento/{store}/orders`.
    pub fn checkpoint_name(&self) -> String {
        format!("magento/{}/orders", self.store_code)
    }

    /// One poll: every page of matching orders, enqueued, then the checkpoint advanced. Returns
    /// the number of orders found (each enqueued once however often it is found).
    pub async fn poll_once(&self) -> Result<usize, StepError> {
        let name = self.checkpoint_name();
        let since = self.store.checkpoint(&name).await?;
        let mut criteria = SearchCriteria::new().filter(Filter::in_list(
            "state",
            [
                magento::OrderState::New.as_str(),
                magento::OrderState::PendingPayment.as_str(),
            ],
        ));
        if let Some(since) = &since {
            criteria = criteria.filter(Filter::new("updated_at", Condition::Gteq, since));
        }
        let mut criteria = criteria
            .sort("updated_at", Direction::Asc)
            .sort("entity_id", Direction::Asc)
            .page_size(self.page_size);
        let mut newest = since.clone();
        let mut found = 0;
        loop {
            let page = self.magento.orders().search(&criteria).await?;
            for order in &page.items {
                let Some(id) = order.entity_id else {
                    tracing::warn!(store = %self.store_code, "order without entity_id skipped");
                    continue;
                };
                self.store
                    .enqueue(order_job(&self.store_code, id), now_millis())
                    .await?;
                found += 1;
                if let Some(updated) = &order.updated_at
                    && newest.as_deref().is_none_or(|n| updated.as_str() > n)
                {
                    newest = Some(updated.clone());
                }
            }
            if page.items.is_empty() || page.is_last_page(&criteria) {
                break;
            }
            criteria = criteria.next_page();
        }
        if let Some(newest) = newest.filter(|n| Some(n) != since.as_ref()) {
            self.store
                .set_checkpoint(&name, &newest, now_millis())
                .await?;
        }
        Ok(found)
    }

    /// Polls every `every` until `shutdown` turns true. A failed poll is logged and tried again
    /// at the next tick (the checkpoint only moves after a complete poll).
    pub async fn run(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            match self.poll_once().await {
                Ok(found) => {
                    tracing::debug!(store = %self.store_code, found, "magento orders polled")
                }
                Err(err) => {
                    tracing::warn!(store = %self.store_code, error = %err, "magento order poll failed")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        // Nobody can ask for shutdown any more: keep the pace.
                        tokio::time::sleep(every).await;
                    }
                }
            }
        }
    }
}

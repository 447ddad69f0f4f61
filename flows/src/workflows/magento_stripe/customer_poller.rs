//! Backfill of Magento customers: Magento Open Source sends no customer events, so changed
//! customers are found by polling `updated_at` from a checkpoint (on Adobe Commerce, whose
//! customer events start the sync at once, the poll is the safety net). It runs on the
//! worker's schedule as a [`crate::backfill::Backfill`] job.

use std::sync::Arc;

use async_trait::async_trait;
use magento::{Condition, Direction, Filter, SearchCriteria};
use mapping::System;

use super::customer::{CustomerSync, Origin, sync_job};
use crate::StepError;
use crate::backfill::{Polled, Poller};
use crate::store::Store;
use crate::worker::now_millis;
use crate::workflow::{Entity, EntityKey, JobKind, StepCtx};

/// Finds a store's customers updated since its checkpoint (`magento/{store}/customers` in
/// [`Store::checkpoint`], a Magento `updated_at`) and runs each one's [`CustomerSync`] job once
/// more.
///
/// The search is inclusive (`updated_at >= checkpoint`) so customers saved in the same second
/// as the last one seen are not missed. The customers of that last second are therefore run
/// again by the next poll; such a run finds both sides agreeing with the fingerprint and
/// writes nothing (a Magento read and a Stripe read each). The checkpoint advances to the
/// newest `updated_at` seen, after every page was enqueued.
pub struct MagentoCustomerPoller {
    store: Arc<dyn Store>,
    magento: magento::Client,
    flow: CustomerSync,
    page_size: u32,
}

impl std::fmt::Debug for MagentoCustomerPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoCustomerPoller")
            .field("store_code", &self.store_code())
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl MagentoCustomerPoller {
    /// A poller of the customers of `flow`'s store through `magento`, 100 a page.
    pub(super) fn new(store: Arc<dyn Store>, magento: magento::Client, flow: CustomerSync) -> Self {
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

    /// The checkpoint's name: `magento/{store}/customers`.
    pub fn checkpoint_name(&self) -> String {
        format!("magento/{}/customers", self.store_code())
    }

    /// One poll: every page of customers changed since the checkpoint, each one's sync job
    /// enqueued to run once more, then the checkpoint advanced. Returns how many were found.
    pub async fn poll_once(&self) -> Result<usize, StepError> {
        let name = self.checkpoint_name();
        let since = self.store.checkpoint(&name).await?;
        let mut criteria = SearchCriteria::new();
        if let Some(since) = &since {
            criteria = criteria.filter(Filter::new("updated_at", Condition::Gteq, since));
        }
        let mut criteria = criteria
            .sort("updated_at", Direction::Asc)
            .sort("id", Direction::Asc)
            .page_size(self.page_size);
        let mut newest = since.clone();
        let mut found = 0;
        loop {
            let page = self.magento.customers().search(&criteria).await?;
            for customer in &page.items {
                let Some(id) = customer.id else {
                    tracing::warn!(store = %self.store_code(), "customer without id skipped");
                    continue;
                };
                let job = sync_job(&self.flow, id, Origin::Magento { event: None })?;
                self.store.enqueue(job, now_millis()).await?;
                found += 1;
                if let Some(updated) = customer.updated_at.map(magento::timestamp::format)
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
            self.store
                .set_checkpoint(&name, &newest, now_millis())
                .await?;
        }
        Ok(found)
    }
}

#[async_trait]
impl Poller for MagentoCustomerPoller {
    const KIND: JobKind = JobKind::new("magento.customers-backfill");
    const SYSTEMS: &'static [System] = &[System::Magento];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Magento, self.store_code()).child(Entity::Backfill, "customers")
    }

    async fn poll(&self, _: &StepCtx<'_>) -> Result<Polled, StepError> {
        Ok(Polled {
            found: self.poll_once().await?,
            ..Polled::default()
        })
    }
}

//! Backfill of Magento customers: Magento Open Source sends no customer events, so changed
//! customers are found by polling `updated_at` from a checkpoint (on Adobe Commerce, whose
//! customer events start the sync at once, the poll is the safety net). It runs on the
//! worker's schedule as a [`crate::backfill::Backfill`] job.

use std::sync::Arc;

use async_trait::async_trait;
use magento::{SearchCriteria, SearchResult};
use mapping::System;

use super::customer::{CustomerSync, Origin, sync_job};
use super::poller::{UpdatedRows, poll_updated};
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
        poll_updated(self).await
    }
}

#[async_trait]
impl UpdatedRows for MagentoCustomerPoller {
    type Row = magento::Customer;
    const ID_FIELD: &'static str = "id";

    fn store(&self) -> &dyn Store {
        &*self.store
    }

    fn checkpoint_name(&self) -> String {
        MagentoCustomerPoller::checkpoint_name(self)
    }

    fn page_size(&self) -> u32 {
        self.page_size
    }

    fn criteria(&self) -> SearchCriteria {
        SearchCriteria::new()
    }

    async fn search(
        &self,
        criteria: &SearchCriteria,
    ) -> Result<SearchResult<magento::Customer>, StepError> {
        Ok(self.magento.customers().search(criteria).await?)
    }

    fn updated_at(customer: &magento::Customer) -> Option<time::OffsetDateTime> {
        customer.updated_at
    }

    async fn take(&self, customer: &magento::Customer) -> Result<bool, StepError> {
        let Some(id) = customer.id else {
            tracing::warn!(store = %self.store_code(), "customer without id skipped");
            return Ok(false);
        };
        let job = sync_job(&self.flow, id, Origin::Magento { event: None })?;
        self.store.enqueue(job, now_millis()).await?;
        Ok(true)
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

//! One intake route for the warehouse's shipment notices, whichever store pair the order is of:
//! [`notice_route`].

use std::sync::Arc;

use mapping::{MappingError, System};
use serde::Deserialize;

use super::SHIPMENT_CREATED;
use crate::StepError;
use crate::intake::{Delivery, Route};
use crate::store::NewJob;
use crate::workflow::decode;

type Plan = dyn Fn(&Delivery<'_>) -> Result<NewJob, StepError> + Send + Sync;

/// How one store pair turns a shipment notice about one of its orders into a job: the store
/// (`order.system`) and account (`order.account`) it serves, and its planner. A workflow pair
/// gives its own (`MagentoStripe::shipment_notices`, `ShopifyPaytrace::shipment_notices`);
/// [`notice_route`] combines them.
#[derive(Clone)]
pub struct NoticePlan {
    system: System,
    account: String,
    plan: Arc<Plan>,
}

impl std::fmt::Debug for NoticePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticePlan")
            .field("system", &self.system)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl NoticePlan {
    /// Notices about `system`'s orders in `account` go to `plan`.
    pub fn new(
        system: System,
        account: impl Into<String>,
        plan: impl Fn(&Delivery<'_>) -> Result<NewJob, StepError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            system,
            account: account.into(),
            plan: Arc::new(plan),
        }
    }

    /// The store.
    pub fn system(&self) -> System {
        self.system
    }

    /// The store's account.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The job of `delivery`.
    pub fn plan(&self, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
        (self.plan)(delivery)
    }
}

/// The `(System::Warehouse, "shipment.created")` route of a service running several store pairs:
/// each notice goes to the [`NoticePlan`] whose store and account are the notice's
/// `order.system` and `order.account`.
///
/// The intake keeps one route per (system, topic), and [`crate::intake::Intake::route`] replaces
/// an earlier one of the same system and topic: add this route *after* every pair's
/// `routes()`, so that it replaces the single-pair notice route one of them may carry
/// (`MagentoStripe::routes` does). A notice whose `order.system` no plan serves is stored with a
/// dead letter naming `order.system`; one whose store is served but not its account, naming
/// `order.account`. When two plans serve the same store and account, the first wins.
///
/// ```no_run
/// # #[cfg(all(feature = "magento", feature = "stripe", feature = "shopify", feature = "paytrace"))]
/// # fn build(
/// #     store: std::sync::Arc<flows::SqliteStore>,
/// #     magento: flows::workflows::magento_stripe::MagentoStripe,
/// #     shopify: flows::workflows::shopify_paytrace::ShopifyPaytrace,
/// # ) {
/// use flows::fulfilment::{WarehouseWebhooks, notice_route};
/// use flows::intake::Intake;
/// use secrecy::SecretString;
///
/// let intake = Intake::new(store)
///     .source(WarehouseWebhooks::new(SecretString::from("whsec_...")))
///     .routes(magento.routes())
///     .routes(shopify.routes())
///     // Last: it replaces the Magento-only notice route.
///     .route(notice_route([magento.shipment_notices(), shopify.shipment_notices()]));
/// # let _ = intake;
/// # }
/// ```
pub fn notice_route(plans: impl IntoIterator<Item = NoticePlan>) -> Route {
    let plans: Vec<NoticePlan> = plans.into_iter().collect();
    Route::new(
        System::Warehouse,
        SHIPMENT_CREATED,
        move |d: &Delivery<'_>| dispatch(&plans, d),
    )
}

/// The plan of a notice by its `order.system` and `order.account`.
fn dispatch(plans: &[NoticePlan], delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
    #[derive(Deserialize)]
    struct Head {
        order: Store,
    }
    #[derive(Deserialize)]
    struct Store {
        system: String,
        account: String,
    }
    let head: Head = decode(delivery.body, delivery.topic)?;
    let store = &head.order;
    let mut of_system = plans
        .iter()
        .filter(|p| p.system.as_str() == store.system)
        .peekable();
    if of_system.peek().is_none() {
        return Err(MappingError::InvalidValue {
            field: "order.system".to_owned(),
            value: store.system.clone(),
            expected: "a store a configured workflow pair serves",
        }
        .into());
    }
    let plan = of_system
        .find(|p| p.account == store.account)
        .ok_or_else(|| MappingError::InvalidValue {
            field: "order.account".to_owned(),
            value: store.account.clone(),
            expected: "an account a configured workflow pair serves",
        })?;
    plan.plan(delivery)
}

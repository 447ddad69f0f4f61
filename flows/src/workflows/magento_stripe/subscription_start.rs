//! Subscriptions started from the store: a Stripe subscription for a Magento customer, charged
//! to the payment method the customer saved (see [`MagentoStripe::start_subscription`]).

use mapping::System;
use mapping::stripe::{META_STORE, META_STORE_CODE, customer_id_key};
use stripe_client::{CreateSubscription, CreateSubscriptionItem, Metadata};
use thiserror::Error;

use super::{MagentoStripe, Shared};
use crate::{FlowError, Store};

/// Stripe's limit on an `Idempotency-Key` (<https://docs.stripe.com/api/idempotent_requests>:
/// "Keys can be up to 255 characters long").
const KEY_LIMIT: usize = 255;

/// What [`MagentoStripe::start_subscription`] starts: which customer, which prices, charged to
/// which payment method, sent under which `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StartSubscription {
    /// The Magento customer's id.
    pub magento_customer_id: i64,
    /// The Stripe prices (`price_...`) and their quantities (at least one each).
    pub items: Vec<(String, u64)>,
    /// The payment method (`pm_...`, attached to the customer) the invoices are charged to;
    /// `None`: the customer's default (`invoice_settings.default_payment_method`).
    pub payment_method: Option<String>,
    /// The request's `Idempotency-Key` (1 to 255 characters): the same key starts one
    /// subscription however often it is sent (within Stripe's 24 hours).
    pub idempotency_key: String,
}

impl StartSubscription {
    /// A subscription of Magento customer `magento_customer_id` to `items` (price id and
    /// quantity), charged to the customer's default payment method, sent under
    /// `idempotency_key`.
    pub fn new(
        magento_customer_id: i64,
        items: Vec<(String, u64)>,
        idempotency_key: impl Into<String>,
    ) -> Self {
        Self {
            magento_customer_id,
            items,
            payment_method: None,
            idempotency_key: idempotency_key.into(),
        }
    }

    /// Charges the invoices to `payment_method` (`pm_...`) rather than the customer's default.
    #[must_use]
    pub fn payment_method(mut self, payment_method: impl Into<String>) -> Self {
        self.payment_method = Some(payment_method.into());
        self
    }

    /// Checks the request without calling anything (as [`MagentoStripe::start_subscription`]
    /// does first): a [`SubscriptionError::Invalid`] names the field.
    pub fn check(&self) -> Result<(), SubscriptionError> {
        let invalid = |field: &'static str, reason: &str| {
            Err(SubscriptionError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.magento_customer_id <= 0 {
            return invalid("magento_customer_id", "must be a positive Magento id");
        }
        if self.items.is_empty() {
            return invalid("items", "name at least one price");
        }
        for (price, quantity) in &self.items {
            if price.trim().is_empty() {
                return invalid("items", "a price id is blank");
            }
            if *quantity == 0 {
                return invalid("items", "a quantity is 0");
            }
        }
        let key = &self.idempotency_key;
        if key.trim().is_empty()
            || key.len() > KEY_LIMIT
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return invalid(
                "idempotency_key",
                "must be 1 to 255 visible ASCII characters",
            );
        }
        if self
            .payment_method
            .as_deref()
            .is_some_and(|pm| pm.trim().is_empty())
        {
            return invalid("payment_method", "is blank");
        }
        Ok(())
    }
}

/// Why a subscription was not started.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The request is malformed (nothing was called).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field (`items`, `idempotency_key`, ...).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The Magento customer has no Stripe customer: neither the customer sync's link nor a
    /// Stripe customer whose `metadata.magento_customer_id` names it (run its customer sync).
    #[error("Magento customer {magento_customer_id} is not linked to a Stripe customer")]
    NotLinked {
        /// The Magento customer.
        magento_customer_id: i64,
    },
    /// Several Stripe customers of this store name the Magento customer in their metadata:
    /// none is taken (merge them in Stripe).
    #[error(
        "Magento customer {magento_customer_id} is named by several Stripe customers: {stripe_customers:?}"
    )]
    SeveralCustomers {
        /// The Magento customer.
        magento_customer_id: i64,
        /// The Stripe customers (`cus_...`).
        stripe_customers: Vec<String>,
    },
    /// No payment method was given and the Stripe customer has no default one
    /// (`invoice_settings.default_payment_method`) to charge.
    #[error(
        "Stripe customer {stripe_customer} (Magento customer {magento_customer_id}) has no saved default payment method"
    )]
    NoPaymentMethod {
        /// The Magento customer.
        magento_customer_id: i64,
        /// Its Stripe customer (`cus_...`).
        stripe_customer: String,
    },
    /// Stripe refused or failed (a price that does not exist, a payment method not attached
    /// to the customer, a network error).
    #[error("stripe: {0}")]
    Stripe(#[from] stripe_client::Error),
    /// The runtime store could not be read, or its link record is unreadable.
    #[error("{0}")]
    Store(#[from] FlowError),
}

impl MagentoStripe {
    /// Starts a Stripe subscription to `request.items` for a Magento customer that has a saved
    /// payment method, sent under `request.idempotency_key`.
    ///
    /// The customer's Stripe customer is the one the customer sync linked (the state
    /// `magento/{store}/customer/{id}/stripe/link` in `store`); without a link, the Stripe
    /// customer of this store whose `metadata.magento_customer_id` names it (Stripe's search,
    /// which can lag a new customer by about a minute:
    /// <https://docs.stripe.com/search#data-freshness>). The subscription carries
    /// `metadata.magento_customer_id`, `metadata.store_code` and `metadata.store=magento`, and
    /// `default_payment_method` when `request.payment_method` names one; otherwise Stripe
    /// charges the customer's `invoice_settings.default_payment_method`, which must exist.
    ///
    /// The first invoice (`billing_reason` `subscription_create`) is charged at once
    /// (`payment_behavior` left at Stripe's default `allow_incomplete`): the returned
    /// subscription is `active` when it was paid, `incomplete` when it was declined
    /// (<https://docs.stripe.com/api/subscriptions/create>). Its storefront order, if any, is the
    /// store's.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::magento_stripe::MagentoStripe,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::workflows::magento_stripe::StartSubscription;
    /// let request = StartSubscription::new(42, vec![("price_coffee".into(), 2)], "sub-42-coffee");
    /// let subscription = flows.start_subscription(&*store, &request).await?;
    /// println!("{} {:?}", subscription.id, subscription.status);
    /// # Ok(()) }
    /// ```
    pub async fn start_subscription(
        &self,
        store: &dyn Store,
        request: &StartSubscription,
    ) -> Result<stripe_client::Subscription, SubscriptionError> {
        request.check()?;
        let shared = &*self.shared;
        let customer_id = request.magento_customer_id;
        let stripe_id = match shared.stored_stripe_customer(store, customer_id).await? {
            Some(linked) => linked,
            None => searched_customer(shared, customer_id).await?,
        };
        let customer = shared.stripe.customers().retrieve(&stripe_id).await?;
        if customer.deleted {
            return Err(SubscriptionError::NotLinked {
                magento_customer_id: customer_id,
            });
        }
        let has_default = customer
            .invoice_settings
            .as_ref()
            .is_some_and(|s| s.default_payment_method.is_some());
        if request.payment_method.is_none() && !has_default {
            return Err(SubscriptionError::NoPaymentMethod {
                magento_customer_id: customer_id,
                stripe_customer: stripe_id,
            });
        }
        let params = subscription_params(shared, &stripe_id, request);
        let subscription = shared
            .stripe
            .subscriptions()
            .idempotency_key(request.idempotency_key.as_str())
            .create(&params)
            .await?;
        tracing::info!(magento = customer_id, stripe = %stripe_id, subscription = %subscription.id, status = ?subscription.status, "subscription started");
        Ok(subscription)
    }
}

/// The Stripe customer of this store whose metadata names Magento customer `customer_id`.
async fn searched_customer(shared: &Shared, customer_id: i64) -> Result<String, SubscriptionError> {
    let not_linked = SubscriptionError::NotLinked {
        magento_customer_id: customer_id,
    };
    let found: Vec<String> = super::customer::customers_naming(shared, customer_id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    match <[String; 1]>::try_from(found) {
        Ok([one]) => Ok(one),
        Err(found) if found.is_empty() => Err(not_linked),
        Err(several) => Err(SubscriptionError::SeveralCustomers {
            magento_customer_id: customer_id,
            stripe_customers: several,
        }),
    }
}

/// `POST /v1/subscriptions` of a checked request for Stripe customer `stripe_customer`.
fn subscription_params(
    shared: &Shared,
    stripe_customer: &str,
    request: &StartSubscription,
) -> CreateSubscription {
    let mut metadata = Metadata::new();
    metadata.insert(META_STORE.to_owned(), System::Magento.as_str().to_owned());
    metadata.insert(META_STORE_CODE.to_owned(), shared.config.store_code.clone());
    if let Some(key) = customer_id_key(System::Magento) {
        metadata.insert(key.to_owned(), request.magento_customer_id.to_string());
    }
    CreateSubscription {
        items: request
            .items
            .iter()
            .map(|(price, quantity)| CreateSubscriptionItem::new(price.trim(), *quantity))
            .collect(),
        default_payment_method: request.payment_method.clone(),
        metadata,
        ..CreateSubscription::new(stripe_customer)
    }
}

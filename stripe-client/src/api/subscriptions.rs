//! `/v1/subscriptions`: create, retrieve, update, cancel, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops, request_enum};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Metadata, Subscription, SubscriptionStatus};

handler! {
    /// Subscriptions.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CancelSubscription, CreateSubscription, CreateSubscriptionItem};
    /// let sub = client
    ///     .subscriptions()
    ///     .create(&CreateSubscription {
    ///         items: vec![CreateSubscriptionItem::new("price_123", 1)],
    ///         ..CreateSubscription::new("cus_123")
    ///     })
    ///     .await?;
    /// client.subscriptions().cancel(&sub.id, &CancelSubscription::default()).await?;
    /// # Ok(()) }
    /// ```
    SubscriptionsApi, subscriptions
}

list_ops!(
    SubscriptionsApi,
    ListSubscriptions,
    Subscription,
    ["v1", "subscriptions"]
);

impl<E> SubscriptionsApi<'_, E> {
    /// `POST /v1/subscriptions`.
    pub async fn create(&self, params: &CreateSubscription) -> Result<Subscription, Error> {
        self.client
            .call(Method::POST, &["v1", "subscriptions"], params, &self.opts)
            .await
    }

    /// `GET /v1/subscriptions/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Subscription, Error> {
        self.client
            .call(Method::GET, &["v1", "subscriptions", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/subscriptions/{id}`.
    pub async fn update(
        &self,
        id: &str,
        params: &UpdateSubscription,
    ) -> Result<Subscription, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "subscriptions", id],
                params,
                &self.opts,
            )
            .await
    }

    /// `DELETE /v1/subscriptions/{id}`: cancels at once. (To cancel at the period end, update
    /// with `cancel_at_period_end: Some(true)` instead.)
    pub async fn cancel(
        &self,
        id: &str,
        params: &CancelSubscription,
    ) -> Result<Subscription, Error> {
        self.client
            .call(
                Method::DELETE,
                &["v1", "subscriptions", id],
                params,
                &self.opts,
            )
            .await
    }
}

/// Parameters of `POST /v1/subscriptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateSubscription {
    /// Customer id (required).
    pub customer: String,
    /// Prices and quantities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CreateSubscriptionItem>,
    /// How invoices are paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_method: Option<CollectionMethod>,
    /// Days to pay an invoice (with `send_invoice`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_until_due: Option<u32>,
    /// Default PaymentMethod id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_payment_method: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// What happens when the first payment needs action or fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_behavior: Option<PaymentBehavior>,
    /// Trial length in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<u32>,
}

impl CreateSubscription {
    /// A subscription for `customer`, without items yet.
    pub fn new(customer: impl Into<String>) -> Self {
        CreateSubscription {
            customer: customer.into(),
            ..Self::default()
        }
    }
}

/// One item of a new subscription (`items[]` of `POST /v1/subscriptions`). Items of an update,
/// which can name, change and delete existing items, are [`UpdateSubscriptionItem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateSubscriptionItem {
    /// Price id.
    pub price: String,
    /// Quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl CreateSubscriptionItem {
    /// `quantity` of `price`.
    pub fn new(price: impl Into<String>, quantity: u64) -> Self {
        CreateSubscriptionItem {
            price: price.into(),
            quantity: Some(quantity),
            metadata: Metadata::new(),
        }
    }
}

/// One item of a subscription update (`items[]` of `POST /v1/subscriptions/{id}`): a new item
/// (no `id`), or a change to an existing one (`id`), or its removal (`id` and `deleted`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateSubscriptionItem {
    /// Existing subscription item (`si_...`) to change or delete; `None` adds an item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Price id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// Remove the item `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// With `deleted`: also delete the item's usage (metered prices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_usage: Option<bool>,
    /// Keys to set (an empty value removes the key).
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl UpdateSubscriptionItem {
    /// A new item: `quantity` of `price`.
    pub fn add(price: impl Into<String>, quantity: u64) -> Self {
        UpdateSubscriptionItem {
            price: Some(price.into()),
            quantity: Some(quantity),
            ..Self::default()
        }
    }

    /// Removes the existing item `id`.
    pub fn delete(id: impl Into<String>) -> Self {
        UpdateSubscriptionItem {
            id: Some(id.into()),
            deleted: Some(true),
            ..Self::default()
        }
    }
}

request_enum! {
    /// How a subscription's invoices are paid.
    pub enum CollectionMethod {
        /// Stripe charges the default payment method.
        ChargeAutomatically = "charge_automatically",
        /// Stripe emails an invoice for the customer to pay.
        SendInvoice = "send_invoice",
    }
}

request_enum! {
    /// What a subscription create or update does when its payment needs action or fails.
    pub enum PaymentBehavior {
        /// Keep the subscription `incomplete` (or `past_due`) and its invoice open.
        AllowIncomplete = "allow_incomplete",
        /// Create the subscription `incomplete` and leave the payment to a later confirmation.
        DefaultIncomplete = "default_incomplete",
        /// Fail the request with an error (HTTP 402) when the payment fails.
        ErrorIfIncomplete = "error_if_incomplete",
        /// Apply an update only once its payment succeeds.
        PendingIfIncomplete = "pending_if_incomplete",
    }
}

request_enum! {
    /// How a subscription update prorates.
    pub enum ProrationBehavior {
        /// Prorate and invoice the proration at once.
        AlwaysInvoice = "always_invoice",
        /// Prorate on the next invoice (Stripe's default).
        CreateProrations = "create_prorations",
        /// No proration.
        None = "none",
    }
}

/// Parameters of `POST /v1/subscriptions/{id}`. Unset fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateSubscription {
    /// Items to add, change (with `id`) or delete (with `id` and `deleted`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<UpdateSubscriptionItem>,
    /// Cancel at the end of the current period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_at_period_end: Option<bool>,
    /// Default PaymentMethod id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_payment_method: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keys to set (an empty value removes the key).
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// How the change is prorated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proration_behavior: Option<ProrationBehavior>,
}

/// Parameters of `DELETE /v1/subscriptions/{id}` (sent in the query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CancelSubscription {
    /// Invoice pending usage and prorations now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_now: Option<bool>,
    /// Credit the unused time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prorate: Option<bool>,
}

/// Filters of `GET /v1/subscriptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListSubscriptions {
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only subscriptions with this price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Only this status (Stripe also accepts `all` and `ended`, as `Other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SubscriptionStatus>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

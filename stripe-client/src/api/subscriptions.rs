//! `/v1/subscriptions`: create, retrieve, update, cancel, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Metadata, Subscription, SubscriptionStatus};

handler! {
    /// Subscriptions.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CancelSubscription, CreateSubscription, SubscriptionItemParams};
    /// let sub = client
    ///     .subscriptions()
    ///     .create(&CreateSubscription {
    ///         items: vec![SubscriptionItemParams::price("price_123", 1)],
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

impl SubscriptionsApi<'_> {
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
    pub items: Vec<SubscriptionItemParams>,
    /// `charge_automatically` or `send_invoice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_method: Option<String>,
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
    /// `allow_incomplete`, `default_incomplete`, `error_if_incomplete` or `pending_if_incomplete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_behavior: Option<String>,
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

/// One item of a subscription create or update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubscriptionItemParams {
    /// Existing subscription item id (`si_...`), to change or delete it on update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Price id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// Remove the item (update only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl SubscriptionItemParams {
    /// A new item: `quantity` of `price`.
    pub fn price(price: impl Into<String>, quantity: u64) -> Self {
        SubscriptionItemParams {
            price: Some(price.into()),
            quantity: Some(quantity),
            ..Self::default()
        }
    }
}

/// Parameters of `POST /v1/subscriptions/{id}`. Unset fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateSubscription {
    /// Items to add, change (with `id`) or delete (with `id` and `deleted`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<SubscriptionItemParams>,
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
    /// `always_invoice`, `create_prorations` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proration_behavior: Option<String>,
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

//! `/v1/refunds`: create, retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops, request_enum};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Metadata, Refund};

handler! {
    /// Refunds.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::CreateRefund;
    /// let refund = client
    ///     .refunds()
    ///     .idempotency_key("magento/creditmemo/77/refund")
    ///     .create(&CreateRefund {
    ///         payment_intent: Some("pi_123".into()),
    ///         amount: Some(500),
    ///         ..CreateRefund::default()
    ///     })
    ///     .await?;
    /// println!("{} {:?}", refund.id, refund.status);
    /// # Ok(()) }
    /// ```
    RefundsApi, refunds
}

list_ops!(RefundsApi, ListRefunds, Refund, ["v1", "refunds"]);

impl<E> RefundsApi<'_, E> {
    /// `POST /v1/refunds`. Give either `charge` or `payment_intent`.
    pub async fn create(&self, params: &CreateRefund) -> Result<Refund, Error> {
        self.client
            .call(Method::POST, &["v1", "refunds"], params, &self.opts)
            .await
    }

    /// `GET /v1/refunds/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Refund, Error> {
        self.client
            .call(Method::GET, &["v1", "refunds", id], &(), &self.opts)
            .await
    }
}

/// Parameters of `POST /v1/refunds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateRefund {
    /// Charge to refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// PaymentIntent to refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// Amount in minor units (default: all that remains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Why the money is returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<CreateRefundReason>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

request_enum! {
    /// The reasons a caller may give for a refund. The response's `RefundReason` also has
    /// `expired_uncaptured_charge`, which only Stripe sets; the API refuses it as a parameter.
    pub enum CreateRefundReason {
        /// The payment was a duplicate.
        Duplicate = "duplicate",
        /// The payment was fraudulent: Stripe also adds the card and email to the block lists.
        Fraudulent = "fraudulent",
        /// The customer asked for the refund.
        RequestedByCustomer = "requested_by_customer",
    }
}

/// Filters of `GET /v1/refunds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListRefunds {
    /// Only this charge's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// Only this PaymentIntent's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

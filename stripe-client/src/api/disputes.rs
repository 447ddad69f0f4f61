//! `/v1/disputes`: retrieve, list, update (evidence), close.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Dispute, Metadata};

handler! {
    /// Disputes.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{UpdateDispute, UpdateDisputeEvidence};
    /// let evidence = UpdateDisputeEvidence {
    ///     shipping_tracking_number: Some("1Z999AA10123456784".into()),
    ///     shipping_carrier: Some("UPS".into()),
    ///     ..UpdateDisputeEvidence::default()
    /// };
    /// let dispute = client
    ///     .disputes()
    ///     .update("dp_123", &UpdateDispute { evidence: Some(evidence), submit: Some(true), ..UpdateDispute::default() })
    ///     .await?;
    /// println!("{}", dispute.status);
    /// # Ok(()) }
    /// ```
    DisputesApi, disputes
}

list_ops!(DisputesApi, ListDisputes, Dispute, ["v1", "disputes"]);

impl<E> DisputesApi<'_, E> {
    /// `GET /v1/disputes/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Dispute, Error> {
        self.client
            .call(Method::GET, &["v1", "disputes", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/disputes/{id}`: stages (or, with `submit`, submits) evidence.
    pub async fn update(&self, id: &str, params: &UpdateDispute) -> Result<Dispute, Error> {
        self.client
            .call(Method::POST, &["v1", "disputes", id], params, &self.opts)
            .await
    }

    /// `POST /v1/disputes/{id}/close`: accepts the dispute as lost. Cannot be undone.
    pub async fn close(&self, id: &str) -> Result<Dispute, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "disputes", id, "close"],
                &(),
                &self.opts,
            )
            .await
    }
}

/// Parameters of `POST /v1/disputes/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateDispute {
    /// Evidence fields to set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<UpdateDisputeEvidence>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Submit the evidence to the bank now (default: only stage it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit: Option<bool>,
}

/// The `evidence` parameter of a dispute update: text, and File ids (`file_...`) of uploads.
/// (The response's `DisputeEvidence` differs: its file fields can be expanded into File objects,
/// and it carries Stripe's own `enhanced_evidence` and `appeal` state.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateDisputeEvidence {
    /// Server or activity logs showing the customer accessed the product (text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_activity_log: Option<String>,
    /// Billing address of the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<String>,
    /// Subscription cancellation policy (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_policy: Option<String>,
    /// How the cancellation policy was shown to the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_policy_disclosure: Option<String>,
    /// Why the customer's subscription was not canceled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_rebuttal: Option<String>,
    /// Communication with the customer (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_communication: Option<String>,
    /// Customer's email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email_address: Option<String>,
    /// Customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// IP address of the purchase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_purchase_ip: Option<String>,
    /// Customer's signature (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_signature: Option<String>,
    /// Documentation that the charges are not duplicates (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_documentation: Option<String>,
    /// Why the charges are not duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_explanation: Option<String>,
    /// Id of the charge that looks like a duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_id: Option<String>,
    /// Description of the product or service sold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_description: Option<String>,
    /// Receipt sent to the customer (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// Refund policy (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_policy: Option<String>,
    /// How the refund policy was shown to the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_policy_disclosure: Option<String>,
    /// Why the customer is not entitled to a refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_refusal_explanation: Option<String>,
    /// When the service was rendered (free text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_date: Option<String>,
    /// Proof of the service (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_documentation: Option<String>,
    /// Address the product was shipped to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<String>,
    /// Delivery service used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_carrier: Option<String>,
    /// When the product was shipped (free text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_date: Option<String>,
    /// Proof of shipment (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_documentation: Option<String>,
    /// Tracking number(s) of the shipment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_tracking_number: Option<String>,
    /// Any other evidence (File id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncategorized_file: Option<String>,
    /// Any other evidence or statements (text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncategorized_text: Option<String>,
}

/// Filters of `GET /v1/disputes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListDisputes {
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

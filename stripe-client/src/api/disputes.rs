//! `/v1/disputes`: retrieve, list, update (evidence), close.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Dispute, DisputeEvidence, Metadata};

handler! {
    /// Disputes.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{DisputeEvidence, UpdateDispute};
    /// let evidence = DisputeEvidence {
    ///     shipping_tracking_number: Some("1Z999AA10123456784".into()),
    ///     shipping_carrier: Some("UPS".into()),
    ///     ..DisputeEvidence::default()
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

impl DisputesApi<'_> {
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
    pub evidence: Option<DisputeEvidence>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Submit the evidence to the bank now (default: only stage it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit: Option<bool>,
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

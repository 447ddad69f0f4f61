//! `/v1/radar/early_fraud_warnings`: retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::PageParams;
use crate::models::EarlyFraudWarning;

handler! {
    /// Radar early fraud warnings.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// let warning = client.early_fraud_warnings().retrieve("issfr_123").await?;
    /// if warning.actionable {
    ///     println!("refund {} to avoid a dispute", warning.charge.id());
    /// }
    /// # Ok(()) }
    /// ```
    EarlyFraudWarningsApi, early_fraud_warnings
}

list_ops!(
    EarlyFraudWarningsApi,
    ListEarlyFraudWarnings,
    EarlyFraudWarning,
    ["v1", "radar", "early_fraud_warnings"]
);

impl<E> EarlyFraudWarningsApi<'_, E> {
    /// `GET /v1/radar/early_fraud_warnings/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<EarlyFraudWarning, Error> {
        self.client
            .call(
                Method::GET,
                &["v1", "radar", "early_fraud_warnings", id],
                &(),
                &self.opts,
            )
            .await
    }
}

/// Filters of `GET /v1/radar/early_fraud_warnings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListEarlyFraudWarnings {
    /// Only this charge's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// Only this PaymentIntent's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

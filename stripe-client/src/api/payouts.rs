//! `/v1/payouts`: retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Payout, PayoutStatus};

handler! {
    /// Payouts.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use futures::StreamExt;
    /// use stripe_client::{ListPayouts, PayoutStatus};
    /// let params = ListPayouts { status: Some(PayoutStatus::Paid), ..ListPayouts::default() };
    /// let mut payouts = client.payouts().list_all(&params)?;
    /// while let Some(payout) = payouts.next().await {
    ///     let payout = payout?;
    ///     println!("{} {} {}", payout.id, payout.amount, payout.currency);
    /// }
    /// # Ok(()) }
    /// ```
    PayoutsApi, payouts
}

list_ops!(PayoutsApi, ListPayouts, Payout, ["v1", "payouts"]);

impl<E> PayoutsApi<'_, E> {
    /// `GET /v1/payouts/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Payout, Error> {
        self.client
            .call(Method::GET, &["v1", "payouts", id], &(), &self.opts)
            .await
    }
}

/// Filters of `GET /v1/payouts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPayouts {
    /// Arrival date filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival_date: Option<RangeQuery>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Only payouts to this bank account or card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Only payouts in this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PayoutStatus>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

//! `/v1/charges`: retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::Charge;

handler! {
    /// Charges (read-only here: payments are made with PaymentIntents).
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// let charge = client.charges().expand(["balance_transaction"]).retrieve("ch_123").await?;
    /// let fee = charge.balance_transaction.as_ref().and_then(|b| b.as_object()).map(|b| b.fee);
    /// println!("{} {} fee {:?}", charge.amount, charge.currency, fee);
    /// # Ok(()) }
    /// ```
    ChargesApi, charges
}

list_ops!(ChargesApi, ListCharges, Charge, ["v1", "charges"]);

impl<E> ChargesApi<'_, E> {
    /// `GET /v1/charges/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Charge, Error> {
        self.client
            .call(Method::GET, &["v1", "charges", id], &(), &self.opts)
            .await
    }
}

/// Filters of `GET /v1/charges`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListCharges {
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only this PaymentIntent's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

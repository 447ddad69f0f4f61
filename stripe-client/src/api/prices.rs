//! `/v1/prices`: create, retrieve, list (per-unit prices, one-time or recurring).

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops, request_enum};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Currency, Metadata, Price};

handler! {
    /// Prices.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CreatePrice, CreatePriceRecurring, PriceInterval};
    /// let price = client
    ///     .prices()
    ///     .create(&CreatePrice {
    ///         recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 1)),
    ///         ..CreatePrice::new("prod_123", 1500, "usd")
    ///     })
    ///     .await?;
    /// println!("{} {:?}", price.id, price.unit_amount);
    /// # Ok(()) }
    /// ```
    PricesApi, prices
}

list_ops!(PricesApi, ListPrices, Price, ["v1", "prices"]);

impl<E> PricesApi<'_, E> {
    /// `POST /v1/prices`.
    pub async fn create(&self, params: &CreatePrice) -> Result<Price, Error> {
        self.client
            .call(Method::POST, &["v1", "prices"], params, &self.opts)
            .await
    }

    /// `GET /v1/prices/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Price, Error> {
        self.client
            .call(Method::GET, &["v1", "prices", id], &(), &self.opts)
            .await
    }
}

/// Parameters of `POST /v1/prices`: a per-unit price of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatePrice {
    /// Currency.
    pub currency: Currency,
    /// Product id (`prod_...`).
    pub product: String,
    /// Amount per unit in minor units of `currency` (1500 = 15.00 USD).
    pub unit_amount: i64,
    /// Recurrence; `None` for a one-time price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring: Option<CreatePriceRecurring>,
    /// Whether it can be used (Stripe's default: `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// A name for you, not shown to customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl CreatePrice {
    /// A one-time price of `unit_amount` minor units of `currency` for `product`.
    pub fn new(
        product: impl Into<String>,
        unit_amount: i64,
        currency: impl Into<Currency>,
    ) -> Self {
        CreatePrice {
            currency: currency.into(),
            product: product.into(),
            unit_amount,
            recurring: None,
            active: None,
            nickname: None,
            metadata: Metadata::new(),
        }
    }
}

request_enum! {
    /// The unit of a recurring price's billing interval.
    pub enum PriceInterval {
        /// Daily.
        Day = "day",
        /// Weekly.
        Week = "week",
        /// Monthly.
        Month = "month",
        /// Yearly.
        Year = "year",
    }
}

/// `recurring` of a new price: bill every `interval_count` `interval`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CreatePriceRecurring {
    /// Interval unit.
    pub interval: PriceInterval,
    /// Intervals between billings (Stripe's default: 1; at most three years in all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_count: Option<u32>,
}

impl CreatePriceRecurring {
    /// Every `count` `interval`s.
    pub fn every(interval: PriceInterval, count: u32) -> Self {
        CreatePriceRecurring {
            interval,
            interval_count: Some(count),
        }
    }
}

/// Filters of `GET /v1/prices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPrices {
    /// Only active (or only inactive) prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Only prices in this currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Only prices of this product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_recurring_price_is_sent_with_bracketed_recurrence() {
        let params = CreatePrice {
            recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 3)),
            ..CreatePrice::new("prod_1", 1500, "USD")
        };
        let pairs = crate::form::to_pairs(&params).unwrap();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("currency", "usd"),
                ("product", "prod_1"),
                ("recurring[interval]", "month"),
                ("recurring[interval_count]", "3"),
                ("unit_amount", "1500"),
            ]
        );
    }
}

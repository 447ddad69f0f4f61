use crate::serde_util::decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `MoneyV2` (responses) and `MoneyInput` (inputs): an exact decimal amount and
/// its ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MoneyV2 {
    /// Amount in major units; sent and received as a decimal string.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Currency code, e.g. `USD`.
    pub currency_code: String,
}

impl MoneyV2 {
    /// An amount in a currency.
    pub fn new(amount: Decimal, currency_code: impl Into<String>) -> Self {
        Self {
            amount,
            currency_code: currency_code.into(),
        }
    }
}

/// `MoneyBag`: an amount in the shop's and in the presentment currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MoneyBag {
    /// Shop currency.
    pub shop_money: MoneyV2,
    /// Presentment currency; absent when the query did not select it.
    #[serde(default)]
    pub presentment_money: Option<MoneyV2>,
}

/// Cursor pagination state of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PageInfo {
    /// Whether another page follows.
    pub has_next_page: bool,
    /// Cursor to pass as `after` for the next page.
    #[serde(default)]
    pub end_cursor: Option<String>,
}

/// `Attribute`: a key and its value, as an order's `customAttributes` (the REST
/// `note_attributes`) hold what a checkout passed along.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Attribute {
    /// The key (the REST `name`).
    pub key: String,
    /// The value, when there is one.
    #[serde(default)]
    pub value: Option<String>,
}

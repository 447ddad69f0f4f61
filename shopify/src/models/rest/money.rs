use crate::serde_util::decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount with its currency (`{"amount": "10.00", "currency_code": "USD"}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Money {
    /// Amount in major units, exact.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// ISO 4217 code. Transactions' `total_unsettled_set` names it `currency`.
    #[serde(alias = "currency")]
    pub currency_code: String,
}

/// The same amount in the shop's currency and in the currency the buyer saw.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct MoneySet {
    /// In the shop's currency.
    pub shop_money: Money,
    /// In the presentment (customer-facing) currency.
    pub presentment_money: Money,
}

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// A sales order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SalesOrder {
    /// Idempotency key (e.g. `shopify/shop1/order/42`).
    pub external_ref: String,
    /// External reference of the customer (see [`crate::Customer`]).
    pub customer_ref: String,
    /// Order date.
    #[serde(with = "crate::date::ymd")]
    pub order_date: Date,
    /// Currency of every amount of the order.
    pub currency: CurrencyCode,
    /// Order lines.
    pub lines: Vec<LineItem>,
    /// Tax on the order.
    pub tax: Money,
    /// Shipping charged.
    pub shipping: Money,
}

/// One line of a sales order or invoice.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LineItem {
    /// Product code (Odoo `default_code`).
    pub sku: String,
    /// Line description.
    pub description: String,
    /// Quantity (whole units).
    pub quantity: u32,
    /// Price of one unit, before tax.
    pub unit_price: Money,
}

impl LineItem {
    /// `quantity × unit_price`; overflow is an error.
    pub fn total(&self) -> Result<Money, Error> {
        self.unit_price
            .minor
            .checked_mul(i64::from(self.quantity))
            .map(|minor| Money::new(minor, self.unit_price.currency))
            .ok_or_else(|| Error::InvalidDocument(format!("line {:?} overflows", self.sku)))
    }
}

impl SalesOrder {
    /// Lines + tax + shipping; mixed currencies or overflow are errors.
    pub fn total(&self) -> Result<Money, Error> {
        super::sum_in(self.currency, &self.lines, &[self.tax, self.shipping])
    }

    pub(crate) fn validate(&self) -> Result<Money, Error> {
        super::require_ref(&self.external_ref)?;
        for line in &self.lines {
            super::require_non_negative("unit price", line.unit_price)?;
        }
        super::require_non_negative("tax", self.tax)?;
        super::require_non_negative("shipping", self.shipping)?;
        self.total()
    }
}

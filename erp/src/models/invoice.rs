use serde::{Deserialize, Serialize};
use time::Date;

use super::LineItem;
use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// A customer invoice. Posting it debits receivables with the total and credits revenue
/// (lines), tax payable (tax) and shipping income (shipping).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Invoice {
    /// Idempotency key (e.g. `shopify/shop1/order/42/invoice`).
    pub external_ref: String,
    /// External reference of the customer.
    pub customer_ref: String,
    /// External reference of the sales order it bills, if any.
    pub sales_order_ref: Option<String>,
    /// Invoice date.
    #[serde(with = "crate::date::ymd")]
    pub invoice_date: Date,
    /// Due date (aged receivables count from it).
    #[serde(with = "crate::date::ymd")]
    pub due_date: Date,
    /// Currency of every amount.
    pub currency: CurrencyCode,
    /// Invoice lines (revenue).
    pub lines: Vec<LineItem>,
    /// Tax.
    pub tax: Money,
    /// Shipping charged.
    pub shipping: Money,
}

impl Invoice {
    /// Revenue: the sum of the lines.
    pub fn subtotal(&self) -> Result<Money, Error> {
        super::sum_in(self.currency, &self.lines, &[])
    }

    /// Lines + tax + shipping.
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
        let total = self.total()?;
        super::require_positive("invoice total", total)?;
        Ok(total)
    }
}

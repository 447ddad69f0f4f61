//! Orders and their lines.

use serde::{Deserialize, Serialize};

use crate::{Address, Currency, Customer, ExternalIds, FinancialStatus, Money, System};

/// One line of an order. All amounts are in the order's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// The line's ids (Shopify line item id, Magento `item_id`, ERP line id).
    pub ids: ExternalIds,
    /// Stock keeping unit, when the product has one.
    pub sku: Option<String>,
    /// Product name as shown to the customer.
    pub name: String,
    /// Units ordered.
    pub quantity: u32,
    /// Price of one unit before discounts.
    pub unit_price: Money,
    /// Discounts applied to the whole line.
    pub discount: Money,
    /// Tax charged on the line.
    pub tax: Money,
    /// What the line costs in the end, as the store computed it.
    pub total: Money,
}

/// An order as a store placed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Ids in every system (store order id, gateway reference, ERP sales order).
    pub ids: ExternalIds,
    /// The store the order came from.
    pub source: System,
    /// The number people see (Shopify `name` such as `#1001`, Magento `increment_id`).
    pub number: String,
    /// The store's currency, in which every amount below is given.
    pub currency: Currency,
    /// The customer, when known.
    pub customer: Option<Customer>,
    /// E-mail the order was placed with.
    pub email: Option<String>,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// The order's lines.
    pub line_items: Vec<LineItem>,
    /// Shipping charged.
    pub shipping: Money,
    /// Order-level discounts (line discounts are on the lines).
    pub discount: Money,
    /// Total tax.
    pub tax: Money,
    /// The amount to be paid.
    pub total: Money,
    /// The total in the customer's currency when it differs from the store's (Shopify presentment
    /// money).
    pub presentment_total: Option<Money>,
    /// Where the order's payments stand.
    pub financial_status: FinancialStatus,
}

impl Order {
    /// The sum of the line totals, checked for currency and overflow.
    pub fn lines_total(&self) -> Result<Money, crate::MappingError> {
        Money::sum(self.currency, self.line_items.iter().map(|l| l.total))
            .map_err(|e| e.at("line_items"))
    }
}

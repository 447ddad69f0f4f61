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
    /// The store's id of the product variant sold, when it is a catalog product: Shopify
    /// `line_items[i].variant_id`, Magento `items[i].product_id` (the simple product). `None`
    /// for custom items (Shopify sends `variant_id: null`) and in records written before the
    /// field existed. The ERP falls back to it for a line without a SKU
    /// ([`crate::erp`] module docs, "Product codes").
    #[serde(default)]
    pub variant_id: Option<String>,
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

/// What an [`Adjustment`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AdjustmentKind {
    /// A tip the customer added at checkout (Shopify `total_tip_received`). Never negative.
    Tip,
    /// Import duties charged at checkout on top of the prices (Shopify
    /// `original_total_duties_set` of an order whose prices do not include duties). Never
    /// negative.
    Duties,
    /// The difference between the total and what a cash payment actually took, after rounding to
    /// the smallest coin (Shopify POS `total_cash_rounding_payment_adjustment_set`). Negative
    /// when rounded down.
    CashRounding,
}

/// A part of an order's total that is none of its lines, tax, shipping or discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// What it is.
    pub kind: AdjustmentKind,
    /// Its amount in the order's currency; only [`AdjustmentKind::CashRounding`] may be negative.
    pub amount: Money,
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
    /// What else makes up the total (tips, duties, cash rounding), each non-zero, in the order
    /// the store reports them. Empty in records written before the field existed.
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    /// The amount to be paid: the lines less `discount`, plus `adjustments`, `tax` (unless the
    /// store's prices include it) and `shipping`.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{ExternalIds, FinancialStatus};

    fn order() -> Order {
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        Order {
            ids: ExternalIds::new().with(System::Shopify, "1"),
            source: System::Shopify,
            number: "#1".into(),
            currency: Currency::USD,
            customer: None,
            email: None,
            billing_address: None,
            shipping_address: None,
            line_items: vec![LineItem {
                ids: ExternalIds::new(),
                sku: None,
                variant_id: Some("39072856".into()),
                name: "Tee".into(),
                quantity: 1,
                unit_price: usd(1000),
                discount: usd(0),
                tax: usd(0),
                total: usd(1000),
            }],
            shipping: usd(0),
            discount: usd(0),
            tax: usd(0),
            adjustments: vec![Adjustment {
                kind: AdjustmentKind::CashRounding,
                amount: usd(-2),
            }],
            total: usd(998),
            presentment_total: None,
            financial_status: FinancialStatus::Paid,
        }
    }

    #[test]
    fn adjustments_and_variant_ids_round_trip() {
        let json = serde_json::to_value(order()).unwrap();
        assert_eq!(json["adjustments"][0]["kind"], "cash_rounding");
        assert_eq!(json["line_items"][0]["variant_id"], "39072856");
        let back: Order = serde_json::from_value(json).unwrap();
        assert_eq!(back, order());
    }

    #[test]
    fn records_written_before_adjustments_still_read() {
        let mut json = serde_json::to_value(order()).unwrap();
        json.as_object_mut().unwrap().remove("adjustments");
        json["line_items"][0]
            .as_object_mut()
            .unwrap()
            .remove("variant_id");
        let old: Order = serde_json::from_value(json).unwrap();
        assert_eq!(old.adjustments, []);
        assert_eq!(old.line_items[0].variant_id, None);
    }
}

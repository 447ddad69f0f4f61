use super::{LineItem, MoneySet, ShippingLine, Timestamp, Transaction};
use crate::gid::Gid;
use crate::serde_util::{decimal, decimal_opt, empty_object_as_none, null_default};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The REST refund resource: the body of `refunds/create`. Also the shape of a
/// refund calculation (`id` absent, `shipping` and `currency` present).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Refund {
    /// REST id (absent in a calculation).
    #[serde(default)]
    pub id: Option<u64>,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<Timestamp>,
    /// Processing time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub processed_at: Option<Timestamp>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
    /// Whether items were restocked.
    #[serde(default)]
    pub restock: Option<bool>,
    /// Staff user.
    #[serde(default)]
    pub user_id: Option<u64>,
    /// Presentment currency (calculations).
    #[serde(default)]
    pub currency: Option<String>,
    /// Refunded line items.
    #[serde(default, deserialize_with = "null_default")]
    pub refund_line_items: Vec<RefundLineItem>,
    /// Money movements of the refund.
    #[serde(default, deserialize_with = "null_default")]
    pub transactions: Vec<Transaction>,
    /// Adjustments (shipping refunds, discrepancies).
    #[serde(default, deserialize_with = "null_default")]
    pub order_adjustments: Vec<OrderAdjustment>,
    /// Refunded shipping lines.
    #[serde(default, deserialize_with = "null_default")]
    pub refund_shipping_lines: Vec<RefundShippingLine>,
    /// Shipping part of a calculation.
    #[serde(default)]
    pub shipping: Option<RefundShipping>,
    /// Refunded duties in both currencies.
    #[serde(default)]
    pub total_duties_set: Option<MoneySet>,
    /// Refunded additional fees in both currencies.
    #[serde(default)]
    pub total_additional_fees_set: Option<MoneySet>,
}

/// A refunded line item.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RefundLineItem {
    /// REST id (absent in calculations).
    #[serde(default)]
    pub id: Option<u64>,
    /// The order line item.
    pub line_item_id: u64,
    /// Quantity refunded.
    pub quantity: u64,
    /// `no_restock`, `cancel`, `return`, `legacy_restock`.
    #[serde(default)]
    pub restock_type: Option<String>,
    /// Restock location.
    #[serde(default)]
    pub location_id: Option<u64>,
    /// Subtotal refunded; sometimes a JSON number, parsed exactly.
    #[serde(default, with = "decimal_opt")]
    pub subtotal: Option<Decimal>,
    /// Subtotal in both currencies.
    #[serde(default)]
    pub subtotal_set: Option<MoneySet>,
    /// Tax refunded; sometimes a JSON number, parsed exactly.
    #[serde(default, with = "decimal_opt")]
    pub total_tax: Option<Decimal>,
    /// Tax in both currencies.
    #[serde(default)]
    pub total_tax_set: Option<MoneySet>,
    /// Unit price (calculations).
    #[serde(default, with = "decimal_opt")]
    pub price: Option<Decimal>,
    /// Discounted unit price (calculations).
    #[serde(default, with = "decimal_opt")]
    pub discounted_price: Option<Decimal>,
    /// The order line item, embedded; `None` when absent, `null` or the empty
    /// placeholder `{}` (as in the REST Refund resource's documented example).
    #[serde(default, deserialize_with = "empty_object_as_none")]
    pub line_item: Option<LineItem>,
}

/// An order adjustment created by a refund.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderAdjustment {
    /// REST id.
    pub id: u64,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Refund id.
    #[serde(default)]
    pub refund_id: Option<u64>,
    /// `shipping_refund` or `refund_discrepancy`.
    pub kind: String,
    /// Reason text.
    #[serde(default)]
    pub reason: Option<String>,
    /// Amount (negative for refunds).
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Amount in both currencies.
    #[serde(default)]
    pub amount_set: Option<MoneySet>,
    /// Tax amount.
    #[serde(default, with = "decimal_opt")]
    pub tax_amount: Option<Decimal>,
    /// Tax amount in both currencies.
    #[serde(default)]
    pub tax_amount_set: Option<MoneySet>,
}

/// A refunded shipping line.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RefundShippingLine {
    /// REST id.
    #[serde(default)]
    pub id: Option<u64>,
    /// The order's shipping line id.
    pub shipping_line_id: u64,
    /// Amount refunded in both currencies.
    #[serde(default)]
    pub subtotal_amount_set: Option<MoneySet>,
    /// The shipping line, embedded; `None` when absent, `null` or the empty
    /// placeholder `{}` (as in the REST Refund resource's documented example).
    #[serde(default, deserialize_with = "empty_object_as_none")]
    pub shipping_line: Option<ShippingLine>,
}

/// Shipping part of a refund calculation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RefundShipping {
    /// Shipping amount to refund.
    #[serde(default, with = "decimal_opt")]
    pub amount: Option<Decimal>,
    /// Tax on it.
    #[serde(default, with = "decimal_opt")]
    pub tax: Option<Decimal>,
    /// Most that can be refunded.
    #[serde(default, with = "decimal_opt")]
    pub maximum_refundable: Option<Decimal>,
}

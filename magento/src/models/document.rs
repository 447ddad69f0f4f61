//! Pieces shared by the invoice, shipment and credit memo requests.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::lenient;

/// An order line and the quantity to invoice, ship or refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemQty {
    /// The order line's `item_id`.
    pub order_item_id: i64,
    /// The quantity (decimal for products sold by weight).
    #[serde(serialize_with = "lenient::decimal_number")]
    pub qty: Decimal,
}

impl ItemQty {
    /// `qty` units of the line `order_item_id`.
    pub fn new(order_item_id: i64, qty: impl Into<Decimal>) -> Self {
        Self {
            order_item_id,
            qty: qty.into(),
        }
    }
}

/// A comment attached to a new invoice, shipment or credit memo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentComment {
    /// The text.
    pub comment: String,
    /// Show it to the customer (sent as the schema's 0/1 integer).
    #[serde(serialize_with = "lenient::bool_int")]
    pub is_visible_on_front: bool,
}

impl DocumentComment {
    /// A comment that the customer does not see.
    pub fn internal(comment: impl Into<String>) -> Self {
        Self {
            comment: comment.into(),
            is_visible_on_front: false,
        }
    }
}

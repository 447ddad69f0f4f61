use super::{MoneyBag, OrderTransaction};
use crate::gid::Gid;
use crate::serde_util::{decimal, decimal_opt, string_enum};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

string_enum! {
    /// `RefundLineItemRestockType`.
    pub enum RestockType {
        /// Return to stock.
        Return = "RETURN",
        /// Cancel (unfulfilled items).
        Cancel = "CANCEL",
        /// Do not restock.
        NoRestock = "NO_RESTOCK",
    }
}

/// `RefundInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundInput {
    /// The order.
    pub order_id: Gid,
    /// Presentment currency; required when it differs from the shop's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether to e-mail the buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Line items to refund.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refund_line_items: Vec<RefundLineItemInput>,
    /// Shipping to refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<RefundShippingInput>,
    /// Money movements (kind `REFUND` against a parent sale or capture).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<TransactionInput>,
}

impl RefundInput {
    /// An empty refund of an order; add line items, shipping and transactions.
    pub fn new(order_id: Gid) -> Self {
        Self {
            order_id,
            currency: None,
            note: None,
            notify: None,
            refund_line_items: Vec::new(),
            shipping: None,
            transactions: Vec::new(),
        }
    }
}

/// `RefundLineItemInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundLineItemInput {
    /// The line item.
    pub line_item_id: Gid,
    /// Quantity.
    pub quantity: u32,
    /// Restock behaviour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restock_type: Option<RestockType>,
    /// Restock location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<Gid>,
}

impl RefundLineItemInput {
    /// Refunds `quantity` of a line item.
    pub fn new(line_item_id: Gid, quantity: u32, restock_type: Option<RestockType>) -> Self {
        Self {
            line_item_id,
            quantity,
            restock_type,
            location_id: None,
        }
    }
}

/// `ShippingRefundInput`: an amount or the full shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundShippingInput {
    /// Amount to refund.
    #[serde(skip_serializing_if = "Option::is_none", with = "decimal_opt")]
    pub amount: Option<Decimal>,
    /// Refund all shipping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_refund: Option<bool>,
}

impl RefundShippingInput {
    /// Refunds all shipping.
    pub fn full() -> Self {
        Self {
            amount: None,
            full_refund: Some(true),
        }
    }

    /// Refunds this amount of shipping.
    pub fn amount(amount: Decimal) -> Self {
        Self {
            amount: Some(amount),
            full_refund: None,
        }
    }
}

/// `OrderTransactionInput` of kind `REFUND`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransactionInput {
    /// The order.
    pub order_id: Gid,
    /// Parent sale or capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Gid>,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Gateway of the parent transaction.
    pub gateway: String,
    /// Always `REFUND` here.
    pub kind: &'static str,
}

impl TransactionInput {
    /// A refund of `amount` against `parent_id` on `gateway`.
    pub fn refund(
        order_id: Gid,
        parent_id: Gid,
        amount: Decimal,
        gateway: impl Into<String>,
    ) -> Self {
        Self {
            order_id,
            parent_id: Some(parent_id),
            amount,
            gateway: gateway.into(),
            kind: "REFUND",
        }
    }
}

/// The `Refund` returned by `refundCreate`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Refund {
    /// GID.
    pub id: Gid,
    /// Refunded total.
    #[serde(default)]
    pub total_refunded_set: Option<MoneyBag>,
    /// Transactions created.
    #[serde(default, deserialize_with = "super::nodes")]
    pub transactions: Vec<OrderTransaction>,
}

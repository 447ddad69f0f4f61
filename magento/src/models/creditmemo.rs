//! Credit memos through the refund endpoints: `POST /V1/order/{orderId}/refund` (offline) and
//! `POST /V1/invoice/{invoiceId}/refund` (online, through the payment method).

use rust_decimal::Decimal;
use serde::Serialize;

use super::document::{DocumentComment, ItemQty};
use crate::lenient;

/// A refund: the body of both refund endpoints (the online one adds `isOnline`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// Lines and quantities; empty refunds every refundable line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemQty>,
    /// E-mail the credit memo to the customer.
    pub notify: bool,
    /// Include the comment in the e-mail.
    #[serde(rename = "appendComment", skip_serializing_if = "std::ops::Not::not")]
    pub append_comment: bool,
    /// A comment stored with the credit memo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<DocumentComment>,
    /// Shipping to refund and adjustments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<RefundArguments>,
}

/// Amount adjustments of a refund, in the order currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefundArguments {
    /// Shipping amount to refund.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "lenient::opt_decimal_number"
    )]
    pub shipping_amount: Option<Decimal>,
    /// Extra amount refunded ("Adjustment Refund").
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "lenient::opt_decimal_number"
    )]
    pub adjustment_positive: Option<Decimal>,
    /// Amount kept back ("Adjustment Fee").
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "lenient::opt_decimal_number"
    )]
    pub adjustment_negative: Option<Decimal>,
    /// Order lines to put back in stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_attributes: Option<RefundArgumentsExtension>,
}

/// `arguments.extension_attributes` of a refund.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefundArgumentsExtension {
    /// `order_item_id`s whose quantities return to stock.
    pub return_to_stock_items: Vec<i64>,
}

/// `POST /V1/invoice/{invoiceId}/refund`: the refund plus `isOnline`.
#[derive(Debug, Serialize)]
pub(crate) struct InvoiceRefundBody<'a> {
    #[serde(skip_serializing_if = "<[ItemQty]>::is_empty")]
    pub(crate) items: &'a [ItemQty],
    #[serde(rename = "isOnline")]
    pub(crate) is_online: bool,
    pub(crate) notify: bool,
    #[serde(rename = "appendComment", skip_serializing_if = "std::ops::Not::not")]
    pub(crate) append_comment: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<&'a DocumentComment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) arguments: Option<&'a RefundArguments>,
}

impl<'a> InvoiceRefundBody<'a> {
    pub(crate) fn online(refund: &'a Refund) -> Self {
        Self {
            items: &refund.items,
            is_online: true,
            notify: refund.notify,
            append_comment: refund.append_comment,
            comment: refund.comment.as_ref(),
            arguments: refund.arguments.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn refund_serializes_like_the_tutorial() {
        let refund = Refund {
            items: vec![ItemQty::new(3, 1)],
            notify: true,
            arguments: Some(RefundArguments {
                shipping_amount: Some(Decimal::ZERO),
                adjustment_positive: Some(Decimal::ZERO),
                adjustment_negative: Some(Decimal::ZERO),
                extension_attributes: Some(RefundArgumentsExtension {
                    return_to_stock_items: vec![3],
                }),
            }),
            ..Refund::default()
        };
        let tutorial: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/tutorial-POST-order-refund.request.json"
        ))
        .unwrap();
        assert_eq!(serde_json::to_value(&refund).unwrap(), tutorial);
        let online = serde_json::to_value(InvoiceRefundBody::online(&refund)).unwrap();
        assert_eq!(online["isOnline"], json!(true));
        assert_eq!(online["items"], tutorial["items"]);
    }
}

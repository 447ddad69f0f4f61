//! Invoices: `POST /V1/order/{orderId}/invoice` and `sales-data-invoice-interface`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::document::{DocumentComment, ItemQty};
use crate::lenient;

/// The body of `POST /V1/order/{orderId}/invoice`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateInvoice {
    /// Capture the payment online through the order's payment method. `false` records an
    /// offline invoice (the money was taken elsewhere, e.g. by a Stripe PaymentIntent).
    pub capture: bool,
    /// Lines and quantities; empty invoices every remaining line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemQty>,
    /// E-mail the invoice to the customer.
    pub notify: bool,
    /// Include the comment in the e-mail.
    #[serde(rename = "appendComment", skip_serializing_if = "std::ops::Not::not")]
    pub append_comment: bool,
    /// A comment stored with the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<DocumentComment>,
}

/// An invoice as `GET /V1/invoices/{id}` returns it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Invoice {
    /// The invoice id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The customer-facing invoice number.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub increment_id: Option<String>,
    /// The order id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub order_id: Option<i64>,
    /// 1 open (authorized, not captured), 2 paid, 3 canceled.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub state: Option<i64>,
    /// The capture transaction id, when captured online.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub transaction_id: Option<String>,
    /// Currency of the `base_*` amounts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub base_currency_code: Option<String>,
    /// Currency of the other amounts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_currency_code: Option<String>,
    /// Grand total in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub grand_total: Option<Decimal>,
    /// Grand total in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_grand_total: Option<Decimal>,
    /// Subtotal.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub subtotal: Option<Decimal>,
    /// Tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub tax_amount: Option<Decimal>,
    /// Shipping.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_amount: Option<Decimal>,
    /// Discount.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub discount_amount: Option<Decimal>,
    /// Total quantity.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_qty: Option<Decimal>,
    /// Creation time (UTC; see [`crate::timestamp`]).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Last update (UTC).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub updated_at: Option<OffsetDateTime>,
    /// The lines.
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<InvoiceItem>,
}

impl Invoice {
    /// Whether the invoice is paid (state 2).
    pub fn is_paid(&self) -> bool {
        self.state == Some(2)
    }
}

/// An invoice line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct InvoiceItem {
    /// The invoice line id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The order line it invoices.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub order_item_id: Option<i64>,
    /// The product id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub product_id: Option<i64>,
    /// SKU.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Quantity invoiced.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty: Option<Decimal>,
    /// Unit price.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub price: Option<Decimal>,
    /// Line total.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub row_total: Option<Decimal>,
    /// Line tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub tax_amount: Option<Decimal>,
}

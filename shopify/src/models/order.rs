use super::{DateTime, Metafield, MoneyBag, MoneyV2, OrderRiskSummary, OrderTransaction, PageInfo};
use crate::gid::Gid;
use crate::serde_util::{decimal, string_enum, u64_string};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

string_enum! {
    /// `OrderDisplayFinancialStatus`.
    pub enum OrderDisplayFinancialStatus {
        /// Authorized.
        Authorized = "AUTHORIZED",
        /// Authorization expired.
        Expired = "EXPIRED",
        /// Paid.
        Paid = "PAID",
        /// Partially paid.
        PartiallyPaid = "PARTIALLY_PAID",
        /// Partially refunded.
        PartiallyRefunded = "PARTIALLY_REFUNDED",
        /// Pending.
        Pending = "PENDING",
        /// Refunded.
        Refunded = "REFUNDED",
        /// Voided.
        Voided = "VOIDED",
    }
}

/// An order with its transactions, risk assessments and metafields, as
/// returned by [`crate::api::Orders::get`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Order {
    /// GID.
    pub id: Gid,
    /// REST id (`UnsignedInt64`, sent as a string).
    #[serde(deserialize_with = "u64_string::deserialize")]
    pub legacy_resource_id: u64,
    /// Name, e.g. `#1001`.
    pub name: String,
    /// Buyer e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: DateTime,
    /// Last update.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: DateTime,
    /// Processing time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub processed_at: Option<DateTime>,
    /// Cancellation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<DateTime>,
    /// Financial status.
    #[serde(default)]
    pub display_financial_status: Option<OrderDisplayFinancialStatus>,
    /// Fulfillment status (`UNFULFILLED`, `FULFILLED`, ...).
    #[serde(default)]
    pub display_fulfillment_status: Option<String>,
    /// Shop currency.
    pub currency_code: String,
    /// Presentment currency.
    #[serde(default)]
    pub presentment_currency_code: Option<String>,
    /// Original total.
    pub total_price_set: MoneyBag,
    /// Current total after edits and refunds.
    #[serde(default)]
    pub current_total_price_set: Option<MoneyBag>,
    /// Amount still owed.
    #[serde(default)]
    pub total_outstanding_set: Option<MoneyBag>,
    /// Amount received.
    #[serde(default)]
    pub total_received_set: Option<MoneyBag>,
    /// Amount refunded.
    #[serde(default)]
    pub total_refunded_set: Option<MoneyBag>,
    /// Merchant note.
    #[serde(default)]
    pub note: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Test order.
    #[serde(default)]
    pub test: bool,
    /// Transactions (first 50).
    #[serde(default)]
    pub transactions: Vec<OrderTransaction>,
    /// Risk summary and assessments.
    #[serde(default)]
    pub risk: Option<OrderRiskSummary>,
    /// Metafields (first 50).
    #[serde(default, deserialize_with = "super::nodes")]
    pub metafields: Vec<Metafield>,
}

/// An order as listed by [`crate::api::Orders::updated_since`] and
/// [`crate::api::Orders::updated_since_page`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderSummary {
    /// GID.
    pub id: Gid,
    /// REST id.
    #[serde(deserialize_with = "u64_string::deserialize")]
    pub legacy_resource_id: u64,
    /// Name.
    pub name: String,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: DateTime,
    /// Last update.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: DateTime,
    /// Cancellation time (`null` unless cancelled).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<DateTime>,
    /// Financial status.
    #[serde(default)]
    pub display_financial_status: Option<OrderDisplayFinancialStatus>,
    /// Original total.
    pub total_price_set: MoneyBag,
    /// Custom attributes (the REST `note_attributes`).
    #[serde(default, deserialize_with = "crate::serde_util::null_default")]
    pub custom_attributes: Vec<super::Attribute>,
}

/// One page of [`crate::api::Orders::updated_since_page`]: the orders, oldest update first,
/// and where the next page starts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrdersPage {
    /// The orders of this page.
    #[serde(rename = "nodes")]
    pub orders: Vec<OrderSummary>,
    /// `hasNextPage` and the `endCursor` to pass as the next page's `after`.
    pub page_info: PageInfo,
}

/// The order returned by order mutations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRef {
    /// GID.
    pub id: Gid,
    /// Financial status after the mutation.
    #[serde(default)]
    pub display_financial_status: Option<OrderDisplayFinancialStatus>,
    /// Amount still owed.
    #[serde(default)]
    pub total_outstanding_set: Option<MoneyBag>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// `OrderCaptureInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderCaptureInput {
    /// The order.
    pub id: Gid,
    /// The authorization to capture.
    pub parent_transaction_id: Gid,
    /// Amount to capture, in the presentment currency.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Presentment currency; required when it differs from the shop currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Whether no further capture will follow (multi-capture gateways).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_capture: Option<bool>,
}

impl OrderCaptureInput {
    /// Captures `amount` of an authorization.
    pub fn new(order_id: Gid, parent_transaction_id: Gid, amount: Decimal) -> Self {
        Self {
            id: order_id,
            parent_transaction_id,
            amount,
            currency: None,
            final_capture: None,
        }
    }

    /// Sets the presentment currency.
    pub fn with_currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// Marks this capture as the last one.
    pub fn with_final_capture(mut self, final_capture: bool) -> Self {
        self.final_capture = Some(final_capture);
        self
    }
}

/// Arguments of `orderCreateManualPayment` (API 2025-04+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManualPaymentInput {
    /// The order (argument `id`).
    #[serde(rename = "id")]
    pub order_id: Gid,
    /// Amount; omitted means the outstanding balance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyV2>,
    /// Shown as the gateway (default `Other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method_name: Option<String>,
    /// When the payment was made.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub processed_at: Option<DateTime>,
}

impl ManualPaymentInput {
    /// Records a payment of `amount` made with `payment_method_name`.
    pub fn new(order_id: Gid, amount: MoneyV2, payment_method_name: impl Into<String>) -> Self {
        Self {
            order_id,
            amount: Some(amount),
            payment_method_name: Some(payment_method_name.into()),
            processed_at: None,
        }
    }

    /// Sets when the payment was made; sent in UTC, as Shopify writes its `DateTime`s.
    pub fn with_processed_at(mut self, at: DateTime) -> Self {
        self.processed_at = Some(at.to_offset(time::UtcOffset::UTC));
        self
    }
}

/// The e-mail of `orderInvoiceSend` (Shopify's `EmailInput`): every field optional; Shopify
/// fills in the order's customer, the store's sender and its own subject. `from` and `bcc` must
/// be the store's or its staff's addresses (shopify.dev, `orderInvoiceSend`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceEmail {
    /// The recipient (default: the order's e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A message shown above the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    /// Blind copies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
}

impl InvoiceEmail {
    /// The default e-mail with `message` above the invoice.
    pub fn with_message(message: impl Into<String>) -> Self {
        Self {
            custom_message: Some(message.into()),
            ..Self::default()
        }
    }
}

/// Why an order is cancelled (Shopify's `OrderCancelReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum OrderCancelReason {
    /// The customer asked.
    Customer,
    /// The payment was declined.
    Declined,
    /// The order was fraudulent.
    Fraud,
    /// Items were out of stock.
    Inventory,
    /// A staff error.
    Staff,
    /// Another reason.
    Other,
}

/// The arguments of `orderCancel` besides the order: why, whether to refund what was paid to
/// the original payment methods, restock and notify the customer, and a staff note.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderCancel {
    /// Why.
    pub reason: OrderCancelReason,
    /// Refund what the customer paid to the original payment methods
    /// (`refundMethod.originalPaymentMethodsRefund`).
    pub refund: bool,
    /// Restock the inventory the order committed.
    pub restock: bool,
    /// Send the customer Shopify's cancellation e-mail.
    pub notify_customer: bool,
    /// A note for staff, not shown to the customer.
    pub staff_note: Option<String>,
}

impl OrderCancel {
    /// A cancellation for `reason` that refunds nothing, restocks, and does not e-mail the
    /// customer.
    pub fn new(reason: OrderCancelReason) -> Self {
        Self {
            reason,
            refund: false,
            restock: true,
            notify_customer: false,
            staff_note: None,
        }
    }

    /// Sets the staff note.
    #[must_use]
    pub fn staff_note(mut self, note: impl Into<String>) -> Self {
        self.staff_note = Some(note.into());
        self
    }
}

//! Level 3 (enhanced) data for approved, unsettled Visa and Mastercard sales:
//! `/v1/level_three/visa` and `/v1/level_three/mastercard`.
//!
//! Header fields follow help.paytrace.com/json-visa-level3; line-item field names follow
//! activemerchant's `pay_trace.rb` (the PayTrace page is truncated in the stored copy).
//! PayTrace says required fields must be present even when empty; which line-item fields
//! are required for each network is not confirmed by the stored sources.

use crate::models::transaction::TransactionId;
use rust_decimal::Decimal;
use serde::Serialize;

/// The card network, which selects the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level3Network {
    /// `/v1/level_three/visa`.
    Visa,
    /// `/v1/level_three/mastercard`.
    Mastercard,
}

impl Level3Network {
    pub(crate) fn path(self) -> &'static str {
        match self {
            Level3Network::Visa => "/v1/level_three/visa",
            Level3Network::Mastercard => "/v1/level_three/mastercard",
        }
    }
}

/// `source_address` of a Level 3 request.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Level3SourceAddress {
    /// Ship-from postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// `shipping_address` of a Level 3 request.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Level3ShippingAddress {
    /// Ship-to postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Ship-to country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One Level 3 line item. Amounts are US dollars; rates are fractions (0.01 = 1 %).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Level3LineItem {
    /// Item commodity code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commodity_code: Option<String>,
    /// Your product id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Item description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quantity (may be fractional, e.g. weights).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::opt_number"
    )]
    pub quantity: Option<Decimal>,
    /// Unit of measure code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<String>,
    /// Unit cost.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub unit_cost: Option<Decimal>,
    /// Line total.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub amount: Option<Decimal>,
    /// Discount amount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub discount_amount: Option<Decimal>,
    /// Discount rate.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::opt_number"
    )]
    pub discount_rate: Option<Decimal>,
    /// Whether `amount` includes the discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_included: Option<bool>,
    /// Additional tax amount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub additional_tax_amount: Option<Decimal>,
    /// Additional tax rate.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::opt_number"
    )]
    pub additional_tax_rate: Option<Decimal>,
    /// Whether `amount` includes the additional tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_tax_included: Option<bool>,
    /// Whether `amount` includes tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_included: Option<bool>,
    /// Merchant tax id for this item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_tax_id: Option<String>,
    /// `D` (debit) or `C` (credit), Mastercard only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debit_or_credit: Option<String>,
}

/// Level 3 data for one transaction.
#[derive(Debug, Clone, Serialize)]
pub struct Level3Request {
    /// The approved, unsettled sale.
    pub transaction_id: TransactionId,
    /// Invoice number (overwrites the one stored with the sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// Customer reference (overwrites the one stored with the sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference_id: Option<String>,
    /// Total tax.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub tax_amount: Option<Decimal>,
    /// National tax.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub national_tax_amount: Option<Decimal>,
    /// Merchant tax id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_tax_id: Option<String>,
    /// Customer tax id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_tax_id: Option<String>,
    /// Order commodity code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commodity_code: Option<String>,
    /// Order discount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub discount_amount: Option<Decimal>,
    /// Freight.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub freight_amount: Option<Decimal>,
    /// Duty.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub duty_amount: Option<Decimal>,
    /// Ship-from address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_address: Option<Level3SourceAddress>,
    /// Ship-to address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Level3ShippingAddress>,
    /// Additional tax amount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub additional_tax_amount: Option<Decimal>,
    /// Additional tax rate.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::opt_number"
    )]
    pub additional_tax_rate: Option<Decimal>,
    /// Line items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub line_items: Vec<Level3LineItem>,
}

impl Level3Request {
    /// A request for `transaction_id` with no data yet.
    pub fn new(transaction_id: TransactionId) -> Self {
        Self {
            transaction_id,
            invoice_id: None,
            customer_reference_id: None,
            tax_amount: None,
            national_tax_amount: None,
            merchant_tax_id: None,
            customer_tax_id: None,
            commodity_code: None,
            discount_amount: None,
            freight_amount: None,
            duty_amount: None,
            source_address: None,
            shipping_address: None,
            additional_tax_amount: None,
            additional_tax_rate: None,
            line_items: Vec::new(),
        }
    }
}

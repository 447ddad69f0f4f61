use super::{Customer, Fulfillment, MoneySet, Refund, Timestamp};
use crate::gid::Gid;
use crate::serde_util::{decimal, decimal_opt, null_default, string_enum};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

string_enum! {
    /// REST `financial_status` (lowercase), see
    /// <https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus>
    /// for the GraphQL spelling.
    pub enum FinancialStatus {
        /// Payment pending.
        Pending = "pending",
        /// Authorized, not captured.
        Authorized = "authorized",
        /// Partially paid.
        PartiallyPaid = "partially_paid",
        /// Paid.
        Paid = "paid",
        /// Partially refunded.
        PartiallyRefunded = "partially_refunded",
        /// Refunded.
        Refunded = "refunded",
        /// Voided.
        Voided = "voided",
        /// Authorization expired.
        Expired = "expired",
    }
}

/// The REST order resource: the body of `orders/create`, `orders/paid`,
/// `orders/updated` and `orders/cancelled`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Order {
    /// REST id.
    pub id: u64,
    /// GraphQL id (absent in very old sample payloads).
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Display name, e.g. `#1001`.
    #[serde(default)]
    pub name: Option<String>,
    /// Shop-wide order number (`1001`).
    #[serde(default)]
    pub order_number: Option<u64>,
    /// Position of the order in the shop's count (`1`).
    #[serde(default)]
    pub number: Option<u64>,
    /// Buyer e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Contact e-mail.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Buyer phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// Last update time (the backfill cursor).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
    /// When the order was processed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub processed_at: Option<Timestamp>,
    /// When the order was cancelled.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<Timestamp>,
    /// Why it was cancelled (`customer`, `fraud`, `inventory`, `declined`, `other`, `staff`).
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// When the order was closed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<Timestamp>,
    /// Shop currency.
    pub currency: String,
    /// Currency shown to the buyer.
    #[serde(default)]
    pub presentment_currency: Option<String>,
    /// Financial status.
    #[serde(default)]
    pub financial_status: Option<FinancialStatus>,
    /// Fulfillment status (`fulfilled`, `partial`, `restocked`, or null).
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    /// Whether this is a test order.
    #[serde(default)]
    pub test: bool,
    /// Whether prices include taxes.
    #[serde(default)]
    pub taxes_included: bool,
    /// Whether the buyer is tax-exempt.
    #[serde(default)]
    pub tax_exempt: Option<bool>,
    /// Whether duties are included in the prices (the subtotal), rather than charged on top.
    #[serde(default)]
    pub duties_included: Option<bool>,
    /// Whether the order is confirmed.
    #[serde(default)]
    pub confirmed: Option<bool>,
    /// Buyer-facing confirmation number.
    #[serde(default)]
    pub confirmation_number: Option<String>,
    /// Order token.
    #[serde(default)]
    pub token: Option<String>,
    /// Checkout token.
    #[serde(default)]
    pub checkout_token: Option<String>,
    /// Cart token.
    #[serde(default)]
    pub cart_token: Option<String>,
    /// Sales channel (`web`, `pos`, ...).
    #[serde(default)]
    pub source_name: Option<String>,
    /// External reference supplied on create.
    #[serde(default)]
    pub source_identifier: Option<String>,
    /// Purchase-order number.
    #[serde(default)]
    pub po_number: Option<String>,
    /// Comma-separated tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: String,
    /// Merchant note.
    #[serde(default)]
    pub note: Option<String>,
    /// Extra cart attributes.
    #[serde(default, deserialize_with = "null_default")]
    pub note_attributes: Vec<NameValue>,
    /// Gateways used (`payment_gateway_names`; the REST `gateway` field was removed in 2023-04).
    #[serde(default, deserialize_with = "null_default")]
    pub payment_gateway_names: Vec<String>,
    /// Buyer locale.
    #[serde(default)]
    pub customer_locale: Option<String>,
    /// Original total (shop currency).
    #[serde(with = "decimal")]
    pub total_price: Decimal,
    /// Original total in both currencies.
    #[serde(default)]
    pub total_price_set: Option<MoneySet>,
    /// Subtotal after discounts, before shipping and taxes.
    #[serde(default, with = "decimal_opt")]
    pub subtotal_price: Option<Decimal>,
    /// Subtotal in both currencies.
    #[serde(default)]
    pub subtotal_price_set: Option<MoneySet>,
    /// Sum of line item prices.
    #[serde(default, with = "decimal_opt")]
    pub total_line_items_price: Option<Decimal>,
    /// Line items total in both currencies.
    #[serde(default)]
    pub total_line_items_price_set: Option<MoneySet>,
    /// Total discounts.
    #[serde(default, with = "decimal_opt")]
    pub total_discounts: Option<Decimal>,
    /// Total discounts in both currencies.
    #[serde(default)]
    pub total_discounts_set: Option<MoneySet>,
    /// Total tax.
    #[serde(default, with = "decimal_opt")]
    pub total_tax: Option<Decimal>,
    /// Total tax in both currencies.
    #[serde(default)]
    pub total_tax_set: Option<MoneySet>,
    /// Shipping total in both currencies.
    #[serde(default)]
    pub total_shipping_price_set: Option<MoneySet>,
    /// Amount still owed.
    #[serde(default, with = "decimal_opt")]
    pub total_outstanding: Option<Decimal>,
    /// Tips received (shop currency; `"0.00"` when none).
    #[serde(default, with = "decimal_opt")]
    pub total_tip_received: Option<Decimal>,
    /// Total weight in grams.
    #[serde(default)]
    pub total_weight: Option<u64>,
    /// Total after edits and refunds.
    #[serde(default, with = "decimal_opt")]
    pub current_total_price: Option<Decimal>,
    /// Current total in both currencies.
    #[serde(default)]
    pub current_total_price_set: Option<MoneySet>,
    /// Current subtotal.
    #[serde(default, with = "decimal_opt")]
    pub current_subtotal_price: Option<Decimal>,
    /// Current subtotal in both currencies.
    #[serde(default)]
    pub current_subtotal_price_set: Option<MoneySet>,
    /// Current discounts.
    #[serde(default, with = "decimal_opt")]
    pub current_total_discounts: Option<Decimal>,
    /// Current discounts in both currencies.
    #[serde(default)]
    pub current_total_discounts_set: Option<MoneySet>,
    /// Current tax.
    #[serde(default, with = "decimal_opt")]
    pub current_total_tax: Option<Decimal>,
    /// Current tax in both currencies.
    #[serde(default)]
    pub current_total_tax_set: Option<MoneySet>,
    /// Current duties in both currencies (after edits and refunds).
    #[serde(default)]
    pub current_total_duties_set: Option<MoneySet>,
    /// Duties charged at checkout, in both currencies (`null` when none).
    #[serde(default)]
    pub original_total_duties_set: Option<MoneySet>,
    /// POS cash rounding of the payments received, in both currencies; may be negative, `0.00`
    /// without cash or rounding.
    #[serde(default)]
    pub total_cash_rounding_payment_adjustment_set: Option<MoneySet>,
    /// POS cash rounding of the refunds paid, in both currencies; may be negative.
    #[serde(default)]
    pub total_cash_rounding_refund_adjustment_set: Option<MoneySet>,
    /// Line items.
    #[serde(default, deserialize_with = "null_default")]
    pub line_items: Vec<LineItem>,
    /// Shipping lines.
    #[serde(default, deserialize_with = "null_default")]
    pub shipping_lines: Vec<ShippingLine>,
    /// Order-level tax lines.
    #[serde(default, deserialize_with = "null_default")]
    pub tax_lines: Vec<TaxLine>,
    /// Discount codes applied.
    #[serde(default, deserialize_with = "null_default")]
    pub discount_codes: Vec<DiscountCode>,
    /// Discount applications; line items point at them by index.
    #[serde(default, deserialize_with = "null_default")]
    pub discount_applications: Vec<DiscountApplication>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// The customer, when there is one.
    #[serde(default)]
    pub customer: Option<Customer>,
    /// Fulfillments.
    #[serde(default, deserialize_with = "null_default")]
    pub fulfillments: Vec<Fulfillment>,
    /// Refunds.
    #[serde(default, deserialize_with = "null_default")]
    pub refunds: Vec<Refund>,
    /// Browser details of the checkout.
    #[serde(default)]
    pub client_details: Option<ClientDetails>,
    /// Order status page URL.
    #[serde(default)]
    pub order_status_url: Option<String>,
    /// Location where the order was placed (POS).
    #[serde(default)]
    pub location_id: Option<u64>,
    /// Staff user who created the order.
    #[serde(default)]
    pub user_id: Option<u64>,
    /// App that created the order.
    #[serde(default)]
    pub app_id: Option<u64>,
}

/// A `{name, value}` pair (note attributes, line item properties).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct NameValue {
    /// Name.
    pub name: String,
    /// Value; older payloads may send numbers, kept as text.
    #[serde(default, with = "crate::serde_util::stringish_opt")]
    pub value: Option<String>,
}

/// A line item of an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LineItem {
    /// REST id.
    pub id: u64,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Product id (null when the product was deleted).
    #[serde(default)]
    pub product_id: Option<u64>,
    /// Variant id.
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// Product title.
    pub title: String,
    /// Variant title.
    #[serde(default)]
    pub variant_title: Option<String>,
    /// Full display name.
    #[serde(default)]
    pub name: Option<String>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Quantity ordered.
    pub quantity: u64,
    /// Quantity after removals and refunds.
    #[serde(default)]
    pub current_quantity: Option<u64>,
    /// Quantity still to fulfil.
    #[serde(default)]
    pub fulfillable_quantity: Option<u64>,
    /// Fulfillment status of this line.
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    /// Unit price (shop currency).
    #[serde(with = "decimal")]
    pub price: Decimal,
    /// Unit price in both currencies.
    #[serde(default)]
    pub price_set: Option<MoneySet>,
    /// Discount on this line.
    #[serde(default, with = "decimal_opt")]
    pub total_discount: Option<Decimal>,
    /// Discount in both currencies.
    #[serde(default)]
    pub total_discount_set: Option<MoneySet>,
    /// Weight in grams.
    #[serde(default)]
    pub grams: Option<u64>,
    /// Whether the item ships.
    #[serde(default)]
    pub requires_shipping: Option<bool>,
    /// Whether the item is taxable.
    #[serde(default)]
    pub taxable: Option<bool>,
    /// Whether this is a gift card.
    #[serde(default)]
    pub gift_card: bool,
    /// Custom properties.
    #[serde(default, deserialize_with = "null_default")]
    pub properties: Vec<NameValue>,
    /// Taxes on this line.
    #[serde(default, deserialize_with = "null_default")]
    pub tax_lines: Vec<TaxLine>,
    /// Discounts allocated to this line.
    #[serde(default, deserialize_with = "null_default")]
    pub discount_allocations: Vec<DiscountAllocation>,
}

/// A shipping line.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ShippingLine {
    /// REST id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Title shown to the buyer.
    pub title: String,
    /// Rate code.
    #[serde(default)]
    pub code: Option<String>,
    /// Source (`shopify`, carrier service, ...).
    #[serde(default)]
    pub source: Option<String>,
    /// Price before discounts.
    #[serde(with = "decimal")]
    pub price: Decimal,
    /// Price in both currencies.
    #[serde(default)]
    pub price_set: Option<MoneySet>,
    /// Price after discounts.
    #[serde(default, with = "decimal_opt")]
    pub discounted_price: Option<Decimal>,
    /// Discounted price in both currencies.
    #[serde(default)]
    pub discounted_price_set: Option<MoneySet>,
    /// Taxes on shipping.
    #[serde(default, deserialize_with = "null_default")]
    pub tax_lines: Vec<TaxLine>,
    /// Discounts allocated to shipping.
    #[serde(default, deserialize_with = "null_default")]
    pub discount_allocations: Vec<DiscountAllocation>,
}

/// A tax line. `rate` arrives as a JSON number (`0.06`) and is parsed exactly.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TaxLine {
    /// Tax name.
    pub title: String,
    /// Tax amount.
    #[serde(with = "decimal")]
    pub price: Decimal,
    /// Tax amount in both currencies.
    #[serde(default)]
    pub price_set: Option<MoneySet>,
    /// Rate as a fraction (`0.06`).
    #[serde(default, with = "decimal_opt")]
    pub rate: Option<Decimal>,
    /// Whether the sales channel is liable.
    #[serde(default)]
    pub channel_liable: Option<bool>,
}

/// A discount code applied to the order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DiscountCode {
    /// The code.
    pub code: String,
    /// Amount it took off.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// `fixed_amount`, `percentage` or `shipping`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// How a discount was applied.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DiscountApplication {
    /// `discount_code`, `manual`, `script`, `automatic`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Value (amount or percentage, per `value_type`).
    #[serde(with = "decimal")]
    pub value: Decimal,
    /// `fixed_amount` or `percentage`.
    pub value_type: String,
    /// `across`, `each` or `one`.
    #[serde(default)]
    pub allocation_method: Option<String>,
    /// `all`, `entitled` or `explicit`.
    #[serde(default)]
    pub target_selection: Option<String>,
    /// `line_item` or `shipping_line`.
    #[serde(default)]
    pub target_type: Option<String>,
    /// Code, for `discount_code`.
    #[serde(default)]
    pub code: Option<String>,
    /// Title, for other kinds.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A share of a discount allocated to a line.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DiscountAllocation {
    /// Amount (shop currency).
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Amount in both currencies.
    #[serde(default)]
    pub amount_set: Option<MoneySet>,
    /// Index into the order's `discount_applications`.
    pub discount_application_index: usize,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Address {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Street line 1.
    #[serde(default)]
    pub address1: Option<String>,
    /// Street line 2.
    #[serde(default)]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Province or state name.
    #[serde(default)]
    pub province: Option<String>,
    /// Province code (`KY`).
    #[serde(default)]
    pub province_code: Option<String>,
    /// Country name.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub zip: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Latitude, exact.
    #[serde(default, with = "decimal_opt")]
    pub latitude: Option<Decimal>,
    /// Longitude, exact.
    #[serde(default, with = "decimal_opt")]
    pub longitude: Option<Decimal>,
}

/// Browser details of the checkout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ClientDetails {
    /// Buyer IP.
    #[serde(default)]
    pub browser_ip: Option<String>,
    /// `Accept-Language`.
    #[serde(default)]
    pub accept_language: Option<String>,
    /// User agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Session hash.
    #[serde(default)]
    pub session_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MINIMAL: &str = r#"{"id": 1, "created_at": "2025-04-02T11:38:34-05:00",
        "currency": "CAD", "total_price": "10.00"}"#;

    #[test]
    fn total_components_parse_and_stay_optional() {
        let mut value: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        let bag = |amount: &str| {
            serde_json::json!({"shop_money": {"amount": amount, "currency_code": "CAD"},
                               "presentment_money": {"amount": amount, "currency_code": "CAD"}})
        };
        value["total_tip_received"] = "2.50".into();
        value["duties_included"] = false.into();
        value["original_total_duties_set"] = bag("4.10");
        value["total_cash_rounding_payment_adjustment_set"] = bag("-0.02");
        value["total_cash_rounding_refund_adjustment_set"] = bag("0.00");
        let order: Order = serde_json::from_value(value).unwrap();
        assert_eq!(order.total_tip_received.unwrap().to_string(), "2.50");
        assert_eq!(order.duties_included, Some(false));
        let duties = order.original_total_duties_set.unwrap();
        assert_eq!(duties.shop_money.amount.to_string(), "4.10");
        let rounding = order.total_cash_rounding_payment_adjustment_set.unwrap();
        assert_eq!(rounding.shop_money.amount.to_string(), "-0.02");
        assert!(order.total_cash_rounding_refund_adjustment_set.is_some());

        // Payloads from before these fields existed, or with `null`, still parse.
        let old: Order = serde_json::from_str(MINIMAL).unwrap();
        assert_eq!(old.total_tip_received, None);
        assert_eq!(old.original_total_duties_set, None);
        assert_eq!(old.total_cash_rounding_payment_adjustment_set, None);
        let mut nulls: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        nulls["original_total_duties_set"] = serde_json::Value::Null;
        nulls["total_cash_rounding_payment_adjustment_set"] = serde_json::Value::Null;
        let nulls: Order = serde_json::from_value(nulls).unwrap();
        assert_eq!(nulls.original_total_duties_set, None);
    }
}

//! Carts (quotes) an admin fills for a customer and turns into an order: Magento's REST path to
//! an order made outside the storefront (admin schema 2.4.8: `POST /V1/customers/{customerId}/carts`,
//! `POST /V1/carts/{quoteId}/items`, `POST /V1/carts/{cartId}/shipping-information`,
//! `PUT /V1/carts/{cartId}/order`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::lenient;

/// A line of a cart (`quote-data-cart-item-interface`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CartItem {
    /// The line id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub item_id: Option<i64>,
    /// The product SKU.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<String>,
    /// The quantity.
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "lenient::opt_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub qty: Option<Decimal>,
    /// The product name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// The unit price Magento gives the line.
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "lenient::opt_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Decimal>,
    /// The cart's id (Magento sends it as a string).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_id: Option<String>,
}

impl CartItem {
    /// A new line of `qty` of `sku` for cart `cart_id` (the request of
    /// [`Carts::add_item`](crate::api::carts::Carts::add_item)).
    pub fn new(cart_id: i64, sku: impl Into<String>, qty: Decimal) -> Self {
        Self {
            sku: Some(sku.into()),
            qty: Some(qty),
            quote_id: Some(cart_id.to_string()),
            ..Self::default()
        }
    }
}

/// A cart address (`quote-data-address-interface`): the region is flat here, as on orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CartAddress {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Street lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub street: Vec<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Region code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Region id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<i64>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_id: Option<String>,
    /// Telephone (required by Magento's default address settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// The customer's saved address this one copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_address_id: Option<i64>,
}

/// The shipping information of a cart (`checkout-data-shipping-information-interface`): where
/// and how it ships, and the billing address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ShippingInformation {
    /// Where it ships.
    pub shipping_address: CartAddress,
    /// The billing address (Magento takes the shipping address when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<CartAddress>,
    /// The carrier's method (`flatrate`).
    pub shipping_method_code: String,
    /// The carrier (`flatrate`).
    pub shipping_carrier_code: String,
}

/// What Magento answers to shipping information (`checkout-data-payment-details-interface`):
/// the payment methods the cart can be ordered with.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PaymentDetails {
    /// The payment methods available.
    #[serde(default, deserialize_with = "lenient::list")]
    pub payment_methods: Vec<CartPaymentMethod>,
}

/// A payment method available to a cart.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CartPaymentMethod {
    /// Its code (`checkmo`).
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    /// Its title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
}

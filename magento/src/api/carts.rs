//! Carts: an order made for a customer outside the storefront (a subscription's renewal, say).
//!
//! Magento's REST API has no one-call order creation for an admin. The path is the checkout's,
//! on the admin's endpoints (admin schema 2.4.8, `reference/magento/admin-schema-2.4.8.json`;
//! the customer-token version of the same steps is Adobe's order tutorial,
//! <https://developer.adobe.com/commerce/webapi/rest/tutorials/orders/order-create-order/>):
//! the customer's cart ([`Carts::create_for_customer`]), its lines ([`Carts::add_item`]), its
//! addresses and shipping method ([`Carts::set_shipping_information`]), then the order
//! ([`Carts::place_order`]) with a payment method the store offers (an offline one such as
//! `checkmo`).
//!
//! ```no_run
//! # async fn run(client: magento::Client) -> Result<(), magento::Error> {
//! use magento::{CartAddress, CartItem, ShippingInformation};
//! let cart = client.carts().create_for_customer(7).await?;
//! client.carts().add_item(cart, &CartItem::new(cart, "COFFEE-1KG", 2.into())).await?;
//! let address = CartAddress {
//!     firstname: Some("Ada".into()),
//!     lastname: Some("Lovelace".into()),
//!     street: vec!["1 Main St".into()],
//!     city: Some("Springfield".into()),
//!     region_code: Some("IL".into()),
//!     postcode: Some("62701".into()),
//!     country_id: Some("US".into()),
//!     telephone: Some("+1 217 555 0100".into()),
//!     ..CartAddress::default()
//! };
//! client.carts().set_shipping_information(cart, &ShippingInformation {
//!     shipping_address: address.clone(),
//!     billing_address: Some(address),
//!     shipping_method_code: "flatrate".into(),
//!     shipping_carrier_code: "flatrate".into(),
//! }).await?;
//! let order_id = client.carts().place_order(cart, "checkmo").await?;
//! # let _ = order_id;
//! # Ok(()) }
//! ```

use serde::Serialize;

use crate::api::Id;
use crate::client::{Call, Client, Retry};
use crate::error::Result;
use crate::models::cart::{CartItem, PaymentDetails, ShippingInformation};

/// Cart operations; see [`Client::carts`].
#[derive(Debug, Clone, Copy)]
pub struct Carts<'a> {
    client: &'a Client,
}

impl Client {
    /// Cart operations (an order made for a customer: see [`crate::api::carts`]).
    pub fn carts(&self) -> Carts<'_> {
        Carts { client: self }
    }
}

/// `{"cartItem": ...}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CartItemBody<'a> {
    cart_item: &'a CartItem,
}

/// `{"addressInformation": ...}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShippingBody<'a> {
    address_information: &'a ShippingInformation,
}

/// `{"paymentMethod": {"method": ...}}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderBody<'a> {
    payment_method: PaymentMethod<'a>,
}

#[derive(Serialize)]
struct PaymentMethod<'a> {
    method: &'a str,
}

impl Carts<'_> {
    /// `POST /V1/customers/{customerId}/carts`: the customer's cart id. Magento answers with
    /// the customer's active cart when there is one ("ID of the existing cart otherwise", the
    /// schema says), which may hold what the customer put there on the storefront: read it
    /// with [`Self::items`]. Retried like a read, since a second call answers the same cart.
    pub async fn create_for_customer(&self, customer_id: i64) -> Result<i64> {
        let id: Id = self
            .client
            .send(
                Call::post(
                    format!("/customers/{customer_id}/carts"),
                    &serde_json::Map::new(),
                )?
                .retry(Retry::Safe),
            )
            .await?;
        Ok(id.0)
    }

    /// `GET /V1/carts/{cartId}/items`: the cart's lines.
    pub async fn items(&self, cart_id: i64) -> Result<Vec<CartItem>> {
        self.client
            .send(Call::get(format!("/carts/{cart_id}/items")))
            .await
    }

    /// `POST /V1/carts/{quoteId}/items` with `{"cartItem": {sku, qty, quote_id}}`: adds a line
    /// (Magento adds the quantity to a line of the same product). Never retried: after a
    /// timeout, read the cart's [`Self::items`] first.
    pub async fn add_item(&self, cart_id: i64, item: &CartItem) -> Result<CartItem> {
        self.client
            .send(Call::post(
                format!("/carts/{cart_id}/items"),
                &CartItemBody { cart_item: item },
            )?)
            .await
    }

    /// `POST /V1/carts/{cartId}/shipping-information` with `{"addressInformation": ...}`: the
    /// addresses and the shipping method; answers the payment methods the cart can take. Sets
    /// the same values when sent again, so it is retried.
    pub async fn set_shipping_information(
        &self,
        cart_id: i64,
        information: &ShippingInformation,
    ) -> Result<PaymentDetails> {
        self.client
            .send(
                Call::post(
                    format!("/carts/{cart_id}/shipping-information"),
                    &ShippingBody {
                        address_information: information,
                    },
                )?
                .retry(Retry::Safe),
            )
            .await
    }

    /// `PUT /V1/carts/{cartId}/order` with `{"paymentMethod": {"method": ...}}`: places the
    /// order and returns its `entity_id`. Never retried: after a timeout the order may exist;
    /// find it with [`crate::api::orders::Orders::get_by_quote_id`] before placing again.
    pub async fn place_order(&self, cart_id: i64, payment_method: &str) -> Result<i64> {
        let id: Id = self
            .client
            .send(
                Call::put(
                    format!("/carts/{cart_id}/order"),
                    &OrderBody {
                        payment_method: PaymentMethod {
                            method: payment_method,
                        },
                    },
                )?
                .retry(Retry::Never),
            )
            .await?;
        Ok(id.0)
    }
}

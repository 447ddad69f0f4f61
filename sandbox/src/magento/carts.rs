//! Carts turned into orders, as an admin does it over REST: `POST /V1/customers/{id}/carts`,
//! `GET`/`POST /V1/carts/{id}/items`, `POST /V1/carts/{id}/shipping-information`,
//! `PUT /V1/carts/{id}/order` (admin schema 2.4.8).

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::reply::Fail;
use super::state::{Address, NewOrder, NewOrderItem, State, num};

/// The one carrier and method the fake offers: Magento's flat rate.
const FLATRATE: &str = "flatrate";
/// Flat rate's price per item (Magento's default "Per Item" type at 5.00).
const FLATRATE_PER_ITEM: Decimal = Decimal::from_parts(5, 0, 0, false, 0);
/// The payment methods the fake's carts take: Magento's offline ones.
const PAYMENT_METHODS: &[(&str, &str)] = &[
    ("checkmo", "Check / Money order"),
    ("banktransfer", "Bank Transfer Payment"),
];

/// A product of the fake's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Product {
    pub(crate) name: String,
    pub(crate) price: Decimal,
}

/// A cart (quote) of a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    /// The cart's id (the order's `quote_id`).
    pub id: i64,
    /// The customer.
    pub customer_id: i64,
    /// Still open: an ordered cart is no longer active.
    pub active: bool,
    /// Its lines.
    pub items: Vec<CartLine>,
    /// Where it ships, once set.
    pub shipping_address: Option<Address>,
    /// Its billing address, once set.
    pub billing_address: Option<Address>,
    /// `{carrier}_{method}`, once set.
    pub shipping_method: Option<String>,
    /// The order placed from it.
    pub order_id: Option<i64>,
}

/// A line of a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    /// The line id.
    pub item_id: i64,
    /// The SKU.
    pub sku: String,
    /// The product's name.
    pub name: String,
    /// The quantity.
    pub qty: Decimal,
    /// The catalog price.
    pub price: Decimal,
}

impl CartLine {
    fn render(&self, cart_id: i64) -> Value {
        json!({
            "item_id": self.item_id,
            "sku": self.sku,
            "qty": num(self.qty),
            "name": self.name,
            "price": num(self.price),
            "product_type": "simple",
            "quote_id": cart_id.to_string(),
        })
    }
}

fn no_cart(id: i64) -> Fail {
    Fail::no_such_field("cartId", json!(id))
}

/// The active cart `id`.
fn active_cart(state: &mut State, id: i64) -> Result<&mut Cart, Fail> {
    state
        .carts
        .get_mut(&id)
        .filter(|c| c.active)
        .ok_or_else(|| no_cart(id))
}

/// `POST /V1/customers/{id}/carts`: the customer's active cart, or a new one.
pub(crate) fn create_for_customer(state: &mut State, customer_id: i64) -> Result<Value, Fail> {
    if !state.customers.contains_key(&customer_id) {
        return Err(Fail::no_such_field("customerId", json!(customer_id)));
    }
    if let Some(cart) = state
        .carts
        .values()
        .find(|c| c.active && c.customer_id == customer_id)
    {
        return Ok(json!(cart.id));
    }
    let id = state.next("quote");
    state.carts.insert(
        id,
        Cart {
            id,
            customer_id,
            active: true,
            ..Cart::default()
        },
    );
    Ok(json!(id))
}

/// `GET /V1/carts/{id}/items`.
pub(crate) fn items(state: &mut State, id: i64) -> Result<Value, Fail> {
    let cart = active_cart(state, id)?;
    Ok(Value::Array(
        cart.items.iter().map(|l| l.render(cart.id)).collect(),
    ))
}

/// `POST /V1/carts/{id}/items` with `{"cartItem": {sku, qty, quote_id}}`.
pub(crate) fn add_item(
    state: &mut State,
    id: i64,
    body: &Map<String, Value>,
) -> Result<Value, Fail> {
    let Some(Value::Object(item)) = body.get("cartItem") else {
        return Err(Fail::required("cartItem"));
    };
    let sku = item.get("sku").map(super::ops::text).unwrap_or_default();
    if sku.is_empty() {
        return Err(Fail::required("sku"));
    }
    let qty = match item.get("qty") {
        None | Some(Value::Null) => return Err(Fail::required("qty")),
        Some(v) => super::ops::dec(v)?,
    };
    if qty <= Decimal::ZERO {
        return Err(Fail::bad_request(
            "The quantity \"0\" is not valid. Enter a valid quantity and try again.",
        ));
    }
    let product = state.products.get(&sku).cloned().ok_or_else(|| {
        Fail::json(
            axum::http::StatusCode::NOT_FOUND,
            "The product that was requested doesn't exist. Verify the product and try again.",
            None,
        )
    })?;
    let item_id = state.next("quote_item");
    let cart = active_cart(state, id)?;
    let line = if let Some(line) = cart.items.iter_mut().find(|l| l.sku == sku) {
        line.qty += qty;
        line.clone()
    } else {
        let line = CartLine {
            item_id,
            sku,
            name: product.name,
            qty,
            price: product.price,
        };
        cart.items.push(line.clone());
        line
    };
    Ok(line.render(id))
}

/// A cart address from its JSON; the fields Magento's default address settings require are
/// required.
fn address(value: &Value, field: &str) -> Result<Address, Fail> {
    let Value::Object(map) = value else {
        return Err(Fail::required(field));
    };
    let get = |key: &str| map.get(key).map(super::ops::text).unwrap_or_default();
    let mut missing = Vec::new();
    for key in [
        "firstname",
        "lastname",
        "city",
        "postcode",
        "country_id",
        "telephone",
    ] {
        if get(key).trim().is_empty() {
            missing.push((
                "\"%fieldName\" is required. Enter and try again.".to_owned(),
                json!({"fieldName": key}),
            ));
        }
    }
    let street: Vec<String> = match map.get("street") {
        Some(Value::Array(lines)) => lines.iter().map(super::ops::text).collect(),
        Some(Value::String(line)) => vec![line.clone()],
        _ => Vec::new(),
    };
    if street.iter().all(|l| l.trim().is_empty()) {
        missing.push((
            "\"%fieldName\" is required. Enter and try again.".to_owned(),
            json!({"fieldName": "street"}),
        ));
    }
    if !missing.is_empty() {
        return Err(Fail::aggregate(missing));
    }
    Ok(Address {
        firstname: get("firstname"),
        lastname: get("lastname"),
        street,
        city: get("city"),
        region: get("region"),
        region_code: get("region_code"),
        region_id: map.get("region_id").and_then(Value::as_i64),
        postcode: get("postcode"),
        country_id: get("country_id"),
        telephone: get("telephone"),
    })
}

/// The flat-rate shipping of a cart's lines.
fn shipping(cart: &Cart) -> Decimal {
    cart.items.iter().map(|l| l.qty).sum::<Decimal>() * FLATRATE_PER_ITEM
}

/// `POST /V1/carts/{id}/shipping-information` with `{"addressInformation": ...}`.
pub(crate) fn shipping_information(
    state: &mut State,
    id: i64,
    body: &Map<String, Value>,
) -> Result<Value, Fail> {
    let Some(Value::Object(info)) = body.get("addressInformation") else {
        return Err(Fail::required("addressInformation"));
    };
    let cart = active_cart(state, id)?;
    if cart.items.is_empty() {
        return Err(Fail::bad_request(
            "The shipping method can't be set for an empty cart. Add an item to cart and try again.",
        ));
    }
    let shipping_address = address(
        info.get("shipping_address").unwrap_or(&Value::Null),
        "shipping_address",
    )?;
    let billing_address = match info.get("billing_address") {
        None | Some(Value::Null) => shipping_address.clone(),
        Some(value) => address(value, "billing_address")?,
    };
    let carrier = info
        .get("shipping_carrier_code")
        .map(super::ops::text)
        .unwrap_or_default();
    let method = info
        .get("shipping_method_code")
        .map(super::ops::text)
        .unwrap_or_default();
    if carrier != FLATRATE || method != FLATRATE {
        return Err(Fail::bad_request_with(
            "Carrier with such method not found: %1, %2",
            json!([carrier, method]),
        ));
    }
    cart.shipping_address = Some(shipping_address);
    cart.billing_address = Some(billing_address);
    cart.shipping_method = Some(format!("{carrier}_{method}"));
    let subtotal: Decimal = cart.items.iter().map(|l| l.price * l.qty).sum();
    let shipping = shipping(cart);
    Ok(json!({
        "payment_methods": PAYMENT_METHODS
            .iter()
            .map(|(code, title)| json!({"code": code, "title": title}))
            .collect::<Vec<_>>(),
        "totals": {
            "subtotal": num(subtotal),
            "shipping_amount": num(shipping),
            "grand_total": num(subtotal + shipping),
            "quote_currency_code": "USD",
        },
    }))
}

/// `PUT /V1/carts/{id}/order` with `{"paymentMethod": {"method": ...}}`: the order, placed in
/// state `new` with the cart's `quote_id`; the cart is no longer active.
pub(crate) fn place_order(
    state: &mut State,
    id: i64,
    body: &Map<String, Value>,
) -> Result<Value, Fail> {
    let method = match body.get("paymentMethod") {
        Some(Value::Object(p)) => p.get("method").map(super::ops::text).unwrap_or_default(),
        _ => String::new(),
    };
    let cart = active_cart(state, id)?.clone();
    if cart.items.is_empty() {
        return Err(Fail::bad_request(
            "The shipping method is missing. Select the shipping method and try again.",
        ));
    }
    let (Some(shipping_address), Some(billing_address), Some(shipping_method)) = (
        cart.shipping_address.clone(),
        cart.billing_address.clone(),
        cart.shipping_method.clone(),
    ) else {
        return Err(Fail::bad_request(
            "The shipping method is missing. Select the shipping method and try again.",
        ));
    };
    let Some((code, title)) = PAYMENT_METHODS.iter().find(|(code, _)| *code == method) else {
        return Err(Fail::bad_request(
            "The requested Payment Method is not available.",
        ));
    };
    let customer = state
        .customers
        .get(&cart.customer_id)
        .map(|c| c.data.clone())
        .unwrap_or_default();
    let field = |key: &str| customer.get(key).map(super::ops::text).unwrap_or_default();
    let mut order = NewOrder::new(field("email"));
    order.customer_firstname = field("firstname");
    order.customer_lastname = field("lastname");
    order.customer_id = Some(cart.customer_id);
    order.items = cart
        .items
        .iter()
        .map(|l| NewOrderItem {
            sku: l.sku.clone(),
            name: l.name.clone(),
            qty: l.qty,
            price: l.price,
            tax_amount: Decimal::ZERO,
            discount_amount: Decimal::ZERO,
            product_type: "simple".into(),
        })
        .collect();
    order.shipping_amount = shipping(&cart);
    order.shipping_description = "Flat Rate - Fixed".into();
    order.shipping_method = shipping_method;
    order.payment_method = (*code).to_owned();
    order.payment_info = vec![("method_title".into(), (*title).to_owned())];
    order.billing_address = billing_address;
    order.shipping_address = Some(shipping_address);
    // Placed by an admin over REST: no storefront IP.
    order.remote_ip = None;
    order.quote_id = Some(id);
    let order_id = state.insert_order(order);
    if let Some(cart) = state.carts.get_mut(&id) {
        cart.active = false;
        cart.order_id = Some(order_id);
    }
    Ok(json!(order_id))
}

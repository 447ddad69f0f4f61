//! The fake store's records (orders, invoices, shipments, credit memos, customers) and their
//! JSON renderings in Magento's shapes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

/// Rounds money to cents, half away from zero (Magento's `PriceCurrency::round`).
pub(crate) fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An exact JSON number: `165` when integral, `165.5` otherwise (never through `f64`).
pub(crate) fn num(d: Decimal) -> Value {
    let text = d.normalize().to_string();
    serde_json::Number::from_str(&text).map_or(Value::String(text), Value::Number)
}

/// How money is written: search results carry the raw 4-decimal database text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `165`, `22.5`.
    Number,
    /// `"165.0000"`.
    Text,
}

pub(crate) fn money(d: Decimal, style: Style) -> Value {
    match style {
        Style::Number => num(d),
        Style::Text => Value::String(format!("{:.4}", d)),
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time, as Magento stores dates.
pub(crate) fn format_ts(unix: i64) -> String {
    // 0001-01-01 .. 9999-12-31, so that the arithmetic below cannot overflow.
    let unix = unix.clamp(-62_135_596_800, 253_402_300_799);
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The default status of a state (Stores > Order Status).
pub(crate) fn default_status(state: &str) -> &str {
    match state {
        "new" => "pending",
        "holded" => "holded",
        other => other,
    }
}

/// A postal address of an order (billing or shipping).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Street lines.
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// Region name ("New York").
    pub region: String,
    /// Region code ("NY").
    pub region_code: String,
    /// Magento's region id (43 is New York).
    pub region_id: Option<i64>,
    /// Postal code.
    pub postcode: String,
    /// ISO 3166-1 alpha-2 country.
    pub country_id: String,
    /// Telephone.
    pub telephone: String,
}

impl Address {
    /// Jane Doe, 123 Oak Ave, Purchase NY 10577, US (the address of Adobe's tutorials).
    pub fn sample() -> Self {
        Self {
            firstname: "Jane".into(),
            lastname: "Doe".into(),
            street: vec!["123 Oak Ave".into()],
            city: "Purchase".into(),
            region: "New York".into(),
            region_code: "NY".into(),
            region_id: Some(43),
            postcode: "10577".into(),
            country_id: "US".into(),
            telephone: "512-555-1111".into(),
        }
    }

    fn render(&self, kind: &str, entity_id: i64, parent_id: i64, email: &str) -> Value {
        json!({
            "address_type": kind,
            "city": self.city,
            "country_id": self.country_id,
            "email": email,
            "entity_id": entity_id,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "parent_id": parent_id,
            "postcode": self.postcode,
            "region": self.region,
            "region_code": self.region_code,
            "region_id": self.region_id,
            "street": self.street,
            "telephone": self.telephone,
        })
    }
}

/// One line of an order to seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderItem {
    /// SKU.
    pub sku: String,
    /// Product name.
    pub name: String,
    /// Quantity ordered.
    pub qty: Decimal,
    /// Unit price (tax excluded) in the order currency.
    pub price: Decimal,
    /// Tax of the whole line.
    pub tax_amount: Decimal,
    /// Discount of the whole line, as a positive amount.
    pub discount_amount: Decimal,
    /// `simple`, `virtual`...
    pub product_type: String,
}

/// An order to seed with [`MagentoFake::create_order`](super::MagentoFake::create_order).
///
/// Base and order currency are the same (rate 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The customer's e-mail.
    pub customer_email: String,
    /// The customer's first name.
    pub customer_firstname: String,
    /// The customer's last name.
    pub customer_lastname: String,
    /// The customer account; `None` places a guest order.
    pub customer_id: Option<i64>,
    /// ISO 4217 code of the base and order currency.
    pub currency: String,
    /// The lines.
    pub items: Vec<NewOrderItem>,
    /// Shipping charged (tax excluded).
    pub shipping_amount: Decimal,
    /// Shipping method label.
    pub shipping_description: String,
    /// Shipping method code.
    pub shipping_method: String,
    /// Payment method code (`checkmo`, `stripe_payments`...).
    pub payment_method: String,
    /// Payment additional information (key/value pairs).
    pub payment_info: Vec<(String, String)>,
    /// The gateway transaction already known (an authorization), if any.
    pub last_trans_id: Option<String>,
    /// The billing address.
    pub billing_address: Address,
    /// The shipping address (`None` for a virtual order).
    pub shipping_address: Option<Address>,
    /// Initial state (`new` by default, `pending_payment` for off-site payments).
    pub state: String,
    /// Initial status (the state's default when empty).
    pub status: String,
    /// The customer's IP at checkout (`remote_ip`); `None` for an order placed from the admin.
    pub remote_ip: Option<String>,
    /// The cart it is placed from; `None` gives it a cart id of its own.
    pub quote_id: Option<i64>,
}

impl NewOrder {
    /// A `new`/`pending` order by `email` in USD, with no lines yet, 5.00 flat-rate shipping,
    /// `checkmo` payment and [`Address::sample`] as both addresses.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            customer_email: email.into(),
            customer_firstname: "Jane".into(),
            customer_lastname: "Doe".into(),
            customer_id: None,
            currency: "USD".into(),
            items: Vec::new(),
            shipping_amount: Decimal::new(5, 0),
            shipping_description: "Flat Rate - Fixed".into(),
            shipping_method: "flatrate_flatrate".into(),
            payment_method: "checkmo".into(),
            payment_info: vec![("method_title".into(), "Check / Money order".into())],
            last_trans_id: None,
            billing_address: Address::sample(),
            shipping_address: Some(Address::sample()),
            state: "new".into(),
            status: String::new(),
            // A documentation address (RFC 5737): storefront orders carry the buyer's IP.
            remote_ip: Some("198.51.100.7".into()),
            quote_id: None,
        }
    }

    /// Adds a simple-product line without tax or discount.
    #[must_use]
    pub fn item(mut self, sku: impl Into<String>, qty: impl Into<Decimal>, price: Decimal) -> Self {
        let sku = sku.into();
        self.items.push(NewOrderItem {
            name: format!("Product {sku}"),
            sku,
            qty: qty.into(),
            price,
            tax_amount: Decimal::ZERO,
            discount_amount: Decimal::ZERO,
            product_type: "simple".into(),
        });
        self
    }

    /// Adds a line as given.
    #[must_use]
    pub fn line(mut self, item: NewOrderItem) -> Self {
        self.items.push(item);
        self
    }

    /// Sets the shipping amount.
    #[must_use]
    pub fn shipping(mut self, amount: Decimal) -> Self {
        self.shipping_amount = amount;
        self
    }

    /// Sets the currency.
    #[must_use]
    pub fn currency(mut self, code: impl Into<String>) -> Self {
        self.currency = code.into();
        self
    }

    /// Sets the payment method code and its additional information.
    #[must_use]
    pub fn payment(mut self, method: impl Into<String>, info: Vec<(String, String)>) -> Self {
        self.payment_method = method.into();
        self.payment_info = info;
        self
    }

    /// Links the order to a customer account.
    #[must_use]
    pub fn customer(mut self, customer_id: i64, firstname: &str, lastname: &str) -> Self {
        self.customer_id = Some(customer_id);
        self.customer_firstname = firstname.into();
        self.customer_lastname = lastname.into();
        self
    }

    /// Sets the initial state and status.
    #[must_use]
    pub fn state(mut self, state: impl Into<String>, status: impl Into<String>) -> Self {
        self.state = state.into();
        self.status = status.into();
        self
    }
}

/// An order line as the fake keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    /// The line id (`order_item_id` in document requests).
    pub item_id: i64,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Product type.
    pub product_type: String,
    /// Unit price.
    pub price: Decimal,
    /// Line tax.
    pub tax_amount: Decimal,
    /// Line discount (positive).
    pub discount_amount: Decimal,
    /// Ordered.
    pub qty_ordered: Decimal,
    /// Invoiced.
    pub qty_invoiced: Decimal,
    /// Shipped.
    pub qty_shipped: Decimal,
    /// Refunded.
    pub qty_refunded: Decimal,
    /// Canceled.
    pub qty_canceled: Decimal,
    /// Tax invoiced so far.
    pub tax_invoiced: Decimal,
    /// Discount invoiced so far.
    pub discount_invoiced: Decimal,
    /// Tax refunded so far.
    pub tax_refunded: Decimal,
    /// Discount refunded so far.
    pub discount_refunded: Decimal,
}

impl OrderItem {
    /// `price * qty_ordered`.
    pub fn row_total(&self) -> Decimal {
        round2(self.price * self.qty_ordered)
    }
}

/// A status history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Id.
    pub entity_id: i64,
    /// Text.
    pub comment: String,
    /// Status recorded with it.
    pub status: Option<String>,
    /// `order`, `invoice`, `creditmemo`, `shipment`.
    pub entity_name: String,
    /// Customer notified.
    pub is_customer_notified: bool,
    /// Visible on the storefront.
    pub is_visible_on_front: bool,
    /// Creation time.
    pub created_at: String,
}

/// The order payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Method code.
    pub method: String,
    /// Last gateway transaction id.
    pub last_trans_id: Option<String>,
    /// Additional information pairs.
    pub additional_info: Vec<(String, String)>,
    /// Captured.
    pub amount_paid: Decimal,
    /// Refunded.
    pub amount_refunded: Decimal,
}

/// An order as the fake keeps it. Totals not stored here are derived from the lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Internal id.
    pub entity_id: i64,
    /// Customer-facing number.
    pub increment_id: String,
    /// The cart it was placed from (seeded orders get a cart id of their own).
    pub quote_id: i64,
    /// State.
    pub state: String,
    /// Status.
    pub status: String,
    /// State and status before `hold`.
    pub hold_before: Option<(String, String)>,
    /// Creation time (`YYYY-MM-DD HH:MM:SS`).
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Customer account, `None` for guests.
    pub customer_id: Option<i64>,
    /// The customer's IP at checkout.
    pub remote_ip: Option<String>,
    /// Customer e-mail.
    pub customer_email: String,
    /// Customer first name.
    pub customer_firstname: String,
    /// Customer last name.
    pub customer_lastname: String,
    /// Currency (base = order).
    pub currency: String,
    /// Lines.
    pub items: Vec<OrderItem>,
    /// Shipping charged.
    pub shipping_amount: Decimal,
    /// Shipping invoiced.
    pub shipping_invoiced: Decimal,
    /// Shipping refunded.
    pub shipping_refunded: Decimal,
    /// Shipping label.
    pub shipping_description: String,
    /// Shipping method code.
    pub shipping_method: String,
    /// Paid (captured) so far.
    pub total_paid: Decimal,
    /// Invoiced so far.
    pub total_invoiced: Decimal,
    /// Refunded so far.
    pub total_refunded: Decimal,
    /// Refunded offline.
    pub total_offline_refunded: Decimal,
    /// Refunded online.
    pub total_online_refunded: Decimal,
    /// Canceled.
    pub total_canceled: Decimal,
    /// Adjustment fees kept back by credit memos.
    pub adjustment_negative: Decimal,
    /// Payment.
    pub payment: Payment,
    /// Billing address.
    pub billing_address: Address,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
}

impl Order {
    /// Sum of line totals.
    pub fn subtotal(&self) -> Decimal {
        self.items.iter().map(OrderItem::row_total).sum()
    }

    /// Sum of line taxes.
    pub fn tax_amount(&self) -> Decimal {
        self.items.iter().map(|i| i.tax_amount).sum()
    }

    /// Sum of line discounts, negative as Magento shows it on the order.
    pub fn discount_amount(&self) -> Decimal {
        -self
            .items
            .iter()
            .map(|i| i.discount_amount)
            .sum::<Decimal>()
    }

    /// Subtotal + tax + shipping + discount.
    pub fn grand_total(&self) -> Decimal {
        self.subtotal() + self.tax_amount() + self.shipping_amount + self.discount_amount()
    }

    /// Grand total minus paid.
    pub fn total_due(&self) -> Decimal {
        (self.grand_total() - self.total_paid).max(Decimal::ZERO)
    }

    /// Whether any line has quantity left to invoice.
    pub fn can_invoice(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "canceled" | "payment_review" | "holded" | "closed" | "complete"
        ) && self
            .items
            .iter()
            .any(|i| i.qty_ordered - i.qty_invoiced - i.qty_canceled > Decimal::ZERO)
    }

    /// Whether any physical line has quantity left to ship.
    pub fn can_ship(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "canceled" | "payment_review" | "holded" | "closed"
        ) && self.items.iter().any(|i| {
            i.product_type != "virtual"
                && i.qty_ordered - i.qty_shipped - i.qty_refunded - i.qty_canceled > Decimal::ZERO
        })
    }

    /// Whether money is left to refund.
    pub fn can_creditmemo(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "canceled" | "holded" | "closed" | "payment_review"
        ) && {
            // `canCreditmemoForZeroTotalRefunded`: an amount left only because of an
            // adjustment fee is not refundable.
            let left = self.total_paid - self.total_refunded;
            left > Decimal::ZERO && left != self.adjustment_negative
        }
    }

    /// Whether `cancel` is allowed.
    pub fn can_cancel(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "canceled" | "complete" | "closed" | "holded" | "payment_review"
        ) && self
            .items
            .iter()
            .any(|i| i.qty_ordered - i.qty_invoiced - i.qty_canceled > Decimal::ZERO)
    }

    pub(crate) fn set_state(&mut self, state: &str) {
        self.state = state.to_owned();
        self.status = default_status(state).to_owned();
    }

    /// `Order\Handler\State::check`: processing/complete orders with nothing left to invoice
    /// move to `complete` (nothing left to ship) or `closed` (nothing left to refund either).
    pub(crate) fn settle_state(&mut self) {
        if !matches!(self.state.as_str(), "processing" | "complete") || self.can_invoice() {
            return;
        }
        if !self.can_creditmemo() && !self.can_ship() {
            self.set_state("closed");
        } else if self.state == "processing" && !self.can_ship() {
            self.set_state("complete");
        }
    }

    pub(crate) fn add_comment(&mut self, id: i64, now: &str, text: String, entity_name: &str) {
        self.comments.push(Comment {
            entity_id: id,
            comment: text,
            status: Some(self.status.clone()),
            entity_name: entity_name.to_owned(),
            is_customer_notified: false,
            is_visible_on_front: false,
            created_at: now.to_owned(),
        });
    }

    /// The order in the shape of `GET /V1/orders/{id}`.
    pub(crate) fn render(&self, style: Style) -> Value {
        let m = |d: Decimal| money(d, style);
        let id = self.entity_id;
        let total_qty: Decimal = self.items.iter().map(|i| i.qty_ordered).sum();
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|i| render_order_item(i, id, &self.created_at, style))
            .collect();
        let billing = self
            .billing_address
            .render("billing", id * 2, id, &self.customer_email);
        let is_virtual = self.shipping_address.is_none();
        let mut assignments = Vec::new();
        if let Some(address) = &self.shipping_address {
            assignments.push(json!({
                "shipping": {
                    "address": address.render("shipping", id * 2 - 1, id, &self.customer_email),
                    "method": self.shipping_method,
                    "total": {
                        "base_shipping_amount": m(self.shipping_amount),
                        "shipping_amount": m(self.shipping_amount),
                        "shipping_incl_tax": m(self.shipping_amount),
                        "shipping_tax_amount": 0,
                        "shipping_discount_amount": 0,
                    }
                },
                "items": items,
            }));
        }
        let mut histories: Vec<Value> = self.comments.iter().map(|c| c.render(id)).collect();
        histories.reverse();
        let paid = self.total_paid;
        let first = json!({
            "applied_rule_ids": "",
            "base_currency_code": self.currency,
            "base_discount_amount": m(self.discount_amount()),
            "base_grand_total": m(self.grand_total()),
            "base_shipping_amount": m(self.shipping_amount),
            "base_shipping_incl_tax": m(self.shipping_amount),
            "base_subtotal": m(self.subtotal()),
            "base_subtotal_incl_tax": m(self.subtotal() + self.tax_amount()),
            "base_tax_amount": m(self.tax_amount()),
            "base_to_global_rate": 1,
            "base_to_order_rate": 1,
            "base_total_due": m(self.total_due()),
            "base_total_invoiced": m(self.total_invoiced),
            "base_total_paid": m(paid),
            "base_total_refunded": m(self.total_refunded),
            "base_total_canceled": m(self.total_canceled),
            "billing_address_id": id * 2,
            "created_at": self.created_at,
            "customer_email": self.customer_email,
            "customer_firstname": self.customer_firstname,
            "customer_group_id": if self.customer_id.is_some() { 1 } else { 0 },
            "customer_id": self.customer_id,
            "customer_is_guest": i64::from(self.customer_id.is_none()),
            "remote_ip": self.remote_ip,
            "customer_lastname": self.customer_lastname,
            "customer_note_notify": 1,
            "discount_amount": m(self.discount_amount()),
            "email_sent": 1,
            "entity_id": id,
            "global_currency_code": self.currency,
            "grand_total": m(self.grand_total()),
            "increment_id": self.increment_id,
            "is_virtual": i64::from(is_virtual),
        });
        let second = json!({
            "order_currency_code": self.currency,
            "protect_code": format!("{:06x}", (id * 7_919) % 0xff_ffff),
            "quote_id": self.quote_id,
            "shipping_amount": m(self.shipping_amount),
            "shipping_description": self.shipping_description,
            "shipping_incl_tax": m(self.shipping_amount),
            "shipping_invoiced": m(self.shipping_invoiced),
            "shipping_refunded": m(self.shipping_refunded),
            "shipping_tax_amount": 0,
            "state": self.state,
            "status": self.status,
            "store_currency_code": self.currency,
            "store_id": 1,
            "store_name": "Main Website\nMain Website Store\nDefault Store View",
            "subtotal": m(self.subtotal()),
            "subtotal_incl_tax": m(self.subtotal() + self.tax_amount()),
            "tax_amount": m(self.tax_amount()),
            "total_canceled": m(self.total_canceled),
            "total_due": m(self.total_due()),
            "total_invoiced": m(self.total_invoiced),
            "total_item_count": self.items.len(),
            "total_offline_refunded": m(self.total_offline_refunded),
            "total_online_refunded": m(self.total_online_refunded),
            "total_paid": m(paid),
            "total_qty_ordered": num(total_qty),
        });
        let third = json!({
            "total_refunded": m(self.total_refunded),
            "updated_at": self.updated_at,
            "items": items,
            "billing_address": billing,
            "payment": {
                "account_status": null,
                "additional_information": self.payment.additional_info.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
                "amount_ordered": m(self.grand_total()),
                "amount_paid": m(self.payment.amount_paid),
                "amount_refunded": m(self.payment.amount_refunded),
                "base_amount_ordered": m(self.grand_total()),
                "base_amount_paid": m(self.payment.amount_paid),
                "base_shipping_amount": m(self.shipping_amount),
                "cc_last4": null,
                "entity_id": id,
                "last_trans_id": self.payment.last_trans_id,
                "method": self.payment.method,
                "parent_id": id,
                "shipping_amount": m(self.shipping_amount),
            },
            "status_histories": histories,
            "extension_attributes": {
                "shipping_assignments": assignments,
                "payment_additional_info": self.payment.additional_info.iter()
                    .map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
                "applied_taxes": [],
                "item_applied_taxes": [],
            },
        });
        let mut order = Map::new();
        for part in [first, second, third] {
            if let Value::Object(map) = part {
                order.extend(map);
            }
        }
        Value::Object(order)
    }
}

fn render_order_item(i: &OrderItem, order_id: i64, created_at: &str, style: Style) -> Value {
    let m = |d: Decimal| money(d, style);
    let row = i.row_total();
    let unit_tax = if i.qty_ordered.is_zero() {
        Decimal::ZERO
    } else {
        round2(i.tax_amount / i.qty_ordered)
    };
    let first = json!({
        "amount_refunded": m(round2(i.price * i.qty_refunded)),
        "base_amount_refunded": m(round2(i.price * i.qty_refunded)),
        "base_discount_amount": m(i.discount_amount),
        "base_original_price": m(i.price),
        "base_price": m(i.price),
        "base_price_incl_tax": m(i.price + unit_tax),
        "base_row_invoiced": m(round2(i.price * i.qty_invoiced)),
        "base_row_total": m(row),
        "base_row_total_incl_tax": m(row + i.tax_amount),
        "base_tax_amount": m(i.tax_amount),
        "base_tax_invoiced": m(i.tax_invoiced),
        "created_at": created_at,
        "discount_amount": m(i.discount_amount),
        "discount_invoiced": m(i.discount_invoiced),
        "discount_percent": 0,
        "free_shipping": 0,
        "is_qty_decimal": i64::from(!i.qty_ordered.fract().is_zero()),
        "is_virtual": i64::from(i.product_type == "virtual"),
        "item_id": i.item_id,
        "name": i.name,
    });
    let second = json!({
        "no_discount": 0,
        "order_id": order_id,
        "original_price": m(i.price),
        "price": m(i.price),
        "price_incl_tax": m(i.price + unit_tax),
        "product_id": 1000 + i.item_id,
        "product_type": i.product_type,
        "qty_canceled": num(i.qty_canceled),
        "qty_invoiced": num(i.qty_invoiced),
        "qty_ordered": num(i.qty_ordered),
        "qty_refunded": num(i.qty_refunded),
        "qty_shipped": num(i.qty_shipped),
        "quote_item_id": i.item_id + 100,
        "row_invoiced": m(round2(i.price * i.qty_invoiced)),
        "row_total": m(row),
        "row_total_incl_tax": m(row + i.tax_amount),
        "sku": i.sku,
        "store_id": 1,
        "tax_amount": m(i.tax_amount),
        "tax_invoiced": m(i.tax_invoiced),
        "tax_percent": if row.is_zero() { num(Decimal::ZERO) } else { num(round2(i.tax_amount * Decimal::ONE_HUNDRED / row)) },
        "updated_at": created_at,
        "weight": 1,
    });
    let mut item = Map::new();
    for part in [first, second] {
        if let Value::Object(map) = part {
            item.extend(map);
        }
    }
    Value::Object(item)
}

impl Comment {
    pub(crate) fn render(&self, order_id: i64) -> Value {
        json!({
            "comment": self.comment,
            "created_at": self.created_at,
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "is_customer_notified": i64::from(self.is_customer_notified),
            "is_visible_on_front": i64::from(self.is_visible_on_front),
            "parent_id": order_id,
            "status": self.status,
        })
    }
}

/// A line of an invoice, shipment or credit memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentItem {
    /// Line id.
    pub entity_id: i64,
    /// The order line.
    pub order_item_id: i64,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Quantity.
    pub qty: Decimal,
    /// Unit price.
    pub price: Decimal,
    /// Tax share.
    pub tax_amount: Decimal,
    /// Discount share (positive).
    pub discount_amount: Decimal,
}

impl DocumentItem {
    fn render(&self, parent_id: i64, with_money: bool) -> Value {
        let row = round2(self.price * self.qty);
        let mut item = json!({
            "entity_id": self.entity_id,
            "name": self.name,
            "order_item_id": self.order_item_id,
            "parent_id": parent_id,
            "product_id": 1000 + self.order_item_id,
            "qty": num(self.qty),
            "sku": self.sku,
        });
        if with_money {
            if let Some(map) = item.as_object_mut() {
                for (k, v) in [
                    ("base_price", num(self.price)),
                    ("price", num(self.price)),
                    ("base_row_total", num(row)),
                    ("row_total", num(row)),
                    ("row_total_incl_tax", num(row + self.tax_amount)),
                    ("base_tax_amount", num(self.tax_amount)),
                    ("tax_amount", num(self.tax_amount)),
                    ("discount_amount", num(self.discount_amount)),
                    ("base_discount_amount", num(self.discount_amount)),
                ] {
                    map.insert(k.into(), v);
                }
            }
        }
        item
    }
}

/// An invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// Id.
    pub entity_id: i64,
    /// Number.
    pub increment_id: String,
    /// Order id.
    pub order_id: i64,
    /// 1 open, 2 paid, 3 canceled.
    pub state: i64,
    /// Capture transaction (online captures).
    pub transaction_id: Option<String>,
    /// Lines.
    pub items: Vec<DocumentItem>,
    /// Shipping invoiced.
    pub shipping_amount: Decimal,
    /// Currency.
    pub currency: String,
    /// Refunded against this invoice so far.
    pub refunded: Decimal,
    /// Quantity refunded per order line through this invoice.
    pub qty_refunded: BTreeMap<i64, Decimal>,
    /// Shipping refunded against this invoice.
    pub shipping_refunded: Decimal,
    /// Comment given at creation.
    pub comment: Option<String>,
    /// Creation time.
    pub created_at: String,
}

impl Invoice {
    /// Lines subtotal.
    pub fn subtotal(&self) -> Decimal {
        self.items.iter().map(|i| round2(i.price * i.qty)).sum()
    }

    /// Tax.
    pub fn tax_amount(&self) -> Decimal {
        self.items.iter().map(|i| i.tax_amount).sum()
    }

    /// Discount (negative).
    pub fn discount_amount(&self) -> Decimal {
        -self
            .items
            .iter()
            .map(|i| i.discount_amount)
            .sum::<Decimal>()
    }

    /// Grand total.
    pub fn grand_total(&self) -> Decimal {
        self.subtotal() + self.tax_amount() + self.shipping_amount + self.discount_amount()
    }

    pub(crate) fn render(&self, billing_address_id: i64) -> Value {
        let qty: Decimal = self.items.iter().map(|i| i.qty).sum();
        let comments: Vec<Value> = self
            .comment
            .iter()
            .map(|c| json!({"comment": c, "created_at": self.created_at, "entity_id": self.entity_id, "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": self.entity_id}))
            .collect();
        json!({
            "base_currency_code": self.currency,
            "base_discount_amount": num(self.discount_amount()),
            "base_grand_total": num(self.grand_total()),
            "base_shipping_amount": num(self.shipping_amount),
            "base_shipping_incl_tax": num(self.shipping_amount),
            "base_subtotal": num(self.subtotal()),
            "base_subtotal_incl_tax": num(self.subtotal() + self.tax_amount()),
            "base_tax_amount": num(self.tax_amount()),
            "base_to_global_rate": 1,
            "base_to_order_rate": 1,
            "base_total_refunded": num(self.refunded),
            "billing_address_id": billing_address_id,
            "can_void_flag": 0,
            "created_at": self.created_at,
            "discount_amount": num(self.discount_amount()),
            "email_sent": 1,
            "entity_id": self.entity_id,
            "global_currency_code": self.currency,
            "grand_total": num(self.grand_total()),
            "increment_id": self.increment_id,
            "order_currency_code": self.currency,
            "order_id": self.order_id,
            "shipping_address_id": billing_address_id - 1,
            "shipping_amount": num(self.shipping_amount),
            "shipping_incl_tax": num(self.shipping_amount),
            "shipping_tax_amount": 0,
            "state": self.state,
            "store_currency_code": self.currency,
            "store_id": 1,
            "subtotal": num(self.subtotal()),
            "subtotal_incl_tax": num(self.subtotal() + self.tax_amount()),
            "tax_amount": num(self.tax_amount()),
            "total_qty": num(qty),
            "transaction_id": self.transaction_id,
            "updated_at": self.created_at,
            "items": self.items.iter().map(|i| i.render(self.entity_id, true)).collect::<Vec<_>>(),
            "comments": comments,
        })
    }
}

/// A tracking number of a shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// Tracking number.
    pub track_number: String,
    /// Carrier title.
    pub title: String,
    /// Carrier code.
    pub carrier_code: String,
}

/// A shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    /// Id.
    pub entity_id: i64,
    /// Number.
    pub increment_id: String,
    /// Order id.
    pub order_id: i64,
    /// Lines.
    pub items: Vec<DocumentItem>,
    /// Tracking numbers.
    pub tracks: Vec<Track>,
    /// Comment given at creation.
    pub comment: Option<String>,
    /// Creation time.
    pub created_at: String,
}

/// A credit memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditMemo {
    /// Id.
    pub entity_id: i64,
    /// Number.
    pub increment_id: String,
    /// Order id.
    pub order_id: i64,
    /// The invoice refunded (online refunds).
    pub invoice_id: Option<i64>,
    /// Lines.
    pub items: Vec<DocumentItem>,
    /// Shipping refunded.
    pub shipping_amount: Decimal,
    /// Adjustment refund.
    pub adjustment_positive: Decimal,
    /// Adjustment fee.
    pub adjustment_negative: Decimal,
    /// Refunded through the payment method.
    pub online: bool,
    /// Refund transaction (online).
    pub transaction_id: Option<String>,
    /// Comment given at creation.
    pub comment: Option<String>,
    /// Creation time.
    pub created_at: String,
}

impl CreditMemo {
    /// Grand total refunded.
    pub fn grand_total(&self) -> Decimal {
        self.items
            .iter()
            .map(|i| round2(i.price * i.qty) + i.tax_amount - i.discount_amount)
            .sum::<Decimal>()
            + self.shipping_amount
            + self.adjustment_positive
            - self.adjustment_negative
    }
}

/// A customer account: the JSON the API returns, plus the password (never returned).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomerRecord {
    pub(crate) data: Map<String, Value>,
    pub(crate) password: Option<String>,
}

/// Everything the fake store holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) orders: BTreeMap<i64, Order>,
    pub(crate) invoices: BTreeMap<i64, Invoice>,
    pub(crate) shipments: BTreeMap<i64, Shipment>,
    pub(crate) creditmemos: BTreeMap<i64, CreditMemo>,
    pub(crate) customers: BTreeMap<i64, CustomerRecord>,
    pub(crate) next_id: HashMap<&'static str, i64>,
    /// Admin tokens and their expiry (fake clock, Unix seconds).
    pub(crate) admin_tokens: HashMap<String, i64>,
    pub(crate) admin_users: HashMap<String, String>,
    pub(crate) admin_token_lifetime: i64,
    pub(crate) nonces: HashSet<(String, String)>,
    pub(crate) clock_offset: i64,
    pub(crate) comment_sets_status: bool,
    pub(crate) integration_bearer: bool,
    pub(crate) stores: Vec<String>,
    pub(crate) auth_failures: u32,
    /// Adobe Commerce customer events of the customers saved through the API, oldest first.
    pub(crate) customer_events: Vec<Value>,
    /// Carts by id.
    pub(crate) carts: BTreeMap<i64, super::carts::Cart>,
    /// The catalog: products by SKU.
    pub(crate) products: BTreeMap<String, super::carts::Product>,
}

impl State {
    pub(crate) fn next(&mut self, sequence: &'static str) -> i64 {
        let next = self.next_id.entry(sequence).or_insert(0);
        *next += 1;
        *next
    }

    pub(crate) fn now_unix(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        real.saturating_add(self.clock_offset)
    }

    pub(crate) fn now(&self) -> String {
        format_ts(self.now_unix())
    }

    pub(crate) fn insert_order(&mut self, new: NewOrder) -> i64 {
        let id = self.next("order");
        let now = self.now();
        let mut items = Vec::new();
        for line in new.items {
            let item_id = self.next("order_item");
            items.push(OrderItem {
                item_id,
                sku: line.sku,
                name: line.name,
                product_type: line.product_type,
                price: line.price,
                tax_amount: line.tax_amount,
                discount_amount: line.discount_amount,
                qty_ordered: line.qty,
                qty_invoiced: Decimal::ZERO,
                qty_shipped: Decimal::ZERO,
                qty_refunded: Decimal::ZERO,
                qty_canceled: Decimal::ZERO,
                tax_invoiced: Decimal::ZERO,
                discount_invoiced: Decimal::ZERO,
                tax_refunded: Decimal::ZERO,
                discount_refunded: Decimal::ZERO,
            });
        }
        let status = if new.status.is_empty() {
            default_status(&new.state).to_owned()
        } else {
            new.status
        };
        let quote_id = match new.quote_id {
            Some(quote_id) => quote_id,
            None => self.next("quote"),
        };
        let order = Order {
            entity_id: id,
            increment_id: format!("{id:09}"),
            quote_id,
            state: new.state,
            status,
            hold_before: None,
            created_at: now.clone(),
            updated_at: now,
            customer_id: new.customer_id,
            remote_ip: new.remote_ip,
            customer_email: new.customer_email,
            customer_firstname: new.customer_firstname,
            customer_lastname: new.customer_lastname,
            currency: new.currency,
            items,
            shipping_amount: new.shipping_amount,
            shipping_invoiced: Decimal::ZERO,
            shipping_refunded: Decimal::ZERO,
            shipping_description: new.shipping_description,
            shipping_method: new.shipping_method,
            total_paid: Decimal::ZERO,
            total_invoiced: Decimal::ZERO,
            total_refunded: Decimal::ZERO,
            total_offline_refunded: Decimal::ZERO,
            total_online_refunded: Decimal::ZERO,
            total_canceled: Decimal::ZERO,
            adjustment_negative: Decimal::ZERO,
            payment: Payment {
                method: new.payment_method,
                last_trans_id: new.last_trans_id,
                additional_info: new.payment_info,
                amount_paid: Decimal::ZERO,
                amount_refunded: Decimal::ZERO,
            },
            billing_address: new.billing_address,
            shipping_address: new.shipping_address,
            comments: Vec::new(),
        };
        self.orders.insert(id, order);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_numbers() {
        assert_eq!(format_ts(0), "1970-01-01 00:00:00");
        assert_eq!(format_ts(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_ts(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(num(Decimal::new(16500, 2)).to_string(), "165");
        assert_eq!(num(Decimal::new(2250, 2)).to_string(), "22.5");
        assert_eq!(money(Decimal::new(165, 0), Style::Text), json!("165.0000"));
    }
}

//! Orders (`sales-data-order-interface`) and their comments (status history).
//!
//! Every field is optional: the schema's "required" fields are `null` in practice (guest orders,
//! `fields=` projections), and money arrives as an int, a float or a string, so amounts are
//! [`Decimal`]s read from the JSON text. Only the fields an integration needs are typed; the
//! order has ~150 more.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::lenient;

/// The order state: Magento's fixed workflow position. The merchant-facing `status` is a label
/// that can be customized per state (e.g. a "Payment Failed" status assigned to a state).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderState {
    /// `new`: placed, nothing invoiced.
    New,
    /// `pending_payment`: waiting for an off-site payment.
    PendingPayment,
    /// `processing`: invoiced or shipped in part.
    Processing,
    /// `complete`: invoiced and shipped in full.
    Complete,
    /// `closed`: fully refunded.
    Closed,
    /// `canceled`.
    Canceled,
    /// `holded`: on hold.
    Holded,
    /// `payment_review`: the gateway flagged the payment for review.
    PaymentReview,
    /// A state added by an extension.
    Other(String),
}

impl OrderState {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "new",
            Self::PendingPayment => "pending_payment",
            Self::Processing => "processing",
            Self::Complete => "complete",
            Self::Closed => "closed",
            Self::Canceled => "canceled",
            Self::Holded => "holded",
            Self::PaymentReview => "payment_review",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for OrderState {
    fn from(s: &str) -> Self {
        match s {
            "new" => Self::New,
            "pending_payment" => Self::PendingPayment,
            "processing" => Self::Processing,
            "complete" => Self::Complete,
            "closed" => Self::Closed,
            "canceled" => Self::Canceled,
            "holded" => Self::Holded,
            "payment_review" => Self::PaymentReview,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

impl Serialize for OrderState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An order as `GET /V1/orders/{id}` returns it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Order {
    /// The internal id used in every order URL (not the customer-facing number).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The customer-facing order number, e.g. `"000000003"`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub increment_id: Option<String>,
    /// The cart (quote) the order was placed from.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub quote_id: Option<i64>,
    /// The workflow state.
    #[serde(default)]
    pub state: Option<OrderState>,
    /// The status code (a label per state; merchants add their own).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// Creation time, sent as `YYYY-MM-DD HH:MM:SS` in UTC (see [`crate::timestamp`]).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Last update, sent as `YYYY-MM-DD HH:MM:SS` in UTC (the backfill cursor: filter on it with
    /// [`Filter::timestamp`](crate::Filter::timestamp)).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub updated_at: Option<OffsetDateTime>,
    /// The store view id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub store_id: Option<i64>,
    /// The customer id; `None` for guests.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub customer_id: Option<i64>,
    /// Whether the order was placed as a guest (`customer_is_guest` 0/1).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub customer_is_guest: Option<bool>,
    /// The customer's e-mail.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_email: Option<String>,
    /// The IP the order was placed from (`remote_ip` of `OrderInterface`): the buyer's at a
    /// storefront checkout, the admin's for an order entered in the admin.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub remote_ip: Option<String>,
    /// The customer's first name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_firstname: Option<String>,
    /// The customer's last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_lastname: Option<String>,
    /// The customer group id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub customer_group_id: Option<i64>,
    /// Currency of the `base_*` amounts (the website's base currency).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub base_currency_code: Option<String>,
    /// Currency the customer saw and pays in (the non-`base_` amounts).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_currency_code: Option<String>,
    /// Grand total in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub grand_total: Option<Decimal>,
    /// Grand total in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_grand_total: Option<Decimal>,
    /// Subtotal in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_subtotal: Option<Decimal>,
    /// Tax in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_tax_amount: Option<Decimal>,
    /// Shipping in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_shipping_amount: Option<Decimal>,
    /// Discount (negative) in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_discount_amount: Option<Decimal>,
    /// Amount paid so far in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_total_paid: Option<Decimal>,
    /// Amount refunded so far in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_total_refunded: Option<Decimal>,
    /// Subtotal in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub subtotal: Option<Decimal>,
    /// Subtotal including tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub subtotal_incl_tax: Option<Decimal>,
    /// Tax in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub tax_amount: Option<Decimal>,
    /// Shipping in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_amount: Option<Decimal>,
    /// Shipping including tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_incl_tax: Option<Decimal>,
    /// Discount (negative) in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub discount_amount: Option<Decimal>,
    /// Amount paid so far (set by invoices).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_paid: Option<Decimal>,
    /// Amount still due.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_due: Option<Decimal>,
    /// Amount invoiced so far.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_invoiced: Option<Decimal>,
    /// Amount refunded so far.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_refunded: Option<Decimal>,
    /// Amount canceled.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_canceled: Option<Decimal>,
    /// Sum of ordered quantities.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total_qty_ordered: Option<Decimal>,
    /// The shipping method's label.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub shipping_description: Option<String>,
    /// The coupon used, if any.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub coupon_code: Option<String>,
    /// 1 when the order has no physical items.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_virtual: Option<bool>,
    /// The lines. Configurable and bundle products appear as a parent line plus child lines
    /// that point to it with `parent_item_id`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<OrderItem>,
    /// The billing address.
    #[serde(default)]
    pub billing_address: Option<OrderAddress>,
    /// The payment.
    #[serde(default)]
    pub payment: Option<OrderPayment>,
    /// The comments, newest first.
    #[serde(default, deserialize_with = "lenient::list")]
    pub status_histories: Vec<OrderComment>,
    /// Shipping assignments and payment key/value pairs, among others.
    #[serde(default)]
    pub extension_attributes: Option<OrderExtensionAttributes>,
}

impl Order {
    /// The shipping address, which Magento only returns under
    /// `extension_attributes.shipping_assignments[].shipping.address`. `None` for virtual orders.
    pub fn shipping_address(&self) -> Option<&OrderAddress> {
        self.extension_attributes
            .as_ref()?
            .shipping_assignments
            .iter()
            .find_map(|a| a.shipping.as_ref()?.address.as_ref())
    }

    /// The shipping method code (`tablerate_bestway`), from the shipping assignment.
    pub fn shipping_method(&self) -> Option<&str> {
        self.extension_attributes
            .as_ref()?
            .shipping_assignments
            .iter()
            .find_map(|a| a.shipping.as_ref()?.method.as_deref())
    }

    /// A payment additional-information value by key, from
    /// `extension_attributes.payment_additional_info` (the `payment.additional_information`
    /// list has the values without their keys).
    pub fn payment_info(&self, key: &str) -> Option<&str> {
        self.extension_attributes
            .as_ref()?
            .payment_additional_info
            .iter()
            .find(|kv| kv.key == key)?
            .value
            .as_deref()
    }

    /// Top-level lines: the ones without a parent (simple products and the parents of
    /// configurable and bundle products).
    pub fn top_level_items(&self) -> impl Iterator<Item = &OrderItem> {
        self.items.iter().filter(|i| i.parent_item_id.is_none())
    }

    /// The child lines of the line `item_id`.
    pub fn children_of(&self, item_id: i64) -> impl Iterator<Item = &OrderItem> {
        self.items
            .iter()
            .filter(move |i| i.parent_item_id == Some(item_id))
    }
}

/// An order line (`sales-data-order-item-interface`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OrderItem {
    /// The line id (`order_item_id` in invoice, shipment and refund requests).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub item_id: Option<i64>,
    /// The order id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub order_id: Option<i64>,
    /// The parent line of a configurable or bundle child.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub parent_item_id: Option<i64>,
    /// The parent line itself, when Magento embeds it.
    #[serde(default)]
    pub parent_item: Option<Box<OrderItem>>,
    /// The product id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub product_id: Option<i64>,
    /// `simple`, `configurable`, `bundle`, `virtual`, `downloadable`, `grouped`...
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub product_type: Option<String>,
    /// The SKU (a configurable parent carries its selected child's SKU).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub sku: Option<String>,
    /// The product name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Quantity ordered (decimal for products sold by weight).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty_ordered: Option<Decimal>,
    /// Quantity invoiced.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty_invoiced: Option<Decimal>,
    /// Quantity shipped.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty_shipped: Option<Decimal>,
    /// Quantity refunded.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty_refunded: Option<Decimal>,
    /// Quantity canceled.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub qty_canceled: Option<Decimal>,
    /// Unit price in the order currency (0 on configurable children: the parent is priced).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub price: Option<Decimal>,
    /// Unit price in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_price: Option<Decimal>,
    /// Unit price including tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub price_incl_tax: Option<Decimal>,
    /// Catalog price before discounts.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub original_price: Option<Decimal>,
    /// Line total in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub row_total: Option<Decimal>,
    /// Line total in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_row_total: Option<Decimal>,
    /// Line total including tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub row_total_incl_tax: Option<Decimal>,
    /// Line tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub tax_amount: Option<Decimal>,
    /// Tax rate in percent.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub tax_percent: Option<Decimal>,
    /// Line discount.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub discount_amount: Option<Decimal>,
    /// Line tax in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_tax_amount: Option<Decimal>,
    /// Line discount in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_discount_amount: Option<Decimal>,
    /// Line total including tax in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_row_total_incl_tax: Option<Decimal>,
    /// Unit weight.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub weight: Option<Decimal>,
    /// Whether the line has no shipping.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_virtual: Option<bool>,
}

/// An order address (`sales-data-order-address-interface`). The region is flat here
/// (`region`, `region_code`, `region_id`), unlike customer addresses.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OrderAddress {
    /// `billing` or `shipping`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub address_type: Option<String>,
    /// The address id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The customer address book entry it was copied from.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub customer_address_id: Option<i64>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub firstname: Option<String>,
    /// Middle name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub middlename: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lastname: Option<String>,
    /// Company.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub company: Option<String>,
    /// Street lines (a single string is split on newlines).
    #[serde(default, deserialize_with = "lenient::street")]
    pub street: Vec<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub city: Option<String>,
    /// Region name, e.g. "New York".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub region: Option<String>,
    /// Region code, e.g. "NY".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub region_code: Option<String>,
    /// Magento's region id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub region_id: Option<i64>,
    /// Postal code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub country_id: Option<String>,
    /// Telephone.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub telephone: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    /// VAT number.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub vat_id: Option<String>,
}

/// The order payment (`sales-data-order-payment-interface`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OrderPayment {
    /// The payment id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The payment method code, e.g. `checkmo`, `banktransfer`, `stripe_payments`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub method: Option<String>,
    /// The gateway's last transaction id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_trans_id: Option<String>,
    /// Last four digits of the card, when the method stores them.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub cc_last4: Option<String>,
    /// Card brand code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub cc_type: Option<String>,
    /// Account status (schema-required, usually `null`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_status: Option<String>,
    /// The additional information values, without their keys (see
    /// [`Order::payment_info`] for the key/value pairs).
    #[serde(default, deserialize_with = "lenient::list")]
    pub additional_information: Vec<Value>,
    /// Amount ordered.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount_ordered: Option<Decimal>,
    /// Amount ordered in the base currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub base_amount_ordered: Option<Decimal>,
    /// Amount authorized.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount_authorized: Option<Decimal>,
    /// Amount paid (captured).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount_paid: Option<Decimal>,
    /// Amount refunded.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount_refunded: Option<Decimal>,
    /// Shipping amount.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_amount: Option<Decimal>,
}

/// `extension_attributes` of an order (the parts this crate types).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OrderExtensionAttributes {
    /// Where the items go: one assignment per shipping address.
    #[serde(default, deserialize_with = "lenient::list")]
    pub shipping_assignments: Vec<ShippingAssignment>,
    /// The payment's additional information as key/value pairs.
    #[serde(default, deserialize_with = "lenient::list")]
    pub payment_additional_info: Vec<PaymentAdditionalInfo>,
}

/// One `shipping_assignments[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ShippingAssignment {
    /// Address, method and totals.
    #[serde(default)]
    pub shipping: Option<Shipping>,
    /// The lines shipped to this address.
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<OrderItem>,
}

/// The `shipping` part of a shipping assignment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Shipping {
    /// The shipping address.
    #[serde(default)]
    pub address: Option<OrderAddress>,
    /// The method code, e.g. `flatrate_flatrate`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub method: Option<String>,
    /// Shipping totals.
    #[serde(default)]
    pub total: Option<ShippingTotal>,
}

/// Shipping totals of an assignment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ShippingTotal {
    /// Shipping in the order currency.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_amount: Option<Decimal>,
    /// Shipping including tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_incl_tax: Option<Decimal>,
    /// Shipping tax.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_tax_amount: Option<Decimal>,
    /// Shipping discount.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_discount_amount: Option<Decimal>,
}

/// A payment additional-information pair. Values are strings on the wire; structured values
/// arrive JSON-encoded inside the string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PaymentAdditionalInfo {
    /// The key, e.g. `method_title`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub key: String,
    /// The value.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
}

/// An order comment (`sales-data-order-status-history-interface`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OrderComment {
    /// The comment id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The order id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub parent_id: Option<i64>,
    /// The text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comment: Option<String>,
    /// The order status recorded with the comment.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// Creation time (UTC).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// What the comment is about (`order`, `invoice`, `shipment`, `creditmemo`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity_name: Option<String>,
    /// Whether the customer was e-mailed.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_customer_notified: Option<bool>,
    /// Whether the customer sees it in their account.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_visible_on_front: Option<bool>,
}

/// A comment to add to an order (`POST /V1/orders/{id}/comments`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrderComment {
    /// The text.
    pub comment: String,
    /// The status to record with the comment. Prefer sending the order's current status when
    /// the comment is informational: Magento versions without the fix for issue #34180 write
    /// `NULL` when it is missing, which hides the order from the admin grid. Since 2.4.7 the
    /// status sent here no longer changes the order's status (issue #38723).
    pub status: Option<String>,
    /// E-mail the comment to the customer.
    pub notify_customer: bool,
    /// Show the comment in the customer's account.
    pub visible_on_front: bool,
}

/// The wire body of [`NewOrderComment`] (`statusHistory`).
#[derive(Debug, Serialize)]
pub(crate) struct StatusHistoryBody<'a> {
    #[serde(rename = "statusHistory")]
    pub(crate) status_history: StatusHistoryPayload<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StatusHistoryPayload<'a> {
    pub(crate) comment: &'a str,
    #[serde(serialize_with = "lenient::bool_int")]
    pub(crate) is_customer_notified: bool,
    #[serde(serialize_with = "lenient::bool_int")]
    pub(crate) is_visible_on_front: bool,
    pub(crate) parent_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<&'a str>,
}

/// How a failed payment is recorded on a Magento order; see
/// [`Orders::record_payment_failure`](crate::api::orders::Orders::record_payment_failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFailure {
    /// The custom status the merchant created for failed payments (Stores > Order Status),
    /// e.g. `payment_failed`. Magento has no built-in one.
    pub status: String,
    /// The state that custom status is assigned to (e.g. `pending_payment` or `holded`), used
    /// when the status has to be written on the order itself.
    pub state: OrderState,
    /// The history comment: what failed, gateway reference, decline reason.
    pub comment: String,
    /// E-mail the comment to the customer.
    pub notify_customer: bool,
}

/// How the failure status ended up on the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusApplied {
    /// The comment call changed the status itself (Magento before 2.4.7).
    ByComment,
    /// The comment was added, then the status was written through `POST /V1/orders`
    /// (2.4.7 and later, where a comment no longer changes the status).
    ByOrderSave,
}

/// The outcome of recording a failed payment.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentFailureRecorded {
    /// How the status was applied.
    pub applied: StatusApplied,
    /// The order's status as read back after the update.
    pub status: Option<String>,
    /// The order's state as read back after the update.
    pub state: Option<OrderState>,
}

/// The body of `POST /V1/orders` restricted to a status change.
#[derive(Debug, Serialize)]
pub(crate) struct OrderStatusSave<'a> {
    pub(crate) entity: OrderStatusEntity<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct OrderStatusEntity<'a> {
    pub(crate) entity_id: i64,
    pub(crate) state: &'a str,
    pub(crate) status: &'a str,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn state_round_trips_and_keeps_unknown_values() {
        let s: OrderState = serde_json::from_str("\"holded\"").unwrap();
        assert_eq!(s, OrderState::Holded);
        let s: OrderState = serde_json::from_str("\"fraud_check\"").unwrap();
        assert_eq!(s, OrderState::Other("fraud_check".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"fraud_check\"");
    }

    #[test]
    fn nulls_and_strings_where_the_schema_says_required_numbers() {
        let order: Order = serde_json::from_str(
            r#"{"entity_id":"7","grand_total":"10.5000","base_grand_total":null,
                "customer_email":null,"items":null,"customer_is_guest":"1",
                "extension_attributes":{"payment_additional_info":[{"key":null,"value":5}]},
                "billing_address":{"street":"1 Main St\nFlat 2","region_id":null}}"#,
        )
        .unwrap();
        assert_eq!(order.entity_id, Some(7));
        assert_eq!(order.grand_total, Some(Decimal::new(105, 1)));
        assert_eq!(order.base_grand_total, None);
        assert!(order.items.is_empty());
        assert_eq!(order.payment_info(""), Some("5"));
        assert_eq!(order.customer_is_guest, Some(true));
        assert_eq!(
            order.billing_address.unwrap().street,
            vec!["1 Main St".to_string(), "Flat 2".to_string()]
        );
    }

    #[test]
    fn comment_body_uses_integer_flags() {
        let body = StatusHistoryBody {
            status_history: StatusHistoryPayload {
                comment: "hi",
                is_customer_notified: true,
                is_visible_on_front: false,
                parent_id: 3,
                status: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"statusHistory":{"comment":"hi","is_customer_notified":1,"is_visible_on_front":0,"parent_id":3}})
        );
    }
}

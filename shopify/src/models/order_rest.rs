//! An order read through GraphQL and rebuilt as the REST order resource, the body of its
//! `orders/*` webhooks: what [`crate::api::Orders::get_as_rest`] returns.
//!
//! | REST field | GraphQL source |
//! |---|---|
//! | `id`, `admin_graphql_api_id` | `legacyResourceId`, `id` |
//! | `name`, `email`, `phone`, `note`, `test` | the same names |
//! | `created_at`, `updated_at`, `processed_at`, `cancelled_at`, `closed_at` | `createdAt`, `updatedAt`, `processedAt`, `cancelledAt`, `closedAt` |
//! | `currency`, `presentment_currency` | `currencyCode`, `presentmentCurrencyCode` |
//! | `financial_status` | `displayFinancialStatus`, lower case (`PARTIALLY_PAID` is `partially_paid`) |
//! | `taxes_included`, `duties_included` | `taxesIncluded`, `dutiesIncluded` |
//! | `tags` | `tags`, joined with `", "` |
//! | `note_attributes[i].name`, `.value` | `customAttributes[i].key`, `.value` |
//! | `total_price`, `total_price_set` | `totalPriceSet` (the plain field is its shop money) |
//! | `subtotal_price`, `total_discounts`, `total_tax`, `current_total_price` (and `_set`) | `subtotalPriceSet`, `totalDiscountsSet`, `totalTaxSet`, `currentTotalPriceSet` |
//! | `total_shipping_price_set` | `totalShippingPriceSet` |
//! | `total_tip_received`, `total_outstanding` | `totalTipReceivedSet`, `totalOutstandingSet`, shop money |
//! | `original_total_duties_set` | `originalTotalDutiesSet` |
//! | `total_cash_rounding_payment_adjustment_set`, `..._refund_adjustment_set` | `totalCashRoundingAdjustment.paymentSet`, `.refundSet` |
//! | `billing_address`, `shipping_address` | `billingAddress`, `shippingAddress` (`country_code` from `countryCodeV2`) |
//! | `customer` | `customer`: `legacyResourceId`, `firstName`, `lastName`, `defaultEmailAddress.emailAddress`, `defaultPhoneNumber.phoneNumber`, `defaultAddress` |
//! | `line_items[i].id`, `.admin_graphql_api_id` | the numeric part of `lineItems[i].id` (`LineItem` has no `legacyResourceId`), the id |
//! | `line_items[i].title`, `.name`, `.sku`, `.quantity`, `.current_quantity` | the same names (`currentQuantity`) |
//! | `line_items[i].variant_id`, `.product_id` | `variant.legacyResourceId`, `product.legacyResourceId` (`null` when deleted or custom) |
//! | `line_items[i].price`, `.price_set` | `originalUnitPriceSet` (before discounts, as REST) |
//! | `line_items[i].discount_allocations[j]` | `discountAllocations[j]`: `allocatedAmountSet`, `discountApplication.index` |
//! | `line_items[i].tax_lines[k]` | `taxLines[k]`: `title`, `rate`, `priceSet` |
//! | `shipping_lines[i]` | `shippingLines[i]`: `title`, `code`, `source`, `originalPriceSet` (`price`), `discountedPriceSet` |
//!
//! Every other REST field is left out (`null`, empty). The REST order has them (fulfillments,
//! refunds, discount applications, client details, ...); nothing that reads a new order's
//! money or parties needs them. Line items come 50 to a page, all pages read; an order with more
//! than 20 shipping lines is refused, naming `shippingLines`, rather than read short.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{DateTime, MoneyV2, OrderDisplayFinancialStatus, PageInfo, rest};
use crate::Error;
use crate::gid::Gid;
use crate::serde_util::{decimal_opt, null_default, u64_string};

/// Shipping lines read (one page, as `GET_ORDER_AS_REST` asks; more is refused).
pub(crate) const SHIPPING_LINES: u32 = 20;

/// `MoneyBag` with both sides required: a REST `*_set` has both.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bag {
    shop_money: MoneyV2,
    presentment_money: MoneyV2,
}

impl Bag {
    fn shop_amount(&self) -> Decimal {
        self.shop_money.amount
    }

    fn rest(&self) -> rest::MoneySet {
        rest::MoneySet {
            shop_money: money(&self.shop_money),
            presentment_money: money(&self.presentment_money),
        }
    }
}

fn money(m: &MoneyV2) -> rest::Money {
    rest::Money {
        amount: m.amount,
        currency_code: m.currency_code.clone(),
    }
}

/// The `order` of `getOrderAsRest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderAsRest {
    id: Gid,
    #[serde(deserialize_with = "u64_string::deserialize")]
    legacy_resource_id: u64,
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: DateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: DateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    processed_at: Option<DateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    cancelled_at: Option<DateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    closed_at: Option<DateTime>,
    currency_code: String,
    #[serde(default)]
    presentment_currency_code: Option<String>,
    #[serde(default)]
    display_financial_status: Option<OrderDisplayFinancialStatus>,
    #[serde(default)]
    test: bool,
    #[serde(default)]
    taxes_included: bool,
    #[serde(default)]
    duties_included: Option<bool>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    tags: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    custom_attributes: Vec<super::Attribute>,
    total_price_set: Bag,
    #[serde(default)]
    subtotal_price_set: Option<Bag>,
    #[serde(default)]
    total_discounts_set: Option<Bag>,
    #[serde(default)]
    total_tax_set: Option<Bag>,
    #[serde(default)]
    total_shipping_price_set: Option<Bag>,
    #[serde(default)]
    total_tip_received_set: Option<Bag>,
    #[serde(default)]
    total_outstanding_set: Option<Bag>,
    #[serde(default)]
    current_total_price_set: Option<Bag>,
    #[serde(default)]
    original_total_duties_set: Option<Bag>,
    #[serde(default)]
    total_cash_rounding_adjustment: Option<CashRounding>,
    #[serde(default)]
    billing_address: Option<MailingAddress>,
    #[serde(default)]
    shipping_address: Option<MailingAddress>,
    #[serde(default)]
    customer: Option<OrderCustomer>,
    shipping_lines: Connection<ShippingLine>,
    pub(crate) line_items: Connection<LineItem>,
}

/// `CashRoundingAdjustment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CashRounding {
    payment_set: Bag,
    refund_set: Bag,
}

/// `{ nodes, pageInfo }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    pub(crate) nodes: Vec<T>,
    pub(crate) page_info: PageInfo,
}

/// `MailingAddress`, as the `address` fragment selects it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MailingAddress {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    address1: Option<String>,
    #[serde(default)]
    address2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    province_code: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    country_code_v2: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

impl MailingAddress {
    fn rest(self) -> rest::Address {
        rest::Address {
            first_name: self.first_name,
            last_name: self.last_name,
            name: self.name,
            company: self.company,
            address1: self.address1,
            address2: self.address2,
            city: self.city,
            province: self.province,
            province_code: self.province_code,
            country: self.country,
            country_code: self.country_code_v2,
            zip: self.zip,
            phone: self.phone,
            latitude: None,
            longitude: None,
        }
    }
}

/// The order's `customer`; `email` and `phone` are aliases of `defaultEmailAddress` and
/// `defaultPhoneNumber`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderCustomer {
    id: Gid,
    #[serde(deserialize_with = "u64_string::deserialize")]
    legacy_resource_id: u64,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<EmailAddress>,
    #[serde(default)]
    phone: Option<PhoneNumber>,
    #[serde(default)]
    default_address: Option<MailingAddress>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmailAddress {
    #[serde(default)]
    email_address: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneNumber {
    #[serde(default)]
    phone_number: Option<String>,
}

impl OrderCustomer {
    fn rest(self) -> rest::Customer {
        rest::Customer {
            id: self.legacy_resource_id,
            admin_graphql_api_id: Some(self.id),
            email: self.email.and_then(|e| e.email_address),
            phone: self.phone.and_then(|p| p.phone_number),
            first_name: self.first_name,
            last_name: self.last_name,
            state: None,
            note: None,
            tags: None,
            verified_email: None,
            tax_exempt: None,
            tax_exemptions: Vec::new(),
            currency: None,
            orders_count: None,
            total_spent: None,
            last_order_id: None,
            last_order_name: None,
            multipass_identifier: None,
            created_at: None,
            updated_at: None,
            email_marketing_consent: None,
            sms_marketing_consent: None,
            default_address: self.default_address.map(|a| rest::CustomerAddress {
                id: None,
                customer_id: Some(self.legacy_resource_id),
                address: a.rest(),
                country_name: None,
                default: true,
            }),
            addresses: Vec::new(),
        }
    }
}

/// `ShippingLine`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShippingLine {
    title: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    source: Option<String>,
    original_price_set: Bag,
    #[serde(default)]
    discounted_price_set: Option<Bag>,
}

/// `LineItem`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LineItem {
    id: Gid,
    title: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    quantity: u64,
    #[serde(default)]
    current_quantity: Option<u64>,
    #[serde(default)]
    variant: Option<Legacy>,
    #[serde(default)]
    product: Option<Legacy>,
    original_unit_price_set: Bag,
    #[serde(default, deserialize_with = "null_default")]
    discount_allocations: Vec<DiscountAllocation>,
    #[serde(default, deserialize_with = "null_default")]
    tax_lines: Vec<TaxLine>,
}

/// An object selected for its `legacyResourceId` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Legacy {
    #[serde(deserialize_with = "u64_string::deserialize")]
    legacy_resource_id: u64,
}

/// `DiscountAllocation`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiscountAllocation {
    allocated_amount_set: Bag,
    discount_application: DiscountApplicationIndex,
}

#[derive(Debug, Clone, Deserialize)]
struct DiscountApplicationIndex {
    index: usize,
}

/// `TaxLine`; `rate` is a GraphQL `Float`, read exactly.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaxLine {
    title: String,
    #[serde(default, with = "decimal_opt")]
    rate: Option<Decimal>,
    price_set: Bag,
}

impl LineItem {
    /// The REST line; `index` is its position in the order, for the error's path.
    fn rest(self, index: usize) -> Result<rest::LineItem, Error> {
        let id = self.id.numeric_id().ok_or_else(|| Error::Decode {
            path: format!("data.order.lineItems.nodes[{index}].id"),
            source: <serde_json::Error as serde::de::Error>::custom(format!(
                "a line item id without a numeric part: {}",
                self.id
            )),
        })?;
        let price = self.original_unit_price_set.rest();
        Ok(rest::LineItem {
            id,
            admin_graphql_api_id: Some(self.id),
            product_id: self.product.map(|p| p.legacy_resource_id),
            variant_id: self.variant.map(|v| v.legacy_resource_id),
            title: self.title,
            variant_title: None,
            name: self.name,
            sku: self.sku,
            vendor: None,
            quantity: self.quantity,
            current_quantity: self.current_quantity,
            fulfillable_quantity: None,
            fulfillment_status: None,
            price: price.shop_money.amount,
            price_set: Some(price),
            total_discount: None,
            total_discount_set: None,
            grams: None,
            requires_shipping: None,
            taxable: None,
            gift_card: false,
            properties: Vec::new(),
            tax_lines: self
                .tax_lines
                .into_iter()
                .map(|t| rest::TaxLine {
                    title: t.title,
                    price: t.price_set.shop_amount(),
                    price_set: Some(t.price_set.rest()),
                    rate: t.rate,
                    channel_liable: None,
                })
                .collect(),
            discount_allocations: self
                .discount_allocations
                .into_iter()
                .map(|d| rest::DiscountAllocation {
                    amount: d.allocated_amount_set.shop_amount(),
                    amount_set: Some(d.allocated_amount_set.rest()),
                    discount_application_index: d.discount_application.index,
                })
                .collect(),
        })
    }
}

impl OrderAsRest {
    /// The REST order, with `more` line items (read from the following pages) after the first
    /// page's.
    pub(crate) fn into_rest(self, more: Vec<LineItem>) -> Result<rest::Order, Error> {
        if self.shipping_lines.page_info.has_next_page {
            return Err(Error::Decode {
                path: "data.order.shippingLines.pageInfo.hasNextPage".to_owned(),
                source: <serde_json::Error as serde::de::Error>::custom(format!(
                    "order {} has more than {SHIPPING_LINES} shipping lines",
                    self.id
                )),
            });
        }
        let line_items = self
            .line_items
            .nodes
            .into_iter()
            .chain(more)
            .enumerate()
            .map(|(i, line)| line.rest(i))
            .collect::<Result<Vec<_>, _>>()?;
        let shipping_lines = self
            .shipping_lines
            .nodes
            .into_iter()
            .map(|s| {
                let price = s.original_price_set.rest();
                rest::ShippingLine {
                    id: None,
                    title: s.title,
                    code: s.code,
                    source: s.source,
                    price: price.shop_money.amount,
                    price_set: Some(price),
                    discounted_price: s.discounted_price_set.as_ref().map(Bag::shop_amount),
                    discounted_price_set: s.discounted_price_set.as_ref().map(Bag::rest),
                    tax_lines: Vec::new(),
                    discount_allocations: Vec::new(),
                }
            })
            .collect();
        let shop = |bag: &Option<Bag>| bag.as_ref().map(Bag::shop_amount);
        let set = |bag: &Option<Bag>| bag.as_ref().map(Bag::rest);
        let financial_status = self.display_financial_status.as_ref().map(|s| {
            let lower = s.as_str().to_ascii_lowercase();
            lower
                .parse::<rest::FinancialStatus>()
                .unwrap_or(rest::FinancialStatus::Other(lower))
        });
        Ok(rest::Order {
            id: self.legacy_resource_id,
            admin_graphql_api_id: Some(self.id),
            name: Some(self.name),
            order_number: None,
            number: None,
            email: self.email,
            contact_email: None,
            phone: self.phone,
            created_at: self.created_at,
            updated_at: Some(self.updated_at),
            processed_at: self.processed_at,
            cancelled_at: self.cancelled_at,
            cancel_reason: None,
            closed_at: self.closed_at,
            currency: self.currency_code,
            presentment_currency: self.presentment_currency_code,
            financial_status,
            fulfillment_status: None,
            test: self.test,
            taxes_included: self.taxes_included,
            tax_exempt: None,
            duties_included: self.duties_included,
            confirmed: None,
            confirmation_number: None,
            token: None,
            checkout_token: None,
            cart_token: None,
            source_name: None,
            source_identifier: None,
            po_number: None,
            tags: self.tags.join(", "),
            note: self.note,
            note_attributes: self
                .custom_attributes
                .into_iter()
                .map(|a| rest::NameValue {
                    name: a.key,
                    value: a.value,
                })
                .collect(),
            payment_gateway_names: Vec::new(),
            customer_locale: None,
            total_price: self.total_price_set.shop_amount(),
            total_price_set: Some(self.total_price_set.rest()),
            subtotal_price: shop(&self.subtotal_price_set),
            subtotal_price_set: set(&self.subtotal_price_set),
            total_line_items_price: None,
            total_line_items_price_set: None,
            total_discounts: shop(&self.total_discounts_set),
            total_discounts_set: set(&self.total_discounts_set),
            total_tax: shop(&self.total_tax_set),
            total_tax_set: set(&self.total_tax_set),
            total_shipping_price_set: set(&self.total_shipping_price_set),
            total_outstanding: shop(&self.total_outstanding_set),
            total_tip_received: shop(&self.total_tip_received_set),
            total_weight: None,
            current_total_price: shop(&self.current_total_price_set),
            current_total_price_set: set(&self.current_total_price_set),
            current_subtotal_price: None,
            current_subtotal_price_set: None,
            current_total_discounts: None,
            current_total_discounts_set: None,
            current_total_tax: None,
            current_total_tax_set: None,
            current_total_duties_set: None,
            original_total_duties_set: set(&self.original_total_duties_set),
            total_cash_rounding_payment_adjustment_set: self
                .total_cash_rounding_adjustment
                .as_ref()
                .map(|c| c.payment_set.rest()),
            total_cash_rounding_refund_adjustment_set: self
                .total_cash_rounding_adjustment
                .as_ref()
                .map(|c| c.refund_set.rest()),
            line_items,
            shipping_lines,
            tax_lines: Vec::new(),
            discount_codes: Vec::new(),
            discount_applications: Vec::new(),
            billing_address: self.billing_address.map(MailingAddress::rest),
            shipping_address: self.shipping_address.map(MailingAddress::rest),
            customer: self.customer.map(OrderCustomer::rest),
            fulfillments: Vec::new(),
            refunds: Vec::new(),
            client_details: None,
            order_status_url: None,
            location_id: None,
            user_id: None,
            app_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn bag(amount: &str) -> serde_json::Value {
        json!({"shopMoney": {"amount": amount, "currencyCode": "USD"},
               "presentmentMoney": {"amount": amount, "currencyCode": "EUR"}})
    }

    /// An order with one discounted, taxed, variant line, a shipping line, a tip and a customer.
    fn graphql_order() -> serde_json::Value {
        let mut order = json!({
            "id": "gid://shopify/Order/450789469", "legacyResourceId": "450789469",
            "name": "#1001", "email": "bob@example.com", "phone": null,
            "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
            "processedAt": "2026-11-01T10:00:00Z", "cancelledAt": null, "closedAt": null,
            "currencyCode": "USD", "presentmentCurrencyCode": "EUR",
            "displayFinancialStatus": "PARTIALLY_PAID", "test": false,
            "taxesIncluded": false, "dutiesIncluded": false, "note": null, "tags": ["a", "b"],
            "customAttributes": [{"key": "paytrace_customer_id", "value": "vault-1"}],
            "totalPriceSet": bag("106.50"), "subtotalPriceSet": bag("90.00"),
            "totalDiscountsSet": bag("10.00"), "totalTaxSet": bag("6.50"),
            "totalShippingPriceSet": bag("5.00"), "totalTipReceivedSet": bag("5.00"),
            "totalOutstandingSet": bag("106.50"), "currentTotalPriceSet": bag("106.50"),
            "originalTotalDutiesSet": null,
            "totalCashRoundingAdjustment": {"paymentSet": bag("0.00"), "refundSet": bag("0.00")}
        });
        order["billingAddress"] = json!({"firstName": "Bob", "lastName": "Norman",
            "name": "Bob Norman", "company": null, "address1": "1 Main St", "address2": null,
            "city": "Louisville", "province": "Kentucky", "provinceCode": "KY",
            "country": "United States", "countryCodeV2": "US", "zip": "40202", "phone": null});
        order["shippingAddress"] = json!(null);
        order["customer"] = json!({"id": "gid://shopify/Customer/7", "legacyResourceId": "7",
            "firstName": "Bob", "lastName": "Norman",
            "email": {"emailAddress": "bob@example.com"}, "phone": null, "defaultAddress": null});
        order["shippingLines"] = json!({"nodes": [{"title": "Standard", "code": "STD",
            "source": "shopify", "originalPriceSet": bag("5.00"),
            "discountedPriceSet": bag("5.00")}],
            "pageInfo": {"hasNextPage": false, "endCursor": null}});
        order["lineItems"] = json!({"nodes": [{
            "id": "gid://shopify/LineItem/466157049", "title": "Shirt", "name": "Shirt - M",
            "sku": "SH-M", "quantity": 2, "currentQuantity": 2,
            "variant": {"legacyResourceId": "39072856"}, "product": null,
            "originalUnitPriceSet": bag("50.00"),
            "discountAllocations": [{"allocatedAmountSet": bag("10.00"),
                "discountApplication": {"index": 0}}],
            "taxLines": [{"title": "State tax", "rate": 0.0725, "priceSet": bag("6.50")}]
        }], "pageInfo": {"hasNextPage": false, "endCursor": "c1"}});
        order
    }

    #[test]
    fn rebuilds_the_rest_order_field_by_field() {
        let order: OrderAsRest = serde_json::from_value(graphql_order()).unwrap();
        let rest = order.into_rest(Vec::new()).unwrap();
        let body = serde_json::to_value(&rest).unwrap();
        assert_eq!(body["id"], 450789469);
        assert_eq!(body["financial_status"], "partially_paid");
        assert_eq!(body["tags"], "a, b");
        assert_eq!(
            body["note_attributes"],
            json!([{"name": "paytrace_customer_id", "value": "vault-1"}])
        );
        assert_eq!(body["total_price"], "106.50");
        assert_eq!(
            body["total_price_set"]["presentment_money"],
            json!({"amount": "106.50", "currency_code": "EUR"})
        );
        assert_eq!(body["total_discounts"], "10.00");
        assert_eq!(body["total_tax"], "6.50");
        assert_eq!(body["total_tip_received"], "5.00");
        assert_eq!(
            body["total_cash_rounding_payment_adjustment_set"]["shop_money"]["amount"],
            "0.00"
        );
        let line = &body["line_items"][0];
        assert_eq!(line["id"], 466157049);
        assert_eq!(line["variant_id"], 39072856);
        assert_eq!(line["product_id"], serde_json::Value::Null);
        assert_eq!(line["price"], "50.00");
        assert_eq!(line["quantity"], 2);
        assert_eq!(line["discount_allocations"][0]["amount"], "10.00");
        assert_eq!(
            line["discount_allocations"][0]["discount_application_index"],
            0
        );
        assert_eq!(line["tax_lines"][0]["price"], "6.50");
        assert_eq!(line["tax_lines"][0]["rate"], "0.0725");
        assert_eq!(body["shipping_lines"][0]["price"], "5.00");
        assert_eq!(body["billing_address"]["country_code"], "US");
        assert_eq!(body["customer"]["id"], 7);
        assert_eq!(body["customer"]["email"], "bob@example.com");
        // What it writes reads back as the same REST order (the webhook body's type).
        let again: rest::Order = serde_json::from_value(body).unwrap();
        assert_eq!(again, rest);
    }

    #[test]
    fn a_line_item_id_without_a_number_is_refused_naming_it() {
        let mut value = graphql_order();
        value["lineItems"]["nodes"][0]["id"] = json!("gid://shopify/LineItem/abc");
        let order: OrderAsRest = serde_json::from_value(value).unwrap();
        let Err(Error::Decode { path, .. }) = order.into_rest(Vec::new()) else {
            panic!("expected a decode error");
        };
        assert_eq!(path, "data.order.lineItems.nodes[0].id");
    }

    #[test]
    fn too_many_shipping_lines_are_refused_rather_than_read_short() {
        let mut value = graphql_order();
        value["shippingLines"]["pageInfo"]["hasNextPage"] = json!(true);
        let order: OrderAsRest = serde_json::from_value(value).unwrap();
        let Err(Error::Decode { path, .. }) = order.into_rest(Vec::new()) else {
            panic!("expected a decode error");
        };
        assert_eq!(path, "data.order.shippingLines.pageInfo.hasNextPage");
    }
}

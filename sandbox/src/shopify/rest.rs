//! REST-shaped JSON of the stored resources, as Shopify puts it in webhook bodies
//! (`orders/create`, `refunds/create`, `customers/create`, ...).

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::state::{Address, Customer, Fulfillment, LineItem, Order, Refund, Transaction};
use super::util::{gid, rest_amount, rest_time};

fn money_set(amount: Decimal, currency: &str) -> Value {
    let m = json!({"amount": rest_amount(amount), "currency_code": currency});
    json!({"shop_money": m.clone(), "presentment_money": m})
}

fn address(a: &Address) -> Value {
    let name = match (&a.first_name, &a.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    json!({
        "first_name": a.first_name, "last_name": a.last_name, "name": name, "company": a.company,
        "address1": a.address1, "address2": a.address2, "city": a.city, "province": a.province_code,
        "province_code": a.province_code, "country": a.country_code, "country_code": a.country_code,
        "zip": a.zip, "phone": a.phone, "latitude": null, "longitude": null,
    })
}

fn line_item(l: &LineItem, currency: &str) -> Value {
    json!({
        "id": l.id,
        "admin_graphql_api_id": gid("LineItem", l.id),
        "product_id": null,
        "variant_id": null,
        "title": l.title,
        "variant_title": null,
        "name": l.title,
        "sku": l.sku,
        "vendor": null,
        "quantity": l.quantity,
        "current_quantity": l.quantity.saturating_sub(l.refunded_quantity),
        "fulfillable_quantity": l.quantity.saturating_sub(l.fulfilled_quantity + l.refunded_quantity),
        "fulfillment_status": if l.fulfilled_quantity >= l.quantity { Value::from("fulfilled") } else { Value::Null },
        "price": rest_amount(l.price),
        "price_set": money_set(l.price, currency),
        "total_discount": "0.00",
        "total_discount_set": money_set(Decimal::ZERO, currency),
        "grams": 0,
        "requires_shipping": !l.gift_card,
        "taxable": true,
        "gift_card": l.gift_card,
        "properties": [],
        "tax_lines": [],
        "discount_allocations": [],
    })
}

/// A transaction as in REST and in `refunds/create`.
pub(crate) fn transaction(t: &Transaction, order: &Order) -> Value {
    json!({
        "id": t.id,
        "admin_graphql_api_id": gid("OrderTransaction", t.id),
        "order_id": order.id,
        "kind": t.kind.rest(),
        "status": t.status.rest(),
        "gateway": t.gateway,
        "message": null,
        "error_code": t.error_code,
        "authorization": t.authorization_code,
        "parent_id": t.parent_id,
        "amount": rest_amount(t.amount),
        "currency": order.currency,
        "test": t.test,
        "manual_payment_gateway": t.manual,
        "created_at": rest_time(t.created_at_ms),
        "processed_at": rest_time(t.created_at_ms),
        "source_name": "web",
        "location_id": null,
        "user_id": null,
        "device_id": null,
        "receipt": {},
    })
}

/// The customer resource.
pub(crate) fn customer(c: &Customer, currency: &str) -> Value {
    let addresses: Vec<Value> = c
        .addresses
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut v = address(a);
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "id".into(),
                    json!(c.id * 10 + u64::try_from(i).unwrap_or(0)),
                );
                obj.insert("customer_id".into(), json!(c.id));
                obj.insert("country_name".into(), json!(a.country_code));
                obj.insert("default".into(), json!(i == 0));
            }
            v
        })
        .collect();
    json!({
        "id": c.id,
        "admin_graphql_api_id": gid("Customer", c.id),
        "email": c.email,
        "phone": c.phone,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "state": "disabled",
        "note": c.note,
        "tags": c.tags.join(", "),
        "verified_email": c.email.is_some(),
        "tax_exempt": c.tax_exempt,
        "tax_exemptions": [],
        "currency": currency,
        "multipass_identifier": null,
        "created_at": rest_time(c.created_at_ms),
        "updated_at": rest_time(c.updated_at_ms),
        "default_address": addresses.first().cloned(),
        "addresses": addresses,
    })
}

/// The refund resource (the `refunds/create` body).
pub(crate) fn refund(r: &Refund, order: &Order) -> Value {
    let lines: Vec<Value> = r
        .lines
        .iter()
        .map(|l| {
            let item = order.line_items.iter().find(|i| i.id == l.line_item_id);
            json!({
                "id": l.id,
                "line_item_id": l.line_item_id,
                "quantity": l.quantity,
                "restock_type": l.restock_type.to_ascii_lowercase(),
                "location_id": null,
                "subtotal": rest_amount(l.subtotal),
                "subtotal_set": money_set(l.subtotal, &order.currency),
                "total_tax": "0.00",
                "total_tax_set": money_set(Decimal::ZERO, &order.currency),
                "line_item": item.map(|i| line_item(i, &order.currency)),
            })
        })
        .collect();
    let transactions: Vec<Value> = r
        .transaction_ids
        .iter()
        .filter_map(|id| order.transactions.iter().find(|t| t.id == *id))
        .map(|t| transaction(t, order))
        .collect();
    let shipping_lines: Vec<Value> = if r.shipping.is_zero() {
        Vec::new()
    } else {
        vec![json!({
            "id": r.id + 1,
            "shipping_line_id": order.id + 1,
            "subtotal_amount_set": money_set(r.shipping, &order.currency),
        })]
    };
    json!({
        "id": r.id,
        "admin_graphql_api_id": gid("Refund", r.id),
        "order_id": order.id,
        "created_at": rest_time(r.created_at_ms),
        "processed_at": rest_time(r.created_at_ms),
        "note": r.note,
        "restock": r.lines.iter().any(|l| l.restock_type != "NO_RESTOCK"),
        "user_id": null,
        "currency": order.currency,
        "refund_line_items": lines,
        "transactions": transactions,
        "order_adjustments": [],
        "refund_shipping_lines": shipping_lines,
        "total_duties_set": money_set(Decimal::ZERO, &order.currency),
    })
}

/// The order resource (the `orders/*` bodies).
pub(crate) fn order(o: &Order, customer: Option<&Customer>) -> Value {
    let cur = o.currency.as_str();
    let status = o.financial_status();
    let fulfillment_status = match o.fulfillment_status() {
        "FULFILLED" => Value::from("fulfilled"),
        "PARTIALLY_FULFILLED" => Value::from("partial"),
        _ => Value::Null,
    };
    let mut gateways: Vec<String> = Vec::new();
    for t in &o.transactions {
        if !gateways.contains(&t.gateway) {
            gateways.push(t.gateway.clone());
        }
    }
    let shipping_lines: Vec<Value> = if o.shipping_price.is_zero() {
        Vec::new()
    } else {
        vec![json!({
            "id": o.id + 1, "title": "Standard", "code": "Standard", "source": "shopify",
            "price": rest_amount(o.shipping_price), "price_set": money_set(o.shipping_price, cur),
            "discounted_price": rest_amount(o.shipping_price), "discounted_price_set": money_set(o.shipping_price, cur),
            "tax_lines": [], "discount_allocations": [],
        })]
    };
    let tax_lines: Vec<Value> = if o.total_tax.is_zero() {
        Vec::new()
    } else {
        vec![
            json!({"title": "Sales tax", "price": rest_amount(o.total_tax), "price_set": money_set(o.total_tax, cur), "rate": null, "channel_liable": false}),
        ]
    };
    let refunds: Vec<Value> = o.refunds.iter().map(|r| refund(r, o)).collect();
    let fulfillments: Vec<Value> = o.fulfillments.iter().map(|f| fulfillment(f, o)).collect();
    let head = json!({
        "id": o.id,
        "admin_graphql_api_id": gid("Order", o.id),
        "name": o.name,
        "order_number": o.number,
        "number": o.number - 1000,
        "email": o.email,
        "contact_email": o.email,
        "phone": o.phone,
        "created_at": rest_time(o.created_at_ms),
        "updated_at": rest_time(o.updated_at_ms),
        "processed_at": rest_time(o.created_at_ms),
        "cancelled_at": null,
        "cancel_reason": null,
        "closed_at": null,
        "currency": cur,
        "presentment_currency": cur,
        "financial_status": status.rest(),
        "fulfillment_status": fulfillment_status,
        "test": o.test,
        "taxes_included": false,
        "tax_exempt": false,
        "duties_included": false,
        "confirmed": true,
        "confirmation_number": format!("SBX{}", o.number),
        "token": format!("{:032x}", o.id),
        "checkout_token": null,
        "cart_token": null,
        "source_name": "web",
        "source_identifier": null,
        "po_number": null,
        "tags": o.tags.join(", "),
        "note": o.note,
        "note_attributes": o.note_attributes.iter().map(|(name, value)| json!({"name": name, "value": value})).collect::<Vec<_>>(),
        "payment_gateway_names": gateways,
        "customer_locale": "en",
    });
    let money = json!({
        "total_price": rest_amount(o.total()),
        "total_price_set": money_set(o.total(), cur),
        "subtotal_price": rest_amount(o.subtotal()),
        "subtotal_price_set": money_set(o.subtotal(), cur),
        "total_line_items_price": rest_amount(o.subtotal()),
        "total_line_items_price_set": money_set(o.subtotal(), cur),
        "total_discounts": "0.00",
        "total_discounts_set": money_set(Decimal::ZERO, cur),
        "total_tax": rest_amount(o.total_tax),
        "total_tax_set": money_set(o.total_tax, cur),
        "total_shipping_price_set": money_set(o.shipping_price, cur),
        "total_outstanding": rest_amount(o.outstanding()),
        "total_tip_received": rest_amount(o.tip),
        "total_weight": 0,
        "current_total_price": rest_amount(o.current_total()),
        "current_total_price_set": money_set(o.current_total(), cur),
        "current_subtotal_price": rest_amount(o.subtotal()),
        "current_subtotal_price_set": money_set(o.subtotal(), cur),
        "current_total_discounts": "0.00",
        "current_total_discounts_set": money_set(Decimal::ZERO, cur),
        "current_total_tax": rest_amount(o.total_tax),
        "current_total_tax_set": money_set(o.total_tax, cur),
    });
    let mut out = json!({
        "line_items": o.line_items.iter().map(|l| line_item(l, cur)).collect::<Vec<_>>(),
        "shipping_lines": shipping_lines,
        "tax_lines": tax_lines,
        "discount_codes": [],
        "discount_applications": [],
        "billing_address": o.billing_address.as_ref().map(address),
        "shipping_address": o.shipping_address.as_ref().map(address),
        "customer": customer.map(|c| customer_json(c, cur)),
        "fulfillments": fulfillments,
        "refunds": refunds,
        "client_details": null,
        "order_status_url": format!("https://sandbox.invalid/orders/{:032x}/authenticate", o.id),
        "location_id": null,
        "user_id": null,
        "app_id": null,
    });
    for part in [head, money] {
        if let (Some(out), Value::Object(part)) = (out.as_object_mut(), part) {
            out.extend(part);
        }
    }
    out
}

fn customer_json(c: &Customer, currency: &str) -> Value {
    customer(c, currency)
}

/// A fulfillment of `o` as REST renders it (in the order, and as the `fulfillments/create` body).
pub(crate) fn fulfillment(f: &Fulfillment, o: &Order) -> Value {
    let cur = o.currency.as_str();
    json!({
        "id": f.id, "admin_graphql_api_id": gid("Fulfillment", f.id), "order_id": o.id,
        "status": "success", "created_at": rest_time(f.created_at_ms), "updated_at": rest_time(f.created_at_ms),
        "tracking_company": f.tracking_company, "tracking_number": f.tracking_number,
        "tracking_numbers": f.tracking_number.iter().collect::<Vec<_>>(),
        "tracking_url": f.tracking_url, "tracking_urls": f.tracking_url.iter().collect::<Vec<_>>(),
        "line_items": f.line_items.iter().filter_map(|(id, _)| o.line_items.iter().find(|l| l.id == *id)).map(|l| line_item(l, cur)).collect::<Vec<_>>(),
    })
}

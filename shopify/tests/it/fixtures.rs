//! Every official fixture parses into the typed REST payloads.

use serde_json::Value;
use shopify::rest::{
    Customer, FinancialStatus, Fulfillment, Metafield, Order, Refund, Transaction, TransactionKind,
    TransactionStatus,
};
use shopify::{Topic, WebhookPayload};

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    let text = v.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| panic!("at {}: {}", e.path(), e))
}

fn examples(v: &Value) -> &Vec<Value> {
    v["examples"].as_array().unwrap()
}

#[test]
fn get_order_450789469_parses_as_webhook_order() {
    let raw = include_str!("../fixtures/order_rest_2025-10_get_order_450789469.json");
    let v = load(raw);
    let bytes = v["payload"].to_string();
    let WebhookPayload::Order(order) =
        WebhookPayload::parse(&Topic::OrdersCreate, bytes.as_bytes()).unwrap()
    else {
        panic!("not an order")
    };
    assert_eq!(order.id, 450789469);
    assert_eq!(
        order.admin_graphql_api_id.as_ref().unwrap().numeric_id(),
        Some(450789469)
    );
    assert_eq!(order.total_price.to_string(), "598.94");
    assert_eq!(
        order.financial_status,
        Some(FinancialStatus::PartiallyRefunded)
    );
    let set = order.current_total_price_set.as_ref().unwrap();
    assert_eq!(set.shop_money.amount.to_string(), "199.65");
    assert_eq!(set.presentment_money.currency_code, "USD");
    assert_eq!(order.tax_lines[0].rate.unwrap().to_string(), "0.06");
    let billing = order.billing_address.as_ref().unwrap();
    assert_eq!(billing.latitude.unwrap().to_string(), "45.41634");
    assert_eq!(order.line_items[0].sku.as_deref(), Some("IPOD2008GREEN"));
    assert_eq!(
        order.line_items[0].discount_allocations[0]
            .amount
            .to_string(),
        "3.34"
    );
    assert_eq!(order.customer.as_ref().unwrap().id, 207119551);
    assert_eq!(order.refunds[0].id, Some(509562969));
    assert_eq!(order.discount_codes[0].code, "TENOFF");
    assert_eq!(order.payment_gateway_names, vec!["bogus".to_string()]);
}

#[test]
fn canonical_2019_orders_create_sample_parses() {
    let v = load(include_str!(
        "../fixtures/orders_create_webhook_sample_shopify_canonical_2019.json"
    ));
    let order: Order = parse(&v["payload"]);
    assert_eq!(order.id, 820982911946154508);
    assert!(!order.line_items.is_empty());
}

#[test]
fn order_create_and_update_responses_parse() {
    let v = load(include_str!(
        "../fixtures/order_rest_2025-10_create_with_transactions_and_update_note_tags.json"
    ));
    let orders: Vec<Order> = examples(&v)
        .iter()
        .map(|e| parse(&e["response"]["order"]))
        .collect();
    assert_eq!(orders.len(), 4);
    assert!(orders.iter().skip(1).all(|o| o.id == 450789469));
}

#[test]
fn refunds_parse_including_numeric_subtotals_and_calculations() {
    let v = load(include_str!(
        "../fixtures/refunds_create_webhook_like_payload.json"
    ));
    let refund: Refund = parse(&v["payload"]);
    assert_eq!(refund.order_id, Some(450789469));
    assert_eq!(refund.transactions[0].kind, TransactionKind::Refund);

    let v = load(include_str!(
        "../fixtures/refund_rest_2025-10_create_examples.json"
    ));
    let refunds: Vec<Refund> = examples(&v)
        .iter()
        .map(|e| parse(&e["response"]["refund"]))
        .collect();
    assert_eq!(refunds.len(), 4);
    // Some fixtures send `subtotal` as a JSON number: it must still be exact.
    let numeric = refunds
        .iter()
        .flat_map(|r| &r.refund_line_items)
        .filter_map(|l| l.subtotal)
        .count();
    assert!(numeric > 0);
    assert!(refunds.iter().any(|r| r.shipping.is_some()));
}

#[test]
fn transactions_parse() {
    let v = load(include_str!(
        "../fixtures/transactions_rest_2025-10_examples.json"
    ));
    let mut all: Vec<Transaction> = Vec::new();
    for e in examples(&v) {
        let r = &e["response"];
        if let Some(list) = r["transactions"].as_array() {
            all.extend(list.iter().map(parse::<Transaction>));
        } else {
            all.push(parse(&r["transaction"]));
        }
    }
    assert!(all.iter().any(|t| t.kind == TransactionKind::Capture));
    assert!(all.iter().any(|t| t.kind == TransactionKind::Void));
    assert!(all.iter().all(|t| t.status.is_some()));
    assert!(
        all.iter()
            .any(|t| t.status == Some(TransactionStatus::Success))
    );
    let unsettled = all
        .iter()
        .find_map(|t| t.total_unsettled_set.as_ref())
        .unwrap();
    assert!(!unsettled.shop_money.currency_code.is_empty());
}

#[test]
fn customers_parse_as_webhook_customers() {
    let v = load(include_str!(
        "../fixtures/customer_rest_2025-10_examples.json"
    ));
    for e in examples(&v) {
        let bytes = e["response"]["customer"].to_string();
        let WebhookPayload::Customer(c) =
            WebhookPayload::parse(&Topic::CustomersUpdate, bytes.as_bytes()).unwrap()
        else {
            panic!("not a customer")
        };
        let c: Customer = *c;
        assert!(c.id > 0);
    }
}

#[test]
fn fulfillments_and_metafields_parse() {
    let v = load(include_str!(
        "../fixtures/fulfillment_rest_2025-10_create_examples.json"
    ));
    for e in examples(&v) {
        let f: Fulfillment = parse(&e["response"]["fulfillment"]);
        assert!(!f.tracking_numbers.is_empty() || f.tracking_number.is_some());
    }
    let v = load(include_str!(
        "../fixtures/metafield_rest_2025-10_order_examples.json"
    ));
    for e in examples(&v) {
        let m: Metafield = parse(&e["response"]["metafield"]);
        assert_eq!(m.owner_id, Some(450789469));
    }
}

const DOCUMENTED_REFUND: &str = include_str!("../fixtures/refund_rest_resource_doc_example.json");

/// The documented refund body with `edit` applied, through the `refunds/create` parser.
fn documented_refund(edit: impl FnOnce(&mut Value)) -> Result<Refund, shopify::WebhookError> {
    let mut body = load(DOCUMENTED_REFUND)["payload"].clone();
    edit(&mut body);
    match WebhookPayload::parse(&Topic::RefundsCreate, body.to_string().as_bytes())? {
        WebhookPayload::Refund(refund) => Ok(*refund),
        other => panic!("not a refund: {other:?}"),
    }
}

#[test]
fn documented_refund_with_empty_placeholders_parses() {
    let refund = documented_refund(|_| {}).unwrap();
    // `"line_item": {}` and `"shipping_line": {}` are placeholders, not objects to refuse.
    assert_eq!(refund.refund_line_items[0].line_item, None);
    assert_eq!(refund.refund_shipping_lines[0].shipping_line, None);
    // Both currencies of every `*_set` are kept, exactly, from JSON numbers.
    let line = &refund.refund_line_items[0];
    let subtotal = line.subtotal_set.as_ref().unwrap();
    assert_eq!(
        (
            subtotal.shop_money.amount.to_string(),
            subtotal.shop_money.currency_code.as_str()
        ),
        ("10.99".to_owned(), "CAD")
    );
    assert_eq!(
        (
            subtotal.presentment_money.amount.to_string(),
            subtotal.presentment_money.currency_code.as_str()
        ),
        ("8.95".to_owned(), "USD")
    );
    let tax = line.total_tax_set.as_ref().unwrap();
    assert_eq!(tax.shop_money.amount.to_string(), "1.67");
    let shipping = refund.refund_shipping_lines[0]
        .subtotal_amount_set
        .as_ref()
        .unwrap();
    assert_eq!(shipping.presentment_money.amount.to_string(), "3.65");
    let adjustment = refund.order_adjustments[0].amount_set.as_ref().unwrap();
    assert_eq!(adjustment.shop_money.amount.to_string(), "10");
    assert_eq!(adjustment.presentment_money.amount.to_string(), "7.3");
    assert_eq!(refund.transactions[0].amount.to_string(), "209.00");
    assert_eq!(refund.transactions[0].currency.as_deref(), Some("USD"));
    // `2007-01-10T11:00:00-05:00`: the instant and the shop's offset are both kept.
    let processed = refund.processed_at.unwrap();
    assert_eq!(processed.unix_timestamp(), 1_168_444_800);
    assert_eq!(processed.offset().whole_hours(), -5);
}

#[test]
fn a_real_embedded_line_item_is_still_checked_with_its_full_path() {
    let err = documented_refund(|body| {
        body["refund_line_items"][0]["line_item"] =
            serde_json::json!({"id": 1, "title": "Shirt", "quantity": 1, "price": "1.99999999999999999999999999999e1"});
    })
    .unwrap_err();
    match err {
        shopify::WebhookError::Decode { path, source } => {
            assert_eq!(path, "refund_line_items[0].line_item.price");
            assert!(source.to_string().contains("1.999"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    let embedded = documented_refund(|body| {
        body["refund_line_items"][0]["line_item"] =
            serde_json::json!({"id": 1, "title": "Shirt", "quantity": 1, "price": "19.99"});
        body["refund_shipping_lines"][0]["shipping_line"] = serde_json::Value::Null;
    })
    .unwrap();
    let line = embedded.refund_line_items[0].line_item.as_ref().unwrap();
    assert_eq!(line.price.to_string(), "19.99");
    assert_eq!(embedded.refund_shipping_lines[0].shipping_line, None);
}

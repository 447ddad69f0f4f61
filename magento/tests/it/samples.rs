//! Adobe's tutorial samples parse into the typed models.

use magento::{ApiError, Customer, Invoice, Order, OrderState};
use rust_decimal::Decimal;
use time::macros::datetime;

use crate::fixture;

#[test]
fn tutorial_order_parses_with_shipping_assignment_and_payment() {
    let order: Order =
        serde_json::from_str(&fixture("tutorial-GET-orders-3.response.json")).unwrap();
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.status.as_deref(), Some("pending"));
    assert_eq!(order.customer_is_guest, Some(false));
    assert_eq!(order.base_grand_total, Some(Decimal::from(165)));
    assert_eq!(order.order_currency_code.as_deref(), Some("USD"));
    let item = &order.items[0];
    assert_eq!(item.sku.as_deref(), Some("WS12-M-Orange"));
    assert_eq!(item.qty_ordered, Some(Decimal::ONE));
    assert_eq!(item.product_type.as_deref(), Some("simple"));
    let billing = order.billing_address.as_ref().unwrap();
    assert_eq!(billing.street, vec!["123 Oak Ave".to_string()]);
    assert_eq!(billing.region_code.as_deref(), Some("NY"));
    let shipping = order.shipping_address().unwrap();
    assert_eq!(shipping.address_type.as_deref(), Some("shipping"));
    let payment = order.payment.as_ref().unwrap();
    assert_eq!(payment.method.as_deref(), Some("banktransfer"));
    assert_eq!(payment.additional_information.len(), 2);
    assert_eq!(payment.cc_last4, None);
    assert_eq!(order.top_level_items().count(), 1);
    assert_eq!(order.created_at, Some(datetime!(2017-08-21 22:22:19 UTC)));
    assert_eq!(order.updated_at, Some(datetime!(2017-08-21 22:22:20 UTC)));
}

#[test]
fn payment_additional_info_pairs_are_looked_up_by_key() {
    let order: Order = serde_json::from_str(
        r#"{"extension_attributes":{"payment_additional_info":[
            {"key":"method_title","value":"Credit Card"},{"key":"txn","value":null}]}}"#,
    )
    .unwrap();
    assert_eq!(order.payment_info("method_title"), Some("Credit Card"));
    assert_eq!(order.payment_info("txn"), None);
    assert_eq!(order.payment_info("absent"), None);
}

#[test]
fn configurable_children_point_to_their_parent() {
    let order: Order = serde_json::from_str(
        r#"{"items":[{"item_id":10,"sku":"MH01-S-Gray","product_type":"configurable","price":52},
                     {"item_id":11,"sku":"MH01-S-Gray","product_type":"simple","price":0,"parent_item_id":10,
                      "parent_item":{"item_id":10,"sku":"MH01-S-Gray"}}]}"#,
    )
    .unwrap();
    assert_eq!(order.top_level_items().count(), 1);
    let child = order.children_of(10).next().unwrap();
    assert_eq!(child.item_id, Some(11));
    assert_eq!(child.parent_item.as_ref().unwrap().item_id, Some(10));
}

#[test]
fn tutorial_invoice_parses() {
    let invoice: Invoice =
        serde_json::from_str(&fixture("tutorial-GET-invoices-3.response.json")).unwrap();
    assert_eq!(invoice.order_id, Some(3));
    assert_eq!(invoice.total_qty, Some(Decimal::from(9)));
    assert_eq!(invoice.items[8].price, Some(Decimal::ZERO));
    assert_eq!(invoice.created_at, Some(datetime!(2017-08-21 22:36:02 UTC)));
}

#[test]
fn tutorial_customer_request_and_response_parse() {
    let response: Customer =
        serde_json::from_str(&fixture("tutorial-POST-customers.response.json")).unwrap();
    let request: serde_json::Value =
        serde_json::from_str(&fixture("tutorial-POST-customers.request.json")).unwrap();
    let from_request: Customer = serde_json::from_value(request["customer"].clone()).unwrap();
    // The camelCase tutorial request and the snake_case response describe the same address.
    let (a, b) = (&from_request.addresses[0], &response.addresses[0]);
    assert_eq!(a.region, b.region);
    assert_eq!(a.country_id, b.country_id);
    assert_eq!(a.default_billing, b.default_billing);
    assert_eq!(from_request.email, response.email);
    assert_eq!(
        response.created_at,
        Some(datetime!(2017-01-31 01:18:13 UTC))
    );
}

#[test]
fn remaining_request_samples_are_valid_json() {
    for name in [
        "tutorial-POST-carts-mine-payment-information.request.json",
        "tutorial-POST-customer-token.request.json",
    ] {
        let v: serde_json::Value = serde_json::from_str(&fixture(name)).unwrap();
        assert!(v.is_object(), "{name}");
    }
}

#[test]
fn error_sample_keys_all_parse() {
    let v: serde_json::Value =
        serde_json::from_str(&fixture("error-responses.examples.json")).unwrap();
    for (key, body) in v.as_object().unwrap() {
        if key.starts_with('_') || body.is_string() {
            continue;
        }
        let parsed = ApiError::parse(body.to_string().as_bytes());
        assert!(!parsed.message.is_empty(), "{key}");
        assert!(!parsed.rendered_message().contains("%1"), "{key}");
    }
}

//! Carts: the exact requests of an order made for a customer, and their answers.

use magento::{CartAddress, CartItem, ShippingInformation};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{client, rest, retrying_client};

#[tokio::test]
async fn create_for_customer_posts_an_empty_body_and_reads_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/customers/7/carts")))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json("12"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server)
            .carts()
            .create_for_customer(7)
            .await
            .unwrap(),
        12
    );
}

#[tokio::test]
async fn create_for_customer_is_retried_since_it_answers_the_same_cart() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/customers/7/carts")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/customers/7/carts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(12))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        retrying_client(&server)
            .carts()
            .create_for_customer(7)
            .await
            .unwrap(),
        12
    );
}

#[tokio::test]
async fn items_reads_the_lines() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/carts/12/items")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"item_id": 5, "sku": "COFFEE-1KG", "qty": 2, "name": "Coffee", "price": "15.50", "quote_id": "12"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let items = client(&server).carts().items(12).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].item_id, Some(5));
    assert_eq!(items[0].sku.as_deref(), Some("COFFEE-1KG"));
    assert_eq!(items[0].qty, Some(Decimal::from(2)));
    assert_eq!(items[0].price, Some(Decimal::new(1550, 2)));
    assert_eq!(items[0].quote_id.as_deref(), Some("12"));
}

#[tokio::test]
async fn add_item_wraps_the_line_in_cart_item() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/carts/12/items")))
        .and(body_json(json!({
            "cartItem": {"sku": "COFFEE-1KG", "qty": 2, "quote_id": "12"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(
            {"item_id": 5, "sku": "COFFEE-1KG", "qty": 2, "quote_id": "12"}
        )))
        .expect(1)
        .mount(&server)
        .await;
    let item = client(&server)
        .carts()
        .add_item(12, &CartItem::new(12, "COFFEE-1KG", 2.into()))
        .await
        .unwrap();
    assert_eq!(item.item_id, Some(5));
}

#[tokio::test]
async fn add_item_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/carts/12/items")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        retrying_client(&server)
            .carts()
            .add_item(12, &CartItem::new(12, "COFFEE-1KG", 1.into()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shipping_information_sends_address_information_and_reads_the_payment_methods() {
    let server = MockServer::start().await;
    let address = CartAddress {
        firstname: Some("Ada".into()),
        lastname: Some("Lovelace".into()),
        street: vec!["1 Main St".into(), "Apt 2".into()],
        city: Some("Springfield".into()),
        region_code: Some("IL".into()),
        postcode: Some("62701".into()),
        country_id: Some("US".into()),
        telephone: Some("+1 217 555 0100".into()),
        email: Some("ada@example.com".into()),
        ..CartAddress::default()
    };
    let wire = json!({
        "firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St", "Apt 2"],
        "city": "Springfield", "region_code": "IL", "postcode": "62701", "country_id": "US",
        "telephone": "+1 217 555 0100", "email": "ada@example.com"
    });
    Mock::given(method("POST"))
        .and(path(rest("/carts/12/shipping-information")))
        .and(body_json(json!({
            "addressInformation": {
                "shipping_address": wire, "billing_address": wire,
                "shipping_method_code": "flatrate", "shipping_carrier_code": "flatrate"
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "payment_methods": [{"code": "checkmo", "title": "Check / Money order"}],
            "totals": {"grand_total": 36}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let details = client(&server)
        .carts()
        .set_shipping_information(
            12,
            &ShippingInformation {
                shipping_address: address.clone(),
                billing_address: Some(address),
                shipping_method_code: "flatrate".into(),
                shipping_carrier_code: "flatrate".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(details.payment_methods.len(), 1);
    assert_eq!(details.payment_methods[0].code, "checkmo");
}

#[tokio::test]
async fn place_order_puts_the_payment_method_and_reads_the_order_id() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(rest("/carts/12/order")))
        .and(body_json(json!({"paymentMethod": {"method": "checkmo"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json("31"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server)
            .carts()
            .place_order(12, "checkmo")
            .await
            .unwrap(),
        31
    );
}

#[tokio::test]
async fn place_order_is_never_retried_though_it_is_a_put() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(rest("/carts/12/order")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        retrying_client(&server)
            .carts()
            .place_order(12, "checkmo")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn get_by_quote_id_searches_one_row() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/orders")))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][field]",
            "quote_id",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][value]",
            "12",
        ))
        .and(query_param("searchCriteria[pageSize]", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": [{"entity_id": 31, "quote_id": "12"}], "total_count": 1}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server)
        .orders()
        .get_by_quote_id(12)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((order.entity_id, order.quote_id), (Some(31), Some(12)));
}

#[tokio::test]
async fn place_order_error_shapes() {
    error_matrix("PUT", &rest("/carts/12/order"), |c| async move {
        c.carts().place_order(12, "checkmo").await
    })
    .await;
}

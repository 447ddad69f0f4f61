use magento::{CreateInvoice, DocumentComment, ItemQty};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{client, fixture, fixture_json, rest};

#[tokio::test]
async fn create_sends_the_tutorial_body_and_returns_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/order/3/invoice")))
        .and(header("content-type", "application/json"))
        .and(body_json(fixture_json(
            "tutorial-POST-order-invoice.request.json",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(3))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .invoices()
        .create(
            3,
            &CreateInvoice {
                capture: true,
                notify: true,
                ..CreateInvoice::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(id, 3);
}

#[tokio::test]
async fn create_partial_with_comment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/order/3/invoice")))
        .and(body_json(json!({
            "capture": false,
            "items": [{"order_item_id": 3, "qty": 1.5}],
            "notify": false,
            "appendComment": true,
            "comment": {"comment": "Paid by Stripe pi_1", "is_visible_on_front": 0}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json("12"))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .invoices()
        .create(
            3,
            &CreateInvoice {
                capture: false,
                items: vec![ItemQty::new(3, Decimal::new(15, 1))],
                notify: false,
                append_comment: true,
                comment: Some(DocumentComment::internal("Paid by Stripe pi_1")),
            },
        )
        .await
        .unwrap();
    assert_eq!(id, 12);
}

#[tokio::test]
async fn get_parses_the_tutorial_invoice() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/invoices/3")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("tutorial-GET-invoices-3.response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let invoice = client(&server).invoices().get(3).await.unwrap();
    assert!(invoice.is_paid());
    assert_eq!(invoice.grand_total, Some(Decimal::from(165)));
    assert_eq!(invoice.items.len(), 9);
}

#[tokio::test]
async fn error_shapes() {
    error_matrix("POST", &rest("/order/3/invoice"), |c| async move {
        c.invoices().create(3, &CreateInvoice::default()).await
    })
    .await;
    error_matrix("GET", &rest("/invoices/3"), |c| async move {
        c.invoices().get(3).await
    })
    .await;
}

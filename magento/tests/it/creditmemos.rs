use magento::{ItemQty, Refund, RefundArguments, RefundArgumentsExtension};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{client, fixture_json, rest};

fn tutorial_refund() -> Refund {
    Refund {
        items: vec![ItemQty::new(3, 1)],
        notify: true,
        arguments: Some(RefundArguments {
            shipping_amount: Some(Decimal::ZERO),
            adjustment_positive: Some(Decimal::ZERO),
            adjustment_negative: Some(Decimal::ZERO),
            extension_attributes: Some(RefundArgumentsExtension {
                return_to_stock_items: vec![3],
            }),
        }),
        ..Refund::default()
    }
}

#[tokio::test]
async fn offline_refund_goes_through_the_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/order/5/refund")))
        .and(body_json(fixture_json(
            "tutorial-POST-order-refund.request.json",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(3))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .credit_memos()
        .refund_offline(5, &tutorial_refund())
        .await
        .unwrap();
    assert_eq!(id, 3);
}

#[tokio::test]
async fn online_refund_goes_through_the_invoice() {
    let server = MockServer::start().await;
    let mut expected = fixture_json("tutorial-POST-order-refund.request.json");
    expected["isOnline"] = json!(true);
    expected["arguments"]["adjustment_negative"] = json!(2.5);
    let mut refund = tutorial_refund();
    if let Some(args) = refund.arguments.as_mut() {
        args.adjustment_negative = Some(Decimal::new(250, 2));
    }
    Mock::given(method("POST"))
        .and(path(rest("/invoice/7/refund")))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(4))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .credit_memos()
        .refund_online(7, &refund)
        .await
        .unwrap();
    assert_eq!(id, 4);
}

#[tokio::test]
async fn error_shapes() {
    error_matrix("POST", &rest("/order/5/refund"), |c| async move {
        c.credit_memos().refund_offline(5, &Refund::default()).await
    })
    .await;
    error_matrix("POST", &rest("/invoice/7/refund"), |c| async move {
        c.credit_memos().refund_online(7, &Refund::default()).await
    })
    .await;
}

use crate::{assert_failure_modes, client, gql, money, ok, user_errors};
use serde_json::json;
use shopify::models::{
    RefundInput, RefundLineItemInput, RefundShippingInput, RestockType, TransactionInput,
};
use shopify::{Error, Gid};
use wiremock::MockServer;

fn input() -> RefundInput {
    let order = Gid::new("Order", 1);
    let mut input = RefundInput::new(order.clone());
    input.note = Some("wrong size".into());
    input.notify = Some(true);
    input.refund_line_items.push(RefundLineItemInput::new(
        Gid::new("LineItem", 7),
        1,
        Some(RestockType::NoRestock),
    ));
    input.shipping = Some(RefundShippingInput::full());
    input.transactions.push(TransactionInput::refund(
        order,
        Gid::new("OrderTransaction", 2),
        "5.00".parse().unwrap(),
        "paytrace",
    ));
    input
}

fn vars() -> serde_json::Value {
    json!({
        "idempotencyKey": "shopify/example/order/1/refund/1",
        "input": {
            "orderId": "gid://shopify/Order/1", "note": "wrong size", "notify": true,
            "refundLineItems": [{"lineItemId": "gid://shopify/LineItem/7", "quantity": 1, "restockType": "NO_RESTOCK"}],
            "shipping": {"fullRefund": true},
            "transactions": [{"orderId": "gid://shopify/Order/1", "parentId": "gid://shopify/OrderTransaction/2",
                              "amount": "5.00", "gateway": "paytrace", "kind": "REFUND"}]
        }
    })
}

#[tokio::test]
async fn create_sends_the_idempotency_key() {
    let server = MockServer::start().await;
    gql("refundCreate", vars())
        .respond_with(ok(json!({"refundCreate": {"refund": {
            "id": "gid://shopify/Refund/9", "totalRefundedSet": money("5.00"),
            "transactions": {"nodes": [{"id": "gid://shopify/OrderTransaction/5", "kind": "REFUND",
                                        "status": "SUCCESS", "gateway": "paytrace", "amountSet": money("5.00")}]}
        }, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let refund = client(&server)
        .refunds()
        .create(&input(), "shopify/example/order/1/refund/1")
        .await
        .unwrap();
    assert_eq!(refund.id.numeric_id(), Some(9));
    assert_eq!(refund.transactions.len(), 1);
    assert_eq!(
        refund
            .total_refunded_set
            .unwrap()
            .shop_money
            .amount
            .to_string(),
        "5.00"
    );
}

#[tokio::test]
async fn empty_key_is_refused_before_sending() {
    let server = MockServer::start().await;
    assert!(matches!(
        client(&server).refunds().create(&input(), "").await,
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn user_errors_and_retried_5xx() {
    let server = MockServer::start().await;
    gql("refundCreate", vars())
        .respond_with(user_errors("refundCreate", json!([{"field": ["transactions", "0", "amount"], "message": "Amount exceeds refundable"}])))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server)
            .refunds()
            .create(&input(), "shopify/example/order/1/refund/1")
            .await,
        Err(Error::UserErrors {
            operation: "refundCreate",
            ..
        })
    ));
    // The idempotency key makes the mutation safe to resend after a 5xx.
    assert_failure_modes("refundCreate", vars(), true, |c| async move {
        c.refunds()
            .create(&input(), "shopify/example/order/1/refund/1")
            .await
    })
    .await;
}

#[test]
fn the_document_uses_the_idempotent_directive() {
    assert!(
        shopify::api::REFUND_CREATE
            .document
            .contains("refundCreate(input: $input) @idempotent(key: $idempotencyKey)")
    );
}

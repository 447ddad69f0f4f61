use crate::{assert_failure_modes, client, gql, ok, user_errors};
use serde_json::json;
use shopify::models::{FulfillmentInput, FulfillmentTrackingInfo};
use shopify::{Error, Gid};
use wiremock::MockServer;

fn input() -> FulfillmentInput {
    FulfillmentInput::whole(Gid::new("FulfillmentOrder", 1046000816))
        .with_tracking(
            FulfillmentTrackingInfo::new("UPS", "1Z001985YW99744790")
                .with_url("https://ups.example/1Z"),
        )
        .with_notify_customer(true)
}

fn vars() -> serde_json::Value {
    json!({"fulfillment": {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1046000816"}],
        "trackingInfo": {"company": "UPS", "number": "1Z001985YW99744790", "url": "https://ups.example/1Z"},
        "notifyCustomer": true
    }})
}

#[tokio::test]
async fn create_with_tracking() {
    let server = MockServer::start().await;
    gql("fulfillmentCreate", vars())
        .respond_with(ok(json!({"fulfillmentCreate": {"fulfillment": {
            "id": "gid://shopify/Fulfillment/255858046", "status": "SUCCESS",
            "trackingInfo": [{"company": "UPS", "number": "1Z001985YW99744790", "url": "https://ups.example/1Z"}]
        }, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let f = client(&server)
        .fulfillments()
        .create(&input())
        .await
        .unwrap();
    assert_eq!(
        f.tracking_info[0].number.as_deref(),
        Some("1Z001985YW99744790")
    );
}

#[tokio::test]
async fn user_errors_and_failure_modes() {
    let server = MockServer::start().await;
    gql("fulfillmentCreate", vars())
        .respond_with(user_errors(
            "fulfillmentCreate",
            json!([{"field": ["fulfillment"], "message": "Fulfillment order is closed"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).fulfillments().create(&input()).await,
        Err(Error::UserErrors { .. })
    ));
    assert_failure_modes("fulfillmentCreate", vars(), false, |c| async move {
        c.fulfillments().create(&input()).await
    })
    .await;
}

#[tokio::test]
async fn an_orders_fulfillment_orders_and_fulfillments_are_read() {
    let server = MockServer::start().await;
    gql(
        "getOrderFulfillments",
        json!({"id": "gid://shopify/Order/450789469"}),
    )
    .respond_with(ok(json!({"order": {
        "id": "gid://shopify/Order/450789469",
        "fulfillmentOrders": {"nodes": [
            {"id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED"},
            {"id": "gid://shopify/FulfillmentOrder/2", "status": "IN_PROGRESS"}
        ]},
        "fulfillments": [{"id": "gid://shopify/Fulfillment/9", "status": "SUCCESS",
            "trackingInfo": [{"company": "UPS", "number": "1Z1", "url": null}]}]
    }})))
    .expect(1)
    .mount(&server)
    .await;
    let state = client(&server)
        .fulfillments()
        .of_order(&Gid::new("Order", 450789469))
        .await
        .unwrap()
        .unwrap();
    let open: Vec<bool> = state
        .fulfillment_orders
        .iter()
        .map(|f| f.is_fulfillable())
        .collect();
    assert_eq!(open, [false, true]);
    assert_eq!(
        state.fulfillments[0].tracking_info[0].number.as_deref(),
        Some("1Z1")
    );

    let missing = MockServer::start().await;
    gql(
        "getOrderFulfillments",
        json!({"id": "gid://shopify/Order/1"}),
    )
    .respond_with(ok(json!({"order": null})))
    .mount(&missing)
    .await;
    assert_eq!(
        client(&missing)
            .fulfillments()
            .of_order(&Gid::new("Order", 1))
            .await
            .unwrap(),
        None
    );
}

use magento::{CreateShipment, DocumentComment, ItemQty, Track};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{client, fixture_json, rest};

#[tokio::test]
async fn create_sends_the_tutorial_body_with_tracks() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/order/3/ship")))
        .and(body_json(fixture_json(
            "tutorial-POST-order-ship.request.json",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(3))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .shipments()
        .create(
            3,
            &CreateShipment {
                items: vec![ItemQty::new(3, 1), ItemQty::new(5, 1), ItemQty::new(11, 1)],
                notify: true,
                tracks: vec![Track::new("ups", "United Parcel Service", "1Y-9876543210")],
                ..CreateShipment::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(id, 3);
}

#[tokio::test]
async fn create_whole_order_with_comment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rest("/order/4/ship")))
        .and(body_json(json!({
            "notify": false,
            "appendComment": true,
            "comment": {"comment": "Left the warehouse", "is_visible_on_front": 1}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(8))
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server)
        .shipments()
        .create(
            4,
            &CreateShipment {
                append_comment: true,
                comment: Some(DocumentComment {
                    comment: "Left the warehouse".into(),
                    is_visible_on_front: true,
                }),
                ..CreateShipment::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(id, 8);
}

#[tokio::test]
async fn error_shapes() {
    error_matrix("POST", &rest("/order/3/ship"), |c| async move {
        c.shipments().create(3, &CreateShipment::default()).await
    })
    .await;
}

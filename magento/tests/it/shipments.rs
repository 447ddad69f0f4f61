use magento::{CreateShipment, DocumentComment, Filter, ItemQty, SearchCriteria, Track};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
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

#[tokio::test]
async fn search_sends_the_criteria_and_reads_the_tracks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/shipments")))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][field]",
            "order_id",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][value]",
            "3",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][conditionType]",
            "eq",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{
                "entity_id": "7", "increment_id": "000000007", "order_id": 3,
                "created_at": "2026-11-03 09:15:00",
                "tracks": [{"track_number": "1Y-9876543210", "title": "United Parcel Service",
                            "carrier_code": "ups", "created_at": "2026-11-03 09:15:00"}]
            }],
            "total_count": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .shipments()
        .search(&SearchCriteria::new().filter(Filter::eq("order_id", "3")))
        .await
        .unwrap();
    let shipment = &page.items[0];
    assert_eq!((shipment.entity_id, shipment.order_id), (Some(7), Some(3)));
    assert_eq!(
        shipment.created_at,
        Some(time::macros::datetime!(2026-11-03 09:15:00 UTC))
    );
    assert_eq!(
        shipment.tracks[0].track_number.as_deref(),
        Some("1Y-9876543210")
    );
    assert_eq!(shipment.tracks[0].carrier_code.as_deref(), Some("ups"));
}

#[tokio::test]
async fn search_error_shapes() {
    error_matrix("GET", &rest("/shipments"), |c| async move {
        c.shipments().search(&SearchCriteria::new()).await
    })
    .await;
}

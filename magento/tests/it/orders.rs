use magento::{
    Condition, Direction, Filter, FilterGroup, NewOrderComment, OrderState, PaymentFailure,
    SearchCriteria, StatusApplied,
};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{TOKEN, client, fixture, rest};

fn order_json() -> String {
    fixture("tutorial-GET-orders-3.response.json")
}

#[tokio::test]
async fn get_sends_bearer_and_parses_the_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(order_json(), "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server).orders().get(3).await.unwrap();
    assert_eq!(order.entity_id, Some(3));
    assert_eq!(order.increment_id.as_deref(), Some("000000003"));
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.grand_total, Some(Decimal::from(165)));
    assert_eq!(
        order.shipping_address().unwrap().postcode.as_deref(),
        Some("10577")
    );
    assert_eq!(order.shipping_method(), Some("tablerate_bestway"));
}

#[tokio::test]
async fn get_error_shapes() {
    error_matrix("GET", &rest("/orders/3"), |c| async move {
        c.orders().get(3).await
    })
    .await;
}

#[tokio::test]
async fn search_sends_typed_criteria_with_encoded_brackets() {
    let server = MockServer::start().await;
    let body = json!({
        "items": [{"entity_id": 3, "increment_id": "000000003", "grand_total": "165.0000"}],
        "search_criteria": {"filter_groups": []},
        "total_count": 41
    });
    Mock::given(method("GET"))
        .and(path(rest("/orders")))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][field]",
            "status",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][value]",
            "pending",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][conditionType]",
            "eq",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][1][field]",
            "status",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][1][value]",
            "processing",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][1][filters][0][field]",
            "updated_at",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][1][filters][0][value]",
            "2026-11-01 00:00:00",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][1][filters][0][conditionType]",
            "gteq",
        ))
        .and(query_param(
            "searchCriteria[sortOrders][0][field]",
            "updated_at",
        ))
        .and(query_param(
            "searchCriteria[sortOrders][0][direction]",
            "ASC",
        ))
        .and(query_param("searchCriteria[pageSize]", "20"))
        .and(query_param("searchCriteria[currentPage]", "2"))
        .and(query_param(
            "fields",
            "items[entity_id,increment_id,grand_total],total_count",
        ))
        .and(|req: &Request| {
            // Brackets, spaces and commas travel percent-encoded, as they are signed.
            let q = req.url.query().unwrap_or_default();
            q.contains(
                "searchCriteria%5BfilterGroups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=status",
            ) && q.contains("2026-11-01%2000%3A00%3A00")
                && !q.contains('[')
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .expect(1)
        .mount(&server)
        .await;
    let criteria = SearchCriteria::new()
        .group(
            FilterGroup::new()
                .or(Filter::eq("status", "pending"))
                .or(Filter::eq("status", "processing")),
        )
        .filter(Filter::new(
            "updated_at",
            Condition::Gteq,
            "2026-11-01 00:00:00",
        ))
        .sort("updated_at", Direction::Asc)
        .page_size(20)
        .current_page(2)
        .fields("items[entity_id,increment_id,grand_total],total_count");
    let page = client(&server).orders().search(&criteria).await.unwrap();
    assert_eq!(page.total_count, Some(41));
    assert_eq!(page.items[0].grand_total, Some(Decimal::from(165)));
    assert!(!page.is_last_page(&criteria));
}

#[tokio::test]
async fn search_error_shapes() {
    error_matrix("GET", &rest("/orders"), |c| async move {
        c.orders().search(&SearchCriteria::new()).await
    })
    .await;
}

#[tokio::test]
async fn comments_list_and_add() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"comment": "Captured", "entity_id": 9, "parent_id": 3, "status": "processing",
                        "is_customer_notified": null, "is_visible_on_front": 0, "created_at": "2026-11-23 10:00:00"}],
            "total_count": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/orders/3/comments")))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"statusHistory": {
            "comment": "Captured by Stripe: pi_123", "is_customer_notified": 1,
            "is_visible_on_front": 0, "parent_id": 3, "status": "processing"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(true))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let list = c.orders().comments(3).await.unwrap();
    assert_eq!(list.items[0].comment.as_deref(), Some("Captured"));
    assert_eq!(list.items[0].is_customer_notified, None);
    assert_eq!(list.items[0].is_visible_on_front, Some(false));
    let added = c
        .orders()
        .add_comment(
            3,
            &NewOrderComment {
                comment: "Captured by Stripe: pi_123".into(),
                status: Some("processing".into()),
                notify_customer: true,
                visible_on_front: false,
            },
        )
        .await
        .unwrap();
    assert!(added);
}

#[tokio::test]
async fn comments_error_shapes() {
    error_matrix("GET", &rest("/orders/3/comments"), |c| async move {
        c.orders().comments(3).await
    })
    .await;
    error_matrix("POST", &rest("/orders/3/comments"), |c| async move {
        c.orders()
            .add_comment(
                3,
                &NewOrderComment {
                    comment: "x".into(),
                    ..NewOrderComment::default()
                },
            )
            .await
    })
    .await;
}

#[tokio::test]
async fn hold_unhold_cancel_return_magentos_boolean() {
    let server = MockServer::start().await;
    for (action, answer) in [
        ("hold", json!(true)),
        ("unhold", json!(true)),
        ("cancel", json!(false)),
    ] {
        Mock::given(method("POST"))
            .and(path(rest(&format!("/orders/3/{action}"))))
            .and(body_json(json!({})))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    assert!(c.orders().hold(3).await.unwrap());
    assert!(c.orders().unhold(3).await.unwrap());
    assert!(!c.orders().cancel(3).await.unwrap());
}

#[tokio::test]
async fn hold_unhold_cancel_error_shapes() {
    error_matrix("POST", &rest("/orders/3/hold"), |c| async move {
        c.orders().hold(3).await
    })
    .await;
    error_matrix("POST", &rest("/orders/3/unhold"), |c| async move {
        c.orders().unhold(3).await
    })
    .await;
    error_matrix("POST", &rest("/orders/3/cancel"), |c| async move {
        c.orders().cancel(3).await
    })
    .await;
}

fn failure() -> PaymentFailure {
    PaymentFailure {
        status: "payment_failed".into(),
        state: OrderState::PendingPayment,
        comment: "Stripe declined pi_123: card_declined".into(),
        notify_customer: false,
    }
}

async fn mount_failure_comment(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(rest("/orders/3/comments")))
        .and(body_json(json!({"statusHistory": {
            "comment": "Stripe declined pi_123: card_declined", "is_customer_notified": 0,
            "is_visible_on_front": 0, "parent_id": 3, "status": "payment_failed"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(true))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn payment_failure_before_2_4_7_the_comment_sets_the_status() {
    let server = MockServer::start().await;
    mount_failure_comment(&server).await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3")))
        .and(query_param("fields", "entity_id,state,status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entity_id": 3, "state": "pending_payment", "status": "payment_failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/orders")))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let recorded = client(&server)
        .orders()
        .record_payment_failure(3, &failure())
        .await
        .unwrap();
    assert_eq!(recorded.applied, StatusApplied::ByComment);
    assert_eq!(recorded.status.as_deref(), Some("payment_failed"));
}

#[tokio::test]
async fn payment_failure_since_2_4_7_the_status_is_saved_on_the_order() {
    let server = MockServer::start().await;
    mount_failure_comment(&server).await;
    Mock::given(method("GET"))
        .and(path(rest("/orders/3")))
        .and(query_param("fields", "entity_id,state,status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entity_id": 3, "state": "new", "status": "pending"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(rest("/orders")))
        .and(body_json(json!({"entity": {
            "entity_id": 3, "state": "pending_payment", "status": "payment_failed"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entity_id": 3, "state": "pending_payment", "status": "payment_failed", "items": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    let recorded = client(&server)
        .orders()
        .record_payment_failure(3, &failure())
        .await
        .unwrap();
    assert_eq!(recorded.applied, StatusApplied::ByOrderSave);
    assert_eq!(recorded.state, Some(OrderState::PendingPayment));
    assert_eq!(recorded.status.as_deref(), Some("payment_failed"));
}

#[tokio::test]
async fn payment_failure_error_shapes() {
    // The first call failing stops the sequence.
    error_matrix("POST", &rest("/orders/3/comments"), |c| async move {
        c.orders().record_payment_failure(3, &failure()).await
    })
    .await;
}

#[tokio::test]
async fn get_by_increment_id_searches_one_row() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/orders")))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][field]",
            "increment_id",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][value]",
            "000000003",
        ))
        .and(query_param("searchCriteria[pageSize]", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [{"entity_id": 3}], "total_count": 1})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(rest("/orders")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "total_count": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.orders()
            .get_by_increment_id("000000003")
            .await
            .unwrap()
            .unwrap()
            .entity_id,
        Some(3)
    );
    assert!(
        c.orders()
            .get_by_increment_id("000000003")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn get_by_increment_id_error_shapes() {
    error_matrix("GET", &rest("/orders"), |c| async move {
        c.orders().get_by_increment_id("1").await
    })
    .await;
}

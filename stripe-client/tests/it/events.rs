use futures::TryStreamExt;
use serde_json::json;
use stripe_client::{EventObject, EventType};
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

fn event(id: &str) -> serde_json::Value {
    let mut e: serde_json::Value = serde_json::from_str(include_str!(
        "../fixtures/event_payment_intent_succeeded.json"
    ))
    .unwrap();
    e["id"] = json!(id);
    e
}

#[tokio::test]
async fn list_since_filters_by_created_and_types_and_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(StripeHeaders)
        .and(query(&[
            ("created[gte]", "1694100000"),
            ("types[]", "payment_intent.succeeded"),
            ("types[]", "charge.refunded"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/events",
            vec![event("evt_2"), event("evt_1")],
            true,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .and(query(&[
            ("created[gte]", "1694100000"),
            ("types[]", "payment_intent.succeeded"),
            ("types[]", "charge.refunded"),
            ("starting_after", "evt_1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/events",
            vec![],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let since = OffsetDateTime::from_unix_timestamp(1_694_100_000).unwrap();
    let events: Vec<_> = client(&server)
        .events()
        .list_since(since, &["payment_intent.succeeded", "charge.refunded"])
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event_type, EventType::PaymentIntentSucceeded);
    let EventObject::PaymentIntent(pi) = &events[0].data.object else {
        panic!("{:?}", events[0].data.object)
    };
    assert_eq!(pi.metadata["order_id"], "1001");
}

#[tokio::test]
async fn retrieve_keeps_unknown_objects_raw() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events/evt_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("event")))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).events().retrieve("evt_1").await.unwrap();
    assert_eq!(e.event_type, EventType::Other("plan.created".into()));
    let EventObject::Other(raw) = &e.data.object else {
        panic!("{:?}", e.data.object)
    };
    assert_eq!(raw["object"], "plan");
}

#[tokio::test]
async fn a_typed_event_round_trips_through_serialize() {
    let original = event("evt_rt");
    let parsed: stripe_client::Event = serde_json::from_value(original).unwrap();
    let again: stripe_client::Event =
        serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
    assert!(matches!(again.data.object, EventObject::PaymentIntent(_)));
    assert_eq!(again.id, "evt_rt");
}

#[tokio::test]
async fn a_known_object_with_a_bad_field_is_a_decode_error_naming_the_field() {
    let server = MockServer::start().await;
    let mut bad = event("evt_bad");
    bad["data"]["object"]["amount"] = json!("lots");
    Mock::given(method("GET"))
        .and(path("/v1/events/evt_bad"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bad))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .events()
        .retrieve("evt_bad")
        .await
        .unwrap_err();
    let stripe_client::Error::Decode { path, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "data.object.amount");
    assert!(message.contains("invalid type"), "{message}");
}

failure_cases!("GET", "/v1/events/evt_1", |c| c.events().retrieve("evt_1"));

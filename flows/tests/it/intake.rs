//! The webhook intake: signatures, store-then-answer, routes, dead letters of unreadable bodies,
//! readiness.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flows::intake::{
    AdobeCommerceWebhooks, Delivery, Intake, Redeliver, Route, ShopifyWebhooks, StripeWebhooks,
};
use flows::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, StepCtx, job};
use flows::{JobState, Outcome, SqliteStore, StepError, Store, Worker, WorkerConfig};
use mapping::System;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

const SHOPIFY_SECRET: &str = "shpss_current";
const SHOPIFY_OLD_SECRET: &str = "shpss_previous";
const STRIPE_SECRET: &str = "whsec_test_secret";

/// A flow per order, its input the delivery and the order id: what a workflow's route names.
struct OrderFlow;

#[derive(Serialize, Deserialize)]
struct OrderInput {
    event: EventRef,
    order: u64,
}

#[async_trait]
impl Flow for OrderFlow {
    type Input = OrderInput;
    const KIND: JobKind = JobKind::new("test.order");
    const SYSTEMS: &'static [System] = &[];
    fn entity(&self, input: &OrderInput) -> Result<EntityKey, StepError> {
        Ok(EntityKey::new(System::Shopify, "demo.myshopify.com").child(Entity::Order, input.order))
    }
    async fn run(&self, _ctx: &StepCtx<'_>, _input: OrderInput) -> Result<(), StepError> {
        Ok(())
    }
}

/// `orders/create` to the order's job; a body without an id cannot be routed.
fn order_route(system: System, topic: &str) -> Route {
    Route::new(system, topic, |d: &Delivery<'_>| {
        #[derive(Deserialize)]
        struct Ids {
            id: Option<u64>,
        }
        let ids: Ids = flows::workflow::decode(d.body, "order")?;
        let order = ids
            .id
            .ok_or_else(|| StepError::permanent("id is missing"))?;
        job(
            &OrderFlow,
            &OrderInput {
                event: d.event(),
                order,
            },
        )
    })
}

fn intake(store: &Arc<SqliteStore>) -> Intake {
    Intake::new(Arc::clone(store))
        .source(ShopifyWebhooks::new(
            shopify::WebhookVerifier::new(SecretString::from(SHOPIFY_SECRET))
                .with_secret(SecretString::from(SHOPIFY_OLD_SECRET)),
        ))
        .source(StripeWebhooks::new(stripe_client::webhook::Webhook::new(
            SecretString::from(STRIPE_SECRET),
        )))
        .route(order_route(System::Shopify, "orders/create"))
        .route(charge_route())
}

/// `charge.succeeded` to a job per charge: the test reads `data.object.id`.
fn charge_route() -> Route {
    Route::new(System::Stripe, "charge.succeeded", |d: &Delivery<'_>| {
        #[derive(Deserialize)]
        struct Event {
            data: Data,
        }
        #[derive(Deserialize)]
        struct Data {
            object: Object,
        }
        #[derive(Deserialize)]
        struct Object {
            id: u64,
        }
        let event: Event = flows::workflow::decode(d.body, "charge event")?;
        job(
            &OrderFlow,
            &OrderInput {
                event: d.event(),
                order: event.data.object.id,
            },
        )
    })
}

fn shopify_request(webhook_id: &str, topic: &str, body: &str, secret: &str) -> Request<Body> {
    let hmac = shopify::webhook::sign(&SecretString::from(secret), body.as_bytes());
    Request::post("/webhooks/shopify")
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Shop-Domain", "demo.myshopify.com")
        .header("X-Shopify-Webhook-Id", webhook_id)
        .header("X-Shopify-Api-Version", "2026-10")
        .header("X-Shopify-Hmac-Sha256", hmac)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn stripe_request(body: &str, secret: &str, timestamp: i64) -> Request<Body> {
    let header = stripe_client::webhook::generate_test_header(
        body.as_bytes(),
        &SecretString::from(secret),
        timestamp,
    );
    Request::post("/webhooks/stripe")
        .header("Stripe-Signature", header)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn send(intake: &Intake, request: Request<Body>) -> StatusCode {
    intake.router().oneshot(request).await.unwrap().status()
}

const ORDER: &str = r##"{"id":450789469,"name":"#1001","total_price":"10.00","currency":"USD"}"##;

#[tokio::test]
async fn a_signed_shopify_webhook_is_stored_with_its_job_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    for _ in 0..2 {
        let request = shopify_request("wh-1", "orders/create", ORDER, SHOPIFY_SECRET);
        assert_eq!(send(&intake, request).await, StatusCode::OK);
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    let stored = store.event(System::Shopify, "wh-1").await.unwrap().unwrap();
    assert_eq!(stored.event.payload, ORDER.as_bytes());
    let job = store
        .claim("w", flows::now_millis(), 1_000)
        .await
        .unwrap()
        .unwrap()
        .job;
    assert_eq!(job.kind, OrderFlow::KIND);
    assert_eq!(job.key, "shopify/demo.myshopify.com/order/450789469");
    assert_eq!(
        job.payload,
        serde_json::json!({"event": {"provider": "shopify", "event_id": "wh-1"}, "order": 450789469})
    );
}

#[tokio::test]
async fn two_deliveries_of_one_order_share_its_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    for webhook_id in ["wh-1", "wh-2"] {
        let request = shopify_request(webhook_id, "orders/create", ORDER, SHOPIFY_SECRET);
        assert_eq!(send(&intake, request).await, StatusCode::OK);
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (2, 1));
}

#[tokio::test]
async fn the_previous_secret_still_verifies_during_rotation() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let request = shopify_request("wh-2", "orders/create", ORDER, SHOPIFY_OLD_SECRET);
    assert_eq!(send(&intake(&store), request).await, StatusCode::OK);
}

#[tokio::test]
async fn bad_signatures_and_tampered_bodies_are_refused_and_not_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    let wrong = shopify_request("wh-3", "orders/create", ORDER, "wrong-secret");
    assert_eq!(send(&intake, wrong).await, StatusCode::UNAUTHORIZED);
    let mut tampered = shopify_request("wh-4", "orders/create", ORDER, SHOPIFY_SECRET);
    *tampered.body_mut() = Body::from(ORDER.replace("10.00", "0.01"));
    assert_eq!(send(&intake, tampered).await, StatusCode::UNAUTHORIZED);
    let mut no_topic = shopify_request("wh-5", "orders/create", ORDER, SHOPIFY_SECRET);
    no_topic.headers_mut().remove("X-Shopify-Topic");
    assert_eq!(send(&intake, no_topic).await, StatusCode::BAD_REQUEST);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

#[tokio::test]
async fn topics_without_a_route_are_kept_without_a_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let request = shopify_request("wh-6", "customers/update", r#"{"id":1}"#, SHOPIFY_SECRET);
    assert_eq!(send(&intake(&store), request).await, StatusCode::OK);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 0));
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let body = format!(r#"{{"id":1,"note":"{}"}}"#, "x".repeat(100));
    let request = shopify_request("wh-7", "orders/create", &body, SHOPIFY_SECRET);
    let status = send(&intake(&store).max_body(64), request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

fn stripe_event(id: &str, event_type: &str) -> String {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":1700000000,"data":{{"object":{{"id":7,"object":"charge"}}}}}}"#
    )
}

#[tokio::test]
async fn a_signed_stripe_event_is_stored_once_with_its_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = stripe_event("evt_1", "charge.succeeded");
    for _ in 0..2 {
        let request = stripe_request(&body, STRIPE_SECRET, now);
        assert_eq!(send(&intake, request).await, StatusCode::OK);
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    let job = store
        .claim("w", flows::now_millis(), 1_000)
        .await
        .unwrap()
        .unwrap()
        .job;
    assert_eq!(job.key, "shopify/demo.myshopify.com/order/7");
    assert_eq!(job.payload["event"]["event_id"], "evt_1");
}

/// Stripe: "don't store, log, or expose the client_secret to anyone other than the customer"
/// (docs.stripe.com/api/payment_intents/object). The signature is checked on the bytes sent,
/// and the inbox keeps the event without the secret, saying it was removed.
#[tokio::test]
async fn a_payment_intent_client_secret_is_never_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = r#"{"id":"evt_pi","object":"event","type":"payment_intent.requires_action","created":1700000000,"data":{"object":{"id":"pi_3Mt","object":"payment_intent","amount":1099,"client_secret":"pi_3Mt_secret_YrKJUKribcBjcG8HVhfZluoGH"}}}"#;
    let request = stripe_request(body, STRIPE_SECRET, now);
    assert_eq!(send(&intake, request).await, StatusCode::OK);
    let stored = store
        .event(System::Stripe, "evt_pi")
        .await
        .unwrap()
        .expect("the event is stored");
    let text = String::from_utf8(stored.event.payload.clone()).unwrap();
    assert!(!text.contains("YrKJUKribcBjcG8HVhfZluoGH"), "{text}");
    let value: serde_json::Value = serde_json::from_slice(&stored.event.payload).unwrap();
    assert_eq!(
        value["data"]["object"]["client_secret"],
        flows::intake::REMOVED_SECRET
    );
    assert_eq!(value["data"]["object"]["amount"], 1099);
    assert_eq!(stored.event.topic, "payment_intent.requires_action");
}

#[tokio::test]
async fn stripe_signatures_are_checked_for_secret_and_age() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = stripe_event("evt_2", "charge.succeeded");
    let other_secret = stripe_request(&body, "whsec_other", now);
    assert_eq!(send(&intake, other_secret).await, StatusCode::UNAUTHORIZED);
    let stale = stripe_request(&body, STRIPE_SECRET, now - 3_600);
    assert_eq!(send(&intake, stale).await, StatusCode::UNAUTHORIZED);
    let unsigned = Request::post("/webhooks/stripe")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&intake, unsigned).await, StatusCode::UNAUTHORIZED);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

/// Issue 13, defect 7: a signed body that does not decode is stored and dead-lettered, on every
/// route (before, Stripe answered 400 and stored nothing, so Stripe retried it for days and
/// nobody saw it).
#[tokio::test]
async fn a_signed_body_that_cannot_be_read_is_stored_and_dead_lettered_on_every_route() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = intake(&store).source(AdobeCommerceWebhooks::new(
        magento::WebhookVerifier::from_public_key_pem(ADOBE_NOT_JSON_KEY).unwrap(),
    ));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Stripe: a body that is not an event.
    let not_an_event = r#"{"hello":"world"}"#;
    let status = send(&intake, stripe_request(not_an_event, STRIPE_SECRET, now)).await;
    assert_eq!(status, StatusCode::OK);
    // Shopify: a body that is not JSON, and an order without an id.
    let garbage = shopify_request("wh-g", "orders/create", "not json", SHOPIFY_SECRET);
    assert_eq!(send(&intake, garbage).await, StatusCode::OK);
    let no_id = shopify_request(
        "wh-n",
        "orders/create",
        r##"{"name":"#1002"}"##,
        SHOPIFY_SECRET,
    );
    assert_eq!(send(&intake, no_id).await, StatusCode::OK);
    // Adobe Commerce: a signed body that is not JSON.
    let adobe = adobe_request(ADOBE_NOT_JSON, Some(ADOBE_NOT_JSON_SIGNATURE));
    assert_eq!(
        intake.router().oneshot(adobe).await.unwrap().status(),
        StatusCode::OK
    );

    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued, counts.dead), (4, 0, 4));
    let dead = store.dead_letters(10).await.unwrap();
    let reasons: Vec<&str> = dead.iter().map(|d| d.reason.as_str()).collect();
    assert!(
        reasons[0].starts_with("signed stripe delivery cannot be read: not an event"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("shopify orders/create cannot be routed"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("id is missing"), "{reasons:?}");
    assert!(
        reasons[3].starts_with("signed magento delivery cannot be read"),
        "{reasons:?}"
    );
    assert!(
        dead.iter()
            .all(|d| d.kind == Redeliver::KIND && d.permanent)
    );
    // The raw bodies are kept: the Stripe one under its SHA-256.
    let stripe_id = flows::intake::body_id(not_an_event.as_bytes());
    let stored = store
        .event(System::Stripe, &stripe_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.event.payload, not_an_event.as_bytes());
    assert_eq!(stored.event.topic, "");
}

/// After an upgrade that reads it, a dead letter of an unreadable delivery is replayed and the
/// event gets the job its route names.
#[tokio::test]
async fn a_replayed_dead_letter_of_a_delivery_routes_it_again() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    // The route of version 1 cannot read the order; version 2 reads `order_id` as well.
    let v1 = Intake::new(Arc::clone(&store))
        .source(ShopifyWebhooks::new(shopify::WebhookVerifier::new(
            SecretString::from(SHOPIFY_SECRET),
        )))
        .route(order_route(System::Shopify, "orders/create"));
    let body = r#"{"order_id":77}"#;
    let request = shopify_request("wh-r", "orders/create", body, SHOPIFY_SECRET);
    assert_eq!(send(&v1, request).await, StatusCode::OK);
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);

    let v2 = v1.clone().route(Route::new(
        System::Shopify,
        "orders/create",
        |d: &Delivery<'_>| {
            #[derive(Deserialize)]
            struct Ids {
                order_id: u64,
            }
            let ids: Ids = flows::workflow::decode(d.body, "order")?;
            job(
                &OrderFlow,
                &OrderInput {
                    event: d.event(),
                    order: ids.order_id,
                },
            )
        },
    ));
    let worker = Worker::new(Arc::clone(&store), WorkerConfig::new("w"))
        .flow(v2.redeliver())
        .flow(OrderFlow);
    store
        .replay_dead_letter(dead[0].id, flows::now_millis())
        .await
        .unwrap();
    let mut shutdown = tokio::sync::watch::channel(false).1;
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Done)
    );
    assert_eq!(
        worker.run_once(&mut shutdown).await.unwrap(),
        Some(Outcome::Done)
    );
    let order = store
        .job(&OrderFlow::KIND, "shopify/demo.myshopify.com/order/77")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.state, JobState::Done);
}

#[tokio::test]
async fn a_provider_without_a_source_is_not_served() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let request = shopify_request("wh-8", "orders/create", ORDER, SHOPIFY_SECRET);
    let status = send(&Intake::new(Arc::clone(&store)), request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_readiness_route_says_whether_the_store_takes_writes() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let request = Request::get("/ready").body(Body::empty()).unwrap();
    let response = intake(&store).router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

const ADOBE_BODY: &[u8] = include_bytes!("../fixtures/adobe-webhook-body.json");
const ADOBE_SIGNATURE: &str = include_str!("../fixtures/adobe-webhook-body.sig");
const ADOBE_KEY: &str = include_str!("../fixtures/adobe-webhook-test-public.pem");
const OTHER_KEY: &str = include_str!("../fixtures/other-test-public.pem");
const ADOBE_NOT_JSON: &[u8] = include_bytes!("../fixtures/adobe-webhook-not-json.txt");
const ADOBE_NOT_JSON_SIGNATURE: &str = include_str!("../fixtures/adobe-webhook-not-json.sig");
const ADOBE_NOT_JSON_KEY: &str = include_str!("../fixtures/adobe-webhook-not-json-public.pem");

fn adobe_request(body: &[u8], signature: Option<&str>) -> Request<Body> {
    let request = Request::post("/webhooks/magento").header("content-type", "application/json");
    let request = match signature {
        Some(signature) => request.header("x-adobe-commerce-webhook-signature", signature.trim()),
        None => request,
    };
    request.body(Body::from(body.to_vec())).unwrap()
}

fn adobe_intake(store: &Arc<SqliteStore>, key: &str) -> Intake {
    intake(store)
        .source(AdobeCommerceWebhooks::new(
            magento::WebhookVerifier::from_public_key_pem(key).unwrap(),
        ))
        .route(order_route(
            System::Magento,
            "observer.sales_order_place_after",
        ))
}

#[tokio::test]
async fn a_signed_adobe_commerce_webhook_is_stored_once_and_answered_success() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let intake = Intake::new(Arc::clone(&store)).source(AdobeCommerceWebhooks::new(
        magento::WebhookVerifier::from_public_key_pem(ADOBE_KEY).unwrap(),
    ));
    for _ in 0..2 {
        let response = intake
            .router()
            .oneshot(adobe_request(ADOBE_BODY, Some(ADOBE_SIGNATURE)))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer, serde_json::json!({ "op": "success" }));
    }
    // The same body twice is one event: its hash is the event id.
    assert_eq!(store.counts().await.unwrap().events, 1);
    let event_id = flows::intake::body_id(ADOBE_BODY);
    let stored = store
        .event(System::Magento, &event_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.event.payload, ADOBE_BODY);
    assert!(!stored.event.topic.is_empty());
}

#[tokio::test]
async fn adobe_commerce_webhooks_without_a_valid_signature_are_refused_and_not_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let mut tampered = ADOBE_BODY.to_vec();
    tampered[20] ^= 1;
    let cases = [
        (
            adobe_intake(&store, ADOBE_KEY),
            adobe_request(&tampered, Some(ADOBE_SIGNATURE)),
        ),
        (
            adobe_intake(&store, ADOBE_KEY),
            adobe_request(ADOBE_BODY, None),
        ),
        (
            adobe_intake(&store, OTHER_KEY),
            adobe_request(ADOBE_BODY, Some(ADOBE_SIGNATURE)),
        ),
    ];
    for (intake, request) in cases {
        let response = intake.router().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Without a source the route is not served.
    let status = send(
        &intake(&store),
        adobe_request(ADOBE_BODY, Some(ADOBE_SIGNATURE)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

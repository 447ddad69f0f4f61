use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flows::intake::{IntakeConfig, job_kind, router};
use flows::{SqliteStore, Store};
use secrecy::SecretString;
use tower::ServiceExt;

const SHOPIFY_SECRET: &str = "shpss_current";
const SHOPIFY_OLD_SECRET: &str = "shpss_previous";
const STRIPE_SECRET: &str = "whsec_test_secret";

fn config() -> IntakeConfig {
    IntakeConfig::default()
        .shopify(
            shopify::WebhookVerifier::new(SecretString::from(SHOPIFY_SECRET))
                .with_secret(SecretString::from(SHOPIFY_OLD_SECRET)),
        )
        .stripe(stripe_client::webhook::Webhook::new(SecretString::from(
            STRIPE_SECRET,
        )))
        .handle(job_kind("shopify", "orders/create"))
        .handle(job_kind("stripe", "charge.succeeded"))
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

async fn send(store: &Arc<SqliteStore>, request: Request<Body>) -> StatusCode {
    router(Arc::clone(store), config())
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

const ORDER: &str = r##"{"id":450789469,"name":"#1001","total_price":"10.00","currency":"USD"}"##;

#[tokio::test]
async fn a_signed_shopify_webhook_is_stored_with_its_job_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    assert_eq!(
        send(
            &store,
            shopify_request("wh-1", "orders/create", ORDER, SHOPIFY_SECRET)
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        send(
            &store,
            shopify_request("wh-1", "orders/create", ORDER, SHOPIFY_SECRET)
        )
        .await,
        StatusCode::OK
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    let stored = store.event("shopify", "wh-1").await.unwrap().unwrap();
    assert_eq!(stored.event.payload, ORDER.as_bytes());
    let job = store
        .claim("w", flows::now_millis(), 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.kind, "shopify:orders/create");
    assert_eq!(job.key, "shopify/wh-1");
    assert_eq!(
        job.payload,
        serde_json::json!({"provider": "shopify", "event_id": "wh-1", "shop": "demo.myshopify.com"})
    );
}

#[tokio::test]
async fn the_previous_secret_still_verifies_during_rotation() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let status = send(
        &store,
        shopify_request("wh-2", "orders/create", ORDER, SHOPIFY_OLD_SECRET),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_signatures_and_tampered_bodies_are_refused_and_not_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    assert_eq!(
        send(
            &store,
            shopify_request("wh-3", "orders/create", ORDER, "wrong-secret")
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = shopify_request("wh-4", "orders/create", ORDER, SHOPIFY_SECRET);
    *tampered.body_mut() = Body::from(ORDER.replace("10.00", "0.01"));
    assert_eq!(send(&store, tampered).await, StatusCode::UNAUTHORIZED);
    let mut no_topic = shopify_request("wh-5", "orders/create", ORDER, SHOPIFY_SECRET);
    no_topic.headers_mut().remove("X-Shopify-Topic");
    assert_eq!(send(&store, no_topic).await, StatusCode::BAD_REQUEST);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

#[tokio::test]
async fn unhandled_topics_are_kept_without_a_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let status = send(
        &store,
        shopify_request("wh-6", "customers/update", r#"{"id":1}"#, SHOPIFY_SECRET),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 0));
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let mut config = config();
    config.max_body = 64;
    let body = format!(r#"{{"id":1,"note":"{}"}}"#, "x".repeat(100));
    let response = router(Arc::clone(&store), config)
        .oneshot(shopify_request(
            "wh-7",
            "orders/create",
            &body,
            SHOPIFY_SECRET,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

fn stripe_event(id: &str, event_type: &str) -> String {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":1700000000,"data":{{"object":{{"id":"ch_1","object":"charge"}}}}}}"#
    )
}

#[tokio::test]
async fn a_signed_stripe_event_is_stored_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = stripe_event("evt_1", "charge.succeeded");
    assert_eq!(
        send(&store, stripe_request(&body, STRIPE_SECRET, now)).await,
        StatusCode::OK
    );
    assert_eq!(
        send(&store, stripe_request(&body, STRIPE_SECRET, now)).await,
        StatusCode::OK
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));
    let job = store
        .claim("w", flows::now_millis(), 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.kind.as_str(), job.key.as_str()),
        ("stripe:charge.succeeded", "stripe/evt_1")
    );
}

#[tokio::test]
async fn stripe_signatures_are_checked_for_secret_and_age() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = stripe_event("evt_2", "charge.succeeded");
    assert_eq!(
        send(&store, stripe_request(&body, "whsec_other", now)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&store, stripe_request(&body, STRIPE_SECRET, now - 3_600)).await,
        StatusCode::UNAUTHORIZED
    );
    let unsigned = Request::post("/webhooks/stripe")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&store, unsigned).await, StatusCode::UNAUTHORIZED);
    let not_an_event = stripe_request(r#"{"hello":"world"}"#, STRIPE_SECRET, now);
    assert_eq!(send(&store, not_an_event).await, StatusCode::BAD_REQUEST);
    assert_eq!(store.counts().await.unwrap().events, 0);
}

#[tokio::test]
async fn a_provider_without_secrets_is_not_served() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let response = router(Arc::clone(&store), IntakeConfig::default())
        .oneshot(shopify_request(
            "wh-8",
            "orders/create",
            ORDER,
            SHOPIFY_SECRET,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_routed_topic_gets_the_job_its_route_names_and_falls_back_without_one() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let route: flows::intake::Route = Arc::new(|event: &flows::NewEvent| {
        let body: serde_json::Value = serde_json::from_slice(&event.payload).ok()?;
        let id = body.get("id")?.as_u64()?;
        Some(("order".to_owned(), format!("shop/order/{id}")))
    });
    let routed = || config().route(job_kind("shopify", "orders/create"), Arc::clone(&route));
    let post = |id: &str, body: &str| shopify_request(id, "orders/create", body, SHOPIFY_SECRET);
    for (webhook_id, body) in [
        ("wh-1", ORDER),
        ("wh-2", ORDER),
        ("wh-3", r##"{"name":"#1002"}"##),
    ] {
        let status = router(Arc::clone(&store), routed())
            .oneshot(post(webhook_id, body))
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK);
    }
    let counts = store.counts().await.unwrap();
    // Three events; the two about order 450789469 share its job, the one without an id gets
    // the delivery job of its own kind.
    assert_eq!((counts.events, counts.queued), (3, 2));
    let first = store.claim("w", i64::MAX / 2, 1000).await.unwrap().unwrap();
    let second = store.claim("w", i64::MAX / 2, 1000).await.unwrap().unwrap();
    assert_eq!(
        (first.kind.as_str(), first.key.as_str()),
        ("order", "shop/order/450789469")
    );
    assert_eq!(first.payload["event_id"], "wh-1");
    assert_eq!(
        (second.kind.as_str(), second.key.as_str()),
        ("shopify:orders/create", "shopify/wh-3")
    );
}

const ADOBE_BODY: &[u8] = include_bytes!("../fixtures/adobe-webhook-body.json");
const ADOBE_SIGNATURE: &str = include_str!("../fixtures/adobe-webhook-body.sig");
const ADOBE_KEY: &str = include_str!("../fixtures/adobe-webhook-test-public.pem");
const OTHER_KEY: &str = include_str!("../fixtures/other-test-public.pem");

fn adobe_request(body: &[u8], signature: Option<&str>) -> Request<Body> {
    let request = Request::post("/webhooks/magento").header("content-type", "application/json");
    let request = match signature {
        Some(signature) => request.header("x-adobe-commerce-webhook-signature", signature),
        None => request,
    };
    request.body(Body::from(body.to_vec())).unwrap()
}

fn adobe_config(key: &str) -> IntakeConfig {
    config()
        .magento(magento::WebhookVerifier::from_public_key_pem(key).unwrap())
        .handle(job_kind("magento", "observer.sales_order_place_after"))
}

#[tokio::test]
async fn a_signed_adobe_commerce_webhook_is_stored_once_and_answered_success() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    for _ in 0..2 {
        let response = router(Arc::clone(&store), adobe_config(ADOBE_KEY))
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
    let counts = store.counts().await.unwrap();
    // The same body twice is one event (its hash is the event id), with one job.
    assert_eq!((counts.events, counts.queued), (1, 1));
    let job = store.claim("w", i64::MAX / 2, 1000).await.unwrap().unwrap();
    assert_eq!(job.kind, "magento:observer.sales_order_place_after");
    let event_id = job.payload["event_id"].as_str().unwrap();
    assert_eq!(event_id.len(), 64);
    let stored = store.event("magento", event_id).await.unwrap().unwrap();
    assert_eq!(stored.event.payload, ADOBE_BODY);
}

#[tokio::test]
async fn adobe_commerce_webhooks_without_a_valid_signature_are_refused_and_not_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let mut tampered = ADOBE_BODY.to_vec();
    tampered[20] ^= 1;
    let cases = [
        (
            adobe_config(ADOBE_KEY),
            adobe_request(&tampered, Some(ADOBE_SIGNATURE)),
        ),
        (adobe_config(ADOBE_KEY), adobe_request(ADOBE_BODY, None)),
        (
            adobe_config(OTHER_KEY),
            adobe_request(ADOBE_BODY, Some(ADOBE_SIGNATURE)),
        ),
    ];
    for (config, request) in cases {
        let response = router(Arc::clone(&store), config)
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Without a configured key the route is not served.
    assert_eq!(
        send(&store, adobe_request(ADOBE_BODY, Some(ADOBE_SIGNATURE))).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(store.counts().await.unwrap().events, 0);
}

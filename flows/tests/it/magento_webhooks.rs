//! Adobe Commerce's order-placed webhook end to end: signed deliveries through the intake's
//! router (`AdobeCommerceWebhooks`), the Magento + Stripe flows against the sandbox's Magento and
//! Stripe fakes over loopback, the SQLite store and a worker.
//!
//! The sandbox's Magento fake sends no webhooks, so each test run generates an RSA key pair and
//! signs the bodies itself the way Commerce does (RSA SHA-256, PKCS#1 v1.5, over the base64 of
//! the body; see `magento::webhook`). The key is 1024 bits to keep its generation quick in a
//! debug build; the verifier takes any size.
#![cfg(all(feature = "magento", feature = "stripe"))]

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flows::intake::AdobeCommerceWebhooks;
use flows::workflow::{Flow, JobKind};
use flows::workflows::magento_stripe::{OrderPayment, OrderPlaced};
use flows::{JobState, Outcome, Store};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use sandbox::Faults;
use sandbox::magento::NewOrder;

use crate::magento_stripe::through_the_sandbox::Sandboxed;
use serde_json::{Value, json};
use sha2::Sha256;
use tower::ServiceExt;

/// The test run's Commerce key pair: the signing half and the public key as PEM.
pub(crate) static KEYS: LazyLock<(SigningKey<Sha256>, String)> = LazyLock::new(|| {
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let public = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    (SigningKey::new(private), public)
});

/// The `x-adobe-commerce-webhook-signature` of `body`.
fn sign(body: &[u8]) -> String {
    let encoded = STANDARD.encode(body);
    STANDARD.encode(KEYS.0.sign(encoded.as_bytes()).to_bytes())
}

/// How long the order-placed and payment jobs wait between looks for an order Magento does not
/// show yet (the worker's waits for other flows).
const LOOK_AGAIN: Duration = Duration::from_millis(150);

/// The Magento + Stripe sandbox whose intake takes Adobe Commerce's webhooks, signed with the
/// test's key, and whose worker looks again for an order soon.
struct Commerce(Sandboxed);

impl std::ops::Deref for Commerce {
    type Target = Sandboxed;

    fn deref(&self) -> &Sandboxed {
        &self.0
    }
}

impl Commerce {
    async fn start() -> Self {
        Self(
            Sandboxed::start_with(
                Faults::default(),
                |config| config,
                |intake| {
                    intake.source(AdobeCommerceWebhooks::new(
                        magento::WebhookVerifier::from_public_key_pem(&KEYS.1).unwrap(),
                    ))
                },
                |worker| worker.waits(LOOK_AGAIN, LOOK_AGAIN),
            )
            .await,
        )
    }

    fn order_in(&self, state: &str) -> i64 {
        let order = NewOrder::new("jane@example.com")
            .item("TEE-1", 3, 50.into())
            .payment(
                "stripe_payments",
                vec![("stripe_payment_method".into(), "pm_card_visa".into())],
            )
            .state(state, state);
        self.magento.fake.create_order(order)
    }

    /// Sends `body`, signed, to `POST /webhooks/magento`; checks Commerce's success answer.
    async fn deliver(&self, body: &Value) {
        let body = serde_json::to_vec(body).unwrap();
        let request = Request::post("/webhooks/magento")
            .header("content-type", "application/json")
            .header(magento::webhook::SIGNATURE_HEADER, sign(&body))
            .body(Body::from(body))
            .unwrap();
        let response = self.intake.router().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap(),
            json!({ "op": "success" })
        );
    }

    /// Runs jobs until none is runnable for a while; every outcome.
    async fn run_until(&self, done: impl Fn(&Self) -> bool) -> Vec<Outcome> {
        let start = Instant::now();
        let mut outcomes = Vec::new();
        while !done(self) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "still not done after {outcomes:?}"
            );
            outcomes.extend(self.drain().await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        outcomes
    }

    /// The PaymentIntents Stripe holds.
    fn payment_intents(&self) -> Vec<Value> {
        self.stripe
            .fake
            .ids("payment_intent")
            .iter()
            .map(|id| self.stripe.fake.object(id).unwrap())
            .collect()
    }

    async fn job(&self, kind: &JobKind, key: &str) -> Option<flows::JobInfo> {
        self.store.job(kind, key).await.unwrap()
    }

    /// Jobs in the store, whatever their state.
    async fn jobs(&self) -> u64 {
        let counts = self.store.counts().await.unwrap();
        counts.queued + counts.running + counts.done + counts.dead
    }
}

/// An order-placed delivery as Commerce sends it, `order` being `data.order`.
fn placed(event_name: &str, order: Value) -> Value {
    json!({ "eventName": event_name, "data": { "order": order } })
}

fn order_key(id: i64) -> String {
    format!("magento/default/order/{id}")
}

#[tokio::test]
async fn a_placed_order_with_its_entity_id_is_charged_without_a_poll() {
    let app = Commerce::start().await;
    let id = app.order_in("pending_payment");
    app.deliver(&placed(
        "observer.sales_order_place_after",
        json!({ "entity_id": id.to_string(), "increment_id": format!("{id:09}"), "state": "pending_payment" }),
    ))
    .await;
    // The order's own payment job, named by the route: the key the poller uses.
    let job = app.job(&OrderPayment::KIND, &order_key(id)).await.unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(app.jobs().await, 1);

    assert_eq!(app.drain().await, vec![Outcome::Done]);
    let intents = app.payment_intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(intents[0]["metadata"]["order_id"], id.to_string());
    assert_eq!(intents[0]["amount"], 15_500);
    assert_eq!(
        app.store
            .checkpoint(&app.flows.poller(Arc::clone(&app.store)).checkpoint_name())
            .await
            .unwrap(),
        None,
        "the poller never ran"
    );

    // The order still waits in Magento (Stripe's `charge.succeeded` invoices it): the poll that
    // follows finds it, names the same job, and nothing runs again.
    let found = app
        .flows
        .poller(Arc::clone(&app.store))
        .poll_once()
        .await
        .unwrap();
    assert_eq!(found, 1);
    assert_eq!(app.drain().await, vec![]);
    assert_eq!(app.jobs().await, 1);
    assert_eq!(app.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_placed_order_known_by_its_number_only_is_charged_once_magento_shows_it() {
    let app = Commerce::start().await;
    app.order_in("processing");
    // Commerce is placing the next order: it has its number, and no entity_id yet. The payload
    // is shaped as Adobe documents the observer's (`subject`, `eventName` without `observer.`).
    let next = 2;
    let number = format!("{next:09}");
    app.deliver(&json!({
        "subject": [],
        "eventName": "sales_order_place_after",
        "data": { "order": { "entity_id": null, "increment_id": number, "state": "new" } }
    }))
    .await;
    let key = format!("magento/default/order/#{number}");
    assert!(app.job(&OrderPlaced::KIND, &key).await.is_some());

    // Not in Magento yet: the lookup waits, nothing is charged.
    let outcomes = app.drain().await;
    assert!(
        !outcomes.is_empty()
            && outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Waiting { .. })),
        "{outcomes:?}"
    );
    let waiting = app.job(&OrderPlaced::KIND, &key).await.unwrap();
    assert_eq!(waiting.attempts, 0);
    let reason = waiting.waiting_for.unwrap_or_default();
    assert!(reason.contains(&number), "{reason}");
    assert!(
        app.job(&OrderPayment::KIND, &order_key(next))
            .await
            .is_none()
    );
    assert!(app.payment_intents().is_empty());

    // Commerce commits the order: the next look finds it and its payment job charges it.
    assert_eq!(app.order_in("new"), next);
    let outcomes = app.run_until(|app| !app.payment_intents().is_empty()).await;
    assert!(outcomes.contains(&Outcome::Done), "{outcomes:?}");
    app.drain().await;
    assert_eq!(
        app.job(&OrderPlaced::KIND, &key).await.unwrap().state,
        JobState::Done
    );
    assert_eq!(
        app.job(&OrderPayment::KIND, &order_key(next))
            .await
            .unwrap()
            .state,
        JobState::Done
    );
    let intents = app.payment_intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["metadata"]["order_id"], next.to_string());

    // The poll afterwards adds nothing.
    app.flows
        .poller(Arc::clone(&app.store))
        .poll_once()
        .await
        .unwrap();
    assert_eq!(app.drain().await, vec![]);
    assert_eq!(app.payment_intents().len(), 1);
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_entity_id_magento_does_not_show_yet_is_looked_for_again_before_any_charge() {
    let app = Commerce::start().await;
    app.deliver(&placed(
        "observer.sales_order_place_after",
        json!({ "entity_id": 1, "increment_id": "000000001" }),
    ))
    .await;
    // Magento answers 404: a wait, not a dead letter.
    let outcomes = app.drain().await;
    assert!(
        !outcomes.is_empty()
            && outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Waiting { .. })),
        "{outcomes:?}"
    );
    assert!(app.payment_intents().is_empty());
    // The first miss is on record: the limit counts from it.
    let missing_since = format!("{}/magento/order-missing-since", order_key(1));
    let since = app.store.state(&missing_since).await.unwrap().unwrap();
    assert!(since.as_i64().unwrap() <= flows::now_millis());

    assert_eq!(app.order_in("pending_payment"), 1);
    app.run_until(|app| !app.payment_intents().is_empty()).await;
    app.drain().await;
    assert_eq!(app.payment_intents().len(), 1);
    assert_eq!(
        app.job(&OrderPayment::KIND, &order_key(1))
            .await
            .unwrap()
            .state,
        JobState::Done
    );
    // The record of the misses went with them.
    assert_eq!(app.store.state(&missing_since).await.unwrap(), None);
}

#[tokio::test]
async fn a_placed_order_not_waiting_for_payment_is_left_alone() {
    let app = Commerce::start().await;
    let id = app.order_in("processing");
    let number = format!("{id:09}");

    // By number: found, not waiting, no payment job.
    app.deliver(&placed(
        "observer.sales_order_place_after",
        json!({ "increment_id": number, "state": "processing" }),
    ))
    .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert!(app.job(&OrderPayment::KIND, &order_key(id)).await.is_none());

    // By entity_id: the payment job reads the order and charges nothing.
    app.deliver(&placed(
        "observer.sales_order_place_after",
        json!({ "entity_id": id, "increment_id": number, "state": "processing" }),
    ))
    .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert!(app.payment_intents().is_empty());
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_placed_order_without_its_ids_is_stored_with_a_dead_letter_naming_the_field() {
    let app = Commerce::start().await;
    app.deliver(&placed(
        "observer.sales_order_place_after",
        json!({ "entity_id": null, "increment_id": " ", "grand_total": 155 }),
    ))
    .await;
    app.deliver(&json!({ "eventName": "observer.sales_order_place_after", "data": {} }))
        .await;

    let counts = app.store.counts().await.unwrap();
    assert_eq!(counts.events, 2);
    assert_eq!(counts.dead, 2);
    let reasons: Vec<String> = app
        .store
        .dead_letters(10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.reason)
        .collect();
    for field in ["data.order", "data.order.increment_id"] {
        let missing = format!(": {field}: required value is missing");
        assert!(
            reasons.iter().any(|r| r.ends_with(&missing)),
            "{missing} in {reasons:?}"
        );
    }
    assert_eq!(app.drain().await, vec![]);
}

#[tokio::test]
async fn the_same_delivery_twice_is_one_job() {
    let app = Commerce::start().await;
    let id = app.order_in("pending_payment");
    let delivery = placed(
        "observer.sales_order_place_after",
        json!({ "entity_id": null, "increment_id": format!("{id:09}") }),
    );
    app.deliver(&delivery).await;
    app.deliver(&delivery).await;
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (1, 1));

    // The lookup, then the payment: one of each, one charge.
    assert_eq!(app.drain().await, vec![Outcome::Done, Outcome::Done]);
    assert_eq!(app.jobs().await, 2);
    assert_eq!(app.payment_intents().len(), 1);
}

//! A third pair written only against the workflow layer's public API, as the crate README's guide
//! describes: a toy store that sends signed webhooks, a toy gateway that takes an idempotency key,
//! one webhook source, one route and one flow. Nothing in `flows` was edited to add it.
//!
//! `mapping::System` is the SDK's typed list of the systems it knows; a real new provider adds its
//! variant there. The toy store and gateway borrow two existing names for their circuit breakers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use flows::intake::{Delivery, Envelope, Intake, Refusal, Route, WebhookSource};
use flows::workflow::{
    Entity, EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, decode, job,
};
use flows::{Backoff, Cause, Outcome, SqliteStore, StepError, Store, Worker, WorkerConfig};
use mapping::System;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tower::ServiceExt;

const TOY_STORE: System = System::Shopify;
const TOY_GATEWAY: System = System::Paytrace;

/// The toy store: orders with an amount and a paid flag.
#[derive(Default)]
struct ToyStore {
    paid: Mutex<HashMap<u64, String>>,
}

/// The toy gateway: charges by idempotency key (a repeat returns the first charge), and fails
/// its first `failures` calls as a gateway that is briefly down would.
#[derive(Default)]
struct ToyGateway {
    charges: Mutex<HashMap<String, (String, u64)>>,
    calls: AtomicU32,
    failures: AtomicU32,
}

impl ToyGateway {
    fn charge(&self, idempotency_key: &str, cents: u64) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err("503 gateway unavailable".into());
        }
        let mut charges = self.charges.lock().unwrap();
        let next = format!("ch_{}", charges.len() + 1);
        Ok(charges
            .entry(idempotency_key.to_owned())
            .or_insert((next, cents))
            .0
            .clone())
    }
}

/// The toy store's webhooks: a shared token in `x-toy-token`, the event id in `x-toy-event`.
struct ToyWebhooks;

impl WebhookSource for ToyWebhooks {
    fn system(&self) -> System {
        TOY_STORE
    }
    fn path(&self) -> &str {
        "/webhooks/toy"
    }
    fn verify(&self, headers: &HeaderMap, _body: &[u8]) -> Result<(), Refusal> {
        match headers.get("x-toy-token") {
            Some(token) if token == "let-me-in" => Ok(()),
            _ => Err(Refusal::Unauthorized("wrong or missing x-toy-token".into())),
        }
    }
    fn envelope(&self, headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String> {
        let event = headers
            .get("x-toy-event")
            .and_then(|v| v.to_str().ok())
            .ok_or("no x-toy-event")?;
        #[derive(Deserialize)]
        struct Head {
            topic: String,
        }
        let head: Head = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        Ok(Envelope::new(event, head.topic))
    }
}

/// An order placed in the toy store.
#[derive(Deserialize)]
struct ToyOrder {
    order: u64,
    cents: u64,
}

/// The flow's input: the delivery and the order it is about.
#[derive(Serialize, Deserialize)]
struct ToyOrderEvent {
    event: EventRef,
    order: u64,
}

const CHARGE: Step<String> = Step::new("charge", TOY_GATEWAY);
const MARK_PAID: Step<()> = Step::new("mark-paid", TOY_STORE);
const RUNS: State<u32> = State::new("runs");

struct ToyPayment {
    store: Arc<ToyStore>,
    gateway: Arc<ToyGateway>,
}

#[async_trait]
impl Flow for ToyPayment {
    type Input = ToyOrderEvent;
    const KIND: JobKind = JobKind::new("toy.order-payment");
    const SYSTEMS: &'static [System] = &[TOY_GATEWAY, TOY_STORE];

    fn entity(&self, input: &ToyOrderEvent) -> Result<EntityKey, StepError> {
        Ok(EntityKey::new(TOY_STORE, "toy-shop").child(Entity::Order, input.order))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: ToyOrderEvent) -> Result<(), StepError> {
        let runs = ctx.state(&RUNS)?.unwrap_or(0) + 1;
        ctx.set_state(&RUNS, &runs)?;
        let body = ctx.event_body(&input.event).await?;
        let order: ToyOrder = decode(&body, "toy order")?;
        let key = ctx.key_of(&CHARGE);
        let charge = ctx
            .once(&CHARGE, || async {
                self.gateway
                    .charge(&key, order.cents)
                    .map_err(|e| StepError::transient(TOY_GATEWAY, Cause::Workflow(e)))
            })
            .await?;
        ctx.once(&MARK_PAID, || async {
            self.store
                .paid
                .lock()
                .unwrap()
                .insert(input.order, charge.clone());
            Ok(())
        })
        .await
    }
}

fn toy_route(flow: Arc<ToyPayment>) -> Route {
    Route::new(TOY_STORE, "order/placed", move |d: &Delivery<'_>| {
        let order: ToyOrder = decode(d.body, "toy order")?;
        job(
            &*flow,
            &ToyOrderEvent {
                event: d.event(),
                order: order.order,
            },
        )
    })
}

fn delivery(event: &str, order: u64, cents: u64) -> Request<Body> {
    let body = format!(r#"{{"topic":"order/placed","order":{order},"cents":{cents}}}"#);
    Request::post("/webhooks/toy")
        .header("x-toy-token", "let-me-in")
        .header("x-toy-event", event)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_third_pair_runs_on_the_public_layer_exactly_once() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let toy_store = Arc::new(ToyStore::default());
    let gateway = Arc::new(ToyGateway::default());
    gateway.failures.store(2, Ordering::SeqCst);
    let flow = Arc::new(ToyPayment {
        store: Arc::clone(&toy_store),
        gateway: Arc::clone(&gateway),
    });
    let intake = Intake::new(Arc::clone(&store))
        .source(ToyWebhooks)
        .route(toy_route(Arc::clone(&flow)));
    let router = intake.router();

    // The order is delivered twice under two event ids; a forged delivery is refused.
    for event in ["toy-1", "toy-2"] {
        let status = router
            .clone()
            .oneshot(delivery(event, 7, 1250))
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK);
    }
    let mut forged = delivery("toy-3", 7, 1);
    forged.headers_mut().remove("x-toy-token");
    let status = router.clone().oneshot(forged).await.unwrap().status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let worker = Worker::new(
        Arc::clone(&store),
        WorkerConfig::new("toy").backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
            5,
        )),
    )
    .shared_flow(Arc::clone(&flow));
    let (_stop, mut shutdown) = watch::channel(false);
    let mut outcomes = Vec::new();
    while let Some(outcome) = worker.run_once(&mut shutdown).await.unwrap() {
        outcomes.push(outcome);
        if outcome_is_final(outcomes.last()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                Outcome::Retrying { .. },
                Outcome::Retrying { .. },
                Outcome::Done
            ]
        ),
        "{outcomes:?}"
    );

    // One charge, the order paid with it; every key derived from the order's entity.
    assert_eq!(gateway.charges.lock().unwrap().len(), 1);
    assert_eq!(
        toy_store.paid.lock().unwrap().get(&7).map(String::as_str),
        Some("ch_1")
    );
    let records: Vec<String> = store
        .effects_under("shopify/toy-shop/order/7/")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        records,
        [
            "shopify/toy-shop/order/7/charge",
            "shopify/toy-shop/order/7/mark-paid"
        ]
    );
    assert_eq!(
        store.state("shopify/toy-shop/order/7/runs").await.unwrap(),
        Some(serde_json::json!(3))
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.done, counts.dead), (2, 1, 0));
    // The gateway was asked three times with one idempotency key.
    assert_eq!(gateway.calls.load(Ordering::SeqCst), 3);
}

fn outcome_is_final(outcome: Option<&Outcome>) -> bool {
    matches!(outcome, Some(Outcome::Done | Outcome::DeadLettered { .. }))
}

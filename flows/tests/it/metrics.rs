//! What the runtime measures, read back through the `metrics` facade's debugging recorder:
//! jobs by kind and outcome with their duration, dead letters, webhooks by provider and outcome,
//! and every call to a provider by outcome with its latency (made by the clients).
//!
//! The recorder is global to this test binary, so the assertions name series this test alone
//! produces (its own job kind) or look for growth.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::Request;
use flows::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx, job};
use flows::{SqliteStore, StepError, Store, Worker, WorkerConfig};
use mapping::System;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tower::ServiceExt;

fn snapshotter() -> &'static Snapshotter {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("no other recorder in this test binary");
        snapshotter
    })
}

/// Every series seen so far, by name and labels: a snapshot drains the debugging recorder's
/// counters and histograms, so they are added up here (gauges keep their last value).
/// A series: its name and labels.
type Series = (String, Vec<(String, String)>);

fn seen() -> &'static Mutex<HashMap<Series, u64>> {
    static SEEN: OnceLock<Mutex<HashMap<Series, u64>>> = OnceLock::new();
    SEEN.get_or_init(Mutex::default)
}

/// The value of every series named `name` whose labels include all of `labels`: counters summed,
/// histograms as their number of samples.
fn total(name: &str, labels: &[(&str, &str)]) -> u64 {
    let mut seen = seen().lock().unwrap();
    for (key, _, _, value) in snapshotter().snapshot().into_vec() {
        let key = key.key();
        let id = (
            key.name().to_owned(),
            key.labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect::<Vec<_>>(),
        );
        let slot = seen.entry(id).or_default();
        match value {
            DebugValue::Counter(n) => *slot += n,
            DebugValue::Histogram(samples) => *slot += samples.len() as u64,
            DebugValue::Gauge(g) => *slot = g.into_inner() as u64,
        }
    }
    seen.iter()
        .filter(|((n, l), _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, v)| *v)
        .sum()
}

/// Succeeds for even inputs, fails permanently for odd ones.
struct Measured;

#[async_trait]
impl Flow for Measured {
    type Input = u64;
    const KIND: JobKind = JobKind::new("test.measured");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, input: &u64) -> Result<EntityKey, StepError> {
        Ok(EntityKey::new(System::Stripe, "measured").child(Entity::Charge, input))
    }

    async fn run(&self, _: &StepCtx<'_>, input: u64) -> Result<(), StepError> {
        if input % 2 == 0 {
            Ok(())
        } else {
            Err(StepError::permanent("odd"))
        }
    }
}

#[tokio::test]
async fn jobs_webhooks_and_provider_calls_are_measured() {
    snapshotter();
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let worker = Worker::new(
        Arc::clone(&store),
        WorkerConfig::new("m").poll_interval(Duration::from_millis(5)),
    )
    .flow(Measured);
    for n in [2, 4, 7] {
        store.enqueue(job(&Measured, &n).unwrap(), 0).await.unwrap();
    }
    let (_stop, mut shutdown) = tokio::sync::watch::channel(false);
    while worker.run_once(&mut shutdown).await.unwrap().is_some() {}
    let kind = [("kind", "test.measured")];
    assert_eq!(
        total("payops_jobs_total", &[kind[0], ("outcome", "done")]),
        2
    );
    assert_eq!(
        total(
            "payops_jobs_total",
            &[kind[0], ("outcome", "dead_lettered")]
        ),
        1
    );
    assert_eq!(total("payops_dead_letters_total", &kind), 1);
    assert_eq!(total("payops_flow_seconds", &kind), 3);

    // A webhook without its signature: refused, and counted.
    let refused = total(
        "payops_webhooks_total",
        &[("provider", "stripe"), ("outcome", "refused")],
    );
    let intake = flows::intake::Intake::new(Arc::clone(&store)).source(
        flows::intake::StripeWebhooks::new(stripe_client::webhook::Webhook::new(
            secrecy::SecretString::from("whsec_test".to_owned()),
        )),
    );
    let response = intake
        .router()
        .oneshot(
            Request::post("/webhooks/stripe")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    // Other tests of this binary may refuse Stripe webhooks meanwhile.
    assert!(
        total(
            "payops_webhooks_total",
            &[("provider", "stripe"), ("outcome", "refused")]
        ) > refused
    );

    // A call to a provider, answered 404 by the sandbox's Stripe.
    let stripe = sandbox::Running::start(
        sandbox::stripe::StripeFake::new(),
        &sandbox::Faults::default(),
    )
    .await
    .unwrap();
    let client = stripe_client::Client::builder(secrecy::SecretString::from(
        stripe.fake.secret_key().to_owned(),
    ))
    .base_url(stripe.base_url().as_str())
    .build()
    .unwrap();
    let labels = [("provider", "stripe"), ("outcome", "4xx")];
    let before = total("payops_provider_requests_total", &labels);
    let timed = total("payops_provider_request_seconds", &[("provider", "stripe")]);
    assert!(client.refunds().retrieve("re_missing").await.is_err());
    assert!(total("payops_provider_requests_total", &labels) > before);
    assert!(total("payops_provider_request_seconds", &[("provider", "stripe")]) > timed);
}

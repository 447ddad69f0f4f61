//! Backfill through the sandbox: Stripe events whose webhooks never came, polled from
//! `GET /v1/events` and stored through the intake, run their jobs once; a poll and a webhook of
//! the same event are one event; a failed or interrupted poll loses and doubles nothing; the
//! poller runs as a job on the worker's schedule.
#![cfg(all(feature = "magento", feature = "stripe"))]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use flows::backfill::{Backfill, Watch};
use flows::workflow::job;
use flows::workflows::magento_stripe::MagentoOrder;
use flows::{JobState, Outcome, Store, Worker, WorkerConfig, now_millis};
use mapping::System;
use sandbox::{Fault, FaultRule, Trigger};

use super::magento_stripe::through_the_sandbox::Sandboxed;

const CHECKPOINT: &str = "stripe/acct_123/events";

/// Charges order `id` in Stripe and lets every job run, but delivers none of Stripe's webhooks.
async fn charge_without_webhooks(app: &Sandboxed, id: i64) {
    let order = job(&app.flows.order_payment(), &MagentoOrder { entity_id: id }).unwrap();
    app.store.enqueue(order, 0).await.unwrap();
    let outcomes = app.drain().await;
    assert_eq!(outcomes, [Outcome::Done]);
}

/// The invoices Magento holds for order `id`, and the payments the ledger booked.
async fn booked(app: &Sandboxed, id: i64) -> (usize, usize) {
    let today = time::OffsetDateTime::now_utc().date();
    let payments = erp::Erp::payment_entries(
        &*app.ledger,
        &erp::Gateway::new("stripe").unwrap(),
        today.previous_day().unwrap(),
        today.next_day().unwrap(),
    )
    .await
    .unwrap();
    (app.magento.fake.invoices_of(id).len(), payments.len())
}

#[tokio::test]
async fn a_stripe_webhook_that_never_came_is_polled_and_processed_once() {
    let app = Sandboxed::start().await;
    let id = app.order("pm_card_visa");
    charge_without_webhooks(&app, id).await;
    assert_eq!(booked(&app, id).await, (0, 0), "no webhook, no invoice yet");

    let events = app.flows.stripe_events(Arc::clone(&app.store), &app.intake);
    let polled = events.poll_once().await.unwrap();
    // payment_intent.succeeded and charge.succeeded: the routed types only. Seconds old, they
    // are late rather than missed.
    assert_eq!(
        (polled.found, polled.new, polled.missed, polled.more),
        (2, 2, 0, false)
    );
    let outcomes = app.drain().await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(booked(&app, id).await, (1, 1));
    assert!(app.store.checkpoint(CHECKPOINT).await.unwrap().is_some());

    // The next poll reads its overlap again, and the webhooks come late: the same events.
    let again = events.poll_once().await.unwrap();
    assert_eq!((again.found, again.new), (2, 0));
    app.deliver_events().await;
    assert_eq!(app.drain().await, []);
    assert_eq!(booked(&app, id).await, (1, 1));
}

#[tokio::test]
async fn a_webhook_then_a_poll_of_the_same_event_is_one_event() {
    let app = Sandboxed::start().await;
    let id = app.order("pm_card_visa");
    charge_without_webhooks(&app, id).await;
    app.deliver_events().await;
    app.drain().await;
    assert_eq!(booked(&app, id).await, (1, 1));

    let events = app.flows.stripe_events(Arc::clone(&app.store), &app.intake);
    let polled = events.poll_once().await.unwrap();
    assert_eq!((polled.found, polled.new), (2, 0));
    assert_eq!(app.drain().await, []);
    assert_eq!(booked(&app, id).await, (1, 1));
}

#[tokio::test]
async fn a_failed_or_interrupted_poll_loses_and_doubles_nothing() {
    let app = Sandboxed::start().await;
    let id = app.order("pm_card_visa");
    charge_without_webhooks(&app, id).await;
    let events = app.flows.stripe_events(Arc::clone(&app.store), &app.intake);

    // Stripe failing: the poll fails as a transient error and its checkpoint stays.
    let down = app
        .faults
        .add(FaultRule::new("stripe", Fault::status(503), Trigger::Count(50)).path("/v1/events"));
    let err = events.poll_once().await.unwrap_err();
    assert!(matches!(err, flows::StepError::Transient { .. }), "{err:?}");
    assert_eq!(app.store.checkpoint(CHECKPOINT).await.unwrap(), None);
    app.faults.remove(down);

    // A poll that stored the first event and died before moving its checkpoint: the next one
    // reads the window again and stores the rest, each event once.
    let first = app
        .stripe
        .fake
        .events()
        .into_iter()
        .find(|e| e["type"] == "payment_intent.succeeded")
        .unwrap();
    app.intake
        .ingest(System::Stripe, &serde_json::to_vec(&first).unwrap())
        .await
        .unwrap();
    let polled = events.poll_once().await.unwrap();
    assert_eq!((polled.found, polled.new), (2, 1));
    app.drain().await;
    assert_eq!(booked(&app, id).await, (1, 1));
}

#[tokio::test]
async fn the_poller_is_one_job_on_the_worker_schedule() {
    let app = Sandboxed::start().await;
    let id = app.order("pm_card_visa");
    charge_without_webhooks(&app, id).await;

    // Polled before (a checkpoint a minute back) and no grace: every event the webhooks did
    // not bring counts as missed.
    let a_minute_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
    app.store
        .set_checkpoint(CHECKPOINT, &a_minute_ago.to_string(), now_millis())
        .await
        .unwrap();
    let events = app
        .flows
        .stripe_events(Arc::clone(&app.store), &app.intake)
        .grace(Duration::ZERO);
    let backfill = Backfill::new(events, Duration::from_secs(600));
    let job = backfill.job();
    assert_eq!(job.key, "stripe/acct_123/backfill/events");
    let (worker, notices) = crate::notify::notifying(&app.store, |worker| {
        app.flows.register(worker).flow(backfill)
    });
    let before = now_millis();
    app.store.enqueue(job.clone(), before).await.unwrap();
    // Enqueued again at start-up (a second process, a restart): still one job.
    app.store.enqueue(job.clone(), before).await.unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..50 {
        let (_stop, mut shutdown) = tokio::sync::watch::channel(false);
        match worker.run_once(&mut shutdown).await.unwrap() {
            Some(outcome) => outcomes.push(outcome),
            None => break,
        }
    }
    assert!(
        outcomes.contains(&Outcome::Waiting {
            after: Duration::from_secs(600)
        }),
        "{outcomes:?}"
    );
    assert_eq!(booked(&app, id).await, (1, 1));
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Queued);
    assert!(info.run_at >= before + 600_000, "{info:?}");

    // The watchdog's record: both events came only by polling.
    let watch: Watch = serde_json::from_value(
        app.store
            .state("stripe/acct_123/backfill/events/watch")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (
            watch.missed_last_poll,
            watch.polls_with_misses,
            watch.missed_total
        ),
        (2, 1, 2)
    );
    assert!(watch.last_missed.is_some() && watch.last_poll >= before);

    // A person is told once, by a notice naming the poller and the count.
    let alarms: Vec<flows::notify::Notice> = notices
        .sent()
        .into_iter()
        .filter(|n| n.kind == flows::notify::NoticeKind::BackfillAlarm)
        .collect();
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    assert!(
        alarms[0]
            .key
            .starts_with("stripe/acct_123/backfill/events/notice/alarm/")
    );
    assert!(
        alarms[0]
            .facts
            .iter()
            .any(|f| f.name == "missed" && f.value == "2"),
        "{:?}",
        alarms[0]
    );
}

#[tokio::test]
async fn a_first_poll_counts_nothing_as_missed_and_a_later_one_does() {
    let app = Sandboxed::start().await;
    let first = app.order("pm_card_visa");
    charge_without_webhooks(&app, first).await;
    let events = app
        .flows
        .stripe_events(Arc::clone(&app.store), &app.intake)
        .grace(Duration::ZERO);
    // Events from before the service polled were never due to it.
    let polled = events.poll_once().await.unwrap();
    assert_eq!((polled.new, polled.missed), (2, 0));
    app.drain().await;

    let second = app.order("pm_card_visa");
    charge_without_webhooks(&app, second).await;
    let polled = events.poll_once().await.unwrap();
    assert_eq!((polled.new, polled.missed), (2, 2));
}

#[tokio::test]
async fn a_failing_poll_run_as_a_job_waits_its_interval_instead_of_dying() {
    let app = Sandboxed::start().await;
    let backfill = app.flows.events_backfill(
        Arc::clone(&app.store),
        &app.intake,
        Duration::from_secs(600),
    );
    let job = backfill.job();
    app.store.enqueue(job.clone(), 0).await.unwrap();
    let worker = Worker::new(
        Arc::clone(&app.store),
        WorkerConfig::new("w2").poll_interval(Duration::from_millis(5)),
    )
    .flow(backfill);
    app.faults
        .add(FaultRule::new("stripe", Fault::status(503), Trigger::Count(50)).path("/v1/events"));
    let (_stop, mut shutdown) = tokio::sync::watch::channel(false);
    let outcome = worker.run_once(&mut shutdown).await.unwrap().unwrap();
    assert_eq!(
        outcome,
        Outcome::Waiting {
            after: Duration::from_secs(600)
        }
    );
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (JobState::Queued, 0));
    assert!(
        info.waiting_for
            .as_deref()
            .is_some_and(|w| w.contains("the last one failed")),
        "{info:?}"
    );
    assert_eq!(app.store.checkpoint(CHECKPOINT).await.unwrap(), None);
}

#[tokio::test]
async fn an_intake_without_the_providers_source_refuses_polled_events() {
    let app = Sandboxed::start().await;
    let bare = flows::intake::Intake::new(Arc::clone(&app.store)).routes(app.flows.routes());
    let err = bare
        .ingest(
            System::Stripe,
            br#"{"id":"evt_1","type":"charge.succeeded"}"#,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, flows::StepError::Permanent { .. })
            && err.to_string().contains("no stripe source"),
        "{err}"
    );
    assert_eq!(app.store.counts().await.unwrap().events, 0);
}

#[tokio::test]
async fn a_checkpoint_the_poller_cannot_read_is_dead_lettered_naming_it() {
    let app = Sandboxed::start().await;
    app.store
        .set_checkpoint(CHECKPOINT, "yesterday", now_millis())
        .await
        .unwrap();
    let backfill = app.flows.events_backfill(
        Arc::clone(&app.store),
        &app.intake,
        Duration::from_secs(600),
    );
    app.store.enqueue(backfill.job(), 0).await.unwrap();
    let worker = Worker::new(
        Arc::clone(&app.store),
        WorkerConfig::new("w2").poll_interval(Duration::from_millis(5)),
    )
    .flow(backfill);
    let (_stop, mut shutdown) = tokio::sync::watch::channel(false);
    let outcome = worker.run_once(&mut shutdown).await.unwrap().unwrap();
    let Outcome::DeadLettered { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.contains("checkpoint stripe/acct_123/events is \"yesterday\""),
        "{reason}"
    );
}

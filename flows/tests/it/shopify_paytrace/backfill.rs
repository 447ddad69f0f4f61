//! Backfill of `orders/create` through the sandbox: the Shopify fake holds an order's webhook
//! back (as a delivery that never comes), the poller finds the order by `updated_at` and starts
//! the job the webhook would have started; a poll and its webhook, in either order, are one job
//! and one PayTrace sale; a poll that dies mid-way resumes from its checkpoint and doubles
//! nothing; orders the flow would not charge get no job; a malformed `updatedAt` is a typed
//! error naming the field.

use std::time::Duration;

use flows::backfill::{Backfill, Polled};
use flows::workflows::shopify_paytrace::ShopifyOrderPoller;
use flows::{Cause, JobState, Outcome};
use sandbox::shopify::InitialPayment;

use super::*;

/// The poller's checkpoint in the fake's shop.
fn checkpoint_name(app: &TestApp) -> String {
    format!("shopify/{}/orders", app.shopify.fake.shop_domain())
}

/// The workflows as the app's worker has them, for their poller.
fn workflows(app: &TestApp) -> ShopifyPaytrace {
    let erp: Arc<dyn Erp> = Arc::new(app.ledger.clone());
    ShopifyPaytrace::new(
        app.shopify_client.clone(),
        app.paytrace_client.clone(),
        erp,
        app.config.clone(),
    )
}

fn poller(app: &TestApp) -> ShopifyOrderPoller {
    workflows(app).order_poller(Arc::clone(&app.store))
}

/// Places an order paid with a fresh vault customer whose `orders/create` the fake holds back:
/// it is not delivered unless [`sandbox::WebhookSender::flush_held`] sends it.
fn place_without_webhook(app: &TestApp, amount: &str) -> PlacedOrder {
    app.shopify.fake.webhooks().reorder_next(1);
    app.place_order(amount)
}

/// Waits (at most 15 s) until no job is queued or running; webhooks held back do not count.
async fn idle(app: &TestApp) -> Counts {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let counts = app.store.counts().await.unwrap();
        if counts.queued == 0 && counts.running == 0 {
            return counts;
        }
        assert!(Instant::now() < deadline, "not idle after 15 s: {counts:?}");
        sleep(ms(10)).await;
    }
}

/// Waits (at most 5 s) until the fake has delivered every webhook it is not holding back.
async fn delivered(app: &TestApp, attempts: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.shopify.fake.webhooks().attempts().len() < attempts {
        assert!(Instant::now() < deadline, "webhooks not delivered");
        sleep(ms(10)).await;
    }
}

/// How often the fake was asked for an order's REST body.
fn orders_read(app: &TestApp) -> usize {
    app.shopify
        .fake
        .requests()
        .iter()
        .filter(|(op, _)| op == "getOrderAsRest")
        .count()
}

async fn order_job(app: &TestApp, order: &PlacedOrder) -> Option<flows::JobInfo> {
    app.store
        .job(&OrderPayment::KIND, &app.order_key(order))
        .await
        .unwrap()
}

fn polled(found: usize, new: usize) -> Polled {
    Polled {
        found,
        new,
        ..Polled::default()
    }
}

/// (1) The webhook never comes: the poll, run as its job on the worker, finds the order and it
/// is charged once, from a body that maps to the same order as the webhook's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_webhook_never_came_is_found_by_the_poller_and_charged_once() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    let order = place_without_webhook(&app, "27.00");

    let backfill: Backfill<ShopifyOrderPoller> =
        workflows(&app).order_backfill(Arc::clone(&app.store), Duration::from_secs(600));
    let job = backfill.job();
    assert_eq!(
        job.key,
        format!("shopify/{}/backfill/orders", app.shopify.fake.shop_domain())
    );
    assert_eq!(job.kind.as_str(), "shopify.orders-backfill");
    app.store.enqueue(job.clone(), 0).await.unwrap();
    // Enqueued again at the next start-up: still one job.
    app.store.enqueue(job.clone(), 0).await.unwrap();
    let worker = app.worker().flow(backfill);
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let (_stop, mut shutdown) = watch::channel(false);
        match worker.run_once(&mut shutdown).await.unwrap() {
            Some(outcome) => outcomes.push(outcome),
            None => break,
        }
    }
    // The poll, then the order's payment; the poller waits its interval for the next poll.
    assert_eq!(
        outcomes,
        [
            Outcome::Waiting {
                after: Duration::from_secs(600)
            },
            Outcome::Done
        ]
    );
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Queued);

    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
    assert_eq!(order_job(&app, &order).await.unwrap().state, JobState::Done);

    // The inbox holds the body the job read, under the backfill's event id; it maps to the same
    // canonical order as the webhook's body.
    let event_id = format!("backfill:orders/create:{}", order.id);
    let stored = app
        .store
        .event(System::Shopify, &event_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.event.topic, "orders/create");
    let rebuilt: shopify::rest::Order = serde_json::from_slice(&stored.event.payload).unwrap();
    assert_eq!(
        mapping::Order::try_from(&rebuilt).unwrap(),
        app.canonical(&order)
    );

    // The checkpoint is the order's `updated_at`, in RFC 3339.
    let checkpoint = app
        .store
        .checkpoint(&checkpoint_name(&app))
        .await
        .unwrap()
        .unwrap();
    time::OffsetDateTime::parse(&checkpoint, &time::format_description::well_known::Rfc3339)
        .unwrap();

    // Paid now, the order is not the flow's any more: the next poll finds nothing to start.
    assert_eq!(poller(&app).poll_once().await.unwrap(), polled(0, 0));
    assert_eq!(app.sales(&order).len(), 1);
}

/// (2a) The webhook first, the poll second: the poll finds the order's job and adds nothing (it
/// does not even read the order); one job, one sale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_then_a_poll_of_the_same_order_is_one_job_and_one_sale() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    let order = app.place_order("18.40");
    delivered(&app, 1).await;
    assert_eq!(
        order_job(&app, &order).await.unwrap().state,
        JobState::Queued
    );

    assert_eq!(poller(&app).poll_once().await.unwrap(), polled(1, 0));
    assert_eq!(orders_read(&app), 0);

    app.start_worker();
    let counts = idle(&app).await;
    assert_eq!((counts.events, counts.done, counts.dead), (1, 1, 0));
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
}

/// (2b) The poll first, the webhook late: the webhook is stored as its own event and finds the
/// job; one job, one sale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_then_a_late_webhook_of_the_same_order_is_one_job_and_one_sale() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    let order = place_without_webhook(&app, "52.10");

    assert_eq!(poller(&app).poll_once().await.unwrap(), polled(1, 1));
    app.shopify.fake.webhooks().flush_held();
    delivered(&app, 1).await;
    let attempts = app.shopify.fake.webhooks().attempts();
    assert_eq!(attempts[0].status, Some(200), "{attempts:#?}");

    app.start_worker();
    let counts = idle(&app).await;
    assert_eq!((counts.events, counts.done, counts.dead), (2, 1, 0));
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;

    // And a webhook delivered again after the job is done changes nothing either.
    app.shopify.fake.send_webhook("orders/create", &order.body);
    delivered(&app, 2).await;
    let counts = idle(&app).await;
    assert_eq!((counts.events, counts.done), (3, 1));
    assert_eq!(app.sales(&order).len(), 1);
}

/// (3) A poll that dies on its second page (a crash: its future is dropped while Shopify is
/// slow) has moved the checkpoint past the first page only; the next poll resumes from there,
/// finds the first order's job and starts the second's. Each order is charged once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_that_dies_mid_way_resumes_from_its_checkpoint_and_doubles_nothing() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    let first = place_without_webhook(&app, "11.00");
    let second = place_without_webhook(&app, "22.00");
    let poller = poller(&app).page_size(1);

    // Page 1 and the first order's body pass; page 2 hangs.
    let hang = app.faults.add(
        FaultRule::new(
            "shopify",
            Fault::Latency(Duration::from_secs(30)),
            Trigger::Count(1),
        )
        .path("/admin/api")
        .after(2),
    );
    let crashed = tokio::time::timeout(Duration::from_secs(5), poller.poll_once()).await;
    assert!(crashed.is_err(), "the poll should have hung: {crashed:?}");
    assert_eq!(app.faults.fired(hang), 1);

    let expected = app
        .shopify_client
        .orders()
        .get(&first.gid)
        .await
        .unwrap()
        .unwrap()
        .updated_at;
    let checkpoint = app
        .store
        .checkpoint(&checkpoint_name(&app))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        time::OffsetDateTime::parse(&checkpoint, &time::format_description::well_known::Rfc3339)
            .unwrap(),
        expected
    );
    assert!(order_job(&app, &first).await.is_some());
    assert!(order_job(&app, &second).await.is_none());

    // The next poll reads the first order again (the overlap) and starts only the second.
    assert_eq!(poller.poll_once().await.unwrap(), polled(2, 1));
    assert_eq!(orders_read(&app), 2);

    app.start_worker();
    let counts = idle(&app).await;
    assert_eq!((counts.events, counts.done, counts.dead), (2, 2, 0));
    for order in [&first, &second] {
        assert_eq!(app.sales(order).len(), 1);
        app.assert_paid(order).await;
    }
}

/// (4) Orders the payment flow would not charge get no job and are not read whole: one already
/// paid through another gateway, one without a PayTrace card. The checkpoint still moves past
/// them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_the_flow_would_not_charge_get_no_job() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    app.shopify.fake.webhooks().reorder_next(1);
    let paid = app.place_new_order(
        NewOrder::simple("paid@example.com", dec("40.00"))
            .payment(InitialPayment::Paid("shopify_payments".into())),
        "40.00",
    );
    app.shopify.fake.webhooks().reorder_next(1);
    let no_card = app.place_order_with("15.00", None);
    assert_eq!(
        app.shopify_order(&paid).financial_status(),
        FinancialStatus::Paid
    );

    assert_eq!(poller(&app).poll_once().await.unwrap(), polled(0, 0));

    assert_eq!(orders_read(&app), 0);
    for order in [&paid, &no_card] {
        assert!(order_job(&app, order).await.is_none(), "order {}", order.id);
    }
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.events, counts.queued), (0, 0));
    assert!(
        app.store
            .checkpoint(&checkpoint_name(&app))
            .await
            .unwrap()
            .is_some()
    );
}

/// (5) An `updatedAt` Shopify sends that is not a time is a permanent error naming the field:
/// nothing is started, the checkpoint does not move, and the poller's job goes to a person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_updated_at_is_a_typed_error_naming_the_field() {
    let mut app = TestApp::spawn().await;
    app.stop_worker().await;
    place_without_webhook(&app, "9.99");
    let body = serde_json::json!({"data": {"orders": {
        "nodes": [{
            "id": "gid://shopify/Order/1", "legacyResourceId": "1", "name": "#1",
            "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "yesterday at noon",
            "cancelledAt": null, "displayFinancialStatus": "PENDING",
            "totalPriceSet": {"shopMoney": {"amount": "9.99", "currencyCode": "USD"},
                              "presentmentMoney": {"amount": "9.99", "currencyCode": "USD"}},
            "customAttributes": []
        }],
        "pageInfo": {"hasNextPage": false, "endCursor": null}
    }}});
    let garbled = Fault::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string(),
    };
    app.faults
        .add(FaultRule::new("shopify", garbled.clone(), Trigger::Count(1)).path("/admin/api"));

    let err = poller(&app).poll_once().await.unwrap_err();
    let StepError::Permanent { source, .. } = &err else {
        panic!("expected a permanent error, got {err:?}");
    };
    let Cause::Shopify(shopify::Error::Decode { path, .. }) = &**source else {
        panic!("expected a decode error, got {source:?}");
    };
    assert_eq!(path, "data.orders.nodes[0].updatedAt");
    assert_eq!(
        app.store.checkpoint(&checkpoint_name(&app)).await.unwrap(),
        None
    );
    assert_eq!(app.store.counts().await.unwrap().queued, 0);

    // As the poller's job: dead-lettered, the reason naming the field.
    app.faults
        .add(FaultRule::new("shopify", garbled, Trigger::Count(1)).path("/admin/api"));
    let backfill = workflows(&app).order_backfill(Arc::clone(&app.store), Duration::from_secs(60));
    app.store.enqueue(backfill.job(), 0).await.unwrap();
    let worker = app.worker().flow(backfill);
    let (_stop, mut shutdown) = watch::channel(false);
    let outcome = worker.run_once(&mut shutdown).await.unwrap().unwrap();
    let Outcome::DeadLettered { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.contains("data.orders.nodes[0].updatedAt"),
        "{reason}"
    );
}

/// A checkpoint that is not an RFC 3339 time stops the poller, naming it, rather than reading
/// from an arbitrary point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_the_poller_cannot_read_is_a_permanent_error_naming_it() {
    let app = TestApp::spawn().await;
    let name = checkpoint_name(&app);
    app.store
        .set_checkpoint(&name, "1795428000", flows::now_millis())
        .await
        .unwrap();
    let err = poller(&app).poll_once().await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("checkpoint {name} is \"1795428000\"")),
        "{err}"
    );
}

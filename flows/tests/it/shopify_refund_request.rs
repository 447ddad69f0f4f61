//! Refunds asked for outside Shopify (`RefundRequestFlow`), end to end through the sandbox: the
//! refund made once in Shopify, refunded once at PayTrace and credited once in the ERP, whatever
//! repeats (the same request, Shopify's own `refunds/create`, a rerun after a lost answer).
//! Reuses the [`TestApp`] of the Shopify + PayTrace tests.

use flows::workflow::Flow;
use flows::workflows::shopify_paytrace::{RefundFlow, RefundRequest, refund_request_job};
use flows::{JobState, NewJob, Store};
use sandbox::paytrace::{Transaction, TransactionKind};

use super::{PlacedOrder, TestApp, dec};

/// A request of `amount` USD of `order`, named `id`.
fn request(order: &PlacedOrder, amount: &str, id: &str) -> RefundRequest {
    RefundRequest::new(order.id, dec(amount), "USD", id).reason("damaged in transit")
}

impl TestApp {
    /// The job of `request`, as `payops refund shopify` enqueues it.
    fn refund_request_job(&self, request: &RefundRequest) -> NewJob {
        refund_request_job(self.shopify.fake.shop_domain(), request).unwrap()
    }

    /// Enqueues `request`'s job; returns the job's id.
    async fn request_refund(&self, request: &RefundRequest) -> i64 {
        self.store
            .enqueue(self.refund_request_job(request), flows::now_millis())
            .await
            .unwrap()
    }

    /// Every refund PayTrace made.
    fn paytrace_refunds(&self) -> Vec<Transaction> {
        self.paytrace
            .fake
            .transactions()
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Refund)
            .collect()
    }

    /// How many `refundCreate`s Shopify received.
    fn refund_creates(&self) -> usize {
        self.shopify
            .fake
            .requests()
            .iter()
            .filter(|(op, _)| op == "refundCreate")
            .count()
    }

    /// A paid order of `amount` whose sale has settled at PayTrace (so it is refunded, not
    /// voided).
    async fn settled_order(&self, amount: &str) -> PlacedOrder {
        let order = self.place_order(amount);
        self.settle().await;
        self.assert_paid(&order).await;
        assert!(self.paytrace.fake.settle_now().is_some());
        order
    }

    /// Asserts one refund of 15.00 of a 40.00 order everywhere: Shopify, PayTrace, the ERP.
    async fn assert_refunded_once(&self, order: &PlacedOrder) {
        let refunds = self.shopify_order(order).refunds;
        assert_eq!(refunds.len(), 1, "Shopify refunds: {refunds:#?}");
        let paytrace = self.paytrace_refunds();
        assert_eq!(paytrace.len(), 1, "PayTrace refunds: {paytrace:#?}");
        assert_eq!(paytrace[0].amount, dec("15.00"));
        let receivables = self.receivables().await;
        assert_eq!(
            (
                receivables.invoiced,
                receivables.received,
                receivables.credited,
                receivables.refunded
            ),
            (4000, 4000, 1500, 1500)
        );
        assert_eq!(receivables.ledger_balance, 0);
    }

    /// The key of the refund job of the order's one Shopify refund.
    fn refund_job_key(&self, order: &PlacedOrder) -> String {
        let refunds = self.shopify_order(order).refunds;
        format!("{}/refund/{}", self.order_key(order), refunds[0].id)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refunds_once_in_shopify_and_paytrace_and_credits_once_in_the_erp() {
    let app = TestApp::spawn().await;
    let order = app.settled_order("40.00").await;

    let req = request(&order, "15.00", "CM-1");
    let first = app.request_refund(&req).await;
    // The same request twice is one job.
    assert_eq!(app.request_refund(&req).await, first);
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    app.assert_refunded_once(&order).await;
    assert_eq!(app.refund_creates(), 1);
    let note = app.shopify_order(&order).refunds[0].note.clone();
    assert_eq!(note.as_deref(), Some("damaged in transit"));
    let job = app.refund_request_job(&req);
    assert_eq!(
        job.key,
        format!("{}/refund-request/CM-1", app.order_key(&order))
    );
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Done);
    let refund_job = app
        .store
        .job(&RefundFlow::KIND, &app.refund_job_key(&order))
        .await
        .unwrap()
        .expect("the refund's job");
    assert_eq!(refund_job.state, JobState::Done);

    // The same request once more, even as a rerun of the finished job: nothing more.
    app.store
        .enqueue(
            NewJob {
                rerun: true,
                ..app.refund_request_job(&req)
            },
            flows::now_millis(),
        )
        .await
        .unwrap();
    app.settle().await;
    app.assert_refunded_once(&order).await;
    assert_eq!(app.refund_creates(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopifys_own_refunds_create_after_a_request_adds_nothing() {
    let app = TestApp::spawn().await;
    let order = app.settled_order("40.00").await;
    app.request_refund(&request(&order, "15.00", "CM-2")).await;
    app.settle().await;
    // Shopify's own webhook about the refund was delivered...
    let delivered = app
        .shopify
        .fake
        .webhooks()
        .attempts()
        .iter()
        .filter(|a| a.topic == "refunds/create" && a.status == Some(200))
        .count();
    assert_eq!(delivered, 1);
    // ... and is delivered again, now certainly after the refund's job ran (a new delivery id).
    let body = app.shopify.fake.order_rest_json(order.id).unwrap()["refunds"][0].clone();
    assert_eq!(body["id"], app.shopify_order(&order).refunds[0].id);
    let events_before = app.store.counts().await.unwrap().events;
    app.shopify.fake.send_webhook("refunds/create", &body);
    let counts = app.settle().await;

    assert_eq!(
        counts.events,
        events_before + 1,
        "the webhook was not stored"
    );
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    app.assert_refunded_once(&order).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_more_than_is_refundable_is_dead_lettered_naming_the_amount() {
    let app = TestApp::spawn().await;
    let order = app.settled_order("40.00").await;

    app.request_refund(&request(&order, "40.01", "CM-3")).await;
    let counts = app.settle().await;

    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(dead[0].permanent, "{dead:#?}");
    assert!(
        dead[0].reason.contains("`amount`") && dead[0].reason.contains("40.00"),
        "{}",
        dead[0].reason
    );
    assert!(app.shopify_order(&order).refunds.is_empty());
    assert_eq!(app.refund_creates(), 0);
    assert!(app.paytrace_refunds().is_empty());
    assert_eq!(app.receivables().await.credited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_whose_answer_was_lost_is_not_made_again_and_a_rerun_repeats_nothing() {
    let app = TestApp::spawn().await;
    let order = app.settled_order("40.00").await;
    let req = request(&order, "15.00", "CM-4");
    let job = app.refund_request_job(&req);

    // A first run's refundCreate landed in Shopify, and the run died before recording the answer
    // (and so before enqueueing the refund's job): Shopify holds the refund under the request's
    // idempotency key.
    let parent = app
        .shopify_order(&order)
        .transactions
        .into_iter()
        .find(|t| t.kind == sandbox::shopify::TransactionKind::Sale)
        .unwrap();
    let mut input = shopify::models::RefundInput::new(order.gid.clone());
    input
        .transactions
        .push(shopify::models::TransactionInput::refund(
            order.gid.clone(),
            shopify::Gid::new("OrderTransaction", parent.id),
            dec("15.00"),
            parent.gateway.clone(),
        ));
    app.shopify_client
        .refunds()
        .create(&input, &format!("{}/shopify-refund", job.key))
        .await
        .unwrap();

    app.request_refund(&req).await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    app.assert_refunded_once(&order).await;

    // The request's job run again after it recorded the refund and enqueued the refund's job.
    let calls = app.refund_creates();
    app.store
        .enqueue(NewJob { rerun: true, ..job }, flows::now_millis())
        .await
        .unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.refund_creates(), calls, "refundCreate was called again");
    app.assert_refunded_once(&order).await;
}

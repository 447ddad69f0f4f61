//! Refunds asked for outside Magento (`magento.refund-request`), end to end through the
//! sandbox's Magento and Stripe fakes: refunded once at Stripe, credited once in Magento and the
//! ERP, whatever repeats (the same request, Stripe's own `charge.refunded`, a lost answer, a
//! refund found again by its request after Stripe forgot the idempotency key).

use flows::workflows::RefundRequest;
use flows::workflows::magento_stripe::refund_request_job;
use flows::{JobState, NewJob, Outcome, Store};
use rust_decimal::Decimal;
use sandbox::{Fault, FaultRule, Trigger};
use serde_json::Value;

use super::magento_stripe::through_the_sandbox::Sandboxed;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A request of `amount` USD of order `order`, named `id`.
fn request(order: i64, amount: &str, id: &str) -> RefundRequest {
    RefundRequest::new(u64::try_from(order).unwrap(), dec(amount), "USD", id)
        .reason("damaged in transit")
}

impl Sandboxed {
    /// The job of `request`, as `payops refund magento` enqueues it.
    fn refund_request_job(&self, request: &RefundRequest) -> NewJob {
        refund_request_job("default", request).unwrap()
    }

    /// Enqueues `request`'s job, then runs it and what it starts until nothing is left.
    async fn request_refund(&self, request: &RefundRequest) -> Vec<Outcome> {
        self.store
            .enqueue(self.refund_request_job(request), flows::now_millis())
            .await
            .unwrap();
        self.drain().await
    }

    /// A paid, invoiced and booked order (155.00 USD).
    async fn paid_order(&self) -> i64 {
        let id = self.order("pm_card_visa");
        let outcomes = self.pay(id).await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
        assert_eq!(self.order_json(id)["state"], "processing");
        id
    }

    /// Every refund Stripe holds.
    fn stripe_refunds(&self) -> Vec<Value> {
        self.stripe
            .fake
            .ids("refund")
            .iter()
            .map(|id| self.stripe.fake.object(id).unwrap())
            .collect()
    }

    /// The request's job state and last error.
    async fn request_state(&self, request: &RefundRequest) -> (JobState, Option<String>) {
        let job = self.refund_request_job(request);
        let info = self.store.job(&job.kind, &job.key).await.unwrap().unwrap();
        (info.state, info.last_error)
    }

    /// Asserts one refund of 15.00 of the 155.00 order everywhere: Stripe, Magento, the ERP.
    async fn assert_refunded_once(&self, order: i64) {
        let refunds = self.stripe_refunds();
        assert_eq!(refunds.len(), 1, "Stripe refunds: {refunds:#?}");
        assert_eq!(refunds[0]["amount"], 1500);
        assert_eq!(
            refunds[0]["metadata"]["refund_request"],
            format!("magento/default/order/{order}/refund-request/CM-1/stripe-refund")
        );
        assert_eq!(
            refunds[0]["metadata"]["refund_reason"],
            "damaged in transit"
        );
        let memos = self.magento.fake.credit_memos_of(order);
        assert_eq!(memos.len(), 1, "Magento credit memos: {memos:#?}");
        assert_eq!(self.order_json(order)["total_refunded"], 15.0);
        let checks = self.ledger.receivables_check().await.unwrap();
        assert_eq!(checks.len(), 1, "{checks:#?}");
        let check = &checks[0];
        assert!(check.is_consistent(), "{check:#?}");
        assert_eq!(
            (
                check.invoiced,
                check.received,
                check.credited,
                check.refunded
            ),
            (15500, 15500, 1500, 1500)
        );
    }
}

#[tokio::test]
async fn a_request_refunds_once_at_stripe_in_magento_and_in_the_erp() {
    let app = Sandboxed::start().await;
    let order = app.paid_order().await;
    let cm1 = request(order, "15.00", "CM-1");

    let outcomes = app.request_refund(&cm1).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(app.request_state(&cm1).await.0, JobState::Done);
    app.assert_refunded_once(order).await;

    // Stripe's own `charge.refunded` about the same refund runs the charge's job once more.
    app.deliver_events().await;
    let outcomes = app.drain().await;
    assert!(!outcomes.is_empty());
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    app.assert_refunded_once(order).await;

    // The same request again: the same job, nothing new.
    assert!(app.request_refund(&cm1).await.is_empty());
    app.assert_refunded_once(order).await;
}

#[tokio::test]
async fn a_refund_whose_answer_was_lost_is_made_once() {
    let app = Sandboxed::start().await;
    let order = app.paid_order().await;
    // Stripe makes the refund, and the connection breaks before its answer.
    let rule = app.faults.add(
        FaultRule::new("stripe", Fault::Drop, Trigger::Count(1))
            .method("POST")
            .path("/v1/refunds"),
    );
    let outcomes = app.request_refund(&request(order, "15.00", "CM-1")).await;
    assert_eq!(app.faults.fired(rule), 1);
    // The client sends it again under the same `Idempotency-Key`, and Stripe answers with the
    // refund it made.
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    app.assert_refunded_once(order).await;
}

#[tokio::test]
async fn a_refund_stripe_already_has_for_the_request_is_not_made_again() {
    let app = Sandboxed::start().await;
    let order = app.paid_order().await;
    let cm1 = request(order, "15.00", "CM-1");
    // A first run's refund, made under an idempotency key Stripe no longer remembers (a crash
    // after the answer, and a replay days later).
    let charge = app.stripe.fake.ids("charge").pop().unwrap();
    let key = format!("{}/stripe-refund", app.refund_request_job(&cm1).key);
    let params = mapping::stripe::to_create_refund(&mapping::stripe::RefundParams {
        charge: &charge,
        amount: cm1.money().unwrap(),
        order_number: "000000001",
        request: &key,
        reason: Some("damaged in transit"),
    })
    .unwrap();
    stripe_client::Client::builder(secrecy::SecretString::from(
        app.stripe.fake.secret_key().to_owned(),
    ))
    .base_url(app.stripe.base_url().as_str())
    .build()
    .unwrap()
    .refunds()
    .idempotency_key("an-expired-key")
    .create(&params)
    .await
    .unwrap();

    let outcomes = app.request_refund(&cm1).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    app.assert_refunded_once(order).await;
}

#[tokio::test]
async fn a_request_before_the_payment_is_booked_waits_for_it() {
    let app = Sandboxed::start().await;
    let order = app.order("pm_card_visa");
    app.store
        .enqueue(
            flows::workflow::job(
                &app.flows.order_payment(),
                &flows::workflows::magento_stripe::MagentoOrder { entity_id: order },
            )
            .unwrap(),
            0,
        )
        .await
        .unwrap();
    app.drain().await; // charged; `charge.succeeded` not delivered yet
    let cm1 = request(order, "15.00", "CM-1");
    let outcomes = app.request_refund(&cm1).await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::Waiting { .. }]),
        "{outcomes:?}"
    );
    assert!(app.stripe_refunds().is_empty());

    app.deliver_events().await; // the charge is invoiced and booked
    app.drain().await;
    // The wait's first look is a second later.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let outcomes = app.drain().await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    app.assert_refunded_once(order).await;
}

#[tokio::test]
async fn a_request_that_does_not_fit_the_order_refunds_nothing_and_says_why() {
    let app = Sandboxed::start().await;
    let order = app.paid_order().await;
    let unpaid = app.order("pm_card_visa");
    let cases = [
        (request(order, "155.01", "too-much"), "`amount` 155.01 USD"),
        (
            RefundRequest::new(u64::try_from(order).unwrap(), dec("15.00"), "EUR", "eur"),
            "`currency` EUR",
        ),
        (request(order, "15.001", "sub-cent"), "amount"),
        (request(999, "15.00", "no-order"), "order_id"),
        (
            request(unpaid, "15.00", "unpaid"),
            "no Stripe payment on record",
        ),
        (
            request(order, "15.00", "long").reason("x".repeat(501)),
            "reason",
        ),
    ];
    for (request, expected) in &cases {
        let outcomes = app.request_refund(request).await;
        assert!(
            matches!(outcomes.as_slice(), [Outcome::DeadLettered { .. }]),
            "{expected}: {outcomes:?}"
        );
        let (state, error) = app.request_state(request).await;
        assert_eq!(state, JobState::Dead);
        let error = error.unwrap();
        assert!(error.contains(expected), "{expected}: {error}");
    }
    assert!(app.stripe_refunds().is_empty());
    assert!(app.magento.fake.credit_memos_of(order).is_empty());
}

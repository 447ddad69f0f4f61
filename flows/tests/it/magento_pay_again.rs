//! A Magento order declined at Stripe is paid again with another payment method (issue 18),
//! end to end through the sandbox's Magento and Stripe fakes: each method is charged at most
//! once, a declined method is never sent again, a paid order is never charged again.

use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use flows::notify::{Notice, NoticeKind};
use flows::{Backoff, Outcome, Store, Worker, WorkerConfig};
use sandbox::{Fault, FaultRule, Faults, Trigger};
use serde_json::Value;

use super::drain;
use super::magento_stripe::through_the_sandbox::Sandboxed;

const DECLINED: &str = "pm_card_visa_chargeDeclined";
const INSUFFICIENT: &str = "pm_card_visa_chargeDeclinedInsufficientFunds";
const VISA: &str = "pm_card_visa";
const MASTERCARD: &str = "pm_card_mastercard";

impl Sandboxed {
    /// The storefront saves `payment_method` on order `id` (its `updated_at` moves).
    fn save_method(&self, id: i64, payment_method: &str) {
        assert!(
            self.magento
                .fake
                .set_payment_info(id, "stripe_payment_method", payment_method)
        );
    }

    /// One poll of the orders waiting for payment.
    async fn poll(&self) {
        self.flows
            .poller(Arc::clone(&self.store))
            .poll_once()
            .await
            .unwrap();
    }

    /// Every PaymentIntent the Stripe fake made, as (the last four digits of its card, its
    /// status), oldest first. The fake, as Stripe, makes a new `pm_...` of each test token, so
    /// the card tells which token a PaymentIntent charged.
    fn intents(&self) -> Vec<(String, String)> {
        let fake = &self.stripe.fake;
        fake.ids("payment_intent")
            .iter()
            .map(|id| {
                let pi = fake.object(id).unwrap();
                let method = [
                    &pi["payment_method"],
                    &pi["payment_method"]["id"],
                    &pi["last_payment_error"]["payment_method"],
                    &pi["last_payment_error"]["payment_method"]["id"],
                ]
                .into_iter()
                .find_map(Value::as_str)
                .unwrap_or_else(|| panic!("no payment method on {pi}"))
                .to_owned();
                let card = fake.object(&method).unwrap();
                (
                    card["card"]["last4"].as_str().unwrap().to_owned(),
                    pi["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// The order's comments that say Stripe declined a payment.
    fn decline_comments(&self, id: i64) -> Vec<String> {
        comments(&self.order_json(id))
            .into_iter()
            .filter(|c| c.contains("Stripe declined"))
            .collect()
    }

    /// Asserts that order `id` is invoiced once for its whole total and booked once.
    async fn assert_paid_once(&self, id: i64) {
        let order = self.order_json(id);
        assert_eq!(order["state"], "processing", "{order}");
        assert_eq!(order["total_invoiced"], order["grand_total"], "{order}");
        assert_eq!(self.magento.fake.invoices_of(id).len(), 1);
        let reference = format!("magento/default/order/{id}/invoice");
        assert!(
            self.ledger
                .find_by_external_ref(&reference)
                .await
                .unwrap()
                .is_some()
        );
        assert!(self.ledger.open_receivables().await.unwrap().is_empty());
    }
}

fn comments(order: &Value) -> Vec<String> {
    order["status_histories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["comment"].as_str().map(str::to_owned))
        .collect()
}

fn intent(last4: &str, status: &str) -> (String, String) {
    (last4.to_owned(), status.to_owned())
}

/// The decline notices sent so far.
fn declines(notices: &[Notice]) -> Vec<&Notice> {
    notices
        .iter()
        .filter(|n| n.kind == NoticeKind::PaymentDeclined)
        .collect()
}

#[tokio::test]
async fn a_declined_order_is_paid_again_with_the_new_method_once() {
    let app = Sandboxed::start().await;
    let id = app.order(DECLINED);
    app.poll().await;
    app.settle().await;
    assert_eq!(app.order_json(id)["status"], "payment_failed");
    assert_eq!(app.intents(), [intent("0002", "requires_payment_method")]);

    // The customer gives another card on the storefront's pay-again page; the next poll finds
    // the order (its `updated_at` moved) and its job charges the new method.
    app.save_method(id, VISA);
    app.poll().await;
    let outcomes = app.settle().await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    app.assert_paid_once(id).await;
    assert_eq!(
        app.intents(),
        [
            intent("0002", "requires_payment_method"),
            intent("4242", "succeeded")
        ]
    );
    assert_eq!(app.decline_comments(id).len(), 1);

    // Polled and run again: nothing more.
    app.poll().await;
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(app.intents().len(), 2);
    app.assert_paid_once(id).await;
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_declined_method_is_never_sent_again() {
    let app = Sandboxed::start().await;
    let id = app.order(DECLINED);
    app.poll().await;
    app.settle().await;
    assert_eq!(app.intents().len(), 1);

    // The storefront saves the same method again (the order is polled again), the order's job is
    // run again by hand (a replay): the declined method is not sent again.
    app.save_method(id, DECLINED);
    app.poll().await;
    app.settle().await;
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(app.intents().len(), 1);
    assert_eq!(app.decline_comments(id).len(), 1);

    // Another declined method, then the first one again: only the new one is sent.
    app.save_method(id, INSUFFICIENT);
    app.poll().await;
    app.settle().await;
    app.save_method(id, DECLINED);
    app.poll().await;
    app.settle().await;
    assert_eq!(
        app.intents(),
        [
            intent("0002", "requires_payment_method"),
            intent("9995", "requires_payment_method")
        ]
    );
    assert_eq!(app.decline_comments(id).len(), 2);
    assert_eq!(app.order_json(id)["status"], "payment_failed");
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_attempt_cut_off_after_stripe_made_its_payment_intent_is_resumed_not_repeated() {
    let app = Sandboxed::start_with(
        Faults::default(),
        |config| config,
        |intake| intake,
        |worker| worker.backoff(Backoff::new(ms(1), ms(2), 5)),
    )
    .await;
    let id = app.order(DECLINED);
    app.pay(id).await;
    app.save_method(id, VISA);

    // Stripe makes each PaymentIntent asked for, and every answer is lost: the run ends without
    // the attempt's record.
    let lost = app.faults.add(
        FaultRule::new("stripe", Fault::Drop, Trigger::Always)
            .method("POST")
            .path("/v1/payment_intents"),
    );
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    let worker = app
        .flows
        .register(Worker::new(Arc::clone(&app.store), config("w1")));
    let (tx, mut shutdown) = tokio::sync::watch::channel(false);
    let outcome = worker.run_once(&mut shutdown).await.unwrap();
    assert!(
        matches!(outcome, Some(Outcome::Retrying { .. })),
        "{outcome:?}"
    );
    drop(tx);
    assert!(app.faults.fired(lost) >= 1);
    app.faults.remove(lost);
    let made = app.intents();
    assert_eq!(
        made,
        [
            intent("0002", "requires_payment_method"),
            intent("4242", "succeeded")
        ]
    );

    // Meanwhile the customer saves yet another card, and the service restarts (another worker on
    // the same store): the attempt in flight is finished under its own key, nothing new is made.
    app.save_method(id, MASTERCARD);
    let restarted = app
        .flows
        .register(Worker::new(Arc::clone(&app.store), config("w2")));
    tokio::time::sleep(ms(10)).await;
    let outcomes = drain(&restarted).await;
    assert_eq!(outcomes, [Outcome::Done]);
    app.deliver_events().await;
    drain(&restarted).await;
    assert_eq!(app.intents(), made);
    app.assert_paid_once(id).await;
    assert_eq!(
        app.payment_intent(id).await,
        app.stripe.fake.ids("payment_intent")[1]
    );
    // And the later card is never charged: the order is paid.
    app.poll().await;
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    drain(&restarted).await;
    assert_eq!(app.intents(), made);
}

#[tokio::test]
async fn each_declined_attempt_is_commented_and_told_then_a_third_method_pays() {
    let app = Sandboxed::start_with(
        Faults::default(),
        |config| config.notify_declined(true),
        |intake| intake,
        |worker| worker,
    )
    .await;
    let (worker, notices) =
        crate::notify::notifying(&app.store, |worker| app.flows.register(worker));
    let settle = async || {
        drain(&worker).await;
        app.deliver_events().await;
        drain(&worker).await;
    };
    let id = app.order(DECLINED);
    app.poll().await;
    settle().await;
    app.save_method(id, INSUFFICIENT);
    app.poll().await;
    settle().await;

    let order = app.order_json(id);
    assert_eq!(order["status"], "payment_failed", "{order}");
    let failures: Vec<&Value> = order["status_histories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["comment"]
                .as_str()
                .is_some_and(|t| t.contains("Stripe declined"))
        })
        .collect();
    assert_eq!(failures.len(), 2, "{order}");
    // Each names its own PaymentIntent, and each is e-mailed to the customer.
    for pi in app.stripe.fake.ids("payment_intent") {
        let named: Vec<_> = failures
            .iter()
            .filter(|c| c["comment"].as_str().unwrap().contains(pi.as_str()))
            .collect();
        assert_eq!(named.len(), 1, "{pi}: {order}");
    }
    for comment in &failures {
        assert!(
            comment["is_customer_notified"] == 1 || comment["is_customer_notified"] == true,
            "{comment}"
        );
    }
    let sent = notices.sent();
    let declined = declines(&sent);
    let keys: Vec<&str> = declined.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            format!("magento/default/order/{id}/payment-method/{DECLINED}/notice/declined"),
            format!("magento/default/order/{id}/payment-method/{INSUFFICIENT}/notice/declined"),
        ]
    );
    assert!(
        declined[1]
            .facts
            .iter()
            .any(|f| f.name == "reason" && f.value.contains("insufficient funds")),
        "{:?}",
        declined[1]
    );

    app.save_method(id, VISA);
    app.poll().await;
    settle().await;
    app.assert_paid_once(id).await;
    assert_eq!(
        app.intents(),
        [
            intent("0002", "requires_payment_method"),
            intent("9995", "requires_payment_method"),
            intent("4242", "succeeded")
        ]
    );
    assert_eq!(declines(&notices.sent()).len(), 2);
    assert_eq!(app.decline_comments(id).len(), 2);
}

#[tokio::test]
async fn a_paid_order_showing_another_method_is_not_charged() {
    let app = Sandboxed::start().await;
    let id = app.order(VISA);
    app.poll().await;
    app.settle().await;
    app.assert_paid_once(id).await;

    // Another method appears on the order, and the order even looks unpaid again in Magento
    // (waiting for payment, with the failed-payment status): the records say it was paid.
    app.save_method(id, MASTERCARD);
    assert!(
        app.magento
            .fake
            .set_order_state(id, "pending_payment", "payment_failed")
    );
    app.poll().await;
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    let outcomes = app.settle().await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(app.intents(), [intent("4242", "succeeded")]);
    assert_eq!(app.magento.fake.invoices_of(id).len(), 1);
}

#[tokio::test]
async fn a_new_method_waits_for_the_authentication_in_progress() {
    let app = Sandboxed::start().await;
    let id = app.order("pm_card_authenticationRequired");
    app.pay(id).await;
    let waiting = app.payment_intent(id).await;

    // A new method while the customer has not answered the 3-D Secure challenge: not charged.
    app.save_method(id, VISA);
    app.poll().await;
    app.settle().await;
    assert_eq!(app.intents(), [intent("3184", "requires_action")]);

    // The authentication fails: the order gets the failed-payment status, and the same run
    // charges the new method.
    app.stripe
        .fake
        .answer_authentication(&waiting, false)
        .unwrap();
    // (The new PaymentIntent's `charge.succeeded` comes after that run: settled twice.)
    app.settle().await;
    app.settle().await;
    app.assert_paid_once(id).await;
    assert_eq!(
        app.intents(),
        [
            intent("3184", "requires_payment_method"),
            intent("4242", "succeeded")
        ]
    );
    assert!(
        comments(&app.order_json(id))
            .iter()
            .any(|c| c.contains("failed authentication"))
    );
    // The first attempt's wait ended; its person's item is cleared by a replay, and its
    // deadline job (the attempt's own) finds nothing to do.
    for item in app.store.dead_letters(10).await.unwrap() {
        app.store
            .replay_dead_letter(item.id, flows::now_millis())
            .await
            .unwrap();
    }
    app.settle().await;
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(app.intents().len(), 2);
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A worker's configuration with retries a few milliseconds apart.
fn config(id: &str) -> WorkerConfig {
    WorkerConfig::new(id)
        .backoff(Backoff::new(ms(1), ms(2), 5))
        .poll_interval(ms(5))
}

/// What the version before per-method attempts did to a declined order: one PaymentIntent
/// record and one failed-payment record under the order itself.
struct OldVersion;

#[async_trait::async_trait]
impl flows::workflow::Flow for OldVersion {
    type Input = flows::workflows::magento_stripe::MagentoOrder;
    const KIND: flows::workflow::JobKind = flows::workflow::JobKind::new("test.old-order-payment");
    const SYSTEMS: &'static [mapping::System] = &[];

    fn entity(&self, input: &Self::Input) -> Result<flows::workflow::EntityKey, flows::StepError> {
        Ok(
            flows::workflow::EntityKey::new(mapping::System::Magento, "default")
                .child(flows::workflow::Entity::Order, input.entity_id),
        )
    }

    async fn run(
        &self,
        ctx: &flows::workflow::StepCtx<'_>,
        _: Self::Input,
    ) -> Result<(), flows::StepError> {
        use flows::workflow::Step;
        use mapping::{Money, Payment, PaymentKind, PaymentStatus, System};
        const INTENT: Step<Value> = Step::new("payment-intent", System::Stripe);
        const FAILURE: Step<Value> = Step::new("payment-failure", System::Magento);
        let mut payment = Payment::new(
            System::Stripe,
            PaymentKind::Sale,
            PaymentStatus::Declined,
            Money::from_minor(
                15_500,
                mapping::currency::parse_currency("USD", "currency")?,
            ),
        );
        // A decline Stripe answered without a PaymentIntent (none at this fake to look up).
        payment.ids.set(System::Stripe, "ch_old_version");
        payment.message = Some("Your card was declined.".to_owned());
        let declined = serde_json::json!({"outcome": "declined", "payment": payment});
        ctx.once(&INTENT, || async { Ok(declined) }).await?;
        ctx.once(&FAILURE, || async {
            Ok(serde_json::json!({"status": "payment_failed", "already": false}))
        })
        .await?;
        Ok(())
    }
}

#[tokio::test]
async fn an_order_declined_before_the_upgrade_is_paid_again_with_a_new_method() {
    let app = Sandboxed::start().await;
    let id = app.order(DECLINED);
    // Declined by the earlier version (which has no PaymentIntent at this fake).
    let old = Worker::new(Arc::clone(&app.store), config("old")).flow(OldVersion);
    app.store
        .enqueue(
            flows::workflow::job(
                &OldVersion,
                &flows::workflows::magento_stripe::MagentoOrder { entity_id: id },
            )
            .unwrap(),
            0,
        )
        .await
        .unwrap();
    assert_eq!(drain(&old).await, [Outcome::Done]);
    assert!(
        app.magento
            .fake
            .set_order_state(id, "pending_payment", "payment_failed")
    );

    // This version finds the order still showing the declined method: taken as the earlier
    // attempt's, not sent.
    app.poll().await;
    app.settle().await;
    assert!(app.intents().is_empty(), "{:?}", app.intents());
    let legacy = app
        .store
        .state(&format!("magento/default/order/{id}/payment/legacy-method"))
        .await
        .unwrap();
    assert_eq!(legacy, Some(serde_json::json!(DECLINED)));

    // A new method is charged once; the declined one saved again is not.
    app.save_method(id, VISA);
    app.poll().await;
    app.settle().await;
    app.assert_paid_once(id).await;
    app.save_method(id, DECLINED);
    app.store
        .enqueue(app.flows.pay_again_job(id).unwrap(), 0)
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(app.intents(), [intent("4242", "succeeded")]);
}

//! Stripe disputes and Radar early fraud warnings of Magento orders, end to end through the
//! sandbox's Magento and Stripe fakes: the ledger checked at every step, the store told once,
//! evidence staged or submitted, fraud warnings refunded once or held.

use std::sync::Arc;

use erp::Erp;

use flows::notify::{Notice, NoticeKind};
use flows::workflow::{Flow, job};
use flows::workflows::magento_stripe::{DisputeDeadline, DisputeDue};
use flows::{Outcome, Store, Worker};
use sandbox::{Fault, FaultRule, Trigger};
use serde_json::Value;
use stripe_client::{DisputeStatus, ListDisputes, UpdateDispute, UpdateDisputeEvidence};

use super::magento_stripe::through_the_sandbox::Sandboxed;
use super::notify::{Recording, notifying};
use super::{balance, drain};

const POLICY: &str = "Returns within 30 days of delivery.";

/// The app with the dispute settings of these tests, and a worker that records its notices.
async fn app(
    config: impl FnOnce(
        flows::workflows::magento_stripe::Config,
    ) -> flows::workflows::magento_stripe::Config,
) -> (Sandboxed, Worker, Arc<Recording>) {
    let app = Sandboxed::start_with(
        sandbox::Faults::default(),
        |c| config(c.dispute_status("disputed").refund_policy(POLICY)),
        |intake| intake,
        |worker| worker,
    )
    .await;
    let (worker, notices) = notifying(&app.store, |w| app.flows.register(w));
    (app, worker, notices)
}

/// Runs the worker and Stripe's events until nothing is left; every run succeeded.
async fn settle(app: &Sandboxed, worker: &Worker) {
    for _ in 0..4 {
        let outcomes = drain(worker).await;
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Done | Outcome::Waiting { .. })),
            "{outcomes:?}"
        );
        app.deliver_events().await;
    }
}

/// Pays a new order of 155.00 USD with `payment_method` and settles what follows.
async fn paid(app: &Sandboxed, worker: &Worker, payment_method: &str) -> i64 {
    let id = app.order(payment_method);
    app.store
        .enqueue(
            job(
                &app.flows.order_payment(),
                &flows::workflows::magento_stripe::MagentoOrder { entity_id: id },
            )
            .unwrap(),
            0,
        )
        .await
        .unwrap();
    settle(app, worker).await;
    id
}

/// The order's charge at Stripe.
fn charge_of(app: &Sandboxed, order: i64) -> String {
    app.stripe
        .fake
        .ids("charge")
        .into_iter()
        .find(|id| {
            app.stripe.fake.object(id).unwrap()["metadata"]["order_id"].as_str()
                == Some(order.to_string().as_str())
        })
        .unwrap()
}

async fn disputes_of(app: &Sandboxed, charge: &str) -> Vec<stripe_client::Dispute> {
    app.flows_stripe()
        .disputes()
        .list(&ListDisputes {
            charge: Some(charge.to_owned()),
            ..ListDisputes::default()
        })
        .await
        .unwrap()
        .data
}

/// (disputed funds, chargebacks, Stripe clearing) in minor units.
async fn books(app: &Sandboxed) -> (i64, i64, i64) {
    let trial = app.ledger.trial_balance().await.unwrap();
    (
        balance(&trial, "1300"),
        balance(&trial, "6200"),
        balance(&trial, "1200-stripe"),
    )
}

fn comments(order: &Value) -> Vec<String> {
    order["status_histories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["comment"].as_str().map(str::to_owned))
        .collect()
}

fn of_kind(notices: &Recording, kind: NoticeKind) -> Vec<Notice> {
    notices
        .sent()
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect()
}

impl Sandboxed {
    fn flows_stripe(&self) -> stripe_client::Client {
        stripe_client::Client::builder(secrecy::SecretString::from(
            self.stripe.fake.secret_key().to_owned(),
        ))
        .base_url(self.stripe.base_url().as_str())
        .build()
        .unwrap()
    }
}

#[tokio::test]
async fn a_dispute_from_opening_to_win_is_booked_told_and_answered_with_staged_evidence() {
    let (app, worker, notices) = app(|c| c).await;
    let before_dispute = {
        // The same payment without a dispute: what the books hold before one.
        let id = paid(&app, &worker, "pm_card_visa").await;
        assert_eq!(app.order_json(id)["state"], "processing");
        books(&app).await
    };
    let order = paid(&app, &worker, "pm_card_createDispute").await;
    let charge = charge_of(&app, order);
    let disputes = disputes_of(&app, &charge).await;
    assert_eq!(disputes.len(), 1);
    let dispute = &disputes[0];
    let fee = sandbox::stripe::DISPUTE_FEE;

    // Withdrawn: 155.00 held in disputed funds, the fee spent, both out of clearing (the
    // second payment's clearing is the first's twice over).
    let (held, chargebacks, clearing) = books(&app).await;
    assert_eq!(held, 15500);
    assert_eq!(chargebacks, fee);
    assert_eq!(clearing, 2 * before_dispute.2 - 15500 - fee);

    // Magento: the comment with the reason and deadline, the dispute status on the order's state.
    let json = app.order_json(order);
    assert_eq!(json["status"], "disputed");
    assert_eq!(json["state"], "processing");
    let opened: Vec<String> = comments(&json)
        .into_iter()
        .filter(|c| {
            c.starts_with(&format!(
                "Stripe dispute {} opened: 155.00 USD, reason fraudulent.",
                dispute.id
            ))
        })
        .collect();
    assert_eq!(opened.len(), 1, "{json}");
    assert!(opened[0].contains("Evidence is due by"), "{}", opened[0]);

    // Evidence staged, not submitted, from what Magento knows of the order.
    let staged = app
        .flows_stripe()
        .disputes()
        .retrieve(&dispute.id)
        .await
        .unwrap();
    assert_eq!(staged.status, DisputeStatus::NeedsResponse);
    assert_eq!(
        staged.evidence_details.as_ref().unwrap().submission_count,
        0
    );
    let evidence = &staged.evidence;
    assert_eq!(evidence.customer_name.as_deref(), Some("Jane Doe"));
    assert_eq!(
        evidence.customer_email_address.as_deref(),
        Some("jane@example.com")
    );
    assert_eq!(
        evidence.customer_purchase_ip.as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        evidence.product_description.as_deref(),
        Some("3 x Product TEE-1 (SKU TEE-1)")
    );
    assert_eq!(evidence.refund_policy.as_deref(), Some(POLICY));
    assert!(evidence.shipping_address.is_some());
    assert!(evidence.billing_address.is_some());
    assert_eq!(evidence.shipping_tracking_number, None, "not shipped yet");

    // A person is told once, with the deadline and the staged evidence; the reminder is
    // scheduled three days before the deadline.
    let told = of_kind(&notices, NoticeKind::DisputeOpened);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].facts.iter().any(|f| f.name == "respond by"),
        "{:?}",
        told[0]
    );
    assert!(
        told[0].facts.iter().any(|f| f.value.starts_with("staged")),
        "{:?}",
        told[0]
    );
    let reminder = app
        .store
        .job(
            &DisputeDeadline::KIND,
            &format!("stripe/acct_123/dispute/{}", dispute.id),
        )
        .await
        .unwrap()
        .expect("the reminder is scheduled");
    let due_by = staged.evidence_details.as_ref().unwrap().due_by.unwrap();
    let expected = (due_by - time::Duration::days(3)).unix_timestamp() * 1000;
    assert_eq!(reminder.run_at, expected);

    // Every event again, and a replay: nothing moves twice.
    let again = books(&app).await;
    app.store
        .enqueue(
            flows::NewJob {
                rerun: true,
                ..job(
                    &app.flows.dispute(),
                    &flows::workflows::magento_stripe::DisputeEvent {
                        event: flows::workflow::EventRef {
                            provider: mapping::System::Stripe,
                            event_id: app.stripe.fake.events().last().unwrap()["id"]
                                .as_str()
                                .unwrap()
                                .to_owned(),
                        },
                        dispute_id: dispute.id.clone(),
                    },
                )
                .unwrap()
            },
            0,
        )
        .await
        .unwrap();
    settle(&app, &worker).await;
    assert_eq!(books(&app).await, again);
    assert_eq!(
        comments(&app.order_json(order))
            .iter()
            .filter(|c| c.contains(&dispute.id))
            .count(),
        1
    );

    // The person submits the evidence (Stripe's test text wins it): reinstated, the fee kept
    // (the fake keeps it, as Stripe may).
    submit_winning_evidence(&app, &dispute.id).await;
    settle(&app, &worker).await;
    let (held, chargebacks, clearing) = books(&app).await;
    assert_eq!((held, chargebacks), (0, fee));
    assert_eq!(clearing, 2 * before_dispute.2 - fee);
    let won = format!("Stripe dispute {} won: 155.00 USD returned.", dispute.id);
    assert!(comments(&app.order_json(order)).contains(&won));
    assert!(
        app.ledger
            .trial_balance()
            .await
            .unwrap()
            .iter()
            .map(|l| l.balance)
            .sum::<i64>()
            == 0
    );

    // The payout of it all: the dispute's withdrawal pairs its ledger entry (by the dispute
    // id), the reinstatement goes to the journal, and clearing ends at zero.
    let payout = app.stripe.fake.pay_out("usd").unwrap();
    settle(&app, &worker).await;
    let recorded = app
        .store
        .effect(&format!("stripe/acct_123/payout/{payout}/erp/settlement"))
        .await
        .unwrap()
        .expect("the payout is reconciled");
    let reconciled: flows::settlement::Reconciled =
        serde_json::from_value(recorded.detail).unwrap();
    assert_eq!(reconciled.discrepancies, 0, "{reconciled:?}");
    assert_eq!(
        reconciled.outcomes.get("matched"),
        Some(&3),
        "{reconciled:?}"
    );
    // Two charges less the dispute's withdrawal, net.
    assert_eq!(
        reconciled.amounts,
        [flows::settlement::ClassAmount {
            status: "matched".into(),
            currency: "USD".into(),
            minor: 15500,
        }]
    );
    assert_eq!(reconciled.amounts[0].display(), "155.00 USD");
    let (held, chargebacks, clearing) = books(&app).await;
    assert_eq!((held, chargebacks, clearing), (0, fee, 0));

    // The reminder waits for its day (3 days before the deadline); nobody was told meanwhile.
    let reminder = reminder_job(&app, &dispute.id).await;
    assert_eq!(reminder.state, flows::JobState::Queued);
    assert!(
        reminder.run_at > flows::now_millis() + 3 * 86_400_000,
        "{reminder:?}"
    );
    assert!(of_kind(&notices, NoticeKind::DisputeEvidenceDue).is_empty());
}

/// A person submits the dispute's evidence; Stripe's test text wins it.
async fn submit_winning_evidence(app: &Sandboxed, dispute: &str) {
    app.flows_stripe()
        .disputes()
        .update(
            dispute,
            &UpdateDispute {
                evidence: Some(UpdateDisputeEvidence {
                    uncategorized_text: Some("winning_evidence".into()),
                    ..UpdateDisputeEvidence::default()
                }),
                submit: Some(true),
                ..UpdateDispute::default()
            },
        )
        .await
        .unwrap();
}

/// The dispute's reminder job.
async fn reminder_job(app: &Sandboxed, dispute: &str) -> flows::store::JobInfo {
    let new = job(
        &app.flows.dispute_deadline(),
        &DisputeDue {
            dispute_id: dispute.to_owned(),
        },
    )
    .unwrap();
    app.store.job(&new.kind, &new.key).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_reminder_after_evidence_was_submitted_tells_nobody() {
    // The fake's disputes are due in 7 days: a reminder 10 s short of that runs 10 s after the
    // dispute opens (the worker keeps wall time), after a person has submitted the evidence.
    let ahead = std::time::Duration::from_secs(7 * 86_400 - 10);
    let (app, worker, notices) = app(|c| c.evidence_reminder(ahead)).await;
    let order = paid(&app, &worker, "pm_card_createDispute").await;
    let dispute = disputes_of(&app, &charge_of(&app, order)).await.remove(0);
    let reminder = reminder_job(&app, &dispute.id).await;
    assert_eq!(reminder.state, flows::JobState::Queued, "not due yet");
    submit_winning_evidence(&app, &dispute.id).await;
    settle(&app, &worker).await;
    let wait = u64::try_from(reminder.run_at - flows::now_millis()).unwrap_or(0);
    tokio::time::sleep(std::time::Duration::from_millis(wait + 50)).await;
    settle(&app, &worker).await;
    assert_eq!(
        reminder_job(&app, &dispute.id).await.state,
        flows::JobState::Done,
        "the reminder ran"
    );
    assert!(of_kind(&notices, NoticeKind::DisputeEvidenceDue).is_empty());
}

/// Runs the dispute's reminder job once more, once it is done.
async fn drain_reminder(app: &Sandboxed, worker: &Worker, dispute: &str) {
    let flow = app.flows.dispute_deadline();
    app.store
        .enqueue(
            flows::NewJob {
                rerun: true,
                ..job(
                    &flow,
                    &DisputeDue {
                        dispute_id: dispute.to_owned(),
                    },
                )
                .unwrap()
            },
            0,
        )
        .await
        .unwrap();
    let outcomes = drain(worker).await;
    assert!(
        !outcomes.is_empty() && outcomes.iter().all(|o| *o == Outcome::Done),
        "the reminder ran again: {outcomes:?}"
    );
}

#[tokio::test]
async fn a_lost_dispute_is_written_off_and_submitted_evidence_is_not_sent_twice() {
    let (app, worker, notices) = app(|c| c.submit_evidence(true)).await;
    let order = paid(&app, &worker, "pm_card_createDispute").await;
    let charge = charge_of(&app, order);
    let dispute = disputes_of(&app, &charge).await.remove(0);
    let fee = sandbox::stripe::DISPUTE_FEE;

    // Submitted at once: under review, one submission.
    let submitted = app
        .flows_stripe()
        .disputes()
        .retrieve(&dispute.id)
        .await
        .unwrap();
    assert_eq!(submitted.status, DisputeStatus::UnderReview);
    assert_eq!(
        submitted
            .evidence_details
            .as_ref()
            .unwrap()
            .submission_count,
        1
    );
    assert!(
        submitted
            .evidence
            .uncategorized_text
            .as_deref()
            .unwrap()
            .starts_with("Order ")
    );
    let (held, chargebacks, clearing_open) = books(&app).await;
    assert_eq!((held, chargebacks), (15500, fee));
    let told = of_kind(&notices, NoticeKind::DisputeOpened);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].facts.iter().any(|f| f.value == "submitted"),
        "{:?}",
        told[0]
    );
    // No reminder when the evidence went in.
    assert!(
        app.store
            .job(
                &DisputeDeadline::KIND,
                &format!("stripe/acct_123/dispute/{}", dispute.id)
            )
            .await
            .unwrap()
            .is_none()
    );

    // Lost (the merchant accepts it): the held amount written off, clearing unchanged.
    app.flows_stripe()
        .disputes()
        .close(&dispute.id)
        .await
        .unwrap();
    settle(&app, &worker).await;
    let (held, chargebacks, clearing) = books(&app).await;
    assert_eq!(
        (held, chargebacks, clearing),
        (0, 15500 + fee, clearing_open)
    );
    let lost = format!(
        "Stripe dispute {} lost: 155.00 USD written off as a chargeback.",
        dispute.id
    );
    assert_eq!(
        comments(&app.order_json(order))
            .iter()
            .filter(|c| **c == lost)
            .count(),
        1
    );
    assert_eq!(
        app.flows_stripe()
            .disputes()
            .retrieve(&dispute.id)
            .await
            .unwrap()
            .evidence_details
            .unwrap()
            .submission_count,
        1
    );
    assert!(
        app.ledger
            .find_by_external_ref(&format!("stripe/acct_123/dispute/{}/lost", dispute.id))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_reminder_tells_a_person_when_no_evidence_was_submitted() {
    // The fake's disputes are due in 7 days: a reminder 8 days ahead is due at once.
    let (app, worker, notices) =
        app(|c| c.evidence_reminder(std::time::Duration::from_secs(8 * 86_400))).await;
    let order = paid(&app, &worker, "pm_card_createDispute").await;
    let dispute = disputes_of(&app, &charge_of(&app, order)).await.remove(0);
    let due = of_kind(&notices, NoticeKind::DisputeEvidenceDue);
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        due[0].key,
        format!("stripe/acct_123/dispute/{}/notice/evidence-due", dispute.id)
    );
    // Run again: told once per dispute.
    drain_reminder(&app, &worker, &dispute.id).await;
    assert_eq!(of_kind(&notices, NoticeKind::DisputeEvidenceDue).len(), 1);
}

#[tokio::test]
async fn an_early_fraud_warning_refunds_an_unshipped_order_once_and_no_dispute_opens() {
    let limit = mapping::Money::from_minor(20_000, mapping::Currency::USD);
    let (app, worker, notices) = app(|c| c.refund_fraud_warnings_below(limit)).await;
    let order = paid(&app, &worker, "pm_card_createIssuerFraudRecord").await;
    let charge = charge_of(&app, order);

    // Refunded in full once, through the refund path: Stripe, the credit memo, the ERP.
    let refunds: Vec<Value> = app
        .stripe
        .fake
        .ids("refund")
        .iter()
        .map(|id| app.stripe.fake.object(id).unwrap())
        .collect();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], 15500);
    assert_eq!(refunds[0]["charge"], charge.as_str());
    let json = app.order_json(order);
    assert_eq!(
        json["state"], "closed",
        "the credit memo closes the order: {json}"
    );
    assert!(
        comments(&json)
            .iter()
            .any(|c| c.contains("refunded at once, before a dispute could open")),
        "{json}"
    );
    let credit_memo = format!(
        "stripe/acct_123/refund/{}/credit_memo",
        refunds[0]["id"].as_str().unwrap()
    );
    assert!(
        app.ledger
            .find_by_external_ref(&credit_memo)
            .await
            .unwrap()
            .is_some()
    );
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());
    let told = of_kind(&notices, NoticeKind::EarlyFraudWarning);
    assert_eq!(told.len(), 1);

    // The warning again, and Stripe's own events again: still one refund, no dispute.
    let warning = app.stripe.fake.ids("early_fraud_warning").remove(0);
    app.store
        .enqueue(
            flows::NewJob {
                rerun: true,
                ..job(
                    &app.flows.fraud_warning(),
                    &flows::workflows::magento_stripe::FraudWarningEvent {
                        event: flows::workflow::EventRef {
                            provider: mapping::System::Stripe,
                            event_id: "evt_replayed".into(),
                        },
                        warning_id: warning,
                    },
                )
                .unwrap()
            },
            0,
        )
        .await
        .unwrap();
    settle(&app, &worker).await;
    assert_eq!(app.stripe.fake.ids("refund").len(), 1);
    assert!(disputes_of(&app, &charge).await.is_empty());
}

#[tokio::test]
async fn a_fraud_warning_over_the_threshold_holds_the_order_and_a_shipped_one_is_not_refunded() {
    let limit = mapping::Money::from_minor(10_000, mapping::Currency::USD);
    let (app, worker, notices) = app(|c| c.refund_fraud_warnings_below(limit)).await;

    // 155.00 is over 100.00: held in Magento, nothing refunded.
    let order = paid(&app, &worker, "pm_card_createIssuerFraudRecord").await;
    let json = app.order_json(order);
    assert_eq!(json["state"], "holded", "{json}");
    assert!(
        comments(&json).iter().any(|c| c
            .contains("the order is on hold (155.00 USD is not under the threshold 100.00 USD)")),
        "{json}"
    );
    assert!(app.stripe.fake.ids("refund").is_empty());

    // A shipped order: not refunded, the proof of delivery asked for.
    let shipped = paid(&app, &worker, "pm_card_visa").await;
    let parcel = flows::workflows::magento_stripe::Shipped {
        order_id: shipped,
        carrier: "ups".into(),
        tracking_number: "1Z999".into(),
    };
    app.store
        .enqueue(app.flows.shipped_job(&parcel).unwrap(), 0)
        .await
        .unwrap();
    settle(&app, &worker).await;
    assert_eq!(app.order_json(shipped)["state"], "complete");
    let charge = charge_of(&app, shipped);
    app.stripe.fake.create_warning(&charge).unwrap();
    settle(&app, &worker).await;
    assert!(app.stripe.fake.ids("refund").is_empty());
    let json = app.order_json(shipped);
    assert!(
        comments(&json)
            .iter()
            .any(|c| c.contains("not refunded (the order has shipped)")),
        "{json}"
    );
    assert_eq!(of_kind(&notices, NoticeKind::EarlyFraudWarning).len(), 2);
}

#[tokio::test]
async fn answers_lost_at_each_step_of_a_dispute_repeat_nothing() {
    let (app, worker, notices) = app(|c| c.submit_evidence(true)).await;
    // The second comment of the order (the first is the payment's) and the evidence's submission
    // are made, and their answers lost.
    let comment = app.faults.add(
        FaultRule::new("magento", Fault::Drop, Trigger::Count(1))
            .after(1)
            .method("POST")
            .path("/rest/default/V1/orders/"),
    );
    let evidence = app.faults.add(
        FaultRule::new("stripe", Fault::Drop, Trigger::Count(1))
            .method("POST")
            .path("/v1/disputes/"),
    );
    let order = app.order("pm_card_createDispute");
    app.store
        .enqueue(
            job(
                &app.flows.order_payment(),
                &flows::workflows::magento_stripe::MagentoOrder { entity_id: order },
            )
            .unwrap(),
            0,
        )
        .await
        .unwrap();
    // Retries wait their backoff (a fraction of a second here): run until none is left.
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let round = drain(&worker).await;
        app.deliver_events().await;
        let retrying = round.iter().any(|o| matches!(o, Outcome::Retrying { .. }));
        outcomes.extend(round);
        if retrying {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
    assert_eq!(
        (app.faults.fired(comment), app.faults.fired(evidence)),
        (1, 1)
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Retrying { .. })),
        "{outcomes:?}"
    );
    assert!(
        !outcomes
            .iter()
            .any(|o| matches!(o, Outcome::DeadLettered { .. })),
        "{outcomes:?}"
    );

    let dispute = disputes_of(&app, &charge_of(&app, order)).await.remove(0);
    let json = app.order_json(order);
    assert_eq!(
        comments(&json)
            .iter()
            .filter(|c| c.contains(&dispute.id))
            .count(),
        1,
        "{json}"
    );
    let read = app
        .flows_stripe()
        .disputes()
        .retrieve(&dispute.id)
        .await
        .unwrap();
    assert_eq!(read.evidence_details.unwrap().submission_count, 1);
    assert_eq!(books(&app).await.0, 15500);
    assert_eq!(of_kind(&notices, NoticeKind::DisputeOpened).len(), 1);
}

/// What each flow recorded about an order, read as `history` reads it.
async fn fact(app: &Sandboxed, key: &str) -> flows::workflows::screening::OutcomeFact {
    let effect = app.store.effect(key).await.unwrap();
    serde_json::from_value(effect.unwrap_or_else(|| panic!("no {key}")).detail).unwrap()
}

/// The Stripe object's `created`.
fn created(app: &Sandboxed, id: &str) -> time::OffsetDateTime {
    let seconds = app.stripe.fake.object(id).unwrap()["created"]
        .as_i64()
        .unwrap();
    time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

/// The training labels: a charge settles its order, a fraudulent dispute is a fraud
/// dispute, another reason another dispute, an early fraud warning on a shipped order is one
/// (each at the time Stripe gives), recorded once however often the events come; orders never
/// screened are left out of the training history.
#[tokio::test]
async fn charges_disputes_and_fraud_warnings_record_what_became_of_the_order() {
    use flows::workflows::screening::{Learned, OutcomeFact, history};

    let (app, worker, _) = app(|c| c).await;
    let order_key =
        |id: i64| serde_json::from_value(Value::from(format!("magento/default/order/{id}")));
    let disputed = paid(&app, &worker, "pm_card_createDispute").await;
    let other = paid(&app, &worker, "pm_card_visa").await;
    let shipped = paid(&app, &worker, "pm_card_visa").await;
    let other_charge = charge_of(&app, other);
    app.stripe
        .fake
        .create_dispute(&other_charge, "product_not_received")
        .unwrap();
    let parcel = flows::workflows::magento_stripe::Shipped {
        order_id: shipped,
        carrier: "ups".into(),
        tracking_number: "1Z999".into(),
    };
    app.store
        .enqueue(app.flows.shipped_job(&parcel).unwrap(), 0)
        .await
        .unwrap();
    settle(&app, &worker).await;
    let shipped_charge = charge_of(&app, shipped);
    let warning = app.stripe.fake.create_warning(&shipped_charge).unwrap();
    settle(&app, &worker).await;

    let charge = charge_of(&app, disputed);
    assert_eq!(
        fact(
            &app,
            &format!("stripe/acct_123/charge/{charge}/fraud/outcome")
        )
        .await,
        OutcomeFact {
            order: order_key(disputed).unwrap(),
            learned: Learned::Settled,
            at: created(&app, &charge),
            reason: None,
        }
    );
    let fraudulent = disputes_of(&app, &charge).await.remove(0);
    let dispute_fact = OutcomeFact {
        order: order_key(disputed).unwrap(),
        learned: Learned::FraudDispute,
        at: created(&app, &fraudulent.id),
        reason: Some("fraudulent".into()),
    };
    let dispute_key = format!("stripe/acct_123/dispute/{}/fraud/outcome", fraudulent.id);
    assert_eq!(fact(&app, &dispute_key).await, dispute_fact);
    let not_received = disputes_of(&app, &other_charge).await.remove(0);
    assert_eq!(
        fact(
            &app,
            &format!("stripe/acct_123/dispute/{}/fraud/outcome", not_received.id)
        )
        .await,
        OutcomeFact {
            order: order_key(other).unwrap(),
            learned: Learned::OtherDispute,
            at: created(&app, &not_received.id),
            reason: Some("product_not_received".into()),
        }
    );
    let warning_fact = fact(
        &app,
        &format!("stripe/acct_123/fraud-warning/{warning}/fraud/outcome"),
    )
    .await;
    assert_eq!(warning_fact.order, order_key(shipped).unwrap());
    assert_eq!(warning_fact.learned, Learned::EarlyFraudWarning);
    assert_eq!(warning_fact.at, created(&app, &warning));

    // The dispute's events again: its fact stays the first.
    let first = app.store.effect(&dispute_key).await.unwrap().unwrap();
    app.store
        .enqueue(
            flows::NewJob {
                rerun: true,
                ..job(
                    &app.flows.dispute(),
                    &flows::workflows::magento_stripe::DisputeEvent {
                        event: flows::workflow::EventRef {
                            provider: mapping::System::Stripe,
                            event_id: "evt_replayed".into(),
                        },
                        dispute_id: fraudulent.id.clone(),
                    },
                )
                .unwrap()
            },
            0,
        )
        .await
        .unwrap();
    settle(&app, &worker).await;
    let again = app.store.effect(&dispute_key).await.unwrap().unwrap();
    assert_eq!((again.id, again.created_at), (first.id, first.created_at));
    assert_eq!(fact(&app, &dispute_key).await, dispute_fact);

    // No Magento order was screened: every fact is left out of the training history.
    let history = history(&*app.store).await.unwrap();
    assert!(history.orders.is_empty());
    assert_eq!(history.unscreened, 3);
}

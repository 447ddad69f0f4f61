//! The Stripe fake, driven by the real `stripe-client` crate over loopback.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use futures::TryStreamExt;
use sandbox::stripe::{
    DISPUTE_FEE, StripeFake, lock_timeout_fault, processing_fee, rate_limited_fault,
};
use sandbox::{Fault, FaultRule, Faults, Running, Trigger};
use secrecy::SecretString;
use serde_json::Value;
use stripe_client::webhook::Webhook;
use stripe_client::{
    Address, BalanceTransactionType, CancelPaymentIntent, CancelPaymentIntentReason,
    CancellationReason, CaptureMethod, CapturePaymentIntent, ChargeStatus, Client,
    ConfirmPaymentIntent, CreateCustomer, CreatePaymentIntent, CreateRefund, DisputeReason,
    DisputeStatus, Error, ErrorType, EventObject, EventType, Expandable, FraudType,
    InvoiceSettingsParams, ListBalanceTransactions, ListCharges, ListCustomers, ListDisputes,
    ListEarlyFraudWarnings, ListEvents, ListPaymentIntents, ListPaymentMethods, ListPayouts,
    ListRefunds, PageParams, PaymentIntent, PaymentIntentStatus, PaymentOutcome, PayoutStatus,
    RangeQuery, RefundStatus, RetryConfig, RiskLevel, SearchCustomers, UpdateCustomer,
    UpdateDispute, UpdateDisputeEvidence, UpdatePaymentIntent,
};

struct Env {
    running: Running<StripeFake>,
    faults: Faults,
    client: Client,
}

fn client_for(running: &Running<StripeFake>, retry: RetryConfig, timeout: Duration) -> Client {
    Client::builder(SecretString::from(running.fake.secret_key().to_owned()))
        .base_url(running.base_url().as_str())
        .retry(retry)
        .timeout(timeout)
        .build()
        .unwrap()
}

fn fast_retries(n: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_retries(n)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

impl Env {
    async fn start() -> Self {
        Self::with(StripeFake::new()).await
    }

    async fn with(fake: StripeFake) -> Self {
        let faults = Faults::default();
        let running = Running::start(fake, &faults).await.unwrap();
        let client = client_for(&running, RetryConfig::disabled(), Duration::from_secs(5));
        Env {
            running,
            faults,
            client,
        }
    }

    fn fake(&self) -> &StripeFake {
        &self.running.fake
    }

    async fn pay(&self, amount: i64, pm: &str) -> PaymentOutcome<PaymentIntent> {
        let mut params = CreatePaymentIntent::new(amount, "usd");
        params.payment_method = Some(pm.to_owned());
        params.confirm = Some(true);
        self.client.payment_intents().create(&params).await.unwrap()
    }

    async fn paid(&self, amount: i64, pm: &str) -> PaymentIntent {
        match self.pay(amount, pm).await {
            PaymentOutcome::Completed(pi) => pi,
            PaymentOutcome::Declined(e) => panic!("declined: {e}"),
        }
    }

    fn events_of(&self, kind: &str) -> Vec<Value> {
        self.fake()
            .events()
            .into_iter()
            .filter(|e| e["type"] == kind)
            .collect()
    }
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> Box<stripe_client::ApiError> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn charge_id(pi: &PaymentIntent) -> String {
    pi.latest_charge.as_ref().unwrap().id().to_owned()
}

#[tokio::test]
async fn a_confirmed_visa_payment_succeeds_with_a_charge_a_fee_and_events() {
    let env = Env::start().await;
    let mut params = CreatePaymentIntent::new(1099, "usd");
    params.payment_method = Some("pm_card_visa".into());
    params.confirm = Some(true);
    params.description = Some("Order 1001".into());
    params.metadata.insert("order_id".into(), "1001".into());
    let outcome = env
        .client
        .payment_intents()
        .expand(["latest_charge"])
        .create(&params)
        .await
        .unwrap();
    let PaymentOutcome::Completed(pi) = outcome else {
        panic!("declined")
    };
    assert!(pi.id.starts_with("pi_"));
    assert_eq!(pi.status, PaymentIntentStatus::Succeeded);
    assert_eq!(
        (pi.amount, pi.amount_received, pi.currency.as_str()),
        (1099, 1099, "usd")
    );
    assert_eq!(
        pi.metadata.get("order_id").map(String::as_str),
        Some("1001")
    );
    assert!(
        pi.client_secret
            .as_ref()
            .unwrap()
            .expose_secret()
            .starts_with(&format!("{}_secret_", pi.id))
    );
    // The test token became a real PaymentMethod, as in Stripe.
    let pm = pi.payment_method.as_ref().unwrap().id().to_owned();
    assert!(pm.starts_with("pm_") && pm != "pm_card_visa");
    let Some(Expandable::Object(charge)) = &pi.latest_charge else {
        panic!("latest_charge not expanded")
    };
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    assert!(charge.paid && charge.captured);
    assert_eq!(charge.amount_captured, 1099);
    assert_eq!(
        charge.metadata.get("order_id").map(String::as_str),
        Some("1001")
    );
    let card = charge
        .payment_method_details
        .as_ref()
        .unwrap()
        .card
        .as_ref()
        .unwrap();
    assert_eq!(
        (card.brand.as_deref(), card.last4.as_deref()),
        (Some("visa"), Some("4242"))
    );
    assert_eq!(
        charge.outcome.as_ref().unwrap().risk_level,
        Some(RiskLevel::Normal)
    );

    // The charge's balance transaction carries the fake's documented fee.
    let charge = env
        .client
        .charges()
        .expand(["balance_transaction"])
        .retrieve(&charge.id)
        .await
        .unwrap();
    let txn = charge
        .balance_transaction
        .as_ref()
        .unwrap()
        .as_object()
        .unwrap();
    assert_eq!(processing_fee(1099), 62);
    assert_eq!((txn.amount, txn.fee, txn.net), (1099, 62, 1037));
    assert_eq!(txn.transaction_type, BalanceTransactionType::Charge);
    assert_eq!(txn.fee_details[0].fee_type, "stripe_fee");
    assert!(matches!(txn.source.as_ref().unwrap(), Expandable::Id(id) if *id == charge.id));

    let again = env.client.payment_intents().retrieve(&pi.id).await.unwrap();
    assert_eq!(again.status, PaymentIntentStatus::Succeeded);
    let by_pi = env
        .client
        .charges()
        .list(&ListCharges {
            payment_intent: Some(pi.id.clone()),
            ..ListCharges::default()
        })
        .await
        .unwrap();
    assert_eq!(by_pi.data.len(), 1);
    assert_eq!(by_pi.url, "/v1/charges");

    let types: Vec<String> = env
        .fake()
        .events()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded"
        ]
    );
    let succeeded = env
        .client
        .events()
        .list(&ListEvents {
            event_type: Some("charge.succeeded".into()),
            ..ListEvents::default()
        })
        .await
        .unwrap();
    assert_eq!(succeeded.data.len(), 1);
    let EventObject::Charge(c) = &succeeded.data[0].data.object else {
        panic!("not a charge")
    };
    assert_eq!(c.id, charge.id);
}

#[tokio::test]
async fn test_cards_decline_with_stripes_codes_as_data() {
    let env = Env::start().await;
    let insufficient = env
        .fake()
        .payment_method_for_card("4000000000009995")
        .unwrap();
    let cases = [
        (
            "pm_card_visa_chargeDeclined".to_owned(),
            "card_declined",
            "generic_decline",
        ),
        (insufficient, "card_declined", "insufficient_funds"),
        (
            "pm_card_radarBlock".to_owned(),
            "card_declined",
            "fraudulent",
        ),
    ];
    for (pm, code, decline_code) in cases {
        let PaymentOutcome::Declined(e) = env.pay(5000, &pm).await else {
            panic!("{pm} was not declined")
        };
        assert_eq!(e.status, 402);
        assert_eq!(e.error.error_type, Some(ErrorType::CardError));
        assert_eq!(e.error.code.as_deref(), Some(code));
        assert_eq!(e.error.decline_code.as_deref(), Some(decline_code));
        assert!(e.request_id.as_deref().unwrap().starts_with("req_"));
        let pi = e.error.payment_intent.as_ref().unwrap();
        assert_eq!(pi.status, PaymentIntentStatus::RequiresPaymentMethod);
        assert_eq!(
            pi.last_payment_error
                .as_ref()
                .unwrap()
                .decline_code
                .as_deref(),
            Some(decline_code)
        );
        let charge = env
            .client
            .charges()
            .retrieve(e.error.charge.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(charge.status, ChargeStatus::Failed);
        assert!(!charge.paid);
        assert_eq!(charge.failure_code.as_deref(), Some(code));
        let outcome = charge.outcome.unwrap();
        if decline_code == "fraudulent" {
            assert_eq!(outcome.risk_level, Some(RiskLevel::Highest));
            assert_eq!(outcome.outcome_type.as_deref(), Some("blocked"));
        } else {
            assert_eq!(outcome.outcome_type.as_deref(), Some("issuer_declined"));
        }
        // The customer retries with a good card: the same PaymentIntent succeeds.
        let retried = env
            .client
            .payment_intents()
            .confirm(
                &pi.id,
                &ConfirmPaymentIntent {
                    payment_method: Some("pm_card_mastercard".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .completed()
            .unwrap();
        assert_eq!(retried.status, PaymentIntentStatus::Succeeded);
        assert!(retried.last_payment_error.is_none());
    }
    assert_eq!(env.events_of("charge.failed").len(), 3);
    assert_eq!(env.events_of("payment_intent.payment_failed").len(), 3);
    // No money moved for the declines: only the three retried payments have balance transactions.
    assert_eq!(env.fake().ids("balance_transaction").len(), 3);
    assert!(
        env.fake()
            .payment_method_for_card("4242424242424241")
            .is_none()
    );
}

#[tokio::test]
async fn manual_capture_partial_capture_update_confirm_and_cancel() {
    let env = Env::start().await;
    let pis = env.client.payment_intents();
    let mut params = CreatePaymentIntent::new(5000, "usd");
    params.capture_method = Some(CaptureMethod::Manual);
    params.payment_method = Some("pm_card_visa".into());
    params.confirm = Some(true);
    let pi = pis.create(&params).await.unwrap().completed().unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::RequiresCapture);
    assert_eq!((pi.amount_capturable, pi.amount_received), (5000, 0));
    let charge = charge_id(&pi);
    // Authorized, not captured: nothing in the balance yet.
    assert_eq!(env.fake().unpaid_balance("usd"), 0);

    let captured = pis
        .capture(
            &pi.id,
            &CapturePaymentIntent {
                amount_to_capture: Some(3000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentIntentStatus::Succeeded);
    assert_eq!(
        (captured.amount_capturable, captured.amount_received),
        (0, 3000)
    );
    let ch = env.client.charges().retrieve(&charge).await.unwrap();
    assert_eq!(
        (ch.amount_captured, ch.amount_refunded, ch.captured),
        (3000, 2000, true)
    );
    assert_eq!(
        env.fake().unpaid_balance("usd"),
        3000 - processing_fee(3000)
    );
    let e = api_error(pis.capture(&pi.id, &CapturePaymentIntent::default()).await);
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (400, Some("payment_intent_unexpected_state"))
    );

    // Created without a payment method, updated, then confirmed.
    let mut params = CreatePaymentIntent::new(1500, "usd");
    params.metadata.insert("order_id".into(), "7".into());
    let pi = pis.create(&params).await.unwrap().completed().unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::RequiresPaymentMethod);
    let mut update = UpdatePaymentIntent {
        amount: Some(1700),
        payment_method: Some("pm_card_visa".into()),
        ..Default::default()
    };
    update.metadata.insert("order_id".into(), String::new());
    update.metadata.insert("cart".into(), "c-1".into());
    let pi = pis.update(&pi.id, &update).await.unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::RequiresConfirmation);
    assert_eq!(pi.amount, 1700);
    assert_eq!(pi.metadata.len(), 1);
    assert_eq!(pi.metadata.get("cart").map(String::as_str), Some("c-1"));
    let pi = pis
        .confirm(&pi.id, &ConfirmPaymentIntent::default())
        .await
        .unwrap()
        .completed()
        .unwrap();
    assert_eq!(
        (pi.status.clone(), pi.amount_received),
        (PaymentIntentStatus::Succeeded, 1700)
    );
    let e = api_error(
        pis.update(
            &pi.id,
            &UpdatePaymentIntent {
                amount: Some(1),
                ..Default::default()
            },
        )
        .await,
    );
    assert_eq!(
        e.error.code.as_deref(),
        Some("payment_intent_unexpected_state")
    );
    let e = api_error(pis.cancel(&pi.id, &CancelPaymentIntent::default()).await);
    assert_eq!(
        e.error.code.as_deref(),
        Some("payment_intent_unexpected_state")
    );

    // An authorization that is canceled releases the hold.
    let mut params = CreatePaymentIntent::new(2500, "usd");
    params.capture_method = Some(CaptureMethod::Manual);
    params.payment_method = Some("pm_card_visa".into());
    params.confirm = Some(true);
    let pi = pis.create(&params).await.unwrap().completed().unwrap();
    let canceled = pis
        .cancel(
            &pi.id,
            &CancelPaymentIntent {
                cancellation_reason: Some(CancelPaymentIntentReason::RequestedByCustomer),
            },
        )
        .await
        .unwrap();
    assert_eq!(canceled.status, PaymentIntentStatus::Canceled);
    assert_eq!(
        canceled.cancellation_reason,
        Some(CancellationReason::RequestedByCustomer)
    );
    assert!(canceled.canceled_at.is_some());
    assert!(
        env.client
            .charges()
            .retrieve(&charge_id(&pi))
            .await
            .unwrap()
            .refunded
    );
    assert_eq!(env.events_of("payment_intent.canceled").len(), 1);
    assert_eq!(
        env.events_of("payment_intent.amount_capturable_updated")
            .len(),
        2
    );

    // Confirming without any payment method is refused before anything is created.
    let before = env.fake().ids("payment_intent").len();
    let mut params = CreatePaymentIntent::new(1000, "usd");
    params.confirm = Some(true);
    let e = api_error(pis.create(&params).await);
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (400, Some("payment_intent_unexpected_state"))
    );
    assert_eq!(env.fake().ids("payment_intent").len(), before);
    let e = api_error(pis.create(&CreatePaymentIntent::new(10, "usd")).await);
    assert_eq!(
        (e.error.code.as_deref(), e.error.param.as_deref()),
        (Some("amount_too_small"), Some("amount"))
    );
    let e = api_error(pis.retrieve("pi_missing").await);
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (404, Some("resource_missing"))
    );

    let all: Vec<PaymentIntent> = pis
        .list_all(&ListPaymentIntents {
            page: PageParams {
                limit: Some(2),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
    let mut expected = env.fake().ids("payment_intent");
    expected.reverse();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn refunds_change_the_charge_the_balance_and_raise_charge_refunded() {
    let env = Env::start().await;
    let pi = env.paid(2000, "pm_card_visa").await;
    let refunds = env.client.refunds();
    let first = refunds
        .clone()
        .idempotency_key("magento/creditmemo/1/refund")
        .create(&CreateRefund {
            payment_intent: Some(pi.id.clone()),
            amount: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (first.amount, first.status.clone()),
        (500, Some(RefundStatus::Succeeded))
    );
    assert_eq!(first.charge.as_ref().unwrap().id(), charge_id(&pi));
    let e = api_error(
        refunds
            .create(&CreateRefund {
                payment_intent: Some(pi.id.clone()),
                amount: Some(1600),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (400, Some("amount_too_large"))
    );
    let rest = refunds
        .create(&CreateRefund {
            charge: Some(charge_id(&pi)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.amount, 1500);
    let e = api_error(
        refunds
            .create(&CreateRefund {
                charge: Some(charge_id(&pi)),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(e.error.code.as_deref(), Some("charge_already_refunded"));
    let e = api_error(refunds.create(&CreateRefund::default()).await);
    assert_eq!(e.error.code.as_deref(), Some("parameter_missing"));

    let charge = env
        .client
        .charges()
        .retrieve(&charge_id(&pi))
        .await
        .unwrap();
    assert!(charge.refunded);
    assert_eq!(charge.amount_refunded, 2000);
    let listed = refunds
        .list(&ListRefunds {
            payment_intent: Some(pi.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.data.iter().map(|r| r.amount).collect::<Vec<_>>(),
        [1500, 500]
    );
    assert_eq!(refunds.retrieve(&first.id).await.unwrap().amount, 500);
    let refund_txns = env
        .client
        .balance_transactions()
        .list(&ListBalanceTransactions {
            transaction_type: Some(BalanceTransactionType::Refund),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        refund_txns
            .data
            .iter()
            .map(|t| (t.amount, t.fee))
            .collect::<Vec<_>>(),
        [(-1500, 0), (-500, 0)]
    );
    assert_eq!(env.fake().unpaid_balance("usd"), -processing_fee(2000));

    let events = env
        .client
        .events()
        .list(&ListEvents {
            event_type: Some("charge.refunded".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.data.len(), 2);
    let last = &events.data[0];
    let EventObject::Charge(c) = &last.data.object else {
        panic!()
    };
    assert!(c.refunded);
    assert_eq!(
        last.data.previous_attributes.as_ref().unwrap()["amount_refunded"],
        500
    );
    // The event remembers the request that caused it.
    let first_event = &events.data[1];
    assert_eq!(
        first_event
            .request
            .as_ref()
            .unwrap()
            .idempotency_key
            .as_deref(),
        Some("magento/creditmemo/1/refund")
    );
}

#[tokio::test]
async fn customers_and_payment_methods_sync() {
    let env = Env::start().await;
    let customers = env.client.customers();
    let mut create = CreateCustomer {
        email: Some("jenny@example.com".into()),
        name: Some("Jenny Rosen".into()),
        address: Some(Address {
            city: Some("Paris".into()),
            country: Some("FR".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    create.metadata.insert("erp_id".into(), "C-42".into());
    let jenny = customers.create(&create).await.unwrap();
    assert!(jenny.id.starts_with("cus_"));
    assert_eq!(
        jenny.address.as_ref().unwrap().city.as_deref(),
        Some("Paris")
    );
    let other = customers
        .create(&CreateCustomer {
            email: Some("bob@example.com".into()),
            name: Some("Bob".into()),
            ..Default::default()
        })
        .await
        .unwrap();

    let mut update = UpdateCustomer {
        name: Some("Jenny R.".into()),
        phone: Some("+33123".into()),
        ..Default::default()
    };
    update.metadata.insert("tier".into(), "gold".into());
    let updated = customers.update(&jenny.id, &update).await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("Jenny R."));
    assert_eq!(updated.metadata.len(), 2);
    let event = env.events_of("customer.updated").pop().unwrap();
    assert_eq!(event["data"]["previous_attributes"]["name"], "Jenny Rosen");
    assert_eq!(event["data"]["object"]["name"], "Jenny R.");
    assert_eq!(env.events_of("customer.created").len(), 2);

    let by_email = customers
        .list(&ListCustomers {
            email: Some("jenny@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_email
            .data
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [jenny.id.as_str()]
    );
    let found = customers
        .search(&SearchCustomers::new("metadata['erp_id']:'C-42'"))
        .await
        .unwrap();
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.data[0].id, jenny.id);
    let page = customers
        .search(&SearchCustomers {
            query: "email~'example.com'".into(),
            limit: Some(1),
            page: None,
        })
        .await
        .unwrap();
    assert!(page.has_more && page.next_page.is_some());
    let all: Vec<_> = customers
        .search_all(&SearchCustomers {
            query: "email~'example.com'".into(),
            limit: Some(1),
            page: None,
        })
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let e = api_error(customers.search(&SearchCustomers::new("email jenny")).await);
    assert_eq!((e.status, e.error.param.as_deref()), (400, Some("query")));

    // Attach a card (a new PaymentMethod is made from the test token) and make it the default.
    let pm = env
        .client
        .payment_methods()
        .attach("pm_card_visa", &jenny.id)
        .await
        .unwrap();
    assert!(pm.id.starts_with("pm_") && pm.id != "pm_card_visa");
    assert_eq!(pm.customer.as_ref().unwrap().id(), jenny.id);
    let listed = env
        .client
        .payment_methods()
        .list(&ListPaymentMethods {
            customer: Some(jenny.id.clone()),
            method_type: Some("card".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 1);
    let with_default = customers
        .update(
            &jenny.id,
            &UpdateCustomer {
                invoice_settings: Some(InvoiceSettingsParams {
                    default_payment_method: Some(pm.id.clone()),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        with_default
            .invoice_settings
            .unwrap()
            .default_payment_method
            .unwrap()
            .id(),
        pm.id
    );
    let e = api_error(env.client.payment_methods().attach(&pm.id, &other.id).await);
    assert_eq!(e.status, 400);
    let e = api_error(
        env.client
            .payment_methods()
            .attach("pm_card_visa_chargeDeclined", &jenny.id)
            .await,
    );
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (402, Some("card_declined"))
    );

    // A merchant-initiated payment with the saved card.
    let mut params = CreatePaymentIntent::new(3000, "usd");
    params.customer = Some(jenny.id.clone());
    params.payment_method = Some(pm.id.clone());
    params.off_session = Some(true);
    params.confirm = Some(true);
    let pi = env
        .client
        .payment_intents()
        .create(&params)
        .await
        .unwrap()
        .completed()
        .unwrap();
    let charges = env
        .client
        .charges()
        .list(&ListCharges {
            customer: Some(jenny.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(charges.data.len(), 1);
    assert_eq!(charges.data[0].payment_intent.as_ref().unwrap().id(), pi.id);
    let by_customer = env
        .client
        .payment_intents()
        .expand(["data.customer"])
        .list(&ListPaymentIntents {
            customer: Some(jenny.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_customer.data[0]
            .customer
            .as_ref()
            .unwrap()
            .as_object()
            .unwrap()
            .email
            .as_deref(),
        Some("jenny@example.com")
    );

    let deleted = customers.delete(&other.id).await.unwrap();
    assert!(deleted.deleted);
    assert_eq!(deleted.object, "customer");
    assert!(customers.retrieve(&other.id).await.unwrap().deleted);
    assert_eq!(
        customers
            .list(&ListCustomers::default())
            .await
            .unwrap()
            .data
            .len(),
        1
    );
    let e = api_error(
        customers
            .update(&other.id, &UpdateCustomer::default())
            .await,
    );
    assert_eq!(
        (e.status, e.error.code.as_deref()),
        (404, Some("resource_missing"))
    );
    assert_eq!(env.events_of("customer.deleted").len(), 1);
}

#[tokio::test]
async fn a_payout_groups_the_balance_transactions_for_reconciliation() {
    let env = Env::start().await;
    assert_eq!(env.fake().pay_out("usd"), None);
    let _a = env.paid(1000, "pm_card_visa").await;
    let b = env.paid(2500, "pm_card_mastercard").await;
    let _c = env.paid(4000, "pm_card_visa").await;
    env.client
        .refunds()
        .create(&CreateRefund {
            payment_intent: Some(b.id.clone()),
            amount: Some(700),
            ..Default::default()
        })
        .await
        .unwrap();
    let fees = processing_fee(1000) + processing_fee(2500) + processing_fee(4000);
    assert_eq!(fees, 59 + 103 + 146);
    let expected_net = 7500 - fees - 700;
    assert_eq!(env.fake().unpaid_balance("usd"), expected_net);

    let payout_id = env.fake().pay_out("usd").unwrap();
    assert_eq!(env.fake().unpaid_balance("usd"), 0);
    assert_eq!(env.fake().pay_out("usd"), None);
    let payouts = env
        .client
        .payouts()
        .list(&ListPayouts {
            status: Some(PayoutStatus::Paid),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(payouts.data.len(), 1);
    let payout = env.client.payouts().retrieve(&payout_id).await.unwrap();
    assert_eq!(
        (payout.amount, payout.status.clone()),
        (expected_net, PayoutStatus::Paid)
    );

    // What a reconciliation job does on payout.paid: list the payout's transactions.
    let lines: Vec<_> = env
        .client
        .balance_transactions()
        .list_all(&ListBalanceTransactions {
            page: PageParams {
                limit: Some(2),
                ..Default::default()
            },
            ..ListBalanceTransactions::for_payout(&payout_id)
        })
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lines.len(), 5);
    let sum = |kind: BalanceTransactionType| -> (i64, i64) {
        lines
            .iter()
            .filter(|t| t.transaction_type == kind)
            .fold((0, 0), |(a, f), t| (a + t.amount, f + t.fee))
    };
    assert_eq!(sum(BalanceTransactionType::Charge), (7500, fees));
    assert_eq!(sum(BalanceTransactionType::Refund), (-700, 0));
    assert_eq!(sum(BalanceTransactionType::Payout), (-expected_net, 0));
    assert_eq!(lines.iter().map(|t| t.net).sum::<i64>(), 0);
    let payout_txn = env
        .client
        .balance_transactions()
        .retrieve(payout.balance_transaction.as_ref().unwrap().id())
        .await
        .unwrap();
    assert_eq!(payout_txn.amount, -expected_net);

    let paid = env.events_of("payout.paid");
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["data"]["object"]["id"], payout_id.as_str());
    let e = api_error(
        env.client
            .balance_transactions()
            .list(&ListBalanceTransactions::for_payout("po_missing"))
            .await,
    );
    assert_eq!(e.error.code.as_deref(), Some("resource_missing"));
}

#[tokio::test]
async fn fraud_warning_and_dispute_cards_raise_their_objects_and_events() {
    let env = Env::start().await;
    let pi = env.paid(4200, "pm_card_createIssuerFraudRecord").await;
    let warnings = env
        .client
        .early_fraud_warnings()
        .list(&ListEarlyFraudWarnings {
            charge: Some(charge_id(&pi)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(warnings.data.len(), 1);
    let w = env
        .client
        .early_fraud_warnings()
        .retrieve(&warnings.data[0].id)
        .await
        .unwrap();
    assert!(w.actionable);
    assert_eq!(w.fraud_type, FraudType::MadeWithStolenCard);
    assert_eq!(w.payment_intent.as_ref().unwrap().id(), pi.id);
    let created = env
        .client
        .events()
        .list(&ListEvents {
            event_type: Some("radar.early_fraud_warning.created".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        matches!(&created.data[0].data.object, EventObject::EarlyFraudWarning(x) if x.id == w.id)
    );

    let dispute_card = env
        .fake()
        .payment_method_for_card("4000000000000259")
        .unwrap();
    let pi = env.paid(3000, &dispute_card).await;
    let disputes = env
        .client
        .disputes()
        .list(&ListDisputes {
            payment_intent: Some(pi.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(disputes.data.len(), 1);
    let d = &disputes.data[0];
    assert_eq!(
        (d.status.clone(), d.reason.clone(), d.amount),
        (
            DisputeStatus::NeedsResponse,
            DisputeReason::Fraudulent,
            3000
        )
    );
    assert_eq!(d.balance_transactions.len(), 1);
    assert_eq!(
        (
            d.balance_transactions[0].amount,
            d.balance_transactions[0].fee
        ),
        (-3000, DISPUTE_FEE)
    );
    assert!(
        env.client
            .charges()
            .retrieve(&charge_id(&pi))
            .await
            .unwrap()
            .disputed
    );
    let e = api_error(
        env.client
            .refunds()
            .create(&CreateRefund {
                payment_intent: Some(pi.id.clone()),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(e.error.code.as_deref(), Some("charge_disputed"));
    assert_eq!(env.events_of("charge.dispute.created").len(), 1);
    assert_eq!(env.events_of("charge.dispute.funds_withdrawn").len(), 1);

    let staged = env
        .client
        .disputes()
        .update(
            &d.id,
            &UpdateDispute {
                evidence: Some(UpdateDisputeEvidence {
                    shipping_tracking_number: Some("1Z999".into()),
                    shipping_carrier: Some("UPS".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(staged.status, DisputeStatus::NeedsResponse);
    assert_eq!(staged.evidence.shipping_carrier.as_deref(), Some("UPS"));
    assert!(staged.evidence_details.as_ref().unwrap().has_evidence);
    let won = env
        .client
        .disputes()
        .update(
            &d.id,
            &UpdateDispute {
                evidence: Some(UpdateDisputeEvidence {
                    uncategorized_text: Some("winning_evidence".into()),
                    ..Default::default()
                }),
                submit: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(won.status, DisputeStatus::Won);
    assert_eq!(won.evidence_details.as_ref().unwrap().submission_count, 1);
    assert_eq!(env.events_of("charge.dispute.funds_reinstated").len(), 1);
    assert_eq!(
        won.balance_transactions
            .iter()
            .map(|t| t.amount)
            .sum::<i64>(),
        0
    );
    let e = api_error(env.client.disputes().close(&d.id).await);
    assert_eq!(e.status, 400);

    let pi = env.paid(1000, "pm_card_createDispute").await;
    let d = env
        .client
        .disputes()
        .list(&ListDisputes {
            charge: Some(charge_id(&pi)),
            ..Default::default()
        })
        .await
        .unwrap();
    let lost = env.client.disputes().close(&d.data[0].id).await.unwrap();
    assert_eq!(lost.status, DisputeStatus::Lost);
    assert_eq!(
        env.client
            .disputes()
            .retrieve(&lost.id)
            .await
            .unwrap()
            .status,
        DisputeStatus::Lost
    );
    assert_eq!(env.events_of("charge.dispute.closed").len(), 2);
    // A dispute can also be raised on any captured charge by the test harness.
    let pi = env.paid(1000, "pm_card_visa").await;
    assert!(
        env.fake()
            .create_dispute(&charge_id(&pi), "product_not_received")
            .is_some()
    );
    assert!(
        env.fake()
            .create_dispute(&charge_id(&pi), "product_not_received")
            .is_none()
    );
}

#[tokio::test]
async fn events_list_by_type_wildcard_time_and_page() {
    let env = Env::start().await;
    env.paid(1000, "pm_card_visa").await;
    let first = env
        .client
        .events()
        .list(&ListEvents::default())
        .await
        .unwrap();
    let checkpoint = first.data.last().unwrap().created;
    env.fake().advance_clock(Duration::from_secs(120));
    env.paid(2000, "pm_card_visa").await;
    env.client
        .customers()
        .create(&CreateCustomer::default())
        .await
        .unwrap();

    let all = env.fake().ids("event");
    assert_eq!(all.len(), 7);
    let since: Vec<_> = env
        .client
        .events()
        .list_since(checkpoint, &[])
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(since.len(), 7);
    let later = checkpoint + Duration::from_secs(60);
    let recent: Vec<_> = env
        .client
        .events()
        .list_since(later, &[])
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(recent.len(), 4);
    let succeeded: Vec<_> = env
        .client
        .events()
        .list_since(checkpoint, &["payment_intent.succeeded"])
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(succeeded.len(), 2);
    assert!(
        succeeded
            .iter()
            .all(|e| e.event_type == EventType::PaymentIntentSucceeded)
    );
    let wildcard = env
        .client
        .events()
        .list(&ListEvents {
            event_type: Some("payment_intent.*".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(wildcard.data.len(), 4);
    let before = env
        .client
        .events()
        .list(&ListEvents {
            created: Some(RangeQuery {
                lt: Some(later),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(before.data.len(), 3);

    // Paging: newest first, `starting_after` and `ending_before`.
    let page = env
        .client
        .events()
        .list(&ListEvents {
            page: PageParams {
                limit: Some(2),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page.has_more);
    assert_eq!(
        page.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [all[6].clone(), all[5].clone()]
    );
    let back = env
        .client
        .events()
        .list(&ListEvents {
            page: PageParams {
                limit: Some(2),
                ending_before: Some(all[3].clone()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        back.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [all[5].clone(), all[4].clone()]
    );
    assert!(back.has_more);
    let e = api_error(
        env.client
            .events()
            .list(&ListEvents {
                page: PageParams {
                    starting_after: Some("evt_nope".into()),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await,
    );
    assert_eq!(e.error.param.as_deref(), Some("starting_after"));
    let one = env.client.events().retrieve(&all[0]).await.unwrap();
    assert_eq!(one.event_type, EventType::PaymentIntentCreated);
    assert_eq!(
        one.api_version.as_deref(),
        Some(stripe_client::DEFAULT_API_VERSION)
    );
}

#[tokio::test]
async fn idempotency_keys_replay_the_saved_answer_and_refuse_other_parameters() {
    let env = Env::start().await;
    let mut params = CreatePaymentIntent::new(1099, "usd");
    params.payment_method = Some("pm_card_visa".into());
    params.confirm = Some(true);
    let pis = || {
        env.client
            .payment_intents()
            .idempotency_key("magento/order/1001/payment")
    };
    let one = pis().create(&params).await.unwrap().completed().unwrap();
    let two = pis().create(&params).await.unwrap().completed().unwrap();
    assert_eq!(one.id, two.id);
    assert_eq!(env.fake().ids("payment_intent").len(), 1);
    assert_eq!(env.fake().ids("charge").len(), 1);

    let mut other = params.clone();
    other.amount = 2000;
    let e = api_error(pis().create(&other).await);
    assert_eq!(
        (e.status, e.error.error_type.clone()),
        (400, Some(ErrorType::IdempotencyError))
    );
    let e = api_error(
        env.client
            .customers()
            .idempotency_key("magento/order/1001/payment")
            .create(&CreateCustomer::default())
            .await,
    );
    assert_eq!(e.error.error_type, Some(ErrorType::IdempotencyError));
    assert!(env.fake().ids("customer").is_empty());

    // A decline is saved and replayed too: one failed charge, the same answer.
    let mut declined = CreatePaymentIntent::new(500, "usd");
    declined.payment_method = Some("pm_card_visa_chargeDeclined".into());
    declined.confirm = Some(true);
    let key = || env.client.payment_intents().idempotency_key("order-2");
    let PaymentOutcome::Declined(a) = key().create(&declined).await.unwrap() else {
        panic!()
    };
    let PaymentOutcome::Declined(b) = key().create(&declined).await.unwrap() else {
        panic!()
    };
    assert_eq!(a.error.charge, b.error.charge);
    assert_eq!(env.fake().ids("charge").len(), 2);
}

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback: records signed bodies, fails the first `fail` deliveries.
async fn receiver(fail: u32) -> (url::Url, Received, tokio::task::JoinHandle<()>) {
    let received: Received = Arc::default();
    let left = Arc::new(Mutex::new(fail));
    let rec = received.clone();
    let app = Router::new().route(
        "/stripe/webhooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let rec = rec.clone();
            let left = left.clone();
            async move {
                {
                    let mut left = left.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                }
                let sig = headers
                    .get("stripe-signature")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                rec.lock().unwrap().push((sig, body.to_vec()));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (
        url::Url::parse(&format!("http://{addr}/stripe/webhooks")).unwrap(),
        received,
        task,
    )
}

#[tokio::test]
async fn webhooks_are_signed_retried_duplicated_and_reordered() {
    let fake = StripeFake::with_webhook_retry_delays(vec![Duration::from_millis(10); 3]);
    let env = Env::with(fake).await;
    let (url, received, _server) = receiver(2).await;
    env.fake().register_webhook_endpoint(url.clone());
    assert_eq!(env.fake().webhook_endpoints(), [url]);
    let secret = SecretString::from(env.fake().webhook_secret().to_owned());
    assert!(env.fake().webhook_secret().starts_with("whsec_"));

    let customer = env
        .client
        .customers()
        .create(&CreateCustomer {
            email: Some("a@b.c".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let attempts: Vec<_> = env
        .fake()
        .webhooks()
        .attempts()
        .into_iter()
        .map(|a| (a.number, a.status))
        .collect();
    assert_eq!(attempts, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
    let (sig, body) = received.lock().unwrap()[0].clone();
    let unchecked = Webhook::new(secret.clone())
        .tolerance(None)
        .construct_event(&body, &sig, customer.created.unwrap())
        .unwrap();
    // Verified again with the default 300 s tolerance, at the event's own time.
    let event = Webhook::new(secret.clone())
        .construct_event(&body, &sig, unchecked.created)
        .unwrap();
    assert_eq!(event.event_type, EventType::CustomerCreated);
    let EventObject::Customer(c) = &event.data.object else {
        panic!()
    };
    assert_eq!(c.id, customer.id);
    let wrong = Webhook::new(SecretString::from("whsec_wrong")).tolerance(None);
    assert!(matches!(
        wrong.construct_event(&body, &sig, event.created),
        Err(Error::Signature(_))
    ));
    let stored = env.client.events().retrieve(&event.id).await.unwrap();
    assert_eq!(stored.id, event.id);

    // Duplicates on demand: the same event id arrives twice.
    env.fake().webhooks().duplicate_next(1);
    env.client
        .customers()
        .update(
            &customer.id,
            &UpdateCustomer {
                name: Some("A".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let ids: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<Value>(b).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[1], ids[2]);

    // Reordering: the next event is held back until the one after it is sent.
    env.fake().webhooks().reorder_next(1);
    env.client
        .customers()
        .update(
            &customer.id,
            &UpdateCustomer {
                name: Some("B".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    assert_eq!(received.lock().unwrap().len(), 3);
    assert_eq!(env.fake().webhooks().pending(), 1);
    env.client
        .customers()
        .update(
            &customer.id,
            &UpdateCustomer {
                name: Some("C".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let names: Vec<String> = received.lock().unwrap()[3..]
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<Value>(b).unwrap()["data"]["object"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["B", "C"]);
    assert_eq!(env.fake().webhooks().pending(), 0);
}

#[tokio::test]
async fn authentication_and_api_versions() {
    let env = Env::start().await;
    let wrong = Client::builder(SecretString::from("sk_test_wrong"))
        .base_url(env.running.base_url().as_str())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    match wrong.customers().list(&ListCustomers::default()).await {
        Err(Error::Auth(e)) => {
            assert_eq!(e.status, 401);
            assert!(!e.error.message.unwrap().contains("sk_test_wrong"));
        }
        other => panic!("{other:?}"),
    }
    let versioned = |v: &str| {
        Client::builder(SecretString::from(env.fake().secret_key().to_owned()))
            .base_url(env.running.base_url().as_str())
            .api_version(v)
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    };
    assert!(
        versioned("2024-06-20.acacia")
            .customers()
            .list(&ListCustomers::default())
            .await
            .is_ok()
    );
    let e = api_error(
        versioned("yesterday")
            .customers()
            .list(&ListCustomers::default())
            .await,
    );
    assert_eq!(e.status, 400);
    assert!(e.error.message.unwrap().contains("API version"));
}

#[tokio::test]
async fn fault_rules_produce_exactly_the_configured_faults() {
    let env = Env::start().await;
    let retrying = client_for(&env.running, fast_retries(2), Duration::from_secs(5));

    // Stripe's rate limiter: 429, not retried by the client.
    let id = env.faults.add(
        FaultRule::new("stripe", rate_limited_fault(3), Trigger::Count(1)).path("/v1/customers"),
    );
    match retrying
        .customers()
        .create(&CreateCustomer::default())
        .await
    {
        Err(Error::RateLimited(e)) => {
            assert_eq!(e.status, 429);
            assert_eq!(e.error.code.as_deref(), Some("rate_limit"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.faults.fired(id), 1);
    assert!(env.fake().ids("customer").is_empty());
    retrying
        .customers()
        .create(&CreateCustomer::default())
        .await
        .unwrap();

    // A lock timeout and 5xx answers are retried with the same idempotency key.
    let lock = env
        .faults
        .add(FaultRule::new("stripe", lock_timeout_fault(), Trigger::Count(1)).method("POST"));
    let five = env.faults.add(
        FaultRule::new("stripe", Fault::status(503), Trigger::Count(1))
            .path("/v1/payment_intents")
            .method("POST"),
    );
    let mut params = CreatePaymentIntent::new(1000, "usd");
    params.payment_method = Some("pm_card_visa".into());
    params.confirm = Some(true);
    retrying
        .payment_intents()
        .create(&params)
        .await
        .unwrap()
        .completed()
        .unwrap();
    assert_eq!((env.faults.fired(lock), env.faults.fired(five)), (1, 1));
    assert_eq!(env.fake().ids("payment_intent").len(), 1);
    let five = env
        .faults
        .add(FaultRule::new("stripe", Fault::status(500), Trigger::Count(1)).path("/v1/charges"));
    let e = api_error(env.client.charges().list(&ListCharges::default()).await);
    assert_eq!(e.status, 500);
    assert_eq!(env.faults.fired(five), 1);

    // A dropped connection after the work was done: the retry replays the saved answer.
    let drop = env
        .faults
        .add(FaultRule::new("stripe", Fault::Drop, Trigger::Count(1)).path("/v1/payment_intents"));
    let pi = retrying
        .payment_intents()
        .create(&params)
        .await
        .unwrap()
        .completed()
        .unwrap();
    assert_eq!(env.faults.fired(drop), 1);
    assert_eq!(env.fake().ids("payment_intent").len(), 2);
    assert_eq!(env.fake().ids("payment_intent")[1], pi.id);
    // Without retries the client sees the broken connection, but the payment exists.
    let drop = env
        .faults
        .add(FaultRule::new("stripe", Fault::Drop, Trigger::Count(1)).path("/v1/payment_intents"));
    assert!(matches!(
        env.client.payment_intents().create(&params).await,
        Err(Error::Transport(_))
    ));
    assert_eq!(env.faults.fired(drop), 1);
    assert_eq!(env.fake().ids("payment_intent").len(), 3);

    // Added latency beyond the client's timeout.
    let slow = env.faults.add(FaultRule::new(
        "stripe",
        Fault::Latency(Duration::from_millis(500)),
        Trigger::Count(1),
    ));
    let impatient = client_for(
        &env.running,
        RetryConfig::disabled(),
        Duration::from_millis(100),
    );
    assert!(matches!(
        impatient.customers().list(&ListCustomers::default()).await,
        Err(Error::Timeout)
    ));
    assert_eq!(env.faults.fired(slow), 1);
}

#[tokio::test]
async fn malformed_requests_get_stripe_errors_and_never_break_the_fake() {
    let env = Env::start().await;
    let http = reqwest::Client::new();
    let base = env.running.base_url().clone();
    let key = env.fake().secret_key().to_owned();
    let post = |path: &str, body: Vec<u8>| {
        http.post(base.join(path).unwrap())
            .bearer_auth(&key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let check = |status: u16, body: &Value, code: Option<&str>| {
        assert!(body["error"]["type"].is_string(), "{body}");
        assert_eq!(body["error"]["code"].as_str(), code, "{body}");
        status
    };

    let r = post("v1/payment_intents", b"amount=abc&currency=usd".to_vec())
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_eq!(
        check(
            s,
            &r.json().await.unwrap(),
            Some("parameter_invalid_integer")
        ),
        400
    );
    let r = post(
        "v1/payment_intents",
        b"amount=100&currency=usd&foo=1".to_vec(),
    )
    .await
    .unwrap();
    let s = r.status().as_u16();
    assert_eq!(
        check(s, &r.json().await.unwrap(), Some("parameter_unknown")),
        400
    );
    // 2026-09-30.endive refuses `payment_method_types` on PaymentIntents; the fake speaks the
    // pinned version, so only `allowed_payment_method_types` is a parameter.
    let r = post(
        "v1/payment_intents",
        b"amount=100&currency=usd&payment_method_types[]=card".to_vec(),
    )
    .await
    .unwrap();
    let s = r.status().as_u16();
    assert_eq!(
        check(s, &r.json().await.unwrap(), Some("parameter_unknown")),
        400
    );
    let r = post(
        "v1/payment_intents",
        b"amount=100&currency=usd&allowed_payment_method_types[]=card".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["payment_method_types"], serde_json::json!(["card"]));
    let r = post("v1/payment_intents", b"amount=100".to_vec())
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_eq!(
        check(s, &r.json().await.unwrap(), Some("parameter_missing")),
        400
    );
    let r = http
        .get(base.join("v1/nope").unwrap())
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unrecognized request URL (GET: /v1/nope)")
    );
    let r = http
        .get(base.join("v1/charges").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(base.join("v1/charges?limit=1000").unwrap())
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .get(base.join("v1/charges/ch_%2E%2E").unwrap())
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Junk never gets a 5xx or kills the server.
    let junk: &[&[u8]] = &[
        b"metadata[a=1",
        b"amount[]=1&currency=usd",
        b"amount=1&amount[x]=2",
        b"\xff\xfe=\x00",
        b"%%%%=%%",
        b"expand[]=latest_charge.customer.x.y.z&amount=100&currency=usd",
        b"shipping=1&amount=100&currency=usd",
        b"amount=99999999999999999999999&currency=usd",
        b"amount=-5&currency=usd",
        b"customer=cus_nope&amount=100&currency=usd",
        b"payment_method=pm_nope&amount=100&currency=usd",
        b"evidence[foo]=1",
        b"submit=maybe",
        b"created[gte]=x",
    ];
    let paths = [
        "v1/payment_intents",
        "v1/refunds",
        "v1/customers",
        "v1/disputes/dp_1",
        "v1/payment_intents/pi_1/capture",
    ];
    for path in paths {
        for body in junk {
            let r = post(path, body.to_vec()).await.unwrap();
            let status = r.status().as_u16();
            assert!((400..500).contains(&status), "{path} {body:?}: {status}");
            let v: Value = r.json().await.unwrap();
            assert!(v["error"]["message"].is_string());
        }
    }
    let r = http
        .get(base.join("v1/events?created[gte]=x&type=a").unwrap())
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        env.client
            .customers()
            .list(&ListCustomers::default())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_retried_webhook_is_signed_anew() {
    let fake = StripeFake::with_webhook_retry_delays(vec![Duration::from_millis(2100)]);
    let env = Env::with(fake).await;
    let (url, received, _server) = receiver(1).await;
    env.fake().register_webhook_endpoint(url);
    let secret = SecretString::from(env.fake().webhook_secret().to_owned());
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    env.client
        .customers()
        .create(&CreateCustomer {
            email: Some("late@retry.example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(10))
            .await
    );

    let (sig, body) = received.lock().unwrap()[0].clone();
    let t: u64 = sig
        .split(',')
        .find_map(|part| part.strip_prefix("t="))
        .unwrap()
        .parse()
        .unwrap();
    // The first attempt went out at `start` (or a second later); a re-signed retry carries its own
    // time, two seconds on.
    assert!(
        t >= start + 2,
        "retry signed at {t}, first attempt at {start}"
    );
    let at_retry = time::OffsetDateTime::from_unix_timestamp(i64::try_from(t).unwrap()).unwrap();
    Webhook::new(secret)
        .construct_event(&body, &sig, at_retry)
        .unwrap();
}

/// The types of the fake's events after the first `skip`.
fn event_types(fake: &StripeFake, skip: usize) -> Vec<String> {
    fake.events()
        .iter()
        .skip(skip)
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn three_d_secure_cards_wait_for_the_customers_answer() {
    let env = Env::start().await;
    // docs.stripe.com/testing: "Always authenticate" (pm_card_authenticationRequired,
    // 4000002760003184) and "Authenticate unless set up" (4000002500003155).
    let PaymentOutcome::Completed(pi) = env.pay(16500, "pm_card_authenticationRequired").await
    else {
        panic!("declined")
    };
    assert_eq!(pi.status, PaymentIntentStatus::RequiresAction);
    assert_eq!(pi.next_action.as_ref().unwrap()["type"], "use_stripe_sdk");
    assert!(pi.latest_charge.is_none(), "nothing charged yet");
    assert_eq!(
        event_types(env.fake(), 0),
        ["payment_intent.created", "payment_intent.requires_action"]
    );
    // A confirmation does not get past the challenge.
    let again = env
        .client
        .payment_intents()
        .confirm(&pi.id, &ConfirmPaymentIntent::default())
        .await;
    assert_eq!(
        api_error(again).error.code.as_deref(),
        Some("payment_intent_unexpected_state")
    );

    // Authenticated: charged as any confirmation.
    let answered = env.fake().answer_authentication(&pi.id, true).unwrap();
    assert_eq!(answered["status"], "succeeded");
    assert!(answered["next_action"].is_null());
    let paid = env.client.payment_intents().retrieve(&pi.id).await.unwrap();
    assert_eq!(paid.status, PaymentIntentStatus::Succeeded);
    assert_eq!(paid.amount_received, 16500);
    let charge = env
        .client
        .charges()
        .retrieve(&charge_id(&paid))
        .await
        .unwrap();
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    assert_eq!(
        event_types(env.fake(), 2),
        ["charge.succeeded", "payment_intent.succeeded"]
    );
    assert!(env.fake().answer_authentication(&pi.id, true).is_none());

    // Refused: back to `requires_payment_method` with Stripe's error, nothing charged.
    let pm = env
        .fake()
        .payment_method_for_card("4000002500003155")
        .unwrap();
    let PaymentOutcome::Completed(refused) = env.pay(2000, &pm).await else {
        panic!("declined")
    };
    assert_eq!(refused.status, PaymentIntentStatus::RequiresAction);
    let before = env.fake().events().len();
    let answered = env
        .fake()
        .answer_authentication(&refused.id, false)
        .unwrap();
    assert_eq!(answered["status"], "requires_payment_method");
    let failed = env
        .client
        .payment_intents()
        .retrieve(&refused.id)
        .await
        .unwrap();
    assert_eq!(failed.status, PaymentIntentStatus::RequiresPaymentMethod);
    let error = failed.last_payment_error.as_ref().unwrap();
    assert_eq!(
        error.code.as_deref(),
        Some("payment_intent_authentication_failure")
    );
    assert!(failed.latest_charge.is_none());
    assert_eq!(
        event_types(env.fake(), before),
        ["payment_intent.payment_failed"]
    );
    let failed_event = env.fake().events().pop().unwrap();
    assert_eq!(
        failed_event["data"]["object"]["last_payment_error"]["code"],
        "payment_intent_authentication_failure"
    );

    // Not answered: canceled (as a flow does at its deadline).
    let PaymentOutcome::Completed(abandoned) =
        env.pay(3000, "pm_card_authenticationRequired").await
    else {
        panic!("declined")
    };
    let canceled = env
        .client
        .payment_intents()
        .cancel(
            &abandoned.id,
            &CancelPaymentIntent {
                cancellation_reason: Some(CancelPaymentIntentReason::Abandoned),
            },
        )
        .await
        .unwrap();
    assert_eq!(canceled.status, PaymentIntentStatus::Canceled);
    assert!(
        env.fake()
            .answer_authentication(&abandoned.id, true)
            .is_none()
    );
}

#[tokio::test]
async fn the_control_api_answers_a_three_d_secure_challenge() {
    let sandbox = sandbox::Sandbox::start(&[sandbox::Service::Stripe], 0)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, sandbox::control::router(&sandbox)).into_future());
    let running = sandbox.stripe.as_ref().unwrap();
    let client = client_for(running, RetryConfig::disabled(), Duration::from_secs(5));
    let mut params = CreatePaymentIntent::new(16500, "usd");
    params.payment_method = Some("pm_card_authenticationRequired".into());
    params.confirm = Some(true);
    let PaymentOutcome::Completed(pi) = client.payment_intents().create(&params).await.unwrap()
    else {
        panic!("declined")
    };
    let http = reqwest::Client::new();
    let answer = |id: String, body: &'static str| {
        let request = http
            .post(format!(
                "{base}/control/stripe/payment_intents/{id}/authentication"
            ))
            .header("content-type", "application/json")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, body) = answer(pi.id.clone(), r#"{"authenticated": "yes"}"#).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = answer(pi.id.clone(), r#"{"outcome": true}"#).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = answer(pi.id.clone(), r#"{"authenticated": false}"#).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("requires_payment_method"))
    );
    assert_eq!(
        body["last_payment_error"]["code"],
        "payment_intent_authentication_failure"
    );
    // Answered already: nothing waits any more.
    let (status, body) = answer(pi.id.clone(), r#"{"authenticated": true}"#).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = answer("pi_missing".into(), r#"{"authenticated": true}"#).await;
    assert_eq!(status, 404);
}

/// The fake speaks the version the client pins, in that version's shape: PaymentIntents and
/// charges have had no `invoice` since `2025-03-31.basil`, and every event says its version, so
/// the client reads each event by it.
#[tokio::test]
async fn answers_and_events_follow_the_version_the_client_pins() {
    assert_eq!(
        sandbox::stripe::API_VERSION,
        stripe_client::DEFAULT_API_VERSION
    );
    let env = Env::start().await;
    let pi = env.paid(1099, "pm_card_visa").await;
    let raw_pi = env.fake().object(&pi.id).unwrap();
    let raw_charge = env.fake().object(&charge_id(&pi)).unwrap();
    assert_eq!(raw_pi["object"], "payment_intent");
    assert_eq!(raw_charge["object"], "charge");
    assert!(raw_pi.get("invoice").is_none(), "{raw_pi}");
    assert!(raw_charge.get("invoice").is_none(), "{raw_charge}");
    let events = env.fake().events();
    assert!(!events.is_empty());
    for event in &events {
        assert_eq!(event["api_version"], stripe_client::DEFAULT_API_VERSION);
        let body = serde_json::to_vec(event).unwrap();
        let typed: stripe_client::Event = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            typed.api_version.as_deref(),
            Some(stripe_client::DEFAULT_API_VERSION)
        );
    }
}

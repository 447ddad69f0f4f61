//! Contract tests against Stripe's official OpenAPI spec and fixtures (API version 2023-08-16),
//! trimmed copies of which live in `tests/fixtures/` (see the README there).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use stripe_client::*;
use time::OffsetDateTime;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{client, fixture, stripe_error};

fn decodes<T: serde::de::DeserializeOwned>(name: &str) -> Result<(), String> {
    serde_path_to_error::deserialize::<_, T>(fixture(name))
        .map(|_| ())
        .map_err(|e| format!("{name} at {}: {}", e.path(), e.inner()))
}

#[test]
fn every_official_fixture_of_a_supported_resource_deserializes() {
    let results = [
        decodes::<PaymentIntent>("payment_intent"),
        decodes::<Charge>("charge"),
        decodes::<Refund>("refund"),
        decodes::<Customer>("customer"),
        decodes::<Customer>("deleted_customer"),
        decodes::<DeletedObject>("deleted_customer"),
        decodes::<PaymentMethod>("payment_method"),
        decodes::<Payout>("payout"),
        decodes::<BalanceTransaction>("balance_transaction"),
        decodes::<Dispute>("dispute"),
        decodes::<EarlyFraudWarning>("radar.early_fraud_warning"),
        decodes::<Subscription>("subscription"),
        decodes::<Invoice>("invoice"),
        decodes::<Event>("event"),
    ];
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_fixture_file_holds_every_supported_resource_and_only_those() {
    let all: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("../fixtures/official_fixtures.json")).unwrap();
    assert_eq!(all.len(), 13);
}

#[test]
fn fixture_timestamps_and_amounts_are_typed() {
    let pi: PaymentIntent = serde_json::from_value(fixture("payment_intent")).unwrap();
    assert_eq!(
        pi.created,
        OffsetDateTime::from_unix_timestamp(1_234_567_890).unwrap()
    );
    assert_eq!(pi.amount, 1099);
    assert_eq!(pi.currency, Currency::new("usd"));
    assert_eq!(pi.status, PaymentIntentStatus::RequiresPaymentMethod);
}

struct Spec {
    /// template path -> method -> parameter names
    paths: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

impl Spec {
    fn load() -> Self {
        let v: Value = serde_json::from_str(include_str!("../fixtures/spec_paths.json")).unwrap();
        Spec {
            paths: serde_json::from_value(v["paths"].clone()).unwrap(),
        }
    }

    /// The spec template matching a concrete path, preferring literal segments over `{param}`.
    fn template(&self, concrete: &str) -> Option<&str> {
        let segs: Vec<&str> = concrete.split('/').collect();
        self.paths
            .keys()
            .filter_map(|t| {
                let tsegs: Vec<&str> = t.split('/').collect();
                if tsegs.len() != segs.len() {
                    return None;
                }
                let mut literal = 0;
                for (ts, s) in tsegs.iter().zip(&segs) {
                    if ts.starts_with('{') {
                        continue;
                    }
                    if ts != s {
                        return None;
                    }
                    literal += 1;
                }
                Some((literal, t.as_str()))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, t)| t)
    }
}

fn ts() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

fn page() -> PageParams {
    PageParams {
        limit: Some(10),
        starting_after: Some("x_1".into()),
        ending_before: Some("x_0".into()),
    }
}

fn range() -> Option<RangeQuery> {
    Some(RangeQuery {
        gt: Some(ts()),
        gte: Some(ts()),
        lt: Some(ts()),
        lte: Some(ts()),
    })
}

fn md() -> Metadata {
    Metadata::from([("k".to_owned(), "v".to_owned())])
}

/// Calls every operation of the crate with every parameter set. Results are ignored: the mock
/// answers 400 to everything; only the requests matter.
async fn exercise_everything(c: &Client) {
    let addr = Address {
        city: Some("c".into()),
        country: Some("FR".into()),
        line1: Some("l1".into()),
        line2: Some("l2".into()),
        postal_code: Some("75001".into()),
        state: Some("s".into()),
    };
    let shipping = Shipping {
        address: addr.clone(),
        name: Some("n".into()),
        phone: Some("p".into()),
        carrier: Some("ups".into()),
        tracking_number: Some("1z".into()),
    };
    let pis = c.payment_intents().expand(["latest_charge"]);
    let create = CreatePaymentIntent {
        automatic_payment_methods: Some(AutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some("never".into()),
        }),
        capture_method: Some(CaptureMethod::Manual),
        confirm: Some(true),
        customer: Some("cus_1".into()),
        description: Some("d".into()),
        metadata: md(),
        off_session: Some(true),
        payment_method: Some("pm_1".into()),
        payment_method_types: vec!["card".into()],
        receipt_email: Some("e@x".into()),
        return_url: Some("https://x".into()),
        setup_future_usage: Some("off_session".into()),
        shipping: Some(shipping.clone()),
        statement_descriptor: Some("sd".into()),
        statement_descriptor_suffix: Some("sds".into()),
        ..CreatePaymentIntent::new(100, "usd")
    };
    let _ = pis.create(&create).await;
    let _ = pis.retrieve("pi_1").await;
    let update = UpdatePaymentIntent {
        amount: Some(1),
        currency: Some("usd".into()),
        customer: Some("cus_1".into()),
        description: Some("d".into()),
        metadata: md(),
        payment_method: Some("pm_1".into()),
        receipt_email: Some("e@x".into()),
        shipping: Some(shipping.clone()),
        statement_descriptor: Some("sd".into()),
        statement_descriptor_suffix: Some("sds".into()),
    };
    let _ = pis.update("pi_1", &update).await;
    let confirm = ConfirmPaymentIntent {
        payment_method: Some("pm_1".into()),
        off_session: Some(true),
        receipt_email: Some("e@x".into()),
        return_url: Some("https://x".into()),
        setup_future_usage: Some("off_session".into()),
    };
    let _ = pis.confirm("pi_1", &confirm).await;
    let capture = CapturePaymentIntent {
        amount_to_capture: Some(1),
        metadata: md(),
        statement_descriptor: Some("sd".into()),
        statement_descriptor_suffix: Some("sds".into()),
    };
    let _ = pis.capture("pi_1", &capture).await;
    let cancel = CancelPaymentIntent {
        cancellation_reason: Some(CancellationReason::Duplicate),
    };
    let _ = pis.cancel("pi_1", &cancel).await;
    let _ = pis
        .list(&ListPaymentIntents {
            created: range(),
            customer: Some("cus_1".into()),
            page: page(),
        })
        .await;

    let _ = c.charges().retrieve("ch_1").await;
    let _ = c
        .charges()
        .list(&ListCharges {
            created: range(),
            customer: Some("cus_1".into()),
            payment_intent: Some("pi_1".into()),
            page: page(),
        })
        .await;

    let _ = c
        .refunds()
        .create(&CreateRefund {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            amount: Some(1),
            reason: Some(RefundReason::Fraudulent),
            metadata: md(),
        })
        .await;
    let _ = c.refunds().retrieve("re_1").await;
    let _ = c
        .refunds()
        .list(&ListRefunds {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            created: range(),
            page: page(),
        })
        .await;

    let invoice_settings = Some(InvoiceSettingsParams {
        default_payment_method: Some("pm_1".into()),
    });
    let _ = c
        .customers()
        .create(&CreateCustomer {
            email: Some("e@x".into()),
            name: Some("n".into()),
            phone: Some("p".into()),
            description: Some("d".into()),
            address: Some(addr.clone()),
            shipping: Some(shipping.clone()),
            metadata: md(),
            payment_method: Some("pm_1".into()),
            invoice_settings: invoice_settings.clone(),
        })
        .await;
    let _ = c.customers().retrieve("cus_1").await;
    let _ = c
        .customers()
        .update(
            "cus_1",
            &UpdateCustomer {
                email: Some("e@x".into()),
                name: Some("n".into()),
                phone: Some("p".into()),
                description: Some("d".into()),
                address: Some(addr.clone()),
                shipping: Some(shipping.clone()),
                metadata: md(),
                invoice_settings,
            },
        )
        .await;
    let _ = c.customers().delete("cus_1").await;
    let _ = c
        .customers()
        .list(&ListCustomers {
            email: Some("e@x".into()),
            created: range(),
            page: page(),
        })
        .await;
    let _ = c
        .customers()
        .search(&SearchCustomers {
            query: "name:'x'".into(),
            limit: Some(10),
            page: Some("p".into()),
        })
        .await;

    let _ = c.payment_methods().attach("pm_1", "cus_1").await;
    let _ = c
        .payment_methods()
        .list(&ListPaymentMethods {
            customer: Some("cus_1".into()),
            method_type: Some("card".into()),
            page: page(),
        })
        .await;

    let _ = c.payouts().retrieve("po_1").await;
    let _ = c
        .payouts()
        .list(&ListPayouts {
            arrival_date: range(),
            created: range(),
            destination: Some("ba_1".into()),
            status: Some(PayoutStatus::Paid),
            page: page(),
        })
        .await;

    let _ = c.balance_transactions().retrieve("txn_1").await;
    let _ = c
        .balance_transactions()
        .list(&ListBalanceTransactions {
            payout: Some("po_1".into()),
            source: Some("ch_1".into()),
            transaction_type: Some(BalanceTransactionType::Charge),
            currency: Some("usd".into()),
            created: range(),
            page: page(),
        })
        .await;

    let _ = c.disputes().retrieve("dp_1").await;
    let _ = c
        .disputes()
        .list(&ListDisputes {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            created: range(),
            page: page(),
        })
        .await;
    let _ = c
        .disputes()
        .update(
            "dp_1",
            &UpdateDispute {
                evidence: Some(DisputeEvidence {
                    uncategorized_text: Some("t".into()),
                    ..Default::default()
                }),
                metadata: md(),
                submit: Some(false),
            },
        )
        .await;
    let _ = c.disputes().close("dp_1").await;

    let _ = c.early_fraud_warnings().retrieve("issfr_1").await;
    let _ = c
        .early_fraud_warnings()
        .list(&ListEarlyFraudWarnings {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            page: page(),
        })
        .await;

    let item = SubscriptionItemParams {
        id: Some("si_1".into()),
        price: Some("price_1".into()),
        quantity: Some(1),
        deleted: Some(false),
        metadata: md(),
    };
    let _ = c
        .subscriptions()
        .create(&CreateSubscription {
            customer: "cus_1".into(),
            items: vec![SubscriptionItemParams::price("price_1", 2)],
            collection_method: Some("send_invoice".into()),
            days_until_due: Some(30),
            default_payment_method: Some("pm_1".into()),
            description: Some("d".into()),
            metadata: md(),
            payment_behavior: Some("default_incomplete".into()),
            trial_period_days: Some(7),
        })
        .await;
    let _ = c.subscriptions().retrieve("sub_1").await;
    let _ = c
        .subscriptions()
        .update(
            "sub_1",
            &UpdateSubscription {
                items: vec![item],
                cancel_at_period_end: Some(true),
                default_payment_method: Some("pm_1".into()),
                description: Some("d".into()),
                metadata: md(),
                proration_behavior: Some("none".into()),
            },
        )
        .await;
    let _ = c
        .subscriptions()
        .cancel(
            "sub_1",
            &CancelSubscription {
                invoice_now: Some(true),
                prorate: Some(true),
            },
        )
        .await;
    let _ = c
        .subscriptions()
        .list(&ListSubscriptions {
            customer: Some("cus_1".into()),
            price: Some("price_1".into()),
            status: Some(SubscriptionStatus::Active),
            created: range(),
            page: page(),
        })
        .await;

    let _ = c.invoices().retrieve("in_1").await;
    let _ = c
        .invoices()
        .list(&ListInvoices {
            customer: Some("cus_1".into()),
            subscription: Some("sub_1".into()),
            status: Some(InvoiceStatus::Open),
            collection_method: Some("send_invoice".into()),
            created: range(),
            page: page(),
        })
        .await;
    let _ = c
        .invoices()
        .pay(
            "in_1",
            &PayInvoice {
                forgive: Some(true),
                off_session: Some(true),
                paid_out_of_band: Some(false),
                payment_method: Some("pm_1".into()),
            },
        )
        .await;

    let _ = c.events().retrieve("evt_1").await;
    let _ = c
        .events()
        .list(&ListEvents {
            created: range(),
            delivery_success: Some(true),
            event_type: Some("charge.*".into()),
            types: vec!["charge.succeeded".into()],
            page: page(),
        })
        .await;
}

#[tokio::test]
async fn every_method_path_and_parameter_the_client_sends_exists_in_the_official_spec() {
    let spec = Spec::load();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(stripe_error(
            "invalid_request_error",
            None,
            "x",
            None,
        )))
        .mount(&server)
        .await;
    exercise_everything(&client(&server)).await;

    let mut covered = BTreeSet::new();
    let mut problems = Vec::new();
    for r in server.received_requests().await.unwrap() {
        let m = r.method.as_str().to_ascii_lowercase();
        let Some(template) = spec.template(r.url.path()) else {
            problems.push(format!("{m} {}: no such path in the spec", r.url.path()));
            continue;
        };
        let Some(params) = spec.paths[template].get(&m) else {
            problems.push(format!("{m} {template}: method not in the spec"));
            continue;
        };
        let pairs: Vec<(String, String)> = if m == "post" {
            url::form_urlencoded::parse(&r.body).into_owned().collect()
        } else {
            r.url.query_pairs().into_owned().collect()
        };
        for (key, _) in pairs {
            let top = key.split('[').next().unwrap_or_default();
            if !params.contains(top) {
                problems.push(format!("{m} {template}: parameter {top} not in the spec"));
            }
        }
        covered.insert(format!("{m} {template}"));
    }
    assert!(problems.is_empty(), "{problems:#?}");

    let expected = [
        "delete /v1/customers/{customer}",
        "delete /v1/subscriptions/{subscription_exposed_id}",
        "get /v1/balance_transactions",
        "get /v1/balance_transactions/{id}",
        "get /v1/charges",
        "get /v1/charges/{charge}",
        "get /v1/customers",
        "get /v1/customers/search",
        "get /v1/customers/{customer}",
        "get /v1/disputes",
        "get /v1/disputes/{dispute}",
        "get /v1/events",
        "get /v1/events/{id}",
        "get /v1/invoices",
        "get /v1/invoices/{invoice}",
        "get /v1/payment_intents",
        "get /v1/payment_intents/{intent}",
        "get /v1/payment_methods",
        "get /v1/payouts",
        "get /v1/payouts/{payout}",
        "get /v1/radar/early_fraud_warnings",
        "get /v1/radar/early_fraud_warnings/{early_fraud_warning}",
        "get /v1/refunds",
        "get /v1/refunds/{refund}",
        "get /v1/subscriptions",
        "get /v1/subscriptions/{subscription_exposed_id}",
        "post /v1/customers",
        "post /v1/customers/{customer}",
        "post /v1/disputes/{dispute}",
        "post /v1/disputes/{dispute}/close",
        "post /v1/invoices/{invoice}/pay",
        "post /v1/payment_intents",
        "post /v1/payment_intents/{intent}",
        "post /v1/payment_intents/{intent}/cancel",
        "post /v1/payment_intents/{intent}/capture",
        "post /v1/payment_intents/{intent}/confirm",
        "post /v1/payment_methods/{payment_method}/attach",
        "post /v1/refunds",
        "post /v1/subscriptions",
        "post /v1/subscriptions/{subscription_exposed_id}",
    ];
    let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(covered, expected);
}

//! Contract tests.
//!
//! - Responses: Stripe's official fixtures (API version 2023-08-16) deserialize.
//! - Requests: every operation the client implements, called with every optional field set, sends
//!   only parameters (nested ones included) and enum values that Stripe's newest description of
//!   its API allows: the `stripe` package on PyPI, version [`SDK_VERSION`], which carries API
//!   version [`API_VERSION`]. `tests/fixtures/stripe_python_params.json` is extracted from that
//!   package by `tests/contract/generate.py` (run by hand; see the README in `tests/fixtures/`).

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde::Deserialize;

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
        decodes::<CreditNote>("credit_note"),
        decodes::<Event>("event"),
    ];
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_fixture_file_holds_every_supported_resource_and_only_those() {
    let all: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("../fixtures/official_fixtures.json")).unwrap();
    assert_eq!(all.len(), 14);
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

/// Version of the `stripe` package on PyPI the request contract was extracted from.
const SDK_VERSION: &str = "16.1.0";
/// The API version that package describes.
const API_VERSION: &str = "2026-10-28.endive";

/// `tests/fixtures/stripe_python_params.json`.
#[derive(Deserialize)]
struct Contract {
    package_version: String,
    api_version: String,
    /// `"<method> <path template>"` -> what it accepts.
    operations: BTreeMap<String, Operation>,
}

#[derive(Deserialize)]
struct Operation {
    /// Parameter paths: `shipping.address.line1`, `items[].price`, `metadata.*`, `expand[]`.
    params: BTreeSet<String>,
    /// Allowed values of the parameters that take a closed list of values.
    enums: BTreeMap<String, BTreeSet<String>>,
}

impl Contract {
    fn load() -> Self {
        let contract: Contract =
            serde_json::from_str(include_str!("../fixtures/stripe_python_params.json")).unwrap();
        assert_eq!(contract.package_version, SDK_VERSION);
        assert_eq!(contract.api_version, API_VERSION);
        contract
    }

    /// The operation (`"post /v1/customers/{customer}"`) a concrete request addresses,
    /// preferring literal segments over `{param}` (`/v1/customers/search` is not a customer id).
    fn operation(&self, method: &str, concrete: &str) -> Option<(&str, &Operation)> {
        let segs: Vec<&str> = concrete.split('/').collect();
        self.operations
            .iter()
            .filter_map(|(key, op)| {
                let (m, template) = key.split_once(' ')?;
                let tsegs: Vec<&str> = template.split('/').collect();
                if m != method || tsegs.len() != segs.len() {
                    return None;
                }
                let mut literal = 0;
                for (t, s) in tsegs.iter().zip(&segs) {
                    if t.starts_with('{') {
                        continue;
                    }
                    if t != s {
                        return None;
                    }
                    literal += 1;
                }
                Some((literal, key.as_str(), op))
            })
            .max_by_key(|(literal, _, _)| *literal)
            .map(|(_, key, op)| (key, op))
    }
}

/// A form key as a parameter path: `items[0][price]` -> `["items[]", "price"]`,
/// `expand[]` -> `["expand[]"]`, `metadata[k]` -> `["metadata", "k"]`.
fn key_path(key: &str) -> Vec<String> {
    let mut parts = key.split('[');
    let mut path = vec![parts.next().unwrap_or_default().to_owned()];
    for part in parts {
        let part = part.strip_suffix(']').unwrap_or(part);
        if part.is_empty() || part.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(last) = path.last_mut() {
                last.push_str("[]");
            }
        } else {
            path.push(part.to_owned());
        }
    }
    path
}

/// The contract's parameter path a form key falls under (`*` matches any map key).
fn allowed_pattern<'a>(op: &'a Operation, key: &str) -> Option<&'a str> {
    let path = key_path(key);
    op.params
        .iter()
        .find(|pattern| {
            let segs: Vec<&str> = pattern.split('.').collect();
            segs.len() == path.len()
                && segs
                    .iter()
                    .zip(&path)
                    .all(|(p, k)| *p == k || (*p == "*" && !k.ends_with("[]")))
        })
        .map(String::as_str)
}

/// What is wrong with one request: an unknown operation, a parameter the operation does not
/// take, a value outside a parameter's closed list.
fn check_request(
    contract: &Contract,
    method: &str,
    path: &str,
    pairs: &[(String, String)],
) -> Result<String, Vec<String>> {
    let Some((name, op)) = contract.operation(method, path) else {
        return Err(vec![format!("{method} {path}: no such operation")]);
    };
    let mut problems = Vec::new();
    for (key, value) in pairs {
        match allowed_pattern(op, key) {
            None => problems.push(format!("{name}: parameter {key} is not accepted")),
            Some(pattern) => {
                if let Some(values) = op.enums.get(pattern)
                    && !values.contains(value)
                {
                    problems.push(format!("{name}: {key}={value} is not one of {values:?}"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(name.to_owned())
    } else {
        Err(problems)
    }
}

#[test]
fn the_checker_refuses_what_the_api_refuses() {
    let contract = Contract::load();
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let accepted = [
        (
            "post",
            "/v1/customers",
            pairs(&[
                ("shipping[address][line1]", "x"),
                ("metadata[k]", "v"),
                ("expand[]", "x"),
            ]),
        ),
        (
            "post",
            "/v1/subscriptions/sub_1",
            pairs(&[("items[0][id]", "si_1"), ("items[1][price]", "p")]),
        ),
        (
            "post",
            "/v1/payment_intents/pi_1/cancel",
            pairs(&[("cancellation_reason", "abandoned")]),
        ),
        ("get", "/v1/customers/search", pairs(&[("query", "q")])),
        (
            "get",
            "/v1/events",
            pairs(&[("types[]", "a"), ("created[gte]", "1")]),
        ),
    ];
    for (method, path, pairs) in &accepted {
        assert!(
            check_request(&contract, method, path, pairs).is_ok(),
            "{method} {path} {pairs:?}"
        );
    }
    let refused = [
        (
            "post",
            "/v1/customers",
            pairs(&[("shipping[carrier]", "ups")]),
        ),
        (
            "post",
            "/v1/customers/cus_1",
            pairs(&[("shipping[tracking_number]", "1z")]),
        ),
        ("delete", "/v1/customers/cus_1", pairs(&[("expand[]", "x")])),
        (
            "post",
            "/v1/subscriptions",
            pairs(&[("items[0][id]", "si_1")]),
        ),
        (
            "post",
            "/v1/subscriptions",
            pairs(&[("items[0][deleted]", "true")]),
        ),
        (
            "post",
            "/v1/payment_intents/pi_1/cancel",
            pairs(&[("cancellation_reason", "automatic")]),
        ),
        (
            "post",
            "/v1/refunds",
            pairs(&[("reason", "expired_uncaptured_charge")]),
        ),
        (
            "post",
            "/v1/payment_intents",
            pairs(&[("payment_method_types[]", "card")]),
        ),
        ("post", "/v1/customers", pairs(&[("metadata", "x")])),
        ("post", "/v1/charges/ch_1", pairs(&[])),
        ("get", "/v1/setup_intents", pairs(&[])),
        ("patch", "/v1/customers", pairs(&[])),
    ];
    for (method, path, pairs) in &refused {
        assert!(
            check_request(&contract, method, path, pairs).is_err(),
            "{method} {path} {pairs:?}"
        );
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

fn addr() -> Address {
    Address {
        city: Some("c".into()),
        country: Some("FR".into()),
        line1: Some("l1".into()),
        line2: Some("l2".into()),
        postal_code: Some("75001".into()),
        state: Some("s".into()),
    }
}

/// Calls every operation of the crate with every parameter and option set (`expand` wherever
/// the handler takes it), and every value of the request enums. Results are ignored: the mock
/// answers 400 to everything; only the requests matter.
async fn exercise_everything(c: &Client) {
    let shipping = PaymentIntentShipping {
        address: addr(),
        name: "n".into(),
        phone: Some("p".into()),
        carrier: Some("ups".into()),
        tracking_number: Some("1z".into()),
    };
    let pis = c.payment_intents().expand(["latest_charge"]);
    for allow_redirects in AllowRedirects::ALL {
        let create = CreatePaymentIntent {
            automatic_payment_methods: Some(AutomaticPaymentMethods {
                enabled: true,
                allow_redirects: Some(*allow_redirects),
            }),
            ..CreatePaymentIntent::new(100, "usd")
        };
        let _ = pis.create(&create).await;
    }
    for setup_future_usage in SetupFutureUsage::ALL {
        let create = CreatePaymentIntent {
            capture_method: Some(CaptureMethod::Manual),
            confirm: Some(true),
            customer: Some("cus_1".into()),
            description: Some("d".into()),
            metadata: md(),
            off_session: Some(true),
            payment_method: Some("pm_1".into()),
            // Exclusive with automatic_payment_methods, sent above.
            allowed_payment_method_types: vec!["card".into(), "link".into()],
            receipt_email: Some("e@x".into()),
            return_url: Some("https://x".into()),
            setup_future_usage: Some(*setup_future_usage),
            shipping: Some(shipping.clone()),
            statement_descriptor: Some("sd".into()),
            statement_descriptor_suffix: Some("sds".into()),
            ..CreatePaymentIntent::new(100, "usd")
        };
        let _ = pis.create(&create).await;
    }
    for capture_method in [CaptureMethod::Automatic, CaptureMethod::AutomaticAsync] {
        let create = CreatePaymentIntent {
            capture_method: Some(capture_method),
            ..CreatePaymentIntent::new(100, "usd")
        };
        let _ = pis.create(&create).await;
    }
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
    for setup_future_usage in SetupFutureUsage::ALL {
        let confirm = ConfirmPaymentIntent {
            payment_method: Some("pm_1".into()),
            off_session: Some(true),
            receipt_email: Some("e@x".into()),
            return_url: Some("https://x".into()),
            setup_future_usage: Some(*setup_future_usage),
        };
        let _ = pis.confirm("pi_1", &confirm).await;
    }
    let capture = CapturePaymentIntent {
        amount_to_capture: Some(1),
        metadata: md(),
        statement_descriptor: Some("sd".into()),
        statement_descriptor_suffix: Some("sds".into()),
    };
    let _ = pis.capture("pi_1", &capture).await;
    for reason in CancelPaymentIntentReason::ALL {
        let cancel = CancelPaymentIntent {
            cancellation_reason: Some(*reason),
        };
        let _ = pis.cancel("pi_1", &cancel).await;
    }
    let _ = pis
        .list(&ListPaymentIntents {
            created: range(),
            customer: Some("cus_1".into()),
            page: page(),
        })
        .await;

    let charges = c.charges().expand(["balance_transaction"]);
    let _ = charges.retrieve("ch_1").await;
    let _ = charges
        .list(&ListCharges {
            created: range(),
            customer: Some("cus_1".into()),
            payment_intent: Some("pi_1".into()),
            page: page(),
        })
        .await;

    let refunds = c.refunds().expand(["charge"]);
    for reason in CreateRefundReason::ALL {
        let _ = refunds
            .create(&CreateRefund {
                charge: Some("ch_1".into()),
                payment_intent: Some("pi_1".into()),
                amount: Some(1),
                reason: Some(*reason),
                metadata: md(),
            })
            .await;
    }
    let _ = refunds.retrieve("re_1").await;
    let _ = refunds
        .list(&ListRefunds {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            created: range(),
            page: page(),
        })
        .await;

    let customer_shipping = CustomerShipping {
        address: addr(),
        name: "n".into(),
        phone: Some("p".into()),
    };
    let customers = c
        .customers()
        .expand(["invoice_settings.default_payment_method"]);
    let invoice_settings = Some(InvoiceSettingsParams {
        default_payment_method: Some("pm_1".into()),
    });
    let _ = customers
        .create(&CreateCustomer {
            email: Some("e@x".into()),
            name: Some("n".into()),
            phone: Some("p".into()),
            description: Some("d".into()),
            address: Some(addr()),
            shipping: Some(customer_shipping.clone()),
            metadata: md(),
            payment_method: Some("pm_1".into()),
            invoice_settings: invoice_settings.clone(),
        })
        .await;
    let _ = customers.retrieve("cus_1").await;
    let _ = customers
        .update(
            "cus_1",
            &UpdateCustomer {
                email: Some("e@x".into()),
                name: Some("n".into()),
                phone: Some("p".into()),
                description: Some("d".into()),
                address: Some(addr()),
                shipping: Some(customer_shipping.clone()),
                metadata: md(),
                invoice_settings,
            },
        )
        .await;
    // The only operation without `expand`: `customers.delete` would not compile (see its doc).
    let _ = c.customers().delete("cus_1").await;
    let _ = customers
        .list(&ListCustomers {
            email: Some("e@x".into()),
            created: range(),
            page: page(),
        })
        .await;
    let _ = customers
        .search(&SearchCustomers {
            query: "name:'x'".into(),
            limit: Some(10),
            page: Some("p".into()),
        })
        .await;

    let payment_methods = c.payment_methods().expand(["customer"]);
    let _ = payment_methods.attach("pm_1", "cus_1").await;
    let _ = payment_methods
        .list(&ListPaymentMethods {
            customer: Some("cus_1".into()),
            method_type: Some("card".into()),
            page: page(),
        })
        .await;

    let payouts = c.payouts().expand(["balance_transaction"]);
    let _ = payouts.retrieve("po_1").await;
    let _ = payouts
        .list(&ListPayouts {
            arrival_date: range(),
            created: range(),
            destination: Some("ba_1".into()),
            status: Some(PayoutStatus::Paid),
            page: page(),
        })
        .await;

    let balance_transactions = c.balance_transactions().expand(["source"]);
    let _ = balance_transactions.retrieve("txn_1").await;
    let _ = balance_transactions
        .list(&ListBalanceTransactions {
            payout: Some("po_1".into()),
            source: Some("ch_1".into()),
            transaction_type: Some(BalanceTransactionType::Charge),
            currency: Some("usd".into()),
            created: range(),
            page: page(),
        })
        .await;

    let disputes = c.disputes().expand(["charge"]);
    let _ = disputes.retrieve("dp_1").await;
    let _ = disputes
        .list(&ListDisputes {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            created: range(),
            page: page(),
        })
        .await;
    let _ = disputes
        .update(
            "dp_1",
            &UpdateDispute {
                evidence: Some(UpdateDisputeEvidence {
                    access_activity_log: Some("t".into()),
                    billing_address: Some("t".into()),
                    cancellation_policy: Some("file_1".into()),
                    cancellation_policy_disclosure: Some("t".into()),
                    cancellation_rebuttal: Some("t".into()),
                    customer_communication: Some("file_1".into()),
                    customer_email_address: Some("t".into()),
                    customer_name: Some("t".into()),
                    customer_purchase_ip: Some("t".into()),
                    customer_signature: Some("file_1".into()),
                    duplicate_charge_documentation: Some("file_1".into()),
                    duplicate_charge_explanation: Some("t".into()),
                    duplicate_charge_id: Some("t".into()),
                    product_description: Some("t".into()),
                    receipt: Some("file_1".into()),
                    refund_policy: Some("file_1".into()),
                    refund_policy_disclosure: Some("t".into()),
                    refund_refusal_explanation: Some("t".into()),
                    service_date: Some("t".into()),
                    service_documentation: Some("file_1".into()),
                    shipping_address: Some("t".into()),
                    shipping_carrier: Some("t".into()),
                    shipping_date: Some("t".into()),
                    shipping_documentation: Some("file_1".into()),
                    shipping_tracking_number: Some("t".into()),
                    uncategorized_file: Some("file_1".into()),
                    uncategorized_text: Some("t".into()),
                }),
                metadata: md(),
                submit: Some(false),
            },
        )
        .await;
    let _ = disputes.close("dp_1").await;

    let warnings = c.early_fraud_warnings().expand(["charge"]);
    let _ = warnings.retrieve("issfr_1").await;
    let _ = warnings
        .list(&ListEarlyFraudWarnings {
            charge: Some("ch_1".into()),
            payment_intent: Some("pi_1".into()),
            page: page(),
        })
        .await;

    let subscriptions = c.subscriptions().expand(["latest_invoice"]);
    let create_item = CreateSubscriptionItem {
        price: "price_1".into(),
        quantity: Some(2),
        metadata: md(),
    };
    // Every value of both enums, paired up (the longer list decides the number of calls).
    for (collection_method, payment_behavior) in CollectionMethod::ALL
        .iter()
        .cycle()
        .zip(PaymentBehavior::ALL)
    {
        let _ = subscriptions
            .create(&CreateSubscription {
                customer: "cus_1".into(),
                items: vec![create_item.clone()],
                collection_method: Some(*collection_method),
                days_until_due: Some(30),
                default_payment_method: Some("pm_1".into()),
                description: Some("d".into()),
                metadata: md(),
                payment_behavior: Some(*payment_behavior),
                trial_period_days: Some(7),
            })
            .await;
    }
    let _ = subscriptions.retrieve("sub_1").await;
    let update_item = UpdateSubscriptionItem {
        id: Some("si_1".into()),
        price: Some("price_1".into()),
        quantity: Some(1),
        deleted: Some(true),
        clear_usage: Some(true),
        metadata: md(),
    };
    for proration_behavior in ProrationBehavior::ALL {
        let _ = subscriptions
            .update(
                "sub_1",
                &UpdateSubscription {
                    items: vec![
                        update_item.clone(),
                        UpdateSubscriptionItem::add("price_2", 1),
                    ],
                    cancel_at_period_end: Some(true),
                    default_payment_method: Some("pm_1".into()),
                    description: Some("d".into()),
                    metadata: md(),
                    proration_behavior: Some(*proration_behavior),
                },
            )
            .await;
    }
    let _ = subscriptions
        .cancel(
            "sub_1",
            &CancelSubscription {
                invoice_now: Some(true),
                prorate: Some(true),
            },
        )
        .await;
    let _ = subscriptions
        .list(&ListSubscriptions {
            customer: Some("cus_1".into()),
            price: Some("price_1".into()),
            status: Some(SubscriptionStatus::Active),
            created: range(),
            page: page(),
        })
        .await;

    let invoices = c.invoices().expand(["payments"]);
    let _ = invoices.retrieve("in_1").await;
    let _ = invoices
        .list(&ListInvoices {
            customer: Some("cus_1".into()),
            subscription: Some("sub_1".into()),
            status: Some(InvoiceStatus::Open),
            collection_method: Some(CollectionMethod::SendInvoice),
            created: range(),
            page: page(),
        })
        .await;
    let _ = invoices
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

    let credit_notes = c.credit_notes().expand(["invoice"]);
    let mut line = CreateCreditNoteLine::invoice_line("il_1", 1);
    line.metadata = md();
    // Every reason, and each line type in turn.
    for (reason, line) in CreateCreditNoteReason::ALL.iter().zip(
        [
            line,
            CreateCreditNoteLine::invoice_line_amount("il_1", 500),
            CreateCreditNoteLine::custom("Service credit", 500, 2),
        ]
        .into_iter()
        .cycle(),
    ) {
        let _ = credit_notes
            .create(&CreateCreditNote {
                invoice: "in_1".into(),
                lines: vec![line],
                amount: Some(1_000),
                refund_amount: Some(500),
                credit_amount: Some(300),
                out_of_band_amount: Some(200),
                reason: Some(*reason),
                memo: Some("m".into()),
                metadata: md(),
            })
            .await;
    }
    let _ = credit_notes.retrieve("cn_1").await;
    let _ = credit_notes.void("cn_1").await;
    let _ = credit_notes
        .list(&ListCreditNotes {
            invoice: Some("in_1".into()),
            customer: Some("cus_1".into()),
            created: range(),
            page: page(),
        })
        .await;

    let events = c.events().expand(["data.object"]);
    let _ = events.retrieve("evt_1").await;
    let _ = events
        .list(&ListEvents {
            created: range(),
            delivery_success: Some(true),
            event_type: Some("charge.*".into()),
            types: vec!["charge.succeeded".into()],
            page: page(),
        })
        .await;
    if let Ok(mut stream) = events.list_since(ts(), &["charge.refunded"]) {
        let _ = stream.next().await;
    }
}

#[tokio::test]
async fn every_request_the_client_can_send_is_accepted_by_the_newest_api_description() {
    let contract = Contract::load();
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
        let method = r.method.as_str().to_ascii_lowercase();
        let pairs: Vec<(String, String)> = if method == "post" {
            url::form_urlencoded::parse(&r.body).into_owned().collect()
        } else {
            r.url.query_pairs().into_owned().collect()
        };
        match check_request(&contract, &method, r.url.path(), &pairs) {
            Ok(name) => {
                covered.insert(name);
            }
            Err(found) => problems.extend(found),
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{problems:#?}");
    // Every operation of the contract (the generator lists the client's) was exercised.
    let all: BTreeSet<String> = contract.operations.keys().cloned().collect();
    assert_eq!(covered, all);
}

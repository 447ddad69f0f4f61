//! The Stripe fake's billing (products, prices, test clocks, subscriptions, invoices,
//! dunning), driven by the real `stripe-client` crate over loopback.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use sandbox::stripe::{AfterRetries, Dunning, StripeFake, processing_fee};
use sandbox::{Faults, Running};
use secrecy::SecretString;
use serde_json::Value;
use stripe_client::{
    AdvanceTestClock, CancelSubscription, Client, CreatePrice, CreatePriceRecurring, CreateProduct,
    CreateSubscription, CreateSubscriptionItem, CreateTestClock, Error, EventObject, Invoice,
    InvoiceStatus, ListCharges, ListEvents, ListInvoices, ListPrices, PageParams, PayInvoice,
    PaymentOutcome, PriceInterval, ProrationBehavior, RetryConfig, Subscription,
    SubscriptionStatus, TestClockStatus, UpdateSubscription, UpdateSubscriptionItem,
};
use time::OffsetDateTime;

/// 2027-01-15T12:00:00Z, and the monthly renewals after it.
const T0: i64 = 1_800_014_400;
const FEB15: i64 = 1_802_692_800;
const MAR15: i64 = 1_805_112_000;
const APR15: i64 = 1_807_790_400;
const MAY15: i64 = 1_810_382_400;
const DAY: i64 = 86_400;

fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap()
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

struct Env {
    running: Running<StripeFake>,
    client: Client,
    http: reqwest::Client,
}

impl Env {
    async fn start() -> Self {
        let running = Running::start(StripeFake::new(), &Faults::default())
            .await
            .unwrap();
        let client = Client::builder(SecretString::from(running.fake.secret_key().to_owned()))
            .base_url(running.base_url().as_str())
            .retry(RetryConfig::disabled())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        Env {
            running,
            client,
            http: reqwest::Client::new(),
        }
    }

    fn fake(&self) -> &StripeFake {
        &self.running.fake
    }

    /// A request the client cannot make (unknown parameters, `test_clock` on a customer).
    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let url = format!(
            "{}{}",
            self.running.base_url().as_str().trim_end_matches('/'),
            path
        );
        let request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(self.fake().secret_key());
        let request = if method == reqwest::Method::POST {
            request.form(form)
        } else {
            request.query(form)
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn price(&self, name: &str, amount: i64) -> String {
        let product = self
            .client
            .products()
            .create(&CreateProduct::new(name))
            .await
            .unwrap();
        let price = self
            .client
            .prices()
            .create(&CreatePrice {
                recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 1)),
                ..CreatePrice::new(&product.id, amount, "usd")
            })
            .await
            .unwrap();
        price.id
    }

    async fn clock(&self) -> String {
        let clock = self
            .client
            .test_clocks()
            .create(&CreateTestClock::at(at(T0)))
            .await
            .unwrap();
        assert_eq!(unix(clock.frozen_time), T0);
        clock.id
    }

    /// A customer on `clock` with the test card `pm` attached; returns both ids.
    async fn customer(&self, clock: &str, pm: &str) -> (String, String) {
        let (status, body) = self
            .raw(
                reqwest::Method::POST,
                "/v1/customers",
                &[("email", "ada@example.com"), ("test_clock", clock)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["test_clock"], clock);
        assert_eq!(body["created"], T0);
        let customer = body["id"].as_str().unwrap().to_owned();
        let pm = self.attach(&customer, pm).await;
        (customer, pm)
    }

    async fn attach(&self, customer: &str, pm: &str) -> String {
        self.client
            .payment_methods()
            .attach(pm, customer)
            .await
            .unwrap()
            .id
    }

    async fn subscribe(
        &self,
        customer: &str,
        pm: &str,
        price: &str,
        quantity: u64,
    ) -> Subscription {
        self.client
            .subscriptions()
            .create(&CreateSubscription {
                items: vec![CreateSubscriptionItem::new(price, quantity)],
                default_payment_method: Some(pm.to_owned()),
                ..CreateSubscription::new(customer)
            })
            .await
            .unwrap()
    }

    async fn advance(&self, clock: &str, to: i64) {
        let clock = self
            .client
            .test_clocks()
            .advance(
                clock,
                &AdvanceTestClock {
                    frozen_time: at(to),
                },
            )
            .await
            .unwrap();
        assert_eq!(clock.status, TestClockStatus::Ready);
        assert_eq!(unix(clock.frozen_time), to);
    }

    /// The subscription's invoices, oldest first.
    async fn invoices(&self, sub: &str) -> Vec<Invoice> {
        let mut list = self
            .client
            .invoices()
            .list(&ListInvoices {
                subscription: Some(sub.to_owned()),
                page: PageParams {
                    limit: Some(100),
                    ..PageParams::default()
                },
                ..ListInvoices::default()
            })
            .await
            .unwrap()
            .data;
        list.reverse();
        list
    }

    /// `(type, created)` of the events whose type starts with one of `prefixes`, oldest first;
    /// every event also read by the client (`GET /v1/events`), typed objects included.
    async fn events(&self, prefixes: &[&str]) -> Vec<(String, i64)> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .client
                .events()
                .list(&ListEvents {
                    page: PageParams {
                        limit: Some(100),
                        starting_after: after.clone(),
                        ..PageParams::default()
                    },
                    ..ListEvents::default()
                })
                .await
                .unwrap();
            after = page.data.last().map(|e| e.id.clone());
            all.extend(page.data);
            if !page.has_more {
                break;
            }
        }
        assert_eq!(all.len(), self.fake().events().len());
        self.fake()
            .events()
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap().to_owned(),
                    e["created"].as_i64().unwrap(),
                )
            })
            .filter(|(t, _)| prefixes.iter().any(|p| t.starts_with(p)))
            .collect()
    }
}

fn period(sub: &Subscription) -> (i64, i64) {
    let p = sub.current_period().unwrap();
    (unix(p.start), unix(p.end))
}

fn line_amounts(inv: &Invoice) -> Vec<i64> {
    inv.lines
        .as_ref()
        .unwrap()
        .data
        .iter()
        .map(|l| l.amount)
        .collect()
}

fn events_at(kinds: &[&str], t: i64) -> Vec<(String, i64)> {
    kinds.iter().map(|k| ((*k).to_owned(), t)).collect()
}

const PAID: &[&str] = &[
    "invoice.created",
    "invoice.finalized",
    "invoice_payment.paid",
    "invoice.paid",
    "invoice.payment_succeeded",
];

#[tokio::test]
async fn a_monthly_subscription_renews_three_times_on_its_test_clock() {
    let env = Env::start().await;
    let price = env.price("Basic", 1500).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &price, 2).await;
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(period(&sub), (T0, FEB15));
    assert_eq!(unix(sub.created), T0);
    assert_eq!(sub.items.data[0].quantity, Some(2));

    env.advance(&clock, APR15 + 3600).await;

    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(period(&sub), (APR15, MAY15));
    let invoices = env.invoices(&sub.id).await;
    let seen: Vec<_> = invoices
        .iter()
        .map(|i| {
            let reason = env.fake().object(&i.id).unwrap()["billing_reason"].clone();
            (
                reason.as_str().unwrap().to_owned(),
                unix(i.created),
                unix(i.period_start.unwrap()),
                unix(i.period_end.unwrap()),
                i.amount_due,
                i.amount_paid,
                i.status.clone(),
            )
        })
        .collect();
    let paid = Some(InvoiceStatus::Paid);
    assert_eq!(
        seen,
        vec![
            (
                "subscription_create".into(),
                T0,
                T0,
                T0,
                3000,
                3000,
                paid.clone()
            ),
            (
                "subscription_cycle".into(),
                FEB15,
                T0,
                FEB15,
                3000,
                3000,
                paid.clone()
            ),
            (
                "subscription_cycle".into(),
                MAR15,
                FEB15,
                MAR15,
                3000,
                3000,
                paid.clone()
            ),
            (
                "subscription_cycle".into(),
                APR15,
                MAR15,
                APR15,
                3000,
                3000,
                paid
            ),
        ]
    );
    // Each invoice bills the period that starts with it, and names its subscription.
    let last = invoices.last().unwrap();
    let line = &last.lines.as_ref().unwrap().data[0];
    let p = line.period.as_ref().unwrap();
    assert_eq!((unix(p.start), unix(p.end)), (APR15, MAY15));
    assert_eq!(line.quantity, Some(2));
    assert_eq!(
        line.description.as_deref(),
        Some("2 × Basic (at 15.00 usd / month)")
    );
    let details = line
        .pricing
        .as_ref()
        .unwrap()
        .price_details
        .as_ref()
        .unwrap();
    assert_eq!(details.price.id(), price);
    assert_eq!(last.subscription().unwrap().id(), sub.id);
    assert_eq!(last.total_taxes.as_deref().map(<[_]>::len), Some(0));
    assert_eq!(sub.latest_invoice.as_ref().unwrap().id(), last.id);
    let raw_item = &env.fake().object(&sub.id).unwrap()["items"]["data"][0];
    assert_eq!(
        (&raw_item["plan"]["amount"], &raw_item["plan"]["interval"]),
        (&Value::from(1500), &Value::from("month"))
    );
    let raw_line = &env.fake().object(&last.id).unwrap()["lines"]["data"][0];
    assert_eq!(
        raw_line["parent"]["subscription_item_details"]["proration"],
        false
    );

    // The payments, when expanded: one PaymentIntent per invoice, its charge booked.
    let expanded = env
        .client
        .invoices()
        .expand(["payments"])
        .retrieve(&last.id)
        .await
        .unwrap();
    let payments = expanded.payments.unwrap().data;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].amount_paid, Some(3000));
    assert_eq!(payments[0].status.as_deref(), Some("paid"));
    assert!(payments[0].is_default);
    let pi_id = payments[0]
        .payment
        .payment_intent
        .as_ref()
        .unwrap()
        .id()
        .to_owned();
    let pi = env.client.payment_intents().retrieve(&pi_id).await.unwrap();
    assert_eq!((pi.amount, unix(pi.created)), (3000, APR15));
    assert!(
        env.client
            .invoices()
            .retrieve(&last.id)
            .await
            .unwrap()
            .payments
            .is_none()
    );
    assert_eq!(
        env.fake().unpaid_balance("usd"),
        4 * (3000 - processing_fee(3000))
    );

    let mut expected = events_at(PAID, T0);
    expected.extend(events_at(&["customer.subscription.created"], T0));
    for t in [FEB15, MAR15, APR15] {
        expected.extend(events_at(PAID, t));
        expected.extend(events_at(&["customer.subscription.updated"], t));
    }
    assert_eq!(
        env.events(&["invoice", "customer.subscription"]).await,
        expected
    );
    let clock_events = env.events(&["test_helpers"]).await;
    assert_eq!(
        clock_events,
        vec![
            ("test_helpers.test_clock.created".into(), clock_events[0].1),
            ("test_helpers.test_clock.advancing".into(), T0),
            ("test_helpers.test_clock.ready".into(), APR15 + 3600),
        ]
    );
    // The client reads the events' objects as typed invoices and subscriptions.
    for (kind, count) in [("invoice.paid", 4), ("customer.subscription.updated", 3)] {
        let page = env
            .client
            .events()
            .list(&ListEvents {
                event_type: Some(kind.to_owned()),
                ..ListEvents::default()
            })
            .await
            .unwrap();
        assert_eq!(page.data.len(), count);
        for event in page.data {
            match event.data.object {
                EventObject::Invoice(i) => assert!(i.is_paid()),
                EventObject::Subscription(s) => assert_eq!(s.status, SubscriptionStatus::Active),
                other => panic!("{kind}: {other:?}"),
            }
        }
    }
    let renewal = env
        .fake()
        .events()
        .into_iter()
        .find(|e| e["type"] == "customer.subscription.updated")
        .unwrap();
    assert_eq!(
        renewal["data"]["previous_attributes"]["items"]["data"][0]["current_period_end"],
        FEB15
    );
}

#[tokio::test]
async fn an_upgrade_mid_period_is_prorated_to_the_second() {
    let env = Env::start().await;
    let basic = env.price("Basic", 1000).await;
    let pro = env.price("Pro", 3000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &basic, 1).await;
    let item = sub.items.data[0].id.clone();
    env.advance(&clock, T0 + 10 * DAY).await;

    // 31-day period, 21 days left: 1000 * 21/31 = 677.42 credited, 3000 * 21/31 = 2032.26 due.
    let sub = env
        .client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                items: vec![UpdateSubscriptionItem {
                    id: Some(item.clone()),
                    price: Some(pro.clone()),
                    ..UpdateSubscriptionItem::default()
                }],
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sub.items.data[0].price.as_ref().unwrap().id, pro);
    assert_eq!(
        env.invoices(&sub.id).await.len(),
        1,
        "create_prorations waits for the renewal"
    );

    // Then two seats at once, invoiced now with the waiting prorations: -2032 + 4065.
    env.client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                items: vec![UpdateSubscriptionItem {
                    id: Some(item.clone()),
                    quantity: Some(2),
                    ..UpdateSubscriptionItem::default()
                }],
                proration_behavior: Some(ProrationBehavior::AlwaysInvoice),
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(invoices.len(), 2);
    let update = &invoices[1];
    assert_eq!(line_amounts(update), vec![-677, 2032, -2032, 4065]);
    assert_eq!((update.total, update.amount_paid), (3388, 3388));
    assert_eq!(update.status, Some(InvoiceStatus::Paid));
    let raw = env.fake().object(&update.id).unwrap();
    assert_eq!(raw["billing_reason"], "subscription_update");
    let descriptions: Vec<&str> = raw["lines"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        descriptions,
        vec![
            "Unused time on 1 × Basic after 25 Jan 2027",
            "Remaining time on 1 × Pro after 25 Jan 2027",
            "Unused time on 1 × Pro after 25 Jan 2027",
            "Remaining time on 2 × Pro after 25 Jan 2027",
        ]
    );
    for line in raw["lines"]["data"].as_array().unwrap() {
        assert_eq!(
            line["parent"]["subscription_item_details"]["proration"],
            true
        );
        assert_eq!(
            line["parent"]["subscription_item_details"]["subscription_item"],
            item.as_str()
        );
        assert_eq!(line["period"]["start"], T0 + 10 * DAY);
        assert_eq!(line["period"]["end"], FEB15);
    }

    env.advance(&clock, FEB15 + 60).await;
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(line_amounts(&invoices[2]), vec![6000]);

    // With proration_behavior=none nothing is billed until the next period.
    env.client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                items: vec![UpdateSubscriptionItem {
                    id: Some(item),
                    price: Some(basic),
                    quantity: Some(1),
                    ..UpdateSubscriptionItem::default()
                }],
                proration_behavior: Some(ProrationBehavior::None),
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    env.advance(&clock, MAR15 + 60).await;
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(invoices.len(), 4);
    assert_eq!(line_amounts(&invoices[3]), vec![1000]);
}

/// A subscription on a visa card, then switched to `pm_card_chargeCustomerFail`.
async fn failing_subscription(env: &Env, clock: &str) -> (String, Subscription) {
    let price = env.price("Basic", 2000).await;
    let (customer, pm) = env.customer(clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &price, 1).await;
    let failing = env.attach(&customer, "pm_card_chargeCustomerFail").await;
    let sub = env
        .client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                default_payment_method: Some(failing),
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    (customer, sub)
}

#[tokio::test]
async fn a_failed_renewal_is_recovered_by_paying_with_a_new_card() {
    let env = Env::start().await;
    let clock = env.clock().await;
    let (customer, sub) = failing_subscription(&env, &clock).await;
    env.advance(&clock, FEB15 + 3600).await;

    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::PastDue);
    let invoice = env.invoices(&sub.id).await.pop().unwrap();
    assert_eq!(invoice.status, Some(InvoiceStatus::Open));
    assert_eq!((invoice.amount_due, invoice.amount_remaining), (2000, 2000));
    let raw = env.fake().object(&invoice.id).unwrap();
    assert_eq!(raw["attempt_count"], 1);
    assert_eq!(raw["next_payment_attempt"], FEB15 + 3 * DAY);
    let failed = env.events(&["invoice.payment_failed"]).await;
    assert_eq!(failed, events_at(&["invoice.payment_failed"], FEB15));
    let update = env
        .fake()
        .events()
        .into_iter()
        .rfind(|e| e["type"] == "customer.subscription.updated")
        .unwrap();
    assert_eq!(update["data"]["object"]["status"], "past_due");
    assert_eq!(update["data"]["previous_attributes"]["status"], "active");

    // Paying again with the failing card is declined, and counted.
    let failing = sub.default_payment_method.as_ref().unwrap().id().to_owned();
    let outcome = env
        .client
        .invoices()
        .pay(
            &invoice.id,
            &PayInvoice {
                payment_method: Some(failing),
                ..PayInvoice::default()
            },
        )
        .await
        .unwrap();
    let declined = outcome.declined().unwrap();
    assert_eq!(declined.error.code.as_deref(), Some("card_declined"));
    assert_eq!(
        declined.error.decline_code.as_deref(),
        Some("generic_decline")
    );

    // A card not attached to the customer is refused.
    let (status, body) = env
        .raw(
            reqwest::Method::POST,
            &format!("/v1/invoices/{}/pay", invoice.id),
            &[("payment_method", "pm_card_mastercard")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("payment_method"))
    );

    let good = env.attach(&customer, "pm_card_mastercard").await;
    let PaymentOutcome::Completed(paid) = env
        .client
        .invoices()
        .pay(
            &invoice.id,
            &PayInvoice {
                payment_method: Some(good),
                ..PayInvoice::default()
            },
        )
        .await
        .unwrap()
    else {
        panic!("declined")
    };
    assert!(paid.is_paid());
    assert_eq!((paid.amount_paid, paid.amount_remaining), (2000, 0));
    let raw = env.fake().object(&paid.id).unwrap();
    assert_eq!(raw["attempt_count"], 3);
    assert_eq!(raw["next_payment_attempt"], Value::Null);
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);

    // One PaymentIntent, three charges: two failed, the last one paid.
    let expanded = env
        .client
        .invoices()
        .expand(["payments"])
        .retrieve(&paid.id)
        .await
        .unwrap();
    let payments = expanded.payments.unwrap().data;
    assert_eq!(payments.len(), 1);
    let pi = payments[0]
        .payment
        .payment_intent
        .as_ref()
        .unwrap()
        .id()
        .to_owned();
    let charges = env
        .client
        .charges()
        .list(&ListCharges {
            payment_intent: Some(pi),
            ..ListCharges::default()
        })
        .await
        .unwrap()
        .data;
    let paid_flags: Vec<bool> = charges.iter().map(|c| c.paid).collect();
    assert_eq!(paid_flags, vec![true, false, false]);

    // Recovered: no retry runs on the schedule any more.
    env.advance(&clock, FEB15 + 10 * DAY).await;
    assert_eq!(env.events(&["invoice.payment_failed"]).await.len(), 2);
}

#[tokio::test]
async fn the_last_failed_retry_cancels_the_subscription() {
    let env = Env::start().await;
    let clock = env.clock().await;
    let (_, sub) = failing_subscription(&env, &clock).await;
    env.advance(&clock, APR15 + DAY).await;

    // Attempts on Feb 15 and 3, 5 and 7 days after each previous one.
    let attempts = [FEB15, FEB15 + 3 * DAY, FEB15 + 8 * DAY, FEB15 + 15 * DAY];
    let failed: Vec<i64> = env
        .events(&["invoice.payment_failed"])
        .await
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(failed, attempts);
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Canceled);
    assert_eq!(sub.ended_at.map(unix), Some(attempts[3]));
    let raw = env.fake().object(&sub.id).unwrap();
    assert_eq!(raw["cancellation_details"]["reason"], "payment_failed");
    let deleted = env.events(&["customer.subscription.deleted"]).await;
    assert_eq!(
        deleted,
        events_at(&["customer.subscription.deleted"], attempts[3])
    );
    // No renewal after the end; the invoice stays open without further attempts.
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(invoices.len(), 2);
    let raw = env.fake().object(&invoices[1].id).unwrap();
    assert_eq!(
        (raw["status"].as_str(), raw["attempt_count"].as_i64()),
        (Some("open"), Some(4))
    );
    assert_eq!(raw["next_payment_attempt"], Value::Null);
}

#[tokio::test]
async fn dunning_is_configurable_and_can_leave_the_subscription_unpaid() {
    let env = Env::start().await;
    env.fake().set_dunning(Dunning {
        retry_delays: vec![Duration::from_secs(86_400), Duration::from_secs(2 * 86_400)],
        after_retries: AfterRetries::Unpaid,
    });
    let clock = env.clock().await;
    let (_, sub) = failing_subscription(&env, &clock).await;
    env.advance(&clock, MAR15 - DAY).await;
    let failed: Vec<i64> = env
        .events(&["invoice.payment_failed"])
        .await
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(failed, vec![FEB15, FEB15 + DAY, FEB15 + 3 * DAY]);
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Unpaid);
    let update = env
        .fake()
        .events()
        .into_iter()
        .rfind(|e| e["type"] == "customer.subscription.updated")
        .unwrap();
    assert_eq!(update["created"], FEB15 + 3 * DAY);
    assert_eq!(update["data"]["previous_attributes"]["status"], "past_due");

    // The open invoice can be written off, then voided; each step is an event.
    let invoice = env.invoices(&sub.id).await.pop().unwrap();
    let path = format!("/v1/invoices/{}/mark_uncollectible", invoice.id);
    let (status, body) = env.raw(reqwest::Method::POST, &path, &[]).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("uncollectible"))
    );
    let (status, _) = env.raw(reqwest::Method::POST, &path, &[]).await;
    assert_eq!(status, 400);
    let path = format!("/v1/invoices/{}/void", invoice.id);
    let (status, body) = env.raw(reqwest::Method::POST, &path, &[]).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("void")));
    let voided = env.client.invoices().retrieve(&invoice.id).await.unwrap();
    assert_eq!(
        (voided.status, voided.amount_remaining),
        (Some(InvoiceStatus::Void), 0)
    );
    let pay = env
        .client
        .invoices()
        .pay(&invoice.id, &PayInvoice::default())
        .await;
    assert!(matches!(pay, Err(Error::Api(e)) if e.status == 400));
    let kinds: Vec<String> = env
        .events(&[
            "invoice.marked",
            "invoice.voided",
            "payment_intent.canceled",
        ])
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "invoice.marked_uncollectible",
            "payment_intent.canceled",
            "invoice.voided"
        ]
    );
}

#[tokio::test]
async fn cancel_at_period_end_ends_the_subscription_at_the_period_end() {
    let env = Env::start().await;
    let price = env.price("Basic", 1000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &price, 1).await;
    env.advance(&clock, T0 + 5 * DAY).await;
    let sub = env
        .client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                cancel_at_period_end: Some(true),
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.cancel_at_period_end, Some(true));
    assert_eq!(sub.cancel_at.map(unix), Some(FEB15));
    assert_eq!(sub.canceled_at.map(unix), Some(T0 + 5 * DAY));

    env.advance(&clock, FEB15 + DAY).await;
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Canceled);
    assert_eq!(sub.ended_at.map(unix), Some(FEB15));
    assert_eq!(env.invoices(&sub.id).await.len(), 1);
    assert_eq!(
        env.events(&["customer.subscription.deleted"]).await,
        events_at(&["customer.subscription.deleted"], FEB15)
    );

    // DELETE cancels at once, and only once.
    let other = env.subscribe(&customer, &pm, &price, 1).await;
    let canceled = env
        .client
        .subscriptions()
        .cancel(&other.id, &CancelSubscription::default())
        .await
        .unwrap();
    assert_eq!(canceled.status, SubscriptionStatus::Canceled);
    assert_eq!(canceled.ended_at.map(unix), Some(FEB15 + DAY));
    let again = env
        .client
        .subscriptions()
        .cancel(&other.id, &CancelSubscription::default())
        .await;
    assert!(matches!(again, Err(Error::Api(e)) if e.status == 400));
}

#[tokio::test]
async fn a_trial_ends_with_the_first_paid_invoice() {
    let env = Env::start().await;
    let price = env.price("Basic", 3000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env
        .client
        .subscriptions()
        .create(&CreateSubscription {
            items: vec![CreateSubscriptionItem::new(&price, 1)],
            default_payment_method: Some(pm),
            trial_period_days: Some(14),
            ..CreateSubscription::new(&customer)
        })
        .await
        .unwrap();
    let trial_end = T0 + 14 * DAY;
    assert_eq!(sub.status, SubscriptionStatus::Trialing);
    assert_eq!(period(&sub), (T0, trial_end));
    assert_eq!(sub.trial_end.map(unix), Some(trial_end));
    let first = env.invoices(&sub.id).await.pop().unwrap();
    assert_eq!(
        (first.amount_due, first.status),
        (0, Some(InvoiceStatus::Paid))
    );

    env.advance(&clock, trial_end + 3600).await;
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    // Jan 29 + one month is Feb 28 in 2027.
    assert_eq!(period(&sub), (trial_end, 1_803_816_000));
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(
        (invoices[1].amount_paid, unix(invoices[1].created)),
        (3000, trial_end)
    );
}

#[tokio::test]
async fn a_subscription_create_with_an_idempotency_key_happens_once() {
    let env = Env::start().await;
    let price = env.price("Basic", 1000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let params = CreateSubscription {
        items: vec![CreateSubscriptionItem::new(&price, 1)],
        default_payment_method: Some(pm),
        ..CreateSubscription::new(&customer)
    };
    let subs = env.client.subscriptions();
    let a = subs
        .clone()
        .idempotency_key("sub-1")
        .create(&params)
        .await
        .unwrap();
    let b = subs
        .clone()
        .idempotency_key("sub-1")
        .create(&params)
        .await
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(env.fake().ids("subscription"), vec![a.id.clone()]);
    assert_eq!(env.fake().ids("invoice").len(), 1);
    let other = CreateSubscription {
        items: vec![CreateSubscriptionItem::new(&price, 2)],
        ..params
    };
    let clash = subs.idempotency_key("sub-1").create(&other).await;
    assert!(
        matches!(&clash, Err(Error::Api(e)) if e.error.error_type == Some(stripe_client::ErrorType::IdempotencyError)),
        "{clash:?}"
    );
}

/// `(path, form, status, error code ("" for none), error param)`.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str, &'a str);

#[tokio::test]
async fn bad_billing_requests_get_stripe_errors_naming_the_field() {
    let env = Env::start().await;
    let price = env.price("Basic", 1000).await;
    let product = match env.client.prices().retrieve(&price).await.unwrap().product {
        Some(stripe_client::Expandable::Id(id)) => id,
        other => panic!("{other:?}"),
    };
    let one_time = env
        .client
        .prices()
        .create(&CreatePrice::new(&product, 500, "usd"))
        .await
        .unwrap();
    let listed = env
        .client
        .prices()
        .list(&ListPrices {
            product: Some(product.clone()),
            ..ListPrices::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 2);
    let clock = env.clock().await;
    let (customer, _) = env.customer(&clock, "pm_card_visa").await;
    let post = reqwest::Method::POST;
    let cases: Vec<Case<'_>> = vec![
        (
            "/v1/subscriptions",
            vec![
                ("customer", &customer),
                ("items[0][price]", &price),
                ("foo", "1"),
            ],
            400,
            "parameter_unknown",
            "foo",
        ),
        (
            "/v1/subscriptions",
            vec![
                ("customer", &customer),
                ("items[0][price]", &price),
                ("items[0][bogus]", "1"),
            ],
            400,
            "parameter_unknown",
            "items[0][bogus]",
        ),
        (
            "/v1/subscriptions",
            vec![("customer", &customer)],
            400,
            "parameter_missing",
            "items",
        ),
        (
            "/v1/subscriptions",
            vec![("items[0][price]", &price)],
            400,
            "parameter_missing",
            "customer",
        ),
        (
            "/v1/subscriptions",
            vec![("customer", &customer), ("items[0][price]", "price_nope")],
            400,
            "resource_missing",
            "items[0][price]",
        ),
        (
            "/v1/subscriptions",
            vec![
                ("customer", &customer),
                ("items[0][price]", &price),
                ("items[0][quantity]", "1.5"),
            ],
            400,
            "parameter_invalid_integer",
            "items[0][quantity]",
        ),
        (
            "/v1/subscriptions",
            vec![("customer", "cus_nope"), ("items[0][price]", &price)],
            400,
            "resource_missing",
            "customer",
        ),
        (
            "/v1/prices",
            vec![
                ("currency", "usd"),
                ("unit_amount", "100"),
                ("product", &product),
                ("recurring[interval]", "fortnight"),
            ],
            400,
            "",
            "recurring[interval]",
        ),
        (
            "/v1/prices",
            vec![
                ("currency", "usd"),
                ("unit_amount", "-1"),
                ("product", &product),
            ],
            400,
            "",
            "unit_amount",
        ),
        (
            "/v1/prices",
            vec![("currency", "usd"), ("unit_amount", "100")],
            400,
            "parameter_missing",
            "product",
        ),
        (
            "/v1/products",
            vec![("description", "x")],
            400,
            "parameter_missing",
            "name",
        ),
        (
            "/v1/test_helpers/test_clocks",
            vec![("frozen_time", "soon")],
            400,
            "parameter_invalid_integer",
            "frozen_time",
        ),
        (
            "/v1/customers",
            vec![("test_clock", "clock_nope")],
            400,
            "resource_missing",
            "test_clock",
        ),
    ];
    for (path, form, status, code, param) in cases {
        let (got, body) = env.raw(post.clone(), path, &form).await;
        assert_eq!(got, status, "{path} {form:?}: {body}");
        assert_eq!(
            body["error"]["code"].as_str().unwrap_or(""),
            code,
            "{path} {form:?}: {body}"
        );
        assert_eq!(
            body["error"]["param"].as_str(),
            Some(param),
            "{path} {form:?}: {body}"
        );
    }
    let (got, body) = env
        .raw(
            post.clone(),
            "/v1/subscriptions",
            &[("customer", &customer), ("items[0][price]", &one_time.id)],
        )
        .await;
    assert_eq!(
        (got, body["error"]["param"].as_str()),
        (400, Some("items[0][price]"))
    );
    assert!(env.fake().ids("subscription").is_empty());
    let (got, _) = env
        .raw(
            post.clone(),
            &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
            &[("frozen_time", &(T0 - 1).to_string())],
        )
        .await;
    assert_eq!(got, 400);
    let (got, body) = env
        .raw(reqwest::Method::GET, "/v1/invoices/in_nope", &[])
        .await;
    assert_eq!(
        (got, body["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    let (got, _) = env
        .raw(reqwest::Method::GET, "/v1/subscriptions/sub_nope", &[])
        .await;
    assert_eq!(got, 404);
}

#[tokio::test]
async fn subscriptions_on_no_clock_renew_when_the_fakes_clock_moves() {
    let env = Env::start().await;
    let price = env.price("Basic", 1000).await;
    let customer = env
        .client
        .customers()
        .create(&stripe_client::CreateCustomer::default())
        .await
        .unwrap();
    let pm = env.attach(&customer.id, "pm_card_visa").await;
    let sub = env.subscribe(&customer.id, &pm, &price, 1).await;
    let (start, end) = period(&sub);
    env.fake().advance_clock(Duration::from_secs(40 * 86_400));
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(period(&sub).0, end);
    assert!(end - start >= 28 * DAY && end - start <= 31 * DAY);
    let invoices = env.invoices(&sub.id).await;
    assert_eq!(invoices.len(), 2);
    assert_eq!(unix(invoices[1].created), end);
    assert!(env.fake().advance_test_clock("clock_nope", T0).is_none());
}

#[tokio::test]
async fn a_credit_note_refunds_part_of_a_paid_invoice() {
    let env = Env::start().await;
    let price = env.price("Basic", 3000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &price, 1).await;
    let invoice = env.invoices(&sub.id).await.pop().unwrap();
    let before = env.fake().unpaid_balance("usd");
    let post = reqwest::Method::POST;
    let form = [
        ("invoice", invoice.id.as_str()),
        ("amount", "1000"),
        ("refund_amount", "700"),
        ("out_of_band_amount", "300"),
        ("reason", "order_change"),
    ];
    let (status, note) = env.raw(post.clone(), "/v1/credit_notes", &form).await;
    assert_eq!(status, 200, "{note}");
    assert_eq!(
        (note["amount"].as_i64(), note["out_of_band_amount"].as_i64()),
        (Some(1000), Some(300))
    );
    assert_eq!(note["refunds"][0]["amount_refunded"], 700);
    assert_eq!(note["created"], T0);
    assert_eq!(note["number"], format!("{}-CN-01", invoice.number.unwrap()));
    assert_eq!(env.fake().unpaid_balance("usd"), before - 700);
    let charge = env
        .client
        .charges()
        .list(&ListCharges::default())
        .await
        .unwrap()
        .data;
    assert_eq!(charge[0].amount_refunded, 700);
    let raw = env.fake().object(&invoice.id).unwrap();
    assert_eq!(raw["post_payment_credit_notes_amount"], 1000);
    assert_eq!(
        env.events(&["credit_note", "charge.refunded"]).await,
        events_at(&["charge.refunded", "credit_note.created"], T0)
    );
    let id = note["id"].as_str().unwrap();
    let (status, got) = env
        .raw(reqwest::Method::GET, &format!("/v1/credit_notes/{id}"), &[])
        .await;
    assert_eq!((status, got), (200, note.clone()));

    // Only 2000 is left to credit; the parts must add up; no customer balance.
    let bad: [(&[(&str, &str)], &str); 4] = [
        (&[("amount", "2001"), ("refund_amount", "2001")], "amount"),
        (&[("amount", "500"), ("refund_amount", "400")], "amount"),
        (
            &[("amount", "500"), ("credit_amount", "500")],
            "credit_amount",
        ),
        (
            &[("amount", "500"), ("refund_amount", "500"), ("bogus", "1")],
            "bogus",
        ),
    ];
    for (extra, param) in bad {
        let mut form = vec![("invoice", invoice.id.as_str())];
        form.extend_from_slice(extra);
        let (status, body) = env.raw(post.clone(), "/v1/credit_notes", &form).await;
        assert_eq!(
            (status, body["error"]["param"].as_str()),
            (400, Some(param)),
            "{body}"
        );
    }
    assert_eq!(env.fake().ids("credit_note").len(), 1);
}

#[tokio::test]
async fn a_declined_first_invoice_leaves_the_subscription_incomplete_until_paid() {
    let env = Env::start().await;
    let price = env.price("Basic", 1000).await;
    let clock = env.clock().await;
    let (customer, failing) = env.customer(&clock, "pm_card_chargeCustomerFail").await;
    let sub = env.subscribe(&customer, &failing, &price, 1).await;
    assert_eq!(sub.status, SubscriptionStatus::Incomplete);
    let invoice = env.invoices(&sub.id).await.pop().unwrap();
    assert_eq!(invoice.status, Some(InvoiceStatus::Open));
    // A first invoice is not retried, and an incomplete subscription does not renew.
    env.advance(&clock, MAR15).await;
    let raw = env.fake().object(&invoice.id).unwrap();
    assert_eq!(
        (raw["attempt_count"].as_i64(), &raw["next_payment_attempt"]),
        (Some(1), &Value::Null)
    );
    assert_eq!(env.invoices(&sub.id).await.len(), 1);
    let good = env.attach(&customer, "pm_card_visa").await;
    let paid = env
        .client
        .invoices()
        .pay(
            &invoice.id,
            &PayInvoice {
                payment_method: Some(good.clone()),
                ..PayInvoice::default()
            },
        )
        .await
        .unwrap()
        .completed()
        .unwrap();
    assert!(paid.is_paid());
    let sub = env.client.subscriptions().retrieve(&sub.id).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);

    // default_incomplete: the first invoice waits, nothing is charged.
    let waiting = env
        .client
        .subscriptions()
        .create(&CreateSubscription {
            items: vec![CreateSubscriptionItem::new(&price, 1)],
            default_payment_method: Some(good),
            payment_behavior: Some(stripe_client::PaymentBehavior::DefaultIncomplete),
            ..CreateSubscription::new(&customer)
        })
        .await
        .unwrap();
    assert_eq!(waiting.status, SubscriptionStatus::Incomplete);
    let first = env.invoices(&waiting.id).await.pop().unwrap();
    let raw = env.fake().object(&first.id).unwrap();
    assert_eq!(
        (raw["status"].as_str(), raw["attempt_count"].as_i64()),
        (Some("open"), Some(0))
    );
}

#[tokio::test]
async fn items_added_and_deleted_mid_period_are_prorated() {
    let env = Env::start().await;
    let basic = env.price("Basic", 1000).await;
    let pro = env.price("Pro", 3000).await;
    let clock = env.clock().await;
    let (customer, pm) = env.customer(&clock, "pm_card_visa").await;
    let sub = env.subscribe(&customer, &pm, &basic, 1).await;
    env.advance(&clock, T0 + 10 * DAY).await;
    let sub = env
        .client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                items: vec![
                    UpdateSubscriptionItem::delete(&sub.items.data[0].id),
                    UpdateSubscriptionItem::add(&pro, 1),
                ],
                ..UpdateSubscription::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sub.items.data.len(), 1);
    assert_eq!(sub.items.data[0].price.as_ref().unwrap().id, pro);
    // Deleting the last item without adding one is refused.
    let refused = env
        .client
        .subscriptions()
        .update(
            &sub.id,
            &UpdateSubscription {
                items: vec![UpdateSubscriptionItem::delete(&sub.items.data[0].id)],
                ..UpdateSubscription::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(Error::Api(e)) if e.status == 400));
    env.advance(&clock, FEB15 + 60).await;
    let invoice = env.invoices(&sub.id).await.pop().unwrap();
    assert_eq!(line_amounts(&invoice), vec![-677, 2032, 3000]);
    assert_eq!(invoice.amount_paid, 4355);
}

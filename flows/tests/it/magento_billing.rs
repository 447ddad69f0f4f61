//! Subscriptions and recurring billing end to end: the Stripe fake's test clock renews, prorates
//! and dunns a subscription; its events go through the intake, the SQLite store and the worker
//! into the ledger, and onto the Magento customer's account.
#![cfg(all(feature = "magento", feature = "stripe"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flows::notify::{Notice, NoticeKind};
use flows::workflows::magento_stripe::SUBSCRIPTION_STATUS_ATTRIBUTE;
use flows::{Outcome, SqliteStore, Store, Worker, WorkerConfig};
use sandbox::stripe::processing_fee;
use serde_json::json;
use stripe_client::{
    AdvanceTestClock, CreateCreditNote, CreatePrice, CreatePriceRecurring, CreateProduct,
    CreateSubscription, CreateSubscriptionItem, CreateTestClock, Invoice, ListInvoices, PageParams,
    PayInvoice, PriceInterval, ProrationBehavior, UpdateSubscription, UpdateSubscriptionItem,
};
use time::{Date, OffsetDateTime};

use crate::drain;
use crate::magento_stripe::through_the_sandbox::Sandboxed;
use crate::notify::{Recording, notifying};

/// 2027-01-15T12:00:00Z.
const T0: i64 = 1_800_014_400;
const DAY: i64 = 86_400;
const ACCOUNT: &str = "acct_123";

fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap()
}

/// The 15th of the month `n` months after January 2027, 12:00 UTC (a renewal instant).
fn month(n: u8) -> i64 {
    let base = at(T0);
    let months = u32::from(n);
    let year = base.year() + i32::try_from(months / 12).unwrap();
    let m = time::Month::try_from(u8::try_from(months % 12).unwrap() + 1).unwrap();
    base.replace_year(year)
        .unwrap()
        .replace_month(m)
        .unwrap()
        .unix_timestamp()
}

struct Billing {
    app: Sandboxed,
    worker: Worker,
    notices: Arc<Recording>,
    stripe: stripe_client::Client,
    magento: magento::Client,
    http: reqwest::Client,
    /// The recognition job's own store and worker (its schedule would keep the main worker
    /// busy), and the day it recognises through.
    recognition: (Worker, Arc<SqliteStore>, flows::store::NewJob),
    today: Arc<Mutex<Date>>,
    clock: String,
    customer: String,
    magento_id: i64,
}

impl Billing {
    async fn start() -> Self {
        let app = Sandboxed::start().await;
        let (worker, notices) = notifying(&app.store, |w| app.flows.register(w));
        let stripe = stripe_client::Client::builder(secrecy::SecretString::from(
            app.stripe.fake.secret_key().to_owned(),
        ))
        .base_url(app.stripe.base_url().as_str())
        .build()
        .unwrap();
        let magento = magento::Client::builder(
            app.magento.base_url().as_str(),
            magento::Credentials::oauth(
                app.magento.fake.consumer_key(),
                app.magento.fake.consumer_secret(),
                app.magento.fake.access_token(),
                app.magento.fake.access_token_secret(),
            ),
        )
        .store_code("default")
        .build()
        .unwrap();
        let today = Arc::new(Mutex::new(at(T0).date()));
        let clock_today = Arc::clone(&today);
        let recognizer = app
            .flows
            .revenue_recognizer()
            .today(move || *clock_today.lock().unwrap());
        let backfill = flows::backfill::Backfill::new(recognizer, Duration::from_millis(20));
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let job = backfill.job();
        let rworker = Worker::new(
            Arc::clone(&store),
            WorkerConfig::new("r1").poll_interval(Duration::from_millis(5)),
        )
        .flow(backfill);

        // A Magento customer, and its Stripe customer on a test clock, linked as the customer
        // sync links them.
        let new: magento::Customer = serde_json::from_value(json!({
            "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "website_id": 1
        }))
        .unwrap();
        let magento_id = magento
            .customers()
            .create(&magento::NewCustomer::new(new))
            .await
            .unwrap()
            .id
            .unwrap();
        let clock = stripe
            .test_clocks()
            .create(&CreateTestClock::at(at(T0)))
            .await
            .unwrap()
            .id;
        let http = reqwest::Client::new();
        let mut b = Self {
            app,
            worker,
            notices,
            stripe,
            magento,
            http,
            recognition: (rworker, store, job),
            today,
            clock,
            customer: String::new(),
            magento_id,
        };
        let id = magento_id.to_string();
        let body = b
            .raw(
                "/v1/customers",
                &[
                    ("email", "ada@example.com"),
                    ("name", "Ada Lovelace"),
                    ("test_clock", &b.clock.clone()),
                    ("metadata[magento_customer_id]", &id),
                    ("metadata[store]", "magento"),
                    ("metadata[store_code]", "default"),
                ],
            )
            .await;
        b.customer = body["id"].as_str().unwrap().to_owned();
        b
    }

    async fn raw(&self, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let url = format!(
            "{}{}",
            self.app.stripe.base_url().as_str().trim_end_matches('/'),
            path
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(self.app.stripe.fake.secret_key())
            .form(form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().await.unwrap()
    }

    async fn price(&self, name: &str, amount: i64) -> String {
        let product = self
            .stripe
            .products()
            .create(&CreateProduct::new(name))
            .await
            .unwrap();
        self.stripe
            .prices()
            .create(&CreatePrice {
                recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 1)),
                ..CreatePrice::new(&product.id, amount, "usd")
            })
            .await
            .unwrap()
            .id
    }

    async fn attach(&self, pm: &str) -> String {
        self.stripe
            .payment_methods()
            .attach(pm, &self.customer)
            .await
            .unwrap()
            .id
    }

    async fn subscribe(&self, price: &str, pm: &str) -> String {
        self.stripe
            .subscriptions()
            .create(&CreateSubscription {
                items: vec![CreateSubscriptionItem::new(price, 1)],
                default_payment_method: Some(pm.to_owned()),
                ..CreateSubscription::new(&self.customer)
            })
            .await
            .unwrap()
            .id
    }

    /// From now on, `sub`'s renewals are charged to a card Stripe declines.
    async fn charge_a_failing_card(&self, sub: &str) {
        let failing = self.attach("pm_card_chargeCustomerFail").await;
        self.update(
            sub,
            UpdateSubscription {
                default_payment_method: Some(failing),
                ..UpdateSubscription::default()
            },
        )
        .await;
    }

    async fn update(&self, sub: &str, update: UpdateSubscription) {
        self.stripe
            .subscriptions()
            .update(sub, &update)
            .await
            .unwrap();
    }

    async fn advance(&self, to: i64) {
        self.stripe
            .test_clocks()
            .advance(
                &self.clock,
                &AdvanceTestClock {
                    frozen_time: at(to),
                },
            )
            .await
            .unwrap();
        *self.today.lock().unwrap() = at(to).date();
    }

    /// Delivers the new events and runs the worker until nothing is left; no run failed.
    async fn settle(&self) {
        loop {
            self.app.deliver_events().await;
            let outcomes = drain(&self.worker).await;
            assert!(
                outcomes
                    .iter()
                    .all(|o| matches!(o, Outcome::Done | Outcome::Waiting { .. })),
                "{outcomes:?}"
            );
            if outcomes.is_empty() {
                return;
            }
        }
    }

    /// One run of the recognition job (its schedule has come by then).
    async fn recognize(&self) {
        let (worker, store, job) = &self.recognition;
        store.enqueue(job.clone(), 0).await.unwrap();
        tokio::time::sleep(Duration::from_millis(25)).await;
        let (_tx, mut shutdown) = tokio::sync::watch::channel(false);
        loop {
            if let Some(outcome) = worker.run_once(&mut shutdown).await.unwrap() {
                // A poll ends by waiting for its next turn.
                assert!(matches!(outcome, Outcome::Waiting { .. }), "{outcome:?}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn invoices(&self, sub: &str) -> Vec<Invoice> {
        let mut list = self
            .stripe
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

    async fn balance(&self, code: &str) -> i64 {
        self.app
            .ledger
            .trial_balance()
            .await
            .unwrap()
            .iter()
            .filter(|l| l.code == code)
            .map(|l| l.balance)
            .sum()
    }

    async fn payments(&self) -> Vec<erp::PaymentEntry> {
        use erp::Erp;
        self.app
            .ledger
            .payment_entries(
                &erp::Gateway::new("stripe").unwrap(),
                Date::from_calendar_date(2026, time::Month::January, 1).unwrap(),
                Date::from_calendar_date(2029, time::Month::January, 1).unwrap(),
            )
            .await
            .unwrap()
    }

    async fn magento_status(&self) -> Option<String> {
        let customer = self.magento.customers().get(self.magento_id).await.unwrap();
        customer
            .custom_attributes
            .iter()
            .find(|a| a.attribute_code == SUBSCRIPTION_STATUS_ATTRIBUTE)
            .and_then(|a| a.value.as_str().map(str::to_owned))
    }

    fn notices(&self, kind: NoticeKind) -> Vec<Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == kind)
            .collect()
    }

    /// What Stripe says is still deferred through `through` on the paid and open invoices:
    /// each line's amount less the part of its service days elapsed (cumulative floor, as
    /// the ledger recognises).
    async fn expected_deferred(&self, sub: &str, through: Date) -> (i64, i64) {
        let (mut deferred, mut billed) = (0, 0);
        for invoice in self.invoices(sub).await {
            if invoice.total <= 0 || invoice.status == Some(stripe_client::InvoiceStatus::Void) {
                continue;
            }
            billed += invoice.total;
            for line in &invoice.lines.as_ref().unwrap().data {
                let period = erp::ServicePeriod {
                    start: line.period.as_ref().unwrap().start.date(),
                    end: line.period.as_ref().unwrap().end.date(),
                };
                if period.end <= period.start {
                    continue;
                }
                let amount = erp::Money::new(line.amount, erp::CurrencyCode::new("USD").unwrap());
                deferred += line.amount - period.earned_through(amount, through).minor;
            }
        }
        (deferred, billed)
    }

    /// The books against Stripe, to the cent: every paid invoice's charge booked with its fee,
    /// deferred revenue as Stripe's lines say through today, the rest recognised.
    async fn check_books(&self, sub: &str) {
        self.recognize().await;
        let today = *self.today.lock().unwrap();
        let (deferred, billed) = self.expected_deferred(sub, today).await;
        assert_eq!(
            -self.balance("2400").await,
            deferred,
            "deferred through {today}"
        );
        assert_eq!(
            -self.balance("4000").await,
            billed - deferred,
            "revenue through {today}"
        );
        let paid: Vec<Invoice> = self
            .invoices(sub)
            .await
            .into_iter()
            .filter(|i| i.is_paid() && i.total > 0)
            .collect();
        let payments = self.payments().await;
        assert_eq!(payments.len(), paid.len(), "{payments:#?}");
        for invoice in &paid {
            let booked = payments
                .iter()
                .find(|p| p.invoice_ref == format!("stripe/{ACCOUNT}/invoice/{}", invoice.id))
                .unwrap_or_else(|| panic!("payment of {}", invoice.id));
            assert_eq!(booked.amount.minor, invoice.total);
            assert_eq!(booked.fee.minor, processing_fee(invoice.total));
            assert_eq!(
                booked.external_ref,
                format!("stripe/{ACCOUNT}/txn/{}", booked.transaction_id)
            );
            assert!(booked.transaction_id.starts_with("ch_"));
        }
        // Fully paid: nothing is left receivable.
        if paid.len()
            == self
                .invoices(sub)
                .await
                .iter()
                .filter(|i| i.total > 0)
                .count()
        {
            assert_eq!(self.balance("1100").await, 0);
        }
    }
}

#[tokio::test]
async fn a_year_of_renewals_with_an_upgrade_a_recovered_failure_and_a_cancellation() {
    let b = Billing::start().await;
    let basic = b.price("Basic", 1000).await;
    let pro = b.price("Pro", 3000).await;
    let visa = b.attach("pm_card_visa").await;
    let sub = b.subscribe(&basic, &visa).await;
    b.settle().await;
    let contract_ref = format!("stripe/{ACCOUNT}/subscription/{sub}");
    let contract = b.app.ledger.contract(&contract_ref).await.unwrap().unwrap();
    assert_eq!(contract.contract.status, erp::ContractStatus::Active);
    assert_eq!(
        contract.contract.customer_ref,
        format!("magento/default/customer/{}", b.magento_id)
    );
    assert_eq!(b.magento_status().await.as_deref(), Some("active"));
    b.check_books(&sub).await;

    // Ten days in, an upgrade to Pro invoiced at once: −677 + 2032.
    b.advance(T0 + 10 * DAY).await;
    let item = b
        .stripe
        .subscriptions()
        .retrieve(&sub)
        .await
        .unwrap()
        .items
        .data[0]
        .id
        .clone();
    b.update(
        &sub,
        UpdateSubscription {
            items: vec![UpdateSubscriptionItem {
                id: Some(item),
                price: Some(pro.clone()),
                ..UpdateSubscriptionItem::default()
            }],
            proration_behavior: Some(ProrationBehavior::AlwaysInvoice),
            ..UpdateSubscription::default()
        },
    )
    .await;
    b.settle().await;
    let invoices = b.invoices(&sub).await;
    assert_eq!(invoices[1].total, 1355);
    b.check_books(&sub).await;

    for n in 1..=12u8 {
        if n == 3 {
            // The third renewal fails, then the customer pays with a new card.
            b.charge_a_failing_card(&sub).await;
            b.advance(month(n) + 3600).await;
            b.settle().await;
            let told = b.notices(NoticeKind::RenewalFailed);
            assert_eq!(told.len(), 1, "{told:?}");
            let retry = at(month(n) + 3 * DAY).date().to_string();
            assert!(
                told[0]
                    .facts
                    .iter()
                    .any(|f| f.name == "next payment attempt" && f.value == retry),
                "{told:?}"
            );
            assert_eq!(
                b.magento_status().await,
                Some(format!("past_due, next retry {retry}"))
            );
            b.check_books(&sub).await;
            let open = b.invoices(&sub).await.pop().unwrap();
            let good = b.attach("pm_card_mastercard").await;
            b.stripe
                .invoices()
                .pay(
                    &open.id,
                    &PayInvoice {
                        payment_method: Some(good.clone()),
                        ..PayInvoice::default()
                    },
                )
                .await
                .unwrap();
            b.update(
                &sub,
                UpdateSubscription {
                    default_payment_method: Some(good),
                    ..UpdateSubscription::default()
                },
            )
            .await;
            b.settle().await;
            assert_eq!(b.magento_status().await.as_deref(), Some("active"));
            assert_eq!(b.notices(NoticeKind::RenewalFailed).len(), 1);
        } else {
            b.advance(month(n) + 3600).await;
            b.settle().await;
        }
        if n == 12 {
            b.update(
                &sub,
                UpdateSubscription {
                    cancel_at_period_end: Some(true),
                    ..UpdateSubscription::default()
                },
            )
            .await;
            b.settle().await;
        }
        b.check_books(&sub).await;
    }
    // 1 + the upgrade + 12 renewals.
    assert_eq!(b.invoices(&sub).await.len(), 14);

    // The period ends: the subscription with it, and every day is recognised.
    b.advance(month(13) + 3600).await;
    b.settle().await;
    b.check_books(&sub).await;
    assert_eq!(b.balance("2400").await, 0);
    // Month by month, everything billed was deferred, then recognised, to the cent.
    let (_, billed) = b.expected_deferred(&sub, at(month(13)).date()).await;
    let schedule = b
        .app
        .ledger
        .revenue_schedule(at(T0).date(), at(month(13)).date())
        .await
        .unwrap();
    assert_eq!(schedule.len(), 14);
    assert_eq!(schedule.iter().map(|m| m.opened).sum::<i64>(), billed);
    assert_eq!(schedule.iter().map(|m| m.recognized).sum::<i64>(), billed);
    assert_eq!(schedule.last().unwrap().closing, 0);
    assert_eq!(-b.balance("4000").await, billed);
    let contract = b.app.ledger.contract(&contract_ref).await.unwrap().unwrap();
    assert_eq!(contract.contract.status, erp::ContractStatus::Canceled);
    assert_eq!(contract.contract.ended_on, Some(at(month(13)).date()));
    assert_eq!(b.magento_status().await.as_deref(), Some("canceled"));
    // Invoice charges reached `charge.succeeded` and `payment_intent.*` too: neither dead
    // letters nor a second booking.
    assert!(b.app.store.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(b.payments().await.len(), 14);
}

/// A few months of a subscription with two failed attempts: its events delivered as they
/// come (`None`), or all at the end, each twice, in an order shuffled by the seed.
async fn books_of(shuffle: Option<u64>) -> (Vec<(String, i64, i64)>, usize) {
    use rand::seq::SliceRandom;
    use rand::{SeedableRng, rngs::StdRng};
    let b = Billing::start().await;
    let prompt = shuffle.is_none();
    let settle = || async {
        if prompt {
            b.settle().await;
        }
    };
    let basic = b.price("Basic", 1000).await;
    let visa = b.attach("pm_card_visa").await;
    let sub = b.subscribe(&basic, &visa).await;
    settle().await;
    b.advance(month(1) + 3600).await;
    settle().await;
    b.charge_a_failing_card(&sub).await;
    b.advance(month(2) + 3600).await;
    settle().await;
    b.advance(month(2) + 4 * DAY).await;
    settle().await;
    if let Some(seed) = shuffle {
        let mut events = b.app.stripe.fake.events();
        events.extend(events.clone());
        events.shuffle(&mut StdRng::seed_from_u64(seed));
        for event in &events {
            let body = serde_json::to_vec(event).unwrap();
            b.app
                .intake
                .ingest(mapping::System::Stripe, &body)
                .await
                .unwrap();
        }
        let outcomes = drain(&b.worker).await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    }
    b.recognize().await;
    let balances = b
        .app
        .ledger
        .trial_balance()
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.code, l.debit, l.credit))
        .collect();
    (balances, b.notices(NoticeKind::RenewalFailed).len())
}

#[tokio::test]
async fn events_late_twice_and_out_of_order_give_the_same_books() {
    let (in_order, told) = books_of(None).await;
    assert!(in_order.iter().any(|(code, _, _)| code == "2400"));
    // Two failed attempts (the renewal, the retry 3 days later), each told once.
    assert_eq!(told, 2);
    for seed in [1, 7] {
        let (shuffled, told_late) = books_of(Some(seed)).await;
        assert_eq!(shuffled, in_order, "seed {seed}");
        // Found late, the invoice shows its latest attempt only: that one is told.
        assert_eq!(told_late, 1, "seed {seed}");
    }
}

/// Stripe lets an invoice marked uncollectible be paid or voided later: the write-off is
/// reversed first, then the payment or the void is booked, and bad debts are back to zero.
#[tokio::test]
async fn an_uncollectible_invoice_paid_or_voided_later_reverses_its_write_off() {
    let b = Billing::start().await;
    let basic = b.price("Basic", 1000).await;
    let visa = b.attach("pm_card_visa").await;
    let sub = b.subscribe(&basic, &visa).await;
    b.settle().await;
    let receivable = b.balance("1100").await;
    let clearing = b.balance("1200-stripe").await;
    b.charge_a_failing_card(&sub).await;

    // The first renewal fails, is written off, and is paid later with the working card.
    b.advance(month(1) + 3600).await;
    b.settle().await;
    let second = b.invoices(&sub).await[1].id.clone();
    b.raw(&format!("/v1/invoices/{second}/mark_uncollectible"), &[])
        .await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 1000);
    b.raw(
        &format!("/v1/invoices/{second}/pay"),
        &[("payment_method", visa.as_str())],
    )
    .await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 0, "the write-off is reversed");
    assert_eq!(b.balance("1100").await, receivable, "and the invoice paid");
    assert_eq!(
        b.balance("1200-stripe").await,
        clearing + 1000 - processing_fee(1000),
        "the payment reached the gateway's clearing account"
    );

    // The next renewal fails too, is written off, and is voided later.
    b.advance(month(2) + 3600).await;
    b.settle().await;
    let third = b.invoices(&sub).await[2].id.clone();
    b.raw(&format!("/v1/invoices/{third}/mark_uncollectible"), &[])
        .await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 1000);
    b.raw(&format!("/v1/invoices/{third}/void"), &[]).await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 0);
    assert_eq!(b.balance("1100").await, receivable);

    // Marked uncollectible and paid before the books heard of it: no write-off to reverse,
    // the payment is booked as any.
    b.advance(month(3) + 3600).await;
    b.settle().await;
    let fourth = b.invoices(&sub).await[3].id.clone();
    b.raw(&format!("/v1/invoices/{fourth}/mark_uncollectible"), &[])
        .await;
    b.raw(
        &format!("/v1/invoices/{fourth}/pay"),
        &[("payment_method", visa.as_str())],
    )
    .await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 0);
    assert_eq!(b.balance("1100").await, receivable);

    // Every event delivered again: nothing more.
    for event in &b.app.stripe.fake.events() {
        let body = serde_json::to_vec(event).unwrap();
        b.app
            .intake
            .ingest(mapping::System::Stripe, &body)
            .await
            .unwrap();
    }
    b.settle().await;
    assert_eq!(b.balance("6300").await, 0);
    assert_eq!(b.balance("1100").await, receivable);
    assert!(b.app.store.dead_letters(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn uncollectible_is_written_off_void_is_reversed_and_a_credit_note_is_a_credit_memo() {
    let b = Billing::start().await;
    let basic = b.price("Basic", 1000).await;
    let visa = b.attach("pm_card_visa").await;
    let sub = b.subscribe(&basic, &visa).await;
    b.settle().await;

    // A credit note of 4.00 on the paid first invoice, refunded to the card: the memo credits
    // the paid invoice and the refund pays that credit back out of Stripe's clearing account.
    let first = b.invoices(&sub).await[0].id.clone();
    let clearing = b.balance("1200-stripe").await;
    let refunded = b
        .stripe
        .credit_notes()
        .create(&CreateCreditNote {
            amount: Some(400),
            refund_amount: Some(400),
            ..CreateCreditNote::new(&first)
        })
        .await
        .unwrap();
    b.settle().await;
    assert_eq!(b.balance("1100").await, 0, "credited, then paid back");
    assert_eq!(b.balance("1200-stripe").await, clearing - 400);
    let refund_id = refunded.refunds[0].refund.as_ref().unwrap().id().to_owned();
    let refunds: Vec<_> = b
        .payments()
        .await
        .into_iter()
        .filter(|p| p.direction == erp::PaymentDirection::Refunded)
        .map(|p| (p.external_ref, p.transaction_id, p.amount.minor))
        .collect();
    assert_eq!(
        refunds,
        [(
            format!(
                "stripe/{ACCOUNT}/credit_note/{}/refund/{refund_id}",
                refunded.id
            ),
            refund_id,
            -400
        )]
    );
    // A credit note of 3.00 settled out of band: a credit on the invoice, no money moved.
    b.stripe
        .credit_notes()
        .create(&CreateCreditNote {
            amount: Some(300),
            out_of_band_amount: Some(300),
            ..CreateCreditNote::new(&first)
        })
        .await
        .unwrap();
    b.settle().await;
    let receivable_after_memo = b.balance("1100").await;
    assert_eq!(
        receivable_after_memo, -300,
        "the memo credits the paid invoice"
    );
    assert_eq!(b.balance("1200-stripe").await, clearing - 400);

    // Renewals on a failing card: the first one's invoice is written off, the second voided.
    b.charge_a_failing_card(&sub).await;
    b.advance(month(1) + 3600).await;
    b.settle().await;
    let second = b.invoices(&sub).await[1].id.clone();
    assert_eq!(b.balance("1100").await, receivable_after_memo + 1000);
    b.raw(&format!("/v1/invoices/{second}/mark_uncollectible"), &[])
        .await;
    b.settle().await;
    assert_eq!(b.balance("6300").await, 1000);
    assert_eq!(b.balance("1100").await, receivable_after_memo);

    b.advance(month(2) + 3600).await;
    b.settle().await;
    let third = b.invoices(&sub).await[2].id.clone();
    assert_eq!(b.balance("1100").await, receivable_after_memo + 1000);
    b.raw(&format!("/v1/invoices/{third}/void"), &[]).await;
    b.settle().await;
    assert_eq!(b.balance("1100").await, receivable_after_memo);
    // Delivered again: nothing more.
    let events = b.app.stripe.fake.events();
    for event in &events {
        let body = serde_json::to_vec(event).unwrap();
        b.app
            .intake
            .ingest(mapping::System::Stripe, &body)
            .await
            .unwrap();
    }
    b.settle().await;
    assert_eq!(b.balance("6300").await, 1000);
    assert_eq!(b.balance("1100").await, receivable_after_memo);
    assert_eq!(b.balance("1200-stripe").await, clearing - 400);
    assert!(b.app.store.dead_letters(10).await.unwrap().is_empty());
}

//! Magento + Stripe workflows end to end: stand-ins for Magento's and Stripe's HTTP APIs that
//! match exact paths, queries and bodies, the embedded ERP ledger, and the SQLite store.
//!
//! `flows` has no `wiremock` dev-dependency, so [`Fake`] is a small wiremock-style server on axum
//! (already a dependency): mocks match method, path, query pairs, headers and the exact JSON or
//! form body; every request is logged so tests count calls per endpoint; a request nothing
//! matches is answered 500 and kept, and tests assert there were none.
#![cfg(all(feature = "magento", feature = "stripe"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::drain;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use erp::Erp;
use flows::intake::Delivery;
use flows::workflow::{Flow, job};
use flows::workflows::magento_stripe::{
    ChargeRefunded, ChargeSucceeded, Config, MagentoOrder, MagentoStripe, Shipped,
};
use flows::{
    Accepted, Backoff, JobPlan, NewEvent, NewJob, Outcome, SqliteStore, Store, Worker, WorkerConfig,
};
use mapping::System;
use serde_json::{Value, json};

/// Where the records of order 42's attempt with `pm_card_visa` are (and its PaymentIntent's
/// `Idempotency-Key` under it).
const ATTEMPT_KEY: &str = "magento/default/order/42/payment-method/pm_card_visa";
/// The Idempotency-Key of an order's first PaymentIntent: the order's own key, as before
/// attempts were keyed by method.
const FIRST_INTENT_KEY: &str = "magento/default/order/42/payment-intent";

// ---------------------------------------------------------------------------------------------
// A small wiremock-style fake HTTP server.

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Debug, Clone)]
enum BodyMatch {
    Any,
    Json(Value),
    Form(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
struct Mock {
    method: &'static str,
    path: String,
    query: Option<Vec<(String, String)>>,
    headers: Vec<(String, String)>,
    body: BodyMatch,
    status: u16,
    response: Value,
    remaining: Option<usize>,
}

impl Mock {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: BodyMatch::Any,
            status: 200,
            response: Value::Null,
            remaining: None,
        }
    }
    /// Matches only this exact set of query pairs (any order).
    fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query = Some(sorted(pairs));
        self
    }
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    fn json(mut self, body: Value) -> Self {
        self.body = BodyMatch::Json(body);
        self
    }
    fn form(mut self, pairs: Vec<(String, String)>) -> Self {
        self.body = BodyMatch::Form(sorted_owned(pairs));
        self
    }
    fn respond(mut self, status: u16, body: Value) -> Self {
        self.status = status;
        self.response = body;
        self
    }
    /// Matches the first `n` requests only.
    fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }

    fn matches(&self, request: &Request) -> bool {
        if self.remaining == Some(0) || self.method != request.method || self.path != request.path {
            return false;
        }
        if let Some(query) = &self.query
            && *query != sorted_owned(request.query.clone())
        {
            return false;
        }
        let headers_ok = self.headers.iter().all(|(name, value)| {
            request
                .headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                == Some(value.as_str())
        });
        headers_ok
            && match &self.body {
                BodyMatch::Any => true,
                BodyMatch::Json(expected) => {
                    serde_json::from_slice::<Value>(&request.body).ok().as_ref() == Some(expected)
                }
                BodyMatch::Form(expected) => {
                    let text = String::from_utf8_lossy(&request.body);
                    *expected == sorted_owned(decode_pairs(&text))
                }
            }
    }
}

#[derive(Default)]
struct FakeState {
    mocks: Mutex<Vec<Mock>>,
    log: Mutex<Vec<Request>>,
    unmatched: Mutex<Vec<String>>,
}

#[derive(Clone)]
struct Fake {
    uri: String,
    state: Arc<FakeState>,
}

impl Fake {
    async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            uri: format!("http://{addr}"),
            state,
        }
    }

    /// Adds a mock; mocks added earlier are tried first.
    fn mount(&self, mock: Mock) {
        self.state.mocks.lock().unwrap().push(mock);
    }

    /// Removes every mock of `method` + `path` (the log is kept).
    fn unmount(&self, method: &str, path: &str) {
        self.state
            .mocks
            .lock()
            .unwrap()
            .retain(|m| !(m.method == method && m.path == path));
    }

    /// Requests received for `method` + `path`.
    fn count(&self, method: &str, path: &str) -> usize {
        self.requests(method, path).len()
    }

    fn requests(&self, method: &str, path: &str) -> Vec<Request> {
        self.state
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .cloned()
            .collect()
    }

    fn total(&self) -> usize {
        self.state.log.lock().unwrap().len()
    }

    fn assert_all_matched(&self) {
        let unmatched = self.state.unmatched.lock().unwrap();
        assert!(
            unmatched.is_empty(),
            "requests no mock matched: {unmatched:#?}"
        );
    }
}

async fn serve(
    State(state): State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(decode_pairs).unwrap_or_default(),
        headers,
        body: body.to_vec(),
    };
    state.log.lock().unwrap().push(request.clone());
    let mut mocks = state.mocks.lock().unwrap();
    let Some(mock) = mocks.iter_mut().find(|m| m.matches(&request)) else {
        eprintln!(
            "no mock matched: {} {} {}",
            request.method,
            request.path,
            String::from_utf8_lossy(&request.body)
        );
        state.unmatched.lock().unwrap().push(format!(
            "{} {}?{:?} {}",
            request.method,
            request.path,
            request.query,
            String::from_utf8_lossy(&request.body)
        ));
        return (StatusCode::INTERNAL_SERVER_ERROR, "no mock matched").into_response();
    };
    if let Some(n) = &mut mock.remaining {
        *n -= 1;
    }
    let status = StatusCode::from_u16(mock.status).unwrap();
    let mut response = (status, mock.response.to_string()).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    response
}

fn sorted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    sorted_owned(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn sorted_owned(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// `a=1&b%5B0%5D=x+y` into decoded pairs.
fn decode_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The harness: Magento, Stripe, the ledger and the store.

const STORE: &str = "default";
const ACCOUNT: &str = "acct_123";
const CREATED: i64 = 1_763_892_000; // 2025-11-23 10:00:00 UTC

struct App {
    magento: Fake,
    stripe: Fake,
    ledger: Arc<erp::LocalLedger>,
    store: Arc<SqliteStore>,
    flows: MagentoStripe,
    worker: Worker,
}

impl App {
    async fn start() -> Self {
        Self::start_with(Config::new(STORE, ACCOUNT)).await
    }

    async fn start_with(config: Config) -> Self {
        let magento = Fake::start().await;
        let stripe = Fake::start().await;
        let ledger = Arc::new(erp::LocalLedger::open_in_memory().unwrap());
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let magento_client = magento::Client::builder(
            &magento.uri,
            magento::Credentials::integration_bearer("test-token"),
        )
        .store_code(STORE)
        .retry(magento::RetryConfig::disabled())
        .build()
        .unwrap();
        let stripe_client =
            stripe_client::Client::builder(secrecy::SecretString::from("sk_test_123"))
                .base_url(&stripe.uri)
                .retry(stripe_client::RetryConfig::disabled())
                .build()
                .unwrap();
        let erp: Arc<dyn Erp> = ledger.clone();
        let flows = MagentoStripe::new(magento_client, stripe_client, erp, config);
        let worker = flows.register(Worker::new(
            Arc::clone(&store),
            WorkerConfig::new("w1")
                .backoff(Backoff::new(
                    Duration::from_millis(1),
                    Duration::from_millis(2),
                    3,
                ))
                .poll_interval(Duration::from_millis(5)),
        ));
        Self {
            magento,
            stripe,
            ledger,
            store,
            flows,
            worker,
        }
    }

    /// Runs jobs until none is runnable for a while; returns every outcome.
    async fn drain(&self) -> Vec<Outcome> {
        drain(&self.worker).await
    }

    /// Stores a Stripe event as the intake does (inbox row and job in one transaction).
    async fn deliver(&self, event_id: &str, event_type: &str, object: Value) -> Accepted {
        let event = json!({
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2023-08-16",
            "created": CREATED + 60,
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 1,
        });
        self.deliver_event(event_id, event_type, &event).await
    }

    /// Stores `event` as the intake does, whatever its shape.
    async fn deliver_event(&self, event_id: &str, event_type: &str, event: &Value) -> Accepted {
        let body = serde_json::to_vec(event).unwrap();
        let route = self
            .flows
            .routes()
            .into_iter()
            .find(|r| r.topic() == event_type)
            .expect("a route for the event type");
        let delivery = Delivery {
            provider: System::Stripe,
            event_id,
            topic: event_type,
            account: None,
            body: &body,
        };
        let job = route.plan(&delivery).unwrap();
        self.store
            .accept_event(
                NewEvent {
                    provider: System::Stripe,
                    event_id: event_id.into(),
                    topic: event_type.into(),
                    payload: body,
                },
                Some(JobPlan::Run(job)),
                flows::now_millis(),
            )
            .await
            .unwrap()
    }

    /// The payment job of Magento order `id`, as the poller enqueues it.
    fn order_job(&self, id: i64) -> NewJob {
        job(&self.flows.order_payment(), &MagentoOrder { entity_id: id }).unwrap()
    }

    /// Runs a job again as if it had not finished (its records stay): what a crash after the
    /// effects and before the outcome leads to.
    async fn run_again(&self, mut job: NewJob) -> Vec<Outcome> {
        job.rerun = true;
        self.store.enqueue(job, 0).await.unwrap();
        self.drain().await
    }

    fn assert_all_matched(&self) {
        self.magento.assert_all_matched();
        self.stripe.assert_all_matched();
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

fn address() -> Value {
    json!({
        "firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St"], "city": "New York",
        "region": "New York", "region_code": "NY", "postcode": "10001", "country_id": "US",
        "telephone": "555-0100", "email": "ada@example.com"
    })
}

/// A Magento order of 3 × 50.00 USD plus 15.00 shipping, in `state`.
fn order(id: i64, state: &str, payment_info: Value) -> Value {
    json!({
        "entity_id": id,
        "increment_id": format!("{:09}", id),
        "state": state,
        "status": state,
        "created_at": "2026-11-23 10:00:00",
        "updated_at": "2026-11-23 10:00:05",
        "customer_id": 7,
        "customer_is_guest": 0,
        "customer_email": "ada@example.com",
        "customer_firstname": "Ada",
        "customer_lastname": "Lovelace",
        "base_currency_code": "USD",
        "order_currency_code": "USD",
        "grand_total": 165.0,
        "base_grand_total": 165.0,
        "subtotal": 150,
        "tax_amount": 0,
        "shipping_amount": "15.0000",
        "discount_amount": 0,
        "total_invoiced": null,
        "total_paid": null,
        "total_refunded": null,
        "items": [{
            "item_id": id * 10 + 1, "order_id": id, "sku": "TEE-1", "name": "T-shirt",
            "product_type": "simple", "qty_ordered": 3, "qty_shipped": 0, "qty_refunded": 0,
            "qty_canceled": 0, "price": 50, "row_total": 150, "tax_amount": 0, "discount_amount": 0
        }],
        "billing_address": address(),
        "payment": { "method": "stripe_payments", "additional_information": [] },
        "status_histories": [],
        "extension_attributes": {
            "shipping_assignments": [{ "shipping": { "address": address(), "method": "flatrate_flatrate" } }],
            "payment_additional_info": payment_info
        }
    })
}

fn stripe_info() -> Value {
    json!([
        { "key": "stripe_payment_method", "value": "pm_card_visa" },
        { "key": "stripe_customer", "value": "cus_ada" }
    ])
}

/// The order after its invoice: `processing`, paid in full.
fn invoiced_order(id: i64) -> Value {
    let mut o = order(id, "processing", stripe_info());
    o["total_invoiced"] = json!(165);
    o["total_paid"] = json!(165);
    o
}

fn metadata(id: i64) -> Value {
    json!({
        "store": "magento",
        "order_id": id.to_string(),
        "order_number": format!("{:09}", id),
    })
}

fn charge(id: &str, order_id: i64, balance_transaction: Value) -> Value {
    json!({
        "id": id, "object": "charge", "amount": 16500, "amount_captured": 16500,
        "amount_refunded": 0, "currency": "usd", "status": "succeeded", "captured": true,
        "paid": true, "created": CREATED, "balance_transaction": balance_transaction,
        "payment_intent": "pi_1", "customer": "cus_ada", "metadata": metadata(order_id),
        "payment_method": "pm_card_visa",
        "payment_method_details": { "type": "card", "card": { "brand": "visa", "last4": "4242" } }
    })
}

fn balance_transaction() -> Value {
    json!({
        "id": "txn_1", "object": "balance_transaction", "amount": 16500, "currency": "usd",
        "fee": 509, "net": 15991, "available_on": CREATED + 172_800, "created": CREATED,
        "type": "charge", "reporting_category": "charge", "status": "pending", "source": "ch_1"
    })
}

fn payment_intent(id: &str, order_id: i64, status: &str) -> Value {
    json!({
        "id": id, "object": "payment_intent", "amount": 16500, "currency": "usd",
        "status": status, "capture_method": "automatic", "created": CREATED,
        "metadata": metadata(order_id), "latest_charge": "ch_1"
    })
}

/// The job of a `charge.succeeded` event about `charge`.
fn charge_job(event_id: &str, charge: &str) -> NewJob {
    NewJob {
        kind: ChargeSucceeded::KIND,
        key: format!("stripe/{ACCOUNT}/charge/{charge}"),
        payload: json!({ "event": { "provider": "stripe", "event_id": event_id }, "charge_id": charge }),
        run_at: 0,
        rerun: false,
        event: None,
    }
}

fn order_path(id: i64) -> String {
    format!("/rest/{STORE}/V1/orders/{id}")
}

// ---------------------------------------------------------------------------------------------
// Tests.

/// The PaymentIntent form of order `id` (3 × 50.00 + 15.00 = 165.00 USD), exactly.
fn intent_form(id: i64) -> Vec<(String, String)> {
    let number = format!("{id:09}");
    let description = format!("Order {number}");
    let id = id.to_string();
    sorted(&[
        ("amount", "16500"),
        ("automatic_payment_methods[allow_redirects]", "never"),
        ("automatic_payment_methods[enabled]", "true"),
        ("confirm", "true"),
        ("currency", "usd"),
        ("customer", "cus_ada"),
        ("description", &description),
        ("metadata[order_id]", &id),
        ("metadata[order_number]", &number),
        ("metadata[order_reference]", &number),
        ("metadata[store]", "magento"),
        ("payment_method", "pm_card_visa"),
        ("receipt_email", "ada@example.com"),
        ("shipping[address][city]", "New York"),
        ("shipping[address][country]", "US"),
        ("shipping[address][line1]", "1 Main St"),
        ("shipping[address][postal_code]", "10001"),
        ("shipping[address][state]", "NY"),
        ("shipping[name]", "Ada Lovelace"),
        ("shipping[phone]", "555-0100"),
    ])
}

fn search_query(since: Option<&str>) -> Vec<(&'static str, String)> {
    let mut q = vec![
        (
            "searchCriteria[filterGroups][0][filters][0][field]",
            "state".to_owned(),
        ),
        (
            "searchCriteria[filterGroups][0][filters][0][value]",
            "new,pending_payment".to_owned(),
        ),
        (
            "searchCriteria[filterGroups][0][filters][0][conditionType]",
            "in".to_owned(),
        ),
        (
            "searchCriteria[sortOrders][0][field]",
            "updated_at".to_owned(),
        ),
        ("searchCriteria[sortOrders][0][direction]", "ASC".to_owned()),
        (
            "searchCriteria[sortOrders][1][field]",
            "entity_id".to_owned(),
        ),
        ("searchCriteria[sortOrders][1][direction]", "ASC".to_owned()),
        ("searchCriteria[pageSize]", "100".to_owned()),
        ("searchCriteria[currentPage]", "1".to_owned()),
    ];
    if let Some(since) = since {
        q.push((
            "searchCriteria[filterGroups][1][filters][0][field]",
            "updated_at".to_owned(),
        ));
        q.push((
            "searchCriteria[filterGroups][1][filters][0][value]",
            since.to_owned(),
        ));
        q.push((
            "searchCriteria[filterGroups][1][filters][0][conditionType]",
            "gteq".to_owned(),
        ));
    }
    q
}

fn search_mock(since: Option<&str>, items: Value) -> Mock {
    let q = search_query(since);
    let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let total = items.as_array().map_or(0, Vec::len);
    Mock::new("GET", format!("/rest/{STORE}/V1/orders"))
        .query(&pairs)
        .respond(200, json!({ "items": items, "total_count": total }))
}

/// Stripe's side of a successful payment of order 42: the PaymentIntent (with its idempotency
/// key) and the charge with its balance transaction.
fn mount_stripe_payment(app: &App) {
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .header("idempotency-key", FIRST_INTENT_KEY)
            .form(intent_form(42))
            .respond(200, payment_intent("pi_1", 42, "succeeded")),
    );
    app.stripe.mount(
        Mock::new("GET", "/v1/charges/ch_1")
            .query(&[("expand[]", "balance_transaction")])
            .respond(200, charge("ch_1", 42, balance_transaction())),
    );
}

/// Magento's side of invoicing order 42: the invoice and the comment.
fn mount_magento_invoice(app: &App) {
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/order/42/invoice")
            .json(json!({
                "capture": false,
                "notify": false,
                "comment": { "comment": "Stripe captured 165.00 USD, transaction ch_1.", "is_visible_on_front": 0 }
            }))
            .respond(200, json!(1001)),
    );
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/orders/42/comments")
            .json(json!({ "statusHistory": {
                "comment": "Stripe captured 165.00 USD, transaction ch_1.",
                "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": 42,
                "status": "processing"
            }}))
            .respond(200, json!(true)),
    );
}

/// Poll → PaymentIntent → `charge.succeeded` → invoice, comment and ERP documents for order 42.
async fn pay_order_42(app: &App) {
    app.magento.mount(search_mock(
        None,
        json!([order(42, "pending_payment", stripe_info())]),
    ));
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .times(1)
            .respond(200, order(42, "pending_payment", stripe_info())),
    );
    mount_stripe_payment(app);
    assert_eq!(
        app.flows
            .poller(Arc::clone(&app.store))
            .poll_once()
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);

    // Stripe takes the money; the webhook arrives.
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .times(1)
            .respond(200, order(42, "pending_payment", stripe_info())),
    );
    mount_magento_invoice(app);
    let accepted = app
        .deliver(
            "evt_1",
            "charge.succeeded",
            charge("ch_1", 42, json!("txn_1")),
        )
        .await;
    assert!(matches!(accepted, Accepted::New { .. }));
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    // Later reads see the invoiced order.
    app.magento
        .mount(Mock::new("GET", order_path(42)).respond(200, invoiced_order(42)));
}

#[tokio::test]
async fn happy_path_polls_pays_invoices_and_books_the_payment() {
    let app = App::start().await;
    pay_order_42(&app).await;

    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        1
    );
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );
    // ERP: customer, sales order, invoice paid with the Stripe fee; nothing left to collect.
    for reference in [
        "magento/default/customer/7",
        "magento/default/order/42",
        "magento/default/order/42/invoice",
        "stripe/acct_123/txn/ch_1",
    ] {
        assert!(
            app.ledger
                .find_by_external_ref(reference)
                .await
                .unwrap()
                .is_some(),
            "{reference}"
        );
    }
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());
    let balance = app.ledger.trial_balance().await.unwrap();
    let fees: i64 = balance
        .iter()
        .filter(|l| l.code == "6100")
        .map(|l| l.balance)
        .sum();
    assert_eq!(fees, 509);
    assert_eq!(balance.iter().map(|l| l.balance).sum::<i64>(), 0);
    // The checkpoint moved to the order's updated_at; the next poll asks from there and finds
    // the same order again without a second job.
    assert_eq!(
        app.store
            .checkpoint("magento/default/orders")
            .await
            .unwrap()
            .as_deref(),
        Some("2026-11-23 10:00:05")
    );
    app.magento.mount(search_mock(
        Some("2026-11-23 10:00:05"),
        json!([order(42, "pending_payment", stripe_info())]),
    ));
    assert_eq!(
        app.flows
            .poller(Arc::clone(&app.store))
            .poll_once()
            .await
            .unwrap(),
        1
    );
    assert!(app.drain().await.is_empty());
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);
    assert_eq!(app.store.dead_letters(10).await.unwrap(), vec![]);
    app.assert_all_matched();
}

#[tokio::test]
async fn a_decline_records_the_failed_payment_and_is_not_retried() {
    let app = App::start().await;
    // Magento 2.4.7+: the comment does not change the status, so it is written on the order.
    app.magento.mount(
        Mock::new("GET", order_path(43))
            .query(&[("fields", "entity_id,state,status")])
            .respond(
                200,
                json!({ "entity_id": 43, "state": "pending_payment", "status": "pending_payment" }),
            ),
    );
    app.magento.mount(
        Mock::new("GET", order_path(43)).respond(200, order(43, "pending_payment", stripe_info())),
    );
    let mut declined_intent = payment_intent("pi_declined", 43, "requires_payment_method");
    declined_intent["last_payment_error"] = json!({
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds."
    });
    let create = Mock::new("POST", "/v1/payment_intents")
        .header("idempotency-key", "magento/default/order/43/payment-intent")
        .form(intent_form(43))
        .respond(
            402,
            json!({ "error": {
                "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.", "charge": "ch_declined",
                "payment_intent": declined_intent
            }}),
        );
    app.stripe.mount(create);
    let comment = "Stripe declined 165.00 USD, transaction pi_declined. Reason: Your card has insufficient funds.";
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/orders/43/comments")
            .json(json!({ "statusHistory": {
                "comment": comment, "is_customer_notified": 0, "is_visible_on_front": 0,
                "parent_id": 43, "status": "payment_failed"
            }}))
            .respond(200, json!(true)),
    );
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/orders")
            .json(json!({ "entity": { "entity_id": 43, "state": "pending_payment", "status": "payment_failed" } }))
            .respond(200, json!({ "entity_id": 43, "state": "pending_payment", "status": "payment_failed" })),
    );

    app.store.enqueue(app.order_job(43), 0).await.unwrap();
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/43/comments"),
        1
    );
    assert_eq!(app.magento.count("POST", "/rest/default/V1/orders"), 1);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/43/invoice"),
        0
    );
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.done, counts.queued, counts.dead), (1, 0, 0));
    // Polled again (the status change touched updated_at): no second job, no second call.
    app.store.enqueue(app.order_job(43), 0).await.unwrap();
    assert!(app.drain().await.is_empty());
    // Run again: the order is read, to see whether it shows a new payment method (it does
    // not), and nothing else is called.
    let before = app.magento.total() + app.stripe.total();
    let reads = app.magento.count("GET", &order_path(43));
    assert_eq!(app.run_again(app.order_job(43)).await, vec![Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), before + 1);
    assert_eq!(app.magento.count("GET", &order_path(43)), reads + 1);
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());
    app.assert_all_matched();
}

#[tokio::test]
async fn a_duplicate_charge_succeeded_books_one_invoice_and_one_payment() {
    let app = App::start().await;
    pay_order_42(&app).await;
    let calls = app.magento.total() + app.stripe.total();
    // The same delivery again is stored once; another event about the same charge runs and
    // finds the flow complete.
    let again = app
        .deliver(
            "evt_1",
            "charge.succeeded",
            charge("ch_1", 42, json!("txn_1")),
        )
        .await;
    assert_eq!(again, Accepted::Duplicate);
    let other = app
        .deliver(
            "evt_2",
            "charge.succeeded",
            charge("ch_1", 42, json!("txn_1")),
        )
        .await;
    assert!(matches!(other, Accepted::New { .. }));
    assert!(
        app.drain().await.is_empty(),
        "a second event about the charge shares its finished job"
    );
    assert_eq!(app.magento.total() + app.stripe.total(), calls);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        1
    );
    assert_eq!(app.stripe.count("GET", "/v1/charges/ch_1"), 1);
    let payment = app
        .store
        .effect("stripe/acct_123/charge/ch_1/erp/payment")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payment.detail["created"], json!(true));
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());
    app.assert_all_matched();
}

#[tokio::test]
async fn a_handler_run_twice_repeats_no_effect() {
    let app = App::start().await;
    app.magento.mount(
        Mock::new("GET", order_path(42)).respond(200, order(42, "pending_payment", stripe_info())),
    );
    mount_stripe_payment(&app);
    mount_magento_invoice(&app);
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.run_again(app.order_job(42)).await, vec![Outcome::Done]);
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);

    app.deliver(
        "evt_1",
        "charge.succeeded",
        charge("ch_1", 42, json!("txn_1")),
    )
    .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    let charge_job = charge_job("evt_1", "ch_1");
    let calls = app.magento.total() + app.stripe.total();
    assert_eq!(app.run_again(charge_job.clone()).await, vec![Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), calls);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        1
    );
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );

    // A crash after Magento invoiced and commented but before the records were written (here:
    // a store that has none): the re-run reads the order, sees it invoiced and commented, and
    // creates nothing in Magento.
    let fresh = App::start().await;
    let mut commented = invoiced_order(42);
    commented["status_histories"] = json!([{ "comment": "Stripe captured 165.00 USD, transaction ch_1.", "status": "processing" }]);
    fresh
        .magento
        .mount(Mock::new("GET", order_path(42)).respond(200, commented));
    mount_stripe_payment(&fresh);
    fresh
        .deliver(
            "evt_1",
            "charge.succeeded",
            charge("ch_1", 42, json!("txn_1")),
        )
        .await;
    assert_eq!(fresh.drain().await, vec![Outcome::Done]);
    assert_eq!(
        fresh
            .magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        0
    );
    assert_eq!(
        fresh
            .magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        0
    );
    assert!(fresh.ledger.open_receivables().await.unwrap().is_empty());
    app.assert_all_matched();
    fresh.assert_all_matched();
}

fn refund(id: &str, amount: i64, created: i64) -> Value {
    json!({
        "id": id, "object": "refund", "amount": amount, "currency": "usd", "charge": "ch_1",
        "created": created, "status": "succeeded", "reason": "requested_by_customer",
        "payment_intent": "pi_1", "metadata": {}
    })
}

fn refunded_charge(amount_refunded: i64) -> Value {
    let mut c = charge("ch_1", 42, json!("txn_1"));
    c["amount_refunded"] = json!(amount_refunded);
    c["refunded"] = json!(amount_refunded == 16500);
    c
}

fn mount_refunds(app: &App, refunds: Value) {
    app.stripe.unmount("GET", "/v1/refunds");
    app.stripe.mount(
        Mock::new("GET", "/v1/refunds")
            .query(&[("charge", "ch_1"), ("limit", "100")])
            .respond(200, json!({ "object": "list", "data": refunds, "has_more": false, "url": "/v1/refunds" })),
    );
}

#[tokio::test]
async fn a_refund_becomes_a_credit_memo_in_both_systems() {
    let app = App::start().await;
    pay_order_42(&app).await;
    mount_refunds(&app, json!([refund("re_1", 16500, CREATED + 3600)]));
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/order/42/refund")
            .json(json!({
                "notify": false,
                "comment": { "comment": "Stripe refunded 165.00 USD, refund re_1.", "is_visible_on_front": 0 }
            }))
            .respond(200, json!(2001)),
    );
    app.deliver("evt_3", "charge.refunded", refunded_charge(16500))
        .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/refund"),
        1
    );
    for reference in [
        "stripe/acct_123/refund/re_1/credit_memo",
        "stripe/acct_123/refund/re_1",
    ] {
        assert!(
            app.ledger
                .find_by_external_ref(reference)
                .await
                .unwrap()
                .is_some(),
            "{reference}"
        );
    }
    let balance = app.ledger.trial_balance().await.unwrap();
    assert_eq!(balance.iter().map(|l| l.balance).sum::<i64>(), 0);
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());

    // The same refund reported again: nothing new anywhere.
    let calls = app.magento.total();
    app.deliver("evt_4", "charge.refunded", refunded_charge(16500))
        .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.magento.total(), calls);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/refund"),
        1
    );
    app.assert_all_matched();
}

/// A payout's balance transaction of `amount` (and `fee`) cents from `source`.
fn balance_line(id: &str, kind: &str, amount: i64, fee: i64, source: &str) -> Value {
    json!({
        "id": id, "object": "balance_transaction", "amount": amount, "currency": "usd",
        "fee": fee, "net": amount - fee, "available_on": CREATED + 172_800,
        "created": CREATED, "type": kind, "reporting_category": kind,
        "status": "available", "source": source
    })
}

/// `payout.paid`: the payout's balance transactions are reconciled against the books and its
/// journal moves the money from Stripe's clearing account to the bank, once however often the
/// event comes.
#[tokio::test]
async fn a_paid_payout_is_reconciled_and_its_journal_booked_once() {
    let app = App::start().await;
    pay_order_42(&app).await;
    let line = balance_line;
    app.stripe.mount(
        Mock::new("GET", "/v1/balance_transactions")
            .query(&[("payout", "po_1")])
            .respond(
                200,
                json!({
                    "object": "list", "url": "/v1/balance_transactions", "has_more": false,
                    "data": [line("txn_1", "charge", 16500, 509, "ch_1"),
                             line("txn_2", "payout", -15991, 0, "po_1")]
                }),
            ),
    );
    let payout = json!({
        "id": "po_1", "object": "payout", "amount": 15991, "currency": "usd", "status": "paid",
        "arrival_date": CREATED + 172_800, "created": CREATED + 100_000, "automatic": true
    });
    app.deliver("evt_po_1", "payout.paid", payout.clone()).await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);

    let recorded = app
        .store
        .effect("stripe/acct_123/payout/po_1/erp/settlement")
        .await
        .unwrap()
        .expect("the reconciliation is on record");
    let reconciled: flows::settlement::Reconciled =
        serde_json::from_value(recorded.detail).unwrap();
    assert_eq!(reconciled.discrepancies, 0, "{reconciled:?}");
    assert_eq!(reconciled.outcomes.get("matched"), Some(&1));
    assert_eq!(reconciled.journals, ["stripe/acct_123/settlement/po_1"]);
    let trial = app.ledger.trial_balance().await.unwrap();
    assert_eq!(crate::balance(&trial, "1200-stripe"), 0, "{trial:#?}");
    assert_eq!(crate::balance(&trial, "1000"), 15991);

    // The event again (Stripe retries deliveries): nothing is read or booked twice.
    let reads = app.stripe.count("GET", "/v1/balance_transactions");
    app.deliver("evt_po_1b", "payout.paid", payout).await;
    app.drain().await;
    assert_eq!(app.stripe.count("GET", "/v1/balance_transactions"), reads);
    assert_eq!(app.ledger.trial_balance().await.unwrap(), trial);
    app.assert_all_matched();
}

/// A payout whose lines do not all agree with the books: a person is told once.
#[tokio::test]
async fn a_payout_with_discrepancies_is_told_once() {
    let app = App::start().await;
    pay_order_42(&app).await;
    let (worker, notices) =
        crate::notify::notifying(&app.store, |worker| app.flows.register(worker));
    let line = |id, kind, amount, source| balance_line(id, kind, amount, 0, source);
    app.stripe.mount(
        Mock::new("GET", "/v1/balance_transactions")
            .query(&[("payout", "po_2")])
            .respond(
                200,
                json!({
                    "object": "list", "url": "/v1/balance_transactions", "has_more": false,
                    "data": [line("txn_1", "charge", 16500, "ch_1"),
                             line("txn_9", "charge", 1000, "ch_unknown"),
                             line("txn_2", "payout", -17500, "po_2")]
                }),
            ),
    );
    let payout = json!({
        "id": "po_2", "object": "payout", "amount": 17500, "currency": "usd", "status": "paid",
        "arrival_date": CREATED + 172_800, "created": CREATED + 100_000, "automatic": true
    });
    app.deliver("evt_po_2", "payout.paid", payout.clone()).await;
    drain(&worker).await;
    app.deliver("evt_po_2b", "payout.paid", payout).await;
    drain(&worker).await;
    let told: Vec<flows::notify::Notice> = notices
        .sent()
        .into_iter()
        .filter(|n| n.kind == flows::notify::NoticeKind::Discrepancies)
        .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(
        told[0].key,
        "stripe/acct_123/payout/po_2/notice/discrepancies"
    );
    assert!(told[0].title.contains("payout po_2"), "{:?}", told[0]);
    assert!(
        told[0]
            .facts
            .iter()
            .any(|f| f.name == "journal" && f.value == "stripe/acct_123/settlement/po_2"),
        "{:?}",
        told[0]
    );
}

#[tokio::test]
async fn partial_refunds_are_adjustment_credit_memos_booked_once_each() {
    let app = App::start().await;
    pay_order_42(&app).await;
    mount_refunds(&app, json!([refund("re_1", 2000, CREATED + 3600)]));
    let memo = |amount: i64, id: &str| {
        json!({
            "items": [{ "order_item_id": 421, "qty": 0 }],
            "notify": false,
            "comment": { "comment": format!("Stripe refunded {amount}.00 USD, refund {id}."), "is_visible_on_front": 0 },
            "arguments": { "shipping_amount": 0, "adjustment_positive": amount, "adjustment_negative": 0 }
        })
    };
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/order/42/refund")
            .json(memo(20, "re_1"))
            .respond(200, json!(2001)),
    );
    app.deliver("evt_3", "charge.refunded", refunded_charge(2000))
        .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);

    // A second partial refund: the order now holds the first one.
    app.magento.unmount("GET", &order_path(42));
    let mut once_refunded = invoiced_order(42);
    once_refunded["total_refunded"] = json!(20);
    app.magento
        .mount(Mock::new("GET", order_path(42)).respond(200, once_refunded));
    mount_refunds(
        &app,
        json!([
            refund("re_2", 3000, CREATED + 7200),
            refund("re_1", 2000, CREATED + 3600)
        ]),
    );
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/order/42/refund")
            .json(memo(30, "re_2"))
            .respond(200, json!(2002)),
    );
    app.deliver("evt_5", "charge.refunded", refunded_charge(5000))
        .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/refund"),
        2
    );
    for reference in [
        "stripe/acct_123/refund/re_1/credit_memo",
        "stripe/acct_123/refund/re_2/credit_memo",
    ] {
        assert!(
            app.ledger
                .find_by_external_ref(reference)
                .await
                .unwrap()
                .is_some()
        );
    }
    app.assert_all_matched();
}

#[tokio::test]
async fn a_refund_waits_for_its_charge_to_be_booked() {
    let app = App::start().await;
    app.deliver("evt_3", "charge.refunded", refunded_charge(16500))
        .await;
    let outcomes = app.drain().await;
    assert!(
        matches!(outcomes.first(), Some(Outcome::Waiting { .. })),
        "{outcomes:?}"
    );
    assert_eq!(app.magento.total() + app.stripe.total(), 0);
}

#[tokio::test]
async fn a_missing_payment_method_is_dead_lettered_naming_the_field() {
    let app = App::start().await;
    app.magento.mount(Mock::new("GET", order_path(44)).respond(
        200,
        order(
            44,
            "pending_payment",
            json!([{ "key": "method_title", "value": "Card" }]),
        ),
    ));
    app.magento
        .mount(Mock::new("POST", "/rest/default/V1/orders/44/comments").respond(200, json!(true)));
    app.store.enqueue(app.order_job(44), 0).await.unwrap();
    let outcomes = app.drain().await;
    let [Outcome::DeadLettered { reason }] = outcomes.as_slice() else {
        panic!("{outcomes:?}");
    };
    let field = "order.extension_attributes.payment_additional_info.stripe_payment_method";
    assert!(reason.contains(field), "{reason}");
    // Held for a person in Magento too, saying why.
    let comments = app
        .magento
        .requests("POST", "/rest/default/V1/orders/44/comments");
    assert_eq!(comments.len(), 1);
    let body: Value = serde_json::from_slice(&comments[0].body).unwrap();
    let comment = body["statusHistory"]["comment"].as_str().unwrap();
    assert!(
        comment.starts_with("Not charged, needs review") && comment.contains(field),
        "{comment}"
    );
    let dead = app.store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].permanent);
    assert_eq!(app.stripe.total(), 0);
    app.assert_all_matched();
}

/// An event the flow cannot read goes to a person with the full path of what is wrong, or the
/// API version it cannot read, and nothing is called.
#[tokio::test]
async fn an_unreadable_stripe_event_is_dead_lettered_naming_its_path_or_version() {
    let app = App::start().await;
    let mut bad = charge("ch_1", 42, json!("txn_1"));
    bad["created"] = json!("yesterday");
    app.deliver("evt_bad", "charge.succeeded", bad).await;
    let old = json!({
        "id": "evt_old", "object": "event", "type": "charge.succeeded",
        "api_version": "2019-02-19", "created": CREATED, "livemode": false,
        "pending_webhooks": 1, "data": { "object": charge("ch_2", 43, json!("txn_2")) }
    });
    app.deliver_event("evt_old", "charge.succeeded", &old).await;
    app.drain().await;
    let dead = app.store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    let reason = |event: &str| {
        dead.iter()
            .find(|d| d.reason.contains(event))
            .map(|d| (d.reason.clone(), d.permanent))
            .unwrap_or_else(|| panic!("no dead letter names {event}: {dead:?}"))
    };
    let (bad, permanent) = reason("evt_bad");
    assert!(
        bad.contains("decode error at `data.object.created`"),
        "{bad}"
    );
    assert!(!bad.contains("`.`"), "{bad}");
    assert!(permanent);
    let (old, permanent) = reason("evt_old");
    assert!(old.contains("2019-02-19"), "{old}");
    assert!(permanent);
    assert_eq!(app.magento.total() + app.stripe.total(), 0);
}

#[tokio::test]
async fn a_magento_503_is_retried() {
    let app = App::start().await;
    app.magento.mount(
        Mock::new("GET", order_path(45))
            .times(1)
            .respond(503, json!({ "message": "Service Unavailable" })),
    );
    app.magento
        .mount(Mock::new("GET", order_path(45)).respond(200, order(45, "new", stripe_info())));
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .form(intent_form(45))
            .respond(200, payment_intent("pi_45", 45, "succeeded")),
    );
    app.store.enqueue(app.order_job(45), 0).await.unwrap();
    let outcomes = app.drain().await;
    assert!(
        matches!(
            outcomes.as_slice(),
            [Outcome::Retrying { .. }, Outcome::Done]
        ),
        "{outcomes:?}"
    );
    assert_eq!(app.magento.count("GET", &order_path(45)), 2);
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);
    app.assert_all_matched();
}

#[tokio::test]
async fn a_shipment_is_created_once_with_its_track() {
    let app = App::start().await;
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .times(1)
            .respond(200, invoiced_order(42)),
    );
    let mut shipped = invoiced_order(42);
    shipped["state"] = json!("complete");
    shipped["items"][0]["qty_shipped"] = json!(3);
    app.magento
        .mount(Mock::new("GET", order_path(42)).respond(200, shipped));
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/order/42/ship")
            .json(json!({
                "notify": false,
                "tracks": [{ "track_number": "1Z999", "title": "United Parcel Service", "carrier_code": "ups" }]
            }))
            .respond(200, json!(3001)),
    );
    let parcel = Shipped {
        order_id: 42,
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
    };
    let new_job = app.flows.shipped_job(&parcel).unwrap();
    assert_eq!(new_job.key, "magento/default/order/42/shipment/1Z999");
    app.store.enqueue(new_job.clone(), 0).await.unwrap();
    app.store.enqueue(new_job, 0).await.unwrap();
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    // Another parcel of the same order reported: nothing is left to ship, which is success.
    let other = Shipped {
        tracking_number: "1Z998".into(),
        ..parcel
    };
    app.store
        .enqueue(app.flows.shipped_job(&other).unwrap(), 0)
        .await
        .unwrap();
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(
        app.magento.count("POST", "/rest/default/V1/order/42/ship"),
        1
    );
    app.assert_all_matched();
}

#[tokio::test]
async fn charges_of_other_stores_are_left_alone() {
    let app = App::start().await;
    let mut foreign = charge("ch_9", 42, json!("txn_9"));
    foreign["metadata"] = json!({ "store": "shopify", "order_id": "1001" });
    app.deliver("evt_9", "charge.succeeded", foreign).await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), 0);
}

#[tokio::test]
async fn a_stripe_500_is_retried_with_the_same_idempotency_key() {
    let app = App::start().await;
    app.magento
        .mount(Mock::new("GET", order_path(42)).respond(200, order(42, "new", stripe_info())));
    app.stripe
        .mount(Mock::new("POST", "/v1/payment_intents").times(1).respond(
            500,
            json!({ "error": { "type": "api_error", "message": "Something went wrong" } }),
        ));
    mount_stripe_payment(&app);
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    let outcomes = app.drain().await;
    assert!(
        matches!(
            outcomes.as_slice(),
            [Outcome::Retrying { .. }, Outcome::Done]
        ),
        "{outcomes:?}"
    );
    let keys: Vec<_> = app
        .stripe
        .requests("POST", "/v1/payment_intents")
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    let key = FIRST_INTENT_KEY;
    assert_eq!(keys, [key, key]);
    app.assert_all_matched();
}

#[tokio::test]
async fn the_routes_name_one_job_per_charge() {
    let app = App::start().await;
    for (id, kind) in [
        ("evt_1", "charge.succeeded"),
        ("evt_2", "charge.succeeded"),
        ("evt_3", "charge.refunded"),
    ] {
        app.deliver(id, kind, charge("ch_1", 42, json!("txn_1")))
            .await;
    }
    let counts = app.store.counts().await.unwrap();
    // Two events about charge ch_1's success share its job; its refunds have their own.
    assert_eq!((counts.events, counts.queued), (3, 2));
    let key = "stripe/acct_123/charge/ch_1";
    for kind in [ChargeSucceeded::KIND, ChargeRefunded::KIND] {
        assert!(
            app.store.job(&kind, key).await.unwrap().is_some(),
            "no {kind} job"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3-D Secure: a PaymentIntent that needs the customer's authentication.

/// The PaymentIntent of order 42 that asks for 3-D Secure.
const PI_3DS: &str = "pi_3ds";
/// Its `client_secret`, which must never be stored nor shown.
const CLIENT_SECRET: &str = "pi_3ds_secret_Kq9sTuvWXyz0123";
/// The comment on an order waiting for its customer's authentication.
const AWAITING_COMMENT: &str = "Payment awaits the customer's authentication (3-D Secure) with \
                                their card issuer. Stripe PaymentIntent pi_3ds.";
const ORDER_KEY: &str = "magento/default/order/42";

/// The PaymentIntent `pi_3ds` of order 42 in `status`, as Stripe renders it (client secret
/// included, as Stripe sends it).
fn intent_3ds(status: &str) -> Value {
    let mut pi = payment_intent(PI_3DS, 42, status);
    pi["client_secret"] = json!(CLIENT_SECRET);
    pi["latest_charge"] = Value::Null;
    if status == "requires_action" {
        pi["next_action"] = json!({
            "type": "use_stripe_sdk",
            "use_stripe_sdk": { "type": "three_d_secure_redirect", "stripe_js": "https://hooks.stripe.com/3d_secure_2/hosted" }
        });
    }
    pi
}

/// `pi_3ds` after a failed authentication (Stripe's `payment_intent_authentication_failure`).
fn intent_3ds_failed() -> Value {
    let mut pi = intent_3ds("requires_payment_method");
    pi["last_payment_error"] = json!({
        "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
        "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
    });
    pi
}

fn awaiting_comment_mock(notified: bool) -> Mock {
    Mock::new("POST", "/rest/default/V1/orders/42/comments")
        .json(json!({ "statusHistory": {
            "comment": AWAITING_COMMENT, "is_customer_notified": i32::from(notified),
            "is_visible_on_front": 0, "parent_id": 42, "status": "pending_payment"
        }}))
        .respond(200, json!(true))
}

fn intent_path() -> String {
    format!("/v1/payment_intents/{PI_3DS}")
}

/// Order 42 is polled and its PaymentIntent asks for 3-D Secure: the order gets the comment,
/// a person's item appears, and the order's job ends its run (its wait costs nothing).
async fn start_3ds(app: &App, notified: bool) {
    app.magento.mount(
        Mock::new("GET", order_path(42)).respond(200, order(42, "pending_payment", stripe_info())),
    );
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .header("idempotency-key", FIRST_INTENT_KEY)
            .form(intent_form(42))
            .respond(200, intent_3ds("requires_action")),
    );
    app.magento.mount(awaiting_comment_mock(notified));
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    let outcomes = app.drain().await;
    let [Outcome::Done, Outcome::DeadLettered { reason }] = outcomes.as_slice() else {
        panic!("{outcomes:?}");
    };
    assert!(reason.contains("3-D Secure"), "{reason}");
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );
}

/// Nothing the flows stored (effects, state, dead letters) holds the client secret.
async fn assert_no_secret(app: &App) {
    let effects = app.store.effects_under(ORDER_KEY).await.unwrap();
    assert!(!effects.is_empty());
    for effect in effects {
        assert!(
            !effect.detail.to_string().contains("secret"),
            "{}: {}",
            effect.key,
            effect.detail
        );
    }
    let state = app
        .store
        .state(&format!("{ATTEMPT_KEY}/authentication"))
        .await
        .unwrap()
        .expect("the wait is kept");
    assert!(!state.to_string().contains("secret"), "{state}");
    for dead in app.store.dead_letters(10).await.unwrap() {
        let text = format!("{} {}", dead.reason, dead.payload);
        assert!(!text.contains("secret"), "{text}");
    }
}

/// The person's item of order 42's wait.
async fn awaiting_item(app: &App) -> flows::DeadLetter {
    let dead = app.store.dead_letters(10).await.unwrap();
    dead.into_iter()
        .find(|d| d.kind.as_str() == "magento.awaiting-authentication")
        .expect("an item for the person")
}

#[tokio::test]
async fn requires_action_comments_on_the_order_and_shows_the_wait_to_a_person() {
    for notified in [false, true] {
        let app =
            App::start_with(Config::new(STORE, ACCOUNT).notify_authentication(notified)).await;
        start_3ds(&app, notified).await;

        let item = awaiting_item(&app).await;
        assert_eq!(item.key, ATTEMPT_KEY);
        assert!(item.permanent);
        assert_eq!(item.payload["entity_id"], json!(42));
        assert_eq!(item.payload["payment_method"], json!("pm_card_visa"));
        assert_eq!(item.payload["order_number"], json!("000000042"));
        assert_eq!(item.payload["payment_intent"], json!(PI_3DS));
        let since = time::OffsetDateTime::parse(
            item.payload["since"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let deadline = time::OffsetDateTime::parse(
            item.payload["deadline"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(deadline - since, time::Duration::hours(24));
        let since_text = item.payload["since"].as_str().unwrap();
        assert!(
            item.reason.contains(&format!(
                "order 000000042 (entity_id 42) waits for the customer's 3-D Secure \
                 authentication since {since_text} (Stripe PaymentIntent pi_3ds)"
            )),
            "{}",
            item.reason
        );
        assert_no_secret(&app).await;

        // The order's job finished its run; the deadline's job waits for its time.
        let order_job = app
            .store
            .job(
                &flows::workflow::JobKind::new("magento.order-payment"),
                ORDER_KEY,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (order_job.state, order_job.attempts),
            (flows::JobState::Done, 0)
        );
        let deadline_job = app
            .store
            .job(
                &flows::workflow::JobKind::new("magento.authentication-deadline"),
                ATTEMPT_KEY,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(deadline_job.state, flows::JobState::Queued);
        assert!(deadline_job.run_at > flows::now_millis() + 23 * 3600 * 1000);
        assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);
        app.assert_all_matched();
    }
}

#[tokio::test]
async fn an_authenticated_payment_is_invoiced_and_booked_once() {
    // A short deadline, to see its job find the wait ended.
    let app = App::start_with(
        Config::new(STORE, ACCOUNT).authentication_deadline(Duration::from_secs(4)),
    )
    .await;
    start_3ds(&app, false).await;

    app.stripe
        .mount(Mock::new("GET", intent_path()).respond(200, intent_3ds("succeeded")));
    app.deliver(
        "evt_pi_ok",
        "payment_intent.succeeded",
        intent_3ds("succeeded"),
    )
    .await;
    // The event's job runs the order's job again, which asks Stripe and ends the wait.
    assert_eq!(app.drain().await, vec![Outcome::Done, Outcome::Done]);
    assert_eq!(app.stripe.count("GET", &intent_path()), 1);
    let result = app
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/result"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.detail, json!("authenticated"));

    // The charge's own event invoices and books, as for any payment, once.
    app.stripe.mount(
        Mock::new("GET", "/v1/charges/ch_1")
            .query(&[("expand[]", "balance_transaction")])
            .respond(200, charge("ch_1", 42, balance_transaction())),
    );
    mount_magento_invoice(&app);
    app.deliver(
        "evt_ch",
        "charge.succeeded",
        charge("ch_1", 42, json!("txn_1")),
    )
    .await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    app.deliver(
        "evt_ch",
        "charge.succeeded",
        charge("ch_1", 42, json!("txn_1")),
    )
    .await;
    app.deliver(
        "evt_pi_again",
        "payment_intent.succeeded",
        intent_3ds("succeeded"),
    )
    .await;
    // The second PaymentIntent event finds the wait ended and runs nothing else.
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        1
    );
    assert_eq!(app.stripe.count("GET", &intent_path()), 1);
    assert!(
        app.ledger
            .find_by_external_ref("stripe/acct_123/txn/ch_1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(app.ledger.open_receivables().await.unwrap().is_empty());
    // The deadline comes and finds nothing to do.
    let state = app
        .store
        .state(&format!("{ATTEMPT_KEY}/authentication"))
        .await
        .unwrap()
        .unwrap();
    let deadline = time::OffsetDateTime::parse(
        state["deadline"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = deadline - time::OffsetDateTime::now_utc() + time::Duration::milliseconds(300);
    tokio::time::sleep(left.try_into().unwrap_or_default()).await;
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert_eq!(app.stripe.count("GET", &intent_path()), 1);
    // A person replaying the item sees it resolved.
    let item = awaiting_item(&app).await;
    app.store
        .replay_dead_letter(item.id, flows::now_millis())
        .await
        .unwrap();
    assert_eq!(app.drain().await, vec![Outcome::Done]);
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
    assert_no_secret(&app).await;
    app.assert_all_matched();
}

/// Magento's side of the failed-payment status of order 42 with `comment` (any comment when
/// `None`), as in the decline path: the comment, the status read back, the status written.
fn mount_failure(app: &App, comment: Option<&str>) {
    let mock = Mock::new("POST", "/rest/default/V1/orders/42/comments");
    app.magento.mount(match comment {
        Some(comment) => mock
            .json(json!({ "statusHistory": {
                "comment": comment, "is_customer_notified": 0, "is_visible_on_front": 0,
                "parent_id": 42, "status": "payment_failed"
            }}))
            .respond(200, json!(true)),
        None => mock.respond(200, json!(true)),
    });
    app.magento.unmount("GET", &order_path(42));
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .query(&[("fields", "entity_id,state,status")])
            .respond(
                200,
                json!({ "entity_id": 42, "state": "pending_payment", "status": "pending_payment" }),
            ),
    );
    app.magento.mount(
        Mock::new("GET", order_path(42)).respond(200, order(42, "pending_payment", stripe_info())),
    );
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/orders")
            .json(json!({ "entity": { "entity_id": 42, "state": "pending_payment", "status": "payment_failed" } }))
            .respond(200, json!({ "entity_id": 42, "state": "pending_payment", "status": "payment_failed" })),
    );
}

#[tokio::test]
async fn a_failed_authentication_gets_the_failed_payment_status() {
    let app = App::start().await;
    start_3ds(&app, false).await;
    app.stripe
        .mount(Mock::new("GET", intent_path()).respond(200, intent_3ds_failed()));
    mount_failure(
        &app,
        Some(
            "Stripe declined 165.00 USD, transaction pi_3ds. Reason: The provided PaymentMethod \
             has failed authentication. You can provide payment_method_data or a new \
             PaymentMethod to attempt to fulfill this PaymentIntent again.",
        ),
    );
    app.deliver(
        "evt_pi_fail",
        "payment_intent.payment_failed",
        intent_3ds_failed(),
    )
    .await;
    assert_eq!(app.drain().await, vec![Outcome::Done, Outcome::Done]);
    assert_eq!(app.magento.count("POST", "/rest/default/V1/orders"), 1);
    // The awaiting comment and the failure's.
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        2
    );
    let result = app
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/result"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.detail, json!("failed"));
    // Run again (a crash before the outcome was answered, a replay): the order is read, to see
    // whether it shows a new payment method (it does not), and nothing else is called.
    let calls = app.magento.total() + app.stripe.total();
    let reads = app.magento.count("GET", &order_path(42));
    assert_eq!(app.run_again(app.order_job(42)).await, vec![Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), calls + 1);
    assert_eq!(app.magento.count("GET", &order_path(42)), reads + 1);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/order/42/invoice"),
        0
    );
    assert_no_secret(&app).await;
    app.assert_all_matched();
}

#[tokio::test]
async fn an_expired_authentication_cancels_the_payment_and_tells_the_person() {
    let app =
        App::start_with(Config::new(STORE, ACCOUNT).authentication_deadline(Duration::ZERO)).await;
    app.stripe.mount(
        Mock::new("GET", intent_path())
            .times(1)
            .respond(200, intent_3ds("requires_action")),
    );
    let mut canceled = intent_3ds("canceled");
    canceled["cancellation_reason"] = json!("abandoned");
    canceled["canceled_at"] = json!(CREATED + 120);
    app.stripe.mount(
        Mock::new("POST", format!("{}/cancel", intent_path()))
            .header(
                "idempotency-key",
                &format!("{ATTEMPT_KEY}/authentication/cancel"),
            )
            .form(vec![("cancellation_reason".into(), "abandoned".into())])
            .respond(200, canceled.clone()),
    );
    app.stripe
        .mount(Mock::new("GET", intent_path()).respond(200, canceled));
    // The awaiting comment first; any other comment is the failure's (its text names the
    // deadline, checked below).
    app.magento.mount(awaiting_comment_mock(false));
    mount_failure(&app, None);
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .form(intent_form(42))
            .respond(200, intent_3ds("requires_action")),
    );
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    let outcomes = app.drain().await;
    // The order's run, the person's item, the deadline, the order's run at the deadline.
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert_eq!(
        app.stripe
            .count("POST", &format!("{}/cancel", intent_path())),
        1
    );

    let state = app
        .store
        .state(&format!("{ATTEMPT_KEY}/authentication"))
        .await
        .unwrap()
        .unwrap();
    let deadline = state["deadline"].as_str().unwrap().to_owned();
    let comments = app
        .magento
        .requests("POST", "/rest/default/V1/orders/42/comments");
    assert_eq!(comments.len(), 2);
    let failure: Value = serde_json::from_slice(&comments[1].body).unwrap();
    assert_eq!(
        failure["statusHistory"]["comment"],
        json!(format!(
            "Stripe declined 165.00 USD, transaction pi_3ds. Reason: The customer did not \
             complete 3-D Secure authentication by {deadline}; the payment was canceled."
        ))
    );
    assert_eq!(failure["statusHistory"]["status"], json!("payment_failed"));
    assert_eq!(app.magento.count("POST", "/rest/default/V1/orders"), 1);

    // The person sees the order's end: canceled, failed-payment status.
    let dead = app.store.dead_letters(10).await.unwrap();
    let expired = dead
        .iter()
        .find(|d| d.kind.as_str() == "magento.order-payment")
        .expect("the expiry is shown");
    assert!(
        expired.reason.contains(
            "order 000000042 (entity_id 42): the customer did not complete 3-D Secure \
             authentication between"
        ) && expired
            .reason
            .contains("Stripe PaymentIntent pi_3ds canceled and the order set to payment_failed"),
        "{}",
        expired.reason
    );
    let result = app
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/result"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.detail, json!("expired"));
    assert_no_secret(&app).await;

    // Replaying both items changes nothing anywhere and clears them: the order is read once, to
    // see whether it shows a new payment method (it does not).
    let calls = app.magento.total() + app.stripe.total();
    let reads = app.magento.count("GET", &order_path(42));
    for item in dead {
        app.store
            .replay_dead_letter(item.id, flows::now_millis())
            .await
            .unwrap();
    }
    assert_eq!(app.drain().await, vec![Outcome::Done, Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), calls + 1);
    assert_eq!(app.magento.count("GET", &order_path(42)), reads + 1);
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
    app.assert_all_matched();
}

#[tokio::test]
async fn a_restart_while_waiting_does_not_comment_again() {
    let app = App::start().await;
    start_3ds(&app, false).await;
    // The order's job run again while the customer has not answered (a replay, a crash of a
    // later run): Stripe is asked, nothing changes in Magento.
    app.stripe
        .mount(Mock::new("GET", intent_path()).respond(200, intent_3ds("requires_action")));
    assert_eq!(app.run_again(app.order_job(42)).await, vec![Outcome::Done]);
    assert_eq!(app.stripe.count("GET", &intent_path()), 1);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );
    assert_eq!(app.stripe.count("POST", "/v1/payment_intents"), 1);
    assert_eq!(app.store.dead_letters(10).await.unwrap().len(), 1);

    // A crash after Magento took the comment and before anything was recorded (here: a store
    // that has no record): the order's history shows the comment, which is not added again.
    let fresh = App::start().await;
    let mut commented = order(42, "pending_payment", stripe_info());
    commented["status_histories"] =
        json!([{ "comment": AWAITING_COMMENT, "status": "pending_payment" }]);
    fresh
        .magento
        .mount(Mock::new("GET", order_path(42)).respond(200, commented));
    fresh.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .header("idempotency-key", FIRST_INTENT_KEY)
            .form(intent_form(42))
            .respond(200, intent_3ds("requires_action")),
    );
    fresh.store.enqueue(fresh.order_job(42), 0).await.unwrap();
    let outcomes = fresh.drain().await;
    assert!(
        matches!(
            outcomes.as_slice(),
            [Outcome::Done, Outcome::DeadLettered { .. }]
        ),
        "{outcomes:?}"
    );
    assert_eq!(
        fresh
            .magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        0
    );
    let comment = fresh
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/comment"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(comment.detail, json!(false));
    app.assert_all_matched();
    fresh.assert_all_matched();
}

#[tokio::test]
async fn payment_intent_events_of_settled_or_foreign_payments_run_nothing() {
    let app = App::start().await;
    pay_order_42(&app).await;
    let calls = app.magento.total() + app.stripe.total();
    // Order 42 was paid at once: its PaymentIntent's success needs nothing more.
    app.deliver(
        "evt_pi_1",
        "payment_intent.succeeded",
        payment_intent("pi_1", 42, "succeeded"),
    )
    .await;
    // Another integration's PaymentIntent on the same account.
    let mut foreign = payment_intent("pi_other", 7, "succeeded");
    foreign["metadata"] = json!({ "store": "shopify", "order_id": "1001" });
    app.deliver("evt_pi_2", "payment_intent.succeeded", foreign)
        .await;
    assert_eq!(app.drain().await, vec![Outcome::Done, Outcome::Done]);
    assert_eq!(app.magento.total() + app.stripe.total(), calls);
    assert!(app.store.dead_letters(10).await.unwrap().is_empty());
    app.assert_all_matched();
}

#[tokio::test]
async fn an_order_not_yet_pending_payment_gets_the_waiting_status_written() {
    let app = App::start().await;
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .times(1)
            .respond(200, order(42, "new", stripe_info())),
    );
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .form(intent_form(42))
            .respond(200, intent_3ds("requires_action")),
    );
    app.magento.mount(awaiting_comment_mock(false));
    // Magento 2.4.7+: the comment leaves the status as it was, so it is written on the order.
    app.magento.mount(
        Mock::new("GET", order_path(42))
            .query(&[("fields", "entity_id,state,status")])
            .respond(
                200,
                json!({ "entity_id": 42, "state": "new", "status": "new" }),
            ),
    );
    app.magento.mount(
        Mock::new("POST", "/rest/default/V1/orders")
            .json(json!({ "entity": { "entity_id": 42, "state": "pending_payment", "status": "pending_payment" } }))
            .respond(200, json!({ "entity_id": 42, "state": "pending_payment", "status": "pending_payment" })),
    );
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    let outcomes = app.drain().await;
    assert!(
        matches!(
            outcomes.as_slice(),
            [Outcome::Done, Outcome::DeadLettered { .. }]
        ),
        "{outcomes:?}"
    );
    assert_eq!(app.magento.count("POST", "/rest/default/V1/orders"), 1);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );
    app.assert_all_matched();
}

#[tokio::test]
async fn a_payment_authenticated_at_the_deadline_is_not_canceled() {
    let app =
        App::start_with(Config::new(STORE, ACCOUNT).authentication_deadline(Duration::ZERO)).await;
    app.stripe.mount(
        Mock::new("GET", intent_path())
            .times(1)
            .respond(200, intent_3ds("requires_action")),
    );
    // The customer authenticated just before the cancellation reached Stripe.
    app.stripe.mount(
        Mock::new("POST", format!("{}/cancel", intent_path())).respond(
            400,
            json!({ "error": {
                "type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                "message": "You cannot cancel this PaymentIntent because it has a status of succeeded."
            }}),
        ),
    );
    app.stripe
        .mount(Mock::new("GET", intent_path()).respond(200, intent_3ds("succeeded")));
    app.magento.mount(
        Mock::new("GET", order_path(42)).respond(200, order(42, "pending_payment", stripe_info())),
    );
    app.magento.mount(awaiting_comment_mock(false));
    app.stripe.mount(
        Mock::new("POST", "/v1/payment_intents")
            .form(intent_form(42))
            .respond(200, intent_3ds("requires_action")),
    );
    app.store.enqueue(app.order_job(42), 0).await.unwrap();
    let outcomes = app.drain().await;
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::DeadLettered { .. }))
            .count(),
        1,
        "only the person's item: {outcomes:?}"
    );
    let result = app
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/result"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.detail, json!("authenticated"));
    let cancel = app
        .store
        .effect(&format!("{ATTEMPT_KEY}/authentication/cancel"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancel.detail, json!(false));
    // No failed-payment status.
    assert_eq!(app.magento.count("POST", "/rest/default/V1/orders"), 0);
    assert_eq!(
        app.magento
            .count("POST", "/rest/default/V1/orders/42/comments"),
        1
    );
    app.assert_all_matched();
}

// ---------------------------------------------------------------------------------------------
// 3-D Secure end to end through the sandbox's Magento and Stripe fakes.

pub(crate) mod through_the_sandbox {
    use super::*;
    use sandbox::magento::{MagentoFake, NewOrder};
    use sandbox::stripe::StripeFake;
    use sandbox::{Faults, Running};

    pub(crate) struct Sandboxed {
        pub(crate) magento: Running<MagentoFake>,
        pub(crate) stripe: Running<StripeFake>,
        pub(crate) ledger: Arc<erp::LocalLedger>,
        pub(crate) store: Arc<SqliteStore>,
        pub(crate) flows: MagentoStripe,
        pub(crate) worker: Worker,
        /// The fakes' faults.
        pub(crate) faults: Faults,
        /// The intake of this pair's Stripe routes, signed with the fake's webhook secret.
        pub(crate) intake: flows::intake::Intake,
        /// Stripe events already delivered.
        seen: Mutex<usize>,
    }

    impl Sandboxed {
        pub(crate) async fn start() -> Self {
            Self::start_with(
                Faults::default(),
                |config| config,
                |intake| intake,
                |worker| worker,
            )
            .await
        }

        /// Started with `faults` (shared with fakes a test adds), the pair's configuration, the
        /// intake (after its Stripe source and this pair's routes) and the worker's configuration
        /// as the test makes them.
        pub(crate) async fn start_with(
            faults: Faults,
            config: impl FnOnce(Config) -> Config,
            intake: impl FnOnce(flows::intake::Intake) -> flows::intake::Intake,
            worker: impl FnOnce(WorkerConfig) -> WorkerConfig,
        ) -> Self {
            let magento = Running::start(MagentoFake::new(), &faults).await.unwrap();
            let stripe = Running::start(StripeFake::new(), &faults).await.unwrap();
            let ledger = Arc::new(erp::LocalLedger::open_in_memory().unwrap());
            let store = Arc::new(SqliteStore::in_memory().unwrap());
            let magento_client = magento::Client::builder(
                magento.base_url().as_str(),
                magento::Credentials::oauth(
                    magento.fake.consumer_key(),
                    magento.fake.consumer_secret(),
                    magento.fake.access_token(),
                    magento.fake.access_token_secret(),
                ),
            )
            .store_code(STORE)
            .build()
            .unwrap();
            let stripe_client = stripe_client::Client::builder(secrecy::SecretString::from(
                stripe.fake.secret_key().to_owned(),
            ))
            .base_url(stripe.base_url().as_str())
            .build()
            .unwrap();
            let erp: Arc<dyn Erp> = ledger.clone();
            let flows = MagentoStripe::new(
                magento_client,
                stripe_client,
                erp,
                config(Config::new(STORE, ACCOUNT)),
            );
            let worker = flows.register(Worker::new(
                Arc::clone(&store),
                worker(WorkerConfig::new("w1").poll_interval(Duration::from_millis(5))),
            ));
            let intake = intake(
                flows::intake::Intake::new(Arc::clone(&store))
                    .source(flows::intake::StripeWebhooks::new(
                        stripe_client::webhook::Webhook::new(secrecy::SecretString::from(
                            stripe.fake.webhook_secret().to_owned(),
                        )),
                    ))
                    .routes(flows.routes()),
            );
            Self {
                magento,
                stripe,
                ledger,
                store,
                flows,
                worker,
                faults,
                intake,
                seen: Mutex::new(0),
            }
        }

        /// A `pending_payment` order of 3 × 50.00 + 5.00 USD paid with `payment_method`.
        pub(crate) fn order(&self, payment_method: &str) -> i64 {
            let mut order = NewOrder::new("jane@example.com").item("TEE-1", 3, 50.into());
            order.payment_method = "stripe_payments".into();
            order.payment_info = vec![("stripe_payment_method".into(), payment_method.into())];
            order.state = "pending_payment".into();
            self.magento.fake.create_order(order)
        }

        pub(crate) async fn drain(&self) -> Vec<Outcome> {
            drain(&self.worker).await
        }

        /// Stores the fake's new events through the intake, as their webhooks would.
        pub(crate) async fn deliver_events(&self) {
            let events = self.stripe.fake.events();
            let start = std::mem::replace(&mut *self.seen.lock().unwrap(), events.len());
            for event in &events[start..] {
                let body = serde_json::to_vec(event).unwrap();
                self.intake.ingest(System::Stripe, &body).await.unwrap();
            }
        }

        /// Runs order `id`'s payment, then what Stripe's events start, until nothing is left.
        pub(crate) async fn pay(&self, id: i64) -> Vec<Outcome> {
            self.store
                .enqueue(
                    job(&self.flows.order_payment(), &MagentoOrder { entity_id: id }).unwrap(),
                    0,
                )
                .await
                .unwrap();
            self.settle().await
        }

        pub(crate) async fn settle(&self) -> Vec<Outcome> {
            let mut outcomes = self.drain().await;
            self.deliver_events().await;
            outcomes.extend(self.drain().await);
            outcomes
        }

        pub(crate) fn order_json(&self, id: i64) -> Value {
            self.magento.fake.order_json(id).unwrap()
        }

        /// The PaymentIntent of the order's latest attempt.
        pub(crate) async fn payment_intent(&self, id: i64) -> String {
            let order = format!("magento/default/order/{id}");
            let method = self
                .store
                .state(&format!("{order}/payment/attempt"))
                .await
                .unwrap()
                .unwrap();
            let method = method.as_str().unwrap();
            let effect = self
                .store
                .effect(&format!("{order}/payment-method/{method}/payment-intent"))
                .await
                .unwrap()
                .unwrap();
            effect.detail["payment_intent"].as_str().unwrap().to_owned()
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

    #[tokio::test]
    async fn a_three_d_secure_payment_is_held_then_invoiced_or_failed() {
        let app = Sandboxed::start().await;

        // Authenticated: held with its comment and the person's item, then invoiced and booked.
        let paid = app.order("pm_card_authenticationRequired");
        let outcomes = app.pay(paid).await;
        assert!(
            matches!(
                outcomes.as_slice(),
                [Outcome::Done, Outcome::DeadLettered { .. }]
            ),
            "{outcomes:?}"
        );
        let pi = app.payment_intent(paid).await;
        let order = app.order_json(paid);
        assert_eq!(order["state"], "pending_payment");
        assert_eq!(order["status"], "pending_payment");
        let expected = format!(
            "Payment awaits the customer's authentication (3-D Secure) with their card issuer. \
             Stripe PaymentIntent {pi}."
        );
        assert!(comments(&order).contains(&expected), "{order}");
        let waiting = app.store.dead_letters(10).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert!(waiting[0].reason.contains(&pi), "{}", waiting[0].reason);

        app.stripe.fake.answer_authentication(&pi, true).unwrap();
        let outcomes = app.settle().await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
        let order = app.order_json(paid);
        assert_eq!(order["state"], "processing", "{order}");
        assert_eq!(order["total_invoiced"], order["grand_total"]);
        let reference = format!("magento/default/order/{paid}/invoice");
        assert!(
            app.ledger
                .find_by_external_ref(&reference)
                .await
                .unwrap()
                .is_some()
        );
        assert!(app.ledger.open_receivables().await.unwrap().is_empty());

        // Refused: the failed-payment status, no invoice.
        let refused = app.order("pm_card_authenticationRequiredOnSetup");
        app.pay(refused).await;
        let pi = app.payment_intent(refused).await;
        app.stripe.fake.answer_authentication(&pi, false).unwrap();
        let outcomes = app.settle().await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
        let order = app.order_json(refused);
        assert_eq!(order["status"], "payment_failed", "{order}");
        assert!(order["total_invoiced"].is_null() || order["total_invoiced"] == json!(0));
        assert!(
            comments(&order)
                .iter()
                .any(|c| c.contains("failed authentication")),
            "{order}"
        );
    }

    #[tokio::test]
    async fn a_declined_payment_is_told_once() {
        let app = Sandboxed::start().await;
        let (worker, notices) =
            crate::notify::notifying(&app.store, |worker| app.flows.register(worker));
        let id = app.order("pm_card_visa_chargeDeclinedInsufficientFunds");
        let order_job = job(&app.flows.order_payment(), &MagentoOrder { entity_id: id }).unwrap();
        for _ in 0..2 {
            // The second time, as a poll finding the order again would: nothing new.
            app.store.enqueue(order_job.clone(), 0).await.unwrap();
            drain(&worker).await;
        }
        let declined: Vec<flows::notify::Notice> = notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == flows::notify::NoticeKind::PaymentDeclined)
            .collect();
        assert_eq!(declined.len(), 1, "{declined:#?}");
        assert_eq!(
            declined[0].key,
            format!(
                "magento/default/order/{id}/payment-method/\
                 pm_card_visa_chargeDeclinedInsufficientFunds/notice/declined"
            )
        );
        let number = app.order_json(id)["increment_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(declined[0].title.contains(&number), "{:?}", declined[0]);
        let fact = |name: &str| {
            declined[0]
                .facts
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.value.clone())
        };
        assert_eq!(fact("amount").as_deref(), Some("155.00 USD"));
        assert!(
            fact("reason").unwrap().contains("insufficient funds"),
            "{:?}",
            declined[0]
        );
        assert!(app.store.dead_letters(10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_declined_customer_is_e_mailed_the_comment_when_the_store_asks_for_it() {
        for notify in [false, true] {
            let app = Sandboxed::start_with(
                Faults::default(),
                |config| config.notify_declined(notify),
                |intake| intake,
                |worker| worker,
            )
            .await;
            let id = app.order("pm_card_visa_chargeDeclinedInsufficientFunds");
            app.pay(id).await;
            let order = app.order_json(id);
            let declined = order["status_histories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| {
                    c["comment"]
                        .as_str()
                        .is_some_and(|t| t.contains("Stripe declined"))
                })
                .cloned()
                .unwrap_or_else(|| panic!("{order}"));
            let notified = declined["is_customer_notified"].as_i64().unwrap_or(0) == 1
                || declined["is_customer_notified"] == true;
            assert_eq!(notified, notify, "{declined}");
        }
    }
}

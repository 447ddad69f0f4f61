//! A stateful fake of the **Shopify Admin GraphQL API** (and its OAuth token endpoint and
//! webhooks), speaking the wire format of the workspace's `shopify` client.
//!
//! ```no_run
//! use sandbox::{Faults, Running, shopify::{NewOrder, ShopifyFake}};
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let fake = ShopifyFake::new();
//! let running = Running::start(fake.clone(), &Faults::default()).await?;
//! // point `shopify::Client::builder().base_url(running.base_url().clone())` with
//! // `.access_token(fake.access_token().into())` at it, and register a webhook receiver:
//! fake.register_webhook("orders/create", "http://127.0.0.1:9/webhooks/shopify".parse().unwrap());
//! let order = fake.create_order(NewOrder::simple("buyer@example.com", "25.00".parse().unwrap()));
//! # let _ = order; Ok(()) }
//! ```
//!
//! # Covered
//! - `POST /admin/api/{version}/graphql.json` (`YYYY-MM` or `unstable`, else `404`) with the
//!   `X-Shopify-Access-Token` header: the fixed token of [`ShopifyFake::access_token`] or one the
//!   token endpoint issued and that has not expired; anything else gets
//!   `401 {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`.
//!   A body that is not JSON or has no `query` gets `400 {"errors": {"query": "Required parameter missing or invalid"}}`.
//! - The operations the client sends, dispatched on the operation name (not a general GraphQL
//!   engine: each answers with the full object the client's document selects): `getOrder`,
//!   `getOrderFulfillments` (the order's one fulfillment order, `OPEN`, `IN_PROGRESS` or
//!   `CLOSED` by the quantities left, and its fulfillments with their tracking),
//!   `getOrderAsRest` (the fields of the order's REST body, line items 50 a page by cursor),
//!   `ordersUpdatedSince` (`updated_at:>=`/`>`/`<=`/`<` filters, `UPDATED_AT` order, opaque
//!   cursors, 1..=250 per page, with each order's `customAttributes`), `orderMarkAsPaid`, `orderCreateManualPayment`, `orderCapture`,
//!   `orderUpdate`, `orderCancel` (reason, `refundMethod`, staff note kept; a second one refused;
//!   the fake does not refund or restock), `transactionVoid`, `metafieldsSet` (at most 25, atomic, `compareDigest`
//!   null/digest checks with `STALE_OBJECT`), `tagsAdd`, `tagsRemove` (orders and customers),
//!   `refundCreate` (with `@idempotent(key:)`, mandatory from `2026-04`: the same key returns the
//!   first refund and does nothing else), `fulfillmentCreate` (one fulfillment order per order),
//!   `customerCreate`, `customerUpdate`, `customerSet` (upsert by id, e-mail or phone),
//!   `customerDelete` (refused for a customer with orders; sends `customers/delete`),
//!   `orderRiskAssessmentCreate`. Refused input gets `userErrors` (with `code` where Shopify's
//!   payload type has one); a variable of the wrong type gets a top-level
//!   `Variable $x of type T was provided invalid value` error; an unknown operation
//!   `Field '…' doesn't exist on type 'QueryRoot'`.
//! - Seeded orders ([`ShopifyFake::create_order`]) may hold custom items
//!   ([`NewOrder::custom_item`]: `sku`, `variant_id` and `product_id` are `null`) and a tip
//!   ([`NewOrder::tip`]: `total_tip_received`, included in `total_price` and every total derived
//!   from it, not in `subtotal_price`). The fake has no product catalogue: every item's
//!   `product_id` and `variant_id` are `null`.
//! - Financial status follows the transactions: sales and captures pay, refunds refund, voids
//!   void; `displayFinancialStatus`, `totalOutstandingSet`, `totalReceivedSet`,
//!   `totalRefundedSet` and `currentTotalPriceSet` are derived from them.
//! - Query cost: every answer carries `extensions.cost` (`requestedQueryCost`,
//!   `actualQueryCost`, `throttleStatus`). A leaky bucket of [`DEFAULT_BUCKET_SIZE`] points
//!   restoring [`DEFAULT_RESTORE_RATE`] points per second (Shopify's Standard plan; configurable
//!   with [`ShopifyFake::set_bucket`]) is charged the requested cost and refunded the difference
//!   to the actual cost; when it cannot pay, the answer is HTTP 200 with
//!   `errors[0].extensions.code = "THROTTLED"` and `actualQueryCost: null`. A requested cost above
//!   1000 gets `MAX_COST_EXCEEDED`. Costs are the fake's approximation (10 per mutation, about
//!   one point per object a query may return), not Shopify's exact calculation.
//! - `POST /admin/oauth/access_token` (form or JSON): the client-credentials grant, the refresh of
//!   expiring offline tokens (rotating refresh tokens; the previous one stays valid until the
//!   new one is used) and the authorization-code exchange for codes from
//!   [`ShopifyFake::issue_authorization_code`]. Wrong client credentials get
//!   `400 {"error": "invalid_client", ...}`, an unknown refresh token or code `invalid_grant`.
//! - Webhooks: REST-shaped bodies (`orders/create`, `orders/paid`, `orders/updated`,
//!   `refunds/create`, `customers/create`, `customers/update`, `customers/delete`, or any topic
//!   (such as the compliance webhook `customers/redact`) through
//!   [`ShopifyFake::send_webhook`]) sent to the URLs registered with
//!   [`ShopifyFake::register_webhook`] with `X-Shopify-Topic`, `-Hmac-Sha256` (base64 HMAC-SHA256
//!   of the raw body keyed with [`ShopifyFake::webhook_secret`], the app's client secret),
//!   `-Shop-Domain`, `-API-Version`, `-Webhook-Id` (one per delivery), `-Event-Id` (shared by the
//!   deliveries of one event) and `-Triggered-At`; retried on [`shopify_retry_schedule`] (8
//!   retries over about 4 hours; replace it with [`ShopifyFake::with_retry_schedule`]);
//!   duplicates and reordering through [`ShopifyFake::webhooks`].
//!
//! # Not covered
//! - Other queries and mutations, field selection (aliases other than the client's are not
//!   honoured), fragments as such, bulk operations, the REST Admin API, token exchange, online
//!   tokens, `webhookSubscriptionCreate` (register with the method instead), presentment
//!   currencies other than the shop currency, discounts, duties, order edits and cancellation.
//! - Gateways: captures succeed unless [`ShopifyFake::fail_next_captures`] asks for a decline
//!   (`FAILURE`, `CARD_DECLINED`); Shopify's Bogus gateway card numbers are not modelled because
//!   the Admin API cannot take card numbers.
//! - Shopify's exact retry intervals are not published; the schedule is the fake's choice that
//!   matches the documented "8 times over 4 hours". Subscriptions are not removed after failures.

mod ops;
mod rest;
mod state;
mod util;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use url::Url;

use crate::{Delivery, Fake, WebhookSender};
use state::{IssuedToken, State};

pub use state::{
    Address, Cancellation, Customer, FinancialStatus, Fulfillment, LineItem, Metafield, Order,
    Refund, RefundLine, RiskAssessment, RiskFact, SentInvoice, Transaction, TransactionKind,
    TransactionStatus,
};

/// The Admin API version the fake reports in webhooks (the client's pinned version).
pub const API_VERSION: &str = "2026-10";
/// Bucket size in points (Shopify Standard plan).
pub const DEFAULT_BUCKET_SIZE: u32 = 2000;
/// Points restored per second (Shopify Standard plan: 100 points/second).
pub const DEFAULT_RESTORE_RATE: u32 = 100;
/// Highest requested cost of a single query.
pub const MAX_QUERY_COST: u32 = 1000;

const INVALID_TOKEN: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";
const SCOPES: &str = "read_orders,write_orders,read_customers,write_customers,write_fulfillments";

/// Shopify's webhook retry schedule as the fake applies it: 8 retries over about 4 hours.
pub fn shopify_retry_schedule() -> Vec<Duration> {
    [10, 30, 60, 300, 900, 1800, 3600, 7200]
        .into_iter()
        .map(Duration::from_secs)
        .collect()
}

/// How a seeded order was paid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum InitialPayment {
    /// Nothing yet (`PENDING`): the app takes the payment elsewhere (PayTrace).
    #[default]
    Pending,
    /// A successful authorization of the total on this gateway (`AUTHORIZED`).
    Authorized(String),
    /// A successful sale of the total on this gateway (`PAID`).
    Paid(String),
}

/// A line item of a seeded order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLineItem {
    /// Title.
    pub title: String,
    /// SKU; `None` renders `"sku": null`, as Shopify sends for custom items.
    pub sku: Option<String>,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub price: Decimal,
    /// A gift card (`"gift_card": true`, and it does not ship).
    pub gift_card: bool,
}

/// An order to seed with [`ShopifyFake::create_order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// Buyer e-mail; also links (or creates) the customer with this e-mail.
    pub email: Option<String>,
    /// Customer first name.
    pub first_name: Option<String>,
    /// Customer last name.
    pub last_name: Option<String>,
    /// Shop currency (`USD`).
    pub currency: String,
    /// Line items.
    pub line_items: Vec<NewLineItem>,
    /// Shipping price.
    pub shipping: Decimal,
    /// Total tax.
    pub tax: Decimal,
    /// Tip the buyer added at checkout (`total_tip_received`, part of `total_price`).
    pub tip: Decimal,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Initial payment.
    pub payment: InitialPayment,
    /// Shopify's own risk level (`LOW`, `MEDIUM`, `HIGH`), when it assessed the order.
    pub risk_level: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Note.
    pub note: Option<String>,
    /// Note attributes (`name`, `value`): what a checkout passes along, e.g. a gateway's vault id.
    pub note_attributes: Vec<(String, String)>,
    /// Test order.
    pub test: bool,
}

impl NewOrder {
    /// A pending USD order of one item at `amount` for `email`.
    pub fn simple(email: &str, amount: Decimal) -> Self {
        Self {
            email: Some(email.to_owned()),
            first_name: Some("Sandbox".to_owned()),
            last_name: Some("Buyer".to_owned()),
            currency: "USD".to_owned(),
            line_items: vec![NewLineItem {
                title: "Sandbox item".to_owned(),
                sku: Some("SBX-1".to_owned()),
                quantity: 1,
                price: amount,
                gift_card: false,
            }],
            shipping: Decimal::ZERO,
            tax: Decimal::ZERO,
            tip: Decimal::ZERO,
            billing_address: None,
            shipping_address: None,
            payment: InitialPayment::Pending,
            risk_level: None,
            tags: Vec::new(),
            note: None,
            note_attributes: Vec::new(),
            test: true,
        }
    }

    /// Adds a note attribute.
    #[must_use]
    pub fn note_attribute(mut self, name: &str, value: &str) -> Self {
        self.note_attributes
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a line item without a SKU. The fake has no product catalogue, so its
    /// `product_id` and `variant_id` are `null` like those of every other item.
    #[must_use]
    pub fn line_item(mut self, title: &str, quantity: u32, price: Decimal) -> Self {
        self.line_items.push(NewLineItem {
            title: title.to_owned(),
            sku: None,
            quantity,
            price,
            gift_card: false,
        });
        self
    }

    /// Adds a gift card line (`"gift_card": true`, `"requires_shipping": false`).
    #[must_use]
    pub fn gift_card(mut self, title: &str, price: Decimal) -> Self {
        self.line_items.push(NewLineItem {
            title: title.to_owned(),
            sku: None,
            quantity: 1,
            price,
            gift_card: true,
        });
        self
    }

    /// Adds a custom line item (one made up at checkout or in the admin, not a product
    /// variant): `"sku"`, `"variant_id"` and `"product_id"` are `null` in REST, as Shopify
    /// sends them.
    #[must_use]
    pub fn custom_item(self, title: &str, quantity: u32, price: Decimal) -> Self {
        self.line_item(title, quantity, price)
    }

    /// Sets the tip: the order's `total_tip_received`, included in its `total_price`.
    #[must_use]
    pub fn tip(mut self, amount: Decimal) -> Self {
        self.tip = amount;
        self
    }

    /// Sets shipping.
    #[must_use]
    pub fn shipping(mut self, amount: Decimal) -> Self {
        self.shipping = amount;
        self
    }

    /// Sets tax.
    #[must_use]
    pub fn tax(mut self, amount: Decimal) -> Self {
        self.tax = amount;
        self
    }

    /// Sets the initial payment.
    #[must_use]
    pub fn payment(mut self, payment: InitialPayment) -> Self {
        self.payment = payment;
        self
    }

    /// Sets the currency.
    #[must_use]
    pub fn currency(mut self, currency: &str) -> Self {
        self.currency = currency.to_owned();
        self
    }

    /// Sets Shopify's own risk level.
    #[must_use]
    pub fn risk(mut self, level: &str) -> Self {
        self.risk_level = Some(level.to_owned());
        self
    }
}

/// Fixed identity of the fake shop and app.
#[derive(Debug)]
struct Config {
    shop_domain: String,
    access_token: String,
    client_id: String,
    client_secret: String,
}

/// The Shopify fake: its state handle, cheap to clone.
#[derive(Clone)]
pub struct ShopifyFake {
    state: Arc<Mutex<State>>,
    config: Arc<Config>,
    sender: WebhookSender,
}

impl std::fmt::Debug for ShopifyFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyFake")
            .field("shop_domain", &self.config.shop_domain)
            .finish_non_exhaustive()
    }
}

impl Default for ShopifyFake {
    fn default() -> Self {
        Self::new()
    }
}

type Pending = (String, Value);

impl ShopifyFake {
    /// A fake shop `sandbox-shop.myshopify.com` with no orders, the Standard-plan bucket and
    /// Shopify's webhook retry schedule.
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new())),
            config: Arc::new(Config {
                shop_domain: "sandbox-shop.myshopify.com".to_owned(),
                access_token: "shpat_sandbox00000000000000000000".to_owned(),
                client_id: "sandbox-client-id".to_owned(),
                client_secret: "shpss_sandbox_client_secret".to_owned(),
            }),
            sender: WebhookSender::new(shopify_retry_schedule()),
        }
    }

    /// Replaces the webhook retry schedule (compress it for tests). Call before cloning the fake.
    #[must_use]
    pub fn with_retry_schedule(mut self, delays: Vec<Duration>) -> Self {
        self.sender = WebhookSender::new(delays);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Handlers update state in whole steps under the lock; a panic cannot tear it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `sandbox-shop.myshopify.com`.
    pub fn shop_domain(&self) -> &str {
        &self.config.shop_domain
    }

    /// The fixed Admin API access token (`X-Shopify-Access-Token`).
    pub fn access_token(&self) -> &str {
        &self.config.access_token
    }

    /// The app's client id (token endpoint).
    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    /// The app's client secret (token endpoint); Shopify signs webhooks with it.
    pub fn client_secret(&self) -> &str {
        &self.config.client_secret
    }

    /// The key of the webhooks' `X-Shopify-Hmac-Sha256` (the app's client secret).
    pub fn webhook_secret(&self) -> &str {
        &self.config.client_secret
    }

    /// The webhook sender: attempts, duplicates, reordering, waiting until idle.
    pub fn webhooks(&self) -> &WebhookSender {
        &self.sender
    }

    /// Subscribes `url` to `topic` (`orders/create`, ...; `*` for every topic).
    pub fn register_webhook(&self, topic: &str, url: Url) {
        self.lock().subscriptions.push((topic.to_owned(), url));
    }

    /// The subscriptions, as `(topic, url)`.
    pub fn webhook_subscriptions(&self) -> Vec<(String, Url)> {
        self.lock().subscriptions.clone()
    }

    /// Sets the cost bucket's size and restore rate (points per second), and fills it.
    pub fn set_bucket(&self, maximum: u32, restore_rate: u32) {
        self.lock().bucket = state::Bucket::new(maximum, restore_rate);
    }

    /// Sets the points available now (to provoke `THROTTLED`).
    pub fn set_available_points(&self, points: u32) {
        self.lock().bucket.set_available(points);
    }

    /// Points available now (whole points, rounded down).
    pub fn available_points(&self) -> u32 {
        u32::try_from(self.lock().bucket.available_milli() / 1000).unwrap_or(0)
    }

    /// How many requests were answered `THROTTLED`.
    pub fn throttled_count(&self) -> u32 {
        self.lock().throttled
    }

    /// The operation names and variables received (throttled ones included), oldest first
    /// (the latest 10 000 or so).
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.lock().requests.clone()
    }

    /// The invoices `orderInvoiceSend` e-mailed, oldest first.
    pub fn invoices_sent(&self) -> Vec<SentInvoice> {
        self.lock().invoices.clone()
    }

    /// The next `n` `orderCapture`s are declined (`FAILURE`, error code `CARD_DECLINED`).
    pub fn fail_next_captures(&self, n: u32) {
        self.lock().fail_next_captures += n;
    }

    /// Lifetime of tokens the token endpoint issues from now on (default: 86 399 s for client
    /// credentials, 3 600 s for refreshed offline tokens).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime_secs = Some(lifetime.as_secs());
    }

    /// Moves the fake's clock forward (token expiry, timestamps).
    pub fn advance_clock(&self, by: Duration) {
        let mut st = self.lock();
        st.clock_offset_ms = st
            .clock_offset_ms
            .saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
    }

    /// A one-time authorization code for the code exchange.
    pub fn issue_authorization_code(&self) -> String {
        let code = uuid::Uuid::new_v4().simple().to_string();
        self.lock().auth_codes.push(code.clone());
        code
    }

    /// A refresh token the token endpoint accepts (as if an expiring offline token was granted).
    pub fn issue_refresh_token(&self) -> String {
        let token = format!("shprt_{}", uuid::Uuid::new_v4().simple());
        self.lock().refresh_tokens.insert(token.clone(), None);
        token
    }

    /// Whether a refresh token is still usable.
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.lock().refresh_tokens.contains_key(token)
    }

    /// An order by REST id.
    pub fn order(&self, id: u64) -> Option<Order> {
        self.lock().order(id).cloned()
    }

    /// Every order, oldest first.
    pub fn orders(&self) -> Vec<Order> {
        self.lock().orders.clone()
    }

    /// The REST-shaped order JSON (what `orders/*` webhooks carry).
    pub fn order_rest_json(&self, id: u64) -> Option<Value> {
        let st = self.lock();
        let o = st.order(id)?;
        Some(rest::order(o, o.customer_id.and_then(|id| st.customer(id))))
    }

    /// The REST order JSON of [`Self::order_rest_json`] plus its `metafields` (REST shape:
    /// `id`, `namespace`, `key`, `value`, `type`, `owner_id`, `owner_resource`) and
    /// `transactions` (REST shape), which webhook bodies do not carry: for inspection.
    pub fn order_inspection_json(&self, id: u64) -> Option<Value> {
        let st = self.lock();
        let o = st.order(id)?;
        let mut body = rest::order(o, o.customer_id.and_then(|id| st.customer(id)));
        let metafields: Vec<Value> = o
            .metafields
            .iter()
            .map(|m| {
                json!({
                    "id": m.id, "namespace": m.namespace, "key": m.key, "value": m.value,
                    "type": m.kind, "owner_id": o.id, "owner_resource": "order",
                })
            })
            .collect();
        let transactions: Vec<Value> = o
            .transactions
            .iter()
            .map(|t| rest::transaction(t, o))
            .collect();
        if let Some(map) = body.as_object_mut() {
            map.insert("metafields".to_owned(), Value::from(metafields));
            map.insert("transactions".to_owned(), Value::from(transactions));
        }
        Some(body)
    }

    /// A customer by REST id.
    pub fn customer(&self, id: u64) -> Option<Customer> {
        self.lock().customer(id).cloned()
    }

    /// Every customer, oldest first.
    pub fn customers(&self) -> Vec<Customer> {
        self.lock().customers.clone()
    }

    /// Seeds a customer and sends `customers/create`; returns the REST customer JSON.
    pub fn create_customer(&self, email: &str, first_name: &str, last_name: &str) -> Value {
        let (body, hooks) = {
            let mut st = self.lock();
            let c = new_customer(&mut st, Some(email), Some(first_name), Some(last_name));
            let body = rest::customer(&c, "USD");
            (body.clone(), vec![("customers/create".to_owned(), body)])
        };
        self.emit(hooks);
        body
    }

    /// Seeds an order and sends `orders/create` (and `orders/paid` when it is paid, and
    /// `customers/create` when its e-mail was new); returns the REST order JSON those webhooks carry.
    pub fn create_order(&self, new: NewOrder) -> Value {
        let (body, hooks) = {
            let mut st = self.lock();
            let mut hooks: Vec<Pending> = Vec::new();
            let customer_id = new.email.as_deref().map(|email| {
                let existing = st.customer_by_email(email).map(|c| c.id);
                existing.unwrap_or_else(|| {
                    let c = new_customer(
                        &mut st,
                        Some(email),
                        new.first_name.as_deref(),
                        new.last_name.as_deref(),
                    );
                    hooks.push((
                        "customers/create".to_owned(),
                        rest::customer(&c, &new.currency),
                    ));
                    c.id
                })
            });
            let id = st.id();
            let number = st.next_order_number;
            st.next_order_number += 1;
            let fulfillment_order_id = st.id();
            let now = st.now_ms();
            let mut line_items = Vec::new();
            for l in &new.line_items {
                let line_id = st.id();
                let fo_line = st.id();
                line_items.push(LineItem {
                    id: line_id,
                    fulfillment_order_line_item_id: fo_line,
                    title: l.title.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    price: l.price,
                    gift_card: l.gift_card,
                    fulfilled_quantity: 0,
                    refunded_quantity: 0,
                });
            }
            let mut order = Order {
                id,
                name: format!("#{number}"),
                number,
                email: new.email.clone(),
                phone: None,
                customer_id,
                currency: new.currency.clone(),
                line_items,
                shipping_price: new.shipping,
                total_tax: new.tax,
                tip: new.tip,
                billing_address: new.billing_address.clone(),
                shipping_address: new.shipping_address.clone(),
                note: new.note.clone(),
                note_attributes: new.note_attributes.clone(),
                tags: new.tags.clone(),
                test: new.test,
                created_at_ms: now,
                updated_at_ms: now,
                transactions: Vec::new(),
                refunds: Vec::new(),
                metafields: Vec::new(),
                risk_assessments: Vec::new(),
                fulfillment_order_id,
                fulfillments: Vec::new(),
                cancelled_at_ms: None,
                cancellation: None,
            };
            let kind = match &new.payment {
                InitialPayment::Pending => None,
                InitialPayment::Authorized(g) => Some((TransactionKind::Authorization, g.clone())),
                InitialPayment::Paid(g) => Some((TransactionKind::Sale, g.clone())),
            };
            if let Some((kind, gateway)) = kind {
                let txn_id = st.id();
                order.transactions.push(Transaction {
                    id: txn_id,
                    kind,
                    status: TransactionStatus::Success,
                    gateway,
                    amount: order.total(),
                    parent_id: None,
                    authorization_code: Some(format!("{:06}", txn_id % 1_000_000)),
                    error_code: None,
                    test: new.test,
                    manual: false,
                    created_at_ms: now,
                });
            }
            if let Some(level) = &new.risk_level {
                order.risk_assessments.push(RiskAssessment {
                    risk_level: level.clone(),
                    facts: Vec::new(),
                    provider: None,
                });
            }
            let body = rest::order(&order, customer_id.and_then(|id| st.customer(id)));
            hooks.push(("orders/create".to_owned(), body.clone()));
            if order.financial_status() == FinancialStatus::Paid {
                hooks.push(("orders/paid".to_owned(), body.clone()));
            }
            st.push_order(order);
            (body, hooks)
        };
        self.emit(hooks);
        body
    }

    /// Signs and sends a webhook of `topic` with `body` to every URL subscribed to it.
    pub fn send_webhook(&self, topic: &str, body: &Value) {
        self.emit(vec![(topic.to_owned(), body.clone())]);
    }

    /// The base64 HMAC-SHA256 of `body` with the webhook secret (`X-Shopify-Hmac-Sha256`).
    pub fn sign(&self, body: &[u8]) -> String {
        match Hmac::<sha2::Sha256>::new_from_slice(self.webhook_secret().as_bytes()) {
            Ok(mut mac) => {
                mac.update(body);
                BASE64.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        }
    }

    fn emit(&self, hooks: Vec<Pending>) {
        if hooks.is_empty() {
            return;
        }
        let (subs, now) = {
            let st = self.lock();
            (st.subscriptions.clone(), st.now_ms())
        };
        if subs.is_empty() {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!("shopify fake: webhooks need a Tokio runtime; not sent");
            return;
        }
        for (topic, body) in hooks {
            let urls: Vec<&Url> = subs
                .iter()
                .filter(|(t, _)| *t == topic || t == "*")
                .map(|(_, url)| url)
                .collect();
            if urls.is_empty() {
                continue;
            }
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let signature = self.sign(&bytes);
            let event_id = uuid::Uuid::new_v4().to_string();
            for url in urls {
                let headers = vec![
                    ("Content-Type".to_owned(), "application/json".to_owned()),
                    ("X-Shopify-Topic".to_owned(), topic.clone()),
                    ("X-Shopify-Hmac-Sha256".to_owned(), signature.clone()),
                    (
                        "X-Shopify-Shop-Domain".to_owned(),
                        self.config.shop_domain.clone(),
                    ),
                    ("X-Shopify-API-Version".to_owned(), API_VERSION.to_owned()),
                    (
                        "X-Shopify-Webhook-Id".to_owned(),
                        uuid::Uuid::new_v4().to_string(),
                    ),
                    ("X-Shopify-Event-Id".to_owned(), event_id.clone()),
                    ("X-Shopify-Triggered-At".to_owned(), util::header_time(now)),
                ];
                self.sender.send(Delivery {
                    url: url.clone(),
                    topic: topic.clone(),
                    headers,
                    body: bytes.clone(),
                });
            }
        }
    }

    fn token_valid(&self, token: &str) -> bool {
        if token == self.config.access_token {
            return true;
        }
        let st = self.lock();
        let now = st.now_ms();
        st.tokens
            .get(token)
            .is_some_and(|t| t.expires_at_ms.is_none_or(|e| now < e))
    }
}

fn new_customer(
    st: &mut State,
    email: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
) -> Customer {
    let id = st.id();
    let now = st.now_ms();
    let c = Customer {
        id,
        email: email.map(str::to_owned),
        phone: None,
        first_name: first.map(str::to_owned),
        last_name: last.map(str::to_owned),
        note: None,
        tags: Vec::new(),
        tax_exempt: false,
        locale: None,
        addresses: Vec::new(),
        metafields: Vec::new(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    st.add_customer(c.clone());
    c
}

impl Fake for ShopifyFake {
    const SERVICE: &'static str = "shopify";

    fn router(&self) -> Router {
        Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .route("/admin/oauth/access_token", post(access_token))
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"errors": "Not Found"})),
                )
            })
            .with_state(self.clone())
    }
}

fn reply(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A decimal as a JSON number (`2000.0`, `1990.5`).
fn points(milli: i64) -> Value {
    let d = Decimal::new(milli, 3).normalize();
    let text = if d.scale() == 0 {
        format!("{d}.0")
    } else {
        d.to_string()
    };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn cost(requested: u32, actual: Option<u32>, bucket: &mut state::Bucket) -> Value {
    json!({"cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": points(bucket.maximum * 1000),
            "currentlyAvailable": points(bucket.available_milli()),
            "restoreRate": points(bucket.restore_rate * 1000),
        },
    }})
}

fn valid_version(v: &str) -> bool {
    v == "unstable"
        || (v.len() == 7
            && v.as_bytes()[4] == b'-'
            && v.bytes()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit()))
}

async fn graphql(
    AxState(fake): AxState<ShopifyFake>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !valid_version(&version) {
        return reply(StatusCode::NOT_FOUND, &json!({"errors": "Not Found"}));
    }
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !fake.token_valid(token) {
        return reply(StatusCode::UNAUTHORIZED, &json!({"errors": INVALID_TOKEN}));
    }
    let missing = || {
        reply(
            StatusCode::BAD_REQUEST,
            &json!({"errors": {"query": "Required parameter missing or invalid"}}),
        )
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return missing();
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return missing();
    };
    let vars = match request.get("variables") {
        None | Some(Value::Null) => json!({}),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_else(|_| json!({})),
        Some(v) if v.is_object() => v.clone(),
        Some(_) => return missing(),
    };
    let op = ops::operation_name(request.get("operationName").and_then(Value::as_str), query)
        .unwrap_or_default();
    let requested = ops::requested_cost(&op, &vars);
    let (response, hooks) = {
        let mut st = fake.lock();
        st.log_request(&op, &vars);
        if requested > MAX_QUERY_COST {
            let body = json!({
                "errors": [{
                    "message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"),
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
                }],
                "extensions": cost(requested, None, &mut st.bucket),
            });
            (body, Vec::new())
        } else if !st.bucket.try_take(requested) {
            st.throttled += 1;
            let body = json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": cost(requested, None, &mut st.bucket),
            });
            (body, Vec::new())
        } else {
            let exec = ops::run(&mut st, &op, &vars, query, &version);
            let actual = exec.actual.min(requested);
            st.bucket.give_back(requested - actual);
            let extensions = cost(requested, Some(actual), &mut st.bucket);
            let body = match exec.result {
                Ok(data) => json!({"data": data, "extensions": extensions}),
                Err(errors) => json!({"errors": errors, "extensions": extensions}),
            };
            (body, exec.webhooks)
        }
    };
    fake.emit(hooks);
    reply(StatusCode::OK, &response)
}

fn oauth_error(error: &str, description: &str) -> Response {
    reply(
        StatusCode::BAD_REQUEST,
        &json!({"error": error, "error_description": description}),
    )
}

async fn access_token(
    AxState(fake): AxState<ShopifyFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
    let params: HashMap<String, String> = if is_json {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect(),
            _ => return oauth_error("invalid_request", "The request body is not valid JSON."),
        }
    } else {
        url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let get = |k: &str| params.get(k).map(String::as_str);
    if get("client_id") != Some(fake.client_id())
        || get("client_secret") != Some(fake.client_secret())
    {
        return oauth_error(
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        );
    }
    let mut st = fake.lock();
    let now = st.now_ms();
    let lifetime = st.token_lifetime_secs;
    let issue = |st: &mut State, default_secs: Option<u64>| {
        let token = format!("shpat_{}", uuid::Uuid::new_v4().simple());
        let secs = lifetime.or(default_secs);
        let expires_at_ms = secs
            .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000)));
        st.tokens
            .insert(token.clone(), IssuedToken { expires_at_ms });
        (token, secs)
    };
    match (get("grant_type"), get("code")) {
        (Some("client_credentials"), _) => {
            let (token, secs) = issue(&mut st, Some(86_399));
            reply(
                StatusCode::OK,
                &json!({"access_token": token, "scope": SCOPES, "expires_in": secs}),
            )
        }
        (Some("refresh_token"), _) => {
            let Some(presented) =
                get("refresh_token").filter(|t| st.refresh_tokens.contains_key(*t))
            else {
                return oauth_error(
                    "invalid_grant",
                    "The refresh token is invalid, expired or revoked.",
                );
            };
            let presented = presented.to_owned();
            if let Some(Some(previous)) = st.refresh_tokens.get(&presented).cloned() {
                st.refresh_tokens.remove(&previous);
            }
            let (token, secs) = issue(&mut st, Some(3600));
            let refresh = format!("shprt_{}", uuid::Uuid::new_v4().simple());
            st.refresh_tokens.insert(refresh.clone(), Some(presented));
            reply(
                StatusCode::OK,
                &json!({"access_token": token, "scope": SCOPES, "expires_in": secs, "refresh_token": refresh, "refresh_token_expires_in": 7_776_000}),
            )
        }
        (None | Some("authorization_code"), Some(code)) => {
            let Some(pos) = st.auth_codes.iter().position(|c| c == code) else {
                return oauth_error(
                    "invalid_grant",
                    "The authorization code is invalid or was already used.",
                );
            };
            st.auth_codes.remove(pos);
            let (token, _) = issue(&mut st, None);
            reply(
                StatusCode::OK,
                &json!({"access_token": token, "scope": SCOPES}),
            )
        }
        _ => oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported.",
        ),
    }
}

//! A stateful fake of the **Magento 2.4 / Adobe Commerce admin REST API**, for the operations
//! the workspace's `magento` client uses.
//!
//! ```no_run
//! use sandbox::{Faults, Running, magento::{MagentoFake, NewOrder}};
//! use rust_decimal::Decimal;
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let fake = MagentoFake::new();
//! let order_id = fake.create_order(NewOrder::new("jdoe@example.com").item("WS12-M", 2, Decimal::new(2200, 2)));
//! let running = Running::start(fake.clone(), &Faults::default()).await?;
//! // magento::Client::builder(running.base_url().as_str(), magento::Credentials::oauth(
//! //     fake.consumer_key(), fake.consumer_secret(), fake.access_token(), fake.access_token_secret()))
//! # let _ = order_id;
//! # Ok(()) }
//! ```
//!
//! # Covered
//! Every path exists as `/rest/V1/...` and `/rest/{store_code}/V1/...` (store codes `default`,
//! `all` and those added with [`MagentoFake::add_store`]; another code is a 404).
//! - **Authentication** on every request but the admin token one: OAuth 1.0a HMAC-SHA256 with
//!   the fake's four integration credentials, the signature recomputed from the method,
//!   `http://` + `Host` + path, the query and the `oauth_*` header parameters exactly as
//!   Magento/Laminas do (see `auth.rs`; names sorted with PHP's `strnatcmp`). Failures are
//!   form-encoded `oauth_problem=...` bodies: 401 `The signature is invalid. Verify and try again.`,
//!   `consumer_key_rejected`, `token_rejected`, `nonce_used` (a nonce is single use);
//!   400 `parameter_absent`, `signature_method_rejected` (anything but HMAC-SHA256),
//!   `version_rejected`, `timestamp_refused` (more than 600 s in the future). Bearer tokens: the
//!   integration access token (switch off with [`MagentoFake::set_integration_bearer`]) and
//!   admin tokens. Anything else is a 401 `The consumer isn't authorized to access %resources.`
//! - `POST /V1/integration/admin/token` `{username, password}` returns a bare JSON string valid
//!   4 h on the fake's clock ([`MagentoFake::advance_clock`], [`MagentoFake::set_admin_token_lifetime`]);
//!   wrong credentials are a 401 "The account sign-in was incorrect ...".
//! - Orders: `GET /V1/orders/{id}`, `GET /V1/orders?searchCriteria...` (filter groups AND-ed,
//!   filters OR-ed, all 17 conditions, `sortOrders`, `pageSize`, `currentPage`; camelCase and
//!   snake_case names; a page past the end answers the last page; no `searchCriteria` is a 400;
//!   an unknown column or condition is a masked 500 like Magento's SQL errors), comments
//!   (`GET`/`POST /V1/orders/{id}/comments`; since 2.4.7 the status sent with a comment does not
//!   change the order's, switch with [`MagentoFake::set_comment_sets_status`]), `hold`, `unhold`,
//!   `cancel` (`false` when the order cannot be canceled), and `POST /V1/orders` with
//!   `{"entity":{entity_id, state, status}}` (the save used to record failed payments; creating
//!   orders this way is not supported: seed them with [`MagentoFake::create_order`]).
//! - `?fields=` projections (`items[entity_id,state],total_count`) on every answer.
//! - Invoices: `POST /V1/order/{id}/invoice` (all or some lines; tax and discount shared per
//!   unit, shipping on the first invoice; `new`/`pending_payment` orders move to `processing`;
//!   `capture: true` simulates an online capture: a transaction id (`{authorization}-capture`
//!   when the payment has one) on the invoice and in `payment.last_trans_id`, plus Magento's
//!   "Captured amount of ... online" comment), `GET /V1/invoices/{id}`.
//! - Shipments: `POST /V1/order/{id}/ship` with tracks (`complete` once everything is invoiced
//!   and shipped); `GET /V1/shipment/{id}`; `GET /V1/shipments` (search criteria on the
//!   shipment table's columns).
//! - Credit memos: `POST /V1/order/{id}/refund` (offline) and `POST /V1/invoice/{id}/refund`
//!   (`isOnline: true` refunds through the capture transaction, `{capture}-refund`), with
//!   `arguments` (shipping, adjustments), the "most money available to refund" and shipping
//!   limits; an order with nothing left to refund or ship is `closed`. `GET /V1/creditmemo/{id}`.
//! - Customers: `GET /V1/customers/{id}`, `GET /V1/customers/search`, `POST /V1/customers`
//!   (required names and e-mail, unique e-mail per website, Magento's password rules: 8
//!   characters and 3 character classes), `PUT /V1/customers/{id}` (replaces the data; addresses
//!   are kept when none are sent). Each save through the API is recorded as the Adobe Commerce
//!   customer event it would send ([`MagentoFake::customer_events`]).
//! - Carts, as an admin turns one into an order for a customer: `POST /V1/customers/{id}/carts`
//!   (the customer's active cart, else a new one), `GET`/`POST /V1/carts/{id}/items` (`cartItem`
//!   `{sku, qty, quote_id}`; the SKU must be in the fake's catalog,
//!   [`MagentoFake::add_product`], which sets the price; the same SKU again adds to its line),
//!   `POST /V1/carts/{id}/shipping-information` (both addresses, Magento's required address
//!   fields; only `flatrate`/`flatrate` at 5.00 per item; answers the payment methods `checkmo`
//!   and `banktransfer`), `PUT /V1/carts/{id}/order` (`paymentMethod.method` one of those): a
//!   `new`/`pending` order of the customer with the cart's `quote_id` (searchable), and the cart
//!   is no longer active (its id answers 404 since). See [`MagentoFake::carts`].
//! - Errors are Magento's `{message, parameters}` (or `{message, errors[]}`) with 400 for input
//!   and document validation errors ("Invoice Document Validation Error(s):\n..."), 401, 404
//!   ("The entity that was requested doesn't exist..." / "No such entity with %fieldName =
//!   %fieldValue" / "Request does not match any route."), masked 500s with a report id.
//! - Numbers as Magento sends them: ids and quantities as ints, money as JSON numbers (`165`,
//!   `22.5`) in single-entity answers and as 4-decimal strings (`"165.0000"`) in order search
//!   results, the shipment and credit memo ids as strings and the invoice id as an int (the
//!   fake's choice of a realistic mix; the client must accept all of them).
//!
//! # Not covered
//! The OAuth activation handshake, 2FA, customer tokens, guest carts and the other cart
//! endpoints, cart totals beyond the subtotal and flat-rate shipping (no tax, no discounts),
//! async/bulk endpoints, webhooks, product data beyond a SKU's name and price, stock,
//! multi-currency orders (base = order currency), configurable/bundle parent-child lines,
//! invoice capture/void of open invoices, ACL per integration. Which message texts Magento
//! uses for some validation errors (tracks, item quantities, malformed `fields`) is the fake's
//! choice. Payment declines are not simulated: Magento has no test amounts or cards.

mod auth;
mod carts;
mod ops;
mod reply;
mod search;
mod state;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::Fake;

pub use carts::{Cart, CartLine};

pub use state::{
    Address, Comment, CreditMemo, DocumentItem, Invoice, NewOrder, NewOrderItem, Order, OrderItem,
    Payment, Shipment, Track,
};

use auth::{Integration, RequestAuth};
use ops::Route;
use reply::Fail;
use search::Node;

/// Default admin user name of the fake.
pub const ADMIN_USERNAME: &str = "admin";
/// Default admin password of the fake.
pub const ADMIN_PASSWORD: &str = "Admin123!";

/// The Magento fake: one store with one integration and one admin user. Cheap to clone; clones
/// share the store.
#[derive(Clone)]
pub struct MagentoFake {
    integration: Arc<Integration>,
    state: Arc<Mutex<state::State>>,
}

impl std::fmt::Debug for MagentoFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoFake")
            .field("consumer_key", &self.integration.consumer_key)
            .finish_non_exhaustive()
    }
}

impl Default for MagentoFake {
    fn default() -> Self {
        Self::new()
    }
}

impl MagentoFake {
    /// An empty store with fresh random integration credentials, the admin user
    /// [`ADMIN_USERNAME`] / [`ADMIN_PASSWORD`] and the integration token usable as a bearer.
    pub fn new() -> Self {
        let random = || uuid::Uuid::new_v4().simple().to_string();
        let integration = Integration {
            consumer_key: random(),
            consumer_secret: random(),
            access_token: random(),
            access_token_secret: random(),
        };
        let mut state = state::State {
            admin_token_lifetime: 4 * 3600,
            integration_bearer: true,
            stores: vec!["default".into(), "all".into()],
            ..state::State::default()
        };
        state
            .admin_users
            .insert(ADMIN_USERNAME.into(), ADMIN_PASSWORD.into());
        Self {
            integration: Arc::new(integration),
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, state::State> {
        // Every handler updates the state in one step under the lock; a panic cannot tear it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The integration's consumer key.
    pub fn consumer_key(&self) -> &str {
        &self.integration.consumer_key
    }

    /// The integration's consumer secret.
    pub fn consumer_secret(&self) -> &str {
        &self.integration.consumer_secret
    }

    /// The integration's access token (also the integration bearer token).
    pub fn access_token(&self) -> &str {
        &self.integration.access_token
    }

    /// The integration's access token secret.
    pub fn access_token_secret(&self) -> &str {
        &self.integration.access_token_secret
    }

    /// The integration token to send as `Authorization: Bearer` (the access token).
    pub fn integration_token(&self) -> &str {
        &self.integration.access_token
    }

    /// Adds (or changes the password of) an admin user.
    pub fn add_admin_user(&self, username: impl Into<String>, password: impl Into<String>) {
        self.lock()
            .admin_users
            .insert(username.into(), password.into());
    }

    /// Lifetime of new admin tokens (4 h by default).
    pub fn set_admin_token_lifetime(&self, lifetime: Duration) {
        self.lock().admin_token_lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
    }

    /// Revokes every admin token issued so far.
    pub fn revoke_admin_tokens(&self) {
        self.lock().admin_tokens.clear();
    }

    /// Admin tokens issued so far (valid or not).
    pub fn admin_tokens_issued(&self) -> usize {
        self.lock().admin_tokens.len()
    }

    /// Whether the integration token is accepted as a bearer token
    /// (`oauth/consumer/enable_integration_as_bearer`; on by default in the fake).
    pub fn set_integration_bearer(&self, enabled: bool) {
        self.lock().integration_bearer = enabled;
    }

    /// `true` makes a comment's status change the order's status, as before 2.4.7; `false`
    /// (the default) keeps 2.4.7+ behaviour where only `POST /V1/orders` changes it.
    pub fn set_comment_sets_status(&self, enabled: bool) {
        self.lock().comment_sets_status = enabled;
    }

    /// Adds a store view code accepted in `/rest/{code}/V1`.
    pub fn add_store(&self, code: impl Into<String>) {
        self.lock().stores.push(code.into());
    }

    /// Requests rejected for their credentials so far.
    pub fn auth_failures(&self) -> u32 {
        self.lock().auth_failures
    }

    /// Moves the fake's clock (dates and admin token expiry) forward.
    pub fn advance_clock(&self, by: Duration) {
        let mut state = self.lock();
        state.clock_offset = state
            .clock_offset
            .saturating_add(i64::try_from(by.as_secs()).unwrap_or(i64::MAX));
    }

    /// The fake's current time as Magento writes it (`YYYY-MM-DD HH:MM:SS`, UTC).
    pub fn now(&self) -> String {
        self.lock().now()
    }

    /// Seeds an order and returns its `entity_id` (its `increment_id` is the id on 9 digits).
    pub fn create_order(&self, order: NewOrder) -> i64 {
        self.lock().insert_order(order)
    }

    /// An order by `entity_id`.
    pub fn order(&self, entity_id: i64) -> Option<Order> {
        self.lock().orders.get(&entity_id).cloned()
    }

    /// Every order, by `entity_id`.
    pub fn orders(&self) -> Vec<Order> {
        self.lock().orders.values().cloned().collect()
    }

    /// The order as `GET /V1/orders/{id}` returns it.
    pub fn order_json(&self, entity_id: i64) -> Option<Value> {
        self.lock()
            .orders
            .get(&entity_id)
            .map(|o| o.render(state::Style::Number))
    }

    /// Sets an order's state and status directly (and its `updated_at`). `false` when unknown.
    pub fn set_order_state(&self, entity_id: i64, state: &str, status: &str) -> bool {
        let mut guard = self.lock();
        let now = guard.now();
        match guard.orders.get_mut(&entity_id) {
            Some(order) => {
                order.state = state.to_owned();
                order.status = status.to_owned();
                order.updated_at = now;
                true
            }
            None => false,
        }
    }

    /// Sets (or adds) the pair `key` = `value` of an order payment's additional information and
    /// moves the order's `updated_at`, as a storefront's "pay again" page saving a new Stripe
    /// PaymentMethod would. A fake-side helper for tests: Magento's REST API has no call for it
    /// (a storefront module writes it through the order payment repository). `false` when the
    /// order is unknown.
    pub fn set_payment_info(&self, entity_id: i64, key: &str, value: &str) -> bool {
        let mut guard = self.lock();
        let now = guard.now();
        let Some(order) = guard.orders.get_mut(&entity_id) else {
            return false;
        };
        let info = &mut order.payment.additional_info;
        match info.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_owned(),
            None => info.push((key.to_owned(), value.to_owned())),
        }
        order.updated_at = now;
        true
    }

    /// An invoice by id.
    pub fn invoice(&self, entity_id: i64) -> Option<Invoice> {
        self.lock().invoices.get(&entity_id).cloned()
    }

    /// The invoices of an order.
    pub fn invoices_of(&self, order_id: i64) -> Vec<Invoice> {
        self.lock()
            .invoices
            .values()
            .filter(|i| i.order_id == order_id)
            .cloned()
            .collect()
    }

    /// The shipments of an order.
    pub fn shipments_of(&self, order_id: i64) -> Vec<Shipment> {
        self.lock()
            .shipments
            .values()
            .filter(|s| s.order_id == order_id)
            .cloned()
            .collect()
    }

    /// The credit memos of an order.
    pub fn credit_memos_of(&self, order_id: i64) -> Vec<CreditMemo> {
        self.lock()
            .creditmemos
            .values()
            .filter(|c| c.order_id == order_id)
            .cloned()
            .collect()
    }

    /// A customer as `GET /V1/customers/{id}` returns it.
    pub fn customer(&self, id: i64) -> Option<Value> {
        self.lock()
            .customers
            .get(&id)
            .map(|c| Value::Object(c.data.clone()))
    }

    /// Every customer, by id.
    pub fn customers(&self) -> Vec<Value> {
        self.lock()
            .customers
            .values()
            .map(|c| Value::Object(c.data.clone()))
            .collect()
    }

    /// The Adobe Commerce webhook bodies of the customer saves made through the API, oldest
    /// first: `observer.customer_register_success` for `POST /V1/customers`,
    /// `observer.customer_save_after` for `PUT /V1/customers/{id}`, each
    /// `{"eventName", "data": {"customer": <the saved customer>}}`. The fake sends no webhooks:
    /// a test delivers these itself (signed as Commerce signs them, or through an intake's
    /// `ingest`).
    pub fn customer_events(&self) -> Vec<Value> {
        self.lock().customer_events.clone()
    }

    /// The password a customer was created with, if any.
    pub fn customer_password(&self, id: i64) -> Option<String> {
        self.lock()
            .customers
            .get(&id)
            .and_then(|c| c.password.clone())
    }

    /// Adds `sku` to the catalog carts are filled from, at `price` (replacing it if known).
    pub fn add_product(&self, sku: impl Into<String>, name: impl Into<String>, price: Decimal) {
        self.lock().products.insert(
            sku.into(),
            carts::Product {
                name: name.into(),
                price,
            },
        );
    }

    /// Every cart, active or ordered, oldest first.
    pub fn carts(&self) -> Vec<Cart> {
        self.lock().carts.values().cloned().collect()
    }

    /// Seeds a customer account in website 1 and returns its id.
    pub fn create_customer(&self, email: &str, firstname: &str, lastname: &str) -> i64 {
        let mut state = self.lock();
        let id = state.next("customer");
        let now = state.now();
        let data = serde_json::json!({
            "id": id, "group_id": 1, "created_at": now, "updated_at": now, "created_in": "Default Store View",
            "email": email, "firstname": firstname, "lastname": lastname, "store_id": 1, "website_id": 1,
            "addresses": [], "disable_auto_group_change": 0, "extension_attributes": {"is_subscribed": false},
        });
        if let Value::Object(data) = data {
            state.customers.insert(
                id,
                state::CustomerRecord {
                    data,
                    password: None,
                },
            );
        }
        id
    }

    fn dispatch(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Response, Fail> {
        let path = uri.path();
        let rest = path.strip_prefix("/rest/").ok_or_else(Fail::no_route)?;
        let mut segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let store = if segments.first() == Some(&"V1") {
            None
        } else {
            Some(segments.remove(0).to_owned())
        };
        if segments.first() != Some(&"V1") {
            return Err(Fail::no_route());
        }
        segments.remove(0);
        let route = Route::parse(method.as_str(), &segments).ok_or_else(Fail::no_route)?;
        let mut state = self.lock();
        if let Some(store) = store {
            if !state.stores.contains(&store) {
                return Err(Fail::json(
                    StatusCode::NOT_FOUND,
                    "Requested store is not found",
                    None,
                ));
            }
        }
        if route != Route::AdminToken {
            let header_text = |name| headers.get(name).and_then(|v| v.to_str().ok());
            let request = RequestAuth {
                method: method.as_str(),
                host: header_text(header::HOST).unwrap_or_default(),
                path,
                raw_query: uri.query(),
                authorization: header_text(header::AUTHORIZATION),
            };
            auth::authenticate(&mut state, &self.integration, &request, route.resource())?;
        }
        let query = search::parse_query(uri.query().unwrap_or_default());
        let fields = match query.get("fields") {
            Some(Node::Leaf(spec)) if !spec.trim().is_empty() => {
                Some(search::parse_fields(spec).ok_or_else(|| {
                    Fail::bad_request_with(
                        "The \"%1\" parameter is invalid.",
                        serde_json::json!(["fields"]),
                    )
                })?)
            }
            _ => None,
        };
        let mut answer = ops::run(&mut state, &route, &query, body)?;
        if let Some(fields) = fields {
            answer = search::apply_fields(answer, &fields);
        }
        Ok(reply::ok(&answer))
    }
}

async fn handle(
    AxumState(fake): AxumState<MagentoFake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match fake.dispatch(&method, &uri, &headers, &body) {
        Ok(response) => response,
        Err(fail) => fail.into_response(),
    }
}

impl Fake for MagentoFake {
    const SERVICE: &'static str = "magento";

    fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

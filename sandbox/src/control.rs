//! A loopback HTTP API to drive a running [`Sandbox`] from another process: fault rules,
//! seeding, inspection. The `sandbox` binary serves it with `--control <addr>`; a test can mount
//! [`router`] in-process the same way.
//!
//! ```no_run
//! use sandbox::{Sandbox, Service, control};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(&[Service::Paytrace, Service::Shopify], 0).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! tokio::spawn(axum::serve(listener, control::router(&sandbox)).into_future());
//! # Ok(()) }
//! ```
//!
//! Bodies and answers are JSON. A refused request gets `400` (or `404` for an unknown id, route
//! or a fake that is not running) with `{"error": "<field>: <what is wrong>"}`, fields named by
//! their path (`fault.respond.status`, `line_items[1].price`); unknown fields are refused.
//! Amounts are decimal strings (`"10.00"`); JSON numbers are accepted and read exactly.
//!
//! # Routes
//! - `GET /control`: [`Sandbox::describe_json`] plus `"control"`, this API's URL (from the
//!   request's `Host`).
//! - `POST /control/faults` `{"service": "paytrace", "path_prefix": "/v1/transactions/sale",
//!   "method": "POST", "fault": F, "trigger": T}` (`path_prefix` and `method` optional) adds a
//!   [`FaultRule`](crate::FaultRule) → `{"id": n}`. `F` is one of
//!   `{"respond": {"status": 503, "headers": [["Retry-After", "1"]], "body": "{}"}}` (`headers`
//!   and `body` optional, `body` defaults to `{}`), `{"latency_ms": 200}`,
//!   `{"apply_after_ms": 1500}` ([`Fault::ApplyAfter`](crate::Fault::ApplyAfter)) or
//!   `{"drop": true}`; `T` is one of `{"count": 3}`, `{"per_mille": 300}` (0..=1000) or
//!   `{"always": true}`.
//! - `GET /control/faults/{id}` → `{"id": n, "fired": n}`; `DELETE /control/faults/{id}` stops
//!   one rule → `{"removed": n}`; `DELETE /control/faults` stops every rule → `{"cleared": true}`.
//! - `POST /control/paytrace/customers` `{"customer_id": "c1", "card_number": "4111111111111111",
//!   "expiration_month": 12, "expiration_year": 2030, "billing": {"name": "…", "street_address":
//!   "…", "street_address2", "city", "county", "state", "zip", "country"}}` (`billing` and its
//!   fields optional) stores a vault customer → `{"customer_id": "c1"}`; an invalid card or
//!   expiry is `400`.
//! - `GET /control/paytrace/transactions[?invoice_id=…]` → `{"transactions": [...]}`, every
//!   transaction in id order (declines included), each `{"id", "kind" ("sale",
//!   "authorization", "refund"), "amount", "captured_amount", "tax_amount", "approved",
//!   "voided", "refunded", "refund_of", "status_code" ("Y" pending, "N" never settles, "GB<n>"
//!   settled), "batch_number", "masked_card_number", "invoice_id", "customer_reference_id",
//!   "customer_id", "description", "email", "billing_address", "shipping_address",
//!   "approval_code", "approval_message", "avs_response", "csc_response", "created_at",
//!   "settled_at"}` (amounts as strings, times in unix seconds of the fake's clock). No card
//!   number, BIN or expiry is ever shown.
//! - `POST /control/paytrace/settle` closes the batch now → `{"batch_number": n}` (`null` when
//!   nothing was pending).
//! - `POST /control/shopify/webhooks` `{"topic": "orders/create", "url": "http://…"}` subscribes
//!   a URL (`"*"` for every topic) → `{"topic", "url"}`. `GET /control/shopify/webhooks` →
//!   `{"pending": n, "attempts": n, "delivered": n, "subscriptions": [{"topic", "url"}]}`
//!   (`attempts` counts every try, retries included; `delivered` those answered 2xx).
//! - `POST /control/shopify/orders` creates an order as
//!   [`ShopifyFake::create_order`](crate::shopify::ShopifyFake::create_order) does (webhooks
//!   included) → its REST JSON (the `orders/create` body: `id`, `name`, ...). Fields, all
//!   optional but `line_items`: `email` (links or creates the customer; `first_name` and
//!   `last_name` then default to `Sandbox` `Buyer`), `currency` (`USD`), `line_items`
//!   `[{"title" ("Sandbox item"), "sku" (absent or `null`: a custom item), "quantity" (1),
//!   "price" (required)}]`, `shipping`, `tax`, `tip` (`"0.00"`), `billing_address`,
//!   `shipping_address` (`first_name`, `last_name`, `company`, `address1`, `address2`, `city`,
//!   `province_code`, `country_code`, `zip`, `phone`), `payment` (`"pending"` (default),
//!   `{"authorized": "<gateway>"}` or `{"paid": "<gateway>"}`), `risk_level` (`LOW`, `MEDIUM`,
//!   `HIGH`, ...), `tags` (array of strings), `note`, `note_attributes` (`[{"name", "value"}]`),
//!   `test` (`true`).
//! - `GET /control/shopify/orders/{id}` →
//!   [`ShopifyFake::order_inspection_json`](crate::shopify::ShopifyFake::order_inspection_json):
//!   the REST order (`financial_status`, `tags` as Shopify's comma-separated string, `note`,
//!   `note_attributes`, totals, ...) plus `metafields` and `transactions`.
//! - `POST /control/stripe/webhooks` `{"url": "http://…"}` registers an endpoint for every event
//!   → `{"url"}`; `GET /control/stripe/webhooks` → the same counts as Shopify's, `subscriptions`
//!   listing `{"url"}`.
//! - `POST /control/stripe/payment_intents/{id}/authentication` `{"authenticated": true}` plays
//!   the customer's answer to the 3-D Secure challenge of a PaymentIntent in `requires_action`
//!   ([`StripeFake::answer_authentication`]: `true` charges it, `false` fails it with
//!   `payment_intent_authentication_failure`), webhooks included → the PaymentIntent as the API
//!   renders it; `404` when no such PaymentIntent waits for authentication.
//! - `GET /control/magento/orders/{entity_id}` → the order as Magento's `GET /V1/orders/{id}`
//!   renders it.
//! - `POST /control/magento/orders/{entity_id}/payment_info` `{"key": "stripe_payment_method",
//!   "value": "pm_card_visa"}` sets one pair of the order payment's additional information and
//!   moves `updated_at`, as a storefront's "pay again" page would
//!   ([`MagentoFake::set_payment_info`]) → the order as `GET /V1/orders/{id}` renders it.

mod fields;
mod forms;
mod views;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use serde_json::{Value, json};
use url::Url;

use crate::faults::{Faults, RuleId};
use crate::magento::MagentoFake;
use crate::paytrace::PaytraceFake;
use crate::shopify::ShopifyFake;
use crate::stripe::StripeFake;
use crate::{Sandbox, Service};
use fields::{ControlError, Fields, Reply};

/// What the handlers share: handles of the running fakes (clones share their state).
#[derive(Clone)]
struct Control {
    faults: Faults,
    description: Value,
    paytrace: Option<PaytraceFake>,
    shopify: Option<ShopifyFake>,
    stripe: Option<StripeFake>,
    magento: Option<MagentoFake>,
}

/// The control API over `sandbox` (routes in the [module doc](self)). The router shares the
/// fakes' state, so it keeps working while `sandbox` lives; once the sandbox is dropped its fakes
/// stop serving but the router still reads and changes their state.
pub fn router(sandbox: &Sandbox) -> Router {
    let control = Control {
        faults: sandbox.faults.clone(),
        description: sandbox.describe_json(),
        paytrace: sandbox.paytrace.as_ref().map(|r| r.fake.clone()),
        shopify: sandbox.shopify.as_ref().map(|r| r.fake.clone()),
        stripe: sandbox.stripe.as_ref().map(|r| r.fake.clone()),
        magento: sandbox.magento.as_ref().map(|r| r.fake.clone()),
    };
    Router::new()
        .route("/control", get(describe))
        .route("/control/faults", post(add_fault).delete(clear_faults))
        .route(
            "/control/faults/{id}",
            get(fault_fired).delete(remove_fault),
        )
        .route("/control/paytrace/customers", post(paytrace_customer))
        .route("/control/paytrace/transactions", get(paytrace_transactions))
        .route("/control/paytrace/settle", post(paytrace_settle))
        .route(
            "/control/shopify/webhooks",
            post(shopify_subscribe).get(shopify_webhooks),
        )
        .route("/control/shopify/orders", post(shopify_create_order))
        .route("/control/shopify/orders/{id}", get(shopify_order))
        .route(
            "/control/stripe/webhooks",
            post(stripe_subscribe).get(stripe_webhooks),
        )
        .route(
            "/control/stripe/payment_intents/{id}/authentication",
            post(stripe_authentication),
        )
        .route("/control/magento/orders/{id}", get(magento_order))
        .route(
            "/control/magento/orders/{id}/payment_info",
            post(magento_payment_info),
        )
        .fallback(|| async { ControlError::not_found("no such control route") })
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                Json(json!({"error": "method not allowed on this control route"})),
            )
        })
        .with_state(control)
}

/// The fake of `service`, or `404` when it is not running.
fn running<F>(fake: Option<&F>, service: Service) -> Result<&F, ControlError> {
    fake.ok_or_else(|| ControlError::not_found(format!("{} is not running", service.name())))
}

/// A body that must be a JSON object.
fn body(
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, Value>, ControlError> {
    let bytes = body.map_err(|e| ControlError::bad(format!("body: {e}")))?;
    fields::object(&bytes)
}

/// A numeric id from the path.
fn path_id<T: std::str::FromStr>(
    path: Result<Path<String>, PathRejection>,
) -> Result<T, ControlError> {
    let Path(text) = path.map_err(|e| ControlError::bad(format!("id: {e}")))?;
    text.parse()
        .map_err(|_| ControlError::bad(format!("id: expected a number, got {text:?}")))
}

async fn describe(State(c): State<Control>, headers: HeaderMap) -> Json<Value> {
    let mut description = c.description.clone();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let (Some(map), Some(host)) = (description.as_object_mut(), host) {
        map.insert(
            "control".to_owned(),
            Value::from(format!("http://{host}/control")),
        );
    }
    Json(description)
}

async fn add_fault(State(c): State<Control>, raw: Result<Bytes, BytesRejection>) -> Reply {
    let map = body(raw)?;
    let rule = forms::fault_rule(&Fields::top(&map))?;
    let RuleId(id) = c.faults.add(rule);
    Ok(Json(json!({"id": id})))
}

async fn clear_faults(State(c): State<Control>) -> Json<Value> {
    c.faults.clear();
    Json(json!({"cleared": true}))
}

fn known_rule(
    c: &Control,
    path: Result<Path<String>, PathRejection>,
) -> Result<RuleId, ControlError> {
    let id = RuleId(path_id(path)?);
    if c.faults.knows(id) {
        Ok(id)
    } else {
        Err(ControlError::not_found(format!("no fault rule {}", id.0)))
    }
}

async fn fault_fired(State(c): State<Control>, path: Result<Path<String>, PathRejection>) -> Reply {
    let id = known_rule(&c, path)?;
    Ok(Json(json!({"id": id.0, "fired": c.faults.fired(id)})))
}

async fn remove_fault(
    State(c): State<Control>,
    path: Result<Path<String>, PathRejection>,
) -> Reply {
    let id = known_rule(&c, path)?;
    c.faults.remove(id);
    Ok(Json(json!({"removed": id.0})))
}

async fn paytrace_customer(State(c): State<Control>, raw: Result<Bytes, BytesRejection>) -> Reply {
    let fake = running(c.paytrace.as_ref(), Service::Paytrace)?;
    let map = body(raw)?;
    let seed = forms::seed_customer(&Fields::top(&map))?;
    if !fake.seed_customer(
        &seed.customer_id,
        &seed.card_number,
        seed.expiration_month,
        seed.expiration_year,
        seed.billing,
    ) {
        return Err(ControlError::bad(
            "card_number: not a valid card number, or the expiry is invalid",
        ));
    }
    Ok(Json(json!({"customer_id": seed.customer_id})))
}

async fn paytrace_transactions(
    State(c): State<Control>,
    query: Result<Query<std::collections::HashMap<String, String>>, QueryRejection>,
) -> Reply {
    let fake = running(c.paytrace.as_ref(), Service::Paytrace)?;
    let Query(query) = query.map_err(|e| ControlError::bad(format!("query: {e}")))?;
    let transactions = match query.get("invoice_id") {
        Some(invoice) => fake.transactions_by_invoice(invoice),
        None => fake.transactions(),
    };
    let list: Vec<Value> = transactions
        .iter()
        .map(views::paytrace_transaction)
        .collect();
    Ok(Json(json!({"transactions": list})))
}

async fn paytrace_settle(State(c): State<Control>) -> Reply {
    let fake = running(c.paytrace.as_ref(), Service::Paytrace)?;
    Ok(Json(json!({"batch_number": fake.settle_now()})))
}

/// A webhook URL field: absolute `http` or `https`.
fn webhook_url(f: &Fields<'_>) -> Result<Url, ControlError> {
    let text = f.required_string("url")?;
    match Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(ControlError::bad("url: expected an absolute http(s) URL")),
    }
}

async fn shopify_subscribe(State(c): State<Control>, raw: Result<Bytes, BytesRejection>) -> Reply {
    let fake = running(c.shopify.as_ref(), Service::Shopify)?;
    let map = body(raw)?;
    let f = Fields::top(&map);
    f.only(&["topic", "url"])?;
    let topic = f.required_string("topic")?;
    if topic.is_empty() {
        return Err(ControlError::bad("topic: must not be empty"));
    }
    let url = webhook_url(&f)?;
    fake.register_webhook(&topic, url.clone());
    Ok(Json(json!({"topic": topic, "url": url.as_str()})))
}

async fn shopify_webhooks(State(c): State<Control>) -> Reply {
    let fake = running(c.shopify.as_ref(), Service::Shopify)?;
    let subscriptions = fake
        .webhook_subscriptions()
        .into_iter()
        .map(|(topic, url)| json!({"topic": topic, "url": url.as_str()}))
        .collect();
    Ok(Json(views::webhook_stats(fake.webhooks(), subscriptions)))
}

async fn shopify_create_order(
    State(c): State<Control>,
    raw: Result<Bytes, BytesRejection>,
) -> Reply {
    let fake = running(c.shopify.as_ref(), Service::Shopify)?;
    let map = body(raw)?;
    let order = forms::new_order(&Fields::top(&map))?;
    Ok(Json(fake.create_order(order)))
}

async fn shopify_order(
    State(c): State<Control>,
    path: Result<Path<String>, PathRejection>,
) -> Reply {
    let fake = running(c.shopify.as_ref(), Service::Shopify)?;
    let id: u64 = path_id(path)?;
    fake.order_inspection_json(id)
        .map(Json)
        .ok_or_else(|| ControlError::not_found(format!("no shopify order {id}")))
}

async fn stripe_subscribe(State(c): State<Control>, raw: Result<Bytes, BytesRejection>) -> Reply {
    let fake = running(c.stripe.as_ref(), Service::Stripe)?;
    let map = body(raw)?;
    let f = Fields::top(&map);
    f.only(&["url"])?;
    let url = webhook_url(&f)?;
    fake.register_webhook_endpoint(url.clone());
    Ok(Json(json!({"url": url.as_str()})))
}

async fn stripe_webhooks(State(c): State<Control>) -> Reply {
    let fake = running(c.stripe.as_ref(), Service::Stripe)?;
    let subscriptions = fake
        .webhook_endpoints()
        .into_iter()
        .map(|url| json!({"url": url.as_str()}))
        .collect();
    Ok(Json(views::webhook_stats(fake.webhooks(), subscriptions)))
}

async fn stripe_authentication(
    State(c): State<Control>,
    path: Result<Path<String>, PathRejection>,
    raw: Result<Bytes, BytesRejection>,
) -> Reply {
    let fake = running(c.stripe.as_ref(), Service::Stripe)?;
    let Path(id) = path.map_err(|e| ControlError::bad(format!("id: {e}")))?;
    let map = body(raw)?;
    let f = Fields::top(&map);
    f.only(&["authenticated"])?;
    let authenticated = f
        .boolean("authenticated")?
        .ok_or_else(|| f.missing("authenticated"))?;
    fake.answer_authentication(&id, authenticated)
        .map(Json)
        .ok_or_else(|| {
            ControlError::not_found(format!(
                "no stripe payment intent {id} waits for authentication"
            ))
        })
}

async fn magento_order(
    State(c): State<Control>,
    path: Result<Path<String>, PathRejection>,
) -> Reply {
    let fake = running(c.magento.as_ref(), Service::Magento)?;
    let id: i64 = path_id(path)?;
    fake.order_json(id)
        .map(Json)
        .ok_or_else(|| ControlError::not_found(format!("no magento order {id}")))
}

async fn magento_payment_info(
    State(c): State<Control>,
    path: Result<Path<String>, PathRejection>,
    raw: Result<Bytes, BytesRejection>,
) -> Reply {
    let fake = running(c.magento.as_ref(), Service::Magento)?;
    let id: i64 = path_id(path)?;
    let map = body(raw)?;
    let f = Fields::top(&map);
    f.only(&["key", "value"])?;
    let key = f.required_string("key")?;
    let value = f.required_string("value")?;
    if !fake.set_payment_info(id, &key, &value) {
        return Err(ControlError::not_found(format!("no magento order {id}")));
    }
    fake.order_json(id)
        .map(Json)
        .ok_or_else(|| ControlError::not_found(format!("no magento order {id}")))
}

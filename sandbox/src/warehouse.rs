//! A warehouse (WMS) fake: it takes signed fulfilment requests and sends signed shipment notices,
//! in the format of `flows::fulfilment` (`Payops-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "{t}.{body}">`, Stripe's scheme, with [`WarehouseFake::secret`]).
//!
//! - `POST /fulfilments`: refuses a missing, wrong or stale (over 300 s) signature with `401`
//!   and a request without `Idempotency-Key` or without a JSON body with `order.id` with `400`;
//!   stores each request once per `Idempotency-Key` and answers `201 {"id": "wh_..."}` (the same
//!   id again for the same body under the same key), `409` for a different body under a key it
//!   has;
//! - `GET /fulfilments`: what it received, in order.
//!
//! [`WarehouseFake::ship`] posts a `shipment.created` notice about a received order to every URL
//! registered with [`WarehouseFake::register_notice_url`], through a [`WebhookSender`] (retries,
//! duplicates and reordering on demand; each attempt signed anew). Faults apply under the
//! service name `warehouse`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use url::Url;

use crate::Fake;
use crate::webhooks::{Delivery, Signer, WebhookSender};

/// How far a request's `t` may be from the fake's clock.
const TOLERANCE_SECS: u64 = 300;

/// A fulfilment request the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The fake's id (`wh_...`).
    pub id: String,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: String,
    /// The request body.
    pub body: Value,
    /// How many times it was sent (the first included).
    pub deliveries: u32,
}

#[derive(Default)]
struct WarehouseState {
    received: Vec<Received>,
    notice_urls: Vec<Url>,
    next_notice: u64,
}

struct Inner {
    secret: String,
    webhooks: WebhookSender,
    state: Mutex<WarehouseState>,
}

/// The warehouse fake. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct WarehouseFake {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for WarehouseFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarehouseFake").finish_non_exhaustive()
    }
}

impl Default for WarehouseFake {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn mac(secret: &str, t: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `Payops-Signature` value of `body` at unix time `t` under `secret`.
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> String {
    let hex = mac(secret, t, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("t={t},v1={hex}")
}

/// Whether `header` signs `body` under `secret` within the tolerance of now.
pub(crate) fn verify(secret: &str, header: &str, body: &[u8]) -> Result<(), &'static str> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let t = t.ok_or("no t")?;
    if unix_now().saturating_sub(t).unsigned_abs() > TOLERANCE_SECS {
        return Err("stale timestamp");
    }
    let good = signatures
        .iter()
        .any(|s| mac(secret, t, body).is_some_and(|m| m.verify_slice(s).is_ok()));
    if good {
        Ok(())
    } else {
        Err("signature mismatch")
    }
}

impl WarehouseFake {
    /// A warehouse with the shared secret `whsec_sandbox_warehouse_...` whose notices are retried
    /// after 10 ms, 50 ms and 250 ms.
    pub fn new() -> Self {
        Self::with_retry_delays(vec![
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(250),
        ])
    }

    /// A warehouse whose failed notice deliveries are retried after each of `delays`.
    pub fn with_retry_delays(delays: Vec<Duration>) -> Self {
        let secret = "whsec_sandbox_warehouse_shared_secret_0000".to_owned();
        let signing = secret.clone();
        let signer: Signer = Arc::new(move |body: &[u8]| {
            vec![(
                "Payops-Signature".to_owned(),
                signature_header(&signing, unix_now(), body),
            )]
        });
        Self {
            inner: Arc::new(Inner {
                secret,
                webhooks: WebhookSender::new(delays).with_signer(signer),
                state: Mutex::new(WarehouseState::default()),
            }),
        }
    }

    /// The secret shared with the service: it signs both ways.
    pub fn secret(&self) -> &str {
        &self.inner.secret
    }

    /// The notice sender: attempts made, duplicates and reordering on demand.
    pub fn webhooks(&self) -> &WebhookSender {
        &self.inner.webhooks
    }

    fn lock(&self) -> MutexGuard<'_, WarehouseState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The requests received, in order, each once.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Registers a URL shipment notices are posted to.
    pub fn register_notice_url(&self, url: Url) {
        self.lock().notice_urls.push(url);
    }

    /// Ships the order whose request named `order_ref` (its `order.id` or `order.number`):
    /// posts a signed `shipment.created` notice with `tracking` and `carrier` and the request's
    /// lines to every registered URL. The notice's id, or `None` when no request names the
    /// order (nothing is sent).
    pub fn ship(&self, order_ref: &str, tracking: &str, carrier: &str) -> Option<String> {
        let (notice, urls) = {
            let mut state = self.lock();
            let request = state.received.iter().find(|r| {
                r.body["order"]["id"].as_str() == Some(order_ref)
                    || r.body["order"]["number"].as_str() == Some(order_ref)
            })?;
            let lines: Vec<Value> = request.body["lines"]
                .as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .map(|l| json!({"sku": l["sku"], "quantity": l["quantity"]}))
                        .collect()
                })
                .unwrap_or_default();
            let order = request.body["order"].clone();
            state.next_notice += 1;
            let notice = json!({
                "id": format!("shn_{:06}", state.next_notice),
                "type": "shipment.created",
                "order": order,
                "tracking_number": tracking,
                "carrier": carrier,
                "lines": lines,
                "shipped_at": null,
            });
            (notice, state.notice_urls.clone())
        };
        let id = notice["id"].as_str().map(str::to_owned);
        let body = notice.to_string().into_bytes();
        if tokio::runtime::Handle::try_current().is_ok() {
            for url in urls {
                self.inner.webhooks.send(Delivery {
                    url,
                    topic: "shipment.created".to_owned(),
                    headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
                    body: body.clone(),
                });
            }
        } else {
            tracing::warn!("warehouse fake: no Tokio runtime, notice not delivered");
        }
        id
    }

    fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let refuse = |status: StatusCode, message: &str| {
            (status, axum::Json(json!({ "message": message }))).into_response()
        };
        let Some(signature) = headers
            .get("payops-signature")
            .and_then(|v| v.to_str().ok())
        else {
            return refuse(StatusCode::UNAUTHORIZED, "no Payops-Signature header");
        };
        if let Err(why) = verify(&self.inner.secret, signature, body) {
            return refuse(StatusCode::UNAUTHORIZED, why);
        }
        let Some(key) = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .filter(|k| !k.trim().is_empty())
        else {
            return refuse(StatusCode::BAD_REQUEST, "no Idempotency-Key header");
        };
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return refuse(StatusCode::BAD_REQUEST, "the body is not JSON");
        };
        if value["order"]["id"].as_str().is_none() {
            return refuse(StatusCode::BAD_REQUEST, "order.id is missing");
        }
        let mut state = self.lock();
        if let Some(known) = state.received.iter_mut().find(|r| r.idempotency_key == key) {
            if known.body != value {
                return refuse(
                    StatusCode::CONFLICT,
                    "another request was received under this Idempotency-Key",
                );
            }
            known.deliveries += 1;
            return (StatusCode::CREATED, axum::Json(json!({ "id": known.id }))).into_response();
        }
        let id = format!("wh_{:06}", state.received.len() + 1);
        state.received.push(Received {
            id: id.clone(),
            idempotency_key: key.to_owned(),
            body: value,
            deliveries: 1,
        });
        (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response()
    }
}

async fn create(State(fake): State<WarehouseFake>, headers: HeaderMap, body: Bytes) -> Response {
    fake.accept(&headers, &body)
}

async fn list(State(fake): State<WarehouseFake>) -> Response {
    let received: Vec<Value> = fake
        .received()
        .into_iter()
        .map(|r| json!({"id": r.id, "idempotency_key": r.idempotency_key, "request": r.body, "deliveries": r.deliveries}))
        .collect();
    axum::Json(json!({ "data": received })).into_response()
}

impl Fake for WarehouseFake {
    const SERVICE: &'static str = "warehouse";

    fn router(&self) -> Router {
        Router::new()
            .route("/fulfilments", post(create).get(list))
            .with_state(self.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(key: &str, body: &Value, secret: &str) -> (HeaderMap, Vec<u8>) {
        let bytes = body.to_string().into_bytes();
        let mut headers = HeaderMap::new();
        headers.insert(
            "payops-signature",
            signature_header(secret, unix_now(), &bytes)
                .parse()
                .unwrap(),
        );
        headers.insert("idempotency-key", key.parse().unwrap());
        (headers, bytes)
    }

    #[test]
    fn requests_are_kept_once_per_key_and_checked() {
        let fake = WarehouseFake::new();
        let body = json!({"order": {"id": "42", "number": "000000042"}, "lines": []});
        let (headers, bytes) = request("k1", &body, fake.secret());
        assert_eq!(fake.accept(&headers, &bytes).status(), StatusCode::CREATED);
        assert_eq!(fake.accept(&headers, &bytes).status(), StatusCode::CREATED);
        let other = json!({"order": {"id": "43"}});
        let (headers2, bytes2) = request("k1", &other, fake.secret());
        assert_eq!(
            fake.accept(&headers2, &bytes2).status(),
            StatusCode::CONFLICT
        );
        let (bad, bytes3) = request("k2", &body, "wrong");
        assert_eq!(
            fake.accept(&bad, &bytes3).status(),
            StatusCode::UNAUTHORIZED
        );
        let mut stale = HeaderMap::new();
        stale.insert(
            "payops-signature",
            signature_header(fake.secret(), unix_now() - 400, &bytes)
                .parse()
                .unwrap(),
        );
        stale.insert("idempotency-key", "k3".parse().unwrap());
        assert_eq!(
            fake.accept(&stale, &bytes).status(),
            StatusCode::UNAUTHORIZED
        );
        let received = fake.received();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].deliveries, 2);
        assert_eq!(received[0].id, "wh_000001");
    }
}

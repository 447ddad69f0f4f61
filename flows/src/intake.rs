//! Webhook intake: an axum [`Router`] a service mounts to receive provider webhooks.
//!
//! Each route verifies the delivery's signature, writes the raw body to the store's inbox (unique
//! on provider and event id) together with its job, and only then answers `200`. A crash after
//! the answer loses nothing; a duplicate delivery is stored once and answered `200` again, so the
//! provider stops retrying. A bad signature is answered `401` and logged without the body; a body
//! over the limit `413`; a store failure `500`, so the provider retries later.
//!
//! | route | verification | event id | topic |
//! |---|---|---|---|
//! | `POST /webhooks/shopify` | `X-Shopify-Hmac-Sha256` (or `shopify-hmac-sha256`), any configured secret | webhook id | `X-Shopify-Topic` |
//! | `POST /webhooks/stripe` | `Stripe-Signature`, any `v1` of any configured secret, 300 s tolerance | `evt_...` id | event `type` |
//! | `POST /webhooks/magento` | `x-adobe-commerce-webhook-signature`, RSA SHA-256 with any configured public key ([`magento::WebhookVerifier`]) | SHA-256 of the body | `eventName` |
//!
//! Magento Open Source sends no webhooks; its orders come in through backfill (polling orders by
//! `updated_at`). Adobe Commerce webhooks carry no delivery id, so the body's hash stands in: the
//! same body delivered twice is stored once. They are synchronous (Commerce waits for the answer),
//! so the route answers `{"op":"success"}` as soon as the event is stored, and does the work from
//! the store like every other route.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

use crate::store::{Accepted, NewEvent, NewJob, Store};
use crate::worker::now_millis;

/// The job kind of a provider topic: `shopify:orders/create`, `stripe:charge.succeeded`.
pub fn job_kind(provider: &str, topic: &str) -> String {
    format!("{provider}:{topic}")
}

/// Names the job of a verified event directly, as `(kind, key)`: the job of the order or refund
/// the event is about, so that deliveries about one entity share one job and skip a delivery job.
/// `None` (the body does not say) falls back to the delivery job of the event's own kind.
pub type Route = Arc<dyn Fn(&NewEvent) -> Option<(String, String)> + Send + Sync>;

/// Secrets, limits and the topics to act on.
#[non_exhaustive]
pub struct IntakeConfig {
    /// Verifier of Shopify deliveries (its secrets); the route answers 404 without one.
    #[cfg(feature = "shopify")]
    pub shopify: Option<shopify::WebhookVerifier>,
    /// Verifier of Stripe deliveries (its endpoint secrets); the route answers 404 without one.
    #[cfg(feature = "stripe")]
    pub stripe: Option<stripe_client::webhook::Webhook>,
    /// Verifier of Adobe Commerce webhooks (its public keys); the route answers 404 without one.
    #[cfg(feature = "magento")]
    pub magento: Option<magento::WebhookVerifier>,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// Job kinds (see [`job_kind`]) that get a job; other topics are stored and acknowledged only.
    /// Such a job is keyed `{provider}/{event id}`, unless the kind has a route.
    pub handled: HashSet<String>,
    /// Routes of handled kinds, by kind.
    pub routes: HashMap<String, Route>,
}

impl std::fmt::Debug for IntakeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakeConfig")
            .field("max_body", &self.max_body)
            .field("handled", &self.handled)
            .field("routes", &self.routes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for IntakeConfig {
    /// No providers, a 1 MiB body limit, no handled topics.
    fn default() -> Self {
        Self {
            #[cfg(feature = "shopify")]
            shopify: None,
            #[cfg(feature = "stripe")]
            stripe: None,
            #[cfg(feature = "magento")]
            magento: None,
            max_body: 1024 * 1024,
            handled: HashSet::new(),
            routes: HashMap::new(),
        }
    }
}

impl IntakeConfig {
    /// Acts on `kind` (see [`job_kind`]).
    #[must_use]
    pub fn handle(mut self, kind: impl Into<String>) -> Self {
        self.handled.insert(kind.into());
        self
    }

    /// Acts on `kind`, giving its events the job `route` names.
    #[must_use]
    pub fn route(mut self, kind: impl Into<String>, route: Route) -> Self {
        let kind = kind.into();
        self.handled.insert(kind.clone());
        self.routes.insert(kind, route);
        self
    }

    /// Verifies Shopify deliveries with `verifier`.
    #[cfg(feature = "shopify")]
    #[must_use]
    pub fn shopify(mut self, verifier: shopify::WebhookVerifier) -> Self {
        self.shopify = Some(verifier);
        self
    }

    /// Verifies Stripe deliveries with `webhook`.
    #[cfg(feature = "stripe")]
    #[must_use]
    pub fn stripe(mut self, webhook: stripe_client::webhook::Webhook) -> Self {
        self.stripe = Some(webhook);
        self
    }

    /// Verifies Adobe Commerce webhooks with `verifier`.
    #[cfg(feature = "magento")]
    #[must_use]
    pub fn magento(mut self, verifier: magento::WebhookVerifier) -> Self {
        self.magento = Some(verifier);
        self
    }
}

struct Intake<S> {
    store: Arc<S>,
    config: IntakeConfig,
}

/// The webhook routes, storing into `store`.
pub fn router<S: Store>(store: Arc<S>, config: IntakeConfig) -> Router {
    let max_body = config.max_body;
    let state = Arc::new(Intake { store, config });
    let router = Router::new();
    #[cfg(feature = "shopify")]
    let router = router.route("/webhooks/shopify", post(shopify_webhook::<S>));
    #[cfg(feature = "stripe")]
    let router = router.route("/webhooks/stripe", post(stripe_webhook::<S>));
    #[cfg(feature = "magento")]
    let router = router.route("/webhooks/magento", post(magento_webhook::<S>));
    router
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

impl<S: Store> Intake<S> {
    /// Stores a verified event and its job (when its kind is handled).
    async fn accept(&self, event: NewEvent, job_payload: serde_json::Value) -> StatusCode {
        let kind = job_kind(&event.provider, &event.topic);
        let job = self.config.handled.contains(&kind).then(|| {
            let (kind, key) = self
                .config
                .routes
                .get(&kind)
                .and_then(|route| route(&event))
                .unwrap_or_else(|| (kind, format!("{}/{}", event.provider, event.event_id)));
            NewJob {
                kind,
                key,
                payload: job_payload,
                run_at: 0,
            }
        });
        let (provider, event_id) = (event.provider.clone(), event.event_id.clone());
        match self.store.accept_event(event, job, now_millis()).await {
            Ok(Accepted::New { .. }) => StatusCode::OK,
            Ok(Accepted::Duplicate) => {
                tracing::info!(provider, event_id, "duplicate delivery acknowledged");
                StatusCode::OK
            }
            Err(err) => {
                tracing::error!(provider, event_id, error = %err, "webhook not stored; the provider will retry");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

#[cfg(feature = "shopify")]
async fn shopify_webhook<S: Store>(
    State(intake): State<Arc<Intake<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(verifier) = &intake.config.shopify else {
        return StatusCode::NOT_FOUND;
    };
    let verified = shopify::WebhookHeaders::from_header_map(&headers)
        .and_then(|parsed| verifier.verify(&parsed, &body).map(|()| parsed));
    let parsed = match verified {
        Ok(parsed) => parsed,
        Err(err) => {
            let status = if err.is_unauthorized() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            tracing::warn!(provider = "shopify", error = %err, %status, "webhook refused");
            return status;
        }
    };
    let event = NewEvent {
        provider: "shopify".to_owned(),
        event_id: parsed.webhook_id.clone(),
        topic: parsed.topic.as_str().to_owned(),
        payload: body.to_vec(),
    };
    let payload = serde_json::json!({
        "provider": "shopify",
        "event_id": parsed.webhook_id,
        "shop": parsed.shop_domain,
    });
    intake.accept(event, payload).await
}

#[cfg(feature = "stripe")]
async fn stripe_webhook<S: Store>(
    State(intake): State<Arc<Intake<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(webhook) = &intake.config.stripe else {
        return StatusCode::NOT_FOUND;
    };
    let Some(signature) = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
    else {
        tracing::warn!(
            provider = "stripe",
            "webhook refused: no Stripe-Signature header"
        );
        return StatusCode::UNAUTHORIZED;
    };
    if let Err(err) = webhook.verify(&body, signature, time::OffsetDateTime::now_utc()) {
        tracing::warn!(provider = "stripe", error = %err, "webhook refused");
        return StatusCode::UNAUTHORIZED;
    }
    // Only the id and type are read here: the handler decodes the object, so a signed event this
    // version cannot decode is still stored (and dead-lettered with its reason), never lost.
    #[derive(serde::Deserialize)]
    struct Envelope {
        id: String,
        #[serde(rename = "type")]
        event_type: String,
    }
    let envelope: Envelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(err) => {
            tracing::warn!(provider = "stripe", error = %err, "signed body is not an event");
            return StatusCode::BAD_REQUEST;
        }
    };
    let payload = serde_json::json!({ "provider": "stripe", "event_id": envelope.id });
    let event = NewEvent {
        provider: "stripe".to_owned(),
        event_id: envelope.id,
        topic: envelope.event_type,
        payload: body.to_vec(),
    };
    intake.accept(event, payload).await
}

#[cfg(feature = "magento")]
async fn magento_webhook<S: Store>(
    State(intake): State<Arc<Intake<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use sha2::Digest;

    let Some(verifier) = &intake.config.magento else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers
        .get(magento::webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(err) = verifier.verify(&body, signature) {
        tracing::warn!(provider = "magento", error = %err, "webhook refused");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // Only the event name is read here; the handler reads `data`.
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "eventName")]
        event_name: String,
    }
    let envelope: Envelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(err) => {
            tracing::warn!(provider = "magento", error = %err, "signed body is not a webhook");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let event_id = hex::encode(sha2::Sha256::digest(&body));
    let payload = serde_json::json!({ "provider": "magento", "event_id": event_id });
    let event = NewEvent {
        provider: "magento".to_owned(),
        event_id,
        topic: envelope.event_name,
        payload: body.to_vec(),
    };
    match intake.accept(event, payload).await {
        StatusCode::OK => axum::Json(serde_json::json!({ "op": "success" })).into_response(),
        status => status.into_response(),
    }
}

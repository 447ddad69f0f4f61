//! Webhook intake: an axum [`Router`] a service mounts to receive provider webhooks.
//!
//! Each [`WebhookSource`] (Shopify, Stripe, Adobe Commerce, or one of your own) is a route that
//! verifies a delivery, writes its body to the store's inbox (unique on provider and event id)
//! together with its job, and only then answers. The body is stored as received except for
//! values the provider says never to keep, which its source replaces by a note
//! ([`WebhookSource::redact`]: a Stripe PaymentIntent's `client_secret`). A crash after the answer loses nothing; a
//! duplicate delivery is stored once and answered again, so the provider stops retrying.
//!
//! | answer | when |
//! |---|---|
//! | the source's (`200`; Adobe Commerce: `{"op":"success"}`) | stored, or stored before |
//! | `401` | the signature is missing, wrong or stale (logged without the body) |
//! | `400` | the provider's own headers are missing |
//! | `413` | the body is over the limit |
//! | `503` | the store does not accept writes now (a full or read-only disk): the provider retries, and the intake recovers by itself once a write succeeds |
//! | `500` | the store failed otherwise |
//!
//! Which job an event gets is said by a [`Route`] per (system, topic), which the workflows
//! provide (`ShopifyPaytrace::routes`, say): it reads the entity from the body and names the
//! entity's job, so deliveries about one order share its job from the start. Topics without a
//! route are stored and acknowledged only.
//!
//! A signed delivery whose body cannot be read (not JSON, no id) is never lost nor refused: it
//! is stored (under its SHA-256 when it has no readable id) with a job that goes to dead letters
//! at once, naming the reason. Replaying that dead letter (after an upgrade that reads it)
//! routes the stored event again ([`Intake::redeliver`]).
//!
//! `GET /ready` answers `200` while the store accepts writes, `503` otherwise.

#[cfg(feature = "magento")]
mod magento;
#[cfg(feature = "shopify")]
mod shopify;
mod source;
#[cfg(feature = "stripe")]
mod stripe;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mapping::System;
use serde::{Deserialize, Serialize};

#[cfg(feature = "magento")]
pub use magento::AdobeCommerceWebhooks;
#[cfg(feature = "shopify")]
pub use shopify::ShopifyWebhooks;
pub use source::{Envelope, Refusal, WebhookSource, body_id};
#[cfg(feature = "stripe")]
pub use stripe::{REMOVED_SECRET, StripeWebhooks};

use crate::store::{Accepted, JobPlan, NewEvent, NewJob, Store};
use crate::worker::{IntoStore, now_millis};
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, StepCtx};
use crate::{FlowError, StepError};

/// A delivery as a [`Route`] sees it: verified, about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The system that sent it.
    pub provider: System,
    /// Its event id (the inbox key).
    pub event_id: &'a str,
    /// Its topic.
    pub topic: &'a str,
    /// The account it is about, when the delivery names one.
    pub account: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

impl Delivery<'_> {
    /// The stored event, as a flow's input names it.
    pub fn event(&self) -> EventRef {
        EventRef {
            provider: self.provider,
            event_id: self.event_id.to_owned(),
        }
    }
}

type Plan = dyn Fn(&Delivery<'_>) -> Result<NewJob, StepError> + Send + Sync;

/// Which job the events of one (system, topic) get: a function of the delivery that names the
/// job of the entity it is about. An `Err` (the body lacks the entity's id, say) stores the event
/// with a dead letter naming the reason.
#[derive(Clone)]
pub struct Route {
    system: System,
    topic: String,
    plan: Arc<Plan>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("system", &self.system)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Route {
    /// The route of `system`'s `topic`.
    pub fn new(
        system: System,
        topic: impl Into<String>,
        plan: impl Fn(&Delivery<'_>) -> Result<NewJob, StepError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            system,
            topic: topic.into(),
            plan: Arc::new(plan),
        }
    }

    /// The system.
    pub fn system(&self) -> System {
        self.system
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The job `delivery` gets (what the intake stores with it).
    pub fn plan(&self, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
        (self.plan)(delivery)
    }
}

#[derive(Clone)]
struct Inner {
    store: Arc<dyn Store>,
    sources: Vec<Arc<dyn WebhookSource>>,
    routes: HashMap<(System, String), Route>,
    max_body: usize,
}

/// The intake: its sources, its routes and the store it writes to. Cheap to clone.
///
/// ```no_run
/// # #[cfg(feature = "shopify")]
/// # fn build(store: std::sync::Arc<flows::SqliteStore>, routes: Vec<flows::intake::Route>) {
/// use flows::intake::{Intake, ShopifyWebhooks};
/// use secrecy::SecretString;
///
/// let intake = Intake::new(store)
///     .source(ShopifyWebhooks::new(shopify::WebhookVerifier::new(SecretString::from("shpss_..."))))
///     .routes(routes);
/// let app: axum::Router = intake.router();
/// # let _ = app;
/// # }
/// ```
#[derive(Clone)]
pub struct Intake {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake")
            .field(
                "sources",
                &self
                    .inner
                    .sources
                    .iter()
                    .map(|s| s.path())
                    .collect::<Vec<_>>(),
            )
            .field("routes", &self.inner.routes.keys().collect::<Vec<_>>())
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

impl Intake {
    /// An intake into `store` with no sources yet and a 1 MiB body limit.
    pub fn new(store: impl IntoStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: store.into_store(),
                sources: Vec::new(),
                routes: HashMap::new(),
                max_body: 1024 * 1024,
            }),
        }
    }

    fn edit(mut self, change: impl FnOnce(&mut Inner)) -> Self {
        change(Arc::make_mut(&mut self.inner));
        self
    }

    /// Serves `source` at its path.
    #[must_use]
    pub fn source(self, source: impl WebhookSource) -> Self {
        self.edit(|inner| inner.sources.push(Arc::new(source)))
    }

    /// Adds a route, replacing one of the same system and topic: the intake keeps one route per
    /// (system, topic), the last added (a replacement is logged as a warning). Several workflow
    /// pairs that take the same topic share one route that dispatches by the body: the
    /// warehouse's `shipment.created` has [`crate::fulfilment::notice_route`], added after the
    /// pairs' own routes.
    #[must_use]
    pub fn route(self, route: Route) -> Self {
        self.edit(|inner| {
            let key = (route.system, route.topic.clone());
            if let Some(earlier) = inner.routes.insert(key, route) {
                tracing::warn!(
                    system = %earlier.system,
                    topic = %earlier.topic,
                    "intake route replaced by a later one of the same system and topic"
                );
            }
        })
    }

    /// Adds routes.
    #[must_use]
    pub fn routes(self, routes: impl IntoIterator<Item = Route>) -> Self {
        routes.into_iter().fold(self, Self::route)
    }

    /// Sets the largest body accepted, in bytes.
    #[must_use]
    pub fn max_body(self, bytes: usize) -> Self {
        self.edit(|inner| inner.max_body = bytes)
    }

    /// The routes of every source, and `GET /ready`.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for source in &self.inner.sources {
            let (inner, source) = (Arc::clone(&self.inner), Arc::clone(source));
            let path = source.path().to_owned();
            router = router.route(
                &path,
                post(move |headers: HeaderMap, body: Bytes| async move {
                    receive(&inner, &*source, &headers, &body).await
                }),
            );
        }
        let inner = Arc::clone(&self.inner);
        router
            .route(
                "/ready",
                get(move || async move {
                    match inner.store.ready().await {
                        Ok(()) => (StatusCode::OK, "ready").into_response(),
                        Err(err) => {
                            (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response()
                        }
                    }
                }),
            )
            .layer(DefaultBodyLimit::max(self.inner.max_body))
    }

    /// Stores an event that a poller found ([`crate::backfill`]) as if its webhook had arrived:
    /// through `provider`'s source (its redaction and envelope; the body is the provider's own
    /// answer, so there is no signature to check) and the same routes, into the same inbox. An
    /// event whose webhook came first (or comes later) is the same event: [`Accepted::Duplicate`].
    /// An intake without `provider`'s source is a permanent error saying so. Only sources that
    /// read an event from its body alone (Stripe's, Adobe Commerce's, the warehouse's) can take
    /// polled events: Shopify's reads the topic and id from headers, so its poller enqueues the
    /// order's job itself (see `ShopifyOrderPoller`), and a Shopify body given here would be
    /// stored as unreadable, with a dead letter.
    pub async fn ingest(&self, provider: System, body: &[u8]) -> Result<Accepted, StepError> {
        let source = self
            .inner
            .sources
            .iter()
            .find(|s| s.system() == provider)
            .ok_or_else(|| {
                StepError::permanent(format!(
                    "the intake has no {provider} source to store polled events through"
                ))
            })?;
        Ok(self
            .inner
            .store_delivery(&**source, &HeaderMap::new(), body)
            .await?)
    }

    /// The topics of `provider` that a route handles (what a poller of its events asks for).
    pub fn topics(&self, provider: System) -> Vec<String> {
        let mut topics: Vec<String> = self
            .inner
            .routes
            .keys()
            .filter(|(system, _)| *system == provider)
            .map(|(_, topic)| topic.clone())
            .collect();
        topics.sort();
        topics
    }

    /// The flow that routes a stored event again: the job of dead letters of events that could
    /// not be read or routed. Register it on the worker so that replaying such a dead letter
    /// (after an upgrade that reads the event) gives the event its job.
    pub fn redeliver(&self) -> Redeliver {
        Redeliver {
            intake: self.clone(),
        }
    }
}

/// Stores `delivery`, one that did not come as a webhook (a polled order, a refund made by a
/// flow), in the inbox with the job `plan` names for it: the job its webhook gets, so a webhook
/// of the same entity, before or after, finds it. Not fenced by a run's claim: the inbox is
/// unique on the event id and a job on its kind and key, so a repeat stores nothing new.
#[cfg(any(
    all(feature = "shopify", feature = "paytrace"),
    all(feature = "magento", feature = "stripe")
))]
pub(crate) async fn store_as_delivery(
    store: &dyn crate::store::Store,
    delivery: &Delivery<'_>,
    plan: impl FnOnce(&Delivery<'_>) -> Result<NewJob, StepError>,
) -> Result<Accepted, StepError> {
    let job = plan(delivery)?;
    let plan = JobPlan::Run(NewJob {
        event: Some(delivery.event()),
        ..job
    });
    let event = NewEvent {
        provider: delivery.provider,
        event_id: delivery.event_id.to_owned(),
        topic: delivery.topic.to_owned(),
        payload: delivery.body.to_vec(),
    };
    Ok(store.accept_event(event, Some(plan), now_millis()).await?)
}

/// Verifies, stores and answers one delivery, in a `webhook` span, counted in
/// `payops_webhooks_total{provider, outcome}` (`new`, `duplicate`, `refused`, `unavailable`,
/// `failed`).
async fn receive(
    inner: &Inner,
    source: &dyn WebhookSource,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let system = source.system();
    let span = tracing::info_span!("webhook", provider = %system);
    let (outcome, response) =
        tracing::Instrument::instrument(answer(inner, source, headers, body), span).await;
    metrics::counter!("payops_webhooks_total", "provider" => system.as_str(), "outcome" => outcome)
        .increment(1);
    response
}

/// [`receive`]'s answer and its outcome's name.
async fn answer(
    inner: &Inner,
    source: &dyn WebhookSource,
    headers: &HeaderMap,
    body: &[u8],
) -> (&'static str, Response) {
    let system = source.system();
    if !inner.store.healthy() && inner.store.ready().await.is_err() {
        return (
            "unavailable",
            StatusCode::SERVICE_UNAVAILABLE.into_response(),
        );
    }
    if let Err(refusal) = source.verify(headers, body) {
        let (status, reason) = match refusal {
            Refusal::Unauthorized(reason) => (StatusCode::UNAUTHORIZED, reason),
            Refusal::BadRequest(reason) => (StatusCode::BAD_REQUEST, reason),
        };
        tracing::warn!(provider = %system, %reason, %status, "webhook refused");
        return ("refused", status.into_response());
    }
    match inner.store_delivery(source, headers, body).await {
        Ok(Accepted::New { .. }) => ("new", source.accepted()),
        Ok(Accepted::Duplicate) => ("duplicate", source.accepted()),
        Err(err) if err.is_storage_failure() => {
            tracing::error!(provider = %system, error = %err, "store does not accept writes; the provider will retry");
            (
                "unavailable",
                StatusCode::SERVICE_UNAVAILABLE.into_response(),
            )
        }
        Err(err) => {
            tracing::error!(provider = %system, error = %err, "webhook not stored; the provider will retry");
            ("failed", StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

impl Inner {
    /// Stores a verified delivery with its job: what the webhook route and
    /// [`Intake::ingest`] share.
    async fn store_delivery(
        &self,
        source: &dyn WebhookSource,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Accepted, FlowError> {
        let system = source.system();
        // Everything from here on sees only what may be stored.
        let body = &*source.redact(body);
        let (envelope, unreadable) = match source.envelope(headers, body) {
            Ok(envelope) => (envelope, None),
            Err(reason) => (Envelope::new(body_id(body), ""), Some(reason)),
        };
        let delivery = Delivery {
            provider: system,
            event_id: &envelope.event_id,
            topic: &envelope.topic,
            account: envelope.account.as_deref(),
            body,
        };
        let plan = match unreadable {
            Some(reason) => Some(dead_letter(
                &delivery,
                format!("signed {system} delivery cannot be read: {reason}"),
            )),
            None => self.plan(&delivery),
        };
        let event = NewEvent {
            provider: system,
            event_id: envelope.event_id.clone(),
            topic: envelope.topic.clone(),
            payload: body.to_vec(),
        };
        let accepted = self.store.accept_event(event, plan, now_millis()).await?;
        if accepted == Accepted::Duplicate {
            tracing::info!(provider = %system, event_id = envelope.event_id, "duplicate delivery acknowledged");
        }
        Ok(accepted)
    }

    /// The job a readable delivery gets: its route's, a dead letter when the route cannot read
    /// it, none for a topic nobody handles.
    fn plan(&self, delivery: &Delivery<'_>) -> Option<JobPlan> {
        let route = self
            .routes
            .get(&(delivery.provider, delivery.topic.to_owned()))?;
        Some(match (route.plan)(delivery) {
            Ok(job) => JobPlan::Run(NewJob {
                event: job.event.or_else(|| Some(delivery.event())),
                ..job
            }),
            Err(err) => dead_letter(
                delivery,
                format!(
                    "{} {} cannot be routed: {err}",
                    delivery.provider, delivery.topic
                ),
            ),
        })
    }
}

/// The dead-lettered [`Redeliver`] job of a delivery.
fn dead_letter(delivery: &Delivery<'_>, reason: String) -> JobPlan {
    tracing::warn!(provider = %delivery.provider, event_id = delivery.event_id, %reason, "stored and dead-lettered");
    JobPlan::DeadLetter {
        job: NewJob {
            kind: Redeliver::KIND,
            key: redelivery_key(&delivery.event()).as_str().to_owned(),
            payload: serde_json::json!(Redelivery {
                event: delivery.event()
            }),
            run_at: 0,
            rerun: false,
            event: Some(delivery.event()),
        },
        reason,
    }
}

fn redelivery_key(event: &EventRef) -> EntityKey {
    EntityKey::new(event.provider, "inbox").child(Entity::Event, &event.event_id)
}

/// The input of [`Redeliver`]: a stored event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Redelivery {
    /// The event.
    pub event: EventRef,
}

/// Routes a stored event again (see [`Intake::redeliver`]): the job its route names is enqueued
/// with the run's outcome; an event that still cannot be read or routed goes back to dead
/// letters.
#[derive(Debug, Clone)]
pub struct Redeliver {
    intake: Intake,
}

#[async_trait]
impl Flow for Redeliver {
    type Input = Redelivery;
    const KIND: JobKind = JobKind::new("intake.redeliver");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, input: &Redelivery) -> Result<EntityKey, StepError> {
        Ok(redelivery_key(&input.event))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: Redelivery) -> Result<(), StepError> {
        let inner = &*self.intake.inner;
        let provider = input.event.provider;
        let source = inner
            .sources
            .iter()
            .find(|s| s.system() == provider)
            .ok_or_else(|| StepError::permanent(format!("no webhook source for {provider}")))?;
        let NewEvent {
            topic: stored_topic,
            payload: body,
            ..
        } = ctx.event(&input.event).await?.event;
        // The topic and account came from the body or from headers that were not kept: read the
        // body again, and keep the stored topic when it has one.
        let envelope = match source.envelope(&HeaderMap::new(), &body) {
            Ok(envelope) => envelope,
            Err(_) if !stored_topic.is_empty() => {
                Envelope::new(&input.event.event_id, &stored_topic)
            }
            Err(reason) => {
                return Err(StepError::permanent(format!(
                    "still cannot be read: {reason}"
                )));
            }
        };
        let topic = if stored_topic.is_empty() {
            envelope.topic.as_str()
        } else {
            stored_topic.as_str()
        };
        let delivery = Delivery {
            provider,
            event_id: &input.event.event_id,
            topic,
            account: envelope.account.as_deref(),
            body: &body,
        };
        let route = inner
            .routes
            .get(&(provider, topic.to_owned()))
            .ok_or_else(|| StepError::permanent(format!("no route for {provider} {topic}")))?;
        let job = (route.plan)(&delivery)?;
        ctx.enqueue(job);
        Ok(())
    }
}

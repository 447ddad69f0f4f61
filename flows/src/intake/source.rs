//! What a provider's webhooks must tell the intake: how to verify a delivery, and its event id,
//! topic and account.

use std::borrow::Cow;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mapping::System;

/// What a verified delivery says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The provider's unique id of the event (the inbox deduplicates on it).
    pub event_id: String,
    /// The topic or event type (`orders/create`, `charge.succeeded`).
    pub topic: String,
    /// The account it is about, when the delivery names one (a Shopify shop domain).
    pub account: Option<String>,
}

impl Envelope {
    /// An envelope with these values.
    pub fn new(event_id: impl Into<String>, topic: impl Into<String>) -> Self {
        Self {
            event_id: event_id.into(),
            topic: topic.into(),
            account: None,
        }
    }

    /// Names the account.
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
}

/// Why a delivery was refused before anything was stored. The reason goes to the log, never the
/// body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The signature is missing, wrong or stale: `401`.
    Unauthorized(String),
    /// The request is malformed (headers the provider always sends are missing): `400`.
    BadRequest(String),
}

/// A provider's webhooks: one route of the intake. Implemented for Shopify, Stripe and Adobe
/// Commerce; a new provider plugs in by implementing it and passing it to
/// [`Intake::source`](super::Intake::source).
pub trait WebhookSource: Send + Sync + 'static {
    /// The system that sends the deliveries.
    fn system(&self) -> System;

    /// The route's path (`/webhooks/shopify`).
    fn path(&self) -> &str;

    /// Checks the delivery's signature.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal>;

    /// The event id, topic and account of a verified delivery; `Err` (why) when the body cannot
    /// be read, in which case the body is stored under its SHA-256 and dead-lettered.
    fn envelope(&self, headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String>;

    /// The body as it may be stored: values the provider says never to keep (a Stripe
    /// PaymentIntent's `client_secret`) replaced by a note saying they were removed. Called after
    /// [`verify`](Self::verify), so the signature is checked against the bytes that were sent.
    /// The default keeps the body as it is.
    fn redact<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        Cow::Borrowed(body)
    }

    /// The answer once the delivery is stored (a duplicate included): `200` by default.
    fn accepted(&self) -> Response {
        StatusCode::OK.into_response()
    }
}

/// The hex SHA-256 of a body: the event id of a delivery that carries none of its own.
pub fn body_id(body: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(body))
}

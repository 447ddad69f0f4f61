//! Stripe webhooks: `Stripe-Signature` (any `v1` of any configured endpoint secret, 300 s
//! tolerance); the event's `id` and `type` come from the body.

use axum::http::HeaderMap;
use mapping::System;

use super::source::{Envelope, Refusal, WebhookSource};

/// The Stripe route, `POST /webhooks/stripe`.
#[derive(Debug)]
pub struct StripeWebhooks {
    webhook: stripe_client::webhook::Webhook,
}

impl StripeWebhooks {
    /// Deliveries verified by `webhook` (its endpoint secrets).
    pub fn new(webhook: stripe_client::webhook::Webhook) -> Self {
        Self { webhook }
    }
}

impl WebhookSource for StripeWebhooks {
    fn system(&self) -> System {
        System::Stripe
    }

    fn path(&self) -> &str {
        "/webhooks/stripe"
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
        let signature = headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Refusal::Unauthorized("no Stripe-Signature header".to_owned()))?;
        self.webhook
            .verify(body, signature, time::OffsetDateTime::now_utc())
            .map_err(|e| Refusal::Unauthorized(e.to_string()))
    }

    fn envelope(&self, _headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String> {
        // Only the id, type and account are read here: the flow decodes the object, so a signed
        // event this version cannot decode is still stored (and dead-lettered with its reason).
        #[derive(serde::Deserialize)]
        struct Head {
            id: String,
            #[serde(rename = "type")]
            event_type: String,
            #[serde(default)]
            account: Option<String>,
        }
        let head: Head = serde_json::from_slice(body).map_err(|e| format!("not an event: {e}"))?;
        let envelope = Envelope::new(head.id, head.event_type);
        Ok(match head.account {
            Some(account) => envelope.account(account),
            None => envelope,
        })
    }
}

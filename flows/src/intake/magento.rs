//! Adobe Commerce webhooks: `x-adobe-commerce-webhook-signature`, RSA SHA-256 with any configured
//! public key ([`magento::WebhookVerifier`]). They carry no delivery id, so the body's SHA-256
//! stands in (the same body delivered twice is stored once), and the topic is `eventName`.
//! Commerce waits for the answer (the webhooks are synchronous), so the route answers
//! `{"op":"success"}` as soon as the event is stored and does the work from the store.
//!
//! What acts on an event is its topic's route: the Magento + Stripe workflows route the
//! order-placed webhook (`observer.sales_order_place_after`, or `sales_order_place_after` as
//! `eventName` may say) to the order's payment (`flows::workflows::magento_stripe`, section
//! *Adobe Commerce webhooks*), and the customer events to customer sync (section *Customers*).
//! Events without a route are stored and acknowledged only.
//!
//! Magento Open Source sends no webhooks; its orders come in through backfill.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use mapping::System;

use super::source::{Envelope, Refusal, WebhookSource, body_id};

/// The Adobe Commerce route, `POST /webhooks/magento`.
#[derive(Debug)]
pub struct AdobeCommerceWebhooks {
    verifier: magento::WebhookVerifier,
}

impl AdobeCommerceWebhooks {
    /// Deliveries verified by `verifier` (its public keys).
    pub fn new(verifier: magento::WebhookVerifier) -> Self {
        Self { verifier }
    }
}

impl WebhookSource for AdobeCommerceWebhooks {
    fn system(&self) -> System {
        System::Magento
    }

    fn path(&self) -> &str {
        "/webhooks/magento"
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
        let signature = headers
            .get(magento::webhook::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        self.verifier
            .verify(body, signature)
            .map_err(|e| Refusal::Unauthorized(e.to_string()))
    }

    fn envelope(&self, _headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String> {
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(rename = "eventName")]
            event_name: String,
        }
        let head: Head = serde_json::from_slice(body).map_err(|e| format!("not a webhook: {e}"))?;
        Ok(Envelope::new(body_id(body), head.event_name))
    }

    fn accepted(&self) -> Response {
        axum::Json(serde_json::json!({ "op": "success" })).into_response()
    }
}

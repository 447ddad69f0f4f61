//! Shopify webhooks: `X-Shopify-Hmac-Sha256` (or the unprefixed `shopify-hmac-sha256` of Events
//! deliveries) over the raw body, with any of the app's secrets; the webhook id is the event id.

use axum::http::HeaderMap;
use mapping::System;

use super::source::{Envelope, Refusal, WebhookSource};

/// The Shopify route, `POST /webhooks/shopify`.
#[derive(Debug)]
pub struct ShopifyWebhooks {
    verifier: shopify::WebhookVerifier,
}

impl ShopifyWebhooks {
    /// Deliveries verified by `verifier` (its secrets).
    pub fn new(verifier: shopify::WebhookVerifier) -> Self {
        Self { verifier }
    }
}

impl WebhookSource for ShopifyWebhooks {
    fn system(&self) -> System {
        System::Shopify
    }

    fn path(&self) -> &str {
        "/webhooks/shopify"
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
        let refused = |err: shopify::WebhookError| {
            if err.is_unauthorized() {
                Refusal::Unauthorized(err.to_string())
            } else {
                Refusal::BadRequest(err.to_string())
            }
        };
        let parsed = shopify::WebhookHeaders::from_header_map(headers).map_err(refused)?;
        self.verifier.verify(&parsed, body).map_err(refused)
    }

    fn envelope(&self, headers: &HeaderMap, _body: &[u8]) -> Result<Envelope, String> {
        // The headers were read by `verify`: they cannot fail here.
        let parsed =
            shopify::WebhookHeaders::from_header_map(headers).map_err(|e| e.to_string())?;
        Ok(Envelope::new(parsed.webhook_id, parsed.topic.as_str()).account(parsed.shop_domain))
    }
}

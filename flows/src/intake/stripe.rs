//! Stripe webhooks: `Stripe-Signature` (any `v1` of any configured endpoint secret, 300 s
//! tolerance); the event's `id` and `type` come from the body.
//!
//! `payment_intent.*` and `setup_intent.*` events carry the object's `client_secret`, which
//! Stripe says not to store or log (docs.stripe.com/api/payment_intents/object#payment_intent_object-client_secret):
//! it is replaced by [`REMOVED_SECRET`] before the body is stored.

use std::borrow::Cow;

use axum::http::HeaderMap;
use mapping::System;
use serde_json::Value;

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

    fn redact<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        redact_client_secrets(body)
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

/// What a stored body holds where a `client_secret` was.
pub const REMOVED_SECRET: &str = "[removed by payops before storage]";

/// The field Stripe puts a browser-only secret in (PaymentIntent, SetupIntent, Checkout Session).
const SECRET_FIELD: &str = "client_secret";

/// The body with every `client_secret` string replaced by [`REMOVED_SECRET`]; unchanged bytes when there
/// is none. A body that is not JSON has its secret-shaped tokens (`pi_…_secret_…`) replaced
/// instead, so that even an unreadable delivery is stored without one.
fn redact_client_secrets(body: &[u8]) -> Cow<'_, [u8]> {
    if !contains(body, b"_secret_") && !contains(body, SECRET_FIELD.as_bytes()) {
        return Cow::Borrowed(body);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            if !remove_secrets(&mut value) {
                return Cow::Borrowed(body);
            }
            // A Value always serializes; the fallback keeps the secret-free token scan.
            serde_json::to_vec(&value)
                .map(Cow::Owned)
                .unwrap_or_else(|_| Cow::Owned(scrub_tokens(body)))
        }
        Err(_) => Cow::Owned(scrub_tokens(body)),
    }
}

/// Replaces every `client_secret` string under `value`; whether any was found.
fn remove_secrets(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let mut found = false;
            for (key, field) in map.iter_mut() {
                if key == SECRET_FIELD && field.is_string() {
                    *field = Value::String(REMOVED_SECRET.to_owned());
                    found = true;
                } else {
                    found |= remove_secrets(field);
                }
            }
            found
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, item| remove_secrets(item) | found),
        _ => false,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Replaces every token of id characters that contains `_secret_` (Stripe's client secrets look
/// like `pi_3Mt…_secret_YrK…`) by [`REMOVED_SECRET`].
fn scrub_tokens(body: &[u8]) -> Vec<u8> {
    let is_token = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let start = rest.iter().position(is_token).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..start]);
        rest = &rest[start..];
        let end = rest.iter().position(|b| !is_token(b)).unwrap_or(rest.len());
        let token = &rest[..end];
        if contains(token, b"_secret_") {
            out.extend_from_slice(REMOVED_SECRET.as_bytes());
        } else {
            out.extend_from_slice(token);
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_secrets_are_replaced_wherever_they_are() {
        let body = br#"{"id":"evt_1","data":{"object":{"id":"pi_1","amount":1099,"client_secret":"pi_1_secret_abc"},"previous_attributes":{"client_secret":"pi_1_secret_old"}}}"#;
        let stored = redact_client_secrets(body);
        let value: Value = serde_json::from_slice(&stored).unwrap();
        assert_eq!(value["data"]["object"]["client_secret"], REMOVED_SECRET);
        assert_eq!(
            value["data"]["previous_attributes"]["client_secret"],
            REMOVED_SECRET
        );
        assert_eq!(value["data"]["object"]["amount"], 1099);
        assert!(!contains(&stored, b"abc") && !contains(&stored, b"_secret_old"));
    }

    #[test]
    fn bodies_without_a_secret_are_kept_byte_for_byte() {
        let body = br#"{"id":"evt_1", "data":{"object":{"id":"ch_1","client_secret":null}}}"#;
        assert!(matches!(redact_client_secrets(body), Cow::Borrowed(b) if b == body));
        let plain = br#"{"id":"evt_2","type":"charge.succeeded"}"#;
        assert!(matches!(redact_client_secrets(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn an_unreadable_body_loses_its_secret_tokens() {
        let body = b"{not json, \"client_secret\": \"pi_3Mt_secret_YrK9\", pi_3Mt}";
        let stored = redact_client_secrets(body);
        let text = String::from_utf8(stored.into_owned()).unwrap();
        assert_eq!(
            text,
            format!("{{not json, \"client_secret\": \"{REMOVED_SECRET}\", pi_3Mt}}")
        );
    }
}

//! Webhook verification and typed payloads.
//!
//! Shopify signs each delivery with a base64 HMAC-SHA256 of the raw body,
//! keyed with the app's client secret, in `X-Shopify-Hmac-Sha256`
//! (<https://shopify.dev/docs/apps/build/webhooks/verify-deliveries>). Event
//! deliveries use the same headers without the `X-` prefix (`shopify-topic`,
//! ...). Verify the bytes exactly as received, before any JSON parsing.
//!
//! Deduplicate on [`WebhookHeaders::webhook_id`] (unique per delivery); the
//! event id is shared by all deliveries of one merchant action.
//! After rotating the client secret, Shopify may keep signing with the old
//! one for up to an hour, so configure both secrets meanwhile.

use crate::models::rest::{Customer, CustomerDeleted, CustomerRedact, Dispute, Order, Refund};
use crate::oauth::hmac_sha256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Default limit on the body size accepted for verification (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Why a delivery was rejected. Answer 401 for signature failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header is not valid UTF-8 / not the expected format.
    #[error("invalid header {0}")]
    InvalidHeader(&'static str),
    /// The body is empty.
    #[error("empty body")]
    EmptyBody,
    /// The body exceeds the configured limit.
    #[error("body of {0} bytes exceeds the limit")]
    BodyTooLarge(usize),
    /// No configured secret produces the given signature.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// The verified body does not match the topic's payload type.
    #[error("payload decode error at {path}: {source}")]
    Decode {
        /// JSON path of the failing value.
        path: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
}

impl WebhookError {
    /// Whether this is an authentication failure (answer 401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            WebhookError::SignatureMismatch
                | WebhookError::MissingHeader("hmac-sha256")
                | WebhookError::InvalidHeader("hmac-sha256")
        )
    }
}

crate::serde_util::string_enum! {
    /// Webhook topic.
    pub enum Topic {
        /// `orders/create`.
        OrdersCreate = "orders/create",
        /// `orders/paid`.
        OrdersPaid = "orders/paid",
        /// `orders/updated`.
        OrdersUpdated = "orders/updated",
        /// `orders/cancelled`.
        OrdersCancelled = "orders/cancelled",
        /// `refunds/create`.
        RefundsCreate = "refunds/create",
        /// `customers/create`.
        CustomersCreate = "customers/create",
        /// `customers/update`.
        CustomersUpdate = "customers/update",
        /// `customers/delete`.
        CustomersDelete = "customers/delete",
        /// `customers/redact` (mandatory compliance webhook: erase a customer's data).
        CustomersRedact = "customers/redact",
        /// `disputes/create`.
        DisputesCreate = "disputes/create",
        /// `disputes/update`: a dispute's status changed (same body as `disputes/create`).
        DisputesUpdate = "disputes/update",
    }
}

/// Which header naming the delivery used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderStyle {
    /// `X-Shopify-Topic`, ... (webhook subscriptions).
    Prefixed,
    /// `shopify-topic`, ... (Events deliveries).
    Unprefixed,
}

/// The typed `Shopify-*` headers of a delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookHeaders {
    /// Topic.
    pub topic: Topic,
    /// Shop domain (`example.myshopify.com`).
    pub shop_domain: String,
    /// Unique per delivery: the deduplication key.
    pub webhook_id: String,
    /// Shared by all deliveries of one merchant action.
    pub event_id: Option<String>,
    /// When Shopify triggered the delivery (detects stale retries).
    pub triggered_at: Option<OffsetDateTime>,
    /// API version used to serialize the payload.
    pub api_version: Option<String>,
    /// Subscription name, when set.
    pub name: Option<String>,
    /// Header style used.
    pub style: HeaderStyle,
    hmac: Vec<u8>,
}

impl WebhookHeaders {
    /// The deduplication key: the webhook id.
    pub fn dedupe_key(&self) -> &str {
        &self.webhook_id
    }

    /// Reads the headers from `(name, value)` pairs, accepting both the
    /// `X-Shopify-*` and the un-prefixed style, case-insensitively.
    pub fn from_pairs<'a, I>(pairs: I) -> Result<Self, WebhookError>
    where
        I: IntoIterator<Item = (&'a str, &'a [u8])>,
    {
        let mut found: Vec<(String, &'a [u8])> = Vec::new();
        let mut style = None;
        for (name, value) in pairs {
            let lower = name.to_ascii_lowercase();
            let (key, s) = if let Some(k) = lower.strip_prefix("x-shopify-") {
                (k.to_owned(), HeaderStyle::Prefixed)
            } else if let Some(k) = lower.strip_prefix("shopify-") {
                (k.to_owned(), HeaderStyle::Unprefixed)
            } else {
                continue;
            };
            if key == "hmac-sha256" {
                style = Some(s);
            }
            found.push((key, value));
        }
        let get = |key: &'static str| -> Result<Option<String>, WebhookError> {
            match found.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, v)) => std::str::from_utf8(v)
                    .map(|s| Some(s.trim().to_owned()))
                    .map_err(|_| WebhookError::InvalidHeader(key)),
            }
        };
        let need = |key: &'static str| get(key)?.ok_or(WebhookError::MissingHeader(key));
        let hmac = BASE64
            .decode(need("hmac-sha256")?)
            .map_err(|_| WebhookError::InvalidHeader("hmac-sha256"))?;
        let topic: Topic = match need("topic")?.parse() {
            Ok(t) => t,
            Err(never) => match never {},
        };
        let triggered_at = match get("triggered-at")? {
            None => None,
            Some(s) => Some(
                OffsetDateTime::parse(&s, &Rfc3339)
                    .map_err(|_| WebhookError::InvalidHeader("triggered-at"))?,
            ),
        };
        Ok(WebhookHeaders {
            topic,
            shop_domain: need("shop-domain")?,
            webhook_id: need("webhook-id")?,
            event_id: get("event-id")?,
            triggered_at,
            api_version: get("api-version")?,
            name: get("name")?,
            style: style.unwrap_or(HeaderStyle::Prefixed),
            hmac,
        })
    }

    /// Reads the headers from an `http` header map (axum, reqwest, hyper).
    pub fn from_header_map(headers: &reqwest::header::HeaderMap) -> Result<Self, WebhookError> {
        Self::from_pairs(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())))
    }
}

/// A verified delivery's payload, typed by topic.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// `orders/create`, `orders/paid`, `orders/updated`, `orders/cancelled`.
    Order(Box<Order>),
    /// `refunds/create`.
    Refund(Box<Refund>),
    /// `customers/create`, `customers/update`.
    Customer(Box<Customer>),
    /// `customers/delete`.
    CustomerDeleted(CustomerDeleted),
    /// `customers/redact`.
    CustomerRedact(Box<CustomerRedact>),
    /// `disputes/create`, `disputes/update`.
    Dispute(Box<Dispute>),
    /// Any other topic, as JSON.
    Other(serde_json::Value),
}

impl WebhookPayload {
    /// Parses a body by topic; a malformed body is an error, never a panic.
    pub fn parse(topic: &Topic, body: &[u8]) -> Result<Self, WebhookError> {
        Ok(match topic {
            Topic::OrdersCreate
            | Topic::OrdersPaid
            | Topic::OrdersUpdated
            | Topic::OrdersCancelled => WebhookPayload::Order(Box::new(decode(body)?)),
            Topic::RefundsCreate => WebhookPayload::Refund(Box::new(decode(body)?)),
            Topic::CustomersCreate | Topic::CustomersUpdate => {
                WebhookPayload::Customer(Box::new(decode(body)?))
            }
            Topic::CustomersDelete => WebhookPayload::CustomerDeleted(decode(body)?),
            Topic::CustomersRedact => WebhookPayload::CustomerRedact(Box::new(decode(body)?)),
            Topic::DisputesCreate | Topic::DisputesUpdate => {
                WebhookPayload::Dispute(Box::new(decode(body)?))
            }
            Topic::Other(_) => WebhookPayload::Other(decode(body)?),
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| WebhookError::Decode {
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

/// A verified, parsed delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Webhook {
    /// The headers.
    pub headers: WebhookHeaders,
    /// The payload.
    pub payload: WebhookPayload,
}

/// Verifies deliveries against one or more client secrets.
#[derive(Clone, Debug)]
pub struct WebhookVerifier {
    secrets: Vec<SecretString>,
    max_body: usize,
}

impl WebhookVerifier {
    /// A verifier for one client secret.
    pub fn new(secret: SecretString) -> Self {
        Self {
            secrets: vec![secret],
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Also accepts this secret (during rotation).
    pub fn with_secret(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Sets the body size limit.
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Checks `signature` (the decoded header) over `body` with every secret,
    /// in constant time per comparison.
    fn check(&self, signature: &[u8], body: &[u8]) -> Result<(), WebhookError> {
        if body.is_empty() {
            return Err(WebhookError::EmptyBody);
        }
        if body.len() > self.max_body {
            return Err(WebhookError::BodyTooLarge(body.len()));
        }
        let mut ok = subtle::Choice::from(0);
        for secret in &self.secrets {
            let expected = hmac_sha256(secret.expose_secret().as_bytes(), body);
            ok |= expected.as_slice().ct_eq(signature);
        }
        if bool::from(ok) {
            Ok(())
        } else {
            Err(WebhookError::SignatureMismatch)
        }
    }

    /// Verifies a delivery and returns its typed headers.
    pub fn verify(&self, headers: &WebhookHeaders, body: &[u8]) -> Result<(), WebhookError> {
        self.check(&headers.hmac, body)
    }

    /// Reads the headers, verifies the signature and parses the payload.
    ///
    /// ```no_run
    /// # fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> Result<(), shopify::WebhookError> {
    /// use secrecy::SecretString;
    /// let verifier = shopify::WebhookVerifier::new(SecretString::from("new-secret"))
    ///     .with_secret(SecretString::from("old-secret"));
    /// let hook = verifier.verify_and_parse(headers, body)?;
    /// println!("dedupe on {}", hook.headers.dedupe_key());
    /// if let shopify::WebhookPayload::Order(order) = hook.payload {
    ///     println!("order {} total {}", order.id, order.total_price);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn verify_and_parse(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Webhook, WebhookError> {
        let headers = WebhookHeaders::from_header_map(headers)?;
        self.verify(&headers, body)?;
        let payload = WebhookPayload::parse(&headers.topic, body)?;
        Ok(Webhook { headers, payload })
    }
}

/// The `X-Shopify-Hmac-Sha256` value for `body` (for tests and local fakes).
pub fn sign(secret: &SecretString, body: &[u8]) -> String {
    BASE64.encode(hmac_sha256(secret.expose_secret().as_bytes(), body))
}

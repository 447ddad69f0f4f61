//! Warehouse fulfilment, both ways: a paid order goes out to the warehouse (WMS) as a
//! [`FulfilmentRequest`] through a [`Fulfilment`], and the warehouse's shipment notices come in
//! through [`WarehouseWebhooks`] (`POST /webhooks/warehouse`), where a workflow's route turns
//! them into the store's shipment with its tracking number (Magento + Stripe:
//! `workflows::magento_stripe`; Shopify + PayTrace: `workflows::shopify_paytrace`, a Shopify
//! fulfillment and, for an authorized order, its capture).
//!
//! A service running several store pairs routes each notice to the pair of its `order.system`
//! and `order.account` with [`notice_route`] (the intake keeps one route per system and topic).
//! Both pairs build their requests with [`order_request`] and send them once with
//! [`send_once`], under the order's [`REQUEST`] step.
//!
//! The shipped [`Fulfilment`] is [`SignedWebhookFulfilment`]: one signed JSON `POST` per
//! request to a URL the warehouse gives. This page is what a warehouse integrator needs.
//!
//! # Fulfilment requests (payops → warehouse)
//!
//! ```text
//! POST <the warehouse's URL>
//! Content-Type: application/json
//! Idempotency-Key: stripe/acct_123/charge/ch_3Q.../fulfilment/request
//! Payops-Signature: t=1765105200,v1=<64 lower-case hex digits: see "The signature">
//! ```
//!
//! ```json
//! {
//!   "idempotency_key": "stripe/acct_123/charge/ch_3Q.../fulfilment/request",
//!   "order": {"system": "magento", "account": "default", "id": "42", "number": "000000042"},
//!   "lines": [{"sku": "TEE-1", "name": "Tee", "quantity": 3}],
//!   "ship_to": {
//!     "first_name": "Jane", "last_name": "Doe", "company": null,
//!     "lines": ["1 Main St", "Apt 2"], "city": "Austin", "region_code": "TX",
//!     "postal_code": "78701", "country": "US", "phone": "+1 512 555 0100"
//!   },
//!   "email": "jane@example.com",
//!   "created_at": "2026-12-07T11:00:00Z"
//! }
//! ```
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `idempotency_key` | string | the same value as the `Idempotency-Key` header: one key per order to ship; a request sent again (after a timeout, a crash) has the same key and the same body |
//! | `order.system` | string | the store: `magento`, `shopify` |
//! | `order.account` | string | the store's account: a Magento store code, a Shopify shop domain |
//! | `order.id` | string | the store's id of the order (Magento `entity_id`); echo it in the shipment notice |
//! | `order.number` | string | the number people see (Magento `increment_id`, Shopify `#1001`) |
//! | `lines[].sku` | string or `null` | the product's SKU (`null` for a product without one) |
//! | `lines[].name` | string | the product's name |
//! | `lines[].quantity` | integer ≥ 1 | units to ship |
//! | `ship_to` | object | the normalized address: ISO 3166-1 alpha-2 `country`, US/Canadian `region_code` as postal abbreviations, `lines` the street lines in order; absent fields are `null` |
//! | `email` | string or `null` | the customer's e-mail, for carrier notifications |
//! | `created_at` | string | RFC 3339, UTC: when the order was paid; the same on every resend |
//!
//! Fields may be added; a receiver should ignore the ones it does not know.
//!
//! The warehouse answers:
//! - `2xx`: accepted. A JSON body with a string `id` gives the warehouse's reference, which is
//!   recorded and logged; any other body is fine;
//! - `409`: it already has this key: accepted as well (the request is not resent);
//! - `429` or `5xx` (with `Retry-After` in seconds, honoured when present), a timeout or a lost
//!   connection: sent again later with the same key and body;
//! - any other `4xx`: refused. Nothing is resent; the order goes to dead letters with the status
//!   and the answer's `message` (or `error`, or the body's start), for a person to look at.
//!
//! # Shipment notices (warehouse → payops)
//!
//! ```text
//! POST https://<the service>/webhooks/warehouse
//! Content-Type: application/json
//! Payops-Signature: t=1765191600,v1=...
//! ```
//!
//! ```json
//! {
//!   "id": "shn_0001",
//!   "type": "shipment.created",
//!   "order": {"system": "magento", "account": "default", "id": "42", "number": "000000042"},
//!   "tracking_number": "1Z999AA10123456784",
//!   "carrier": "ups",
//!   "lines": [{"sku": "TEE-1", "quantity": 3}],
//!   "shipped_at": "2026-12-08T09:00:00Z"
//! }
//! ```
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `id` | string | the notice's unique id: a notice sent twice with one id is acted on once |
//! | `type` | string | `shipment.created` (the default when absent) |
//! | `order` | object | the request's `order`, as it was sent |
//! | `tracking_number` | string | the parcel's tracking number: one store shipment per tracking number |
//! | `carrier` | string | `ups`, `usps`, `fedex`, `dhl`, or any other name (a custom carrier) |
//! | `lines` | array | what the parcel holds (`sku`, `quantity`); recorded, see below |
//! | `shipped_at` | string or `null` | RFC 3339 |
//!
//! The service answers `200` once the notice is stored (a duplicate included), `401` for a
//! missing, wrong or stale signature, `400` for a request without a body it can store. Any other
//! answer (a `5xx`, no answer) means "send it again". Magento + Stripe ships every line left to
//! ship with the notice's track: a partial shipment (some lines now, others later) is not
//! modelled yet, and the notice's `lines` are not compared with the order's.
//!
//! # The signature
//!
//! Both directions carry `Payops-Signature: t=<unix seconds>,v1=<signature>`, Stripe's scheme
//! (so code written for Stripe webhooks verifies it):
//!
//! 1. `signed_payload` = the decimal `t`, a `.`, then the raw body bytes exactly as sent;
//! 2. `signature` = lower-case hex of HMAC-SHA256(key = the shared secret's UTF-8 bytes,
//!    message = `signed_payload`);
//! 3. the receiver recomputes it with each secret it holds (several during a rotation), compares
//!    in constant time with each `v1` of the header, and refuses a `t` more than 5 minutes
//!    ([`TOLERANCE`]) from its clock, either way.
//!
//! A retry is signed anew, with its own `t`. [`sign`] and [`verify`] implement it.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flows::fulfilment::{Fulfilment, SignedWebhookFulfilment, WarehouseWebhooks};
//! use secrecy::SecretString;
//!
//! # fn build(store: Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
//! let secret = SecretString::from("whsec_shared_with_the_warehouse");
//! let sender: Arc<dyn Fulfilment> = Arc::new(SignedWebhookFulfilment::new(
//!     "https://wms.example.com/payops/fulfilments",
//!     secret.clone(),
//! )?);
//! let intake = flows::intake::Intake::new(store).source(WarehouseWebhooks::new(secret));
//! # let _ = (sender, intake);
//! # Ok(()) }
//! ```

mod notice;
mod order;
mod route;
mod sender;

use async_trait::async_trait;
use mapping::{Address, System};
use serde::{Deserialize, Serialize};

pub use crate::signature::{SIGNATURE_HEADER, SignatureError, TOLERANCE, sign, verify};
pub use notice::{SHIPMENT_CREATED, ShipmentNotice, ShippedLine, WarehouseWebhooks};
pub use order::{REQUEST, order_request, send_once};
pub use route::{NoticePlan, notice_route};
pub use sender::{FulfilmentError, SignedWebhookFulfilment};

use crate::StepError;

/// The header that carries a request's idempotency key.
pub use crate::signed_post::IDEMPOTENCY_HEADER;

/// Where paid orders go to be shipped. Implemented by [`SignedWebhookFulfilment`]; implement it
/// for a warehouse with its own API.
///
/// A request may be sent more than once (a timeout, a crash before the answer was recorded):
/// always with the same [`FulfilmentRequest::idempotency_key`], which the warehouse must treat
/// as "already have it".
///
/// ```no_run
/// use flows::fulfilment::{Fulfilment, FulfilmentRequest};
///
/// # async fn send(warehouse: &dyn Fulfilment, request: &FulfilmentRequest) -> Result<(), flows::StepError> {
/// let requested = warehouse.request(request).await?;
/// println!("warehouse reference {:?}", requested.reference);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Fulfilment: std::fmt::Debug + Send + Sync + 'static {
    /// Asks the warehouse to ship `request`'s lines. `Ok` once the warehouse has it (a first
    /// acceptance or a duplicate); a transient error to send it again later with the same key;
    /// a permanent one when the warehouse refused it.
    async fn request(&self, request: &FulfilmentRequest) -> Result<Requested, StepError>;
}

/// What a warehouse is asked to ship: the JSON body of a request (see the
/// [module docs](self#fulfilment-requests-payops--warehouse)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfilmentRequest {
    /// The key of the request, the same on every resend (the workflow's step key).
    pub idempotency_key: String,
    /// The order.
    pub order: OrderRef,
    /// What to ship.
    pub lines: Vec<FulfilmentLine>,
    /// Where to.
    pub ship_to: Address,
    /// The customer's e-mail.
    pub email: Option<String>,
    /// When the order was paid (RFC 3339, UTC on the wire).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl FulfilmentRequest {
    /// A request for `order`'s `lines` to `ship_to`, keyed `idempotency_key`, with no e-mail.
    pub fn new(
        idempotency_key: impl Into<String>,
        order: OrderRef,
        lines: Vec<FulfilmentLine>,
        ship_to: Address,
        created_at: time::OffsetDateTime,
    ) -> Self {
        Self {
            idempotency_key: idempotency_key.into(),
            order,
            lines,
            ship_to,
            email: None,
            created_at: created_at.to_offset(time::UtcOffset::UTC),
        }
    }

    /// Sets the customer's e-mail.
    #[must_use]
    pub fn email(mut self, email: Option<String>) -> Self {
        self.email = email;
        self
    }
}

/// An order as a warehouse names it in requests and notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    /// The store (`magento`, `shopify`).
    pub system: System,
    /// The store's account (a Magento store code, a Shopify shop domain).
    pub account: String,
    /// The store's id of the order (Magento `entity_id`).
    pub id: String,
    /// The number people see (Magento `increment_id`).
    pub number: String,
}

/// One line of a [`FulfilmentRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilmentLine {
    /// The product's SKU.
    pub sku: Option<String>,
    /// The product's name.
    pub name: String,
    /// Units to ship (at least 1).
    pub quantity: u32,
}

/// What a warehouse said to a request it accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Requested {
    /// The warehouse's reference of the request, when it gave one.
    pub reference: Option<String>,
    /// The warehouse already had the request (`409`).
    pub duplicate: bool,
}

impl Requested {
    /// An acceptance with the warehouse's `reference`.
    pub fn new(reference: Option<String>) -> Self {
        Self {
            reference,
            duplicate: false,
        }
    }

    /// An answer that the warehouse already had the request.
    pub fn duplicate() -> Self {
        Self {
            reference: None,
            duplicate: true,
        }
    }
}

/// A parcel's entity: `shipment/{tracking number}` under its order. A blank tracking number is
/// an error naming `shipped.tracking_number`.
#[cfg(any(
    all(feature = "shopify", feature = "paytrace"),
    all(feature = "magento", feature = "stripe")
))]
pub(crate) fn parcel_key(
    order: crate::workflow::EntityKey,
    tracking_number: &str,
) -> Result<crate::workflow::EntityKey, StepError> {
    let tracking_number = tracking_number.trim();
    if tracking_number.is_empty() {
        return Err(mapping::MappingError::MissingField {
            field: "shipped.tracking_number".to_owned(),
        }
        .into());
    }
    Ok(order.child(crate::workflow::Entity::Shipment, tracking_number))
}

/// A parcel's carrier, trimmed; a blank one is an error naming `shipped.carrier`.
#[cfg(any(
    all(feature = "shopify", feature = "paytrace"),
    all(feature = "magento", feature = "stripe")
))]
pub(crate) fn carrier(carrier: &str) -> Result<&str, StepError> {
    let carrier = carrier.trim();
    if carrier.is_empty() {
        return Err(mapping::MappingError::MissingField {
            field: "shipped.carrier".to_owned(),
        }
        .into());
    }
    Ok(carrier)
}

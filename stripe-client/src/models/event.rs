//! Event: a change in the account, as delivered by webhooks and `GET /v1/events`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::common::ts;
use super::version::{self, Shape};
use super::{
    BalanceTransaction, Charge, CreditNote, Customer, Dispute, EarlyFraudWarning, Invoice,
    PaymentIntent, PaymentMethod, Payout, Refund, Subscription, legacy, lenient_enum,
};
use crate::error::nested;

/// The `object` names of the typed variants of [`EventObject`].
const TYPED: &[&str] = &[
    "payment_intent",
    "charge",
    "refund",
    "customer",
    "payment_method",
    "payout",
    "balance_transaction",
    "dispute",
    "radar.early_fraud_warning",
    "subscription",
    "invoice",
    "credit_note",
];

/// The path of a failure inside an event's object, from the event: `data.object.created`
/// (`data.object` itself for the object's root, which serde_path_to_error writes `.`).
fn object_path(inner: &str) -> String {
    match inner {
        "" | "." => "data.object".to_owned(),
        inner => format!("data.object.{inner}"),
    }
}

/// An Event (`evt_...`). `data.object` is typed for the resources this crate supports and kept
/// as raw JSON otherwise.
///
/// `data.object` is rendered in the event's own [`api_version`](Event::api_version), which may
/// be older than the version this client sends: it is read by the shape of that version into
/// the current models (see [`crate::models`], "API versions"). An event with a typed object in
/// a version this crate cannot read is refused ([`crate::Error::UnsupportedApiVersion`]); an
/// object of another kind is kept raw whatever its version.
///
/// Serializing an event writes its typed object in the current shape, so it writes
/// [`crate::DEFAULT_API_VERSION`] as `api_version` (the version that shape belongs to), and the
/// result parses back to the same event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Id (`evt_...`), the key for de-duplicating webhook deliveries.
    pub id: String,
    /// What happened (`payment_intent.succeeded`, ...).
    pub event_type: EventType,
    /// Connected account the event belongs to (Connect webhooks only).
    pub account: Option<String>,
    /// API version `data` was rendered in, as received (the account's or endpoint's version,
    /// not the client's).
    pub api_version: Option<String>,
    /// When the event happened.
    pub created: OffsetDateTime,
    /// The object concerned and, for `*.updated`, its changed attributes.
    pub data: EventData,
    /// Whether the object exists in live mode.
    pub livemode: bool,
    /// Webhooks not yet delivered successfully.
    pub pending_webhooks: i64,
    /// The API request that caused the event, if any.
    pub request: Option<EventRequest>,
}

/// The wire form of an event, with `data.object` still raw: its shape depends on `api_version`,
/// which may come after it.
#[derive(Serialize, Deserialize)]
struct Wire<O> {
    id: String,
    #[serde(rename = "type")]
    event_type: EventType,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(with = "ts")]
    created: OffsetDateTime,
    data: WireData<O>,
    #[serde(default)]
    livemode: bool,
    #[serde(default)]
    pending_webhooks: i64,
    #[serde(default)]
    request: Option<EventRequest>,
}

#[derive(Serialize, Deserialize)]
struct WireData<O> {
    object: O,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<serde_json::Value>,
}

impl Event {
    /// Decodes an event from its JSON, reading its object in the event's own API version. A
    /// payload that is not an event is an [`Error::Decode`](crate::Error::Decode) with the full
    /// path (`data.object.created`); an object rendered in a version this crate cannot read is an
    /// [`Error::UnsupportedApiVersion`](crate::Error::UnsupportedApiVersion).
    ///
    /// ```
    /// let body = br#"{"id":"evt_1","object":"event","type":"charge.succeeded","api_version":"2026-10-28.endive",
    ///   "created":1,"livemode":false,"pending_webhooks":0,
    ///   "data":{"object":{"id":"ch_1","object":"charge","created":"yesterday"}}}"#;
    /// let err = stripe_client::Event::from_slice(body).unwrap_err();
    /// assert!(matches!(err, stripe_client::Error::Decode { ref path, .. } if path == "data.object.created"));
    /// ```
    pub fn from_slice(payload: &[u8]) -> Result<Self, crate::Error> {
        let de = &mut serde_json::Deserializer::from_slice(payload);
        serde_path_to_error::deserialize(de).map_err(crate::Error::decode)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = Wire::<serde_json::Value>::deserialize(d)?;
        let object = EventObject::read(wire.data.object, wire.api_version.as_deref())
            .map_err(|failure| serde::de::Error::custom(nested::report(failure)))?;
        Ok(Event {
            id: wire.id,
            event_type: wire.event_type,
            account: wire.account,
            api_version: wire.api_version,
            created: wire.created,
            data: EventData {
                object,
                previous_attributes: wire.data.previous_attributes,
            },
            livemode: wire.livemode,
            pending_webhooks: wire.pending_webhooks,
            request: wire.request,
        })
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let api_version = match &self.data.object {
            EventObject::Other(_) => self.api_version.clone(),
            _ => Some(crate::DEFAULT_API_VERSION.to_owned()),
        };
        Wire {
            id: self.id.clone(),
            event_type: self.event_type.clone(),
            account: self.account.clone(),
            api_version,
            created: self.created,
            data: WireData {
                object: &self.data.object,
                previous_attributes: self.data.previous_attributes.clone(),
            },
            livemode: self.livemode,
            pending_webhooks: self.pending_webhooks,
            request: self.request.clone(),
        }
        .serialize(s)
    }
}

/// The `data` of an event.
#[derive(Debug, Clone)]
pub struct EventData {
    /// The object as it is after the change.
    pub object: EventObject,
    /// For `*.updated` events: the previous values of the changed attributes, raw (in the
    /// event's own API version).
    pub previous_attributes: Option<serde_json::Value>,
}

/// The API request that caused an event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventRequest {
    /// Request id (`req_...`); `None` for automatic events.
    #[serde(default)]
    pub id: Option<String>,
    /// Idempotency key of that request.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The object of an event, chosen by its `object` field.
#[derive(Debug, Clone)]
pub enum EventObject {
    /// `payment_intent`
    PaymentIntent(Box<PaymentIntent>),
    /// `charge`
    Charge(Box<Charge>),
    /// `refund`
    Refund(Box<Refund>),
    /// `customer`
    Customer(Box<Customer>),
    /// `payment_method`
    PaymentMethod(Box<PaymentMethod>),
    /// `payout`
    Payout(Box<Payout>),
    /// `balance_transaction`
    BalanceTransaction(Box<BalanceTransaction>),
    /// `dispute`
    Dispute(Box<Dispute>),
    /// `radar.early_fraud_warning`
    EarlyFraudWarning(Box<EarlyFraudWarning>),
    /// `subscription`
    Subscription(Box<Subscription>),
    /// `invoice`
    Invoice(Box<Invoice>),
    /// `credit_note`
    CreditNote(Box<CreditNote>),
    /// Any other object (plans, products, checkout sessions...), as raw JSON.
    Other(serde_json::Value),
}

impl EventObject {
    /// Reads an event's `data.object` rendered in `api_version`. Failures name their path from
    /// the event (`data.object.lines.data[0].amount`).
    fn read(
        mut value: serde_json::Value,
        api_version: Option<&str>,
    ) -> Result<Self, nested::Nested> {
        let kind = value
            .get("object")
            .and_then(|o| o.as_str())
            .unwrap_or("")
            .to_owned();
        if !TYPED.contains(&kind.as_str()) {
            return Ok(EventObject::Other(value));
        }
        let shape = version::shape(api_version)
            .map_err(|v| nested::Nested::Unsupported { api_version: v.0 })?;
        if shape == Shape::Legacy {
            legacy::upgrade(&kind, &mut value).map_err(|e| nested::Nested::Decode {
                path: object_path(&e.path),
                message: e.message,
            })?;
        }
        fn typed<T: serde::de::DeserializeOwned>(
            v: serde_json::Value,
        ) -> Result<Box<T>, nested::Nested> {
            serde_path_to_error::deserialize(v)
                .map(Box::new)
                .map_err(|e| nested::Nested::Decode {
                    path: object_path(&e.path().to_string()),
                    message: e.into_inner().to_string(),
                })
        }
        Ok(match kind.as_str() {
            "payment_intent" => EventObject::PaymentIntent(typed(value)?),
            "charge" => EventObject::Charge(typed(value)?),
            "refund" => EventObject::Refund(typed(value)?),
            "customer" => EventObject::Customer(typed(value)?),
            "payment_method" => EventObject::PaymentMethod(typed(value)?),
            "payout" => EventObject::Payout(typed(value)?),
            "balance_transaction" => EventObject::BalanceTransaction(typed(value)?),
            "dispute" => EventObject::Dispute(typed(value)?),
            "radar.early_fraud_warning" => EventObject::EarlyFraudWarning(typed(value)?),
            "subscription" => EventObject::Subscription(typed(value)?),
            "invoice" => EventObject::Invoice(typed(value)?),
            "credit_note" => EventObject::CreditNote(typed(value)?),
            _ => EventObject::Other(value),
        })
    }

    /// Stripe's `object` name of the variant (`None` for [`EventObject::Other`]).
    pub fn object_name(&self) -> Option<&'static str> {
        Some(match self {
            EventObject::PaymentIntent(_) => "payment_intent",
            EventObject::Charge(_) => "charge",
            EventObject::Refund(_) => "refund",
            EventObject::Customer(_) => "customer",
            EventObject::PaymentMethod(_) => "payment_method",
            EventObject::Payout(_) => "payout",
            EventObject::BalanceTransaction(_) => "balance_transaction",
            EventObject::Dispute(_) => "dispute",
            EventObject::EarlyFraudWarning(_) => "radar.early_fraud_warning",
            EventObject::Subscription(_) => "subscription",
            EventObject::Invoice(_) => "invoice",
            EventObject::CreditNote(_) => "credit_note",
            EventObject::Other(_) => return None,
        })
    }

    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            EventObject::PaymentIntent(o) => serde_json::to_value(o),
            EventObject::Charge(o) => serde_json::to_value(o),
            EventObject::Refund(o) => serde_json::to_value(o),
            EventObject::Customer(o) => serde_json::to_value(o),
            EventObject::PaymentMethod(o) => serde_json::to_value(o),
            EventObject::Payout(o) => serde_json::to_value(o),
            EventObject::BalanceTransaction(o) => serde_json::to_value(o),
            EventObject::Dispute(o) => serde_json::to_value(o),
            EventObject::EarlyFraudWarning(o) => serde_json::to_value(o),
            EventObject::Subscription(o) => serde_json::to_value(o),
            EventObject::Invoice(o) => serde_json::to_value(o),
            EventObject::CreditNote(o) => serde_json::to_value(o),
            EventObject::Other(v) => Ok(v.clone()),
        }
    }
}

impl Serialize for EventObject {
    /// Writes the object back with its `object` field, so a serialized event parses again into
    /// the same variant.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut value = self.to_json().map_err(serde::ser::Error::custom)?;
        if let (Some(name), Some(map)) = (self.object_name(), value.as_object_mut()) {
            map.insert("object".to_owned(), name.into());
        }
        value.serialize(s)
    }
}

lenient_enum! {
    /// Type of an Event, for the resources this crate covers; every other type is `Other`.
    pub enum EventType {
        ChargeCaptured = "charge.captured",
        ChargeDisputeClosed = "charge.dispute.closed",
        ChargeDisputeCreated = "charge.dispute.created",
        ChargeDisputeFundsReinstated = "charge.dispute.funds_reinstated",
        ChargeDisputeFundsWithdrawn = "charge.dispute.funds_withdrawn",
        ChargeDisputeUpdated = "charge.dispute.updated",
        ChargeExpired = "charge.expired",
        ChargeFailed = "charge.failed",
        ChargePending = "charge.pending",
        ChargeRefundUpdated = "charge.refund.updated",
        ChargeRefunded = "charge.refunded",
        ChargeSucceeded = "charge.succeeded",
        ChargeUpdated = "charge.updated",
        CreditNoteCreated = "credit_note.created",
        CreditNoteUpdated = "credit_note.updated",
        CreditNoteVoided = "credit_note.voided",
        CustomerCreated = "customer.created",
        CustomerDeleted = "customer.deleted",
        CustomerUpdated = "customer.updated",
        CustomerSubscriptionCreated = "customer.subscription.created",
        CustomerSubscriptionDeleted = "customer.subscription.deleted",
        CustomerSubscriptionPaused = "customer.subscription.paused",
        CustomerSubscriptionResumed = "customer.subscription.resumed",
        CustomerSubscriptionTrialWillEnd = "customer.subscription.trial_will_end",
        CustomerSubscriptionUpdated = "customer.subscription.updated",
        InvoiceCreated = "invoice.created",
        InvoiceDeleted = "invoice.deleted",
        InvoiceFinalizationFailed = "invoice.finalization_failed",
        InvoiceFinalized = "invoice.finalized",
        InvoiceMarkedUncollectible = "invoice.marked_uncollectible",
        InvoicePaid = "invoice.paid",
        InvoicePaymentActionRequired = "invoice.payment_action_required",
        InvoicePaymentFailed = "invoice.payment_failed",
        InvoicePaymentSucceeded = "invoice.payment_succeeded",
        InvoiceSent = "invoice.sent",
        InvoiceUpcoming = "invoice.upcoming",
        InvoiceUpdated = "invoice.updated",
        InvoiceVoided = "invoice.voided",
        PaymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated",
        PaymentIntentCanceled = "payment_intent.canceled",
        PaymentIntentCreated = "payment_intent.created",
        PaymentIntentPartiallyFunded = "payment_intent.partially_funded",
        PaymentIntentPaymentFailed = "payment_intent.payment_failed",
        PaymentIntentProcessing = "payment_intent.processing",
        PaymentIntentRequiresAction = "payment_intent.requires_action",
        PaymentIntentSucceeded = "payment_intent.succeeded",
        PaymentMethodAttached = "payment_method.attached",
        PaymentMethodAutomaticallyUpdated = "payment_method.automatically_updated",
        PaymentMethodDetached = "payment_method.detached",
        PaymentMethodUpdated = "payment_method.updated",
        PayoutCanceled = "payout.canceled",
        PayoutCreated = "payout.created",
        PayoutFailed = "payout.failed",
        PayoutPaid = "payout.paid",
        PayoutReconciliationCompleted = "payout.reconciliation_completed",
        PayoutUpdated = "payout.updated",
        RadarEarlyFraudWarningCreated = "radar.early_fraud_warning.created",
        RadarEarlyFraudWarningUpdated = "radar.early_fraud_warning.updated",
        RefundCreated = "refund.created",
        RefundUpdated = "refund.updated",
    }
}

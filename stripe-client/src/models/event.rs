//! Event: a change in the account, as delivered by webhooks and `GET /v1/events`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::common::ts;
use super::{
    BalanceTransaction, Charge, Customer, Dispute, EarlyFraudWarning, Invoice, PaymentIntent,
    PaymentMethod, Payout, Refund, Subscription, lenient_enum,
};

/// An Event (`evt_...`). `data.object` is typed for the resources this crate supports and kept
/// as raw JSON otherwise.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Id (`evt_...`), the key for de-duplicating webhook deliveries.
    pub id: String,
    /// What happened (`payment_intent.succeeded`, ...).
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Connected account the event belongs to (Connect webhooks only).
    #[serde(default)]
    pub account: Option<String>,
    /// API version used to render `data` (the account's or endpoint's version, not the client's).
    #[serde(default)]
    pub api_version: Option<String>,
    /// When the event happened.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// The object concerned and, for `*.updated`, its changed attributes.
    pub data: EventData,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Webhooks not yet delivered successfully.
    #[serde(default)]
    pub pending_webhooks: i64,
    /// The API request that caused the event, if any.
    #[serde(default)]
    pub request: Option<EventRequest>,
}

/// The `data` of an event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventData {
    /// The object as it is after the change.
    pub object: EventObject,
    /// For `*.updated` events: the previous values of the changed attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Any other object (plans, products, checkout sessions...), as raw JSON.
    Other(serde_json::Value),
}

impl<'de> Deserialize<'de> for EventObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let kind = value.get("object").and_then(|o| o.as_str()).unwrap_or("");
        fn typed<T: serde::de::DeserializeOwned, E: serde::de::Error>(
            v: serde_json::Value,
        ) -> Result<Box<T>, E> {
            serde_path_to_error::deserialize(v)
                .map(Box::new)
                .map_err(|e| E::custom(format!("at `{}`: {}", e.path(), e.inner())))
        }
        Ok(match kind {
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
            _ => EventObject::Other(value),
        })
    }
}

impl EventObject {
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

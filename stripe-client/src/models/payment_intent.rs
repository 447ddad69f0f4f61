//! PaymentIntent: the object that tracks one customer payment from creation to success.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::{
    ClientSecret, Currency, Customer, Expandable, Metadata, PaymentMethod, Shipping, lenient_enum,
};
use crate::error::ApiErrorBody;
use crate::models::Charge;

/// A PaymentIntent (`pi_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// Id (`pi_...`).
    pub id: String,
    /// Amount intended to be collected, in minor units of `currency`.
    pub amount: i64,
    /// Amount that can still be captured (manual capture), in minor units.
    #[serde(default)]
    pub amount_capturable: i64,
    /// Amount received so far, in minor units.
    #[serde(default)]
    pub amount_received: i64,
    /// Currency of all amounts.
    pub currency: Currency,
    /// Lifecycle status.
    pub status: PaymentIntentStatus,
    /// `automatic`, `automatic_async` or `manual`.
    #[serde(default)]
    pub capture_method: Option<CaptureMethod>,
    /// When the PaymentIntent was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// When it was canceled, if it was.
    #[serde(default, with = "ts::option")]
    pub canceled_at: Option<OffsetDateTime>,
    /// Why it was canceled.
    #[serde(default)]
    pub cancellation_reason: Option<CancellationReason>,
    /// Secret for confirming on the client side. `Debug` is redacted.
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// The customer this payment belongs to.
    #[serde(default)]
    pub customer: Option<Expandable<Customer>>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// The error of the last failed payment attempt (a decline is reported here).
    #[serde(default)]
    pub last_payment_error: Option<Box<ApiErrorBody>>,
    /// The latest charge created by this PaymentIntent.
    #[serde(default)]
    pub latest_charge: Option<Expandable<Charge>>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
    /// The action the customer must take (3-D Secure ...), kept raw: its shape varies by type.
    #[serde(default)]
    pub next_action: Option<serde_json::Value>,
    /// The payment method used or to be used.
    #[serde(default)]
    pub payment_method: Option<Expandable<PaymentMethod>>,
    /// Payment method types this PaymentIntent may use.
    #[serde(default)]
    pub payment_method_types: Vec<String>,
    /// Email the receipt is sent to.
    #[serde(default)]
    pub receipt_email: Option<String>,
    /// Shipping information.
    #[serde(default)]
    pub shipping: Option<Shipping>,
    /// Statement descriptor for non-card charges.
    #[serde(default)]
    pub statement_descriptor: Option<String>,
    /// Suffix appended to the account's card statement descriptor.
    #[serde(default)]
    pub statement_descriptor_suffix: Option<String>,
}

lenient_enum! {
    /// Status of a PaymentIntent.
    pub enum PaymentIntentStatus {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresConfirmation = "requires_confirmation",
        RequiresAction = "requires_action",
        Processing = "processing",
        RequiresCapture = "requires_capture",
        Canceled = "canceled",
        Succeeded = "succeeded",
    }
}

lenient_enum! {
    /// When the funds are captured.
    pub enum CaptureMethod {
        Automatic = "automatic",
        AutomaticAsync = "automatic_async",
        Manual = "manual",
    }
}

lenient_enum! {
    /// Why a PaymentIntent was canceled.
    pub enum CancellationReason {
        Abandoned = "abandoned",
        Automatic = "automatic",
        Duplicate = "duplicate",
        FailedInvoice = "failed_invoice",
        Fraudulent = "fraudulent",
        RequestedByCustomer = "requested_by_customer",
        VoidInvoice = "void_invoice",
    }
}

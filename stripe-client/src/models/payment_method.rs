//! PaymentMethod: a stored means of payment (card, bank account, wallet).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{metadata_or_null, ts};
use super::{BillingDetails, CardDetails, Customer, Expandable, Metadata};

/// A PaymentMethod (`pm_...`). Card numbers never leave Stripe: only brand, last4, expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// Id (`pm_...`).
    pub id: String,
    /// Payment method type (`card`, `sepa_debit`, `us_bank_account`, ...), kept as Stripe writes it.
    #[serde(rename = "type")]
    pub method_type: String,
    /// Billing details.
    #[serde(default)]
    pub billing_details: BillingDetails,
    /// Card details when `method_type` is `card`.
    #[serde(default)]
    pub card: Option<CardDetails>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// The customer it is attached to.
    #[serde(default)]
    pub customer: Option<Expandable<Customer>>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
}

//! Refund: money returned on a charge.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{metadata_or_null, ts};
use super::{
    BalanceTransaction, Charge, Currency, Expandable, Metadata, PaymentIntent, lenient_enum,
};

/// A Refund (`re_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refund {
    /// Id (`re_...`).
    pub id: String,
    /// Amount refunded, in minor units.
    pub amount: i64,
    /// Currency of the amount.
    pub currency: Currency,
    /// Balance transaction describing the refund's impact on the balance.
    #[serde(default)]
    pub balance_transaction: Option<Expandable<BalanceTransaction>>,
    /// The refunded charge.
    #[serde(default)]
    pub charge: Option<Expandable<Charge>>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Why the refund failed (`lost_or_stolen_card`, ...), when `status` is `failed`.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
    /// The refunded PaymentIntent.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Reason given when the refund was created.
    #[serde(default)]
    pub reason: Option<RefundReason>,
    /// Status of the refund.
    #[serde(default)]
    pub status: Option<RefundStatus>,
}

lenient_enum! {
    /// Status of a Refund.
    pub enum RefundStatus {
        Pending = "pending",
        RequiresAction = "requires_action",
        Succeeded = "succeeded",
        Failed = "failed",
        Canceled = "canceled",
    }
}

lenient_enum! {
    /// Reason of a Refund.
    pub enum RefundReason {
        Duplicate = "duplicate",
        ExpiredUncapturedCharge = "expired_uncaptured_charge",
        Fraudulent = "fraudulent",
        RequestedByCustomer = "requested_by_customer",
    }
}

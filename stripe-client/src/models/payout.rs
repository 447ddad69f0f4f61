//! Payout: funds sent from the Stripe balance to a bank account or card.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{metadata_or_null, ts};
use super::{BalanceTransaction, Currency, Expandable, Metadata, lenient_enum};

/// A Payout (`po_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payout {
    /// Id (`po_...`).
    pub id: String,
    /// Amount paid out, in minor units.
    pub amount: i64,
    /// Currency of the amount.
    pub currency: Currency,
    /// Date the payout is expected to arrive in the bank.
    #[serde(with = "ts")]
    pub arrival_date: OffsetDateTime,
    /// Whether Stripe created it on the automatic schedule. Only automatic payouts can list
    /// their balance transactions.
    #[serde(default)]
    pub automatic: bool,
    /// Balance transaction of the payout itself.
    #[serde(default)]
    pub balance_transaction: Option<Expandable<BalanceTransaction>>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Id of the bank account or card paid to (expandable to an object kept raw).
    #[serde(default)]
    pub destination: Option<Expandable<serde_json::Value>>,
    /// Error code of a failed payout.
    #[serde(default)]
    pub failure_code: Option<String>,
    /// Message of a failed payout.
    #[serde(default)]
    pub failure_message: Option<String>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
    /// `standard` or `instant`.
    #[serde(default)]
    pub method: Option<String>,
    /// `not_applicable`, `in_progress` or `completed`.
    #[serde(default)]
    pub reconciliation_status: Option<String>,
    /// Status of the payout.
    pub status: PayoutStatus,
    /// `bank_account` or `card`.
    #[serde(rename = "type", default)]
    pub payout_type: Option<String>,
}

lenient_enum! {
    /// Status of a Payout.
    pub enum PayoutStatus {
        Paid = "paid",
        Pending = "pending",
        InTransit = "in_transit",
        Canceled = "canceled",
        Failed = "failed",
    }
}

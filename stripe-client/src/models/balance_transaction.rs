//! BalanceTransaction: one movement of funds in the Stripe balance (charge, fee, refund, payout).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{decimal_opt, ts};
use super::{Currency, Expandable, lenient_enum};

/// A BalanceTransaction (`txn_...`). `amount - fee = net`, all `i64` minor units of `currency`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BalanceTransaction {
    /// Id (`txn_...`).
    pub id: String,
    /// Gross amount, in minor units (negative for money leaving the balance).
    pub amount: i64,
    /// Currency of all amounts (the balance's settlement currency).
    pub currency: Currency,
    /// Fees paid, in minor units.
    #[serde(default)]
    pub fee: i64,
    /// Fee breakdown.
    #[serde(default)]
    pub fee_details: Vec<FeeDetail>,
    /// Net impact on the balance, in minor units.
    pub net: i64,
    /// When the funds become available.
    #[serde(with = "ts")]
    pub available_on: OffsetDateTime,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Rate used when the source was in another currency (exact decimal, never a float).
    #[serde(default, with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<Decimal>,
    /// Category for reporting (`charge`, `refund`, `dispute`, `fee`, `payout`, ...).
    #[serde(default)]
    pub reporting_category: Option<String>,
    /// The object that caused the transaction: a charge, refund, dispute, payout... (id, or the
    /// object kept raw when expanded).
    #[serde(default)]
    pub source: Option<Expandable<serde_json::Value>>,
    /// `available` or `pending`.
    #[serde(default)]
    pub status: Option<String>,
    /// Transaction type.
    #[serde(rename = "type")]
    pub transaction_type: BalanceTransactionType,
}

/// One fee of a balance transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeeDetail {
    /// Fee amount, in minor units.
    pub amount: i64,
    /// Currency of the fee.
    pub currency: Currency,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// `application_fee`, `stripe_fee` or `tax`.
    #[serde(rename = "type", default)]
    pub fee_type: String,
}

lenient_enum! {
    /// Type of a BalanceTransaction (the most common values; all others are kept as `Other`).
    pub enum BalanceTransactionType {
        Adjustment = "adjustment",
        ApplicationFee = "application_fee",
        ApplicationFeeRefund = "application_fee_refund",
        Charge = "charge",
        Payment = "payment",
        PaymentFailureRefund = "payment_failure_refund",
        PaymentRefund = "payment_refund",
        Payout = "payout",
        PayoutCancel = "payout_cancel",
        PayoutFailure = "payout_failure",
        Refund = "refund",
        RefundFailure = "refund_failure",
        ReserveTransaction = "reserve_transaction",
        ReservedFunds = "reserved_funds",
        StripeFee = "stripe_fee",
        StripeFxFee = "stripe_fx_fee",
        TaxFee = "tax_fee",
        Topup = "topup",
        Transfer = "transfer",
    }
}

//! Charge: one attempt to move money from a payment method.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::{
    BalanceTransaction, BillingDetails, CardDetails, Currency, Customer, Expandable, List,
    Metadata, PaymentIntent, Refund, Shipping, lenient_enum,
};

/// A Charge (`ch_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Charge {
    /// Id (`ch_...`).
    pub id: String,
    /// Amount charged, in minor units.
    pub amount: i64,
    /// Amount captured (may be less than `amount` after a partial capture).
    #[serde(default)]
    pub amount_captured: i64,
    /// Amount refunded so far.
    #[serde(default)]
    pub amount_refunded: i64,
    /// Currency of all amounts.
    pub currency: Currency,
    /// `succeeded`, `pending` or `failed`.
    pub status: ChargeStatus,
    /// The balance transaction that moved the funds (fees, net).
    #[serde(default)]
    pub balance_transaction: Option<Expandable<BalanceTransaction>>,
    /// Billing details at the time of the charge.
    #[serde(default)]
    pub billing_details: BillingDetails,
    /// Whether the charge was captured.
    #[serde(default)]
    pub captured: bool,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Customer charged, if any.
    #[serde(default)]
    pub customer: Option<Expandable<Customer>>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the charge was disputed.
    #[serde(default)]
    pub disputed: bool,
    /// Error code of a failed charge (`card_declined`, ...).
    #[serde(default)]
    pub failure_code: Option<String>,
    /// Message of a failed charge.
    #[serde(default)]
    pub failure_message: Option<String>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
    /// Radar's and the network's verdict.
    #[serde(default)]
    pub outcome: Option<ChargeOutcome>,
    /// Whether the charge succeeded (or was authorized for later capture).
    #[serde(default)]
    pub paid: bool,
    /// The PaymentIntent that created the charge.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Id of the payment method used.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Details of the payment method at the time of the charge.
    #[serde(default)]
    pub payment_method_details: Option<PaymentMethodDetails>,
    /// Link to the receipt.
    #[serde(default)]
    pub receipt_url: Option<String>,
    /// Whether the charge was fully refunded.
    #[serde(default)]
    pub refunded: bool,
    /// Refunds of this charge (only when expanded, in recent API versions).
    #[serde(default)]
    pub refunds: Option<List<Refund>>,
    /// Shipping information.
    #[serde(default)]
    pub shipping: Option<Shipping>,
}

lenient_enum! {
    /// Status of a Charge.
    pub enum ChargeStatus {
        Succeeded = "succeeded",
        Pending = "pending",
        Failed = "failed",
    }
}

lenient_enum! {
    /// Radar's risk evaluation of a payment.
    pub enum RiskLevel {
        Normal = "normal",
        Elevated = "elevated",
        Highest = "highest",
        NotAssessed = "not_assessed",
        Unknown = "unknown",
    }
}

/// The `outcome` of a charge: network status, Radar risk and the reason of a block or decline.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChargeOutcome {
    /// `approved_by_network`, `declined_by_network`, `not_sent_to_network`, `reversed_after_approval`.
    #[serde(default)]
    pub network_status: Option<String>,
    /// Why the payment was blocked or declined (`highest_risk_level`, ...).
    #[serde(default)]
    pub reason: Option<String>,
    /// Radar's risk level.
    #[serde(default)]
    pub risk_level: Option<RiskLevel>,
    /// Radar's risk score 0..=100 (Radar for Fraud Teams only).
    #[serde(default)]
    pub risk_score: Option<i64>,
    /// Message for the merchant.
    #[serde(default)]
    pub seller_message: Option<String>,
    /// `authorized`, `manual_review`, `issuer_declined`, `blocked` or `invalid`.
    #[serde(default, rename = "type")]
    pub outcome_type: Option<String>,
}

/// The payment method used by a charge, as it was at the time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PaymentMethodDetails {
    /// Payment method type (`card`, `sepa_debit`, ...).
    #[serde(rename = "type", default)]
    pub method_type: String,
    /// Card details, for card payments.
    #[serde(default)]
    pub card: Option<CardDetails>,
}

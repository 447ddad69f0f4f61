//! Dispute: a cardholder's chargeback of a charge.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::{
    BalanceTransaction, Charge, Currency, Expandable, Metadata, PaymentIntent, lenient_enum,
};

/// A Dispute (`dp_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dispute {
    /// Id (`dp_...`).
    pub id: String,
    /// Disputed amount, in minor units.
    pub amount: i64,
    /// Currency of the amount.
    pub currency: Currency,
    /// Balance transactions withdrawing and reinstating the funds.
    #[serde(default)]
    pub balance_transactions: Vec<BalanceTransaction>,
    /// The disputed charge.
    pub charge: Expandable<Charge>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Evidence submitted so far.
    #[serde(default)]
    pub evidence: DisputeEvidence,
    /// Deadline and submission state of the evidence.
    #[serde(default)]
    pub evidence_details: Option<EvidenceDetails>,
    /// Whether the charge can still be refunded.
    #[serde(default)]
    pub is_charge_refundable: bool,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
    /// The disputed PaymentIntent.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Reason given by the cardholder.
    pub reason: DisputeReason,
    /// Status of the dispute.
    pub status: DisputeStatus,
}

lenient_enum! {
    /// Status of a Dispute.
    pub enum DisputeStatus {
        WarningNeedsResponse = "warning_needs_response",
        WarningUnderReview = "warning_under_review",
        WarningClosed = "warning_closed",
        NeedsResponse = "needs_response",
        UnderReview = "under_review",
        Won = "won",
        Lost = "lost",
        Prevented = "prevented",
    }
}

lenient_enum! {
    /// Reason of a Dispute.
    pub enum DisputeReason {
        BankCannotProcess = "bank_cannot_process",
        CheckReturned = "check_returned",
        CreditNotProcessed = "credit_not_processed",
        CustomerInitiated = "customer_initiated",
        DebitNotAuthorized = "debit_not_authorized",
        Duplicate = "duplicate",
        Fraudulent = "fraudulent",
        General = "general",
        IncorrectAccountDetails = "incorrect_account_details",
        InsufficientFunds = "insufficient_funds",
        ProductNotReceived = "product_not_received",
        ProductUnacceptable = "product_unacceptable",
        SubscriptionCanceled = "subscription_canceled",
        Unrecognized = "unrecognized",
    }
}

/// Deadline and submission state of a dispute's evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceDetails {
    /// Last moment evidence can be submitted.
    #[serde(default, with = "ts::option")]
    pub due_by: Option<OffsetDateTime>,
    /// Whether evidence has been staged.
    #[serde(default)]
    pub has_evidence: bool,
    /// Whether the deadline passed.
    #[serde(default)]
    pub past_due: bool,
    /// How many times evidence was submitted.
    #[serde(default)]
    pub submission_count: u32,
}

/// Evidence of a dispute: used both in responses and as the `evidence` parameter of
/// [`crate::api::DisputesApi::update`]. File fields hold File ids (`file_...`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeEvidence {
    /// Server or activity logs showing the customer accessed the product (text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_activity_log: Option<String>,
    /// Billing address of the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<String>,
    /// Subscription cancellation policy (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_policy: Option<String>,
    /// How the cancellation policy was shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_policy_disclosure: Option<String>,
    /// Why the customer's subscription was not canceled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_rebuttal: Option<String>,
    /// Communication with the customer (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_communication: Option<String>,
    /// Customer's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email_address: Option<String>,
    /// Customer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// IP address of the purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_purchase_ip: Option<String>,
    /// Customer's signature (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_signature: Option<String>,
    /// Documentation of the other, non-duplicate charge (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_documentation: Option<String>,
    /// Why the two charges are not duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_explanation: Option<String>,
    /// Id of the other charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_charge_id: Option<String>,
    /// Description of the product or service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_description: Option<String>,
    /// Receipt or message sent to the customer (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// Refund policy (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_policy: Option<String>,
    /// How the refund policy was shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_policy_disclosure: Option<String>,
    /// Why the customer is not entitled to a refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_refusal_explanation: Option<String>,
    /// Date the service was provided (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_date: Option<String>,
    /// Proof the service was provided (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_documentation: Option<String>,
    /// Shipping address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<String>,
    /// Shipping carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_carrier: Option<String>,
    /// Shipping date (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_date: Option<String>,
    /// Proof of shipment (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_documentation: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_tracking_number: Option<String>,
    /// Any other evidence (file id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncategorized_file: Option<String>,
    /// Any other evidence (text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncategorized_text: Option<String>,
}

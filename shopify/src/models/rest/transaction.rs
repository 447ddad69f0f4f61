use super::{MoneySet, Timestamp};
use crate::gid::Gid;
use crate::serde_util::{decimal, decimal_opt, string_enum};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

string_enum! {
    /// REST transaction `kind`.
    pub enum TransactionKind {
        /// Funds reserved.
        Authorization = "authorization",
        /// Reserved funds captured.
        Capture = "capture",
        /// Authorization and capture at once.
        Sale = "sale",
        /// Authorization cancelled.
        Void = "void",
        /// Money returned.
        Refund = "refund",
        /// Change given (POS cash).
        Change = "change",
        /// EMV authorization (POS).
        EmvAuthorization = "emv_authorization",
        /// A refund Shopify suggests (refund calculation only).
        SuggestedRefund = "suggested_refund",
    }
}

string_enum! {
    /// REST transaction `status`.
    pub enum TransactionStatus {
        /// Pending.
        Pending = "pending",
        /// Failed (declined).
        Failure = "failure",
        /// Succeeded.
        Success = "success",
        /// Gateway error.
        Error = "error",
    }
}

/// A REST transaction (inside refunds and in the transactions endpoint).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Transaction {
    /// REST id (absent on `suggested_refund` entries of a refund calculation).
    #[serde(default)]
    pub id: Option<u64>,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Kind.
    pub kind: TransactionKind,
    /// Status.
    #[serde(default)]
    pub status: Option<TransactionStatus>,
    /// Gateway name.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Gateway message.
    #[serde(default)]
    pub message: Option<String>,
    /// Gateway error code (`card_declined`, ...).
    #[serde(default)]
    pub error_code: Option<String>,
    /// Authorization code.
    #[serde(default)]
    pub authorization: Option<String>,
    /// Parent transaction (the authorization of a capture).
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Currency of `amount`.
    #[serde(default)]
    pub currency: Option<String>,
    /// Most that can be refunded (refund calculations).
    #[serde(default, with = "decimal_opt")]
    pub maximum_refundable: Option<Decimal>,
    /// Uncaptured remainder in both currencies.
    #[serde(default)]
    pub total_unsettled_set: Option<MoneySet>,
    /// Whether this is a test transaction.
    #[serde(default)]
    pub test: bool,
    /// Payment id shared by a payment's transactions.
    #[serde(default)]
    pub payment_id: Option<String>,
    /// Whether a manual gateway was used.
    #[serde(default)]
    pub manual_payment_gateway: Option<bool>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<Timestamp>,
    /// Processing time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub processed_at: Option<Timestamp>,
    /// Source (`web`, `external`, ...).
    #[serde(default)]
    pub source_name: Option<String>,
    /// Location (POS).
    #[serde(default)]
    pub location_id: Option<u64>,
    /// Staff user.
    #[serde(default)]
    pub user_id: Option<u64>,
    /// Device (POS).
    #[serde(default)]
    pub device_id: Option<u64>,
    /// Gateway receipt, free-form.
    #[serde(default)]
    pub receipt: Option<serde_json::Value>,
}

use super::{DateTime, MoneyBag};
use crate::gid::Gid;
use crate::serde_util::string_enum;
use serde::Deserialize;

string_enum! {
    /// `OrderTransactionKind`.
    pub enum OrderTransactionKind {
        /// Funds reserved.
        Authorization = "AUTHORIZATION",
        /// Reserved funds captured.
        Capture = "CAPTURE",
        /// Authorization and capture at once.
        Sale = "SALE",
        /// Authorization cancelled.
        Void = "VOID",
        /// Money returned.
        Refund = "REFUND",
        /// Change given.
        Change = "CHANGE",
        /// EMV authorization.
        EmvAuthorization = "EMV_AUTHORIZATION",
        /// Suggested refund.
        SuggestedRefund = "SUGGESTED_REFUND",
    }
}

string_enum! {
    /// `OrderTransactionStatus`. A `FAILURE` is a decline: data, not an error.
    pub enum OrderTransactionStatus {
        /// Waiting for the gateway.
        AwaitingResponse = "AWAITING_RESPONSE",
        /// Gateway error.
        Error = "ERROR",
        /// Declined.
        Failure = "FAILURE",
        /// Pending.
        Pending = "PENDING",
        /// Succeeded.
        Success = "SUCCESS",
        /// Unknown.
        Unknown = "UNKNOWN",
    }
}

/// An `OrderTransaction`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderTransaction {
    /// GID.
    pub id: Gid,
    /// Kind.
    pub kind: OrderTransactionKind,
    /// Status.
    pub status: OrderTransactionStatus,
    /// Gateway.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Amount in both currencies.
    #[serde(default)]
    pub amount_set: Option<MoneyBag>,
    /// Gateway authorization code.
    #[serde(default)]
    pub authorization_code: Option<String>,
    /// Parent (the authorization of a capture or void).
    #[serde(default)]
    pub parent_transaction: Option<TransactionRef>,
    /// Gateway error code of a failed transaction.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Whether this is a test transaction.
    #[serde(default)]
    pub test: Option<bool>,
    /// Processing time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub processed_at: Option<DateTime>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<DateTime>,
}

/// A reference to a transaction by id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionRef {
    /// GID.
    pub id: Gid,
}

//! ACH checks: `/v1/checks/...`.
//!
//! Paths, request fields and responses follow activemerchant's PayTrace gateway and its
//! unit-test fixtures (no help.paytrace.com page for v1 checks is in the stored sources).

use crate::models::common::{AccountNumber, Address};
use crate::models::transaction::TransactionDetails;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A PayTrace check transaction id (`check_transaction_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CheckTransactionId(pub u64);

impl fmt::Display for CheckTransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn opt_check_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CheckTransactionId>, D::Error> {
    Ok(crate::wire::opt_u64(d)?.map(CheckTransactionId))
}

/// The `check` object: the bank account to debit or credit.
#[derive(Debug, Clone, Serialize)]
pub struct BankAccount {
    /// Account number (redacted in `Debug`).
    pub account_number: AccountNumber,
    /// ABA routing (transit) number.
    pub routing_number: String,
}

impl BankAccount {
    /// Builds the account from its two numbers.
    pub fn new(account_number: impl Into<String>, routing_number: impl Into<String>) -> Self {
        Self {
            account_number: AccountNumber::new(account_number),
            routing_number: routing_number.into(),
        }
    }
}

/// A check sale or hold on a bank account: `/v1/checks/{sale,hold}/by_account`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAccountRequest {
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// The account.
    pub check: BankAccount,
    /// Billing address; PayTrace needs at least the account holder's `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Invoice, description and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl CheckAccountRequest {
    /// A request with only the required fields.
    pub fn new(amount: Decimal, check: BankAccount) -> Self {
        Self {
            amount,
            check,
            billing_address: None,
            details: TransactionDetails::default(),
        }
    }
}

/// A check sale or hold on a vault customer's account: `/v1/checks/{sale,hold}/by_customer`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckCustomerRequest {
    /// The vault customer id.
    pub customer_id: String,
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Invoice, description and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl CheckCustomerRequest {
    /// A request with only the required fields.
    pub fn new(customer_id: impl Into<String>, amount: Decimal) -> Self {
        Self {
            customer_id: customer_id.into(),
            amount,
            details: TransactionDetails::default(),
        }
    }
}

/// Acts on an earlier check: refund (`/v1/checks/refund/by_transaction`), fund a hold
/// (`/v1/checks/manage/fund`) or void (`/v1/checks/manage/void`, amount ignored).
#[derive(Debug, Clone, Serialize)]
pub struct CheckManageRequest {
    /// The earlier check.
    pub check_transaction_id: CheckTransactionId,
    /// Partial amount; the full amount when omitted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub amount: Option<Decimal>,
}

/// Body of `/v1/checks/manage/void`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckVoidRequest {
    pub(crate) check_transaction_id: CheckTransactionId,
}

/// Response of every check operation (120 processed, 122 refunded, 124 managed, 125 not processed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckResponse {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// Id of the check transaction created or acted on.
    #[serde(default, deserialize_with = "opt_check_id")]
    pub check_transaction_id: Option<CheckTransactionId>,
    /// ACH processor code, sent with declines (`0` in the recorded sample).
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub ach_code: Option<String>,
    /// ACH processor message.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub ach_message: Option<String>,
}

impl CheckResponse {
    /// Classifies the response: 125 "not processed" is a decline, returned as data.
    pub fn outcome(&self) -> crate::Outcome {
        if self.success {
            crate::Outcome::Approved
        } else if self.response_code == crate::ResponseCode::CheckNotProcessed {
            crate::Outcome::Declined
        } else {
            crate::Outcome::NotCompleted
        }
    }
}

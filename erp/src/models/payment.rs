use serde::{Deserialize, Serialize};
use time::Date;

use super::Gateway;
use crate::error::Error;
use crate::money::Money;

/// Which way the money moved.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentDirection {
    /// The customer paid the invoice (a sale or capture).
    Received,
    /// Money paid back to the customer (a gateway refund); it settles a credit memo's credit.
    Refunded,
    /// Money the gateway took back for a dispute (a chargeback's withdrawal). Only a
    /// [`PaymentEntry`] has it, read from a dispute's `Opened` record so that settlement
    /// reconciliation pairs the gateway's dispute line; a [`Payment`] in this direction is refused
    /// (record a [`crate::Dispute`]).
    Withdrawn,
}

/// A payment against an invoice, through a gateway.
///
/// `Received`: debit the gateway's clearing account with `amount − fee`, gateway fees with
/// `fee`, credit receivables with `amount`. `Refunded`: debit receivables with `amount`,
/// gateway fees with `fee`, credit clearing with `amount + fee`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Payment {
    /// Idempotency key (e.g. `paytrace/txn/123`).
    pub external_ref: String,
    /// External reference of the invoice paid (or refunded).
    pub invoice_ref: String,
    /// Received or refunded.
    pub direction: PaymentDirection,
    /// The gateway that moved the money.
    pub gateway: Gateway,
    /// The gateway's transaction id.
    pub transaction_id: String,
    /// Gross amount.
    pub amount: Money,
    /// Gateway fee, when known.
    pub fee: Option<Money>,
    /// Payment date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
}

impl Payment {
    pub(crate) fn validate(&self) -> Result<Money, Error> {
        super::require_ref(&self.external_ref)?;
        if self.direction == PaymentDirection::Withdrawn {
            return Err(crate::ledger::withdrawn_payment());
        }
        super::require_positive("payment amount", self.amount)?;
        let fee = self.fee.unwrap_or(Money::zero(self.amount.currency));
        super::require_non_negative("fee", fee)?;
        if self.direction == PaymentDirection::Received && fee.minor > self.amount.minor {
            return Err(Error::InvalidDocument("fee exceeds the payment".into()));
        }
        self.amount.checked_add(fee)?;
        Ok(fee)
    }
}

/// A payment or refund as the ledger holds it: what a gateway's settlement is reconciled
/// against.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PaymentEntry {
    /// The payment document's external reference (the entry's id).
    pub external_ref: String,
    /// The gateway that moved the money.
    pub gateway: Gateway,
    /// The gateway's transaction id.
    pub transaction_id: String,
    /// The external reference of the invoice paid or refunded.
    pub invoice_ref: String,
    /// Received, refunded, or withdrawn for a dispute (whose entry's transaction id is the
    /// gateway's dispute id).
    pub direction: PaymentDirection,
    /// The amount, negative for a refund or a dispute's withdrawal (money going back).
    pub amount: Money,
    /// The fee booked with it (zero when none was known).
    pub fee: Money,
    /// The payment's date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
}

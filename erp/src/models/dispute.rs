use serde::{Deserialize, Serialize};
use time::Date;

use super::Gateway;
use crate::error::Error;
use crate::money::Money;

/// The point of a dispute's life a record describes; each is its own document with its own
/// external reference.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStage {
    /// The gateway withdrew the disputed amount (and its dispute fee): debit chargebacks,
    /// credit the gateway's clearing account.
    Opened,
    /// The merchant won and the amount came back: debit clearing, credit chargebacks.
    Won,
    /// The merchant lost; the money already left at `Opened`, so nothing is posted.
    Lost,
}

/// A dispute or chargeback on a payment.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Dispute {
    /// Idempotency key (e.g. `stripe/dispute/dp_1/opened`).
    pub external_ref: String,
    /// External reference of the disputed payment, when known.
    pub payment_ref: Option<String>,
    /// The gateway.
    pub gateway: Gateway,
    /// The gateway's dispute id.
    pub dispute_id: String,
    /// Stage.
    pub stage: DisputeStage,
    /// Disputed amount.
    pub amount: Money,
    /// Dispute fee charged by the gateway (withdrawn at `Opened`).
    pub fee: Option<Money>,
    /// Reason given by the gateway or card network.
    pub reason: String,
    /// Date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
}

impl Dispute {
    pub(crate) fn validate(&self) -> Result<Money, Error> {
        super::require_ref(&self.external_ref)?;
        super::require_positive("disputed amount", self.amount)?;
        let fee = self.fee.unwrap_or(Money::zero(self.amount.currency));
        super::require_non_negative("dispute fee", fee)?;
        self.amount.checked_add(fee)
    }
}

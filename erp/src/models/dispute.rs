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
    /// The gateway withdrew the disputed amount and its dispute fee from the merchant's balance:
    /// debit disputed funds with the amount and chargebacks with the fee, credit the gateway's
    /// clearing account with both. The amount is held, not lost, until the dispute closes.
    Opened,
    /// The merchant won and the gateway reinstated the amount (and the fee, when it returns it):
    /// debit clearing with both, credit disputed funds with the amount and chargebacks with the
    /// fee. Needs the dispute's `Opened` record.
    Won,
    /// The merchant lost: the held amount is written off as a chargeback loss (debit
    /// chargebacks, credit disputed funds); no money moves at the gateway. Needs the dispute's
    /// `Opened` record; the fee stays where `Opened` put it.
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
    /// The dispute fee: withdrawn at `Opened`, given back at `Won` when the gateway returns it
    /// (Stripe's reinstatement balance transaction shows it as a negative fee). `None` at `Lost`,
    /// and wherever the settlement's fee lines book dispute fees instead.
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
        if self.stage == DisputeStage::Lost && fee.minor != 0 {
            return Err(Error::InvalidDocument(
                "a lost dispute moves no fee: the fee was booked when the funds were withdrawn"
                    .into(),
            ));
        }
        self.amount.checked_add(fee)
    }
}

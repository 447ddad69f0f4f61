use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::Error;
use crate::money::Money;

/// A credit memo (credit note) against an invoice: debits refunds, credits receivables.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CreditMemo {
    /// Idempotency key (e.g. `shopify/shop1/refund/9`).
    pub external_ref: String,
    /// External reference of the invoice credited.
    pub invoice_ref: String,
    /// Date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
    /// Amount credited (at most the invoice total less earlier credits).
    pub amount: Money,
    /// Why (shown on the document).
    pub reason: String,
}

impl CreditMemo {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        super::require_ref(&self.external_ref)?;
        super::require_positive("credit amount", self.amount)
    }
}

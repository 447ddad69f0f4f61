//! Settlement lines: what a gateway paid out, line by line, for reconciliation with the ledger.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{MappingError, Money, System};

canonical_enum! {
    /// What a settlement line is for.
    SettlementKind {
        /// A captured payment.
        Charge => "charge",
        /// A refund.
        Refund => "refund",
        /// A gateway fee on its own line.
        Fee => "fee",
        /// A chargeback taken back.
        Dispute => "dispute",
        /// A chargeback won and returned.
        DisputeReversal => "dispute_reversal",
        /// A manual or network adjustment.
        Adjustment => "adjustment",
        /// The payout itself (money leaving the gateway balance for the bank).
        Payout => "payout",
    }
}

/// One line of a gateway settlement (a PayTrace batch transaction, a Stripe balance transaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementLine {
    /// The gateway.
    pub gateway: System,
    /// The batch or payout the line belongs to (PayTrace batch number, Stripe `po_...`).
    pub batch_id: String,
    /// The gateway's id of the line's source (transaction id, charge or refund id).
    pub transaction_id: String,
    /// The store's order reference, when the gateway carries it (PayTrace `invoice_id`).
    pub reference: Option<String>,
    /// What the line is for.
    pub kind: SettlementKind,
    /// Gross amount (negative for refunds and disputes).
    pub gross: Money,
    /// Fees withheld (positive = charged to the merchant).
    pub fee: Money,
    /// Net amount: `gross - fee`.
    pub net: Money,
    /// When it settled or becomes available.
    #[serde(with = "time::serde::rfc3339::option")]
    pub settled_at: Option<OffsetDateTime>,
}

impl SettlementLine {
    /// Checks that gross, fee and net share one currency and that `net == gross - fee`.
    pub fn check(&self) -> Result<(), MappingError> {
        let expected = self
            .gross
            .checked_sub(self.fee)
            .map_err(|e| e.at("settlement_line"))?;
        if expected == self.net {
            Ok(())
        } else {
            Err(MappingError::InvalidValue {
                field: "settlement_line.net".to_owned(),
                value: self.net.to_string(),
                expected: "net equal to gross minus fee",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn line(gross: i64, fee: i64, net: i64) -> SettlementLine {
        SettlementLine {
            gateway: System::Stripe,
            batch_id: "po_1".into(),
            transaction_id: "txn_1".into(),
            reference: None,
            kind: SettlementKind::Charge,
            gross: Money::from_minor(gross, Currency::USD),
            fee: Money::from_minor(fee, Currency::USD),
            net: Money::from_minor(net, Currency::USD),
            settled_at: None,
        }
    }

    #[test]
    fn net_must_be_gross_minus_fee() {
        assert!(line(1000, 59, 941).check().is_ok());
        assert!(line(-1000, 0, -1000).check().is_ok());
        let err = line(1000, 59, 940).check().unwrap_err();
        assert_eq!(err.field(), "settlement_line.net");
        let mut mixed = line(1000, 59, 941);
        mixed.fee = Money::from_minor(59, Currency::EUR);
        assert!(matches!(
            mixed.check(),
            Err(MappingError::CurrencyMismatch { .. })
        ));
    }
}

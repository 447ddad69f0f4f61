//! A PayTrace batch's transactions into canonical [`SettlementLine`]s.
//!
//! PayTrace's batch transaction list (`/v1/batches/transaction_list`) returns the same records
//! as the transaction export. Each settled record carries its batch in `status_code`
//! (`GB<batch>`), its `invoice_id` (the order reference) and `settled`, a local timestamp.
//!
//! Fees: PayTrace's v1 records report no fee (processing fees are billed by the processor,
//! outside the API), so every line has a zero fee and `net == gross`. Fees must come from the
//! processor's statement.

use ::paytrace::{SettlementStatus, TransactionExport, TransactionRecord, TransactionType};
use time::UtcOffset;

use crate::{Currency, MappingError, Money, SettlementKind, SettlementLine, System};

/// How to read PayTrace's timestamps.
///
/// PayTrace writes `settled` as `4/10/2015 8:13:45 PM` with no zone, and no source states the
/// zone: it is presumably the one configured for the merchant's account (PayTrace is in Pacific
/// time, but accounts can differ), so this crate assumes nothing and the caller gives the
/// account's offset from UTC. Where that zone observes daylight saving time, pass the offset in
/// force on the batch's date (batches settle once a day, hours away from a change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementCtx {
    /// The PayTrace account's offset from UTC (e.g. `-07:00` for Pacific daylight time).
    pub account_utc_offset: UtcOffset,
}

/// What a record is for: sales, store-and-forward sales and (captured) authorizations settle as
/// charges, refunds as refunds; any other type is `Unknown` with PayTrace's text.
impl From<&TransactionType> for SettlementKind {
    fn from(kind: &TransactionType) -> Self {
        match kind {
            TransactionType::Sale
            | TransactionType::StoreForward
            | TransactionType::Authorization => Self::Charge,
            TransactionType::Refund => Self::Refund,
            other => Self::Unknown(other.as_str().to_owned()),
        }
    }
}

/// The settlement line of one settled record. Paths in errors are the record's fields
/// (`transaction_type`, `status_code`, `amount`).
///
/// - kind: from `transaction_type` (required);
/// - batch id: the `<n>` of `status_code` `GB<n>`; a record not marked settled is an error, since
///   counting it would reconcile money that was never paid out;
/// - gross: `amount` in US dollars, negative for refunds; PayTrace's amounts are positive, a
///   negative one is refused rather than guessed at; more than two decimals is an error. Lines of
///   an `Unknown` kind keep PayTrace's positive amount;
/// - fee zero and net equal to gross (see the module docs);
/// - reference: `invoice_id`; settled_at: `settled` read in the account's offset.
pub fn to_settlement_line(
    record: &TransactionRecord,
    ctx: &SettlementCtx,
) -> Result<SettlementLine, MappingError> {
    let kind = record
        .transaction_type
        .as_ref()
        .map(SettlementKind::from)
        .ok_or(MappingError::MissingField {
            field: "transaction_type".to_owned(),
        })?;
    let batch_id = match &record.status_code {
        Some(SettlementStatus::Settled { batch_number }) => batch_number.to_string(),
        other => {
            return Err(MappingError::InvalidValue {
                field: "status_code".to_owned(),
                value: match other {
                    Some(SettlementStatus::Pending) => "Y".to_owned(),
                    Some(SettlementStatus::NotSettling) => "N".to_owned(),
                    Some(SettlementStatus::Other(raw)) => raw.clone(),
                    Some(SettlementStatus::Settled { .. }) | None => String::new(),
                },
                expected: "GB<batch> (settled in a batch)",
            });
        }
    };
    let amount = Money::from_major(record.amount, Currency::USD, "amount")?;
    if amount.is_negative() {
        return Err(MappingError::AmountOutOfRange {
            field: "amount".to_owned(),
            value: amount.to_string(),
            reason: "PayTrace amounts are positive; the sign comes from transaction_type",
        });
    }
    let gross = match kind {
        SettlementKind::Refund => amount.checked_neg().map_err(|e| e.at("amount"))?,
        _ => amount,
    };
    let fee = Money::zero(Currency::USD);
    Ok(SettlementLine {
        gateway: System::Paytrace,
        batch_id,
        transaction_id: record.transaction_id.to_string(),
        reference: record.invoice_id.clone(),
        kind,
        gross,
        fee,
        net: gross.checked_sub(fee)?,
        // The wall-clock reading, in the account's offset.
        settled_at: record
            .settled
            .map(|local| local.assume_offset(ctx.account_utc_offset)),
    })
}

/// Every line of a batch's transaction list (or of any export of settled transactions), in
/// PayTrace's order. The first bad record fails the whole batch, naming it
/// (`transactions[3].amount`): a batch that only partly maps cannot be reconciled.
pub fn to_settlement_lines(
    export: &TransactionExport,
    ctx: &SettlementCtx,
) -> Result<Vec<SettlementLine>, MappingError> {
    export
        .transactions
        .iter()
        .enumerate()
        .map(|(i, record)| {
            to_settlement_line(record, ctx).map_err(|e| e.at(&format!("transactions[{i}]")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{datetime, offset};

    const CTX: SettlementCtx = SettlementCtx {
        account_utc_offset: offset!(-7),
    };

    fn record(fields: &str) -> TransactionRecord {
        let base = r#""transaction_id": 5, "transaction_type": "SALE", "amount": 10.50,
            "invoice_id": "S1-1001", "status_code": "GB571", "settled": "4/10/2015 8:13:45 PM""#;
        let text = if fields.is_empty() {
            format!("{{{base}}}")
        } else {
            format!("{{{base}, {fields}}}")
        };
        // Later keys win in serde_json's map, so `fields` overrides the base.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn kinds() {
        let cases = [
            (TransactionType::Sale, SettlementKind::Charge),
            (TransactionType::StoreForward, SettlementKind::Charge),
            (TransactionType::Authorization, SettlementKind::Charge),
            (TransactionType::Refund, SettlementKind::Refund),
            (
                TransactionType::Void,
                SettlementKind::Unknown("VOID".into()),
            ),
            (
                TransactionType::Other("ADJUST".into()),
                SettlementKind::Unknown("ADJUST".into()),
            ),
        ];
        for (wire, expected) in cases {
            assert_eq!(SettlementKind::from(&wire), expected, "{wire}");
        }
    }

    #[test]
    fn sale_and_refund_lines() {
        let sale = to_settlement_line(&record(""), &CTX).unwrap();
        assert_eq!(sale.batch_id, "571");
        assert_eq!(sale.transaction_id, "5");
        assert_eq!(sale.reference.as_deref(), Some("S1-1001"));
        assert_eq!(sale.gross, Money::from_minor(1050, Currency::USD));
        assert_eq!(sale.fee, Money::zero(Currency::USD));
        assert_eq!(sale.net, sale.gross);
        assert_eq!(sale.settled_at, Some(datetime!(2015-04-10 20:13:45 -7)));
        assert_eq!(sale.settled_at, Some(datetime!(2015-04-11 03:13:45 UTC)));
        sale.check().unwrap();
        let refund = to_settlement_line(
            &record(r#""transaction_type": "REFUND", "settled": """#),
            &CTX,
        )
        .unwrap();
        assert_eq!(refund.kind, SettlementKind::Refund);
        assert_eq!(refund.gross, Money::from_minor(-1050, Currency::USD));
        assert_eq!(refund.net, Money::from_minor(-1050, Currency::USD));
        assert_eq!(refund.settled_at, None);
        refund.check().unwrap();
    }

    #[test]
    fn record_errors_name_the_field() {
        let cases = [
            (r#""transaction_type": null"#, "transaction_type"),
            (r#""status_code": "Y""#, "status_code"),
            (r#""status_code": "N""#, "status_code"),
            (r#""status_code": null"#, "status_code"),
            (r#""amount": 10.505"#, "amount"),
            (r#""amount": -10.50"#, "amount"),
        ];
        for (fields, field) in cases {
            let err = to_settlement_line(&record(fields), &CTX).unwrap_err();
            assert_eq!(err.field(), field, "{fields}: {err}");
        }
        let err = to_settlement_line(&record(r#""status_code": "N""#), &CTX).unwrap_err();
        assert_eq!(err.value(), Some("N"));
        let err = to_settlement_line(&record(r#""amount": 10.505"#), &CTX).unwrap_err();
        assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
    }
}

//! Stripe balance transactions into canonical settlement lines.
//!
//! A payout's balance transactions (`GET /v1/balance_transactions?payout=po_...`) are the lines of
//! that payout: charges, refunds, disputes, fees, adjustments, and the payout itself. Each becomes
//! one [`SettlementLine`] with `gross = amount`, `fee`, `net`, checked by
//! [`SettlementLine::check`].

use ::stripe_client as wire;

use super::META_ORDER_REFERENCE;
use super::inbound::money;
use crate::{MappingError, SettlementKind, SettlementLine, System};

/// The kind of a balance transaction: from `reporting_category` when it is one of Stripe's
/// accounting categories this table knows, else from `type`, else `Unknown` with the category
/// (or the type when there is no category).
///
/// `reporting_category` comes first because it is what Stripe recommends for accounting (the
/// spec's note on `type`): a dispute is type `adjustment` but category `dispute`.
pub fn settlement_kind(bt: &wire::BalanceTransaction) -> SettlementKind {
    let by_category = bt.reporting_category.as_deref().and_then(|c| match c {
        "charge" => Some(SettlementKind::Charge),
        "refund" | "refund_failure" => Some(SettlementKind::Refund),
        "dispute" => Some(SettlementKind::Dispute),
        "dispute_reversal" => Some(SettlementKind::DisputeReversal),
        "fee" => Some(SettlementKind::Fee),
        "payout" | "payout_reversal" => Some(SettlementKind::Payout),
        "other_adjustment" | "partial_capture_reversal" => Some(SettlementKind::Adjustment),
        _ => None,
    });
    let by_type = || {
        use wire::BalanceTransactionType as T;
        match &bt.transaction_type {
            T::Charge | T::Payment => Some(SettlementKind::Charge),
            T::Refund | T::PaymentRefund | T::RefundFailure | T::PaymentFailureRefund => {
                Some(SettlementKind::Refund)
            }
            T::StripeFee | T::StripeFxFee | T::TaxFee => Some(SettlementKind::Fee),
            T::Payout | T::PayoutCancel | T::PayoutFailure => Some(SettlementKind::Payout),
            T::Adjustment => Some(SettlementKind::Adjustment),
            _ => None,
        }
    };
    by_category.or_else(by_type).unwrap_or_else(|| {
        SettlementKind::Unknown(
            bt.reporting_category
                .clone()
                .unwrap_or_else(|| bt.transaction_type.as_str().to_owned()),
        )
    })
}

/// One balance transaction of payout `payout_id` as a settlement line.
///
/// The transaction id is the source's id (`ch_...`, `re_...`, `dp_...`, `po_...`) or, for the
/// lines Stripe gives no source (some fees), the balance transaction's own `txn_...` id. The
/// reference is read from the source's metadata ([`META_ORDER_REFERENCE`]) when the source was
/// expanded. `settled_at` is `available_on`, when the funds became available. A line whose
/// `net` is not `amount - fee` is refused (`balance_transaction.net`). Errors are paths under
/// `balance_transaction`.
pub fn to_settlement_line(
    bt: &wire::BalanceTransaction,
    payout_id: &str,
) -> Result<SettlementLine, MappingError> {
    line(bt, payout_id).map_err(|e| e.at("balance_transaction"))
}

/// Every balance transaction of payout `payout_id` as settlement lines; an error names the line
/// (`balance_transactions[3].net`).
pub fn to_settlement_lines(
    bts: &[wire::BalanceTransaction],
    payout_id: &str,
) -> Result<Vec<SettlementLine>, MappingError> {
    bts.iter()
        .enumerate()
        .map(|(i, bt)| {
            line(bt, payout_id).map_err(|e| e.at(&format!("[{i}]")).at("balance_transactions"))
        })
        .collect()
}

fn line(bt: &wire::BalanceTransaction, payout_id: &str) -> Result<SettlementLine, MappingError> {
    if payout_id.trim().is_empty() {
        return Err(MappingError::MissingField {
            field: "payout".to_owned(),
        });
    }
    let gross = money(bt.amount, &bt.currency, "amount", "currency")?;
    let fee = money(bt.fee, &bt.currency, "fee", "currency")?;
    let net = money(bt.net, &bt.currency, "net", "currency")?;
    let (transaction_id, reference) = match &bt.source {
        Some(wire::Expandable::Id(id)) => (id.clone(), None),
        Some(wire::Expandable::Object(source)) => {
            let id = source
                .get("id")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| MappingError::MissingField {
                    field: "source.id".to_owned(),
                })?;
            let reference = source
                .pointer(&format!("/metadata/{META_ORDER_REFERENCE}"))
                .and_then(serde_json::Value::as_str)
                .filter(|r| !r.trim().is_empty())
                .map(str::to_owned);
            (id.to_owned(), reference)
        }
        None => (bt.id.clone(), None),
    };
    let line = SettlementLine {
        gateway: System::Stripe,
        batch_id: payout_id.to_owned(),
        transaction_id,
        reference,
        kind: settlement_kind(bt),
        gross,
        fee,
        net,
        settled_at: Some(bt.available_on),
    };
    line.check().map_err(|e| match e {
        MappingError::InvalidValue {
            value, expected, ..
        } => MappingError::InvalidValue {
            field: "net".to_owned(),
            value,
            expected,
        },
        other => other,
    })?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Currency, Money};
    use serde_json::json;

    fn bt(overrides: serde_json::Value) -> wire::BalanceTransaction {
        let mut base = json!({
            "id": "txn_1", "amount": 1000, "currency": "usd", "fee": 59, "net": 941,
            "available_on": 1700000000, "created": 1699900000, "reporting_category": "charge",
            "source": "ch_1", "type": "charge"
        });
        for (k, v) in overrides.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn kind_table() {
        let cases = [
            (json!({}), SettlementKind::Charge),
            (
                json!({"type": "payment", "reporting_category": "charge"}),
                SettlementKind::Charge,
            ),
            (
                json!({"type": "refund", "reporting_category": "refund"}),
                SettlementKind::Refund,
            ),
            (
                json!({"type": "refund_failure", "reporting_category": "refund_failure"}),
                SettlementKind::Refund,
            ),
            (
                json!({"type": "adjustment", "reporting_category": "dispute"}),
                SettlementKind::Dispute,
            ),
            (
                json!({"type": "adjustment", "reporting_category": "dispute_reversal"}),
                SettlementKind::DisputeReversal,
            ),
            (
                json!({"type": "stripe_fee", "reporting_category": "fee"}),
                SettlementKind::Fee,
            ),
            (
                json!({"type": "payout", "reporting_category": "payout"}),
                SettlementKind::Payout,
            ),
            (
                json!({"type": "payout_failure", "reporting_category": "payout_reversal"}),
                SettlementKind::Payout,
            ),
            (
                json!({"type": "adjustment", "reporting_category": "other_adjustment"}),
                SettlementKind::Adjustment,
            ),
            (
                json!({"type": "stripe_fx_fee", "reporting_category": null}),
                SettlementKind::Fee,
            ),
            (
                json!({"type": "payment_refund", "reporting_category": "new_category"}),
                SettlementKind::Refund,
            ),
            (
                json!({"type": "topup", "reporting_category": "topup"}),
                SettlementKind::Unknown("topup".into()),
            ),
            (
                json!({"type": "contribution", "reporting_category": null}),
                SettlementKind::Unknown("contribution".into()),
            ),
        ];
        for (overrides, expected) in cases {
            assert_eq!(
                settlement_kind(&bt(overrides.clone())),
                expected,
                "{overrides}"
            );
        }
    }

    #[test]
    fn a_charge_line() {
        let line = to_settlement_line(&bt(json!({})), "po_1").unwrap();
        assert_eq!(line.batch_id, "po_1");
        assert_eq!(line.transaction_id, "ch_1");
        assert_eq!(line.gross, Money::from_minor(1000, Currency::USD));
        assert_eq!(line.fee, Money::from_minor(59, Currency::USD));
        assert_eq!(line.net, Money::from_minor(941, Currency::USD));
        assert_eq!(
            line.settled_at.unwrap().unix_timestamp(),
            1_700_000_000,
            "available_on, not created"
        );
        assert_eq!(line.reference, None);
    }

    #[test]
    fn expanded_source_gives_the_reference_and_no_source_the_txn_id() {
        let expanded = bt(json!({"source": {"id": "ch_9", "object": "charge",
            "metadata": {"order_reference": "S1-1001"}}}));
        let line = to_settlement_line(&expanded, "po_1").unwrap();
        assert_eq!(line.transaction_id, "ch_9");
        assert_eq!(line.reference.as_deref(), Some("S1-1001"));
        let fee = bt(
            json!({"source": null, "type": "stripe_fee", "reporting_category": "fee",
            "amount": -500, "fee": 0, "net": -500}),
        );
        let line = to_settlement_line(&fee, "po_1").unwrap();
        assert_eq!(line.transaction_id, "txn_1");
        assert_eq!(line.gross.minor(), -500);
        let no_id = bt(json!({"source": {"object": "charge"}}));
        assert_eq!(
            to_settlement_line(&no_id, "po_1").unwrap_err().field(),
            "balance_transaction.source.id"
        );
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad_net = bt(json!({"net": 940}));
        let err = to_settlement_line(&bad_net, "po_1").unwrap_err();
        assert_eq!(err.field(), "balance_transaction.net");
        let lines = [bt(json!({})), bt(json!({"currency": "zzz"}))];
        let err = to_settlement_lines(&lines, "po_1").unwrap_err();
        assert_eq!(
            err,
            MappingError::UnknownCurrency {
                field: "balance_transactions[1].currency".into(),
                value: "zzz".into()
            }
        );
        let isk = bt(json!({"currency": "isk", "amount": 1050, "fee": 50, "net": 1000}));
        let err = to_settlement_line(&isk, "po_1").unwrap_err();
        assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
        assert_eq!(err.field(), "balance_transaction.amount");
        let err = to_settlement_line(&bt(json!({})), " ").unwrap_err();
        assert_eq!(err.field(), "balance_transaction.payout");
        assert_eq!(to_settlement_lines(&lines[..1], "po_1").unwrap().len(), 1);
    }
}

//! The money a Stripe dispute moved, from its balance transactions.

use stripe_client as wire;
use time::OffsetDateTime;

use super::inbound::money;
use crate::{MappingError, Money};

/// One movement of a dispute's funds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsMoved {
    /// The balance transaction (`txn_...`).
    pub balance_transaction: String,
    /// The disputed amount moved, positive.
    pub amount: Money,
    /// The dispute fee withheld (withdrawal) or given back (reinstatement), zero or positive.
    pub fee: Money,
    /// When.
    pub at: OffsetDateTime,
}

/// What a dispute moved so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisputeFunds {
    /// The funds withdrawn when the dispute opened (none for an inquiry).
    pub withdrawn: Option<FundsMoved>,
    /// The funds given back when the merchant won.
    pub reinstated: Option<FundsMoved>,
}

/// The withdrawal and reinstatement of `dispute`. Errors are paths
/// under `dispute.balance_transactions[i]`: a transaction in another currency than the dispute's
/// (its money could not be booked against the disputed payment), a second withdrawal or
/// reinstatement, a withdrawal with a negative fee or a reinstatement that charges one.
///
/// A dispute lists "zero, one, or two balance transactions that show funds withdrawn and
/// reinstated" (the Dispute object's `balance_transactions`, Stripe API reference): the
/// withdrawal has a negative amount and the dispute fee as its fee; a reinstatement has a
/// positive amount and, when Stripe gives the fee back, a negative fee.
pub fn dispute_funds(dispute: &wire::Dispute) -> Result<DisputeFunds, MappingError> {
    let mut funds = DisputeFunds::default();
    for (i, bt) in dispute.balance_transactions.iter().enumerate() {
        let at = |field: &str| format!("dispute.balance_transactions[{i}].{field}");
        if bt.currency != dispute.currency {
            return Err(MappingError::CurrencyMismatch {
                field: at("currency"),
                left: dispute.currency.as_str().to_owned(),
                right: bt.currency.as_str().to_owned(),
            });
        }
        let amount = money(bt.amount, &bt.currency, &at("amount"), &at("currency"))?;
        let fee = money(bt.fee, &bt.currency, &at("fee"), &at("currency"))?;
        let (slot, fee, what) = if amount.is_negative() {
            (
                &mut funds.withdrawn,
                fee,
                "a withdrawal's fee, zero or positive",
            )
        } else if amount.is_zero() {
            continue;
        } else {
            (
                &mut funds.reinstated,
                fee.checked_neg()?,
                "a reinstatement's fee, zero or negative",
            )
        };
        if fee.is_negative() {
            return Err(MappingError::InvalidValue {
                field: at("fee"),
                value: bt.fee.to_string(),
                expected: what,
            });
        }
        if slot.is_some() {
            return Err(MappingError::InvalidValue {
                field: at("amount"),
                value: bt.amount.to_string(),
                expected: "one withdrawal and at most one reinstatement",
            });
        }
        *slot = Some(FundsMoved {
            balance_transaction: bt.id.clone(),
            amount: if amount.is_negative() {
                amount.checked_neg()?
            } else {
                amount
            },
            fee,
            at: bt.created,
        });
    }
    Ok(funds)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Currency;
    use serde_json::{Value, json};

    fn bt(id: &str, amount: i64, fee: i64, currency: &str) -> Value {
        json!({"id": id, "object": "balance_transaction", "amount": amount, "fee": fee,
            "net": amount - fee, "currency": currency, "available_on": 1, "created": 1_700_000_000,
            "type": "adjustment", "reporting_category": "dispute", "fee_details": []})
    }

    fn dispute(transactions: Vec<Value>) -> wire::Dispute {
        serde_json::from_value(json!({"id": "dp_1", "amount": 3740, "currency": "usd",
            "created": 1, "reason": "fraudulent", "status": "needs_response", "charge": "ch_1",
            "balance_transactions": transactions}))
        .unwrap()
    }

    #[test]
    fn withdrawal_and_reinstatement_with_the_fee_given_back() {
        let funds = dispute_funds(&dispute(vec![
            bt("txn_w", -3740, 1500, "usd"),
            bt("txn_r", 3740, -1500, "usd"),
        ]))
        .unwrap();
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        let withdrawn = funds.withdrawn.unwrap();
        assert_eq!(
            (
                withdrawn.balance_transaction.as_str(),
                withdrawn.amount,
                withdrawn.fee
            ),
            ("txn_w", usd(3740), usd(1500))
        );
        assert_eq!(withdrawn.at.unix_timestamp(), 1_700_000_000);
        let reinstated = funds.reinstated.unwrap();
        assert_eq!((reinstated.amount, reinstated.fee), (usd(3740), usd(1500)));
        // The fee kept: a reinstatement without one.
        let kept = dispute_funds(&dispute(vec![
            bt("txn_w", -3740, 1500, "usd"),
            bt("txn_r", 3740, 0, "usd"),
        ]))
        .unwrap();
        assert_eq!(kept.reinstated.unwrap().fee, usd(0));
        assert_eq!(
            dispute_funds(&dispute(vec![])).unwrap(),
            DisputeFunds::default()
        );
    }

    #[test]
    fn what_cannot_be_booked_is_an_error_naming_the_transaction() {
        let cases = [
            (
                vec![bt("txn_w", -3740, 1500, "eur")],
                "dispute.balance_transactions[0].currency",
            ),
            (
                vec![bt("txn_w", -3740, -1, "usd")],
                "dispute.balance_transactions[0].fee",
            ),
            (
                vec![bt("txn_r", 3740, 5, "usd")],
                "dispute.balance_transactions[0].fee",
            ),
            (
                vec![bt("txn_w", -3740, 1500, "usd"), bt("txn_x", -1, 0, "usd")],
                "dispute.balance_transactions[1].amount",
            ),
        ];
        for (transactions, field) in cases {
            let err = dispute_funds(&dispute(transactions)).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
    }
}

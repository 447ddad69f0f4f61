use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::Account;
use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// Debit or credit.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Debit.
    Debit,
    /// Credit.
    Credit,
}

/// One line of a journal entry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct JournalLine {
    /// The account.
    pub account: Account,
    /// Debit or credit.
    pub side: Side,
    /// Amount (positive).
    pub amount: Money,
    /// Line label.
    pub label: Option<String>,
}

/// A manual journal entry (settlements, payouts, adjustments). It must balance: the debits
/// equal the credits, in one currency.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Idempotency key (e.g. `stripe/payout/po_123`).
    pub external_ref: String,
    /// Accounting date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
    /// Narration.
    pub memo: String,
    /// The lines.
    pub lines: Vec<JournalLine>,
}

impl JournalEntry {
    /// Checks the entry: at least two lines, positive amounts, one currency, debits equal to
    /// credits. Returns the currency.
    pub fn validate(&self) -> Result<CurrencyCode, Error> {
        super::require_ref(&self.external_ref)?;
        check_balanced(&self.lines)
    }
}

/// Checks that `lines` form a balanced single-currency entry.
pub(crate) fn check_balanced(lines: &[JournalLine]) -> Result<CurrencyCode, Error> {
    let first = lines
        .first()
        .ok_or_else(|| Error::InvalidDocument("journal entry without lines".into()))?;
    if lines.len() < 2 {
        return Err(Error::InvalidDocument(
            "journal entry needs two lines".into(),
        ));
    }
    let currency = first.amount.currency;
    let mut sums: BTreeMap<bool, Money> = BTreeMap::new();
    for line in lines {
        super::require_positive("journal line amount", line.amount)?;
        let slot = sums
            .entry(line.side == Side::Debit)
            .or_insert(Money::zero(currency));
        *slot = slot.checked_add(line.amount)?;
    }
    let debits = sums.get(&true).map_or(0, |m| m.minor);
    let credits = sums.get(&false).map_or(0, |m| m.minor);
    if debits != credits {
        return Err(Error::Unbalanced {
            debits,
            credits,
            currency,
        });
    }
    Ok(currency)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn line(side: Side, minor: i64, cur: &str) -> JournalLine {
        JournalLine {
            account: Account::Bank,
            side,
            amount: Money::new(minor, CurrencyCode::new(cur).unwrap()),
            label: None,
        }
    }

    #[test]
    fn balance_rules() {
        assert!(
            check_balanced(&[line(Side::Debit, 5, "USD"), line(Side::Credit, 5, "USD")]).is_ok()
        );
        assert!(matches!(
            check_balanced(&[line(Side::Debit, 5, "USD"), line(Side::Credit, 4, "USD")]),
            Err(Error::Unbalanced {
                debits: 5,
                credits: 4,
                ..
            })
        ));
        assert!(matches!(
            check_balanced(&[line(Side::Debit, 5, "USD"), line(Side::Credit, 5, "EUR")]),
            Err(Error::CurrencyMismatch { .. })
        ));
        assert!(
            check_balanced(&[line(Side::Debit, 0, "USD"), line(Side::Credit, 0, "USD")]).is_err()
        );
        assert!(check_balanced(&[line(Side::Debit, 5, "USD")]).is_err());
    }
}

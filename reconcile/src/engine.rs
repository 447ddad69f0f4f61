//! The matching rules (see the crate's documentation).

use std::cmp::Ordering;
use std::collections::hash_map::Entry;

use foldhash::{HashMap, HashMapExt};

use payops_core::Currency;
use time::OffsetDateTime;

use crate::model::{LedgerEntry, SettlementLine};

/// How a settlement line or a ledger entry ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Paired, same amount and currency.
    Matched,
    /// Paired, same currency, different amounts.
    AmountMismatch,
    /// Paired, different currencies.
    CurrencyMismatch,
    /// A settlement line the ledger lacks.
    MissingInLedger,
    /// A ledger entry no settlement line pairs with, posted by the settlement's cut-off.
    MissingInSettlement,
    /// A second (or later) ledger entry of one gateway transaction.
    DuplicateInLedger,
    /// A ledger entry posted after the settlement's cut-off: it settles in a later batch.
    InTransit,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Self; 7] = [
        Self::Matched,
        Self::AmountMismatch,
        Self::CurrencyMismatch,
        Self::MissingInLedger,
        Self::MissingInSettlement,
        Self::DuplicateInLedger,
        Self::InTransit,
    ];

    /// The name written in reports (`matched`, `amount_mismatch`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::AmountMismatch => "amount_mismatch",
            Self::CurrencyMismatch => "currency_mismatch",
            Self::MissingInLedger => "missing_in_ledger",
            Self::MissingInSettlement => "missing_in_settlement",
            Self::DuplicateInLedger => "duplicate_in_ledger",
            Self::InTransit => "in_transit",
        }
    }

    /// Whether a person must look at it (everything but matched and in transit).
    pub const fn is_discrepancy(self) -> bool {
        !matches!(self, Self::Matched | Self::InTransit)
    }
}

/// Which pass paired a line with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchPass {
    /// Pass 1: the gateway transaction id.
    TransactionId,
    /// Pass 2: order reference, amount and currency.
    OrderRefAmountCurrency,
    /// Not paired.
    None,
}

impl MatchPass {
    /// The name written in reports (`transaction_id`, `order_ref+amount+currency`, `none`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TransactionId => "transaction_id",
            Self::OrderRefAmountCurrency => "order_ref+amount+currency",
            Self::None => "none",
        }
    }
}

/// One settlement line, or one ledger entry without a settlement counterpart, and how it ended
/// up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Its class.
    pub status: Status,
    /// The pass that paired it.
    pub pass: MatchPass,
    /// The settlement line (index into the settlement given), if any.
    pub settlement: Option<usize>,
    /// The ledger entry (index into the ledger given), if any.
    pub ledger: Option<usize>,
    /// Settlement amount less ledger amount, in minor units, for a pair of one currency.
    pub difference: Option<i64>,
}

/// The result: every settlement line in its order, then every ledger entry left without a
/// counterpart in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// One per settlement line and per unpaired ledger entry.
    pub results: Vec<Outcome>,
    /// The cut-off used: ledger entries posted after it are in transit.
    pub cutoff: Option<OffsetDateTime>,
}

impl Reconciliation {
    /// Whether any outcome needs a person.
    pub fn has_discrepancies(&self) -> bool {
        self.results.iter().any(|o| o.status.is_discrepancy())
    }
}

/// Order of entry ids: numeric when both are numbers (`9` before `10`), bytes otherwise.
fn entry_order(a: &str, b: &str) -> Ordering {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if number(a) && number(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// Reconciles `settlement` against `ledger` (see the crate's rules). Ledger entries posted
/// after `cutoff` are in transit when nothing pairs them; without a cut-off, the latest
/// settlement time is the cut-off.
pub fn reconcile(
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
    cutoff: Option<OffsetDateTime>,
) -> Reconciliation {
    let cutoff = cutoff.or_else(|| settlement.iter().map(|s| s.settled_at).max());

    // Rule 1: the entry of record of each gateway transaction.
    let mut of_record: HashMap<&str, usize> = HashMap::with_capacity(ledger.len());
    let mut duplicate = vec![false; ledger.len()];
    for (i, entry) in ledger.iter().enumerate() {
        if entry.gateway_transaction_id.is_empty() {
            continue;
        }
        match of_record.entry(entry.gateway_transaction_id.as_str()) {
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
            Entry::Occupied(mut slot) => {
                let first = *slot.get();
                if entry_order(&entry.entry_id, &ledger[first].entry_id) == Ordering::Less {
                    duplicate[first] = true;
                    slot.insert(i);
                } else {
                    duplicate[i] = true;
                }
            }
        }
    }

    // Pass 1.
    let mut paired: Vec<Option<(usize, MatchPass)>> = vec![None; settlement.len()];
    let mut used = duplicate.clone();
    for (s, line) in settlement.iter().enumerate() {
        if let Some(&l) = of_record.get(line.transaction_id.as_str()) {
            paired[s] = Some((l, MatchPass::TransactionId));
            used[l] = true;
        }
    }
    drop(of_record);

    // Pass 2: the entries left, chained by key in file order.
    let mut first: HashMap<(&str, i64, Currency), usize> = HashMap::with_capacity(ledger.len() / 8);
    let mut next = vec![usize::MAX; ledger.len()];
    for (l, entry) in ledger.iter().enumerate().rev() {
        if used[l] || entry.order_ref.is_empty() {
            continue;
        }
        let key = (entry.order_ref.as_str(), entry.amount, entry.currency);
        if let Some(later) = first.insert(key, l) {
            next[l] = later;
        }
    }
    for (s, line) in settlement.iter().enumerate() {
        if paired[s].is_some() || line.invoice_id.is_empty() {
            continue;
        }
        let key = (line.invoice_id.as_str(), line.amount, line.currency);
        if let Entry::Occupied(mut head) = first.entry(key) {
            let l = *head.get();
            match next[l] {
                usize::MAX => {
                    head.remove();
                }
                later => {
                    head.insert(later);
                }
            }
            paired[s] = Some((l, MatchPass::OrderRefAmountCurrency));
            used[l] = true;
        }
    }

    let mut results = Vec::with_capacity(settlement.len() + ledger.len() / 16);
    for (s, line) in settlement.iter().enumerate() {
        results.push(match paired[s] {
            Some((l, pass)) => {
                let entry = &ledger[l];
                let (status, difference) = if entry.currency != line.currency {
                    (Status::CurrencyMismatch, None)
                } else {
                    let difference = line.amount.saturating_sub(entry.amount);
                    let status = if difference == 0 {
                        Status::Matched
                    } else {
                        Status::AmountMismatch
                    };
                    (status, Some(difference))
                };
                Outcome {
                    status,
                    pass,
                    settlement: Some(s),
                    ledger: Some(l),
                    difference,
                }
            }
            None => Outcome {
                status: Status::MissingInLedger,
                pass: MatchPass::None,
                settlement: Some(s),
                ledger: None,
                difference: None,
            },
        });
    }
    for (l, entry) in ledger.iter().enumerate() {
        let status = if duplicate[l] {
            Status::DuplicateInLedger
        } else if used[l] {
            continue;
        } else if cutoff.is_some_and(|cutoff| entry.posted_at > cutoff) {
            Status::InTransit
        } else {
            Status::MissingInSettlement
        };
        results.push(Outcome {
            status,
            pass: MatchPass::None,
            settlement: None,
            ledger: Some(l),
            difference: None,
        });
    }
    Reconciliation { results, cutoff }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_order_as_numbers_when_both_are() {
        assert_eq!(entry_order("9", "10"), Ordering::Less);
        assert_eq!(entry_order("010", "9"), Ordering::Greater);
        assert_eq!(entry_order("L9", "L10"), Ordering::Greater, "bytes");
        assert_eq!(entry_order("10", "L1"), Ordering::Less, "bytes");
    }
}

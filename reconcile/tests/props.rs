//! Properties over generated settlements and ledgers: every line ends in exactly one class,
//! the totals add up, and the order of the inputs does not change the outcome.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use payops_core::Currency;
use proptest::prelude::*;
use reconcile::{LedgerEntry, LineKind, SettlementLine, Status, SummaryKind, reconcile, summarize};
use time::OffsetDateTime;
use time::macros::datetime;

const BASE: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);

/// Few transaction ids, references and amounts, so that every rule meets its ties.
fn settlement() -> impl Strategy<Value = Vec<SettlementLine>> {
    prop::collection::vec((0..12u8, 0..4u8, -2..4i64, 0..3u8, 0..48i64), 0..14).prop_map(|lines| {
        let mut seen = std::collections::HashSet::new();
        lines
            .into_iter()
            .filter(|(txn, ..)| seen.insert(*txn))
            .map(|(txn, invoice, amount, currency, hour)| SettlementLine {
                batch_id: "b".into(),
                transaction_id: format!("t{txn}"),
                invoice_id: if invoice == 0 {
                    String::new()
                } else {
                    format!("o{invoice}")
                },
                kind: if amount < 0 {
                    LineKind::Refund
                } else {
                    LineKind::Sale
                },
                amount: amount * 100,
                fee: amount.abs() * 3,
                currency: [Currency::USD, Currency::EUR, Currency::JPY][usize::from(currency)],
                settled_at: BASE + time::Duration::hours(hour),
            })
            .collect()
    })
}

fn ledger() -> impl Strategy<Value = Vec<LedgerEntry>> {
    prop::collection::vec((0..14u8, 0..4u8, -2..4i64, 0..3u8, 0..60i64), 0..16).prop_map(
        |entries| {
            entries
                .into_iter()
                .enumerate()
                .map(|(i, (txn, order, amount, currency, hour))| LedgerEntry {
                    entry_id: format!("{i}"),
                    gateway_transaction_id: if txn >= 12 {
                        String::new()
                    } else {
                        format!("t{txn}")
                    },
                    order_ref: if order == 0 {
                        String::new()
                    } else {
                        format!("o{order}")
                    },
                    amount: amount * 100,
                    currency: [Currency::USD, Currency::EUR, Currency::JPY][usize::from(currency)],
                    posted_at: BASE + time::Duration::hours(hour),
                })
                .collect()
        },
    )
}

/// A permutation of `0..n` from `seed`.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut keyed: Vec<(u64, T)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                (i as u64 + 1).wrapping_mul(seed | 1).rotate_left(17),
                item.clone(),
            )
        })
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, item)| item).collect()
}

proptest! {
    #[test]
    fn every_line_and_entry_ends_in_exactly_one_outcome(
        settlement in settlement(),
        ledger in ledger(),
    ) {
        let result = reconcile(&settlement, &ledger, None);
        let mut lines = vec![0; settlement.len()];
        let mut entries = vec![0; ledger.len()];
        for outcome in &result.results {
            prop_assert!(outcome.settlement.is_some() || outcome.ledger.is_some());
            if let Some(s) = outcome.settlement { lines[s] += 1; }
            if let Some(l) = outcome.ledger { entries[l] += 1; }
            let paired = outcome.settlement.is_some() && outcome.ledger.is_some();
            prop_assert_eq!(
                paired,
                matches!(outcome.status, Status::Matched | Status::AmountMismatch | Status::CurrencyMismatch)
            );
        }
        prop_assert!(lines.iter().all(|&n| n == 1), "{:?}", lines);
        prop_assert!(entries.iter().all(|&n| n == 1), "{:?}", entries);
    }

    #[test]
    fn the_summary_adds_up_to_the_inputs(settlement in settlement(), ledger in ledger()) {
        let result = reconcile(&settlement, &ledger, None);
        let rows = summarize(&result, &settlement, &ledger);
        let mut by_currency: BTreeMap<&str, (i128, i128, i128, u64)> = BTreeMap::new();
        for line in &settlement {
            let total = by_currency.entry(line.currency.code()).or_default();
            total.0 += i128::from(line.amount);
            total.2 += i128::from(line.fee);
            total.3 += 1;
        }
        let mut summed: BTreeMap<&str, (i128, i128, u64)> = BTreeMap::new();
        let mut count = 0;
        for row in &rows {
            match row.kind {
                SummaryKind::FeesTotal => {
                    let total = by_currency[row.currency.code()];
                    prop_assert_eq!((row.fee, row.count), (total.2, total.3));
                }
                SummaryKind::Status(_) => {
                    count += row.count;
                    let sums = summed.entry(row.currency.code()).or_default();
                    sums.0 += row.settlement.unwrap_or_default();
                    sums.1 += row.fee;
                    if let (Some(s), Some(l), Some(d)) = (row.settlement, row.ledger, row.difference) {
                        prop_assert_eq!(s - l, d);
                    }
                }
            }
        }
        prop_assert_eq!(count as usize, result.results.len());
        for (currency, (amount, _, fee, _)) in &by_currency {
            let sums = summed.get(currency).copied().unwrap_or_default();
            prop_assert_eq!((sums.0, sums.1), (*amount, *fee), "{}", currency);
        }
        // Every ledger amount is in some row whose sides share its currency, or in a currency
        // mismatch.
        let ledger_total: i128 = ledger.iter().map(|e| i128::from(e.amount)).sum();
        let mismatched: i128 = result
            .results
            .iter()
            .filter(|o| o.status == Status::CurrencyMismatch)
            .filter_map(|o| o.ledger.map(|l| i128::from(ledger[l].amount)))
            .sum();
        let in_rows: i128 = rows.iter().filter_map(|r| r.ledger).sum();
        prop_assert_eq!(in_rows + mismatched, ledger_total);
    }

    #[test]
    fn the_order_of_the_inputs_does_not_change_the_outcome(
        settlement in settlement(),
        ledger in ledger(),
        seed in any::<u64>(),
    ) {
        // Which of two lines (or entries) of one key pass 2 pairs depends on the files' order
        // (rule 3), so the classes are compared as counts and sums, and the cut-off is after
        // everything (a left entry's time against it would depend on which one is left).
        let cutoff = Some(BASE + time::Duration::days(30));
        let classes = |settlement: &[SettlementLine], ledger: &[LedgerEntry]| {
            let result = reconcile(settlement, ledger, cutoff);
            let mut lines: Vec<(Status, &'static str)> = result
                .results
                .iter()
                .map(|o| (o.status, o.pass.as_str()))
                .collect();
            lines.sort();
            let summary: Vec<_> = summarize(&result, settlement, ledger)
                .into_iter()
                .map(|r| (r.kind, r.currency, r.count, r.settlement, r.ledger, r.fee))
                .collect();
            (lines, summary)
        };
        let before = classes(&settlement, &ledger);
        let after = classes(&shuffled(&settlement, seed), &shuffled(&ledger, seed ^ 0x9e37));
        prop_assert_eq!(before, after);
    }
}

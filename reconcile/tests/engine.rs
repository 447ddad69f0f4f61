//! The matching rules, case by case.
#![allow(clippy::unwrap_used, missing_docs)]

use payops_core::Currency;
use reconcile::{LedgerEntry, LineKind, MatchPass, SettlementLine, Status, reconcile};
use time::OffsetDateTime;
use time::macros::datetime;

const SETTLED: OffsetDateTime = datetime!(2026-12-01 23:00 UTC);
const POSTED: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

fn line(txn: &str, invoice: &str, amount: i64) -> SettlementLine {
    SettlementLine {
        batch_id: "b1".into(),
        transaction_id: txn.into(),
        invoice_id: invoice.into(),
        kind: if amount < 0 {
            LineKind::Refund
        } else {
            LineKind::Sale
        },
        amount,
        fee: 30,
        currency: Currency::USD,
        settled_at: SETTLED,
    }
}

fn entry(id: &str, txn: &str, order: &str, amount: i64) -> LedgerEntry {
    LedgerEntry {
        entry_id: id.into(),
        gateway_transaction_id: txn.into(),
        order_ref: order.into(),
        amount,
        currency: Currency::USD,
        posted_at: POSTED,
    }
}

/// Each outcome as (status, pass, settlement transaction id, ledger entry id, difference).
fn outcomes(
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Vec<(Status, MatchPass, String, String, Option<i64>)> {
    reconcile(settlement, ledger, None)
        .results
        .iter()
        .map(|o| {
            (
                o.status,
                o.pass,
                o.settlement
                    .map(|s| settlement[s].transaction_id.clone())
                    .unwrap_or_default(),
                o.ledger
                    .map(|l| ledger[l].entry_id.clone())
                    .unwrap_or_default(),
                o.difference,
            )
        })
        .collect()
}

fn row(
    status: Status,
    pass: MatchPass,
    txn: &str,
    entry: &str,
    difference: Option<i64>,
) -> (Status, MatchPass, String, String, Option<i64>) {
    (status, pass, txn.into(), entry.into(), difference)
}

use MatchPass::{None as Unpaired, OrderRefAmountCurrency as ByRef, TransactionId as ByTxn};
use Status::*;

#[test]
fn the_transaction_id_pairs_first_and_the_amounts_and_currencies_decide_the_class() {
    let mut euro = entry("3", "t3", "1003", 700);
    euro.currency = Currency::EUR;
    assert_eq!(
        outcomes(
            &[
                line("t1", "1001", 2_500),
                line("t2", "1002", 1_000),
                line("t3", "1003", 700)
            ],
            &[
                entry("1", "t1", "1001", 2_500),
                entry("2", "t2", "1002", 990),
                euro
            ],
        ),
        [
            row(Matched, ByTxn, "t1", "1", Some(0)),
            row(AmountMismatch, ByTxn, "t2", "2", Some(10)),
            row(CurrencyMismatch, ByTxn, "t3", "3", None),
        ]
    );
}

#[test]
fn what_is_left_pairs_on_order_reference_amount_and_currency() {
    // Entry 1 has no transaction id; entry 2 has one the settlement does not know; entry 3
    // has the right reference but another amount; line t4 has no reference.
    assert_eq!(
        outcomes(
            &[
                line("t1", "1001", 2_500),
                line("t2", "1002", 1_000),
                line("t3", "1003", 500),
                line("t4", "", 800),
            ],
            &[
                entry("1", "", "1001", 2_500),
                entry("2", "t-other", "1002", 1_000),
                entry("3", "", "1003", 400),
                entry("4", "", "", 800),
            ],
        ),
        [
            row(Matched, ByRef, "t1", "1", Some(0)),
            row(Matched, ByRef, "t2", "2", Some(0)),
            row(MissingInLedger, Unpaired, "t3", "", None),
            row(MissingInLedger, Unpaired, "t4", "", None),
            row(MissingInSettlement, Unpaired, "", "3", None),
            row(MissingInSettlement, Unpaired, "", "4", None),
        ]
    );
}

#[test]
fn a_pass_one_pair_takes_its_entry_before_pass_two_looks() {
    // Entry 1 would pair with t1 on its reference, but t2 names it by transaction id: t1 takes
    // entry 2, the next of its key.
    assert_eq!(
        outcomes(
            &[line("t1", "1001", 500), line("t2", "1001", 500)],
            &[entry("1", "t2", "1001", 500), entry("2", "", "1001", 500)],
        ),
        [
            row(Matched, ByRef, "t1", "2", Some(0)),
            row(Matched, ByTxn, "t2", "1", Some(0)),
        ]
    );
}

#[test]
fn pass_two_pairs_in_file_order_one_to_one() {
    assert_eq!(
        outcomes(
            &[
                line("t1", "1001", 500),
                line("t2", "1001", 500),
                line("t3", "1001", 500)
            ],
            &[entry("b", "", "1001", 500), entry("a", "", "1001", 500)],
        ),
        [
            row(Matched, ByRef, "t1", "b", Some(0)),
            row(Matched, ByRef, "t2", "a", Some(0)),
            row(MissingInLedger, Unpaired, "t3", "", None),
        ]
    );
}

#[test]
fn the_first_entry_by_id_is_the_posting_of_record_and_the_others_duplicates() {
    // Numeric ids order as numbers: 9 comes before 10.
    assert_eq!(
        outcomes(
            &[line("t1", "1001", 500)],
            &[
                entry("10", "t1", "1001", 500),
                entry("9", "t1", "1001", 500),
                entry("11", "t1", "1001", 500),
                entry("20", "t9", "1009", 100),
                entry("21", "t9", "1009", 100),
            ],
        ),
        [
            row(Matched, ByTxn, "t1", "9", Some(0)),
            row(DuplicateInLedger, Unpaired, "", "10", None),
            row(DuplicateInLedger, Unpaired, "", "11", None),
            row(MissingInSettlement, Unpaired, "", "20", None),
            row(DuplicateInLedger, Unpaired, "", "21", None),
        ]
    );
}

#[test]
fn a_duplicate_does_not_pair_on_its_reference_either() {
    assert_eq!(
        outcomes(
            &[line("t1", "1001", 500), line("t2", "1001", 500)],
            &[entry("1", "t1", "1001", 500), entry("2", "t1", "1001", 500)],
        ),
        [
            row(Matched, ByTxn, "t1", "1", Some(0)),
            row(MissingInLedger, Unpaired, "t2", "", None),
            row(DuplicateInLedger, Unpaired, "", "2", None),
        ]
    );
}

#[test]
fn an_entry_posted_after_the_cutoff_is_in_transit_not_missing() {
    let mut late = entry("2", "t2", "1002", 900);
    late.posted_at = SETTLED + time::Duration::minutes(1);
    let mut on_time = entry("3", "t3", "1003", 900);
    on_time.posted_at = SETTLED;
    let settlement = [line("t1", "1001", 500)];
    let ledger = [entry("1", "t1", "1001", 500), late, on_time];
    let result = reconcile(&settlement, &ledger, None);
    assert_eq!(result.cutoff, Some(SETTLED), "the latest settlement time");
    let statuses: Vec<Status> = result.results.iter().map(|o| o.status).collect();
    assert_eq!(statuses, [Matched, InTransit, MissingInSettlement]);
    assert!(result.has_discrepancies(), "the missing entry");
    // A cut-off given explicitly wins.
    let later = reconcile(
        &settlement,
        &ledger,
        Some(SETTLED + time::Duration::hours(1)),
    );
    assert_eq!(later.results[1].status, MissingInSettlement);
    // In transit alone is no discrepancy.
    let calm = reconcile(&settlement, &ledger[..2], None);
    assert!(!calm.has_discrepancies());
}

#[test]
fn refunds_and_chargebacks_pair_with_their_negative_entries() {
    let mut chargeback = line("t2", "1001", -2_500);
    chargeback.kind = LineKind::Chargeback;
    assert_eq!(
        outcomes(
            &[line("t1", "1001", -500), chargeback],
            &[
                entry("1", "", "1001", -500),
                entry("2", "t2", "1001", -2_400)
            ],
        ),
        [
            row(Matched, ByRef, "t1", "1", Some(0)),
            row(AmountMismatch, ByTxn, "t2", "2", Some(-100)),
        ]
    );
}

#[test]
fn an_empty_ledger_or_settlement_leaves_every_other_side_alone() {
    assert_eq!(
        outcomes(&[line("t1", "1001", 500)], &[]),
        [row(MissingInLedger, Unpaired, "t1", "", None)]
    );
    // No settlement, no cut-off: nothing can be in transit.
    assert_eq!(
        outcomes(&[], &[entry("1", "t1", "1001", 500)]),
        [row(MissingInSettlement, Unpaired, "", "1", None)]
    );
}

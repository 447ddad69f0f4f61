//! The CSV interchange: what it reads, every input error it names, and what it writes.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};

use payops_core::Currency;
use reconcile::interchange::{read_ledger, read_settlement, write_results, write_summary};
use reconcile::{Error, LineKind, reconcile, summarize};

const SETTLEMENT_HEADER: &str =
    "batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at\n";
const LEDGER_HEADER: &str = "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at\n";

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn both_files_are_read_exactly_with_their_columns_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let settlement = file(
        dir.path(),
        "settlement.csv",
        &format!(
            "{SETTLEMENT_HEADER}\
             b1,t1,1001,sale,25.00,0.75,USD,2026-12-01T23:00:00Z\n\
             b1,t2,\"10,02\",refund,-1500.00,0,jpy,2026-12-01T23:00:00+09:00\n\
             b1,t3,,chargeback,-0.10,15.00,EUR,2026-12-01T23:00:00Z\n"
        ),
    );
    let lines = read_settlement(&settlement).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!((lines[0].amount, lines[0].fee), (2_500, 75));
    assert_eq!(lines[1].invoice_id, "10,02", "a quoted field");
    assert_eq!(
        (lines[1].kind, lines[1].amount, lines[1].currency),
        (LineKind::Refund, -1_500, Currency::JPY)
    );
    assert_eq!(lines[1].settled_at.offset().whole_hours(), 9);
    assert_eq!(
        (lines[2].kind, lines[2].invoice_id.as_str()),
        (LineKind::Chargeback, "")
    );

    let ledger = file(
        dir.path(),
        "ledger.csv",
        "posted_at,currency,amount,order_ref,gateway_transaction_id,entry_id,note\n\
         2026-12-01T10:00:00Z,USD,25,1001,t1,1,extra columns are ignored\n\
         2026-12-01T10:00:00Z,USD,-3.5,1002,,2,\n",
    );
    let entries = read_ledger(&ledger).unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (
                e.entry_id.as_str(),
                e.gateway_transaction_id.as_str(),
                e.amount
            ))
            .collect::<Vec<_>>(),
        [("1", "t1", 2_500), ("2", "", -350)]
    );
}

/// The error of reading `settlement.csv` with `row` as its only data row.
fn settlement_error(row: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        dir.path(),
        "settlement.csv",
        &format!("{SETTLEMENT_HEADER}{row}\n"),
    );
    let err = read_settlement(&path).unwrap_err();
    assert!(matches!(err, Error::Input { line: 2, .. }), "{err:?}");
    let text = err.to_string();
    text[text.find("settlement.csv").unwrap()..].to_owned()
}

#[test]
fn every_bad_settlement_value_is_named_by_file_line_and_column() {
    for (row, expected) in [
        (
            "b1,t1,1001,sale,25.001,0,USD,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `amount`: `25.001` in USD: more decimal places than the currency's 2 (the amount would be rounded)",
        ),
        (
            "b1,t1,1001,sale,1500.5,0,JPY,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `amount`: `1500.5` in JPY: more decimal places than the currency's 0 (the amount would be rounded)",
        ),
        (
            "b1,t1,1001,sale,25,1.2.3,USD,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `fee`: `1.2.3` in USD: not a plain decimal amount",
        ),
        (
            "b1,t1,1001,sale,25,0,XYZ,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `currency`: `XYZ` is not an ISO 4217 currency",
        ),
        (
            "b1,t1,1001,payout,25,0,USD,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `type`: `payout` is not sale, refund or chargeback",
        ),
        (
            "b1,,1001,sale,25,0,USD,2026-12-01T23:00:00Z",
            "settlement.csv, line 2, column `transaction_id`: empty",
        ),
    ] {
        assert_eq!(settlement_error(row), expected);
    }
    assert!(
        settlement_error("b1,t1,1001,sale,25,0,USD,yesterday").starts_with(
            "settlement.csv, line 2, column `settled_at`: `yesterday` is not an RFC 3339 time"
        )
    );
}

#[test]
fn a_repeated_id_and_a_missing_column_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let repeated = file(
        dir.path(),
        "settlement.csv",
        &format!(
            "{SETTLEMENT_HEADER}\
             b1,t1,1001,sale,25,0,USD,2026-12-01T23:00:00Z\n\
             b1,t2,1002,sale,25,0,USD,2026-12-01T23:00:00Z\n\
             b2,t1,1003,sale,25,0,USD,2026-12-01T23:00:00Z\n"
        ),
    );
    let err = read_settlement(&repeated).unwrap_err().to_string();
    assert!(
        err.ends_with("settlement.csv, line 4, column `transaction_id`: transaction id repeated (first on line 2)"),
        "{err}"
    );
    let twice = file(
        dir.path(),
        "ledger.csv",
        &format!(
            "{LEDGER_HEADER}7,t1,1001,25,USD,2026-12-01T10:00:00Z\n7,t2,1002,25,USD,2026-12-01T10:00:00Z\n"
        ),
    );
    let err = read_ledger(&twice).unwrap_err().to_string();
    assert!(
        err.ends_with("ledger.csv, line 3, column `entry_id`: entry id repeated (first on line 2)"),
        "{err}"
    );
    let short = file(
        dir.path(),
        "ledger2.csv",
        "entry_id,gateway_transaction_id,amount,currency,posted_at\n",
    );
    let err = read_ledger(&short).unwrap_err().to_string();
    assert!(
        err.ends_with("ledger2.csv, line 1, column `order_ref`: the header row has no such column"),
        "{err}"
    );
    let missing = read_ledger(&dir.path().join("none.csv")).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
    // A row with fewer fields than the header is a CSV error of its line.
    let ragged = file(dir.path(), "ledger3.csv", &format!("{LEDGER_HEADER}1,t1\n"));
    let err = read_ledger(&ragged).unwrap_err();
    assert!(matches!(err, Error::Csv { .. }), "{err:?}");
}

#[test]
fn results_and_summary_are_written_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let settlement = read_settlement(&file(
        dir.path(),
        "settlement.csv",
        &format!(
            "{SETTLEMENT_HEADER}\
             b1,t1,1001,sale,25.00,0.75,USD,2026-12-01T23:00:00Z\n\
             b1,t2,1002,sale,10.00,0.30,USD,2026-12-01T23:00:00Z\n\
             b1,t3,1003,sale,7.00,0.21,USD,2026-12-01T23:00:00Z\n\
             b1,t4,1004,sale,1500,45,JPY,2026-12-01T23:00:00Z\n"
        ),
    ))
    .unwrap();
    let ledger = read_ledger(&file(
        dir.path(),
        "ledger.csv",
        &format!(
            "{LEDGER_HEADER}\
             1,t1,1001,25.00,USD,2026-12-01T10:00:00Z\n\
             2,t2,1002,9.90,USD,2026-12-01T10:00:00Z\n\
             3,t4,1004,1500,USD,2026-12-01T10:00:00Z\n\
             4,,1009,4.00,USD,2026-12-01T10:00:00Z\n\
             5,,1010,6.00,USD,2026-12-02T10:00:00Z\n"
        ),
    ))
    .unwrap();
    let outcome = reconcile(&settlement, &ledger, None);
    let results = dir.path().join("results.csv");
    let summary = dir.path().join("summary.csv");
    write_results(&results, &outcome, &settlement, &ledger).unwrap();
    write_summary(&summary, &summarize(&outcome, &settlement, &ledger)).unwrap();
    assert_eq!(
        std::fs::read_to_string(&results).unwrap(),
        "status,match_pass,transaction_id,entry_id,batch_id,type,invoice_id,order_ref,settlement_amount,settlement_currency,ledger_amount,ledger_currency,difference,fee,settled_at,posted_at\n\
         matched,transaction_id,t1,1,b1,sale,1001,1001,25.00,USD,25.00,USD,0.00,0.75,2026-12-01T23:00:00Z,2026-12-01T10:00:00Z\n\
         amount_mismatch,transaction_id,t2,2,b1,sale,1002,1002,10.00,USD,9.90,USD,0.10,0.30,2026-12-01T23:00:00Z,2026-12-01T10:00:00Z\n\
         missing_in_ledger,none,t3,,b1,sale,1003,,7.00,USD,,,,0.21,2026-12-01T23:00:00Z,\n\
         currency_mismatch,transaction_id,t4,3,b1,sale,1004,1004,1500,JPY,1500.00,USD,,45,2026-12-01T23:00:00Z,2026-12-01T10:00:00Z\n\
         missing_in_settlement,none,,4,,,,1009,,,4.00,USD,,,,2026-12-01T10:00:00Z\n\
         in_transit,none,,5,,,,1010,,,6.00,USD,,,,2026-12-02T10:00:00Z\n"
    );
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        "status,currency,count,settlement_amount_cents,ledger_amount_cents,diff_cents,fee_cents\n\
         matched,USD,1,2500,2500,0,75\n\
         amount_mismatch,USD,1,1000,990,10,30\n\
         currency_mismatch,JPY,1,1500,,,45\n\
         missing_in_ledger,USD,1,700,0,700,21\n\
         missing_in_settlement,USD,1,0,400,-400,0\n\
         in_transit,USD,1,0,600,-600,0\n\
         fees_total,JPY,1,,,,45\n\
         fees_total,USD,3,,,,126\n"
    );
    assert!(!dir.path().join("results.csv.partial").exists());
}

//! `payops reconcile csv` run as a user runs it: its exit codes, its report and its errors.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

const SETTLEMENT: &str = "batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at\n\
    b1,t1,1001,sale,25.00,0.75,USD,2026-12-01T23:00:00Z\n\
    b1,t2,1002,refund,-10.00,0,USD,2026-12-01T23:00:00Z\n";

fn payops(dir: &Path, ledger: &str, settlement: &str) -> Output {
    std::fs::write(dir.join("settlement.csv"), settlement).unwrap();
    std::fs::write(dir.join("ledger.csv"), ledger).unwrap();
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["reconcile", "csv", "--settlement"])
        .arg(dir.join("settlement.csv"))
        .arg("--ledger")
        .arg(dir.join("ledger.csv"))
        .arg("--out")
        .arg(dir.join("report"))
        .output()
        .unwrap()
}

#[test]
fn a_settlement_the_ledger_agrees_with_exits_zero_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at\n\
        1,t1,1001,25.00,USD,2026-12-01T10:00:00Z\n\
        2,,1002,-10.00,USD,2026-12-01T11:00:00Z\n\
        3,t9,1009,5.00,USD,2026-12-02T09:00:00Z\n";
    let out = payops(dir.path(), ledger, SETTLEMENT);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 settlement lines, 3 ledger entries"),
        "{stdout}"
    );
    assert!(stdout.contains("in_transit"), "{stdout}");
    let summary = std::fs::read_to_string(dir.path().join("report/summary.csv")).unwrap();
    assert!(summary.starts_with("status,currency,count,settlement_amount_cents"));
    assert!(
        summary.contains("\nmatched,USD,2,1500,1500,0,75\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\nin_transit,USD,1,0,500,-500,0\n"),
        "{summary}"
    );
    let results = std::fs::read_to_string(dir.path().join("report/results.csv")).unwrap();
    assert_eq!(
        results.lines().count(),
        4,
        "a header, two lines and the entry in transit"
    );
}

#[test]
fn discrepancies_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at\n\
        1,t1,1001,24.00,USD,2026-12-01T10:00:00Z\n";
    let out = payops(dir.path(), ledger, SETTLEMENT);
    assert_eq!(out.status.code(), Some(1));
    let summary = std::fs::read_to_string(dir.path().join("report/summary.csv")).unwrap();
    assert!(
        summary.contains("\namount_mismatch,USD,1,2500,2400,100,75\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\nmissing_in_ledger,USD,1,-1000,0,-1000,0\n"),
        "{summary}"
    );
}

#[test]
fn an_input_error_exits_two_naming_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at\n\
        1,t1,1001,25.00,USD,2026-12-01T10:00:00Z\n\
        2,t2,1002,ten,USD,2026-12-01T10:00:00Z\n";
    let out = payops(dir.path(), ledger, SETTLEMENT);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "ledger.csv, line 3, column `amount`: `ten` in USD: not a plain decimal amount"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("report").exists(), "nothing is written");
}

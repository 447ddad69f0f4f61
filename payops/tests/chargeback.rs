//! `payops chargeback import|record` run as a user runs them: the jobs they enqueue into a SQLite
//! store (one per case, however often), their exit codes, and their errors naming the line,
//! column or flag. The report is built here in the documented (assumed) layout: PayTrace
//! publishes none.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use flows::{SqliteStore, Store};

const ACCOUNT: &str = "merchant-42";
const KIND: &str = "paytrace.chargeback";

/// Runs `payops chargeback` with `args`, on the store `store`.
fn chargeback(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .arg("chargeback")
        .args(args)
        .env("PAYOPS_STORE", store)
        .env("PAYTRACE_ACCOUNT", ACCOUNT)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store file, as the service creates it.
fn store_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("flows.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    path
}

/// The payloads of the store's chargeback jobs, by key.
fn jobs(path: &Path) -> Vec<(String, serde_json::Value)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = SqliteStore::open(path).unwrap();
    let mut jobs = Vec::new();
    while let Some(claimed) = rt
        .block_on(store.claim("test", flows::now_millis(), 10_000))
        .unwrap()
    {
        assert_eq!(claimed.job.kind.as_str(), KIND);
        jobs.push((claimed.job.key.clone(), claimed.job.payload.clone()));
    }
    jobs.sort_by(|a, b| a.0.cmp(&b.0));
    jobs
}

const REPORT: &str = "Case Number,Transaction ID,Amount,Reason Code,Reason,Date Received,Status,Fee\n\
    CB-1,125391271,$25.00,10.4,Fraud,12/01/2026,Open,15.00\n\
    CB-2,125391272,40.00,13.1,Not received,11/20/2026,Won,\n";

#[test]
fn an_import_enqueues_one_job_per_case_however_often_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let report = dir.path().join("chargebacks.csv");
    std::fs::write(&report, REPORT).unwrap();
    let keys = format!("paytrace/{ACCOUNT}/dispute/CB-1\npaytrace/{ACCOUNT}/dispute/CB-2");
    for _ in 0..2 {
        let out = chargeback(&path, &["import", "--file", report.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), keys);
    }
    let jobs = jobs(&path);
    assert_eq!(jobs.len(), 2, "{jobs:#?}");
    let first = &jobs[0].1;
    assert_eq!(first["case_id"], "CB-1");
    assert_eq!(first["transaction_id"], "125391271");
    assert_eq!(first["amount"], "25.00");
    assert_eq!(first["fee"], "15.00");
    assert_eq!(first["reason"], "10.4 Fraud");
    assert_eq!(first["stage"], "opened");
    assert_eq!(jobs[1].1["stage"], "won");
}

#[test]
fn a_bad_report_names_its_line_and_column_and_enqueues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let report = dir.path().join("chargebacks.csv");
    std::fs::write(
        &report,
        format!("{REPORT}CB-3,1,12.345,,,12/01/2026,Open,\n"),
    )
    .unwrap();
    let out = chargeback(&path, &["import", "--file", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("report.line 4.\"Amount\""), "{err}");
    std::fs::write(&report, "Case Number,Amount,Date\nCB-1,1.00,12/01/2026\n").unwrap();
    let out = chargeback(&path, &["import", "--file", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("column \"Transaction ID\""), "{err}");
    assert!(jobs(&path).is_empty());
}

#[test]
fn a_record_enqueues_the_case_and_wrong_flags_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path());
    let args = [
        "record",
        "--transaction",
        "125391271",
        "--case",
        "CB-9",
        "--amount",
        "25.00",
        "--currency",
        "USD",
        "--reason",
        "10.4 Fraud",
        "--stage",
        "lost",
        "--date",
        "2026-12-01",
    ];
    for _ in 0..2 {
        let out = chargeback(&path, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).trim(),
            format!("paytrace/{ACCOUNT}/dispute/CB-9")
        );
    }
    let jobs = jobs(&path);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1["stage"], "lost");
    assert_eq!(jobs[0].1["date"], "2026-12-01");

    for (flag, value, named) in [
        ("--amount", "25.001", "--amount"),
        ("--currency", "EUR", "--currency"),
        ("--stage", "appealed", "--stage"),
        ("--case", " ", "--case"),
    ] {
        let mut args = args.to_vec();
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let out = chargeback(&path, &args);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = text(&out.stderr);
        assert!(err.contains(named), "{flag}: {err}");
    }
}

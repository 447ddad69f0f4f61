//! `payops reconcile stripe`: what it needs before it calls Stripe.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

#[test]
fn a_missing_secret_key_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args([
            "reconcile",
            "stripe",
            "--payout",
            "po_1",
            "--account",
            "acct_1",
        ])
        .arg("--out")
        .arg(dir.path().join("report"))
        .arg("--ledger")
        .arg(dir.path().join("ledger.sqlite"))
        .env_remove("STRIPE_SECRET_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("STRIPE_SECRET_KEY is not set"), "{stderr}");
    assert!(!dir.path().join("report").exists());
    assert!(
        !dir.path().join("ledger.sqlite").exists(),
        "no ledger opened"
    );
}

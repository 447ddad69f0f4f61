//! `payops subscription create` run as a user runs it: its errors before anything is called
//! (the flag named, exit 2).
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output};

fn create(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["subscription", "create"])
        .args(args)
        .env_remove("PAYOPS_CONFIG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_bad_price_or_a_missing_flag_exits_two_naming_it() {
    let out = create(&[
        "--config",
        "payops.toml",
        "--customer",
        "42",
        "--price",
        "price_coffee:0",
        "--idempotency-key",
        "k",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--price"),
        "{}",
        text(&out.stderr)
    );

    let out = create(&[
        "--config",
        "payops.toml",
        "--customer",
        "42",
        "--price",
        "p",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--idempotency-key"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_config_file_exits_two_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("absent.toml");
    let out = create(&[
        "--config",
        config.to_str().unwrap(),
        "--customer",
        "42",
        "--price",
        "price_coffee:2",
        "--idempotency-key",
        "sub-42",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("absent.toml"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn a_blank_idempotency_key_exits_two_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("absent.toml");
    let out = create(&[
        "--config",
        config.to_str().unwrap(),
        "--customer",
        "42",
        "--price",
        "price_coffee",
        "--idempotency-key",
        " ",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--idempotency-key"),
        "{}",
        text(&out.stderr)
    );
}

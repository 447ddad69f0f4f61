//! `payops reconcile paytrace` against the PayTrace fake and a ledger file, as an operator runs
//! it after the nightly batch.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use erp::{CurrencyCode, Customer, Erp, Gateway, Invoice, LineItem, LocalLedger, Money, Payment};
use paytrace::Decimal;
use sandbox::paytrace::{Address, PaytraceFake};
use sandbox::{Faults, Running};
use secrecy::SecretString;

const VISA: &str = "4012000098765439";

fn usd() -> CurrencyCode {
    CurrencyCode::new("USD").unwrap()
}

/// Books invoice `reference` of `minor` cents and, when `transaction` is given, its PayTrace
/// payment.
async fn book(ledger: &LocalLedger, reference: &str, minor: i64, transaction: Option<&str>) {
    let today = time::OffsetDateTime::now_utc().date();
    let invoice = Invoice {
        external_ref: reference.into(),
        customer_ref: "c1".into(),
        sales_order_ref: None,
        invoice_date: today,
        due_date: today,
        currency: usd(),
        lines: vec![LineItem {
            sku: "S".into(),
            description: "item".into(),
            quantity: 1,
            unit_price: Money::new(minor, usd()),
        }],
        tax: Money::new(0, usd()),
        shipping: Money::new(0, usd()),
    };
    ledger.create_invoice(&invoice).await.unwrap();
    if let Some(transaction) = transaction {
        let payment = Payment {
            external_ref: format!("paytrace/acct-1/txn/{transaction}"),
            invoice_ref: reference.into(),
            direction: erp::PaymentDirection::Received,
            gateway: Gateway::new("paytrace").unwrap(),
            transaction_id: transaction.into(),
            amount: Money::new(minor, usd()),
            fee: None,
            date: today,
        };
        ledger.post_payment(&payment).await.unwrap();
    }
}

fn payops(paytrace: &Running<PaytraceFake>, ledger: &Path, out: &Path) -> Output {
    let today = time::OffsetDateTime::now_utc().date();
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["reconcile", "paytrace", "--date", &today.to_string()])
        .arg("--out")
        .arg(out)
        .arg("--ledger")
        .arg(ledger)
        .env("PAYTRACE_ENV", paytrace.base_url().as_str())
        .env("PAYTRACE_USERNAME", paytrace.fake.username())
        .env("PAYTRACE_PASSWORD", paytrace.fake.password())
        .env("PAYTRACE_INTEGRATOR_ID", paytrace.fake.integrator_id())
        .env("PAYTRACE_ACCOUNT", "acct-1")
        .env_remove("PAYOPS_LEDGER")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_batch_is_reconciled_and_booked_once() {
    let paytrace = Running::start(PaytraceFake::new(), &Faults::with_seed(1))
        .await
        .unwrap();
    let client = paytrace::Client::builder(
        paytrace.fake.username(),
        SecretString::from(paytrace.fake.password().to_owned()),
    )
    .base_url(paytrace.base_url().as_str())
    .integrator_id(paytrace.fake.integrator_id())
    .build()
    .unwrap();
    let billing = Address {
        name: Some("Sandbox Buyer".to_owned()),
        street_address: Some("8320 E. West St.".to_owned()),
        zip: Some("85284".to_owned()),
        ..Address::default()
    };
    assert!(
        paytrace
            .fake
            .seed_customer("vault-1", VISA, 12, 2035, billing)
    );
    let mut sales = Vec::new();
    for amount in ["25.00", "40.00"] {
        let request = paytrace::CustomerRequest::new("vault-1", amount.parse::<Decimal>().unwrap());
        let sale = client.sale_by_customer(&request).await.unwrap();
        sales.push(sale.transaction_id.unwrap().to_string());
    }
    let batch = paytrace.fake.settle_now().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    {
        // The books have the first sale only.
        let ledger = LocalLedger::open(&path).await.unwrap();
        let customer = Customer {
            external_ref: "c1".into(),
            name: "Ada".into(),
            email: None,
            vault_ids: Vec::new(),
        };
        ledger.upsert_customer(&customer).await.unwrap();
        book(&ledger, "inv1", 2_500, Some(&sales[0])).await;
        book(&ledger, "inv2", 4_000, None).await;
    }

    let out = dir.path().join("report");
    let first = payops(&paytrace, &path, &out);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let journal = format!("journal paytrace/acct-1/settlement/{batch}");
    assert!(stdout.contains(&format!("{journal} booked")), "{stdout}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains("\nmatched,USD,1,2500,2500,0,0\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\nmissing_in_ledger,USD,1,4000,0,4000,0\n"),
        "{summary}"
    );
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(
        results.contains(&format!("missing_in_ledger,none,{},", sales[1])),
        "{results}"
    );

    // Run again: the same report, the journal not booked twice.
    let second = payops(&paytrace, &path, &out);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stdout.contains(&format!("{journal} already booked")),
        "{stdout}"
    );
    let ledger = LocalLedger::open(&path).await.unwrap();
    let trial = ledger.trial_balance().await.unwrap();
    let balance = |code: &str| {
        trial
            .iter()
            .find(|l| l.code == code)
            .map_or(0, |l| l.balance)
    };
    assert_eq!(balance("1000"), 6_500, "the deposit, once");
    // The sale the books lack left the clearing account short by its amount.
    assert_eq!(balance("1200-paytrace"), 2_500 - 6_500);
}

#[tokio::test]
async fn missing_credentials_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args([
            "reconcile",
            "paytrace",
            "--date",
            "2026-12-01",
            "--account",
            "a",
        ])
        .arg("--out")
        .arg(dir.path().join("report"))
        .arg("--ledger")
        .arg(dir.path().join("ledger.sqlite"))
        .env_remove("PAYTRACE_USERNAME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PAYTRACE_USERNAME is not set"), "{stderr}");
    assert!(!dir.path().join("report").exists());
}

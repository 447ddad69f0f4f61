//! Property tests: any sequence of operations keeps every journal balanced and, per currency,
//! receivables equal to invoices − credits − payments received + refunds paid; on SQLite and on
//! PostgreSQL (a fresh database of the shared cluster per case).

use erp::{
    Account, CreditMemo, CurrencyCode, Dispute, DisputeStage, Erp, Error, Gateway, JournalEntry,
    JournalLine, LocalLedger, Money, PaymentDirection, Side,
};
use proptest::prelude::*;

use super::ledger::Backend;
use super::{customer, day, invoice, payment};

#[derive(Debug, Clone)]
enum Op {
    Invoice {
        n: u8,
    },
    Pay {
        inv: u8,
        minor: i64,
        fee: i64,
        paytrace: bool,
    },
    Refund {
        inv: u8,
        minor: i64,
    },
    Credit {
        inv: u8,
        minor: i64,
    },
    Entry {
        debit: i64,
        credit: i64,
    },
    Dispute {
        minor: i64,
        fee: i64,
        stage: u8,
    },
    Replay {
        which: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6).prop_map(|n| Op::Invoice { n }),
        (0u8..6, 1i64..5000, 0i64..200, any::<bool>()).prop_map(|(inv, minor, fee, paytrace)| {
            Op::Pay {
                inv,
                minor,
                fee,
                paytrace,
            }
        }),
        (0u8..6, 1i64..3000).prop_map(|(inv, minor)| Op::Refund { inv, minor }),
        (0u8..6, 1i64..4000).prop_map(|(inv, minor)| Op::Credit { inv, minor }),
        (1i64..3000, 1i64..3000).prop_map(|(debit, credit)| Op::Entry { debit, credit }),
        (1i64..3000, 0i64..1500, 0u8..3).prop_map(|(minor, fee, stage)| Op::Dispute {
            minor,
            fee,
            stage
        }),
        (0u8..40).prop_map(|which| Op::Replay { which }),
    ]
}

/// Odd invoices are in euros, even ones in dollars.
fn currency(n: u8) -> CurrencyCode {
    CurrencyCode::new(if n % 2 == 1 { "EUR" } else { "USD" }).unwrap()
}

fn assert_rejection(result: Result<erp::Recorded, Error>) {
    // Rejections are expected (overpayment, missing invoice, unbalanced entry...); anything
    // else, like a storage error, is a bug.
    if let Err(e) = result {
        assert!(
            matches!(
                e,
                Error::InvalidDocument(_) | Error::NotFound { .. } | Error::Unbalanced { .. }
            ),
            "{e:?}"
        );
    }
}

async fn apply(l: &LocalLedger, ops: &[Op]) {
    let mut payments = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let r = format!("op{i}");
        match op {
            Op::Invoice { n } => {
                let mut inv = invoice(&format!("inv{n}"), "c1");
                let cur = currency(*n);
                inv.currency = cur;
                inv.lines[0].unit_price.currency = cur;
                inv.tax.currency = cur;
                inv.shipping.currency = cur;
                assert_rejection(l.create_invoice(&inv).await);
            }
            Op::Pay {
                inv,
                minor,
                fee,
                paytrace,
            } => {
                let mut p = payment(&r, &format!("inv{inv}"), *minor, (*fee).min(*minor));
                p.amount.currency = currency(*inv);
                p.fee = p.fee.map(|f| Money::new(f.minor, currency(*inv)));
                if *paytrace {
                    p.gateway = Gateway::new("paytrace").unwrap();
                }
                assert_rejection(l.post_payment(&p).await);
                payments.push(p);
            }
            Op::Refund { inv, minor } => {
                let mut p = payment(&r, &format!("inv{inv}"), *minor, 0);
                p.amount.currency = currency(*inv);
                p.fee = None;
                p.direction = PaymentDirection::Refunded;
                assert_rejection(l.post_payment(&p).await);
                payments.push(p);
            }
            Op::Credit { inv, minor } => {
                let m = CreditMemo {
                    external_ref: r,
                    invoice_ref: format!("inv{inv}"),
                    date: day(3),
                    amount: Money::new(*minor, currency(*inv)),
                    reason: "refund".into(),
                };
                assert_rejection(l.create_credit_memo(&m).await);
            }
            Op::Entry { debit, credit } => {
                let usd = currency(0);
                let e = JournalEntry {
                    external_ref: r,
                    date: day(4),
                    memo: "adjustment".into(),
                    lines: vec![
                        JournalLine {
                            account: Account::Bank,
                            side: Side::Debit,
                            amount: Money::new(*debit, usd),
                            label: None,
                        },
                        JournalLine {
                            account: Account::GatewayFees,
                            side: Side::Credit,
                            amount: Money::new(*credit, usd),
                            label: None,
                        },
                    ],
                };
                let result = l.post_journal_entry(&e).await;
                assert_eq!(result.is_ok(), debit == credit, "{result:?}");
                assert_rejection(result);
            }
            Op::Dispute { minor, fee, stage } => {
                let d = Dispute {
                    external_ref: r,
                    payment_ref: None,
                    gateway: Gateway::new("stripe").unwrap(),
                    dispute_id: format!("dp_{i}"),
                    stage: [DisputeStage::Opened, DisputeStage::Won, DisputeStage::Lost]
                        [usize::from(*stage)],
                    amount: Money::new(*minor, currency(1)),
                    fee: Some(Money::new(*fee, currency(1))),
                    reason: "fraudulent".into(),
                    date: day(5),
                };
                assert_rejection(l.record_dispute(&d).await);
            }
            Op::Replay { which } => {
                if !payments.is_empty() {
                    let p = &payments[usize::from(*which) % payments.len()];
                    assert_rejection(l.post_payment(p).await);
                }
            }
        }
    }
}

/// Applies `ops` to a new ledger on `backend` and checks the invariants.
fn invariants_hold(backend: Backend, ops: &[Op]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let l = backend.ledger().await;
        l.upsert_customer(&customer("c1")).await.unwrap();
        apply(&l, ops).await;
        l.verify_journals().await.unwrap();
        let tb = l.trial_balance().await.unwrap();
        let open = l.open_receivables().await.unwrap();
        for check in l.receivables_check().await.unwrap() {
            let cur = check.currency;
            let lines = tb.iter().filter(|r| r.currency == cur);
            assert_eq!(
                lines.clone().map(|r| r.debit).sum::<i64>(),
                lines.map(|r| r.credit).sum::<i64>()
            );
            assert!(check.is_consistent(), "{check:?}");
            let ar: i64 = tb
                .iter()
                .filter(|r| r.code == "1100" && r.currency == cur)
                .map(|r| r.balance)
                .sum();
            assert_eq!(check.ledger_balance, ar);
            // Open invoices cover the receivables; customer credits only lower the total.
            let open_sum: i64 = open
                .iter()
                .filter(|r| r.open.currency == cur)
                .map(|r| r.open.minor)
                .sum();
            assert!(open_sum >= ar);
            assert!(
                open.iter()
                    .all(|r| r.open.minor > 0 && r.open.minor <= r.total.minor)
            );
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn ledger_invariants_hold_on_sqlite(ops in proptest::collection::vec(op(), 1..40)) {
        invariants_hold(Backend::Sqlite, &ops);
    }
}

#[cfg(feature = "postgres")]
proptest! {
    // Fewer cases: each creates a database.
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn ledger_invariants_hold_on_postgres(ops in proptest::collection::vec(op(), 1..40)) {
        invariants_hold(Backend::Postgres, &ops);
    }
}

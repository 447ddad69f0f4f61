//! Recurring billing in the ledger, on both backends: billing invoices with deferred lines,
//! revenue recognition (daily and month end, to the cent), write-offs, voids, the deferred
//! revenue schedule and contracts.

use erp::ledger::TrialBalanceLine;
use erp::{
    BillingInterval, BillingInvoice, BillingLine, Contract, ContractItem, ContractStatus,
    CreditMemo, CurrencyCode, DocumentKind, Erp, Error, InvoiceVoid, LocalLedger, Money,
    RecognitionSchedule, ServicePeriod, WriteOff, WriteOffReversal,
};
use time::Date;
use time::macros::date;

pub(crate) use super::ledger::Backend;
use super::{customer, payment, usd};

fn jpy() -> CurrencyCode {
    CurrencyCode::new("JPY").unwrap()
}

fn period(start: Date, end: Date) -> Option<ServicePeriod> {
    Some(ServicePeriod { start, end })
}

/// A line of `minor` in `currency` for `period`, no discount.
fn line(minor: i64, currency: CurrencyCode, period: Option<ServicePeriod>) -> BillingLine {
    BillingLine {
        product: "price_pro".into(),
        description: "Pro plan".into(),
        quantity: 1,
        unit_price: Money::new(minor, currency),
        discount: Money::zero(currency),
        period,
        proration: false,
    }
}

/// A billing invoice of customer `c1` dated 1 November 2026.
fn billing(r: &str, currency: CurrencyCode, lines: Vec<BillingLine>, tax: i64) -> BillingInvoice {
    BillingInvoice {
        external_ref: r.into(),
        customer_ref: "c1".into(),
        contract_ref: Some("sub1".into()),
        invoice_date: date!(2026 - 11 - 01),
        due_date: date!(2026 - 11 - 15),
        currency,
        lines,
        tax: Money::new(tax, currency),
    }
}

const NOVEMBER: (Date, Date) = (date!(2026 - 11 - 01), date!(2026 - 12 - 01));

async fn ledger(b: Backend) -> LocalLedger {
    let l = b.ledger().await;
    l.upsert_customer(&customer("c1")).await.unwrap();
    l
}

fn balance(tb: &[TrialBalanceLine], code: &str, currency: &str) -> i64 {
    tb.iter()
        .find(|l| l.code == code && l.currency.as_str() == currency)
        .map_or(0, |l| l.balance)
}

/// The receivables agree with the documents, every journal balances and each currency's
/// trial balance sums to zero.
async fn books_are_consistent(l: &LocalLedger) {
    l.verify_journals().await.unwrap();
    for check in l.receivables_check().await.unwrap() {
        assert!(check.is_consistent(), "{check:?}");
    }
    let tb = l.trial_balance().await.unwrap();
    for cur in ["USD", "JPY"] {
        let sum: i64 = tb
            .iter()
            .filter(|t| t.currency.as_str() == cur)
            .map(|t| t.balance)
            .sum();
        assert_eq!(sum, 0, "{cur}");
    }
}

/// The amounts recognised by a run, in order.
async fn recognize(l: &LocalLedger, through: Date, schedule: RecognitionSchedule) -> Vec<i64> {
    l.recognize_revenue(through, schedule)
        .await
        .unwrap()
        .iter()
        .map(|r| r.amount.minor)
        .collect()
}

async fn billing_invoice_posts_deferred_and_immediate_revenue(b: Backend) {
    let l = ledger(b).await;
    let (s, e) = NOVEMBER;
    let inv = billing(
        "in1",
        usd(),
        vec![
            line(10_000, usd(), period(s, e)),
            BillingLine {
                discount: Money::new(500, usd()),
                quantity: 3,
                ..line(1_000, usd(), None)
            },
        ],
        1_000,
    );
    let rec = l.create_billing_invoice(&inv).await.unwrap();
    assert!(rec.created);
    assert_eq!(rec.document.kind, DocumentKind::Invoice);
    assert!(!l.create_billing_invoice(&inv).await.unwrap().created);
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1100", "USD"), 13_500);
    assert_eq!(balance(&tb, "2400", "USD"), -10_000);
    assert_eq!(balance(&tb, "4000", "USD"), -2_500);
    assert_eq!(balance(&tb, "2200", "USD"), -1_000);
    // An invoice like the others: open, paid in part, credited.
    let open = l.open_receivables().await.unwrap();
    assert_eq!(open[0].total.minor, 13_500);
    l.post_payment(&payment("p1", "in1", 3_500, 100))
        .await
        .unwrap();
    l.create_credit_memo(&CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "in1".into(),
        date: s,
        amount: Money::new(1_000, usd()),
        reason: "goodwill".into(),
    })
    .await
    .unwrap();
    assert_eq!(l.open_receivables().await.unwrap()[0].open.minor, 9_000);
    // The memo released 10.00 of deferred revenue not yet recognised (none was).
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), -9_000);
    assert_eq!(balance(&tb, "4900", "USD"), 0);
    books_are_consistent(&l).await;

    // A proration credit debits deferred revenue; the invoice's total stays positive.
    let upgrade = billing(
        "in2",
        usd(),
        vec![
            BillingLine {
                proration: true,
                ..line(-3_000, usd(), period(date!(2026 - 11 - 16), e))
            },
            line(5_000, usd(), period(date!(2026 - 11 - 16), e)),
        ],
        0,
    );
    l.create_billing_invoice(&upgrade).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), -11_000);
    books_are_consistent(&l).await;
}

async fn bad_billing_invoices_are_refused_naming_the_field(b: Backend) {
    let l = ledger(b).await;
    let (s, e) = NOVEMBER;
    let cases: Vec<(BillingInvoice, &str)> = vec![
        (billing("x1", usd(), vec![], 0), "without lines"),
        (
            billing("x2", usd(), vec![line(100, usd(), period(e, s))], 0),
            "lines[0].period",
        ),
        (
            billing("x3", usd(), vec![line(100, usd(), period(s, s))], 0),
            "lines[0].period",
        ),
        (
            billing(
                "x4",
                usd(),
                vec![BillingLine {
                    discount: Money::new(-1, usd()),
                    ..line(100, usd(), None)
                }],
                0,
            ),
            "lines[0].discount",
        ),
        (
            billing("x5", usd(), vec![line(-100, usd(), None)], 0),
            "invoice total",
        ),
        (
            billing("x6", usd(), vec![line(100, usd(), None)], -1),
            "tax",
        ),
        (
            billing("x9", usd(), vec![line(i64::MIN, usd(), None)], 0),
            "lines[0] overflows",
        ),
        (
            billing(
                "x10",
                usd(),
                vec![BillingLine {
                    quantity: 2,
                    ..line(i64::MAX, usd(), None)
                }],
                0,
            ),
            "overflows",
        ),
    ];
    for (inv, field) in cases {
        let err = l.create_billing_invoice(&inv).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidDocument(m) if m.contains(field)),
            "{field}: {err}"
        );
    }
    let err = l
        .create_billing_invoice(&billing("x7", usd(), vec![line(100, jpy(), None)], 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CurrencyMismatch { .. }), "{err}");
    let mut unknown = billing("x8", usd(), vec![line(100, usd(), None)], 0);
    unknown.customer_ref = "nobody".into();
    let err = l.create_billing_invoice(&unknown).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "customer",
                ..
            }
        ),
        "{err}"
    );
    assert!(l.open_receivables().await.unwrap().is_empty());
    assert!(l.trial_balance().await.unwrap().is_empty());
}

/// 100.00 over November's 30 days: 33.33 a day by the floors, the last day takes the rest.
async fn a_month_is_recognised_daily_to_the_cent_and_idempotently(b: Backend) {
    let l = ledger(b).await;
    let (s, e) = NOVEMBER;
    l.create_billing_invoice(&billing(
        "in1",
        usd(),
        vec![line(10_000, usd(), period(s, e))],
        0,
    ))
    .await
    .unwrap();
    // Nothing before the period starts.
    assert!(
        recognize(&l, date!(2026 - 10 - 31), RecognitionSchedule::Daily)
            .await
            .is_empty()
    );
    let first = l
        .recognize_revenue(s, RecognitionSchedule::Daily)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].amount.minor, 333);
    assert_eq!(first[0].invoice_ref, "in1");
    assert_eq!(first[0].line_no, 0);
    assert_eq!((first[0].first_day, first[0].last_day), (s, s));
    assert_eq!(first[0].document.kind, DocumentKind::Recognition);
    assert_eq!(
        first[0].document.external_ref,
        "in1/line/0/recognized/2026-11-01/2026-11-01"
    );
    assert_eq!(
        l.find_by_external_ref(&first[0].document.external_ref)
            .await
            .unwrap()
            .unwrap(),
        first[0].document
    );
    // floor(10000 × 15 / 30) = 5000: 4667 more.
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 15), RecognitionSchedule::Daily).await,
        [4_667]
    );
    // Twice, or for an earlier day: nothing new.
    assert!(
        recognize(&l, date!(2026 - 11 - 15), RecognitionSchedule::Daily)
            .await
            .is_empty()
    );
    assert!(
        recognize(&l, date!(2026 - 11 - 03), RecognitionSchedule::Daily)
            .await
            .is_empty()
    );
    // floor(10000 × 29 / 30) = 9666; then the last day takes 334.
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 29), RecognitionSchedule::Daily).await,
        [4_666]
    );
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::Daily).await,
        [334]
    );
    assert!(
        recognize(&l, date!(2027 - 06 - 30), RecognitionSchedule::Daily)
            .await
            .is_empty()
    );
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), 0);
    assert_eq!(balance(&tb, "4000", "USD"), -10_000);
    books_are_consistent(&l).await;
}

/// Month-end recognition of a 31-day month, February, a period across a month boundary, a
/// JPY line and a 99.99 that does not divide by 28: each line's pieces sum to it exactly.
async fn month_end_recognition_splits_every_line_exactly(b: Backend) {
    let l = ledger(b).await;
    let inv = billing(
        "in1",
        usd(),
        vec![
            line(
                10_000,
                usd(),
                period(date!(2026 - 12 - 01), date!(2027 - 01 - 01)),
            ),
            line(
                9_999,
                usd(),
                period(date!(2027 - 02 - 01), date!(2027 - 03 - 01)),
            ),
            line(
                3_000,
                usd(),
                period(date!(2026 - 11 - 15), date!(2026 - 12 - 15)),
            ),
        ],
        0,
    );
    l.create_billing_invoice(&inv).await.unwrap();
    l.create_billing_invoice(&billing(
        "in-jpy",
        jpy(),
        vec![line(1_000, jpy(), period(NOVEMBER.0, NOVEMBER.1))],
        0,
    ))
    .await
    .unwrap();
    let month_end = RecognitionSchedule::MonthEnd;
    // 10 December recognises through 30 November: 16 of the 30 days of the boundary line
    // (floor(3000 × 16 / 30) = 1600) and the whole JPY month.
    let nov = l
        .recognize_revenue(date!(2026 - 12 - 10), month_end)
        .await
        .unwrap();
    let got: Vec<_> = nov
        .iter()
        .map(|r| {
            (
                r.invoice_ref.as_str(),
                r.line_no,
                r.amount,
                r.first_day,
                r.last_day,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "in1",
                2,
                Money::new(1_600, usd()),
                date!(2026 - 11 - 15),
                date!(2026 - 11 - 30)
            ),
            (
                "in-jpy",
                0,
                Money::new(1_000, jpy()),
                date!(2026 - 11 - 01),
                date!(2026 - 11 - 30)
            ),
        ]
    );
    // The same month end again (30 November itself, or any day of December): nothing.
    assert!(
        recognize(&l, date!(2026 - 11 - 30), month_end)
            .await
            .is_empty()
    );
    assert!(
        recognize(&l, date!(2026 - 12 - 30), month_end)
            .await
            .is_empty()
    );
    // 31 December: the 31-day month whole and the boundary line's rest.
    assert_eq!(
        recognize(&l, date!(2026 - 12 - 31), month_end).await,
        [10_000, 1_400]
    );
    // February, daily to the 10th: floor(9999 × 10 / 28) = 3571; then its month end.
    assert_eq!(
        recognize(&l, date!(2027 - 02 - 10), RecognitionSchedule::Daily).await,
        [3_571]
    );
    assert_eq!(
        recognize(&l, date!(2027 - 03 - 05), month_end).await,
        [6_428]
    );
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), 0);
    assert_eq!(balance(&tb, "4000", "USD"), -22_999);
    assert_eq!(balance(&tb, "2400", "JPY"), 0);
    assert_eq!(balance(&tb, "4000", "JPY"), -1_000);
    books_are_consistent(&l).await;
}

async fn a_paid_invoice_cannot_be_written_off_or_voided(b: Backend) {
    let l = ledger(b).await;
    l.create_billing_invoice(&billing("in1", usd(), vec![line(3_740, usd(), None)], 0))
        .await
        .unwrap();
    l.post_payment(&payment("p1", "in1", 3_740, 100))
        .await
        .unwrap();
    let err = l.write_off(&write_off("w1", "in1")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("nothing open")),
        "{err}"
    );
    let err = l.void_invoice(&void("v1", "in1")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("payments")),
        "{err}"
    );
    let err = l.write_off(&write_off("w2", "nope")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "invoice",
                ..
            }
        ),
        "{err}"
    );
    let err = l.write_off(&write_off("", "in1")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
    assert_eq!(l.find_by_external_ref("w1").await.unwrap(), None);
    books_are_consistent(&l).await;
}

fn write_off(r: &str, invoice_ref: &str) -> WriteOff {
    WriteOff {
        external_ref: r.into(),
        invoice_ref: invoice_ref.into(),
        date: date!(2026 - 12 - 20),
        reason: "marked uncollectible".into(),
    }
}

fn void(r: &str, invoice_ref: &str) -> InvoiceVoid {
    InvoiceVoid {
        external_ref: r.into(),
        invoice_ref: invoice_ref.into(),
        date: date!(2026 - 11 - 20),
        reason: "voided".into(),
    }
}

async fn write_off_moves_the_open_amount_to_bad_debts_once(b: Backend) {
    let l = ledger(b).await;
    l.create_billing_invoice(&billing(
        "in1",
        usd(),
        vec![line(10_000, usd(), period(NOVEMBER.0, NOVEMBER.1))],
        800,
    ))
    .await
    .unwrap();
    l.post_payment(&payment("p1", "in1", 3_000, 100))
        .await
        .unwrap();
    let rec = l.write_off(&write_off("w1", "in1")).await.unwrap();
    assert!(rec.created);
    assert_eq!(rec.document.kind, DocumentKind::WriteOff);
    assert!(!l.write_off(&write_off("w1", "in1")).await.unwrap().created);
    let err = l.write_off(&write_off("w2", "in1")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("written off already")),
        "{err}"
    );
    let err = l.void_invoice(&void("v1", "in1")).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidDocument(_)), "{err}");
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "6300", "USD"), 7_800);
    assert_eq!(balance(&tb, "1100", "USD"), 0);
    assert!(l.open_receivables().await.unwrap().is_empty());
    // Nothing is open: a later payment is an overpayment.
    let err = l
        .post_payment(&payment("p2", "in1", 100, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
    // Its deferred revenue is still earned over the period.
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd).await,
        [10_000]
    );
    books_are_consistent(&l).await;
}

fn reversal(r: &str, write_off_ref: &str) -> WriteOffReversal {
    WriteOffReversal {
        external_ref: r.into(),
        write_off_ref: write_off_ref.into(),
        date: date!(2026 - 12 - 20),
        reason: "paid after all".into(),
    }
}

/// An invoice paid after its write-off: the write-off reversed once, the payment booked, bad
/// debts back to zero; or voided after it: the void takes the whole invoice back.
async fn a_reversed_write_off_opens_the_invoice_for_its_payment_or_its_void(b: Backend) {
    let l = ledger(b).await;
    for r in ["in1", "in2"] {
        l.create_billing_invoice(&billing(
            r,
            usd(),
            vec![line(10_000, usd(), period(NOVEMBER.0, NOVEMBER.1))],
            800,
        ))
        .await
        .unwrap();
    }
    l.post_payment(&payment("p1", "in1", 3_000, 100))
        .await
        .unwrap();
    l.write_off(&write_off("w1", "in1")).await.unwrap();
    l.write_off(&write_off("w2", "in2")).await.unwrap();
    let err = l
        .reverse_write_off(&reversal("r0", "nope"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    let rec = l.reverse_write_off(&reversal("r1", "w1")).await.unwrap();
    assert_eq!(
        (rec.document.kind, rec.created),
        (DocumentKind::WriteOffReversal, true)
    );
    assert!(
        !l.reverse_write_off(&reversal("r1", "w1"))
            .await
            .unwrap()
            .created
    );
    let err = l
        .reverse_write_off(&reversal("r1-again", "w1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("reversed already")),
        "{err}"
    );
    let open = l.open_receivables().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].invoice.external_ref.as_str(), open[0].open.minor),
        ("in1", 7_800)
    );
    l.post_payment(&payment("p2", "in1", 7_800, 200))
        .await
        .unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(
        balance(&tb, "6300", "USD"),
        10_800,
        "only in2's write-off is left"
    );

    // in2 voided after its write-off: reversed first, then voided: nothing in bad debts,
    // receivables or revenue from it.
    let err = l.void_invoice(&void("v2", "in2")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
    l.reverse_write_off(&reversal("r2", "w2")).await.unwrap();
    l.void_invoice(&void("v2", "in2")).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "6300", "USD"), 0);
    assert_eq!(balance(&tb, "1100", "USD"), 0);
    assert!(l.open_receivables().await.unwrap().is_empty());
    books_are_consistent(&l).await;
}

async fn void_reverses_everything_including_partial_recognition(b: Backend) {
    let l = ledger(b).await;
    l.create_billing_invoice(&billing(
        "in1",
        usd(),
        vec![
            line(10_000, usd(), period(NOVEMBER.0, NOVEMBER.1)),
            line(2_000, usd(), None),
        ],
        960,
    ))
    .await
    .unwrap();
    // A plain invoice beside it, left alone.
    l.create_invoice(&super::invoice("inv-plain", "c1"))
        .await
        .unwrap();
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 10), RecognitionSchedule::Daily).await,
        [3_333]
    );
    let rec = l.void_invoice(&void("v1", "in1")).await.unwrap();
    assert!(rec.created);
    assert_eq!(rec.document.kind, DocumentKind::Void);
    assert!(!l.void_invoice(&void("v1", "in1")).await.unwrap().created);
    let err = l.void_invoice(&void("v2", "in1")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("voided already")),
        "{err}"
    );
    let err = l.write_off(&write_off("w1", "in1")).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidDocument(_)), "{err}");
    let tb = l.trial_balance().await.unwrap();
    // Only the plain invoice is left: 30.00 revenue, 2.40 tax, 5.00 shipping, 37.40 receivable.
    assert_eq!(balance(&tb, "1100", "USD"), 3_740);
    assert_eq!(balance(&tb, "2400", "USD"), 0);
    assert_eq!(balance(&tb, "4000", "USD"), -3_000);
    assert_eq!(balance(&tb, "2200", "USD"), -240);
    // The voided line stops recognising.
    assert!(
        recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::Daily)
            .await
            .is_empty()
    );
    let open = l.open_receivables().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].invoice.external_ref, "inv-plain");
    let err = l
        .post_payment(&payment("p1", "in1", 100, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
    // An invoice with a credit memo is not voided.
    l.create_credit_memo(&CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv-plain".into(),
        date: NOVEMBER.0,
        amount: Money::new(500, usd()),
        reason: "shipping".into(),
    })
    .await
    .unwrap();
    let err = l.void_invoice(&void("v3", "inv-plain")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("credit memos")),
        "{err}"
    );
    books_are_consistent(&l).await;
}

async fn revenue_schedule_shows_each_months_movements(b: Backend) {
    let l = ledger(b).await;
    let mut inv = billing(
        "in1",
        usd(),
        vec![line(
            3_000,
            usd(),
            period(date!(2026 - 11 - 15), date!(2026 - 12 - 15)),
        )],
        0,
    );
    inv.invoice_date = date!(2026 - 11 - 15);
    l.create_billing_invoice(&inv).await.unwrap();
    l.create_billing_invoice(&billing(
        "in-jpy",
        jpy(),
        vec![line(1_000, jpy(), period(NOVEMBER.0, NOVEMBER.1))],
        0,
    ))
    .await
    .unwrap();
    // A December invoice voided in December after 10 days recognised.
    let mut dec = billing(
        "in2",
        usd(),
        vec![line(
            6_200,
            usd(),
            period(date!(2026 - 12 - 01), date!(2027 - 01 - 01)),
        )],
        0,
    );
    dec.invoice_date = date!(2026 - 12 - 01);
    l.create_billing_invoice(&dec).await.unwrap();
    recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd).await;
    assert_eq!(
        recognize(&l, date!(2026 - 12 - 10), RecognitionSchedule::Daily).await,
        [1_000, 2_000]
    );
    l.void_invoice(&VoidOn(date!(2026 - 12 - 12)).void("v2", "in2"))
        .await
        .unwrap();
    recognize(&l, date!(2026 - 12 - 31), RecognitionSchedule::MonthEnd).await;

    let rows = l
        .revenue_schedule(date!(2026 - 11 - 20), date!(2027 - 01 - 05))
        .await
        .unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.month,
                r.currency.as_str(),
                r.opening,
                r.opened,
                r.recognized,
                r.adjusted,
                r.closing,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (date!(2026 - 11 - 01), "JPY", 0, 1_000, 1_000, 0, 0),
            (date!(2026 - 11 - 01), "USD", 0, 3_000, 1_600, 0, 1_400),
            (date!(2026 - 12 - 01), "JPY", 0, 0, 0, 0, 0),
            // Opened 62.00; recognised 10.00 of the boundary line, then its last 4.00, and
            // 20.00 of the voided one; the void takes back its 42.00 still deferred.
            (date!(2026 - 12 - 01), "USD", 1_400, 6_200, 3_400, -4_200, 0),
            (date!(2027 - 01 - 01), "JPY", 0, 0, 0, 0, 0),
            (date!(2027 - 01 - 01), "USD", 0, 0, 0, 0, 0),
        ]
    );
    // Opening balances count the months before `from`.
    let dec_only = l
        .revenue_schedule(date!(2026 - 12 - 01), date!(2026 - 12 - 31))
        .await
        .unwrap();
    assert_eq!(dec_only.len(), 2);
    assert_eq!(dec_only[1].opening, 1_400);
    let err = l
        .revenue_schedule(date!(2026 - 12 - 01), date!(2026 - 11 - 01))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
    books_are_consistent(&l).await;
}

/// A void dated `.0`.
struct VoidOn(Date);

impl VoidOn {
    fn void(&self, r: &str, invoice_ref: &str) -> InvoiceVoid {
        InvoiceVoid {
            date: self.0,
            ..void(r, invoice_ref)
        }
    }
}

fn contract(status: ContractStatus) -> Contract {
    Contract {
        external_ref: "sub1".into(),
        customer_ref: "c1".into(),
        currency: usd(),
        items: vec![ContractItem {
            product: "price_pro".into(),
            description: "Pro plan".into(),
            quantity: 2,
            unit_price: Money::new(2_000, usd()),
            interval: BillingInterval::Month,
            interval_count: 1,
        }],
        status,
        start_date: NOVEMBER.0,
        current_period: period(NOVEMBER.0, NOVEMBER.1),
        cancel_at_period_end: false,
        ended_on: None,
    }
}

async fn contracts_are_upserted_with_their_status_history(b: Backend) {
    let l = ledger(b).await;
    assert_eq!(l.contract("sub1").await.unwrap(), None);
    let trial = contract(ContractStatus::Trialing);
    let rec = l.upsert_contract(&trial).await.unwrap();
    assert!(rec.created);
    assert_eq!(rec.document.kind, DocumentKind::Contract);
    let again = l.upsert_contract(&trial).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.document, rec.document);
    let got = l.contract("sub1").await.unwrap().unwrap();
    assert_eq!(got.contract, trial);
    assert_eq!(got.status_history, [ContractStatus::Trialing]);

    let active = Contract {
        items: vec![ContractItem {
            quantity: 5,
            interval: BillingInterval::Year,
            interval_count: 2,
            ..trial.items[0].clone()
        }],
        cancel_at_period_end: true,
        ..contract(ContractStatus::Active)
    };
    l.upsert_contract(&active).await.unwrap();
    let canceled = Contract {
        ended_on: Some(NOVEMBER.1),
        current_period: None,
        ..contract(ContractStatus::Unknown("ended_somehow".into()))
    };
    l.upsert_contract(&active).await.unwrap();
    assert_eq!(l.contract("sub1").await.unwrap().unwrap().contract, active);
    l.upsert_contract(&canceled).await.unwrap();
    let got = l.contract("sub1").await.unwrap().unwrap();
    assert_eq!(got.contract, canceled);
    assert_eq!(
        got.status_history,
        [
            ContractStatus::Trialing,
            ContractStatus::Active,
            ContractStatus::Unknown("ended_somehow".into())
        ]
    );

    let err = l
        .upsert_contract(&Contract {
            customer_ref: "nobody".into(),
            ..contract(ContractStatus::Active)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "customer",
                ..
            }
        ),
        "{err}"
    );
    let mut bad = contract(ContractStatus::Active);
    bad.items[0].interval_count = 0;
    let err = l.upsert_contract(&bad).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("items[0].interval_count")),
        "{err}"
    );
    let err = l
        .upsert_contract(&Contract {
            external_ref: "c1".into(),
            ..contract(ContractStatus::Active)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReferenceConflict {
                existing: DocumentKind::Customer,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        l.contract("c1").await.unwrap_err().to_string(),
        Error::ReferenceConflict {
            external_ref: "c1".into(),
            existing: DocumentKind::Customer
        }
        .to_string()
    );
}

/// A credit memo takes the deferred revenue not yet recognised first; the line then
/// recognises its amount less the release, to the cent.
async fn credit_memos_release_unrecognised_deferred_revenue(b: Backend) {
    let l = ledger(b).await;
    let (s, e) = NOVEMBER;
    let memo = |r: &str, inv: &str, minor| CreditMemo {
        external_ref: r.into(),
        invoice_ref: inv.into(),
        date: date!(2026 - 11 - 10),
        amount: Money::new(minor, usd()),
        reason: "downgrade".into(),
    };
    l.create_billing_invoice(&billing(
        "in1",
        usd(),
        vec![line(10_000, usd(), period(s, e)), line(2_000, usd(), None)],
        960,
    ))
    .await
    .unwrap();
    l.create_billing_invoice(&billing(
        "in2",
        usd(),
        vec![line(10_000, usd(), period(s, e))],
        0,
    ))
    .await
    .unwrap();
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 10), RecognitionSchedule::Daily).await,
        [3_333, 3_333]
    );
    // in1: 90.00 credited; 66.67 was still deferred, the other 23.33 are refunds.
    l.create_credit_memo(&memo("cm1", "in1", 9_000))
        .await
        .unwrap();
    // in2: 20.00 credited, all of it deferred: the line now earns 80.00 over November.
    l.create_credit_memo(&memo("cm2", "in2", 2_000))
        .await
        .unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "4900", "USD"), 2_333);
    // Still deferred: in1 nothing (100.00 − 33.33 − 66.67), in2 100.00 − 33.33 − 20.00.
    assert_eq!(balance(&tb, "2400", "USD"), -4_667);
    // in1 has nothing left to recognise; in2's floors: floor(8000 × 15 / 30) − 3333 = 667.
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 15), RecognitionSchedule::Daily).await,
        [667]
    );
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd).await,
        [4_000]
    );
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), 0);
    // Revenue: in1 2000 + 3333, in2 8000.
    assert_eq!(balance(&tb, "4000", "USD"), -(2_000 + 3_333 + 8_000));
    let schedule = l.revenue_schedule(s, s).await.unwrap();
    assert_eq!(
        (
            schedule[0].opened,
            schedule[0].recognized,
            schedule[0].adjusted,
            schedule[0].closing
        ),
        (20_000, 3_333 + 3_333 + 667 + 4_000, -8_667, 0)
    );
    books_are_consistent(&l).await;
}

on_each_backend!(
    credit_memos_release_unrecognised_deferred_revenue,
    billing_invoice_posts_deferred_and_immediate_revenue,
    bad_billing_invoices_are_refused_naming_the_field,
    a_month_is_recognised_daily_to_the_cent_and_idempotently,
    month_end_recognition_splits_every_line_exactly,
    a_paid_invoice_cannot_be_written_off_or_voided,
    write_off_moves_the_open_amount_to_bad_debts_once,
    a_reversed_write_off_opens_the_invoice_for_its_payment_or_its_void,
    void_reverses_everything_including_partial_recognition,
    revenue_schedule_shows_each_months_movements,
    contracts_are_upserted_with_their_status_history,
);

/// Two processes recognising the same lines at once: each day's money is booked once.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_recognising_at_once_book_each_day_once() {
    let url = super::ledger::pg_database().await;
    let a = LocalLedger::connect(&url).await.unwrap();
    let b = LocalLedger::connect_with(&url, 4).await.unwrap();
    a.upsert_customer(&customer("c1")).await.unwrap();
    for n in 0..5 {
        a.create_billing_invoice(&billing(
            &format!("in{n}"),
            usd(),
            vec![line(9_999 + n, usd(), period(NOVEMBER.0, NOVEMBER.1))],
            0,
        ))
        .await
        .unwrap();
    }
    let days = [
        date!(2026 - 11 - 07),
        date!(2026 - 11 - 19),
        date!(2026 - 11 - 30),
    ];
    let runs: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .flat_map(|l| {
            days.map(|d| {
                let l = l.clone();
                tokio::spawn(
                    async move { l.recognize_revenue(d, RecognitionSchedule::Daily).await },
                )
            })
        })
        .collect();
    let mut total = 0;
    for run in runs {
        total += run
            .await
            .unwrap()
            .unwrap()
            .iter()
            .map(|r| r.amount.minor)
            .sum::<i64>();
    }
    assert_eq!(total, (0..5).map(|n| 9_999 + n).sum::<i64>());
    let tb = b.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "2400", "USD"), 0);
    books_are_consistent(&b).await;
}

/// A database of schema version 1 (before recurring billing) is migrated to version 2 at
/// connect: its documents stay, the billing tables and the two new accounts appear.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_database_is_migrated_keeping_its_documents() {
    let url = super::ledger::pg_database().await;
    let old = LocalLedger::connect(&url).await.unwrap();
    old.upsert_customer(&customer("c1")).await.unwrap();
    old.create_invoice(&super::invoice("inv1", "c1"))
        .await
        .unwrap();
    drop(old);
    let psql = |sql: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || pg_testkit::shared().psql(&url, sql).unwrap())
    };
    // Back to version 1: the tables and accounts of version 2 removed.
    psql(
        "DROP TABLE contract_status_history, contract_items, contracts, recognitions,
                    invoice_closures, deferred_releases, billing_lines;
         DELETE FROM accounts WHERE code IN ('2400', '6300');
         UPDATE ledger_schema_version SET version = 1",
    )
    .await
    .unwrap();
    let l = LocalLedger::connect(&url).await.unwrap();
    let found = psql(
        "SELECT (SELECT MAX(version) FROM ledger_schema_version) || '|' ||
                (SELECT COUNT(*) FROM accounts WHERE code IN ('2400', '6300'))",
    )
    .await
    .unwrap();
    assert_eq!(found.trim(), "2|2");
    assert_eq!(
        l.open_receivables().await.unwrap()[0].invoice.external_ref,
        "inv1"
    );
    l.create_billing_invoice(&billing(
        "in1",
        usd(),
        vec![line(3_000, usd(), period(NOVEMBER.0, NOVEMBER.1))],
        0,
    ))
    .await
    .unwrap();
    assert_eq!(
        recognize(&l, date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd).await,
        [3_000]
    );
    books_are_consistent(&l).await;
}

/// Two processes closing the same invoices at once, one writing off and one voiding: the
/// invoice's lock lets one of them through, the other is refused; the books stay consistent.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_cannot_both_close_an_invoice() {
    let url = super::ledger::pg_database().await;
    let a = LocalLedger::connect(&url).await.unwrap();
    let b = LocalLedger::connect_with(&url, 4).await.unwrap();
    a.upsert_customer(&customer("c1")).await.unwrap();
    for n in 0..5 {
        let r = format!("in{n}");
        a.create_billing_invoice(&billing(
            &r,
            usd(),
            vec![line(5_000, usd(), period(NOVEMBER.0, NOVEMBER.1))],
            400,
        ))
        .await
        .unwrap();
        let (w, v) = (write_off(&format!("w{n}"), &r), void(&format!("v{n}"), &r));
        let (a2, b2) = (a.clone(), b.clone());
        let (rw, rv) = tokio::join!(
            tokio::spawn(async move { a2.write_off(&w).await }),
            tokio::spawn(async move { b2.void_invoice(&v).await })
        );
        let (rw, rv) = (rw.unwrap(), rv.unwrap());
        assert_eq!(
            u8::from(rw.is_ok()) + u8::from(rv.is_ok()),
            1,
            "{rw:?} {rv:?}"
        );
        for err in [rw.err(), rv.err()].into_iter().flatten() {
            assert!(matches!(err, Error::InvalidDocument(_)), "{err}");
        }
    }
    assert!(b.open_receivables().await.unwrap().is_empty());
    books_are_consistent(&b).await;
}

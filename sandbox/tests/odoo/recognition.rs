//! Revenue recognition over Odoo, kept by the connector in plain journal entries, against the
//! embedded ledger: the same invoices recognised at the same cutoffs post the same entries
//! (references, days and amounts, to the cent), and a void takes the recognised revenue back.

use erp::{
    BillingInvoice, BillingLine, CurrencyCode, Erp, InvoiceVoid, LocalLedger, Money,
    RecognitionSchedule, ServicePeriod,
};
use time::Date;
use time::macros::date;

use super::{customer, dec, start};

fn period(start: Date, end: Date) -> Option<ServicePeriod> {
    Some(ServicePeriod { start, end })
}

fn line(
    description: &str,
    quantity: u32,
    unit: Money,
    discount: i64,
    period: Option<ServicePeriod>,
) -> BillingLine {
    BillingLine {
        product: "price_1".into(),
        description: description.into(),
        quantity,
        unit_price: unit,
        discount: Money::new(discount, unit.currency),
        period,
        proration: false,
    }
}

fn invoice(r: &str, currency: CurrencyCode, lines: Vec<BillingLine>) -> BillingInvoice {
    BillingInvoice {
        external_ref: r.into(),
        customer_ref: "c1".into(),
        contract_ref: Some("sub1".into()),
        invoice_date: date!(2026 - 11 - 01),
        due_date: date!(2026 - 11 - 01),
        currency,
        lines,
        tax: Money::zero(currency),
    }
}

/// A monthly plan with a discount and a setup fee, a mid-month upgrade (a credit for unused
/// time and a charge for the rest), a yearly plan in yen, and one to void.
fn invoices() -> Vec<BillingInvoice> {
    let usd = CurrencyCode::new("USD").unwrap();
    let jpy = CurrencyCode::new("JPY").unwrap();
    let november = period(date!(2026 - 11 - 01), date!(2026 - 12 - 01));
    let late_november = period(date!(2026 - 11 - 16), date!(2026 - 12 - 01));
    vec![
        invoice(
            "in1",
            usd,
            vec![
                line("Pro plan", 1, Money::new(3000, usd), 500, november),
                line("Setup", 1, Money::new(1000, usd), 0, None),
            ],
        ),
        invoice(
            "in2",
            usd,
            vec![
                line(
                    "Unused time on Pro",
                    1,
                    Money::new(-1001, usd),
                    0,
                    late_november,
                ),
                line(
                    "Remaining time on Max",
                    3,
                    Money::new(459, usd),
                    0,
                    late_november,
                ),
            ],
        ),
        invoice(
            "in3",
            jpy,
            vec![line(
                "Yearly plan",
                1,
                Money::new(12_000, jpy),
                0,
                period(date!(2026 - 11 - 01), date!(2027 - 11 - 01)),
            )],
        ),
        invoice(
            "in4",
            usd,
            vec![line("Pro plan", 1, Money::new(2000, usd), 0, november)],
        ),
    ]
}

type Posted = Vec<(String, String, i64)>;

async fn recognize(erp: &dyn Erp, through: Date, schedule: RecognitionSchedule) -> Posted {
    erp.recognize_revenue(through, schedule)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.document.external_ref,
                r.amount.currency.to_string(),
                r.amount.minor,
            )
        })
        .collect()
}

#[tokio::test]
async fn odoo_recognises_what_the_ledger_recognises_and_a_void_takes_it_back() {
    let (running, odoo, _) = start().await;
    let fake = &running.fake;
    let ledger = LocalLedger::open_in_memory().unwrap();
    for erp in [&odoo as &dyn Erp, &ledger] {
        erp.upsert_customer(&customer("c1")).await.unwrap();
        for inv in invoices() {
            erp.create_billing_invoice(&inv).await.unwrap();
        }
    }
    let void = InvoiceVoid {
        external_ref: "in4/void".into(),
        invoice_ref: "in4".into(),
        date: date!(2026 - 11 - 21),
        reason: "voided".into(),
    };
    let runs = [
        (date!(2026 - 10 - 31), RecognitionSchedule::Daily),
        (date!(2026 - 11 - 05), RecognitionSchedule::Daily),
        (date!(2026 - 11 - 05), RecognitionSchedule::Daily),
        (date!(2026 - 11 - 20), RecognitionSchedule::Daily),
        (date!(2026 - 11 - 29), RecognitionSchedule::MonthEnd),
        (date!(2026 - 11 - 30), RecognitionSchedule::MonthEnd),
        (date!(2026 - 12 - 15), RecognitionSchedule::MonthEnd),
        (date!(2027 - 02 - 10), RecognitionSchedule::Daily),
        (date!(2027 - 12 - 31), RecognitionSchedule::MonthEnd),
    ];
    let mut odoo_all = Vec::new();
    for (i, (through, schedule)) in runs.into_iter().enumerate() {
        if i == 4 {
            for erp in [&odoo as &dyn Erp, &ledger] {
                assert!(erp.void_invoice(&void).await.unwrap().created);
            }
        }
        let in_odoo = recognize(&odoo, through, schedule).await;
        let in_ledger = recognize(&ledger, through, schedule).await;
        assert_eq!(in_odoo, in_ledger, "run {i} through {through}");
        odoo_all.extend(in_odoo);
    }
    // Nothing twice, and each line recognised in full (in4 too, before its void).
    let mut refs: Vec<_> = odoo_all.iter().map(|p| p.0.clone()).collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), odoo_all.len());
    let total = |prefix: &str| -> i64 {
        odoo_all
            .iter()
            .filter(|p| p.0.starts_with(prefix))
            .map(|p| p.2)
            .sum()
    };
    assert_eq!(total("in1/line/0/"), 2500);
    assert_eq!(total("in1/line/1/"), 0, "the setup fee is not deferred");
    assert_eq!(total("in2/line/0/"), -1001);
    assert_eq!(total("in2/line/1/"), 1377);
    assert_eq!(total("in3/line/0/"), 12_000);
    assert_eq!(total("in4/line/0/"), 2000 * 20 / 30);

    // In Odoo: every recognition entry of in1..in3 posted, in4's cancelled with the invoice,
    // and the deferred revenue account back to zero for what is still posted.
    let mut deferred = dec("0");
    for m in fake.moves() {
        let ours = m
            .reference
            .as_deref()
            .is_some_and(|r| r.contains("/recognized/"));
        if ours {
            let voided = m
                .reference
                .as_deref()
                .is_some_and(|r| r.starts_with("in4/"));
            assert_eq!(
                m.state,
                if voided { "cancel" } else { "posted" },
                "{:?}",
                m.reference
            );
            assert_eq!(
                m.invoice_origin.as_deref(),
                m.reference.as_deref().and_then(|r| r.split('/').next())
            );
        }
        if m.state == "posted" {
            for l in &m.lines {
                if l.account_code.as_deref() == Some("241000") {
                    deferred += l.credit - l.debit;
                }
            }
        }
    }
    assert_eq!(deferred, dec("0"));
    // A void of an invoice with no entries left does nothing more.
    assert!(!odoo.void_invoice(&void).await.unwrap().created);
}

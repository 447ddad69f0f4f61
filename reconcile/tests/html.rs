//! The HTML report: what a finance person sees for a small reconciliation.
#![allow(clippy::unwrap_used, missing_docs)]

use payops_core::Currency;
use reconcile::html::render;
use reconcile::{LedgerEntry, LineKind, SettlementLine, reconcile, summarize};
use time::macros::datetime;

fn line(txn: &str, invoice: &str, amount: i64, currency: Currency) -> SettlementLine {
    SettlementLine {
        batch_id: "b<1>".into(),
        transaction_id: txn.into(),
        invoice_id: invoice.into(),
        kind: LineKind::Sale,
        amount,
        fee: 30,
        currency,
        settled_at: datetime!(2026-12-01 23:00 UTC),
    }
}

fn entry(id: &str, txn: &str, amount: i64) -> LedgerEntry {
    LedgerEntry {
        entry_id: id.into(),
        gateway_transaction_id: txn.into(),
        order_ref: String::new(),
        amount,
        currency: Currency::USD,
        posted_at: datetime!(2026-11-30 10:00 UTC),
    }
}

#[test]
fn the_page_charts_each_currency_and_lists_every_discrepancy_escaped() {
    let settlement = [
        line("t1", "1001", 2_500, Currency::USD),
        line("t2", "<b>1002</b>", 1_000, Currency::USD),
        line("t3", "1003", 1_500, Currency::JPY),
    ];
    let ledger = [entry("1", "t1", 2_500), entry("2", "t2", 990)];
    let outcome = reconcile(&settlement, &ledger, None);
    let summary = summarize(&outcome, &settlement, &ledger);
    let page = render(&outcome, &settlement, &ledger, &summary);

    assert!(page.starts_with("<!doctype html>"));
    assert!(
        page.contains("3 settlement lines, 2 ledger entries"),
        "{page}"
    );
    assert!(page.contains("<strong>2 discrepancies</strong>"), "{page}");
    // One chart per currency, by cause and by day.
    for caption in [
        "By cause, JPY",
        "By cause, USD",
        "By day, JPY",
        "By day, USD",
    ] {
        assert!(
            page.contains(&format!("<figcaption>{caption}</figcaption>")),
            "{caption}"
        );
    }
    // The discrepancies, and nothing matched, in the table; values from files escaped.
    assert!(page.contains(
        "<tr><td>amount_mismatch</td><td>transaction_id</td><td>t2</td><td>2</td><td>b&lt;1&gt;</td>\
         <td>&lt;b&gt;1002&lt;/b&gt;</td><td class=\"n\">10.00 USD</td><td class=\"n\">9.90 USD</td>\
         <td class=\"n\">0.10</td><td>2026-12-01</td><td>2026-11-30</td></tr>"
    ), "{page}");
    assert!(
        page.contains("<td>missing_in_ledger</td><td>none</td><td>t3</td>"),
        "{page}"
    );
    assert!(!page.contains("<td>matched</td><td>transaction_id</td><td>t1</td>"));
    assert!(!page.contains("<b>1002"), "unescaped");
    assert!(page.contains("2 in all."));
    // The summary table marks the discrepancy classes.
    assert!(
        page.contains("<tr class=\"bad\"><td>amount_mismatch</td><td>USD</td>"),
        "{page}"
    );
    assert!(
        page.contains("<tr class=\"\"><td>matched</td><td>USD</td>"),
        "{page}"
    );
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn a_reconciled_settlement_says_so() {
    let settlement = [line("t1", "1001", 2_500, Currency::USD)];
    let ledger = [entry("1", "t1", 2_500)];
    let outcome = reconcile(&settlement, &ledger, None);
    let page = render(
        &outcome,
        &settlement,
        &ledger,
        &summarize(&outcome, &settlement, &ledger),
    );
    assert!(
        page.contains("<strong>everything reconciles</strong>"),
        "{page}"
    );
    assert!(page.contains("0 in all."));
}

//! `report.html` as a finance person's browser shows it: a real headless Chromium opens the page
//! `payops reconcile csv` wrote and measures what it laid out.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

use browser_testkit::Browser;
use serde_json::Value;

/// Three days of USD (matched, an amount mismatch, a line missing from the ledger, an entry
/// missing from the settlement) and a JPY line missing from the ledger; an invoice id holding
/// markup and a long transaction id.
const SETTLEMENT: &str = "batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at\n\
    b1,t1,1001,sale,2500.00,0.75,USD,2026-12-01T23:00:00Z\n\
    b1,t2,<b>1002</b>,sale,10.00,0.30,USD,2026-12-01T23:00:00Z\n\
    b2,t3,1003,refund,-40.00,0,USD,2026-12-02T23:00:00Z\n\
    b3,ch_3PqLongTransactionIdentifierOfAGateway0123456789,1004,sale,15.00,0.45,USD,2026-12-03T23:00:00Z\n\
    b3,t5,1005,sale,1500,0,JPY,2026-12-03T23:00:00Z\n";

const LEDGER: &str = "entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at\n\
    1,t1,1001,2500.00,USD,2026-12-01T10:00:00Z\n\
    2,t2,1002,9.90,USD,2026-12-01T11:00:00Z\n\
    3,t3,1003,-40.00,USD,2026-12-02T11:00:00Z\n\
    4,t9,1009,5.00,USD,2026-11-30T09:00:00Z\n";

/// What the page laid out, measured in the browser: the charts (every bar's drawn width and the
/// width its amount asks for, every label's box against its chart's box), the tables, what the
/// page fetched, and whether the page is wider than the window.
const MEASURE: &str = r#"
const figures = [...document.querySelectorAll('figure')].map(f => {
  const svg = f.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const view = svg.viewBox.baseVal;
  const scale = box.width / view.width;
  return {
    caption: f.querySelector('figcaption').textContent,
    shown: box.width > 0 && box.height > 0,
    bars: [...svg.querySelectorAll('rect')].map(r => ({
      drawn: r.getBoundingClientRect().width / scale,
      asked: r.width.baseVal.value,
      fill: getComputedStyle(r).fill,
    })),
    smallest_text: Math.min(...[...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)),
    labels_inside: [...svg.querySelectorAll('text')].every(t => {
      const b = t.getBBox();
      return b.x >= 0 && b.x + b.width <= view.width && b.width > 0;
    }),
  };
});
const tables = [...document.querySelectorAll('table')].map(t => t.tBodies[0].rows.length);
const discrepancies = document.querySelectorAll('table')[1];
return {
  title: document.title,
  heading: document.querySelector('h1').textContent,
  lead: document.querySelector('p.lead').textContent,
  fetched: performance.getEntriesByType('resource').length,
  figures,
  tables,
  invoices: [...discrepancies.tBodies[0].rows].map(r => r.cells[5].textContent),
  injected: document.querySelectorAll('td b, td script').length,
  page_width: document.documentElement.scrollWidth,
  window_width: document.documentElement.clientWidth,
};
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_report_renders_in_chromium_at_desktop_and_phone_widths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("settlement.csv"), SETTLEMENT).unwrap();
    std::fs::write(dir.path().join("ledger.csv"), LEDGER).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["reconcile", "csv", "--settlement"])
        .arg(dir.path().join("settlement.csv"))
        .arg("--ledger")
        .arg(dir.path().join("ledger.csv"))
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "discrepancies remain: {out:?}");
    let url = format!("file://{}", dir.path().join("report/report.html").display());

    let browser = Browser::start().unwrap();
    let page = browser.session().await.unwrap();
    page.set_window_size(1280, 900).await.unwrap();
    page.goto(&url).await.unwrap();
    let desktop = page.execute(MEASURE, vec![]).await.unwrap();

    assert_eq!(desktop["title"], "Settlement reconciliation");
    assert_eq!(desktop["heading"], "Settlement reconciliation");
    assert_eq!(
        desktop["lead"],
        "5 settlement lines, 4 ledger entries; entries posted after 2026-12-03T23:00:00Z are in transit: 4 discrepancies."
    );
    assert_eq!(desktop["fetched"], 0, "the page is self-contained");

    // One chart by cause and one by day per currency, each drawn, every bar as long as its
    // amount asks (to the pixel), discrepancies in red, every label inside its chart.
    let figures = desktop["figures"].as_array().unwrap();
    let captions: Vec<&str> = figures
        .iter()
        .map(|f| f["caption"].as_str().unwrap())
        .collect();
    assert_eq!(
        captions,
        [
            "By cause, JPY",
            "By cause, USD",
            "By day, JPY",
            "By day, USD"
        ]
    );
    for figure in figures {
        assert_eq!(figure["shown"], true, "{figure}");
        assert_eq!(
            figure["labels_inside"], true,
            "a label is cut off: {figure}"
        );
        for bar in figure["bars"].as_array().unwrap() {
            let (drawn, asked) = (
                bar["drawn"].as_f64().unwrap(),
                bar["asked"].as_f64().unwrap(),
            );
            assert!((drawn - asked).abs() < 0.5, "{figure}");
        }
    }
    let by_cause_usd = &figures[1]["bars"];
    let fills: Vec<&str> = by_cause_usd
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["fill"].as_str().unwrap())
        .collect();
    // matched, amount_mismatch, missing_in_ledger, missing_in_settlement, in that order.
    assert_eq!(fills.len(), 4, "{by_cause_usd}");
    assert_eq!(fills[0], "rgb(45, 164, 78)");
    assert!(
        fills[1..].iter().all(|f| *f == "rgb(207, 34, 46)"),
        "{fills:?}"
    );

    // The summary's rows, then every discrepancy; the invoice id's markup shown as text.
    assert_eq!(desktop["tables"][1], 4, "{desktop}");
    assert_eq!(desktop["invoices"][0], "<b>1002</b>", "{desktop}");
    assert_eq!(desktop["injected"], 0);
    assert!(
        desktop["page_width"].as_f64() <= desktop["window_width"].as_f64(),
        "the page scrolls sideways at 1280 px: {desktop}"
    );

    // On a phone the page itself does not scroll sideways: wide charts and tables scroll inside
    // their own box, their text as large as on a desktop.
    page.set_window_size(390, 844).await.unwrap();
    let phone: Value = page.execute(MEASURE, vec![]).await.unwrap();
    assert!(
        phone["page_width"].as_f64() <= phone["window_width"].as_f64(),
        "the page scrolls sideways on a phone: {} px in a {} px window",
        phone["page_width"],
        phone["window_width"]
    );
    for figure in phone["figures"].as_array().unwrap() {
        assert_eq!(figure["shown"], true, "{figure}");
        assert!(
            figure["smallest_text"].as_f64() >= Some(12.0),
            "chart text shrank on a phone: {figure}"
        );
    }
    page.close().await.unwrap();
}

//! The page a finance person opens: `report.html`, one self-contained file (no script, no
//! request to anything), with charts of the amounts matched and mismatched by cause and by day,
//! the summary, and a table of the discrepancies.
//!
//! Charts are inline SVG, one per currency (amounts of different currencies are never added
//! up). The discrepancy table lists at most [`MAX_ROWS`] rows, the first ones of `results.csv`'s
//! order, and says how many more `results.csv` holds. Every value that comes from a file is
//! escaped. The page never scrolls sideways: a chart or table wider than the window scrolls inside
//! its own box, its text at full size (checked in Chromium at desktop and phone widths by
//! `payops`'s browser test).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use payops_core::Currency;
use time::Date;
use time::format_description::well_known::Rfc3339;

use crate::amount::format_minor;
use crate::engine::{Outcome, Reconciliation, Status};
use crate::error::Error;
use crate::model::{LedgerEntry, SettlementLine};
use crate::summary::{SummaryKind, SummaryRow};

/// Most discrepancy rows the page shows.
pub const MAX_ROWS: usize = 5_000;

/// Writes `report.html` to `path` (whole or not at all).
pub fn write_html(
    path: &Path,
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
    summary: &[SummaryRow],
) -> Result<(), Error> {
    let page = render(outcome, settlement, ledger, summary);
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, page).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

/// The page.
pub fn render(
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
    summary: &[SummaryRow],
) -> String {
    let discrepancies: Vec<&Outcome> = outcome
        .results
        .iter()
        .filter(|o| o.status.is_discrepancy())
        .collect();
    let mut page = String::with_capacity(64 * 1024);
    page.push_str(HEAD);
    let _ = write!(
        page,
        "<h1>Settlement reconciliation</h1>\n<p class=\"lead\">{} settlement lines, {} ledger \
         entries{}: <strong>{}</strong>.</p>\n",
        settlement.len(),
        ledger.len(),
        outcome.cutoff.map_or(String::new(), |c| format!(
            "; entries posted after {} are in transit",
            c.format(&Rfc3339).unwrap_or_else(|_| c.to_string())
        )),
        match discrepancies.len() {
            0 => "everything reconciles".to_owned(),
            1 => "1 discrepancy".to_owned(),
            n => format!("{n} discrepancies"),
        }
    );

    let totals = totals(outcome, settlement, ledger);
    page.push_str("<h2>Amounts by cause</h2>\n");
    for (currency, totals) in &totals {
        let bars: Vec<(String, i128, bool)> = totals
            .by_cause
            .iter()
            .map(|(status, sum)| (status.as_str().to_owned(), *sum, status.is_discrepancy()))
            .collect();
        page.push_str(&chart(&format!("By cause, {currency}"), *currency, &bars));
    }
    page.push_str("<h2>Amounts by day</h2>\n");
    for (currency, totals) in &totals {
        let bars: Vec<(String, i128, bool)> = totals
            .by_day
            .iter()
            .flat_map(|(day, (matched, mismatched))| {
                [
                    (format!("{day} matched"), *matched, false),
                    (format!("{day} not matched"), *mismatched, true),
                ]
            })
            .collect();
        page.push_str(&chart(&format!("By day, {currency}"), *currency, &bars));
    }

    page.push_str("<h2>Summary</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>class</th><th>currency</th>\
        <th>count</th><th>settlement</th><th>ledger</th><th>difference</th><th>fees</th></tr></thead>\n<tbody>\n");
    for row in summary {
        let money = |v: Option<i128>| v.map_or(String::new(), |v| major(v, row.currency));
        let _ = writeln!(
            page,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            match row.kind {
                SummaryKind::Status(s) if s.is_discrepancy() => "bad",
                _ => "",
            },
            row.kind.as_str(),
            row.currency,
            row.count,
            money(row.settlement),
            money(row.ledger),
            money(row.difference),
            major(row.fee, row.currency),
        );
    }
    page.push_str("</tbody>\n</table></div>\n");

    let _ = write!(
        page,
        "<h2>Discrepancies</h2>\n<p>{}</p>\n",
        if discrepancies.len() > MAX_ROWS {
            format!(
                "The first {MAX_ROWS} of {}; <code>results.csv</code> lists them all.",
                discrepancies.len()
            )
        } else {
            format!("{} in all.", discrepancies.len())
        }
    );
    page.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>class</th><th>pass</th><th>transaction</th>\
        <th>ledger entry</th><th>batch</th><th>invoice / order</th><th>settlement</th>\
        <th>ledger</th><th>difference</th><th>settled</th><th>posted</th></tr></thead>\n<tbody>\n",
    );
    for result in discrepancies.iter().take(MAX_ROWS) {
        let line = result.settlement.and_then(|s| settlement.get(s));
        let entry = result.ledger.and_then(|l| ledger.get(l));
        let text = |v: Option<&str>| escape(v.unwrap_or_default());
        let reference = line
            .map(|l| l.invoice_id.as_str())
            .filter(|r| !r.is_empty())
            .or(entry.map(|e| e.order_ref.as_str()));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            result.status.as_str(),
            result.pass.as_str(),
            text(line.map(|l| l.transaction_id.as_str())),
            text(entry.map(|e| e.entry_id.as_str())),
            text(line.map(|l| l.batch_id.as_str())),
            text(reference),
            line.map_or(String::new(), |l| format!(
                "{} {}",
                format_minor(l.amount, l.currency),
                l.currency
            )),
            entry.map_or(String::new(), |e| format!(
                "{} {}",
                format_minor(e.amount, e.currency),
                e.currency
            )),
            match (result.difference, line) {
                (Some(d), Some(l)) => format_minor(d, l.currency),
                _ => String::new(),
            },
            line.map_or(String::new(), |l| l.settled_at.date().to_string()),
            entry.map_or(String::new(), |e| e.posted_at.date().to_string()),
        );
    }
    page.push_str("</tbody>\n</table></div>\n</body>\n</html>\n");
    page
}

/// Amounts per currency: by class, and by day (matched, not matched).
#[derive(Default)]
struct Totals {
    by_cause: BTreeMap<Status, i128>,
    by_day: BTreeMap<Date, (i128, i128)>,
}

/// One pass over the outcomes: per currency, each class's amount (the settlement side's, else
/// the ledger side's) and each day's (the settlement date, else the posting date).
fn totals(
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Vec<(Currency, Totals)> {
    let mut totals: Vec<(Currency, Totals)> = Vec::new();
    for result in &outcome.results {
        let line = result.settlement.and_then(|s| settlement.get(s));
        let entry = result.ledger.and_then(|l| ledger.get(l));
        let (amount, currency, day) = match (line, entry) {
            (Some(l), _) => (l.amount, l.currency, l.settled_at.date()),
            (None, Some(e)) => (e.amount, e.currency, e.posted_at.date()),
            (None, None) => continue,
        };
        // A handful of currencies: a linear search beats hashing.
        let at = match totals.iter().position(|(c, _)| *c == currency) {
            Some(at) => at,
            None => {
                totals.push((currency, Totals::default()));
                totals.len() - 1
            }
        };
        let slot = &mut totals[at].1;
        let amount = i128::from(amount).abs();
        *slot.by_cause.entry(result.status).or_default() += amount;
        let daily = slot.by_day.entry(day).or_default();
        if result.status == Status::Matched {
            daily.0 += amount;
        } else {
            daily.1 += amount;
        }
    }
    totals.sort_by_key(|(currency, _)| currency.code());
    totals
}

/// A horizontal bar chart of `(label, amount, bad)` bars, amounts in minor units of `currency`.
fn chart(title: &str, currency: Currency, bars: &[(String, i128, bool)]) -> String {
    const LABEL: i64 = 200;
    const WIDTH: i64 = 420;
    const ROW: i64 = 22;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = ROW * i64::try_from(bars.len()).unwrap_or(0) + 8;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption>\n<svg role=\"img\" aria-label=\"{}\" \
         width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">\n",
        escape(title),
        escape(title),
        LABEL + WIDTH + 160,
        LABEL + WIDTH + 160
    );
    for (i, (label, amount, bad)) in bars.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
        // Exact integer scaling; a bar is at least a pixel when its amount is not zero.
        let width = i64::try_from(amount * i128::from(WIDTH) / max).unwrap_or(WIDTH);
        let width = if *amount > 0 { width.max(1) } else { 0 };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{}\" x=\"{LABEL}\" y=\"{y}\" width=\"{width}\" height=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            LABEL - 6,
            y + 14,
            escape(label),
            if *bad { "bad" } else { "ok" },
            ROW - 6,
            LABEL + width + 6,
            y + 14,
            major(*amount, currency),
        );
    }
    svg.push_str("</svg></figure>\n");
    svg
}

/// A sum in minor units as a decimal of its currency.
fn major(sum: i128, currency: Currency) -> String {
    match i64::try_from(sum) {
        Ok(sum) => format_minor(sum, currency),
        Err(_) => format!("{sum} (minor units)"),
    }
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HEAD: &str = "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>Settlement reconciliation</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1b1f24; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td:first-child { color: #b42318; font-weight: 600; }
.scroll, figure { overflow-x: auto; }
figure { margin: .5rem 0 1.5rem; } figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font-size: 12px; fill: #1b1f24; }
rect.ok { fill: #2da44e; } rect.bad { fill: #cf222e; }
</style>
</head>
<body>
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_files_are_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn bars_scale_exactly_and_a_small_amount_still_shows() {
        let svg = chart(
            "t",
            Currency::USD,
            &[("a".into(), 1_000_000, false), ("b".into(), 1, true)],
        );
        assert!(svg.contains("width=\"420\""), "{svg}");
        assert!(
            svg.contains("class=\"bad\" x=\"200\" y=\"26\" width=\"1\""),
            "{svg}"
        );
        assert!(svg.contains(">10000.00<"), "{svg}");
    }
}

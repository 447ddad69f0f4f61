//! Totals per class and currency.

use std::collections::BTreeMap;

use payops_core::Currency;

use crate::engine::{Reconciliation, Status};
use crate::model::{LedgerEntry, SettlementLine};

/// What a summary row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SummaryKind {
    /// The outcomes of one status.
    Status(Status),
    /// Every settlement line, for the fees withheld.
    FeesTotal,
}

impl SummaryKind {
    /// The name written in reports (a status's, or `fees_total`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Status(status) => status.as_str(),
            Self::FeesTotal => "fees_total",
        }
    }
}

/// One row of the summary: the outcomes of one status in one currency (the settlement side's,
/// else the ledger side's), or one currency's fees. Sums are exact minor units (`i128`: a
/// million lines cannot overflow them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryRow {
    /// What it counts.
    pub kind: SummaryKind,
    /// The currency.
    pub currency: Currency,
    /// Outcomes (settlement lines for [`SummaryKind::FeesTotal`]).
    pub count: u64,
    /// Sum of the settlement sides' amounts (none for the fees row).
    pub settlement: Option<i128>,
    /// Sum of the ledger sides' amounts; none where the two sides' currencies differ (amounts of
    /// different currencies do not add up) and for the fees row.
    pub ledger: Option<i128>,
    /// `settlement - ledger`, when both are given.
    pub difference: Option<i128>,
    /// Sum of the settlement sides' fees.
    pub fee: i128,
}

/// The summary of `outcome`: one row per status and currency that occurs, in status then
/// currency order, then one `fees_total` row per settlement currency.
pub fn summarize(
    outcome: &Reconciliation,
    settlement: &[SettlementLine],
    ledger: &[LedgerEntry],
) -> Vec<SummaryRow> {
    let mut rows: BTreeMap<(SummaryKind, &str), SummaryRow> = BTreeMap::new();
    for result in &outcome.results {
        let line = result.settlement.and_then(|s| settlement.get(s));
        let entry = result.ledger.and_then(|l| ledger.get(l));
        let Some(currency) = line.map(|l| l.currency).or(entry.map(|e| e.currency)) else {
            continue;
        };
        let kind = SummaryKind::Status(result.status);
        let comparable = result.status != Status::CurrencyMismatch;
        let row = rows
            .entry((kind, currency.code()))
            .or_insert_with(|| SummaryRow {
                kind,
                currency,
                count: 0,
                settlement: Some(0),
                ledger: comparable.then_some(0),
                difference: None,
                fee: 0,
            });
        row.count += 1;
        if let (Some(sum), Some(line)) = (row.settlement.as_mut(), line) {
            *sum += i128::from(line.amount);
            row.fee += i128::from(line.fee);
        }
        if let (Some(sum), Some(entry)) = (row.ledger.as_mut(), entry) {
            *sum += i128::from(entry.amount);
        }
    }
    for line in settlement {
        let kind = SummaryKind::FeesTotal;
        let row = rows
            .entry((kind, line.currency.code()))
            .or_insert_with(|| SummaryRow {
                kind,
                currency: line.currency,
                count: 0,
                settlement: None,
                ledger: None,
                difference: None,
                fee: 0,
            });
        row.count += 1;
        row.fee += i128::from(line.fee);
    }
    rows.into_values()
        .map(|mut row| {
            if let (Some(s), Some(l)) = (row.settlement, row.ledger) {
                row.difference = Some(s - l);
            }
            row
        })
        .collect()
}

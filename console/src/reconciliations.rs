//! The settlement reconciliations the workflows recorded: each PayTrace day's or Stripe
//! payout's `flows::settlement::Reconciled` record (its journals and how many settlement lines
//! and ledger entries ended in each class), newest first, and a chart of matched against
//! discrepancies for each.
//!
//! Each class shows its count and its net amount per currency (records written before amounts
//! were kept show counts only).

use axum::extract::State;
use flows::Effect;
use flows::settlement::Reconciled;
use maud::{Markup, html};

use crate::state::ConsoleState;
use crate::{ConsoleError, format, page};

/// The end of the key a reconciliation is recorded under
/// (`paytrace/{account}/payout/{day}/erp/settlement`, `stripe/{account}/payout/{id}/erp/settlement`).
const SUFFIX: &str = "/erp/settlement";

/// Reconciliations shown at most.
const SHOWN: u32 = 50;

/// The chart's geometry, in its own units (it scales to the page's width).
const WIDTH: usize = 640;
const BAR_MAX: usize = 480;
const ROW: usize = 56;

/// One recorded reconciliation.
struct Row {
    /// The day or payout reconciled: the record's key less [`SUFFIX`].
    entity: String,
    effect: Effect,
    record: Result<Reconciled, String>,
}

impl Row {
    fn of(effect: Effect) -> Self {
        let entity = effect
            .key
            .strip_suffix(SUFFIX)
            .unwrap_or(&effect.key)
            .to_owned();
        let record =
            serde_json::from_value::<Reconciled>(effect.detail.clone()).map_err(|e| e.to_string());
        Self {
            entity,
            effect,
            record,
        }
    }
}

/// How many outcomes of `class` a record counts.
fn outcomes(record: &Reconciled, class: &str) -> usize {
    record.outcomes.get(class).copied().unwrap_or(0)
}

/// `GET /console/reconciliations`.
pub(crate) async fn page(State(state): State<ConsoleState>) -> Result<Markup, ConsoleError> {
    let rows: Vec<Row> = state
        .store()
        .effects_ending(SUFFIX, SHOWN)
        .await?
        .into_iter()
        .map(Row::of)
        .collect();
    Ok(page::frame(
        "Settlement reconciliations",
        html! {
            @if rows.is_empty() {
                p { "No settlement has been reconciled yet." }
            } @else {
                p { "The " (rows.len()) " reconciliations recorded last, newest first." }
                (chart(&rows))
                table #reconciliations {
                    thead {
                        tr {
                            th { "recorded" } th { "settlement" } th { "journals" }
                            th.n { "matched" } th.n { "in transit" } th.n { "discrepancies" }
                            th { "by class" }
                        }
                    }
                    tbody {
                        @for row in &rows {
                            tr {
                                td { (format::time(row.effect.created_at)) }
                                td { code { (row.entity) } }
                                @match &row.record {
                                    Ok(record) => {
                                        td { (record.journals.join(", ")) }
                                        td.n { (outcomes(record, "matched")) }
                                        td.n { (outcomes(record, "in_transit")) }
                                        td.n.discrepancies { (record.discrepancies) }
                                        td {
                                            @for (class, count) in &record.outcomes {
                                                (class) " " (count)
                                                @for amount in record.amounts.iter().filter(|a| &a.status == class) {
                                                    ", " span.amount { (amount.display()) }
                                                }
                                                br;
                                            }
                                        }
                                    }
                                    Err(err) => {
                                        td colspan="5" { "the record cannot be read: " (err) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// Matched against discrepancies, two bars per reconciliation, each as long as its count
/// against the largest count shown.
fn chart(rows: &[Row]) -> Markup {
    let bars: Vec<(&str, usize, usize)> = rows
        .iter()
        .filter_map(|row| {
            let record = row.record.as_ref().ok()?;
            Some((
                row.entity.as_str(),
                outcomes(record, "matched"),
                record.discrepancies,
            ))
        })
        .collect();
    let largest = bars
        .iter()
        .map(|&(_, matched, discrepancies)| matched.max(discrepancies))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = |count: usize| count * BAR_MAX / largest;
    let height = bars.len() * ROW + 8;
    html! {
        figure #chart {
            figcaption {
                "Matched (green) and discrepancies (red) per reconciliation"
            }
            svg xmlns="http://www.w3.org/2000/svg" role="img"
                viewBox={ "0 0 " (WIDTH) " " (height) } width="100%"
                style={ "max-width: " (WIDTH) "px" } {
                title { "Matched and discrepancies per reconciliation" }
                @for (i, &(entity, matched, discrepancies)) in bars.iter().enumerate() {
                    @let top = i * ROW;
                    text x="0" y=(top + 14) font-size="13" { (entity) }
                    rect.matched x="0" y=(top + 20) height="12" width=(width(matched))
                        fill="#2da44e" data-count=(matched) {}
                    text x=(width(matched) + 6) y=(top + 31) font-size="12" { (matched) " matched" }
                    rect.discrepancies x="0" y=(top + 36) height="12" width=(width(discrepancies))
                        fill="#cf222e" data-count=(discrepancies) {}
                    text x=(width(discrepancies) + 6) y=(top + 47) font-size="12" {
                        (discrepancies) " discrepancies"
                    }
                }
            }
        }
    }
}

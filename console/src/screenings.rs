//! The fraud screen's decisions the workflows recorded (`flows::workflows::screening`): each
//! screened order's outcome, score, scorer and the signals that weighed most, newest first.
//! Only signal names and numbers show, never the buyer's email or addresses the record holds.

use axum::extract::State;
use flows::Effect;
use flows::workflows::screening::{RECORD, Screened, top_contributions};
use maud::{Markup, html};

use crate::state::ConsoleState;
use crate::{ConsoleError, format, page};

/// Decisions shown at most.
const SHOWN: u32 = 50;

/// One recorded screen: the order's key and its decision (or why it cannot be read).
struct Row {
    order: String,
    effect: Effect,
    record: Result<Screened, String>,
}

impl Row {
    fn of(effect: Effect, suffix: &str) -> Self {
        let order = effect
            .key
            .strip_suffix(suffix)
            .unwrap_or(&effect.key)
            .to_owned();
        let record =
            serde_json::from_value::<Screened>(effect.detail.clone()).map_err(|e| e.to_string());
        Self {
            order,
            effect,
            record,
        }
    }
}

/// `GET /console/fraud`.
pub(crate) async fn page(State(state): State<ConsoleState>) -> Result<Markup, ConsoleError> {
    let suffix = format!("/{RECORD}");
    let rows: Vec<Row> = state
        .store()
        .effects_ending(&suffix, SHOWN)
        .await?
        .into_iter()
        .map(|effect| Row::of(effect, &suffix))
        .collect();
    Ok(page::frame(
        "Fraud screen",
        html! {
            @if rows.is_empty() {
                p { "No order has been screened yet." }
            } @else {
                p {
                    "The " (rows.len()) " orders screened last, newest first. "
                    code { "payops fraud explain ORDER" } " prints every signal's share."
                }
                table #screenings {
                    thead {
                        tr {
                            th { "screened" } th { "order" } th { "outcome" } th.n { "score" }
                            th { "scorer" } th { "top signals" }
                        }
                    }
                    tbody {
                        @for row in &rows {
                            tr {
                                td { (format::time(row.effect.created_at)) }
                                td { code { (row.order) } }
                                @match &row.record {
                                    Ok(screened) => {
                                        @let decision = &screened.decision;
                                        td.outcome { (decision.outcome) }
                                        td.n { (format!("{:.3}", decision.score.value())) }
                                        td { (decision.scorer.version) }
                                        td { (top_contributions(decision)) }
                                    }
                                    Err(err) => {
                                        td colspan="4" { "the record cannot be read: " (err) }
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

//! The circuit breakers of the worker the console was given: which providers jobs are held
//! back from, and for how long.

use axum::extract::State;
use flows::BreakerStatus;
use maud::{Markup, html};

use crate::page;
use crate::state::ConsoleState;

/// A breaker's status in words.
fn describe(status: BreakerStatus) -> String {
    match status {
        BreakerStatus::Closed { failures: 0 } => "closed".to_owned(),
        BreakerStatus::Closed { failures: 1 } => "closed, 1 failure in a row".to_owned(),
        BreakerStatus::Closed { failures } => format!("closed, {failures} failures in a row"),
        BreakerStatus::Open { remaining } => {
            format!(
                "open: jobs held back for {} s more",
                remaining.as_secs().max(1)
            )
        }
        BreakerStatus::HalfOpen => "half-open: one trial job goes through".to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// `GET /console/breakers`.
pub(crate) async fn page(State(state): State<ConsoleState>) -> Markup {
    let now = tokio::time::Instant::now();
    let breakers = state.breakers_shown().map(|b| b.snapshot(now));
    page::frame(
        "Circuit breakers",
        html! {
            @match &breakers {
                None => p { "This console was not given the worker's breakers." }
                Some(breakers) if breakers.is_empty() => {
                    p { "No provider has been called yet: every breaker is closed." }
                }
                Some(breakers) => {
                    table #breakers {
                        thead { tr { th { "provider" } th { "breaker" } } }
                        tbody {
                            @for (system, status) in breakers {
                                tr {
                                    td { (system.as_str()) }
                                    td { (describe(*status)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

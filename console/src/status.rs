//! The status page: how many jobs are in each state, how many dead letters wait, and where to
//! look next.

use axum::extract::State;
use maud::{Markup, html};

use crate::state::ConsoleState;
use crate::{ConsoleError, page};

/// `GET /console`.
pub(crate) async fn page(State(state): State<ConsoleState>) -> Result<Markup, ConsoleError> {
    let counts = state.store().counts().await?;
    let jobs = [
        ("queued", counts.queued, "/console/jobs?state=queued"),
        ("running", counts.running, "/console/jobs?state=running"),
        ("done", counts.done, "/console/jobs?state=done"),
    ];
    Ok(page::frame(
        "Status",
        html! {
            h2 { "Jobs" }
            table #jobs {
                thead { tr { th { "state" } th.n { "jobs" } } }
                tbody {
                    @for (state, count, link) in jobs {
                        tr {
                            td { a href=(link) { (state) } }
                            td.n { (count) }
                        }
                    }
                }
            }
            h2 { "Dead letters" }
            p #dead {
                @if counts.dead == 0 {
                    "No dead letter waits for replay."
                } @else {
                    a href="/console/dead-letters" { (counts.dead) " waiting for replay" }
                }
            }
            h2 { "Stored" }
            p {
                a href="/console/events" { (counts.events) " events" }
                " received; " (counts.effects) " effects recorded ("
                a href="/console/reconciliations" { "settlement reconciliations" } ")."
            }
            p {
                a href="/console/breakers" { "Circuit breakers" } " · "
                a href="/console/checkpoints" { "Backfill checkpoints" }
            }
        },
    ))
}

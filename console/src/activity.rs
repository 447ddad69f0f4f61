//! What the runtime did last: the events it received and the jobs that changed.

use axum::extract::{Query, State};
use flows::JobState;
use maud::{Markup, html};
use serde::Deserialize;

use crate::redact::mask_text;
use crate::state::ConsoleState;
use crate::{ConsoleError, format, page};

/// Rows shown on each page.
const SHOWN: u32 = 100;

/// `GET /console/events`.
pub(crate) async fn events(State(state): State<ConsoleState>) -> Result<Markup, ConsoleError> {
    let events = state.store().recent_events(SHOWN).await?;
    Ok(page::frame(
        "Recent events",
        html! {
            @if events.is_empty() {
                p { "No event received yet." }
            } @else {
                p { "The " (events.len()) " events received last, newest first." }
                table #events {
                    thead { tr { th { "received" } th { "provider" } th { "topic" } th { "event id" } th { "job" } } }
                    tbody {
                        @for event in &events {
                            tr {
                                td { (format::time(event.received_at)) }
                                td { (event.provider.as_str()) }
                                td { (event.topic) }
                                td { code { (event.event_id) } }
                                td {
                                    @match event.job {
                                        Some(job) => { "job " (job) }
                                        None => { "none" }
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

/// The query of the jobs page.
#[derive(Debug, Deserialize)]
pub(crate) struct JobsQuery {
    /// Only jobs in this state (`queued`, `running`, `done`, `dead`); all when absent or empty.
    state: Option<String>,
}

/// `GET /console/jobs?state=...`.
pub(crate) async fn jobs(
    State(state): State<ConsoleState>,
    Query(query): Query<JobsQuery>,
) -> Result<Markup, ConsoleError> {
    let filter = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => Some(
            JobState::ALL
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| ConsoleError::BadQuery {
                    field: "state",
                    value: name.to_owned(),
                    expected: JobState::ALL.map(JobState::as_str).join(", "),
                })?,
        ),
    };
    let jobs = state.store().recent_jobs(filter, SHOWN).await?;
    let title = match filter {
        Some(s) => format!("Recent jobs: {}", s.as_str()),
        None => "Recent jobs".to_owned(),
    };
    Ok(page::frame(
        &title,
        html! {
            p {
                "Show: " a href="/console/jobs" { "all" }
                @for s in JobState::ALL {
                    " · " a href={ "/console/jobs?state=" (s.as_str()) } { (s.as_str()) }
                }
            }
            @if jobs.is_empty() {
                p { "No job to show." }
            } @else {
                p { "The " (jobs.len()) " jobs changed last, newest first." }
                table #jobs {
                    thead {
                        tr {
                            th { "changed" } th { "kind" } th { "key" } th { "state" }
                            th.n { "attempts" } th { "runs at" } th { "last error" }
                        }
                    }
                    tbody {
                        @for job in &jobs {
                            tr {
                                td { (format::time(job.updated_at)) }
                                td { (job.kind.as_str()) }
                                td { code { (job.key) } }
                                td.state { (job.info.state.as_str()) }
                                td.n { (job.info.attempts) }
                                td { (format::time(job.info.run_at)) }
                                td {
                                    @if let Some(waiting) = &job.info.waiting_for {
                                        "waiting: " (mask_text(waiting)) br;
                                    }
                                    @if let Some(error) = &job.info.last_error {
                                        (mask_text(error))
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

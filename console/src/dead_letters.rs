//! Dead letters: the list with their reasons, one with its payload (card data masked), and its
//! replay.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use flows::FlowError;
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::Via;
use crate::redact::{mask_json, mask_text};
use crate::state::ConsoleState;
use crate::{ConsoleError, format, page};

/// Dead letters listed at most.
const SHOWN: u32 = 200;

/// The query of the list: set after a replay, to say what it did.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    /// The dead letter replayed.
    replayed: Option<i64>,
    /// Its job, queued again.
    job: Option<i64>,
}

/// `GET /console/dead-letters`.
pub(crate) async fn list(
    State(state): State<ConsoleState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, ConsoleError> {
    let letters = state.store().dead_letters(SHOWN).await?;
    Ok(page::frame(
        "Dead letters",
        html! {
            @if let (Some(replayed), Some(job)) = (query.replayed, query.job) {
                p.notice role="status" {
                    "Dead letter " (replayed) " replayed: job " (job) " is queued again."
                }
            }
            @if letters.is_empty() {
                p { "No dead letter waits for replay." }
            } @else {
                p { (letters.len()) " waiting for replay, oldest first." }
                table #dead-letters {
                    thead {
                        tr {
                            th { "id" } th { "dead since" } th { "kind" } th { "key" }
                            th { "failure" } th { "reason" }
                        }
                    }
                    tbody {
                        @for letter in &letters {
                            tr {
                                td { a href={ "/console/dead-letters/" (letter.id) } { (letter.id) } }
                                td { (format::time(letter.created_at)) }
                                td { (letter.kind.as_str()) }
                                td { code { (letter.key) } }
                                td { (format::failure(letter)) }
                                td.reason { (mask_text(&letter.reason)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// `GET /console/dead-letters/{id}`.
pub(crate) async fn show(
    State(state): State<ConsoleState>,
    Path(id): Path<i64>,
) -> Result<Markup, ConsoleError> {
    let letter = state
        .store()
        .dead_letter(id)
        .await?
        .ok_or(ConsoleError::NoSuchDeadLetter(id))?;
    // A `Value` always serializes.
    let payload = serde_json::to_string_pretty(&mask_json(&letter.payload)).unwrap_or_default();
    let link = state.dead_letter_link(id);
    Ok(page::frame(
        &format!("Dead letter {id}"),
        html! {
            table #letter {
                tbody {
                    tr { th { "job" } td { (letter.job_id) " · " (letter.kind.as_str()) " · " code { (letter.key) } } }
                    tr { th { "dead since" } td { (format::time(letter.created_at)) } }
                    tr { th { "failure" } td { (format::failure(&letter)) } }
                    tr { th { "reason" } td.reason { (mask_text(&letter.reason)) } }
                    @if let Some(link) = &link {
                        tr { th { "link" } td { a href=(link) { (link) } } }
                    }
                }
            }
            h2 { "Payload" }
            p { "Card data is masked." }
            pre #payload { (payload) }
            form method="post" action={ "/console/dead-letters/" (id) "/replay" } {
                input type="hidden" name="csrf" value=(state.csrf());
                p {
                    button.replay #replay type="submit" { "Replay" }
                    " queues the job again with fresh attempts."
                }
            }
            p { a href="/console/dead-letters" { "All dead letters" } }
        },
    ))
}

/// `POST /console/dead-letters/{id}/replay`: queues the letter's job again and goes back to the
/// list, which says so.
pub(crate) async fn replay(
    State(state): State<ConsoleState>,
    Path(id): Path<i64>,
    Extension(via): Extension<Via>,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    state.check_form(via, &body)?;
    let job = match state
        .store()
        .replay_dead_letter(id, flows::now_millis())
        .await
    {
        Ok(job) => job,
        Err(FlowError::NoSuchDeadLetter(_)) => return Err(ConsoleError::NoSuchDeadLetter(id)),
        Err(err) => return Err(err.into()),
    };
    tracing::info!(
        dead_letter = id,
        job,
        "dead letter replayed from the console"
    );
    Ok(Redirect::to(&format!("/console/dead-letters?replayed={id}&job={job}")).into_response())
}

//! The backfill pollers' checkpoints: how far each has read its provider.

use axum::extract::State;
use maud::{Markup, html};

use crate::state::ConsoleState;
use crate::{ConsoleError, format, page};

/// `GET /console/checkpoints`.
pub(crate) async fn page(State(state): State<ConsoleState>) -> Result<Markup, ConsoleError> {
    let checkpoints = state.store().checkpoints().await?;
    Ok(page::frame(
        "Backfill checkpoints",
        html! {
            @if checkpoints.is_empty() {
                p { "No poller has stored a checkpoint yet." }
            } @else {
                table #checkpoints {
                    thead { tr { th { "name" } th { "value" } th { "updated" } } }
                    tbody {
                        @for checkpoint in &checkpoints {
                            tr {
                                td { code { (checkpoint.name) } }
                                td { code { (checkpoint.value) } }
                                td { (format::time(checkpoint.updated_at)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

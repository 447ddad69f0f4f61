//! What the pollers share: when a poll stops reading, and how a checkpoint is read.

use std::time::{Duration, Instant};

use crate::StepError;
use crate::store::Store;
use crate::workflow::StepCtx;

/// A poll stops reading when less time than this is left in its run (or a quarter of a shorter
/// run), to finish the page in hand.
const MARGIN: Duration = Duration::from_secs(10);

/// When a poll run in `ctx` stops reading: [`MARGIN`] before the run's deadline, but never all
/// of a short run (a poll whose run fits in the margin would stop before its first page, every
/// time).
pub(crate) fn deadline(ctx: &StepCtx<'_>) -> Instant {
    let left = ctx.time_left();
    Instant::now() + left.saturating_sub(MARGIN.min(left / 4))
}

/// The deadline of a poll run by hand, to the present however long it takes.
pub(crate) fn no_deadline() -> Instant {
    Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

/// A poller's stored checkpoint `name`, read by `parse`; one `parse` refuses is a permanent
/// error naming it and what it should be (`expected`): a person looks at it.
pub(crate) async fn checkpoint<T>(
    store: &dyn Store,
    name: &str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, StepError> {
    let Some(value) = store.checkpoint(name).await? else {
        return Ok(None);
    };
    parse(&value).map(Some).ok_or_else(|| {
        StepError::permanent(format!("checkpoint {name} is {value:?}, not {expected}"))
    })
}

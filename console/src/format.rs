//! How the console and the `payops` command line write what they show alike.

use flows::{DeadLetter, Millis};
use time::OffsetDateTime;
use time::macros::format_description;

/// A store time (Unix milliseconds) as `2026-12-01 10:00:00 UTC`; one no calendar holds as its
/// milliseconds.
///
/// ```
/// assert_eq!(ops_console::format::time(1_764_583_200_000), "2025-12-01 10:00:00 UTC");
/// ```
pub fn time(at: Millis) -> String {
    let written = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        });
    written.unwrap_or_else(|| format!("{at} ms"))
}

/// How a dead letter failed, in words: `permanent failure, 1 attempt` or `gave up after 5
/// attempts`.
pub fn failure(letter: &DeadLetter) -> String {
    let attempts = match letter.attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    if letter.permanent {
        format!("permanent failure, {attempts}")
    } else {
        format!("gave up after {attempts}")
    }
}

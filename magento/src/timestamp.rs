//! Magento timestamps, read as [`OffsetDateTime`] in UTC and written in Magento's own format.
//!
//! The admin REST API sends `created_at`, `updated_at` and the like as the database text,
//! `YYYY-MM-DD HH:MM:SS`, with no offset. That text is UTC: Magento sets PHP's default time zone
//! to UTC (`app/bootstrap.php`, `date_default_timezone_set('UTC')`) and every database
//! connection's session time zone to `+00:00` (`Magento\Framework\DB\Adapter\Pdo\Mysql::_connect`:
//! "As we use default value CURRENT_TIMESTAMP for TIMESTAMP type columns we need to set GMT
//! timezone"); the store's time zone is applied only when a value is shown in the Admin or the
//! storefront. So a timestamp is an instant, kept as an [`OffsetDateTime`] at UTC like everywhere
//! else in the workspace, not as a local [`time::PrimitiveDateTime`].
//!
//! Read: `2024-03-01 12:34:56`, the ISO form `2024-03-01T12:34:56` (both UTC), ISO 8601 / RFC
//! 3339 with an offset (`2024-03-01T13:34:56+01:00`, `...Z`, converted to UTC), each with optional
//! fractional seconds. Written: `2024-03-01 12:34:56`, the form Magento's search tutorial uses in
//! `searchCriteria` filters on `created_at` (see [`Filter::timestamp`](crate::Filter::timestamp)).

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::{Error, Result};

/// Magento's database form, or the ISO one without an offset (both UTC).
const NAIVE: &[BorrowedFormatItem<'_>] = format_description!(
    "[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second][optional [.[subsecond]]]"
);

/// A calendar date.
const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

/// MySQL's "no date" (allowed because Magento's connections run with an empty `SQL_MODE`), as a
/// date and as a timestamp.
fn is_zero_date(text: &str) -> bool {
    matches!(text, "0000-00-00" | "0000-00-00 00:00:00")
}

/// Reads a Magento timestamp into an instant at UTC.
///
/// ```
/// let at = magento::timestamp::parse("2024-03-01 12:34:56").unwrap();
/// assert_eq!(at.unix_timestamp(), 1_709_296_496);
/// assert_eq!(magento::timestamp::parse("2024-03-01T13:34:56+01:00").unwrap(), at);
/// assert!(magento::timestamp::parse("01/03/2024").is_err());
/// ```
pub fn parse(text: &str) -> Result<OffsetDateTime> {
    let text = text.trim();
    if let Ok(naive) = PrimitiveDateTime::parse(text, NAIVE) {
        return Ok(naive.assume_utc());
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .map(|at| at.to_offset(UtcOffset::UTC))
        .map_err(|_| Error::InvalidTimestamp {
            text: payops_core::clip(text, 40),
        })
}

/// Writes an instant as Magento does, `YYYY-MM-DD HH:MM:SS` in UTC. Fractions of a second are
/// dropped: Magento's timestamp columns hold whole seconds.
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(
///     magento::timestamp::format(datetime!(2024-03-01 13:34:56.7 +01:00)),
///     "2024-03-01 12:34:56"
/// );
/// ```
pub fn format(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// An optional timestamp field: `null`, `""` and MySQL's zero date are `None`.
pub(crate) fn parse_optional(text: &str) -> Result<Option<OffsetDateTime>> {
    let text = text.trim();
    if text.is_empty() || is_zero_date(text) {
        return Ok(None);
    }
    parse(text).map(Some)
}

/// A calendar date such as a customer's `dob`: `YYYY-MM-DD`, or the same at midnight as older
/// versions send it (`1990-01-01 00:00:00`). `""` is `None`.
pub(crate) fn parse_optional_date(text: &str) -> Result<Option<Date>> {
    let text = text.trim();
    if text.is_empty() || is_zero_date(text) {
        return Ok(None);
    }
    let refused = || Error::InvalidTimestamp {
        text: payops_core::clip(text, 40),
    };
    // `get`, not `split_at`: byte 10 may fall inside a character of a malformed value.
    let (Some(day), Some(time)) = (text.get(..10), text.get(10..)) else {
        return Err(refused());
    };
    let midnight = matches!(
        time,
        "" | " 00:00:00" | "T00:00:00" | "T00:00:00Z" | "T00:00:00+00:00"
    );
    match Date::parse(day, DATE) {
        Ok(date) if midnight => Ok(Some(date)),
        _ => Err(refused()),
    }
}

/// Writes a calendar date as `YYYY-MM-DD`.
pub(crate) fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn database_and_iso_forms_are_the_same_instant() {
        let at = datetime!(2024-03-01 12:34:56 UTC);
        for text in [
            "2024-03-01 12:34:56",
            " 2024-03-01 12:34:56 ",
            "2024-03-01T12:34:56",
            "2024-03-01T12:34:56Z",
            "2024-03-01T12:34:56+00:00",
            "2024-03-01T13:34:56+01:00",
            "2024-03-01T07:34:56-05:00",
            "2024-03-01T12:34:56.000Z",
        ] {
            assert_eq!(parse(text).unwrap(), at, "{text}");
            assert_eq!(parse(text).unwrap().offset(), UtcOffset::UTC, "{text}");
        }
        assert_eq!(
            parse("2024-03-01 12:34:56.250").unwrap(),
            datetime!(2024-03-01 12:34:56.25 UTC)
        );
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for text in [
            "",
            "2024-03-01",
            "2024-13-01 00:00:00",
            "2024-02-30 00:00:00",
            "2024-03-01 24:00:00",
            "01/03/2024 12:34:56",
            "2024-03-01 12:34",
            "1709296496",
            "0000-00-00 00:00:00",
        ] {
            assert!(
                matches!(parse(text), Err(Error::InvalidTimestamp { .. })),
                "{text:?}"
            );
        }
        let long = "x".repeat(500);
        match parse(&long).unwrap_err() {
            Error::InvalidTimestamp { text } => assert!(text.chars().count() <= 41),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn optional_fields_read_empty_and_zero_dates_as_absent() {
        assert_eq!(parse_optional("").unwrap(), None);
        assert_eq!(parse_optional("0000-00-00 00:00:00").unwrap(), None);
        assert_eq!(
            parse_optional("2024-03-01 12:34:56").unwrap(),
            Some(datetime!(2024-03-01 12:34:56 UTC))
        );
        assert!(parse_optional("yesterday").is_err());
        assert!(parse_optional("0000-00-00 junk").is_err());
    }

    #[test]
    fn dates_of_birth_are_calendar_dates() {
        let day = time::macros::date!(1990 - 01 - 31);
        for text in ["1990-01-31", "1990-01-31 00:00:00", "1990-01-31T00:00:00"] {
            assert_eq!(parse_optional_date(text).unwrap(), Some(day), "{text}");
        }
        assert_eq!(parse_optional_date("").unwrap(), None);
        assert_eq!(parse_optional_date("0000-00-00").unwrap(), None);
        for text in [
            "1990-02-30",
            "1990-01-31 12:00:00",
            "31/01/1990",
            "1990-1-31",
            "1990-01-3é",
            "1990-01-é1 00:00:00",
        ] {
            assert!(parse_optional_date(text).is_err(), "{text}");
        }
        assert_eq!(format_date(day), "1990-01-31");
    }

    #[test]
    fn written_in_magento_form_at_utc() {
        assert_eq!(
            format(datetime!(2024-03-01 12:34:56 UTC)),
            "2024-03-01 12:34:56"
        );
        assert_eq!(
            format(datetime!(2024-01-01 00:30:00 +02:00)),
            "2023-12-31 22:30:00"
        );
        let at = datetime!(2026-11-23 10:00:05 UTC);
        assert_eq!(parse(&format(at)).unwrap(), at);
    }
}

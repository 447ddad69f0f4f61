//! Calendar dates as the crate writes and reads them: `YYYY-MM-DD`.
//!
//! The crate's dates are [`time::Date`], the workspace's one date type. Three places hold them
//! as text, all in the same form:
//! - the ledger's `TEXT` date columns: the text the crate has always stored (before `time` it
//!   was `chrono::NaiveDate`'s `%Y-%m-%d`), so existing ledger files still load;
//! - Odoo's JSON API: dates are `"YYYY-MM-DD"` and datetimes `"YYYY-MM-DD HH:MM:SS"` in UTC
//!   (`DEFAULT_SERVER_DATE_FORMAT` and `DEFAULT_SERVER_DATETIME_FORMAT` in Odoo's
//!   `odoo/tools/misc.py`);
//! - the documents' serde form (`"invoice_date": "2026-11-23"`).

use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// Four-digit year (with a `-` only before the year 0), two-digit month and day.
pub(crate) const FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

time::serde::format_description!(pub(crate) ymd, Date, FORMAT);

/// `date` as `YYYY-MM-DD`.
///
/// `Date`'s `Display` writes exactly [`FORMAT`] (tested below) and cannot fail, unlike
/// `Date::format`.
pub(crate) fn text(date: Date) -> String {
    date.to_string()
}

/// Reads `YYYY-MM-DD`; anything else (another layout, a time, an impossible day) is an error.
pub(crate) fn parse(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(text, FORMAT)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn dates_are_iso_text_with_four_digit_years() {
        assert_eq!(text(date!(2026 - 11 - 23)), "2026-11-23");
        assert_eq!(text(date!(0999 - 01 - 05)), "0999-01-05");
        assert_eq!(parse("2026-11-23").unwrap(), date!(2026 - 11 - 23));
        assert_eq!(parse("0999-01-05").unwrap(), date!(0999 - 01 - 05));
        for bad in [
            "2026-11-31",
            "2026-1-23",
            "26-11-23",
            "2026/11/23",
            "2026-11-23 00:00:00",
            "2026-11-23T00:00:00Z",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_uses_the_same_text() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Doc {
            #[serde(with = "ymd")]
            date: Date,
        }
        let doc = Doc {
            date: date!(2026 - 11 - 23),
        };
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json, serde_json::json!({"date": "2026-11-23"}));
        assert_eq!(serde_json::from_value::<Doc>(json).unwrap(), doc);
        assert!(serde_json::from_value::<Doc>(serde_json::json!({"date": "23/11/2026"})).is_err());
    }

    proptest! {
        #[test]
        fn display_is_the_format_and_reads_back(day in Date::MIN.to_julian_day()..=Date::MAX.to_julian_day()) {
            let date = Date::from_julian_day(day).unwrap();
            prop_assert_eq!(text(date), date.format(FORMAT).unwrap());
            prop_assert_eq!(parse(&text(date)).unwrap(), date);
        }
    }
}

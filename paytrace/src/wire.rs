//! Serde helpers for PayTrace's wire formats: decimal amounts, `MM/DD/YYYY` dates,
//! `M/D/YYYY h:mm:ss AM` timestamps, and values that arrive either as numbers or strings.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;
use std::str::FromStr;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

/// Date format of request fields such as `start_date`: `MM/DD/YYYY`, zero-padded
/// (`04/10/2015`; help.paytrace.com/json-export-tranx-date).
const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[month]/[day]/[year]");

/// Timestamp formats of exports: `4/10/2015 8:13:45 PM` (help.paytrace.com export record,
/// moqui/mantle-paytrace). Month, day and hour may come with or without a leading zero
/// (`12/01/2024 12:05:00 AM`); a 24-hour reading without `AM`/`PM` is accepted too.
const DATETIME_FORMATS: [&[BorrowedFormatItem<'static>]; 2] = [
    format_description!(
        "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period case_sensitive:false]"
    ),
    format_description!(
        "[month padding:none]/[day padding:none]/[year] [hour padding:none]:[minute]:[second]"
    ),
];

/// Text of a JSON scalar, exact for numbers (the crate enables `arbitrary_precision`).
fn scalar_text<E: serde::de::Error>(value: Value) -> Result<Option<String>, E> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(E::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

/// Parses an amount given as a JSON number (`110`, `51.88`, `1.5e1`) or string (`"8.10"`),
/// exactly: digits that a [`Decimal`] cannot hold are refused, never rounded. The error
/// reaches the caller as [`Error::Decode`](crate::Error::Decode) with the field's JSON path.
fn parse_decimal<E: serde::de::Error>(text: &str) -> Result<Decimal, E> {
    payops_core::decimal::parse_exact(text.trim())
        .map_err(|e| E::custom(format!("invalid amount: {e}")))
}

/// Writes an amount as a JSON number with at least two decimals (`10` becomes `10.00`).
///
/// More than two decimals are sent as they are: PayTrace rejects them, which is better
/// than rounding money silently.
fn amount_number(amount: &Decimal) -> Result<serde_json::Number, String> {
    let mut amount = *amount;
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    serde_json::Number::from_str(&amount.to_string()).map_err(|e| e.to_string())
}

/// `#[serde(with = "amount")]` for a required [`Decimal`] amount.
pub(crate) mod amount {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let number = amount_number(amount).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&number, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        match scalar_text(Value::deserialize(d)?)? {
            Some(text) => parse_decimal(&text),
            None => Err(D::Error::custom("missing amount")),
        }
    }
}

/// `#[serde(with = "opt_amount")]` for an optional amount; `""` and `null` read as `None`.
pub(crate) mod opt_amount {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        amount: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => amount::serialize(a, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        match scalar_text(Value::deserialize(d)?)? {
            Some(text) if !text.trim().is_empty() => parse_decimal(&text).map(Some),
            _ => Ok(None),
        }
    }
}

/// `#[serde(serialize_with = "opt_number")]` for non-money decimals (rates, quantities),
/// written as exact JSON numbers rather than strings.
pub(crate) fn opt_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => {
            let number =
                serde_json::Number::from_str(&v.to_string()).map_err(serde::ser::Error::custom)?;
            serde::Serialize::serialize(&number, s)
        }
        None => s.serialize_none(),
    }
}

/// `#[serde(with = "date")]` for `MM/DD/YYYY` request dates.
pub(crate) mod date {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = date
            .format(DATE_FORMAT)
            .map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

/// Parses PayTrace's `M/D/YYYY h:mm:ss AM` timestamp. Empty text is `None`.
pub(crate) fn parse_datetime(text: &str) -> Result<Option<PrimitiveDateTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    DATETIME_FORMATS
        .iter()
        .find_map(|f| PrimitiveDateTime::parse(text, f).ok())
        .map(Some)
        .ok_or_else(|| format!("invalid PayTrace timestamp {text:?}"))
}

/// `#[serde(deserialize_with = "opt_datetime")]` for export timestamps (`""` is `None`).
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<PrimitiveDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) => parse_datetime(&text).map_err(D::Error::custom),
        None => Ok(None),
    }
}

/// `#[serde(deserialize_with = "opt_text")]` for identifiers and codes that PayTrace sends
/// as numbers in some bodies and strings in others (zip codes, expiry parts, invoice ids).
/// Empty strings read as `None`.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(Value::deserialize(d)?)?.filter(|s| !s.is_empty()))
}

/// `#[serde(deserialize_with = "opt_u64")]` for integer ids that may be strings or `""`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match scalar_text(Value::deserialize(d)?)? {
        Some(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("invalid integer {text:?}"))),
        _ => Ok(None),
    }
}

/// Serializes a number-like field (expiry month/year) as a string, as PayTrace's samples do.
pub(crate) fn as_string<T: std::fmt::Display, S: Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use payops_core::decimal::samples::json_number_text;
    use proptest::prelude::*;
    use serde::Serialize;
    use time::macros::{date, datetime};

    #[derive(Serialize, Deserialize)]
    struct Amt {
        #[serde(with = "amount")]
        a: Decimal,
        #[serde(with = "opt_amount", default)]
        b: Option<Decimal>,
    }

    #[test]
    fn amounts_keep_exact_digits_both_ways() {
        let parsed: Amt =
            serde_json::from_str(r#"{"a": 0.30000000000000004, "b": "8.10"}"#).unwrap();
        assert_eq!(parsed.a.to_string(), "0.30000000000000004");
        assert_eq!(parsed.b.unwrap().to_string(), "8.10");
        let out = serde_json::to_string(&Amt {
            a: Decimal::new(10, 0),
            b: Some(Decimal::new(5188, 2)),
        })
        .unwrap();
        assert_eq!(out, r#"{"a":10.00,"b":51.88}"#);
    }

    #[test]
    fn integer_and_empty_amounts() {
        let parsed: Amt = serde_json::from_str(r#"{"a": 110, "b": ""}"#).unwrap();
        assert_eq!(parsed.a, Decimal::new(110, 0));
        assert_eq!(parsed.b, None);
    }

    #[test]
    fn bad_amount_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<Amt>(r#"{"a": "ten"}"#).is_err());
        assert!(serde_json::from_str::<Amt>(r#"{"a": [1]}"#).is_err());
    }

    #[test]
    fn paytrace_timestamps() {
        let t = parse_datetime("4/10/2015 8:13:45 PM").unwrap().unwrap();
        assert_eq!(t, datetime!(2015-04-10 20:13:45));
        let t = parse_datetime("12/01/2024 12:05:00 AM").unwrap().unwrap();
        assert_eq!(t, datetime!(2024-12-01 00:05:00));
        let t = parse_datetime(" 1/2/2025 12:00:01 pm ").unwrap().unwrap();
        assert_eq!(t, datetime!(2025-01-02 12:00:01));
        let t = parse_datetime("04/10/2015 20:13:45").unwrap().unwrap();
        assert_eq!(t, datetime!(2015-04-10 20:13:45));
        assert_eq!(parse_datetime("").unwrap(), None);
        for bad in [
            "yesterday",
            "2015-04-10 20:13:45",
            "4/10/2015 13:13:45 PM",
            "4/10/2015 8:13 PM",
            "13/10/2015 8:13:45 PM",
            "2/30/2015 8:13:45 PM",
            "4/10/2015 8:13:45 PM UTC",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
    }

    #[derive(Serialize)]
    struct Day {
        #[serde(with = "date")]
        d: Date,
    }

    #[test]
    fn request_dates_are_zero_padded_us_dates() {
        let text = |d| serde_json::to_string(&Day { d }).unwrap();
        assert_eq!(text(date!(2015 - 04 - 10)), r#"{"d":"04/10/2015"}"#);
        assert_eq!(text(date!(2024 - 12 - 01)), r#"{"d":"12/01/2024"}"#);
        assert_eq!(text(date!(0999 - 01 - 31)), r#"{"d":"01/31/0999"}"#);
    }

    /// Issue 14: `Decimal::from_scientific` rounded exponent notation past 28 digits, so
    /// `1.99999999999999999999999999999e1` was read as 20.
    #[test]
    fn amounts_that_would_round_are_refused_naming_the_field() {
        let exact: Amt = serde_json::from_str(r#"{"a": 5.188e1, "b": "1.5E-1"}"#).unwrap();
        assert_eq!(exact.a.to_string(), "51.88");
        assert_eq!(exact.b.unwrap().to_string(), "0.15");
        for body in [
            r#"{"a": 1.99999999999999999999999999999e1}"#,
            r#"{"a": "1.99999999999999999999999999999e1"}"#,
            r#"{"a": 19.9999999999999999999999999999}"#,
            r#"{"a": 1e-400}"#,
            r#"{"a": 1, "b": 36.450000000000000000000000000001}"#,
        ] {
            let err = serde_path_to_error::deserialize::<_, Amt>(
                &mut serde_json::Deserializer::from_str(body),
            )
            .err()
            .unwrap_or_else(|| panic!("{body} was accepted"));
            let field = if body.contains("\"b\"") { "b" } else { "a" };
            assert_eq!(err.path().to_string(), field, "{body}");
            assert!(
                err.to_string().contains("not an exact decimal"),
                "{body}: {err}"
            );
        }
    }

    proptest! {
        /// Issue 14: an amount PayTrace sends as a JSON number or a string, in plain or exponent
        /// notation, in a required or an optional field, reads back as exactly the value written
        /// (`format(parse(s)) == canonical(s)`), or is refused as a decode error at the field; a
        /// value a `Decimal` holds is never refused.
        #[test]
        fn amounts_read_back_exactly_or_are_refused_at_the_field(
            sample in json_number_text(),
            quoted in any::<bool>(),
            optional in any::<bool>(),
        ) {
            let text = sample.text.clone();
            let value = if quoted { format!("\"{text}\"") } else { text };
            let (field, json) = if optional {
                ("b", format!(r#"{{"a": 1, "b": {value}}}"#))
            } else {
                ("a", format!(r#"{{"a": {value}}}"#))
            };
            let expected = sample.canonical.clone();
            let read = serde_path_to_error::deserialize::<_, Amt>(
                &mut serde_json::Deserializer::from_str(&json),
            );
            match read {
                Ok(read) => {
                    let amount = if optional { read.b } else { Some(read.a) };
                    prop_assert_eq!(amount.map(|a| a.normalize().to_string()), Some(expected));
                }
                Err(err) => {
                    prop_assert_eq!(err.path().to_string(), field, "{}", json);
                    let message = err.to_string();
                    prop_assert!(message.contains("not an exact decimal"), "{}: {}", json, message);
                    prop_assert!(!sample.fits(), "{} refused, {} fits", json, expected);
                }
            }
        }
    }
}

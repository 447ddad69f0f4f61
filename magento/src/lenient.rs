//! Lenient (de)serializers for Magento's loosely typed JSON.
//!
//! Magento serializes PHP values, so a money field the schema calls `number` arrives as `165`,
//! `165.5` or `"165.5000"`, an `integer` flag as `0`, `"0"` or `false`, and anything "required" may
//! be `null`. Numbers are read from their JSON text (the workspace enables serde_json's
//! `arbitrary_precision`), so no value passes through binary floating point.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::timestamp;

/// Plain or exponent notation, kept exactly or refused: `rust_decimal`'s own readers round
/// (`from_scientific` past 28 digits), which would turn `1.99999999999999999999999999999e1` into
/// `20`. The field is named by the decode error's path.
fn decimal_from_text<E: serde::de::Error>(text: &str) -> Result<Decimal, E> {
    payops_core::decimal::parse_exact(text.trim()).map_err(E::custom)
}

/// `null`, a number or a numeric string into `Option<Decimal>`; `""` is `None`.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => decimal_from_text(&n.to_string()).map(Some),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => decimal_from_text(&s).map(Some),
        other => Err(D::Error::custom(format!(
            "expected a decimal, found {other}"
        ))),
    }
}

/// `null`, an integer or an integer string into `Option<i64>`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => int_from_text(&n.to_string()).map(Some),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => int_from_text(&s).map(Some),
        other => Err(D::Error::custom(format!(
            "expected an integer, found {other}"
        ))),
    }
}

/// An integer or integer string; used for the bare ids some endpoints return.
pub(crate) fn i64_value<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_i64(d)?.ok_or_else(|| D::Error::custom("expected an integer, found null"))
}

fn int_from_text<E: serde::de::Error>(text: &str) -> Result<i64, E> {
    let text = text.trim();
    if let Ok(i) = i64::from_str(text) {
        return Ok(i);
    }
    // "3.0000" or 3.0: integral decimals are accepted, fractional ones are not.
    let d: Decimal = decimal_from_text(text)?;
    if d.fract().is_zero() {
        i64::try_from(d).map_err(|_| E::custom(format!("`{text}` is out of range")))
    } else {
        Err(E::custom(format!("`{text}` is not an integer")))
    }
}

/// `null`, a boolean, `0`/`1` or their strings into `Option<bool>`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) => Ok(Some(int_from_text::<D::Error>(&n.to_string())? != 0)),
        Value::String(s) => match s.trim() {
            "" => Ok(None),
            "0" | "false" => Ok(Some(false)),
            "1" | "true" => Ok(Some(true)),
            other => Err(D::Error::custom(format!("`{other}` is not a boolean"))),
        },
        other => Err(D::Error::custom(format!(
            "expected a boolean, found {other}"
        ))),
    }
}

/// `null`, a string, or a scalar written as text into `Option<String>`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a string, found {other}"
        ))),
    }
}

/// Like [`opt_string`], with `null` read as an empty string (for the few fields kept as
/// `String` because every real record has them).
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// A street: an array of lines, a single string (seen with `fields=` filtering), or `null`.
pub(crate) fn street<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(s.lines().map(str::to_owned).collect()),
        Value::Array(lines) => lines
            .into_iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(D::Error::custom(format!(
                    "expected a street line, found {other}"
                ))),
            })
            .collect(),
        other => Err(D::Error::custom(format!(
            "expected a street, found {other}"
        ))),
    }
}

/// `null`, `""`, MySQL's zero date or a timestamp string into `Option<OffsetDateTime>` at UTC
/// (see [`crate::timestamp`]); anything else is refused.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => timestamp::parse_optional(&s).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!(
            "expected a timestamp, found {other}"
        ))),
    }
}

/// Writes a timestamp as Magento does, `YYYY-MM-DD HH:MM:SS` in UTC (skip `None` with
/// `skip_serializing_if`).
pub(crate) fn opt_timestamp_text<S: Serializer>(
    value: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(at) => s.serialize_str(&timestamp::format(*at)),
        None => s.serialize_none(),
    }
}

/// `null`, `""` or a `YYYY-MM-DD` date (also at midnight, `YYYY-MM-DD 00:00:00`) into
/// `Option<Date>`.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => timestamp::parse_optional_date(&s).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!("expected a date, found {other}"))),
    }
}

/// Writes a date as `YYYY-MM-DD` (skip `None` with `skip_serializing_if`).
pub(crate) fn opt_date_text<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(date) => s.serialize_str(&timestamp::format_date(*date)),
        None => s.serialize_none(),
    }
}

/// `null` or a list; `null` becomes an empty list (Magento sends `null` for empty collections).
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Writes a decimal as a JSON number with its exact digits (never through binary floating point).
pub(crate) fn decimal_number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let text = value.normalize().to_string();
    let number = serde_json::Number::from_str(&text).map_err(serde::ser::Error::custom)?;
    number.serialize(s)
}

/// [`decimal_number`] for an optional field (skip `None` with `skip_serializing_if`).
pub(crate) fn opt_decimal_number<S: Serializer>(
    value: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => decimal_number(v, s),
        None => s.serialize_none(),
    }
}

/// Writes a boolean as the `0`/`1` integer the schema declares for flags.
pub(crate) fn bool_int<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(u8::from(*value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use payops_core::decimal::samples::json_number_text;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize)]
    struct Money {
        #[serde(
            default,
            deserialize_with = "opt_decimal",
            serialize_with = "opt_decimal_number"
        )]
        v: Option<Decimal>,
    }

    fn money(json: &str) -> Option<Decimal> {
        serde_json::from_str::<Money>(json).unwrap().v
    }

    #[test]
    fn decimals_from_int_float_string_and_null() {
        assert_eq!(money(r#"{"v":165}"#), Some(Decimal::from(165)));
        assert_eq!(money(r#"{"v":0.1}"#), Some(Decimal::new(1, 1)));
        assert_eq!(money(r#"{"v":"0.0000"}"#), Some(Decimal::ZERO));
        assert_eq!(money(r#"{"v":"12.3456"}"#), Some(Decimal::new(123_456, 4)));
        assert_eq!(money(r#"{"v":1e2}"#), Some(Decimal::from(100)));
        assert_eq!(money(r#"{"v":null}"#), None);
        assert_eq!(money(r#"{}"#), None);
        assert!(serde_json::from_str::<Money>(r#"{"v":"abc"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"v":[1]}"#).is_err());
    }

    #[test]
    fn big_money_keeps_every_digit() {
        // 0.1 + 0.2 style values and more digits than a double holds survive unchanged.
        let v = money(r#"{"v":12345678901234567.8901}"#).unwrap();
        assert_eq!(v.to_string(), "12345678901234567.8901");
    }

    #[test]
    fn exponent_notation_is_exact_or_refused() {
        assert_eq!(money(r#"{"v":"1.2345e2"}"#), Some(Decimal::new(12_345, 2)));
        assert_eq!(money(r#"{"v":15e-1}"#), Some(Decimal::new(15, 1)));
        // 30 significant digits: `Decimal::from_scientific` rounded this to 20.
        for json in [
            r#"{"v":"1.99999999999999999999999999999e1"}"#,
            r#"{"v":1.99999999999999999999999999999e1}"#,
            r#"{"v":"1e-400"}"#,
            r#"{"v":36.450000000000000000000000000001}"#,
        ] {
            let err = serde_json::from_str::<Money>(json).unwrap_err();
            assert!(
                err.to_string().contains("not an exact decimal"),
                "{json}: {err}"
            );
        }
    }

    proptest! {
        /// Issue 14: a decimal Magento sends as a JSON number or a string, in plain or exponent
        /// notation, reads back as exactly the value written (`format(parse(s)) ==
        /// canonical(s)`), or is refused as a decode error at the field; a value a `Decimal`
        /// holds is never refused.
        #[test]
        fn decimals_read_back_exactly_or_are_refused_at_the_field(
            sample in json_number_text(),
            quoted in any::<bool>(),
        ) {
            let text = sample.text.clone();
            let json = if quoted {
                format!(r#"{{"v":"{text}"}}"#)
            } else {
                format!(r#"{{"v":{text}}}"#)
            };
            let expected = sample.canonical.clone();
            let read = serde_path_to_error::deserialize::<_, Money>(
                &mut serde_json::Deserializer::from_str(&json),
            );
            match read {
                Ok(read) => {
                    prop_assert_eq!(read.v.map(|v| v.normalize().to_string()), Some(expected));
                }
                Err(err) => {
                    prop_assert_eq!(err.path().to_string(), "v", "{}", json);
                    let message = err.to_string();
                    prop_assert!(message.contains("not an exact decimal"), "{}: {}", json, message);
                    prop_assert!(!sample.fits(), "{} refused, {} fits", json, expected);
                }
            }
        }
    }

    #[test]
    fn timestamps_and_dates_round_trip_in_magento_form() {
        #[derive(Deserialize, Serialize)]
        struct Stamp {
            #[serde(
                default,
                deserialize_with = "opt_timestamp",
                serialize_with = "opt_timestamp_text"
            )]
            at: Option<OffsetDateTime>,
            #[serde(
                default,
                deserialize_with = "opt_date",
                serialize_with = "opt_date_text"
            )]
            day: Option<Date>,
        }
        let read: Stamp =
            serde_json::from_str(r#"{"at":"2024-03-01T12:34:56Z","day":"1990-01-31"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"at":"2024-03-01 12:34:56","day":"1990-01-31"}"#
        );
        let empty: Stamp = serde_json::from_str(r#"{"at":null,"day":""}"#).unwrap();
        assert_eq!((empty.at, empty.day), (None, None));
        assert!(serde_json::from_str::<Stamp>(r#"{"at":1709296496}"#).is_err());
        assert!(serde_json::from_str::<Stamp>(r#"{"at":"2024-03-01"}"#).is_err());
    }

    #[test]
    fn decimals_serialize_as_exact_json_numbers() {
        let out = serde_json::to_string(&Money {
            v: Some(Decimal::new(1050, 2)),
        })
        .unwrap();
        assert_eq!(out, r#"{"v":10.5}"#);
    }

    #[test]
    fn ints_and_bools_are_lenient() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "opt_i64")]
            i: Option<i64>,
            #[serde(deserialize_with = "opt_bool")]
            b: Option<bool>,
        }
        let t: T = serde_json::from_str(r#"{"i":"42","b":"1"}"#).unwrap();
        assert_eq!((t.i, t.b), (Some(42), Some(true)));
        let t: T = serde_json::from_str(r#"{"i":3.0,"b":0}"#).unwrap();
        assert_eq!((t.i, t.b), (Some(3), Some(false)));
        assert!(serde_json::from_str::<T>(r#"{"i":3.5,"b":0}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"i":1,"b":"maybe"}"#).is_err());
    }
}

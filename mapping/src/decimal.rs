//! Reading decimal amounts from text and JSON exactly, never through binary floating point.
//!
//! Text and JSON numbers go through one reader, [`payops_core::decimal::parse_exact`]: plain or
//! exponent notation, every digit kept or the value refused. serde_json's `arbitrary_precision`
//! (on in this workspace) keeps a JSON number's text, so `36.450000000000000001`,
//! `592982100899971.96` and `1e-400` are read as written, not as the nearest double.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::MappingError;

/// Parses a decimal such as `"36.45"`, `"-0.5"`, `"1000"` or `"1.2345e2"`.
///
/// The grammar is `[+-]digits[.digits][(e|E)[+-]digits]` (no spaces, no thousands separators).
/// The value is kept exactly, with the scale written (`"1.50"` stays `1.50`); one that a 96-bit
/// decimal cannot hold exactly (more than 28 decimal places of significant digits, more than 96
/// bits of mantissa) is refused, never rounded. Errors are [`MappingError::InvalidAmount`]
/// naming `field`.
pub fn parse_decimal(text: &str, field: &str) -> Result<Decimal, MappingError> {
    payops_core::decimal::parse_exact(text).map_err(|err| MappingError::InvalidAmount {
        field: field.to_owned(),
        value: text.to_owned(),
        reason: match err {
            payops_core::Error::InexactDecimal { reason, .. } => reason,
            _ => "not an exact decimal",
        },
    })
}

/// Reads a JSON amount that may arrive as a number or a string (Magento sends ints, floats and
/// strings; PayTrace numbers, and strings in its exports).
///
/// A number is read from its JSON text, a string (without surrounding spaces) by the same
/// [`parse_decimal`]: `36.45` and `"36.45"` give the same value, and nothing goes through
/// binary floating point. `null` is [`MappingError::MissingField`].
pub fn decimal_from_json(value: &Value, field: &str) -> Result<Decimal, MappingError> {
    match value {
        Value::String(text) => parse_decimal(text.trim(), field),
        Value::Number(number) => parse_decimal(&number.to_string(), field),
        Value::Null => Err(MappingError::MissingField {
            field: field.to_owned(),
        }),
        other => Err(MappingError::InvalidAmount {
            field: field.to_owned(),
            value: other.to_string(),
            reason: "expected a number or a numeric string",
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn from_json_text(text: &str) -> Result<Decimal, MappingError> {
        decimal_from_json(&serde_json::from_str(text).unwrap(), "grand_total")
    }

    #[test]
    fn parses_decimals_exactly() {
        for (text, value) in [
            ("36.45", "36.45"),
            ("-0.50", "-0.50"),
            ("1000", "1000"),
            ("+5", "5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.2345e2", "123.45"),
            ("1E3", "1000"),
            (
                "36.450000000000000000000000001",
                "36.450000000000000000000000001",
            ),
        ] {
            assert_eq!(
                parse_decimal(text, "a").unwrap().to_string(),
                value,
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_malformed_text_naming_the_field() {
        for bad in [
            "", "-", ".", "e3", " 1", "1,000.00", "1.2.3", "NaN", "0x10", "１", "1e", "inf",
        ] {
            let err = parse_decimal(bad, "total").unwrap_err();
            assert!(
                matches!(err, MappingError::InvalidAmount { .. }),
                "{bad}: {err}"
            );
            assert_eq!(err.field(), "total");
            assert_eq!(err.value(), Some(bad));
        }
    }

    #[test]
    fn refuses_what_would_round() {
        for bad in [
            "99999999999999999999999999999999",
            "36.450000000000000000000000000001",
            "1.99999999999999999999999999999e1",
            "1e-400",
            "1e29",
        ] {
            let err = parse_decimal(bad, "total").unwrap_err();
            assert!(
                matches!(err, MappingError::InvalidAmount { .. }),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains("total"), "{err}");
        }
    }

    /// The three values the fuzzer found rounded through binary floating point.
    #[test]
    fn json_numbers_are_read_from_their_text_exactly() {
        assert_eq!(
            from_json_text("592982100899971.96").unwrap().to_string(),
            "592982100899971.96"
        );
        assert_eq!(
            from_json_text("36.450000000000000001").unwrap().to_string(),
            "36.450000000000000001"
        );
        let err = from_json_text("1e-400").unwrap_err();
        assert!(matches!(err, MappingError::InvalidAmount { .. }), "{err}");
        assert_eq!(err.field(), "grand_total");
        assert_eq!(err.value(), Some("1e-400"));
    }

    #[test]
    fn json_numbers_and_strings_agree() {
        for text in [
            "165",
            "165.0000",
            "36.45",
            "-0.01",
            "0.1",
            "1234567890123.45",
            "18446744073709551615",
            "1.5e2",
            "0.30000000000000004",
        ] {
            let number = from_json_text(text).unwrap();
            let string = decimal_from_json(&json!(text), "grand_total").unwrap();
            assert_eq!(number, string, "{text}");
            assert_eq!(
                number.to_string(),
                parse_decimal(text, "a").unwrap().to_string()
            );
        }
        assert_eq!(
            decimal_from_json(&json!(" 0.0000 "), "a")
                .unwrap()
                .to_string(),
            "0.0000"
        );
    }

    #[test]
    fn json_non_numbers_are_typed_errors() {
        assert!(matches!(
            decimal_from_json(&json!(null), "a"),
            Err(MappingError::MissingField { .. })
        ));
        assert!(matches!(
            decimal_from_json(&json!(true), "a"),
            Err(MappingError::InvalidAmount { .. })
        ));
        assert!(matches!(
            decimal_from_json(&json!({"x": 1}), "a"),
            Err(MappingError::InvalidAmount { .. })
        ));
        assert!(matches!(
            decimal_from_json(&json!("abc"), "a"),
            Err(MappingError::InvalidAmount { .. })
        ));
    }
}

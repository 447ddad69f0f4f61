//! Reading decimal amounts from text and JSON without going through binary floating point.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::MappingError;

/// Significant digits a JSON float can carry and still be read back exactly: any decimal with at
/// most 15 significant digits survives the round trip through an IEEE 754 double.
pub const MAX_FLOAT_SIGNIFICANT_DIGITS: usize = 15;

/// Longest amount text accepted; far beyond any real amount, short enough to refuse junk early.
const MAX_TEXT_LEN: usize = 40;

/// Parses a plain decimal such as `"36.45"`, `"-0.5"` or `"1000"`.
///
/// Only an optional `-`, digits, and an optional `.` followed by digits are accepted: no exponent,
/// no `+`, no spaces, no thousands separators, so what is read is exactly what was written.
pub fn parse_decimal(text: &str, field: &str) -> Result<Decimal, MappingError> {
    let invalid = |reason| MappingError::InvalidAmount {
        field: field.to_owned(),
        value: text.to_owned(),
        reason,
    };
    if text.len() > MAX_TEXT_LEN {
        return Err(invalid("too long"));
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(invalid("expected digits with an optional '-' and '.'"));
    }
    Decimal::from_str_exact(text).map_err(|_| invalid("more digits than a 96-bit decimal holds"))
}

/// Reads a JSON amount that may arrive as an integer, a float or a string (Magento sends all three;
/// PayTrace sends floats).
///
/// Floats are read through their shortest round-trip representation, which is exact for every
/// value written with at most [`MAX_FLOAT_SIGNIFICANT_DIGITS`] significant digits; a float that
/// needs more digits is refused instead of being guessed at.
pub fn decimal_from_json(value: &Value, field: &str) -> Result<Decimal, MappingError> {
    match value {
        Value::String(text) => parse_decimal(text.trim(), field),
        Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                Ok(Decimal::from(i))
            } else if let Some(u) = number.as_u64() {
                Ok(Decimal::from(u))
            } else {
                match number.as_f64() {
                    Some(float) => decimal_from_f64(float, field),
                    None => Err(MappingError::InvalidAmount {
                        field: field.to_owned(),
                        value: number.to_string(),
                        reason: "not a finite number",
                    }),
                }
            }
        }
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

/// Converts a float received from the network (never one computed here) to the decimal its sender
/// wrote, refusing values whose shortest representation has more than 15 significant digits.
pub fn decimal_from_f64(float: f64, field: &str) -> Result<Decimal, MappingError> {
    // `Display` for f64 prints the shortest text that reads back to the same double, never in
    // exponent notation.
    let text = format!("{float}");
    let invalid = |reason| MappingError::InvalidAmount {
        field: field.to_owned(),
        value: text.clone(),
        reason,
    };
    if !float.is_finite() {
        return Err(invalid("not a finite number"));
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    if significant > MAX_FLOAT_SIGNIFICANT_DIGITS {
        return Err(invalid(
            "a JSON float with more than 15 significant digits cannot be read exactly",
        ));
    }
    parse_decimal(&text, field)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_plain_decimals_exactly() {
        assert_eq!(parse_decimal("36.45", "a").unwrap().to_string(), "36.45");
        assert_eq!(parse_decimal("-0.50", "a").unwrap().to_string(), "-0.50");
        assert_eq!(parse_decimal("1000", "a").unwrap().to_string(), "1000");
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "", "-", ".5", "5.", "+5", "1e3", " 1", "1,000.00", "1.2.3", "NaN", "0x10", "１",
        ] {
            let err = parse_decimal(bad, "total").unwrap_err();
            assert!(
                matches!(err, MappingError::InvalidAmount { .. }),
                "{bad}: {err}"
            );
            assert_eq!(err.field(), "total");
        }
        let long = "9".repeat(41);
        assert!(parse_decimal(&long, "total").is_err());
        assert!(parse_decimal("99999999999999999999999999999999", "total").is_err());
    }

    #[test]
    fn json_numbers_int_float_and_string() {
        assert_eq!(
            decimal_from_json(&json!(165), "a").unwrap().to_string(),
            "165"
        );
        assert_eq!(
            decimal_from_json(&json!(36.45), "a").unwrap().to_string(),
            "36.45"
        );
        assert_eq!(
            decimal_from_json(&json!("0.0000"), "a")
                .unwrap()
                .to_string(),
            "0.0000"
        );
        assert_eq!(
            decimal_from_json(&json!(u64::MAX), "a")
                .unwrap()
                .to_string(),
            u64::MAX.to_string()
        );
        assert_eq!(
            decimal_from_json(&json!(0.1), "a").unwrap().to_string(),
            "0.1"
        );
        assert_eq!(
            decimal_from_json(&json!(1234567890123.45), "a")
                .unwrap()
                .to_string(),
            "1234567890123.45"
        );
    }

    #[test]
    fn json_floats_past_fifteen_digits_are_refused() {
        let err = decimal_from_json(&json!(0.30000000000000004), "grand_total").unwrap_err();
        assert_eq!(err.field(), "grand_total");
        assert!(err.to_string().contains("15 significant digits"));
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

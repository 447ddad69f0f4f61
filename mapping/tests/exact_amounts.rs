//! The public JSON amount readers (`amount::magento::parse_magento_amount`,
//! `amount::paytrace::from_paytrace_amount`) held to an exactness oracle: for any amount written
//! as a JSON number or a string, in plain or exponent notation, `format(parse(s)) == canonical(s)`
//! when the exact value has at most the currency's decimal places and fits 64-bit minor units,
//! and a typed error naming the field otherwise. The oracle works on the digits as text only.
#![allow(clippy::unwrap_used)]

use mapping::amount::{magento, paytrace};
use mapping::{Currency, MappingError, Money};
use proptest::prelude::*;
use serde_json::Value;

/// An amount as written, and the exact value it stands for: `digits × 10^-shift`.
#[derive(Debug, Clone)]
struct Written {
    text: String,
    negative: bool,
    digits: String,
    shift: i64,
}

fn written(sign: &str, int: &str, frac: Option<&str>, exponent: Option<(&str, i64)>) -> Written {
    let mut text = format!("{sign}{int}");
    if let Some(frac) = frac {
        text.push('.');
        text.push_str(frac);
    }
    if let Some((letter, e)) = exponent {
        text.push_str(&format!("{letter}{e}"));
    }
    let frac = frac.unwrap_or("");
    Written {
        text,
        negative: sign == "-",
        digits: format!("{int}{frac}"),
        shift: frac.len() as i64 - exponent.map_or(0, |(_, e)| e),
    }
}

/// What a reader must answer in a currency with `exponent` decimal places: the canonical text
/// of the amount, or why it must be refused.
#[derive(Debug, PartialEq)]
enum Expected {
    Canonical(String),
    TooPrecise,
    TooLarge,
}

fn expected(w: &Written, exponent: u32) -> Expected {
    let places = i64::from(exponent) - w.shift;
    // Minor units as digits: drop the places past the exponent (they must be zeros) or append.
    let minor = if places >= 0 {
        format!("{}{}", w.digits, "0".repeat(places as usize))
    } else {
        let cut = w.digits.len().saturating_sub((-places) as usize);
        let (kept, dropped) = w.digits.split_at(cut);
        if dropped.bytes().any(|b| b != b'0') {
            return Expected::TooPrecise;
        }
        kept.to_owned()
    };
    let minor = minor.trim_start_matches('0');
    let limit: u128 = if w.negative { 1 << 63 } else { (1 << 63) - 1 };
    if minor.len() > 19 || minor.parse::<u128>().unwrap_or(0) > limit {
        return Expected::TooLarge;
    }
    let width = exponent as usize + 1;
    let padded = format!("{minor:0>width$}");
    let (int, frac) = padded.split_at(padded.len() - exponent as usize);
    let sign = if w.negative && !minor.is_empty() {
        "-"
    } else {
        ""
    };
    Expected::Canonical(if exponent == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

fn check(
    result: Result<Money, MappingError>,
    w: &Written,
    exponent: u32,
) -> Result<(), TestCaseError> {
    match (result, expected(w, exponent)) {
        (Ok(money), Expected::Canonical(text)) => {
            prop_assert_eq!(money.format_major(), text, "{}", w.text);
        }
        (Err(err), Expected::TooPrecise) => {
            prop_assert!(
                matches!(
                    err,
                    MappingError::PrecisionLoss { .. } | MappingError::InvalidAmount { .. }
                ),
                "{}: {}",
                w.text,
                err
            );
            prop_assert_eq!(err.field(), "grand_total");
        }
        (Err(err), Expected::TooLarge) => {
            prop_assert!(
                matches!(
                    err,
                    MappingError::AmountOutOfRange { .. } | MappingError::InvalidAmount { .. }
                ),
                "{}: {}",
                w.text,
                err
            );
            prop_assert_eq!(err.field(), "grand_total");
        }
        (got, want) => prop_assert!(false, "{}: got {:?}, want {:?}", w.text, got, want),
    }
    Ok(())
}

/// JSON number syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number() -> impl Strategy<Value = Written> {
    (
        prop_oneof![Just(""), Just("-")],
        prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,20}"],
        proptest::option::of("[0-9]{1,30}"),
        proptest::option::of((prop_oneof![Just("e"), Just("E")], -40i64..=40)),
    )
        .prop_map(|(sign, int, frac, exponent)| written(sign, &int, frac.as_deref(), exponent))
}

/// Every text the readers accept in a string: leading zeros, `+`, `.5`, `5.`, exponents.
fn decimal_text() -> impl Strategy<Value = Written> {
    (
        prop_oneof![Just(""), Just("-"), Just("+")],
        "[0-9]{0,22}",
        proptest::option::of("[0-9]{0,30}"),
        proptest::option::of((prop_oneof![Just("e"), Just("E")], -40i64..=40)),
    )
        .prop_filter("digits before or after the point", |(_, int, frac, _)| {
            !int.is_empty() || frac.as_deref().is_some_and(|f| !f.is_empty())
        })
        .prop_map(|(sign, int, frac, exponent)| written(sign, &int, frac.as_deref(), exponent))
}

fn any_currency() -> impl Strategy<Value = Currency> {
    proptest::sample::select(Currency::all().collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn magento_numbers_are_exact_or_refused(w in json_number(), currency in any_currency()) {
        let value: Value = serde_json::from_str(&w.text).unwrap();
        check(magento::parse_magento_amount(&value, currency, "grand_total"), &w, currency.exponent())?;
    }

    #[test]
    fn magento_strings_are_exact_or_refused(w in decimal_text(), currency in any_currency()) {
        let value = Value::String(w.text.clone());
        check(magento::parse_magento_amount(&value, currency, "grand_total"), &w, currency.exponent())?;
    }

    #[test]
    fn paytrace_numbers_are_exact_or_refused(w in json_number()) {
        let value: Value = serde_json::from_str(&w.text).unwrap();
        check(paytrace::from_paytrace_amount(&value, "grand_total"), &w, 2)?;
    }

    #[test]
    fn paytrace_strings_are_exact_or_refused(w in decimal_text()) {
        let value = Value::String(w.text.clone());
        check(paytrace::from_paytrace_amount(&value, "grand_total"), &w, 2)?;
    }

    /// Amounts that fit 64-bit minor units, which the generators above rarely produce.
    #[test]
    fn fitting_amounts_in_any_notation_read_back(minor in any::<i64>(), currency in any_currency(), zeros in 0usize..=6) {
        let exponent = currency.exponent();
        let sign = if minor < 0 { "-" } else { "" };
        let digits = format!("{}{}", minor.unsigned_abs(), "0".repeat(zeros));
        let places = i64::from(exponent) + zeros as i64;
        let plain = Money::from_minor(minor, currency).format_major();
        let (int, frac) = plain.trim_start_matches('-').split_once('.').map_or((plain.trim_start_matches('-'), None), |(i, f)| (i, Some(f)));
        for w in [
            written(sign, &digits, None, Some(("e", -places))),
            written(sign, int, frac, None),
            written(sign, int, frac, Some(("E", 0))),
        ] {
            for value in [serde_json::from_str::<Value>(&w.text).unwrap(), Value::String(w.text.clone())] {
                let money = magento::parse_magento_amount(&value, currency, "grand_total").unwrap();
                prop_assert_eq!(money.minor(), minor, "{}", w.text);
                check(Ok(money), &w, exponent)?;
            }
        }
    }
}

#[test]
fn the_oracle_itself() {
    let w = written("", "36", Some("45"), None);
    assert_eq!(expected(&w, 2), Expected::Canonical("36.45".into()));
    assert_eq!(expected(&w, 4), Expected::Canonical("36.4500".into()));
    assert_eq!(expected(&w, 0), Expected::TooPrecise);
    let w = written("-", "0", Some("001"), Some(("e", 1)));
    assert_eq!(expected(&w, 2), Expected::Canonical("-0.01".into()));
    let w = written("-", "0", Some("000"), None);
    assert_eq!(expected(&w, 2), Expected::Canonical("0.00".into()));
    let w = written("", "1", None, Some(("e", -400)));
    assert_eq!(expected(&w, 4), Expected::TooPrecise);
    let w = written("", "92233720368547758", Some("08"), None);
    assert_eq!(expected(&w, 2), Expected::TooLarge);
    let w = written("-", "92233720368547758", Some("08"), None);
    assert_eq!(
        expected(&w, 2),
        Expected::Canonical("-92233720368547758.08".into())
    );
}

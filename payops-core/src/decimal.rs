//! Exact decimals from the text a provider sent.
//!
//! `rust_decimal`'s own readers round: `Decimal::from_str` past 28 digits, and
//! `Decimal::from_scientific` whenever the value needs more digits than it holds, so
//! `"1.99999999999999999999999999999e1"` would become `20`. [`parse_exact`] reads plain and
//! exponent notation alike and either keeps every digit or refuses the text.
//!
//! With serde_json's `arbitrary_precision` feature (on in this workspace) a JSON number keeps
//! its text, so [`from_json_number`] reads it without ever going through binary floating point.

use rust_decimal::Decimal;

use crate::error::{Error, clip};

/// Longest text accepted: far beyond any real amount, short enough to refuse junk early.
const MAX_TEXT_LEN: usize = 128;

/// The largest scale a `Decimal` holds.
const MAX_SCALE: usize = 28;

/// The largest mantissa a `Decimal` holds (96 bits).
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// Reads `[+-]digits[.digits][(e|E)[+-]digits]` exactly.
///
/// The scale the sender wrote is kept (`"1.50"` stays `1.50`) unless it exceeds what a `Decimal`
/// holds and the extra digits are zeros. Anything that would need rounding is refused: more than
/// 28 decimal places of significant digits, or more than 96 bits of mantissa.
pub fn parse_exact(text: &str) -> Result<Decimal, Error> {
    let refuse = |reason| Error::InexactDecimal {
        text: clip(text, 64),
        reason,
    };
    if text.len() > MAX_TEXT_LEN {
        return Err(refuse("longer than 128 characters"));
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (number, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits_only(int) || !digits_only(frac) {
        return Err(refuse(
            "expected digits with an optional sign, point and exponent",
        ));
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let unsigned_e = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned_e.is_empty() || !digits_only(unsigned_e) || unsigned_e.len() > 6 {
                return Err(refuse("malformed exponent"));
            }
            e.parse().map_err(|_| refuse("malformed exponent"))?
        }
    };

    // The value is `digits * 10^-scale`; leading zeros carry nothing.
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let first = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
    digits.drain(..first);
    let mut scale = i64::try_from(frac.len()).map_err(|_| refuse("too long"))? - exponent;
    if digits.is_empty() {
        // Zero is exact at any scale; keep the written one when it fits.
        let scale = u32::try_from(scale.clamp(0, MAX_SCALE as i64)).unwrap_or(0);
        return Ok(Decimal::new(0, scale));
    }
    if scale < 0 {
        // 1.5e3: append the zeros the exponent stands for.
        let zeros = usize::try_from(-scale).map_err(|_| refuse("too large"))?;
        if digits.len() + zeros > 29 {
            return Err(refuse("more than 96 bits of mantissa"));
        }
        digits.extend(std::iter::repeat_n(0, zeros));
        scale = 0;
    }
    // Trailing zeros past what fits, or past 96 bits, can go without changing the value.
    while digits.last() == Some(&0)
        && scale > 0
        && (scale > MAX_SCALE as i64 || mantissa(&digits).is_none())
    {
        digits.pop();
        scale -= 1;
    }
    if scale > MAX_SCALE as i64 {
        return Err(refuse("more than 28 decimal places"));
    }
    let mantissa = mantissa(&digits).ok_or_else(|| refuse("more than 96 bits of mantissa"))?;
    let signed = i128::try_from(mantissa).map_err(|_| refuse("more than 96 bits of mantissa"))?;
    let scale = u32::try_from(scale).map_err(|_| refuse("more than 28 decimal places"))?;
    let value = Decimal::try_from_i128_with_scale(if negative { -signed } else { signed }, scale)
        .map_err(|_| refuse("more than 96 bits of mantissa"))?;
    Ok(value)
}

/// The digits as an integer, if it fits 96 bits.
fn mantissa(digits: &[u8]) -> Option<u128> {
    if digits.len() > 29 {
        return None;
    }
    let value = digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })?;
    (value <= MAX_MANTISSA).then_some(value)
}

/// Reads a JSON number exactly from its text (serde_json's `arbitrary_precision` keeps it).
pub fn from_json_number(number: &serde_json::Number) -> Result<Decimal, Error> {
    parse_exact(&number.to_string())
}

/// The exact value of `[-]int.frac × 10^exponent` as canonical text: no leading or trailing
/// zeros, no point when the value is whole, `-` only when it is not zero.
///
/// This is the oracle for property tests of exact readers, `format(parse(s)) == canonical(s)`:
/// it moves the point on the digits as text and shares no code with [`parse_exact`], so compare
/// it with `value.normalize().to_string()`. `int` and `frac` must be ASCII digits (either may be
/// empty). Not meant for production code: it accepts any length and never refuses.
pub fn canonical_text(negative: bool, int: &str, frac: &str, exponent: i64) -> String {
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return "0".into();
    }
    // The value is `digits × 10^-shift`.
    let shift = i64::try_from(frac.len()).unwrap_or(i64::MAX) - exponent;
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    let (int, frac) = if shift <= 0 {
        (format!("{digits}{}", zeros(-shift)), String::new())
    } else if shift >= len {
        ("0".into(), format!("{}{digits}", zeros(shift - len)))
    } else {
        let (i, f) = digits.split_at(usize::try_from(len - shift).unwrap_or(0));
        (i.to_owned(), f.to_owned())
    };
    let sign = if negative { "-" } else { "" };
    match frac.trim_end_matches('0') {
        "" => format!("{sign}{int}"),
        frac => format!("{sign}{int}.{frac}"),
    }
}

/// Whether text from [`canonical_text`] names a value a `Decimal` holds exactly: at most 28
/// decimal places and a mantissa below 2^96. An exact reader must accept every such value.
pub fn fits_decimal(canonical: &str) -> bool {
    let unsigned = canonical.trim_start_matches('-');
    let places = unsigned.split_once('.').map_or(0, |(_, frac)| frac.len());
    places <= MAX_SCALE
        && unsigned
            .replace('.', "")
            .parse::<u128>()
            .is_ok_and(|m| m <= MAX_MANTISSA)
}

/// Decimal texts as providers send them, with their exact values, for property tests of
/// amount readers (feature `proptest`).
#[cfg(feature = "proptest")]
pub mod samples {
    use proptest::prelude::*;

    use super::{canonical_text, fits_decimal};

    /// A decimal as a JSON number would write it, and its value as [`canonical_text`].
    #[derive(Debug, Clone)]
    pub struct DecimalSample {
        /// `[-]int[.frac][(e|E)[-]n]`: valid as a JSON number and as decimal text.
        pub text: String,
        /// Its exact value, without leading or trailing zeros.
        pub canonical: String,
    }

    impl DecimalSample {
        /// Whether a `Decimal` holds the value exactly, so an exact reader must accept it.
        pub fn fits(&self) -> bool {
            fits_decimal(&self.canonical)
        }
    }

    /// A sign, up to 32 integer and 32 fraction digits and an optional exponent in -40..=40.
    pub fn json_number_text() -> impl Strategy<Value = DecimalSample> {
        (
            any::<bool>(),
            prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,31}"],
            "[0-9]{0,32}",
            proptest::option::of((prop_oneof![Just('e'), Just('E')], -40i64..=40)),
        )
            .prop_map(|(negative, int, frac, exp)| {
                let sign = if negative { "-" } else { "" };
                let point = if frac.is_empty() {
                    String::new()
                } else {
                    format!(".{frac}")
                };
                let exponent = exp.map_or(String::new(), |(e, n)| format!("{e}{n}"));
                DecimalSample {
                    text: format!("{sign}{int}{point}{exponent}"),
                    canonical: canonical_text(negative, &int, &frac, exp.map_or(0, |(_, n)| n)),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> String {
        parse_exact(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_string()
    }

    #[test]
    fn plain_and_exponent_notation_are_read_exactly() {
        assert_eq!(ok("36.45"), "36.45");
        assert_eq!(ok("1.50"), "1.50");
        assert_eq!(ok("-0.5"), "-0.5");
        assert_eq!(ok("+7"), "7");
        assert_eq!(ok(".5"), "0.5");
        assert_eq!(ok("5."), "5");
        assert_eq!(ok("1.2345e2"), "123.45");
        assert_eq!(ok("1.5E3"), "1500");
        assert_eq!(ok("15e-1"), "1.5");
        assert_eq!(ok("0e-400"), "0.0000000000000000000000000000");
        assert_eq!(ok("592982100899971.96"), "592982100899971.96");
        assert_eq!(
            ok("79228162514264337593543950335"),
            "79228162514264337593543950335"
        );
        // Zeros beyond 28 places carry nothing and are dropped, not rounded.
        assert_eq!(
            ok("1.00000000000000000000000000000000"),
            "1.0000000000000000000000000000"
        );
    }

    #[test]
    fn anything_that_would_round_is_refused() {
        for text in [
            "1.99999999999999999999999999999e1",
            "36.450000000000000000000000000001",
            "1e-400",
            "1e-29",
            "79228162514264337593543950336",
            "1e29",
        ] {
            assert!(
                matches!(parse_exact(text), Err(Error::InexactDecimal { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in [
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "1,5",
            " 1",
            "0x10",
            "NaN",
            "1e1234567",
        ] {
            assert!(parse_exact(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn json_numbers_keep_their_text() {
        let number: serde_json::Number = serde_json::from_str("36.450000000000000001").unwrap();
        assert_eq!(
            from_json_number(&number).unwrap().to_string(),
            "36.450000000000000001"
        );
    }

    #[test]
    fn the_oracle_moves_the_point_on_text() {
        assert_eq!(canonical_text(false, "036", "450", 0), "36.45");
        assert_eq!(canonical_text(true, "1", "5", 3), "-1500");
        assert_eq!(canonical_text(false, "", "5", -2), "0.005");
        assert_eq!(canonical_text(false, "12", "", -1), "1.2");
        assert_eq!(canonical_text(true, "0", "000", 7), "0");
        assert!(fits_decimal("-79228162514264337593543950335"));
        assert!(!fits_decimal("79228162514264337593543950336"));
        assert!(fits_decimal("0.0000000000000000000000000001"));
        assert!(!fits_decimal("0.00000000000000000000000000001"));
    }

    proptest! {
        /// `format(parse(s)) == canonical(s)` whenever parsing succeeds, and parsing succeeds
        /// whenever the exact value fits a `Decimal`.
        #[test]
        fn parse_is_exact_or_refuses(
            sign in prop_oneof![Just(""), Just("-"), Just("+")],
            int in "[0-9]{0,32}",
            frac in "[0-9]{0,32}",
            exp in proptest::option::of(-40i64..40),
        ) {
            prop_assume!(!(int.is_empty() && frac.is_empty()));
            let text = match exp {
                Some(e) => format!("{sign}{int}.{frac}e{e}"),
                None => format!("{sign}{int}.{frac}"),
            };
            let expected = canonical_text(sign == "-", &int, &frac, exp.unwrap_or(0));
            match parse_exact(&text) {
                Ok(value) => prop_assert_eq!(value.normalize().to_string(), expected),
                Err(_) => {
                    prop_assert!(!fits_decimal(&expected), "{} refused, {} fits", text, expected);
                }
            }
        }
    }
}

//! Decimal amounts read into minor units of their currency, exactly, and written back.

use payops_core::Currency;

use crate::error::AmountError;

/// Reads a plain decimal (`-12.34`, `1500.00`, `7`) as minor units of `currency`.
///
/// Digits beyond the currency's exponent must be zeros (`1500.00` JPY is 1500; `1500.5` JPY is
/// [`AmountError::TooPrecise`]): an amount is never rounded. A sign (`-` or `+`) may lead; no
/// exponent, thousands separator or space is accepted.
pub fn parse_minor(text: &str, currency: Currency) -> Result<i64, AmountError> {
    let exponent = currency.exponent();
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        Some(_) => (false, bytes),
        None => return Err(AmountError::Empty),
    };
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if int.is_empty() && frac.is_empty()
        || !int.iter().chain(frac).all(u8::is_ascii_digit)
        || digits.last() == Some(&b'.')
    {
        return Err(AmountError::Malformed);
    }
    let exponent_len = usize::try_from(exponent).unwrap_or(usize::MAX);
    let (kept, beyond) = frac.split_at(frac.len().min(exponent_len));
    if beyond.iter().any(|&b| b != b'0') {
        return Err(AmountError::TooPrecise { exponent });
    }
    let mut minor: i64 = 0;
    let padding = exponent_len - kept.len();
    for &digit in int
        .iter()
        .chain(kept)
        .chain(std::iter::repeat_n(&b'0', padding))
    {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(digit - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// Writes minor units of `currency` as a plain decimal with the currency's exponent (`-12.34`,
/// `1500`).
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let mut text = String::new();
    push_minor(&mut text, minor, currency);
    text
}

/// [`format_minor`] appended to `out`, allocating nothing more.
pub(crate) fn push_minor(out: &mut String, minor: i64, currency: Currency) {
    let exponent = usize::try_from(currency.exponent()).unwrap_or(0);
    let mut digits = [b'0'; 24];
    let mut start = digits.len();
    let mut rest = minor.unsigned_abs();
    // At least one digit before the point.
    while rest > 0 || digits.len() - start <= exponent {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if minor < 0 {
        out.push('-');
    }
    let (int, frac) = digits[start..].split_at(digits.len() - start - exponent);
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(int).unwrap_or_default());
    if exponent > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(frac).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_exactly_in_their_currency() {
        let bhd = Currency::parse("BHD").unwrap_or(Currency::USD);
        for (text, currency, minor) in [
            ("12.34", Currency::USD, 1_234),
            ("-0.05", Currency::USD, -5),
            ("+7", Currency::USD, 700),
            ("7.", Currency::USD, 0),
            (".5", Currency::USD, 50),
            ("1500.00", Currency::JPY, 1_500),
            ("1500", Currency::JPY, 1_500),
            ("0.1230", bhd, 123),
            ("92233720368547758.07", Currency::USD, i64::MAX),
        ] {
            let parsed = parse_minor(text, currency);
            if text == "7." {
                assert_eq!(parsed, Err(AmountError::Malformed), "{text}");
            } else {
                assert_eq!(parsed, Ok(minor), "{text} {currency}");
            }
        }
    }

    #[test]
    fn anything_else_is_refused_and_never_rounded() {
        for (text, currency, error) in [
            ("", Currency::USD, AmountError::Empty),
            ("-", Currency::USD, AmountError::Malformed),
            ("1,000.00", Currency::USD, AmountError::Malformed),
            ("1e3", Currency::USD, AmountError::Malformed),
            (" 1.00", Currency::USD, AmountError::Malformed),
            ("1.2.3", Currency::USD, AmountError::Malformed),
            (
                "12.345",
                Currency::USD,
                AmountError::TooPrecise { exponent: 2 },
            ),
            (
                "1500.5",
                Currency::JPY,
                AmountError::TooPrecise { exponent: 0 },
            ),
            ("92233720368547758.08", Currency::USD, AmountError::TooLarge),
        ] {
            assert_eq!(parse_minor(text, currency), Err(error), "{text}");
        }
    }

    #[test]
    fn minor_units_are_written_with_the_currency_exponent() {
        assert_eq!(format_minor(1_234, Currency::USD), "12.34");
        assert_eq!(format_minor(-5, Currency::USD), "-0.05");
        assert_eq!(format_minor(0, Currency::USD), "0.00");
        assert_eq!(format_minor(1_500, Currency::JPY), "1500");
        assert_eq!(
            format_minor(i64::MIN, Currency::USD),
            "-92233720368547758.08"
        );
    }
}

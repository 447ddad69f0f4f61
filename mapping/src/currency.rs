//! ISO 4217 currencies with their minor-unit exponents.
//!
//! [`Currency`] is [`payops_core::Currency`], the workspace's one currency table: the `erp`
//! crate's `CurrencyCode` holds the same type, so both crates agree on every exponent, and a code
//! without a minor unit (`XAU`, `XXX`) is refused by both, never given a guessed exponent.
//! [`parse_currency`] reads a code from a provider field and names that field when it refuses it.

use crate::MappingError;

pub use payops_core::Currency;

/// Parses an ISO code such as `"USD"` or `"usd"` (Stripe sends lower case) read from `field`.
///
/// An unknown code, or one without a minor unit, is [`MappingError::UnknownCurrency`] naming
/// `field` and the code as received.
pub fn parse_currency(code: &str, field: &str) -> Result<Currency, MappingError> {
    Currency::parse(code).map_err(|_| MappingError::UnknownCurrency {
        field: field.to_owned(),
        value: code.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exponents_come_from_the_iso_table() {
        for (code, exponent) in [
            ("USD", 2),
            ("ISK", 0),
            ("HUF", 2),
            ("CLF", 4),
            ("BHD", 3),
            ("JPY", 0),
        ] {
            assert_eq!(
                parse_currency(code, "c").unwrap().exponent(),
                exponent,
                "{code}"
            );
        }
    }

    #[test]
    fn lower_case_is_accepted() {
        assert_eq!(parse_currency("usd", "c").unwrap(), Currency::USD);
    }

    #[test]
    fn bad_codes_name_the_field() {
        for bad in ["", "US", "USDD", "ZZZ", "XAU", "XXX", "U$D", "ÜSD"] {
            let err = parse_currency(bad, "order.currency").unwrap_err();
            assert!(
                matches!(err, MappingError::UnknownCurrency { .. }),
                "{bad}: {err}"
            );
            assert_eq!(err.field(), "order.currency", "{bad}");
            assert_eq!(err.value(), Some(bad));
        }
    }
}

//! Magento amounts: JSON values that arrive as an int (`165`), a float (`36.45`) or a string
//! (`"0.0000"`), stored by Magento as `decimal(20,4)`. Numbers are read from their JSON text
//! ([`decimal::decimal_from_json`]), never through binary floating point.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::{Currency, MappingError, Money, decimal};

/// Reads a Magento amount in `currency` (the order's `order_currency_code` or
/// `base_currency_code`), exactly as written. A value with more non-zero decimals than the
/// currency has is refused ([`MappingError::PrecisionLoss`]), as is one a decimal cannot hold
/// exactly ([`MappingError::InvalidAmount`]).
pub fn parse_magento_amount(
    value: &Value,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    Money::from_major(decimal::decimal_from_json(value, field)?, currency, field)
}

/// The decimal Magento expects for `money` (sent as a JSON number by the client).
pub fn to_magento_amount(money: &Money) -> Decimal {
    money.to_major()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn int_float_and_string_agree() {
        for value in [
            json!(165),
            json!(165.0),
            json!("165"),
            json!("165.0000"),
            json!(165.00),
        ] {
            assert_eq!(
                parse_magento_amount(&value, Currency::USD, "a")
                    .unwrap()
                    .minor(),
                16500,
                "{value}"
            );
        }
        assert_eq!(
            parse_magento_amount(&json!(36.45), Currency::USD, "a")
                .unwrap()
                .minor(),
            3645
        );
    }

    #[test]
    fn four_decimal_values_that_do_not_fit_are_refused() {
        let err =
            parse_magento_amount(&json!("12.3456"), Currency::USD, "items[0].price").unwrap_err();
        assert_eq!(err.field(), "items[0].price");
        assert!(matches!(err, MappingError::PrecisionLoss { .. }));
    }

    /// Inputs that went through binary floating point before: each came out rounded.
    #[test]
    fn json_numbers_are_read_from_their_text() {
        let number = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            parse_magento_amount(&number("592982100899971.96"), Currency::USD, "grand_total")
                .unwrap()
                .minor(),
            59_298_210_089_997_196
        );
        let err = parse_magento_amount(
            &number("36.450000000000000001"),
            Currency::USD,
            "grand_total",
        )
        .unwrap_err();
        assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
        assert_eq!(err.value(), Some("36.450000000000000001"));
        let err =
            parse_magento_amount(&number("1e-400"), Currency::USD, "grand_total").unwrap_err();
        assert!(matches!(err, MappingError::InvalidAmount { .. }), "{err}");
        assert_eq!(err.field(), "grand_total");
    }

    #[test]
    fn to_magento_keeps_the_exponent() {
        assert_eq!(
            to_magento_amount(&Money::from_minor(3645, Currency::USD)).to_string(),
            "36.45"
        );
    }
}

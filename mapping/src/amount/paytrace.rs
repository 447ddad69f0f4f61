//! PayTrace amounts: JSON numbers in US dollars with at most two decimal places.
//!
//! The JSON API has no currency field: a PayTrace merchant account settles in US dollars, so any
//! other currency is refused rather than sent as if it were dollars. PayTrace's field definitions
//! describe `amount` as "a positive number up to two decimal places", 1 to 12 characters long
//! (help.paytrace.com, API name/value pair data definitions; the JSON API reuses the field).

use rust_decimal::Decimal;
use serde_json::Value;

use crate::{Currency, MappingError, Money, decimal};

/// Longest amount text PayTrace accepts.
const MAX_AMOUNT_CHARS: usize = 12;

/// The dollar amount PayTrace expects for `money` (a sale, authorization, capture or refund).
pub fn to_paytrace_amount(money: &Money, field: &str) -> Result<Decimal, MappingError> {
    if money.currency() != Currency::USD {
        return Err(MappingError::Unrepresentable {
            field: field.to_owned(),
            value: money.to_string(),
            provider: "PayTrace",
            reason: "PayTrace transactions are in US dollars",
        });
    }
    let out_of_range = |reason| MappingError::AmountOutOfRange {
        field: field.to_owned(),
        value: money.to_string(),
        reason,
    };
    if money.minor() <= 0 {
        return Err(out_of_range("PayTrace amounts must be positive"));
    }
    let amount = money.to_major();
    if amount.to_string().len() > MAX_AMOUNT_CHARS {
        return Err(out_of_range("PayTrace amounts have at most 12 characters"));
    }
    Ok(amount)
}

/// Reads an amount PayTrace reports (a JSON number such as `19.99`, or a string such as the
/// exports' `"tax_amount"`) as US dollars, exactly as written: numbers are read from their JSON
/// text, never through binary floating point.
pub fn from_paytrace_amount(value: &Value, field: &str) -> Result<Money, MappingError> {
    Money::from_major(
        decimal::decimal_from_json(value, field)?,
        Currency::USD,
        field,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn dollars_round_trip() {
        let money = Money::from_minor(1999, Currency::USD);
        assert_eq!(
            to_paytrace_amount(&money, "amount").unwrap().to_string(),
            "19.99"
        );
        assert_eq!(
            from_paytrace_amount(&json!(19.99), "amount").unwrap(),
            money
        );
        assert_eq!(
            from_paytrace_amount(&json!("19.99"), "amount").unwrap(),
            money
        );
    }

    #[test]
    fn other_currencies_zero_and_huge_amounts_are_refused() {
        let eur = Money::from_minor(1999, Currency::EUR);
        assert!(matches!(
            to_paytrace_amount(&eur, "amount"),
            Err(MappingError::Unrepresentable { .. })
        ));
        let zero = Money::zero(Currency::USD);
        assert!(matches!(
            to_paytrace_amount(&zero, "amount"),
            Err(MappingError::AmountOutOfRange { .. })
        ));
        let huge = Money::from_minor(1_000_000_000_000, Currency::USD);
        assert!(matches!(
            to_paytrace_amount(&huge, "amount"),
            Err(MappingError::AmountOutOfRange { .. })
        ));
        assert!(
            to_paytrace_amount(&Money::from_minor(99_999_999_999, Currency::USD), "amount").is_ok()
        );
    }

    /// Inputs that went through binary floating point before: each came out rounded.
    #[test]
    fn json_numbers_are_read_from_their_text() {
        let number = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            from_paytrace_amount(&number("592982100899971.96"), "amount")
                .unwrap()
                .minor(),
            59_298_210_089_997_196
        );
        assert!(matches!(
            from_paytrace_amount(&number("36.450000000000000001"), "amount"),
            Err(MappingError::PrecisionLoss { .. })
        ));
        let err = from_paytrace_amount(&number("1e-400"), "amount").unwrap_err();
        assert!(matches!(err, MappingError::InvalidAmount { .. }), "{err}");
        assert_eq!(err.field(), "amount");
    }

    #[test]
    fn three_decimal_reports_are_refused() {
        assert!(matches!(
            from_paytrace_amount(&json!(1.005), "amount"),
            Err(MappingError::PrecisionLoss { .. })
        ));
    }
}

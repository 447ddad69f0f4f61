//! Stripe amounts: integers in Stripe's minor unit.
//!
//! Stripe's minor unit is not always ISO's. Facts from <https://docs.stripe.com/currencies>
//! (zero-decimal and three-decimal lists, special cases) and its page on fractional ISK:
//! - zero-decimal: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF (MGA has two
//!   decimals in ISO 4217, so a fractional MGA amount cannot be sent);
//! - three-decimal: BHD JOD KWD OMR TND, sent in thousandths whose last digit must be 0;
//! - ISK: zero decimals in ISO, but sent with two decimals and divisible by 100;
//! - HUF and TWD: two decimals for charges, but payouts must be divisible by 100;
//! - at most 8 digits (12 for IDR) in a charge amount.
//!
//! UGX is listed as zero-decimal and also, on the same page, described as "sent with two decimals";
//! this crate follows the zero-decimal list, which is what Stripe's own libraries use. Unconfirmed
//! against live Stripe.

use crate::{Currency, MappingError, Money};

/// Currencies Stripe treats as having no minor unit.
pub const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Currencies Stripe sends in thousandths, whose last digit must be 0.
pub const THREE_DECIMAL: [&str; 5] = ["BHD", "JOD", "KWD", "OMR", "TND"];

/// Currencies whose payouts must be a whole number of major units (divisible by 100 on the wire).
pub const WHOLE_UNIT_PAYOUTS: [&str; 2] = ["HUF", "TWD"];

/// What an outgoing amount is for: the rules differ between charges and payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeAmountUse {
    /// PaymentIntents, charges, refunds, invoices: the 8-digit (IDR 12) limit applies.
    Charge,
    /// Payouts: HUF and TWD must be whole units.
    Payout,
}

/// The number of decimal places Stripe's integer amounts carry for `currency`.
pub fn stripe_exponent(currency: Currency) -> u32 {
    let code = currency.code();
    if code == "ISK" {
        2
    } else if ZERO_DECIMAL.contains(&code) {
        0
    } else {
        currency.exponent()
    }
}

/// The integer Stripe expects for `money`, or why Stripe cannot take it.
pub fn to_stripe_amount(
    money: &Money,
    usage: StripeAmountUse,
    field: &str,
) -> Result<i64, MappingError> {
    let currency = money.currency();
    let code = currency.code();
    let iso = currency.exponent();
    let stripe = stripe_exponent(currency);
    let unrepresentable = |reason| MappingError::Unrepresentable {
        field: field.to_owned(),
        value: money.to_string(),
        provider: "Stripe",
        reason,
    };
    let amount = if stripe >= iso {
        money
            .minor()
            .checked_mul(10_i64.pow(stripe - iso))
            .ok_or_else(|| unrepresentable("amount too large"))?
    } else {
        let divisor = 10_i64.pow(iso - stripe);
        if money.minor() % divisor != 0 {
            return Err(unrepresentable(
                "Stripe treats this currency as zero-decimal",
            ));
        }
        money.minor() / divisor
    };
    if THREE_DECIMAL.contains(&code) && amount % 10 != 0 {
        return Err(unrepresentable("three-decimal amounts must end in 0"));
    }
    if code == "ISK" && amount % 100 != 0 {
        return Err(unrepresentable("ISK amounts must be whole krónur"));
    }
    match usage {
        StripeAmountUse::Payout if WHOLE_UNIT_PAYOUTS.contains(&code) && amount % 100 != 0 => {
            return Err(unrepresentable("HUF and TWD payouts must be whole units"));
        }
        StripeAmountUse::Charge => {
            let max_digits = if code == "IDR" { 12 } else { 8 };
            if amount.unsigned_abs() >= 10_u64.pow(max_digits) {
                return Err(MappingError::AmountOutOfRange {
                    field: field.to_owned(),
                    value: money.to_string(),
                    reason: "Stripe amounts have at most 8 digits (12 for IDR)",
                });
            }
        }
        StripeAmountUse::Payout => {}
    }
    Ok(amount)
}

/// The [`Money`] that a Stripe integer amount in `currency` stands for (amounts Stripe reports:
/// charges, balance transactions, payouts). Fails only when Stripe reports a fraction that ISO's
/// exponent cannot hold, such as a fractional ISK amount from before 2023.
pub fn from_stripe_amount(
    amount: i64,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    let iso = currency.exponent();
    let stripe = stripe_exponent(currency);
    let minor = if iso >= stripe {
        amount
            .checked_mul(10_i64.pow(iso - stripe))
            .ok_or_else(|| MappingError::AmountOutOfRange {
                field: field.to_owned(),
                value: amount.to_string(),
                reason: "does not fit in 64-bit minor units",
            })?
    } else {
        let divisor = 10_i64.pow(stripe - iso);
        if amount % divisor != 0 {
            return Err(MappingError::PrecisionLoss {
                field: field.to_owned(),
                value: amount.to_string(),
                currency: currency.code().to_owned(),
                exponent: iso,
            });
        }
        amount / divisor
    };
    Ok(Money::from_minor(minor, currency))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn money(text: &str, code: &str) -> Money {
        Money::parse_major(text, Currency::parse(code).unwrap(), "a").unwrap()
    }

    #[test]
    fn table() {
        use StripeAmountUse::{Charge, Payout};
        let cases: &[(&str, &str, StripeAmountUse, Option<i64>)] = &[
            ("10.99", "USD", Charge, Some(1099)),
            ("500", "JPY", Charge, Some(500)),
            ("5", "ISK", Charge, Some(500)),
            ("5.120", "KWD", Charge, Some(5120)),
            ("5.124", "KWD", Charge, None),
            ("10.45", "HUF", Charge, Some(1045)),
            ("10.45", "HUF", Payout, None),
            ("10", "HUF", Payout, Some(1000)),
            ("800.45", "TWD", Payout, None),
            ("10.50", "MGA", Charge, None),
            ("10", "MGA", Charge, Some(10)),
            ("999999.99", "USD", Charge, Some(99_999_999)),
            ("1000000.00", "USD", Charge, None),
            ("1000000.00", "USD", Payout, Some(100_000_000)),
            ("9999999999.99", "IDR", Charge, Some(999_999_999_999)),
            ("100", "UGX", Charge, Some(100)),
        ];
        for (text, code, usage, expected) in cases {
            let got = to_stripe_amount(&money(text, code), *usage, "amount").ok();
            assert_eq!(got, *expected, "{text} {code} {usage:?}");
        }
    }

    #[test]
    fn errors_name_the_field_and_rule() {
        let err = to_stripe_amount(&money("5.124", "KWD"), StripeAmountUse::Charge, "amount")
            .unwrap_err();
        assert_eq!(err.field(), "amount");
        assert!(err.to_string().contains("must end in 0"), "{err}");
    }

    #[test]
    fn reported_amounts_convert_back() {
        let isk = Currency::parse("ISK").unwrap();
        assert_eq!(from_stripe_amount(500, isk, "a").unwrap().minor(), 5);
        assert!(matches!(
            from_stripe_amount(550, isk, "a"),
            Err(MappingError::PrecisionLoss { .. })
        ));
        let mga = Currency::parse("MGA").unwrap();
        assert_eq!(from_stripe_amount(10, mga, "a").unwrap().minor(), 1000);
        assert_eq!(
            from_stripe_amount(1099, Currency::USD, "a")
                .unwrap()
                .minor(),
            1099
        );
        assert!(from_stripe_amount(i64::MAX, mga, "a").is_err());
    }
}

//! An amount of money: integer minor units and their currency.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Currency, MappingError, decimal};

/// An exact amount of money: an `i64` count of the currency's minor units (cents for USD, yen for
/// JPY, fils for BHD).
///
/// Nothing here rounds: an amount with more decimal places than its currency has is refused
/// ([`MappingError::PrecisionLoss`]), arithmetic checks for overflow, and amounts in different
/// currencies never mix ([`MappingError::CurrencyMismatch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount given in minor units.
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// An amount given in major units (`36.45` USD). Trailing zeros past the currency's exponent
    /// are fine (`36.4500`); any other extra decimal place is an error naming `field`.
    pub fn from_major(
        amount: Decimal,
        currency: Currency,
        field: &str,
    ) -> Result<Self, MappingError> {
        let exponent = currency.exponent();
        let normalized = amount.normalize();
        if normalized.scale() > exponent {
            return Err(MappingError::PrecisionLoss {
                field: field.to_owned(),
                value: amount.to_string(),
                currency: currency.code().to_owned(),
                exponent,
            });
        }
        let out_of_range = || MappingError::AmountOutOfRange {
            field: field.to_owned(),
            value: amount.to_string(),
            reason: "does not fit in 64-bit minor units",
        };
        let minor = normalized
            .checked_mul(Decimal::from(10_i64.pow(exponent)))
            .ok_or_else(out_of_range)?;
        // The scale check above makes `minor` a whole number, so `mantissa` is the value itself.
        let minor = minor.normalize();
        i64::try_from(minor.mantissa())
            .map(|minor| Self::from_minor(minor, currency))
            .map_err(|_| out_of_range())
    }

    /// Parses major units from text such as `"36.45"` (see [`decimal::parse_decimal`] for the grammar).
    pub fn parse_major(text: &str, currency: Currency, field: &str) -> Result<Self, MappingError> {
        Self::from_major(decimal::parse_decimal(text, field)?, currency, field)
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in major units, with exactly the currency's number of decimal places.
    pub fn to_major(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Major units as text with the currency's decimal places: `"36.45"`, `"1000"` for JPY,
    /// `"1.500"` for BHD.
    pub fn format_major(&self) -> String {
        self.to_major().to_string()
    }

    /// Whether the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Self) -> Result<Self, MappingError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|m| Self::from_minor(m, self.currency))
            .ok_or_else(|| self.overflow())
    }

    /// `self - other`, refusing mixed currencies and overflow.
    pub fn checked_sub(self, other: Self) -> Result<Self, MappingError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|m| Self::from_minor(m, self.currency))
            .ok_or_else(|| self.overflow())
    }

    /// `self * quantity` (a unit price times a quantity), refusing overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Self, MappingError> {
        self.minor
            .checked_mul(quantity)
            .map(|m| Self::from_minor(m, self.currency))
            .ok_or_else(|| self.overflow())
    }

    /// `-self`, refusing overflow.
    pub fn checked_neg(self) -> Result<Self, MappingError> {
        self.minor
            .checked_neg()
            .map(|m| Self::from_minor(m, self.currency))
            .ok_or_else(|| self.overflow())
    }

    /// The sum of `amounts`, all of which must be in `currency`.
    pub fn sum<I: IntoIterator<Item = Self>>(
        currency: Currency,
        amounts: I,
    ) -> Result<Self, MappingError> {
        amounts
            .into_iter()
            .try_fold(Self::zero(currency), Self::checked_add)
    }

    fn same_currency(self, other: Self) -> Result<(), MappingError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MappingError::CurrencyMismatch {
                field: "currency".to_owned(),
                left: self.currency.code().to_owned(),
                right: other.currency.code().to_owned(),
            })
        }
    }

    fn overflow(self) -> MappingError {
        MappingError::AmountOutOfRange {
            field: "amount".to_owned(),
            value: self.to_string(),
            reason: "the result does not fit in 64-bit minor units",
        }
    }
}

/// One amount in two currencies: the store's (shop money) and the customer's (presentment money),
/// as Shopify reports `*_set` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MoneyBag {
    /// In the store's currency.
    pub shop: Money,
    /// In the currency the customer saw and paid in.
    pub presentment: Money,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major(), self.currency)
    }
}

/// The wire shape of [`Money`] in this crate's own JSON: the amount as a decimal string so no
/// reader turns it into a float.
#[derive(Serialize, Deserialize)]
struct MoneyRepr {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MoneyRepr {
            amount: self.format_major(),
            currency: self.currency,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = MoneyRepr::deserialize(deserializer)?;
        Self::parse_major(&repr.amount, repr.currency, "amount").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn major_to_minor_is_exact() {
        assert_eq!(
            Money::parse_major("36.45", Currency::USD, "a")
                .unwrap()
                .minor(),
            3645
        );
        assert_eq!(
            Money::parse_major("36.4500", Currency::USD, "a")
                .unwrap()
                .minor(),
            3645
        );
        assert_eq!(
            Money::parse_major("1000", Currency::JPY, "a")
                .unwrap()
                .minor(),
            1000
        );
        assert_eq!(
            Money::parse_major("1.5", cur("BHD"), "a").unwrap().minor(),
            1500
        );
        assert_eq!(
            Money::parse_major("-0.01", Currency::USD, "a")
                .unwrap()
                .minor(),
            -1
        );
        assert_eq!(
            Money::parse_major("1.2345", cur("CLF"), "a")
                .unwrap()
                .minor(),
            12345
        );
    }

    #[test]
    fn extra_decimals_are_refused_not_rounded() {
        let err = Money::parse_major("36.455", Currency::USD, "total_price").unwrap_err();
        assert_eq!(
            err,
            MappingError::PrecisionLoss {
                field: "total_price".into(),
                value: "36.455".into(),
                currency: "USD".into(),
                exponent: 2
            }
        );
        assert!(Money::parse_major("1.5", Currency::JPY, "a").is_err());
        assert!(Money::parse_major("1.0001", cur("BHD"), "a").is_err());
    }

    #[test]
    fn too_large_for_i64_is_out_of_range() {
        let err = Money::parse_major("92233720368547758.08", Currency::USD, "amount").unwrap_err();
        assert!(
            matches!(err, MappingError::AmountOutOfRange { .. }),
            "{err}"
        );
        assert_eq!(
            Money::parse_major("92233720368547758.07", Currency::USD, "a")
                .unwrap()
                .minor(),
            i64::MAX
        );
    }

    #[test]
    fn formatting_uses_the_currency_exponent() {
        assert_eq!(
            Money::from_minor(3645, Currency::USD).format_major(),
            "36.45"
        );
        assert_eq!(Money::from_minor(5, Currency::USD).format_major(), "0.05");
        assert_eq!(Money::from_minor(-5, Currency::USD).format_major(), "-0.05");
        assert_eq!(
            Money::from_minor(1000, Currency::JPY).format_major(),
            "1000"
        );
        assert_eq!(Money::from_minor(1500, cur("BHD")).format_major(), "1.500");
        assert_eq!(
            Money::from_minor(3645, Currency::USD).to_string(),
            "36.45 USD"
        );
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = Money::from_minor(100, Currency::USD);
        let eur = Money::from_minor(100, Currency::EUR);
        assert_eq!(usd.checked_add(usd).unwrap().minor(), 200);
        assert_eq!(
            usd.checked_sub(Money::from_minor(150, Currency::USD))
                .unwrap()
                .minor(),
            -50
        );
        assert_eq!(usd.checked_mul(3).unwrap().minor(), 300);
        assert!(matches!(
            usd.checked_add(eur),
            Err(MappingError::CurrencyMismatch { .. })
        ));
        assert!(matches!(
            usd.checked_sub(eur),
            Err(MappingError::CurrencyMismatch { .. })
        ));
        let max = Money::from_minor(i64::MAX, Currency::USD);
        assert!(matches!(
            max.checked_add(usd),
            Err(MappingError::AmountOutOfRange { .. })
        ));
        assert!(matches!(
            max.checked_mul(2),
            Err(MappingError::AmountOutOfRange { .. })
        ));
        assert!(
            Money::from_minor(i64::MIN, Currency::USD)
                .checked_neg()
                .is_err()
        );
        assert_eq!(
            Money::sum(Currency::USD, [usd, usd, usd]).unwrap().minor(),
            300
        );
        assert!(Money::sum(Currency::USD, [usd, eur]).is_err());
    }

    #[test]
    fn serde_keeps_the_amount_a_string() {
        let money = Money::from_minor(3645, Currency::USD);
        let json = serde_json::to_value(money).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"amount": "36.45", "currency": "USD"})
        );
        assert_eq!(serde_json::from_value::<Money>(json).unwrap(), money);
        let bad = serde_json::json!({"amount": "36.455", "currency": "USD"});
        assert!(serde_json::from_value::<Money>(bad).is_err());
    }
}

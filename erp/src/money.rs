//! The ERP layer's own money type: `i64` minor units plus an ISO 4217 code.

use std::fmt;
use std::str::FromStr;

use payops_core::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// An ISO 4217 currency with a minor unit, shown as its upper-case code (`"USD"`, `"EUR"`).
///
/// It holds a [`payops_core::Currency`], the one currency table of the workspace: a code that
/// table does not know, or one without a minor unit (`XAU`, `XXX`), is refused at construction,
/// so [`CurrencyCode::exponent`] never guesses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(Currency);

impl CurrencyCode {
    /// Parses a code in either case; it must be an ISO 4217 currency with a minor unit
    /// ([`Error::UnknownCurrency`] otherwise).
    pub fn new(code: &str) -> Result<Self, Error> {
        Currency::parse(code)
            .map(Self)
            .map_err(Error::UnknownCurrency)
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the currency's minor unit (ISO 4217: USD 2, JPY 0, BHD 3).
    pub fn exponent(&self) -> u32 {
        self.0.exponent()
    }

    /// The shared currency this code stands for.
    pub fn currency(&self) -> Currency {
        self.0
    }
}

/// Every [`Currency`] has a minor unit, so every one is a valid code.
impl From<Currency> for CurrencyCode {
    fn from(currency: Currency) -> Self {
        Self(currency)
    }
}

impl From<CurrencyCode> for Currency {
    fn from(code: CurrencyCode) -> Self {
        code.0
    }
}

/// Alphabetical by code, so that reports list currencies in a stable, readable order.
impl Ord for CurrencyCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for CurrencyCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CurrencyCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::new(&s)
    }
}

impl From<CurrencyCode> for String {
    fn from(c: CurrencyCode) -> String {
        c.as_str().to_owned()
    }
}

/// An amount of money in minor units (cents for USD, yen for JPY) of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Money {
    /// Amount in the currency's minor unit.
    pub minor: i64,
    /// The currency.
    pub currency: CurrencyCode,
}

impl Money {
    /// Builds an amount from minor units.
    pub fn new(minor: i64, currency: CurrencyCode) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: CurrencyCode) -> Self {
        Self { minor: 0, currency }
    }

    /// Converts a major-unit decimal (`12.34` USD) into minor units; an amount with more
    /// decimals than the currency has is an error, never a silent rounding.
    pub fn from_major(amount: Decimal, currency: CurrencyCode) -> Result<Self, Error> {
        let scaled = amount
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent())))
            .ok_or_else(|| Error::InvalidDocument(format!("amount {amount} overflows")))?;
        if scaled.fract() != Decimal::ZERO {
            return Err(Error::InvalidDocument(format!(
                "amount {amount} has more decimals than {currency} allows"
            )));
        }
        let minor = i64::try_from(scaled)
            .map_err(|_| Error::InvalidDocument(format!("amount {amount} overflows")))?;
        Ok(Self { minor, currency })
    }

    /// The amount in major units (`1234` minor USD is `12.34`).
    pub fn to_major(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Adds two amounts of the same currency; a currency mismatch or overflow is an error.
    pub fn checked_add(self, other: Money) -> Result<Money, Error> {
        self.same_currency(&other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or_else(|| Error::InvalidDocument("amount overflow".into()))
    }

    /// Subtracts two amounts of the same currency; a currency mismatch or overflow is an error.
    pub fn checked_sub(self, other: Money) -> Result<Money, Error> {
        self.same_currency(&other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or_else(|| Error::InvalidDocument("amount overflow".into()))
    }

    fn same_currency(&self, other: &Money) -> Result<(), Error> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                expected: self.currency,
                found: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn usd() -> CurrencyCode {
        CurrencyCode::new("usd").unwrap()
    }

    #[test]
    fn codes_are_checked_against_iso_table() {
        assert_eq!(usd().as_str(), "USD");
        assert!(CurrencyCode::new("XXXX").is_err());
        assert!(CurrencyCode::new("ZZZ").is_err());
        for (code, exponent) in [("JPY", 0), ("BHD", 3), ("CLF", 4), ("usd", 2), ("ISK", 0)] {
            assert_eq!(
                CurrencyCode::new(code).unwrap().exponent(),
                exponent,
                "{code}"
            );
        }
    }

    #[test]
    fn codes_without_a_minor_unit_are_refused_not_given_exponent_zero() {
        // XAU and XXX are in the ISO table but have no minor unit: the old lookup answered 0.
        for code in ["XAU", "XXX", "XDR", "xag"] {
            let err = CurrencyCode::new(code).unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::UnknownCurrency(payops_core::Error::UnknownCurrency { .. })
                ),
                "{code}: {err:?}"
            );
        }
        assert!(serde_json::from_value::<CurrencyCode>(serde_json::json!("XAU")).is_err());
    }

    #[test]
    fn every_shared_currency_is_a_code_with_the_same_exponent() {
        for currency in Currency::all() {
            let code = CurrencyCode::from(currency);
            assert_eq!(CurrencyCode::new(currency.code()).unwrap(), code);
            assert_eq!(code.exponent(), currency.exponent(), "{currency}");
            assert_eq!(Currency::from(code), currency);
        }
    }

    #[test]
    fn codes_sort_alphabetically() {
        let mut codes: Vec<CurrencyCode> = ["USD", "EUR", "JPY", "AED"]
            .iter()
            .map(|c| CurrencyCode::new(c).unwrap())
            .collect();
        codes.sort();
        let sorted: Vec<&str> = codes.iter().map(CurrencyCode::as_str).collect();
        assert_eq!(sorted, ["AED", "EUR", "JPY", "USD"]);
    }

    #[test]
    fn major_to_minor_is_exact_or_an_error() {
        let m = Money::from_major(Decimal::new(1234, 2), usd()).unwrap();
        assert_eq!(m.minor, 1234);
        assert_eq!(m.to_major(), Decimal::new(1234, 2));
        assert!(Money::from_major(Decimal::new(12345, 3), usd()).is_err());
        let jpy = CurrencyCode::new("JPY").unwrap();
        assert!(Money::from_major(Decimal::new(15, 1), jpy).is_err());
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let eur = CurrencyCode::new("EUR").unwrap();
        let err = Money::new(1, usd())
            .checked_add(Money::new(1, eur))
            .unwrap_err();
        assert!(matches!(err, Error::CurrencyMismatch { .. }));
    }

    #[test]
    fn serde_round_trip() {
        let m = Money::new(-250, usd());
        let v = serde_json::to_value(m).unwrap();
        assert_eq!(v, serde_json::json!({"minor": -250, "currency": "USD"}));
        assert_eq!(serde_json::from_value::<Money>(v).unwrap(), m);
        assert!(
            serde_json::from_value::<Money>(serde_json::json!({"minor": 1, "currency": "US"}))
                .is_err()
        );
    }
}

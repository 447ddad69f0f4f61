//! ISO 4217 currencies with their minor-unit exponents: the one table every crate reads.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, clip};

/// An ISO 4217 currency that has a minor unit (every currency money can be paid in).
///
/// The exponents come from the maintained `iso_currency` table (ISK 0, HUF 2, BHD 3, CLF 4).
/// Codes without a minor unit (XAU, XXX, ...) are refused when parsing, so
/// [`Currency::exponent`] never guesses. Provider quirks (Stripe's zero-decimal list, ISK sent
/// with two decimals) belong to the provider's crate, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    iso: iso_currency::Currency,
    exponent: u16,
}

impl Currency {
    /// US dollar.
    pub const USD: Self = Self::known(iso_currency::Currency::USD, 2);
    /// Euro.
    pub const EUR: Self = Self::known(iso_currency::Currency::EUR, 2);
    /// Canadian dollar.
    pub const CAD: Self = Self::known(iso_currency::Currency::CAD, 2);
    /// Pound sterling.
    pub const GBP: Self = Self::known(iso_currency::Currency::GBP, 2);
    /// Japanese yen (no minor units).
    pub const JPY: Self = Self::known(iso_currency::Currency::JPY, 0);

    const fn known(iso: iso_currency::Currency, exponent: u16) -> Self {
        Self { iso, exponent }
    }

    /// Parses an ISO code in either case (`"USD"`, `"usd"`; Stripe sends lower case).
    pub fn parse(code: &str) -> Result<Self, Error> {
        let unknown = || Error::UnknownCurrency {
            code: clip(code, 16),
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        let iso =
            iso_currency::Currency::from_code(&code.to_ascii_uppercase()).ok_or_else(unknown)?;
        Self::try_from(iso)
    }

    /// The upper-case ISO code.
    pub fn code(self) -> &'static str {
        self.iso.code()
    }

    /// Number of decimal places of the minor unit (2 for USD, 0 for JPY, 3 for BHD).
    pub fn exponent(self) -> u32 {
        u32::from(self.exponent)
    }

    /// The underlying `iso_currency` value, for callers that need its other data.
    pub fn iso(self) -> iso_currency::Currency {
        self.iso
    }

    /// Every ISO currency with a minor unit, for exhaustive tests and lookups.
    pub fn all() -> impl Iterator<Item = Self> {
        use iso_currency::IntoEnumIterator;
        iso_currency::Currency::iter().filter_map(|c| Self::try_from(c).ok())
    }
}

impl TryFrom<iso_currency::Currency> for Currency {
    type Error = Error;

    fn try_from(iso: iso_currency::Currency) -> Result<Self, Error> {
        match iso.exponent() {
            Some(exponent) => Ok(Self { iso, exponent }),
            None => Err(Error::UnknownCurrency {
                code: iso.code().to_owned(),
            }),
        }
    }
}

impl FromStr for Currency {
    type Err = Error;

    fn from_str(code: &str) -> Result<Self, Error> {
        Self::parse(code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_come_from_the_iso_table() {
        for (code, exponent) in [
            ("USD", 2),
            ("jpy", 0),
            ("ISK", 0),
            ("HUF", 2),
            ("BHD", 3),
            ("CLF", 4),
        ] {
            assert_eq!(
                Currency::parse(code).unwrap().exponent(),
                exponent,
                "{code}"
            );
        }
        assert_eq!(Currency::USD, Currency::parse("usd").unwrap());
        assert_eq!(Currency::JPY.exponent(), 0);
    }

    #[test]
    fn codes_without_a_minor_unit_or_unknown_are_errors() {
        for code in ["XAU", "XXX", "ABC", "US", "USDD", "U$D", ""] {
            assert!(
                matches!(Currency::parse(code), Err(Error::UnknownCurrency { .. })),
                "{code}"
            );
        }
    }

    #[test]
    fn the_constants_agree_with_the_table() {
        for c in [
            Currency::USD,
            Currency::EUR,
            Currency::CAD,
            Currency::GBP,
            Currency::JPY,
        ] {
            assert_eq!(Currency::parse(c.code()).unwrap(), c);
        }
        assert!(Currency::all().count() > 150);
    }

    #[test]
    fn serde_uses_the_code() {
        let json = serde_json::to_string(&Currency::EUR).unwrap();
        assert_eq!(json, "\"EUR\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"eur\"").unwrap(),
            Currency::EUR
        );
        assert!(serde_json::from_str::<Currency>("\"XAU\"").is_err());
    }
}

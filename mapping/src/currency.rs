//! ISO 4217 currencies with their minor-unit exponents.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::MappingError;

/// An ISO 4217 currency that has minor units (every currency money can be paid in).
///
/// The exponents come from the `iso_currency` crate's copy of the ISO table (ISK 0, HUF 2, BHD 3,
/// CLF 4). Precious metals and other codes without minor units (XAU, XXX, ...) are refused when
/// parsing, so [`Currency::exponent`] never has to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// US dollar.
    pub const USD: Self = Self(iso_currency::Currency::USD);
    /// Euro.
    pub const EUR: Self = Self(iso_currency::Currency::EUR);
    /// Canadian dollar.
    pub const CAD: Self = Self(iso_currency::Currency::CAD);
    /// Pound sterling.
    pub const GBP: Self = Self(iso_currency::Currency::GBP);
    /// Japanese yen (no minor units).
    pub const JPY: Self = Self(iso_currency::Currency::JPY);

    /// Parses an ISO code such as `"USD"` or `"usd"` (Stripe sends lower case); `field` names the
    /// field in the error.
    pub fn parse(code: &str, field: &str) -> Result<Self, MappingError> {
        let unknown = || MappingError::UnknownCurrency {
            field: field.to_owned(),
            value: code.to_owned(),
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        let currency =
            iso_currency::Currency::from_code(&code.to_ascii_uppercase()).ok_or_else(unknown)?;
        Self::try_from(currency).map_err(|_| unknown())
    }

    /// The upper-case ISO code.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the minor unit (2 for USD, 0 for JPY, 3 for BHD).
    pub fn exponent(self) -> u32 {
        // Construction guarantees an exponent; 2 is unreachable and only keeps the accessor total.
        self.0.exponent().map_or(2, u32::from)
    }

    /// The underlying `iso_currency` value, for callers that need its other data.
    pub fn iso(self) -> iso_currency::Currency {
        self.0
    }

    /// Every ISO currency with minor units, for exhaustive tests and lookups.
    pub fn all() -> impl Iterator<Item = Self> {
        use iso_currency::IntoEnumIterator;
        iso_currency::Currency::iter().filter_map(|c| Self::try_from(c).ok())
    }
}

impl TryFrom<iso_currency::Currency> for Currency {
    type Error = MappingError;

    fn try_from(currency: iso_currency::Currency) -> Result<Self, Self::Error> {
        match currency.exponent() {
            Some(_) => Ok(Self(currency)),
            None => Err(MappingError::UnknownCurrency {
                field: "currency".to_owned(),
                value: currency.code().to_owned(),
            }),
        }
    }
}

impl FromStr for Currency {
    type Err = MappingError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::parse(code, "currency")
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
                Currency::parse(code, "c").unwrap().exponent(),
                exponent,
                "{code}"
            );
        }
    }

    #[test]
    fn lower_case_is_accepted() {
        assert_eq!(Currency::parse("usd", "c").unwrap(), Currency::USD);
    }

    #[test]
    fn bad_codes_name_the_field() {
        for bad in ["", "US", "USDD", "ZZZ", "XAU", "U$D", "ÜSD"] {
            let err = Currency::parse(bad, "order.currency").unwrap_err();
            assert_eq!(err.field(), "order.currency", "{bad}");
            assert_eq!(err.value(), Some(bad));
        }
    }

    #[test]
    fn all_lists_only_currencies_with_minor_units() {
        let all: Vec<_> = Currency::all().collect();
        assert!(all.len() > 150);
        assert!(all.contains(&Currency::USD));
        assert!(!all.iter().any(|c| c.code() == "XAU"));
    }

    #[test]
    fn serde_uses_the_code() {
        let json = serde_json::to_string(&Currency::EUR).unwrap();
        assert_eq!(json, "\"EUR\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"eur\"").unwrap(),
            Currency::EUR
        );
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
    }
}

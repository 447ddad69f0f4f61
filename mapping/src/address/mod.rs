//! Address transforms: countries to ISO 3166-1 alpha-2, US states and Canadian provinces to their
//! codes, postal codes, street lines and person names.

mod regions;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::MappingError;

/// An ISO 3166-1 alpha-2 country code (`"US"`, `"CA"`, `"GB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// The United States.
    pub const US: Self = Self("US");
    /// Canada.
    pub const CA: Self = Self("CA");

    /// Reads a country as stores and gateways write it: an alpha-2 or alpha-3 code, a numeric code,
    /// an English name (`"United States"`, `"The Netherlands"`) or a common alias (`"USA"`,
    /// `"England"`), in any case. The table is the `celes` crate's copy of ISO 3166-1.
    pub fn parse(input: &str, field: &str) -> Result<Self, MappingError> {
        let invalid = || MappingError::InvalidValue {
            field: field.to_owned(),
            value: input.to_owned(),
            expected: "country",
        };
        let folded: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | ',' | '-' | '\'' | '’' | '(' | ')'))
            .map(fold_latin)
            .collect::<String>()
            .replace('&', "and")
            .to_lowercase();
        if folded.is_empty() {
            return Err(invalid());
        }
        let candidates = [folded.clone(), format!("the{folded}")];
        candidates
            .iter()
            .find_map(|c| lookup_country(c))
            .map(|country| Self(country.alpha2))
            .ok_or_else(invalid)
    }

    /// The two-letter code.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

/// Folds the accented Latin letters that appear in country names ("Côte d'Ivoire", "Curaçao",
/// "Réunion") to ASCII, as the ISO table spells them.
fn fold_latin(c: char) -> char {
    match c.to_lowercase().next().unwrap_or(c) {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Looks a folded name up as a code, a name or an alias.
fn lookup_country(folded: &str) -> Option<celes::Country> {
    folded
        .parse::<celes::Country>()
        .ok()
        .or_else(|| celes::Country::from_alias(folded).ok())
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text, "country").map_err(serde::de::Error::custom)
    }
}

fn fold_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The region (state, province) code for `input` in `country`.
///
/// For the US and Canada a code (`"ca"`, `"CA"`) or a name (`"California"`, `"Québec"`) becomes the
/// two-letter postal abbreviation, and anything else is an error. For other countries there is no
/// table here: the trimmed input is returned as it is.
pub fn region_code(country: CountryCode, input: &str, field: &str) -> Result<String, MappingError> {
    let table = match country.as_str() {
        "US" => regions::US,
        "CA" => regions::CA,
        _ => return Ok(input.trim().to_owned()),
    };
    let folded = fold_name(input);
    let by_code = table
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(&folded));
    // Table names are ASCII with single spaces, so a case-insensitive compare with the folded input
    // needs no allocation per row.
    let by_name = || {
        table
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(&folded))
    };
    let by_alias = || {
        regions::ALIASES
            .iter()
            .find(|(c, _, alias)| *c == country.as_str() && *alias == folded)
            .map(|(_, code, _)| *code)
    };
    by_code
        .or_else(by_name)
        .map(|(code, _)| *code)
        .or_else(by_alias)
        .map(str::to_owned)
        .ok_or_else(|| MappingError::InvalidValue {
            field: field.to_owned(),
            value: input.to_owned(),
            expected: if country == CountryCode::US {
                "US state"
            } else {
                "Canadian province"
            },
        })
}

/// The region's full name for a US or Canadian code, for systems that want names (Magento's
/// `region`).
pub fn region_name(country: CountryCode, code: &str) -> Option<&'static str> {
    let table = match country.as_str() {
        "US" => regions::US,
        "CA" => regions::CA,
        _ => return None,
    };
    table
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, name)| *name)
}

/// Normalizes a postal code: US ZIP (`12345`, `12345-6789`, `123456789` becomes `12345-6789`) and
/// Canadian (`k1a0b1` becomes `K1A 0B1`) codes are checked; other countries' codes are trimmed and
/// upper-cased.
pub fn postal_code(country: CountryCode, input: &str, field: &str) -> Result<String, MappingError> {
    let invalid = |expected| MappingError::InvalidValue {
        field: field.to_owned(),
        value: input.to_owned(),
        expected,
    };
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    match country.as_str() {
        "US" => {
            let digits: String = compact.chars().filter(|c| *c != '-').collect();
            let dashes = compact.matches('-').count();
            let dash_ok = dashes == 0 || (dashes == 1 && compact.find('-') == Some(5));
            if !dash_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("US ZIP code"));
            }
            match digits.len() {
                5 if dashes == 0 => Ok(digits),
                9 => Ok(format!("{}-{}", &digits[..5], &digits[5..])),
                _ => Err(invalid("US ZIP code")),
            }
        }
        "CA" => {
            let b = compact.as_bytes();
            // The first letter of a Canadian postal code is never D F I O Q U W Z; later letters never D F I O Q U.
            let letter = |c: u8, first: bool| {
                c.is_ascii_uppercase()
                    && !b"DFIOQU".contains(&c)
                    && !(first && (c == b'W' || c == b'Z'))
            };
            let ok = b.len() == 6
                && letter(b[0], true)
                && b[1].is_ascii_digit()
                && letter(b[2], false)
                && b[3].is_ascii_digit()
                && letter(b[4], false)
                && b[5].is_ascii_digit();
            if ok {
                Ok(format!("{} {}", &compact[..3], &compact[3..]))
            } else {
                Err(invalid("Canadian postal code"))
            }
        }
        _ => {
            let trimmed = input.trim().to_uppercase();
            if trimmed.is_empty() {
                Err(invalid("postal code"))
            } else {
                Ok(trimmed)
            }
        }
    }
}

/// Street lines from any shape (Magento's `street[]`, Shopify's `address1`/`address2`): trimmed,
/// empty lines dropped.
pub fn street_lines<'a, I: IntoIterator<Item = &'a str>>(lines: I) -> Vec<String> {
    lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Street lines folded into the two lines most gateways and Shopify have: the first line, and the
/// rest joined with `", "`.
pub fn two_street_lines(lines: &[String]) -> (Option<String>, Option<String>) {
    let first = lines.first().cloned();
    let rest = lines
        .get(1..)
        .filter(|rest| !rest.is_empty())
        .map(|rest| rest.join(", "));
    (first, rest)
}

/// A person's name in two parts, as Magento and PayTrace's vault keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given name(s).
    pub first: String,
    /// Family name; empty when the source had one word only.
    pub last: String,
}

/// One display name from parts (`"Ada"` + `"Lovelace"` becomes `"Ada Lovelace"`), for Stripe's
/// `name` and PayTrace's `billing_address.name`.
pub fn join_name(first: &str, last: &str) -> Option<String> {
    let joined = [first.trim(), last.trim()]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// Splits a display name at its last space: `"Mary Ann Smith"` becomes `"Mary Ann"` + `"Smith"`;
/// a single word is a first name with an empty last name.
pub fn split_name(full: &str, field: &str) -> Result<PersonName, MappingError> {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.split_last() {
        None => Err(MappingError::MissingField {
            field: field.to_owned(),
        }),
        Some((only, [])) => Ok(PersonName {
            first: (*only).to_owned(),
            last: String::new(),
        }),
        Some((last, first)) => Ok(PersonName {
            first: first.join(" "),
            last: (*last).to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn countries() {
        let cases = [
            ("US", "US"),
            ("us", "US"),
            ("USA", "US"),
            ("United States", "US"),
            ("United States of America", "US"),
            ("840", "US"),
            ("CAN", "CA"),
            ("Canada", "CA"),
            ("united kingdom", "GB"),
            ("GB", "GB"),
            ("England", "GB"),
            ("Netherlands", "NL"),
            ("Germany", "DE"),
            (" de ", "DE"),
            ("Côte d'Ivoire", "CI"),
            ("Curaçao", "CW"),
            ("Bosnia & Herzegovina", "BA"),
        ];
        for (input, expected) in cases {
            let parsed = CountryCode::parse(input, "country");
            assert_eq!(
                parsed.map(CountryCode::as_str).ok(),
                Some(expected),
                "{input}"
            );
        }
        for bad in ["", "  ", "XX", "Atlantis", "U S A A"] {
            let err = CountryCode::parse(bad, "billing_address.country").unwrap_err();
            assert_eq!(err.field(), "billing_address.country", "{bad}");
            assert!(matches!(
                err,
                MappingError::InvalidValue {
                    expected: "country",
                    ..
                }
            ));
        }
    }

    #[test]
    fn regions() {
        let cases = [
            (CountryCode::US, "CA", "CA"),
            (CountryCode::US, "ca", "CA"),
            (CountryCode::US, "California", "CA"),
            (CountryCode::US, "new  york", "NY"),
            (CountryCode::US, "District of Columbia", "DC"),
            (CountryCode::US, "Puerto Rico", "PR"),
            (CountryCode::US, "Washington DC", "DC"),
            (CountryCode::CA, "Ontario", "ON"),
            (CountryCode::CA, "Québec", "QC"),
            (CountryCode::CA, "Quebec", "QC"),
            (CountryCode::CA, "bc", "BC"),
        ];
        for (country, input, expected) in cases {
            assert_eq!(
                region_code(country, input, "region").unwrap(),
                expected,
                "{input}"
            );
        }
        let err = region_code(CountryCode::US, "Ontario", "shipping_address.province").unwrap_err();
        assert_eq!(err.field(), "shipping_address.province");
        assert!(region_code(CountryCode::CA, "California", "r").is_err());
        assert!(region_code(CountryCode::US, "", "r").is_err());
        let de = CountryCode::parse("DE", "c").unwrap();
        assert_eq!(region_code(de, " Bayern ", "r").unwrap(), "Bayern");
        assert_eq!(region_name(CountryCode::CA, "qc"), Some("Quebec"));
        assert_eq!(region_name(de, "BY"), None);
    }

    #[test]
    fn postal_codes() {
        let ok = [
            (CountryCode::US, "12345", "12345"),
            (CountryCode::US, "12345-6789", "12345-6789"),
            (CountryCode::US, "123456789", "12345-6789"),
            (CountryCode::US, " 12345 ", "12345"),
            (CountryCode::CA, "K1A 0B1", "K1A 0B1"),
            (CountryCode::CA, "k1a0b1", "K1A 0B1"),
            (CountryCode::CA, "h3z 2y7", "H3Z 2Y7"),
        ];
        for (country, input, expected) in ok {
            assert_eq!(
                postal_code(country, input, "zip").unwrap(),
                expected,
                "{input}"
            );
        }
        let bad = [
            (CountryCode::US, "1234"),
            (CountryCode::US, "123456"),
            (CountryCode::US, "1234-56789"),
            (CountryCode::US, "12345--6789"),
            (CountryCode::US, "ABCDE"),
            (CountryCode::CA, "D1A 0B1"),
            (CountryCode::CA, "K1A 0B"),
            (CountryCode::CA, "W1A 0B1"),
            (CountryCode::CA, "12345"),
        ];
        for (country, input) in bad {
            let err = postal_code(country, input, "zip").unwrap_err();
            assert_eq!(err.field(), "zip", "{input}");
        }
        let gb = CountryCode::parse("GB", "c").unwrap();
        assert_eq!(postal_code(gb, " sw1a 1aa ", "zip").unwrap(), "SW1A 1AA");
        assert!(postal_code(gb, " ", "zip").is_err());
    }

    #[test]
    fn street_lines_join_and_split() {
        let lines = street_lines(["  1 Main St ", "", "Suite 5", "Floor 2"]);
        assert_eq!(lines, ["1 Main St", "Suite 5", "Floor 2"]);
        assert_eq!(
            two_street_lines(&lines),
            (
                Some("1 Main St".to_owned()),
                Some("Suite 5, Floor 2".to_owned())
            )
        );
        assert_eq!(
            two_street_lines(&lines[..1]),
            (Some("1 Main St".to_owned()), None)
        );
        assert_eq!(two_street_lines(&[]), (None, None));
    }

    #[test]
    fn names() {
        assert_eq!(
            join_name(" Ada ", "Lovelace").as_deref(),
            Some("Ada Lovelace")
        );
        assert_eq!(join_name("", "Lovelace").as_deref(), Some("Lovelace"));
        assert_eq!(join_name(" ", ""), None);
        let split = split_name("Mary  Ann Smith", "name").unwrap();
        assert_eq!(
            split,
            PersonName {
                first: "Mary Ann".into(),
                last: "Smith".into()
            }
        );
        assert_eq!(
            split_name("Cher", "name").unwrap(),
            PersonName {
                first: "Cher".into(),
                last: String::new()
            }
        );
        assert!(matches!(
            split_name("  ", "customer.name"),
            Err(MappingError::MissingField { .. })
        ));
    }
}

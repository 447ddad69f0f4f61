//! Canonical [`Address`] to and from PayTrace's `billing_address` / `shipping_address` object.
//!
//! PayTrace's address has one `name`, two street lines, `city`, `state`, `zip`, `country` (and
//! `county` on shipping addresses, which the canonical model does not carry). Card verification
//! (AVS) compares the street line and the ZIP, so both are normalized with [`crate::address`]: US
//! states become their 2-letter code (PayTrace's samples send `"WA"`, `"CA"`), ZIPs become
//! `12345` or `12345-6789`. Whether PayTrace accepts the dashed ZIP+4 form is unconfirmed (its
//! samples only show five digits).

use ::paytrace::Address as WireAddress;

use crate::address::{self, CountryCode};
use crate::{Address, MappingError};

pub(crate) use crate::text::non_blank;

/// PayTrace's form of `address`. Error paths are relative to the address (`region_code`,
/// `postal_code`); callers place them with [`MappingError::at`].
///
/// The name is the addressee's (first and last name joined), or the company when there is no
/// person. Street lines past the second are joined into `street_address2`. The region and postal
/// code are checked for the address's country; without a country they are sent as given, since
/// guessing the country would be worse than letting PayTrace judge them.
pub fn to_paytrace_address(address: &Address) -> Result<WireAddress, MappingError> {
    let name = address::join_name(
        address.first_name.as_deref().unwrap_or(""),
        address.last_name.as_deref().unwrap_or(""),
    )
    .or_else(|| non_blank(address.company.as_deref()).map(str::to_owned));
    let (street_address, street_address2) = address::two_street_lines(&address.lines);
    let region = non_blank(address.region_code.as_deref());
    let state = match (address.country, region) {
        (Some(country), Some(region)) => {
            Some(address::region_code(country, region, "region_code")?)
        }
        (None, Some(region)) => Some(region.to_owned()),
        (_, None) => None,
    };
    let postal = non_blank(address.postal_code.as_deref());
    let zip = match (address.country, postal) {
        (Some(country), Some(postal)) => {
            Some(address::postal_code(country, postal, "postal_code")?)
        }
        (None, Some(postal)) => Some(postal.to_owned()),
        (_, None) => None,
    };
    Ok(WireAddress {
        name,
        street_address,
        street_address2,
        city: non_blank(address.city.as_deref()).map(str::to_owned),
        county: None,
        state,
        zip,
        country: address.country.map(|c| c.as_str().to_owned()),
    })
}

/// Whether PayTrace left every field of the address blank (exports send such objects for
/// transactions without a shipping address).
pub fn is_blank_address(address: &WireAddress) -> bool {
    [
        &address.name,
        &address.street_address,
        &address.street_address2,
        &address.city,
        &address.county,
        &address.state,
        &address.zip,
        &address.country,
    ]
    .iter()
    .all(|field| non_blank(field.as_deref()).is_none())
}

/// `Some(address)` unless PayTrace sent no address or a blank one.
pub fn address_from_paytrace(
    address: Option<&WireAddress>,
) -> Result<Option<Address>, MappingError> {
    address
        .filter(|a| !is_blank_address(a))
        .map(Address::try_from)
        .transpose()
}

/// Reads a PayTrace address. Paths in errors are PayTrace's field names (`country`, `state`,
/// `zip`).
///
/// `name` is split at its last space into first and last name. The country is parsed when
/// present; US and Canadian states and postal codes are then checked and normalized. The
/// `county` is dropped: the canonical address has no such field.
impl TryFrom<&WireAddress> for Address {
    type Error = MappingError;

    fn try_from(wire: &WireAddress) -> Result<Self, Self::Error> {
        let country = non_blank(wire.country.as_deref())
            .map(|c| CountryCode::parse(c, "country"))
            .transpose()?;
        let name = non_blank(wire.name.as_deref())
            .map(|n| address::split_name(n, "name"))
            .transpose()?;
        let region_code = match (country, non_blank(wire.state.as_deref())) {
            (Some(country), Some(state)) => Some(address::region_code(country, state, "state")?),
            (None, Some(state)) => Some(state.to_owned()),
            (_, None) => None,
        };
        let postal_code = match (country, non_blank(wire.zip.as_deref())) {
            (Some(country), Some(zip)) => Some(address::postal_code(country, zip, "zip")?),
            (None, Some(zip)) => Some(zip.to_owned()),
            (_, None) => None,
        };
        let (first_name, last_name) = match name {
            Some(name) => (Some(name.first), Some(name.last).filter(|l| !l.is_empty())),
            None => (None, None),
        };
        Ok(Self {
            first_name,
            last_name,
            company: None,
            lines: address::street_lines([
                wire.street_address.as_deref().unwrap_or(""),
                wire.street_address2.as_deref().unwrap_or(""),
            ]),
            city: non_blank(wire.city.as_deref()).map(str::to_owned),
            region_code,
            postal_code,
            country,
            phone: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn canonical() -> Address {
        Address {
            first_name: Some("Nathan".into()),
            last_name: Some("Williams".into()),
            company: Some("Acme".into()),
            lines: vec!["1234 Main St.".into(), "Suite 5".into(), "Floor 2".into()],
            city: Some("Los Angeles".into()),
            region_code: Some("California".into()),
            postal_code: Some("902101234".into()),
            country: Some(CountryCode::US),
            phone: Some("555-0100".into()),
        }
    }

    #[test]
    fn canonical_to_paytrace() {
        let wire = to_paytrace_address(&canonical()).unwrap();
        assert_eq!(
            wire,
            WireAddress {
                name: Some("Nathan Williams".into()),
                street_address: Some("1234 Main St.".into()),
                street_address2: Some("Suite 5, Floor 2".into()),
                city: Some("Los Angeles".into()),
                county: None,
                state: Some("CA".into()),
                zip: Some("90210-1234".into()),
                country: Some("US".into()),
            }
        );
    }

    #[test]
    fn company_when_no_person_and_raw_values_without_country() {
        let address = Address {
            first_name: None,
            last_name: Some(" ".into()),
            company: Some("Acme".into()),
            lines: vec![],
            city: None,
            region_code: Some(" Somewhere ".into()),
            postal_code: Some("ab1".into()),
            country: None,
            phone: None,
        };
        let wire = to_paytrace_address(&address).unwrap();
        assert_eq!(wire.name.as_deref(), Some("Acme"));
        assert_eq!(wire.state.as_deref(), Some("Somewhere"));
        assert_eq!(wire.zip.as_deref(), Some("ab1"));
        assert_eq!(wire.street_address, None);
        assert_eq!(wire.country, None);
    }

    #[test]
    fn bad_us_state_and_zip_name_the_field() {
        let cases = [
            (
                Address {
                    region_code: Some("Ontario".into()),
                    ..canonical()
                },
                "region_code",
            ),
            (
                Address {
                    postal_code: Some("1234".into()),
                    ..canonical()
                },
                "postal_code",
            ),
        ];
        for (address, field) in cases {
            let err = to_paytrace_address(&address).unwrap_err();
            assert_eq!(
                err.at("order.billing_address").field(),
                format!("order.billing_address.{field}")
            );
        }
    }

    #[test]
    fn paytrace_to_canonical() {
        let wire = WireAddress {
            name: Some("Mary Ann Smith".into()),
            street_address: Some(" 8320 E. West St. ".into()),
            street_address2: Some("".into()),
            city: Some("Spokane".into()),
            county: Some("Spokane".into()),
            state: Some("wa".into()),
            zip: Some("99201".into()),
            country: Some("US".into()),
        };
        let address = Address::try_from(&wire).unwrap();
        assert_eq!(address.first_name.as_deref(), Some("Mary Ann"));
        assert_eq!(address.last_name.as_deref(), Some("Smith"));
        assert_eq!(address.lines, ["8320 E. West St."]);
        assert_eq!(address.region_code.as_deref(), Some("WA"));
        assert_eq!(address.postal_code.as_deref(), Some("99201"));
        assert_eq!(address.country, Some(CountryCode::US));
        let one_word = WireAddress {
            name: Some("Kevin".into()),
            ..WireAddress::default()
        };
        let address = Address::try_from(&one_word).unwrap();
        assert_eq!(address.first_name.as_deref(), Some("Kevin"));
        assert_eq!(address.last_name, None);
        assert_eq!(address.country, None);
    }

    #[test]
    fn paytrace_errors_use_paytrace_field_names() {
        let cases = [
            (
                WireAddress {
                    country: Some("Atlantis".into()),
                    ..WireAddress::default()
                },
                "billing_address.country",
            ),
            (
                WireAddress {
                    country: Some("US".into()),
                    state: Some("Ontario".into()),
                    ..WireAddress::default()
                },
                "billing_address.state",
            ),
            (
                WireAddress {
                    country: Some("US".into()),
                    zip: Some("852".into()),
                    ..WireAddress::default()
                },
                "billing_address.zip",
            ),
        ];
        for (wire, field) in cases {
            let err = Address::try_from(&wire).unwrap_err().at("billing_address");
            assert_eq!(err.field(), field);
        }
    }

    #[test]
    fn blank_addresses_are_none() {
        let blank = WireAddress {
            name: Some(" ".into()),
            ..WireAddress::default()
        };
        assert!(is_blank_address(&blank));
        assert_eq!(address_from_paytrace(Some(&blank)).unwrap(), None);
        assert_eq!(address_from_paytrace(None).unwrap(), None);
        let zip_only = WireAddress {
            zip: Some("85284".into()),
            country: Some("US".into()),
            ..WireAddress::default()
        };
        let address = address_from_paytrace(Some(&zip_only)).unwrap().unwrap();
        assert_eq!(address.postal_code.as_deref(), Some("85284"));
    }
}

//! Canonical customers to and from Magento customers (customer sync, both directions).
//!
//! - Names and e-mail map one to one (`firstname`, `lastname`, `email`).
//! - The Magento customer id is kept under [`System::Magento`] in `ids`.
//! - The canonical `address` is the customer's **default billing** address: the address flagged
//!   `default_billing`, or the one whose id the customer's `default_billing` names. Other
//!   addresses in the Magento address book are not mapped in, and are kept when writing back.
//! - Customer addresses carry the region as an object (`region.region_code`, `region.region`,
//!   `region.region_id`). US and Canadian regions become two-letter codes in both directions;
//!   when writing, the full name comes from [`crate::address::region_name`] and `region_id` is
//!   left out (Magento's ids are per installation and Magento resolves the region from
//!   `region_code` + `country_id`; not confirmed on a live store). Elsewhere the region is kept
//!   as received and written as the free-text `region.region`.
//! - Magento has no customer-level phone: the canonical `phone` is read from the default billing
//!   address, and written to it when the address has none of its own.

use super::{RawAddress, address_from_raw, text};
use crate::address::{self, CountryCode};
use crate::{Address, Customer, ExternalIds, MappingError, System};

impl TryFrom<&magento::Customer> for Customer {
    type Error = MappingError;

    /// Errors are at `customer.` followed by Magento's field names
    /// (`customer.addresses[0].region.region_code`).
    fn try_from(customer: &magento::Customer) -> Result<Self, Self::Error> {
        let mut ids = ExternalIds::new();
        if let Some(id) = customer.id {
            ids.set(System::Magento, id.to_string());
        }
        let address = default_billing_index(customer)
            .map(|i| {
                customer_address(&customer.addresses[i])
                    .map_err(|e| e.at(&format!("customer.addresses[{i}]")))
            })
            .transpose()?;
        Ok(Self {
            ids,
            email: text(Some(&customer.email)),
            first_name: text(Some(&customer.firstname)),
            last_name: text(Some(&customer.lastname)),
            phone: address.as_ref().and_then(|a| a.phone.clone()),
            address,
        })
    }
}

/// The default billing address: flagged on the address, or named by the customer's
/// `default_billing` id (when the address carries no flag saying otherwise).
fn default_billing_index(customer: &magento::Customer) -> Option<usize> {
    let by_flag = customer
        .addresses
        .iter()
        .position(|a| a.default_billing == Some(true));
    by_flag.or_else(|| {
        let id = customer
            .default_billing
            .as_deref()?
            .trim()
            .parse::<i64>()
            .ok()?;
        // An address explicitly flagged as not the default loses against its flag.
        customer
            .addresses
            .iter()
            .position(|a| a.id == Some(id) && a.default_billing != Some(false))
    })
}

fn customer_address(address: &magento::CustomerAddress) -> Result<Address, MappingError> {
    let region = address.region.as_ref();
    address_from_raw(
        &RawAddress {
            firstname: address.firstname.as_deref(),
            lastname: address.lastname.as_deref(),
            company: address.company.as_deref(),
            street: &address.street,
            city: address.city.as_deref(),
            region_code: region.and_then(|r| r.region_code.as_deref()),
            region: region.and_then(|r| r.region.as_deref()),
            postcode: address.postcode.as_deref(),
            country_id: address.country_id.as_deref(),
            telephone: address.telephone.as_deref(),
        },
        "region.region_code",
    )
}

/// What writing a customer to Magento needs besides the customer.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerCtx<'a> {
    /// The customer as Magento has it, when updating. `PUT /V1/customers/{id}` replaces the
    /// whole record and address book, so the update starts from it: other addresses, the group,
    /// the website and attributes this crate does not map are sent back unchanged.
    pub existing: Option<&'a magento::Customer>,
    /// The website the account belongs to (accounts are per website by default).
    pub website_id: Option<i64>,
    /// The customer group.
    pub group_id: Option<i64>,
}

/// The Magento customer for `customer`, for `POST /V1/customers` (wrap it in
/// `magento::NewCustomer`) or `PUT /V1/customers/{id}`.
///
/// Required: `email`, `first_name`, `last_name` (Magento refuses a customer without them), and
/// for the address: street lines, city and country, plus names (the customer's are used when
/// the address has none). The address becomes the default billing address: it replaces the
/// existing default billing address (keeping its id and default-shipping flag) or is added.
pub fn to_magento_customer(
    customer: &Customer,
    ctx: &CustomerCtx<'_>,
) -> Result<magento::Customer, MappingError> {
    let mut out = ctx.existing.cloned().unwrap_or_default();
    if let Some(raw) = customer.ids.get(System::Magento) {
        let id = raw
            .trim()
            .parse::<i64>()
            .map_err(|_| MappingError::InvalidValue {
                field: "customer.ids.magento".to_owned(),
                value: raw.to_owned(),
                expected: "Magento customer id",
            })?;
        if out.id.is_some_and(|existing| existing != id) {
            return Err(MappingError::InvalidValue {
                field: "customer.ids.magento".to_owned(),
                value: raw.to_owned(),
                expected: "the id of the Magento customer being updated",
            });
        }
        out.id = Some(id);
    }
    let required = |value: &Option<String>, field: &str| {
        text(value.as_deref()).ok_or_else(|| MappingError::MissingField {
            field: format!("customer.{field}"),
        })
    };
    out.email = required(&customer.email, "email")?;
    out.firstname = required(&customer.first_name, "first_name")?;
    out.lastname = required(&customer.last_name, "last_name")?;
    if let Some(website) = ctx.website_id {
        out.website_id = Some(website);
    }
    if let Some(group) = ctx.group_id {
        out.group_id = Some(group);
    }
    if let Some(address) = &customer.address {
        let mut new =
            to_magento_address(address, customer).map_err(|e| e.at("customer.address"))?;
        match default_billing_index(&out) {
            Some(i) => {
                let old = &out.addresses[i];
                new.id = old.id;
                new.customer_id = old.customer_id;
                new.default_shipping = old.default_shipping;
                let same_region = old.country_id == new.country_id
                    && old.region.as_ref().and_then(|r| r.region_code.as_deref())
                        == new.region.as_ref().and_then(|r| r.region_code.as_deref());
                if same_region {
                    new.region_id = old.region_id;
                    if let (Some(region), Some(old_region)) = (&mut new.region, &old.region) {
                        region.region_id = old_region.region_id;
                    }
                }
                out.addresses[i] = new;
            }
            None => {
                // The customer's `default_billing` id may name an address that no longer is the
                // default; Magento sets it from the address flag.
                out.default_billing = None;
                out.addresses.push(new);
            }
        }
    }
    Ok(out)
}

/// A canonical address as a Magento customer address; errors are relative to the address.
fn to_magento_address(
    address: &Address,
    customer: &Customer,
) -> Result<magento::CustomerAddress, MappingError> {
    let missing = |field: &str| MappingError::MissingField {
        field: field.to_owned(),
    };
    let firstname = text(address.first_name.as_deref())
        .or_else(|| text(customer.first_name.as_deref()))
        .ok_or_else(|| missing("first_name"))?;
    let lastname = text(address.last_name.as_deref())
        .or_else(|| text(customer.last_name.as_deref()))
        .ok_or_else(|| missing("last_name"))?;
    let street = address::street_lines(address.lines.iter().map(String::as_str));
    if street.is_empty() {
        return Err(missing("lines"));
    }
    let city = text(address.city.as_deref()).ok_or_else(|| missing("city"))?;
    let country: CountryCode = address.country.ok_or_else(|| missing("country"))?;
    let region = match text(address.region_code.as_deref()) {
        None => None,
        Some(raw) if country == CountryCode::US || country == CountryCode::CA => {
            let code = address::region_code(country, &raw, "region_code")?;
            Some(magento::Region {
                region: address::region_name(country, &code).map(str::to_owned),
                region_code: Some(code),
                region_id: None,
            })
        }
        Some(raw) => Some(magento::Region {
            region: Some(raw),
            region_code: None,
            region_id: None,
        }),
    };
    let postcode = text(address.postal_code.as_deref())
        .map(|p| address::postal_code(country, &p, "postal_code"))
        .transpose()?;
    Ok(magento::CustomerAddress {
        firstname: Some(firstname),
        lastname: Some(lastname),
        company: text(address.company.as_deref()),
        street,
        city: Some(city),
        region,
        postcode,
        country_id: Some(country.as_str().to_owned()),
        telephone: text(address.phone.as_deref()).or_else(|| text(customer.phone.as_deref())),
        default_billing: Some(true),
        ..magento::CustomerAddress::default()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn address(id: i64, default_billing: Option<bool>, city: &str) -> magento::CustomerAddress {
        magento::CustomerAddress {
            id: Some(id),
            default_billing,
            city: Some(city.into()),
            country_id: Some("DE".into()),
            street: vec!["Hauptstr. 1".into()],
            region: Some(magento::Region {
                region: Some("Bayern".into()),
                ..magento::Region::default()
            }),
            ..magento::CustomerAddress::default()
        }
    }

    #[test]
    fn default_billing_by_flag_then_by_id() {
        let mut customer = magento::Customer {
            default_billing: Some("8".into()),
            addresses: vec![address(7, None, "Berlin"), address(8, None, "München")],
            ..magento::Customer::default()
        };
        let mapped = Customer::try_from(&customer).unwrap();
        let mapped_address = mapped.address.unwrap();
        assert_eq!(mapped_address.city.as_deref(), Some("München"));
        // Outside the US and Canada the region is kept as received.
        assert_eq!(mapped_address.region_code.as_deref(), Some("Bayern"));
        customer.addresses[0].default_billing = Some(true);
        let mapped = Customer::try_from(&customer).unwrap();
        assert_eq!(mapped.address.unwrap().city.as_deref(), Some("Berlin"));
        customer.default_billing = None;
        customer.addresses[0].default_billing = None;
        assert_eq!(Customer::try_from(&customer).unwrap().address, None);
    }

    #[test]
    fn a_new_default_billing_address_is_added_and_others_kept() {
        let existing = magento::Customer {
            id: Some(5),
            default_billing: Some("7".into()),
            addresses: vec![address(7, Some(false), "Berlin")],
            ..magento::Customer::default()
        };
        let customer = Customer {
            ids: ExternalIds::new().with(System::Magento, "5"),
            email: Some("a@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("L".into()),
            phone: Some("+49 30 1234".into()),
            address: Some(Address {
                lines: vec!["Marienplatz 8".into()],
                city: Some("München".into()),
                region_code: Some("Bayern".into()),
                postal_code: Some("80331".into()),
                country: Some(CountryCode::parse("DE", "c").unwrap()),
                ..Address::default()
            }),
        };
        let ctx = CustomerCtx {
            existing: Some(&existing),
            website_id: Some(2),
            group_id: Some(3),
        };
        let out = to_magento_customer(&customer, &ctx).unwrap();
        assert_eq!(
            (out.id, out.website_id, out.group_id),
            (Some(5), Some(2), Some(3))
        );
        assert_eq!(out.default_billing, None);
        assert_eq!(out.addresses.len(), 2);
        assert_eq!(out.addresses[0], existing.addresses[0]);
        let added = &out.addresses[1];
        assert_eq!(added.id, None);
        assert_eq!(added.default_billing, Some(true));
        assert_eq!(
            added.firstname.as_deref(),
            Some("Ada"),
            "the customer's name fills in"
        );
        assert_eq!(added.telephone.as_deref(), Some("+49 30 1234"));
        assert_eq!(
            added.region,
            Some(magento::Region {
                region: Some("Bayern".into()),
                region_code: None,
                region_id: None
            })
        );
    }
}

//! Customers both ways: `customers/create` / `customers/update` bodies (and an order's
//! `customer`) into canonical [`Customer`]s, and canonical customers into the inputs of
//! `customerCreate`, `customerSet` and `customerUpdate` for customer sync.
//!
//! Reading: `id` becomes `ids[Shopify]`; the address is `default_address`, else the address
//! flagged `default`, else the first of `addresses`.
//!
//! Writing: Shopify wants the customer's own `phone` in E.164 (the `CustomerInput.phone`
//! reference: "The unique phone number (E.164 format)"); spaces, dashes, dots and parentheses are
//! dropped, and anything still not `+` and 8 to 15 digits is an error rather than a customer
//! Shopify would refuse. Address phones are free text and pass as they are. `customerSet`
//! replaces the stored list of addresses with the one given, so a customer without an address
//! leaves `addresses` out entirely.

use shopify::models::{CustomerAddressInput, CustomerInput, CustomerSetIdentifier};
use shopify::rest;

use super::{address_from_shopify, shopify_gid, text};
use crate::address::two_street_lines;
use crate::{Address, Customer, ExternalIds, MappingError, System};

impl TryFrom<&rest::Customer> for Customer {
    type Error = MappingError;

    /// Maps a customer webhook body; errors are rooted at `customer`
    /// (`customer.default_address.zip`).
    fn try_from(customer: &rest::Customer) -> Result<Self, Self::Error> {
        customer_from_shopify(customer).map_err(|e| e.at("customer"))
    }
}

/// The mapping, with errors relative to the customer (an order's `customer` reuses it).
pub(super) fn customer_from_shopify(customer: &rest::Customer) -> Result<Customer, MappingError> {
    let address = if let Some(default) = &customer.default_address {
        Some(address_from_shopify(&default.address).map_err(|e| e.at("default_address"))?)
    } else {
        let chosen = customer
            .addresses
            .iter()
            .position(|a| a.default)
            .or_else(|| (!customer.addresses.is_empty()).then_some(0));
        match chosen {
            Some(i) => Some(
                address_from_shopify(&customer.addresses[i].address)
                    .map_err(|e| e.at(&format!("addresses[{i}]")))?,
            ),
            None => None,
        }
    };
    Ok(Customer {
        ids: ExternalIds::new().with(System::Shopify, customer.id.to_string()),
        email: text(customer.email.as_deref()),
        first_name: text(customer.first_name.as_deref()),
        last_name: text(customer.last_name.as_deref()),
        phone: text(customer.phone.as_deref()),
        address,
    })
}

/// The `CustomerInput` of `customerCreate`, also the `CustomerSetInput` of `customerSet` (which
/// takes the customer to update as a separate [`customer_set_identifier`]): no `id`.
///
/// A customer needs an e-mail or a phone number to be found again; without either the error names
/// `customer.email`.
pub fn to_customer_input(customer: &Customer) -> Result<CustomerInput, MappingError> {
    let phone = customer
        .phone
        .as_deref()
        .map(|p| e164(p, "customer.phone"))
        .transpose()?;
    let email = text(customer.email.as_deref());
    if email.is_none() && phone.is_none() {
        return Err(MappingError::MissingField {
            field: "customer.email".to_owned(),
        });
    }
    let mut input = CustomerInput::default();
    input.email = email;
    input.phone = phone;
    input.first_name = text(customer.first_name.as_deref());
    input.last_name = text(customer.last_name.as_deref());
    input.addresses = customer
        .address
        .as_ref()
        .map(|a| to_address_input(a).map(|a| vec![a]))
        .transpose()?;
    Ok(input)
}

/// The `CustomerInput` of `customerUpdate`: [`to_customer_input`] plus the customer's GID from
/// `ids[Shopify]`. A customer not yet in Shopify is [`MappingError::NotYetKnown`]: create it first.
pub fn to_customer_update_input(customer: &Customer) -> Result<CustomerInput, MappingError> {
    let id = customer
        .ids
        .require(System::Shopify, "customer.ids.shopify")?;
    let mut input = to_customer_input(customer)?;
    input.id = Some(shopify_gid(id, "Customer", "customer.ids.shopify")?);
    Ok(input)
}

/// How `customerSet` finds the customer: the Shopify id when known, else the e-mail, else the
/// phone. Upserting by e-mail or phone keeps a repeated sync from creating duplicates.
pub fn customer_set_identifier(customer: &Customer) -> Result<CustomerSetIdentifier, MappingError> {
    if let Some(id) = customer.ids.get(System::Shopify) {
        return Ok(CustomerSetIdentifier::Id(shopify_gid(
            id,
            "Customer",
            "customer.ids.shopify",
        )?));
    }
    if let Some(email) = text(customer.email.as_deref()) {
        return Ok(CustomerSetIdentifier::Email(email));
    }
    match customer.phone.as_deref() {
        Some(phone) => Ok(CustomerSetIdentifier::Phone(e164(phone, "customer.phone")?)),
        None => Err(MappingError::MissingField {
            field: "customer.email".to_owned(),
        }),
    }
}

/// A canonical address as a `MailingAddressInput`; errors name `customer.address.*`.
fn to_address_input(address: &Address) -> Result<CustomerAddressInput, MappingError> {
    if address.region_code.is_some() && address.country.is_none() {
        // Shopify reads `provinceCode` within `countryCode`; alone it means nothing.
        return Err(MappingError::MissingField {
            field: "customer.address.country".to_owned(),
        });
    }
    let (address1, address2) = two_street_lines(&address.lines);
    let mut input = CustomerAddressInput::default();
    input.first_name = address.first_name.clone();
    input.last_name = address.last_name.clone();
    input.company = address.company.clone();
    input.address1 = address1;
    input.address2 = address2;
    input.city = address.city.clone();
    input.province_code = address.region_code.clone();
    input.country_code = address.country.map(|c| c.as_str().to_owned());
    input.zip = address.postal_code.clone();
    input.phone = address.phone.clone();
    Ok(input)
}

/// A phone number in E.164 (`+15024592181`) from the usual written forms.
fn e164(phone: &str, field: &str) -> Result<String, MappingError> {
    let compact: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
    {
        Ok(compact)
    } else {
        Err(MappingError::InvalidValue {
            field: field.to_owned(),
            value: phone.to_owned(),
            expected: "E.164 phone number (+15024592181)",
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::CountryCode;

    fn canonical() -> Customer {
        Customer {
            ids: ExternalIds::new(),
            email: Some("bob@example.com".into()),
            first_name: Some("Bob".into()),
            last_name: Some("Norman".into()),
            phone: Some("+1 (502) 459-2181".into()),
            address: Some(Address {
                first_name: Some("Bob".into()),
                lines: vec!["1 Main St".into(), "Suite 2".into(), "Floor 3".into()],
                city: Some("Louisville".into()),
                region_code: Some("KY".into()),
                postal_code: Some("40202".into()),
                country: Some(CountryCode::US),
                phone: Some("555-625-1199".into()),
                ..Address::default()
            }),
        }
    }

    #[test]
    fn customer_input_for_create_and_set() {
        let input = to_customer_input(&canonical()).unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"email": "bob@example.com", "phone": "+15024592181", "firstName": "Bob",
                   "lastName": "Norman",
                   "addresses": [{"firstName": "Bob", "address1": "1 Main St",
                                  "address2": "Suite 2, Floor 3", "city": "Louisville",
                                  "provinceCode": "KY", "countryCode": "US", "zip": "40202",
                                  "phone": "555-625-1199"}]})
        );
        let mut without_address = canonical();
        without_address.address = None;
        assert_eq!(to_customer_input(&without_address).unwrap().addresses, None);
    }

    #[test]
    fn update_needs_the_shopify_id() {
        let err = to_customer_update_input(&canonical()).unwrap_err();
        assert!(!err.is_permanent());
        assert_eq!(err.field(), "customer.ids.shopify");
        let mut known = canonical();
        known.ids.set(System::Shopify, "207119551");
        let input = to_customer_update_input(&known).unwrap();
        assert_eq!(
            input.id.unwrap().as_str(),
            "gid://shopify/Customer/207119551"
        );
        known.ids.set(System::Shopify, "gid://shopify/Order/1");
        let err = to_customer_update_input(&known).unwrap_err();
        assert_eq!(err.field(), "customer.ids.shopify");
        assert!(err.is_permanent());
    }

    #[test]
    fn set_identifier_prefers_id_then_email_then_phone() {
        let mut customer = canonical();
        assert_eq!(
            customer_set_identifier(&customer).unwrap(),
            CustomerSetIdentifier::Email("bob@example.com".into())
        );
        customer.ids.set(System::Shopify, "7");
        assert_eq!(
            customer_set_identifier(&customer).unwrap(),
            CustomerSetIdentifier::Id(shopify::Gid::new("Customer", 7))
        );
        customer.ids = ExternalIds::new();
        customer.email = None;
        assert_eq!(
            customer_set_identifier(&customer).unwrap(),
            CustomerSetIdentifier::Phone("+15024592181".into())
        );
        customer.phone = None;
        assert_eq!(
            customer_set_identifier(&customer).unwrap_err().field(),
            "customer.email"
        );
    }

    #[test]
    fn outbound_errors_name_the_canonical_field() {
        let mut customer = canonical();
        customer.phone = Some("555-625-1199".into());
        let err = to_customer_input(&customer).unwrap_err();
        assert_eq!(err.field(), "customer.phone");
        assert_eq!(err.value(), Some("555-625-1199"));
        customer.phone = None;
        customer.email = Some("  ".into());
        assert_eq!(
            to_customer_input(&customer).unwrap_err().field(),
            "customer.email"
        );
        let mut customer = canonical();
        if let Some(a) = customer.address.as_mut() {
            a.country = None;
        }
        assert_eq!(
            to_customer_input(&customer).unwrap_err().field(),
            "customer.address.country"
        );
    }

    #[test]
    fn e164_forms() {
        for (raw, ok) in [
            ("+15005550006", Some("+15005550006")),
            ("+44 20 7946 0958", Some("+442079460958")),
            ("+1.502.459.2181", Some("+15024592181")),
            ("15005550006", None),
            ("+1500555000612345", None),
            ("+0123456789", None),
            ("+1555CALLNOW", None),
        ] {
            assert_eq!(e164(raw, "phone").ok().as_deref(), ok, "{raw}");
        }
    }

    #[test]
    fn reads_the_default_or_first_address() {
        let wire: rest::Customer = serde_json::from_value(json!({
            "id": 5, "email": "a@example.com", "first_name": "", "phone": null,
            "addresses": [
                {"id": 1, "address1": "1 Rue", "city": "Paris", "country_code": "FR", "zip": "75001"},
                {"id": 2, "address1": "2 Main", "city": "Ottawa", "country_code": "CA",
                 "province_code": "ON", "zip": "k2h7a8", "default": true}
            ]
        }))
        .unwrap();
        let customer = Customer::try_from(&wire).unwrap();
        assert_eq!(customer.ids.get(System::Shopify), Some("5"));
        assert_eq!(customer.first_name, None);
        let address = customer.address.unwrap();
        assert_eq!(address.postal_code.as_deref(), Some("K2H 7A8"));
        assert_eq!(address.region_code.as_deref(), Some("ON"));

        let wire: rest::Customer = serde_json::from_value(json!({
            "id": 5, "addresses": [{"address1": "1 Main", "country_code": "US", "zip": "1"}]
        }))
        .unwrap();
        let err = Customer::try_from(&wire).unwrap_err();
        assert_eq!(err.field(), "customer.addresses[0].zip");
        let wire: rest::Customer = serde_json::from_value(json!({"id": 5})).unwrap();
        assert_eq!(Customer::try_from(&wire).unwrap().address, None);
    }
}

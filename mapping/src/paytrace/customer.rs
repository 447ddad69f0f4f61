//! Canonical [`Customer`]s to and from PayTrace's customer vault.
//!
//! The vault id (PayTrace's `customer_id`, chosen by the merchant) lives in
//! `customer.ids[System::Paytrace]`. A PayTrace profile holds one billing and one shipping
//! address; the canonical customer has one address, which maps to the billing address (the one
//! AVS checks). Card data never passes through the canonical model: create requests take the
//! caller's card or Protect.js token.

use ::paytrace::{
    CreateCustomerRequest, CreditCard, CscField, CustomerContact, CustomerRecord, CustomerResponse,
    ProtectCustomerRequest, ProtectToken, UpdateCustomerRequest,
};

use super::address::{address_from_paytrace, non_blank, to_paytrace_address};
use crate::address::join_name;
use crate::{Customer, ExternalIds, MappingError, System};

fn contact(customer: &Customer) -> CustomerContact {
    CustomerContact {
        email: non_blank(customer.email.as_deref()).map(str::to_owned),
        phone: non_blank(customer.phone.as_deref()).map(str::to_owned),
        fax: None,
    }
}

/// The billing address of a new profile. PayTrace requires one with at least a name: the
/// customer's address, named after the customer when the address names no one.
fn billing_address(customer: &Customer) -> Result<::paytrace::Address, MappingError> {
    let mut billing = match &customer.address {
        Some(address) => to_paytrace_address(address).map_err(|e| e.at("customer.address"))?,
        None => ::paytrace::Address::default(),
    };
    if billing.name.is_none() {
        billing.name = join_name(
            customer.first_name.as_deref().unwrap_or(""),
            customer.last_name.as_deref().unwrap_or(""),
        );
    }
    if billing.name.is_none() {
        return Err(MappingError::MissingField {
            field: "customer.first_name".to_owned(),
        });
    }
    Ok(billing)
}

fn checked_vault_id(vault_id: &str) -> Result<String, MappingError> {
    non_blank(Some(vault_id))
        .map(str::to_owned)
        .ok_or(MappingError::MissingField {
            field: "vault_id".to_owned(),
        })
}

/// `/v1/customer/create` for `customer`, storing the caller's card under `vault_id` (the id
/// the merchant chooses; PayTrace requires it to be unique).
pub fn to_create_customer_request(
    customer: &Customer,
    vault_id: &str,
    credit_card: CreditCard,
    csc: Option<CscField>,
) -> Result<CreateCustomerRequest, MappingError> {
    Ok(CreateCustomerRequest {
        customer_id: checked_vault_id(vault_id)?,
        credit_card,
        csc,
        billing_address: billing_address(customer)?,
        shipping_address: None,
        contact: contact(customer),
    })
}

/// `/v1/customer/pt_protect_create` for `customer`, storing the card behind a Protect.js token
/// under `vault_id`.
pub fn to_protect_customer_request(
    customer: &Customer,
    vault_id: &str,
    token: ProtectToken,
) -> Result<ProtectCustomerRequest, MappingError> {
    Ok(ProtectCustomerRequest {
        customer_id: checked_vault_id(vault_id)?,
        token,
        billing_address: billing_address(customer)?,
        shipping_address: None,
        contact: contact(customer),
    })
}

/// `/v1/customer/update` bringing the profile `customer.ids[paytrace]` in line with `customer`:
/// billing address, e-mail and phone (the card is left alone). A customer without a vault id
/// is [`MappingError::NotYetKnown`].
pub fn to_update_customer_request(
    customer: &Customer,
) -> Result<UpdateCustomerRequest, MappingError> {
    let vault_id = customer
        .ids
        .require(System::Paytrace, "customer.ids.paytrace")?;
    Ok(UpdateCustomerRequest {
        billing_address: customer
            .address
            .as_ref()
            .map(|a| to_paytrace_address(a).map_err(|e| e.at("customer.address")))
            .transpose()?,
        contact: contact(customer),
        ..UpdateCustomerRequest::new(vault_id)
    })
}

/// `customer` with the vault id PayTrace confirmed in a create or update `response` (after an
/// update with `new_id`, the new id). A response without `customer_id` is an error.
pub fn with_vault_id(
    customer: &Customer,
    response: &CustomerResponse,
) -> Result<Customer, MappingError> {
    let vault_id =
        non_blank(response.customer_id.as_deref()).ok_or(MappingError::MissingField {
            field: "customer_id".to_owned(),
        })?;
    let mut customer = customer.clone();
    customer.ids.set(System::Paytrace, vault_id);
    Ok(customer)
}

/// Reads an exported vault profile. Paths in errors are PayTrace's (`customer_id`,
/// `billing_address.zip`).
///
/// The billing address becomes the customer's address and its name the customer's name; the
/// shipping address and the masked card are not part of the canonical customer.
impl TryFrom<&CustomerRecord> for Customer {
    type Error = MappingError;

    fn try_from(record: &CustomerRecord) -> Result<Self, Self::Error> {
        let vault_id =
            non_blank(record.customer_id.as_deref()).ok_or(MappingError::MissingField {
                field: "customer_id".to_owned(),
            })?;
        let address = address_from_paytrace(record.billing_address.as_ref())
            .map_err(|e| e.at("billing_address"))?;
        Ok(Self {
            ids: ExternalIds::new().with(System::Paytrace, vault_id),
            email: non_blank(record.email.as_deref()).map(str::to_owned),
            first_name: address.as_ref().and_then(|a| a.first_name.clone()),
            last_name: address.as_ref().and_then(|a| a.last_name.clone()),
            phone: non_blank(record.phone.as_deref()).map(str::to_owned),
            address,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Address, CountryCode};
    use serde_json::json;

    fn customer() -> Customer {
        Customer {
            ids: ExternalIds::new().with(System::Shopify, "207119551"),
            email: Some("steve@example.com".into()),
            first_name: Some("Steve".into()),
            last_name: Some("Smith".into()),
            phone: Some(" ".into()),
            address: Some(Address {
                lines: vec!["8320 E. West St.".into()],
                city: Some("Spokane".into()),
                region_code: Some("Washington".into()),
                postal_code: Some("85284".into()),
                country: Some(CountryCode::US),
                ..Address::default()
            }),
        }
    }

    #[test]
    fn create_body_names_the_address_after_the_customer() {
        let req = to_create_customer_request(
            &customer(),
            "customer456",
            CreditCard::plain("4111111111111111", 12, 2030),
            None,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "customer_id": "customer456",
                "credit_card": {"number": "4111111111111111", "expiration_month": "12", "expiration_year": "2030"},
                "billing_address": {"name": "Steve Smith", "street_address": "8320 E. West St.", "city": "Spokane", "state": "WA", "zip": "85284", "country": "US"},
                "email": "steve@example.com"
            })
        );
    }

    #[test]
    fn create_errors() {
        let token = || ProtectToken::new("hpf", "key");
        let err = to_protect_customer_request(&customer(), " ", token()).unwrap_err();
        assert_eq!(err.field(), "vault_id");
        let nameless = Customer {
            first_name: None,
            last_name: None,
            ..customer()
        };
        let err = to_protect_customer_request(&nameless, "c1", token()).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField {
                field: "customer.first_name".into()
            }
        );
        let mut bad_zip = customer();
        if let Some(a) = bad_zip.address.as_mut() {
            a.postal_code = Some("8528".into());
        }
        let err = to_protect_customer_request(&bad_zip, "c1", token()).unwrap_err();
        assert_eq!(err.field(), "customer.address.postal_code");
    }

    #[test]
    fn update_needs_the_vault_id() {
        let err = to_update_customer_request(&customer()).unwrap_err();
        assert_eq!(err.field(), "customer.ids.paytrace");
        assert!(!err.is_permanent());
        let vaulted = Customer {
            ids: customer().ids.with(System::Paytrace, "customer456"),
            ..customer()
        };
        let req = to_update_customer_request(&vaulted).unwrap();
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "customer_id": "customer456",
                "billing_address": {"street_address": "8320 E. West St.", "city": "Spokane", "state": "WA", "zip": "85284", "country": "US"},
                "email": "steve@example.com"
            })
        );
    }

    #[test]
    fn records_need_an_id() {
        let record: CustomerRecord =
            serde_json::from_value(json!({"customer_id": "", "email": "a@b.c"})).unwrap();
        assert_eq!(
            Customer::try_from(&record).unwrap_err(),
            MappingError::MissingField {
                field: "customer_id".into()
            }
        );
        let record: CustomerRecord = serde_json::from_value(json!({
            "customer_id": "c1", "billing_address": {"country": "US", "state": "Ontario"}
        }))
        .unwrap();
        assert_eq!(
            Customer::try_from(&record).unwrap_err().field(),
            "billing_address.state"
        );
    }
}

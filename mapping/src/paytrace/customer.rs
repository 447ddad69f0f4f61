//! Canonical [`Customer`]s to and from PayTrace's customer vault.
//!
//! The vault id (PayTrace's `customer_id`, chosen by the merchant) lives in
//! `customer.ids[System::Paytrace]`. A PayTrace profile holds one billing and one shipping
//! address; the canonical customer has one address, which maps to the billing address (the one
//! AVS checks). Card data never passes through the canonical model: create requests take the
//! caller's card or Protect.js token.
//!
//! # Vault ids of store orders
//!
//! PayTrace lets the merchant choose `customer_id`. A store order vaults its card under an id
//! derived from the store's ids ([`order_vault_id`]), so that a retry asks for the same id again
//! and never creates a second profile, and a later order of the same customer finds the profile
//! without a lookup ([`saved_card_vault_id`]):
//!
//! | order | vault id |
//! |---|---|
//! | of a store customer (`order.customer.ids[store]`) | `{prefix}{store}-c{customer id}` |
//! | a guest checkout | `{prefix}{store}-o{order id}` |
//!
//! `prefix` is the shop's PayTrace `invoice_id` prefix, which keeps two shops on one PayTrace
//! account apart.

use ::paytrace::{
    CreateCustomerRequest, CreditCard, CscField, CustomerContact, CustomerFromTransactionRequest,
    CustomerRecord, CustomerResponse, ProtectCustomerRequest, ProtectToken, TransactionId,
    UpdateCustomerRequest,
};

use super::address::{address_from_paytrace, non_blank, to_paytrace_address};
use super::requests::{billing, order_email, shipping};
use crate::address::join_name;
use crate::{Customer, ExternalIds, MappingError, Order, System};

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

/// The vault id a card paid on `order` is stored under: the customer's when the store knows
/// the customer (`order.customer.ids[store]`), else the order's (`order.ids[store]`, a guest
/// checkout). An order without either id is [`MappingError::MissingField`] naming
/// `order.ids.{store}`.
///
/// | order | vault id |
/// |---|---|
/// | of a store customer | `{prefix}{store}-c{customer id}` |
/// | a guest checkout | `{prefix}{store}-o{order id}` |
///
/// PayTrace lets the merchant choose the id: derived, a retry asks for the same id again and
/// never creates a second profile, and a later order of the customer finds the profile without
/// a lookup ([`saved_card_vault_id`]). `prefix` (the shop's `invoice_id` prefix) keeps two
/// shops on one PayTrace account apart.
pub fn order_vault_id(order: &Order, store: System, prefix: &str) -> Result<String, MappingError> {
    if let Ok(id) = saved_card_vault_id(order, store, prefix) {
        return Ok(id);
    }
    let order_id = non_blank(order.ids.get(store)).ok_or_else(|| MappingError::MissingField {
        field: format!("order.ids.{}", store.as_str()),
    })?;
    Ok(guest_vault_id(store, prefix, order_id))
}

/// The vault id [`order_vault_id`] gives a guest checkout's order `order_id` of `store`:
/// `{prefix}{store}-o{order id}`.
///
/// ```
/// use mapping::System;
/// assert_eq!(mapping::paytrace::guest_vault_id(System::Shopify, "s1-", "42"), "s1-shopify-o42");
/// ```
pub fn guest_vault_id(store: System, prefix: &str, order_id: &str) -> String {
    format!("{prefix}{}-o{order_id}", store.as_str())
}

/// The vault id [`customer_vault_id`] gives customer `customer_id` of `store`:
/// `{prefix}{store}-c{customer id}` (for a customer known by id only, as a deleted one is).
///
/// ```
/// use mapping::System;
/// assert_eq!(mapping::paytrace::vault_id_of_customer(System::Shopify, "", "7"), "shopify-c7");
/// ```
pub fn vault_id_of_customer(store: System, prefix: &str, customer_id: &str) -> String {
    format!("{prefix}{}-c{customer_id}", store.as_str())
}

/// The vault id of the card the order's customer saved on an earlier order
/// ([`order_vault_id`] of that order). A guest checkout has no saved card:
/// [`MappingError::MissingField`] naming `order.customer.ids.{store}`.
pub fn saved_card_vault_id(
    order: &Order,
    store: System,
    prefix: &str,
) -> Result<String, MappingError> {
    order
        .customer
        .as_ref()
        .and_then(|c| customer_vault_id(c, store, prefix).ok())
        .ok_or_else(|| MappingError::MissingField {
            field: format!("order.customer.ids.{}", store.as_str()),
        })
}

/// The vault id of the card `customer` saved (`{prefix}{store}-c{customer id}`, as
/// [`order_vault_id`] makes it for an order of the customer): the profile a change of the
/// customer updates. A customer without an id in `store` is [`MappingError::MissingField`]
/// naming `customer.ids.{store}`.
pub fn customer_vault_id(
    customer: &Customer,
    store: System,
    prefix: &str,
) -> Result<String, MappingError> {
    let customer_id =
        non_blank(customer.ids.get(store)).ok_or_else(|| MappingError::MissingField {
            field: format!("customer.ids.{}", store.as_str()),
        })?;
    Ok(vault_id_of_customer(store, prefix, customer_id))
}

/// `/v1/customer/create_from_transaction`: stores the card of `order`'s approved transaction
/// `transaction_id` under `vault_id`, with the order's billing and shipping addresses and
/// e-mail. No card data is involved: PayTrace copies the card from its own transaction.
pub fn to_customer_from_transaction_request(
    order: &Order,
    vault_id: &str,
    transaction_id: TransactionId,
) -> Result<CustomerFromTransactionRequest, MappingError> {
    Ok(CustomerFromTransactionRequest {
        billing_address: billing(order)?,
        shipping_address: shipping(order)?,
        contact: CustomerContact {
            email: order_email(order).map(str::to_owned),
            phone: None,
            fax: None,
        },
        ..CustomerFromTransactionRequest::new(checked_vault_id(vault_id)?, transaction_id)
    })
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

    fn store_order(customer_id: Option<&str>) -> Order {
        Order {
            ids: ExternalIds::new().with(System::Shopify, "1001"),
            source: System::Shopify,
            number: "#1001".into(),
            currency: crate::Currency::USD,
            customer: customer_id.map(|id| Customer {
                ids: ExternalIds::new().with(System::Shopify, id),
                ..Customer::default()
            }),
            email: Some("kevin@example.com".into()),
            billing_address: customer().address,
            shipping_address: None,
            line_items: vec![],
            shipping: crate::Money::from_minor(0, crate::Currency::USD),
            discount: crate::Money::from_minor(0, crate::Currency::USD),
            tax: crate::Money::from_minor(0, crate::Currency::USD),
            total: crate::Money::from_minor(2500, crate::Currency::USD),
            presentment_total: None,
            adjustments: Vec::new(),
            financial_status: crate::FinancialStatus::Pending,
        }
    }

    #[test]
    fn vault_ids_follow_the_customer_else_the_order() {
        let known = store_order(Some("207119551"));
        assert_eq!(
            order_vault_id(&known, System::Shopify, "S1-").unwrap(),
            "S1-shopify-c207119551"
        );
        assert_eq!(
            saved_card_vault_id(&known, System::Shopify, "S1-").unwrap(),
            "S1-shopify-c207119551"
        );
        let guest = store_order(None);
        assert_eq!(
            order_vault_id(&guest, System::Shopify, "").unwrap(),
            "shopify-o1001"
        );
        assert_eq!(
            saved_card_vault_id(&guest, System::Shopify, "")
                .unwrap_err()
                .field(),
            "order.customer.ids.shopify"
        );
        let mut nameless = store_order(None);
        nameless.ids = ExternalIds::new();
        assert_eq!(
            order_vault_id(&nameless, System::Shopify, "")
                .unwrap_err()
                .field(),
            "order.ids.shopify"
        );
    }

    #[test]
    fn vaulting_a_transaction_sends_no_card() {
        let req = to_customer_from_transaction_request(
            &store_order(Some("7")),
            "shopify-c7",
            TransactionId(123456),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "customer_id": "shopify-c7",
                "transaction_id": 123456,
                "billing_address": {"street_address": "8320 E. West St.", "city": "Spokane", "state": "WA", "zip": "85284", "country": "US"},
                "email": "kevin@example.com"
            })
        );
    }
}

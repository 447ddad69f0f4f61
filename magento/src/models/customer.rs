//! Customers (`customer-data-customer-interface`).
//!
//! The same type is read and written. Absent values are not sent, so an update built from a
//! fetched customer sends back what Magento returned; note that `PUT /V1/customers/{id}` replaces
//! the address list with the one sent (an empty list is not sent, which keeps the addresses).
//! Field names also accept the camelCase spelling of Adobe's tutorials (`countryId`,
//! `defaultBilling`, `regionCode`), which Magento's input processor accepts too.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::lenient;

/// A customer account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer id (absent when creating).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<i64>,
    /// The customer group id.
    #[serde(
        default,
        alias = "groupId",
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub group_id: Option<i64>,
    /// The id of the default billing address, as a string.
    #[serde(
        default,
        alias = "defaultBilling",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_billing: Option<String>,
    /// The id of the default shipping address, as a string.
    #[serde(
        default,
        alias = "defaultShipping",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_shipping: Option<String>,
    /// Creation time (read-only, UTC; see [`crate::timestamp`]).
    #[serde(
        default,
        deserialize_with = "lenient::opt_timestamp",
        serialize_with = "lenient::opt_timestamp_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// Last update (read-only, UTC).
    #[serde(
        default,
        deserialize_with = "lenient::opt_timestamp",
        serialize_with = "lenient::opt_timestamp_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    /// The store view the account was created in (read-only).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_in: Option<String>,
    /// Date of birth, sent as `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        serialize_with = "lenient::opt_date_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub dob: Option<Date>,
    /// E-mail (required when writing).
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// First name (required when writing).
    #[serde(default, deserialize_with = "lenient::string")]
    pub firstname: String,
    /// Last name (required when writing).
    #[serde(default, deserialize_with = "lenient::string")]
    pub lastname: String,
    /// Middle name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub middlename: Option<String>,
    /// Name prefix.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub prefix: Option<String>,
    /// Name suffix.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub suffix: Option<String>,
    /// Gender: 1 male, 2 female, 3 not specified.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender: Option<i64>,
    /// The store id.
    #[serde(
        default,
        alias = "storeId",
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub store_id: Option<i64>,
    /// The website id (accounts are per website by default).
    #[serde(
        default,
        alias = "websiteId",
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub website_id: Option<i64>,
    /// Tax/VAT number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub taxvat: Option<String>,
    /// The address book.
    #[serde(
        default,
        deserialize_with = "lenient::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<CustomerAddress>,
    /// 1 to keep the group when the VAT number changes.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_auto_group_change: Option<i64>,
    /// Custom EAV attributes (`attribute_code` / `value`).
    #[serde(
        default,
        deserialize_with = "lenient::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub custom_attributes: Vec<CustomAttribute>,
    /// Extension attributes (newsletter subscription).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_attributes: Option<CustomerExtensionAttributes>,
}

/// A customer address. The region is an object here, unlike on order addresses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerAddress {
    /// The address id (absent when creating).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<i64>,
    /// The customer id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_id: Option<i64>,
    /// The region object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// The region id (also inside `region`).
    #[serde(
        default,
        alias = "regionId",
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_id: Option<i64>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(
        default,
        alias = "countryId",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub country_id: Option<String>,
    /// Street lines.
    #[serde(
        default,
        deserialize_with = "lenient::street",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub street: Vec<String>,
    /// Company.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub company: Option<String>,
    /// Telephone.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub telephone: Option<String>,
    /// Postal code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub postcode: Option<String>,
    /// City.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub city: Option<String>,
    /// First name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub lastname: Option<String>,
    /// Middle name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub middlename: Option<String>,
    /// VAT number.
    #[serde(
        default,
        alias = "vatId",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_id: Option<String>,
    /// Default shipping address of the customer.
    #[serde(
        default,
        alias = "defaultShipping",
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_shipping: Option<bool>,
    /// Default billing address of the customer.
    #[serde(
        default,
        alias = "defaultBilling",
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_billing: Option<bool>,
}

/// A region (`customer-data-region-interface`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Region code, e.g. "NY".
    #[serde(
        default,
        alias = "regionCode",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_code: Option<String>,
    /// Region name, e.g. "New York".
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub region: Option<String>,
    /// Magento's region id (0 or absent for free-text regions).
    #[serde(
        default,
        alias = "regionId",
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_id: Option<i64>,
}

/// A custom attribute value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomAttribute {
    /// The attribute code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub attribute_code: String,
    /// The value (usually a string; multi-selects may be arrays).
    #[serde(default)]
    pub value: Value,
}

/// `extension_attributes` of a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerExtensionAttributes {
    /// Newsletter subscription.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_subscribed: Option<bool>,
}

/// The body of `POST /V1/customers`. `Debug` does not show the password.
#[derive(Debug, Clone, Serialize)]
pub struct NewCustomer {
    /// The account.
    pub customer: Customer,
    /// The initial password; without one Magento sends the customer a link to set it.
    #[serde(
        serialize_with = "expose_password",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<SecretString>,
}

impl NewCustomer {
    /// An account without a password.
    pub fn new(customer: Customer) -> Self {
        Self {
            customer,
            password: None,
        }
    }

    /// Sets the initial password.
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }
}

fn expose_password<S: Serializer>(
    password: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match password {
        Some(p) => s.serialize_str(p.expose_secret()),
        None => s.serialize_none(),
    }
}

/// The body of `PUT /V1/customers/{customerId}`.
#[derive(Debug, Serialize)]
pub(crate) struct CustomerBody<'a> {
    pub(crate) customer: &'a Customer,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn new_customer_debug_hides_password_but_body_has_it() {
        let c = NewCustomer::new(Customer {
            email: "a@b.c".into(),
            firstname: "A".into(),
            lastname: "B".into(),
            ..Customer::default()
        })
        .with_password("S3cret!pass");
        assert!(!format!("{c:?}").contains("S3cret!pass"));
        let body = serde_json::to_value(&c).unwrap();
        assert_eq!(body["password"], "S3cret!pass");
        assert_eq!(
            body["customer"],
            serde_json::json!({"email":"a@b.c","firstname":"A","lastname":"B"})
        );
    }

    #[test]
    fn null_names_read_as_empty() {
        let c: Customer =
            serde_json::from_str(r#"{"id":"5","email":null,"firstname":"A","lastname":null}"#)
                .unwrap();
        assert_eq!(
            (c.id, c.email.as_str(), c.lastname.as_str()),
            (Some(5), "", "")
        );
    }
}

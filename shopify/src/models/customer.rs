use crate::gid::Gid;
use serde::{Deserialize, Serialize};

/// `CustomerInput` of `customerCreate` and `customerUpdate` (`id` set for updates).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerInput {
    /// The customer to update (`customerUpdate` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone (E.164).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Tags (replace existing tags).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Tax exemption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_exempt: Option<bool>,
    /// Addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<CustomerAddressInput>>,
}

/// `CustomerSetInput` of `customerSet`. List fields replace what is stored:
/// addresses left out are deleted.
pub type CustomerSetInput = CustomerInput;

/// `MailingAddressInput` for customers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerAddressInput {
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Street line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Street line 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// Country code (ISO 3166-1 alpha-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `CustomerSetIdentifiers`: how `customerSet` finds the customer to update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CustomerSetIdentifier {
    /// Update this customer.
    Id(Gid),
    /// Upsert by e-mail.
    Email(String),
    /// Upsert by phone.
    Phone(String),
}

/// A `Customer` as returned by the customer mutations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// GID.
    pub id: Gid,
    /// E-mail (selected as `email: defaultEmailAddress { emailAddress }`).
    #[serde(default, deserialize_with = "email_address")]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

fn email_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Email {
        #[serde(default)]
        email_address: Option<String>,
    }
    Ok(Option::<Email>::deserialize(d)?.and_then(|e| e.email_address))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_serialize_to_graphql_names() {
        let id = CustomerSetIdentifier::Phone("+15005550006".into());
        assert_eq!(
            serde_json::to_value(&id).unwrap(),
            json!({"phone": "+15005550006"})
        );
        let input = CustomerInput {
            first_name: Some("Bob".into()),
            tax_exempt: Some(false),
            addresses: Some(vec![CustomerAddressInput {
                country_code: Some("US".into()),
                province_code: Some("KY".into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"firstName": "Bob", "taxExempt": false,
                   "addresses": [{"countryCode": "US", "provinceCode": "KY"}]})
        );
    }

    #[test]
    fn customer_email_is_read_from_default_email_address() {
        let c: Customer = serde_json::from_value(json!({
            "id": "gid://shopify/Customer/1", "email": null, "tags": []
        }))
        .unwrap();
        assert_eq!(c.email, None);
    }
}

//! Customer vault (`/v1/customer/...`): create, create from a Protect token, update, delete, export.
//!
//! Fields follow help.paytrace.com `json-create-customer` and `json-update-customer`.
//! The export response shape (`customers[]`) is not shown in any stored source: the record
//! type below keeps the documented profile fields and leaves every other field in `other`.

use crate::models::common::{Address, CreditCard, CscField, ProtectToken};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Contact fields shared by create and update.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomerContact {
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Fax number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
}

/// `/v1/customer/create`: stores a card under a customer id you choose (it must be unique).
#[derive(Debug, Clone, Serialize)]
pub struct CreateCustomerRequest {
    /// Your id for the profile (the vault token).
    pub customer_id: String,
    /// Card number (clear or encrypted) and expiry.
    pub credit_card: CreditCard,
    /// Security code, clear or encrypted.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub csc: Option<CscField>,
    /// Billing address (required by PayTrace; send at least the name).
    pub billing_address: Address,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Email, phone, fax.
    #[serde(flatten)]
    pub contact: CustomerContact,
}

impl CreateCustomerRequest {
    /// A request with only the required fields.
    pub fn new(
        customer_id: impl Into<String>,
        credit_card: CreditCard,
        billing_address: Address,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            credit_card,
            csc: None,
            billing_address,
            shipping_address: None,
            contact: CustomerContact::default(),
        }
    }
}

/// `/v1/customer/pt_protect_create`: stores the card behind a Protect.js token.
#[derive(Debug, Clone, Serialize)]
pub struct ProtectCustomerRequest {
    /// Your id for the profile.
    pub customer_id: String,
    /// `hpf_token` and `enc_key` from the browser.
    #[serde(flatten)]
    pub token: ProtectToken,
    /// Billing address.
    pub billing_address: Address,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Email, phone, fax.
    #[serde(flatten)]
    pub contact: CustomerContact,
}

impl ProtectCustomerRequest {
    /// A request with only the required fields.
    pub fn new(
        customer_id: impl Into<String>,
        token: ProtectToken,
        billing_address: Address,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            token,
            billing_address,
            shipping_address: None,
            contact: CustomerContact::default(),
        }
    }
}

/// `/v1/customer/create_from_transaction`: stores the card of an earlier transaction. The
/// fields follow a third-party v1 client; PayTrace's own page for it is not among the stored
/// sources (see [`crate::Client::create_customer_from_transaction`]).
#[derive(Debug, Clone, Serialize)]
pub struct CustomerFromTransactionRequest {
    /// Your id for the profile.
    pub customer_id: String,
    /// The transaction whose card is stored.
    pub transaction_id: crate::TransactionId,
    /// Billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Email, phone, fax.
    #[serde(flatten)]
    pub contact: CustomerContact,
}

impl CustomerFromTransactionRequest {
    /// A request with only the required fields.
    pub fn new(customer_id: impl Into<String>, transaction_id: crate::TransactionId) -> Self {
        Self {
            customer_id: customer_id.into(),
            transaction_id,
            billing_address: None,
            shipping_address: None,
            contact: CustomerContact::default(),
        }
    }
}

/// `/v1/customer/update`: only the fields set are sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateCustomerRequest {
    /// The profile to update.
    pub customer_id: String,
    /// Renames the profile to this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_id: Option<String>,
    /// Replacement card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_card: Option<CreditCard>,
    /// Security code of the replacement card.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub csc: Option<CscField>,
    /// Replacement billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Replacement shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Email, phone, fax.
    #[serde(flatten)]
    pub contact: CustomerContact,
}

impl UpdateCustomerRequest {
    /// An update of `customer_id` that changes nothing yet.
    pub fn new(customer_id: impl Into<String>) -> Self {
        Self {
            customer_id: customer_id.into(),
            ..Self::default()
        }
    }
}

/// Body of `/v1/customer/delete`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeleteCustomerRequest<'a> {
    pub(crate) customer_id: &'a str,
}

/// `/v1/customer/export` filters; an empty filter exports every profile.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportCustomersRequest {
    /// Export only this profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Export profiles with this email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Response of create, update and create-from-token (160 created, 161 updated).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomerResponse {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// The profile's id (the new one after an update with `new_id`).
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub customer_id: Option<String>,
    /// Masked number of the stored card.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub masked_card_number: Option<String>,
}

/// Masked card data of an exported profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MaskedCard {
    /// Masked number, e.g. `************5454`.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub masked_number: Option<String>,
    /// Expiry month as sent (number or string).
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub expiration_month: Option<String>,
    /// Expiry year as sent (two or four digits).
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub expiration_year: Option<String>,
}

/// One exported vault profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CustomerRecord {
    /// The profile's id.
    #[serde(deserialize_with = "crate::wire::opt_text", default)]
    pub customer_id: Option<String>,
    /// Masked card.
    #[serde(default)]
    pub credit_card: Option<MaskedCard>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// Email address.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub phone: Option<String>,
    /// Fax number.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub fax: Option<String>,
    /// Fields not modelled above, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// Response of `/v1/customer/export`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CustomerExport {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// The exported profiles.
    #[serde(default)]
    pub customers: Vec<CustomerRecord>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn update_sends_only_what_is_set() {
        let mut req = UpdateCustomerRequest::new("customer456");
        req.new_id = Some("customer789".into());
        req.contact.email = Some("a@b.c".into());
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"customer_id": "customer456", "new_id": "customer789", "email": "a@b.c"})
        );
    }
}

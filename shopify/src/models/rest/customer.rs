use super::Timestamp;
use crate::gid::Gid;
use crate::serde_util::{decimal_opt, null_default};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The REST customer resource: body of `customers/create` and
/// `customers/update`, and the `customer` of an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// REST id.
    pub id: u64,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone (E.164).
    #[serde(default)]
    pub phone: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Account state (`disabled`, `invited`, `enabled`, `declined`).
    #[serde(default)]
    pub state: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
    /// Comma-separated tags.
    #[serde(default)]
    pub tags: Option<String>,
    /// Whether the e-mail is verified.
    #[serde(default)]
    pub verified_email: Option<bool>,
    /// Whether the customer is tax-exempt.
    #[serde(default)]
    pub tax_exempt: Option<bool>,
    /// Specific exemptions.
    #[serde(default, deserialize_with = "null_default")]
    pub tax_exemptions: Vec<String>,
    /// Currency of `total_spent`.
    #[serde(default)]
    pub currency: Option<String>,
    /// Number of orders (older payloads).
    #[serde(default)]
    pub orders_count: Option<u64>,
    /// Lifetime spend (older payloads).
    #[serde(default, with = "decimal_opt")]
    pub total_spent: Option<Decimal>,
    /// Last order id.
    #[serde(default)]
    pub last_order_id: Option<u64>,
    /// Last order name.
    #[serde(default)]
    pub last_order_name: Option<String>,
    /// Multipass identifier.
    #[serde(default)]
    pub multipass_identifier: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<Timestamp>,
    /// Update time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
    /// E-mail marketing consent.
    #[serde(default)]
    pub email_marketing_consent: Option<MarketingConsent>,
    /// SMS marketing consent.
    #[serde(default)]
    pub sms_marketing_consent: Option<MarketingConsent>,
    /// Default address.
    #[serde(default)]
    pub default_address: Option<CustomerAddress>,
    /// All addresses.
    #[serde(default, deserialize_with = "null_default")]
    pub addresses: Vec<CustomerAddress>,
}

/// A customer's saved address.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CustomerAddress {
    /// REST id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Owner.
    #[serde(default)]
    pub customer_id: Option<u64>,
    /// The address fields.
    #[serde(flatten)]
    pub address: super::Address,
    /// Country name as displayed.
    #[serde(default)]
    pub country_name: Option<String>,
    /// Whether this is the default address.
    #[serde(default)]
    pub default: bool,
}

/// Marketing consent state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct MarketingConsent {
    /// `subscribed`, `not_subscribed`, `pending`, `unsubscribed`, ...
    pub state: String,
    /// `single_opt_in`, `confirmed_opt_in`, `unknown`.
    #[serde(default)]
    pub opt_in_level: Option<String>,
    /// When consent last changed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub consent_updated_at: Option<Timestamp>,
    /// Where SMS consent was collected.
    #[serde(default)]
    pub consent_collected_from: Option<String>,
}

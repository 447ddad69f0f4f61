//! Customer: a buyer whose payment methods and details Stripe stores.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{metadata_or_null, ts};
use super::{Address, Currency, Expandable, Metadata, PaymentMethod, Shipping};

/// A Customer (`cus_...`).
///
/// Retrieving a deleted customer returns only `{id, object, deleted: true}`: `deleted` is then
/// `true` and the other fields are empty, which is why `created` is optional.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Customer {
    /// Id (`cus_...`).
    pub id: String,
    /// Whether the customer was deleted.
    #[serde(default)]
    pub deleted: bool,
    /// When it was created.
    #[serde(default, with = "ts::option")]
    pub created: Option<OffsetDateTime>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Credit balance in minor units of `currency` (negative: credit; positive: amount owed).
    #[serde(default)]
    pub balance: i64,
    /// Default currency of the customer's invoices and balance.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Whether the latest invoice is past due.
    #[serde(default)]
    pub delinquent: Option<bool>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Invoice defaults.
    #[serde(default)]
    pub invoice_settings: Option<InvoiceSettings>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
    /// Full name or business name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Shipping information.
    #[serde(default)]
    pub shipping: Option<Shipping>,
}

/// Invoice defaults of a customer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InvoiceSettings {
    /// Payment method used for invoices and subscriptions by default.
    #[serde(default)]
    pub default_payment_method: Option<Expandable<PaymentMethod>>,
}

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

/// A customer's saved address: the order address fields plus its own.
///
/// Read by hand rather than with `#[serde(flatten)]`, which buffers the object and
/// so loses the JSON path of a bad value (`addresses[0].latitude`).
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl<'de> Deserialize<'de> for CustomerAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(split::AddressVisitor)
    }
}

mod split {
    use super::{super::Address, CustomerAddress};
    use serde::Deserialize;
    use serde::de::value::MapAccessDeserializer;
    use serde::de::{DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
    use std::fmt;

    pub(super) struct AddressVisitor;

    impl<'de> Visitor<'de> for AddressVisitor {
        type Value = CustomerAddress;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a customer address object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CustomerAddress, A::Error> {
            let mut own = Own::default();
            let address =
                Address::deserialize(MapAccessDeserializer::new(Split { map, own: &mut own }))?;
            Ok(CustomerAddress {
                id: own.id,
                customer_id: own.customer_id,
                address,
                country_name: own.country_name,
                default: own.default.unwrap_or_default(),
            })
        }
    }

    /// The fields that are the saved address's own, not the address's.
    #[derive(Default)]
    struct Own {
        id: Option<u64>,
        customer_id: Option<u64>,
        country_name: Option<String>,
        default: Option<bool>,
    }

    /// The object's entries, minus the saved address's own fields, which are read on the way
    /// (each through the caller's map, so errors keep their path).
    struct Split<'o, A> {
        map: A,
        own: &'o mut Own,
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for Split<'_, A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            while let Some(key) = self.map.next_key::<String>()? {
                match key.as_str() {
                    "id" => self.own.id = self.map.next_value()?,
                    "customer_id" => self.own.customer_id = self.map.next_value()?,
                    "country_name" => self.own.country_name = self.map.next_value()?,
                    "default" => self.own.default = self.map.next_value()?,
                    _ => return seed.deserialize(key.into_deserializer()).map(Some),
                }
            }
            Ok(None)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, A::Error> {
            self.map.next_value_seed(seed)
        }
    }
}

/// The body of `customers/delete`: the deleted customer's id. A deleted customer's other details
/// are gone ("the customer ID is the only detail you can get when a customer profile is
/// deleted": <https://help.shopify.com/en/manual/shopify-flow/reference/triggers/customer-deleted>).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CustomerDeleted {
    /// REST id.
    pub id: u64,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
}

/// The body of the mandatory compliance webhook `customers/redact`: a request to erase a
/// customer's data, sent ten days after the store owner asked, for a customer with no order in
/// the last six months
/// (<https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance>). Unlike
/// `customers/delete`, it comes for customers who placed orders (Shopify deletes only customers
/// without orders).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CustomerRedact {
    /// The shop's id.
    #[serde(default)]
    pub shop_id: Option<u64>,
    /// The shop's domain.
    #[serde(default)]
    pub shop_domain: Option<String>,
    /// Who is to be erased.
    pub customer: RedactedCustomer,
    /// The customer's orders whose data is to be erased (REST ids).
    #[serde(default)]
    pub orders_to_redact: Vec<u64>,
}

/// The customer of a [`CustomerRedact`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RedactedCustomer {
    /// REST id (Shopify's example always has one; third-party reports say some requests carry
    /// only the e-mail).
    #[serde(default)]
    pub id: Option<u64>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

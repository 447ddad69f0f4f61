//! Customers and their addresses.

use serde::{Deserialize, Serialize};

use crate::{CountryCode, ExternalIds};

/// A postal address, normalized: ISO country code, US/Canadian region codes, checked postal codes
/// (see [`crate::address`] for the transforms that build one from provider data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Given name of the addressee.
    pub first_name: Option<String>,
    /// Family name of the addressee.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street lines, first to last, none empty.
    pub lines: Vec<String>,
    /// City.
    pub city: Option<String>,
    /// Region code: the postal abbreviation in the US and Canada, as received elsewhere.
    pub region_code: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<CountryCode>,
    /// Phone number as given.
    pub phone: Option<String>,
}

/// A customer as the store, the gateways' vaults and the ERP know them.
///
/// `ids` holds the store's customer id, each gateway's vault id (PayTrace `customer_id`, Stripe
/// `cus_...`) and the ERP partner id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Ids in every system the customer is known in, vault ids included.
    pub ids: ExternalIds,
    /// E-mail address.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone number as given.
    pub phone: Option<String>,
    /// Billing or default address.
    pub address: Option<Address>,
}

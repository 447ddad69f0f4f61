//! What the project receives about one order, as plain data: the scorer's only input besides
//! velocity. No card number is ever held here: a card is its gateway fingerprint (and at most its
//! last four digits).

use std::collections::BTreeSet;
use std::net::IpAddr;

use mapping::{AvsResult, CountryCode, CvvResult, Last4, Money};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Everything the screen looks at for one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderFacts {
    /// When the order was placed; velocity windows end here.
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    /// The order total.
    pub amount: Money,
    /// The card, as the gateway identifies it.
    pub card: Option<CardFacts>,
    /// The gateway's address verification result (PayTrace, or Stripe's checks mapped by `mapping`).
    pub avs: Option<AvsResult>,
    /// The gateway's card security code result.
    pub cvv: Option<CvvResult>,
    /// Stripe Radar's assessment of the charge, when the pair runs on Stripe.
    pub radar: Option<RadarAssessment>,
    /// Shopify's own risk recommendation for the order, when the store is Shopify.
    pub shopify: Option<ShopifyRecommendation>,
    /// The buyer's email as the store gives it; hashed before it reaches the velocity store.
    pub email: Option<String>,
    /// The buyer's IP address (Shopify `browser_ip`, Magento `remote_ip`).
    pub ip: Option<IpAddr>,
    /// The IP address's country, when the store gives it (Shopify's client details).
    pub ip_country: Option<CountryCode>,
    /// The billing address.
    pub billing: Option<AddressFacts>,
    /// The shipping address.
    pub shipping: Option<AddressFacts>,
    /// The store's customer account the order was placed under, as the pair names it
    /// (`shopify/{shop}/customer/{id}`, `magento/{store}/customer/{id}`); `None` for a guest
    /// checkout, which has no history. Hashed before it reaches the velocity store
    /// ([`crate::keys::account_key`]). Absent from facts recorded before it existed.
    #[serde(default)]
    pub account: Option<String>,
    /// The customer's earlier orders. When [`Self::account`] is set, [`crate::screen`] replaces
    /// it with the account's history in the velocity store
    /// ([`crate::VelocityStore::customer_history`]): neither store sends one with its orders
    /// (see each pair's `order_facts`).
    pub customer: CustomerHistory,
    /// The categories of the order's items, as each pair reads them from the order itself:
    /// Shopify `gift_card` lines as `gift_card` and each line's `vendor` (the order webhook has
    /// no product type); Magento each item's `product_type` (`virtual`, `downloadable`,
    /// `giftcard`...; Magento's order items carry no category names).
    pub categories: BTreeSet<String>,
}

/// A card as the gateway identifies it: never the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFacts {
    /// The gateway's stable fingerprint of the card number (Stripe `card.fingerprint`, a PayTrace
    /// customer profile or vault id). Used as the velocity key as given.
    pub fingerprint: String,
    /// The last four digits, for display only.
    pub last4: Option<Last4>,
}

/// The parts of an address that the screen compares and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressFacts {
    /// The country.
    pub country: CountryCode,
    /// The postal code, as entered.
    pub postal_code: String,
    /// The first street line, as entered.
    pub line1: String,
}

/// The customer's history before this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// Orders the customer placed before this one, in any currency (0: a first order or a
    /// guest checkout).
    pub prior_orders: u32,
    /// What those orders came to, in the order's currency: `None` when any of them was in
    /// another currency (amounts are never converted, so a mixed history has no total) or when
    /// there are none.
    pub prior_spent: Option<Money>,
}

/// Stripe Radar's risk level on a charge (`charge.outcome.risk_level`).
///
/// Values from <https://docs.stripe.com/api/charges/object#charge_object-outcome-risk_level>.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RadarRiskLevel {
    /// `normal`.
    Normal,
    /// `elevated`.
    Elevated,
    /// `highest`.
    Highest,
    /// `not_assessed`.
    NotAssessed,
    /// A value this build does not know.
    Unknown(String),
}

/// Radar's verdict on a charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RadarAssessment {
    /// `outcome.risk_level`.
    pub risk_level: RadarRiskLevel,
    /// `outcome.risk_score`, 0 to 100: only accounts with Radar for Fraud Teams get one.
    pub risk_score: Option<u8>,
}

/// Shopify's recommendation for an order (`OrderRiskSummary.recommendation`).
///
/// Values from <https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderRiskRecommendationResult>.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopifyRecommendation {
    /// `ACCEPT`: fulfil the order.
    Accept,
    /// `INVESTIGATE`: contact the buyer first.
    Investigate,
    /// `CANCEL`: cancel the order.
    Cancel,
    /// `NONE`: no recommendation.
    None,
    /// A value this build does not know.
    Unknown(String),
}

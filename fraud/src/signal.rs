//! The signals: one typed name per feature the scorers look at.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::keys::KeyKind;
use crate::velocity::Window;

/// One feature of an order. The feature vector holds one value per signal, in [`Signal::ALL`]'s
/// order; a model file names its features with [`Signal`]'s names and must list exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// 1 when AVS matched neither street nor postal code.
    AvsNoMatch,
    /// 1 when AVS matched only the street or only the postal code.
    AvsPartialMatch,
    /// 1 when the issuer could not check AVS (or answered a code this build does not know).
    AvsUnavailable,
    /// 1 when the card security code did not match.
    CvvNoMatch,
    /// 1 when Radar rated the charge `elevated`.
    RadarElevated,
    /// 1 when Radar rated the charge `highest`.
    RadarHighest,
    /// Radar's risk score divided by 100 (0 without one).
    RadarScore,
    /// 1 when Shopify recommends investigating.
    ShopifyInvestigate,
    /// 1 when Shopify recommends cancelling.
    ShopifyCancel,
    /// `ln(1 + n)` of the `n` earlier orders under this key in this window.
    Velocity {
        /// What the orders share.
        key: KeyKind,
        /// How far back they are counted.
        window: Window,
    },
    /// 1 when billing and shipping addresses are both given and differ.
    BillingShippingMismatch,
    /// 1 when the IP address's country is known and is not the billing country.
    IpCountryNotBilling,
    /// 1 when the IP address's country is known and is not the shipping country.
    IpCountryNotShipping,
    /// 1 when the customer has no earlier order.
    FirstOrder,
    /// `ln(amount / the customer's mean earlier order)` (0 without history in the same currency).
    AmountVsCustomer,
    /// `ln(1 + amount in minor units)`; the learned model's scaler places it in the shop's
    /// distribution.
    Amount,
    /// 1 when an item is in a category configured as high-risk.
    HighRiskCategory,
}

const fn velocity(key: KeyKind, window: Window) -> Signal {
    Signal::Velocity { key, window }
}

impl Signal {
    /// How many signals there are.
    pub const COUNT: usize = 28;

    /// Every signal, in feature-vector order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::AvsNoMatch,
        Self::AvsPartialMatch,
        Self::AvsUnavailable,
        Self::CvvNoMatch,
        Self::RadarElevated,
        Self::RadarHighest,
        Self::RadarScore,
        Self::ShopifyInvestigate,
        Self::ShopifyCancel,
        velocity(KeyKind::Card, Window::Hour),
        velocity(KeyKind::Card, Window::Day),
        velocity(KeyKind::Card, Window::Week),
        velocity(KeyKind::Email, Window::Hour),
        velocity(KeyKind::Email, Window::Day),
        velocity(KeyKind::Email, Window::Week),
        velocity(KeyKind::Ip, Window::Hour),
        velocity(KeyKind::Ip, Window::Day),
        velocity(KeyKind::Ip, Window::Week),
        velocity(KeyKind::ShippingAddress, Window::Hour),
        velocity(KeyKind::ShippingAddress, Window::Day),
        velocity(KeyKind::ShippingAddress, Window::Week),
        Self::BillingShippingMismatch,
        Self::IpCountryNotBilling,
        Self::IpCountryNotShipping,
        Self::FirstOrder,
        Self::AmountVsCustomer,
        Self::Amount,
        Self::HighRiskCategory,
    ];

    /// The position in [`Self::ALL`] and in a feature vector.
    pub const fn index(self) -> usize {
        match self {
            Self::AvsNoMatch => 0,
            Self::AvsPartialMatch => 1,
            Self::AvsUnavailable => 2,
            Self::CvvNoMatch => 3,
            Self::RadarElevated => 4,
            Self::RadarHighest => 5,
            Self::RadarScore => 6,
            Self::ShopifyInvestigate => 7,
            Self::ShopifyCancel => 8,
            Self::Velocity { key, window } => 9 + key.index() * 3 + window.index(),
            Self::BillingShippingMismatch => 21,
            Self::IpCountryNotBilling => 22,
            Self::IpCountryNotShipping => 23,
            Self::FirstOrder => 24,
            Self::AmountVsCustomer => 25,
            Self::Amount => 26,
            Self::HighRiskCategory => 27,
        }
    }

    /// The feature value of a velocity count.
    pub fn encode_count(count: u32) -> f64 {
        f64::from(count).ln_1p()
    }

    /// The value in the units a person reads: counts for velocity, the amount in minor units,
    /// the ratio to the customer's mean; flags and scores as they are.
    pub fn natural_value(self, value: f64) -> f64 {
        match self {
            Self::Velocity { .. } | Self::Amount => value.exp_m1(),
            Self::AmountVsCustomer => value.exp(),
            _ => value,
        }
    }

    /// The name of a signal without parameters (velocity's prefix for [`Self::Velocity`]).
    const fn base_name(self) -> &'static str {
        match self {
            Self::AvsNoMatch => "avs_no_match",
            Self::AvsPartialMatch => "avs_partial_match",
            Self::AvsUnavailable => "avs_unavailable",
            Self::CvvNoMatch => "cvv_no_match",
            Self::RadarElevated => "radar_elevated",
            Self::RadarHighest => "radar_highest",
            Self::RadarScore => "radar_score",
            Self::ShopifyInvestigate => "shopify_investigate",
            Self::ShopifyCancel => "shopify_cancel",
            Self::Velocity { .. } => "velocity",
            Self::BillingShippingMismatch => "billing_shipping_mismatch",
            Self::IpCountryNotBilling => "ip_country_not_billing",
            Self::IpCountryNotShipping => "ip_country_not_shipping",
            Self::FirstOrder => "first_order",
            Self::AmountVsCustomer => "amount_vs_customer",
            Self::Amount => "amount",
            Self::HighRiskCategory => "high_risk_category",
        }
    }

    /// Reads a name written by [`fmt::Display`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.to_string() == name)
    }
}

/// The snake_case name, as in model files: `cvv_no_match`, `velocity_card_1h`.
impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Velocity { key, window } => {
                write!(f, "velocity_{}_{}", key.as_str(), window.as_str())
            }
            other => f.write_str(other.base_name()),
        }
    }
}

impl Serialize for Signal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Signal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown signal `{name}`")))
    }
}

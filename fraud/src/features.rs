//! The feature vector: one number per [`Signal`], computed from an order's facts and velocity.
//!
//! This is where money becomes `f64`: amounts enter as `ln(1 + minor units)` and ratios as
//! logarithms, so a model works on scale-free numbers; nothing here is ever turned back into money.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeSet;

use mapping::{AvsResult, CvvResult};
use serde::{Deserialize, Serialize};

use crate::facts::{OrderFacts, RadarRiskLevel, ShopifyRecommendation};
use crate::keys::{KeyKind, same_address};
use crate::signal::Signal;
use crate::velocity::{VelocityCounts, Window};

/// What the merchant configures about the features: kept in the model file so training and
/// scoring agree.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Item categories that raise [`Signal::HighRiskCategory`], compared without regard to
    /// ASCII case or surrounding whitespace (`"Gift Cards"`, `"electronics"`).
    pub high_risk_categories: BTreeSet<String>,
}

impl FeatureConfig {
    /// A configuration with these high-risk categories.
    pub fn with_high_risk_categories<I, S>(categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            high_risk_categories: categories
                .into_iter()
                .map(|c| c.into().trim().to_owned())
                .collect(),
        }
    }

    fn is_high_risk(&self, category: &str) -> bool {
        let category = category.trim();
        self.high_risk_categories
            .iter()
            .any(|c| c.eq_ignore_ascii_case(category))
    }
}

/// One value per signal, in [`Signal::ALL`]'s order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features([f64; Signal::COUNT]);

impl Features {
    /// The features of an order from its facts and its velocity counts. Pure: no I/O.
    pub fn build(facts: &OrderFacts, velocity: &VelocityCounts, config: &FeatureConfig) -> Self {
        let mut v = [0.0; Signal::COUNT];
        let mut set = |signal: Signal, on: bool| v[signal.index()] = if on { 1.0 } else { 0.0 };

        set(
            Signal::AvsNoMatch,
            matches!(facts.avs, Some(AvsResult::NoMatch)),
        );
        set(
            Signal::AvsPartialMatch,
            matches!(
                facts.avs,
                Some(AvsResult::StreetOnly | AvsResult::PostalOnly)
            ),
        );
        set(
            Signal::AvsUnavailable,
            matches!(
                facts.avs,
                Some(AvsResult::Unavailable | AvsResult::Unknown(_))
            ),
        );
        set(
            Signal::CvvNoMatch,
            matches!(facts.cvv, Some(CvvResult::NoMatch)),
        );
        let radar_level = facts.radar.as_ref().map(|r| &r.risk_level);
        set(
            Signal::RadarElevated,
            radar_level == Some(&RadarRiskLevel::Elevated),
        );
        set(
            Signal::RadarHighest,
            radar_level == Some(&RadarRiskLevel::Highest),
        );
        set(
            Signal::ShopifyInvestigate,
            facts.shopify == Some(ShopifyRecommendation::Investigate),
        );
        set(
            Signal::ShopifyCancel,
            facts.shopify == Some(ShopifyRecommendation::Cancel),
        );
        set(
            Signal::BillingShippingMismatch,
            match (&facts.billing, &facts.shipping) {
                (Some(billing), Some(shipping)) => !same_address(billing, shipping),
                _ => false,
            },
        );
        let ip_country_differs = |address: &Option<crate::AddressFacts>| matches!((facts.ip_country, address), (Some(ip), Some(a)) if ip != a.country);
        set(
            Signal::IpCountryNotBilling,
            ip_country_differs(&facts.billing),
        );
        set(
            Signal::IpCountryNotShipping,
            ip_country_differs(&facts.shipping),
        );
        set(Signal::FirstOrder, facts.customer.prior_orders == 0);
        set(
            Signal::HighRiskCategory,
            facts.categories.iter().any(|c| config.is_high_risk(c)),
        );

        v[Signal::RadarScore.index()] = facts
            .radar
            .as_ref()
            .and_then(|r| r.risk_score)
            .map_or(0.0, |score| f64::from(score) / 100.0);
        for key in KeyKind::ALL {
            for window in Window::ALL {
                v[Signal::Velocity { key, window }.index()] =
                    Signal::encode_count(velocity.get(key, window));
            }
        }
        // Minor units are exact integers; as f64 they are exact below 2^53, far above any order.
        let amount = facts.amount.minor().max(0) as f64;
        v[Signal::Amount.index()] = amount.ln_1p();
        v[Signal::AmountVsCustomer.index()] = match facts.customer.prior_spent {
            Some(spent)
                if facts.customer.prior_orders > 0
                    && spent.currency() == facts.amount.currency()
                    && spent.minor() > 0
                    && amount > 0.0 =>
            {
                let mean = spent.minor() as f64 / f64::from(facts.customer.prior_orders);
                (amount / mean).ln()
            }
            _ => 0.0,
        };
        Self(v)
    }

    /// The value of one signal.
    pub const fn get(&self, signal: Signal) -> f64 {
        self.0[signal.index()]
    }

    /// All values, in [`Signal::ALL`]'s order.
    pub const fn values(&self) -> &[f64; Signal::COUNT] {
        &self.0
    }

    /// Features from raw values in [`Signal::ALL`]'s order (synthetic data, tests).
    pub const fn from_values(values: [f64; Signal::COUNT]) -> Self {
        Self(values)
    }
}

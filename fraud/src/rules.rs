//! The rules baseline: for merchants without a dispute history to learn from. Each rule adds
//! points when its signal reaches a value; the points are the explanation.
//!
//! Points and rule thresholds are `f64` feature arithmetic, never money.
#![allow(clippy::float_arithmetic)]

use serde::{Deserialize, Serialize};

use crate::decision::{
    Contribution, Decision, RuleCondition, Score, ScorerId, ScorerKind, Thresholds,
};
use crate::features::{FeatureConfig, Features};
use crate::keys::KeyKind;
use crate::scorer::Scorer;
use crate::signal::Signal;
use crate::velocity::Window;

/// One rule: `points` when `signal`'s natural value ([`Signal::natural_value`]) is at least
/// `at_least` (and, if `first_order_only`, the customer has no earlier order).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The signal looked at.
    pub signal: Signal,
    /// The condition.
    pub condition: RuleCondition,
    /// What the rule adds.
    pub points: f64,
}

impl Rule {
    /// A rule on a 0/1 signal: `points` when it is set.
    pub const fn flag(signal: Signal, points: f64) -> Self {
        Self::at_least(signal, 1.0, points)
    }

    /// A rule on any signal's natural value.
    pub const fn at_least(signal: Signal, at_least: f64, points: f64) -> Self {
        Self {
            signal,
            condition: RuleCondition {
                at_least,
                first_order_only: false,
            },
            points,
        }
    }

    /// `points` when at least `earlier` orders share `key` within `window`.
    pub fn velocity(key: KeyKind, window: Window, earlier: u32, points: f64) -> Self {
        Self::at_least(Signal::Velocity { key, window }, f64::from(earlier), points)
    }

    /// The same rule, on first orders only.
    pub const fn first_order_only(mut self) -> Self {
        self.condition.first_order_only = true;
        self
    }

    fn fires(&self, features: &Features) -> Option<f64> {
        let natural = self.signal.natural_value(features.get(self.signal));
        // A small tolerance: natural values of counts pass through ln/exp.
        let reached = natural + 1e-9 >= self.condition.at_least;
        let order_ok = !self.condition.first_order_only || features.get(Signal::FirstOrder) >= 1.0;
        (reached && order_ok).then_some(natural)
    }
}

/// A rule set with its thresholds: a [`Scorer`] whose score is a sum of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesScorer {
    /// The rule set's version, shown with each decision.
    pub version: String,
    /// The rules.
    pub rules: Vec<Rule>,
    /// Point thresholds.
    pub thresholds: Thresholds,
    /// The feature configuration (high-risk categories).
    pub feature_config: FeatureConfig,
}

impl RulesScorer {
    /// The rules a careful merchant writes without data: failed card checks, Radar's and
    /// Shopify's own verdicts, a card or IP address used again and again, addresses and IP
    /// country that disagree, high-risk items, and big orders (`high_amount_minor`, in the shop's
    /// currency's minor units) from new customers. Review from 50 points, refuse from 90.
    pub fn standard(high_amount_minor: i64, feature_config: FeatureConfig) -> Self {
        // Minor units as f64 are exact far beyond any order total.
        let high_amount = high_amount_minor as f64;
        let rules = vec![
            Rule::flag(Signal::CvvNoMatch, 30.0),
            Rule::flag(Signal::AvsNoMatch, 20.0),
            Rule::flag(Signal::AvsPartialMatch, 5.0),
            Rule::flag(Signal::RadarHighest, 50.0),
            Rule::flag(Signal::RadarElevated, 20.0),
            Rule::flag(Signal::ShopifyCancel, 40.0),
            Rule::flag(Signal::ShopifyInvestigate, 20.0),
            Rule::velocity(KeyKind::Card, Window::Hour, 2, 30.0),
            Rule::velocity(KeyKind::Card, Window::Day, 4, 20.0),
            Rule::velocity(KeyKind::Email, Window::Day, 3, 15.0),
            Rule::velocity(KeyKind::Ip, Window::Hour, 4, 30.0),
            Rule::velocity(KeyKind::ShippingAddress, Window::Day, 3, 15.0),
            Rule::flag(Signal::IpCountryNotBilling, 15.0),
            Rule::flag(Signal::BillingShippingMismatch, 10.0),
            Rule::flag(Signal::HighRiskCategory, 15.0),
            Rule::at_least(Signal::Amount, high_amount, 10.0),
            Rule::at_least(Signal::Amount, high_amount, 20.0).first_order_only(),
        ];
        Self {
            version: "standard-1".to_owned(),
            rules,
            thresholds: Thresholds::constant(50.0, 90.0),
            feature_config,
        }
    }
}

impl Scorer for RulesScorer {
    fn feature_config(&self) -> &FeatureConfig {
        &self.feature_config
    }

    fn score(&self, features: &Features) -> Decision {
        let contributions: Vec<Contribution> = self
            .rules
            .iter()
            .filter_map(|rule| {
                rule.fires(features).map(|value| Contribution {
                    signal: rule.signal,
                    value,
                    contribution: rule.points,
                    rule: Some(rule.condition),
                })
            })
            .collect();
        let points = contributions.iter().map(|c| c.contribution).sum();
        Decision::new(
            Score::Points { points },
            self.thresholds,
            contributions,
            ScorerId {
                kind: ScorerKind::Rules,
                version: self.version.clone(),
            },
        )
    }
}

//! `[fraud]`: the fraud screen both pairs run before charging (see
//! `flows::workflows::shopify_paytrace` and `flows::workflows::magento_stripe`, "The fraud
//! screen"). Without the section Shopify + PayTrace follows Shopify's own risk recommendation
//! and Magento + Stripe screens nothing.
//!
//! ```toml
//! [fraud]
//! model = "/var/lib/payops/fraud-model.json"   # optional: the rules baseline without it
//! velocity = "/var/lib/payops/fraud-velocity.sqlite"
//! velocity_index = true                        # optional: look-ups from memory (one process)
//! high_amount_minor = 50000                    # the rules' big order, in minor units
//! high_risk_categories = ["gift_card", "giftcard"]  # optional, the rules': item categories
//! review_at = 50.0                             # optional, with refuse_at
//! refuse_at = 90.0
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use flows::workflows::screening::Screener;
use fraud::Thresholds;
use serde::Deserialize;

use crate::error::Error;
use crate::issues::Issues;

/// The fraud screen's settings, checked.
#[derive(Debug, Clone)]
pub struct FraudSettings {
    /// The learned model's file (`payops fraud train`); `None`: the rules baseline.
    pub model: Option<PathBuf>,
    /// The velocity store (SQLite), made when missing.
    pub velocity: PathBuf,
    /// Counts read from an in-memory index of the store's last week ([`fraud::IndexedVelocity`],
    /// about 5 µs a screen against about 50 µs from SQLite on the benchmark's machine). The
    /// index is the process's own: only for a service that runs in one process, since several
    /// processes sharing the file would each miss the others' orders until they restart.
    pub velocity_index: bool,
    /// From how many minor units of the shop's currency an order counts as big (the rules).
    pub high_amount_minor: i64,
    /// The item categories the rules count as high-risk (Shopify: `gift_card` and vendors;
    /// Magento: product types such as `giftcard`, `virtual`; see `fraud::OrderFacts`). A model
    /// has its own, as it was trained (`payops fraud train --high-risk-category`).
    pub high_risk_categories: Vec<String>,
    /// The review and refuse thresholds, when set: points for the rules, a probability of fraud
    /// (0 to 1) for a model; else the scorer's own.
    pub thresholds: Option<Thresholds>,
}

impl FraudSettings {
    /// The screener: the model loaded (or the rules), the velocity store opened, the thresholds
    /// set. A model file that cannot be read is an error, never a silent fall-back to the rules.
    pub fn screener(&self) -> Result<Screener, Error> {
        let velocity: Arc<dyn fraud::VelocityStore> = if self.velocity_index {
            let now = time::OffsetDateTime::now_utc();
            Arc::new(fraud::IndexedVelocity::open(&self.velocity, now)?)
        } else {
            Arc::new(fraud::SqliteVelocity::open(&self.velocity)?)
        };
        Ok(Screener::load_with(
            self.model.as_deref(),
            self.high_amount_minor,
            self.thresholds,
            fraud::FeatureConfig::with_high_risk_categories(self.high_risk_categories.clone()),
            velocity,
        )?)
    }
}

/// `[fraud]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FraudSection {
    model: Option<PathBuf>,
    velocity: PathBuf,
    #[serde(default)]
    velocity_index: bool,
    high_amount_minor: i64,
    #[serde(default)]
    high_risk_categories: Vec<String>,
    review_at: Option<f64>,
    refuse_at: Option<f64>,
}

impl FraudSection {
    /// The section checked; problems noted against `fraud.*`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<FraudSettings> {
        let before = issues.iter().count();
        if let Some(model) = &self.model
            && !model.is_file()
        {
            issues.push(
                "fraud.model",
                format!(
                    "no file at {}: write one with `payops fraud train`, or leave `model` out \
                     for the rules baseline",
                    model.display()
                ),
            );
        }
        if self.model.is_some() && !self.high_risk_categories.is_empty() {
            issues.push(
                "fraud.high_risk_categories",
                "are the rules': a model keeps those it was trained with (`payops fraud train \
                 --high-risk-category`)",
            );
        }
        if self
            .high_risk_categories
            .iter()
            .any(|c| c.trim().is_empty())
        {
            issues.push("fraud.high_risk_categories", "has an empty category");
        }
        if self.velocity.as_os_str().is_empty() {
            issues.push("fraud.velocity", "is empty: name the velocity store's file");
        }
        if self.high_amount_minor <= 0 {
            issues.push(
                "fraud.high_amount_minor",
                "must be at least 1 (minor units of the shop's currency)",
            );
        }
        let thresholds = match (self.review_at, self.refuse_at) {
            (None, None) => None,
            (Some(review), Some(refuse)) => self.thresholds(review, refuse, issues),
            (Some(_), None) => {
                issues.push("fraud.refuse_at", "is missing: set it with review_at");
                None
            }
            (None, Some(_)) => {
                issues.push("fraud.review_at", "is missing: set it with refuse_at");
                None
            }
        };
        (issues.iter().count() == before).then(|| FraudSettings {
            model: self.model.clone(),
            velocity: self.velocity.clone(),
            velocity_index: self.velocity_index,
            high_amount_minor: self.high_amount_minor,
            high_risk_categories: self.high_risk_categories.clone(),
            thresholds,
        })
    }

    fn thresholds(&self, review: f64, refuse: f64, issues: &mut Issues) -> Option<Thresholds> {
        // A model scores a probability; the rules score points.
        if self.model.is_some() {
            for (key, value) in [("fraud.review_at", review), ("fraud.refuse_at", refuse)] {
                if !(0.0..=1.0).contains(&value) {
                    issues.push(key, "must be a probability from 0 to 1 with a model");
                    return None;
                }
            }
        }
        issues.check(
            "fraud.review_at",
            Thresholds::new(review, refuse).map_err(|e| format!("{e} (refuse_at)")),
        )
    }
}

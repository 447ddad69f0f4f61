//! The learned model and its file.
//!
//! The file is JSON: a format version, the model's version and training time, the feature list
//! (signal names, in order), the feature configuration, the scaler (mean and standard deviation
//! per feature), the coefficients and intercept of a logistic regression on the standardised
//! features, and the thresholds. Loading checks the format version first, then that the feature
//! list is exactly this build's [`Signal::ALL`], then every vector's length and every number.
//!
//! Scoring is `f64` arithmetic on features, never on money.
#![allow(clippy::float_arithmetic)]

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::FraudError;
use crate::decision::{Contribution, Decision, Score, ScorerId, ScorerKind, Thresholds};
use crate::features::{FeatureConfig, Features};
use crate::scorer::Scorer;
use crate::signal::Signal;

/// The file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Per-feature standardisation: `z = (x - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// The training mean of each feature.
    pub mean: Vec<f64>,
    /// The training standard deviation of each feature (1 where a feature never varied).
    pub std: Vec<f64>,
}

impl Scaler {
    /// The scaler of a matrix's columns, in [`Signal::ALL`]'s order.
    pub fn fit(rows: &[Features]) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; Signal::COUNT];
        for row in rows {
            for (m, x) in mean.iter_mut().zip(row.values()) {
                *m += x / n;
            }
        }
        let mut var = vec![0.0; Signal::COUNT];
        for row in rows {
            for ((v, x), m) in var.iter_mut().zip(row.values()).zip(&mean) {
                *v += (x - m) * (x - m) / n;
            }
        }
        let std = var
            .into_iter()
            .map(|v| if v > 1e-12 { v.sqrt() } else { 1.0 })
            .collect();
        Self { mean, std }
    }

    /// The standardised value of feature `i`.
    fn z(&self, i: usize, x: f64) -> f64 {
        (x - self.mean[i]) / self.std[i]
    }
}

/// What the model was trained on, kept in the file for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Fraudulent rows.
    pub positives: usize,
    /// Legitimate rows.
    pub negatives: usize,
    /// How many times each fraudulent row was repeated to weight the classes.
    pub positive_weight: u32,
    /// The dispute window used to pick legitimate rows, in days.
    pub dispute_window_days: i64,
}

/// The model file's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedModel {
    /// [`FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The model's own version, shown with each decision.
    pub model_version: String,
    /// When it was trained.
    #[serde(with = "time::serde::rfc3339")]
    pub trained_at: OffsetDateTime,
    /// The signal names, in feature order.
    pub features: Vec<String>,
    /// The feature configuration it was trained with.
    pub feature_config: FeatureConfig,
    /// The standardisation.
    pub scaler: Scaler,
    /// One coefficient per feature, on standardised values, in log-odds.
    pub coefficients: Vec<f64>,
    /// The log-odds of an order at the training mean.
    pub intercept: f64,
    /// Probability thresholds.
    pub thresholds: Thresholds,
    /// What it was trained on.
    pub training: TrainingSummary,
}

/// Only the version, read before the rest so that a file of another version fails on its version
/// and not on whatever field changed.
#[derive(Deserialize)]
struct VersionProbe {
    format_version: u32,
}

impl LearnedModel {
    /// Reads and checks a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, FraudError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| FraudError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Parses and checks a model file's text.
    pub fn from_json(text: &str) -> Result<Self, FraudError> {
        let probe: VersionProbe = parse(text)?;
        if probe.format_version != FORMAT_VERSION {
            return Err(FraudError::UnsupportedFormatVersion {
                found: probe.format_version,
                expected: FORMAT_VERSION,
            });
        }
        let model: Self = parse(text)?;
        model.validate()?;
        Ok(model)
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and vectors always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the file (through a temporary file and a rename, so a reader never sees half).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), FraudError> {
        let path = path.as_ref();
        let io = |source| FraudError::Io {
            path: path.to_owned(),
            source,
        };
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, self.to_json()).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }

    fn validate(&self) -> Result<(), FraudError> {
        let expected: Vec<String> = Signal::ALL.iter().map(ToString::to_string).collect();
        if self.features != expected {
            let detail = match self
                .features
                .iter()
                .zip(&expected)
                .enumerate()
                .find(|(_, (found, wanted))| found != wanted)
            {
                Some((i, (found, wanted))) => {
                    format!("feature {i} is `{found}`, this build expects `{wanted}`")
                }
                None => format!(
                    "{} features, this build has {}",
                    self.features.len(),
                    expected.len()
                ),
            };
            return Err(FraudError::FeatureMismatch { detail });
        }
        check_vector("scaler.mean", &self.scaler.mean, |_| true)?;
        check_vector("scaler.std", &self.scaler.std, |x| x > 0.0)?;
        check_vector("coefficients", &self.coefficients, |_| true)?;
        if !self.intercept.is_finite() {
            return Err(FraudError::InvalidModel {
                field: "intercept",
                reason: "not a finite number".to_owned(),
            });
        }
        Ok(())
    }

    /// The probability of fraud alone, without the explanation (evaluation, thresholds).
    pub fn probability(&self, features: &Features) -> f64 {
        let log_odds = self.intercept
            + features
                .values()
                .iter()
                .enumerate()
                .map(|(i, &x)| self.coefficients[i] * self.scaler.z(i, x))
                .sum::<f64>();
        sigmoid(log_odds)
    }

    /// The log-odds contribution of each signal for these features.
    fn contributions(&self, features: &Features) -> Vec<Contribution> {
        Signal::ALL
            .iter()
            .zip(features.values())
            .enumerate()
            .map(|(i, (&signal, &x))| Contribution {
                signal,
                value: signal.natural_value(x),
                contribution: self.coefficients[i] * self.scaler.z(i, x),
                rule: None,
            })
            .collect()
    }
}

fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, FraudError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| FraudError::ModelFormat {
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

fn check_vector(
    field: &'static str,
    values: &[f64],
    valid: impl Fn(f64) -> bool,
) -> Result<(), FraudError> {
    if values.len() != Signal::COUNT {
        return Err(FraudError::InvalidModel {
            field,
            reason: format!("{} values, expected {}", values.len(), Signal::COUNT),
        });
    }
    match values.iter().position(|&x| !x.is_finite() || !valid(x)) {
        Some(i) => Err(FraudError::InvalidModel {
            field,
            reason: format!("value {i} ({}) is out of range", values[i]),
        }),
        None => Ok(()),
    }
}

/// The logistic function.
fn sigmoid(log_odds: f64) -> f64 {
    1.0 / (1.0 + (-log_odds).exp())
}

impl Scorer for LearnedModel {
    fn feature_config(&self) -> &FeatureConfig {
        &self.feature_config
    }

    fn score(&self, features: &Features) -> Decision {
        let contributions = self.contributions(features);
        let log_odds = self.intercept + contributions.iter().map(|c| c.contribution).sum::<f64>();
        Decision::new(
            Score::Probability {
                probability: sigmoid(log_odds),
                log_odds,
                intercept: self.intercept,
            },
            self.thresholds,
            contributions,
            ScorerId {
                kind: ScorerKind::Learned,
                version: self.model_version.clone(),
            },
        )
    }
}

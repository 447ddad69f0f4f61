//! Training: picking labelled rows from the merchant's history, and fitting the logistic model.
//!
//! Labels follow what the merchant learns over time. An order is **fraud** once a dispute with a
//! fraud reason or an early fraud warning has arrived. It is **legitimate** once it settled and
//! its dispute window has passed in full (120 days by default: card networks allow roughly that
//! long for fraud disputes) with neither. Anything else is left out: too recent to know, never
//! settled, or disputed for another reason (not received, not as described), which says nothing
//! either way about fraud.
//!
//! `linfa-logistic` 0.8.1 ignores dataset sample weights (its cost function reads only records
//! and targets), so classes are weighted by repeating each fraudulent row `positive_weight` times,
//! which gives the same loss as a weight of that integer.
#![allow(clippy::float_arithmetic)]

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::FraudError;
use crate::decision::Thresholds;
use crate::facts::OrderFacts;
use crate::features::{FeatureConfig, Features};
use crate::keys::VelocityKeys;
use crate::model::{FORMAT_VERSION, LearnedModel, Scaler, TrainingSummary};
use crate::signal::Signal;
use crate::velocity::{MemoryVelocity, VelocityStore};

/// A training label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Disputed as fraud, or flagged by an early fraud warning.
    Fraud,
    /// Settled, and its dispute window passed without either.
    Legitimate,
}

/// What happened to an order after it was placed, as far as the merchant knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderOutcome {
    /// When the payment settled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub settled_at: Option<OffsetDateTime>,
    /// When a dispute with a fraud reason arrived.
    #[serde(with = "time::serde::rfc3339::option")]
    pub fraud_dispute_at: Option<OffsetDateTime>,
    /// When an early fraud warning arrived (Stripe Radar).
    #[serde(with = "time::serde::rfc3339::option")]
    pub early_fraud_warning_at: Option<OffsetDateTime>,
    /// When a dispute for another reason arrived.
    #[serde(with = "time::serde::rfc3339::option")]
    pub other_dispute_at: Option<OffsetDateTime>,
}

/// One order of the merchant's history with what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledOrder {
    /// The order as it was screened.
    pub facts: OrderFacts,
    /// What happened since.
    pub outcome: OrderOutcome,
}

/// The default dispute window.
pub const DEFAULT_DISPUTE_WINDOW: Duration = Duration::days(120);

/// The label of an order as known at `now`, or `None` when it is not yet (or never) a training
/// row. See the module docs for the rules.
pub fn label_at(
    order: &LabelledOrder,
    now: OffsetDateTime,
    dispute_window: Duration,
) -> Option<Label> {
    let known = |at: Option<OffsetDateTime>| at.is_some_and(|at| at <= now);
    let outcome = &order.outcome;
    if known(outcome.fraud_dispute_at) || known(outcome.early_fraud_warning_at) {
        Some(Label::Fraud)
    } else if known(outcome.other_dispute_at) {
        None
    } else if known(outcome.settled_at) && order.facts.placed_at + dispute_window <= now {
        Some(Label::Legitimate)
    } else {
        None
    }
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The model's version string.
    pub model_version: String,
    /// How long after an order a fraud dispute can still arrive.
    pub dispute_window: Duration,
    /// How many times each fraudulent row counts; `None` balances the classes (the ratio of
    /// legitimate to fraudulent rows, rounded).
    pub positive_weight: Option<u32>,
    /// L2 regularisation strength.
    pub alpha: f64,
    /// Solver iterations.
    pub max_iterations: u64,
    /// The share of training orders the review threshold sends to review or refusal.
    pub review_rate: f64,
    /// The share of training orders the refuse threshold refuses.
    pub refuse_rate: f64,
    /// The feature configuration.
    pub feature_config: FeatureConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model_version: "1".to_owned(),
            dispute_window: DEFAULT_DISPUTE_WINDOW,
            positive_weight: None,
            alpha: 1.0,
            max_iterations: 200,
            review_rate: 0.02,
            refuse_rate: 0.002,
            feature_config: FeatureConfig::default(),
        }
    }
}

/// The features of every order as they were when it was screened: replays the orders in time
/// order through an in-memory velocity store. Unlabelled orders count toward velocity too.
pub fn replay_features(orders: &[&OrderFacts], config: &FeatureConfig) -> Vec<Features> {
    let mut by_time: Vec<usize> = (0..orders.len()).collect();
    by_time.sort_by_key(|&i| orders[i].placed_at);
    let store = MemoryVelocity::new();
    let mut features = vec![Features::from_values([0.0; Signal::COUNT]); orders.len()];
    for i in by_time {
        let facts = orders[i];
        let keys = VelocityKeys::from_facts(facts);
        // The in-memory store cannot fail.
        let counts = store.counts(&keys, facts.placed_at).unwrap_or_default();
        features[i] = Features::build(facts, &counts, config);
        let _ = store.record(&keys, facts.placed_at);
    }
    features
}

/// Picks the training rows of a history as known at `now` and fits the model.
pub fn train(
    history: &[LabelledOrder],
    now: OffsetDateTime,
    config: &TrainConfig,
) -> Result<LearnedModel, FraudError> {
    let facts: Vec<&OrderFacts> = history.iter().map(|o| &o.facts).collect();
    let features = replay_features(&facts, &config.feature_config);
    let rows: Vec<(Features, Label)> = history
        .iter()
        .zip(features)
        .filter_map(|(order, f)| label_at(order, now, config.dispute_window).map(|l| (f, l)))
        .collect();
    fit(&rows, now, config)
}

/// Fits the model on labelled feature rows.
pub fn fit(
    rows: &[(Features, Label)],
    trained_at: OffsetDateTime,
    config: &TrainConfig,
) -> Result<LearnedModel, FraudError> {
    let positives = rows.iter().filter(|(_, l)| *l == Label::Fraud).count();
    let negatives = rows.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(FraudError::NotEnoughLabels {
            positives,
            negatives,
        });
    }
    let positive_weight = config.positive_weight.unwrap_or_else(|| {
        u32::try_from((negatives as f64 / positives as f64).round() as u64)
            .unwrap_or(u32::MAX)
            .max(1)
    });
    let features: Vec<Features> = rows.iter().map(|(f, _)| *f).collect();
    let scaler = Scaler::fit(&features);

    let repeats = |label: Label| match label {
        Label::Fraud => positive_weight as usize,
        Label::Legitimate => 1,
    };
    let total: usize = rows.iter().map(|(_, l)| repeats(*l)).sum();
    let mut x = Array2::<f64>::zeros((total, Signal::COUNT));
    let mut y = Array1::<bool>::from_elem(total, false);
    let mut r = 0;
    for (f, label) in rows {
        for _ in 0..repeats(*label) {
            for (i, &value) in f.values().iter().enumerate() {
                x[[r, i]] = (value - scaler.mean[i]) / scaler.std[i];
            }
            y[r] = *label == Label::Fraud;
            r += 1;
        }
    }
    let fitted = LogisticRegression::default()
        .alpha(config.alpha)
        .max_iterations(config.max_iterations)
        .fit(&Dataset::new(x, y))?;
    // linfa takes the first label it meets as its positive class: turn the model round when
    // that was `false`, so coefficients always raise the log-odds of fraud.
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let coefficients: Vec<f64> = fitted.params().iter().map(|w| sign * w).collect();
    let intercept = sign * fitted.intercept();

    let mut model = LearnedModel {
        format_version: FORMAT_VERSION,
        model_version: config.model_version.clone(),
        trained_at,
        features: Signal::ALL.iter().map(ToString::to_string).collect(),
        feature_config: config.feature_config.clone(),
        scaler,
        coefficients,
        intercept,
        thresholds: Thresholds::constant(1.0, 1.0),
        training: TrainingSummary {
            positives,
            negatives,
            positive_weight,
            dispute_window_days: config.dispute_window.whole_days(),
        },
    };
    let mut probabilities: Vec<f64> = features.iter().map(|f| model.probability(f)).collect();
    probabilities.sort_by(|a, b| b.total_cmp(a));
    let at_rate = |rate: f64| {
        let k = ((rate * probabilities.len() as f64).ceil() as usize).clamp(1, probabilities.len());
        probabilities[k - 1]
    };
    model.thresholds = Thresholds::new(at_rate(config.review_rate), at_rate(config.refuse_rate))?;
    Ok(model)
}

//! Evaluation: ROC AUC and precision and recall at a review rate (exact with ties), and the
//! hold-out comparison of the learned model, the rules and Shopify's recommendation.
#![allow(clippy::float_arithmetic)]

use std::fmt;

use crate::FraudError;
use crate::facts::{OrderFacts, ShopifyRecommendation};
use crate::features::Features;
use crate::model::LearnedModel;
use crate::rules::RulesScorer;
use crate::scorer::Scorer;
use crate::synth::{SynthConfig, generate};
use crate::train::{Label, TrainConfig, fit, label_at, replay_features};

/// The area under the ROC curve of `scores` (higher means more likely fraud) against `fraud`:
/// the probability that a random fraudulent order scores above a random legitimate one, ties
/// counting one half (the Mann–Whitney statistic with mid-ranks). `None` without both classes or
/// when the lengths differ.
pub fn roc_auc(scores: &[f64], fraud: &[bool]) -> Option<f64> {
    if scores.len() != fraud.len() {
        return None;
    }
    let positives = fraud.iter().filter(|&&f| f).count();
    let negatives = fraud.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks (1-based), each tie group sharing its mean rank.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let mid_rank = (start + end) as f64 / 2.0 + 1.0;
        let tied_positives = order[start..=end].iter().filter(|&&i| fraud[i]).count();
        rank_sum += mid_rank * tied_positives as f64;
        start = end + 1;
    }
    let p = positives as f64;
    let u = rank_sum - p * (p + 1.0) / 2.0;
    Some(u / (p * negatives as f64))
}

/// Precision and recall when the `rate` highest-scored share of orders goes to review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtReviewRate {
    /// The share of reviewed orders that are fraud.
    pub precision: f64,
    /// The share of fraud that is reviewed.
    pub recall: f64,
}

/// Precision and recall of reviewing the top `rate` of orders by score (`ceil(rate * n)` orders).
/// Orders tied at the cut are taken in proportion, as a random pick among them would be on
/// average, so a scorer with many ties is neither helped nor hurt by their order. `None` when
/// there are no orders or no fraud.
pub fn at_review_rate(scores: &[f64], fraud: &[bool], rate: f64) -> Option<AtReviewRate> {
    let positives = fraud.iter().filter(|&&f| f).count();
    if scores.is_empty() || scores.len() != fraud.len() || positives == 0 {
        return None;
    }
    let n = scores.len();
    let k = ((rate * n as f64).ceil() as usize).clamp(1, n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let cut = scores[order[k - 1]];
    let above: Vec<usize> = order.iter().copied().filter(|&i| scores[i] > cut).collect();
    let tied: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| scores[i] == cut)
        .collect();
    let fraud_above = above.iter().filter(|&&i| fraud[i]).count() as f64;
    let fraud_tied = tied.iter().filter(|&&i| fraud[i]).count() as f64;
    let taken_from_tie = (k - above.len()) as f64 / tied.len() as f64;
    let caught = fraud_above + fraud_tied * taken_from_tie;
    Some(AtReviewRate {
        precision: caught / k as f64,
        recall: caught / positives as f64,
    })
}

/// One scorer's hold-out figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScorerFigures {
    /// ROC AUC.
    pub auc: f64,
    /// Precision and recall at [`REVIEW_RATE`].
    pub at_review_rate: AtReviewRate,
}

/// The review rate the report measures precision and recall at.
pub const REVIEW_RATE: f64 = 0.02;

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Orders generated.
    pub orders: usize,
    /// Fraudulent orders among them (the truth).
    pub fraud: usize,
    /// Orders in the training period (the earlier 80 %).
    pub training_period: usize,
    /// Hold-out orders (the later 20 %), and the fraud among them.
    pub holdout: (usize, usize),
    /// The trained model (its summary holds the labelled rows the rules picked).
    pub model: LearnedModel,
    /// The rules' high-amount line, in minor units.
    pub rules_high_amount_minor: i64,
    /// The learned model on the hold-out.
    pub learned: ScorerFigures,
    /// The rules baseline on the hold-out.
    pub rules: ScorerFigures,
    /// Shopify's recommendation alone (cancel 2, investigate 1, otherwise 0).
    pub shopify: ScorerFigures,
}

/// Generates a history, trains on the earlier 80 % with labels as known at the split (so the
/// last dispute window's legitimate orders are not yet training rows), and measures the learned
/// model, the rules baseline and Shopify's recommendation on the later 20 % against the truth.
pub fn evaluate(synth: &SynthConfig, config: &TrainConfig) -> Result<Report, FraudError> {
    let history = generate(synth);
    let facts: Vec<&OrderFacts> = history.iter().map(|o| &o.order.facts).collect();
    let features = replay_features(&facts, &config.feature_config);
    let split = history.len() * 4 / 5;
    let now = history[split].order.facts.placed_at;
    let rows: Vec<(Features, Label)> = history[..split]
        .iter()
        .zip(&features)
        .filter_map(|(o, f)| label_at(&o.order, now, config.dispute_window).map(|l| (*f, l)))
        .collect();
    let model = fit(&rows, now, config)?;

    // The merchant's "big order" line: the 95th percentile of earlier order totals.
    let mut amounts: Vec<i64> = history[..split]
        .iter()
        .map(|o| o.order.facts.amount.minor())
        .collect();
    amounts.sort_unstable();
    let high_amount = amounts[amounts.len() * 95 / 100];
    let rules = RulesScorer::standard(high_amount, config.feature_config.clone());

    let holdout = &history[split..];
    let truth: Vec<bool> = holdout.iter().map(|o| o.pattern.is_fraud()).collect();
    let holdout_features = &features[split..];
    let figures = |scores: Vec<f64>| -> Result<ScorerFigures, FraudError> {
        let no_class = || FraudError::NotEnoughLabels {
            positives: truth.iter().filter(|&&t| t).count(),
            negatives: truth.iter().filter(|&&t| !t).count(),
        };
        Ok(ScorerFigures {
            auc: roc_auc(&scores, &truth).ok_or_else(no_class)?,
            at_review_rate: at_review_rate(&scores, &truth, REVIEW_RATE).ok_or_else(no_class)?,
        })
    };
    let learned = figures(
        holdout_features
            .iter()
            .map(|f| model.probability(f))
            .collect(),
    )?;
    let rules_figures = figures(
        holdout_features
            .iter()
            .map(|f| rules.score(f).score.value())
            .collect(),
    )?;
    let shopify = figures(
        holdout
            .iter()
            .map(|o| match o.order.facts.shopify {
                Some(ShopifyRecommendation::Cancel) => 2.0,
                Some(ShopifyRecommendation::Investigate) => 1.0,
                _ => 0.0,
            })
            .collect(),
    )?;
    Ok(Report {
        orders: history.len(),
        fraud: history.iter().filter(|o| o.pattern.is_fraud()).count(),
        training_period: split,
        holdout: (holdout.len(), truth.iter().filter(|&&t| t).count()),
        model,
        rules_high_amount_minor: high_amount,
        learned,
        rules: rules_figures,
        shopify,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.model.training;
        writeln!(
            f,
            "orders {} (fraud {}, {:.2} %); training period {} orders, hold-out {} orders ({} fraud)",
            self.orders,
            self.fraud,
            100.0 * self.fraud as f64 / self.orders as f64,
            self.training_period,
            self.holdout.0,
            self.holdout.1
        )?;
        writeln!(
            f,
            "training rows: {} fraud, {} legitimate (dispute window {} days), fraud rows weighted x{}",
            t.positives, t.negatives, t.dispute_window_days, t.positive_weight
        )?;
        writeln!(
            f,
            "model thresholds: review from p = {:.6}, refuse from p = {:.8}; rules high amount {} minor units",
            self.model.thresholds.review(),
            self.model.thresholds.refuse(),
            self.rules_high_amount_minor
        )?;
        writeln!(
            f,
            "{:<28} {:>8} {:>22} {:>19}",
            "scorer (hold-out)", "ROC AUC", "precision @ 2 % review", "recall @ 2 % review"
        )?;
        for (name, s) in [
            ("learned (logistic)", &self.learned),
            ("rules baseline", &self.rules),
            ("Shopify recommendation", &self.shopify),
        ] {
            writeln!(
                f,
                "{:<28} {:>8.4} {:>22.4} {:>19.4}",
                name, s.auc, s.at_review_rate.precision, s.at_review_rate.recall
            )?;
        }
        Ok(())
    }
}

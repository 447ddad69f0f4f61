//! Decisions: the outcome, the score it came from, the thresholds it was compared with, and each
//! signal's share of the score.
//!
//! Scores, thresholds and contributions are `f64`: they are model arithmetic, never money.
#![allow(clippy::float_arithmetic)]

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FraudError;
use crate::signal::Signal;

/// What to do with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Go ahead.
    Approve,
    /// Hold for a person to look at.
    Review,
    /// Do not take the payment.
    Refuse,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Approve => "approve",
            Self::Review => "review",
            Self::Refuse => "refuse",
        })
    }
}

/// Where scores turn into outcomes: a score at or above `refuse` refuses, at or above `review`
/// reviews, anything lower approves. The scale is the scorer's (a probability for the learned
/// model, points for rules).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawThresholds")]
pub struct Thresholds {
    review: f64,
    refuse: f64,
}

#[derive(Deserialize)]
struct RawThresholds {
    review: f64,
    refuse: f64,
}

impl TryFrom<RawThresholds> for Thresholds {
    type Error = FraudError;
    fn try_from(raw: RawThresholds) -> Result<Self, FraudError> {
        Self::new(raw.review, raw.refuse)
    }
}

impl Thresholds {
    /// Thresholds with `review <= refuse`, both finite.
    pub fn new(review: f64, refuse: f64) -> Result<Self, FraudError> {
        if review.is_finite() && refuse.is_finite() && review <= refuse {
            Ok(Self { review, refuse })
        } else {
            Err(FraudError::InvalidThresholds { review, refuse })
        }
    }

    /// Thresholds written in this crate's code, known to be valid.
    pub(crate) const fn constant(review: f64, refuse: f64) -> Self {
        Self { review, refuse }
    }

    /// The score from which orders are reviewed.
    pub const fn review(&self) -> f64 {
        self.review
    }

    /// The score from which orders are refused.
    pub const fn refuse(&self) -> f64 {
        self.refuse
    }

    /// The outcome of a score.
    pub fn outcome(&self, score: f64) -> Outcome {
        if score >= self.refuse {
            Outcome::Refuse
        } else if score >= self.review {
            Outcome::Review
        } else {
            Outcome::Approve
        }
    }
}

/// One signal's share of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The signal.
    pub signal: Signal,
    /// Its value in natural units ([`Signal::natural_value`]): a count, an amount in minor
    /// units, a flag.
    pub value: f64,
    /// What it added to the score: log-odds for the learned model (coefficient times the
    /// standardised value), points for rules.
    pub contribution: f64,
    /// For rules: the rule that fired.
    pub rule: Option<RuleCondition>,
}

/// The condition of a rule that fired, as shown in an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// The natural value ([`Signal::natural_value`]) from which the rule fires.
    pub at_least: f64,
    /// Whether the rule fires on a customer's first order only.
    pub first_order_only: bool,
}

/// The score and how it is read. Externally tagged (`{"probability": {...}}`): an internally
/// tagged enum would buffer its numbers, which the workspace's `arbitrary_precision` JSON numbers
/// do not survive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    /// The learned model's probability of fraud.
    Probability {
        /// `1 / (1 + e^-log_odds)`, compared with the thresholds.
        probability: f64,
        /// The intercept plus every contribution.
        log_odds: f64,
        /// The model's intercept: the log-odds of an order whose every feature is at the
        /// training mean.
        intercept: f64,
    },
    /// The rules' sum of points, compared with the thresholds.
    Points {
        /// The sum of every fired rule's points.
        points: f64,
    },
}

impl Score {
    /// The number compared with the thresholds.
    pub const fn value(&self) -> f64 {
        match self {
            Self::Probability { probability, .. } => *probability,
            Self::Points { points } => *points,
        }
    }
}

/// Which scorer decided, and which version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorerId {
    /// The kind of scorer.
    pub kind: ScorerKind,
    /// The model's or rule set's version.
    pub version: String,
}

/// The kinds of scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScorerKind {
    /// The learned logistic model.
    Learned,
    /// The rules baseline.
    Rules,
}

/// One order's screening result: serialisable (stored with the order's effects, shown in the
/// console) and printable ([`fmt::Display`], for `payops fraud explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What to do.
    pub outcome: Outcome,
    /// The score the outcome came from.
    pub score: Score,
    /// The thresholds it was compared with.
    pub thresholds: Thresholds,
    /// Each signal's contribution, largest magnitude first.
    pub contributions: Vec<Contribution>,
    /// Who decided.
    pub scorer: ScorerId,
}

impl Decision {
    /// A decision from a score and its contributions, which it sorts by magnitude (ties by
    /// signal order, so a decision prints the same way every time).
    pub fn new(
        score: Score,
        thresholds: Thresholds,
        mut contributions: Vec<Contribution>,
        scorer: ScorerId,
    ) -> Self {
        contributions.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then(a.signal.cmp(&b.signal))
        });
        Self {
            outcome: thresholds.outcome(score.value()),
            score,
            thresholds,
            contributions,
            scorer,
        }
    }
}

/// Contributions smaller than this are left out of the printed explanation (they stay in the
/// data).
const NEGLIGIBLE: f64 = 0.005;

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.scorer.kind {
            ScorerKind::Learned => "learned model",
            ScorerKind::Rules => "rules",
        };
        let (score, unit) = match self.score {
            Score::Probability { probability, .. } => (format!("{probability:.3}"), "probability"),
            Score::Points { points } => (format!("{points:.0}"), "points"),
        };
        writeln!(
            f,
            "{}: {unit} {score} (review from {}, refuse from {}), {kind} {}",
            self.outcome, self.thresholds.review, self.thresholds.refuse, self.scorer.version
        )?;
        if let Score::Probability {
            intercept,
            log_odds,
            ..
        } = self.score
        {
            writeln!(
                f,
                "  log-odds {log_odds:+.3} = intercept {intercept:+.3} plus:"
            )?;
        }
        for c in self
            .contributions
            .iter()
            .filter(|c| c.contribution.abs() >= NEGLIGIBLE)
        {
            write!(
                f,
                "  {:+8.3}  {} = {}",
                c.contribution,
                c.signal,
                format_value(c.value)
            )?;
            if let Some(rule) = c.rule {
                write!(f, " (rule: at least {}", format_value(rule.at_least))?;
                if rule.first_order_only {
                    write!(f, ", first order")?;
                }
                write!(f, ")")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// A value as a person reads it: whole numbers without decimals.
fn format_value(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

use crate::gid::Gid;
use crate::serde_util::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// `RiskAssessmentResult`.
    pub enum RiskAssessmentResult {
        /// High risk.
        High = "HIGH",
        /// Medium risk.
        Medium = "MEDIUM",
        /// Low risk.
        Low = "LOW",
        /// No risk.
        None = "NONE",
        /// Assessment pending.
        Pending = "PENDING",
    }
}

string_enum! {
    /// `RiskFactSentiment`.
    pub enum RiskFactSentiment {
        /// Increases risk.
        Negative = "NEGATIVE",
        /// Neutral.
        Neutral = "NEUTRAL",
        /// Lowers risk.
        Positive = "POSITIVE",
    }
}

/// `OrderRiskSummary` (`Order.risk`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRiskSummary {
    /// `ACCEPT`, `INVESTIGATE`, `CANCEL` or `NONE`.
    #[serde(default)]
    pub recommendation: Option<String>,
    /// Assessments by Shopify and apps.
    #[serde(default)]
    pub assessments: Vec<OrderRiskAssessment>,
}

/// An `OrderRiskAssessment`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRiskAssessment {
    /// Risk level.
    pub risk_level: RiskAssessmentResult,
    /// Facts behind it.
    #[serde(default)]
    pub facts: Vec<RiskFact>,
    /// Provider app title (null for Shopify's own assessment).
    #[serde(default, deserialize_with = "provider_title")]
    pub provider: Option<String>,
}

fn provider_title<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct App {
        #[serde(default)]
        title: Option<String>,
    }
    Ok(Option::<App>::deserialize(d)?.and_then(|a| a.title))
}

/// A `RiskFact`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RiskFact {
    /// Description.
    pub description: String,
    /// Sentiment.
    pub sentiment: RiskFactSentiment,
}

/// `OrderRiskAssessmentFactInput`.
pub type RiskFactInput = RiskFact;

impl RiskFact {
    /// A fact (Shopify truncates descriptions to 256 characters).
    pub fn new(description: impl Into<String>, sentiment: RiskFactSentiment) -> Self {
        Self {
            description: description.into(),
            sentiment,
        }
    }
}

/// `OrderRiskAssessmentCreateInput` (up to 20 facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRiskAssessmentCreateInput {
    /// The order.
    pub order_id: Gid,
    /// Risk level.
    pub risk_level: RiskAssessmentResult,
    /// Facts.
    pub facts: Vec<RiskFactInput>,
}

impl OrderRiskAssessmentCreateInput {
    /// An assessment of an order.
    pub fn new(order_id: Gid, risk_level: RiskAssessmentResult, facts: Vec<RiskFactInput>) -> Self {
        Self {
            order_id,
            risk_level,
            facts,
        }
    }
}

//! The risk step before any money moves.

use async_trait::async_trait;
use mapping::Order;
use shopify::Gid;

use crate::StepError;
use crate::workflows::screening::Screened;

/// What the risk step decided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RiskDecision {
    /// Charge the order.
    Proceed,
    /// Do not charge; hold the order for a person to review.
    Hold {
        /// Why, shown on the order.
        reason: String,
    },
    /// Never charge: the order is tagged [`super::Config::refused_tag`] and noted.
    Refuse {
        /// Why, shown on the order.
        reason: String,
    },
}

/// What a gate decided, with the fraud screen's facts and decision when a scorer decided
/// (recorded under the order's key, see [`crate::workflows::screening::keep`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    /// What to do with the order.
    pub decision: RiskDecision,
    /// What the scorer saw and decided: score, outcome and each signal's contribution.
    pub screened: Option<Screened>,
}

/// The risk step before any money moves. The default follows Shopify's own recommendation;
/// [`super::FraudScreen`] scores the order with a [`fraud::Scorer`] (set by
/// [`super::ShopifyPaytrace::fraud_screen`]).
#[async_trait]
pub trait RiskGate: Send + Sync + 'static {
    /// Decides whether `order` (whose Shopify id is `order_id`) may be charged.
    async fn assess(&self, order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError>;

    /// [`RiskGate::assess`] with its explanation, which the order flow stores. `webhook` is the
    /// order's `orders/create` body when the flow has it, for what the canonical order does not
    /// carry (the customer's account, the items' categories). Gates without an explanation keep
    /// this default.
    async fn screen(
        &self,
        order: &Order,
        order_id: &Gid,
        webhook: Option<&shopify::rest::Order>,
    ) -> Result<Screening, StepError> {
        let _ = webhook;
        Ok(Screening {
            decision: self.assess(order, order_id).await?,
            screened: None,
        })
    }
}

/// Holds an order when Shopify's risk summary recommends cancelling it.
#[derive(Debug, Clone)]
pub struct ShopifyRecommendation {
    client: shopify::Client,
}

impl ShopifyRecommendation {
    /// Reads risk from `client`.
    pub fn new(client: shopify::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl RiskGate for ShopifyRecommendation {
    async fn assess(&self, _order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError> {
        let order = self.client.orders().get(order_id).await?;
        let recommendation = order.and_then(|o| o.risk).and_then(|r| r.recommendation);
        Ok(match recommendation.as_deref() {
            Some("CANCEL") => RiskDecision::Hold {
                reason: "Shopify recommends cancelling this order".to_owned(),
            },
            _ => RiskDecision::Proceed,
        })
    }
}

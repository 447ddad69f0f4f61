//! The risk step before any money moves.

use async_trait::async_trait;
use mapping::Order;
use shopify::Gid;

use crate::StepError;

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
}

/// The risk step before any money moves. The default follows Shopify's own recommendation; a
/// scoring model plugs in by implementing this.
#[async_trait]
pub trait RiskGate: Send + Sync + 'static {
    /// Decides whether `order` (whose Shopify id is `order_id`) may be charged.
    async fn assess(&self, order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError>;
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

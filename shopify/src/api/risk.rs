use super::{payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{OrderRiskAssessment, OrderRiskAssessmentCreateInput};
use crate::{Client, Error};
use serde_json::json;

/// Order risk assessment operations. Get one with [`Client::risk_assessments`].
/// Read assessments with [`crate::api::Orders::get`] (`Order::risk`).
#[derive(Debug, Clone, Copy)]
pub struct RiskAssessments<'a> {
    pub(crate) client: &'a Client,
}

/// `orderRiskAssessmentCreate`.
pub const ORDER_RISK_ASSESSMENT_CREATE: Operation<'static> = Operation {
    name: "orderRiskAssessmentCreate",
    document: "mutation orderRiskAssessmentCreate($input: OrderRiskAssessmentCreateInput!) { orderRiskAssessmentCreate(orderRiskAssessmentInput: $input) { orderRiskAssessment { riskLevel facts { description sentiment } } userErrors { field message code } } }",
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

payload!(RiskPayload { order_risk_assessment: Option<OrderRiskAssessment> });

impl RiskAssessments<'_> {
    /// `orderRiskAssessmentCreate`: records your fraud gate's verdict on an
    /// order (up to 20 facts). Shopify then sends `orders/risk_assessment_changed`.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::*;
    /// let input = OrderRiskAssessmentCreateInput::new(
    ///     shopify::Gid::new("Order", 1),
    ///     RiskAssessmentResult::Low,
    ///     vec![RiskFact::new("AVS and CVV match", RiskFactSentiment::Positive)],
    /// );
    /// client.risk_assessments().create(&input).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(
        &self,
        input: &OrderRiskAssessmentCreateInput,
    ) -> Result<OrderRiskAssessment, Error> {
        let p: RiskPayload = self
            .client
            .mutate(
                &ORDER_RISK_ASSESSMENT_CREATE,
                "orderRiskAssessmentCreate",
                &json!({ "input": input }),
            )
            .await?;
        required(
            p.order_risk_assessment,
            "data.orderRiskAssessmentCreate.orderRiskAssessment",
        )
    }
}

use crate::{assert_failure_modes, client, gql, ok, user_errors};
use serde_json::json;
use shopify::models::{
    OrderRiskAssessmentCreateInput, RiskAssessmentResult, RiskFact, RiskFactSentiment,
};
use shopify::{Error, Gid};
use wiremock::MockServer;

fn input() -> OrderRiskAssessmentCreateInput {
    OrderRiskAssessmentCreateInput::new(
        Gid::new("Order", 1),
        RiskAssessmentResult::High,
        vec![RiskFact::new("CVV mismatch", RiskFactSentiment::Negative)],
    )
}

fn vars() -> serde_json::Value {
    json!({"input": {"orderId": "gid://shopify/Order/1", "riskLevel": "HIGH",
                     "facts": [{"description": "CVV mismatch", "sentiment": "NEGATIVE"}]}})
}

#[tokio::test]
async fn create_assessment() {
    let server = MockServer::start().await;
    gql("orderRiskAssessmentCreate", vars())
        .respond_with(ok(
            json!({"orderRiskAssessmentCreate": {"orderRiskAssessment": {
            "riskLevel": "HIGH", "facts": [{"description": "CVV mismatch", "sentiment": "NEGATIVE"}]
        }, "userErrors": []}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let a = client(&server)
        .risk_assessments()
        .create(&input())
        .await
        .unwrap();
    assert_eq!(a.risk_level, RiskAssessmentResult::High);
    assert_eq!(a.facts[0].sentiment, RiskFactSentiment::Negative);
}

#[tokio::test]
async fn user_errors_and_failure_modes() {
    let server = MockServer::start().await;
    gql("orderRiskAssessmentCreate", vars())
        .respond_with(user_errors(
            "orderRiskAssessmentCreate",
            json!([{"field": ["orderRiskAssessmentInput", "facts"],
            "message": "Too many facts", "code": "TOO_MANY_FACTS"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).risk_assessments().create(&input()).await,
        Err(Error::UserErrors { .. })
    ));
    assert_failure_modes("orderRiskAssessmentCreate", vars(), false, |c| async move {
        c.risk_assessments().create(&input()).await
    })
    .await;
}

use stripe_client::{CreateRefund, CreateRefundReason, ListRefunds, RefundStatus};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

#[tokio::test]
async fn create_sends_amount_reason_and_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .and(StripeHeaders)
        .and(header("idempotency-key", "cm-77"))
        .and(crate::helpers::form(&[
            ("payment_intent", "pi_1"),
            ("amount", "500"),
            ("reason", "requested_by_customer"),
            ("metadata[credit_memo]", "77"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("refund")))
        .expect(1)
        .mount(&server)
        .await;
    let mut params = CreateRefund {
        payment_intent: Some("pi_1".into()),
        amount: Some(500),
        reason: Some(CreateRefundReason::RequestedByCustomer),
        ..Default::default()
    };
    params.metadata.insert("credit_memo".into(), "77".into());
    let refund = client(&server)
        .refunds()
        .idempotency_key("cm-77")
        .create(&params)
        .await
        .unwrap();
    assert_eq!(refund.status, Some(RefundStatus::Succeeded));
    assert_eq!(refund.amount, 100);
}

#[tokio::test]
async fn retrieve_and_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/refunds/re_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("refund")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/refunds"))
        .and(query(&[("charge", "ch_1")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/refunds",
            vec![fixture("refund")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let refund = c.refunds().retrieve("re_1").await.unwrap();
    assert_eq!(refund.charge.unwrap().id(), "ch_1NnlpSGPxmnHQRkJcYsK19E8");
    let page = c
        .refunds()
        .list(&ListRefunds {
            charge: Some("ch_1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("POST", "/v1/refunds", |c| c
    .refunds()
    .create(&stripe_client::CreateRefund::default()));

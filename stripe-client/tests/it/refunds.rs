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

#[tokio::test]
async fn null_metadata_reads_as_empty() {
    // The spec allows `metadata: null` on a refund; it used to fail the whole object.
    let server = MockServer::start().await;
    let mut refund = fixture("refund");
    refund["metadata"] = serde_json::Value::Null;
    Mock::given(method("GET"))
        .and(path("/v1/refunds/re_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund))
        .expect(1)
        .mount(&server)
        .await;
    let refund = client(&server).refunds().retrieve("re_1").await.unwrap();
    assert!(refund.metadata.is_empty());
    assert_eq!(refund.amount, 100);
}

#[tokio::test]
async fn a_bad_object_in_a_list_is_a_decode_error_with_its_full_path() {
    use futures::TryStreamExt;
    let server = MockServer::start().await;
    let mut bad = fixture("refund");
    bad["amount"] = serde_json::json!("lots");
    Mock::given(method("GET"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/refunds",
            vec![fixture("refund"), fixture("refund"), fixture("refund"), bad],
            false,
        )))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.refunds().list(&ListRefunds::default()).await.unwrap_err();
    assert!(
        matches!(&err, stripe_client::Error::Decode { path, .. } if path == "data[3].amount"),
        "{err:?}"
    );
    let err = c
        .refunds()
        .list_all(&ListRefunds::default())
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, stripe_client::Error::Decode { path, .. } if path == "data[3].amount"),
        "{err:?}"
    );
}

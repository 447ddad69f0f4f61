use stripe_client::{ListPayouts, PayoutStatus};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

#[tokio::test]
async fn retrieve_and_list_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payouts/po_1"))
        .and(StripeHeaders)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("payout")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/payouts"))
        .and(query(&[("status", "paid")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/payouts",
            vec![fixture("payout")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let payout = c.payouts().retrieve("po_1").await.unwrap();
    assert_eq!(payout.status, PayoutStatus::InTransit);
    assert_eq!(payout.amount, 1100);
    assert!(payout.automatic);
    let page = c
        .payouts()
        .list(&ListPayouts {
            status: Some(PayoutStatus::Paid),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("GET", "/v1/payouts/po_1", |c| c.payouts().retrieve("po_1"));

#[tokio::test]
async fn null_metadata_reads_as_empty() {
    // The spec allows `metadata: null` on a payout; it used to fail the whole object.
    let server = MockServer::start().await;
    let mut payout = fixture("payout");
    payout["metadata"] = serde_json::Value::Null;
    Mock::given(method("GET"))
        .and(path("/v1/payouts/po_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(payout))
        .expect(1)
        .mount(&server)
        .await;
    let payout = client(&server).payouts().retrieve("po_1").await.unwrap();
    assert!(payout.metadata.is_empty());
    assert_eq!(payout.amount, 1100);
}

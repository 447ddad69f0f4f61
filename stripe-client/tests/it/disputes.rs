use stripe_client::{
    DisputeReason, DisputeStatus, ListDisputes, UpdateDispute, UpdateDisputeEvidence,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

#[tokio::test]
async fn update_sends_nested_evidence_and_submit() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/disputes/dp_1"))
        .and(StripeHeaders)
        .and(HasIdempotencyKey)
        .and(form(&[
            ("evidence[shipping_carrier]", "UPS"),
            ("evidence[shipping_tracking_number]", "1Z999"),
            ("evidence[receipt]", "file_123"),
            ("submit", "true"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("dispute")))
        .expect(1)
        .mount(&server)
        .await;
    let dispute = client(&server)
        .disputes()
        .update(
            "dp_1",
            &UpdateDispute {
                evidence: Some(UpdateDisputeEvidence {
                    shipping_carrier: Some("UPS".into()),
                    shipping_tracking_number: Some("1Z999".into()),
                    receipt: Some("file_123".into()),
                    ..Default::default()
                }),
                submit: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(dispute.status, DisputeStatus::WarningNeedsResponse);
    assert_eq!(dispute.reason, DisputeReason::General);
    assert!(dispute.evidence_details.unwrap().due_by.is_some());
}

#[tokio::test]
async fn close_sends_an_empty_form() {
    let server = MockServer::start().await;
    let mut lost = fixture("dispute");
    lost["status"] = "lost".into();
    Mock::given(method("POST"))
        .and(path("/v1/disputes/dp_1/close"))
        .and(form(&[]))
        .and(HasIdempotencyKey)
        .respond_with(ResponseTemplate::new(200).set_body_json(lost))
        .expect(1)
        .mount(&server)
        .await;
    let dispute = client(&server).disputes().close("dp_1").await.unwrap();
    assert_eq!(dispute.status, DisputeStatus::Lost);
}

#[tokio::test]
async fn retrieve_and_list_by_charge() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/disputes/dp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("dispute")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/disputes"))
        .and(query(&[("charge", "ch_1")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/disputes",
            vec![fixture("dispute")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let d = c.disputes().retrieve("dp_1").await.unwrap();
    assert_eq!(d.amount, 1000);
    let page = c
        .disputes()
        .list(&ListDisputes {
            charge: Some("ch_1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data[0].charge.id(), "ch_1NnlpSGPxmnHQRkJcYsK19E8");
}

failure_cases!("POST", "/v1/disputes/dp_1/close", |c| c
    .disputes()
    .close("dp_1"));

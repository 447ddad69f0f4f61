use futures::TryStreamExt;
use serde_json::json;
use stripe_client::{ChargeStatus, ListCharges, PageParams, RiskLevel};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

#[tokio::test]
async fn retrieve_decodes_outcome_and_card_details() {
    let server = MockServer::start().await;
    let mut body = fixture("charge");
    body["outcome"] = json!({"network_status": "approved_by_network", "risk_level": "elevated",
        "risk_score": 65, "seller_message": "Payment complete.", "type": "authorized", "reason": null});
    Mock::given(method("GET"))
        .and(path("/v1/charges/ch_1"))
        .and(StripeHeaders)
        .and(query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let charge = client(&server).charges().retrieve("ch_1").await.unwrap();
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    let outcome = charge.outcome.unwrap();
    assert_eq!(outcome.risk_level, Some(RiskLevel::Elevated));
    assert_eq!(outcome.risk_score, Some(65));
    let card = charge.payment_method_details.unwrap().card.unwrap();
    assert_eq!(card.last4.as_deref(), Some("4242"));
    assert_eq!(
        charge.balance_transaction.unwrap().id(),
        "txn_1NnmMBGPxmnHQRkJNo4jmMSX"
    );
}

#[tokio::test]
async fn list_all_follows_starting_after_across_pages() {
    let server = MockServer::start().await;
    let charge = |id: &str| {
        let mut c = fixture("charge");
        c["id"] = json!(id);
        c
    };
    Mock::given(method("GET"))
        .and(path("/v1/charges"))
        .and(query(&[("payment_intent", "pi_1"), ("limit", "2")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/charges",
            vec![charge("ch_a"), charge("ch_b")],
            true,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/charges"))
        .and(query(&[
            ("payment_intent", "pi_1"),
            ("limit", "2"),
            ("starting_after", "ch_b"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/charges",
            vec![charge("ch_c")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let params = ListCharges {
        payment_intent: Some("pi_1".into()),
        page: PageParams {
            limit: Some(2),
            ..Default::default()
        },
        ..Default::default()
    };
    let ids: Vec<String> = client(&server)
        .charges()
        .list_all(&params)
        .unwrap()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["ch_a", "ch_b", "ch_c"]);
}

#[tokio::test]
async fn a_stream_stops_at_the_first_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/charges"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let results: Vec<_> = futures::StreamExt::collect(
        client(&server)
            .charges()
            .list_all(&ListCharges::default())
            .unwrap(),
    )
    .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
}

failure_cases!("GET", "/v1/charges/ch_1", |c| c.charges().retrieve("ch_1"));

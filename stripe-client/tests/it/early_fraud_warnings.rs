use stripe_client::{FraudType, ListEarlyFraudWarnings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

#[tokio::test]
async fn retrieve_and_list_by_charge() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/radar/early_fraud_warnings/issfr_1"))
        .and(StripeHeaders)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("radar.early_fraud_warning")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/radar/early_fraud_warnings"))
        .and(query(&[("charge", "ch_1234")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/radar/early_fraud_warnings",
            vec![fixture("radar.early_fraud_warning")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let w = c.early_fraud_warnings().retrieve("issfr_1").await.unwrap();
    assert!(w.actionable);
    assert_eq!(w.fraud_type, FraudType::Misc);
    assert_eq!(w.charge.id(), "ch_1234");
    let page = c
        .early_fraud_warnings()
        .list(&ListEarlyFraudWarnings {
            charge: Some("ch_1234".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("GET", "/v1/radar/early_fraud_warnings/issfr_1", |c| c
    .early_fraud_warnings()
    .retrieve("issfr_1"));

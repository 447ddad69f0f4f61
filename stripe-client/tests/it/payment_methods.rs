use stripe_client::ListPaymentMethods;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

#[tokio::test]
async fn attach_sends_the_customer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_methods/pm_1/attach"))
        .and(StripeHeaders)
        .and(HasIdempotencyKey)
        .and(form(&[("customer", "cus_1")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("payment_method")))
        .expect(1)
        .mount(&server)
        .await;
    let pm = client(&server)
        .payment_methods()
        .attach("pm_1", "cus_1")
        .await
        .unwrap();
    assert_eq!(pm.method_type, "card");
    assert_eq!(pm.card.unwrap().exp_year, Some(2024));
    assert_eq!(pm.metadata["order_id"], "123456789");
}

#[tokio::test]
async fn list_by_customer_and_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_methods"))
        .and(query(&[("customer", "cus_1"), ("type", "card")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/payment_methods",
            vec![fixture("payment_method")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .payment_methods()
        .list(&ListPaymentMethods {
            customer: Some("cus_1".into()),
            method_type: Some("card".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("POST", "/v1/payment_methods/pm_1/attach", |c| c
    .payment_methods()
    .attach("pm_1", "cus_1"));

#[tokio::test]
async fn null_metadata_reads_as_empty() {
    // The spec allows `metadata: null` on a payment method; it used to fail the whole list.
    let server = MockServer::start().await;
    let mut pm = fixture("payment_method");
    pm["metadata"] = serde_json::Value::Null;
    Mock::given(method("GET"))
        .and(path("/v1/payment_methods"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/payment_methods",
            vec![pm],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .payment_methods()
        .list(&ListPaymentMethods::default())
        .await
        .unwrap();
    assert!(page.data[0].metadata.is_empty());
    assert_eq!(page.data[0].method_type, "card");
}

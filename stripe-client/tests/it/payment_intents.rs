use serde_json::json;
use stripe_client::{
    CancelPaymentIntent, CancelPaymentIntentReason, CancellationReason, CapturePaymentIntent,
    ConfirmPaymentIntent, CreatePaymentIntent, ErrorType, ListPaymentIntents, PageParams,
    PaymentIntentShipping, PaymentIntentStatus, PaymentOutcome, RangeQuery, UpdatePaymentIntent,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

fn pi(status: &str) -> serde_json::Value {
    let mut v = fixture("payment_intent");
    v["status"] = json!(status);
    v
}

#[tokio::test]
async fn create_sends_nested_form_and_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .and(StripeHeaders)
        .and(header("idempotency-key", "magento/order/1001/payment"))
        .and(form(&[
            ("amount", "1099"),
            ("currency", "usd"),
            ("confirm", "true"),
            ("payment_method", "pm_card_visa"),
            ("metadata[order_id]", "1001"),
            ("allowed_payment_method_types[]", "card"),
            ("shipping[name]", "Jenny Rosen"),
            ("shipping[address][line1]", "1 Main St"),
            ("shipping[address][city]", "Paris"),
            ("expand[]", "latest_charge"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("succeeded")))
        .expect(1)
        .mount(&server)
        .await;

    let mut params = CreatePaymentIntent::new(1099, "USD");
    params.confirm = Some(true);
    params.payment_method = Some("pm_card_visa".into());
    params.metadata.insert("order_id".into(), "1001".into());
    params.allowed_payment_method_types = vec!["card".into()];
    params.shipping = Some(PaymentIntentShipping::new(
        "Jenny Rosen",
        stripe_client::Address {
            line1: Some("1 Main St".into()),
            city: Some("Paris".into()),
            ..Default::default()
        },
    ));
    let outcome = client(&server)
        .payment_intents()
        .idempotency_key("magento/order/1001/payment")
        .expand(["latest_charge"])
        .create(&params)
        .await
        .unwrap();
    let PaymentOutcome::Completed(pi) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(pi.status, PaymentIntentStatus::Succeeded);
    assert_eq!(pi.amount, 1099);
    assert_eq!(pi.currency.as_str(), "usd");
}

#[tokio::test]
async fn a_card_decline_is_data_not_an_error() {
    let server = MockServer::start().await;
    let mut body = json!({"error": {
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.", "charge": "ch_123",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "payment_intent": pi("requires_payment_method")
    }});
    body["error"]["payment_intent"]["id"] = json!("pi_declined");
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_123/confirm"))
        .and(form(&[(
            "payment_method",
            "pm_card_visa_chargeDeclinedInsufficientFunds",
        )]))
        .and(HasIdempotencyKey)
        .respond_with(
            ResponseTemplate::new(402)
                .insert_header("request-id", "req_decline")
                .set_body_json(body),
        )
        .expect(1)
        .mount(&server)
        .await;

    let outcome = client(&server)
        .payment_intents()
        .confirm(
            "pi_123",
            &ConfirmPaymentIntent {
                payment_method: Some("pm_card_visa_chargeDeclinedInsufficientFunds".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let decline = outcome.declined().unwrap();
    assert_eq!(decline.status, 402);
    assert_eq!(decline.request_id.as_deref(), Some("req_decline"));
    assert_eq!(decline.error.error_type, Some(ErrorType::CardError));
    assert_eq!(decline.error.code.as_deref(), Some("card_declined"));
    assert_eq!(
        decline.error.decline_code.as_deref(),
        Some("insufficient_funds")
    );
    assert_eq!(decline.error.charge.as_deref(), Some("ch_123"));
    assert_eq!(
        decline.error.payment_intent.as_ref().unwrap().id,
        "pi_declined"
    );
}

#[tokio::test]
async fn retrieve_with_expand_decodes_the_expanded_charge() {
    let server = MockServer::start().await;
    let mut body = pi("succeeded");
    body["latest_charge"] = fixture("charge");
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_123"))
        .and(StripeHeaders)
        .and(query(&[("expand[]", "latest_charge")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let pi = client(&server)
        .payment_intents()
        .expand(["latest_charge"])
        .retrieve("pi_123")
        .await
        .unwrap();
    let charge = pi.latest_charge.unwrap();
    assert_eq!(charge.id(), "ch_1NnlpSGPxmnHQRkJcYsK19E8");
    assert_eq!(charge.as_object().unwrap().amount, 100);
}

#[tokio::test]
async fn ids_are_percent_encoded_into_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_1%2F..%2Fcustomers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("succeeded")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .payment_intents()
        .retrieve("pi_1/../customers")
        .await
        .unwrap();
}

#[tokio::test]
async fn empty_and_dot_ids_are_refused_before_any_request() {
    let server = MockServer::start().await;
    for id in ["", ".", ".."] {
        let err = client(&server)
            .payment_intents()
            .retrieve(id)
            .await
            .unwrap_err();
        assert!(
            matches!(err, stripe_client::Error::Config(_)),
            "{id}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn update_sends_only_set_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_123"))
        .and(form(&[
            ("amount", "2000"),
            ("description", ""),
            ("metadata[erp_id]", "SO-9"),
        ]))
        .and(HasIdempotencyKey)
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("requires_payment_method")))
        .expect(1)
        .mount(&server)
        .await;
    let mut params = UpdatePaymentIntent {
        amount: Some(2000),
        description: Some(String::new()),
        ..Default::default()
    };
    params.metadata.insert("erp_id".into(), "SO-9".into());
    client(&server)
        .payment_intents()
        .update("pi_123", &params)
        .await
        .unwrap();
}

#[tokio::test]
async fn capture_sends_the_partial_amount() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_123/capture"))
        .and(form(&[("amount_to_capture", "750")]))
        .and(HasIdempotencyKey)
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("succeeded")))
        .expect(1)
        .mount(&server)
        .await;
    let pi = client(&server)
        .payment_intents()
        .capture(
            "pi_123",
            &CapturePaymentIntent {
                amount_to_capture: Some(750),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::Succeeded);
}

#[tokio::test]
async fn cancel_sends_the_reason() {
    let server = MockServer::start().await;
    let mut body = pi("canceled");
    body["cancellation_reason"] = json!("requested_by_customer");
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_123/cancel"))
        .and(form(&[("cancellation_reason", "requested_by_customer")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let pi = client(&server)
        .payment_intents()
        .cancel(
            "pi_123",
            &CancelPaymentIntent {
                cancellation_reason: Some(CancelPaymentIntentReason::RequestedByCustomer),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        pi.cancellation_reason,
        Some(CancellationReason::RequestedByCustomer)
    );
}

#[tokio::test]
async fn list_sends_filters_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents"))
        .and(query(&[
            ("customer", "cus_1"),
            ("created[gte]", "1700000000"),
            ("limit", "3"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/payment_intents",
            vec![pi("succeeded")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .payment_intents()
        .list(&ListPaymentIntents {
            customer: Some("cus_1".into()),
            created: Some(RangeQuery::since(
                time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            )),
            page: PageParams {
                limit: Some(3),
                ..Default::default()
            },
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert!(!page.has_more);
}

#[tokio::test]
async fn an_unknown_status_is_kept_not_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("requires_reauthorization")))
        .expect(1)
        .mount(&server)
        .await;
    let pi = client(&server)
        .payment_intents()
        .retrieve("pi_123")
        .await
        .unwrap();
    assert_eq!(
        pi.status,
        PaymentIntentStatus::Other("requires_reauthorization".into())
    );
}

#[tokio::test]
async fn client_secret_is_redacted_in_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pi("succeeded")))
        .expect(1)
        .mount(&server)
        .await;
    let pi = client(&server)
        .payment_intents()
        .retrieve("pi_123")
        .await
        .unwrap();
    let secret = pi
        .client_secret
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert!(secret.contains("_secret_"));
    assert!(!format!("{pi:?}").contains(&secret));
}

failure_cases!("POST", "/v1/payment_intents", |c| c
    .payment_intents()
    .create(&stripe_client::CreatePaymentIntent::new(1099, "usd")));

#[tokio::test]
async fn an_error_inside_an_expanded_object_names_its_full_path() {
    let server = MockServer::start().await;
    let mut body = pi("succeeded");
    body["latest_charge"] = fixture("charge");
    body["latest_charge"]["created"] = serde_json::json!("yesterday");
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .payment_intents()
        .retrieve("pi_123")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, stripe_client::Error::Decode { path, .. } if path == "latest_charge.created"),
        "{err:?}"
    );
}

//! `/v1/transactions/...`: approvals, declines, validation errors, 5xx, timeouts, malformed bodies.

use crate::*;
use paytrace::{
    Address, AvsResult, ByTransactionRequest, CaptureRequest, CreditCard, CscResult,
    CustomerRequest, Decimal, Error, ErrorCode, KeyedRequest, Outcome, ProtectRequest,
    ProtectToken, RefundRequest, RequestKind, ResponseCode, TransactionId,
};
use std::time::Duration;
use wiremock::MockServer;

/// The request of `keyed_sale_request.json`.
fn keyed_sale() -> KeyedRequest {
    let mut sale = KeyedRequest::new(
        Decimal::new(5188, 2),
        CreditCard::plain("4012000098765439", 12, 2026),
    );
    sale.billing_address = Some(Address {
        name: Some("Nathan Williams".into()),
        street_address: Some("1234 Main St.".into()),
        city: Some("Los Angeles".into()),
        state: Some("CA".into()),
        zip: Some("90210".into()),
        ..Address::default()
    });
    sale
}

fn keyed_sale_body() -> serde_json::Value {
    let mut body = fixture("keyed_sale_request.json");
    body.as_object_mut().unwrap().remove("integrator_id");
    body
}

#[tokio::test]
async fn keyed_sale_approved() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(reply(200, &fixture_text("keyed_sale_approved.json")))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server).sale_keyed(&keyed_sale()).await.unwrap();
    assert_eq!(r.outcome(), Outcome::Approved);
    assert_eq!(r.response_code, ResponseCode::Approved);
    assert_eq!(r.transaction_id, Some(TransactionId(125391271)));
    assert_eq!(r.approval_code.as_deref(), Some("TAS445"));
    assert_eq!(
        r.approval_message_trimmed(),
        Some("NO  MATCH - Approved and completed")
    );
    assert_eq!(r.avs_response.as_ref().unwrap().result, AvsResult::NoMatch);
    assert_eq!(
        r.csc_response.as_ref().unwrap().result,
        CscResult::NotReturned
    );
    assert_eq!(r.masked_card_number.as_deref(), Some("xxxxxxxxxxxx5439"));
    assert_eq!(r.external_transaction_id, None);
}

#[tokio::test]
async fn keyed_sale_decline_is_data_even_with_http_400() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(reply(400, &fixture_text("sale_declined.json")))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server).sale_keyed(&keyed_sale()).await.unwrap();
    assert_eq!(r.outcome(), Outcome::Declined);
    assert_eq!(r.response_code, ResponseCode::Declined);
    assert_eq!(r.approval_code, None);
    assert_eq!(r.approval_message_trimmed(), Some("DECLINE - Do not honor"));
}

#[tokio::test]
async fn keyed_authorization_declined_expired_card() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/authorization/keyed", keyed_sale_body())
        .respond_with(reply(200, &fixture_text("auth_declined_expired.json")))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server)
        .authorize_keyed(&keyed_sale())
        .await
        .unwrap();
    assert_eq!(r.outcome(), Outcome::Declined);
    assert_eq!(
        r.approval_message_trimmed(),
        Some("EXPIRED CARD - Expired card")
    );
}

#[tokio::test]
async fn keyed_sale_validation_errors_list_every_code() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(reply(400, &fixture_text("validation_multi.json")))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).sale_keyed(&keyed_sale()).await.unwrap_err();
    let Error::Validation(v) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        v.codes().collect::<Vec<_>>(),
        vec![ErrorCode::CARD_NUMBER, ErrorCode::EXPIRATION_MONTH]
    );
    assert_eq!(
        v.errors[&ErrorCode::CARD_NUMBER],
        vec!["Please provide a valid Credit Card Number.".to_owned()]
    );
}

#[tokio::test]
async fn unsafe_sale_is_not_retried_after_5xx() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).sale_keyed(&keyed_sale()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 503,
                kind: RequestKind::Transaction
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
}

#[tokio::test]
async fn unsafe_sale_times_out_once_and_is_ambiguous() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(
            reply(200, &fixture_text("keyed_sale_approved.json")).set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = impatient_client(&server)
        .sale_keyed(&keyed_sale())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, kind: RequestKind::Transaction } if path == "/v1/transactions/sale/keyed"),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
}

#[tokio::test]
async fn malformed_sale_body_is_a_decode_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(reply(200, r#"{"success": true, "response_code": "abc"}"#))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).sale_keyed(&keyed_sale()).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "response_code"),
        "{err:?}"
    );
}

#[tokio::test]
async fn truncated_sale_body_is_a_decode_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(reply(200, r#"{"success": true, "respon"#))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).sale_keyed(&keyed_sale()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn rate_limit_is_its_own_error_and_unsafe_calls_are_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", keyed_sale_body())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).sale_keyed(&keyed_sale()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)),
        "{err:?}"
    );
}

#[tokio::test]
async fn encrypted_card_and_csc_fields() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/sale/keyed",
        json(r#"{"amount": 1.00, "credit_card": {"encrypted_number": "ENC-NUM==", "expiration_month": "12",
                 "expiration_year": "2030"}, "encrypted_csc": "ENC-CSC==", "invoice_id": "inv-9"}"#),
    )
    .respond_with(reply(200, &fixture_text("keyed_sale_approved.json")))
    .expect(1)
    .mount(&server)
    .await;

    let mut sale = KeyedRequest::new(Decimal::ONE, CreditCard::encrypted("ENC-NUM==", 12, 2030));
    sale.csc = Some(paytrace::CscField::Encrypted(
        paytrace::EncryptedValue::new("ENC-CSC=="),
    ));
    sale.details.invoice_id = Some("inv-9".into());
    let r = client(&server).sale_keyed(&sale).await.unwrap();
    assert_eq!(r.outcome(), Outcome::Approved);
}

#[tokio::test]
async fn sale_and_authorization_by_customer() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in [
        "/v1/transactions/sale/by_customer",
        "/v1/transactions/authorization/by_customer",
    ] {
        api_call(
            p,
            json(r#"{"customer_id": "1733439821", "amount": 19.99, "invoice_id": "inv-2"}"#),
        )
        .respond_with(reply(200, &fixture_text("sale_by_customer_ok.json")))
        .expect(1)
        .mount(&server)
        .await;
    }

    let client = client(&server);
    let mut req = CustomerRequest::new("1733439821", Decimal::new(1999, 2));
    req.details.invoice_id = Some("inv-2".into());
    let sale = client.sale_by_customer(&req).await.unwrap();
    assert_eq!(sale.transaction_id, Some(TransactionId(125391269)));
    assert_eq!(sale.masked_card_number, None);
    let auth = client.authorize_by_customer(&req).await.unwrap();
    assert_eq!(auth.outcome(), Outcome::Approved);
}

#[tokio::test]
async fn sale_and_authorization_by_transaction() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in [
        "/v1/transactions/sale/by_transaction",
        "/v1/transactions/authorization/by_transaction",
    ] {
        api_call(p, json(r#"{"transaction_id": 125391271, "amount": 5.00}"#))
            .respond_with(reply(200, &fixture_text("keyed_sale_approved.json")))
            .expect(1)
            .mount(&server)
            .await;
    }

    let client = client(&server);
    let req = ByTransactionRequest::new(TransactionId(125391271), Decimal::new(5, 0));
    assert_eq!(
        client.sale_by_transaction(&req).await.unwrap().outcome(),
        Outcome::Approved
    );
    assert_eq!(
        client
            .authorize_by_transaction(&req)
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
}

#[tokio::test]
async fn sale_and_authorization_from_protect_token() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in [
        "/v1/transactions/sale/pt_protect",
        "/v1/transactions/authorization/pt_protect",
    ] {
        api_call(
            p,
            json(
                r#"{"hpf_token": "hpf-1", "enc_key": "key-1", "amount": 25.50,
                     "billing_address": {"name": "Ann", "zip": "99201"}, "invoice_id": "inv-3"}"#,
            ),
        )
        .respond_with(reply(200, &fixture_text("keyed_sale_approved.json")))
        .expect(1)
        .mount(&server)
        .await;
    }

    let client = client(&server);
    let mut req = ProtectRequest::new(ProtectToken::new("hpf-1", "key-1"), Decimal::new(2550, 2));
    req.billing_address = Some(Address {
        name: Some("Ann".into()),
        zip: Some("99201".into()),
        ..Address::default()
    });
    req.details.invoice_id = Some("inv-3".into());
    assert_eq!(
        client.sale_protect(&req).await.unwrap().outcome(),
        Outcome::Approved
    );
    assert_eq!(
        client.authorize_protect(&req).await.unwrap().outcome(),
        Outcome::Approved
    );
}

#[tokio::test]
async fn capture_ok_and_invalid_transaction() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/authorization/capture",
        json(r#"{"transaction_id": 392442990}"#),
    )
    .respond_with(reply(200, &fixture_text("capture_ok.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/transactions/authorization/capture",
        json(r#"{"transaction_id": 1, "amount": 2.50}"#),
    )
    .respond_with(reply(400, &fixture_text("capture_error.json")))
    .expect(1)
    .mount(&server)
    .await;

    let client = client(&server);
    let ok = client
        .capture(&CaptureRequest {
            transaction_id: TransactionId(392442990),
            amount: None,
        })
        .await
        .unwrap();
    assert_eq!(ok.response_code, ResponseCode::Captured);
    assert_eq!(ok.outcome(), Outcome::Approved);

    let err = client
        .capture(&CaptureRequest {
            transaction_id: TransactionId(1),
            amount: Some(Decimal::new(250, 2)),
        })
        .await
        .unwrap_err();
    let Error::Validation(v) = err else {
        panic!("{err:?}")
    };
    assert!(v.contains(ErrorCode::TRANSACTION_ID));
    assert_eq!(v.response_code, Some(1));
}

#[tokio::test]
async fn void_ok_and_not_voided_is_data() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/void",
        json(r#"{"transaction_id": 395971574}"#),
    )
    .respond_with(reply(200, &fixture_text("void_ok.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call("/v1/transactions/void", json(r#"{"transaction_id": 7}"#))
        .respond_with(reply(200, r#"{"success":false,"response_code":110,"status_message":"Your transaction was not voided.","transaction_id":7}"#))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let ok = client.void(TransactionId(395971574)).await.unwrap();
    assert_eq!(ok.response_code, ResponseCode::Voided);
    let not = client.void(TransactionId(7)).await.unwrap();
    assert_eq!(not.outcome(), Outcome::NotCompleted);
    assert_eq!(not.response_code, ResponseCode::NotVoided);
}

#[tokio::test]
async fn refund_for_transaction_ok_unsettled_and_permission() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/refund/for_transaction",
        json(r#"{"transaction_id": 105968559, "amount": 5.00}"#),
    )
    .respond_with(reply(200, &fixture_text("refund_ok.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/transactions/refund/for_transaction",
        json(r#"{"transaction_id": 2}"#),
    )
    .respond_with(reply(400, &fixture_text("refund_error_unsettled.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/transactions/refund/for_transaction",
        json(r#"{"transaction_id": 3}"#),
    )
    .respond_with(reply(400, &fixture_text("refund_error_permission.json")))
    .expect(1)
    .mount(&server)
    .await;

    let client = client(&server);
    let ok = client
        .refund_transaction(&RefundRequest {
            transaction_id: TransactionId(105968559),
            amount: Some(Decimal::new(5, 0)),
        })
        .await
        .unwrap();
    assert_eq!(ok.response_code, ResponseCode::Refunded);

    let err = client
        .refund_transaction(&RefundRequest {
            transaction_id: TransactionId(2),
            amount: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::REFUND_UNSETTLED) && v.response_code.is_none()),
        "{err:?}"
    );

    let err = client
        .refund_transaction(&RefundRequest {
            transaction_id: TransactionId(3),
            amount: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::INSUFFICIENT_PERMISSIONS)),
        "{err:?}"
    );
}

#[tokio::test]
async fn refund_keyed_and_to_customer() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/refund/keyed", keyed_sale_body())
        .respond_with(reply(200, &fixture_text("refund_ok.json")))
        .expect(1)
        .mount(&server)
        .await;
    api_call(
        "/v1/transactions/refund/to_customer",
        json(r#"{"customer_id": "cust-1", "amount": 3.10}"#),
    )
    .respond_with(reply(200, &fixture_text("refund_ok.json")))
    .expect(1)
    .mount(&server)
    .await;

    let client = client(&server);
    assert_eq!(
        client
            .refund_keyed(&keyed_sale())
            .await
            .unwrap()
            .response_code,
        ResponseCode::Refunded
    );
    let to_customer = client
        .refund_to_customer(&CustomerRequest::new("cust-1", Decimal::new(310, 2)))
        .await
        .unwrap();
    assert_eq!(to_customer.transaction_id, Some(TransactionId(105968559)));
}

#[tokio::test]
async fn settle_now_ok_and_failure_is_api_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/settle", json("{}"))
        .respond_with(reply(
            200,
            r#"{"success":true,"response_code":175,"status_message":"The batch was settled."}"#,
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/settle", json("{}"))
        .respond_with(reply(
            400,
            r#"{"success":false,"response_code":999,"status_message":"Nothing to settle."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let ok = client.settle_now().await.unwrap();
    assert!(ok.success);
    assert_eq!(ok.response_code, ResponseCode::Other(175));
    let err = client.settle_now().await.unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 400, ref body } if body.response_code == Some(999) && body.success == Some(false)),
        "{err:?}"
    );
}

#[tokio::test]
async fn protect_client_key_is_safe_to_retry() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/payment_fields/token/create", json("{}"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/payment_fields/token/create", json("{}"))
        .respond_with(reply(200, r#"{"clientKey": "ck-123"}"#))
        .expect(1)
        .mount(&server)
        .await;

    let key = client(&server).create_protect_client_key().await.unwrap();
    assert_eq!(key.client_key, "ck-123");
}

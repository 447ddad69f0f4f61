//! `/v1/customer/...`: create, create from a Protect token, update with `new_id`, delete, export.

use crate::*;
use paytrace::{
    Address, CreateCustomerRequest, CreditCard, CustomerFromTransactionRequest, Error, ErrorCode,
    ExportCustomersRequest, ProtectCustomerRequest, ProtectToken, RequestKind, ResponseCode,
    TransactionId, UpdateCustomerRequest,
};
use std::time::Duration;
use wiremock::MockServer;

fn create_request() -> CreateCustomerRequest {
    let billing = Address {
        name: Some("Nathan Williams".into()),
        zip: Some("90210".into()),
        ..Address::default()
    };
    CreateCustomerRequest::new(
        "1733439821",
        CreditCard::plain("4012000098765439", 12, 2026),
        billing,
    )
}

const CREATE_BODY: &str = r#"{"customer_id": "1733439821",
    "credit_card": {"number": "4012000098765439", "expiration_month": "12", "expiration_year": "2026"},
    "billing_address": {"name": "Nathan Williams", "zip": "90210"}}"#;

#[tokio::test]
async fn create_customer_ok() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/customer/create", json(CREATE_BODY))
        .respond_with(reply(200, &fixture_text("customer_create_ok.json")))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server)
        .create_customer(&create_request())
        .await
        .unwrap();
    assert_eq!(r.response_code, ResponseCode::CustomerCreated);
    assert_eq!(r.customer_id.as_deref(), Some("1733439821"));
    assert_eq!(r.masked_card_number.as_deref(), Some("xxxxxxxxxxxx5439"));
}

#[tokio::test]
async fn create_customer_duplicate_id() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/customer/create", json(CREATE_BODY))
        .respond_with(reply(400, &fixture_text("customer_create_dup.json")))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .create_customer(&create_request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::CUSTOMER_ID_NOT_UNIQUE)),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_customer_is_not_retried_after_5xx_or_timeout() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/customer/create", json(CREATE_BODY))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/customer/create", json(CREATE_BODY))
        .respond_with(
            reply(200, &fixture_text("customer_create_ok.json")).set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = impatient_client(&server);
    let err = client.create_customer(&create_request()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 500,
                kind: RequestKind::VaultChange
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    let err = client.create_customer(&create_request()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: RequestKind::VaultChange,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
}

#[tokio::test]
async fn create_customer_malformed_body() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/customer/create", json(CREATE_BODY))
        .respond_with(reply(200, r#"{"success": "yes"}"#))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .create_customer(&create_request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "success"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_customer_from_protect_token() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/customer/pt_protect_create",
        json(
            r#"{"customer_id": "c-9", "hpf_token": "hpf-9", "enc_key": "key-9",
                 "billing_address": {"name": "Ann"}, "email": "ann@example.com"}"#,
        ),
    )
    .respond_with(reply(200, &fixture_text("customer_create_ok.json")))
    .expect(1)
    .mount(&server)
    .await;

    let mut req = ProtectCustomerRequest::new(
        "c-9",
        ProtectToken::new("hpf-9", "key-9"),
        Address {
            name: Some("Ann".into()),
            ..Address::default()
        },
    );
    req.contact.email = Some("ann@example.com".into());
    let r = client(&server).create_customer_protect(&req).await.unwrap();
    assert!(r.success);
}

#[tokio::test]
async fn update_customer_with_new_id() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/customer/update",
        json(
            r#"{"customer_id": "customer456", "new_id": "customer789",
                 "billing_address": {"name": "Kevin Smith", "zip": "85284"}}"#,
        ),
    )
    .respond_with(reply(200, &fixture_text("customer_update_ok.json")))
    .expect(1)
    .mount(&server)
    .await;

    let mut req = UpdateCustomerRequest::new("customer456");
    req.new_id = Some("customer789".into());
    req.billing_address = Some(Address {
        name: Some("Kevin Smith".into()),
        zip: Some("85284".into()),
        ..Address::default()
    });
    let r = client(&server).update_customer(&req).await.unwrap();
    assert_eq!(r.response_code, ResponseCode::CustomerUpdated);
}

#[tokio::test]
async fn delete_customer_ok_and_not_found() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // Constructed body: the delete response is not shown by any stored source.
    api_call("/v1/customer/delete", json(r#"{"customer_id": "customer456"}"#))
        .respond_with(reply(200, r#"{"success":true,"response_code":162,"status_message":"The customer profile for customer456 was successfully deleted."}"#))
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/customer/delete", json(r#"{"customer_id": "customerid123"}"#))
        .respond_with(reply(400, r#"{"success":false,"response_code":1,"status_message":"One or more errors has occurred.","errors":{"30":["Customer ID, customerid123, was not found or is incomplete."]}}"#))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let ok = client.delete_customer("customer456").await.unwrap();
    assert_eq!(ok.response_code, ResponseCode::Other(162));
    let err = client.delete_customer("customerid123").await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::CUSTOMER_NOT_FOUND)),
        "{err:?}"
    );
}

#[tokio::test]
async fn export_customers_and_retry_after_5xx() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/customer/export",
        json(r#"{"customer_id": "customer456"}"#),
    )
    .respond_with(ResponseTemplate::new(503))
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    // Constructed body: the v1 export response is not shown by any stored source.
    api_call("/v1/customer/export", json(r#"{"customer_id": "customer456"}"#))
        .respond_with(reply(
            200,
            r#"{"success":true,"response_code":1,"status_message":"Your request has been successfully completed.",
                "customers":[{"customer_id":"customer456","credit_card":{"masked_number":"xxxxxxxxxxxx1111","expiration_month":12,"expiration_year":2020},
                "billing_address":{"name":"Kevin Smith","zip":85284},"email":"","discretionary_data":{}}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let export = client(&server)
        .export_customers(&ExportCustomersRequest {
            customer_id: Some("customer456".into()),
            email: None,
        })
        .await
        .unwrap();
    let c = &export.customers[0];
    assert_eq!(c.customer_id.as_deref(), Some("customer456"));
    assert_eq!(
        c.credit_card.as_ref().unwrap().expiration_month.as_deref(),
        Some("12")
    );
    assert_eq!(
        c.billing_address.as_ref().unwrap().zip.as_deref(),
        Some("85284")
    );
    assert_eq!(c.email, None);
    assert!(c.other.contains_key("discretionary_data"));
}

#[tokio::test]
async fn export_customers_failure_is_an_api_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/customer/export", json("{}"))
        .respond_with(reply(
            200,
            r#"{"success":false,"response_code":999,"status_message":"No customers."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .export_customers(&ExportCustomersRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn create_customer_from_transaction() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // Request and response from help.paytrace.com/json-create-customer-tranxid.
    api_call(
        "/v1/customer/create_from_transaction",
        json(r#"{"customer_id": "customer789", "transaction_id": 79352347,
                 "billing_address": {"name": "Steve Smith", "zip": "85284"}}"#),
    )
    .respond_with(reply(
        200,
        r#"{"success": true, "response_code": 160, "status_message": "The customer profile for customer789/Steve Smith was successfully created.", "customer_id": "customer789"}"#,
    ))
    .expect(1)
    .mount(&server)
    .await;

    let mut req = CustomerFromTransactionRequest::new("customer789", TransactionId(79352347));
    req.billing_address = Some(Address {
        name: Some("Steve Smith".into()),
        zip: Some("85284".into()),
        ..Address::default()
    });
    let r = client(&server)
        .create_customer_from_transaction(&req)
        .await
        .unwrap();
    assert_eq!(r.response_code, ResponseCode::CustomerCreated);
    assert_eq!(r.customer_id.as_deref(), Some("customer789"));
    assert_eq!(r.masked_card_number, None);
}

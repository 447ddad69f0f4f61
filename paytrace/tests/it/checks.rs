//! `/v1/checks/...` (ACH).

use crate::*;
use paytrace::{
    Address, BankAccount, CheckAccountRequest, CheckCustomerRequest, CheckManageRequest,
    CheckTransactionId, Decimal, Error, ErrorCode, Outcome, RequestKind, ResponseCode,
};
use std::time::Duration;
use wiremock::MockServer;

fn account_request() -> CheckAccountRequest {
    let mut r = CheckAccountRequest::new(
        Decimal::new(1000, 2),
        BankAccount::new("123456789", "325070760"),
    );
    r.billing_address = Some(Address {
        name: Some("Jane Doe".into()),
        ..Address::default()
    });
    r
}

const ACCOUNT_BODY: &str = r#"{"amount": 10.00, "check": {"account_number": "123456789", "routing_number": "325070760"},
    "billing_address": {"name": "Jane Doe"}}"#;

#[tokio::test]
async fn sale_and_hold_by_account() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in ["/v1/checks/sale/by_account", "/v1/checks/hold/by_account"] {
        api_call(p, json(ACCOUNT_BODY))
            .respond_with(reply(200, &fixture_text("ach_sale_ok.json")))
            .expect(1)
            .mount(&server)
            .await;
    }

    let client = client(&server);
    let sale = client
        .check_sale_by_account(&account_request())
        .await
        .unwrap();
    assert_eq!(sale.outcome(), Outcome::Approved);
    assert_eq!(sale.response_code, ResponseCode::CheckProcessed);
    assert_eq!(sale.check_transaction_id, Some(CheckTransactionId(981619)));
    assert!(
        client
            .check_hold_by_account(&account_request())
            .await
            .unwrap()
            .success
    );
}

#[tokio::test]
async fn sale_and_hold_by_customer() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in ["/v1/checks/sale/by_customer", "/v1/checks/hold/by_customer"] {
        api_call(p, json(r#"{"customer_id": "cust-1", "amount": 7.25}"#))
            .respond_with(reply(200, &fixture_text("ach_sale_ok.json")))
            .expect(1)
            .mount(&server)
            .await;
    }

    let client = client(&server);
    let req = CheckCustomerRequest::new("cust-1", Decimal::new(725, 2));
    assert!(client.check_sale_by_customer(&req).await.unwrap().success);
    assert!(client.check_hold_by_customer(&req).await.unwrap().success);
}

#[tokio::test]
async fn not_processed_is_a_decline() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/checks/sale/by_account", json(ACCOUNT_BODY))
        .respond_with(reply(200, &fixture_text("ach_declined.json")))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server)
        .check_sale_by_account(&account_request())
        .await
        .unwrap();
    assert_eq!(r.outcome(), Outcome::Declined);
    assert_eq!(r.ach_code.as_deref(), Some("0"));
    assert_eq!(r.ach_message, None);
}

#[tokio::test]
async fn validation_errors_list_every_code() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/checks/sale/by_account", json(ACCOUNT_BODY))
        .respond_with(reply(400, &fixture_text("ach_validation.json")))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .check_sale_by_account(&account_request())
        .await
        .unwrap_err();
    let Error::Validation(v) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        v.codes().collect::<Vec<_>>(),
        vec![
            ErrorCode::CUSTOMER_NOT_FOUND,
            ErrorCode::ACCOUNT_NUMBER,
            ErrorCode::ROUTING_NUMBER
        ]
    );
    assert!(v.contains(ErrorCode::CUSTOMER_NOT_FOUND));
}

#[tokio::test]
async fn refund_fund_and_void() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/checks/refund/by_transaction",
        json(r#"{"check_transaction_id": 981619, "amount": 2.00}"#),
    )
    .respond_with(reply(200, &fixture_text("ach_refund_ok.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/checks/manage/fund",
        json(r#"{"check_transaction_id": 981619}"#),
    )
    .respond_with(reply(200, &fixture_text("ach_manage_ok.json")))
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/checks/manage/void",
        json(r#"{"check_transaction_id": 42}"#),
    )
    .respond_with(reply(400, &fixture_text("ach_not_found.json")))
    .expect(1)
    .mount(&server)
    .await;

    let client = client(&server);
    let id = CheckTransactionId(981619);
    let refund = client
        .check_refund(&CheckManageRequest {
            check_transaction_id: id,
            amount: Some(Decimal::new(2, 0)),
        })
        .await
        .unwrap();
    assert_eq!(refund.response_code, ResponseCode::CheckRefunded);
    let fund = client
        .check_fund(&CheckManageRequest {
            check_transaction_id: id,
            amount: None,
        })
        .await
        .unwrap();
    assert_eq!(fund.response_code, ResponseCode::CheckManaged);
    let err = client.check_void(CheckTransactionId(42)).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::CHECK_NOT_FOUND)),
        "{err:?}"
    );
}

#[tokio::test]
async fn checks_are_not_retried_and_malformed_bodies_fail() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/checks/sale/by_account", json(ACCOUNT_BODY))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/checks/sale/by_account", json(ACCOUNT_BODY))
        .respond_with(reply(200, "{}").set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/checks/sale/by_account", json(ACCOUNT_BODY))
        .respond_with(reply(
            200,
            r#"{"success":true,"response_code":120,"check_transaction_id":"abc"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = impatient_client(&server);
    let err = client
        .check_sale_by_account(&account_request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 500,
                kind: RequestKind::Transaction
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    let err = client
        .check_sale_by_account(&account_request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: RequestKind::Transaction,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    let err = client
        .check_sale_by_account(&account_request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "check_transaction_id"),
        "{err:?}"
    );
}

#[test]
fn account_number_is_redacted() {
    let debug = format!("{:?}", account_request());
    assert!(!debug.contains("123456789"), "{debug}");
}

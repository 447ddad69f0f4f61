//! `/oauth/token`: caching, refresh before expiry, one shared refresh, `invalid_token` retry, failures.

use crate::*;
use paytrace::{Error, ExportByIdRequest, RequestKind, TransactionId};
use serde_json::json;
use std::time::Duration;
use wiremock::MockServer;
use wiremock::matchers::header;

fn export_request() -> ExportByIdRequest {
    ExportByIdRequest {
        transaction_id: TransactionId(79388123),
        include_bin: None,
    }
}

fn mount_export(server_mock: wiremock::MockBuilder) -> wiremock::Mock {
    server_mock.respond_with(reply(200, &fixture_text("export_by_date_range.json")))
}

#[tokio::test]
async fn token_is_cached_across_calls() {
    let server = MockServer::start().await;
    mount_token(&server).await; // expect(1): the second call reuses the token
    mount_export(api_call(
        "/v1/transactions/export/by_id",
        json(r#"{"transaction_id": 79388123}"#),
    ))
    .expect(2)
    .mount(&server)
    .await;

    let client = client(&server);
    client.export_transaction(&export_request()).await.unwrap();
    client.export_transaction(&export_request()).await.unwrap();
}

#[tokio::test]
async fn token_is_refreshed_before_expiry() {
    let server = MockServer::start().await;
    // 60 s of life is inside the default 5 minute margin: every call needs a new token.
    token_mock(ResponseTemplate::new(200).set_body_json(json!({
        "access_token": TOKEN, "token_type": "Bearer", "expires_in": 60
    })))
    .expect(2)
    .mount(&server)
    .await;
    mount_export(api_call(
        "/v1/transactions/export/by_id",
        json(r#"{"transaction_id": 79388123}"#),
    ))
    .expect(2)
    .mount(&server)
    .await;

    let client = client(&server);
    client.export_transaction(&export_request()).await.unwrap();
    client.export_transaction(&export_request()).await.unwrap();
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let server = MockServer::start().await;
    token_mock(
        ResponseTemplate::new(200)
            .set_body_json(fixture("token_sandbox_2024.json"))
            .set_delay(Duration::from_millis(200)),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount_export(api_call(
        "/v1/transactions/export/by_id",
        json(r#"{"transaction_id": 79388123}"#),
    ))
    .expect(8)
    .mount(&server)
    .await;

    let client = client(&server);
    let calls = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.export_transaction(&export_request()).await })
    });
    for call in futures_join(calls).await {
        call.unwrap();
    }
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn invalid_token_refreshes_once_and_repeats_the_call() {
    let server = MockServer::start().await;
    token_mock(
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": "stale", "expires_in": 7200})),
    )
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    token_mock(ResponseTemplate::new(200).set_body_json(fixture("token_sandbox_2024.json")))
        .expect(1)
        .mount(&server)
        .await;
    any_call("/v1/transactions/void")
        .and(header("authorization", "Bearer stale"))
        .respond_with(reply(401, r#"{"error":"invalid_token","error_description":"The access token provided is invalid."}"#))
        .expect(1)
        .mount(&server)
        .await;
    api_call(
        "/v1/transactions/void",
        json(r#"{"transaction_id": 395971574}"#),
    )
    .respond_with(reply(200, &fixture_text("void_ok.json")))
    .expect(1)
    .mount(&server)
    .await;

    let r = client(&server)
        .void(TransactionId(395971574))
        .await
        .unwrap();
    assert!(r.success);
}

#[tokio::test]
async fn invalid_token_twice_is_an_auth_error() {
    let server = MockServer::start().await;
    token_mock(ResponseTemplate::new(200).set_body_json(fixture("token_sandbox_2024.json")))
        .expect(2)
        .mount(&server)
        .await;
    api_call("/v1/transactions/void", json(r#"{"transaction_id": 1}"#))
        .respond_with(reply(401, r#"{"error":"invalid_token","error_description":"The access token provided is invalid."}"#))
        .expect(2)
        .mount(&server)
        .await;

    let err = client(&server).void(TransactionId(1)).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth { ref error, .. } if error == "invalid_token"),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    // Constructed body: keys and message from activemerchant, `invalid_grant` per RFC 6749.
    token_mock(reply(
        400,
        r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}"#,
    ))
    .expect(1)
    .mount(&server)
    .await;
    any_call("/v1/transactions/void")
        .respond_with(reply(200, "{}"))
        .expect(0)
        .mount(&server)
        .await;

    let err = client(&server).void(TransactionId(1)).await.unwrap_err();
    match err {
        Error::Auth { error, description } => {
            assert_eq!(error, "invalid_grant");
            assert!(
                description
                    .unwrap()
                    .starts_with("The provided authorization grant is invalid")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn token_endpoint_5xx_is_retried() {
    let server = MockServer::start().await;
    token_mock(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/void",
        json(r#"{"transaction_id": 395971574}"#),
    )
    .respond_with(reply(200, &fixture_text("void_ok.json")))
    .expect(1)
    .mount(&server)
    .await;

    client(&server)
        .void(TransactionId(395971574))
        .await
        .unwrap();
}

#[tokio::test]
async fn token_timeout_is_not_ambiguous() {
    let server = MockServer::start().await;
    token_mock(
        ResponseTemplate::new(200)
            .set_body_json(fixture("token_sandbox_2024.json"))
            .set_delay(Duration::from_secs(2)),
    )
    .expect(1)
    .mount(&server)
    .await;
    any_call("/v1/transactions/void")
        .respond_with(reply(200, "{}"))
        .expect(0)
        .mount(&server)
        .await;

    let client = builder(&server)
        .timeout(Duration::from_millis(300))
        .retry(paytrace::RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client.void(TransactionId(1)).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, kind: RequestKind::Token } if path == "/oauth/token"),
        "{err:?}"
    );
    assert!(!err.is_ambiguous());
}

#[tokio::test]
async fn malformed_token_body_is_a_decode_error() {
    let server = MockServer::start().await;
    token_mock(reply(200, r#"{"token_type":"Bearer"}"#))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).void(TransactionId(1)).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "."),
        "{err:?}"
    );
}

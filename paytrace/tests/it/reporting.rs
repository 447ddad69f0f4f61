//! `/v1/transactions/export/...`: typed records, dates, retries of safe calls.

use crate::*;
use paytrace::{
    AvsResult, CscResult, Decimal, Error, ErrorCode, ExportByDateRangeRequest, ExportByIdRequest,
    RequestKind, SettlementStatus, TransactionId, TransactionType,
};
use std::time::Duration;
use time::macros::{date, datetime};
use wiremock::MockServer;

fn range() -> ExportByDateRangeRequest {
    ExportByDateRangeRequest::new(date!(2015 - 04 - 10), date!(2015 - 04 - 15))
}

const RANGE_BODY: &str = r#"{"start_date": "04/10/2015", "end_date": "04/15/2015"}"#;

#[tokio::test]
async fn export_by_date_range_parses_the_documented_record() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let export = client(&server).export_transactions(&range()).await.unwrap();
    assert!(export.success);
    let t = &export.transactions[0];
    assert_eq!(t.transaction_id, TransactionId(79388123));
    assert_eq!(t.transaction_type, Some(TransactionType::Sale));
    assert_eq!(t.amount, Decimal::new(110, 0));
    assert_eq!(t.tax_amount, Some(Decimal::new(810, 2)));
    assert_eq!(t.invoice_id.as_deref(), Some("inv1234"));
    assert_eq!(t.customer_id, None);
    assert_eq!(
        t.status_code,
        Some(SettlementStatus::Settled { batch_number: 571 })
    );
    assert_eq!(
        t.avs_response.as_ref().unwrap().result,
        AvsResult::FullExactMatch
    );
    assert_eq!(t.csc_response.as_ref().unwrap().result, CscResult::Match);
    assert_eq!(t.settled, Some(datetime!(2015-04-10 20:13:45)));
    let created = t.created.as_ref().unwrap();
    assert_eq!(created.at, Some(datetime!(2015-04-10 16:06:30)));
    assert_eq!(created.through.as_deref(), Some("API"));
    let card = t.credit_card.as_ref().unwrap();
    assert_eq!(card.masked_number.as_deref(), Some("************5454"));
    assert_eq!(card.expiration_year.as_deref(), Some("20"));
}

#[tokio::test]
async fn export_with_filters_and_no_results() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/export/by_date_range",
        json(r#"{"start_date": "04/10/2015", "end_date": "04/15/2015", "transaction_type": "SETTLED",
                 "customer_id": "c-1", "including_text": "PO123"}"#),
    )
    .respond_with(reply(200, r#"{"success":true,"response_code":1,"status_message":"Your request has been successfully completed."}"#))
    .expect(1)
    .mount(&server)
    .await;

    let mut req = range();
    req.transaction_type = Some(TransactionType::Settled);
    req.customer_id = Some("c-1".into());
    req.including_text = Some("PO123".into());
    let export = client(&server).export_transactions(&req).await.unwrap();
    assert!(export.transactions.is_empty());
}

#[tokio::test]
async fn export_by_id() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/export/by_id",
        json(r#"{"transaction_id": 79388123, "include_bin": true}"#),
    )
    .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
    .expect(1)
    .mount(&server)
    .await;

    let export = client(&server)
        .export_transaction(&ExportByIdRequest {
            transaction_id: TransactionId(79388123),
            include_bin: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(export.transactions.len(), 1);
}

#[tokio::test]
async fn export_by_id_unknown_transaction() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/transactions/export/by_id",
        json(r#"{"transaction_id": 1}"#),
    )
    .respond_with(reply(400, &fixture_text("capture_error.json")))
    .expect(1)
    .mount(&server)
    .await;

    let err = client(&server)
        .export_transaction(&ExportByIdRequest {
            transaction_id: TransactionId(1),
            include_bin: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::TRANSACTION_ID)),
        "{err:?}"
    );
}

#[tokio::test]
async fn safe_export_is_retried_after_5xx_and_timeout() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(
            reply(200, &fixture_text("export_by_date_range.json"))
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let export = impatient_client(&server)
        .export_transactions(&range())
        .await
        .unwrap();
    assert_eq!(export.transactions.len(), 1);
}

#[tokio::test]
async fn safe_export_gives_up_after_the_last_retry() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, "{}").set_delay(Duration::from_secs(2)))
        .expect(3) // first attempt + RetryConfig::standard()'s two retries
        .mount(&server)
        .await;

    let err = impatient_client(&server)
        .export_transactions(&range())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: RequestKind::Lookup,
                ..
            }
        ),
        "{err:?}"
    );
    // Issue 14: a lookup changes nothing, so its timeout is not an ambiguous outcome.
    assert!(!err.is_ambiguous());
}

#[tokio::test]
async fn a_servers_retry_after_is_obeyed_up_to_the_cap() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let started = std::time::Instant::now();
    client(&server).export_transactions(&range()).await.unwrap();
    let waited = started.elapsed();
    // The server's hour is cut to the configured cap, without jitter.
    assert!(waited >= FAST_BACKOFF_CAP, "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

/// Issue 14: exponent notation was read with `Decimal::from_scientific`, which rounds:
/// `1.99999999999999999999999999999e1` became an amount of 20.
#[tokio::test]
async fn an_amount_that_would_round_is_a_decode_error_naming_the_field() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let body = fixture_text("export_by_date_range.json").replace(
        r#""amount": 110,"#,
        r#""amount": 1.99999999999999999999999999999e1,"#,
    );
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &body))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .export_transactions(&range())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, message, .. }
            if path == "transactions[0].amount" && message.contains("not an exact decimal")),
        "{err:?}"
    );
}

#[tokio::test]
async fn rate_limited_export_waits_and_retries() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    client(&server).export_transactions(&range()).await.unwrap();
}

#[tokio::test]
async fn malformed_export_dates_are_decode_errors_with_a_path() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let body = fixture_text("export_by_date_range.json").replace("4/10/2015 8:13:45 PM", "soon");
    api_call("/v1/transactions/export/by_date_range", json(RANGE_BODY))
        .respond_with(reply(200, &body))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .export_transactions(&range())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "transactions[0].settled"),
        "{err:?}"
    );
}

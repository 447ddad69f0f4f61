//! The ambiguous-outcome resolver: a sale or authorization is looked up by `invoice_id` in the
//! default (approved) and the `DECLINED` date-range exports; a capture by the authorization's
//! id in the export by id.

use crate::*;
use paytrace::{Date, Error, ErrorCode, RequestKind, SaleLookup, SettlementStatus, TransactionId};
use std::time::{Duration, Instant};
use wiremock::MockServer;

const EXPORT: &str = "/v1/transactions/export/by_date_range";
const EXPORT_BY_ID: &str = "/v1/transactions/export/by_id";

fn sent_on() -> Date {
    time::macros::date!(2015 - 04 - 10)
}

/// The default export, from the day before to the day after.
const APPROVED_BODY: &str = r#"{"start_date": "04/09/2015", "end_date": "04/11/2015"}"#;
/// The same window, declines only.
const DECLINED_BODY: &str =
    r#"{"start_date": "04/09/2015", "end_date": "04/11/2015", "transaction_type": "DECLINED"}"#;

const EMPTY_EXPORT: &str = r#"{"success":true,"response_code":1,"status_message":"Your request has been successfully completed."}"#;

/// The documented export record (`inv1234`, approved sale 79388123).
fn approved_record() -> Value {
    fixture("export_by_date_range.json")["transactions"][0].clone()
}

/// A constructed decline of the same shape: no approval code, status `N` (the documented
/// code for voided, declined or authorization only).
fn declined_record(id: u64, invoice: &str) -> Value {
    let mut record = approved_record();
    record["transaction_id"] = serde_json::json!(id);
    record["invoice_id"] = serde_json::json!(invoice);
    record["approval_code"] = serde_json::json!("");
    record["approval_message"] = serde_json::json!("    DECLINE - Do not honor");
    record["status_code"] = serde_json::json!("N");
    record["status_message"] = serde_json::json!("DECLINED");
    record["settled"] = serde_json::json!("");
    record
}

fn export_of(records: Vec<Value>) -> ResponseTemplate {
    let mut export = fixture("export_by_date_range.json");
    export["transactions"] = Value::Array(records);
    ResponseTemplate::new(200).set_body_json(export)
}

/// Mounts both exports, each expected exactly once with its exact body.
async fn mount_exports(
    server: &MockServer,
    approved: ResponseTemplate,
    declined: ResponseTemplate,
) {
    api_call(EXPORT, json(APPROVED_BODY))
        .respond_with(approved)
        .expect(1)
        .mount(server)
        .await;
    api_call(EXPORT, json(DECLINED_BODY))
        .respond_with(declined)
        .expect(1)
        .mount(server)
        .await;
}

async fn lookup(server: &MockServer, invoice: &str) -> paytrace::Result<SaleLookup> {
    client(server)
        .find_sale_by_invoice(invoice, sent_on())
        .await
}

#[tokio::test]
async fn an_approved_sale_is_found_in_the_default_export() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_exports(
        &server,
        reply(200, &fixture_text("export_by_date_range.json")),
        reply(200, EMPTY_EXPORT),
    )
    .await;

    match lookup(&server, "inv1234").await.unwrap() {
        SaleLookup::Approved(t) => {
            assert_eq!(t.transaction_id, TransactionId(79388123));
            assert_eq!(t.approval_code.as_deref(), Some("VTLMC1"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_declined_sale_is_found_in_the_declined_export() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_exports(
        &server,
        // Another order's approved sale the same day must not be mistaken for this one.
        reply(200, &fixture_text("export_by_date_range.json")),
        export_of(vec![declined_record(392501201, "inv-declined")]),
    )
    .await;

    match lookup(&server, "inv-declined").await.unwrap() {
        SaleLookup::Declined(t) => {
            assert_eq!(t.transaction_id, TransactionId(392501201));
            assert_eq!(t.approval_code, None);
            assert_eq!(t.status_code, Some(SettlementStatus::NotSettling));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_authorization_is_found_like_a_sale() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let mut auth = approved_record();
    auth["transaction_type"] = serde_json::json!("AUTHORIZATION");
    auth["status_code"] = serde_json::json!("N");
    mount_exports(&server, export_of(vec![auth]), reply(200, EMPTY_EXPORT)).await;

    match lookup(&server, "inv1234").await.unwrap() {
        SaleLookup::Approved(t) => assert_eq!(
            t.transaction_type,
            Some(paytrace::TransactionType::Authorization)
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn not_found_when_neither_export_lists_the_invoice() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_exports(
        &server,
        reply(200, &fixture_text("export_by_date_range.json")),
        export_of(vec![declined_record(392501201, "inv-other")]),
    )
    .await;

    assert_eq!(
        lookup(&server, "inv9999").await.unwrap(),
        SaleLookup::NotFound
    );
}

#[tokio::test]
async fn one_approved_and_one_declined_are_multiple() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_exports(
        &server,
        reply(200, &fixture_text("export_by_date_range.json")),
        export_of(vec![declined_record(392501201, "inv1234")]),
    )
    .await;

    match lookup(&server, "inv1234").await.unwrap() {
        SaleLookup::Multiple(ts) => {
            let ids: Vec<_> = ts.iter().map(|t| t.transaction_id.0).collect();
            // Approved first, then declined.
            assert_eq!(ids, vec![79388123, 392501201]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn approved_duplicates_are_reported_and_refunds_and_voids_ignored() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let record = approved_record();
    let mut duplicate = record.clone();
    duplicate["transaction_id"] = serde_json::json!(79388124);
    let mut refund = record.clone();
    refund["transaction_id"] = serde_json::json!(79388125);
    refund["transaction_type"] = serde_json::json!("REFUND");
    let mut void = declined_record(79388126, "inv1234");
    void["transaction_type"] = serde_json::json!("VOID");
    mount_exports(
        &server,
        export_of(vec![record, duplicate, refund]),
        export_of(vec![void]),
    )
    .await;

    match lookup(&server, "inv1234").await.unwrap() {
        SaleLookup::Multiple(ts) => {
            let ids: Vec<_> = ts.iter().map(|t| t.transaction_id.0).collect();
            assert_eq!(ids, vec![79388123, 79388124]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_record_listed_by_both_exports_counts_once_as_declined() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let decline = declined_record(392501201, "inv-both");
    mount_exports(
        &server,
        export_of(vec![decline.clone()]),
        export_of(vec![decline]),
    )
    .await;

    match lookup(&server, "inv-both").await.unwrap() {
        SaleLookup::Declined(t) => assert_eq!(t.transaction_id, TransactionId(392501201)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_failing_default_export_is_an_error_not_not_found() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(EXPORT, json(APPROVED_BODY))
        .respond_with(ResponseTemplate::new(500))
        .expect(3) // first attempt + RetryConfig::standard()'s two retries
        .mount(&server)
        .await;
    api_call(EXPORT, json(DECLINED_BODY))
        .respond_with(reply(200, EMPTY_EXPORT))
        .expect(..=1)
        .mount(&server)
        .await;

    let err = lookup(&server, "inv1234").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 500,
                kind: RequestKind::Lookup
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_ambiguous(), "a lookup changes nothing");
}

#[tokio::test]
async fn a_failing_declined_export_is_an_error_not_not_found() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(EXPORT, json(APPROVED_BODY))
        .respond_with(reply(200, EMPTY_EXPORT))
        .expect(..=1)
        .mount(&server)
        .await;
    api_call(EXPORT, json(DECLINED_BODY))
        .respond_with(reply(
            400,
            r#"{"success":false,"response_code":1,"status_message":"One or more errors has occurred.","errors":{"981":["Insufficient permissions."]}}"#,
        ))
        .expect(1) // a validation error is not retried
        .mount(&server)
        .await;

    let err = lookup(&server, "inv1234").await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::INSUFFICIENT_PERMISSIONS)),
        "{err:?}"
    );
}

#[tokio::test]
async fn both_exports_are_requested_concurrently() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let delay = Duration::from_millis(800);
    mount_exports(
        &server,
        reply(200, EMPTY_EXPORT).set_delay(delay),
        reply(200, EMPTY_EXPORT).set_delay(delay),
    )
    .await;

    let client = client(&server);
    // Fetch the token first, so that only the exports are timed.
    client.find_transaction(TransactionId(1)).await.ok();
    let started = Instant::now();
    assert_eq!(
        client
            .find_sale_by_invoice("inv1234", sent_on())
            .await
            .unwrap(),
        SaleLookup::NotFound
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < delay * 2,
        "the exports ran one after the other: {elapsed:?}"
    );
}

#[tokio::test]
async fn find_transaction_returns_the_record_asked_for() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(EXPORT_BY_ID, json(r#"{"transaction_id": 79388123}"#))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let record = client(&server)
        .find_transaction(TransactionId(79388123))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.transaction_id, TransactionId(79388123));
    assert_eq!(
        record.status_code,
        Some(SettlementStatus::Settled { batch_number: 571 })
    );
}

#[tokio::test]
async fn find_transaction_of_an_unknown_id_is_none() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // Error 58, as PayTrace answers a capture of an unknown id.
    api_call(EXPORT_BY_ID, json(r#"{"transaction_id": 1}"#))
        .respond_with(reply(400, &fixture_text("capture_error.json")))
        .expect(1)
        .mount(&server)
        .await;
    // An export that lists another transaction does not answer for this one either.
    api_call(EXPORT_BY_ID, json(r#"{"transaction_id": 2}"#))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    assert_eq!(
        client.find_transaction(TransactionId(1)).await.unwrap(),
        None
    );
    assert_eq!(
        client.find_transaction(TransactionId(2)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn find_transaction_failure_is_an_error_not_none() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(EXPORT_BY_ID, json(r#"{"transaction_id": 79388123}"#))
        .respond_with(reply(
            400,
            r#"{"success":false,"response_code":1,"status_message":"One or more errors has occurred.","errors":{"981":["Insufficient permissions."]}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .find_transaction(TransactionId(79388123))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::INSUFFICIENT_PERMISSIONS)),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_client_reports_its_configured_timeout() {
    let server = MockServer::start().await;
    assert_eq!(client(&server).timeout(), Duration::from_secs(5));
    assert_eq!(
        impatient_client(&server).timeout(),
        Duration::from_millis(300)
    );
}

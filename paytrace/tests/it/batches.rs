//! `/v1/batches/...`. The batch summary bodies are constructed: no stored source shows them.

use crate::*;
use paytrace::{Error, SettlementStatus};
use std::time::Duration;
use time::macros::date;
use wiremock::MockServer;

const ONE_BATCH: &str = r#"{"success":true,"response_code":1,"status_message":"Your request has been successfully completed.",
    "batch":{"number":571,"transaction_count":2,"net_amount":118.10}}"#;

#[tokio::test]
async fn export_latest_and_numbered_batch() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/batches/export_one", json("{}"))
        .respond_with(reply(200, ONE_BATCH))
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/batches/export_one", json(r#"{"batch_number": 571}"#))
        .respond_with(reply(200, ONE_BATCH))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let latest = client.export_batch(None).await.unwrap();
    let batch = latest.batch.unwrap();
    assert_eq!(batch.number, Some(571));
    assert_eq!(batch.other["net_amount"].to_string(), "118.10");
    assert!(
        client
            .export_batch(Some(571))
            .await
            .unwrap()
            .batch
            .is_some()
    );
}

#[tokio::test]
async fn export_batches_by_date() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/batches/export", json(r#"{"start_date": "12/01/2024", "end_date": "12/07/2024"}"#))
        .respond_with(reply(
            200,
            r#"{"success":true,"response_code":1,"status_message":"ok","batches":[{"number":"571"},{"number":572}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let export = client(&server)
        .export_batches(date!(2024 - 12 - 01), date!(2024 - 12 - 07))
        .await
        .unwrap();
    let numbers: Vec<_> = export.batches.iter().map(|b| b.number).collect();
    assert_eq!(numbers, vec![Some(571), Some(572)]);
}

#[tokio::test]
async fn batch_transactions_use_export_records() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call(
        "/v1/batches/transaction_list",
        json(r#"{"batch_number": 571}"#),
    )
    .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
    .expect(1)
    .mount(&server)
    .await;

    let export = client(&server).batch_transactions(571).await.unwrap();
    assert_eq!(
        export.transactions[0].status_code,
        Some(SettlementStatus::Settled { batch_number: 571 })
    );
}

#[tokio::test]
async fn batch_errors_5xx_retry_timeout_and_malformed() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/batches/transaction_list", json(r#"{"batch_number": 1}"#))
        .respond_with(reply(400, r#"{"success":false,"response_code":1,"status_message":"One or more errors has occurred.","errors":{"58":["Please provide a valid Batch Number."]}}"#))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call(
        "/v1/batches/transaction_list",
        json(r#"{"batch_number": 1}"#),
    )
    .respond_with(ResponseTemplate::new(500))
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/batches/transaction_list",
        json(r#"{"batch_number": 1}"#),
    )
    .respond_with(reply(
        200,
        r#"{"success":true,"response_code":1,"transactions":{}}"#,
    ))
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    api_call(
        "/v1/batches/transaction_list",
        json(r#"{"batch_number": 1}"#),
    )
    .respond_with(reply(200, "{}").set_delay(Duration::from_secs(2)))
    .expect(2) // the timeout is retried once (max_retries = 1)
    .mount(&server)
    .await;

    let client = builder(&server)
        .timeout(Duration::from_millis(300))
        .retry(
            paytrace::RetryConfig::standard()
                .with_max_retries(1)
                .with_backoff(FAST_BACKOFF, FAST_BACKOFF_CAP),
        )
        .build()
        .unwrap();
    let err = client.batch_transactions(1).await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    // 500 then the malformed body: the 5xx was retried, the decode error is final.
    let err = client.batch_transactions(1).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "transactions"),
        "{err:?}"
    );
    let err = client.batch_transactions(1).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

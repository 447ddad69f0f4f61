//! The ambiguous-outcome resolver: a sale is looked up by `invoice_id` in the date-range export.

use crate::*;
use paytrace::{Error, NaiveDate, SaleLookup, TransactionId};
use wiremock::MockServer;

fn sent_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 4, 10).unwrap()
}

/// The resolver searches the day before and the day after.
const BODY: &str = r#"{"start_date": "04/09/2015", "end_date": "04/11/2015"}"#;

#[tokio::test]
async fn found_by_invoice() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    match client(&server)
        .find_sale_by_invoice("inv1234", sent_on())
        .await
        .unwrap()
    {
        SaleLookup::Found(t) => assert_eq!(t.transaction_id, TransactionId(79388123)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn not_found_for_another_invoice() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(BODY))
        .respond_with(reply(200, &fixture_text("export_by_date_range.json")))
        .expect(1)
        .mount(&server)
        .await;

    let lookup = client(&server)
        .find_sale_by_invoice("inv9999", sent_on())
        .await
        .unwrap();
    assert_eq!(lookup, SaleLookup::NotFound);
}

#[tokio::test]
async fn duplicates_are_reported_and_refunds_ignored() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let mut export = fixture("export_by_date_range.json");
    let record = export["transactions"][0].clone();
    let mut duplicate = record.clone();
    duplicate["transaction_id"] = serde_json::json!(79388124);
    let mut refund = record.clone();
    refund["transaction_id"] = serde_json::json!(79388125);
    refund["transaction_type"] = serde_json::json!("REFUND");
    export["transactions"] = serde_json::json!([record, duplicate, refund]);
    api_call("/v1/transactions/export/by_date_range", json(BODY))
        .respond_with(ResponseTemplate::new(200).set_body_json(export))
        .expect(1)
        .mount(&server)
        .await;

    match client(&server)
        .find_sale_by_invoice("inv1234", sent_on())
        .await
        .unwrap()
    {
        SaleLookup::Multiple(ts) => {
            let ids: Vec<_> = ts.iter().map(|t| t.transaction_id.0).collect();
            assert_eq!(ids, vec![79388123, 79388124]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn lookup_failure_is_an_error_not_not_found() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/export/by_date_range", json(BODY))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;

    let err = client(&server)
        .find_sale_by_invoice("inv1234", sent_on())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 500 }), "{err:?}");
}

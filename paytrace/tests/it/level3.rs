//! `/v1/level_three/{visa,mastercard}`.

use crate::*;
use paytrace::{
    Decimal, Error, ErrorCode, Level3LineItem, Level3Network, Level3Request, Level3ShippingAddress,
    Level3SourceAddress, RequestKind, ResponseCode, TransactionId,
};
use std::time::Duration;
use wiremock::MockServer;

fn request() -> Level3Request {
    let mut r = Level3Request::new(TransactionId(392483066));
    r.invoice_id = Some("1234567".into());
    r.tax_amount = Some(Decimal::new(499, 2));
    r.national_tax_amount = Some(Decimal::new(172, 2));
    r.freight_amount = Some(Decimal::new(75, 2));
    r.source_address = Some(Level3SourceAddress {
        zip: Some("94947".into()),
    });
    r.shipping_address = Some(Level3ShippingAddress {
        zip: Some("94948".into()),
        country: Some("US".into()),
    });
    r.additional_tax_rate = Some(Decimal::new(1, 2));
    r.line_items.push(Level3LineItem {
        product_id: Some("E123125".into()),
        description: Some("Widget".into()),
        quantity: Some(Decimal::new(15, 1)),
        unit_cost: Some(Decimal::new(2, 0)),
        amount: Some(Decimal::new(3, 0)),
        ..Level3LineItem::default()
    });
    r
}

const BODY: &str = r#"{"transaction_id": 392483066, "invoice_id": "1234567", "tax_amount": 4.99,
    "national_tax_amount": 1.72, "freight_amount": 0.75, "source_address": {"zip": "94947"},
    "shipping_address": {"zip": "94948", "country": "US"}, "additional_tax_rate": 0.01,
    "line_items": [{"product_id": "E123125", "description": "Widget", "quantity": 1.5,
                    "unit_cost": 2.00, "amount": 3.00}]}"#;

#[tokio::test]
async fn visa_and_mastercard_level3_ok() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for p in ["/v1/level_three/visa", "/v1/level_three/mastercard"] {
        api_call(p, json(BODY))
            .respond_with(reply(200, &fixture_text("level3_ok.json")))
            .expect(1)
            .mount(&server)
            .await;
    }

    let client = client(&server);
    for network in [Level3Network::Visa, Level3Network::Mastercard] {
        let r = client.add_level3(network, &request()).await.unwrap();
        assert_eq!(r.response_code, ResponseCode::Level3Added);
    }
}

#[tokio::test]
async fn level3_invalid_transaction() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/level_three/visa", json(BODY))
        .respond_with(reply(400, &fixture_text("capture_error.json")))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .add_level3(Level3Network::Visa, &request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.contains(ErrorCode::TRANSACTION_ID)),
        "{err:?}"
    );
}

#[tokio::test]
async fn level3_5xx_timeout_and_malformed_are_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/level_three/visa", json(BODY))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/level_three/visa", json(BODY))
        .respond_with(reply(200, "not json").set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/level_three/visa", json(BODY))
        .respond_with(reply(200, "not json"))
        .expect(1)
        .mount(&server)
        .await;

    let client = impatient_client(&server);
    let err = client
        .add_level3(Level3Network::Visa, &request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 500,
                kind: RequestKind::Level3
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    let err = client
        .add_level3(Level3Network::Visa, &request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: RequestKind::Level3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    let err = client
        .add_level3(Level3Network::Visa, &request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

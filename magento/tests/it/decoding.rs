//! What a 2xx body may not carry: a value that would be rounded, a malformed timestamp. Each is
//! refused as [`Error::Decode`] with the full JSON path of the field.

use std::str::FromStr;

use magento::{Error, SearchCriteria};
use rust_decimal::Decimal;
use serde_json::json;
use time::macros::datetime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, rest};

/// A server answering `GET route` with `body` (raw, so numbers keep their text).
async fn answering(route: &str, body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest(route)))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn decode_path(err: &Error) -> &str {
    match err {
        Error::Decode { path, .. } => path,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn decode_errors_carry_the_full_json_path() {
    let page = json!({"items": [
        {"entity_id": 1},
        {"entity_id": 2},
        {"entity_id": 3, "items": [{"sku": "a", "price": 5}, {"sku": "b", "price": "five"}]},
    ], "total_count": 3});
    let server = answering("/orders", page.to_string()).await;
    let err = client(&server)
        .orders()
        .search(&SearchCriteria::new())
        .await
        .unwrap_err();
    assert_eq!(decode_path(&err), "items[2].items[1].price");

    let order = json!({"entity_id": 3, "extension_attributes": {"shipping_assignments": [
        {"shipping": {"address": {"street": 5}}}
    ]}});
    let server = answering("/orders/3", order.to_string()).await;
    let err = client(&server).orders().get(3).await.unwrap_err();
    assert_eq!(
        decode_path(&err),
        "extension_attributes.shipping_assignments[0].shipping.address.street"
    );
    assert!(
        err.to_string()
            .contains("extension_attributes.shipping_assignments[0].shipping.address.street")
    );
}

#[tokio::test]
async fn a_grand_total_that_would_round_is_refused_naming_the_field() {
    // 30 significant digits: `Decimal::from_scientific` read both as 20.
    for grand_total in [
        r#""1.99999999999999999999999999999e1""#,
        "1.99999999999999999999999999999e1",
    ] {
        let server = answering(
            "/orders/3",
            format!(r#"{{"entity_id": 3, "grand_total": {grand_total}}}"#),
        )
        .await;
        let err = client(&server).orders().get(3).await.unwrap_err();
        assert_eq!(decode_path(&err), "grand_total", "{grand_total}");
        assert!(err.to_string().contains("not an exact decimal"), "{err}");
    }
    // One digit less fits a Decimal: read exactly, exponent or not.
    for grand_total in [
        r#""1.9999999999999999999999999999e1""#,
        "1.9999999999999999999999999999e1",
        "19.999999999999999999999999999",
    ] {
        let server = answering(
            "/orders/3",
            format!(r#"{{"entity_id": 3, "grand_total": {grand_total}}}"#),
        )
        .await;
        let order = client(&server).orders().get(3).await.unwrap();
        assert_eq!(
            order.grand_total,
            Some(Decimal::from_str("19.999999999999999999999999999").unwrap()),
            "{grand_total}"
        );
    }
}

#[tokio::test]
async fn timestamps_are_read_as_utc_instants_or_refused_naming_the_field() {
    let page = json!({"items": [
        {"entity_id": 1, "created_at": "2024-03-01 12:34:56", "updated_at": "2024-03-01T13:34:56+01:00"},
        {"entity_id": 2, "updated_at": ""},
    ]});
    let server = answering("/orders", page.to_string()).await;
    let found = client(&server)
        .orders()
        .search(&SearchCriteria::new())
        .await
        .unwrap();
    let at = datetime!(2024-03-01 12:34:56 UTC);
    assert_eq!(found.items[0].created_at, Some(at));
    assert_eq!(found.items[0].updated_at, Some(at));
    assert_eq!(found.items[1].updated_at, None);

    for bad in [
        json!("2024-13-01 00:00:00"),
        json!("yesterday"),
        json!(1_709_296_496),
    ] {
        let page = json!({"items": [{"entity_id": 1}, {"entity_id": 2, "updated_at": bad}]});
        let server = answering("/orders", page.to_string()).await;
        let err = client(&server)
            .orders()
            .search(&SearchCriteria::new())
            .await
            .unwrap_err();
        assert_eq!(decode_path(&err), "items[1].updated_at", "{bad}");
    }

    let comments = json!({"items": [{"comment": "x", "created_at": "2024-02-30 00:00:00"}]});
    let server = answering("/orders/3/comments", comments.to_string()).await;
    let err = client(&server).orders().comments(3).await.unwrap_err();
    assert_eq!(decode_path(&err), "items[0].created_at");
    assert!(err.to_string().contains("not a Magento timestamp"), "{err}");
}

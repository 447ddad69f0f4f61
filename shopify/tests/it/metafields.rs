use crate::{assert_failure_modes, client, gql, ok, user_errors};
use serde_json::{Value, json};
use shopify::models::{CompareDigest, MetafieldsSetInput};
use shopify::{Error, Gid};
use wiremock::MockServer;

fn input(i: usize) -> MetafieldsSetInput {
    MetafieldsSetInput::text(
        Gid::new("Order", 1),
        "payments",
        format!("k{i:02}"),
        format!("v{i}"),
    )
}

fn wire(i: usize) -> Value {
    json!({"ownerId": "gid://shopify/Order/1", "namespace": "payments", "key": format!("k{i:02}"),
           "type": "single_line_text_field", "value": format!("v{i}")})
}

fn written(range: std::ops::Range<usize>) -> Value {
    let list: Vec<Value> = range
        .map(|i| json!({"id": format!("gid://shopify/Metafield/{i}"), "namespace": "payments",
                        "key": format!("k{i:02}"), "value": format!("v{i}"), "type": "single_line_text_field",
                        "compareDigest": format!("d{i}")}))
        .collect();
    json!({"metafieldsSet": {"metafields": list, "userErrors": []}})
}

#[tokio::test]
async fn thirty_metafields_go_in_batches_of_25() {
    let server = MockServer::start().await;
    gql(
        "metafieldsSet",
        json!({"metafields": (0..25).map(wire).collect::<Vec<_>>()}),
    )
    .respond_with(ok(written(0..25)))
    .expect(1)
    .mount(&server)
    .await;
    gql(
        "metafieldsSet",
        json!({"metafields": (25..30).map(wire).collect::<Vec<_>>()}),
    )
    .respond_with(ok(written(25..30)))
    .expect(1)
    .mount(&server)
    .await;
    let inputs: Vec<_> = (0..30).map(input).collect();
    let out = client(&server).metafields().set(&inputs).await.unwrap();
    assert_eq!(out.len(), 30);
    assert_eq!(out[29].compare_digest.as_deref(), Some("d29"));
}

#[tokio::test]
async fn compare_digest_is_sent_and_stale_digest_is_a_user_error() {
    let server = MockServer::start().await;
    let mut w = wire(0);
    w["compareDigest"] = json!("stale");
    gql("metafieldsSet", json!({"metafields": [w]}))
        .respond_with(user_errors("metafieldsSet", json!([{"field": ["metafields", "0", "compareDigest"],
            "message": "The resource has been updated since it was loaded.", "code": "STALE_OBJECT"}])))
        .expect(1)
        .mount(&server)
        .await;
    let m = input(0).with_compare_digest(CompareDigest::Matches("stale".into()));
    match client(&server).metafields().set(&[m]).await {
        Err(Error::UserErrors {
            operation: "metafieldsSet",
            errors,
        }) => {
            assert_eq!(errors[0].code.as_deref(), Some("STALE_OBJECT"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn metafields_set_failure_modes_are_retried_as_idempotent() {
    assert_failure_modes(
        "metafieldsSet",
        json!({"metafields": [wire(0)]}),
        true,
        |c| async move { c.metafields().set(&[input(0)]).await },
    )
    .await;
}

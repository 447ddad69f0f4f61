use crate::{assert_failure_modes, client, gql, ok, user_errors};
use serde_json::json;
use shopify::{Error, Gid};
use wiremock::MockServer;

fn vars() -> serde_json::Value {
    json!({"id": "gid://shopify/Order/1", "tags": ["paytrace", "paid"]})
}

#[tokio::test]
async fn add_and_remove() {
    let server = MockServer::start().await;
    for op in ["tagsAdd", "tagsRemove"] {
        gql(op, vars())
            .respond_with(ok(
                json!({ op: {"node": {"id": "gid://shopify/Order/1"}, "userErrors": []}}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let id = Gid::new("Order", 1);
    assert_eq!(c.tags().add(&id, &["paytrace", "paid"]).await.unwrap(), id);
    assert_eq!(
        c.tags().remove(&id, &["paytrace", "paid"]).await.unwrap(),
        id
    );
}

#[tokio::test]
async fn user_errors_and_failure_modes() {
    let server = MockServer::start().await;
    gql("tagsAdd", vars())
        .respond_with(user_errors(
            "tagsAdd",
            json!([{"field": ["id"], "message": "Node not found"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server)
            .tags()
            .add(&Gid::new("Order", 1), &["paytrace", "paid"])
            .await,
        Err(Error::UserErrors {
            operation: "tagsAdd",
            ..
        })
    ));
    assert_failure_modes("tagsRemove", vars(), true, |c| async move {
        c.tags()
            .remove(&Gid::new("Order", 1), &["paytrace", "paid"])
            .await
    })
    .await;
}

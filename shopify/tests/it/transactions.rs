use crate::{assert_failure_modes, client, gql, money, ok, user_errors};
use serde_json::json;
use shopify::models::OrderTransactionKind;
use shopify::{Error, Gid};
use wiremock::MockServer;

fn vars() -> serde_json::Value {
    json!({"parentTransactionId": "gid://shopify/OrderTransaction/2"})
}

#[tokio::test]
async fn void_an_authorization() {
    let server = MockServer::start().await;
    gql("transactionVoid", vars())
        .respond_with(ok(json!({"transactionVoid": {"transaction": {
            "id": "gid://shopify/OrderTransaction/4", "kind": "VOID", "status": "SUCCESS",
            "gateway": "paytrace", "parentTransaction": {"id": "gid://shopify/OrderTransaction/2"},
            "amountSet": money("10.00")}, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server)
        .transactions()
        .void(&Gid::new("OrderTransaction", 2))
        .await
        .unwrap();
    assert_eq!(t.kind, OrderTransactionKind::Void);
}

#[tokio::test]
async fn void_user_errors_and_failure_modes() {
    let server = MockServer::start().await;
    gql("transactionVoid", vars())
        .respond_with(user_errors(
            "transactionVoid",
            json!([{"field": ["parentTransactionId"],
            "message": "Transaction is not voidable", "code": "AUTH_NOT_VOIDABLE"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server)
        .transactions()
        .void(&Gid::new("OrderTransaction", 2))
        .await
    {
        Err(Error::UserErrors { errors, .. }) => {
            assert_eq!(errors[0].code.as_deref(), Some("AUTH_NOT_VOIDABLE"))
        }
        other => panic!("{other:?}"),
    }
    assert_failure_modes("transactionVoid", vars(), false, |c| async move {
        c.transactions()
            .void(&Gid::new("OrderTransaction", 2))
            .await
    })
    .await;
}

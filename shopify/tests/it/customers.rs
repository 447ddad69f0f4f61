use crate::{assert_failure_modes, client, gql, ok, user_errors};
use serde_json::json;
use shopify::models::{CustomerInput, CustomerSetIdentifier, CustomerSetInput};
use shopify::{Error, Gid};
use wiremock::MockServer;

fn created(op: &str) -> wiremock::ResponseTemplate {
    ok(json!({ op: {"customer": {
        "id": "gid://shopify/Customer/207119551", "email": {"emailAddress": "bob@example.com"},
        "firstName": "Bob", "lastName": "Norman", "tags": ["vip"]
    }, "userErrors": []}}))
}

fn new_customer() -> CustomerInput {
    let mut input = CustomerInput::default();
    input.email = Some("bob@example.com".into());
    input.first_name = Some("Bob".into());
    input
}

#[tokio::test]
async fn create() {
    let server = MockServer::start().await;
    let vars = json!({"input": {"email": "bob@example.com", "firstName": "Bob"}});
    gql("customerCreate", vars.clone())
        .respond_with(created("customerCreate"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .customers()
        .create(&new_customer())
        .await
        .unwrap();
    assert_eq!(c.email.as_deref(), Some("bob@example.com"));
    assert_eq!(c.id.numeric_id(), Some(207119551));
    assert_failure_modes("customerCreate", vars, false, |c| async move {
        c.customers().create(&new_customer()).await
    })
    .await;
}

#[tokio::test]
async fn create_user_errors() {
    let server = MockServer::start().await;
    gql(
        "customerCreate",
        json!({"input": {"email": "bob@example.com", "firstName": "Bob"}}),
    )
    .respond_with(user_errors(
        "customerCreate",
        json!([{"field": ["email"], "message": "Email has already been taken"}]),
    ))
    .expect(1)
    .mount(&server)
    .await;
    assert!(matches!(
        client(&server).customers().create(&new_customer()).await,
        Err(Error::UserErrors {
            operation: "customerCreate",
            ..
        })
    ));
}

#[tokio::test]
async fn update_requires_an_id_and_is_retried() {
    let server = MockServer::start().await;
    assert!(matches!(
        client(&server).customers().update(&new_customer()).await,
        Err(Error::Config(_))
    ));
    let mut input = CustomerInput::default();
    input.id = Some(Gid::new("Customer", 207119551));
    input.note = Some("vault 42".into());
    let vars = json!({"input": {"id": "gid://shopify/Customer/207119551", "note": "vault 42"}});
    gql("customerUpdate", vars.clone())
        .respond_with(created("customerUpdate"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).customers().update(&input).await.unwrap();
    assert_failure_modes("customerUpdate", vars, true, move |c| {
        let input = input.clone();
        async move { c.customers().update(&input).await }
    })
    .await;
}

#[tokio::test]
async fn set_upserts_by_email() {
    let server = MockServer::start().await;
    let vars = json!({"identifier": {"email": "bob@example.com"},
                      "input": {"email": "bob@example.com", "firstName": "Bob"}});
    gql("customerSet", vars.clone())
        .respond_with(created("customerSet"))
        .expect(1)
        .mount(&server)
        .await;
    let id = CustomerSetIdentifier::Email("bob@example.com".into());
    let input: CustomerSetInput = new_customer();
    client(&server)
        .customers()
        .set(Some(&id), &input)
        .await
        .unwrap();
    assert_failure_modes("customerSet", vars, true, move |c| {
        let (id, input) = (id.clone(), input.clone());
        async move { c.customers().set(Some(&id), &input).await }
    })
    .await;
}

#[tokio::test]
async fn set_without_identifier_creates_and_is_not_retried() {
    let vars =
        json!({"identifier": null, "input": {"email": "bob@example.com", "firstName": "Bob"}});
    assert_failure_modes("customerSet", vars, false, |c| async move {
        c.customers().set(None, &new_customer()).await
    })
    .await;
}

#[tokio::test]
async fn delete_sends_the_id_and_reports_a_refusal() {
    let server = MockServer::start().await;
    let vars = json!({"input": {"id": "gid://shopify/Customer/207119551"}});
    gql("customerDelete", vars.clone())
        .respond_with(ok(json!({"customerDelete": {
            "deletedCustomerId": "gid://shopify/Customer/207119551", "userErrors": []
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let id = Gid::new("Customer", 207119551);
    let deleted = client(&server).customers().delete(&id).await.unwrap();
    assert_eq!(deleted, id);
    assert_failure_modes("customerDelete", vars.clone(), false, move |c| async move {
        c.customers().delete(&Gid::new("Customer", 207119551)).await
    })
    .await;

    // A customer with orders is refused.
    let server = MockServer::start().await;
    gql("customerDelete", vars)
        .respond_with(user_errors(
            "customerDelete",
            json!([{"field": ["id"], "message": "Customer can’t be deleted because they have associated orders"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).customers().delete(&id).await,
        Err(Error::UserErrors {
            operation: "customerDelete",
            ..
        })
    ));
}

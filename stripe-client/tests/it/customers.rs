use futures::TryStreamExt;
use serde_json::json;
use stripe_client::{
    Address, CreateCustomer, CustomerShipping, InvoiceSettingsParams, ListCustomers,
    SearchCustomers, UpdateCustomer,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

#[tokio::test]
async fn create_sends_address_and_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .and(StripeHeaders)
        .and(HasIdempotencyKey)
        .and(form(&[
            ("email", "jenny@example.com"),
            ("name", "Jenny Rosen"),
            ("address[line1]", "1 Main St"),
            ("address[country]", "FR"),
            ("metadata[magento_id]", "42"),
            ("invoice_settings[default_payment_method]", "pm_1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    let mut params = CreateCustomer {
        email: Some("jenny@example.com".into()),
        name: Some("Jenny Rosen".into()),
        address: Some(Address {
            line1: Some("1 Main St".into()),
            country: Some("FR".into()),
            ..Default::default()
        }),
        invoice_settings: Some(InvoiceSettingsParams {
            default_payment_method: Some("pm_1".into()),
        }),
        ..Default::default()
    };
    params.metadata.insert("magento_id".into(), "42".into());
    let customer = client(&server).customers().create(&params).await.unwrap();
    assert_eq!(customer.id, "cus_Oaxlz8kB0PJWGa");
    assert!(!customer.deleted);
}

#[tokio::test]
async fn shipping_is_sent_as_a_customer_takes_it() {
    let server = MockServer::start().await;
    let shipping = [
        ("shipping[name]", "Jenny Rosen"),
        ("shipping[phone]", "+33100000000"),
        ("shipping[address][line1]", "1 Main St"),
        ("shipping[address][postal_code]", "75001"),
    ];
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .and(form(&shipping))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/customers/cus_1"))
        .and(form(&shipping))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    let shipping = CustomerShipping {
        phone: Some("+33100000000".into()),
        ..CustomerShipping::new(
            "Jenny Rosen",
            Address {
                line1: Some("1 Main St".into()),
                postal_code: Some("75001".into()),
                ..Default::default()
            },
        )
    };
    let c = client(&server);
    c.customers()
        .create(&CreateCustomer {
            shipping: Some(shipping.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    c.customers()
        .update(
            "cus_1",
            &UpdateCustomer {
                shipping: Some(shipping),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn update_retrieve_and_delete() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers/cus_1"))
        .and(form(&[("phone", "+33100000000")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/customers/cus_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("deleted_customer")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/customers/cus_1"))
        .and(query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("deleted_customer")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.customers()
        .update(
            "cus_1",
            &UpdateCustomer {
                phone: Some("+33100000000".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let retrieved = c.customers().retrieve("cus_1").await.unwrap();
    assert!(retrieved.deleted, "a deleted customer still decodes");
    let deleted = c.customers().delete("cus_1").await.unwrap();
    assert!(deleted.deleted);
    // DELETE is not a POST: no idempotency key, no form body.
    let requests = server.received_requests().await.unwrap();
    let delete = requests
        .iter()
        .find(|r| r.method.as_str() == "DELETE")
        .unwrap();
    assert!(delete.headers.get("idempotency-key").is_none());
    assert!(delete.body.is_empty());
}

#[tokio::test]
async fn list_filters_by_email() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/customers"))
        .and(query(&[("email", "jenny@example.com")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/customers",
            vec![fixture("customer")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .customers()
        .list(&ListCustomers {
            email: Some("jenny@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data[0].email, None);
}

#[tokio::test]
async fn search_all_follows_next_page() {
    let server = MockServer::start().await;
    let page = |has_more: bool, next: Option<&str>| {
        json!({"object": "search_result", "url": "/v1/customers/search", "has_more": has_more,
            "next_page": next, "data": [fixture("customer")]})
    };
    Mock::given(method("GET"))
        .and(path("/v1/customers/search"))
        .and(query(&[("query", "email:'jenny@example.com'")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(true, Some("cursor2"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/customers/search"))
        .and(query(&[
            ("query", "email:'jenny@example.com'"),
            ("page", "cursor2"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(false, None)))
        .expect(1)
        .mount(&server)
        .await;
    let params = SearchCustomers::new("email:'jenny@example.com'");
    let all: Vec<_> = client(&server)
        .customers()
        .search_all(&params)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

failure_cases!("GET", "/v1/customers/search", |c| c
    .customers()
    .search(&stripe_client::SearchCustomers::new("name:'x'")));

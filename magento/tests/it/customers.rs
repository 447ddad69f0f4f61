use magento::{Customer, Filter, NewCustomer, SearchCriteria};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::errors::error_matrix;
use crate::{client, fixture, fixture_json, rest};

fn tutorial_customer() -> Customer {
    serde_json::from_str(&fixture("tutorial-POST-customers.response.json")).unwrap()
}

#[tokio::test]
async fn get_parses_region_objects_and_flags() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/customers/2")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("tutorial-POST-customers.response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).customers().get(2).await.unwrap();
    assert_eq!(c.id, Some(2));
    assert_eq!(c.default_billing.as_deref(), Some("2"));
    let address = &c.addresses[0];
    assert_eq!(
        address.region.as_ref().unwrap().region_code.as_deref(),
        Some("NY")
    );
    assert_eq!(address.default_shipping, Some(true));
}

#[tokio::test]
async fn search_by_email() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(rest("/customers/search")))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][field]",
            "email",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][value]",
            "jdoe@example.com",
        ))
        .and(query_param(
            "searchCriteria[filterGroups][0][filters][0][conditionType]",
            "eq",
        ))
        .and(query_param("searchCriteria[pageSize]", "50"))
        .and(query_param("searchCriteria[currentPage]", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [fixture_json("tutorial-POST-customers.response.json")],
            "search_criteria": {},
            "total_count": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .customers()
        .search(&SearchCriteria::new().filter(Filter::eq("email", "jdoe@example.com")))
        .await
        .unwrap();
    assert_eq!(page.items, vec![tutorial_customer()]);
    assert!(page.is_last_page(&SearchCriteria::new()));
}

#[tokio::test]
async fn create_sends_customer_and_password() {
    let server = MockServer::start().await;
    // The tutorial body in this crate's snake_case spelling.
    Mock::given(method("POST"))
        .and(path(rest("/customers")))
        .and(body_json(json!({
            "customer": {
                "email": "jdoe@example.com", "firstname": "Jane", "lastname": "Doe",
                "addresses": [{
                    "region": {"region_code": "NY", "region": "New York", "region_id": 43},
                    "country_id": "US", "street": ["123 Oak Ave"], "telephone": "512-555-1111",
                    "postcode": "10755", "city": "Purchase", "firstname": "Jane", "lastname": "Doe",
                    "default_shipping": true, "default_billing": true
                }]
            },
            "password": "Password1"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("tutorial-POST-customers.response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let request: serde_json::Value = fixture_json("tutorial-POST-customers.request.json");
    let customer: Customer = serde_json::from_value(request["customer"].clone()).unwrap();
    let created = client(&server)
        .customers()
        .create(&NewCustomer::new(customer).with_password("Password1"))
        .await
        .unwrap();
    assert_eq!(created.id, Some(2));
}

#[tokio::test]
async fn update_puts_the_whole_customer() {
    let server = MockServer::start().await;
    let mut changed = tutorial_customer();
    changed.lastname = "Smith".into();
    let mut expected = fixture_json("tutorial-POST-customers.response.json");
    expected["lastname"] = json!("Smith");
    Mock::given(method("PUT"))
        .and(path(rest("/customers/2")))
        .and(body_json(json!({"customer": expected})))
        .respond_with(ResponseTemplate::new(200).set_body_json(&expected))
        .expect(1)
        .mount(&server)
        .await;
    let updated = client(&server)
        .customers()
        .update(2, &changed)
        .await
        .unwrap();
    assert_eq!(updated.lastname, "Smith");
}

#[tokio::test]
async fn error_shapes() {
    error_matrix("GET", &rest("/customers/2"), |c| async move {
        c.customers().get(2).await
    })
    .await;
    error_matrix("GET", &rest("/customers/search"), |c| async move {
        c.customers().search(&SearchCriteria::new()).await
    })
    .await;
    error_matrix("POST", &rest("/customers"), |c| async move {
        c.customers()
            .create(&NewCustomer::new(Customer::default()))
            .await
    })
    .await;
    error_matrix("PUT", &rest("/customers/2"), |c| async move {
        c.customers().update(2, &Customer::default()).await
    })
    .await;
}

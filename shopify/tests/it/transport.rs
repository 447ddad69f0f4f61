//! Throttling, retries and error shapes of the GraphQL transport.

use crate::{GQL_PATH, any_gql, builder, client, gql, ok};
use serde_json::json;
use shopify::{Error, Gid, RetryConfig};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": {"cost": {"requestedQueryCost": 70, "actualQueryCost": null,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 66, "restoreRate": 50.0}}}
    }))
}

#[tokio::test]
async fn throttled_with_http_200_is_retried_after_the_computed_wait() {
    let server = MockServer::start().await;
    let vars = json!({"id": "gid://shopify/Order/1"});
    gql("getOrder", vars.clone())
        .respond_with(throttled())
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    gql("getOrder", vars)
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let order = client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap();
    assert!(order.is_none());
    // 4 missing points at 50/s = 80 ms, capped by the test client's 50 ms max backoff.
    assert!(started.elapsed() >= Duration::from_millis(45));
}

#[tokio::test]
async fn throttled_until_the_last_attempt_is_rate_limited() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(throttled())
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn http_429_honours_retry_after_seconds() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0.2"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    any_gql()
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    builder(&server)
        .retry(
            RetryConfig::standard().with_backoff(Duration::from_millis(5), Duration::from_secs(1)),
        )
        .build()
        .unwrap()
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn a_long_retry_after_is_capped_at_max_backoff() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    any_gql()
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    // The test client's cap is 50 ms: the server's 30 s becomes 50 ms.
    client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[tokio::test]
async fn disabled_retries_make_one_attempt() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(throttled())
        .expect(1)
        .mount(&server)
        .await;
    let err = builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn http_429_is_retried_even_for_unsafe_mutations() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    any_gql()
        .respond_with(ok(json!({"orderMarkAsPaid": {"order": {"id": "gid://shopify/Order/1"}, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .orders()
        .mark_as_paid(&Gid::new("Order", 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn persistent_429_is_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0.01"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap_err();
    match err {
        Error::RateLimited {
            retry_after,
            attempts,
        } => {
            assert_eq!(attempts, 3);
            assert_eq!(retry_after, Some(Duration::from_millis(10)));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_retried_for_queries() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    any_gql()
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn query_cost_is_surfaced_and_feeds_the_throttle() {
    let server = MockServer::start().await;
    // The bucket is empty after this answer: the next call must wait.
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"shop": {"name": "Example"}},
            "extensions": {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1,
                "throttleStatus": {"maximumAvailable": 100, "currentlyAvailable": 0, "restoreRate": 10}}}
        })))
        .expect(2)
        .mount(&server)
        .await;
    #[derive(serde::Deserialize)]
    struct Data {
        shop: Shop,
    }
    #[derive(serde::Deserialize)]
    struct Shop {
        name: String,
    }
    let op = shopify::Operation {
        name: "shopName",
        document: "query shopName { shop { name } }",
        estimated_cost: 5,
        retry: shopify::RetrySafety::Idempotent,
    };
    let c = client(&server);
    let resp = c.execute::<_, Data>(&op, &json!({})).await.unwrap();
    assert_eq!(resp.data.shop.name, "Example");
    let cost = resp.cost.unwrap();
    assert_eq!(cost.requested_query_cost.to_string(), "1");
    assert_eq!(cost.throttle_status.unwrap().restore_rate.to_string(), "10");
    let started = Instant::now();
    c.execute::<_, Data>(&op, &json!({})).await.unwrap();
    // 5 points at 10/s = 500 ms, capped at the 50 ms max backoff.
    assert!(started.elapsed() >= Duration::from_millis(45));
}

#[tokio::test]
async fn top_level_graphql_errors_are_typed() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": "Query cost is 1002, which exceeds the single query max cost limit (1000).",
                        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1002, "maxCost": 1000}}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).orders().get(&Gid::new("Order", 1)).await {
        Err(Error::Graphql { errors }) => assert_eq!(errors[0].code(), Some("MAX_COST_EXCEEDED")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wrong_shape_is_a_decode_error_with_the_json_path() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ok(
            json!({"order": {"id": "gid://shopify/Order/1", "legacyResourceId": 1.5}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).orders().get(&Gid::new("Order", 1)).await {
        Err(Error::Decode { path, .. }) => assert_eq!(path, "data.order.legacyResourceId"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_inexact_amount_deep_in_a_response_names_its_full_path() {
    let server = MockServer::start().await;
    let money = |amount: &str| json!({"amount": amount, "currencyCode": "USD"});
    any_gql()
        .respond_with(ok(json!({"order": {
            "id": "gid://shopify/Order/1", "legacyResourceId": "1", "name": "#1001",
            "createdAt": "2024-01-15T15:00:00Z", "updatedAt": "2024-01-15T15:00:00Z",
            "currencyCode": "USD",
            "totalPriceSet": {"shopMoney": money("1.99999999999999999999999999999e1"),
                              "presentmentMoney": money("20.00")}
        }})))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).orders().get(&Gid::new("Order", 1)).await {
        Err(Error::Decode { path, source }) => {
            assert_eq!(path, "data.order.totalPriceSet.shopMoney.amount");
            assert!(
                source.to_string().contains("not an exact decimal"),
                "{source}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn client_errors_carry_the_typed_body() {
    let server = MockServer::start().await;
    any_gql()
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errors": "Not Found"})))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).orders().get(&Gid::new("Order", 1)).await {
        Err(Error::Api { status: 404, body }) => assert_eq!(body.errors, Some(json!("Not Found"))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn configured_api_version_is_used_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/api/2026-07/graphql.json"))
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    let c = crate::builder(&server)
        .api_version("2026-07")
        .build()
        .unwrap();
    c.orders().get(&Gid::new("Order", 1)).await.unwrap();
}

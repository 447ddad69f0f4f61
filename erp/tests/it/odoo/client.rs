use std::time::Duration;

use erp::odoo::{OdooClient, RetryConfig};
use erp::{Error, OdooErrorKind};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{API_KEY, client, expect_call, failures, fixture, ok};

#[tokio::test]
async fn call_sends_the_documented_request() {
    let server = MockServer::start().await;
    // The request of the JSON-2 reference's example.
    let body = json!({
        "context": {"lang": "en_US"},
        "domain": [["name", "ilike", "%deco%"], ["is_company", "=", true]],
        "fields": ["name"],
    });
    expect_call(
        &server,
        "res.partner",
        "search_read",
        body.clone(),
        ok(json!([{"id": 25, "name": "Deco Addict"}])),
    )
    .await;
    let rows: Vec<Value> = client(&server)
        .call("res.partner", "search_read", body)
        .await
        .unwrap();
    assert_eq!(rows, vec![json!({"id": 25, "name": "Deco Addict"})]);
}

#[tokio::test]
async fn every_failure_shape_is_a_typed_error() {
    for (name, response, check) in failures() {
        let server = MockServer::start().await;
        expect_call(
            &server,
            "res.partner",
            "search",
            json!({"domain": []}),
            response,
        )
        .await;
        let err = client(&server)
            .call::<Vec<i64>>("res.partner", "search", json!({"domain": []}))
            .await
            .unwrap_err();
        assert!(check(&err), "{name}: got {err:?}");
    }
}

#[tokio::test]
async fn api_error_keeps_the_documented_fields() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [3]}),
        ResponseTemplate::new(422).set_body_json(fixture("validation")),
    )
    .await;
    let err = client(&server)
        .call::<Value>("account.move", "action_post", json!({"ids": [3]}))
        .await
        .unwrap_err();
    let Error::Api { status, body } = err else {
        panic!("not an API error")
    };
    assert_eq!(status, 422);
    assert_eq!(body.name, "odoo.exceptions.ValidationError");
    assert_eq!(body.arguments, vec![json!("The move is not balanced.")]);
    assert_eq!(body.context, json!({"lang": "en_US"}));
    assert!(body.debug.starts_with("Traceback"));
    assert_eq!(body.kind(), OdooErrorKind::ValidationError);
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "res.partner",
        "search",
        json!({}),
        ok(json!([1, "two"])),
    )
    .await;
    let err = client(&server)
        .call::<Vec<i64>>("res.partner", "search", json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "[1]"),
        "{err:?}"
    );
}

fn retrying(server: &MockServer) -> OdooClient {
    OdooClient::builder(server.uri(), SecretString::from(API_KEY))
        .database("mycompany")
        .timeout(Duration::from_millis(300))
        .retry(
            RetryConfig::standard()
                .with_backoff(Duration::from_millis(10), Duration::from_millis(40)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn read_only_calls_are_retried_on_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/search_read"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/search_read"))
        .respond_with(ok(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let rows: Vec<Value> = retrying(&server)
        .call("res.partner", "search_read", json!({}))
        .await
        .unwrap();
    assert!(rows.is_empty());
}

#[tokio::test]
async fn writes_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/create"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = retrying(&server)
        .call::<Value>(
            "res.partner",
            "create",
            json!({"vals_list": [{"name": "x"}]}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
}

#[tokio::test]
async fn timeouts_of_reads_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/search"))
        .respond_with(ok(json!([])).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = retrying(&server)
        .call::<Vec<i64>>("res.partner", "search", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_or_errors() {
    let server = MockServer::start().await;
    let c = client(&server);
    assert!(!format!("{c:?}").contains(API_KEY));
    let builder = OdooClient::builder(server.uri(), SecretString::from(API_KEY));
    assert!(!format!("{builder:?}").contains(API_KEY));
    expect_call(
        &server,
        "res.partner",
        "search",
        json!({}),
        ResponseTemplate::new(401).set_body_json(fixture("unauthorized")),
    )
    .await;
    let err = c
        .call::<Vec<i64>>("res.partner", "search", json!({}))
        .await
        .unwrap_err();
    assert!(!format!("{err:?} {err}").contains(API_KEY));
}

#[tokio::test]
async fn bad_configuration_is_a_config_error() {
    let err = OdooClient::builder("not a url", SecretString::from(API_KEY))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    let err = OdooClient::builder("http://localhost", SecretString::from(API_KEY))
        .database("bad\nname")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/odoo/json/2/res.partner/search"))
        .respond_with(ok(json!([4])))
        .expect(1)
        .mount(&server)
        .await;
    let c = OdooClient::builder(
        format!("{}/odoo", server.uri()),
        SecretString::from(API_KEY),
    )
    .build()
    .unwrap();
    let ids: Vec<i64> = c.call("res.partner", "search", json!({})).await.unwrap();
    assert_eq!(ids, vec![4]);
}

#[tokio::test]
async fn user_info_of_the_base_url_never_shows() {
    let secret = "hunter2";
    // Debug of the builder and of the client.
    let builder = OdooClient::builder(
        format!("https://admin:{secret}@erp.example/odoo"),
        SecretString::from(API_KEY),
    );
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains(secret) && !shown.contains("admin"),
        "{shown}"
    );
    assert!(shown.contains("https://erp.example/odoo"), "{shown}");
    let client = builder.build().unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains(secret) && !shown.contains("admin"),
        "{shown}"
    );
    assert!(shown.contains("https://erp.example/odoo/"), "{shown}");

    // A base URL that does not parse (port out of range): the configuration error.
    let err = OdooClient::builder(
        format!("https://admin:{secret}@erp.example:99999/"),
        SecretString::from(API_KEY),
    )
    .build()
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Config(_)), "{shown}");
    assert!(
        !shown.contains(secret) && !shown.contains("admin"),
        "{shown}"
    );
    assert!(shown.contains("erp.example:99999"), "{shown}");

    // A transport error (nothing listens on port 1 here): reqwest's error shows the URL.
    let err = OdooClient::builder(
        format!("http://admin:{secret}@127.0.0.1:1/"),
        SecretString::from(API_KEY),
    )
    .retry(RetryConfig::disabled())
    .build()
    .unwrap()
    .call::<Vec<i64>>("res.partner", "search", json!({}))
    .await
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Transport(_)), "{shown}");
    assert!(
        !shown.contains(secret) && !shown.contains("admin"),
        "{shown}"
    );
    assert!(shown.contains("127.0.0.1:1"), "{shown}");
}

#[tokio::test]
async fn max_retries_counts_retries_after_the_first_attempt() {
    for (retry, attempts) in [
        (RetryConfig::disabled(), 1),
        (RetryConfig::standard().with_max_retries(1), 2),
        (RetryConfig::standard(), 3),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/json/2/res.partner/read"))
            .respond_with(ResponseTemplate::new(502))
            .expect(attempts)
            .mount(&server)
            .await;
        let client = OdooClient::builder(server.uri(), SecretString::from(API_KEY))
            .retry(retry.with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
            .build()
            .unwrap();
        let err = client
            .call::<Value>("res.partner", "read", json!({"ids": [1]}))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
        server.verify().await;
    }
}

#[tokio::test]
async fn a_retry_after_is_obeyed_up_to_the_cap() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/json/2/res.partner/search"))
        .respond_with(ok(json!([9])))
        .expect(1)
        .mount(&server)
        .await;
    let client = OdooClient::builder(server.uri(), SecretString::from(API_KEY))
        .retry(
            RetryConfig::standard()
                .with_backoff(Duration::from_millis(10), Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let ids: Vec<i64> = client
        .call("res.partner", "search", json!({}))
        .await
        .unwrap();
    assert_eq!(ids, [9]);
    // Waited the cap (50 ms), not the server's 30 s.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

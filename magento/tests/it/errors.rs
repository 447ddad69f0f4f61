//! The error shapes, checked once per operation family through `error_matrix`.

use std::future::Future;
use std::time::Duration;

use magento::{Client, Error, Parameters};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, fixture_json, impatient_client};

/// A predicate on the error a case must produce.
type Check = fn(&Error) -> bool;

/// Runs `call` against each documented failure of `verb route` and checks the variant.
pub async fn error_matrix<T, F, Fut>(verb: &str, route: &str, call: F)
where
    T: std::fmt::Debug,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let examples = fixture_json("error-responses.examples.json");
    let cases: Vec<(u16, ResponseTemplate, Check)> = vec![
        (
            400,
            ResponseTemplate::new(400).set_body_json(&examples["list_parameters_400"]),
            |e| matches!(e, Error::BadRequest(b) if b.rendered_message() == "Invalid product data: Invalid attribute set entity type"),
        ),
        (
            400,
            ResponseTemplate::new(400).set_body_json(&examples["aggregate_400_shape"]),
            |e| matches!(e, Error::BadRequest(b) if b.errors.len() == 1 && b.errors[0].rendered_message() == "\"email\" is required. Enter and try again."),
        ),
        (
            401,
            ResponseTemplate::new(401).set_body_json(&examples["named_parameters_401"]),
            |e| matches!(e, Error::Unauthorized(b) if b.rendered_message() == "The consumer isn't authorized to access Magento_Sales::actions_view."),
        ),
        (
            401,
            ResponseTemplate::new(401).set_body_raw(
                examples["oauth_problem_401_text_not_json"].as_str().unwrap().as_bytes().to_vec(),
                "application/x-www-form-urlencoded",
            ),
            |e| matches!(e, Error::OAuth { status: 401, problem } if problem.problem == "The signature is invalid. Verify and try again."),
        ),
        (
            404,
            ResponseTemplate::new(404).set_body_json(serde_json::json!({
                "message": "The entity that was requested doesn't exist. Verify the entity and try again."
            })),
            |e| matches!(e, Error::NotFound(_)),
        ),
        (
            500,
            ResponseTemplate::new(500).set_body_json(&examples["masked_500_production"]),
            |e| matches!(e, Error::Internal(b) if b.report_id() == Some("webapi-6543210fedcba")),
        ),
        (
            503,
            ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"),
            |e| matches!(e, Error::Unavailable { status: 503, body } if body.message.contains("Service Unavailable")),
        ),
        (
            200,
            ResponseTemplate::new(200).set_body_string("{\"entity_id\": [oops"),
            |e| matches!(e, Error::Decode { .. }),
        ),
    ];
    for (status, template, check) in cases {
        let server = MockServer::start().await;
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(template)
            .expect(1)
            .mount(&server)
            .await;
        let err = call(client(&server)).await.unwrap_err();
        assert!(
            check(&err),
            "{verb} {route}: unexpected error for {status}: {err:?}"
        );
        assert_eq!(err.status(), (status != 200).then_some(status));
    }

    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(500)))
        .expect(1)
        .mount(&server)
        .await;
    let err = call(impatient_client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout), "{verb} {route}: {err:?}");
}

#[test]
fn every_sample_error_renders() {
    let examples = fixture_json("error-responses.examples.json");
    let render =
        |key: &str| magento::ApiError::parse(examples[key].to_string().as_bytes()).to_string();
    assert_eq!(
        render("named_parameters_401_dev_mode"),
        "The consumer isn't authorized to access Magento_Catalog::products."
    );
    assert_eq!(
        render("aggregate_400_shape"),
        "One or more input exceptions have occurred.: \"email\" is required. Enter and try again."
    );
    assert!(render("invoice_validation_400").contains("does not allow an invoice"));
    let fallback =
        examples["fatal_render_fallback_shape (ErrorProcessor::renderErrorMessage, rare)"]
            .to_string();
    let parsed = magento::ApiError::parse(fallback.as_bytes());
    assert_eq!(parsed.code, Some(500));
    assert_eq!(
        parsed.message,
        "Server internal error. See details in report api/1234567"
    );
    let dev = magento::ApiError::parse(
        examples["named_parameters_401_dev_mode"]
            .to_string()
            .as_bytes(),
    );
    assert!(dev.trace.is_some());
    assert!(matches!(dev.parameters, Parameters::Named(_)));
}

#[tokio::test]
async fn other_statuses_keep_their_code_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(
                serde_json::json!({"message": "Forbidden %1", "parameters": ["here"]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).orders().get(1).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 403, body } if body.rendered_message() == "Forbidden here")
    );
    assert_eq!(err.to_string(), "api error (403): Forbidden here");
}

#[tokio::test]
async fn rate_limit_reports_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).orders().get(1).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(7))
    );
}

#[tokio::test]
async fn errors_never_show_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"message": "nope"})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.orders().get(1).await.unwrap_err();
    for shown in [format!("{err}"), format!("{err:?}"), format!("{c:?}")] {
        assert!(!shown.contains(crate::TOKEN), "{shown}");
    }
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder(
        format!("http://{addr}"),
        magento::Credentials::integration_bearer("t"),
    )
    .retry(magento::RetryConfig::disabled())
    .build()
    .unwrap();
    let err = c.orders().get(1).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.status(), None);
}

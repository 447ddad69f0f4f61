use crate::{GQL_PATH, cost};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use shopify::{Client, Credentials, Error, Gid, OAuthApp, TokenSet};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{body_json, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn app() -> OAuthApp {
    OAuthApp::new("client-id", SecretString::from("client-secret"))
}

#[tokio::test]
async fn authorization_code_exchange() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .and(body_json(
            json!({"client_id": "client-id", "client_secret": "client-secret", "code": "abc"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "shpat_new", "scope": "read_orders,write_orders",
            "expires_in": 3600, "refresh_token": "shprt_1", "refresh_token_expires_in": 7776000
        })))
        .expect(1)
        .mount(&server)
        .await;
    let shop = server.uri().parse().unwrap();
    let tokens = app().exchange_code(&shop, "abc").await.unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "shpat_new");
    assert_eq!(tokens.scope.as_deref(), Some("read_orders,write_orders"));
    assert!(tokens.expires_at.is_some());
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "shprt_1");
}

#[tokio::test]
async fn token_debug_is_redacted() {
    let t = TokenSet::new(SecretString::from("shpat_visible"), None, None);
    assert!(!format!("{t:?}").contains("shpat_visible"));
}

#[tokio::test]
async fn rejected_code_is_an_auth_error_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request", "error_description": "The authorization code was not found or was already used"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = app()
        .exchange_code(&server.uri().parse().unwrap(), "used")
        .await
        .unwrap_err();
    match &err {
        Error::Auth {
            status: Some(400),
            body,
        } => assert_eq!(body.error.as_deref(), Some("invalid_request")),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err:?} {err}").contains("client-secret"));
}

#[tokio::test]
async fn malformed_token_response_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"scope": "x"})))
        .mount(&server)
        .await;
    let err = app()
        .exchange_code(&server.uri().parse().unwrap(), "c")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn client_credentials_grant_feeds_graphql_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "grant_type=client_credentials&client_id=client-id&client_secret=client-secret",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "shpat_cc", "scope": "read_orders", "expires_in": 86399
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .and(header("X-Shopify-Access-Token", "shpat_cc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"order": null}, "extensions": cost(1, 1999)
        })))
        .expect(2)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri().parse().unwrap())
        .credentials(Credentials::ClientCredentials(app()))
        .build()
        .unwrap();
    // Two calls, one token request: the token is cached.
    assert!(
        client
            .orders()
            .get(&Gid::new("Order", 1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .orders()
            .get(&Gid::new("Order", 2))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn expired_offline_token_is_refreshed_and_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .and(body_json(json!({
            "client_id": "client-id", "client_secret": "client-secret",
            "grant_type": "refresh_token", "refresh_token": "shprt_old"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "shpat_fresh", "expires_in": 3600, "refresh_token": "shprt_new"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .and(header("X-Shopify-Access-Token", "shpat_fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": null}})))
        .expect(1)
        .mount(&server)
        .await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    let expired = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    let client = Client::builder()
        .base_url(server.uri().parse().unwrap())
        .credentials(Credentials::ExpiringOffline {
            app: app(),
            tokens: TokenSet::new(
                SecretString::from("shpat_stale"),
                Some(expired),
                Some(SecretString::from("shprt_old")),
            ),
        })
        .on_token_refresh(move |t| {
            sink.lock()
                .unwrap()
                .push(t.refresh_token.as_ref().unwrap().expose_secret().to_owned())
        })
        .build()
        .unwrap();
    client.orders().get(&Gid::new("Order", 1)).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["shprt_new".to_string()]);
}

#[tokio::test]
async fn unauthorized_with_fixed_token_is_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = crate::client(&server)
        .orders()
        .get(&Gid::new("Order", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains(crate::TOKEN));
}

#[test]
fn authorize_url_carries_the_parameters() {
    let url = app()
        .authorize_url(
            &"https://example.myshopify.com".parse().unwrap(),
            &["read_orders", "write_orders"],
            "https://app.example.com/callback",
            "nonce-1",
        )
        .unwrap();
    assert_eq!(
        url.as_str(),
        "https://example.myshopify.com/admin/oauth/authorize?client_id=client-id&scope=read_orders%2Cwrite_orders&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=nonce-1"
    );
}

#[test]
fn callback_query_verification_uses_the_app_secret() {
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let query = shopify::oauth::sign_query(
        "code=c1&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZXhhbXBsZQ%3D%3D&shop=example.myshopify.com&state=nonce-1&timestamp=1700000000",
        app().client_secret(),
    );
    assert!(app().verify_query(&query, now).is_ok());
    let other = OAuthApp::new("client-id", SecretString::from("other"));
    assert!(other.verify_query(&query, now).is_err());
}

#[tokio::test]
async fn revoked_client_credentials_token_is_renewed_once_on_401() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "shpat_cc", "expires_in": 86399
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors": "Invalid API key or access token"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL_PATH))
        .and(header("X-Shopify-Access-Token", "shpat_cc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": null}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri().parse().unwrap())
        .credentials(Credentials::ClientCredentials(app()))
        .build()
        .unwrap();
    assert!(
        client
            .orders()
            .get(&Gid::new("Order", 1))
            .await
            .unwrap()
            .is_none()
    );
}

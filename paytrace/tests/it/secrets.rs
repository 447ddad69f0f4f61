//! No credential, token, card number or CSC in any error or `Debug` output.

use crate::*;
use paytrace::{CreditCard, Csc, CscField, Decimal, KeyedRequest, ProtectRequest, ProtectToken};
use std::time::Duration;
use wiremock::MockServer;

const PAN: &str = "4012000098765439";
const CSC: &str = "999";
const SALE_BODY: &str = r#"{"amount": 51.88, "csc": "999",
    "credit_card": {"number": "4012000098765439", "expiration_month": "12", "expiration_year": "2026"}}"#;

fn assert_clean(text: &str) {
    for secret in [
        PAN,
        CSC,
        PASSWORD,
        USERNAME,
        TOKEN,
        "hpf-secret",
        "enc-secret",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked in {text}");
    }
}

fn sale() -> KeyedRequest {
    let mut sale = KeyedRequest::new(Decimal::new(5188, 2), CreditCard::plain(PAN, 12, 2026));
    sale.csc = Some(CscField::Plain(Csc::new(CSC)));
    sale
}

#[test]
fn requests_are_redacted_in_debug() {
    assert_clean(&format!("{:?}", sale()));
    let protect = ProtectRequest::new(ProtectToken::new("hpf-secret", "enc-secret"), Decimal::ONE);
    assert_clean(&format!("{protect:?}"));
}

#[tokio::test]
async fn errors_never_carry_secrets() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("/v1/transactions/sale/keyed", json(SALE_BODY))
        .respond_with(reply(400, &fixture_text("validation_multi.json")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/sale/keyed", json(SALE_BODY))
        .respond_with(reply(200, "{}").set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    api_call("/v1/transactions/sale/keyed", json(SALE_BODY))
        .respond_with(reply(200, r#"{"success": 1}"#))
        .expect(1)
        .mount(&server)
        .await;

    let client = impatient_client(&server);
    assert_clean(&format!("{client:?}"));
    for _ in 0..3 {
        let err = client.sale_keyed(&sale()).await.unwrap_err();
        assert_clean(&format!("{err} {err:?}"));
    }
}

#[tokio::test]
async fn transport_errors_never_carry_secrets() {
    // Reserve a loopback port, then free it: nothing listens there, the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = paytrace::Client::builder(USERNAME, paytrace::SecretString::from(PASSWORD))
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(paytrace::RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client.sale_keyed(&sale()).await.unwrap_err();
    assert!(matches!(err, paytrace::Error::Transport { .. }), "{err:?}");
    assert!(!err.is_ambiguous(), "a refused connection sent nothing");
    // The error names the address it could not reach; a port such as 40999 holds the CSC's
    // digits without leaking anything, so the address is left out of the check.
    let address = format!("127.0.0.1:{port}");
    assert_clean(&format!("{err} {err:?}").replace(&address, "<address>"));
}

//! Safe calls are retried on 429/502/503/504 and timeouts; documents and state changes are not.

use std::time::Duration;

use magento::{CreateInvoice, Customer, Error, Refund};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{rest, retrying_client};

#[tokio::test]
async fn reads_are_retried_on_gateway_errors_and_rate_limits() {
    for status in [429u16, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(rest("/orders/3")))
            .respond_with(ResponseTemplate::new(status).insert_header("Retry-After", "0"))
            .up_to_n_times(2)
            .expect(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(rest("/orders/3")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entity_id": 3})))
            .expect(1)
            .mount(&server)
            .await;
        let order = retrying_client(&server).orders().get(3).await.unwrap();
        assert_eq!(order.entity_id, Some(3), "status {status}");
    }
}

#[tokio::test]
async fn reads_give_up_after_max_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let err = retrying_client(&server).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { status: 503, .. }));
}

#[tokio::test]
async fn read_timeouts_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(500)))
        .expect(3)
        .mount(&server)
        .await;
    let err = retrying_client(&server)
        .invoices()
        .get(3)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout));
}

/// A client retrying once, with a 1 ms backoff and waits capped at `cap`.
fn one_retry_client(server: &MockServer, cap: Duration) -> magento::Client {
    magento::Client::builder(server.uri(), magento::Credentials::integration_bearer("t"))
        .retry(
            magento::RetryConfig::disabled()
                .with_max_retries(1)
                .with_backoff(Duration::from_millis(1), cap),
        )
        .build()
        .unwrap()
}

/// A 503 asking to wait `retry_after` seconds, then the order.
async fn unavailable_then_order(retry_after: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", retry_after))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entity_id": 3})))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn retry_after_replaces_the_backoff_up_to_the_cap() {
    // Retry-After: 1 with a 1 ms backoff: the server's wait is the one obeyed.
    let server = unavailable_then_order("1").await;
    let started = std::time::Instant::now();
    let order = one_retry_client(&server, Duration::from_secs(5))
        .orders()
        .get(3)
        .await
        .unwrap();
    assert_eq!(order.entity_id, Some(3));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // Retry-After: 3600 is cut to max_backoff.
    let server = unavailable_then_order("3600").await;
    let started = std::time::Instant::now();
    one_retry_client(&server, Duration::from_millis(20))
        .orders()
        .get(3)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn non_transient_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"message": "Internal Error. Report ID: webapi-1"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = retrying_client(&server).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Internal(_)));
}

#[tokio::test]
async fn customer_put_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2, "email": "a@b.c"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = retrying_client(&server)
        .customers()
        .update(2, &Customer::default())
        .await
        .unwrap();
    assert_eq!(c.id, Some(2));
}

#[tokio::test]
async fn documents_and_state_changes_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(6)
        .mount(&server)
        .await;
    let c = retrying_client(&server);
    let errs = [
        c.invoices()
            .create(3, &CreateInvoice::default())
            .await
            .unwrap_err(),
        c.shipments()
            .create(3, &magento::CreateShipment::default())
            .await
            .unwrap_err(),
        c.credit_memos()
            .refund_offline(3, &Refund::default())
            .await
            .unwrap_err(),
        c.credit_memos()
            .refund_online(3, &Refund::default())
            .await
            .unwrap_err(),
        c.orders().cancel(3).await.unwrap_err(),
        c.customers()
            .create(&magento::NewCustomer::new(Customer::default()))
            .await
            .unwrap_err(),
    ];
    assert!(
        errs.iter()
            .all(|e| matches!(e, Error::Unavailable { status: 503, .. }))
    );
}

#[tokio::test]
async fn write_timeouts_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(5)
                .set_delay(Duration::from_millis(500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = retrying_client(&server)
        .invoices()
        .create(3, &CreateInvoice::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout));
}

/// A server that accepts connections and closes them at once, counting them.
fn closing_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (format!("http://{addr}"), count)
}

fn client_for(base: &str) -> magento::Client {
    magento::Client::builder(base, magento::Credentials::integration_bearer("t"))
        .retry(
            magento::RetryConfig::standard()
                .with_max_retries(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn reads_are_retried_on_network_errors_and_writes_are_not() {
    use std::sync::atomic::Ordering;
    let (base, count) = closing_server();
    let err = client_for(&base).orders().get(3).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 3);

    let (base, count) = closing_server();
    let err = client_for(&base).orders().hold(3).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

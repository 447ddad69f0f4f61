//! Client overhead: requests per second of `paytrace::Client::sale_by_customer` against bare
//! reqwest sending the same request and reading the JSON answer into a `serde_json::Value`, both
//! to a local server that answers with a canned PayTrace approval. The client's share is its token
//! cache, request building, typed decoding and outcome classification.
//!
//! Usage: `cargo run --release -p examples --bin overhead -- [requests] [concurrency]`
//! (defaults 20000 and 32).
// Floats only for the rates printed at the end; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use examples::BoxError;
use paytrace::{CustomerRequest, Decimal, SecretString};

const TOKEN: &str = r#"{"access_token":"bench-token","token_type":"Bearer","expires_in":7200,"created_at":1700000000}"#;
const APPROVED: &str = r#"{"success":true,"response_code":101,"status_message":"Your transaction was successfully approved.","transaction_id":1234567,"approval_code":"TAS684","approval_message":"  NO  MATCH - Approved and completed","avs_response":"No Match","csc_response":"","external_transaction_id":"","masked_card_number":"xxxxxxxxxxxx1111"}"#;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(32), |a| a.parse())?;

    let app = Router::new()
        .route(
            "/oauth/token",
            post(|| async { ([("content-type", "application/json")], TOKEN) }),
        )
        .route(
            "/v1/transactions/sale/by_customer",
            post(|| async { ([("content-type", "application/json")], APPROVED) }),
        );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = paytrace::Client::builder("bench", SecretString::from("bench-password"))
        .base_url(base.as_str())
        .integrator_id("BENCH")
        .timeout(Duration::from_secs(10))
        .build()?;
    let sale = CustomerRequest::new("vault-1", Decimal::new(1999, 2));
    let bare = reqwest::Client::new();
    let url = format!("{base}/v1/transactions/sale/by_customer");
    let body =
        serde_json::json!({"customer_id": "vault-1", "amount": 19.99, "integrator_id": "BENCH"});

    // Warm up both (and fill the client's token cache).
    client.sale_by_customer(&sale).await?;
    bare.post(&url)
        .bearer_auth("bench-token")
        .json(&body)
        .send()
        .await?
        .bytes()
        .await?;

    let mut best = (0.0_f64, 0.0_f64);
    for round in 0..3 {
        let sdk = run(requests, concurrency, {
            let (client, sale) = (client.clone(), sale.clone());
            move || {
                let (client, sale) = (client.clone(), sale.clone());
                async move {
                    client
                        .sale_by_customer(&sale)
                        .await
                        .map(|_| ())
                        .map_err(BoxError::from)
                }
            }
        })
        .await?;
        let raw = run(requests, concurrency, {
            let (bare, url, body) = (bare.clone(), url.clone(), body.clone());
            move || {
                let (bare, url, body) = (bare.clone(), url.clone(), body.clone());
                async move {
                    bare.post(&url)
                        .bearer_auth("bench-token")
                        .json(&body)
                        .send()
                        .await?
                        .bytes()
                        .await?;
                    Ok(())
                }
            }
        })
        .await?;
        println!(
            "round {round}: paytrace client {sdk:.0} req/s, bare reqwest {raw:.0} req/s, ratio {:.2}",
            sdk / raw
        );
        best = (best.0.max(sdk), best.1.max(raw));
    }
    println!(
        "best: paytrace client {:.0} req/s, bare reqwest {:.0} req/s, ratio {:.2}",
        best.0,
        best.1,
        best.0 / best.1
    );
    Ok(())
}

/// Runs `requests` calls of `call`, `concurrency` at a time; returns calls per second.
async fn run<F, Fut>(requests: usize, concurrency: usize, call: F) -> Result<f64, BoxError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let call = Arc::new(call);
    let per_task = requests / concurrency.max(1);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let call = Arc::clone(&call);
        tasks.spawn(async move {
            for _ in 0..per_task {
                call().await?;
            }
            Ok::<(), BoxError>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok((per_task * concurrency) as f64 / started.elapsed().as_secs_f64())
}

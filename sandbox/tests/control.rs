//! The control API: in-process over loopback, and through the `sandbox` binary in its own process.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use paytrace::{Client, CustomerRequest, Decimal, Outcome, RetryConfig, SecretString};
use sandbox::{Sandbox, Service, StartOptions, control};
use serde_json::{Value, json};

/// A control API served on loopback, and a way to call it.
struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn serve(sandbox: &Sandbox) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(axum::serve(listener, control::router(sandbox)).into_future());
        Self::at(base)
    }

    fn at(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON {text:?}"));
        (status, json)
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let text = body.map(|b| b.to_string());
        let (status, json) = self.call(method, path, text.as_deref()).await;
        assert_eq!(status, 200, "{method} {path}: {json}");
        json
    }

    /// The `error` of a refused call, checking its status.
    async fn refused(&self, method: &str, path: &str, body: &str, status: u16) -> String {
        let (got, json) = self.call(method, path, Some(body)).await;
        assert_eq!(got, status, "{method} {path} {body}: {json}");
        json["error"].as_str().unwrap().to_owned()
    }
}

/// A webhook receiver that answers 200 and keeps the bodies.
async fn receiver() -> (Arc<Mutex<Vec<Value>>>, String) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice::<Value>(&body).unwrap());
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app).into_future());
    (got, url)
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn control_api_drives_faults_paytrace_and_shopify() {
    let sandbox = Sandbox::start(&[Service::Paytrace, Service::Shopify], 3)
        .await
        .unwrap();
    let api = Api::serve(&sandbox).await;
    let paytrace_fake = &sandbox.paytrace.as_ref().unwrap().fake;
    let paytrace_url = sandbox.paytrace.as_ref().unwrap().base_url().clone();

    // The description: URLs, credentials and the control URL itself.
    let description = api.ok("GET", "/control", None).await;
    assert_eq!(description["control"], format!("{}/control", api.base));
    assert_eq!(description["paytrace"]["url"], paytrace_url.as_str());
    assert_eq!(
        description["paytrace"]["username"],
        paytrace_fake.username()
    );
    assert_eq!(
        description["shopify"]["webhook_secret"],
        sandbox.shopify.as_ref().unwrap().fake.webhook_secret()
    );
    assert!(description.get("stripe").is_none());

    // A fault rule: the next sale gets a 503 with Retry-After, then sales go through again.
    let rule = api
        .ok(
            "POST",
            "/control/faults",
            Some(json!({
                "service": "paytrace", "path_prefix": "/v1/transactions/sale", "method": "POST",
                "fault": {"respond": {"status": 503, "headers": [["Retry-After", "1"]], "body": "{}"}},
                "trigger": {"count": 1},
            })),
        )
        .await;
    let id = rule["id"].as_u64().unwrap();
    let path = format!("/control/faults/{id}");
    assert_eq!(api.ok("GET", &path, None).await["fired"], 0);
    let answer = reqwest::Client::new()
        .post(paytrace_url.join("v1/transactions/sale/keyed").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], "1");
    assert_eq!(api.ok("GET", &path, None).await["fired"], 1);

    // A vault customer seeded over the API, charged by the real client.
    let seeded = api
        .ok(
            "POST",
            "/control/paytrace/customers",
            Some(json!({
                "customer_id": "c1", "card_number": "4111111111111111",
                "expiration_month": 12, "expiration_year": 2030,
                "billing": {"name": "Ada Buyer", "zip": "90210"},
            })),
        )
        .await;
    assert_eq!(seeded["customer_id"], "c1");
    let client = Client::builder(
        paytrace_fake.username(),
        SecretString::from(paytrace_fake.password()),
    )
    .base_url(paytrace_url.as_str())
    .integrator_id(paytrace_fake.integrator_id())
    .retry(RetryConfig::standard().with_backoff(Duration::from_millis(10), Duration::from_secs(5)))
    .build()
    .unwrap();
    let mut charge = CustomerRequest::new("c1", Decimal::new(1234, 2));
    charge.details.invoice_id = Some("ctl-1".into());
    let sale = client.sale_by_customer(&charge).await.unwrap();
    assert_eq!(sale.outcome(), Outcome::Approved);
    let mut declined = CustomerRequest::new("c1", Decimal::new(112, 2));
    declined.details.invoice_id = Some("ctl-2".into());
    assert_eq!(
        client.sale_by_customer(&declined).await.unwrap().outcome(),
        Outcome::Declined
    );

    let listed = api
        .ok(
            "GET",
            "/control/paytrace/transactions?invoice_id=ctl-1",
            None,
        )
        .await;
    let listed = listed["transactions"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    let t = &listed[0];
    assert_eq!(t["id"].as_u64(), sale.transaction_id.map(|t| t.0));
    assert_eq!(t["kind"], "sale");
    assert_eq!(t["amount"], "12.34");
    assert_eq!(t["approved"], true);
    assert_eq!(t["voided"], false);
    assert_eq!(t["customer_id"], "c1");
    assert_eq!(t["status_code"], "Y");
    assert_eq!(t["billing_address"]["zip"], "90210");
    let all = api.ok("GET", "/control/paytrace/transactions", None).await;
    let all = all["transactions"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["invoice_id"], "ctl-2");
    assert_eq!(all[1]["approved"], false);
    // Card data never leaves: at most the masked last four.
    let text = Value::from(all.clone()).to_string();
    assert!(
        !text.contains("4111111111111111") && !text.contains("411111"),
        "{text}"
    );
    for t in all {
        let masked = t["masked_card_number"].as_str();
        assert!(
            masked.is_none_or(|m| m.trim_start_matches('x') == "1111"),
            "{t}"
        );
    }

    let settled = api.ok("POST", "/control/paytrace/settle", None).await;
    assert_eq!(settled["batch_number"], 1);
    let after = api
        .ok(
            "GET",
            "/control/paytrace/transactions?invoice_id=ctl-1",
            None,
        )
        .await;
    assert_eq!(after["transactions"][0]["status_code"], "GB1");
    assert_eq!(
        api.ok("POST", "/control/paytrace/settle", None).await["batch_number"],
        Value::Null
    );

    // Shopify: subscribe a receiver, create an order, read it back.
    let (hooks, hook_url) = receiver().await;
    let subscribed = api
        .ok(
            "POST",
            "/control/shopify/webhooks",
            Some(json!({"topic": "orders/create", "url": hook_url})),
        )
        .await;
    assert_eq!(subscribed["url"], hook_url);
    let created = api
        .ok(
            "POST",
            "/control/shopify/orders",
            Some(json!({
                "email": "ctl@example.com",
                "line_items": [
                    {"title": "Mug", "sku": "MUG-1", "quantity": 2, "price": "5.00"},
                    {"title": "Engraving", "sku": null, "price": "3.00"},
                ],
                "shipping": "4.00", "tax": "1.00", "tip": "2.00",
                "note_attributes": [{"name": "paytrace_customer_id", "value": "c1"}],
                "risk_level": "low", "tags": ["vip"], "note": "leave at door",
            })),
        )
        .await;
    let order_id = created["id"].as_u64().unwrap();
    assert_eq!(created["name"], "#1001");
    assert_eq!(created["total_price"], "20.00");
    assert_eq!(created["total_tip_received"], "2.00");
    assert_eq!(created["line_items"][0]["sku"], "MUG-1");
    assert_eq!(created["line_items"][1]["sku"], Value::Null);
    assert_eq!(created["line_items"][1]["quantity"], 1);
    assert_eq!(created["customer"]["first_name"], "Sandbox");
    assert_eq!(
        created["note_attributes"],
        json!([{"name": "paytrace_customer_id", "value": "c1"}])
    );
    until("the orders/create webhook", async || {
        !hooks.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(hooks.lock().unwrap()[0], created);
    until("the webhook sender to be idle", async || {
        api.ok("GET", "/control/shopify/webhooks", None).await["pending"] == 0
    })
    .await;
    let stats = api.ok("GET", "/control/shopify/webhooks", None).await;
    assert_eq!(stats["attempts"], 1);
    assert_eq!(stats["delivered"], 1);
    assert_eq!(
        stats["subscriptions"],
        json!([{"topic": "orders/create", "url": hook_url}])
    );

    let read = api
        .ok("GET", &format!("/control/shopify/orders/{order_id}"), None)
        .await;
    assert_eq!(read["financial_status"], "pending");
    assert_eq!(read["tags"], "vip");
    assert_eq!(read["note"], "leave at door");
    assert_eq!(read["metafields"], json!([]));
    assert_eq!(read["transactions"], json!([]));
    assert_eq!(read["total_price"], "20.00");

    // Clearing the rules stops them.
    api.ok(
        "POST",
        "/control/faults",
        Some(json!({"service": "paytrace", "fault": {"drop": true}, "trigger": {"always": true}})),
    )
    .await;
    assert_eq!(
        api.ok("DELETE", "/control/faults", None).await["cleared"],
        true
    );
    assert_eq!(
        client.sale_by_customer(&charge).await.unwrap().outcome(),
        Outcome::Approved
    );
}

#[tokio::test]
async fn control_api_refuses_bad_input_naming_the_field() {
    let sandbox = Sandbox::start(&[Service::Paytrace, Service::Shopify], 0)
        .await
        .unwrap();
    let api = Api::serve(&sandbox).await;
    let rule = |fault: &str, trigger: &str| {
        format!(r#"{{"service":"paytrace","fault":{fault},"trigger":{trigger}}}"#)
    };
    let cases = [
        ("/control/faults", "not json".to_owned(), "body: not JSON"),
        ("/control/faults", "[1]".to_owned(), "body: expected a JSON object"),
        (
            "/control/faults",
            r#"{"service":"paypal","fault":{"drop":true},"trigger":{"always":true}}"#.to_owned(),
            "service: unknown service",
        ),
        (
            "/control/faults",
            rule(r#"{"latency":5}"#, r#"{"count":1}"#),
            "fault.latency: unknown field",
        ),
        (
            "/control/faults",
            rule(r#"{"latency_ms":5,"drop":true}"#, r#"{"count":1}"#),
            "fault: expected exactly one of",
        ),
        (
            "/control/faults",
            rule(r#"{"respond":{"status":"503"}}"#, r#"{"count":1}"#),
            "fault.respond.status: expected an integer",
        ),
        (
            "/control/faults",
            rule(r#"{"drop":true}"#, r#"{"per_mille":1001}"#),
            "trigger.per_mille: expected an integer from 0 to 1000",
        ),
        (
            "/control/faults",
            rule(r#"{"apply_after_ms":10}"#, "null"),
            "trigger: required",
        ),
        (
            "/control/paytrace/customers",
            r#"{"customer_id":"c","card_number":"1234","expiration_month":12,"expiration_year":2030}"#
                .to_owned(),
            "card_number:",
        ),
        (
            "/control/paytrace/customers",
            r#"{"customer_id":"c","card_number":"4111111111111111","expiration_month":13,"expiration_year":2030}"#
                .to_owned(),
            "expiration_month:",
        ),
        (
            "/control/shopify/orders",
            r#"{"email":"x@example.com"}"#.to_owned(),
            "line_items: required",
        ),
        (
            "/control/shopify/orders",
            r#"{"line_items":[{"price":"1.00"},{"price":"-2"}]}"#.to_owned(),
            "line_items[1].price:",
        ),
        (
            "/control/shopify/orders",
            r#"{"line_items":[{"price":"1.00"}],"tip":1.5e400}"#.to_owned(),
            "tip:",
        ),
        (
            "/control/shopify/orders",
            r#"{"line_items":[{"price":"1.00"}],"payment":{"refunded":"x"}}"#.to_owned(),
            "payment:",
        ),
        (
            "/control/shopify/webhooks",
            r#"{"topic":"orders/create","url":"not a url"}"#.to_owned(),
            "url:",
        ),
    ];
    for (path, body, expected) in cases {
        let error = api.refused("POST", path, &body, 400).await;
        assert!(error.starts_with(expected), "{path} {body}: {error}");
    }
    assert!(
        api.refused("GET", "/control/faults/99", "", 404)
            .await
            .contains("no fault rule 99")
    );
    assert!(
        api.refused("GET", "/control/faults/abc", "", 400)
            .await
            .starts_with("id:")
    );
    assert!(
        api.refused("GET", "/control/shopify/orders/1", "", 404)
            .await
            .contains("no shopify order 1")
    );
    assert!(
        api.refused("GET", "/control/magento/orders/1", "", 404)
            .await
            .contains("magento is not running")
    );
    assert!(
        api.refused(
            "POST",
            "/control/stripe/webhooks",
            r#"{"url":"http://x/"}"#,
            404
        )
        .await
        .contains("stripe is not running")
    );
    assert_eq!(
        api.refused("GET", "/control/nothing", "", 404).await,
        "no such control route"
    );
    assert_eq!(api.call("PUT", "/control/faults", None).await.0, 405);
    // Nothing was added by the refused calls.
    assert!(
        sandbox
            .paytrace
            .as_ref()
            .unwrap()
            .fake
            .customers()
            .is_empty()
    );
    assert!(sandbox.shopify.as_ref().unwrap().fake.orders().is_empty());
}

/// Kills the child if the test fails before it stopped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test]
async fn the_binary_prints_a_json_line_serves_control_and_stops_on_sigterm() {
    let child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args([
            "--control",
            "127.0.0.1:0",
            "--seed",
            "5",
            "--webhook-retries",
            "10,10",
            "paytrace",
            "shopify",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Running(child);
    // Read the first line on a thread so a silent binary fails the test instead of hanging it.
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let first: Value = serde_json::from_str(line.trim()).unwrap();
    let control_url = first["control"].as_str().unwrap().to_owned();
    assert!(
        control_url.starts_with("http://127.0.0.1:"),
        "{control_url}"
    );
    assert!(
        first["paytrace"]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(first["paytrace"]["username"], "sandbox-api-user");
    assert_eq!(
        first["shopify"]["shop_domain"],
        "sandbox-shop.myshopify.com"
    );
    assert!(first["shopify"]["access_token"].is_string());
    assert!(first.get("stripe").is_none());

    let api = Api::at(control_url.trim_end_matches("/control").to_owned());
    let described = api.ok("GET", "/control", None).await;
    assert_eq!(described, first);

    // --webhook-retries reaches the Shopify fake: a dead receiver gets the try and two retries.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/hooks", dead.local_addr().unwrap());
    drop(dead);
    api.ok(
        "POST",
        "/control/shopify/webhooks",
        Some(json!({"topic": "orders/create", "url": dead_url})),
    )
    .await;
    api.ok(
        "POST",
        "/control/shopify/orders",
        Some(json!({"line_items": [{"price": "1.00"}]})),
    )
    .await;
    until("the retries to end", async || {
        api.ok("GET", "/control/shopify/webhooks", None).await["pending"] == 0
    })
    .await;
    let stats = api.ok("GET", "/control/shopify/webhooks", None).await;
    assert_eq!(stats["attempts"], 3, "{stats}");
    assert_eq!(stats["delivered"], 0);

    // SIGTERM ends it cleanly.
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the sandbox did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn start_options_default_to_each_providers_schedule() {
    let options = StartOptions::default();
    assert_eq!(options.seed, 0);
    assert_eq!(options.webhook_retries, None);
    let options = options
        .seed(9)
        .webhook_retries(vec![Duration::from_millis(1)]);
    assert_eq!(options.seed, 9);
    assert_eq!(
        options.webhook_retries.as_deref(),
        Some(&[Duration::from_millis(1)][..])
    );
}

#[tokio::test]
async fn control_api_sets_a_magento_order_payment_method_as_a_storefront_would() {
    let sandbox = Sandbox::start(&[Service::Magento], 7).await.unwrap();
    let api = Api::serve(&sandbox).await;
    let fake = &sandbox.magento.as_ref().unwrap().fake;
    let mut order = sandbox::magento::NewOrder::new("jane@example.com");
    order.payment_info = vec![(
        "stripe_payment_method".into(),
        "pm_card_visa_chargeDeclined".into(),
    )];
    let id = fake.create_order(order);
    let before = fake.order(id).unwrap().updated_at;
    fake.advance_clock(Duration::from_secs(5));

    let path = format!("/control/magento/orders/{id}/payment_info");
    let order = api
        .ok(
            "POST",
            &path,
            Some(json!({"key": "stripe_payment_method", "value": "pm_card_visa"})),
        )
        .await;
    let info = order["extension_attributes"]["payment_additional_info"]
        .as_array()
        .unwrap();
    let methods: Vec<&Value> = info
        .iter()
        .filter(|p| p["key"] == "stripe_payment_method")
        .map(|p| &p["value"])
        .collect();
    assert_eq!(methods, [&json!("pm_card_visa")], "{order}");
    assert_ne!(order["updated_at"], json!(before), "{order}");
    assert_eq!(fake.order(id).unwrap().updated_at, order["updated_at"]);

    // A new key is added beside the others.
    api.ok(
        "POST",
        &path,
        Some(json!({"key": "stripe_customer", "value": "cus_1"})),
    )
    .await;
    assert_eq!(fake.order(id).unwrap().payment.additional_info.len(), 2);

    assert!(
        api.refused("POST", &path, r#"{"key": "stripe_customer"}"#, 400)
            .await
            .contains("value")
    );
    assert!(
        api.refused(
            "POST",
            "/control/magento/orders/999/payment_info",
            r#"{"key": "a", "value": "b"}"#,
            404
        )
        .await
        .contains("no magento order 999")
    );
}

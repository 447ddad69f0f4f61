//! Fulfilment requests out (the signed sender against a loopback server and the sandbox
//! warehouse) and shipment notices in, end to end for Magento + Stripe.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flows::fulfilment::{
    Fulfilment, FulfilmentError, FulfilmentLine, FulfilmentRequest, OrderRef, Requested,
    SignedWebhookFulfilment, TOLERANCE, verify,
};
use flows::{Cause, StepError};
use mapping::{Address, System};
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "whsec_test_warehouse";

/// An answer: status, extra headers, body and a delay before it.
type Answer = (u16, Vec<(&'static str, &'static str)>, String, Duration);
/// A received request: its headers and body.
type Seen = (HeaderMap, Vec<u8>);

/// What the loopback warehouse answers, and what it received.
#[derive(Clone, Default)]
struct Script {
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn answer(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> Response {
    script.seen.lock().unwrap().push((headers, body.to_vec()));
    let (status, extra, text, delay) = script.answer.lock().unwrap().clone();
    tokio::time::sleep(delay).await;
    let mut response = (StatusCode::from_u16(status).unwrap(), text).into_response();
    for (name, value) in extra {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// A loopback server answering as `script` says, and its URL.
async fn loopback(script: &Script) -> String {
    let app = axum::Router::new()
        .route("/fulfilments", axum::routing::post(answer))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/fulfilments")
}

fn request() -> FulfilmentRequest {
    let ship_to = Address {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        lines: vec!["1 Main St".into()],
        city: Some("Austin".into()),
        region_code: Some("TX".into()),
        postal_code: Some("78701".into()),
        ..Address::default()
    };
    FulfilmentRequest::new(
        "stripe/acct_1/charge/ch_1/fulfilment/request",
        OrderRef {
            system: System::Magento,
            account: "default".into(),
            id: "42".into(),
            number: "000000042".into(),
        },
        vec![FulfilmentLine {
            sku: Some("TEE-1".into()),
            name: "Tee".into(),
            quantity: 3,
        }],
        ship_to,
        time::macros::datetime!(2026-12-07 11:00 UTC),
    )
    .email(Some("jane@example.com".into()))
}

fn sender(url: &str) -> SignedWebhookFulfilment {
    SignedWebhookFulfilment::new(url, SecretString::from(SECRET))
        .unwrap()
        .timeout(Duration::from_millis(300))
        .unwrap()
}

fn set(script: &Script, status: u16, headers: Vec<(&'static str, &'static str)>, body: &str) {
    *script.answer.lock().unwrap() = (status, headers, body.to_owned(), Duration::ZERO);
}

#[tokio::test]
async fn the_request_is_signed_json_with_its_idempotency_key() {
    let script = Script::default();
    set(&script, 201, vec![], r#"{"id":"wh_77"}"#);
    let url = loopback(&script).await;
    let requested = sender(&url).send(&request()).await.unwrap();
    assert_eq!(requested, Requested::new(Some("wh_77".into())));

    let seen = script.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["idempotency-key"],
        "stripe/acct_1/charge/ch_1/fulfilment/request"
    );
    let signature = headers["payops-signature"].to_str().unwrap();
    let secrets = [SecretString::from(SECRET)];
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(verify(signature, body, &secrets, now, TOLERANCE), Ok(()));
    assert!(verify(signature, b"{}", &secrets, now, TOLERANCE).is_err());
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body,
        json!({
            "idempotency_key": "stripe/acct_1/charge/ch_1/fulfilment/request",
            "order": {"system": "magento", "account": "default", "id": "42", "number": "000000042"},
            "lines": [{"sku": "TEE-1", "name": "Tee", "quantity": 3}],
            "ship_to": {
                "first_name": "Jane", "last_name": "Doe", "company": null,
                "lines": ["1 Main St"], "city": "Austin", "region_code": "TX",
                "postal_code": "78701", "country": null, "phone": null
            },
            "email": "jane@example.com",
            "created_at": "2026-12-07T11:00:00Z"
        })
    );
}

#[tokio::test]
async fn each_answer_class_is_accepted_refused_or_retried() {
    let script = Script::default();
    let url = loopback(&script).await;
    let sender = sender(&url);

    set(&script, 409, vec![], r#"{"message":"duplicate"}"#);
    assert_eq!(
        sender.send(&request()).await.unwrap(),
        Requested::duplicate()
    );

    set(&script, 400, vec![], r#"{"message":"unknown sku TEE-1"}"#);
    let refused = sender.request(&request()).await.unwrap_err();
    assert!(refused.is_permanent(), "{refused}");
    let text = refused.to_string();
    assert!(
        text.contains("HTTP 400") && text.contains("unknown sku TEE-1"),
        "{text}"
    );
    assert!(matches!(
        &refused,
        StepError::Permanent { system: Some(System::Warehouse), source }
            if matches!(**source, Cause::Fulfilment(FulfilmentError::Refused { status: 400, .. }))
    ));

    set(&script, 500, vec![("retry-after", "7")], "boom");
    let busy = sender.request(&request()).await.unwrap_err();
    assert!(
        matches!(
            busy,
            StepError::Transient {
                system: Some(System::Warehouse),
                retry_after: Some(d),
                ..
            } if d == Duration::from_secs(7)
        ),
        "{busy}"
    );

    set(&script, 429, vec![], "");
    assert!(!sender.request(&request()).await.unwrap_err().is_permanent());

    *script.answer.lock().unwrap() = (201, vec![], "{}".into(), Duration::from_secs(2));
    let slow = sender.send(&request()).await.unwrap_err();
    assert!(matches!(slow, FulfilmentError::Timeout(_)), "{slow}");
    assert!(slow.is_transient());

    // Nothing listens: a connection error, transient, with no secret in it.
    let gone = self::sender("http://127.0.0.1:9/fulfilments")
        .send(&request())
        .await
        .unwrap_err();
    assert!(gone.is_transient(), "{gone}");
    assert!(!gone.to_string().contains(SECRET));
    assert!(!format!("{gone:?}").contains(SECRET));
}

#[tokio::test]
async fn the_sandbox_warehouse_keeps_a_request_once() {
    use sandbox::warehouse::WarehouseFake;
    let faults = sandbox::Faults::default();
    let warehouse = sandbox::Running::start(WarehouseFake::new(), &faults)
        .await
        .unwrap();
    let url = format!("{}fulfilments", warehouse.base_url());
    let good =
        SignedWebhookFulfilment::new(&url, SecretString::from(warehouse.fake.secret().to_owned()))
            .unwrap();
    let first = good.send(&request()).await.unwrap();
    let again = good.send(&request()).await.unwrap();
    assert_eq!(first.reference.as_deref(), Some("wh_000001"));
    assert_eq!(again, first);
    let received = warehouse.fake.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].deliveries, 2);
    assert_eq!(received[0].body["lines"][0]["sku"], "TEE-1");

    // A sender with the wrong secret is refused, permanently.
    let wrong = SignedWebhookFulfilment::new(&url, SecretString::from("whsec_wrong")).unwrap();
    let err = wrong.send(&request()).await.unwrap_err();
    assert!(
        matches!(err, FulfilmentError::Refused { status: 401, .. }),
        "{err}"
    );
    // Injected 503s are transient.
    faults.add(sandbox::FaultRule::new(
        "warehouse",
        sandbox::Fault::status(503),
        sandbox::Trigger::Count(1),
    ));
    assert!(good.send(&request()).await.unwrap_err().is_transient());
    assert_eq!(warehouse.fake.received().len(), 1);
}

mod magento_stripe {
    use super::*;
    use flows::fulfilment::WarehouseWebhooks;
    use flows::intake::Delivery;
    use flows::{Backoff, JobPlan, NewEvent, Outcome, Store};
    use sandbox::magento::NewOrder;
    use sandbox::warehouse::WarehouseFake;
    use sandbox::{Fault, FaultRule, Faults, Running, Trigger};

    use crate::magento_stripe::through_the_sandbox::Sandboxed;

    const STORE: &str = "default";
    const ACCOUNT: &str = "acct_123";

    /// The Magento + Stripe sandbox with a warehouse fake, the signed sender to it, and the
    /// intake served on loopback for its notices.
    struct App {
        sandboxed: Sandboxed,
        warehouse: Running<WarehouseFake>,
    }

    impl std::ops::Deref for App {
        type Target = Sandboxed;

        fn deref(&self) -> &Sandboxed {
            &self.sandboxed
        }
    }

    impl App {
        async fn start() -> Self {
            let faults = Faults::default();
            let warehouse = Running::start(WarehouseFake::new(), &faults).await.unwrap();
            let secret = SecretString::from(warehouse.fake.secret().to_owned());
            let sender = SignedWebhookFulfilment::new(
                &format!("{}fulfilments", warehouse.base_url()),
                secret.clone(),
            )
            .unwrap();
            let sandboxed = Sandboxed::start_with(
                faults,
                |config| config.fulfilment(Arc::new(sender)),
                |intake| intake.source(WarehouseWebhooks::new(secret)),
                |worker| {
                    worker.backoff(Backoff::new(
                        Duration::from_millis(1),
                        Duration::from_millis(2),
                        5,
                    ))
                },
            )
            .await;
            // The intake on loopback: the warehouse fake posts its notices to it.
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let router = sandboxed.intake.router();
            tokio::spawn(async move { axum::serve(listener, router).await });
            warehouse
                .fake
                .register_notice_url(format!("http://{addr}/webhooks/warehouse").parse().unwrap());
            Self {
                sandboxed,
                warehouse,
            }
        }

        fn order(&self) -> i64 {
            self.sandboxed.order("pm_card_visa")
        }

        /// Stores the first `charge.succeeded` event again under a new id, with a job that runs
        /// again.
        async fn redeliver_charge_succeeded(&self) {
            let events = self.stripe.fake.events();
            let event = events
                .iter()
                .find(|e| e["type"] == "charge.succeeded")
                .unwrap();
            let body = serde_json::to_vec(event).unwrap();
            let routes = self.flows.routes();
            let route = routes
                .iter()
                .find(|r| r.system() == System::Stripe && r.topic() == "charge.succeeded")
                .unwrap();
            let delivery = Delivery {
                provider: System::Stripe,
                event_id: "evt_again",
                topic: "charge.succeeded",
                account: None,
                body: &body,
            };
            let job = flows::NewJob {
                rerun: true,
                ..route.plan(&delivery).unwrap()
            };
            self.store
                .accept_event(
                    NewEvent {
                        provider: System::Stripe,
                        event_id: "evt_again".into(),
                        topic: "charge.succeeded".into(),
                        payload: body,
                    },
                    Some(JobPlan::Run(job)),
                    flows::now_millis(),
                )
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_paid_order_is_requested_once_then_shipped_once_with_its_track() {
        let app = App::start().await;
        let id = app.order();
        // The warehouse is down for the first request: the charge's job runs twice, the
        // invoice and the ERP documents once.
        let down = app.faults.add(
            FaultRule::new("warehouse", Fault::status(503), Trigger::Count(1)).path("/fulfilments"),
        );
        let outcomes = app.pay(id).await;
        assert_eq!(app.faults.fired(down), 1);
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Outcome::Retrying { .. })),
            "{outcomes:?}"
        );
        assert_eq!(outcomes.last(), Some(&Outcome::Done), "{outcomes:?}");
        assert_eq!(
            app.magento.fake.order_json(id).unwrap()["state"],
            "processing"
        );
        assert_eq!(app.magento.fake.invoices_of(id).len(), 1);

        let received = app.warehouse.fake.received();
        assert_eq!(received.len(), 1, "{received:?}");
        assert_eq!(received[0].deliveries, 1);
        let request = &received[0].body;
        assert_eq!(request["order"]["system"], "magento");
        assert_eq!(request["order"]["account"], STORE);
        assert_eq!(request["order"]["id"], id.to_string());
        assert_eq!(
            request["lines"],
            json!([{"sku": "TEE-1", "name": request["lines"][0]["name"], "quantity": 3}])
        );
        assert!(request["ship_to"]["city"].is_string(), "{request}");
        let key = received[0].idempotency_key.clone();
        assert!(
            key.starts_with(&format!("stripe/{ACCOUNT}/charge/ch_"))
                && key.ends_with("/fulfilment/request"),
            "{key}"
        );
        assert_eq!(request["idempotency_key"], key.as_str());

        // The charge's event once more under a new id (a backfill, a replay), run again:
        // nothing is invoiced or sent twice.
        app.redeliver_charge_succeeded().await;
        let outcomes = app.drain().await;
        assert_eq!(outcomes, vec![Outcome::Done]);
        assert_eq!(app.magento.fake.invoices_of(id).len(), 1);
        let received = app.warehouse.fake.received();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].deliveries, 1);

        // The warehouse ships; its notice comes twice.
        app.warehouse.fake.webhooks().duplicate_next(1);
        let notice = app
            .warehouse
            .fake
            .ship(&id.to_string(), "1Z999AA10123456784", "ups");
        assert!(notice.is_some());
        assert!(
            app.warehouse
                .fake
                .webhooks()
                .wait_idle(Duration::from_secs(5))
                .await
        );
        let attempts = app.warehouse.fake.webhooks().attempts();
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        assert!(
            attempts.iter().all(|a| a.status == Some(200)),
            "{attempts:?}"
        );
        let outcomes = app.drain().await;
        assert_eq!(outcomes, vec![Outcome::Done]);

        let shipments = app.magento.fake.shipments_of(id);
        assert_eq!(shipments.len(), 1);
        assert_eq!(shipments[0].tracks.len(), 1);
        assert_eq!(shipments[0].tracks[0].track_number, "1Z999AA10123456784");
        assert_eq!(shipments[0].tracks[0].carrier_code, "ups");

        // The same parcel reported again under a new notice id: still one shipment.
        app.warehouse
            .fake
            .ship(&id.to_string(), "1Z999AA10123456784", "ups");
        assert!(
            app.warehouse
                .fake
                .webhooks()
                .wait_idle(Duration::from_secs(5))
                .await
        );
        app.drain().await;
        assert_eq!(app.magento.fake.shipments_of(id).len(), 1);
        assert_eq!(app.warehouse.fake.received().len(), 1);
    }

    #[tokio::test]
    async fn a_notice_about_another_store_is_refused_naming_the_field() {
        let app = App::start().await;
        let routes = app.flows.routes();
        let route = routes
            .iter()
            .find(|r| r.system() == System::Warehouse && r.topic() == "shipment.created")
            .unwrap();
        let plan = |order: Value| {
            let body = serde_json::to_vec(&json!({
                "id": "shn_1", "type": "shipment.created", "order": order,
                "tracking_number": "1Z1", "carrier": "ups", "lines": []
            }))
            .unwrap();
            route
                .plan(&Delivery {
                    provider: System::Warehouse,
                    event_id: "shn_1",
                    topic: "shipment.created",
                    account: None,
                    body: &body,
                })
                .map(|job| job.key)
                .map_err(|e| e.to_string())
        };
        let order = |system: &str, account: &str, id: &str| json!({"system": system, "account": account, "id": id, "number": "000000042"});
        assert_eq!(
            plan(order("magento", STORE, "42")),
            Ok("magento/default/order/42/shipment/1Z1".to_owned())
        );
        let other_store = plan(order("magento", "eu", "42")).unwrap_err();
        assert!(other_store.contains("order.account"), "{other_store}");
        let other_system = plan(order("shopify", STORE, "42")).unwrap_err();
        assert!(other_system.contains("order.system"), "{other_system}");
        let bad_id = plan(order("magento", STORE, "#42")).unwrap_err();
        assert!(bad_id.contains("order.id"), "{bad_id}");
    }

    #[tokio::test]
    async fn a_virtual_order_is_invoiced_without_a_fulfilment_request() {
        let app = App::start().await;
        let mut order = NewOrder::new("jane@example.com").item("EBOOK-1", 1, 20.into());
        order.items[0].product_type = "virtual".into();
        order.shipping_address = None;
        order.payment_method = "stripe_payments".into();
        order.payment_info = vec![("stripe_payment_method".into(), "pm_card_visa".into())];
        order.state = "pending_payment".into();
        let id = app.magento.fake.create_order(order);
        let outcomes = app.pay(id).await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
        assert_eq!(app.magento.fake.invoices_of(id).len(), 1);
        assert!(app.warehouse.fake.received().is_empty());
        // Recorded as "nothing to ship": a rerun changes nothing.
        app.redeliver_charge_succeeded().await;
        assert_eq!(app.drain().await, vec![Outcome::Done]);
        assert!(app.warehouse.fake.received().is_empty());
        assert_eq!(app.magento.fake.invoices_of(id).len(), 1);
    }
}

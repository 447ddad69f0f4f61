//! Warehouse fulfilment for Shopify + PayTrace, end to end through the sandbox (Shopify, PayTrace
//! and warehouse fakes): the request once the order is authorized or paid, the shipment notice
//! into a Shopify fulfillment with tracking and (authorizing) the one capture, and the notice
//! route shared with Magento + Stripe. Reuses the [`TestApp`] of the Shopify + PayTrace tests.

use std::sync::Arc;

use flows::fulfilment::{
    NoticePlan, SIGNATURE_HEADER, SignedWebhookFulfilment, WarehouseWebhooks, notice_route,
};
use flows::intake::{Delivery, Intake};
use flows::workflow::JobKind;
use flows::workflows::shopify_paytrace::{PaymentMode, ShopifyPaytrace};
use flows::{NewJob, Store};
use mapping::System;
use sandbox::Running;
use sandbox::paytrace::TransactionKind;
use sandbox::shopify::{FinancialStatus, NewOrder};
use sandbox::warehouse::WarehouseFake;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

use super::{Options, PlacedOrder, TestApp, dec, ms};

/// The Shopify + PayTrace app with a warehouse: fulfilment requests go to the warehouse fake,
/// whose notices come back to an intake with the combined notice route.
struct Warehoused {
    app: TestApp,
    warehouse: Running<WarehouseFake>,
    /// The notice intake's URL.
    notice_url: String,
    intake: JoinHandle<()>,
}

impl Drop for Warehoused {
    fn drop(&mut self) {
        self.intake.abort();
    }
}

impl Warehoused {
    /// The app in `payment` mode; the notice route serves this shop and the `extra` plans.
    async fn spawn(payment: PaymentMode, extra: Vec<NoticePlan>) -> Self {
        let mut app = TestApp::spawn_with(Options {
            payment,
            ..Options::default()
        })
        .await;
        let warehouse = Running::start(WarehouseFake::new(), &app.faults)
            .await
            .unwrap();
        let secret = SecretString::from(warehouse.fake.secret().to_owned());
        let sender = SignedWebhookFulfilment::new(
            &format!("{}fulfilments", warehouse.base_url()),
            secret.clone(),
        )
        .unwrap();
        // The worker again, with the warehouse in its settings.
        app.stop_worker().await;
        app.config = app.config.clone().fulfilment(Arc::new(sender));
        app.start_worker();

        let workflows = ShopifyPaytrace::new(
            app.shopify_client.clone(),
            app.paytrace_client.clone(),
            Arc::new(app.ledger.clone()),
            app.config.clone(),
        );
        let plans = std::iter::once(workflows.shipment_notices()).chain(extra);
        let router = Intake::new(Arc::clone(&app.store))
            .source(WarehouseWebhooks::new(secret))
            .routes(workflows.routes())
            .route(notice_route(plans))
            .router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let notice_url = format!(
            "http://{}/webhooks/warehouse",
            listener.local_addr().unwrap()
        );
        let intake = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        warehouse
            .fake
            .register_notice_url(notice_url.parse().unwrap());
        Self {
            app,
            warehouse,
            notice_url,
            intake,
        }
    }

    /// An order of one shipped item at `amount`, with a shipping address.
    fn place_order(&self, amount: &str) -> PlacedOrder {
        let mut new = NewOrder::simple("buyer@example.com", dec(amount));
        new.shipping_address = Some(sandbox::shopify::Address {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            address1: Some("1 Main St".into()),
            city: Some("Austin".into()),
            province_code: Some("TX".into()),
            country_code: Some("US".into()),
            zip: Some("78701".into()),
            ..sandbox::shopify::Address::default()
        });
        self.app.place_new_order(new, amount)
    }

    /// Waits until no notice is pending and the app is settled (webhooks and jobs).
    async fn settle(&self) -> flows::Counts {
        let deadline = Instant::now() + std::time::Duration::from_secs(15);
        loop {
            while self.warehouse.fake.webhooks().pending() > 0 {
                assert!(
                    Instant::now() < deadline,
                    "notices not delivered after 15 s"
                );
                sleep(ms(10)).await;
            }
            let counts = self.app.settle().await;
            if self.warehouse.fake.webhooks().pending() == 0 {
                return counts;
            }
        }
    }

    /// The requests the warehouse received for `order`.
    fn requests(&self, order: &PlacedOrder) -> Vec<sandbox::warehouse::Received> {
        let id = order.id.to_string();
        self.warehouse
            .fake
            .received()
            .into_iter()
            .filter(|r| r.body["order"]["id"].as_str() == Some(id.as_str()))
            .collect()
    }

    /// Posts `notice`, signed, to the notice intake; the answer's status.
    async fn post_notice(&self, notice: &Value) -> u16 {
        let body = notice.to_string();
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature =
            sandbox::warehouse::signature_header(self.warehouse.fake.secret(), t, body.as_bytes());
        reqwest::Client::new()
            .post(&self.notice_url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorized_order_is_requested_once_then_fulfilled_and_captured_once_per_notice() {
    let wh = Warehoused::spawn(PaymentMode::AuthorizeThenCapture, Vec::new()).await;
    let app = &wh.app;
    let order = wh.place_order("40.00");
    let counts = wh.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    // Authorized, not captured: one request, keyed under the order.
    let requests = wh.requests(&order);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    let key = app.effect_key(&order, "fulfilment/request");
    assert_eq!(request.idempotency_key, key);
    assert_eq!(request.deliveries, 1);
    assert_eq!(request.body["idempotency_key"], key.as_str());
    assert_eq!(
        request.body["order"],
        json!({
            "system": "shopify",
            "account": app.shopify.fake.shop_domain(),
            "id": order.id.to_string(),
            "number": order.body["name"],
        })
    );
    assert_eq!(
        request.body["lines"],
        json!([{"sku": "SBX-1", "name": "Sandbox item", "quantity": 1}])
    );
    assert_eq!(request.body["ship_to"]["city"], "Austin");
    assert_eq!(request.body["ship_to"]["region_code"], "TX");
    assert_eq!(request.body["email"], "buyer@example.com");
    assert!(app.store.effect(&key).await.unwrap().is_some());
    let authorizations = || -> Vec<sandbox::paytrace::Transaction> {
        app.paytrace
            .fake
            .transactions_by_invoice(&app.invoice_id(&order))
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Authorization)
            .collect()
    };
    assert_eq!(authorizations().len(), 1);
    assert!(authorizations()[0].captured_amount.is_none());
    assert_ne!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );

    // The warehouse ships: its notice is delivered twice. Shopify's own `fulfillments/create`
    // (which the fake sends on the fulfillment, and which starts the same capture job) is held
    // back until the notice alone has captured.
    app.shopify.fake.webhooks().reorder_next(1);
    wh.warehouse.fake.webhooks().duplicate_next(1);
    let notice = wh
        .warehouse
        .fake
        .ship(&order.id.to_string(), "1Z999AA10123456784", "ups");
    assert!(notice.is_some());
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while authorizations()[0].captured_amount.is_none() {
        assert!(
            Instant::now() < deadline,
            "not captured from the notice: {:#?}",
            app.dead_letters().await
        );
        sleep(ms(10)).await;
    }
    assert_eq!(
        app.shopify.fake.webhooks().pending(),
        1,
        "Shopify's fulfillments/create is still held"
    );
    app.shopify.fake.webhooks().flush_held();
    let counts = wh.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    let fulfillments = app.shopify_order(&order).fulfillments;
    assert_eq!(fulfillments.len(), 1, "{fulfillments:#?}");
    assert_eq!(
        fulfillments[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(fulfillments[0].tracking_company.as_deref(), Some("UPS"));
    let auth = authorizations();
    assert_eq!(auth.len(), 1, "{auth:#?}");
    assert_eq!(auth[0].captured_amount, Some(order.total));
    assert!(app.sales(&order).is_empty());
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );
    assert!(app.erp_document(&app.invoice_ref(&order)).await.is_some());
    assert!(!app.invoice_open(&order).await);
    let shipment = format!("{}/shipment/1Z999AA10123456784", app.order_key(&order));
    assert!(
        app.store
            .effect(&format!("{shipment}/shopify/fulfillment"))
            .await
            .unwrap()
            .is_some()
    );
    // Still one request: nothing was sent again.
    assert_eq!(wh.requests(&order)[0].deliveries, 1);

    // A second notice of the same parcel (a new notice id) changes nothing.
    wh.warehouse
        .fake
        .ship(&order.id.to_string(), "1Z999AA10123456784", "ups");
    let counts = wh.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.shopify_order(&order).fulfillments.len(), 1);
    assert_eq!(authorizations()[0].captured_amount, Some(order.total));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_is_requested_once_after_it_is_recorded_and_booked() {
    let wh = Warehoused::spawn(PaymentMode::Sale, Vec::new()).await;
    let app = &wh.app;
    let order = wh.place_order("25.00");
    // Without a shipping address: charged and booked, then dead-lettered naming the field.
    let no_address = app.place_order("12.00");
    let counts = wh.settle().await;

    app.assert_paid(&order).await;
    let requests = wh.requests(&order);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(
        requests[0].idempotency_key,
        app.effect_key(&order, "fulfilment/request")
    );
    assert_eq!(requests[0].deliveries, 1);

    app.assert_paid(&no_address).await;
    assert!(wh.requests(&no_address).is_empty());
    assert_eq!(counts.dead, 1, "{:#?}", app.dead_letters().await);
    let dead = app.dead_letters().await;
    assert_eq!(dead[0].key, app.order_key(&no_address));
    assert!(
        dead[0].reason.contains("order.shipping_address"),
        "{}",
        dead[0].reason
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_routed_by_store_and_an_unknown_store_is_dead_lettered_naming_the_field() {
    // A Magento pair's plan beside the shop's: notices about Magento orders go to it.
    let magento = NoticePlan::new(System::Magento, "default", |d: &Delivery<'_>| {
        Ok(NewJob {
            kind: JobKind::new("magento.shipment"),
            key: format!("magento/default/shipment/{}", d.event_id),
            payload: json!({}),
            run_at: 0,
            rerun: false,
            event: None,
        })
    });
    let wh = Warehoused::spawn(PaymentMode::Sale, vec![magento.clone()]).await;
    let app = &wh.app;
    let shop = app.shopify.fake.shop_domain().to_owned();
    let notice = |id: &str, system: &str, account: &str, order: &str| {
        json!({
            "id": id, "type": "shipment.created",
            "order": {"system": system, "account": account, "id": order, "number": "1"},
            "tracking_number": "1Z1", "carrier": "ups",
        })
    };

    // The route alone: each store's notice gets its pair's job.
    let route = notice_route([
        ShopifyPaytrace::new(
            app.shopify_client.clone(),
            app.paytrace_client.clone(),
            Arc::new(app.ledger.clone()),
            app.config.clone(),
        )
        .shipment_notices(),
        magento,
    ]);
    let plan = |body: &Value| {
        let body = body.to_string();
        route.plan(&Delivery {
            provider: System::Warehouse,
            event_id: "shn_x",
            topic: "shipment.created",
            account: None,
            body: body.as_bytes(),
        })
    };
    let to_magento = plan(&notice("shn_m", "magento", "default", "42")).unwrap();
    assert_eq!(to_magento.kind, JobKind::new("magento.shipment"));
    let to_shopify = plan(&notice("shn_s", "shopify", &shop, "7")).unwrap();
    assert_eq!(to_shopify.kind, JobKind::new("shopify.shipment"));
    assert_eq!(
        to_shopify.key,
        format!("shopify/{shop}/order/7/shipment/1Z1")
    );
    let other_shop = plan(&notice("shn_o", "shopify", "other.myshopify.com", "7")).unwrap_err();
    assert!(
        other_shop.to_string().contains("order.account"),
        "{other_shop}"
    );

    // Through the intake: a notice about a store no pair serves is stored, answered 200, and
    // dead-lettered naming `order.system`.
    let status = wh
        .post_notice(&notice("shn_unknown", "woocommerce", "shop-1", "9"))
        .await;
    assert_eq!(status, 200);
    let counts = wh.settle().await;
    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(
        dead[0].reason.contains("order.system") && dead[0].reason.contains("woocommerce"),
        "{}",
        dead[0].reason
    );
    assert!(
        app.store
            .event(System::Warehouse, "shn_unknown")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_fulfilled_in_shopify_first_is_captured_once_and_the_notice_adds_nothing() {
    let wh = Warehoused::spawn(PaymentMode::AuthorizeThenCapture, Vec::new()).await;
    let app = &wh.app;
    let order = wh.place_order("30.00");
    assert_eq!(wh.settle().await.dead, 0);
    assert_eq!(wh.requests(&order).len(), 1);

    // Fulfilled by hand in Shopify: its `fulfillments/create` captures.
    app.fulfil(app.shopify_order(&order).fulfillment_order_id)
        .await;
    assert_eq!(wh.settle().await.dead, 0, "{:#?}", app.dead_letters().await);
    let captured = || {
        app.paytrace
            .fake
            .transactions_by_invoice(&app.invoice_id(&order))
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Authorization)
            .map(|t| t.captured_amount)
            .collect::<Vec<_>>()
    };
    assert_eq!(captured(), [Some(order.total)]);

    // The warehouse's notice then finds nothing left to fulfil and nothing to capture.
    wh.warehouse
        .fake
        .ship(&order.id.to_string(), "9400100000000000000000", "usps");
    let counts = wh.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.shopify_order(&order).fulfillments.len(), 1);
    assert_eq!(captured(), [Some(order.total)]);
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );
}

/// Both real pairs in one service: each notice goes to the pair of its store, through the
/// pairs' own planners (no call is made while planning, so the clients point nowhere).
#[cfg(all(feature = "magento", feature = "stripe"))]
#[tokio::test]
async fn with_both_pairs_each_notice_gets_its_own_pairs_job() {
    use flows::workflows::magento_stripe::{self, MagentoStripe};

    let app = TestApp::spawn().await;
    let magento = magento::Client::builder(
        "http://127.0.0.1:9/",
        magento::Credentials::oauth("ck", "cs", "at", "as"),
    )
    .store_code("default")
    .build()
    .unwrap();
    let stripe = stripe_client::Client::builder(SecretString::from("sk_test_x"))
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    let magento_stripe = MagentoStripe::new(
        magento,
        stripe,
        Arc::new(app.ledger.clone()),
        magento_stripe::Config::new("default", "acct_1"),
    );
    let shopify_paytrace = ShopifyPaytrace::new(
        app.shopify_client.clone(),
        app.paytrace_client.clone(),
        Arc::new(app.ledger.clone()),
        app.config.clone(),
    );
    let route = notice_route([
        magento_stripe.shipment_notices(),
        shopify_paytrace.shipment_notices(),
    ]);
    let shop = app.shopify.fake.shop_domain().to_owned();
    let plan = |system: &str, account: &str, order: &str| {
        let body = json!({
            "id": "shn_1", "type": "shipment.created",
            "order": {"system": system, "account": account, "id": order, "number": "1"},
            "tracking_number": "1Z1", "carrier": "ups",
        })
        .to_string();
        route.plan(&Delivery {
            provider: System::Warehouse,
            event_id: "shn_1",
            topic: "shipment.created",
            account: Some(account),
            body: body.as_bytes(),
        })
    };
    let to_magento = plan("magento", "default", "42").unwrap();
    assert_eq!(to_magento.kind, JobKind::new("magento.shipment"));
    assert!(to_magento.key.starts_with("magento/"), "{}", to_magento.key);
    let to_shopify = plan("shopify", &shop, "7").unwrap();
    assert_eq!(to_shopify.kind, JobKind::new("shopify.shipment"));
    assert_eq!(
        to_shopify.key,
        format!("shopify/{shop}/order/7/shipment/1Z1")
    );
    let unknown = plan("woocommerce", "shop-1", "9").unwrap_err();
    assert!(unknown.is_permanent());
    assert!(unknown.to_string().contains("order.system"), "{unknown}");
    let other_store = plan("magento", "fr", "42").unwrap_err();
    assert!(
        other_store.to_string().contains("order.account"),
        "{other_store}"
    );
}

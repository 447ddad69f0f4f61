//! The Shopify fake, driven by the real `shopify` client over loopback.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use sandbox::shopify::{InitialPayment, NewOrder, ShopifyFake, TransactionKind};
use sandbox::{Fault, FaultRule, Faults, Running, Trigger};
use secrecy::SecretString;
use serde_json::{Value, json};
use shopify::models::{
    CompareDigest, CustomerInput, CustomerSetIdentifier, FulfillmentInput, FulfillmentTrackingInfo,
    ManualPaymentInput, MetafieldsSetInput, MoneyV2, OrderCaptureInput,
    OrderRiskAssessmentCreateInput, OrderTransactionKind, OrderTransactionStatus, RefundInput,
    RefundLineItemInput, RefundShippingInput, RestockType, RiskAssessmentResult, RiskFact,
    RiskFactSentiment, TransactionInput,
};
use shopify::{
    Client, Credentials, Error, Gid, OAuthApp, RetryConfig, TokenSet, WebhookPayload,
    WebhookVerifier,
};
use url::Url;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_retries(2)
        .with_backoff(Duration::from_millis(5), Duration::from_secs(2))
}

fn builder(running: &Running<ShopifyFake>) -> shopify::ClientBuilder {
    Client::builder()
        .base_url(running.base_url().clone())
        .timeout(Duration::from_secs(5))
        .retry(fast_retry())
}

fn client_for(running: &Running<ShopifyFake>, retry: RetryConfig) -> Client {
    builder(running)
        .access_token(SecretString::from(running.fake.access_token().to_owned()))
        .retry(retry)
        .build()
        .unwrap()
}

struct Env {
    running: Running<ShopifyFake>,
    faults: Faults,
    client: Client,
}

impl Env {
    async fn start() -> Self {
        Self::with_fake(ShopifyFake::new()).await
    }

    async fn with_fake(fake: ShopifyFake) -> Self {
        let faults = Faults::default();
        let running = Running::start(fake, &faults).await.unwrap();
        let client = client_for(&running, fast_retry());
        Self {
            running,
            faults,
            client,
        }
    }

    fn fake(&self) -> &ShopifyFake {
        &self.running.fake
    }

    /// Seeds an order; returns its GID and REST id.
    fn order(&self, new: NewOrder) -> (Gid, u64) {
        let rest = self.fake().create_order(new);
        let id = rest["id"].as_u64().unwrap();
        (Gid::new("Order", id), id)
    }

    async fn status(&self, order: &Gid) -> String {
        let o = self.client.orders().get(order).await.unwrap().unwrap();
        o.display_financial_status.unwrap().as_str().to_owned()
    }
}

fn gid_of(id: u64, resource: &str) -> Gid {
    Gid::new(resource, id)
}

fn first_txn(env: &Env, order_id: u64) -> Gid {
    gid_of(
        env.fake().order(order_id).unwrap().transactions[0].id,
        "OrderTransaction",
    )
}

fn user_error_codes(err: &Error) -> Vec<Option<String>> {
    match err {
        Error::UserErrors { errors, .. } => errors.iter().map(|e| e.code.clone()).collect(),
        other => panic!("expected user errors, got {other:?}"),
    }
}

// ------------------------------------------------------------------ orders and payments

#[tokio::test]
async fn get_order_reports_what_was_seeded() {
    let env = Env::start().await;
    let new = NewOrder::simple("ann@example.com", d("20.00"))
        .line_item("Socks", 2, d("2.50"))
        .shipping(d("4.00"))
        .tax(d("1.25"))
        .risk("LOW");
    let (gid, id) = env.order(new);
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(order.id, gid);
    assert_eq!(order.legacy_resource_id, id);
    assert_eq!(order.name, "#1001");
    assert_eq!(order.email.as_deref(), Some("ann@example.com"));
    assert_eq!(order.currency_code, "USD");
    assert_eq!(order.total_price_set.shop_money.amount, d("30.25"));
    assert_eq!(
        order.total_outstanding_set.unwrap().shop_money.amount,
        d("30.25")
    );
    assert_eq!(order.display_financial_status.unwrap().as_str(), "PENDING");
    assert_eq!(
        order.display_fulfillment_status.as_deref(),
        Some("UNFULFILLED")
    );
    assert!(order.transactions.is_empty());
    let risk = order.risk.unwrap();
    assert_eq!(risk.recommendation.as_deref(), Some("ACCEPT"));
    assert_eq!(risk.assessments[0].risk_level, RiskAssessmentResult::Low);
    assert_eq!(risk.assessments[0].provider, None);
    // Unknown orders are `null`, not errors.
    assert!(
        env.client
            .orders()
            .get(&Gid::new("Order", 42))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        env.client
            .orders()
            .get(&Gid::new("Customer", 42))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn mark_as_paid_pays_the_outstanding_balance_once() {
    let env = Env::start().await;
    let (gid, id) = env.order(NewOrder::simple("a@example.com", d("25.00")));
    let paid = env.client.orders().mark_as_paid(&gid).await.unwrap();
    assert_eq!(paid.display_financial_status.unwrap().as_str(), "PAID");
    assert_eq!(
        paid.total_outstanding_set.unwrap().shop_money.amount,
        Decimal::ZERO
    );
    let stored = env.fake().order(id).unwrap();
    assert_eq!(stored.transactions.len(), 1);
    assert_eq!(stored.transactions[0].kind, TransactionKind::Sale);
    assert_eq!(stored.transactions[0].amount, d("25.00"));
    // A second call is refused with userErrors and records nothing.
    let err = env.client.orders().mark_as_paid(&gid).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::UserErrors {
                operation: "orderMarkAsPaid",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(env.fake().order(id).unwrap().transactions.len(), 1);
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(order.transactions[0].kind, OrderTransactionKind::Sale);
    assert_eq!(
        order.transactions[0].status,
        OrderTransactionStatus::Success
    );
    assert_eq!(
        order.total_received_set.unwrap().shop_money.amount,
        d("25.00")
    );
    let err = env
        .client
        .orders()
        .mark_as_paid(&Gid::new("Order", 7))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UserErrors { .. }), "{err:?}");
}

#[tokio::test]
async fn manual_payments_pay_in_parts_and_are_checked() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("b@example.com", d("25.00")));
    let part = ManualPaymentInput::new(gid.clone(), MoneyV2::new(d("10.00"), "USD"), "PayTrace");
    let o = env
        .client
        .orders()
        .create_manual_payment(&part)
        .await
        .unwrap();
    assert_eq!(
        o.display_financial_status.unwrap().as_str(),
        "PARTIALLY_PAID"
    );
    assert_eq!(
        o.total_outstanding_set.unwrap().shop_money.amount,
        d("15.00")
    );
    let too_much =
        ManualPaymentInput::new(gid.clone(), MoneyV2::new(d("15.01"), "USD"), "PayTrace");
    assert_eq!(
        user_error_codes(
            &env.client
                .orders()
                .create_manual_payment(&too_much)
                .await
                .unwrap_err()
        ),
        vec![Some("INVALID".to_owned())]
    );
    let wrong_currency =
        ManualPaymentInput::new(gid.clone(), MoneyV2::new(d("1.00"), "EUR"), "PayTrace");
    assert!(
        env.client
            .orders()
            .create_manual_payment(&wrong_currency)
            .await
            .is_err()
    );
    let rest = ManualPaymentInput::new(gid.clone(), MoneyV2::new(d("15.00"), "USD"), "PayTrace");
    let o = env
        .client
        .orders()
        .create_manual_payment(&rest)
        .await
        .unwrap();
    assert_eq!(o.display_financial_status.unwrap().as_str(), "PAID");
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(order.transactions.len(), 2);
    assert!(
        order
            .transactions
            .iter()
            .all(|t| t.gateway.as_deref() == Some("PayTrace"))
    );
}

#[tokio::test]
async fn captures_voids_and_declines() {
    let env = Env::start().await;
    let (gid, id) = env.order(
        NewOrder::simple("c@example.com", d("40.00"))
            .payment(InitialPayment::Authorized("bogus".into())),
    );
    assert_eq!(env.status(&gid).await, "AUTHORIZED");
    let auth = first_txn(&env, id);

    env.fake().fail_next_captures(1);
    let declined = env
        .client
        .orders()
        .capture(&OrderCaptureInput::new(
            gid.clone(),
            auth.clone(),
            d("15.00"),
        ))
        .await
        .unwrap();
    assert_eq!(declined.status, OrderTransactionStatus::Failure);
    assert_eq!(declined.error_code.as_deref(), Some("CARD_DECLINED"));
    assert_eq!(env.status(&gid).await, "AUTHORIZED");

    let captured = env
        .client
        .orders()
        .capture(&OrderCaptureInput::new(
            gid.clone(),
            auth.clone(),
            d("15.00"),
        ))
        .await
        .unwrap();
    assert_eq!(captured.status, OrderTransactionStatus::Success);
    assert_eq!(captured.kind, OrderTransactionKind::Capture);
    assert_eq!(captured.parent_transaction.unwrap().id, auth);
    assert_eq!(captured.amount_set.unwrap().shop_money.amount, d("15.00"));
    assert_eq!(env.status(&gid).await, "PARTIALLY_PAID");
    let over = env
        .client
        .orders()
        .capture(&OrderCaptureInput::new(
            gid.clone(),
            auth.clone(),
            d("25.01"),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            over,
            Error::UserErrors {
                operation: "orderCapture",
                ..
            }
        ),
        "{over:?}"
    );
    // Partly captured: no longer voidable.
    let err = env.client.transactions().void(&auth).await.unwrap_err();
    assert_eq!(
        user_error_codes(&err),
        vec![Some("AUTH_NOT_VOIDABLE".to_owned())]
    );
    env.client
        .orders()
        .capture(&OrderCaptureInput::new(gid.clone(), auth, d("25.00")))
        .await
        .unwrap();
    assert_eq!(env.status(&gid).await, "PAID");

    let (gid2, id2) = env.order(
        NewOrder::simple("c@example.com", d("12.00"))
            .payment(InitialPayment::Authorized("bogus".into())),
    );
    let auth2 = first_txn(&env, id2);
    let void = env.client.transactions().void(&auth2).await.unwrap();
    assert_eq!(void.kind, OrderTransactionKind::Void);
    assert_eq!(void.status, OrderTransactionStatus::Success);
    assert_eq!(env.status(&gid2).await, "VOIDED");
    assert!(
        env.client
            .orders()
            .capture(&OrderCaptureInput::new(gid2, auth2.clone(), d("1.00")))
            .await
            .is_err()
    );
    assert_eq!(
        user_error_codes(&env.client.transactions().void(&auth2).await.unwrap_err()),
        vec![Some("AUTH_NOT_VOIDABLE".to_owned())]
    );
    let missing = env
        .client
        .transactions()
        .void(&Gid::new("OrderTransaction", 1))
        .await
        .unwrap_err();
    assert_eq!(
        user_error_codes(&missing),
        vec![Some("TRANSACTION_NOT_FOUND".to_owned())]
    );
}

#[tokio::test]
async fn orders_updated_since_pages_in_update_order() {
    let env = Env::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            env.order(NewOrder::simple("p@example.com", Decimal::from(10 + i)))
                .0,
        );
    }
    // Paying the first order makes it the most recently updated.
    tokio::time::sleep(Duration::from_millis(5)).await;
    env.client.orders().mark_as_paid(&ids[0]).await.unwrap();
    let since = shopify::models::DateTime::UNIX_EPOCH;
    let all: Vec<_> = env
        .client
        .orders()
        .updated_since(since, 2)
        .try_collect()
        .await
        .unwrap();
    let got: Vec<Gid> = all.iter().map(|o| o.id.clone()).collect();
    let mut expected = ids[1..].to_vec();
    expected.push(ids[0].clone());
    assert_eq!(got, expected);
    assert_eq!(
        all[4].display_financial_status.as_ref().unwrap().as_str(),
        "PAID"
    );
    assert_eq!(all[0].total_price_set.shop_money.amount, d("11"));
    // Three pages of two.
    let pages = env
        .fake()
        .requests()
        .iter()
        .filter(|(op, _)| op == "ordersUpdatedSince")
        .count();
    assert_eq!(pages, 3);
    // Nothing updated in the future.
    let later = all[4].updated_at + Duration::from_secs(86_400);
    let none: Vec<_> = env
        .client
        .orders()
        .updated_since(later, 50)
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn orders_updated_since_carries_custom_attributes() {
    let env = Env::start().await;
    env.order(
        NewOrder::simple("attr@example.com", d("12.00"))
            .note_attribute("paytrace_customer_id", "v-1"),
    );
    let page = env
        .client
        .orders()
        .updated_since_page(shopify::models::DateTime::UNIX_EPOCH, None, 10)
        .await
        .unwrap();
    let order = &page.orders[0];
    assert_eq!(order.custom_attributes.len(), 1);
    assert_eq!(order.custom_attributes[0].key, "paytrace_customer_id");
    assert_eq!(order.custom_attributes[0].value.as_deref(), Some("v-1"));
    assert_eq!(order.cancelled_at, None);
    assert!(!page.page_info.has_next_page);
}

/// The order `getOrderAsRest` rebuilds is the REST body the fake's `orders/create` carries, in
/// every field the client rebuilds; 53 line items take two pages.
#[tokio::test]
async fn get_order_as_rest_matches_the_webhook_body() {
    let env = Env::start().await;
    let address = sandbox::shopify::Address {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        address1: Some("1 Main St".into()),
        city: Some("Louisville".into()),
        province_code: Some("KY".into()),
        country_code: Some("US".into()),
        zip: Some("40202".into()),
        ..Default::default()
    };
    let mut new = NewOrder::simple("rest@example.com", d("10.00"))
        .note_attribute("paytrace_customer_id", "v-2")
        .shipping(d("5.00"))
        .tax(d("1.25"))
        .tip(d("2.00"));
    new.billing_address = Some(address.clone());
    new.shipping_address = Some(address);
    for i in 0..52 {
        new = new.custom_item(&format!("Item {i}"), 1 + i % 3, d("1.50"));
    }
    let (gid, id) = env.order(new);
    let order = env
        .client
        .orders()
        .get_as_rest(&gid)
        .await
        .unwrap()
        .unwrap();
    let webhook: shopify::rest::Order =
        serde_json::from_value(env.fake().order_rest_json(id).unwrap()).unwrap();
    assert_eq!(
        env.fake()
            .requests()
            .iter()
            .filter(|(op, _)| op == "getOrderAsRest")
            .count(),
        2
    );
    assert_eq!(order.line_items.len(), 53);
    for (got, sent) in order.line_items.iter().zip(&webhook.line_items) {
        assert_eq!(
            (
                got.id,
                &got.title,
                &got.sku,
                got.quantity,
                got.price,
                got.variant_id
            ),
            (
                sent.id,
                &sent.title,
                &sent.sku,
                sent.quantity,
                sent.price,
                sent.variant_id
            )
        );
        assert_eq!(got.tax_lines.len(), sent.tax_lines.len());
        assert_eq!(
            got.discount_allocations.len(),
            sent.discount_allocations.len()
        );
    }
    assert_eq!((order.id, &order.name), (webhook.id, &webhook.name));
    assert_eq!(order.email, webhook.email);
    assert_eq!(order.currency, webhook.currency);
    assert_eq!(order.financial_status, webhook.financial_status);
    assert_eq!(order.taxes_included, webhook.taxes_included);
    assert_eq!(order.total_price, webhook.total_price);
    assert_eq!(order.total_price_set, webhook.total_price_set);
    assert_eq!(order.total_discounts, webhook.total_discounts);
    assert_eq!(order.total_tax, webhook.total_tax);
    assert_eq!(order.total_tip_received, webhook.total_tip_received);
    assert_eq!(order.note_attributes, webhook.note_attributes);
    assert_eq!(order.billing_address, webhook.billing_address);
    assert_eq!(order.shipping_address, webhook.shipping_address);
    let prices = |o: &shopify::rest::Order| -> Vec<Decimal> {
        o.shipping_lines.iter().map(|l| l.price).collect()
    };
    assert_eq!(prices(&order), prices(&webhook));
    let customer = |o: &shopify::rest::Order| {
        o.customer.as_ref().map(|c| {
            (
                c.id,
                c.email.clone(),
                c.first_name.clone(),
                c.last_name.clone(),
            )
        })
    };
    assert_eq!(customer(&order), customer(&webhook));
    assert!(customer(&order).is_some());
}

// ------------------------------------------------------------------ refunds

#[tokio::test]
async fn refund_create_honors_the_idempotency_key() {
    let env = Env::start().await;
    let (gid, id) = env.order(
        NewOrder::simple("r@example.com", d("30.00"))
            .shipping(d("5.00"))
            .payment(InitialPayment::Paid("paytrace".into())),
    );
    let sale = first_txn(&env, id);
    let line = Gid::new("LineItem", env.fake().order(id).unwrap().line_items[0].id);
    let mut input = RefundInput::new(gid.clone());
    input.transactions.push(TransactionInput::refund(
        gid.clone(),
        sale.clone(),
        d("10.00"),
        "paytrace",
    ));
    input
        .refund_line_items
        .push(RefundLineItemInput::new(line, 1, Some(RestockType::Return)));
    let first = env
        .client
        .refunds()
        .create(&input, "order-1-refund-1")
        .await
        .unwrap();
    assert_eq!(
        first.total_refunded_set.as_ref().unwrap().shop_money.amount,
        d("10.00")
    );
    assert_eq!(first.transactions.len(), 1);
    assert_eq!(first.transactions[0].kind, OrderTransactionKind::Refund);
    // The same key returns the same refund and refunds nothing more.
    let again = env
        .client
        .refunds()
        .create(&input, "order-1-refund-1")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let stored = env.fake().order(id).unwrap();
    assert_eq!(stored.refunds.len(), 1);
    assert_eq!(stored.refunded(), d("10.00"));
    assert_eq!(
        stored.refunds[0].idempotency_key.as_deref(),
        Some("order-1-refund-1")
    );
    assert_eq!(env.status(&gid).await, "PARTIALLY_REFUNDED");

    // More than is left is refused.
    let mut too_much = RefundInput::new(gid.clone());
    too_much.transactions.push(TransactionInput::refund(
        gid.clone(),
        sale.clone(),
        d("25.01"),
        "paytrace",
    ));
    let err = env
        .client
        .refunds()
        .create(&too_much, "order-1-refund-2")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UserErrors {
                operation: "refundCreate",
                ..
            }
        ),
        "{err:?}"
    );
    // The rest, with shipping, under a new key.
    let mut rest = RefundInput::new(gid.clone());
    rest.shipping = Some(RefundShippingInput::full());
    rest.transactions.push(TransactionInput::refund(
        gid.clone(),
        sale,
        d("25.00"),
        "paytrace",
    ));
    let second = env
        .client
        .refunds()
        .create(&rest, "order-1-refund-3")
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(order.display_financial_status.unwrap().as_str(), "REFUNDED");
    assert_eq!(
        order.total_refunded_set.unwrap().shop_money.amount,
        d("35.00")
    );
    assert_eq!(env.fake().order(id).unwrap().refunds[1].shipping, d("5.00"));
}

#[tokio::test]
async fn refund_create_without_idempotent_directive_is_refused_from_2026_04() {
    let env = Env::start().await;
    let (gid, _) = env.order(
        NewOrder::simple("r@example.com", d("3.00"))
            .payment(InitialPayment::Paid("paytrace".into())),
    );
    let op = shopify::Operation {
        name: "refundCreate",
        document: "mutation refundCreate($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { field message } } }",
        estimated_cost: 10,
        retry: shopify::RetrySafety::NotIdempotent,
    };
    let err = env
        .client
        .execute::<_, Value>(&op, &json!({"input": {"orderId": gid}}))
        .await
        .unwrap_err();
    let Error::Graphql { errors } = err else {
        panic!("{err:?}")
    };
    assert!(errors[0].message.contains("@idempotent"), "{errors:?}");
}

// ------------------------------------------------------------------ metafields, tags, note

#[tokio::test]
async fn metafields_tags_and_notes() {
    let env = Env::start().await;
    let (gid, id) = env.order(NewOrder::simple("m@example.com", d("9.99")));
    let txn = MetafieldsSetInput::text(gid.clone(), "payments", "paytrace_txn", "123456");
    let written = env
        .client
        .metafields()
        .set(&[txn.clone().with_compare_digest(CompareDigest::MustNotExist)])
        .await
        .unwrap();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].value, "123456");
    let digest = written[0].compare_digest.clone().unwrap();
    // Must-not-exist fails the second time; a stale digest fails; the right digest works.
    let err = env
        .client
        .metafields()
        .set(&[txn.clone().with_compare_digest(CompareDigest::MustNotExist)])
        .await
        .unwrap_err();
    assert_eq!(
        user_error_codes(&err),
        vec![Some("STALE_OBJECT".to_owned())]
    );
    let update = MetafieldsSetInput::text(gid.clone(), "payments", "paytrace_txn", "654321");
    let err = env
        .client
        .metafields()
        .set(&[update
            .clone()
            .with_compare_digest(CompareDigest::Matches("nope".into()))])
        .await
        .unwrap_err();
    assert_eq!(
        user_error_codes(&err),
        vec![Some("STALE_OBJECT".to_owned())]
    );
    env.client
        .metafields()
        .set(&[update.with_compare_digest(CompareDigest::Matches(digest))])
        .await
        .unwrap();
    // 30 metafields go in two calls of at most 25, and setting again is harmless.
    let many: Vec<_> = (0..30)
        .map(|i| MetafieldsSetInput::text(gid.clone(), "bulk", format!("k{i:02}"), "v"))
        .collect();
    assert_eq!(env.client.metafields().set(&many).await.unwrap().len(), 30);
    assert_eq!(env.client.metafields().set(&many).await.unwrap().len(), 30);
    let calls = env
        .fake()
        .requests()
        .iter()
        .filter(|(op, _)| op == "metafieldsSet")
        .count();
    // Four single calls above, then two batches of 25 + 5, twice.
    assert_eq!(calls, 4 + 4);
    let stored = env.fake().order(id).unwrap();
    assert_eq!(stored.metafields.len(), 31);
    assert_eq!(stored.metafields[0].value, "654321");
    // Unknown owner: nothing written.
    let bad = MetafieldsSetInput::text(Gid::new("Order", 5), "payments", "x1", "v");
    assert_eq!(
        user_error_codes(&env.client.metafields().set(&[bad]).await.unwrap_err()),
        vec![Some("INVALID_VALUE".to_owned())]
    );

    assert_eq!(
        env.client
            .tags()
            .add(&gid, &["paytrace", "paid"])
            .await
            .unwrap(),
        gid
    );
    env.client.tags().add(&gid, &["paid"]).await.unwrap();
    env.client.tags().remove(&gid, &["paytrace"]).await.unwrap();
    let noted = env
        .client
        .orders()
        .update_note(&gid, "paid via PayTrace")
        .await
        .unwrap();
    assert_eq!(noted.note.as_deref(), Some("paid via PayTrace"));
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(order.tags, vec!["paid".to_owned()]);
    assert_eq!(order.note.as_deref(), Some("paid via PayTrace"));
    assert_eq!(
        order
            .metafields
            .iter()
            .find(|m| m.key == "paytrace_txn")
            .unwrap()
            .value,
        "654321"
    );
    assert!(
        env.client
            .tags()
            .add(&Gid::new("Order", 5), &["x"])
            .await
            .is_err()
    );
}

// ------------------------------------------------------------------ fulfillments, customers, risk

#[tokio::test]
async fn fulfillment_with_tracking_fulfils_the_order_once() {
    let env = Env::start().await;
    let (gid, id) =
        env.order(NewOrder::simple("f@example.com", d("9.00")).line_item("Hat", 2, d("3.00")));
    let fo = Gid::new(
        "FulfillmentOrder",
        env.fake().order(id).unwrap().fulfillment_order_id,
    );
    let input = FulfillmentInput::whole(fo.clone())
        .with_tracking(FulfillmentTrackingInfo::new("UPS", "1Z001985YW99744790"))
        .with_notify_customer(true);
    let f = env.client.fulfillments().create(&input).await.unwrap();
    assert_eq!(f.status.as_deref(), Some("SUCCESS"));
    assert_eq!(
        f.tracking_info[0].number.as_deref(),
        Some("1Z001985YW99744790")
    );
    assert_eq!(f.tracking_info[0].company.as_deref(), Some("UPS"));
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    assert_eq!(
        order.display_fulfillment_status.as_deref(),
        Some("FULFILLED")
    );
    let stored = env.fake().order(id).unwrap();
    assert_eq!(stored.fulfillments[0].line_items.len(), 2);
    assert!(stored.fulfillments[0].notify_customer);
    assert!(matches!(
        env.client.fulfillments().create(&input).await.unwrap_err(),
        Error::UserErrors { .. }
    ));
    let nope = FulfillmentInput::whole(Gid::new("FulfillmentOrder", 3));
    assert!(matches!(
        env.client.fulfillments().create(&nope).await.unwrap_err(),
        Error::UserErrors { .. }
    ));
}

#[tokio::test]
async fn customers_create_update_and_set() {
    let env = Env::start().await;
    let mut input = CustomerInput::default();
    input.email = Some("bob@example.com".into());
    input.first_name = Some("Bob".into());
    input.tags = Some(vec!["vip".into()]);
    let bob = env.client.customers().create(&input).await.unwrap();
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(bob.tags, vec!["vip".to_owned()]);
    let dup = env.client.customers().create(&input).await.unwrap_err();
    assert_eq!(user_error_codes(&dup), vec![Some("TAKEN".to_owned())]);

    let mut update = CustomerInput::default();
    update.id = Some(bob.id.clone());
    update.note = Some("vault id 42".into());
    update.last_name = Some("Builder".into());
    let updated = env.client.customers().update(&update).await.unwrap();
    assert_eq!(updated.last_name.as_deref(), Some("Builder"));
    let stored = env.fake().customer(bob.id.numeric_id().unwrap()).unwrap();
    assert_eq!(stored.note.as_deref(), Some("vault id 42"));

    // customerSet by e-mail updates Bob; by a new e-mail creates.
    let mut set = CustomerInput::default();
    set.email = Some("bob@example.com".into());
    set.first_name = Some("Robert".into());
    let same = env
        .client
        .customers()
        .set(
            Some(&CustomerSetIdentifier::Email("bob@example.com".into())),
            &set,
        )
        .await
        .unwrap();
    assert_eq!(same.id, bob.id);
    assert_eq!(same.first_name.as_deref(), Some("Robert"));
    set.email = Some("carol@example.com".into());
    let carol = env
        .client
        .customers()
        .set(
            Some(&CustomerSetIdentifier::Email("carol@example.com".into())),
            &set,
        )
        .await
        .unwrap();
    assert_ne!(carol.id, bob.id);
    assert_eq!(env.fake().customers().len(), 2);
    let mut missing = CustomerInput::default();
    missing.id = Some(Gid::new("Customer", 3));
    missing.note = Some("x".into());
    assert!(matches!(
        env.client.customers().update(&missing).await.unwrap_err(),
        Error::UserErrors { .. }
    ));
    assert!(
        env.client
            .tags()
            .add(&carol.id, &["erp-synced"])
            .await
            .is_ok()
    );
    assert_eq!(
        env.fake()
            .customer(carol.id.numeric_id().unwrap())
            .unwrap()
            .tags,
        vec!["erp-synced".to_owned()]
    );
}

#[tokio::test]
async fn a_customer_without_orders_is_deleted_and_one_with_orders_is_refused() {
    let env = Env::start().await;
    let mut input = CustomerInput::default();
    input.email = Some("erin@example.com".into());
    let erin = env.client.customers().create(&input).await.unwrap();
    assert_eq!(
        env.client.customers().delete(&erin.id).await.unwrap(),
        erin.id
    );
    assert!(env.fake().customer(erin.id.numeric_id().unwrap()).is_none());
    // Deleted once: a second delete finds nobody.
    assert!(matches!(
        env.client.customers().delete(&erin.id).await.unwrap_err(),
        Error::UserErrors { .. }
    ));
    // Its e-mail is free again.
    assert!(env.client.customers().create(&input).await.is_ok());

    let buyer = env
        .fake()
        .create_order(NewOrder::simple("frank@example.com", d("10.00")))["customer"]["id"]
        .as_u64()
        .unwrap();
    let refused = env
        .client
        .customers()
        .delete(&Gid::new("Customer", buyer))
        .await
        .unwrap_err();
    let Error::UserErrors { errors, .. } = refused else {
        panic!("{refused:?}")
    };
    assert!(
        errors[0].message.contains("associated orders"),
        "{errors:?}"
    );
    assert!(env.fake().customer(buyer).is_some());
}

#[tokio::test]
async fn an_order_finds_its_customer_by_email_after_the_email_changed() {
    let env = Env::start().await;
    let customer_of = |new: NewOrder| env.fake().create_order(new)["customer"]["id"].as_u64();
    let dana = customer_of(NewOrder::simple("Dana@Example.com", d("10.00"))).unwrap();
    let mut update = CustomerInput::default();
    update.id = Some(Gid::new("Customer", dana));
    update.email = Some("dana.new@example.com".into());
    env.client.customers().update(&update).await.unwrap();

    let by_new = customer_of(NewOrder::simple("DANA.NEW@example.com", d("11.00")));
    assert_eq!(by_new, Some(dana));
    // The old address belongs to nobody now: a new customer is made for it.
    let by_old = customer_of(NewOrder::simple("dana@example.com", d("12.00")));
    assert_ne!(by_old, Some(dana));
    assert_eq!(env.fake().customers().len(), 2);
}

#[tokio::test]
async fn risk_assessments_change_the_recommendation() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("risk@example.com", d("500.00")));
    let input = OrderRiskAssessmentCreateInput::new(
        gid.clone(),
        RiskAssessmentResult::High,
        vec![RiskFact::new("AVS mismatch", RiskFactSentiment::Negative)],
    );
    let a = env.client.risk_assessments().create(&input).await.unwrap();
    assert_eq!(a.risk_level, RiskAssessmentResult::High);
    assert_eq!(a.facts[0].description, "AVS mismatch");
    let order = env.client.orders().get(&gid).await.unwrap().unwrap();
    let risk = order.risk.unwrap();
    assert_eq!(risk.recommendation.as_deref(), Some("CANCEL"));
    assert_eq!(risk.assessments[0].provider.as_deref(), Some("Sandbox App"));
    let facts = (0..21)
        .map(|i| RiskFact::new(format!("f{i}"), RiskFactSentiment::Neutral))
        .collect();
    let too_many = OrderRiskAssessmentCreateInput::new(gid, RiskAssessmentResult::Low, facts);
    assert!(matches!(
        env.client
            .risk_assessments()
            .create(&too_many)
            .await
            .unwrap_err(),
        Error::UserErrors { .. }
    ));
}

// ------------------------------------------------------------------ cost and throttling

#[tokio::test]
async fn every_answer_reports_cost_and_throttle_status() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("cost@example.com", d("1.00")));
    let resp = env
        .client
        .execute::<_, Value>(&shopify::api::GET_ORDER, &json!({"id": gid}))
        .await
        .unwrap();
    let cost = resp.cost.unwrap();
    assert_eq!(cost.requested_query_cost, Decimal::from(120));
    assert_eq!(cost.actual_query_cost, Some(Decimal::from(10)));
    let ts = cost.throttle_status.unwrap();
    assert_eq!(ts.maximum_available, Decimal::from(2000));
    assert_eq!(ts.restore_rate, Decimal::from(100));
    assert!(
        ts.currently_available >= Decimal::from(1990)
            && ts.currently_available <= Decimal::from(2000),
        "{ts:?}"
    );
}

#[tokio::test]
async fn an_empty_bucket_answers_throttled_and_restores_at_its_rate() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("t@example.com", d("1.00")));
    env.fake().set_bucket(500, 1000);
    env.fake().set_available_points(0);
    // The client sees THROTTLED (HTTP 200), waits for 120 points at 1000/s and succeeds.
    let started = Instant::now();
    assert!(env.client.orders().get(&gid).await.unwrap().is_some());
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(env.fake().throttled_count(), 1);

    // Without retries the client reports the throttle.
    let once = client_for(&env.running, RetryConfig::disabled());
    env.fake().set_bucket(500, 1);
    env.fake().set_available_points(5);
    match once.orders().mark_as_paid(&gid).await.unwrap_err() {
        Error::RateLimited {
            retry_after,
            attempts,
        } => {
            assert_eq!(attempts, 1);
            // 5 of 10 points missing at 1 point/s.
            let wait = retry_after.unwrap();
            assert!(
                wait > Duration::from_secs(4) && wait <= Duration::from_secs(5),
                "{wait:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.fake().throttled_count(), 2);
    env.fake().set_bucket(2000, 100);
    assert_eq!(env.status(&gid).await, "PENDING");
}

// ------------------------------------------------------------------ faults

#[tokio::test]
async fn a_429_with_retry_after_is_retried_and_reported() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("f@example.com", d("1.00")));
    let rule = env.faults.add(
        FaultRule::new("shopify", Fault::too_many_requests(0), Trigger::Count(1))
            .path("/admin/api/"),
    );
    assert!(env.client.orders().get(&gid).await.unwrap().is_some());
    assert_eq!(env.faults.fired(rule), 1);

    let once = client_for(&env.running, RetryConfig::disabled());
    let rule = env.faults.add(FaultRule::new(
        "shopify",
        Fault::too_many_requests(2),
        Trigger::Count(1),
    ));
    match once.orders().get(&gid).await.unwrap_err() {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(2)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.faults.fired(rule), 1);
}

#[tokio::test]
async fn a_5xx_is_retried_only_for_idempotent_operations() {
    let env = Env::start().await;
    let (gid, id) = env.order(NewOrder::simple("f@example.com", d("1.00")));
    let rule = env.faults.add(FaultRule::new(
        "shopify",
        Fault::status(503),
        Trigger::Count(1),
    ));
    assert!(env.client.orders().get(&gid).await.unwrap().is_some());
    assert_eq!(env.faults.fired(rule), 1);
    // orderMarkAsPaid is not idempotent: the 503 reaches the caller and nothing was paid.
    let rule = env.faults.add(FaultRule::new(
        "shopify",
        Fault::status(503),
        Trigger::Count(1),
    ));
    match env.client.orders().mark_as_paid(&gid).await.unwrap_err() {
        Error::Api { status, .. } => assert_eq!(status, 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.faults.fired(rule), 1);
    assert!(env.fake().order(id).unwrap().transactions.is_empty());
}

#[tokio::test]
async fn a_dropped_connection_leaves_an_applied_but_unanswered_mutation() {
    let env = Env::start().await;
    let (gid, id) = env.order(NewOrder::simple("f@example.com", d("8.00")));
    let rule = env
        .faults
        .add(FaultRule::new("shopify", Fault::Drop, Trigger::Count(1)).method("POST"));
    let err = env.client.orders().mark_as_paid(&gid).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(env.faults.fired(rule), 1);
    // The fake applied it: the caller must look before trying again.
    assert_eq!(
        env.fake().order(id).unwrap().financial_status().graphql(),
        "PAID"
    );
    assert_eq!(env.status(&gid).await, "PAID");
}

// ------------------------------------------------------------------ auth

#[tokio::test]
async fn wrong_tokens_are_refused_and_token_grants_work() {
    let env = Env::start().await;
    let (gid, _) = env.order(NewOrder::simple("auth@example.com", d("1.00")));
    let wrong = builder(&env.running)
        .access_token(SecretString::from("shpat_wrong"))
        .build()
        .unwrap();
    match wrong.orders().get(&gid).await.unwrap_err() {
        Error::Auth { status, body } => {
            assert_eq!(status, Some(401));
            assert!(
                body.errors
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .contains("Invalid API key or access token")
            );
        }
        other => panic!("{other:?}"),
    }

    let fake = env.fake();
    let app = OAuthApp::new(
        fake.client_id(),
        SecretString::from(fake.client_secret().to_owned()),
    );
    let cc = builder(&env.running)
        .credentials(Credentials::ClientCredentials(app.clone()))
        .build()
        .unwrap();
    assert!(cc.orders().get(&gid).await.unwrap().is_some());
    let bad_app = OAuthApp::new(fake.client_id(), SecretString::from("wrong"));
    let bad = builder(&env.running)
        .credentials(Credentials::ClientCredentials(bad_app))
        .build()
        .unwrap();
    match bad.orders().get(&gid).await.unwrap_err() {
        Error::Auth { status, body } => {
            assert_eq!(status, Some(400));
            assert_eq!(body.error.as_deref(), Some("invalid_client"));
        }
        other => panic!("{other:?}"),
    }

    // An expired offline token is refreshed; the refresh token rotates.
    let refresh = fake.issue_refresh_token();
    let expired = TokenSet::new(
        SecretString::from("shpat_expired"),
        Some(shopify::models::DateTime::UNIX_EPOCH),
        Some(SecretString::from(refresh.clone())),
    );
    let rotated = Arc::new(Mutex::new(Vec::<TokenSet>::new()));
    let seen = rotated.clone();
    let offline = builder(&env.running)
        .credentials(Credentials::ExpiringOffline {
            app: app.clone(),
            tokens: expired,
        })
        .on_token_refresh(move |t| seen.lock().unwrap().push(t.clone()))
        .build()
        .unwrap();
    assert!(offline.orders().get(&gid).await.unwrap().is_some());
    let new_refresh = {
        let got = rotated.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].expires_at.is_some());
        got[0].refresh_token.clone().unwrap()
    };
    use secrecy::ExposeSecret;
    assert_ne!(new_refresh.expose_secret(), refresh);
    // The old refresh token stays valid until the new one is used.
    assert!(fake.refresh_token_valid(&refresh));
    app.refresh(env.running.base_url(), &new_refresh)
        .await
        .unwrap();
    assert!(!fake.refresh_token_valid(&refresh));
    assert!(matches!(
        app.refresh(env.running.base_url(), &SecretString::from(refresh))
            .await
            .unwrap_err(),
        Error::Auth {
            status: Some(400),
            ..
        }
    ));

    // Tokens expire on the fake's clock.
    fake.set_token_lifetime(Duration::from_secs(120));
    let short = app
        .client_credentials(env.running.base_url())
        .await
        .unwrap();
    let direct = builder(&env.running)
        .access_token(short.access_token.clone())
        .build()
        .unwrap();
    assert!(direct.orders().get(&gid).await.is_ok());
    fake.advance_clock(Duration::from_secs(121));
    assert!(matches!(
        direct.orders().get(&gid).await.unwrap_err(),
        Error::Auth {
            status: Some(401),
            ..
        }
    ));

    // Authorization-code exchange.
    let code = fake.issue_authorization_code();
    let tokens = app
        .exchange_code(env.running.base_url(), &code)
        .await
        .unwrap();
    assert!(tokens.expires_at.is_none());
    assert!(
        app.exchange_code(env.running.base_url(), &code)
            .await
            .is_err()
    );
}

// ------------------------------------------------------------------ malformed input

#[tokio::test]
async fn malformed_requests_get_shopify_errors() {
    let env = Env::start().await;
    let base = env.running.base_url().clone();
    let token = env.fake().access_token().to_owned();
    let http = reqwest::Client::new();
    let url = base.join("/admin/api/2026-10/graphql.json").unwrap();
    let post = |body: &'static str| {
        http.post(url.clone())
            .header("X-Shopify-Access-Token", token.clone())
            .body(body)
            .send()
    };
    let r = post("{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors": {"query": "Required parameter missing or invalid"}})
    );
    let r = post(r#"{"query":"query getOrder($id: ID!) { order(id: $id) { id } }","variables":{"id":"450789469"}}"#).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["errors"][0]["message"],
        "Variable $id of type ID! was provided invalid value"
    );
    assert!(v["extensions"]["cost"]["throttleStatus"].is_object());
    let r = post(r#"{"query":"query shop { shop { name } }"}"#)
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("doesn't exist"),
        "{v}"
    );
    let r = post(r#"{"query":"mutation orderCapture($input: OrderCaptureInput!) { x }","variables":{"input":{"id":"gid://shopify/Order/1","parentTransactionId":"gid://shopify/OrderTransaction/2","amount":"1.001"}}}"#).await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Variable $input"),
        "{v}"
    );
    let r = http
        .post(base.join("/admin/api/latest/graphql.json").unwrap())
        .header("X-Shopify-Access-Token", token.clone())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http.post(url.clone()).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(base.join("/admin/oauth/access_token").unwrap())
        .header("content-type", "application/json")
        .body("[")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(base.join("/admin/oauth/access_token").unwrap())
        .form(&[
            ("grant_type", "password"),
            ("client_id", env.fake().client_id()),
            ("client_secret", env.fake().client_secret()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

// ------------------------------------------------------------------ webhooks

/// Deliveries received: headers and raw body.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Receiver {
    got: Received,
    fail_first: Arc<AtomicU32>,
}

impl Receiver {
    async fn start(fail_first: u32) -> (Self, Url) {
        let me = Self {
            got: Arc::default(),
            fail_first: Arc::new(AtomicU32::new(fail_first)),
        };
        let state = me.clone();
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move {
                    if state.fail_first.load(Ordering::SeqCst) > 0 {
                        state.fail_first.fetch_sub(1, Ordering::SeqCst);
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    state.got.lock().unwrap().push((headers, body.to_vec()));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (me, format!("http://{addr}/hooks").parse().unwrap())
    }

    fn topics(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(h, _)| h["x-shopify-topic"].to_str().unwrap().to_owned())
            .collect()
    }

    fn verified(&self, secret: &str) -> Vec<shopify::Webhook> {
        let verifier = WebhookVerifier::new(SecretString::from(secret.to_owned()));
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(h, b)| verifier.verify_and_parse(h, b).unwrap())
            .collect()
    }
}

fn compressed() -> ShopifyFake {
    ShopifyFake::new().with_retry_schedule(vec![Duration::from_millis(10); 8])
}

#[tokio::test]
async fn signed_webhooks_carry_rest_payloads_the_client_verifies() {
    let env = Env::with_fake(compressed()).await;
    let (rx, url) = Receiver::start(0).await;
    for topic in [
        "orders/create",
        "orders/paid",
        "refunds/create",
        "customers/create",
    ] {
        env.fake().register_webhook(topic, url.clone());
    }
    let seeded = env.fake().create_order(
        NewOrder::simple("hook@example.com", d("19.99"))
            .tax(d("1.01"))
            .payment(InitialPayment::Paid("paytrace".into())),
    );
    let id = seeded["id"].as_u64().unwrap();
    let gid = Gid::new("Order", id);
    let sale = first_txn(&env, id);
    let mut refund = RefundInput::new(gid.clone());
    refund.transactions.push(TransactionInput::refund(
        gid.clone(),
        sale.clone(),
        d("5.00"),
        "paytrace",
    ));
    env.client
        .refunds()
        .create(&refund, "hook-refund-1")
        .await
        .unwrap();
    // A replay of the same key sends nothing more.
    env.client
        .refunds()
        .create(&refund, "hook-refund-1")
        .await
        .unwrap();
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let mut topics = rx.topics();
    topics.sort();
    assert_eq!(
        topics,
        vec![
            "customers/create",
            "orders/create",
            "orders/paid",
            "refunds/create"
        ]
    );

    let hooks = rx.verified(env.fake().webhook_secret());
    for hook in &hooks {
        assert_eq!(hook.headers.shop_domain, "sandbox-shop.myshopify.com");
        assert_eq!(hook.headers.api_version.as_deref(), Some("2026-10"));
        assert!(hook.headers.triggered_at.is_some());
        assert!(hook.headers.event_id.is_some());
        match &hook.payload {
            WebhookPayload::Order(o) => {
                assert_eq!(o.id, id);
                assert_eq!(o.total_price, d("21.00"));
                assert_eq!(o.total_tax, Some(d("1.01")));
                assert_eq!(o.financial_status.as_ref().unwrap().as_str(), "paid");
                assert_eq!(o.line_items[0].price, d("19.99"));
                assert_eq!(
                    o.customer.as_ref().unwrap().email.as_deref(),
                    Some("hook@example.com")
                );
                assert_eq!(o.admin_graphql_api_id.as_ref(), Some(&gid));
            }
            WebhookPayload::Refund(r) => {
                assert_eq!(r.order_id, Some(id));
                assert_eq!(r.transactions[0].amount, d("5.00"));
                assert_eq!(r.transactions[0].parent_id, sale.numeric_id());
                assert_eq!(r.transactions[0].kind.as_str(), "refund");
            }
            WebhookPayload::Customer(c) => assert_eq!(c.email.as_deref(), Some("hook@example.com")),
            other => panic!("{other:?}"),
        }
    }
    // The seeding helper returns exactly the orders/create body.
    let (headers, body) = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .find(|(h, _)| h["x-shopify-topic"] == "orders/create")
        .cloned()
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), seeded);
    assert_eq!(
        headers["x-shopify-hmac-sha256"].to_str().unwrap(),
        env.fake().sign(&body)
    );
    // A wrong secret does not verify.
    let wrong = WebhookVerifier::new(SecretString::from("other"));
    assert!(
        wrong
            .verify_and_parse(&headers, &body)
            .unwrap_err()
            .is_unauthorized()
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_the_schedule() {
    let env = Env::with_fake(compressed()).await;
    let (rx, url) = Receiver::start(2).await;
    env.fake().register_webhook("customers/create", url.clone());
    env.fake().create_customer("retry@example.com", "Re", "Try");
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let attempts: Vec<_> = env
        .fake()
        .webhooks()
        .attempts()
        .iter()
        .map(|a| (a.number, a.status))
        .collect();
    assert_eq!(
        attempts,
        vec![(1, Some(500)), (2, Some(500)), (3, Some(200))]
    );
    assert_eq!(rx.topics(), vec!["customers/create"]);

    // Shopify's own schedule: 8 retries over about 4 hours.
    let schedule = sandbox::shopify::shopify_retry_schedule();
    assert_eq!(schedule.len(), 8);
    let total: Duration = schedule.iter().sum();
    assert!(
        total > Duration::from_secs(3 * 3600) && total <= Duration::from_secs(4 * 3600),
        "{total:?}"
    );

    // A receiver that never answers 2xx sees the first try and every retry.
    let (dead, dead_url) = Receiver::start(u32::MAX).await;
    env.fake().register_webhook("orders/create", dead_url);
    env.fake()
        .create_order(NewOrder::simple("dead@example.com", d("1.00")));
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let to_dead = env
        .fake()
        .webhooks()
        .attempts()
        .iter()
        .filter(|a| a.topic == "orders/create")
        .count();
    assert_eq!(to_dead, 9);
    assert!(dead.topics().is_empty());
}

#[tokio::test]
async fn duplicate_and_out_of_order_deliveries_on_demand() {
    let env = Env::with_fake(compressed()).await;
    let (rx, url) = Receiver::start(0).await;
    env.fake().register_webhook("*", url);
    env.fake().webhooks().duplicate_next(1);
    env.fake()
        .create_customer("dup@example.com", "Du", "Plicate");
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let hooks = rx.verified(env.fake().webhook_secret());
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].headers.dedupe_key(), hooks[1].headers.dedupe_key());
    rx.got.lock().unwrap().clear();

    // Hold orders/create back: it arrives after refunds/create... of a later event.
    env.fake().webhooks().reorder_next(1);
    env.fake()
        .create_customer("first@example.com", "First", "One");
    assert_eq!(env.fake().webhooks().pending(), 1);
    env.fake()
        .create_customer("second@example.com", "Second", "Two");
    assert!(
        env.fake()
            .webhooks()
            .wait_idle(Duration::from_secs(5))
            .await
    );
    let emails: Vec<String> = rx
        .verified(env.fake().webhook_secret())
        .into_iter()
        .map(|h| match h.payload {
            WebhookPayload::Customer(c) => c.email.unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(emails.len(), 2);
    assert_eq!(
        emails
            .iter()
            .filter(|e| e.as_str() == "first@example.com")
            .count(),
        1
    );
    // The held delivery is released together with (and may arrive after) the next one.
    assert_eq!(env.fake().webhooks().pending(), 0);
}

// ------------------------------------------------------------------ a whole order-to-refund run

#[tokio::test]
async fn pay_then_refund_changes_what_the_backfill_returns() {
    let env = Env::start().await;
    let (gid, id) = env.order(NewOrder::simple("flow@example.com", d("50.00")));
    let since = shopify::models::DateTime::UNIX_EPOCH;
    let before: Vec<_> = env
        .client
        .orders()
        .updated_since(since, 10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        before[0]
            .display_financial_status
            .as_ref()
            .unwrap()
            .as_str(),
        "PENDING"
    );
    let pay = ManualPaymentInput::new(gid.clone(), MoneyV2::new(d("50.00"), "USD"), "PayTrace");
    env.client
        .orders()
        .create_manual_payment(&pay)
        .await
        .unwrap();
    env.client
        .metafields()
        .set(&[MetafieldsSetInput::text(
            gid.clone(),
            "payments",
            "paytrace_txn",
            "987",
        )])
        .await
        .unwrap();
    let sale = first_txn(&env, id);
    let mut refund = RefundInput::new(gid.clone());
    refund.transactions.push(TransactionInput::refund(
        gid.clone(),
        sale,
        d("50.00"),
        "PayTrace",
    ));
    env.client
        .refunds()
        .create(&refund, "flow-refund")
        .await
        .unwrap();
    let after: Vec<_> = env
        .client
        .orders()
        .updated_since(since, 10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        after[0].display_financial_status.as_ref().unwrap().as_str(),
        "REFUNDED"
    );
    assert!(after[0].updated_at >= before[0].updated_at);
}

#[test]
fn note_attributes_reach_the_webhook_body() {
    let fake = ShopifyFake::new();
    let body = fake.create_order(
        NewOrder::simple("attrs@example.com", d("12.00"))
            .note_attribute("paytrace_customer_id", "cust-7"),
    );
    let order: shopify::rest::Order = serde_json::from_value(body).unwrap();
    assert_eq!(order.note_attributes.len(), 1);
    assert_eq!(order.note_attributes[0].name, "paytrace_customer_id");
    assert_eq!(order.note_attributes[0].value.as_deref(), Some("cust-7"));
}

// ------------------------------------------------------------------ order shapes

#[tokio::test]
async fn custom_items_render_null_sku_variant_and_product() {
    let env = Env::start().await;
    let body = env.fake().create_order(
        NewOrder::simple("custom@example.com", d("10.00")).custom_item("Engraving", 2, d("3.50")),
    );
    let items = body["line_items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // The catalogue item keeps its SKU; the custom one sends explicit nulls, as Shopify does.
    assert_eq!(items[0]["sku"], "SBX-1");
    for field in ["sku", "variant_id", "product_id"] {
        let custom = items[1].as_object().unwrap();
        assert!(custom.contains_key(field), "{field}");
        assert!(custom[field].is_null(), "{field}: {}", custom[field]);
    }
    assert_eq!(items[1]["title"], "Engraving");
    assert_eq!(items[1]["quantity"], 2);
    assert_eq!(items[1]["price"], "3.50");
    assert_eq!(body["subtotal_price"], "17.00");
    // The client's REST type reads it the same way.
    let order: shopify::rest::Order = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(order.line_items[0].sku.as_deref(), Some("SBX-1"));
    assert_eq!(order.line_items[1].sku, None);
    assert_eq!(order.line_items[1].variant_id, None);
    assert_eq!(order.line_items[1].product_id, None);
    assert_eq!(env.fake().order_rest_json(order.id).unwrap(), body);
}

#[tokio::test]
async fn tips_are_received_and_part_of_the_total_price() {
    let env = Env::start().await;
    let body = env.fake().create_order(
        NewOrder::simple("tip@example.com", d("10.00"))
            .shipping(d("5.00"))
            .tax(d("0.80"))
            .tip(d("2")),
    );
    assert_eq!(body["total_tip_received"], "2.00");
    // Shopify's total_price: line items, discounts, shipping, taxes and tips.
    assert_eq!(body["total_price"], "17.80");
    assert_eq!(body["total_price_set"]["shop_money"]["amount"], "17.80");
    assert_eq!(body["current_total_price"], "17.80");
    assert_eq!(
        body["current_total_price_set"]["presentment_money"]["amount"],
        "17.80"
    );
    assert_eq!(body["total_outstanding"], "17.80");
    // Tips are not part of the subtotal.
    assert_eq!(body["subtotal_price"], "10.00");
    assert_eq!(body["total_line_items_price"], "10.00");
    let order: shopify::rest::Order = serde_json::from_value(body).unwrap();
    assert_eq!(order.total_tip_received, Some(d("2.00")));
    assert_eq!(order.total_price, d("17.80"));

    // Paid at checkout: the sale covers the tip, so the order is fully paid.
    let (gid, id) = env.order(
        NewOrder::simple("tip2@example.com", d("10.00"))
            .tip(d("1.50"))
            .payment(InitialPayment::Paid("paytrace".into())),
    );
    let stored = env.fake().order(id).unwrap();
    assert_eq!(stored.transactions[0].amount, d("11.50"));
    assert_eq!(env.status(&gid).await, "PAID");

    // Without a tip, Shopify still sends the field.
    let plain = env
        .fake()
        .create_order(NewOrder::simple("plain@example.com", d("4.00")));
    assert_eq!(plain["total_tip_received"], "0.00");
    assert_eq!(plain["total_price"], "4.00");
}

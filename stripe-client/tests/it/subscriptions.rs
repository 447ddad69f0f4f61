use stripe_client::{
    CancelSubscription, CreateSubscription, CreateSubscriptionItem, ListSubscriptions,
    PaymentBehavior, SubscriptionStatus, UpdateSubscription, UpdateSubscriptionItem,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

#[tokio::test]
async fn create_sends_items_as_indexed_objects() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .and(StripeHeaders)
        .and(HasIdempotencyKey)
        .and(form(&[
            ("customer", "cus_1"),
            ("items[0][price]", "price_a"),
            ("items[0][quantity]", "1"),
            ("items[1][price]", "price_b"),
            ("items[1][quantity]", "3"),
            ("payment_behavior", "default_incomplete"),
            ("expand[]", "latest_invoice.payment_intent"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("subscription")))
        .expect(1)
        .mount(&server)
        .await;
    let sub = client(&server)
        .subscriptions()
        .expand(["latest_invoice.payment_intent"])
        .create(&CreateSubscription {
            items: vec![
                CreateSubscriptionItem::new("price_a", 1),
                CreateSubscriptionItem::new("price_b", 3),
            ],
            payment_behavior: Some(PaymentBehavior::DefaultIncomplete),
            ..CreateSubscription::new("cus_1")
        })
        .await
        .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    let price = sub.items.data[0].price.as_ref().unwrap();
    assert_eq!(price.unit_amount, Some(2000));
    assert_eq!(price.recurring.as_ref().unwrap().interval, "month");
}

#[tokio::test]
async fn update_and_cancel() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_1"))
        .and(form(&[
            ("cancel_at_period_end", "true"),
            ("items[0][id]", "si_1"),
            ("items[0][deleted]", "true"),
            ("items[1][price]", "price_c"),
            ("items[1][quantity]", "2"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("subscription")))
        .expect(1)
        .mount(&server)
        .await;
    let mut canceled = fixture("subscription");
    canceled["status"] = "canceled".into();
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_1"))
        .and(query(&[("invoice_now", "true"), ("prorate", "false")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(canceled))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.subscriptions()
        .update(
            "sub_1",
            &UpdateSubscription {
                cancel_at_period_end: Some(true),
                items: vec![
                    UpdateSubscriptionItem::delete("si_1"),
                    UpdateSubscriptionItem::add("price_c", 2),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sub = c
        .subscriptions()
        .cancel(
            "sub_1",
            &CancelSubscription {
                invoice_now: Some(true),
                prorate: Some(false),
            },
        )
        .await
        .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Canceled);
}

#[tokio::test]
async fn retrieve_and_list_by_customer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("subscription")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions"))
        .and(query(&[("customer", "cus_1"), ("status", "past_due")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/subscriptions",
            vec![fixture("subscription")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let sub = c.subscriptions().retrieve("sub_1").await.unwrap();
    assert_eq!(sub.customer.id(), "cus_QXg1o8vcGmoR32");
    // The official fixture of 2026-07-29: the billing period is on the item.
    let period = sub.current_period().unwrap();
    assert_eq!(period.start.unix_timestamp(), 1_896_570_518);
    assert_eq!(period.end.unix_timestamp(), 976_287_773);
    let page = c
        .subscriptions()
        .list(&ListSubscriptions {
            customer: Some("cus_1".into()),
            status: Some(SubscriptionStatus::PastDue),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("DELETE", "/v1/subscriptions/sub_1", |c| c
    .subscriptions()
    .cancel("sub_1", &stripe_client::CancelSubscription::default()));

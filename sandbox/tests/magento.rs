//! The Magento fake, driven by the real `magento` client over loopback.
#![allow(clippy::unwrap_used, missing_docs)]

use std::str::FromStr;
use std::time::Duration;

use magento::oauth::{Nonce, OAuthCredentials, authorization_header};
use magento::{
    Client, Condition, CreateInvoice, CreateShipment, Credentials, Customer, CustomerAddress,
    Direction, DocumentComment, Error, Filter, FilterGroup, ItemQty, NewCustomer, NewOrderComment,
    OrderState, PaymentFailure, Refund, RefundArguments, Region, RetryConfig, SearchCriteria,
    StatusApplied, Track,
};
use rust_decimal::Decimal;
use sandbox::magento::{ADMIN_PASSWORD, ADMIN_USERNAME, MagentoFake, NewOrder, NewOrderItem};
use sandbox::{Fault, FaultRule, Faults, Running, Trigger};
use serde_json::{Value, json};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

struct Env {
    running: Running<MagentoFake>,
    faults: Faults,
}

impl Env {
    async fn start() -> Self {
        let faults = Faults::default();
        let running = Running::start(MagentoFake::new(), &faults).await.unwrap();
        Self { running, faults }
    }

    fn fake(&self) -> &MagentoFake {
        &self.running.fake
    }

    fn base(&self) -> String {
        self.running.base_url().to_string()
    }

    fn client_with(&self, credentials: Credentials, retry: RetryConfig) -> Client {
        Client::builder(self.base(), credentials)
            .store_code("default")
            .retry(retry)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    fn oauth_credentials(&self) -> Credentials {
        let f = self.fake();
        Credentials::oauth(
            f.consumer_key(),
            f.consumer_secret(),
            f.access_token(),
            f.access_token_secret(),
        )
    }

    /// OAuth 1.0a, no retries.
    fn client(&self) -> Client {
        self.client_with(self.oauth_credentials(), RetryConfig::disabled())
    }

    fn url(&self, path: &str) -> String {
        self.running.base_url().join(path).unwrap().to_string()
    }

    /// 2 x 22.00 (tax 3.63, discount 4.40) + 1 x 52.50, shipping 10: grand total 105.73.
    fn seed(&self) -> i64 {
        self.fake().create_order(
            NewOrder::new("jdoe@example.com")
                .line(NewOrderItem {
                    sku: "WS12-M".into(),
                    name: "Radiant Tee".into(),
                    qty: d("2"),
                    price: d("22"),
                    tax_amount: d("3.63"),
                    discount_amount: d("4.40"),
                    product_type: "simple".into(),
                })
                .item("MH01-L", 1, d("52.5"))
                .shipping(d("10"))
                .payment(
                    "stripe_payments",
                    vec![("payment_intent".into(), "pi_123".into())],
                ),
        )
    }
}

fn item_ids(order: &magento::Order) -> Vec<i64> {
    order.items.iter().map(|i| i.item_id.unwrap()).collect()
}

#[tokio::test]
async fn order_to_cash_with_oauth_capture_ship_and_online_refunds() {
    let env = Env::start().await;
    let id = env.seed();
    let client = env.client();

    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.entity_id, Some(id));
    assert_eq!(order.increment_id.as_deref(), Some("000000001"));
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.status.as_deref(), Some("pending"));
    assert_eq!(order.grand_total, Some(d("105.73")));
    assert_eq!(order.discount_amount, Some(d("-4.40")));
    assert_eq!(
        order.shipping_address().unwrap().city.as_deref(),
        Some("Purchase")
    );
    assert_eq!(order.shipping_method(), Some("flatrate_flatrate"));
    assert_eq!(order.payment_info("payment_intent"), Some("pi_123"));
    assert_eq!(order.customer_is_guest, Some(true));
    let items = item_ids(&order);
    assert_eq!(items.len(), 2);

    let by_number = client
        .orders()
        .get_by_increment_id("000000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_number.entity_id, Some(id));
    assert!(
        client
            .orders()
            .get_by_increment_id("000000404")
            .await
            .unwrap()
            .is_none()
    );

    // Part of the first line, captured online: the order moves to processing.
    let first = client
        .invoices()
        .create(
            id,
            &CreateInvoice {
                capture: true,
                items: vec![ItemQty::new(items[0], 1)],
                notify: true,
                comment: Some(DocumentComment::internal("first part")),
                ..CreateInvoice::default()
            },
        )
        .await
        .unwrap();
    let invoice = client.invoices().get(first).await.unwrap();
    assert!(invoice.is_paid());
    assert_eq!(invoice.order_id, Some(id));
    // 22 + tax 1.82 (half of 3.63, rounded up) - discount 2.20 + all the shipping (10).
    assert_eq!(invoice.grand_total, Some(d("31.62")));
    let capture_txn = invoice.transaction_id.clone().unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.state, Some(OrderState::Processing));
    assert_eq!(order.status.as_deref(), Some("processing"));
    assert_eq!(order.total_paid, Some(d("31.62")));
    assert_eq!(
        order.payment.as_ref().unwrap().last_trans_id.as_deref(),
        Some(capture_txn.as_str())
    );

    // The rest: everything is paid, the order stays processing until shipped.
    let second = client
        .invoices()
        .create(
            id,
            &CreateInvoice {
                capture: true,
                ..CreateInvoice::default()
            },
        )
        .await
        .unwrap();
    let invoice2 = client.invoices().get(second).await.unwrap();
    assert_eq!(invoice2.grand_total, Some(d("74.11")));
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.total_paid, Some(d("105.73")));
    assert_eq!(order.total_due, Some(Decimal::ZERO));
    assert_eq!(order.state, Some(OrderState::Processing));
    // Nothing left to invoice.
    let again = client
        .invoices()
        .create(id, &CreateInvoice::default())
        .await
        .unwrap_err();
    match again {
        Error::BadRequest(body) => {
            assert!(
                body.message
                    .contains("The order does not allow an invoice to be created."),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }

    // Shipping everything completes the order.
    let shipment = client
        .shipments()
        .create(
            id,
            &CreateShipment {
                tracks: vec![Track::new("ups", "United Parcel Service", "1Z999")],
                ..CreateShipment::default()
            },
        )
        .await
        .unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.state, Some(OrderState::Complete));
    assert!(order.items.iter().all(|i| i.qty_shipped == i.qty_ordered));
    let shipments = env.fake().shipments_of(id);
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].entity_id, shipment);
    assert_eq!(shipments[0].tracks[0].track_number, "1Z999");

    // Online refund of the first invoice: the order keeps money to refund, stays complete.
    let memo = client
        .credit_memos()
        .refund_online(first, &Refund::default())
        .await
        .unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.total_refunded, Some(d("31.62")));
    assert_eq!(order.state, Some(OrderState::Complete));
    assert_eq!(
        order.payment.as_ref().unwrap().last_trans_id.as_deref(),
        Some(format!("{capture_txn}-refund").as_str())
    );
    let memos = env.fake().credit_memos_of(id);
    assert_eq!(memos.len(), 1);
    assert_eq!(memos[0].entity_id, memo);
    assert!(memos[0].online);
    // The same invoice cannot be refunded twice.
    let twice = client
        .credit_memos()
        .refund_online(first, &Refund::default())
        .await
        .unwrap_err();
    assert!(matches!(twice, Error::BadRequest(_)), "{twice:?}");

    // Refunding the second invoice closes the order.
    client
        .credit_memos()
        .refund_online(second, &Refund::default())
        .await
        .unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.total_refunded, Some(d("105.73")));
    assert_eq!(order.state, Some(OrderState::Closed));
    assert_eq!(order.status.as_deref(), Some("closed"));
    let more = client
        .credit_memos()
        .refund_offline(id, &Refund::default())
        .await
        .unwrap_err();
    match more {
        Error::BadRequest(body) => assert!(
            body.message.contains("does not allow a creditmemo"),
            "{body}"
        ),
        other => panic!("{other:?}"),
    }

    // The history tells the story, newest first.
    let comments = client.orders().comments(id).await.unwrap();
    let texts: Vec<String> = comments
        .items
        .iter()
        .filter_map(|c| c.comment.clone())
        .collect();
    assert_eq!(comments.total_count, Some(4));
    assert!(
        texts[0].starts_with("We refunded $74.11 online."),
        "{texts:?}"
    );
    assert!(
        texts[3].starts_with("Captured amount of $31.62 online."),
        "{texts:?}"
    );
}

#[tokio::test]
async fn offline_invoice_and_offline_refunds_with_arguments_and_limits() {
    let env = Env::start().await;
    let id = env.seed();
    let client = env.client_with(
        Credentials::integration_bearer(env.fake().integration_token()),
        RetryConfig::disabled(),
    );
    let invoice_id = client
        .invoices()
        .create(id, &CreateInvoice::default())
        .await
        .unwrap();
    let invoice = client.invoices().get(invoice_id).await.unwrap();
    assert!(invoice.is_paid());
    assert_eq!(invoice.transaction_id, None);
    assert_eq!(invoice.grand_total, Some(d("105.73")));
    // An offline invoice cannot be refunded online.
    let online = client
        .credit_memos()
        .refund_online(invoice_id, &Refund::default())
        .await
        .unwrap_err();
    match online {
        Error::BadRequest(body) => assert!(
            body.message.contains("Cannot create online refund"),
            "{body}"
        ),
        other => panic!("{other:?}"),
    }
    let order = client.orders().get(id).await.unwrap();
    let items = item_ids(&order);

    // One tee, no shipping, 1.50 adjustment fee: 22 + 1.82 - 2.20 - 1.50 = 20.12.
    let partial = Refund {
        items: vec![ItemQty::new(items[0], 1)],
        arguments: Some(RefundArguments {
            shipping_amount: Some(Decimal::ZERO),
            adjustment_negative: Some(d("1.5")),
            ..RefundArguments::default()
        }),
        ..Refund::default()
    };
    client
        .credit_memos()
        .refund_offline(id, &partial)
        .await
        .unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.total_refunded, Some(d("20.12")));
    assert_eq!(order.state, Some(OrderState::Processing));
    assert_eq!(order.items[0].qty_refunded, Some(d("1")));

    // More shipping than was charged, more items than are left, more money than was paid.
    let too_much_shipping = Refund {
        items: vec![ItemQty::new(items[1], 1)],
        arguments: Some(RefundArguments {
            shipping_amount: Some(d("11")),
            ..RefundArguments::default()
        }),
        ..Refund::default()
    };
    match client
        .credit_memos()
        .refund_offline(id, &too_much_shipping)
        .await
        .unwrap_err()
    {
        Error::BadRequest(body) => assert!(
            body.message
                .contains("Maximum shipping amount allowed to refund is: $10.00"),
            "{body}"
        ),
        other => panic!("{other:?}"),
    }
    let too_many = Refund {
        items: vec![ItemQty::new(items[0], 2)],
        ..Refund::default()
    };
    assert!(matches!(
        client.credit_memos().refund_offline(id, &too_many).await,
        Err(Error::BadRequest(_))
    ));
    let too_much_money = Refund {
        items: vec![ItemQty::new(items[1], 1)],
        arguments: Some(RefundArguments {
            adjustment_positive: Some(d("100")),
            ..RefundArguments::default()
        }),
        ..Refund::default()
    };
    match client
        .credit_memos()
        .refund_offline(id, &too_much_money)
        .await
        .unwrap_err()
    {
        Error::BadRequest(body) => {
            assert!(
                body.message
                    .contains("The most money available to refund is $85.61."),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }

    // The rest (remaining lines and shipping): 84.11 more. Only the 1.50 fee kept back is left
    // unrefunded, which Magento does not count as refundable: the order is closed.
    client
        .credit_memos()
        .refund_offline(id, &Refund::default())
        .await
        .unwrap();
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.total_refunded, Some(d("104.23")));
    assert_eq!(order.state, Some(OrderState::Closed));
    assert_eq!(env.fake().credit_memos_of(id).len(), 2);
    assert!(env.fake().credit_memos_of(id).iter().all(|m| !m.online));
}

#[tokio::test]
async fn search_criteria_groups_sorting_paging_and_fields() {
    let env = Env::start().await;
    for n in 0..12 {
        let email = if n % 3 == 0 {
            format!("vip{n}@example.com")
        } else {
            format!("c{n}@shop.test")
        };
        let id =
            env.fake()
                .create_order(NewOrder::new(email).item("SKU", 1, Decimal::from(10 + n)));
        if n % 2 == 0 {
            env.fake().set_order_state(id, "processing", "processing");
        }
    }
    let client = env.client();

    // (status = processing OR email LIKE vip%) AND grand_total >= 15, newest first, page 2 of 3.
    let criteria = SearchCriteria::new()
        .group(
            FilterGroup::new()
                .or(Filter::eq("status", "processing"))
                .or(Filter::new("customer_email", Condition::Like, "vip%")),
        )
        .filter(Filter::new("grand_total", Condition::Gteq, "20"))
        .sort("entity_id", Direction::Desc)
        .page_size(1)
        .current_page(2);
    let page = client.orders().search(&criteria).await.unwrap();
    // Order ids 1..=12 (n + 1) have grand totals 15 + n. Processing: odd ids; vip: ids 1, 4, 7,
    // 10. With a grand total of at least 20 (ids 6..=12): 7, 9, 10, 11.
    let ids: Vec<i64> = page.items.iter().map(|o| o.entity_id.unwrap()).collect();
    assert_eq!(page.total_count, Some(4));
    assert_eq!(ids, vec![10]);
    assert!(!page.is_last_page(&criteria));
    // Past the end, Magento answers the last page again.
    let beyond = client
        .orders()
        .search(&criteria.clone().current_page(9))
        .await
        .unwrap();
    assert_eq!(
        beyond
            .items
            .iter()
            .map(|o| o.entity_id.unwrap())
            .collect::<Vec<_>>(),
        vec![7]
    );
    let all = client
        .orders()
        .search(&criteria.clone().page_size(10).current_page(1))
        .await
        .unwrap();
    assert_eq!(
        all.items
            .iter()
            .map(|o| o.entity_id.unwrap())
            .collect::<Vec<_>>(),
        vec![11, 10, 9, 7]
    );

    // in / nin / neq / lt and a fields projection.
    let criteria = SearchCriteria::new()
        .filter(Filter::in_list("entity_id", ["2", "3", "4", "5"]))
        .filter(Filter::new("increment_id", Condition::Nin, "000000003"))
        .filter(Filter::new("grand_total", Condition::Lt, "20"))
        .sort("grand_total", Direction::Asc)
        .fields("items[entity_id,increment_id],total_count");
    let page = client.orders().search(&criteria).await.unwrap();
    assert_eq!(page.total_count, Some(3));
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.entity_id.unwrap())
            .collect::<Vec<_>>(),
        vec![2, 4, 5]
    );
    assert!(
        page.items
            .iter()
            .all(|o| o.grand_total.is_none() && o.increment_id.is_some())
    );

    // Ten and more filter groups: the OAuth parameters then sort differently in natural and byte
    // order, so this only passes when the fake sorts them like Magento (strnatcmp).
    let mut many = SearchCriteria::new();
    for _ in 0..11 {
        many = many.filter(Filter::new("entity_id", Condition::Gteq, "1"));
    }
    let many = many
        .filter(Filter::eq("customer_email", "c1@shop.test"))
        .page_size(10);
    let page = client.orders().search(&many).await.unwrap();
    assert_eq!(page.total_count, Some(1));
    assert_eq!(
        page.items[0].customer_email.as_deref(),
        Some("c1@shop.test")
    );

    // Paging through everything with the client's helper stops on total_count.
    let mut criteria = SearchCriteria::new()
        .sort("entity_id", Direction::Asc)
        .page_size(5);
    let mut seen = Vec::new();
    loop {
        let page = client.orders().search(&criteria).await.unwrap();
        seen.extend(page.items.iter().map(|o| o.entity_id.unwrap()));
        if page.is_last_page(&criteria) {
            break;
        }
        criteria = criteria.next_page();
    }
    assert_eq!(seen, (1..=12).collect::<Vec<_>>());

    // An unknown column is an SQL error in Magento: a masked 500 with a report id.
    let err = client
        .orders()
        .search(&SearchCriteria::new().filter(Filter::eq("no_such_column", "x")))
        .await
        .unwrap_err();
    match err {
        Error::Internal(body) => assert!(body.report_id().unwrap().starts_with("webapi-")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn hold_unhold_cancel_and_order_errors() {
    let env = Env::start().await;
    let id = env.seed();
    let client = env.client();
    assert!(client.orders().hold(id).await.unwrap());
    let held = client.orders().get(id).await.unwrap();
    assert_eq!(held.state, Some(OrderState::Holded));
    match client.orders().hold(id).await.unwrap_err() {
        Error::BadRequest(body) => assert_eq!(body.message, "A hold action is not available."),
        other => panic!("{other:?}"),
    }
    // A held order cannot be invoiced.
    assert!(matches!(
        client
            .invoices()
            .create(id, &CreateInvoice::default())
            .await,
        Err(Error::BadRequest(_))
    ));
    assert!(client.orders().unhold(id).await.unwrap());
    let released = client.orders().get(id).await.unwrap();
    assert_eq!(
        (released.state, released.status.as_deref()),
        (Some(OrderState::New), Some("pending"))
    );
    assert!(matches!(
        client.orders().unhold(id).await,
        Err(Error::BadRequest(_))
    ));

    assert!(client.orders().cancel(id).await.unwrap());
    let canceled = client.orders().get(id).await.unwrap();
    assert_eq!(canceled.state, Some(OrderState::Canceled));
    assert_eq!(canceled.items[0].qty_canceled, Some(d("2")));
    // Canceling again is Magento's `false`, not an error.
    assert!(!client.orders().cancel(id).await.unwrap());

    match client.orders().get(404).await.unwrap_err() {
        Error::NotFound(body) => {
            assert_eq!(
                body.message,
                "The entity that was requested doesn't exist. Verify the entity and try again."
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        client.invoices().get(77).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        client
            .shipments()
            .create(404, &CreateShipment::default())
            .await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn comments_and_failed_payment_status_before_and_after_2_4_7() {
    let env = Env::start().await;
    let id = env.seed();
    let client = env.client();
    assert!(
        client
            .orders()
            .add_comment(
                id,
                &NewOrderComment {
                    comment: "Stripe pi_123 created".into(),
                    ..NewOrderComment::default()
                }
            )
            .await
            .unwrap()
    );
    let comments = client.orders().comments(id).await.unwrap();
    assert_eq!(comments.items.len(), 1);
    assert_eq!(
        comments.items[0].comment.as_deref(),
        Some("Stripe pi_123 created")
    );
    assert_eq!(comments.items[0].status.as_deref(), Some("pending"));

    let failure = PaymentFailure {
        status: "payment_failed".into(),
        state: OrderState::PendingPayment,
        comment: "Stripe declined pi_123: card_declined".into(),
        notify_customer: false,
    };
    // 2.4.7+: the comment does not change the status, the client saves the order.
    let recorded = client
        .orders()
        .record_payment_failure(id, &failure)
        .await
        .unwrap();
    assert_eq!(recorded.applied, StatusApplied::ByOrderSave);
    assert_eq!(recorded.status.as_deref(), Some("payment_failed"));
    assert_eq!(recorded.state, Some(OrderState::PendingPayment));
    let order = env.fake().order(id).unwrap();
    assert_eq!(
        (order.state.as_str(), order.status.as_str()),
        ("pending_payment", "payment_failed")
    );
    assert_eq!(order.comments.len(), 2);

    // Before 2.4.7 the comment alone applied it.
    let other = env.seed();
    env.fake().set_comment_sets_status(true);
    let recorded = client
        .orders()
        .record_payment_failure(other, &failure)
        .await
        .unwrap();
    assert_eq!(recorded.applied, StatusApplied::ByComment);
    assert_eq!(env.fake().order(other).unwrap().status, "payment_failed");
}

#[tokio::test]
async fn customers_create_get_search_update_and_validation() {
    let env = Env::start().await;
    let client = env.client();
    let new = NewCustomer::new(Customer {
        email: "jdoe@example.com".into(),
        firstname: "Jane".into(),
        lastname: "Doe".into(),
        addresses: vec![CustomerAddress {
            firstname: Some("Jane".into()),
            lastname: Some("Doe".into()),
            street: vec!["123 Oak Ave".into()],
            city: Some("Purchase".into()),
            postcode: Some("10577".into()),
            country_id: Some("US".into()),
            telephone: Some("512-555-1111".into()),
            region: Some(Region {
                region_code: Some("NY".into()),
                region: Some("New York".into()),
                region_id: Some(43),
            }),
            default_billing: Some(true),
            default_shipping: Some(true),
            ..CustomerAddress::default()
        }],
        ..Customer::default()
    })
    .with_password("Passw0rd!");
    let created = client.customers().create(&new).await.unwrap();
    let id = created.id.unwrap();
    assert_eq!(created.group_id, Some(1));
    assert_eq!(created.website_id, Some(1));
    let address_id = created.addresses[0].id.unwrap();
    assert_eq!(created.default_billing, Some(address_id.to_string()));
    assert_eq!(
        env.fake().customer_password(id).as_deref(),
        Some("Passw0rd!")
    );
    assert!(env.fake().customer(id).unwrap().get("password").is_none());

    let fetched = client.customers().get(id).await.unwrap();
    assert_eq!(fetched.email, "jdoe@example.com");
    assert_eq!(
        fetched.addresses[0]
            .region
            .as_ref()
            .unwrap()
            .region_code
            .as_deref(),
        Some("NY")
    );

    // Same e-mail, same website.
    match client
        .customers()
        .create(&NewCustomer::new(fetched.clone()))
        .await
        .unwrap_err()
    {
        Error::BadRequest(body) => assert_eq!(
            body.message,
            "A customer with the same email address already exists in an associated website."
        ),
        other => panic!("{other:?}"),
    }
    // Magento's password rules.
    let weak = NewCustomer::new(Customer {
        email: "weak@example.com".into(),
        firstname: "W".into(),
        lastname: "K".into(),
        ..Customer::default()
    })
    .with_password("password");
    match client.customers().create(&weak).await.unwrap_err() {
        Error::BadRequest(body) => assert!(
            body.rendered_message()
                .contains("classes of characters in password is 3"),
            "{body}"
        ),
        other => panic!("{other:?}"),
    }
    // Missing names: one aggregated input error.
    let nameless = NewCustomer::new(Customer {
        email: "x@example.com".into(),
        ..Customer::default()
    });
    match client.customers().create(&nameless).await.unwrap_err() {
        Error::BadRequest(body) => {
            assert_eq!(body.errors.len(), 2);
            assert_eq!(
                body.errors[0].rendered_message(),
                "\"firstname\" is a required value."
            );
        }
        other => panic!("{other:?}"),
    }

    let mut changed = fetched.clone();
    changed.lastname = "Smith".into();
    changed.addresses.clear();
    let updated = client.customers().update(id, &changed).await.unwrap();
    assert_eq!(updated.lastname, "Smith");
    assert_eq!(updated.addresses.len(), 1, "addresses not sent are kept");
    assert_eq!(updated.created_at, fetched.created_at);

    let seeded = env.fake().create_customer("other@example.com", "Oth", "Er");
    let found = client
        .customers()
        .search(&SearchCriteria::new().filter(Filter::eq("lastname", "smith")))
        .await
        .unwrap();
    assert_eq!(found.total_count, Some(1));
    assert_eq!(found.items[0].id, Some(id));
    let all = client
        .customers()
        .search(
            &SearchCriteria::new()
                .filter(Filter::new("email", Condition::Like, "%@example.com"))
                .sort("id", Direction::Desc),
        )
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|c| c.id.unwrap()).collect::<Vec<_>>(),
        vec![seeded, id]
    );

    match client.customers().get(999).await.unwrap_err() {
        Error::NotFound(body) => assert_eq!(
            body.rendered_message(),
            "No such entity with customerId = 999"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        client.customers().update(999, &changed).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn oauth_failures_are_magento_oauth_problems() {
    let env = Env::start().await;
    let id = env.seed();
    let f = env.fake();
    let wrong_secret = env.client_with(
        Credentials::oauth(
            f.consumer_key(),
            "not-the-secret",
            f.access_token(),
            f.access_token_secret(),
        ),
        RetryConfig::disabled(),
    );
    match wrong_secret.orders().get(id).await.unwrap_err() {
        Error::OAuth { status, problem } => {
            assert_eq!(status, 401);
            assert_eq!(
                problem.problem,
                "The signature is invalid. Verify and try again."
            );
        }
        other => panic!("{other:?}"),
    }
    let wrong_key = env.client_with(
        Credentials::oauth(
            "someone-else",
            f.consumer_secret(),
            f.access_token(),
            f.access_token_secret(),
        ),
        RetryConfig::disabled(),
    );
    match wrong_key.orders().get(id).await.unwrap_err() {
        Error::OAuth { status, problem } => assert_eq!(
            (status, problem.problem.as_str()),
            (401, "consumer_key_rejected")
        ),
        other => panic!("{other:?}"),
    }
    let wrong_token = env.client_with(
        Credentials::oauth(
            f.consumer_key(),
            f.consumer_secret(),
            "stolen",
            f.access_token_secret(),
        ),
        RetryConfig::disabled(),
    );
    assert!(matches!(
        wrong_token.orders().get(id).await,
        Err(Error::OAuth { status: 401, .. })
    ));
    assert_eq!(env.fake().auth_failures(), 3);
    // A bad OAuth request changed nothing.
    assert!(matches!(
        wrong_secret.orders().hold(id).await,
        Err(Error::OAuth { .. })
    ));
    assert_eq!(env.fake().order(id).unwrap().state, "new");

    // The store code is part of the signed URL; the default path works too.
    let no_store = Client::builder(env.base(), env.oauth_credentials())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert_eq!(no_store.orders().get(id).await.unwrap().entity_id, Some(id));
    let unknown_store = env.client().with_store_code("fr_store").unwrap();
    assert!(matches!(
        unknown_store.orders().get(id).await,
        Err(Error::NotFound(_))
    ));
    env.fake().add_store("fr_store");
    assert!(unknown_store.orders().get(id).await.is_ok());

    // Bearer: the integration token unless the store disables it, never a made-up token.
    let bearer = env.client_with(
        Credentials::integration_bearer(f.integration_token()),
        RetryConfig::disabled(),
    );
    assert!(bearer.orders().get(id).await.is_ok());
    env.fake().set_integration_bearer(false);
    match bearer.orders().get(id).await.unwrap_err() {
        Error::Unauthorized(body) => assert_eq!(
            body.rendered_message(),
            "The consumer isn't authorized to access Magento_Sales::actions_view."
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn admin_tokens_are_issued_expire_and_are_renewed_by_the_client() {
    let env = Env::start().await;
    let id = env.seed();
    let admin = env.client_with(
        Credentials::admin_user(ADMIN_USERNAME, ADMIN_PASSWORD),
        RetryConfig::disabled(),
    );
    assert_eq!(admin.orders().get(id).await.unwrap().entity_id, Some(id));
    assert!(admin.orders().hold(id).await.unwrap());
    assert_eq!(env.fake().admin_tokens_issued(), 1);
    // The server's clock passes the 4 h lifetime: the client's cached token gets a 401, the
    // client asks for a new token once and the call succeeds.
    env.fake().advance_clock(Duration::from_secs(5 * 3600));
    assert!(admin.orders().unhold(id).await.unwrap());
    assert_eq!(env.fake().admin_tokens_issued(), 2);
    env.fake().revoke_admin_tokens();
    assert!(admin.orders().get(id).await.is_ok());
    assert_eq!(env.fake().admin_tokens_issued(), 1);

    let wrong = env.client_with(
        Credentials::admin_user(ADMIN_USERNAME, "nope"),
        RetryConfig::disabled(),
    );
    match wrong.orders().get(id).await.unwrap_err() {
        Error::Unauthorized(body) => assert!(
            body.message
                .starts_with("The account sign-in was incorrect"),
            "{body}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn faults_reach_the_client_as_configured() {
    let env = Env::start().await;
    let id = env.seed();
    let quick_retry =
        RetryConfig::standard().with_backoff(Duration::from_millis(10), Duration::from_millis(50));
    let retrying = env.client_with(env.oauth_credentials(), quick_retry);
    let client = env.client();

    // A 429 with Retry-After: the one-shot client sees it, the retrying one gets through.
    let rule = env.faults.add(
        FaultRule::new("magento", Fault::too_many_requests(7), Trigger::Count(2))
            .path("/rest/default/V1/orders")
            .method("GET"),
    );
    match client.orders().get(id).await.unwrap_err() {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(retrying.orders().get(id).await.unwrap().entity_id, Some(id));
    assert_eq!(env.faults.fired(rule), 2);

    // 503 then 500, on a write that the client never retries.
    let unavailable = env.faults.add(
        FaultRule::new("magento", Fault::status(503), Trigger::Count(1))
            .path("/rest/default/V1/order/"),
    );
    match retrying
        .invoices()
        .create(id, &CreateInvoice::default())
        .await
        .unwrap_err()
    {
        Error::Unavailable { status, .. } => assert_eq!(status, 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.faults.fired(unavailable), 1);
    assert!(
        env.fake().invoices_of(id).is_empty(),
        "a faulted request does not reach the fake"
    );
    let internal = env.faults.add(FaultRule::new(
        "magento",
        Fault::status(500),
        Trigger::Count(1),
    ));
    assert!(matches!(
        client.orders().get(id).await,
        Err(Error::Internal(_))
    ));
    assert_eq!(env.faults.fired(internal), 1);

    // A dropped connection after the invoice was made: the client cannot tell, the order can.
    let dropped = env.faults.add(
        FaultRule::new("magento", Fault::Drop, Trigger::Count(1))
            .path(format!("/rest/default/V1/order/{id}/invoice")),
    );
    let err = client
        .invoices()
        .create(
            id,
            &CreateInvoice {
                capture: true,
                ..CreateInvoice::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport(_) | Error::Decode { .. }),
        "{err:?}"
    );
    assert_eq!(env.faults.fired(dropped), 1);
    let order = client.orders().get(id).await.unwrap();
    assert_eq!(order.state, Some(OrderState::Processing));
    assert_eq!(order.total_invoiced, Some(d("105.73")));
    assert_eq!(env.fake().invoices_of(id).len(), 1);
}

/// Requests the client never sends: unsigned, replayed, malformed.
#[tokio::test]
async fn raw_requests_get_magento_answers() {
    let env = Env::start().await;
    let id = env.seed();
    let http = reqwest::Client::new();
    let f = env.fake();
    let bearer = format!("Bearer {}", f.integration_token());

    let anonymous = http
        .get(env.url(&format!("rest/V1/orders/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}})
    );

    // A nonce is single use; timestamps far in the future and HMAC-SHA1 are refused.
    let creds = OAuthCredentials::new(
        f.consumer_key(),
        f.consumer_secret(),
        f.access_token(),
        f.access_token_secret(),
    );
    let url = url::Url::parse(&env.url(&format!("rest/V1/orders/{id}"))).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let nonce = Nonce {
        nonce: "fixed-nonce".into(),
        timestamp: now,
    };
    let header = authorization_header(&creds, "GET", &url, &[], &nonce);
    let first = http
        .get(url.clone())
        .header("Authorization", &header)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let replay = http
        .get(url.clone())
        .header("Authorization", &header)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    assert_eq!(replay.text().await.unwrap(), "oauth_problem=nonce_used");
    let future = authorization_header(
        &creds,
        "GET",
        &url,
        &[],
        &Nonce {
            nonce: "n2".into(),
            timestamp: now + 3600,
        },
    );
    let res = http
        .get(url.clone())
        .header("Authorization", future)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status().as_u16(), res.text().await.unwrap()),
        (400, "oauth_problem=timestamp_refused".to_owned())
    );
    let sha1 = authorization_header(
        &creds,
        "GET",
        &url,
        &[],
        &Nonce {
            nonce: "n3".into(),
            timestamp: now,
        },
    )
    .replace("HMAC-SHA256", "HMAC-SHA1");
    let res = http
        .get(url.clone())
        .header("Authorization", sha1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "oauth_problem=signature_method_rejected"
    );
    // The signature covers the method: replaying a GET signature on a POST fails.
    let get_sig = authorization_header(
        &creds,
        "GET",
        &url,
        &[],
        &Nonce {
            nonce: "n4".into(),
            timestamp: now,
        },
    );
    let res = http
        .post(url.clone())
        .header("Authorization", get_sig)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "no POST route for /orders/{{id}}");

    // Money is a number on the entity, 4-decimal text in search results.
    let entity: Value = http
        .get(env.url(&format!("rest/V1/orders/{id}")))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(entity["grand_total"].to_string(), "105.73");
    assert_eq!(entity["entity_id"], json!(id));
    let found: Value = http
        .get(env.url("rest/V1/orders?searchCriteria[pageSize]=1&fields=items[grand_total,entity_id],total_count"))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found,
        json!({"items": [{"grand_total": "105.7300", "entity_id": id}], "total_count": 1})
    );

    let mut checks: Vec<(reqwest::RequestBuilder, u16, Value)> = vec![
        (
            http.get(env.url("rest/V1/orders")),
            400,
            json!({"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "searchCriteria"}}),
        ),
        (
            http.get(env.url("rest/V1/orders/abc")),
            400,
            json!({"message": "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.", "parameters": {"value": "abc", "type": "int"}}),
        ),
        (
            http.get(env.url("rest/V1/nothing/here")),
            404,
            json!({"message": "Request does not match any route."}),
        ),
        (
            http.delete(env.url(&format!("rest/V1/orders/{id}"))),
            404,
            json!({"message": "Request does not match any route."}),
        ),
        (
            http.post(env.url(&format!("rest/V1/order/{id}/invoice")))
                .body("{not json"),
            400,
            json!({"message": "Decoding error: \nSyntax error"}),
        ),
        (
            http.post(env.url(&format!("rest/V1/order/{id}/invoice")))
                .body(r#"{"items":[{"order_item_id":"x","qty":1}]}"#),
            400,
            json!({"message": "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.", "parameters": {"value": "x", "type": "int"}}),
        ),
        (
            http.post(env.url(&format!("rest/V1/orders/{id}/comments")))
                .body("{}"),
            400,
            json!({"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "statusHistory"}}),
        ),
    ];
    checks.extend([
        (
            http.post(env.url(&format!("rest/V1/order/{id}/refund")))
                .body(r#"{"arguments":{"adjustment_positive":"1e30"}}"#),
            400,
            json!({"message": "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.", "parameters": {"value": "1e30", "type": "float"}}),
        ),
        (
            http.get(env.url("rest/V1/orders?searchCriteria[pageSize]=-1")),
            400,
            json!({"message": "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.", "parameters": {"value": "-1", "type": "int"}}),
        ),
        (
            http.get(env.url(&format!("rest/V1/orders/{id}?fields=items[entity_id"))),
            400,
            json!({"message": "The \"%1\" parameter is invalid.", "parameters": ["fields"]}),
        ),
    ]);
    let deep = format!(
        "rest/V1/orders?searchCriteria{}=1&fields={}",
        "[a]".repeat(5000),
        "a[".repeat(5000)
    );
    let res = http
        .get(env.url(&deep))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "no panic on absurd nesting");
    let bogus = http
        .get(env.url("rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=status&searchCriteria[filter_groups][0][filters][0][condition_type]=bogus"))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 500);
    for (request, status, expected) in checks {
        let res = request
            .header("Authorization", &bearer)
            .header("Content-Type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, expected);
    }
    assert_eq!(
        env.fake().order(id).unwrap().state,
        "new",
        "nothing above changed the order"
    );

    // The admin token endpoint answers a bare JSON string, and checks its input.
    let token: Value = http
        .post(env.url("rest/V1/integration/admin/token"))
        .json(&json!({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token.as_str().is_some_and(|t| !t.is_empty()));
    let res = http
        .post(env.url("rest/V1/integration/admin/token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
}

/// Jane Doe's address as a cart takes it.
fn cart_address() -> magento::CartAddress {
    magento::CartAddress {
        firstname: Some("Jane".into()),
        lastname: Some("Doe".into()),
        street: vec!["123 Oak Ave".into()],
        city: Some("Purchase".into()),
        region: Some("New York".into()),
        region_code: Some("NY".into()),
        region_id: Some(43),
        postcode: Some("10577".into()),
        country_id: Some("US".into()),
        telephone: Some("512-555-1111".into()),
        ..magento::CartAddress::default()
    }
}

#[tokio::test]
async fn a_customers_cart_becomes_an_order_with_its_quote_id() {
    let env = Env::start().await;
    let client = env.client();
    env.fake()
        .add_product("COFFEE-1KG", "Coffee beans 1 kg", d("15.50"));
    env.fake().add_product("MUG", "Mug", d("9"));
    let customer = env
        .fake()
        .create_customer("jdoe@example.com", "Jane", "Doe");

    let cart = client.carts().create_for_customer(customer).await.unwrap();
    // The customer's active cart is answered again, not a second one.
    assert_eq!(
        client.carts().create_for_customer(customer).await.unwrap(),
        cart
    );
    let line = client
        .carts()
        .add_item(cart, &magento::CartItem::new(cart, "COFFEE-1KG", d("2")))
        .await
        .unwrap();
    assert_eq!(line.price, Some(d("15.5")));
    client
        .carts()
        .add_item(cart, &magento::CartItem::new(cart, "MUG", d("1")))
        .await
        .unwrap();
    let items = client.carts().items(cart).await.unwrap();
    let lines: Vec<(Option<String>, Option<Decimal>)> =
        items.iter().map(|i| (i.sku.clone(), i.qty)).collect();
    assert_eq!(
        lines,
        vec![
            (Some("COFFEE-1KG".into()), Some(d("2"))),
            (Some("MUG".into()), Some(d("1")))
        ]
    );

    // Ordering needs the shipping information first.
    let err = client
        .carts()
        .place_order(cart, "checkmo")
        .await
        .unwrap_err();
    assert!(matches!(err, magento::Error::BadRequest(_)), "{err:?}");
    let details = client
        .carts()
        .set_shipping_information(
            cart,
            &magento::ShippingInformation {
                shipping_address: cart_address(),
                billing_address: None,
                shipping_method_code: "flatrate".into(),
                shipping_carrier_code: "flatrate".into(),
            },
        )
        .await
        .unwrap();
    let codes: Vec<&str> = details
        .payment_methods
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    assert_eq!(codes, ["checkmo", "banktransfer"]);
    let err = client
        .carts()
        .place_order(cart, "stripe_payments")
        .await
        .unwrap_err();
    assert!(matches!(err, magento::Error::BadRequest(_)), "{err:?}");

    let order_id = client.carts().place_order(cart, "checkmo").await.unwrap();
    let order = client.orders().get(order_id).await.unwrap();
    assert_eq!(order.quote_id, Some(cart));
    assert_eq!(order.customer_id, Some(customer));
    assert_eq!(order.status.as_deref(), Some("pending"));
    // 2 × 15.50 + 9.00, flat rate 5.00 per item.
    assert_eq!(order.grand_total, Some(d("55")));
    assert_eq!(
        order
            .payment
            .as_ref()
            .and_then(|p| p.method.clone())
            .as_deref(),
        Some("checkmo")
    );
    let skus: Vec<Option<String>> = order.items.iter().map(|i| i.sku.clone()).collect();
    assert_eq!(skus, vec![Some("COFFEE-1KG".into()), Some("MUG".into())]);
    assert_eq!(
        order.shipping_address().map(|a| a.city.clone()),
        Some(Some("Purchase".into()))
    );
    // Found by its cart; the ordered cart is gone, and the next one is new.
    let found = client
        .orders()
        .get_by_quote_id(cart)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.entity_id, Some(order_id));
    assert!(matches!(
        client
            .carts()
            .place_order(cart, "checkmo")
            .await
            .unwrap_err(),
        magento::Error::NotFound(_)
    ));
    assert_ne!(
        client.carts().create_for_customer(customer).await.unwrap(),
        cart
    );
}

#[tokio::test]
async fn cart_errors_are_magentos() {
    let env = Env::start().await;
    let client = env.client();
    let customer = env
        .fake()
        .create_customer("jdoe@example.com", "Jane", "Doe");
    assert!(matches!(
        client.carts().create_for_customer(999).await.unwrap_err(),
        magento::Error::NotFound(_)
    ));
    let cart = client.carts().create_for_customer(customer).await.unwrap();
    // Unknown SKU.
    assert!(matches!(
        client
            .carts()
            .add_item(cart, &magento::CartItem::new(cart, "NOPE", d("1")))
            .await
            .unwrap_err(),
        magento::Error::NotFound(_)
    ));
    // An empty cart takes no shipping; an address without a telephone is refused.
    let info = |address: magento::CartAddress| magento::ShippingInformation {
        shipping_address: address,
        billing_address: None,
        shipping_method_code: "flatrate".into(),
        shipping_carrier_code: "flatrate".into(),
    };
    assert!(matches!(
        client
            .carts()
            .set_shipping_information(cart, &info(cart_address()))
            .await
            .unwrap_err(),
        magento::Error::BadRequest(_)
    ));
    env.fake().add_product("MUG", "Mug", d("9"));
    client
        .carts()
        .add_item(cart, &magento::CartItem::new(cart, "MUG", d("1")))
        .await
        .unwrap();
    let no_phone = magento::CartAddress {
        telephone: None,
        ..cart_address()
    };
    assert!(matches!(
        client
            .carts()
            .set_shipping_information(cart, &info(no_phone))
            .await
            .unwrap_err(),
        magento::Error::BadRequest(_)
    ));
    let ups = magento::ShippingInformation {
        shipping_carrier_code: "ups".into(),
        ..info(cart_address())
    };
    assert!(matches!(
        client
            .carts()
            .set_shipping_information(cart, &ups)
            .await
            .unwrap_err(),
        magento::Error::BadRequest(_)
    ));
    assert!(env.fake().carts()[0].shipping_method.is_none());
}

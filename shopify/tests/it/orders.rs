use crate::{assert_failure_modes, client, gql, money, ok, user_errors};
use futures::TryStreamExt;
use serde_json::json;
use shopify::models::{
    ManualPaymentInput, MoneyV2, OrderCaptureInput, OrderDisplayFinancialStatus,
    OrderTransactionKind, OrderTransactionStatus, RiskAssessmentResult,
};
use shopify::{Error, Gid};
use wiremock::{MockServer, ResponseTemplate};

fn order_json() -> serde_json::Value {
    json!({
        "id": "gid://shopify/Order/450789469", "legacyResourceId": "450789469", "name": "#1001",
        "email": "bob@example.com", "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
        "processedAt": "2026-11-01T10:00:00Z", "cancelledAt": null,
        "displayFinancialStatus": "AUTHORIZED", "displayFulfillmentStatus": "UNFULFILLED",
        "currencyCode": "USD", "presentmentCurrencyCode": "EUR",
        "totalPriceSet": {"shopMoney": {"amount": "598.94", "currencyCode": "USD"},
                          "presentmentMoney": {"amount": "551.02", "currencyCode": "EUR"}},
        "currentTotalPriceSet": money("598.94"), "totalOutstandingSet": money("598.94"),
        "totalReceivedSet": money("0.0"), "totalRefundedSet": money("0.0"),
        "note": null, "tags": ["vip"], "test": false,
        "transactions": [{
            "id": "gid://shopify/OrderTransaction/389404469", "kind": "AUTHORIZATION", "status": "SUCCESS",
            "gateway": "paytrace", "authorizationCode": "TAS123", "errorCode": null, "test": false,
            "processedAt": "2026-11-01T10:00:00Z", "createdAt": "2026-11-01T10:00:00Z",
            "parentTransaction": null, "amountSet": money("598.94")
        }],
        "risk": {"recommendation": "ACCEPT", "assessments": [{
            "riskLevel": "LOW", "provider": null,
            "facts": [{"description": "AVS match", "sentiment": "POSITIVE"}]
        }]},
        "metafields": {"nodes": [{
            "id": "gid://shopify/Metafield/1", "namespace": "payments", "key": "paytrace_txn",
            "value": "123456", "type": "single_line_text_field", "compareDigest": "abc"
        }]}
    })
}

#[tokio::test]
async fn get_returns_transactions_risk_and_metafields() {
    let server = MockServer::start().await;
    gql("getOrder", json!({"id": "gid://shopify/Order/450789469"}))
        .respond_with(ok(json!({"order": order_json()})))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server)
        .orders()
        .get(&Gid::new("Order", 450789469))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.legacy_resource_id, 450789469);
    assert_eq!(
        order.display_financial_status,
        Some(OrderDisplayFinancialStatus::Authorized)
    );
    let presentment = order.total_price_set.presentment_money.unwrap();
    assert_eq!(presentment.amount.to_string(), "551.02");
    assert_eq!(presentment.currency_code, "EUR");
    let t = &order.transactions[0];
    assert_eq!(t.kind, OrderTransactionKind::Authorization);
    assert_eq!(t.status, OrderTransactionStatus::Success);
    assert_eq!(t.id.numeric_id(), Some(389404469));
    let risk = order.risk.unwrap();
    assert_eq!(risk.assessments[0].risk_level, RiskAssessmentResult::Low);
    assert_eq!(order.metafields[0].compare_digest.as_deref(), Some("abc"));
}

#[tokio::test]
async fn get_unknown_order_is_none() {
    let server = MockServer::start().await;
    gql("getOrder", json!({"id": "gid://shopify/Order/9"}))
        .respond_with(ok(json!({"order": null})))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        client(&server)
            .orders()
            .get(&Gid::new("Order", 9))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn get_failure_modes() {
    assert_failure_modes(
        "getOrder",
        json!({"id": "gid://shopify/Order/1"}),
        true,
        |c| async move { c.orders().get(&Gid::new("Order", 1)).await },
    )
    .await;
}

fn summary(n: u64) -> serde_json::Value {
    json!({"id": format!("gid://shopify/Order/{n}"), "legacyResourceId": n.to_string(), "name": format!("#{n}"),
           "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
           "displayFinancialStatus": "PAID", "totalPriceSet": money("1.00")})
}

#[tokio::test]
async fn updated_since_streams_every_page() {
    let server = MockServer::start().await;
    let query = "updated_at:>='2026-11-01T00:00:00Z'";
    gql(
        "ordersUpdatedSince",
        json!({"first": 2, "after": null, "query": query}),
    )
    .respond_with(ok(json!({"orders": {"nodes": [summary(1), summary(2)],
            "pageInfo": {"hasNextPage": true, "endCursor": "c2"}}})))
    .expect(1)
    .mount(&server)
    .await;
    gql(
        "ordersUpdatedSince",
        json!({"first": 2, "after": "c2", "query": query}),
    )
    .respond_with(ok(json!({"orders": {"nodes": [summary(3)],
            "pageInfo": {"hasNextPage": false, "endCursor": "c3"}}})))
    .expect(1)
    .mount(&server)
    .await;
    let since = time::macros::datetime!(2026-11-01 00:00:00 UTC);
    let c = client(&server);
    let ids: Vec<u64> = c
        .orders()
        .updated_since(since, 2)
        .map_ok(|o| o.legacy_resource_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3]);
}

#[tokio::test]
async fn updated_since_stops_at_the_first_error() {
    let server = MockServer::start().await;
    crate::any_gql()
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"errors": "bad query"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let result: Result<Vec<_>, Error> = c
        .orders()
        .updated_since(time::macros::datetime!(2026-11-01 00:00:00 UTC), 10)
        .try_collect()
        .await;
    assert!(matches!(result, Err(Error::Api { status: 400, .. })));
}

/// A request whose `query` is exactly `document` (the operation's whole text, not only its name).
struct Document(&'static str);

impl wiremock::Match for Document {
    fn matches(&self, request: &wiremock::Request) -> bool {
        serde_json::from_slice::<serde_json::Value>(&request.body)
            .is_ok_and(|body| body["query"] == self.0)
    }
}

#[tokio::test]
async fn updated_since_page_sends_the_updated_at_search_sorted_by_update() {
    // The 2026-10 `orders` connection: `first`, `after`, the search `query`, `sortKey: UPDATED_AT`.
    let document = shopify::api::ORDERS_UPDATED_SINCE.document;
    assert!(
        document
            .contains("orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT)"),
        "{document}"
    );
    assert!(
        document.contains("pageInfo { hasNextPage endCursor }"),
        "{document}"
    );
    let server = MockServer::start().await;
    let query = "updated_at:>='2026-11-01T09:59:30Z'";
    let mut first = summary(1);
    first["customAttributes"] = json!([{"key": "paytrace_customer_id", "value": "vault-1"}]);
    first["cancelledAt"] = json!(null);
    gql(
        "ordersUpdatedSince",
        json!({"first": 250, "after": "c1", "query": query}),
    )
    .and(Document(document))
    .respond_with(ok(json!({"orders": {"nodes": [first, summary(2)],
            "pageInfo": {"hasNextPage": true, "endCursor": "c2"}}})))
    .expect(1)
    .mount(&server)
    .await;
    // Fractions of a second are cut (Shopify searches whole seconds); `first` is at most 250.
    let since = time::macros::datetime!(2026-11-01 04:59:30.9 -05:00);
    let page = client(&server)
        .orders()
        .updated_since_page(since, Some("c1"), 1000)
        .await
        .unwrap();
    let ids: Vec<u64> = page.orders.iter().map(|o| o.legacy_resource_id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(
        page.orders[0].custom_attributes[0].key,
        "paytrace_customer_id"
    );
    assert_eq!(
        page.orders[0].custom_attributes[0].value.as_deref(),
        Some("vault-1")
    );
    assert!(page.orders[1].custom_attributes.is_empty());
    assert_eq!(page.orders[0].cancelled_at, None);
    assert!(page.page_info.has_next_page);
    assert_eq!(page.page_info.end_cursor.as_deref(), Some("c2"));
}

#[tokio::test]
async fn a_malformed_updated_at_is_a_decode_error_naming_it() {
    let server = MockServer::start().await;
    let mut bad = summary(2);
    bad["updatedAt"] = json!("last tuesday");
    crate::any_gql()
        .respond_with(ok(json!({"orders": {"nodes": [summary(1), bad],
            "pageInfo": {"hasNextPage": false, "endCursor": "c2"}}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .orders()
        .updated_since_page(time::macros::datetime!(2026-11-01 00:00:00 UTC), None, 10)
        .await
        .unwrap_err();
    let Error::Decode { path, .. } = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(path, "data.orders.nodes[1].updatedAt");
    assert!(!err.is_transient());
}

fn order_as_rest_json(lines: serde_json::Value, has_next: bool) -> serde_json::Value {
    let mut order = json!({
        "id": "gid://shopify/Order/450789469", "legacyResourceId": "450789469", "name": "#1001",
        "email": "bob@example.com", "phone": null, "createdAt": "2026-11-01T10:00:00Z",
        "updatedAt": "2026-11-02T10:00:00Z", "processedAt": "2026-11-01T10:00:00Z",
        "cancelledAt": null, "closedAt": null, "currencyCode": "USD",
        "presentmentCurrencyCode": "USD", "displayFinancialStatus": "PENDING", "test": false,
        "taxesIncluded": false, "dutiesIncluded": false, "note": null, "tags": [],
        "customAttributes": [{"key": "paytrace_customer_id", "value": "vault-1"}],
        "totalPriceSet": money("30.00"), "subtotalPriceSet": money("30.00"),
        "totalDiscountsSet": money("0.00"), "totalTaxSet": money("0.00"),
        "totalShippingPriceSet": money("0.00"), "totalTipReceivedSet": money("0.00"),
        "totalOutstandingSet": money("30.00"), "currentTotalPriceSet": money("30.00"),
        "originalTotalDutiesSet": null,
        "totalCashRoundingAdjustment": {"paymentSet": money("0.00"), "refundSet": money("0.00")},
        "billingAddress": null, "shippingAddress": null, "customer": null
    });
    order["shippingLines"] =
        json!({"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}});
    order["lineItems"] = json!({"nodes": lines,
        "pageInfo": {"hasNextPage": has_next, "endCursor": if has_next { json!("l1") } else { json!(null) }}});
    order
}

fn line(id: u64, price: &str) -> serde_json::Value {
    json!({"id": format!("gid://shopify/LineItem/{id}"), "title": "Item", "name": "Item",
           "sku": null, "quantity": 1, "currentQuantity": 1, "variant": null, "product": null,
           "originalUnitPriceSet": money(price), "discountAllocations": [], "taxLines": []})
}

#[tokio::test]
async fn get_as_rest_reads_every_page_of_line_items_into_the_rest_order() {
    let document = shopify::api::GET_ORDER_AS_REST.document;
    assert!(
        document.contains("lineItems(first: 50, after: $lineItemsAfter)"),
        "{document}"
    );
    let server = MockServer::start().await;
    let id = "gid://shopify/Order/450789469";
    gql("getOrderAsRest", json!({"id": id, "lineItemsAfter": null}))
        .and(Document(document))
        .respond_with(ok(
            json!({"order": order_as_rest_json(json!([line(1, "10.00")]), true)}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    gql("getOrderAsRest", json!({"id": id, "lineItemsAfter": "l1"}))
        .and(Document(document))
        .respond_with(ok(json!({"order": order_as_rest_json(
            json!([line(2, "20.00")]),
            false
        )})))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server)
        .orders()
        .get_as_rest(&Gid::new("Order", 450789469))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.id, 450789469);
    let lines: Vec<(u64, String)> = order
        .line_items
        .iter()
        .map(|l| (l.id, l.price.to_string()))
        .collect();
    assert_eq!(lines, [(1, "10.00".to_owned()), (2, "20.00".to_owned())]);
    assert_eq!(order.note_attributes[0].name, "paytrace_customer_id");
    assert_eq!(
        order.financial_status,
        Some(shopify::rest::FinancialStatus::Pending)
    );
}

#[tokio::test]
async fn get_as_rest_of_an_unknown_order_is_none_and_fails_like_any_query() {
    let server = MockServer::start().await;
    gql(
        "getOrderAsRest",
        json!({"id": "gid://shopify/Order/9", "lineItemsAfter": null}),
    )
    .respond_with(ok(json!({"order": null})))
    .expect(1)
    .mount(&server)
    .await;
    assert!(
        client(&server)
            .orders()
            .get_as_rest(&Gid::new("Order", 9))
            .await
            .unwrap()
            .is_none()
    );
    assert_failure_modes(
        "getOrderAsRest",
        json!({"id": "gid://shopify/Order/1", "lineItemsAfter": null}),
        true,
        |c| async move { c.orders().get_as_rest(&Gid::new("Order", 1)).await },
    )
    .await;
}

#[tokio::test]
async fn mark_as_paid() {
    let server = MockServer::start().await;
    gql("orderMarkAsPaid", json!({"input": {"id": "gid://shopify/Order/1"}}))
        .respond_with(ok(json!({"orderMarkAsPaid": {
            "order": {"id": "gid://shopify/Order/1", "displayFinancialStatus": "PAID", "totalOutstandingSet": money("0.00")},
            "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server)
        .orders()
        .mark_as_paid(&Gid::new("Order", 1))
        .await
        .unwrap();
    assert_eq!(
        order.display_financial_status,
        Some(OrderDisplayFinancialStatus::Paid)
    );
}

#[tokio::test]
async fn mark_as_paid_user_errors() {
    let server = MockServer::start().await;
    gql(
        "orderMarkAsPaid",
        json!({"input": {"id": "gid://shopify/Order/1"}}),
    )
    .respond_with(user_errors(
        "orderMarkAsPaid",
        json!([{"field": ["id"], "message": "Order cannot be marked as paid."}]),
    ))
    .expect(1)
    .mount(&server)
    .await;
    match client(&server)
        .orders()
        .mark_as_paid(&Gid::new("Order", 1))
        .await
    {
        Err(Error::UserErrors { operation, errors }) => {
            assert_eq!(operation, "orderMarkAsPaid");
            assert_eq!(errors[0].field.as_deref(), Some(&["id".to_string()][..]));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn mark_as_paid_failure_modes_are_not_retried() {
    assert_failure_modes(
        "orderMarkAsPaid",
        json!({"input": {"id": "gid://shopify/Order/1"}}),
        false,
        |c| async move { c.orders().mark_as_paid(&Gid::new("Order", 1)).await },
    )
    .await;
}

fn manual_vars() -> serde_json::Value {
    json!({"id": "gid://shopify/Order/1", "amount": {"amount": "19.99", "currencyCode": "USD"},
           "paymentMethodName": "PayTrace", "processedAt": "2026-11-01T10:00:00Z"})
}

fn manual_input() -> ManualPaymentInput {
    ManualPaymentInput::new(
        Gid::new("Order", 1),
        MoneyV2::new("19.99".parse().unwrap(), "USD"),
        "PayTrace",
    )
    .with_processed_at(time::macros::datetime!(2026-11-01 10:00:00 UTC))
}

#[tokio::test]
async fn create_manual_payment() {
    let server = MockServer::start().await;
    gql("orderCreateManualPayment", manual_vars())
        .respond_with(ok(json!({"orderCreateManualPayment": {
            "order": {"id": "gid://shopify/Order/1", "displayFinancialStatus": "PARTIALLY_PAID"},
            "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let order = client(&server)
        .orders()
        .create_manual_payment(&manual_input())
        .await
        .unwrap();
    assert_eq!(
        order.display_financial_status,
        Some(OrderDisplayFinancialStatus::PartiallyPaid)
    );
}

#[tokio::test]
async fn create_manual_payment_coded_user_error() {
    let server = MockServer::start().await;
    gql("orderCreateManualPayment", manual_vars())
        .respond_with(user_errors(
            "orderCreateManualPayment",
            json!([{"field": ["amount"], "message": "Amount exceeds balance", "code": "AMOUNT_EXCEEDS_BALANCE"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server)
        .orders()
        .create_manual_payment(&manual_input())
        .await
    {
        Err(Error::UserErrors { errors, .. }) => {
            assert_eq!(errors[0].code.as_deref(), Some("AMOUNT_EXCEEDS_BALANCE"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_manual_payment_failure_modes() {
    assert_failure_modes(
        "orderCreateManualPayment",
        manual_vars(),
        false,
        |c| async move { c.orders().create_manual_payment(&manual_input()).await },
    )
    .await;
}

fn capture_vars() -> serde_json::Value {
    json!({"input": {"id": "gid://shopify/Order/1", "parentTransactionId": "gid://shopify/OrderTransaction/2",
                     "amount": "10.00", "currency": "EUR", "finalCapture": true}})
}

fn capture_input() -> OrderCaptureInput {
    OrderCaptureInput::new(
        Gid::new("Order", 1),
        Gid::new("OrderTransaction", 2),
        "10.00".parse().unwrap(),
    )
    .with_currency("EUR")
    .with_final_capture(true)
}

#[tokio::test]
async fn capture_success_and_decline_as_data() {
    for status in ["SUCCESS", "FAILURE"] {
        let server = MockServer::start().await;
        gql("orderCapture", capture_vars())
            .respond_with(ok(json!({"orderCapture": {"transaction": {
                "id": "gid://shopify/OrderTransaction/3", "kind": "CAPTURE", "status": status,
                "gateway": "paytrace", "errorCode": if status == "FAILURE" { json!("CARD_DECLINED") } else { json!(null) },
                "parentTransaction": {"id": "gid://shopify/OrderTransaction/2"}, "amountSet": money("10.00")
            }, "userErrors": []}})))
            .expect(1)
            .mount(&server)
            .await;
        let t = client(&server)
            .orders()
            .capture(&capture_input())
            .await
            .unwrap();
        assert_eq!(t.status.as_str(), status);
        assert_eq!(t.parent_transaction.unwrap().id.numeric_id(), Some(2));
    }
}

#[tokio::test]
async fn capture_user_errors_and_failure_modes() {
    let server = MockServer::start().await;
    gql("orderCapture", capture_vars())
        .respond_with(user_errors(
            "orderCapture",
            json!([{"field": ["input", "amount"], "message": "Amount is greater than capturable"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).orders().capture(&capture_input()).await,
        Err(Error::UserErrors {
            operation: "orderCapture",
            ..
        })
    ));
    assert_failure_modes("orderCapture", capture_vars(), false, |c| async move {
        c.orders().capture(&capture_input()).await
    })
    .await;
}

#[tokio::test]
async fn update_note() {
    let vars = json!({"input": {"id": "gid://shopify/Order/1", "note": "paid via PayTrace"}});
    let server = MockServer::start().await;
    gql("orderUpdate", vars.clone())
        .respond_with(ok(json!({"orderUpdate": {"order": {"id": "gid://shopify/Order/1", "note": "paid via PayTrace", "tags": []}, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .orders()
        .update_note(&Gid::new("Order", 1), "paid via PayTrace")
        .await
        .unwrap();
    assert_eq!(o.note.as_deref(), Some("paid via PayTrace"));

    let server = MockServer::start().await;
    gql("orderUpdate", vars.clone())
        .respond_with(user_errors(
            "orderUpdate",
            json!([{"field": ["id"], "message": "Order does not exist"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server)
            .orders()
            .update_note(&Gid::new("Order", 1), "paid via PayTrace")
            .await,
        Err(Error::UserErrors { .. })
    ));
    assert_failure_modes("orderUpdate", vars, true, |c| async move {
        c.orders()
            .update_note(&Gid::new("Order", 1), "paid via PayTrace")
            .await
    })
    .await;
}

#[tokio::test]
async fn send_invoice() {
    let mut email = shopify::models::InvoiceEmail::with_message("Your card was declined.");
    email.to = Some("jane@example.com".into());
    let vars = json!({
        "id": "gid://shopify/Order/1",
        "email": {"to": "jane@example.com", "customMessage": "Your card was declined."}
    });
    let server = MockServer::start().await;
    gql("orderInvoiceSend", vars.clone())
        .respond_with(ok(json!({"orderInvoiceSend": {"order": {"id": "gid://shopify/Order/1"}, "userErrors": []}})))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .orders()
        .send_invoice(&Gid::new("Order", 1), &email)
        .await
        .unwrap();
    assert_eq!(o.id, Gid::new("Order", 1));

    let server = MockServer::start().await;
    gql("orderInvoiceSend", vars.clone())
        .respond_with(user_errors(
            "orderInvoiceSend",
            json!([{"field": ["email", "to"], "message": "To can't be blank", "code": "ORDER_INVOICE_SEND_UNSUCCESSFUL"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server)
            .orders()
            .send_invoice(&Gid::new("Order", 1), &email)
            .await,
        Err(Error::UserErrors {
            operation: "orderInvoiceSend",
            ..
        })
    ));
    // Each call e-mails the customer: never sent again after an unknown outcome.
    assert_failure_modes("orderInvoiceSend", vars, false, |c| {
        let email = email.clone();
        async move { c.orders().send_invoice(&Gid::new("Order", 1), &email).await }
    })
    .await;
}

#[tokio::test]
async fn cancel_sends_the_reason_refund_method_restock_and_note_and_reads_its_errors() {
    use shopify::models::{OrderCancel, OrderCancelReason};
    let cancel = OrderCancel::new(OrderCancelReason::Fraud).staff_note("Cancelled after review");
    let vars = json!({
        "orderId": "gid://shopify/Order/1",
        "reason": "FRAUD",
        "refundMethod": {"originalPaymentMethodsRefund": false},
        "restock": true,
        "notifyCustomer": false,
        "staffNote": "Cancelled after review",
    });
    let server = MockServer::start().await;
    gql("orderCancel", vars.clone())
        .respond_with(ok(json!({"orderCancel": {
            "job": {"id": "gid://shopify/Job/abc-123", "done": false},
            "orderCancelUserErrors": [],
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let job = client(&server)
        .orders()
        .cancel(&Gid::new("Order", 1), &cancel)
        .await
        .unwrap();
    assert_eq!(job.to_string(), "gid://shopify/Job/abc-123");

    // An order already cancelled: Shopify answers in `orderCancelUserErrors`.
    let server = MockServer::start().await;
    gql("orderCancel", vars.clone())
        .respond_with(ok(json!({"orderCancel": {
            "job": null,
            "orderCancelUserErrors": [{"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}],
        }})))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server)
        .orders()
        .cancel(&Gid::new("Order", 1), &cancel)
        .await
    {
        Err(Error::UserErrors { operation, errors }) => {
            assert_eq!(operation, "orderCancel");
            assert_eq!(errors[0].message, "Order has already been cancelled");
            assert_eq!(errors[0].code.as_deref(), Some("INVALID"));
        }
        other => panic!("expected user errors, got {other:?}"),
    }
    assert_failure_modes("orderCancel", vars, true, move |c| {
        let cancel = cancel.clone();
        async move { c.orders().cancel(&Gid::new("Order", 1), &cancel).await }
    })
    .await;
}

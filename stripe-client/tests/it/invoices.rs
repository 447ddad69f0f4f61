use serde_json::json;
use stripe_client::{InvoiceStatus, ListInvoices, PayInvoice, PaymentOutcome};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
    stripe_error,
};

#[tokio::test]
async fn pay_sends_the_payment_method() {
    let server = MockServer::start().await;
    let mut paid = fixture("invoice");
    paid["status"] = json!("paid");
    Mock::given(method("POST"))
        .and(path("/v1/invoices/in_1/pay"))
        .and(StripeHeaders)
        .and(HasIdempotencyKey)
        .and(form(&[("payment_method", "pm_1"), ("off_session", "true")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(paid))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .invoices()
        .pay(
            "in_1",
            &PayInvoice {
                payment_method: Some("pm_1".into()),
                off_session: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let invoice = outcome.completed().unwrap();
    assert_eq!(invoice.status, Some(InvoiceStatus::Paid));
    assert!(invoice.is_paid());
}

#[tokio::test]
async fn pay_declined_is_a_declined_outcome() {
    let server = MockServer::start().await;
    let mut body = stripe_error(
        "card_error",
        Some("card_declined"),
        "Your card was declined.",
        None,
    );
    body["error"]["decline_code"] = json!("generic_decline");
    Mock::given(method("POST"))
        .and(path("/v1/invoices/in_1/pay"))
        .respond_with(ResponseTemplate::new(402).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .invoices()
        .pay("in_1", &PayInvoice::default())
        .await
        .unwrap();
    let PaymentOutcome::Declined(d) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(d.error.decline_code.as_deref(), Some("generic_decline"));
}

#[tokio::test]
async fn retrieve_and_list_by_subscription() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/invoices/in_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("invoice")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/invoices"))
        .and(query(&[("subscription", "sub_1"), ("status", "open")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/invoices",
            vec![fixture("invoice")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let invoice = c.invoices().retrieve("in_1").await.unwrap();
    assert_eq!(invoice.amount_due, 1000);
    assert_eq!(invoice.lines.unwrap().data[0].amount, 1000);
    let page = c
        .invoices()
        .list(&ListInvoices {
            subscription: Some("sub_1".into()),
            status: Some(InvoiceStatus::Open),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
}

failure_cases!("GET", "/v1/invoices/in_1", |c| c
    .invoices()
    .retrieve("in_1"));

#[tokio::test]
async fn null_metadata_reads_as_empty_on_invoices_and_customers_but_not_on_charges() {
    // The spec allows `metadata: null` on invoices (and, in the newest version, customers);
    // it does not on charges, where null stays an error naming the field.
    let server = MockServer::start().await;
    let mut invoice = fixture("invoice");
    invoice["metadata"] = serde_json::Value::Null;
    invoice["parent"]["subscription_details"]["metadata"] = serde_json::Value::Null;
    let mut customer = fixture("customer");
    customer["metadata"] = serde_json::Value::Null;
    let mut charge = fixture("charge");
    charge["metadata"] = serde_json::Value::Null;
    for (route, body) in [
        ("/v1/invoices/in_1", invoice),
        ("/v1/customers/cus_1", customer),
        ("/v1/charges/ch_1", charge),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let invoice = c.invoices().retrieve("in_1").await.unwrap();
    assert!(invoice.metadata.is_empty());
    assert_eq!(invoice.amount_due, 1000);
    let customer = c.customers().retrieve("cus_1").await.unwrap();
    assert!(customer.metadata.is_empty());
    let err = c.charges().retrieve("ch_1").await.unwrap_err();
    assert!(
        matches!(&err, stripe_client::Error::Decode { path, .. } if path == "metadata"),
        "{err:?}"
    );
}

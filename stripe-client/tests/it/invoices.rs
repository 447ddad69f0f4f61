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

/// What billing reads of an invoice, from Stripe's official `invoice` fixture (fixtures3.json
/// of 2026-07-29): attempts, status transitions, reason, discounts, taxes, totals, and each
/// line's period, proration and parent.
#[test]
fn the_official_fixture_gives_what_billing_reads() {
    use stripe_client::{Invoice, InvoiceBillingReason};
    use time::OffsetDateTime;
    let invoice: Invoice = serde_json::from_value(fixture("invoice")).unwrap();
    let at = OffsetDateTime::from_unix_timestamp(1_234_567_890).unwrap();
    assert_eq!(invoice.status, Some(InvoiceStatus::Draft));
    assert_eq!(invoice.attempt_count, 0);
    assert_eq!(invoice.next_payment_attempt, Some(at));
    assert_eq!(invoice.billing_reason, Some(InvoiceBillingReason::Manual));
    let t = &invoice.status_transitions;
    assert_eq!(
        (
            t.finalized_at,
            t.paid_at,
            t.voided_at,
            t.marked_uncollectible_at
        ),
        (None, None, None, None)
    );
    assert!(invoice.discounts.is_empty());
    assert_eq!(
        invoice.total_discount_amounts.as_ref().map(Vec::len),
        Some(0)
    );
    assert!(invoice.total_taxes.is_none());
    assert_eq!(
        (
            invoice.subtotal,
            invoice.total,
            invoice.subtotal_excluding_tax,
            invoice.total_excluding_tax
        ),
        (1000, 1000, Some(1000), Some(1000))
    );
    // The fixture's parent is a quote, so the invoice has no subscription.
    assert!(invoice.subscription().is_none());
    let line = &invoice.lines.as_ref().unwrap().data[0];
    let period = line.period.as_ref().unwrap();
    assert_eq!(
        (period.start.unix_timestamp(), period.end.unix_timestamp()),
        (1_721_954_054, 1_721_954_054)
    );
    assert_eq!(line.discount_amounts.as_ref().map(Vec::len), Some(0));
    // Its parent is of type `invoice_item_details`: the line is that invoice item's proration
    // and names no subscription item, although the fixture fills both details.
    assert!(line.is_proration());
    assert_eq!(line.subscription_item(), None);
}

#[test]
fn status_transitions_discounts_and_payments_are_read() {
    use stripe_client::{Invoice, InvoiceBillingReason};
    let mut raw = fixture("invoice");
    raw["status"] = json!("paid");
    raw["attempt_count"] = json!(2);
    raw["billing_reason"] = json!("subscription_cycle");
    raw["next_payment_attempt"] = json!(null);
    raw["status_transitions"] = json!({
        "finalized_at": 1_700_000_000, "paid_at": 1_700_000_100,
        "voided_at": null, "marked_uncollectible_at": null,
    });
    raw["discounts"] = json!(["di_1"]);
    raw["total_discount_amounts"] = json!([{"amount": 200, "discount": "di_1"}]);
    raw["lines"]["data"][0]["discount_amounts"] = json!([{"amount": 200, "discount": "di_1"}]);
    raw["payments"] = json!({"object": "list", "has_more": false, "url": "/v1/invoice_payments",
        "data": [{"id": "inpay_1", "object": "invoice_payment", "amount_paid": 800,
            "is_default": true, "status": "paid",
            "payment": {"type": "payment_intent", "payment_intent": "pi_1"}}]});
    raw["billing_reason"] = json!("subscription_renewal_of_the_future");
    let invoice: Invoice = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(
        invoice.billing_reason,
        Some(InvoiceBillingReason::Other(
            "subscription_renewal_of_the_future".into()
        ))
    );
    assert_eq!(invoice.attempt_count, 2);
    assert_eq!(invoice.next_payment_attempt, None);
    assert_eq!(
        invoice
            .status_transitions
            .paid_at
            .map(|t| t.unix_timestamp()),
        Some(1_700_000_100)
    );
    assert_eq!(invoice.discounts.len(), 1);
    let total_discounts = invoice.total_discount_amounts.as_ref().unwrap();
    assert_eq!(total_discounts[0].amount, 200);
    let line = &invoice.lines.as_ref().unwrap().data[0];
    assert_eq!(line.discount_amounts.as_ref().unwrap()[0].amount, 200);
    let payment = &invoice.payments.as_ref().unwrap().data[0];
    assert_eq!(payment.amount_paid, Some(800));
    assert_eq!(
        payment.payment.payment_intent.as_ref().map(|p| p.id()),
        Some("pi_1")
    );
    // The fields billing cannot do without are required, not defaulted.
    for field in ["attempt_count", "status_transitions", "subtotal", "total"] {
        let mut raw = raw.clone();
        raw.as_object_mut().unwrap().remove(field);
        let err = serde_json::from_value::<Invoice>(raw).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("missing field `{field}`"),
            "{field}"
        );
    }
}

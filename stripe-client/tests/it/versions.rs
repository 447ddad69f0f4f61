//! Events rendered in each API version a webhook endpoint may be pinned to, read from Stripe's
//! official fixtures of five dates (`tests/fixtures/versions/`, see the README there), and the
//! versions this crate refuses.

use futures::TryStreamExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use stripe_client::webhook::{Webhook, generate_test_header};
use stripe_client::{CreditNote, Error, Event, EventObject, Invoice, ListEvents, Subscription};
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{client, list_of};

/// The fixture files, each with the API version that was current at its date: the spec of
/// 2025-03-25 already describes `2025-03-31.basil`.
const VERSIONS: [(&str, &str, Shape); 5] = [
    ("2023-08-16", "2023-08-16", Shape::Legacy),
    ("2024-05-30", "2024-04-10", Shape::Legacy),
    ("2025-02-14", "2025-01-27.acacia", Shape::Legacy),
    ("2025-03-25", "2025-03-31.basil", Shape::Current),
    ("2026-07-29", "2026-07-29.dahlia", Shape::Current),
];

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Legacy,
    Current,
}

fn fixture(date: &str, name: &str) -> Value {
    let all: Value = serde_json::from_str(match date {
        "2023-08-16" => include_str!("../fixtures/versions/2023-08-16.json"),
        "2024-05-30" => include_str!("../fixtures/versions/2024-05-30.json"),
        "2025-02-14" => include_str!("../fixtures/versions/2025-02-14.json"),
        "2025-03-25" => include_str!("../fixtures/versions/2025-03-25.json"),
        "2026-07-29" => include_str!("../fixtures/versions/2026-07-29.json"),
        other => panic!("no fixture of {other}"),
    })
    .unwrap();
    all[name].clone()
}

fn event(api_version: &str, event_type: &str, object: Value) -> Value {
    json!({
        "id": "evt_1",
        "object": "event",
        "api_version": api_version,
        "created": 1_700_000_000,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": event_type,
    })
}

const SECRET: &str = "whsec_versions";

/// Decodes an event the way a webhook endpoint does: signed bytes through `construct_event`.
fn receive(event: &Value) -> Result<Event, Error> {
    let body = serde_json::to_vec(event).unwrap();
    let secret = SecretString::from(SECRET);
    let header = generate_test_header(&body, &secret, 1_700_000_000);
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    Webhook::new(secret).construct_event(&body, &header, now)
}

fn invoice_of(event: Event) -> Invoice {
    match event.data.object {
        EventObject::Invoice(invoice) => *invoice,
        other => panic!("{other:?}"),
    }
}

fn subscription_of(event: Event) -> Subscription {
    match event.data.object {
        EventObject::Subscription(sub) => *sub,
        other => panic!("{other:?}"),
    }
}

/// The official invoice fixture of `date` (a draft), turned into a paid subscription invoice
/// in the shape of that version, with the fixture's own line item as its line.
fn paid_subscription_invoice(date: &str, shape: Shape) -> Value {
    let mut invoice = fixture(date, "invoice");
    invoice["status"] = json!("paid");
    invoice["amount_paid"] = invoice["amount_due"].clone();
    invoice["amount_remaining"] = json!(0);
    invoice["lines"]["data"] = json!([fixture(date, "line_item")]);
    match shape {
        Shape::Legacy => {
            invoice["paid"] = json!(true);
            invoice["subscription"] = json!("sub_paid");
            invoice["subscription_details"] = json!({"metadata": {"plan": "gold"}});
            invoice["payment_intent"] = json!("pi_paid");
            invoice["charge"] = json!("ch_paid");
            invoice["tax"] = json!(80);
            invoice["total_tax_amounts"] = json!([{
                "amount": 80, "inclusive": false, "tax_rate": "txr_1",
                "taxability_reason": "standard_rated", "taxable_amount": 1000,
            }]);
        }
        Shape::Current => {
            invoice["parent"] = json!({
                "type": "subscription_details",
                "quote_details": null,
                "subscription_details": {"subscription": "sub_paid", "metadata": {"plan": "gold"}},
            });
            invoice["total_taxes"] = json!([{
                "amount": 80, "tax_behavior": "exclusive", "taxability_reason": "standard_rated",
                "taxable_amount": 1000, "type": "tax_rate_details",
                "tax_rate_details": {"tax_rate": "txr_1"},
            }]);
        }
    }
    invoice
}

#[test]
fn a_paid_subscription_invoice_comes_out_paid_with_its_subscription_in_every_version() {
    for (date, version, shape) in VERSIONS {
        let body = event(
            version,
            "invoice.paid",
            paid_subscription_invoice(date, shape),
        );
        let event = receive(&body).unwrap_or_else(|e| panic!("{date}: {e}"));
        assert_eq!(event.api_version.as_deref(), Some(version));
        let invoice = invoice_of(event);
        assert!(invoice.is_paid(), "{date}");
        assert_eq!(
            invoice.subscription().map(|s| s.id()),
            Some("sub_paid"),
            "{date}"
        );
        let details = invoice.parent.as_ref().unwrap();
        assert_eq!(details.parent_type, "subscription_details");
        let metadata = &details.subscription_details.as_ref().unwrap().metadata;
        assert_eq!(metadata["plan"], "gold", "{date}");
        assert_eq!((invoice.amount_paid, invoice.amount_remaining), (1000, 0));
        assert_eq!(invoice.total, 1000);
        let taxes = invoice.total_taxes.as_ref().unwrap();
        assert_eq!(taxes.len(), 1, "{date}");
        assert_eq!(taxes[0].amount, 80);
        assert_eq!(taxes[0].tax_behavior.as_deref(), Some("exclusive"));
        assert_eq!(taxes[0].taxable_amount, Some(1000));
        let line = &invoice.lines.as_ref().unwrap().data[0];
        assert_eq!((line.amount, line.quantity), (1000, Some(1)), "{date}");
        match shape {
            Shape::Legacy => {
                // The PaymentIntent is the invoice's one payment; the line's price moved under
                // `pricing`, the Price object kept whole.
                let payments = invoice.payments.as_ref().unwrap();
                assert_eq!(payments.data.len(), 1);
                let payment = &payments.data[0];
                assert_eq!(payment.id, None);
                assert!(payment.is_default);
                assert_eq!(payment.payment.payment_type, "payment_intent");
                assert_eq!(
                    payment.payment.payment_intent.as_ref().map(|p| p.id()),
                    Some("pi_paid")
                );
                let pricing = line.pricing.as_ref().unwrap();
                assert_eq!(pricing.pricing_type, "price_details");
                let price_details = pricing.price_details.as_ref().unwrap();
                let fixture_price = &fixture(date, "line_item")["price"];
                assert_eq!(price_details.price.id(), fixture_price["id"]);
                assert_eq!(price_details.product, fixture_price["product"]);
                assert_eq!(
                    price_details.price.as_object().unwrap().unit_amount,
                    Some(1000)
                );
                assert_eq!(pricing.unit_amount_decimal, Some(1000.into()));
            }
            Shape::Current => {
                // Payments only come when expanded.
                assert!(invoice.payments.is_none());
                let fixture_pricing = &fixture(date, "line_item")["pricing"];
                assert_eq!(line.pricing.is_none(), fixture_pricing.is_null(), "{date}");
            }
        }
    }
}

#[test]
fn an_open_invoice_is_not_paid_and_a_one_off_invoice_has_no_subscription() {
    for (date, version, shape) in VERSIONS {
        let mut invoice = fixture(date, "invoice");
        invoice["status"] = json!("open");
        if shape == Shape::Current {
            invoice["parent"] = Value::Null;
        }
        let invoice = invoice_of(receive(&event(version, "invoice.finalized", invoice)).unwrap());
        assert!(!invoice.is_paid(), "{date}");
        assert!(invoice.subscription().is_none(), "{date}");
        assert!(invoice.parent.is_none(), "{date}");
        assert!(invoice.payments.is_none(), "{date}");
    }
}

#[test]
fn a_subscription_period_is_read_in_every_version() {
    for (date, version, shape) in VERSIONS {
        let sub = fixture(date, "subscription");
        let expected = match shape {
            Shape::Legacy => (
                sub["current_period_start"].as_i64().unwrap(),
                sub["current_period_end"].as_i64().unwrap(),
            ),
            Shape::Current => {
                let item = &sub["items"]["data"][0];
                (
                    item["current_period_start"].as_i64().unwrap(),
                    item["current_period_end"].as_i64().unwrap(),
                )
            }
        };
        let sub = subscription_of(
            receive(&event(version, "customer.subscription.updated", sub)).unwrap(),
        );
        let period = sub.current_period().unwrap();
        assert_eq!(
            (period.start.unix_timestamp(), period.end.unix_timestamp()),
            expected,
            "{date}"
        );
        let item = &sub.items.data[0];
        assert_eq!(item.current_period_start, period.start, "{date}");
        assert_eq!(item.current_period_end, period.end, "{date}");
    }
}

#[test]
fn payment_intents_and_charges_are_read_in_every_version() {
    for (date, version, _) in VERSIONS {
        let pi = fixture(date, "payment_intent");
        let event_pi = receive(&event(version, "payment_intent.created", pi.clone())).unwrap();
        let EventObject::PaymentIntent(read) = event_pi.data.object else {
            panic!("{date}")
        };
        assert_eq!(
            (read.id.as_str(), read.amount),
            (pi["id"].as_str().unwrap(), 1099)
        );
        let charge = fixture(date, "charge");
        let event_charge = receive(&event(version, "charge.succeeded", charge.clone())).unwrap();
        let EventObject::Charge(read) = event_charge.data.object else {
            panic!("{date}")
        };
        assert_eq!(
            (read.id.as_str(), read.amount),
            (charge["id"].as_str().unwrap(), 100)
        );
    }
}

#[test]
fn a_moved_field_that_is_missing_is_an_error_naming_it_never_a_default() {
    let decode_error = |body: Value| match receive(&body) {
        Err(Error::Decode { path, message }) => (path, message),
        other => panic!("{other:?}"),
    };
    // Legacy shape without its `subscription`: not "no subscription".
    let mut invoice = paid_subscription_invoice("2023-08-16", Shape::Legacy);
    invoice.as_object_mut().unwrap().remove("subscription");
    let (path, message) = decode_error(event("2023-08-16", "invoice.paid", invoice));
    assert_eq!(path, "data.object.subscription");
    assert_eq!(message, "missing field `subscription`");
    // Legacy shape without `paid`.
    let mut invoice = paid_subscription_invoice("2025-02-14", Shape::Legacy);
    invoice.as_object_mut().unwrap().remove("paid");
    let (path, _) = decode_error(event("2025-01-27.acacia", "invoice.paid", invoice));
    assert_eq!(path, "data.object.paid");
    // Legacy line without its `price`.
    let mut invoice = paid_subscription_invoice("2024-05-30", Shape::Legacy);
    invoice["lines"]["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("price");
    let (path, _) = decode_error(event("2024-04-10", "invoice.paid", invoice));
    assert_eq!(path, "data.object.lines.data[0].price");
    // A legacy invoice sent under a current version (or a current one without `parent`).
    let mut legacy = paid_subscription_invoice("2025-02-14", Shape::Legacy);
    let (path, message) = decode_error(event("2025-03-31.basil", "invoice.paid", legacy.clone()));
    assert_eq!(path, "data.object.lines.data[0]");
    assert!(message.starts_with("missing field `parent`"), "{message}");
    legacy["lines"]["data"] = json!([]);
    let (path, message) = decode_error(event("2025-03-31.basil", "invoice.paid", legacy));
    assert_eq!(path, "data.object");
    assert!(message.starts_with("missing field `parent`"), "{message}");
    // A current invoice sent under a legacy version.
    let current = paid_subscription_invoice("2026-07-29", Shape::Current);
    let (path, _) = decode_error(event("2024-06-20", "invoice.paid", current));
    assert_eq!(path, "data.object.paid");
    // Subscription period: on the subscription before Basil, on each item since.
    let mut sub = fixture("2023-08-16", "subscription");
    sub.as_object_mut().unwrap().remove("current_period_end");
    let (path, _) = decode_error(event("2023-08-16", "customer.subscription.updated", sub));
    assert_eq!(path, "data.object.current_period_end");
    let mut sub = fixture("2026-07-29", "subscription");
    sub["items"]["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("current_period_start");
    let (path, message) = decode_error(event(
        "2026-07-29.dahlia",
        "customer.subscription.updated",
        sub,
    ));
    assert_eq!(path, "data.object.items.data[0]");
    assert!(
        message.starts_with("missing field `current_period_start`"),
        "{message}"
    );
    // A current line without `pricing`.
    let mut invoice = paid_subscription_invoice("2026-07-29", Shape::Current);
    invoice["lines"]["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("pricing");
    let (path, message) = decode_error(event("2026-10-28.endive", "invoice.paid", invoice));
    assert_eq!(path, "data.object.lines.data[0]");
    assert!(message.starts_with("missing field `pricing`"), "{message}");
}

#[test]
fn an_event_in_a_version_this_crate_cannot_read_is_refused_naming_the_version() {
    let invoice = paid_subscription_invoice("2026-07-29", Shape::Current);
    for version in ["2022-11-15", "2027-04-28.fig", "2025-03-31.preview", "soon"] {
        match receive(&event(version, "invoice.paid", invoice.clone())) {
            Err(Error::UnsupportedApiVersion { api_version, path }) => {
                assert_eq!(api_version.as_deref(), Some(version));
                assert_eq!(path, "api_version");
            }
            other => panic!("{version}: {other:?}"),
        }
    }
    let mut no_version = event("2026-07-29.dahlia", "invoice.paid", invoice);
    no_version["api_version"] = Value::Null;
    let err = receive(&no_version).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::UnsupportedApiVersion {
                api_version: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("without an `api_version`"),
        "{err}"
    );
    // The text names the version and what is supported.
    let err = receive(&event(
        "2027-04-28.fig",
        "invoice.paid",
        json!({"object": "invoice"}),
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported API version at `api_version`: Stripe API version `2027-04-28.fig` cannot be \
         read (supported: 2023-08-16 to the endive release)"
    );
    // An object this crate does not type is kept raw whatever its version.
    let plan = event(
        "2027-04-28.fig",
        "plan.created",
        json!({"object": "plan", "id": "plan_1"}),
    );
    assert!(matches!(
        receive(&plan).unwrap().data.object,
        EventObject::Other(_)
    ));
}

#[tokio::test]
async fn events_from_the_api_are_read_by_their_own_version_and_errors_have_full_paths() {
    let server = MockServer::start().await;
    let legacy = event(
        "2023-08-16",
        "invoice.paid",
        paid_subscription_invoice("2023-08-16", Shape::Legacy),
    );
    let mut bad = event(
        "2026-07-29.dahlia",
        "invoice.paid",
        paid_subscription_invoice("2026-07-29", Shape::Current),
    );
    bad["data"]["object"]["created"] = json!("yesterday");
    let mut future = legacy.clone();
    future["api_version"] = json!("2027-04-28.fig");
    for (id, body) in [
        ("evt_legacy", &legacy),
        ("evt_bad", &bad),
        ("evt_future", &future),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/v1/events/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/events",
            vec![legacy.clone(), legacy.clone(), bad.clone()],
            false,
        )))
        .mount(&server)
        .await;
    let c = client(&server);
    let invoice = invoice_of(c.events().retrieve("evt_legacy").await.unwrap());
    assert!(invoice.is_paid());
    assert_eq!(invoice.subscription().map(|s| s.id()), Some("sub_paid"));
    match c.events().retrieve("evt_bad").await {
        Err(Error::Decode { path, message }) => {
            assert_eq!(path, "data.object.created");
            assert!(message.contains("invalid type"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match c.events().retrieve("evt_future").await {
        Err(Error::UnsupportedApiVersion { api_version, path }) => {
            assert_eq!(api_version.as_deref(), Some("2027-04-28.fig"));
            assert_eq!(path, "api_version");
        }
        other => panic!("{other:?}"),
    }
    let err = c.events().list(&ListEvents::default()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "data[2].data.object.created"),
        "{err:?}"
    );
    let err = c
        .events()
        .list_all(&ListEvents::default())
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "data[2].data.object.created"),
        "{err:?}"
    );
}

#[test]
fn a_legacy_event_serializes_in_the_current_shape_and_reads_back_the_same() {
    let body = event(
        "2024-04-10",
        "invoice.paid",
        paid_subscription_invoice("2024-05-30", Shape::Legacy),
    );
    let first = receive(&body).unwrap();
    let written = serde_json::to_value(&first).unwrap();
    assert_eq!(written["api_version"], stripe_client::DEFAULT_API_VERSION);
    assert_eq!(
        written["data"]["object"]["parent"]["subscription_details"]["subscription"],
        "sub_paid"
    );
    assert!(written["data"]["object"].get("paid").is_none());
    let again = invoice_of(receive(&written).unwrap());
    assert!(again.is_paid());
    assert_eq!(again.subscription().map(|s| s.id()), Some("sub_paid"));
    assert_eq!(
        again.lines.unwrap().data[0]
            .pricing
            .as_ref()
            .unwrap()
            .pricing_type,
        "price_details"
    );
}

/// A subscription line of the invoice fixture of `date`, a proration of item `si_1`, in the
/// shape of that version (`type`, `proration` and `subscription_item` on the line before Basil,
/// `parent.subscription_item_details` since).
fn proration_line(date: &str, shape: Shape) -> Value {
    let mut line = fixture(date, "line_item");
    match shape {
        Shape::Legacy => {
            line["type"] = json!("subscription");
            line["proration"] = json!(true);
            line["subscription"] = json!("sub_paid");
            line["subscription_item"] = json!("si_1");
        }
        Shape::Current => {
            line["parent"] = json!({
                "type": "subscription_item_details",
                "invoice_item_details": null,
                "subscription_item_details": {
                    "invoice_item": null, "proration": true, "proration_details": null,
                    "subscription": "sub_paid", "subscription_item": "si_1",
                },
            });
        }
    }
    line
}

#[test]
fn a_line_says_its_subscription_item_and_proration_in_every_version() {
    for (date, version, shape) in VERSIONS {
        let mut invoice = paid_subscription_invoice(date, shape);
        invoice["lines"]["data"] = json!([proration_line(date, shape), fixture(date, "line_item")]);
        let invoice = invoice_of(receive(&event(version, "invoice.paid", invoice)).unwrap());
        let lines = &invoice.lines.as_ref().unwrap().data;
        assert!(lines[0].is_proration(), "{date}");
        assert_eq!(lines[0].subscription_item(), Some("si_1"), "{date}");
        let details = lines[0].parent.as_ref().unwrap();
        let item = details.subscription_item_details.as_ref().unwrap();
        assert_eq!(item.subscription.as_deref(), Some("sub_paid"), "{date}");
        // The fixture's own line: an invoice item before Basil and in the fixture of 2026, a
        // line without parent in the fixture of 2025-03-25.
        let fixture_line = &lines[1];
        assert_eq!(fixture_line.subscription_item(), None, "{date}");
        let raw = fixture(date, "line_item");
        let expected_proration = match shape {
            Shape::Legacy => raw["proration"].as_bool().unwrap(),
            Shape::Current => raw["parent"]["invoice_item_details"]["proration"]
                .as_bool()
                .unwrap_or(false),
        };
        assert_eq!(fixture_line.is_proration(), expected_proration, "{date}");
    }
}

#[test]
fn a_legacy_line_that_cannot_say_what_generated_it_is_an_error_naming_the_field() {
    let decode_error = |body: Value| match receive(&body) {
        Err(Error::Decode { path, .. }) => path,
        other => panic!("{other:?}"),
    };
    for (field, value, path) in [
        ("subscription_item", Value::Null, "subscription_item"),
        ("proration", json!("yes"), "proration"),
        ("type", json!("usage"), "type"),
    ] {
        let mut invoice = paid_subscription_invoice("2025-02-14", Shape::Legacy);
        let mut line = proration_line("2025-02-14", Shape::Legacy);
        line[field] = value;
        invoice["lines"]["data"] = json!([line]);
        let got = decode_error(event("2025-01-27.acacia", "invoice.paid", invoice));
        assert_eq!(got, format!("data.object.lines.data[0].{path}"), "{field}");
    }
    // A current line without `parent`: not "no parent".
    let mut invoice = paid_subscription_invoice("2026-07-29", Shape::Current);
    invoice["lines"]["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("parent");
    let got = decode_error(event("2026-07-29.dahlia", "invoice.paid", invoice));
    assert_eq!(got, "data.object.lines.data[0]");
}

#[test]
fn a_credit_note_is_read_in_every_version() {
    for (date, version, shape) in VERSIONS {
        let mut raw = fixture(date, "credit_note");
        if shape == Shape::Legacy {
            // The fixtures before Basil have no refund; give it one to move.
            raw["refund"] = json!("re_1");
        }
        let event = receive(&event(version, "credit_note.created", raw.clone()))
            .unwrap_or_else(|e| panic!("{date}: {e}"));
        let EventObject::CreditNote(note) = event.data.object else {
            panic!("{date}")
        };
        let note: CreditNote = *note;
        assert_eq!((note.amount, note.total), (1690, 1690), "{date}");
        assert_eq!(note.lines.data[0].amount, 1190, "{date}");
        match shape {
            Shape::Legacy => {
                assert_eq!(note.refunds.len(), 1, "{date}");
                assert_eq!(note.refunds[0].refund.as_ref().unwrap().id(), "re_1");
                assert_eq!(note.refunds[0].amount_refunded, None, "{date}");
                assert_eq!(note.amount_refunded(), None, "{date}");
                let taxes = note.total_taxes.as_ref().unwrap();
                let raw_taxes = raw["tax_amounts"].as_array().unwrap();
                assert_eq!(taxes.len(), raw_taxes.len(), "{date}");
                for (tax, raw) in taxes.iter().zip(raw_taxes) {
                    assert_eq!(Some(tax.amount), raw["amount"].as_i64());
                    assert_eq!(tax.tax_behavior.as_deref(), Some("exclusive"));
                }
            }
            Shape::Current => {
                assert_eq!(
                    note.refunds.len(),
                    raw["refunds"].as_array().unwrap().len(),
                    "{date}"
                );
            }
        }
    }
    // Without its `tax_amounts` (required before Basil), a legacy credit note is refused naming
    // it; a current one sent under a legacy version is refused the same way.
    let mut raw = fixture("2025-02-14", "credit_note");
    raw.as_object_mut().unwrap().remove("tax_amounts");
    let current = fixture("2026-07-29", "credit_note");
    for raw in [raw, current] {
        match receive(&event("2025-01-27.acacia", "credit_note.voided", raw)) {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "data.object.tax_amounts"),
            other => panic!("{other:?}"),
        }
    }
    // Without `refund` (optional in the 2023-08-16 spec): no refund.
    let mut raw = fixture("2023-08-16", "credit_note");
    raw.as_object_mut().unwrap().remove("refund");
    let received = receive(&event("2023-08-16", "credit_note.created", raw)).unwrap();
    let EventObject::CreditNote(note) = received.data.object else {
        panic!()
    };
    assert!(note.refunds.is_empty());
    // A `null` invoice `discounts` (nullable in the 2023-08-16 spec) reads as none.
    let mut invoice = paid_subscription_invoice("2023-08-16", Shape::Legacy);
    invoice["discounts"] = Value::Null;
    let invoice = invoice_of(receive(&event("2023-08-16", "invoice.paid", invoice)).unwrap());
    assert!(invoice.discounts.is_empty());
}

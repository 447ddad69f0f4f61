//! Stripe Billing objects (Stripe's official fixtures of 2026-07-29, in the shape stripe-client
//! reads) through `stripe-client`'s typed parser and into the canonical billing model, with exact
//! amounts, statuses, ids, dates and error paths.
#![cfg(feature = "stripe")]
#![allow(clippy::unwrap_used)]

use mapping::{
    BillingCreditNote, BillingInvoice, BillingReason, BillingRefund, CreditNoteReason,
    CreditNoteStatus, Currency, IntervalUnit, InvoiceStatus, MappingError, Money, Subscription,
    SubscriptionStatus, System,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;

const FIXTURES: &str = include_str!("fixtures/stripe/billing_fixtures_2026-07-29.json");

fn fixture(resource: &str) -> Value {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    all[resource].clone()
}

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

/// A change to a fixture, and the field whose error it causes.
type Case = (&'static str, fn(&mut Value));

fn missing(field: &str) -> MappingError {
    MappingError::MissingField {
        field: field.to_owned(),
    }
}

// ---- subscriptions -------------------------------------------------------------------------

#[test]
fn official_subscription() {
    let mut raw = fixture("subscription");
    raw["metadata"] = json!({"magento_customer_id": "42"});
    let sub = Subscription::try_from(&typed::<stripe_client::Subscription>(raw)).unwrap();
    assert_eq!(
        sub.ids.get(System::Stripe),
        Some("sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")
    );
    assert_eq!(sub.customer.get(System::Stripe), Some("cus_QXg1o8vcGmoR32"));
    assert_eq!(sub.customer.get(System::Magento), Some("42"));
    assert_eq!(sub.currency, Currency::USD);
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert!(sub.cancel_at_period_end);
    let t = at(1_234_567_890);
    assert_eq!(
        (
            sub.trial_start,
            sub.trial_end,
            sub.cancel_at,
            sub.canceled_at,
            sub.ended_at
        ),
        (Some(t), Some(t), Some(t), Some(t), Some(t))
    );
    assert_eq!(sub.created, t);
    assert_eq!(sub.items.len(), 1);
    let item = &sub.items[0];
    assert_eq!(item.id, "si_QXhVnC2h0Jczwc");
    assert_eq!(item.price_id, "price_1PgafmB7WZ01zgkW6dKueIc5");
    assert_eq!(item.product_id, "prod_QXg1hqf4jFNsqG");
    assert_eq!(item.unit_amount, Some(usd(2000)));
    assert_eq!(item.quantity, Some(1));
    assert_eq!(item.interval.unit, IntervalUnit::Month);
    assert_eq!(item.interval.count, 1);
    // The fixture's item period is generated data (its end precedes its start); read as given.
    assert_eq!(item.current_period.start, at(1_896_570_518));
    assert_eq!(item.current_period.end, at(976_287_773));
    assert_eq!(sub.current_period, Some(item.current_period));
}

#[test]
fn a_subscription_without_a_magento_id_has_only_its_stripe_customer() {
    let sub = Subscription::try_from(&typed::<stripe_client::Subscription>(fixture(
        "subscription",
    )))
    .unwrap();
    assert_eq!(sub.customer.iter().count(), 1);
    assert_eq!(sub.customer.get(System::Magento), None);
}

#[test]
fn every_subscription_status_maps_and_an_unknown_one_is_kept() {
    for (raw, expected) in [
        ("incomplete", SubscriptionStatus::Incomplete),
        ("incomplete_expired", SubscriptionStatus::IncompleteExpired),
        ("trialing", SubscriptionStatus::Trialing),
        ("active", SubscriptionStatus::Active),
        ("past_due", SubscriptionStatus::PastDue),
        ("canceled", SubscriptionStatus::Canceled),
        ("unpaid", SubscriptionStatus::Unpaid),
        ("paused", SubscriptionStatus::Paused),
        ("frozen", SubscriptionStatus::Unknown("frozen".into())),
    ] {
        let mut value = fixture("subscription");
        value["status"] = json!(raw);
        let sub = Subscription::try_from(&typed::<stripe_client::Subscription>(value)).unwrap();
        assert_eq!(sub.status, expected, "{raw}");
    }
}

#[test]
fn a_zero_decimal_subscription_keeps_whole_yen() {
    let mut value = fixture("subscription");
    value["currency"] = json!("jpy");
    value["items"]["data"][0]["price"]["currency"] = json!("jpy");
    value["items"]["data"][0]["price"]["unit_amount"] = json!(1500);
    let sub = Subscription::try_from(&typed::<stripe_client::Subscription>(value)).unwrap();
    let jpy = Currency::parse("JPY").unwrap();
    assert_eq!(sub.items[0].unit_amount, Some(Money::from_minor(1500, jpy)));
}

#[test]
fn a_subscription_missing_what_billing_needs_is_an_error_naming_it() {
    let cases: [Case; 5] = [
        ("subscription.items.data[0].price", |v| {
            v["items"]["data"][0]["price"] = Value::Null;
        }),
        ("subscription.items.data[0].price.recurring", |v| {
            v["items"]["data"][0]["price"]["recurring"] = Value::Null;
        }),
        ("subscription.items.data[0].price.product", |v| {
            v["items"]["data"][0]["price"]["product"] = Value::Null;
        }),
        ("subscription.cancel_at_period_end", |v| {
            v["cancel_at_period_end"] = Value::Null;
        }),
        ("subscription.currency", |v| {
            v["currency"] = json!("zzz");
        }),
    ];
    for (field, change) in cases {
        let mut value = fixture("subscription");
        change(&mut value);
        let err = Subscription::try_from(&typed::<stripe_client::Subscription>(value)).unwrap_err();
        assert_eq!(err.field(), field, "{err}");
    }
    let mut value = fixture("subscription");
    value["items"]["data"][0]["price"]["currency"] = json!("eur");
    let err = Subscription::try_from(&typed::<stripe_client::Subscription>(value)).unwrap_err();
    assert!(
        matches!(&err, MappingError::CurrencyMismatch { field, .. }
            if field == "subscription.items.data[0].price.currency"),
        "{err:?}"
    );
}

// ---- invoices ------------------------------------------------------------------------------

#[test]
fn official_invoice() {
    let inv =
        BillingInvoice::try_from(&typed::<stripe_client::Invoice>(fixture("invoice"))).unwrap();
    assert_eq!(
        inv.ids.get(System::Stripe),
        Some("in_1Pgc6tB7WZ01zgkWu9fdqL6I")
    );
    assert_eq!(inv.number, None);
    // Its parent is a quote: no subscription.
    assert_eq!(inv.subscription_id, None);
    assert_eq!(inv.customer.get(System::Stripe), Some("cus_QXg1o8vcGmoR32"));
    assert_eq!(inv.status, InvoiceStatus::Draft);
    assert_eq!(inv.billing_reason, BillingReason::Manual);
    assert_eq!(inv.attempt_count, 0);
    assert_eq!(inv.next_payment_attempt, Some(at(1_234_567_890)));
    assert_eq!(inv.created, at(1_234_567_890));
    assert_eq!(
        (
            inv.finalized_at,
            inv.paid_at,
            inv.voided_at,
            inv.marked_uncollectible_at
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (inv.subtotal, inv.discount_total, inv.tax_total, inv.total),
        (usd(1000), usd(0), usd(0), usd(1000))
    );
    assert_eq!(
        (inv.amount_due, inv.amount_paid, inv.amount_remaining),
        (usd(1000), usd(0), usd(1000))
    );
    assert_eq!(inv.settlements, None);
    assert_eq!(inv.lines.len(), 1);
    let line = &inv.lines[0];
    assert_eq!(line.id, "il_1Pgc6sB7WZ01zgkWFnxLrLCq");
    assert_eq!(
        line.description.as_deref(),
        Some("My First Invoice Item (created for API docs)")
    );
    assert_eq!((line.amount, line.quantity), (usd(1000), Some(1)));
    assert_eq!(
        (line.period.start, line.period.end),
        (at(1_721_954_054), at(1_721_954_054))
    );
    // An invoice item's proration, without a price (the fixture's `pricing` has no details).
    assert!(line.proration);
    assert_eq!(
        (line.price_id.as_deref(), line.product_id.as_deref()),
        (None, None)
    );
    assert_eq!(line.subscription_item_id, None);
    assert_eq!(line.discount, usd(0));
}

/// A paid subscription-cycle invoice: a proration credit for the old item, a proration charge
/// and the new period's charge, with a line discount, an invoice discount and two taxes, paid
/// by an expanded PaymentIntent.
fn cycle_invoice(currency: &str) -> Value {
    let mut inv = fixture("invoice");
    let line = |id: &str, amount: i64, proration: bool, si: &str, discount: Value| {
        let mut line = fixture("line_item");
        line["id"] = json!(id);
        line["currency"] = json!(currency);
        line["amount"] = json!(amount);
        line["period"] = json!({"start": 1_700_000_000, "end": 1_702_592_000});
        line["discount_amounts"] = discount;
        line["parent"] = json!({
            "type": "subscription_item_details",
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": if proration { json!("ii_1") } else { Value::Null },
                "proration": proration, "proration_details": null,
                "subscription": "sub_1", "subscription_item": si,
            },
        });
        line["pricing"] = json!({
            "type": "price_details", "unit_amount_decimal": "2000",
            "price_details": {"price": "price_new", "product": "prod_1"},
        });
        line
    };
    inv["currency"] = json!(currency);
    inv["status"] = json!("paid");
    inv["number"] = json!("ABCD-0007");
    inv["billing_reason"] = json!("subscription_cycle");
    inv["attempt_count"] = json!(2);
    inv["next_payment_attempt"] = Value::Null;
    inv["status_transitions"] = json!({
        "finalized_at": 1_700_000_100, "paid_at": 1_700_000_200,
        "voided_at": null, "marked_uncollectible_at": null,
    });
    inv["parent"] = json!({
        "type": "subscription_details", "quote_details": null,
        "subscription_details": {"subscription": "sub_1",
            "metadata": {"magento_customer_id": "42"}},
    });
    inv["lines"]["data"] = json!([
        line("il_credit", -1000, true, "si_old", json!([])),
        line("il_charge", 1500, true, "si_new", json!([])),
        line(
            "il_cycle",
            3000,
            false,
            "si_new",
            json!([{"amount": 300, "discount": "di_line"}])
        ),
    ]);
    // Stripe's subtotal already has the item discount taken off (stripe-python 16.1.0,
    // `Invoice.subtotal`): 3500 - 300; the total takes the invoice discount off and adds the
    // exclusive taxes: 3200 - 200 + 300.
    inv["subtotal"] = json!(3200);
    inv["discounts"] = json!(["di_line", "di_invoice"]);
    inv["total_discount_amounts"] = json!([
        {"amount": 300, "discount": "di_line"},
        {"amount": 200, "discount": "di_invoice"},
    ]);
    inv["total_taxes"] = json!([
        {"amount": 240, "tax_behavior": "exclusive", "taxable_amount": 3000,
            "taxability_reason": "standard_rated", "type": "tax_rate_details",
            "tax_rate_details": {"tax_rate": "txr_1"}},
        {"amount": 60, "tax_behavior": "exclusive", "taxable_amount": 3000,
            "taxability_reason": "standard_rated", "type": "tax_rate_details",
            "tax_rate_details": {"tax_rate": "txr_2"}},
    ]);
    inv["total"] = json!(3300);
    inv["total_excluding_tax"] = json!(3000);
    inv["amount_due"] = json!(3300);
    inv["amount_paid"] = json!(3300);
    inv["amount_remaining"] = json!(0);
    inv["payments"] = json!({"object": "list", "has_more": false, "url": "/v1/invoice_payments",
        "data": [{"id": "inpay_1", "object": "invoice_payment", "amount_paid": 3300,
            "is_default": true, "status": "paid",
            "payment": {"type": "payment_intent", "payment_intent": {
                "id": "pi_1", "object": "payment_intent", "amount": 3300,
                "currency": currency, "status": "succeeded", "created": 1_700_000_150,
                "latest_charge": "ch_1"}}}]});
    inv
}

#[test]
fn a_subscription_invoice_with_prorations_discounts_and_taxes() {
    let inv =
        BillingInvoice::try_from(&typed::<stripe_client::Invoice>(cycle_invoice("usd"))).unwrap();
    assert_eq!(inv.number.as_deref(), Some("ABCD-0007"));
    assert_eq!(inv.subscription_id.as_deref(), Some("sub_1"));
    assert_eq!(inv.customer.get(System::Magento), Some("42"));
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert_eq!(inv.billing_reason, BillingReason::SubscriptionCycle);
    assert_eq!(inv.attempt_count, 2);
    assert_eq!(inv.next_payment_attempt, None);
    assert_eq!(
        (inv.finalized_at, inv.paid_at),
        (Some(at(1_700_000_100)), Some(at(1_700_000_200)))
    );
    assert_eq!(
        (inv.subtotal, inv.discount_total, inv.tax_total, inv.total),
        (usd(3200), usd(500), usd(300), usd(3300))
    );
    assert_eq!((inv.amount_paid, inv.amount_remaining), (usd(3300), usd(0)));
    let summary: Vec<_> = inv
        .lines
        .iter()
        .map(|l| {
            (
                l.id.as_str(),
                l.amount,
                l.proration,
                l.subscription_item_id.as_deref(),
                l.discount,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("il_credit", usd(-1000), true, Some("si_old"), usd(0)),
            ("il_charge", usd(1500), true, Some("si_new"), usd(0)),
            ("il_cycle", usd(3000), false, Some("si_new"), usd(300)),
        ]
    );
    assert_eq!(inv.lines[2].price_id.as_deref(), Some("price_new"));
    assert_eq!(inv.lines[2].product_id.as_deref(), Some("prod_1"));
    assert_eq!(
        (inv.lines[2].period.start, inv.lines[2].period.end),
        (at(1_700_000_000), at(1_702_592_000))
    );
    let settlements = inv.settlements.unwrap();
    assert_eq!(settlements.len(), 1);
    assert_eq!(settlements[0].payment_intent_id.as_deref(), Some("pi_1"));
    assert_eq!(settlements[0].charge_id.as_deref(), Some("ch_1"));
    assert_eq!(settlements[0].amount_paid, Some(usd(3300)));
}

/// A line priced with tax included names its included taxes; taxes added on top are not its.
#[test]
fn a_lines_included_taxes_are_read_and_an_unknown_behavior_is_an_error_naming_it() {
    let tax = |amount: i64, behavior: &str| {
        json!({"amount": amount, "tax_behavior": behavior, "taxable_amount": 2500,
            "taxability_reason": "standard_rated", "type": "tax_rate_details",
            "tax_rate_details": {"tax_rate": "txr_1"}})
    };
    let mut raw = cycle_invoice("eur");
    raw["lines"]["data"][2]["taxes"] = json!([tax(450, "inclusive"), tax(50, "inclusive")]);
    raw["lines"]["data"][1]["taxes"] = json!([tax(120, "exclusive")]);
    let inv = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(raw.clone())).unwrap();
    let eur = |minor| Money::from_minor(minor, Currency::EUR);
    let included: Vec<_> = inv.lines.iter().map(|l| l.inclusive_tax).collect();
    assert_eq!(included, [eur(0), eur(0), eur(500)]);

    raw["lines"]["data"][2]["taxes"][1]["tax_behavior"] = json!("mixed");
    let err = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(raw)).unwrap_err();
    assert_eq!(
        err.field(),
        "invoice.lines.data[2].taxes[1].tax_behavior",
        "{err}"
    );
}

#[test]
fn a_yen_invoice_keeps_whole_yen() {
    let inv =
        BillingInvoice::try_from(&typed::<stripe_client::Invoice>(cycle_invoice("jpy"))).unwrap();
    let jpy = |minor| Money::from_minor(minor, Currency::parse("JPY").unwrap());
    assert_eq!(
        (inv.subtotal, inv.discount_total, inv.tax_total, inv.total),
        (jpy(3200), jpy(500), jpy(300), jpy(3300))
    );
    assert_eq!(inv.lines[0].amount, jpy(-1000));
    assert_eq!(inv.lines[0].amount.to_string(), "-1000 JPY");
}

#[test]
fn a_charge_settles_an_invoice_without_payment_intent() {
    let mut raw = cycle_invoice("usd");
    raw["payments"]["data"][0]["payment"] = json!({"type": "charge", "charge": "ch_9"});
    raw["payments"]["data"][0]["amount_paid"] = Value::Null;
    let inv = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(raw)).unwrap();
    let s = &inv.settlements.unwrap()[0];
    assert_eq!(
        (
            s.payment_intent_id.as_deref(),
            s.charge_id.as_deref(),
            s.amount_paid
        ),
        (None, Some("ch_9"), None)
    );
}

#[test]
fn every_invoice_status_and_reason_maps_and_unknown_ones_are_kept() {
    for (raw, expected) in [
        ("draft", InvoiceStatus::Draft),
        ("open", InvoiceStatus::Open),
        ("paid", InvoiceStatus::Paid),
        ("void", InvoiceStatus::Void),
        ("uncollectible", InvoiceStatus::Uncollectible),
        ("archived", InvoiceStatus::Unknown("archived".into())),
    ] {
        let mut value = cycle_invoice("usd");
        value["status"] = json!(raw);
        let inv = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap();
        assert_eq!(inv.status, expected, "{raw}");
    }
    for (raw, expected) in [
        ("subscription_create", BillingReason::SubscriptionCreate),
        ("subscription_cycle", BillingReason::SubscriptionCycle),
        ("subscription_update", BillingReason::SubscriptionUpdate),
        ("manual", BillingReason::Manual),
        (
            "subscription_threshold",
            BillingReason::Unknown("subscription_threshold".into()),
        ),
    ] {
        let mut value = cycle_invoice("usd");
        value["billing_reason"] = json!(raw);
        let inv = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap();
        assert_eq!(inv.billing_reason, expected, "{raw}");
    }
}

#[test]
fn an_invoice_missing_what_billing_needs_is_an_error_naming_it() {
    let cases: [Case; 6] = [
        ("invoice.status", |v| v["status"] = Value::Null),
        ("invoice.customer", |v| v["customer"] = Value::Null),
        ("invoice.billing_reason", |v| {
            v["billing_reason"] = Value::Null
        }),
        ("invoice.lines", |v| {
            v.as_object_mut().unwrap().remove("lines");
        }),
        ("invoice.lines.data[1].period", |v| {
            v["lines"]["data"][1]["period"] = Value::Null;
        }),
        ("invoice.payments.data[0].payment.payment_intent", |v| {
            v["payments"]["data"][0]["payment"]["payment_intent"] = Value::Null;
        }),
    ];
    for (field, change) in cases {
        let mut value = cycle_invoice("usd");
        change(&mut value);
        let err = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap_err();
        assert_eq!(err, missing(field), "{field}");
    }
}

#[test]
fn an_invoice_with_lines_left_to_page_or_a_strange_payment_is_refused() {
    let mut value = cycle_invoice("usd");
    value["lines"]["has_more"] = json!(true);
    let err = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap_err();
    assert_eq!(err.field(), "invoice.lines.has_more");

    let mut value = cycle_invoice("usd");
    value["payments"]["data"][0]["payment"] = json!({"type": "payment_record"});
    let err = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap_err();
    assert_eq!(err.field(), "invoice.payments.data[0].payment.type");
    assert_eq!(err.value(), Some("payment_record"));

    let mut value = cycle_invoice("usd");
    value["lines"]["data"][2]["currency"] = json!("eur");
    let err = BillingInvoice::try_from(&typed::<stripe_client::Invoice>(value)).unwrap_err();
    assert!(
        matches!(&err, MappingError::CurrencyMismatch { field, .. }
            if field == "invoice.lines.data[2].currency"),
        "{err:?}"
    );
}

// ---- credit notes --------------------------------------------------------------------------

/// The official credit note with amounts that add up: 1690 credited after payment, 1000
/// refunded, 190 out of band, so 500 credited to the balance.
fn consistent_credit_note() -> Value {
    let mut note = fixture("credit_note");
    note["type"] = json!("post_payment");
    note["reason"] = json!("product_unsatisfactory");
    note["pre_payment_amount"] = json!(0);
    note["post_payment_amount"] = json!(1690);
    note["out_of_band_amount"] = json!(190);
    note["refunds"][0]["amount_refunded"] = json!(1000);
    note["refunds"][0]["refund"] = json!("re_1");
    note["total_taxes"] = json!([{"amount": 190, "tax_behavior": "exclusive",
        "taxable_amount": 1000, "taxability_reason": "standard_rated",
        "type": "tax_rate_details", "tax_rate_details": {"tax_rate": "txr_1"}}]);
    note
}

#[test]
fn official_credit_note_with_amounts_that_add_up() {
    let note =
        BillingCreditNote::try_from(&typed::<stripe_client::CreditNote>(consistent_credit_note()))
            .unwrap();
    assert_eq!(
        note.ids.get(System::Stripe),
        Some("cn_1Pgc75B7WZ01zgkWJMPt5riP")
    );
    assert_eq!(note.number, "ABCD-1234-CN-01");
    assert_eq!(note.invoice_id, "in_1Pgc75B7WZ01zgkWYv4iMwt7");
    assert_eq!(
        note.customer.get(System::Stripe),
        Some("cus_QXg1o8vcGmoR32")
    );
    assert_eq!(
        (
            note.subtotal,
            note.discount_total,
            note.tax_total,
            note.total
        ),
        (usd(1690), usd(0), usd(190), usd(1690))
    );
    assert_eq!(note.refunded, Some(usd(1000)));
    assert_eq!(
        note.refunds,
        [BillingRefund {
            id: Some("re_1".into()),
            amount: Some(usd(1000)),
        }]
    );
    assert_eq!(note.out_of_band, usd(190));
    assert_eq!(
        (note.pre_payment, note.post_payment),
        (Some(usd(0)), Some(usd(1690)))
    );
    assert_eq!(note.credited_to_balance, Some(usd(500)));
    assert_eq!(note.reason, Some(CreditNoteReason::ProductUnsatisfactory));
    assert_eq!(note.status, CreditNoteStatus::Issued);
    let t = at(1_234_567_890);
    assert_eq!(
        (note.created, note.effective_at, note.voided_at),
        (t, Some(t), Some(t))
    );
    let lines: Vec<_> = note
        .lines
        .iter()
        .map(|l| {
            (
                l.id.as_str(),
                l.invoice_line_id.as_deref(),
                l.amount,
                l.quantity,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "cnli_1Pgc75B7WZ01zgkWla6u0GdZ",
                Some("il_1Pgc74B7WZ01zgkWWh45tUBA"),
                usd(1190),
                Some(1)
            ),
            ("cnli_1Pgc75B7WZ01zgkW9m0EaOVh", None, usd(500), Some(1)),
        ]
    );
    assert_eq!(note.lines[1].description.as_deref(), Some("Service credit"));
}

#[test]
fn the_official_credit_note_refunds_more_than_its_post_payment_part_and_is_refused() {
    // Stripe's fixture holds generated amounts: 1,387,154,914 refunded out of a post-payment
    // part of 1,355,257,296.
    let err =
        BillingCreditNote::try_from(&typed::<stripe_client::CreditNote>(fixture("credit_note")))
            .unwrap_err();
    assert!(
        matches!(&err, MappingError::AmountOutOfRange { field, .. }
            if field == "credit_note.post_payment_amount"),
        "{err:?}"
    );
}

#[test]
fn a_credit_note_whose_refund_amount_is_unknown_leaves_the_split_unknown() {
    let mut value = consistent_credit_note();
    value["refunds"][0]["amount_refunded"] = Value::Null;
    let note = BillingCreditNote::try_from(&typed::<stripe_client::CreditNote>(value)).unwrap();
    assert_eq!((note.refunded, note.credited_to_balance), (None, None));
    assert_eq!(note.refunds[0].amount, None);
    let mut value = consistent_credit_note();
    value["refunds"] = json!([]);
    value["out_of_band_amount"] = Value::Null;
    let note = BillingCreditNote::try_from(&typed::<stripe_client::CreditNote>(value)).unwrap();
    assert_eq!(note.refunded, Some(usd(0)));
    assert_eq!(note.out_of_band, usd(0));
    assert_eq!(note.credited_to_balance, Some(usd(1690)));
}

#[test]
fn credit_note_statuses_and_reasons_map_and_unknown_ones_are_kept() {
    for (status, reason, expected_status, expected_reason) in [
        (
            "issued",
            json!("duplicate"),
            CreditNoteStatus::Issued,
            Some(CreditNoteReason::Duplicate),
        ),
        (
            "void",
            json!("fraudulent"),
            CreditNoteStatus::Void,
            Some(CreditNoteReason::Fraudulent),
        ),
        (
            "issued",
            json!("order_change"),
            CreditNoteStatus::Issued,
            Some(CreditNoteReason::OrderChange),
        ),
        (
            "pending",
            json!("goodwill"),
            CreditNoteStatus::Unknown("pending".into()),
            Some(CreditNoteReason::Unknown("goodwill".into())),
        ),
        ("issued", Value::Null, CreditNoteStatus::Issued, None),
    ] {
        let mut value = consistent_credit_note();
        value["status"] = json!(status);
        value["reason"] = reason;
        let note = BillingCreditNote::try_from(&typed::<stripe_client::CreditNote>(value)).unwrap();
        assert_eq!(
            (note.status, note.reason),
            (expected_status, expected_reason)
        );
    }
}

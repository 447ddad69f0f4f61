//! The connector listing payment entries against the fake: the search, reads and mapping end to
//! end, with and without `payment_reference`.

use erp::odoo::{OdooErp, OdooErpConfig, RetryConfig};
use erp::{
    CreditMemo, Customer, Erp, Error, Gateway, Invoice, LineItem, Money, Payment, PaymentDirection,
    PaymentEntry,
};
use sandbox::odoo::OdooFake;
use sandbox::{Faults, Running};
use serde_json::{Value, json};

use super::{client, config, day, seeded, stripe, usd};

fn paytrace() -> Gateway {
    Gateway::new("paytrace").unwrap()
}

/// Starts the fake with the shared seed and a PayTrace journal besides Stripe's (after
/// `prepare`), and connects the connector, schema check included; returns its configuration
/// too.
async fn start(prepare: impl FnOnce(&OdooFake)) -> (Running<OdooFake>, OdooErp, OdooErpConfig) {
    let (fake, stripe_journal) = seeded();
    let paytrace_journal = fake.add_journal("PayTrace", "PYTR", "bank");
    prepare(&fake);
    let running = Running::start(fake, &Faults::default()).await.unwrap();
    let config = config(stripe_journal).payment_journal(paytrace(), paytrace_journal);
    let odoo = OdooErp::connect(client(&running, RetryConfig::disabled()), config.clone())
        .await
        .unwrap();
    (running, odoo, config)
}

/// 2 × 15.00 + 2.40 tax + 5.00 shipping = 37.40 USD, dated the 1st.
fn invoice(r: &str) -> Invoice {
    Invoice {
        external_ref: r.into(),
        customer_ref: "c1".into(),
        sales_order_ref: None,
        invoice_date: day(1),
        due_date: day(15),
        currency: usd(),
        lines: vec![LineItem {
            sku: "TEE-1".into(),
            description: "T-shirt".into(),
            quantity: 2,
            unit_price: Money::new(1500, usd()),
        }],
        tax: Money::new(240, usd()),
        shipping: Money::new(500, usd()),
    }
}

fn payment(r: &str, invoice_ref: &str, minor: i64, fee: i64, d: u8) -> Payment {
    Payment {
        external_ref: r.into(),
        invoice_ref: invoice_ref.into(),
        direction: PaymentDirection::Received,
        gateway: stripe(),
        transaction_id: format!("txn-{r}"),
        amount: Money::new(minor, usd()),
        fee: Some(Money::new(fee, usd())),
        date: day(d),
    }
}

fn refund(r: &str, invoice_ref: &str, minor: i64, d: u8) -> Payment {
    Payment {
        direction: PaymentDirection::Refunded,
        fee: None,
        ..payment(r, invoice_ref, minor, 0, d)
    }
}

fn entry(
    r: &str,
    transaction_id: &str,
    invoice_ref: &str,
    direction: PaymentDirection,
    amount: i64,
    fee: i64,
    d: u8,
) -> PaymentEntry {
    PaymentEntry {
        external_ref: r.into(),
        gateway: stripe(),
        transaction_id: transaction_id.into(),
        invoice_ref: invoice_ref.into(),
        direction,
        amount: Money::new(amount, usd()),
        fee: Money::new(fee, usd()),
        date: day(d),
    }
}

/// Books a customer, two invoices and the credit memo the refunds below go against.
async fn documents(odoo: &OdooErp) {
    odoo.upsert_customer(&Customer {
        external_ref: "c1".into(),
        name: "Ada Lovelace".into(),
        email: None,
        vault_ids: vec![],
    })
    .await
    .unwrap();
    for r in ["inv1", "inv2", "inv3"] {
        odoo.create_invoice(&invoice(r)).await.unwrap();
    }
    odoo.create_credit_memo(&CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(500, usd()),
        reason: "returned".into(),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn payment_entries_list_the_gateways_payments_and_refunds_in_the_range() {
    let (running, odoo, config) = start(|_| {}).await;
    let stripe_journal = config.payment_journals[&stripe()];
    let fake = &running.fake;
    documents(&odoo).await;
    // A payment with a fee on the 2nd, a refund on the 3rd, a payment on the 1st recorded
    // after them (dates order the entries, not ids), one in PayTrace's journal, one after the
    // range and a draft payment in the journal: only the first three are listed.
    odoo.post_payment(&payment("p1", "inv1", 3600, 87, 2))
        .await
        .unwrap();
    odoo.post_payment(&refund("r1", "inv1", 500, 3))
        .await
        .unwrap();
    odoo.post_payment(&payment("p0", "inv2", 3740, 0, 1))
        .await
        .unwrap();
    let mut elsewhere = payment("pt1", "inv3", 2000, 0, 2);
    elsewhere.gateway = paytrace();
    odoo.post_payment(&elsewhere).await.unwrap();
    odoo.post_payment(&payment("p3", "inv1", 140, 0, 5))
        .await
        .unwrap();
    let _: Value = odoo
        .client()
        .call(
            "account.payment",
            "create",
            json!({"vals_list": [{
                "payment_type": "inbound", "partner_type": "customer", "amount": 9,
                "journal_id": stripe_journal, "date": "2026-11-02", "memo": "draft1",
            }]}),
        )
        .await
        .unwrap();

    // The fake holds what the connector wrote: no transaction id on the wizard's payment, the
    // refund's in `payment_reference`.
    let reference = |memo: &str| fake.payments_by_memo(memo)[0].payment_reference.clone();
    assert_eq!(reference("p1"), None);
    assert_eq!(reference("r1").as_deref(), Some("txn-r1"));

    let calls = fake.calls().len();
    let entries = odoo
        .payment_entries(&stripe(), day(1), day(4))
        .await
        .unwrap();
    assert_eq!(
        entries,
        [
            entry("p0", "", "inv2", PaymentDirection::Received, 3740, 0, 1),
            entry("p1", "", "inv1", PaymentDirection::Received, 3600, 87, 2),
            entry("r1", "txn-r1", "", PaymentDirection::Refunded, -500, 0, 3),
        ]
    );
    assert_eq!(
        fake.calls()[calls..],
        [
            ("account.payment".into(), "search_read".into()),
            ("account.move".into(), "read".into()),
            ("account.move".into(), "search_read".into()),
        ]
    );

    // Both ends of the range are included; the other journal has its own entries.
    let last = odoo
        .payment_entries(&stripe(), day(5), day(5))
        .await
        .unwrap();
    assert_eq!(
        last,
        [entry(
            "p3",
            "",
            "inv1",
            PaymentDirection::Received,
            140,
            0,
            5
        )]
    );
    let other = odoo
        .payment_entries(&paytrace(), day(1), day(30))
        .await
        .unwrap();
    assert_eq!(
        other
            .iter()
            .map(|e| (e.external_ref.as_str(), e.gateway.as_str(), e.amount.minor))
            .collect::<Vec<_>>(),
        [("pt1", "paytrace", 2000)]
    );
    assert!(
        odoo.payment_entries(&stripe(), day(6), day(30))
            .await
            .unwrap()
            .is_empty()
    );
}

/// A database without `account.payment.payment_reference`: the fake refuses the field as Odoo
/// refuses an unknown one, so a connector that assumed it fails the refund; the checked one
/// leaves it out and lists the refund without a transaction id.
#[tokio::test]
async fn without_payment_reference_refunds_are_posted_and_listed_without_it() {
    let (running, odoo, config) = start(|fake| {
        assert!(fake.remove_field("account.payment", "payment_reference"));
    })
    .await;
    documents(&odoo).await;
    let unchecked = OdooErp::new_unchecked(client(&running, RetryConfig::disabled()), config);
    let err = unchecked
        .post_payment(&refund("r0", "inv1", 500, 3))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { body, .. } if body.message.contains("payment_reference")),
        "{err:?}"
    );

    odoo.post_payment(&payment("p1", "inv1", 3600, 87, 2))
        .await
        .unwrap();
    odoo.post_payment(&refund("r1", "inv1", 500, 3))
        .await
        .unwrap();
    let entries = odoo
        .payment_entries(&stripe(), day(1), day(4))
        .await
        .unwrap();
    assert_eq!(
        entries,
        [
            entry("p1", "", "inv1", PaymentDirection::Received, 3600, 87, 2),
            entry("r1", "", "", PaymentDirection::Refunded, -500, 0, 3),
        ]
    );
}

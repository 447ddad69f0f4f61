//! The erp crate's real Odoo connector (`OdooErp` over `OdooClient`) against the Odoo fake.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use erp::odoo::{OdooClient, OdooErp, OdooErpConfig, RetryConfig};
use erp::{
    Account, CreditMemo, CurrencyCode, Customer, Dispute, DisputeStage, DocumentKind, Erp, Error,
    Gateway, Invoice, JournalEntry, JournalLine, LineItem, Money, OdooErrorKind, Payment,
    PaymentDirection, SalesOrder, Side, VaultId,
};
use rust_decimal::Decimal;
use sandbox::odoo::OdooFake;
use sandbox::{Fault, FaultRule, Faults, Running, Trigger};
use secrecy::SecretString;
use serde_json::{Value, json};

#[path = "odoo/contracts.rs"]
mod contracts;
#[path = "odoo/payment_entries.rs"]
mod payment_entries;
#[path = "odoo/recognition.rs"]
mod recognition;

fn usd() -> CurrencyCode {
    CurrencyCode::new("USD").unwrap()
}

fn day(d: u8) -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, d).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn stripe() -> Gateway {
    Gateway::new("stripe").unwrap()
}

/// A fake with the products, accounts and gateway journal the documents below use.
fn seeded() -> (OdooFake, i64) {
    let fake = OdooFake::new();
    fake.add_product("TEE-1", "T-shirt", dec("15"));
    fake.add_account("400100", "Shipping Income", "income");
    fake.add_account("400900", "Refunds", "income");
    fake.add_account("620000", "Gateway Fees", "expense");
    fake.add_account("620100", "Chargebacks", "expense");
    fake.add_account("101500", "Disputed funds", "asset_current");
    fake.add_account("101410", "Stripe Clearing", "asset_current");
    fake.add_account("241000", "Deferred revenue", "liability_current");
    fake.add_account("630000", "Bad debts", "expense");
    assert!(fake.add_char_field("res.partner", "x_vault_ids"));
    let journal = fake.add_journal("Stripe", "STRP", "bank");
    (fake, journal)
}

fn config(journal: i64) -> OdooErpConfig {
    OdooErpConfig::new()
        .account(Account::TaxPayable, "251000")
        .account(Account::ShippingIncome, "400100")
        .account(Account::Refunds, "400900")
        .account(Account::GatewayFees, "620000")
        .account(Account::Chargebacks, "620100")
        .account(Account::DisputedFunds, "101500")
        .account(Account::Bank, "101401")
        .account(Account::Clearing(stripe()), "101410")
        .account(Account::DeferredRevenue, "241000")
        .account(Account::Revenue, "400000")
        .account(Account::BadDebts, "630000")
        .payment_journal(stripe(), journal)
        .vault_id_field("x_vault_ids")
}

fn client(running: &Running<OdooFake>, retry: RetryConfig) -> OdooClient {
    OdooClient::builder(
        running.base_url().as_str(),
        SecretString::from(running.fake.api_key().to_owned()),
    )
    .database(running.fake.database())
    .timeout(Duration::from_millis(500))
    .retry(retry)
    .build()
    .unwrap()
}

async fn start() -> (Running<OdooFake>, OdooErp, Faults) {
    let (fake, journal) = seeded();
    let faults = Faults::default();
    let running = Running::start(fake, &faults).await.unwrap();
    let odoo = OdooErp::connect(client(&running, RetryConfig::disabled()), config(journal))
        .await
        .unwrap();
    (running, odoo, faults)
}

fn customer(r: &str) -> Customer {
    Customer {
        external_ref: r.into(),
        name: "Ada Lovelace".into(),
        email: Some("ada@example.com".into()),
        vault_ids: vec![VaultId {
            gateway: Gateway::new("paytrace").unwrap(),
            vault_id: "cust-77".into(),
        }],
    }
}

fn line(quantity: u32, minor: i64) -> LineItem {
    LineItem {
        sku: "TEE-1".into(),
        description: "T-shirt".into(),
        quantity,
        unit_price: Money::new(minor, usd()),
    }
}

fn order(r: &str, customer_ref: &str) -> SalesOrder {
    SalesOrder {
        external_ref: r.into(),
        customer_ref: customer_ref.into(),
        order_date: day(1),
        currency: usd(),
        lines: vec![line(2, 1500)],
        tax: Money::zero(usd()),
        shipping: Money::zero(usd()),
    }
}

/// 2 × 15.00 + 2.40 tax + 5.00 shipping = 37.40 USD.
fn invoice(r: &str, customer_ref: &str) -> Invoice {
    Invoice {
        external_ref: r.into(),
        customer_ref: customer_ref.into(),
        sales_order_ref: Some("so1".into()),
        invoice_date: day(1),
        due_date: day(15),
        currency: usd(),
        lines: vec![line(2, 1500)],
        tax: Money::new(240, usd()),
        shipping: Money::new(500, usd()),
    }
}

fn payment(r: &str, invoice_ref: &str, minor: i64, fee: i64) -> Payment {
    Payment {
        external_ref: r.into(),
        invoice_ref: invoice_ref.into(),
        direction: PaymentDirection::Received,
        gateway: stripe(),
        transaction_id: format!("txn-{r}"),
        amount: Money::new(minor, usd()),
        fee: Some(Money::new(fee, usd())),
        date: day(2),
    }
}

fn entry(r: &str, debit: i64, credit: i64) -> JournalEntry {
    JournalEntry {
        external_ref: r.into(),
        date: day(4),
        memo: "Stripe payout po_1".into(),
        lines: vec![
            JournalLine {
                account: Account::Bank,
                side: Side::Debit,
                amount: Money::new(debit, usd()),
                label: None,
            },
            JournalLine {
                account: Account::Clearing(stripe()),
                side: Side::Credit,
                amount: Money::new(credit, usd()),
                label: Some("po_1".into()),
            },
        ],
    }
}

/// A raw JSON-2 call through the real client.
async fn raw(client: &OdooClient, model: &str, method: &str, body: Value) -> Result<Value, Error> {
    client.call::<Value>(model, method, body).await
}

#[tokio::test]
async fn connect_checks_the_schema_and_a_missing_custom_field_is_named() {
    let (fake, journal) = seeded();
    let running = Running::start(fake, &Faults::default()).await.unwrap();
    OdooErp::connect(client(&running, RetryConfig::disabled()), config(journal))
        .await
        .unwrap();
    assert_eq!(
        running
            .fake
            .call_count("account.payment.register", "fields_get"),
        1
    );
    let err = OdooErp::connect(
        client(&running, RetryConfig::disabled()),
        config(journal).vault_id_field("x_missing"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("res.partner.x_missing")),
        "{err:?}"
    );
}

#[tokio::test]
async fn customers_are_created_once_then_updated() {
    let (running, odoo, _) = start().await;
    let first = odoo.upsert_customer(&customer("c1")).await.unwrap();
    assert!(first.created);
    assert_eq!(first.document.kind, DocumentKind::Customer);
    let mut changed = customer("c1");
    changed.name = "Ada King".into();
    changed.vault_ids.push(VaultId {
        gateway: stripe(),
        vault_id: "cus_1".into(),
    });
    let again = odoo.upsert_customer(&changed).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.document.id, first.document.id);
    let partners = running.fake.partners_by_ref("c1");
    assert_eq!(partners.len(), 1);
    let p = &partners[0];
    assert_eq!(p.id.to_string(), first.document.id.0);
    assert_eq!(
        (p.name.as_str(), p.email.as_deref(), p.customer_rank),
        ("Ada King", Some("ada@example.com"), 1)
    );
    assert_eq!(
        p.custom["x_vault_ids"],
        r#"{"paytrace":"cust-77","stripe":"cus_1"}"#
    );
    assert_eq!(running.fake.call_count("res.partner", "create"), 1);
    assert_eq!(running.fake.call_count("res.partner", "write"), 1);
}

#[tokio::test]
async fn every_erp_operation_runs_against_the_fake() {
    let (running, odoo, _) = start().await;
    let fake = &running.fake;
    let partner = odoo
        .upsert_customer(&customer("c1"))
        .await
        .unwrap()
        .document
        .id
        .0;

    // Sales order: created and confirmed once.
    let so = odoo.create_sales_order(&order("so1", "c1")).await.unwrap();
    assert!(so.created);
    let again = odoo.create_sales_order(&order("so1", "c1")).await.unwrap();
    assert_eq!(
        (again.created, &again.document.id),
        (false, &so.document.id)
    );
    let orders = fake.orders_by_ref("so1");
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(
        (o.name.as_str(), o.state.as_str(), o.amount_total),
        ("S00001", "sale", dec("30"))
    );
    assert_eq!(o.partner_id.map(|p| p.to_string()), Some(partner.clone()));
    assert_eq!(o.date_order.as_deref(), Some("2026-11-01 00:00:00"));
    assert_eq!(o.lines.len(), 1);
    assert_eq!(o.lines[0].product_code.as_deref(), Some("TEE-1"));
    assert_eq!(
        (o.lines[0].quantity, o.lines[0].price_unit),
        (dec("2"), dec("15"))
    );

    // Invoice: posted with product, tax and shipping lines and a receivable line.
    let inv = odoo.create_invoice(&invoice("inv1", "c1")).await.unwrap();
    assert!(inv.created);
    assert_eq!(
        odoo.create_invoice(&invoice("inv1", "c1"))
            .await
            .unwrap()
            .document
            .id,
        inv.document.id
    );
    let moves = fake.moves_by_ref("inv1");
    assert_eq!(moves.len(), 1);
    let m = &moves[0];
    assert_eq!(m.id.to_string(), inv.document.id.0);
    assert_eq!(
        (
            m.name.as_str(),
            m.move_type.as_str(),
            m.state.as_str(),
            m.payment_state.as_str()
        ),
        ("INV/2026/00001", "out_invoice", "posted", "not_paid")
    );
    assert_eq!(
        (m.amount_total, m.amount_residual, m.currency.as_str()),
        (dec("37.40"), dec("37.40"), "USD")
    );
    assert_eq!(
        (m.invoice_date.as_deref(), m.invoice_date_due.as_deref()),
        (Some("2026-11-01"), Some("2026-11-15"))
    );
    assert_eq!(m.invoice_origin.as_deref(), Some("so1"));
    let accounts: Vec<(Option<&str>, Decimal, Decimal)> = m
        .lines
        .iter()
        .map(|l| (l.account_code.as_deref(), l.debit, l.credit))
        .collect();
    assert_eq!(
        accounts,
        vec![
            (Some("400000"), dec("0"), dec("30")),
            (Some("251000"), dec("0"), dec("2.4")),
            (Some("400100"), dec("0"), dec("5")),
            (Some("121000"), dec("37.4"), dec("0")),
        ]
    );

    let open = odoo.open_receivables().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (
            open[0].customer_ref.as_str(),
            open[0].invoice.external_ref.as_str()
        ),
        ("c1", "inv1")
    );
    assert_eq!(
        (open[0].total, open[0].open),
        (Money::new(3740, usd()), Money::new(3740, usd()))
    );
    assert_eq!(open[0].due_date, day(15));

    // A partial payment with a fee: the wizard pays the invoice, the fee is an entry.
    let p1 = odoo
        .post_payment(&payment("p1", "inv1", 2000, 58))
        .await
        .unwrap();
    assert!(p1.created);
    assert_eq!(p1.document.kind, DocumentKind::Payment);
    let again = odoo
        .post_payment(&payment("p1", "inv1", 2000, 58))
        .await
        .unwrap();
    assert_eq!(
        (again.created, &again.document.id),
        (false, &p1.document.id)
    );
    let pays = fake.payments_by_memo("p1");
    assert_eq!(pays.len(), 1);
    let pay = &pays[0];
    assert_eq!(pay.id.to_string(), p1.document.id.0);
    assert_eq!(
        (
            pay.payment_type.as_str(),
            pay.partner_type.as_str(),
            pay.amount
        ),
        ("inbound", "customer", dec("20"))
    );
    assert_eq!(
        (pay.state.as_str(), pay.date.as_deref(), pay.name.as_str()),
        ("in_process", Some("2026-11-02"), "PSTRP/2026/00001")
    );
    assert_eq!(pay.reconciled_invoice_ids, vec![m.id]);
    assert_eq!(pay.journal_id, fake.journal_id("STRP"));
    let m = fake.get_move(m.id).unwrap();
    assert_eq!(
        (m.amount_residual, m.payment_state.as_str()),
        (dec("17.40"), "partial")
    );
    let fees = fake.moves_by_ref("p1/fee");
    assert_eq!(fees.len(), 1, "the fee entry is booked once");
    let fee_lines: Vec<(Option<&str>, Decimal, Decimal)> = fees[0]
        .lines
        .iter()
        .map(|l| (l.account_code.as_deref(), l.debit, l.credit))
        .collect();
    assert_eq!(
        fee_lines,
        vec![
            (Some("620000"), dec("0.58"), dec("0")),
            (Some("101410"), dec("0"), dec("0.58"))
        ]
    );
    assert_eq!(
        (fees[0].move_type.as_str(), fees[0].state.as_str()),
        ("entry", "posted")
    );
    assert_eq!(
        fake.call_count("account.payment.register", "action_create_payments"),
        1
    );

    let open = odoo.open_receivables().await.unwrap();
    assert_eq!(open[0].open, Money::new(1740, usd()));

    // The rest is paid: the invoice leaves the open receivables.
    odoo.post_payment(&payment("p2", "inv1", 1740, 0))
        .await
        .unwrap();
    let m = fake.get_move(m.id).unwrap();
    assert_eq!(
        (m.amount_residual, m.payment_state.as_str()),
        (dec("0"), "in_payment")
    );
    assert!(odoo.open_receivables().await.unwrap().is_empty());
    let err = odoo
        .post_payment(&payment("p3", "inv1", 100, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 422, .. })
            && err.odoo_kind() == Some(OdooErrorKind::UserError),
        "{err:?}"
    );
    assert!(fake.payments_by_memo("p3").is_empty());

    // A refund paid out: an outbound customer payment.
    let mut refund = payment("r1", "inv1", 1500, 0);
    refund.direction = PaymentDirection::Refunded;
    let r1 = odoo.post_payment(&refund).await.unwrap();
    assert!(r1.created);
    assert_eq!(
        odoo.post_payment(&refund).await.unwrap().document.id,
        r1.document.id
    );
    let out = &fake.payments_by_memo("r1")[0];
    assert_eq!(
        (out.payment_type.as_str(), out.amount, out.state.as_str()),
        ("outbound", dec("15"), "in_process")
    );
    assert_eq!(out.partner_id.map(|p| p.to_string()), Some(partner.clone()));

    // Credit memo: an out_refund reversing the invoice.
    let memo = CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(1500, usd()),
        reason: "Returned T-shirt".into(),
    };
    let cm = odoo.create_credit_memo(&memo).await.unwrap();
    assert_eq!(cm.document.kind, DocumentKind::CreditMemo);
    assert_eq!(
        odoo.create_credit_memo(&memo).await.unwrap().document.id,
        cm.document.id
    );
    let credit = &fake.moves_by_ref("cm1")[0];
    assert_eq!(
        (
            credit.move_type.as_str(),
            credit.name.as_str(),
            credit.reversed_entry_id,
            credit.amount_total
        ),
        ("out_refund", "RINV/2026/00001", Some(m.id), dec("15"))
    );
    assert_eq!(credit.lines[0].account_code.as_deref(), Some("400900"));
    assert_eq!(
        (credit.lines[0].debit, credit.lines[1].credit),
        (dec("15"), dec("15"))
    );

    // Journal entry.
    let je = odoo
        .post_journal_entry(&entry("je1", 10050, 10050))
        .await
        .unwrap();
    assert!(je.created);
    assert_eq!(
        odoo.post_journal_entry(&entry("je1", 10050, 10050))
            .await
            .unwrap()
            .document
            .id,
        je.document.id
    );
    let e = &fake.moves_by_ref("je1")[0];
    assert_eq!(
        (
            e.move_type.as_str(),
            e.state.as_str(),
            e.amount_total,
            e.date.as_deref()
        ),
        ("entry", "posted", dec("100.5"), Some("2026-11-04"))
    );
    assert!(e.name.starts_with("MISC/2026/"), "{}", e.name);
    let labels: Vec<Option<&str>> = e.lines.iter().map(|l| l.name.as_deref()).collect();
    assert_eq!(labels, vec![Some("Stripe payout po_1"), Some("po_1")]);

    // Dispute opened: the amount held in disputed funds, the fee to chargebacks.
    let dispute = Dispute {
        external_ref: "dp1/opened".into(),
        payment_ref: Some("p1".into()),
        gateway: stripe(),
        dispute_id: "dp_1".into(),
        stage: DisputeStage::Opened,
        amount: Money::new(3740, usd()),
        fee: Some(Money::new(1500, usd())),
        reason: "fraudulent".into(),
        date: day(5),
    };
    let dp = odoo.record_dispute(&dispute).await.unwrap();
    assert_eq!(
        odoo.record_dispute(&dispute).await.unwrap().document.id,
        dp.document.id
    );
    let d = &fake.moves_by_ref("dp1/opened")[0];
    let lines: Vec<_> = d
        .lines
        .iter()
        .map(|l| (l.account_code.as_deref(), l.debit, l.credit))
        .collect();
    assert_eq!(
        lines,
        [
            (Some("101500"), dec("37.4"), dec("0")),
            (Some("620100"), dec("15"), dec("0")),
            (Some("101410"), dec("0"), dec("52.4")),
        ]
    );

    // Lookup by external reference, in every family.
    for (r, kind, id) in [
        ("c1", DocumentKind::Customer, &partner),
        ("so1", DocumentKind::SalesOrder, &so.document.id.0),
        ("inv1", DocumentKind::Invoice, &inv.document.id.0),
        ("cm1", DocumentKind::CreditMemo, &cm.document.id.0),
        ("je1", DocumentKind::JournalEntry, &je.document.id.0),
        ("p1", DocumentKind::Payment, &p1.document.id.0),
    ] {
        let found = odoo.find_by_external_ref(r).await.unwrap().unwrap();
        assert_eq!((found.kind, &found.id.0), (kind, id), "{r}");
    }
    assert_eq!(odoo.find_by_external_ref("nope").await.unwrap(), None);

    // Nothing was created twice.
    assert_eq!(fake.orders().len(), 1);
    assert_eq!(fake.invoices().len(), 1);
    assert_eq!(fake.payments().len(), 3);
    assert_eq!(
        fake.moves().len(),
        5,
        "invoice, fee, credit note, entry, dispute"
    );
}

#[tokio::test]
async fn open_receivables_list_posted_unpaid_invoices_by_due_date() {
    let (running, odoo, _) = start().await;
    odoo.upsert_customer(&customer("c1")).await.unwrap();
    odoo.upsert_customer(&customer("c2")).await.unwrap();
    let mut late = invoice("inv-late", "c2");
    late.due_date = day(30);
    odoo.create_invoice(&late).await.unwrap();
    odoo.create_invoice(&invoice("inv-early", "c1"))
        .await
        .unwrap();
    let open = odoo.open_receivables().await.unwrap();
    let refs: Vec<(&str, &str)> = open
        .iter()
        .map(|r| (r.invoice.external_ref.as_str(), r.customer_ref.as_str()))
        .collect();
    assert_eq!(refs, vec![("inv-early", "c1"), ("inv-late", "c2")]);
    assert_eq!(running.fake.invoices().len(), 2);
}

#[tokio::test]
async fn missing_customers_products_and_invoices_are_not_found() {
    let (running, odoo, _) = start().await;
    let err = odoo
        .create_sales_order(&order("so1", "nobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "customer",
                ..
            }
        ),
        "{err:?}"
    );
    odoo.upsert_customer(&customer("c1")).await.unwrap();
    let mut unknown_sku = order("so1", "c1");
    unknown_sku.lines[0].sku = "NOPE".into();
    let err = odoo.create_sales_order(&unknown_sku).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "product",
                ..
            }
        ),
        "{err:?}"
    );
    let err = odoo
        .post_payment(&payment("p1", "inv-missing", 100, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "invoice",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(running.fake.orders().is_empty());
    assert!(running.fake.payments().is_empty());
}

#[tokio::test]
async fn odoo_errors_have_odoo_shapes_and_statuses() {
    let (running, odoo, _) = start().await;
    let c = client(&running, RetryConfig::disabled());
    let fake = &running.fake;

    // An unbalanced entry is refused and nothing is stored.
    let bank = fake.account_id("101401").unwrap();
    let sales = fake.account_id("400000").unwrap();
    let vals = json!({"vals_list": [{"move_type": "entry", "ref": "bad", "line_ids": [
        [0, 0, {"account_id": bank, "debit": 10, "credit": 0}],
        [0, 0, {"account_id": sales, "debit": 0, "credit": 9.99}],
    ]}]});
    let err = raw(&c, "account.move", "create", vals).await.unwrap_err();
    let Error::Api { status: 422, body } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(body.name, "odoo.exceptions.UserError");
    assert!(body.message.contains("not balanced"), "{}", body.message);
    assert!(fake.moves_by_ref("bad").is_empty());

    // Posting twice.
    let ok = json!({"vals_list": [{"move_type": "entry", "ref": "good", "date": "2026-11-04", "line_ids": [
        [0, 0, {"account_id": bank, "debit": 10, "credit": 0}],
        [0, 0, {"account_id": sales, "debit": 0, "credit": 10}],
    ]}]});
    let ids = raw(&c, "account.move", "create", ok).await.unwrap();
    let id = ids[0].as_i64().unwrap();
    assert_eq!(
        raw(&c, "account.move", "action_post", json!({"ids": [id]}))
            .await
            .unwrap(),
        json!(false)
    );
    let err = raw(&c, "account.move", "action_post", json!({"ids": [id]}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 422, body } if body.message.contains("already posted")),
        "{err:?}"
    );

    // Reading, searching and writing records.
    let rows = raw(
        &c,
        "account.move",
        "read",
        json!({"ids": [id], "fields": ["name", "journal_id", "state", "line_ids"]}),
    )
    .await
    .unwrap();
    assert_eq!(rows[0]["state"], "posted");
    assert_eq!(rows[0]["journal_id"][1], "Miscellaneous Operations");
    assert_eq!(rows[0]["line_ids"].as_array().unwrap().len(), 2);
    let found = raw(&c, "account.move", "search", json!({"domain": ["|", ["ref", "=", "good"], ["ref", "=", "nope"], ["line_ids.account_id.code", "=", "101401"]]}))
        .await
        .unwrap();
    assert_eq!(found, json!([id]));
    let err = raw(
        &c,
        "account.move",
        "write",
        json!({"ids": [id], "vals": {"partner_id": false}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.odoo_kind(),
        Some(OdooErrorKind::UserError),
        "a posted entry is locked: {err:?}"
    );
    assert_eq!(
        raw(
            &c,
            "account.move",
            "write",
            json!({"ids": [id], "vals": {"ref": "renamed"}})
        )
        .await
        .unwrap(),
        json!(true)
    );
    assert_eq!(fake.moves_by_ref("renamed").len(), 1);

    // Missing records, unknown models and methods, private methods.
    let err = raw(
        &c,
        "account.move",
        "read",
        json!({"ids": [9999], "fields": ["name"]}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 404, .. })
            && err.odoo_kind() == Some(OdooErrorKind::MissingError),
        "{err:?}"
    );
    let err = raw(&c, "no.such.model", "search", json!({"domain": []}))
        .await
        .unwrap_err();
    assert_eq!(err.odoo_kind(), Some(OdooErrorKind::NotFound), "{err:?}");
    let err = raw(&c, "res.partner", "action_post", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.odoo_kind(), Some(OdooErrorKind::NotFound), "{err:?}");
    let err = raw(&c, "account.move", "_post", json!({"ids": [id]}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 403, .. })
            && err.odoo_kind() == Some(OdooErrorKind::AccessError),
        "{err:?}"
    );

    // Invalid fields, values, arguments.
    let err = raw(
        &c,
        "res.partner",
        "search",
        json!({"domain": [["nope", "=", 1]]}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, body } if body.name == "builtins.ValueError"),
        "{err:?}"
    );
    let err = raw(
        &c,
        "res.partner",
        "create",
        json!({"vals_list": [{"name": "X", "nope": 1}]}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, body } if body.message.contains("nope")),
        "{err:?}"
    );
    let err = raw(
        &c,
        "res.partner",
        "search",
        json!({"domain": [], "bogus": 1}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, body } if body.name == "builtins.TypeError"),
        "{err:?}"
    );
    let err = raw(
        &c,
        "res.partner",
        "create",
        json!({"vals_list": [{"email": "x@example.com"}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.odoo_kind(),
        Some(OdooErrorKind::ValidationError),
        "name is required: {err:?}"
    );
    let err = raw(
        &c,
        "sale.order",
        "create",
        json!({"vals_list": [{"partner_id": 4242}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.odoo_kind(),
        Some(OdooErrorKind::ValidationError),
        "{err:?}"
    );
    assert!(fake.partners().is_empty() && fake.orders().is_empty());

    // The payment wizard needs its context.
    let err = raw(
        &c,
        "account.payment.register",
        "create",
        json!({"vals_list": [{"amount": 1}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.odoo_kind(), Some(OdooErrorKind::UserError), "{err:?}");

    // Access rights: a refused create is a 403 the connector reports, and nothing is stored.
    odoo.upsert_customer(&customer("c1")).await.unwrap();
    fake.deny("account.move", "create");
    let err = odoo
        .create_invoice(&invoice("inv1", "c1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 403, body } if body.message.contains("(account.move)")),
        "{err:?}"
    );
    assert!(fake.invoices().is_empty());
    fake.allow("account.move", "create");
    assert!(
        odoo.create_invoice(&invoice("inv1", "c1"))
            .await
            .unwrap()
            .created
    );
}

#[tokio::test]
async fn authentication_and_http_errors() {
    let (running, _, _) = start().await;
    let url = running.base_url().as_str();
    let wrong_key = OdooClient::builder(url, SecretString::from("wrong".to_owned()))
        .database(running.fake.database())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = raw(&wrong_key, "res.partner", "search", json!({"domain": []}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Auth { message } if message == "Invalid apikey"),
        "{err:?}"
    );
    let wrong_db = OdooClient::builder(url, SecretString::from(running.fake.api_key().to_owned()))
        .database("other")
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert!(matches!(
        raw(&wrong_db, "res.partner", "search", json!({"domain": []})).await,
        Err(Error::Auth { .. })
    ));
    let no_db = OdooClient::builder(url, SecretString::from(running.fake.api_key().to_owned()))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert_eq!(
        raw(&no_db, "res.partner", "search", json!({"domain": []}))
            .await
            .unwrap(),
        json!([])
    );

    let http = reqwest::Client::new();
    let endpoint = format!("{url}json/2/res.partner/search");
    let bearer = format!("bearer {}", running.fake.api_key());
    let res = http
        .post(&endpoint)
        .header("authorization", &bearer)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "werkzeug.exceptions.BadRequest");
    for key in ["message", "arguments", "context", "debug"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    let res = http.post(&endpoint).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["name"],
        "werkzeug.exceptions.Unauthorized"
    );
    let res = http
        .get(&endpoint)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let res = http.post(format!("{url}web/nothing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["name"],
        "werkzeug.exceptions.NotFound"
    );
    // The request context is echoed in errors.
    let res = http
        .post(format!("{url}json/2/res.partner/read"))
        .header("authorization", &bearer)
        .json(&json!({"ids": [77], "context": {"lang": "en_US"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["context"],
        json!({"lang": "en_US"})
    );
}

#[tokio::test]
async fn faults_reach_the_client_exactly_as_configured() {
    let (running, odoo, faults) = start().await;
    let fake = &running.fake;

    // 429 with Retry-After.
    let rule = faults.add(
        FaultRule::new("odoo", Fault::too_many_requests(7), Trigger::Count(1))
            .path("/json/2/res.partner/search"),
    );
    let err = odoo.upsert_customer(&customer("c1")).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)),
        "{err:?}"
    );
    assert_eq!(faults.fired(rule), 1);
    assert!(fake.partners().is_empty());

    // A 503 on create: the request never reached the fake, so nothing was created.
    let rule = faults.add(
        FaultRule::new("odoo", Fault::status(503), Trigger::Count(1))
            .path("/json/2/res.partner/create")
            .method("POST"),
    );
    let err = odoo.upsert_customer(&customer("c1")).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert_eq!(faults.fired(rule), 1);
    assert!(fake.partners().is_empty());

    // A dropped connection after the create was processed: the retry finds the record.
    let rule = faults.add(
        FaultRule::new("odoo", Fault::Drop, Trigger::Count(1)).path("/json/2/res.partner/create"),
    );
    let err = odoo.upsert_customer(&customer("c1")).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(faults.fired(rule), 1);
    assert_eq!(fake.partners().len(), 1, "the create happened");
    let again = odoo.upsert_customer(&customer("c1")).await.unwrap();
    assert!(!again.created);
    assert_eq!(fake.partners().len(), 1);

    // Added latency beyond the client's timeout.
    let rule = faults.add(
        FaultRule::new(
            "odoo",
            Fault::Latency(Duration::from_secs(2)),
            Trigger::Count(1),
        )
        .path("/json/2/account.move"),
    );
    let err = odoo.open_receivables().await.unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert_eq!(faults.fired(rule), 1);

    // Read-only calls are retried by the client through a transient 502.
    let retrying = OdooErp::connect(
        client(
            &running,
            RetryConfig::standard()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        ),
        config(fake.journal_id("STRP").unwrap()),
    )
    .await
    .unwrap();
    let rule = faults.add(
        FaultRule::new("odoo", Fault::status(502), Trigger::Count(2))
            .path("/json/2/account.move/search_read"),
    );
    assert!(retrying.open_receivables().await.unwrap().is_empty());
    assert_eq!(faults.fired(rule), 2);
}

#[tokio::test]
async fn malformed_requests_get_odoo_errors_and_the_fake_keeps_serving() {
    let (running, _, _) = start().await;
    let url = running.base_url().as_str();
    let bearer = format!("bearer {}", running.fake.api_key());
    let http = reqwest::Client::new();
    let cases: Vec<(&str, &str, Value)> = vec![
        ("res.partner", "create", json!({"vals_list": 5})),
        ("res.partner", "create", json!({"vals_list": [7]})),
        (
            "res.partner",
            "create",
            json!({"vals_list": [{"name": ["x"]}]}),
        ),
        (
            "res.partner",
            "create",
            json!({"vals_list": [{"name": "x", "customer_rank": 1.5}]}),
        ),
        ("res.partner", "write", json!({"ids": "x", "vals": {}})),
        ("res.partner", "write", json!({"ids": [1]})),
        ("res.partner", "search", json!({"domain": ["&"]})),
        (
            "res.partner",
            "search",
            json!({"domain": [["name", "in", "x"]]}),
        ),
        ("res.partner", "search", json!({"domain": [], "limit": -1})),
        (
            "res.partner",
            "search",
            json!({"domain": [], "order": "name sideways"}),
        ),
        ("res.partner", "search", json!({})),
        ("res.partner", "read", json!({"ids": [1, "x"]})),
        (
            "sale.order.line",
            "create",
            json!({"vals_list": [{"order_id": 1, "price_unit": "1e40"}]}),
        ),
        (
            "account.move",
            "create",
            json!({"vals_list": [{"move_type": "bogus"}]}),
        ),
        (
            "account.move",
            "create",
            json!({"vals_list": [{"date": "2026-02-30"}]}),
        ),
        (
            "account.move",
            "create",
            json!({"vals_list": [{"line_ids": [[9, 0, {}]]}]}),
        ),
        (
            "account.move",
            "create",
            json!({"vals_list": [{"line_ids": [[0, 0, {"account_id": 1, "debit": 1e13}]]}]}),
        ),
        (
            "account.move",
            "create",
            json!({"vals_list": [{"line_ids": [[1, 5, {"name": "x"}]]}]}),
        ),
        (
            "account.move.line",
            "create",
            json!({"vals_list": [{"tax_ids": [[6, 0, [99]]]}]}),
        ),
        (
            "account.payment",
            "create",
            json!({"vals_list": [{"amount": -5, "journal_id": 4}]}),
        ),
        (
            "account.payment",
            "create",
            json!({"vals_list": [{"amount": 5, "journal_id": 1}]}),
        ),
        (
            "account.payment.register",
            "create",
            json!({"context": {"active_model": "account.move", "active_ids": [999]}, "vals_list": [{}]}),
        ),
        (
            "account.payment.register",
            "action_create_payments",
            json!({"ids": [1]}),
        ),
        (
            "account.move",
            "action_post",
            json!({"ids": [123456789012_i64]}),
        ),
        ("sale.order", "action_confirm", json!({"ids": [1]})),
    ];
    for (model, method, body) in cases {
        let res = http
            .post(format!("{url}json/2/{model}/{method}"))
            .header("authorization", &bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let answer: Value = res.json().await.unwrap();
        assert!(
            (400..600).contains(&status),
            "{model}.{method} {body}: {status} {answer}"
        );
        assert!(
            answer["name"].is_string() && answer["message"].is_string(),
            "{answer}"
        );
    }
    let deep = format!("{}[]{}", "[".repeat(5000), "]".repeat(5000));
    let res = http
        .post(format!("{url}json/2/res.partner/search"))
        .header("authorization", &bearer)
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        running.fake.partners().is_empty()
            && running.fake.moves().is_empty()
            && running.fake.payments().is_empty()
    );
    let c = client(&running, RetryConfig::disabled());
    assert_eq!(
        raw(&c, "res.partner", "search_count", json!({"domain": []}))
            .await
            .unwrap(),
        json!(0)
    );
}

/// Recurring billing through the connector: a billing invoice with a deferred line, its
/// write-off, and the void of another.
#[tokio::test]
async fn billing_invoices_are_written_off_and_voided() {
    let (running, odoo, _) = start().await;
    let fake = &running.fake;
    odoo.upsert_customer(&customer("c1")).await.unwrap();
    let november = erp::ServicePeriod {
        start: day(1),
        end: time::Date::from_calendar_date(2026, time::Month::December, 1).unwrap(),
    };
    let billing = |r: &str| erp::BillingInvoice {
        external_ref: r.into(),
        customer_ref: "c1".into(),
        contract_ref: Some("sub1".into()),
        invoice_date: day(1),
        due_date: day(15),
        currency: usd(),
        lines: vec![
            erp::BillingLine {
                product: "price_pro".into(),
                description: "Pro plan".into(),
                quantity: 1,
                unit_price: Money::new(3000, usd()),
                discount: Money::new(500, usd()),
                period: Some(november),
                proration: false,
            },
            erp::BillingLine {
                product: "setup".into(),
                description: "Setup".into(),
                quantity: 1,
                unit_price: Money::new(1000, usd()),
                discount: Money::zero(usd()),
                period: None,
                proration: false,
            },
        ],
        tax: Money::zero(usd()),
    };
    let rec = odoo.create_billing_invoice(&billing("in1")).await.unwrap();
    assert!(rec.created);
    assert!(
        !odoo
            .create_billing_invoice(&billing("in1"))
            .await
            .unwrap()
            .created
    );
    let inv = &fake.moves_by_ref("in1")[0];
    assert_eq!(
        (inv.move_type.as_str(), inv.state.as_str(), inv.amount_total),
        ("out_invoice", "posted", dec("35"))
    );
    assert_eq!(inv.invoice_origin.as_deref(), Some("sub1"));
    let accounts: Vec<_> = inv
        .lines
        .iter()
        .map(|l| (l.account_code.as_deref(), l.credit - l.debit))
        .collect();
    assert_eq!(
        &accounts[..3],
        [
            (Some("241000"), dec("30")),
            (Some("241000"), dec("-5")),
            (Some("400000"), dec("10")),
        ]
    );

    // Paid in part, then written off: an out_refund of the 25.00 still open on bad debts.
    odoo.post_payment(&Payment {
        external_ref: "p1".into(),
        invoice_ref: "in1".into(),
        direction: PaymentDirection::Received,
        gateway: stripe(),
        transaction_id: "ch_1".into(),
        amount: Money::new(1000, usd()),
        fee: None,
        date: day(2),
    })
    .await
    .unwrap();
    let write_off = erp::WriteOff {
        external_ref: "in1/uncollectible".into(),
        invoice_ref: "in1".into(),
        date: day(20),
        reason: "uncollectible".into(),
    };
    let w = odoo.write_off(&write_off).await.unwrap();
    assert_eq!((w.document.kind, w.created), (DocumentKind::WriteOff, true));
    assert!(!odoo.write_off(&write_off).await.unwrap().created);
    let refund = &fake.moves_by_ref("in1/uncollectible")[0];
    assert_eq!(
        (
            refund.move_type.as_str(),
            refund.reversed_entry_id,
            refund.amount_total
        ),
        ("out_refund", Some(inv.id), dec("25"))
    );
    assert_eq!(refund.lines[0].account_code.as_deref(), Some("630000"));
    // Paid after all: the write-off's refund is cancelled, once.
    let reversal = erp::WriteOffReversal {
        external_ref: "in1/uncollectible/reversed".into(),
        write_off_ref: "in1/uncollectible".into(),
        date: day(25),
        reason: "paid after all".into(),
    };
    assert!(odoo.reverse_write_off(&reversal).await.unwrap().created);
    assert_eq!(fake.moves_by_ref("in1/uncollectible")[0].state, "cancel");
    assert!(!odoo.reverse_write_off(&reversal).await.unwrap().created);
    // The partly paid invoice cannot be voided.
    let void = |r: &str, inv: &str| erp::InvoiceVoid {
        external_ref: r.into(),
        invoice_ref: inv.into(),
        date: day(20),
        reason: "voided".into(),
    };
    let err = odoo
        .void_invoice(&void("in1/void", "in1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("partial")),
        "{err}"
    );

    // An unpaid one is cancelled, once.
    odoo.create_billing_invoice(&billing("in2")).await.unwrap();
    let v = odoo.void_invoice(&void("in2/void", "in2")).await.unwrap();
    assert_eq!((v.document.kind, v.created), (DocumentKind::Void, true));
    assert_eq!(fake.moves_by_ref("in2")[0].state, "cancel");
    assert!(
        !odoo
            .void_invoice(&void("in2/void", "in2"))
            .await
            .unwrap()
            .created
    );
    let open: Vec<_> = odoo
        .open_receivables()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.invoice.external_ref)
        .collect();
    assert!(!open.contains(&"in2".to_owned()), "{open:?}");
}

/// `button_draft` and `button_cancel` move an entry between states as Odoo does, and refuse
/// the others with Odoo's messages.
#[tokio::test]
async fn moves_are_reset_to_draft_and_cancelled_as_odoo_does() {
    let (running, _, _) = start().await;
    let c = client(&running, RetryConfig::disabled());
    let fake = &running.fake;
    let bank = fake.account_id("101401").unwrap();
    let sales = fake.account_id("400000").unwrap();
    let vals = json!({"vals_list": [{"move_type": "entry", "ref": "e1", "date": "2026-11-04", "line_ids": [
        [0, 0, {"account_id": bank, "debit": 10, "credit": 0}],
        [0, 0, {"account_id": sales, "debit": 0, "credit": 10}],
    ]}]});
    let id = raw(&c, "account.move", "create", vals).await.unwrap()[0]
        .as_i64()
        .unwrap();
    let ids = json!({"ids": [id]});
    let refused = |err: Error, message: &str| {
        assert!(
            matches!(&err, Error::Api { status: 422, body } if body.message == message),
            "{err:?}"
        );
    };
    // A draft cannot be reset to draft.
    let err = raw(&c, "account.move", "button_draft", ids.clone())
        .await
        .unwrap_err();
    refused(
        err,
        "Only posted/cancelled journal entries can be reset to draft.",
    );
    raw(&c, "account.move", "action_post", ids.clone())
        .await
        .unwrap();
    assert_eq!(
        raw(&c, "account.move", "button_draft", ids.clone())
            .await
            .unwrap(),
        Value::Null
    );
    assert_eq!(fake.get_move(id).unwrap().state, "draft");
    // Posted again, then cancelled straight away (reset to draft on the way).
    raw(&c, "account.move", "action_post", ids.clone())
        .await
        .unwrap();
    raw(&c, "account.move", "button_cancel", ids.clone())
        .await
        .unwrap();
    assert_eq!(fake.get_move(id).unwrap().state, "cancel");
    let err = raw(&c, "account.move", "button_cancel", ids.clone())
        .await
        .unwrap_err();
    refused(err, "Only draft journal entries can be cancelled.");
    // A cancelled move goes back to draft; a missing one is an error.
    raw(&c, "account.move", "button_draft", ids.clone())
        .await
        .unwrap();
    assert_eq!(fake.get_move(id).unwrap().state, "draft");
    let err = raw(
        &c,
        "account.move",
        "button_cancel",
        json!({"ids": [99_999]}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
}

/// A call cut between `create` and `action_post` leaves a draft entry; the next call with the
/// same reference posts it instead of leaving it out of the books.
#[tokio::test]
async fn a_draft_left_by_a_cut_call_is_posted_by_the_next() {
    let (running, odoo, _) = start().await;
    let fake = &running.fake;
    let c = client(&running, RetryConfig::disabled());
    let clearing = fake.account_id("101410").unwrap();
    let fees = fake.account_id("620000").unwrap();
    raw(
        &c,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "je-cut",
            "line_ids": [
                [0, 0, {"account_id": fees, "name": "fee", "debit": 1, "credit": 0}],
                [0, 0, {"account_id": clearing, "name": "fee", "debit": 0, "credit": 1}],
            ],
        }]}),
    )
    .await
    .unwrap();
    assert_eq!(fake.moves_by_ref("je-cut")[0].state, "draft");
    let rec = odoo
        .post_journal_entry(&entry("je-cut", 100, 100))
        .await
        .unwrap();
    assert!(!rec.created);
    let moves = fake.moves_by_ref("je-cut");
    assert_eq!(moves.len(), 1, "not created twice");
    assert_eq!(moves[0].state, "posted");
}

//! Sales orders, invoices, payments, credit memos, journal entries and disputes.

use std::str::FromStr;

use erp::{
    Account, CreditMemo, Dispute, DisputeStage, DocumentKind, Erp, Error, Gateway, JournalEntry,
    JournalLine, LineItem, Money, PaymentDirection, Recorded, SalesOrder, Side,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{erp, expect_call, failures, ok};
use crate::{day, invoice, payment, usd};

fn num(s: &str) -> Value {
    Value::Number(serde_json::Number::from_str(s).unwrap())
}

fn search(domain: Value) -> Value {
    json!({"domain": domain, "limit": 1})
}

/// Expects the same call twice, answering `first` then `second`.
async fn expect_twice(
    server: &MockServer,
    model: &str,
    m: &str,
    body: Value,
    first: Value,
    second: Value,
) {
    Mock::given(method("POST"))
        .and(path(format!("/json/2/{model}/{m}")))
        .and(wiremock::matchers::body_json(body.clone()))
        .respond_with(ok(first))
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    expect_call(server, model, m, body, ok(second)).await;
}

async fn lenient(server: &MockServer, model: &str, m: &str, answer: Value) {
    Mock::given(method("POST"))
        .and(path(format!("/json/2/{model}/{m}")))
        .respond_with(ok(answer))
        .mount(server)
        .await;
}

fn order() -> SalesOrder {
    SalesOrder {
        external_ref: "so1".into(),
        customer_ref: "c1".into(),
        order_date: day(1),
        currency: usd(),
        lines: vec![LineItem {
            sku: "TEE-1".into(),
            description: "T-shirt".into(),
            quantity: 2,
            unit_price: Money::new(1500, usd()),
        }],
        tax: Money::zero(usd()),
        shipping: Money::zero(usd()),
    }
}

fn memo() -> CreditMemo {
    CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(1500, usd()),
        reason: "Returned T-shirt".into(),
    }
}

fn entry() -> JournalEntry {
    let stripe = Gateway::new("stripe").unwrap();
    JournalEntry {
        external_ref: "je1".into(),
        date: day(4),
        memo: "Stripe payout po_1".into(),
        lines: vec![
            JournalLine {
                account: Account::Bank,
                side: Side::Debit,
                amount: Money::new(10050, usd()),
                label: None,
            },
            JournalLine {
                account: Account::Clearing(stripe),
                side: Side::Credit,
                amount: Money::new(10050, usd()),
                label: Some("po_1".into()),
            },
        ],
    }
}

fn dispute(stage: DisputeStage) -> Dispute {
    Dispute {
        external_ref: "dp1/opened".into(),
        payment_ref: Some("p1".into()),
        gateway: Gateway::new("stripe").unwrap(),
        dispute_id: "dp_1".into(),
        stage,
        amount: Money::new(3740, usd()),
        fee: Some(Money::new(1500, usd())),
        reason: "fraudulent".into(),
        date: day(5),
    }
}

#[tokio::test]
async fn sales_order_is_created_then_confirmed() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "sale.order",
        "search",
        search(json!([["client_order_ref", "=", "so1"]])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "search",
        search(json!([["ref", "=", "c1"]])),
        ok(json!([42])),
    )
    .await;
    expect_call(
        &server,
        "product.product",
        "search",
        search(json!([["default_code", "=", "TEE-1"]])),
        ok(json!([9])),
    )
    .await;
    expect_call(
        &server,
        "sale.order",
        "create",
        json!({"vals_list": [{
            "partner_id": 42,
            "client_order_ref": "so1",
            "date_order": "2026-11-01 00:00:00",
            "order_line": [[0, 0, {"product_id": 9, "name": "T-shirt", "product_uom_qty": 2, "price_unit": 15}]],
        }]}),
        ok(json!([100])),
    )
    .await;
    expect_call(
        &server,
        "sale.order",
        "action_confirm",
        json!({"ids": [100]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server).create_sales_order(&order()).await.unwrap();
    assert_eq!(
        (rec.created, rec.document.kind, rec.document.id.0.as_str()),
        (true, DocumentKind::SalesOrder, "100")
    );
}

#[tokio::test]
async fn unknown_customer_or_product_is_not_found() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "sale.order",
        "search",
        search(json!([["client_order_ref", "=", "so1"]])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "search",
        search(json!([["ref", "=", "c1"]])),
        ok(json!([])),
    )
    .await;
    let err = erp(&server).create_sales_order(&order()).await.unwrap_err();
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
}

#[tokio::test]
async fn invoice_is_created_with_tax_and_shipping_lines_then_posted() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "out_invoice"],
            ["ref", "=", "inv1"]
        ])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "res.partner",
        "search",
        search(json!([["ref", "=", "c1"]])),
        ok(json!([42])),
    )
    .await;
    expect_call(
        &server,
        "res.currency",
        "search",
        search(json!([["name", "=", "USD"]])),
        ok(json!([1])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "251000"]])),
        ok(json!([31])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "400100"]])),
        ok(json!([32])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "out_invoice",
            "partner_id": 42,
            "ref": "inv1",
            "invoice_date": "2026-11-01",
            "invoice_date_due": "2026-11-15",
            "currency_id": 1,
            "invoice_origin": "so1",
            "invoice_line_ids": [
                [0, 0, {"name": "[TEE-1] T-shirt", "quantity": 2, "price_unit": 15, "tax_ids": [[6, 0, []]]}],
                [0, 0, {"name": "Tax", "quantity": 1, "price_unit": num("2.4"), "account_id": 31, "tax_ids": [[6, 0, []]]}],
                [0, 0, {"name": "Shipping", "quantity": 1, "price_unit": 5, "account_id": 32, "tax_ids": [[6, 0, []]]}],
            ],
        }]}),
        ok(json!([200])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [200]}),
        ok(json!(false)),
    )
    .await;
    let mut inv = invoice("inv1", "c1");
    inv.sales_order_ref = Some("so1".into());
    let rec = erp(&server).create_invoice(&inv).await.unwrap();
    assert_eq!((rec.created, rec.document.id.0.as_str()), (true, "200"));
}

#[tokio::test]
async fn received_payment_goes_through_the_register_wizard_and_books_the_fee() {
    let server = MockServer::start().await;
    let by_memo = search(json!([["memo", "=", "p1"]]));
    expect_twice(
        &server,
        "account.payment",
        "search",
        by_memo,
        json!([]),
        json!([300]),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "out_invoice"],
            ["ref", "=", "inv1"]
        ])),
        ok(json!([200])),
    )
    .await;
    let context = json!({"active_model": "account.move", "active_ids": [200]});
    expect_call(
        &server,
        "account.payment.register",
        "create",
        json!({"context": context, "vals_list": [{"amount": num("37.4"), "journal_id": 7, "payment_date": "2026-11-02", "communication": "p1"}]}),
        ok(json!([5])),
    )
    .await;
    expect_call(
        &server,
        "account.payment.register",
        "action_create_payments",
        json!({"ids": [5], "context": context}),
        ok(json!({"type": "ir.actions.act_window_close"})),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([["move_type", "=", "entry"], ["ref", "=", "p1/fee"]])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "620000"]])),
        ok(json!([40])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "101402"]])),
        ok(json!([41])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "p1/fee",
            "date": "2026-11-02",
            "line_ids": [
                [0, 0, {"account_id": 40, "name": "stripe fee txn-p1", "debit": num("1.39"), "credit": 0}],
                [0, 0, {"account_id": 41, "name": "stripe fee txn-p1", "debit": 0, "credit": num("1.39")}],
            ],
        }]}),
        ok(json!([400])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [400]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server)
        .post_payment(&payment("p1", "inv1", 3740, 139))
        .await
        .unwrap();
    assert_eq!(
        (rec.created, rec.document.kind, rec.document.id.0.as_str()),
        (true, DocumentKind::Payment, "300")
    );
}

#[tokio::test]
async fn refund_payment_is_an_outbound_customer_payment() {
    let server = MockServer::start().await;
    let by_memo = search(json!([["memo", "=", "r1"]]));
    expect_twice(
        &server,
        "account.payment",
        "search",
        by_memo,
        json!([]),
        json!([301]),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "out_invoice"],
            ["ref", "=", "inv1"]
        ])),
        ok(json!([200])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "read",
        json!({"ids": [200], "fields": ["partner_id"]}),
        ok(json!([{"id": 200, "partner_id": [42, "Ada Lovelace"]}])),
    )
    .await;
    expect_call(
        &server,
        "res.currency",
        "search",
        search(json!([["name", "=", "USD"]])),
        ok(json!([1])),
    )
    .await;
    expect_call(
        &server,
        "account.payment",
        "create",
        json!({"vals_list": [{
            "payment_type": "outbound",
            "partner_type": "customer",
            "partner_id": 42,
            "amount": 15,
            "currency_id": 1,
            "journal_id": 7,
            "date": "2026-11-02",
            "memo": "r1",
            "payment_reference": "txn-r1",
        }]}),
        ok(json!([301])),
    )
    .await;
    expect_call(
        &server,
        "account.payment",
        "action_post",
        json!({"ids": [301]}),
        ok(json!(true)),
    )
    .await;
    let mut refund = payment("r1", "inv1", 1500, 0);
    refund.direction = PaymentDirection::Refunded;
    let rec = erp(&server).post_payment(&refund).await.unwrap();
    assert_eq!(rec.document.id.0, "301");
}

#[tokio::test]
async fn credit_memo_is_an_out_refund_reversing_the_invoice() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "out_refund"],
            ["ref", "=", "cm1"]
        ])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "out_invoice"],
            ["ref", "=", "inv1"]
        ])),
        ok(json!([200])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "read",
        json!({"ids": [200], "fields": ["partner_id"]}),
        ok(json!([{"id": 200, "partner_id": [42, "Ada Lovelace"]}])),
    )
    .await;
    expect_call(
        &server,
        "res.currency",
        "search",
        search(json!([["name", "=", "USD"]])),
        ok(json!([1])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "400900"]])),
        ok(json!([33])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "out_refund",
            "partner_id": 42,
            "ref": "cm1",
            "invoice_date": "2026-11-03",
            "reversed_entry_id": 200,
            "currency_id": 1,
            "invoice_line_ids": [[0, 0, {"name": "Returned T-shirt", "quantity": 1, "price_unit": 15, "account_id": 33, "tax_ids": [[6, 0, []]]}]],
        }]}),
        ok(json!([210])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [210]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server).create_credit_memo(&memo()).await.unwrap();
    assert_eq!(
        (rec.document.kind, rec.document.id.0.as_str()),
        (DocumentKind::CreditMemo, "210")
    );
}

#[tokio::test]
async fn journal_entry_is_an_entry_move_with_debit_and_credit_lines() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([["move_type", "=", "entry"], ["ref", "=", "je1"]])),
        ok(json!([])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "101401"]])),
        ok(json!([50])),
    )
    .await;
    expect_call(
        &server,
        "account.account",
        "search",
        search(json!([["code", "=", "101402"]])),
        ok(json!([41])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "je1",
            "date": "2026-11-04",
            "line_ids": [
                [0, 0, {"account_id": 50, "name": "Stripe payout po_1", "debit": num("100.5"), "credit": 0}],
                [0, 0, {"account_id": 41, "name": "po_1", "debit": 0, "credit": num("100.5")}],
            ],
        }]}),
        ok(json!([220])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [220]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server).post_journal_entry(&entry()).await.unwrap();
    assert_eq!(rec.document.id.0, "220");
}

#[tokio::test]
async fn unbalanced_entry_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let mut e = entry();
    e.lines[1].amount = Money::new(10049, usd());
    let err = erp(&server).post_journal_entry(&e).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unbalanced {
                debits: 10050,
                credits: 10049,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn opened_dispute_holds_the_amount_and_spends_the_fee() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "account.move",
        "search",
        search(json!([
            ["move_type", "=", "entry"],
            ["ref", "=", "dp1/opened"]
        ])),
        ok(json!([])),
    )
    .await;
    for (code, id) in [("101500", 70), ("620100", 60), ("101402", 41)] {
        expect_call(
            &server,
            "account.account",
            "search",
            search(json!([["code", "=", code]])),
            ok(json!([id])),
        )
        .await;
    }
    let label = "Dispute dp_1 (stripe): fraudulent";
    expect_call(
        &server,
        "account.move",
        "create",
        json!({"vals_list": [{
            "move_type": "entry",
            "ref": "dp1/opened",
            "date": "2026-11-05",
            "line_ids": [
                [0, 0, {"account_id": 70, "name": label, "debit": num("37.4"), "credit": 0}],
                [0, 0, {"account_id": 60, "name": label, "debit": num("15"), "credit": 0}],
                [0, 0, {"account_id": 41, "name": label, "debit": 0, "credit": num("52.4")}],
            ],
        }]}),
        ok(json!([230])),
    )
    .await;
    expect_call(
        &server,
        "account.move",
        "action_post",
        json!({"ids": [230]}),
        ok(json!(true)),
    )
    .await;
    let rec = erp(&server)
        .record_dispute(&dispute(DisputeStage::Opened))
        .await
        .unwrap();
    assert_eq!(
        (rec.document.kind, rec.document.id.0.as_str()),
        (DocumentKind::Dispute, "230")
    );
    // A loss moves no fee: one that claims to is refused before any call.
    let err = erp(&server)
        .record_dispute(&dispute(DisputeStage::Lost))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDocument(m) if m.contains("fee")),
        "{err:?}"
    );
}

/// The first lookup of each family, answering an existing id.
/// A create of `family` whose reference exists already (record 77, in `state`: a draft is
/// expected to be posted).
async fn replay(family: &str, state: &str) -> Result<Recorded, Error> {
    let server = MockServer::start().await;
    let odoo = erp(&server);
    let existing = |model: &'static str, domain: Value| {
        let server = &server;
        async move {
            expect_call(server, model, "search", search(domain), ok(json!([77]))).await;
            if model == "sale.order" {
                return;
            }
            expect_call(
                server,
                model,
                "read",
                json!({"ids": [77], "fields": ["state"]}),
                ok(json!([{"id": 77, "state": state}])),
            )
            .await;
            if state == "draft" {
                expect_call(
                    server,
                    model,
                    "action_post",
                    json!({"ids": [77]}),
                    ok(json!(false)),
                )
                .await;
            }
        }
    };
    match family {
        "sales_order" => {
            existing("sale.order", json!([["client_order_ref", "=", "so1"]])).await;
            odoo.create_sales_order(&order()).await
        }
        "invoice" => {
            existing(
                "account.move",
                json!([["move_type", "=", "out_invoice"], ["ref", "=", "inv1"]]),
            )
            .await;
            odoo.create_invoice(&invoice("inv1", "c1")).await
        }
        "payment" => {
            existing("account.payment", json!([["memo", "=", "p1"]])).await;
            odoo.post_payment(&payment("p1", "inv1", 3740, 0)).await
        }
        "credit_memo" => {
            existing(
                "account.move",
                json!([["move_type", "=", "out_refund"], ["ref", "=", "cm1"]]),
            )
            .await;
            odoo.create_credit_memo(&memo()).await
        }
        "journal_entry" => {
            existing(
                "account.move",
                json!([["move_type", "=", "entry"], ["ref", "=", "je1"]]),
            )
            .await;
            odoo.post_journal_entry(&entry()).await
        }
        "dispute" => {
            existing(
                "account.move",
                json!([["move_type", "=", "entry"], ["ref", "=", "dp1/opened"]]),
            )
            .await;
            odoo.record_dispute(&dispute(DisputeStage::Opened)).await
        }
        _ => unreachable!(),
    }
}

const FAMILIES: [&str; 6] = [
    "sales_order",
    "invoice",
    "payment",
    "credit_memo",
    "journal_entry",
    "dispute",
];

#[tokio::test]
async fn every_create_returns_the_existing_document_for_a_known_reference() {
    for family in FAMILIES {
        let rec = replay(family, "posted").await.unwrap();
        assert!(!rec.created, "{family}");
        assert_eq!(rec.document.id.0, "77", "{family}");
    }
}

/// A call cut between `create` and `action_post` leaves a draft: the next call with the same
/// reference posts it (each mock expects its call once), so the document reaches the books.
#[tokio::test]
async fn a_document_left_in_draft_by_a_cut_call_is_posted_when_found_again() {
    for family in FAMILIES.iter().filter(|f| **f != "sales_order") {
        let rec = replay(family, "draft").await.unwrap();
        assert!(!rec.created, "{family}");
        assert_eq!(rec.document.id.0, "77", "{family}");
    }
}

/// Mounts what each family reads before it writes, and runs it; the create is what fails.
async fn run_failing(
    family: &str,
    server: &MockServer,
    response: ResponseTemplate,
) -> Result<Recorded, Error> {
    for (model, m, answer) in [
        ("sale.order", "search", json!([])),
        ("res.partner", "search", json!([42])),
        ("product.product", "search", json!([9])),
        ("res.currency", "search", json!([1])),
        ("account.account", "search", json!([31])),
        ("account.payment", "search", json!([])),
        (
            "account.move",
            "read",
            json!([{"id": 200, "partner_id": [42, "Ada"]}]),
        ),
    ] {
        lenient(server, model, m, answer).await;
    }
    // Existing-document lookups find nothing; the invoice lookup of payments and memos finds 200.
    Mock::given(method("POST"))
        .and(path("/json/2/account.move/search"))
        .and(wiremock::matchers::body_string_contains("out_invoice"))
        .and(wiremock::matchers::body_string_contains("inv1"))
        .respond_with(ok(json!(if matches!(family, "payment" | "credit_memo") {
            json!([200])
        } else {
            json!([])
        })))
        .mount(server)
        .await;
    lenient(server, "account.move", "search", json!([])).await;
    let create = match family {
        "sales_order" => "/json/2/sale.order/create",
        "payment" => "/json/2/account.payment.register/create",
        _ => "/json/2/account.move/create",
    };
    Mock::given(method("POST"))
        .and(path(create))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
    let odoo = erp(server);
    match family {
        "sales_order" => odoo.create_sales_order(&order()).await,
        "invoice" => odoo.create_invoice(&invoice("inv1", "c1")).await,
        "payment" => odoo.post_payment(&payment("p1", "inv1", 3740, 0)).await,
        "credit_memo" => odoo.create_credit_memo(&memo()).await,
        "journal_entry" => odoo.post_journal_entry(&entry()).await,
        "dispute" => odoo.record_dispute(&dispute(DisputeStage::Opened)).await,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_family_maps_each_failure_shape_to_a_typed_error() {
    for family in FAMILIES {
        for (name, response, check) in failures() {
            let server = MockServer::start().await;
            let err = run_failing(family, &server, response).await.unwrap_err();
            assert!(check(&err), "{family} / {name}: {err:?}");
        }
    }
}

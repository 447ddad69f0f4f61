//! The offline stack with its store and its ledger on PostgreSQL (a `postgres://` URL as
//! `PAYOPS_STORE` and `PAYOPS_LEDGER` would give it), on a throwaway cluster from `pg-testkit`: Shopify orders, one webhook delivered twice,
//! PayTrace answering 429 for a while; afterwards every order is charged once, marked paid with
//! that charge, booked once in the ledger, and the runtime's records and the ledger's documents
//! are in the database.
//!
//! Without PostgreSQL installed the cluster does not start and the test fails (it never skips).

use std::collections::HashMap;
use std::time::Duration;

use erp::Erp;
use examples::{OfflineStack, StackOptions};
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::paytrace::{Address, TransactionKind};
use sandbox::shopify::NewOrder;
use sandbox::{Fault, FaultRule, Trigger};

const ORDERS: i64 = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_paytrace_on_postgres_charges_each_order_once_and_books_it_once() {
    let cluster = pg_testkit::shared();
    let url = cluster.fresh_database().unwrap();
    // The store and the ledger share one database, as a deployment of several machines would.
    let stack = OfflineStack::start(StackOptions {
        store: Some(url.clone()),
        ledger: Some(url.clone()),
        ..StackOptions::default()
    })
    .await
    .unwrap();
    let billing = Address {
        name: Some("Pg".to_owned()),
        zip: Some("98101".to_owned()),
        ..Address::default()
    };
    stack
        .paytrace
        .fake
        .seed_customer("pg-customer", "4111111111111111", 12, 2030, billing);
    stack.faults.add(
        FaultRule::new("paytrace", Fault::too_many_requests(1), Trigger::Count(3))
            .path("/v1/transactions/sale"),
    );
    stack.shopify.fake.webhooks().duplicate_next(3);

    let mut orders = HashMap::new();
    for i in 0..ORDERS {
        let cents = 1000 + i * 137;
        let order = NewOrder::simple(&format!("pg{i}@example.com"), Decimal::new(cents, 2))
            .note_attribute(ATTR_VAULT_CUSTOMER, "pg-customer");
        let body = stack.shopify.fake.create_order(order);
        let id = body["id"].as_u64().unwrap();
        orders.insert(id, cents);
    }
    assert!(
        stack.settle(Duration::from_secs(60)).await.unwrap(),
        "not idle: {:?}",
        stack.store.counts().await.unwrap()
    );

    // The runtime's store: nothing left, nothing dead, and its records in PostgreSQL.
    let counts = stack.store.counts().await.unwrap();
    let dead = stack.store.dead_letters(10).await.unwrap();
    assert_eq!(
        (counts.queued, counts.running, counts.dead),
        (0, 0, 0),
        "{dead:#?}"
    );
    let in_database = cluster
        .psql(
            &url,
            "SELECT count(*) FROM effects WHERE key LIKE '%/erp/payment'",
        )
        .unwrap();
    assert_eq!(in_database.trim(), ORDERS.to_string());
    let invoices = cluster.psql(&url, "SELECT count(*) FROM invoices").unwrap();
    assert_eq!(
        invoices.trim(),
        ORDERS.to_string(),
        "the ledger is in PostgreSQL"
    );

    // PayTrace: one approved sale per order, nothing else.
    let transactions = stack.paytrace.fake.transactions();
    assert_eq!(transactions.len(), orders.len(), "{transactions:#?}");
    assert!(
        transactions
            .iter()
            .all(|t| t.approved && matches!(t.kind, TransactionKind::Sale))
    );
    let shop = stack.shopify.fake.shop_domain().to_owned();
    let mut total = 0;
    for (id, cents) in &orders {
        let order = stack.shopify.fake.order(*id).unwrap();
        let recorded = order
            .metafields
            .iter()
            .find(|m| m.namespace == "payops" && m.key == "transaction_id")
            .unwrap_or_else(|| panic!("order {id} not marked paid"));
        let sale = transactions
            .iter()
            .find(|t| t.id.to_string() == recorded.value)
            .unwrap_or_else(|| panic!("order {id} names no sale of PayTrace"));
        assert_eq!(sale.amount, Decimal::new(*cents, 2), "order {id}");
        assert_eq!(order.transactions.len(), 1, "order {id}");
        // Booked once: the invoice exists, and the totals below count each order once.
        let invoice = format!("shopify/{shop}/order/{id}/invoice");
        assert!(
            stack
                .ledger
                .find_by_external_ref(&invoice)
                .await
                .unwrap()
                .is_some(),
            "order {id} not invoiced"
        );
        total += cents;
    }

    // The books: invoiced and received once per order, balanced.
    stack.ledger.verify_journals().await.unwrap();
    let checks = stack.ledger.receivables_check().await.unwrap();
    assert_eq!(checks.len(), 1, "{checks:#?}");
    let check = &checks[0];
    assert!(check.is_consistent(), "{check:#?}");
    assert_eq!(
        (check.invoiced, check.received, check.ledger_balance),
        (total, total, 0)
    );
    stack.stop().await.unwrap();
}

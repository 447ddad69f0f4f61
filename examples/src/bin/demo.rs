//! Runs the order-to-cash workflows end to end, offline: sandbox fakes of the providers on
//! loopback, the runtime's store and the embedded ledger in a temporary directory, the webhook
//! intake with signature checks, and a worker.
//!
//! Shopify + PayTrace: approved and declined orders, a duplicated webhook delivery and a rate-limited
//! PayTrace API, an order whose `orders/create` Shopify holds back found by the orders backfill
//! (the webhook, delivered late, joins the same job), then refunds after the nightly settlement.
//!
//! Magento + Stripe: orders found by the backfill poller, charged through PaymentIntents, invoiced in
//! Magento on `charge.succeeded` (one delivered twice), a declined card recorded as a failed payment,
//! a refund turned into a Magento credit memo, a shipment with tracking, and a Stripe API answering
//! 500 for a while.
//!
//! It prints what happened and exits 0 only when every effect is accounted for: each approved order
//! paid with exactly one charge and invoiced in the store and the ERP, each declined order told, each
//! refund paid back and credited, no dead letters, and a balanced ledger.
//!
//! While it runs, the operations console is served on the intake's address (`/console`, behind
//! a token made for the run; both printed at the start, the token only on a terminal) and the
//! worker's notices (declined payments, dead letters, breakers) go to a chat fake. At the end it
//! reads every console page, `/metrics`, the notices and its own logs (JSON lines in a temporary
//! file) and fails when any shows a secret of the stack or a card number. Run on a terminal, it
//! then keeps the console open until Enter is pressed.
//!
//! `PAYOPS_STORE` set to a `postgres://` URL of an empty database runs the runtime's store on
//! PostgreSQL (`PAYOPS_PG_POOL` connections, default 16); `PAYOPS_LEDGER` does the same for the
//! ledger (a `postgres://` URL, or a SQLite file). Unset, both are SQLite files in a temporary
//! directory.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use examples::{BoxError, OfflineStack, StackOptions, find_secrets};
use flows::settlement::{Reconciled, SettlementReport, paytrace_batches, reconcile_period};
use flows::workflows::magento_stripe::PAYMENT_METHOD_KEY;
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::paytrace::Address;
use sandbox::shopify::NewOrder;
use sandbox::{Fault, FaultRule, Trigger};
use secrecy::ExposeSecret;
use shopify::Gid;
use shopify::models::{RefundInput, TransactionInput};

/// Approved orders: (amount, vault customer).
const APPROVED: [(&str, &str); 8] = [
    ("19.99", "demo-ada"),
    ("45.00", "demo-grace"),
    ("120.50", "demo-alan"),
    ("7.25", "demo-ada"),
    ("64.10", "demo-grace"),
    ("33.33", "demo-alan"),
    ("250.00", "demo-ada"),
    ("12.00", "demo-grace"),
];

/// Orders the PayTrace sandbox declines (amounts ending in .02).
const DECLINED: [(&str, &str); 2] = [("10.02", "demo-alan"), ("99.02", "demo-ada")];

/// Magento orders: (sku, price, Stripe test card).
const MAGENTO_ORDERS: [(&str, &str, &str); 5] = [
    ("MUG-1", "14.00", "4242424242424242"),
    ("TEE-2", "25.50", "5555555555554444"),
    ("CAP-3", "18.75", "4242424242424242"),
    ("BAG-4", "60.00", "4242424242424242"),
    ("PEN-5", "3.20", "4000000000000002"),
];

/// The one Magento order whose card Stripe declines.
const MAGENTO_DECLINED: usize = 4;

#[tokio::main]
async fn main() -> ExitCode {
    examples::checked_exit_code("demo", run().await)
}

fn dec(text: &str) -> Result<Decimal, BoxError> {
    Ok(text.parse::<Decimal>()?)
}

struct Check {
    failures: Vec<String>,
}

impl Check {
    fn expect(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.failures.push(what.into());
        }
    }
}

async fn run() -> Result<bool, BoxError> {
    // The run's logs, as a collector would get them: scanned for secrets at the end.
    let logs = tempfile::tempdir()?;
    let log_path = logs.path().join("demo.jsonl");
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(Mutex::new(std::fs::File::create(&log_path)?))
        .try_init()
        .map_err(|e| e.to_string())?;

    let stack = OfflineStack::start(StackOptions::default().from_env()).await?;
    println!(
        "sandbox up: PayTrace {}  Shopify {}  intake {}",
        stack.paytrace.base_url(),
        stack.shopify.base_url(),
        stack.intake_url
    );
    let token = if std::io::stdout().is_terminal() {
        stack.console_token.expose_secret().to_owned()
    } else {
        "(shown on a terminal only)".to_owned()
    };
    println!("operations console: {}  token {token}", stack.console_url);

    for customer in ["demo-ada", "demo-grace", "demo-alan"] {
        let billing = Address {
            name: Some(customer.to_owned()),
            zip: Some("98101".to_owned()),
            ..Address::default()
        };
        stack
            .paytrace
            .fake
            .seed_customer(customer, "4111111111111111", 12, 2030, billing);
    }

    // A rate-limited API and a duplicated delivery, as production sees them.
    let throttled = stack.faults.add(
        FaultRule::new("paytrace", Fault::too_many_requests(1), Trigger::Count(2))
            .path("/v1/transactions/sale"),
    );
    stack.shopify.fake.webhooks().duplicate_next(1);

    let mut approved = Vec::new();
    let mut declined = Vec::new();
    for (i, (amount, customer)) in APPROVED.iter().chain(DECLINED.iter()).enumerate() {
        let order = NewOrder::simple(&format!("buyer{i}@example.com"), dec(amount)?)
            .note_attribute(ATTR_VAULT_CUSTOMER, customer);
        let body = stack.shopify.fake.create_order(order);
        let id = body
            .get("id")
            .and_then(serde_json::Value::as_u64)
            .ok_or("order without id")?;
        let number = body
            .get("order_number")
            .and_then(serde_json::Value::as_u64)
            .ok_or("order without number")?;
        if i < APPROVED.len() {
            approved.push((id, number))
        } else {
            declined.push((id, number))
        }
    }
    let settled = stack.settle(Duration::from_secs(60)).await?;
    println!(
        "orders processed: {} approved, {} declined (settled: {settled})",
        approved.len(),
        declined.len()
    );

    // An order whose `orders/create` does not come (held back by the fake, as in an outage past
    // Shopify's retries): the orders backfill finds it and starts its payment; the webhook,
    // delivered late, finds the same job.
    stack.shopify.fake.webhooks().reorder_next(1);
    let body = stack.shopify.fake.create_order(
        NewOrder::simple("buyer-missed@example.com", dec("58.20")?)
            .note_attribute(ATTR_VAULT_CUSTOMER, "demo-grace"),
    );
    let missed = (
        body.get("id")
            .and_then(serde_json::Value::as_u64)
            .ok_or("order without id")?,
        body.get("order_number")
            .and_then(serde_json::Value::as_u64)
            .ok_or("order without number")?,
    );
    approved.push(missed);
    let backfilled = stack
        .shopify_order_poller()
        .poll_once()
        .await
        .map_err(|e| e.to_string())?;
    stack.shopify.fake.webhooks().flush_held();
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;
    println!(
        "Shopify orders polled: {} to charge, {} without their webhook (settled: {settled})",
        backfilled.found, backfilled.new
    );

    // The nightly batch closes; then the merchant refunds two orders in Shopify.
    let batch = stack.paytrace.fake.settle_now();
    println!("PayTrace batch closed: {batch:?}");
    let shopify = stack.shopify_client()?;
    let refunds = [(approved[0], "19.99"), (approved[1], "15.00")];
    for ((order_id, _), amount) in refunds {
        let order_gid = Gid::new("Order", order_id);
        let order = shopify
            .orders()
            .get(&order_gid)
            .await?
            .ok_or("refunded order not found")?;
        let parent = order
            .transactions
            .first()
            .ok_or("paid order without transaction")?;
        let mut input = RefundInput::new(order_gid.clone());
        input.transactions.push(TransactionInput::refund(
            order_gid,
            parent.id.clone(),
            dec(amount)?,
            "manual",
        ));
        shopify
            .refunds()
            .create(&input, &format!("demo/order/{order_id}/refund"))
            .await?;
    }
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;

    // Magento + Stripe: the poller finds the orders; Stripe answers 500 twice on the way; one
    // charge.succeeded is delivered twice.
    let stripe_errors = stack.faults.add(
        FaultRule::new("stripe", Fault::status(500), Trigger::Count(2))
            .path("/v1/payment_intents")
            .method("POST"),
    );
    stack.stripe.fake.webhooks().duplicate_next(1);
    let mut magento_orders = Vec::new();
    for (i, (sku, price, card)) in MAGENTO_ORDERS.iter().enumerate() {
        let payment_method = stack
            .stripe
            .fake
            .payment_method_for_card(card)
            .ok_or("unknown test card")?;
        let order = sandbox::magento::NewOrder::new(format!("shopper{i}@example.com"))
            .item(*sku, 1, dec(price)?)
            .payment(
                "stripe",
                vec![(PAYMENT_METHOD_KEY.to_owned(), payment_method)],
            );
        magento_orders.push(stack.magento.fake.create_order(order));
    }
    let found = stack
        .magento_poller()
        .poll_once()
        .await
        .map_err(|e| e.to_string())?;
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;
    println!("Magento orders polled: {found} (settled: {settled})");

    // The merchant refunds the first order at Stripe; the warehouse ships the second.
    let stripe = stack.stripe_client()?;
    let refunded_charge =
        charge_of(&stack, magento_orders[0]).ok_or("first Magento order has no charge")?;
    let refund = stripe_client::CreateRefund {
        charge: Some(refunded_charge),
        ..Default::default()
    };
    stripe.refunds().create(&refund).await?;
    // The warehouse got each paid order's fulfilment request; its signed shipment notice comes
    // back through the intake and becomes the Magento shipment with its track.
    stack
        .warehouse
        .fake
        .ship(&magento_orders[1].to_string(), "1Z999AA10123456784", "ups")
        .ok_or("the warehouse has no fulfilment request of the second Magento order")?;
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;

    // The customer of the shipped order disputes it as never received: the withdrawal is held in
    // the books, the order is told, and the evidence (the parcel's tracking among it) is staged
    // in Stripe for a person to submit.
    let disputed_charge =
        charge_of(&stack, magento_orders[1]).ok_or("second Magento order has no charge")?;
    let dispute_id = stack
        .stripe
        .fake
        .create_dispute(&disputed_charge, "product_not_received")
        .ok_or("the shipped order's charge could not be disputed")?;
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;
    let dispute = stripe.disputes().retrieve(&dispute_id).await?;

    // What happened, checked against every system.
    let mut check = Check {
        failures: Vec::new(),
    };
    check.expect(settled, "the queue did not drain within 60 s");
    for (id, number) in &approved {
        let order = stack
            .shopify
            .fake
            .order(*id)
            .ok_or("approved order vanished")?;
        let sales: Vec<_> = stack
            .paytrace
            .fake
            .transactions_by_invoice(&number.to_string())
            .into_iter()
            .filter(|t| t.kind == sandbox::paytrace::TransactionKind::Sale && t.approved)
            .collect();
        check.expect(
            sales.len() == 1,
            format!(
                "order #{number}: {} approved PayTrace sales, expected 1",
                sales.len()
            ),
        );
        let paid = matches!(
            order.financial_status(),
            sandbox::shopify::FinancialStatus::Paid
                | sandbox::shopify::FinancialStatus::PartiallyRefunded
                | sandbox::shopify::FinancialStatus::Refunded
        );
        check.expect(paid, format!("order #{number} is not paid in Shopify"));
        let has_txn_metafield = order
            .metafields
            .iter()
            .any(|m| m.key == mapping::shopify::METAFIELD_TRANSACTION_ID);
        check.expect(
            has_txn_metafield,
            format!("order #{number} has no PayTrace transaction metafield"),
        );
    }
    for (id, number) in &declined {
        let order = stack
            .shopify
            .fake
            .order(*id)
            .ok_or("declined order vanished")?;
        check.expect(
            order.tags.iter().any(|t| t == "payops-declined"),
            format!("order #{number} was not tagged declined"),
        );
    }
    let refund_txns = stack
        .paytrace
        .fake
        .transactions()
        .into_iter()
        .filter(|t| t.refund_of.is_some())
        .count();
    check.expect(
        refund_txns == refunds.len(),
        format!("{refund_txns} PayTrace refunds, expected {}", refunds.len()),
    );
    check.expect(
        stack.faults.fired(throttled) == 2,
        "the 429 fault did not fire twice",
    );
    check.expect(
        backfilled.new == 1,
        format!(
            "the orders backfill started {} orders, expected the 1 whose webhook was held back",
            backfilled.new
        ),
    );

    for (i, id) in magento_orders.iter().enumerate() {
        let order = stack
            .magento
            .fake
            .order(*id)
            .ok_or("Magento order vanished")?;
        let charges = stack
            .stripe
            .fake
            .ids("charge")
            .iter()
            .filter(|c| charge_order(&stack, c) == Some(*id))
            .count();
        if i == MAGENTO_DECLINED {
            check.expect(
                order.status == "payment_failed",
                format!(
                    "Magento order {} status {}, expected payment_failed",
                    order.increment_id, order.status
                ),
            );
            check.expect(
                stack.magento.fake.invoices_of(*id).is_empty(),
                format!("declined Magento order {} was invoiced", order.increment_id),
            );
        } else {
            check.expect(
                charges == 1,
                format!(
                    "Magento order {}: {charges} Stripe charges, expected 1",
                    order.increment_id
                ),
            );
            let invoices = stack.magento.fake.invoices_of(*id).len();
            check.expect(
                invoices == 1,
                format!(
                    "Magento order {}: {invoices} invoices, expected 1",
                    order.increment_id
                ),
            );
            let requests = stack
                .warehouse
                .fake
                .received()
                .iter()
                .filter(|r| r.body["order"]["id"].as_str() == Some(id.to_string().as_str()))
                .count();
            check.expect(
                requests == 1,
                format!(
                    "Magento order {}: {requests} fulfilment requests, expected 1",
                    order.increment_id
                ),
            );
        }
    }
    let memos = stack.magento.fake.credit_memos_of(magento_orders[0]).len();
    check.expect(
        memos == 1,
        format!("refunded Magento order has {memos} credit memos, expected 1"),
    );
    let shipments = stack.magento.fake.shipments_of(magento_orders[1]).len();
    check.expect(
        shipments == 1,
        format!("shipped Magento order has {shipments} shipments, expected 1"),
    );
    check.expect(
        stack.faults.fired(stripe_errors) == 2,
        "the Stripe 500 fault did not fire twice",
    );
    check.expect(
        dispute.evidence.shipping_tracking_number.as_deref() == Some("1Z999AA10123456784"),
        format!(
            "the dispute's evidence has tracking number {:?}, expected the parcel's",
            dispute.evidence.shipping_tracking_number
        ),
    );
    let held = balance(&stack.ledger.trial_balance().await?, "1300");
    check.expect(
        held == dispute.amount,
        format!(
            "disputed funds hold {held}, the dispute is of {}",
            dispute.amount
        ),
    );

    let counts = stack.store.counts().await?;
    let dead = stack.store.dead_letters(100).await?;
    check.expect(dead.is_empty(), format!("{} dead letters", dead.len()));
    let deliveries = stack.shopify.fake.webhooks().attempts().len()
        + stack.stripe.fake.webhooks().attempts().len();

    // The night's PayTrace batch against the books: each approved sale pairs with its line, the
    // refunds made after the batch closed are in transit, and the batch's journal moves the
    // money from PayTrace's clearing account to the bank.
    let before = stack.ledger.trial_balance().await?;
    let today = time::OffsetDateTime::now_utc().date();
    let account = mapping::paytrace::SettlementCtx {
        account_utc_offset: time::UtcOffset::UTC,
    };
    let batches = paytrace_batches(&stack.paytrace_client()?, today, &account).await?;
    let ctx = mapping::erp::ErpCtx::new(
        mapping::System::Shopify,
        stack.shopify.fake.shop_domain(),
        examples::PAYTRACE_ACCOUNT,
        today,
    );
    let report = reconcile_period(
        &*stack.ledger,
        &ctx,
        mapping::System::Paytrace,
        &batches,
        (today, today),
        7,
    )
    .await?;
    let count = |status| outcomes(&report, status);
    check.expect(
        count(reconcile::Status::Matched) == approved.len(),
        format!(
            "{} settlement lines matched, {} sales approved",
            count(reconcile::Status::Matched),
            approved.len()
        ),
    );
    check.expect(
        !report.reconciliation.has_discrepancies(),
        format!(
            "settlement discrepancies: {:?}",
            report.reconciliation.results
        ),
    );
    // Stripe pays the balance out; its `payout.paid` webhook runs the payout's job, which
    // reconciles the payout's balance transactions against the books and books its journal.
    let payout = stack
        .stripe
        .fake
        .pay_out("usd")
        .ok_or("nothing to pay out")?;
    let settled = stack.settle(Duration::from_secs(60)).await? && settled;
    check.expect(settled, "the payout's job did not finish within 60 s");
    let key = format!(
        "stripe/{}/payout/{payout}/erp/settlement",
        examples::STRIPE_ACCOUNT
    );
    let reconciled: Option<Reconciled> = match stack.store.effect(&key).await? {
        Some(effect) => Some(serde_json::from_value(effect.detail)?),
        None => None,
    };
    check.expect(
        reconciled
            .as_ref()
            .is_some_and(|r| r.discrepancies == 0 && r.journals.len() == 1),
        format!("the payout's reconciliation: {reconciled:?}"),
    );
    let trial = stack.ledger.trial_balance().await?;
    let in_transit: i64 = report
        .reconciliation
        .results
        .iter()
        .filter(|o| o.status == reconcile::Status::InTransit)
        .filter_map(|o| o.ledger.map(|l| report.ledger[l].amount))
        .sum();
    check.expect(
        balance(&trial, "1200-paytrace") == in_transit,
        format!(
            "PayTrace clearing holds {} after the batch, {in_transit} in transit",
            balance(&trial, "1200-paytrace")
        ),
    );
    check.expect(
        balance(&trial, "1200-stripe") == 0,
        format!(
            "Stripe clearing holds {} after the payout",
            balance(&trial, "1200-stripe")
        ),
    );
    let (debit, credit) = trial.iter().fold((0_i64, 0_i64), |(d, c), line| {
        (d + line.debit, c + line.credit)
    });
    check.expect(
        debit == credit,
        format!("ledger out of balance: debit {debit} credit {credit}"),
    );

    println!();
    println!("Shopify + PayTrace");
    println!(
        "  orders      {} approved, {} declined",
        approved.len(),
        declined.len()
    );
    println!(
        "  payments    {} PayTrace sales approved",
        stack
            .paytrace
            .fake
            .transactions()
            .iter()
            .filter(|t| t.kind == sandbox::paytrace::TransactionKind::Sale && t.approved)
            .count()
    );
    println!("  refunds     {refund_txns}");
    println!();
    println!("Magento + Stripe");
    println!(
        "  orders      {} polled, {} charges (1 declined)",
        magento_orders.len(),
        stack.stripe.fake.ids("charge").len()
    );
    println!(
        "  invoices    {}",
        magento_orders
            .iter()
            .map(|id| stack.magento.fake.invoices_of(*id).len())
            .sum::<usize>()
    );
    println!("  credit memos {memos}, shipments {shipments}");
    println!(
        "  dispute     {} {} ({}), evidence staged, due {}",
        dispute.id,
        dispute.status.as_str(),
        dispute.reason.as_str(),
        dispute
            .evidence_details
            .as_ref()
            .and_then(|d| d.due_by)
            .map(|at| at.date().to_string())
            .unwrap_or_default()
    );
    println!();
    println!("Runtime");
    println!(
        "  webhooks    {deliveries} deliveries, {} distinct events stored, {} jobs done",
        counts.events, counts.done
    );
    println!("  dead letters {}", dead.len());
    for letter in &dead {
        println!("    {} {}: {}", letter.kind, letter.key, letter.reason);
    }
    println!();
    println!("PayTrace settlement (batch {batch:?})");
    println!(
        "  lines       {} matched by transaction id, {} in transit (refunded after the batch closed)",
        count(reconcile::Status::Matched),
        count(reconcile::Status::InTransit)
    );
    println!("  journal     {}", journals(&report));
    println!(
        "  clearing    {} before the batch, {} after (what is in transit)",
        cents(balance(&before, "1200-paytrace")),
        cents(balance(&trial, "1200-paytrace"))
    );
    println!("Stripe payout {payout} (its payout.paid webhook's job)");
    if let Some(reconciled) = &reconciled {
        println!(
            "  lines       {:?}; journal {}",
            reconciled.outcomes,
            reconciled.journals.join(", ")
        );
    }
    println!(
        "  clearing    {} after the payout; the bank holds {} from both",
        cents(balance(&trial, "1200-stripe")),
        cents(balance(&trial, "1000"))
    );
    println!();
    println!("Ledger trial balance");
    println!(
        "  {:<14} {:<26} {:>4} {:>12} {:>12}",
        "account", "name", "cur", "debit", "credit"
    );
    for line in &trial {
        if line.debit != 0 || line.credit != 0 {
            println!(
                "  {:<14} {:<26} {:>4} {:>12} {:>12}",
                line.code,
                line.name,
                line.currency.as_str(),
                cents(line.debit),
                cents(line.credit)
            );
        }
    }
    println!(
        "  {:<14} {:<26} {:>4} {:>12} {:>12}",
        "",
        "total",
        "",
        cents(debit),
        cents(credit)
    );

    operator(&stack, &log_path, &mut check).await?;
    if std::io::stdin().is_terminal() {
        println!();
        println!(
            "The console stays open at {} (token above) until you press Enter.",
            stack.console_url
        );
        tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await??;
    }

    stack.stop().await?;
    println!();
    if check.failures.is_empty() {
        println!("every effect accounted for");
        Ok(true)
    } else {
        for failure in &check.failures {
            println!("NOT ACCOUNTED FOR: {failure}");
        }
        Ok(false)
    }
}

/// The operator's side of the run: what people were told, and that no secret shows where they
/// look (the console's pages, `/metrics`, the notices, the logs).
async fn operator(
    stack: &OfflineStack,
    log_path: &std::path::Path,
    check: &mut Check,
) -> Result<(), BoxError> {
    let notices = stack.chat.fake.messages();
    let kind = |m: &sandbox::chat::Message| {
        m.body["metadata"]["event_type"]
            .as_str()
            .unwrap_or("unknown")
            .trim_start_matches("payops_")
            .to_owned()
    };
    let mut kinds = std::collections::BTreeMap::new();
    for notice in &notices {
        *kinds.entry(kind(notice)).or_insert(0) += 1;
    }
    println!();
    println!("Operator");
    println!("  console     {}", stack.console_url);
    println!("  notices     {} to the chat: {kinds:?}", notices.len());
    check.expect(
        kinds.get("payment_declined") == Some(&(DECLINED.len() + 1)),
        format!(
            "{} declined payments told (Shopify's and Magento's), not {:?}",
            DECLINED.len() + 1,
            kinds.get("payment_declined")
        ),
    );
    check.expect(
        notices.iter().all(|n| n.deliveries == 1),
        "each notice posted once",
    );

    let secrets = stack.secrets();
    let mut exposed = Vec::new();
    let client = reqwest::Client::new();
    let token = stack.console_token.expose_secret();
    for page in [
        "",
        "/events",
        "/jobs",
        "/dead-letters",
        "/breakers",
        "/checkpoints",
        "/reconciliations",
    ] {
        let response = client
            .get(format!("{}{page}", stack.console_url))
            .bearer_auth(token)
            .send()
            .await?;
        check.expect(
            response.status().is_success(),
            format!("console page /console{page} answered {}", response.status()),
        );
        let text = response.text().await?;
        exposed.extend(
            find_secrets(&secrets, &text)
                .into_iter()
                .map(|what| format!("{what} on /console{page}")),
        );
    }
    let metrics = reqwest::get(stack.metrics_url.clone())
        .await?
        .text()
        .await?;
    check.expect(
        metrics.contains("payops_jobs_total") && metrics.contains("payops_provider_requests_total"),
        "/metrics shows the jobs and the provider calls",
    );
    exposed.extend(
        find_secrets(&secrets, &metrics)
            .into_iter()
            .map(|what| format!("{what} in /metrics")),
    );
    for notice in &notices {
        exposed.extend(
            find_secrets(&secrets, &notice.body.to_string())
                .into_iter()
                .map(|what| format!("{what} in a {} notice", kind(notice))),
        );
    }
    let logs = std::fs::read_to_string(log_path)?;
    exposed.extend(
        find_secrets(&secrets, &logs)
            .into_iter()
            .map(|what| format!("{what} in the logs")),
    );
    if exposed.is_empty() {
        println!(
            "  secrets     none in 7 console pages, /metrics, {} notices and {} log lines",
            notices.len(),
            logs.lines().count()
        );
    }
    check.expect(exposed.is_empty(), format!("secrets exposed: {exposed:?}"));
    Ok(())
}

/// How many outcomes of `report` have `status`.
fn outcomes(report: &SettlementReport, status: reconcile::Status) -> usize {
    report
        .reconciliation
        .results
        .iter()
        .filter(|o| o.status == status)
        .count()
}

/// The references of the journals `report` booked.
fn journals(report: &SettlementReport) -> String {
    report
        .journals
        .iter()
        .map(|r| r.document.external_ref.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Minor units as a decimal amount for display.
fn cents(minor: i64) -> String {
    Decimal::new(minor, 2).to_string()
}

/// The Magento order a Stripe charge pays for, from its metadata.
fn charge_order(stack: &OfflineStack, charge: &str) -> Option<i64> {
    let object = stack.stripe.fake.object(charge)?;
    object.pointer("/metadata/order_id")?.as_str()?.parse().ok()
}

/// The Stripe charge of a Magento order.
/// The balance of account `code` in a trial balance (0 when it has no line).
fn balance(trial: &[erp::ledger::TrialBalanceLine], code: &str) -> i64 {
    trial
        .iter()
        .find(|l| l.code == code)
        .map_or(0, |l| l.balance)
}

fn charge_of(stack: &OfflineStack, order_id: i64) -> Option<String> {
    stack
        .stripe
        .fake
        .ids("charge")
        .into_iter()
        .find(|c| charge_order(stack, c) == Some(order_id))
}

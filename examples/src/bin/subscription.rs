//! A subscription of physical goods, offline: the sandbox's Magento and Stripe fakes on
//! loopback, the runtime's store and the ledger in memory, and a worker.
//!
//! A Magento customer is synced to Stripe (the customer sync links them) and saves a card; a
//! subscription to a monthly coffee delivery (a Stripe product naming its Magento SKU in
//! `metadata.magento_sku`) is started from the store (`MagentoStripe::start_subscription`, the
//! library call behind `payops subscription create`); the fake's clock then moves a month on,
//! Stripe renews and charges it, and the paid renewal becomes one Magento order, marked paid,
//! ready to ship (`RenewalOrder`). Its job runs twice to show that it orders once.
//!
//! It prints what happened and exits 0 when the renewal made exactly one paid order.

use std::sync::Arc;
use std::time::Duration;

use examples::BoxError;
use flows::workflows::magento_stripe::{Config, MAGENTO_SKU, MagentoStripe, StartSubscription};
use flows::{NewJob, SqliteStore, Store, Worker, WorkerConfig};
use rust_decimal::Decimal;
use sandbox::magento::MagentoFake;
use sandbox::stripe::StripeFake;
use sandbox::{Faults, Running};
use stripe_client::{
    CreatePrice, CreatePriceRecurring, CreateProduct, InvoiceSettingsParams, PriceInterval,
    UpdateCustomer,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    examples::checked_exit_code("subscription", run().await)
}

async fn run() -> Result<bool, BoxError> {
    let faults = Faults::default();
    let magento_fake = Running::start(MagentoFake::new(), &faults).await?;
    let stripe_fake = Running::start(StripeFake::new(), &faults).await?;
    let magento = magento::Client::builder(
        magento_fake.base_url().as_str(),
        magento::Credentials::oauth(
            magento_fake.fake.consumer_key(),
            magento_fake.fake.consumer_secret(),
            magento_fake.fake.access_token(),
            magento_fake.fake.access_token_secret(),
        ),
    )
    .store_code("default")
    .build()?;
    let stripe = stripe_client::Client::builder(secrecy::SecretString::from(
        stripe_fake.fake.secret_key().to_owned(),
    ))
    .base_url(stripe_fake.base_url().as_str())
    .build()?;
    let store = Arc::new(SqliteStore::in_memory()?);
    let ledger: Arc<dyn erp::Erp> = Arc::new(erp::LocalLedger::open_in_memory()?);
    let flows = MagentoStripe::new(
        magento.clone(),
        stripe.clone(),
        ledger,
        Config::new("default", "acct_demo"),
    );
    let worker = flows.register(Worker::new(
        Arc::clone(&store),
        WorkerConfig::new("subscription-example").poll_interval(Duration::from_millis(5)),
    ));

    // The customer, synced to Stripe, with a card saved as its default.
    let customer: magento::Customer = serde_json::from_value(serde_json::json!({
        "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "website_id": 1,
        "addresses": [{
            "firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St"],
            "city": "Springfield", "region": {"region_code": "IL", "region": "Illinois"},
            "postcode": "62701", "country_id": "US", "telephone": "+1 217 555 0100",
            "default_billing": true, "default_shipping": true
        }]
    }))?;
    let customer_id = magento
        .customers()
        .create(&magento::NewCustomer::new(customer))
        .await?
        .id
        .ok_or("Magento created a customer without id")?;
    store
        .enqueue(flows.customer_sync_job(customer_id)?, flows::now_millis())
        .await?;
    settle(&worker).await?;
    let link = store
        .state(&format!(
            "magento/default/customer/{customer_id}/stripe/link"
        ))
        .await?
        .and_then(|link| link["customer"].as_str().map(str::to_owned))
        .ok_or("the customer sync linked no Stripe customer")?;
    let card = stripe
        .payment_methods()
        .attach("pm_card_visa", &link)
        .await?;
    stripe
        .customers()
        .update(
            &link,
            &UpdateCustomer {
                invoice_settings: Some(InvoiceSettingsParams {
                    default_payment_method: Some(card.id.clone()),
                }),
                ..UpdateCustomer::default()
            },
        )
        .await?;
    println!(
        "Magento customer {customer_id} is Stripe customer {link}, card {}",
        card.id
    );

    // Monthly coffee: a Stripe product naming its Magento SKU, in Magento's catalog too.
    magento_fake
        .fake
        .add_product("COFFEE-1KG", "Coffee beans 1 kg", Decimal::new(1550, 2));
    let mut product = CreateProduct::new("Coffee beans 1 kg");
    product
        .metadata
        .insert(MAGENTO_SKU.to_owned(), "COFFEE-1KG".to_owned());
    let product = stripe.products().create(&product).await?;
    let price = stripe
        .prices()
        .create(&CreatePrice {
            recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 1)),
            ..CreatePrice::new(&product.id, 1_550, "usd")
        })
        .await?;

    let request = StartSubscription::new(customer_id, vec![(price.id.clone(), 2)], "example-sub-1");
    let subscription = flows.start_subscription(&*store, &request).await?;
    println!(
        "subscription {} is {} (2 × {} a month)",
        subscription.id,
        subscription.status.as_str(),
        price.id
    );

    // A month on: Stripe renews and charges it.
    stripe_fake
        .fake
        .advance_clock(Duration::from_secs(32 * 24 * 60 * 60));
    let renewal = stripe_fake
        .fake
        .ids("invoice")
        .iter()
        .filter_map(|id| stripe_fake.fake.object(id))
        .find(|i| i["billing_reason"] == "subscription_cycle" && i["status"] == "paid")
        .ok_or("no paid renewal invoice after a month")?;
    let invoice_id = renewal["id"].as_str().unwrap_or_default().to_owned();
    println!(
        "renewal invoice {invoice_id} paid: {} cents",
        renewal["amount_paid"]
    );

    // The paid renewal's order, its job run twice (as a second `invoice.paid` would).
    for _ in 0..2 {
        let job = flows.renewal_order_job(&invoice_id)?;
        store
            .enqueue(NewJob { rerun: true, ..job }, flows::now_millis())
            .await?;
        settle(&worker).await?;
    }
    let orders = magento_fake.fake.orders();
    for order in &orders {
        let lines: Vec<String> = order
            .items
            .iter()
            .map(|i| format!("{} × {}", i.qty_ordered, i.sku))
            .collect();
        println!(
            "Magento order {} (cart {}): {}, {} via {}, invoices: {}",
            order.increment_id,
            order.quote_id,
            lines.join(", "),
            order.state,
            order.payment.method,
            magento_fake.fake.invoices_of(order.entity_id).len()
        );
    }
    let ok = orders.len() == 1
        && orders.iter().all(|o| {
            o.state == "processing" && magento_fake.fake.invoices_of(o.entity_id).len() == 1
        });
    Ok(ok)
}

/// Runs the worker until no job is left for a while.
async fn settle(worker: &Worker) -> Result<(), BoxError> {
    let (_stop, mut shutdown) = tokio::sync::watch::channel(false);
    let mut idle = 0;
    while idle < 10 {
        match worker.run_once(&mut shutdown).await? {
            Some(outcome) => {
                idle = 0;
                if outcome != flows::Outcome::Done {
                    println!("  job: {outcome:?}");
                }
            }
            None => {
                idle += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    Ok(())
}

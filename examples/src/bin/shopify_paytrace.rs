//! The Shopify + PayTrace workflows as a service: receives Shopify webhooks, charges PayTrace,
//! marks orders paid and books the ERP documents in the embedded ledger.
//!
//! Configuration (environment):
//! - `SHOPIFY_SHOP` (`name.myshopify.com`), `SHOPIFY_ACCESS_TOKEN`, `SHOPIFY_WEBHOOK_SECRET`
//!   (the app's client secret); subscribe the app's `orders/create` and `refunds/create` webhooks to
//!   `https://<your host>/webhooks/shopify`. `SHOPIFY_API_URL` replaces the shop's own address
//!   (the sandbox's Shopify fake, say).
//! - `PAYTRACE_USERNAME`, `PAYTRACE_PASSWORD`, `PAYTRACE_INTEGRATOR_ID`, `PAYTRACE_ACCOUNT` (your
//!   merchant id, used in ERP references), `PAYTRACE_ENV` (`sandbox`, the default, `production`,
//!   or the base URL of another server), `PAYTRACE_UTC_OFFSET` (the account's offset from UTC,
//!   in which PayTrace writes settlement times and closes its days; default `+00:00`; each
//!   closed day's batches are reconciled against the ledger by a job that a poller on the
//!   worker's schedule enqueues; `PAYOPS_SETTLEMENT_POLL_SECS`, default 3600, `0` off; the
//!   transaction export is checked against the books every `PAYOPS_SALES_POLL_SECS`, default
//!   900, `0` off, its first poll reading `PAYOPS_SALES_LOOKBACK_DAYS` back, default 2: a sale or
//!   refund made at PayTrace that the ledger does not hold, such as one keyed in the virtual
//!   terminal, becomes a dead letter naming it),
//!   `PAYTRACE_TIMEOUT_MS` (the client's timeout, default
//!   60000).
//! - `PAYOPS_PAYMENT` (`sale`, the default: charge when the order is created; or `authorize`:
//!   authorize then, capture on the first fulfillment, for which also subscribe
//!   `fulfillments/create`).
//! - `PAYOPS_ORDERS_POLL_SECS` (default 60): how often the orders backfill asks Shopify for the
//!   orders updated since its checkpoint, to start those whose `orders/create` never came (an
//!   outage longer than Shopify's retries, a subscription Shopify removed); a webhook and a poll
//!   of one order are one job, one charge. `0` turns the backfill off (its job, a perpetual one
//!   that is always queued, is then neither enqueued nor run). `PAYOPS_ORDERS_LOOKBACK_HOURS`
//!   (default 48): how far back its first poll reads, before it has a checkpoint (see
//!   `flows::workflows::shopify_paytrace::ShopifyOrderPoller`). The app needs the `read_orders`
//!   scope (orders older than 60 days also need `read_all_orders`).
//! - `PAYOPS_PROCESSING_WINDOW_MS`: how long PayTrace may take to process a request it received
//!   (default 120000; see `SaleRecovery`): a sale whose answer was lost is sent again no sooner
//!   than the client's timeout plus this window after it was sent.
//! - `PAYOPS_STORE`: the runtime's store, a SQLite file (default `payops.sqlite`) or a
//!   `postgres://user:password@host:port/database` URL (`postgresql://` too), which lets several
//!   processes on several machines share the work; `PAYOPS_PG_POOL`: connections to PostgreSQL
//!   (default the concurrency plus 8). `PAYOPS_LEDGER`: the ledger, a SQLite file (default
//!   `payops-ledger.sqlite`) or a `postgres://` URL (it may be the store's database).
//!   `PAYOPS_LISTEN` (default `127.0.0.1:8080`), `PAYOPS_CONCURRENCY` (jobs at once, default 8),
//!   `PAYOPS_LEASE_MS` (default 60000). The worker's leases name the process holding them:
//!   `shopify-paytrace/<pid>` in the store's `jobs.lease_owner`.
//!
//! The wiring (clients, intake, worker, pollers) is `payops::Pairs::assemble`, the one
//! `payops serve --config` runs this pair (and the other) with from a TOML file.
//!
//! Orders must carry the card to charge as note attributes (see
//! `flows::workflows::shopify_paytrace`). Stop with Ctrl-C or SIGTERM: in-flight jobs finish first.

use std::time::Duration;

use examples::{
    BoxError, env_or, env_parse, env_secret, env_var, open_ledger, open_store, serve_until_stopped,
};
use flows::WorkerConfig;
use payops::{
    Pairs, PaytraceSettings, ShopifyPaytraceBackfill, ShopifyPaytraceSettings, parse_payment,
    parse_utc_offset,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    examples::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let settings = settings()?;
    let concurrency = env_parse("PAYOPS_CONCURRENCY", 8)?;
    let store = open_store(&env_or("PAYOPS_STORE", "payops.sqlite"), concurrency).await?;
    let ledger = open_ledger(
        &env_or("PAYOPS_LEDGER", "payops-ledger.sqlite"),
        concurrency,
    )
    .await?;
    // With several processes on one database, the lease owner says which one holds a job.
    let worker = WorkerConfig::new(format!("shopify-paytrace/{}", std::process::id()))
        .concurrency(concurrency)
        .lease(millis("PAYOPS_LEASE_MS", 60_000)?);
    let pairs = Pairs {
        shopify_paytrace: Some(settings),
        ..Pairs::default()
    };
    let service = pairs.assemble(store, ledger, worker).await?;
    serve_until_stopped(&env_or("PAYOPS_LISTEN", "127.0.0.1:8080"), service).await
}

/// The pair's settings from the environment; each error names its variable.
fn settings() -> Result<ShopifyPaytraceSettings, BoxError> {
    let shop = shopify::ShopDomain::parse(&env_var("SHOPIFY_SHOP")?)?;
    let api_url = match std::env::var("SHOPIFY_API_URL") {
        Ok(url) => Some(url::Url::parse(&url)?),
        Err(_) => None,
    };
    let environment: paytrace::Environment = env_or("PAYTRACE_ENV", "sandbox").parse()?;
    let payment = parse_payment(&env_or("PAYOPS_PAYMENT", "sale"))
        .map_err(|err| format!("PAYOPS_PAYMENT: {err}"))?;
    let utc_offset = parse_utc_offset(&env_or("PAYTRACE_UTC_OFFSET", "+00:00"))
        .map_err(|err| format!("PAYTRACE_UTC_OFFSET: {err}"))?;
    let lookback_hours: u64 = env_parse("PAYOPS_ORDERS_LOOKBACK_HOURS", 48)?;
    let orders_lookback = lookback_hours
        .checked_mul(3600)
        .map(Duration::from_secs)
        .ok_or("PAYOPS_ORDERS_LOOKBACK_HOURS: more hours than fit in a duration")?;
    Ok(ShopifyPaytraceSettings {
        shop,
        api_url,
        access_token: env_secret("SHOPIFY_ACCESS_TOKEN")?,
        webhook_secret: env_secret("SHOPIFY_WEBHOOK_SECRET")?,
        paytrace: PaytraceSettings {
            username: env_secret("PAYTRACE_USERNAME")?,
            password: env_secret("PAYTRACE_PASSWORD")?,
            integrator_id: env_secret("PAYTRACE_INTEGRATOR_ID")?,
            account: env_var("PAYTRACE_ACCOUNT")?,
            environment,
            utc_offset,
            timeout: millis("PAYTRACE_TIMEOUT_MS", 60_000)?,
        },
        payment,
        processing_window: millis("PAYOPS_PROCESSING_WINDOW_MS", 120_000)?,
        // Shopify's own recommendation is the risk gate here; `payops serve` sets the screen.
        backfill: ShopifyPaytraceBackfill {
            // Orders whose `orders/create` never came, found by polling Shopify from a
            // checkpoint.
            orders: poll_secs("PAYOPS_ORDERS_POLL_SECS", 60)?,
            orders_lookback,
            // PayTrace sends no settlement webhook: each closed day's batches are reconciled by
            // a job this poller enqueues (once per day, from a checkpoint).
            settlement: poll_secs("PAYOPS_SETTLEMENT_POLL_SECS", 3600)?,
            // Money moved at PayTrace outside the flows (the virtual terminal) or never booked:
            // found in the transaction export and put before a person as a dead letter.
            sales: poll_secs("PAYOPS_SALES_POLL_SECS", 900)?,
            sales_lookback_days: env_parse("PAYOPS_SALES_LOOKBACK_DAYS", 2)?,
        },
    })
}

/// A poll interval in seconds from the environment variable `name`, or `default`; `0` is off.
fn poll_secs(name: &str, default: u64) -> Result<Option<Duration>, BoxError> {
    let secs: u64 = env_parse(name, default)?;
    Ok((secs > 0).then(|| Duration::from_secs(secs)))
}

/// A duration in milliseconds from the environment variable `name`, or `default`.
fn millis(name: &str, default: u64) -> Result<Duration, BoxError> {
    env_parse(name, default).map(Duration::from_millis)
}

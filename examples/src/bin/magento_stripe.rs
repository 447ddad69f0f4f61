//! The Magento + Stripe workflows against real accounts: polls Magento for new orders, charges them
//! with Stripe PaymentIntents, receives Stripe webhooks, invoices and credits in Magento and books
//! the ERP documents in the embedded ledger.
//!
//! Configuration (environment):
//! - `MAGENTO_BASE_URL` (`https://shop.example.com`), `MAGENTO_STORE_CODE` (default `default`), and
//!   the integration's `MAGENTO_CONSUMER_KEY`, `MAGENTO_CONSUMER_SECRET`, `MAGENTO_ACCESS_TOKEN`,
//!   `MAGENTO_ACCESS_TOKEN_SECRET` (OAuth 1.0a, HMAC-SHA256).
//! - `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` (the endpoint's `whsec_...`), `STRIPE_ACCOUNT`
//!   (your account id, used in ERP references); point a Stripe webhook endpoint with
//!   `charge.succeeded` and `charge.refunded` at `https://<your host>/webhooks/stripe`.
//! - Adobe Commerce only: `MAGENTO_WEBHOOK_PUBLIC_KEY`, the path of the webhook public key (PEM)
//!   shown in the Admin (Stores > Configuration > Adobe Services > Webhooks), or several paths
//!   separated by commas while a key pair is replaced. With it, `POST /webhooks/magento` takes
//!   Commerce's signed webhooks, and a hook on `observer.sales_order_place_after` pointed there
//!   starts an order's payment at once (the poll stays the safety net). Without it (Magento
//!   Open Source, which sends no webhooks) there is no such route and the poll finds the orders.
//! - `PAYOPS_STORE` (a SQLite file or a `postgres://` URL), `PAYOPS_PG_POOL`, `PAYOPS_LEDGER`,
//!   `PAYOPS_LISTEN` as for `shopify_paytrace`, and
//!   `PAYOPS_POLL_SECS` (Magento poll interval, default 30), `PAYOPS_EVENTS_POLL_SECS` (the
//!   Stripe events backfill's interval, default 300) and `PAYOPS_EVENTS_LOOKBACK_HOURS` (how far
//!   back its first poll reads, default 72, at most Stripe's 30 days). Both pollers run as jobs
//!   of the worker, once across every process sharing the store. Leases name the process
//!   holding them: `magento-stripe/<pid>`.
//!
//! The wiring (clients, intake, worker, pollers) is `payops::Pairs::assemble`, the one
//! `payops serve --config` runs this pair (and the other) with from a TOML file.
//!
//! Orders must carry the Stripe PaymentMethod in their payment's additional information (see
//! `flows::workflows::magento_stripe`). Stop with Ctrl-C: in-flight jobs finish first.

use std::path::Path;
use std::time::Duration;

use examples::{
    BoxError, env_or, env_parse, env_secret, env_var, open_ledger, open_store, serve_until_stopped,
};
use flows::WorkerConfig;
use payops::{
    MagentoCredentials, MagentoStripeBackfill, MagentoStripeDisputes, MagentoStripeSettings, Pairs,
    webhook_verifier,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    examples::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let settings = MagentoStripeSettings {
        base_url: url::Url::parse(&env_var("MAGENTO_BASE_URL")?)?,
        store_code: env_or("MAGENTO_STORE_CODE", "default"),
        credentials: MagentoCredentials::OAuth {
            consumer_key: env_secret("MAGENTO_CONSUMER_KEY")?,
            consumer_secret: env_secret("MAGENTO_CONSUMER_SECRET")?,
            access_token: env_secret("MAGENTO_ACCESS_TOKEN")?,
            access_token_secret: env_secret("MAGENTO_ACCESS_TOKEN_SECRET")?,
        },
        stripe_secret_key: env_secret("STRIPE_SECRET_KEY")?,
        stripe_webhook_secret: env_secret("STRIPE_WEBHOOK_SECRET")?,
        stripe_account: env_var("STRIPE_ACCOUNT")?,
        stripe_api_url: None,
        webhook_verifier: adobe_commerce_verifier()?,
        // The backfills run as jobs on the worker's schedule; enqueuing them at every start is
        // a no-op while they exist (several processes share them).
        backfill: MagentoStripeBackfill {
            orders: Some(Duration::from_secs(env_parse("PAYOPS_POLL_SECS", 30)?)),
            events: Some(Duration::from_secs(env_parse(
                "PAYOPS_EVENTS_POLL_SECS",
                300,
            )?)),
            events_lookback: Duration::from_secs(
                3600 * env_parse::<u64>("PAYOPS_EVENTS_LOOKBACK_HOURS", 72)?,
            ),
            customers: Some(Duration::from_secs(env_parse(
                "PAYOPS_CUSTOMERS_POLL_SECS",
                300,
            )?)),
            recognize_every: Duration::from_secs(3600),
        },
        // Evidence staged for a person, no automatic refunds: `payops serve` configures them.
        disputes: MagentoStripeDisputes::default(),
        // Subscription revenue recognised through each day, hourly.
        recognition: erp::RecognitionSchedule::Daily,
    };
    let worker = WorkerConfig::new(format!("magento-stripe/{}", std::process::id()));
    let store = open_store(&env_or("PAYOPS_STORE", "payops.sqlite"), worker.concurrency).await?;
    let ledger = open_ledger(
        &env_or("PAYOPS_LEDGER", "payops-ledger.sqlite"),
        worker.concurrency,
    )
    .await?;
    let pairs = Pairs {
        magento_stripe: Some(settings),
        ..Pairs::default()
    };
    let service = pairs.assemble(store, ledger, worker).await?;
    serve_until_stopped(&env_or("PAYOPS_LISTEN", "127.0.0.1:8080"), service).await
}

/// The verifier of Adobe Commerce webhooks from the PEM files `MAGENTO_WEBHOOK_PUBLIC_KEY` names
/// (separated by commas); `None` when it is unset or empty (Magento Open Source). The errors
/// name the variable and the file.
fn adobe_commerce_verifier() -> Result<Option<magento::WebhookVerifier>, BoxError> {
    const VAR: &str = "MAGENTO_WEBHOOK_PUBLIC_KEY";
    let paths = env_or(VAR, "");
    let paths = paths.split(',').map(str::trim).filter(|p| !p.is_empty());
    webhook_verifier(paths.map(Path::new)).map_err(|err| format!("{VAR}: {err}").into())
}

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
//! - `PAYOPS_STORE` (a SQLite file or a `postgres://` URL), `PAYOPS_PG_POOL`, `PAYOPS_LEDGER`,
//!   `PAYOPS_LISTEN` as for `shopify_paytrace`, and
//!   `PAYOPS_POLL_SECS` (Magento poll interval, default 30). Leases name the process holding
//!   them: `magento-stripe/<pid>`.
//!
//! Orders must carry the Stripe PaymentMethod in their payment's additional information (see
//! `flows::workflows::magento_stripe`). Stop with Ctrl-C: in-flight jobs finish first.

use std::sync::Arc;
use std::time::Duration;

use examples::{
    BoxError, env_or, env_parse, env_secret, env_var, open_ledger, open_store, serve_until_stopped,
};
use flows::intake::{Intake, StripeWebhooks};
use flows::workflows::magento_stripe::{Config, MagentoStripe};
use flows::{Worker, WorkerConfig};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    examples::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let store_code = env_or("MAGENTO_STORE_CODE", "default");
    let magento = magento::Client::builder(
        env_var("MAGENTO_BASE_URL")?,
        magento::Credentials::oauth(
            env_var("MAGENTO_CONSUMER_KEY")?,
            env_var("MAGENTO_CONSUMER_SECRET")?,
            env_var("MAGENTO_ACCESS_TOKEN")?,
            env_var("MAGENTO_ACCESS_TOKEN_SECRET")?,
        ),
    )
    .store_code(&store_code)
    .build()?;
    let stripe = stripe_client::Client::builder(env_secret("STRIPE_SECRET_KEY")?).build()?;
    let worker_config = WorkerConfig::new(format!("magento-stripe/{}", std::process::id()));
    let store = open_store(
        &env_or("PAYOPS_STORE", "payops.sqlite"),
        worker_config.concurrency,
    )
    .await?;
    let ledger = open_ledger(
        &env_or("PAYOPS_LEDGER", "payops-ledger.sqlite"),
        worker_config.concurrency,
    )
    .await?;
    let poll_every = Duration::from_secs(env_parse("PAYOPS_POLL_SECS", 30)?);

    let workflows = MagentoStripe::new(
        magento,
        stripe,
        ledger,
        Config::new(store_code.as_str(), env_var("STRIPE_ACCOUNT")?),
    );
    let intake = Intake::new(Arc::clone(&store))
        .source(StripeWebhooks::new(stripe_client::webhook::Webhook::new(
            env_secret("STRIPE_WEBHOOK_SECRET")?,
        )))
        .routes(workflows.routes());
    let router = intake.router();
    let worker = Worker::new(Arc::clone(&store), worker_config).flow(intake.redeliver());
    let worker = workflows.register(worker);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let poller = workflows.poller(store);
    let poll_shutdown = shutdown.clone();
    tokio::spawn(async move { poller.run(poll_every, poll_shutdown).await });
    serve_until_stopped(
        &env_or("PAYOPS_LISTEN", "127.0.0.1:8080"),
        router,
        worker.run(shutdown),
        stop,
    )
    .await
}

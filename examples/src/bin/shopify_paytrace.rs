//! The Shopify + PayTrace workflows against real accounts: receives Shopify webhooks, charges
//! PayTrace, marks orders paid and books the ERP documents in the embedded ledger.
//!
//! Configuration (environment):
//! - `SHOPIFY_SHOP` (`name.myshopify.com`), `SHOPIFY_ACCESS_TOKEN`, `SHOPIFY_WEBHOOK_SECRET`
//!   (the app's client secret); subscribe the app's `orders/create` and `refunds/create` webhooks to
//!   `https://<your host>/webhooks/shopify`.
//! - `PAYTRACE_USERNAME`, `PAYTRACE_PASSWORD`, `PAYTRACE_INTEGRATOR_ID`, `PAYTRACE_ACCOUNT` (your
//!   merchant id, used in ERP references), `PAYTRACE_ENV` (`sandbox`, the default, or `production`).
//! - `PAYOPS_PAYMENT` (`sale`, the default: charge when the order is created; or `authorize`:
//!   authorize then, capture on the first fulfillment, for which also subscribe
//!   `fulfillments/create`).
//! - `PAYOPS_STORE` (runtime store file, default `payops.sqlite`), `PAYOPS_LEDGER` (ledger file,
//!   default `payops-ledger.sqlite`), `PAYOPS_LISTEN` (default `127.0.0.1:8080`).
//!
//! Orders must carry the card to charge as note attributes (see
//! `flows::workflows::shopify_paytrace`). Stop with Ctrl-C: in-flight jobs finish first.

use std::sync::Arc;

use examples::{BoxError, env_or, env_secret, env_var, serve_until_ctrl_c};
use flows::intake::{self, IntakeConfig};
use flows::workflows::shopify_paytrace::{self, Config, PaymentMode, ShopifyPaytrace};
use flows::{SqliteStore, Worker, WorkerConfig};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let shop = shopify::ShopDomain::parse(&env_var("SHOPIFY_SHOP")?)?;
    let shopify = shopify::Client::builder()
        .shop(&shop)
        .access_token(env_secret("SHOPIFY_ACCESS_TOKEN")?)
        .build()?;
    let environment = match env_or("PAYTRACE_ENV", "sandbox").as_str() {
        "production" => paytrace::Environment::Production,
        "sandbox" => paytrace::Environment::Sandbox,
        other => {
            return Err(
                format!("PAYTRACE_ENV must be sandbox or production, not {other:?}").into(),
            );
        }
    };
    let paytrace = paytrace::Client::builder(
        env_var("PAYTRACE_USERNAME")?,
        env_secret("PAYTRACE_PASSWORD")?,
    )
    .environment(environment)
    .integrator_id(env_var("PAYTRACE_INTEGRATOR_ID")?)
    .build()?;
    let store = Arc::new(SqliteStore::open(env_or("PAYOPS_STORE", "payops.sqlite"))?);
    let ledger =
        Arc::new(erp::LocalLedger::open(env_or("PAYOPS_LEDGER", "payops-ledger.sqlite")).await?);

    let payment = match env_or("PAYOPS_PAYMENT", "sale").as_str() {
        "sale" => PaymentMode::Sale,
        "authorize" => PaymentMode::AuthorizeThenCapture,
        other => {
            return Err(format!("PAYOPS_PAYMENT: `{other}` is not `sale` or `authorize`").into());
        }
    };
    let config = Config::new(shop.as_str(), env_var("PAYTRACE_ACCOUNT")?).payment(payment);
    let intake_config = shopify_paytrace::intake(
        IntakeConfig::default().shopify(shopify::WebhookVerifier::new(env_secret(
            "SHOPIFY_WEBHOOK_SECRET",
        )?)),
        &config,
    );
    let workflows = ShopifyPaytrace::new(Arc::clone(&store), shopify, paytrace, ledger, config);
    let router = intake::router(Arc::clone(&store), intake_config);
    let worker = workflows.register(Worker::new(store, WorkerConfig::new("shopify-paytrace")));
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    serve_until_ctrl_c(
        &env_or("PAYOPS_LISTEN", "127.0.0.1:8080"),
        router,
        worker.run(shutdown),
        stop,
    )
    .await
}

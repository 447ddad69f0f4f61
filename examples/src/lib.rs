//! The offline stack that `demo` and `loadgen` run on: every service as a sandbox fake on
//! loopback, the store and the embedded ledger in a temporary directory, the webhook intake served
//! on loopback, and a worker running the workflows.
//!
//! Nothing here needs credentials or a network: the fakes speak the providers' wire formats, so the
//! real clients, the real intake (with signature checks) and the real workflows run unchanged.
//!
//! [`StoreLocation`] and [`open_store`] read `PAYOPS_STORE` for every binary: a `postgres://` URL
//! chooses [`flows::PgStore`], anything else is a SQLite file; [`open_ledger`] reads `PAYOPS_LEDGER` the
//! same way (the ledger on PostgreSQL, or in a SQLite file).

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use erp::LocalLedger;
use flows::fulfilment::{SignedWebhookFulfilment, WarehouseWebhooks, notice_route};
use flows::intake::{Intake, ShopifyWebhooks, StripeWebhooks};
use flows::notify::{Notices, WebhookNotifier};
use flows::workflows::magento_stripe::{self, MagentoOrderPoller, MagentoStripe};
use flows::workflows::shopify_paytrace::{self, SaleRecovery, ShopifyOrderPoller, ShopifyPaytrace};
use flows::{Backoff, BreakerConfig, FlowError, SqliteStore, Store, Worker, WorkerConfig};
use ops_console::ConsoleState;
use sandbox::chat::ChatFake;
use sandbox::magento::MagentoFake;
use sandbox::paytrace::PaytraceFake;
use sandbox::shopify::ShopifyFake;
use sandbox::stripe::StripeFake;
use sandbox::warehouse::WarehouseFake;
use sandbox::{Faults, Running};
use secrecy::SecretString;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

/// 32 random hex digits: a console token.
fn hex_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A boxed error for the binaries' `main`.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// Where a store or ledger lives, as `PAYOPS_STORE` and `PAYOPS_LEDGER` name it.
pub use payops_core::DatabaseLocation as StoreLocation;

/// The environment variable giving the PostgreSQL pool size.
pub const PG_POOL_VAR: &str = "PAYOPS_PG_POOL";

pub use payops::default_pg_pool;

/// Opens the store `value` names (see [`StoreLocation::parse`]): [`flows::PgStore`] for a
/// PostgreSQL URL, with a pool of `PAYOPS_PG_POOL` connections (default [`default_pg_pool`] of
/// `concurrency`), or else [`SqliteStore`] on that file.
pub async fn open_store(value: &str, concurrency: usize) -> Result<Arc<dyn Store>, BoxError> {
    Ok(payops::open_store(&StoreLocation::parse(value), pg_pool(concurrency)?).await?)
}

/// `PAYOPS_PG_POOL`, or [`default_pg_pool`] of `concurrency`.
fn pg_pool(concurrency: usize) -> Result<usize, BoxError> {
    let pool = env_parse(PG_POOL_VAR, default_pg_pool(concurrency))?;
    if pool == 0 {
        return Err(format!("{PG_POOL_VAR} must be at least 1").into());
    }
    Ok(pool)
}

/// Opens the ledger `value` names (`PAYOPS_LEDGER`, see [`StoreLocation::parse`]): on PostgreSQL
/// for a URL (a pool of `PAYOPS_PG_POOL` connections, default [`default_pg_pool`] of
/// `concurrency`), so that processes on several machines book into one ledger, or else in that
/// SQLite file, which one process holds.
pub async fn open_ledger(value: &str, concurrency: usize) -> Result<Arc<LocalLedger>, BoxError> {
    Ok(payops::open_ledger(&StoreLocation::parse(value), pg_pool(concurrency)?).await?)
}

/// The card numbers the demo's orders are paid with (the providers' test cards).
pub const CARD_NUMBERS: [&str; 4] = [
    "4111111111111111",
    "4242424242424242",
    "5555555555554444",
    "4000000000000002",
];

/// Which of `secrets` (what each is, and its value) appear in `text`, by what they are: the
/// values never leave this function.
pub fn find_secrets(secrets: &[(&'static str, String)], text: &str) -> Vec<&'static str> {
    secrets
        .iter()
        .filter(|(_, value)| !value.is_empty() && text.contains(value.as_str()))
        .map(|(what, _)| *what)
        .collect()
}

/// The PayTrace merchant account name used in ERP references.
pub const PAYTRACE_ACCOUNT: &str = "sandbox-merchant";
/// The Stripe account name used in ERP references.
pub const STRIPE_ACCOUNT: &str = "acct_sandbox";
/// The Magento store view the workflows serve.
pub const MAGENTO_STORE: &str = "default";

/// How the stack runs.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Jobs the worker runs at once.
    pub concurrency: usize,
    /// Delays between webhook retries of the Shopify and Stripe fakes (the real schedules span
    /// hours to days).
    pub webhook_retries: Vec<Duration>,
    /// Seed of the fault plan's random draws.
    pub seed: u64,
    /// The runtime's store, as `PAYOPS_STORE` gives it; `None` is a SQLite file in the stack's
    /// temporary directory. A PostgreSQL database should be empty: the stack's fakes start empty
    /// and would not know of the jobs another run left there.
    pub store: Option<String>,
    /// The ledger file, as `PAYOPS_LEDGER` gives it; `None` is a file in the temporary directory.
    pub ledger: Option<String>,
}

impl StackOptions {
    /// These options with `store` and `ledger` from `PAYOPS_STORE` and `PAYOPS_LEDGER` when set.
    pub fn from_env(self) -> Self {
        Self {
            store: std::env::var("PAYOPS_STORE").ok().or(self.store),
            ledger: std::env::var("PAYOPS_LEDGER").ok().or(self.ledger),
            ..self
        }
    }
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            webhook_retries: vec![
                Duration::from_millis(50),
                Duration::from_millis(200),
                Duration::from_secs(1),
            ],
            seed: 7,
            store: None,
            ledger: None,
        }
    }
}

/// The running offline stack.
pub struct OfflineStack {
    /// Fault plan shared by every fake.
    pub faults: Faults,
    /// The PayTrace fake.
    pub paytrace: Running<PaytraceFake>,
    /// The Shopify fake.
    pub shopify: Running<ShopifyFake>,
    /// The Stripe fake.
    pub stripe: Running<StripeFake>,
    /// The Magento fake.
    pub magento: Running<MagentoFake>,
    /// The warehouse fake: it takes the Magento orders' fulfilment requests and ships them.
    pub warehouse: Running<WarehouseFake>,
    /// The chat fake the worker's notices go to (a Slack-like incoming webhook).
    pub chat: Running<ChatFake>,
    /// The Magento + Stripe workflows (for their poller and shipment jobs).
    pub magento_stripe: MagentoStripe,
    /// The Shopify + PayTrace workflows (for their orders backfill).
    pub shopify_paytrace: ShopifyPaytrace,
    /// The runtime's store.
    pub store: Arc<dyn Store>,
    /// The embedded ERP ledger.
    pub ledger: Arc<LocalLedger>,
    /// Where the intake router listens.
    pub intake_url: Url,
    /// The operations console, on the intake's router (`{intake}/console`).
    pub console_url: Url,
    /// The token that opens the console: new for every stack.
    pub console_token: SecretString,
    /// The Prometheus text of the process's metrics (`{intake}/metrics`).
    pub metrics_url: Url,
    stop: watch::Sender<bool>,
    worker: JoinHandle<Result<(), FlowError>>,
    intake: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl OfflineStack {
    /// Starts the fakes, the store, the ledger, the intake and the worker.
    pub async fn start(options: StackOptions) -> Result<Self, BoxError> {
        let dir = tempfile::tempdir()?;
        let faults = Faults::with_seed(options.seed);
        let paytrace = Running::start(PaytraceFake::new(), &faults).await?;
        let shopify = Running::start(
            ShopifyFake::new().with_retry_schedule(options.webhook_retries.clone()),
            &faults,
        )
        .await?;
        let stripe = Running::start(
            StripeFake::with_webhook_retry_delays(options.webhook_retries.clone()),
            &faults,
        )
        .await?;
        let magento = Running::start(MagentoFake::new(), &faults).await?;
        let warehouse = Running::start(WarehouseFake::new(), &faults).await?;
        let chat = Running::start(ChatFake::new(), &faults).await?;
        let store = match &options.store {
            Some(value) => open_store(value, options.concurrency).await?,
            None => Arc::new(SqliteStore::open(dir.path().join("flows.sqlite"))?),
        };
        let ledger = match &options.ledger {
            Some(value) => open_ledger(value, options.concurrency).await?,
            None => Arc::new(LocalLedger::open(dir.path().join("ledger.sqlite")).await?),
        };

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let intake_url = Url::parse(&format!("http://{}/", listener.local_addr()?))?;
        let shopify_client = shopify_client(&shopify)?;
        let paytrace_client = paytrace_client(&paytrace)?;
        // The fake answers in milliseconds: a short processing window keeps the demo quick when a
        // sale's answer is lost. Against PayTrace keep the default (see `SaleRecovery`).
        let shopify_paytrace_config =
            shopify_paytrace::Config::new(shopify.fake.shop_domain(), PAYTRACE_ACCOUNT)
                .recovery(SaleRecovery::new(Duration::from_millis(500)));
        let workflows = ShopifyPaytrace::new(
            shopify_client,
            paytrace_client,
            Arc::clone(&ledger) as Arc<dyn erp::Erp>,
            shopify_paytrace_config,
        );
        let magento_client = magento::Client::builder(
            magento.base_url().as_str(),
            magento::Credentials::oauth(
                magento.fake.consumer_key(),
                magento.fake.consumer_secret(),
                magento.fake.access_token(),
                magento.fake.access_token_secret(),
            ),
        )
        .store_code(MAGENTO_STORE)
        .build()?;
        let stripe_client = stripe_client(&stripe)?;
        let warehouse_secret = SecretString::from(warehouse.fake.secret().to_owned());
        let fulfilment = SignedWebhookFulfilment::new(
            warehouse.base_url().join("fulfilments")?.as_str(),
            warehouse_secret.clone(),
        )?;
        let magento_stripe = MagentoStripe::new(
            magento_client,
            stripe_client,
            Arc::clone(&ledger) as Arc<dyn erp::Erp>,
            magento_stripe::Config::new(MAGENTO_STORE, STRIPE_ACCOUNT)
                .fulfilment(Arc::new(fulfilment))
                .refund_policy("Returns are accepted within 30 days of delivery."),
        );

        let intake = Intake::new(Arc::clone(&store))
            .source(ShopifyWebhooks::new(shopify::WebhookVerifier::new(
                SecretString::from(shopify.fake.webhook_secret().to_owned()),
            )))
            .source(StripeWebhooks::new(stripe_client::webhook::Webhook::new(
                SecretString::from(stripe.fake.webhook_secret().to_owned()),
            )))
            .source(WarehouseWebhooks::new(warehouse_secret))
            .routes(workflows.routes())
            .routes(magento_stripe.routes())
            // The warehouse's notices, to the pair of their `order.system` and account: added
            // last, it replaces the Magento-only notice route of `magento_stripe.routes()`.
            .route(notice_route([
                magento_stripe.shipment_notices(),
                workflows.shipment_notices(),
            ]));
        let worker_config = WorkerConfig::new("demo-worker")
            .concurrency(options.concurrency)
            .poll_interval(Duration::from_millis(25))
            .lease(Duration::from_secs(30))
            .backoff(Backoff::new(
                Duration::from_millis(20),
                Duration::from_millis(500),
                8,
            ))
            .breaker(BreakerConfig::new(20, Duration::from_millis(200)))
            .waits(Duration::from_millis(50), Duration::from_secs(1));
        let worker = Worker::new(Arc::clone(&store), worker_config).flow(intake.redeliver());
        let worker = magento_stripe.register(workflows.register(worker));
        // Notices to people go to the chat fake, linking to this stack's console.
        let console_url = intake_url.join("console")?;
        let chat_hook = WebhookNotifier::new(
            chat.base_url().join("hook")?.as_str(),
            SecretString::from(chat.fake.secret().to_owned()),
        )?;
        let worker = worker.notify(Notices::new(Arc::new(chat_hook)).console(console_url.as_str()));
        // A new token for every run: the demo prints it for whoever opens the console.
        let console_token = SecretString::from(hex_token());
        let console = ConsoleState::new(Arc::clone(&store), console_token.clone())?
            .breakers(worker.breakers())
            .public_base(intake_url.as_str())?;
        let metrics = payops::prometheus()?;
        let metrics_url = intake_url.join("metrics")?;
        let router = intake.router().merge(ops_console::router(console)).route(
            "/metrics",
            axum::routing::get(move || std::future::ready(metrics.render())),
        );
        let intake_task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                eprintln!("intake stopped: {err}");
            }
        });
        let webhook_url = intake_url.join("webhooks/shopify")?;
        for topic in ["orders/create", "refunds/create"] {
            shopify.fake.register_webhook(topic, webhook_url.clone());
        }
        stripe
            .fake
            .register_webhook_endpoint(intake_url.join("webhooks/stripe")?);
        warehouse
            .fake
            .register_notice_url(intake_url.join("webhooks/warehouse")?);

        let shopify_paytrace = workflows;
        let (stop, shutdown) = watch::channel(false);
        let worker = tokio::spawn(worker.run(shutdown));

        Ok(Self {
            faults,
            paytrace,
            shopify,
            stripe,
            magento,
            warehouse,
            chat,
            magento_stripe,
            shopify_paytrace,
            store,
            ledger,
            intake_url,
            console_url,
            console_token,
            metrics_url,
            stop,
            worker,
            intake: intake_task,
            _dir: dir,
        })
    }

    /// Every secret the stack holds, by what it is: the providers' credentials and webhook
    /// secrets, the warehouse's and the chat's shared secrets, the console's token, and the card
    /// numbers its orders are paid with. None may show in a log, a metric, a console page, a
    /// notice or an error ([`find_secrets`]).
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        use secrecy::ExposeSecret;
        let mut secrets = vec![
            ("PayTrace user", self.paytrace.fake.username().to_owned()),
            (
                "PayTrace password",
                self.paytrace.fake.password().to_owned(),
            ),
            (
                "PayTrace integrator id",
                self.paytrace.fake.integrator_id().to_owned(),
            ),
            (
                "Shopify access token",
                self.shopify.fake.access_token().to_owned(),
            ),
            (
                "Shopify webhook secret",
                self.shopify.fake.webhook_secret().to_owned(),
            ),
            (
                "Stripe secret key",
                self.stripe.fake.secret_key().to_owned(),
            ),
            (
                "Stripe webhook secret",
                self.stripe.fake.webhook_secret().to_owned(),
            ),
            (
                "Magento consumer secret",
                self.magento.fake.consumer_secret().to_owned(),
            ),
            (
                "Magento access token",
                self.magento.fake.access_token().to_owned(),
            ),
            (
                "Magento token secret",
                self.magento.fake.access_token_secret().to_owned(),
            ),
            ("warehouse secret", self.warehouse.fake.secret().to_owned()),
            ("chat secret", self.chat.fake.secret().to_owned()),
            (
                "console token",
                self.console_token.expose_secret().to_owned(),
            ),
        ];
        secrets.extend(CARD_NUMBERS.map(|n| ("card number", n.to_owned())));
        secrets
    }

    /// The poller that finds Magento orders waiting for payment.
    pub fn magento_poller(&self) -> MagentoOrderPoller {
        self.magento_stripe.poller(Arc::clone(&self.store))
    }

    /// The poller that finds Shopify orders whose `orders/create` never came.
    pub fn shopify_order_poller(&self) -> ShopifyOrderPoller {
        self.shopify_paytrace.order_poller(Arc::clone(&self.store))
    }

    /// A Stripe client for the fake (the merchant's own calls, such as a refund from the dashboard).
    pub fn stripe_client(&self) -> Result<stripe_client::Client, BoxError> {
        Ok(stripe_client(&self.stripe)?)
    }

    /// A Shopify client for the fake (the merchant's own calls, such as a refund from the admin).
    pub fn shopify_client(&self) -> Result<shopify::Client, BoxError> {
        Ok(shopify_client(&self.shopify)?)
    }

    /// A PayTrace client of the fake (for what the flows do not do: reading the settled
    /// batches).
    pub fn paytrace_client(&self) -> Result<paytrace::Client, BoxError> {
        Ok(paytrace_client(&self.paytrace)?)
    }

    /// Waits until no webhook is in flight and no job is queued or running, up to `timeout`.
    /// Jobs waiting for a retry count as queued, so this also waits out backoffs.
    pub async fn settle(&self, timeout: Duration) -> Result<bool, BoxError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let deliveries = || {
            self.shopify.fake.webhooks().pending()
                + self.stripe.fake.webhooks().pending()
                + self.warehouse.fake.webhooks().pending()
        };
        loop {
            // Deliveries first: one that ends after the jobs were counted would have its job
            // missed (its event is stored and its job queued before the intake answers, so a
            // delivery over before the count has its job in it).
            let in_flight = deliveries();
            let counts = self.store.counts().await?;
            // Jobs scheduled for later (a dispute's evidence reminder) are not work left.
            let idle = in_flight == 0
                && counts.queued == counts.scheduled
                && counts.running == 0
                && deliveries() == 0;
            if idle {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the worker (letting in-flight jobs finish) and the intake.
    pub async fn stop(self) -> Result<(), BoxError> {
        let _ = self.stop.send(true);
        self.worker.await??;
        self.intake.abort();
        Ok(())
    }
}

fn paytrace_client(paytrace: &Running<PaytraceFake>) -> Result<paytrace::Client, paytrace::Error> {
    paytrace::Client::builder(
        paytrace.fake.username(),
        SecretString::from(paytrace.fake.password().to_owned()),
    )
    .base_url(paytrace.base_url().as_str())
    .integrator_id(paytrace.fake.integrator_id())
    .timeout(Duration::from_secs(2))
    .build()
}

fn shopify_client(shopify: &Running<ShopifyFake>) -> Result<shopify::Client, shopify::Error> {
    shopify::Client::builder()
        .base_url(shopify.base_url().clone())
        .access_token(SecretString::from(shopify.fake.access_token().to_owned()))
        .build()
}

/// The exit code of a binary's `run`: on failure the error is printed (its `Display`, which
/// names the file, variable or field at fault) and the code is 1.
pub fn exit_code(result: Result<(), BoxError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The exit code of a binary whose `run` checks an outcome (the demo, the benchmarks): 0 when
/// it held, 1 when it did not, and 2, with the error printed after `name failed`, when the run
/// could not finish.
pub fn checked_exit_code(name: &str, result: Result<bool, BoxError>) -> std::process::ExitCode {
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(err) => {
            eprintln!("{name} failed: {err}");
            std::process::ExitCode::from(2)
        }
    }
}

/// A required environment variable; the error names it (never its value).
pub fn env_var(name: &str) -> Result<String, BoxError> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set").into())
}

/// An optional environment variable with a default.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// An optional environment variable read as a `T` (a number, say), or `default`; the error
/// names the variable.
pub fn env_parse<T>(name: &str, default: T) -> Result<T, BoxError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|e| format!("{name}: `{value}` cannot be read: {e}").into()),
        Err(_) => Ok(default),
    }
}

/// A required secret from the environment, kept as a [`SecretString`].
pub fn env_secret(name: &str) -> Result<SecretString, BoxError> {
    env_var(name).map(SecretString::from)
}

/// Serves `service` on `listen` until Ctrl-C or SIGTERM, then stops its worker gracefully (see
/// [`payops::serve_until_stopped`]).
pub async fn serve_until_stopped(listen: &str, service: payops::Service) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!(
        "webhook intake listening on http://{}/webhooks/...",
        listener.local_addr()?
    );
    Ok(payops::serve_until_stopped(listener, service.router, service.worker).await?)
}

fn stripe_client(
    stripe: &Running<StripeFake>,
) -> Result<stripe_client::Client, stripe_client::Error> {
    stripe_client::Client::builder(SecretString::from(stripe.fake.secret_key().to_owned()))
        .base_url(stripe.base_url().as_str())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_ledger_path_opens_a_sqlite_ledger_and_a_bad_url_names_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("books.sqlite");
        let ledger = open_ledger(path.to_str().unwrap(), 4).await.unwrap();
        assert!(
            format!("{ledger:?}").to_lowercase().contains("sqlite"),
            "{ledger:?}"
        );
        drop(ledger);
        assert!(path.exists());
        let err = open_ledger("postgresql://payops:hunter2@127.0.0.1:1/ledger", 4)
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn a_sqlite_path_opens_a_sqlite_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flows.sqlite");
        let store = open_store(path.to_str().unwrap(), 8).await.unwrap();
        store.ready().await.unwrap();
        assert!(path.exists());
    }

    #[test]
    fn the_pool_covers_the_concurrency_and_the_intake() {
        assert_eq!(default_pg_pool(8), 16);
        assert_eq!(default_pg_pool(50), 58);
    }
}

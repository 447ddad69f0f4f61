//! End to end through the sandbox: Shopify `orders/create` and `refunds/create` webhooks, signed by
//! the Shopify fake, go through the intake router into a SQLite store in a temporary directory; a
//! worker runs the Shopify + PayTrace workflows against the PayTrace and Shopify fakes and books
//! into the embedded ledger. Every test asserts on the fakes' and the ledger's state, never on the
//! workflow's own view of itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use erp::{Erp, LocalLedger};
use flows::intake::{Intake, ShopifyWebhooks};
use flows::workflow::Flow;
use flows::workflows::shopify_paytrace::{
    ATTR_VAULT_CUSTOMER, Config, OrderPayment, PaymentMode, RiskDecision, RiskGate, SaleRecovery,
    ShopifyPaytrace,
};
use flows::{
    Backoff, BreakerConfig, Counts, DeadLetter, FlowError, SqliteStore, StepError, Store, Worker,
    WorkerConfig,
};
use mapping::System;
use mapping::erp::ErpCtx;
use mapping::paytrace::OrderCtx;
use paytrace::Decimal;
use sandbox::paytrace::{Address, PaytraceFake, Transaction, TransactionKind};
use sandbox::shopify::{FinancialStatus, NewOrder, ShopifyFake};
use sandbox::{Fault, FaultRule, Faults, Running, Trigger};
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

mod backfill;
/// PayTrace chargebacks and Shopify Payments disputes, on this module's `TestApp`.
#[path = "shopify_chargeback.rs"]
mod chargeback;
/// The fraud screen as the risk gate, on this module's `TestApp`.
#[path = "shopify_fraud.rs"]
mod fraud_screen;
/// Warehouse fulfilment, on this module's `TestApp`.
#[path = "shopify_fulfilment.rs"]
mod fulfilment;
/// Refunds asked for outside Shopify, on this module's `TestApp`.
#[path = "shopify_refund_request.rs"]
mod refund_request;
/// PayTrace's transaction export against the books, on this module's `TestApp`.
#[path = "shopify_sales.rs"]
mod sales;
/// The PayTrace vault: Protect.js cards vaulted, saved cards charged, on this module's `TestApp`.
#[path = "shopify_vault.rs"]
mod vault;

/// The PayTrace merchant account named in ERP payment references.
const ACCOUNT: &str = "sandbox-merchant";
/// A PayTrace test card (documented), stored in every seeded vault customer.
const VISA: &str = "4012000098765439";
/// The PayTrace fake declines a sale of this amount ("Do not honor", documented).
const DECLINED_AMOUNT: &str = "1.12";
/// The field a dead letter names when an order carries no card.
const MISSING_VAULT_FIELD: &str = "order.note_attributes.paytrace_customer_id";
/// The PayTrace processing window the tests assume (see `SaleRecovery`).
const PROCESSING_WINDOW: Duration = Duration::from_millis(300);

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A risk gate that never calls Shopify, so the first Shopify call of a flow comes after the sale.
struct AlwaysProceed;

#[async_trait]
impl RiskGate for AlwaysProceed {
    async fn assess(
        &self,
        _order: &mapping::Order,
        _order_id: &shopify::Gid,
    ) -> Result<RiskDecision, StepError> {
        Ok(RiskDecision::Proceed)
    }
}

/// How a test's app is set up.
#[derive(Clone, Copy)]
struct Options {
    max_attempts: u32,
    lease: Duration,
    /// Use [`AlwaysProceed`] instead of Shopify's risk recommendation.
    skip_shopify_risk: bool,
    /// Reach PayTrace through a [`SlowProxy`].
    paytrace_proxy: bool,
    /// Sale, or authorization captured on fulfilment.
    payment: PaymentMode,
    /// The PayTrace client's timeout: with the processing window, how long a charge without an
    /// answer may still land.
    paytrace_timeout: Duration,
    /// Charges that provably never landed are sent again (or go to a person).
    resend: bool,
    /// Jobs run at once.
    concurrency: usize,
    /// The ERP answers one document short when several are recorded together.
    short_erp: bool,
    /// The message of the invoice e-mailed to a declined customer, if any.
    decline_invoice: Option<&'static str>,
    /// The worker sends notices, to the app's recording notifier.
    notify: bool,
    /// Vault profiles of deleted or erased customers are kept.
    keep_vault_profiles: bool,
    /// The fraud screen with [`fraud_screen::scorer`] is the risk gate.
    fraud_screen: bool,
    /// With `fraud_screen`, its rules are [`fraud_screen::history_screener`]'s.
    fraud_history: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_attempts: 15,
            lease: Duration::from_secs(10),
            skip_shopify_risk: false,
            paytrace_proxy: false,
            payment: PaymentMode::Sale,
            paytrace_timeout: Duration::from_secs(1),
            resend: true,
            concurrency: 4,
            short_erp: false,
            decline_invoice: None,
            notify: false,
            keep_vault_profiles: false,
            fraud_screen: false,
            fraud_history: false,
        }
    }
}

/// The ledger, except that `record_all` answers one document short (a faulty connector).
struct ShortErp(LocalLedger);

#[async_trait]
impl Erp for ShortErp {
    async fn upsert_customer(&self, c: &erp::Customer) -> Result<erp::Recorded, erp::Error> {
        self.0.upsert_customer(c).await
    }
    async fn create_sales_order(&self, o: &erp::SalesOrder) -> Result<erp::Recorded, erp::Error> {
        self.0.create_sales_order(o).await
    }
    async fn create_invoice(&self, i: &erp::Invoice) -> Result<erp::Recorded, erp::Error> {
        self.0.create_invoice(i).await
    }
    async fn post_payment(&self, p: &erp::Payment) -> Result<erp::Recorded, erp::Error> {
        self.0.post_payment(p).await
    }
    async fn create_credit_memo(&self, m: &erp::CreditMemo) -> Result<erp::Recorded, erp::Error> {
        self.0.create_credit_memo(m).await
    }
    async fn post_journal_entry(&self, e: &erp::JournalEntry) -> Result<erp::Recorded, erp::Error> {
        self.0.post_journal_entry(e).await
    }
    async fn record_dispute(&self, d: &erp::Dispute) -> Result<erp::Recorded, erp::Error> {
        self.0.record_dispute(d).await
    }
    async fn find_by_external_ref(&self, r: &str) -> Result<Option<erp::DocumentRef>, erp::Error> {
        self.0.find_by_external_ref(r).await
    }
    async fn open_receivables(&self) -> Result<Vec<erp::OpenReceivable>, erp::Error> {
        self.0.open_receivables().await
    }
    async fn record_all(
        &self,
        documents: &[erp::NewDocument<'_>],
    ) -> Result<Vec<erp::Recorded>, erp::Error> {
        let mut recorded = self.0.record_all(documents).await?;
        recorded.pop();
        Ok(recorded)
    }
}

/// A TCP proxy whose answers can be held back: the request reaches the server (which acts on
/// it at once) while the client waits, like a PayTrace sale that takes seconds to answer.
struct SlowProxy {
    url: String,
    hold_answers: Arc<std::sync::atomic::AtomicBool>,
    task: JoinHandle<()>,
}

impl SlowProxy {
    async fn start(upstream: &str) -> Self {
        let upstream: std::net::SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hold_answers = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hold = Arc::clone(&hold_answers);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let hold = Arc::clone(&hold);
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client_in, mut client_out) = client.into_split();
                    let (mut server_in, mut server_out) = server.into_split();
                    let requests = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut client_in, &mut server_out).await;
                    });
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = server_in.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        while hold.load(Ordering::SeqCst) {
                            sleep(ms(10)).await;
                        }
                        if client_out.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    requests.abort();
                });
            }
        });
        Self {
            url,
            hold_answers,
            task,
        }
    }

    fn hold_answers(&self, hold: bool) {
        self.hold_answers.store(hold, Ordering::SeqCst);
    }
}

struct RunningWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), FlowError>>,
}

/// An order created in the Shopify fake and delivered as `orders/create`.
#[derive(Debug, Clone)]
struct PlacedOrder {
    id: u64,
    gid: shopify::Gid,
    /// The `orders/create` body as delivered.
    body: Value,
    vault: Option<String>,
    total: Decimal,
}

/// The whole system on loopback (after zero2prod's `spawn_app`).
struct TestApp {
    faults: Faults,
    paytrace: Running<PaytraceFake>,
    shopify: Running<ShopifyFake>,
    store: Arc<SqliteStore>,
    ledger: LocalLedger,
    shopify_client: shopify::Client,
    paytrace_client: paytrace::Client,
    config: Config,
    options: Options,
    /// Where the intake router receives Shopify webhooks.
    hook_url: String,
    intake: JoinHandle<()>,
    paytrace_proxy: Option<SlowProxy>,
    worker: Option<RunningWorker>,
    workers_started: AtomicU64,
    seq: AtomicU64,
    /// What the worker's notifier sent (with [`Options::notify`]).
    notices: Arc<crate::notify::Recording>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.intake.abort();
        if let Some(proxy) = &self.paytrace_proxy {
            proxy.task.abort();
        }
        if let Some(worker) = self.worker.take() {
            worker.task.abort();
        }
    }
}

impl TestApp {
    async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    async fn spawn_with(options: Options) -> Self {
        let faults = Faults::with_seed(7);
        let paytrace = Running::start(PaytraceFake::new(), &faults).await.unwrap();
        // Shopify's 8 retries over 4 hours, compressed.
        let shopify_fake = ShopifyFake::new().with_retry_schedule(vec![ms(20); 8]);
        // A bucket that does not throttle unless a test asks it to.
        shopify_fake.set_bucket(1_000_000, 1_000_000);
        let shopify = Running::start(shopify_fake, &faults).await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("flows.sqlite")).unwrap());
        let ledger = LocalLedger::open(dir.path().join("ledger.sqlite"))
            .await
            .unwrap();

        let recovery = SaleRecovery::new(PROCESSING_WINDOW);
        let recovery = if options.resend {
            recovery
        } else {
            recovery.never_resend()
        };
        let mut config = Config::new(shopify.fake.shop_domain(), ACCOUNT)
            .payment(options.payment)
            .recovery(recovery);
        if let Some(message) = options.decline_invoice {
            config = config.decline_invoice(message);
        }
        if options.keep_vault_profiles {
            config = config.keep_vault_profiles();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let intake_addr = listener.local_addr().unwrap();
        let hook_url = format!("http://{intake_addr}/webhooks/shopify");
        for topic in ["orders/create", "refunds/create", "fulfillments/create"] {
            shopify
                .fake
                .register_webhook(topic, hook_url.parse().unwrap());
        }

        let shopify_client = shopify::Client::builder()
            .base_url(shopify.base_url().clone())
            .access_token(SecretString::from(shopify.fake.access_token()))
            .timeout(Duration::from_secs(5))
            .retry(
                shopify::RetryConfig::standard()
                    .with_max_retries(2)
                    .with_backoff(ms(5), ms(50)),
            )
            .build()
            .unwrap();
        let paytrace_proxy = if options.paytrace_proxy {
            Some(SlowProxy::start(paytrace.base_url().as_str()).await)
        } else {
            None
        };
        let paytrace_url = paytrace_proxy
            .as_ref()
            .map_or_else(|| paytrace.base_url().to_string(), |p| p.url.clone());
        let paytrace_client = paytrace::Client::builder(
            paytrace.fake.username(),
            SecretString::from(paytrace.fake.password()),
        )
        .base_url(paytrace_url)
        .integrator_id(paytrace.fake.integrator_id())
        .timeout(options.paytrace_timeout)
        .retry(paytrace::RetryConfig::standard().with_backoff(ms(5), ms(50)))
        .build()
        .unwrap();
        let erp: Arc<dyn Erp> = Arc::new(ledger.clone());
        let workflows = ShopifyPaytrace::new(
            shopify_client.clone(),
            paytrace_client.clone(),
            erp,
            config.clone(),
        );
        let routes = Intake::new(Arc::clone(&store))
            .source(ShopifyWebhooks::new(shopify::WebhookVerifier::new(
                SecretString::from(shopify.fake.webhook_secret()),
            )))
            .routes(workflows.routes())
            .router();
        let intake = tokio::spawn(async move {
            axum::serve(listener, routes).await.unwrap();
        });

        let mut app = Self {
            faults,
            paytrace,
            shopify,
            store,
            ledger,
            shopify_client,
            paytrace_client,
            config,
            options,
            hook_url,
            intake,
            paytrace_proxy,
            worker: None,
            workers_started: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            notices: Arc::default(),
            _dir: dir,
        };
        app.start_worker();
        app
    }

    fn worker(&self) -> Worker {
        let n = self.workers_started.fetch_add(1, Ordering::SeqCst);
        let config = WorkerConfig::new(format!("worker-{n}"))
            .concurrency(self.options.concurrency)
            .lease(self.options.lease)
            .poll_interval(ms(5))
            .backoff(Backoff::new(ms(5), ms(40), self.options.max_attempts))
            .breaker(BreakerConfig::new(5, ms(30)))
            .shutdown_grace(ms(200));
        let erp: Arc<dyn Erp> = if self.options.short_erp {
            Arc::new(ShortErp(self.ledger.clone()))
        } else {
            Arc::new(self.ledger.clone())
        };
        let mut workflows = ShopifyPaytrace::new(
            self.shopify_client.clone(),
            self.paytrace_client.clone(),
            erp,
            self.config.clone(),
        );
        if self.options.skip_shopify_risk {
            workflows = workflows.risk_gate(AlwaysProceed);
        }
        if self.options.fraud_screen {
            workflows = workflows.fraud_screen(if self.options.fraud_history {
                fraud_screen::history_screener()
            } else {
                fraud_screen::screener()
            });
        }
        let worker = workflows.register(Worker::new(Arc::clone(&self.store), config));
        if self.options.notify {
            let notifier: Arc<dyn flows::notify::Notifier> = self.notices.clone();
            worker.notify(flows::notify::Notices::new(notifier))
        } else {
            worker
        }
    }

    fn start_worker(&mut self) {
        assert!(self.worker.is_none(), "a worker is running already");
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(self.worker().run(shutdown));
        self.worker = Some(RunningWorker { stop, task });
    }

    /// Graceful shutdown: in-flight jobs finish or are released.
    async fn stop_worker(&mut self) {
        let worker = self.worker.take().expect("no worker running");
        worker.stop.send(true).unwrap();
        worker.task.await.unwrap().unwrap();
    }

    /// A crash: the worker's tasks vanish mid-step, their leases stay in the store.
    async fn kill_worker(&mut self) {
        let worker = self.worker.take().expect("no worker running");
        worker.task.abort();
        assert!(worker.task.await.unwrap_err().is_cancelled());
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Seeds a PayTrace vault customer with a test card and returns its id.
    fn seed_vault_customer(&self) -> String {
        let id = format!("vault-{}", self.next());
        let billing = Address {
            name: Some("Sandbox Buyer".to_owned()),
            street_address: Some("8320 E. West St.".to_owned()),
            zip: Some("85284".to_owned()),
            ..Address::default()
        };
        assert!(
            self.paytrace
                .fake
                .seed_customer(&id, VISA, 12, 2035, billing)
        );
        id
    }

    /// An order of one item at `amount`, paid with a fresh vault customer.
    fn place_order(&self, amount: &str) -> PlacedOrder {
        let vault = self.seed_vault_customer();
        self.place_order_with(amount, Some(vault))
    }

    /// Creates the order in the Shopify fake, which sends `orders/create`, with the vault
    /// customer in the note attributes when there is one.
    fn place_order_with(&self, amount: &str, vault: Option<String>) -> PlacedOrder {
        let n = self.next();
        let mut new = NewOrder::simple(&format!("buyer{n}@example.com"), dec(amount));
        if let Some(vault) = &vault {
            new = new.note_attribute(ATTR_VAULT_CUSTOMER, vault);
        }
        let body = self.shopify.fake.create_order(new);
        let id = body["id"].as_u64().unwrap();
        PlacedOrder {
            id,
            gid: shopify::Gid::new("Order", id),
            body,
            vault,
            total: dec(amount),
        }
    }

    /// Creates `new` (with a fresh vault customer added) in the Shopify fake, whose total is
    /// `total`.
    fn place_new_order(&self, new: NewOrder, total: &str) -> PlacedOrder {
        let has_card = new
            .note_attributes
            .iter()
            .any(|(name, _)| name == ATTR_VAULT_CUSTOMER);
        let (new, vault) = if has_card {
            let vault = new
                .note_attributes
                .iter()
                .find(|(name, _)| name == ATTR_VAULT_CUSTOMER)
                .map(|(_, v)| v.clone());
            (new, vault)
        } else {
            let vault = self.seed_vault_customer();
            (new.note_attribute(ATTR_VAULT_CUSTOMER, &vault), Some(vault))
        };
        let body = self.shopify.fake.create_order(new);
        let id = body["id"].as_u64().unwrap();
        assert_eq!(body["total_price"], total, "{body:#}");
        PlacedOrder {
            id,
            gid: shopify::Gid::new("Order", id),
            body,
            vault,
            total: dec(total),
        }
    }

    /// Waits (at most 15 s) until the webhook sender is idle and no job is queued or running.
    async fn settle(&self) -> Counts {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let pending = self.shopify.fake.webhooks().pending();
            let counts = self.store.counts().await.unwrap();
            if pending == 0 && counts.queued == 0 && counts.running == 0 {
                return counts;
            }
            assert!(
                Instant::now() < deadline,
                "not settled after 15 s: {counts:?}, {pending} webhooks pending, dead letters {:#?}",
                self.dead_letters().await
            );
            sleep(ms(10)).await;
        }
    }

    async fn dead_letters(&self) -> Vec<DeadLetter> {
        self.store.dead_letters(1000).await.unwrap()
    }

    /// The canonical order the workflow maps the delivered body to.
    fn canonical(&self, order: &PlacedOrder) -> mapping::Order {
        let rest: shopify::rest::Order = serde_json::from_value(order.body.clone()).unwrap();
        mapping::Order::try_from(&rest).unwrap()
    }

    /// The PayTrace `invoice_id` of the order's sale.
    fn invoice_id(&self, order: &PlacedOrder) -> String {
        mapping::paytrace::invoice_id(&self.canonical(order), &OrderCtx::default()).unwrap()
    }

    /// Every sale PayTrace received for the order (declines included).
    fn sales(&self, order: &PlacedOrder) -> Vec<Transaction> {
        self.paytrace
            .fake
            .transactions_by_invoice(&self.invoice_id(order))
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Sale)
            .collect()
    }

    /// The one approved sale of the order.
    fn approved_sale(&self, order: &PlacedOrder) -> Transaction {
        let approved: Vec<_> = self
            .sales(order)
            .into_iter()
            .filter(|t| t.approved)
            .collect();
        assert_eq!(
            approved.len(),
            1,
            "approved sales of order {}: {approved:#?}",
            order.id
        );
        approved.into_iter().next().unwrap()
    }

    fn approved_sales_total(&self) -> usize {
        self.paytrace
            .fake
            .transactions()
            .iter()
            .filter(|t| t.kind == TransactionKind::Sale && t.approved)
            .count()
    }

    fn shopify_order(&self, order: &PlacedOrder) -> sandbox::shopify::Order {
        self.shopify.fake.order(order.id).unwrap()
    }

    fn metafield(&self, order: &PlacedOrder, key: &str) -> Option<String> {
        self.shopify_order(order)
            .metafields
            .into_iter()
            .find(|m| m.namespace == "payops" && m.key == key)
            .map(|m| m.value)
    }

    fn erp_ctx(&self) -> ErpCtx {
        ErpCtx::new(
            System::Shopify,
            self.shopify.fake.shop_domain(),
            ACCOUNT,
            time::OffsetDateTime::now_utc().date(),
        )
    }

    fn invoice_ref(&self, order: &PlacedOrder) -> String {
        mapping::erp::invoice_ref(&self.canonical(order), &self.erp_ctx()).unwrap()
    }

    fn sales_order_ref(&self, order: &PlacedOrder) -> String {
        mapping::erp::order_ref(&self.canonical(order), &self.erp_ctx()).unwrap()
    }

    async fn erp_document(&self, external_ref: &str) -> Option<erp::DocumentRef> {
        self.ledger
            .find_by_external_ref(external_ref)
            .await
            .unwrap()
    }

    /// Whether the ERP invoice of the order is still (partly) unpaid.
    async fn invoice_open(&self, order: &PlacedOrder) -> bool {
        let invoice = self.invoice_ref(order);
        self.ledger
            .open_receivables()
            .await
            .unwrap()
            .iter()
            .any(|r| r.invoice.external_ref == invoice)
    }

    /// The receivables account reconciled against the documents (one currency: USD).
    async fn receivables(&self) -> erp::ledger::ReceivablesCheck {
        let checks = self.ledger.receivables_check().await.unwrap();
        assert_eq!(checks.len(), 1, "{checks:#?}");
        let check = checks.into_iter().next().unwrap();
        assert!(check.is_consistent(), "{check:#?}");
        self.ledger.verify_journals().await.unwrap();
        check
    }

    /// The order's entity key (its jobs' key).
    fn order_key(&self, order: &PlacedOrder) -> String {
        format!(
            "shopify/{}/order/{}",
            self.shopify.fake.shop_domain(),
            order.id
        )
    }

    fn effect_key(&self, order: &PlacedOrder, step: &str) -> String {
        format!(
            "shopify/{}/order/{}/{step}",
            self.shopify.fake.shop_domain(),
            order.id
        )
    }

    /// Asserts everything an approved order leaves behind, and returns its sale.
    async fn assert_paid(&self, order: &PlacedOrder) -> Transaction {
        let sale = self.approved_sale(order);
        assert_eq!(sale.amount, order.total);
        assert_eq!(sale.customer_id, order.vault);
        let shopify_order = self.shopify_order(order);
        assert_eq!(
            shopify_order.financial_status(),
            FinancialStatus::Paid,
            "order {}",
            order.id
        );
        assert_eq!(
            self.metafield(order, "transaction_id"),
            Some(sale.id.to_string())
        );
        assert!(
            self.erp_document(&self.invoice_ref(order)).await.is_some(),
            "no ERP invoice for order {}",
            order.id
        );
        assert!(
            !self.invoice_open(order).await,
            "ERP invoice of order {} is not paid",
            order.id
        );
        sale
    }

    /// Asserts what a declined order leaves behind: no approved sale, the Shopify order tagged
    /// and noted, nothing in the ERP.
    async fn assert_declined(&self, order: &PlacedOrder) {
        let sales = self.sales(order);
        assert!(
            !sales.is_empty(),
            "order {} was never sent to PayTrace",
            order.id
        );
        assert!(sales.iter().all(|t| !t.approved), "{sales:#?}");
        let shopify_order = self.shopify_order(order);
        assert!(
            shopify_order.tags.iter().any(|t| t == "payops-declined"),
            "tags of order {}: {:?}",
            order.id,
            shopify_order.tags
        );
        let note = shopify_order.note.clone().unwrap_or_default();
        assert!(note.contains("declined"), "note: {note:?}");
        assert_eq!(shopify_order.financial_status(), FinancialStatus::Pending);
        assert!(shopify_order.metafields.is_empty());
        assert!(
            self.erp_document(&self.sales_order_ref(order))
                .await
                .is_none()
        );
        assert!(self.erp_document(&self.invoice_ref(order)).await.is_none());
    }

    /// Refunds `amount` of the order's PayTrace sale in Shopify (`refundCreate`, which sends
    /// `refunds/create`), against the transaction the workflow's `orderMarkAsPaid` created.
    /// Fulfils the whole order whose fulfillment order is `fulfillment_order_id`, through the
    /// Shopify client (the fake then sends `fulfillments/create`).
    async fn fulfil(&self, fulfillment_order_id: u64) {
        let fulfillment_order = shopify::Gid::new("FulfillmentOrder", fulfillment_order_id);
        self.shopify_client
            .fulfillments()
            .create(&shopify::models::FulfillmentInput::whole(fulfillment_order))
            .await
            .unwrap();
    }

    async fn refund_in_shopify(&self, order: &PlacedOrder, amount: &str) {
        let parent = self
            .shopify_order(order)
            .transactions
            .into_iter()
            .find(|t| t.kind == sandbox::shopify::TransactionKind::Sale)
            .expect("the order has no sale transaction in Shopify");
        let mut input = shopify::models::RefundInput::new(order.gid.clone());
        input
            .transactions
            .push(shopify::models::TransactionInput::refund(
                order.gid.clone(),
                shopify::Gid::new("OrderTransaction", parent.id),
                dec(amount),
                parent.gateway.clone(),
            ));
        self.shopify_client
            .refunds()
            .create(&input, &format!("e2e-refund-{}", self.next()))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_order_is_charged_once_marked_paid_and_booked() {
    let app = TestApp::spawn().await;
    let order = app.place_order("25.00");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    let sale = app.assert_paid(&order).await;
    assert_eq!(
        sale.invoice_id.as_deref(),
        Some(app.invoice_id(&order).as_str())
    );
    assert_eq!(
        app.metafield(&order, "gateway").as_deref(),
        Some("paytrace")
    );
    assert_eq!(app.metafield(&order, "vault_id"), order.vault);
    assert!(
        app.erp_document(&app.sales_order_ref(&order))
            .await
            .is_some()
    );
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.ledger_balance
        ),
        (2500, 2500, 0)
    );
    let canonical = format!("{}/canonical", app.order_key(&order));
    assert!(
        app.store.state(&canonical).await.unwrap().is_some(),
        "no canonical order kept"
    );
    for step in [
        "risk",
        "charge",
        "mark-paid",
        "metafields",
        "erp/customer",
        "erp/sales-order",
        "erp/invoice",
        "erp/payment",
    ] {
        let key = app.effect_key(&order, step);
        assert!(
            app.store.effect(&key).await.unwrap().is_some(),
            "no effect {key}"
        );
    }
    let recorded = app
        .store
        .effect(&app.effect_key(&order, "charge"))
        .await
        .unwrap()
        .unwrap();
    assert!(recorded.detail.to_string().contains(&sale.id.to_string()));
}

/// The nightly batch, reconciled: each sale the flows booked pairs with its settlement line by
/// transaction id, and the batch's journal moves the money from PayTrace's clearing account to
/// the bank, once however often the batch is reconciled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settled_batch_reconciles_with_the_books_and_clears_the_gateway_account() {
    let app = TestApp::spawn().await;
    let orders = [app.place_order("25.00"), app.place_order("40.00")];
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let before = app.ledger.trial_balance().await.unwrap();
    assert_eq!(
        crate::balance(&before, "1200-paytrace"),
        6_500,
        "{before:#?}"
    );

    let batch = app.paytrace.fake.settle_now().expect("a batch");
    let today = time::OffsetDateTime::now_utc().date();
    let account = mapping::paytrace::SettlementCtx {
        account_utc_offset: time::UtcOffset::UTC,
    };
    let batches = flows::settlement::paytrace_batches(&app.paytrace_client, today, &account)
        .await
        .unwrap();
    assert_eq!(batches.len(), 1);
    assert!(batches[0].iter().all(|l| l.batch_id == batch.to_string()));
    let ctx = app.erp_ctx();
    let reconcile = || {
        flows::settlement::reconcile_period(
            &app.ledger,
            &ctx,
            System::Paytrace,
            &batches,
            (today, today),
            7,
        )
    };
    let report = reconcile().await.unwrap();
    let outcomes: Vec<_> = report
        .reconciliation
        .results
        .iter()
        .map(|o| (o.status, o.pass))
        .collect();
    assert_eq!(
        outcomes,
        [(
            reconcile::Status::Matched,
            reconcile::MatchPass::TransactionId
        ); 2],
        "{report:#?}"
    );
    let sales: Vec<String> = orders
        .iter()
        .map(|o| app.sales(o)[0].id.to_string())
        .collect();
    let mut settled: Vec<String> = report
        .settlement
        .iter()
        .map(|l| l.transaction_id.clone())
        .collect();
    settled.sort();
    let mut expected = sales.clone();
    expected.sort();
    assert_eq!(settled, expected);
    assert_eq!(report.journals.len(), 1);
    assert!(report.journals[0].created);

    let after = app.ledger.trial_balance().await.unwrap();
    assert_eq!(crate::balance(&after, "1200-paytrace"), 0, "{after:#?}");
    assert_eq!(
        crate::balance(&after, "1000"),
        6_500,
        "the bank holds the deposit"
    );
    app.ledger.verify_journals().await.unwrap();

    // Reconciled again (a rerun, a retried job): the same answer, nothing booked twice.
    let again = reconcile().await.unwrap();
    assert!(!again.journals[0].created);
    assert_eq!(again.reconciliation, report.reconciliation);
    assert_eq!(app.ledger.trial_balance().await.unwrap(), after);
}

/// PayTrace sends no settlement webhook: a timer enqueues each closed day's reconciliation job
/// from a checkpoint, once per day, and the job books the day's batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_closed_day_is_reconciled_once_by_its_scheduled_job() {
    let app = TestApp::spawn().await;
    app.place_order("25.00");
    app.settle().await;
    app.paytrace.fake.settle_now().expect("a batch");
    let workflows = ShopifyPaytrace::new(
        app.shopify_client.clone(),
        app.paytrace_client.clone(),
        Arc::new(app.ledger.clone()),
        app.config.clone(),
    );
    let days = workflows.settlement_days(Arc::clone(&app.store));
    let now = time::OffsetDateTime::now_utc();
    let today = now.date();
    // The first call starts with yesterday: today's batches are not closed yet.
    let yesterday = today - time::Duration::DAY;
    assert_eq!(days.enqueue_due(now).await.unwrap(), [yesterday]);
    assert!(
        days.enqueue_due(now).await.unwrap().is_empty(),
        "once a day"
    );
    let tomorrow = now + time::Duration::DAY;
    assert_eq!(days.enqueue_due(tomorrow).await.unwrap(), [today]);
    app.settle().await;

    let key = format!("paytrace/{ACCOUNT}/payout/{today}/erp/settlement");
    let recorded = app
        .store
        .effect(&key)
        .await
        .unwrap()
        .expect("the day's record");
    let reconciled: flows::settlement::Reconciled =
        serde_json::from_value(recorded.detail).unwrap();
    assert_eq!(reconciled.discrepancies, 0, "{reconciled:?}");
    assert_eq!(reconciled.outcomes.get("matched"), Some(&1));
    assert_eq!(reconciled.journals.len(), 1);
    let trial = app.ledger.trial_balance().await.unwrap();
    assert_eq!(
        (
            crate::balance(&trial, "1200-paytrace"),
            crate::balance(&trial, "1000")
        ),
        (0, 2_500)
    );
    // Yesterday had no batch: nothing booked, nothing to report.
    let key = format!("paytrace/{ACCOUNT}/payout/{yesterday}/erp/settlement");
    let recorded = app
        .store
        .effect(&key)
        .await
        .unwrap()
        .expect("yesterday's record");
    let quiet: flows::settlement::Reconciled = serde_json::from_value(recorded.detail).unwrap();
    assert!(
        quiet.journals.is_empty() && quiet.discrepancies == 0,
        "{quiet:?}"
    );

    // A scheduler that was down for months catches up a month, not every day since.
    let later = tomorrow + time::Duration::days(100);
    let caught_up = days.enqueue_due(later).await.unwrap();
    assert_eq!(
        caught_up.len(),
        flows::workflows::shopify_paytrace::MAX_CATCH_UP_DAYS as usize
    );
    assert_eq!(
        caught_up.last(),
        Some(&(later.date() - time::Duration::DAY))
    );
}

/// The settlement days' poller is a job on the worker's schedule: its run enqueues the closed
/// days, the days' jobs run, and it waits its interval for the next poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settlement_days_poller_is_a_job_on_the_worker_schedule() {
    let mut app = TestApp::spawn().await;
    // Only this test's worker, which knows the poller's flow, claims jobs.
    app.stop_worker().await;
    let workflows = ShopifyPaytrace::new(
        app.shopify_client.clone(),
        app.paytrace_client.clone(),
        Arc::new(app.ledger.clone()),
        app.config.clone(),
    );
    let backfill = workflows.settlement_backfill(Arc::clone(&app.store), Duration::from_secs(3600));
    let job = backfill.job();
    assert_eq!(
        job.key,
        format!("paytrace/{ACCOUNT}/backfill/settlement-days")
    );
    let before = flows::now_millis();
    app.store.enqueue(job.clone(), before).await.unwrap();
    let worker = workflows.register(
        Worker::new(
            Arc::clone(&app.store),
            WorkerConfig::new("days").poll_interval(Duration::from_millis(5)),
        )
        .flow(backfill),
    );
    let mut outcomes = Vec::new();
    let (_stop, mut shutdown) = watch::channel(false);
    while let Some(outcome) = worker.run_once(&mut shutdown).await.unwrap() {
        outcomes.push(outcome);
    }
    // The poll, then yesterday's reconciliation; the poller waits for its next poll.
    assert_eq!(
        outcomes,
        [
            flows::Outcome::Waiting {
                after: Duration::from_secs(3600)
            },
            flows::Outcome::Done
        ]
    );
    let yesterday = time::OffsetDateTime::now_utc().date() - time::Duration::DAY;
    let key = format!("paytrace/{ACCOUNT}/payout/{yesterday}/erp/settlement");
    assert!(app.store.effect(&key).await.unwrap().is_some());
    let info = app.store.job(&job.kind, &job.key).await.unwrap().unwrap();
    assert_eq!(info.state, flows::JobState::Queued);
    assert!(info.run_at >= before + 3_600_000, "{info:?}");
}

/// Authorize on `orders/create`, capture on the first `fulfillments/create` (delivered twice here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorized_order_is_captured_once_when_fulfilled_and_only_then_paid_and_invoiced() {
    let app = TestApp::spawn_with(Options {
        payment: PaymentMode::AuthorizeThenCapture,
        ..Options::default()
    })
    .await;
    let order = app.place_order("40.00");
    let declined = app.place_order("0.29");
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    let authorizations = |order: &PlacedOrder| -> Vec<Transaction> {
        app.paytrace
            .fake
            .transactions_by_invoice(&app.invoice_id(order))
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Authorization)
            .collect()
    };
    let auth = authorizations(&order);
    assert_eq!(auth.len(), 1, "{auth:#?}");
    assert!(auth[0].approved && auth[0].captured_amount.is_none());
    assert!(app.sales(&order).is_empty());
    let shopify_order = app.shopify_order(&order);
    assert_ne!(shopify_order.financial_status(), FinancialStatus::Paid);
    assert!(shopify_order.tags.iter().any(|t| t == "payops-authorized"));
    assert_eq!(
        app.metafield(&order, "transaction_id"),
        Some(auth[0].id.to_string())
    );
    assert!(
        app.erp_document(&app.sales_order_ref(&order))
            .await
            .is_some()
    );
    assert!(app.erp_document(&app.invoice_ref(&order)).await.is_none());
    let refused = authorizations(&declined);
    assert!(refused.len() == 1 && !refused[0].approved, "{refused:#?}");
    assert!(
        app.shopify_order(&declined)
            .tags
            .iter()
            .any(|t| t == "payops-declined")
    );

    // Fulfil both; the webhook of the first is delivered twice.
    app.shopify.fake.webhooks().duplicate_next(1);
    for placed in [&order, &declined] {
        app.fulfil(app.shopify_order(placed).fulfillment_order_id)
            .await;
    }
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    let auth = authorizations(&order);
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].captured_amount, Some(order.total));
    assert!(app.sales(&order).is_empty());
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );
    assert!(app.erp_document(&app.invoice_ref(&order)).await.is_some());
    assert!(!app.invoice_open(&order).await);
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.ledger_balance
        ),
        (4000, 4000, 0)
    );
    assert!(
        app.store
            .effect(&app.effect_key(&order, "capture"))
            .await
            .unwrap()
            .is_some()
    );
    // The declined order had nothing to capture and stays unpaid.
    assert!(
        authorizations(&declined)
            .iter()
            .all(|t| t.captured_amount.is_none())
    );
    assert_ne!(
        app.shopify_order(&declined).financial_status(),
        FinancialStatus::Paid
    );
}

/// A refund of an order paid by a captured authorization works from the capture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_authorization_refunded_in_full_before_settlement_is_voided() {
    let app = TestApp::spawn_with(Options {
        payment: PaymentMode::AuthorizeThenCapture,
        ..Options::default()
    })
    .await;
    let order = app.place_order("30.00");
    app.settle().await;
    app.fulfil(app.shopify_order(&order).fulfillment_order_id)
        .await;
    app.settle().await;

    app.refund_in_shopify(&order, "30.00").await;
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let authorization = app
        .paytrace
        .fake
        .transactions_by_invoice(&app.invoice_id(&order))
        .into_iter()
        .find(|t| t.kind == TransactionKind::Authorization)
        .unwrap();
    assert!(authorization.voided, "{authorization:#?}");
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.credited,
            receivables.refunded
        ),
        (3000, 3000, 3000, 3000)
    );
}

/// With `decline_invoice`, the customer gets the order's invoice (a link to pay another way),
/// once; without it, nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_customer_gets_the_invoice_once_when_the_shop_asks_for_it() {
    let app = TestApp::spawn_with(Options {
        decline_invoice: Some("Your card was declined: you can pay another way here."),
        ..Options::default()
    })
    .await;
    let order = app.place_order(DECLINED_AMOUNT);
    app.settle().await;
    app.assert_declined(&order).await;
    let invoices = app.shopify.fake.invoices_sent();
    assert_eq!(invoices.len(), 1, "{invoices:#?}");
    assert_eq!(invoices[0].order_id, order.id);
    assert_eq!(
        invoices[0].custom_message.as_deref(),
        Some("Your card was declined: you can pay another way here.")
    );
    assert!(invoices[0].to.contains('@'), "{:?}", invoices[0]);

    let quiet = TestApp::spawn().await;
    let declined = quiet.place_order(DECLINED_AMOUNT);
    quiet.settle().await;
    quiet.assert_declined(&declined).await;
    assert!(quiet.shopify.fake.invoices_sent().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_order_is_tagged_and_noted_and_books_nothing() {
    let app = TestApp::spawn().await;
    let order = app.place_order(DECLINED_AMOUNT);

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_declined(&order).await;
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());
    assert!(
        app.store
            .effect(&app.effect_key(&order, "declined"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.store
            .effect(&app.effect_key(&order, "erp/invoice"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_shopify_recommends_cancelling_is_held_and_not_charged() {
    let app = TestApp::spawn().await;
    let vault = app.seed_vault_customer();
    let body = app.shopify.fake.create_order(
        NewOrder::simple("risky@example.com", dec("80.00"))
            .risk("HIGH")
            .note_attribute(ATTR_VAULT_CUSTOMER, &vault),
    );
    let id = body["id"].as_u64().unwrap();

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let order = app.shopify.fake.order(id).unwrap();
    assert!(
        order.tags.iter().any(|t| t == "payops-held"),
        "{:?}",
        order.tags
    );
    assert!(
        order
            .note
            .as_deref()
            .unwrap_or_default()
            .starts_with("Held for review"),
        "{:?}",
        order.note
    );
    let charged = app
        .paytrace
        .fake
        .transactions()
        .iter()
        .any(|t| t.customer_id.as_deref() == Some(vault.as_str()));
    assert!(!charged, "a held order was charged");
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());

    // Shipped anyway: nothing to capture, and a person has to know.
    app.fulfil(order.fulfillment_order_id).await;
    let counts = app.settle().await;
    let dead = app.dead_letters().await;
    assert_eq!(counts.dead, 1, "{dead:#?}");
    assert!(
        dead[0].reason.contains("held for review"),
        "{}",
        dead[0].reason
    );
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_webhook_delivery_charges_once() {
    let app = TestApp::spawn().await;
    app.shopify.fake.webhooks().duplicate_next(1);
    let order = app.place_order("31.50");

    let counts = app.settle().await;

    let deliveries: Vec<_> = app
        .shopify
        .fake
        .webhooks()
        .attempts()
        .into_iter()
        .filter(|a| a.topic == "orders/create")
        .collect();
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    assert!(deliveries.iter().all(|a| a.status == Some(200)));
    assert_eq!((counts.events, counts.dead), (1, 0));
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
}

/// Shopify sends one event to every subscription, each delivery with its own webhook id and the
/// same `X-Shopify-Event-Id` (here: an app subscribed twice, in its app config and through the
/// API). The intake routes both deliveries to the order's job: they share it from the start,
/// and a slow PayTrace cannot make the order run twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_event_delivered_under_two_webhook_ids_charges_once() {
    let app = TestApp::spawn().await;
    app.faults.add(
        FaultRule::new("paytrace", Fault::Latency(ms(300)), Trigger::Count(2))
            .path("/v1/transactions/sale"),
    );
    app.shopify
        .fake
        .register_webhook("orders/create", app.hook_url.parse().unwrap());
    let order = app.place_order("44.00");

    let counts = app.settle().await;

    assert_eq!(app.sales(&order).len(), 1, "{:#?}", app.sales(&order));
    app.assert_paid(&order).await;
    assert_eq!((counts.events, counts.done), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_sale_is_looked_up_instead_of_sent_again() {
    let app = TestApp::spawn().await;
    // PayTrace processes the sale, then the connection breaks before the answer arrives.
    let dropped = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1)).path("/v1/transactions/sale"),
    );
    let order = app.place_order("52.00");

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(dropped), 1);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

/// Authorizations and captures follow the sale's rule: an authorization whose answer was lost is
/// found in the exports, and a capture whose answer was lost is found on the authorization
/// (it settles): one authorization, one capture request, the order paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_of_an_authorization_and_its_capture_are_looked_up_not_sent_again() {
    let app = TestApp::spawn_with(Options {
        payment: PaymentMode::AuthorizeThenCapture,
        ..Options::default()
    })
    .await;
    let lost_authorization = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1))
            .path("/v1/transactions/authorization/by_customer"),
    );
    let authorizations = app.faults.add(
        FaultRule::new("paytrace", Fault::Latency(Duration::ZERO), Trigger::Always)
            .path("/v1/transactions/authorization/by_customer"),
    );
    let order = app.place_order("43.00");
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.faults.fired(lost_authorization), 1);
    assert_eq!(app.faults.fired(authorizations), 0, "sent again");

    let lost_capture = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1))
            .path("/v1/transactions/authorization/capture"),
    );
    let captures = app.faults.add(
        FaultRule::new("paytrace", Fault::Latency(Duration::ZERO), Trigger::Always)
            .path("/v1/transactions/authorization/capture"),
    );
    app.fulfil(app.shopify_order(&order).fulfillment_order_id)
        .await;
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.faults.fired(lost_capture), 1);
    assert_eq!(app.faults.fired(captures), 0, "capture sent again");

    let auth: Vec<Transaction> = app
        .paytrace
        .fake
        .transactions_by_invoice(&app.invoice_id(&order))
        .into_iter()
        .filter(|t| t.kind == TransactionKind::Authorization)
        .collect();
    assert_eq!(auth.len(), 1, "{auth:#?}");
    assert_eq!(auth[0].captured_amount, Some(order.total));
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Paid
    );
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

/// A sale PayTrace never received (a 503 from in front of it, which the client cannot tell from
/// one PayTrace processed): it is looked up, approved and declined, only once it can no longer
/// land (the processing window after the call returned), and only then sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_sale_not_in_the_exports_is_sent_again_only_once_it_can_no_longer_land() {
    let app = TestApp::spawn().await;
    let refused = app.faults.add(
        FaultRule::new("paytrace", Fault::status(503), Trigger::Count(1))
            .path("/v1/transactions/sale"),
    );
    // Counts export look-ups without changing them.
    let lookups = app.faults.add(
        FaultRule::new("paytrace", Fault::Latency(Duration::ZERO), Trigger::Always)
            .path("/v1/transactions/export"),
    );
    let sent = Instant::now();
    let order = app.place_order("61.00");

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(refused), 1);
    assert_eq!(
        app.faults.fired(lookups),
        2,
        "one look-up, of approved and of declined sales, before the sale is sent again"
    );
    // The 503 was an answer of sorts: once the call returned nothing was in flight, so the wait
    // is the processing window.
    assert!(
        sent.elapsed() >= PROCESSING_WINDOW,
        "sent again after {:?}",
        sent.elapsed()
    );
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
    let info = app
        .store
        .job(&OrderPayment::KIND, &app.order_key(&order))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        info.attempts, 0,
        "waiting for the sale to settle is no failure"
    );
}

/// The same lost sale with a recovery that never resends: a person decides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_sale_goes_to_a_person_when_resending_is_off() {
    let app = TestApp::spawn_with(Options {
        resend: false,
        ..Options::default()
    })
    .await;
    app.faults.add(
        FaultRule::new("paytrace", Fault::status(503), Trigger::Count(1))
            .path("/v1/transactions/sale"),
    );
    let order = app.place_order("62.00");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(
        dead[0].reason.contains("check PayTrace before replaying"),
        "{}",
        dead[0].reason
    );
    assert!(
        app.sales(&order).is_empty(),
        "PayTrace never got it, and it was not sent again"
    );
}

/// Issue 13, defect 2: PayTrace applies a sale after the client gave up on it (it holds the
/// request longer than the client's timeout). The runtime must not send it again before it can
/// no longer land: the lookup after the window finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_paytrace_applies_after_the_client_gave_up_is_charged_once() {
    let app = TestApp::spawn().await;
    let late = app.faults.add(
        FaultRule::new(
            "paytrace",
            Fault::ApplyAfter(app.options.paytrace_timeout + ms(150)),
            Trigger::Count(1),
        )
        .path("/v1/transactions/sale"),
    );
    let order = app.place_order("57.00");

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(late), 1);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1, "{:#?}", app.sales(&order));
    app.assert_paid(&order).await;
}

/// Issue 13, defect 3: a declined sale whose answer was lost. The lookup asks PayTrace for
/// declined transactions too: the card is asked once, and the order is declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_sale_whose_answer_was_lost_is_sent_once() {
    let app = TestApp::spawn().await;
    let dropped = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1)).path("/v1/transactions/sale"),
    );
    let order = app.place_order(DECLINED_AMOUNT);

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(dropped), 1);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1, "{:#?}", app.sales(&order));
    app.assert_declined(&order).await;
}

/// Issue 13, defect 1 with a gateway: PayTrace holds a fifth of the sales longer than the
/// worker's lease. The sale step holds its lease for the client's timeout before sending, so no
/// other run takes the order meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_paytrace_with_short_leases_charges_each_order_once() {
    let app = TestApp::spawn_with(Options {
        lease: ms(300),
        concurrency: 8,
        paytrace_timeout: Duration::from_secs(2),
        skip_shopify_risk: true,
        ..Options::default()
    })
    .await;
    app.faults.add(
        FaultRule::new("paytrace", Fault::Latency(ms(900)), Trigger::PerMille(200))
            .path("/v1/transactions/sale"),
    );
    let orders: Vec<_> = (0..20)
        .map(|i| app.place_order(&format!("2{i}.25")))
        .collect();

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    for order in &orders {
        assert_eq!(
            app.sales(order).len(),
            1,
            "order {}: {:#?}",
            order.id,
            app.sales(order)
        );
        app.assert_paid(order).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_after_the_sale_is_replaced_without_a_second_charge() {
    let mut app = TestApp::spawn_with(Options {
        lease: ms(500),
        skip_shopify_risk: true,
        ..Options::default()
    })
    .await;
    // Shopify is down, so the flow stops right after the sale, before the order is marked paid.
    let outage = app
        .faults
        .add(FaultRule::new("shopify", Fault::status(503), Trigger::Always).path("/admin/api"));
    let order = app.place_order("61.00");
    let sale_key = app.effect_key(&order, "charge");
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.store.effect(&sale_key).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the sale never happened");
        sleep(ms(5)).await;
    }
    app.kill_worker().await;
    assert_eq!(app.sales(&order).len(), 1);
    assert_eq!(
        app.shopify_order(&order).financial_status(),
        FinancialStatus::Pending
    );

    app.faults.remove(outage);
    app.start_worker();
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.sales(&order).len(), 1);
    app.assert_paid(&order).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_gracefully_mid_flow_is_resumed_by_a_new_worker() {
    let mut app = TestApp::spawn_with(Options {
        skip_shopify_risk: true,
        ..Options::default()
    })
    .await;
    let outage = app
        .faults
        .add(FaultRule::new("shopify", Fault::status(503), Trigger::Always).path("/admin/api"));
    let orders: Vec<_> = (0..3)
        .map(|i| app.place_order(&format!("7{i}.00")))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    for order in &orders {
        while app
            .store
            .effect(&app.effect_key(order, "charge"))
            .await
            .unwrap()
            .is_none()
        {
            assert!(Instant::now() < deadline, "the sales never happened");
            sleep(ms(5)).await;
        }
    }
    app.stop_worker().await;

    app.faults.remove(outage);
    app.start_worker();
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    for order in &orders {
        assert_eq!(app.sales(order).len(), 1);
        app.assert_paid(order).await;
    }
}

/// PayTrace charges the card but takes long to answer (its sandbox takes 7 to 19 s, the
/// worker's default grace is 10 s); meanwhile the worker is asked to shut down, and its grace
/// period ends with the sale in flight. The job is released; the next worker must look the sale
/// up before sending it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_in_flight_at_shutdown_is_not_sent_again_by_the_next_worker() {
    let mut app = TestApp::spawn_with(Options {
        paytrace_proxy: true,
        ..Options::default()
    })
    .await;
    // A first order, answered at once, so the PayTrace token is cached.
    let first = app.place_order("12.00");
    app.settle().await;
    app.assert_paid(&first).await;

    app.paytrace_proxy.as_ref().unwrap().hold_answers(true);
    let order = app.place_order("91.00");
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.sales(&order).is_empty() {
        assert!(Instant::now() < deadline, "the sale never reached PayTrace");
        sleep(ms(5)).await;
    }
    app.stop_worker().await;
    app.paytrace_proxy.as_ref().unwrap().hold_answers(false);
    // PayTrace charged the card; the workflow never saw the answer.
    assert_eq!(app.sales(&order).len(), 1);
    let sale_key = app.effect_key(&order, "charge");
    assert!(app.store.effect(&sale_key).await.unwrap().is_none());

    app.start_worker();
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(
        app.sales(&order).len(),
        1,
        "the next worker charged the card again: {:#?}",
        app.sales(&order)
    );
    app.assert_paid(&order).await;
}

/// The refund's twin of the test above: PayTrace refunds a settled sale but answers slowly, and
/// the worker shuts down with the refund in flight. The next worker must not refund again (a
/// dead letter for a person to check PayTrace is acceptable, as for any refund of unknown outcome).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_in_flight_at_shutdown_is_not_sent_again_by_the_next_worker() {
    let mut app = TestApp::spawn_with(Options {
        paytrace_proxy: true,
        ..Options::default()
    })
    .await;
    let order = app.place_order("40.00");
    app.settle().await;
    let sale = app.assert_paid(&order).await;
    assert!(app.paytrace.fake.settle_now().is_some());
    let refunds = |app: &TestApp| -> Vec<Transaction> {
        app.paytrace
            .fake
            .transactions()
            .into_iter()
            .filter(|t| t.kind == TransactionKind::Refund && t.refund_of == Some(sale.id))
            .collect()
    };

    app.paytrace_proxy.as_ref().unwrap().hold_answers(true);
    app.refund_in_shopify(&order, "15.00").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while refunds(&app).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the refund never reached PayTrace"
        );
        sleep(ms(5)).await;
    }
    app.stop_worker().await;
    app.paytrace_proxy.as_ref().unwrap().hold_answers(false);
    app.start_worker();
    app.settle().await;

    assert_eq!(
        refunds(&app).len(),
        1,
        "the next worker refunded again: {:#?}",
        refunds(&app)
    );
    assert_eq!(
        app.paytrace.fake.transaction(sale.id).unwrap().refunded,
        dec("15.00")
    );
}

/// A sale whose answer was lost, then a PayTrace export outage long enough to exhaust the job's
/// attempts: the job is dead-lettered. Replaying it once PayTrace is back must find the first
/// sale, not charge the card a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_replayed_after_an_ambiguous_sale_does_not_charge_again() {
    let app = TestApp::spawn_with(Options {
        max_attempts: 3,
        ..Options::default()
    })
    .await;
    app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1)).path("/v1/transactions/sale"),
    );
    let export_down = app.faults.add(
        FaultRule::new("paytrace", Fault::status(503), Trigger::Always)
            .path("/v1/transactions/export"),
    );
    let order = app.place_order("83.00");
    app.settle().await;
    let dead = app.dead_letters().await;
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert!(!dead[0].permanent);
    assert_eq!(app.sales(&order).len(), 1);

    app.faults.remove(export_down);
    app.store
        .replay_dead_letter(dead[0].id, flows::now_millis())
        .await
        .unwrap();
    app.settle().await;

    assert_eq!(
        app.sales(&order).len(),
        1,
        "the replay charged the card again: {:#?}",
        app.sales(&order)
    );
    app.assert_paid(&order).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_of_429s_and_5xxs_at_paytrace_and_shopify_recover() {
    let app = TestApp::spawn().await;
    let retry_now = || Fault::Respond {
        status: 429,
        headers: vec![("Retry-After".to_owned(), "0".to_owned())],
        body: r#"{"errors":"Too Many Requests"}"#.to_owned(),
    };
    let rules = [
        app.faults.add(
            FaultRule::new("paytrace", Fault::status(503), Trigger::Count(3)).path("/oauth/token"),
        ),
        app.faults.add(
            FaultRule::new("paytrace", retry_now(), Trigger::Count(6)).path("/v1/transactions"),
        ),
        app.faults.add(
            FaultRule::new("paytrace", Fault::status(503), Trigger::Count(6))
                .path("/v1/transactions"),
        ),
        app.faults.add(
            FaultRule::new("paytrace", Fault::status(500), Trigger::Count(3))
                .path("/v1/transactions/export"),
        ),
        app.faults
            .add(FaultRule::new("shopify", retry_now(), Trigger::Count(8)).path("/admin/api")),
        app.faults.add(
            FaultRule::new("shopify", Fault::status(502), Trigger::Count(8)).path("/admin/api"),
        ),
    ];
    // And Shopify's own throttle: an empty cost bucket that refills quickly.
    app.shopify.fake.set_bucket(2000, 1000);
    app.shopify.fake.set_available_points(0);

    let orders: Vec<_> = (0..6)
        .map(|i| app.place_order(&format!("1{i}.50")))
        .collect();
    let counts = app.settle().await;

    for rule in rules {
        assert!(app.faults.fired(rule) > 0, "a storm rule never fired");
    }
    assert!(app.shopify.fake.throttled_count() > 0);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    for order in &orders {
        assert_eq!(
            app.sales(order).len(),
            1,
            "order {}: {:#?}",
            order.id,
            app.sales(order)
        );
        app.assert_paid(order).await;
    }
    assert_eq!(app.approved_sales_total(), orders.len());
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_of_a_settled_sale_is_refunded_at_paytrace_and_credited_in_the_erp() {
    let app = TestApp::spawn().await;
    let order = app.place_order("40.00");
    app.settle().await;
    let sale = app.assert_paid(&order).await;
    assert!(app.paytrace.fake.settle_now().is_some());

    app.refund_in_shopify(&order, "15.00").await;
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let refunds: Vec<_> = app
        .paytrace
        .fake
        .transactions()
        .into_iter()
        .filter(|t| t.kind == TransactionKind::Refund)
        .collect();
    assert_eq!(refunds.len(), 1, "{refunds:#?}");
    assert_eq!(refunds[0].refund_of, Some(sale.id));
    assert_eq!(refunds[0].amount, dec("15.00"));
    assert!(!app.paytrace.fake.transaction(sale.id).unwrap().voided);
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.credited,
            receivables.refunded
        ),
        (4000, 4000, 1500, 1500)
    );
    assert_eq!(receivables.ledger_balance, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refund_of_an_unsettled_sale_voids_it() {
    let app = TestApp::spawn().await;
    let order = app.place_order("30.00");
    app.settle().await;
    let sale = app.assert_paid(&order).await;

    app.refund_in_shopify(&order, "30.00").await;
    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(app.paytrace.fake.transaction(sale.id).unwrap().voided);
    assert!(
        app.paytrace
            .fake
            .transactions()
            .iter()
            .all(|t| t.kind != TransactionKind::Refund)
    );
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.credited,
            receivables.refunded
        ),
        (3000, 3000, 3000, 3000)
    );
}

/// Issue 13, defect 4: orders Shopify sends for custom items (`"sku": null`) and with a tip
/// (`total_price` includes it) are charged once and booked, lines and tip included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_with_a_custom_item_or_a_tip_are_charged_once_and_booked() {
    let app = TestApp::spawn().await;
    let custom = app.place_new_order(
        NewOrder::simple("custom@example.com", dec("20.00")).custom_item(
            "Gift wrapping",
            1,
            dec("4.50"),
        ),
        "24.50",
    );
    let tipped = app.place_new_order(
        NewOrder::simple("tip@example.com", dec("30.00")).tip(dec("3.00")),
        "33.00",
    );

    let counts = app.settle().await;

    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    for order in [&custom, &tipped] {
        assert_eq!(app.sales(order).len(), 1);
        let sale = app.assert_paid(order).await;
        assert_eq!(sale.amount, order.total);
    }
    let receivables = app.receivables().await;
    assert_eq!(
        (receivables.invoiced, receivables.received),
        (2450 + 3300, 2450 + 3300)
    );
}

/// Issue 13, defect 4: an order that cannot be booked (its total does not add up) is held for a
/// person before any money moves: tagged and noted in Shopify, dead-lettered naming the field,
/// never charged, and a replay does not charge it either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_that_cannot_be_booked_is_held_and_never_charged() {
    let app = TestApp::spawn().await;
    let vault = app.seed_vault_customer();
    let mut new = NewOrder::simple("odd@example.com", dec("10.00"))
        .note_attribute(ATTR_VAULT_CUSTOMER, &vault);
    // Shopify never sends this, but a mapping the ERP refuses must stop the order all the same.
    new.tax = dec("-1.00");
    let order = app.place_new_order(new, "9.00");

    let counts = app.settle().await;

    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(dead[0].permanent);
    assert!(dead[0].reason.contains("order.tax"), "{}", dead[0].reason);
    assert!(
        app.paytrace.fake.transactions().is_empty(),
        "charged an order that cannot be booked"
    );
    let shopify_order = app.shopify_order(&order);
    assert!(
        shopify_order.tags.iter().any(|t| t == "payops-review"),
        "{:?}",
        shopify_order.tags
    );
    assert!(app.ledger.trial_balance().await.unwrap().is_empty());

    app.store
        .replay_dead_letter(dead[0].id, flows::now_millis())
        .await
        .unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 1);
    assert!(app.paytrace.fake.transactions().is_empty());
}

/// A booking that fails after the money moved is dead-lettered as the booking, naming the
/// charge; replaying it (after the cause is fixed) books without charging again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_that_fails_after_the_charge_is_dead_lettered_and_replayed_without_charging_again()
 {
    let mut app = TestApp::spawn().await;
    // The ERP will refuse the sales order: its reference already names another kind of document.
    app.stop_worker().await;
    let order = app.place_order("45.00");
    let sales_order_ref = app.sales_order_ref(&order);
    app.ledger
        .upsert_customer(&erp::Customer {
            external_ref: sales_order_ref.clone(),
            name: "Not a sales order".into(),
            email: None,
            vault_ids: Vec::new(),
        })
        .await
        .unwrap();
    app.start_worker();

    let counts = app.settle().await;

    let dead = app.dead_letters().await;
    assert_eq!(counts.dead, 1);
    assert_eq!(dead.len(), 1, "{dead:#?}");
    let sale = app.approved_sale(&order);
    assert!(
        dead[0]
            .reason
            .contains(&format!("booking after charge {} failed", sale.id)),
        "{}",
        dead[0].reason
    );
    // A replay (the conflict is still there) fails the same way, and charges nothing again.
    app.store
        .replay_dead_letter(dead[0].id, flows::now_millis())
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(app.sales(&order).len(), 1);
}

/// An ERP that answers for fewer documents than it was given: the booking is dead-lettered after
/// the charge, saying so, and nothing is recorded as booked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erp_that_answers_for_fewer_documents_dead_letters_the_booking() {
    let app = TestApp::spawn_with(Options {
        short_erp: true,
        ..Options::default()
    })
    .await;
    let order = app.place_order("46.00");

    let counts = app.settle().await;

    let dead = app.dead_letters().await;
    assert_eq!((counts.dead, dead.len()), (1, 1), "{dead:#?}");
    let sale = app.approved_sale(&order);
    assert!(
        dead[0]
            .reason
            .contains(&format!("booking after charge {} failed", sale.id))
            && dead[0]
                .reason
                .contains("the ERP answered 3 documents for 4"),
        "{}",
        dead[0].reason
    );
    assert_eq!(app.sales(&order).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_without_a_vault_customer_is_dead_lettered_naming_the_field() {
    let app = TestApp::spawn().await;
    let order = app.place_order_with("20.00", None);

    let counts = app.settle().await;

    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert_eq!(dead.len(), 1);
    assert!(dead[0].permanent);
    assert_eq!(dead[0].attempts, 1);
    assert!(
        dead[0].reason.contains(MISSING_VAULT_FIELD),
        "reason: {}",
        dead[0].reason
    );
    assert!(app.paytrace.fake.transactions().is_empty());
    assert!(
        app.erp_document(&app.sales_order_ref(&order))
            .await
            .is_none()
    );
    let shopify_order = app.shopify_order(&order);
    assert_eq!(shopify_order.financial_status(), FinancialStatus::Pending);
    // Held for a person in Shopify too, saying why.
    assert!(
        shopify_order.tags.iter().any(|t| t == "payops-review"),
        "{:?}",
        shopify_order.tags
    );
    let note = shopify_order.note.unwrap_or_default();
    assert!(
        note.starts_with("Not charged, needs review") && note.contains(MISSING_VAULT_FIELD),
        "{note}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_orders_under_faults_all_end_paid_declined_or_dead_lettered() {
    let app = TestApp::spawn().await;
    app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(3)).path("/v1/transactions/sale"),
    );
    app.faults.add(
        FaultRule::new("paytrace", Fault::status(503), Trigger::PerMille(60))
            .path("/v1/transactions"),
    );
    app.faults.add(
        FaultRule::new(
            "paytrace",
            Fault::too_many_requests(0),
            Trigger::PerMille(40),
        )
        .path("/v1/transactions"),
    );
    app.faults.add(
        FaultRule::new("shopify", Fault::status(500), Trigger::PerMille(60)).path("/admin/api"),
    );
    app.faults.add(
        FaultRule::new(
            "shopify",
            Fault::too_many_requests(0),
            Trigger::PerMille(40),
        )
        .path("/admin/api"),
    );
    app.shopify.fake.webhooks().duplicate_next(5);

    #[derive(Debug, PartialEq)]
    enum Expect {
        Paid,
        Declined,
        Dead,
    }
    let mut placed = Vec::new();
    for i in 0..50u32 {
        let (expect, order) = if i % 7 == 3 {
            (Expect::Declined, app.place_order(DECLINED_AMOUNT))
        } else if i % 17 == 5 {
            (Expect::Dead, app.place_order_with("9.99", None))
        } else {
            // Cents from 10 to 99: never one of the fake's decline amounts.
            (
                Expect::Paid,
                app.place_order(&format!("{}.{}", 10 + i, (i * 7) % 90 + 10)),
            )
        };
        placed.push((expect, order));
    }
    let counts = app.settle().await;

    let dead = app.dead_letters().await;
    let expected_dead = placed.iter().filter(|(e, _)| *e == Expect::Dead).count();
    let expected_paid = placed.iter().filter(|(e, _)| *e == Expect::Paid).count();
    assert_eq!(counts.events, 50, "an order was lost at the intake");
    assert_eq!(
        usize::try_from(counts.dead).unwrap(),
        expected_dead,
        "{dead:#?}"
    );
    assert!(
        dead.iter()
            .all(|d| d.permanent && d.reason.contains(MISSING_VAULT_FIELD))
    );
    for (expect, order) in &placed {
        match expect {
            Expect::Paid => {
                app.assert_paid(order).await;
            }
            Expect::Declined => app.assert_declined(order).await,
            Expect::Dead => {
                assert!(app.sales(order).is_empty());
                assert_eq!(
                    app.shopify_order(order).financial_status(),
                    FinancialStatus::Pending
                );
            }
        }
    }
    assert_eq!(app.approved_sales_total(), expected_paid);
    assert_eq!(app.receivables().await.ledger_balance, 0);
}

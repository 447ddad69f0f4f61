//! The Shopify + PayTrace pair: its settings (`[shopify_paytrace]` in the file, or the
//! `shopify_paytrace` example binary's environment) and how the service wires them.

use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use flows::backfill::Backfill;
use flows::intake::ShopifyWebhooks;
use flows::workflows::shopify_paytrace::{Config, PaymentMode, SaleRecovery, ShopifyPaytrace};
use flows::{Store, Worker};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::error::Error;
use crate::issues::Issues;
use crate::pairs::{every, hours, http_url, scheduled};
use crate::secret::SecretRef;

/// The Shopify + PayTrace pair's settings, secrets read.
#[derive(Debug, Clone)]
pub struct ShopifyPaytraceSettings {
    /// The shop (`name.myshopify.com`): its Admin API address and part of every key.
    pub shop: shopify::ShopDomain,
    /// Another address for the Admin API than the shop's own (the sandbox's Shopify fake).
    pub api_url: Option<Url>,
    /// The app's Admin API access token.
    pub access_token: SecretString,
    /// The app's client secret, which signs its webhooks.
    pub webhook_secret: SecretString,
    /// The PayTrace account.
    pub paytrace: PaytraceSettings,
    /// Charge when the order is created, or authorize then and capture on fulfilment.
    pub payment: PaymentMode,
    /// How long PayTrace may take to process a request it received (see [`SaleRecovery`]).
    pub processing_window: Duration,
    /// The pollers run as jobs of the worker.
    pub backfill: ShopifyPaytraceBackfill,
}

/// A PayTrace account's settings.
#[derive(Debug, Clone)]
pub struct PaytraceSettings {
    /// The API user.
    pub username: SecretString,
    /// Its password.
    pub password: SecretString,
    /// The integrator id PayTrace issued.
    pub integrator_id: SecretString,
    /// The merchant account's name, part of ERP payment references.
    pub account: String,
    /// Sandbox, production, or another base URL.
    pub environment: paytrace::Environment,
    /// The account's offset from UTC, in which PayTrace closes its days.
    pub utc_offset: time::UtcOffset,
    /// The client's timeout per request.
    pub timeout: Duration,
}

/// How often each Shopify + PayTrace poller runs; `None`: not at all (its job is neither
/// enqueued nor run).
#[derive(Debug, Clone)]
pub struct ShopifyPaytraceBackfill {
    /// Orders whose `orders/create` never came (`ShopifyOrderPoller`).
    pub orders: Option<Duration>,
    /// How far back the orders poll reads before it has a checkpoint.
    pub orders_lookback: Duration,
    /// PayTrace's closed days, each reconciled by its own job (`SettlementDays`).
    pub settlement: Option<Duration>,
    /// PayTrace's transaction export against the books (`PaytraceSales`).
    pub sales: Option<Duration>,
    /// How many days back the first export poll reads, before it has a checkpoint.
    pub sales_lookback_days: u16,
}

impl Default for ShopifyPaytraceBackfill {
    /// Orders every minute with a 48-hour look-back, settlement days hourly, sales every 15
    /// minutes.
    fn default() -> Self {
        Self {
            orders: Some(Duration::from_secs(60)),
            orders_lookback: hours(48),
            settlement: Some(Duration::from_secs(3600)),
            sales: Some(Duration::from_secs(900)),
            sales_lookback_days: 2,
        }
    }
}

/// `sale` or `authorize` (authorize, capture on fulfilment).
pub fn parse_payment(text: &str) -> Result<PaymentMode, String> {
    match text {
        "sale" => Ok(PaymentMode::Sale),
        "authorize" => Ok(PaymentMode::AuthorizeThenCapture),
        other => Err(format!("`{other}` is not `sale` or `authorize`")),
    }
}

/// An offset from UTC written like `-07:00`.
pub fn parse_utc_offset(text: &str) -> Result<time::UtcOffset, String> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    time::UtcOffset::parse(text, format)
        .map_err(|err| format!("`{text}` is not like -07:00: {err}"))
}

impl ShopifyPaytraceSettings {
    /// The webhook source of the shop's deliveries (`POST /webhooks/shopify`).
    pub fn webhook_source(&self) -> ShopifyWebhooks {
        ShopifyWebhooks::new(shopify::WebhookVerifier::new(self.webhook_secret.clone()))
    }

    /// The workflows, their clients built, booking into `ledger`.
    pub fn workflows(&self, ledger: Arc<dyn Erp>) -> Result<ShopifyPaytrace, Error> {
        let shopify = shopify::Client::builder().access_token(self.access_token.clone());
        let shopify = match &self.api_url {
            Some(url) => shopify.base_url(url.clone()),
            None => shopify.shop(&self.shop),
        }
        .build()?;
        let paytrace = &self.paytrace;
        let client =
            paytrace::Client::builder(paytrace.username.expose_secret(), paytrace.password.clone())
                .environment(paytrace.environment.clone())
                .integrator_id(paytrace.integrator_id.expose_secret())
                .timeout(paytrace.timeout)
                .build()?;
        let config = Config::new(self.shop.as_str(), &paytrace.account)
            .payment(self.payment)
            .recovery(SaleRecovery::new(self.processing_window))
            .paytrace_utc_offset(paytrace.utc_offset);
        Ok(ShopifyPaytrace::new(shopify, client, ledger, config))
    }
}

impl ShopifyPaytraceBackfill {
    /// Registers the pollers that run on `worker` and enqueues their jobs into `store` (a no-op
    /// while they exist: every process sharing the store shares them).
    pub(crate) async fn schedule(
        &self,
        workflows: &ShopifyPaytrace,
        store: &Arc<dyn Store>,
        worker: Worker,
    ) -> Result<Worker, Error> {
        let orders = self.orders.map(|every| {
            let poller = workflows
                .order_poller(Arc::clone(store))
                .lookback(self.orders_lookback);
            Backfill::new(poller, every)
        });
        let worker = scheduled(&**store, worker, orders).await?;
        let days = self
            .settlement
            .map(|every| workflows.settlement_backfill(Arc::clone(store), every));
        let worker = scheduled(&**store, worker, days).await?;
        let sales = self.sales.map(|every| {
            let poller = workflows
                .paytrace_sales(Arc::clone(store))
                .lookback_days(self.sales_lookback_days);
            Backfill::new(poller, every)
        });
        scheduled(&**store, worker, sales).await
    }
}

/// `[shopify_paytrace]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShopifyPaytraceSection {
    #[serde(default = "sale")]
    payment: String,
    shopify: ShopifySection,
    paytrace: PaytraceSection,
    #[serde(default)]
    backfill: BackfillSection,
}

fn sale() -> String {
    "sale".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopifySection {
    shop: String,
    api_url: Option<String>,
    access_token: SecretRef,
    webhook_secret: SecretRef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaytraceSection {
    username: SecretRef,
    password: SecretRef,
    integrator_id: SecretRef,
    account: String,
    #[serde(default = "sandbox")]
    env: String,
    #[serde(default = "utc")]
    utc_offset: String,
    #[serde(default = "sixty_seconds")]
    timeout_ms: u64,
}

fn sandbox() -> String {
    "sandbox".to_owned()
}

fn utc() -> String {
    "+00:00".to_owned()
}

fn sixty_seconds() -> u64 {
    60_000
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BackfillSection {
    orders_poll_secs: u64,
    orders_lookback_hours: u64,
    settlement_poll_secs: u64,
    sales_poll_secs: u64,
    sales_lookback_days: u16,
}

impl Default for BackfillSection {
    fn default() -> Self {
        Self {
            orders_poll_secs: 60,
            orders_lookback_hours: 48,
            settlement_poll_secs: 3600,
            sales_poll_secs: 900,
            sales_lookback_days: 2,
        }
    }
}

impl ShopifyPaytraceSection {
    /// The section checked, secrets read; problems noted against `shopify_paytrace.*`.
    pub(crate) fn validate(
        &self,
        processing_window: Duration,
        issues: &mut Issues,
    ) -> Option<ShopifyPaytraceSettings> {
        const S: &str = "shopify_paytrace.shopify";
        const P: &str = "shopify_paytrace.paytrace";
        let payment = issues.check("shopify_paytrace.payment", parse_payment(&self.payment));
        let shopify = &self.shopify;
        let shop = issues.check(
            &format!("{S}.shop"),
            shopify::ShopDomain::parse(&shopify.shop).map_err(|e| e.to_string()),
        );
        // `None`: not given; `Some(None)`: given, and wrong.
        let api_url = (shopify.api_url.as_deref())
            .map(|url| issues.check(&format!("{S}.api_url"), http_url(url)));
        let access_token = shopify
            .access_token
            .resolve(&format!("{S}.access_token"), issues);
        let webhook_secret = shopify
            .webhook_secret
            .resolve(&format!("{S}.webhook_secret"), issues);
        let paytrace = &self.paytrace;
        let username = paytrace.username.resolve(&format!("{P}.username"), issues);
        let password = paytrace.password.resolve(&format!("{P}.password"), issues);
        let integrator_id = paytrace
            .integrator_id
            .resolve(&format!("{P}.integrator_id"), issues);
        if paytrace.account.trim().is_empty() {
            issues.push(
                format!("{P}.account"),
                "is empty: give the merchant account's name",
            );
        }
        let environment = issues.check(
            &format!("{P}.env"),
            paytrace
                .env
                .parse::<paytrace::Environment>()
                .map_err(|e| e.to_string()),
        );
        let utc_offset = issues.check(
            &format!("{P}.utc_offset"),
            parse_utc_offset(&paytrace.utc_offset),
        );
        if paytrace.timeout_ms == 0 {
            issues.push(format!("{P}.timeout_ms"), "must be at least 1");
        }
        let backfill = &self.backfill;
        if backfill.orders_lookback_hours == 0 {
            issues.push(
                "shopify_paytrace.backfill.orders_lookback_hours",
                "must be at least 1",
            );
        }
        let api_url = match api_url {
            Some(url) => Some(url?),
            None => None,
        };
        Some(ShopifyPaytraceSettings {
            shop: shop?,
            api_url,
            access_token: access_token?,
            webhook_secret: webhook_secret?,
            paytrace: PaytraceSettings {
                username: username?,
                password: password?,
                integrator_id: integrator_id?,
                account: paytrace.account.clone(),
                environment: environment?,
                utc_offset: utc_offset?,
                timeout: Duration::from_millis(paytrace.timeout_ms),
            },
            payment: payment?,
            processing_window,
            backfill: ShopifyPaytraceBackfill {
                orders: every(backfill.orders_poll_secs),
                orders_lookback: hours(backfill.orders_lookback_hours),
                settlement: every(backfill.settlement_poll_secs),
                sales: every(backfill.sales_poll_secs),
                sales_lookback_days: backfill.sales_lookback_days,
            },
        })
    }
}

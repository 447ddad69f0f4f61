//! The pairs one service runs, and how they are wired into one intake and one worker: what
//! `payops serve` and the example binaries share.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use erp::Erp;
use flows::backfill::{Backfill, Poller};
use flows::intake::{Intake, WebhookSource};
use flows::workflows::magento_stripe::MagentoStripe;
use flows::workflows::screening::Screener;
use flows::workflows::shopify_paytrace::ShopifyPaytrace;
use flows::{Store, Worker, WorkerConfig, now_millis};
use url::Url;

use crate::error::Error;
use crate::fraud_screen::FraudSettings;
use crate::magento_stripe::MagentoStripeSettings;
use crate::shopify_paytrace::ShopifyPaytraceSettings;

/// The pairs a service runs: either, or both, over one store and one ledger.
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    /// Shopify + PayTrace.
    pub shopify_paytrace: Option<ShopifyPaytraceSettings>,
    /// Magento + Stripe.
    pub magento_stripe: Option<MagentoStripeSettings>,
    /// The fraud screen both pairs run before charging (`[fraud]`), one screener and velocity
    /// store shared by both. `None`: Shopify + PayTrace holds what Shopify recommends
    /// cancelling, Magento + Stripe screens nothing.
    pub fraud: Option<FraudSettings>,
}

/// A service assembled, ready to serve: its router and its worker, every pair's backfill jobs
/// enqueued.
#[derive(Debug)]
pub struct Service {
    /// Every pair's webhook routes and `GET /ready`.
    pub router: Router,
    /// Every pair's flows and pollers registered, and the intake's redelivery.
    pub worker: Worker,
    /// The paths the router serves.
    pub paths: Vec<String>,
}

/// The readiness route of the intake.
const READY: &str = "/ready";

impl Pairs {
    /// Whether no pair is configured.
    pub fn is_empty(&self) -> bool {
        self.shopify_paytrace.is_none() && self.magento_stripe.is_none()
    }

    /// The paths the intake serves for these pairs: each webhook source's and `/ready`.
    pub fn paths(&self) -> Vec<String> {
        let mut paths = Vec::new();
        if let Some(pair) = &self.shopify_paytrace {
            paths.push(pair.webhook_source().path().to_owned());
        }
        if let Some(pair) = &self.magento_stripe {
            let (stripe, commerce) = pair.webhook_sources();
            paths.push(stripe.path().to_owned());
            paths.extend(commerce.map(|c| c.path().to_owned()));
        }
        paths.push(READY.to_owned());
        paths
    }

    /// Builds every pair's clients and workflows over `store` and `ledger`; one intake with
    /// every pair's webhook sources and routes; one worker (`worker`'s settings) with every
    /// pair's flows and pollers, the pollers' jobs enqueued (a no-op while they exist, so every
    /// process sharing the store shares them).
    pub async fn assemble(
        &self,
        store: Arc<dyn Store>,
        ledger: Arc<dyn Erp>,
        worker: WorkerConfig,
    ) -> Result<Service, Error> {
        let screener = self
            .fraud
            .as_ref()
            .map(FraudSettings::screener)
            .transpose()?;
        let shopify_paytrace = match &self.shopify_paytrace {
            Some(pair) => {
                let workflows = pair.workflows(Arc::clone(&ledger))?;
                Some((
                    pair,
                    screened(workflows, &screener, ShopifyPaytrace::fraud_screen),
                ))
            }
            None => None,
        };
        let magento_stripe = match &self.magento_stripe {
            Some(pair) => {
                let workflows = pair.workflows(Arc::clone(&ledger))?;
                Some((
                    pair,
                    screened(workflows, &screener, MagentoStripe::fraud_screen),
                ))
            }
            None => None,
        };
        let mut intake = Intake::new(Arc::clone(&store));
        if let Some((pair, workflows)) = &shopify_paytrace {
            intake = intake
                .source(pair.webhook_source())
                .routes(workflows.routes());
        }
        if let Some((pair, workflows)) = &magento_stripe {
            let (stripe, commerce) = pair.webhook_sources();
            intake = intake.source(stripe).routes(workflows.routes());
            if let Some(commerce) = commerce {
                intake = intake.source(commerce);
            }
        }
        let mut worker = Worker::new(Arc::clone(&store), worker).flow(intake.redeliver());
        if let Some((pair, workflows)) = &shopify_paytrace {
            worker = workflows.register(worker);
            worker = pair.backfill.schedule(workflows, &store, worker).await?;
        }
        if let Some((pair, workflows)) = &magento_stripe {
            worker = workflows.register(worker);
            worker = pair
                .backfill
                .schedule(workflows, &store, &intake, worker)
                .await?;
        }
        Ok(Service {
            router: intake.router(),
            worker,
            paths: self.paths(),
        })
    }
}

/// `worker` with `backfill` registered and its job enqueued into `store`; unchanged for `None`
/// (a poller turned off).
pub(crate) async fn scheduled<P: Poller>(
    store: &dyn Store,
    worker: Worker,
    backfill: Option<Backfill<P>>,
) -> Result<Worker, Error> {
    let Some(backfill) = backfill else {
        return Ok(worker);
    };
    store.enqueue(backfill.job(), now_millis()).await?;
    Ok(worker.flow(backfill))
}

/// A poll interval of `secs` seconds; `0` turns the poller off.
pub(crate) fn every(secs: u64) -> Option<Duration> {
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// `n` hours.
pub(crate) fn hours(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(3600))
}

/// An `http://` or `https://` URL. The error never quotes the text (a URL may hold a password).
pub(crate) fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("not a URL: {err}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("`{other}:` is not http or https")),
    }
}

/// A pair's `workflows` screening with `screener` when there is one (`screen` is the pair's
/// `fraud_screen`).
fn screened<W>(workflows: W, screener: &Option<Screener>, screen: fn(W, Screener) -> W) -> W {
    match screener {
        Some(screener) => screen(workflows, screener.clone()),
        None => workflows,
    }
}

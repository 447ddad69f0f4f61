//! `payops refund shopify|magento`: a refund asked for outside the store, enqueued into the
//! running service's store for its worker (see `flows::workflows::shopify_paytrace::RefundRequestFlow`
//! and `flows::workflows::magento_stripe::RefundRequestFlow`).
//!
//! The command calls no store or gateway itself: it writes the request's job into the runtime
//! store `PAYOPS_STORE` names (a SQLite file, or a `postgres://` URL), and the service's worker,
//! which holds the store's, the gateway's and the ERP's credentials, runs it:
//! - Shopify + PayTrace: Shopify `refundCreate` once, then the refund's own job (PayTrace refund
//!   or void, ERP credit memo and refund payment);
//! - Magento + Stripe: a Stripe refund once, then the charge's refund job (offline Magento
//!   credit memo, ERP credit memo and refund payment).
//!
//! The request id names the request: the same `--request` for the same order is one refund
//! however often the command runs.
//!
//! A SQLite store is held by one process at a time: against one, the command runs while the
//! service is stopped (the worker runs the job when the service starts; `--wait` then waits for
//! nothing, so leave it out), and it fails with "database is locked" (exit 2) while the service
//! runs. A PostgreSQL store takes requests from any machine while the service runs.

use std::time::{Duration, Instant};

use flows::workflows::{RefundRequest, magento_stripe, shopify_paytrace};
use flows::{JobState, NewJob};

use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// Arguments of `payops refund shopify`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShopifyArgs {
    /// The shop's domain (`demo.myshopify.com`), as the service's configuration names it: part
    /// of the job's key.
    #[arg(long, env = "SHOPIFY_SHOP")]
    shop: String,
    /// The Shopify order id (the numeric REST id).
    #[arg(long)]
    order: u64,
    #[command(flatten)]
    request: RequestArgs,
}

/// Arguments of `payops refund magento`.
#[derive(Debug, clap::Args)]
pub(crate) struct MagentoArgs {
    /// The Magento store view's code, as the service's configuration names it: part of the
    /// job's key.
    #[arg(long, env = "MAGENTO_STORE_CODE", default_value = "default")]
    store_code: String,
    /// The Magento order's `entity_id` (not its increment id, the number people see).
    #[arg(long)]
    order: u64,
    #[command(flatten)]
    request: RequestArgs,
}

/// What every refund request takes.
#[derive(Debug, clap::Args)]
struct RequestArgs {
    /// The amount to refund in major units (`15.00`), exact: no more decimals than the
    /// currency has.
    #[arg(long)]
    amount: String,
    /// The ISO 4217 code of the amount: the order's currency.
    #[arg(long)]
    currency: String,
    /// Your id of this request (the ERP credit memo number, a ticket id): the same id for the
    /// same order is one refund, however often it is sent.
    #[arg(long)]
    request: String,
    /// Why: the store refund's note or comment, and the gateway refund's metadata.
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    /// Waits until the request's job is done (exit 0) or dead-lettered (exit 1, with the
    /// reason).
    #[arg(long)]
    wait: bool,
    /// How long `--wait` waits, in seconds, before giving up (exit 2; the job goes on).
    #[arg(long, default_value_t = 600)]
    wait_timeout: u64,
}

/// How a refund request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Enqueued (without `--wait`) or done.
    Done,
    /// Dead-lettered.
    Dead,
}

/// The request of order `order` the arguments describe; an error names the flag.
fn request(order: u64, args: &RequestArgs) -> Result<RefundRequest, BoxError> {
    if args.request.trim().is_empty() {
        return Err("--request must not be blank".into());
    }
    let amount = payops_core::decimal::parse_exact(args.amount.trim())
        .map_err(|e| format!("--amount {:?}: {e}", args.amount))?;
    let mut request = RefundRequest::new(order, amount, args.currency.trim(), &args.request);
    // The flow checks the same; here before anything is enqueued. The error starts with its
    // field (`amount`, `currency`), which is the flag's name.
    request.money().map_err(|e| format!("--{e}"))?;
    if let Some(reason) = args.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        request = request.reason(reason);
    }
    Ok(request)
}

/// `payops refund shopify`.
pub(crate) async fn shopify(args: &ShopifyArgs) -> Result<Ended, BoxError> {
    if args.shop.trim().is_empty() {
        return Err("--shop (or SHOPIFY_SHOP) must name the shop's domain".into());
    }
    let request = request(args.order, &args.request)?;
    let job = shopify_paytrace::refund_request_job(args.shop.trim(), &request)?;
    enqueue(
        job,
        &args.request.store,
        args.request.wait.then_some(args.request.wait_timeout),
    )
    .await
}

/// `payops refund magento`.
pub(crate) async fn magento(args: &MagentoArgs) -> Result<Ended, BoxError> {
    if args.store_code.trim().is_empty() {
        return Err("--store-code (or MAGENTO_STORE_CODE) must name the store view".into());
    }
    let request = request(args.order, &args.request)?;
    let job = magento_stripe::refund_request_job(args.store_code.trim(), &request)
        .map_err(|e| format!("--order {}: {e}", args.order))?;
    enqueue(
        job,
        &args.request.store,
        args.request.wait.then_some(args.request.wait_timeout),
    )
    .await
}

/// Enqueues `job` into `store`, prints its key, and with `wait` (`--wait`, its timeout in
/// seconds) waits for its end (`payops refund`, `payops chargeback record`).
pub(crate) async fn enqueue(
    job: NewJob,
    store: &StoreArgs,
    wait: Option<u64>,
) -> Result<Ended, BoxError> {
    let store = store.open().await?;
    let (kind, key) = (job.kind.clone(), job.key.clone());
    store.enqueue(job, flows::now_millis()).await?;
    println!("{key}");
    let Some(wait_timeout) = wait else {
        return Ok(Ended::Done);
    };
    let deadline = Instant::now() + Duration::from_secs(wait_timeout);
    loop {
        let info = store
            .job(&kind, &key)
            .await?
            .ok_or_else(|| format!("job {key} is not in the store"))?;
        match info.state {
            JobState::Done => {
                println!("done");
                return Ok(Ended::Done);
            }
            JobState::Dead => {
                let reason = info
                    .last_error
                    .unwrap_or_else(|| "no reason recorded".into());
                println!("dead: {reason}");
                return Ok(Ended::Dead);
            }
            JobState::Queued | JobState::Running => {}
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "job {key} is still {} after {} s: is the service's worker running?",
                info.state.as_str(),
                wait_timeout
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

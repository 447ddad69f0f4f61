//! `payops reconcile paytrace` and `payops reconcile stripe`: a gateway's settlement read from
//! its API, reconciled against the ledger, and each batch's or payout's journal booked (once,
//! however often the command runs; see `flows::settlement`).
//!
//! Credentials come from the environment only, never from arguments (which other users of the
//! machine can read): `PAYTRACE_USERNAME`, `PAYTRACE_PASSWORD`, `PAYTRACE_INTEGRATOR_ID` and
//! `PAYTRACE_ENV` (`sandbox`, the default, `production` or a base URL); `STRIPE_SECRET_KEY` and
//! `STRIPE_API_URL` (another base URL than Stripe's). The journals are booked as this SDK's
//! workflows book payments: PayTrace's fees from its batches (Shopify + PayTrace), Stripe's with
//! each payment (Magento + Stripe).

use std::path::PathBuf;

use erp::LocalLedger;
use flows::settlement::{
    SettlementReport, paytrace_batches, reconcile_period, settled_period, stripe_payout,
};
use mapping::System;
use mapping::erp::{ErpCtx, SettlementFees};
use payops_core::DatabaseLocation;
use secrecy::SecretString;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::progress::Progress;
use crate::report::{self, Verdict};

/// What a failing command reports (every source's error names what failed).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Arguments of both gateways.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The directory the report goes to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The ledger: a SQLite file, or a `postgres://` URL.
    #[arg(long, env = "PAYOPS_LEDGER")]
    ledger: String,
    /// Days before the settlement whose ledger entries may still pair with its lines.
    #[arg(long, default_value_t = 7)]
    lookback_days: u16,
}

/// `payops reconcile paytrace`.
#[derive(Debug, clap::Args)]
pub(crate) struct PaytraceArgs {
    /// The day whose batches are reconciled (`YYYY-MM-DD`).
    #[arg(long, value_parser = parse_date)]
    date: Date,
    /// The PayTrace merchant account, as the ledger's references name it.
    #[arg(long, env = "PAYTRACE_ACCOUNT")]
    account: String,
    /// The PayTrace account's offset from UTC, in which PayTrace writes settlement times
    /// (`-07:00`; PayTrace does not say which zone it uses).
    #[arg(long, default_value = "+00:00", value_parser = parse_offset, allow_hyphen_values = true)]
    utc_offset: UtcOffset,
    /// PayTrace's chargeback report (CSV; see `payops chargeback import`): its withdrawals and
    /// reinstatements dated on `--date` are reconciled too, each as a batch of its own (PayTrace's
    /// batches list no chargebacks).
    #[arg(long)]
    chargebacks: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

/// `payops reconcile stripe`.
#[derive(Debug, clap::Args)]
pub(crate) struct StripeArgs {
    /// The payout whose balance transactions are reconciled (`po_...`).
    #[arg(long)]
    payout: String,
    /// The Stripe account, as the ledger's references name it.
    #[arg(long, env = "STRIPE_ACCOUNT")]
    account: String,
    #[command(flatten)]
    common: Common,
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, format).map_err(|err| format!("not a YYYY-MM-DD date: {err}"))
}

fn parse_offset(text: &str) -> Result<UtcOffset, String> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    UtcOffset::parse(text, format).map_err(|err| format!("not an offset like -07:00: {err}"))
}

fn env(name: &str) -> Result<String, BoxError> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set").into())
}

/// The ledger `value` names: a PostgreSQL URL, or else a SQLite file (as the service binaries
/// read `PAYOPS_LEDGER`).
async fn open_ledger(value: &str) -> Result<LocalLedger, BoxError> {
    Ok(match DatabaseLocation::parse(value) {
        DatabaseLocation::Postgres(url) => LocalLedger::connect(&url).await?,
        DatabaseLocation::Sqlite(path) => LocalLedger::open(path).await?,
    })
}

/// Reconciles the PayTrace batches of a day.
pub(crate) async fn paytrace(args: &PaytraceArgs) -> Result<Verdict, BoxError> {
    let environment: paytrace::Environment = std::env::var("PAYTRACE_ENV")
        .unwrap_or_else(|_| "sandbox".into())
        .parse()?;
    let client = paytrace::Client::builder(
        env("PAYTRACE_USERNAME")?,
        SecretString::from(env("PAYTRACE_PASSWORD")?),
    )
    .environment(environment)
    .integrator_id(env("PAYTRACE_INTEGRATOR_ID")?)
    .build()?;
    let ledger = open_ledger(&args.common.ledger).await?;
    let progress = Progress::start(format!("reading PayTrace's batches of {}", args.date));
    let account = mapping::paytrace::SettlementCtx {
        account_utc_offset: args.utc_offset,
    };
    let mut batches = paytrace_batches(&client, args.date, &account).await?;
    if let Some(path) = &args.chargebacks {
        let report =
            std::fs::read(path).map_err(|e| format!("--chargebacks {}: {e}", path.display()))?;
        let rows = mapping::paytrace::parse_chargeback_report(&report)
            .map_err(|e| format!("--chargebacks {}: {e}", path.display()))?;
        let on_day = |batch: &Vec<mapping::SettlementLine>| {
            batch
                .iter()
                .all(|l| l.settled_at.map(|t| t.date()) == Some(args.date))
        };
        batches.extend(
            mapping::paytrace::chargeback_batches(&rows, args.utc_offset)?
                .into_iter()
                .filter(on_day),
        );
    }
    // A settlement journal names the gateway's account only; the store side of the context is
    // not used.
    let ctx = ErpCtx::new(System::Shopify, "", &args.account, args.date)
        .with_settlement_fees(SettlementFees::InSettlement);
    progress.say(format!("reconciling {} batches", batches.len()));
    let report = reconcile_period(
        &ledger,
        &ctx,
        System::Paytrace,
        &batches,
        (args.date, args.date),
        args.common.lookback_days,
    )
    .await?;
    drop(progress);
    finish(&args.common, &report)
}

/// Reconciles one Stripe payout.
pub(crate) async fn stripe(args: &StripeArgs) -> Result<Verdict, BoxError> {
    let mut builder = stripe_client::Client::builder(SecretString::from(env("STRIPE_SECRET_KEY")?));
    if let Ok(url) = std::env::var("STRIPE_API_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let ledger = open_ledger(&args.common.ledger).await?;
    let progress = Progress::start(format!("reading payout {}", args.payout));
    let lines = vec![stripe_payout(&client, &args.payout).await?];
    let today = OffsetDateTime::now_utc().date();
    let ctx = ErpCtx::new(System::Magento, "", &args.account, today)
        .with_settlement_fees(SettlementFees::OnPayments);
    let period = settled_period(&lines, &ctx).unwrap_or((today, today));
    progress.say(format!("reconciling {} lines", lines[0].len()));
    let report = reconcile_period(
        &ledger,
        &ctx,
        System::Stripe,
        &lines,
        period,
        args.common.lookback_days,
    )
    .await?;
    drop(progress);
    finish(&args.common, &report)
}

/// Writes the report and names the journals booked.
fn finish(common: &Common, report: &SettlementReport) -> Result<Verdict, BoxError> {
    let verdict = report::write(
        &common.out,
        &report.reconciliation,
        &report.settlement,
        &report.ledger,
    )?;
    for journal in &report.journals {
        let how = if journal.created {
            "booked"
        } else {
            "already booked"
        };
        println!("journal {} {how}", journal.document.external_ref);
    }
    Ok(verdict)
}

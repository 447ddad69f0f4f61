//! `payops chargeback import|record`: PayTrace chargebacks, which PayTrace has no API for,
//! enqueued into the running service's store for its worker (see
//! `flows::workflows::shopify_paytrace::ChargebackFlow`): the ERP dispute records (the disputed
//! amount held in disputed funds, the fee in chargebacks; a win reinstates, a loss writes off)
//! and the Shopify order's tag and note, once per stage.
//!
//! `import` reads the chargeback report the merchant downloads from PayTrace's virtual terminal
//! (the columns read are assumed: PayTrace publishes no layout; see
//! `mapping::paytrace::parse_chargeback_report`) and enqueues one job per row; `record` enqueues
//! one typed in. A case is one job however often it is imported or recorded: a second import of
//! the same report books nothing, a later one with the case won books the win.
//!
//! As with `payops refund`, a SQLite store is held by one process at a time: run these while
//! the service is stopped (without `--wait`), or use a PostgreSQL store.

use std::path::PathBuf;

use flows::workflows::shopify_paytrace::{Chargeback, ChargebackStage, chargeback_job};
use time::{Date, OffsetDateTime};

use crate::reconcile_gateway::{BoxError, parse_date};
use crate::refund::{Ended, enqueue};
use crate::runtime_store::StoreArgs;

/// `payops chargeback import|record`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Imports PayTrace's chargeback report (CSV, from the virtual terminal): one job per row.
    /// Exits 0 when every row is enqueued, 2 when the report cannot be read (naming the line
    /// and column; nothing is enqueued then) or the store fails.
    Import(ImportArgs),
    /// Records one chargeback. Exits 0 when enqueued (with `--wait`: done), 1 dead-lettered
    /// (a transaction the ERP does not know, say; the reason is printed), 2 bad input (naming
    /// the flag) or a store error.
    Record(RecordArgs),
}

/// Arguments of `payops chargeback import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The report (CSV with a header row).
    #[arg(long)]
    file: PathBuf,
    #[command(flatten)]
    target: Target,
}

/// Arguments of `payops chargeback record`.
#[derive(Debug, clap::Args)]
pub(crate) struct RecordArgs {
    /// The disputed PayTrace transaction id.
    #[arg(long)]
    transaction: String,
    /// The chargeback's case (reference) number: the same case is one chargeback.
    #[arg(long)]
    case: String,
    /// The disputed amount in major units (`25.00`), exact.
    #[arg(long)]
    amount: String,
    /// Its ISO 4217 code (PayTrace settles `USD` only).
    #[arg(long)]
    currency: String,
    /// The reason code and text.
    #[arg(long)]
    reason: String,
    /// Where it stands: `opened`, `won` or `lost`.
    #[arg(long, default_value = "opened")]
    stage: String,
    /// The chargeback fee, in major units, when there is one.
    #[arg(long)]
    fee: Option<String>,
    /// When it was received (`YYYY-MM-DD`); today (UTC) unless given.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// When it was won or lost (`YYYY-MM-DD`); the chargeback's date unless given.
    #[arg(long, value_parser = parse_date)]
    resolved: Option<Date>,
    #[command(flatten)]
    target: Target,
    /// Waits until the job is done (exit 0) or dead-lettered (exit 1, with the reason).
    #[arg(long)]
    wait: bool,
    /// How long `--wait` waits, in seconds, before giving up (exit 2; the job goes on).
    #[arg(long, default_value_t = 600)]
    wait_timeout: u64,
}

/// Where the jobs go.
#[derive(Debug, clap::Args)]
struct Target {
    /// The PayTrace merchant account, as the service's configuration names it: part of the
    /// job's key and of the ERP references.
    #[arg(long, env = "PAYTRACE_ACCOUNT")]
    account: String,
    #[command(flatten)]
    store: StoreArgs,
}

impl Target {
    fn account(&self) -> Result<&str, BoxError> {
        match self.account.trim() {
            "" => Err("--account (or PAYTRACE_ACCOUNT) must name the PayTrace account".into()),
            account => Ok(account),
        }
    }
}

/// Runs the command.
pub(crate) async fn run(command: &Command) -> Result<Ended, BoxError> {
    match command {
        Command::Import(args) => import(args).await,
        Command::Record(args) => record(args).await,
    }
}

/// `payops chargeback import`: every row checked before anything is enqueued.
async fn import(args: &ImportArgs) -> Result<Ended, BoxError> {
    let account = args.target.account()?;
    let report =
        std::fs::read(&args.file).map_err(|e| format!("--file {}: {e}", args.file.display()))?;
    let rows = mapping::paytrace::parse_chargeback_report(&report)
        .map_err(|e| format!("--file {}: {e}", args.file.display()))?;
    let jobs = rows
        .iter()
        .map(|row| chargeback_job(account, row))
        .collect::<Result<Vec<_>, _>>()?;
    let store = args.target.store.open().await?;
    for job in jobs {
        let key = job.key.clone();
        store.enqueue(job, flows::now_millis()).await?;
        println!("{key}");
    }
    Ok(Ended::Done)
}

/// `payops chargeback record`.
async fn record(args: &RecordArgs) -> Result<Ended, BoxError> {
    let account = args.target.account()?;
    let chargeback = chargeback(args)?;
    let job = chargeback_job(account, &chargeback)?;
    enqueue(
        job,
        &args.target.store,
        args.wait.then_some(args.wait_timeout),
    )
    .await
}

/// The chargeback the arguments describe; an error names the flag.
fn chargeback(args: &RecordArgs) -> Result<Chargeback, BoxError> {
    let exact = |flag: &str, text: &str| {
        payops_core::decimal::parse_exact(text.trim())
            .map_err(|e| format!("--{flag} {text:?}: {e}"))
    };
    let stage = ChargebackStage::parse(&args.stage)
        .ok_or_else(|| format!("--stage {:?}: not opened, won or lost", args.stage))?;
    let date = args
        .date
        .unwrap_or_else(|| OffsetDateTime::now_utc().date());
    let mut chargeback = Chargeback::new(
        args.case.trim(),
        args.transaction.trim(),
        exact("amount", &args.amount)?,
        args.currency.trim(),
        date,
    )
    .reason(args.reason.trim())
    .stage(stage, args.resolved);
    if let Some(fee) = &args.fee {
        chargeback = chargeback.fee(exact("fee", fee)?);
    }
    // The record's field names are the flags' (`amount`, `currency`, `fee`), but for these.
    chargeback.check().map_err(|e| {
        let flag = match e.field() {
            "case_id" => "case",
            "transaction_id" => "transaction",
            "resolved_on" => "resolved",
            other => other,
        };
        format!("--{flag}: {e}")
    })?;
    Ok(chargeback)
}

//! `payops fraud`: the fraud screen's records in the service's store (`{order}/fraud/screen`,
//! see `flows::workflows::screening`).
//!
//! `explain ORDER` prints an order's decision: outcome, score, thresholds and each signal's
//! contribution. Exit 0 when printed, 1 when the order has no screen record (never screened, or
//! screened by a gate without a scorer), 2 when the store cannot be read or the record is not a
//! decision.
//!
//! `train --out MODEL [--outcomes FILE]` fits the learned model (`fraud::train`) on the facts
//! of every screened order in the store, labelled by what became of them (`fraud::label_at`:
//! fraud once a fraud dispute or early fraud warning arrived, legitimate once settled and past
//! the dispute window), and writes the versioned model file. What became of each order is read
//! from the store: the facts the flows recorded as they learned them (a payment taken, a
//! dispute and its reason, an early fraud warning; see `flows::workflows::screening::history`).
//! An outcomes file may be given too, for what the flows could not learn (a chargeback never
//! imported, orders from before the flows ran): JSON lines, one order a line: `{"order":
//! "shopify/{shop}/order/{id}", "settled_at": "...", "fraud_dispute_at": null,
//! "early_fraud_warning_at": null, "other_dispute_at": null}` (times in RFC 3339; a missing
//! field is `null`). A line replaces the store's outcome of the order it names, whole: the file
//! wins. Exit 0 when written, 2 when the file, the store or training fails (too few labelled
//! orders of either class), naming what.

use std::collections::HashMap;
use std::path::PathBuf;

use flows::workflows::screening::{RECORD, Screened};
use flows::workflows::shopify_paytrace::Verdict;
use fraud::{LabelledOrder, OrderOutcome, TrainConfig};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::dead_letters::Found;
use crate::print;
use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// `payops fraud`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Prints the fraud screen's decision of an order: outcome, score, thresholds and each
    /// signal's contribution, largest first. Exits 0, 1 when the order was not screened, 2 when
    /// the store cannot be read.
    Explain(ExplainArgs),
    /// Fits the learned model on the screened orders in the store and what became of them (as
    /// the flows recorded it, and `--outcomes`), and writes the model file. Exits 0, or 2
    /// naming what failed.
    Train(TrainArgs),
    /// Releases a held order (Shopify + PayTrace): the service's worker records the decision,
    /// removes the held tag and charges the order once. Exits 0 once enqueued, 1 when the order
    /// is not held (the reason is printed), 2 on bad input or a store error.
    Release(crate::fraud_review::DecideArgs),
    /// Cancels a held order (Shopify + PayTrace): the service's worker records the decision and
    /// cancels the order in Shopify; it is never charged. Exits as `release` does.
    Cancel(crate::fraud_review::DecideArgs),
}

/// Arguments of `payops fraud train`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrainArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// What became of orders, besides what the store holds: a JSON-lines file, one
    /// `{"order": KEY, "settled_at": ..., "fraud_dispute_at": ..., "early_fraud_warning_at":
    /// ..., "other_dispute_at": ...}` a line; a line replaces the store's outcome of its order.
    #[arg(long)]
    outcomes: Option<PathBuf>,
    /// The model file to write.
    #[arg(long)]
    out: PathBuf,
    /// The model's version, shown with each decision it makes.
    #[arg(long, default_value = "1")]
    model_version: String,
    /// How long after an order a fraud dispute can still arrive, in days.
    #[arg(long, default_value_t = 120)]
    dispute_window_days: u16,
    /// The time labels are read at (RFC 3339); now unless given.
    #[arg(long, value_parser = parse_time)]
    now: Option<OffsetDateTime>,
    /// An item category the model counts as high-risk (repeat it for several): Shopify
    /// `gift_card` or a vendor, a Magento product type such as `giftcard`. Kept in the model
    /// file, so scoring reads the categories the model was trained with.
    #[arg(long = "high-risk-category")]
    high_risk_categories: Vec<String>,
}

fn parse_time(value: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}

/// One line of the outcomes file: an order's key and [`OrderOutcome`]'s times, each optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeLine {
    order: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    settled_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    fraud_dispute_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    early_fraud_warning_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    other_dispute_at: Option<OffsetDateTime>,
}

impl OutcomeLine {
    fn outcome(&self) -> OrderOutcome {
        OrderOutcome {
            settled_at: self.settled_at,
            fraud_dispute_at: self.fraud_dispute_at,
            early_fraud_warning_at: self.early_fraud_warning_at,
            other_dispute_at: self.other_dispute_at,
        }
    }
}

/// Arguments of `payops fraud explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The order's key, as the console and the logs show it: `shopify/{shop}/order/{id}` or
    /// `magento/{store code}/order/{entity id}`.
    order: String,
}

/// Runs `payops fraud`.
pub(crate) async fn run(command: &Command) -> Result<Found, BoxError> {
    match command {
        Command::Explain(args) => explain(args).await,
        Command::Train(args) => train(args).await.map(|()| Found::Yes),
        Command::Release(args) => crate::fraud_review::decide(args, Verdict::Release).await,
        Command::Cancel(args) => crate::fraud_review::decide(args, Verdict::Cancel).await,
    }
}

/// Reads the outcomes file: order key to outcome, a malformed line named by its number.
fn read_outcomes(path: &std::path::Path) -> Result<HashMap<String, OrderOutcome>, BoxError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--outcomes {}: {e}", path.display()))?;
    let mut outcomes = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: OutcomeLine = serde_json::from_str(line)
            .map_err(|e| format!("--outcomes {} line {}: {e}", path.display(), n + 1))?;
        let order = parsed.order.trim_end_matches('/').to_owned();
        if outcomes.insert(order.clone(), parsed.outcome()).is_some() {
            return Err(format!(
                "--outcomes {} line {}: order {order} is given twice",
                path.display(),
                n + 1
            )
            .into());
        }
    }
    Ok(outcomes)
}

async fn train(args: &TrainArgs) -> Result<(), BoxError> {
    let mut file = match &args.outcomes {
        Some(path) => read_outcomes(path)?,
        None => HashMap::new(),
    };
    let store = args.store.open().await?;
    let screened = flows::workflows::screening::history(&*store).await?;
    // An order without an outcome still counts in the velocity of those after it.
    let history: Vec<LabelledOrder> = screened
        .orders
        .into_iter()
        .map(|o| LabelledOrder {
            outcome: file.remove(&o.order).unwrap_or(o.outcome),
            facts: o.screened.facts,
        })
        .collect();
    let config = TrainConfig {
        model_version: args.model_version.clone(),
        dispute_window: time::Duration::days(i64::from(args.dispute_window_days)),
        feature_config: fraud::FeatureConfig::with_high_risk_categories(
            args.high_risk_categories.iter().cloned(),
        ),
        ..TrainConfig::default()
    };
    let now = args.now.unwrap_or_else(OffsetDateTime::now_utc);
    let model = fraud::train(&history, now, &config)?;
    model.save(&args.out)?;
    let t = &model.training;
    let mut text = format!(
        "model {} written to {}: {} screened orders, {} fraudulent and {} legitimate rows; \
         review from {:.4}, refuse from {:.4}\n",
        model.model_version,
        args.out.display(),
        history.len(),
        t.positives,
        t.negatives,
        model.thresholds.review(),
        model.thresholds.refuse(),
    );
    if screened.unscreened > 0 {
        text.push_str(&format!(
            "{} orders in the store have outcomes but no screen record, left out\n",
            screened.unscreened
        ));
    }
    if !file.is_empty() {
        text.push_str(&format!(
            "{} outcomes of --outcomes name no screened order, left out\n",
            file.len()
        ));
    }
    print(&text)
}

async fn explain(args: &ExplainArgs) -> Result<Found, BoxError> {
    let order = args.order.trim().trim_end_matches('/');
    if order.is_empty() {
        return Err("ORDER: empty: give the order's key (shopify/{shop}/order/{id})".into());
    }
    let store = args.store.open().await?;
    let key = format!("{order}/{RECORD}");
    let Some(effect) = store.effect(&key).await? else {
        eprintln!("payops: order {order} has no fraud screen record ({key})");
        return Ok(Found::No);
    };
    let screened: Screened = serde_json::from_value(effect.detail)
        .map_err(|e| format!("{key}: not a fraud screen record: {e}"))?;
    print(&format!("order {order}\n{}", screened.decision))?;
    Ok(Found::Yes)
}

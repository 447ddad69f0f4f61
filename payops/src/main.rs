//! `payops`: the command line of the payops SDK.
//!
//! ```text
//! payops reconcile csv --settlement settlement.csv --ledger ledger.csv --out report/
//! payops reconcile paytrace --date 2026-12-01 --out report/ [--chargebacks chargebacks.csv]
//! payops reconcile stripe --payout po_1QzX --out report/
//! PAYOPS_STORE=payops.sqlite payops refund shopify --shop demo.myshopify.com --order 1001 \
//!     --amount 15.00 --currency USD --request CM-2026-0042 --reason "damaged" --wait
//! PAYOPS_STORE=postgres://payops@db/payops payops refund magento --store-code default \
//!     --order 42 --amount 15.00 --currency USD --request CM-2026-0043
//! PAYOPS_STORE=payops.sqlite payops chargeback import --file chargebacks.csv --account merchant-42
//! PAYOPS_STORE=payops.sqlite payops chargeback record --account merchant-42 --transaction 125391271 \
//!     --case CB-1001 --amount 25.00 --currency USD --reason "10.4 Fraud" [--stage won] [--wait]
//! PAYOPS_STORE=payops.sqlite payops dead-letters list --limit 20
//! PAYOPS_STORE=payops.sqlite payops dead-letters show 7
//! PAYOPS_STORE=payops.sqlite payops dead-letters replay 7
//! PAYOPS_STORE=postgres://payops@db/payops payops status
//! payops subscription create --config payops.toml --customer 42 --price price_coffee:2 \
//!     --price price_mug [--payment-method pm_123] --idempotency-key sub-42-coffee
//! PAYOPS_STORE=payops.sqlite payops fraud explain shopify/demo.myshopify.com/order/1001
//! PAYOPS_STORE=payops.sqlite payops fraud train --out fraud-model.json [--outcomes outcomes.jsonl] [--high-risk-category gift_card]
//! PAYOPS_STORE=payops.sqlite payops fraud release shopify/demo.myshopify.com/order/1001 --by jane
//! PAYOPS_STORE=payops.sqlite payops fraud cancel shopify/demo.myshopify.com/order/1001 --by jane
//! payops serve --config payops.toml [--check]
//! ```
//!
//! `reconcile` exits 0 when everything reconciles, 1 when discrepancies remain (the report names
//! them), 2 when the inputs cannot be read or a gateway or the ledger fails (nothing is written
//! then). `refund` exits 0 once the request is enqueued (with `--wait`: once it is done), 1 when
//! it was dead-lettered (the reason is printed), 2 when an argument is wrong (naming the flag)
//! or the store fails. `chargeback` exits the same way (`import`: 0 once every row is
//! enqueued, 2 when the report cannot be read, naming its line and column).
//!
//! `dead-letters` exits 0 when done, 1 when no dead letter with the id given waits for replay
//! (`show`, `replay`), 2 on bad input (naming the argument) or a store error; `status` exits 0,
//! or 2 when the store cannot be read. `subscription create` exits 0 when the subscription is
//! active (or trialing), 1 when it started without its first payment, 2 on bad input (naming
//! the flag), a customer not linked to Stripe or without a payment method, or a failure.
//! `fraud explain` exits 0, 1 when the order was not screened, 2 on a store error; `fraud
//! release` and `fraud cancel` exit 0 once the decision is enqueued, 1 when the order is not
//! held (naming why), 2 on bad input (naming the argument) or a store error.
//!
//! `serve` runs the configured pairs until SIGTERM or Ctrl-C (see the `payops` library); it exits
//! 2 when the file is invalid (every problem named by its key) or the service cannot start, and
//! `--check` validates the file only (0 valid, 2 invalid).

mod chargeback;
mod dead_letters;
mod fraud;
mod fraud_review;
mod progress;
mod reconcile_csv;
mod reconcile_gateway;
mod refund;
mod report;
mod runtime_store;
mod status;
mod subscription;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use report::Verdict;

// A million-line reconciliation allocates a few million small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Payment operations: reconcile gateway settlements against the books, refund orders from
/// outside the store.
#[derive(Debug, Parser)]
#[command(name = "payops", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Matches a gateway's settlement against the ledger's payment and refund entries.
    #[command(subcommand)]
    Reconcile(Source),
    /// Refunds an order from outside its store, through the running service: the refund is made
    /// in the store, refunded (or voided) at the gateway and credited in the ERP, once per
    /// request id. Enqueues the request's job into `PAYOPS_STORE` and prints its key; the
    /// service's worker runs it.
    #[command(subcommand)]
    Refund(RefundStore),
    /// PayTrace chargebacks (PayTrace has no chargeback API): imports the merchant's chargeback
    /// report, or records one, through the running service: the ERP dispute records and the
    /// Shopify order's tag and note, once per case and stage. Enqueues the jobs into
    /// `PAYOPS_STORE` and prints their keys; the service's worker runs them.
    #[command(subcommand)]
    Chargeback(chargeback::Command),
    /// Dead letters in the service's store (`PAYOPS_STORE`): lists them, shows one with its
    /// payload (card data masked), replays one. Exits 0 when done, 1 when no dead letter with
    /// the id given waits for replay, 2 on bad input or a store error.
    #[command(subcommand)]
    DeadLetters(dead_letters::Command),
    /// The service's store (`PAYOPS_STORE`) at a glance: jobs by state, dead letters waiting,
    /// events and effects stored, backfill checkpoints. Exits 0, or 2 when the store cannot be
    /// read.
    Status(status::Args),
    /// Stripe subscriptions of Magento customers: starts one for a customer with a saved payment
    /// method, with the service's configuration (`--config`). Exits 0 when it is active, 1 when
    /// it started without its first payment, 2 on bad input or an error.
    #[command(subcommand)]
    Subscription(subscription::Command),
    /// The fraud screen: `explain ORDER` prints an order's decision (outcome, score, each
    /// signal's contribution; exits 1 when the order was not screened); `train` fits the learned
    /// model on the screened orders and their outcomes and writes its file; `release ORDER` and
    /// `cancel ORDER` decide on an order held for review (exit 1 when it is not held). Exit 2
    /// when the store, a file or training fails.
    #[command(subcommand)]
    Fraud(fraud::Command),
    /// Runs the service from a config file: the configured pairs' webhooks, workflows and
    /// backfills in one process, with `GET /metrics` and structured logs, until SIGTERM or
    /// Ctrl-C. `--check` validates the file and exits (0 valid, 2 invalid).
    Serve(payops::ServeArgs),
}

#[derive(Debug, Subcommand)]
enum RefundStore {
    /// A Shopify order paid through PayTrace: Shopify `refundCreate` (idempotent on the
    /// request), then the refund's own job (PayTrace refund or void, ERP credit memo). Exits 0
    /// when enqueued (with `--wait`: done), 1 dead-lettered, 2 bad input or store error.
    Shopify(refund::ShopifyArgs),
    /// A Magento order paid through Stripe (`--order` is its `entity_id`): a Stripe refund
    /// (idempotent on the request), then the charge's refund job (offline Magento credit memo,
    /// ERP credit memo). Exits 0 when enqueued (with `--wait`: done), 1 dead-lettered, 2 bad
    /// input or store error.
    Magento(refund::MagentoArgs),
}

#[derive(Debug, Subcommand)]
enum Source {
    /// Any gateway's or bank's export and any ledger's, in the generic CSV interchange (see the
    /// `reconcile::interchange` docs).
    Csv(reconcile_csv::Args),
    /// PayTrace's batches of a day against the ledger; books each batch's journal.
    Paytrace(reconcile_gateway::PaytraceArgs),
    /// A Stripe payout's balance transactions against the ledger; books the payout's journal.
    Stripe(reconcile_gateway::StripeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<Verdict, reconcile_gateway::BoxError> = match cli.command {
        Command::Serve(args) => return payops::main(&args),
        Command::Reconcile(Source::Csv(args)) => reconcile_csv::run(&args).map_err(Into::into),
        Command::Reconcile(Source::Paytrace(args)) => {
            runtime().and_then(|rt| rt.block_on(reconcile_gateway::paytrace(&args)))
        }
        Command::Reconcile(Source::Stripe(args)) => {
            runtime().and_then(|rt| rt.block_on(reconcile_gateway::stripe(&args)))
        }
        Command::Chargeback(command) => {
            return match runtime().and_then(|rt| rt.block_on(chargeback::run(&command))) {
                Ok(refund::Ended::Done) => ExitCode::SUCCESS,
                Ok(refund::Ended::Dead) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Refund(store) => {
            let ended = runtime().and_then(|rt| {
                rt.block_on(async {
                    match &store {
                        RefundStore::Shopify(args) => refund::shopify(args).await,
                        RefundStore::Magento(args) => refund::magento(args).await,
                    }
                })
            });
            return match ended {
                Ok(refund::Ended::Done) => ExitCode::SUCCESS,
                Ok(refund::Ended::Dead) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
        Command::DeadLetters(command) => {
            let ended = runtime().and_then(|rt| rt.block_on(dead_letters::run(&command)));
            return match ended {
                Ok(dead_letters::Found::Yes) => ExitCode::SUCCESS,
                Ok(dead_letters::Found::No) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Subscription(command) => {
            return match runtime().and_then(|rt| rt.block_on(subscription::run(&command))) {
                Ok(subscription::Started::Paid) => ExitCode::SUCCESS,
                Ok(subscription::Started::Unpaid) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Fraud(command) => {
            return match runtime().and_then(|rt| rt.block_on(fraud::run(&command))) {
                Ok(dead_letters::Found::Yes) => ExitCode::SUCCESS,
                Ok(dead_letters::Found::No) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Status(args) => {
            return match runtime().and_then(|rt| rt.block_on(status::run(&args))) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("payops: {err}");
                    ExitCode::from(2)
                }
            };
        }
    };
    match result {
        Ok(Verdict::Reconciled) => ExitCode::SUCCESS,
        Ok(Verdict::Discrepancies) => ExitCode::from(1),
        Err(err) => {
            eprintln!("payops: {err}");
            ExitCode::from(2)
        }
    }
}

/// Writes `text` to standard output: a closed pipe (as `| head` leaves) is an error, not a
/// panic.
fn print(text: &str) -> Result<(), reconcile_gateway::BoxError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, reconcile_gateway::BoxError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

//! `payops dead-letters list|show|replay`: the dead letters of the service's store, as the
//! console shows them (`console`), from a terminal or a script.
//!
//! `list` prints one tab-separated line per dead letter waiting for replay, oldest first (id,
//! dead since, kind, key, failure, reason), under a header line; `show` prints one with its
//! payload as pretty JSON; `replay` queues its job again with fresh attempts, which the
//! service's worker runs. Card data in payloads and reasons is masked
//! ([`ops_console::redact`]). Exit codes: 0 done, 1 no dead letter with that id waits for replay
//! (`show`, `replay`), 2 bad input (naming the argument) or a store error.

use flows::FlowError;
use ops_console::format;
use ops_console::redact::{mask_json, mask_text};

use crate::print;
use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Lists the dead letters waiting for replay, oldest first, one tab-separated line each:
    /// id, dead since, kind, key, failure, reason (card data masked).
    List(ListArgs),
    /// Shows one dead letter with its reason and its payload (card data masked).
    Show(IdArgs),
    /// Queues a dead letter's job again with fresh attempts; the service's worker runs it.
    Replay(IdArgs),
}

/// Arguments of `payops dead-letters list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// How many to list at most (1 to 10000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `payops dead-letters show|replay`.
#[derive(Debug, clap::Args)]
pub(crate) struct IdArgs {
    /// The dead letter's id (the first column of `list`).
    id: i64,
    #[command(flatten)]
    store: StoreArgs,
}

/// Whether the dead letter asked for was there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Listed, shown or replayed.
    Yes,
    /// No dead letter with that id waits for replay (it never existed, or was replayed).
    No,
}

/// Runs `command`.
pub(crate) async fn run(command: &Command) -> Result<Found, BoxError> {
    match command {
        Command::List(args) => list(args).await,
        Command::Show(args) => show(args).await,
        Command::Replay(args) => replay(args).await,
    }
}

/// Text on one line: a reason's line breaks and tabs would break the list's columns.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn list(args: &ListArgs) -> Result<Found, BoxError> {
    let store = args.store.open().await?;
    let letters = store.dead_letters(args.limit).await?;
    let mut text = String::from("id\tdead since\tkind\tkey\tfailure\treason\n");
    for letter in &letters {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            letter.id,
            format::time(letter.created_at),
            letter.kind.as_str(),
            letter.key,
            format::failure(letter),
            one_line(&mask_text(&letter.reason)),
        ));
    }
    print(&text)?;
    Ok(Found::Yes)
}

async fn show(args: &IdArgs) -> Result<Found, BoxError> {
    let store = args.store.open().await?;
    let Some(letter) = store.dead_letter(args.id).await? else {
        eprintln!("payops: no dead letter {} waiting for replay", args.id);
        return Ok(Found::No);
    };
    let payload = serde_json::to_string_pretty(&mask_json(&letter.payload))?;
    print(&format!(
        "dead letter {}\njob:        {} ({} {})\ndead since: {}\nfailure:    {}\nreason:     {}\npayload (card data masked):\n{payload}\n",
        letter.id,
        letter.job_id,
        letter.kind.as_str(),
        letter.key,
        format::time(letter.created_at),
        format::failure(&letter),
        one_line(&mask_text(&letter.reason)),
    ))?;
    Ok(Found::Yes)
}

async fn replay(args: &IdArgs) -> Result<Found, BoxError> {
    let store = args.store.open().await?;
    match store.replay_dead_letter(args.id, flows::now_millis()).await {
        Ok(job) => {
            print(&format!(
                "dead letter {} replayed: job {job} is queued again\n",
                args.id
            ))?;
            Ok(Found::Yes)
        }
        Err(FlowError::NoSuchDeadLetter(id)) => {
            eprintln!("payops: no dead letter {id} waiting for replay");
            Ok(Found::No)
        }
        Err(err) => Err(err.into()),
    }
}

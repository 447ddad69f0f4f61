//! `payops status`: the service's store at a glance: jobs by state, dead letters waiting,
//! events and effects stored, and the backfill checkpoints. Exit 0, or 2 when the store cannot
//! be read.

use ops_console::format;

use crate::print;
use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// Arguments of `payops status`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,
}

/// Prints the status of the store.
pub(crate) async fn run(args: &Args) -> Result<(), BoxError> {
    let store = args.store.open().await?;
    let counts = store.counts().await?;
    let checkpoints = store.checkpoints().await?;
    let mut text = format!(
        "jobs: {} queued, {} running, {} done\n\
         dead letters: {} waiting for replay\n\
         events: {} received\n\
         effects: {} recorded\n",
        counts.queued, counts.running, counts.done, counts.dead, counts.events, counts.effects,
    );
    if checkpoints.is_empty() {
        text.push_str("checkpoints: none\n");
    } else {
        text.push_str("checkpoints:\n");
        for checkpoint in &checkpoints {
            text.push_str(&format!(
                "  {}\t{}\t(updated {})\n",
                checkpoint.name,
                checkpoint.value,
                format::time(checkpoint.updated_at)
            ));
        }
    }
    print(&text)
}

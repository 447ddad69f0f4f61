//! Backfill: what webhooks missed, found by polling the providers from stored checkpoints.
//!
//! A webhook the intake never received is lost for good once its provider stops retrying
//! (Stripe after 3 days in live mode; Shopify after 8 tries over about 4 hours since
//! 2024-09-10, shopify.dev/changelog/updates-to-webhook-retry-mechanism, 48 hours before). A [`Poller`] asks the
//! provider instead, from a checkpoint in the [`Store`](crate::Store), and hands what it finds to
//! the same inbox and routes as the webhooks, so a polled event and its webhook collapse into one
//! event and one job, in either order: Stripe's events through
//! [`Intake::ingest`](crate::intake::Intake::ingest) (same event id); a Shopify order as the
//! job its `orders/create` would start, with the order as its inbox event; a Magento order as its
//! payment job. PayTrace sends no webhooks: its transaction export is polled against the books
//! instead (`flows::workflows::shopify_paytrace::PaytraceSales`), and its settlement days are
//! enqueued the same way (`SettlementDays`).
//!
//! Pollers run on the worker's schedule, not in a process of their own: [`Backfill`] is the flow
//! of one job per poller, which polls, then waits its interval as a planned wait (no attempt
//! spent) and polls again, for as long as the store lives. Any number of workers share it (a job
//! runs in one place at a time, and a crashed poll is claimed again when its lease ends).
//! Enqueue [`Backfill::job`] at start-up; while the job exists, enqueuing it again is a no-op.
//!
//! # Watchdog
//!
//! A poll also says how many of the events it stored were older than the poller's grace
//! ([`Polled::missed`]): events the provider reports whose webhooks should long have come. A first
//! poll (no checkpoint yet) counts none: what it reads from before the service existed was never
//! due to its webhook endpoint. When
//! there are some, webhooks are not arriving while the provider's events go on, and
//! [`Backfill`] says so: a warning naming the poller, the counters `payops_backfill_found_total`,
//! `payops_backfill_new_total` and `payops_backfill_missed_total` (label `poller`, through the
//! `metrics` facade: a no-op until the service installs an exporter), and the job's [`Watch`]
//! state, which an operator's console reads, and a notice to a person ([`crate::notify`],
//! `backfill_alarm`) on the first poll of a run of polls with misses.
//!
//! A poll that fails for a reason that may pass (the provider down, throttled, timing out) is
//! logged and tried again at the next interval: the checkpoint only moves past what is stored,
//! so nothing is skipped. A permanent failure (credentials refused, a checkpoint the poller
//! cannot read) goes to dead letters, where a person sees it; replaying it starts the poller
//! again.
//!
//! ```no_run
//! # #[cfg(feature = "stripe")]
//! # async fn run(store: std::sync::Arc<flows::SqliteStore>, intake: flows::intake::Intake,
//! #     stripe: stripe_client::Client, worker: flows::Worker) -> Result<(), flows::FlowError> {
//! use std::time::Duration;
//! use flows::Store;
//! use flows::backfill::{Backfill, StripeEvents};
//!
//! let events = Backfill::new(
//!     StripeEvents::new(store.clone(), intake, stripe, "acct_123"),
//!     Duration::from_secs(60),
//! );
//! store.enqueue(events.job(), flows::now_millis()).await?;
//! let worker = worker.flow(events);
//! # let _ = worker; Ok(()) }
//! ```

#[cfg(any(feature = "stripe", all(feature = "shopify", feature = "paytrace")))]
mod poll;
#[cfg(feature = "stripe")]
mod stripe;

use std::time::Duration;

use async_trait::async_trait;
use mapping::System;
use serde::{Deserialize, Serialize};

#[cfg(any(feature = "stripe", all(feature = "shopify", feature = "paytrace")))]
pub(crate) use poll::{checkpoint, deadline, no_deadline};
#[cfg(feature = "stripe")]
pub use stripe::StripeEvents;

use crate::StepError;
use crate::notify::{Notice, NoticeKind};
use crate::store::NewJob;
use crate::workflow::{EntityKey, Flow, JobKind, State, StepCtx};

/// How soon a poll that stopped early (its time ran out with more to read) goes on.
const SOON: Duration = Duration::from_secs(1);

/// One provider's backfill: a poll from a checkpoint, as [`Backfill`] runs it.
#[async_trait]
pub trait Poller: Send + Sync + 'static {
    /// The job kind of its runs.
    const KIND: JobKind;
    /// The systems it calls (their circuit breakers hold its runs while open).
    const SYSTEMS: &'static [System];

    /// What it polls, which is its job's key: `stripe/{account}/backfill/events`, say.
    fn entity(&self) -> EntityKey;

    /// One poll: reads what changed since the checkpoint, hands it to the inbox, moves the
    /// checkpoint past what was stored. A poll may stop early when [`StepCtx::time_left`] runs
    /// low, saying so in [`Polled::more`].
    async fn poll(&self, ctx: &StepCtx<'_>) -> Result<Polled, StepError>;
}

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polled {
    /// Items found (each stored once however often it is found).
    pub found: usize,
    /// Of those, the ones the inbox did not hold yet: what webhooks missed (or have not
    /// delivered yet).
    pub new: usize,
    /// Of the new ones, those older than the poller's grace, whose webhooks should have come
    /// by then: above zero, webhooks are not arriving while the provider's events go on (the
    /// watchdog's signal).
    pub missed: usize,
    /// The poll stopped before reaching the present: poll again at once.
    pub more: bool,
}

/// The watchdog's record of a poller, kept as the state of its job (see
/// [`crate::Store::state`] under the job's key and `watch`): what its polls found that the
/// webhooks had not delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// When the last poll ended (Unix milliseconds).
    pub last_poll: crate::Millis,
    /// Events the last poll found that webhooks had missed.
    pub missed_last_poll: u64,
    /// Polls in a row that found missed events (0 once one finds none).
    pub polls_with_misses: u64,
    /// Missed events found since the poller started.
    pub missed_total: u64,
    /// When a poll last found missed events (Unix milliseconds).
    pub last_missed: Option<crate::Millis>,
}

/// The watchdog's state under a poller's job.
pub const WATCH: State<Watch> = State::new("watch");

/// The input of a [`Backfill`] job: nothing (the poller's checkpoint says where it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tick {}

/// The flow that runs a [`Poller`] every `every`: one job per poller, forever.
#[derive(Debug)]
pub struct Backfill<P> {
    poller: P,
    every: Duration,
}

impl<P: Poller> Backfill<P> {
    /// Runs `poller` every `every`.
    pub fn new(poller: P, every: Duration) -> Self {
        Self { poller, every }
    }

    /// The poller.
    pub fn poller(&self) -> &P {
        &self.poller
    }

    /// The job that starts the poller: enqueue it at start-up (a no-op while the job exists).
    pub fn job(&self) -> NewJob {
        NewJob {
            kind: P::KIND,
            key: self.poller.entity().as_str().to_owned(),
            payload: serde_json::json!(Tick {}),
            run_at: 0,
            rerun: false,
            event: None,
        }
    }
}

impl<P: Poller> Backfill<P> {
    /// The watchdog: counts what the poll found, and says so when it found events whose
    /// webhooks should have come (a warning, the `payops_backfill_missed_total` counter and the
    /// job's [`Watch`] state).
    fn watch(
        &self,
        ctx: &StepCtx<'_>,
        entity: &EntityKey,
        polled: Polled,
    ) -> Result<(), StepError> {
        let kind = P::KIND.as_str().to_owned();
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        metrics::counter!("payops_backfill_found_total", "poller" => kind.clone())
            .increment(count(polled.found));
        metrics::counter!("payops_backfill_new_total", "poller" => kind.clone())
            .increment(count(polled.new));
        metrics::counter!("payops_backfill_missed_total", "poller" => kind)
            .increment(count(polled.missed));
        let mut watch = ctx.state(&WATCH)?.unwrap_or_default();
        let now = crate::now_millis();
        watch.last_poll = now;
        watch.missed_last_poll = count(polled.missed);
        if polled.missed > 0 {
            watch.polls_with_misses += 1;
            watch.missed_total = watch.missed_total.saturating_add(count(polled.missed));
            watch.last_missed = Some(now);
            tracing::warn!(
                poller = %entity,
                missed = polled.missed,
                polls_in_a_row = watch.polls_with_misses,
                "webhooks are not arriving: the provider has events the inbox never received \
                 (stored now by the backfill); check the webhook endpoint and its secret"
            );
            if watch.polls_with_misses == 1 {
                // The first poll of a run of polls with misses: one notice per episode.
                ctx.notify(
                    Notice::new(
                        NoticeKind::BackfillAlarm,
                        format!("{entity}/notice/alarm/{now}"),
                        format!("Webhooks are not arriving: {}", P::KIND),
                    )
                    .text(format!(
                        "The provider has {} events the inbox never received; the backfill \
                         stored them now and their jobs run. Check the webhook endpoint, its \
                         subscription and its secret.",
                        polled.missed
                    ))
                    .fact("poller", entity)
                    .fact("missed", polled.missed),
                );
            }
        } else {
            watch.polls_with_misses = 0;
        }
        ctx.set_state(&WATCH, &watch)
    }
}

#[async_trait]
impl<P: Poller> Flow for Backfill<P> {
    type Input = Tick;
    const KIND: JobKind = P::KIND;
    const SYSTEMS: &'static [System] = P::SYSTEMS;

    fn entity(&self, _: &Tick) -> Result<EntityKey, StepError> {
        Ok(self.poller.entity())
    }

    async fn run(&self, ctx: &StepCtx<'_>, _: Tick) -> Result<(), StepError> {
        let entity = self.poller.entity();
        match self.poller.poll(ctx).await {
            Ok(polled) => {
                tracing::debug!(poller = %entity, found = polled.found, new = polled.new, "polled");
                self.watch(ctx, &entity, polled)?;
                let next = if polled.more { SOON } else { self.every };
                Err(StepError::wait(next, "the next poll"))
            }
            Err(StepError::Transient {
                system,
                retry_after,
                source,
            }) if !matches!(*source, crate::Cause::Store(_)) => {
                // The store failing is the worker's business (a lost lease stops the run).
                let err = StepError::Transient {
                    system,
                    retry_after,
                    source,
                };
                tracing::warn!(poller = %entity, error = %err, "poll failed; trying again at the next interval");
                Err(StepError::wait(
                    self.every.max(retry_after.unwrap_or_default()),
                    format!("the next poll (the last one failed: {err})"),
                ))
            }
            Err(err) => Err(err),
        }
    }
}

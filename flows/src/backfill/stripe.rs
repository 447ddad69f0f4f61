//! Stripe's events, polled from `GET /v1/events`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::TryStreamExt;
use mapping::System;
use stripe_client::{ListEvents, PageParams, RangeQuery};
use time::OffsetDateTime;

use super::{Polled, Poller};
use crate::intake::Intake;
use crate::store::Store;
use crate::workflow::{Entity, EntityKey, JobKind, StepCtx};
use crate::{Accepted, IntoStore, StepError, now_millis};

/// Stripe keeps events for 30 days: a look-back cannot reach further.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// Most event types one `GET /v1/events` takes in `types[]`.
const MAX_TYPES: usize = 20;

/// The account's events of every type the intake routes, polled oldest first from a checkpoint
/// and stored through the intake, so an event whose webhook never came runs its job once, and
/// one whose webhook comes later (or came before) is the same event.
///
/// The checkpoint (`stripe/{account}/events` in [`Store::checkpoint`]) is a Unix time: every
/// event created before it is stored. A poll reads the events created from `overlap` before the
/// checkpoint (Stripe lists an event a little after its `created`, so a window re-read catches
/// the late ones; events seen again are duplicates) to the present, one `window` at a time,
/// each window's events sorted oldest first and stored, then the checkpoint moved to the
/// window's end. A poll cut short by a crash reads its window again. The first poll starts
/// `lookback` ago (3 days by default, as long as Stripe retries a webhook in live mode; at most
/// the 30 days Stripe keeps events), and counts nothing as missed: those events were never due
/// to this service's webhook endpoint.
///
/// Only the intake's Stripe topics are asked for (`types[]`, in groups of 20), so a poll stores
/// nothing the webhook route would not have routed.
pub struct StripeEvents {
    store: Arc<dyn Store>,
    intake: Intake,
    stripe: stripe_client::Client,
    account: String,
    lookback: Duration,
    overlap: Duration,
    window: Duration,
    grace: Duration,
}

impl std::fmt::Debug for StripeEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeEvents")
            .field("account", &self.account)
            .field("lookback", &self.lookback)
            .field("overlap", &self.overlap)
            .field("window", &self.window)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

impl StripeEvents {
    /// The events of `account` (the Stripe account id the keys use, as in the workflows'
    /// configuration), read with `stripe` and stored through `intake` into `store`.
    pub fn new(
        store: impl IntoStore,
        intake: Intake,
        stripe: stripe_client::Client,
        account: impl Into<String>,
    ) -> Self {
        Self {
            store: store.into_store(),
            intake,
            stripe,
            account: account.into(),
            lookback: Duration::from_secs(3 * 24 * 3600),
            overlap: Duration::from_secs(5 * 60),
            window: Duration::from_secs(3600),
            grace: Duration::from_secs(10 * 60),
        }
    }

    /// How old a stored event must be for its missing webhook to count as missed
    /// ([`Polled::missed`]; 10 minutes by default: Stripe sends a webhook within seconds, and
    /// retries a failed one after about an hour).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How far back the first poll reads (at most 30 days, what Stripe keeps).
    #[must_use]
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = lookback.min(RETENTION);
        self
    }

    /// How much before its checkpoint each poll reads again (5 minutes by default).
    #[must_use]
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// How much time one window of a poll covers (an hour by default; at least a second).
    #[must_use]
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window.max(Duration::from_secs(1));
        self
    }

    /// The checkpoint's name: `stripe/{account}/events`.
    pub fn checkpoint_name(&self) -> String {
        format!("stripe/{}/events", self.account)
    }

    /// The stored checkpoint; one that is not a Unix time is a permanent error naming it.
    async fn checkpoint(&self) -> Result<Option<OffsetDateTime>, StepError> {
        super::checkpoint(
            &*self.store,
            &self.checkpoint_name(),
            "a Unix time in seconds",
            |value| {
                value
                    .parse::<i64>()
                    .ok()
                    .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            },
        )
        .await
    }

    /// One poll to the present, however long it takes (a [`crate::backfill::Backfill`] job
    /// stops in time for its lease instead): what a person runs to catch up by hand.
    pub async fn poll_once(&self) -> Result<Polled, StepError> {
        self.poll_until(super::no_deadline()).await
    }

    /// Polls window after window until the present, or until `deadline` (then
    /// [`Polled::more`]).
    async fn poll_until(&self, deadline: Instant) -> Result<Polled, StepError> {
        let topics = self.intake.topics(System::Stripe);
        let mut polled = Polled::default();
        if topics.is_empty() {
            return Ok(polled);
        }
        // The end of the current second: `created` is in whole seconds, and an event of this
        // second is read now rather than at the next poll.
        let now = OffsetDateTime::now_utc() + Duration::from_secs(1);
        let stored = self.checkpoint().await?;
        // A first poll (no checkpoint) reads from before the service existed: what it finds
        // was never due here, so it counts nothing as missed.
        let watched = stored.is_some();
        let mut checkpoint = stored.unwrap_or(now - self.lookback);
        // A checkpoint older than what Stripe keeps cannot be read from: start at what it has.
        checkpoint = checkpoint.max(now - RETENTION);
        while checkpoint < now {
            if Instant::now() >= deadline {
                polled.more = true;
                break;
            }
            let end = (checkpoint + self.window).min(now);
            let window = self
                .store_window(&topics, checkpoint - self.overlap, end, watched)
                .await?;
            polled.found += window.found;
            polled.new += window.new;
            polled.missed += window.missed;
            self.store
                .set_checkpoint(
                    &self.checkpoint_name(),
                    &end.unix_timestamp().to_string(),
                    now_millis(),
                )
                .await?;
            checkpoint = end;
        }
        Ok(polled)
    }

    /// Stores the events created in `[from, to)`, oldest first; what it found, stored as new,
    /// and (when `watched`) stored as new though older than the grace.
    async fn store_window(
        &self,
        topics: &[String],
        from: OffsetDateTime,
        to: OffsetDateTime,
        watched: bool,
    ) -> Result<Polled, StepError> {
        let mut events = Vec::new();
        for types in topics.chunks(MAX_TYPES) {
            let query = ListEvents {
                created: Some(RangeQuery {
                    gte: Some(from),
                    lt: Some(to),
                    ..RangeQuery::default()
                }),
                types: types.to_vec(),
                page: PageParams {
                    limit: Some(100),
                    ..PageParams::default()
                },
                ..ListEvents::default()
            };
            let page: Vec<stripe_client::Event> =
                self.stripe.events().list_all(&query)?.try_collect().await?;
            events.extend(page);
        }
        // Stripe lists newest first: store oldest first, as the webhooks would have come.
        events.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        let overdue = OffsetDateTime::now_utc() - self.grace;
        let mut polled = Polled {
            found: events.len(),
            ..Polled::default()
        };
        for event in &events {
            let body = serde_json::to_vec(event).map_err(|e| {
                StepError::permanent(format!("event {} cannot be written back: {e}", event.id))
            })?;
            if let Accepted::New { .. } = self.intake.ingest(System::Stripe, &body).await? {
                polled.new += 1;
                if watched && event.created < overdue {
                    polled.missed += 1;
                }
            }
        }
        Ok(polled)
    }
}

#[async_trait]
impl Poller for StripeEvents {
    const KIND: JobKind = JobKind::new("stripe.events-backfill");
    const SYSTEMS: &'static [System] = &[System::Stripe];

    fn entity(&self) -> EntityKey {
        EntityKey::new(System::Stripe, &self.account).child(Entity::Backfill, "events")
    }

    async fn poll(&self, ctx: &StepCtx<'_>) -> Result<Polled, StepError> {
        self.poll_until(super::deadline(ctx)).await
    }
}

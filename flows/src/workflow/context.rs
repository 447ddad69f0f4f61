//! The step context: what a flow's steps see of the runtime while a job runs.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::time::Instant;

use super::key::{EntityKey, State, Step};
use crate::store::{
    FlowRecords, FlowWrites, Job, Lease, Millis, NewEffect, NewJob, Store, StoredEvent,
};
use crate::worker::{millis, now_millis};
use crate::{FlowError, StepError};
use mapping::System;

/// The deadline of a run: a little before its lease ends, so the run's outcome is recorded while
/// the lease still holds. Renewing the lease moves it.
#[derive(Debug)]
pub(crate) struct LeaseClock {
    lease: Lease,
    /// Kept between the deadline and the end of the lease, to record the outcome.
    grace: Duration,
    deadline: Mutex<Instant>,
}

impl LeaseClock {
    /// The clock of a claim taken at `claimed` (an instant read before the claim's `now`) for
    /// `lease_for`.
    pub(crate) fn new(
        lease: Lease,
        claimed: Instant,
        lease_for: Duration,
        grace: Duration,
    ) -> Self {
        Self {
            lease,
            grace,
            deadline: Mutex::new(claimed + lease_for.saturating_sub(grace)),
        }
    }

    pub(crate) fn lease(&self) -> Lease {
        self.lease
    }

    pub(crate) fn deadline(&self) -> Instant {
        *self.deadline.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Completes when the deadline has passed (following renewals).
    pub(crate) async fn passed(&self) {
        loop {
            let deadline = self.deadline();
            tokio::time::sleep_until(deadline).await;
            if self.deadline() <= Instant::now() {
                return;
            }
        }
    }

    /// Makes sure the run may go on for `at_least` from now: renews the lease in the store when
    /// the deadline is nearer. Fails with [`FlowError::LeaseLost`] when the claim is gone.
    pub(crate) async fn hold(
        &self,
        store: &dyn Store,
        at_least: Duration,
    ) -> Result<(), FlowError> {
        let start = Instant::now();
        if self.deadline() >= start + at_least {
            return Ok(());
        }
        let now = now_millis();
        let until = now.saturating_add(millis(at_least + self.grace));
        store.renew(self.lease, until, now).await?;
        let mut deadline = self.deadline.lock().unwrap_or_else(PoisonError::into_inner);
        *deadline = (*deadline).max(start + at_least);
        Ok(())
    }
}

/// An event in the store's inbox: the input of a flow started by a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The system that sent it.
    pub provider: System,
    /// Its id in the inbox.
    pub event_id: String,
}

/// How long a job has waited for another flow.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Waiting {
    since: Millis,
    waits: u32,
}

/// What a run read and wrote: the records on record (found at the claim, or saved by the run),
/// and what the run did since, not yet written. A value is held in one place only: it moves from
/// `unwritten` to the maps when saved.
#[derive(Debug, Default)]
struct Journal {
    effects: HashMap<String, Box<RawValue>>,
    states: HashMap<String, Box<RawValue>>,
    unwritten: FlowWrites,
    waited: bool,
}

impl Journal {
    fn effect(&self, key: &str) -> Option<&RawValue> {
        self.unwritten
            .effects
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &*e.detail)
            .or_else(|| self.effects.get(key).map(|v| &**v))
    }

    fn state(&self, key: &str) -> Option<&RawValue> {
        match self.unwritten.states.iter().rev().find(|(k, _)| k == key) {
            Some((_, value)) => value.as_deref(),
            None => self.states.get(key).map(|v| &**v),
        }
    }

    /// Moves saved writes into the records on record.
    fn saved(&mut self, writes: FlowWrites) {
        for effect in writes.effects {
            // The first record of a key wins, as in the store.
            self.effects.entry(effect.key).or_insert(effect.detail);
        }
        for (key, value) in writes.states {
            match value {
                Some(value) => self.states.insert(key, value),
                None => self.states.remove(&key),
            };
        }
    }
}

/// Limits the runtime puts on a run's waits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitLimits {
    /// Longest total wait for another flow before the job goes to dead letters.
    pub(crate) max_wait: Duration,
    /// First delay of a wait for another flow (it doubles, up to `max_delay`).
    pub(crate) first_delay: Duration,
    /// Longest delay between two looks.
    pub(crate) max_delay: Duration,
}

/// What a flow's steps see of the runtime while a job runs: the job's entity, its effects run at
/// most once ([`StepCtx::once`]), its typed state ([`StepCtx::state`]), other flows' records,
/// waits that cost no attempt ([`StepCtx::wait_for`]) and the lease ([`StepCtx::hold_lease`]).
///
/// Records are kept in memory and written with the job's outcome, in one transaction fenced by
/// the job's claim; [`StepCtx::save`] (and [`StepCtx::once_durable`]) write them at once, for an
/// effect that must be on record before the flow goes on. A crash before the write loses only
/// records, never effects: the retry performs those effects again, which every effect must allow
/// (a provider's idempotency key, a check of the provider's state, an ERP reference), or, for a
/// payment without either, the flow records what it is about to send before sending it (see the
/// PayTrace sale in [`crate::workflows`]).
pub struct StepCtx<'r> {
    store: &'r dyn Store,
    job: &'r Job,
    entity: EntityKey,
    clock: &'r LeaseClock,
    limits: WaitLimits,
    journal: Mutex<Journal>,
    /// The job's inbox event, read with its claim, until the flow asks for it.
    event: Mutex<Option<StoredEvent>>,
    /// Whether the worker sends notices ([`crate::Worker::notify`]).
    notifying: bool,
}

impl fmt::Debug for StepCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepCtx")
            .field("entity", &self.entity)
            .field("job", &self.job.id)
            .finish_non_exhaustive()
    }
}

impl<'r> StepCtx<'r> {
    pub(crate) fn new(
        store: &'r dyn Store,
        job: &'r Job,
        records: FlowRecords,
        event: Option<StoredEvent>,
        clock: &'r LeaseClock,
        limits: WaitLimits,
    ) -> Self {
        let journal = Journal {
            effects: records.effects.into_iter().collect(),
            states: records.states.into_iter().collect(),
            ..Journal::default()
        };
        Self {
            store,
            job,
            entity: EntityKey::stored(job.key.clone()),
            clock,
            limits,
            journal: Mutex::new(journal),
            event: Mutex::new(event),
            notifying: false,
        }
    }

    /// Sets whether the worker sends notices.
    pub(crate) fn notifying(mut self, on: bool) -> Self {
        self.notifying = on;
        self
    }

    /// Tells a person about something ([`crate::notify`]): the notice's job is enqueued with
    /// the job's outcome, whatever it is, once per notice key; nothing when the worker sends no
    /// notices. Never fails the run: a notice that cannot be written as a job is logged.
    pub fn notify(&self, notice: crate::notify::Notice) {
        if !self.notifying {
            return;
        }
        match notice.job() {
            Ok(job) => self.journal().unwritten.jobs.push(job),
            Err(err) => tracing::error!(key = %notice.key, error = %err, "notice not enqueued"),
        }
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        // The journal holds plain maps updated in single steps: a panic cannot tear it.
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The job's entity: every key of the flow is under it.
    pub fn entity(&self) -> &EntityKey {
        &self.entity
    }

    /// The job being run.
    pub fn job(&self) -> &Job {
        self.job
    }

    /// The store the job runs from, for writes that need no fence because they are idempotent
    /// by themselves (an inbox event, unique on its provider and id, with its job).
    pub(crate) fn store(&self) -> &'r dyn Store {
        self.store
    }

    fn own(&self, entity: &EntityKey) -> Result<(), StepError> {
        if self.entity.contains(entity) {
            Ok(())
        } else {
            Err(StepError::permanent(format!(
                "{entity} is not under the job's entity {}: read another flow's records with \
                 `read` instead",
                self.entity
            )))
        }
    }

    /// The key of `step` under this job's entity: what a provider that takes an idempotency key
    /// gets (Stripe's `Idempotency-Key`), so its retries and this record share one key.
    pub fn key_of<T>(&self, step: &Step<T>) -> String {
        self.entity.under(step.name())
    }

    /// The key of `step` under `entity` (this job's entity or one under it), as
    /// [`StepCtx::key_of`] gives it for the job's own.
    pub fn key_at<T>(&self, entity: &EntityKey, step: &Step<T>) -> Result<String, StepError> {
        self.own(entity)?;
        Ok(entity.under(step.name()))
    }

    /// The result `step` recorded for this job's entity, if any.
    pub fn recorded<T: DeserializeOwned>(&self, step: &Step<T>) -> Result<Option<T>, StepError> {
        self.recorded_at(&self.entity, step)
    }

    /// The result `step` recorded for `entity` (this job's entity or one under it), if any.
    pub fn recorded_at<T: DeserializeOwned>(
        &self,
        entity: &EntityKey,
        step: &Step<T>,
    ) -> Result<Option<T>, StepError> {
        self.own(entity)?;
        let key = entity.under(step.name());
        self.journal()
            .effect(&key)
            .map(|detail| read(&key, detail))
            .transpose()
    }

    /// Runs `effect` unless `step` already has a result for this job's entity, which is then
    /// returned without calling anything. The new result is recorded with the job's outcome.
    pub async fn once<T, F, Fut>(&self, step: &Step<T>, effect: F) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        self.once_at(&self.entity, step, effect).await
    }

    /// [`StepCtx::once`] for `entity`, this job's entity or one under it (a refund of the order).
    pub async fn once_at<T, F, Fut>(
        &self,
        entity: &EntityKey,
        step: &Step<T>,
        effect: F,
    ) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        if let Some(result) = self.recorded_at(entity, step)? {
            return Ok(result);
        }
        let result = effect().await?;
        self.record(entity, step, &result)?;
        Ok(result)
    }

    /// [`StepCtx::once`] for an effect that must be on record before the flow goes on (one that
    /// cannot be repeated safely): the record, and every record before it, is written before this
    /// returns.
    pub async fn once_durable<T, F, Fut>(&self, step: &Step<T>, effect: F) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        let result = self.once(step, effect).await?;
        self.save().await?;
        Ok(result)
    }

    /// Records `result` as `step`'s for `entity` (found another way than by performing it: a
    /// lost answer looked up at the provider).
    pub fn record<T: Serialize>(
        &self,
        entity: &EntityKey,
        step: &Step<T>,
        result: &T,
    ) -> Result<(), StepError> {
        self.own(entity)?;
        let key = entity.under(step.name());
        let detail = serde_json::value::to_raw_value(result).map_err(|e| {
            StepError::permanent(format!("effect {key}: result not serializable: {e}"))
        })?;
        self.journal().unwritten.effects.push(NewEffect {
            key,
            system: step.system(),
            detail,
        });
        Ok(())
    }

    /// The value of `state` for this job's entity.
    pub fn state<T: DeserializeOwned>(&self, state: &State<T>) -> Result<Option<T>, StepError> {
        self.state_at(&self.entity, state)
    }

    /// The value of `state` for `entity` (this job's entity or one under it).
    pub fn state_at<T: DeserializeOwned>(
        &self,
        entity: &EntityKey,
        state: &State<T>,
    ) -> Result<Option<T>, StepError> {
        self.own(entity)?;
        let key = entity.under(state.name());
        self.journal()
            .state(&key)
            .map(|value| read(&key, value))
            .transpose()
    }

    /// Sets `state` for this job's entity; written with the job's outcome, or by
    /// [`StepCtx::save`].
    pub fn set_state<T: Serialize>(&self, state: &State<T>, value: &T) -> Result<(), StepError> {
        self.set_state_at(&self.entity, state, value)
    }

    /// Sets `state` for `entity` (this job's entity or one under it), as [`StepCtx::set_state`].
    pub fn set_state_at<T: Serialize>(
        &self,
        entity: &EntityKey,
        state: &State<T>,
        value: &T,
    ) -> Result<(), StepError> {
        self.own(entity)?;
        let key = entity.under(state.name());
        let value = serde_json::value::to_raw_value(value).map_err(|e| {
            StepError::permanent(format!("state {key}: value not serializable: {e}"))
        })?;
        self.journal().unwritten.states.push((key, Some(value)));
        Ok(())
    }

    /// Removes `state` for this job's entity.
    pub fn clear_state<T>(&self, state: &State<T>) {
        let key = self.entity.under(state.name());
        let mut journal = self.journal();
        if journal.state(&key).is_some() {
            journal.unwritten.states.push((key, None));
        }
    }

    /// Writes every record of the run so far now, fenced by the job's claim: after this returns
    /// they survive a crash, and a run that lost its claim gets [`FlowError::LeaseLost`] and
    /// writes nothing.
    pub async fn save(&self) -> Result<(), StepError> {
        let writes = std::mem::take(&mut self.journal().unwritten);
        if writes.is_empty() {
            return Ok(());
        }
        let saved = self
            .store
            .save(self.clock.lease(), &writes, now_millis())
            .await;
        let mut journal = self.journal();
        if let Err(err) = saved {
            // Kept for the outcome's write (which a lost claim refuses too).
            let newer = std::mem::replace(&mut journal.unwritten, writes);
            journal.unwritten.append(newer);
            return Err(err.into());
        }
        journal.saved(writes);
        Ok(())
    }

    /// Enqueues `job` with the run's outcome (or at [`StepCtx::save`]): a run that loses its
    /// claim enqueues nothing.
    pub fn enqueue(&self, job: NewJob) {
        self.journal().unwritten.jobs.push(job);
    }

    /// What another flow recorded as `step`'s result for `entity` (read from the store).
    pub async fn read<T: DeserializeOwned>(
        &self,
        entity: &EntityKey,
        step: &Step<T>,
    ) -> Result<Option<T>, StepError> {
        if self.entity.contains(entity) {
            return self.recorded_at(entity, step);
        }
        let key = entity.under(step.name());
        self.store
            .effect(&key)
            .await?
            .map(|effect| {
                T::deserialize(&effect.detail).map_err(|e| {
                    StepError::permanent(format!("{key}: recorded value unreadable: {e}"))
                })
            })
            .transpose()
    }

    /// Another flow's `state` for `entity` (read from the store).
    pub async fn read_state<T: DeserializeOwned>(
        &self,
        entity: &EntityKey,
        state: &State<T>,
    ) -> Result<Option<T>, StepError> {
        if entity == &self.entity {
            return self.state(state);
        }
        let key = entity.under(state.name());
        self.store
            .state(&key)
            .await?
            .map(|value| {
                T::deserialize(&value).map_err(|e| {
                    StepError::permanent(format!("{key}: recorded value unreadable: {e}"))
                })
            })
            .transpose()
    }

    /// A stored event; one missing from the inbox is a permanent error. The job's own event
    /// came with its claim and costs no read.
    pub async fn event(&self, event: &EventRef) -> Result<StoredEvent, StepError> {
        let preloaded = {
            let mut slot = self.event.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(e)
                    if e.event.provider == event.provider && e.event.event_id == event.event_id =>
                {
                    slot.take()
                }
                _ => None,
            }
        };
        if let Some(stored) = preloaded {
            return Ok(stored);
        }
        self.store
            .event(event.provider, &event.event_id)
            .await?
            .ok_or_else(|| {
                StepError::permanent(format!(
                    "{} event {} is not in the inbox",
                    event.provider, event.event_id
                ))
            })
    }

    /// The raw body of a stored event (see [`StepCtx::event`]).
    pub async fn event_body(&self, event: &EventRef) -> Result<Vec<u8>, StepError> {
        Ok(self.event(event).await?.event.payload)
    }

    /// A wait for another flow (`what`: "the order's payment"), to return as the step's error:
    /// the job runs again later without spending an attempt, looking after 1 s, then 2 s, ...
    /// up to a minute apart; after waiting longer than the runtime's limit (a day by default) it
    /// goes to dead letters instead, naming what it waited for.
    pub fn wait_for(&self, what: impl fmt::Display) -> StepError {
        let key = self.waiting_key();
        let now = now_millis();
        let mut journal = self.journal();
        let waiting = journal
            .state(&key)
            .and_then(|v| serde_json::from_str::<Waiting>(v.get()).ok())
            .unwrap_or(Waiting {
                since: now,
                waits: 0,
            });
        let waited = Duration::from_millis(u64::try_from(now - waiting.since).unwrap_or(0));
        if waited > self.limits.max_wait {
            return StepError::permanent(format!(
                "waited {}s for {what}, longer than the {}s allowed",
                waited.as_secs(),
                self.limits.max_wait.as_secs()
            ));
        }
        let after = self
            .limits
            .first_delay
            .saturating_mul(1 << waiting.waits.min(20))
            .min(self.limits.max_delay);
        let next = Waiting {
            since: waiting.since,
            waits: waiting.waits.saturating_add(1),
        };
        if let Ok(value) = serde_json::value::to_raw_value(&next) {
            journal.unwritten.states.push((key, Some(value)));
        }
        journal.waited = true;
        StepError::wait(after, format!("waiting for {what}"))
    }

    /// Makes sure the run may go on for at least `at_least` from now (the longest an external
    /// call may take), renewing the job's lease when its deadline is nearer. Call it before a
    /// call that must not be cut off halfway. A run whose claim is gone gets
    /// [`FlowError::LeaseLost`] (a permanent error that changes nothing).
    pub async fn hold_lease(&self, at_least: Duration) -> Result<(), StepError> {
        Ok(self.clock.hold(self.store, at_least).await?)
    }

    /// How long the run has before its deadline (renewing the lease moves it).
    pub fn time_left(&self) -> Duration {
        self.clock
            .deadline()
            .saturating_duration_since(Instant::now())
    }

    /// The run's deadline as Unix milliseconds: after it, nothing this run started is still
    /// in flight from this process (the worker stops the run there).
    pub fn deadline_millis(&self) -> Millis {
        now_millis().saturating_add(millis(self.time_left()))
    }

    fn waiting_key(&self) -> String {
        self.entity
            .under(&format!("{}/waiting", self.job.kind.as_str()))
    }

    /// What the run writes with its outcome; the record of a finished wait goes.
    pub(crate) fn into_writes(self) -> FlowWrites {
        let key = self.waiting_key();
        let mut journal = self
            .journal
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if !journal.waited && journal.state(&key).is_some() {
            journal.unwritten.states.push((key, None));
        }
        journal.unwritten
    }
}

/// Decodes a stored value; one that does not fit is a permanent error naming its key.
fn read<T: DeserializeOwned>(key: &str, value: &RawValue) -> Result<T, StepError> {
    serde_json::from_str(value.get())
        .map_err(|e| StepError::permanent(format!("{key}: recorded value unreadable: {e}")))
}

//! Calls of many tasks run together (group commit): claims and outcomes.
//!
//! A call joins its group's queue. When no batch of the group is running, the call starts a task
//! that takes every call waiting at that moment, runs them as one batch (one statement, one
//! transaction), answers them, and goes on while calls keep arriving. A quiet store runs each
//! call at once, alone; a busy one runs the calls that arrived during the previous batch
//! together, paying one statement and one commit for all of them instead of one each.
//!
//! The task is spawned, not run by a caller: a caller that stops waiting (its future dropped)
//! cannot leave the group without a runner. Should a batch fail, each of its calls is run
//! again alone, so that one call's failure (a deadlock, a value the server refuses) is that
//! call's only, and every caller gets the error of its own call.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

use super::PgStore;
use crate::FlowError;

/// A store call that runs in batches.
pub(super) trait Batched: Sized + Send + Sync + 'static {
    /// A call's answer.
    type Output: Send + 'static;

    /// The calls of this kind waiting for a batch.
    fn group(store: &PgStore) -> &Group<Self, Self::Output>;

    /// Whether `other` may run in one batch with `first`.
    fn fits(first: &Self, other: &Self) -> bool;

    /// Runs `calls` as one batch: each call's answer, in order (an answer missing at the end is
    /// an error of its call).
    fn run(
        store: &PgStore,
        calls: &[&Self],
    ) -> impl Future<Output = Result<Vec<Result<Self::Output, FlowError>>, FlowError>> + Send;
}

impl PgStore {
    /// Runs `input` in a batch with the calls of its kind that other tasks of this process make
    /// meanwhile, and returns its answer.
    pub(super) async fn in_batch<B: Batched>(&self, input: B) -> Result<B::Output, FlowError> {
        let (answered, start) = B::group(self).join(input);
        if start {
            let store = self.clone();
            tokio::spawn(async move { store.run_batches::<B>().await });
        }
        answered.await.map_err(|_| {
            FlowError::Task("a batch of store calls stopped before answering".into())
        })?
    }

    /// Runs batches of `B` while calls wait.
    async fn run_batches<B: Batched>(&self) {
        let group = B::group(self);
        let _guard = RunnerGuard { group };
        while let Some(batch) = group.next(B::fits) {
            self.run_batch(batch).await;
        }
    }

    /// Runs one batch and answers its calls; when it fails, runs each call alone.
    async fn run_batch<B: Batched>(&self, batch: Vec<Call<B, B::Output>>) {
        let inputs: Vec<&B> = batch.iter().map(|call| &call.input).collect();
        match B::run(self, &inputs).await {
            Ok(answers) => {
                let mut answers = answers.into_iter();
                for call in batch {
                    call.answer(answers.next().unwrap_or_else(unanswered));
                }
            }
            Err(err) if batch.len() == 1 => {
                if let Some(call) = batch.into_iter().next() {
                    call.answer(Err(err));
                }
            }
            Err(_) => {
                futures::future::join_all(batch.into_iter().map(|call| async move {
                    let alone = B::run(self, &[&call.input])
                        .await
                        .and_then(|answers| answers.into_iter().next().unwrap_or_else(unanswered));
                    call.answer(alone);
                }))
                .await;
            }
        }
    }
}

/// The error of a call its batch returned no answer for.
fn unanswered<O>() -> Result<O, FlowError> {
    Err(FlowError::Task(
        "a batch of store calls left a call unanswered".into(),
    ))
}

/// Most calls in one batch: beyond a hundred rows a statement saves little more, and holds its
/// locks longer.
const MAX_BATCH: usize = 100;

/// One call waiting in a group: its input and where its answer goes.
pub(super) struct Call<I, O> {
    input: I,
    reply: oneshot::Sender<Result<O, FlowError>>,
}

impl<I, O> Call<I, O> {
    /// Answers the call (a caller that stopped waiting is not told).
    fn answer(self, result: Result<O, FlowError>) {
        let _ = self.reply.send(result);
    }
}

/// The calls of one kind waiting for a batch.
pub(super) struct Group<I, O> {
    waiting: Mutex<Waiting<I, O>>,
}

struct Waiting<I, O> {
    calls: Vec<Call<I, O>>,
    /// Whether a task is running this group's batches.
    running: bool,
}

impl<I, O> Default for Group<I, O> {
    fn default() -> Self {
        Self {
            waiting: Mutex::new(Waiting {
                calls: Vec::new(),
                running: false,
            }),
        }
    }
}

impl<I, O> Group<I, O> {
    /// Queues `input`. Returns the receiver of its answer, and whether the caller must start
    /// the group's runner (none is running).
    fn join(&self, input: I) -> (oneshot::Receiver<Result<O, FlowError>>, bool) {
        let (reply, answer) = oneshot::channel();
        let mut waiting = self.lock();
        waiting.calls.push(Call { input, reply });
        let start = !waiting.running;
        waiting.running = true;
        (answer, start)
    }

    /// The next batch: the first waiting call and, in their order, up to [`MAX_BATCH`] in all of
    /// the others that `fits` with it (the rest wait for a later batch). `None` when no call
    /// waits: the runner stops, and the next call starts another.
    fn next(&self, fits: impl Fn(&I, &I) -> bool) -> Option<Vec<Call<I, O>>> {
        let mut waiting = self.lock();
        if waiting.calls.is_empty() {
            waiting.running = false;
            return None;
        }
        let calls = std::mem::take(&mut waiting.calls);
        let mut batch: Vec<Call<I, O>> = Vec::with_capacity(calls.len().min(MAX_BATCH));
        for call in calls {
            let fitting = match batch.first() {
                None => true,
                Some(first) => batch.len() < MAX_BATCH && fits(&first.input, &call.input),
            };
            if fitting {
                batch.push(call);
            } else {
                waiting.calls.push(call);
            }
        }
        Some(batch)
    }

    /// Stops a runner that failed: the calls waiting are dropped (their callers get an error)
    /// and the next call starts another runner.
    fn abandon(&self) {
        let mut waiting = self.lock();
        waiting.calls.clear();
        waiting.running = false;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting<I, O>> {
        // The lock guards a queue that every step leaves whole.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Clears a group whose runner panicked, so its callers are answered and new calls start a new
/// runner.
struct RunnerGuard<'a, I, O> {
    group: &'a Group<I, O>,
}

impl<I, O> Drop for RunnerGuard<'_, I, O> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.group.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_takes_the_calls_that_fit_the_first_and_leaves_the_others_in_order() {
        let group: Group<(char, u32), ()> = Group::default();
        let mut answers = Vec::new();
        for (i, input) in [('a', 1), ('b', 2), ('a', 3), ('b', 4)]
            .into_iter()
            .enumerate()
        {
            let (answer, start) = group.join(input);
            assert_eq!(start, i == 0, "only the first call starts a runner");
            answers.push(answer);
        }
        let same = |x: &(char, u32), y: &(char, u32)| x.0 == y.0;
        let inputs = |batch: Vec<Call<(char, u32), ()>>| -> Vec<u32> {
            batch.into_iter().map(|c| c.input.1).collect()
        };
        assert_eq!(group.next(same).map(inputs), Some(vec![1, 3]));
        assert_eq!(group.next(same).map(inputs), Some(vec![2, 4]));
        assert!(group.next(same).is_none());
        let (_, start) = group.join(('c', 5));
        assert!(start, "a stopped runner is started again by the next call");
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_calls() {
        let group: Group<usize, ()> = Group::default();
        let _answers: Vec<_> = (0..MAX_BATCH + 5).map(|i| group.join(i).0).collect();
        assert_eq!(group.next(|_, _| true).map(|b| b.len()), Some(MAX_BATCH));
        assert_eq!(group.next(|_, _| true).map(|b| b.len()), Some(5));
    }

    #[tokio::test]
    async fn an_abandoned_group_lets_its_callers_go_and_takes_new_calls() {
        let group: Group<u32, ()> = Group::default();
        let (answer_one, _) = group.join(1);
        group.abandon();
        assert!(answer_one.await.is_err(), "the caller is told");
        let (_, start) = group.join(2);
        assert!(start);
    }
}

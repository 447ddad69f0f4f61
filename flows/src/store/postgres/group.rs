//! Calls of many tasks run together (group commit): claims and outcomes.
//!
//! A call joins its group's queue. When no batch of the group is running, the call starts a task
//! that takes every call waiting at that moment, runs them as one batch (one statement, one
//! transaction), answers them, and goes on while calls keep arriving. A quiet store runs each
//! call at once, alone; a busy one runs the calls that arrived during the previous batch
//! together, paying one statement and one commit for all of them instead of one each.
//!
//! The task is spawned, not run by a caller: a caller that stops waiting (its future dropped)
//! cannot leave the group without a runner.

use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::FlowError;

/// Most calls in one batch: beyond a hundred rows a statement saves little more, and holds its
/// locks longer.
pub(super) const MAX_BATCH: usize = 100;

/// One call waiting in a group: its input and where its answer goes.
pub(super) struct Call<I, O> {
    pub(super) input: I,
    reply: oneshot::Sender<Result<O, FlowError>>,
}

impl<I, O> Call<I, O> {
    /// Answers the call (a caller that stopped waiting is not told).
    pub(super) fn answer(self, result: Result<O, FlowError>) {
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
    pub(super) fn join(&self, input: I) -> (oneshot::Receiver<Result<O, FlowError>>, bool) {
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
    pub(super) fn next(&self, fits: impl Fn(&I, &I) -> bool) -> Option<Vec<Call<I, O>>> {
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
    pub(super) fn abandon(&self) {
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
/// runner (armed for the runner's life, disarmed when it stops normally).
pub(super) struct RunnerGuard<'a, I, O> {
    pub(super) group: &'a Group<I, O>,
}

impl<I, O> Drop for RunnerGuard<'_, I, O> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.group.abandon();
        }
    }
}

/// The answer of a call, once its batch ran.
pub(super) async fn answer<O>(
    answer: oneshot::Receiver<Result<O, FlowError>>,
) -> Result<O, FlowError> {
    answer
        .await
        .map_err(|_| FlowError::Task("a batch of store calls stopped before answering".into()))?
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
    async fn an_abandoned_batch_answers_its_callers_with_an_error() {
        let group: Group<u32, ()> = Group::default();
        let (answer_one, _) = group.join(1);
        group.abandon();
        assert!(matches!(answer(answer_one).await, Err(FlowError::Task(_))));
        let (_, start) = group.join(2);
        assert!(start);
    }
}

//! Outcomes, in batches: the runs of a busy process that end while one batch is being recorded
//! are recorded together, in one transaction (group commit, see [`super::group`]).
//!
//! Each run's outcome is still fenced by its own claim: one statement updates every job whose
//! claim still holds, and only the runs it updated have their records written. A run whose claim
//! is gone gets [`FlowError::LeaseLost`] and leaves nothing, while the others of its batch are
//! recorded.

use std::collections::HashMap;

use super::super::rows::Rows;
use super::group::{Call, Group, RunnerGuard, answer};
use super::writes::WriteStatements;
use super::{Finish, Lease, Millis, PgStore, Tx, notify};
use crate::FlowError;

/// A run's end, as [`super::Store::finish`] records it.
pub(super) struct FinishInput {
    pub(super) lease: Lease,
    pub(super) finish: Finish,
    pub(super) rows: Rows,
    pub(super) now: Millis,
}

/// The outcomes waiting for a batch.
pub(super) type Finishes = Group<FinishInput, ()>;

/// How an outcome changes its job's row, as the outcome statement reads it: what it is, its
/// next run time, its note (the error or what it waits for) and the attempts it adds.
fn outcome(finish: &Finish) -> (&'static str, Option<Millis>, Option<&str>, i64) {
    match finish {
        Finish::Done => ("done", None, None, 0),
        Finish::Retry { run_at, error } => ("retry", Some(*run_at), Some(error), 1),
        Finish::Wait { run_at, reason } => ("wait", Some(*run_at), Some(reason), 0),
        Finish::Release { run_at } => ("release", Some(*run_at), None, 0),
        Finish::Dead { reason, failed, .. } => ("dead", None, Some(reason), i64::from(*failed)),
    }
}

impl PgStore {
    /// Records a run's end, in a batch with the ends other tasks of this process record
    /// meanwhile.
    pub(super) async fn finish_in_batch(&self, input: FinishInput) -> Result<(), FlowError> {
        let (finished, start) = self.inner.finishes.join(input);
        if start {
            let store = self.clone();
            tokio::spawn(async move { store.run_finishes().await });
        }
        answer(finished).await
    }

    /// Runs batches of outcomes while callers wait.
    async fn run_finishes(&self) {
        let group = &self.inner.finishes;
        let _guard = RunnerGuard { group };
        // Two ends of one claim are recorded one after the other (the second finds the claim
        // gone), never in one statement.
        while let Some(batch) = group.next(|a, b| a.lease.job != b.lease.job) {
            self.finish_batch(batch).await;
        }
    }

    /// Records a batch and answers its calls. Should its transaction fail, each call is tried
    /// alone, so one call's failure (a deadlock, a record the server refuses) is that call's.
    async fn finish_batch(&self, batch: Vec<Call<FinishInput, ()>>) {
        let inputs: Vec<&FinishInput> = batch.iter().map(|call| &call.input).collect();
        match self.finish_all(&inputs).await {
            Ok(held) => {
                for (call, held) in batch.into_iter().zip(held) {
                    let lease = call.input.lease;
                    call.answer(if held {
                        Ok(())
                    } else {
                        Err(FlowError::LeaseLost {
                            job: lease.job,
                            token: lease.token,
                        })
                    });
                }
            }
            Err(err) if batch.len() == 1 => {
                if let Some(call) = batch.into_iter().next() {
                    call.answer(Err(err));
                }
            }
            Err(_) => {
                futures::future::join_all(batch.into_iter().map(|call| async move {
                    let result = self.finish_all(&[&call.input]).await;
                    let lease = call.input.lease;
                    call.answer(result.and_then(|held| match held.first() {
                        Some(true) => Ok(()),
                        _ => Err(FlowError::LeaseLost {
                            job: lease.job,
                            token: lease.token,
                        }),
                    }));
                }))
                .await;
            }
        }
    }

    /// Records the outcomes of `inputs` (no two of one job) in one transaction: whether each
    /// one's claim still held (only those are recorded).
    async fn finish_all(&self, inputs: &[&FinishInput]) -> Result<Vec<bool>, FlowError> {
        let mut columns = Columns::default();
        for input in inputs {
            columns.push(input);
        }
        // The records of the batch are stamped with its latest time.
        let now = inputs.iter().map(|i| i.now).max().unwrap_or_default();
        write!(self, |tx| {
            let held = columns.update(tx).await?;
            let recorded: Vec<&FinishInput> = inputs
                .iter()
                .copied()
                .filter(|i| held.contains_key(&i.lease.job))
                .collect();
            let letters: Vec<(i64, &str, bool, Millis)> = recorded
                .iter()
                .filter_map(|i| match &i.finish {
                    Finish::Dead {
                        reason, permanent, ..
                    } => Some((i.lease.job, reason.as_str(), *permanent, i.now)),
                    _ => None,
                })
                .collect();
            let parts: Vec<&Rows> = recorded.iter().map(|i| &i.rows).collect();
            // Records that add jobs wake the workers themselves.
            let requeued = held.values().any(|&queued| queued);
            let notified = async {
                if requeued && !parts.iter().any(|rows| rows.adds_jobs()) {
                    notify(tx).await?;
                }
                Ok(())
            };
            // The records, the dead letters, the wake-up and the `COMMIT` travel together.
            let statements = WriteStatements::prepare(tx).await?;
            futures::try_join!(
                Rows::write_all_pg(&parts, tx, &statements, now),
                statements.dead_letters(tx, &letters),
                notified,
                tx.commit()
            )?;
            Ok(inputs
                .iter()
                .map(|i| held.contains_key(&i.lease.job))
                .collect())
        })
    }
}

/// The outcomes of a batch as the statement's arrays.
#[derive(Default)]
struct Columns<'a> {
    ids: Vec<i64>,
    tokens: Vec<i64>,
    outcomes: Vec<&'static str>,
    run_ats: Vec<Option<Millis>>,
    notes: Vec<Option<&'a str>>,
    failed: Vec<i64>,
    nows: Vec<Millis>,
}

impl<'a> Columns<'a> {
    fn push(&mut self, input: &'a FinishInput) {
        let (what, run_at, note, failed) = outcome(&input.finish);
        self.ids.push(input.lease.job);
        self.tokens.push(input.lease.token);
        self.outcomes.push(what);
        self.run_ats.push(run_at);
        self.notes.push(note);
        self.failed.push(failed);
        self.nows.push(input.now);
    }

    /// The fence: updates every job whose claim still holds, and returns them, each with
    /// whether it is queued again. Every outcome ends the claim and the run of claims without
    /// one; the columns an outcome does not set keep their values, as on SQLite.
    async fn update(&self, tx: &Tx) -> Result<HashMap<i64, bool>, FlowError> {
        let stmt = tx
            .prepare_cached(
                "UPDATE jobs j SET
                    state = CASE f.outcome
                        WHEN 'done' THEN CASE WHEN j.rerun THEN 'queued' ELSE 'done' END
                        WHEN 'dead' THEN 'dead'
                        ELSE 'queued' END,
                    run_at = CASE f.outcome
                        WHEN 'done' THEN CASE WHEN j.rerun THEN f.now ELSE j.run_at END
                        WHEN 'dead' THEN j.run_at
                        ELSE f.run_at END,
                    attempts = j.attempts + f.failed,
                    last_error = CASE WHEN f.outcome IN ('retry', 'dead') THEN f.note
                                      ELSE j.last_error END,
                    waiting_for = CASE f.outcome WHEN 'wait' THEN f.note
                                                 WHEN 'release' THEN j.waiting_for END,
                    rerun = CASE WHEN f.outcome IN ('done', 'dead') THEN FALSE ELSE j.rerun END,
                    lease_owner = NULL, lease_until = NULL, claims = 0, updated_at = f.now
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
                             $6::bigint[], $7::bigint[])
                      AS f (id, token, outcome, run_at, note, failed, now)
                 WHERE j.id = f.id AND j.lease_token = f.token AND j.state = 'running'
                 RETURNING j.id, j.state = 'queued'",
            )
            .await?;
        let rows = tx
            .query(
                &stmt,
                &[
                    &self.ids,
                    &self.tokens,
                    &self.outcomes,
                    &self.run_ats,
                    &self.notes,
                    &self.failed,
                    &self.nows,
                ],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }
}

//! Outcomes and saved records, in batches: what the runs of a busy process record while one
//! batch is being written is written together, in one transaction (group commit, see
//! [`super::group`]).
//!
//! Each run is still fenced by its own claim: one statement updates every ending job whose claim
//! still holds, another locks every saving one's, and only the runs they found have their
//! records written. A run whose claim is gone gets [`FlowError::LeaseLost`] and leaves nothing,
//! while the others of its batch are recorded. A caller that stops waiting does not stop its
//! batch: what it asked for is recorded with the others (its run did happen).

use std::collections::HashMap;

use super::super::rows::Rows;
use super::group::{Batched, Group};
use super::writes::WriteStatements;
use super::{Finish, Lease, Millis, PgStore, Tx, fenced, notify};
use crate::FlowError;

/// A run's end ([`super::Store::finish`]) or records it saves on its way
/// ([`super::Store::save`]: no outcome, the job stays with its run).
pub(super) struct FinishInput {
    pub(super) lease: Lease,
    pub(super) finish: Option<Finish>,
    pub(super) rows: Rows,
    pub(super) now: Millis,
}

/// The outcomes and saves waiting for a batch.
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

impl Batched for FinishInput {
    type Output = ();

    fn group(store: &PgStore) -> &Finishes {
        &store.inner.finishes
    }

    /// Two calls of one job are recorded one after the other (an end after a save, or a second
    /// end that finds the claim gone), never in one statement.
    fn fits(first: &Self, other: &Self) -> bool {
        first.lease.job != other.lease.job
    }

    async fn run(
        store: &PgStore,
        calls: &[&Self],
    ) -> Result<Vec<Result<(), FlowError>>, FlowError> {
        let held = store.finish_all(calls).await?;
        Ok(calls
            .iter()
            .zip(held)
            .map(|(call, held)| fenced(call.lease, held))
            .collect())
    }
}

impl PgStore {
    /// Records `inputs` (no two of one job) in one transaction: whether each one's claim still
    /// held (only those are recorded).
    async fn finish_all(&self, inputs: &[&FinishInput]) -> Result<Vec<bool>, FlowError> {
        let mut columns = Columns::default();
        let (mut saving, mut tokens) = (Vec::new(), Vec::new());
        for input in inputs {
            match &input.finish {
                Some(finish) => columns.push(input, finish),
                None => {
                    saving.push(input.lease.job);
                    tokens.push(input.lease.token);
                }
            }
        }
        // The records of the batch are stamped with its latest time.
        let now = inputs.iter().map(|i| i.now).max().unwrap_or_default();
        write!(self, |tx| {
            let (mut held, saved) =
                futures::try_join!(columns.update(tx), lock_saving(tx, &saving, &tokens))?;
            held.extend(saved.into_iter().map(|job| (job, false)));
            let recorded: Vec<&FinishInput> = inputs
                .iter()
                .copied()
                .filter(|i| held.contains_key(&i.lease.job))
                .collect();
            let letters: Vec<(i64, &str, bool, Millis)> = recorded
                .iter()
                .filter_map(|i| match &i.finish {
                    Some(Finish::Dead {
                        reason, permanent, ..
                    }) => Some((i.lease.job, reason.as_str(), *permanent, i.now)),
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
    fn push(&mut self, input: &FinishInput, finish: &'a Finish) {
        let (what, run_at, note, failed) = outcome(finish);
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
        if self.ids.is_empty() {
            return Ok(HashMap::new());
        }
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

/// Locks the rows of the saving jobs (`jobs` with their claims' `tokens`) whose claims still
/// hold, until the records are committed: the job cannot be claimed again meanwhile. The jobs
/// locked.
async fn lock_saving(tx: &Tx, jobs: &[i64], tokens: &[i64]) -> Result<Vec<i64>, FlowError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = tx
        .prepare_cached(
            "SELECT j.id FROM jobs j
             JOIN unnest($1::bigint[], $2::bigint[]) AS f (id, token)
               ON j.id = f.id AND j.lease_token = f.token
             WHERE j.state = 'running'
             FOR SHARE OF j",
        )
        .await?;
    tx.query(&stmt, &[&jobs, &tokens])
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

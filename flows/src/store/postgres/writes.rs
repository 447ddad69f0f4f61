//! A run's writes (jobs, state, effects) as pipelined statements.
//!
//! Every statement is prepared before any is sent ([`WriteStatements::prepare`]), so that each
//! write goes out when its future is first polled: writes joined with a `COMMIT` reach the
//! server before it, in order.

use deadpool_postgres::ClientWrapper;
use serde_json::value::RawValue;
use tokio_postgres::Statement;
use tokio_postgres::types::ToSql;

use super::super::rows::{JobRow, Rows};
use super::{Millis, Tx, notify};
use crate::FlowError;

/// The statements of a run's writes, prepared on the connection (once; then from its cache).
pub(super) struct WriteStatements {
    insert_job: Statement,
    rerun_job: Statement,
    set_state: Statement,
    remove_state: Statement,
    insert_effects: Statement,
    insert_dead_letters: Statement,
}

impl WriteStatements {
    /// Prepares them (no round trip once the connection has them).
    pub(super) async fn prepare(client: &ClientWrapper) -> Result<Self, FlowError> {
        let (insert_job, rerun_job, set_state, remove_state, insert_effects, insert_dead_letters) =
            futures::try_join!(
                client.prepare_cached(
                    "INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at,
                                   event_provider, event_id)
                 VALUES ($1, $2, $3, 'queued', $4, $5, $5, $6, $7)
                 ON CONFLICT (kind, key) DO NOTHING
                 RETURNING id",
                ),
                // Done: queued again with the new input; running: once more after this run; queued:
                // it runs anyway, with the new input. Dead jobs wait for a person.
                client.prepare_cached(
                    "INSERT INTO jobs AS j (kind, key, payload, state, run_at, created_at,
                                        updated_at, event_provider, event_id)
                 VALUES ($1, $2, $3, 'queued', $4, $5, $5, $6, $7)
                 ON CONFLICT (kind, key) DO UPDATE SET
                    payload = CASE WHEN j.state = 'dead' THEN j.payload
                                   ELSE excluded.payload END,
                    event_provider = CASE WHEN j.state = 'dead' THEN j.event_provider
                                          ELSE excluded.event_provider END,
                    event_id = CASE WHEN j.state = 'dead' THEN j.event_id
                                    ELSE excluded.event_id END,
                    rerun = CASE WHEN j.state = 'running' THEN TRUE ELSE j.rerun END,
                    run_at = CASE WHEN j.state = 'done' THEN excluded.run_at ELSE j.run_at END,
                    attempts = CASE WHEN j.state = 'done' THEN 0 ELSE j.attempts END,
                    state = CASE WHEN j.state = 'done' THEN 'queued' ELSE j.state END,
                    updated_at = excluded.updated_at
                 RETURNING id",
                ),
                client.prepare_cached(
                    "INSERT INTO flow_state (key, value, updated_at)
                 SELECT key, value, $3 FROM unnest($1::text[], $2::text[]) AS s (key, value)
                 ON CONFLICT (key) DO UPDATE
                 SET value = excluded.value, updated_at = excluded.updated_at",
                ),
                client.prepare_cached("DELETE FROM flow_state WHERE key = ANY($1::text[])"),
                // Each row's `tx` (the writing transaction) is filled in by its default.
                client.prepare_cached(
                    "INSERT INTO effects (key, system, detail, created_at)
                 SELECT key, system, detail, $4
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS e (key, system, detail)
                 ON CONFLICT (key) DO NOTHING",
                ),
                // With each job's attempts as they are (after its outcome's update).
                client.prepare_cached(
                    "INSERT INTO dead_letters (job_id, reason, permanent, attempts, created_at)
                 SELECT j.id, d.reason, d.permanent, j.attempts, d.now
                 FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::bigint[])
                      AS d (id, reason, permanent, now)
                 JOIN jobs j ON j.id = d.id",
                ),
            )?;
        Ok(Self {
            insert_job,
            rerun_job,
            set_state,
            remove_state,
            insert_effects,
            insert_dead_letters,
        })
    }

    /// Sends jobs to dead letters, each as `(job, reason, permanent, now)`.
    pub(super) async fn dead_letters(
        &self,
        client: &ClientWrapper,
        letters: &[(i64, &str, bool, Millis)],
    ) -> Result<(), FlowError> {
        if letters.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = letters.iter().map(|l| l.0).collect();
        let reasons: Vec<&str> = letters.iter().map(|l| l.1).collect();
        let permanents: Vec<bool> = letters.iter().map(|l| l.2).collect();
        let nows: Vec<Millis> = letters.iter().map(|l| l.3).collect();
        client
            .execute(
                &self.insert_dead_letters,
                &[&ids, &reasons, &permanents, &nows],
            )
            .await?;
        Ok(())
    }
}

impl JobRow {
    /// Inserts it, or (see [`super::super::NewJob::rerun`]) updates the job of its kind and key;
    /// the job's id, or `None` when a job of its kind and key is kept as it is (see
    /// [`JobRow::id_pg`]).
    pub(super) async fn insert_pg(
        &self,
        client: &ClientWrapper,
        statements: &WriteStatements,
        now: Millis,
    ) -> Result<Option<i64>, FlowError> {
        let (provider, event_id) = match &self.event {
            Some((provider, event_id)) => (Some(*provider), Some(event_id.as_str())),
            None => (None, None),
        };
        let values: [&(dyn ToSql + Sync); 7] = [
            &self.kind,
            &self.key,
            &self.payload,
            &self.run_at,
            &now,
            &provider,
            &event_id,
        ];
        let statement = if self.rerun {
            &statements.rerun_job
        } else {
            &statements.insert_job
        };
        Ok(client
            .query_opt(statement, &values)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?)
    }

    /// Enqueues it as the last write of `tx`: the insert, the wake-up and the `COMMIT` travel
    /// together, and a job of its kind and key that exists already is looked up after the
    /// commit. The job's id.
    pub(super) async fn enqueue_and_commit(
        &self,
        tx: &Tx,
        statements: &WriteStatements,
        now: Millis,
    ) -> Result<i64, FlowError> {
        let (id, (), ()) =
            futures::try_join!(self.insert_pg(tx, statements, now), notify(tx), tx.commit())?;
        match id {
            Some(id) => Ok(id),
            None => self.id_pg(tx).await,
        }
    }

    /// The id of the job of its kind and key (one that [`JobRow::insert_pg`] found committed).
    pub(super) async fn id_pg(&self, client: &ClientWrapper) -> Result<i64, FlowError> {
        let stmt = client
            .prepare_cached("SELECT id FROM jobs WHERE kind = $1 AND key = $2")
            .await?;
        Ok(client
            .query_one(&stmt, &[&self.kind, &self.key])
            .await?
            .try_get(0)?)
    }
}

impl Rows {
    /// Writes the records of one or more runs, as if one after the other (after their fences
    /// were checked, in their transaction), every statement sent at the first poll: joined with
    /// [`Tx::commit`], they and the `COMMIT` take one round trip.
    pub(super) async fn write_all_pg(
        parts: &[&Rows],
        tx: &Tx,
        statements: &WriteStatements,
        now: Millis,
    ) -> Result<(), FlowError> {
        // In order: two jobs of one kind and key meet in the second insert.
        let jobs = futures::future::try_join_all(
            parts
                .iter()
                .flat_map(|rows| &rows.jobs)
                .map(|job| job.insert_pg(tx, statements, now)),
        );
        // A key's last value wins, as when the values are written one by one.
        let mut states = std::collections::HashMap::new();
        for (key, value) in parts.iter().flat_map(|rows| &rows.states) {
            states.insert(key.as_str(), value.as_deref().map(RawValue::get));
        }
        let (mut set_keys, mut set_values, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for (key, value) in states {
            match value {
                Some(value) => {
                    set_keys.push(key);
                    set_values.push(value);
                }
                None => removed.push(key),
            }
        }
        let set = async {
            if !set_keys.is_empty() {
                tx.execute(&statements.set_state, &[&set_keys, &set_values, &now])
                    .await?;
            }
            Ok::<_, FlowError>(())
        };
        let remove = async {
            if !removed.is_empty() {
                tx.execute(&statements.remove_state, &[&removed]).await?;
            }
            Ok(())
        };
        // The first record of a key wins, in one insert as in several.
        let effects = || parts.iter().flat_map(|rows| &rows.effects);
        let keys: Vec<&str> = effects().map(|e| e.key.as_str()).collect();
        let systems: Vec<&str> = effects().map(|e| e.system.as_str()).collect();
        let details: Vec<&str> = effects().map(|e| e.detail.get()).collect();
        let effects = async {
            if !keys.is_empty() {
                tx.execute(
                    &statements.insert_effects,
                    &[&keys, &systems, &details, &now],
                )
                .await?;
            }
            Ok(())
        };
        let notified = async {
            if parts.iter().any(|rows| rows.adds_jobs()) {
                notify(tx).await?;
            }
            Ok(())
        };
        futures::try_join!(jobs, set, remove, effects, notified)?;
        Ok(())
    }
}

//! Enqueues, in batches: the jobs a busy process adds while one batch is being written are
//! added together, by one statement in one transaction (see [`super::group`]).

use std::collections::HashMap;

use tokio_postgres::types::ToSql;

use super::super::rows::JobRow;
use super::group::{Group, RunnerGuard, answer};
use super::writes::WriteStatements;
use super::{Millis, PgStore, notify};
use crate::FlowError;

/// A job to add, as [`super::Store::enqueue`] adds it.
pub(super) struct EnqueueInput {
    pub(super) row: JobRow,
    pub(super) now: Millis,
}

/// The enqueues waiting for a batch.
pub(super) type Enqueues = Group<EnqueueInput, i64>;

impl PgStore {
    /// Adds a job (or finds the one of its kind and key), in a batch with the jobs other tasks
    /// of this process add meanwhile; the job's id.
    pub(super) async fn enqueue_in_batch(&self, input: EnqueueInput) -> Result<i64, FlowError> {
        let (id, start) = self.inner.enqueues.join(input);
        if start {
            let store = self.clone();
            tokio::spawn(async move { store.run_enqueues().await });
        }
        answer(id).await
    }

    /// Runs batches of enqueues while callers wait. A job that runs again when it exists
    /// ([`super::super::NewJob::rerun`]) is added alone, by its own statement.
    async fn run_enqueues(&self) {
        let group = &self.inner.enqueues;
        let _guard = RunnerGuard { group };
        while let Some(batch) = group.next(|a, b| !a.row.rerun && !b.row.rerun) {
            let rows: Vec<&JobRow> = batch.iter().map(|call| &call.input.row).collect();
            let now = batch
                .iter()
                .map(|call| call.input.now)
                .max()
                .unwrap_or_default();
            match self.enqueue_all(&rows, now).await {
                Ok(ids) => {
                    for (call, id) in batch.into_iter().zip(ids) {
                        call.answer(Ok(id));
                    }
                }
                Err(err) if batch.len() == 1 => {
                    if let Some(call) = batch.into_iter().next() {
                        call.answer(Err(err));
                    }
                }
                // Each alone, so each gets its own answer.
                Err(_) => {
                    futures::future::join_all(batch.into_iter().map(|call| async move {
                        let input = &call.input;
                        let id = self.enqueue_all(&[&input.row], input.now).await;
                        call.answer(id.and_then(|ids| {
                            ids.into_iter().next().ok_or_else(|| {
                                FlowError::Task("an enqueue was not answered".into())
                            })
                        }));
                    }))
                    .await;
                }
            }
        }
    }

    /// Adds `rows` in one transaction (one statement, or the rerun statement for a single
    /// rerun), waking the workers with its `COMMIT`; their ids, in order.
    async fn enqueue_all(&self, rows: &[&JobRow], now: Millis) -> Result<Vec<i64>, FlowError> {
        if let [row] = rows
            && row.rerun
        {
            let id = write!(self, |tx| {
                let statements = WriteStatements::prepare(tx).await?;
                row.enqueue_and_commit(tx, &statements, now).await
            })?;
            return Ok(vec![id]);
        }
        let added = write!(self, |tx| {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO jobs (kind, key, payload, state, run_at, created_at, updated_at,
                                       event_provider, event_id)
                     SELECT kind, key, payload, 'queued', run_at, $6, $6, provider, event_id
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                                 $7::text[])
                          AS j (kind, key, payload, run_at, provider, event_id)
                     ON CONFLICT (kind, key) DO NOTHING
                     RETURNING id, kind, key",
                )
                .await?;
            let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
            let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
            let payloads: Vec<&str> = rows.iter().map(|r| r.payload.as_str()).collect();
            let run_ats: Vec<Millis> = rows.iter().map(|r| r.run_at).collect();
            let providers: Vec<Option<&str>> =
                rows.iter().map(|r| r.event.as_ref().map(|e| e.0)).collect();
            let event_ids: Vec<Option<&str>> = rows
                .iter()
                .map(|r| r.event.as_ref().map(|e| e.1.as_str()))
                .collect();
            let values: [&(dyn ToSql + Sync); 7] = [
                &kinds, &keys, &payloads, &run_ats, &providers, &now, &event_ids,
            ];
            let insert = tx.query(&stmt, &values);
            // The insert, the wake-up and the `COMMIT` travel together.
            let (added, (), ()) = futures::try_join!(
                async { Ok::<_, FlowError>(insert.await?) },
                notify(tx),
                tx.commit()
            )?;
            added
                .iter()
                .map(|row| Ok(((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?)))
                .collect::<Result<HashMap<(String, String), i64>, FlowError>>()
        })?;
        // Jobs of a kind and key that existed already (or came twice) are looked up.
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            match added.get(&(row.kind.clone(), row.key.clone())) {
                Some(id) => ids.push(*id),
                None => {
                    let client = self.client().await?;
                    ids.push(row.id_pg(&client).await?);
                }
            }
        }
        Ok(ids)
    }
}

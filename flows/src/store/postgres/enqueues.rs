//! Enqueues, in batches: the jobs a busy process adds while one batch is being written are
//! added together, by one statement in one transaction (see [`super::group`]).

use std::collections::HashMap;

use tokio_postgres::types::ToSql;

use super::super::rows::JobRow;
use super::group::{Batched, Group};
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

impl Batched for EnqueueInput {
    type Output = i64;

    fn group(store: &PgStore) -> &Enqueues {
        &store.inner.enqueues
    }

    /// A job that runs again when it exists ([`super::super::NewJob::rerun`]) is added alone,
    /// by its own statement.
    fn fits(first: &Self, other: &Self) -> bool {
        !first.row.rerun && !other.row.rerun
    }

    async fn run(
        store: &PgStore,
        calls: &[&Self],
    ) -> Result<Vec<Result<i64, FlowError>>, FlowError> {
        let rows: Vec<&JobRow> = calls.iter().map(|call| &call.row).collect();
        let now = calls.iter().map(|call| call.now).max().unwrap_or_default();
        Ok(store
            .enqueue_all(&rows, now)
            .await?
            .into_iter()
            .map(Ok)
            .collect())
    }
}

impl PgStore {
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
        // Jobs of a kind and key that existed already are looked up, on one connection.
        let mut client = None;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            match added.get(&(row.kind.clone(), row.key.clone())) {
                Some(id) => ids.push(*id),
                None => {
                    let client = match &mut client {
                        Some(client) => client,
                        None => client.insert(self.client().await?),
                    };
                    ids.push(row.id_pg(client).await?);
                }
            }
        }
        Ok(ids)
    }
}

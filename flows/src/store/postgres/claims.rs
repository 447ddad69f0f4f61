//! Claims, in batches: the claims a busy process asks for while one is running are made by one
//! statement (see [`super::group`]).

use super::super::rows::{ClaimRow, RawRecords, decode_claim};
use super::group::{Batched, Group};
use super::{Claimed, Millis, PgStore, count, typed};
use crate::FlowError;

/// A claim asked for by [`super::Store::claim`].
pub(super) struct ClaimInput {
    pub(super) worker: String,
    pub(super) now: Millis,
    pub(super) lease_ms: i64,
}

/// The claims waiting for a batch.
pub(super) type Claims = Group<ClaimInput, Option<Claimed>>;

/// A claimed row: the job, its records and its inbox event, as stored.
type Row = (ClaimRow, RawRecords, Option<(i64, String, Vec<u8>, Millis)>);

impl Batched for ClaimInput {
    type Output = Option<Claimed>;

    fn group(store: &PgStore) -> &Claims {
        &store.inner.claims
    }

    /// Claims of one worker name and lease go together (the statement writes one owner).
    fn fits(first: &Self, other: &Self) -> bool {
        first.worker == other.worker && first.lease_ms == other.lease_ms
    }

    /// Claims up to one job for each call: calls beyond the jobs that are runnable get `None`.
    async fn run(
        store: &PgStore,
        calls: &[&Self],
    ) -> Result<Vec<Result<Option<Claimed>, FlowError>>, FlowError> {
        let Some(first) = calls.first() else {
            return Ok(Vec::new());
        };
        // The latest `now` of the batch: every claim's lease lasts at least as long as its
        // caller counts on.
        let now = calls.iter().map(|c| c.now).max().unwrap_or(first.now);
        let claimed = store
            .claim_up_to(&first.worker, now, first.lease_ms, calls.len())
            .await?;
        let mut answers: Vec<_> = claimed.into_iter().map(|c| c.map(Some)).collect();
        answers.resize_with(calls.len(), || Ok(None));
        Ok(answers)
    }
}

impl PgStore {
    /// Claims up to `limit` jobs in one statement, each decoded (one that cannot be read is
    /// dead-lettered, see [`decode_claim`], and comes as its error).
    async fn claim_up_to(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<Result<Claimed, FlowError>>, FlowError> {
        let lease_until = now.saturating_add(lease_ms);
        let rows = self.track(typed(self.claim_rows(worker, now, lease_until, limit)).await)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for (row, records, event) in rows {
            claimed.push(decode_claim(self, row, records, event, lease_until, now).await);
        }
        Ok(claimed)
    }

    /// The statement: claims up to `limit` jobs and reads their records and events.
    async fn claim_rows(
        &self,
        worker: &str,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> Result<Vec<Row>, FlowError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        // The lock on the chosen rows is what makes each claim one run's: a concurrent claimer
        // skips them and takes the next, and a row is checked again once locked, so one claimed
        // meanwhile is not taken twice. The queued and the expired candidates are looked up
        // apart, each along its own partial index (one condition with OR sorts every runnable
        // job at each claim), and the earliest are claimed, as on SQLite. The same statement (a
        // transaction of its own) brings the records kept under each job's key (`key/` up to
        // `key0`: '0' follows '/'), which only runs holding the job write, and its inbox event.
        let stmt = client
            .prepare_cached(
                r#"WITH queued AS (
                        SELECT id, run_at FROM jobs
                        WHERE state = 'queued' AND run_at <= $3
                        ORDER BY run_at, id LIMIT $4
                        FOR UPDATE SKIP LOCKED),
                     expired AS (
                        SELECT id, run_at FROM jobs
                        WHERE state = 'running' AND lease_until < $3
                        ORDER BY run_at, id LIMIT $4
                        FOR UPDATE SKIP LOCKED),
                     next AS (
                        SELECT id FROM (SELECT * FROM queued UNION ALL SELECT * FROM expired) c
                        ORDER BY run_at, id LIMIT $4),
                     claimed AS (
                        UPDATE jobs j SET state = 'running', lease_owner = $1,
                               lease_until = $2, lease_token = j.lease_token + 1,
                               claims = j.claims + CASE
                                   WHEN j.state = 'running'
                                    AND (SELECT COUNT(*) FROM worker_starts
                                         WHERE started_at > j.updated_at) > 1
                                   THEN 0 ELSE 1 END,
                               updated_at = $3
                        FROM next WHERE j.id = next.id
                        RETURNING j.id, j.kind, j.key, j.payload, j.attempts, j.claims,
                                  j.last_error, j.lease_token, j.event_provider,
                                  j.event_id)
                 SELECT c.id, c.kind, c.key, c.payload, c.attempts, c.claims,
                        c.last_error, c.lease_token, c.event_provider, c.event_id,
                        e.ids, e.keys, e.systems, e.details, e.times,
                        s.keys, s.vals,
                        i.id, i.topic, i.payload, i.received_at
                 FROM claimed c
                 LEFT JOIN LATERAL (
                        SELECT array_agg(id ORDER BY key) AS ids,
                               array_agg(key ORDER BY key) AS keys,
                               array_agg(system ORDER BY key) AS systems,
                               array_agg(detail ORDER BY key) AS details,
                               array_agg(created_at ORDER BY key) AS times
                        FROM effects
                        WHERE key >= (c.key || '/') COLLATE "C"
                          AND key < (c.key || '0') COLLATE "C") e ON TRUE
                 LEFT JOIN LATERAL (
                        SELECT array_agg(key ORDER BY key) AS keys,
                               array_agg(value ORDER BY key) AS vals
                        FROM flow_state
                        WHERE key >= (c.key || '/') COLLATE "C"
                          AND key < (c.key || '0') COLLATE "C") s ON TRUE
                 LEFT JOIN inbox i
                        ON i.provider = c.event_provider AND i.event_id = c.event_id"#,
            )
            .await?;
        client
            .query(&stmt, &[&worker, &lease_until, &now, &limit])
            .await?
            .iter()
            .map(claim_row)
            .collect()
    }
}

/// One row of the claim statement.
fn claim_row(r: &tokio_postgres::Row) -> Result<Row, FlowError> {
    let row = ClaimRow {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        key: r.try_get(2)?,
        payload: r.try_get(3)?,
        attempts: count(r, 4, "attempts")?,
        claims: count(r, 5, "claims")?,
        last_error: r.try_get(6)?,
        token: r.try_get(7)?,
        event: match (r.try_get::<_, Option<String>>(8)?, r.try_get(9)?) {
            (Some(provider), Some(event_id)) => Some((provider, event_id)),
            _ => None,
        },
    };
    // No rows under the key aggregate to NULL.
    let list = |i: usize| {
        r.try_get::<_, Option<Vec<String>>>(i)
            .map(Option::unwrap_or_default)
    };
    let ids: Vec<i64> = r.try_get::<_, Option<Vec<i64>>>(10)?.unwrap_or_default();
    let times: Vec<i64> = r.try_get::<_, Option<Vec<i64>>>(14)?.unwrap_or_default();
    let effects = ids
        .into_iter()
        .zip(list(11)?)
        .zip(list(12)?)
        .zip(list(13)?)
        .zip(times)
        .map(|((((id, key), system), detail), at)| (id, key, system, detail, at))
        .collect();
    let states = list(15)?.into_iter().zip(list(16)?).collect();
    let event = match r.try_get::<_, Option<i64>>(17)? {
        Some(id) => Some((id, r.try_get(18)?, r.try_get(19)?, r.try_get(20)?)),
        None => None,
    };
    Ok((row, RawRecords { effects, states }, event))
}

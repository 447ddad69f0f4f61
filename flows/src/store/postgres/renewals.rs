//! Lease renewals, in batches: the renewals a busy process asks for while one batch runs are made
//! by one statement (see [`super::group`]).

use std::collections::HashSet;

use super::group::{Batched, Group};
use super::{Lease, Millis, PgStore, fenced, typed};
use crate::FlowError;

/// A renewal asked for by [`super::Store::renew`].
pub(super) struct RenewInput {
    pub(super) lease: Lease,
    pub(super) until: Millis,
    pub(super) now: Millis,
}

/// The renewals waiting for a batch.
pub(super) type Renewals = Group<RenewInput, ()>;

impl Batched for RenewInput {
    type Output = ();

    fn group(store: &PgStore) -> &Renewals {
        &store.inner.renewals
    }

    /// Two renewals of one job go one after the other (the later `until` wins either way).
    fn fits(first: &Self, other: &Self) -> bool {
        first.lease.job != other.lease.job
    }

    async fn run(
        store: &PgStore,
        calls: &[&Self],
    ) -> Result<Vec<Result<(), FlowError>>, FlowError> {
        let renewed = store.renew_all(calls).await?;
        Ok(calls
            .iter()
            .map(|call| fenced(call.lease, renewed.contains(&call.lease.job)))
            .collect())
    }
}

impl PgStore {
    /// Extends every claim of `inputs` that still holds, in one statement; the jobs extended.
    async fn renew_all(&self, inputs: &[&RenewInput]) -> Result<HashSet<i64>, FlowError> {
        let jobs: Vec<i64> = inputs.iter().map(|i| i.lease.job).collect();
        let tokens: Vec<i64> = inputs.iter().map(|i| i.lease.token).collect();
        let untils: Vec<Millis> = inputs.iter().map(|i| i.until).collect();
        let nows: Vec<Millis> = inputs.iter().map(|i| i.now).collect();
        let renewed = typed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "UPDATE jobs j SET lease_until = GREATEST(j.lease_until, f.until),
                            updated_at = f.now
                     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
                          AS f (id, token, until, now)
                     WHERE j.id = f.id AND j.lease_token = f.token AND j.state = 'running'
                     RETURNING j.id",
                )
                .await?;
            client
                .query(&stmt, &[&jobs, &tokens, &untils, &nows])
                .await?
                .iter()
                .map(|row| Ok(row.try_get(0)?))
                .collect()
        })
        .await;
        self.track(renewed)
    }
}

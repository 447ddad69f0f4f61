//! SQLite for durability, memory for look-ups: the store to screen with when look-ups must take
//! microseconds.

use std::path::Path;

use time::{Duration, OffsetDateTime};

use super::{
    LONGEST_WINDOW_SECONDS, MemoryVelocity, SqliteVelocity, VelocityCounts, VelocityStore,
};
use crate::FraudError;
use crate::facts::CustomerHistory;
use crate::keys::VelocityKeys;

/// A [`SqliteVelocity`] fronted by a [`MemoryVelocity`] index: opening loads the last week of
/// records and every customer total into memory; records go to both; counts and customer
/// histories come from memory.
///
/// The index is this process's: when several processes write one file, each sees the others'
/// orders only after it reopens the store.
#[derive(Debug)]
pub struct IndexedVelocity {
    durable: SqliteVelocity,
    index: MemoryVelocity,
}

impl IndexedVelocity {
    /// Opens the SQLite store in `path` and loads the records of the week before `now` and the
    /// customer totals.
    pub fn open(path: impl AsRef<Path>, now: OffsetDateTime) -> Result<Self, FraudError> {
        Self::over(SqliteVelocity::open(path)?, now)
    }

    /// Fronts an open SQLite store, loading the records of the week before `now` and the
    /// customer totals.
    pub fn over(durable: SqliteVelocity, now: OffsetDateTime) -> Result<Self, FraudError> {
        let index = MemoryVelocity::new();
        let mut batch = Vec::new();
        durable.for_each_since(
            now - Duration::seconds(LONGEST_WINDOW_SECONDS),
            |kind, key, at| {
                batch.push((kind, key.to_vec(), at));
            },
        )?;
        index.insert(
            batch
                .iter()
                .map(|(kind, key, at)| (*kind, key.as_slice(), *at)),
        );
        let mut totals = Vec::new();
        durable.for_each_total(|account, code, total| totals.push((account, code, total)))?;
        index.insert_totals(totals);
        Ok(Self { durable, index })
    }
}

impl VelocityStore for IndexedVelocity {
    fn record(&self, keys: &VelocityKeys, at: OffsetDateTime) -> Result<(), FraudError> {
        self.durable.record(keys, at)?;
        self.index.record(keys, at)
    }

    fn customer_history(&self, keys: &VelocityKeys) -> Result<CustomerHistory, FraudError> {
        self.index.customer_history(keys)
    }

    fn counts(
        &self,
        keys: &VelocityKeys,
        at: OffsetDateTime,
    ) -> Result<VelocityCounts, FraudError> {
        self.index.counts(keys, at)
    }

    fn prune(&self, before: OffsetDateTime) -> Result<usize, FraudError> {
        self.index.prune(before)?;
        self.durable.prune(before)
    }
}

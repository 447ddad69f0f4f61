//! Velocity in memory: for tests, training replays, and as a fast index in front of a store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use time::OffsetDateTime;

use super::{VelocityCounts, VelocityStore, Window, count_in_window};
use crate::FraudError;
use crate::keys::{KeyKind, VelocityKeys};

/// Record times (unix seconds, sorted) per key kind and key.
type Times = HashMap<(KeyKind, Vec<u8>), Vec<i64>>;

/// Sorted record times per key, in a map behind a mutex. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryVelocity {
    times: Mutex<Times>,
}

impl MemoryVelocity {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds records of raw keys (unix seconds), as a store loads them.
    pub(crate) fn insert<'a>(&self, records: impl IntoIterator<Item = (KeyKind, &'a [u8], i64)>) {
        // A poisoned lock only means another thread panicked mid-insert; the vectors stay sorted.
        let mut times = self.times.lock().unwrap_or_else(PoisonError::into_inner);
        for (kind, key, at) in records {
            let list = times.entry((kind, key.to_vec())).or_default();
            let position = list.partition_point(|&t| t <= at);
            list.insert(position, at);
        }
    }
}

impl VelocityStore for MemoryVelocity {
    fn record(&self, keys: &VelocityKeys, at: OffsetDateTime) -> Result<(), FraudError> {
        let at = at.unix_timestamp();
        self.insert(keys.iter().map(|(kind, key)| (kind, key, at)));
        Ok(())
    }

    fn counts(
        &self,
        keys: &VelocityKeys,
        at: OffsetDateTime,
    ) -> Result<VelocityCounts, FraudError> {
        let at = at.unix_timestamp();
        let times = self.times.lock().unwrap_or_else(PoisonError::into_inner);
        let mut counts = VelocityCounts::default();
        for (kind, key) in keys.iter() {
            // The map is keyed by owned bytes; one small copy per key keeps the API simple.
            if let Some(list) = times.get(&(kind, key.to_vec())) {
                for window in Window::ALL {
                    counts.set(kind, window, count_in_window(list, at, window));
                }
            }
        }
        Ok(counts)
    }

    fn prune(&self, before: OffsetDateTime) -> Result<usize, FraudError> {
        let before = before.unix_timestamp();
        let mut times = self.times.lock().unwrap_or_else(PoisonError::into_inner);
        let mut removed = 0;
        times.retain(|_, list| {
            let old = list.partition_point(|&t| t <= before);
            removed += old;
            list.drain(..old);
            !list.is_empty()
        });
        Ok(removed)
    }
}

//! Velocity in memory: for tests, training replays, and as a fast index in front of a store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use time::OffsetDateTime;

use super::{CurrencyTotal, VelocityCounts, VelocityStore, Window, count_in_window, history_of};
use crate::FraudError;
use crate::facts::CustomerHistory;
use crate::keys::{KeyKind, VelocityKeys};

/// Record times (unix seconds, sorted) per key kind and key.
type Times = HashMap<(KeyKind, Vec<u8>), Vec<i64>>;

/// Customer totals per hashed account, one per currency code.
type Customers = HashMap<[u8; 32], Vec<(String, CurrencyTotal)>>;

/// What the store holds, behind one lock so that an order's velocity and its customer total are
/// one write.
#[derive(Debug, Default)]
struct Held {
    times: Times,
    customers: Customers,
}

/// Sorted record times per key and customer totals, in maps behind a mutex. Nothing survives
/// the process.
#[derive(Debug, Default)]
pub struct MemoryVelocity {
    held: Mutex<Held>,
}

impl MemoryVelocity {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds records of raw keys (unix seconds), as a store loads them.
    pub(crate) fn insert<'a>(&self, records: impl IntoIterator<Item = (KeyKind, &'a [u8], i64)>) {
        // A poisoned lock only means another thread panicked mid-insert; the vectors stay sorted.
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        insert_times(&mut held.times, records);
    }

    /// Adds customer totals as a store loads them: hashed account, currency code, totals.
    pub(super) fn insert_totals(
        &self,
        totals: impl IntoIterator<Item = ([u8; 32], String, CurrencyTotal)>,
    ) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        for (account, code, total) in totals {
            let list = held.customers.entry(account).or_default();
            match list.iter_mut().find(|(c, _)| *c == code) {
                Some((_, kept)) => *kept = total,
                None => list.push((code, total)),
            }
        }
    }
}

fn insert_times<'a>(
    times: &mut Times,
    records: impl IntoIterator<Item = (KeyKind, &'a [u8], i64)>,
) {
    for (kind, key, at) in records {
        let list = times.entry((kind, key.to_vec())).or_default();
        let position = list.partition_point(|&t| t <= at);
        list.insert(position, at);
    }
}

impl VelocityStore for MemoryVelocity {
    fn record(&self, keys: &VelocityKeys, at: OffsetDateTime) -> Result<(), FraudError> {
        let at = at.unix_timestamp();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(order) = &keys.customer {
            let code = order.amount.currency().code();
            let list = held.customers.entry(*order.account.as_bytes()).or_default();
            // The new total first: an overflow leaves the store as it was.
            let position = list.iter().position(|(c, _)| c == code);
            let before = position.map(|i| list[i].1).unwrap_or_default();
            let after = before.plus(order.amount.minor(), order.amount.currency())?;
            match position {
                Some(i) => list[i].1 = after,
                None => list.push((code.to_owned(), after)),
            }
        }
        insert_times(
            &mut held.times,
            keys.iter().map(|(kind, key)| (kind, key, at)),
        );
        Ok(())
    }

    fn customer_history(&self, keys: &VelocityKeys) -> Result<CustomerHistory, FraudError> {
        let Some(order) = &keys.customer else {
            return Ok(CustomerHistory::default());
        };
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let totals = held.customers.get(order.account.as_bytes());
        Ok(history_of(
            totals
                .into_iter()
                .flatten()
                .map(|(code, total)| (code.as_str(), *total)),
            order.amount.currency(),
        ))
    }

    fn counts(
        &self,
        keys: &VelocityKeys,
        at: OffsetDateTime,
    ) -> Result<VelocityCounts, FraudError> {
        let at = at.unix_timestamp();
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let mut counts = VelocityCounts::default();
        for (kind, key) in keys.iter() {
            // The map is keyed by owned bytes; one small copy per key keeps the API simple.
            if let Some(list) = held.times.get(&(kind, key.to_vec())) {
                for window in Window::ALL {
                    counts.set(kind, window, count_in_window(list, at, window));
                }
            }
        }
        Ok(counts)
    }

    fn prune(&self, before: OffsetDateTime) -> Result<usize, FraudError> {
        let before = before.unix_timestamp();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let mut removed = 0;
        held.times.retain(|_, list| {
            let old = list.partition_point(|&t| t <= before);
            removed += old;
            list.drain(..old);
            !list.is_empty()
        });
        Ok(removed)
    }
}

//! Velocity: how many orders one card, email, IP address or shipping address placed in sliding
//! windows before this one.
//!
//! A window of length `w` ending at `at` holds the orders recorded at `t` with `at - w < t <= at`:
//! an order exactly one window old no longer counts. Times are whole seconds.
//!
//! # Customer history
//!
//! The same write that records an order for velocity adds it, when the order names a customer
//! account ([`crate::keys::CustomerOrder`]), to that account's totals: one count and one sum of
//! minor units per account and currency, kept for good (pruning forgets velocity only).
//! [`VelocityStore::customer_history`] reads them back as a [`CustomerHistory`]: every earlier
//! order counts, in any currency; the amount spent is given only when all of them were in the
//! order's own currency, since amounts are never converted. The history is what this store has
//! seen: orders placed before the screen ran, or screened by another store, are not in it.

mod indexed;
mod memory;
mod sqlite;

use mapping::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use indexed::IndexedVelocity;
pub use memory::MemoryVelocity;
pub use sqlite::SqliteVelocity;

use crate::FraudError;
use crate::facts::CustomerHistory;
use crate::keys::{KeyKind, VelocityKeys};

/// A sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Window {
    /// The last hour.
    #[serde(rename = "1h")]
    Hour,
    /// The last 24 hours.
    #[serde(rename = "24h")]
    Day,
    /// The last 7 days.
    #[serde(rename = "7d")]
    Week,
}

impl Window {
    /// Every window, shortest first, in the order of [`VelocityCounts`].
    pub const ALL: [Self; 3] = [Self::Hour, Self::Day, Self::Week];

    /// The window's length in seconds.
    pub const fn seconds(self) -> i64 {
        match self {
            Self::Hour => 3_600,
            Self::Day => 86_400,
            Self::Week => 7 * 86_400,
        }
    }

    /// The short name (`1h`, `24h`, `7d`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::Day => "24h",
            Self::Week => "7d",
        }
    }

    /// The position in [`Self::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// The longest window: records older than this never count again (see [`VelocityStore::prune`]).
pub const LONGEST_WINDOW_SECONDS: i64 = Window::Week.seconds();

/// Order counts for each key kind and window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VelocityCounts([[u32; 3]; 4]);

impl VelocityCounts {
    /// The count for one key kind and window (0 when the order had no such key).
    pub const fn get(&self, kind: KeyKind, window: Window) -> u32 {
        self.0[kind.index()][window.index()]
    }

    /// Sets one count.
    pub fn set(&mut self, kind: KeyKind, window: Window, count: u32) {
        self.0[kind.index()][window.index()] = count;
    }
}

/// Where velocity is kept. Implementations are shared between tasks, hence `&self` and `Sync`.
pub trait VelocityStore: Send + Sync {
    /// Records one order under each of its keys at `at`, and adds it to its customer's totals
    /// ([`VelocityKeys::customer`], see [`VelocityStore::customer_history`]) in the same write.
    /// A customer total that would overflow `i64` minor units is
    /// [`FraudError::CustomerTotal`], and nothing is recorded.
    fn record(&self, keys: &VelocityKeys, at: OffsetDateTime) -> Result<(), FraudError>;

    /// The history of the customer of `keys` before this order: the orders recorded for the
    /// account, and what they came to when all were in this order's currency. The default (a
    /// first order) when `keys` name no customer.
    ///
    /// The store keeps one count and one sum of minor units per hashed account and currency,
    /// for good (pruning forgets velocity only). Every earlier order counts, in any currency;
    /// the amount spent is given only when all of them were in the order's own currency, since
    /// amounts are never converted. The history is what this store has seen: orders placed
    /// before the screen ran, or screened against another store, are not in it.
    fn customer_history(&self, keys: &VelocityKeys) -> Result<CustomerHistory, FraudError>;

    /// The counts of orders recorded under each key in each window ending at `at`.
    fn counts(&self, keys: &VelocityKeys, at: OffsetDateTime)
    -> Result<VelocityCounts, FraudError>;

    /// Forgets velocity records at or before `before`; returns how many went. Run it now and
    /// then with `now - 7 days` ([`LONGEST_WINDOW_SECONDS`]): older records never count again.
    /// Customer totals are kept.
    fn prune(&self, before: OffsetDateTime) -> Result<usize, FraudError>;
}

/// The count of sorted times `t` with `at - window < t <= at`.
fn count_in_window(sorted: &[i64], at: i64, window: Window) -> u32 {
    let end = sorted.partition_point(|&t| t <= at);
    let start = sorted.partition_point(|&t| t <= at - window.seconds());
    u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX)
}

/// A customer's totals in one currency: orders and the sum of their minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CurrencyTotal {
    orders: i64,
    spent_minor: i64,
}

impl CurrencyTotal {
    /// These totals with one more order of `minor` units; overflow is an error, never a
    /// rounding.
    fn plus(self, minor: i64, currency: Currency) -> Result<Self, FraudError> {
        let overflow = || FraudError::CustomerTotal {
            currency: currency.code().to_owned(),
        };
        Ok(Self {
            orders: self.orders.checked_add(1).ok_or_else(overflow)?,
            spent_minor: self.spent_minor.checked_add(minor).ok_or_else(overflow)?,
        })
    }
}

/// The history an account's totals per currency code give for an order in `currency`: every
/// order counts; the spend only when no total is in another currency.
fn history_of<'a>(
    totals: impl IntoIterator<Item = (&'a str, CurrencyTotal)>,
    currency: Currency,
) -> CustomerHistory {
    let (mut orders, mut spent, mut other_currency) = (0_i64, None, false);
    for (code, total) in totals {
        orders = orders.saturating_add(total.orders);
        if code == currency.code() {
            spent = Some(total.spent_minor);
        } else {
            other_currency = true;
        }
    }
    CustomerHistory {
        prior_orders: u32::try_from(orders).unwrap_or(u32::MAX),
        prior_spent: spent
            .filter(|_| !other_currency)
            .map(|minor| Money::from_minor(minor, currency)),
    }
}

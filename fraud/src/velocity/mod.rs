//! Velocity: how many orders one card, email, IP address or shipping address placed in sliding
//! windows before this one.
//!
//! A window of length `w` ending at `at` holds the orders recorded at `t` with `at - w < t <= at`:
//! an order exactly one window old no longer counts. Times are whole seconds.

mod indexed;
mod memory;
mod sqlite;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use indexed::IndexedVelocity;
pub use memory::MemoryVelocity;
pub use sqlite::SqliteVelocity;

use crate::FraudError;
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
    /// Records one order under each of its keys at `at`.
    fn record(&self, keys: &VelocityKeys, at: OffsetDateTime) -> Result<(), FraudError>;

    /// The counts of orders recorded under each key in each window ending at `at`.
    fn counts(&self, keys: &VelocityKeys, at: OffsetDateTime)
    -> Result<VelocityCounts, FraudError>;

    /// Forgets records at or before `before`; returns how many went. Run it now and then with
    /// `now - 7 days` ([`LONGEST_WINDOW_SECONDS`]): older records never count again.
    fn prune(&self, before: OffsetDateTime) -> Result<usize, FraudError>;
}

/// The count of sorted times `t` with `at - window < t <= at`.
fn count_in_window(sorted: &[i64], at: i64, window: Window) -> u32 {
    let end = sorted.partition_point(|&t| t <= at);
    let start = sorted.partition_point(|&t| t <= at - window.seconds());
    u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX)
}

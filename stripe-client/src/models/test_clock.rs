//! Test clock (`test_helpers.test_clock`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::lenient_enum;

/// A test clock (`clock_...`): the simulated time of the customers created on it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestClock {
    /// Id (`clock_...`).
    pub id: String,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// When Stripe deletes it.
    #[serde(default, with = "ts::option")]
    pub deletes_after: Option<OffsetDateTime>,
    /// The clock's current (simulated) time.
    #[serde(with = "ts")]
    pub frozen_time: OffsetDateTime,
    /// A name for you.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether an advance is in progress.
    pub status: TestClockStatus,
}

lenient_enum! {
    /// Status of a test clock.
    pub enum TestClockStatus {
        Advancing = "advancing",
        InternalFailure = "internal_failure",
        Ready = "ready",
    }
}

impl super::Object for TestClock {
    fn id(&self) -> &str {
        &self.id
    }
}

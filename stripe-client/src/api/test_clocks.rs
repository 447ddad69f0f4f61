//! `/v1/test_helpers/test_clocks`: create, retrieve, advance, list (test mode only).

use reqwest::Method;
use serde::Serialize;
use time::OffsetDateTime;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::PageParams;
use crate::models::TestClock;

handler! {
    /// Test clocks: simulated time for the customers created on them and their subscriptions
    /// (docs.stripe.com/billing/testing/test-clocks).
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{AdvanceTestClock, CreateTestClock};
    /// let start = time::macros::datetime!(2027-01-15 12:00 UTC);
    /// let clock = client.test_clocks().create(&CreateTestClock::at(start)).await?;
    /// let later = start + time::Duration::days(31);
    /// let clock = client.test_clocks().advance(&clock.id, &AdvanceTestClock { frozen_time: later }).await?;
    /// println!("{:?}", clock.status);
    /// # Ok(()) }
    /// ```
    TestClocksApi, test_clocks
}

list_ops!(
    TestClocksApi,
    PageParams,
    TestClock,
    ["v1", "test_helpers", "test_clocks"]
);

impl<E> TestClocksApi<'_, E> {
    /// `POST /v1/test_helpers/test_clocks`.
    pub async fn create(&self, params: &CreateTestClock) -> Result<TestClock, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "test_helpers", "test_clocks"],
                params,
                &self.opts,
            )
            .await
    }

    /// `GET /v1/test_helpers/test_clocks/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<TestClock, Error> {
        self.client
            .call(
                Method::GET,
                &["v1", "test_helpers", "test_clocks", id],
                &(),
                &self.opts,
            )
            .await
    }

    /// `POST /v1/test_helpers/test_clocks/{id}/advance`. Stripe answers at once with status
    /// `advancing` and finishes in the background (`test_helpers.test_clock.ready`); retrieve
    /// the clock until it is `ready` before reading what the advance did.
    pub async fn advance(&self, id: &str, params: &AdvanceTestClock) -> Result<TestClock, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "test_helpers", "test_clocks", id, "advance"],
                params,
                &self.opts,
            )
            .await
    }
}

/// Parameters of `POST /v1/test_helpers/test_clocks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateTestClock {
    /// The clock's start time.
    #[serde(with = "time::serde::timestamp")]
    pub frozen_time: OffsetDateTime,
    /// A name for you.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl CreateTestClock {
    /// A clock frozen at `frozen_time`.
    pub fn at(frozen_time: OffsetDateTime) -> Self {
        CreateTestClock {
            frozen_time,
            name: None,
        }
    }
}

/// Parameters of `POST /v1/test_helpers/test_clocks/{id}/advance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvanceTestClock {
    /// The new time: after the clock's current time.
    #[serde(with = "time::serde::timestamp")]
    pub frozen_time: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn frozen_time_is_sent_as_unix_seconds() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_014_400).unwrap();
        let pairs = crate::form::to_pairs(&AdvanceTestClock { frozen_time: at }).unwrap();
        assert_eq!(
            pairs,
            vec![("frozen_time".to_owned(), "1800014400".to_owned())]
        );
        let pairs = crate::form::to_pairs(&CreateTestClock::at(at)).unwrap();
        assert_eq!(
            pairs,
            vec![("frozen_time".to_owned(), "1800014400".to_owned())]
        );
    }
}

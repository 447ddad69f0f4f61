//! Client-side model of Shopify's GraphQL leaky bucket.
//!
//! Shopify reports the bucket in `extensions.cost.throttleStatus` on every
//! response. Before sending, the client estimates how many points have been
//! restored since the last report and waits until the operation's expected cost
//! fits, so that a busy worker slows down instead of collecting `THROTTLED`.

use crate::graphql::ThrottleStatus;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Throttle {
    state: Mutex<Option<Observed>>,
}

#[derive(Debug, Clone)]
struct Observed {
    status: ThrottleStatus,
    at: Instant,
}

impl Throttle {
    pub(crate) fn observe(&self, status: &ThrottleStatus) {
        if let Ok(mut s) = self.state.lock() {
            *s = Some(Observed {
                status: status.clone(),
                at: Instant::now(),
            });
        }
    }

    /// How long to wait before spending `cost` points; zero when unknown.
    pub(crate) fn delay_for(&self, cost: Decimal) -> Duration {
        let Ok(state) = self.state.lock() else {
            return Duration::ZERO;
        };
        let Some(obs) = state.as_ref() else {
            return Duration::ZERO;
        };
        let elapsed_ms = Decimal::from(obs.at.elapsed().as_millis());
        let restored = obs.status.restore_rate * elapsed_ms / Decimal::ONE_THOUSAND;
        let available =
            (obs.status.currently_available + restored).min(obs.status.maximum_available);
        wait_for(cost, available, obs.status.restore_rate)
    }
}

/// Time until `available` grows to `cost` at `restore_rate` points per second.
pub(crate) fn wait_for(cost: Decimal, available: Decimal, restore_rate: Decimal) -> Duration {
    if available >= cost || restore_rate <= Decimal::ZERO {
        return Duration::ZERO;
    }
    let ms = ((cost - available) * Decimal::ONE_THOUSAND / restore_rate).ceil();
    Duration::from_millis(ms.to_u64().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn waits_for_missing_points() {
        // 70 requested, 66 available, 50/s restore: 4 points take 80 ms.
        assert_eq!(
            wait_for(d("70"), d("66"), d("50")),
            Duration::from_millis(80)
        );
        assert_eq!(wait_for(d("10"), d("66"), d("50")), Duration::ZERO);
        assert_eq!(wait_for(d("10"), d("0"), d("0")), Duration::ZERO);
    }

    #[test]
    fn throttle_uses_last_observation() {
        let t = Throttle::default();
        assert_eq!(t.delay_for(d("100")), Duration::ZERO);
        t.observe(&ThrottleStatus {
            maximum_available: d("1000"),
            currently_available: d("0"),
            restore_rate: d("100"),
        });
        let wait = t.delay_for(d("100"));
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_millis(1000));
    }
}

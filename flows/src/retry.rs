//! When to try a failed job again.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with jitter and a cap, and the attempt limit after which a transient
/// failure goes to dead letters.
///
/// Attempt `n` (1-based) waits a random time between half and all of `initial * 2^(n-1)`, capped
/// at `max_delay`: the random half spreads retries of many jobs that failed together, the fixed
/// half keeps the growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// Delay scale of the first retry.
    pub initial: Duration,
    /// Longest delay.
    pub max_delay: Duration,
    /// Attempts (first run included) before a transient failure becomes a dead letter.
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 0.5 s, doubling, capped at 5 minutes, 8 attempts (about 10 minutes of retrying).
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max_delay: Duration::from_secs(300),
            max_attempts: 8,
        }
    }
}

impl Backoff {
    /// A policy with these values.
    pub fn new(initial: Duration, max_delay: Duration, max_attempts: u32) -> Self {
        Self {
            initial,
            max_delay,
            max_attempts,
        }
    }

    /// The delay before the retry that follows failed attempt `attempt` (1-based). A provider's
    /// own `retry_after` wins when it is longer: it knows when it will take requests again.
    pub fn delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self
            .initial
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let jittered = half + full.saturating_sub(half).mul_f64(rng.random::<f64>());
        retry_after.map_or(jittered, |after| after.max(jittered))
    }

    /// Whether a job that has run `attempts` times may run again.
    pub fn may_retry(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn delays_grow_within_jitter_bounds_and_cap() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2), 5);
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=10 {
            let full =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(2));
            for _ in 0..50 {
                let d = backoff.delay(attempt, None, &mut rng);
                assert!(
                    d >= full / 2 && d <= full,
                    "attempt {attempt}: {d:?} not in [{:?}, {full:?}]",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let backoff = Backoff::default();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(30)), &mut rng),
            Duration::from_secs(30)
        );
        assert!(
            backoff.delay(10, Some(Duration::from_millis(1)), &mut rng) >= Duration::from_secs(150)
        );
    }

    #[test]
    fn attempt_limit() {
        let backoff = Backoff::new(Duration::from_millis(1), Duration::from_millis(1), 3);
        assert!(backoff.may_retry(2));
        assert!(!backoff.may_retry(3));
    }
}

//! One retry configuration shape for every client.

use std::time::Duration;

use rand::Rng;

/// How a client retries a request that failed in a way worth retrying (each client documents
/// which failures those are, and never retries what could act twice).
///
/// The wait before retry `n` (1-based) is `initial_backoff * 2^(n-1)`, capped at `max_backoff`,
/// times a random factor in `[0.5, 1]` so that many clients do not retry in step. A wait the
/// server asks for (`Retry-After`, a throttle's restore time) replaces it, capped at
/// `max_backoff` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// Wait before the first retry, before jitter.
    pub initial_backoff: Duration,
    /// Upper bound of any wait, a server's included.
    pub max_backoff: Duration,
}

impl RetryConfig {
    /// The official Stripe SDKs' defaults, used by every client: 2 retries, 0.5 s initial
    /// backoff, 5 s cap.
    pub const fn standard() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
        }
    }

    /// No retries: every call makes exactly one attempt.
    pub const fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::standard()
        }
    }

    /// Changes the number of retries.
    pub const fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Changes the initial backoff and its cap (a cap below the initial backoff is raised to it).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Whether retry number `retry` (1-based) is allowed.
    pub fn allows(&self, retry: u32) -> bool {
        retry <= self.max_retries
    }

    /// The wait before retry number `retry` (1-based), or the server's wish, capped.
    pub fn delay(&self, retry: u32, server_wait: Option<Duration>) -> Duration {
        self.delay_with(retry, server_wait, &mut rand::rng())
    }

    /// [`RetryConfig::delay`] with a given source of randomness, for reproducible tests.
    pub fn delay_with(
        &self,
        retry: u32,
        server_wait: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        if let Some(wait) = server_wait {
            return wait.min(self.max_backoff);
        }
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = base / 2;
        let span = u64::try_from((base - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(rng.random_range(0..=span))
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn waits_double_within_jitter_and_stop_at_the_cap() {
        let config = RetryConfig::standard();
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let first = config.delay_with(1, None, &mut rng);
            assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
            let second = config.delay_with(2, None, &mut rng);
            assert!(second >= Duration::from_millis(500) && second <= Duration::from_secs(1));
            let late = config.delay_with(40, None, &mut rng);
            assert!(late >= Duration::from_millis(2500) && late <= Duration::from_secs(5));
        }
    }

    #[test]
    fn a_server_wait_is_obeyed_up_to_the_cap() {
        let config = RetryConfig::standard();
        assert_eq!(
            config.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            config.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn disabled_allows_no_retry_and_standard_two() {
        assert!(!RetryConfig::disabled().allows(1));
        let standard = RetryConfig::standard();
        assert!(standard.allows(2) && !standard.allows(3));
        let custom = RetryConfig::disabled()
            .with_max_retries(4)
            .with_backoff(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(custom.max_backoff, Duration::from_secs(2));
        assert!(custom.allows(4));
    }
}

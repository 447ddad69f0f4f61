//! Circuit breakers, one per provider, so a provider that is down is not hammered by every job.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use mapping::System;
use tokio::time::Instant;

/// When a breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerConfig {
    /// Consecutive transient failures that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before one trial job may go through.
    pub open_for: Duration,
}

impl Default for BreakerConfig {
    /// Opens after 5 consecutive failures, for 30 seconds.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_for: Duration::from_secs(30),
        }
    }
}

impl BreakerConfig {
    /// A config with these values.
    pub fn new(failure_threshold: u32, open_for: Duration) -> Self {
        Self {
            failure_threshold,
            open_for,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is out; others wait until it reports.
    HalfOpen {
        trial_until: Instant,
    },
}

/// What one provider's breaker is doing, as an operator's page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerStatus {
    /// Jobs go through; `failures` transient failures in a row so far.
    Closed {
        /// Consecutive transient failures.
        failures: u32,
    },
    /// Jobs calling the provider are held back for `remaining`.
    Open {
        /// Until one trial job may go through.
        remaining: Duration,
    },
    /// One trial job is out (or may go now); the others wait for its result.
    HalfOpen,
}

/// The breakers of all providers.
#[derive(Debug)]
pub struct Breakers {
    config: BreakerConfig,
    states: Mutex<HashMap<System, State>>,
}

impl Breakers {
    /// Breakers that all use `config`.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<System, State>> {
        // The map holds plain values, so a panic elsewhere cannot leave it half-updated.
        self.states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `None` when a job calling all of `providers` may go ahead now, or the instant to try
    /// again. When a breaker's open period has passed, the first job let through gets the trial
    /// call and the others keep waiting. Nothing changes unless the job goes ahead, so a job held
    /// back by one provider never uses up another provider's trial.
    pub fn admit(&self, providers: &[System], now: Instant) -> Option<Instant> {
        let mut states = self.states();
        let mut trials = Vec::new();
        let mut wait_until: Option<Instant> = None;
        for &provider in providers {
            match states.get(&provider) {
                None | Some(State::Closed { .. }) => {}
                Some(State::Open { until }) if now < *until => {
                    wait_until = wait_until.max(Some(*until));
                }
                Some(State::HalfOpen { trial_until }) if now < *trial_until => {
                    wait_until = wait_until.max(Some(*trial_until));
                }
                // The open period (or an unanswered trial's slot) is over: this job may be the
                // trial. A trial whose result never comes back (the worker died) frees its slot
                // after one open period.
                Some(State::Open { .. } | State::HalfOpen { .. }) => trials.push(provider),
            }
        }
        if wait_until.is_some() {
            return wait_until;
        }
        for provider in trials {
            states.insert(
                provider,
                State::HalfOpen {
                    trial_until: now + self.config.open_for,
                },
            );
        }
        None
    }

    /// Every provider's breaker that has seen a call, by provider, as of `now`.
    pub fn snapshot(&self, now: Instant) -> Vec<(System, BreakerStatus)> {
        let mut all: Vec<(System, BreakerStatus)> = self
            .states()
            .iter()
            .map(|(&system, state)| {
                let status = match *state {
                    State::Closed { failures } => BreakerStatus::Closed { failures },
                    State::Open { until } if now < until => BreakerStatus::Open {
                        remaining: until - now,
                    },
                    State::Open { .. } | State::HalfOpen { .. } => BreakerStatus::HalfOpen,
                };
                (system, status)
            })
            .collect();
        all.sort_by_key(|(system, _)| system.as_str());
        all
    }

    /// Reports a successful call: the breaker closes. Returns true when it was open (or
    /// half-open) until now.
    pub fn success(&self, provider: System) -> bool {
        let was = self
            .states()
            .insert(provider, State::Closed { failures: 0 });
        matches!(was, Some(State::Open { .. } | State::HalfOpen { .. }))
    }

    /// How long a breaker stays open.
    pub fn open_for(&self) -> Duration {
        self.config.open_for
    }

    /// Reports a transient failure; returns true when it opened the breaker.
    pub fn failure(&self, provider: System, now: Instant) -> bool {
        let mut states = self.states();
        let state = states
            .entry(provider)
            .or_insert(State::Closed { failures: 0 });
        let next = match *state {
            State::Closed { failures } if failures + 1 < self.config.failure_threshold => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            _ => State::Open {
                until: now + self.config.open_for,
            },
        };
        let opened = matches!(next, State::Open { .. }) && !matches!(*state, State::Open { .. });
        *state = next;
        opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_shows_each_breaker_as_it_stands() {
        let breakers = Breakers::new(BreakerConfig::new(2, Duration::from_secs(30)));
        let now = Instant::now();
        assert!(breakers.snapshot(now).is_empty());
        assert!(!breakers.failure(System::Stripe, now));
        breakers.success(System::Magento);
        assert_eq!(
            breakers.snapshot(now),
            vec![
                (System::Magento, BreakerStatus::Closed { failures: 0 }),
                (System::Stripe, BreakerStatus::Closed { failures: 1 }),
            ]
        );
        assert!(breakers.failure(System::Stripe, now));
        let later = now + Duration::from_secs(10);
        assert_eq!(
            breakers.snapshot(later)[1],
            (
                System::Stripe,
                BreakerStatus::Open {
                    remaining: Duration::from_secs(20)
                }
            )
        );
        assert_eq!(
            breakers.snapshot(now + Duration::from_secs(31))[1].1,
            BreakerStatus::HalfOpen
        );
    }

    #[test]
    fn opens_after_threshold_then_lets_one_trial_through() {
        let breakers = Breakers::new(BreakerConfig::new(3, Duration::from_secs(10)));
        let t0 = Instant::now();
        assert_eq!(breakers.admit(&[System::Paytrace], t0), None);
        assert!(!breakers.failure(System::Paytrace, t0));
        assert!(!breakers.failure(System::Paytrace, t0));
        assert!(breakers.failure(System::Paytrace, t0));
        assert_eq!(
            breakers.admit(&[System::Paytrace], t0 + Duration::from_secs(1)),
            Some(t0 + Duration::from_secs(10))
        );
        // Other providers are unaffected.
        assert_eq!(breakers.admit(&[System::Stripe], t0), None);
        // After the open period one trial goes; the next caller waits for it.
        let t1 = t0 + Duration::from_secs(11);
        assert_eq!(breakers.admit(&[System::Paytrace], t1), None);
        assert_eq!(
            breakers.admit(&[System::Paytrace], t1),
            Some(t1 + Duration::from_secs(10))
        );
        breakers.success(System::Paytrace);
        assert_eq!(breakers.admit(&[System::Paytrace], t1), None);
    }

    #[test]
    fn a_failed_trial_reopens() {
        let breakers = Breakers::new(BreakerConfig::new(1, Duration::from_secs(10)));
        let t0 = Instant::now();
        assert!(breakers.failure(System::Shopify, t0));
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(breakers.admit(&[System::Shopify], t1), None);
        assert!(
            breakers.failure(System::Shopify, t1),
            "a failed trial opens the breaker again"
        );
        assert_eq!(
            breakers.admit(&[System::Shopify], t1 + Duration::from_secs(1)),
            Some(t1 + Duration::from_secs(10))
        );
    }

    #[test]
    fn success_resets_the_count() {
        let breakers = Breakers::new(BreakerConfig::new(2, Duration::from_secs(10)));
        let t0 = Instant::now();
        assert!(!breakers.failure(System::Magento, t0));
        breakers.success(System::Magento);
        assert!(!breakers.failure(System::Magento, t0));
        assert_eq!(breakers.admit(&[System::Magento], t0), None);
    }

    #[test]
    fn a_job_held_back_by_one_breaker_does_not_use_up_anothers_trial() {
        let breakers = Breakers::new(BreakerConfig::new(1, Duration::from_secs(10)));
        let t0 = Instant::now();
        assert!(breakers.failure(System::Paytrace, t0));
        assert!(breakers.failure(System::Shopify, t0 + Duration::from_secs(5)));
        // PayTrace's open period is over, Shopify's is not: the job waits for Shopify ...
        let t1 = t0 + Duration::from_secs(11);
        assert_eq!(
            breakers.admit(&[System::Paytrace, System::Shopify], t1),
            Some(t0 + Duration::from_secs(15))
        );
        // ... and PayTrace's trial is still there for a job that can go.
        assert_eq!(breakers.admit(&[System::Paytrace], t1), None);
        assert_eq!(
            breakers.admit(&[System::Paytrace], t1),
            Some(t1 + Duration::from_secs(10))
        );
        // Once both periods are over, one job takes both trials.
        let t2 = t1 + Duration::from_secs(10);
        assert_eq!(
            breakers.admit(&[System::Paytrace, System::Shopify], t2),
            None
        );
        assert_eq!(
            breakers.admit(&[System::Shopify], t2),
            Some(t2 + Duration::from_secs(10))
        );
    }
}

//! Time in billing: test clocks (`/v1/test_helpers/test_clocks`), the dunning schedule, and
//! the runner that plays every renewal and payment retry that falls due, in time order.

use std::time::Duration;

use serde_json::Value;

use super::billing::{InvoiceStatus, SubStatus, TestClock};
use super::error::ApiErr;
use super::form::Params;
use super::ops::Answer;
use super::state::{State, new_id};

/// What happens to a subscription when the last automatic retry of a renewal fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterRetries {
    /// The subscription is canceled (`customer.subscription.deleted`), the invoice left open.
    Cancel,
    /// The subscription goes `unpaid` (`customer.subscription.updated`), the invoice left open.
    Unpaid,
}

/// The fake's dunning: when a failed renewal payment is retried, and what follows the last
/// failure. Stripe's Smart Retries pick their times with a model; the fake instead retries
/// after fixed delays, each counted from the previous attempt, as Stripe's custom retry
/// schedules do (docs.stripe.com/billing/revenue-recovery/smart-retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dunning {
    /// Delay of each automatic retry after the previous attempt: 3, 5 and 7 days by default.
    pub retry_delays: Vec<Duration>,
    /// What follows the last failed retry: [`AfterRetries::Cancel`] by default.
    pub after_retries: AfterRetries,
}

impl Default for Dunning {
    fn default() -> Self {
        Dunning {
            retry_delays: [3u64, 5, 7]
                .iter()
                .map(|d| Duration::from_secs(d * 86_400))
                .collect(),
            after_retries: AfterRetries::Cancel,
        }
    }
}

/// Work that falls due at a time.
enum Due {
    /// A subscription's period ends: renew it, or cancel it at the period end.
    PeriodEnd(String),
    /// An open invoice's next automatic payment attempt.
    Retry(String),
}

impl State {
    /// From now on, objects and events of this operation take the time of `customer`'s test
    /// clock (if it has one). `serve` resets it after every request.
    pub(crate) fn enter_clock_of(&mut self, customer: &str) {
        let clock = self
            .customers
            .get(customer)
            .and_then(|c| c.test_clock.clone());
        if let Some(t) = clock.and_then(|c| self.test_clocks.get(&c).map(|c| c.frozen_time)) {
            self.frozen = Some(t);
        }
    }

    /// Runs every period end and payment retry due by `until` for the subscriptions on
    /// `clock` (`None`: those on no clock), earliest first, each at its own time.
    pub(crate) fn run_due(&mut self, clock: Option<&str>, until: i64) {
        while let Some((at, due)) = self.next_due(clock, until) {
            self.frozen = Some(at);
            match due {
                Due::PeriodEnd(id) => self.end_period(&id),
                Due::Retry(id) => {
                    let sub = self
                        .invoices
                        .get(&id)
                        .map(|i| i.subscription.clone())
                        .unwrap_or_default();
                    let before = self.subscription_snapshot(&sub);
                    // Declines are the invoice's state here, not an answer to anyone.
                    let _declined = self.attempt_invoice(&id, None, true);
                    self.subscription_changed(&sub, &before);
                }
            }
        }
        self.frozen = None;
    }

    fn next_due(&self, clock: Option<&str>, until: i64) -> Option<(i64, Due)> {
        // Retries of an earlier period's invoice go before a period end at the same second.
        let retry = self
            .invoices
            .iter()
            .filter(|i| i.test_clock.as_deref() == clock && i.status == InvoiceStatus::Open)
            .filter_map(|i| i.next_payment_attempt.map(|t| (t, i.id.clone())))
            .filter(|(t, _)| *t <= until)
            .min_by_key(|(t, _)| *t);
        let period_end = self
            .subscriptions
            .iter()
            .filter(|s| s.test_clock.as_deref() == clock)
            .filter(|s| {
                matches!(
                    s.status,
                    SubStatus::Active | SubStatus::Trialing | SubStatus::PastDue
                )
            })
            .filter(|s| s.period_end <= until)
            .map(|s| (s.period_end, s.id.clone()))
            .min_by_key(|(t, _)| *t);
        match (retry, period_end) {
            (Some((r, id)), Some((p, _))) if r <= p => Some((r, Due::Retry(id))),
            (_, Some((p, id))) => Some((p, Due::PeriodEnd(id))),
            (Some((r, id)), None) => Some((r, Due::Retry(id))),
            (None, None) => None,
        }
    }

    // ---- /v1/test_helpers/test_clocks ------------------------------------------------

    fn test_clock(&self, id: &str) -> Result<&TestClock, ApiErr> {
        self.test_clocks
            .get(id)
            .ok_or_else(|| ApiErr::no_such("test_helpers.test_clock", id))
    }

    pub(crate) fn create_test_clock(&mut self, p: &Params) -> Answer {
        p.only(&["frozen_time", "name"])?;
        let frozen_time = p
            .int("frozen_time")?
            .ok_or_else(|| ApiErr::missing_param("frozen_time"))?;
        let id = new_id("clock");
        let clock = TestClock {
            id: id.clone(),
            created: self.now(),
            frozen_time,
            name: p.str("name")?.filter(|s| !s.is_empty()).map(str::to_owned),
        };
        let body = self.test_clock_json(&clock);
        self.test_clocks.insert(id, clock);
        self.emit("test_helpers.test_clock.created", body.clone(), None);
        Ok(body)
    }

    pub(crate) fn retrieve_test_clock(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        Ok(self.test_clock_json(self.test_clock(id)?))
    }

    pub(crate) fn list_test_clocks(&mut self, p: &Params) -> Answer {
        p.only(&["limit", "starting_after", "ending_before"])?;
        self.page(
            &self.test_clocks,
            "test_helpers.test_clock",
            "/v1/test_helpers/test_clocks",
            p,
            |_| true,
            |c| self.test_clock_json(c),
        )
    }

    /// `POST .../{id}/advance`: runs everything due up to `frozen_time` and answers the clock
    /// `ready` (Stripe answers `advancing` and finishes in the background; the fake is done
    /// before it answers, `test_helpers.test_clock.advancing` and `.ready` both sent).
    pub(crate) fn advance_test_clock(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["frozen_time"])?;
        let to = p
            .int("frozen_time")?
            .ok_or_else(|| ApiErr::missing_param("frozen_time"))?;
        let from = self.test_clock(id)?.frozen_time;
        if to <= from {
            return Err(ApiErr::invalid(
                Some("frozen_time"),
                None,
                &format!(
                    "The test clock's new frozen_time ({to}) must be after its current frozen_time ({from})."
                ),
            ));
        }
        Ok(self.advance_clock_to(id, to))
    }

    /// Moves test clock `id` to `to`, running what falls due on the way.
    pub(crate) fn advance_clock_to(&mut self, id: &str, to: i64) -> Value {
        let Some(from) = self.test_clocks.get(id).map(|c| c.frozen_time) else {
            return Value::Null;
        };
        self.frozen = Some(from);
        let body = self.object_json(id).unwrap_or(Value::Null);
        self.emit("test_helpers.test_clock.advancing", body, None);
        self.run_due(Some(id), to);
        if let Some(c) = self.test_clocks.get_mut(id) {
            c.frozen_time = to;
        }
        self.frozen = Some(to);
        let body = self.object_json(id).unwrap_or(Value::Null);
        self.emit("test_helpers.test_clock.ready", body.clone(), None);
        self.frozen = None;
        body
    }
}

//! One measure of a call to a provider's API, the same in every client: through the `metrics`
//! facade (a no-op until the service installs a recorder, such as a Prometheus exporter)
//!
//! - `payops_provider_requests_total{provider, outcome}`: every HTTP exchange, `outcome` the
//!   status class (`2xx`, `3xx`, `4xx`, `5xx`), `429` on its own (throttling), or `timeout` /
//!   `transport` when no answer came;
//! - `payops_provider_request_seconds{provider}`: how long each exchange took;
//!
//! and a `provider_call` tracing span around the exchange ([`ProviderCall::span`]), whose fields
//! are the provider and the operation (a path template or a GraphQL operation name: never an
//! id, a credential or a body).
//!
//! Labels stay few and bounded (provider and outcome), so a scrape does not grow with traffic.

use std::time::Instant;

/// One exchange with a provider, being measured.
#[derive(Debug)]
#[must_use = "a call is recorded by `answered` or `unanswered`"]
pub struct ProviderCall {
    provider: &'static str,
    started: Instant,
}

/// Why no answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    /// None within the timeout.
    Timeout,
    /// The connection failed.
    Transport,
}

impl ProviderCall {
    /// Starts measuring a call to `provider` (`paytrace`, `shopify`, `stripe`, `magento`).
    pub fn start(provider: &'static str) -> Self {
        Self {
            provider,
            started: Instant::now(),
        }
    }

    /// The span to run the exchange in: `provider_call` with the provider and `operation`.
    pub fn span(&self, operation: &str) -> tracing::Span {
        tracing::info_span!("provider_call", provider = self.provider, operation)
    }

    /// Runs `exchange` in [`Self::span`] of `operation` (for a client without `tracing` of its
    /// own).
    pub fn in_span<F: std::future::Future>(
        &self,
        operation: &str,
        exchange: F,
    ) -> tracing::instrument::Instrumented<F> {
        tracing::Instrument::instrument(exchange, self.span(operation))
    }

    /// The provider answered with HTTP `status`.
    pub fn answered(self, status: u16) {
        self.record(status_outcome(status));
    }

    /// No answer came.
    pub fn unanswered(self, why: Unanswered) {
        self.record(match why {
            Unanswered::Timeout => "timeout",
            Unanswered::Transport => "transport",
        });
    }

    fn record(self, outcome: &'static str) {
        metrics::counter!(
            "payops_provider_requests_total",
            "provider" => self.provider,
            "outcome" => outcome
        )
        .increment(1);
        metrics::histogram!("payops_provider_request_seconds", "provider" => self.provider)
            .record(self.started.elapsed().as_secs_f64());
    }
}

/// The outcome label of an HTTP status.
pub fn status_outcome(status: u16) -> &'static str {
    match status {
        429 => "429",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classes_and_throttling_stands_alone() {
        assert_eq!(status_outcome(200), "2xx");
        assert_eq!(status_outcome(204), "2xx");
        assert_eq!(status_outcome(302), "3xx");
        assert_eq!(status_outcome(404), "4xx");
        assert_eq!(status_outcome(429), "429");
        assert_eq!(status_outcome(503), "5xx");
        assert_eq!(status_outcome(99), "other");
    }
}

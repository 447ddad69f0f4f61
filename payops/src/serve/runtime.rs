//! `[runtime]`: where the service listens and how its worker runs.

use std::net::SocketAddr;
use std::time::Duration;

use flows::WorkerConfig;
use serde::Deserialize;

use crate::issues::Issues;

/// `[runtime]` as written; every key has a default (those of the example binaries).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RuntimeSection {
    listen: String,
    concurrency: usize,
    lease_ms: u64,
    processing_window_ms: u64,
    worker_id: Option<String>,
}

impl Default for RuntimeSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            concurrency: 8,
            lease_ms: 60_000,
            processing_window_ms: 120_000,
            worker_id: None,
        }
    }
}

/// Shortest lease taken: a run is cut off at its lease less a grace, and provider calls take
/// hundreds of milliseconds.
const MIN_LEASE_MS: u64 = 1_000;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// Where the intake listens (`127.0.0.1:8080`; port 0 picks a free port, logged at start).
    pub listen: SocketAddr,
    /// The worker's settings: its id (`payops/<pid>` unless set: the lease owner people see in
    /// the store), concurrency and lease.
    pub worker: WorkerConfig,
    /// How long PayTrace may take to process a request it received (see
    /// `flows::workflows::shopify_paytrace::SaleRecovery`).
    pub processing_window: Duration,
}

impl RuntimeSection {
    /// The section checked; problems noted against `runtime.*`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<Runtime> {
        let listen = issues.check(
            "runtime.listen",
            self.listen.parse::<SocketAddr>().map_err(|_| {
                format!(
                    "`{}` is not an IP address and port like 127.0.0.1:8080 or [::]:8080",
                    self.listen
                )
            }),
        );
        if self.concurrency == 0 {
            issues.push("runtime.concurrency", "must be at least 1");
        }
        if self.lease_ms < MIN_LEASE_MS {
            issues.push(
                "runtime.lease_ms",
                format!("must be at least {MIN_LEASE_MS}"),
            );
        }
        if self
            .worker_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            issues.push("runtime.worker_id", "is empty");
        }
        let id = self
            .worker_id
            .clone()
            .unwrap_or_else(|| format!("payops/{}", std::process::id()));
        Some(Runtime {
            listen: listen?,
            worker: WorkerConfig::new(id)
                .concurrency(self.concurrency)
                .lease(Duration::from_millis(self.lease_ms)),
            processing_window: Duration::from_millis(self.processing_window_ms),
        })
    }
}

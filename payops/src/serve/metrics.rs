//! `[metrics]` and `GET /metrics`: the Prometheus exposition of every `metrics` series the
//! process records (the runtime's own, such as `payops_backfill_*_total`, and the service
//! edge's below).
//!
//! | series | type | labels | what |
//! |---|---|---|---|
//! | `payops_http_requests_total` | counter | `route` (a served path, or `other`), `status` | requests answered, refused ones (`401`, `403`, `413`) included |
//! | `payops_jobs` | gauge | `state`: `queued`, `running`, `done`, `dead` | jobs in the store (`dead`: dead letters not replayed), refreshed every `jobs_refresh_secs` |
//! | `payops_inbox_events` | gauge | | webhook events stored |
//! | `payops_effects` | gauge | | effects in the audit log |

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use flows::Store;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;
use tokio::sync::watch;

use crate::error::Error;
use crate::issues::Issues;

/// `[metrics]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MetricsSection {
    enabled: bool,
    jobs_refresh_secs: u64,
}

impl Default for MetricsSection {
    fn default() -> Self {
        Self {
            enabled: true,
            jobs_refresh_secs: 15,
        }
    }
}

/// The metrics' settings.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Whether `GET /metrics` is served (restrict it with `[routes.allow]`).
    pub enabled: bool,
    /// How often the job gauges are read from the store.
    pub jobs_refresh: Duration,
}

impl MetricsSection {
    /// The section checked.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<Metrics> {
        if self.jobs_refresh_secs == 0 {
            issues.push("metrics.jobs_refresh_secs", "must be at least 1");
            return None;
        }
        Some(Metrics {
            enabled: self.enabled,
            jobs_refresh: Duration::from_secs(self.jobs_refresh_secs),
        })
    }
}

/// The path of the Prometheus endpoint.
pub(crate) const PATH: &str = "/metrics";

/// The process's Prometheus recorder, installed as the `metrics` facade's global recorder on
/// the first call; later calls (several services in one process, tests) share it. Fails when
/// another recorder was installed first.
pub fn prometheus() -> Result<PrometheusHandle, Error> {
    static INSTALLED: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).map_err(|err| err.to_string())?;
            describe();
            Ok(handle)
        })
        .clone()
        .map_err(|message| Error::Installed {
            what: "metrics recorder",
            message,
        })
}

/// The `# HELP` lines of the service edge's series.
fn describe() {
    metrics::describe_counter!(
        "payops_http_requests_total",
        "HTTP requests answered, by route (a served path, or other) and status"
    );
    metrics::describe_gauge!(
        "payops_jobs",
        "Jobs in the store by state (dead: dead letters not replayed)"
    );
    metrics::describe_gauge!("payops_inbox_events", "Webhook events stored in the inbox");
    metrics::describe_gauge!("payops_effects", "Effects in the audit log");
}

/// The middleware counting answered requests by route and status. `paths` are the routes the
/// service serves: any other path counts as `other`, so that scans of random paths add no
/// series.
pub(crate) async fn count(
    State(paths): State<Arc<[String]>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let route = crate::allow::route_of(paths.iter(), path)
        .unwrap_or("other")
        .to_owned();
    let response = next.run(request).await;
    metrics::counter!(
        "payops_http_requests_total",
        "route" => route,
        "status" => response.status().as_str().to_owned(),
    )
    .increment(1);
    response
}

/// Reads the store's counts into the job gauges every `every` until `stop` turns true, and
/// keeps the recorder's histograms drained. A failed read is logged and leaves the gauges as
/// they were.
pub(crate) async fn refresh_jobs(
    store: Arc<dyn Store>,
    handle: PrometheusHandle,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match store.counts().await {
            Ok(counts) => {
                for (state, n) in [
                    ("queued", counts.queued),
                    ("running", counts.running),
                    ("done", counts.done),
                    ("dead", counts.dead),
                ] {
                    metrics::gauge!("payops_jobs", "state" => state).set(n as f64);
                }
                metrics::gauge!("payops_inbox_events").set(counts.events as f64);
                metrics::gauge!("payops_effects").set(counts.effects as f64);
            }
            Err(err) => tracing::warn!(error = %err, "job counts not read for the metrics"),
        }
        handle.run_upkeep();
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

//! `[log]`: the service's logs on standard output, as text or JSON lines.

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use crate::error::Error;
use crate::issues::Issues;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// One line of text per event (colours only on a terminal).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, the event's fields (`message`
    /// among them) and its spans, for a log collector.
    Json,
}

/// `[log]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LogSection {
    format: LogFormat,
    level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

/// The logs' settings.
#[derive(Debug, Clone)]
pub struct Log {
    /// Text or JSON lines.
    pub format: LogFormat,
    /// Which events are written: a level (`info`) or `tracing` filter directives
    /// (`info,flows=debug`).
    pub level: String,
}

impl LogSection {
    /// The section checked; a filter that does not parse is noted against `log.level`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<Log> {
        issues.check(
            "log.level",
            EnvFilter::try_new(&self.level)
                .map(drop)
                .map_err(|err| format!("`{}` is not a level or filter: {err}", self.level)),
        )?;
        Some(Log {
            format: self.format,
            level: self.level.clone(),
        })
    }
}

impl Log {
    /// Installs the process's logger (once per process: a second call fails).
    pub fn install(&self) -> Result<(), Error> {
        let filter = EnvFilter::try_new(&self.level).map_err(|err| Error::Installed {
            what: "logger",
            message: err.to_string(),
        })?;
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stdout);
        let installed = match self.format {
            LogFormat::Text => builder
                .with_ansi(std::io::stdout().is_terminal())
                .try_init(),
            LogFormat::Json => builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true)
                .try_init(),
        };
        installed.map_err(|err| Error::Installed {
            what: "logger",
            message: err.to_string(),
        })
    }
}

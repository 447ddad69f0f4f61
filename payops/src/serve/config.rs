//! The config file: its sections, read in two passes (shape, then values).
//!
//! A new section is one more field of [`File`] (with `#[serde(default)]` when it is optional),
//! its `validate` called from [`File::validate`], and one more field of [`Config`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::allow::{Allowlist, RoutesSection};
use crate::console::{self, Console, ConsoleSection};
use crate::database::{Database, DatabaseSection};
use crate::error::Error;
use crate::fraud_screen::FraudSection;
use crate::issues::Issues;
use crate::log::{Log, LogSection};
use crate::magento_stripe::MagentoStripeSection;
use crate::metrics::{self, Metrics, MetricsSection};
use crate::notify::{Notify, NotifySection};
use crate::pairs::Pairs;
use crate::runtime::{Runtime, RuntimeSection};
use crate::shopify_paytrace::ShopifyPaytraceSection;

/// Arguments of `payops serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The config file (TOML; `payops.example.toml` documents every key).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Validates the file, secrets read, and exits (0 valid, 2 invalid): starts nothing, opens
    /// no database.
    #[arg(long)]
    pub check: bool,
}

/// The file as written: its sections.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    store: DatabaseSection,
    ledger: DatabaseSection,
    #[serde(default)]
    runtime: RuntimeSection,
    shopify_paytrace: Option<ShopifyPaytraceSection>,
    magento_stripe: Option<MagentoStripeSection>,
    #[serde(default)]
    routes: RoutesSection,
    #[serde(default)]
    metrics: MetricsSection,
    #[serde(default)]
    log: LogSection,
    console: Option<ConsoleSection>,
    notify: Option<NotifySection>,
    fraud: Option<FraudSection>,
}

/// The service's configuration, checked: secrets read, addresses, URLs and networks parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The runtime store.
    pub store: Database,
    /// The ledger.
    pub ledger: Database,
    /// Where the service listens and how its worker runs.
    pub runtime: Runtime,
    /// The pairs it runs (at least one).
    pub pairs: Pairs,
    /// Which networks may call which routes.
    pub allow: Allowlist,
    /// `GET /metrics`.
    pub metrics: Metrics,
    /// The logs.
    pub log: Log,
    /// The operations console, when served.
    pub console: Option<Console>,
    /// Where notices to people go, when anywhere.
    pub notify: Option<Notify>,
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Reads and checks `text`, the file at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let file = shape(text, path)?;
        let mut issues = Issues::default();
        match file.validate(&mut issues) {
            Some(config) if issues.is_empty() => Ok(config),
            _ => Err(Error::Invalid {
                path: path.to_owned(),
                issues,
            }),
        }
    }

    /// Every path the service serves: the pairs' webhook routes, `/ready`, and `/metrics`
    /// when enabled.
    pub fn paths(&self) -> Vec<String> {
        paths(&self.pairs, self.metrics.enabled, self.console.is_some())
    }
}

fn paths(pairs: &Pairs, metrics: bool, console: bool) -> Vec<String> {
    let mut paths = pairs.paths();
    if metrics {
        paths.push(metrics::PATH.to_owned());
    }
    if console {
        // A prefix: the console's pages are under it.
        paths.push(console::PATH.to_owned());
    }
    paths
}

/// The first pass: TOML syntax and the sections' shape. The error gives the key path and the
/// line, never the line's text (a misplaced secret would be on it).
fn shape(text: &str, path: &Path) -> Result<File, Error> {
    let format = |line, key: String, message: &str| Error::Format {
        path: path.to_owned(),
        line,
        key,
        message: message.to_owned(),
    };
    let line_of = |err: &toml::de::Error| err.span().map(|span| line_at(text, span.start));
    let deserializer = toml::Deserializer::parse(text)
        .map_err(|err| format(line_of(&err), ".".to_owned(), err.message()))?;
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let key = err.path().to_string();
        let inner = err.inner();
        format(line_of(inner), key, inner.message())
    })
}

/// The 1-based line of byte `offset` of `text`.
fn line_at(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    before.bytes().filter(|b| *b == b'\n').count() + 1
}

impl File {
    /// The second pass: every section's values, all problems noted.
    fn validate(&self, issues: &mut Issues) -> Option<Config> {
        let store = self.store.validate("store", issues);
        let ledger = self.ledger.validate("ledger", issues);
        let runtime = self.runtime.validate(issues);
        let processing_window = runtime
            .as_ref()
            .map(|r| r.processing_window)
            .unwrap_or_default();
        let shopify_paytrace = self
            .shopify_paytrace
            .as_ref()
            .map(|section| section.validate(processing_window, issues));
        let magento_stripe = self
            .magento_stripe
            .as_ref()
            .map(|section| section.validate(issues));
        // `None`: no section; `Some(None)`: a section with problems (noted).
        let fraud = self.fraud.as_ref().map(|section| section.validate(issues));
        if shopify_paytrace.is_none() && magento_stripe.is_none() {
            issues.push(
                ".",
                "no pair to run: add a [shopify_paytrace] or a [magento_stripe] section, or both",
            );
        }
        let metrics = self.metrics.validate(issues);
        // The routes are known only when every pair configured is valid.
        let pairs = match (shopify_paytrace, magento_stripe, fraud) {
            (Some(None), _, _) | (_, Some(None), _) | (_, _, Some(None)) => None,
            (shopify_paytrace, magento_stripe, fraud) => Some(Pairs {
                shopify_paytrace: shopify_paytrace.flatten(),
                magento_stripe: magento_stripe.flatten(),
                fraud: fraud.flatten(),
            }),
        };
        let console = self.console.as_ref().map(|c| c.validate(issues));
        let notify = self.notify.as_ref().map(|n| n.validate(issues));
        let known = pairs.as_ref().map(|pairs| {
            let metrics = metrics.as_ref().is_none_or(|m| m.enabled);
            paths(pairs, metrics, console.is_some())
        });
        let allow = self.routes.validate(known.as_deref(), issues);
        let log = self.log.validate(issues);
        Some(Config {
            store: store?,
            ledger: ledger?,
            runtime: runtime?,
            pairs: pairs?,
            allow,
            metrics: metrics?,
            log: log?,
            console: match console {
                Some(console) => Some(console?),
                None => None,
            },
            notify: match notify {
                Some(notify) => Some(notify?),
                None => None,
            },
        })
    }
}

//! The one error type of `payops serve`.

use std::path::PathBuf;

use crate::issues::Issues;

/// What stops `payops serve` from starting or running. None of them shows a secret: config
/// problems name the key and never repeat a secret's text, and the clients' and stores' errors
/// keep credentials out (a PostgreSQL URL's password included).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The config file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML, or not of the config's shape (a key unknown or missing, a value of
    /// the wrong type). Only the first such problem is reported: the shape must be read before
    /// the values can be checked.
    #[error("{}{}: {key}: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Format {
        /// The file.
        path: PathBuf,
        /// The line of the problem, when known.
        line: Option<usize>,
        /// The key path (`shopify_paytrace.paytrace.password`), `.` for the whole file.
        key: String,
        /// What is wrong (never a secret's text: the file's line is not quoted).
        message: String,
    },
    /// Values of the file are wrong: every problem found, one per line, each naming its key.
    #[error("{}: invalid configuration:\n{issues}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problems.
        issues: Issues,
    },
    /// The runtime store failed (opening it, enqueuing a backfill job, or the worker).
    #[error("store: {0}")]
    Store(#[from] flows::FlowError),
    /// The ledger cannot be opened.
    #[error("ledger: {0}")]
    Ledger(#[from] erp::Error),
    /// A Shopify client cannot be built.
    #[error("shopify: {0}")]
    Shopify(#[from] shopify::Error),
    /// A PayTrace client cannot be built.
    #[error("paytrace: {0}")]
    Paytrace(#[from] paytrace::Error),
    /// A Magento client cannot be built.
    #[error("magento: {0}")]
    Magento(#[from] magento::Error),
    /// The fraud screen's model cannot be loaded or its velocity store opened.
    #[error("fraud screen: {0}")]
    Fraud(#[from] fraud::FraudError),
    /// A Stripe client cannot be built.
    #[error("stripe: {0}")]
    Stripe(#[from] stripe_client::Error),
    /// Listening, serving or the signal handlers failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The operations console cannot be set up.
    #[error("console: {0}")]
    Console(#[from] ops_console::ConsoleError),
    /// The worker's task panicked or was cancelled.
    #[error("worker: {0}")]
    Worker(#[from] tokio::task::JoinError),
    /// The metrics recorder or the logger cannot be installed (the process has another).
    #[error("cannot install the {what}: {message}")]
    Installed {
        /// `metrics recorder` or `logger`.
        what: &'static str,
        /// The library's words.
        message: String,
    },
}

impl Error {
    /// An I/O error while doing `context`.
    pub(crate) fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { context, source }
    }
}

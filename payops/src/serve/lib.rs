//! `payops serve`: one process running any set of the workflow pairs (Shopify + PayTrace,
//! Magento + Stripe) from one TOML file, with a Prometheus endpoint and structured logs.
//!
//! ```text
//! payops serve --config payops.toml           # runs until SIGTERM or Ctrl-C
//! payops serve --config payops.toml --check   # validates, starts nothing: exit 0 or 2
//! ```
//!
//! The file is read in two passes. The first reads its shape: TOML syntax, known sections and
//! keys (an unknown key is refused with its path: a typo never silently falls back to a
//! default), and the type of each value; it stops at the first problem. The second checks the
//! values and reads the secrets, and reports every problem it finds at once, each naming its key
//! path ([`Issues`]). `payops.example.toml` at the repository root documents every key.
//!
//! Secrets are never written in the file: each is `{ env = "NAME" }` or `{ file = "/path" }`
//! ([`SecretRef`]); a plain string where a secret belongs is refused naming the key (its text is
//! never repeated), and a secret file readable by its group or by others is refused naming the
//! file and the key.
//!
//! One intake router holds every configured pair's webhook routes, `GET /ready` and
//! `GET /metrics`; one worker runs every pair's flows and backfill jobs ([`Pairs::assemble`],
//! which the example binaries `shopify_paytrace` and `magento_stripe` use too, configured from
//! environment variables). Routes may be restricted to networks ([`Allowlist`]). SIGTERM or
//! Ctrl-C stops taking requests, then lets in-flight jobs finish ([`serve_until_stopped`]).
#![deny(missing_docs)]

mod allow;
mod config;
mod database;
mod error;
mod issues;
mod log;
mod magento_stripe;
mod metrics;
mod pairs;
mod runtime;
mod secret;
mod server;
mod shopify_paytrace;

pub use allow::Allowlist;
pub use config::{Config, ServeArgs};
pub use database::{Database, default_pg_pool, open_ledger, open_store};
pub use error::Error;
pub use issues::{Issue, Issues};
pub use log::{Log, LogFormat};
pub use magento_stripe::{
    MagentoCredentials, MagentoStripeBackfill, MagentoStripeSettings, webhook_verifier,
};
pub use metrics::{Metrics, prometheus};
pub use pairs::{Pairs, Service};
pub use runtime::Runtime;
pub use secret::SecretRef;
pub use server::{main, run, serve_until_stopped};
pub use shopify_paytrace::{
    PaytraceSettings, ShopifyPaytraceBackfill, ShopifyPaytraceSettings, parse_payment,
    parse_utc_offset,
};

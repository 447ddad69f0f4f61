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
//!
//! With a `[console]` section the operations console (`ops_console`) is served under
//! `/console` behind its token, with the worker's circuit breakers; with a `[notify]` section
//! the worker sends notices to people ([`flows::notify`]) by signed webhook and e-mail, linking
//! to the console ([`Console::address`]). With a `[fraud]` section both pairs screen each order
//! with one fraud screen before charging it ([`FraudSettings`]: the learned model's file, or the
//! rules baseline with its high-risk item categories, the velocity store, the big-order amount
//! and the thresholds): Shopify +
//! PayTrace in place of Shopify's own risk recommendation (which holds orders without it),
//! Magento + Stripe before the PaymentIntent (a held order is authorized, not captured). The
//! example binaries run without the screen.
//!
//! # From the example binaries' environment
//!
//! | environment variable | key |
//! |---|---|
//! | `PAYOPS_STORE`, `PAYOPS_LEDGER` | `store.sqlite` or `store.postgres` (+ `store.password`), the same under `ledger` |
//! | `PAYOPS_PG_POOL` | `store.pool`, `ledger.pool` |
//! | `PAYOPS_LISTEN`, `PAYOPS_CONCURRENCY`, `PAYOPS_LEASE_MS`, `PAYOPS_PROCESSING_WINDOW_MS` | `runtime.listen`, `runtime.concurrency`, `runtime.lease_ms`, `runtime.processing_window_ms` |
//! | `PAYOPS_PAYMENT` | `shopify_paytrace.payment` |
//! | `SHOPIFY_SHOP`, `SHOPIFY_API_URL`, `SHOPIFY_ACCESS_TOKEN`, `SHOPIFY_WEBHOOK_SECRET` | `shopify_paytrace.shopify.shop`, `.api_url`, `.access_token`, `.webhook_secret` |
//! | `PAYTRACE_USERNAME`, `PAYTRACE_PASSWORD`, `PAYTRACE_INTEGRATOR_ID`, `PAYTRACE_ACCOUNT`, `PAYTRACE_ENV`, `PAYTRACE_UTC_OFFSET`, `PAYTRACE_TIMEOUT_MS` | `shopify_paytrace.paytrace.username`, `.password`, `.integrator_id`, `.account`, `.env`, `.utc_offset`, `.timeout_ms` |
//! | `PAYOPS_ORDERS_POLL_SECS`, `PAYOPS_ORDERS_LOOKBACK_HOURS`, `PAYOPS_SETTLEMENT_POLL_SECS`, `PAYOPS_SALES_POLL_SECS`, `PAYOPS_SALES_LOOKBACK_DAYS` | `shopify_paytrace.backfill.orders_poll_secs`, `.orders_lookback_hours`, `.settlement_poll_secs`, `.sales_poll_secs`, `.sales_lookback_days` |
//! | `MAGENTO_BASE_URL`, `MAGENTO_STORE_CODE`, `MAGENTO_WEBHOOK_PUBLIC_KEY` (comma-separated) | `magento_stripe.magento.base_url`, `.store_code`, `.webhook_public_keys` (a list) |
//! | `MAGENTO_CONSUMER_KEY`, `MAGENTO_CONSUMER_SECRET`, `MAGENTO_ACCESS_TOKEN`, `MAGENTO_ACCESS_TOKEN_SECRET` | `magento_stripe.magento.oauth.*` (or `magento_stripe.magento.integration_token`) |
//! | `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_ACCOUNT` | `magento_stripe.stripe.secret_key`, `.webhook_secret`, `.account` (and `.api_url`) |
//! | `PAYOPS_POLL_SECS`, `PAYOPS_EVENTS_POLL_SECS`, `PAYOPS_EVENTS_LOOKBACK_HOURS`, `PAYOPS_CUSTOMERS_POLL_SECS` | `magento_stripe.backfill.orders_poll_secs`, `.events_poll_secs`, `.events_lookback_hours`, `.customers_poll_secs` |
//!
//! In the file, `0` seconds turns any poller off (the `magento_stripe` binary always runs its
//! pollers), and the Magento + Stripe worker takes `[runtime]`'s concurrency and lease
//! (its binary runs the defaults).
#![deny(missing_docs)]

mod allow;
mod config;
mod console;
mod database;
mod error;
mod fraud_screen;
mod issues;
mod log;
mod magento_stripe;
mod metrics;
mod notify;
mod pairs;
mod runtime;
mod secret;
mod server;
mod shopify_paytrace;

pub use allow::Allowlist;
pub use config::{Config, ServeArgs};
pub use console::Console;
pub use database::{Database, default_pg_pool, open_ledger, open_store};
pub use error::Error;
pub use fraud_screen::FraudSettings;
pub use issues::{Issue, Issues};
pub use log::{Log, LogFormat};
pub use magento_stripe::{
    MagentoCredentials, MagentoStripeBackfill, MagentoStripeDisputes, MagentoStripeSettings,
    webhook_verifier,
};
pub use metrics::{Metrics, prometheus};
pub use notify::Notify;
pub use pairs::{Pairs, Service};
pub use runtime::Runtime;
pub use secret::SecretRef;
pub use server::{main, run, serve_until_stopped};
pub use shopify_paytrace::{
    PaytraceSettings, ShopifyPaytraceBackfill, ShopifyPaytraceSettings, parse_payment,
    parse_utc_offset,
};

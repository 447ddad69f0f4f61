//! The ERP layer of the payment-operations SDK.
//!
//! * [`Erp`]: the async trait the workflows call (customers with gateway vault ids, sales
//!   orders, invoices, payments, credit memos, journal entries, disputes, lookup by external
//!   reference, open receivables; for subscriptions: recurring contracts, billing invoices with
//!   service periods, write-offs, voids, revenue recognition). Every create is idempotent by
//!   external reference.
//! * [`LocalLedger`]: the default backend, a double-entry ledger in one SQLite file (embedded,
//!   no server) or in a PostgreSQL database shared by many processes
//!   ([`LocalLedger::connect`], feature `postgres`, on by default), with a chart of accounts,
//!   balanced journals, a trial balance and an aged-receivables report.
//! * [`odoo`]: a connector to Odoo 19's JSON-2 API (`POST /json/2/<model>/<method>`).
//!
//! Money is [`Money`]: `i64` minor units and an ISO 4217 [`CurrencyCode`] (a
//! [`payops_core::Currency`]: a code without a minor unit is refused, never given a guessed
//! exponent); never binary floating point. Dates are [`time::Date`], written `YYYY-MM-DD` in the
//! ledger, to Odoo and in the documents' serde form.
//!
//! # Quick start
//!
//! ```no_run
//! use erp::{Customer, Erp, Invoice, LineItem, LocalLedger, Money, CurrencyCode};
//! # async fn run() -> Result<(), erp::Error> {
//! let ledger = LocalLedger::open("ledger.sqlite3").await?;
//! let usd = CurrencyCode::new("USD")?;
//! ledger
//!     .upsert_customer(&Customer {
//!         external_ref: "cust-1".into(),
//!         name: "Ada".into(),
//!         email: None,
//!         vault_ids: vec![],
//!     })
//!     .await?;
//! let date = time::macros::date!(2026 - 11 - 23);
//! ledger
//!     .create_invoice(&Invoice {
//!         external_ref: "order-1/invoice".into(),
//!         customer_ref: "cust-1".into(),
//!         sales_order_ref: None,
//!         invoice_date: date,
//!         due_date: date,
//!         currency: usd,
//!         lines: vec![LineItem {
//!             sku: "TEE".into(),
//!             description: "T-shirt".into(),
//!             quantity: 2,
//!             unit_price: Money::new(1500, usd),
//!         }],
//!         tax: Money::new(240, usd),
//!         shipping: Money::new(500, usd),
//!     })
//!     .await?;
//! for line in ledger.trial_balance().await? {
//!     println!("{} {} {}", line.code, line.currency, line.balance);
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! `models/` holds the ERP-side documents (one file per document), `money.rs` the money
//! type, `date.rs` the one text form of dates, `erp.rs` the trait, `ledger/` the ledger (`schema.rs`, `post.rs` for the
//! writes, `reports.rs`, on SQLite; `postgres/` for PostgreSQL, sharing their checks, journal
//! lines and report shaping) and `odoo/` the Odoo connector (`client.rs` for the HTTP plumbing
//! and retries, `config.rs`, `connector.rs` for the start-up schema check and shared lookups,
//! `erp_impl.rs` for the trait over Odoo, `wire.rs` for Odoo's value shapes, `jsonrpc.rs` for
//! the legacy transport behind the `jsonrpc` feature).
#![deny(missing_docs)]

mod date;
mod erp;
pub mod error;
pub mod ledger;
pub mod models;
pub mod money;
pub mod odoo;

pub use crate::erp::Erp;
pub use error::{Error, OdooErrorBody, OdooErrorKind};
pub use ledger::LocalLedger;
pub use models::*;
pub use money::{CurrencyCode, Money};

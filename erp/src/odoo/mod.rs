//! Odoo connector over the external JSON-2 API (Odoo 19+).
//!
//! Wire facts, from Odoo 19's "External JSON-2 API" reference
//! (`odoo/documentation`, `content/developer/reference/external_api.rst`):
//! * `POST /json/2/<model>/<method>`, `Authorization: bearer <api key>`, optional
//!   `X-Odoo-Database`, a JSON object of named arguments plus `ids` and `context`;
//! * success is `200` with the method's bare JSON result; errors are `4xx`/`5xx` with
//!   `{name, message, arguments, context, debug}` ([`crate::OdooErrorBody`]);
//! * every call is its own database transaction.
//!
//! Model and field names (`res.partner.ref`, `sale.order.client_order_ref`, `account.move`
//! `move_type`/`reversed_entry_id`, `account.payment.memo` since 18, the
//! `account.payment.register` wizard) follow the project's research notes and are checked
//! against the live database at start-up by [`OdooErp::connect`] with `fields_get`. They were
//! not exercised against a running Odoo here (none can run offline).
//!
//! The legacy `/jsonrpc` transport for Odoo 17 and 18 sits behind the `jsonrpc` cargo
//! feature (`OdooClientBuilder::legacy_jsonrpc`); the connector above it is the same.

mod client;
mod config;
mod connector;
mod erp_impl;
#[cfg(feature = "jsonrpc")]
mod jsonrpc;
mod payments;
mod wire;

pub use client::{OdooClient, OdooClientBuilder, RetryConfig};
pub use config::OdooErpConfig;
pub use connector::OdooErp;
pub use wire::Many2one;

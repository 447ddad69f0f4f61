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
//! Recurring billing over Odoo Community:
//! * billing invoices are `out_invoice`s whose lines with a service period go to the account
//!   configured for [`crate::Account::DeferredRevenue`], the line's place and period in a tag
//!   ending its label;
//! * revenue recognition is kept by the connector in plain journal entries, one per deferred
//!   line and run, found again by their `invoice_origin` (the module `recognition`). Odoo
//!   Community has no deferral automation of its own: the service dates of invoice lines
//!   (`account.move.line.deferred_start_date` / `deferred_end_date`) and the deferral entries
//!   they drive are added by the Enterprise `account_accountant` module (Odoo's "Deferred
//!   revenues" page of the Accounting app,
//!   <https://www.odoo.com/documentation/18.0/applications/finance/accounting/customer_invoices/deferred_revenues.html>;
//!   read from `account_accountant`'s source, which adds the fields by `_inherit`, not from a
//!   running Community database). A credit memo on Odoo goes to the refunds account and
//!   releases no deferred revenue (the embedded ledger's does): the line is still recognised
//!   in full over its period, so revenue less refunds comes to the same total, over time
//!   rather than at once;
//! * a write-off is an `out_refund` of the invoice's `amount_residual` on the account configured
//!   for [`crate::Account::BadDebts`]; a void is `button_draft` then `button_cancel` (methods of
//!   `account.move` in Odoo's `account` module, which the `sale` module overrides), of the
//!   invoice's recognition entries first, then of the invoice;
//! * contracts are analytic accounts under a configured plan, coded with the contract's
//!   reference, named with its items and status, archived when it ends (the module
//!   `contracts`): Odoo Community has no subscription model (Subscriptions, `sale_subscription`,
//!   is an Enterprise app,
//!   <https://www.odoo.com/documentation/18.0/applications/sales/subscriptions.html>).
//!
//! The legacy `/jsonrpc` transport for Odoo 17 and 18 sits behind the `jsonrpc` cargo
//! feature (`OdooClientBuilder::legacy_jsonrpc`); the connector above it is the same.

mod client;
mod config;
mod connector;
mod contracts;
mod erp_impl;
#[cfg(feature = "jsonrpc")]
mod jsonrpc;
mod payments;
mod recognition;
mod wire;

pub use client::{OdooClient, OdooClientBuilder, RetryConfig};
pub use config::OdooErpConfig;
pub use connector::OdooErp;
pub use wire::Many2one;

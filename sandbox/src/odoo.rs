//! A stateful fake of **Odoo 19's external JSON-2 API**, speaking the wire format that the
//! `erp` crate's Odoo connector (`erp::odoo::OdooErp`) uses.
//!
//! ```no_run
//! use sandbox::{Faults, Running, odoo::OdooFake};
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let fake = OdooFake::new();
//! fake.add_product("TEE-1", "T-shirt", rust_decimal::Decimal::new(1500, 2));
//! let running = Running::start(fake.clone(), &Faults::default()).await?;
//! // point `erp::odoo::OdooClient::builder(running.base_url().as_str(), fake.api_key().into())`
//! // at it, with `.database(fake.database())`
//! # Ok(()) }
//! ```
//!
//! # Covered
//! - `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>` (scheme
//!   case-insensitive) and an optional `X-Odoo-Database`. A missing or wrong key, or another
//!   database name, is `401` with Odoo's error object (`werkzeug.exceptions.Unauthorized`,
//!   "Invalid apikey"). The body is a JSON object of named arguments plus `ids` and `context`;
//!   success is `200` with the method's bare JSON result.
//! - Methods of every model: `fields_get` (`attributes`), `search` (`domain`, `offset`, `limit`,
//!   `order`), `search_count`, `search_read` (`fields` too), `read` (`ids`, `fields`; many2one
//!   values as `[id, display_name]`), `create` (`vals_list`, answers the list of new ids), `write`
//!   (`ids`, `vals`, answers `true`). x2many values take Odoo's commands: `[0, 0, vals]`,
//!   `[1, id, vals]`, `[2, id]` for one2many; `[6, 0, ids]`, `[4, id]`, `[3, id]`, `[5]` (or a
//!   bare list of ids) for many2many.
//! - Domains: leaves `[field, op, value]` with `=`, `!=`, `in`, `not in`, `<`, `<=`, `>`, `>=`,
//!   `like`, `ilike`, `not like`, `not ilike`, `=like`, `=ilike`; dotted paths through
//!   relations (`partner_id.ref`); prefix `&`, `|`, `!`; implicit `&` between leaves.
//! - Models: `res.partner` (custom `x_...` char fields via [`OdooFake::add_char_field`]),
//!   `res.currency` (USD, EUR, GBP, CAD, JPY), `product.product`, `account.account` (Odoo's
//!   generic chart: 101401 Bank, 121000 receivable, 251000 tax, 400000 sales, ...),
//!   `account.journal` (INV, BILL, MISC, BNK1, CSH1), `account.tax` (none),
//!   `sale.order` (+ `sale.order.line`; names `S00001`, `action_confirm` to state `sale`),
//!   `account.move` (+ `account.move.line`; `out_invoice`, `out_refund`, `entry`, ...:
//!   invoice lines `quantity × price_unit` on the sales account by default plus a computed
//!   receivable line; `action_post` names `INV/2026/00001`, `RINV/...`, `MISC/...`;
//!   `button_draft` sets a posted or cancelled move back to draft, `button_cancel` cancels a
//!   draft, resetting a posted one first, as Odoo's `account.move` does),
//!   `account.payment` (`memo`, `payment_reference`, `reconciled_invoice_ids`; `action_post`
//!   to `in_process`, named `PBNK1/2026/00001`) and the `account.payment.register` wizard
//!   (`create` with `context.active_model = "account.move"` and `active_ids`, then
//!   `action_create_payments`, which creates an inbound payment with `memo` = the wizard's
//!   `communication`, `payment_reference` unset and `reconciled_invoice_ids` = the invoices it
//!   paid, lowers the invoices' `amount_residual` and sets `payment_state` to `partial` or
//!   `in_payment`, as Odoo 18+ does until the bank statement is matched).
//! - Older or customised schemas: [`OdooFake::add_char_field`] adds a field,
//!   [`OdooFake::remove_field`] removes one (say `account.payment.payment_reference`).
//! - Errors are Odoo's object `{name, message, arguments, context, debug}`:
//!   `odoo.exceptions.UserError` / `ValidationError` `422` (unbalanced entry, posting twice,
//!   paying a draft or paid invoice, a mandatory field missing, a reference to a missing
//!   record, a negative payment), `AccessError` `403` (private methods, and any
//!   `(model, method)` refused with [`OdooFake::deny`]), `MissingError` `404` (unknown ids),
//!   `werkzeug.exceptions.NotFound` `404` (unknown model, method or URL), `BadRequest` `400`
//!   (a body that is not a JSON object), `MethodNotAllowed` `405`, and `builtins.ValueError` /
//!   `TypeError` `500` (unknown fields, bad values, domains or arguments), as Python raises them.
//!   A failed call changes nothing.
//!
//! # Not covered
//! Taxes (no `account.tax` records: invoices carry tax as plain lines, as the connector sends
//! them), pricelists and currency rates, discounts, `unlink`, `name_search`, `copy`, resetting
//! to draft, cancelling, bank statements and reconciliation beyond the payment wizard (invoices
//! stay `in_payment`; payments stay `in_process`), reversing through `account.move.reversal`
//! (a credit note does not lower the invoice's residual, as in Odoo when created directly),
//! the wizard's grouping of several partners (refused), access rights other than
//! [`OdooFake::deny`], `/doc`, and the legacy `/jsonrpc` and `/xmlrpc` endpoints. The HTTP
//! statuses of `ValueError`/`TypeError` and the exact messages are the fake's reading of Odoo.

mod domain;
mod error;
mod schema;
mod store;
mod views;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::Fake;

pub use views::{Move, MoveLine, Partner, Payment, SaleOrder, SaleOrderLine};

use error::OdooError;
use store::State;

/// The Odoo fake: its credentials and its in-memory database. Cheap to clone; clones share the
/// database.
#[derive(Clone)]
pub struct OdooFake {
    api_key: Arc<str>,
    database: Arc<str>,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for OdooFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooFake")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl Default for OdooFake {
    fn default() -> Self {
        Self::new()
    }
}

impl OdooFake {
    /// A database named `sandbox` with a random 40-hex-digit API key, Odoo's generic chart of
    /// accounts, journals and currencies, and no partners, products or documents.
    pub fn new() -> Self {
        let mut rng = rand::rng();
        let key: String = (0..20)
            .map(|_| format!("{:02x}", rng.random::<u8>()))
            .collect();
        Self::with_credentials(key, "sandbox")
    }

    /// Like [`OdooFake::new`] with a given API key and database name.
    pub fn with_credentials(api_key: impl Into<String>, database: impl Into<String>) -> Self {
        Self {
            api_key: Arc::from(api_key.into()),
            database: Arc::from(database.into()),
            state: Arc::new(Mutex::new(State::new())),
        }
    }

    /// The API key to send as `Authorization: bearer <key>`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The database name (for `X-Odoo-Database`).
    pub fn database(&self) -> &str {
        &self.database
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Calls check everything before they write and handlers do not panic; a poisoned lock
        // (a panic elsewhere while holding it) still holds a consistent database.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ------------------------------------------------------------ seeding

    /// Adds a `product.product` with this `default_code` (SKU), name and sales price; returns its id.
    pub fn add_product(&self, default_code: &str, name: &str, list_price: Decimal) -> i64 {
        self.lock().add_product(default_code, name, list_price)
    }

    /// Adds an `account.account` (`account_type` e.g. `income`, `expense`, `asset_current`);
    /// returns its id.
    pub fn add_account(&self, code: &str, name: &str, account_type: &str) -> i64 {
        self.lock().add_account(code, name, account_type)
    }

    /// Adds an `account.journal` (`journal_type` e.g. `bank`); returns its id.
    pub fn add_journal(&self, name: &str, code: &str, journal_type: &str) -> i64 {
        self.lock().add_journal(name, code, journal_type)
    }

    /// Adds an `account.analytic.plan` (where analytic accounts, and so contracts, live);
    /// returns its id.
    pub fn add_analytic_plan(&self, name: &str) -> i64 {
        self.lock().add_analytic_plan(name)
    }

    /// Adds a `res.currency` with this ISO code and number of decimals; returns its id.
    pub fn add_currency(&self, code: &str, decimal_places: u32) -> i64 {
        self.lock().add_currency(code, decimal_places)
    }

    /// Adds a custom char field (e.g. `x_vault_ids` on `res.partner`), as Odoo Studio would;
    /// `false` when the model is unknown.
    pub fn add_char_field(&self, model: &str, field: &str) -> bool {
        self.lock().add_char_field(model, field)
    }

    /// Removes a field from `model`, as a database of another Odoo version or build lacks it
    /// (e.g. `account.payment`'s `payment_reference`): `fields_get` no longer lists it, and
    /// `create`, `write`, `read`, `search_read` and domains naming it fail as Odoo's do on an
    /// unknown field. The fake's own rules (posting, the payment wizard) are unchanged. `false`
    /// when the model or field is unknown (`id` and `display_name` stay).
    pub fn remove_field(&self, model: &str, field: &str) -> bool {
        self.lock().remove_field(model, field)
    }

    /// Refuses `model.method` with `403 odoo.exceptions.AccessError` until [`OdooFake::allow`].
    pub fn deny(&self, model: &str, method: &str) {
        self.lock()
            .denied
            .insert((model.to_owned(), method.to_owned()));
    }

    /// Lifts a [`OdooFake::deny`].
    pub fn allow(&self, model: &str, method: &str) {
        self.lock()
            .denied
            .remove(&(model.to_owned(), method.to_owned()));
    }

    // ------------------------------------------------------------ inspection

    /// Every authenticated call so far, as `(model, method)`, in order.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.lock().calls.clone()
    }

    /// How many authenticated calls of `model.method` were made.
    pub fn call_count(&self, model: &str, method: &str) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|(m, f)| m == model && f == method)
            .count()
    }

    fn id_by(&self, model: &str, field: &str, value: &str) -> Option<i64> {
        self.lock().find_all(model, field, value).first().copied()
    }

    /// The id of the account with this code.
    pub fn account_id(&self, code: &str) -> Option<i64> {
        self.id_by("account.account", "code", code)
    }

    /// The id of the journal with this short code (`BNK1`, ...).
    pub fn journal_id(&self, code: &str) -> Option<i64> {
        self.id_by("account.journal", "code", code)
    }

    /// The id of the currency with this ISO code.
    pub fn currency_id(&self, code: &str) -> Option<i64> {
        self.id_by("res.currency", "name", code)
    }

    /// The id of the product with this `default_code`.
    pub fn product_id(&self, default_code: &str) -> Option<i64> {
        self.id_by("product.product", "default_code", default_code)
    }

    /// Every partner, by id.
    pub fn partners(&self) -> Vec<Partner> {
        let state = self.lock();
        state
            .ids("res.partner")
            .into_iter()
            .map(|id| state.partner_view(id))
            .collect()
    }

    /// Partners whose `ref` is `reference`.
    pub fn partners_by_ref(&self, reference: &str) -> Vec<Partner> {
        let state = self.lock();
        state
            .find_all("res.partner", "ref", reference)
            .into_iter()
            .map(|id| state.partner_view(id))
            .collect()
    }

    /// Every sales order, by id.
    pub fn orders(&self) -> Vec<SaleOrder> {
        let state = self.lock();
        state
            .ids("sale.order")
            .into_iter()
            .map(|id| state.order_view(id))
            .collect()
    }

    /// Sales orders whose `client_order_ref` is `reference`.
    pub fn orders_by_ref(&self, reference: &str) -> Vec<SaleOrder> {
        let state = self.lock();
        state
            .find_all("sale.order", "client_order_ref", reference)
            .into_iter()
            .map(|id| state.order_view(id))
            .collect()
    }

    /// Every `account.move` (invoices, credit notes, entries), by id.
    pub fn moves(&self) -> Vec<Move> {
        let state = self.lock();
        state
            .ids("account.move")
            .into_iter()
            .map(|id| state.move_view(id))
            .collect()
    }

    /// Customer invoices (`out_invoice`), by id.
    pub fn invoices(&self) -> Vec<Move> {
        self.moves()
            .into_iter()
            .filter(|m| m.move_type == "out_invoice")
            .collect()
    }

    /// Moves whose `ref` is `reference`.
    pub fn moves_by_ref(&self, reference: &str) -> Vec<Move> {
        let state = self.lock();
        state
            .find_all("account.move", "ref", reference)
            .into_iter()
            .map(|id| state.move_view(id))
            .collect()
    }

    /// One move by id.
    pub fn get_move(&self, id: i64) -> Option<Move> {
        let state = self.lock();
        state
            .exists("account.move", id)
            .then(|| state.move_view(id))
    }

    /// Every payment, by id.
    pub fn payments(&self) -> Vec<Payment> {
        let state = self.lock();
        state
            .ids("account.payment")
            .into_iter()
            .map(|id| state.payment_view(id))
            .collect()
    }

    /// Payments whose `memo` is `memo`.
    pub fn payments_by_memo(&self, memo: &str) -> Vec<Payment> {
        let state = self.lock();
        state
            .find_all("account.payment", "memo", memo)
            .into_iter()
            .map(|id| state.payment_view(id))
            .collect()
    }

    // ------------------------------------------------------------ HTTP

    fn authenticate(&self, headers: &HeaderMap) -> Result<(), OdooError> {
        let Some(auth) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(OdooError::unauthorized("Missing \"Authorization\" header"));
        };
        let (scheme, token) = auth.trim().split_once(' ').unwrap_or((auth, ""));
        let key_ok =
            scheme.eq_ignore_ascii_case("bearer") && constant_time_eq(token.trim(), &self.api_key);
        let database_ok = headers
            .get("x-odoo-database")
            .is_none_or(|db| db.to_str().is_ok_and(|db| db == &*self.database));
        if key_ok && database_ok {
            Ok(())
        } else {
            Err(OdooError::unauthorized("Invalid apikey"))
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Fake for OdooFake {
    const SERVICE: &'static str = "odoo";

    fn router(&self) -> Router {
        Router::new()
            .route("/json/2/{model}/{method}", any(call))
            .fallback(|| async {
                OdooError::not_found("The requested URL was not found on the server.")
                    .response(empty())
            })
            .with_state(self.clone())
    }
}

fn empty() -> Value {
    Value::Object(Map::new())
}

async fn call(
    AxumState(fake): AxumState<OdooFake>,
    method: Method,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return OdooError::method_not_allowed().response(empty());
    }
    let Ok(Path((model, function))) = path else {
        return OdooError::not_found("The requested URL was not found on the server.")
            .response(empty());
    };
    if let Err(err) = fake.authenticate(&headers) {
        return err.response(empty());
    }
    let args: Map<String, Value> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(args)) => args,
        Ok(_) => {
            return OdooError::bad_request("The request body must be a JSON object.")
                .response(empty());
        }
        Err(e) => {
            return OdooError::bad_request(format!("Invalid JSON data: {e}")).response(empty());
        }
    };
    let context = args
        .get("context")
        .filter(|c| c.is_object())
        .cloned()
        .unwrap_or_else(empty);
    let result = fake.lock().call(&model, &function, &args);
    match result {
        Ok(value) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            value.to_string(),
        )
            .into_response(),
        Err(err) => err.response(context),
    }
}

//! A stateful fake of the **PayTrace JSON API v1**, speaking the wire format that the
//! workspace's `paytrace` client uses.
//!
//! ```no_run
//! use sandbox::{Faults, Running, paytrace::PaytraceFake};
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let fake = PaytraceFake::new();
//! let running = Running::start(fake.clone(), &Faults::default()).await?;
//! // point `paytrace::Client::builder(fake.username(), fake.password().into())` at
//! // `running.base_url()`, with `.integrator_id(fake.integrator_id())`
//! # Ok(()) }
//! ```
//!
//! # Covered (every call is a `POST`)
//! - `/oauth/token`: form-encoded password grant with the fake's credentials. Answers
//!   `{access_token, token_type: "Bearer", expires_in: 7200, created_at}`; wrong credentials
//!   get `400 {"error": "invalid_grant", ...}`, another grant type `unsupported_grant_type`.
//!   Tokens expire after [`PaytraceFake::set_token_lifetime`] (2 h by default) on the fake's
//!   clock ([`PaytraceFake::advance_clock`]); an expired or unknown bearer token gets
//!   `401 {"error": "invalid_token", "error_description": ...}`, a missing one `invalid_request`.
//! - Sales and authorizations: `/v1/transactions/{sale,authorization}/{keyed,by_customer,by_transaction,pt_protect}`
//!   (101 approved / 102 declined with `approval_*`, `avs_response`, `csc_response`,
//!   `masked_card_number`, left out for vault sales as PayTrace does);
//!   `authorization/capture` (112, or 113 when not capturable or above the authorized amount);
//!   `void` (109, or 110 when declined, already voided or settled);
//!   `refund/for_transaction` (106; **settled transactions only**: an unsettled one gets
//!   error 817 "Please try to void the transaction instead"; 107 when nothing is left to
//!   refund), `refund/keyed`, `refund/to_customer`; `settle` (175, closes the current batch).
//! - `/v1/payment_fields/token/create` (`clientKey`) and `/v1/level_three/{visa,mastercard}` (170).
//! - Vault: `/v1/customer/{create, pt_protect_create, create_from_transaction, update (with new_id), delete, export}`
//!   (160 created, 161 updated, 162 deleted, error 30 not found, 171 duplicate id).
//! - Exports: `/v1/transactions/export/by_id` and `/by_date_range` (records in the shape of
//!   help.paytrace.com/json-export-tranx-date, filters `transaction_type`, `customer_id`,
//!   `including_text`; the default export lists approved transactions, declines only with
//!   `transaction_type: "DECLINED"`), so the client's `find_sale_by_invoice` works.
//! - Batches: `/v1/batches/export_one` (latest when no number), `/export` (by settlement
//!   date) and `/transaction_list`. Settling ([`PaytraceFake::settle_now`] or the `settle`
//!   call) moves every pending (`Y`) transaction into a new batch: their `status_code`
//!   becomes `GB<batch>` and `settled` is set. Batches are numbered from 1.
//!
//! # Sandbox rules (documented by PayTrace where noted, the fake's choice otherwise)
//! - Declines (sales and authorizations only, `102`): amount **0.29** (documented: "Do not
//!   honor" for sales, "EXPIRED CARD" for authorizations), **1.12** (documented, "Do not
//!   honor"), any amount ending in **.02** (fake: "Insufficient funds"), and any card whose
//!   expiry month has passed (fake: "EXPIRED CARD").
//! - Test cards (documented): Visa 4012000098765439 / CSC 999, MasterCard 5499740000000057 /
//!   998, Discover 6011000993026909 / 996, Amex 371449635392376 / 9997. For these, another
//!   CSC gives `csc_response` "No Match"; for other valid (Luhn) cards a 3-4 digit CSC is
//!   "Match"; no CSC gives "".
//! - AVS (fake): street and zip sent give "Full Exact Match", zip only "Zip Match Only",
//!   street only "Address Match Only", zip `00000` or no address "No Match".
//! - Client-side encryption: `encrypted_number` / `encrypted_csc` must be made by
//!   [`PaytraceFake::encrypt`]; Protect.js tokens by [`PaytraceFake::protect_token`] (single use).
//! - Validation errors are `400 {"success": false, "response_code": 1, "status_message":
//!   "One or more errors has occurred.", "errors": {"<code>": ["..."]}}` listing every code.
//!   Confirmed codes: 30, 35, 43, 44, 58 (also an unknown batch), 171, 817. The fake's own
//!   codes (PayTrace's are not in the stored sources): 5 malformed JSON body, 33 amount
//!   (missing, not positive, a billion dollars or more, more than two decimals), 38 missing customer id, 48/49 start and
//!   end date, 180 invalid or used Protect.js token.
//! - Declines and other business outcomes are HTTP 200; unknown `/v1` paths are 404.
//! - Timestamps are `M/D/YYYY h:mm:ss AM` in UTC (the fake's "account zone"); date filters
//!   compare calendar days in UTC.
//!
//! # Not covered
//! ACH checks (`/v1/checks/...`), swiped transactions, recurring payments, email receipts,
//! adjust, `/v1/ping`, API v3; VT security settings (required CSC or invoice, duplicate
//! window, phishing filter); partial authorizations. Batch summary fields other than
//! `number` are the fake's invention (PayTrace's are unconfirmed). The integrator id is
//! accepted but not checked.

mod api;
mod state;
mod wire;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::Fake;

pub use state::{Batch, Customer, Settlement, Transaction, TransactionKind};
pub(crate) use wire::money_text;
pub use wire::{Address, CardInfo};

use state::{ProtectEntry, State};
use wire::{Errors, Fields};

/// The fake's credentials (fixed at creation).
#[derive(Debug)]
struct Credentials {
    username: String,
    password: String,
    integrator_id: String,
}

/// The PayTrace fake: its credentials and its in-memory account. Cheap to clone; clones share
/// the account.
#[derive(Clone)]
pub struct PaytraceFake {
    credentials: Arc<Credentials>,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for PaytraceFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaytraceFake")
            .field("username", &self.credentials.username)
            .finish_non_exhaustive()
    }
}

impl Default for PaytraceFake {
    fn default() -> Self {
        Self::new()
    }
}

/// A single-use Protect.js token pair, as `PTPayment.process()` returns it in a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectTokenPair {
    /// `hpf_token`.
    pub hpf_token: String,
    /// `enc_key`.
    pub enc_key: String,
}

impl PaytraceFake {
    /// A fake account with the credentials `sandbox-api-user` / `sandbox-api-password` and
    /// integrator id `SANDBOXINTEGRATOR`.
    pub fn new() -> Self {
        Self::with_credentials(
            "sandbox-api-user",
            "sandbox-api-password",
            "SANDBOXINTEGRATOR",
        )
    }

    /// A fake account with these credentials.
    pub fn with_credentials(
        username: impl Into<String>,
        password: impl Into<String>,
        integrator_id: impl Into<String>,
    ) -> Self {
        Self {
            credentials: Arc::new(Credentials {
                username: username.into(),
                password: password.into(),
                integrator_id: integrator_id.into(),
            }),
            state: Arc::new(Mutex::new(State::new())),
        }
    }

    /// The API user name the token endpoint accepts.
    pub fn username(&self) -> &str {
        &self.credentials.username
    }

    /// The API password the token endpoint accepts.
    pub fn password(&self) -> &str {
        &self.credentials.password
    }

    /// The integrator id to configure on the client.
    pub fn integrator_id(&self) -> &str {
        &self.credentials.integrator_id
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every handler updates the state in one step without panicking points in between.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the current batch now (like `/v1/transactions/settle`): every pending
    /// transaction settles in it. Returns the batch number, or `None` when nothing was pending.
    pub fn settle_now(&self) -> Option<u64> {
        self.lock().settle()
    }

    /// One transaction, as the fake holds it.
    pub fn transaction(&self, id: u64) -> Option<Transaction> {
        self.lock().transactions.get(&id).cloned()
    }

    /// Every transaction, in id order (declined ones included).
    pub fn transactions(&self) -> Vec<Transaction> {
        self.lock().transactions.values().cloned().collect()
    }

    /// The transactions carrying this `invoice_id`, in id order.
    pub fn transactions_by_invoice(&self, invoice_id: &str) -> Vec<Transaction> {
        self.lock()
            .transactions
            .values()
            .filter(|t| t.invoice_id.as_deref() == Some(invoice_id))
            .cloned()
            .collect()
    }

    /// One vault customer.
    pub fn customer(&self, customer_id: &str) -> Option<Customer> {
        self.lock().customers.get(customer_id).cloned()
    }

    /// Every vault customer, ordered by id.
    pub fn customers(&self) -> Vec<Customer> {
        self.lock().customers.values().cloned().collect()
    }

    /// Every closed batch, oldest first.
    pub fn batches(&self) -> Vec<Batch> {
        self.lock().batches.clone()
    }

    /// Stores a vault customer directly (as if created earlier). Replaces one with the same
    /// id. Returns `false`, storing nothing, when the card number or expiry is invalid.
    pub fn seed_customer(
        &self,
        customer_id: &str,
        card_number: &str,
        expiration_month: u32,
        expiration_year: u32,
        billing: Address,
    ) -> bool {
        let mut errors = Errors::default();
        let card = wire::card_from_parts(
            Some(card_number),
            Some(&expiration_month.to_string()),
            Some(&expiration_year.to_string()),
            &mut errors,
        );
        let Some(card) = card else { return false };
        let customer = Customer {
            customer_id: customer_id.to_owned(),
            card,
            billing_address: billing,
            shipping_address: None,
            email: None,
            phone: None,
            fax: None,
        };
        self.lock()
            .customers
            .insert(customer_id.to_owned(), customer);
        true
    }

    /// Issues a single-use Protect.js token for a card, as the hosted fields would in a
    /// browser. An invalid card still gets a token; using it fails with error 35.
    pub fn protect_token(
        &self,
        card_number: &str,
        expiration_month: u32,
        expiration_year: u32,
        csc: Option<&str>,
    ) -> ProtectTokenPair {
        let mut errors = Errors::default();
        let card = wire::card_from_parts(
            Some(card_number),
            Some(&expiration_month.to_string()),
            Some(&expiration_year.to_string()),
            &mut errors,
        );
        let pair = ProtectTokenPair {
            hpf_token: format!("hpf-{}", uuid::Uuid::new_v4().simple()),
            enc_key: format!("key-{}", uuid::Uuid::new_v4().simple()),
        };
        let entry = ProtectEntry {
            enc_key: pair.enc_key.clone(),
            card,
            csc: csc.map(str::to_owned),
        };
        self.lock()
            .protect_tokens
            .insert(pair.hpf_token.clone(), entry);
        pair
    }

    /// Seals a card number or CSC the way the fake accepts in `encrypted_number` and
    /// `encrypted_csc` (a stand-in for PayTrace's `paytrace-e2ee.js`).
    pub fn encrypt(clear: &str) -> String {
        wire::encrypt(clear)
    }

    /// How many access tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> u32 {
        self.lock().tokens_issued
    }

    /// Lifetime of tokens issued from now on (PayTrace: 7200 s).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime_secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
    }

    /// Makes every issued token expired (the next call gets `invalid_token`).
    pub fn expire_tokens(&self) {
        let mut state = self.lock();
        let now = state.now();
        for expiry in state.tokens.values_mut() {
            *expiry = now;
        }
    }

    /// Moves the fake's clock forward: token expiry, `created.at`, `settled` and the date
    /// filters all follow it.
    pub fn advance_clock(&self, by: Duration) {
        let mut state = self.lock();
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        state.clock_offset_secs = state.clock_offset_secs.saturating_add(secs);
    }

    /// Now on the fake's clock, in unix seconds (real time plus [`Self::advance_clock`]).
    pub fn now_unix(&self) -> i64 {
        self.lock().now()
    }

    /// Today on the fake's clock, as `(year, month, day)` in UTC.
    pub fn today(&self) -> (i32, u32, u32) {
        let (year, month, day) = wire::civil_from_days(self.lock().now().div_euclid(86_400));
        (i32::try_from(year).unwrap_or(i32::MAX), month, day)
    }

    /// How many Protect.js client keys were created.
    pub fn client_keys_issued(&self) -> u32 {
        self.lock().client_keys
    }
}

impl Fake for PaytraceFake {
    const SERVICE: &'static str = "paytrace";

    fn router(&self) -> Router {
        Router::new()
            .route("/oauth/token", post(token))
            .route("/v1/{*path}", post(v1))
            .with_state(self.clone())
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        json!({"error": error, "error_description": description}),
    )
}

/// `POST /oauth/token`, form-encoded password grant.
async fn token(AxumState(fake): AxumState<PaytraceFake>, body: Bytes) -> Response {
    let mut grant_type = None;
    let mut username = None;
    let mut password = None;
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "grant_type" => grant_type = Some(value.into_owned()),
            "username" => username = Some(value.into_owned()),
            "password" => password = Some(value.into_owned()),
            _ => {}
        }
    }
    match grant_type.as_deref() {
        Some("password") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
            );
        }
    }
    let valid = username.as_deref() == Some(fake.username())
        && password.as_deref() == Some(fake.password());
    if !valid {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        );
    }
    let mut state = fake.lock();
    let now = state.now();
    let access_token = format!("{}:{}", fake.username(), uuid::Uuid::new_v4().simple());
    let lifetime = state.token_lifetime_secs;
    state
        .tokens
        .insert(access_token.clone(), now.saturating_add(lifetime));
    state.tokens_issued = state.tokens_issued.saturating_add(1);
    drop(state);
    json_response(
        StatusCode::OK,
        json!({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime, "created_at": now}),
    )
}

/// Every `POST /v1/...` call: bearer token check, JSON body, dispatch.
async fn v1(
    AxumState(fake): AxumState<PaytraceFake>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(bearer) = bearer else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "The access token is missing.",
        );
    };
    let mut state = fake.lock();
    let now = state.now();
    match state.tokens.get(&bearer) {
        None => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token provided is invalid.",
            );
        }
        Some(expiry) if *expiry <= now => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token provided has expired.",
            );
        }
        Some(_) => {}
    }
    let map = match wire::parse_body(&body) {
        Ok(map) => map,
        Err(errors) => {
            let (status, body) = errors.reply();
            return json_response(status, body);
        }
    };
    match api::dispatch(&mut state, fake.username(), uri.path(), Fields(&map)) {
        Some((status, body)) => json_response(status, body),
        None => json_response(
            StatusCode::NOT_FOUND,
            json!({"success": false, "response_code": 1, "status_message": "The requested resource does not exist."}),
        ),
    }
}

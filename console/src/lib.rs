//! The operations console of the payops runtime: server-rendered pages an operator opens in a
//! browser to see what the runtime is doing and to replay what failed.
//!
//! [`router`] gives the pages under [`PATH`] (`/console`), to merge into the service's axum
//! router next to the webhook intake:
//!
//! | page | what it shows |
//! |---|---|
//! | `/console` | job counts by state, dead letters waiting, events and effects stored |
//! | `/console/events` | the events received last, each with the job that runs from it |
//! | `/console/jobs?state=dead` | the jobs changed last, all or of one state |
//! | `/console/dead-letters` | dead letters with their reason; one with its payload and a Replay button |
//! | `/console/breakers` | each provider's circuit breaker, when the console was given the worker's |
//! | `/console/checkpoints` | the backfill pollers' checkpoints |
//! | `/console/reconciliations` | the settlement reconciliations in the effect log, charted |
//! | `/console/fraud` | the fraud screen's decisions: outcome, score, scorer, top signals |
//!
//! # Access
//!
//! Every page but the login form needs the console's token: given once in the login form, it is
//! kept in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` when the public base URL is
//! `https`) scoped to `/console`; a script sends it as `Authorization: Bearer <token>`. Tokens
//! are compared in constant time (their SHA-256 digests, so not even their length shows).
//! Without a valid token a request gets `401` and the login form, nothing else.
//!
//! Replaying a dead letter is a `POST` whose form carries a CSRF token bound to the console's
//! token (an HMAC of it: it changes when the token does and reveals nothing of it); a browser
//! request authenticated by the cookie without it is refused with `403`. The `SameSite=Strict`
//! cookie already keeps other sites' forms from carrying the session; the form token does not
//! rely on that, nor on an `Origin` header a proxy may rewrite. A request with a bearer token
//! needs no form token: no browser attaches that header by itself.
//!
//! Pages set `Cache-Control: no-store` and a content security policy that allows no script at
//! all (they have none) and no framing.
//!
//! # What pages never show
//!
//! The token (only its HMAC is in the forms), and card data: payloads, reasons and errors go
//! through [`redact`] before they are rendered, and every value is HTML-escaped by the
//! templates ([`maud`]).
//!
//! ```no_run
//! use std::sync::Arc;
//! use flows::{SqliteStore, Store, Worker, WorkerConfig};
//! use secrecy::SecretString;
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let store: Arc<dyn Store> = Arc::new(SqliteStore::open("flows.sqlite")?);
//! let worker = Worker::new(Arc::clone(&store), WorkerConfig::new("worker-1"));
//! let token = SecretString::from(std::env::var("PAYOPS_CONSOLE_TOKEN")?);
//! let state = ops_console::ConsoleState::new(Arc::clone(&store), token)?
//!     .breakers(worker.breakers())
//!     .public_base("https://ops.example.com")?;
//! let app = axum::Router::new().merge(ops_console::router(state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod activity;
mod auth;
mod breakers;
mod checkpoints;
mod dead_letters;
mod error;
pub mod format;
mod page;
mod reconciliations;
mod screenings;
/// Card data masking ([`payops_core::card`]): what every page runs payloads and text through.
pub use payops_core::card as redact;
mod state;
mod status;

use axum::Router;
use axum::routing::{get, post};

pub use error::ConsoleError;
pub use state::{ConsoleState, MIN_TOKEN_LEN};

/// Where the console's pages are: [`router`]'s routes all start with it.
pub const PATH: &str = "/console";

/// The console's routes, all under [`PATH`], to merge into the service's router
/// (`Router::merge`). Requests to other paths are not the console's: the service's own
/// fallback answers them.
pub fn router(state: ConsoleState) -> Router {
    let pages = Router::new()
        .route("/console", get(status::page))
        .route("/console/events", get(activity::events))
        .route("/console/jobs", get(activity::jobs))
        .route("/console/dead-letters", get(dead_letters::list))
        .route("/console/dead-letters/{id}", get(dead_letters::show))
        .route(
            "/console/dead-letters/{id}/replay",
            post(dead_letters::replay),
        )
        .route("/console/breakers", get(breakers::page))
        .route("/console/checkpoints", get(checkpoints::page))
        .route("/console/reconciliations", get(reconciliations::page))
        .route("/console/fraud", get(screenings::page))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    Router::new()
        .route("/console/login", get(auth::login_form).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .merge(pages)
        .layer(axum::middleware::map_response(page::security_headers))
        .with_state(state)
}

/// The link to dead letter `id` on the console served at `base` (the service's public URL,
/// `https://ops.example.com`), for a notification to carry.
///
/// ```
/// assert_eq!(
///     ops_console::dead_letter_url("https://ops.example.com/", 42),
///     "https://ops.example.com/console/dead-letters/42"
/// );
/// ```
pub fn dead_letter_url(base: &str, id: i64) -> String {
    format!("{}{PATH}/dead-letters/{id}", base.trim_end_matches('/'))
}

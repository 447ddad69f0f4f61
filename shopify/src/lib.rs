//! Typed client for the Shopify **Admin GraphQL API** (pinned to
//! [`API_VERSION`], configurable), plus REST-shaped webhook payloads, webhook
//! and OAuth HMAC verification and token management.
//!
//! What it covers:
//! - **Auth**: the `X-Shopify-Access-Token` header; fixed tokens, the
//!   client-credentials grant and expiring offline tokens refreshed
//!   automatically ([`Credentials`]); OAuth install/callback query HMAC
//!   verification and the authorization-code exchange ([`oauth`]).
//! - **Transport**: typed variables and responses ([`Client::execute`]),
//!   `userErrors` as [`Error::UserErrors`], query cost from `extensions.cost`,
//!   a client-side throttle fed by `throttleStatus`, retries of `THROTTLED`
//!   (HTTP 200), `429` (`Retry-After` seconds) and, for idempotent operations,
//!   5xx and timeouts ([`RetryConfig`]). Ids are [`Gid`]s and `u64`, never floats.
//! - **Operations** ([`api`]): order get/list by `updated_at` (a stream, or page by
//!   page with its cursor)/get as its REST resource (the `orders/*` webhook body,
//!   rebuilt from GraphQL)/mark-paid/manual payment/capture/note, transaction void, `metafieldsSet`, tags, `refundCreate` with
//!   `@idempotent`, `fulfillmentCreate`, an order's fulfillment orders and fulfillments,
//!   customer create/update/set, order risk
//!   assessments.
//! - **Webhooks** ([`webhook`]): HMAC over the raw body, secret rotation, both
//!   header styles, typed headers and payloads ([`models::rest`]).
//!
//! Money is [`rust_decimal::Decimal`] in major units, read exactly from Shopify's
//! decimal strings (or numbers, in plain or exponent notation), or refused with
//! the field's JSON path when a `Decimal` cannot hold it. Times are
//! [`time::OffsetDateTime`] (RFC 3339).
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), shopify::Error> {
//! use secrecy::SecretString;
//! use shopify::{Client, Gid, ShopDomain};
//!
//! let client = Client::builder()
//!     .shop(&ShopDomain::parse("example.myshopify.com")?)
//!     .access_token(SecretString::from("shpat_..."))
//!     .build()?;
//!
//! let order_id = Gid::new("Order", 450789469);
//! if let Some(order) = client.orders().get(&order_id).await? {
//!     println!("{} is {:?}", order.name, order.display_financial_status);
//!     client.orders().mark_as_paid(&order.id).await?;
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod api;
mod client;
mod error;
mod gid;
pub mod graphql;
pub mod models;
pub mod oauth;
mod serde_util;
mod throttle;
pub mod webhook;

pub use client::{
    ACCESS_TOKEN_HEADER, API_VERSION, Client, ClientBuilder, Credentials, ShopDomain, TokenSet,
};
pub use error::{ApiErrorBody, Error};
pub use gid::Gid;
pub use graphql::{GraphqlResponse, Operation, QueryCost, RetrySafety, ThrottleStatus, UserError};
pub use models::rest;
pub use oauth::OAuthApp;
/// The retry configuration every payops client shares (`max_retries`, `initial_backoff`,
/// `max_backoff`); see [`ClientBuilder::retry`] for what this client retries.
pub use payops_core::RetryConfig;
pub use webhook::{Topic, Webhook, WebhookError, WebhookHeaders, WebhookPayload, WebhookVerifier};

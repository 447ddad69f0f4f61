//! A typed client of the Magento 2.4 / Adobe Commerce admin REST API.
//!
//! What it covers:
//! - **Authentication**: OAuth 1.0a with HMAC-SHA256 and the four credentials of an integration
//!   (the recommended mode since 2.4.4), the integration access token as a bearer token, or an
//!   admin user whose 4-hour token is fetched from `POST /V1/integration/admin/token` and renewed
//!   before it expires (and once more if Magento answers 401). See [`Credentials`] and [`oauth`].
//! - **Store scope**: the store code goes in the URL (`/rest/<store_code>/V1/...`), see
//!   [`ClientBuilder::store_code`] and [`Client::with_store_code`].
//! - **Orders** ([`Client::orders`]): get, search with a typed [`SearchCriteria`], comments (list
//!   and add), hold, unhold, cancel, and [recording a failed payment](api::orders::Orders::record_payment_failure).
//! - **Invoices** ([`Client::invoices`]): create (with or without online capture) and get.
//! - **Shipments** ([`Client::shipments`]): create with tracking numbers.
//! - **Credit memos** ([`Client::credit_memos`]): offline through the order, online through the
//!   invoice.
//! - **Customers** ([`Client::customers`]): get, search, create, update.
//! - **Carts** ([`Client::carts`]): an order made for a customer outside the storefront (the
//!   customer's cart, its lines, shipping information, the order), and finding an order by the
//!   cart it was placed from ([`Orders::get_by_quote_id`](api::orders::Orders::get_by_quote_id)).
//!
//! A failed payment is recorded as a history comment plus a custom status the merchant
//! configures (Magento has none built in); since 2.4.7 the comment alone no longer changes the
//! status, so [`record_payment_failure`](api::orders::Orders::record_payment_failure) checks the
//! result and writes the status on the order when needed.
//!
//! Money and quantities are [`rust_decimal::Decimal`] in major units, read from the JSON text
//! whether Magento sends `165`, `165.5`, `"165.5000"` or `1.655e2`, so nothing passes through
//! binary floating point; a value a `Decimal` cannot hold exactly is refused, never rounded
//! ([`payops_core::decimal::parse_exact`]). Timestamps (`created_at`, `updated_at`) are
//! [`time::OffsetDateTime`] at UTC, which is what Magento's `YYYY-MM-DD HH:MM:SS` text means, and
//! are written back in that form (see [`timestamp`] and [`Filter::timestamp`]). Fields the schema
//! calls required are `Option`s because Magento sends `null` for them in practice. A value that
//! cannot be read fails the call with [`Error::Decode`], whose path names the field
//! (`items[2].price`).
//!
//! Errors are one enum, [`Error`], with distinct variants for 400, 401, 404, 500, 429, the
//! 502/503/504 family, form-encoded OAuth failures, timeouts, transport and decoding failures.
//! Magento's `{message, parameters}` body is typed as [`ApiError`] and rendered with its `%1` /
//! `%name` placeholders substituted. Reads (and the idempotent customer `PUT`) are retried on
//! 429/502/503/504, timeouts and connection errors, as the workspace's shared [`RetryConfig`]
//! says (`Retry-After` replaces the backoff, capped); documents (invoices, shipments, credit
//! memos) and state changes are not, because Magento has no idempotency key: read the order
//! before trying again. `Debug` output and configuration errors never show a base URL's
//! `user:password@`.
//!
//! # Quick start
//!
//! ```no_run
//! use magento::{Client, Credentials, CreateInvoice, Filter, SearchCriteria};
//!
//! # async fn run() -> Result<(), magento::Error> {
//! let client = Client::builder(
//!     "https://shop.example.com",
//!     Credentials::oauth("consumer-key", "consumer-secret", "access-token", "token-secret"),
//! )
//! .store_code("default")
//! .build()?;
//!
//! let pending = client
//!     .orders()
//!     .search(&SearchCriteria::new().filter(Filter::eq("status", "pending")).page_size(20))
//!     .await?;
//! for order in &pending.items {
//!     let Some(id) = order.entity_id else { continue };
//!     let invoice_id = client
//!         .invoices()
//!         .create(id, &CreateInvoice { capture: false, notify: true, ..CreateInvoice::default() })
//!         .await?;
//!     println!("order {:?} invoiced as {invoice_id}", order.increment_id);
//! }
//! # Ok(()) }
//! ```
//!
//! Not covered: the OAuth handshake that activates an integration (`/oauth/token/request`,
//! `/oauth/token/access`), admin tokens with two-factor authentication, customer tokens,
//! guest carts, asynchronous and bulk endpoints, and Adobe Commerce webhooks.

#![deny(missing_docs)]

pub mod api;
mod client;
pub mod error;
mod lenient;
pub mod models;
pub mod oauth;
pub mod timestamp;
pub mod webhook;

pub use client::{Client, ClientBuilder, Credentials, DEFAULT_ADMIN_TOKEN_LIFETIME};
pub use error::{ApiError, ApiErrorItem, Error, OAuthProblem, Parameters, Result};
pub use models::cart::{
    CartAddress, CartItem, CartPaymentMethod, PaymentDetails, ShippingInformation,
};
pub use models::creditmemo::{Refund, RefundArguments, RefundArgumentsExtension};
pub use models::customer::{
    CustomAttribute, Customer, CustomerAddress, CustomerExtensionAttributes, NewCustomer, Region,
};
pub use models::document::{DocumentComment, ItemQty};
pub use models::invoice::{CreateInvoice, Invoice, InvoiceItem};
pub use models::order::{
    NewOrderComment, Order, OrderAddress, OrderComment, OrderExtensionAttributes, OrderItem,
    OrderPayment, OrderState, PaymentAdditionalInfo, PaymentFailure, PaymentFailureRecorded,
    Shipping, ShippingAssignment, ShippingTotal, StatusApplied,
};
pub use models::search::{
    Condition, Direction, Filter, FilterGroup, MAX_PAGE_SIZE, SearchCriteria, SearchResult,
};
pub use models::shipment::{CreateShipment, Shipment, ShipmentTrack, Track};
pub use oauth::OAuthCredentials;
/// The retry configuration every client of the workspace shares (see [`ClientBuilder::retry`]
/// for what this client retries).
pub use payops_core::RetryConfig;
pub use webhook::WebhookVerifier;

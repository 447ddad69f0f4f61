//! A lean, hand-written, typed client for the subset of the [Stripe API](https://docs.stripe.com/api)
//! an order-to-cash integration needs: PaymentIntents, Charges, Refunds, Customers,
//! PaymentMethods, Payouts, BalanceTransactions, Disputes, Radar EarlyFraudWarnings,
//! Subscriptions, Invoices, CreditNotes and Events, plus webhook signature verification.
//!
//! It is small on purpose: a handful of dependencies and no generated code, so it builds in
//! seconds. Enums keep unknown values (`Other(String)`), unknown fields are ignored, amounts are
//! `i64` minor units next to their [`Currency`], timestamps are [`time::OffsetDateTime`].
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), stripe_client::Error> {
//! use secrecy::SecretString;
//! use stripe_client::{Client, CreatePaymentIntent, PaymentOutcome};
//!
//! let client = Client::builder(SecretString::from("sk_test_..."))
//!     .stripe_account("acct_123") // optional, for Connect
//!     .build()?;
//!
//! let mut params = CreatePaymentIntent::new(1099, "usd");
//! params.payment_method = Some("pm_card_visa".into());
//! params.confirm = Some(true);
//! params.metadata.insert("order_id".into(), "1001".into());
//!
//! // The same key on a re-run of this job replays Stripe's first answer instead of paying twice.
//! match client
//!     .payment_intents()
//!     .idempotency_key("magento/order/1001/payment")
//!     .expand(["latest_charge"])
//!     .create(&params)
//!     .await?
//! {
//!     PaymentOutcome::Completed(pi) => println!("{}: {}", pi.id, pi.status),
//!     PaymentOutcome::Declined(decline) => {
//!         println!("declined: {:?} / {:?}", decline.error.code, decline.error.decline_code)
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Transport
//!
//! Requests are form-encoded with Stripe's bracket nesting, carry a pinned but configurable
//! `Stripe-Version` ([`DEFAULT_API_VERSION`]: `2026-10-28.endive`, released 2026-10-28, whose
//! shapes the models follow; events are read in their own API version, see [`models`]), an
//! optional `Stripe-Account`, and an
//! `Idempotency-Key` on every POST that is reused by the retries of that call. Retries follow
//! the official SDKs (see [`ClientBuilder::retry`]) and are configured with the workspace's
//! shared [`RetryConfig`]. Errors are one enum, [`Error`], with Stripe's error
//! body typed in [`ApiError`]; card declines on payment operations are data
//! ([`PaymentOutcome::Declined`]).
//!
//! # Requests
//!
//! Parameter structs send only what the API accepts. They are checked against the newest
//! official description of the API available: the `stripe` package 16.1.0 on PyPI, generated
//! from Stripe's OpenAPI spec for API version `2026-10-28.endive`. A contract test calls every
//! operation with every field set and checks each nested form key (`shipping[address][line1]`,
//! `items[0][price]`, `expand[]`) and each enum value against the parameters that package lists
//! for the operation. Where the request and the returned object differ, they are separate types
//! ([`CustomerShipping`], [`PaymentIntentShipping`],
//! [`CancelPaymentIntentReason`], [`CreateRefundReason`], [`CreateSubscriptionItem`],
//! [`UpdateSubscriptionItem`], [`UpdateDisputeEvidence`]); request enums are closed.
//! `expand` is a handler option, and the one operation without it (`DELETE /v1/customers/{id}`)
//! is not available on a handler that has one ([`MayExpand`]).
//!
//! # Webhooks
//!
//! [`webhook::Webhook`] verifies `Stripe-Signature` (several secrets, tolerance, injectable clock,
//! constant-time comparison) and decodes the [`Event`];
//! [`webhook::generate_test_header`] signs payloads for your own tests.
#![deny(missing_docs)]

mod api;
mod client;
mod error;
mod form;
mod list;
pub mod models;
pub mod webhook;

pub use api::*;
pub use client::{Client, ClientBuilder, DEFAULT_API_VERSION, DEFAULT_BASE_URL, RequestOptions};
pub use error::{ApiError, ApiErrorBody, Error, ErrorType, SignatureError};
pub use list::{ListStream, PageParams, RangeQuery};
pub use models::*;
/// The retry configuration every payops client shares (`payops_core::RetryConfig`); Stripe's
/// rules for what is retried are described at [`ClientBuilder::retry`].
pub use payops_core::RetryConfig;

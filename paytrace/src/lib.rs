//! Typed async client of the **PayTrace JSON API v1** (`https://api.paytrace.com`, sandbox
//! `https://api.sandbox.paytrace.com`).
//!
//! What it covers:
//! - OAuth password grant at `/oauth/token`; the token is cached, replaced before its
//!   2-hour expiry, shared by concurrent callers (one refresh at a time), and a call that
//!   PayTrace answers with `invalid_token` is repeated once with a fresh token.
//! - Card transactions ([`api::transactions`]): keyed, vault-customer, by-transaction and
//!   Protect.js sales and authorizations (clear or client-side encrypted card fields),
//!   capture, void, refunds, settle now, Protect.js client keys.
//! - Level 3 data for Visa and Mastercard ([`api::level3`]).
//! - Customer vault ([`api::customers`]): create (also from a Protect.js token or an
//!   earlier transaction), update
//!   (including `new_id`), delete, export.
//! - Reporting ([`api::reporting`], [`api::batches`]): transaction export by id and by date
//!   range, batch summaries and a batch's settled transactions, with PayTrace's date strings
//!   parsed (see [`models::reporting`] for the timezone assumption).
//! - ACH checks ([`api::checks`]): sale and hold by account or vault customer, refund,
//!   fund, void.
//! - The ambiguous-outcome resolver [`Client::find_sale_by_invoice`] (approved and declined
//!   sales and authorizations by `invoice_id`), [`Client::find_transaction`] to check a
//!   capture whose answer was lost, and [`Client::timeout`], the bound of one HTTP exchange.
//!
//! Outcomes are decided from the JSON body, never from the HTTP status alone. A decline is
//! data ([`Outcome::Declined`]); validation failures are [`Error::Validation`] listing every
//! code. Each operation declares its [`RequestKind`]: it alone decides which requests are
//! retried (per [`RetryConfig`]) and which failures are ambiguous ([`Error::is_ambiguous`]).
//! Amounts are [`Decimal`] US dollars, read exactly or refused, never rounded. Dates are
//! [`time`] types. Card numbers, CSCs, bank account numbers, Protect tokens, credentials and
//! a base URL's user-info are redacted in `Debug` and never appear in errors or logs.
//!
//! # Quick start
//! ```no_run
//! use paytrace::{Client, CreditCard, Decimal, Environment, KeyedRequest, Outcome, SecretString};
//!
//! # async fn demo() -> paytrace::Result<()> {
//! let client = Client::builder("api-user", SecretString::from("api-password"))
//!     .environment(Environment::Sandbox)
//!     .integrator_id("ABC123")
//!     .build()?;
//!
//! let mut sale = KeyedRequest::new(Decimal::new(1000, 2), CreditCard::plain("4012000098765439", 12, 2026));
//! // The store order reference PayTrace reports back; it finds an ambiguous sale again.
//! sale.details.invoice_id = Some("S1-1001".into());
//! let response = client.sale_keyed(&sale).await?;
//! if response.outcome() == Outcome::Approved {
//!     println!("transaction {:?}", response.transaction_id);
//! }
//! # Ok(()) }
//! ```
//!
//! Sources: help.paytrace.com JSON pages (2015-2016), developers.paytrace.com, the official
//! PayTrace/api-demo samples, activemerchant's PayTrace gateway, and sandbox traffic
//! recorded by narch/paytracer (2024).

#![deny(missing_docs)]

pub mod api;
pub mod client;
pub mod error;
pub mod models;
mod wire;

pub use api::resolve::SaleLookup;
pub use client::{
    Client, ClientBuilder, Environment, PRODUCTION_URL, RequestKind, RetryConfig, SANDBOX_URL,
};
pub use error::{ApiErrorBody, Error, ErrorCode, Result, ValidationErrors};
pub use models::batch::{BatchExport, BatchSummary, BatchesExport};
pub use models::check::{
    BankAccount, CheckAccountRequest, CheckCustomerRequest, CheckManageRequest, CheckResponse,
    CheckTransactionId,
};
pub use models::common::{
    AccountNumber, Address, CardNumber, CardNumberField, CreditCard, Csc, CscField, EncryptedValue,
    ProtectSecret, ProtectToken, StatusResponse,
};
pub use models::customer::{
    CreateCustomerRequest, CustomerContact, CustomerExport, CustomerFromTransactionRequest,
    CustomerRecord, CustomerResponse, ExportCustomersRequest, MaskedCard, ProtectCustomerRequest,
    UpdateCustomerRequest,
};
pub use models::level3::{
    Level3LineItem, Level3Network, Level3Request, Level3ShippingAddress, Level3SourceAddress,
};
pub use models::reporting::{
    CreatedInfo, ExportByDateRangeRequest, ExportByIdRequest, SettlementStatus, TransactionExport,
    TransactionRecord, TransactionType,
};
pub use models::transaction::{
    AvsResponse, AvsResult, ByTransactionRequest, CaptureRequest, CscResponse, CscResult,
    CustomerRequest, KeyedRequest, Outcome, ProtectClientKey, ProtectRequest, RefundRequest,
    ResponseCode, TransactionDetails, TransactionId, TransactionResponse,
};
pub use rust_decimal::Decimal;
pub use secrecy::SecretString;
pub use time::{Date, Month, PrimitiveDateTime};

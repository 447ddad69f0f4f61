//! The small vocabulary every payops crate shares.
//!
//! The client crates (`paytrace`, `shopify`, `stripe-client`, `magento`) stay independent of each
//! other, yet they must agree on a few things so that a user learns them once:
//!
//! - [`decimal`]: amounts are read from the exact text a provider sent, in plain or exponent
//!   notation, and either represented exactly or refused; never rounded, never via binary floating point.
//! - [`currency`]: one ISO 4217 table and one answer for a currency's exponent; a code without
//!   minor units or unknown to the table is an error, never a guessed exponent.
//! - [`retry`]: one retry configuration shape ([`RetryConfig`]) with the same field names, the
//!   same `standard()` and `disabled()` and the same jitter in every client.
//! - [`redact`]: URLs in `Debug` output and errors without their `user:password@` part.
//! - [`card`]: card numbers and codes masked out of payloads and text a person is shown.
//! - [`telemetry`]: one measure of every call to a provider (a counter by outcome, a latency
//!   histogram, a tracing span), whichever client makes it.
//! - `pg` (feature `postgres`): the PostgreSQL connection pool and versioned schemas of the
//!   crates that share a database.
//!
//! ```
//! use payops_core::{decimal, Currency};
//!
//! let amount = decimal::parse_exact("1.2345e2").unwrap();
//! assert_eq!(amount.to_string(), "123.45");
//! assert_eq!(Currency::parse("bhd").unwrap().exponent(), 3);
//! assert!(decimal::parse_exact("1e-400").is_err());
//! ```

pub mod card;
pub mod currency;
pub mod decimal;
mod error;
mod location;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod redact;
pub mod retry;
pub mod telemetry;

pub use currency::Currency;
pub use error::{Error, clip};
pub use location::DatabaseLocation;
pub use redact::RedactedUrl;
pub use retry::RetryConfig;

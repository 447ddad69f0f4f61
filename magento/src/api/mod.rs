//! The operations, grouped per resource: [`Client::orders`](crate::Client::orders),
//! [`invoices`](crate::Client::invoices), [`shipments`](crate::Client::shipments),
//! [`credit_memos`](crate::Client::credit_memos), [`customers`](crate::Client::customers) and
//! [`carts`](crate::Client::carts).

pub mod carts;
pub mod creditmemos;
pub mod customers;
pub mod invoices;
pub mod orders;
pub mod shipments;

use serde::Deserialize;

use crate::lenient;

/// A bare id answer (`3`, sometimes `"3"`).
#[derive(Deserialize)]
pub(crate) struct Id(#[serde(deserialize_with = "lenient::i64_value")] pub(crate) i64);

/// A bare boolean answer (`true`, sometimes `1`).
#[derive(Deserialize)]
pub(crate) struct Flag(#[serde(deserialize_with = "lenient::opt_bool")] pub(crate) Option<bool>);

impl Flag {
    /// `null` is read as `false`: the operation did not report success.
    pub(crate) fn value(&self) -> bool {
        self.0.unwrap_or(false)
    }
}

//! Settlement reconciliation: which of a gateway's settlement lines the ledger has, exactly, and
//! which it lacks or has twice.
//!
//! The engine ([`reconcile`]) is pure: settlement lines and ledger entries in, one
//! [`Outcome`] per line out. It lives in a crate of its own rather than in `mapping`: `mapping`
//! turns one provider's records into canonical ones, one record at a time, while reconciliation
//! compares two whole sets and comes with its own file format ([`interchange`]), its own input
//! errors (file, line, column) and a CSV reader that no user of the mappings needs.
//!
//! # Rules
//!
//! 1. Ledger entries that share a gateway transaction id: the first by `entry_id` (numeric order
//!    when both ids are numbers, byte order otherwise) is the posting of record; the others are
//!    [`Status::DuplicateInLedger`].
//! 2. Pass 1: a settlement line and the ledger entry of record with its transaction id, one to
//!    one ([`MatchPass::TransactionId`]).
//! 3. Pass 2: what is left on both sides (ledger entries without a transaction id included) is
//!    paired on (order reference, amount, currency), one to one, in file order: each settlement
//!    line, in its file's order, takes the first entry left with its key
//!    ([`MatchPass::OrderRefAmountCurrency`]). An empty reference pairs with nothing.
//! 4. A pair whose currencies differ is [`Status::CurrencyMismatch`]; else one whose amounts
//!    differ is [`Status::AmountMismatch`]; else [`Status::Matched`]. A settlement line left
//!    alone is [`Status::MissingInLedger`]; a ledger entry left alone is
//!    [`Status::MissingInSettlement`], or [`Status::InTransit`] when it was posted after the
//!    settlement's cut-off (it settles in a later batch).
//!
//! Amounts are integer minor units of their currency, never floats.
//!
//! ```
//! use payops_core::Currency;
//! use reconcile::{LedgerEntry, LineKind, SettlementLine, Status, reconcile};
//! use time::macros::datetime;
//!
//! let settled = SettlementLine {
//!     batch_id: "b1".into(),
//!     transaction_id: "t1".into(),
//!     invoice_id: "1001".into(),
//!     kind: LineKind::Sale,
//!     amount: 2_500,
//!     fee: 75,
//!     currency: Currency::USD,
//!     settled_at: datetime!(2026-12-01 23:00 UTC),
//! };
//! let booked = LedgerEntry {
//!     entry_id: "1".into(),
//!     gateway_transaction_id: "t1".into(),
//!     order_ref: "1001".into(),
//!     amount: 2_500,
//!     currency: Currency::USD,
//!     posted_at: datetime!(2026-12-01 10:00 UTC),
//! };
//! let outcome = reconcile(&[settled], &[booked], None);
//! assert_eq!(outcome.results[0].status, Status::Matched);
//! assert!(!outcome.has_discrepancies());
//! ```

mod amount;
mod engine;
mod error;
pub mod html;
pub mod interchange;
mod model;
mod summary;

pub use amount::{format_minor, parse_minor};
pub use engine::{MatchPass, Outcome, Reconciliation, Status, reconcile};
pub use error::{AmountError, Error};
pub use model::{LedgerEntry, LineKind, SettlementLine};
pub use summary::{SummaryKind, SummaryRow, summarize};

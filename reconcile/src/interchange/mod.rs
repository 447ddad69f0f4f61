//! The generic CSV interchange: any gateway's or bank's export, and any ledger's, in two files
//! with a header row; the results in two more.
//!
//! Inputs (columns in any order; other columns are ignored):
//!
//! - `settlement.csv`: `batch_id,transaction_id,invoice_id,type,amount,fee,currency,settled_at`.
//!   `type` is `sale`, `refund` or `chargeback`; `amount` and `fee` are decimal strings
//!   (negative amounts for money going back to the customer) read exactly in the currency, with
//!   zeros allowed beyond its exponent (`1500.00` JPY is 1500); `settled_at` is RFC 3339. A
//!   transaction id appears once.
//! - `ledger.csv`: `entry_id,gateway_transaction_id,order_ref,amount,currency,posted_at`.
//!   `gateway_transaction_id` and `order_ref` may be empty; an entry id appears once.
//!
//! Outputs ([`write_results`], [`write_summary`]):
//!
//! - `results.csv`: one row per settlement line, then one per ledger entry without a settlement
//!   counterpart: `status,match_pass,transaction_id,entry_id,batch_id,type,invoice_id,order_ref,
//!   settlement_amount,settlement_currency,ledger_amount,ledger_currency,difference,fee,
//!   settled_at,posted_at`; a column of a side the row lacks is empty. Amounts are decimal
//!   strings in their currency; `difference` is the settlement's amount less the ledger's, for a
//!   pair of one currency.
//! - `summary.csv`: `status,currency,count,settlement_amount_cents,ledger_amount_cents,
//!   diff_cents,fee_cents`, one row per status and currency (the settlement side's, else the
//!   ledger side's), sums over the rows' sides in minor units, then one `fees_total` row per
//!   currency with every settlement line's fee. A `currency_mismatch` row leaves the ledger sum
//!   and the difference empty: its ledger amounts are in other currencies.
//!
//! Any value that cannot be read fails the whole read with [`crate::Error::Input`], naming the
//! file, the line and the column: nothing is reconciled from a file half read.

mod read;
mod write;

pub use read::{open, read_ledger, read_ledger_from, read_settlement, read_settlement_from};
pub use write::{write_results, write_summary};

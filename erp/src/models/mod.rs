//! ERP-side document types, independent of any backend.
//!
//! Every document carries an `external_ref`: the idempotency key derived from the event that
//! produced it (e.g. `shopify/shop1/order/42/invoice`). Creating a document twice with the same
//! reference returns the first one.

mod account;
mod billing;
mod contract;
mod credit_memo;
mod customer;
mod dispute;
mod document;
mod invoice;
pub(crate) mod journal;
mod payment;
mod sales_order;

pub use account::{Account, AccountKind, Gateway};
pub use billing::{
    BillingInvoice, BillingLine, InvoiceVoid, Recognition, RecognitionSchedule,
    RevenueScheduleLine, ServicePeriod, WriteOff, WriteOffReversal,
};
pub use contract::{BillingInterval, Contract, ContractItem, ContractRecord, ContractStatus};
pub use credit_memo::CreditMemo;
pub use customer::{Customer, VaultId};
pub use dispute::{Dispute, DisputeStage};
pub use document::{DocumentId, DocumentKind, DocumentRef, NewDocument, OpenReceivable, Recorded};
pub use invoice::Invoice;
pub use journal::{JournalEntry, JournalLine, Side};
pub use payment::{Payment, PaymentDirection, PaymentEntry};
pub use sales_order::{LineItem, SalesOrder};

use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// Sums line totals plus extra amounts, all in `currency`; any mismatch or overflow is an error.
pub(crate) fn sum_in(
    currency: CurrencyCode,
    lines: &[LineItem],
    extras: &[Money],
) -> Result<Money, Error> {
    let mut total = Money::zero(currency);
    for line in lines {
        total = total.checked_add(line.total()?)?;
    }
    for extra in extras {
        total = total.checked_add(*extra)?;
    }
    Ok(total)
}

pub(crate) fn require_ref(external_ref: &str) -> Result<(), Error> {
    if external_ref.trim().is_empty() {
        Err(Error::InvalidDocument(
            "external_ref must not be empty".into(),
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn require_positive(what: &str, amount: Money) -> Result<(), Error> {
    if amount.minor > 0 {
        Ok(())
    } else {
        Err(Error::InvalidDocument(format!(
            "{what} must be positive, got {amount}"
        )))
    }
}

pub(crate) fn require_non_negative(what: &str, amount: Money) -> Result<(), Error> {
    if amount.minor >= 0 {
        Ok(())
    } else {
        Err(Error::InvalidDocument(format!(
            "{what} must not be negative, got {amount}"
        )))
    }
}

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::money::Money;

/// The kind of an ERP document.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A customer.
    Customer,
    /// A sales order.
    SalesOrder,
    /// An invoice.
    Invoice,
    /// A payment or refund payment.
    Payment,
    /// A credit memo.
    CreditMemo,
    /// A manual journal entry.
    JournalEntry,
    /// A dispute record.
    Dispute,
    /// A recurring contract ([`crate::Contract`]).
    Contract,
    /// An invoice's write-off ([`crate::WriteOff`]).
    WriteOff,
    /// A write-off's reversal ([`crate::WriteOffReversal`]).
    WriteOffReversal,
    /// An invoice's void ([`crate::InvoiceVoid`]).
    Void,
    /// A revenue recognition entry ([`crate::Recognition`]).
    Recognition,
}

impl DocumentKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Customer => "customer",
            DocumentKind::SalesOrder => "sales_order",
            DocumentKind::Invoice => "invoice",
            DocumentKind::Payment => "payment",
            DocumentKind::CreditMemo => "credit_memo",
            DocumentKind::JournalEntry => "journal_entry",
            DocumentKind::Dispute => "dispute",
            DocumentKind::Contract => "contract",
            DocumentKind::WriteOff => "write_off",
            DocumentKind::WriteOffReversal => "write_off_reversal",
            DocumentKind::Void => "void",
            DocumentKind::Recognition => "recognition",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "customer" => DocumentKind::Customer,
            "sales_order" => DocumentKind::SalesOrder,
            "invoice" => DocumentKind::Invoice,
            "payment" => DocumentKind::Payment,
            "credit_memo" => DocumentKind::CreditMemo,
            "journal_entry" => DocumentKind::JournalEntry,
            "dispute" => DocumentKind::Dispute,
            "contract" => DocumentKind::Contract,
            "write_off" => DocumentKind::WriteOff,
            "write_off_reversal" => DocumentKind::WriteOffReversal,
            "void" => DocumentKind::Void,
            "recognition" => DocumentKind::Recognition,
            _ => return None,
        })
    }
}

/// A document's id in the ERP backend (a row id in the ledger, a record id in Odoo).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct DocumentId(pub String);

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a document lives in the ERP.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Kind.
    pub kind: DocumentKind,
    /// Backend id.
    pub id: DocumentId,
    /// The external reference it was created with.
    pub external_ref: String,
}

/// The result of a create: the document, and whether this call created it (`false` when the
/// external reference already existed and the existing document was returned).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Recorded {
    /// The document.
    pub document: DocumentRef,
    /// `true` if created by this call.
    pub created: bool,
}

/// An invoice with an amount still to be paid.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OpenReceivable {
    /// The invoice.
    pub invoice: DocumentRef,
    /// The customer's external reference (Odoo: the partner's `ref`).
    pub customer_ref: String,
    /// Invoice date.
    #[serde(with = "crate::date::ymd")]
    pub invoice_date: Date,
    /// Due date.
    #[serde(with = "crate::date::ymd")]
    pub due_date: Date,
    /// Invoice total.
    pub total: Money,
    /// Amount still open.
    pub open: Money,
}

/// One document for [`Erp::record_all`](crate::Erp::record_all), borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum NewDocument<'a> {
    /// As [`Erp::upsert_customer`](crate::Erp::upsert_customer).
    Customer(&'a crate::Customer),
    /// As [`Erp::create_sales_order`](crate::Erp::create_sales_order).
    SalesOrder(&'a crate::SalesOrder),
    /// As [`Erp::create_invoice`](crate::Erp::create_invoice).
    Invoice(&'a crate::Invoice),
    /// As [`Erp::post_payment`](crate::Erp::post_payment).
    Payment(&'a crate::Payment),
    /// As [`Erp::create_credit_memo`](crate::Erp::create_credit_memo).
    CreditMemo(&'a crate::CreditMemo),
    /// As [`Erp::post_journal_entry`](crate::Erp::post_journal_entry).
    JournalEntry(&'a crate::JournalEntry),
}

//! Invoice and its line items.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::{
    Charge, Currency, Customer, Expandable, List, Metadata, PaymentIntent, Price, Subscription,
    lenient_enum,
};

/// An Invoice (`in_...`). Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invoice {
    /// Id (`in_...`; absent only on upcoming invoices, which this crate does not fetch).
    pub id: String,
    /// Amount due, in minor units.
    #[serde(default)]
    pub amount_due: i64,
    /// Amount paid, in minor units.
    #[serde(default)]
    pub amount_paid: i64,
    /// Amount remaining, in minor units.
    #[serde(default)]
    pub amount_remaining: i64,
    /// The latest charge for this invoice.
    #[serde(default)]
    pub charge: Option<Expandable<Charge>>,
    /// `charge_automatically` or `send_invoice`.
    #[serde(default)]
    pub collection_method: Option<String>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Currency of all amounts.
    pub currency: Currency,
    /// The invoiced customer.
    #[serde(default)]
    pub customer: Option<Expandable<Customer>>,
    /// Customer email at finalization.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// Due date (for `send_invoice`).
    #[serde(default, with = "ts::option")]
    pub due_date: Option<OffsetDateTime>,
    /// URL of the hosted invoice page.
    #[serde(default)]
    pub hosted_invoice_url: Option<String>,
    /// URL of the PDF.
    #[serde(default)]
    pub invoice_pdf: Option<String>,
    /// Line items (first page).
    #[serde(default)]
    pub lines: Option<List<InvoiceLineItem>>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
    /// Invoice number, assigned at finalization.
    #[serde(default)]
    pub number: Option<String>,
    /// Whether it is paid.
    #[serde(default)]
    pub paid: bool,
    /// The PaymentIntent collecting it.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Start of the usage period.
    #[serde(default, with = "ts::option")]
    pub period_start: Option<OffsetDateTime>,
    /// End of the usage period.
    #[serde(default, with = "ts::option")]
    pub period_end: Option<OffsetDateTime>,
    /// Status of the invoice.
    #[serde(default)]
    pub status: Option<InvoiceStatus>,
    /// The subscription it belongs to.
    #[serde(default)]
    pub subscription: Option<Expandable<Subscription>>,
    /// Total before discounts and taxes, in minor units.
    #[serde(default)]
    pub subtotal: i64,
    /// Tax, in minor units.
    #[serde(default)]
    pub tax: Option<i64>,
    /// Total after discounts and taxes, in minor units.
    #[serde(default)]
    pub total: i64,
}

lenient_enum! {
    /// Status of an Invoice.
    pub enum InvoiceStatus {
        Draft = "draft",
        Open = "open",
        Paid = "paid",
        Uncollectible = "uncollectible",
        Void = "void",
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLineItem {
    /// Id (`il_...`).
    pub id: String,
    /// Amount, in minor units.
    pub amount: i64,
    /// Currency of the amount.
    pub currency: Currency,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Period covered.
    #[serde(default)]
    pub period: Option<Period>,
    /// The price.
    #[serde(default)]
    pub price: Option<Price>,
    /// Quantity.
    #[serde(default)]
    pub quantity: Option<u64>,
}

/// A time range.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    /// Start.
    #[serde(with = "ts")]
    pub start: OffsetDateTime,
    /// End.
    #[serde(with = "ts")]
    pub end: OffsetDateTime,
}

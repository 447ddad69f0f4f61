//! CreditNote (`cn_...`) and its lines, in the shape of `2025-03-31.basil` and later.
//!
//! Basil replaced the credit note's single `refund` with a `refunds` list and its `tax_amounts`
//! with `total_taxes` (Stripe's official `fixtures3.json` of 2025-02-14 and 2025-03-25,
//! github.com/stripe/openapi); events rendered before Basil are read into this shape (see
//! [`crate::models`], "API versions"). Values of `type`, `status` and `reason` are those of
//! stripe-python 16.1.0 (`CreditNote`, API `2026-10-28.endive`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{metadata_or_null, present, ts};
use super::{
    Currency, Customer, DiscountAmount, Expandable, Invoice, InvoiceTotalTax, List, Metadata,
    Refund, lenient_enum,
};

/// A credit note (`cn_...`): money given back on a finalized invoice, as a refund, a credit to
/// the customer's balance, an amount settled outside Stripe, or a reduction of what is due.
/// Amounts are `i64` in the currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditNote {
    /// Id (`cn_...`).
    pub id: String,
    /// Number people see (`ABCD-1234-CN-01`).
    pub number: String,
    /// The invoice credited.
    pub invoice: Expandable<Invoice>,
    /// The customer.
    pub customer: Expandable<Customer>,
    /// Currency of all amounts.
    pub currency: Currency,
    /// Total credited, taxes and discounts included, in minor units.
    pub amount: i64,
    /// The part of `amount` that is shipping, in minor units.
    #[serde(default)]
    pub amount_shipping: i64,
    /// Lines before discounts and exclusive taxes, in minor units.
    pub subtotal: i64,
    /// [`subtotal`](Self::subtotal) without inclusive taxes; `None` when Stripe has not
    /// computed it.
    #[serde(default)]
    pub subtotal_excluding_tax: Option<i64>,
    /// Total after discounts and taxes, in minor units.
    pub total: i64,
    /// [`total`](Self::total) without taxes; `None` when Stripe has not computed it.
    #[serde(default)]
    pub total_excluding_tax: Option<i64>,
    /// Total of all discounts, in minor units.
    pub discount_amount: i64,
    /// The discounts, one entry per discount.
    pub discount_amounts: Vec<DiscountAmount>,
    /// The taxes, one entry per tax; `None` when Stripe sends `null`. Required: before Basil they
    /// were `tax_amounts`.
    #[serde(deserialize_with = "present")]
    pub total_taxes: Option<Vec<InvoiceTotalTax>>,
    /// The lines (first page).
    pub lines: List<CreditNoteLineItem>,
    /// Memo printed on the PDF.
    #[serde(default)]
    pub memo: Option<String>,
    /// Why it was issued.
    #[serde(default)]
    pub reason: Option<CreditNoteReason>,
    /// `issued` or `void`.
    pub status: CreditNoteStatus,
    /// Whether it was issued before or after the invoice was paid.
    #[serde(rename = "type")]
    pub note_type: CreditNoteType,
    /// The part credited outside Stripe (cash, cheque), in minor units.
    #[serde(default)]
    pub out_of_band_amount: Option<i64>,
    /// The part credited before payment (reducing what is due), in minor units; rendered since
    /// 2026 (absent from the official fixtures of 2025-03-25).
    #[serde(default)]
    pub pre_payment_amount: Option<i64>,
    /// The part credited after payment, in minor units; rendered since 2026.
    #[serde(default)]
    pub post_payment_amount: Option<i64>,
    /// The customer balance transaction that credited the balance, if any (`cbtxn_...`).
    #[serde(default)]
    pub customer_balance_transaction: Option<Expandable<serde_json::Value>>,
    /// The refunds that pay this credit note back. Required: before Basil there was one
    /// `refund`.
    pub refunds: Vec<CreditNoteRefund>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// When it takes effect (the date printed on the PDF; the same as `created` unless set).
    #[serde(default, with = "ts::option")]
    pub effective_at: Option<OffsetDateTime>,
    /// When it was voided.
    #[serde(default, with = "ts::option")]
    pub voided_at: Option<OffsetDateTime>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
}

impl CreditNote {
    /// The total refunded through [`refunds`](Self::refunds), in minor units; `None` when an
    /// entry does not say its amount (one read from an event rendered before Basil).
    pub fn amount_refunded(&self) -> Option<i64> {
        self.refunds
            .iter()
            .try_fold(0_i64, |sum, r| sum.checked_add(r.amount_refunded?))
    }
}

lenient_enum! {
    /// Why a credit note was issued.
    pub enum CreditNoteReason {
        Duplicate = "duplicate",
        Fraudulent = "fraudulent",
        OrderChange = "order_change",
        ProductUnsatisfactory = "product_unsatisfactory",
    }
}

lenient_enum! {
    /// Status of a credit note.
    pub enum CreditNoteStatus {
        Issued = "issued",
        Void = "void",
    }
}

lenient_enum! {
    /// When a credit note was issued relative to the invoice's payment: `pre_payment` (invoice
    /// open), `post_payment` (invoice paid), `mixed` (both parts).
    pub enum CreditNoteType {
        Mixed = "mixed",
        PostPayment = "post_payment",
        PrePayment = "pre_payment",
    }
}

/// One refund that pays back (part of) a credit note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditNoteRefund {
    /// The part of the refund that applies to this credit note, in minor units; `None` on the
    /// entry read from before Basil, whose credit note named the refund without its amount.
    #[serde(default)]
    pub amount_refunded: Option<i64>,
    /// The refund (`re_...`); `None` for a refund recorded on a payment record.
    #[serde(default)]
    pub refund: Option<Expandable<Refund>>,
    /// `refund` or `payment_record_refund` (`null` in Stripe's official fixture).
    #[serde(rename = "type", default)]
    pub refund_type: Option<String>,
}

lenient_enum! {
    /// What a credit note line credits.
    pub enum CreditNoteLineItemType {
        CustomLineItem = "custom_line_item",
        InvoiceLineItem = "invoice_line_item",
    }
}

/// One line of a credit note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditNoteLineItem {
    /// Id (`cnli_...`).
    pub id: String,
    /// Amount credited, before discounts and exclusive taxes, in minor units.
    pub amount: i64,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Total of the line's discounts, in minor units.
    pub discount_amount: i64,
    /// The line's discounts, one entry per discount.
    pub discount_amounts: Vec<DiscountAmount>,
    /// The invoice line credited (`il_...`), for a line of type `invoice_line_item`.
    #[serde(default)]
    pub invoice_line_item: Option<String>,
    /// Quantity credited.
    #[serde(default)]
    pub quantity: Option<u64>,
    /// What the line credits.
    #[serde(rename = "type")]
    pub line_type: CreditNoteLineItemType,
    /// Unit amount of a custom line, in minor units.
    #[serde(default)]
    pub unit_amount: Option<i64>,
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
}

//! Invoice, its payments and its line items, in the shape of `2025-03-31.basil` and later.
//!
//! Versions before Basil rendered `paid`, `subscription`, `payment_intent`, `charge` and `tax`
//! on the invoice and `price` on each line; events rendered in those versions are read into
//! this same shape (see [`crate::models`], "API versions").

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{decimal_opt, metadata_or_null, present, ts, vec_or_null};
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
    /// Amount remaining (`amount_due - amount_paid`), in minor units.
    #[serde(default)]
    pub amount_remaining: i64,
    /// Number of payment attempts made so far (Stripe's automatic retries included).
    pub attempt_count: u32,
    /// Why the invoice was created (`subscription_cycle`, `manual`, ...).
    #[serde(default)]
    pub billing_reason: Option<InvoiceBillingReason>,
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
    /// The discounts applied to the invoice (ids `di_...`, or the objects when expanded, kept
    /// raw; `null` before Basil reads as none). Line-level discounts are on each line.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub discounts: Vec<Expandable<serde_json::Value>>,
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
    /// Your key/value pairs (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
    /// When Stripe will next try to collect payment (`charge_automatically` only); `None` when
    /// no attempt is scheduled.
    #[serde(default, with = "ts::option")]
    pub next_payment_attempt: Option<OffsetDateTime>,
    /// Invoice number, assigned at finalization.
    #[serde(default)]
    pub number: Option<String>,
    /// What generated the invoice (a subscription or a quote); `None` for a one-off invoice.
    /// Required: before Basil the subscription was a top-level field, and an invoice without
    /// `parent` is not in the shape this type reads.
    #[serde(deserialize_with = "present")]
    pub parent: Option<InvoiceParent>,
    /// The payments of the invoice. Stripe includes them only when asked
    /// (`expand[]=payments`); an event rendered before Basil carries its PaymentIntent or
    /// charge here as one entry without an id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payments: Option<List<InvoicePayment>>,
    /// Start of the usage period.
    #[serde(default, with = "ts::option")]
    pub period_start: Option<OffsetDateTime>,
    /// End of the usage period.
    #[serde(default, with = "ts::option")]
    pub period_end: Option<OffsetDateTime>,
    /// Status of the invoice.
    #[serde(default)]
    pub status: Option<InvoiceStatus>,
    /// When the status last changed to each value.
    pub status_transitions: InvoiceStatusTransitions,
    /// Total of all lines before invoice-level discounts and exclusive taxes, in minor units.
    pub subtotal: i64,
    /// [`subtotal`](Self::subtotal) without inclusive taxes; `None` when Stripe has not computed
    /// it.
    #[serde(default)]
    pub subtotal_excluding_tax: Option<i64>,
    /// Total after discounts and taxes, in minor units.
    pub total: i64,
    /// The discounts in `total`, one entry per discount; `None` when Stripe sends `null`.
    #[serde(default)]
    pub total_discount_amounts: Option<Vec<DiscountAmount>>,
    /// [`total`](Self::total) without taxes, in minor units; `None` when Stripe has not computed
    /// it.
    #[serde(default)]
    pub total_excluding_tax: Option<i64>,
    /// The taxes in `total`, one entry per tax (replaces the former top-level `tax`).
    #[serde(default)]
    pub total_taxes: Option<Vec<InvoiceTotalTax>>,
}

impl Invoice {
    /// Whether the invoice is paid: its status is `paid`. Basil removed the `paid` field and
    /// Stripe's changelog points to `status` instead (docs.stripe.com/changelog/basil/2025-03-31,
    /// "Adds support for multiple (partial) payments on invoices"); an invoice marked paid out of
    /// band has that status too.
    pub fn is_paid(&self) -> bool {
        self.status == Some(InvoiceStatus::Paid)
    }

    /// The subscription that generated the invoice (`parent.subscription_details.subscription`
    /// of a parent of type `subscription_details`; the top-level `subscription` before Basil).
    pub fn subscription(&self) -> Option<&Expandable<Subscription>> {
        let parent = self.parent.as_ref()?;
        if parent.parent_type != "subscription_details" {
            return None;
        }
        parent
            .subscription_details
            .as_ref()
            .map(|d| &d.subscription)
    }
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

lenient_enum! {
    /// Why an invoice was created (stripe-python 16.1.0, `Invoice.billing_reason`).
    pub enum InvoiceBillingReason {
        AutomaticPendingInvoiceItemInvoice = "automatic_pending_invoice_item_invoice",
        Manual = "manual",
        QuoteAccept = "quote_accept",
        Subscription = "subscription",
        SubscriptionCreate = "subscription_create",
        SubscriptionCycle = "subscription_cycle",
        SubscriptionThreshold = "subscription_threshold",
        SubscriptionUpdate = "subscription_update",
        Upcoming = "upcoming",
    }
}

/// When an invoice's status last changed to each value; `None` for a status it never had.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InvoiceStatusTransitions {
    /// When it was finalized (left `draft`).
    #[serde(default, with = "ts::option")]
    pub finalized_at: Option<OffsetDateTime>,
    /// When it was marked uncollectible.
    #[serde(default, with = "ts::option")]
    pub marked_uncollectible_at: Option<OffsetDateTime>,
    /// When it was paid.
    #[serde(default, with = "ts::option")]
    pub paid_at: Option<OffsetDateTime>,
    /// When it was voided.
    #[serde(default, with = "ts::option")]
    pub voided_at: Option<OffsetDateTime>,
}

/// The amount one discount took off an invoice, a line, or a credit note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscountAmount {
    /// Amount taken off, in minor units.
    pub amount: i64,
    /// The discount (`di_...`, or the object when expanded, kept raw).
    pub discount: Expandable<serde_json::Value>,
}

/// What generated an invoice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceParent {
    /// `subscription_details` or `quote_details`.
    #[serde(rename = "type")]
    pub parent_type: String,
    /// The subscription, when a subscription generated the invoice.
    #[serde(default)]
    pub subscription_details: Option<InvoiceSubscriptionDetails>,
    /// The quote, when a quote generated the invoice.
    #[serde(default)]
    pub quote_details: Option<InvoiceQuoteDetails>,
}

/// The subscription behind an invoice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceSubscriptionDetails {
    /// The subscription.
    pub subscription: Expandable<Subscription>,
    /// The subscription's metadata when the invoice was finalized (`null` reads as empty).
    #[serde(default, deserialize_with = "metadata_or_null")]
    pub metadata: Metadata,
}

/// The quote behind an invoice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceQuoteDetails {
    /// Id of the quote (`qt_...`).
    pub quote: String,
}

/// One payment of an invoice (an `invoice_payment`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoicePayment {
    /// Id (`inpay_...`); `None` on the entry read from an invoice rendered before Basil, which
    /// named its PaymentIntent or charge without an invoice payment object.
    #[serde(default)]
    pub id: Option<String>,
    /// Amount paid toward the invoice, in minor units; `None` until paid (and on an entry read
    /// from before Basil).
    #[serde(default)]
    pub amount_paid: Option<i64>,
    /// Whether this is the payment Stripe created when finalizing the invoice.
    #[serde(default)]
    pub is_default: bool,
    /// The PaymentIntent or charge.
    pub payment: InvoicePaymentTarget,
    /// `open`, `paid` or `canceled`; `None` on an entry read from before Basil.
    #[serde(default)]
    pub status: Option<String>,
}

/// The object an invoice payment points to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoicePaymentTarget {
    /// `payment_intent`, `charge` or `payment_record`.
    #[serde(rename = "type")]
    pub payment_type: String,
    /// The PaymentIntent, when `payment_type` is `payment_intent`.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The charge, when `payment_type` is `charge` (a charge without a PaymentIntent).
    #[serde(default)]
    pub charge: Option<Expandable<Charge>>,
}

/// One tax of an invoice's total, of an invoice line or of a credit note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceTotalTax {
    /// Tax amount, in minor units.
    pub amount: i64,
    /// `inclusive` or `exclusive`.
    #[serde(default)]
    pub tax_behavior: Option<String>,
    /// The amount the tax applies to, in minor units.
    #[serde(default)]
    pub taxable_amount: Option<i64>,
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
    /// The discounts on this line, one entry per discount; `None` when Stripe sends `null`.
    #[serde(default)]
    pub discount_amounts: Option<Vec<DiscountAmount>>,
    /// What generated the line: a subscription item or an invoice item; `None` for neither.
    /// Required: before Basil the line carried `type`, `proration`, `subscription_item` and
    /// `invoice_item` itself.
    #[serde(deserialize_with = "present")]
    pub parent: Option<InvoiceLineParent>,
    /// Period covered.
    #[serde(default)]
    pub period: Option<Period>,
    /// How the line was priced; `None` when no price applies. Required: before Basil the line
    /// carried `price` instead.
    #[serde(deserialize_with = "present")]
    pub pricing: Option<InvoiceLinePricing>,
    /// Quantity.
    #[serde(default)]
    pub quantity: Option<u64>,
    /// The line's taxes, each with its amount and whether `amount` includes it
    /// (`tax_behavior`), in the shape of the invoice's `total_taxes`
    /// (<https://docs.stripe.com/api/invoice-line-item/object#invoice_line_item_object-taxes>);
    /// `None` when Stripe sends `null`. A legacy line's `tax_amounts` are moved here.
    #[serde(default)]
    pub taxes: Option<Vec<InvoiceTotalTax>>,
}

impl InvoiceLineItem {
    /// Whether the line is a proration: the `proration` flag of the details its parent's type
    /// names (a line without parent is not).
    pub fn is_proration(&self) -> bool {
        self.parent
            .as_ref()
            .is_some_and(|p| match p.parent_type.as_str() {
                "subscription_item_details" => p
                    .subscription_item_details
                    .as_ref()
                    .is_some_and(|d| d.proration),
                "invoice_item_details" => {
                    p.invoice_item_details.as_ref().is_some_and(|d| d.proration)
                }
                _ => false,
            })
    }

    /// The subscription item (`si_...`) that generated the line, if one did.
    pub fn subscription_item(&self) -> Option<&str> {
        let parent = self.parent.as_ref()?;
        if parent.parent_type != "subscription_item_details" {
            return None;
        }
        parent
            .subscription_item_details
            .as_ref()
            .map(|d| d.subscription_item.as_str())
    }
}

/// What generated an invoice line (`parent` of a line, Basil and later).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLineParent {
    /// `subscription_item_details` or `invoice_item_details`.
    #[serde(rename = "type")]
    pub parent_type: String,
    /// The subscription item, when `parent_type` is `subscription_item_details`.
    #[serde(default)]
    pub subscription_item_details: Option<InvoiceLineSubscriptionItemDetails>,
    /// The invoice item, when `parent_type` is `invoice_item_details`.
    #[serde(default)]
    pub invoice_item_details: Option<InvoiceLineInvoiceItemDetails>,
}

/// The subscription item behind an invoice line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLineSubscriptionItemDetails {
    /// The subscription item (`si_...`).
    pub subscription_item: String,
    /// The subscription, if any.
    #[serde(default)]
    pub subscription: Option<String>,
    /// The invoice item of a proration, if any (`ii_...`).
    #[serde(default)]
    pub invoice_item: Option<String>,
    /// Whether the line is a proration.
    pub proration: bool,
}

/// The invoice item behind an invoice line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLineInvoiceItemDetails {
    /// The invoice item (`ii_...`).
    pub invoice_item: String,
    /// The subscription the invoice item belongs to, if any.
    #[serde(default)]
    pub subscription: Option<String>,
    /// Whether the line is a proration.
    pub proration: bool,
}

/// How an invoice line was priced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLinePricing {
    /// `price_details`.
    #[serde(rename = "type")]
    pub pricing_type: String,
    /// The price, when `pricing_type` is `price_details`.
    #[serde(default)]
    pub price_details: Option<InvoiceLinePriceDetails>,
    /// Unit amount in minor units with up to 12 decimals.
    #[serde(default, with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub unit_amount_decimal: Option<Decimal>,
}

/// The price of an invoice line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceLinePriceDetails {
    /// The price (an id, or the object when expanded; always the object on a line read from
    /// before Basil, which embedded it).
    pub price: Expandable<Price>,
    /// Id of the product.
    pub product: String,
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

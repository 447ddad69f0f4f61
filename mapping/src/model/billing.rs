//! Billing documents: the invoices a subscription (or a person) raises, and the credit notes
//! that give part of one back.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{CreditNoteStatus, Currency, ExternalIds, InvoiceStatus, Money, ServicePeriod};

canonical_enum! {
    /// Why an invoice was raised.
    BillingReason {
        /// The first invoice of a new subscription.
        SubscriptionCreate => "subscription_create",
        /// A subscription moved into a new period.
        SubscriptionCycle => "subscription_cycle",
        /// A subscription changed (prorations invoiced at once).
        SubscriptionUpdate => "subscription_update",
        /// Raised by hand, unrelated to a subscription.
        Manual => "manual",
    }
}

canonical_enum! {
    /// Why a credit note was issued.
    CreditNoteReason {
        /// The invoice was a duplicate.
        Duplicate => "duplicate",
        /// The invoice was fraudulent.
        Fraudulent => "fraudulent",
        /// The order changed.
        OrderChange => "order_change",
        /// The customer was not satisfied with the product.
        ProductUnsatisfactory => "product_unsatisfactory",
    }
}

/// One line of a billing invoice. Amounts are in the invoice's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingLine {
    /// The line's id (Stripe `il_...`).
    pub id: String,
    /// What is billed, as printed.
    pub description: Option<String>,
    /// The line's amount as the provider gives it (Stripe's line `amount`); negative for a
    /// proration credit. Its discounts are in [`discount`](Self::discount).
    pub amount: Money,
    /// Units billed.
    pub quantity: Option<u64>,
    /// The service period billed.
    pub period: ServicePeriod,
    /// Whether the line prorates a change of the subscription.
    pub proration: bool,
    /// The price billed (Stripe `price_...`), when the line has one.
    pub price_id: Option<String>,
    /// The product billed (Stripe `prod_...`), when the line has a price.
    pub product_id: Option<String>,
    /// The subscription item billed (Stripe `si_...`), for a subscription line.
    pub subscription_item_id: Option<String>,
    /// The discounts taken off this line.
    pub discount: Money,
    /// The taxes included in [`amount`](Self::amount) (prices with tax included); taxes added
    /// on top are in the invoice's [`tax_total`](BillingInvoice::tax_total) only.
    pub inclusive_tax: Money,
}

/// A payment that settled (part of) an invoice: a PaymentIntent and its charge, or a charge
/// without PaymentIntent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSettlement {
    /// The PaymentIntent (`pi_...`), when the payment is one.
    pub payment_intent_id: Option<String>,
    /// The charge (`ch_...`): the payment itself, or the PaymentIntent's latest charge when the
    /// PaymentIntent was expanded.
    pub charge_id: Option<String>,
    /// What it paid toward the invoice; `None` while it is not paid (and when the provider did
    /// not say).
    pub amount_paid: Option<Money>,
}

/// An invoice raised by the billing system (a subscription's invoice, or a one-off one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingInvoice {
    /// The invoice's ids (the Stripe `in_...`).
    pub ids: ExternalIds,
    /// The number people see, given at finalization.
    pub number: Option<String>,
    /// The subscription that raised it (Stripe `sub_...`), if one did.
    pub subscription_id: Option<String>,
    /// The customer's ids in every system known.
    pub customer: ExternalIds,
    /// Currency of every amount.
    pub currency: Currency,
    /// Every line.
    pub lines: Vec<BillingLine>,
    /// The lines before invoice-level discounts and exclusive taxes. At Stripe, "item
    /// discounts are already incorporated" (stripe-python 16.1.0, `Invoice.subtotal`).
    pub subtotal: Money,
    /// Every discount of the invoice, per discount across all lines (Stripe's
    /// `total_discount_amounts`), line-level ones included.
    pub discount_total: Money,
    /// All taxes of the invoice, inclusive and exclusive.
    pub tax_total: Money,
    /// What the invoice comes to, discounts and taxes included.
    pub total: Money,
    /// What is due.
    pub amount_due: Money,
    /// What has been paid.
    pub amount_paid: Money,
    /// What is still due.
    pub amount_remaining: Money,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// Why it was raised.
    pub billing_reason: BillingReason,
    /// Payment attempts made so far.
    pub attempt_count: u32,
    /// When payment will be tried next, if a retry is scheduled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_payment_attempt: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// When it was finalized.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finalized_at: Option<OffsetDateTime>,
    /// When it was paid.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    /// When it was voided.
    #[serde(with = "time::serde::rfc3339::option")]
    pub voided_at: Option<OffsetDateTime>,
    /// When it was marked uncollectible.
    #[serde(with = "time::serde::rfc3339::option")]
    pub marked_uncollectible_at: Option<OffsetDateTime>,
    /// The payments made toward it; `None` when the provider did not include them (Stripe
    /// includes them only when asked: `expand[]=payments`).
    pub settlements: Option<Vec<InvoiceSettlement>>,
}

/// One line of a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCreditNoteLine {
    /// The line's id (Stripe `cnli_...`).
    pub id: String,
    /// The invoice line it credits (Stripe `il_...`); `None` for a custom line.
    pub invoice_line_id: Option<String>,
    /// What is credited, as printed.
    pub description: Option<String>,
    /// Units credited.
    pub quantity: Option<u64>,
    /// The amount credited before discounts and exclusive taxes.
    pub amount: Money,
    /// The discounts of the credited amount.
    pub discount: Money,
}

/// One refund paying back (part of) a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingRefund {
    /// The refund (Stripe `re_...`); `None` for one the provider recorded without a refund of
    /// its own (a Stripe payment record refund).
    pub id: Option<String>,
    /// The part of the refund applied to this credit note; `None` when the provider did not say
    /// (a Stripe credit note rendered before `2025-03-31.basil`). One refund can pay several
    /// credit notes.
    pub amount: Option<Money>,
}

/// A credit note: part or all of an invoice given back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCreditNote {
    /// The credit note's ids (the Stripe `cn_...`).
    pub ids: ExternalIds,
    /// The number people see.
    pub number: String,
    /// The invoice credited (Stripe `in_...`).
    pub invoice_id: String,
    /// The customer's ids in every system known.
    pub customer: ExternalIds,
    /// Currency of every amount.
    pub currency: Currency,
    /// The lines credited.
    pub lines: Vec<BillingCreditNoteLine>,
    /// Sum of the lines before discounts and exclusive taxes.
    pub subtotal: Money,
    /// Discounts of the credited amount.
    pub discount_total: Money,
    /// Taxes of the credited amount, inclusive and exclusive.
    pub tax_total: Money,
    /// What is credited in all, discounts and taxes included.
    pub total: Money,
    /// The part refunded to the customer's payment; `None` when the provider did not say how
    /// much (a Stripe credit note rendered before `2025-03-31.basil` names its refund only).
    pub refunded: Option<Money>,
    /// The refunds that pay it back, each with the part applied to this credit note.
    pub refunds: Vec<BillingRefund>,
    /// The part settled outside the payment system (cash, cheque).
    pub out_of_band: Money,
    /// The part that reduced what was still due on the invoice (issued before payment); `None`
    /// when the provider did not say.
    pub pre_payment: Option<Money>,
    /// The part issued after payment (refunded, credited to the customer's balance, or settled
    /// out of band); `None` when the provider did not say.
    pub post_payment: Option<Money>,
    /// The part credited to the customer's balance for later invoices: `post_payment` less
    /// `refunded` and `out_of_band`; `None` when either is unknown.
    pub credited_to_balance: Option<Money>,
    /// Why it was issued; `None` when no reason was given.
    pub reason: Option<CreditNoteReason>,
    /// Where it stands.
    pub status: CreditNoteStatus,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// When it takes effect (the date printed on it).
    #[serde(with = "time::serde::rfc3339::option")]
    pub effective_at: Option<OffsetDateTime>,
    /// When it was voided.
    #[serde(with = "time::serde::rfc3339::option")]
    pub voided_at: Option<OffsetDateTime>,
}

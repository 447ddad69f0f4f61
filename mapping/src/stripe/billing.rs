//! Stripe Billing objects into canonical ones: Subscription into [`Subscription`], Invoice into
//! [`BillingInvoice`], CreditNote into [`BillingCreditNote`].
//!
//! ```no_run
//! # fn run(invoice: &stripe_client::Invoice) -> Result<(), mapping::MappingError> {
//! let invoice = mapping::BillingInvoice::try_from(invoice)?;
//! for line in invoice.lines.iter().filter(|l| l.proration) {
//!     println!("{} {} {:?}", line.id, line.amount, line.subscription_item_id);
//! }
//! # Ok(()) }
//! ```
//!
//! The objects are read in the shape of `2025-03-31.basil` and later, the shape of
//! `stripe-client`'s models (events rendered earlier are moved into it by that crate). Field by
//! field:
//!
//! | canonical | Stripe |
//! |---|---|
//! | `Subscription.customer` | `customer` + the ids kept in the subscription's metadata, then the expanded customer's (`magento_customer_id`, ... see [`customer_id_key`]) |
//! | `SubscriptionItem.current_period` | item `current_period_start`/`_end` (Basil moved them from the subscription) |
//! | `SubscriptionItem.interval` | item `price.recurring.interval`/`interval_count` |
//! | `BillingInvoice.subscription_id` | `parent.subscription_details.subscription` |
//! | `BillingInvoice.customer` | `customer` + ids in `parent.subscription_details.metadata`, then in the expanded customer |
//! | `BillingLine.proration`, `subscription_item_id` | line `parent.subscription_item_details` / `invoice_item_details` |
//! | `BillingLine.price_id`, `product_id` | line `pricing.price_details` |
//! | `BillingLine.discount` | sum of line `discount_amounts` (`null`: none) |
//! | `BillingLine.inclusive_tax` | sum of line `taxes` whose `tax_behavior` is `inclusive` (`null`: none) |
//! | `BillingInvoice.discount_total` | sum of `total_discount_amounts` (`null`: none) |
//! | `BillingInvoice.tax_total` | sum of `total_taxes` (`null`: none) |
//! | `BillingInvoice.finalized_at` ... | `status_transitions.*` |
//! | `BillingInvoice.settlements` | `payments.data[].payment` (`null` when not expanded) |
//! | `BillingCreditNote.refunded` | sum of `refunds[].amount_refunded` |
//! | `BillingCreditNote.refunds` | `refunds[].refund` (its id) and `amount_refunded` |
//! | `BillingCreditNote.credited_to_balance` | `post_payment_amount - refunded - out_of_band_amount` |
//!
//! Stripe's spec marks `total_discount_amounts`, `total_taxes`, a line's `discount_amounts`
//! and a credit note's `out_of_band_amount` nullable, and its official fixtures send
//! `total_taxes: null` and `out_of_band_amount: null` where there is none: `null` is read as
//! none (zero). Fields that are required are never defaulted: an invoice without `status`,
//! `customer` or `lines`, a line without `period`, a subscription item without `price`,
//! `price.product` or `price.recurring`, a subscription whose `cancel_at_period_end` is `null`,
//! each is a [`MappingError::MissingField`] naming the path (`invoice.lines.data[2].period`).
//! An invoice whose `lines` list says `has_more` is refused too: its lines would be incomplete
//! (read them all with `GET /v1/invoices/{id}/lines` and set them on the invoice first).
//!
//! `credited_to_balance` follows Stripe's rule for credit notes on paid invoices: the refunded,
//! credited and out-of-band amounts add up to the post-payment part
//! (docs.stripe.com/api/credit_notes/create, `refund_amount`/`credit_amount`/
//! `out_of_band_amount`); it is derived here, not read, and was not checked against live Stripe.

use ::stripe_client as wire;

use super::inbound::currency;
use super::{CUSTOMER_ID_SYSTEMS, customer_id_key};
use crate::amount::stripe::from_stripe_amount;
use crate::status::stripe as status;
use crate::text::non_blank_owned as non_empty;
use crate::{
    BillingCreditNote, BillingCreditNoteLine, BillingInterval, BillingInvoice, BillingLine,
    BillingReason, BillingRefund, CreditNoteReason, Currency, ExternalIds, IntervalUnit,
    InvoiceSettlement, MappingError, Money, ServicePeriod, Subscription, SubscriptionItem, System,
};

fn missing(field: &str) -> MappingError {
    MappingError::MissingField {
        field: field.to_owned(),
    }
}

/// The customer's ids: Stripe's own, plus those kept in the first metadata that has one for
/// each system.
fn customer_ids(stripe_id: &str, metadata: &[Option<&wire::Metadata>]) -> ExternalIds {
    let mut ids = ExternalIds::new().with(System::Stripe, stripe_id);
    for system in CUSTOMER_ID_SYSTEMS {
        let Some(key) = customer_id_key(system) else {
            continue;
        };
        let id = metadata
            .iter()
            .flatten()
            .find_map(|m| non_empty(m.get(key).map(String::as_str)));
        if let Some(id) = id {
            ids.set(system, id);
        }
    }
    ids
}

/// The id of an expandable field kept raw (a product, a discount).
fn raw_id(value: &wire::Expandable<serde_json::Value>) -> Option<&str> {
    match value {
        wire::Expandable::Id(id) => Some(id),
        wire::Expandable::Object(object) => object.get("id").and_then(serde_json::Value::as_str),
    }
}

/// The sum of Stripe amounts in `currency`, each named `field[i].amount`.
fn sum<'a>(
    amounts: impl IntoIterator<Item = &'a i64>,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    let parts = amounts
        .into_iter()
        .enumerate()
        .map(|(i, a)| from_stripe_amount(*a, currency, &format!("{field}[{i}].amount")))
        .collect::<Result<Vec<_>, _>>()?;
    Money::sum(currency, parts).map_err(|e| e.at(field))
}

// ---- subscriptions -------------------------------------------------------------------------

/// A Stripe subscription as a canonical one. Errors are paths under `subscription`.
impl TryFrom<&wire::Subscription> for Subscription {
    type Error = MappingError;

    fn try_from(sub: &wire::Subscription) -> Result<Self, Self::Error> {
        subscription(sub).map_err(|e| e.at("subscription"))
    }
}

fn subscription(sub: &wire::Subscription) -> Result<Subscription, MappingError> {
    let cur = currency(&sub.currency, "currency")?;
    let items = sub
        .items
        .data
        .iter()
        .enumerate()
        .map(|(i, item)| {
            subscription_item(item, cur).map_err(|e| e.at(&format!("items.data[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let current_period = sub.current_period().map(|p| ServicePeriod {
        start: p.start,
        end: p.end,
    });
    let customer_metadata = sub.customer.as_object().map(|c| &c.metadata);
    Ok(Subscription {
        ids: ExternalIds::new().with(System::Stripe, &sub.id),
        customer: customer_ids(sub.customer.id(), &[Some(&sub.metadata), customer_metadata]),
        currency: cur,
        status: status::subscription_status(sub.status.as_str()),
        items,
        current_period,
        trial_start: sub.trial_start,
        trial_end: sub.trial_end,
        cancel_at_period_end: sub
            .cancel_at_period_end
            .ok_or_else(|| missing("cancel_at_period_end"))?,
        cancel_at: sub.cancel_at,
        canceled_at: sub.canceled_at,
        ended_at: sub.ended_at,
        created: sub.created,
    })
}

fn subscription_item(
    item: &wire::SubscriptionItem,
    cur: Currency,
) -> Result<SubscriptionItem, MappingError> {
    let price = item.price.as_ref().ok_or_else(|| missing("price"))?;
    let product_id = price
        .product
        .as_ref()
        .and_then(raw_id)
        .ok_or_else(|| missing("price.product"))?;
    let recurring = price
        .recurring
        .as_ref()
        .ok_or_else(|| missing("price.recurring"))?;
    if recurring.interval_count == 0 {
        return Err(MappingError::InvalidValue {
            field: "price.recurring.interval_count".to_owned(),
            value: "0".to_owned(),
            expected: "interval count of at least 1",
        });
    }
    let price_currency = currency(&price.currency, "price.currency")?;
    if price_currency != cur {
        return Err(MappingError::CurrencyMismatch {
            field: "price.currency".to_owned(),
            left: cur.code().to_owned(),
            right: price_currency.code().to_owned(),
        });
    }
    let unit_amount = price
        .unit_amount
        .map(|a| from_stripe_amount(a, cur, "price.unit_amount"))
        .transpose()?;
    Ok(SubscriptionItem {
        id: item.id.clone(),
        price_id: price.id.clone(),
        product_id: product_id.to_owned(),
        unit_amount,
        quantity: item.quantity,
        interval: BillingInterval {
            unit: IntervalUnit::parse(&recurring.interval),
            count: recurring.interval_count,
        },
        current_period: ServicePeriod {
            start: item.current_period_start,
            end: item.current_period_end,
        },
    })
}

// ---- invoices ------------------------------------------------------------------------------

/// Why a Stripe invoice was raised. Stripe's other reasons (`subscription_threshold`,
/// `quote_accept`, ...) are kept raw as `Unknown`.
pub fn billing_reason(reason: &wire::InvoiceBillingReason) -> BillingReason {
    BillingReason::parse(reason.as_str())
}

/// A Stripe invoice as a canonical one. Errors are paths under `invoice`.
impl TryFrom<&wire::Invoice> for BillingInvoice {
    type Error = MappingError;

    fn try_from(invoice: &wire::Invoice) -> Result<Self, Self::Error> {
        billing_invoice(invoice).map_err(|e| e.at("invoice"))
    }
}

fn billing_invoice(inv: &wire::Invoice) -> Result<BillingInvoice, MappingError> {
    let cur = currency(&inv.currency, "currency")?;
    let amount = |value: i64, field: &str| from_stripe_amount(value, cur, field);
    let status = inv.status.as_ref().ok_or_else(|| missing("status"))?;
    let customer = inv.customer.as_ref().ok_or_else(|| missing("customer"))?;
    let reason = inv
        .billing_reason
        .as_ref()
        .ok_or_else(|| missing("billing_reason"))?;
    let lines = inv.lines.as_ref().ok_or_else(|| missing("lines"))?;
    if lines.has_more {
        return Err(MappingError::InvalidValue {
            field: "lines.has_more".to_owned(),
            value: "true".to_owned(),
            expected: "invoice with all its lines (GET /v1/invoices/{id}/lines)",
        });
    }
    let lines = lines
        .data
        .iter()
        .enumerate()
        .map(|(i, line)| billing_line(line, cur).map_err(|e| e.at(&format!("lines.data[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    let subscription_details = inv
        .parent
        .as_ref()
        .filter(|p| p.parent_type == "subscription_details")
        .and_then(|p| p.subscription_details.as_ref());
    let customer_metadata = customer.as_object().map(|c| &c.metadata);
    let settlements = inv
        .payments
        .as_ref()
        .map(|payments| {
            payments
                .data
                .iter()
                .enumerate()
                .map(|(i, p)| settlement(p, cur).map_err(|e| e.at(&format!("payments.data[{i}]"))))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let transitions = &inv.status_transitions;
    Ok(BillingInvoice {
        ids: ExternalIds::new().with(System::Stripe, &inv.id),
        number: non_empty(inv.number.as_deref()),
        subscription_id: inv.subscription().map(|s| s.id().to_owned()),
        customer: customer_ids(
            customer.id(),
            &[subscription_details.map(|d| &d.metadata), customer_metadata],
        ),
        currency: cur,
        lines,
        subtotal: amount(inv.subtotal, "subtotal")?,
        discount_total: sum(
            inv.total_discount_amounts
                .iter()
                .flatten()
                .map(|d| &d.amount),
            cur,
            "total_discount_amounts",
        )?,
        tax_total: sum(
            inv.total_taxes.iter().flatten().map(|t| &t.amount),
            cur,
            "total_taxes",
        )?,
        total: amount(inv.total, "total")?,
        amount_due: amount(inv.amount_due, "amount_due")?,
        amount_paid: amount(inv.amount_paid, "amount_paid")?,
        amount_remaining: amount(inv.amount_remaining, "amount_remaining")?,
        status: status::invoice_status(status.as_str()),
        billing_reason: billing_reason(reason),
        attempt_count: inv.attempt_count,
        next_payment_attempt: inv.next_payment_attempt,
        created: inv.created,
        finalized_at: transitions.finalized_at,
        paid_at: transitions.paid_at,
        voided_at: transitions.voided_at,
        marked_uncollectible_at: transitions.marked_uncollectible_at,
        settlements,
    })
}

fn billing_line(line: &wire::InvoiceLineItem, cur: Currency) -> Result<BillingLine, MappingError> {
    let line_currency = currency(&line.currency, "currency")?;
    if line_currency != cur {
        return Err(MappingError::CurrencyMismatch {
            field: "currency".to_owned(),
            left: cur.code().to_owned(),
            right: line_currency.code().to_owned(),
        });
    }
    let period = line.period.as_ref().ok_or_else(|| missing("period"))?;
    let price = line.pricing.as_ref().and_then(|p| p.price_details.as_ref());
    Ok(BillingLine {
        id: line.id.clone(),
        description: non_empty(line.description.as_deref()),
        amount: from_stripe_amount(line.amount, cur, "amount")?,
        quantity: line.quantity,
        period: ServicePeriod {
            start: period.start,
            end: period.end,
        },
        proration: line.is_proration(),
        price_id: price.map(|p| p.price.id().to_owned()),
        product_id: price.map(|p| p.product.clone()),
        subscription_item_id: line.subscription_item().map(str::to_owned),
        discount: sum(
            line.discount_amounts.iter().flatten().map(|d| &d.amount),
            cur,
            "discount_amounts",
        )?,
        inclusive_tax: inclusive_tax(line, cur)?,
    })
}

/// The sum of a line's taxes that its amount includes (`tax_behavior: inclusive`); a behavior
/// that is neither `inclusive` nor `exclusive` is an error naming it.
fn inclusive_tax(line: &wire::InvoiceLineItem, cur: Currency) -> Result<Money, MappingError> {
    let mut total = Money::from_minor(0, cur);
    for (i, tax) in line.taxes.iter().flatten().enumerate() {
        match tax.tax_behavior.as_deref() {
            Some("inclusive") => {
                let field = format!("taxes[{i}].amount");
                total = total
                    .checked_add(from_stripe_amount(tax.amount, cur, &field)?)
                    .map_err(|e| e.at(&field))?;
            }
            Some("exclusive") => {}
            other => {
                return Err(MappingError::InvalidValue {
                    field: format!("taxes[{i}].tax_behavior"),
                    value: other.unwrap_or("null").to_owned(),
                    expected: "inclusive or exclusive",
                });
            }
        }
    }
    Ok(total)
}

fn settlement(
    payment: &wire::InvoicePayment,
    cur: Currency,
) -> Result<InvoiceSettlement, MappingError> {
    let target = &payment.payment;
    let (payment_intent_id, charge_id) = match target.payment_type.as_str() {
        "payment_intent" => {
            let pi = target
                .payment_intent
                .as_ref()
                .ok_or_else(|| missing("payment.payment_intent"))?;
            let charge = pi
                .as_object()
                .and_then(|pi| pi.latest_charge.as_ref())
                .map(|c| c.id().to_owned());
            (Some(pi.id().to_owned()), charge)
        }
        "charge" => {
            let charge = target
                .charge
                .as_ref()
                .ok_or_else(|| missing("payment.charge"))?;
            (None, Some(charge.id().to_owned()))
        }
        other => {
            return Err(MappingError::InvalidValue {
                field: "payment.type".to_owned(),
                value: other.to_owned(),
                expected: "payment of type `payment_intent` or `charge`",
            });
        }
    };
    Ok(InvoiceSettlement {
        payment_intent_id,
        charge_id,
        amount_paid: payment
            .amount_paid
            .map(|a| from_stripe_amount(a, cur, "amount_paid"))
            .transpose()?,
    })
}

// ---- credit notes --------------------------------------------------------------------------

/// Why a Stripe credit note was issued.
pub fn credit_note_reason(reason: &wire::CreditNoteReason) -> CreditNoteReason {
    CreditNoteReason::parse(reason.as_str())
}

/// A Stripe credit note as a canonical one. Errors are paths under `credit_note`.
impl TryFrom<&wire::CreditNote> for BillingCreditNote {
    type Error = MappingError;

    fn try_from(note: &wire::CreditNote) -> Result<Self, Self::Error> {
        credit_note(note).map_err(|e| e.at("credit_note"))
    }
}

fn credit_note(note: &wire::CreditNote) -> Result<BillingCreditNote, MappingError> {
    let cur = currency(&note.currency, "currency")?;
    let amount = |value: i64, field: &str| from_stripe_amount(value, cur, field);
    let optional = |value: Option<i64>, field: &str| {
        value.map(|v| from_stripe_amount(v, cur, field)).transpose()
    };
    let lines = note
        .lines
        .data
        .iter()
        .enumerate()
        .map(|(i, line)| {
            Ok(BillingCreditNoteLine {
                id: line.id.clone(),
                invoice_line_id: line.invoice_line_item.clone(),
                description: non_empty(line.description.as_deref()),
                quantity: line.quantity,
                amount: amount(line.amount, "amount")?,
                discount: amount(line.discount_amount, "discount_amount")?,
            })
            .map_err(|e: MappingError| e.at(&format!("lines.data[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let refunds = note
        .refunds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(BillingRefund {
                id: r.refund.as_ref().map(|re| re.id().to_owned()),
                amount: optional(r.amount_refunded, "amount_refunded")
                    .map_err(|e| e.at(&format!("refunds[{i}]")))?,
            })
        })
        .collect::<Result<Vec<_>, MappingError>>()?;
    let refunded = refunds
        .iter()
        .map(|r| r.amount)
        .collect::<Option<Vec<_>>>()
        .map(|amounts| Money::sum(cur, amounts).map_err(|e| e.at("refunds")))
        .transpose()?;
    let out_of_band = amount(note.out_of_band_amount.unwrap_or(0), "out_of_band_amount")?;
    let post_payment = optional(note.post_payment_amount, "post_payment_amount")?;
    let credited_to_balance = match (post_payment, refunded) {
        (Some(post), Some(refunded)) => {
            let rest = post
                .checked_sub(refunded)
                .and_then(|rest| rest.checked_sub(out_of_band))
                .map_err(|e| e.at("post_payment_amount"))?;
            if rest.is_negative() {
                return Err(MappingError::AmountOutOfRange {
                    field: "post_payment_amount".to_owned(),
                    value: post.to_string(),
                    reason: "less than the refunded and out-of-band amounts it includes",
                });
            }
            Some(rest)
        }
        _ => None,
    };
    let customer_metadata = note.customer.as_object().map(|c| &c.metadata);
    Ok(BillingCreditNote {
        ids: ExternalIds::new().with(System::Stripe, &note.id),
        number: note.number.clone(),
        invoice_id: note.invoice.id().to_owned(),
        customer: customer_ids(note.customer.id(), &[customer_metadata]),
        currency: cur,
        lines,
        subtotal: amount(note.subtotal, "subtotal")?,
        discount_total: amount(note.discount_amount, "discount_amount")?,
        tax_total: sum(
            note.total_taxes.iter().flatten().map(|t| &t.amount),
            cur,
            "total_taxes",
        )?,
        total: amount(note.total, "total")?,
        refunded,
        refunds,
        out_of_band,
        pre_payment: optional(note.pre_payment_amount, "pre_payment_amount")?,
        post_payment,
        credited_to_balance,
        reason: note.reason.as_ref().map(credit_note_reason),
        status: status::credit_note_status(note.status.as_str()),
        created: note.created,
        effective_at: note.effective_at,
        voided_at: note.voided_at,
    })
}

//! Subscription billing: contracts, billing invoices, their payments, write-offs, voids and
//! credit memos (see [`crate::erp`], *Subscription billing*).

use super::payments::received_payment;
use super::{ErpCtx, erp_money, require_sign, segment};
use crate::{
    BillingCreditNote, BillingInvoice, BillingLine, CreditNoteStatus, ExternalIds, IntervalUnit,
    InvoiceStatus, MappingError, Money, Payment, ServicePeriod, Subscription, System,
};

/// `stripe/{account}/subscription/{id}`: the ERP contract of a subscription.
pub fn contract_ref(subscription_id: &str, ctx: &ErpCtx) -> Result<String, MappingError> {
    stripe_ref(
        "subscription",
        subscription_id,
        "subscription.ids.stripe",
        ctx,
    )
}

/// `stripe/{account}/invoice/{id}`: the ERP billing invoice of a Stripe invoice.
pub fn billing_invoice_ref(invoice_id: &str, ctx: &ErpCtx) -> Result<String, MappingError> {
    stripe_ref("invoice", invoice_id, "invoice.ids.stripe", ctx)
}

/// `stripe/{account}/credit_note/{id}`: the ERP credit memo of a Stripe credit note.
pub fn billing_credit_memo_ref(note_id: &str, ctx: &ErpCtx) -> Result<String, MappingError> {
    stripe_ref("credit_note", note_id, "credit_note.ids.stripe", ctx)
}

/// The ERP customer a billing document of `customer` is booked to: the store's customer when
/// `customer` holds the store's id (`{store}/{shop}/customer/{id}`, the reference the customer
/// sync and the customer's orders use), else the Stripe customer
/// (`stripe/{account}/customer/{cus id}`).
pub fn billing_customer_ref(customer: &ExternalIds, ctx: &ErpCtx) -> Result<String, MappingError> {
    if let Some(id) = customer.get(ctx.store) {
        let field = format!("customer.{}", ctx.store.as_str());
        return Ok(format!(
            "{}/customer/{}",
            ctx.store_prefix()?,
            segment(id, &field)?
        ));
    }
    let id = customer
        .get(System::Stripe)
        .ok_or_else(|| MappingError::MissingField {
            field: "customer.stripe".to_owned(),
        })?;
    stripe_ref("customer", id, "customer.stripe", ctx)
}

/// The ERP customer of [`billing_customer_ref`], named `name` (else its e-mail, else its Stripe
/// id), with its Stripe id as vault id.
pub fn to_erp_billing_customer(
    customer: &ExternalIds,
    name: Option<&str>,
    email: Option<&str>,
    ctx: &ErpCtx,
) -> Result<erp::Customer, MappingError> {
    let external_ref = billing_customer_ref(customer, ctx)?;
    let stripe_id = customer.get(System::Stripe);
    let name = [name, email, stripe_id]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .ok_or_else(|| MappingError::MissingField {
            field: "customer.name".to_owned(),
        })?;
    let vault_ids = match stripe_id {
        Some(id) => vec![erp::VaultId {
            gateway: erp::Gateway::try_from(System::Stripe)?,
            vault_id: id.to_owned(),
        }],
        None => Vec::new(),
    };
    Ok(erp::Customer {
        external_ref,
        name: name.to_owned(),
        email: email.map(str::to_owned).filter(|e| !e.trim().is_empty()),
        vault_ids,
    })
}

/// The ERP contract of `subscription`, for the customer [`billing_customer_ref`] gives
/// `subscription.customer`. Items need a flat unit price and a quantity: a metered or tiered
/// item is [`MappingError::MissingField`] naming `subscription.items[i].unit_amount` or
/// `.quantity` (not supported). Started on the subscription's creation date; ended on
/// `ended_at`'s date.
pub fn to_erp_contract(
    subscription: &Subscription,
    ctx: &ErpCtx,
) -> Result<erp::Contract, MappingError> {
    let id = subscription
        .ids
        .require(System::Stripe, "subscription.ids.stripe")?;
    let mut items = Vec::with_capacity(subscription.items.len());
    for (n, item) in subscription.items.iter().enumerate() {
        let field = |name: &str| format!("subscription.items[{n}].{name}");
        let unit = item.unit_amount.ok_or_else(|| MappingError::MissingField {
            field: field("unit_amount"),
        })?;
        let quantity = item.quantity.ok_or_else(|| MappingError::MissingField {
            field: field("quantity"),
        })?;
        items.push(erp::ContractItem {
            product: item.price_id.clone(),
            description: item.product_id.clone(),
            quantity: u32::try_from(quantity).map_err(|_| MappingError::AmountOutOfRange {
                field: field("quantity"),
                value: quantity.to_string(),
                reason: "more than the ERP's quantities hold",
            })?,
            unit_price: erp_money(unit, subscription.currency, &field("unit_amount"))?,
            interval: match &item.interval.unit {
                IntervalUnit::Day => erp::BillingInterval::Day,
                IntervalUnit::Week => erp::BillingInterval::Week,
                IntervalUnit::Month => erp::BillingInterval::Month,
                IntervalUnit::Year => erp::BillingInterval::Year,
                IntervalUnit::Unknown(raw) => {
                    return Err(MappingError::UnknownStatus {
                        field: field("interval.unit"),
                        value: raw.clone(),
                        target: "erp",
                    });
                }
            },
            interval_count: item.interval.count,
        });
    }
    Ok(erp::Contract {
        external_ref: contract_ref(id, ctx)?,
        customer_ref: billing_customer_ref(&subscription.customer, ctx)?,
        currency: erp::CurrencyCode::from(subscription.currency),
        items,
        status: erp::ContractStatus::from(subscription.status.as_str().to_owned()),
        start_date: ctx.date_of(Some(subscription.created)),
        current_period: subscription
            .current_period
            .as_ref()
            .and_then(|p| erp_period(p, ctx)),
        cancel_at_period_end: subscription.cancel_at_period_end,
        ended_on: subscription.ended_at.map(|at| ctx.date_of(Some(at))),
    })
}

/// The ERP billing invoice of a finalized `invoice` (any status but `draft`), dated the day it
/// was finalized (else created), due [`ErpCtx::payment_terms_days`] later; see the module docs
/// for its lines and tax.
pub fn to_erp_billing_invoice(
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::BillingInvoice, MappingError> {
    let id = invoice.ids.require(System::Stripe, "invoice.ids.stripe")?;
    if matches!(invoice.status, InvoiceStatus::Draft) {
        return Err(MappingError::InvalidValue {
            field: "invoice.status".to_owned(),
            value: invoice.status.as_str().to_owned(),
            expected: "finalized invoice (not draft)",
        });
    }
    require_sign(invoice.total, true, "invoice.total")?;
    let cur = invoice.currency;
    let mut lines = Vec::with_capacity(invoice.lines.len());
    let mut net = Money::from_minor(0, cur);
    for (n, line) in invoice.lines.iter().enumerate() {
        let erp_line = billing_line(line, n, invoice, ctx)?;
        let line_net = line
            .amount
            .checked_sub(line.inclusive_tax)?
            .checked_sub(line.discount)?;
        net = net.checked_add(line_net)?;
        lines.push(erp_line);
    }
    let tax = invoice.total.checked_sub(net)?;
    if tax != invoice.tax_total {
        return Err(MappingError::InvalidValue {
            field: "invoice.total".to_owned(),
            value: invoice.total.to_string(),
            expected: "the lines less their included taxes and discounts, plus tax_total (line discounts)",
        });
    }
    require_sign(tax, false, "invoice.tax_total")?;
    let date = ctx.date_of(invoice.finalized_at.or(Some(invoice.created)));
    Ok(erp::BillingInvoice {
        external_ref: billing_invoice_ref(id, ctx)?,
        customer_ref: billing_customer_ref(&invoice.customer, ctx)?,
        contract_ref: invoice
            .subscription_id
            .as_deref()
            .map(|sub| contract_ref(sub, ctx))
            .transpose()?,
        invoice_date: date,
        due_date: date + time::Duration::days(i64::from(ctx.payment_terms_days)),
        currency: erp::CurrencyCode::from(cur),
        lines,
        tax: erp_money(tax, cur, "invoice.tax_total")?,
    })
}

/// One ERP line of invoice line `n` (see the module docs).
fn billing_line(
    line: &BillingLine,
    n: usize,
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::BillingLine, MappingError> {
    let field = |name: &str| format!("invoice.lines[{n}].{name}");
    // Revenue is the amount less the taxes it includes: the tax is the invoice's. Both are
    // checked first, so an error names the field at fault.
    erp_money(line.amount, invoice.currency, &field("amount"))?;
    erp_money(
        line.inclusive_tax,
        invoice.currency,
        &field("inclusive_tax"),
    )?;
    let net = line.amount.checked_sub(line.inclusive_tax)?;
    let amount = erp_money(net, invoice.currency, &field("amount"))?;
    let mut discount = erp_money(line.discount, invoice.currency, &field("discount"))?;
    let mut unit_minor = amount.minor;
    // A negative discount (on a credit line) is a smaller credit: folded into the amount, as
    // the ERP takes no negative discount.
    if discount.minor < 0 {
        unit_minor = net.checked_sub(line.discount)?.minor();
        discount.minor = 0;
    }
    let mut quantity = 1u32;
    if let Some(q) = line
        .quantity
        .and_then(|q| u32::try_from(q).ok())
        .filter(|q| *q > 1)
    {
        if unit_minor % i64::from(q) == 0 {
            quantity = q;
            unit_minor /= i64::from(q);
        }
    }
    let product = line
        .price_id
        .as_deref()
        .or(line.product_id.as_deref())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(super::CUSTOM_ITEM_CODE);
    Ok(erp::BillingLine {
        product: product.to_owned(),
        description: line
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| product.to_owned()),
        quantity,
        unit_price: erp::Money::new(unit_minor, amount.currency),
        discount,
        period: erp_period(&line.period, ctx),
        proration: line.proration,
    })
}

/// A service period as the ERP's dates, or `None` when it covers no whole day.
fn erp_period(period: &ServicePeriod, ctx: &ErpCtx) -> Option<erp::ServicePeriod> {
    let (start, end) = (
        ctx.date_of(Some(period.start)),
        ctx.date_of(Some(period.end)),
    );
    (end > start).then_some(erp::ServicePeriod { start, end })
}

/// The ERP payment of a paid invoice's `payment` (its charge, read with its balance transaction
/// for the fee): the reference, transaction id and fee of an order's payment
/// ([`super::to_erp_payment`]), against the invoice's [`billing_invoice_ref`].
pub fn to_erp_billing_payment(
    payment: &Payment,
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::Payment, MappingError> {
    let id = invoice.ids.require(System::Stripe, "invoice.ids.stripe")?;
    received_payment(
        payment,
        invoice.currency,
        billing_invoice_ref(id, ctx)?,
        ctx,
    )
}

/// The write-off of an uncollectible invoice (status `uncollectible`), dated the day it was
/// marked so (else [`ErpCtx::date`]).
pub fn to_erp_write_off(
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::WriteOff, MappingError> {
    let invoice_ref = closing_ref(invoice, &InvoiceStatus::Uncollectible, ctx)?;
    Ok(erp::WriteOff {
        external_ref: format!("{invoice_ref}/uncollectible"),
        invoice_ref,
        date: ctx.date_of(invoice.marked_uncollectible_at),
        reason: "marked uncollectible in Stripe".to_owned(),
    })
}

/// The reversal of the write-off of an invoice marked uncollectible and then paid or voided
/// (Stripe keeps `marked_uncollectible_at` on it): `{invoice ref}/uncollectible/reversed`,
/// dated the day it was paid or voided (else [`ErpCtx::date`]). An invoice neither paid nor
/// void has none ([`MappingError::InvalidValue`] naming `invoice.status`), nor has one never
/// marked uncollectible ([`MappingError::MissingField`] naming
/// `invoice.marked_uncollectible_at`).
pub fn to_erp_write_off_reversal(
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::WriteOffReversal, MappingError> {
    let date = match invoice.status {
        InvoiceStatus::Paid => invoice.paid_at,
        InvoiceStatus::Void => invoice.voided_at,
        _ => {
            return Err(MappingError::InvalidValue {
                field: "invoice.status".to_owned(),
                value: invoice.status.as_str().to_owned(),
                expected: "paid or void after being marked uncollectible",
            });
        }
    };
    if invoice.marked_uncollectible_at.is_none() {
        return Err(MappingError::MissingField {
            field: "invoice.marked_uncollectible_at".to_owned(),
        });
    }
    let id = invoice.ids.require(System::Stripe, "invoice.ids.stripe")?;
    let write_off_ref = format!("{}/uncollectible", billing_invoice_ref(id, ctx)?);
    Ok(erp::WriteOffReversal {
        external_ref: format!("{write_off_ref}/reversed"),
        write_off_ref,
        date: ctx.date_of(date),
        reason: format!(
            "{} after being marked uncollectible in Stripe",
            invoice.status
        ),
    })
}

/// The void of a voided invoice (status `void`), dated the day it was voided (else
/// [`ErpCtx::date`]).
pub fn to_erp_invoice_void(
    invoice: &BillingInvoice,
    ctx: &ErpCtx,
) -> Result<erp::InvoiceVoid, MappingError> {
    let invoice_ref = closing_ref(invoice, &InvoiceStatus::Void, ctx)?;
    Ok(erp::InvoiceVoid {
        external_ref: format!("{invoice_ref}/void"),
        invoice_ref,
        date: ctx.date_of(invoice.voided_at),
        reason: "voided in Stripe".to_owned(),
    })
}

/// The invoice's reference, once its status is `status`.
fn closing_ref(
    invoice: &BillingInvoice,
    status: &InvoiceStatus,
    ctx: &ErpCtx,
) -> Result<String, MappingError> {
    if &invoice.status != status {
        return Err(MappingError::InvalidValue {
            field: "invoice.status".to_owned(),
            value: invoice.status.as_str().to_owned(),
            expected: if matches!(status, InvoiceStatus::Void) {
                "void"
            } else {
                "uncollectible"
            },
        });
    }
    let id = invoice.ids.require(System::Stripe, "invoice.ids.stripe")?;
    billing_invoice_ref(id, ctx)
}

/// The ERP credit memo of an issued credit note (status `issued`), for its `total` against the
/// credited invoice, dated its `effective_at` (else its creation). The money a credit note
/// refunds is booked by [`to_erp_billing_refund_payments`].
pub fn to_erp_billing_credit_memo(
    note: &BillingCreditNote,
    ctx: &ErpCtx,
) -> Result<erp::CreditMemo, MappingError> {
    let id = note.ids.require(System::Stripe, "credit_note.ids.stripe")?;
    if !matches!(note.status, CreditNoteStatus::Issued) {
        return Err(MappingError::InvalidValue {
            field: "credit_note.status".to_owned(),
            value: note.status.as_str().to_owned(),
            expected: "issued credit note",
        });
    }
    require_sign(note.total, true, "credit_note.total")?;
    Ok(erp::CreditMemo {
        external_ref: billing_credit_memo_ref(id, ctx)?,
        invoice_ref: billing_invoice_ref(&note.invoice_id, ctx).map_err(|e| e.at("credit_note"))?,
        date: ctx.date_of(note.effective_at.or(Some(note.created))),
        amount: erp_money(note.total, note.currency, "credit_note.total")?,
        reason: note.reason.as_ref().map_or_else(
            || format!("credit note {}", note.number),
            |r| r.as_str().to_owned(),
        ),
    })
}

/// The ERP refund payments of an issued credit note's refunds: the money it paid back to the
/// customer's card, which settles that much of the credit its memo gave (receivables against
/// Stripe's clearing account, as an order's refund payment). One payment per refund, referenced
/// `stripe/{account}/credit_note/{cn id}/refund/{re id}` (one refund can pay several credit
/// notes, each its part) with the refund as its transaction, dated as the memo. No fee: Stripe
/// keeps its processing fee on a refund. A refund without its id (a payment record refund) or
/// without its amount (a credit note rendered before `2025-03-31.basil`) is a
/// [`MappingError::MissingField`] naming it, never booked at a guessed amount.
pub fn to_erp_billing_refund_payments(
    note: &BillingCreditNote,
    ctx: &ErpCtx,
) -> Result<Vec<erp::Payment>, MappingError> {
    let memo = to_erp_billing_credit_memo(note, ctx)?;
    note.refunds
        .iter()
        .enumerate()
        .map(|(i, refund)| {
            let field = |name: &str| format!("credit_note.refunds[{i}].{name}");
            let id = refund
                .id
                .as_deref()
                .ok_or_else(|| MappingError::MissingField {
                    field: field("refund"),
                })?;
            let amount = refund.amount.ok_or_else(|| MappingError::MissingField {
                field: field("amount_refunded"),
            })?;
            require_sign(amount, true, &field("amount_refunded"))?;
            Ok(erp::Payment {
                external_ref: format!(
                    "{}/refund/{}",
                    memo.external_ref,
                    segment(id, &field("refund"))?
                ),
                invoice_ref: memo.invoice_ref.clone(),
                direction: erp::PaymentDirection::Refunded,
                gateway: erp::Gateway::try_from(System::Stripe)?,
                transaction_id: id.to_owned(),
                amount: erp_money(amount, note.currency, &field("amount_refunded"))?,
                fee: None,
                date: memo.date,
            })
        })
        .collect()
}

/// `stripe/{account}/{kind}/{id}`.
fn stripe_ref(kind: &str, id: &str, field: &str, ctx: &ErpCtx) -> Result<String, MappingError> {
    Ok(format!(
        "{}/{kind}/{}",
        ctx.gateway_prefix(System::Stripe, field)?,
        segment(id, field)?
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::erp::test_support::{payment, usd};
    use crate::{
        BillingInterval, BillingReason, BillingRefund, Currency, PaymentKind, PaymentStatus,
        SubscriptionItem, SubscriptionStatus,
    };
    use time::OffsetDateTime;
    use time::macros::{date, datetime};

    fn ctx() -> ErpCtx {
        ErpCtx::new(System::Magento, "default", "acct_1", date!(2027 - 01 - 01))
            .with_payment_terms_days(7)
    }

    fn period(start: OffsetDateTime, end: OffsetDateTime) -> ServicePeriod {
        ServicePeriod { start, end }
    }

    fn line(id: &str, amount: i64, quantity: u64, discount: i64, proration: bool) -> BillingLine {
        BillingLine {
            id: id.into(),
            description: Some(format!("line {id}")),
            amount: usd(amount),
            quantity: Some(quantity),
            period: period(
                datetime!(2027-01-15 12:00 UTC),
                datetime!(2027-02-15 12:00 UTC),
            ),
            proration,
            price_id: Some("price_pro".into()),
            product_id: Some("prod_pro".into()),
            subscription_item_id: Some("si_1".into()),
            discount: usd(discount),
            inclusive_tax: usd(0),
        }
    }

    fn customer() -> ExternalIds {
        ExternalIds::new()
            .with(System::Stripe, "cus_1")
            .with(System::Magento, "7")
    }

    /// −5.00 unused time, 2 × 10.00 less 1.00, + 1.50 tax = 15.50.
    fn invoice() -> BillingInvoice {
        BillingInvoice {
            ids: ExternalIds::new().with(System::Stripe, "in_1"),
            number: Some("INV-1".into()),
            subscription_id: Some("sub_1".into()),
            customer: customer(),
            currency: Currency::USD,
            lines: vec![
                line("il_1", -500, 1, 0, true),
                line("il_2", 2000, 2, 100, false),
            ],
            subtotal: usd(1400),
            discount_total: usd(100),
            tax_total: usd(150),
            total: usd(1550),
            amount_due: usd(1550),
            amount_paid: usd(1550),
            amount_remaining: usd(0),
            status: InvoiceStatus::Paid,
            billing_reason: BillingReason::SubscriptionUpdate,
            attempt_count: 1,
            next_payment_attempt: None,
            created: datetime!(2027-01-15 11:00 UTC),
            finalized_at: Some(datetime!(2027-01-15 12:00 UTC)),
            paid_at: Some(datetime!(2027-01-15 12:01 UTC)),
            voided_at: Some(datetime!(2027-01-20 09:00 UTC)),
            marked_uncollectible_at: Some(datetime!(2027-01-22 09:00 UTC)),
            settlements: None,
        }
    }

    #[test]
    fn invoice_lines_periods_prorations_discounts_and_tax() {
        let out = to_erp_billing_invoice(&invoice(), &ctx()).unwrap();
        assert_eq!(out.external_ref, "stripe/acct_1/invoice/in_1");
        assert_eq!(out.customer_ref, "magento/default/customer/7");
        assert_eq!(
            out.contract_ref.as_deref(),
            Some("stripe/acct_1/subscription/sub_1")
        );
        assert_eq!(out.invoice_date, date!(2027 - 01 - 15));
        assert_eq!(out.due_date, date!(2027 - 01 - 22));
        assert_eq!(out.tax.minor, 150);
        let credit = &out.lines[0];
        assert_eq!((credit.quantity, credit.unit_price.minor), (1, -500));
        assert!(credit.proration);
        assert_eq!(
            credit.period,
            Some(erp::ServicePeriod {
                start: date!(2027 - 01 - 15),
                end: date!(2027 - 02 - 15)
            })
        );
        let charge = &out.lines[1];
        assert_eq!((charge.quantity, charge.unit_price.minor), (2, 1000));
        assert_eq!(charge.discount.minor, 100);
        assert_eq!(charge.product, "price_pro");
        assert_eq!(charge.description, "line il_2");
        assert_eq!(out.total().unwrap().minor, 1550);
        assert_eq!(out.deferred().unwrap().minor, 1400);
    }

    #[test]
    fn odd_quantities_keep_the_amount_and_short_periods_are_not_deferred() {
        let mut inv = invoice();
        inv.lines[1] = line("il_2", 2001, 2, 0, false);
        inv.lines[0].period = period(
            datetime!(2027-02-15 11:00 UTC),
            datetime!(2027-02-15 12:00 UTC),
        );
        inv.lines[0].price_id = None;
        inv.lines[0].product_id = None;
        inv.lines[0].description = None;
        inv.discount_total = usd(0);
        inv.total = usd(-500 + 2001 + 150);
        let out = to_erp_billing_invoice(&inv, &ctx()).unwrap();
        assert_eq!(
            (out.lines[1].quantity, out.lines[1].unit_price.minor),
            (1, 2001)
        );
        assert_eq!(out.lines[0].period, None);
        assert_eq!(out.lines[0].product, crate::erp::CUSTOM_ITEM_CODE);
        assert_eq!(out.lines[0].description, crate::erp::CUSTOM_ITEM_CODE);
    }

    /// 2 × 12.00 with 20 % tax included (4.00), less 2.40 (its 0.40 tax included too), and
    /// 1.50 of tax added on top of the credit line's: total 21.60 − 5.00 + 1.50.
    #[test]
    fn a_price_with_tax_included_is_booked_net_of_it() {
        let mut inv = invoice();
        inv.lines[1] = line("il_2", 2400, 2, 240, false);
        inv.lines[1].inclusive_tax = usd(360);
        inv.tax_total = usd(150 + 360);
        inv.total = usd(-500 + 2400 - 240 + 150);
        let out = to_erp_billing_invoice(&inv, &ctx()).unwrap();
        let charge = &out.lines[1];
        assert_eq!((charge.quantity, charge.unit_price.minor), (2, 1020));
        assert_eq!(charge.discount.minor, 240);
        assert_eq!(out.tax.minor, 510);
        assert_eq!(out.total().unwrap().minor, inv.total.minor());
        assert_eq!(out.deferred().unwrap().minor, -500 + 2040 - 240);
        // Read as taxes on top, the same invoice does not add up: refused, never booked.
        inv.lines[1].inclusive_tax = usd(0);
        let err = to_erp_billing_invoice(&inv, &ctx()).unwrap_err();
        assert_eq!(err.field(), "invoice.total", "{err}");
    }

    #[test]
    fn a_stripe_only_customer_is_keyed_by_stripe() {
        let mut inv = invoice();
        inv.customer = ExternalIds::new().with(System::Stripe, "cus_1");
        let out = to_erp_billing_invoice(&inv, &ctx()).unwrap();
        assert_eq!(out.customer_ref, "stripe/acct_1/customer/cus_1");
        let c =
            to_erp_billing_customer(&inv.customer, None, Some("ada@example.com"), &ctx()).unwrap();
        assert_eq!(c.external_ref, "stripe/acct_1/customer/cus_1");
        assert_eq!(c.name, "ada@example.com");
        assert_eq!(c.vault_ids[0].vault_id, "cus_1");
        let c = to_erp_billing_customer(&customer(), Some("Ada"), None, &ctx()).unwrap();
        assert_eq!(c.external_ref, "magento/default/customer/7");
        assert_eq!(c.name, "Ada");
        let err = to_erp_billing_customer(&ExternalIds::new(), None, None, &ctx()).unwrap_err();
        assert_eq!(err.field(), "customer.stripe");
    }

    #[test]
    fn invoice_errors_name_the_field() {
        type Edit = fn(&mut BillingInvoice);
        let cases: [(Edit, &str); 6] = [
            (|i| i.status = InvoiceStatus::Draft, "invoice.status"),
            (|i| i.total = usd(0), "invoice.total"),
            (|i| i.total = usd(1549), "invoice.total"),
            (|i| i.ids = ExternalIds::new(), "invoice.ids.stripe"),
            (
                |i| i.lines[1].amount = Money::from_minor(2000, Currency::EUR),
                "invoice.lines[1].amount",
            ),
            (|i| i.customer = ExternalIds::new(), "customer.stripe"),
        ];
        for (edit, field) in cases {
            let mut inv = invoice();
            edit(&mut inv);
            let err = to_erp_billing_invoice(&inv, &ctx()).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
    }

    #[test]
    fn payment_of_an_invoice_is_keyed_like_an_order_payment() {
        let mut p = payment();
        p.gateway = System::Stripe;
        p.ids = ExternalIds::new().with(System::Stripe, "ch_9");
        p.amount = usd(1550);
        p.fee = Some(usd(75));
        let out = to_erp_billing_payment(&p, &invoice(), &ctx()).unwrap();
        assert_eq!(out.external_ref, "stripe/acct_1/txn/ch_9");
        assert_eq!(
            out.external_ref,
            super::super::payment_ref(System::Stripe, "ch_9", &ctx()).unwrap()
        );
        assert_eq!(out.invoice_ref, "stripe/acct_1/invoice/in_1");
        assert_eq!(out.transaction_id, "ch_9");
        assert_eq!(
            (out.amount.minor, out.fee.map(|f| f.minor)),
            (1550, Some(75))
        );
        assert_eq!(out.date, date!(2026 - 11 - 23));
        p.kind = PaymentKind::Authorization;
        let err = to_erp_billing_payment(&p, &invoice(), &ctx()).unwrap_err();
        assert_eq!(err.field(), "payment.kind");
        p.kind = PaymentKind::Sale;
        p.status = PaymentStatus::Declined;
        let err = to_erp_billing_payment(&p, &invoice(), &ctx()).unwrap_err();
        assert_eq!(err.field(), "payment.status");
    }

    #[test]
    fn write_off_and_void_by_status() {
        let mut inv = invoice();
        inv.status = InvoiceStatus::Uncollectible;
        let w = to_erp_write_off(&inv, &ctx()).unwrap();
        assert_eq!(w.external_ref, "stripe/acct_1/invoice/in_1/uncollectible");
        assert_eq!(w.invoice_ref, "stripe/acct_1/invoice/in_1");
        assert_eq!(w.date, date!(2027 - 01 - 22));
        assert_eq!(
            to_erp_invoice_void(&inv, &ctx()).unwrap_err().field(),
            "invoice.status"
        );
        inv.status = InvoiceStatus::Void;
        let v = to_erp_invoice_void(&inv, &ctx()).unwrap();
        assert_eq!(v.external_ref, "stripe/acct_1/invoice/in_1/void");
        assert_eq!(v.date, date!(2027 - 01 - 20));
        assert_eq!(
            to_erp_write_off(&inv, &ctx()).unwrap_err().field(),
            "invoice.status"
        );
    }

    #[test]
    fn an_uncollectible_invoice_paid_or_voided_later_reverses_its_write_off() {
        let mut inv = invoice();
        inv.status = InvoiceStatus::Paid;
        let r = to_erp_write_off_reversal(&inv, &ctx()).unwrap();
        assert_eq!(r.write_off_ref, "stripe/acct_1/invoice/in_1/uncollectible");
        assert_eq!(
            r.external_ref,
            "stripe/acct_1/invoice/in_1/uncollectible/reversed"
        );
        assert_eq!(r.date, date!(2027 - 01 - 15), "the day it was paid");
        inv.status = InvoiceStatus::Void;
        let r = to_erp_write_off_reversal(&inv, &ctx()).unwrap();
        assert_eq!(r.date, date!(2027 - 01 - 20), "the day it was voided");
        inv.status = InvoiceStatus::Uncollectible;
        let err = to_erp_write_off_reversal(&inv, &ctx()).unwrap_err();
        assert_eq!(err.field(), "invoice.status");
        inv.status = InvoiceStatus::Paid;
        inv.marked_uncollectible_at = None;
        let err = to_erp_write_off_reversal(&inv, &ctx()).unwrap_err();
        assert_eq!(err.field(), "invoice.marked_uncollectible_at");
    }

    fn note() -> BillingCreditNote {
        BillingCreditNote {
            ids: ExternalIds::new().with(System::Stripe, "cn_1"),
            number: "CN-1".into(),
            invoice_id: "in_1".into(),
            customer: customer(),
            currency: Currency::USD,
            lines: Vec::new(),
            subtotal: usd(500),
            discount_total: usd(0),
            tax_total: usd(0),
            total: usd(500),
            refunded: Some(usd(500)),
            refunds: vec![
                BillingRefund {
                    id: Some("re_1".into()),
                    amount: Some(usd(300)),
                },
                BillingRefund {
                    id: Some("re_2".into()),
                    amount: Some(usd(200)),
                },
            ],
            out_of_band: usd(0),
            pre_payment: Some(usd(0)),
            post_payment: Some(usd(500)),
            credited_to_balance: Some(usd(0)),
            reason: None,
            status: CreditNoteStatus::Issued,
            created: datetime!(2027-01-18 10:00 UTC),
            effective_at: None,
            voided_at: None,
        }
    }

    #[test]
    fn each_refund_of_a_credit_note_is_a_refund_payment_of_its_part() {
        let payments = to_erp_billing_refund_payments(&note(), &ctx()).unwrap();
        let got: Vec<_> = payments
            .iter()
            .map(|p| {
                (
                    p.external_ref.as_str(),
                    p.invoice_ref.as_str(),
                    p.direction,
                    p.transaction_id.as_str(),
                    p.amount.minor,
                    p.fee,
                    p.date,
                )
            })
            .collect();
        let refunded = erp::PaymentDirection::Refunded;
        assert_eq!(
            got,
            [
                (
                    "stripe/acct_1/credit_note/cn_1/refund/re_1",
                    "stripe/acct_1/invoice/in_1",
                    refunded,
                    "re_1",
                    300,
                    None,
                    date!(2027 - 01 - 18)
                ),
                (
                    "stripe/acct_1/credit_note/cn_1/refund/re_2",
                    "stripe/acct_1/invoice/in_1",
                    refunded,
                    "re_2",
                    200,
                    None,
                    date!(2027 - 01 - 18)
                ),
            ]
        );
        assert_eq!(payments[0].gateway.as_str(), "stripe");
        // Credited to the balance only: nothing left the account.
        let mut n = note();
        n.refunds.clear();
        assert!(
            to_erp_billing_refund_payments(&n, &ctx())
                .unwrap()
                .is_empty()
        );
        // Never booked at a guessed amount, nor without the refund it names.
        let mut n = note();
        n.refunds[1].amount = None;
        assert_eq!(
            to_erp_billing_refund_payments(&n, &ctx())
                .unwrap_err()
                .field(),
            "credit_note.refunds[1].amount_refunded"
        );
        let mut n = note();
        n.refunds[0].id = None;
        assert_eq!(
            to_erp_billing_refund_payments(&n, &ctx())
                .unwrap_err()
                .field(),
            "credit_note.refunds[0].refund"
        );
        let mut n = note();
        n.status = CreditNoteStatus::Void;
        assert_eq!(
            to_erp_billing_refund_payments(&n, &ctx())
                .unwrap_err()
                .field(),
            "credit_note.status"
        );
    }

    #[test]
    fn credit_note_as_credit_memo() {
        let memo = to_erp_billing_credit_memo(&note(), &ctx()).unwrap();
        assert_eq!(memo.external_ref, "stripe/acct_1/credit_note/cn_1");
        assert_eq!(memo.invoice_ref, "stripe/acct_1/invoice/in_1");
        assert_eq!(memo.amount.minor, 500);
        assert_eq!(memo.date, date!(2027 - 01 - 18));
        assert_eq!(memo.reason, "credit note CN-1");
        let mut n = note();
        n.status = CreditNoteStatus::Void;
        assert_eq!(
            to_erp_billing_credit_memo(&n, &ctx()).unwrap_err().field(),
            "credit_note.status"
        );
        let mut n = note();
        n.total = usd(0);
        assert_eq!(
            to_erp_billing_credit_memo(&n, &ctx()).unwrap_err().field(),
            "credit_note.total"
        );
    }

    fn subscription() -> Subscription {
        let p = period(
            datetime!(2027-01-15 12:00 UTC),
            datetime!(2027-02-15 12:00 UTC),
        );
        Subscription {
            ids: ExternalIds::new().with(System::Stripe, "sub_1"),
            customer: ExternalIds::new().with(System::Stripe, "cus_1"),
            currency: Currency::USD,
            status: SubscriptionStatus::PastDue,
            items: vec![SubscriptionItem {
                id: "si_1".into(),
                price_id: "price_pro".into(),
                product_id: "prod_pro".into(),
                unit_amount: Some(usd(2000)),
                quantity: Some(1),
                interval: BillingInterval {
                    unit: IntervalUnit::Month,
                    count: 1,
                },
                current_period: p,
            }],
            current_period: Some(p),
            trial_start: None,
            trial_end: None,
            cancel_at_period_end: true,
            cancel_at: None,
            canceled_at: None,
            ended_at: Some(datetime!(2027-02-15 12:00 UTC)),
            created: datetime!(2027-01-15 12:00 UTC),
        }
    }

    #[test]
    fn subscription_as_contract() {
        let c = to_erp_contract(&subscription(), &ctx()).unwrap();
        assert_eq!(c.external_ref, "stripe/acct_1/subscription/sub_1");
        assert_eq!(c.customer_ref, "stripe/acct_1/customer/cus_1");
        assert_eq!(c.status, erp::ContractStatus::PastDue);
        assert_eq!(c.start_date, date!(2027 - 01 - 15));
        assert_eq!(c.ended_on, Some(date!(2027 - 02 - 15)));
        assert!(c.cancel_at_period_end);
        let item = &c.items[0];
        assert_eq!((item.product.as_str(), item.quantity), ("price_pro", 1));
        assert_eq!(item.unit_price.minor, 2000);
        assert_eq!(
            (item.interval, item.interval_count),
            (erp::BillingInterval::Month, 1)
        );
        let mut s = subscription();
        s.items[0].quantity = None;
        assert_eq!(
            to_erp_contract(&s, &ctx()).unwrap_err().field(),
            "subscription.items[0].quantity"
        );
        let mut s = subscription();
        s.items[0].unit_amount = None;
        assert_eq!(
            to_erp_contract(&s, &ctx()).unwrap_err().field(),
            "subscription.items[0].unit_amount"
        );
        let mut s = subscription();
        s.items[0].interval.unit = IntervalUnit::Unknown("fortnight".into());
        assert_eq!(
            to_erp_contract(&s, &ctx()).unwrap_err().field(),
            "subscription.items[0].interval.unit"
        );
        let mut s = subscription();
        s.status = SubscriptionStatus::Unknown("frozen".into());
        assert_eq!(
            to_erp_contract(&s, &ctx()).unwrap().status,
            erp::ContractStatus::Unknown("frozen".into())
        );
    }
}

//! The ERP booking steps every workflow shares: one set of steps, one key spelling.
//!
//! | step | key under the flow's entity | ERP call |
//! |---|---|---|
//! | [`CUSTOMER`] | `erp/customer` | `upsert_customer` |
//! | [`SALES_ORDER`] | `erp/sales-order` | `create_sales_order` |
//! | [`INVOICE`] | `erp/invoice` | `create_invoice` |
//! | [`PAYMENT`] | `erp/payment` | `post_payment` |
//! | [`CREDIT_MEMO`] | `erp/credit-memo` (under the refund) | `create_credit_memo` |
//! | [`REFUND_PAYMENT`] | `erp/refund-payment` (under the refund) | `post_payment` |
//! | [`JOURNAL_ENTRY`] | `erp/journal-entry` | `post_journal_entry` |
//!
//! The documents a flow books together go to the ERP in one call ([`erp::Erp::record_all`]:
//! one transaction with the embedded ledger); each is recorded under its own step's key. Every
//! ERP document also carries its external reference, and creating it twice returns the first, so
//! a step repeated after a crash books nothing twice.
//!
//! An order's documents are mapped and validated by [`OrderBooking::prepare`] before any money
//! moves: an order that cannot be booked is never charged.

use erp::{Erp, NewDocument, Recorded};
use mapping::erp::{
    ErpCtx, to_erp_credit_memo, to_erp_invoice, to_erp_order_customer, to_erp_payment,
    to_erp_refund_payment, to_erp_sales_order,
};
use mapping::{
    ExternalIds, MappingError, Order, Payment, PaymentKind, PaymentStatus, Refund, System,
};

use crate::StepError;
use crate::workflow::{EntityKey, Step, StepCtx};

/// The ERP customer of an order.
pub const CUSTOMER: Step<Recorded> = Step::new("erp/customer", System::Erp);
/// The ERP sales order.
pub const SALES_ORDER: Step<Recorded> = Step::new("erp/sales-order", System::Erp);
/// The ERP invoice.
pub const INVOICE: Step<Recorded> = Step::new("erp/invoice", System::Erp);
/// The ERP payment received against the invoice.
pub const PAYMENT: Step<Recorded> = Step::new("erp/payment", System::Erp);
/// The ERP credit memo of a refund.
pub const CREDIT_MEMO: Step<Recorded> = Step::new("erp/credit-memo", System::Erp);
/// The ERP refund payment.
pub const REFUND_PAYMENT: Step<Recorded> = Step::new("erp/refund-payment", System::Erp);
/// A journal entry (settlements, fees).
pub const JOURNAL_ENTRY: Step<Recorded> = Step::new("erp/journal-entry", System::Erp);

/// An order's ERP customer, sales order and invoice, mapped and validated together.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBooking {
    /// The customer.
    pub customer: erp::Customer,
    /// The sales order.
    pub sales_order: erp::SalesOrder,
    /// The invoice of the whole order.
    pub invoice: erp::Invoice,
}

impl OrderBooking {
    /// Maps `order`'s documents, and checks that a payment of its total through `gateway` books
    /// too: everything that must follow a charge is known to work before the charge.
    pub fn prepare(order: &Order, gateway: System, ctx: &ErpCtx) -> Result<Self, MappingError> {
        let booking = Self {
            customer: to_erp_order_customer(order, ctx)?,
            sales_order: to_erp_sales_order(order, ctx)?,
            invoice: to_erp_invoice(order, ctx)?,
        };
        to_erp_payment(&provisional_payment(order, gateway), order, ctx)?;
        Ok(booking)
    }
}

/// A captured payment of `order`'s total, as a charge would return it, to try the payment's
/// mapping before the charge.
pub fn provisional_payment(order: &Order, gateway: System) -> Payment {
    Payment {
        ids: ExternalIds::new().with(gateway, "provisional"),
        order_number: Some(order.number.clone()),
        ..Payment::new(
            gateway,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            order.total,
        )
    }
}

/// Records in the ERP, under `entity`, the documents of `steps` that are not on record yet, in
/// one call ([`Erp::record_all`]: one transaction and one round trip with the embedded ledger);
/// each step's result is recorded under its own key.
async fn book(
    ctx: &StepCtx<'_>,
    erp: &dyn Erp,
    entity: &EntityKey,
    steps: &[(Step<Recorded>, NewDocument<'_>)],
) -> Result<(), StepError> {
    let mut missing = Vec::with_capacity(steps.len());
    for (step, document) in steps {
        if ctx.recorded_at(entity, step)?.is_none() {
            missing.push((step, *document));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let documents: Vec<NewDocument<'_>> = missing.iter().map(|(_, d)| *d).collect();
    let recorded = erp.record_all(&documents).await?;
    if recorded.len() != documents.len() {
        return Err(StepError::permanent(format!(
            "the ERP answered {} documents for {}",
            recorded.len(),
            documents.len()
        )));
    }
    for ((step, _), result) in missing.iter().zip(&recorded) {
        ctx.record(entity, step, result)?;
    }
    Ok(())
}

/// The ERP customer and sales order of an order, under the flow's entity.
pub async fn book_order(
    ctx: &StepCtx<'_>,
    erp: &dyn Erp,
    booking: &OrderBooking,
) -> Result<(), StepError> {
    let steps = [
        (CUSTOMER, NewDocument::Customer(&booking.customer)),
        (SALES_ORDER, NewDocument::SalesOrder(&booking.sales_order)),
    ];
    book(ctx, erp, ctx.entity(), &steps).await
}

/// The customer, sales order and invoice, then the payment of a captured `payment`, under the
/// flow's entity.
pub async fn book_paid(
    ctx: &StepCtx<'_>,
    erp: &dyn Erp,
    booking: &OrderBooking,
    order: &Order,
    payment: &Payment,
    erp_ctx: &ErpCtx,
) -> Result<(), StepError> {
    let erp_payment = to_erp_payment(payment, order, erp_ctx)?;
    let steps = [
        (CUSTOMER, NewDocument::Customer(&booking.customer)),
        (SALES_ORDER, NewDocument::SalesOrder(&booking.sales_order)),
        (INVOICE, NewDocument::Invoice(&booking.invoice)),
        (PAYMENT, NewDocument::Payment(&erp_payment)),
    ];
    book(ctx, erp, ctx.entity(), &steps).await
}

/// A refund's credit memo and refund payment, under `refund_entity` (the job's entity or one
/// under it).
pub async fn book_refund(
    ctx: &StepCtx<'_>,
    erp: &dyn Erp,
    refund_entity: &EntityKey,
    refund: &Refund,
    order: &Order,
    erp_ctx: &ErpCtx,
) -> Result<(), StepError> {
    let memo = to_erp_credit_memo(refund, order, erp_ctx)?;
    let payment = to_erp_refund_payment(refund, order, erp_ctx)?;
    let steps = [
        (CREDIT_MEMO, NewDocument::CreditMemo(&memo)),
        (REFUND_PAYMENT, NewDocument::Payment(&payment)),
    ];
    book(ctx, erp, refund_entity, &steps).await
}

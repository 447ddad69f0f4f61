//! `stripe:charge.succeeded`: the Magento invoice and comment, then the ERP documents.

use mapping::erp::{to_erp_invoice, to_erp_order_customer, to_erp_payment, to_erp_sales_order};
use mapping::magento::{CaptureMode, InvoiceCtx, to_magento_invoice, to_magento_payment_comment};
use mapping::{FinancialStatus, MappingError, Payment, System};
use serde::{Deserialize, Serialize};

use super::{Inner, canonical, event_charge};
use crate::StepError;
use crate::effects::once;
use crate::store::{Job, Store};

/// What the invoice step did: the new invoice's id, or `None` when the order was already
/// invoiced.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct InvoiceDone {
    invoice_id: Option<i64>,
}

/// The key of the last effect of a charge's flow; once recorded, the flow is complete.
pub(super) fn erp_payment_key(charge_id: &str) -> String {
    format!("stripe/{charge_id}/erp-payment")
}

pub(super) async fn run<S: Store>(inner: &Inner<S>, job: &Job) -> Result<(), StepError> {
    let event = inner.stripe_event(job).await?;
    let charge = event_charge(&event)?;
    let payment_key = erp_payment_key(&charge.id);
    // A duplicate delivery, or a re-run after the flow completed: nothing to call.
    if inner.store.effect(&payment_key).await?.is_some() {
        return Ok(());
    }
    let Some(order_id) = inner.order_of_charge(charge).await? else {
        tracing::debug!(charge = %charge.id, "charge is not a Magento order's: ignored");
        return Ok(());
    };

    // The fee is on the balance transaction, which webhooks do not expand.
    let charge = inner
        .stripe
        .charges()
        .expand(["balance_transaction"])
        .retrieve(&charge.id)
        .await?;
    if charge.balance_transaction.is_none() {
        return Err(MappingError::NotYetKnown {
            field: "charge.balance_transaction".to_owned(),
            system: "stripe",
        }
        .into());
    }
    let payment = Payment::try_from(&charge)?;
    let order = inner.magento.orders().get(order_id).await?;
    let mut canonical = canonical(&order)?;

    // Every mapping before the first effect, so a mapping error changes nothing anywhere.
    let already_invoiced = is_invoiced(&order);
    let invoice = if already_invoiced {
        None
    } else {
        Some(to_magento_invoice(
            &payment,
            &InvoiceCtx {
                order: &order,
                capture: CaptureMode::Offline,
                lines: None,
                notify: inner.config.notify_customer,
            },
        )?)
    };
    let comment = to_magento_payment_comment(&payment, &FinancialStatus::Paid)?;
    if let (Some(customer), Some(stripe_customer)) =
        (canonical.customer.as_mut(), payment.vault_id.as_deref())
    {
        customer.ids.set(System::Stripe, stripe_customer);
    }
    let date = charge.created.to_offset(time::UtcOffset::UTC).date();
    let ctx = inner.erp_ctx(date);
    let erp_customer = to_erp_order_customer(&canonical, &ctx)?;
    let erp_order = to_erp_sales_order(&canonical, &ctx)?;
    let erp_invoice = to_erp_invoice(&canonical, &ctx)?;
    let erp_payment = to_erp_payment(&payment, &canonical, &ctx)?;

    // Magento: the order was read in this run, so its totals say whether an earlier run's
    // invoice got through before its record was written.
    let invoiced: InvoiceDone = once(
        &*inner.store,
        &inner.order_key(order_id, "invoice"),
        "magento",
        || async {
            let Some(invoice) = &invoice else {
                return Ok(InvoiceDone { invoice_id: None });
            };
            let id = inner.magento.invoices().create(order_id, invoice).await?;
            Ok(InvoiceDone {
                invoice_id: Some(id),
            })
        },
    )
    .await?;
    once(
        &*inner.store,
        &inner.order_key(order_id, "payment-comment"),
        "magento",
        || async {
            let present = order
                .status_histories
                .iter()
                .any(|c| c.comment.as_deref() == Some(comment.comment.as_str()));
            if present {
                return Ok(false);
            }
            inner
                .magento
                .orders()
                .add_comment(order_id, &comment)
                .await?;
            Ok(true)
        },
    )
    .await?;

    // ERP: each create is idempotent by its external reference as well.
    let erp = &*inner.erp;
    once(
        &*inner.store,
        &inner.order_key(order_id, "erp-customer"),
        "erp",
        || async { Ok(erp.upsert_customer(&erp_customer).await?) },
    )
    .await?;
    once(
        &*inner.store,
        &inner.order_key(order_id, "erp-sales-order"),
        "erp",
        || async { Ok(erp.create_sales_order(&erp_order).await?) },
    )
    .await?;
    once(
        &*inner.store,
        &inner.order_key(order_id, "erp-invoice"),
        "erp",
        || async { Ok(erp.create_invoice(&erp_invoice).await?) },
    )
    .await?;
    once(&*inner.store, &payment_key, "erp", || async {
        Ok(erp.post_payment(&erp_payment).await?)
    })
    .await?;
    tracing::info!(order = order_id, charge = %charge.id, invoice = ?invoiced.invoice_id, "charge recorded in Magento and the ERP");
    Ok(())
}

/// Whether nothing is left to invoice: `total_invoiced` reaches `grand_total`.
fn is_invoiced(order: &magento::Order) -> bool {
    // `Default` is the decimal zero (flows does not name the decimal crate).
    let invoiced = order.total_invoiced.unwrap_or_default();
    order
        .grand_total
        .is_some_and(|grand| grand > Default::default() && invoiced >= grand)
}

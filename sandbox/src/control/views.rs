//! The JSON the control API answers with for the fakes' records.

use serde_json::{Value, json};

use crate::WebhookSender;
use crate::paytrace::{Address, Transaction, TransactionKind, money_text};

fn address(a: &Address) -> Value {
    json!({
        "name": a.name, "street_address": a.street_address, "street_address2": a.street_address2,
        "city": a.city, "county": a.county, "state": a.state, "zip": a.zip, "country": a.country,
    })
}

/// A PayTrace transaction without card data: the masked number is all that is shown of the card.
pub(crate) fn paytrace_transaction(t: &Transaction) -> Value {
    let kind = match t.kind {
        TransactionKind::Sale => "sale",
        TransactionKind::Authorization => "authorization",
        TransactionKind::Refund => "refund",
    };
    json!({
        "id": t.id,
        "kind": kind,
        "amount": money_text(t.amount),
        "captured_amount": t.captured_amount.map(money_text),
        "tax_amount": t.tax_amount.map(money_text),
        "approved": t.approved,
        "voided": t.voided,
        "refunded": money_text(t.refunded),
        "refund_of": t.refund_of,
        "status_code": t.settlement().code(),
        "batch_number": t.batch_number,
        "masked_card_number": t.card.as_ref().map(|c| c.masked()),
        "invoice_id": t.invoice_id,
        "customer_reference_id": t.customer_reference_id,
        "customer_id": t.customer_id,
        "description": t.description,
        "email": t.email,
        "billing_address": t.billing_address.as_ref().map(address),
        "shipping_address": t.shipping_address.as_ref().map(address),
        "approval_code": t.approval_code,
        "approval_message": t.approval_message,
        "avs_response": t.avs_response,
        "csc_response": t.csc_response,
        "created_at": t.created_at,
        "settled_at": t.settled_at,
    })
}

/// Delivery counts of a webhook sender.
pub(crate) fn webhook_stats(sender: &WebhookSender, subscriptions: Vec<Value>) -> Value {
    let attempts = sender.attempts();
    let delivered = attempts
        .iter()
        .filter(|a| a.status.is_some_and(|s| (200..300).contains(&s)))
        .count();
    json!({
        "pending": sender.pending(),
        "attempts": attempts.len(),
        "delivered": delivered,
        "subscriptions": subscriptions,
    })
}

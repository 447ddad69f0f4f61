//! Canonical payments and financial statuses into Magento's invoice, comment and order-status
//! inputs.
//!
//! The Magento + Stripe flow takes the money at Stripe, then records it in Magento: an
//! **offline** invoice (`capture: false`, Magento only books what the gateway already took) and a
//! history comment carrying the gateway, its transaction id and the amount. A payment that
//! Magento's own payment method authorized is captured by invoicing **online**
//! (`capture: true`). A declined or failed payment becomes the client's failed-payment call input:
//! the merchant's custom status plus a comment (Magento has no built-in "payment failed" status).
//!
//! Comments never carry card data: no brand, no last four, and any run of 12 or more digits in a
//! gateway message is replaced by `[redacted]` before it is written into a comment.

use rust_decimal::Decimal;

use super::{system_name, text};
use crate::status::magento::order_state;
use crate::{
    Currency, FinancialStatus, LineItem, MappingError, Money, Payment, PaymentKind, PaymentStatus,
    System,
};

/// A Magento order `state` with the `status` to set, in the client crate's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatusUpdate {
    /// The state.
    pub state: magento::OrderState,
    /// The state's default status.
    pub status: String,
}

/// The Magento state and status for an order whose payments stand at `status`, from the table
/// in [`crate::status::magento`]. A canonical `Unknown` status is a
/// [`MappingError::UnknownStatus`] at `order.financial_status`.
pub fn to_magento_order_status(
    status: &FinancialStatus,
) -> Result<OrderStatusUpdate, MappingError> {
    let pair = order_state(status).map_err(|e| e.at("order"))?;
    Ok(OrderStatusUpdate {
        state: magento::OrderState::from(pair.state),
        status: pair.status.to_owned(),
    })
}

/// How the invoice relates to the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureMode {
    /// The gateway already captured the payment (a Stripe PaymentIntent, a PayTrace sale):
    /// Magento records an offline invoice (`capture: false`). Requires a captured payment.
    Offline,
    /// Magento's own payment method holds the authorization and captures it while invoicing
    /// (`capture: true`). Requires an authorized payment, so nothing is captured twice.
    Online,
}

/// What an invoice needs besides the payment.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceCtx<'a> {
    /// The order being invoiced, as Magento returned it (for its currency and what is already
    /// invoiced).
    pub order: &'a magento::Order,
    /// Offline or online capture.
    pub capture: CaptureMode,
    /// The lines to invoice for a partial invoice (canonical lines mapped from this order, so
    /// they carry Magento `item_id`s). `None` invoices everything not yet invoiced, which
    /// requires the payment to cover exactly that.
    pub lines: Option<&'a [LineItem]>,
    /// E-mail the invoice to the customer.
    pub notify: bool,
}

/// The `POST /V1/order/{id}/invoice` input for `payment`.
///
/// - `capture` comes from [`InvoiceCtx::capture`], checked against the payment's status
///   (offline needs `Captured` from a sale or capture, online needs `Authorized`).
/// - `items`: empty (Magento invoices every remaining line itself, applying its own
///   parent/child rules) when the payment covers `grand_total - total_invoiced`; the given
///   lines' Magento ids and quantities for a partial invoice. An amount that does not match
///   without lines is an error: which lines it pays for cannot be derived from an amount.
/// - `comment`: the payment comment (see [`to_magento_payment_comment`]), not shown to the
///   customer.
pub fn to_magento_invoice(
    payment: &Payment,
    ctx: &InvoiceCtx<'_>,
) -> Result<magento::CreateInvoice, MappingError> {
    let capture = match (ctx.capture, &payment.status, payment.kind) {
        (
            CaptureMode::Offline,
            PaymentStatus::Captured,
            PaymentKind::Sale | PaymentKind::Capture,
        ) => false,
        (CaptureMode::Online, PaymentStatus::Authorized, PaymentKind::Authorization) => true,
        (mode, status, kind) => {
            return Err(MappingError::InvalidValue {
                field: "payment.status".to_owned(),
                value: format!("{} {status}", kind.as_str()),
                expected: match mode {
                    CaptureMode::Offline => "captured sale or capture for an offline invoice",
                    CaptureMode::Online => "authorized authorization for an online capture",
                },
            });
        }
    };
    let currency = order_currency(ctx.order)?;
    if payment.amount.currency() != currency {
        return Err(MappingError::CurrencyMismatch {
            field: "payment.amount".to_owned(),
            left: payment.amount.currency().code().to_owned(),
            right: currency.code().to_owned(),
        });
    }
    let items = match ctx.lines {
        Some(lines) => to_magento_invoice_items(lines)?,
        None => {
            let grand = super::required_money(ctx.order.grand_total, currency, "grand_total")
                .map_err(|e| e.at("order"))?;
            let invoiced =
                super::money_or_zero(ctx.order.total_invoiced, currency, "total_invoiced")
                    .map_err(|e| e.at("order"))?;
            let due = grand.checked_sub(invoiced).map_err(|e| e.at("order"))?;
            if payment.amount != due {
                return Err(MappingError::InvalidValue {
                    field: "payment.amount".to_owned(),
                    value: payment.amount.to_string(),
                    expected: "the order's grand_total minus total_invoiced (pass the lines for a partial invoice)",
                });
            }
            Vec::new()
        }
    };
    Ok(magento::CreateInvoice {
        capture,
        items,
        notify: ctx.notify,
        append_comment: false,
        comment: Some(magento::DocumentComment::internal(payment_text(payment)?)),
    })
}

/// Invoice (or shipment, credit memo) lines from canonical lines mapped from a Magento order:
/// each line's Magento `item_id` and its quantity.
pub fn to_magento_invoice_items(lines: &[LineItem]) -> Result<Vec<magento::ItemQty>, MappingError> {
    if lines.is_empty() {
        return Err(MappingError::MissingField {
            field: "lines".to_owned(),
        });
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let field = format!("lines[{i}].ids.magento");
            let id = line
                .ids
                .get(System::Magento)
                .ok_or_else(|| MappingError::MissingField {
                    field: field.clone(),
                })?;
            let id = id.parse::<i64>().map_err(|_| MappingError::InvalidValue {
                field,
                value: id.to_owned(),
                expected: "Magento order item_id",
            })?;
            Ok(magento::ItemQty::new(id, Decimal::from(line.quantity)))
        })
        .collect()
}

/// The history comment recording `payment`, with the status the order has after it.
///
/// `order_status` is where the order's payments stand once this payment counts (say `Paid`),
/// mapped through [`to_magento_order_status`]: the comment carries that state's status because
/// Magento before 2.4.7 sets the order's status from the comment, and a missing status writes
/// `NULL` on versions without the fix for issue #34180. The text names the gateway, the
/// transaction id and the amount (for example
/// `Stripe captured 165.00 USD, transaction pi_123.`), never card data. A payment that went
/// through but has no id under its gateway in `ids` is a [`MappingError::MissingField`] at
/// `payment.transaction_id` (the same holds for the invoice comment).
pub fn to_magento_payment_comment(
    payment: &Payment,
    order_status: &FinancialStatus,
) -> Result<magento::NewOrderComment, MappingError> {
    let update = to_magento_order_status(order_status)?;
    Ok(magento::NewOrderComment {
        comment: payment_text(payment)?,
        status: Some(update.status),
        notify_customer: false,
        visible_on_front: false,
    })
}

/// What the failed-payment call needs besides the payment: the merchant's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureCtx {
    /// The custom status the merchant created for failed payments (e.g. `payment_failed`).
    pub status: String,
    /// The state that status is assigned to (e.g. `pending_payment`).
    pub state: magento::OrderState,
    /// E-mail the comment to the customer.
    pub notify_customer: bool,
}

/// The input of the client's `orders().record_payment_failure` for a declined or failed
/// payment: the merchant's status and state, and a comment with the gateway, the transaction id
/// when there is one, the amount and the gateway's message (card-number-like digit runs
/// redacted).
pub fn to_magento_payment_failure(
    payment: &Payment,
    ctx: &FailureCtx,
) -> Result<magento::PaymentFailure, MappingError> {
    if !matches!(
        payment.status,
        PaymentStatus::Declined | PaymentStatus::Failed
    ) {
        return Err(MappingError::InvalidValue {
            field: "payment.status".to_owned(),
            value: payment.status.to_string(),
            expected: "declined or failed payment",
        });
    }
    let status = text(Some(&ctx.status)).ok_or_else(|| MappingError::MissingField {
        field: "failure.status".to_owned(),
    })?;
    Ok(magento::PaymentFailure {
        status,
        state: ctx.state.clone(),
        comment: payment_text(payment)?,
        notify_customer: ctx.notify_customer,
    })
}

fn order_currency(order: &magento::Order) -> Result<Currency, MappingError> {
    let code =
        text(order.order_currency_code.as_deref()).ok_or_else(|| MappingError::MissingField {
            field: "order.order_currency_code".to_owned(),
        })?;
    crate::currency::parse_currency(&code, "order.order_currency_code")
}

/// `"{Gateway} {verb} {amount} {currency}, transaction {id}."` plus the gateway's message for
/// declines and failures. A payment that went through must have its transaction id; a decline
/// may have none.
fn payment_text(payment: &Payment) -> Result<String, MappingError> {
    let gateway = system_name(payment.gateway);
    let failed = matches!(
        payment.status,
        PaymentStatus::Declined | PaymentStatus::Failed
    );
    let verb = match (&payment.status, payment.kind) {
        (PaymentStatus::Declined, _) => "declined",
        (PaymentStatus::Failed, _) => "failed to process",
        (PaymentStatus::Voided, _) | (_, PaymentKind::Void) => "voided",
        (_, PaymentKind::Refund) => "refunded",
        (PaymentStatus::Captured, _) => "captured",
        (PaymentStatus::Authorized, _) => "authorized",
        (PaymentStatus::Pending | PaymentStatus::RequiresAction, _) => "is processing",
        (PaymentStatus::Unknown(_), _) => "reported",
    };
    let amount = format_amount(&payment.amount);
    let transaction = match (payment.ids.get(payment.gateway), failed) {
        // The gateway's own id, not card data: redacting a digit run inside it (a random id can
        // hold twelve in a row) would leave the comment naming no transaction.
        (Some(id), _) => format!("transaction {id}"),
        (None, true) => "no transaction id".to_owned(),
        (None, false) => {
            return Err(MappingError::MissingField {
                field: "payment.transaction_id".to_owned(),
            });
        }
    };
    let mut out = format!("{gateway} {verb} {amount}, {transaction}.");
    if failed {
        if let Some(message) = text(payment.message.as_deref()) {
            out.push_str(" Reason: ");
            out.push_str(&redact_digits(&message));
            if !out.ends_with('.') {
                out.push('.');
            }
        }
    }
    Ok(out)
}

fn format_amount(money: &Money) -> String {
    format!("{} {}", money.format_major(), money.currency().code())
}

/// Replaces every run of 12 or more digits (spaces and dashes allowed between them, as card
/// numbers are written) with `[redacted]`: gateway messages are not supposed to echo a card
/// number, and a comment is the wrong place to find out one did.
fn redact_digits(input: &str) -> String {
    const MIN_DIGITS: usize = 12;
    let mut out = String::with_capacity(input.len());
    let mut run = String::new();
    let mut digits = 0;
    let flush = |out: &mut String, run: &mut String, digits: &mut usize| {
        if *digits >= MIN_DIGITS {
            // Keep a separator that ended the run so the text still reads.
            let trailing: String = run
                .chars()
                .rev()
                .take_while(|c| !c.is_ascii_digit())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push_str("[redacted]");
            out.push_str(&trailing);
        } else {
            out.push_str(run);
        }
        run.clear();
        *digits = 0;
    };
    for c in input.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            digits += 1;
        } else if (c == ' ' || c == '-') && digits > 0 {
            run.push(c);
        } else {
            flush(&mut out, &mut run, &mut digits);
            out.push(c);
        }
    }
    flush(&mut out, &mut run, &mut digits);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ExternalIds;

    #[test]
    fn a_transaction_id_is_kept_whole() {
        let mut declined = payment(PaymentKind::Sale, PaymentStatus::Declined);
        declined.ids = ExternalIds::new().with(System::Paytrace, "pi_58b0b31100804459857ea406");
        let text = payment_text(&declined).unwrap();
        assert!(
            text.contains("transaction pi_58b0b31100804459857ea406."),
            "{text}"
        );
    }

    #[test]
    fn card_like_digit_runs_are_redacted() {
        let cases = [
            ("declined", "declined"),
            ("card 4111111111111111 declined", "card [redacted] declined"),
            ("card 4111 1111 1111 1111.", "card [redacted]."),
            ("card 4111-1111-1111-1111", "card [redacted]"),
            ("order 000000003, code 05", "order 000000003, code 05"),
            ("ref 12345678901 ok", "ref 12345678901 ok"),
            ("ref 123456789012 ok", "ref [redacted] ok"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_digits(input), expected, "{input}");
        }
    }

    fn payment(kind: PaymentKind, status: PaymentStatus) -> Payment {
        Payment {
            ids: ExternalIds::new().with(System::Paytrace, "12345"),
            message: Some("Insufficient funds".into()),
            ..Payment::new(
                System::Paytrace,
                kind,
                status,
                Money::from_minor(1500, Currency::JPY),
            )
        }
    }

    #[test]
    fn comment_text_table() {
        let cases = [
            (
                PaymentKind::Sale,
                PaymentStatus::Captured,
                "PayTrace captured 1500 JPY, transaction 12345.",
            ),
            (
                PaymentKind::Authorization,
                PaymentStatus::Authorized,
                "PayTrace authorized 1500 JPY, transaction 12345.",
            ),
            (
                PaymentKind::Void,
                PaymentStatus::Voided,
                "PayTrace voided 1500 JPY, transaction 12345.",
            ),
            (
                PaymentKind::Refund,
                PaymentStatus::Captured,
                "PayTrace refunded 1500 JPY, transaction 12345.",
            ),
            (
                PaymentKind::Sale,
                PaymentStatus::Pending,
                "PayTrace is processing 1500 JPY, transaction 12345.",
            ),
            (
                PaymentKind::Sale,
                PaymentStatus::Declined,
                "PayTrace declined 1500 JPY, transaction 12345. Reason: Insufficient funds.",
            ),
            (
                PaymentKind::Sale,
                PaymentStatus::Failed,
                "PayTrace failed to process 1500 JPY, transaction 12345. Reason: Insufficient funds.",
            ),
        ];
        for (kind, status, expected) in cases {
            assert_eq!(
                payment_text(&payment(kind, status.clone())).unwrap(),
                expected,
                "{status}"
            );
        }
    }

    #[test]
    fn every_known_financial_status_has_a_magento_state() {
        for status in FinancialStatus::KNOWN {
            let update = to_magento_order_status(status).unwrap();
            assert_eq!(update.state.as_str(), update.status, "{status}");
            assert!(
                !matches!(update.state, magento::OrderState::Other(_)),
                "{status}"
            );
        }
    }
}

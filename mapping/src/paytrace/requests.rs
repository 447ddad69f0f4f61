//! Canonical orders, payments and refunds into PayTrace transaction requests.
//!
//! A sale and an authorization take the same body at PayTrace (only the path differs:
//! `sale_keyed` or `authorize_keyed` on the client), so each builder here serves both.
//! Card data never passes through the canonical model: keyed requests take the caller's
//! [`CreditCard`] and [`CscField`] (clear or client-side encrypted), Protect.js requests the
//! browser's [`ProtectToken`], and vault requests the customer's PayTrace vault id.

use ::paytrace::{
    CaptureRequest, CreditCard, CscField, CustomerRequest, KeyedRequest, ProtectRequest,
    ProtectToken, RefundRequest, TransactionDetails, TransactionId,
};
use rust_decimal::Decimal;

use super::address::{non_blank, to_paytrace_address};
use crate::amount::paytrace::to_paytrace_amount;
use crate::reference::{ReferenceField, order_reference};
use crate::{MappingError, Money, Order, Payment, PaymentStatus, Refund, System};

/// What a PayTrace transaction request needs besides the order itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderCtx<'a> {
    /// The store's prefix in order references (`"S1"`; empty for a single store): the same
    /// prefix must be used when reconciling, since it is part of every `invoice_id`.
    pub store_prefix: &'a str,
    /// Send the order's e-mail as `email`, which makes PayTrace e-mail its own receipt to the
    /// customer. Off by default: most stores send their own.
    pub email_receipt: bool,
}

/// The `invoice_id` of `order`: its reference shaped by
/// [`order_reference`] for [`ReferenceField::PaytraceInvoiceId`]. PayTrace has no idempotency
/// header, so this is also the key the client's `find_sale_by_invoice` looks a lost sale up by.
pub fn invoice_id(order: &Order, ctx: &OrderCtx<'_>) -> Result<String, MappingError> {
    order_reference(
        ctx.store_prefix,
        &order.number,
        ReferenceField::PaytraceInvoiceId,
    )
}

/// The amount, tax and optional fields shared by every sale and authorization of `order`.
struct OrderFields {
    amount: Decimal,
    details: TransactionDetails,
}

fn order_fields(order: &Order, ctx: &OrderCtx<'_>) -> Result<OrderFields, MappingError> {
    let amount = to_paytrace_amount(&order.total, "total").map_err(|e| e.at("order"))?;
    Ok(OrderFields {
        amount,
        details: TransactionDetails {
            invoice_id: Some(invoice_id(order, ctx)?),
            email: if ctx.email_receipt {
                order_email(order).map(str::to_owned)
            } else {
                None
            },
            tax_amount: tax_amount(order)?,
            ..TransactionDetails::default()
        },
    })
}

pub(super) fn order_email(order: &Order) -> Option<&str> {
    non_blank(order.email.as_deref())
        .or_else(|| non_blank(order.customer.as_ref()?.email.as_deref()))
}

/// `tax_amount`: the order's tax, which PayTrace takes as the part of `amount` that is tax.
/// Zero tax is left out (PayTrace amounts are positive); tax above the total is refused.
fn tax_amount(order: &Order) -> Result<Option<Decimal>, MappingError> {
    if order.tax.is_zero() {
        return Ok(None);
    }
    let tax = to_paytrace_amount(&order.tax, "tax").map_err(|e| e.at("order"))?;
    let rest = order
        .total
        .checked_sub(order.tax)
        .map_err(|e| e.at("order"))?;
    if rest.is_negative() {
        return Err(MappingError::AmountOutOfRange {
            field: "order.tax".to_owned(),
            value: order.tax.to_string(),
            reason: "tax exceeds the order total",
        });
    }
    Ok(Some(tax))
}

pub(super) fn billing(order: &Order) -> Result<Option<::paytrace::Address>, MappingError> {
    order
        .billing_address
        .as_ref()
        .map(|a| to_paytrace_address(a).map_err(|e| e.at("order.billing_address")))
        .transpose()
}

pub(super) fn shipping(order: &Order) -> Result<Option<::paytrace::Address>, MappingError> {
    order
        .shipping_address
        .as_ref()
        .map(|a| to_paytrace_address(a).map_err(|e| e.at("order.shipping_address")))
        .transpose()
}

/// A keyed sale or authorization of `order` with the caller's card (`credit_card`, `csc`).
///
/// Sends `order.total` as `amount`, `order.tax` as `tax_amount`, the order reference as
/// `invoice_id` and both addresses (the billing address is what AVS checks).
pub fn to_keyed_request(
    order: &Order,
    ctx: &OrderCtx<'_>,
    credit_card: CreditCard,
    csc: Option<CscField>,
) -> Result<KeyedRequest, MappingError> {
    let fields = order_fields(order, ctx)?;
    Ok(KeyedRequest {
        amount: fields.amount,
        credit_card,
        csc,
        billing_address: billing(order)?,
        shipping_address: shipping(order)?,
        details: fields.details,
    })
}

/// A sale or authorization of `order` charging its customer's PayTrace vault profile.
///
/// The vault id is `order.customer.ids[paytrace]`; an order whose customer has not been
/// vaulted yet is [`MappingError::NotYetKnown`] (retry once the vault profile exists). The
/// billing address is the vault's, so only the shipping address is sent.
pub fn to_customer_request(
    order: &Order,
    ctx: &OrderCtx<'_>,
) -> Result<CustomerRequest, MappingError> {
    let vault_id = vault_id(order)?;
    let fields = order_fields(order, ctx)?;
    Ok(CustomerRequest {
        customer_id: vault_id.to_owned(),
        amount: fields.amount,
        csc: None,
        shipping_address: shipping(order)?,
        details: fields.details,
    })
}

/// A sale or authorization of `order` paid with a Protect.js token (`hpf_token` + `enc_key`
/// from the browser): the card never reaches the server.
pub fn to_protect_request(
    order: &Order,
    ctx: &OrderCtx<'_>,
    token: ProtectToken,
) -> Result<ProtectRequest, MappingError> {
    let fields = order_fields(order, ctx)?;
    Ok(ProtectRequest {
        token,
        amount: fields.amount,
        billing_address: billing(order)?,
        shipping_address: shipping(order)?,
        details: fields.details,
    })
}

/// The PayTrace vault id of the order's customer: missing customer is an error, a customer not
/// vaulted yet is [`MappingError::NotYetKnown`].
pub(crate) fn vault_id(order: &Order) -> Result<&str, MappingError> {
    order
        .customer
        .as_ref()
        .ok_or(MappingError::MissingField {
            field: "order.customer".to_owned(),
        })?
        .ids
        .require(System::Paytrace, "order.customer.ids.paytrace")
}

/// The PayTrace transaction id (digits) stored under [`System::Paytrace`].
fn paytrace_id(text: &str, field: &str) -> Result<TransactionId, MappingError> {
    text.trim()
        .parse::<u64>()
        .map(TransactionId)
        .map_err(|_| MappingError::InvalidValue {
            field: field.to_owned(),
            value: text.to_owned(),
            expected: "PayTrace transaction id (digits)",
        })
}

/// The PayTrace transaction of `payment`, after checking that PayTrace processed it and that
/// its status is one of `allowed`.
fn paytrace_transaction(
    payment: &Payment,
    allowed: &[PaymentStatus],
    expected: &'static str,
) -> Result<TransactionId, MappingError> {
    if payment.gateway != System::Paytrace {
        return Err(MappingError::InvalidValue {
            field: "payment.gateway".to_owned(),
            value: payment.gateway.as_str().to_owned(),
            expected: "paytrace",
        });
    }
    match &payment.status {
        PaymentStatus::Unknown(raw) => {
            return Err(MappingError::UnknownStatus {
                field: "payment.status".to_owned(),
                value: raw.clone(),
                target: "PayTrace",
            });
        }
        status if !allowed.contains(status) => {
            return Err(MappingError::InvalidValue {
                field: "payment.status".to_owned(),
                value: status.as_str().to_owned(),
                expected,
            });
        }
        _ => {}
    }
    paytrace_id(payment.transaction_id()?, "payment.transaction_id")
}

/// Captures the authorization `payment`: all of it when `amount` is `None` (PayTrace then
/// captures the authorized amount), or `amount`, which may not exceed what was authorized.
pub fn to_capture_request(
    payment: &Payment,
    amount: Option<&Money>,
) -> Result<CaptureRequest, MappingError> {
    let transaction_id =
        paytrace_transaction(payment, &[PaymentStatus::Authorized], "authorized payment")?;
    let amount = amount
        .map(|amount| {
            let wire = to_paytrace_amount(amount, "capture_amount")?;
            let left = payment
                .amount
                .checked_sub(*amount)
                .map_err(|e| e.at("capture_amount"))?;
            if left.is_negative() {
                return Err(MappingError::AmountOutOfRange {
                    field: "capture_amount".to_owned(),
                    value: amount.to_string(),
                    reason: "capture exceeds the authorized amount",
                });
            }
            Ok(wire)
        })
        .transpose()?;
    Ok(CaptureRequest {
        transaction_id,
        amount,
    })
}

/// The transaction to pass to the client's `void`: an authorization, or a sale or capture
/// that has not settled yet (PayTrace refuses to void settled ones; refund those instead).
pub fn to_void_transaction(payment: &Payment) -> Result<TransactionId, MappingError> {
    paytrace_transaction(
        payment,
        &[PaymentStatus::Authorized, PaymentStatus::Captured],
        "authorized or captured payment",
    )
}

/// `/v1/transactions/refund/for_transaction` for `refund`: the refunded PayTrace transaction
/// and the amount, always sent explicitly so a partial refund is never taken for a full one.
///
/// A refund that already has a PayTrace id was already sent: building it again is refused,
/// because PayTrace has no idempotency key and would pay it out twice. A refund whose payment
/// has no PayTrace id yet is [`MappingError::NotYetKnown`].
pub fn to_refund_request(refund: &Refund) -> Result<RefundRequest, MappingError> {
    if refund.gateway != System::Paytrace {
        return Err(MappingError::InvalidValue {
            field: "refund.gateway".to_owned(),
            value: refund.gateway.as_str().to_owned(),
            expected: "paytrace",
        });
    }
    if let Some(sent) = refund.ids.get(System::Paytrace) {
        return Err(MappingError::InvalidValue {
            field: "refund.ids.paytrace".to_owned(),
            value: sent.to_owned(),
            expected: "refund not yet sent to PayTrace",
        });
    }
    let payment = refund
        .payment_transaction_id
        .as_deref()
        .ok_or(MappingError::NotYetKnown {
            field: "refund.payment_transaction_id".to_owned(),
            system: System::Paytrace.as_str(),
        })?;
    Ok(RefundRequest {
        transaction_id: paytrace_id(payment, "refund.payment_transaction_id")?,
        amount: Some(to_paytrace_amount(&refund.amount, "amount").map_err(|e| e.at("refund"))?),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{
        Address, CountryCode, Currency, Customer, ExternalIds, FinancialStatus, PaymentKind,
        RefundStatus,
    };

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn order() -> Order {
        Order {
            ids: ExternalIds::new().with(System::Shopify, "450789469"),
            source: System::Shopify,
            number: "#1001".into(),
            currency: Currency::USD,
            customer: Some(Customer {
                ids: ExternalIds::new().with(System::Paytrace, "cust-42"),
                email: Some("kevin@example.com".into()),
                ..Customer::default()
            }),
            email: None,
            billing_address: Some(Address {
                first_name: Some("Kevin".into()),
                last_name: Some("Smith".into()),
                lines: vec!["8320 E. West St.".into()],
                city: Some("Spokane".into()),
                region_code: Some("WA".into()),
                postal_code: Some("99201".into()),
                country: Some(CountryCode::US),
                ..Address::default()
            }),
            shipping_address: None,
            line_items: vec![],
            shipping: usd(0),
            discount: usd(0),
            tax: usd(810),
            total: usd(11000),
            presentment_total: None,
            adjustments: Vec::new(),
            financial_status: FinancialStatus::Pending,
        }
    }

    /// JSON with numbers kept as written (`110.00` stays `110.00`), as PayTrace receives them.
    fn exact_json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    fn ctx() -> OrderCtx<'static> {
        OrderCtx {
            store_prefix: "S1",
            email_receipt: false,
        }
    }

    fn payment(status: PaymentStatus) -> Payment {
        Payment {
            ids: ExternalIds::new().with(System::Paytrace, "392442990"),
            order_number: Some("#1001".into()),
            reference: Some("S1-1001".into()),
            ..Payment::new(
                System::Paytrace,
                PaymentKind::Authorization,
                status,
                usd(11000),
            )
        }
    }

    fn refund() -> Refund {
        Refund {
            ids: ExternalIds::new().with(System::Shopify, "509562969"),
            gateway: System::Paytrace,
            payment_transaction_id: Some("79388123".into()),
            order_number: Some("#1001".into()),
            amount: usd(2500),
            presentment_amount: None,
            status: RefundStatus::Pending,
            reason: None,
            processed_at: None,
        }
    }

    #[test]
    fn vault_sale_body() {
        let req = to_customer_request(&order(), &ctx()).unwrap();
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            exact_json(
                r#"{"customer_id": "cust-42", "amount": 110.00, "invoice_id": "S1-1001", "tax_amount": 8.10}"#
            )
        );
    }

    #[test]
    fn email_receipt_uses_order_then_customer_email() {
        let ctx = OrderCtx {
            email_receipt: true,
            ..ctx()
        };
        let req = to_customer_request(&order(), &ctx).unwrap();
        assert_eq!(req.details.email.as_deref(), Some("kevin@example.com"));
        let mut with_email = order();
        with_email.email = Some("order@example.com".into());
        let req = to_customer_request(&with_email, &ctx).unwrap();
        assert_eq!(req.details.email.as_deref(), Some("order@example.com"));
    }

    #[test]
    fn order_errors_name_the_field() {
        let mut eur = order();
        eur.currency = Currency::EUR;
        eur.total = Money::from_minor(11000, Currency::EUR);
        let no_customer = Order {
            customer: None,
            ..order()
        };
        let mut not_vaulted = order();
        not_vaulted.customer = Some(Customer::default());
        let too_much_tax = Order {
            tax: usd(11001),
            ..order()
        };
        let negative_tax = Order {
            tax: usd(-1),
            ..order()
        };
        let no_number = Order {
            number: "#".into(),
            ..order()
        };
        let cases: [(Order, &str); 6] = [
            (eur, "order.total"),
            (no_customer, "order.customer"),
            (not_vaulted, "order.customer.ids.paytrace"),
            (too_much_tax, "order.tax"),
            (negative_tax, "order.tax"),
            (no_number, "order.number"),
        ];
        for (order, field) in cases {
            let err = to_customer_request(&order, &ctx()).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
    }

    #[test]
    fn capture_void_and_their_guards() {
        let auth = payment(PaymentStatus::Authorized);
        let full = to_capture_request(&auth, None).unwrap();
        assert_eq!(full.transaction_id, TransactionId(392442990));
        assert_eq!(full.amount, None);
        let part = to_capture_request(&auth, Some(&usd(5000))).unwrap();
        assert_eq!(part.amount, Some(Decimal::new(5000, 2)));
        assert_eq!(
            to_void_transaction(&payment(PaymentStatus::Captured)).unwrap(),
            TransactionId(392442990)
        );

        let over = to_capture_request(&auth, Some(&usd(11001))).unwrap_err();
        assert!(matches!(over, MappingError::AmountOutOfRange { .. }));
        assert_eq!(over.field(), "capture_amount");
        let unknown = to_capture_request(
            &payment(PaymentStatus::Unknown("999 for sale".into())),
            None,
        )
        .unwrap_err();
        assert!(matches!(unknown, MappingError::UnknownStatus { .. }));
        assert_eq!(unknown.field(), "payment.status");
        let declined = to_void_transaction(&payment(PaymentStatus::Declined)).unwrap_err();
        assert_eq!(declined.field(), "payment.status");
        assert_eq!(declined.value(), Some("declined"));
        let mut stripe = auth.clone();
        stripe.gateway = System::Stripe;
        assert_eq!(
            to_void_transaction(&stripe).unwrap_err().field(),
            "payment.gateway"
        );
        let mut no_id = auth.clone();
        no_id.ids = ExternalIds::new();
        let err = to_void_transaction(&no_id).unwrap_err();
        assert!(!err.is_permanent());
        assert_eq!(err.field(), "payment.transaction_id");
        let mut bad_id = auth;
        bad_id.ids = ExternalIds::new().with(System::Paytrace, "ch_123");
        let err = to_void_transaction(&bad_id).unwrap_err();
        assert!(matches!(err, MappingError::InvalidValue { .. }));
        assert_eq!(err.field(), "payment.transaction_id");
    }

    #[test]
    fn refund_body_and_guards() {
        let req = to_refund_request(&refund()).unwrap();
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            exact_json(r#"{"transaction_id": 79388123, "amount": 25.00}"#)
        );
        let sent = Refund {
            ids: refund().ids.with(System::Paytrace, "105968559"),
            ..refund()
        };
        let pending = Refund {
            payment_transaction_id: None,
            ..refund()
        };
        let cad = Refund {
            amount: Money::from_minor(2500, Currency::CAD),
            ..refund()
        };
        let zero = Refund {
            amount: usd(0),
            ..refund()
        };
        let stripe = Refund {
            gateway: System::Stripe,
            ..refund()
        };
        let cases = [
            (sent, "refund.ids.paytrace"),
            (pending, "refund.payment_transaction_id"),
            (cad, "refund.amount"),
            (zero, "refund.amount"),
            (stripe, "refund.gateway"),
        ];
        for (refund, field) in cases {
            assert_eq!(to_refund_request(&refund).unwrap_err().field(), field);
        }
    }
}

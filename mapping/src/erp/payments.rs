//! Payments, refunds (credit memo and refund payment) and disputes.

use super::{ErpCtx, erp_money, require_sign, segment};
use crate::{Currency, Dispute, MappingError, Order, Payment, Refund, RefundStatus, System};

/// `{gateway}/{account}/txn/{transaction id}`: the ERP payment of a gateway transaction.
pub fn payment_ref(
    gateway: System,
    transaction_id: &str,
    ctx: &ErpCtx,
) -> Result<String, MappingError> {
    Ok(format!(
        "{}/txn/{}",
        ctx.gateway_prefix(gateway, "payment")?,
        segment(transaction_id, "payment.transaction_id")?
    ))
}

/// `{gateway}/{account}/refund/{refund transaction id}`: the ERP refund payment.
pub fn refund_payment_ref(refund: &Refund, ctx: &ErpCtx) -> Result<String, MappingError> {
    let field = format!("refund.ids.{}", refund.gateway.as_str());
    // The refund may not have reached the gateway yet: `NotYetKnown`, worth a retry.
    let id = refund.ids.require(refund.gateway, &field)?;
    Ok(format!(
        "{}/refund/{}",
        ctx.gateway_prefix(refund.gateway, "refund")?,
        segment(id, &field)?
    ))
}

/// `{gateway}/{account}/refund/{refund transaction id}/credit_memo`.
pub fn credit_memo_ref(refund: &Refund, ctx: &ErpCtx) -> Result<String, MappingError> {
    Ok(format!("{}/credit_memo", refund_payment_ref(refund, ctx)?))
}

/// `{gateway}/{account}/dispute/{dispute id}/{stage}`: one record per stage.
pub fn dispute_ref(
    dispute: &Dispute,
    stage: erp::DisputeStage,
    ctx: &ErpCtx,
) -> Result<String, MappingError> {
    let field = format!("dispute.ids.{}", dispute.gateway.as_str());
    let id = dispute
        .ids
        .get(dispute.gateway)
        .ok_or_else(|| MappingError::MissingField {
            field: field.clone(),
        })?;
    let stage = match stage {
        erp::DisputeStage::Opened => "opened",
        erp::DisputeStage::Won => "won",
        erp::DisputeStage::Lost => "lost",
    };
    Ok(format!(
        "{}/dispute/{}/{stage}",
        ctx.gateway_prefix(dispute.gateway, "dispute")?,
        segment(id, &field)?
    ))
}

/// The ERP payment received against `order`'s invoice for a captured sale or capture, with the
/// gateway, its transaction id and its fee.
///
/// Authorizations and voids move no money and refunds have their own mapping
/// ([`to_erp_refund_payment`]): they are [`MappingError::InvalidValue`] on `payment.kind`. A
/// status other than `captured` is `InvalidValue` (`UnknownStatus` when `Unknown`). The payment
/// must be in the order's currency (a presentment-currency charge is a `CurrencyMismatch`).
pub fn to_erp_payment(
    payment: &Payment,
    order: &Order,
    ctx: &ErpCtx,
) -> Result<erp::Payment, MappingError> {
    received_payment(
        payment,
        order.currency,
        super::invoice_ref(order, ctx)?,
        ctx,
    )
}

/// The ERP payment received for a captured sale or capture in `currency`, against the invoice
/// `invoice_ref`: an order's ([`to_erp_payment`]) or a billing invoice's
/// ([`super::to_erp_billing_payment`]), under the same reference, transaction id and fee.
pub(super) fn received_payment(
    payment: &Payment,
    currency: Currency,
    invoice_ref: String,
    ctx: &ErpCtx,
) -> Result<erp::Payment, MappingError> {
    payment.require_captured("erp")?;
    let transaction_id = payment.transaction_id()?;
    let amount = erp_money(payment.amount, currency, "payment.amount")?;
    require_sign(payment.amount, true, "payment.amount")?;
    let fee = match payment.fee {
        Some(fee) => {
            let out = erp_money(fee, currency, "payment.fee")?;
            require_sign(fee, false, "payment.fee")?;
            if fee.minor() > payment.amount.minor() {
                return Err(MappingError::AmountOutOfRange {
                    field: "payment.fee".to_owned(),
                    value: fee.to_string(),
                    reason: "larger than the payment",
                });
            }
            Some(out)
        }
        None => None,
    };
    Ok(erp::Payment {
        external_ref: payment_ref(payment.gateway, transaction_id, ctx)?,
        invoice_ref,
        direction: erp::PaymentDirection::Received,
        gateway: erp::Gateway::try_from(payment.gateway).map_err(|e| e.at("payment"))?,
        transaction_id: transaction_id.to_owned(),
        amount,
        fee,
        date: ctx.date_of(payment.processed_at),
    })
}

/// Checks what a credit memo and a refund payment both need: a succeeded refund of a positive
/// amount in the order's currency.
fn check_refund(refund: &Refund, order: &Order) -> Result<erp::Money, MappingError> {
    match &refund.status {
        RefundStatus::Succeeded => {}
        RefundStatus::Unknown(raw) => {
            return Err(MappingError::UnknownStatus {
                field: "refund.status".to_owned(),
                value: raw.clone(),
                target: "erp",
            });
        }
        other => {
            return Err(MappingError::InvalidValue {
                field: "refund.status".to_owned(),
                value: other.as_str().to_owned(),
                expected: "succeeded refund",
            });
        }
    }
    let amount = erp_money(refund.amount, order.currency, "refund.amount")?;
    require_sign(refund.amount, true, "refund.amount")?;
    Ok(amount)
}

/// The ERP credit memo of a succeeded refund, against `order`'s invoice: it credits the
/// customer (refunds against receivables). The money leaving the gateway is the refund payment
/// ([`to_erp_refund_payment`]); post both, the memo first.
pub fn to_erp_credit_memo(
    refund: &Refund,
    order: &Order,
    ctx: &ErpCtx,
) -> Result<erp::CreditMemo, MappingError> {
    let amount = check_refund(refund, order)?;
    Ok(erp::CreditMemo {
        external_ref: credit_memo_ref(refund, ctx)?,
        invoice_ref: super::invoice_ref(order, ctx)?,
        date: ctx.date_of(refund.processed_at),
        amount,
        reason: refund.reason.clone().unwrap_or_default(),
    })
}

/// The ERP refund payment of a succeeded refund: the money the gateway paid back, which settles
/// the credit the memo gave (receivables against the gateway's clearing account).
pub fn to_erp_refund_payment(
    refund: &Refund,
    order: &Order,
    ctx: &ErpCtx,
) -> Result<erp::Payment, MappingError> {
    let amount = check_refund(refund, order)?;
    let field = format!("refund.ids.{}", refund.gateway.as_str());
    let transaction_id = refund.ids.require(refund.gateway, &field)?;
    Ok(erp::Payment {
        external_ref: refund_payment_ref(refund, ctx)?,
        invoice_ref: super::invoice_ref(order, ctx)?,
        direction: erp::PaymentDirection::Refunded,
        gateway: erp::Gateway::try_from(refund.gateway).map_err(|e| e.at("refund"))?,
        transaction_id: transaction_id.to_owned(),
        amount,
        fee: None,
        date: ctx.date_of(refund.processed_at),
    })
}

/// The ERP dispute record of the stage `dispute.status` has reached (see
/// [`erp::DisputeStage`]'s `TryFrom<&DisputeStatus>`): inquiries and unknown statuses are
/// [`MappingError::UnknownStatus`] on `dispute.status`.
pub fn to_erp_dispute(dispute: &Dispute, ctx: &ErpCtx) -> Result<erp::Dispute, MappingError> {
    let stage = erp::DisputeStage::try_from(&dispute.status).map_err(|e| e.at("dispute"))?;
    to_erp_dispute_at(dispute, stage, ctx)
}

/// The ERP dispute record of `stage`, for a flow that records a stage the status has passed
/// (say `Opened` for a dispute first seen already won).
///
/// `payment_ref` is the reference [`to_erp_payment`] gives the disputed transaction; the embedded
/// ledger refuses it when that payment is not in the ERP, and a flow that records disputes of
/// payments it never posted sets it to `None`. The canonical dispute has no dispute fee, so
/// `fee` is `None` (the gateway's fee line in the settlement books it). Dated [`ErpCtx::date`].
pub fn to_erp_dispute_at(
    dispute: &Dispute,
    stage: erp::DisputeStage,
    ctx: &ErpCtx,
) -> Result<erp::Dispute, MappingError> {
    let field = format!("dispute.ids.{}", dispute.gateway.as_str());
    let dispute_id = dispute
        .ids
        .get(dispute.gateway)
        .ok_or(MappingError::MissingField { field })?;
    let amount = erp::Money::from(dispute.amount);
    require_sign(dispute.amount, true, "dispute.amount")?;
    if dispute.payment_transaction_id.trim().is_empty() {
        return Err(MappingError::MissingField {
            field: "dispute.payment_transaction_id".to_owned(),
        });
    }
    // The dispute's own reference first, so a bad gateway is reported on the dispute.
    let external_ref = dispute_ref(dispute, stage, ctx)?;
    let payment_ref = payment_ref(dispute.gateway, &dispute.payment_transaction_id, ctx)?;
    Ok(erp::Dispute {
        external_ref,
        payment_ref: Some(payment_ref),
        gateway: erp::Gateway::try_from(dispute.gateway).map_err(|e| e.at("dispute"))?,
        dispute_id: dispute_id.to_owned(),
        stage,
        amount,
        fee: None,
        reason: dispute.reason.clone().unwrap_or_default(),
        date: ctx.date,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::erp::test_support::{ctx, dispute, order, payment, refund, usd};
    use crate::{Currency, DisputeStatus, ExternalIds, Money, PaymentKind, PaymentStatus};

    #[test]
    fn payment_received_with_gateway_transaction_and_fee() {
        let out = to_erp_payment(&payment(), &order(), &ctx()).unwrap();
        assert_eq!(out.external_ref, "paytrace/acct-9/txn/123456");
        assert_eq!(out.invoice_ref, "shopify/shop1/order/450789469/invoice");
        assert_eq!(out.direction, erp::PaymentDirection::Received);
        assert_eq!(out.gateway.as_str(), "paytrace");
        assert_eq!(out.transaction_id, "123456");
        assert_eq!(out.amount.minor, 4640);
        assert_eq!(out.fee.map(|f| f.minor), Some(135));
        assert_eq!(serde_json::to_value(&out).unwrap()["date"], "2026-11-23");
        let mut p = payment();
        p.fee = None;
        p.processed_at = None;
        p.kind = PaymentKind::Capture;
        let out = to_erp_payment(&p, &order(), &ctx()).unwrap();
        assert_eq!(out.fee, None);
    }

    #[test]
    fn payment_errors_name_the_field() {
        type Edit = fn(&mut Payment);
        let cases: [(Edit, &str, &str); 9] = [
            (
                |p| p.kind = PaymentKind::Authorization,
                "payment.kind",
                "value",
            ),
            (|p| p.kind = PaymentKind::Refund, "payment.kind", "value"),
            (
                |p| p.status = PaymentStatus::Declined,
                "payment.status",
                "value",
            ),
            (
                |p| p.status = PaymentStatus::Unknown("HELD".into()),
                "payment.status",
                "status",
            ),
            (
                |p| p.ids = ExternalIds::new(),
                "payment.transaction_id",
                "later",
            ),
            (
                |p| p.amount = Money::from_minor(4640, Currency::EUR),
                "payment.amount",
                "currency",
            ),
            (|p| p.amount = usd(0), "payment.amount", "range"),
            (|p| p.fee = Some(usd(5000)), "payment.fee", "range"),
            (
                |p| p.gateway = System::Shopify,
                "payment.transaction_id",
                "later",
            ),
        ];
        for (edit, field, kind) in cases {
            let mut p = payment();
            edit(&mut p);
            let err = to_erp_payment(&p, &order(), &ctx()).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            let ok = match kind {
                "status" => matches!(err, MappingError::UnknownStatus { .. }),
                "later" => !err.is_permanent(),
                "currency" => matches!(err, MappingError::CurrencyMismatch { .. }),
                "range" => matches!(err, MappingError::AmountOutOfRange { .. }),
                _ => matches!(err, MappingError::InvalidValue { .. }),
            };
            assert!(ok, "{field}: {err:?}");
        }
        let mut p = payment();
        p.gateway = System::Shopify;
        p.ids = ExternalIds::new().with(System::Shopify, "1");
        let err = to_erp_payment(&p, &order(), &ctx()).unwrap_err();
        assert_eq!(err.field(), "payment.gateway");
    }

    #[test]
    fn refund_as_credit_memo_and_refund_payment() {
        let memo = to_erp_credit_memo(&refund(), &order(), &ctx()).unwrap();
        assert_eq!(
            memo.external_ref,
            "paytrace/acct-9/refund/123999/credit_memo"
        );
        assert_eq!(memo.invoice_ref, "shopify/shop1/order/450789469/invoice");
        assert_eq!(memo.amount.minor, 1000);
        assert_eq!(memo.reason, "Damaged mug");
        assert_eq!(serde_json::to_value(&memo).unwrap()["date"], "2026-11-25");
        let out = to_erp_refund_payment(&refund(), &order(), &ctx()).unwrap();
        assert_eq!(out.external_ref, "paytrace/acct-9/refund/123999");
        assert_eq!(out.direction, erp::PaymentDirection::Refunded);
        assert_eq!(out.transaction_id, "123999");
        assert_eq!(out.amount.minor, 1000);
    }

    #[test]
    fn refund_errors_name_the_field() {
        type Edit = fn(&mut Refund);
        let cases: [(Edit, &str); 5] = [
            (|r| r.status = RefundStatus::Pending, "refund.status"),
            (
                |r| r.status = RefundStatus::Unknown("weird".into()),
                "refund.status",
            ),
            (|r| r.amount = usd(-1), "refund.amount"),
            (
                |r| r.amount = Money::from_minor(1000, Currency::GBP),
                "refund.amount",
            ),
            (
                |r| r.ids = ExternalIds::new().with(System::Shopify, "9"),
                "refund.ids.paytrace",
            ),
        ];
        for (edit, field) in cases {
            let mut r = refund();
            edit(&mut r);
            for err in [
                to_erp_credit_memo(&r, &order(), &ctx()).unwrap_err(),
                to_erp_refund_payment(&r, &order(), &ctx()).unwrap_err(),
            ] {
                assert_eq!(err.field(), field, "{err}");
            }
        }
        let mut r = refund();
        r.ids = ExternalIds::new();
        let err = to_erp_credit_memo(&r, &order(), &ctx()).unwrap_err();
        assert!(!err.is_permanent(), "the gateway refund may come later");
    }

    #[test]
    fn disputes_by_stage() {
        let cases = [
            (
                DisputeStatus::NeedsResponse,
                erp::DisputeStage::Opened,
                "opened",
            ),
            (DisputeStatus::Won, erp::DisputeStage::Won, "won"),
            (DisputeStatus::Accepted, erp::DisputeStage::Lost, "lost"),
        ];
        for (status, stage, suffix) in cases {
            let out = to_erp_dispute(&dispute(status), &ctx()).unwrap();
            assert_eq!(out.stage, stage);
            assert_eq!(
                out.external_ref,
                format!("stripe/acct-9/dispute/dp_1/{suffix}")
            );
            assert_eq!(out.payment_ref.as_deref(), Some("stripe/acct-9/txn/ch_1"));
            assert_eq!(out.dispute_id, "dp_1");
            assert_eq!(out.amount.minor, 4640);
            assert_eq!(out.reason, "fraudulent");
            assert_eq!(out.fee, None);
        }
        let opened = to_erp_dispute_at(
            &dispute(DisputeStatus::Won),
            erp::DisputeStage::Opened,
            &ctx(),
        )
        .unwrap();
        assert_eq!(opened.external_ref, "stripe/acct-9/dispute/dp_1/opened");
    }

    #[test]
    fn dispute_errors_name_the_field() {
        let err =
            to_erp_dispute(&dispute(DisputeStatus::InquiryNeedsResponse), &ctx()).unwrap_err();
        assert_eq!(
            err,
            MappingError::UnknownStatus {
                field: "dispute.status".into(),
                value: "inquiry_needs_response".into(),
                target: "erp"
            }
        );
        let err = to_erp_dispute(&dispute(DisputeStatus::Unknown("x".into())), &ctx()).unwrap_err();
        assert_eq!(err.field(), "dispute.status");
        let mut d = dispute(DisputeStatus::Lost);
        d.ids = ExternalIds::new();
        assert_eq!(
            to_erp_dispute(&d, &ctx()).unwrap_err().field(),
            "dispute.ids.stripe"
        );
        let mut d = dispute(DisputeStatus::Lost);
        d.payment_transaction_id = String::new();
        assert_eq!(
            to_erp_dispute(&d, &ctx()).unwrap_err().field(),
            "dispute.payment_transaction_id"
        );
        let mut d = dispute(DisputeStatus::Lost);
        d.amount = usd(0);
        assert_eq!(
            to_erp_dispute(&d, &ctx()).unwrap_err().field(),
            "dispute.amount"
        );
        let mut no_account = ctx();
        no_account.gateway_account = String::new();
        assert_eq!(
            to_erp_dispute(&dispute(DisputeStatus::Won), &no_account)
                .unwrap_err()
                .field(),
            "ctx.gateway_account"
        );
    }
}

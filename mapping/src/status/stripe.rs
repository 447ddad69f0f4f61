//! Stripe statuses into canonical ones. Values from Stripe's OpenAPI spec (2023-08-16) for
//! `payment_intent.status`, `charge.status`, `refund.status`, `dispute.status` and `payout.status`;
//! from stripe-python 16.1.0 (API `2026-10-28.endive`) for `subscription.status`,
//! `invoice.status` and `credit_note.status`.

use crate::{
    CreditNoteStatus, DisputeStatus, InvoiceStatus, PaymentStatus, PayoutStatus, RefundStatus,
    SubscriptionStatus,
};

/// A PaymentIntent's `status`. `requires_payment_method` is pending: it is both the state of a new
/// intent and of one whose last attempt was declined, which only `last_payment_error` tells apart.
pub fn payment_intent_status(status: &str) -> PaymentStatus {
    match status {
        "requires_payment_method" | "requires_confirmation" | "processing" => {
            PaymentStatus::Pending
        }
        "requires_action" => PaymentStatus::RequiresAction,
        "requires_capture" => PaymentStatus::Authorized,
        "succeeded" => PaymentStatus::Captured,
        "canceled" => PaymentStatus::Voided,
        other => PaymentStatus::Unknown(other.to_owned()),
    }
}

/// A Charge's `status` with its `captured` flag (a succeeded charge that is not captured is an
/// authorization). A failed charge is a decline: Stripe reports processing errors the same way,
/// with `outcome.type` telling them apart.
pub fn charge_status(status: &str, captured: bool) -> PaymentStatus {
    match status {
        "succeeded" if captured => PaymentStatus::Captured,
        "succeeded" => PaymentStatus::Authorized,
        "pending" => PaymentStatus::Pending,
        "failed" => PaymentStatus::Declined,
        other => PaymentStatus::Unknown(other.to_owned()),
    }
}

/// A Refund's `status`.
pub fn refund_status(status: &str) -> RefundStatus {
    match status {
        "pending" => RefundStatus::Pending,
        "requires_action" => RefundStatus::RequiresAction,
        "succeeded" => RefundStatus::Succeeded,
        "failed" => RefundStatus::Failed,
        "canceled" => RefundStatus::Canceled,
        other => RefundStatus::Unknown(other.to_owned()),
    }
}

/// A Dispute's `status`.
pub fn dispute_status(status: &str) -> DisputeStatus {
    match status {
        "warning_needs_response" => DisputeStatus::InquiryNeedsResponse,
        "warning_under_review" => DisputeStatus::InquiryUnderReview,
        "warning_closed" => DisputeStatus::InquiryClosed,
        "needs_response" => DisputeStatus::NeedsResponse,
        "under_review" => DisputeStatus::UnderReview,
        "won" => DisputeStatus::Won,
        "lost" => DisputeStatus::Lost,
        "prevented" => DisputeStatus::Prevented,
        other => DisputeStatus::Unknown(other.to_owned()),
    }
}

/// A Payout's `status`.
pub fn payout_status(status: &str) -> PayoutStatus {
    match status {
        "pending" => PayoutStatus::Pending,
        "in_transit" => PayoutStatus::InTransit,
        "paid" => PayoutStatus::Paid,
        "failed" => PayoutStatus::Failed,
        "canceled" => PayoutStatus::Canceled,
        other => PayoutStatus::Unknown(other.to_owned()),
    }
}

/// A Subscription's `status` (stripe-python 16.1.0, `Subscription.status`).
pub fn subscription_status(status: &str) -> SubscriptionStatus {
    match status {
        "incomplete" => SubscriptionStatus::Incomplete,
        "incomplete_expired" => SubscriptionStatus::IncompleteExpired,
        "trialing" => SubscriptionStatus::Trialing,
        "active" => SubscriptionStatus::Active,
        "past_due" => SubscriptionStatus::PastDue,
        "canceled" => SubscriptionStatus::Canceled,
        "unpaid" => SubscriptionStatus::Unpaid,
        "paused" => SubscriptionStatus::Paused,
        other => SubscriptionStatus::Unknown(other.to_owned()),
    }
}

/// An Invoice's `status` (stripe-python 16.1.0, `Invoice.status`).
pub fn invoice_status(status: &str) -> InvoiceStatus {
    match status {
        "draft" => InvoiceStatus::Draft,
        "open" => InvoiceStatus::Open,
        "paid" => InvoiceStatus::Paid,
        "void" => InvoiceStatus::Void,
        "uncollectible" => InvoiceStatus::Uncollectible,
        other => InvoiceStatus::Unknown(other.to_owned()),
    }
}

/// A CreditNote's `status` (stripe-python 16.1.0, `CreditNote.status`).
pub fn credit_note_status(status: &str) -> CreditNoteStatus {
    match status {
        "issued" => CreditNoteStatus::Issued,
        "void" => CreditNoteStatus::Void,
        other => CreditNoteStatus::Unknown(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_intent_table() {
        let cases = [
            ("requires_payment_method", PaymentStatus::Pending),
            ("requires_confirmation", PaymentStatus::Pending),
            ("requires_action", PaymentStatus::RequiresAction),
            ("processing", PaymentStatus::Pending),
            ("requires_capture", PaymentStatus::Authorized),
            ("canceled", PaymentStatus::Voided),
            ("succeeded", PaymentStatus::Captured),
            (
                "requires_source",
                PaymentStatus::Unknown("requires_source".into()),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(payment_intent_status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn charge_table() {
        assert_eq!(charge_status("succeeded", true), PaymentStatus::Captured);
        assert_eq!(charge_status("succeeded", false), PaymentStatus::Authorized);
        assert_eq!(charge_status("pending", false), PaymentStatus::Pending);
        assert_eq!(charge_status("failed", false), PaymentStatus::Declined);
        assert_eq!(
            charge_status("paid", true),
            PaymentStatus::Unknown("paid".into())
        );
    }

    #[test]
    fn refund_table() {
        let cases = [
            ("pending", RefundStatus::Pending),
            ("requires_action", RefundStatus::RequiresAction),
            ("succeeded", RefundStatus::Succeeded),
            ("failed", RefundStatus::Failed),
            ("canceled", RefundStatus::Canceled),
            ("reversed", RefundStatus::Unknown("reversed".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(refund_status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn dispute_table() {
        let cases = [
            (
                "warning_needs_response",
                DisputeStatus::InquiryNeedsResponse,
            ),
            ("warning_under_review", DisputeStatus::InquiryUnderReview),
            ("warning_closed", DisputeStatus::InquiryClosed),
            ("needs_response", DisputeStatus::NeedsResponse),
            ("under_review", DisputeStatus::UnderReview),
            ("won", DisputeStatus::Won),
            ("lost", DisputeStatus::Lost),
            ("prevented", DisputeStatus::Prevented),
            (
                "charge_refunded",
                DisputeStatus::Unknown("charge_refunded".into()),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(dispute_status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn payout_table() {
        let cases = [
            ("pending", PayoutStatus::Pending),
            ("in_transit", PayoutStatus::InTransit),
            ("paid", PayoutStatus::Paid),
            ("failed", PayoutStatus::Failed),
            ("canceled", PayoutStatus::Canceled),
            ("", PayoutStatus::Unknown(String::new())),
        ];
        for (raw, expected) in cases {
            assert_eq!(payout_status(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn subscription_table() {
        let cases = [
            ("incomplete", SubscriptionStatus::Incomplete),
            ("incomplete_expired", SubscriptionStatus::IncompleteExpired),
            ("trialing", SubscriptionStatus::Trialing),
            ("active", SubscriptionStatus::Active),
            ("past_due", SubscriptionStatus::PastDue),
            ("canceled", SubscriptionStatus::Canceled),
            ("unpaid", SubscriptionStatus::Unpaid),
            ("paused", SubscriptionStatus::Paused),
            ("cancelled", SubscriptionStatus::Unknown("cancelled".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(subscription_status(raw), expected, "{raw}");
        }
        // Stripe's names are the canonical ones: every canonical status is reached.
        for known in SubscriptionStatus::KNOWN {
            assert_eq!(&subscription_status(known.as_str()), known);
        }
    }

    #[test]
    fn invoice_table() {
        let cases = [
            ("draft", InvoiceStatus::Draft),
            ("open", InvoiceStatus::Open),
            ("paid", InvoiceStatus::Paid),
            ("void", InvoiceStatus::Void),
            ("uncollectible", InvoiceStatus::Uncollectible),
            ("deleted", InvoiceStatus::Unknown("deleted".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(invoice_status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn credit_note_table() {
        let cases = [
            ("issued", CreditNoteStatus::Issued),
            ("void", CreditNoteStatus::Void),
            ("draft", CreditNoteStatus::Unknown("draft".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(credit_note_status(raw), expected, "{raw}");
        }
    }
}

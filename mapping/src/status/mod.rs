//! Canonical statuses and the tables that translate each provider's statuses to and from them.
//!
//! Provider values this crate does not know become `Unknown(raw)`: never a panic and never a guess.
//! Mapping a canonical `Unknown` into a provider is a [`MappingError::UnknownStatus`].
//!
//! [`MappingError::UnknownStatus`]: crate::MappingError::UnknownStatus

pub mod magento;
pub mod paytrace;
pub mod shopify;
pub mod stripe;

canonical_enum! {
    /// Where one payment transaction (an authorization, a sale, a capture) stands.
    PaymentStatus {
        /// Created or processing; the outcome is not known yet.
        Pending => "pending",
        /// Waiting for the customer (3-D Secure, a redirect).
        RequiresAction => "requires_action",
        /// Funds are held and can be captured.
        Authorized => "authorized",
        /// Funds are taken (a sale or a capture).
        Captured => "captured",
        /// The issuer or the gateway's risk rules said no. A normal outcome, not an error.
        Declined => "declined",
        /// The attempt failed for another reason (a processing error, a capture that did not go through).
        Failed => "failed",
        /// The authorization or unsettled sale was cancelled.
        Voided => "voided",
    }
}

canonical_enum! {
    /// Where a refund stands.
    RefundStatus {
        /// Submitted, not final.
        Pending => "pending",
        /// Waiting for the customer or the merchant (Stripe `requires_action`).
        RequiresAction => "requires_action",
        /// Money is on its way back to the customer.
        Succeeded => "succeeded",
        /// The refund did not go through.
        Failed => "failed",
        /// The refund was cancelled before it completed.
        Canceled => "canceled",
    }
}

canonical_enum! {
    /// The payment state of a whole order, as stores show it.
    FinancialStatus {
        /// Nothing paid or authorized yet.
        Pending => "pending",
        /// The full amount is authorized, nothing captured.
        Authorized => "authorized",
        /// Part of the amount is captured.
        PartiallyPaid => "partially_paid",
        /// The full amount is captured.
        Paid => "paid",
        /// Part of the captured amount was refunded.
        PartiallyRefunded => "partially_refunded",
        /// Everything captured was refunded.
        Refunded => "refunded",
        /// The authorization was voided.
        Voided => "voided",
        /// The authorization lapsed before capture.
        Expired => "expired",
    }
}

canonical_enum! {
    /// Where a dispute (chargeback or inquiry) stands.
    DisputeStatus {
        /// An inquiry (retrieval request) that needs evidence.
        InquiryNeedsResponse => "inquiry_needs_response",
        /// An inquiry with evidence submitted.
        InquiryUnderReview => "inquiry_under_review",
        /// An inquiry closed without becoming a chargeback.
        InquiryClosed => "inquiry_closed",
        /// A chargeback that needs evidence.
        NeedsResponse => "needs_response",
        /// A chargeback with evidence submitted.
        UnderReview => "under_review",
        /// Decided for the merchant.
        Won => "won",
        /// Decided for the cardholder.
        Lost => "lost",
        /// The merchant accepted the chargeback without contesting it.
        Accepted => "accepted",
        /// Stopped before becoming a dispute (an issuer prevention alert).
        Prevented => "prevented",
    }
}

canonical_enum! {
    /// Where a payout or settlement batch to the merchant's bank stands.
    PayoutStatus {
        /// Created, not yet sent.
        Pending => "pending",
        /// Sent to the bank.
        InTransit => "in_transit",
        /// Arrived in the bank account.
        Paid => "paid",
        /// The bank refused it.
        Failed => "failed",
        /// Cancelled before it was sent.
        Canceled => "canceled",
    }
}

canonical_enum! {
    /// Where a subscription stands (the lifecycle of docs.stripe.com/billing/subscriptions/overview).
    SubscriptionStatus {
        /// Created; its first payment has not succeeded yet.
        Incomplete => "incomplete",
        /// Its first payment never succeeded in time: it is over without having started.
        IncompleteExpired => "incomplete_expired",
        /// In a free trial.
        Trialing => "trialing",
        /// Running and paid.
        Active => "active",
        /// Its latest invoice is unpaid and being retried.
        PastDue => "past_due",
        /// Ended.
        Canceled => "canceled",
        /// Retries are exhausted and it stays open, invoices unpaid.
        Unpaid => "unpaid",
        /// Paused (a trial ended without a payment method).
        Paused => "paused",
    }
}

canonical_enum! {
    /// Where a billing invoice stands.
    InvoiceStatus {
        /// Being prepared; can still change.
        Draft => "draft",
        /// Finalized and waiting for payment.
        Open => "open",
        /// Paid in full (through payments or marked paid out of band).
        Paid => "paid",
        /// Cancelled after finalization; nothing is owed.
        Void => "void",
        /// Written off as unlikely to be paid; it can still be paid.
        Uncollectible => "uncollectible",
    }
}

canonical_enum! {
    /// Where a credit note stands.
    CreditNoteStatus {
        /// In effect.
        Issued => "issued",
        /// Voided: it no longer credits anything.
        Void => "void",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_keeps_the_raw_value() {
        for status in PaymentStatus::KNOWN {
            assert_eq!(&PaymentStatus::parse(status.as_str()), status);
        }
        for status in DisputeStatus::KNOWN {
            assert_eq!(&DisputeStatus::parse(status.as_str()), status);
        }
        assert_eq!(
            FinancialStatus::parse("PAID"),
            FinancialStatus::Unknown("PAID".into())
        );
        assert_eq!(FinancialStatus::Unknown("x".into()).to_string(), "x");
    }

    #[test]
    fn serde_is_the_plain_name() {
        assert_eq!(
            serde_json::to_string(&RefundStatus::Succeeded).unwrap(),
            "\"succeeded\""
        );
        let parsed: PayoutStatus = serde_json::from_str("\"in_transit\"").unwrap();
        assert_eq!(parsed, PayoutStatus::InTransit);
        let unknown: PayoutStatus = serde_json::from_str("\"lost_in_space\"").unwrap();
        assert_eq!(unknown, PayoutStatus::Unknown("lost_in_space".into()));
    }
}

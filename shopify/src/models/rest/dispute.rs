use super::Timestamp;
use crate::serde_util::{decimal, string_enum};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Whether the dispute is an inquiry or a chargeback.
    pub enum DisputeType {
        /// Inquiry phase.
        Inquiry = "inquiry",
        /// Chargeback.
        Chargeback = "chargeback",
    }
}

string_enum! {
    /// Dispute status.
    pub enum DisputeStatus {
        /// Evidence needed.
        NeedsResponse = "needs_response",
        /// Evidence submitted, under review.
        UnderReview = "under_review",
        /// Charge refunded.
        ChargeRefunded = "charge_refunded",
        /// Accepted by the merchant.
        Accepted = "accepted",
        /// Won by the merchant.
        Won = "won",
        /// Lost by the merchant.
        Lost = "lost",
    }
}

/// The REST Shopify Payments dispute resource: body of `disputes/create`.
///
/// Fields follow the REST `Dispute` resource
/// (<https://shopify.dev/docs/api/admin-rest/latest/resources/dispute>, fields
/// also listed by the official Ruby library's `ShopifyAPI::Dispute`). No
/// official webhook sample was available; the unit test uses a payload built
/// from those field lists.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Dispute {
    /// REST id.
    pub id: u64,
    /// Disputed order.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Inquiry or chargeback.
    #[serde(rename = "type")]
    pub kind: DisputeType,
    /// Disputed amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Currency of `amount`.
    pub currency: String,
    /// Reason (`fraudulent`, `product_not_received`, ...).
    #[serde(default)]
    pub reason: Option<String>,
    /// Card network reason code.
    #[serde(default)]
    pub network_reason_code: Option<String>,
    /// Status.
    pub status: DisputeStatus,
    /// Evidence deadline.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub evidence_due_by: Option<Timestamp>,
    /// When evidence was sent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub evidence_sent_on: Option<Timestamp>,
    /// When the dispute was resolved.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finalized_on: Option<Timestamp>,
    /// When the dispute was opened.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub initiated_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_dispute() {
        let d: Dispute = serde_json::from_str(
            r#"{"id":598735659,"order_id":625362839,"type":"chargeback","amount":"11.50",
                "currency":"USD","reason":"fraudulent","network_reason_code":"4837",
                "status":"needs_response","evidence_due_by":"2013-07-03T19:00:00-04:00",
                "evidence_sent_on":null,"finalized_on":null,"initiated_at":"2013-05-03T20:00:00-04:00"}"#,
        )
        .unwrap();
        assert_eq!(d.kind, DisputeType::Chargeback);
        assert_eq!(d.amount.to_string(), "11.50");
        assert_eq!(d.status, DisputeStatus::NeedsResponse);
        let other: DisputeStatus = serde_json::from_str("\"new_state\"").unwrap();
        assert_eq!(other, DisputeStatus::Other("new_state".into()));
    }
}

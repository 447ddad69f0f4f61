//! Disputes: chargebacks and inquiries.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{DisputeStatus, ExternalIds, Money, System};

/// A chargeback or inquiry raised against a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// Ids in every system (gateway dispute id, store dispute id, ERP record).
    pub ids: ExternalIds,
    /// The gateway.
    pub gateway: System,
    /// The gateway transaction id of the disputed payment.
    pub payment_transaction_id: String,
    /// The order number, when known.
    pub order_number: Option<String>,
    /// The disputed amount.
    pub amount: Money,
    /// The network's reason (`fraudulent`, `product_not_received`, ...), as the gateway gives it.
    pub reason: Option<String>,
    /// Where it stands.
    pub status: DisputeStatus,
    /// When evidence is due.
    #[serde(with = "time::serde::rfc3339::option")]
    pub evidence_due_by: Option<OffsetDateTime>,
}

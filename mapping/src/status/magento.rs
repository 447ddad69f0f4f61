//! Canonical order financial status into Magento's order `state` and default `status`.
//!
//! Magento's built-in pairs (see the reference notes, "States and statuses"): new/pending,
//! pending_payment/pending_payment, processing/processing, complete/complete, closed/closed,
//! canceled/canceled, holded/holded, payment_review/payment_review. Payment alone never makes an
//! order `complete` (that needs shipping too), so every paid variant maps to `processing`.
//! Magento has no built-in "payment failed" status: merchants configure a custom status on a
//! state, which the `magento` client's failed-payment call takes as a parameter.

use crate::{FinancialStatus, MappingError};

/// A Magento order `state` with the `status` to set on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MagentoOrderState {
    /// The order state (`processing`, `closed`, ...).
    pub state: &'static str,
    /// The status within that state (the state's default status).
    pub status: &'static str,
}

const fn pair(name: &'static str) -> MagentoOrderState {
    MagentoOrderState {
        state: name,
        status: name,
    }
}

/// The Magento state and default status for an order whose payments stand at `status`.
pub fn order_state(status: &FinancialStatus) -> Result<MagentoOrderState, MappingError> {
    Ok(match status {
        FinancialStatus::Pending => pair("pending_payment"),
        FinancialStatus::Authorized
        | FinancialStatus::PartiallyPaid
        | FinancialStatus::Paid
        | FinancialStatus::PartiallyRefunded => pair("processing"),
        FinancialStatus::Refunded => pair("closed"),
        FinancialStatus::Voided | FinancialStatus::Expired => pair("canceled"),
        FinancialStatus::Unknown(raw) => {
            return Err(MappingError::UnknownStatus {
                field: "financial_status".to_owned(),
                value: raw.clone(),
                target: "Magento",
            });
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn table() {
        let cases = [
            (FinancialStatus::Pending, "pending_payment"),
            (FinancialStatus::Authorized, "processing"),
            (FinancialStatus::PartiallyPaid, "processing"),
            (FinancialStatus::Paid, "processing"),
            (FinancialStatus::PartiallyRefunded, "processing"),
            (FinancialStatus::Refunded, "closed"),
            (FinancialStatus::Voided, "canceled"),
            (FinancialStatus::Expired, "canceled"),
        ];
        assert_eq!(cases.len(), FinancialStatus::KNOWN.len());
        for (status, state) in cases {
            assert_eq!(
                order_state(&status).unwrap(),
                MagentoOrderState {
                    state,
                    status: state
                },
                "{status}"
            );
        }
    }

    #[test]
    fn unknown_is_an_error() {
        let err = order_state(&FinancialStatus::Unknown("weird".into())).unwrap_err();
        assert_eq!(err.value(), Some("weird"));
        assert!(matches!(
            err,
            MappingError::UnknownStatus {
                target: "Magento",
                ..
            }
        ));
    }
}

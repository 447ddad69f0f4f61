//! Canonical order financial status to and from Shopify's: the REST / webhook `financial_status`
//! (lower case) and GraphQL's `OrderDisplayFinancialStatus` (upper case), per
//! <https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus>.

use crate::{FinancialStatus, MappingError};

/// The pairs (canonical, REST `financial_status`, GraphQL `displayFinancialStatus`).
const TABLE: [(FinancialStatus, &str, &str); 8] = [
    (FinancialStatus::Pending, "pending", "PENDING"),
    (FinancialStatus::Authorized, "authorized", "AUTHORIZED"),
    (
        FinancialStatus::PartiallyPaid,
        "partially_paid",
        "PARTIALLY_PAID",
    ),
    (FinancialStatus::Paid, "paid", "PAID"),
    (
        FinancialStatus::PartiallyRefunded,
        "partially_refunded",
        "PARTIALLY_REFUNDED",
    ),
    (FinancialStatus::Refunded, "refunded", "REFUNDED"),
    (FinancialStatus::Voided, "voided", "VOIDED"),
    (FinancialStatus::Expired, "expired", "EXPIRED"),
];

fn row(
    status: &FinancialStatus,
) -> Result<&'static (FinancialStatus, &'static str, &'static str), MappingError> {
    TABLE
        .iter()
        .find(|(canonical, _, _)| canonical == status)
        .ok_or_else(|| MappingError::UnknownStatus {
            field: "financial_status".to_owned(),
            value: status.as_str().to_owned(),
            target: "Shopify",
        })
}

/// The REST / webhook `financial_status` for `status`.
pub fn financial_status(status: &FinancialStatus) -> Result<&'static str, MappingError> {
    row(status).map(|(_, rest, _)| *rest)
}

/// The GraphQL `displayFinancialStatus` for `status`.
pub fn display_financial_status(status: &FinancialStatus) -> Result<&'static str, MappingError> {
    row(status).map(|(_, _, graphql)| *graphql)
}

/// Reads either form (`"partially_paid"` or `"PARTIALLY_PAID"`); anything else is `Unknown`.
pub fn parse_financial_status(raw: &str) -> FinancialStatus {
    TABLE
        .iter()
        .find(|(_, rest, graphql)| *rest == raw || *graphql == raw)
        .map_or_else(
            || FinancialStatus::Unknown(raw.to_owned()),
            |(canonical, _, _)| canonical.clone(),
        )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_known_status_maps_both_ways() {
        for status in FinancialStatus::KNOWN {
            let rest = financial_status(status).unwrap();
            let graphql = display_financial_status(status).unwrap();
            assert_eq!(rest.to_uppercase(), graphql);
            assert_eq!(&parse_financial_status(rest), status);
            assert_eq!(&parse_financial_status(graphql), status);
        }
        assert_eq!(
            financial_status(&FinancialStatus::PartiallyRefunded).unwrap(),
            "partially_refunded"
        );
        assert_eq!(
            display_financial_status(&FinancialStatus::Paid).unwrap(),
            "PAID"
        );
    }

    #[test]
    fn unknown_values() {
        assert_eq!(
            parse_financial_status("Paid"),
            FinancialStatus::Unknown("Paid".into())
        );
        let err = financial_status(&FinancialStatus::Unknown("x".into())).unwrap_err();
        assert_eq!(err.field(), "financial_status");
        assert!(matches!(
            err,
            MappingError::UnknownStatus {
                target: "Shopify",
                ..
            }
        ));
        assert!(display_financial_status(&FinancialStatus::Unknown("x".into())).is_err());
    }
}

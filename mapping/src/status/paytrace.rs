//! PayTrace `response_code` values into canonical statuses.
//!
//! Codes from PayTrace's JSON API response-code list (help.paytrace.com, "Response codes"; the
//! reference notes list them with their sources): 101 approved, 102 declined, 103 approved then
//! voided for AVS/CSC, 106/107/108 refunded / not refunded / test refund, 109/110 voided / not
//! voided, 112/113 captured / not captured. Code 1 means validation errors, which the client reports
//! as an error, so it has no status here.

use crate::{PaymentKind, PaymentStatus, RefundStatus};

/// The canonical status of a PayTrace card transaction of `kind` that answered `response_code`.
///
/// 101 means "approved", which is [`PaymentStatus::Captured`] for a sale and
/// [`PaymentStatus::Authorized`] for an authorization. 103 is an approval that PayTrace voided
/// because the AVS or CSC result failed the merchant's rules: for the order it is a decline.
pub fn payment_status(response_code: u16, kind: PaymentKind) -> PaymentStatus {
    match (response_code, kind) {
        (101, PaymentKind::Sale) => PaymentStatus::Captured,
        (101, PaymentKind::Authorization) => PaymentStatus::Authorized,
        (102 | 103, _) => PaymentStatus::Declined,
        (109, _) => PaymentStatus::Voided,
        (112, _) => PaymentStatus::Captured,
        (110 | 113, _) => PaymentStatus::Failed,
        (code, kind) => PaymentStatus::Unknown(format!("{code} for {}", kind.as_str())),
    }
}

/// The canonical status of a PayTrace refund that answered `response_code`.
pub fn refund_status(response_code: u16) -> RefundStatus {
    match response_code {
        106 | 108 => RefundStatus::Succeeded,
        102 | 107 => RefundStatus::Failed,
        code => RefundStatus::Unknown(code.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentKind::*;

    #[test]
    fn payment_table() {
        let cases = [
            (101, Sale, PaymentStatus::Captured),
            (101, Authorization, PaymentStatus::Authorized),
            (102, Sale, PaymentStatus::Declined),
            (102, Authorization, PaymentStatus::Declined),
            (103, Sale, PaymentStatus::Declined),
            (109, Void, PaymentStatus::Voided),
            (110, Void, PaymentStatus::Failed),
            (112, Capture, PaymentStatus::Captured),
            (113, Capture, PaymentStatus::Failed),
            (101, Refund, PaymentStatus::Unknown("101 for refund".into())),
            (999, Sale, PaymentStatus::Unknown("999 for sale".into())),
            (1, Sale, PaymentStatus::Unknown("1 for sale".into())),
        ];
        for (code, kind, expected) in cases {
            assert_eq!(payment_status(code, kind), expected, "{code} {kind:?}");
        }
    }

    #[test]
    fn refund_table() {
        assert_eq!(refund_status(106), RefundStatus::Succeeded);
        assert_eq!(refund_status(108), RefundStatus::Succeeded);
        assert_eq!(refund_status(107), RefundStatus::Failed);
        assert_eq!(refund_status(102), RefundStatus::Failed);
        assert_eq!(refund_status(817), RefundStatus::Unknown("817".into()));
    }
}

//! PayTrace transaction responses into canonical [`Payment`]s and [`Refund`]s.
//!
//! A PayTrace response does not repeat the amount, the kind of transaction or the invoice id
//! that was sent, so [`TransactionCtx`] carries them from the request. Statuses come from
//! [`crate::status::paytrace`]; a `response_code` it does not know becomes an `Unknown` status,
//! never an error.

use ::paytrace::{
    AvsResponse, AvsResult as WireAvs, CscResponse, CscResult as WireCsc, TransactionResponse,
};

use super::requests::{OrderCtx, invoice_id, vault_id};
use crate::status::paytrace::{payment_status, refund_status};
use crate::{
    AvsResult, CardBrand, CvvResult, ExternalIds, Last4, MappingError, Money, Order, Payment,
    PaymentKind, PaymentStatus, Refund, RefundStatus, System,
};

/// PayTrace's AVS strings (help.paytrace.com/avs-responses) in canonical form.
///
/// The issuer-side "could not check" answers (address unavailable, non-US issuer, issuer
/// system down, not a mail/phone order, service not supported, international "not verified")
/// and an empty string are all [`AvsResult::Unavailable`]; the international full match is a
/// [`AvsResult::FullMatch`]. A string outside PayTrace's list is `Unknown` with the raw text.
impl From<&AvsResponse> for AvsResult {
    fn from(avs: &AvsResponse) -> Self {
        match avs.result {
            WireAvs::FullExactMatch | WireAvs::InternationalMatch => Self::FullMatch,
            WireAvs::AddressMatchOnly => Self::StreetOnly,
            WireAvs::ZipMatchOnly => Self::PostalOnly,
            WireAvs::NoMatch => Self::NoMatch,
            WireAvs::AddressUnavailable
            | WireAvs::NonUsIssuer
            | WireAvs::IssuerSystemUnavailable
            | WireAvs::NotMailPhoneOrder
            | WireAvs::ServiceNotSupported
            | WireAvs::InternationalNotVerified
            | WireAvs::NotReturned => Self::Unavailable,
            _ => Self::Unknown(avs.raw.clone()),
        }
    }
}

/// PayTrace's `csc_response` in canonical form. Only `"Match"` and `""` (no code sent or not
/// checked: [`CvvResult::Unavailable`]) are confirmed by recorded responses; anything else is
/// `Unknown` with the raw text.
impl From<&CscResponse> for CvvResult {
    fn from(csc: &CscResponse) -> Self {
        match csc.result {
            WireCsc::Match => Self::Match,
            WireCsc::NotReturned => Self::Unavailable,
            _ => Self::Unknown(csc.raw.clone()),
        }
    }
}

/// The card network of a masked number that starts with the card's BIN (PayTrace includes it
/// in exports when asked with `include_bin`), from the networks' published IIN ranges.
///
/// `None` when the number is masked from the first digit (`xxxxxxxxxxxx5439`, what
/// transaction responses carry), when fewer than six leading digits are shown, when nothing
/// is masked at all (never treat a full number as a masked one), or when no range matches.
pub fn card_brand_from_masked(masked: &str) -> Option<CardBrand> {
    let masked = masked.trim();
    let lead = masked.bytes().take_while(u8::is_ascii_digit).count();
    if lead < 6 || lead == masked.len() {
        return None;
    }
    let bin: u32 = masked.get(..6)?.parse().ok()?;
    let in_range = |digits: u32, low: u32, high: u32| {
        let prefix = bin / 10_u32.pow(6 - digits);
        (low..=high).contains(&prefix)
    };
    if in_range(1, 4, 4) {
        Some(CardBrand::Visa)
    } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
        Some(CardBrand::Mastercard)
    } else if in_range(2, 34, 34) || in_range(2, 37, 37) {
        Some(CardBrand::Amex)
    } else if in_range(4, 6011, 6011)
        || in_range(3, 644, 649)
        || in_range(2, 65, 65)
        || in_range(6, 622_126, 622_925)
    {
        Some(CardBrand::Discover)
    } else if in_range(4, 3528, 3589) {
        Some(CardBrand::Jcb)
    } else if in_range(3, 300, 305) || in_range(2, 36, 36) || in_range(2, 38, 39) {
        Some(CardBrand::Diners)
    } else if in_range(2, 62, 62) {
        Some(CardBrand::UnionPay)
    } else {
        None
    }
}

/// What was sent with the transaction, which PayTrace's response does not repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionCtx {
    /// Sale, authorization, capture or void: it decides what code 101 means.
    pub kind: PaymentKind,
    /// The amount sent (for a capture or void: the amount captured or voided).
    pub amount: Money,
    /// The store's order number.
    pub order_number: Option<String>,
    /// The `invoice_id` sent.
    pub reference: Option<String>,
    /// The vault customer id charged, for vault sales.
    pub vault_id: Option<String>,
}

impl TransactionCtx {
    /// The context of a keyed or Protect.js sale or authorization of `order`, built with the
    /// same `ctx` as the request: the order total, number and `invoice_id`.
    pub fn for_order(
        order: &Order,
        kind: PaymentKind,
        ctx: &OrderCtx<'_>,
    ) -> Result<Self, MappingError> {
        Ok(Self {
            kind,
            amount: order.total,
            order_number: Some(order.number.clone()),
            reference: Some(invoice_id(order, ctx)?),
            vault_id: None,
        })
    }

    /// The context of a vault sale or authorization of `order`: as [`TransactionCtx::for_order`],
    /// plus the customer's vault id (`order.customer.ids[paytrace]`, the one
    /// [`to_customer_request`](super::to_customer_request) charges).
    pub fn for_vault_order(
        order: &Order,
        kind: PaymentKind,
        ctx: &OrderCtx<'_>,
    ) -> Result<Self, MappingError> {
        Ok(Self {
            vault_id: Some(vault_id(order)?.to_owned()),
            ..Self::for_order(order, kind, ctx)?
        })
    }
}

/// The issuer's or PayTrace's message for a transaction that did not succeed: the approval
/// message without PayTrace's padding (`"DECLINE - Do not honor"`), else the status message.
fn failure_message(response: &TransactionResponse) -> Option<String> {
    if response.success {
        return None;
    }
    response
        .approval_message_trimmed()
        .filter(|m| !m.is_empty())
        .or_else(|| Some(response.status_message.trim()).filter(|m| !m.is_empty()))
        .map(str::to_owned)
}

/// The PayTrace id of the transaction, required when PayTrace reports success.
fn transaction_id(response: &TransactionResponse) -> Result<Option<String>, MappingError> {
    match response.transaction_id {
        Some(id) => Ok(Some(id.to_string())),
        None if response.success => Err(MappingError::MissingField {
            field: "transaction_id".to_owned(),
        }),
        None => Ok(None),
    }
}

/// The canonical payment for a sale, authorization, capture or void `response`. Error paths
/// are PayTrace's field names (`transaction_id`, `masked_card_number`).
///
/// Status: `payment_status(response_code, ctx.kind)` (a decline is
/// [`PaymentStatus::Declined`], an unknown code `Unknown`). The transaction id goes under
/// [`System::Paytrace`] and is required on success (a decline without one maps, with no id).
/// PayTrace reports no fee and no timestamp in transaction responses: `fee` and
/// `processed_at` stay `None` (this crate has no clock). The card brand is known only when the
/// masked number shows the BIN ([`card_brand_from_masked`]).
pub fn to_payment(
    response: &TransactionResponse,
    ctx: &TransactionCtx,
) -> Result<Payment, MappingError> {
    let mut ids = ExternalIds::new();
    if let Some(id) = transaction_id(response)? {
        ids.set(System::Paytrace, id);
    }
    let masked = response.masked_card_number.as_deref();
    Ok(Payment {
        ids,
        gateway: System::Paytrace,
        order_number: ctx.order_number.clone(),
        reference: ctx.reference.clone(),
        kind: ctx.kind,
        status: payment_status(response.response_code.code(), ctx.kind),
        amount: ctx.amount,
        fee: None,
        card_brand: masked.and_then(card_brand_from_masked),
        card_last4: masked
            .map(|m| Last4::from_masked(m, "masked_card_number"))
            .transpose()?,
        avs: response.avs_response.as_ref().map(AvsResult::from),
        cvv: response.csc_response.as_ref().map(CvvResult::from),
        approval_code: response.approval_code.clone(),
        vault_id: ctx.vault_id.clone(),
        message: failure_message(response),
        processed_at: None,
    })
}

/// `sent` updated with PayTrace's answer to its refund request: status from
/// `refund_status(response_code)` and the refund transaction's id under [`System::Paytrace`]
/// (required on success).
pub fn to_refund(sent: &Refund, response: &TransactionResponse) -> Result<Refund, MappingError> {
    let mut refund = sent.clone();
    refund.gateway = System::Paytrace;
    refund.status = refund_status(response.response_code.code());
    if let Some(id) = transaction_id(response)? {
        refund.ids.set(System::Paytrace, id);
    }
    Ok(refund)
}

/// `sent` updated with PayTrace's answer to the void that replaced it (a refund of an
/// unsettled sale is a void at PayTrace). The void's status, from
/// `payment_status(response_code, Void)`, becomes the refund's: voided is succeeded, not voided
/// is failed, an unknown code stays `Unknown`. The voided transaction's id is recorded under
/// [`System::Paytrace`], since a void creates no new transaction.
pub fn to_refund_by_void(
    sent: &Refund,
    response: &TransactionResponse,
) -> Result<Refund, MappingError> {
    let mut refund = sent.clone();
    refund.gateway = System::Paytrace;
    refund.status = match payment_status(response.response_code.code(), PaymentKind::Void) {
        PaymentStatus::Voided => RefundStatus::Succeeded,
        PaymentStatus::Failed | PaymentStatus::Declined => RefundStatus::Failed,
        other => RefundStatus::Unknown(other.as_str().to_owned()),
    };
    if let Some(id) = transaction_id(response)? {
        refund.ids.set(System::Paytrace, id);
    }
    Ok(refund)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Currency;
    use serde_json::json;

    fn response(body: serde_json::Value) -> TransactionResponse {
        serde_json::from_value(body).unwrap()
    }

    fn ctx(kind: PaymentKind) -> TransactionCtx {
        TransactionCtx {
            kind,
            amount: Money::from_minor(1999, Currency::USD),
            order_number: Some("#1001".into()),
            reference: Some("1001".into()),
            vault_id: None,
        }
    }

    #[test]
    fn avs_table() {
        let cases = [
            ("Full Exact Match", AvsResult::FullMatch),
            (
                "Address and ZIP code match (International only)",
                AvsResult::FullMatch,
            ),
            ("Address Match Only", AvsResult::StreetOnly),
            ("Zip Match Only", AvsResult::PostalOnly),
            (" No Match ", AvsResult::NoMatch),
            ("Address Unavailable", AvsResult::Unavailable),
            ("Non-US Issuer does not participate", AvsResult::Unavailable),
            ("Issuer System Unavailable", AvsResult::Unavailable),
            ("Not a Mail/Phone Order", AvsResult::Unavailable),
            ("Service Not Supported", AvsResult::Unavailable),
            (
                "Address not verified (International only)",
                AvsResult::Unavailable,
            ),
            ("", AvsResult::Unavailable),
            ("Partial Match", AvsResult::Unknown("Partial Match".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(AvsResult::from(&AvsResponse::parse(raw)), expected, "{raw}");
        }
    }

    #[test]
    fn csc_table() {
        let cases = [
            ("Match", CvvResult::Match),
            ("", CvvResult::Unavailable),
            ("No Match", CvvResult::Unknown("No Match".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(CvvResult::from(&CscResponse::parse(raw)), expected, "{raw}");
        }
    }

    #[test]
    fn brands_from_bins() {
        let cases = [
            ("401200xxxxxx5439", Some(CardBrand::Visa)),
            ("549974xxxxxx0057", Some(CardBrand::Mastercard)),
            ("222100xxxxxx0000", Some(CardBrand::Mastercard)),
            ("272099xxxxxx0000", Some(CardBrand::Mastercard)),
            ("371449xxxxx2376", Some(CardBrand::Amex)),
            ("601100xxxxxx6909", Some(CardBrand::Discover)),
            ("622126xxxxxx0000", Some(CardBrand::Discover)),
            ("622100xxxxxx0000", Some(CardBrand::UnionPay)),
            ("353011xxxxxx0000", Some(CardBrand::Jcb)),
            ("305693xxxx5904", Some(CardBrand::Diners)),
            ("xxxxxxxxxxxx5439", None),
            ("************5454", None),
            ("40120xxxxxxx5439", None),
            ("4012000098765439", None),
            ("999999xxxxxx0000", None),
        ];
        for (masked, expected) in cases {
            assert_eq!(card_brand_from_masked(masked), expected, "{masked}");
        }
    }

    #[test]
    fn code_table_through_payment() {
        let cases = [
            (true, 101, PaymentKind::Sale, PaymentStatus::Captured),
            (
                true,
                101,
                PaymentKind::Authorization,
                PaymentStatus::Authorized,
            ),
            (false, 102, PaymentKind::Sale, PaymentStatus::Declined),
            (
                false,
                103,
                PaymentKind::Authorization,
                PaymentStatus::Declined,
            ),
            (true, 112, PaymentKind::Capture, PaymentStatus::Captured),
            (false, 113, PaymentKind::Capture, PaymentStatus::Failed),
            (true, 109, PaymentKind::Void, PaymentStatus::Voided),
            (false, 110, PaymentKind::Void, PaymentStatus::Failed),
            (
                true,
                175,
                PaymentKind::Sale,
                PaymentStatus::Unknown("175 for sale".into()),
            ),
        ];
        for (success, code, kind, expected) in cases {
            let r =
                response(json!({"success": success, "response_code": code, "transaction_id": 7}));
            let payment = to_payment(&r, &ctx(kind)).unwrap();
            assert_eq!(payment.status, expected, "{code}");
            assert_eq!(payment.transaction_id().unwrap(), "7");
        }
    }

    #[test]
    fn failures_carry_the_message_and_successes_need_an_id() {
        let r = response(
            json!({"success": false, "response_code": 110, "status_message": " Your transaction was not voided. "}),
        );
        let payment = to_payment(&r, &ctx(PaymentKind::Void)).unwrap();
        assert_eq!(
            payment.message.as_deref(),
            Some("Your transaction was not voided.")
        );
        assert!(payment.ids.get(System::Paytrace).is_none());
        let r = response(json!({"success": true, "response_code": 101, "status_message": "ok"}));
        let err = to_payment(&r, &ctx(PaymentKind::Sale)).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField {
                field: "transaction_id".into()
            }
        );
        let r = response(
            json!({"success": true, "response_code": 101, "transaction_id": 1, "masked_card_number": "xxxx"}),
        );
        let err = to_payment(&r, &ctx(PaymentKind::Sale)).unwrap_err();
        assert_eq!(err.field(), "masked_card_number");
    }

    #[test]
    fn refund_by_void_statuses() {
        let sent = Refund {
            ids: ExternalIds::new(),
            gateway: System::Paytrace,
            payment_transaction_id: Some("395971574".into()),
            order_number: None,
            amount: Money::from_minor(1999, Currency::USD),
            presentment_amount: None,
            status: RefundStatus::Pending,
            reason: None,
            processed_at: None,
        };
        let cases = [
            (true, 109, RefundStatus::Succeeded),
            (false, 110, RefundStatus::Failed),
            (true, 106, RefundStatus::Unknown("106 for void".into())),
        ];
        for (success, code, expected) in cases {
            let r = response(
                json!({"success": success, "response_code": code, "transaction_id": 395971574}),
            );
            let refund = to_refund_by_void(&sent, &r).unwrap();
            assert_eq!(refund.status, expected, "{code}");
            assert_eq!(refund.ids.get(System::Paytrace), Some("395971574"));
        }
    }
}

//! Card transactions: sale, authorization, capture, void, refunds, settle.
//!
//! Paths and fields follow PayTrace's JSON API v1 (help.paytrace.com `json-*` pages and the
//! official PayTrace/api-demo samples); the response shape follows recorded sandbox traffic
//! (narch/paytracer cassettes, 2024) and activemerchant's fixtures.

use crate::models::common::{Address, CreditCard, CscField, ProtectToken};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::fmt;

/// A PayTrace transaction id (an integer on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TransactionId(pub u64);

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for TransactionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::opt_u64(d)?
            .map(TransactionId)
            .ok_or_else(|| serde::de::Error::custom("missing transaction id"))
    }
}

/// Reads `transaction_id`, tolerating `""` (as `None`) and numeric strings.
pub(crate) fn opt_transaction_id<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<TransactionId>, D::Error> {
    Ok(crate::wire::opt_u64(d)?.map(TransactionId))
}

/// PayTrace's `response_code`. Unknown codes are kept in [`ResponseCode::Other`].
///
/// Sources: activemerchant's `pay_trace.rb` and PayTrace's response code list (developers.paytrace.com).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseCode {
    /// 1: one or more errors (validation); also the code of successful exports.
    Errors,
    /// 101: approved.
    Approved,
    /// 102: declined.
    Declined,
    /// 103: approved, then voided because of the AVS or CSC result.
    ApprovedThenVoided,
    /// 106: refunded.
    Refunded,
    /// 107: not refunded.
    NotRefunded,
    /// 108: test refund.
    TestRefund,
    /// 109: voided.
    Voided,
    /// 110: not voided.
    NotVoided,
    /// 112: captured.
    Captured,
    /// 113: not captured.
    NotCaptured,
    /// 120: check processed.
    CheckProcessed,
    /// 122: check refunded.
    CheckRefunded,
    /// 124: check managed.
    CheckManaged,
    /// 125: check not processed.
    CheckNotProcessed,
    /// 160: customer profile created.
    CustomerCreated,
    /// 161: customer profile updated.
    CustomerUpdated,
    /// 170: Level 3 data added.
    Level3Added,
    /// Any other code, kept as sent.
    Other(u16),
}

impl ResponseCode {
    /// Maps the numeric code.
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Self::Errors,
            101 => Self::Approved,
            102 => Self::Declined,
            103 => Self::ApprovedThenVoided,
            106 => Self::Refunded,
            107 => Self::NotRefunded,
            108 => Self::TestRefund,
            109 => Self::Voided,
            110 => Self::NotVoided,
            112 => Self::Captured,
            113 => Self::NotCaptured,
            120 => Self::CheckProcessed,
            122 => Self::CheckRefunded,
            124 => Self::CheckManaged,
            125 => Self::CheckNotProcessed,
            160 => Self::CustomerCreated,
            161 => Self::CustomerUpdated,
            170 => Self::Level3Added,
            other => Self::Other(other),
        }
    }

    /// The numeric code as sent by PayTrace.
    pub fn code(self) -> u16 {
        match self {
            Self::Errors => 1,
            Self::Approved => 101,
            Self::Declined => 102,
            Self::ApprovedThenVoided => 103,
            Self::Refunded => 106,
            Self::NotRefunded => 107,
            Self::TestRefund => 108,
            Self::Voided => 109,
            Self::NotVoided => 110,
            Self::Captured => 112,
            Self::NotCaptured => 113,
            Self::CheckProcessed => 120,
            Self::CheckRefunded => 122,
            Self::CheckManaged => 124,
            Self::CheckNotProcessed => 125,
            Self::CustomerCreated => 160,
            Self::CustomerUpdated => 161,
            Self::Level3Added => 170,
            Self::Other(code) => code,
        }
    }
}

impl<'de> Deserialize<'de> for ResponseCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = crate::wire::opt_u64(d)?
            .ok_or_else(|| serde::de::Error::custom("missing response_code"))?;
        u16::try_from(code)
            .map(Self::from_code)
            .map_err(|_| serde::de::Error::custom(format!("response_code {code} out of range")))
    }
}

macro_rules! raw_enum {
    (
        $(#[$doc:meta])* $name:ident / $result:ident {
            $($(#[$vdoc:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        /// The decoded result; see the enclosing response type for the raw text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $result {
            $($(#[$vdoc])* $variant,)*
            /// An empty string: no result was returned.
            NotReturned,
            /// A value not in PayTrace's published list; see `raw`.
            Unrecognized,
        }

        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            /// The decoded result.
            pub result: $result,
            /// The string exactly as PayTrace sent it.
            pub raw: String,
        }

        impl $name {
            /// Decodes PayTrace's string; surrounding spaces are ignored.
            pub fn parse(raw: impl Into<String>) -> Self {
                let raw = raw.into();
                let result = match raw.trim() {
                    "" => $result::NotReturned,
                    $($text => $result::$variant,)*
                    _ => $result::Unrecognized,
                };
                Self { result, raw }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(Self::parse(String::deserialize(d)?))
            }
        }
    };
}

raw_enum!(
    /// `avs_response`: the literal strings listed on help.paytrace.com/avs-responses.
    AvsResponse / AvsResult {
        /// "Full Exact Match".
        FullExactMatch = "Full Exact Match",
        /// "Address Match Only".
        AddressMatchOnly = "Address Match Only",
        /// "Zip Match Only".
        ZipMatchOnly = "Zip Match Only",
        /// "No Match".
        NoMatch = "No Match",
        /// "Address Unavailable".
        AddressUnavailable = "Address Unavailable",
        /// "Non-US Issuer does not participate".
        NonUsIssuer = "Non-US Issuer does not participate",
        /// "Issuer System Unavailable".
        IssuerSystemUnavailable = "Issuer System Unavailable",
        /// "Not a Mail/Phone Order".
        NotMailPhoneOrder = "Not a Mail/Phone Order",
        /// "Service Not Supported".
        ServiceNotSupported = "Service Not Supported",
        /// "Address and ZIP code match (International only)".
        InternationalMatch = "Address and ZIP code match (International only)",
        /// "Address not verified (International only)".
        InternationalNotVerified = "Address not verified (International only)",
    }
);

raw_enum!(
    /// `csc_response`. Only "Match" and "" are confirmed by recorded responses; any other
    /// value is [`CscResult::Unrecognized`] with the text kept in `raw`.
    CscResponse / CscResult {
        /// "Match".
        Match = "Match",
    }
);

/// Optional fields that every kind of sale, authorization and refund accepts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TransactionDetails {
    /// Your reference; this crate uses it as the idempotency key of a sale (see
    /// [`Client::find_sale_by_invoice`](crate::Client::find_sale_by_invoice)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// Customer's purchase order or reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference_id: Option<String>,
    /// Receipt email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tax included in `amount`, in dollars.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub tax_amount: Option<Decimal>,
    /// Doing-business-as name shown on the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_dba: Option<String>,
    /// Ask PayTrace to return card-level results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_clr: Option<bool>,
    /// Accept a partial approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_partial_authorization: Option<bool>,
}

/// A keyed (card-not-present) sale, authorization or refund: `/v1/transactions/{sale,authorization,refund}/keyed`.
#[derive(Debug, Clone, Serialize)]
pub struct KeyedRequest {
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Card number (clear or encrypted) and expiry.
    pub credit_card: CreditCard,
    /// Security code, clear (`csc`) or encrypted (`encrypted_csc`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub csc: Option<CscField>,
    /// Billing address (needed for AVS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Invoice, description, tax and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl KeyedRequest {
    /// A request with only the required fields.
    pub fn new(amount: Decimal, credit_card: CreditCard) -> Self {
        Self {
            amount,
            credit_card,
            csc: None,
            billing_address: None,
            shipping_address: None,
            details: TransactionDetails::default(),
        }
    }
}

/// A sale, authorization or refund against a vault customer:
/// `/v1/transactions/{sale,authorization}/by_customer` and `/v1/transactions/refund/to_customer`.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerRequest {
    /// The vault customer id you chose at creation.
    pub customer_id: String,
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Security code, when the merchant requires it on vault sales.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub csc: Option<CscField>,
    /// Shipping address for this transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Invoice, description, tax and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl CustomerRequest {
    /// A request with only the required fields.
    pub fn new(customer_id: impl Into<String>, amount: Decimal) -> Self {
        Self {
            customer_id: customer_id.into(),
            amount,
            csc: None,
            shipping_address: None,
            details: TransactionDetails::default(),
        }
    }
}

/// A new sale or authorization reusing the card of an earlier transaction:
/// `/v1/transactions/{sale,authorization}/by_transaction`.
#[derive(Debug, Clone, Serialize)]
pub struct ByTransactionRequest {
    /// The earlier transaction.
    pub transaction_id: TransactionId,
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Invoice, description, tax and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl ByTransactionRequest {
    /// A request with only the required fields.
    pub fn new(transaction_id: TransactionId, amount: Decimal) -> Self {
        Self {
            transaction_id,
            amount,
            details: TransactionDetails::default(),
        }
    }
}

/// A sale or authorization from a Protect.js token:
/// `/v1/transactions/{sale,authorization}/pt_protect` (paths from PayTrace/api-demo).
#[derive(Debug, Clone, Serialize)]
pub struct ProtectRequest {
    /// `hpf_token` and `enc_key` from the browser.
    #[serde(flatten)]
    pub token: ProtectToken,
    /// Amount in US dollars.
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Billing address (needed for AVS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Invoice, description, tax and other optional fields.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

impl ProtectRequest {
    /// A request with only the required fields.
    pub fn new(token: ProtectToken, amount: Decimal) -> Self {
        Self {
            token,
            amount,
            billing_address: None,
            shipping_address: None,
            details: TransactionDetails::default(),
        }
    }
}

/// `/v1/transactions/authorization/capture`.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureRequest {
    /// The authorization to capture.
    pub transaction_id: TransactionId,
    /// Amount to capture; the authorized amount when omitted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub amount: Option<Decimal>,
}

/// `/v1/transactions/refund/for_transaction` (settled transactions only; void otherwise).
#[derive(Debug, Clone, Serialize)]
pub struct RefundRequest {
    /// The settled transaction to refund.
    pub transaction_id: TransactionId,
    /// Partial amount; the full amount when omitted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::opt_amount"
    )]
    pub amount: Option<Decimal>,
}

/// Body of `/v1/transactions/void`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VoidRequest {
    pub(crate) transaction_id: TransactionId,
}

/// What a transaction response means for the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `success: true`: approved, captured, refunded or voided as asked.
    Approved,
    /// Declined by the issuer (102), or approved then voided because of AVS/CSC (103).
    Declined,
    /// `success: false` with another code, e.g. 107 not refunded, 110 not voided, 113 not captured.
    NotCompleted,
}

/// The response of every card transaction operation.
///
/// Only `success`, `response_code` and `status_message` are always present: captures and
/// voids leave out the card fields, and sales by customer leave out `masked_card_number`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TransactionResponse {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// Id of the transaction created or acted on.
    #[serde(default, deserialize_with = "opt_transaction_id")]
    pub transaction_id: Option<TransactionId>,
    /// Issuer approval code; `None` when empty (declines).
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub approval_code: Option<String>,
    /// Issuer message, as sent (it carries leading spaces).
    #[serde(default)]
    pub approval_message: Option<String>,
    /// Address verification result.
    #[serde(default)]
    pub avs_response: Option<AvsResponse>,
    /// Card security code result.
    #[serde(default)]
    pub csc_response: Option<CscResponse>,
    /// Processor's transaction id, when one is returned.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub external_transaction_id: Option<String>,
    /// Masked card number, e.g. `xxxxxxxxxxxx5439`.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub masked_card_number: Option<String>,
}

impl TransactionResponse {
    /// Classifies the response; a decline is data, not an error.
    pub fn outcome(&self) -> Outcome {
        if self.success {
            Outcome::Approved
        } else if matches!(
            self.response_code,
            ResponseCode::Declined | ResponseCode::ApprovedThenVoided
        ) {
            Outcome::Declined
        } else {
            Outcome::NotCompleted
        }
    }

    /// The issuer message without PayTrace's padding.
    pub fn approval_message_trimmed(&self) -> Option<&str> {
        self.approval_message.as_deref().map(str::trim)
    }
}

/// Response of `/v1/payment_fields/token/create`: the key Protect.js needs in the browser.
#[derive(Clone, Deserialize)]
pub struct ProtectClientKey {
    /// `clientKey`, passed to `PTPayment.setup({authorization: {clientKey}})`.
    #[serde(rename = "clientKey")]
    pub client_key: String,
    /// Any other fields PayTrace returns (not documented in the stored sources).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

impl fmt::Debug for ProtectClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key authorizes card capture in a browser: keep it out of logs.
        f.debug_struct("ProtectClientKey")
            .field("client_key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::common::Csc;
    use serde_json::json;

    #[test]
    fn keyed_request_serializes_like_the_docs() {
        let mut req = KeyedRequest::new(
            Decimal::new(5188, 2),
            CreditCard::plain("4012000098765439", 12, 2026),
        );
        req.csc = Some(CscField::Plain(Csc::new("999")));
        req.details.invoice_id = Some("inv-1".into());
        req.billing_address = Some(Address {
            zip: Some("90210".into()),
            ..Address::default()
        });
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::from_str::<Value>(
                r#"{"amount":51.88,"credit_card":{"number":"4012000098765439","expiration_month":"12","expiration_year":"2026"},
                    "csc":"999","billing_address":{"zip":"90210"},"invoice_id":"inv-1"}"#
            )
            .unwrap()
        );
    }

    #[test]
    fn response_codes_round_trip() {
        for code in [
            1u16, 101, 102, 103, 106, 107, 108, 109, 110, 112, 113, 120, 122, 124, 125, 160, 161,
            170, 999,
        ] {
            assert_eq!(ResponseCode::from_code(code).code(), code);
        }
        assert_eq!(ResponseCode::from_code(175), ResponseCode::Other(175));
    }

    #[test]
    fn avs_and_csc_keep_the_raw_text() {
        let avs = AvsResponse::parse(" Zip Match Only");
        assert_eq!(avs.result, AvsResult::ZipMatchOnly);
        assert_eq!(avs.raw, " Zip Match Only");
        assert_eq!(
            AvsResponse::parse("Something New").result,
            AvsResult::Unrecognized
        );
        assert_eq!(CscResponse::parse("").result, CscResult::NotReturned);
        assert_eq!(CscResponse::parse("Match").result, CscResult::Match);
    }

    #[test]
    fn decline_is_an_outcome() {
        let r: TransactionResponse = serde_json::from_value(json!({
            "success": false, "response_code": 102, "status_message": "Your transaction was not approved.",
            "transaction_id": 392501201, "approval_code": "", "approval_message": "    DECLINE - Do not honor",
            "avs_response": "No Match", "csc_response": ""
        }))
        .unwrap();
        assert_eq!(r.outcome(), Outcome::Declined);
        assert_eq!(r.approval_code, None);
        assert_eq!(r.approval_message_trimmed(), Some("DECLINE - Do not honor"));
        assert_eq!(r.transaction_id, Some(TransactionId(392501201)));
    }

    #[test]
    fn client_key_debug_is_redacted() {
        let k: ProtectClientKey =
            serde_json::from_value(json!({"clientKey": "secret-key"})).unwrap();
        assert!(!format!("{k:?}").contains("secret-key"));
    }
}

//! Payments, refunds and what a gateway says about the card.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ExternalIds, MappingError, Money, PaymentStatus, RefundStatus, System};

/// What a payment transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// Authorize and capture at once.
    Sale,
    /// Hold funds for a later capture.
    Authorization,
    /// Take funds held by an authorization.
    Capture,
    /// Cancel an authorization or an unsettled sale.
    Void,
    /// Give money back.
    Refund,
}

impl PaymentKind {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Authorization => "authorization",
            Self::Capture => "capture",
            Self::Void => "void",
            Self::Refund => "refund",
        }
    }
}

canonical_enum! {
    /// The card network.
    CardBrand {
        /// Visa.
        Visa => "visa",
        /// Mastercard.
        Mastercard => "mastercard",
        /// American Express.
        Amex => "amex",
        /// Discover.
        Discover => "discover",
        /// Diners Club.
        Diners => "diners",
        /// JCB.
        Jcb => "jcb",
        /// UnionPay.
        UnionPay => "unionpay",
    }
}

impl CardBrand {
    /// Reads the spellings gateways and stores use (`"Visa"`, `"VISA"`, `"MasterCard"`,
    /// `"American Express"`, `"amex"`, `"Diners Club"`).
    pub fn from_provider(raw: &str) -> Self {
        let folded: String = raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match folded.as_str() {
            "visa" => Self::Visa,
            "mastercard" | "mc" => Self::Mastercard,
            "amex" | "americanexpress" => Self::Amex,
            "discover" => Self::Discover,
            "diners" | "dinersclub" => Self::Diners,
            "jcb" => Self::Jcb,
            "unionpay" | "chinaunionpay" => Self::UnionPay,
            _ => Self::Unknown(raw.to_owned()),
        }
    }
}

canonical_enum! {
    /// The address verification (AVS) result.
    AvsResult {
        /// Street address and postal code match.
        FullMatch => "full_match",
        /// Only the street address matches.
        StreetOnly => "street_only",
        /// Only the postal code matches.
        PostalOnly => "postal_only",
        /// Neither matches.
        NoMatch => "no_match",
        /// The issuer did not check or could not be asked.
        Unavailable => "unavailable",
    }
}

canonical_enum! {
    /// The card security code (CVV / CSC) check result.
    CvvResult {
        /// The code matches.
        Match => "match",
        /// The code does not match.
        NoMatch => "no_match",
        /// The code was not checked.
        NotProcessed => "not_processed",
        /// The issuer could not be asked, or no code was given.
        Unavailable => "unavailable",
    }
}

/// The last four digits of a card number: the only part of it this crate ever holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Last4(String);

impl Last4 {
    /// Takes the last four characters of a masked number (`"XXXXXXXXXXXX5439"`, `"************1111"`)
    /// or a bare `"1111"`. The error never repeats the input: it could be a full card number.
    pub fn from_masked(masked: &str, field: &str) -> Result<Self, MappingError> {
        let tail: String = masked
            .trim()
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if tail.len() == 4 && tail.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(tail))
        } else {
            Err(MappingError::InvalidValue {
                field: field.to_owned(),
                value: "(redacted)".to_owned(),
                expected: "masked card number ending in four digits",
            })
        }
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Last4 {
    type Error = MappingError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        // A longer string may be a whole card number: refuse it rather than keep its tail.
        if value.len() != 4 {
            return Err(MappingError::InvalidValue {
                field: "last4".to_owned(),
                value: "(redacted)".to_owned(),
                expected: "four digits",
            });
        }
        Self::from_masked(&value, "last4")
    }
}

impl From<Last4> for String {
    fn from(last4: Last4) -> Self {
        last4.0
    }
}

/// One payment transaction at a gateway.
///
/// `ids` holds the gateway's transaction id under the gateway's [`System`], plus the store's
/// transaction id and the ERP payment id once they exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Ids in every system.
    pub ids: ExternalIds,
    /// The gateway that processed it.
    pub gateway: System,
    /// The order number it pays for.
    pub order_number: Option<String>,
    /// The reference sent to the gateway (PayTrace `invoice_id`, Stripe metadata).
    pub reference: Option<String>,
    /// What the transaction does.
    pub kind: PaymentKind,
    /// Its outcome.
    pub status: PaymentStatus,
    /// The amount.
    pub amount: Money,
    /// The gateway's fee, when it reports one.
    pub fee: Option<Money>,
    /// Card network.
    pub card_brand: Option<CardBrand>,
    /// Last four digits of the card.
    pub card_last4: Option<Last4>,
    /// Address verification result.
    pub avs: Option<AvsResult>,
    /// Security code check result.
    pub cvv: Option<CvvResult>,
    /// The issuer's approval code.
    pub approval_code: Option<String>,
    /// The gateway's vault (stored customer) id used or created.
    pub vault_id: Option<String>,
    /// The gateway's decline or failure message, for declines.
    pub message: Option<String>,
    /// When the gateway processed it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub processed_at: Option<OffsetDateTime>,
}

impl Payment {
    /// A payment with only what every payment has: no ids yet ([`ExternalIds::new`]) and every
    /// optional field `None`. Set the rest with struct-update syntax.
    ///
    /// ```
    /// use mapping::{Currency, Money, Payment, PaymentKind, PaymentStatus, System};
    ///
    /// let payment = Payment {
    ///     order_number: Some("1001".to_owned()),
    ///     ..Payment::new(
    ///         System::Paytrace,
    ///         PaymentKind::Sale,
    ///         PaymentStatus::Captured,
    ///         Money::from_minor(3645, Currency::USD),
    ///     )
    /// };
    /// assert!(payment.require_captured("erp").is_ok());
    /// assert!(payment.transaction_id().is_err());
    /// ```
    pub fn new(gateway: System, kind: PaymentKind, status: PaymentStatus, amount: Money) -> Self {
        Self {
            ids: ExternalIds::new(),
            gateway,
            order_number: None,
            reference: None,
            kind,
            status,
            amount,
            fee: None,
            card_brand: None,
            card_last4: None,
            avs: None,
            cvv: None,
            approval_code: None,
            vault_id: None,
            message: None,
            processed_at: None,
        }
    }

    /// The gateway's transaction id, or [`MappingError::NotYetKnown`].
    pub fn transaction_id(&self) -> Result<&str, MappingError> {
        self.ids.require(self.gateway, "payment.transaction_id")
    }

    /// Checks that this payment took money (a captured sale or capture), as recording it as paid
    /// in `target` requires: another kind or status is [`MappingError::InvalidValue`], an
    /// `Unknown` status [`MappingError::UnknownStatus`].
    pub fn require_captured(&self, target: &'static str) -> Result<(), MappingError> {
        if !matches!(self.kind, PaymentKind::Sale | PaymentKind::Capture) {
            return Err(MappingError::InvalidValue {
                field: "payment.kind".to_owned(),
                value: self.kind.as_str().to_owned(),
                expected: "sale or capture",
            });
        }
        match &self.status {
            PaymentStatus::Captured => Ok(()),
            PaymentStatus::Unknown(raw) => Err(MappingError::UnknownStatus {
                field: "payment.status".to_owned(),
                value: raw.clone(),
                target,
            }),
            other => Err(MappingError::InvalidValue {
                field: "payment.status".to_owned(),
                value: other.as_str().to_owned(),
                expected: "captured payment",
            }),
        }
    }
}

/// Money given back to a customer against an earlier payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Ids in every system (store refund id, gateway refund transaction, ERP credit memo).
    pub ids: ExternalIds,
    /// The gateway that pays it out.
    pub gateway: System,
    /// The gateway transaction id of the payment being refunded.
    pub payment_transaction_id: Option<String>,
    /// The order number.
    pub order_number: Option<String>,
    /// The amount refunded, in the currency its order was booked in (the store's).
    pub amount: Money,
    /// The amount in the customer's currency when it differs from the store's (Shopify
    /// presentment money); `None` in records written before the field existed.
    #[serde(default)]
    pub presentment_amount: Option<Money>,
    /// Where it stands.
    pub status: RefundStatus,
    /// Why, as the merchant or customer gave it.
    pub reason: Option<String>,
    /// When the gateway processed it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub processed_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn last4_keeps_only_four_digits_and_never_echoes_input() {
        assert_eq!(
            Last4::from_masked("XXXXXXXXXXXX5439", "card")
                .unwrap()
                .as_str(),
            "5439"
        );
        assert_eq!(Last4::from_masked("1111", "card").unwrap().as_str(), "1111");
        let err = Last4::from_masked("4111111111111111X", "card.masked_number").unwrap_err();
        assert!(!err.to_string().contains("4111"), "{err}");
        assert!(Last4::from_masked("111", "card").is_err());
        let parsed: Last4 = serde_json::from_str("\"4242\"").unwrap();
        assert_eq!(parsed.as_str(), "4242");
        assert!(serde_json::from_str::<Last4>("\"4242424242424242\"").is_err());
    }

    #[test]
    fn only_captured_sales_and_captures_count_as_paid() {
        let mut payment = Payment::new(
            System::Paytrace,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            crate::Money::from_minor(100, crate::Currency::USD),
        );
        assert!(payment.require_captured("erp").is_ok());
        payment.kind = PaymentKind::Authorization;
        assert_eq!(
            payment.require_captured("erp").unwrap_err().field(),
            "payment.kind"
        );
        payment.kind = PaymentKind::Capture;
        payment.status = PaymentStatus::Declined;
        let err = payment.require_captured("erp").unwrap_err();
        assert_eq!(
            (err.field(), err.value()),
            ("payment.status", Some("declined"))
        );
        payment.status = PaymentStatus::Unknown("weird".into());
        let err = payment.require_captured("Shopify").unwrap_err();
        assert!(matches!(
            err,
            MappingError::UnknownStatus {
                target: "Shopify",
                ..
            }
        ));
    }

    #[test]
    fn card_brands_from_providers() {
        let cases = [
            ("Visa", CardBrand::Visa),
            ("VISA", CardBrand::Visa),
            ("MasterCard", CardBrand::Mastercard),
            ("mastercard", CardBrand::Mastercard),
            ("American Express", CardBrand::Amex),
            ("amex", CardBrand::Amex),
            ("Discover", CardBrand::Discover),
            ("Diners Club", CardBrand::Diners),
            ("JCB", CardBrand::Jcb),
            ("unionpay", CardBrand::UnionPay),
            ("Bogus", CardBrand::Unknown("Bogus".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(CardBrand::from_provider(raw), expected, "{raw}");
        }
    }
}

//! Transaction exports: `/v1/transactions/export/by_id` and `/v1/transactions/export/by_date_range`.
//!
//! Record fields follow help.paytrace.com/json-export-tranx-date (revision 5, 2016).
//!
//! # Timezone
//! PayTrace writes timestamps such as `created.at` and `settled` as `4/10/2015 8:13:45 PM`
//! with no offset, and no stored source says which zone they are in (the account's
//! Virtual Terminal time zone is the likely candidate; PayTrace is based in Pacific Time).
//! They are therefore exposed as [`time::PrimitiveDateTime`] and never converted; callers that
//! need instants must apply the zone configured on their PayTrace account
//! ([`PrimitiveDateTime::assume_offset`]). Date-range
//! filters (`start_date`/`end_date`) are calendar dates in that same unknown zone, which is
//! why [`Client::find_sale_by_invoice`](crate::Client::find_sale_by_invoice) searches a day
//! either side.

use crate::models::common::Address;
use crate::models::customer::MaskedCard;
use crate::models::transaction::{AvsResponse, CscResponse, TransactionId};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, PrimitiveDateTime};

/// A transaction type, as used by the `transaction_type` filter and in export records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionType {
    /// `SALE`.
    Sale,
    /// `AUTHORIZATION`.
    Authorization,
    /// `STR/FWD` (store and forward).
    StoreForward,
    /// `REFUND`.
    Refund,
    /// `VOID`.
    Void,
    /// `SETTLED` (filter only).
    Settled,
    /// `PENDING` (filter only).
    Pending,
    /// `DECLINED` (filter only).
    Declined,
    /// Any other value, as sent.
    Other(String),
}

impl TransactionType {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sale => "SALE",
            Self::Authorization => "AUTHORIZATION",
            Self::StoreForward => "STR/FWD",
            Self::Refund => "REFUND",
            Self::Void => "VOID",
            Self::Settled => "SETTLED",
            Self::Pending => "PENDING",
            Self::Declined => "DECLINED",
            Self::Other(s) => s,
        }
    }

    fn parse(raw: String) -> Self {
        match raw.trim().to_ascii_uppercase().as_str() {
            "SALE" => Self::Sale,
            "AUTHORIZATION" => Self::Authorization,
            "STR/FWD" => Self::StoreForward,
            "REFUND" => Self::Refund,
            "VOID" => Self::Void,
            "SETTLED" => Self::Settled,
            "PENDING" => Self::Pending,
            "DECLINED" => Self::Declined,
            _ => Self::Other(raw),
        }
    }
}

impl Serialize for TransactionType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TransactionType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(String::deserialize(d)?))
    }
}

/// Settlement state from an export record's `status_code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SettlementStatus {
    /// `Y`: settles in tonight's batch.
    Pending,
    /// `N`: voided, declined or authorization only; will not settle.
    NotSettling,
    /// `GB<n>`: settled in batch `n`.
    Settled {
        /// The batch number.
        batch_number: u64,
    },
    /// Any other value, as sent.
    Other(String),
}

impl<'de> Deserialize<'de> for SettlementStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let trimmed = raw.trim();
        Ok(match trimmed {
            "Y" => Self::Pending,
            "N" => Self::NotSettling,
            _ => match trimmed.strip_prefix("GB").map(str::parse::<u64>) {
                Some(Ok(batch_number)) => Self::Settled { batch_number },
                _ => Self::Other(raw),
            },
        })
    }
}

/// `created` block of an export record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedInfo {
    /// Channel, e.g. `API`.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub through: Option<String>,
    /// When the transaction was created (PayTrace local time, see the module docs).
    #[serde(default, deserialize_with = "crate::wire::opt_datetime")]
    pub at: Option<PrimitiveDateTime>,
    /// User that created it.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub by: Option<String>,
    /// Source IP address.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub from_ip: Option<String>,
}

/// One exported transaction.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TransactionRecord {
    /// Transaction id.
    pub transaction_id: TransactionId,
    /// Type of transaction.
    #[serde(default)]
    pub transaction_type: Option<TransactionType>,
    /// Amount in dollars (a JSON number in exports).
    #[serde(with = "crate::wire::amount")]
    pub amount: Decimal,
    /// Tax in dollars (a JSON string in exports).
    #[serde(default, with = "crate::wire::opt_amount")]
    pub tax_amount: Option<Decimal>,
    /// Masked card and expiry.
    #[serde(default)]
    pub credit_card: Option<MaskedCard>,
    /// Your invoice id.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub invoice_id: Option<String>,
    /// Customer reference.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub customer_reference_id: Option<String>,
    /// Vault customer id, when the transaction used one.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub customer_id: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub description: Option<String>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Shipping address.
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// Where the receipt was emailed.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub receipt_emailed_to: Option<String>,
    /// Approval code; `None` for declines.
    #[serde(default, deserialize_with = "crate::wire::opt_text")]
    pub approval_code: Option<String>,
    /// Issuer message as sent.
    #[serde(default)]
    pub approval_message: Option<String>,
    /// Address verification result.
    #[serde(default)]
    pub avs_response: Option<AvsResponse>,
    /// Card security code result.
    #[serde(default)]
    pub csc_response: Option<CscResponse>,
    /// Settlement state.
    #[serde(default)]
    pub status_code: Option<SettlementStatus>,
    /// Status text as sent.
    #[serde(default)]
    pub status_message: Option<String>,
    /// Creation details.
    #[serde(default)]
    pub created: Option<CreatedInfo>,
    /// When it settled; `None` while unsettled (PayTrace local time, see the module docs).
    #[serde(default, deserialize_with = "crate::wire::opt_datetime")]
    pub settled: Option<PrimitiveDateTime>,
}

/// Response of the transaction exports and of a batch's transaction list.
///
/// PayTrace answers a successful export with `response_code` 1.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TransactionExport {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code.
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
    /// The matching transactions (absent when none matched).
    #[serde(default)]
    pub transactions: Vec<TransactionRecord>,
}

/// `/v1/transactions/export/by_id`.
#[derive(Debug, Clone, Serialize)]
pub struct ExportByIdRequest {
    /// The transaction.
    pub transaction_id: TransactionId,
    /// Include the card's BIN in the masked number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_bin: Option<bool>,
}

/// `/v1/transactions/export/by_date_range`. Dates are sent as `MM/DD/YYYY`.
#[derive(Debug, Clone, Serialize)]
pub struct ExportByDateRangeRequest {
    /// First day, inclusive.
    #[serde(with = "crate::wire::date")]
    pub start_date: Date,
    /// Last day, inclusive.
    #[serde(with = "crate::wire::date")]
    pub end_date: Date,
    /// Only this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
    /// Only this vault customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Only transactions containing this text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub including_text: Option<String>,
}

impl ExportByDateRangeRequest {
    /// Every transaction between the two dates, inclusive.
    pub fn new(start_date: Date, end_date: Date) -> Self {
        Self {
            start_date,
            end_date,
            transaction_type: None,
            customer_id: None,
            including_text: None,
        }
    }
}

impl fmt::Display for TransactionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settlement_status_codes() {
        let parse =
            |s: &str| serde_json::from_value::<SettlementStatus>(serde_json::json!(s)).unwrap();
        assert_eq!(
            parse("GB571"),
            SettlementStatus::Settled { batch_number: 571 }
        );
        assert_eq!(parse("Y"), SettlementStatus::Pending);
        assert_eq!(parse("N"), SettlementStatus::NotSettling);
        assert_eq!(parse("GBX"), SettlementStatus::Other("GBX".into()));
    }

    #[test]
    fn date_range_request_uses_us_dates() {
        let req = ExportByDateRangeRequest {
            transaction_type: Some(TransactionType::StoreForward),
            ..ExportByDateRangeRequest::new(
                time::macros::date!(2015 - 04 - 10),
                time::macros::date!(2015 - 04 - 15),
            )
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"start_date": "04/10/2015", "end_date": "04/15/2015", "transaction_type": "STR/FWD"})
        );
    }
}

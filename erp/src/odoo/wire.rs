//! Odoo's record shapes as JSON-2 returns them.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};
use time::Date;

use crate::error::Error;

/// A many2one value: `[id, "display name"]`, or `false` when empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Many2one(pub Option<(i64, String)>);

impl<'de> Deserialize<'de> for Many2one {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Pair(i64, String),
            Empty(bool),
        }
        match Raw::deserialize(d)? {
            Raw::Pair(id, name) => Ok(Many2one(Some((id, name)))),
            Raw::Empty(false) => Ok(Many2one(None)),
            Raw::Empty(true) => Err(serde::de::Error::custom("many2one cannot be `true`")),
        }
    }
}

impl Many2one {
    /// The currency a `currency_id` names by its display name (Odoo shows a currency by its
    /// ISO code); why not, as a message for the caller's decode error.
    pub(crate) fn currency(&self) -> Result<crate::money::CurrencyCode, String> {
        let (_, code) = self.0.as_ref().ok_or("missing")?;
        crate::money::CurrencyCode::new(code).map_err(|e| e.to_string())
    }
}

/// A char field: a string, or `false` when empty.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        B(bool),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::S(s) => Some(s),
        Raw::B(false) => None,
        Raw::B(true) => return Err(serde::de::Error::custom("a char field cannot be `true`")),
    })
}

/// A monetary field: Odoo sends JSON numbers; the crate enables serde_json's
/// `arbitrary_precision`, so the digits are read exactly as sent, never through binary floating point, in plain
/// or exponent notation. A value a `Decimal` cannot hold exactly is an error, never rounded
/// (`Decimal::from_str` rounds past 28 digits, `Decimal::from_scientific` past what it holds).
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let n = Number::deserialize(d)?;
    payops_core::decimal::from_json_number(&n).map_err(serde::de::Error::custom)
}

/// A date field: `"YYYY-MM-DD"`, or `false` when empty.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(s) => crate::date::parse(&s)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("date {s:?}: {e}"))),
    }
}

/// A date as an Odoo date field takes it: `"YYYY-MM-DD"`.
pub(crate) fn date(date: Date) -> Value {
    Value::String(crate::date::text(date))
}

/// The start of a day as an Odoo datetime field takes it: `"YYYY-MM-DD HH:MM:SS"`, in UTC
/// (Odoo stores and exchanges datetimes in UTC, without an offset).
pub(crate) fn midnight(date: Date) -> Value {
    Value::String(format!("{} 00:00:00", crate::date::text(date)))
}

/// `create` returns the new records' ids; a single id is accepted as well.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum CreatedIds {
    Many(Vec<i64>),
    One(i64),
}

impl CreatedIds {
    pub(crate) fn first(self) -> Result<i64, Error> {
        match self {
            CreatedIds::One(id) => Ok(id),
            CreatedIds::Many(ids) => ids.first().copied().ok_or_else(|| Error::Decode {
                path: "$".into(),
                message: "create returned no id".into(),
            }),
        }
    }
}

/// An `account.move` as read for receivables.
#[derive(Debug, Deserialize)]
pub(crate) struct InvoiceRecord {
    pub id: i64,
    #[serde(deserialize_with = "opt_string", default)]
    pub r#ref: Option<String>,
    pub partner_id: Many2one,
    pub currency_id: Many2one,
    #[serde(deserialize_with = "opt_date", default)]
    pub invoice_date: Option<Date>,
    #[serde(deserialize_with = "opt_date", default)]
    pub invoice_date_due: Option<Date>,
    #[serde(deserialize_with = "decimal")]
    pub amount_total: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub amount_residual: Decimal,
}

/// An `account.payment` as read for payment entries.
///
/// The external reference is `memo` since Odoo 18 and `ref` before: the connector asks for one
/// of the two, and either key lands in `memo`.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentRecord {
    pub id: i64,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(alias = "ref", deserialize_with = "opt_string")]
    pub memo: Option<String>,
    /// `None` when not asked for (a database without the field), `Some(None)` when `false`.
    #[serde(deserialize_with = "present_opt_string", default)]
    pub payment_reference: Option<Option<String>>,
    #[serde(deserialize_with = "opt_string")]
    pub payment_type: Option<String>,
    #[serde(deserialize_with = "decimal")]
    pub amount: Decimal,
    pub currency_id: Many2one,
    #[serde(deserialize_with = "opt_date")]
    pub date: Option<Date>,
    pub reconciled_invoice_ids: Vec<i64>,
}

/// An `entry` move holding a payment's fee: its `ref` (`<payment reference>/fee`) and total.
#[derive(Debug, Deserialize)]
pub(crate) struct FeeRecord {
    pub id: i64,
    #[serde(deserialize_with = "opt_string", default)]
    pub r#ref: Option<String>,
    #[serde(deserialize_with = "decimal")]
    pub amount_total: Decimal,
}

/// A char field that is present: `Some` of [`opt_string`] (with `default`, an absent field is
/// `None`).
fn present_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    opt_string(d).map(Some)
}

/// A record's `ref` (a partner's or a move's external reference).
#[derive(Debug, Deserialize)]
pub(crate) struct RecordRef {
    pub id: i64,
    #[serde(deserialize_with = "opt_string", default)]
    pub r#ref: Option<String>,
}

/// A decimal as an exact JSON number (`12.34`), for amounts sent to Odoo.
pub(crate) fn number(amount: Decimal) -> Value {
    Number::from_str(&amount.normalize().to_string()).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use payops_core::decimal::samples::json_number_text;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_read_exactly() {
        let r: InvoiceRecord = serde_json::from_str(
            r#"{"id": 7, "ref": false, "partner_id": [3, "Deco Addict"], "currency_id": [1, "USD"],
                "invoice_date": "2026-11-01", "invoice_date_due": false,
                "amount_total": 0.30000000000000004, "amount_residual": 1e2}"#,
        )
        .unwrap();
        assert_eq!(r.amount_total.to_string(), "0.30000000000000004");
        assert_eq!(r.amount_residual, Decimal::from(100));
        assert_eq!(r.partner_id, Many2one(Some((3, "Deco Addict".into()))));
        assert_eq!(r.r#ref, None);
        assert_eq!(r.invoice_date_due, None);
    }

    fn amount_total(number: &str) -> Result<Decimal, serde_json::Error> {
        serde_json::from_str::<InvoiceRecord>(&format!(
            r#"{{"id": 7, "partner_id": false, "currency_id": [1, "USD"],
                "amount_total": {number}, "amount_residual": 0}}"#
        ))
        .map(|r| r.amount_total)
    }

    #[test]
    fn amounts_that_would_round_are_refused() {
        // `Decimal::from_str` rounded the first two, `from_scientific` the third (to 20), and
        // `1e-400` became 0.
        for number in [
            "36.450000000000000000000000000001",
            "79228162514264337593543950336",
            "1.99999999999999999999999999999e1",
            "1e-400",
        ] {
            let err = amount_total(number).unwrap_err();
            assert!(
                err.to_string().contains("not an exact decimal"),
                "{number}: {err}"
            );
        }
        assert_eq!(amount_total("1.999e1").unwrap().to_string(), "19.99");
        assert_eq!(
            amount_total("36.450000000000000000000000001")
                .unwrap()
                .to_string(),
            "36.450000000000000000000000001"
        );
    }

    proptest! {
        /// Issue 14: a monetary field Odoo sends as a JSON number, in plain or exponent
        /// notation, reads back as exactly the value written (`format(parse(s)) ==
        /// canonical(s)`), or is refused as [`Error::Decode`] at the field; a value a `Decimal`
        /// holds is never refused. (Odoo sends numbers only; a string is refused by type.)
        #[test]
        fn amounts_read_back_exactly_or_are_refused_at_the_field(
            sample in json_number_text(),
        ) {
            let text = sample.text.clone();
            let json = format!(
                r#"{{"id": 7, "partner_id": false, "currency_id": [1, "USD"],
                    "amount_total": {text}, "amount_residual": 0}}"#
            );
            let expected = sample.canonical.clone();
            let read = serde_path_to_error::deserialize::<_, InvoiceRecord>(
                &mut serde_json::Deserializer::from_str(&json),
            )
            .map_err(Error::decode);
            match read {
                Ok(record) => {
                    prop_assert_eq!(record.amount_total.normalize().to_string(), expected);
                }
                Err(Error::Decode { path, message }) => {
                    prop_assert_eq!(path, "amount_total", "{}", text);
                    prop_assert!(message.contains("not an exact decimal"), "{}: {}", text, message);
                    prop_assert!(!sample.fits(), "{} refused, {} fits", text, expected);
                }
                Err(other) => prop_assert!(false, "{}: {}", text, other),
            }
        }
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        let r: InvoiceRecord = serde_json::from_str(
            r#"{"id": 7, "partner_id": false, "currency_id": false, "invoice_date": "0999-01-05",
                "invoice_date_due": "2026-11-30", "amount_total": 1, "amount_residual": 1}"#,
        )
        .unwrap();
        assert_eq!(r.invoice_date, Some(time::macros::date!(0999 - 01 - 05)));
        assert_eq!(
            r.invoice_date_due,
            Some(time::macros::date!(2026 - 11 - 30))
        );
        for bad in ["2026-11-31", "2026-11-30 00:00:00", "30/11/2026"] {
            let json = format!(
                r#"{{"id": 7, "partner_id": false, "currency_id": false, "invoice_date": "{bad}",
                    "amount_total": 1, "amount_residual": 1}}"#
            );
            assert!(
                serde_json::from_str::<InvoiceRecord>(&json).is_err(),
                "{bad}"
            );
        }
        let day = time::macros::date!(2026 - 11 - 03);
        assert_eq!(date(day), Value::from("2026-11-03"));
        assert_eq!(midnight(day), Value::from("2026-11-03 00:00:00"));
    }

    #[test]
    fn numbers_are_sent_exactly() {
        assert_eq!(number(Decimal::new(1234, 2)).to_string(), "12.34");
        assert_eq!(number(Decimal::new(1000, 2)).to_string(), "10");
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(serde_json::from_str::<Many2one>("true").is_err());
        assert!(serde_json::from_str::<Many2one>(r#"[1]"#).is_err());
        assert_eq!(
            serde_json::from_str::<Many2one>("false").unwrap(),
            Many2one(None)
        );
    }
}

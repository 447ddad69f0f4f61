//! Odoo's record shapes as JSON-2 returns them.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

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
/// `arbitrary_precision`, so the digits are read exactly as sent, never through `f64`.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let n = Number::deserialize(d)?;
    let s = n.to_string();
    Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .map_err(|e| serde::de::Error::custom(format!("amount {s}: {e}")))
}

/// A date field: `"YYYY-MM-DD"`, or `false` when empty.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::NaiveDate>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("date {s:?}: {e}"))),
    }
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
    pub invoice_date: Option<chrono::NaiveDate>,
    #[serde(deserialize_with = "opt_date", default)]
    pub invoice_date_due: Option<chrono::NaiveDate>,
    #[serde(deserialize_with = "decimal")]
    pub amount_total: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub amount_residual: Decimal,
}

/// A partner's `ref`.
#[derive(Debug, Deserialize)]
pub(crate) struct PartnerRef {
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

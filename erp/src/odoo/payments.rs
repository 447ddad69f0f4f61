//! A gateway's payments and refunds as Odoo holds them: the ERP side of a settlement.

use std::collections::HashMap;

use serde_json::json;
use time::Date;

use super::connector::OdooErp;
use super::wire::{self, FeeRecord, PaymentRecord, RecordRef};
use crate::error::Error;
use crate::models::{Gateway, PaymentDirection, PaymentEntry};
use crate::money::Money;

/// Payment states that are not (or no longer) money moved: since Odoo 18 `account.payment`
/// has its own states (`draft`, `in_process`, `paid`, `canceled`, `rejected`).
const NOT_MOVED: [&str; 3] = ["draft", "canceled", "rejected"];
/// The same before Odoo 18, where a payment's state is its move's (`draft`, `posted`,
/// `cancel`) and its reference is `ref` rather than `memo`.
const NOT_MOVED_BEFORE_18: [&str; 2] = ["draft", "cancel"];

/// What the two reads after the payments found: each invoice's `ref` by id and each fee entry's
/// record by its `ref`.
#[derive(Debug, Default)]
pub(crate) struct Related {
    /// `account.move` id to its `ref` (`None` when `false`).
    pub invoices: HashMap<i64, Option<String>>,
    /// `<external_ref>/fee` to the first `entry` move with that reference.
    pub fees: HashMap<String, FeeRecord>,
}

impl OdooErp {
    /// [`crate::Erp::payment_entries`] over Odoo, as documented on `OdooErp`'s `Erp` impl.
    pub(super) async fn list_payment_entries(
        &self,
        gateway: &Gateway,
        from: Date,
        to: Date,
    ) -> Result<Vec<PaymentEntry>, Error> {
        let journal = self.journal(gateway)?;
        let memo = self.payment_memo_field;
        let not_moved: &[&str] = if memo == "ref" {
            &NOT_MOVED_BEFORE_18
        } else {
            &NOT_MOVED
        };
        let mut fields = vec![memo, "name"];
        fields.extend(self.payment_reference_field);
        fields.extend([
            "payment_type",
            "amount",
            "currency_id",
            "date",
            "reconciled_invoice_ids",
        ]);
        let rows: Vec<PaymentRecord> = self
            .client
            .call(
                "account.payment",
                "search_read",
                json!({
                    "domain": [
                        ["journal_id", "=", journal],
                        ["date", ">=", wire::date(from)],
                        ["date", "<=", wire::date(to)],
                        ["state", "not in", not_moved],
                    ],
                    "fields": fields,
                    "order": "date asc, id asc",
                }),
            )
            .await?;
        let refs = rows
            .iter()
            .enumerate()
            .map(|(i, row)| external_ref(i, row))
            .collect::<Result<Vec<_>, _>>()?;
        let mut related = Related::default();

        let mut invoice_ids: Vec<i64> = Vec::new();
        for id in rows.iter().filter_map(|r| r.reconciled_invoice_ids.first()) {
            if !invoice_ids.contains(id) {
                invoice_ids.push(*id);
            }
        }
        if !invoice_ids.is_empty() {
            let invoices: Vec<RecordRef> = self
                .client
                .call(
                    "account.move",
                    "read",
                    json!({"ids": invoice_ids, "fields": ["ref"]}),
                )
                .await?;
            related.invoices = invoices.into_iter().map(|m| (m.id, m.r#ref)).collect();
        }

        if !refs.is_empty() {
            let fee_refs: Vec<String> = refs.iter().map(|r| fee_ref(r)).collect();
            let fees: Vec<FeeRecord> = self
                .client
                .call(
                    "account.move",
                    "search_read",
                    json!({
                        "domain": [["move_type", "=", "entry"], ["ref", "in", fee_refs]],
                        "fields": ["ref", "amount_total"],
                        "order": "id asc",
                    }),
                )
                .await?;
            for fee in fees {
                // Two fee entries of one payment (two writers racing): the first is the
                // posting of record, as the reconciliation takes the first of duplicates.
                if let Some(r) = fee.r#ref.clone() {
                    related.fees.entry(r).or_insert(fee);
                }
            }
        }

        rows.into_iter()
            .zip(refs)
            .enumerate()
            .map(|(i, (row, external_ref))| {
                entry(
                    i,
                    row,
                    external_ref,
                    gateway,
                    self.payment_reference_field.is_some(),
                    &related,
                )
            })
            .collect()
    }
}

/// The reference of the `entry` move holding a payment's fee (`post_fee` writes it, this
/// reads it).
pub(crate) fn fee_ref(external_ref: &str) -> String {
    format!("{external_ref}/fee")
}

/// A malformed value of the `i`-th payment read (`account.payment` `id`).
fn bad(i: usize, id: i64, field: &str, message: impl std::fmt::Display) -> Error {
    Error::Decode {
        path: format!("[{i}].{field}"),
        message: format!("account.payment {id}: {message}"),
    }
}

/// A payment's external reference: its memo, or Odoo's name for it when the memo is empty
/// (a payment made in Odoo by hand).
pub(crate) fn external_ref(i: usize, row: &PaymentRecord) -> Result<String, Error> {
    [&row.memo, &row.name]
        .into_iter()
        .flatten()
        .find(|r| !r.is_empty())
        .cloned()
        .ok_or_else(|| bad(i, row.id, "name", "neither a memo nor a name"))
}

/// Maps the `i`-th payment read into an entry. `with_reference`: the payments were read with
/// `payment_reference` (the database has it), which each row must then hold.
pub(crate) fn entry(
    i: usize,
    row: PaymentRecord,
    external_ref: String,
    gateway: &Gateway,
    with_reference: bool,
    related: &Related,
) -> Result<PaymentEntry, Error> {
    let id = row.id;
    let direction = match row.payment_type.as_deref() {
        Some("inbound") => PaymentDirection::Received,
        Some("outbound") => PaymentDirection::Refunded,
        Some(other) => {
            return Err(bad(
                i,
                id,
                "payment_type",
                format!("unknown payment type {other:?}"),
            ));
        }
        None => return Err(bad(i, id, "payment_type", "missing")),
    };
    let currency = row
        .currency_id
        .currency()
        .map_err(|e| bad(i, id, "currency_id", e))?;
    if row.amount.is_sign_negative() && !row.amount.is_zero() {
        return Err(bad(
            i,
            id,
            "amount",
            format!(
                "negative amount {}: Odoo keeps payment amounts positive",
                row.amount
            ),
        ));
    }
    let gross = Money::from_major(row.amount, currency).map_err(|e| bad(i, id, "amount", e))?;
    let amount = if direction == PaymentDirection::Received {
        gross
    } else {
        // Positive and within i64, so its negation is too.
        Money::new(-gross.minor, currency)
    };
    let date = row.date.ok_or_else(|| bad(i, id, "date", "missing"))?;
    let transaction_id = match row.payment_reference {
        Some(reference) => reference.unwrap_or_default(),
        None if with_reference => return Err(bad(i, id, "payment_reference", "missing")),
        None => String::new(),
    };
    let invoice_ref = match row.reconciled_invoice_ids.first() {
        None => String::new(),
        Some(invoice) => related
            .invoices
            .get(invoice)
            .ok_or_else(|| {
                bad(
                    i,
                    id,
                    "reconciled_invoice_ids",
                    format!("invoice {invoice} was not returned by account.move read"),
                )
            })?
            .clone()
            .unwrap_or_default(),
    };
    let fee = match related.fees.get(&fee_ref(&external_ref)) {
        None => Money::zero(currency),
        Some(f) => {
            let what = |e: &dyn std::fmt::Display| {
                bad(
                    i,
                    id,
                    "fee",
                    format!(
                        "fee entry account.move {} amount_total {}: {e}",
                        f.id, f.amount_total
                    ),
                )
            };
            if f.amount_total.is_sign_negative() && !f.amount_total.is_zero() {
                return Err(what(&"negative fee"));
            }
            Money::from_major(f.amount_total, currency).map_err(|e| what(&e))?
        }
    };
    Ok(PaymentEntry {
        external_ref,
        gateway: gateway.clone(),
        transaction_id,
        invoice_ref,
        direction,
        amount,
        fee,
        date,
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde_json::Value;

    use super::*;
    use crate::money::CurrencyCode;

    /// Rows decoded as the client decodes an answer (errors name the path).
    fn rows(v: Value) -> Result<Vec<PaymentRecord>, Error> {
        let json = v.to_string();
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&json))
            .map_err(Error::decode)
    }

    fn stripe() -> Gateway {
        Gateway::new("stripe").unwrap()
    }

    fn usd() -> CurrencyCode {
        CurrencyCode::new("USD").unwrap()
    }

    fn row(edit: impl FnOnce(&mut Value)) -> Value {
        let mut v = json!({
            "id": 9, "memo": "p1", "name": "PBNK1/2026/00001", "payment_reference": false,
            "payment_type": "inbound", "amount": 37.4, "currency_id": [1, "USD"],
            "date": "2026-11-02", "reconciled_invoice_ids": [200, 201],
        });
        edit(&mut v);
        v
    }

    fn related() -> Related {
        let fee: FeeRecord =
            serde_json::from_value(json!({"id": 400, "ref": "p1/fee", "amount_total": 1.39}))
                .unwrap();
        Related {
            invoices: HashMap::from([(200, Some("inv1".to_owned())), (201, None)]),
            fees: HashMap::from([("p1/fee".to_owned(), fee)]),
        }
    }

    /// Maps one row as `payment_entries` does.
    fn map(v: Value, with_reference: bool) -> Result<PaymentEntry, Error> {
        let mut read = rows(json!([v]))?;
        let r = read.remove(0);
        let external = external_ref(0, &r)?;
        entry(0, r, external, &stripe(), with_reference, &related())
    }

    fn decode_path(result: Result<PaymentEntry, Error>) -> (String, String) {
        match result {
            Err(Error::Decode { path, message }) => (path, message),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn a_received_payment_maps_with_its_invoice_and_fee() {
        let e = map(row(|_| {}), true).unwrap();
        assert_eq!(
            e,
            PaymentEntry {
                external_ref: "p1".into(),
                gateway: stripe(),
                transaction_id: String::new(),
                invoice_ref: "inv1".into(),
                direction: PaymentDirection::Received,
                amount: Money::new(3740, usd()),
                fee: Money::new(139, usd()),
                date: time::macros::date!(2026 - 11 - 02),
            }
        );
    }

    #[test]
    fn a_refund_is_negative_with_its_transaction_id_and_no_invoice() {
        let e = map(
            row(|v| {
                v["memo"] = json!("r1");
                v["payment_type"] = json!("outbound");
                v["payment_reference"] = json!("txn-r1");
                v["amount"] = json!(15);
                v["reconciled_invoice_ids"] = json!([]);
            }),
            true,
        )
        .unwrap();
        assert_eq!(
            (
                e.external_ref.as_str(),
                e.direction,
                e.amount,
                e.fee,
                e.transaction_id.as_str(),
                e.invoice_ref.as_str()
            ),
            (
                "r1",
                PaymentDirection::Refunded,
                Money::new(-1500, usd()),
                Money::zero(usd()),
                "txn-r1",
                ""
            )
        );
    }

    #[test]
    fn an_empty_memo_falls_back_to_odoos_name_and_ref_is_read_as_memo() {
        let e = map(row(|v| v["memo"] = json!(false)), true).unwrap();
        assert_eq!(e.external_ref, "PBNK1/2026/00001");
        assert_eq!(
            e.fee,
            Money::zero(usd()),
            "the fee is looked up by that name"
        );
        let before_18 = row(|v| {
            let memo = v["memo"].take();
            v.as_object_mut().unwrap().remove("memo");
            v["ref"] = memo;
        });
        assert_eq!(map(before_18, true).unwrap().external_ref, "p1");
    }

    #[test]
    fn an_invoice_without_ref_gives_an_empty_invoice_ref() {
        let e = map(row(|v| v["reconciled_invoice_ids"] = json!([201])), true).unwrap();
        assert_eq!(e.invoice_ref, "");
    }

    #[test]
    fn without_the_field_transaction_ids_are_empty_but_a_missing_asked_field_is_an_error() {
        let without = row(|v| {
            v.as_object_mut().unwrap().remove("payment_reference");
        });
        assert_eq!(map(without.clone(), false).unwrap().transaction_id, "");
        assert_eq!(decode_path(map(without, true)).0, "[0].payment_reference");
    }

    #[test]
    fn malformed_values_are_decode_errors_naming_the_field() {
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                row(|v| v["payment_type"] = json!("transfer")),
                "[0].payment_type",
                "transfer",
            ),
            (
                row(|v| v["payment_type"] = json!(false)),
                "[0].payment_type",
                "missing",
            ),
            (
                row(|v| v["currency_id"] = json!(false)),
                "[0].currency_id",
                "missing",
            ),
            (
                row(|v| v["currency_id"] = json!([3, "XXY"])),
                "[0].currency_id",
                "XXY",
            ),
            (
                row(|v| v["amount"] = json!(37.405)),
                "[0].amount",
                "decimals",
            ),
            (
                row(|v| v["amount"] = json!(-37.4)),
                "[0].amount",
                "negative",
            ),
            (row(|v| v["date"] = json!(false)), "[0].date", "missing"),
            (
                row(|v| v["reconciled_invoice_ids"] = json!([999])),
                "[0].reconciled_invoice_ids",
                "999",
            ),
            (
                row(|v| {
                    v["memo"] = json!(false);
                    v["name"] = json!(false);
                }),
                "[0].name",
                "memo",
            ),
        ];
        for (v, path, needle) in cases {
            let (got, message) = decode_path(map(v, true));
            assert_eq!(got, path, "{message}");
            assert!(message.contains(needle), "{path}: {message}");
        }
    }

    #[test]
    fn wrong_shapes_are_decode_errors_at_the_path() {
        for (v, path) in [
            (row(|v| v["amount"] = json!("37.40")), "[0].amount"),
            (row(|v| v["date"] = json!("2026-11-31")), "[0].date"),
            (row(|v| v["currency_id"] = json!(true)), "[0].currency_id"),
        ] {
            assert_eq!(decode_path(map(v, true)).0, path);
        }
    }

    #[test]
    fn a_fee_the_currency_cannot_hold_is_a_decode_error_at_the_payment() {
        let mut related = related();
        if let Some(f) = related.fees.get_mut("p1/fee") {
            f.amount_total = Decimal::new(1395, 3);
        }
        let mut read = rows(json!([row(|_| {})])).unwrap();
        let r = read.remove(0);
        let (path, message) = decode_path(entry(0, r, "p1".into(), &stripe(), true, &related));
        assert_eq!(path, "[0].fee");
        assert!(message.contains("account.move 400"), "{message}");
        if let Some(f) = related.fees.get_mut("p1/fee") {
            f.amount_total = Decimal::new(-139, 2);
        }
        let mut read = rows(json!([row(|_| {})])).unwrap();
        let r = read.remove(0);
        let (path, message) = decode_path(entry(0, r, "p1".into(), &stripe(), true, &related));
        assert_eq!(path, "[0].fee");
        assert!(message.contains("negative"), "{message}");
    }

    #[test]
    fn refunds_of_the_largest_amount_negate_without_overflow() {
        let e = map(
            row(|v| {
                v["payment_type"] = json!("outbound");
                // The exact digits (a `json!` float literal would go through f64).
                v["amount"] = serde_json::from_str("92233720368547758.07").unwrap();
            }),
            true,
        )
        .unwrap();
        assert_eq!(e.amount.minor, -i64::MAX);
    }
}

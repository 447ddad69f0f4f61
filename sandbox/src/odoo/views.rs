//! Typed views of the fake's records, for tests and the demo.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::schema::Val;
use super::store::State;

/// A `res.partner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// Record id.
    pub id: i64,
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: Option<String>,
    /// `ref`, the external reference.
    pub reference: Option<String>,
    /// `customer_rank` (1 or more for customers).
    pub customer_rank: i64,
    /// Custom `x_...` char fields that are set.
    pub custom: BTreeMap<String, String>,
}

/// A `sale.order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleOrder {
    /// Record id.
    pub id: i64,
    /// `name` (`S00001`, ...).
    pub name: String,
    /// `partner_id`.
    pub partner_id: Option<i64>,
    /// `client_order_ref`, the external reference.
    pub client_order_ref: Option<String>,
    /// `date_order` (`YYYY-MM-DD HH:MM:SS`).
    pub date_order: Option<String>,
    /// `state`: `draft`, then `sale` once confirmed.
    pub state: String,
    /// ISO code of `currency_id`.
    pub currency: String,
    /// `amount_total` (no taxes: the fake computes none).
    pub amount_total: Decimal,
    /// `order_line`.
    pub lines: Vec<SaleOrderLine>,
}

/// A `sale.order.line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleOrderLine {
    /// Record id.
    pub id: i64,
    /// `product_id`.
    pub product_id: Option<i64>,
    /// The product's `default_code` (SKU).
    pub product_code: Option<String>,
    /// `name`.
    pub name: String,
    /// `product_uom_qty`.
    pub quantity: Decimal,
    /// `price_unit`.
    pub price_unit: Decimal,
    /// `price_subtotal`.
    pub subtotal: Decimal,
}

/// An `account.move`: invoice, credit note or journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Record id.
    pub id: i64,
    /// `name`: `/` while draft, then `INV/2026/00001`, `RINV/...`, `MISC/...`.
    pub name: String,
    /// `move_type`: `out_invoice`, `out_refund`, `entry`, ...
    pub move_type: String,
    /// `partner_id`.
    pub partner_id: Option<i64>,
    /// `ref`, the external reference.
    pub reference: Option<String>,
    /// `date` (accounting date).
    pub date: Option<String>,
    /// `invoice_date`.
    pub invoice_date: Option<String>,
    /// `invoice_date_due`.
    pub invoice_date_due: Option<String>,
    /// `invoice_origin`.
    pub invoice_origin: Option<String>,
    /// `journal_id`.
    pub journal_id: Option<i64>,
    /// ISO code of `currency_id`.
    pub currency: String,
    /// `reversed_entry_id` (the invoice a credit note reverses).
    pub reversed_entry_id: Option<i64>,
    /// `state`: `draft`, `posted` or `cancel`.
    pub state: String,
    /// `payment_state`: `not_paid`, `partial`, or `in_payment` once fully paid.
    pub payment_state: String,
    /// `amount_total`.
    pub amount_total: Decimal,
    /// `amount_residual`.
    pub amount_residual: Decimal,
    /// `line_ids`: product lines, then the receivable line of invoices.
    pub lines: Vec<MoveLine>,
}

/// An `account.move.line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveLine {
    /// Record id.
    pub id: i64,
    /// `display_type`: `product`, or `payment_term` for the receivable line.
    pub display_type: String,
    /// `name` (label).
    pub name: Option<String>,
    /// `account_id`'s code.
    pub account_code: Option<String>,
    /// `quantity`.
    pub quantity: Decimal,
    /// `price_unit`.
    pub price_unit: Decimal,
    /// `debit`.
    pub debit: Decimal,
    /// `credit`.
    pub credit: Decimal,
}

/// An `account.payment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Record id.
    pub id: i64,
    /// `name`: `/` while draft, then `PBNK1/2026/00001`, ...
    pub name: String,
    /// `payment_type`: `inbound` or `outbound`.
    pub payment_type: String,
    /// `partner_type`: `customer` or `supplier`.
    pub partner_type: String,
    /// `partner_id`.
    pub partner_id: Option<i64>,
    /// `amount`.
    pub amount: Decimal,
    /// ISO code of `currency_id`.
    pub currency: String,
    /// `journal_id`.
    pub journal_id: Option<i64>,
    /// `date`.
    pub date: Option<String>,
    /// `memo`, the external reference.
    pub memo: Option<String>,
    /// `payment_reference`: a refund's gateway transaction id (none on wizard payments).
    pub payment_reference: Option<String>,
    /// `state`: `draft`, or `in_process` once posted.
    pub state: String,
    /// `reconciled_invoice_ids`: the invoices the payment was registered on.
    pub reconciled_invoice_ids: Vec<i64>,
}

impl State {
    fn currency_code(&self, model: &str, id: i64) -> String {
        self.stored(model, id, "currency_id")
            .as_id()
            .and_then(|c| self.text("res.currency", c, "name"))
            .unwrap_or_default()
    }

    pub(crate) fn partner_view(&self, id: i64) -> Partner {
        const P: &str = "res.partner";
        let custom = self
            .record(P, id)
            .map(|r| {
                r.iter()
                    .filter(|(k, _)| k.starts_with("x_"))
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Partner {
            id,
            name: self.text(P, id, "name").unwrap_or_default(),
            email: self.text(P, id, "email"),
            reference: self.text(P, id, "ref"),
            customer_rank: self.stored(P, id, "customer_rank").as_id().unwrap_or(0),
            custom,
        }
    }

    pub(crate) fn order_view(&self, id: i64) -> SaleOrder {
        const O: &str = "sale.order";
        const L: &str = "sale.order.line";
        let lines = self
            .children(L, "order_id", id, "order_line")
            .into_iter()
            .map(|l| {
                let product_id = self.stored(L, l, "product_id").as_id();
                SaleOrderLine {
                    id: l,
                    product_id,
                    product_code: product_id
                        .and_then(|p| self.text("product.product", p, "default_code")),
                    name: self.text(L, l, "name").unwrap_or_default(),
                    quantity: self.dec(L, l, "product_uom_qty"),
                    price_unit: self.dec(L, l, "price_unit"),
                    subtotal: self.dec(L, l, "price_subtotal"),
                }
            })
            .collect();
        SaleOrder {
            id,
            name: self.text(O, id, "name").unwrap_or_default(),
            partner_id: self.stored(O, id, "partner_id").as_id(),
            client_order_ref: self.text(O, id, "client_order_ref"),
            date_order: self.text(O, id, "date_order"),
            state: self.text(O, id, "state").unwrap_or_default(),
            currency: self.currency_code(O, id),
            amount_total: self.dec(O, id, "amount_total"),
            lines,
        }
    }

    pub(crate) fn move_view(&self, id: i64) -> Move {
        const M: &str = "account.move";
        const L: &str = "account.move.line";
        let lines = self
            .children(L, "move_id", id, "line_ids")
            .into_iter()
            .map(|l| MoveLine {
                id: l,
                display_type: self.text(L, l, "display_type").unwrap_or_default(),
                name: self.text(L, l, "name"),
                account_code: self
                    .stored(L, l, "account_id")
                    .as_id()
                    .and_then(|a| self.text("account.account", a, "code")),
                quantity: self.dec(L, l, "quantity"),
                price_unit: self.dec(L, l, "price_unit"),
                debit: self.dec(L, l, "debit"),
                credit: self.dec(L, l, "credit"),
            })
            .collect();
        Move {
            id,
            name: self.text(M, id, "name").unwrap_or_default(),
            move_type: self.text(M, id, "move_type").unwrap_or_default(),
            partner_id: self.stored(M, id, "partner_id").as_id(),
            reference: self.text(M, id, "ref"),
            date: self.text(M, id, "date"),
            invoice_date: self.text(M, id, "invoice_date"),
            invoice_date_due: self.text(M, id, "invoice_date_due"),
            invoice_origin: self.text(M, id, "invoice_origin"),
            journal_id: self.stored(M, id, "journal_id").as_id(),
            currency: self.currency_code(M, id),
            reversed_entry_id: self.stored(M, id, "reversed_entry_id").as_id(),
            state: self.text(M, id, "state").unwrap_or_default(),
            payment_state: self.text(M, id, "payment_state").unwrap_or_default(),
            amount_total: self.dec(M, id, "amount_total"),
            amount_residual: self.dec(M, id, "amount_residual"),
            lines,
        }
    }

    pub(crate) fn payment_view(&self, id: i64) -> Payment {
        const P: &str = "account.payment";
        Payment {
            id,
            name: self.text(P, id, "name").unwrap_or_default(),
            payment_type: self.text(P, id, "payment_type").unwrap_or_default(),
            partner_type: self.text(P, id, "partner_type").unwrap_or_default(),
            partner_id: self.stored(P, id, "partner_id").as_id(),
            amount: self.dec(P, id, "amount"),
            currency: self.currency_code(P, id),
            journal_id: self.stored(P, id, "journal_id").as_id(),
            date: self.text(P, id, "date"),
            memo: self.text(P, id, "memo"),
            payment_reference: self.text(P, id, "payment_reference"),
            state: self.text(P, id, "state").unwrap_or_default(),
            reconciled_invoice_ids: match self.stored(P, id, "reconciled_invoice_ids") {
                Val::Ids(ids) => ids,
                _ => Vec::new(),
            },
        }
    }

    /// Ids of `model` records whose char `field` equals `value`.
    pub(crate) fn find_all(&self, model: &str, field: &str, value: &str) -> Vec<i64> {
        self.ids(model)
            .into_iter()
            .filter(|id| self.text(model, *id, field).as_deref() == Some(value))
            .collect()
    }
}

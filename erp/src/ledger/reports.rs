//! Read-only reports over the ledger.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::Date;

use super::post::{INVOICE_STATE_SQL, corrupt, invoice_state_row};
use crate::error::Error;
use crate::models::{
    AccountKind, DocumentId, DocumentKind, DocumentRef, Gateway, OpenReceivable, PaymentDirection,
    PaymentEntry,
};
use crate::money::{CurrencyCode, Money};

/// One account's totals in one currency.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TrialBalanceLine {
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Account kind.
    pub kind: AccountKind,
    /// Currency.
    pub currency: CurrencyCode,
    /// Sum of debits, minor units.
    pub debit: i64,
    /// Sum of credits, minor units.
    pub credit: i64,
    /// `debit − credit`, minor units.
    pub balance: i64,
}

/// A customer's open receivables in one currency, bucketed by days past the due date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AgedReceivable {
    /// The customer's external reference.
    pub customer_ref: String,
    /// Currency.
    pub currency: CurrencyCode,
    /// Not yet due.
    pub current: i64,
    /// 1 to 30 days past due.
    pub days_1_30: i64,
    /// 31 to 60 days past due.
    pub days_31_60: i64,
    /// 61 to 90 days past due.
    pub days_61_90: i64,
    /// More than 90 days past due.
    pub over_90: i64,
    /// Sum of the buckets.
    pub total: i64,
}

/// Receivables reconciled against the documents, per currency: `ledger_balance` (the
/// receivables account) must equal `invoiced − credited − received + refunded`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ReceivablesCheck {
    /// Currency.
    pub currency: CurrencyCode,
    /// Sum of invoice totals.
    pub invoiced: i64,
    /// Sum of credit memos, write-offs and voids (what left receivables other than by payment).
    pub credited: i64,
    /// Sum of payments received.
    pub received: i64,
    /// Sum of refund payments.
    pub refunded: i64,
    /// Balance of the receivables account.
    pub ledger_balance: i64,
}

impl ReceivablesCheck {
    /// Whether the ledger agrees with the documents.
    pub fn is_consistent(&self) -> bool {
        self.ledger_balance == self.invoiced - self.credited - self.received + self.refunded
    }
}

fn currency(s: &str, path: &str) -> Result<CurrencyCode, Error> {
    CurrencyCode::new(s).map_err(|_| corrupt(path))
}

fn date(s: &str, path: &str) -> Result<Date, Error> {
    crate::date::parse(s).map_err(|_| corrupt(path))
}

pub(crate) fn trial_balance(conn: &Connection) -> Result<Vec<TrialBalanceLine>, Error> {
    let mut stmt = conn.prepare(
        "SELECT a.code, a.name, a.kind, j.currency, SUM(l.debit), SUM(l.credit)
         FROM journal_lines l
         JOIN journals j ON j.id = l.journal_id
         JOIN accounts a ON a.code = l.account_code
         GROUP BY a.code, j.currency
         ORDER BY j.currency, a.code",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    rows.map(|row| trial_balance_line(row?)).collect()
}

/// The row of one account and currency (code, name, kind, currency, debits, credits).
pub(crate) type TrialBalanceRow = (String, String, String, String, i64, i64);

pub(crate) fn trial_balance_line(
    (code, name, kind, cur, debit, credit): TrialBalanceRow,
) -> Result<TrialBalanceLine, Error> {
    Ok(TrialBalanceLine {
        code,
        name,
        kind: AccountKind::parse(&kind).ok_or_else(|| corrupt("accounts.kind"))?,
        currency: currency(&cur, "journals.currency")?,
        debit,
        credit,
        balance: debit - credit,
    })
}

pub(crate) fn verify_journals(conn: &Connection) -> Result<(), Error> {
    let row: Option<(i64, i64, String)> = conn
        .query_row(
            "SELECT SUM(l.debit), SUM(l.credit), j.currency
             FROM journals j JOIN journal_lines l ON l.journal_id = j.id
             GROUP BY j.id HAVING SUM(l.debit) != SUM(l.credit) LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    unbalanced(row)
}

/// The outcome of the audit, from the first unbalanced journal's debits, credits and currency.
pub(crate) fn unbalanced(row: Option<(i64, i64, String)>) -> Result<(), Error> {
    match row {
        None => Ok(()),
        Some((debits, credits, cur)) => Err(Error::Unbalanced {
            debits,
            credits,
            currency: currency(&cur, "journals.currency")?,
        }),
    }
}

pub(crate) fn open_receivables(conn: &Connection) -> Result<Vec<OpenReceivable>, Error> {
    let mut stmt = conn.prepare(&format!(
        "SELECT s.*, d.external_ref, cd.external_ref, i.invoice_date, i.due_date
         FROM ({INVOICE_STATE_SQL}) s
         JOIN invoices i ON i.doc_id = s.doc_id
         JOIN documents d ON d.id = i.doc_id
         JOIN documents cd ON cd.id = i.customer_id
         ORDER BY i.due_date, i.doc_id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            invoice_state_row(r)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(open_receivable(row?)?);
    }
    Ok(out)
}

/// An invoice's state ([`INVOICE_STATE_SQL`]'s columns), its reference, its customer's, its date
/// and due date.
pub(crate) type InvoiceRow = ((i64, String, i64, i64, i64), String, String, String, String);

/// The invoice as an open receivable, `None` once nothing is left to pay.
pub(crate) fn open_receivable(
    ((id, cur, total, credited, paid_net), inv_ref, cust_ref, inv_date, due): InvoiceRow,
) -> Result<Option<OpenReceivable>, Error> {
    let open = total - credited - paid_net;
    if open <= 0 {
        return Ok(None);
    }
    let cur = currency(&cur, "invoices.currency")?;
    Ok(Some(OpenReceivable {
        invoice: DocumentRef {
            kind: DocumentKind::Invoice,
            id: DocumentId(id.to_string()),
            external_ref: inv_ref,
        },
        customer_ref: cust_ref,
        invoice_date: date(&inv_date, "invoices.invoice_date")?,
        due_date: date(&due, "invoices.due_date")?,
        total: Money::new(total, cur),
        open: Money::new(open, cur),
    }))
}

pub(crate) fn aged_receivables(
    conn: &Connection,
    as_of: Date,
) -> Result<Vec<AgedReceivable>, Error> {
    Ok(age(open_receivables(conn)?, as_of))
}

/// Open receivables bucketed per customer and currency by days past due at `as_of`.
pub(crate) fn age(open: Vec<OpenReceivable>, as_of: Date) -> Vec<AgedReceivable> {
    let mut buckets: BTreeMap<(String, CurrencyCode), AgedReceivable> = BTreeMap::new();
    for r in open {
        let days = (as_of - r.due_date).whole_days();
        let entry = buckets
            .entry((r.customer_ref.clone(), r.open.currency))
            .or_insert_with(|| AgedReceivable {
                customer_ref: r.customer_ref.clone(),
                currency: r.open.currency,
                current: 0,
                days_1_30: 0,
                days_31_60: 0,
                days_61_90: 0,
                over_90: 0,
                total: 0,
            });
        let slot = match days {
            ..=0 => &mut entry.current,
            1..=30 => &mut entry.days_1_30,
            31..=60 => &mut entry.days_31_60,
            61..=90 => &mut entry.days_61_90,
            _ => &mut entry.over_90,
        };
        *slot += r.open.minor;
        entry.total += r.open.minor;
    }
    buckets.into_values().collect()
}

pub(crate) fn receivables_check(conn: &Connection) -> Result<Vec<ReceivablesCheck>, Error> {
    let mut stmt = conn.prepare(
        "WITH cur AS (SELECT currency FROM invoices UNION SELECT currency FROM journals)
         SELECT cur.currency,
           COALESCE((SELECT SUM(total) FROM invoices WHERE currency = cur.currency), 0),
           COALESCE((SELECT SUM(amount) FROM credit_memos WHERE currency = cur.currency), 0)
           + COALESCE((SELECT SUM(amount) FROM invoice_closures WHERE currency = cur.currency), 0),
           COALESCE((SELECT SUM(amount) FROM payments
                     WHERE currency = cur.currency AND direction = 'received'), 0),
           COALESCE((SELECT SUM(amount) FROM payments
                     WHERE currency = cur.currency AND direction = 'refunded'), 0),
           COALESCE((SELECT SUM(l.debit) - SUM(l.credit) FROM journal_lines l
                     JOIN journals j ON j.id = l.journal_id
                     WHERE j.currency = cur.currency AND l.account_code = ?1), 0)
         FROM cur ORDER BY cur.currency",
    )?;
    let rows = stmt.query_map([crate::models::Account::Receivables.code()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.map(|row| receivables_line(row?)).collect()
}

/// One currency's sums: invoiced, credited, received, refunded, receivables balance.
pub(crate) type ReceivablesRow = (String, i64, i64, i64, i64, i64);

pub(crate) fn receivables_line(
    (cur, invoiced, credited, received, refunded, ledger_balance): ReceivablesRow,
) -> Result<ReceivablesCheck, Error> {
    Ok(ReceivablesCheck {
        currency: currency(&cur, "invoices.currency")?,
        invoiced,
        credited,
        received,
        refunded,
        ledger_balance,
    })
}

/// The columns [`payment_entry`] reads: the payment's reference, gateway, transaction id, its
/// invoice's reference, direction, amount, fee, currency and date.
/// The payments and dispute withdrawals (a dispute's `opened` record, under its dispute id and
/// the disputed payment's invoice) of gateway `$1` dated `$2` to `$3`, by date and document.
/// SQLite reads `$1` as a parameter named `$1`, numbered in order of first appearance, so one
/// text serves both backends.
pub(crate) const PAYMENT_ENTRIES_SQL: &str = "
SELECT d.external_ref, p.gateway, p.transaction_id, inv.external_ref, p.direction, p.amount,
       p.fee, p.currency, p.date, d.id
FROM payments p
JOIN documents d ON d.id = p.doc_id
JOIN documents inv ON inv.id = p.invoice_id
WHERE p.gateway = $1 AND p.date >= $2 AND p.date <= $3
UNION ALL
SELECT d.external_ref, dp.gateway, dp.dispute_id, COALESCE(inv.external_ref, ''), 'withdrawn',
       dp.amount, dp.fee, dp.currency, dp.date, d.id
FROM disputes dp
JOIN documents d ON d.id = dp.doc_id
LEFT JOIN payments p ON p.doc_id = dp.payment_id
LEFT JOIN documents inv ON inv.id = p.invoice_id
WHERE dp.stage = 'opened' AND dp.gateway = $1 AND dp.date >= $2 AND dp.date <= $3
ORDER BY 9, 10";

/// A row of [`PAYMENT_ENTRIES_SQL`].
pub(crate) type PaymentEntryRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
);

pub(crate) fn payment_entry(
    (external_ref, gateway, transaction_id, invoice_ref, direction, amount, fee, cur, date): PaymentEntryRow,
) -> Result<PaymentEntry, Error> {
    let currency = currency(&cur, "payments.currency")?;
    let direction = match direction.as_str() {
        "received" => PaymentDirection::Received,
        "refunded" => PaymentDirection::Refunded,
        "withdrawn" => PaymentDirection::Withdrawn,
        _ => return Err(corrupt("payments.direction")),
    };
    let signed = match direction {
        PaymentDirection::Received => amount,
        PaymentDirection::Refunded | PaymentDirection::Withdrawn => amount
            .checked_neg()
            .ok_or_else(|| corrupt("payments.amount"))?,
    };
    Ok(PaymentEntry {
        external_ref,
        gateway: Gateway::new(&gateway).map_err(|_| corrupt("payments.gateway"))?,
        transaction_id,
        invoice_ref,
        direction,
        amount: Money::new(signed, currency),
        fee: Money::new(fee, currency),
        date: crate::date::parse(&date).map_err(|_| corrupt("payments.date"))?,
    })
}

pub(crate) fn payment_entries(
    conn: &Connection,
    gateway: &str,
    from: Date,
    to: Date,
) -> Result<Vec<PaymentEntry>, Error> {
    let mut stmt = conn.prepare_cached(PAYMENT_ENTRIES_SQL)?;
    let rows = stmt.query_map(
        rusqlite::params![gateway, crate::date::text(from), crate::date::text(to)],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    rows.map(|row| payment_entry(row?)).collect()
}

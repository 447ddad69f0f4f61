//! Recurring billing in the ledger: billing invoices with deferred lines, write-offs, voids,
//! revenue recognition, the deferred revenue schedule and contracts.
//!
//! The SQL here is shared by both backends (`$n` parameters, which SQLite reads as named ones
//! numbered in order of first appearance, so each statement names them in order; sums cast to
//! `BIGINT`, PostgreSQL's `SUM` being `NUMERIC`), as are the journals and the checks; the
//! SQLite writes follow, PostgreSQL's are in `postgres/billing.rs`.
//!
//! What is stored (schema in `schema.rs`, migration 2 on PostgreSQL):
//! * a billing invoice is an `invoices` row (so payments, credit memos, open receivables and
//!   aged receivables take it as they are) with its lines in `billing_lines` (amount, service
//!   period, days, proration);
//! * a write-off or a void is an `invoice_closures` row, one per invoice (`UNIQUE`), whose
//!   amount (what left receivables) counts with the credit memos wherever an invoice's open
//!   balance is computed;
//! * a recognition entry is a `recognitions` row per line and first day (`UNIQUE`): the days
//!   and amount recognised so far are their sums;
//! * a credit memo against a billing invoice releases deferred revenue not yet recognised
//!   ([`releases`]): the memo's amount is taken first from the unrecognised part of the
//!   invoice's positive deferred lines, in line order, and that part is debited to deferred
//!   revenue instead of refunds (`deferred_releases` rows, one per line touched); each line
//!   then recognises its amount less its releases, by the same cumulative method, so what it
//!   recognises over its period sums to exactly that. The rest of the memo (tax, lines without
//!   a period, revenue already recognised) is debited to refunds as for any invoice.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use time::{Date, Duration};

use super::post::{
    InvoiceState, corrupt, existing, insert_document, invoice_state, line, post_journal, recorded,
    require,
};
use crate::error::Error;
use crate::models::{
    Account, BillingInterval, BillingInvoice, Contract, ContractItem, ContractRecord,
    ContractStatus, DocumentKind, InvoiceVoid, JournalLine, Recognition, RecognitionSchedule,
    Recorded, RevenueScheduleLine, ServicePeriod, Side, WriteOff, WriteOffReversal,
};
use crate::money::{CurrencyCode, Money};

pub(crate) const INSERT_BILLING_INVOICE: &str = "
INSERT INTO invoices (doc_id, customer_id, sales_order_id, invoice_date, due_date, currency,
                      subtotal, tax, shipping, total)
VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, 0, $8)";

pub(crate) const INSERT_BILLING_LINE: &str = "
INSERT INTO billing_lines (doc_id, line_no, product, description, quantity, unit_price, discount,
                           amount, period_start, period_end, days, proration)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// What closing an invoice (write-off or void) checks: its payments and credit memos, whether
/// it is closed already, its amounts, its deferred lines' sum and the revenue recognised.
pub(crate) const CLOSING_STATE_SQL: &str = "
SELECT CAST((SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.doc_id) AS BIGINT),
       CAST((SELECT COUNT(*) FROM credit_memos c WHERE c.invoice_id = i.doc_id) AS BIGINT),
       (SELECT kind FROM invoice_closures x WHERE x.invoice_id = i.doc_id),
       i.subtotal, i.tax, i.shipping,
       CAST(COALESCE((SELECT SUM(b.amount) FROM billing_lines b
                      WHERE b.doc_id = i.doc_id AND b.period_start IS NOT NULL), 0) AS BIGINT),
       CAST(COALESCE((SELECT SUM(r.amount) FROM recognitions r
                      WHERE r.invoice_id = i.doc_id), 0) AS BIGINT)
FROM invoices i WHERE i.doc_id = $1";

/// A write-off's closure (`$1`: the write-off's document) taken away, with its amount and
/// currency: none when it is reversed already.
pub(crate) const TAKE_WRITE_OFF_CLOSURE: &str = "
DELETE FROM invoice_closures WHERE doc_id = $1 AND kind = 'write_off'
RETURNING amount, currency";

pub(crate) const INSERT_CLOSURE: &str = "
INSERT INTO invoice_closures (doc_id, invoice_id, kind, amount, currency, date, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The deferred lines with days still to recognise through the cutoff `$1`, of invoices dated
/// by then and not voided, with their amount less what credit memos released, and the days
/// and amount recognised so far.
pub(crate) const RECOGNITION_DUE_SQL: &str = "
SELECT s.* FROM (
  SELECT b.doc_id, d.external_ref, b.line_no,
         b.amount - CAST(COALESCE((SELECT SUM(x.amount) FROM deferred_releases x
                                   WHERE x.invoice_id = b.doc_id AND x.line_no = b.line_no), 0)
                         AS BIGINT),
         i.currency, b.period_start,
         b.period_end,
         CAST(COALESCE((SELECT SUM(r.days) FROM recognitions r
                        WHERE r.invoice_id = b.doc_id AND r.line_no = b.line_no), 0) AS BIGINT)
           AS done_days,
         CAST(COALESCE((SELECT SUM(r.amount) FROM recognitions r
                        WHERE r.invoice_id = b.doc_id AND r.line_no = b.line_no), 0) AS BIGINT),
         b.days
  FROM billing_lines b
  JOIN invoices i ON i.doc_id = b.doc_id
  JOIN documents d ON d.id = b.doc_id
  WHERE b.period_start IS NOT NULL AND b.period_start <= $1 AND i.invoice_date <= $1
    AND NOT EXISTS (SELECT 1 FROM invoice_closures x
                    WHERE x.invoice_id = b.doc_id AND x.kind = 'void')
) s WHERE s.done_days < s.days
ORDER BY s.doc_id, s.line_no";

pub(crate) const INSERT_RECOGNITION: &str = "
INSERT INTO recognitions (doc_id, invoice_id, line_no, first_day, last_day, days, amount, currency)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The movements of one account (`$1`) through a day (`$2`): date, currency, the posting
/// document's kind, debit, credit.
pub(crate) const SCHEDULE_SQL: &str = "
SELECT j.date, j.currency, d.kind, l.debit, l.credit
FROM journal_lines l
JOIN journals j ON j.id = l.journal_id
JOIN documents d ON d.id = j.doc_id
WHERE l.account_code = $1 AND j.date <= $2";

pub(crate) const CONTRACT_SQL: &str = "
SELECT cd.external_ref, c.currency, c.status, c.start_date, c.period_start, c.period_end,
       c.cancel_at_period_end, c.ended_on
FROM contracts c JOIN documents cd ON cd.id = c.customer_id WHERE c.doc_id = $1";

pub(crate) const CONTRACT_ITEMS_SQL: &str = "
SELECT product, description, quantity, unit_price, interval, interval_count
FROM contract_items WHERE doc_id = $1 ORDER BY line_no";

pub(crate) const CONTRACT_HISTORY_SQL: &str =
    "SELECT status FROM contract_status_history WHERE doc_id = $1 ORDER BY seq";

pub(crate) const INSERT_CONTRACT: &str = "
INSERT INTO contracts (doc_id, customer_id, currency, status, start_date, period_start,
                       period_end, cancel_at_period_end, ended_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub(crate) const UPDATE_CONTRACT: &str = "
UPDATE contracts SET customer_id = $1, currency = $2, status = $3, start_date = $4,
       period_start = $5, period_end = $6, cancel_at_period_end = $7, ended_on = $8
WHERE doc_id = $9";

pub(crate) const DELETE_CONTRACT_ITEMS: &str = "DELETE FROM contract_items WHERE doc_id = $1";

pub(crate) const INSERT_CONTRACT_ITEM: &str = "
INSERT INTO contract_items (doc_id, line_no, product, description, quantity, unit_price,
                            interval, interval_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const ADD_CONTRACT_STATUS: &str = "
INSERT INTO contract_status_history (doc_id, seq, status)
SELECT $1, COALESCE(MAX(seq) + 1, 0), $2 FROM contract_status_history WHERE doc_id = $1";

/// A line crediting `account` with `amount`, debiting it when `amount` is negative.
fn credit(account: Account, amount: Money) -> Result<JournalLine, Error> {
    Ok(if amount.minor < 0 {
        line(account, Side::Debit, negated(amount)?)
    } else {
        line(account, Side::Credit, amount)
    })
}

/// `-amount`, in the same currency.
fn negated(amount: Money) -> Result<Money, Error> {
    amount
        .minor
        .checked_neg()
        .map(|minor| Money::new(minor, amount.currency))
        .ok_or_else(|| Error::InvalidDocument(format!("amount {amount} overflows")))
}

/// A billing invoice's journal: Dr receivables total; Cr revenue (lines without a period),
/// deferred revenue (lines with one), tax payable.
pub(crate) fn billing_journal(
    inv: &BillingInvoice,
    total: Money,
) -> Result<(String, Vec<JournalLine>), Error> {
    let deferred = inv.deferred()?;
    let revenue = inv.subtotal()?.checked_sub(deferred)?;
    Ok((
        format!("Invoice {}", inv.external_ref),
        vec![
            line(Account::Receivables, Side::Debit, total),
            credit(Account::Revenue, revenue)?,
            credit(Account::DeferredRevenue, deferred)?,
            line(Account::TaxPayable, Side::Credit, inv.tax),
        ],
    ))
}

/// One billing line's columns: product, description, quantity, unit price, discount, amount,
/// period start, period end, days, proration.
pub(crate) type BillingLineRow = (
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    bool,
);

/// The rows of an invoice's billing lines (checked by [`BillingInvoice::validate`] first).
pub(crate) fn billing_line_rows(inv: &BillingInvoice) -> Result<Vec<BillingLineRow>, Error> {
    inv.lines
        .iter()
        .map(|l| {
            Ok((
                l.product.clone(),
                l.description.clone(),
                i64::from(l.quantity),
                l.unit_price.minor,
                l.discount.minor,
                l.amount()?.minor,
                l.period.map(|p| crate::date::text(p.start)),
                l.period.map(|p| crate::date::text(p.end)),
                l.period.map(|p| p.days()),
                l.proration,
            ))
        })
        .collect()
}

/// An invoice's columns read by [`CLOSING_STATE_SQL`].
pub(crate) struct ClosingState {
    pub payments: i64,
    pub credit_memos: i64,
    pub closed: Option<String>,
    pub subtotal: i64,
    pub tax: i64,
    pub shipping: i64,
    pub deferred: i64,
    pub recognized: i64,
}

/// The refusal of a second write-off or void of an invoice.
fn already_closed(invoice_ref: &str, kind: &str) -> Error {
    let done = if kind == "void" {
        "voided"
    } else {
        "written off"
    };
    Error::InvalidDocument(format!("invoice {invoice_ref} was {done} already"))
}

/// A write-off's amount (the invoice's open balance) and journal, after the checks.
pub(crate) fn write_off_journal(
    w: &WriteOff,
    inv: &InvoiceState,
    closing: &ClosingState,
) -> Result<(Money, String, Vec<JournalLine>), Error> {
    if let Some(kind) = &closing.closed {
        return Err(already_closed(&w.invoice_ref, kind));
    }
    if inv.open <= 0 {
        return Err(Error::InvalidDocument(format!(
            "invoice {} has nothing open to write off (paid or credited)",
            w.invoice_ref
        )));
    }
    let open = Money::new(inv.open, inv.currency);
    Ok((
        open,
        format!("Write-off {} of invoice {}", w.external_ref, w.invoice_ref),
        vec![
            line(Account::BadDebts, Side::Debit, open),
            line(Account::Receivables, Side::Credit, open),
        ],
    ))
}

/// A write-off reversal's journal: Dr receivables, Cr bad debts, by the amount written off; a
/// write-off reversed already (its closure gone) is refused.
pub(crate) fn reversal_journal(
    r: &WriteOffReversal,
    taken: Option<(i64, String)>,
) -> Result<(String, Vec<JournalLine>), Error> {
    let (amount, cur) = taken.ok_or_else(|| {
        Error::InvalidDocument(format!("write-off {} is reversed already", r.write_off_ref))
    })?;
    let currency = CurrencyCode::new(&cur).map_err(|_| corrupt("invoice_closures.currency"))?;
    let amount = Money::new(amount, currency);
    Ok((
        format!(
            "Reversal {} of write-off {}: {}",
            r.external_ref, r.write_off_ref, r.reason
        ),
        vec![
            line(Account::Receivables, Side::Debit, amount),
            line(Account::BadDebts, Side::Credit, amount),
        ],
    ))
}

/// A void's amount (the invoice's total) and journal: the invoice's posting reversed, with the
/// revenue recognised so far taken back from revenue instead of deferred revenue.
pub(crate) fn void_journal(
    v: &InvoiceVoid,
    inv: &InvoiceState,
    closing: &ClosingState,
) -> Result<(Money, String, Vec<JournalLine>), Error> {
    if let Some(kind) = &closing.closed {
        return Err(already_closed(&v.invoice_ref, kind));
    }
    if closing.payments > 0 || closing.credit_memos > 0 {
        return Err(Error::InvalidDocument(format!(
            "invoice {} has payments or credit memos: it cannot be voided",
            v.invoice_ref
        )));
    }
    let money = |minor| Money::new(minor, inv.currency);
    let overflow = || Error::InvalidDocument(format!("void of {} overflows", v.invoice_ref));
    let still_deferred = closing
        .deferred
        .checked_sub(closing.recognized)
        .ok_or_else(overflow)?;
    let revenue = closing
        .subtotal
        .checked_sub(still_deferred)
        .ok_or_else(overflow)?;
    Ok((
        money(inv.total),
        format!("Void {} of invoice {}", v.external_ref, v.invoice_ref),
        vec![
            line(Account::Receivables, Side::Credit, money(inv.total)),
            credit(Account::Revenue, negated(money(revenue))?)?,
            credit(Account::DeferredRevenue, negated(money(still_deferred))?)?,
            line(Account::TaxPayable, Side::Debit, money(closing.tax)),
            line(
                Account::ShippingIncome,
                Side::Debit,
                money(closing.shipping),
            ),
        ],
    ))
}

/// A deferred line due for recognition, as [`RECOGNITION_DUE_SQL`] reads it: invoice id,
/// invoice reference, line number, amount, currency, period start and end, days and amount
/// recognised so far.
pub(crate) type DueRow = (i64, String, i64, i64, String, String, String, i64, i64);

/// A deferred line and what was recognised of it so far: the input of [`DueLine::plan`], read
/// from the ledger's tables ([`DueLine::from_row`]) or from Odoo's invoices and entries.
pub(crate) struct DueLine {
    /// The invoice's id in its backend.
    pub invoice_id: i64,
    pub invoice_ref: String,
    pub line_no: u32,
    /// The line's amount, less what credit memos released of it.
    pub amount: Money,
    pub period: ServicePeriod,
    /// Days recognised so far, from the period's start.
    pub done_days: i64,
    /// Amount recognised so far.
    pub done: i64,
}

impl DueLine {
    /// Decodes a row of [`RECOGNITION_DUE_SQL`].
    pub(crate) fn from_row(
        (invoice_id, invoice_ref, line_no, amount, cur, start, end, done_days, done): DueRow,
    ) -> Result<Self, Error> {
        let currency = CurrencyCode::new(&cur).map_err(|_| corrupt("invoices.currency"))?;
        Ok(Self {
            invoice_id,
            invoice_ref,
            line_no: u32::try_from(line_no).map_err(|_| corrupt("billing_lines.line_no"))?,
            amount: Money::new(amount, currency),
            period: ServicePeriod {
                start: crate::date::parse(&start)
                    .map_err(|_| corrupt("billing_lines.period_start"))?,
                end: crate::date::parse(&end).map_err(|_| corrupt("billing_lines.period_end"))?,
            },
            done_days,
            done,
        })
    }

    /// The recognition due through `cutoff`: the days since the last entry and `earned −
    /// recognised so far`; `None` when no day or no money is due (a line of 1 yen over 30 days
    /// earns nothing until the last day; its days are then counted again by the next entry).
    pub(crate) fn plan(self, cutoff: Date) -> Option<Planned> {
        let Self {
            invoice_id,
            invoice_ref,
            line_no,
            amount,
            period,
            done_days,
            done,
        } = self;
        let elapsed = period.days_through(cutoff);
        if elapsed <= done_days {
            return None;
        }
        let earned = period.earned_through(amount, cutoff);
        let due = earned.minor - done;
        // After a credit memo released part of a line, its floors catch up with what was
        // recognised before: nothing is due (nothing is taken back) until they do.
        if due == 0 || (due < 0) != (amount.minor < 0) {
            return None;
        }
        let first_day = period.start + Duration::days(done_days);
        let last_day = period.start + Duration::days(elapsed - 1);
        Some(Planned {
            invoice_id,
            recognition: Recognition {
                document: crate::models::DocumentRef {
                    kind: DocumentKind::Recognition,
                    id: crate::models::DocumentId(String::new()),
                    external_ref: Recognition::reference(
                        &invoice_ref,
                        line_no,
                        first_day,
                        last_day,
                    ),
                },
                invoice_ref,
                line_no,
                first_day,
                last_day,
                amount: Money::new(due, amount.currency),
            },
            days: elapsed - done_days,
        })
    }
}

/// The entry to post for a due line through a cutoff, if it recognises anything.
pub(crate) struct Planned {
    pub invoice_id: i64,
    pub recognition: Recognition,
    pub days: i64,
}

impl Planned {
    /// The entry's journal: Dr deferred revenue, Cr revenue (reversed for a credit line).
    pub(crate) fn journal(&self) -> Result<(String, Vec<JournalLine>), Error> {
        let r = &self.recognition;
        Ok((
            format!(
                "Revenue recognised: {} line {}, {} to {}",
                r.invoice_ref, r.line_no, r.first_day, r.last_day
            ),
            vec![
                credit(Account::DeferredRevenue, negated(r.amount)?)?,
                credit(Account::Revenue, r.amount)?,
            ],
        ))
    }
}

/// An invoice's deferred lines (`$1`): line number, amount, recognised and released so far.
pub(crate) const DEFERRED_LINES_SQL: &str = "
SELECT b.line_no, b.amount,
       CAST(COALESCE((SELECT SUM(r.amount) FROM recognitions r
                      WHERE r.invoice_id = b.doc_id AND r.line_no = b.line_no), 0) AS BIGINT),
       CAST(COALESCE((SELECT SUM(x.amount) FROM deferred_releases x
                      WHERE x.invoice_id = b.doc_id AND x.line_no = b.line_no), 0) AS BIGINT)
FROM billing_lines b WHERE b.doc_id = $1 AND b.period_start IS NOT NULL ORDER BY b.line_no";

pub(crate) const INSERT_RELEASE: &str = "
INSERT INTO deferred_releases (credit_memo_id, invoice_id, line_no, amount)
VALUES ($1, $2, $3, $4)";

/// A deferred line as [`DEFERRED_LINES_SQL`] reads it.
pub(crate) type DeferredLineRow = (i64, i64, i64, i64);

/// What a credit memo of `amount` releases from deferred revenue, per line: the revenue not yet
/// recognised (nor released) of the invoice's positive deferred lines, taken in line order up
/// to the memo's amount.
pub(crate) fn releases(rows: &[DeferredLineRow], amount: i64) -> Vec<(i64, i64)> {
    let mut left = amount;
    let mut out = Vec::new();
    for &(line_no, line_amount, recognized, released) in rows {
        let open = line_amount - recognized - released;
        if left <= 0 {
            break;
        }
        if open > 0 {
            let take = open.min(left);
            out.push((line_no, take));
            left -= take;
        }
    }
    out
}

/// A credit memo's journal with its releases: the deferred revenue released is debited to
/// deferred revenue instead of refunds (Dr deferred revenue + Dr refunds = Cr receivables).
pub(crate) fn with_releases(lines: Vec<JournalLine>, releases: &[(i64, i64)]) -> Vec<JournalLine> {
    let released: i64 = releases.iter().map(|r| r.1).sum();
    if released == 0 {
        return lines;
    }
    lines
        .into_iter()
        .flat_map(|l| {
            if l.account == Account::Refunds && l.side == Side::Debit {
                let currency = l.amount.currency;
                vec![
                    line(
                        Account::DeferredRevenue,
                        Side::Debit,
                        Money::new(released, currency),
                    ),
                    line(
                        Account::Refunds,
                        Side::Debit,
                        Money::new(l.amount.minor - released, currency),
                    ),
                ]
            } else {
                vec![l]
            }
        })
        .collect()
}

/// SQLite: the releases of a credit memo of `amount` against invoice `invoice_id`.
pub(crate) fn memo_releases(
    conn: &Connection,
    invoice_id: i64,
    amount: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    let rows: Vec<DeferredLineRow> = conn
        .prepare_cached(DEFERRED_LINES_SQL)?
        .query_map([invoice_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(releases(&rows, amount))
}

/// SQLite: records a credit memo's releases.
pub(crate) fn insert_releases(
    conn: &Connection,
    memo_id: i64,
    invoice_id: i64,
    releases: &[(i64, i64)],
) -> Result<(), Error> {
    for (line_no, amount) in releases {
        conn.prepare_cached(INSERT_RELEASE)?
            .execute(params![memo_id, invoice_id, line_no, amount])?;
    }
    Ok(())
}

/// One movement of deferred revenue, as [`SCHEDULE_SQL`] reads it.
pub(crate) type ScheduleRow = (String, String, String, i64, i64);

/// The first day of `date`'s month.
fn month_of(date: Date) -> Date {
    date - Duration::days(i64::from(date.day()) - 1)
}

/// The first day of the month after `month`.
fn next_month(month: Date) -> Date {
    let last = month + Duration::days(i64::from(month.month().length(month.year())) - 1);
    last + Duration::DAY
}

/// The last day of `to`'s month: what [`SCHEDULE_SQL`] reads through.
pub(crate) fn schedule_end(to: Date) -> Date {
    next_month(month_of(to)) - Duration::DAY
}

/// The schedule's months from `from`'s to `to`'s, per currency that has any movement by then.
pub(crate) fn revenue_schedule(
    rows: Vec<ScheduleRow>,
    from: Date,
    to: Date,
) -> Result<Vec<RevenueScheduleLine>, Error> {
    if from > to {
        return Err(Error::InvalidDocument(format!(
            "revenue schedule: from {from} is after to {to}"
        )));
    }
    // (currency, month) → (opened, recognised, adjusted), credit balance positive.
    let mut moves: BTreeMap<(CurrencyCode, Date), (i64, i64, i64)> = BTreeMap::new();
    for (date, cur, kind, debit, credit) in rows {
        let date = crate::date::parse(&date).map_err(|_| corrupt("journals.date"))?;
        let cur = CurrencyCode::new(&cur).map_err(|_| corrupt("journals.currency"))?;
        let kind = DocumentKind::parse(&kind).ok_or_else(|| corrupt("documents.kind"))?;
        let slot = moves.entry((cur, month_of(date))).or_default();
        match kind {
            DocumentKind::Invoice => slot.0 += credit - debit,
            DocumentKind::Recognition => slot.1 += debit - credit,
            _ => slot.2 += credit - debit,
        }
    }
    let currencies: Vec<CurrencyCode> = {
        let mut c: Vec<CurrencyCode> = moves.keys().map(|(c, _)| *c).collect();
        c.dedup();
        c
    };
    let (first, last) = (month_of(from), month_of(to));
    let mut out = Vec::new();
    for currency in currencies {
        let mut balance: i64 = moves
            .range((currency, Date::MIN)..(currency, first))
            .map(|(_, (o, r, a))| o - r + a)
            .sum();
        let mut month = first;
        while month <= last {
            let (opened, recognized, adjusted) =
                moves.get(&(currency, month)).copied().unwrap_or_default();
            let closing = balance + opened - recognized + adjusted;
            out.push(RevenueScheduleLine {
                month,
                currency,
                opening: balance,
                opened,
                recognized,
                adjusted,
                closing,
            });
            balance = closing;
            month = next_month(month);
        }
    }
    out.sort_by_key(|a| (a.month, a.currency));
    Ok(out)
}

/// A contract's columns (customer reference, currency, status, start, period start and end,
/// cancel at period end, ended on).
pub(crate) type ContractRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
);

/// A contract item's columns.
pub(crate) type ContractItemRow = (String, String, i64, i64, String, i64);

/// A stored contract from its rows.
pub(crate) fn contract_of(
    external_ref: &str,
    (customer_ref, cur, status, start, period_start, period_end, cancel_at_period_end, ended): ContractRow,
    items: Vec<ContractItemRow>,
    history: Vec<String>,
) -> Result<ContractRecord, Error> {
    let currency = CurrencyCode::new(&cur).map_err(|_| corrupt("contracts.currency"))?;
    let day = |s: &str, path: &str| crate::date::parse(s).map_err(|_| corrupt(path));
    let current_period = match (period_start, period_end) {
        (Some(s), Some(e)) => Some(ServicePeriod {
            start: day(&s, "contracts.period_start")?,
            end: day(&e, "contracts.period_end")?,
        }),
        _ => None,
    };
    let items = items
        .into_iter()
        .map(|(product, description, quantity, price, interval, count)| {
            Ok(ContractItem {
                product,
                description,
                quantity: u32::try_from(quantity)
                    .map_err(|_| corrupt("contract_items.quantity"))?,
                unit_price: Money::new(price, currency),
                interval: BillingInterval::parse(&interval)
                    .ok_or_else(|| corrupt("contract_items.interval"))?,
                interval_count: u32::try_from(count)
                    .map_err(|_| corrupt("contract_items.interval_count"))?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(ContractRecord {
        contract: Contract {
            external_ref: external_ref.to_owned(),
            customer_ref,
            currency,
            items,
            status: ContractStatus::from(status),
            start_date: day(&start, "contracts.start_date")?,
            current_period,
            cancel_at_period_end,
            ended_on: ended.map(|e| day(&e, "contracts.ended_on")).transpose()?,
        },
        status_history: history.into_iter().map(ContractStatus::from).collect(),
    })
}

/// A contract's columns to write (after the document id and customer id): currency, status,
/// start, period start and end, cancel at period end, ended on.
pub(crate) fn contract_columns(
    c: &Contract,
) -> (
    &'static str,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
) {
    (
        c.currency.as_str(),
        c.status.as_str().to_owned(),
        crate::date::text(c.start_date),
        c.current_period.map(|p| crate::date::text(p.start)),
        c.current_period.map(|p| crate::date::text(p.end)),
        c.cancel_at_period_end,
        c.ended_on.map(crate::date::text),
    )
}

/// The item rows of a contract.
pub(crate) fn contract_item_rows(c: &Contract) -> Vec<(i64, &ContractItem, &'static str, i64)> {
    c.items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            (
                n as i64,
                item,
                item.interval.as_str(),
                i64::from(item.interval_count),
            )
        })
        .collect()
}

// ---- SQLite -------------------------------------------------------------------------------

pub(crate) fn create_billing_invoice(
    conn: &Connection,
    inv: &BillingInvoice,
) -> Result<Recorded, Error> {
    let kind = DocumentKind::Invoice;
    crate::models::require_ref(&inv.external_ref)?;
    if let Some(id) = existing(conn, &inv.external_ref, kind)? {
        return Ok(recorded(kind, id, &inv.external_ref, false));
    }
    let total = inv.validate()?;
    let rows = billing_line_rows(inv)?;
    let (memo, lines) = billing_journal(inv, total)?;
    let customer = require(conn, &inv.customer_ref, DocumentKind::Customer)?;
    let id = insert_document(conn, &inv.external_ref, kind)?;
    conn.prepare_cached(INSERT_BILLING_INVOICE)?
        .execute(params![
            id,
            customer,
            crate::date::text(inv.invoice_date),
            crate::date::text(inv.due_date),
            inv.currency.as_str(),
            inv.subtotal()?.minor,
            inv.tax.minor,
            total.minor
        ])?;
    for (n, r) in rows.iter().enumerate() {
        conn.prepare_cached(INSERT_BILLING_LINE)?.execute(params![
            id, n as i64, r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9
        ])?;
    }
    post_journal(conn, id, inv.invoice_date, &memo, &lines)?;
    Ok(recorded(kind, id, &inv.external_ref, true))
}

fn closing_state(conn: &Connection, invoice_id: i64) -> Result<ClosingState, Error> {
    Ok(conn
        .prepare_cached(CLOSING_STATE_SQL)?
        .query_row([invoice_id], |r| {
            Ok(ClosingState {
                payments: r.get(0)?,
                credit_memos: r.get(1)?,
                closed: r.get(2)?,
                subtotal: r.get(3)?,
                tax: r.get(4)?,
                shipping: r.get(5)?,
                deferred: r.get(6)?,
                recognized: r.get(7)?,
            })
        })?)
}

/// A closing's reference, invoice and date, for [`close`].
pub(crate) struct Closing<'a> {
    pub kind: DocumentKind,
    pub external_ref: &'a str,
    pub invoice_ref: &'a str,
    pub date: Date,
    pub reason: &'a str,
}

impl Closing<'_> {
    /// The `invoice_closures.kind`.
    pub(crate) fn column(&self) -> &'static str {
        if self.kind == DocumentKind::Void {
            "void"
        } else {
            "write_off"
        }
    }
}

/// The journal of a closing: its amount, memo and lines.
pub(crate) type ClosingJournal = (Money, String, Vec<JournalLine>);

pub(crate) fn close(
    conn: &Connection,
    c: &Closing<'_>,
    journal: impl FnOnce(&InvoiceState, &ClosingState) -> Result<ClosingJournal, Error>,
) -> Result<Recorded, Error> {
    crate::models::require_ref(c.external_ref)?;
    if let Some(id) = existing(conn, c.external_ref, c.kind)? {
        return Ok(recorded(c.kind, id, c.external_ref, false));
    }
    let inv = invoice_state(conn, c.invoice_ref)?;
    let closing = closing_state(conn, inv.id)?;
    let (amount, memo, lines) = journal(&inv, &closing)?;
    let id = insert_document(conn, c.external_ref, c.kind)?;
    conn.prepare_cached(INSERT_CLOSURE)?.execute(params![
        id,
        inv.id,
        c.column(),
        amount.minor,
        inv.currency.as_str(),
        crate::date::text(c.date),
        c.reason
    ])?;
    post_journal(conn, id, c.date, &memo, &lines)?;
    Ok(recorded(c.kind, id, c.external_ref, true))
}

pub(crate) fn write_off(conn: &Connection, w: &WriteOff) -> Result<Recorded, Error> {
    w.validate()?;
    let c = Closing {
        kind: DocumentKind::WriteOff,
        external_ref: &w.external_ref,
        invoice_ref: &w.invoice_ref,
        date: w.date,
        reason: &w.reason,
    };
    close(conn, &c, |inv, closing| write_off_journal(w, inv, closing))
}

pub(crate) fn reverse_write_off(
    conn: &Connection,
    r: &WriteOffReversal,
) -> Result<Recorded, Error> {
    r.validate()?;
    let kind = DocumentKind::WriteOffReversal;
    if let Some(id) = existing(conn, &r.external_ref, kind)? {
        return Ok(recorded(kind, id, &r.external_ref, false));
    }
    let write_off = require(conn, &r.write_off_ref, DocumentKind::WriteOff)?;
    let taken = conn
        .prepare_cached(TAKE_WRITE_OFF_CLOSURE)?
        .query_row([write_off], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (memo, lines) = reversal_journal(r, taken)?;
    let id = insert_document(conn, &r.external_ref, kind)?;
    post_journal(conn, id, r.date, &memo, &lines)?;
    Ok(recorded(kind, id, &r.external_ref, true))
}

pub(crate) fn void_invoice(conn: &Connection, v: &InvoiceVoid) -> Result<Recorded, Error> {
    v.validate()?;
    let c = Closing {
        kind: DocumentKind::Void,
        external_ref: &v.external_ref,
        invoice_ref: &v.invoice_ref,
        date: v.date,
        reason: &v.reason,
    };
    close(conn, &c, |inv, closing| void_journal(v, inv, closing))
}

pub(crate) fn recognize_revenue(
    conn: &Connection,
    through: Date,
    schedule: RecognitionSchedule,
) -> Result<Vec<Recognition>, Error> {
    let cutoff = schedule.cutoff(through);
    let due: Vec<DueRow> = conn
        .prepare_cached(RECOGNITION_DUE_SQL)?
        .query_map([crate::date::text(cutoff)], |r| {
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
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for row in due {
        let Some(mut planned) = DueLine::from_row(row)?.plan(cutoff) else {
            continue;
        };
        let r = &planned.recognition;
        let id = insert_document(conn, &r.document.external_ref, DocumentKind::Recognition)?;
        conn.prepare_cached(INSERT_RECOGNITION)?.execute(params![
            id,
            planned.invoice_id,
            i64::from(r.line_no),
            crate::date::text(r.first_day),
            crate::date::text(r.last_day),
            planned.days,
            r.amount.minor,
            r.amount.currency.as_str()
        ])?;
        let (memo, lines) = planned.journal()?;
        post_journal(conn, id, cutoff, &memo, &lines)?;
        planned.recognition.document.id = crate::models::DocumentId(id.to_string());
        out.push(planned.recognition);
    }
    Ok(out)
}

pub(crate) fn schedule(
    conn: &Connection,
    from: Date,
    to: Date,
) -> Result<Vec<RevenueScheduleLine>, Error> {
    let rows: Vec<ScheduleRow> = conn
        .prepare_cached(SCHEDULE_SQL)?
        .query_map(
            params![
                Account::DeferredRevenue.code(),
                crate::date::text(schedule_end(to))
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?
        .collect::<Result<_, _>>()?;
    revenue_schedule(rows, from, to)
}

pub(crate) fn upsert_contract(conn: &Connection, c: &Contract) -> Result<Recorded, Error> {
    let kind = DocumentKind::Contract;
    crate::models::require_ref(&c.external_ref)?;
    c.validate()?;
    let customer = require(conn, &c.customer_ref, DocumentKind::Customer)?;
    let cols = contract_columns(c);
    let values = params![
        customer, cols.0, cols.1, cols.2, cols.3, cols.4, cols.5, cols.6
    ];
    let (id, created, status_changed) = match existing(conn, &c.external_ref, kind)? {
        Some(id) => {
            let status: String = conn
                .prepare_cached("SELECT status FROM contracts WHERE doc_id = $1")?
                .query_row([id], |r| r.get(0))?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&id);
            conn.prepare_cached(UPDATE_CONTRACT)?
                .execute(all.as_slice())?;
            (id, false, status != c.status.as_str())
        }
        None => {
            let id = insert_document(conn, &c.external_ref, kind)?;
            let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id];
            all.extend_from_slice(values);
            conn.prepare_cached(INSERT_CONTRACT)?
                .execute(all.as_slice())?;
            (id, true, true)
        }
    };
    conn.prepare_cached(DELETE_CONTRACT_ITEMS)?.execute([id])?;
    for (n, item, interval, count) in contract_item_rows(c) {
        conn.prepare_cached(INSERT_CONTRACT_ITEM)?.execute(params![
            id,
            n,
            item.product,
            item.description,
            i64::from(item.quantity),
            item.unit_price.minor,
            interval,
            count
        ])?;
    }
    if status_changed {
        conn.prepare_cached(ADD_CONTRACT_STATUS)?
            .execute(params![id, c.status.as_str()])?;
    }
    Ok(recorded(kind, id, &c.external_ref, created))
}

pub(crate) fn contract(
    conn: &Connection,
    external_ref: &str,
) -> Result<Option<ContractRecord>, Error> {
    let Some(id) = existing(conn, external_ref, DocumentKind::Contract)? else {
        return Ok(None);
    };
    let row: ContractRow = conn.prepare_cached(CONTRACT_SQL)?.query_row([id], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let items: Vec<ContractItemRow> = conn
        .prepare_cached(CONTRACT_ITEMS_SQL)?
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let history: Vec<String> = conn
        .prepare_cached(CONTRACT_HISTORY_SQL)?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    contract_of(external_ref, row, items, history).map(Some)
}

//! Writing documents and their journals, inside one IMMEDIATE transaction per call.

use rusqlite::{Connection, OptionalExtension, params};
use time::Date;

use super::schema::ensure_account;
use crate::error::Error;
use crate::models::{
    Account, CreditMemo, Customer, Dispute, DisputeStage, DocumentId, DocumentKind, DocumentRef,
    Gateway, Invoice, JournalEntry, JournalLine, LineItem, Payment, PaymentDirection, Recorded,
    SalesOrder, Side, VaultId, journal::check_balanced,
};
use crate::money::{CurrencyCode, Money};

/// Looks a reference up: `Some(id)` if it exists with `kind`, a conflict if another kind holds it.
pub(super) fn existing(
    conn: &Connection,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<Option<i64>, Error> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, kind FROM documents WHERE external_ref = ?1")?
        .query_row([external_ref], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    of_kind(row, external_ref, kind)
}

/// A found document's id if it is of `kind`, a conflict if it is of another.
pub(crate) fn of_kind(
    row: Option<(i64, String)>,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<Option<i64>, Error> {
    match row {
        None => Ok(None),
        Some((id, k)) if k == kind.as_str() => Ok(Some(id)),
        Some((_, k)) => Err(Error::ReferenceConflict {
            external_ref: external_ref.to_owned(),
            existing: DocumentKind::parse(&k).ok_or_else(|| corrupt("documents.kind"))?,
        }),
    }
}

pub(crate) fn corrupt(path: &str) -> Error {
    Error::Decode {
        path: format!("ledger.{path}"),
        message: "unexpected value in the ledger file".into(),
    }
}

pub(crate) fn recorded(kind: DocumentKind, id: i64, external_ref: &str, created: bool) -> Recorded {
    Recorded {
        document: DocumentRef {
            kind,
            id: DocumentId(id.to_string()),
            external_ref: external_ref.to_owned(),
        },
        created,
    }
}

pub(super) fn insert_document(
    conn: &Connection,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<i64, Error> {
    conn.prepare_cached("INSERT INTO documents (external_ref, kind) VALUES (?1, ?2)")?
        .execute(params![external_ref, kind.as_str()])?;
    Ok(conn.last_insert_rowid())
}

/// The id of an existing document of `kind`, or `NotFound`.
pub(super) fn require(
    conn: &Connection,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<i64, Error> {
    existing(conn, external_ref, kind)?.ok_or_else(|| Error::NotFound {
        kind: kind.as_str(),
        reference: external_ref.to_owned(),
    })
}

fn insert_lines(conn: &Connection, doc_id: i64, lines: &[LineItem]) -> Result<(), Error> {
    for (n, line) in lines.iter().enumerate() {
        conn.prepare_cached(
            "INSERT INTO document_lines (doc_id, line_no, sku, description, quantity, unit_price)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            doc_id,
            n as i64,
            line.sku,
            line.description,
            i64::from(line.quantity),
            line.unit_price.minor
        ])?;
    }
    Ok(())
}

/// Writes a journal for `doc_id` after checking it balances; zero lines are left out.
pub(super) fn post_journal(
    conn: &Connection,
    doc_id: i64,
    date: Date,
    memo: &str,
    lines: &[JournalLine],
) -> Result<(), Error> {
    let (owned, currency) = balanced_lines(lines)?;
    conn.prepare_cached(
        "INSERT INTO journals (doc_id, date, memo, currency) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        doc_id,
        crate::date::text(date),
        memo,
        currency.as_str()
    ])?;
    let journal_id = conn.last_insert_rowid();
    for (n, line) in owned.iter().enumerate() {
        let code = ensure_account(conn, &line.account)?;
        let (debit, credit) = debit_credit(line);
        conn.prepare_cached(
            "INSERT INTO journal_lines (journal_id, line_no, account_code, debit, credit, label)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            journal_id, n as i64, code, debit, credit, line.label
        ])?;
    }
    Ok(())
}

/// The lines of a journal to write, without the zero ones, and its currency; an unbalanced
/// journal is refused before anything is written.
pub(crate) fn balanced_lines(
    lines: &[JournalLine],
) -> Result<(Vec<JournalLine>, CurrencyCode), Error> {
    // Documents build lines for every component (tax, shipping, fee); the absent ones are 0.
    let owned: Vec<JournalLine> = lines
        .iter()
        .filter(|l| l.amount.minor != 0)
        .cloned()
        .collect();
    let currency = check_balanced(&owned)?;
    Ok((owned, currency))
}

/// A line's `(debit, credit)` columns.
pub(crate) fn debit_credit(line: &JournalLine) -> (i64, i64) {
    match line.side {
        Side::Debit => (line.amount.minor, 0),
        Side::Credit => (0, line.amount.minor),
    }
}

pub(crate) fn line(account: Account, side: Side, amount: Money) -> JournalLine {
    JournalLine {
        account,
        side,
        amount,
        label: None,
    }
}

pub(crate) fn upsert_customer(conn: &Connection, c: &Customer) -> Result<Recorded, Error> {
    crate::models::require_ref(&c.external_ref)?;
    let (id, created) = match existing(conn, &c.external_ref, DocumentKind::Customer)? {
        Some(id) => {
            conn.prepare_cached("UPDATE customers SET name = ?2, email = ?3 WHERE doc_id = ?1")?
                .execute(params![id, c.name, c.email])?;
            (id, false)
        }
        None => {
            let id = insert_document(conn, &c.external_ref, DocumentKind::Customer)?;
            conn.prepare_cached("INSERT INTO customers (doc_id, name, email) VALUES (?1, ?2, ?3)")?
                .execute(params![id, c.name, c.email])?;
            (id, true)
        }
    };
    for v in &c.vault_ids {
        conn.prepare_cached(
            "INSERT INTO vault_ids (customer_id, gateway, vault_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (customer_id, gateway) DO UPDATE SET vault_id = excluded.vault_id",
        )?
        .execute(params![id, v.gateway.as_str(), v.vault_id])?;
    }
    Ok(recorded(
        DocumentKind::Customer,
        id,
        &c.external_ref,
        created,
    ))
}

pub(crate) fn create_sales_order(conn: &Connection, o: &SalesOrder) -> Result<Recorded, Error> {
    crate::models::require_ref(&o.external_ref)?;
    if let Some(id) = existing(conn, &o.external_ref, DocumentKind::SalesOrder)? {
        return Ok(recorded(
            DocumentKind::SalesOrder,
            id,
            &o.external_ref,
            false,
        ));
    }
    let total = o.validate()?;
    let customer = require(conn, &o.customer_ref, DocumentKind::Customer)?;
    let id = insert_document(conn, &o.external_ref, DocumentKind::SalesOrder)?;
    conn.prepare_cached(
        "INSERT INTO sales_orders (doc_id, customer_id, order_date, currency, tax, shipping, total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        customer,
        crate::date::text(o.order_date),
        o.currency.as_str(),
        o.tax.minor,
        o.shipping.minor,
        total.minor
    ])?;
    insert_lines(conn, id, &o.lines)?;
    Ok(recorded(
        DocumentKind::SalesOrder,
        id,
        &o.external_ref,
        true,
    ))
}

pub(crate) fn create_invoice(conn: &Connection, inv: &Invoice) -> Result<Recorded, Error> {
    crate::models::require_ref(&inv.external_ref)?;
    if let Some(id) = existing(conn, &inv.external_ref, DocumentKind::Invoice)? {
        return Ok(recorded(
            DocumentKind::Invoice,
            id,
            &inv.external_ref,
            false,
        ));
    }
    let total = inv.validate()?;
    let subtotal = inv.subtotal()?;
    let customer = require(conn, &inv.customer_ref, DocumentKind::Customer)?;
    let order = inv
        .sales_order_ref
        .as_deref()
        .map(|r| require(conn, r, DocumentKind::SalesOrder))
        .transpose()?;
    let id = insert_document(conn, &inv.external_ref, DocumentKind::Invoice)?;
    conn.prepare_cached(
        "INSERT INTO invoices (doc_id, customer_id, sales_order_id, invoice_date, due_date,
                               currency, subtotal, tax, shipping, total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        customer,
        order,
        crate::date::text(inv.invoice_date),
        crate::date::text(inv.due_date),
        inv.currency.as_str(),
        subtotal.minor,
        inv.tax.minor,
        inv.shipping.minor,
        total.minor
    ])?;
    insert_lines(conn, id, &inv.lines)?;
    let (memo, lines) = invoice_journal(inv, total, subtotal);
    post_journal(conn, id, inv.invoice_date, &memo, &lines)?;
    Ok(recorded(DocumentKind::Invoice, id, &inv.external_ref, true))
}

/// An invoice's journal: its memo and lines.
pub(crate) fn invoice_journal(
    inv: &Invoice,
    total: Money,
    subtotal: Money,
) -> (String, Vec<JournalLine>) {
    (
        format!("Invoice {}", inv.external_ref),
        vec![
            line(Account::Receivables, Side::Debit, total),
            line(Account::Revenue, Side::Credit, subtotal),
            line(Account::TaxPayable, Side::Credit, inv.tax),
            line(Account::ShippingIncome, Side::Credit, inv.shipping),
        ],
    )
}

/// An invoice's id, currency, total, credits so far and open balance.
pub(crate) struct InvoiceState {
    pub id: i64,
    pub currency: CurrencyCode,
    pub total: i64,
    pub credited: i64,
    pub open: i64,
}

impl InvoiceState {
    /// From the columns of [`INVOICE_STATE_SQL`].
    pub(crate) fn of(
        id: i64,
        currency: &str,
        total: i64,
        credited: i64,
        paid_net: i64,
    ) -> Result<Self, Error> {
        Ok(Self {
            id,
            currency: CurrencyCode::new(currency).map_err(|_| corrupt("invoices.currency"))?,
            total,
            credited,
            open: total - credited - paid_net,
        })
    }
}

pub(crate) const INVOICE_STATE_SQL: &str = "
SELECT i.doc_id, i.currency, i.total,
       (COALESCE((SELECT SUM(amount) FROM credit_memos c WHERE c.invoice_id = i.doc_id), 0)
        + COALESCE((SELECT SUM(amount) FROM invoice_closures x WHERE x.invoice_id = i.doc_id), 0)),
       COALESCE((SELECT SUM(CASE direction WHEN 'received' THEN amount ELSE -amount END)
                 FROM payments p WHERE p.invoice_id = i.doc_id), 0)
FROM invoices i";

pub(crate) fn invoice_state_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, i64, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(super) fn invoice_state(conn: &Connection, invoice_ref: &str) -> Result<InvoiceState, Error> {
    let id = require(conn, invoice_ref, DocumentKind::Invoice)?;
    let (id, currency, total, credited, paid_net) = conn
        .prepare_cached(&format!("{INVOICE_STATE_SQL} WHERE i.doc_id = ?1"))?
        .query_row([id], invoice_state_row)?;
    InvoiceState::of(id, &currency, total, credited, paid_net)
}

pub(crate) fn same_currency(expected: CurrencyCode, found: CurrencyCode) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::CurrencyMismatch { expected, found })
    }
}

/// A payment's journal lines, after checking it against its invoice (currency, open balance).
pub(crate) fn payment_journal(
    p: &Payment,
    fee: Money,
    inv: &InvoiceState,
) -> Result<Vec<JournalLine>, Error> {
    same_currency(inv.currency, p.amount.currency)?;
    same_currency(inv.currency, fee.currency)?;
    let clearing = Account::Clearing(p.gateway.clone());
    let lines = match p.direction {
        PaymentDirection::Received => {
            if p.amount.minor > inv.open {
                return Err(Error::InvalidDocument(format!(
                    "payment {} exceeds the open balance {} of invoice {}",
                    p.amount,
                    Money::new(inv.open, inv.currency),
                    p.invoice_ref
                )));
            }
            vec![
                line(clearing, Side::Debit, p.amount.checked_sub(fee)?),
                line(Account::GatewayFees, Side::Debit, fee),
                line(Account::Receivables, Side::Credit, p.amount),
            ]
        }
        PaymentDirection::Refunded => {
            if p.amount.minor > -inv.open {
                return Err(Error::InvalidDocument(format!(
                    "refund {} exceeds the customer's credit {} on invoice {}",
                    p.amount,
                    Money::new(-inv.open, inv.currency),
                    p.invoice_ref
                )));
            }
            vec![
                line(Account::Receivables, Side::Debit, p.amount),
                line(Account::GatewayFees, Side::Debit, fee),
                line(clearing, Side::Credit, p.amount.checked_add(fee)?),
            ]
        }
        PaymentDirection::Withdrawn => return Err(withdrawn_payment()),
    };
    Ok(lines)
}

/// The `payments.direction` of a payment.
pub(crate) fn direction(p: &Payment) -> &'static str {
    match p.direction {
        PaymentDirection::Received => "received",
        PaymentDirection::Refunded => "refunded",
        PaymentDirection::Withdrawn => "withdrawn",
    }
}

/// A payment in the direction only dispute entries have ([`Payment::validate`] refuses it first).
pub(crate) fn withdrawn_payment() -> Error {
    Error::InvalidDocument("a payment cannot be withdrawn: record the dispute instead".into())
}

/// A payment's journal memo.
pub(crate) fn payment_memo(p: &Payment) -> String {
    format!(
        "Payment {} ({} {})",
        p.external_ref, p.gateway, p.transaction_id
    )
}

pub(crate) fn post_payment(conn: &Connection, p: &Payment) -> Result<Recorded, Error> {
    crate::models::require_ref(&p.external_ref)?;
    if let Some(id) = existing(conn, &p.external_ref, DocumentKind::Payment)? {
        return Ok(recorded(DocumentKind::Payment, id, &p.external_ref, false));
    }
    let fee = p.validate()?;
    let inv = invoice_state(conn, &p.invoice_ref)?;
    let lines = payment_journal(p, fee, &inv)?;
    let id = insert_document(conn, &p.external_ref, DocumentKind::Payment)?;
    let direction = direction(p);
    conn.prepare_cached(
        "INSERT INTO payments (doc_id, invoice_id, direction, gateway, transaction_id, amount, fee,
                               currency, date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        inv.id,
        direction,
        p.gateway.as_str(),
        p.transaction_id,
        p.amount.minor,
        fee.minor,
        inv.currency.as_str(),
        crate::date::text(p.date)
    ])?;
    post_journal(conn, id, p.date, &payment_memo(p), &lines)?;
    Ok(recorded(DocumentKind::Payment, id, &p.external_ref, true))
}

/// A credit memo's journal (memo and lines), after checking it against its invoice.
pub(crate) fn credit_memo_journal(
    m: &CreditMemo,
    inv: &InvoiceState,
) -> Result<(String, Vec<JournalLine>), Error> {
    same_currency(inv.currency, m.amount.currency)?;
    if m.amount.minor > inv.total - inv.credited {
        return Err(Error::InvalidDocument(format!(
            "credit {} exceeds what is left to credit on invoice {}",
            m.amount, m.invoice_ref
        )));
    }
    Ok((
        format!("Credit memo {}", m.external_ref),
        vec![
            line(Account::Refunds, Side::Debit, m.amount),
            line(Account::Receivables, Side::Credit, m.amount),
        ],
    ))
}

pub(crate) fn create_credit_memo(conn: &Connection, m: &CreditMemo) -> Result<Recorded, Error> {
    crate::models::require_ref(&m.external_ref)?;
    if let Some(id) = existing(conn, &m.external_ref, DocumentKind::CreditMemo)? {
        return Ok(recorded(
            DocumentKind::CreditMemo,
            id,
            &m.external_ref,
            false,
        ));
    }
    m.validate()?;
    let inv = invoice_state(conn, &m.invoice_ref)?;
    let (memo, lines) = credit_memo_journal(m, &inv)?;
    let releases = super::billing::memo_releases(conn, inv.id, m.amount.minor)?;
    let lines = super::billing::with_releases(lines, &releases);
    let id = insert_document(conn, &m.external_ref, DocumentKind::CreditMemo)?;
    conn.prepare_cached(
        "INSERT INTO credit_memos (doc_id, invoice_id, date, amount, currency, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        inv.id,
        crate::date::text(m.date),
        m.amount.minor,
        inv.currency.as_str(),
        m.reason
    ])?;
    super::billing::insert_releases(conn, id, inv.id, &releases)?;
    post_journal(conn, id, m.date, &memo, &lines)?;
    Ok(recorded(
        DocumentKind::CreditMemo,
        id,
        &m.external_ref,
        true,
    ))
}

pub(crate) fn post_journal_entry(conn: &Connection, e: &JournalEntry) -> Result<Recorded, Error> {
    crate::models::require_ref(&e.external_ref)?;
    if let Some(id) = existing(conn, &e.external_ref, DocumentKind::JournalEntry)? {
        return Ok(recorded(
            DocumentKind::JournalEntry,
            id,
            &e.external_ref,
            false,
        ));
    }
    e.validate()?;
    let id = insert_document(conn, &e.external_ref, DocumentKind::JournalEntry)?;
    post_journal(conn, id, e.date, &e.memo, &e.lines)?;
    Ok(recorded(
        DocumentKind::JournalEntry,
        id,
        &e.external_ref,
        true,
    ))
}

/// The `disputes.stage` of a dispute.
pub(crate) fn stage(d: &Dispute) -> &'static str {
    match d.stage {
        DisputeStage::Opened => "opened",
        DisputeStage::Won => "won",
        DisputeStage::Lost => "lost",
    }
}

/// A dispute stage's journal (memo and lines); see [`DisputeStage`] for the accounts.
pub(crate) fn dispute_journal(
    d: &Dispute,
    fee: Money,
) -> Result<(String, Vec<JournalLine>), Error> {
    let clearing = Account::Clearing(d.gateway.clone());
    let memo = format!("Dispute {} {} ({})", d.dispute_id, stage(d), d.gateway);
    let both = d.amount.checked_add(fee)?;
    let lines = match d.stage {
        DisputeStage::Opened => vec![
            line(Account::DisputedFunds, Side::Debit, d.amount),
            line(Account::Chargebacks, Side::Debit, fee),
            line(clearing, Side::Credit, both),
        ],
        DisputeStage::Won => vec![
            line(clearing, Side::Debit, both),
            line(Account::DisputedFunds, Side::Credit, d.amount),
            line(Account::Chargebacks, Side::Credit, fee),
        ],
        DisputeStage::Lost => vec![
            line(Account::Chargebacks, Side::Debit, d.amount),
            line(Account::DisputedFunds, Side::Credit, d.amount),
        ],
    };
    // No zero line: a dispute without a fee (or a win that keeps it) posts two lines.
    Ok((
        memo,
        lines.into_iter().filter(|l| l.amount.minor != 0).collect(),
    ))
}

/// The stage a closing stage needs on record first: a dispute is won or lost only after its
/// funds were withdrawn (the held amount it releases).
pub(crate) fn needs_opened(d: &Dispute) -> bool {
    d.stage != DisputeStage::Opened
}

/// The error of a closing stage recorded before its dispute's `Opened`.
pub(crate) fn not_opened(d: &Dispute) -> Error {
    Error::InvalidDocument(format!(
        "dispute {} ({}) is {} before its funds were withdrawn: record its opened stage first",
        d.dispute_id,
        d.gateway,
        stage(d)
    ))
}

pub(crate) fn record_dispute(conn: &Connection, d: &Dispute) -> Result<Recorded, Error> {
    crate::models::require_ref(&d.external_ref)?;
    if let Some(id) = existing(conn, &d.external_ref, DocumentKind::Dispute)? {
        return Ok(recorded(DocumentKind::Dispute, id, &d.external_ref, false));
    }
    d.validate()?;
    let fee = d.fee.unwrap_or(Money::zero(d.amount.currency));
    if needs_opened(d) {
        let opened: Option<i64> = conn
            .prepare_cached(
                "SELECT doc_id FROM disputes WHERE gateway = ?1 AND dispute_id = ?2
                 AND stage = 'opened'",
            )?
            .query_row(params![d.gateway.as_str(), d.dispute_id], |r| r.get(0))
            .optional()?;
        if opened.is_none() {
            return Err(not_opened(d));
        }
    }
    let payment = d
        .payment_ref
        .as_deref()
        .map(|r| require(conn, r, DocumentKind::Payment))
        .transpose()?;
    let id = insert_document(conn, &d.external_ref, DocumentKind::Dispute)?;
    let stage = stage(d);
    conn.prepare_cached(
        "INSERT INTO disputes (doc_id, payment_id, gateway, dispute_id, stage, amount, fee,
                               currency, reason, date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        payment,
        d.gateway.as_str(),
        d.dispute_id,
        stage,
        d.amount.minor,
        fee.minor,
        d.amount.currency.as_str(),
        d.reason,
        crate::date::text(d.date)
    ])?;
    let (memo, lines) = dispute_journal(d, fee)?;
    post_journal(conn, id, d.date, &memo, &lines)?;
    Ok(recorded(DocumentKind::Dispute, id, &d.external_ref, true))
}

pub(crate) fn customer(conn: &Connection, external_ref: &str) -> Result<Option<Customer>, Error> {
    let Some(id) = existing(conn, external_ref, DocumentKind::Customer)? else {
        return Ok(None);
    };
    let (name, email) = conn
        .prepare_cached("SELECT name, email FROM customers WHERE doc_id = ?1")?
        .query_row([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
    let mut stmt = conn.prepare_cached(
        "SELECT gateway, vault_id FROM vault_ids WHERE customer_id = ?1 ORDER BY gateway",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut vault_ids = Vec::new();
    for row in rows {
        vault_ids.push(row?);
    }
    customer_of(external_ref, name, email, vault_ids).map(Some)
}

/// A customer from its stored columns and `(gateway, vault id)` rows.
pub(crate) fn customer_of(
    external_ref: &str,
    name: String,
    email: Option<String>,
    vault_ids: Vec<(String, String)>,
) -> Result<Customer, Error> {
    let vault_ids = vault_ids
        .into_iter()
        .map(|(gateway, vault_id)| {
            Ok(VaultId {
                gateway: Gateway::new(&gateway).map_err(|_| corrupt("vault_ids.gateway"))?,
                vault_id,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Customer {
        external_ref: external_ref.to_owned(),
        name,
        email,
        vault_ids,
    })
}

pub(crate) fn find(conn: &Connection, external_ref: &str) -> Result<Option<DocumentRef>, Error> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, kind FROM documents WHERE external_ref = ?1")?
        .query_row([external_ref], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, kind)| document_ref(external_ref, id, &kind))
        .transpose()
}

/// A stored document's reference from its id and kind.
pub(crate) fn document_ref(external_ref: &str, id: i64, kind: &str) -> Result<DocumentRef, Error> {
    Ok(DocumentRef {
        kind: DocumentKind::parse(kind).ok_or_else(|| corrupt("documents.kind"))?,
        id: DocumentId(id.to_string()),
        external_ref: external_ref.to_owned(),
    })
}

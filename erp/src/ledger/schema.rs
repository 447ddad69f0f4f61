//! The ledger's SQLite schema and its chart of accounts.

use rusqlite::{Connection, params};

use crate::error::Error;
use crate::models::Account;

/// Amounts are INTEGER minor units, dates ISO `YYYY-MM-DD` TEXT; nothing is REAL.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'income', 'expense'))
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    external_ref TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    name TEXT NOT NULL,
    email TEXT
);
CREATE TABLE IF NOT EXISTS vault_ids (
    customer_id INTEGER NOT NULL REFERENCES customers(doc_id),
    gateway TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    PRIMARY KEY (customer_id, gateway)
);
CREATE TABLE IF NOT EXISTS sales_orders (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    customer_id INTEGER NOT NULL REFERENCES customers(doc_id),
    order_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    tax INTEGER NOT NULL,
    shipping INTEGER NOT NULL,
    total INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS document_lines (
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE IF NOT EXISTS invoices (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    customer_id INTEGER NOT NULL REFERENCES customers(doc_id),
    sales_order_id INTEGER REFERENCES sales_orders(doc_id),
    invoice_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    shipping INTEGER NOT NULL,
    total INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(doc_id),
    direction TEXT NOT NULL CHECK (direction IN ('received', 'refunded')),
    gateway TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS credit_memos (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(doc_id),
    date TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS disputes (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    payment_id INTEGER REFERENCES payments(doc_id),
    gateway TEXT NOT NULL,
    dispute_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journals (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    date TEXT NOT NULL,
    memo TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_lines (
    journal_id INTEGER NOT NULL REFERENCES journals(id),
    line_no INTEGER NOT NULL,
    account_code TEXT NOT NULL REFERENCES accounts(code),
    debit INTEGER NOT NULL CHECK (debit >= 0),
    credit INTEGER NOT NULL CHECK (credit >= 0),
    label TEXT,
    PRIMARY KEY (journal_id, line_no)
);
-- Recurring billing (tables added later: `IF NOT EXISTS` adds them to older files).
CREATE TABLE IF NOT EXISTS billing_lines (
    doc_id INTEGER NOT NULL REFERENCES invoices(doc_id),
    line_no INTEGER NOT NULL,
    product TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    discount INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    period_start TEXT,
    period_end TEXT,
    days INTEGER,
    proration INTEGER NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE IF NOT EXISTS invoice_closures (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    invoice_id INTEGER NOT NULL UNIQUE REFERENCES invoices(doc_id),
    kind TEXT NOT NULL CHECK (kind IN ('write_off', 'void')),
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recognitions (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(doc_id),
    line_no INTEGER NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    days INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    UNIQUE (invoice_id, line_no, first_day)
);
CREATE TABLE IF NOT EXISTS deferred_releases (
    credit_memo_id INTEGER NOT NULL REFERENCES credit_memos(doc_id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(doc_id),
    line_no INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (credit_memo_id, line_no)
);
CREATE TABLE IF NOT EXISTS contracts (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
    customer_id INTEGER NOT NULL REFERENCES customers(doc_id),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    period_start TEXT,
    period_end TEXT,
    cancel_at_period_end INTEGER NOT NULL,
    ended_on TEXT
);
CREATE TABLE IF NOT EXISTS contract_items (
    doc_id INTEGER NOT NULL REFERENCES contracts(doc_id),
    line_no INTEGER NOT NULL,
    product TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    interval TEXT NOT NULL,
    interval_count INTEGER NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE IF NOT EXISTS contract_status_history (
    doc_id INTEGER NOT NULL REFERENCES contracts(doc_id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX IF NOT EXISTS journal_lines_account ON journal_lines(account_code);
CREATE INDEX IF NOT EXISTS payments_invoice ON payments(invoice_id);
CREATE INDEX IF NOT EXISTS credit_memos_invoice ON credit_memos(invoice_id);
";

/// The accounts every ledger starts with (gateway clearing accounts are added on first use).
pub(crate) const CHART: [Account; 11] = [
    Account::Bank,
    Account::Receivables,
    Account::TaxPayable,
    Account::Revenue,
    Account::ShippingIncome,
    Account::Refunds,
    Account::GatewayFees,
    Account::Chargebacks,
    Account::DisputedFunds,
    Account::DeferredRevenue,
    Account::BadDebts,
];

/// Creates the tables and seeds the chart of accounts (idempotent), in one transaction.
///
/// Takes `&Connection` and reports SQLite's own errors because it runs as the `init` of
/// [`sqlite_batch::open_file_with`]; the connection is not in a transaction then.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    for account in &CHART {
        if let Some(kind) = account.kind() {
            insert_account(&tx, &account.code(), &account.name(), kind.as_str())?;
        }
    }
    tx.commit()
}

/// Adds an account to the chart; an existing code is left as it is.
pub(crate) fn insert_account(
    conn: &Connection,
    code: &str,
    name: &str,
    kind: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO accounts (code, name, kind) VALUES (?1, ?2, ?3)")?
        .execute(params![code, name, kind])
        .map(drop)
}

/// Adds a named account if missing; `Other` accounts must be added with their kind first.
pub(crate) fn ensure_account(conn: &Connection, account: &Account) -> Result<String, Error> {
    let code = account.code();
    match account.kind() {
        Some(kind) => insert_account(conn, &code, &account.name(), kind.as_str())?,
        None => {
            let exists: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM accounts WHERE code = ?1)")?
                .query_row([&code], |r| r.get(0))?;
            if !exists {
                return Err(Error::NotFound {
                    kind: "account",
                    reference: code,
                });
            }
        }
    }
    Ok(code)
}

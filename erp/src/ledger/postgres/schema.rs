//! The ledger's PostgreSQL schema, versioned, and the migration run at connect.

use deadpool_postgres::Pool;
use payops_core::pg::{Migration, Schema, TooNew};

use crate::error::Error;
use crate::ledger::schema::CHART;

/// The ledger's schema. Its version table and its lock are not the runtime store's, so both may
/// share one database.
const SCHEMA: Schema = Schema {
    lock: 0x6572_705f_6c65_6467, // "erp_ledg"
    version_table: "ledger_schema_version",
    migrations: &MIGRATIONS,
};

/// The schema, one migration per version. The SQLite schema's tables and meaning: amounts are
/// `BIGINT` minor units, dates ISO `YYYY-MM-DD` text; nothing is floating point.
const MIGRATIONS: [&str; 2] = [
    r#"
CREATE TABLE accounts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'income', 'expense'))
);
CREATE TABLE documents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_ref TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);
CREATE TABLE customers (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    name TEXT NOT NULL,
    email TEXT
);
CREATE TABLE vault_ids (
    customer_id BIGINT NOT NULL REFERENCES customers (doc_id),
    gateway TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    PRIMARY KEY (customer_id, gateway)
);
CREATE TABLE sales_orders (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    customer_id BIGINT NOT NULL REFERENCES customers (doc_id),
    order_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    tax BIGINT NOT NULL,
    shipping BIGINT NOT NULL,
    total BIGINT NOT NULL
);
CREATE TABLE document_lines (
    doc_id BIGINT NOT NULL REFERENCES documents (id),
    line_no BIGINT NOT NULL,
    sku TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE invoices (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    customer_id BIGINT NOT NULL REFERENCES customers (doc_id),
    sales_order_id BIGINT REFERENCES sales_orders (doc_id),
    invoice_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    shipping BIGINT NOT NULL,
    total BIGINT NOT NULL
);
CREATE TABLE payments (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (doc_id),
    direction TEXT NOT NULL CHECK (direction IN ('received', 'refunded')),
    gateway TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL
);
CREATE TABLE credit_memos (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (doc_id),
    date TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE disputes (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    payment_id BIGINT REFERENCES payments (doc_id),
    gateway TEXT NOT NULL,
    dispute_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    date TEXT NOT NULL
);
CREATE TABLE journals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id BIGINT NOT NULL REFERENCES documents (id),
    date TEXT NOT NULL,
    memo TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE TABLE journal_lines (
    journal_id BIGINT NOT NULL REFERENCES journals (id),
    line_no BIGINT NOT NULL,
    account_code TEXT NOT NULL REFERENCES accounts (code),
    debit BIGINT NOT NULL CHECK (debit >= 0),
    credit BIGINT NOT NULL CHECK (credit >= 0),
    label TEXT,
    PRIMARY KEY (journal_id, line_no)
);
CREATE INDEX journal_lines_account ON journal_lines (account_code);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX credit_memos_invoice ON credit_memos (invoice_id);
CREATE INDEX invoices_customer ON invoices (customer_id);
"#,
    // 2: recurring billing (billing invoices' lines, write-offs and voids, revenue
    // recognition, contracts); see `ledger/billing.rs`.
    r#"
CREATE TABLE billing_lines (
    doc_id BIGINT NOT NULL REFERENCES invoices (doc_id),
    line_no BIGINT NOT NULL,
    product TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    period_start TEXT,
    period_end TEXT,
    days BIGINT,
    proration BOOLEAN NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE invoice_closures (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    invoice_id BIGINT NOT NULL UNIQUE REFERENCES invoices (doc_id),
    kind TEXT NOT NULL CHECK (kind IN ('write_off', 'void')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE recognitions (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (doc_id),
    line_no BIGINT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    days BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    UNIQUE (invoice_id, line_no, first_day)
);
CREATE TABLE deferred_releases (
    credit_memo_id BIGINT NOT NULL REFERENCES credit_memos (doc_id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (doc_id),
    line_no BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (credit_memo_id, line_no)
);
CREATE TABLE contracts (
    doc_id BIGINT PRIMARY KEY REFERENCES documents (id),
    customer_id BIGINT NOT NULL REFERENCES customers (doc_id),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    period_start TEXT,
    period_end TEXT,
    cancel_at_period_end BOOLEAN NOT NULL,
    ended_on TEXT
);
CREATE TABLE contract_items (
    doc_id BIGINT NOT NULL REFERENCES contracts (doc_id),
    line_no BIGINT NOT NULL,
    product TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    interval TEXT NOT NULL,
    interval_count BIGINT NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);
CREATE TABLE contract_status_history (
    doc_id BIGINT NOT NULL REFERENCES contracts (doc_id),
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
"#,
];

/// Adds an account to the chart; an existing code is left as it is.
pub(super) const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (code, name, kind) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING";

impl From<TooNew> for Error {
    fn from(err: TooNew) -> Self {
        Self::SchemaTooNew {
            found: err.found,
            supported: err.supported,
        }
    }
}

/// Brings the schema to the newest version and seeds the chart of accounts, in one
/// transaction under the schema's lock.
pub(super) async fn migrate(pool: &Pool) -> Result<(), Error> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Migration::Migrated { from, to } = SCHEMA.migrate::<Error>(&tx).await? else {
        return Ok(());
    };
    for account in &CHART {
        if let Some(kind) = account.kind() {
            tx.execute(
                INSERT_ACCOUNT,
                &[&account.code(), &account.name(), &kind.as_str()],
            )
            .await?;
        }
    }
    tx.commit().await?;
    tracing::info!(from, to, "ledger schema migrated");
    Ok(())
}

//! The ledger's PostgreSQL schema, versioned, and the migration run at connect.

use deadpool_postgres::Pool;

use crate::error::Error;
use crate::ledger::schema::CHART;

/// The advisory lock held (for its transaction) by the process migrating the schema: processes
/// starting at once migrate one after the other, and the later ones find the work done. Not the
/// runtime store's lock, so both may share one database.
const MIGRATION_LOCK: i64 = 0x6572_705f_6c65_6467; // "erp_ledg"

/// The schema, one migration per version (kept in `ledger_schema_version`, named apart from the
/// runtime store's `schema_version` so that both can live in one database). The SQLite
/// schema's tables and meaning: amounts are `BIGINT` minor units, dates ISO `YYYY-MM-DD` text;
/// nothing is floating point.
const MIGRATIONS: [&str; 1] = [r#"
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
"#];

/// Adds an account to the chart; an existing code is left as it is.
pub(super) const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (code, name, kind) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING";

/// Brings the schema to the newest version and seeds the chart of accounts, in one
/// transaction under [`MIGRATION_LOCK`].
pub(super) async fn migrate(pool: &Pool) -> Result<(), Error> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS ledger_schema_version (version BIGINT NOT NULL)")
        .await?;
    let found: Option<i64> = tx
        .query_opt("SELECT version FROM ledger_schema_version", &[])
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    let version = found.unwrap_or(0);
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version > supported {
        return Err(Error::SchemaTooNew {
            found: version,
            supported,
        });
    }
    if version == supported {
        return Ok(());
    }
    for migration in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.batch_execute(migration).await?;
    }
    for account in &CHART {
        if let Some(kind) = account.kind() {
            tx.execute(
                INSERT_ACCOUNT,
                &[&account.code(), &account.name(), &kind.as_str()],
            )
            .await?;
        }
    }
    if found.is_some() {
        tx.execute(
            "UPDATE ledger_schema_version SET version = $1",
            &[&supported],
        )
        .await?;
    } else {
        tx.execute(
            "INSERT INTO ledger_schema_version (version) VALUES ($1)",
            &[&supported],
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(from = version, to = supported, "ledger schema migrated");
    Ok(())
}

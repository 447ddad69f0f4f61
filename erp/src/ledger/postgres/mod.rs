//! The ledger on PostgreSQL: one database for every process on every machine.
//!
//! The documents, journals and rules are those of the SQLite backend (the pure parts are shared
//! with it in `post.rs` and `reports.rs`); what differs is how concurrent writers in other
//! processes are kept apart (see [`LocalLedger::connect`](super::LocalLedger::connect)).

mod schema;

use deadpool_postgres::{GenericClient, Pool, Transaction};
use time::Date;
use tokio_postgres::Statement;
use tokio_postgres::types::ToSql;

use super::post::{
    InvoiceState, balanced_lines, credit_memo_journal, customer_of, debit_credit, direction,
    dispute_journal, document_ref, invoice_journal, needs_opened, not_opened, of_kind,
    payment_journal, payment_memo, recorded, stage,
};
use super::reports::{
    self, AgedReceivable, PAYMENT_ENTRIES_SQL, ReceivablesCheck, TrialBalanceLine, open_receivable,
    payment_entry, receivables_line, trial_balance_line, unbalanced,
};
use crate::error::Error;
use crate::models::{
    Account, AccountKind, CreditMemo, Customer, Dispute, DocumentKind, DocumentRef, Invoice,
    JournalEntry, JournalLine, LineItem, NewDocument, OpenReceivable, Payment, PaymentEntry,
    Recorded, SalesOrder,
};

/// A document to write: one of [`Erp::record_all`](crate::Erp::record_all)'s, or a dispute.
#[derive(Clone, Copy)]
pub(super) enum Doc<'a> {
    /// A document of the batch kinds.
    New(NewDocument<'a>),
    /// A dispute stage.
    Dispute(&'a Dispute),
    /// A recurring contract.
    Contract(&'a crate::models::Contract),
    /// A billing invoice.
    BillingInvoice(&'a crate::models::BillingInvoice),
    /// A write-off.
    WriteOff(&'a crate::models::WriteOff),
    /// A write-off's reversal.
    WriteOffReversal(&'a crate::models::WriteOffReversal),
    /// A void.
    Void(&'a crate::models::InvoiceVoid),
}

/// The pool of connections to the ledger's database.
#[derive(Clone)]
pub(super) struct Pg {
    pool: Pool,
}

impl Pg {
    /// Connects with a pool of at most `pool_size` connections and migrates the schema.
    pub(super) async fn connect(url: &str, pool_size: usize) -> Result<Self, Error> {
        let pool = payops_core::pg::pool::<Error>(url, pool_size)?.pool;
        schema::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// Writes `documents` in one transaction: all of them, or none when one fails.
    pub(super) async fn record(&self, documents: &[Doc<'_>]) -> Result<Vec<Recorded>, Error> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut out = Vec::with_capacity(documents.len());
        for document in documents {
            out.push(post(&tx, *document).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Writes one document in a transaction of its own.
    pub(super) async fn record_one(&self, document: Doc<'_>) -> Result<Recorded, Error> {
        let mut recorded = self.record(&[document]).await?;
        recorded
            .pop()
            .ok_or_else(|| Error::Task("the ledger recorded nothing".into()))
    }

    pub(super) async fn add_account(
        &self,
        code: &str,
        name: &str,
        kind: AccountKind,
    ) -> Result<(), Error> {
        let client = self.pool.get().await?;
        exec(
            &client,
            schema::INSERT_ACCOUNT,
            &[&code, &name, &kind.as_str()],
        )
        .await?;
        Ok(())
    }

    pub(super) async fn customer(&self, external_ref: &str) -> Result<Option<Customer>, Error> {
        let mut client = self.pool.get().await?;
        // One snapshot for the customer and its vault ids.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let Some(id) = existing(&tx, external_ref, DocumentKind::Customer).await? else {
            return Ok(None);
        };
        let row = one(
            &tx,
            "SELECT name, email FROM customers WHERE doc_id = $1",
            &[&id],
        )
        .await?;
        let vault_ids = tx
            .query(
                &tx.prepare_cached(
                    "SELECT gateway, vault_id FROM vault_ids WHERE customer_id = $1
                     ORDER BY gateway COLLATE \"C\"",
                )
                .await?,
                &[&id],
            )
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, Error>>()?;
        customer_of(external_ref, row.try_get(0)?, row.try_get(1)?, vault_ids).map(Some)
    }

    pub(super) async fn find(&self, external_ref: &str) -> Result<Option<DocumentRef>, Error> {
        let client = self.pool.get().await?;
        find_row(&client, external_ref)
            .await?
            .map(|(id, kind)| document_ref(external_ref, id, &kind))
            .transpose()
    }

    pub(super) async fn trial_balance(&self) -> Result<Vec<TrialBalanceLine>, Error> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT a.code, a.name, a.kind, j.currency,
                        SUM(l.debit)::BIGINT, SUM(l.credit)::BIGINT
                 FROM journal_lines l
                 JOIN journals j ON j.id = l.journal_id
                 JOIN accounts a ON a.code = l.account_code
                 GROUP BY a.code, j.currency
                 ORDER BY j.currency COLLATE \"C\", a.code COLLATE \"C\"",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                trial_balance_line((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                ))
            })
            .collect()
    }

    pub(super) async fn verify_journals(&self) -> Result<(), Error> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT SUM(l.debit)::BIGINT, SUM(l.credit)::BIGINT, j.currency
                 FROM journals j JOIN journal_lines l ON l.journal_id = j.id
                 GROUP BY j.id HAVING SUM(l.debit) != SUM(l.credit) LIMIT 1",
                &[],
            )
            .await?;
        unbalanced(
            row.map(|r| Ok::<_, Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .transpose()?,
        )
    }

    pub(super) async fn open_receivables(&self) -> Result<Vec<OpenReceivable>, Error> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT s.*, d.external_ref, cd.external_ref, i.invoice_date, i.due_date
                     FROM ({INVOICE_STATE}) s
                     JOIN invoices i ON i.doc_id = s.doc_id
                     JOIN documents d ON d.id = i.doc_id
                     JOIN documents cd ON cd.id = i.customer_id
                     ORDER BY i.due_date, i.doc_id"
                ),
                &[],
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.extend(open_receivable((
                (
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ),
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
            ))?);
        }
        Ok(out)
    }

    pub(super) async fn aged_receivables(&self, as_of: Date) -> Result<Vec<AgedReceivable>, Error> {
        Ok(reports::age(self.open_receivables().await?, as_of))
    }

    pub(super) async fn payment_entries(
        &self,
        gateway: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<PaymentEntry>, Error> {
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(PAYMENT_ENTRIES_SQL).await?;
        let (from, to) = (crate::date::text(from), crate::date::text(to));
        client
            .query(&statement, &[&gateway, &from, &to])
            .await?
            .iter()
            .map(|r| {
                payment_entry((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                    r.try_get(7)?,
                    r.try_get(8)?,
                ))
            })
            .collect()
    }

    pub(super) async fn receivables_check(&self) -> Result<Vec<ReceivablesCheck>, Error> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "WITH cur AS (SELECT currency FROM invoices UNION SELECT currency FROM journals)
                 SELECT cur.currency,
                   COALESCE((SELECT SUM(total) FROM invoices WHERE currency = cur.currency), 0)::BIGINT,
                   (COALESCE((SELECT SUM(amount) FROM credit_memos
                              WHERE currency = cur.currency), 0)
                    + COALESCE((SELECT SUM(amount) FROM invoice_closures
                                WHERE currency = cur.currency), 0))::BIGINT,
                   COALESCE((SELECT SUM(amount) FROM payments
                             WHERE currency = cur.currency AND direction = 'received'), 0)::BIGINT,
                   COALESCE((SELECT SUM(amount) FROM payments
                             WHERE currency = cur.currency AND direction = 'refunded'), 0)::BIGINT,
                   COALESCE((SELECT SUM(l.debit) - SUM(l.credit) FROM journal_lines l
                             JOIN journals j ON j.id = l.journal_id
                             WHERE j.currency = cur.currency AND l.account_code = $1), 0)::BIGINT
                 FROM cur ORDER BY cur.currency COLLATE \"C\"",
                &[&Account::Receivables.code()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                receivables_line((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                ))
            })
            .collect()
    }
}

/// [`super::post::INVOICE_STATE_SQL`] with PostgreSQL's sums (`NUMERIC`) cast back to `BIGINT`.
const INVOICE_STATE: &str = "
SELECT i.doc_id, i.currency, i.total,
       (COALESCE((SELECT SUM(amount) FROM credit_memos c WHERE c.invoice_id = i.doc_id), 0)
        + COALESCE((SELECT SUM(amount) FROM invoice_closures x WHERE x.invoice_id = i.doc_id), 0))::BIGINT,
       COALESCE((SELECT SUM(CASE direction WHEN 'received' THEN amount ELSE -amount END)
                 FROM payments p WHERE p.invoice_id = i.doc_id), 0)::BIGINT
FROM invoices i";

/// Statements prepared (in one round trip the first time, from the connection's cache after)
/// before any of them is sent: statements joined with `futures::try_join!` (which polls in the
/// order given) then reach the server, and run, in that order. A statement still to be prepared
/// would go out after the ones behind it.
async fn prepared<const N: usize>(
    tx: &Transaction<'_>,
    sql: [&str; N],
) -> Result<[Statement; N], Error> {
    let statements =
        futures::future::try_join_all(sql.iter().map(|sql| tx.prepare_cached(sql))).await?;
    statements
        .try_into()
        .map_err(|_| Error::Task("a statement was not prepared".into()))
}

async fn exec<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, Error> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.execute(&statement, params).await?)
}

async fn one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<tokio_postgres::Row, Error> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_one(&statement, params).await?)
}

async fn opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<tokio_postgres::Row>, Error> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&statement, params).await?)
}

const FIND_DOCUMENT: &str = "SELECT id, kind FROM documents WHERE external_ref = $1";

async fn find_row<C: GenericClient>(
    c: &C,
    external_ref: &str,
) -> Result<Option<(i64, String)>, Error> {
    opt(c, FIND_DOCUMENT, &[&external_ref])
        .await?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
}

async fn existing<C: GenericClient>(
    c: &C,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<Option<i64>, Error> {
    of_kind(find_row(c, external_ref).await?, external_ref, kind)
}

async fn require(
    tx: &Transaction<'_>,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<i64, Error> {
    required(find_row(tx, external_ref).await?, external_ref, kind)
}

/// The id of a document that must exist, from its row as [`find_row`] read it.
fn required(
    row: Option<(i64, String)>,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<i64, Error> {
    of_kind(row, external_ref, kind)?.ok_or_else(|| Error::NotFound {
        kind: kind.as_str(),
        reference: external_ref.to_owned(),
    })
}

/// Inserts the document's row; `Err(existing)` when another transaction holds the reference.
///
/// A concurrent writer of the same reference waits on the unique index until the first
/// commits (then finds its row: `ON CONFLICT DO NOTHING` returns none, and READ COMMITTED's
/// next statement sees it) or rolls back (then inserts): one document, whichever wins.
async fn insert_document(
    tx: &Transaction<'_>,
    external_ref: &str,
    kind: DocumentKind,
) -> Result<Result<i64, Recorded>, Error> {
    let row = opt(
        tx,
        "INSERT INTO documents (external_ref, kind) VALUES ($1, $2)
         ON CONFLICT (external_ref) DO NOTHING RETURNING id",
        &[&external_ref, &kind.as_str()],
    )
    .await?;
    match row {
        Some(row) => Ok(Ok(row.try_get(0)?)),
        None => {
            let id = require(tx, external_ref, kind).await?;
            Ok(Err(recorded(kind, id, external_ref, false)))
        }
    }
}

/// Writes one document (and its journal) in `tx`.
async fn post(tx: &Transaction<'_>, document: Doc<'_>) -> Result<Recorded, Error> {
    match document {
        Doc::New(NewDocument::Customer(c)) => upsert_customer(tx, c).await,
        Doc::New(NewDocument::SalesOrder(o)) => create_sales_order(tx, o).await,
        Doc::New(NewDocument::Invoice(i)) => create_invoice(tx, i).await,
        Doc::New(NewDocument::Payment(p)) => post_payment(tx, p).await,
        Doc::New(NewDocument::CreditMemo(m)) => create_credit_memo(tx, m).await,
        Doc::New(NewDocument::JournalEntry(e)) => post_journal_entry(tx, e).await,
        Doc::Dispute(d) => record_dispute(tx, d).await,
        Doc::Contract(c) => billing::upsert_contract(tx, c).await,
        Doc::BillingInvoice(i) => billing::create_billing_invoice(tx, i).await,
        Doc::WriteOff(w) => billing::write_off(tx, w).await,
        Doc::WriteOffReversal(r) => billing::reverse_write_off(tx, r).await,
        Doc::Void(v) => billing::void_invoice(tx, v).await,
    }
}

/// The document if it exists already (the idempotent answer), checked before any validation
/// as in SQLite.
macro_rules! return_if_recorded {
    ($tx:expr, $doc:expr, $kind:expr) => {
        crate::models::require_ref(&$doc.external_ref)?;
        if let Some(id) = existing($tx, &$doc.external_ref, $kind).await? {
            return Ok(recorded($kind, id, &$doc.external_ref, false));
        }
    };
}

/// The new document's id, or the answer when a concurrent writer recorded it first.
macro_rules! insert_or_return {
    ($tx:expr, $doc:expr, $kind:expr) => {
        match insert_document($tx, &$doc.external_ref, $kind).await? {
            Ok(id) => id,
            Err(first) => return Ok(first),
        }
    };
}

/// Makes sure the accounts of `lines` exist: ones of a known kind are added when missing; any
/// other must be in the chart already. Both statements go out at once, before anything joined
/// after this.
async fn ensure_accounts(
    tx: &Transaction<'_>,
    [insert, select]: &[Statement; 2],
    lines: &[JournalLine],
) -> Result<(), Error> {
    let (mut codes, mut names, mut kinds, mut required) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for line in lines {
        let code = line.account.code();
        match line.account.kind() {
            Some(kind) => {
                codes.push(code);
                names.push(line.account.name());
                kinds.push(kind.as_str());
            }
            None => required.push(code),
        }
    }
    let add = async {
        if !codes.is_empty() {
            tx.execute(insert, &[&codes, &names, &kinds]).await?;
        }
        Ok::<_, Error>(())
    };
    let check = async {
        if required.is_empty() {
            return Ok(Vec::new());
        }
        tx.query(select, &[&required])
            .await?
            .iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect::<Result<Vec<String>, Error>>()
    };
    let ((), found) = futures::try_join!(add, check)?;
    if let Some(missing) = required.into_iter().find(|code| !found.contains(code)) {
        return Err(Error::NotFound {
            kind: "account",
            reference: missing,
        });
    }
    Ok(())
}

/// Posts a balanced journal for document `doc_id`: its accounts made sure of, then the journal
/// and its lines in one statement, all sent at the first poll (no round trip of its own when
/// joined with other statements).
async fn post_journal(
    tx: &Transaction<'_>,
    doc_id: i64,
    date: Date,
    memo: &str,
    lines: &[JournalLine],
) -> Result<(), Error> {
    let (lines, currency) = balanced_lines(lines)?;
    let [add_accounts, find_accounts, insert_journal] = prepared(
        tx,
        [
            "INSERT INTO accounts (code, name, kind)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
             ON CONFLICT (code) DO NOTHING",
            "SELECT code FROM accounts WHERE code = ANY($1::text[])",
            "WITH journal AS (
                INSERT INTO journals (doc_id, date, memo, currency) VALUES ($1, $2, $3, $4)
                RETURNING id)
             INSERT INTO journal_lines (journal_id, line_no, account_code, debit, credit, label)
             SELECT journal.id, l.line_no, l.code, l.debit, l.credit, l.label
             FROM journal, unnest($5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::text[])
                  AS l (line_no, code, debit, credit, label)",
        ],
    )
    .await?;
    let numbers: Vec<i64> = (0..lines.len()).map(|n| n as i64).collect();
    let codes: Vec<String> = lines.iter().map(|l| l.account.code()).collect();
    let (debits, credits): (Vec<i64>, Vec<i64>) = lines.iter().map(debit_credit).unzip();
    let labels: Vec<Option<&str>> = lines.iter().map(|l| l.label.as_deref()).collect();
    let date = crate::date::text(date);
    let journal = async {
        tx.execute(
            &insert_journal,
            &[
                &doc_id,
                &date,
                &memo,
                &currency.as_str(),
                &numbers,
                &codes,
                &debits,
                &credits,
                &labels,
            ],
        )
        .await?;
        Ok::<_, Error>(())
    };
    let accounts = [add_accounts, find_accounts];
    futures::try_join!(ensure_accounts(tx, &accounts, &lines), journal)?;
    Ok(())
}

async fn insert_lines(tx: &Transaction<'_>, doc_id: i64, lines: &[LineItem]) -> Result<(), Error> {
    if lines.is_empty() {
        return Ok(());
    }
    let numbers: Vec<i64> = (0..lines.len()).map(|n| n as i64).collect();
    let skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
    let descriptions: Vec<&str> = lines.iter().map(|l| l.description.as_str()).collect();
    let quantities: Vec<i64> = lines.iter().map(|l| i64::from(l.quantity)).collect();
    let prices: Vec<i64> = lines.iter().map(|l| l.unit_price.minor).collect();
    exec(
        tx,
        "INSERT INTO document_lines (doc_id, line_no, sku, description, quantity, unit_price)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])",
        &[&doc_id, &numbers, &skus, &descriptions, &quantities, &prices],
    )
    .await?;
    Ok(())
}

/// The invoice's state, its row locked until the transaction ends so that concurrent payments
/// and credits of one invoice are checked against each other's amounts, one after the other;
/// and the row of `external_ref` read after the lock (a concurrent writer of that document
/// held the invoice's lock until it committed: the document may exist now). The three
/// statements go out together and run in order.
async fn invoice_state(
    tx: &Transaction<'_>,
    invoice: i64,
    external_ref: &str,
) -> Result<(InvoiceState, Option<(i64, String)>), Error> {
    let state_sql = format!("{INVOICE_STATE} WHERE i.doc_id = $1");
    let [lock, state, find] = prepared(
        tx,
        [
            "SELECT 1 FROM invoices WHERE doc_id = $1 FOR UPDATE",
            &state_sql,
            FIND_DOCUMENT,
        ],
    )
    .await?;
    let (by_invoice, by_ref): ([&(dyn ToSql + Sync); 1], [&(dyn ToSql + Sync); 1]) =
        ([&invoice], [&external_ref]);
    let (_, r, found) = futures::try_join!(
        tx.execute(&lock, &by_invoice),
        tx.query_one(&state, &by_invoice),
        tx.query_opt(&find, &by_ref)
    )?;
    let currency: String = r.try_get(1)?;
    let state = InvoiceState::of(
        r.try_get(0)?,
        &currency,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    )?;
    let found = found
        .map(|r| Ok::<_, Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?;
    Ok((state, found))
}

/// The row of `external_ref` when there is one to look up.
async fn find_opt(
    tx: &Transaction<'_>,
    external_ref: Option<&str>,
) -> Result<Option<(i64, String)>, Error> {
    match external_ref {
        Some(r) => find_row(tx, r).await,
        None => Ok(None),
    }
}

/// Executes a prepared statement, for joins.
async fn run(
    tx: &Transaction<'_>,
    statement: &Statement,
    params: &[&(dyn ToSql + Sync)],
) -> Result<(), Error> {
    tx.execute(statement, params).await?;
    Ok(())
}

/// The document if it exists already (the idempotent answer), checked before any validation
/// as in SQLite, from its row as [`find_row`] read it.
macro_rules! return_if_found {
    ($found:expr, $doc:expr, $kind:expr) => {
        if let Some(id) = of_kind($found, &$doc.external_ref, $kind)? {
            return Ok(recorded($kind, id, &$doc.external_ref, false));
        }
    };
}

async fn upsert_customer(tx: &Transaction<'_>, c: &Customer) -> Result<Recorded, Error> {
    crate::models::require_ref(&c.external_ref)?;
    let kind = DocumentKind::Customer;
    let found = existing(tx, &c.external_ref, kind).await?;
    let inserted = match found {
        Some(_) => None,
        None => insert_document(tx, &c.external_ref, kind).await?.ok(),
    };
    let [insert, update, vault] = prepared(
        tx,
        [
            "INSERT INTO customers (doc_id, name, email) VALUES ($1, $2, $3)",
            "UPDATE customers SET name = $2, email = $3 WHERE doc_id = $1",
            "INSERT INTO vault_ids (customer_id, gateway, vault_id) VALUES ($1, $2, $3)
             ON CONFLICT (customer_id, gateway) DO UPDATE SET vault_id = excluded.vault_id",
        ],
    )
    .await?;
    let (id, created, details) = match inserted {
        Some(id) => (id, true, insert),
        // Found, or recorded meanwhile by another writer: updated either way.
        None => (require(tx, &c.external_ref, kind).await?, false, update),
    };
    let gateways: Vec<&str> = c.vault_ids.iter().map(|v| v.gateway.as_str()).collect();
    let vaults: Vec<[&(dyn ToSql + Sync); 3]> = c
        .vault_ids
        .iter()
        .zip(&gateways)
        .map(|(v, gateway)| [&id as &(dyn ToSql + Sync), gateway, &v.vault_id])
        .collect();
    let customer: [&(dyn ToSql + Sync); 3] = [&id, &c.name, &c.email];
    // The customer's row first, then its vault ids, together.
    futures::try_join!(
        run(tx, &details, &customer),
        futures::future::try_join_all(vaults.iter().map(|params| run(tx, &vault, params)))
    )?;
    Ok(recorded(kind, id, &c.external_ref, created))
}

async fn create_sales_order(tx: &Transaction<'_>, o: &SalesOrder) -> Result<Recorded, Error> {
    let kind = DocumentKind::SalesOrder;
    crate::models::require_ref(&o.external_ref)?;
    // The order and its customer, looked up together.
    let (found, customer) =
        futures::try_join!(find_row(tx, &o.external_ref), find_row(tx, &o.customer_ref))?;
    return_if_found!(found, o, kind);
    let total = o.validate()?;
    let customer = required(customer, &o.customer_ref, DocumentKind::Customer)?;
    let id = insert_or_return!(tx, o, kind);
    let [details] = prepared(
        tx,
        ["INSERT INTO sales_orders (doc_id, customer_id, order_date, currency, tax, shipping, total)
          VALUES ($1, $2, $3, $4, $5, $6, $7)"],
    )
    .await?;
    let order_date = crate::date::text(o.order_date);
    let details_params: [&(dyn ToSql + Sync); 7] = [
        &id,
        &customer,
        &order_date,
        &o.currency.as_str(),
        &o.tax.minor,
        &o.shipping.minor,
        &total.minor,
    ];
    futures::try_join!(
        run(tx, &details, &details_params),
        insert_lines(tx, id, &o.lines)
    )?;
    Ok(recorded(kind, id, &o.external_ref, true))
}

async fn create_invoice(tx: &Transaction<'_>, inv: &Invoice) -> Result<Recorded, Error> {
    let kind = DocumentKind::Invoice;
    crate::models::require_ref(&inv.external_ref)?;
    // The invoice and the documents it names, looked up together.
    let order_ref = inv.sales_order_ref.as_deref();
    let (found, customer, order) = futures::try_join!(
        find_row(tx, &inv.external_ref),
        find_row(tx, &inv.customer_ref),
        find_opt(tx, order_ref)
    )?;
    return_if_found!(found, inv, kind);
    let total = inv.validate()?;
    let subtotal = inv.subtotal()?;
    let customer = required(customer, &inv.customer_ref, DocumentKind::Customer)?;
    let order = match order_ref {
        Some(r) => Some(required(order, r, DocumentKind::SalesOrder)?),
        None => None,
    };
    let id = insert_or_return!(tx, inv, kind);
    let [details] = prepared(
        tx,
        [
            "INSERT INTO invoices (doc_id, customer_id, sales_order_id, invoice_date, due_date,
                                currency, subtotal, tax, shipping, total)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        ],
    )
    .await?;
    let (invoice_date, due_date) = (
        crate::date::text(inv.invoice_date),
        crate::date::text(inv.due_date),
    );
    let (memo, lines) = invoice_journal(inv, total, subtotal);
    // The invoice, its lines and its journal, together.
    let details_params: [&(dyn ToSql + Sync); 10] = [
        &id,
        &customer,
        &order,
        &invoice_date,
        &due_date,
        &inv.currency.as_str(),
        &subtotal.minor,
        &inv.tax.minor,
        &inv.shipping.minor,
        &total.minor,
    ];
    futures::try_join!(
        run(tx, &details, &details_params),
        insert_lines(tx, id, &inv.lines),
        post_journal(tx, id, inv.invoice_date, &memo, &lines)
    )?;
    Ok(recorded(kind, id, &inv.external_ref, true))
}

async fn post_payment(tx: &Transaction<'_>, p: &Payment) -> Result<Recorded, Error> {
    let kind = DocumentKind::Payment;
    crate::models::require_ref(&p.external_ref)?;
    let (found, invoice) =
        futures::try_join!(find_row(tx, &p.external_ref), find_row(tx, &p.invoice_ref))?;
    return_if_found!(found, p, kind);
    let fee = p.validate()?;
    let invoice = required(invoice, &p.invoice_ref, DocumentKind::Invoice)?;
    let (inv, found) = invoice_state(tx, invoice, &p.external_ref).await?;
    // A concurrent writer of this payment held the invoice's lock until it committed: the
    // payment may exist now, and the balance check must not count it twice.
    return_if_found!(found, p, kind);
    let lines = payment_journal(p, fee, &inv)?;
    let id = insert_or_return!(tx, p, kind);
    let [details] = prepared(
        tx,
        [
            "INSERT INTO payments (doc_id, invoice_id, direction, gateway, transaction_id, amount,
                                fee, currency, date)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ],
    )
    .await?;
    let date = crate::date::text(p.date);
    let memo = payment_memo(p);
    let details_params: [&(dyn ToSql + Sync); 9] = [
        &id,
        &inv.id,
        &direction(p),
        &p.gateway.as_str(),
        &p.transaction_id,
        &p.amount.minor,
        &fee.minor,
        &inv.currency.as_str(),
        &date,
    ];
    futures::try_join!(
        run(tx, &details, &details_params),
        post_journal(tx, id, p.date, &memo, &lines)
    )?;
    Ok(recorded(kind, id, &p.external_ref, true))
}

async fn create_credit_memo(tx: &Transaction<'_>, m: &CreditMemo) -> Result<Recorded, Error> {
    let kind = DocumentKind::CreditMemo;
    crate::models::require_ref(&m.external_ref)?;
    let (found, invoice) =
        futures::try_join!(find_row(tx, &m.external_ref), find_row(tx, &m.invoice_ref))?;
    return_if_found!(found, m, kind);
    m.validate()?;
    let invoice = required(invoice, &m.invoice_ref, DocumentKind::Invoice)?;
    let (inv, found) = invoice_state(tx, invoice, &m.external_ref).await?;
    // As for payments: a concurrent writer of this memo may have committed it meanwhile.
    return_if_found!(found, m, kind);
    let (memo, lines) = credit_memo_journal(m, &inv)?;
    // Under the invoice's lock: no recognition or other memo of it runs meanwhile.
    let releases = billing::memo_releases(tx, inv.id, m.amount.minor).await?;
    let lines = crate::ledger::billing::with_releases(lines, &releases);
    let id = insert_or_return!(tx, m, kind);
    let [details] = prepared(
        tx,
        [
            "INSERT INTO credit_memos (doc_id, invoice_id, date, amount, currency, reason)
          VALUES ($1, $2, $3, $4, $5, $6)",
        ],
    )
    .await?;
    let date = crate::date::text(m.date);
    let details_params: [&(dyn ToSql + Sync); 6] = [
        &id,
        &inv.id,
        &date,
        &m.amount.minor,
        &inv.currency.as_str(),
        &m.reason,
    ];
    futures::try_join!(
        run(tx, &details, &details_params),
        post_journal(tx, id, m.date, &memo, &lines)
    )?;
    billing::insert_releases(tx, id, inv.id, &releases).await?;
    Ok(recorded(kind, id, &m.external_ref, true))
}

async fn post_journal_entry(tx: &Transaction<'_>, e: &JournalEntry) -> Result<Recorded, Error> {
    let kind = DocumentKind::JournalEntry;
    return_if_recorded!(tx, e, kind);
    e.validate()?;
    let id = insert_or_return!(tx, e, kind);
    post_journal(tx, id, e.date, &e.memo, &e.lines).await?;
    Ok(recorded(kind, id, &e.external_ref, true))
}

async fn record_dispute(tx: &Transaction<'_>, d: &Dispute) -> Result<Recorded, Error> {
    let kind = DocumentKind::Dispute;
    return_if_recorded!(tx, d, kind);
    d.validate()?;
    let fee = d
        .fee
        .unwrap_or(crate::money::Money::zero(d.amount.currency));
    if needs_opened(d) {
        let opened = tx
            .query_opt(
                "SELECT doc_id FROM disputes WHERE gateway = $1 AND dispute_id = $2
                 AND stage = 'opened'",
                &[&d.gateway.as_str(), &d.dispute_id],
            )
            .await?;
        if opened.is_none() {
            return Err(not_opened(d));
        }
    }
    let payment = match d.payment_ref.as_deref() {
        Some(r) => Some(require(tx, r, DocumentKind::Payment).await?),
        None => None,
    };
    let id = insert_or_return!(tx, d, kind);
    exec(
        tx,
        "INSERT INTO disputes (doc_id, payment_id, gateway, dispute_id, stage, amount, fee,
                               currency, reason, date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &id,
            &payment,
            &d.gateway.as_str(),
            &d.dispute_id,
            &stage(d),
            &d.amount.minor,
            &fee.minor,
            &d.amount.currency.as_str(),
            &d.reason,
            &crate::date::text(d.date),
        ],
    )
    .await?;
    let (memo, lines) = dispute_journal(d, fee)?;
    post_journal(tx, id, d.date, &memo, &lines).await?;
    Ok(recorded(kind, id, &d.external_ref, true))
}

// Last: it uses the macros above.
mod billing;

//! The embedded double-entry ledger: the default [`Erp`] backend, one SQLite file, no server.
//!
//! * Chart of accounts: bank, receivables, one clearing account per gateway (added on first
//!   use), tax payable, revenue, shipping income, refunds, gateway fees, chargebacks (see
//!   [`Account::code`](crate::Account::code)), plus any account added with [`LocalLedger::add_account`].
//! * Every invoice, payment, credit memo, journal entry and dispute stage writes a journal whose
//!   debits equal its credits; an unbalanced journal is refused with [`Error::Unbalanced`]
//!   and nothing is written.
//! * Amounts are `INTEGER` minor units with the currency on each journal; nothing is `REAL`.
//! * Concurrency: one thread owns the connection and runs the calls of every task in batches with
//!   one commit each ([`sqlite_batch`]); each call runs in its own savepoint, so its idempotency
//!   check and its insert are atomic, a failed call leaves nothing, and a call returns once its
//!   batch has committed. Clones of a `LocalLedger` share that thread.
//! * One process per file: [`LocalLedger::open`] opens the file through
//!   [`sqlite_batch::open_file_with`], which holds SQLite's exclusive lock for as long as the
//!   ledger is open (so the WAL index lives in memory, never in a memory-mapped `-shm` file that
//!   a full file system would turn into `SIGBUS`). A second `open` of the same file, in this
//!   process or another, fails with [`Error::LedgerFile`]; so does a file that cannot be
//!   written. Several processes will share the PostgreSQL ledger instead (not built yet).

mod post;
mod reports;
mod schema;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use sqlite_batch::Batcher;
use time::Date;

pub use reports::{AgedReceivable, ReceivablesCheck, TrialBalanceLine};

use crate::erp::Erp;
use crate::error::Error;
use crate::models::NewDocument;
use crate::models::{
    AccountKind, CreditMemo, Customer, Dispute, DocumentRef, Invoice, JournalEntry, OpenReceivable,
    Payment, Recorded, SalesOrder,
};

/// The embedded SQLite ledger. See the [module docs](self).
///
/// ```no_run
/// use erp::LocalLedger;
/// # async fn run() -> Result<(), erp::Error> {
/// let ledger = LocalLedger::open("books.sqlite3").await?;
/// ledger.verify_journals().await?;
/// let as_of = time::macros::date!(2026 - 11 - 30);
/// for row in ledger.aged_receivables(as_of).await? {
///     println!("{} {}: {} overdue > 90 days", row.customer_ref, row.currency, row.over_90);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LocalLedger {
    db: Batcher,
}

impl std::fmt::Debug for LocalLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLedger").finish_non_exhaustive()
    }
}

impl LocalLedger {
    /// Opens (or creates) the ledger file for this process alone (see the [module docs](self)),
    /// waiting up to 1 s for another process to let go of it.
    ///
    /// A file that cannot be written (read-only file or file system, no room for its journal),
    /// that another process holds, or that is not a ledger is an [`Error::LedgerFile`] naming
    /// the path: the ledger never runs read-only.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with_busy_timeout(path, Duration::from_secs(1)).await
    }

    /// Like [`LocalLedger::open`], with how long opening waits for another process to let go
    /// of the file. Once open, the file is this ledger's alone and nothing waits for a lock.
    pub async fn open_with_busy_timeout(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        let options = sqlite_batch::Options::default().with_busy_timeout(busy_timeout);
        // Opening waits for locks and migrates: blocking work, off the async threads.
        let db = tokio::task::spawn_blocking(move || {
            sqlite_batch::open_file_with(&path, "erp-ledger", &options, |conn| {
                conn.pragma_update(None, "foreign_keys", true)?;
                schema::migrate(conn)
            })
            .map_err(|source| Error::LedgerFile { path, source })
        })
        .await??;
        Ok(Self { db })
    }

    /// An in-memory ledger (tests, dry runs); it vanishes when dropped.
    pub fn open_in_memory() -> Result<Self, Error> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        let db = Batcher::start(conn, "erp-ledger")
            .map_err(|e| Error::Task(format!("could not start the ledger's thread: {e}")))?;
        Ok(Self { db })
    }

    async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        Ok(self.db.read(f).await?)
    }

    /// Runs `f` atomically: kept if it succeeds, rolled back if not.
    async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        Ok(self.db.write(f).await?)
    }

    /// Adds an account to the chart (for [`crate::Account::Other`] lines); existing codes are
    /// left as they are.
    pub async fn add_account(
        &self,
        code: &str,
        name: &str,
        kind: AccountKind,
    ) -> Result<(), Error> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.write(move |c| Ok(schema::insert_account(c, &code, &name, kind.as_str())?))
            .await
    }

    /// The customer with this external reference, with its gateway vault ids.
    pub async fn customer(&self, external_ref: &str) -> Result<Option<Customer>, Error> {
        let r = external_ref.to_owned();
        self.read(move |c| post::customer(c, &r)).await
    }

    /// Debits and credits per account and currency. Per currency, total debits equal total
    /// credits.
    pub async fn trial_balance(&self) -> Result<Vec<TrialBalanceLine>, Error> {
        self.read(reports::trial_balance).await
    }

    /// Open invoices per customer and currency, bucketed by days past due at `as_of`.
    pub async fn aged_receivables(&self, as_of: Date) -> Result<Vec<AgedReceivable>, Error> {
        self.read(move |c| reports::aged_receivables(c, as_of))
            .await
    }

    /// The receivables account reconciled against the documents, per currency.
    pub async fn receivables_check(&self) -> Result<Vec<ReceivablesCheck>, Error> {
        self.read(reports::receivables_check).await
    }

    /// Audits every stored journal; the first one that does not balance is an
    /// [`Error::Unbalanced`] (only possible if the file was edited by something else).
    pub async fn verify_journals(&self) -> Result<(), Error> {
        self.read(reports::verify_journals).await
    }
}

#[async_trait]
impl Erp for LocalLedger {
    async fn upsert_customer(&self, customer: &Customer) -> Result<Recorded, Error> {
        let c = customer.clone();
        self.write(move |tx| post::upsert_customer(tx, &c)).await
    }

    async fn create_sales_order(&self, order: &SalesOrder) -> Result<Recorded, Error> {
        let o = order.clone();
        self.write(move |tx| post::create_sales_order(tx, &o)).await
    }

    async fn create_invoice(&self, invoice: &Invoice) -> Result<Recorded, Error> {
        let i = invoice.clone();
        self.write(move |tx| post::create_invoice(tx, &i)).await
    }

    async fn post_payment(&self, payment: &Payment) -> Result<Recorded, Error> {
        let p = payment.clone();
        self.write(move |tx| post::post_payment(tx, &p)).await
    }

    async fn create_credit_memo(&self, memo: &CreditMemo) -> Result<Recorded, Error> {
        let m = memo.clone();
        self.write(move |tx| post::create_credit_memo(tx, &m)).await
    }

    async fn post_journal_entry(&self, entry: &JournalEntry) -> Result<Recorded, Error> {
        let e = entry.clone();
        self.write(move |tx| post::post_journal_entry(tx, &e)).await
    }

    async fn record_dispute(&self, dispute: &Dispute) -> Result<Recorded, Error> {
        let d = dispute.clone();
        self.write(move |tx| post::record_dispute(tx, &d)).await
    }

    async fn find_by_external_ref(&self, external_ref: &str) -> Result<Option<DocumentRef>, Error> {
        let r = external_ref.to_owned();
        self.read(move |c| post::find(c, &r)).await
    }

    async fn open_receivables(&self) -> Result<Vec<OpenReceivable>, Error> {
        self.read(reports::open_receivables).await
    }

    /// One transaction for all: a document that fails undoes the ones before it.
    async fn record_all(&self, documents: &[NewDocument<'_>]) -> Result<Vec<Recorded>, Error> {
        let owned: Vec<Owned> = documents.iter().map(Owned::of).collect();
        self.write(move |tx| owned.iter().map(|document| document.post(tx)).collect())
            .await
    }
}

/// A document of [`Erp::record_all`], owned for the ledger's thread.
enum Owned {
    Customer(Customer),
    SalesOrder(SalesOrder),
    Invoice(Invoice),
    Payment(Payment),
    CreditMemo(CreditMemo),
    JournalEntry(JournalEntry),
}

impl Owned {
    fn of(document: &NewDocument<'_>) -> Self {
        match *document {
            NewDocument::Customer(c) => Self::Customer(c.clone()),
            NewDocument::SalesOrder(o) => Self::SalesOrder(o.clone()),
            NewDocument::Invoice(i) => Self::Invoice(i.clone()),
            NewDocument::Payment(p) => Self::Payment(p.clone()),
            NewDocument::CreditMemo(m) => Self::CreditMemo(m.clone()),
            NewDocument::JournalEntry(e) => Self::JournalEntry(e.clone()),
        }
    }

    fn post(&self, tx: &Connection) -> Result<Recorded, Error> {
        match self {
            Self::Customer(c) => post::upsert_customer(tx, c),
            Self::SalesOrder(o) => post::create_sales_order(tx, o),
            Self::Invoice(i) => post::create_invoice(tx, i),
            Self::Payment(p) => post::post_payment(tx, p),
            Self::CreditMemo(m) => post::create_credit_memo(tx, m),
            Self::JournalEntry(e) => post::post_journal_entry(tx, e),
        }
    }
}

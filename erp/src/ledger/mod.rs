//! The double-entry ledger kept by this crate: the default [`Erp`] backend, in one SQLite file
//! (embedded, no server) or in a PostgreSQL database shared by many processes.
//!
//! * Chart of accounts: bank, receivables, one clearing account per gateway (added on first
//!   use), tax payable, deferred revenue, revenue, shipping income, refunds, gateway fees,
//!   chargebacks, bad debts (see [`Account::code`](crate::Account::code)), plus any account
//!   added with [`LocalLedger::add_account`].
//! * Recurring billing: billing invoices whose lines with a service period are deferred
//!   revenue, recognised day by day ([`Erp::recognize_revenue`]) into revenue; write-offs and
//!   voids; the deferred revenue schedule ([`LocalLedger::revenue_schedule`]); recurring
//!   contracts ([`LocalLedger::contract`]). A credit memo against a billing invoice releases
//!   the deferred revenue not yet recognised first (Dr deferred revenue for that part, Dr
//!   refunds for the rest, Cr receivables), and the lines it touched then recognise their
//!   amount less the release.
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
//!   written.
//! * Several processes on several machines share one PostgreSQL database instead
//!   ([`LocalLedger::connect`], feature `postgres`, on by default): same tables, rules and
//!   reports; see there for how concurrent writers are kept apart.

mod billing;
mod post;
#[cfg(feature = "postgres")]
mod postgres;
mod reports;
mod schema;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use sqlite_batch::Batcher;
use time::Date;

pub(crate) use billing::DueLine;
pub(crate) use post::{dispute_journal, withdrawn_payment};
pub use reports::{AgedReceivable, ReceivablesCheck, TrialBalanceLine};

use crate::erp::Erp;
use crate::error::Error;
use crate::models::NewDocument;
use crate::models::{
    AccountKind, BillingInvoice, Contract, ContractRecord, CreditMemo, Customer, Dispute,
    DocumentRef, Gateway, Invoice, InvoiceVoid, JournalEntry, OpenReceivable, Payment,
    PaymentEntry, Recognition, RecognitionSchedule, Recorded, RevenueScheduleLine, SalesOrder,
    WriteOff, WriteOffReversal,
};

/// The ledger, on SQLite or on PostgreSQL. See the [module docs](self).
///
/// Both backends answer every call the same way (one conformance suite runs on both); they
/// differ in who may share them: a SQLite file belongs to one process, a PostgreSQL database to
/// any number of processes.
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
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    /// The thread that owns the SQLite connection.
    Sqlite(Batcher),
    /// The pool of PostgreSQL connections.
    #[cfg(feature = "postgres")]
    Postgres(postgres::Pg),
}

/// Runs `$sqlite` (a closure over the SQLite connection, through `$method`) or `$pg` (an
/// expression over the PostgreSQL pool), whichever backend the ledger has.
macro_rules! on_backend {
    ($ledger:expr, $method:ident($sqlite:expr), |$pg:ident| $pg_call:expr) => {
        match &$ledger.backend {
            Backend::Sqlite(db) => Ok(db.$method($sqlite).await?),
            #[cfg(feature = "postgres")]
            Backend::Postgres($pg) => $pg_call.await,
        }
    };
}

impl std::fmt::Debug for LocalLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL stays out: it may carry a password.
        let backend = match self.backend {
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("LocalLedger")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl LocalLedger {
    /// Connections a PostgreSQL ledger opens at most, unless told otherwise
    /// ([`LocalLedger::connect_with`]).
    pub const DEFAULT_POOL_SIZE: usize = 16;

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
        Ok(Self {
            backend: Backend::Sqlite(db),
        })
    }

    /// An in-memory ledger (tests, dry runs); it vanishes when dropped.
    pub fn open_in_memory() -> Result<Self, Error> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        let db = Batcher::start(conn, "erp-ledger")
            .map_err(|e| Error::Task(format!("could not start the ledger's thread: {e}")))?;
        Ok(Self {
            backend: Backend::Sqlite(db),
        })
    }

    /// Connects to the ledger in the PostgreSQL database at `url`
    /// (`postgres://user:password@host:port/database`, or `key=value` pairs) with a pool of at
    /// most [`LocalLedger::DEFAULT_POOL_SIZE`] connections, and brings its schema up to date.
    ///
    /// Any number of processes, on any number of machines, may share the database:
    ///
    /// * The schema is versioned (`ledger_schema_version`) and migrated here under a
    ///   transaction-scoped advisory lock, so processes starting together migrate it once. Its
    ///   tables do not collide with those of the `flows` store: both may share one database.
    /// * Each call (and each [`Erp::record_all`]) is one transaction, committed before the
    ///   call returns; a call that fails (an unbalanced journal, a missing customer, ...) rolls
    ///   back and leaves nothing.
    /// * Idempotency by external reference holds across writers: the reference is unique, the
    ///   insert is `ON CONFLICT DO NOTHING`, and a writer that loses the race answers with the
    ///   first writer's document (`created: false`) and writes nothing else.
    /// * A payment or credit memo locks its invoice's row (`FOR UPDATE`) before checking the
    ///   open balance, so two concurrent payments cannot together overpay one invoice.
    ///
    /// Connections use verified TLS when the URL says `sslmode=require` (with `sslrootcert` for
    /// a private certificate authority), plain TCP or Unix sockets otherwise (see
    /// [`payops_core::pg::pool`]); a session idle inside a transaction for 10 s is ended by the
    /// server. Requires the `postgres` feature.
    #[cfg(feature = "postgres")]
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(url, Self::DEFAULT_POOL_SIZE).await
    }

    /// [`LocalLedger::connect`] with a pool of at most `pool_size` connections; a call holds one
    /// while it runs, so a process needs about as many as it makes calls at once.
    #[cfg(feature = "postgres")]
    pub async fn connect_with(url: &str, pool_size: usize) -> Result<Self, Error> {
        Ok(Self {
            backend: Backend::Postgres(postgres::Pg::connect(url, pool_size).await?),
        })
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
        on_backend!(
            self,
            write(move |c| Ok(schema::insert_account(c, &code, &name, kind.as_str())?)),
            |pg| pg.add_account(&code, &name, kind)
        )
    }

    /// The customer with this external reference, with its gateway vault ids.
    pub async fn customer(&self, external_ref: &str) -> Result<Option<Customer>, Error> {
        let r = external_ref.to_owned();
        on_backend!(self, read(move |c| post::customer(c, &r)), |pg| pg
            .customer(external_ref))
    }

    /// Debits and credits per account and currency. Per currency, total debits equal total
    /// credits.
    pub async fn trial_balance(&self) -> Result<Vec<TrialBalanceLine>, Error> {
        on_backend!(self, read(reports::trial_balance), |pg| pg.trial_balance())
    }

    /// Open invoices per customer and currency, bucketed by days past due at `as_of`.
    pub async fn aged_receivables(&self, as_of: Date) -> Result<Vec<AgedReceivable>, Error> {
        on_backend!(
            self,
            read(move |c| reports::aged_receivables(c, as_of)),
            |pg| pg.aged_receivables(as_of)
        )
    }

    /// The receivables account reconciled against the documents, per currency.
    pub async fn receivables_check(&self) -> Result<Vec<ReceivablesCheck>, Error> {
        on_backend!(self, read(reports::receivables_check), |pg| pg
            .receivables_check())
    }

    /// The recurring contract with this external reference, with the statuses it went
    /// through.
    ///
    /// ```no_run
    /// # async fn run(ledger: &erp::LocalLedger) -> Result<(), erp::Error> {
    /// if let Some(record) = ledger.contract("stripe/subscription/sub_1").await? {
    ///     println!("{} ({} changes)", record.contract.status, record.status_history.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn contract(&self, external_ref: &str) -> Result<Option<ContractRecord>, Error> {
        let r = external_ref.to_owned();
        on_backend!(self, read(move |c| billing::contract(c, &r)), |pg| pg
            .contract(external_ref))
    }

    /// Deferred revenue month by month, from `from`'s month to `to`'s, per currency: opening
    /// balance, opened by invoices, recognised, other movements (voids, manual entries) and
    /// closing balance, from the journals of the deferred revenue account
    /// ([`crate::Account::DeferredRevenue`]). Odoo has no such report through this crate (see
    /// [`crate::odoo`]).
    ///
    /// ```no_run
    /// # async fn run(ledger: &erp::LocalLedger) -> Result<(), erp::Error> {
    /// let (from, to) = (time::macros::date!(2026 - 01 - 01), time::macros::date!(2026 - 12 - 31));
    /// for m in ledger.revenue_schedule(from, to).await? {
    ///     println!("{} {}: +{} -{} = {}", m.month, m.currency, m.opened, m.recognized, m.closing);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn revenue_schedule(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<RevenueScheduleLine>, Error> {
        on_backend!(self, read(move |c| billing::schedule(c, from, to)), |pg| pg
            .revenue_schedule(from, to))
    }

    /// Audits every stored journal; the first one that does not balance is an
    /// [`Error::Unbalanced`] (only possible if the file or database was edited by something
    /// else).
    pub async fn verify_journals(&self) -> Result<(), Error> {
        on_backend!(self, read(reports::verify_journals), |pg| pg
            .verify_journals())
    }
}

#[async_trait]
impl Erp for LocalLedger {
    async fn upsert_customer(&self, customer: &Customer) -> Result<Recorded, Error> {
        self.record(Owned::Customer(customer.clone())).await
    }

    async fn create_sales_order(&self, order: &SalesOrder) -> Result<Recorded, Error> {
        self.record(Owned::SalesOrder(order.clone())).await
    }

    async fn create_invoice(&self, invoice: &Invoice) -> Result<Recorded, Error> {
        self.record(Owned::Invoice(invoice.clone())).await
    }

    async fn post_payment(&self, payment: &Payment) -> Result<Recorded, Error> {
        self.record(Owned::Payment(payment.clone())).await
    }

    async fn create_credit_memo(&self, memo: &CreditMemo) -> Result<Recorded, Error> {
        self.record(Owned::CreditMemo(memo.clone())).await
    }

    async fn post_journal_entry(&self, entry: &JournalEntry) -> Result<Recorded, Error> {
        self.record(Owned::JournalEntry(entry.clone())).await
    }

    async fn record_dispute(&self, dispute: &Dispute) -> Result<Recorded, Error> {
        self.record(Owned::Dispute(dispute.clone())).await
    }

    async fn upsert_contract(&self, contract: &Contract) -> Result<Recorded, Error> {
        self.record(Owned::Contract(contract.clone())).await
    }

    async fn create_billing_invoice(&self, invoice: &BillingInvoice) -> Result<Recorded, Error> {
        self.record(Owned::BillingInvoice(invoice.clone())).await
    }

    async fn write_off(&self, write_off: &WriteOff) -> Result<Recorded, Error> {
        self.record(Owned::WriteOff(write_off.clone())).await
    }

    async fn void_invoice(&self, void: &InvoiceVoid) -> Result<Recorded, Error> {
        self.record(Owned::Void(void.clone())).await
    }

    async fn reverse_write_off(&self, reversal: &WriteOffReversal) -> Result<Recorded, Error> {
        self.record(Owned::WriteOffReversal(reversal.clone())).await
    }

    /// One transaction: every line's entry, or none.
    async fn recognize_revenue(
        &self,
        through: Date,
        schedule: RecognitionSchedule,
    ) -> Result<Vec<Recognition>, Error> {
        on_backend!(
            self,
            write(move |c| billing::recognize_revenue(c, through, schedule)),
            |pg| pg.recognize_revenue(through, schedule)
        )
    }

    async fn find_by_external_ref(&self, external_ref: &str) -> Result<Option<DocumentRef>, Error> {
        let r = external_ref.to_owned();
        on_backend!(self, read(move |c| post::find(c, &r)), |pg| pg
            .find(external_ref))
    }

    async fn payment_entries(
        &self,
        gateway: &Gateway,
        from: Date,
        to: Date,
    ) -> Result<Vec<PaymentEntry>, Error> {
        let name = gateway.as_str().to_owned();
        on_backend!(
            self,
            read(move |c| reports::payment_entries(c, &name, from, to)),
            |pg| pg.payment_entries(gateway.as_str(), from, to)
        )
    }

    async fn open_receivables(&self) -> Result<Vec<OpenReceivable>, Error> {
        on_backend!(self, read(reports::open_receivables), |pg| pg
            .open_receivables())
    }

    /// One transaction for all: a document that fails undoes the ones before it.
    async fn record_all(&self, documents: &[NewDocument<'_>]) -> Result<Vec<Recorded>, Error> {
        match &self.backend {
            Backend::Sqlite(db) => {
                let owned: Vec<Owned> = documents.iter().map(Owned::of).collect();
                Ok(db
                    .write(move |tx| owned.iter().map(|document| document.post(tx)).collect())
                    .await?)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(pg) => {
                let documents: Vec<postgres::Doc<'_>> =
                    documents.iter().map(|d| postgres::Doc::New(*d)).collect();
                pg.record(&documents).await
            }
        }
    }
}

impl LocalLedger {
    /// Writes one document atomically: kept if it succeeds, rolled back if not.
    async fn record(&self, document: Owned) -> Result<Recorded, Error> {
        match &self.backend {
            Backend::Sqlite(db) => Ok(db.write(move |tx| document.post(tx)).await?),
            #[cfg(feature = "postgres")]
            Backend::Postgres(pg) => pg.record_one(document.borrowed()).await,
        }
    }
}

/// A document, owned for the SQLite ledger's thread.
enum Owned {
    Customer(Customer),
    SalesOrder(SalesOrder),
    Invoice(Invoice),
    Payment(Payment),
    CreditMemo(CreditMemo),
    JournalEntry(JournalEntry),
    Dispute(Dispute),
    Contract(Contract),
    BillingInvoice(BillingInvoice),
    WriteOff(WriteOff),
    WriteOffReversal(WriteOffReversal),
    Void(InvoiceVoid),
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
            Self::Dispute(d) => post::record_dispute(tx, d),
            Self::Contract(c) => billing::upsert_contract(tx, c),
            Self::BillingInvoice(i) => billing::create_billing_invoice(tx, i),
            Self::WriteOff(w) => billing::write_off(tx, w),
            Self::WriteOffReversal(r) => billing::reverse_write_off(tx, r),
            Self::Void(v) => billing::void_invoice(tx, v),
        }
    }

    #[cfg(feature = "postgres")]
    fn borrowed(&self) -> postgres::Doc<'_> {
        use postgres::Doc;
        match self {
            Self::Customer(c) => Doc::New(NewDocument::Customer(c)),
            Self::SalesOrder(o) => Doc::New(NewDocument::SalesOrder(o)),
            Self::Invoice(i) => Doc::New(NewDocument::Invoice(i)),
            Self::Payment(p) => Doc::New(NewDocument::Payment(p)),
            Self::CreditMemo(m) => Doc::New(NewDocument::CreditMemo(m)),
            Self::JournalEntry(e) => Doc::New(NewDocument::JournalEntry(e)),
            Self::Dispute(d) => Doc::Dispute(d),
            Self::Contract(c) => Doc::Contract(c),
            Self::BillingInvoice(i) => Doc::BillingInvoice(i),
            Self::WriteOff(w) => Doc::WriteOff(w),
            Self::WriteOffReversal(r) => Doc::WriteOffReversal(r),
            Self::Void(v) => Doc::Void(v),
        }
    }
}

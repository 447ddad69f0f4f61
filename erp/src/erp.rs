//! The backend-independent [`Erp`] trait.

use async_trait::async_trait;

use crate::error::Error;
use time::Date;

use crate::models::{
    BillingInvoice, Contract, CreditMemo, Customer, Dispute, DocumentRef, Gateway, Invoice,
    InvoiceVoid, JournalEntry, NewDocument, OpenReceivable, Payment, PaymentEntry, Recognition,
    RecognitionSchedule, Recorded, SalesOrder, WriteOff, WriteOffReversal,
};

/// What the SDK needs from an ERP. Implemented by [`crate::LocalLedger`] (embedded, the
/// default) and [`crate::odoo::OdooErp`].
///
/// Every create is idempotent by `external_ref`: calling it again with a reference that
/// already exists returns the existing document with [`Recorded::created`] `false` and changes
/// nothing (except [`Erp::upsert_customer`], which updates the customer). A reference used by a
/// document of another kind is [`Error::ReferenceConflict`].
///
/// ```no_run
/// use erp::{Erp, LocalLedger, Customer};
/// # async fn run() -> Result<(), erp::Error> {
/// let erp: Box<dyn Erp> = Box::new(LocalLedger::open("ledger.sqlite3").await?);
/// let rec = erp
///     .upsert_customer(&Customer {
///         external_ref: "shopify/shop1/customer/7".into(),
///         name: "Ada Lovelace".into(),
///         email: Some("ada@example.com".into()),
///         vault_ids: vec![],
///     })
///     .await?;
/// assert_eq!(erp.find_by_external_ref("shopify/shop1/customer/7").await?, Some(rec.document));
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Erp: Send + Sync {
    /// Creates the customer, or updates name, e-mail and vault ids of the existing one.
    ///
    /// ```no_run
    /// # use erp::{Customer, Erp, Gateway, VaultId};
    /// # async fn run(erp: &dyn Erp) -> Result<(), erp::Error> {
    /// erp.upsert_customer(&Customer {
    ///     external_ref: "shopify/shop1/customer/7".into(),
    ///     name: "Ada Lovelace".into(),
    ///     email: None,
    ///     vault_ids: vec![VaultId { gateway: Gateway::new("paytrace")?, vault_id: "c-77".into() }],
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn upsert_customer(&self, customer: &Customer) -> Result<Recorded, Error>;

    /// Creates (and confirms) a sales order for an existing customer.
    ///
    /// ```no_run
    /// # use erp::{CurrencyCode, Erp, LineItem, Money, SalesOrder};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// let rec = erp
    ///     .create_sales_order(&SalesOrder {
    ///         external_ref: "shopify/shop1/order/42".into(),
    ///         customer_ref: "shopify/shop1/customer/7".into(),
    ///         order_date: date,
    ///         currency: usd,
    ///         lines: vec![LineItem {
    ///             sku: "TEE".into(),
    ///             description: "T-shirt".into(),
    ///             quantity: 1,
    ///             unit_price: Money::new(1500, usd),
    ///         }],
    ///         tax: Money::zero(usd),
    ///         shipping: Money::zero(usd),
    ///     })
    ///     .await?;
    /// println!("order {} (new: {})", rec.document.id, rec.created);
    /// # Ok(()) }
    /// ```
    async fn create_sales_order(&self, order: &SalesOrder) -> Result<Recorded, Error>;

    /// Creates and posts an invoice for an existing customer.
    ///
    /// ```no_run
    /// # use erp::{CurrencyCode, Erp, Invoice, Money};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// erp.create_invoice(&Invoice {
    ///     external_ref: "shopify/shop1/order/42/invoice".into(),
    ///     customer_ref: "shopify/shop1/customer/7".into(),
    ///     sales_order_ref: Some("shopify/shop1/order/42".into()),
    ///     invoice_date: date,
    ///     due_date: date,
    ///     currency: usd,
    ///     lines: vec![],
    ///     tax: Money::zero(usd),
    ///     shipping: Money::new(500, usd),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn create_invoice(&self, invoice: &Invoice) -> Result<Recorded, Error>;

    /// Posts a payment (or refund payment) against a posted invoice.
    ///
    /// ```no_run
    /// # use erp::{CurrencyCode, Erp, Gateway, Money, Payment, PaymentDirection};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// erp.post_payment(&Payment {
    ///     external_ref: "paytrace/txn/123".into(),
    ///     invoice_ref: "shopify/shop1/order/42/invoice".into(),
    ///     direction: PaymentDirection::Received,
    ///     gateway: Gateway::new("paytrace")?,
    ///     transaction_id: "123".into(),
    ///     amount: Money::new(500, usd),
    ///     fee: Some(Money::new(45, usd)),
    ///     date,
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn post_payment(&self, payment: &Payment) -> Result<Recorded, Error>;

    /// Creates and posts a credit memo against a posted invoice.
    ///
    /// ```no_run
    /// # use erp::{CreditMemo, CurrencyCode, Erp, Money};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// erp.create_credit_memo(&CreditMemo {
    ///     external_ref: "shopify/shop1/refund/9".into(),
    ///     invoice_ref: "shopify/shop1/order/42/invoice".into(),
    ///     date,
    ///     amount: Money::new(500, CurrencyCode::new("USD")?),
    ///     reason: "Shipping refunded".into(),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn create_credit_memo(&self, memo: &CreditMemo) -> Result<Recorded, Error>;

    /// Posts a balanced journal entry; an unbalanced one is [`Error::Unbalanced`].
    ///
    /// ```no_run
    /// # use erp::{Account, CurrencyCode, Erp, Gateway, JournalEntry, JournalLine, Money, Side};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let payout = Money::new(10_050, CurrencyCode::new("USD")?);
    /// let line = |account, side| JournalLine { account, side, amount: payout, label: None };
    /// erp.post_journal_entry(&JournalEntry {
    ///     external_ref: "stripe/payout/po_1".into(),
    ///     date,
    ///     memo: "Stripe payout".into(),
    ///     lines: vec![
    ///         line(Account::Bank, Side::Debit),
    ///         line(Account::Clearing(Gateway::new("stripe")?), Side::Credit),
    ///     ],
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn post_journal_entry(&self, entry: &JournalEntry) -> Result<Recorded, Error>;

    /// Records a dispute or chargeback stage and posts its money movement.
    ///
    /// ```no_run
    /// # use erp::{CurrencyCode, Dispute, DisputeStage, Erp, Gateway, Money};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// erp.record_dispute(&Dispute {
    ///     external_ref: "stripe/dispute/dp_1/opened".into(),
    ///     payment_ref: Some("stripe/charge/ch_1".into()),
    ///     gateway: Gateway::new("stripe")?,
    ///     dispute_id: "dp_1".into(),
    ///     stage: DisputeStage::Opened,
    ///     amount: Money::new(500, usd),
    ///     fee: Some(Money::new(1500, usd)),
    ///     reason: "fraudulent".into(),
    ///     date,
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn record_dispute(&self, dispute: &Dispute) -> Result<Recorded, Error>;

    /// Finds any document by its external reference.
    ///
    /// ```no_run
    /// # async fn run(erp: &dyn erp::Erp) -> Result<(), erp::Error> {
    /// if let Some(doc) = erp.find_by_external_ref("paytrace/txn/123").await? {
    ///     println!("{:?} {}", doc.kind, doc.id);
    /// }
    /// # Ok(()) }
    /// ```
    async fn find_by_external_ref(&self, external_ref: &str) -> Result<Option<DocumentRef>, Error>;

    /// Lists posted invoices with an amount still open.
    ///
    /// ```no_run
    /// # async fn run(erp: &dyn erp::Erp) -> Result<(), erp::Error> {
    /// for r in erp.open_receivables().await? {
    ///     println!("{}: {} of {} due {}", r.customer_ref, r.open, r.total, r.due_date);
    /// }
    /// # Ok(()) }
    /// ```
    async fn open_receivables(&self) -> Result<Vec<OpenReceivable>, Error>;

    /// The payments and refunds of `gateway` dated from `from` to `to` (both included), in date
    /// then recording order: the ledger's side of a settlement reconciliation (refunds negative).
    /// [`crate::LocalLedger`] lists each dispute's withdrawal too ([`crate::DisputeStage::Opened`]
    /// records, direction [`crate::PaymentDirection::Withdrawn`], the gateway's dispute id as
    /// transaction id, negative), so a settlement's chargeback line pairs it.
    ///
    /// [`crate::LocalLedger`] and [`crate::odoo::OdooErp`] give them; the default answers
    /// [`Error::Unsupported`]. Odoo keeps the transaction id of refunds only (in
    /// `payment_reference`; its payment wizard has no such field), so there received payments
    /// come without one and a reconciliation pairs them by invoice reference, amount and
    /// currency. Odoo's dispute records are journal entries, not payments, so its list has no
    /// withdrawals: with Odoo a settlement's chargeback lines are reported missing from the books.
    ///
    /// ```no_run
    /// # async fn run(erp: &dyn erp::Erp) -> Result<(), erp::Error> {
    /// let paytrace = erp::Gateway::new("paytrace")?;
    /// let day = time::macros::date!(2026 - 12 - 01);
    /// for entry in erp.payment_entries(&paytrace, day, day).await? {
    ///     println!("{} {} {}", entry.external_ref, entry.transaction_id, entry.amount);
    /// }
    /// # Ok(()) }
    /// ```
    async fn payment_entries(
        &self,
        gateway: &Gateway,
        from: Date,
        to: Date,
    ) -> Result<Vec<PaymentEntry>, Error> {
        let _ = (gateway, from, to);
        Err(Error::Unsupported {
            what: "payment entries",
            why: "this backend does not list its payments by gateway",
        })
    }

    /// Creates the recurring contract (a subscription), or updates the existing one in place
    /// (items, status, periods, end); a status that changes is added to its history. The
    /// customer must exist.
    ///
    /// [`crate::LocalLedger`] keeps contracts ([`crate::LocalLedger::contract`] reads them);
    /// [`crate::odoo::OdooErp`] keeps them as analytic accounts (Community has no subscription
    /// model; see [`crate::odoo`]); the default answers [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{BillingInterval, Contract, ContractItem, ContractStatus, CurrencyCode, Erp, Money};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// erp.upsert_contract(&Contract {
    ///     external_ref: "stripe/subscription/sub_1".into(),
    ///     customer_ref: "stripe/customer/cus_1".into(),
    ///     currency: usd,
    ///     items: vec![ContractItem {
    ///         product: "price_pro".into(),
    ///         description: "Pro plan".into(),
    ///         quantity: 1,
    ///         unit_price: Money::new(2_000, usd),
    ///         interval: BillingInterval::Month,
    ///         interval_count: 1,
    ///     }],
    ///     status: ContractStatus::Active,
    ///     start_date: date,
    ///     current_period: None,
    ///     cancel_at_period_end: false,
    ///     ended_on: None,
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn upsert_contract(&self, contract: &Contract) -> Result<Recorded, Error> {
        let _ = contract;
        Err(Error::Unsupported {
            what: "recurring contracts",
            why: "this backend keeps no recurring contracts",
        })
    }

    /// Creates and posts an invoice of recurring billing: lines with a service period are
    /// deferred revenue, the others revenue (see [`BillingInvoice`]). It is an invoice like
    /// the others for [`Erp::post_payment`], [`Erp::create_credit_memo`] and
    /// [`Erp::open_receivables`]. [`crate::LocalLedger`] and [`crate::odoo::OdooErp`] create
    /// them; the default answers [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{BillingInvoice, BillingLine, CurrencyCode, Erp, Money, ServicePeriod};
    /// # async fn run(erp: &dyn Erp) -> Result<(), erp::Error> {
    /// let usd = CurrencyCode::new("USD")?;
    /// let start = time::macros::date!(2026 - 11 - 01);
    /// erp.create_billing_invoice(&BillingInvoice {
    ///     external_ref: "stripe/invoice/in_1".into(),
    ///     customer_ref: "stripe/customer/cus_1".into(),
    ///     contract_ref: Some("stripe/subscription/sub_1".into()),
    ///     invoice_date: start,
    ///     due_date: start,
    ///     currency: usd,
    ///     lines: vec![BillingLine {
    ///         product: "price_pro".into(),
    ///         description: "Pro plan, November".into(),
    ///         quantity: 1,
    ///         unit_price: Money::new(2_000, usd),
    ///         discount: Money::zero(usd),
    ///         period: Some(ServicePeriod { start, end: time::macros::date!(2026 - 12 - 01) }),
    ///         proration: false,
    ///     }],
    ///     tax: Money::zero(usd),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn create_billing_invoice(&self, invoice: &BillingInvoice) -> Result<Recorded, Error> {
        let _ = invoice;
        Err(Error::Unsupported {
            what: "billing invoices",
            why: "this backend has no deferred revenue",
        })
    }

    /// Writes an invoice's open amount off as a bad debt (Dr bad debts, Cr receivables), once;
    /// an invoice with nothing open, or already written off or voided, is refused.
    /// [`crate::LocalLedger`] and [`crate::odoo::OdooErp`] (an `out_refund` on the bad debts
    /// account) do it; the default answers [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{Erp, WriteOff};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// erp.write_off(&WriteOff {
    ///     external_ref: "stripe/invoice/in_1/uncollectible".into(),
    ///     invoice_ref: "stripe/invoice/in_1".into(),
    ///     date,
    ///     reason: "marked uncollectible".into(),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn write_off(&self, write_off: &WriteOff) -> Result<Recorded, Error> {
        let _ = write_off;
        Err(Error::Unsupported {
            what: "write-offs",
            why: "this backend does not write invoices off",
        })
    }

    /// Reverses a write-off (Dr receivables, Cr bad debts, by the amount written off), once:
    /// the invoice is open again, for a payment that came after all or for its void. Refused
    /// when the write-off is reversed already (under another reference); a write-off that does
    /// not exist is [`Error::NotFound`]. [`crate::LocalLedger`] and [`crate::odoo::OdooErp`]
    /// (the write-off's `out_refund` cancelled) do it; the default answers
    /// [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{Erp, WriteOffReversal};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// erp.reverse_write_off(&WriteOffReversal {
    ///     external_ref: "stripe/invoice/in_1/uncollectible/reversed".into(),
    ///     write_off_ref: "stripe/invoice/in_1/uncollectible".into(),
    ///     date,
    ///     reason: "paid after all".into(),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn reverse_write_off(&self, reversal: &WriteOffReversal) -> Result<Recorded, Error> {
        let _ = reversal;
        Err(Error::Unsupported {
            what: "write-off reversals",
            why: "this backend does not write invoices off",
        })
    }

    /// Voids an unpaid invoice: reverses its posting entirely, revenue already recognised
    /// included, once. Refused when it has payments, credit memos or a write-off.
    /// [`crate::LocalLedger`] and [`crate::odoo::OdooErp`] (the invoice cancelled) do it; the
    /// default answers [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{Erp, InvoiceVoid};
    /// # async fn run(erp: &dyn Erp, date: time::Date) -> Result<(), erp::Error> {
    /// erp.void_invoice(&InvoiceVoid {
    ///     external_ref: "stripe/invoice/in_1/void".into(),
    ///     invoice_ref: "stripe/invoice/in_1".into(),
    ///     date,
    ///     reason: "voided".into(),
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    async fn void_invoice(&self, void: &InvoiceVoid) -> Result<Recorded, Error> {
        let _ = void;
        Err(Error::Unsupported {
            what: "invoice voids",
            why: "this backend does not void invoices",
        })
    }

    /// Recognises deferred revenue through the cutoff of `schedule` for `through`: for every
    /// deferred line of an invoice not voided, one entry (Dr deferred revenue, Cr revenue) for
    /// the days not yet recognised, of `floor(amount × days elapsed / days) − recognised so far`
    /// (see [`crate::ServicePeriod::earned_through`]), dated the cutoff. Idempotent: a second
    /// run, or one for an earlier day, posts nothing. Returns what it posted.
    ///
    /// [`crate::LocalLedger`] and [`crate::odoo::OdooErp`] (in plain journal entries of the
    /// same references, see [`crate::odoo`]) recognise; the default answers
    /// [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use erp::{Erp, RecognitionSchedule};
    /// # async fn run(erp: &dyn Erp) -> Result<(), erp::Error> {
    /// let day = time::macros::date!(2026 - 11 - 30);
    /// for r in erp.recognize_revenue(day, RecognitionSchedule::MonthEnd).await? {
    ///     println!("{} line {}: {}", r.invoice_ref, r.line_no, r.amount);
    /// }
    /// # Ok(()) }
    /// ```
    async fn recognize_revenue(
        &self,
        through: Date,
        schedule: RecognitionSchedule,
    ) -> Result<Vec<Recognition>, Error> {
        let _ = (through, schedule);
        Err(Error::Unsupported {
            what: "revenue recognition",
            why: "this backend has no deferred revenue",
        })
    }

    /// Records `documents` in order, each as its own method would, and returns what each
    /// recorded: a later document may refer to an earlier one (a sales order to its customer, a
    /// payment to its invoice). The default calls the methods one after the other and stops at
    /// the first error; [`crate::LocalLedger`] records them in one transaction, all or none, in
    /// one round trip to its thread.
    ///
    /// ```no_run
    /// # use erp::{Customer, Erp, NewDocument, SalesOrder};
    /// # async fn run(erp: &dyn Erp, customer: Customer, order: SalesOrder) -> Result<(), erp::Error> {
    /// let recorded = erp
    ///     .record_all(&[NewDocument::Customer(&customer), NewDocument::SalesOrder(&order)])
    ///     .await?;
    /// assert_eq!(recorded.len(), 2);
    /// # Ok(()) }
    /// ```
    async fn record_all(&self, documents: &[NewDocument<'_>]) -> Result<Vec<Recorded>, Error> {
        let mut recorded = Vec::with_capacity(documents.len());
        for document in documents {
            recorded.push(match *document {
                NewDocument::Customer(c) => self.upsert_customer(c).await?,
                NewDocument::SalesOrder(o) => self.create_sales_order(o).await?,
                NewDocument::Invoice(i) => self.create_invoice(i).await?,
                NewDocument::Payment(p) => self.post_payment(p).await?,
                NewDocument::CreditMemo(m) => self.create_credit_memo(m).await?,
                NewDocument::JournalEntry(e) => self.post_journal_entry(e).await?,
            });
        }
        Ok(recorded)
    }
}

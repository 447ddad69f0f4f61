//! The ledger's conformance suite: every test body here runs on SQLite (`ledger::sqlite::*`,
//! an in-memory ledger) and on PostgreSQL (`ledger::postgres::*`, a fresh database of the shared
//! `pg_testkit` cluster each; no PostgreSQL is a failure, not a skip). Tests of the SQLite file
//! (`ledger::sqlite_file::*`) and of several processes sharing one PostgreSQL database
//! (`ledger::postgres_shared::*`) follow.

use erp::{
    Account, AccountKind, CreditMemo, Dispute, DisputeStage, DocumentKind, Erp, Error, Gateway,
    JournalEntry, JournalLine, LineItem, LocalLedger, Money, PaymentDirection, SalesOrder, Side,
};

use super::{customer, day, invoice, payment, usd};

/// Which backend a test body runs on; each call of [`Backend::ledger`] is a new, empty ledger.
#[derive(Clone, Copy)]
pub(crate) enum Backend {
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

impl Backend {
    pub(crate) async fn ledger(self) -> LocalLedger {
        match self {
            Self::Sqlite => LocalLedger::open_in_memory().unwrap(),
            #[cfg(feature = "postgres")]
            Self::Postgres => LocalLedger::connect(&pg_database().await).await.unwrap(),
        }
    }
}

/// A fresh database of the shared cluster (started on first use, off the async threads).
#[cfg(feature = "postgres")]
pub(crate) async fn pg_database() -> String {
    tokio::task::spawn_blocking(|| pg_testkit::shared().fresh_database().unwrap())
        .await
        .unwrap()
}

async fn ledger_with_invoice(b: Backend) -> LocalLedger {
    let l = b.ledger().await;
    l.upsert_customer(&customer("c1")).await.unwrap();
    l.create_invoice(&invoice("inv1", "c1")).await.unwrap();
    l
}

fn balance(tb: &[erp::ledger::TrialBalanceLine], code: &str) -> i64 {
    tb.iter().find(|l| l.code == code).map_or(0, |l| l.balance)
}

fn jl(account: Account, side: Side, minor: i64) -> JournalLine {
    JournalLine {
        account,
        side,
        amount: Money::new(minor, usd()),
        label: Some("line".into()),
    }
}

async fn invoice_and_payment_post_balanced_journals(b: Backend) {
    let l = ledger_with_invoice(b).await;
    l.post_payment(&payment("p1", "inv1", 3740, 139))
        .await
        .unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1100"), 0);
    assert_eq!(balance(&tb, "4000"), -3000);
    assert_eq!(balance(&tb, "2200"), -240);
    assert_eq!(balance(&tb, "4100"), -500);
    assert_eq!(balance(&tb, "1200-stripe"), 3740 - 139);
    assert_eq!(balance(&tb, "6100"), 139);
    assert_eq!(tb.iter().map(|l| l.balance).sum::<i64>(), 0);
    assert!(l.open_receivables().await.unwrap().is_empty());
    l.verify_journals().await.unwrap();
}

async fn every_create_is_idempotent_by_external_ref(b: Backend) {
    let l = ledger_with_invoice(b).await;
    let order = SalesOrder {
        external_ref: "so1".into(),
        customer_ref: "c1".into(),
        order_date: day(1),
        currency: usd(),
        lines: vec![LineItem {
            sku: "TEE-1".into(),
            description: "T-shirt".into(),
            quantity: 1,
            unit_price: Money::new(100, usd()),
        }],
        tax: Money::zero(usd()),
        shipping: Money::zero(usd()),
    };
    let memo = CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(500, usd()),
        reason: "damaged".into(),
    };
    let entry = JournalEntry {
        external_ref: "je1".into(),
        date: day(4),
        memo: "payout".into(),
        lines: vec![
            jl(Account::Bank, Side::Debit, 1000),
            jl(
                Account::Clearing(Gateway::new("stripe").unwrap()),
                Side::Credit,
                1000,
            ),
        ],
    };
    let dispute = Dispute {
        external_ref: "dp1".into(),
        payment_ref: Some("p1".into()),
        gateway: Gateway::new("stripe").unwrap(),
        dispute_id: "dp_1".into(),
        stage: DisputeStage::Opened,
        amount: Money::new(1000, usd()),
        fee: Some(Money::new(1500, usd())),
        reason: "fraudulent".into(),
        date: day(5),
    };
    macro_rules! twice {
        ($call:expr, $kind:expr) => {{
            let first = $call.await.unwrap();
            let tb = l.trial_balance().await.unwrap();
            let second = $call.await.unwrap();
            assert!(first.created, "first call creates");
            assert!(!second.created, "second call returns the existing document");
            assert_eq!(first.document, second.document);
            assert_eq!(first.document.kind, $kind);
            assert_eq!(tb, l.trial_balance().await.unwrap(), "replay posts nothing");
            let found = l
                .find_by_external_ref(&first.document.external_ref)
                .await
                .unwrap();
            assert_eq!(found, Some(first.document));
        }};
    }
    twice!(l.upsert_customer(&customer("c2")), DocumentKind::Customer);
    twice!(l.create_sales_order(&order), DocumentKind::SalesOrder);
    twice!(
        l.create_invoice(&invoice("inv2", "c1")),
        DocumentKind::Invoice
    );
    twice!(
        l.post_payment(&payment("p1", "inv1", 1000, 0)),
        DocumentKind::Payment
    );
    twice!(l.create_credit_memo(&memo), DocumentKind::CreditMemo);
    twice!(l.post_journal_entry(&entry), DocumentKind::JournalEntry);
    twice!(l.record_dispute(&dispute), DocumentKind::Dispute);
    assert_eq!(l.find_by_external_ref("nope").await.unwrap(), None);
}

async fn unbalanced_entry_is_rejected_and_nothing_is_written(b: Backend) {
    let l = b.ledger().await;
    let entry = JournalEntry {
        external_ref: "je-bad".into(),
        date: day(4),
        memo: "oops".into(),
        lines: vec![
            jl(Account::Bank, Side::Debit, 1000),
            jl(Account::Revenue, Side::Credit, 999),
        ],
    };
    let err = l.post_journal_entry(&entry).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unbalanced {
                debits: 1000,
                credits: 999,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(l.find_by_external_ref("je-bad").await.unwrap(), None);
    assert!(l.trial_balance().await.unwrap().is_empty());
}

async fn other_accounts_must_be_in_the_chart(b: Backend) {
    let l = b.ledger().await;
    let entry = JournalEntry {
        external_ref: "je-x".into(),
        date: day(4),
        memo: "rent".into(),
        lines: vec![
            jl(Account::Other("6500".into()), Side::Debit, 1000),
            jl(Account::Bank, Side::Credit, 1000),
        ],
    };
    let err = l.post_journal_entry(&entry).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "account",
                ..
            }
        ),
        "{err:?}"
    );
    l.add_account("6500", "Rent", AccountKind::Expense)
        .await
        .unwrap();
    assert!(l.post_journal_entry(&entry).await.unwrap().created);
}

async fn rules_of_the_ledger_are_typed_errors(b: Backend) {
    let l = ledger_with_invoice(b).await;
    let err = l
        .post_payment(&payment("p-over", "inv1", 3741, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDocument(_)), "{err:?}");
    let err = l
        .post_payment(&payment("p-x", "missing", 1, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "invoice",
                ..
            }
        ),
        "{err:?}"
    );
    let err = l
        .create_invoice(&invoice("inv-x", "nobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: "customer",
                ..
            }
        ),
        "{err:?}"
    );
    // The reference of an invoice cannot be reused for a payment.
    let err = l
        .post_payment(&payment("inv1", "inv1", 1, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReferenceConflict {
                existing: DocumentKind::Invoice,
                ..
            }
        ),
        "{err:?}"
    );
    let mut eur = payment("p-eur", "inv1", 100, 0);
    eur.amount = Money::new(100, erp::CurrencyCode::new("EUR").unwrap());
    eur.fee = None;
    assert!(matches!(
        l.post_payment(&eur).await.unwrap_err(),
        Error::CurrencyMismatch { .. }
    ));
    let mut refund = payment("r1", "inv1", 100, 0);
    refund.direction = PaymentDirection::Refunded;
    assert!(matches!(
        l.post_payment(&refund).await.unwrap_err(),
        Error::InvalidDocument(_)
    ));
    l.verify_journals().await.unwrap();
}

async fn refund_flow_credit_memo_then_refund_payment(b: Backend) {
    let l = ledger_with_invoice(b).await;
    l.post_payment(&payment("p1", "inv1", 3740, 0))
        .await
        .unwrap();
    let memo = CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(1500, usd()),
        reason: "returned one".into(),
    };
    l.create_credit_memo(&memo).await.unwrap();
    let mut refund = payment("r1", "inv1", 1500, 0);
    refund.direction = PaymentDirection::Refunded;
    l.post_payment(&refund).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1100"), 0);
    assert_eq!(balance(&tb, "4900"), 1500);
    assert_eq!(balance(&tb, "1200-stripe"), 3740 - 1500);
    let check = l.receivables_check().await.unwrap();
    assert_eq!(check.len(), 1);
    assert!(check[0].is_consistent());
    assert_eq!(
        (
            check[0].invoiced,
            check[0].credited,
            check[0].received,
            check[0].refunded
        ),
        (3740, 1500, 3740, 1500)
    );
    // Nothing left to credit beyond the invoice total.
    let mut too_much = memo.clone();
    too_much.external_ref = "cm2".into();
    too_much.amount = Money::new(2241, usd());
    assert!(matches!(
        l.create_credit_memo(&too_much).await.unwrap_err(),
        Error::InvalidDocument(_)
    ));
}

/// The ledger's side of a settlement: a gateway's payments and refunds in a date range, refunds
/// negative, in date then recording order.
async fn payment_entries_list_a_gateways_payments_and_refunds_by_date(b: Backend) {
    let l = ledger_with_invoice(b).await;
    let mut late = payment("p2", "inv1", 40, 0);
    late.date = day(5);
    l.post_payment(&late).await.unwrap();
    l.post_payment(&payment("p1", "inv1", 3600, 87))
        .await
        .unwrap();
    let mut elsewhere = payment("p3", "inv1", 100, 0);
    elsewhere.gateway = Gateway::new("paytrace").unwrap();
    l.post_payment(&elsewhere).await.unwrap();
    // The invoice (37.40) is paid in full; a refund is paid against a credit memo. is paid against a credit memo.
    let memo = CreditMemo {
        external_ref: "cm1".into(),
        invoice_ref: "inv1".into(),
        date: day(3),
        amount: Money::new(500, usd()),
        reason: "returned".into(),
    };
    l.create_credit_memo(&memo).await.unwrap();
    let mut refund = payment("r1", "inv1", 500, 0);
    refund.direction = PaymentDirection::Refunded;
    refund.date = day(3);
    l.post_payment(&refund).await.unwrap();

    let stripe = Gateway::new("stripe").unwrap();
    let entries = l.payment_entries(&stripe, day(1), day(4)).await.unwrap();
    let seen: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.external_ref.as_str(),
                e.transaction_id.as_str(),
                e.invoice_ref.as_str(),
                e.direction,
                e.amount.minor,
                e.fee.minor,
                e.date,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "p1",
                "txn-p1",
                "inv1",
                PaymentDirection::Received,
                3600,
                87,
                day(2)
            ),
            (
                "r1",
                "txn-r1",
                "inv1",
                PaymentDirection::Refunded,
                -500,
                0,
                day(3)
            ),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.gateway == stripe && e.amount.currency == usd())
    );
    // Both ends of the range are included.
    let last = l.payment_entries(&stripe, day(5), day(5)).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].external_ref, "p2");
    let paytrace = Gateway::new("paytrace").unwrap();
    assert_eq!(
        l.payment_entries(&paytrace, day(1), day(30))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn disputes_move_money_between_clearing_and_chargebacks(b: Backend) {
    let l = ledger_with_invoice(b).await;
    l.post_payment(&payment("p1", "inv1", 3740, 0))
        .await
        .unwrap();
    let stripe = Gateway::new("stripe").unwrap();
    let mut d = Dispute {
        external_ref: "dp1/opened".into(),
        payment_ref: Some("p1".into()),
        gateway: stripe.clone(),
        dispute_id: "dp_1".into(),
        stage: DisputeStage::Won,
        amount: Money::new(3740, usd()),
        fee: Some(Money::new(1500, usd())),
        reason: "fraudulent".into(),
        date: day(5),
    };
    // A close before the withdrawal is refused, naming the dispute.
    let early = l.record_dispute(&d).await.unwrap_err();
    assert!(early.to_string().contains("dp_1"), "{early}");
    d.stage = DisputeStage::Opened;
    l.record_dispute(&d).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    // Withdrawn: the amount held in disputed funds, the fee spent, both out of clearing.
    assert_eq!(balance(&tb, "1300"), 3740);
    assert_eq!(balance(&tb, "6200"), 1500);
    assert_eq!(balance(&tb, "1200-stripe"), -1500);
    // The withdrawal is an entry settlement reconciliation pairs by the dispute id.
    let entries = l.payment_entries(&stripe, day(5), day(5)).await.unwrap();
    let withdrawn: Vec<_> = entries
        .iter()
        .filter(|e| e.direction == erp::PaymentDirection::Withdrawn)
        .map(|e| {
            (
                e.transaction_id.as_str(),
                e.invoice_ref.as_str(),
                e.amount.minor,
                e.fee.minor,
            )
        })
        .collect();
    assert_eq!(withdrawn, [("dp_1", "inv1", -3740, 1500)]);

    // Won, the fee given back: everything as before the dispute.
    d.external_ref = "dp1/won".into();
    d.stage = DisputeStage::Won;
    l.record_dispute(&d).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1300"), 0);
    assert_eq!(balance(&tb, "6200"), 0);
    assert_eq!(balance(&tb, "1200-stripe"), 3740);

    // Lost: the held amount written off; the fee stays spent.
    let mut lost = d.clone();
    lost.dispute_id = "dp_2".into();
    lost.amount = Money::new(1000, usd());
    lost.external_ref = "dp2/opened".into();
    lost.stage = DisputeStage::Opened;
    l.record_dispute(&lost).await.unwrap();
    lost.external_ref = "dp2/lost".into();
    lost.stage = DisputeStage::Lost;
    let with_fee = l.record_dispute(&lost).await.unwrap_err();
    assert!(with_fee.to_string().contains("fee"), "{with_fee}");
    lost.fee = None;
    l.record_dispute(&lost).await.unwrap();
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1300"), 0);
    assert_eq!(balance(&tb, "6200"), 2500);
    assert_eq!(balance(&tb, "1200-stripe"), 3740 - 2500);
    // Recorded again: nothing moves.
    l.record_dispute(&lost).await.unwrap();
    assert_eq!(tb, l.trial_balance().await.unwrap());
}

async fn aged_receivables_buckets_by_days_past_due(b: Backend) {
    let l = ledger_with_invoice(b).await;
    let mut old = invoice("inv-old", "c1");
    old.due_date = time::macros::date!(2026 - 07 - 01);
    l.create_invoice(&old).await.unwrap();
    l.post_payment(&payment("p1", "inv1", 1000, 0))
        .await
        .unwrap();
    let open = l.open_receivables().await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].invoice.external_ref, "inv-old");
    assert_eq!(open[1].open, Money::new(2740, usd()));
    let aged = l.aged_receivables(day(20)).await.unwrap();
    assert_eq!(aged.len(), 1);
    let row = &aged[0];
    assert_eq!(
        (row.current, row.days_1_30, row.over_90, row.total),
        (0, 2740, 3740, 6480)
    );
    let aged = l.aged_receivables(day(10)).await.unwrap();
    assert_eq!(aged[0].current, 2740);
}

async fn customer_upsert_updates_and_merges_vault_ids(b: Backend) {
    let l = b.ledger().await;
    let first = l.upsert_customer(&customer("c1")).await.unwrap();
    let mut c = customer("c1");
    c.name = "Ada King".into();
    c.vault_ids[0].vault_id = "cust-78".into();
    c.vault_ids.push(erp::VaultId {
        gateway: Gateway::new("stripe").unwrap(),
        vault_id: "cus_9".into(),
    });
    let second = l.upsert_customer(&c).await.unwrap();
    assert_eq!(first.document, second.document);
    assert!(!second.created);
    // An upsert without the Stripe id keeps it: vault ids merge per gateway.
    let mut again = customer("c1");
    again.name = "Ada King".into();
    again.vault_ids[0].vault_id = "cust-78".into();
    l.upsert_customer(&again).await.unwrap();
    assert_eq!(l.customer("c1").await.unwrap(), Some(c));
    assert_eq!(l.customer("nobody").await.unwrap(), None);
}

/// An `Erp` that only forwards the single-document methods, so `record_all` is the trait's
/// default: one call after the other.
struct OneByOne(LocalLedger);

#[async_trait::async_trait]
impl Erp for OneByOne {
    async fn upsert_customer(&self, c: &erp::Customer) -> Result<erp::Recorded, Error> {
        self.0.upsert_customer(c).await
    }
    async fn create_sales_order(&self, o: &SalesOrder) -> Result<erp::Recorded, Error> {
        self.0.create_sales_order(o).await
    }
    async fn create_invoice(&self, i: &erp::Invoice) -> Result<erp::Recorded, Error> {
        self.0.create_invoice(i).await
    }
    async fn post_payment(&self, p: &erp::Payment) -> Result<erp::Recorded, Error> {
        self.0.post_payment(p).await
    }
    async fn create_credit_memo(&self, m: &CreditMemo) -> Result<erp::Recorded, Error> {
        self.0.create_credit_memo(m).await
    }
    async fn post_journal_entry(&self, e: &JournalEntry) -> Result<erp::Recorded, Error> {
        self.0.post_journal_entry(e).await
    }
    async fn record_dispute(&self, d: &Dispute) -> Result<erp::Recorded, Error> {
        self.0.record_dispute(d).await
    }
    async fn find_by_external_ref(&self, r: &str) -> Result<Option<erp::DocumentRef>, Error> {
        self.0.find_by_external_ref(r).await
    }
    async fn open_receivables(&self) -> Result<Vec<erp::OpenReceivable>, Error> {
        self.0.open_receivables().await
    }
}

async fn documents_recorded_together_refer_to_each_other_and_are_all_or_none(b: Backend) {
    use erp::NewDocument;
    let ledger = b.ledger().await;
    let (c, i, p) = (
        customer("c1"),
        invoice("inv1", "c1"),
        payment("p1", "inv1", 3740, 139),
    );
    // The invoice refers to the customer and the payment to the invoice, all in one call.
    let recorded = ledger
        .record_all(&[
            NewDocument::Customer(&c),
            NewDocument::Invoice(&i),
            NewDocument::Payment(&p),
        ])
        .await
        .unwrap();
    let kinds: Vec<_> = recorded
        .iter()
        .map(|r| (r.document.kind, r.created))
        .collect();
    assert_eq!(
        kinds,
        [
            (DocumentKind::Customer, true),
            (DocumentKind::Invoice, true),
            (DocumentKind::Payment, true)
        ]
    );
    assert!(ledger.open_receivables().await.unwrap().is_empty());
    // Again: the same documents, none created.
    let again = ledger
        .record_all(&[
            NewDocument::Customer(&c),
            NewDocument::Invoice(&i),
            NewDocument::Payment(&p),
        ])
        .await
        .unwrap();
    assert!(again.iter().all(|r| !r.created));
    assert_eq!(
        again.iter().map(|r| r.document.clone()).collect::<Vec<_>>(),
        recorded
            .iter()
            .map(|r| r.document.clone())
            .collect::<Vec<_>>()
    );

    // A payment of an invoice that does not exist fails the call, and the customer recorded
    // before it in the same call is undone.
    let names_the_missing_invoice = |result: &Result<Vec<erp::Recorded>, Error>| {
        matches!(
            result,
            Err(Error::NotFound { kind: "invoice", reference }) if reference == "inv-none"
        )
    };
    let orphan = payment("p2", "inv-none", 100, 0);
    let c2 = customer("c2");
    let failed = ledger
        .record_all(&[NewDocument::Customer(&c2), NewDocument::Payment(&orphan)])
        .await;
    assert!(names_the_missing_invoice(&failed), "{failed:?}");
    assert!(ledger.find_by_external_ref("c2").await.unwrap().is_none());

    // The trait's default, one document after the other, stops at the first error: what came
    // before it stays recorded, what comes after it is never sent.
    let one_by_one = OneByOne(b.ledger().await);
    let c3 = customer("c3");
    let failed = one_by_one
        .record_all(&[
            NewDocument::Customer(&c2),
            NewDocument::Payment(&orphan),
            NewDocument::Customer(&c3),
        ])
        .await;
    assert!(names_the_missing_invoice(&failed), "{failed:?}");
    assert!(
        one_by_one
            .find_by_external_ref("c2")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        one_by_one
            .find_by_external_ref("c3")
            .await
            .unwrap()
            .is_none()
    );
    let both = one_by_one
        .record_all(&[
            NewDocument::Invoice(&invoice("inv2", "c2")),
            NewDocument::Payment(&payment("p3", "inv2", 3740, 0)),
        ])
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
}

/// Eight tasks each write the same ten invoices and payments through `a` and `b` (handles of
/// one ledger), and one invoice of their own: each document exists once and the books balance.
async fn concurrent_writers_lose_and_duplicate_nothing(a: LocalLedger, b: LocalLedger) {
    a.upsert_customer(&customer("c1")).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let l = if t % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for i in 0..10 {
                // Every task writes the same 10 invoices and payments: each must exist once.
                let r = l
                    .create_invoice(&invoice(&format!("inv{i}"), "c1"))
                    .await
                    .unwrap();
                created += usize::from(r.created);
                let r = l
                    .post_payment(&payment(&format!("p{i}"), &format!("inv{i}"), 1000, 30))
                    .await
                    .unwrap();
                created += usize::from(r.created);
                // And one invoice of its own.
                if i == 0 {
                    let r = l
                        .create_invoice(&invoice(&format!("own{t}"), "c1"))
                        .await
                        .unwrap();
                    created += usize::from(r.created);
                }
            }
            created
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += t.await.unwrap();
    }
    assert_eq!(created, 10 + 10 + 8);
    let check = b.receivables_check().await.unwrap();
    assert_eq!(check[0].invoiced, 18 * 3740);
    assert_eq!(check[0].received, 10 * 1000);
    assert!(check[0].is_consistent());
    a.verify_journals().await.unwrap();
}

/// Eight writers of one invoice, then of one payment of it, at once: one document each, the
/// other seven answer with it (`created: false`), and the books balance.
async fn eight_concurrent_writers_of_one_document_record_it_once(b: Backend) {
    let l = b.ledger().await;
    l.upsert_customer(&customer("c1")).await.unwrap();
    async fn eight<F, Fut>(l: &LocalLedger, write: F) -> Vec<erp::Recorded>
    where
        F: Fn(LocalLedger) -> Fut,
        Fut: std::future::Future<Output = Result<erp::Recorded, Error>> + Send + 'static,
    {
        let tasks: Vec<_> = (0..8).map(|_| tokio::spawn(write(l.clone()))).collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    }
    for recorded in [
        eight(&l, |l| async move {
            l.create_invoice(&invoice("inv1", "c1")).await
        })
        .await,
        eight(&l, |l| async move {
            l.post_payment(&payment("p1", "inv1", 3740, 139)).await
        })
        .await,
    ] {
        assert_eq!(recorded.iter().filter(|r| r.created).count(), 1);
        assert!(recorded.iter().all(|r| r.document == recorded[0].document));
    }
    let check = l.receivables_check().await.unwrap();
    assert_eq!((check[0].invoiced, check[0].received), (3740, 3740));
    assert!(check[0].is_consistent());
    let tb = l.trial_balance().await.unwrap();
    assert_eq!(balance(&tb, "1200-stripe"), 3740 - 139);
    assert_eq!(tb.iter().map(|l| l.balance).sum::<i64>(), 0);
    l.verify_journals().await.unwrap();
}

on_each_backend!(
    invoice_and_payment_post_balanced_journals,
    every_create_is_idempotent_by_external_ref,
    unbalanced_entry_is_rejected_and_nothing_is_written,
    other_accounts_must_be_in_the_chart,
    rules_of_the_ledger_are_typed_errors,
    refund_flow_credit_memo_then_refund_payment,
    payment_entries_list_a_gateways_payments_and_refunds_by_date,
    disputes_move_money_between_clearing_and_chargebacks,
    aged_receivables_buckets_by_days_past_due,
    customer_upsert_updates_and_merges_vault_ids,
    documents_recorded_together_refer_to_each_other_and_are_all_or_none,
    eight_concurrent_writers_of_one_document_record_it_once,
);

/// Several processes sharing one PostgreSQL ledger (each `connect` is a pool of its own, as a
/// process would have).
#[cfg(feature = "postgres")]
mod postgres_shared {
    use super::*;

    /// TLS settings the ledger cannot use fail `connect` with their own error, before any
    /// connection is tried (nothing listens on port 1).
    #[tokio::test]
    async fn tls_settings_that_cannot_be_used_are_refused_with_a_typed_error() {
        let err = LocalLedger::connect("postgres://u@127.0.0.1:1/x?sslrootcert=/no/such/ca.pem")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::DatabaseTls(tls) if tls.reason.contains("sslmode")),
            "{err}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_from_two_pools_lose_and_duplicate_nothing() {
        let url = pg_database().await;
        let a = LocalLedger::connect(&url).await.unwrap();
        let b = LocalLedger::connect_with(&url, 4).await.unwrap();
        concurrent_writers_lose_and_duplicate_nothing(a, b).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn four_processes_connecting_at_once_migrate_the_schema_once() {
        let url = pg_database().await;
        let connects: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { LocalLedger::connect(&url).await })
            })
            .collect();
        let mut ledgers = Vec::new();
        for connect in connects {
            ledgers.push(connect.await.unwrap().unwrap());
        }
        ledgers[0].upsert_customer(&customer("c1")).await.unwrap();
        ledgers[1]
            .create_invoice(&invoice("inv1", "c1"))
            .await
            .unwrap();
        assert_eq!(ledgers[3].open_receivables().await.unwrap().len(), 1);
        let check = url.clone();
        let found = tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(
                    &check,
                    "SELECT (SELECT COUNT(*) || '|' || MAX(version) FROM ledger_schema_version)
                         || '|' || (SELECT COUNT(*) FROM accounts)",
                )
                .unwrap()
        })
        .await
        .unwrap();
        // One version row, at the newest version; the chart's 11 accounts once each.
        assert_eq!(found.trim(), "1|2|11");
        // And a later start finds the work done.
        drop(LocalLedger::connect(&url).await.unwrap());
    }

    /// Two payments of the whole invoice from two processes at once: the invoice's lock makes
    /// the second see the first, so one is recorded and the other refused as an overpayment.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_processes_cannot_together_overpay_an_invoice() {
        let url = pg_database().await;
        let a = LocalLedger::connect(&url).await.unwrap();
        let b = LocalLedger::connect(&url).await.unwrap();
        a.upsert_customer(&customer("c1")).await.unwrap();
        for round in 0..5 {
            let inv = format!("inv-{round}");
            a.create_invoice(&invoice(&inv, "c1")).await.unwrap();
            let (pa, pb) = (
                payment(&format!("pa-{round}"), &inv, 3740, 0),
                payment(&format!("pb-{round}"), &inv, 3740, 0),
            );
            let (ra, rb) = tokio::join!(a.post_payment(&pa), b.post_payment(&pb));
            let refused = [&ra, &rb]
                .iter()
                .filter(|r| matches!(r, Err(Error::InvalidDocument(_))))
                .count();
            assert_eq!((ra.is_ok() as usize + rb.is_ok() as usize, refused), (1, 1));
        }
        let check = b.receivables_check().await.unwrap();
        assert_eq!(check[0].received, 5 * 3740);
        assert!(check[0].is_consistent());
        a.verify_journals().await.unwrap();
    }

    /// A database migrated by a newer version of the library is refused, not written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_schema_newer_than_the_library_is_refused() {
        let url = pg_database().await;
        drop(LocalLedger::connect(&url).await.unwrap());
        let newer = url.clone();
        tokio::task::spawn_blocking(move || {
            pg_testkit::shared()
                .psql(&newer, "UPDATE ledger_schema_version SET version = 99")
                .unwrap()
        })
        .await
        .unwrap();
        let err = LocalLedger::connect(&url).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::SchemaTooNew {
                    found: 99,
                    supported: 2
                }
            ),
            "{err:?}"
        );
    }

    /// No server at the address: a storage error from connect, never a hang or a panic.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreachable_server_is_a_storage_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = LocalLedger::connect(&format!("postgres://postgres@127.0.0.1:{port}/x"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Pool(_)), "{err:?}");
    }
}

/// The SQLite file: one process holds it, and files of older versions still load.
mod sqlite_file {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_on_one_file_lose_and_duplicate_nothing() {
        let dir = std::env::temp_dir().join(format!("erp-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("concurrent.sqlite3");
        let _ = std::fs::remove_file(&path);
        let a = LocalLedger::open(&path).await.unwrap();
        // Clones share the file's one connection: one process per file.
        concurrent_writers_lose_and_duplicate_nothing(a.clone(), a).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Restores a file's permissions (or immutable flag) when the test ends, pass or fail.
    struct Unwritable {
        path: std::path::PathBuf,
        immutable: bool,
    }

    impl Unwritable {
        /// `chattr +i` as root (whom permission bits do not stop), `chmod 0444` otherwise; panics
        /// if the file can still be opened for writing, so the test never passes on nothing.
        fn new(path: &std::path::Path) -> Self {
            let immutable = std::process::Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
            if immutable {
                let status = std::process::Command::new("chattr")
                    .arg("+i")
                    .arg(path)
                    .status();
                assert!(
                    status.as_ref().is_ok_and(|s| s.success()),
                    "running as root and `chattr +i` failed ({status:?}): needs a file system with \
                 the immutable attribute (ext4, xfs, btrfs), or a non-root user"
                );
            } else {
                let mut permissions = std::fs::metadata(path).unwrap().permissions();
                permissions.set_readonly(true);
                std::fs::set_permissions(path, permissions).unwrap();
            }
            let guard = Self {
                path: path.to_owned(),
                immutable,
            };
            assert!(
                std::fs::OpenOptions::new().write(true).open(path).is_err(),
                "could not make {} unwritable",
                path.display()
            );
            guard
        }
    }

    impl Drop for Unwritable {
        fn drop(&mut self) {
            if self.immutable {
                let _ = std::process::Command::new("chattr")
                    .arg("-i")
                    .arg(&self.path)
                    .status();
            } else if let Ok(metadata) = std::fs::metadata(&self.path) {
                let mut permissions = metadata.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                permissions.set_readonly(false);
                let _ = std::fs::set_permissions(&self.path, permissions);
            }
        }
    }

    #[tokio::test]
    async fn a_ledger_file_that_cannot_be_written_is_refused_with_its_path() {
        let dir = std::env::temp_dir().join(format!("erp-ledger-ro-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("books.sqlite3");
        let _ = std::fs::remove_file(&path);
        // A valid ledger, closed synchronously so that no thread still holds it.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE accounts (code TEXT PRIMARY KEY)")
            .unwrap();
        let guard = Unwritable::new(&path);
        let err = LocalLedger::open(&path).await.unwrap_err();
        drop(guard);
        match &err {
            erp::Error::LedgerFile {
                path: named,
                source,
            } => {
                assert_eq!(named, &path);
                assert!(
                    matches!(source, sqlite_batch::Error::ReadOnly { .. }),
                    "{source:?}"
                );
            }
            other => panic!("expected LedgerFile, got {other:?}"),
        }
        assert!(err.to_string().contains("cannot be written"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_second_open_of_the_same_ledger_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("erp-ledger-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("books.sqlite3");
        let _ = std::fs::remove_file(&path);
        let first = LocalLedger::open(&path).await.unwrap();
        first.upsert_customer(&customer("c1")).await.unwrap();
        let err = LocalLedger::open_with_busy_timeout(&path, std::time::Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, erp::Error::LedgerFile { path: named, source: sqlite_batch::Error::Locked { .. } } if named == &path),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("locked by another process"),
            "{err}"
        );
        // The first ledger goes on, and leaves no memory-mapped `-shm` file behind.
        first.upsert_customer(&customer("c2")).await.unwrap();
        let mut shm = path.clone().into_os_string();
        shm.push("-shm");
        assert!(!std::path::Path::new(&shm).exists());
        drop(first);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A ledger file written when the crate's dates were `chrono::NaiveDate` (see
    /// `tests/fixtures/README.md`) loads with `time` dates: the stored text is read, reported and
    /// written to as before.
    #[tokio::test]
    async fn a_ledger_written_with_chrono_dates_still_loads() {
        use time::macros::date;
        let dir = std::env::temp_dir().join(format!("erp-ledger-chrono-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("before-time.sqlite3");
        let _ = std::fs::remove_file(&path);
        let dump = include_str!("../fixtures/ledger_before_time.sql");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(dump)
            .unwrap();

        let l = LocalLedger::open(&path).await.unwrap();
        let open = l.open_receivables().await.unwrap();
        let dates: Vec<_> = open
            .iter()
            .map(|r| {
                (
                    r.invoice.external_ref.as_str(),
                    r.invoice_date,
                    r.due_date,
                    r.open.minor,
                )
            })
            .collect();
        assert_eq!(
            dates,
            [
                ("inv3", date!(0999 - 01 - 05), date!(0999 - 02 - 04), 700),
                ("inv2", date!(2026 - 06 - 01), date!(2026 - 07 - 01), 5000),
                ("inv1", date!(2026 - 11 - 01), date!(2026 - 11 - 15), 5000),
            ]
        );
        let aged = l.aged_receivables(date!(2026 - 11 - 30)).await.unwrap();
        assert_eq!(
            aged.iter()
                .map(|a| (a.customer_ref.as_str(), a.days_1_30, a.over_90, a.total))
                .collect::<Vec<_>>(),
            [("c1", 5000, 5000, 10000), ("c2", 0, 700, 700)]
        );
        l.verify_journals().await.unwrap();
        assert!(l.receivables_check().await.unwrap()[0].is_consistent());

        // New documents go next to the old ones, in the same text.
        l.post_payment(&payment("p2", "inv2", 5000, 0))
            .await
            .unwrap();
        drop(l);
        let conn = rusqlite::Connection::open(&path).unwrap();
        // The ledger's thread lets go of the file shortly after the drop.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let stored: Vec<String> = conn
            .prepare("SELECT date FROM payments ORDER BY doc_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored, ["2026-11-02", "2026-11-02"]);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_date_the_ledger_cannot_read_is_a_decode_error_naming_the_column() {
        let dir = std::env::temp_dir().join(format!("erp-ledger-baddate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad-date.sqlite3");
        let _ = std::fs::remove_file(&path);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../fixtures/ledger_before_time.sql"))
            .unwrap();
        conn.execute(
            "UPDATE invoices SET due_date = '2026-11-31' WHERE doc_id = 5",
            [],
        )
        .unwrap();
        drop(conn);
        let l = LocalLedger::open(&path).await.unwrap();
        let err = l.open_receivables().await.unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "ledger.invoices.due_date"),
            "{err:?}"
        );
        drop(l);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

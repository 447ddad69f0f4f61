//! Recurring billing on PostgreSQL: the writes and reads of `ledger/billing.rs`, kept apart
//! from concurrent writers as the other documents are: a reference is inserted
//! `ON CONFLICT DO NOTHING` (the loser answers with the winner's document), a write-off or void
//! locks its invoice's row before checking it (as payments do), recognition locks the rows of
//! the invoices it recognises before reading what is recognised already, and a contract's
//! upsert locks the contract's row before comparing its status.

use deadpool_postgres::Transaction;
use time::Date;
use tokio_postgres::types::ToSql;

use super::{Pg, exec, find_row, insert_document, invoice_state, one, post_journal, required};
use crate::error::Error;
use crate::ledger::billing::{
    self, ADD_CONTRACT_STATUS, CLOSING_STATE_SQL, CONTRACT_HISTORY_SQL, CONTRACT_ITEMS_SQL,
    CONTRACT_SQL, Closing, ClosingJournal, ClosingState, DELETE_CONTRACT_ITEMS,
    INSERT_BILLING_INVOICE, INSERT_BILLING_LINE, INSERT_CLOSURE, INSERT_CONTRACT,
    INSERT_CONTRACT_ITEM, INSERT_RECOGNITION, RECOGNITION_DUE_SQL, SCHEDULE_SQL,
    TAKE_WRITE_OFF_CLOSURE, UPDATE_CONTRACT, billing_journal, billing_line_rows, contract_columns,
    contract_item_rows, contract_of, schedule_end, void_journal, write_off_journal,
};
use crate::ledger::post::{InvoiceState, of_kind, recorded};
use crate::models::{
    Account, BillingInvoice, Contract, ContractRecord, DocumentId, DocumentKind, InvoiceVoid,
    Recognition, RecognitionSchedule, Recorded, RevenueScheduleLine, WriteOff, WriteOffReversal,
};

impl Pg {
    pub(in crate::ledger) async fn recognize_revenue(
        &self,
        through: Date,
        schedule: RecognitionSchedule,
    ) -> Result<Vec<Recognition>, Error> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let cutoff = crate::date::text(schedule.cutoff(through));
        // The invoices with deferred lines started by the cutoff, locked in one order (so two
        // runs wait for each other, not deadlock): a run waiting here reads, once the other
        // commits, what that one recognised.
        exec(
            &tx,
            "SELECT i.doc_id FROM invoices i
             WHERE EXISTS (SELECT 1 FROM billing_lines b WHERE b.doc_id = i.doc_id
                           AND b.period_start IS NOT NULL AND b.period_start <= $1)
             ORDER BY i.doc_id FOR UPDATE",
            &[&cutoff],
        )
        .await?;
        let statement = tx.prepare_cached(RECOGNITION_DUE_SQL).await?;
        let due = tx.query(&statement, &[&cutoff]).await?;
        let cutoff_day = schedule.cutoff(through);
        let mut out = Vec::new();
        for r in &due {
            let row = (
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
            );
            let Some(mut planned) = billing::DueLine::from_row(row)?.plan(cutoff_day) else {
                continue;
            };
            let rec = &planned.recognition;
            let kind = DocumentKind::Recognition;
            let id = match insert_document(&tx, &rec.document.external_ref, kind).await? {
                Ok(id) => id,
                // Under the locks above no other run writes this line's entry; kept safe anyway.
                Err(_) => continue,
            };
            let (first, last) = (
                crate::date::text(rec.first_day),
                crate::date::text(rec.last_day),
            );
            exec(
                &tx,
                INSERT_RECOGNITION,
                &[
                    &id,
                    &planned.invoice_id,
                    &i64::from(rec.line_no),
                    &first,
                    &last,
                    &planned.days,
                    &rec.amount.minor,
                    &rec.amount.currency.as_str(),
                ],
            )
            .await?;
            let (memo, lines) = planned.journal()?;
            post_journal(&tx, id, cutoff_day, &memo, &lines).await?;
            planned.recognition.document.id = DocumentId(id.to_string());
            out.push(planned.recognition);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(in crate::ledger) async fn revenue_schedule(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<RevenueScheduleLine>, Error> {
        let client = self.pool.get().await?;
        let end = crate::date::text(schedule_end(to));
        let rows = client
            .query(SCHEDULE_SQL, &[&Account::DeferredRevenue.code(), &end])
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect::<Result<_, Error>>()?;
        billing::revenue_schedule(rows, from, to)
    }

    pub(in crate::ledger) async fn contract(
        &self,
        external_ref: &str,
    ) -> Result<Option<ContractRecord>, Error> {
        let mut client = self.pool.get().await?;
        // One snapshot for the contract, its items and its history.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let Some(id) = of_kind(
            find_row(&tx, external_ref).await?,
            external_ref,
            DocumentKind::Contract,
        )?
        else {
            return Ok(None);
        };
        let r = one(&tx, CONTRACT_SQL, &[&id]).await?;
        let row = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
        );
        let items = tx
            .query(CONTRACT_ITEMS_SQL, &[&id])
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                ))
            })
            .collect::<Result<_, Error>>()?;
        let history = tx
            .query(CONTRACT_HISTORY_SQL, &[&id])
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect::<Result<_, Error>>()?;
        contract_of(external_ref, row, items, history).map(Some)
    }
}

/// The releases of a credit memo of `amount` against invoice `invoice_id`.
pub(super) async fn memo_releases(
    tx: &Transaction<'_>,
    invoice_id: i64,
    amount: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    let rows: Vec<billing::DeferredLineRow> = tx
        .query(billing::DEFERRED_LINES_SQL, &[&invoice_id])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<_, Error>>()?;
    Ok(billing::releases(&rows, amount))
}

/// Records a credit memo's releases.
pub(super) async fn insert_releases(
    tx: &Transaction<'_>,
    memo_id: i64,
    invoice_id: i64,
    releases: &[(i64, i64)],
) -> Result<(), Error> {
    for (line_no, amount) in releases {
        exec(
            tx,
            billing::INSERT_RELEASE,
            &[&memo_id, &invoice_id, line_no, amount],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn create_billing_invoice(
    tx: &Transaction<'_>,
    inv: &BillingInvoice,
) -> Result<Recorded, Error> {
    let kind = DocumentKind::Invoice;
    crate::models::require_ref(&inv.external_ref)?;
    let (found, customer) = futures::try_join!(
        find_row(tx, &inv.external_ref),
        find_row(tx, &inv.customer_ref)
    )?;
    return_if_found!(found, inv, kind);
    let total = inv.validate()?;
    let rows = billing_line_rows(inv)?;
    let (memo, lines) = billing_journal(inv, total)?;
    let customer = required(customer, &inv.customer_ref, DocumentKind::Customer)?;
    let id = insert_or_return!(tx, inv, kind);
    let (invoice_date, due_date) = (
        crate::date::text(inv.invoice_date),
        crate::date::text(inv.due_date),
    );
    exec(
        tx,
        INSERT_BILLING_INVOICE,
        &[
            &id,
            &customer,
            &invoice_date,
            &due_date,
            &inv.currency.as_str(),
            &inv.subtotal()?.minor,
            &inv.tax.minor,
            &total.minor,
        ],
    )
    .await?;
    for (n, r) in rows.iter().enumerate() {
        let params: [&(dyn ToSql + Sync); 12] = [
            &id,
            &(n as i64),
            &r.0,
            &r.1,
            &r.2,
            &r.3,
            &r.4,
            &r.5,
            &r.6,
            &r.7,
            &r.8,
            &r.9,
        ];
        exec(tx, INSERT_BILLING_LINE, &params).await?;
    }
    post_journal(tx, id, inv.invoice_date, &memo, &lines).await?;
    Ok(recorded(kind, id, &inv.external_ref, true))
}

async fn close(
    tx: &Transaction<'_>,
    c: &Closing<'_>,
    journal: impl FnOnce(&InvoiceState, &ClosingState) -> Result<ClosingJournal, Error>,
) -> Result<Recorded, Error> {
    crate::models::require_ref(c.external_ref)?;
    let (found, invoice) =
        futures::try_join!(find_row(tx, c.external_ref), find_row(tx, c.invoice_ref))?;
    if let Some(id) = of_kind(found, c.external_ref, c.kind)? {
        return Ok(recorded(c.kind, id, c.external_ref, false));
    }
    let invoice = required(invoice, c.invoice_ref, DocumentKind::Invoice)?;
    // The invoice's row locked: a concurrent payment, credit or closing waits for this one.
    let (inv, found) = invoice_state(tx, invoice, c.external_ref).await?;
    if let Some(id) = of_kind(found, c.external_ref, c.kind)? {
        return Ok(recorded(c.kind, id, c.external_ref, false));
    }
    let r = one(tx, CLOSING_STATE_SQL, &[&inv.id]).await?;
    let state = ClosingState {
        payments: r.try_get(0)?,
        credit_memos: r.try_get(1)?,
        closed: r.try_get(2)?,
        subtotal: r.try_get(3)?,
        tax: r.try_get(4)?,
        shipping: r.try_get(5)?,
        deferred: r.try_get(6)?,
        recognized: r.try_get(7)?,
    };
    let (amount, memo, lines) = journal(&inv, &state)?;
    let id = match insert_document(tx, c.external_ref, c.kind).await? {
        Ok(id) => id,
        Err(first) => return Ok(first),
    };
    let date = crate::date::text(c.date);
    exec(
        tx,
        INSERT_CLOSURE,
        &[
            &id,
            &inv.id,
            &c.column(),
            &amount.minor,
            &inv.currency.as_str(),
            &date,
            &c.reason,
        ],
    )
    .await?;
    post_journal(tx, id, c.date, &memo, &lines).await?;
    Ok(recorded(c.kind, id, c.external_ref, true))
}

pub(super) async fn write_off(tx: &Transaction<'_>, w: &WriteOff) -> Result<Recorded, Error> {
    w.validate()?;
    let c = Closing {
        kind: DocumentKind::WriteOff,
        external_ref: &w.external_ref,
        invoice_ref: &w.invoice_ref,
        date: w.date,
        reason: &w.reason,
    };
    close(tx, &c, |inv, closing| write_off_journal(w, inv, closing)).await
}

pub(super) async fn reverse_write_off(
    tx: &Transaction<'_>,
    r: &WriteOffReversal,
) -> Result<Recorded, Error> {
    r.validate()?;
    let kind = DocumentKind::WriteOffReversal;
    let (found, write_off) = futures::try_join!(
        find_row(tx, &r.external_ref),
        find_row(tx, &r.write_off_ref)
    )?;
    if let Some(id) = of_kind(found, &r.external_ref, kind)? {
        return Ok(recorded(kind, id, &r.external_ref, false));
    }
    let write_off = required(write_off, &r.write_off_ref, DocumentKind::WriteOff)?;
    // The invoice's row locked first, as payments and closings lock it: its balance changes.
    exec(tx, LOCK_WRITTEN_OFF_INVOICE, &[&write_off]).await?;
    let id = match insert_document(tx, &r.external_ref, kind).await? {
        Ok(id) => id,
        Err(first) => return Ok(first),
    };
    let statement = tx.prepare_cached(TAKE_WRITE_OFF_CLOSURE).await?;
    let taken = tx
        .query_opt(&statement, &[&write_off])
        .await?
        .map(|row| Ok::<_, Error>((row.try_get(0)?, row.try_get(1)?)))
        .transpose()?;
    let (memo, lines) = billing::reversal_journal(r, taken)?;
    post_journal(tx, id, r.date, &memo, &lines).await?;
    Ok(recorded(kind, id, &r.external_ref, true))
}

/// Locks the row of the invoice a write-off (`$1`) closed, if it still does.
const LOCK_WRITTEN_OFF_INVOICE: &str = "
SELECT i.doc_id FROM invoices i
JOIN invoice_closures x ON x.invoice_id = i.doc_id
WHERE x.doc_id = $1 FOR UPDATE OF i";

pub(super) async fn void_invoice(tx: &Transaction<'_>, v: &InvoiceVoid) -> Result<Recorded, Error> {
    v.validate()?;
    let c = Closing {
        kind: DocumentKind::Void,
        external_ref: &v.external_ref,
        invoice_ref: &v.invoice_ref,
        date: v.date,
        reason: &v.reason,
    };
    close(tx, &c, |inv, closing| void_journal(v, inv, closing)).await
}

pub(super) async fn upsert_contract(tx: &Transaction<'_>, c: &Contract) -> Result<Recorded, Error> {
    let kind = DocumentKind::Contract;
    crate::models::require_ref(&c.external_ref)?;
    c.validate()?;
    let (found, customer) =
        futures::try_join!(find_row(tx, &c.external_ref), find_row(tx, &c.customer_ref))?;
    let customer = required(customer, &c.customer_ref, DocumentKind::Customer)?;
    let inserted = match of_kind(found, &c.external_ref, kind)? {
        Some(_) => None,
        None => insert_document(tx, &c.external_ref, kind).await?.ok(),
    };
    let cols = contract_columns(c);
    let (id, created, status_changed) = match inserted {
        Some(id) => {
            let params: [&(dyn ToSql + Sync); 9] = [
                &id, &customer, &cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5, &cols.6,
            ];
            exec(tx, INSERT_CONTRACT, &params).await?;
            (id, true, true)
        }
        // Found, or recorded meanwhile by another writer (committed: the insert waited for
        // it): its row locked, then updated.
        None => {
            let id = required(find_row(tx, &c.external_ref).await?, &c.external_ref, kind)?;
            let status: String = one(
                tx,
                "SELECT status FROM contracts WHERE doc_id = $1 FOR UPDATE",
                &[&id],
            )
            .await?
            .try_get(0)?;
            let params: [&(dyn ToSql + Sync); 9] = [
                &customer, &cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5, &cols.6, &id,
            ];
            exec(tx, UPDATE_CONTRACT, &params).await?;
            (id, false, status != c.status.as_str())
        }
    };
    exec(tx, DELETE_CONTRACT_ITEMS, &[&id]).await?;
    for (n, item, interval, count) in contract_item_rows(c) {
        exec(
            tx,
            INSERT_CONTRACT_ITEM,
            &[
                &id,
                &n,
                &item.product,
                &item.description,
                &i64::from(item.quantity),
                &item.unit_price.minor,
                &interval,
                &count,
            ],
        )
        .await?;
    }
    if status_changed {
        exec(tx, ADD_CONTRACT_STATUS, &[&id, &c.status.as_str()]).await?;
    }
    Ok(recorded(kind, id, &c.external_ref, created))
}

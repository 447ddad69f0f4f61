//! The [`Erp`] trait over Odoo's JSON-2 API.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde_json::{Value, json};

use super::connector::{NO_TAXES, OdooErp, doc, money, recorded};
use super::wire::{self, CreatedIds, InvoiceRecord, RecordRef};
use crate::erp::Erp;
use crate::error::Error;
use crate::models::{
    Account, BillingInvoice, Contract, CreditMemo, Customer, Dispute, DocumentKind, DocumentRef,
    Gateway, Invoice, InvoiceVoid, JournalEntry, OpenReceivable, Payment, PaymentDirection,
    PaymentEntry, Recognition, RecognitionSchedule, Recorded, SalesOrder, WriteOff,
    WriteOffReversal,
};
use crate::money::{CurrencyCode, Money};

#[async_trait]
impl Erp for OdooErp {
    async fn upsert_customer(&self, c: &Customer) -> Result<Recorded, Error> {
        crate::models::require_ref(&c.external_ref)?;
        let mut vals = json!({"name": c.name, "email": c.email});
        if let Some(field) = &self.config.vault_id_field {
            let vault: BTreeMap<&str, &str> = c
                .vault_ids
                .iter()
                .map(|v| (v.gateway.as_str(), v.vault_id.as_str()))
                .collect();
            vals[field] = Value::String(json!(vault).to_string());
        }
        let existing = self
            .search_one("res.partner", json!([["ref", "=", c.external_ref]]))
            .await?;
        if let Some(id) = existing {
            let _: Value = self
                .client
                .call("res.partner", "write", json!({"ids": [id], "vals": vals}))
                .await?;
            return Ok(recorded(DocumentKind::Customer, id, &c.external_ref, false));
        }
        vals["ref"] = json!(c.external_ref);
        vals["customer_rank"] = json!(1);
        let id = self.create("res.partner", vals).await?;
        Ok(recorded(DocumentKind::Customer, id, &c.external_ref, true))
    }

    async fn create_sales_order(&self, o: &SalesOrder) -> Result<Recorded, Error> {
        crate::models::require_ref(&o.external_ref)?;
        let existing = self
            .search_one(
                "sale.order",
                json!([["client_order_ref", "=", o.external_ref]]),
            )
            .await?;
        if let Some(id) = existing {
            return Ok(recorded(
                DocumentKind::SalesOrder,
                id,
                &o.external_ref,
                false,
            ));
        }
        o.validate()?;
        let partner = self.partner(&o.customer_ref).await?;
        let mut lines = Vec::with_capacity(o.lines.len());
        for l in &o.lines {
            let product = self
                .lookup("product.product", "default_code", &l.sku, "product")
                .await?;
            lines.push(json!([0, 0, {
                "product_id": product,
                "name": l.description,
                "product_uom_qty": l.quantity,
                "price_unit": money(l.unit_price),
            }]));
        }
        let id = self
            .create(
                "sale.order",
                json!({
                    "partner_id": partner,
                    "client_order_ref": o.external_ref,
                    "date_order": wire::midnight(o.order_date),
                    "order_line": lines,
                }),
            )
            .await?;
        self.action("sale.order", "action_confirm", id).await?;
        Ok(recorded(
            DocumentKind::SalesOrder,
            id,
            &o.external_ref,
            true,
        ))
    }

    async fn create_invoice(&self, inv: &Invoice) -> Result<Recorded, Error> {
        crate::models::require_ref(&inv.external_ref)?;
        if let Some(id) = self.recorded_move("out_invoice", &inv.external_ref).await? {
            return Ok(recorded(
                DocumentKind::Invoice,
                id,
                &inv.external_ref,
                false,
            ));
        }
        inv.validate()?;
        let lines: Vec<Value> = inv
            .lines
            .iter()
            .map(|l| {
                json!([0, 0, {
                    "name": format!("[{}] {}", l.sku, l.description),
                    "quantity": l.quantity,
                    "price_unit": money(l.unit_price),
                    "tax_ids": NO_TAXES,
                }])
            })
            .collect();
        let id = self
            .post_out_invoice(
                OutInvoice {
                    external_ref: &inv.external_ref,
                    customer_ref: &inv.customer_ref,
                    origin: inv.sales_order_ref.as_deref(),
                    invoice_date: inv.invoice_date,
                    due_date: inv.due_date,
                    currency: inv.currency,
                },
                lines,
                &[
                    (Account::TaxPayable, inv.tax, "Tax"),
                    (Account::ShippingIncome, inv.shipping, "Shipping"),
                ],
            )
            .await?;
        Ok(recorded(DocumentKind::Invoice, id, &inv.external_ref, true))
    }

    /// An `out_invoice` whose lines with a service period go to the deferred revenue account
    /// (the code configured for [`Account::DeferredRevenue`]), the period written in the line's
    /// label; a line's discount is a line of its own (Odoo's `discount` is a percentage, which
    /// cannot carry an amount exactly). Odoo Community keeps no service dates on invoice lines:
    /// `deferred_start_date`/`deferred_end_date` on `account.move.line` and the deferral entries
    /// they drive come from the Enterprise `account_accountant` module (Odoo's "Deferred
    /// revenues" documentation,
    /// <https://www.odoo.com/documentation/18.0/applications/finance/accounting/customer_invoices/deferred_revenues.html>,
    /// is part of the Accounting app), so they are not sent.
    async fn create_billing_invoice(&self, inv: &BillingInvoice) -> Result<Recorded, Error> {
        crate::models::require_ref(&inv.external_ref)?;
        if let Some(id) = self.recorded_move("out_invoice", &inv.external_ref).await? {
            return Ok(recorded(
                DocumentKind::Invoice,
                id,
                &inv.external_ref,
                false,
            ));
        }
        inv.validate()?;
        let deferred = if inv.lines.iter().any(|l| l.period.is_some()) {
            Some(self.account(&Account::DeferredRevenue).await?)
        } else {
            None
        };
        let mut lines = Vec::new();
        for (line_no, l) in inv.lines.iter().enumerate() {
            let mut name = format!("[{}] {}", l.product, l.description);
            if l.proration {
                name.push_str(" (proration)");
            }
            if let Some(p) = &l.period {
                name.push(' ');
                name.push_str(&super::recognition::service_tag(line_no, p));
            }
            let account = l.period.and(deferred);
            let mut push = |name: String, quantity: u32, price: Money| {
                let mut vals = json!({
                    "name": name,
                    "quantity": quantity,
                    "price_unit": money(price),
                    "tax_ids": NO_TAXES,
                });
                if let Some(account) = account {
                    vals["account_id"] = json!(account);
                }
                lines.push(json!([0, 0, vals]));
            };
            push(name.clone(), l.quantity, l.unit_price);
            if l.discount.minor != 0 {
                let minus = Money::new(-l.discount.minor, l.discount.currency);
                push(format!("Discount: {name}"), 1, minus);
            }
        }
        let id = self
            .post_out_invoice(
                OutInvoice {
                    external_ref: &inv.external_ref,
                    customer_ref: &inv.customer_ref,
                    origin: inv.contract_ref.as_deref(),
                    invoice_date: inv.invoice_date,
                    due_date: inv.due_date,
                    currency: inv.currency,
                },
                lines,
                &[(Account::TaxPayable, inv.tax, "Tax")],
            )
            .await?;
        Ok(recorded(DocumentKind::Invoice, id, &inv.external_ref, true))
    }

    /// An `out_refund` of the invoice's open amount (`amount_residual`) on the bad debts account
    /// (the code configured for [`Account::BadDebts`]), reversing the invoice as a credit memo
    /// does: Odoo Community has no write-off document of its own, so
    /// [`Erp::find_by_external_ref`] reports it as a credit memo. Refused when nothing is open.
    async fn write_off(&self, w: &WriteOff) -> Result<Recorded, Error> {
        w.validate()?;
        let kind = DocumentKind::WriteOff;
        if let Some(id) = self.recorded_move("out_refund", &w.external_ref).await? {
            return Ok(recorded(kind, id, &w.external_ref, false));
        }
        let invoice = self.invoice(&w.invoice_ref).await?;
        let state = self.move_state(invoice).await?;
        if state.amount_residual <= rust_decimal::Decimal::ZERO {
            return Err(Error::InvalidDocument(format!(
                "invoice {} has nothing open to write off (paid or credited)",
                w.invoice_ref
            )));
        }
        let (partner, currency) = match (&state.partner_id.0, &state.currency_id.0) {
            (Some(p), Some(c)) => (p.0, c.0),
            _ => {
                return Err(Error::Decode {
                    path: "account.move.partner_id".into(),
                    message: format!("invoice {} without partner or currency", w.invoice_ref),
                });
            }
        };
        let account = self.account(&Account::BadDebts).await?;
        let id = self
            .create(
                "account.move",
                json!({
                    "move_type": "out_refund",
                    "partner_id": partner,
                    "ref": w.external_ref,
                    "invoice_date": wire::date(w.date),
                    "reversed_entry_id": invoice,
                    "currency_id": currency,
                    "invoice_line_ids": [[0, 0, {
                        "name": format!("Write-off: {}", w.reason),
                        "quantity": 1,
                        "price_unit": wire::number(state.amount_residual),
                        "account_id": account,
                        "tax_ids": NO_TAXES,
                    }]],
                }),
            )
            .await?;
        self.action("account.move", "action_post", id).await?;
        Ok(recorded(kind, id, &w.external_ref, true))
    }

    /// The write-off's `out_refund` reset to draft (`button_draft`) and cancelled
    /// (`button_cancel`), which removes its posting. Odoo keeps no reversal document: the
    /// answer names the refund's id, a reversal of a cancelled refund answers `created: false`
    /// whatever its reference, and [`Erp::find_by_external_ref`] does not find the reversal's
    /// reference.
    async fn reverse_write_off(&self, r: &WriteOffReversal) -> Result<Recorded, Error> {
        r.validate()?;
        let kind = DocumentKind::WriteOffReversal;
        let refund = self
            .find_move("out_refund", &r.write_off_ref)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "write-off",
                reference: r.write_off_ref.clone(),
            })?;
        if self.move_state(refund).await?.state == "cancel" {
            return Ok(recorded(kind, refund, &r.external_ref, false));
        }
        self.action("account.move", "button_draft", refund).await?;
        self.action("account.move", "button_cancel", refund).await?;
        Ok(recorded(kind, refund, &r.external_ref, true))
    }

    /// The invoice's recognition entries and then the invoice reset to draft (`button_draft`)
    /// and cancelled (`button_cancel`), which removes their postings in Odoo; refused unless
    /// its `payment_state` is `not_paid`. Odoo
    /// keeps no void document: the answer names the invoice's id, a void of a cancelled invoice
    /// answers `created: false` whatever its reference, and [`Erp::find_by_external_ref`] does
    /// not find the void's reference.
    async fn void_invoice(&self, v: &InvoiceVoid) -> Result<Recorded, Error> {
        v.validate()?;
        let kind = DocumentKind::Void;
        let invoice = self.invoice(&v.invoice_ref).await?;
        let state = self.move_state(invoice).await?;
        if state.state == "cancel" {
            return Ok(recorded(kind, invoice, &v.external_ref, false));
        }
        if state.payment_state != "not_paid" {
            return Err(Error::InvalidDocument(format!(
                "invoice {} has payments or credit memos ({}): it cannot be voided",
                v.invoice_ref, state.payment_state
            )));
        }
        // The recognition entries first: a void stopped halfway is finished by the next call,
        // which would return early once the invoice is cancelled.
        self.cancel_recognitions(&v.invoice_ref).await?;
        self.action("account.move", "button_draft", invoice).await?;
        self.action("account.move", "button_cancel", invoice)
            .await?;
        Ok(recorded(kind, invoice, &v.external_ref, true))
    }

    async fn post_payment(&self, p: &Payment) -> Result<Recorded, Error> {
        crate::models::require_ref(&p.external_ref)?;
        let memo = self.payment_memo_field;
        let fee = p.validate()?;
        if let Some(id) = self
            .search_one("account.payment", json!([[memo, "=", p.external_ref]]))
            .await?
        {
            // A refund payment left in draft, or the fee entry (a second call), is finished if
            // an earlier attempt stopped between.
            self.post_if_draft("account.payment", id).await?;
            self.post_fee(p, fee).await?;
            return Ok(recorded(DocumentKind::Payment, id, &p.external_ref, false));
        }
        let invoice = self.invoice(&p.invoice_ref).await?;
        let journal = self.journal(&p.gateway)?;
        match p.direction {
            PaymentDirection::Received => {
                let context = json!({"active_model": "account.move", "active_ids": [invoice]});
                let wizard: CreatedIds = self
                    .client
                    .call(
                        "account.payment.register",
                        "create",
                        json!({
                            "context": context,
                            "vals_list": [{
                                "amount": money(p.amount),
                                "journal_id": journal,
                                "payment_date": wire::date(p.date),
                                "communication": p.external_ref,
                            }],
                        }),
                    )
                    .await?;
                let _: Value = self
                    .client
                    .call(
                        "account.payment.register",
                        "action_create_payments",
                        json!({"ids": [wizard.first()?], "context": context}),
                    )
                    .await?;
            }
            PaymentDirection::Withdrawn => return Err(crate::ledger::withdrawn_payment()),
            PaymentDirection::Refunded => {
                let partner = self.partner_of(invoice).await?;
                let currency = self.currency(p.amount.currency).await?;
                let mut vals = json!({
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": partner,
                    "amount": money(p.amount),
                    "currency_id": currency,
                    "journal_id": journal,
                    "date": wire::date(p.date),
                    memo: p.external_ref,
                });
                // What settlements pair a refund by (received payments cannot carry it: see
                // `OdooErp`).
                if let Some(field) = self.payment_reference_field {
                    vals[field] = json!(p.transaction_id);
                }
                let id = self.create("account.payment", vals).await?;
                self.action("account.payment", "action_post", id).await?;
            }
        }
        let id = self
            .search_one("account.payment", json!([[memo, "=", p.external_ref]]))
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "payment",
                reference: p.external_ref.clone(),
            })?;
        self.post_fee(p, fee).await?;
        Ok(recorded(DocumentKind::Payment, id, &p.external_ref, true))
    }

    async fn create_credit_memo(&self, m: &CreditMemo) -> Result<Recorded, Error> {
        crate::models::require_ref(&m.external_ref)?;
        if let Some(id) = self.recorded_move("out_refund", &m.external_ref).await? {
            return Ok(recorded(
                DocumentKind::CreditMemo,
                id,
                &m.external_ref,
                false,
            ));
        }
        m.validate()?;
        let invoice = self.invoice(&m.invoice_ref).await?;
        let partner = self.partner_of(invoice).await?;
        let currency = self.currency(m.amount.currency).await?;
        let account = self.account(&Account::Refunds).await?;
        let id = self
            .create(
                "account.move",
                json!({
                    "move_type": "out_refund",
                    "partner_id": partner,
                    "ref": m.external_ref,
                    "invoice_date": wire::date(m.date),
                    "reversed_entry_id": invoice,
                    "currency_id": currency,
                    "invoice_line_ids": [[0, 0, {
                        "name": m.reason,
                        "quantity": 1,
                        "price_unit": money(m.amount),
                        "account_id": account,
                        "tax_ids": NO_TAXES,
                    }]],
                }),
            )
            .await?;
        self.action("account.move", "action_post", id).await?;
        Ok(recorded(
            DocumentKind::CreditMemo,
            id,
            &m.external_ref,
            true,
        ))
    }

    async fn post_journal_entry(&self, e: &JournalEntry) -> Result<Recorded, Error> {
        e.validate()?;
        if let Some(id) = self.recorded_move("entry", &e.external_ref).await? {
            return Ok(recorded(
                DocumentKind::JournalEntry,
                id,
                &e.external_ref,
                false,
            ));
        }
        let id = self
            .post_entry(&e.external_ref, e.date, &e.memo, &e.lines, None)
            .await?;
        Ok(recorded(
            DocumentKind::JournalEntry,
            id,
            &e.external_ref,
            true,
        ))
    }

    /// The dispute's journal entry, with the embedded ledger's accounts (see [`crate::DisputeStage`]);
    /// Odoo has no dispute model, so the stage order is not checked here.
    async fn record_dispute(&self, d: &Dispute) -> Result<Recorded, Error> {
        d.validate()?;
        if let Some(id) = self.recorded_move("entry", &d.external_ref).await? {
            return Ok(recorded(DocumentKind::Dispute, id, &d.external_ref, false));
        }
        let fee = d
            .fee
            .unwrap_or(crate::money::Money::zero(d.amount.currency));
        let (_, lines) = crate::ledger::dispute_journal(d, fee)?;
        let memo = format!("Dispute {} ({}): {}", d.dispute_id, d.gateway, d.reason);
        let id = self
            .post_entry(&d.external_ref, d.date, &memo, &lines, None)
            .await?;
        Ok(recorded(DocumentKind::Dispute, id, &d.external_ref, true))
    }

    async fn find_by_external_ref(&self, external_ref: &str) -> Result<Option<DocumentRef>, Error> {
        if let Some(id) = self
            .search_one("res.partner", json!([["ref", "=", external_ref]]))
            .await?
        {
            return Ok(Some(doc(DocumentKind::Customer, id, external_ref)));
        }
        if let Some(id) = self
            .search_one(
                "sale.order",
                json!([["client_order_ref", "=", external_ref]]),
            )
            .await?
        {
            return Ok(Some(doc(DocumentKind::SalesOrder, id, external_ref)));
        }
        let moves: Vec<MoveKind> = self
            .client
            .call(
                "account.move",
                "search_read",
                json!({
                    "domain": [["ref", "=", external_ref]],
                    "fields": ["move_type"],
                    "limit": 1,
                }),
            )
            .await?;
        if let Some(m) = moves.first() {
            // Dispute stages are `entry` moves too; Odoo cannot tell them from journal entries.
            let kind = match m.move_type.as_str() {
                "out_invoice" => DocumentKind::Invoice,
                "out_refund" => DocumentKind::CreditMemo,
                _ => DocumentKind::JournalEntry,
            };
            return Ok(Some(doc(kind, m.id, external_ref)));
        }
        let memo = self.payment_memo_field;
        if let Some(id) = self
            .search_one("account.payment", json!([[memo, "=", external_ref]]))
            .await?
        {
            return Ok(Some(doc(DocumentKind::Payment, id, external_ref)));
        }
        Ok(self
            .find_contract(external_ref)
            .await?
            .map(|id| doc(DocumentKind::Contract, id, external_ref)))
    }

    async fn open_receivables(&self) -> Result<Vec<OpenReceivable>, Error> {
        let moves: Vec<InvoiceRecord> = self
            .client
            .call(
                "account.move",
                "search_read",
                json!({
                    "domain": [
                        ["move_type", "=", "out_invoice"],
                        ["state", "=", "posted"],
                        ["payment_state", "in", ["not_paid", "partial"]],
                    ],
                    "fields": [
                        "ref", "partner_id", "currency_id", "invoice_date", "invoice_date_due",
                        "amount_total", "amount_residual",
                    ],
                    "order": "invoice_date_due asc, id asc",
                }),
            )
            .await?;
        let partner_ids: Vec<i64> = moves
            .iter()
            .filter_map(|m| m.partner_id.0.as_ref().map(|p| p.0))
            .collect();
        let partners: Vec<RecordRef> = if partner_ids.is_empty() {
            Vec::new()
        } else {
            self.client
                .call(
                    "res.partner",
                    "read",
                    json!({"ids": partner_ids, "fields": ["ref"]}),
                )
                .await?
        };
        let refs: HashMap<i64, String> = partners
            .into_iter()
            .filter_map(|p| p.r#ref.map(|r| (p.id, r)))
            .collect();
        moves
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let bad = |field: &str, message: String| Error::Decode {
                    path: format!("[{i}].{field}"),
                    message,
                };
                let currency = m
                    .currency_id
                    .currency()
                    .map_err(|e| bad("currency_id", e))?;
                let total = Money::from_major(m.amount_total, currency)
                    .map_err(|e| bad("amount_total", e.to_string()))?;
                let open = Money::from_major(m.amount_residual, currency)
                    .map_err(|e| bad("amount_residual", e.to_string()))?;
                let invoice_date = m
                    .invoice_date
                    .ok_or_else(|| bad("invoice_date", "missing".into()))?;
                let customer_ref = m
                    .partner_id
                    .0
                    .as_ref()
                    .and_then(|p| refs.get(&p.0).cloned())
                    .unwrap_or_default();
                Ok(OpenReceivable {
                    invoice: doc(
                        DocumentKind::Invoice,
                        m.id,
                        m.r#ref.as_deref().unwrap_or(""),
                    ),
                    customer_ref,
                    invoice_date,
                    due_date: m.invoice_date_due.unwrap_or(invoice_date),
                    total,
                    open,
                })
            })
            .collect()
    }

    /// The payments and refunds of `gateway`'s payment journal (from the configuration; a
    /// gateway without one is [`Error::Config`]; give each gateway a journal of its own, as a
    /// shared one lists the other's payments too) dated from `from` to `to` (both included), in
    /// date then id order, leaving out draft, cancelled and rejected payments. Three calls: a
    /// `search_read` of `account.payment`, a `read` of their invoices' `ref` and a
    /// `search_read` of their fee entries (`<external_ref>/fee`).
    ///
    /// Each payment's external reference is its `memo` (`ref` before Odoo 18), or Odoo's name
    /// when empty; its invoice is the first invoice Odoo reconciled it with (none for refunds,
    /// which are not reconciled: an empty `invoice_ref`). Received payments come without a
    /// transaction id (the register wizard cannot store one), so a settlement pairs them by
    /// invoice reference, amount and currency; refunds carry theirs in `payment_reference`
    /// (empty on a database without the field). Refunds are negative; the fee is the fee
    /// entry's total in the payment's currency, zero when there is none. A value Odoo should not
    /// send (an unknown `payment_type`, a missing currency or date, an amount finer than the
    /// currency) is [`Error::Decode`] naming the payment (`[i].field`).
    /// An analytic account under the configured plan (see [`crate::odoo`]).
    async fn upsert_contract(&self, contract: &Contract) -> Result<Recorded, Error> {
        self.upsert_analytic_contract(contract).await
    }

    /// Recognition entries kept by the connector (see [`crate::odoo`]): one `entry` per
    /// deferred line and run, Dr deferred revenue, Cr revenue, referenced as the embedded
    /// ledger's.
    async fn recognize_revenue(
        &self,
        through: time::Date,
        schedule: RecognitionSchedule,
    ) -> Result<Vec<Recognition>, Error> {
        self.recognize(through, schedule).await
    }

    async fn payment_entries(
        &self,
        gateway: &Gateway,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<PaymentEntry>, Error> {
        self.list_payment_entries(gateway, from, to).await
    }
}

#[derive(serde::Deserialize)]
struct MoveKind {
    id: i64,
    move_type: String,
}

/// The head of an `out_invoice` to post.
struct OutInvoice<'a> {
    external_ref: &'a str,
    customer_ref: &'a str,
    /// `invoice_origin`: the sales order or contract billed.
    origin: Option<&'a str>,
    invoice_date: time::Date,
    due_date: time::Date,
    currency: CurrencyCode,
}

impl OdooErp {
    /// Creates and posts an `out_invoice` with `lines` and, for each non-zero extra amount, a
    /// line on its account (tax, shipping); returns its id.
    async fn post_out_invoice(
        &self,
        head: OutInvoice<'_>,
        mut lines: Vec<Value>,
        extras: &[(Account, Money, &str)],
    ) -> Result<i64, Error> {
        let partner = self.partner(head.customer_ref).await?;
        let currency = self.currency(head.currency).await?;
        for (account, amount, label) in extras {
            if amount.minor > 0 {
                lines.push(json!([0, 0, {
                    "name": label,
                    "quantity": 1,
                    "price_unit": money(*amount),
                    "account_id": self.account(account).await?,
                    "tax_ids": NO_TAXES,
                }]));
            }
        }
        let mut vals = json!({
            "move_type": "out_invoice",
            "partner_id": partner,
            "ref": head.external_ref,
            "invoice_date": wire::date(head.invoice_date),
            "invoice_date_due": wire::date(head.due_date),
            "currency_id": currency,
            "invoice_line_ids": lines,
        });
        if let Some(origin) = head.origin {
            vals["invoice_origin"] = json!(origin);
        }
        let id = self.create("account.move", vals).await?;
        self.action("account.move", "action_post", id).await?;
        Ok(id)
    }
}

/// What a write-off or void reads of an invoice.
#[derive(serde::Deserialize)]
struct MoveState {
    state: String,
    payment_state: String,
    partner_id: super::wire::Many2one,
    currency_id: super::wire::Many2one,
    #[serde(deserialize_with = "super::wire::decimal")]
    amount_residual: rust_decimal::Decimal,
}

impl OdooErp {
    async fn move_state(&self, move_id: i64) -> Result<MoveState, Error> {
        let rows: Vec<MoveState> = self
            .client
            .call(
                "account.move",
                "read",
                json!({
                    "ids": [move_id],
                    "fields": ["state", "payment_state", "partner_id", "currency_id", "amount_residual"],
                }),
            )
            .await?;
        rows.into_iter().next().ok_or_else(|| Error::NotFound {
            kind: "invoice",
            reference: move_id.to_string(),
        })
    }
}

//! `/v1/credit_notes` on paid invoices: an amount credited back, refunded to the card (a
//! refund of the invoice's PaymentIntent, booked as any refund) and/or settled out of band.

use serde_json::{Value, json};

use super::billing::InvoiceStatus;
use super::error::ApiErr;
use super::form::Params;
use super::ops::{Answer, merge_metadata, one_of};
use super::state::{Metadata, State, meta, new_id, opt};

pub(crate) struct CreditNote {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) number: String,
    pub(crate) invoice: String,
    pub(crate) customer: String,
    pub(crate) currency: String,
    pub(crate) amount: i64,
    pub(crate) out_of_band_amount: Option<i64>,
    /// `(refund id, amount)`.
    pub(crate) refund: Option<(String, i64)>,
    pub(crate) reason: Option<String>,
    pub(crate) memo: Option<String>,
    pub(crate) metadata: Metadata,
}

impl State {
    pub(crate) fn credit_note_json(&self, c: &CreditNote) -> Value {
        let refunds: Vec<Value> = c
            .refund
            .iter()
            .map(|(id, amount)| json!({"amount_refunded": amount, "refund": id, "type": "refund"}))
            .collect();
        json!({
            "id": c.id,
            "object": "credit_note",
            "amount": c.amount,
            "amount_shipping": 0,
            "created": c.created,
            "currency": c.currency,
            "customer": c.customer,
            "customer_balance_transaction": null,
            "discount_amount": 0,
            "discount_amounts": [],
            "effective_at": c.created,
            "invoice": c.invoice,
            "lines": {
                "object": "list",
                "data": [{
                    "id": format!("cnli_{}", c.id.trim_start_matches("cn_")),
                    "object": "credit_note_line_item",
                    "amount": c.amount,
                    "description": opt(&c.memo),
                    "discount_amount": 0,
                    "discount_amounts": [],
                    "livemode": false,
                    "metadata": null,
                    "pretax_credit_amounts": [],
                    "quantity": 1,
                    "tax_rates": [],
                    "taxes": [],
                    "type": "custom_line_item",
                    "unit_amount": c.amount,
                    "unit_amount_decimal": c.amount.to_string(),
                }],
                "has_more": false,
                "url": format!("/v1/credit_notes/{}/lines", c.id),
            },
            "livemode": false,
            "memo": opt(&c.memo),
            "metadata": meta(&c.metadata),
            "number": c.number,
            "out_of_band_amount": opt(&c.out_of_band_amount),
            "pdf": format!("https://pay.stripe.com/credit_notes/sandbox/{}/pdf", c.id),
            "post_payment_amount": c.amount,
            "pre_payment_amount": 0,
            "pretax_credit_amounts": [],
            "reason": opt(&c.reason),
            "refunds": refunds,
            "shipping_cost": null,
            "status": "issued",
            "subtotal": c.amount,
            "subtotal_excluding_tax": c.amount,
            "total": c.amount,
            "total_excluding_tax": c.amount,
            "total_taxes": [],
            "type": "post_payment",
            "voided_at": null,
        })
    }

    /// Credit notes already issued on `invoice`, summed.
    pub(crate) fn credited(&self, invoice: &str) -> i64 {
        self.credit_notes
            .iter()
            .filter(|c| c.invoice == invoice)
            .fold(0i64, |acc, c| acc.saturating_add(c.amount))
    }

    /// `POST /v1/credit_notes`: `amount` of a paid invoice, split into `refund_amount` and
    /// `out_of_band_amount` (customer credit balances are not modeled).
    pub(crate) fn create_credit_note(&mut self, p: &Params) -> Answer {
        p.only(&[
            "invoice",
            "amount",
            "refund_amount",
            "out_of_band_amount",
            "credit_amount",
            "reason",
            "memo",
            "metadata",
        ])?;
        let invoice_id = p.required_str("invoice")?.to_owned();
        let inv = self
            .invoices
            .get(&invoice_id)
            .ok_or_else(|| ApiErr::no_such_param("invoice", &invoice_id, "invoice"))?;
        if inv.status != InvoiceStatus::Paid {
            return Err(ApiErr::invalid(
                Some("invoice"),
                None,
                &format!(
                    "The sandbox fake issues credit notes on paid invoices only; {invoice_id} is {}.",
                    inv.status.as_str()
                ),
            ));
        }
        let amount = p
            .int("amount")?
            .ok_or_else(|| ApiErr::missing_param("amount"))?;
        let refund_amount = p.int("refund_amount")?.unwrap_or(0);
        let out_of_band = p.int("out_of_band_amount")?.unwrap_or(0);
        if p.int("credit_amount")?.unwrap_or(0) != 0 {
            return Err(ApiErr::invalid(
                Some("credit_amount"),
                None,
                "The sandbox fake keeps no customer credit balance; use refund_amount or out_of_band_amount.",
            ));
        }
        for (key, value) in [
            ("amount", amount),
            ("refund_amount", refund_amount),
            ("out_of_band_amount", out_of_band),
        ] {
            if value < 0 || (key == "amount" && value == 0) {
                return Err(ApiErr::invalid(
                    Some(key),
                    Some("parameter_invalid_integer"),
                    "Invalid positive integer",
                ));
            }
        }
        if refund_amount.saturating_add(out_of_band) != amount {
            return Err(ApiErr::invalid(
                Some("amount"),
                None,
                &format!(
                    "The sum of refund_amount ({refund_amount}) and out_of_band_amount ({out_of_band}) must equal the credit note amount ({amount})."
                ),
            ));
        }
        let creditable = inv.amount_paid.saturating_sub(self.credited(&invoice_id));
        if amount > creditable {
            return Err(ApiErr::invalid(
                Some("amount"),
                Some("amount_too_large"),
                &format!(
                    "The credit note amount ({amount}) exceeds what is left to credit on the invoice ({creditable})."
                ),
            ));
        }
        let reason = one_of(
            p,
            "reason",
            &[
                "duplicate",
                "fraudulent",
                "order_change",
                "product_unsatisfactory",
            ],
        )?;
        let memo = p.str("memo")?.filter(|s| !s.is_empty()).map(str::to_owned);
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, p.metadata()?);
        let (customer, currency, number) = (
            inv.customer.clone(),
            inv.currency.clone(),
            inv.number.clone().unwrap_or_default(),
        );
        let pi = inv
            .payment
            .as_deref()
            .and_then(|id| self.invoice_payments.get(id))
            .map(|p| p.payment_intent.clone());
        self.enter_clock_of(&customer);
        let refund = if refund_amount > 0 {
            let Some(pi) = pi else {
                return Err(ApiErr::invalid(
                    Some("refund_amount"),
                    None,
                    &format!(
                        "Invoice {invoice_id} was not paid by a payment that can be refunded."
                    ),
                ));
            };
            let form = format!("payment_intent={pi}&amount={refund_amount}");
            let refund = self.create_refund(&Params::parse(form.as_bytes())?)?;
            refund["id"]
                .as_str()
                .map(|id| (id.to_owned(), refund_amount))
        } else {
            None
        };
        let sequence = self
            .credit_notes
            .iter()
            .filter(|c| c.invoice == invoice_id)
            .count()
            .saturating_add(1);
        let id = new_id("cn");
        let note = CreditNote {
            id: id.clone(),
            created: self.now(),
            number: format!("{number}-CN-{sequence:02}"),
            invoice: invoice_id,
            customer,
            currency,
            amount,
            out_of_band_amount: (out_of_band > 0).then_some(out_of_band),
            refund,
            reason,
            memo,
            metadata,
        };
        let body = self.credit_note_json(&note);
        self.credit_notes.insert(id, note);
        self.emit("credit_note.created", body.clone(), None);
        Ok(body)
    }

    pub(crate) fn retrieve_credit_note(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.credit_notes
            .get(id)
            .map(|c| self.credit_note_json(c))
            .ok_or_else(|| ApiErr::no_such("credit_note", id))
    }

    pub(crate) fn list_credit_notes(&mut self, p: &Params) -> Answer {
        p.only(&[
            "invoice",
            "customer",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let invoice = p.str("invoice")?.map(str::to_owned);
        let customer = p.str("customer")?.map(str::to_owned);
        let created = self.time_filter(p, "created")?;
        self.page(
            &self.credit_notes,
            "credit_note",
            "/v1/credit_notes",
            p,
            |c| {
                created.contains(c.created)
                    && invoice.as_ref().is_none_or(|i| *i == c.invoice)
                    && customer.as_ref().is_none_or(|x| *x == c.customer)
            },
            |c| self.credit_note_json(c),
        )
    }
}

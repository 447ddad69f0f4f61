//! Subscription invoices: how they are made, finalized and paid (one PaymentIntent per
//! invoice, confirmed again on each attempt, so its charges and balance transactions are
//! those of any other payment), dunning after a failure, and the `/v1/invoices` endpoints.

use serde_json::Value;

use super::billing::{Invoice, InvoicePayment, InvoiceStatus, Line, SubStatus};
use super::clock::AfterRetries;
use super::error::ApiErr;
use super::form::Params;
use super::ops::{Answer, one_of, previous_attributes};
use super::state::{Metadata, PaymentIntent, State, new_id};

impl State {
    fn invoice(&self, id: &str) -> Result<&Invoice, ApiErr> {
        self.invoices
            .get(id)
            .ok_or_else(|| ApiErr::no_such("invoice", id))
    }

    /// The subscription as rendered now: what [`State::subscription_changed`] compares with.
    pub(crate) fn subscription_snapshot(&self, id: &str) -> Value {
        self.subscriptions
            .get(id)
            .map_or(Value::Null, |s| self.subscription_json(s))
    }

    /// After a change to subscription `id` rendered as `before`: `customer.subscription.deleted`
    /// when it was just canceled, else `customer.subscription.updated` with the changed fields.
    pub(crate) fn subscription_changed(&mut self, id: &str, before: &Value) {
        let Some(after) = self
            .subscriptions
            .get(id)
            .map(|s| (s.status, self.subscription_json(s)))
        else {
            return;
        };
        let was_canceled = before.get("status").and_then(Value::as_str) == Some("canceled");
        match after {
            (SubStatus::Canceled, body) if !was_canceled => {
                self.emit("customer.subscription.deleted", body, None);
            }
            (_, body) => {
                if let Some(prev) = previous_attributes(before, &body) {
                    self.emit("customer.subscription.updated", body, Some(prev));
                }
            }
        }
    }

    /// Makes and finalizes an invoice of subscription `sub_id` (`invoice.created`,
    /// `invoice.finalized`; Stripe keeps a renewal invoice a draft for about an hour, the fake
    /// finalizes at once) and makes it the subscription's latest. Returns its id.
    pub(crate) fn new_invoice(
        &mut self,
        sub_id: &str,
        billing_reason: &'static str,
        lines: Vec<Line>,
        period: (i64, i64),
    ) -> String {
        let id = new_id("in");
        let now = self.now();
        let Some(sub) = self.subscriptions.get(sub_id) else {
            return id;
        };
        let customer = self.customers.get(&sub.customer);
        let prefix = customer
            .map(|c| self.customer_json(c))
            .and_then(|c| {
                c.get("invoice_prefix")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let sequence = self
            .invoices
            .iter()
            .filter(|i| i.customer == sub.customer)
            .count()
            .saturating_add(1);
        let mut invoice = Invoice {
            id: id.clone(),
            created: now,
            customer: sub.customer.clone(),
            customer_email: customer.and_then(|c| c.email.clone()),
            subscription: sub.id.clone(),
            subscription_metadata: sub.metadata.clone(),
            test_clock: sub.test_clock.clone(),
            currency: sub.currency.clone(),
            status: InvoiceStatus::Draft,
            billing_reason,
            lines: lines
                .into_iter()
                .map(|l| Line {
                    id: new_id("il"),
                    ..l
                })
                .collect(),
            period_start: period.0,
            period_end: period.1,
            number: None,
            attempt_count: 0,
            automatic_attempts: 0,
            next_payment_attempt: None,
            amount_paid: 0,
            paid_out_of_band: false,
            finalized_at: None,
            paid_at: None,
            voided_at: None,
            marked_uncollectible_at: None,
            payment: None,
        };
        let draft = self.invoice_json(&invoice, false);
        invoice.status = InvoiceStatus::Open;
        invoice.number = Some(format!("{prefix}-{sequence:04}"));
        invoice.finalized_at = Some(now);
        let finalized = self.invoice_json(&invoice, false);
        self.invoices.insert(id.clone(), invoice);
        if let Some(s) = self.subscriptions.get_mut(sub_id) {
            s.latest_invoice = Some(id.clone());
        }
        self.emit("invoice.created", draft, None);
        self.emit("invoice.finalized", finalized, None);
        id
    }

    fn invoice_json_by_id(&self, id: &str) -> Value {
        self.invoices
            .get(id)
            .map_or(Value::Null, |i| self.invoice_json(i, false))
    }

    /// Tries to collect open invoice `id`: with `payment_method`, else the subscription's
    /// default, else the customer's `invoice_settings.default_payment_method`. `automatic`
    /// attempts follow the dunning schedule. Subscription events are the caller's (it knows
    /// what else changed). A decline is `Err(402)`; the invoice records it either way.
    pub(crate) fn attempt_invoice(
        &mut self,
        id: &str,
        payment_method: Option<String>,
        automatic: bool,
    ) -> Result<(), ApiErr> {
        let inv = self.invoice(id)?;
        if inv.amount_due() == 0 {
            self.invoice_paid(id);
            return Ok(());
        }
        let amount = inv.amount_due();
        let currency = inv.currency.clone();
        let customer = inv.customer.clone();
        let reason = inv.billing_reason;
        let existing = inv
            .payment
            .as_deref()
            .and_then(|p| self.invoice_payments.get(p))
            .map(|p| p.payment_intent.clone());
        let sub_pm = self
            .subscriptions
            .get(&inv.subscription)
            .and_then(|s| s.default_payment_method.clone());
        let customer_pm = self
            .customers
            .get(&customer)
            .and_then(|c| c.default_payment_method.clone());
        let pm = payment_method.or(sub_pm).or(customer_pm);
        if let Some(inv) = self.invoices.get_mut(id) {
            inv.attempt_count = inv.attempt_count.saturating_add(1);
            if automatic {
                inv.automatic_attempts = inv.automatic_attempts.saturating_add(1);
            }
        }
        let Some(pm) = pm else {
            self.invoice_failed(id, automatic);
            return Err(ApiErr::invalid(
                None,
                None,
                "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
            ));
        };
        let pi_id = match existing {
            Some(pi) => pi,
            None => self.invoice_payment_intent(id, amount, &currency, &customer, reason),
        };
        // Each attempt confirms the invoice's PaymentIntent again, as Stripe's retries do.
        if let Some(pi) = self.payment_intents.get_mut(&pi_id) {
            pi.payment_method = Some(pm);
            pi.status = "requires_confirmation";
        }
        let result = self.confirm(&pi_id);
        let succeeded = self
            .payment_intents
            .get(&pi_id)
            .is_some_and(|pi| pi.status == "succeeded");
        if succeeded {
            self.invoice_paid(id);
            return Ok(());
        }
        if self
            .payment_intents
            .get(&pi_id)
            .is_some_and(|pi| pi.status == "requires_action")
        {
            let body = self.invoice_json_by_id(id);
            self.emit("invoice.payment_action_required", body, None);
        }
        self.invoice_failed(id, automatic);
        result
    }

    /// The PaymentIntent of an invoice and its default `invoice_payment`.
    fn invoice_payment_intent(
        &mut self,
        invoice: &str,
        amount: i64,
        currency: &str,
        customer: &str,
        reason: &str,
    ) -> String {
        let id = new_id("pi");
        let secret = new_id("secret");
        let now = self.now();
        let description = match reason {
            "subscription_create" => "Subscription creation",
            "subscription_update" => "Subscription update",
            _ => "Subscription cycle",
        };
        let pi = PaymentIntent {
            id: id.clone(),
            created: now,
            amount,
            currency: currency.to_owned(),
            status: "requires_confirmation",
            capture_method: "automatic".to_owned(),
            amount_capturable: 0,
            amount_received: 0,
            automatic_payment_methods: None,
            customer: Some(customer.to_owned()),
            description: Some(description.to_owned()),
            metadata: Metadata::new(),
            payment_method: None,
            payment_method_types: vec!["card".to_owned()],
            receipt_email: None,
            setup_future_usage: None,
            shipping: None,
            statement_descriptor: None,
            statement_descriptor_suffix: None,
            latest_charge: None,
            last_payment_error: None,
            canceled_at: None,
            cancellation_reason: None,
            client_secret: format!("{id}_{secret}"),
        };
        let body = self.payment_intent_json(&pi);
        self.payment_intents.insert(id.clone(), pi);
        self.emit("payment_intent.created", body, None);
        let pay_id = new_id("inpay");
        self.invoice_payments.insert(
            pay_id.clone(),
            InvoicePayment {
                id: pay_id.clone(),
                created: now,
                invoice: invoice.to_owned(),
                amount_requested: amount,
                amount_paid: None,
                currency: currency.to_owned(),
                payment_intent: id.clone(),
                status: "open",
                paid_at: None,
                canceled_at: None,
            },
        );
        if let Some(inv) = self.invoices.get_mut(invoice) {
            inv.payment = Some(pay_id);
        }
        id
    }

    /// Invoice `id` is paid: `invoice_payment.paid` (when a payment paid it), `invoice.paid`,
    /// `invoice.payment_succeeded`; its subscription, if it was waiting on it, is active.
    fn invoice_paid(&mut self, id: &str) {
        let now = self.now();
        let Some(inv) = self.invoices.get_mut(id) else {
            return;
        };
        inv.status = InvoiceStatus::Paid;
        inv.amount_paid = inv.amount_due();
        inv.paid_at = Some(now);
        inv.next_payment_attempt = None;
        let paid = inv.amount_paid;
        let payment = inv.payment.clone();
        let sub_id = inv.subscription.clone();
        if let Some(p) = payment
            .as_deref()
            .and_then(|p| self.invoice_payments.get_mut(p))
        {
            p.status = "paid";
            p.amount_paid = Some(paid);
            p.paid_at = Some(now);
        }
        if let Some(body) = payment
            .as_deref()
            .and_then(|p| self.invoice_payments.get(p))
            .map(|p| self.invoice_payment_json(p))
        {
            self.emit("invoice_payment.paid", body, None);
        }
        let body = self.invoice_json_by_id(id);
        self.emit("invoice.paid", body.clone(), None);
        self.emit("invoice.payment_succeeded", body, None);
        // The subscription is in good standing again once none of its invoices is failing.
        let failing = self.invoices.iter().any(|i| {
            i.subscription == sub_id && i.status == InvoiceStatus::Open && i.attempt_count > 0
        });
        if let Some(s) = self.subscriptions.get_mut(&sub_id) {
            let trial_over = s.trial_end.is_none_or(|t| now >= t);
            let waiting = matches!(
                s.status,
                SubStatus::Incomplete
                    | SubStatus::PastDue
                    | SubStatus::Unpaid
                    | SubStatus::Trialing
            );
            if waiting && trial_over && !failing {
                s.status = SubStatus::Active;
            }
        }
    }

    /// A failed attempt on invoice `id`: `invoice.payment_failed`, the next automatic attempt
    /// per the dunning schedule, and the subscription `past_due`, or ended after the last retry.
    /// A subscription's first invoice is not retried: the subscription stays `incomplete`.
    fn invoice_failed(&mut self, id: &str, automatic: bool) {
        let now = self.now();
        let delays = self.dunning.retry_delays.clone();
        let after = self.dunning.after_retries;
        let Some(inv) = self.invoices.get_mut(id) else {
            return;
        };
        let first = inv.billing_reason == "subscription_create";
        let mut exhausted = false;
        if automatic && !first {
            let done = usize::try_from(inv.automatic_attempts.saturating_sub(1)).unwrap_or(0);
            match delays.get(done) {
                Some(d) => {
                    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                    inv.next_payment_attempt = Some(now.saturating_add(secs));
                }
                None => {
                    inv.next_payment_attempt = None;
                    exhausted = true;
                }
            }
        }
        let sub_id = inv.subscription.clone();
        let body = self.invoice_json_by_id(id);
        self.emit("invoice.payment_failed", body, None);
        let Some(s) = self.subscriptions.get_mut(&sub_id) else {
            return;
        };
        // Any failing invoice of the subscription counts, not only its latest: with a period
        // shorter than the retry schedule, an older invoice may run out of retries.
        if s.status == SubStatus::Canceled {
            return;
        }
        if exhausted {
            match after {
                AfterRetries::Cancel => {
                    s.status = SubStatus::Canceled;
                    s.canceled_at = Some(now);
                    s.ended_at = Some(now);
                    s.cancellation_reason = Some("payment_failed");
                    s.pending.clear();
                }
                AfterRetries::Unpaid => s.status = SubStatus::Unpaid,
            }
        } else if !first && matches!(s.status, SubStatus::Active | SubStatus::Trialing) {
            s.status = SubStatus::PastDue;
        }
    }

    // ---- /v1/invoices ----------------------------------------------------------------

    pub(crate) fn retrieve_invoice(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        let with_payments = p.expand()?.iter().any(|e| e == "payments");
        Ok(self.invoice_json(self.invoice(id)?, with_payments))
    }

    pub(crate) fn list_invoices(&mut self, p: &Params) -> Answer {
        p.only(&[
            "customer",
            "subscription",
            "status",
            "collection_method",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let customer = p.str("customer")?.map(str::to_owned);
        let subscription = p.str("subscription")?.map(str::to_owned);
        let status = one_of(
            p,
            "status",
            &["draft", "open", "paid", "uncollectible", "void"],
        )?;
        let method = one_of(
            p,
            "collection_method",
            &["charge_automatically", "send_invoice"],
        )?;
        let with_payments = p.expand()?.iter().any(|e| e == "data.payments");
        self.page(
            &self.invoices,
            "invoice",
            "/v1/invoices",
            p,
            |i| {
                created.contains(i.created)
                    && customer.as_ref().is_none_or(|c| *c == i.customer)
                    && subscription.as_ref().is_none_or(|s| *s == i.subscription)
                    && status.as_deref().is_none_or(|s| s == i.status.as_str())
                    && method
                        .as_deref()
                        .is_none_or(|m| m == "charge_automatically")
            },
            |i| self.invoice_json(i, with_payments),
        )
    }

    /// `POST /v1/invoices/{id}/pay`: collects an open (or uncollectible) invoice now, with
    /// `payment_method` when given (it must be attached to the invoice's customer).
    pub(crate) fn pay_invoice(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "forgive",
            "off_session",
            "paid_out_of_band",
            "payment_method",
            "mandate",
            "source",
        ])?;
        p.bool("forgive")?;
        p.bool("off_session")?;
        if p.str("source")?.is_some_and(|s| !s.is_empty()) {
            return Err(ApiErr::invalid(
                Some("source"),
                None,
                "The sandbox fake pays invoices with PaymentMethods only.",
            ));
        }
        let inv = self.invoice(id)?;
        let (customer, status, sub_id) =
            (inv.customer.clone(), inv.status, inv.subscription.clone());
        match status {
            InvoiceStatus::Open | InvoiceStatus::Uncollectible => {}
            InvoiceStatus::Paid => {
                return Err(ApiErr::invalid(None, None, "Invoice is already paid"));
            }
            InvoiceStatus::Void | InvoiceStatus::Draft => {
                return Err(ApiErr::invalid(
                    None,
                    None,
                    &format!(
                        "You can only pay an invoice that is open or uncollectible; {id} is {}.",
                        status.as_str()
                    ),
                ));
            }
        }
        let pm = match p.str("payment_method")?.filter(|s| !s.is_empty()) {
            None => None,
            Some(pm) => match self.payment_methods.get(pm) {
                Some(found) if found.customer.as_deref() == Some(customer.as_str()) => {
                    Some(pm.to_owned())
                }
                Some(_) => {
                    return Err(ApiErr::invalid(
                        Some("payment_method"),
                        None,
                        &format!(
                            "The PaymentMethod {pm} does not belong to the Customer {customer}. Please attach it to the Customer first."
                        ),
                    ));
                }
                None => return Err(ApiErr::no_such_param("PaymentMethod", pm, "payment_method")),
            },
        };
        self.enter_clock_of(&customer);
        let before = self.subscription_snapshot(&sub_id);
        let result = if p.bool("paid_out_of_band")? == Some(true) {
            if let Some(inv) = self.invoices.get_mut(id) {
                inv.paid_out_of_band = true;
            }
            self.invoice_paid(id);
            Ok(())
        } else {
            self.attempt_invoice(id, pm, false)
        };
        self.subscription_changed(&sub_id, &before);
        result.map(|()| self.invoice_json_by_id(id))
    }

    /// `POST /v1/invoices/{id}/void`: an open or uncollectible invoice is void, its
    /// PaymentIntent canceled (`invoice.voided`).
    pub(crate) fn void_invoice(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        let inv = self.invoice(id)?;
        if !matches!(
            inv.status,
            InvoiceStatus::Open | InvoiceStatus::Uncollectible
        ) {
            return Err(ApiErr::invalid(
                None,
                None,
                &format!(
                    "You can only void an invoice that is open or uncollectible; {id} is {}.",
                    inv.status.as_str()
                ),
            ));
        }
        let (customer, payment) = (inv.customer.clone(), inv.payment.clone());
        self.enter_clock_of(&customer);
        let now = self.now();
        if let Some(inv) = self.invoices.get_mut(id) {
            inv.status = InvoiceStatus::Void;
            inv.voided_at = Some(now);
            inv.next_payment_attempt = None;
        }
        let pi = match payment
            .as_deref()
            .and_then(|p| self.invoice_payments.get_mut(p))
        {
            Some(p) => {
                p.status = "canceled";
                p.canceled_at = Some(now);
                Some(p.payment_intent.clone())
            }
            None => None,
        };
        if let Some(pi_id) = pi
            && let Some(pi) = self.payment_intents.get_mut(&pi_id)
            && pi.status != "succeeded"
        {
            pi.status = "canceled";
            pi.canceled_at = Some(now);
            pi.cancellation_reason = Some("void_invoice".to_owned());
            let body = self.payment_intent_json_by(&pi_id);
            self.emit("payment_intent.canceled", body, None);
        }
        let body = self.invoice_json_by_id(id);
        self.emit("invoice.voided", body.clone(), None);
        Ok(body)
    }

    fn payment_intent_json_by(&self, id: &str) -> Value {
        self.payment_intents
            .get(id)
            .map_or(Value::Null, |pi| self.payment_intent_json(pi))
    }

    /// `POST /v1/invoices/{id}/mark_uncollectible`: an open invoice is written off, its
    /// retries stopped (`invoice.marked_uncollectible`).
    pub(crate) fn mark_uncollectible(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        let inv = self.invoice(id)?;
        if inv.status != InvoiceStatus::Open {
            return Err(ApiErr::invalid(
                None,
                None,
                &format!(
                    "You can only mark an open invoice uncollectible; {id} is {}.",
                    inv.status.as_str()
                ),
            ));
        }
        let customer = inv.customer.clone();
        self.enter_clock_of(&customer);
        let now = self.now();
        if let Some(inv) = self.invoices.get_mut(id) {
            inv.status = InvoiceStatus::Uncollectible;
            inv.marked_uncollectible_at = Some(now);
            inv.next_payment_attempt = None;
        }
        let body = self.invoice_json_by_id(id);
        self.emit("invoice.marked_uncollectible", body.clone(), None);
        Ok(body)
    }
}

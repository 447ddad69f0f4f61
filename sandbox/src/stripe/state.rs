//! The fake account's objects, how they render as Stripe JSON, `expand`, lists and events.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::billing::{Invoice, InvoicePayment, Price, Product, Subscription, TestClock};
use super::cards::{Behaviour, TestCard};
use super::clock::Dunning;
use super::credit_notes::CreditNote;
use super::error::ApiErr;
use super::form::{Params, Range};
use super::{API_VERSION, processing_fee};

pub(crate) type Metadata = BTreeMap<String, String>;

/// Objects of one kind, in creation order.
pub(crate) struct Store<T> {
    order: Vec<String>,
    map: HashMap<String, T>,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store {
            order: Vec::new(),
            map: HashMap::new(),
        }
    }
}

impl<T> Store<T> {
    pub(crate) fn insert(&mut self, id: String, value: T) {
        if self.map.insert(id.clone(), value).is_none() {
            self.order.push(id);
        }
    }
    pub(crate) fn get(&self, id: &str) -> Option<&T> {
        self.map.get(id)
    }
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.map.get_mut(id)
    }
    /// Oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.order.iter().filter_map(|id| self.map.get(id))
    }
    pub(crate) fn ids(&self) -> Vec<String> {
        self.order.clone()
    }
    fn position(&self, id: &str) -> Option<usize> {
        self.order.iter().position(|i| i == id)
    }
}

/// Stripe-like id: prefix, `_`, 24 random alphanumerics.
pub(crate) fn new_id(prefix: &str) -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &a[..24])
}

pub(crate) struct Customer {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) email: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) address: Option<Value>,
    pub(crate) shipping: Option<Value>,
    pub(crate) metadata: Metadata,
    pub(crate) default_payment_method: Option<String>,
    pub(crate) deleted: bool,
    /// The test clock the customer lives on (`clock_...`).
    pub(crate) test_clock: Option<String>,
}

pub(crate) struct PaymentMethod {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) card: TestCard,
    pub(crate) exp_year: i64,
    pub(crate) customer: Option<String>,
}

pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) status: &'static str,
    pub(crate) capture_method: String,
    pub(crate) amount_capturable: i64,
    pub(crate) amount_received: i64,
    pub(crate) automatic_payment_methods: Option<Value>,
    pub(crate) customer: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) payment_method: Option<String>,
    pub(crate) payment_method_types: Vec<String>,
    pub(crate) receipt_email: Option<String>,
    pub(crate) setup_future_usage: Option<String>,
    pub(crate) shipping: Option<Value>,
    pub(crate) statement_descriptor: Option<String>,
    pub(crate) statement_descriptor_suffix: Option<String>,
    pub(crate) latest_charge: Option<String>,
    pub(crate) last_payment_error: Option<Value>,
    pub(crate) canceled_at: Option<i64>,
    pub(crate) cancellation_reason: Option<String>,
    pub(crate) client_secret: String,
}

pub(crate) struct Charge {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) amount_captured: i64,
    pub(crate) amount_refunded: i64,
    pub(crate) currency: String,
    pub(crate) status: &'static str,
    pub(crate) paid: bool,
    pub(crate) captured: bool,
    pub(crate) refunded: bool,
    pub(crate) disputed: bool,
    pub(crate) customer: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) payment_intent: Option<String>,
    pub(crate) payment_method: String,
    pub(crate) card: TestCard,
    pub(crate) exp_year: i64,
    pub(crate) outcome: Value,
    pub(crate) failure_code: Option<String>,
    pub(crate) failure_message: Option<String>,
    pub(crate) balance_transaction: Option<String>,
    pub(crate) receipt_email: Option<String>,
    pub(crate) shipping: Option<Value>,
}

pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) charge: String,
    pub(crate) payment_intent: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) balance_transaction: String,
}

pub(crate) struct BalanceTransaction {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) fee: i64,
    /// `(amount, type, description)`.
    pub(crate) fee_details: Vec<(i64, &'static str, &'static str)>,
    pub(crate) currency: String,
    pub(crate) kind: &'static str,
    pub(crate) reporting_category: &'static str,
    pub(crate) source: String,
    pub(crate) description: Option<String>,
    pub(crate) payout: Option<String>,
}

pub(crate) struct Payout {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) arrival_date: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) balance_transaction: String,
}

pub(crate) struct Dispute {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) charge: String,
    pub(crate) payment_intent: Option<String>,
    pub(crate) reason: String,
    pub(crate) status: &'static str,
    pub(crate) evidence: Metadata,
    pub(crate) submission_count: u32,
    pub(crate) metadata: Metadata,
    pub(crate) balance_transactions: Vec<String>,
    pub(crate) due_by: i64,
}

pub(crate) struct EarlyFraudWarning {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) charge: String,
    pub(crate) payment_intent: Option<String>,
    pub(crate) fraud_type: String,
}

pub(crate) struct Event {
    pub(crate) created: i64,
    pub(crate) event_type: String,
    pub(crate) body: Value,
}

/// A saved answer of a POST with an `Idempotency-Key`.
pub(crate) struct Saved {
    pub(crate) method_path: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) status: u16,
    pub(crate) body: Value,
}

/// The request being served, for events' `request` field.
#[derive(Default, Clone)]
pub(crate) struct RequestCtx {
    pub(crate) id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
}

/// The whole fake account.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) clock_offset: i64,
    pub(crate) customers: Store<Customer>,
    pub(crate) payment_methods: Store<PaymentMethod>,
    pub(crate) payment_intents: Store<PaymentIntent>,
    pub(crate) charges: Store<Charge>,
    pub(crate) refunds: Store<Refund>,
    pub(crate) balance_transactions: Store<BalanceTransaction>,
    pub(crate) payouts: Store<Payout>,
    pub(crate) disputes: Store<Dispute>,
    pub(crate) warnings: Store<EarlyFraudWarning>,
    pub(crate) events: Store<Event>,
    pub(crate) idempotency: HashMap<String, Saved>,
    pub(crate) endpoints: Vec<url::Url>,
    /// Events created by the current operation, to deliver once the lock is released.
    pub(crate) outbox: Vec<Value>,
    pub(crate) request: RequestCtx,
    pub(crate) products: Store<Product>,
    pub(crate) prices: Store<Price>,
    pub(crate) test_clocks: Store<TestClock>,
    pub(crate) subscriptions: Store<Subscription>,
    pub(crate) invoices: Store<Invoice>,
    pub(crate) invoice_payments: Store<InvoicePayment>,
    pub(crate) credit_notes: Store<CreditNote>,
    /// While set, the time of every object and event made: a test clock's frozen time, or
    /// the time a due renewal or retry is run at.
    pub(crate) frozen: Option<i64>,
    pub(crate) dunning: Dunning,
}

pub(crate) fn opt<T: Into<Value> + Clone>(v: &Option<T>) -> Value {
    v.clone().map_or(Value::Null, Into::into)
}

pub(crate) fn meta(m: &Metadata) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The calendar year of a Unix time (close enough for card expiry dates).
fn year_of(t: i64) -> i64 {
    1970 + t.div_euclid(31_556_952)
}

fn fingerprint(number: &str) -> String {
    let digest = Sha256::digest(format!("sandbox-card:{number}").as_bytes());
    let hex = hex::encode(digest);
    hex.chars().take(16).collect()
}

impl State {
    pub(crate) fn now(&self) -> i64 {
        if let Some(t) = self.frozen {
            return t;
        }
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        real.saturating_add(self.clock_offset)
    }

    // ---- rendering -------------------------------------------------------------------

    fn card_json(&self, card: &TestCard, exp_year: i64) -> Value {
        json!({
            "brand": card.brand,
            "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass"},
            "country": "US",
            "exp_month": 12,
            "exp_year": exp_year,
            "fingerprint": fingerprint(&card.number),
            "funding": "credit",
            "last4": card.last4(),
            "networks": {"available": [card.brand], "preferred": null},
            "three_d_secure_usage": {"supported": true},
            "wallet": null,
        })
    }

    pub(crate) fn customer_json(&self, c: &Customer) -> Value {
        if c.deleted {
            return json!({"id": c.id, "object": "customer", "deleted": true});
        }
        json!({
            "id": c.id,
            "object": "customer",
            "address": c.address.clone().unwrap_or(Value::Null),
            "balance": 0,
            "created": c.created,
            "currency": null,
            "default_source": null,
            "delinquent": false,
            "description": opt(&c.description),
            "discount": null,
            "email": opt(&c.email),
            "invoice_prefix": c.id.trim_start_matches("cus_").chars().take(8).collect::<String>().to_uppercase(),
            "invoice_settings": {
                "custom_fields": null,
                "default_payment_method": opt(&c.default_payment_method),
                "footer": null,
                "rendering_options": null,
            },
            "livemode": false,
            "metadata": meta(&c.metadata),
            "name": opt(&c.name),
            "next_invoice_sequence": 1,
            "phone": opt(&c.phone),
            "preferred_locales": [],
            "shipping": c.shipping.clone().unwrap_or(Value::Null),
            "tax_exempt": "none",
            "test_clock": opt(&c.test_clock),
        })
    }

    pub(crate) fn payment_method_json(&self, pm: &PaymentMethod) -> Value {
        json!({
            "id": pm.id,
            "object": "payment_method",
            "billing_details": {
                "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
                "email": null, "name": null, "phone": null,
            },
            "card": self.card_json(&pm.card, pm.exp_year),
            "created": pm.created,
            "customer": opt(&pm.customer),
            "livemode": false,
            "metadata": {},
            "type": "card",
        })
    }

    pub(crate) fn payment_intent_json(&self, pi: &PaymentIntent) -> Value {
        json!({
            "id": pi.id,
            "object": "payment_intent",
            "amount": pi.amount,
            "amount_capturable": pi.amount_capturable,
            "amount_details": {"tip": {}},
            "amount_received": pi.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": pi.automatic_payment_methods.clone().unwrap_or(Value::Null),
            "canceled_at": opt(&pi.canceled_at),
            "cancellation_reason": opt(&pi.cancellation_reason),
            "capture_method": pi.capture_method,
            "client_secret": pi.client_secret,
            "confirmation_method": "automatic",
            "created": pi.created,
            "currency": pi.currency,
            "customer": opt(&pi.customer),
            "description": opt(&pi.description),
            "last_payment_error": pi.last_payment_error.clone().unwrap_or(Value::Null),
            "latest_charge": opt(&pi.latest_charge),
            "livemode": false,
            "metadata": meta(&pi.metadata),
            // What Stripe.js needs for the challenge (the fake's shape: no URL to follow).
            "next_action": if pi.status == "requires_action" {
                json!({"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}})
            } else {
                Value::Null
            },
            "on_behalf_of": null,
            "payment_method": opt(&pi.payment_method),
            "payment_method_options": {},
            "payment_method_types": pi.payment_method_types,
            "processing": null,
            "receipt_email": opt(&pi.receipt_email),
            "review": null,
            "setup_future_usage": opt(&pi.setup_future_usage),
            "shipping": pi.shipping.clone().unwrap_or(Value::Null),
            "source": null,
            "statement_descriptor": opt(&pi.statement_descriptor),
            "statement_descriptor_suffix": opt(&pi.statement_descriptor_suffix),
            "status": pi.status,
            "transfer_data": null,
            "transfer_group": null,
        })
    }

    pub(crate) fn charge_json(&self, ch: &Charge) -> Value {
        json!({
            "id": ch.id,
            "object": "charge",
            "amount": ch.amount,
            "amount_captured": ch.amount_captured,
            "amount_refunded": ch.amount_refunded,
            "application": null,
            "application_fee": null,
            "application_fee_amount": null,
            "balance_transaction": opt(&ch.balance_transaction),
            "billing_details": {
                "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
                "email": null, "name": null, "phone": null,
            },
            "calculated_statement_descriptor": "SANDBOX",
            "captured": ch.captured,
            "created": ch.created,
            "currency": ch.currency,
            "customer": opt(&ch.customer),
            "description": opt(&ch.description),
            "disputed": ch.disputed,
            "failure_balance_transaction": null,
            "failure_code": opt(&ch.failure_code),
            "failure_message": opt(&ch.failure_message),
            "fraud_details": {},
            "livemode": false,
            "metadata": meta(&ch.metadata),
            "on_behalf_of": null,
            "outcome": ch.outcome,
            "paid": ch.paid,
            "payment_intent": opt(&ch.payment_intent),
            "payment_method": ch.payment_method,
            "payment_method_details": {"type": "card", "card": self.card_json(&ch.card, ch.exp_year)},
            "receipt_email": opt(&ch.receipt_email),
            "receipt_url": format!("https://pay.stripe.com/receipts/sandbox/{}", ch.id),
            "refunded": ch.refunded,
            "review": null,
            "shipping": ch.shipping.clone().unwrap_or(Value::Null),
            "source_transfer": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": ch.status,
            "transfer_group": null,
        })
    }

    pub(crate) fn refund_json(&self, r: &Refund) -> Value {
        json!({
            "id": r.id,
            "object": "refund",
            "amount": r.amount,
            "balance_transaction": r.balance_transaction,
            "charge": r.charge,
            "created": r.created,
            "currency": r.currency,
            "metadata": meta(&r.metadata),
            "payment_intent": opt(&r.payment_intent),
            "reason": opt(&r.reason),
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": "succeeded",
            "transfer_reversal": null,
        })
    }

    pub(crate) fn balance_transaction_json(&self, t: &BalanceTransaction) -> Value {
        let details: Vec<Value> = t
            .fee_details
            .iter()
            .map(|(amount, kind, description)| {
                json!({"amount": amount, "application": null, "currency": t.currency, "description": description, "type": kind})
            })
            .collect();
        json!({
            "id": t.id,
            "object": "balance_transaction",
            "amount": t.amount,
            "available_on": t.created,
            "created": t.created,
            "currency": t.currency,
            "description": opt(&t.description),
            "exchange_rate": null,
            "fee": t.fee,
            "fee_details": details,
            "net": t.amount.saturating_sub(t.fee),
            "reporting_category": t.reporting_category,
            "source": t.source,
            "status": "available",
            "type": t.kind,
        })
    }

    pub(crate) fn payout_json(&self, p: &Payout) -> Value {
        json!({
            "id": p.id,
            "object": "payout",
            "amount": p.amount,
            "arrival_date": p.arrival_date,
            "automatic": true,
            "balance_transaction": p.balance_transaction,
            "created": p.created,
            "currency": p.currency,
            "description": "STRIPE PAYOUT",
            "destination": "ba_sandboxbankaccount0000",
            "failure_balance_transaction": null,
            "failure_code": null,
            "failure_message": null,
            "livemode": false,
            "metadata": {},
            "method": "standard",
            "original_payout": null,
            "reconciliation_status": "completed",
            "reversed_by": null,
            "source_type": "card",
            "statement_descriptor": null,
            "status": "paid",
            "type": "bank_account",
        })
    }

    pub(crate) fn dispute_json(&self, d: &Dispute) -> Value {
        let mut evidence = Map::new();
        for field in super::EVIDENCE_FIELDS {
            evidence.insert((*field).to_owned(), opt(&d.evidence.get(*field).cloned()));
        }
        let txns: Vec<Value> = d
            .balance_transactions
            .iter()
            .filter_map(|id| self.balance_transactions.get(id))
            .map(|t| self.balance_transaction_json(t))
            .collect();
        json!({
            "id": d.id,
            "object": "dispute",
            "amount": d.amount,
            "balance_transactions": txns,
            "charge": d.charge,
            "created": d.created,
            "currency": d.currency,
            "evidence": evidence,
            "evidence_details": {
                "due_by": d.due_by,
                "has_evidence": !d.evidence.is_empty(),
                "past_due": false,
                "submission_count": d.submission_count,
            },
            "is_charge_refundable": false,
            "livemode": false,
            "metadata": meta(&d.metadata),
            "payment_intent": opt(&d.payment_intent),
            "reason": d.reason,
            "status": d.status,
        })
    }

    pub(crate) fn warning_json(&self, w: &EarlyFraudWarning) -> Value {
        json!({
            "id": w.id,
            "object": "radar.early_fraud_warning",
            "actionable": self.charges.get(&w.charge).is_some_and(|c| !c.refunded && !c.disputed),
            "charge": w.charge,
            "created": w.created,
            "fraud_type": w.fraud_type,
            "livemode": false,
            "payment_intent": opt(&w.payment_intent),
        })
    }

    /// Any object by id, as the API renders it.
    pub(crate) fn object_json(&self, id: &str) -> Option<Value> {
        let (prefix, _) = id.split_once('_')?;
        match prefix {
            "cus" => self.customers.get(id).map(|o| self.customer_json(o)),
            "pm" => self
                .payment_methods
                .get(id)
                .map(|o| self.payment_method_json(o)),
            "pi" => self
                .payment_intents
                .get(id)
                .map(|o| self.payment_intent_json(o)),
            "ch" => self.charges.get(id).map(|o| self.charge_json(o)),
            "re" => self.refunds.get(id).map(|o| self.refund_json(o)),
            "txn" => self
                .balance_transactions
                .get(id)
                .map(|o| self.balance_transaction_json(o)),
            "po" => self.payouts.get(id).map(|o| self.payout_json(o)),
            "dp" => self.disputes.get(id).map(|o| self.dispute_json(o)),
            "issfr" => self.warnings.get(id).map(|o| self.warning_json(o)),
            "evt" => self.events.get(id).map(|e| e.body.clone()),
            "prod" => self.products.get(id).map(|o| self.product_json(o)),
            "price" => self.prices.get(id).map(|o| self.price_json(o)),
            "clock" => self.test_clocks.get(id).map(|o| self.test_clock_json(o)),
            "sub" => self
                .subscriptions
                .get(id)
                .map(|o| self.subscription_json(o)),
            "in" => self.invoices.get(id).map(|o| self.invoice_json(o, false)),
            "cn" => self.credit_notes.get(id).map(|o| self.credit_note_json(o)),
            "inpay" => self
                .invoice_payments
                .get(id)
                .map(|o| self.invoice_payment_json(o)),
            _ => None,
        }
    }

    // ---- expand ----------------------------------------------------------------------

    /// Applies `expand[]` paths to an answer (`data.` paths on lists).
    pub(crate) fn expand(&self, value: &mut Value, paths: &[String]) -> Result<(), ApiErr> {
        let is_list = matches!(
            value.get("object").and_then(Value::as_str),
            Some("list" | "search_result")
        );
        for path in paths {
            let parts: Vec<&str> = path.split('.').collect();
            if parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
                return Err(ApiErr::invalid(
                    Some("expand"),
                    None,
                    &format!("This property cannot be expanded ({path})."),
                ));
            }
            if is_list {
                let Some(("data", rest)) = parts.split_first().map(|(h, r)| (*h, r)) else {
                    return Err(ApiErr::invalid(
                        Some("expand"),
                        None,
                        &format!("This property cannot be expanded ({path})."),
                    ));
                };
                if rest.is_empty() {
                    continue;
                }
                if let Some(items) = value.get_mut("data").and_then(Value::as_array_mut) {
                    for item in items {
                        self.expand_path(item, rest, path)?;
                    }
                }
            } else {
                self.expand_path(value, &parts, path)?;
            }
        }
        Ok(())
    }

    fn expand_path(&self, value: &mut Value, parts: &[&str], full: &str) -> Result<(), ApiErr> {
        let Some((head, rest)) = parts.split_first() else {
            return Ok(());
        };
        let cannot = || {
            ApiErr::invalid(
                Some("expand"),
                None,
                &format!("This property cannot be expanded ({full})."),
            )
        };
        let Some(field) = value.get_mut(*head) else {
            return Err(cannot());
        };
        if let Some(id) = field.as_str() {
            *field = self.object_json(id).ok_or_else(cannot)?;
        } else if field.is_null() {
            return Ok(());
        } else if !field.is_object() {
            return Err(cannot());
        }
        self.expand_path(field, rest, full)
    }

    // ---- lists -----------------------------------------------------------------------

    /// One page of a list, newest first, with `starting_after` / `ending_before` paging.
    pub(crate) fn page<T>(
        &self,
        store: &Store<T>,
        kind: &str,
        url: &str,
        params: &Params,
        keep: impl Fn(&T) -> bool,
        render: impl Fn(&T) -> Value,
    ) -> Result<Value, ApiErr> {
        let limit = params.limit()?;
        let starting_after = params.str("starting_after")?.filter(|s| !s.is_empty());
        let ending_before = params.str("ending_before")?.filter(|s| !s.is_empty());
        let cursor = |param: &str, id: &str| {
            store
                .position(id)
                .ok_or_else(|| ApiErr::no_such_param(kind, id, param))
        };
        let all: Vec<(usize, &T)> = store
            .order
            .iter()
            .enumerate()
            .filter_map(|(i, id)| store.map.get(id).map(|o| (i, o)))
            .filter(|(_, o)| keep(o))
            .collect();
        let (items, has_more): (Vec<&T>, bool) = match (starting_after, ending_before) {
            (Some(_), Some(_)) => {
                return Err(ApiErr::invalid(
                    Some("ending_before"),
                    None,
                    "You may only specify one of these parameters: ending_before, starting_after.",
                ));
            }
            (Some(after), None) => {
                let at = cursor("starting_after", after)?;
                let older: Vec<&T> = all
                    .iter()
                    .rev()
                    .filter(|(i, _)| *i < at)
                    .map(|(_, o)| *o)
                    .collect();
                (
                    older.iter().take(limit).copied().collect(),
                    older.len() > limit,
                )
            }
            (None, Some(before)) => {
                let at = cursor("ending_before", before)?;
                let newer: Vec<&T> = all
                    .iter()
                    .filter(|(i, _)| *i > at)
                    .map(|(_, o)| *o)
                    .collect();
                let mut page: Vec<&T> = newer.iter().take(limit).copied().collect();
                page.reverse();
                (page, newer.len() > limit)
            }
            (None, None) => {
                let newest: Vec<&T> = all.iter().rev().map(|(_, o)| *o).collect();
                (
                    newest.iter().take(limit).copied().collect(),
                    newest.len() > limit,
                )
            }
        };
        Ok(json!({
            "object": "list",
            "data": items.into_iter().map(render).collect::<Vec<_>>(),
            "has_more": has_more,
            "url": url,
        }))
    }

    // ---- events ----------------------------------------------------------------------

    /// Records an event about `object` (already rendered) and queues it for delivery.
    pub(crate) fn emit(&mut self, event_type: &str, object: Value, previous: Option<Value>) {
        let id = new_id("evt");
        let created = self.now();
        let mut data = json!({ "object": object });
        if let (Some(prev), Some(map)) = (previous, data.as_object_mut()) {
            map.insert("previous_attributes".into(), prev);
        }
        let body = json!({
            "id": id,
            "object": "event",
            "api_version": API_VERSION,
            "created": created,
            "data": data,
            "livemode": false,
            "pending_webhooks": self.endpoints.len(),
            "request": {"id": opt(&self.request.id), "idempotency_key": opt(&self.request.idempotency_key)},
            "type": event_type,
        });
        self.outbox.push(body.clone());
        self.events.insert(
            id,
            Event {
                created,
                event_type: event_type.to_owned(),
                body,
            },
        );
    }

    // ---- money movements -------------------------------------------------------------

    /// A balance transaction; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_txn(
        &mut self,
        amount: i64,
        fee: Vec<(i64, &'static str, &'static str)>,
        currency: &str,
        kind: &'static str,
        reporting_category: &'static str,
        source: &str,
        description: Option<String>,
    ) -> String {
        let id = new_id("txn");
        let total_fee = fee
            .iter()
            .fold(0i64, |acc, (a, _, _)| acc.saturating_add(*a));
        let txn = BalanceTransaction {
            id: id.clone(),
            created: self.now(),
            amount,
            fee: total_fee,
            fee_details: fee,
            currency: currency.to_owned(),
            kind,
            reporting_category,
            source: source.to_owned(),
            description,
            payout: None,
        };
        self.balance_transactions.insert(id.clone(), txn);
        id
    }

    /// Books a captured amount of a charge: a `charge` balance transaction with the fake's fee.
    pub(crate) fn book_capture(&mut self, charge_id: &str, amount: i64) {
        let Some((currency, description)) = self
            .charges
            .get(charge_id)
            .map(|c| (c.currency.clone(), c.description.clone()))
        else {
            return;
        };
        let fee = processing_fee(amount);
        let txn = self.add_txn(
            amount,
            vec![(fee, "stripe_fee", "Stripe processing fees")],
            &currency,
            "charge",
            "charge",
            charge_id,
            description,
        );
        if let Some(c) = self.charges.get_mut(charge_id) {
            c.balance_transaction = Some(txn);
        }
    }

    /// After a charge is captured: the test cards that raise an early fraud warning or a
    /// dispute do so now.
    pub(crate) fn after_capture(&mut self, charge_id: &str) {
        let Some(behaviour) = self.charges.get(charge_id).map(|c| c.card.behaviour) else {
            return;
        };
        match behaviour {
            Behaviour::EarlyFraudWarning => {
                self.create_warning(charge_id);
            }
            Behaviour::Dispute => {
                self.create_dispute(charge_id, "fraudulent");
            }
            _ => {}
        }
    }

    pub(crate) fn create_warning(&mut self, charge_id: &str) -> Option<String> {
        let pi = self
            .charges
            .get(charge_id)
            .filter(|c| c.paid)?
            .payment_intent
            .clone();
        let id = new_id("issfr");
        let w = EarlyFraudWarning {
            id: id.clone(),
            created: self.now(),
            charge: charge_id.to_owned(),
            payment_intent: pi,
            fraud_type: "made_with_stolen_card".to_owned(),
        };
        let body = self.warning_json(&w);
        self.warnings.insert(id.clone(), w);
        self.emit("radar.early_fraud_warning.created", body, None);
        Some(id)
    }

    /// Disputes a captured charge: the disputed amount and Stripe's dispute fee leave the
    /// balance (an `adjustment` balance transaction).
    pub(crate) fn create_dispute(&mut self, charge_id: &str, reason: &str) -> Option<String> {
        let (amount, currency, pi) = {
            let c = self
                .charges
                .get(charge_id)
                .filter(|c| c.captured && !c.disputed)?;
            (
                c.amount_captured.saturating_sub(c.amount_refunded).max(0),
                c.currency.clone(),
                c.payment_intent.clone(),
            )
        };
        if amount == 0 {
            return None;
        }
        let id = new_id("dp");
        let txn = self.add_txn(
            -amount,
            vec![(super::DISPUTE_FEE, "stripe_fee", "Dispute fee")],
            &currency,
            "adjustment",
            "dispute",
            &id,
            Some(format!("Chargeback withdrawal for {charge_id}")),
        );
        let now = self.now();
        let d = Dispute {
            id: id.clone(),
            created: now,
            amount,
            currency,
            charge: charge_id.to_owned(),
            payment_intent: pi,
            reason: reason.to_owned(),
            status: "needs_response",
            evidence: Metadata::new(),
            submission_count: 0,
            metadata: Metadata::new(),
            balance_transactions: vec![txn],
            due_by: now.saturating_add(7 * 86_400),
        };
        if let Some(c) = self.charges.get_mut(charge_id) {
            c.disputed = true;
        }
        let body = self.dispute_json(&d);
        self.disputes.insert(id.clone(), d);
        // Stripe sends both when a chargeback takes the funds at once (docs.stripe.com/api/events/types).
        self.emit("charge.dispute.created", body.clone(), None);
        self.emit("charge.dispute.funds_withdrawn", body, None);
        Some(id)
    }

    /// Groups every balance transaction of `currency` not yet paid out into a paid payout.
    pub(crate) fn pay_out(&mut self, currency: &str) -> Option<String> {
        let currency = currency.to_ascii_lowercase();
        let pending: Vec<String> = self
            .balance_transactions
            .iter()
            .filter(|t| t.payout.is_none() && t.currency == currency && t.kind != "payout")
            .map(|t| t.id.clone())
            .collect();
        let total = pending
            .iter()
            .filter_map(|id| self.balance_transactions.get(id))
            .fold(0i64, |acc, t| {
                acc.saturating_add(t.amount.saturating_sub(t.fee))
            });
        if total <= 0 {
            return None;
        }
        let id = new_id("po");
        let txn = self.add_txn(
            -total,
            Vec::new(),
            &currency,
            "payout",
            "payout",
            &id,
            Some("STRIPE PAYOUT".into()),
        );
        for t in pending.iter().chain(std::iter::once(&txn)) {
            if let Some(t) = self.balance_transactions.get_mut(t) {
                t.payout = Some(id.clone());
            }
        }
        let now = self.now();
        let payout = Payout {
            id: id.clone(),
            created: now,
            arrival_date: now,
            amount: total,
            currency,
            balance_transaction: txn,
        };
        let body = self.payout_json(&payout);
        self.payouts.insert(id.clone(), payout);
        self.emit("payout.created", body.clone(), None);
        self.emit("payout.paid", body, None);
        Some(id)
    }

    /// Balance of `currency` not yet paid out (net of fees).
    pub(crate) fn unpaid_balance(&self, currency: &str) -> i64 {
        let currency = currency.to_ascii_lowercase();
        self.balance_transactions
            .iter()
            .filter(|t| t.payout.is_none() && t.currency == currency)
            .fold(0i64, |acc, t| {
                acc.saturating_add(t.amount.saturating_sub(t.fee))
            })
    }

    /// A stored PaymentMethod id for a test token (`pm_card_visa` makes a new one, as in
    /// Stripe) or an existing id.
    pub(crate) fn resolve_payment_method(
        &mut self,
        id: &str,
        param: &str,
    ) -> Result<String, ApiErr> {
        if self.payment_methods.get(id).is_some() {
            return Ok(id.to_owned());
        }
        match super::cards::by_token(id) {
            Some(card) => Ok(self.new_payment_method(card)),
            None => Err(ApiErr::no_such_param("PaymentMethod", id, param)),
        }
    }

    pub(crate) fn new_payment_method(&mut self, card: TestCard) -> String {
        let id = new_id("pm");
        let created = self.now();
        let pm = PaymentMethod {
            id: id.clone(),
            created,
            card,
            exp_year: year_of(created) + 3,
            customer: None,
        };
        self.payment_methods.insert(id.clone(), pm);
        id
    }

    /// A live (not deleted) customer named by a parameter.
    pub(crate) fn live_customer(&self, id: &str, param: &str) -> Result<(), ApiErr> {
        match self.customers.get(id) {
            Some(c) if !c.deleted => Ok(()),
            _ => Err(ApiErr::no_such_param("customer", id, param)),
        }
    }

    pub(crate) fn time_filter(&self, params: &Params, key: &str) -> Result<Range, ApiErr> {
        Ok(params.range(key)?.unwrap_or_default())
    }
}

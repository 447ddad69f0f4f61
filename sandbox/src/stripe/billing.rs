//! The billing objects (products, prices, test clocks, subscriptions, invoices and their
//! payments), their statuses, and how they render as Stripe JSON in the shape of
//! `2025-03-31.basil` and later (an invoice's subscription under `parent`, a line's price under
//! `pricing`, billing periods on subscription items, `payments` only when expanded).

use serde_json::{Value, json};

use super::state::{Metadata, State, meta, opt};

pub(crate) struct Product {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) active: bool,
    pub(crate) metadata: Metadata,
}

/// A price's billing interval unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interval {
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            "year" => Some(Interval::Year),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
}

/// How often a recurring price bills: every `count` `interval`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recurring {
    pub(crate) interval: Interval,
    pub(crate) count: u32,
}

pub(crate) struct Price {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) product: String,
    pub(crate) currency: String,
    pub(crate) unit_amount: i64,
    pub(crate) recurring: Option<Recurring>,
    pub(crate) nickname: Option<String>,
    pub(crate) active: bool,
    pub(crate) metadata: Metadata,
}

pub(crate) struct TestClock {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) frozen_time: i64,
    pub(crate) name: Option<String>,
}

/// Status of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubStatus {
    Incomplete,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
}

impl SubStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SubStatus::Incomplete => "incomplete",
            SubStatus::Trialing => "trialing",
            SubStatus::Active => "active",
            SubStatus::PastDue => "past_due",
            SubStatus::Canceled => "canceled",
            SubStatus::Unpaid => "unpaid",
        }
    }
}

pub(crate) struct SubItem {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) price: String,
    pub(crate) quantity: u64,
    pub(crate) metadata: Metadata,
}

pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) customer: String,
    pub(crate) test_clock: Option<String>,
    pub(crate) currency: String,
    pub(crate) recurring: Recurring,
    pub(crate) status: SubStatus,
    pub(crate) items: Vec<SubItem>,
    pub(crate) default_payment_method: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) cancel_at_period_end: bool,
    pub(crate) canceled_at: Option<i64>,
    pub(crate) ended_at: Option<i64>,
    pub(crate) cancellation_reason: Option<&'static str>,
    pub(crate) trial_start: Option<i64>,
    pub(crate) trial_end: Option<i64>,
    /// `billing_cycle_anchor`: period ends are `anchor` plus whole intervals.
    pub(crate) anchor: i64,
    /// Intervals from `anchor` to the end of the current period.
    pub(crate) cycle: u32,
    pub(crate) period_start: i64,
    pub(crate) period_end: i64,
    pub(crate) latest_invoice: Option<String>,
    /// Proration lines waiting for the next invoice.
    pub(crate) pending: Vec<Line>,
}

/// Status of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Uncollectible,
    Void,
}

impl InvoiceStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Uncollectible => "uncollectible",
            InvoiceStatus::Void => "void",
        }
    }
}

/// One invoice line (or a proration waiting on its subscription for the next invoice).
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) id: String,
    pub(crate) amount: i64,
    pub(crate) description: String,
    pub(crate) period_start: i64,
    pub(crate) period_end: i64,
    pub(crate) price: String,
    pub(crate) product: String,
    pub(crate) quantity: u64,
    pub(crate) proration: bool,
    pub(crate) subscription_item: String,
}

pub(crate) struct Invoice {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) customer: String,
    pub(crate) customer_email: Option<String>,
    pub(crate) subscription: String,
    pub(crate) subscription_metadata: Metadata,
    pub(crate) test_clock: Option<String>,
    pub(crate) currency: String,
    pub(crate) status: InvoiceStatus,
    pub(crate) billing_reason: &'static str,
    pub(crate) lines: Vec<Line>,
    pub(crate) period_start: i64,
    pub(crate) period_end: i64,
    pub(crate) number: Option<String>,
    /// Every payment attempt, automatic or requested.
    pub(crate) attempt_count: u32,
    /// Automatic attempts only: what the retry schedule counts.
    pub(crate) automatic_attempts: u32,
    pub(crate) next_payment_attempt: Option<i64>,
    pub(crate) amount_paid: i64,
    pub(crate) paid_out_of_band: bool,
    pub(crate) finalized_at: Option<i64>,
    pub(crate) paid_at: Option<i64>,
    pub(crate) voided_at: Option<i64>,
    pub(crate) marked_uncollectible_at: Option<i64>,
    /// The invoice's default `invoice_payment` (`inpay_...`), once a payment was attempted.
    pub(crate) payment: Option<String>,
}

impl Invoice {
    pub(crate) fn total(&self) -> i64 {
        self.lines
            .iter()
            .fold(0i64, |acc, l| acc.saturating_add(l.amount))
    }

    /// What the customer owes: the total, or nothing when credits exceed it (the fake keeps
    /// no customer credit balance).
    pub(crate) fn amount_due(&self) -> i64 {
        self.total().max(0)
    }
}

/// An `invoice_payment`: the PaymentIntent that pays (or tried to pay) an invoice.
pub(crate) struct InvoicePayment {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) invoice: String,
    pub(crate) amount_requested: i64,
    pub(crate) amount_paid: Option<i64>,
    pub(crate) currency: String,
    pub(crate) payment_intent: String,
    pub(crate) status: &'static str,
    pub(crate) paid_at: Option<i64>,
    pub(crate) canceled_at: Option<i64>,
}

/// `a` with the fields of `b` added (both objects).
fn merged(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

impl State {
    pub(crate) fn product_json(&self, p: &Product) -> Value {
        json!({
            "id": p.id,
            "object": "product",
            "active": p.active,
            "created": p.created,
            "default_price": null,
            "description": opt(&p.description),
            "images": [],
            "livemode": false,
            "marketing_features": [],
            "metadata": meta(&p.metadata),
            "name": p.name,
            "package_dimensions": null,
            "shippable": null,
            "statement_descriptor": null,
            "tax_code": null,
            "type": "service",
            "unit_label": null,
            "updated": p.created,
            "url": null,
        })
    }

    pub(crate) fn price_json(&self, p: &Price) -> Value {
        let recurring = p.recurring.map_or(Value::Null, |r| {
            json!({
                "interval": r.interval.as_str(),
                "interval_count": r.count,
                "meter": null,
                "trial_period_days": null,
                "usage_type": "licensed",
            })
        });
        json!({
            "id": p.id,
            "object": "price",
            "active": p.active,
            "billing_scheme": "per_unit",
            "created": p.created,
            "currency": p.currency,
            "custom_unit_amount": null,
            "livemode": false,
            "lookup_key": null,
            "metadata": meta(&p.metadata),
            "nickname": opt(&p.nickname),
            "product": p.product,
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "tiers_mode": null,
            "transform_quantity": null,
            "type": if p.recurring.is_some() { "recurring" } else { "one_time" },
            "unit_amount": p.unit_amount,
            "unit_amount_decimal": p.unit_amount.to_string(),
        })
    }

    /// The legacy `plan` Stripe still renders beside each subscription item's price.
    fn plan_json(&self, p: &Price) -> Value {
        let r = p.recurring;
        json!({
            "id": p.id,
            "object": "plan",
            "active": p.active,
            "amount": p.unit_amount,
            "amount_decimal": p.unit_amount.to_string(),
            "billing_scheme": "per_unit",
            "created": p.created,
            "currency": p.currency,
            "interval": r.map(|r| r.interval.as_str()),
            "interval_count": r.map(|r| r.count),
            "livemode": false,
            "metadata": meta(&p.metadata),
            "meter": null,
            "nickname": opt(&p.nickname),
            "product": p.product,
            "tiers_mode": null,
            "transform_usage": null,
            "trial_period_days": null,
            "usage_type": "licensed",
        })
    }

    pub(crate) fn test_clock_json(&self, c: &TestClock) -> Value {
        json!({
            "id": c.id,
            "object": "test_helpers.test_clock",
            "created": c.created,
            // Stripe deletes a clock 30 days after its creation.
            "deletes_after": c.created.saturating_add(30 * 86_400),
            "frozen_time": c.frozen_time,
            "livemode": false,
            "name": opt(&c.name),
            "status": "ready",
            "status_details": {},
        })
    }

    fn price_json_by_id(&self, id: &str) -> Value {
        self.prices
            .get(id)
            .map_or(Value::Null, |p| self.price_json(p))
    }

    pub(crate) fn subscription_item_json(&self, s: &Subscription, i: &SubItem) -> Value {
        json!({
            "id": i.id,
            "object": "subscription_item",
            "billing_thresholds": null,
            "created": i.created,
            "current_period_end": s.period_end,
            "current_period_start": s.period_start,
            "discounts": [],
            "metadata": meta(&i.metadata),
            "plan": self.prices.get(&i.price).map_or(Value::Null, |p| self.plan_json(p)),
            "price": self.price_json_by_id(&i.price),
            "quantity": i.quantity,
            "subscription": s.id,
            "tax_rates": [],
        })
    }

    pub(crate) fn subscription_json(&self, s: &Subscription) -> Value {
        let items: Vec<Value> = s
            .items
            .iter()
            .map(|i| self.subscription_item_json(s, i))
            .collect();
        // Two halves: one `json!` of every field is past the macro's recursion limit.
        let head = json!({
            "id": s.id,
            "object": "subscription",
            "application": null,
            "application_fee_percent": null,
            "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
            "billing_cycle_anchor": s.anchor,
            "billing_cycle_anchor_config": null,
            "billing_mode": {"type": "classic"},
            "billing_thresholds": null,
            "cancel_at": if s.cancel_at_period_end { Value::from(s.period_end) } else { Value::Null },
            "cancel_at_period_end": s.cancel_at_period_end,
            "canceled_at": opt(&s.canceled_at),
            "cancellation_details": {"comment": null, "feedback": null, "reason": opt(&s.cancellation_reason)},
            "collection_method": "charge_automatically",
            "created": s.created,
            "currency": s.currency,
            "customer": s.customer,
            "days_until_due": null,
            "default_payment_method": opt(&s.default_payment_method),
            "default_source": null,
            "default_tax_rates": [],
            "description": opt(&s.description),
            "discounts": [],
            "ended_at": opt(&s.ended_at),
            "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
        });
        let rest = json!({
            "items": {
                "object": "list",
                "data": items,
                "has_more": false,
                "total_count": s.items.len(),
                "url": format!("/v1/subscription_items?subscription={}", s.id),
            },
            "latest_invoice": opt(&s.latest_invoice),
            "livemode": false,
            "metadata": meta(&s.metadata),
            "next_pending_invoice_item_invoice": null,
            "on_behalf_of": null,
            "pause_collection": null,
            "payment_settings": {"payment_method_options": null, "payment_method_types": null, "save_default_payment_method": "off"},
            "pending_invoice_item_interval": null,
            "pending_setup_intent": null,
            "pending_update": null,
            "schedule": null,
            "start_date": s.created,
            "status": s.status.as_str(),
            "test_clock": opt(&s.test_clock),
            "transfer_data": null,
            "trial_end": opt(&s.trial_end),
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": opt(&s.trial_start),
        });
        merged(head, rest)
    }

    fn line_json(&self, inv: &Invoice, l: &Line) -> Value {
        json!({
            "id": l.id,
            "object": "line_item",
            "amount": l.amount,
            "currency": inv.currency,
            "description": l.description,
            "discount_amounts": [],
            "discountable": !l.proration,
            "discounts": [],
            "invoice": inv.id,
            "livemode": false,
            "metadata": {},
            "parent": {
                "invoice_item_details": null,
                "subscription_item_details": {
                    "invoice_item": null,
                    "proration": l.proration,
                    "proration_details": {"credited_items": null},
                    "subscription": inv.subscription,
                    "subscription_item": l.subscription_item,
                },
                "type": "subscription_item_details",
            },
            "period": {"end": l.period_end, "start": l.period_start},
            "pretax_credit_amounts": [],
            "pricing": {
                "price_details": {"price": l.price, "product": l.product},
                "type": "price_details",
                "unit_amount_decimal": self.prices.get(&l.price).map_or(Value::Null, |p| p.unit_amount.to_string().into()),
            },
            "quantity": l.quantity,
            "quantity_decimal": l.quantity.to_string(),
            "subtotal": l.amount,
            "taxes": [],
        })
    }

    pub(crate) fn invoice_payment_json(&self, p: &InvoicePayment) -> Value {
        json!({
            "id": p.id,
            "object": "invoice_payment",
            "amount_paid": opt(&p.amount_paid),
            "amount_requested": p.amount_requested,
            "created": p.created,
            "currency": p.currency,
            "invoice": p.invoice,
            "is_default": true,
            "livemode": false,
            "payment": {"payment_intent": p.payment_intent, "type": "payment_intent"},
            "status": p.status,
            "status_transitions": {"canceled_at": opt(&p.canceled_at), "paid_at": opt(&p.paid_at)},
        })
    }

    /// An invoice; `payments` (its `invoice_payment` list) only when asked for, as Stripe
    /// includes it only with `expand[]=payments`.
    pub(crate) fn invoice_json(&self, inv: &Invoice, with_payments: bool) -> Value {
        let lines: Vec<Value> = inv.lines.iter().map(|l| self.line_json(inv, l)).collect();
        let total = inv.total();
        let amount_due = inv.amount_due();
        let remaining = match inv.status {
            InvoiceStatus::Void => 0,
            _ => amount_due.saturating_sub(inv.amount_paid).max(0),
        };
        let customer = self.customers.get(&inv.customer);
        let head = json!({
            "id": inv.id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "Sandbox",
            "amount_due": amount_due,
            "amount_overpaid": 0,
            "amount_paid": inv.amount_paid,
            "amount_remaining": remaining,
            "amount_shipping": 0,
            "application": null,
            "attempt_count": inv.attempt_count,
            "attempted": inv.attempt_count > 0,
            "auto_advance": matches!(inv.status, InvoiceStatus::Draft | InvoiceStatus::Open),
            "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null, "provider": null, "status": null},
            "automatically_finalizes_at": null,
            "billing_reason": inv.billing_reason,
            "collection_method": "charge_automatically",
            "created": inv.created,
            "currency": inv.currency,
            "custom_fields": null,
            "customer": inv.customer,
            "customer_address": customer.and_then(|c| c.address.clone()).unwrap_or(Value::Null),
            "customer_email": opt(&inv.customer_email),
            "customer_name": customer.map_or(Value::Null, |c| opt(&c.name)),
            "customer_phone": customer.map_or(Value::Null, |c| opt(&c.phone)),
            "customer_shipping": customer.and_then(|c| c.shipping.clone()).unwrap_or(Value::Null),
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": null,
            "default_source": null,
            "default_tax_rates": [],
            "description": null,
            "discounts": [],
            "due_date": null,
            "effective_at": opt(&inv.finalized_at),
            "ending_balance": if inv.finalized_at.is_some() { Value::from(0) } else { Value::Null },
            "footer": null,
            "from_invoice": null,
        });
        let middle = json!({
            "hosted_invoice_url": inv.number.as_ref().map_or(Value::Null, |_| format!("https://invoice.stripe.com/i/sandbox/{}", inv.id).into()),
            "invoice_pdf": inv.number.as_ref().map_or(Value::Null, |_| format!("https://pay.stripe.com/invoice/sandbox/{}/pdf", inv.id).into()),
            "issuer": {"type": "self"},
            "last_finalization_error": null,
            "latest_revision": null,
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": false,
                "total_count": inv.lines.len(),
                "url": format!("/v1/invoices/{}/lines", inv.id),
            },
            "livemode": false,
            "metadata": {},
            "next_payment_attempt": opt(&inv.next_payment_attempt),
            "number": opt(&inv.number),
            "on_behalf_of": null,
            "parent": {
                "quote_details": null,
                "subscription_details": {
                    "metadata": meta(&inv.subscription_metadata),
                    "subscription": inv.subscription,
                },
                "type": "subscription_details",
            },
            "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
            "period_end": inv.period_end,
            "period_start": inv.period_start,
        });
        let tail = json!({
            "post_payment_credit_notes_amount": self.credited(&inv.id),
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": null,
            "rendering": null,
            "shipping_cost": null,
            "shipping_details": null,
            "starting_balance": 0,
            "statement_descriptor": null,
            "status": inv.status.as_str(),
            "status_transitions": {
                "finalized_at": opt(&inv.finalized_at),
                "marked_uncollectible_at": opt(&inv.marked_uncollectible_at),
                "paid_at": opt(&inv.paid_at),
                "voided_at": opt(&inv.voided_at),
            },
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "test_clock": opt(&inv.test_clock),
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "webhooks_delivered_at": inv.finalized_at.map_or(Value::Null, Value::from),
        });
        let mut body = merged(merged(head, middle), tail);
        if with_payments && let Some(map) = body.as_object_mut() {
            let data: Vec<Value> = inv
                .payment
                .iter()
                .filter_map(|id| self.invoice_payments.get(id))
                .map(|p| self.invoice_payment_json(p))
                .collect();
            map.insert(
                "payments".into(),
                json!({
                    "object": "list",
                    "data": data,
                    "has_more": false,
                    "url": format!("/v1/invoice_payments?invoice={}", inv.id),
                }),
            );
        }
        body
    }
}

// ---- the calendar ----------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month 1-12, day 1-31)` of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)
}

/// `t` plus `months` calendar months, the day of month kept or, in a shorter month, its last
/// day (Jan 31 + 1 month = Feb 28), the time of day kept.
fn add_months(t: i64, months: i64) -> i64 {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let index = y * 12 + (m - 1) + months;
    let (ny, nm) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * 86_400 + secs
}

/// The end of the `n`th period after `anchor` (Stripe bills from its billing cycle anchor, so
/// a subscription anchored on the 31st renews on the last day of shorter months and on the
/// 31st again after them).
pub(crate) fn period_end(anchor: i64, r: Recurring, n: u32) -> i64 {
    let steps = i64::from(n).saturating_mul(i64::from(r.count));
    match r.interval {
        Interval::Day => anchor.saturating_add(steps.saturating_mul(86_400)),
        Interval::Week => anchor.saturating_add(steps.saturating_mul(7 * 86_400)),
        Interval::Month => add_months(anchor, steps),
        Interval::Year => add_months(anchor, steps.saturating_mul(12)),
    }
}

/// A date as Stripe writes it in proration descriptions: `15 Jan 2027`.
pub(crate) fn short_date(t: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let name = usize::try_from(m - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("?");
    format!("{d} {name} {y}")
}

/// `amount * part / whole`, rounded half away from zero, in integer arithmetic: a proration
/// to the second (docs.stripe.com/billing/subscriptions/prorations: "Stripe calculates
/// prorations to the second"; the rounding of the result is the fake's).
pub(crate) fn prorate(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let n = i128::from(amount.unsigned_abs()) * i128::from(part.max(0));
    let w = i128::from(whole);
    let rounded = (2 * n + w) / (2 * w);
    let rounded = i64::try_from(rounded).unwrap_or(i64::MAX);
    if amount < 0 { -rounded } else { rounded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_keep_the_anchor_day_or_the_last_day() {
        // 2027-01-31T10:00:00Z
        let jan31 = days_from_civil(2027, 1, 31) * 86_400 + 36_000;
        let monthly = Recurring {
            interval: Interval::Month,
            count: 1,
        };
        assert_eq!(
            period_end(jan31, monthly, 1),
            days_from_civil(2027, 2, 28) * 86_400 + 36_000
        );
        assert_eq!(
            period_end(jan31, monthly, 2),
            days_from_civil(2027, 3, 31) * 86_400 + 36_000
        );
        assert_eq!(
            period_end(jan31, monthly, 13),
            days_from_civil(2028, 2, 29) * 86_400 + 36_000
        );
        let yearly = Recurring {
            interval: Interval::Year,
            count: 1,
        };
        assert_eq!(
            period_end(jan31, yearly, 1),
            days_from_civil(2028, 1, 31) * 86_400 + 36_000
        );
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(short_date(jan31), "31 Jan 2027");
    }

    #[test]
    fn prorations_round_half_away_from_zero() {
        assert_eq!(prorate(1000, 1, 2), 500);
        assert_eq!(prorate(1001, 1, 2), 501);
        assert_eq!(prorate(-1001, 1, 2), -501);
        assert_eq!(prorate(1000, 1, 3), 333);
        assert_eq!(prorate(1000, 0, 3), 0);
        assert_eq!(prorate(1000, 5, 0), 0);
    }
}

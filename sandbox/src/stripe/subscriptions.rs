//! `/v1/subscriptions`: create (first invoice paid at once), retrieve, update (item changes
//! prorated to the second), cancel, list, and what happens at a period end.

use std::collections::BTreeMap;

use super::billing::{
    Line, Recurring, SubItem, SubStatus, Subscription, period_end, prorate, short_date,
};
use super::error::ApiErr;
use super::form::{Param, Params};
use super::ops::{Answer, major, merge_metadata, one_of};
use super::state::{Metadata, State, new_id};

type Fields = BTreeMap<String, Param>;

/// The entries of an indexed hash list (`items[0][price]=..&items[1][price]=..`), in index
/// order, each with its parameter name (`items[0]`).
fn indexed(p: &Params, key: &str) -> Result<Vec<(String, Fields)>, ApiErr> {
    let bad = || ApiErr::invalid(Some(key), None, &format!("Invalid array: {key}"));
    let Some(Param::Map(map)) = p.get(key) else {
        return match p.get(key) {
            None => Ok(Vec::new()),
            Some(Param::Str(s)) if s.is_empty() => Ok(Vec::new()),
            Some(_) => Err(bad()),
        };
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let index = k.parse::<usize>().map_err(|_| bad())?;
        let Param::Map(fields) = v else {
            return Err(ApiErr::invalid(
                Some(&format!("{key}[{k}]")),
                None,
                "Invalid hash",
            ));
        };
        out.push((index, format!("{key}[{k}]"), fields.clone()));
    }
    out.sort_by_key(|(i, _, _)| *i);
    Ok(out.into_iter().map(|(_, n, f)| (n, f)).collect())
}

fn field_str<'a>(f: &'a Fields, name: &str, key: &str) -> Result<Option<&'a str>, ApiErr> {
    match f.get(key) {
        None => Ok(None),
        Some(Param::Str(s)) => Ok(Some(s)),
        Some(_) => Err(ApiErr::invalid(
            Some(&format!("{name}[{key}]")),
            None,
            "Invalid string",
        )),
    }
}

fn field_quantity(f: &Fields, name: &str) -> Result<Option<u64>, ApiErr> {
    match field_str(f, name, "quantity")? {
        None => Ok(None),
        Some(s) => s.parse::<u64>().map(Some).map_err(|_| {
            ApiErr::invalid(
                Some(&format!("{name}[quantity]")),
                Some("parameter_invalid_integer"),
                &format!("Invalid non-negative integer: {s}"),
            )
        }),
    }
}

fn field_bool(f: &Fields, name: &str, key: &str) -> Result<Option<bool>, ApiErr> {
    match field_str(f, name, key)? {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(s) => Err(ApiErr::invalid(
            Some(&format!("{name}[{key}]")),
            Some("parameter_invalid_boolean"),
            &format!("Invalid boolean: {s}"),
        )),
    }
}

fn field_metadata(f: &Fields, name: &str) -> Result<Option<Option<Metadata>>, ApiErr> {
    match f.get("metadata") {
        None => Ok(None),
        Some(Param::Str(s)) if s.is_empty() => Ok(Some(None)),
        Some(Param::Map(m)) => {
            let mut out = Metadata::new();
            for (k, v) in m {
                let v = v.as_str().ok_or_else(|| {
                    ApiErr::invalid(
                        Some(&format!("{name}[metadata][{k}]")),
                        None,
                        "Invalid string",
                    )
                })?;
                out.insert(k.clone(), v.to_owned());
            }
            Ok(Some(Some(out)))
        }
        Some(_) => Err(ApiErr::invalid(
            Some(&format!("{name}[metadata]")),
            None,
            "Invalid hash",
        )),
    }
}

fn only_fields(f: &Fields, name: &str, allowed: &[&str]) -> Result<(), ApiErr> {
    match f.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiErr::unknown_param(&format!("{name}[{k}]"))),
        None => Ok(()),
    }
}

/// One requested change to a subscription's items.
enum ItemChange {
    Add {
        price: String,
        quantity: u64,
        metadata: Metadata,
    },
    Change {
        id: String,
        price: Option<String>,
        quantity: Option<u64>,
        metadata: Option<Option<Metadata>>,
    },
    Delete {
        id: String,
    },
}

impl State {
    fn subscription(&self, id: &str) -> Result<&Subscription, ApiErr> {
        self.subscriptions
            .get(id)
            .ok_or_else(|| ApiErr::no_such("subscription", id))
    }

    /// A price a subscription item may use: active and recurring; with its currency and
    /// recurrence.
    fn recurring_price(&self, id: &str, param: &str) -> Result<(String, Recurring), ApiErr> {
        let price = self
            .prices
            .get(id)
            .ok_or_else(|| ApiErr::no_such_param("price", id, param))?;
        let Some(recurring) = price.recurring else {
            return Err(ApiErr::invalid(
                Some(param),
                None,
                &format!(
                    "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`: {id}"
                ),
            ));
        };
        if !price.active {
            return Err(ApiErr::invalid(
                Some(param),
                None,
                &format!(
                    "The price specified is inactive. This field only accepts active prices: {id}"
                ),
            ));
        }
        Ok((price.currency.clone(), recurring))
    }

    /// A PaymentMethod attached to `customer`, for `default_payment_method`.
    fn customer_payment_method(&self, pm: &str, customer: &str) -> Result<String, ApiErr> {
        match self.payment_methods.get(pm) {
            Some(found) if found.customer.as_deref() == Some(customer) => Ok(pm.to_owned()),
            Some(_) => Err(ApiErr::invalid(
                Some("default_payment_method"),
                None,
                &format!(
                    "The customer does not have a payment method with the ID {pm}. The payment method must be attached to the customer."
                ),
            )),
            None => Err(ApiErr::no_such_param(
                "PaymentMethod",
                pm,
                "default_payment_method",
            )),
        }
    }

    /// `(unit amount, product id, product name)` of a price.
    fn price_parts(&self, price: &str) -> (i64, String, String) {
        let p = self.prices.get(price);
        let product = p.map(|p| p.product.clone()).unwrap_or_default();
        let name = self
            .products
            .get(&product)
            .map_or_else(|| product.clone(), |x| x.name.clone());
        (p.map_or(0, |p| p.unit_amount), product, name)
    }

    /// The line billing `quantity` of `price` for a whole period.
    fn period_line(&self, sub: &Subscription, item: &str, price: &str, quantity: u64) -> Line {
        let (unit, product, name) = self.price_parts(price);
        let every = match sub.recurring.count {
            1 => sub.recurring.interval.as_str().to_owned(),
            n => format!("every {n} {}s", sub.recurring.interval.as_str()),
        };
        Line {
            id: String::new(),
            amount: unit.saturating_mul(i64::try_from(quantity).unwrap_or(i64::MAX)),
            description: format!(
                "{quantity} × {name} (at {} / {every})",
                major(unit, &sub.currency)
            ),
            period_start: sub.period_start,
            period_end: sub.period_end,
            price: price.to_owned(),
            product,
            quantity,
            proration: false,
            subscription_item: item.to_owned(),
        }
    }

    /// A proration line: `sign` -1 credits the unused time of `quantity` of `price` from `now`
    /// to the period end, +1 charges the remaining time.
    fn proration_line(
        &self,
        sub: &Subscription,
        item: &str,
        price: &str,
        quantity: u64,
        now: i64,
        credit: bool,
    ) -> Line {
        let (unit, product, name) = self.price_parts(price);
        let full = unit.saturating_mul(i64::try_from(quantity).unwrap_or(i64::MAX));
        let amount = prorate(
            full,
            sub.period_end.saturating_sub(now),
            sub.period_end.saturating_sub(sub.period_start),
        );
        let (amount, what) = if credit {
            (-amount, "Unused time")
        } else {
            (amount, "Remaining time")
        };
        Line {
            id: String::new(),
            amount,
            description: format!("{what} on {quantity} × {name} after {}", short_date(now)),
            period_start: now,
            period_end: sub.period_end,
            price: price.to_owned(),
            product,
            quantity,
            proration: true,
            subscription_item: item.to_owned(),
        }
    }

    pub(crate) fn create_subscription(&mut self, p: &Params) -> Answer {
        p.only(&[
            "customer",
            "items",
            "default_payment_method",
            "description",
            "metadata",
            "payment_behavior",
            "trial_period_days",
            "trial_end",
            "collection_method",
            "days_until_due",
            "off_session",
        ])?;
        let customer = p.required_str("customer")?.to_owned();
        self.live_customer(&customer, "customer")?;
        if one_of(
            p,
            "collection_method",
            &["charge_automatically", "send_invoice"],
        )?
        .as_deref()
            == Some("send_invoice")
            || p.has("days_until_due")
        {
            return Err(ApiErr::invalid(
                Some("collection_method"),
                None,
                "The sandbox fake bills subscriptions with collection_method=charge_automatically only.",
            ));
        }
        let behavior = one_of(
            p,
            "payment_behavior",
            &[
                "allow_incomplete",
                "default_incomplete",
                "error_if_incomplete",
                "pending_if_incomplete",
            ],
        )?
        .unwrap_or_else(|| "allow_incomplete".to_owned());
        if !matches!(behavior.as_str(), "allow_incomplete" | "default_incomplete") {
            return Err(ApiErr::invalid(
                Some("payment_behavior"),
                None,
                &format!(
                    "The sandbox fake does not support payment_behavior={behavior} (allow_incomplete and default_incomplete only)."
                ),
            ));
        }
        p.bool("off_session")?;
        let entries = indexed(p, "items")?;
        if entries.is_empty() {
            return Err(ApiErr::missing_param("items"));
        }
        let mut wanted = Vec::new();
        let mut terms: Option<(String, Recurring)> = None;
        for (name, f) in &entries {
            only_fields(f, name, &["price", "quantity", "metadata"])?;
            let price = field_str(f, name, "price")?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ApiErr::missing_param(&format!("{name}[price]")))?
                .to_owned();
            let these = self.recurring_price(&price, &format!("{name}[price]"))?;
            match &terms {
                None => terms = Some(these),
                Some(t) if *t == these => {}
                Some(_) => {
                    return Err(ApiErr::invalid(
                        Some(&format!("{name}[price]")),
                        None,
                        "All prices on a subscription must have the same currency and recurring interval.",
                    ));
                }
            }
            let quantity = field_quantity(f, name)?.unwrap_or(1);
            let mut metadata = Metadata::new();
            merge_metadata(&mut metadata, field_metadata(f, name)?);
            wanted.push((price, quantity, metadata));
        }
        let Some((currency, recurring)) = terms else {
            return Err(ApiErr::missing_param("items"));
        };
        self.enter_clock_of(&customer);
        let now = self.now();
        let default_payment_method =
            match p.str("default_payment_method")?.filter(|s| !s.is_empty()) {
                Some(pm) => Some(self.customer_payment_method(pm, &customer)?),
                None => None,
            };
        let trial_end = match (p.int("trial_period_days")?, p.str("trial_end")?) {
            (Some(_), Some(_)) => {
                return Err(ApiErr::invalid(
                    Some("trial_end"),
                    None,
                    "You may only specify one of these parameters: trial_end, trial_period_days.",
                ));
            }
            (Some(days), None) if (0..=730).contains(&days) => {
                (days > 0).then(|| now.saturating_add(days.saturating_mul(86_400)))
            }
            (Some(days), None) => {
                return Err(ApiErr::invalid(
                    Some("trial_period_days"),
                    None,
                    &format!("trial_period_days must be from 0 to 730 (got {days})."),
                ));
            }
            (None, Some("now")) | (None, None) => None,
            (None, Some(_)) => match p.int("trial_end")? {
                Some(t) if t > now => Some(t),
                _ => {
                    return Err(ApiErr::invalid(
                        Some("trial_end"),
                        None,
                        "Invalid timestamp: must be an integer Unix timestamp in the future.",
                    ));
                }
            },
        };
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, p.metadata()?);
        let id = new_id("sub");
        let (anchor, cycle) = match trial_end {
            Some(t) => (t, 0),
            None => (now, 1),
        };
        let sub = Subscription {
            id: id.clone(),
            created: now,
            customer: customer.clone(),
            test_clock: self
                .customers
                .get(&customer)
                .and_then(|c| c.test_clock.clone()),
            currency,
            recurring,
            status: if trial_end.is_some() {
                SubStatus::Trialing
            } else {
                SubStatus::Incomplete
            },
            items: wanted
                .into_iter()
                .map(|(price, quantity, metadata)| SubItem {
                    id: new_id("si"),
                    created: now,
                    price,
                    quantity,
                    metadata,
                })
                .collect(),
            default_payment_method,
            description: p
                .str("description")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            metadata,
            cancel_at_period_end: false,
            canceled_at: None,
            ended_at: None,
            cancellation_reason: None,
            trial_start: trial_end.map(|_| now),
            trial_end,
            anchor,
            cycle,
            period_start: now,
            period_end: trial_end.unwrap_or_else(|| period_end(anchor, recurring, 1)),
            latest_invoice: None,
            pending: Vec::new(),
        };
        let lines: Vec<Line> = sub
            .items
            .iter()
            .map(|i| {
                let mut line = self.period_line(&sub, &i.id, &i.price, i.quantity);
                if trial_end.is_some() {
                    let (_, _, name) = self.price_parts(&i.price);
                    line.amount = 0;
                    line.description = format!("Trial period for {name}");
                }
                line
            })
            .collect();
        self.subscriptions.insert(id.clone(), sub);
        let invoice = self.new_invoice(&id, "subscription_create", lines, (now, now));
        if behavior == "allow_incomplete" || trial_end.is_some() {
            // allow_incomplete: a decline leaves the subscription incomplete, not an error.
            let _declined = self.attempt_invoice(&invoice, None, true);
        }
        let body = self.subscription_snapshot(&id);
        self.emit("customer.subscription.created", body.clone(), None);
        Ok(body)
    }

    pub(crate) fn retrieve_subscription(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        Ok(self.subscription_json(self.subscription(id)?))
    }

    pub(crate) fn list_subscriptions(&mut self, p: &Params) -> Answer {
        p.only(&[
            "customer",
            "price",
            "status",
            "collection_method",
            "test_clock",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let customer = p.str("customer")?.map(str::to_owned);
        let price = p.str("price")?.map(str::to_owned);
        let clock = p.str("test_clock")?.map(str::to_owned);
        let status = one_of(
            p,
            "status",
            &[
                "incomplete",
                "incomplete_expired",
                "trialing",
                "active",
                "past_due",
                "canceled",
                "unpaid",
                "paused",
                "all",
                "ended",
            ],
        )?;
        one_of(
            p,
            "collection_method",
            &["charge_automatically", "send_invoice"],
        )?;
        let created = self.time_filter(p, "created")?;
        self.page(
            &self.subscriptions,
            "subscription",
            "/v1/subscriptions",
            p,
            |s| {
                let ended = s.status == SubStatus::Canceled;
                let status_ok = match status.as_deref() {
                    // Stripe lists subscriptions that have not ended unless asked.
                    None => !ended,
                    Some("all") => true,
                    Some("ended") => ended,
                    Some(x) => x == s.status.as_str(),
                };
                status_ok
                    && created.contains(s.created)
                    && customer.as_ref().is_none_or(|c| *c == s.customer)
                    && clock
                        .as_ref()
                        .is_none_or(|c| s.test_clock.as_ref() == Some(c))
                    && price
                        .as_ref()
                        .is_none_or(|x| s.items.iter().any(|i| i.price == *x))
            },
            |s| self.subscription_json(s),
        )
    }

    pub(crate) fn update_subscription(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "items",
            "cancel_at_period_end",
            "default_payment_method",
            "description",
            "metadata",
            "proration_behavior",
        ])?;
        let sub = self.subscription(id)?;
        if sub.status == SubStatus::Canceled && p.has_other_than(&["metadata"]) {
            return Err(ApiErr::invalid(
                None,
                None,
                "A canceled subscription can only update its cancellation_details and metadata.",
            ));
        }
        let customer = sub.customer.clone();
        let terms = (sub.currency.clone(), sub.recurring);
        let behavior = one_of(
            p,
            "proration_behavior",
            &["create_prorations", "none", "always_invoice"],
        )?
        .unwrap_or_else(|| "create_prorations".to_owned());
        let mut changes = Vec::new();
        let mut remaining: Vec<&str> = sub.items.iter().map(|i| i.id.as_str()).collect();
        for (name, f) in indexed(p, "items")? {
            only_fields(
                &f,
                &name,
                &[
                    "id",
                    "price",
                    "quantity",
                    "deleted",
                    "clear_usage",
                    "metadata",
                ],
            )?;
            field_bool(&f, &name, "clear_usage")?;
            let price = field_str(&f, &name, "price")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            if let Some(price) = &price
                && self.recurring_price(price, &format!("{name}[price]"))? != terms
            {
                return Err(ApiErr::invalid(
                    Some(&format!("{name}[price]")),
                    None,
                    "The sandbox fake changes items only to prices of the subscription's currency and billing interval.",
                ));
            }
            let quantity = field_quantity(&f, &name)?;
            let metadata = field_metadata(&f, &name)?;
            let deleted = field_bool(&f, &name, "deleted")?.unwrap_or(false);
            match field_str(&f, &name, "id")?.filter(|s| !s.is_empty()) {
                Some(item) => {
                    if !sub.items.iter().any(|i| i.id == item) {
                        return Err(ApiErr::invalid(
                            Some(&format!("{name}[id]")),
                            None,
                            &format!(
                                "Subscription item {item} does not belong to subscription {id}."
                            ),
                        ));
                    }
                    if deleted {
                        remaining.retain(|i| *i != item);
                        changes.push(ItemChange::Delete {
                            id: item.to_owned(),
                        });
                    } else {
                        changes.push(ItemChange::Change {
                            id: item.to_owned(),
                            price,
                            quantity,
                            metadata,
                        });
                    }
                }
                None => {
                    let Some(price) = price else {
                        return Err(ApiErr::missing_param(&format!("{name}[price]")));
                    };
                    let mut m = Metadata::new();
                    merge_metadata(&mut m, metadata);
                    changes.push(ItemChange::Add {
                        price,
                        quantity: quantity.unwrap_or(1),
                        metadata: m,
                    });
                }
            }
        }
        if remaining.is_empty() && !changes.iter().any(|c| matches!(c, ItemChange::Add { .. })) {
            return Err(ApiErr::invalid(
                Some("items"),
                None,
                "A subscription must have at least one active plan.",
            ));
        }
        let default_payment_method = match p.opt_string("default_payment_method")? {
            Some(Some(pm)) => Some(Some(self.customer_payment_method(&pm, &customer)?)),
            other => other,
        };
        let cancel_at_period_end = p.bool("cancel_at_period_end")?;
        let description = p.opt_string("description")?;
        let metadata = p.metadata()?;
        self.enter_clock_of(&customer);
        let now = self.now();
        let before = self.subscription_snapshot(id);
        let lines = self.apply_item_changes(id, changes, now, behavior != "none");
        let Some(sub) = self.subscriptions.get_mut(id) else {
            return Err(ApiErr::no_such("subscription", id));
        };
        sub.pending.extend(lines);
        if let Some(pm) = default_payment_method {
            sub.default_payment_method = pm;
        }
        match cancel_at_period_end {
            Some(true) if !sub.cancel_at_period_end => {
                sub.cancel_at_period_end = true;
                sub.canceled_at = Some(now);
                sub.cancellation_reason = Some("cancellation_requested");
            }
            Some(false) if sub.cancel_at_period_end => {
                sub.cancel_at_period_end = false;
                sub.canceled_at = None;
                sub.cancellation_reason = None;
            }
            _ => {}
        }
        if let Some(d) = description {
            sub.description = d;
        }
        merge_metadata(&mut sub.metadata, metadata);
        if behavior == "always_invoice" && !sub.pending.is_empty() {
            let lines = std::mem::take(&mut sub.pending);
            let invoice = self.new_invoice(id, "subscription_update", lines, (now, now));
            let _declined = self.attempt_invoice(&invoice, None, true);
        }
        self.subscription_changed(id, &before);
        Ok(self.subscription_snapshot(id))
    }

    /// Applies item changes to subscription `id` at `now`; returns the proration lines when
    /// `prorate` (none during a trial or outside the current period).
    fn apply_item_changes(
        &mut self,
        id: &str,
        changes: Vec<ItemChange>,
        now: i64,
        prorate: bool,
    ) -> Vec<Line> {
        let mut lines = Vec::new();
        for change in changes {
            let Some(sub) = self.subscriptions.get(id) else {
                break;
            };
            let prorate = prorate
                && sub.status != SubStatus::Trialing
                && now > sub.period_start
                && now < sub.period_end;
            match change {
                ItemChange::Add {
                    price,
                    quantity,
                    metadata,
                } => {
                    let item = new_id("si");
                    if prorate {
                        lines.push(self.proration_line(sub, &item, &price, quantity, now, false));
                    }
                    if let Some(sub) = self.subscriptions.get_mut(id) {
                        sub.items.push(SubItem {
                            id: item,
                            created: now,
                            price,
                            quantity,
                            metadata,
                        });
                    }
                }
                ItemChange::Delete { id: item } => {
                    if let Some(old) = sub.items.iter().find(|i| i.id == item)
                        && prorate
                    {
                        lines.push(self.proration_line(
                            sub,
                            &item,
                            &old.price,
                            old.quantity,
                            now,
                            true,
                        ));
                    }
                    if let Some(sub) = self.subscriptions.get_mut(id) {
                        sub.items.retain(|i| i.id != item);
                    }
                }
                ItemChange::Change {
                    id: item,
                    price,
                    quantity,
                    metadata,
                } => {
                    let Some(old) = sub.items.iter().find(|i| i.id == item) else {
                        continue;
                    };
                    let new_price = price.unwrap_or_else(|| old.price.clone());
                    let new_quantity = quantity.unwrap_or(old.quantity);
                    if prorate && (new_price != old.price || new_quantity != old.quantity) {
                        lines.push(self.proration_line(
                            sub,
                            &item,
                            &old.price,
                            old.quantity,
                            now,
                            true,
                        ));
                        lines.push(self.proration_line(
                            sub,
                            &item,
                            &new_price,
                            new_quantity,
                            now,
                            false,
                        ));
                    }
                    if let Some(found) = self
                        .subscriptions
                        .get_mut(id)
                        .and_then(|s| s.items.iter_mut().find(|i| i.id == item))
                    {
                        found.price = new_price;
                        found.quantity = new_quantity;
                        merge_metadata(&mut found.metadata, metadata);
                    }
                }
            }
        }
        lines
    }

    /// `DELETE /v1/subscriptions/{id}`: cancels at once. Stripe then "stops automatic
    /// collection of all finalized invoices for the customer"
    /// (docs.stripe.com/api/subscriptions/cancel): their retries are dropped.
    pub(crate) fn cancel_subscription(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["invoice_now", "prorate"])?;
        for key in ["invoice_now", "prorate"] {
            if p.bool(key)? == Some(true) {
                return Err(ApiErr::invalid(
                    Some(key),
                    None,
                    &format!(
                        "The sandbox fake cancels without a final invoice or credit ({key}=true is not supported)."
                    ),
                ));
            }
        }
        let sub = self.subscription(id)?;
        if sub.status == SubStatus::Canceled {
            return Err(ApiErr::invalid(
                None,
                None,
                &format!("The subscription {id} is already canceled."),
            ));
        }
        let customer = sub.customer.clone();
        self.enter_clock_of(&customer);
        let now = self.now();
        let before = self.subscription_snapshot(id);
        if let Some(sub) = self.subscriptions.get_mut(id) {
            sub.status = SubStatus::Canceled;
            sub.canceled_at = Some(now);
            sub.ended_at = Some(now);
            sub.cancellation_reason = Some("cancellation_requested");
            sub.pending.clear();
        }
        let open: Vec<String> = self
            .invoices
            .iter()
            .filter(|i| i.customer == customer && i.next_payment_attempt.is_some())
            .map(|i| i.id.clone())
            .collect();
        for inv in open {
            if let Some(i) = self.invoices.get_mut(&inv) {
                i.next_payment_attempt = None;
            }
        }
        self.subscription_changed(id, &before);
        Ok(self.subscription_snapshot(id))
    }

    /// The current period of subscription `id` ends (the runner has set the time to it):
    /// canceled when `cancel_at_period_end`, else renewed with an invoice of the new period
    /// (and the prorations waiting), collected at once.
    pub(crate) fn end_period(&mut self, id: &str) {
        let before = self.subscription_snapshot(id);
        let Some(sub) = self.subscriptions.get_mut(id) else {
            return;
        };
        let ended = sub.period_end;
        if sub.cancel_at_period_end {
            sub.status = SubStatus::Canceled;
            sub.ended_at = Some(ended);
            sub.pending.clear();
            self.subscription_changed(id, &before);
            return;
        }
        let previous = (sub.period_start, sub.period_end);
        sub.cycle = sub.cycle.saturating_add(1);
        sub.period_start = ended;
        sub.period_end = period_end(sub.anchor, sub.recurring, sub.cycle);
        let mut lines = std::mem::take(&mut sub.pending);
        let Some(sub) = self.subscriptions.get(id) else {
            return;
        };
        lines.extend(
            sub.items
                .iter()
                .map(|i| self.period_line(sub, &i.id, &i.price, i.quantity)),
        );
        let invoice = self.new_invoice(id, "subscription_cycle", lines, previous);
        let _declined = self.attempt_invoice(&invoice, None, true);
        self.subscription_changed(id, &before);
    }
}

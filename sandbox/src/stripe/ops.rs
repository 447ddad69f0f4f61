//! The endpoints: one method of [`State`] per operation, each answering JSON or a Stripe error.

use serde_json::{Value, json};

use super::EVIDENCE_FIELDS;
use super::cards::Behaviour;
use super::error::ApiErr;
use super::form::{Param, Params};
use super::state::{Charge, Customer, Metadata, PaymentIntent, Refund, State, new_id};

pub(crate) type Answer = Result<Value, ApiErr>;

const PI_CANCELABLE: &[&str] = &[
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
];

/// Stripe's zero-decimal and three-decimal currencies (docs.stripe.com/currencies).
fn exponent(currency: &str) -> u32 {
    const ZERO: &[&str] = &[
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ];
    const THREE: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];
    if ZERO.contains(&currency) {
        0
    } else if THREE.contains(&currency) {
        3
    } else {
        2
    }
}

/// `1099 usd` as `10.99 usd`, in integer arithmetic.
pub(crate) fn major(amount: i64, currency: &str) -> String {
    let exp = exponent(currency);
    if exp == 0 {
        return format!("{amount} {currency}");
    }
    let unit = 10i64.pow(exp);
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let unit = unit.unsigned_abs();
    format!(
        "{sign}{}.{:0width$} {currency}",
        abs / unit,
        abs % unit,
        width = exp as usize
    )
}

/// The smallest charge per currency (docs.stripe.com/currencies, "Minimum and maximum charge
/// amounts"; a few currencies only, 1 minor unit for the others).
fn minimum(currency: &str) -> i64 {
    match currency {
        "usd" | "eur" | "cad" | "aud" | "nzd" | "sgd" | "chf" | "jpy" | "brl" => 50,
        "gbp" => 30,
        "dkk" => 250,
        "nok" | "sek" => 300,
        "hkd" => 400,
        "mxn" => 1000,
        "huf" => 17500,
        _ => 1,
    }
}

pub(crate) fn currency_param(p: &Params, key: &str) -> Result<Option<String>, ApiErr> {
    match p.str(key)? {
        None => Ok(None),
        Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Ok(Some(c.to_ascii_lowercase()))
        }
        Some(c) => Err(ApiErr::invalid(
            Some(key),
            None,
            &format!("Invalid currency: {c}."),
        )),
    }
}

/// A charge amount: a positive integer between the currency's minimum and 8 digits.
fn check_amount(amount: i64, currency: &str, param: &str) -> Result<i64, ApiErr> {
    if amount < minimum(currency) {
        return Err(ApiErr::invalid(
            Some(param),
            Some("amount_too_small"),
            &format!(
                "Amount must be at least {}",
                major(minimum(currency), currency)
            ),
        ));
    }
    if amount > 99_999_999 {
        return Err(ApiErr::invalid(
            Some(param),
            Some("amount_too_large"),
            &format!(
                "Amount must be no more than {}",
                major(99_999_999, currency)
            ),
        ));
    }
    if currency == "isk" && amount % 100 != 0 {
        return Err(ApiErr::invalid(
            Some(param),
            Some("invalid_charge_amount_no_decimal_compatible"),
            "ISK amounts must be divisible by 100 (ISK is charged without decimals).",
        ));
    }
    Ok(amount)
}

pub(crate) fn one_of(p: &Params, key: &str, allowed: &[&str]) -> Result<Option<String>, ApiErr> {
    match p.str(key)? {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(v) => Err(ApiErr::invalid(
            Some(key),
            None,
            &format!(
                "Invalid {key}: must be one of {} (got '{v}')",
                allowed.join(", ")
            ),
        )),
    }
}

/// `address[...]`: the six fields of a Stripe address, every one present (null when unset).
fn address_value(param: &Param, name: &str) -> Result<Value, ApiErr> {
    const FIELDS: &[&str] = &["city", "country", "line1", "line2", "postal_code", "state"];
    let Param::Map(map) = param else {
        return Err(ApiErr::invalid(Some(name), None, "Invalid hash"));
    };
    let mut out = serde_json::Map::new();
    for f in FIELDS {
        out.insert((*f).to_owned(), Value::Null);
    }
    for (k, v) in map {
        if !FIELDS.contains(&k.as_str()) {
            return Err(ApiErr::unknown_param(&format!("{name}[{k}]")));
        }
        let s = v.as_str().ok_or_else(|| {
            ApiErr::invalid(Some(&format!("{name}[{k}]")), None, "Invalid string")
        })?;
        out.insert(k.clone(), if s.is_empty() { Value::Null } else { s.into() });
    }
    Ok(Value::Object(out))
}

/// `shipping[...]`; an empty string unsets it.
fn shipping_param(p: &Params, name: &str) -> Result<Option<Option<Value>>, ApiErr> {
    const FIELDS: &[&str] = &["name", "phone", "carrier", "tracking_number"];
    match p.get(name) {
        None => Ok(None),
        Some(Param::Str(s)) if s.is_empty() => Ok(Some(None)),
        Some(Param::Map(map)) => {
            let mut out = serde_json::Map::new();
            let empty = Param::Map(std::collections::BTreeMap::new());
            out.insert(
                "address".into(),
                address_value(
                    map.get("address").unwrap_or(&empty),
                    &format!("{name}[address]"),
                )?,
            );
            for f in FIELDS {
                out.insert((*f).to_owned(), Value::Null);
            }
            for (k, v) in map {
                if k == "address" {
                    continue;
                }
                if !FIELDS.contains(&k.as_str()) {
                    return Err(ApiErr::unknown_param(&format!("{name}[{k}]")));
                }
                let s = v.as_str().ok_or_else(|| {
                    ApiErr::invalid(Some(&format!("{name}[{k}]")), None, "Invalid string")
                })?;
                out.insert(k.clone(), if s.is_empty() { Value::Null } else { s.into() });
            }
            Ok(Some(Some(Value::Object(out))))
        }
        Some(_) => Err(ApiErr::invalid(Some(name), None, "Invalid hash")),
    }
}

/// Applies a metadata update: keys set, empty values removed, `metadata=` clears.
pub(crate) fn merge_metadata(target: &mut Metadata, update: Option<Option<Metadata>>) {
    match update {
        None => {}
        Some(None) => target.clear(),
        Some(Some(m)) => {
            for (k, v) in m {
                if v.is_empty() {
                    target.remove(&k);
                } else {
                    target.insert(k, v);
                }
            }
        }
    }
}

/// Top-level fields whose values differ, with their old values (`previous_attributes`).
pub(crate) fn previous_attributes(before: &Value, after: &Value) -> Option<Value> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return None;
    };
    let changed: serde_json::Map<String, Value> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!changed.is_empty()).then_some(Value::Object(changed))
}

impl State {
    fn pi(&self, id: &str) -> Result<&PaymentIntent, ApiErr> {
        self.payment_intents
            .get(id)
            .ok_or_else(|| ApiErr::no_such("payment_intent", id))
    }

    fn pi_json_by_id(&self, id: &str) -> Value {
        self.payment_intents
            .get(id)
            .map_or(Value::Null, |pi| self.payment_intent_json(pi))
    }

    fn charge_json_by_id(&self, id: &str) -> Value {
        self.charges
            .get(id)
            .map_or(Value::Null, |c| self.charge_json(c))
    }

    // ---- PaymentIntents --------------------------------------------------------------

    pub(crate) fn create_payment_intent(&mut self, p: &Params) -> Answer {
        p.only(&[
            "amount",
            "currency",
            "automatic_payment_methods",
            "capture_method",
            "confirm",
            "customer",
            "description",
            "metadata",
            "off_session",
            "payment_method",
            "allowed_payment_method_types",
            "receipt_email",
            "return_url",
            "setup_future_usage",
            "shipping",
            "statement_descriptor",
            "statement_descriptor_suffix",
        ])?;
        let amount = p
            .int("amount")?
            .ok_or_else(|| ApiErr::missing_param("amount"))?;
        let currency =
            currency_param(p, "currency")?.ok_or_else(|| ApiErr::missing_param("currency"))?;
        let amount = check_amount(amount, &currency, "amount")?;
        let capture_method = one_of(
            p,
            "capture_method",
            &["automatic", "automatic_async", "manual"],
        )?
        .unwrap_or_else(|| "automatic".to_owned());
        let confirm = p.bool("confirm")?.unwrap_or(false);
        p.bool("off_session")?;
        let customer = p
            .str("customer")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if let Some(c) = &customer {
            self.live_customer(c, "customer")?;
        }
        let automatic_payment_methods = match p.get("automatic_payment_methods") {
            None => None,
            Some(Param::Map(map)) => {
                let enabled = match map.get("enabled").and_then(Param::as_str) {
                    Some("true") => true,
                    Some("false") => false,
                    _ => return Err(ApiErr::missing_param("automatic_payment_methods[enabled]")),
                };
                if let Some(k) = map
                    .keys()
                    .find(|k| *k != "enabled" && *k != "allow_redirects")
                {
                    return Err(ApiErr::unknown_param(&format!(
                        "automatic_payment_methods[{k}]"
                    )));
                }
                let allow = map
                    .get("allow_redirects")
                    .and_then(Param::as_str)
                    .unwrap_or("always");
                Some(json!({"allow_redirects": allow, "enabled": enabled}))
            }
            Some(_) => {
                return Err(ApiErr::invalid(
                    Some("automatic_payment_methods"),
                    None,
                    "Invalid hash",
                ));
            }
        };
        let mut payment_method_types = p.str_list("allowed_payment_method_types")?;
        if payment_method_types.is_empty() {
            payment_method_types.push("card".to_owned());
        }
        let pm_param = p
            .str("payment_method")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if confirm && pm_param.is_none() {
            return Err(ApiErr::unexpected_state(
                "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
            ));
        }
        let shipping = shipping_param(p, "shipping")?.flatten();
        let metadata = p.metadata()?.flatten().unwrap_or_default();
        let mut metadata_clean = Metadata::new();
        merge_metadata(&mut metadata_clean, Some(Some(metadata)));
        let payment_method = match pm_param {
            Some(pm) => Some(self.resolve_payment_method(&pm, "payment_method")?),
            None => None,
        };
        let id = new_id("pi");
        let secret = new_id("secret");
        let pi = PaymentIntent {
            id: id.clone(),
            created: self.now(),
            amount,
            currency,
            status: if payment_method.is_some() {
                "requires_confirmation"
            } else {
                "requires_payment_method"
            },
            capture_method,
            amount_capturable: 0,
            amount_received: 0,
            automatic_payment_methods,
            customer,
            description: p
                .str("description")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            metadata: metadata_clean,
            payment_method,
            payment_method_types,
            receipt_email: p
                .str("receipt_email")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            setup_future_usage: one_of(p, "setup_future_usage", &["on_session", "off_session"])?,
            shipping,
            statement_descriptor: p
                .str("statement_descriptor")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            statement_descriptor_suffix: p
                .str("statement_descriptor_suffix")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            latest_charge: None,
            last_payment_error: None,
            canceled_at: None,
            cancellation_reason: None,
            client_secret: format!("{id}_{secret}"),
        };
        let body = self.payment_intent_json(&pi);
        self.payment_intents.insert(id.clone(), pi);
        self.emit("payment_intent.created", body, None);
        if confirm {
            self.confirm(&id)?;
        }
        Ok(self.pi_json_by_id(&id))
    }

    pub(crate) fn retrieve_payment_intent(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["client_secret"])?;
        Ok(self.payment_intent_json(self.pi(id)?))
    }

    pub(crate) fn update_payment_intent(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "amount",
            "currency",
            "customer",
            "description",
            "metadata",
            "payment_method",
            "receipt_email",
            "shipping",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "capture_method",
            "setup_future_usage",
            "allowed_payment_method_types",
        ])?;
        let status = self.pi(id)?.status;
        if status == "canceled" || status == "succeeded" {
            let money = [
                "amount",
                "currency",
                "payment_method",
                "customer",
                "capture_method",
                "allowed_payment_method_types",
            ];
            if let Some(k) = money.iter().find(|k| p.has(k)) {
                return Err(ApiErr::unexpected_state(&format!(
                    "You cannot update {k} on this PaymentIntent because it has a status of {status}."
                )));
            }
        }
        let currency = match currency_param(p, "currency")? {
            Some(c) => c,
            None => self.pi(id)?.currency.clone(),
        };
        let amount = match p.int("amount")? {
            Some(a) => Some(check_amount(a, &currency, "amount")?),
            None => None,
        };
        let customer = p.opt_string("customer")?;
        if let Some(Some(c)) = &customer {
            self.live_customer(c, "customer")?;
        }
        let capture_method = one_of(
            p,
            "capture_method",
            &["automatic", "automatic_async", "manual"],
        )?;
        let setup_future_usage =
            one_of(p, "setup_future_usage", &["on_session", "off_session", ""])?;
        let types = p.str_list("allowed_payment_method_types")?;
        let shipping = shipping_param(p, "shipping")?;
        let metadata = p.metadata()?;
        let description = p.opt_string("description")?;
        let receipt_email = p.opt_string("receipt_email")?;
        let sd = p.opt_string("statement_descriptor")?;
        let sds = p.opt_string("statement_descriptor_suffix")?;
        let pm = match p.str("payment_method")?.filter(|s| !s.is_empty()) {
            Some(pm) => Some(self.resolve_payment_method(pm, "payment_method")?),
            None => None,
        };
        let pi = self
            .payment_intents
            .get_mut(id)
            .ok_or_else(|| ApiErr::no_such("payment_intent", id))?;
        if let Some(a) = amount {
            pi.amount = a;
        }
        pi.currency = currency;
        if let Some(c) = customer {
            pi.customer = c;
        }
        if let Some(c) = capture_method {
            pi.capture_method = c;
        }
        if let Some(s) = setup_future_usage {
            pi.setup_future_usage = (!s.is_empty()).then_some(s);
        }
        if !types.is_empty() {
            pi.payment_method_types = types;
        }
        if let Some(s) = shipping {
            pi.shipping = s;
        }
        merge_metadata(&mut pi.metadata, metadata);
        if let Some(d) = description {
            pi.description = d;
        }
        if let Some(r) = receipt_email {
            pi.receipt_email = r;
        }
        if let Some(s) = sd {
            pi.statement_descriptor = s;
        }
        if let Some(s) = sds {
            pi.statement_descriptor_suffix = s;
        }
        if let Some(pm) = pm {
            pi.payment_method = Some(pm);
            if pi.status == "requires_payment_method" {
                pi.status = "requires_confirmation";
            }
        }
        Ok(self.pi_json_by_id(id))
    }

    pub(crate) fn confirm_payment_intent(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "payment_method",
            "off_session",
            "receipt_email",
            "return_url",
            "setup_future_usage",
            "capture_method",
        ])?;
        let status = self.pi(id)?.status;
        if status != "requires_payment_method" && status != "requires_confirmation" {
            return Err(ApiErr::unexpected_state(&format!(
                "This PaymentIntent's status is {status}, but it must be one of requires_payment_method, requires_confirmation or requires_action to be confirmed."
            ))
            .with("payment_intent", self.pi_json_by_id(id)));
        }
        p.bool("off_session")?;
        let capture_method = one_of(
            p,
            "capture_method",
            &["automatic", "automatic_async", "manual"],
        )?;
        let setup = one_of(p, "setup_future_usage", &["on_session", "off_session"])?;
        let receipt_email = p.opt_string("receipt_email")?;
        let pm = match p.str("payment_method")?.filter(|s| !s.is_empty()) {
            Some(pm) => Some(self.resolve_payment_method(pm, "payment_method")?),
            None => None,
        };
        let pi = self
            .payment_intents
            .get_mut(id)
            .ok_or_else(|| ApiErr::no_such("payment_intent", id))?;
        if let Some(pm) = pm {
            pi.payment_method = Some(pm);
        }
        if pi.payment_method.is_none() {
            return Err(ApiErr::unexpected_state(
                "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
            ));
        }
        if let Some(c) = capture_method {
            pi.capture_method = c;
        }
        if setup.is_some() {
            pi.setup_future_usage = setup;
        }
        if let Some(r) = receipt_email {
            pi.receipt_email = r;
        }
        self.confirm(id)?;
        Ok(self.pi_json_by_id(id))
    }

    /// Charges the PaymentIntent's payment method: a charge (succeeded or failed), money
    /// movements and events. A decline is `Err(402 card_error)` carrying the PaymentIntent.
    pub(crate) fn confirm(&mut self, id: &str) -> Result<(), ApiErr> {
        let pi = self.pi(id)?;
        let pm_id = pi.payment_method.clone().unwrap_or_default();
        let Some(pm) = self.payment_methods.get(&pm_id) else {
            return Err(ApiErr::no_such_param(
                "PaymentMethod",
                &pm_id,
                "payment_method",
            ));
        };
        let card = pm.card.clone();
        let pm_json = self.payment_method_json(pm);
        if card.behaviour == Behaviour::Authenticate && pi.status != "requires_action" {
            // Nothing is charged before the customer authenticates.
            if let Some(pi) = self.payment_intents.get_mut(id) {
                pi.status = "requires_action";
                pi.last_payment_error = None;
            }
            let pi_json = self.pi_json_by_id(id);
            self.emit("payment_intent.requires_action", pi_json, None);
            return Ok(());
        }
        let charge_id = new_id("ch");
        let mut charge = Charge {
            id: charge_id.clone(),
            created: self.now(),
            amount: pi.amount,
            amount_captured: 0,
            amount_refunded: 0,
            currency: pi.currency.clone(),
            status: "succeeded",
            paid: true,
            captured: false,
            refunded: false,
            disputed: false,
            customer: pi.customer.clone(),
            description: pi.description.clone(),
            metadata: pi.metadata.clone(),
            payment_intent: Some(id.to_owned()),
            payment_method: pm_id,
            exp_year: pm.exp_year,
            card: card.clone(),
            outcome: json!({
                "network_status": "approved_by_network",
                "reason": null,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "Payment complete.",
                "type": "authorized",
            }),
            failure_code: None,
            failure_message: None,
            balance_transaction: None,
            receipt_email: pi.receipt_email.clone(),
            shipping: pi.shipping.clone(),
        };
        let manual = pi.capture_method == "manual";
        let amount = pi.amount;
        let decline = match card.behaviour {
            Behaviour::Decline {
                code,
                decline_code,
                message,
                ..
            } => Some((code, decline_code, message, false)),
            Behaviour::RadarBlock => Some((
                "card_declined",
                Some("fraudulent"),
                "Your card was declined.",
                true,
            )),
            _ => None,
        };
        if let Some((code, decline_code, message, blocked)) = decline {
            charge.status = "failed";
            charge.paid = false;
            charge.failure_code = Some(code.to_owned());
            charge.failure_message = Some(message.to_owned());
            charge.outcome = if blocked {
                json!({
                    "network_status": "not_sent_to_network",
                    "reason": "highest_risk_level",
                    "risk_level": "highest",
                    "risk_score": 95,
                    "seller_message": "Stripe blocked this payment as too risky.",
                    "type": "blocked",
                })
            } else {
                json!({
                    "network_status": "declined_by_network",
                    "reason": decline_code.unwrap_or(code),
                    "risk_level": "normal",
                    "risk_score": 40,
                    "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                })
            };
            let param = match code {
                "incorrect_cvc" => Some("cvc"),
                "expired_card" => Some("exp_month"),
                _ => None,
            };
            let err = ApiErr::card(code, decline_code, param, message)
                .with("charge", charge_id.clone().into())
                .with("payment_method", pm_json);
            let charge_json = self.charge_json(&charge);
            self.charges.insert(charge_id.clone(), charge);
            if let Some(pi) = self.payment_intents.get_mut(id) {
                pi.status = "requires_payment_method";
                pi.latest_charge = Some(charge_id);
                pi.last_payment_error = Some(Value::Object(err.error.clone()));
            }
            self.emit("charge.failed", charge_json, None);
            let pi_json = self.pi_json_by_id(id);
            self.emit("payment_intent.payment_failed", pi_json.clone(), None);
            return Err(err.with("payment_intent", pi_json));
        }
        if !manual {
            charge.captured = true;
            charge.amount_captured = amount;
        }
        self.charges.insert(charge_id.clone(), charge);
        if !manual {
            self.book_capture(&charge_id, amount);
        }
        if let Some(pi) = self.payment_intents.get_mut(id) {
            pi.latest_charge = Some(charge_id.clone());
            pi.last_payment_error = None;
            if manual {
                pi.status = "requires_capture";
                pi.amount_capturable = amount;
            } else {
                pi.status = "succeeded";
                pi.amount_received = amount;
            }
        }
        let charge_json = self.charge_json_by_id(&charge_id);
        self.emit("charge.succeeded", charge_json, None);
        let pi_json = self.pi_json_by_id(id);
        if manual {
            self.emit("payment_intent.amount_capturable_updated", pi_json, None);
        } else {
            self.emit("payment_intent.succeeded", pi_json, None);
            self.after_capture(&charge_id);
        }
        Ok(())
    }

    /// Plays the customer's answer to a PaymentIntent's 3-D Secure challenge: authenticated, it
    /// is charged as a confirmation would; refused, it goes back to `requires_payment_method`
    /// with Stripe's `payment_intent_authentication_failure` and `payment_intent.payment_failed`.
    /// `None` when no PaymentIntent `id` waits in `requires_action`.
    pub(crate) fn answer_authentication(&mut self, id: &str, authenticated: bool) -> Option<Value> {
        let pi = self.payment_intents.get(id)?;
        if pi.status != "requires_action" {
            return None;
        }
        if authenticated {
            self.confirm(id).ok()?;
            return Some(self.pi_json_by_id(id));
        }
        let pm_json = pi
            .payment_method
            .as_deref()
            .and_then(|pm| self.payment_methods.get(pm))
            .map_or(Value::Null, |pm| self.payment_method_json(pm));
        if let Some(pi) = self.payment_intents.get_mut(id) {
            pi.status = "requires_payment_method";
            pi.last_payment_error = Some(json!({
                "code": "payment_intent_authentication_failure",
                "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
                "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                "payment_method": pm_json,
                "type": "invalid_request_error",
            }));
        }
        let pi_json = self.pi_json_by_id(id);
        self.emit("payment_intent.payment_failed", pi_json.clone(), None);
        Some(pi_json)
    }

    pub(crate) fn capture_payment_intent(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "amount_to_capture",
            "metadata",
            "statement_descriptor",
            "statement_descriptor_suffix",
        ])?;
        let pi = self.pi(id)?;
        if pi.status != "requires_capture" {
            return Err(ApiErr::unexpected_state(&format!(
                "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                pi.status
            ))
            .with("payment_intent", self.payment_intent_json(pi)));
        }
        let capturable = pi.amount_capturable;
        let currency = pi.currency.clone();
        let charge_id = pi.latest_charge.clone().unwrap_or_default();
        let amount = p.int("amount_to_capture")?.unwrap_or(capturable);
        if amount > capturable {
            return Err(ApiErr::invalid(
                Some("amount_to_capture"),
                Some("amount_too_large"),
                &format!(
                    "The amount to capture ({}) is greater than the amount capturable on this PaymentIntent ({}).",
                    major(amount, &currency),
                    major(capturable, &currency)
                ),
            ));
        }
        if amount < 1 {
            return Err(ApiErr::invalid(
                Some("amount_to_capture"),
                Some("amount_too_small"),
                "The amount to capture must be a positive integer.",
            ));
        }
        let metadata = p.metadata()?;
        let sd = p.opt_string("statement_descriptor")?;
        let sds = p.opt_string("statement_descriptor_suffix")?;
        if let Some(pi) = self.payment_intents.get_mut(id) {
            pi.status = "succeeded";
            pi.amount_capturable = 0;
            pi.amount_received = amount;
            merge_metadata(&mut pi.metadata, metadata);
            if let Some(s) = sd {
                pi.statement_descriptor = s;
            }
            if let Some(s) = sds {
                pi.statement_descriptor_suffix = s;
            }
        }
        if let Some(c) = self.charges.get_mut(&charge_id) {
            c.captured = true;
            c.amount_captured = amount;
            // Stripe releases (refunds) the uncaptured remainder of a partial capture.
            c.amount_refunded = c.amount.saturating_sub(amount);
        }
        self.book_capture(&charge_id, amount);
        let charge_json = self.charge_json_by_id(&charge_id);
        self.emit("charge.captured", charge_json, None);
        let pi_json = self.pi_json_by_id(id);
        self.emit("payment_intent.succeeded", pi_json, None);
        self.after_capture(&charge_id);
        Ok(self.pi_json_by_id(id))
    }

    pub(crate) fn cancel_payment_intent(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["cancellation_reason"])?;
        let reason = one_of(
            p,
            "cancellation_reason",
            &[
                "duplicate",
                "fraudulent",
                "requested_by_customer",
                "abandoned",
            ],
        )?;
        let pi = self.pi(id)?;
        if !PI_CANCELABLE.contains(&pi.status) {
            return Err(ApiErr::unexpected_state(&format!(
                "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the following statuses may be canceled: {}.",
                pi.status,
                PI_CANCELABLE.join(", ")
            ))
            .with("payment_intent", self.payment_intent_json(pi)));
        }
        let release = (pi.status == "requires_capture")
            .then(|| pi.latest_charge.clone())
            .flatten();
        let now = self.now();
        if let Some(pi) = self.payment_intents.get_mut(id) {
            pi.status = "canceled";
            pi.canceled_at = Some(now);
            pi.cancellation_reason = reason;
            pi.amount_capturable = 0;
        }
        if let Some(c) = release.and_then(|c| self.charges.get_mut(&c)) {
            c.amount_refunded = c.amount;
            c.refunded = true;
        }
        let pi_json = self.pi_json_by_id(id);
        self.emit("payment_intent.canceled", pi_json.clone(), None);
        Ok(pi_json)
    }

    pub(crate) fn list_payment_intents(&mut self, p: &Params) -> Answer {
        p.only(&[
            "created",
            "customer",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let customer = p.str("customer")?.map(str::to_owned);
        self.page(
            &self.payment_intents,
            "payment_intent",
            "/v1/payment_intents",
            p,
            |pi| {
                created.contains(pi.created)
                    && customer
                        .as_ref()
                        .is_none_or(|c| pi.customer.as_ref() == Some(c))
            },
            |pi| self.payment_intent_json(pi),
        )
    }

    // ---- Charges ---------------------------------------------------------------------

    pub(crate) fn retrieve_charge(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.charges
            .get(id)
            .map(|c| self.charge_json(c))
            .ok_or_else(|| ApiErr::no_such("charge", id))
    }

    pub(crate) fn list_charges(&mut self, p: &Params) -> Answer {
        p.only(&[
            "created",
            "customer",
            "payment_intent",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let customer = p.str("customer")?.map(str::to_owned);
        let pi = p.str("payment_intent")?.map(str::to_owned);
        self.page(
            &self.charges,
            "charge",
            "/v1/charges",
            p,
            |c| {
                created.contains(c.created)
                    && customer
                        .as_ref()
                        .is_none_or(|x| c.customer.as_ref() == Some(x))
                    && pi
                        .as_ref()
                        .is_none_or(|x| c.payment_intent.as_ref() == Some(x))
            },
            |c| self.charge_json(c),
        )
    }

    // ---- Refunds ---------------------------------------------------------------------

    pub(crate) fn create_refund(&mut self, p: &Params) -> Answer {
        p.only(&["charge", "payment_intent", "amount", "reason", "metadata"])?;
        let reason = one_of(
            p,
            "reason",
            &["duplicate", "fraudulent", "requested_by_customer"],
        )?;
        let metadata = p.metadata()?;
        let charge_id = match (
            p.str("charge")?.filter(|s| !s.is_empty()),
            p.str("payment_intent")?.filter(|s| !s.is_empty()),
        ) {
            (Some(c), _) => {
                if self.charges.get(c).is_none() {
                    return Err(ApiErr::no_such_param("charge", c, "charge"));
                }
                c.to_owned()
            }
            (None, Some(pi_id)) => {
                let pi = self.payment_intents.get(pi_id).ok_or_else(|| {
                    ApiErr::no_such_param("payment_intent", pi_id, "payment_intent")
                })?;
                match (&pi.latest_charge, pi.status) {
                    (Some(c), "succeeded") => c.clone(),
                    _ => {
                        return Err(ApiErr::invalid(
                            Some("payment_intent"),
                            None,
                            &format!(
                                "This PaymentIntent ({pi_id}) does not have a successful charge to refund."
                            ),
                        ));
                    }
                }
            }
            (None, None) => {
                return Err(ApiErr::invalid(
                    None,
                    Some("parameter_missing"),
                    "One of the following params should be provided for this request: payment_intent or charge.",
                ));
            }
        };
        let Some(c) = self.charges.get(&charge_id) else {
            return Err(ApiErr::no_such_param("charge", &charge_id, "charge"));
        };
        if !c.paid || !c.captured {
            return Err(ApiErr::invalid(
                Some("charge"),
                None,
                &format!(
                    "Charge {charge_id} has not been captured and cannot be refunded; cancel its PaymentIntent instead."
                ),
            ));
        }
        if c.disputed {
            return Err(ApiErr::invalid(
                Some("charge"),
                Some("charge_disputed"),
                &format!("Charge {charge_id} has been charged back; cannot issue a refund."),
            ));
        }
        let remaining = c.amount.saturating_sub(c.amount_refunded);
        if remaining <= 0 {
            return Err(ApiErr::invalid(
                Some("charge"),
                Some("charge_already_refunded"),
                &format!("Charge {charge_id} has already been refunded."),
            ));
        }
        let amount = p.int("amount")?.unwrap_or(remaining);
        if amount < 1 {
            return Err(ApiErr::invalid(
                Some("amount"),
                Some("parameter_invalid_integer"),
                "Invalid positive integer",
            ));
        }
        if amount > remaining {
            return Err(ApiErr::invalid(
                Some("amount"),
                Some("amount_too_large"),
                &format!(
                    "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                    major(amount, &c.currency),
                    major(remaining, &c.currency)
                ),
            ));
        }
        let currency = c.currency.clone();
        let pi = c.payment_intent.clone();
        let before = self.charge_json(c);
        let id = new_id("re");
        let txn = self.add_txn(
            -amount,
            Vec::new(),
            &currency,
            "refund",
            "refund",
            &id,
            Some("REFUND FOR CHARGE".into()),
        );
        let mut meta = Metadata::new();
        merge_metadata(&mut meta, metadata);
        let refund = Refund {
            id: id.clone(),
            created: self.now(),
            amount,
            currency,
            charge: charge_id.clone(),
            payment_intent: pi,
            reason,
            metadata: meta,
            balance_transaction: txn,
        };
        let body = self.refund_json(&refund);
        self.refunds.insert(id, refund);
        if let Some(c) = self.charges.get_mut(&charge_id) {
            c.amount_refunded = c.amount_refunded.saturating_add(amount);
            c.refunded = c.amount_refunded >= c.amount;
        }
        let after = self.charge_json_by_id(&charge_id);
        let prev = previous_attributes(&before, &after);
        self.emit("charge.refunded", after, prev);
        Ok(body)
    }

    pub(crate) fn retrieve_refund(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.refunds
            .get(id)
            .map(|r| self.refund_json(r))
            .ok_or_else(|| ApiErr::no_such("refund", id))
    }

    pub(crate) fn list_refunds(&mut self, p: &Params) -> Answer {
        p.only(&[
            "charge",
            "payment_intent",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let charge = p.str("charge")?.map(str::to_owned);
        let pi = p.str("payment_intent")?.map(str::to_owned);
        self.page(
            &self.refunds,
            "refund",
            "/v1/refunds",
            p,
            |r| {
                created.contains(r.created)
                    && charge.as_ref().is_none_or(|x| &r.charge == x)
                    && pi
                        .as_ref()
                        .is_none_or(|x| r.payment_intent.as_ref() == Some(x))
            },
            |r| self.refund_json(r),
        )
    }

    // ---- Customers -------------------------------------------------------------------

    fn customer_fields(&self, p: &Params, c: &mut Customer) -> Result<(), ApiErr> {
        if let Some(v) = p.opt_string("email")? {
            c.email = v;
        }
        if let Some(v) = p.opt_string("name")? {
            c.name = v;
        }
        if let Some(v) = p.opt_string("phone")? {
            c.phone = v;
        }
        if let Some(v) = p.opt_string("description")? {
            c.description = v;
        }
        match p.get("address") {
            None => {}
            Some(Param::Str(s)) if s.is_empty() => c.address = None,
            Some(a) => c.address = Some(address_value(a, "address")?),
        }
        if let Some(s) = shipping_param(p, "shipping")? {
            c.shipping = s;
        }
        merge_metadata(&mut c.metadata, p.metadata()?);
        match p.get("invoice_settings") {
            None => {}
            Some(Param::Map(map)) => {
                for (k, v) in map {
                    if k != "default_payment_method" {
                        return Err(ApiErr::unknown_param(&format!("invoice_settings[{k}]")));
                    }
                    let pm = v.as_str().ok_or_else(|| {
                        ApiErr::invalid(
                            Some("invoice_settings[default_payment_method]"),
                            None,
                            "Invalid string",
                        )
                    })?;
                    if pm.is_empty() {
                        c.default_payment_method = None;
                    } else {
                        match self.payment_methods.get(pm) {
                            Some(found) if found.customer.as_deref() == Some(c.id.as_str()) => {
                                c.default_payment_method = Some(pm.to_owned());
                            }
                            Some(_) => {
                                return Err(ApiErr::invalid(
                                    Some("invoice_settings[default_payment_method]"),
                                    None,
                                    &format!(
                                        "The PaymentMethod {pm} is not attached to customer {}.",
                                        c.id
                                    ),
                                ));
                            }
                            None => {
                                return Err(ApiErr::no_such_param(
                                    "PaymentMethod",
                                    pm,
                                    "invoice_settings[default_payment_method]",
                                ));
                            }
                        }
                    }
                }
            }
            Some(_) => {
                return Err(ApiErr::invalid(
                    Some("invoice_settings"),
                    None,
                    "Invalid hash",
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn create_customer(&mut self, p: &Params) -> Answer {
        p.only(&[
            "email",
            "name",
            "phone",
            "description",
            "address",
            "shipping",
            "metadata",
            "payment_method",
            "invoice_settings",
            "test_clock",
        ])?;
        let test_clock = match p.str("test_clock")?.filter(|s| !s.is_empty()) {
            Some(clock) if self.test_clocks.get(clock).is_some() => Some(clock.to_owned()),
            Some(clock) => return Err(ApiErr::no_such_param("test_clock", clock, "test_clock")),
            None => None,
        };
        // A customer on a test clock is created at the clock's time.
        self.frozen = test_clock
            .as_deref()
            .and_then(|c| self.test_clocks.get(c))
            .map(|c| c.frozen_time);
        let id = new_id("cus");
        let mut c = Customer {
            id: id.clone(),
            created: self.now(),
            email: None,
            name: None,
            phone: None,
            description: None,
            address: None,
            shipping: None,
            metadata: Metadata::new(),
            default_payment_method: None,
            deleted: false,
            test_clock,
        };
        // A PaymentMethod given at creation is attached first, so invoice_settings may name it.
        let pm = match p.str("payment_method")?.filter(|s| !s.is_empty()) {
            Some(pm) => Some(self.check_attachable(pm, &id)?),
            None => None,
        };
        let attached = pm
            .map(|pm| self.resolve_payment_method(&pm, "payment_method"))
            .transpose()?;
        if let Some(pm) = &attached
            && let Some(found) = self.payment_methods.get_mut(pm)
        {
            found.customer = Some(id.clone());
        }
        self.customer_fields(p, &mut c)?;
        let body = self.customer_json(&c);
        self.customers.insert(id, c);
        self.emit("customer.created", body.clone(), None);
        if let Some(pm) = attached {
            let pm_json = self
                .payment_methods
                .get(&pm)
                .map(|x| self.payment_method_json(x))
                .unwrap_or(Value::Null);
            self.emit("payment_method.attached", pm_json, None);
        }
        Ok(body)
    }

    fn customer(&self, id: &str) -> Result<&Customer, ApiErr> {
        self.customers
            .get(id)
            .ok_or_else(|| ApiErr::no_such("customer", id))
    }

    pub(crate) fn retrieve_customer(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        Ok(self.customer_json(self.customer(id)?))
    }

    pub(crate) fn update_customer(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[
            "email",
            "name",
            "phone",
            "description",
            "address",
            "shipping",
            "metadata",
            "invoice_settings",
        ])?;
        let c = self.customer(id)?;
        if c.deleted {
            return Err(ApiErr::no_such("customer", id));
        }
        let before = self.customer_json(c);
        // Work on a copy so that a validation error leaves the customer untouched.
        let mut copy = Customer {
            id: c.id.clone(),
            created: c.created,
            email: c.email.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            description: c.description.clone(),
            address: c.address.clone(),
            shipping: c.shipping.clone(),
            metadata: c.metadata.clone(),
            default_payment_method: c.default_payment_method.clone(),
            deleted: false,
            test_clock: c.test_clock.clone(),
        };
        self.customer_fields(p, &mut copy)?;
        let after = self.customer_json(&copy);
        self.customers.insert(id.to_owned(), copy);
        if let Some(prev) = previous_attributes(&before, &after) {
            self.emit("customer.updated", after.clone(), Some(prev));
        }
        Ok(after)
    }

    pub(crate) fn delete_customer(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        let c = self.customer(id)?;
        if c.deleted {
            return Err(ApiErr::no_such("customer", id));
        }
        let body = self.customer_json(c);
        if let Some(c) = self.customers.get_mut(id) {
            c.deleted = true;
        }
        self.emit("customer.deleted", body, None);
        Ok(json!({"id": id, "object": "customer", "deleted": true}))
    }

    pub(crate) fn list_customers(&mut self, p: &Params) -> Answer {
        p.only(&[
            "email",
            "created",
            "limit",
            "starting_after",
            "ending_before",
            "test_clock",
        ])?;
        let created = self.time_filter(p, "created")?;
        let email = p.str("email")?.map(str::to_owned);
        let clock = p.str("test_clock")?.map(str::to_owned);
        self.page(
            &self.customers,
            "customer",
            "/v1/customers",
            p,
            |c| {
                !c.deleted
                    && created.contains(c.created)
                    && email.as_ref().is_none_or(|e| c.email.as_ref() == Some(e))
                    && clock
                        .as_ref()
                        .is_none_or(|k| c.test_clock.as_ref() == Some(k))
            },
            |c| self.customer_json(c),
        )
    }

    pub(crate) fn search_customers(&mut self, p: &Params) -> Answer {
        p.only(&["query", "limit", "page"])?;
        let query = p.required_str("query")?;
        let search = super::search::Query::parse(query)
            .map_err(|m| ApiErr::invalid(Some("query"), None, &format!("Invalid query: {m}")))?;
        let limit = p.limit()?;
        let offset = match p.str("page")?.filter(|s| !s.is_empty()) {
            None => 0,
            Some(token) => token
                .strip_prefix("page_")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| {
                    ApiErr::invalid(Some("page"), None, &format!("Invalid page: {token}"))
                })?,
        };
        let hits: Vec<&Customer> = self
            .customers
            .iter()
            .rev()
            .filter(|c| !c.deleted && search.matches(c))
            .collect();
        let data: Vec<Value> = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|c| self.customer_json(c))
            .collect();
        let next = offset.saturating_add(limit);
        let has_more = hits.len() > next;
        Ok(json!({
            "object": "search_result",
            "data": data,
            "has_more": has_more,
            "next_page": if has_more { Value::String(format!("page_{next}")) } else { Value::Null },
            "url": "/v1/customers/search",
        }))
    }

    // ---- PaymentMethods --------------------------------------------------------------

    /// Whether `pm` (a stored id or test token) may be attached to `customer`: cards that the
    /// issuer declines are declined at attach time too, as in Stripe.
    fn check_attachable(&self, pm: &str, customer: &str) -> Result<String, ApiErr> {
        let card = match self.payment_methods.get(pm) {
            Some(found) => {
                if found.customer.as_deref().is_some_and(|c| c != customer) {
                    return Err(ApiErr::invalid(
                        None,
                        None,
                        "The payment method you provided has already been attached to a customer.",
                    ));
                }
                found.card.clone()
            }
            None => super::cards::by_token(pm)
                .ok_or_else(|| ApiErr::no_such_param("PaymentMethod", pm, "payment_method"))?,
        };
        match card.behaviour {
            Behaviour::Decline {
                code,
                decline_code,
                message,
                attach_ok: false,
            } => Err(ApiErr::card(code, decline_code, None, message)),
            Behaviour::RadarBlock => Err(ApiErr::card(
                "card_declined",
                Some("fraudulent"),
                None,
                "Your card was declined.",
            )),
            _ => Ok(pm.to_owned()),
        }
    }

    pub(crate) fn attach_payment_method(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["customer"])?;
        let customer = p.required_str("customer")?.to_owned();
        self.live_customer(&customer, "customer")?;
        if self.payment_methods.get(id).is_none() && super::cards::by_token(id).is_none() {
            return Err(ApiErr::no_such("payment_method", id));
        }
        self.check_attachable(id, &customer)?;
        let pm_id = self.resolve_payment_method(id, "payment_method")?;
        let Some(pm) = self.payment_methods.get_mut(&pm_id) else {
            return Err(ApiErr::no_such("payment_method", id));
        };
        let newly = pm.customer.is_none();
        pm.customer = Some(customer);
        let body = self
            .payment_methods
            .get(&pm_id)
            .map(|x| self.payment_method_json(x))
            .unwrap_or(Value::Null);
        if newly {
            self.emit("payment_method.attached", body.clone(), None);
        }
        Ok(body)
    }

    pub(crate) fn retrieve_payment_method(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.payment_methods
            .get(id)
            .map(|pm| self.payment_method_json(pm))
            .ok_or_else(|| ApiErr::no_such("payment_method", id))
    }

    pub(crate) fn list_payment_methods(&mut self, p: &Params) -> Answer {
        p.only(&[
            "customer",
            "type",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let customer = p.str("customer")?.map(str::to_owned);
        if let Some(c) = &customer
            && self.customers.get(c).is_none()
        {
            return Err(ApiErr::no_such_param("customer", c, "customer"));
        }
        let kind = p.str("type")?.unwrap_or("card").to_owned();
        self.page(
            &self.payment_methods,
            "payment_method",
            "/v1/payment_methods",
            p,
            |pm| {
                kind == "card"
                    && customer
                        .as_ref()
                        .is_none_or(|c| pm.customer.as_ref() == Some(c))
            },
            |pm| self.payment_method_json(pm),
        )
    }

    // ---- Payouts and BalanceTransactions ---------------------------------------------

    pub(crate) fn retrieve_payout(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.payouts
            .get(id)
            .map(|x| self.payout_json(x))
            .ok_or_else(|| ApiErr::no_such("payout", id))
    }

    pub(crate) fn list_payouts(&mut self, p: &Params) -> Answer {
        p.only(&[
            "arrival_date",
            "created",
            "destination",
            "status",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let arrival = self.time_filter(p, "arrival_date")?;
        let status = p.str("status")?.map(str::to_owned);
        let destination = p.str("destination")?.map(str::to_owned);
        self.page(
            &self.payouts,
            "payout",
            "/v1/payouts",
            p,
            |x| {
                created.contains(x.created)
                    && arrival.contains(x.arrival_date)
                    && status.as_deref().is_none_or(|s| s == "paid")
                    && destination
                        .as_deref()
                        .is_none_or(|d| d == "ba_sandboxbankaccount0000")
            },
            |x| self.payout_json(x),
        )
    }

    pub(crate) fn retrieve_balance_transaction(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.balance_transactions
            .get(id)
            .map(|x| self.balance_transaction_json(x))
            .ok_or_else(|| ApiErr::no_such("balance_transaction", id))
    }

    pub(crate) fn list_balance_transactions(&mut self, p: &Params) -> Answer {
        p.only(&[
            "payout",
            "source",
            "type",
            "currency",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let payout = p.str("payout")?.map(str::to_owned);
        if let Some(po) = &payout
            && self.payouts.get(po).is_none()
        {
            return Err(ApiErr::no_such_param("payout", po, "payout"));
        }
        let source = p.str("source")?.map(str::to_owned);
        let kind = p.str("type")?.map(str::to_owned);
        let currency = currency_param(p, "currency")?;
        self.page(
            &self.balance_transactions,
            "balance_transaction",
            "/v1/balance_transactions",
            p,
            |t| {
                created.contains(t.created)
                    && payout.as_ref().is_none_or(|x| t.payout.as_ref() == Some(x))
                    && source.as_ref().is_none_or(|x| &t.source == x)
                    && kind.as_deref().is_none_or(|x| t.kind == x)
                    && currency.as_ref().is_none_or(|x| &t.currency == x)
            },
            |t| self.balance_transaction_json(t),
        )
    }

    // ---- Disputes --------------------------------------------------------------------

    pub(crate) fn retrieve_dispute(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.disputes
            .get(id)
            .map(|d| self.dispute_json(d))
            .ok_or_else(|| ApiErr::no_such("dispute", id))
    }

    pub(crate) fn list_disputes(&mut self, p: &Params) -> Answer {
        p.only(&[
            "charge",
            "payment_intent",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let charge = p.str("charge")?.map(str::to_owned);
        let pi = p.str("payment_intent")?.map(str::to_owned);
        self.page(
            &self.disputes,
            "dispute",
            "/v1/disputes",
            p,
            |d| {
                created.contains(d.created)
                    && charge.as_ref().is_none_or(|x| &d.charge == x)
                    && pi
                        .as_ref()
                        .is_none_or(|x| d.payment_intent.as_ref() == Some(x))
            },
            |d| self.dispute_json(d),
        )
    }

    pub(crate) fn update_dispute(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&["evidence", "metadata", "submit"])?;
        let d = self
            .disputes
            .get(id)
            .ok_or_else(|| ApiErr::no_such("dispute", id))?;
        let evidence = p.string_map("evidence")?.flatten().unwrap_or_default();
        if let Some(k) = evidence
            .keys()
            .find(|k| !EVIDENCE_FIELDS.contains(&k.as_str()))
        {
            return Err(ApiErr::unknown_param(&format!("evidence[{k}]")));
        }
        let submit = p.bool("submit")?.unwrap_or(false);
        let open = matches!(d.status, "needs_response" | "warning_needs_response");
        if (submit || !evidence.is_empty()) && !open {
            return Err(ApiErr::invalid(
                None,
                None,
                &format!(
                    "This dispute has status {} and its evidence can no longer be updated.",
                    d.status
                ),
            ));
        }
        let metadata = p.metadata()?;
        let before = self.dispute_json(d);
        let Some(d) = self.disputes.get_mut(id) else {
            return Err(ApiErr::no_such("dispute", id));
        };
        for (k, v) in evidence {
            if v.is_empty() {
                d.evidence.remove(&k);
            } else {
                d.evidence.insert(k, v);
            }
        }
        merge_metadata(&mut d.metadata, metadata);
        let mut closed = false;
        if submit {
            d.submission_count = d.submission_count.saturating_add(1);
            // Stripe's test mode: these texts decide the outcome (docs.stripe.com/testing#disputes).
            d.status = match d.evidence.get("uncategorized_text").map(String::as_str) {
                Some("winning_evidence") => "won",
                Some("losing_evidence") => "lost",
                _ => "under_review",
            };
            closed = matches!(d.status, "won" | "lost");
        }
        let won = d.status == "won" && closed;
        let (charge, amount, currency) = (d.charge.clone(), d.amount, d.currency.clone());
        if won {
            let txn = self.add_txn(
                amount,
                Vec::new(),
                &currency,
                "adjustment",
                "dispute_reversal",
                id,
                Some(format!("Chargeback reversal for {charge}")),
            );
            if let Some(d) = self.disputes.get_mut(id) {
                d.balance_transactions.push(txn);
            }
        }
        let after = self
            .disputes
            .get(id)
            .map(|d| self.dispute_json(d))
            .unwrap_or(Value::Null);
        if let Some(prev) = previous_attributes(&before, &after) {
            self.emit("charge.dispute.updated", after.clone(), Some(prev));
        }
        if closed {
            self.emit("charge.dispute.closed", after.clone(), None);
        }
        if won {
            self.emit("charge.dispute.funds_reinstated", after.clone(), None);
        }
        Ok(after)
    }

    pub(crate) fn close_dispute(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        let d = self
            .disputes
            .get_mut(id)
            .ok_or_else(|| ApiErr::no_such("dispute", id))?;
        if matches!(d.status, "won" | "lost" | "warning_closed") {
            return Err(ApiErr::invalid(
                None,
                None,
                &format!("This dispute is already closed (status {}).", d.status),
            ));
        }
        d.status = "lost";
        let body = self
            .disputes
            .get(id)
            .map(|d| self.dispute_json(d))
            .unwrap_or(Value::Null);
        self.emit("charge.dispute.closed", body.clone(), None);
        Ok(body)
    }

    // ---- Early fraud warnings ----------------------------------------------------------

    pub(crate) fn retrieve_warning(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.warnings
            .get(id)
            .map(|w| self.warning_json(w))
            .ok_or_else(|| ApiErr::no_such("early_fraud_warning", id))
    }

    pub(crate) fn list_warnings(&mut self, p: &Params) -> Answer {
        p.only(&[
            "charge",
            "payment_intent",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        let charge = p.str("charge")?.map(str::to_owned);
        let pi = p.str("payment_intent")?.map(str::to_owned);
        self.page(
            &self.warnings,
            "early_fraud_warning",
            "/v1/radar/early_fraud_warnings",
            p,
            |w| {
                created.contains(w.created)
                    && charge.as_ref().is_none_or(|x| &w.charge == x)
                    && pi
                        .as_ref()
                        .is_none_or(|x| w.payment_intent.as_ref() == Some(x))
            },
            |w| self.warning_json(w),
        )
    }

    // ---- Events ----------------------------------------------------------------------

    pub(crate) fn retrieve_event(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.events
            .get(id)
            .map(|e| e.body.clone())
            .ok_or_else(|| ApiErr::no_such("event", id))
    }

    pub(crate) fn list_events(&mut self, p: &Params) -> Answer {
        p.only(&[
            "created",
            "delivery_success",
            "type",
            "types",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let created = self.time_filter(p, "created")?;
        p.bool("delivery_success")?;
        let single = p.str("type")?.map(str::to_owned);
        let types = p.str_list("types")?;
        if single.is_some() && !types.is_empty() {
            return Err(ApiErr::invalid(
                Some("types"),
                None,
                "You may only specify one of these parameters: type, types.",
            ));
        }
        if types.len() > 20 {
            return Err(ApiErr::invalid(
                Some("types"),
                None,
                "You may only specify up to 20 types.",
            ));
        }
        let wanted: Vec<String> = single.into_iter().chain(types).collect();
        let matches = |t: &str| {
            wanted.is_empty()
                || wanted.iter().any(|w| match w.strip_suffix('*') {
                    Some(prefix) => t.starts_with(prefix),
                    None => t == w,
                })
        };
        self.page(
            &self.events,
            "event",
            "/v1/events",
            p,
            |e| created.contains(e.created) && matches(&e.event_type),
            |e| e.body.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_format_in_major_units_with_the_currency_exponent() {
        assert_eq!(major(1099, "usd"), "10.99 usd");
        assert_eq!(major(5, "usd"), "0.05 usd");
        assert_eq!(major(500, "jpy"), "500 jpy");
        assert_eq!(major(5120, "kwd"), "5.120 kwd");
        assert_eq!(major(-250, "eur"), "-2.50 eur");
    }
}

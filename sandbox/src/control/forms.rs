//! The JSON forms the control API accepts, read into the library's types: fault rules, vault
//! customers and Shopify orders.

use axum::http::{HeaderName, HeaderValue};
use rust_decimal::Decimal;
use serde_json::Value;

use super::fields::{ControlError, Fields};
use crate::faults::{Fault, FaultRule, Trigger};
use crate::{Service, paytrace, shopify};

/// A fault rule: `{"service", "path_prefix"?, "method"?, "fault", "trigger"}`.
pub(crate) fn fault_rule(f: &Fields<'_>) -> Result<FaultRule, ControlError> {
    f.only(&["service", "path_prefix", "method", "fault", "trigger"])?;
    let service: Service = f
        .required_string("service")?
        .parse()
        .map_err(|e: String| ControlError::bad(format!("service: {e}")))?;
    let mut rule = FaultRule::new(service.name(), fault(f)?, trigger(f)?);
    if let Some(prefix) = f.string("path_prefix")? {
        if !prefix.starts_with('/') {
            return Err(ControlError::bad(
                "path_prefix: expected a path starting with /",
            ));
        }
        rule = rule.path(prefix);
    }
    if let Some(method) = f.string("method")? {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ControlError::bad(
                "method: expected an HTTP method such as POST",
            ));
        }
        rule = rule.method(method);
    }
    Ok(rule)
}

/// The one key of an object that must hold exactly one (`{"count": 3}`).
fn single_key<'a>(f: &Fields<'a>, field: &str, known: &[&str]) -> Result<Fields<'a>, ControlError> {
    let inner = f.required_object(field)?;
    inner.only(known)?;
    let present: Vec<&&str> = known.iter().filter(|k| inner.get(k).is_some()).collect();
    if present.len() != 1 {
        return Err(ControlError::bad(format!(
            "{}: expected exactly one of {}",
            f.name(field),
            known.join(", ")
        )));
    }
    Ok(inner)
}

fn fault(f: &Fields<'_>) -> Result<Fault, ControlError> {
    const MAX_MS: u64 = 24 * 3600 * 1000;
    let spec = single_key(
        f,
        "fault",
        &["respond", "latency_ms", "apply_after_ms", "drop"],
    )?;
    if let Some(ms) = spec.uint("latency_ms", MAX_MS)? {
        return Ok(Fault::Latency(std::time::Duration::from_millis(ms)));
    }
    if let Some(ms) = spec.uint("apply_after_ms", MAX_MS)? {
        return Ok(Fault::ApplyAfter(std::time::Duration::from_millis(ms)));
    }
    if spec.get("drop").is_some() {
        return match spec.boolean("drop")? {
            Some(true) => Ok(Fault::Drop),
            _ => Err(ControlError::bad(format!(
                "{}: expected true",
                spec.name("drop")
            ))),
        };
    }
    let respond = spec.required_object("respond")?;
    respond.only(&["status", "headers", "body"])?;
    let status = respond.required_uint("status", 999)?;
    if status < 100 {
        return Err(ControlError::bad(format!(
            "{}: expected an HTTP status from 100 to 999",
            respond.name("status")
        )));
    }
    let mut headers = Vec::new();
    for (i, pair) in respond.array("headers")?.into_iter().flatten().enumerate() {
        let name = respond.name(&format!("headers[{i}]"));
        let (Some(header), Some(value)) = (
            pair.get(0).and_then(Value::as_str),
            pair.get(1).and_then(Value::as_str),
        ) else {
            return Err(ControlError::bad(format!(
                "{name}: expected [\"Header-Name\", \"value\"]"
            )));
        };
        if HeaderName::try_from(header).is_err() || HeaderValue::try_from(value).is_err() {
            return Err(ControlError::bad(format!(
                "{name}: not a valid HTTP header"
            )));
        }
        headers.push((header.to_owned(), value.to_owned()));
    }
    Ok(Fault::Respond {
        status: u16::try_from(status).unwrap_or(500),
        headers,
        body: respond.string("body")?.unwrap_or_else(|| "{}".to_owned()),
    })
}

fn trigger(f: &Fields<'_>) -> Result<Trigger, ControlError> {
    let spec = single_key(f, "trigger", &["count", "per_mille", "always"])?;
    if let Some(n) = spec.uint("count", u64::from(u32::MAX))? {
        return Ok(Trigger::Count(u32::try_from(n).unwrap_or(u32::MAX)));
    }
    if let Some(p) = spec.uint("per_mille", 1000)? {
        return Ok(Trigger::PerMille(u16::try_from(p).unwrap_or(1000)));
    }
    match spec.boolean("always")? {
        Some(true) => Ok(Trigger::Always),
        _ => Err(ControlError::bad(format!(
            "{}: expected true",
            spec.name("always")
        ))),
    }
}

/// A vault customer to seed.
pub(crate) struct SeedCustomer {
    pub(crate) customer_id: String,
    pub(crate) card_number: String,
    pub(crate) expiration_month: u32,
    pub(crate) expiration_year: u32,
    pub(crate) billing: paytrace::Address,
}

/// `{"customer_id", "card_number", "expiration_month", "expiration_year", "billing"?}`.
pub(crate) fn seed_customer(f: &Fields<'_>) -> Result<SeedCustomer, ControlError> {
    f.only(&[
        "customer_id",
        "card_number",
        "expiration_month",
        "expiration_year",
        "billing",
    ])?;
    let customer_id = f.required_string("customer_id")?;
    if customer_id.is_empty() {
        return Err(ControlError::bad("customer_id: must not be empty"));
    }
    let month = f.required_uint("expiration_month", 12)?;
    if month == 0 {
        return Err(ControlError::bad(
            "expiration_month: expected an integer from 1 to 12",
        ));
    }
    let year = f.required_uint("expiration_year", 9999)?;
    let billing = match f.object("billing")? {
        None => paytrace::Address::default(),
        Some(b) => {
            b.only(&[
                "name",
                "street_address",
                "street_address2",
                "city",
                "county",
                "state",
                "zip",
                "country",
            ])?;
            paytrace::Address {
                name: b.string("name")?,
                street_address: b.string("street_address")?,
                street_address2: b.string("street_address2")?,
                city: b.string("city")?,
                county: b.string("county")?,
                state: b.string("state")?,
                zip: b.string("zip")?,
                country: b.string("country")?,
            }
        }
    };
    Ok(SeedCustomer {
        customer_id,
        card_number: f.required_string("card_number")?,
        expiration_month: u32::try_from(month).unwrap_or(12),
        expiration_year: u32::try_from(year).unwrap_or(9999),
        billing,
    })
}

fn shopify_address(f: &Fields<'_>, field: &str) -> Result<Option<shopify::Address>, ControlError> {
    let Some(a) = f.object(field)? else {
        return Ok(None);
    };
    a.only(&[
        "first_name",
        "last_name",
        "company",
        "address1",
        "address2",
        "city",
        "province_code",
        "country_code",
        "zip",
        "phone",
    ])?;
    Ok(Some(shopify::Address {
        first_name: a.string("first_name")?,
        last_name: a.string("last_name")?,
        company: a.string("company")?,
        address1: a.string("address1")?,
        address2: a.string("address2")?,
        city: a.string("city")?,
        province_code: a.string("province_code")?,
        country_code: a.string("country_code")?,
        zip: a.string("zip")?,
        phone: a.string("phone")?,
    }))
}

fn line_items(f: &Fields<'_>) -> Result<Vec<shopify::NewLineItem>, ControlError> {
    let items = f
        .array("line_items")?
        .ok_or_else(|| f.missing("line_items"))?;
    if items.is_empty() {
        return Err(ControlError::bad("line_items: expected at least one item"));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, value) in items.iter().enumerate() {
        let item = f.item("line_items", i, value)?;
        item.only(&["title", "sku", "quantity", "price"])?;
        let quantity = item.uint("quantity", u64::from(u32::MAX))?.unwrap_or(1);
        if quantity == 0 {
            return Err(ControlError::bad(format!(
                "{}: expected at least 1",
                item.name("quantity")
            )));
        }
        out.push(shopify::NewLineItem {
            title: item
                .string("title")?
                .unwrap_or_else(|| "Sandbox item".to_owned()),
            sku: item.string("sku")?,
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
            price: item.money("price")?.ok_or_else(|| item.missing("price"))?,
            gift_card: false,
        });
    }
    Ok(out)
}

fn payment(f: &Fields<'_>) -> Result<shopify::InitialPayment, ControlError> {
    let expected = || {
        ControlError::bad(
            "payment: expected \"pending\", {\"authorized\": \"<gateway>\"} or {\"paid\": \"<gateway>\"}",
        )
    };
    match f.get("payment") {
        None => Ok(shopify::InitialPayment::Pending),
        Some(Value::String(s)) if s == "pending" => Ok(shopify::InitialPayment::Pending),
        Some(Value::Object(_)) => {
            let p = single_key(f, "payment", &["authorized", "paid"]).map_err(|_| expected())?;
            if let Some(gateway) = p.string("authorized")? {
                Ok(shopify::InitialPayment::Authorized(gateway))
            } else {
                let gateway = p.string("paid")?.ok_or_else(expected)?;
                Ok(shopify::InitialPayment::Paid(gateway))
            }
        }
        Some(_) => Err(expected()),
    }
}

/// A Shopify order to create (see the module doc of `control` for the fields and defaults).
pub(crate) fn new_order(f: &Fields<'_>) -> Result<shopify::NewOrder, ControlError> {
    f.only(&[
        "email",
        "first_name",
        "last_name",
        "currency",
        "line_items",
        "shipping",
        "tax",
        "tip",
        "billing_address",
        "shipping_address",
        "payment",
        "risk_level",
        "tags",
        "note",
        "note_attributes",
        "test",
    ])?;
    let currency = f.string("currency")?.unwrap_or_else(|| "USD".to_owned());
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ControlError::bad(
            "currency: expected an ISO 4217 code such as USD",
        ));
    }
    let risk_level = match f.string("risk_level")? {
        None => None,
        Some(level) => {
            let level = level.to_ascii_uppercase();
            if !["LOW", "MEDIUM", "HIGH", "NONE", "PENDING"].contains(&level.as_str()) {
                return Err(ControlError::bad(
                    "risk_level: expected LOW, MEDIUM, HIGH, NONE or PENDING",
                ));
            }
            Some(level)
        }
    };
    let mut tags = Vec::new();
    for (i, tag) in f.array("tags")?.into_iter().flatten().enumerate() {
        match tag.as_str() {
            Some(t) => tags.push(t.to_owned()),
            None => return Err(ControlError::bad(format!("tags[{i}]: expected a string"))),
        }
    }
    let mut note_attributes = Vec::new();
    for (i, value) in f
        .array("note_attributes")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        let attribute = f.item("note_attributes", i, value)?;
        attribute.only(&["name", "value"])?;
        note_attributes.push((
            attribute.required_string("name")?,
            attribute.string("value")?.unwrap_or_default(),
        ));
    }
    let email = f.string("email")?;
    let names = |field: &str, default: &str| -> Result<Option<String>, ControlError> {
        // Like `NewOrder::simple`: a buyer with an e-mail gets a placeholder name.
        Ok(f.string(field)?
            .or_else(|| email.as_ref().map(|_| default.to_owned())))
    };
    Ok(shopify::NewOrder {
        first_name: names("first_name", "Sandbox")?,
        last_name: names("last_name", "Buyer")?,
        email: email.clone(),
        currency,
        line_items: line_items(f)?,
        shipping: f.money("shipping")?.unwrap_or(Decimal::ZERO),
        tax: f.money("tax")?.unwrap_or(Decimal::ZERO),
        tip: f.money("tip")?.unwrap_or(Decimal::ZERO),
        billing_address: shopify_address(f, "billing_address")?,
        shipping_address: shopify_address(f, "shipping_address")?,
        payment: payment(f)?,
        risk_level,
        tags,
        note: f.string("note")?,
        note_attributes,
        test: f.boolean("test")?.unwrap_or(true),
    })
}

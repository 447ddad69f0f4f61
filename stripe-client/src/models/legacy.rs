//! Reads objects rendered in an API version before `2025-03-31.basil` into the current shape.
//!
//! The JSON of the object is rewritten in place, moving each field Basil moved to where Basil
//! put it; the current models then read it. A moved field that is missing, or whose value
//! cannot be moved, is an error naming the field where it was expected (`subscription`,
//! `lines.data[2].price`), never a default.
//!
//! What moved (Stripe's official `fixtures3.json` of 2025-02-14 and 2025-03-25,
//! github.com/stripe/openapi; docs.stripe.com/changelog/basil/2025-03-31):
//! - Invoice `subscription` (+ `subscription_details.metadata`) ->
//!   `parent.subscription_details`; `quote` -> `parent.quote_details`.
//! - Invoice `payment_intent` / `charge` -> one entry of `payments` (the PaymentIntent when
//!   there is one: an invoice payment names the charge only when it has no PaymentIntent,
//!   stripe-python `InvoicePayment.Payment.charge`).
//! - Invoice `paid` -> removed; [`super::Invoice::is_paid`] reads `status`. `tax` and
//!   `total_tax_amounts` -> `total_taxes`.
//! - Invoice line `price` (the Price object) -> `pricing.price_details`.
//! - Invoice line `type`, `proration`, `subscription`, `subscription_item` and `invoice_item` ->
//!   `parent.subscription_item_details` (a line of type `subscription`) or
//!   `parent.invoice_item_details` (type `invoiceitem`).
//! - Credit note `refund` -> one entry of `refunds` (its amount is not known: `None`);
//!   `tax_amounts` -> `total_taxes`.
//! - Subscription `current_period_start`/`current_period_end` -> each item.
//! - PaymentIntent and Charge `invoice` -> removed (the link is the invoice's `payments`).

use serde_json::{Map, Value, json};

/// A legacy field that is missing or cannot be moved.
#[derive(Debug)]
pub(crate) struct LegacyError {
    /// Path inside the object (`lines.data[0].price`).
    pub(crate) path: String,
    /// What is wrong.
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, LegacyError>;

fn error(path: impl Into<String>, message: impl Into<String>) -> LegacyError {
    LegacyError {
        path: path.into(),
        message: message.into(),
    }
}

/// Removes `key`, which the legacy shape always renders (possibly as `null`).
fn take(obj: &mut Map<String, Value>, at: &str, key: &str) -> Result<Value> {
    obj.remove(key)
        .ok_or_else(|| error(join(at, key), format!("missing field `{key}`")))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// An expandable reference: an id, an object with an `id`, or `null`. Returns it unchanged.
fn expandable(value: Value, path: &str) -> Result<Value> {
    match &value {
        Value::Null | Value::String(_) => Ok(value),
        Value::Object(o) if o.get("id").is_some_and(Value::is_string) => Ok(value),
        _ => Err(error(path, "expected an id or an object with an id")),
    }
}

/// The id of an expandable reference.
fn expandable_id(value: &Value) -> Option<&str> {
    value
        .as_str()
        .or_else(|| value.get("id").and_then(Value::as_str))
}

/// Rewrites a legacy-shape object of kind `object` (its `object` field) into the current shape.
pub(crate) fn upgrade(object: &str, value: &mut Value) -> Result<()> {
    let Some(obj) = value.as_object_mut() else {
        // Not an object: the model's own decoding reports it.
        return Ok(());
    };
    match object {
        "invoice" => invoice(obj),
        "subscription" => subscription(obj),
        "credit_note" => credit_note(obj),
        "payment_intent" | "charge" => {
            obj.remove("invoice");
            Ok(())
        }
        _ => Ok(()),
    }
}

fn invoice(obj: &mut Map<String, Value>) -> Result<()> {
    if !take(obj, "", "paid")?.is_boolean() {
        return Err(error("paid", "expected a boolean"));
    }
    let subscription = expandable(take(obj, "", "subscription")?, "subscription")?;
    let details = obj.remove("subscription_details").unwrap_or(Value::Null);
    let quote = expandable(obj.remove("quote").unwrap_or(Value::Null), "quote")?;
    let parent = if !subscription.is_null() {
        json!({
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription,
                "metadata": details.get("metadata").cloned().unwrap_or(Value::Null),
            },
        })
    } else if let Some(quote) = expandable_id(&quote) {
        json!({"type": "quote_details", "quote_details": {"quote": quote}})
    } else {
        Value::Null
    };
    obj.insert("parent".to_owned(), parent);

    let payment_intent = expandable(take(obj, "", "payment_intent")?, "payment_intent")?;
    let charge = expandable(take(obj, "", "charge")?, "charge")?;
    let payment = if !payment_intent.is_null() {
        Some(json!({"type": "payment_intent", "payment_intent": payment_intent}))
    } else if !charge.is_null() {
        Some(json!({"type": "charge", "charge": charge}))
    } else {
        None
    };
    if let Some(payment) = payment {
        let url = obj
            .get("id")
            .and_then(Value::as_str)
            .map(|id| format!("/v1/invoice_payments?invoice={id}"))
            .unwrap_or_default();
        obj.insert(
            "payments".to_owned(),
            json!({
                "object": "list",
                "data": [{"object": "invoice_payment", "is_default": true, "payment": payment}],
                "has_more": false,
                "url": url,
            }),
        );
    }

    take(obj, "", "tax")?;
    let taxes = match take(obj, "", "total_tax_amounts")? {
        Value::Null => Value::Null,
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, tax)| tax_amount(tax, "total_tax_amounts", i))
                .collect::<Result<_>>()?,
        ),
        _ => return Err(error("total_tax_amounts", "expected a list")),
    };
    obj.insert("total_taxes".to_owned(), taxes);

    if let Some(lines) = obj
        .get_mut("lines")
        .and_then(|l| l.get_mut("data"))
        .and_then(Value::as_array_mut)
    {
        for (i, line) in lines.iter_mut().enumerate() {
            if let Some(line) = line.as_object_mut() {
                line_item(line, &format!("lines.data[{i}]"))?;
            }
        }
    }
    Ok(())
}

/// A legacy `total_tax_amounts[i]` of an invoice or `tax_amounts[i]` of a credit note
/// (`amount`, `inclusive`, `taxable_amount`) as a `total_taxes[i]` (`amount`, `tax_behavior`,
/// `taxable_amount`).
fn tax_amount(tax: Value, field: &str, i: usize) -> Result<Value> {
    let at = format!("{field}[{i}]");
    let Value::Object(mut tax) = tax else {
        return Err(error(at, "expected an object"));
    };
    let behavior = match tax.remove("inclusive") {
        Some(Value::Bool(true)) => "inclusive",
        Some(Value::Bool(false)) => "exclusive",
        _ => return Err(error(join(&at, "inclusive"), "expected a boolean")),
    };
    tax.insert("tax_behavior".to_owned(), behavior.into());
    Ok(Value::Object(tax))
}

fn line_item(line: &mut Map<String, Value>, at: &str) -> Result<()> {
    let price_at = join(at, "price");
    let pricing = match take(line, at, "price")? {
        Value::Null => Value::Null,
        Value::Object(price) => {
            let Some(product) = price.get("product").and_then(expandable_id) else {
                return Err(error(join(&price_at, "product"), "expected a product id"));
            };
            let product = product.to_owned();
            let unit_amount_decimal = price
                .get("unit_amount_decimal")
                .cloned()
                .unwrap_or(Value::Null);
            json!({
                "type": "price_details",
                "price_details": {"price": Value::Object(price), "product": product},
                "unit_amount_decimal": unit_amount_decimal,
            })
        }
        _ => return Err(error(price_at, "expected a price object or null")),
    };
    line.insert("pricing".to_owned(), pricing);
    let taxes_at = join(at, "tax_amounts");
    let taxes = match line.remove("tax_amounts") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(taxes)) => Value::Array(
            taxes
                .into_iter()
                .enumerate()
                .map(|(i, tax)| tax_amount(tax, &taxes_at, i))
                .collect::<Result<_>>()?,
        ),
        Some(_) => return Err(error(taxes_at, "expected a list")),
    };
    line.insert("taxes".to_owned(), taxes);
    line_parent(line, at)
}

/// A legacy line's `type`, `proration`, `subscription`, `subscription_item` and `invoice_item`
/// as its `parent`. `subscription_item` and `invoice_item` are optional in the legacy spec, so
/// they are required only for the line type that names them.
fn line_parent(line: &mut Map<String, Value>, at: &str) -> Result<()> {
    let kind = take(line, at, "type")?;
    let proration = take(line, at, "proration")?;
    if !proration.is_boolean() {
        return Err(error(join(at, "proration"), "expected a boolean"));
    }
    let subscription = expandable(
        line.remove("subscription").unwrap_or(Value::Null),
        &join(at, "subscription"),
    )?;
    let subscription = expandable_id(&subscription).map(str::to_owned);
    let mut id_of = |key: &str| -> Result<Option<String>> {
        let value = expandable(line.remove(key).unwrap_or(Value::Null), &join(at, key))?;
        Ok(expandable_id(&value).map(str::to_owned))
    };
    let subscription_item = id_of("subscription_item")?;
    let invoice_item = id_of("invoice_item")?;
    let parent = match kind.as_str() {
        Some("subscription") => {
            let Some(subscription_item) = subscription_item else {
                return Err(error(
                    join(at, "subscription_item"),
                    "missing on a line of type `subscription`",
                ));
            };
            json!({
                "type": "subscription_item_details",
                "subscription_item_details": {
                    "subscription_item": subscription_item,
                    "subscription": subscription,
                    "invoice_item": invoice_item,
                    "proration": proration,
                },
            })
        }
        Some("invoiceitem") => {
            let Some(invoice_item) = invoice_item else {
                return Err(error(
                    join(at, "invoice_item"),
                    "missing on a line of type `invoiceitem`",
                ));
            };
            json!({
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": invoice_item,
                    "subscription": subscription,
                    "proration": proration,
                },
            })
        }
        _ => {
            return Err(error(
                join(at, "type"),
                "expected `subscription` or `invoiceitem`",
            ));
        }
    };
    line.insert("parent".to_owned(), parent);
    Ok(())
}

/// A legacy credit note's `refund` as `refunds`, its `tax_amounts` as `total_taxes`. `refund`
/// is optional in the 2023-08-16 spec (absent: no refund); `tax_amounts` is required.
fn credit_note(obj: &mut Map<String, Value>) -> Result<()> {
    let refund = expandable(obj.remove("refund").unwrap_or(Value::Null), "refund")?;
    let refunds = if refund.is_null() {
        json!([])
    } else {
        json!([{"type": "refund", "refund": refund, "amount_refunded": null}])
    };
    obj.insert("refunds".to_owned(), refunds);
    let taxes = match take(obj, "", "tax_amounts")? {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, tax)| tax_amount(tax, "tax_amounts", i))
                .collect::<Result<_>>()?,
        ),
        _ => return Err(error("tax_amounts", "expected a list")),
    };
    obj.insert("total_taxes".to_owned(), taxes);
    Ok(())
}

fn subscription(obj: &mut Map<String, Value>) -> Result<()> {
    let mut period = Vec::with_capacity(2);
    for key in ["current_period_start", "current_period_end"] {
        let value = take(obj, "", key)?;
        if !value.is_i64() {
            return Err(error(key, "expected a Unix timestamp"));
        }
        period.push((key, value));
    }
    let Some(items) = obj
        .get_mut("items")
        .and_then(|l| l.get_mut("data"))
        .and_then(Value::as_array_mut)
    else {
        // The model reports a missing `items` list.
        return Ok(());
    };
    for item in items.iter_mut().filter_map(Value::as_object_mut) {
        for (key, value) in &period {
            item.insert((*key).to_owned(), value.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn legacy_invoice() -> Value {
        json!({
            "id": "in_1", "object": "invoice", "paid": false, "subscription": null,
            "subscription_details": {"metadata": null}, "quote": null,
            "payment_intent": null, "charge": null, "tax": null, "total_tax_amounts": [],
            "lines": {"object": "list", "data": [], "has_more": false, "url": "/v1/invoices/in_1/lines"},
        })
    }

    #[test]
    fn a_charge_without_payment_intent_becomes_the_payment_and_a_quote_the_parent() {
        let mut invoice = legacy_invoice();
        invoice["charge"] = json!("ch_1");
        invoice["quote"] = json!("qt_1");
        upgrade("invoice", &mut invoice).unwrap();
        assert_eq!(
            invoice["payments"]["data"][0]["payment"],
            json!({"type": "charge", "charge": "ch_1"})
        );
        assert_eq!(
            invoice["payments"]["url"],
            "/v1/invoice_payments?invoice=in_1"
        );
        assert_eq!(
            invoice["parent"],
            json!({"type": "quote_details", "quote_details": {"quote": "qt_1"}})
        );
        for moved in [
            "paid",
            "subscription",
            "payment_intent",
            "charge",
            "tax",
            "quote",
        ] {
            assert!(invoice.get(moved).is_none(), "{moved}");
        }
    }

    #[test]
    fn a_legacy_lines_tax_amounts_become_its_taxes() {
        let mut invoice = legacy_invoice();
        invoice["lines"]["data"] = json!([{
            "id": "il_1", "price": null, "type": "invoiceitem", "proration": false,
            "invoice_item": "ii_1", "subscription": null,
            "tax_amounts": [
                {"amount": 200, "inclusive": true, "taxable_amount": 1000},
                {"amount": 50, "inclusive": false, "taxable_amount": 1000},
            ],
        }]);
        upgrade("invoice", &mut invoice).unwrap();
        let line = &invoice["lines"]["data"][0];
        assert_eq!(
            line["taxes"],
            json!([
                {"amount": 200, "tax_behavior": "inclusive", "taxable_amount": 1000},
                {"amount": 50, "tax_behavior": "exclusive", "taxable_amount": 1000},
            ])
        );
        assert!(line.get("tax_amounts").is_none());
        invoice = legacy_invoice();
        invoice["lines"]["data"] = json!([{
            "id": "il_1", "price": null, "type": "invoiceitem", "proration": false,
            "invoice_item": "ii_1", "subscription": null, "tax_amounts": [{"amount": 1}],
        }]);
        let err = upgrade("invoice", &mut invoice).unwrap_err();
        assert_eq!(err.path, "lines.data[0].tax_amounts[0].inclusive");
    }

    #[test]
    fn a_legacy_field_that_cannot_be_moved_is_an_error_naming_it() {
        let cases = [
            ("subscription", json!(42), "subscription"),
            ("paid", json!("yes"), "paid"),
            (
                "total_tax_amounts",
                json!([{"amount": 1}]),
                "total_tax_amounts[0].inclusive",
            ),
            ("payment_intent", json!({"no": "id"}), "payment_intent"),
        ];
        for (field, value, path) in cases {
            let mut invoice = legacy_invoice();
            invoice[field] = value;
            let err = upgrade("invoice", &mut invoice).unwrap_err();
            assert_eq!(err.path, path, "{field}: {}", err.message);
        }
        let mut sub = json!({"object": "subscription", "current_period_start": 1,
            "current_period_end": "later", "items": {"data": [{}]}});
        let err = upgrade("subscription", &mut sub).unwrap_err();
        assert_eq!(err.path, "current_period_end");
    }
}

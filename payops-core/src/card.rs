//! Card data masked out of everything a person is shown: the one place the operations console,
//! the `payops` command line and the runtime's notices mask payloads ([`mask_json`]) and text
//! ([`mask_text`]).
//!
//! Card data should never reach the store (the clients redact it, the intake drops Stripe's
//! `client_secret`s), so this is the last line, for a payload or an error that carries it all
//! the same. What is masked:
//!
//! - the value of every field named as card data, whatever its type: `csc`, `cvv`, `cvv2`,
//!   `cvc`, `cvc2`, `card_code`, `security_code`, `encrypted_number`, `encrypted_csc`,
//!   `card_number`, `cc_number`, `pan`, `track_data`, `track1`, `track2` (PayTrace's card fields
//!   and the usual names elsewhere) and Stripe's `client_secret`; `number` inside an object
//!   named `credit_card`, `card` or `payment_card`. Names are compared without case, `-` read
//!   as `_`;
//! - in any other string or number, each run of 13 to 19 digits (single spaces or dashes
//!   allowed between them, as people write card numbers) that passes the Luhn check, which
//!   every card number does: it becomes `[card ending 1111]`. The check keeps most other long
//!   numbers (Shopify's 13-digit ids, millisecond times) readable; about one in ten of them
//!   passes it by chance and is masked too;
//! - in text, a 3- or 4-digit value written after one of the card-code names above
//!   (`"csc":"123"`, `cvv=123`, `card[cvc]: 123`);
//! - a string that holds a JSON object or array (a body kept as text) is masked as JSON.
//!
//! Not found: a card number with a typing error (it fails the Luhn check) outside a card field,
//! and card codes written without their name.
//!
//! ```
//! use serde_json::json;
//!
//! let payload = json!({
//!     "credit_card": {"number": "4111111111111111", "expiration_month": 12},
//!     "csc": "999",
//!     "note": "customer read 4242 4242 4242 4242 over the phone",
//! });
//! assert_eq!(
//!     payops_core::card::mask_json(&payload),
//!     json!({
//!         "credit_card": {"number": "[masked]", "expiration_month": 12},
//!         "csc": "[masked]",
//!         "note": "customer read [card ending 4242] over the phone",
//!     })
//! );
//! ```

use std::borrow::Cow;

use serde_json::Value;

/// What a masked field's value becomes.
pub const MASKED: &str = "[masked]";

/// Fields whose values are card data wherever they are (names lower case, `_` for `-`).
const CARD_FIELDS: [&str; 16] = [
    "csc",
    "cvv",
    "cvv2",
    "cvc",
    "cvc2",
    "card_code",
    "security_code",
    "encrypted_number",
    "encrypted_csc",
    "card_number",
    "cc_number",
    "pan",
    "track_data",
    "track1",
    "track2",
    "client_secret",
];

/// Objects whose `number` is a card number.
const CARD_OBJECTS: [&str; 3] = ["credit_card", "card", "payment_card"];

/// Names after which a short number in text is a card code.
const CODE_NAMES: [&str; 7] = [
    "csc",
    "cvv",
    "cvc",
    "card_code",
    "security_code",
    "card-code",
    "security-code",
];

/// `value` with card data masked (see the [module](self)).
pub fn mask_json(value: &Value) -> Value {
    mask_value(value, None)
}

/// `text` with card numbers and named card codes masked (see the [module](self)); borrowed when
/// there is nothing to mask.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    match mask_pans(text) {
        Cow::Borrowed(text) => mask_codes(text),
        Cow::Owned(masked) => Cow::Owned(mask_codes(&masked).into_owned()),
    }
}

fn mask_value(value: &Value, parent: Option<&str>) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, field)| {
                    let masked = if is_card_field(name, parent) && !field.is_null() {
                        Value::String(MASKED.to_owned())
                    } else {
                        mask_value(field, Some(name))
                    };
                    (name.clone(), masked)
                })
                .collect(),
        ),
        // The items of a list are what its name says (`cards: [{number}]`).
        Value::Array(items) => Value::Array(items.iter().map(|v| mask_value(v, parent)).collect()),
        Value::String(text) => match embedded_json(text) {
            Some(inner) => Value::String(mask_json(&inner).to_string()),
            None => Value::String(mask_text(text).into_owned()),
        },
        Value::Number(number) => {
            let digits = number.to_string();
            match mask_pans(&digits) {
                Cow::Borrowed(_) => value.clone(),
                Cow::Owned(masked) => Value::String(masked),
            }
        }
        Value::Null | Value::Bool(_) => value.clone(),
    }
}

/// Whether field `name` (in an object named `parent`) holds card data.
fn is_card_field(name: &str, parent: Option<&str>) -> bool {
    let name = normalized(name);
    CARD_FIELDS.contains(&name.as_str())
        || (name == "number"
            && parent.is_some_and(|p| CARD_OBJECTS.contains(&normalized(p).as_str())))
}

fn normalized(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// The JSON object or array a string holds, if it holds one.
fn embedded_json(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// Runs of digits that card numbers are written as: digit groups joined by one space or dash.
/// Returns each run as the byte ranges of its groups.
fn digit_runs(text: &str) -> Vec<Vec<(usize, usize)>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut groups = Vec::new();
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((start, i));
            let joined = i + 1 < bytes.len()
                && matches!(bytes[i], b' ' | b'-')
                && bytes[i + 1].is_ascii_digit();
            if !joined {
                break;
            }
            i += 1;
        }
        runs.push(groups);
    }
    runs
}

/// The card numbers in `text` replaced by `[card ending NNNN]`.
fn mask_pans(text: &str) -> Cow<'_, str> {
    let mut cards = Vec::new();
    for groups in digit_runs(text) {
        // The widest span of whole groups, from the left, that is a card number: a run may hold
        // one next to other numbers ("4111 1111 1111 1111 12/26" has no slash, "... 1226" does).
        let mut first = 0;
        while first < groups.len() {
            let found = (first..groups.len()).rev().find_map(|last| {
                let span = &groups[first..=last];
                let digits: String = span.iter().map(|&(s, e)| &text[s..e]).collect();
                is_card_number(&digits).then(|| (span[0].0, span[span.len() - 1].1, digits))
            });
            match found {
                Some((start, end, digits)) => {
                    cards.push((start, end, digits));
                    first = groups
                        .iter()
                        .position(|&(s, _)| s >= end)
                        .unwrap_or(groups.len());
                }
                None => first += 1,
            }
        }
    }
    if cards.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, digits) in cards {
        out.push_str(&text[at..start]);
        out.push_str("[card ending ");
        out.push_str(&digits[digits.len() - 4..]);
        out.push(']');
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether `digits` (ASCII digits only) is as long as a card number and passes the Luhn check.
fn is_card_number(digits: &str) -> bool {
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// A 3- or 4-digit value after a card-code name masked.
fn mask_codes(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut codes: Vec<(usize, usize)> = Vec::new();
    for name in CODE_NAMES {
        let mut from = 0;
        while let Some(found) = lower[from..].find(name) {
            let mut i = from + found + name.len();
            from = i;
            // An optional digit (`cvv2`), closing quotes or brackets, then `:` or `=`.
            if i < bytes.len() && bytes[i] == b'2' {
                i += 1;
            }
            while i < bytes.len() && matches!(bytes[i], b'"' | b'\'' | b']' | b'\\' | b' ') {
                i += 1;
            }
            if i >= bytes.len() || !matches!(bytes[i], b':' | b'=') {
                continue;
            }
            i += 1;
            while i < bytes.len() && matches!(bytes[i], b'"' | b'\'' | b'\\' | b' ') {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if (3..=4).contains(&(i - start)) && !codes.contains(&(start, i)) {
                codes.push((start, i));
            }
        }
    }
    if codes.is_empty() {
        return Cow::Borrowed(text);
    }
    codes.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in codes {
        out.push_str(&text[at..start]);
        out.push_str(MASKED);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paytrace_card_fields_and_stripe_secrets_are_masked_wherever_they_are() {
        let sale = json!({
            "amount": 19.99,
            "credit_card": {
                "number": "4111111111111111",
                "encrypted_number": "hQEMA+6J7...",
                "expiration_month": "12",
                "expiration_year": "2030",
            },
            "csc": "999",
            "encrypted_csc": "hQEMA9x...",
            "billing_address": {"name": "Ann", "number": "221B"},
            "payment_intent": {"id": "pi_1", "client_secret": "pi_1_secret_abc"},
            "cards": [{"CVV": 123}, {"Card-Number": "5555555555554444", "cvc": null}],
        });
        assert_eq!(
            mask_json(&sale),
            json!({
                "amount": 19.99,
                "credit_card": {
                    "number": MASKED,
                    "encrypted_number": MASKED,
                    "expiration_month": "12",
                    "expiration_year": "2030",
                },
                "csc": MASKED,
                "encrypted_csc": MASKED,
                "billing_address": {"name": "Ann", "number": "221B"},
                "payment_intent": {"id": "pi_1", "client_secret": MASKED},
                "cards": [{"CVV": MASKED}, {"Card-Number": MASKED, "cvc": null}],
            })
        );
    }

    #[test]
    fn card_numbers_in_free_text_and_numbers_are_masked_keeping_their_last_four() {
        let value = json!({
            "note": "paid with 4242-4242-4242-4242, exp 12/30",
            "memo": "card 5555 5555 5555 4444 1226 then",
            "amex": 378_282_246_310_005_u64,
            "reason": "declined: 4000000000000002",
            "list": ["6011111111111117"],
        });
        assert_eq!(
            mask_json(&value),
            json!({
                "note": "paid with [card ending 4242], exp 12/30",
                "memo": "card [card ending 4444] 1226 then",
                "amex": "[card ending 0005]",
                "reason": "declined: [card ending 0002]",
                "list": ["[card ending 1117]"],
            })
        );
    }

    #[test]
    fn long_numbers_that_are_no_card_numbers_stay_readable() {
        let value = json!({
            // 13 digits failing the Luhn check (Shopify order ids, millisecond times).
            "order_id": 5_912_345_678_901_u64,
            "at": "1767225600001",
            // Too short, too long.
            "phone": "555 0100 1234",
            "reference": "41111111111111111111",
            "date": "2026-12-01",
        });
        assert_eq!(mask_json(&value), value);
        assert!(matches!(
            mask_text("order 1001 of 2026-12-01"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn named_card_codes_in_text_and_json_kept_as_text_are_masked() {
        assert_eq!(
            mask_text(r#"gateway said {"csc":"123","cvv2": 4567} card[cvc]=999 CVV: 321 csc=12"#),
            r#"gateway said {"csc":"[masked]","cvv2": [masked]} card[cvc]=[masked] CVV: [masked] csc=12"#
        );
        let kept = json!({"body": r#"{"credit_card":{"number":"4111111111111111"},"csc":"999"}"#});
        let masked = mask_json(&kept);
        let inner: Value = serde_json::from_str(masked["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner,
            json!({"credit_card": {"number": MASKED}, "csc": MASKED})
        );
    }

    #[test]
    fn the_luhn_check_accepts_card_numbers_only() {
        for card in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "4222222222222",
            "6200000000000005",
        ] {
            assert!(is_card_number(card), "{card}");
        }
        for other in ["4111111111111112", "411111111111", "12345678901234567890"] {
            assert!(!is_card_number(other), "{other}");
        }
    }
}

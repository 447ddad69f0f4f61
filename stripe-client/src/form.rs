//! Stripe's form encoding: nested objects and arrays flattened into bracketed keys.
//!
//! `{"metadata": {"order_id": "1001"}, "expand": ["latest_charge"], "items": [{"price": "p"}]}`
//! becomes `metadata[order_id]=1001`, `expand[]=latest_charge`, `items[0][price]=p`.
//! Arrays of scalars use `[]` and arrays of objects use indices, as Stripe documents; `None`
//! fields are left out, and an empty string is sent as is (Stripe's way to unset a field).

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Flattens a parameter struct into ordered `(key, value)` pairs.
pub(crate) fn to_pairs<T: Serialize + ?Sized>(params: &T) -> Result<Vec<(String, String)>, Error> {
    let value = serde_json::to_value(params)
        .map_err(|e| Error::Config(format!("cannot encode parameters: {e}")))?;
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (k, v) in &map {
                flatten(k, v, &mut out);
            }
        }
        Value::Null => {}
        other => {
            return Err(Error::Config(format!(
                "parameters must encode to an object, got {other}"
            )));
        }
    }
    Ok(out)
}

fn flatten(key: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((key.to_owned(), b.to_string())),
        Value::Number(n) => out.push((key.to_owned(), n.to_string())),
        Value::String(s) => out.push((key.to_owned(), s.clone())),
        Value::Array(items) => {
            let scalars = items
                .iter()
                .all(|v| !matches!(v, Value::Array(_) | Value::Object(_)));
            for (i, item) in items.iter().enumerate() {
                let k = if scalars {
                    format!("{key}[]")
                } else {
                    format!("{key}[{i}]")
                };
                flatten(&k, item, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{key}[{k}]"), v, out);
            }
        }
    }
}

/// `application/x-www-form-urlencoded` text of the pairs.
pub(crate) fn encode(pairs: &[(String, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn pairs(v: Value) -> Vec<(String, String)> {
        to_pairs(&v).unwrap()
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn nested_objects_use_brackets() {
        let got = pairs(
            json!({"metadata": {"order_id": "1001"}, "shipping": {"address": {"city": "Paris"}}}),
        );
        assert_eq!(
            got,
            vec![
                p("metadata[order_id]", "1001"),
                p("shipping[address][city]", "Paris")
            ]
        );
    }

    #[test]
    fn scalar_arrays_use_empty_brackets_and_object_arrays_use_indices() {
        let got = pairs(json!({
            "expand": ["latest_charge", "customer"],
            "items": [{"price": "price_1", "quantity": 2}, {"price": "price_2"}]
        }));
        assert_eq!(
            got,
            vec![
                p("expand[]", "latest_charge"),
                p("expand[]", "customer"),
                p("items[0][price]", "price_1"),
                p("items[0][quantity]", "2"),
                p("items[1][price]", "price_2"),
            ]
        );
    }

    #[test]
    fn nulls_are_skipped_scalars_are_text_and_empty_strings_are_kept() {
        let got = pairs(json!({"a": null, "b": true, "c": 1099, "d": ""}));
        assert_eq!(got, vec![p("b", "true"), p("c", "1099"), p("d", "")]);
    }

    #[test]
    fn non_object_parameters_are_a_config_error() {
        assert!(matches!(to_pairs(&json!([1, 2])), Err(Error::Config(_))));
    }

    #[test]
    fn encoding_escapes_brackets_and_reserved_characters() {
        let body = encode(&[p("metadata[note]", "a&b=c d")]);
        assert_eq!(body, "metadata%5Bnote%5D=a%26b%3Dc+d");
    }
}

//! Reading request bodies field by field, so every refusal names the field it is about.

use std::str::FromStr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// A refused control request: `{"error": "..."}` with a 4xx status.
#[derive(Debug)]
pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    /// `400`: the request is wrong.
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// `404`: the thing asked for does not exist (or its fake is not running).
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

/// The outcome of a control handler.
pub(crate) type Reply = Result<Json<Value>, ControlError>;

/// Parses a request body that must be a JSON object.
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, ControlError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ControlError::bad("body: expected a JSON object")),
        Err(err) => Err(ControlError::bad(format!("body: not JSON ({err})"))),
    }
}

/// The fields of one JSON object, and the path to it for error messages (`""` at the top,
/// `"fault.respond."` inside).
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Fields<'a> {
    /// The top-level object of a body.
    pub(crate) fn top(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            path: String::new(),
        }
    }

    /// The full name of `field`, for messages.
    pub(crate) fn name(&self, field: &str) -> String {
        format!("{}{field}", self.path)
    }

    fn bad(&self, field: &str, expected: &str) -> ControlError {
        ControlError::bad(format!("{}: expected {expected}", self.name(field)))
    }

    /// Refuses fields other than `known` (a typo should not be silently ignored).
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), ControlError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(ControlError::bad(format!(
                "{}: unknown field (known: {})",
                self.name(unknown),
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }

    /// The value of `field`; absent and `null` are both `None`.
    pub(crate) fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// The fields of a nested object.
    pub(crate) fn object(&self, field: &str) -> Result<Option<Fields<'a>>, ControlError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                map,
                path: format!("{}.", self.name(field)),
            })),
            Some(_) => Err(self.bad(field, "an object")),
        }
    }

    /// A required nested object.
    pub(crate) fn required_object(&self, field: &str) -> Result<Fields<'a>, ControlError> {
        self.object(field)?.ok_or_else(|| self.missing(field))
    }

    /// `field: required`.
    pub(crate) fn missing(&self, field: &str) -> ControlError {
        ControlError::bad(format!("{}: required", self.name(field)))
    }

    /// An optional string.
    pub(crate) fn string(&self, field: &str) -> Result<Option<String>, ControlError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(field, "a string")),
        }
    }

    /// A required string.
    pub(crate) fn required_string(&self, field: &str) -> Result<String, ControlError> {
        self.string(field)?.ok_or_else(|| self.missing(field))
    }

    /// An optional unsigned integer, at most `max`.
    pub(crate) fn uint(&self, field: &str, max: u64) -> Result<Option<u64>, ControlError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                _ => Err(self.bad(field, &format!("an integer from 0 to {max}"))),
            },
        }
    }

    /// A required unsigned integer, at most `max`.
    pub(crate) fn required_uint(&self, field: &str, max: u64) -> Result<u64, ControlError> {
        self.uint(field, max)?.ok_or_else(|| self.missing(field))
    }

    /// An optional boolean.
    pub(crate) fn boolean(&self, field: &str) -> Result<Option<bool>, ControlError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(field, "true or false")),
        }
    }

    /// An optional non-negative amount, as a decimal string (`"2.00"`) or a JSON number.
    pub(crate) fn money(&self, field: &str) -> Result<Option<Decimal>, ControlError> {
        let text = match self.get(field) {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            // Parsed from the number's text, never through f64.
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(self.bad(field, "a decimal string such as \"10.00\"")),
        };
        match Decimal::from_str(text.trim()) {
            Ok(d) if d >= Decimal::ZERO => Ok(Some(d)),
            _ => Err(self.bad(field, "a non-negative decimal amount such as \"10.00\"")),
        }
    }

    /// An optional array.
    pub(crate) fn array(&self, field: &str) -> Result<Option<&'a Vec<Value>>, ControlError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(self.bad(field, "an array")),
        }
    }

    /// The fields of the object at `field[index]`.
    pub(crate) fn item(
        &self,
        field: &str,
        index: usize,
        value: &'a Value,
    ) -> Result<Fields<'a>, ControlError> {
        match value {
            Value::Object(map) => Ok(Fields {
                map,
                path: format!("{}[{index}].", self.name(field)),
            }),
            _ => Err(ControlError::bad(format!(
                "{}[{index}]: expected an object",
                self.name(field)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<T>(body: &str, f: impl FnOnce(&Fields<'_>) -> T) -> T {
        let map = object(body.as_bytes()).expect("an object");
        f(&Fields::top(&map))
    }

    #[test]
    fn errors_name_the_field_with_its_path() {
        let err = with(r#"{"fault":{"respond":{"status":"x"}}}"#, |f| {
            let fault = f.required_object("fault")?;
            let respond = fault.required_object("respond")?;
            respond.required_uint("status", 999)
        })
        .unwrap_err();
        assert_eq!(
            err.message,
            "fault.respond.status: expected an integer from 0 to 999"
        );
        let err = with(r#"{"line_items":[{"price":"1.00"},{"price":"-1"}]}"#, |f| {
            for (i, v) in f.array("line_items")?.into_iter().flatten().enumerate() {
                f.item("line_items", i, v)?.money("price")?;
            }
            Ok::<(), ControlError>(())
        })
        .unwrap_err();
        assert_eq!(
            err.message,
            "line_items[1].price: expected a non-negative decimal amount such as \"10.00\""
        );
        assert_eq!(
            with(r#"{"servce":"x"}"#, |f| f.only(&["service"]))
                .unwrap_err()
                .message,
            "servce: unknown field (known: service)"
        );
        assert_eq!(
            with("{}", |f| f.required_string("service"))
                .unwrap_err()
                .message,
            "service: required"
        );
    }

    #[test]
    fn money_is_exact_from_strings_and_numbers() {
        let amounts = with(r#"{"a":"2.00","b":19.99,"c":null}"#, |f| {
            (f.money("a"), f.money("b"), f.money("c"))
        });
        assert_eq!(amounts.0.unwrap(), Some(Decimal::new(200, 2)));
        assert_eq!(amounts.1.unwrap(), Some(Decimal::new(1999, 2)));
        assert_eq!(amounts.2.unwrap(), None);
        assert!(object(b"[1]").is_err());
        assert!(object(b"not json").is_err());
    }
}

//! Stripe's error answers: `{"error": {"type", "code", "message", "param", "doc_url", ...}}`.

use serde_json::{Map, Value, json};

/// An error answer: HTTP status and the `error` object.
#[derive(Debug, Clone)]
pub(crate) struct ApiErr {
    pub(crate) status: u16,
    pub(crate) error: Map<String, Value>,
}

fn doc_url(code: &str) -> String {
    format!(
        "https://stripe.com/docs/error-codes/{}",
        code.replace('_', "-")
    )
}

impl ApiErr {
    fn new(
        status: u16,
        error_type: &str,
        code: Option<&str>,
        param: Option<&str>,
        message: &str,
    ) -> Self {
        let mut error = Map::new();
        if let Some(code) = code {
            error.insert("code".into(), code.into());
            error.insert("doc_url".into(), doc_url(code).into());
        }
        error.insert("message".into(), message.into());
        if let Some(param) = param {
            error.insert("param".into(), param.into());
        }
        error.insert("type".into(), error_type.into());
        ApiErr { status, error }
    }

    /// `400 invalid_request_error`.
    pub(crate) fn invalid(param: Option<&str>, code: Option<&str>, message: &str) -> Self {
        Self::new(400, "invalid_request_error", code, param, message)
    }

    pub(crate) fn unknown_param(param: &str) -> Self {
        Self::invalid(
            Some(param),
            Some("parameter_unknown"),
            &format!("Received unknown parameter: {param}"),
        )
    }

    pub(crate) fn missing_param(param: &str) -> Self {
        Self::invalid(
            Some(param),
            Some("parameter_missing"),
            &format!("Missing required param: {param}."),
        )
    }

    /// `404 resource_missing` for the object named in the path.
    pub(crate) fn no_such(kind: &str, id: &str) -> Self {
        Self::new(
            404,
            "invalid_request_error",
            Some("resource_missing"),
            Some("id"),
            &format!("No such {kind}: '{id}'"),
        )
    }

    /// `400 resource_missing` for an object named by a parameter.
    pub(crate) fn no_such_param(kind: &str, id: &str, param: &str) -> Self {
        Self::invalid(
            Some(param),
            Some("resource_missing"),
            &format!("No such {kind}: '{id}'"),
        )
    }

    pub(crate) fn unexpected_state(message: &str) -> Self {
        Self::invalid(None, Some("payment_intent_unexpected_state"), message)
    }

    pub(crate) fn unauthorized(message: &str) -> Self {
        Self::new(401, "invalid_request_error", None, None, message)
    }

    pub(crate) fn idempotency(message: &str) -> Self {
        Self::new(400, "idempotency_error", None, None, message)
    }

    pub(crate) fn unrecognized(method: &str, path: &str) -> Self {
        Self::new(
            404,
            "invalid_request_error",
            None,
            None,
            &format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
        )
    }

    /// `402 card_error`, with the decline code when the issuer gave one.
    pub(crate) fn card(
        code: &str,
        decline_code: Option<&str>,
        param: Option<&str>,
        message: &str,
    ) -> Self {
        let mut err = Self::new(402, "card_error", Some(code), param, message);
        if let Some(d) = decline_code {
            err.error.insert("decline_code".into(), d.into());
        }
        err
    }

    /// Adds a field to the error object (`charge`, `payment_intent`, `payment_method`).
    pub(crate) fn with(mut self, key: &str, value: Value) -> Self {
        self.error.insert(key.to_owned(), value);
        self
    }

    pub(crate) fn body(&self) -> Value {
        json!({ "error": Value::Object(self.error.clone()) })
    }
}

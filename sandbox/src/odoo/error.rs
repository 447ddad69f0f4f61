//! Odoo's JSON-2 error object (`{name, message, arguments, context, debug}`) and the HTTP status
//! each exception class gets.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An exception raised while serving a call, as Odoo would raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OdooError {
    pub(crate) status: StatusCode,
    pub(crate) name: &'static str,
    pub(crate) message: String,
}

impl OdooError {
    fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            name,
            message: message.into(),
        }
    }

    /// `odoo.exceptions.UserError`: a business rule refused the operation (422).
    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "odoo.exceptions.UserError",
            message,
        )
    }

    /// `odoo.exceptions.ValidationError`: a constraint failed (422).
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "odoo.exceptions.ValidationError",
            message,
        )
    }

    /// `odoo.exceptions.AccessError`: the user lacks rights (403).
    pub(crate) fn access(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "odoo.exceptions.AccessError",
            message,
        )
    }

    /// `odoo.exceptions.MissingError`: the record does not exist (404).
    pub(crate) fn missing(model: &str, ids: &[i64]) -> Self {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        Self::new(
            StatusCode::NOT_FOUND,
            "odoo.exceptions.MissingError",
            format!(
                "Record does not exist or has been deleted.\n(Record: {model}({},), User: 2)",
                ids.join(", ")
            ),
        )
    }

    /// `werkzeug.exceptions.Unauthorized` (401).
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            message,
        )
    }

    /// `werkzeug.exceptions.NotFound` (404): unknown URL, model or method.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "werkzeug.exceptions.NotFound",
            message,
        )
    }

    /// `werkzeug.exceptions.BadRequest` (400): the body is not a JSON object.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "werkzeug.exceptions.BadRequest",
            message,
        )
    }

    /// `werkzeug.exceptions.MethodNotAllowed` (405).
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "werkzeug.exceptions.MethodNotAllowed",
            "The method is not allowed for the requested URL.",
        )
    }

    /// `builtins.ValueError` (500): an invalid field, value or domain.
    pub(crate) fn value(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "builtins.ValueError",
            message,
        )
    }

    /// `builtins.TypeError` (500): an unexpected or missing argument.
    pub(crate) fn type_error(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "builtins.TypeError",
            message,
        )
    }

    /// The JSON error object, with the request's `context`.
    pub(crate) fn body(&self, context: Value) -> Value {
        let mut arguments = vec![Value::String(self.message.clone())];
        if self.name.starts_with("werkzeug.") {
            arguments.push(json!(self.status.as_u16()));
        }
        let short = self.name.rsplit('.').next().unwrap_or(self.name);
        json!({
            "name": self.name,
            "message": self.message,
            "arguments": arguments,
            "context": context,
            "debug": format!(
                "Traceback (most recent call last):\n  File \"odoo/http.py\", in _serve_db\n{}: {}\n",
                if self.name.starts_with("werkzeug.") || self.name.starts_with("odoo.") { self.name } else { short },
                self.message
            ),
        })
    }

    /// The HTTP response.
    pub(crate) fn response(&self, context: Value) -> Response {
        (
            self.status,
            [("content-type", "application/json; charset=utf-8")],
            self.body(context).to_string(),
        )
            .into_response()
    }
}

/// Result of a call.
pub(crate) type OdooResult<T> = Result<T, OdooError>;

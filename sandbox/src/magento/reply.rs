//! Magento's error answers: `{message, parameters?, errors?}` JSON with the statuses of
//! `ErrorProcessor::maskException`, and form-encoded `oauth_problem=...` bodies.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fail {
    pub(crate) status: StatusCode,
    body: Body,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Json(Value),
    Form(String),
}

impl Fail {
    pub(crate) fn json(status: StatusCode, message: &str, parameters: Option<Value>) -> Self {
        let mut body = json!({ "message": message });
        if let (Some(map), Some(parameters)) = (body.as_object_mut(), parameters) {
            map.insert("parameters".into(), parameters);
        }
        Self {
            status,
            body: Body::Json(body),
        }
    }

    /// 400, a `LocalizedException` without parameters.
    pub(crate) fn bad_request(message: &str) -> Self {
        Self::json(StatusCode::BAD_REQUEST, message, None)
    }

    /// 400 with placeholder parameters.
    pub(crate) fn bad_request_with(message: &str, parameters: Value) -> Self {
        Self::json(StatusCode::BAD_REQUEST, message, Some(parameters))
    }

    /// 400: a required input is missing.
    pub(crate) fn required(field: &str) -> Self {
        Self::bad_request_with(
            "\"%fieldName\" is required. Enter and try again.",
            json!({ "fieldName": field }),
        )
    }

    /// 400: `InputException::invalidFieldValue`.
    pub(crate) fn invalid_value(field: &str, value: &str) -> Self {
        Self::bad_request_with(
            "Invalid value of \"%value\" provided for the %fieldName field.",
            json!({ "fieldName": field, "value": value }),
        )
    }

    /// 400: the web API input processor could not convert a value.
    pub(crate) fn type_error(value: &str, expected: &str) -> Self {
        Self::bad_request_with(
            "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.",
            json!({ "value": value, "type": expected }),
        )
    }

    /// 400: an `InputException` with several errors (one error is sent as the message itself).
    pub(crate) fn aggregate(mut errors: Vec<(String, Value)>) -> Self {
        if errors.len() == 1 {
            let (message, parameters) = errors.remove(0);
            return Self::bad_request_with(&message, parameters);
        }
        let list: Vec<Value> = errors
            .into_iter()
            .map(|(message, parameters)| json!({"message": message, "parameters": parameters}))
            .collect();
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Body::Json(
                json!({"message": "One or more input exceptions have occurred.", "errors": list}),
            ),
        }
    }

    /// 400: the body is not JSON.
    pub(crate) fn decoding() -> Self {
        Self::bad_request("Decoding error: \nSyntax error")
    }

    /// 404: `NoSuchEntityException` of a repository `get`.
    pub(crate) fn no_such_entity() -> Self {
        Self::json(
            StatusCode::NOT_FOUND,
            "The entity that was requested doesn't exist. Verify the entity and try again.",
            None,
        )
    }

    /// 404: `NoSuchEntityException::singleField`.
    pub(crate) fn no_such_field(field: &str, value: Value) -> Self {
        Self::json(
            StatusCode::NOT_FOUND,
            "No such entity with %fieldName = %fieldValue",
            Some(json!({ "fieldName": field, "fieldValue": value })),
        )
    }

    /// 404: no route for this method and path.
    pub(crate) fn no_route() -> Self {
        Self::json(
            StatusCode::NOT_FOUND,
            "Request does not match any route.",
            None,
        )
    }

    /// 401: the caller is anonymous (no or bad credentials) or lacks the ACL resource.
    pub(crate) fn unauthorized(resource: &str) -> Self {
        Self::json(
            StatusCode::UNAUTHORIZED,
            "The consumer isn't authorized to access %resources.",
            Some(json!({ "resources": resource })),
        )
    }

    /// 500 as production mode masks any unexpected exception (SQL errors included).
    pub(crate) fn masked_internal() -> Self {
        let report = uuid::Uuid::new_v4().simple().to_string();
        let message = format!(
            "Internal Error. Details are available in Magento log file. Report ID: webapi-{}",
            &report[..13]
        );
        Self::json(StatusCode::INTERNAL_SERVER_ERROR, &message, None)
    }

    /// An OAuth failure: `oauth_problem=<problem>[&extra...]`, form-encoded.
    pub(crate) fn oauth(status: StatusCode, problem: &str, extra: &[(&str, &str)]) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("oauth_problem", problem);
        for (k, v) in extra {
            form.append_pair(k, v);
        }
        Self {
            status,
            body: Body::Form(form.finish()),
        }
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self.body {
            Body::Json(body) => (
                self.status,
                [("content-type", "application/json; charset=utf-8")],
                body.to_string(),
            )
                .into_response(),
            Body::Form(text) => (
                self.status,
                [("content-type", "application/x-www-form-urlencoded")],
                text,
            )
                .into_response(),
        }
    }
}

/// A 200 JSON answer.
pub(crate) fn ok(body: &Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

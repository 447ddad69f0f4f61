//! Response interpretation: an HTTP status and body into a typed result or an [`Error`].
//!
//! The body decides, not the status: PayTrace sends its JSON bodies with 4xx statuses too,
//! and a decline may arrive with any status. The status only matters when there is no
//! usable body (a 5xx page from a proxy, a gateway refusing credentials) and for 429.

use super::transport::RequestKind;
use crate::error::{ApiErrorBody, Error, ErrorCode, Result, ValidationErrors};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// What one HTTP exchange brought back.
pub(super) struct Answer {
    /// HTTP status.
    pub(super) status: u16,
    /// `Retry-After`, when given in seconds.
    pub(super) retry_after: Option<Duration>,
    /// The whole body.
    pub(super) body: bytes::Bytes,
}

/// What `success: false` without `errors` means for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFailure {
    /// A typed outcome (declines, "not voided", ...): returned as `Ok`.
    Data,
    /// An [`Error::Api`].
    Error,
}

/// Result of one HTTP exchange, before the `invalid_token` retry is decided.
pub(super) enum Attempt<T> {
    /// The call's outcome.
    Done(Result<T>),
    /// PayTrace rejected the access token before processing anything.
    InvalidToken,
}

/// The members of an answer that decide its outcome; the rest is skipped without being built.
#[derive(Deserialize)]
struct Verdict {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    success: Option<Value>,
}

impl Verdict {
    /// Whether the answer is a plain success, to be decoded as the expected type: exactly the
    /// case in which [`interpret_value`] reaches its last step.
    fn plain_success(&self, status: u16, on_failure: OnFailure) -> bool {
        let success = self.success.as_ref().and_then(Value::as_bool);
        self.error.as_ref().and_then(Value::as_str).is_none()
            && self
                .errors
                .as_ref()
                .is_none_or(|e| e.is_null() || e.as_object().is_some_and(|m| m.is_empty()))
            && !(status >= 500 && success.is_none())
            && !(success == Some(false) && on_failure == OnFailure::Error)
    }
}

/// Decides the outcome from the body; the status only matters when there is no usable body.
/// `kind` is the kind of the request answered, which a [`Error::Server`] carries.
pub(super) fn interpret<T: DeserializeOwned>(
    answer: &Answer,
    kind: RequestKind,
    on_failure: OnFailure,
) -> Attempt<T> {
    let (status, bytes) = (answer.status, &answer.body[..]);
    if status == 429 {
        return Attempt::Done(Err(Error::RateLimited {
            retry_after: answer.retry_after,
        }));
    }
    // The common answer, a success, is read once into its type; anything else (or a success
    // that does not decode) takes the general path through a `Value`, which names what is wrong.
    let object = bytes.trim_ascii_start().starts_with(b"{");
    if object
        && serde_json::from_slice::<Verdict>(bytes)
            .is_ok_and(|verdict| verdict.plain_success(status, on_failure))
        && let Ok(decoded) = serde_json::from_slice::<T>(bytes)
    {
        return Attempt::Done(Ok(decoded));
    }
    interpret_value(status, bytes, kind, on_failure)
}

/// [`interpret`] through a `Value`: every kind of answer, with the JSON path of a decoding error.
fn interpret_value<T: DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    kind: RequestKind,
    on_failure: OnFailure,
) -> Attempt<T> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) | Err(_) if status >= 500 => {
            return Attempt::Done(Err(Error::Server { status, kind }));
        }
        // A gateway in front of PayTrace may refuse credentials without a JSON body.
        Ok(_) | Err(_) if matches!(status, 401 | 403) => {
            return Attempt::Done(Err(Error::Auth {
                error: format!("HTTP {status}"),
                description: None,
            }));
        }
        Ok(other) => {
            return Attempt::Done(Err(Error::Decode {
                status,
                path: ".".into(),
                message: format!("expected a JSON object, got {}", json_kind(&other)),
            }));
        }
        Err(e) => {
            return Attempt::Done(Err(Error::Decode {
                status,
                path: ".".into(),
                message: format!("invalid JSON: {e}"),
            }));
        }
    };
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        if error == "invalid_token" {
            return Attempt::InvalidToken;
        }
        let description = value
            .get("error_description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Attempt::Done(Err(Error::Auth {
            error: error.to_owned(),
            description,
        }));
    }
    // An empty or null `errors` is not a failure; anything else is.
    let reported = value
        .get("errors")
        .filter(|e| !e.is_null() && e.as_object().is_none_or(|m| !m.is_empty()));
    if let Some(errors) = reported {
        return Attempt::Done(Err(validation_errors(status, &value, errors)));
    }
    let success = value.get("success").and_then(Value::as_bool);
    if status >= 500 && success.is_none() {
        return Attempt::Done(Err(Error::Server { status, kind }));
    }
    if success == Some(false) && on_failure == OnFailure::Error {
        return Attempt::Done(Err(Error::Api {
            status,
            body: api_error_body(&value),
        }));
    }
    Attempt::Done(
        serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
            status,
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        }),
    )
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn api_error_body(value: &Value) -> ApiErrorBody {
    ApiErrorBody {
        success: value.get("success").and_then(Value::as_bool),
        response_code: value
            .get("response_code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok()),
        status_message: value
            .get("status_message")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Reads `errors: {"<code>": ["message", ...]}`; a single string message is accepted too.
fn validation_errors(status: u16, value: &Value, errors: &Value) -> Error {
    let Some(map) = errors.as_object() else {
        return Error::Decode {
            status,
            path: "errors".into(),
            message: format!("expected an object, got {}", json_kind(errors)),
        };
    };
    let mut parsed = BTreeMap::new();
    for (key, messages) in map {
        let Ok(code) = key.trim().parse::<u32>() else {
            return Error::Decode {
                status,
                path: format!("errors.{key}"),
                message: "error code is not a number".into(),
            };
        };
        let messages = match messages {
            Value::Array(items) => items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect(),
            Value::String(s) => vec![s.clone()],
            other => vec![other.to_string()],
        };
        parsed.insert(ErrorCode(code), messages);
    }
    let body = api_error_body(value);
    Error::Validation(ValidationErrors {
        response_code: body.response_code,
        status_message: body.status_message,
        errors: parsed,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::TransactionResponse;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn run(status: u16, body: &str) -> Result<TransactionResponse> {
        match interpret(
            &answer(status, body),
            RequestKind::Transaction,
            OnFailure::Data,
        ) {
            Attempt::Done(r) => r,
            Attempt::InvalidToken => panic!("unexpected invalid_token"),
        }
    }

    /// The outcome as text, to compare the two decoding paths.
    fn outcome(attempt: Attempt<TransactionResponse>) -> String {
        match attempt {
            Attempt::Done(result) => format!("{result:?}"),
            Attempt::InvalidToken => "invalid_token".to_owned(),
        }
    }

    #[test]
    fn the_direct_path_decides_like_the_value_path() {
        let bodies = [
            r#"{"success":true,"response_code":101,"status_message":"Approved","transaction_id":1,"approval_code":"TAS1","avs_response":"Full Exact Match","csc_response":"Match","external_transaction_id":"","masked_card_number":"xxxxxxxxxxxx1111"}"#,
            r#"{"success":false,"response_code":102,"status_message":"Declined","transaction_id":2}"#,
            r#"{"success":true,"response_code":101,"errors":{}}"#,
            r#"{"success":true,"response_code":101,"errors":null}"#,
            r#"{"success":false,"response_code":1,"errors":{"35":["Bad card"]}}"#,
            r#"{"errors":"nope"}"#,
            r#"{"error":"invalid_token","error_description":"expired"}"#,
            r#"{"error":42,"success":true,"response_code":101}"#,
            r#"{"success":"yes","response_code":101}"#,
            r#"{"success":true,"response_code":"not a number"}"#,
            r#"{"response_code":101}"#,
            r#"  {"success":true,"response_code":101}"#,
            r#"[1,2,3]"#,
            r#"not json"#,
            "",
        ];
        for status in [200, 400, 401, 500, 503] {
            for on_failure in [OnFailure::Data, OnFailure::Error] {
                for body in bodies {
                    let kind = RequestKind::Transaction;
                    let direct = interpret(&answer(status, body), kind, on_failure);
                    let general = interpret_value(status, body.as_bytes(), kind, on_failure);
                    assert_eq!(
                        outcome(direct),
                        outcome(general),
                        "status {status}, body {body}"
                    );
                }
            }
        }
    }

    #[test]
    fn validation_lists_every_code() {
        let err = run(400, r#"{"errors":{"35":["Please provide a valid Credit Card Number."],"43":["Please provide a valid Expiration Month."]}}"#)
            .unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            v.codes().collect::<Vec<_>>(),
            vec![ErrorCode::CARD_NUMBER, ErrorCode::EXPIRATION_MONTH]
        );
    }

    #[test]
    fn empty_errors_object_is_not_a_failure() {
        let r = run(200, r#"{"success":true,"response_code":101,"errors":{}}"#).unwrap();
        assert!(r.success);
        let err = run(400, r#"{"errors":"nope"}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "errors"),
            "{err:?}"
        );
    }

    #[test]
    fn non_numeric_error_key_is_a_decode_error() {
        let err = run(400, r#"{"errors":{"abc":["x"]}}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "errors.abc"),
            "{err:?}"
        );
    }

    #[test]
    fn html_5xx_is_a_server_error_and_html_2xx_a_decode_error() {
        assert!(matches!(
            run(502, "<html>bad gateway</html>"),
            Err(Error::Server {
                status: 502,
                kind: RequestKind::Transaction
            })
        ));
        assert!(matches!(
            run(200, "<html>"),
            Err(Error::Decode { status: 200, .. })
        ));
        assert!(matches!(run(200, "[1]"), Err(Error::Decode { .. })));
    }

    #[test]
    fn the_body_decides_not_the_status() {
        let decline = r#"{"success":false,"response_code":102,"status_message":"Your transaction was not approved."}"#;
        let r = run(500, decline).unwrap();
        assert_eq!(r.outcome(), crate::Outcome::Declined);
        let approved =
            r#"{"success":true,"response_code":101,"status_message":"ok","transaction_id":1}"#;
        assert!(run(400, approved).unwrap().success);
        assert!(matches!(run(401, "Unauthorized"), Err(Error::Auth { .. })));
    }

    #[test]
    fn decode_error_names_the_path() {
        let err = run(
            200,
            r#"{"success":true,"response_code":101,"transaction_id":{"x":1}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "transaction_id"),
            "{err:?}"
        );
    }
}

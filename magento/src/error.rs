//! The crate's one error type and the typed Magento error bodies.
//!
//! Magento's web API turns exceptions into HTTP statuses in
//! `Magento\Framework\Webapi\ErrorProcessor::maskException`: `NoSuchEntityException` is a 404,
//! authentication and authorization failures are 401, any other `LocalizedException` is a 400, and
//! everything else is a masked 500 ("Internal Error ... Report ID: ..."). The JSON body is
//! `{message, parameters, code?, errors?, trace?}` where `message` carries `%1` / `%name`
//! placeholders. OAuth failures are answered with a form-encoded `oauth_problem=...` body instead.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

/// Result alias used by every operation of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling Magento.
///
/// HTTP statuses the issue asks to tell apart have their own variant (400, 401, 404, 500, 429 and
/// the 502/503/504 gateway family). No variant carries a credential: tokens and secrets only ever
/// live in request headers, which are never copied into an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read (DNS, TLS, connection reset).
    #[error("http transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// No complete response arrived within the configured timeout.
    #[error("request timed out")]
    Timeout,
    /// 400: Magento rejected the input (`LocalizedException`, validation, document errors).
    #[error("bad request (400): {0}")]
    BadRequest(Box<ApiError>),
    /// 401 with Magento's JSON body: missing token, expired admin token, or missing ACL resource.
    #[error("unauthorized (401): {0}")]
    Unauthorized(Box<ApiError>),
    /// An OAuth 1.0a failure, answered form-encoded (`oauth_problem=...`) rather than as JSON.
    #[error("oauth failure ({status}): {problem}")]
    OAuth {
        /// HTTP status (400, 401, 403 or 405 per Adobe's OAuth error table).
        status: u16,
        /// The decoded problem report.
        problem: OAuthProblem,
    },
    /// 404: the entity does not exist (`NoSuchEntityException`) or the route is unknown.
    #[error("not found (404): {0}")]
    NotFound(Box<ApiError>),
    /// 500: an unexpected server exception. In production mode the message is masked and carries
    /// a report id (see [`ApiError::report_id`]).
    #[error("internal server error (500): {0}")]
    Internal(Box<ApiError>),
    /// 429 from Magento's order back-pressure or a fronting proxy.
    #[error("rate limited (429){}", retry_after_suffix(.retry_after))]
    RateLimited {
        /// The `Retry-After` delay, when the server sent one in seconds.
        retry_after: Option<Duration>,
        /// The body, typed where possible.
        body: Box<ApiError>,
    },
    /// 502, 503 or 504: a gateway or the application is temporarily unavailable.
    #[error("service unavailable ({status}): {body}")]
    Unavailable {
        /// The HTTP status.
        status: u16,
        /// The body, typed where possible (proxies often answer HTML).
        body: Box<ApiError>,
    },
    /// Any other non-success status (403, 405, 409...).
    #[error("api error ({status}): {body}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The body, typed where possible.
        body: Box<ApiError>,
    },
    /// A 2xx body did not match the expected type.
    #[error("could not decode the response at `{path}`: {source}")]
    Decode {
        /// JSON path of the offending value (`items[0].grand_total`); `.` for the root.
        path: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The request body could not be serialized (should not happen with this crate's types).
    #[error("could not encode the request: {0}")]
    Encode(#[source] serde_json::Error),
    /// Text that is not a Magento timestamp or date (see [`crate::timestamp`]). While decoding a
    /// response the same refusal arrives as [`Error::Decode`], whose path names the field.
    #[error(
        "`{text}` is not a Magento timestamp or date (`YYYY-MM-DD HH:MM:SS` in UTC, `YYYY-MM-DD`, or ISO 8601)"
    )]
    InvalidTimestamp {
        /// The text as received (cut to 40 characters).
        text: String,
    },
    /// The client was configured with invalid values (base URL, store code...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An Adobe Commerce webhook's signature did not verify (see [`crate::WebhookVerifier`]).
    #[error("webhook signature refused: {0}")]
    WebhookSignature(&'static str),
}

fn retry_after_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {}s", d.as_secs()),
        None => String::new(),
    }
}

impl Error {
    /// The HTTP status of the response that produced this error, if one was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::BadRequest(_) => Some(400),
            Self::Unauthorized(_) => Some(401),
            Self::NotFound(_) => Some(404),
            Self::Internal(_) => Some(500),
            Self::RateLimited { .. } => Some(429),
            Self::OAuth { status, .. }
            | Self::Unavailable { status, .. }
            | Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The typed Magento body, for the variants that carry one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::BadRequest(b) | Self::Unauthorized(b) | Self::NotFound(b) | Self::Internal(b) => {
                Some(b)
            }
            Self::RateLimited { body, .. }
            | Self::Unavailable { body, .. }
            | Self::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Builds the error for a non-success response.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        if let Some(problem) = OAuthProblem::parse(&text) {
            return Self::OAuth { status, problem };
        }
        let api = Box::new(ApiError::parse(body));
        match status {
            400 => Self::BadRequest(api),
            401 => Self::Unauthorized(api),
            404 => Self::NotFound(api),
            429 => Self::RateLimited {
                retry_after,
                body: api,
            },
            500 => Self::Internal(api),
            502..=504 => Self::Unavailable { status, body: api },
            _ => Self::Api { status, body: api },
        }
    }
}

/// Placeholder arguments of a Magento message: a list for `%1, %2...` or an object for `%name`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub enum Parameters {
    /// No parameters were sent.
    #[default]
    None,
    /// Positional arguments: `%1` is the first element.
    List(Vec<Value>),
    /// Named arguments: `%fieldName` is the value under `fieldName`.
    Named(Map<String, Value>),
}

impl Parameters {
    fn from_value(value: Option<&Value>) -> Self {
        match value {
            Some(Value::Array(list)) => Self::List(list.clone()),
            Some(Value::Object(map)) => Self::Named(map.clone()),
            _ => Self::None,
        }
    }

    /// Substitutes the placeholders of `message` like Magento's `Phrase\Renderer\Placeholder`,
    /// which runs PHP's `strtr`: at each `%`, the longest matching key wins (so `%10` is not read
    /// as `%1` followed by `0`). Unknown placeholders are left as they are.
    pub fn render(&self, message: &str) -> String {
        let mut keys: Vec<(String, String)> = match self {
            Self::None => return message.to_owned(),
            Self::List(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| ((i + 1).to_string(), value_text(v)))
                .collect(),
            Self::Named(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), value_text(v)))
                .collect(),
        };
        keys.sort_by_key(|k| std::cmp::Reverse(k.0.len()));
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            match keys.iter().find(|(k, _)| after.starts_with(k.as_str())) {
                Some((k, v)) => {
                    out.push_str(v);
                    rest = &after[k.len()..];
                }
                None => {
                    out.push('%');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One entry of the `errors[]` list of an aggregated input exception.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApiErrorItem {
    /// The message template, with placeholders.
    pub message: String,
    /// The placeholder arguments.
    pub parameters: Parameters,
}

impl ApiErrorItem {
    /// The message with its placeholders substituted.
    pub fn rendered_message(&self) -> String {
        self.parameters.render(&self.message)
    }
}

/// A Magento error body, typed.
///
/// Besides the documented `{message, parameters, code, errors, trace}` shape this also reads the
/// rare fallback `{"messages":{"error":[{"code","message"}]}}` and keeps a non-JSON body (an HTML
/// page from a proxy, say) as its message, cut to 512 bytes.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The message template, with `%1` / `%name` placeholders.
    pub message: String,
    /// The placeholder arguments.
    pub parameters: Parameters,
    /// Magento's numeric error code, when set by the exception.
    pub code: Option<i64>,
    /// The individual errors of an aggregated `InputException`.
    pub errors: Vec<ApiErrorItem>,
    /// The PHP stack trace (developer mode only).
    pub trace: Option<String>,
}

const RAW_BODY_LIMIT: usize = 512;

impl ApiError {
    /// Parses an error body; never fails (an unreadable body becomes the message).
    pub fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Self::from_map(&map),
            Ok(other) => Self {
                message: value_text(&other),
                ..Self::default()
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let trimmed = text.trim();
                let mut end = trimmed.len().min(RAW_BODY_LIMIT);
                while !trimmed.is_char_boundary(end) {
                    end -= 1;
                }
                Self {
                    message: trimmed[..end].to_owned(),
                    ..Self::default()
                }
            }
        }
    }

    fn from_map(map: &Map<String, Value>) -> Self {
        if let Some(message) = map.get("message").and_then(Value::as_str) {
            let errors = map
                .get("errors")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_object)
                        .map(|item| ApiErrorItem {
                            message: item
                                .get("message")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            parameters: Parameters::from_value(item.get("parameters")),
                        })
                        .collect()
                })
                .unwrap_or_default();
            return Self {
                message: message.to_owned(),
                parameters: Parameters::from_value(map.get("parameters")),
                code: map.get("code").and_then(Value::as_i64),
                errors,
                trace: map.get("trace").and_then(Value::as_str).map(str::to_owned),
            };
        }
        // ErrorProcessor::renderErrorMessage fallback: {"messages":{"error":[{code, message}]}}.
        let first = map
            .get("messages")
            .and_then(|m| m.get("error"))
            .and_then(Value::as_array)
            .and_then(|list| list.first());
        match first {
            Some(entry) => Self {
                message: entry
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                code: entry.get("code").and_then(Value::as_i64),
                ..Self::default()
            },
            None => Self {
                message: Value::Object(map.clone()).to_string(),
                ..Self::default()
            },
        }
    }

    /// The message with its placeholders substituted.
    pub fn rendered_message(&self) -> String {
        self.parameters.render(&self.message)
    }

    /// The report id of a masked production 500 ("... Report ID: webapi-6543210fedcba").
    pub fn report_id(&self) -> Option<&str> {
        let (_, tail) = self.message.split_once("Report ID:")?;
        let id = tail.trim().trim_end_matches('.');
        (!id.is_empty()).then_some(id)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered_message())?;
        for (i, item) in self.errors.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            f.write_str(&item.rendered_message())?;
        }
        Ok(())
    }
}

/// A form-encoded OAuth failure, e.g. `oauth_problem=signature_invalid`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthProblem {
    /// The `oauth_problem` value: a code from Adobe's OAuth error table (`signature_invalid`,
    /// `timestamp_refused`, `nonce_used`...) or, in recent versions, a sentence.
    pub problem: String,
    /// The other pairs of the body (`oauth_parameters_absent=...` and the like).
    pub details: Vec<(String, String)>,
}

impl OAuthProblem {
    /// Parses `oauth_problem=...&...`; `None` when the body is not such a report.
    pub fn parse(body: &str) -> Option<Self> {
        let body = body.trim();
        if !body.starts_with("oauth_problem=") {
            return None;
        }
        let mut problem = String::new();
        let mut details = Vec::new();
        for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
            if k == "oauth_problem" {
                problem = v.into_owned();
            } else {
                details.push((k.into_owned(), v.into_owned()));
            }
        }
        Some(Self { problem, details })
    }
}

impl fmt::Display for OAuthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)?;
        for (k, v) in &self.details {
            write!(f, " ({k}: {v})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn renders_list_placeholders_longest_first() {
        let p = Parameters::List((1..=10).map(|i| Value::String(format!("v{i}"))).collect());
        assert_eq!(p.render("%1 and %10, 100%"), "v1 and v10, 100%");
    }

    #[test]
    fn renders_named_placeholders_and_keeps_unknown() {
        let err = ApiError::parse(
            br#"{"message":"\"%fieldName\" is %other","parameters":{"fieldName":"email"}}"#,
        );
        assert_eq!(err.rendered_message(), "\"email\" is %other");
    }

    #[test]
    fn non_string_parameters_are_rendered_as_json_text() {
        let err = ApiError::parse(br#"{"message":"qty %1 for %2","parameters":[3,null]}"#);
        assert_eq!(err.rendered_message(), "qty 3 for ");
    }

    #[test]
    fn raw_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(400);
        let err = ApiError::parse(body.as_bytes());
        assert!(err.message.len() <= RAW_BODY_LIMIT);
        assert!(err.message.starts_with('é'));
    }

    #[test]
    fn oauth_problem_with_details() {
        let p = OAuthProblem::parse(
            "oauth_problem=parameter_absent&oauth_parameters_absent=oauth_nonce",
        )
        .unwrap();
        assert_eq!(p.problem, "parameter_absent");
        assert_eq!(
            p.details,
            vec![("oauth_parameters_absent".into(), "oauth_nonce".into())]
        );
        assert!(OAuthProblem::parse(r#"{"message":"x"}"#).is_none());
    }

    #[test]
    fn report_id_is_extracted() {
        let err = ApiError::parse(
            br#"{"message":"Internal Error. Details are available in Magento log file. Report ID: webapi-6543210fedcba"}"#,
        );
        assert_eq!(err.report_id(), Some("webapi-6543210fedcba"));
    }
}

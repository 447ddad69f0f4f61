//! [`SignedWebhookFulfilment`]: a fulfilment request as one signed JSON `POST`.

use std::time::Duration;

use async_trait::async_trait;
use mapping::System;
use secrecy::SecretString;
use thiserror::Error;

use super::{Fulfilment, FulfilmentRequest, IDEMPOTENCY_HEADER, Requested, SIGNATURE_HEADER};
use crate::StepError;
use crate::error::Cause;

/// How much of a warehouse's answer an error keeps.
const MESSAGE_CHARS: usize = 300;

/// Why a fulfilment request did not get through. Never holds the shared secret.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FulfilmentError {
    /// The warehouse refused the request (a `4xx` other than `409` and `429`): permanent.
    #[error("warehouse refused the fulfilment request with HTTP {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The warehouse's message, clipped.
        message: String,
    },
    /// The warehouse could not take it now (`429`, `5xx`): sent again later.
    #[error("warehouse unavailable, HTTP {status}: {message}")]
    Unavailable {
        /// The HTTP status.
        status: u16,
        /// The warehouse's message, clipped.
        message: String,
        /// The answer's `Retry-After`, when it had one in seconds.
        retry_after: Option<Duration>,
    },
    /// No answer within the timeout: sent again later (with the same key).
    #[error("warehouse did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection failed (refused, reset, TLS): sent again later.
    #[error("warehouse connection failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The sender is misconfigured (a URL that does not parse): permanent.
    #[error("fulfilment sender configuration: {field}: {reason}")]
    Config {
        /// The setting (`url`, `timeout`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The request could not be encoded as JSON: permanent.
    #[error("fulfilment request is not encodable: {0}")]
    Encode(#[source] serde_json::Error),
}

impl FulfilmentError {
    /// Whether sending the same request again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. } | Self::Timeout(_) | Self::Transport(_)
        )
    }
}

/// Transient errors (with the warehouse's `Retry-After`) and permanent ones, at
/// [`System::Warehouse`], whose circuit breaker counts them.
impl From<FulfilmentError> for StepError {
    fn from(err: FulfilmentError) -> Self {
        if err.is_transient() {
            let retry_after = match &err {
                FulfilmentError::Unavailable { retry_after, .. } => *retry_after,
                _ => None,
            };
            StepError::Transient {
                system: Some(System::Warehouse),
                retry_after,
                source: Box::new(Cause::Fulfilment(err)),
            }
        } else {
            StepError::Permanent {
                system: Some(System::Warehouse),
                source: Box::new(Cause::Fulfilment(err)),
            }
        }
    }
}

/// Sends each [`FulfilmentRequest`] as a JSON `POST` to the warehouse's URL, with
/// `Idempotency-Key` and `Payops-Signature` headers (the format, the signature and the answers
/// are on the [module page](super)). Cheap to clone.
#[derive(Clone)]
pub struct SignedWebhookFulfilment {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: SecretString,
    timeout: Duration,
}

impl std::fmt::Debug for SignedWebhookFulfilment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedWebhookFulfilment")
            .field("url", &self.url.as_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SignedWebhookFulfilment {
    /// The default time a request waits for its answer: 30 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Requests to `url`, signed with `secret`, waiting up to
    /// [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT) for each answer.
    ///
    /// ```no_run
    /// use flows::fulfilment::SignedWebhookFulfilment;
    /// let secret = secrecy::SecretString::from("whsec_...");
    /// let sender = SignedWebhookFulfilment::new("https://wms.example.com/payops/fulfilments", secret)?
    ///     .timeout(std::time::Duration::from_secs(10))?;
    /// # Ok::<(), flows::fulfilment::FulfilmentError>(())
    /// ```
    pub fn new(url: &str, secret: SecretString) -> Result<Self, FulfilmentError> {
        let url = reqwest::Url::parse(url).map_err(|e| FulfilmentError::Config {
            field: "url",
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FulfilmentError::Config {
                field: "url",
                reason: format!("scheme {:?} is not http or https", url.scheme()),
            });
        }
        Self {
            client: reqwest::Client::new(),
            url,
            secret,
            timeout: Self::DEFAULT_TIMEOUT,
        }
        .timeout(Self::DEFAULT_TIMEOUT)
    }

    /// Sets how long a request waits for its answer.
    pub fn timeout(mut self, timeout: Duration) -> Result<Self, FulfilmentError> {
        if timeout.is_zero() {
            return Err(FulfilmentError::Config {
                field: "timeout",
                reason: "must be more than zero".to_owned(),
            });
        }
        self.client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| FulfilmentError::Config {
                field: "timeout",
                reason: e.without_url().to_string(),
            })?;
        self.timeout = timeout;
        Ok(self)
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Sends `request` once and reads the answer (see [`Fulfilment::request`]).
    ///
    /// ```no_run
    /// # async fn send(sender: &flows::fulfilment::SignedWebhookFulfilment, request: &flows::fulfilment::FulfilmentRequest) {
    /// match sender.send(request).await {
    ///     Ok(requested) => println!("accepted as {:?}", requested.reference),
    ///     Err(err) if err.is_transient() => println!("send again later: {err}"),
    ///     Err(err) => println!("refused: {err}"),
    /// }
    /// # }
    /// ```
    pub async fn send(&self, request: &FulfilmentRequest) -> Result<Requested, FulfilmentError> {
        let body = serde_json::to_vec(request).map_err(FulfilmentError::Encode)?;
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = super::sign(&self.secret, t, &body);
        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_HEADER, request.idempotency_key.as_str())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = answer.text().await.map_err(|e| self.transport(e))?;
        match status {
            200..=299 => Ok(Requested::new(reference(&text))),
            409 => Ok(Requested::duplicate()),
            429 | 500..=599 => Err(FulfilmentError::Unavailable {
                status,
                message: message(&text),
                retry_after,
            }),
            _ => Err(FulfilmentError::Refused {
                status,
                message: message(&text),
            }),
        }
    }

    fn transport(&self, err: reqwest::Error) -> FulfilmentError {
        if err.is_timeout() {
            FulfilmentError::Timeout(self.timeout)
        } else {
            FulfilmentError::Transport(err.without_url())
        }
    }
}

#[async_trait]
impl Fulfilment for SignedWebhookFulfilment {
    async fn request(&self, request: &FulfilmentRequest) -> Result<Requested, StepError> {
        let requested = self.send(request).await?;
        tracing::info!(
            order = %request.order.number,
            key = %request.idempotency_key,
            reference = ?requested.reference,
            duplicate = requested.duplicate,
            "fulfilment requested"
        );
        Ok(requested)
    }
}

/// The warehouse's reference: the JSON body's string `id`.
fn reference(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .map(str::to_owned)
}

/// The warehouse's message: the JSON body's `message` or `error` (a string, or an object with a
/// `message`), else the body itself; clipped.
fn message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            ["message", "error"].into_iter().find_map(|field| {
                let v = value.get(field)?;
                v.as_str()
                    .or_else(|| v.get("message").and_then(serde_json::Value::as_str))
                    .map(str::to_owned)
            })
        });
    let text = from_json.unwrap_or_else(|| body.trim().to_owned());
    if text.is_empty() {
        "(no message)".to_owned()
    } else {
        payops_core::clip(&text, MESSAGE_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_references_come_from_the_body() {
        assert_eq!(
            message(r#"{"message":"unknown sku TEE-9"}"#),
            "unknown sku TEE-9"
        );
        assert_eq!(
            message(r#"{"error":{"message":"bad address"}}"#),
            "bad address"
        );
        assert_eq!(message("  plain text "), "plain text");
        assert_eq!(message(""), "(no message)");
        assert_eq!(message(&"x".repeat(400)).chars().count(), MESSAGE_CHARS + 1);
        assert_eq!(reference(r#"{"id":"wh_1"}"#), Some("wh_1".to_owned()));
        assert_eq!(reference(r#"{"id":7}"#), None);
        assert_eq!(reference("accepted"), None);
    }

    #[test]
    fn debug_shows_the_url_and_never_the_secret() {
        let sender = SignedWebhookFulfilment::new(
            "https://wms.example.com/in",
            SecretString::from("whsec_very_secret".to_owned()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{sender:?}");
        assert!(debug.contains("wms.example.com"), "{debug}");
        assert!(!debug.contains("very_secret"), "{debug}");
        assert!(matches!(
            SignedWebhookFulfilment::new("ftp://x", SecretString::from("s".to_owned())),
            Err(FulfilmentError::Config { field: "url", .. })
        ));
    }
}

//! [`SignedWebhookFulfilment`]: a fulfilment request as one signed JSON `POST`.

use std::time::Duration;

use async_trait::async_trait;
use mapping::System;
use secrecy::SecretString;
use thiserror::Error;

use super::{Fulfilment, FulfilmentRequest, Requested};
use crate::StepError;
use crate::error::Cause;
use crate::signed_post::{BadSetting, SignedPost, Unanswered};

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
    post: SignedPost,
}

impl std::fmt::Debug for SignedWebhookFulfilment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedWebhookFulfilment")
            .field("url", &self.post.url())
            .field("timeout", &self.post.timeout_value())
            .finish_non_exhaustive()
    }
}

impl From<BadSetting> for FulfilmentError {
    fn from(bad: BadSetting) -> Self {
        FulfilmentError::Config {
            field: bad.field,
            reason: bad.reason,
        }
    }
}

impl From<Unanswered> for FulfilmentError {
    fn from(unanswered: Unanswered) -> Self {
        match unanswered {
            Unanswered::Timeout(after) => FulfilmentError::Timeout(after),
            Unanswered::Transport(err) => FulfilmentError::Transport(err),
        }
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
        Ok(Self {
            post: SignedPost::new(url, secret, Self::DEFAULT_TIMEOUT)?,
        })
    }

    /// Sets how long a request waits for its answer.
    pub fn timeout(self, timeout: Duration) -> Result<Self, FulfilmentError> {
        Ok(Self {
            post: self.post.timeout(timeout)?,
        })
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        self.post.url()
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
        let answer = self.post.post(body, &request.idempotency_key).await?;
        match answer.status {
            200..=299 => Ok(Requested::new(reference(&answer.text))),
            409 => Ok(Requested::duplicate()),
            429 | 500..=599 => Err(FulfilmentError::Unavailable {
                status: answer.status,
                message: answer.message(),
                retry_after: answer.retry_after,
            }),
            status => Err(FulfilmentError::Refused {
                status,
                message: answer.message(),
            }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_come_from_the_body() {
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

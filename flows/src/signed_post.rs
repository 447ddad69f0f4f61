//! One signed JSON `POST` to a merchant's endpoint (a warehouse, a notification webhook): the
//! `Idempotency-Key` and [`SIGNATURE_HEADER`] headers, a timeout, and the answer read into what
//! its sender needs to classify it.

use std::time::Duration;

use secrecy::SecretString;

use crate::signature::{SIGNATURE_HEADER, sign};

/// The header that carries a request's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// How much of an endpoint's answer an error keeps.
const MESSAGE_CHARS: usize = 300;

/// What the endpoint answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// `Retry-After`, when it is in seconds.
    pub(crate) retry_after: Option<Duration>,
    pub(crate) text: String,
}

impl Answer {
    /// The answer's message: the JSON body's `message` or `error` (a string, or an object with a
    /// `message`), else the body itself; clipped.
    pub(crate) fn message(&self) -> String {
        let from_json = serde_json::from_str::<serde_json::Value>(&self.text)
            .ok()
            .and_then(|value| {
                ["message", "error"].into_iter().find_map(|field| {
                    let v = value.get(field)?;
                    v.as_str()
                        .or_else(|| v.get("message").and_then(serde_json::Value::as_str))
                        .map(str::to_owned)
                })
            });
        let text = from_json.unwrap_or_else(|| self.text.trim().to_owned());
        if text.is_empty() {
            "(no message)".to_owned()
        } else {
            payops_core::clip(&text, MESSAGE_CHARS)
        }
    }
}

/// Why no answer came.
#[derive(Debug)]
pub(crate) enum Unanswered {
    /// None within the timeout.
    Timeout(Duration),
    /// The connection failed (refused, reset, TLS); the error holds no URL.
    Transport(reqwest::Error),
}

/// A setting that cannot be used, and why.
#[derive(Debug)]
pub(crate) struct BadSetting {
    pub(crate) field: &'static str,
    pub(crate) reason: String,
}

/// Signed `POST`s of JSON bodies to one URL. Cheap to clone; `Debug` shows the URL only.
#[derive(Clone)]
pub(crate) struct SignedPost {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: SecretString,
    timeout: Duration,
}

impl std::fmt::Debug for SignedPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedPost")
            .field("url", &self.url.as_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SignedPost {
    /// Posts to `url` (http or https), signed with `secret`, waiting up to `timeout`.
    pub(crate) fn new(
        url: &str,
        secret: SecretString,
        timeout: Duration,
    ) -> Result<Self, BadSetting> {
        let url = reqwest::Url::parse(url).map_err(|e| BadSetting {
            field: "url",
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BadSetting {
                field: "url",
                reason: format!("scheme {:?} is not http or https", url.scheme()),
            });
        }
        let client = reqwest::Client::new();
        Self {
            client,
            url,
            secret,
            timeout,
        }
        .timeout(timeout)
    }

    /// Sets how long a request waits for its answer (more than zero).
    pub(crate) fn timeout(mut self, timeout: Duration) -> Result<Self, BadSetting> {
        if timeout.is_zero() {
            return Err(BadSetting {
                field: "timeout",
                reason: "must be more than zero".to_owned(),
            });
        }
        self.client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| BadSetting {
                field: "timeout",
                reason: e.without_url().to_string(),
            })?;
        self.timeout = timeout;
        Ok(self)
    }

    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    pub(crate) fn timeout_value(&self) -> Duration {
        self.timeout
    }

    /// Posts `body` under `idempotency_key`, signed now, and reads the answer.
    pub(crate) async fn post(
        &self,
        body: Vec<u8>,
        idempotency_key: &str,
    ) -> Result<Answer, Unanswered> {
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(&self.secret, t, &body);
        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_HEADER, idempotency_key)
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| self.unanswered(e))?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = answer.text().await.map_err(|e| self.unanswered(e))?;
        Ok(Answer {
            status,
            retry_after,
            text,
        })
    }

    fn unanswered(&self, err: reqwest::Error) -> Unanswered {
        if err.is_timeout() {
            Unanswered::Timeout(self.timeout)
        } else {
            Unanswered::Transport(err.without_url())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &str) -> Answer {
        Answer {
            status: 400,
            retry_after: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn messages_come_from_the_body() {
        let message = |text| answer(text).message();
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
    }

    #[test]
    fn debug_shows_the_url_and_never_the_secret_and_bad_settings_are_named() {
        let post = SignedPost::new(
            "https://wms.example.com/in",
            SecretString::from("whsec_very_secret".to_owned()),
            Duration::from_secs(1),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let debug = format!("{post:?}");
        assert!(debug.contains("wms.example.com"), "{debug}");
        assert!(!debug.contains("very_secret"), "{debug}");
        let secret = || SecretString::from("s".to_owned());
        assert!(matches!(
            SignedPost::new("ftp://x", secret(), Duration::from_secs(1)),
            Err(BadSetting { field: "url", .. })
        ));
        assert!(matches!(
            SignedPost::new("https://x", secret(), Duration::ZERO),
            Err(BadSetting {
                field: "timeout",
                ..
            })
        ));
    }
}

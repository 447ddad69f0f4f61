//! Transport: sending a v1 call, mapping timeouts and transport failures, repeating a call
//! once after `invalid_token`, and retrying the requests whose [`RequestKind`] allows it.

use super::Client;
use super::response::{Answer, Attempt, OnFailure, interpret};
use crate::error::{Error, Result};
use payops_core::telemetry::{ProviderCall, Unanswered};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use tracing::Instrument;

/// What a request does at PayTrace, declared by each operation where it builds the request.
///
/// It decides two things, without looking at the request's path:
/// - which requests the client retries after a timeout, a transport failure, a 5xx or a 429
///   ([`RequestKind::changes_state`] false: tokens, lookups, Protect client keys);
/// - which failures are ambiguous ([`Error::is_ambiguous`]): only a request that changes
///   something may have been applied although no answer arrived. PayTrace v1 has no
///   idempotency key, so such a request is looked up before it is sent again
///   ([`Client::find_sale_by_invoice`], [`Client::find_transaction`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// The OAuth token request: changes nothing, and the call it serves was not sent yet.
    Token,
    /// A read-only lookup: transaction, batch and customer exports.
    Lookup,
    /// A new Protect.js client key: each request gets a fresh single-use key and nothing
    /// else changes, so a repeat is harmless.
    ClientKey,
    /// Moves money: card and ACH sales, authorizations, holds, captures, funds, voids,
    /// refunds, and settling now.
    Transaction,
    /// Changes the customer vault: create, update, delete.
    VaultChange,
    /// Adds Level 3 data to a transaction; applied twice, the line items would be added twice.
    Level3,
}

impl RequestKind {
    /// Whether PayTrace acting on the request changes something that acting on a copy would
    /// change again: such a request is sent once, and a failure without an answer is
    /// ambiguous.
    pub fn changes_state(self) -> bool {
        match self {
            RequestKind::Token | RequestKind::Lookup | RequestKind::ClientKey => false,
            RequestKind::Transaction | RequestKind::VaultChange | RequestKind::Level3 => true,
        }
    }
}

impl Client {
    /// Sends a v1 call and decodes the body into `T`.
    pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        kind: RequestKind,
        on_failure: OnFailure,
    ) -> Result<T> {
        let body = self.encode(body)?;
        self.retrying(kind, || self.authorized_post(path, &body, kind, on_failure))
            .await
    }

    fn encode<B: Serialize>(&self, body: &B) -> Result<Value> {
        let mut value = serde_json::to_value(body)
            .map_err(|e| Error::Config(format!("could not encode request: {e}")))?;
        if let (Some(id), Value::Object(map)) = (&self.inner.integrator_id, &mut value) {
            map.insert("integrator_id".into(), Value::String(id.clone()));
        }
        Ok(value)
    }

    /// One call, repeated once with a fresh token if PayTrace answers `invalid_token` (which
    /// it does before processing anything, so even a transaction may be repeated then).
    async fn authorized_post<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Value,
        kind: RequestKind,
        on_failure: OnFailure,
    ) -> Result<T> {
        let token = self.access_token().await?;
        match self.post_once(path, body, &token, kind, on_failure).await {
            Attempt::Done(result) => result,
            Attempt::InvalidToken => {
                tracing::debug!(path, "PayTrace rejected the token; refreshing once");
                self.inner.tokens.invalidate(&token);
                let token = self.access_token().await?;
                match self.post_once(path, body, &token, kind, on_failure).await {
                    Attempt::Done(result) => result,
                    Attempt::InvalidToken => Err(Error::Auth {
                        error: "invalid_token".into(),
                        description: Some("a freshly issued token was rejected".into()),
                    }),
                }
            }
        }
    }

    async fn post_once<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Value,
        token: &SecretString,
        kind: RequestKind,
        on_failure: OnFailure,
    ) -> Attempt<T> {
        let request = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.base))
            .bearer_auth(token.expose_secret())
            .json(body);
        match self.exchange(path, kind, request).await {
            Ok(answer) => interpret(&answer, kind, on_failure),
            Err(e) => Attempt::Done(Err(e)),
        }
    }

    /// Sends a request and reads the whole body, mapping timeouts and transport errors.
    pub(super) async fn exchange(
        &self,
        path: &'static str,
        kind: RequestKind,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer> {
        let map = |e: reqwest::Error| {
            // A connect failure (even a connect timeout) means nothing was sent.
            if e.is_timeout() && !e.is_connect() {
                Error::Timeout {
                    path: path.to_owned(),
                    kind,
                }
            } else {
                Error::Transport {
                    path: path.to_owned(),
                    kind,
                    source: e.without_url(),
                }
            }
        };
        let call = ProviderCall::start("paytrace");
        let span = call.span(path);
        let unanswered = |call: ProviderCall, e: reqwest::Error| {
            call.unanswered(if e.is_timeout() {
                Unanswered::Timeout
            } else {
                Unanswered::Transport
            });
            map(e)
        };
        let response = match request.send().instrument(span.clone()).await {
            Ok(response) => response,
            Err(e) => return Err(unanswered(call, e)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = match response.bytes().instrument(span).await {
            Ok(body) => body,
            Err(e) => return Err(unanswered(call, e)),
        };
        call.answered(status);
        tracing::debug!(path, status, "PayTrace responded");
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    /// Runs `call`, repeating it per the retry configuration when `kind` allows: a request
    /// that changes state is never repeated after an unknown outcome.
    pub(super) async fn retrying<T, F, Fut>(&self, kind: RequestKind, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let config = &self.inner.retry;
        let mut retry = 0;
        loop {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let server_wait = match &error {
                Error::RateLimited { retry_after } => *retry_after,
                Error::Timeout { .. } | Error::Transport { .. } | Error::Server { .. } => None,
                _ => return Err(error),
            };
            retry += 1;
            if kind.changes_state() || !config.allows(retry) {
                return Err(error);
            }
            let wait = config.delay(retry, server_wait);
            tracing::debug!(retry, ?wait, %error, "retrying a PayTrace request that changes nothing");
            tokio::time::sleep(wait).await;
        }
    }
}

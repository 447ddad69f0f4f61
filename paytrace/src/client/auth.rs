//! Authentication: the OAuth password grant at `/oauth/token` and the cached access token.
//!
//! A token lasts 2 hours (`expires_in: 7200`, help.paytrace.com/authentication); it is replaced
//! a margin before it expires, concurrent callers wait for one refresh instead of each asking
//! for a token, and a token PayTrace rejected is dropped so the next call fetches a new one.

use super::Client;
use super::response::{Attempt, OnFailure, interpret};
use super::transport::RequestKind;
use crate::error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::sync::{PoisonError, RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Path of the OAuth token endpoint.
const TOKEN_PATH: &str = "/oauth/token";

/// The API user's credentials and the token they were last exchanged for.
pub(super) struct TokenCache {
    username: String,
    password: SecretString,
    /// How long before its expiry a token is replaced.
    refresh_margin: Duration,
    /// The cached token, read without waiting by every call.
    token: RwLock<Option<CachedToken>>,
    /// Held while a token is fetched, so concurrent callers wait for one refresh.
    refresh: Mutex<()>,
}

struct CachedToken {
    value: SecretString,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "default_expires_in", deserialize_with = "expires_in")]
    expires_in: u64,
}

fn default_expires_in() -> u64 {
    7200
}

fn expires_in<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    Ok(crate::wire::opt_u64(d)?.unwrap_or_else(default_expires_in))
}

impl TokenCache {
    pub(super) fn new(username: String, password: SecretString, refresh_margin: Duration) -> Self {
        Self {
            username,
            password,
            refresh_margin,
            token: RwLock::new(None),
            refresh: Mutex::new(()),
        }
    }

    /// The cached token while it is not due for renewal.
    fn valid(&self) -> Option<SecretString> {
        // The slot holds plain data replaced in one step; a panic elsewhere cannot tear it.
        let cached = self.token.read().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .map(|t| t.value.clone())
    }

    fn slot(&self) -> RwLockWriteGuard<'_, Option<CachedToken>> {
        self.token.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a fresh token until `refresh_margin` before it expires.
    fn store(&self, fresh: TokenResponse) -> SecretString {
        let lifetime = Duration::from_secs(fresh.expires_in);
        let value = SecretString::from(fresh.access_token);
        *self.slot() = Some(CachedToken {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(self.refresh_margin),
        });
        value
    }

    /// Drops the cached token if it is still the one that was rejected (another caller
    /// may already have replaced it).
    pub(super) fn invalidate(&self, rejected: &SecretString) {
        let mut cached = self.slot();
        if cached
            .as_ref()
            .is_some_and(|t| t.value.expose_secret() == rejected.expose_secret())
        {
            *cached = None;
        }
    }
}

impl Client {
    /// The cached token, or a new one. Only a refresh takes the refresh lock, and concurrent
    /// callers that find the token stale wait for that one refresh instead of each requesting a
    /// token.
    pub(super) async fn access_token(&self) -> Result<SecretString> {
        let tokens = &self.inner.tokens;
        if let Some(token) = tokens.valid() {
            return Ok(token);
        }
        let _refreshing = tokens.refresh.lock().await;
        if let Some(token) = tokens.valid() {
            return Ok(token);
        }
        let fresh = self
            .retrying(RequestKind::Token, || self.fetch_token())
            .await?;
        Ok(tokens.store(fresh))
    }

    /// `POST /oauth/token` with the password grant, form-encoded.
    async fn fetch_token(&self) -> Result<TokenResponse> {
        let tokens = &self.inner.tokens;
        let form = [
            ("grant_type", "password"),
            ("username", tokens.username.as_str()),
            ("password", tokens.password.expose_secret()),
        ];
        let request = self
            .inner
            .http
            .post(format!("{}{TOKEN_PATH}", self.inner.base))
            .header(reqwest::header::ACCEPT, "*/*")
            .form(&form);
        let kind = RequestKind::Token;
        let answer = self.exchange(TOKEN_PATH, kind, request).await?;
        match interpret::<TokenResponse>(&answer, kind, OnFailure::Error) {
            Attempt::Done(result) => result,
            Attempt::InvalidToken => Err(Error::Auth {
                error: "invalid_token".into(),
                description: None,
            }),
        }
    }
}

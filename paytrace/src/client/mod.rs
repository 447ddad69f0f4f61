//! [`Client`] and the plumbing every operation shares, one concern per module:
//!
//! - configuration: [`Environment`] and [`ClientBuilder`];
//! - authentication: the OAuth token cache (one refresh at a time, replaced before expiry);
//! - transport: sending a request, timeouts and retries, driven by the [`RequestKind`] each
//!   operation declares where it builds its request;
//! - response interpretation: an HTTP status and body into a typed result or an
//!   [`Error`](crate::Error).
//!
//! Every v1 call is a `POST` with a JSON body and `Authorization: Bearer <token>`
//! (help.paytrace.com/authentication). The outcome is decided from the JSON body, not from
//! the HTTP status: PayTrace sends its JSON bodies with 4xx statuses too (PayTrace/api-demo's
//! Java sample reads the body of "non-fatal HTTP 400 errors").

mod auth;
mod config;
mod response;
mod transport;

pub use config::{ClientBuilder, Environment, PRODUCTION_URL, SANDBOX_URL};
pub use payops_core::RetryConfig;
pub(crate) use response::OnFailure;
pub use transport::RequestKind;

use auth::TokenCache;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Client of the PayTrace JSON API v1. Cheap to clone; clones share the token cache.
///
/// Operations are grouped by resource in the `api` modules: transactions, customers,
/// Level 3, reporting, batches and the ambiguous-outcome resolver.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash; request paths are appended to it.
    base: String,
    integrator_id: Option<String>,
    retry: RetryConfig,
    /// The total timeout given to `http`, kept to answer [`Client::timeout`].
    timeout: Duration,
    tokens: TokenCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &payops_core::redact::redact_url_text(&self.inner.base),
            )
            .field("integrator_id", &self.inner.integrator_id)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Shorthand for [`ClientBuilder::new`].
    pub fn builder(username: impl Into<String>, password: SecretString) -> ClientBuilder {
        ClientBuilder::new(username, password)
    }

    /// The total time allowed for one HTTP exchange ([`ClientBuilder::timeout`], 60 s by
    /// default), from opening the connection to the last byte of the answer.
    ///
    /// What it bounds: no exchange lasts longer than this, and once a call has returned (with
    /// [`Error::Timeout`](crate::Error::Timeout) or any other error) none of its exchanges is still open and this
    /// client sends nothing more for it. So the moment a money-moving call *returns* is the
    /// latest moment its request can have reached PayTrace.
    ///
    /// Measured from the moment the call *started* (a process that crashed during the call
    /// knows no more), the bound is longer than one timeout: the call may first wait for and
    /// fetch a token (the token request is retried per [`RetryConfig`]: up to
    /// `max_retries + 1` exchanges plus the backoffs), then send its request, and only after
    /// PayTrace answered `invalid_token` (which it does before processing anything) fetch
    /// another token and send the request a second time.
    ///
    /// What it does not bound: how long PayTrace goes on processing a request it received
    /// before the client stopped waiting. No stored source says; a runtime that resends only
    /// when the first attempt "can no longer land" should add its own margin on top of this
    /// and still look the transaction up ([`Client::find_sale_by_invoice`]) before resending.
    ///
    /// ```no_run
    /// # fn demo() -> paytrace::Result<()> {
    /// use paytrace::{Client, SecretString};
    /// use std::time::Duration;
    /// let client = Client::builder("api-user", SecretString::from("api-password"))
    ///     .timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.timeout(), Duration::from_secs(30));
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn client_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<Error>();
    }
}

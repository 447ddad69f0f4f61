//! What the console's pages read from: the store, the token, the worker's breakers and the
//! service's public address.

use std::sync::Arc;

use flows::{Breakers, Store};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ConsoleError;

/// The shortest token the console takes: a token is the only thing between the internet and the
/// replay button.
pub const MIN_TOKEN_LEN: usize = 16;

/// The console's state: the store its pages read, the token that opens them, and optionally the
/// worker's circuit breakers and the service's public base URL. Cloning it shares it.
#[derive(Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    store: Arc<dyn Store>,
    token: SecretString,
    /// The forms' CSRF token (see [`ConsoleState::csrf`]).
    csrf: String,
    breakers: Option<Arc<Breakers>>,
    public_base: Option<String>,
}

impl std::fmt::Debug for ConsoleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the token nor the CSRF token derived from it.
        f.debug_struct("ConsoleState")
            .field("breakers", &self.inner.breakers.is_some())
            .field("public_base", &self.inner.public_base)
            .finish_non_exhaustive()
    }
}

impl ConsoleState {
    /// The console of `store`, opened by `token` (at least [`MIN_TOKEN_LEN`] characters, else
    /// [`ConsoleError::WeakToken`]).
    ///
    /// ```no_run
    /// # fn run(store: std::sync::Arc<dyn flows::Store>) -> Result<(), ops_console::ConsoleError> {
    /// let token = secrecy::SecretString::from("a-long-random-operator-token");
    /// let state = ops_console::ConsoleState::new(store, token)?;
    /// # Ok(()) }
    /// ```
    pub fn new(store: Arc<dyn Store>, token: SecretString) -> Result<Self, ConsoleError> {
        let secret = token.expose_secret().as_bytes();
        if token.expose_secret().chars().count() < MIN_TOKEN_LEN {
            return Err(ConsoleError::WeakToken { min: MIN_TOKEN_LEN });
        }
        let csrf = csrf_token(secret);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                token,
                csrf,
                breakers: None,
                public_base: None,
            }),
        })
    }

    /// Shows `breakers` (the worker's, from `flows::Worker::breakers`) on the breakers page.
    #[must_use]
    pub fn breakers(mut self, breakers: Arc<Breakers>) -> Self {
        self.edit(|inner| inner.breakers = Some(breakers));
        self
    }

    /// The service's public base URL (`https://ops.example.com`): dead-letter pages show the
    /// link a notification would carry ([`crate::dead_letter_url`]), and the session cookie is
    /// marked `Secure` when it is `https`. An URL that is not absolute `http` or `https`, or
    /// has a query or fragment, is [`ConsoleError::BaseUrl`].
    pub fn public_base(mut self, base: &str) -> Result<Self, ConsoleError> {
        let refuse = |reason: &str| ConsoleError::BaseUrl {
            value: base.to_owned(),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(base).map_err(|e| refuse(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse("the scheme must be http or https"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(refuse("a base URL has no query or fragment"));
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        self.edit(|inner| inner.public_base = Some(base));
        Ok(self)
    }

    fn edit(&mut self, change: impl FnOnce(&mut Inner)) {
        change(Arc::make_mut(&mut self.inner));
    }

    /// The store.
    pub(crate) fn store(&self) -> &dyn Store {
        &*self.inner.store
    }

    /// The worker's breakers, when given.
    pub(crate) fn breakers_shown(&self) -> Option<&Breakers> {
        self.inner.breakers.as_deref()
    }

    /// The public link of dead letter `id`, when the public base URL is known.
    pub(crate) fn dead_letter_link(&self, id: i64) -> Option<String> {
        self.inner
            .public_base
            .as_deref()
            .map(|base| crate::dead_letter_url(base, id))
    }

    /// Whether the session cookie must be `Secure`.
    pub(crate) fn secure_cookie(&self) -> bool {
        self.inner
            .public_base
            .as_deref()
            .is_some_and(|base| base.starts_with("https:"))
    }

    /// Whether `given` is the token, compared in constant time (as digests: the length of
    /// neither shows).
    pub(crate) fn is_token(&self, given: &[u8]) -> bool {
        let given = Sha256::digest(given);
        let token = Sha256::digest(self.inner.token.expose_secret().as_bytes());
        given.ct_eq(&token).into()
    }

    /// The CSRF token of the forms: the hex HMAC-SHA256 of a fixed label under the console's
    /// token. Bound to the token (it changes when the token does), it reveals nothing of it.
    pub(crate) fn csrf(&self) -> &str {
        &self.inner.csrf
    }

    /// Whether a form's `given` CSRF token is the console's, compared in constant time.
    pub(crate) fn is_csrf(&self, given: &str) -> bool {
        given.as_bytes().ct_eq(self.inner.csrf.as_bytes()).into()
    }
}

/// The CSRF token of the console opened by `token`.
fn csrf_token(token: &[u8]) -> String {
    // Any key length is valid for HMAC; the error case does not occur.
    let tag = Hmac::<Sha256>::new_from_slice(token)
        .map(|mut mac| {
            mac.update(b"payops console: forms");
            mac.finalize().into_bytes()
        })
        .unwrap_or_default();
    tag.iter().map(|b| format!("{b:02x}")).collect()
}

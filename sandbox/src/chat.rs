//! A chat fake: an incoming webhook in the manner of Slack's, which `flows::notify`'s
//! `WebhookNotifier` posts notices to.
//!
//! - `POST /hook`: refuses a missing, wrong or stale (over 300 s) `Payops-Signature` under
//!   [`ChatFake::secret`] with `401`, a body that is not a JSON object with a `text` with `400`
//!   (Slack answers `invalid_payload`), and answers `200 ok` otherwise, keeping the message once
//!   per `Idempotency-Key`;
//! - [`ChatFake::messages`]: what it kept, in order.
//!
//! Faults apply under the service name `chat`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::Fake;

/// A message the fake kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The request's `Idempotency-Key` (the notice's key).
    pub key: String,
    /// The body.
    pub body: Value,
    /// How many times it was posted (the first included).
    pub deliveries: u32,
}

struct Inner {
    secret: String,
    messages: Mutex<Vec<Message>>,
}

/// The chat fake. Cheap to clone; clones share the messages.
#[derive(Clone)]
pub struct ChatFake {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ChatFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatFake").finish_non_exhaustive()
    }
}

impl Default for ChatFake {
    fn default() -> Self {
        Self::new()
    }
}

impl ChatFake {
    /// A chat whose webhook checks signatures under `whsec_sandbox_chat_...`.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                secret: "whsec_sandbox_chat_5e1d0b7a".to_owned(),
                messages: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The shared secret the notifier signs with.
    pub fn secret(&self) -> &str {
        &self.inner.secret
    }

    /// Every message kept, in order.
    pub fn messages(&self) -> Vec<Message> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Message>> {
        self.inner
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn hook(State(chat): State<ChatFake>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers
        .get("payops-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(reason) = crate::warehouse::verify(chat.secret(), signature, &body) {
        return (StatusCode::UNAUTHORIZED, reason).into_response();
    }
    let Some(json) = serde_json::from_slice::<Value>(&body)
        .ok()
        .filter(|v| v.get("text").is_some_and(Value::is_string))
    else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut messages = chat.lock();
    match messages
        .iter_mut()
        .find(|m| !key.is_empty() && m.key == key)
    {
        Some(kept) => kept.deliveries += 1,
        None => messages.push(Message {
            key,
            body: json,
            deliveries: 1,
        }),
    }
    (StatusCode::OK, "ok").into_response()
}

impl Fake for ChatFake {
    const SERVICE: &'static str = "chat";

    fn router(&self) -> Router {
        Router::new()
            .route("/hook", post(hook))
            .with_state(self.clone())
    }
}

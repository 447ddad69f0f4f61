//! Who may see the console: the token, given once in the login form and then kept in the
//! session cookie, or sent as a bearer token; and the forms' CSRF token.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::{Markup, html};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::state::ConsoleState;
use crate::{ConsoleError, PATH, page};

/// The session cookie's name.
const COOKIE: &str = "payops_console";

/// How long a login lasts, in seconds (a working day): a browser left open logs out.
const SESSION_SECS: u32 = 8 * 3600;

/// How a request proved it holds the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// `Authorization: Bearer`: sent by a script, never attached by a browser on its own.
    Bearer,
    /// The session cookie: a browser sends it with every request to the console, so its forms
    /// also carry the CSRF token.
    Cookie,
}

impl ConsoleState {
    /// How the request proves it holds the token, if it does. A request with an
    /// `Authorization` header is judged by that header alone.
    fn authenticate(&self, headers: &HeaderMap) -> Option<Via> {
        if let Some(authorization) = headers.get(header::AUTHORIZATION) {
            // The scheme's name is case-insensitive (RFC 9110).
            let (scheme, token) = authorization.to_str().ok()?.split_once(' ')?;
            let holds =
                scheme.eq_ignore_ascii_case("bearer") && self.is_token(token.trim().as_bytes());
            return holds.then_some(Via::Bearer);
        }
        let token = session_cookie(headers)?;
        self.is_token(&token).then_some(Via::Cookie)
    }

    /// Whether a form authenticated by `via` may change something: a form sent with the
    /// session cookie must carry the CSRF token.
    pub(crate) fn check_form(&self, via: Via, body: &[u8]) -> Result<(), ConsoleError> {
        #[derive(Deserialize)]
        struct Form {
            csrf: Option<String>,
        }
        if via == Via::Bearer {
            return Ok(());
        }
        let csrf = serde_urlencoded::from_bytes::<Form>(body)
            .ok()
            .and_then(|form| form.csrf);
        match csrf {
            Some(given) if self.is_csrf(&given) => Ok(()),
            _ => Err(ConsoleError::Csrf),
        }
    }
}

/// The token held in the request's session cookie, decoded.
fn session_cookie(headers: &HeaderMap) -> Option<Vec<u8>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| URL_SAFE_NO_PAD.decode(value.trim()).ok())
}

/// Lets requests holding the token through (telling the handlers how they proved it); answers
/// the others with `401` and the login form.
pub(crate) async fn require_token(
    State(state): State<ConsoleState>,
    mut request: Request,
    next: Next,
) -> Response {
    match state.authenticate(request.headers()) {
        Some(via) => {
            request.extensions_mut().insert(via);
            next.run(request).await
        }
        None => (StatusCode::UNAUTHORIZED, login_page(None)).into_response(),
    }
}

/// The login form, with `problem` above it.
fn login_page(problem: Option<&str>) -> Markup {
    page::bare(
        "Operations console",
        html! {
            @if let Some(problem) = problem {
                p.error { (problem) }
            }
            form method="post" action="/console/login" {
                p {
                    label {
                        "Console token "
                        input type="password" name="token" autocomplete="current-password" required;
                    }
                }
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

/// `GET /console/login`.
pub(crate) async fn login_form() -> Markup {
    login_page(None)
}

/// `POST /console/login`: a right token gets the session cookie and goes to the status page; a
/// wrong one gets `401` and the form again.
pub(crate) async fn login(State(state): State<ConsoleState>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Form {
        token: String,
    }
    let token = serde_urlencoded::from_bytes::<Form>(&body)
        .ok()
        .map(|form| SecretString::from(form.token));
    match token {
        Some(token) if state.is_token(token.expose_secret().as_bytes()) => {
            let value = URL_SAFE_NO_PAD.encode(token.expose_secret());
            let secure = if state.secure_cookie() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={value}; Path={PATH}; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict{secure}"
            );
            let mut response = Redirect::to(PATH).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        _ => {
            tracing::warn!("console login with a wrong token");
            (
                StatusCode::UNAUTHORIZED,
                login_page(Some("That is not the console's token.")),
            )
                .into_response()
        }
    }
}

/// `POST /console/logout`: the session cookie is dropped (a forged logout only logs out).
pub(crate) async fn logout() -> Response {
    let mut response = Redirect::to("/console/login").into_response();
    let expired = format!("{COOKIE}=; Path={PATH}; Max-Age=0; HttpOnly; SameSite=Strict");
    if let Ok(expired) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, expired);
    }
    response
}

//! `[notify]`: where notices to people go ([`flows::notify`]): signed JSON webhooks (a Slack
//! incoming webhook URL works as it is) and e-mail over SMTP, any number of each.
//!
//! ```toml
//! [[notify.webhook]]
//! url = { env = "SLACK_WEBHOOK_URL" }        # a webhook URL grants posting: a secret
//! secret = { env = "PAYOPS_NOTIFY_SECRET" }  # signs the Payops-Signature header
//! timeout_ms = 10000
//!
//! [[notify.email]]
//! host = "smtp.example.com"
//! port = 587                                 # the security's usual port when left out
//! security = "starttls"                      # tls | starttls | plain (a local relay, no password)
//! user = "payops"
//! password = { env = "SMTP_PASSWORD" }
//! from = "payops <payops@example.com>"
//! to = ["ops@example.com", "Finance <finance@example.com>"]
//! ```

use std::sync::Arc;
use std::time::Duration;

use flows::notify::{
    AllNotifiers, EmailNotifier, Notices, Notifier, SmtpSecurity, WebhookNotifier,
};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::issues::Issues;
use crate::secret::SecretRef;

/// `[notify]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct NotifySection {
    webhook: Vec<WebhookSection>,
    email: Vec<EmailSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSection {
    url: SecretRef,
    secret: SecretRef,
    timeout_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailSection {
    host: String,
    port: Option<u16>,
    security: String,
    user: Option<String>,
    password: Option<SecretRef>,
    from: String,
    to: Vec<String>,
}

/// The notifiers, built and checked.
#[derive(Debug, Clone)]
pub struct Notify {
    notifiers: Vec<Arc<dyn Notifier>>,
}

impl Notify {
    /// What the worker sends notices with, linking to the console at `console` when served.
    pub fn notices(&self, console: Option<String>) -> Notices {
        let notices = Notices::new(Arc::new(AllNotifiers::new(self.notifiers.clone())));
        match console {
            Some(console) => notices.console(console),
            None => notices,
        }
    }
}

impl NotifySection {
    /// The section checked: `None` when it names no notifier (nothing to notify with) or a
    /// problem was noted against `notify.*`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<Notify> {
        let before = issues.iter().count();
        let mut notifiers: Vec<Arc<dyn Notifier>> = Vec::new();
        for (i, hook) in self.webhook.iter().enumerate() {
            let key = |field: &str| format!("notify.webhook[{i}].{field}");
            let url = hook.url.resolve(&key("url"), issues);
            let secret = hook.secret.resolve(&key("secret"), issues);
            if hook.timeout_ms == Some(0) {
                issues.push(key("timeout_ms"), "must be at least 1");
            }
            let (Some(url), Some(secret)) = (url, secret) else {
                continue;
            };
            let built = WebhookNotifier::new(url.expose_secret(), secret).and_then(|n| {
                n.timeout(Duration::from_millis(
                    hook.timeout_ms.unwrap_or(10_000).max(1),
                ))
            });
            match built {
                Ok(notifier) => notifiers.push(Arc::new(notifier)),
                // The reason names what is wrong (a scheme, a parse failure), never the URL's
                // text: a webhook URL holds its token.
                Err(flows::notify::NotifyError::Config { field, reason }) => {
                    issues.push(key(field), reason);
                }
                Err(err) => issues.push(key("url"), err.to_string()),
            }
        }
        for (i, email) in self.email.iter().enumerate() {
            let key = |field: &str| format!("notify.email[{i}].{field}");
            let security = match email.security.as_str() {
                "tls" => Some(SmtpSecurity::Tls),
                "starttls" => Some(SmtpSecurity::StartTls),
                "plain" => Some(SmtpSecurity::Plain),
                other => {
                    issues.push(
                        key("security"),
                        format!("`{other}` is not tls, starttls or plain"),
                    );
                    None
                }
            };
            let password = email
                .password
                .as_ref()
                .and_then(|p| p.resolve(&key("password"), issues));
            let credentials = match (&email.user, password) {
                (Some(user), Some(password)) => Some((user.as_str(), password)),
                (None, None) => None,
                (Some(_), None) => {
                    if email.password.is_none() {
                        issues.push(key("password"), "a user needs a password");
                    }
                    continue;
                }
                (None, Some(_)) => {
                    issues.push(key("user"), "a password needs a user");
                    continue;
                }
            };
            let Some(security) = security else { continue };
            let to: Vec<&str> = email.to.iter().map(String::as_str).collect();
            match EmailNotifier::new(
                &email.host,
                email.port,
                security,
                credentials,
                &email.from,
                &to,
            ) {
                Ok(notifier) => notifiers.push(Arc::new(notifier)),
                Err(flows::notify::NotifyError::Config { field, reason }) => {
                    issues.push(key(field), reason);
                }
                Err(err) => issues.push(key("host"), err.to_string()),
            }
        }
        if issues.iter().count() > before {
            return None;
        }
        if notifiers.is_empty() {
            issues.push(
                "notify",
                "names no notifier: add a [[notify.webhook]] or a [[notify.email]], or leave \
                 the section out",
            );
            return None;
        }
        Some(Notify { notifiers })
    }
}

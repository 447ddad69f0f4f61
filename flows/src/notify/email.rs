//! [`EmailNotifier`]: a notice as a plain-text e-mail over SMTP (`lettre`).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{Notice, Notifier, NotifyError, plain_text};
use crate::StepError;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmtpSecurity {
    /// TLS from the first byte (SMTPS, port 465 by default).
    Tls,
    /// STARTTLS, required (submission, port 587 by default).
    StartTls,
    /// None: plain text, for a relay on the same host or network (port 25 by default). Never
    /// send credentials this way.
    Plain,
}

/// Sends each notice as a plain-text e-mail to a list of people, through an SMTP server.
///
/// The subject is `[payops] {title}`; the body is the notice's text, its facts one per line and
/// its link; the `Message-ID` is derived from the notice's key
/// (`<{hex SHA-256 of the key}@payops.notice>`), so a notice sent twice (after a crash between
/// the send and its record) is the same message to a mail system that de-duplicates. SMTP
/// replies `4xx` and connection failures are sent again later; `5xx` replies are refusals, and
/// the notice's job goes to dead letters naming them.
#[derive(Clone)]
pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    server: String,
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl EmailNotifier {
    /// The default time an SMTP exchange may take: 30 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Notices from `from` to every address of `to` (`"Ops <ops@example.com>"` or a bare
    /// address), through the SMTP server at `host` (`port`: the security's usual port when
    /// `None`), logging in with `credentials` (user name and password) when given. An address
    /// that does not parse, an empty `to`, or credentials over [`SmtpSecurity::Plain`] are
    /// errors naming the setting.
    ///
    /// ```no_run
    /// use flows::notify::{EmailNotifier, SmtpSecurity};
    /// let email = EmailNotifier::new(
    ///     "smtp.example.com",
    ///     None,
    ///     SmtpSecurity::StartTls,
    ///     Some(("payops", secrecy::SecretString::from("app-password"))),
    ///     "payops <payops@example.com>",
    ///     &["ops@example.com", "Finance <finance@example.com>"],
    /// )?;
    /// # Ok::<(), flows::notify::NotifyError>(())
    /// ```
    pub fn new(
        host: &str,
        port: Option<u16>,
        security: SmtpSecurity,
        credentials: Option<(&str, SecretString)>,
        from: &str,
        to: &[&str],
    ) -> Result<Self, NotifyError> {
        let config = |field, reason: String| NotifyError::Config { field, reason };
        if host.trim().is_empty() {
            return Err(config("host", "must not be empty".to_owned()));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|e| config("from", format!("{from:?}: {e}")))?;
        let to = to
            .iter()
            .map(|address| {
                address
                    .parse::<Mailbox>()
                    .map_err(|e| config("to", format!("{address:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(config("to", "name at least one address".to_owned()));
        }
        let mut builder = match security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| config("host", e.to_string()))?;
        if let Some(port) = port {
            builder = builder.port(port);
        }
        if let Some((user, password)) = credentials {
            if security == SmtpSecurity::Plain {
                return Err(config(
                    "credentials",
                    "a password is never sent without TLS: use tls or starttls".to_owned(),
                ));
            }
            builder = builder.credentials(Credentials::new(
                user.to_owned(),
                password.expose_secret().to_owned(),
            ));
        }
        let transport = builder.timeout(Some(Self::DEFAULT_TIMEOUT)).build();
        Ok(Self {
            transport,
            from,
            to,
            server: format!(
                "{host}:{}",
                port.map_or_else(|| "default".to_owned(), |p| p.to_string())
            ),
        })
    }

    /// The e-mail of `notice`.
    fn message(&self, notice: &Notice) -> Result<Message, NotifyError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(format!("[payops] {}", notice.title))
            .message_id(Some(message_id(&notice.key)))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .body(plain_text(notice))
            .map_err(|e| NotifyError::Config {
                field: "notice",
                reason: e.to_string(),
            })
    }

    /// Sends `notice` once.
    pub async fn post(&self, notice: &Notice) -> Result<(), NotifyError> {
        let message = self.message(notice)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    async fn send(&self, notice: &Notice) -> Result<(), StepError> {
        Ok(self.post(notice).await?)
    }
}

/// `<{hex SHA-256 of key}@payops.notice>`.
fn message_id(key: &str) -> String {
    format!(
        "<{}@payops.notice>",
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

/// An SMTP failure as a notice error: `5xx` refused, `4xx` and connection trouble transient.
fn classify(err: lettre::transport::smtp::Error) -> NotifyError {
    let status = err.status().map(|code| {
        u16::from(code.severity as u8) * 100
            + u16::from(code.category as u8) * 10
            + u16::from(code.detail as u8)
    });
    let message = payops_core::clip(&err.to_string(), 300);
    if err.is_permanent() {
        NotifyError::Refused {
            status: status.unwrap_or(500),
            message,
        }
    } else if err.is_transient() {
        NotifyError::Unavailable {
            status: status.unwrap_or(400),
            message,
            retry_after: None,
        }
    } else if err.is_timeout() {
        NotifyError::Timeout(EmailNotifier::DEFAULT_TIMEOUT)
    } else {
        NotifyError::Transport(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_named() {
        let new = |host: &str, from: &str, to: &[&str], creds: bool, security| {
            EmailNotifier::new(
                host,
                Some(2525),
                security,
                creds.then(|| ("u", SecretString::from("p".to_owned()))),
                from,
                to,
            )
        };
        let field = |r: Result<EmailNotifier, NotifyError>| match r {
            Err(NotifyError::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(new("", "a@x.com", &["b@x.com"], false, SmtpSecurity::Plain)),
            "host"
        );
        assert_eq!(
            field(new(
                "h",
                "not an address",
                &["b@x.com"],
                false,
                SmtpSecurity::Plain
            )),
            "from"
        );
        assert_eq!(
            field(new("h", "a@x.com", &["b@"], false, SmtpSecurity::Plain)),
            "to"
        );
        assert_eq!(
            field(new("h", "a@x.com", &[], false, SmtpSecurity::Plain)),
            "to"
        );
        assert_eq!(
            field(new("h", "a@x.com", &["b@x.com"], true, SmtpSecurity::Plain)),
            "credentials"
        );
        let ok = new(
            "h",
            "Ops <a@x.com>",
            &["b@x.com"],
            true,
            SmtpSecurity::StartTls,
        );
        let debug = format!("{:?}", ok.unwrap_or_else(|e| panic!("{e}")));
        assert!(!debug.contains("\"p\""), "{debug}");
    }

    #[test]
    fn the_message_id_follows_the_key() {
        assert_eq!(message_id("a"), message_id("a"));
        assert_ne!(message_id("a"), message_id("b"));
        assert!(message_id("a").ends_with("@payops.notice>"));
    }
}

//! `[console]`: the operations console (`ops_console`), served under `/console` on the service's
//! router when the section is present.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::issues::Issues;
use crate::pairs::http_url;
use crate::secret::SecretRef;

/// The console's path on the router.
pub(crate) const PATH: &str = ops_console::PATH;

/// `[console]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsoleSection {
    token: SecretRef,
    public_url: Option<String>,
}

/// The console's settings.
#[derive(Debug, Clone)]
pub struct Console {
    /// The token that opens it (at least [`ops_console::MIN_TOKEN_LEN`] characters).
    pub token: SecretString,
    /// The service's address as people reach it (`https://ops.example.com`), for links in
    /// notices; the listening address when unset.
    pub public_url: Option<Url>,
}

impl Console {
    /// The console's address under `base` (the public URL, else `http://{listening address}`):
    /// what notices link to.
    pub fn address(&self, listening: std::net::SocketAddr) -> String {
        let base = self
            .public_url
            .as_ref()
            .map_or_else(|| format!("http://{listening}"), |u| u.as_str().to_owned());
        format!("{}{PATH}", base.trim_end_matches('/'))
    }
}

impl ConsoleSection {
    /// The section checked; problems noted against `console.*`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<Console> {
        let token = self.token.resolve("console.token", issues).filter(|token| {
            let long = token.expose_secret().chars().count() >= ops_console::MIN_TOKEN_LEN;
            if !long {
                issues.push(
                    "console.token",
                    format!(
                        "{} is shorter than {} characters",
                        self.token.origin(),
                        ops_console::MIN_TOKEN_LEN
                    ),
                );
            }
            long
        });
        let public_url = match &self.public_url {
            Some(text) => Some(issues.check("console.public_url", http_url(text))?),
            None => None,
        };
        Some(Console {
            token: token?,
            public_url,
        })
    }
}

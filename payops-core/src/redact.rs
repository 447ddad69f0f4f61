//! URLs shown without the secrets they may carry.

use std::fmt;

use url::Url;

/// Shows a URL without its `user:password@` part, for `Debug` output, logs and errors.
///
/// ```
/// use payops_core::RedactedUrl;
/// let url = url::Url::parse("https://admin:hunter2@erp.example/odoo").unwrap();
/// assert_eq!(RedactedUrl(&url).to_string(), "https://erp.example/odoo");
/// ```
#[derive(Clone, Copy)]
pub struct RedactedUrl<'a>(pub &'a Url);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.username().is_empty() && self.0.password().is_none() {
            return fmt::Display::fmt(self.0, f);
        }
        let mut bare = self.0.clone();
        // Both only fail for URLs that cannot have credentials, which were handled above.
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        fmt::Display::fmt(&bare, f)
    }
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Text that should be a URL, for a configuration error: parsed and shown without user-info,
/// or, when it does not parse as a URL with a host, cut at its last `@` so that no password survives.
pub fn redact_url_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if url.has_host() => RedactedUrl(&url).to_string(),
        _ => match (text.find("://"), text.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://{}", &text[..scheme], &text[at + 1..])
            }
            (None, Some(at)) => text[at + 1..].to_owned(),
            _ => text.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_never_shows() {
        let url = Url::parse("https://key:secret@api.example/v1?x=1").unwrap();
        assert_eq!(RedactedUrl(&url).to_string(), "https://api.example/v1?x=1");
        assert_eq!(
            format!("{:?}", RedactedUrl(&url)),
            "\"https://api.example/v1?x=1\""
        );
        let plain = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(RedactedUrl(&plain).to_string(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn unparsable_text_loses_everything_before_the_last_at() {
        assert_eq!(
            redact_url_text("https://u:p@ss@host:99999"),
            "https://host:99999"
        );
        assert_eq!(redact_url_text("u:secret@host"), "host");
        assert_eq!(redact_url_text("not a url"), "not a url");
        assert_eq!(
            redact_url_text("https://user:pw@h.example/"),
            "https://h.example/"
        );
    }
}

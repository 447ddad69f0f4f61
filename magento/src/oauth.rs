//! OAuth 1.0a request signing with HMAC-SHA256, as Magento 2.4.4+ verifies it.
//!
//! An integration has four credentials (consumer key and secret, access token and secret). Every
//! request carries an `Authorization: OAuth ...` header whose signature covers:
//! the upper-case method, the URL without its query (scheme and host lower-case, default port
//! dropped), and every `oauth_*` parameter plus every query parameter, each name and value encoded
//! with RFC 3986 (`A-Z a-z 0-9 - . _ ~` kept, everything else `%XX`). A JSON body is not signed.
//!
//! Two details decide whether Magento accepts a search request:
//! - The query is sent encoded exactly as it is signed: [`encode`] is also what
//!   [`crate::Client`] uses to build the URL, so `searchCriteria[filterGroups]` travels as
//!   `searchCriteria%5BfilterGroups%5D` in both places (magento2 issues #13961, #37278).
//! - Magento verifies through Zend/Laminas OAuth, whose `_toByteValueOrderedQueryString` sorts
//!   the encoded names with PHP's `strnatcmp` (natural order), not byte order as RFC 5849 says.
//!   The two differ once a search has ten or more filter groups or sort orders (`%5B10%5D` sorts
//!   after `%5B2%5D` naturally, before it byte-wise). [`natural_cmp`] follows Laminas.
//!   Source: Zend_Oauth_Signature_SignatureAbstract, read through the code search index.

use std::cmp::Ordering;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use url::Url;

/// RFC 3986 unreserved characters stay, everything else is percent-encoded (PHP `rawurlencode`).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The only signature method Magento accepts since 2.4.4 (HMAC-SHA1 is rejected).
pub const SIGNATURE_METHOD: &str = "HMAC-SHA256";

/// Percent-encodes `s` the way both the signature and the request URL need it.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// The four credentials of an activated Magento integration
/// (System > Extensions > Integrations > Integration Details).
///
/// `Debug` prints nothing secret.
#[derive(Clone)]
pub struct OAuthCredentials {
    consumer_key: SecretString,
    consumer_secret: SecretString,
    access_token: SecretString,
    access_token_secret: SecretString,
}

impl std::fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OAuthCredentials([REDACTED])")
    }
}

impl OAuthCredentials {
    /// Builds the credentials from the integration's consumer key, consumer secret, access token
    /// and access token secret.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        Self {
            consumer_key: SecretString::from(consumer_key.into()),
            consumer_secret: SecretString::from(consumer_secret.into()),
            access_token: SecretString::from(access_token.into()),
            access_token_secret: SecretString::from(access_token_secret.into()),
        }
    }
}

/// The nonce and timestamp of one signature; fresh for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce {
    /// A random string, unique per request (Magento rejects a reused nonce with `nonce_used`).
    pub nonce: String,
    /// Seconds since the Unix epoch; Magento refuses timestamps too far from its clock.
    pub timestamp: u64,
}

impl Nonce {
    /// 32 random alphanumeric characters and the current time.
    pub fn generate() -> Self {
        use rand::Rng as _;
        let nonce = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self { nonce, timestamp }
    }
}

/// PHP's `strnatcmp` for ASCII keys: digit runs compare by value (runs starting with `0`
/// compare left-aligned, as PHP does), everything else byte by byte.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(ca), Some(cb)) if ca.is_ascii_digit() && cb.is_ascii_digit() => {
                let ea = i + a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                let eb = j + b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
                let (ra, rb) = (&a[i..ea], &b[j..eb]);
                let ord = if *ca == b'0' || *cb == b'0' {
                    ra.cmp(rb)
                } else {
                    ra.len().cmp(&rb.len()).then_with(|| ra.cmp(rb))
                };
                if ord != Ordering::Equal {
                    return ord;
                }
                (i, j) = (ea, eb);
            }
            (Some(ca), Some(cb)) => {
                if ca != cb {
                    return ca.cmp(cb);
                }
                i += 1;
                j += 1;
            }
        }
    }
}

/// The signature base string: `METHOD&enc(url)&enc(sorted params)`.
///
/// `url` is the request URL; its query is ignored in favour of `query`, the decoded pairs that
/// the request sends.
pub fn base_string(
    method: &str,
    url: &Url,
    query: &[(String, String)],
    oauth_params: &[(&str, &str)],
) -> String {
    let mut params: Vec<(String, String)> = oauth_params
        .iter()
        .map(|(k, v)| (encode(k), encode(v)))
        .chain(query.iter().map(|(k, v)| (encode(k), encode(v))))
        .collect();
    params.sort_by(|a, b| natural_cmp(&a.0, &b.0).then_with(|| natural_cmp(&a.1, &b.1)));
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&normalized_url(url)),
        encode(&joined)
    )
}

/// `scheme://host[:port]/path`: lower-case scheme and host, default port dropped, no query.
fn normalized_url(url: &Url) -> String {
    let mut out = format!(
        "{}://{}",
        url.scheme().to_ascii_lowercase(),
        url.host_str().unwrap_or_default().to_ascii_lowercase()
    );
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    out
}

/// The `Authorization` header value for one request.
pub fn authorization_header(
    credentials: &OAuthCredentials,
    method: &str,
    url: &Url,
    query: &[(String, String)],
    nonce: &Nonce,
) -> String {
    let timestamp = nonce.timestamp.to_string();
    let params = [
        (
            "oauth_consumer_key",
            credentials.consumer_key.expose_secret(),
        ),
        ("oauth_nonce", nonce.nonce.as_str()),
        ("oauth_signature_method", SIGNATURE_METHOD),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", credentials.access_token.expose_secret()),
        ("oauth_version", "1.0"),
    ];
    let base = base_string(method, url, query, &params);
    let key = format!(
        "{}&{}",
        encode(credentials.consumer_secret.expose_secret()),
        encode(credentials.access_token_secret.expose_secret())
    );
    let signature = hmac_sha256_base64(key.as_bytes(), base.as_bytes());
    let mut header = String::from("OAuth ");
    for (k, v) in params {
        header.push_str(&format!("{k}=\"{}\",", encode(v)));
    }
    header.push_str(&format!("oauth_signature=\"{}\"", encode(&signature)));
    header
}

fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so new_from_slice cannot fail here.
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map(|mut mac| {
        mac.update(message);
        mac.finalize().into_bytes()
    });
    match mac {
        Ok(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn creds() -> OAuthCredentials {
        OAuthCredentials::new("ck-123", "cs-456", "at-789", "ats-000")
    }

    fn search_query() -> Vec<(String, String)> {
        vec![
            (
                "searchCriteria[filterGroups][0][filters][0][field]".into(),
                "status".into(),
            ),
            (
                "searchCriteria[filterGroups][0][filters][0][value]".into(),
                "pending payment".into(),
            ),
            ("searchCriteria[pageSize]".into(), "20".into()),
        ]
    }

    /// Expected values computed independently with Python 3's standard library, by hand:
    ///
    /// ```text
    /// import hmac, hashlib, base64, urllib.parse as u
    /// q = lambda s: u.quote(s, safe='-._~')
    /// p = {'oauth_consumer_key':'ck-123','oauth_nonce':'abc123nonce',
    ///      'oauth_signature_method':'HMAC-SHA256','oauth_timestamp':'1700000000',
    ///      'oauth_token':'at-789','oauth_version':'1.0',
    ///      'searchCriteria[filterGroups][0][filters][0][field]':'status',
    ///      'searchCriteria[filterGroups][0][filters][0][value]':'pending payment',
    ///      'searchCriteria[pageSize]':'20'}
    /// ps = '&'.join(f'{k}={v}' for k, v in sorted((q(k), q(v)) for k, v in p.items()))
    /// base = 'GET&' + q('https://shop.example.com/rest/default/V1/orders') + '&' + q(ps)
    /// sig = base64.b64encode(hmac.new(b'cs-456&ats-000', base.encode(), hashlib.sha256).digest())
    /// # sig == "Ozhvgmd0/QhypfBydEZKP9CgpOWlVrKK/czqWBi3/9s=", sent percent-encoded in the header
    /// ```
    ///
    /// (Byte order and natural order agree for these keys.)
    #[test]
    fn signature_matches_independent_vector() {
        let url =
            Url::parse("https://Shop.Example.com:443/rest/default/V1/orders?ignored=1").unwrap();
        let nonce = Nonce {
            nonce: "abc123nonce".into(),
            timestamp: 1_700_000_000,
        };
        let header = authorization_header(&creds(), "get", &url, &search_query(), &nonce);
        assert_eq!(
            header,
            "OAuth oauth_consumer_key=\"ck-123\",oauth_nonce=\"abc123nonce\",\
             oauth_signature_method=\"HMAC-SHA256\",oauth_timestamp=\"1700000000\",\
             oauth_token=\"at-789\",oauth_version=\"1.0\",\
             oauth_signature=\"Ozhvgmd0%2FQhypfBydEZKP9CgpOWlVrKK%2FczqWBi3%2F9s%3D\""
        );
    }

    #[test]
    fn base_string_encodes_brackets_and_spaces_once() {
        let url = Url::parse("https://shop.example.com/rest/default/V1/orders").unwrap();
        let base = base_string("GET", &url, &search_query(), &[("oauth_nonce", "n")]);
        assert!(
            base.starts_with("GET&https%3A%2F%2Fshop.example.com%2Frest%2Fdefault%2FV1%2Forders&")
        );
        // `[` -> %5B in the parameter string -> %255B in the base string; space -> %20 -> %2520.
        assert!(base.contains("searchCriteria%255BpageSize%255D%3D20"));
        assert!(base.contains("pending%2520payment"));
    }

    #[test]
    fn natural_order_like_php_strnatcmp() {
        let mut keys = vec!["a%5B10%5D", "a%5B2%5D", "a%5B1%5D", "a%5B0%5D"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, ["a%5B0%5D", "a%5B1%5D", "a%5B2%5D", "a%5B10%5D"]);
        assert_eq!(natural_cmp("oauth_nonce", "searchCriteria"), Ordering::Less);
        assert_eq!(natural_cmp("x01", "x1"), Ordering::Less);
        assert_eq!(natural_cmp("abc", "abc"), Ordering::Equal);
    }

    #[test]
    fn credentials_debug_is_redacted() {
        let shown = format!("{:?}", creds());
        assert!(
            !shown.contains("cs-456") && !shown.contains("at-789") && !shown.contains("ck-123")
        );
    }
}

//! `Payops-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`: how the runtime
//! signs what it sends to a merchant's endpoints (fulfilment requests, notifications) and checks
//! what they send back (shipment notices). Stripe's scheme with another header name (see the
//! [fulfilment docs](crate::fulfilment#the-signature)).

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use thiserror::Error;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Payops-Signature";

/// How far a signature's `t` may be from the receiver's clock, either way: 5 minutes.
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// Why a signature was refused. Never holds a secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `Payops-Signature` header.
    #[error("no Payops-Signature header")]
    Missing,
    /// The header is not `t=<unix seconds>,v1=<hex>`; names what is wrong.
    #[error("Payops-Signature header: {0}")]
    Malformed(&'static str),
    /// `t` is further from now than the tolerance.
    #[error(
        "Payops-Signature t is {age_secs} s from now, more than the {tolerance_secs} s allowed"
    )]
    Stale {
        /// Now less `t`, in seconds (negative for a `t` in the future).
        age_secs: i64,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// No `v1` matches the body under any secret.
    #[error("Payops-Signature does not match the body")]
    Mismatch,
    /// No secret is configured to verify with.
    #[error("no secret configured to verify Payops-Signature")]
    NoSecret,
}

fn mac(secret: &SecretString, t: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Payops-Signature` header value of `body` sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>`.
///
/// ```no_run
/// let secret = secrecy::SecretString::from("whsec_...");
/// let header = flows::fulfilment::sign(&secret, 1_765_105_200, br#"{"id":"shn_1"}"#);
/// assert!(header.starts_with("t=1765105200,v1="));
/// ```
pub fn sign(secret: &SecretString, t: i64, body: &[u8]) -> String {
    let signature = hex::encode(mac(secret, t, body).finalize().into_bytes());
    format!("t={t},v1={signature}")
}

/// Checks a `Payops-Signature` header against `body`: `t` within `tolerance` of `now`, and a
/// `v1` equal (constant-time) to the HMAC under one of `secrets`.
///
/// ```no_run
/// use flows::fulfilment::{TOLERANCE, verify};
/// let secrets = [secrecy::SecretString::from("whsec_...")];
/// let ok = verify("t=1765105200,v1=5257a8...", b"{}", &secrets, time::OffsetDateTime::now_utc(), TOLERANCE);
/// # let _ = ok;
/// ```
pub fn verify(
    header: &str,
    body: &[u8],
    secrets: &[SecretString],
    now: time::OffsetDateTime,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed("a part is not name=value"));
        };
        match name {
            "t" => {
                let value = value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed("t is not unix seconds"))?;
                t = Some(value);
            }
            "v1" => {
                // A value that is not hex cannot match; it is skipped like an unknown scheme.
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed("no t"))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1 signature"));
    }
    let age = now.unix_timestamp().saturating_sub(t);
    let tolerance_secs = tolerance.as_secs();
    if age.unsigned_abs() > tolerance_secs {
        return Err(SignatureError::Stale {
            age_secs: age,
            tolerance_secs,
        });
    }
    let matches = secrets.iter().any(|secret| {
        signatures
            .iter()
            .any(|signature| mac(secret, t, body).verify_slice(signature).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const T: i64 = 1_765_105_200;

    fn at(t: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(t).unwrap()
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    /// The vector a warehouse can check its own code against, computed independently with
    /// `printf '%s' '1765105200.{"id":"shn_1"}' | openssl dgst -sha256 -hmac whsec_test`.
    #[test]
    fn the_signature_is_hmac_sha256_of_t_dot_body() {
        let header = sign(&secret("whsec_test"), T, br#"{"id":"shn_1"}"#);
        assert_eq!(
            header,
            "t=1765105200,v1=4bf5573329197fa726053cb3cc9f81e9ad62a1414ffa0437a65b84f47b773ed4"
        );
    }

    #[test]
    fn a_good_signature_passes_under_any_active_secret() {
        let body = br#"{"id":"shn_1"}"#;
        let header = sign(&secret("new"), T, body);
        let secrets = [secret("old"), secret("new")];
        assert_eq!(
            verify(&header, body, &secrets, at(T + 299), TOLERANCE),
            Ok(())
        );
        assert_eq!(
            verify(&header, body, &secrets, at(T - 299), TOLERANCE),
            Ok(())
        );
        // Another v1 beside the right one (a sender mid-rotation) is fine.
        let two = format!("{header},v1=00ff");
        assert_eq!(verify(&two, body, &secrets, at(T), TOLERANCE), Ok(()));
    }

    #[test]
    fn wrong_stale_and_malformed_signatures_are_refused() {
        let body = br#"{"id":"shn_1"}"#;
        let header = sign(&secret("s"), T, body);
        let secrets = [secret("s")];
        assert_eq!(
            verify(&header, b"{\"id\":\"shn_2\"}", &secrets, at(T), TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, body, &[secret("other")], at(T), TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, body, &secrets, at(T + 301), TOLERANCE),
            Err(SignatureError::Stale {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert!(matches!(
            verify(&header, body, &secrets, at(T - 301), TOLERANCE),
            Err(SignatureError::Stale { age_secs: -301, .. })
        ));
        assert_eq!(
            verify("v1=abcd", body, &secrets, at(T), TOLERANCE),
            Err(SignatureError::Malformed("no t"))
        );
        assert_eq!(
            verify(&format!("t={T}"), body, &secrets, at(T), TOLERANCE),
            Err(SignatureError::Malformed("no v1 signature"))
        );
        assert_eq!(
            verify("garbage", body, &secrets, at(T), TOLERANCE),
            Err(SignatureError::Malformed("a part is not name=value"))
        );
        assert_eq!(
            verify(&header, body, &[], at(T), TOLERANCE),
            Err(SignatureError::NoSecret)
        );
    }
}

//! `Stripe-Signature` verification and a test-header generator.
//!
//! Stripe signs `"{t}.{raw body}"` with HMAC-SHA256 keyed by the endpoint secret (`whsec_...`,
//! used whole as the key) and sends `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`. During
//! a secret rotation several `v1` appear; any match with any configured secret is accepted.
//! `v0` and unknown schemes are ignored.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::{Error, SignatureError};
use crate::models::Event;

/// Default tolerance on a signature's age, as in Stripe's libraries.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies webhook deliveries for one endpoint.
///
/// ```no_run
/// # fn run(body: &[u8], header: &str) -> Result<(), stripe_client::Error> {
/// use secrecy::SecretString;
/// use stripe_client::webhook::Webhook;
/// let verifier = Webhook::new(SecretString::from("whsec_..."));
/// let event = verifier.construct_event(body, header, time::OffsetDateTime::now_utc())?;
/// println!("{} {}", event.id, event.event_type);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Webhook {
    secrets: Vec<SecretString>,
    tolerance: Option<Duration>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Webhook {
    /// A verifier with one secret and the default 300 s tolerance.
    pub fn new(secret: SecretString) -> Self {
        Webhook {
            secrets: vec![secret],
            tolerance: Some(DEFAULT_TOLERANCE),
        }
    }

    /// Also accepts signatures made with `secret` (for a rotation).
    pub fn with_secret(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Maximum age of a signature; `None` disables the check (for replaying stored payloads).
    pub fn tolerance(mut self, tolerance: Option<Duration>) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks `header` against the raw `payload` bytes, with `now` as the current time.
    pub fn verify(&self, payload: &[u8], header: &str, now: OffsetDateTime) -> Result<(), Error> {
        let parsed = parse_header(header)?;
        let matched = self.secrets.iter().any(|secret| {
            let expected = sign(secret, parsed.timestamp, payload);
            parsed
                .signatures
                .iter()
                .any(|sig| bool::from(sig.as_slice().ct_eq(expected.as_slice())))
        });
        if !matched {
            return Err(SignatureError::NoMatch.into());
        }
        if let Some(tolerance) = self.tolerance {
            let age = now.unix_timestamp().saturating_sub(parsed.timestamp);
            let limit = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
            // Like Stripe's libraries, only an old signature is rejected.
            if age > limit {
                return Err(SignatureError::TimestampOutsideTolerance {
                    timestamp: parsed.timestamp,
                }
                .into());
            }
        }
        Ok(())
    }

    /// Verifies the delivery, then decodes the payload as an [`Event`], reading its object in
    /// the event's own API version. A signed payload that is not an event is an
    /// [`Error::Decode`] with the full path (`data.object.created`); an event whose typed object
    /// is rendered in a version this crate cannot read is an [`Error::UnsupportedApiVersion`].
    pub fn construct_event(
        &self,
        payload: &[u8],
        header: &str,
        now: OffsetDateTime,
    ) -> Result<Event, Error> {
        self.verify(payload, header, now)?;
        Event::from_slice(payload)
    }
}

struct ParsedHeader {
    timestamp: i64,
    signatures: Vec<Vec<u8>>,
}

fn parse_header(header: &str) -> Result<ParsedHeader, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::MalformedHeader)?,
                );
            }
            // A v1 that is not hex cannot match; skip it rather than reject the other ones.
            "v1" => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    match timestamp {
        Some(timestamp) if !signatures.is_empty() => Ok(ParsedHeader {
            timestamp,
            signatures,
        }),
        _ => Err(SignatureError::MalformedHeader),
    }
}

fn sign(secret: &SecretString, timestamp: i64, payload: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would simply not match.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return Vec::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize().into_bytes().to_vec()
}

/// A valid `Stripe-Signature` header for `payload`, for users' own tests of their webhook
/// handlers.
pub fn generate_test_header(payload: &[u8], secret: &SecretString, timestamp: i64) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(sign(secret, timestamp, payload))
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // Known-good vector from the workspace's Stripe reference folder (checked with stripe-python).
    const SECRET: &str = "whsec_test_secret";
    const PAYLOAD: &str = r#"{"id":"evt_test_webhook","object":"event"}"#;
    const T: i64 = 1492774577;
    const V1: &str = "88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a";
    const HEADER: &str = "t=1492774577,v1=88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";

    fn at(t: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(t).unwrap()
    }

    fn verifier() -> Webhook {
        Webhook::new(SecretString::from(SECRET))
    }

    #[test]
    fn reference_vector_verifies() {
        verifier()
            .verify(PAYLOAD.as_bytes(), HEADER, at(T + 10))
            .unwrap();
        assert_eq!(
            generate_test_header(PAYLOAD.as_bytes(), &SecretString::from(SECRET), T),
            format!("t={T},v1={V1}")
        );
    }

    #[test]
    fn reference_vector_is_too_old_today_unless_tolerance_is_off() {
        let now = at(T + 301);
        let err = verifier()
            .verify(PAYLOAD.as_bytes(), HEADER, now)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Signature(SignatureError::TimestampOutsideTolerance { timestamp: T })
        ));
        verifier()
            .tolerance(None)
            .verify(PAYLOAD.as_bytes(), HEADER, now)
            .unwrap();
    }

    #[test]
    fn any_of_several_v1_signatures_is_accepted() {
        let header = format!("t={T},v1={},v1={V1}", "ab".repeat(32));
        verifier()
            .verify(PAYLOAD.as_bytes(), &header, at(T))
            .unwrap();
    }

    #[test]
    fn a_rotated_secret_is_accepted() {
        let w =
            Webhook::new(SecretString::from("whsec_new")).with_secret(SecretString::from(SECRET));
        w.verify(PAYLOAD.as_bytes(), HEADER, at(T)).unwrap();
    }

    #[test]
    fn tampered_payload_wrong_secret_and_v0_only_are_rejected() {
        let tampered = PAYLOAD.replace("evt_test", "evt_evil");
        let no_match =
            |r: Result<(), Error>| matches!(r, Err(Error::Signature(SignatureError::NoMatch)));
        assert!(no_match(verifier().verify(
            tampered.as_bytes(),
            HEADER,
            at(T)
        )));
        assert!(no_match(
            Webhook::new(SecretString::from("whsec_other")).verify(
                PAYLOAD.as_bytes(),
                HEADER,
                at(T)
            )
        ));
        let v0_only = format!("t={T},v0={V1}");
        assert!(matches!(
            verifier().verify(PAYLOAD.as_bytes(), &v0_only, at(T)),
            Err(Error::Signature(SignatureError::MalformedHeader))
        ));
    }

    #[test]
    fn malformed_headers_are_rejected_without_panicking() {
        for header in [
            "",
            "garbage",
            "t=abc,v1=00",
            "v1=00",
            "t=1",
            "t=,v1=",
            ",,,=",
            "t=1,v1=zz",
        ] {
            let r = verifier().verify(PAYLOAD.as_bytes(), header, at(T));
            assert!(matches!(r, Err(Error::Signature(_))), "{header}: {r:?}");
        }
    }

    #[test]
    fn a_signed_payload_that_is_not_an_event_is_a_decode_error() {
        let secret = SecretString::from(SECRET);
        let payload =
            br#"{"id":"evt_1","object":"event","type":"charge.succeeded","created":"soon"}"#;
        let header = generate_test_header(payload, &secret, T);
        let err = Webhook::new(secret)
            .construct_event(payload, &header, at(T))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "created"),
            "{err:?}"
        );
    }

    #[test]
    fn debug_does_not_show_secrets() {
        assert!(!format!("{:?}", verifier()).contains("whsec"));
    }

    #[test]
    fn construct_event_decodes_a_verified_payment_intent_event() {
        let payload = include_str!("../tests/fixtures/event_payment_intent_succeeded.json");
        let secret = SecretString::from(SECRET);
        let header = generate_test_header(payload.as_bytes(), &secret, T);
        let event = Webhook::new(secret)
            .construct_event(payload.as_bytes(), &header, at(T))
            .unwrap();
        assert_eq!(
            event.event_type,
            crate::models::EventType::PaymentIntentSucceeded
        );
        match event.data.object {
            crate::models::EventObject::PaymentIntent(pi) => assert_eq!(pi.amount, 2000),
            other => panic!("unexpected {other:?}"),
        }
    }
}

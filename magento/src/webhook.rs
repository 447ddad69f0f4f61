//! Adobe Commerce webhook signatures.
//!
//! Adobe Commerce (not Magento Open Source, which sends no webhooks) signs each webhook with the
//! private half of a key pair generated in the Admin (Stores > Configuration > Adobe Services >
//! Webhooks) and sends the signature, base64, in `x-adobe-commerce-webhook-signature`. Adobe's
//! page on signature verification (developer.adobe.com/commerce/extensibility/webhooks/
//! signature-verification) calls it an "HMAC SHA256 signature", but both of its examples verify
//! an RSA SHA-256 (PKCS#1 v1.5) signature with the public key, over the base64 encoding of the
//! body; Adobe's checkout starter kit (`lib/adobe-commerce.js`, `webhookVerify`) does the same.
//! [`WebhookVerifier`] checks exactly that, and also accepts a signature over the body itself,
//! which the page's prose describes; either needs Commerce's private key. Regenerating the key
//! pair invalidates the old public key at once, so several keys can be configured for the switch.
//!
//! ```no_run
//! # fn run(pem: &str, body: &[u8], header: &str) -> Result<(), magento::Error> {
//! let verifier = magento::WebhookVerifier::from_public_key_pem(pem)?;
//! verifier.verify(body, header)?;
//! # Ok(()) }
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::Sha256;

use crate::error::Error;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-adobe-commerce-webhook-signature";

/// Checks Adobe Commerce webhook signatures against one or more public keys.
#[derive(Clone)]
pub struct WebhookVerifier {
    keys: Vec<VerifyingKey<Sha256>>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("keys", &self.keys.len())
            .finish()
    }
}

fn parse_key(pem: &str) -> Result<VerifyingKey<Sha256>, Error> {
    let key = RsaPublicKey::from_public_key_pem(pem.trim()).map_err(|e| {
        Error::Config(format!(
            "webhook public key: not a PEM `PUBLIC KEY` (SPKI) RSA key: {e}"
        ))
    })?;
    Ok(VerifyingKey::new(key))
}

impl WebhookVerifier {
    /// A verifier with the public key shown in the Commerce Admin (PEM, `BEGIN PUBLIC KEY`).
    pub fn from_public_key_pem(pem: &str) -> Result<Self, Error> {
        Ok(Self {
            keys: vec![parse_key(pem)?],
        })
    }

    /// Also accepts signatures made with the key pair whose public key is `pem` (for the time a
    /// key pair is being replaced).
    pub fn with_public_key_pem(mut self, pem: &str) -> Result<Self, Error> {
        self.keys.push(parse_key(pem)?);
        Ok(self)
    }

    /// Checks `signature` (the header's value) over `body` (the raw request body). Every
    /// failure is [`Error::WebhookSignature`], which never carries the body.
    pub fn verify(&self, body: &[u8], signature: &str) -> Result<(), Error> {
        let bytes = STANDARD
            .decode(signature.trim())
            .map_err(|_| Error::WebhookSignature("the signature is not base64"))?;
        let signature = Signature::try_from(bytes.as_slice())
            .map_err(|_| Error::WebhookSignature("the signature is malformed"))?;
        let encoded = STANDARD.encode(body);
        let valid = self.keys.iter().any(|key| {
            key.verify(encoded.as_bytes(), &signature).is_ok()
                || key.verify(body, &signature).is_ok()
        });
        if valid {
            Ok(())
        } else {
            Err(Error::WebhookSignature(
                "no configured public key verifies the signature",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = include_str!("../tests/fixtures/adobe-webhook-test-public.pem");
    const OTHER_PUBLIC: &str = include_str!("../tests/fixtures/other-test-public.pem");
    const BODY: &[u8] = include_bytes!("../tests/fixtures/adobe-webhook-body.json");
    const SIGNATURE: &str = include_str!("../tests/fixtures/adobe-webhook-body.sig");
    const RAW_SIGNATURE: &str = include_str!("../tests/fixtures/adobe-webhook-body.raw.sig");
    const OTHER_SIGNATURE: &str =
        include_str!("../tests/fixtures/adobe-webhook-body.other-key.sig");

    #[test]
    fn a_signature_made_with_openssl_verifies() {
        let verifier = WebhookVerifier::from_public_key_pem(PUBLIC).unwrap();
        verifier.verify(BODY, SIGNATURE).unwrap();
        verifier.verify(BODY, RAW_SIGNATURE).unwrap();
    }

    #[test]
    fn a_changed_body_or_another_key_is_refused() {
        let verifier = WebhookVerifier::from_public_key_pem(PUBLIC).unwrap();
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert!(matches!(
            verifier.verify(&tampered, SIGNATURE),
            Err(Error::WebhookSignature(_))
        ));
        assert!(verifier.verify(BODY, OTHER_SIGNATURE).is_err());
        assert!(verifier.verify(BODY, "not base64!").is_err());
        assert!(verifier.verify(BODY, "c2hvcnQ=").is_err());
        assert!(verifier.verify(BODY, "").is_err());
    }

    #[test]
    fn both_keys_verify_while_a_key_pair_is_replaced() {
        let verifier = WebhookVerifier::from_public_key_pem(OTHER_PUBLIC)
            .unwrap()
            .with_public_key_pem(PUBLIC)
            .unwrap();
        verifier.verify(BODY, SIGNATURE).unwrap();
        verifier.verify(BODY, OTHER_SIGNATURE).unwrap();
    }

    #[test]
    fn a_bad_key_is_a_config_error_naming_the_key() {
        let err = WebhookVerifier::from_public_key_pem(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.starts_with("webhook public key")),
            "{err}"
        );
    }
}

//! Types shared by several resources: addresses, card data (redacted), Protect.js tokens.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A billing or shipping address. Every field is optional on the wire.
///
/// PayTrace sends zip codes as numbers in some bodies; they are read as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Name on the card or of the recipient.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub name: Option<String>,
    /// First street line.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub street_address: Option<String>,
    /// Second street line.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub street_address2: Option<String>,
    /// City.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub city: Option<String>,
    /// County (shipping addresses only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub county: Option<String>,
    /// State or province code, e.g. `WA`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub state: Option<String>,
    /// Postal code.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub zip: Option<String>,
    /// Country code, e.g. `US`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt_text"
    )]
    pub country: Option<String>,
}

/// Writes a secret string; only request bodies use this.
fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

macro_rules! redacted_secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Serialize)]
        #[serde(transparent)]
        pub struct $name(#[serde(serialize_with = "expose")] SecretString);

        impl $name {
            /// Wraps the value; it is zeroed on drop and never shown by `Debug`/`Display`.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The raw value, for the rare caller that must forward it.
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[REDACTED]")
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }
    };
}

redacted_secret!(
    /// A full card number (PAN). `Debug` and `Display` print `[REDACTED]`.
    CardNumber
);
redacted_secret!(
    /// A card security code. `Debug` and `Display` print `[REDACTED]`.
    Csc
);
redacted_secret!(
    /// A value encrypted by PayTrace's client-side encryption library
    /// (`paytrace-e2ee.js`, fields marked `pt-encrypt`). Redacted like card data.
    EncryptedValue
);
redacted_secret!(
    /// A bank account number for ACH checks. Redacted like card data.
    AccountNumber
);
redacted_secret!(
    /// A single-use Protect.js `hpf_token` or `enc_key`. Redacted like card data.
    ProtectSecret
);

/// The card number, either in clear or encrypted on the client.
#[derive(Debug, Clone, Serialize)]
pub enum CardNumberField {
    /// `credit_card.number`.
    #[serde(rename = "number")]
    Plain(CardNumber),
    /// `credit_card.encrypted_number`.
    #[serde(rename = "encrypted_number")]
    Encrypted(EncryptedValue),
}

/// The CSC, either in clear or encrypted; sent at the top level of the body.
#[derive(Debug, Clone, Serialize)]
pub enum CscField {
    /// `csc`.
    #[serde(rename = "csc")]
    Plain(Csc),
    /// `encrypted_csc`.
    #[serde(rename = "encrypted_csc")]
    Encrypted(EncryptedValue),
}

/// The `credit_card` object of keyed requests.
#[derive(Debug, Clone, Serialize)]
pub struct CreditCard {
    /// Clear or encrypted card number.
    #[serde(flatten)]
    pub number: CardNumberField,
    /// Expiry month, 1 to 12 (sent as a string, e.g. `"12"`).
    #[serde(serialize_with = "crate::wire::as_string")]
    pub expiration_month: u8,
    /// Four-digit expiry year (sent as a string, e.g. `"2026"`).
    #[serde(serialize_with = "crate::wire::as_string")]
    pub expiration_year: u16,
}

impl CreditCard {
    /// A card given in clear (keep PCI scope in mind: prefer Protect.js or encryption).
    pub fn plain(number: impl Into<String>, expiration_month: u8, expiration_year: u16) -> Self {
        Self {
            number: CardNumberField::Plain(CardNumber::new(number)),
            expiration_month,
            expiration_year,
        }
    }

    /// A card whose number was encrypted by PayTrace's client-side library.
    pub fn encrypted(
        encrypted_number: impl Into<String>,
        expiration_month: u8,
        expiration_year: u16,
    ) -> Self {
        Self {
            number: CardNumberField::Encrypted(EncryptedValue::new(encrypted_number)),
            expiration_month,
            expiration_year,
        }
    }
}

/// The `hpf_token` and `enc_key` returned by Protect.js `process()` in the browser.
#[derive(Debug, Clone, Serialize)]
pub struct ProtectToken {
    /// Single-use hosted payment field token.
    pub hpf_token: ProtectSecret,
    /// Encryption key that goes with the token.
    pub enc_key: ProtectSecret,
}

impl ProtectToken {
    /// Builds the pair from the browser's response.
    pub fn new(hpf_token: impl Into<String>, enc_key: impl Into<String>) -> Self {
        Self {
            hpf_token: ProtectSecret::new(hpf_token),
            enc_key: ProtectSecret::new(enc_key),
        }
    }
}

/// Fields shared by every v1 response: `success`, `response_code`, `status_message`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusResponse {
    /// Whether PayTrace reports success.
    pub success: bool,
    /// PayTrace's response code (see [`ResponseCode`](crate::ResponseCode)).
    pub response_code: crate::ResponseCode,
    /// Human readable status.
    #[serde(default)]
    pub status_message: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn card_data_is_redacted_but_serialized() {
        let card = CreditCard::plain("4012000098765439", 12, 2026);
        let csc = CscField::Plain(Csc::new("999"));
        let debug = format!("{card:?} {csc:?} {}", Csc::new("999"));
        assert!(!debug.contains("4012000098765439"), "{debug}");
        assert!(!debug.contains("999"), "{debug}");
        assert!(debug.contains("[REDACTED]"));
        let json = serde_json::to_value(&card).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"number": "4012000098765439", "expiration_month": "12", "expiration_year": "2026"})
        );
    }

    #[test]
    fn encrypted_card_uses_encrypted_field_names() {
        let card = CreditCard::encrypted("abc==", 1, 2030);
        assert_eq!(
            serde_json::to_value(&card).unwrap(),
            serde_json::json!({"encrypted_number": "abc==", "expiration_month": "1", "expiration_year": "2030"})
        );
    }

    #[test]
    fn numeric_zip_reads_as_text() {
        let a: Address = serde_json::from_str(r#"{"zip": 85284, "name": ""}"#).unwrap();
        assert_eq!(a.zip.as_deref(), Some("85284"));
        assert_eq!(a.name, None);
    }
}

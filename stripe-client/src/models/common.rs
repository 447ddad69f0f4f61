//! Shapes shared by several resources: ids, expandable fields, currencies, lists, addresses.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Stripe object with an id (`pi_...`, `ch_...`, `cus_...`).
pub trait Object {
    /// The object's id.
    fn id(&self) -> &str;
}

/// Free-form key/value pairs Stripe stores on most objects (up to 50 keys).
pub type Metadata = BTreeMap<String, String>;

/// A field that is an id by default and the full object when requested with `expand`.
#[derive(Debug, Clone)]
pub enum Expandable<T> {
    /// Only the id was returned.
    Id(String),
    /// The object was expanded.
    Object(Box<T>),
}

impl<T: Object> Expandable<T> {
    /// The id, whether or not the object was expanded.
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) => id,
            Expandable::Object(o) => o.id(),
        }
    }
}

impl<T> Expandable<T> {
    /// The expanded object, if it was expanded.
    pub fn as_object(&self) -> Option<&T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Object(o) => Some(o),
        }
    }
}

impl<T: Serialize> Serialize for Expandable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expandable::Id(id) => s.serialize_str(id),
            Expandable::Object(o) => o.serialize(s),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Expandable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor (not `#[serde(untagged)]`) so that the object is decoded straight from the
        // input: untagged buffering mangles numbers under serde_json's `arbitrary_precision`.
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Expandable<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string or an expanded object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Expandable::Id(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Expandable::Id(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|o| Expandable::Object(Box::new(o)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A three-letter ISO 4217 currency code, lowercase as Stripe writes it (`usd`, `eur`, `jpy`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Currency(String);

/// Stripe's zero-decimal currencies (docs.stripe.com/currencies, copied in the workspace's
/// Stripe notes): amounts are whole units, not hundredths.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];
/// Stripe's three-decimal currencies: amounts are thousandths whose last digit must be 0.
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

impl Currency {
    /// A currency from any casing of its ISO code.
    pub fn new(code: &str) -> Self {
        Currency(code.to_ascii_lowercase())
    }

    /// The lowercase code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many decimal places Stripe's minor unit has for this currency: 0 for Stripe's
    /// zero-decimal list, 3 for its three-decimal list, 2 otherwise.
    ///
    /// ISK, HUF, TWD and UGX carry extra divisibility rules (see the crate README); this is only
    /// the exponent of the wire amount.
    pub fn minor_unit_exponent(&self) -> u32 {
        if ZERO_DECIMAL.contains(&self.0.as_str()) {
            0
        } else if THREE_DECIMAL.contains(&self.0.as_str()) {
            3
        } else {
            2
        }
    }
}

impl From<String> for Currency {
    fn from(s: String) -> Self {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Currency(s.to_ascii_lowercase())
        } else {
            Currency(s)
        }
    }
}

impl From<&str> for Currency {
    fn from(s: &str) -> Self {
        Currency::new(s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A page of a list endpoint: `{object: "list", data, has_more, url}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct List<T> {
    /// The objects of this page.
    pub data: Vec<T>,
    /// Whether more objects follow (page on with `starting_after` = id of the last one).
    #[serde(default)]
    pub has_more: bool,
    /// The endpoint path that produced the list.
    #[serde(default)]
    pub url: String,
}

/// A page of a search endpoint: `{object: "search_result", data, has_more, next_page}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResult<T> {
    /// The objects of this page.
    pub data: Vec<T>,
    /// Whether more results follow.
    #[serde(default)]
    pub has_more: bool,
    /// Cursor to pass as `page` for the next page.
    #[serde(default)]
    pub next_page: Option<String>,
}

/// The answer to a delete: `{id, object, deleted: true}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeletedObject {
    /// Id of the deleted object.
    pub id: String,
    /// Stripe's object name (`customer`).
    #[serde(default)]
    pub object: String,
    /// Always `true` on success.
    #[serde(default)]
    pub deleted: bool,
}

/// A postal address. Every field may be null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// City, district, suburb, town or village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Two-letter country code (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Address line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// ZIP or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// State, county, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Shipping details on a PaymentIntent, Charge or Customer (also accepted as a parameter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipping {
    /// Shipping address.
    #[serde(default)]
    pub address: Address,
    /// Recipient name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Recipient phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Delivery service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

/// Billing details of a payment method or charge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDetails {
    /// Billing address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A PaymentIntent's `client_secret`: handed to the browser, never logged. `Debug` is redacted.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// The secret, for handing to Stripe.js.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([REDACTED])")
    }
}

impl Serialize for ClientSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for ClientSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| ClientSecret(SecretString::from(s)))
    }
}

/// Card details shared by PaymentMethods and charges. Only the non-sensitive parts Stripe
/// returns: never the number or CVC.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CardDetails {
    /// `visa`, `mastercard`, `amex`, ... (kept as Stripe writes it).
    #[serde(default)]
    pub brand: Option<String>,
    /// Last four digits.
    #[serde(default)]
    pub last4: Option<String>,
    /// Expiry month (1-12).
    #[serde(default)]
    pub exp_month: Option<u8>,
    /// Four-digit expiry year.
    #[serde(default)]
    pub exp_year: Option<u16>,
    /// Issuing country (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// `credit`, `debit`, `prepaid` or `unknown`.
    #[serde(default)]
    pub funding: Option<String>,
    /// Stable fingerprint of the card number, to spot the same card on several customers.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Address and CVC check results (on a charge's `payment_method_details.card`).
    #[serde(default)]
    pub checks: Option<CardChecks>,
}

/// Results of the address and CVC checks of a card payment. Each is `pass`, `fail`,
/// `unavailable`, `unchecked`, or absent when nothing was given to check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardChecks {
    /// Street line check.
    #[serde(default)]
    pub address_line1_check: Option<String>,
    /// Postal code check.
    #[serde(default)]
    pub address_postal_code_check: Option<String>,
    /// CVC check.
    #[serde(default)]
    pub cvc_check: Option<String>,
}

/// Serde adapters for Unix-second timestamps as [`time::OffsetDateTime`].
pub(crate) mod ts {
    pub(crate) use time::serde::timestamp::option;
    pub(crate) use time::serde::timestamp::{deserialize, serialize};
}

/// Decodes a JSON number (or numeric string) into a [`Decimal`] exactly, or refuses it.
///
/// serde_json's `arbitrary_precision` keeps a number's digits, and
/// [`payops_core::decimal::parse_exact`] reads them without rounding: `rust_decimal`'s own
/// `from_str` and `from_scientific` round past 28 digits, which would change a rate or a unit
/// amount in silence.
pub(crate) mod decimal_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let raw: Option<serde_json::Value> = Option::deserialize(d)?;
        let parsed = match raw {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::Number(n)) => payops_core::decimal::from_json_number(&n),
            Some(serde_json::Value::String(s)) => payops_core::decimal::parse_exact(&s),
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "expected a decimal, got {other}"
                )));
            }
        };
        parsed.map(Some).map_err(de::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
}

/// Reads `metadata: null` as empty metadata. Stripe's spec allows null metadata on invoices,
/// refunds, payouts and payment methods (spec3 2023-08-16: `nullable: true`) and on customers
/// (stripe-python 16.x types `Customer.metadata` as `Optional`); only those fields use this.
pub(crate) fn metadata_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
    Ok(Option::<Metadata>::deserialize(d)?.unwrap_or_default())
}

/// Reads a `null` list as empty: for lists the 2023-08-16 spec marks nullable that later
/// versions always render (`Invoice.discounts`), so an event rendered in an old version parses.
pub(crate) fn vec_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A field that must be present but may be `null`. serde reads a missing `Option` field as
/// `None`; going through `deserialize_with` makes its absence an error instead, so a field that
/// an API version moved elsewhere is never read as "not set".
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::{Charge, PaymentIntentStatus};
    use payops_core::decimal::samples::json_number_text;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn expandable_reads_an_id_or_an_object() {
        let id: Expandable<Charge> = serde_json::from_value(json!("ch_1")).unwrap();
        assert_eq!(id.id(), "ch_1");
        assert!(id.as_object().is_none());
        let charge = json!({"id": "ch_2", "amount": 100, "currency": "usd", "status": "succeeded", "created": 1});
        let obj: Expandable<Charge> = serde_json::from_value(charge.clone()).unwrap();
        assert_eq!(obj.id(), "ch_2");
        assert_eq!(obj.as_object().unwrap().amount, 100);
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("ch_1"));
        assert!(serde_json::from_value::<Expandable<Charge>>(json!(42)).is_err());
    }

    #[test]
    fn expandable_objects_keep_large_amounts_exact_from_raw_json() {
        // Parsed from text (not a Value) so serde_json's arbitrary_precision path is exercised.
        let raw = r#"{"id":"ch_3","amount":9007199254740993,"currency":"usd","status":"succeeded","created":1}"#;
        let obj: Expandable<Charge> = serde_json::from_str(raw).unwrap();
        assert_eq!(obj.as_object().unwrap().amount, 9_007_199_254_740_993);
    }

    #[test]
    fn lenient_enums_round_trip_known_and_unknown_values() {
        let known: PaymentIntentStatus = serde_json::from_value(json!("requires_capture")).unwrap();
        assert_eq!(known, PaymentIntentStatus::RequiresCapture);
        let unknown: PaymentIntentStatus = serde_json::from_value(json!("brand_new")).unwrap();
        assert_eq!(unknown, PaymentIntentStatus::Other("brand_new".into()));
        assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("brand_new"));
        assert_eq!(known.to_string(), "requires_capture");
    }

    #[test]
    fn currencies_are_lowercase_with_stripe_exponents() {
        let c: Currency = serde_json::from_value(json!("JPY")).unwrap();
        assert_eq!(c.as_str(), "jpy");
        assert_eq!(c.minor_unit_exponent(), 0);
        assert_eq!(Currency::new("KWD").minor_unit_exponent(), 3);
        assert_eq!(Currency::new("eur").minor_unit_exponent(), 2);
        assert_eq!(
            serde_json::to_value(Currency::new("EUR")).unwrap(),
            json!("eur")
        );
    }

    #[test]
    fn decimals_parse_from_numbers_strings_and_exponents_without_floats() {
        #[derive(Deserialize)]
        struct D {
            #[serde(default, with = "decimal_opt")]
            v: Option<Decimal>,
        }
        let parse = |s: &str| serde_json::from_str::<D>(s).map(|d| d.v);
        assert_eq!(
            parse(r#"{"v":1.0850123456789}"#).unwrap(),
            Some("1.0850123456789".parse().unwrap())
        );
        assert_eq!(
            parse(r#"{"v":"2000.5"}"#).unwrap(),
            Some("2000.5".parse().unwrap())
        );
        assert_eq!(
            parse(r#"{"v":1e-3}"#).unwrap(),
            Some("0.001".parse().unwrap())
        );
        assert_eq!(parse(r#"{"v":null}"#).unwrap(), None);
        assert_eq!(parse(r#"{}"#).unwrap(), None);
        assert!(parse(r#"{"v":"abc"}"#).is_err());
        assert!(parse(r#"{"v":[1]}"#).is_err());
    }

    #[test]
    fn decimals_that_would_round_are_refused_not_rounded() {
        #[derive(Debug, Deserialize)]
        struct D {
            #[serde(default, with = "decimal_opt")]
            #[allow(dead_code)]
            v: Option<Decimal>,
        }
        // 30 significant digits: `Decimal::from_scientific` made 20 of the first, `from_str`
        // rounded the others.
        for text in [
            r#"{"v":1.99999999999999999999999999999e1}"#,
            r#"{"v":"1.99999999999999999999999999999e1"}"#,
            r#"{"v":"0.12345678901234567890123456789"}"#,
            r#"{"v":36.450000000000000000000000000001}"#,
            r#"{"v":1e-400}"#,
        ] {
            let err = serde_json::from_str::<D>(text).unwrap_err().to_string();
            assert!(err.contains("not an exact decimal"), "{text}: {err}");
        }
        // Exact values in exponent notation still read, with their digits.
        let d: D = serde_json::from_str(r#"{"v":1.25e2}"#).unwrap();
        assert_eq!(d.v, Some(Decimal::new(125, 0)));
    }

    proptest! {
        /// Issue 14: a decimal Stripe sends as a JSON number (`exchange_rate`) or a decimal
        /// string (`unit_amount_decimal`), in plain or exponent notation, reads back as exactly
        /// the value written (`format(parse(s)) == canonical(s)`), or is refused as
        /// [`crate::Error::Decode`] at the field; a value a `Decimal` holds is never refused.
        #[test]
        fn decimals_read_back_exactly_or_are_refused_at_the_field(
            sample in json_number_text(),
            quoted in any::<bool>(),
        ) {
            #[derive(Debug, Deserialize)]
            struct D {
                #[serde(default, with = "decimal_opt")]
                v: Option<Decimal>,
            }
            let text = sample.text.clone();
            let json = if quoted {
                format!(r#"{{"v":"{text}"}}"#)
            } else {
                format!(r#"{{"v":{text}}}"#)
            };
            let expected = sample.canonical.clone();
            let read = serde_path_to_error::deserialize::<_, D>(
                &mut serde_json::Deserializer::from_str(&json),
            )
            .map_err(crate::Error::decode);
            match read {
                Ok(read) => {
                    prop_assert_eq!(read.v.map(|v| v.normalize().to_string()), Some(expected));
                }
                Err(crate::Error::Decode { path, message }) => {
                    prop_assert_eq!(path, "v", "{}", json);
                    prop_assert!(message.contains("not an exact decimal"), "{}: {}", json, message);
                    prop_assert!(!sample.fits(), "{} refused, {} fits", json, expected);
                }
                Err(other) => prop_assert!(false, "{}: {}", json, other),
            }
        }
    }

    #[test]
    fn null_metadata_reads_as_empty_and_a_missing_present_field_is_an_error() {
        #[derive(Debug, Deserialize)]
        struct M {
            #[serde(default, deserialize_with = "metadata_or_null")]
            metadata: Metadata,
            #[serde(deserialize_with = "present")]
            moved: Option<String>,
        }
        let m: M = serde_json::from_value(json!({"metadata": null, "moved": null})).unwrap();
        assert!(m.metadata.is_empty() && m.moved.is_none());
        let m: M = serde_json::from_value(json!({"moved": "x"})).unwrap();
        assert!(m.metadata.is_empty());
        assert_eq!(m.moved.as_deref(), Some("x"));
        let err = serde_json::from_value::<M>(json!({"metadata": {}})).unwrap_err();
        assert_eq!(err.to_string(), "missing field `moved`");
    }

    #[test]
    fn client_secret_debug_is_redacted() {
        let s: ClientSecret = serde_json::from_value(json!("pi_1_secret_abc")).unwrap();
        assert_eq!(s.expose_secret(), "pi_1_secret_abc");
        assert!(!format!("{s:?}").contains("abc"));
    }
}

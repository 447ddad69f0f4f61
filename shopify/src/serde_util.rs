//! Serde helpers for Shopify's wire quirks: decimals that arrive as strings or
//! JSON numbers, 64-bit ids that arrive as strings, and `null` lists.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de::Error as _};
use serde_json::Value;

const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Parses a decimal from a JSON string or number without going through `f64`.
///
/// `serde_json` is built with `arbitrary_precision` in this workspace, so a
/// number keeps its exact text and converting it here loses nothing.
fn decimal_from_value<E: serde::de::Error>(value: Value) -> Result<Option<Decimal>, E> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        // With `arbitrary_precision`, a number buffered by `#[serde(flatten)]`
        // reaches us as this one-entry map.
        Value::Object(map) if map.len() == 1 => match map.get(NUMBER_TOKEN) {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(E::custom("expected a decimal, found an object")),
        },
        other => return Err(E::custom(format!("expected a decimal, found {other}"))),
    };
    let trimmed = text.trim();
    Decimal::from_str_exact(trimmed)
        .or_else(|_| Decimal::from_scientific(trimmed))
        .map(Some)
        .map_err(|e| E::custom(format!("invalid decimal {trimmed:?}: {e}")))
}

/// Required decimal, string or number.
pub(crate) mod decimal {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        decimal_from_value(Value::deserialize(d)?)?
            .ok_or_else(|| D::Error::custom("expected a decimal, found null"))
    }
}

/// Optional decimal, string, number or null.
pub(crate) mod decimal_opt {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(
        v: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        decimal_from_value(Value::deserialize(d)?)
    }
}

/// A `u64` sent as a JSON string (GraphQL `UnsignedInt64`) or a number.
pub(crate) mod u64_string {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => s
                .parse()
                .map_err(|e| D::Error::custom(format!("invalid u64 {s:?}: {e}"))),
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| D::Error::custom(format!("invalid u64 {n}"))),
            other => Err(D::Error::custom(format!("expected a u64, found {other}"))),
        }
    }
}

/// A list (or other `Default` value) that may arrive as `null`.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A string that older payloads sometimes send as a bare number or boolean.
pub(crate) mod stringish_opt {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(
        v: &Option<String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(v, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        })
    }
}

/// Declares a string enum that keeps unknown values instead of failing, so a
/// value Shopify adds in a later API version never breaks decoding.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value exactly as Shopify spells it on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s.as_str(),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Ok(match s.as_str() {
                    $( $wire => Self::$variant, )+
                    _ => Self::Other(s),
                })
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct D {
        #[serde(with = "decimal")]
        a: Decimal,
        #[serde(default, with = "decimal_opt")]
        b: Option<Decimal>,
        #[serde(deserialize_with = "u64_string::deserialize")]
        c: u64,
    }

    #[test]
    fn decimals_from_strings_and_numbers_are_exact() {
        let d: D =
            serde_json::from_str(r#"{"a":"598.94","b":0.06,"c":"18446744073709551615"}"#).unwrap();
        assert_eq!(d.a.to_string(), "598.94");
        assert_eq!(d.b.unwrap().to_string(), "0.06");
        assert_eq!(d.c, u64::MAX);
        let d: D = serde_json::from_str(r#"{"a":1000.0,"b":null,"c":12}"#).unwrap();
        assert_eq!(d.a.to_string(), "1000.0");
        assert!(d.b.is_none());
    }

    #[test]
    fn bad_decimal_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<D>(r#"{"a":"abc","c":1}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"a":[1],"c":1}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"a":"1","c":"-1"}"#).is_err());
    }
}

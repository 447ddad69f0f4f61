//! Serde helpers for Shopify's wire quirks: decimals that arrive as strings or
//! JSON numbers, 64-bit ids that arrive as strings, `null` lists, and `{}`
//! placeholders where an embedded object is left out.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de::Error as _};
use serde_json::Value;

const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Parses a decimal from a JSON string or number without going through binary floating point.
///
/// `serde_json` is built with `arbitrary_precision` in this workspace, so a
/// number keeps its exact text. [`payops_core::decimal::parse_exact`] reads it,
/// plain or in exponent notation, and refuses what a `Decimal` cannot hold
/// exactly (`"1.99999999999999999999999999999e1"` is refused, not read as 20).
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
    payops_core::decimal::parse_exact(text.trim())
        .map(Some)
        .map_err(E::custom)
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

/// An embedded object that may arrive as `null` or as the empty placeholder `{}`
/// (the REST Refund resource documents `"line_item": {}` and `"shipping_line": {}`),
/// both read as `None`. Any other object must be a whole `T`; errors inside it keep
/// their JSON path, because the object is read in place rather than buffered.
pub(crate) fn empty_object_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_option(placeholder::OptionVisitor(std::marker::PhantomData))
}

mod placeholder {
    use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
    use serde::{Deserialize, de::value::MapAccessDeserializer};
    use std::fmt;
    use std::marker::PhantomData;

    pub(super) struct OptionVisitor<T>(pub(super) PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object, {} or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(ObjectVisitor(PhantomData))
        }
    }

    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            // The first key tells an empty placeholder from a real object; it is handed back
            // to `T` in front of the rest.
            let Some(first) = map.next_key::<String>()? else {
                return Ok(None);
            };
            let rest = Resumed {
                first: Some(first),
                map,
            };
            T::deserialize(MapAccessDeserializer::new(rest)).map(Some)
        }
    }

    /// A map whose first key was already read.
    struct Resumed<A> {
        first: Option<String>,
        map: A,
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for Resumed<A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            match self.first.take() {
                Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
                None => self.map.next_key_seed(seed),
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, A::Error> {
            self.map.next_value_seed(seed)
        }
    }
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
    fn exponent_notation_is_exact_or_refused() {
        let d: D = serde_json::from_str(r#"{"a":"1.2345e2","b":15e-1,"c":1}"#).unwrap();
        assert_eq!(d.a.to_string(), "123.45");
        assert_eq!(d.b.unwrap().to_string(), "1.5");
        // `Decimal::from_scientific` rounded these to 20 and 0.
        for text in [r#""1.99999999999999999999999999999e1""#, "1e-400"] {
            let json = format!(r#"{{"a":{text},"c":1}}"#);
            let err = serde_json::from_str::<D>(&json).err();
            assert!(err.is_some(), "{text} was accepted");
        }
    }

    proptest::proptest! {
        /// Every decimal the readers accept, as a string or a JSON number, reads back exactly, and
        /// every one a `Decimal` holds is accepted.
        #[test]
        fn accepted_decimals_read_back_exactly(
            negative in proptest::bool::ANY,
            int in "(0|[1-9][0-9]{0,19})",
            frac in "[0-9]{0,20}",
            exp in proptest::option::of(-35i32..35),
            as_number in proptest::bool::ANY,
        ) {
            let sign = if negative { "-" } else { "" };
            // Valid JSON number text, so that both forms reach the reader.
            let point = if frac.is_empty() { String::new() } else { format!(".{frac}") };
            let text = match exp {
                Some(e) => format!("{sign}{int}{point}e{e}"),
                None => format!("{sign}{int}{point}"),
            };
            let json = if as_number {
                format!(r#"{{"a":{text},"c":1}}"#)
            } else {
                format!(r#"{{"a":"{text}","c":1}}"#)
            };
            let canonical = payops_core::decimal::canonical_text(
                negative, &int, &frac, i64::from(exp.unwrap_or(0)),
            );
            match serde_json::from_str::<D>(&json) {
                Ok(d) => proptest::prop_assert_eq!(d.a.normalize().to_string(), canonical),
                Err(_) => proptest::prop_assert!(
                    !payops_core::decimal::fits_decimal(&canonical),
                    "{} refused though it fits", text
                ),
            }
        }
    }

    #[test]
    fn bad_decimal_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<D>(r#"{"a":"abc","c":1}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"a":[1],"c":1}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"a":"1","c":"-1"}"#).is_err());
    }
}

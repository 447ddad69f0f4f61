//! Shopify global ids (`gid://shopify/Order/450789469`).

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use std::fmt;

const PREFIX: &str = "gid://shopify/";

/// A Shopify GraphQL global id such as `gid://shopify/Order/450789469`.
///
/// The numeric part is the REST id (`u64`, never a float). Some ids carry a
/// query string (`?key=...`); it is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gid(String);

impl Gid {
    /// Builds the GID of a resource from its type name and numeric REST id.
    ///
    /// ```
    /// let gid = shopify::Gid::new("Order", 450789469);
    /// assert_eq!(gid.as_str(), "gid://shopify/Order/450789469");
    /// ```
    pub fn new(resource: &str, id: u64) -> Self {
        Self(format!("{PREFIX}{resource}/{id}"))
    }

    /// Parses a GID string; `None` unless it starts with `gid://shopify/` and
    /// names a resource and an id.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix(PREFIX)?;
        let (resource, id) = rest.split_once('/')?;
        if resource.is_empty() || id.is_empty() {
            return None;
        }
        Some(Self(s.to_owned()))
    }

    /// The full GID string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resource type, e.g. `Order`.
    pub fn resource(&self) -> &str {
        self.0
            .strip_prefix(PREFIX)
            .and_then(|r| r.split_once('/'))
            .map_or("", |(resource, _)| resource)
    }

    /// The numeric id (the REST id), if the id part is a `u64`.
    pub fn numeric_id(&self) -> Option<u64> {
        let (_, id) = self.0.strip_prefix(PREFIX)?.split_once('/')?;
        id.split('?').next()?.parse().ok()
    }
}

impl fmt::Display for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Gid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Gid::parse(&s).ok_or_else(|| D::Error::custom(format!("not a Shopify GID: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parts() {
        let g = Gid::parse("gid://shopify/OrderTransaction/18446744073709551615?x=1").unwrap();
        assert_eq!(g.resource(), "OrderTransaction");
        assert_eq!(g.numeric_id(), Some(u64::MAX));
        assert!(Gid::parse("gid://other/Order/1").is_none());
        assert!(Gid::parse("gid://shopify/Order").is_none());
        assert!(serde_json::from_str::<Gid>("\"nope\"").is_err());
    }
}

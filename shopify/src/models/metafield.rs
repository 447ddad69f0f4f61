use crate::gid::Gid;
use serde::{Deserialize, Serialize, Serializer};

/// A `Metafield`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Metafield {
    /// GID.
    pub id: Gid,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Value, always a string on the wire.
    pub value: String,
    /// Type, e.g. `single_line_text_field`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Digest of the stored value, for compare-and-set.
    #[serde(default)]
    pub compare_digest: Option<String>,
}

/// The write guarantee of one `metafieldsSet` entry (API 2024-07+).
///
/// Per the `metafieldsSet` reference: omitting `compareDigest` opts out of
/// write guarantees; `null` requires that the metafield does not exist yet; a
/// digest requires that the stored value still matches it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CompareDigest {
    /// No guarantee (the field is omitted).
    #[default]
    Unchecked,
    /// The metafield must not exist yet (`null`).
    MustNotExist,
    /// The stored value must match this digest.
    Matches(String),
}

impl CompareDigest {
    fn is_unchecked(&self) -> bool {
        matches!(self, CompareDigest::Unchecked)
    }
}

impl Serialize for CompareDigest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CompareDigest::Matches(d) => s.serialize_str(d),
            _ => s.serialize_none(),
        }
    }
}

/// `MetafieldsSetInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetafieldsSetInput {
    /// Owner resource (an order, customer, ...).
    pub owner_id: Gid,
    /// Namespace; omitted means the app-reserved namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Key (2-64 characters).
    pub key: String,
    /// Type; required when no definition exists.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Value as a string.
    pub value: String,
    /// Write guarantee.
    #[serde(skip_serializing_if = "CompareDigest::is_unchecked")]
    pub compare_digest: CompareDigest,
}

impl MetafieldsSetInput {
    /// A `single_line_text_field` metafield without write guarantee.
    pub fn text(
        owner_id: Gid,
        namespace: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            owner_id,
            namespace: Some(namespace.into()),
            key: key.into(),
            kind: Some("single_line_text_field".into()),
            value: value.into(),
            compare_digest: CompareDigest::Unchecked,
        }
    }

    /// Sets the write guarantee.
    pub fn with_compare_digest(mut self, compare_digest: CompareDigest) -> Self {
        self.compare_digest = compare_digest;
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn compare_digest_tri_state() {
        let base = MetafieldsSetInput::text(Gid::new("Order", 1), "payments", "txn", "abc");
        assert_eq!(
            serde_json::to_value(&base).unwrap(),
            json!({"ownerId":"gid://shopify/Order/1","namespace":"payments","key":"txn",
                   "type":"single_line_text_field","value":"abc"})
        );
        let v = serde_json::to_value(
            base.clone()
                .with_compare_digest(CompareDigest::MustNotExist),
        )
        .unwrap();
        assert_eq!(v.get("compareDigest"), Some(&json!(null)));
        let v = serde_json::to_value(base.with_compare_digest(CompareDigest::Matches("d1".into())))
            .unwrap();
        assert_eq!(v["compareDigest"], json!("d1"));
    }
}

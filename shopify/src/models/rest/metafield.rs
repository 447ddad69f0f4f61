use super::Timestamp;
use crate::gid::Gid;
use crate::serde_util::stringish_opt;
use serde::{Deserialize, Serialize};

/// The REST metafield resource.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Metafield {
    /// REST id.
    pub id: u64,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Value as text (older payloads may send numbers).
    #[serde(default, with = "stringish_opt")]
    pub value: Option<String>,
    /// Type, e.g. `single_line_text_field`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Owner id.
    #[serde(default)]
    pub owner_id: Option<u64>,
    /// Owner resource (`order`).
    #[serde(default)]
    pub owner_resource: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<Timestamp>,
    /// Update time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
}

//! Product.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Metadata;
use super::common::ts;

/// A Product (`prod_...`): what a price sells.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    /// Id (`prod_...`).
    pub id: String,
    /// Name shown to customers.
    pub name: String,
    /// Whether it can be bought.
    #[serde(default)]
    pub active: bool,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Description shown to customers.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
}

impl super::Object for Product {
    fn id(&self) -> &str {
        &self.id
    }
}

use super::{LineItem, Timestamp};
use crate::gid::Gid;
use crate::serde_util::null_default;
use serde::{Deserialize, Serialize};

/// The REST fulfillment resource.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Fulfillment {
    /// REST id.
    pub id: u64,
    /// GraphQL id.
    #[serde(default)]
    pub admin_graphql_api_id: Option<Gid>,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Name (`#1001.1`).
    #[serde(default)]
    pub name: Option<String>,
    /// `pending`, `open`, `success`, `cancelled`, `error`, `failure`.
    #[serde(default)]
    pub status: Option<String>,
    /// Service (`manual`, ...).
    #[serde(default)]
    pub service: Option<String>,
    /// Shipment status from the carrier.
    #[serde(default)]
    pub shipment_status: Option<String>,
    /// Location.
    #[serde(default)]
    pub location_id: Option<u64>,
    /// Carrier.
    #[serde(default)]
    pub tracking_company: Option<String>,
    /// First tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// All tracking numbers.
    #[serde(default, deserialize_with = "null_default")]
    pub tracking_numbers: Vec<String>,
    /// First tracking URL.
    #[serde(default)]
    pub tracking_url: Option<String>,
    /// All tracking URLs.
    #[serde(default, deserialize_with = "null_default")]
    pub tracking_urls: Vec<String>,
    /// Fulfilled line items.
    #[serde(default, deserialize_with = "null_default")]
    pub line_items: Vec<LineItem>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<Timestamp>,
    /// Update time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
}

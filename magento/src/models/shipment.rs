//! Shipments: `POST /V1/order/{orderId}/ship`, and shipments as `GET /V1/shipments` lists them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::document::{DocumentComment, ItemQty};
use crate::lenient;

/// The body of `POST /V1/order/{orderId}/ship`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateShipment {
    /// Lines and quantities; empty ships every remaining line. For a bundle, the parent line
    /// is enough.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemQty>,
    /// E-mail the shipment to the customer.
    pub notify: bool,
    /// Include the comment in the e-mail.
    #[serde(rename = "appendComment", skip_serializing_if = "std::ops::Not::not")]
    pub append_comment: bool,
    /// A comment stored with the shipment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<DocumentComment>,
    /// Tracking numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<Track>,
}

/// A tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    /// The tracking number.
    pub track_number: String,
    /// The carrier's display name, e.g. "United Parcel Service".
    pub title: String,
    /// The carrier code: `ups`, `usps`, `fedex`, `dhl`, or `custom`.
    pub carrier_code: String,
}

impl Track {
    /// A tracking number with its carrier code and title.
    pub fn new(
        carrier_code: impl Into<String>,
        title: impl Into<String>,
        track_number: impl Into<String>,
    ) -> Self {
        Self {
            track_number: track_number.into(),
            title: title.into(),
            carrier_code: carrier_code.into(),
        }
    }
}

/// A shipment as `GET /V1/shipments` and `GET /V1/shipment/{id}` return it
/// (`SalesShipmentInterface`): what a dispute's evidence needs of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Shipment {
    /// The shipment id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// The customer-facing shipment number.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub increment_id: Option<String>,
    /// The order id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub order_id: Option<i64>,
    /// When it was created (UTC).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Its tracking numbers.
    #[serde(default, deserialize_with = "lenient::list")]
    pub tracks: Vec<ShipmentTrack>,
}

/// A tracking number of a [`Shipment`] (`SalesShipmentTrackInterface`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ShipmentTrack {
    /// The tracking number.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub track_number: Option<String>,
    /// The carrier's display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// The carrier code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub carrier_code: Option<String>,
    /// When it was added (UTC).
    #[serde(default, deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
}

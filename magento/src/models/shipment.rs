//! Shipments: `POST /V1/order/{orderId}/ship`.

use serde::Serialize;

use super::document::{DocumentComment, ItemQty};

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

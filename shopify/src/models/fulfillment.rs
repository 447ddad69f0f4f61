use crate::gid::Gid;
use serde::{Deserialize, Serialize};

/// `FulfillmentInput` of `fulfillmentCreate` (API 2025-04+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentInput {
    /// Fulfillment orders (and optionally their line items) to fulfil.
    pub line_items_by_fulfillment_order: Vec<FulfillmentOrderLineItems>,
    /// Tracking details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_info: Option<FulfillmentTrackingInfo>,
    /// Whether to notify the buyer.
    pub notify_customer: bool,
}

impl FulfillmentInput {
    /// Fulfils all remaining items of one fulfillment order.
    pub fn whole(fulfillment_order_id: Gid) -> Self {
        Self {
            line_items_by_fulfillment_order: vec![FulfillmentOrderLineItems {
                fulfillment_order_id,
                fulfillment_order_line_items: Vec::new(),
            }],
            tracking_info: None,
            notify_customer: false,
        }
    }

    /// Adds tracking.
    pub fn with_tracking(mut self, tracking: FulfillmentTrackingInfo) -> Self {
        self.tracking_info = Some(tracking);
        self
    }

    /// Sets whether the buyer is notified.
    pub fn with_notify_customer(mut self, notify: bool) -> Self {
        self.notify_customer = notify;
        self
    }
}

/// `FulfillmentOrderLineItemsInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrderLineItems {
    /// The fulfillment order.
    pub fulfillment_order_id: Gid,
    /// Items and quantities; empty means everything remaining.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_order_line_items: Vec<FulfillmentOrderLineItemInput>,
}

/// `FulfillmentOrderLineItemInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FulfillmentOrderLineItemInput {
    /// Fulfillment order line item.
    pub id: Gid,
    /// Quantity.
    pub quantity: u32,
}

/// `FulfillmentTrackingInput`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct FulfillmentTrackingInfo {
    /// Carrier name, e.g. `UPS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Tracking number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Tracking URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl FulfillmentTrackingInfo {
    /// Tracking by carrier and number.
    pub fn new(company: impl Into<String>, number: impl Into<String>) -> Self {
        Self {
            company: Some(company.into()),
            number: Some(number.into()),
            url: None,
        }
    }

    /// Adds a tracking URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }
}

/// The `Fulfillment` returned by `fulfillmentCreate`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fulfillment {
    /// GID.
    pub id: Gid,
    /// Status (`SUCCESS`, ...).
    #[serde(default)]
    pub status: Option<String>,
    /// Tracking entries.
    #[serde(default)]
    pub tracking_info: Vec<TrackingInfo>,
}

/// A `FulfillmentTrackingInfo` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TrackingInfo {
    /// Carrier.
    #[serde(default)]
    pub company: Option<String>,
    /// Number.
    #[serde(default)]
    pub number: Option<String>,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// An order's fulfillment orders and fulfillments, as returned by
/// [`crate::api::Fulfillments::of_order`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderFulfillments {
    /// The order's GID.
    pub id: Gid,
    /// Its fulfillment orders (first 50).
    #[serde(default, deserialize_with = "super::nodes")]
    pub fulfillment_orders: Vec<FulfillmentOrderSummary>,
    /// Its fulfillments (first 50), each with its tracking.
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
}

/// A `FulfillmentOrder`: the id to fulfil and its status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FulfillmentOrderSummary {
    /// GID.
    pub id: Gid,
    /// `FulfillmentOrderStatus`: `OPEN`, `IN_PROGRESS`, `SCHEDULED`, `ON_HOLD`, `INCOMPLETE`,
    /// `CLOSED`, `CANCELLED`.
    pub status: String,
}

impl FulfillmentOrderSummary {
    /// Whether `fulfillmentCreate` can fulfil it now (`OPEN` or `IN_PROGRESS`).
    pub fn is_fulfillable(&self) -> bool {
        matches!(self.status.as_str(), "OPEN" | "IN_PROGRESS")
    }
}

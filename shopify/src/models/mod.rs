//! GraphQL Admin API types: the inputs the operations take and the objects
//! they return. Field names follow the GraphQL schema in snake_case.
//! REST-shaped webhook payloads live in [`rest`].

mod common;
mod customer;
mod fulfillment;
mod metafield;
mod order;
pub(crate) mod order_rest;
mod refund;
pub mod rest;
mod risk;
mod transaction;

pub use common::{Attribute, MoneyBag, MoneyV2, PageInfo};
pub use customer::{
    Customer, CustomerAddressInput, CustomerInput, CustomerSetIdentifier, CustomerSetInput,
};
pub use fulfillment::{
    Fulfillment, FulfillmentInput, FulfillmentOrderLineItemInput, FulfillmentOrderLineItems,
    FulfillmentOrderSummary, FulfillmentTrackingInfo, OrderFulfillments, TrackingInfo,
};
pub use metafield::{CompareDigest, Metafield, MetafieldsSetInput};
pub use order::{
    InvoiceEmail, ManualPaymentInput, Order, OrderCancel, OrderCancelReason, OrderCaptureInput,
    OrderDisplayFinancialStatus, OrderRef, OrderSummary, OrdersPage,
};
pub use refund::{
    Refund, RefundInput, RefundLineItemInput, RefundShippingInput, RestockType, TransactionInput,
};
pub use risk::{
    OrderRiskAssessment, OrderRiskAssessmentCreateInput, OrderRiskSummary, RiskAssessmentResult,
    RiskFact, RiskFactInput, RiskFactSentiment,
};
pub use transaction::{
    OrderTransaction, OrderTransactionKind, OrderTransactionStatus, TransactionRef,
};

/// GraphQL `DateTime` values: RFC 3339 (Shopify sends UTC, `2024-01-15T15:00:00Z`), read and
/// written with `time::serde::rfc3339`.
pub type DateTime = time::OffsetDateTime;

/// Deserializes a connection's `{ nodes: [...] }` into a `Vec`.
pub(crate) fn nodes<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    #[derive(serde::Deserialize)]
    struct Nodes<T> {
        nodes: Vec<T>,
    }
    Ok(<Option<Nodes<T>> as serde::Deserialize>::deserialize(d)?
        .map(|n| n.nodes)
        .unwrap_or_default())
}

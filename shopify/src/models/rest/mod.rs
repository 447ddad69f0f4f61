//! REST-shaped resources, as delivered in webhook bodies (`orders/create`,
//! `refunds/create`, ...) and in the REST Admin API's responses.
//!
//! Shopify serializes webhook bodies as "the full REST resource payload for
//! the topic" (<https://shopify.dev/docs/apps/build/webhooks/delivery-structure>).
//! Ids are `u64`, money is a decimal string parsed into [`rust_decimal::Decimal`]
//! (never binary floating point), and `*_set` fields carry both shop and presentment money.
//! Unknown fields are ignored and unknown enum values are kept as `Other`.

mod customer;
mod dispute;
mod fulfillment;
mod metafield;
mod money;
mod order;
mod refund;
mod transaction;

pub use customer::{
    Customer, CustomerAddress, CustomerDeleted, CustomerRedact, MarketingConsent, RedactedCustomer,
};
pub use dispute::{Dispute, DisputeStatus, DisputeType};
pub use fulfillment::Fulfillment;
pub use metafield::Metafield;
pub use money::{Money, MoneySet};
pub use order::{
    Address, ClientDetails, DiscountAllocation, DiscountApplication, DiscountCode, FinancialStatus,
    LineItem, NameValue, Order, ShippingLine, TaxLine,
};
pub use refund::{OrderAdjustment, Refund, RefundLineItem, RefundShipping, RefundShippingLine};
pub use transaction::{Transaction, TransactionKind, TransactionStatus};

/// Timestamps in REST payloads are RFC 3339 with the shop's UTC offset
/// (`2008-01-10T11:00:00-05:00`); the offset is kept, and the instant is exact.
pub type Timestamp = time::OffsetDateTime;

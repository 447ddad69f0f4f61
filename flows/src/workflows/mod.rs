//! The workflows: the flows that move an order, a payment or a refund across systems, written on
//! the [`workflow`](crate::workflow) layer.
//!
//! | pair | module | features |
//! |---|---|---|
//! | Shopify + PayTrace | [`shopify_paytrace`] | `shopify`, `paytrace` |
//! | Magento + Stripe | [`magento_stripe`] | `magento`, `stripe` |
//!
//! Adding a pair is new flows on the layer, a webhook source if the store or gateway sends
//! webhooks, and mapping modules; the crate's README walks through it.

mod errors;
#[cfg(all(feature = "magento", feature = "stripe"))]
pub mod magento_stripe;
#[cfg(any(
    all(feature = "shopify", feature = "paytrace"),
    all(feature = "magento", feature = "stripe")
))]
mod refund_request;
pub mod screening;
#[cfg(all(feature = "shopify", feature = "paytrace"))]
pub mod shopify_paytrace;

#[cfg(any(
    all(feature = "shopify", feature = "paytrace"),
    all(feature = "magento", feature = "stripe")
))]
pub use refund_request::RefundRequest;

//! The workflows: job handlers that move an order, a payment or a refund across systems.
//!
//! Every step's effect has a key derived from its source event and goes through
//! [`crate::effects::once`], so a duplicate delivery, a retry or a replay never repeats it.

mod errors;
#[cfg(all(feature = "magento", feature = "stripe"))]
pub mod magento_stripe;
#[cfg(all(feature = "shopify", feature = "paytrace"))]
pub mod shopify_paytrace;

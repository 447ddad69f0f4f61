//! The workflows: job handlers that move an order, a payment or a refund across systems.
//!
//! Every step's effect has a key derived from its source event and goes through
//! [`crate::effects::once`], so a duplicate delivery, a retry or a replay never repeats it.

mod errors;
#[cfg(all(feature = "magento", feature = "stripe"))]
pub mod magento_stripe;
#[cfg(all(feature = "shopify", feature = "paytrace"))]
pub mod shopify_paytrace;

/// Decodes a stored webhook body; a body that does not fit is a permanent error naming `what`
/// and the JSON path. Tracking the path costs on every field, so only a failed decode is
/// repeated with it.
#[cfg(any(
    all(feature = "magento", feature = "stripe"),
    all(feature = "shopify", feature = "paytrace")
))]
fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, crate::StepError> {
    serde_json::from_slice(body).or_else(|_| {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            crate::StepError::permanent(format!(
                "{what}: cannot decode `{}`: {}",
                e.path(),
                e.inner()
            ))
        })
    })
}

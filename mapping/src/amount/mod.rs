//! Each provider's way of writing an amount, as explicit converters to and from [`Money`].
//!
//! | provider | wire format | module |
//! |---|---|---|
//! | Stripe | integer in Stripe's minor unit, with its own exponent table and rules | [`stripe`] |
//! | Shopify | decimal string in shop and presentment money | [`shopify`] |
//! | Magento | JSON int, float or string, up to four decimal places | [`magento`] |
//! | PayTrace | JSON number in dollars, at most two decimal places | [`paytrace`] |
//!
//! [`Money`]: crate::Money

pub mod magento;
pub mod paytrace;
pub mod shopify;
pub mod stripe;

//! Integration tests of the `fraud` crate: one binary, one module per area.
#![allow(clippy::float_arithmetic)]

mod decisions;
mod eval;
mod model_file;
mod signals;
mod training;
mod velocity;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use fraud::{AddressFacts, CardFacts, CustomerHistory, OrderFacts, ShopifyRecommendation};
use mapping::{AvsResult, CountryCode, Currency, CvvResult, Money};
use time::OffsetDateTime;
use time::macros::datetime;

/// When the baseline order is placed.
pub const PLACED_AT: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

/// The customer's home address.
pub fn home() -> AddressFacts {
    AddressFacts {
        country: CountryCode::US,
        postal_code: "10001".to_owned(),
        line1: "1 Main St".to_owned(),
    }
}

/// A clean repeat order: every check passes, three earlier orders of 100.00 on average.
pub fn facts() -> OrderFacts {
    OrderFacts {
        placed_at: PLACED_AT,
        amount: Money::from_minor(12_345, Currency::USD),
        card: Some(CardFacts {
            fingerprint: "fp_1".to_owned(),
            last4: None,
        }),
        avs: Some(AvsResult::FullMatch),
        cvv: Some(CvvResult::Match),
        radar: None,
        shopify: Some(ShopifyRecommendation::Accept),
        email: Some("ann@example.com".to_owned()),
        ip: Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7))),
        ip_country: Some(CountryCode::US),
        billing: Some(home()),
        shipping: Some(home()),
        account: None,
        customer: CustomerHistory {
            prior_orders: 3,
            prior_spent: Some(Money::from_minor(30_000, Currency::USD)),
        },
        categories: BTreeSet::from(["apparel".to_owned()]),
    }
}

/// Equal up to float rounding.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

//! Each signal computed from facts, with exact values.

use fraud::{
    FeatureConfig, Features, KeyKind, RadarAssessment, RadarRiskLevel, ShopifyRecommendation,
    Signal, VelocityCounts, Window,
};
use mapping::{AvsResult, CountryCode, Currency, CvvResult, Money};

use super::{close, facts, home};

fn config() -> FeatureConfig {
    FeatureConfig::with_high_risk_categories([" Gift Cards ", "electronics"])
}

fn features(f: &fraud::OrderFacts) -> Features {
    Features::build(f, &VelocityCounts::default(), &config())
}

#[test]
fn a_clean_repeat_order_sets_no_flag_and_exact_amount_values() {
    let f = features(&facts());
    for signal in Signal::ALL {
        let expected = match signal {
            Signal::Amount => 12_346f64.ln(),
            // 123.45 against a mean of 100.00.
            Signal::AmountVsCustomer => 1.2345f64.ln(),
            _ => 0.0,
        };
        assert!(
            close(f.get(signal), expected),
            "{signal}: {}",
            f.get(signal)
        );
    }
}

#[test]
fn avs_results_map_to_their_flags() {
    let cases = [
        (Some(AvsResult::NoMatch), [1.0, 0.0, 0.0]),
        (Some(AvsResult::StreetOnly), [0.0, 1.0, 0.0]),
        (Some(AvsResult::PostalOnly), [0.0, 1.0, 0.0]),
        (Some(AvsResult::Unavailable), [0.0, 0.0, 1.0]),
        (Some(AvsResult::Unknown("Z9".to_owned())), [0.0, 0.0, 1.0]),
        (Some(AvsResult::FullMatch), [0.0, 0.0, 0.0]),
        (None, [0.0, 0.0, 0.0]),
    ];
    for (avs, expected) in cases {
        let mut order = facts();
        order.avs = avs.clone();
        let f = features(&order);
        let got = [
            f.get(Signal::AvsNoMatch),
            f.get(Signal::AvsPartialMatch),
            f.get(Signal::AvsUnavailable),
        ];
        assert_eq!(got, expected, "{avs:?}");
    }
}

#[test]
fn cvv_no_match_is_the_only_cvv_flag() {
    for (cvv, expected) in [
        (Some(CvvResult::NoMatch), 1.0),
        (Some(CvvResult::NotProcessed), 0.0),
        (Some(CvvResult::Unavailable), 0.0),
        (None, 0.0),
    ] {
        let mut order = facts();
        order.cvv = cvv;
        assert_eq!(features(&order).get(Signal::CvvNoMatch), expected);
    }
}

#[test]
fn radar_level_and_score() {
    let mut order = facts();
    order.radar = Some(RadarAssessment {
        risk_level: RadarRiskLevel::Elevated,
        risk_score: Some(67),
    });
    let f = features(&order);
    assert_eq!(f.get(Signal::RadarElevated), 1.0);
    assert_eq!(f.get(Signal::RadarHighest), 0.0);
    assert!(close(f.get(Signal::RadarScore), 0.67));

    order.radar = Some(RadarAssessment {
        risk_level: RadarRiskLevel::Highest,
        risk_score: None,
    });
    let f = features(&order);
    assert_eq!(
        [
            f.get(Signal::RadarElevated),
            f.get(Signal::RadarHighest),
            f.get(Signal::RadarScore)
        ],
        [0.0, 1.0, 0.0]
    );
}

#[test]
fn shopify_recommendation_flags() {
    for (rec, expected) in [
        (ShopifyRecommendation::Investigate, [1.0, 0.0]),
        (ShopifyRecommendation::Cancel, [0.0, 1.0]),
        (ShopifyRecommendation::None, [0.0, 0.0]),
        (
            ShopifyRecommendation::Unknown("LATER".to_owned()),
            [0.0, 0.0],
        ),
    ] {
        let mut order = facts();
        order.shopify = Some(rec.clone());
        let f = features(&order);
        assert_eq!(
            [
                f.get(Signal::ShopifyInvestigate),
                f.get(Signal::ShopifyCancel)
            ],
            expected,
            "{rec:?}"
        );
    }
}

#[test]
fn velocity_counts_become_log_counts_in_their_slots() {
    let mut counts = VelocityCounts::default();
    counts.set(KeyKind::Card, Window::Hour, 3);
    counts.set(KeyKind::ShippingAddress, Window::Week, 7);
    let f = Features::build(&facts(), &counts, &config());
    for key in KeyKind::ALL {
        for window in Window::ALL {
            let expected = match (key, window) {
                (KeyKind::Card, Window::Hour) => 4f64.ln(),
                (KeyKind::ShippingAddress, Window::Week) => 8f64.ln(),
                _ => 0.0,
            };
            let signal = Signal::Velocity { key, window };
            assert!(close(f.get(signal), expected), "{signal}");
            assert!(close(
                signal.natural_value(f.get(signal)),
                expected.exp() - 1.0
            ));
        }
    }
}

#[test]
fn address_mismatch_ignores_case_spaces_and_punctuation_but_not_a_new_place() {
    let mut order = facts();
    let mut shipping = home();
    shipping.line1 = "  1 main st. ".to_owned();
    shipping.postal_code = "100 01".to_owned();
    order.shipping = Some(shipping);
    assert_eq!(features(&order).get(Signal::BillingShippingMismatch), 0.0);

    let mut elsewhere = home();
    elsewhere.line1 = "2 Main St".to_owned();
    order.shipping = Some(elsewhere);
    assert_eq!(features(&order).get(Signal::BillingShippingMismatch), 1.0);

    order.billing = None;
    assert_eq!(features(&order).get(Signal::BillingShippingMismatch), 0.0);
}

#[test]
fn ip_country_against_billing_and_shipping() {
    let mut order = facts();
    let mut abroad = home();
    abroad.country = CountryCode::CA;
    order.shipping = Some(abroad);
    order.ip_country = Some(CountryCode::CA);
    let f = features(&order);
    assert_eq!(f.get(Signal::IpCountryNotBilling), 1.0);
    assert_eq!(f.get(Signal::IpCountryNotShipping), 0.0);

    order.ip_country = None;
    let f = features(&order);
    assert_eq!(f.get(Signal::IpCountryNotBilling), 0.0);
    assert_eq!(f.get(Signal::IpCountryNotShipping), 0.0);
}

#[test]
fn first_order_has_no_customer_ratio() {
    let mut order = facts();
    order.customer = fraud::CustomerHistory::default();
    let f = features(&order);
    assert_eq!(f.get(Signal::FirstOrder), 1.0);
    assert_eq!(f.get(Signal::AmountVsCustomer), 0.0);
}

#[test]
fn customer_history_in_another_currency_gives_no_ratio() {
    let mut order = facts();
    order.customer.prior_spent = Some(Money::from_minor(30_000, Currency::CAD));
    assert_eq!(features(&order).get(Signal::AmountVsCustomer), 0.0);
}

#[test]
fn high_risk_categories_match_without_case_or_spaces() {
    let mut order = facts();
    order.categories.insert("gift cards".to_owned());
    assert_eq!(features(&order).get(Signal::HighRiskCategory), 1.0);
    order.categories.clear();
    order.categories.insert("Electronics ".to_owned());
    assert_eq!(features(&order).get(Signal::HighRiskCategory), 1.0);
    assert_eq!(
        Features::build(
            &order,
            &VelocityCounts::default(),
            &FeatureConfig::default()
        )
        .get(Signal::HighRiskCategory),
        0.0
    );
}

#[test]
fn signal_names_are_unique_and_read_back() {
    let names: std::collections::BTreeSet<String> =
        Signal::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(names.len(), Signal::COUNT);
    for (i, signal) in Signal::ALL.into_iter().enumerate() {
        assert_eq!(signal.index(), i);
        assert_eq!(Signal::from_name(&signal.to_string()), Some(signal));
    }
    assert_eq!(
        Signal::Velocity {
            key: KeyKind::ShippingAddress,
            window: Window::Day
        }
        .to_string(),
        "velocity_shipping_address_24h"
    );
    assert_eq!(Signal::from_name("velocity_card_2h"), None);
}

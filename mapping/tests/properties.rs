//! Property tests: money survives every provider format for every ISO currency, or fails with a
//! typed error; no input panics.
#![allow(clippy::unwrap_used)]

use mapping::amount::{magento, paytrace, shopify, stripe};
use mapping::{CountryCode, Currency, MappingError, Money, address, decimal};
use proptest::prelude::*;

fn any_currency() -> impl Strategy<Value = Currency> {
    let all: Vec<Currency> = Currency::all().collect();
    proptest::sample::select(all)
}

/// Any amount: JSON numbers are read from their text, so no range is limited to what a double
/// carries.
fn money() -> impl Strategy<Value = Money> {
    (any_currency(), any::<i64>()).prop_map(|(c, m)| Money::from_minor(m, c))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn major_text_round_trips(money in money()) {
        let text = money.format_major();
        prop_assert_eq!(Money::parse_major(&text, money.currency(), "a").unwrap(), money);
    }

    #[test]
    fn one_more_decimal_place_is_refused(money in money(), digit in 1u8..=9) {
        let mut text = money.format_major();
        if money.currency().exponent() == 0 {
            text.push('.');
        }
        text.push(char::from(b'0' + digit));
        let err = Money::parse_major(&text, money.currency(), "price").unwrap_err();
        prop_assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{}", err);
        prop_assert_eq!(err.field(), "price");
    }

    #[test]
    fn shopify_round_trips(money in money()) {
        let text = shopify::format_shopify_amount(&money);
        let back = shopify::parse_shopify_money(&text, money.currency().code(), "total").unwrap();
        prop_assert_eq!(back, money);
    }

    #[test]
    fn magento_round_trips_as_string_int_and_float(money in money()) {
        let major = magento::to_magento_amount(&money);
        let as_string = serde_json::Value::String(major.to_string());
        prop_assert_eq!(magento::parse_magento_amount(&as_string, money.currency(), "a").unwrap(), money);
        // A JSON number of the same value, as Magento sends it, read from its text.
        let as_float: serde_json::Value = serde_json::from_str(&major.to_string()).unwrap();
        prop_assert_eq!(magento::parse_magento_amount(&as_float, money.currency(), "a").unwrap(), money);
    }

    #[test]
    fn paytrace_round_trips_usd_and_refuses_the_rest(minor in 1_i64..=99_999_999_999, currency in any_currency()) {
        let money = Money::from_minor(minor, Currency::USD);
        let dollars = paytrace::to_paytrace_amount(&money, "amount").unwrap();
        let json: serde_json::Value = serde_json::from_str(&dollars.to_string()).unwrap();
        prop_assert_eq!(paytrace::from_paytrace_amount(&json, "amount").unwrap(), money);
        if currency != Currency::USD {
            let other = Money::from_minor(minor, currency);
            let refused = matches!(paytrace::to_paytrace_amount(&other, "amount"), Err(MappingError::Unrepresentable { .. }));
            prop_assert!(refused);
        }
    }

    #[test]
    fn stripe_round_trips_or_says_why(money in money(), payout in any::<bool>()) {
        let usage = if payout { stripe::StripeAmountUse::Payout } else { stripe::StripeAmountUse::Charge };
        match stripe::to_stripe_amount(&money, usage, "amount") {
            Ok(wire) => {
                prop_assert_eq!(stripe::from_stripe_amount(wire, money.currency(), "amount").unwrap(), money);
                let code = money.currency().code();
                if stripe::THREE_DECIMAL.contains(&code) {
                    prop_assert_eq!(wire % 10, 0);
                }
                if code == "ISK" || (payout && stripe::WHOLE_UNIT_PAYOUTS.contains(&code)) {
                    prop_assert_eq!(wire % 100, 0);
                }
            }
            Err(err) => {
                let typed = matches!(err, MappingError::Unrepresentable { .. } | MappingError::AmountOutOfRange { .. });
                prop_assert!(typed, "{}", err);
                prop_assert_eq!(err.field(), "amount");
            }
        }
    }

    #[test]
    fn stripe_reported_amounts_map_back_exactly(amount in -99_999_999_999_i64..=99_999_999_999, currency in any_currency()) {
        if let Ok(money) = stripe::from_stripe_amount(amount, currency, "amount") {
            // Whatever Stripe reports and we accept converts back to the same integer.
            let back = stripe::to_stripe_amount(&money, stripe::StripeAmountUse::Payout, "amount");
            if let Ok(back) = back {
                prop_assert_eq!(back, amount);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,64}") {
        let _ = decimal::parse_decimal(&text, "a");
        let _ = mapping::currency::parse_currency(&text, "c");
        let _ = CountryCode::parse(&text, "c");
        let _ = address::postal_code(CountryCode::US, &text, "z");
        let _ = address::postal_code(CountryCode::CA, &text, "z");
        let _ = address::region_code(CountryCode::US, &text, "r");
        let _ = address::split_name(&text, "n");
        let _ = mapping::Last4::from_masked(&text, "l");
        let _ = mapping::reference::order_reference(&text, &text, mapping::reference::ReferenceField::PaytraceInvoiceId);
    }

    #[test]
    fn references_fit_and_are_stable(prefix in "[A-Za-z0-9#-]{0,8}", number in "[A-Za-z0-9#/ -]{1,60}") {
        use mapping::reference::{order_reference, ReferenceField};
        for field in [ReferenceField::PaytraceInvoiceId, ReferenceField::StripeMetadata] {
            if let Ok(r) = order_reference(&prefix, &number, field) {
                prop_assert!(r.len() <= field.max_len());
                prop_assert!(r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
                prop_assert_eq!(order_reference(&prefix, &number, field).unwrap(), r);
            }
        }
    }
}

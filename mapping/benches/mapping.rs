//! Benchmarks of the hot transforms: money parsing and formatting, provider amount formats,
//! status tables and address normalization.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mapping::amount::{magento, stripe};
use mapping::{CountryCode, Currency, Money, address, status};

fn money(c: &mut Criterion) {
    c.bench_function("money/parse_major 36.45 USD", |b| {
        b.iter(|| Money::parse_major(black_box("36.45"), Currency::USD, "total").unwrap())
    });
    let m = Money::from_minor(3645, Currency::USD);
    c.bench_function("money/format_major", |b| {
        b.iter(|| black_box(m).format_major())
    });
    c.bench_function("money/currency parse", |b| {
        b.iter(|| mapping::currency::parse_currency(black_box("usd"), "currency").unwrap())
    });
    c.bench_function("amount/stripe to_stripe_amount", |b| {
        b.iter(|| {
            stripe::to_stripe_amount(black_box(&m), stripe::StripeAmountUse::Charge, "amount")
                .unwrap()
        })
    });
    let float = serde_json::json!(36.45);
    c.bench_function("amount/magento float", |b| {
        b.iter(|| magento::parse_magento_amount(black_box(&float), Currency::USD, "price").unwrap())
    });
}

fn statuses(c: &mut Criterion) {
    c.bench_function("status/stripe payment_intent", |b| {
        b.iter(|| status::stripe::payment_intent_status(black_box("requires_capture")))
    });
    c.bench_function("status/shopify financial_status", |b| {
        b.iter(|| status::shopify::parse_financial_status(black_box("partially_refunded")))
    });
}

fn addresses(c: &mut Criterion) {
    c.bench_function("address/country name", |b| {
        b.iter(|| CountryCode::parse(black_box("United States"), "country").unwrap())
    });
    c.bench_function("address/us state name", |b| {
        b.iter(|| address::region_code(CountryCode::US, black_box("New York"), "region").unwrap())
    });
    c.bench_function("address/zip+4", |b| {
        b.iter(|| address::postal_code(CountryCode::US, black_box("123456789"), "zip").unwrap())
    });
}

/// DESIGN.md's target: parsing a Shopify `orders/create` body into typed structs and mapping it into
/// a PayTrace sale request must beat parsing the same bytes into `serde_json::Value`.
#[cfg(all(feature = "shopify", feature = "paytrace"))]
fn webhook_to_sale(c: &mut Criterion) {
    use mapping::{Order, System};

    // Shopify's official sample, with its Canadian postal code in a US address corrected.
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/fixtures/shopify/orders_create_webhook_sample_shopify_canonical_2019.json"
    ))
    .unwrap();
    let mut sample = fixture["payload"].clone();
    sample["billing_address"]["zip"] = serde_json::json!("40202");
    let bytes = serde_json::to_vec(&sample).unwrap();
    let ctx = mapping::paytrace::OrderCtx {
        store_prefix: "S1",
        email_receipt: false,
    };

    c.bench_function(
        "shopify orders/create -> PayTrace sale request (typed)",
        |b| {
            b.iter(|| {
                let webhook: shopify::rest::Order =
                    serde_json::from_slice(black_box(&bytes)).unwrap();
                let mut order = Order::try_from(&webhook).unwrap();
                order
                    .customer
                    .get_or_insert_with(Default::default)
                    .ids
                    .set(System::Paytrace, "vault-1");
                mapping::paytrace::to_customer_request(&order, &ctx).unwrap()
            })
        },
    );
    c.bench_function("shopify orders/create -> serde_json::Value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
    });
}

#[cfg(not(all(feature = "shopify", feature = "paytrace")))]
fn webhook_to_sale(_: &mut Criterion) {}

criterion_group!(benches, money, statuses, addresses, webhook_to_sale);
criterion_main!(benches);

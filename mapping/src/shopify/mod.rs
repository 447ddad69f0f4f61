//! Conversions between the `shopify` client crate's types and the canonical model.
//!
//! | direction | item | where |
//! |---|---|---|
//! | Shopify to canonical | `orders/create`, `orders/paid`, `orders/updated` body (`TryFrom<&rest::Order> for Order`) | [`order`] |
//! | Shopify to canonical | order and customer addresses ([`address_from_shopify`]) | this module |
//! | Shopify to canonical | `customers/create`, `customers/update` body (`TryFrom<&rest::Customer> for Customer`) | [`customer`] |
//! | canonical to Shopify | `Customer` into `customerCreate` / `customerSet` / `customerUpdate` inputs ([`to_customer_input`], [`to_customer_update_input`], [`customer_set_identifier`]) | [`customer`] |
//! | canonical to Shopify | `Payment` into `orderMarkAsPaid` ([`to_order_mark_as_paid`]), `orderCreateManualPayment` ([`to_manual_payment`]) and `metafieldsSet` ([`to_payment_metafields`]) inputs | [`payment`] |
//! | both | `FinancialStatus` to and from the REST and GraphQL financial status enums (`From`, [`to_display_financial_status`], [`to_rest_financial_status`]) | [`payment`] |
//! | Shopify to canonical | `refunds/create` body ([`refund_from_shopify`], `TryFrom<&rest::Refund> for Refund`) | [`refund`] |
//! | Shopify to canonical | `disputes/create` body (`TryFrom<&rest::Dispute> for Dispute`, [`dispute_status`]) | [`refund`] |
//!
//! Error paths name the **Shopify** field when reading Shopify data (`order.line_items[2].price`,
//! `refund.transactions[0].gateway`) and the **canonical** field when writing to Shopify
//! (`payment.amount`, `customer.address.country`).
//!
//! Amounts: the client crate parses Shopify's decimal strings into exact [`Decimal`]s; they become
//! [`Money`] through [`Money::from_major`] with the currency named next to them. An extra decimal
//! place is a [`MappingError::PrecisionLoss`], never a rounding.
//!
//! Sources of the Shopify facts relied on here:
//! - the `shopify` client crate's README and `models::rest` (webhook bodies are the REST resource
//!   payloads, per <https://shopify.dev/docs/apps/build/webhooks/delivery-structure>);
//! - the official REST Admin 2025-10 fixtures of `Shopify/shopify-app-js` and Shopify's sample
//!   `orders/create` payload, copied to `tests/fixtures/shopify/` (see its README): shop-currency
//!   plain fields (`total_price`, `price`, `total_tax`) next to `*_set` bags with shop and
//!   presentment money; `name` is the `#1001` display number; line discounts arrive as
//!   `discount_allocations` (the line's `total_discount` stays `"0.00"` in the 2025-10 fixture
//!   while its allocations carry the discount, so the allocations are what is read);
//! - the REST Order reference (<https://shopify.dev/docs/api/admin-rest/latest/resources/order>):
//!   `price`, `discount_allocations[].amount`, `tax_lines[].price` are in shop currency;
//! - `OrderDisplayFinancialStatus` (<https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus>),
//!   through [`crate::status::shopify`];
//! - `orderMarkAsPaid` marks the order's whole outstanding balance as paid, and
//!   `orderCreateManualPayment` records a part payment (client crate docs); `metafieldsSet` values
//!   are strings with a metafield `type` (client crate `MetafieldsSetInput`).
//!
//! Unconfirmed (not checked against a live store):
//! - that `total_discounts` holds line and shipping discounts together, so that what remains after
//!   the line allocations is the order-level (shipping) discount; the fixtures only have line
//!   discounts, for which the remainder is 0;
//! - how a multi-currency refund's parts add up to its transactions (see [`refund`]: the shop
//!   amount is taken from the parts' `*_set` shop money only when their presentment money adds up
//!   to the transactions exactly, so a misreading is refused, never booked);
//! - the `disputes/create` body: no official sample exists; the client crate types it from the
//!   REST Dispute resource's field list.
//!
//! [`Decimal`]: rust_decimal::Decimal
//! [`Money`]: crate::Money
//! [`Money::from_major`]: crate::Money::from_major
//! [`MappingError::PrecisionLoss`]: crate::MappingError::PrecisionLoss

pub mod customer;
pub mod order;
pub mod payment;
pub mod refund;

pub use customer::{customer_set_identifier, to_customer_input, to_customer_update_input};
pub use payment::{
    METAFIELD_CUSTOMER_PAYTRACE_VAULT_ID, METAFIELD_GATEWAY, METAFIELD_NAMESPACE,
    METAFIELD_TRANSACTION_ID, METAFIELD_TYPE, METAFIELD_VAULT_ID, order_gid,
    to_customer_vault_metafield, to_display_financial_status, to_manual_payment,
    to_order_mark_as_paid, to_payment_metafields, to_rest_financial_status,
};
pub use refund::{RefundCtx, dispute_status, gateway_system, refund_from_shopify};

use rust_decimal::Decimal;
use shopify::{Gid, rest};

use crate::address::{self, CountryCode};
use crate::{Address, Currency, MappingError, Money};

// Shopify sends `""` and `null` alike for "none".
use crate::text::non_blank_owned as text;

/// The GID of a `resource` (`Order`, `Customer`) from the id kept under [`crate::System::Shopify`]:
/// the REST id as decimal text (what this module stores) or a whole GID.
fn shopify_gid(id: &str, resource: &str, field: &str) -> Result<Gid, MappingError> {
    let parsed = match Gid::parse(id.trim()) {
        Some(gid) => (gid.resource() == resource && gid.numeric_id().is_some()).then_some(gid),
        None => id.trim().parse::<u64>().ok().map(|n| Gid::new(resource, n)),
    };
    parsed.ok_or_else(|| MappingError::InvalidValue {
        field: field.to_owned(),
        value: id.to_owned(),
        expected: "Shopify numeric id or GID of the right resource",
    })
}

/// A shop-currency amount; `field` names it in the error.
fn money(amount: Decimal, currency: Currency, field: &str) -> Result<Money, MappingError> {
    Money::from_major(amount, currency, field)
}

/// Re-points an arithmetic error (which names `amount` or `currency`) at `field`, the Shopify
/// field whose value overflowed or mixed currencies.
fn at_field(err: MappingError, field: &str) -> MappingError {
    match err {
        MappingError::AmountOutOfRange { value, reason, .. } => MappingError::AmountOutOfRange {
            field: field.to_owned(),
            value,
            reason,
        },
        MappingError::CurrencyMismatch { left, right, .. } => MappingError::CurrencyMismatch {
            field: field.to_owned(),
            left,
            right,
        },
        other => other.at(field),
    }
}

/// A required amount; `None` is a [`MappingError::MissingField`].
fn required_money(
    amount: Option<Decimal>,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    let amount = amount.ok_or_else(|| MappingError::MissingField {
        field: field.to_owned(),
    })?;
    money(amount, currency, field)
}

/// One side of a `*_set` bag (`shop_money` or `presentment_money`) with its own currency;
/// errors are relative to `field` (`field.amount`, `field.currency_code`).
fn set_money(value: &rest::Money, field: &str) -> Result<Money, MappingError> {
    let currency =
        crate::currency::parse_currency(&value.currency_code, &format!("{field}.currency_code"))?;
    money(value.amount, currency, &format!("{field}.amount"))
}

/// A Shopify address (an order's billing or shipping address, a customer's saved address) in
/// canonical form. Errors are relative to the address (`zip`, `province_code`, `country_code`).
///
/// The ISO `country_code` is preferred to the display `country`, and `province_code` to
/// `province`; US and Canadian regions and postal codes are checked by [`crate::address`]. Without
/// a country, region and postal code are kept as given: there is nothing to check them against.
/// First and last names come from `first_name` / `last_name`, or from splitting `name` when both
/// are blank.
pub fn address_from_shopify(address: &rest::Address) -> Result<Address, MappingError> {
    let country = match (
        text(address.country_code.as_deref()),
        text(address.country.as_deref()),
    ) {
        (Some(code), _) => Some(CountryCode::parse(&code, "country_code")?),
        (None, Some(name)) => Some(CountryCode::parse(&name, "country")?),
        (None, None) => None,
    };
    let region = match (
        text(address.province_code.as_deref()),
        text(address.province.as_deref()),
    ) {
        (Some(code), _) => Some((code, "province_code")),
        (None, Some(name)) => Some((name, "province")),
        (None, None) => None,
    };
    let region_code = match (region, country) {
        (Some((input, field)), Some(country)) => {
            Some(address::region_code(country, &input, field)?)
        }
        (Some((input, _)), None) => Some(input),
        (None, _) => None,
    };
    let postal_code = match (text(address.zip.as_deref()), country) {
        (Some(zip), Some(country)) => Some(address::postal_code(country, &zip, "zip")?),
        (zip, _) => zip,
    };
    let (mut first_name, mut last_name) = (
        text(address.first_name.as_deref()),
        text(address.last_name.as_deref()),
    );
    if first_name.is_none() && last_name.is_none() {
        if let Some(name) = text(address.name.as_deref()) {
            let split = address::split_name(&name, "name")?;
            first_name = text(Some(&split.first));
            last_name = text(Some(&split.last));
        }
    }
    Ok(Address {
        first_name,
        last_name,
        company: text(address.company.as_deref()),
        lines: address::street_lines(
            [address.address1.as_deref(), address.address2.as_deref()]
                .into_iter()
                .flatten(),
        ),
        city: text(address.city.as_deref()),
        region_code,
        postal_code,
        country,
        phone: text(address.phone.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw(edit: impl FnOnce(&mut serde_json::Value)) -> rest::Address {
        let mut value = serde_json::json!({
            "first_name": "Bob", "last_name": "Norman", "name": "Bob Norman",
            "address1": "Chestnut Street 92", "address2": "", "city": "Louisville",
            "province": "Kentucky", "province_code": "KY", "country": "United States",
            "country_code": "US", "zip": "40202", "phone": "+1(502)-459-2181", "company": null
        });
        edit(&mut value);
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_codes_first_and_checks_them() {
        let address = address_from_shopify(&raw(|_| {})).unwrap();
        assert_eq!(address.country, Some(CountryCode::US));
        assert_eq!(address.region_code.as_deref(), Some("KY"));
        assert_eq!(address.postal_code.as_deref(), Some("40202"));
        assert_eq!(address.lines, vec!["Chestnut Street 92".to_owned()]);
        assert_eq!(address.company, None);
        assert_eq!(address.phone.as_deref(), Some("+1(502)-459-2181"));
    }

    #[test]
    fn falls_back_to_names() {
        let address = address_from_shopify(&raw(|v| {
            v["country_code"] = serde_json::Value::Null;
            v["province_code"] = serde_json::Value::Null;
            v["country"] = "Canada".into();
            v["province"] = "Québec".into();
            v["zip"] = "h2x1y4".into();
            v["first_name"] = "".into();
            v["last_name"] = serde_json::Value::Null;
            v["name"] = "Mary Ann Smith".into();
        }))
        .unwrap();
        assert_eq!(address.country.unwrap().as_str(), "CA");
        assert_eq!(address.region_code.as_deref(), Some("QC"));
        assert_eq!(address.postal_code.as_deref(), Some("H2X 1Y4"));
        assert_eq!(address.first_name.as_deref(), Some("Mary Ann"));
        assert_eq!(address.last_name.as_deref(), Some("Smith"));
    }

    #[test]
    fn without_a_country_nothing_is_checked() {
        let address = address_from_shopify(&raw(|v| {
            v["country_code"] = serde_json::Value::Null;
            v["country"] = serde_json::Value::Null;
            v["zip"] = " k2p0b0 ".into();
        }))
        .unwrap();
        assert_eq!(address.country, None);
        assert_eq!(address.region_code.as_deref(), Some("KY"));
        assert_eq!(address.postal_code.as_deref(), Some("k2p0b0"));
    }

    #[test]
    fn errors_name_the_shopify_field() {
        type Edit = fn(&mut serde_json::Value);
        let cases: [(Edit, &str); 4] = [
            (|v| v["zip"] = "K2P0B0".into(), "zip"),
            (|v| v["province_code"] = "ZZ".into(), "province_code"),
            (|v| v["country_code"] = "QQ".into(), "country_code"),
            (
                |v| {
                    v["country_code"] = serde_json::Value::Null;
                    v["country"] = "Atlantis".into();
                },
                "country",
            ),
        ];
        for (edit, field) in cases {
            let err = address_from_shopify(&raw(edit)).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
    }

    #[test]
    fn gids_from_stored_ids() {
        let gid = shopify_gid("450789469", "Order", "order.ids.shopify").unwrap();
        assert_eq!(gid.as_str(), "gid://shopify/Order/450789469");
        let gid = shopify_gid("gid://shopify/Order/1", "Order", "f").unwrap();
        assert_eq!(gid.numeric_id(), Some(1));
        for bad in [
            "gid://shopify/Customer/1",
            "#1001",
            "",
            "gid://shopify/Order/x",
        ] {
            let err = shopify_gid(bad, "Order", "order.ids.shopify").unwrap_err();
            assert_eq!(err.field(), "order.ids.shopify");
        }
    }
}

//! Conversions between the `magento` client crate's types and the canonical model.
//!
//! | direction | item | where |
//! |---|---|---|
//! | Magento to canonical | order (`TryFrom<&magento::Order> for Order`, [`order_from_magento`]) | [`order`] |
//! | Magento to canonical | financial status from state, status and paid/refunded totals ([`financial_status`]) | [`order`] |
//! | Magento to canonical | order address (flat region) and customer address (region object) | [`order`], [`customer`] |
//! | canonical to Magento | `FinancialStatus` into state and status ([`to_magento_order_status`]) | [`payment`] |
//! | canonical to Magento | `Payment` into an invoice ([`to_magento_invoice`]), a history comment ([`to_magento_payment_comment`]) and a failed-payment record ([`to_magento_payment_failure`]) | [`payment`] |
//! | both | `Customer` to and from a Magento customer ([`to_magento_customer`], `TryFrom<&magento::Customer>`) | [`customer`] |
//!
//! Error paths name the **Magento** field when reading Magento data (`order.items[2].price`,
//! `order.extension_attributes.shipping_assignments[0].shipping.address.postcode`), so the bad
//! value can be found in the payload, and the **canonical** field when writing to Magento
//! (`payment.amount`, `customer.address.lines`).
//!
//! Amounts: the client crate already reads Magento's int / float / string numbers into exact
//! [`Decimal`]s; they become [`Money`] through [`Money::from_major`], the same rule as
//! [`crate::amount::magento::parse_magento_amount`]: Magento keeps four decimal places
//! (`decimal(20,4)`), trailing zeros are fine, any other extra digit is a
//! [`MappingError::PrecisionLoss`], never a rounding.
//!
//! Sources of the Magento facts relied on here:
//! - the official admin REST schema for 2.4.8 and Adobe's REST tutorials (the order, invoice and
//!   customer samples copied to `tests/fixtures/magento/`), via the workspace's
//!   `reference/magento/NOTES.md`: `entity_id` vs `increment_id`, `base_*` vs order-currency
//!   amounts, the shipping address under `extension_attributes.shipping_assignments`, region
//!   objects on customer addresses and flat regions on order addresses, the built-in
//!   state/status pairs, no built-in "payment failed" status;
//! - the `magento` client crate's README and models (what is typed, `null` handling, the
//!   failed-payment procedure for 2.4.7+);
//! - Magento's parent/child order items: a configurable parent carries the price and its simple
//!   child carries 0; bundle children carry the prices when the bundle is priced dynamically
//!   ("children calculated") and 0 when it has a fixed price. This follows Magento's
//!   `Sales\Model\Order\Item::isDummy()`; it was not checked against a live store.
//!
//! Unconfirmed: the exact quantities on dynamic-bundle children (taken as they are, Magento
//! stores the absolute child quantity); whether Magento resolves a customer address region from
//! `region_code` + `country_id` without a `region_id` (it does in `AbstractAddress::getRegionId`
//! in the versions read, not checked live).
//!
//! [`Decimal`]: rust_decimal::Decimal
//! [`Money`]: crate::Money
//! [`Money::from_major`]: crate::Money::from_major
//! [`MappingError::PrecisionLoss`]: crate::MappingError::PrecisionLoss

pub mod customer;
pub mod order;
pub mod payment;

pub use customer::{CustomerCtx, to_magento_customer};
pub use order::{AmountBasis, financial_status, order_from_magento};
pub use payment::{
    CaptureMode, FailureCtx, InvoiceCtx, OrderStatusUpdate, to_magento_invoice,
    to_magento_invoice_items, to_magento_order_status, to_magento_payment_comment,
    to_magento_payment_failure,
};

use rust_decimal::Decimal;

use crate::address::{self, CountryCode};
use crate::{Currency, MappingError, Money};

/// A required Magento amount in `currency`; `None` is a [`MappingError::MissingField`].
fn required_money(
    value: Option<Decimal>,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    let value = value.ok_or_else(|| MappingError::MissingField {
        field: field.to_owned(),
    })?;
    Money::from_major(value, currency, field)
}

/// An amount Magento leaves `null` when there is none (a line without tax or discount): `None`
/// is zero.
fn money_or_zero(
    value: Option<Decimal>,
    currency: Currency,
    field: &str,
) -> Result<Money, MappingError> {
    value.map_or(Ok(Money::zero(currency)), |v| {
        Money::from_major(v, currency, field)
    })
}

// Magento sends `""` for empty optional fields.
use crate::text::non_blank_owned as text;

/// The pieces of an address both Magento address shapes have, by reference.
struct RawAddress<'a> {
    firstname: Option<&'a str>,
    lastname: Option<&'a str>,
    company: Option<&'a str>,
    street: &'a [String],
    city: Option<&'a str>,
    region_code: Option<&'a str>,
    region: Option<&'a str>,
    postcode: Option<&'a str>,
    country_id: Option<&'a str>,
    telephone: Option<&'a str>,
}

/// A canonical address from either Magento address shape. `region_field` names where the region
/// came from (`region_code` on orders, `region.region_code` on customers). Errors name fields
/// relative to the address; callers place them with [`MappingError::at`].
fn address_from_raw(
    raw: &RawAddress<'_>,
    region_field: &str,
) -> Result<crate::Address, MappingError> {
    let country = text(raw.country_id)
        .map(|c| CountryCode::parse(&c, "country_id"))
        .transpose()?;
    let region_code = text(raw.region_code);
    let region_name = text(raw.region);
    // The code is what the directory keys on; the name is the fallback for free-text regions.
    let (region_input, field) = match (&region_code, &region_name) {
        (Some(code), _) => (Some(code.as_str()), region_field.to_owned()),
        (None, Some(name)) => (
            Some(name.as_str()),
            region_field
                .strip_suffix("_code")
                .unwrap_or(region_field)
                .to_owned(),
        ),
        (None, None) => (None, String::new()),
    };
    let region_code = match (region_input, country) {
        (Some(input), Some(country)) => Some(address::region_code(country, input, &field)?),
        (Some(input), None) => Some(input.to_owned()),
        (None, _) => None,
    };
    let postal_code = match (text(raw.postcode), country) {
        (Some(code), Some(country)) => Some(address::postal_code(country, &code, "postcode")?),
        (code, _) => code,
    };
    Ok(crate::Address {
        first_name: text(raw.firstname),
        last_name: text(raw.lastname),
        company: text(raw.company),
        lines: address::street_lines(raw.street.iter().map(String::as_str)),
        city: text(raw.city),
        region_code,
        postal_code,
        country,
        phone: text(raw.telephone),
    })
}

/// How a gateway is named in comments people read.
fn system_name(system: crate::System) -> &'static str {
    match system {
        crate::System::Shopify => "Shopify",
        crate::System::Magento => "Magento",
        crate::System::Paytrace => "PayTrace",
        crate::System::Stripe => "Stripe",
        crate::System::Erp => "ERP",
        crate::System::Warehouse => "Warehouse",
    }
}

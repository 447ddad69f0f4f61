//! Magento orders into canonical [`Order`]s.
//!
//! # Currency
//!
//! A Magento order carries every amount twice: `base_*` in the website's base currency
//! (`base_currency_code`) and the plain fields in the order currency (`order_currency_code`, the
//! currency the customer chose in the store front). The canonical order uses the **order
//! currency** ([`AmountBasis::Order`], what `TryFrom` does): it is what the customer saw and
//! agreed to pay, so it is the amount a gateway (the Stripe PaymentIntent of the Magento flow)
//! must charge and the amount the invoice and comments talk about. `presentment_total` is then
//! `None`: the amounts already are the customer's.
//!
//! A caller that books in the website's currency (an ERP whose ledger is in the base currency)
//! uses [`order_from_magento`] with [`AmountBasis::Base`]: every amount is then the `base_*`
//! one, and `presentment_total` is the order-currency `grand_total` when the two currencies
//! differ (and `None` when they are the same).
//!
//! # Parent and child lines
//!
//! Configurable and bundle products appear as a parent line plus child lines pointing to it with
//! `parent_item_id`. Exactly one side is counted:
//! - if any child carries a non-zero `price` or `row_total` (a dynamically priced bundle, whose
//!   children Magento calculates), the children become the canonical lines and the parent is
//!   dropped;
//! - otherwise (a configurable product, a fixed-price bundle) the parent is the line, with its
//!   own price, discount, tax and quantity, and the children are dropped; a configurable parent
//!   with exactly one child takes that child's SKU (the simple product actually shipped).
//!
//! A child whose parent is not in the order, or whose parent is itself a child, is an error: the
//! rule above could not be applied to it without guessing.
//!
//! # Amounts
//!
//! - line `unit_price` = `price`; `discount` = `discount_amount`; `tax` = `tax_amount`;
//!   `total` = `row_total - discount_amount + tax_amount`. Not included: the
//!   `discount_tax_compensation_amount` of stores whose catalog prices include tax, which the
//!   client crate does not type.
//! - order `shipping` = `shipping_amount`, `tax` = `tax_amount`, `total` = `grand_total`;
//!   `adjustments` stay empty: Magento Open Source has no tips, duties or cash rounding. Adobe
//!   Commerce gift cards, store credit and reward points may change `grand_total` as well
//!   (unconfirmed); the client crate does not type them, so such an order is refused by the
//!   ERP's total check rather than booked with a guessed part.
//! - line `sku` = `sku`, `variant_id` = `product_id` (for a configurable parent with one child,
//!   the child's: the simple product shipped). Magento copies the catalog SKU into every order
//!   item, so a line without one is unusual (a product deleted or imported without it); the ERP
//!   then books it under `magento-product-{product_id}`, or as a custom item without a
//!   `product_id` ([`crate::erp`] module docs, "Product codes").
//! - Magento spreads every cart-rule discount over the lines and the shipping, and stores the
//!   order's `discount_amount` as a negative sum of them. The canonical `discount` holds only the
//!   part not on a line (the shipping discount): `-discount_amount` minus the line discounts.
//! - `grand_total`, `price`, `row_total` and `qty_ordered` are required. Tax, discount and
//!   shipping amounts that are `null` are zero (Magento leaves them `null` when there is none).
//! - quantities must be whole: a product sold by weight (`qty_ordered` 1.5) is refused, since the
//!   canonical quantity is an integer and rounding it would change the order.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{RawAddress, address_from_raw, money_or_zero, required_money, text};
use crate::{
    Address, Currency, Customer, ExternalIds, FinancialStatus, LineItem, MappingError, Money,
    Order, System,
};

/// Which of a Magento order's two sets of amounts the canonical order carries (see the module
/// docs for why the order currency is the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountBasis {
    /// The plain amounts in `order_currency_code`: what the customer saw and pays.
    #[default]
    Order,
    /// The `base_*` amounts in `base_currency_code`: the website's accounting currency.
    Base,
}

impl AmountBasis {
    fn pick<T>(self, order: T, base: T) -> T {
        match self {
            Self::Order => order,
            Self::Base => base,
        }
    }
}

impl TryFrom<&magento::Order> for Order {
    type Error = MappingError;

    /// The order in its order currency ([`AmountBasis::Order`]).
    fn try_from(order: &magento::Order) -> Result<Self, Self::Error> {
        order_from_magento(order, AmountBasis::Order)
    }
}

fn missing(field: &str) -> MappingError {
    MappingError::MissingField {
        field: field.to_owned(),
    }
}

/// A Magento order as a canonical [`Order`], with the amounts of `basis`. Error paths start with
/// `order.` and use Magento's field names.
pub fn order_from_magento(
    order: &magento::Order,
    basis: AmountBasis,
) -> Result<Order, MappingError> {
    convert(order, basis).map_err(|e| e.at("order"))
}

fn convert(order: &magento::Order, basis: AmountBasis) -> Result<Order, MappingError> {
    let entity_id = order.entity_id.ok_or_else(|| missing("entity_id"))?;
    let number = text(order.increment_id.as_deref()).ok_or_else(|| missing("increment_id"))?;
    let (code, code_field) = basis.pick(
        (order.order_currency_code.as_deref(), "order_currency_code"),
        (order.base_currency_code.as_deref(), "base_currency_code"),
    );
    let code = text(code).ok_or_else(|| missing(code_field))?;
    let currency = crate::currency::parse_currency(&code, code_field)?;

    let line_items = line_items(order, basis, currency)?;

    let (total, total_field) = basis.pick(
        (order.grand_total, "grand_total"),
        (order.base_grand_total, "base_grand_total"),
    );
    let total = required_money(total, currency, total_field)?;
    let (tax, tax_field) = basis.pick(
        (order.tax_amount, "tax_amount"),
        (order.base_tax_amount, "base_tax_amount"),
    );
    let tax = money_or_zero(tax, currency, tax_field)?;
    let (shipping, shipping_field) = basis.pick(
        (order.shipping_amount, "shipping_amount"),
        (order.base_shipping_amount, "base_shipping_amount"),
    );
    let shipping = money_or_zero(shipping, currency, shipping_field)?;
    let (discount, discount_field) = basis.pick(
        (order.discount_amount, "discount_amount"),
        (order.base_discount_amount, "base_discount_amount"),
    );
    let discount = order_level_discount(discount, currency, discount_field, &line_items)?;

    let presentment_total = match basis {
        AmountBasis::Order => None,
        AmountBasis::Base => match text(order.order_currency_code.as_deref()) {
            Some(code) => {
                let presentment = crate::currency::parse_currency(&code, "order_currency_code")?;
                if presentment == currency {
                    None
                } else {
                    Some(required_money(
                        order.grand_total,
                        presentment,
                        "grand_total",
                    )?)
                }
            }
            None => None,
        },
    };

    let billing_address = order
        .billing_address
        .as_ref()
        .map(|a| order_address(a).map_err(|e| e.at("billing_address")))
        .transpose()?;
    let shipping_address = shipping_address(order)?;

    Ok(Order {
        ids: ExternalIds::new().with(System::Magento, entity_id.to_string()),
        source: System::Magento,
        number,
        currency,
        customer: order_customer(order, billing_address.as_ref()),
        email: text(order.customer_email.as_deref()),
        billing_address,
        shipping_address,
        line_items,
        shipping,
        discount,
        tax,
        // No Magento total component beyond lines, tax, shipping and discount is typed (module
        // docs, "Amounts").
        adjustments: Vec::new(),
        total,
        presentment_total,
        financial_status: financial_status(order),
    })
}

/// `-discount_amount` (Magento's order discount is negative) minus what the lines carry.
fn order_level_discount(
    raw: Option<Decimal>,
    currency: Currency,
    field: &str,
    lines: &[LineItem],
) -> Result<Money, MappingError> {
    let raw = raw.unwrap_or(Decimal::ZERO);
    if raw > Decimal::ZERO {
        return Err(MappingError::InvalidValue {
            field: field.to_owned(),
            value: raw.to_string(),
            expected: "discount of zero or less (Magento stores order discounts as negative)",
        });
    }
    let whole = Money::from_major(-raw, currency, field)?;
    let on_lines =
        Money::sum(currency, lines.iter().map(|l| l.discount)).map_err(|e| e.at("items"))?;
    let rest = whole.checked_sub(on_lines).map_err(|e| e.at(field))?;
    if rest.is_negative() {
        return Err(MappingError::InvalidValue {
            field: field.to_owned(),
            value: raw.to_string(),
            expected: "order discount at least the sum of the line discounts",
        });
    }
    Ok(rest)
}

/// The first shipping assignment that has an address (Magento creates one order per address, so
/// there is one in practice); `None` for virtual orders.
fn shipping_address(order: &magento::Order) -> Result<Option<Address>, MappingError> {
    let Some(ext) = &order.extension_attributes else {
        return Ok(None);
    };
    for (i, assignment) in ext.shipping_assignments.iter().enumerate() {
        if let Some(address) = assignment
            .shipping
            .as_ref()
            .and_then(|s| s.address.as_ref())
        {
            return order_address(address).map(Some).map_err(|e| {
                e.at(&format!(
                    "extension_attributes.shipping_assignments[{i}].shipping.address"
                ))
            });
        }
    }
    Ok(None)
}

/// An order address (flat `region_code` / `region`). Errors are relative to the address.
fn order_address(address: &magento::OrderAddress) -> Result<Address, MappingError> {
    address_from_raw(
        &RawAddress {
            firstname: address.firstname.as_deref(),
            lastname: address.lastname.as_deref(),
            company: address.company.as_deref(),
            street: &address.street,
            city: address.city.as_deref(),
            region_code: address.region_code.as_deref(),
            region: address.region.as_deref(),
            postcode: address.postcode.as_deref(),
            country_id: address.country_id.as_deref(),
            telephone: address.telephone.as_deref(),
        },
        "region_code",
    )
}

/// The customer as the order records them: the account id unless the order was placed as a
/// guest, the `customer_*` names and e-mail, the billing address and its phone.
fn order_customer(order: &magento::Order, billing: Option<&Address>) -> Option<Customer> {
    let mut ids = ExternalIds::new();
    if order.customer_is_guest != Some(true) {
        if let Some(id) = order.customer_id {
            ids.set(System::Magento, id.to_string());
        }
    }
    let customer = Customer {
        ids,
        email: text(order.customer_email.as_deref()),
        first_name: text(order.customer_firstname.as_deref()),
        last_name: text(order.customer_lastname.as_deref()),
        phone: billing.and_then(|a| a.phone.clone()),
        address: billing.cloned(),
    };
    (customer != Customer::default()).then_some(customer)
}

/// The canonical lines, applying the parent/child rule of the module docs.
fn line_items(
    order: &magento::Order,
    basis: AmountBasis,
    currency: Currency,
) -> Result<Vec<LineItem>, MappingError> {
    let items = &order.items;
    for (j, item) in items.iter().enumerate() {
        let Some(parent_id) = item.parent_item_id else {
            continue;
        };
        let invalid = |expected| MappingError::InvalidValue {
            field: format!("items[{j}].parent_item_id"),
            value: parent_id.to_string(),
            expected,
        };
        match items.iter().find(|p| p.item_id == Some(parent_id)) {
            None => return Err(invalid("item_id of another line of the order")),
            Some(parent) if parent.parent_item_id.is_some() => {
                return Err(invalid("item_id of a top-level line"));
            }
            Some(_) => {}
        }
    }
    let nonzero = |v: Option<Decimal>| v.is_some_and(|d| !d.is_zero());
    let priced = |item: &magento::OrderItem| {
        nonzero(basis.pick(item.price, item.base_price))
            || nonzero(basis.pick(item.row_total, item.base_row_total))
    };
    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.parent_item_id.is_some() {
            continue;
        }
        let children: Vec<(usize, &magento::OrderItem)> = match item.item_id {
            Some(id) => items
                .iter()
                .enumerate()
                .filter(|(_, c)| c.parent_item_id == Some(id))
                .collect(),
            None => Vec::new(),
        };
        if children.iter().any(|(_, c)| priced(c)) {
            for (j, child) in children {
                lines.push(
                    line_item(child, basis, currency).map_err(|e| e.at(&format!("items[{j}]")))?,
                );
            }
            continue;
        }
        let mut line =
            line_item(item, basis, currency).map_err(|e| e.at(&format!("items[{i}]")))?;
        if item.product_type.as_deref() == Some("configurable") {
            if let [(_, child)] = children.as_slice() {
                if let Some(sku) = text(child.sku.as_deref()) {
                    line.sku = Some(sku);
                }
                // The simple product shipped is the variant, as for the SKU.
                if let Some(id) = child.product_id {
                    line.variant_id = Some(id.to_string());
                }
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

/// One order line; errors are relative to the line.
fn line_item(
    item: &magento::OrderItem,
    basis: AmountBasis,
    currency: Currency,
) -> Result<LineItem, MappingError> {
    let name = text(item.name.as_deref()).ok_or_else(|| missing("name"))?;
    let quantity = quantity(item.qty_ordered, "qty_ordered")?;
    let (price, price_field) = basis.pick((item.price, "price"), (item.base_price, "base_price"));
    let unit_price = required_money(price, currency, price_field)?;
    let (row, row_field) = basis.pick(
        (item.row_total, "row_total"),
        (item.base_row_total, "base_row_total"),
    );
    let row_total = required_money(row, currency, row_field)?;
    let (discount, discount_field) = basis.pick(
        (item.discount_amount, "discount_amount"),
        (item.base_discount_amount, "base_discount_amount"),
    );
    let discount = money_or_zero(discount, currency, discount_field)?;
    let (tax, tax_field) = basis.pick(
        (item.tax_amount, "tax_amount"),
        (item.base_tax_amount, "base_tax_amount"),
    );
    let tax = money_or_zero(tax, currency, tax_field)?;
    let total = row_total
        .checked_sub(discount)
        .and_then(|t| t.checked_add(tax))
        .map_err(|e| e.at(row_field))?;
    let mut ids = ExternalIds::new();
    if let Some(id) = item.item_id {
        ids.set(System::Magento, id.to_string());
    }
    Ok(LineItem {
        ids,
        sku: text(item.sku.as_deref()),
        variant_id: item.product_id.map(|id| id.to_string()),
        name,
        quantity,
        unit_price,
        discount,
        tax,
        total,
    })
}

/// A whole, positive quantity that fits the canonical `u32`.
fn quantity(value: Option<Decimal>, field: &str) -> Result<u32, MappingError> {
    let value = value.ok_or_else(|| missing(field))?;
    value
        .fract()
        .is_zero()
        .then(|| value.to_u32())
        .flatten()
        .filter(|q| *q > 0)
        .ok_or_else(|| MappingError::InvalidValue {
            field: field.to_owned(),
            value: value.to_string(),
            expected: "whole quantity of at least 1",
        })
}

/// The order's financial status, derived from its totals first and its state second.
///
/// | condition (first that holds) | status |
/// |---|---|
/// | `total_refunded` > 0 and ≥ `total_paid` | `Refunded` |
/// | `total_refunded` > 0 | `PartiallyRefunded` |
/// | `total_paid` ≥ `grand_total` > 0 | `Paid` |
/// | `total_paid` > 0 | `PartiallyPaid` |
/// | `payment.amount_authorized` ≥ `grand_total` > 0 | `Authorized` |
/// | state `new` or `pending_payment` | `Pending` |
/// | state `processing` or `complete` with `grand_total` 0 (a free order) | `Paid` |
/// | state `processing` or `holded` (nothing paid or authorized) | `Pending` |
/// | state `canceled` (nothing paid) | `Voided` |
/// | anything else: `complete` or `closed` without paid or refunded totals, `payment_review`, an extension's state | `Unknown(state)` |
///
/// Without a `state` (a `fields=` projection) the status is used: the built-in statuses share
/// their state's name, except `pending` for `new`; a custom status is kept as `Unknown(status)`.
pub fn financial_status(order: &magento::Order) -> FinancialStatus {
    use magento::OrderState as S;
    let zero = Decimal::ZERO;
    let paid = order.total_paid.unwrap_or(zero);
    let refunded = order.total_refunded.unwrap_or(zero);
    if refunded > zero {
        return if refunded >= paid {
            FinancialStatus::Refunded
        } else {
            FinancialStatus::PartiallyRefunded
        };
    }
    let grand = order.grand_total;
    if paid > zero {
        if let Some(grand) = grand {
            return if paid >= grand {
                FinancialStatus::Paid
            } else {
                FinancialStatus::PartiallyPaid
            };
        }
    }
    let authorized = order
        .payment
        .as_ref()
        .and_then(|p| p.amount_authorized)
        .unwrap_or(zero);
    if paid.is_zero() && authorized > zero && grand.is_some_and(|g| authorized >= g) {
        return FinancialStatus::Authorized;
    }
    let state = order.state.clone().or_else(|| {
        order.status.as_deref().map(|s| match s {
            "pending" => S::New,
            other => S::from(other),
        })
    });
    let free = grand == Some(zero);
    match state {
        Some(S::New | S::PendingPayment) => FinancialStatus::Pending,
        Some(S::Processing | S::Complete) if free => FinancialStatus::Paid,
        Some(S::Processing | S::Holded) if paid.is_zero() => FinancialStatus::Pending,
        Some(S::Canceled) if paid.is_zero() => FinancialStatus::Voided,
        Some(other) => FinancialStatus::Unknown(other.as_str().to_owned()),
        None => FinancialStatus::Unknown(String::new()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use magento::{OrderItem, OrderPayment, OrderState};

    fn dec(text: &str) -> Option<Decimal> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn financial_status_table() {
        let order = |state: Option<OrderState>,
                     status: Option<&str>,
                     grand: &str,
                     paid: Option<&str>,
                     refunded: Option<&str>,
                     authorized: Option<&str>| magento::Order {
            state,
            status: status.map(str::to_owned),
            grand_total: dec(grand),
            total_paid: paid.and_then(dec),
            total_refunded: refunded.and_then(dec),
            payment: Some(OrderPayment {
                amount_authorized: authorized.and_then(dec),
                ..OrderPayment::default()
            }),
            ..magento::Order::default()
        };
        use FinancialStatus as F;
        let cases = [
            (
                order(
                    Some(OrderState::Closed),
                    None,
                    "10",
                    Some("10"),
                    Some("10"),
                    None,
                ),
                F::Refunded,
            ),
            (
                order(
                    Some(OrderState::Processing),
                    None,
                    "10",
                    Some("10"),
                    Some("4"),
                    None,
                ),
                F::PartiallyRefunded,
            ),
            (
                order(
                    Some(OrderState::Complete),
                    None,
                    "10",
                    Some("10"),
                    None,
                    None,
                ),
                F::Paid,
            ),
            (
                order(
                    Some(OrderState::Processing),
                    None,
                    "10",
                    Some("4"),
                    None,
                    None,
                ),
                F::PartiallyPaid,
            ),
            (
                order(
                    Some(OrderState::Canceled),
                    None,
                    "10",
                    Some("4"),
                    None,
                    None,
                ),
                F::PartiallyPaid,
            ),
            (
                order(
                    Some(OrderState::Processing),
                    None,
                    "10",
                    None,
                    None,
                    Some("10"),
                ),
                F::Authorized,
            ),
            (
                order(
                    Some(OrderState::Processing),
                    None,
                    "10",
                    None,
                    None,
                    Some("5"),
                ),
                F::Pending,
            ),
            (
                order(Some(OrderState::New), None, "10", None, None, None),
                F::Pending,
            ),
            (
                order(
                    Some(OrderState::PendingPayment),
                    None,
                    "10",
                    None,
                    None,
                    None,
                ),
                F::Pending,
            ),
            (
                order(Some(OrderState::Holded), None, "10", None, None, None),
                F::Pending,
            ),
            (
                order(Some(OrderState::Processing), None, "0", None, None, None),
                F::Paid,
            ),
            (
                order(Some(OrderState::Canceled), None, "10", None, None, None),
                F::Voided,
            ),
            (
                order(Some(OrderState::Complete), None, "10", None, None, None),
                F::Unknown("complete".into()),
            ),
            (
                order(Some(OrderState::Closed), None, "10", None, None, None),
                F::Unknown("closed".into()),
            ),
            (
                order(
                    Some(OrderState::PaymentReview),
                    None,
                    "10",
                    None,
                    None,
                    None,
                ),
                F::Unknown("payment_review".into()),
            ),
            (
                order(None, Some("pending"), "10", None, None, None),
                F::Pending,
            ),
            (
                order(None, Some("canceled"), "10", None, None, None),
                F::Voided,
            ),
            (
                order(None, Some("payment_failed"), "10", None, None, None),
                F::Unknown("payment_failed".into()),
            ),
            (
                order(None, None, "10", None, None, None),
                F::Unknown(String::new()),
            ),
        ];
        for (i, (order, expected)) in cases.into_iter().enumerate() {
            assert_eq!(financial_status(&order), expected, "case {i}");
        }
    }

    #[test]
    fn quantities_must_be_whole_and_positive() {
        assert_eq!(quantity(dec("2"), "q").unwrap(), 2);
        assert_eq!(quantity(dec("3.0000"), "q").unwrap(), 3);
        for bad in ["1.5", "0", "-1", "4294967296"] {
            let err = quantity(dec(bad), "qty_ordered").unwrap_err();
            assert_eq!(err.field(), "qty_ordered", "{bad}");
            assert_eq!(err.value(), Some(bad));
        }
        assert!(matches!(
            quantity(None, "qty_ordered"),
            Err(MappingError::MissingField { .. })
        ));
    }

    fn item(id: i64, parent: Option<i64>, kind: &str, sku: &str, price: &str) -> OrderItem {
        OrderItem {
            item_id: Some(id),
            parent_item_id: parent,
            product_type: Some(kind.into()),
            sku: Some(sku.into()),
            name: Some(format!("item {id}")),
            qty_ordered: dec("1"),
            price: dec(price),
            row_total: dec(price),
            ..OrderItem::default()
        }
    }

    fn skus(items: Vec<OrderItem>) -> Result<Vec<(String, i64)>, MappingError> {
        let order = magento::Order {
            items,
            ..magento::Order::default()
        };
        Ok(line_items(&order, AmountBasis::Order, Currency::USD)?
            .into_iter()
            .map(|l| (l.sku.unwrap(), l.total.minor()))
            .collect())
    }

    #[test]
    fn variant_id_is_the_product_id_of_the_simple_product() {
        let with_product = |mut item: OrderItem, id: i64| {
            item.product_id = Some(id);
            item
        };
        let order = magento::Order {
            items: vec![
                with_product(item(1, None, "configurable", "TEE", "20"), 100),
                with_product(item(2, Some(1), "simple", "TEE-M", "0"), 101),
                OrderItem {
                    sku: None,
                    ..with_product(item(3, None, "simple", "", "5"), 300)
                },
            ],
            ..magento::Order::default()
        };
        let lines = line_items(&order, AmountBasis::Order, Currency::USD).unwrap();
        let got: Vec<_> = lines
            .iter()
            .map(|l| (l.sku.as_deref(), l.variant_id.as_deref()))
            .collect();
        assert_eq!(got, [(Some("TEE-M"), Some("101")), (None, Some("300"))]);
    }

    #[test]
    fn parent_child_rule() {
        let own = |s: &str, m: i64| (s.to_owned(), m);
        // Configurable with one child: parent's amounts, child's SKU.
        assert_eq!(
            skus(vec![
                item(1, None, "configurable", "TEE", "20"),
                item(2, Some(1), "simple", "TEE-M", "0")
            ])
            .unwrap(),
            vec![own("TEE-M", 2000)]
        );
        // Two unpriced children: which one is "the" child is unknown, so the parent's SKU stays.
        assert_eq!(
            skus(vec![
                item(1, None, "configurable", "TEE", "20"),
                item(2, Some(1), "simple", "TEE-M", "0"),
                item(3, Some(1), "simple", "TEE-L", "0")
            ])
            .unwrap(),
            vec![own("TEE", 2000)]
        );
        // Priced children win over a priced parent, whatever the product type.
        assert_eq!(
            skus(vec![
                item(1, None, "bundle", "KIT", "30"),
                item(2, Some(1), "simple", "A", "10"),
                item(3, Some(1), "simple", "B", "20"),
                item(4, None, "simple", "C", "5"),
            ])
            .unwrap(),
            vec![own("A", 1000), own("B", 2000), own("C", 500)]
        );
        // A bundle with fixed price: the parent only.
        assert_eq!(
            skus(vec![
                item(1, None, "bundle", "KIT", "30"),
                item(2, Some(1), "simple", "A", "0")
            ])
            .unwrap(),
            vec![own("KIT", 3000)]
        );
        // Grandchildren are not a Magento shape: refused, not dropped.
        let err = skus(vec![
            item(1, None, "bundle", "KIT", "30"),
            item(2, Some(1), "simple", "A", "0"),
            item(3, Some(2), "simple", "B", "0"),
        ])
        .unwrap_err();
        assert_eq!(err.field(), "items[2].parent_item_id");
        assert_eq!(err.value(), Some("2"));
    }
}

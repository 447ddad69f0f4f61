//! `orders/create`, `orders/paid` and `orders/updated` webhook bodies into canonical [`Order`]s.
//!
//! | canonical | Shopify (REST order resource) |
//! |---|---|
//! | `ids[Shopify]` | `id` (the REST id, as decimal text) |
//! | `number` | `name` (`#1001`); required |
//! | `currency` | `currency` (the shop's); every amount below is in it |
//! | `presentment_total` | `total_price_set.presentment_money` when its currency is not the shop's |
//! | `email` | `email`, else `contact_email` |
//! | `customer` | `customer`, as for `customers/create` |
//! | `billing_address`, `shipping_address` | the same names, through [`address_from_shopify`] |
//! | line `sku` | `line_items[i].sku`; `null` (custom items) and blank are `None` |
//! | line `variant_id` | `line_items[i].variant_id` as decimal text; `null` for custom items |
//! | line `unit_price` | `line_items[i].price` |
//! | line `discount` | sum of `line_items[i].discount_allocations[j].amount` |
//! | line `tax` | sum of `line_items[i].tax_lines[k].price` |
//! | line `total` | `price × quantity − discount`, `+ tax` unless `taxes_included` |
//! | `shipping` | sum of `shipping_lines[i].price` (before shipping discounts) |
//! | `discount` | `total_discounts` minus the lines' discounts: what is not on a line (shipping discounts) |
//! | `tax` | `total_tax` |
//! | `adjustments` | `Tip`: `total_tip_received`; `Duties`: `original_total_duties_set.shop_money` unless `duties_included`; `CashRounding`: `total_cash_rounding_payment_adjustment_set.shop_money`; absent, `null` and zero amounts give none |
//! | `total` | `total_price`, plus the cash rounding |
//! | `financial_status` | `financial_status`, through [`crate::status::shopify`]; required |
//!
//! The store's own totals are taken as they are, never recomputed: the official 2025-10 order
//! fixture has a `subtotal_price` that ignores its discount, and `total_price` is still right.
//!
//! # What `total_price` holds beyond lines, tax and shipping
//!
//! - **Tips.** `total_price` is "the sum of all line item prices, discounts, shipping, taxes, and
//!   tips" (REST Order reference), and `total_tip_received` is the tip in shop currency
//!   (`"0.00"` when none).
//! - **Duties.** Duties collected at checkout are part of the order's total (Storefront API
//!   `Order.totalPrice`: "including duties, taxes and discounts"). `original_total_duties_set` is
//!   what was charged at checkout, the same moment as `total_price`; `current_total_duties_set`
//!   follows later edits and refunds, so it is not the one that adds up to `total_price`.
//!   `duties_included` is "whether duties are included in the subtotal price of the order"
//!   (Admin GraphQL `Order.dutiesIncluded`): then the duties are already inside the line prices
//!   and are not added a second time. Unconfirmed: no official payload with duties was found,
//!   so how a duty-inclusive order spreads duties over its lines is untested; the ERP's total
//!   check refuses such an order, naming `order.total`, if this reading is wrong.
//! - **Cash rounding** (Shopify POS, cash in CAD, AUD, NZD, some EUR, DKK, SEK, NOK). Shopify
//!   rounds the payment, not the order: the rounded payment is the amount received plus
//!   `totalCashRoundingAdjustment.paymentSet`, positive or negative (developer changelog "Cash
//!   transaction rounding for Point of Sale purchases", 2025-04; Admin GraphQL
//!   `CashRoundingAdjustment`). `total_price` is therefore before rounding, and the canonical
//!   `total`, the amount paid, is `total_price` plus the rounding (and `presentment_total` plus
//!   its presentment side), with a `CashRounding` adjustment that explains the difference.
//!   Unconfirmed against a live POS order; if `total_price` were already rounded, the ERP's
//!   total check would refuse the order naming `order.total` rather than book it wrongly.
//!   `total_cash_rounding_refund_adjustment_set` belongs to refunds and is not read here.
//!
//! Not read, so an order that has them is refused by the ERP's total check: Shopify Markets'
//! `original_total_additional_fees_set`.
//!
//! [`address_from_shopify`]: super::address_from_shopify

use shopify::rest;

use super::customer::customer_from_shopify;
use super::{address_from_shopify, at_field, money, required_money, set_money, text};
use crate::{
    Adjustment, AdjustmentKind, Currency, ExternalIds, FinancialStatus, LineItem, MappingError,
    Money, Order, System,
};

impl TryFrom<&rest::Order> for Order {
    type Error = MappingError;

    /// Maps an order webhook body; errors are rooted at `order` (`order.line_items[2].price`).
    fn try_from(order: &rest::Order) -> Result<Self, Self::Error> {
        order_from_shopify(order).map_err(|e| e.at("order"))
    }
}

/// The mapping, with errors relative to the order.
fn order_from_shopify(order: &rest::Order) -> Result<Order, MappingError> {
    let currency = crate::currency::parse_currency(&order.currency, "currency")?;
    let number = text(order.name.as_deref()).ok_or_else(|| MappingError::MissingField {
        field: "name".to_owned(),
    })?;
    let financial_status = order
        .financial_status
        .as_ref()
        .map(FinancialStatus::from)
        .ok_or_else(|| MappingError::MissingField {
            field: "financial_status".to_owned(),
        })?;
    let line_items = order
        .line_items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            line_item(item, currency, order.taxes_included)
                .map_err(|e| e.at(&format!("line_items[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut shipping = Money::zero(currency);
    for (i, line) in order.shipping_lines.iter().enumerate() {
        let field = format!("shipping_lines[{i}].price");
        shipping = shipping
            .checked_add(money(line.price, currency, &field)?)
            .map_err(|e| at_field(e, &field))?;
    }
    let total_discounts = required_money(order.total_discounts, currency, "total_discounts")?;
    let line_discounts = Money::sum(currency, line_items.iter().map(|l| l.discount))
        .map_err(|e| at_field(e, "line_items"))?;
    let discount = total_discounts
        .checked_sub(line_discounts)
        .map_err(|e| at_field(e, "total_discounts"))?;
    if discount.is_negative() {
        return Err(MappingError::InvalidValue {
            field: "total_discounts".to_owned(),
            value: total_discounts.format_major(),
            expected: "total discounts of at least the sum of the line items' discount allocations",
        });
    }
    let billing_address = order
        .billing_address
        .as_ref()
        .map(address_from_shopify)
        .transpose()
        .map_err(|e| e.at("billing_address"))?;
    let shipping_address = order
        .shipping_address
        .as_ref()
        .map(address_from_shopify)
        .transpose()
        .map_err(|e| e.at("shipping_address"))?;
    let customer = order
        .customer
        .as_ref()
        .map(customer_from_shopify)
        .transpose()
        .map_err(|e| e.at("customer"))?;
    let adjustments = adjustments(order, currency)?;
    let mut total = money(order.total_price, currency, "total_price")?;
    let mut presentment_total = presentment_total(order, currency)?;
    if let Some(set) = &order.total_cash_rounding_payment_adjustment_set {
        // Shopify rounds the cash received, not `total_price` (module docs). `adjustments` has
        // checked the shop side already and left it out when zero, which adds nothing.
        if let Some(rounding) = adjustments
            .iter()
            .find(|a| a.kind == AdjustmentKind::CashRounding)
        {
            total = total
                .checked_add(rounding.amount)
                .map_err(|e| at_field(e, "total_price"))?;
        }
        let field = "total_cash_rounding_payment_adjustment_set.presentment_money";
        let presented = set_money(&set.presentment_money, field)?;
        if let Some(presentment) = presentment_total.as_mut()
            && !presented.is_zero()
        {
            *presentment = presentment
                .checked_add(presented)
                .map_err(|e| at_field(e, &format!("{field}.currency_code")))?;
        }
    }
    Ok(Order {
        ids: ExternalIds::new().with(System::Shopify, order.id.to_string()),
        source: System::Shopify,
        number,
        currency,
        customer,
        email: text(order.email.as_deref()).or_else(|| text(order.contact_email.as_deref())),
        billing_address,
        shipping_address,
        line_items,
        shipping,
        discount,
        tax: required_money(order.total_tax, currency, "total_tax")?,
        adjustments,
        total,
        presentment_total,
        financial_status,
    })
}

/// Tips, duties charged on top of the prices and cash rounding, in shop currency; zero amounts
/// are left out (see the module docs for which fields and why).
fn adjustments(order: &rest::Order, shop: Currency) -> Result<Vec<Adjustment>, MappingError> {
    let tip = order
        .total_tip_received
        .map(|tip| money(tip, shop, "total_tip_received"))
        .transpose()?;
    let duties = match (&order.original_total_duties_set, order.duties_included) {
        // Duty-inclusive prices already hold them.
        (_, Some(true)) | (None, _) => None,
        (Some(set), _) => Some(shop_side(set, shop, "original_total_duties_set")?),
    };
    let rounding = order
        .total_cash_rounding_payment_adjustment_set
        .as_ref()
        .map(|set| shop_side(set, shop, "total_cash_rounding_payment_adjustment_set"))
        .transpose()?;
    Ok([
        (AdjustmentKind::Tip, tip),
        (AdjustmentKind::Duties, duties),
        (AdjustmentKind::CashRounding, rounding),
    ]
    .into_iter()
    .filter_map(|(kind, amount)| amount.map(|amount| Adjustment { kind, amount }))
    .filter(|a| !a.amount.is_zero())
    .collect())
}

/// The shop-money side of a `*_set` bag, which must be in the shop's currency; errors name
/// `{field}.shop_money...`.
fn shop_side(set: &rest::MoneySet, shop: Currency, field: &str) -> Result<Money, MappingError> {
    let field = format!("{field}.shop_money");
    let amount = set_money(&set.shop_money, &field)?;
    if amount.currency() != shop {
        return Err(MappingError::CurrencyMismatch {
            field: format!("{field}.currency_code"),
            left: shop.code().to_owned(),
            right: amount.currency().code().to_owned(),
        });
    }
    Ok(amount)
}

/// The total in the buyer's currency, when it is not the shop's.
///
/// `total_price_set` is the source; `presentment_currency`, when given, must agree with it. An
/// order whose `presentment_currency` differs from the shop's but that has no `total_price_set`
/// is refused: the presentment amount is not anywhere else.
fn presentment_total(order: &rest::Order, shop: Currency) -> Result<Option<Money>, MappingError> {
    let declared = text(order.presentment_currency.as_deref())
        .map(|code| crate::currency::parse_currency(&code, "presentment_currency"))
        .transpose()?;
    let Some(set) = &order.total_price_set else {
        return match declared {
            Some(code) if code != shop => Err(MappingError::MissingField {
                field: "total_price_set".to_owned(),
            }),
            _ => Ok(None),
        };
    };
    shop_side(set, shop, "total_price_set")?;
    let presented = set_money(&set.presentment_money, "total_price_set.presentment_money")?;
    if let Some(code) = declared
        && code != presented.currency()
    {
        return Err(MappingError::CurrencyMismatch {
            field: "total_price_set.presentment_money.currency_code".to_owned(),
            left: code.code().to_owned(),
            right: presented.currency().code().to_owned(),
        });
    }
    Ok((presented.currency() != shop).then_some(presented))
}

/// One line; errors are relative to the line.
fn line_item(
    item: &rest::LineItem,
    currency: Currency,
    taxes_included: bool,
) -> Result<LineItem, MappingError> {
    let quantity = u32::try_from(item.quantity).map_err(|_| MappingError::InvalidValue {
        field: "quantity".to_owned(),
        value: item.quantity.to_string(),
        expected: "quantity below 2^32",
    })?;
    let name = text(item.name.as_deref())
        .or_else(|| text(Some(&item.title)))
        .ok_or_else(|| MappingError::MissingField {
            field: "title".to_owned(),
        })?;
    let unit_price = money(item.price, currency, "price")?;
    let mut discount = Money::zero(currency);
    for (j, allocation) in item.discount_allocations.iter().enumerate() {
        let field = format!("discount_allocations[{j}].amount");
        discount = discount
            .checked_add(money(allocation.amount, currency, &field)?)
            .map_err(|e| at_field(e, &field))?;
    }
    let mut tax = Money::zero(currency);
    for (k, line) in item.tax_lines.iter().enumerate() {
        let field = format!("tax_lines[{k}].price");
        tax = tax
            .checked_add(money(line.price, currency, &field)?)
            .map_err(|e| at_field(e, &field))?;
    }
    let mut total = unit_price
        .checked_mul(i64::from(quantity))
        .and_then(|gross| gross.checked_sub(discount))
        .map_err(|e| at_field(e, "price"))?;
    if !taxes_included {
        total = total
            .checked_add(tax)
            .map_err(|e| at_field(e, "tax_lines"))?;
    }
    Ok(LineItem {
        ids: ExternalIds::new().with(System::Shopify, item.id.to_string()),
        sku: text(item.sku.as_deref()),
        variant_id: item.variant_id.map(|id| id.to_string()),
        name,
        quantity,
        unit_price,
        discount,
        tax,
        total,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::{Value, json};

    use super::*;
    use crate::CountryCode;

    /// A two-currency order: shop USD, buyer EUR, one discounted and taxed line, shipping with a
    /// shipping discount.
    fn base() -> Value {
        let bag = |shop: &str, presented: &str| {
            json!({"shop_money": {"amount": shop, "currency_code": "USD"},
                   "presentment_money": {"amount": presented, "currency_code": "EUR"}})
        };
        json!({
            "id": 1001, "name": "#1001", "email": "", "contact_email": "a@example.com",
            "created_at": "2025-04-02T11:38:34-05:00", "currency": "USD",
            "presentment_currency": "EUR", "financial_status": "paid", "taxes_included": false,
            "total_price": "102.60", "total_price_set": bag("102.60", "104.02"),
            "total_discounts": "15.00", "total_tax": "7.60",
            "line_items": [{
                "id": 7, "title": "Shirt", "name": "", "sku": "", "quantity": 2, "price": "50.00",
                "discount_allocations": [{"amount": "10.00", "discount_application_index": 0}],
                "tax_lines": [{"title": "State", "price": "5.40", "rate": 0.06},
                              {"title": "City", "price": "1.80", "rate": 0.02}]
            }],
            "shipping_lines": [{"title": "Ground", "price": "10.00",
                                "tax_lines": [{"title": "State", "price": "0.40"}],
                                "discount_allocations": [{"amount": "5.00", "discount_application_index": 1}]}],
            "billing_address": {"address1": "1 Main St", "city": "Austin", "province_code": "TX",
                                "country_code": "US", "zip": "78701"}
        })
    }

    fn map(value: &Value) -> Result<Order, MappingError> {
        let wire: rest::Order = serde_json::from_value(value.clone()).unwrap();
        Order::try_from(&wire)
    }

    fn edited(edit: impl FnOnce(&mut Value)) -> Result<Order, MappingError> {
        let mut value = base();
        edit(&mut value);
        map(&value)
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    #[test]
    fn maps_a_two_currency_order() {
        let order = map(&base()).unwrap();
        assert_eq!(order.ids.get(System::Shopify), Some("1001"));
        assert_eq!(order.number, "#1001");
        assert_eq!(order.email.as_deref(), Some("a@example.com"));
        assert_eq!(order.total, usd(10260));
        assert_eq!(
            order.presentment_total,
            Some(Money::from_minor(10402, Currency::EUR))
        );
        assert_eq!(order.shipping, usd(1000));
        assert_eq!(order.discount, usd(500));
        assert_eq!(order.tax, usd(760));
        assert_eq!(order.financial_status, FinancialStatus::Paid);
        let line = &order.line_items[0];
        assert_eq!(line.name, "Shirt");
        assert_eq!(line.sku, None);
        assert_eq!(line.unit_price, usd(5000));
        assert_eq!(line.discount, usd(1000));
        assert_eq!(line.tax, usd(720));
        assert_eq!(line.total, usd(9720));
        // lines + shipping - order discount + shipping tax = total
        let sum = order.lines_total().unwrap().minor() + 1000 - 500 + 40;
        assert_eq!(sum, order.total.minor());
        let billing = order.billing_address.unwrap();
        assert_eq!(billing.country, Some(CountryCode::US));
        assert_eq!(billing.region_code.as_deref(), Some("TX"));
        assert_eq!(order.shipping_address, None);
        assert_eq!(order.customer, None);
    }

    #[test]
    fn taxes_included_leave_the_line_total_alone() {
        let order = edited(|v| v["taxes_included"] = json!(true)).unwrap();
        assert_eq!(order.line_items[0].total, usd(9000));
        assert_eq!(order.line_items[0].tax, usd(720));
    }

    #[test]
    fn same_currency_has_no_presentment_total() {
        let order = edited(|v| {
            v["presentment_currency"] = json!("USD");
            v["total_price_set"]["presentment_money"] =
                json!({"amount": "102.60", "currency_code": "USD"});
        })
        .unwrap();
        assert_eq!(order.presentment_total, None);
        let order = edited(|v| {
            v["presentment_currency"] = json!("USD");
            v.as_object_mut().unwrap().remove("total_price_set");
        })
        .unwrap();
        assert_eq!(order.presentment_total, None);
    }

    #[test]
    fn zero_decimal_shop_currency() {
        let order = edited(|v| {
            v["currency"] = json!("JPY");
            v["presentment_currency"] = json!("JPY");
            v["total_price"] = json!("10260");
            v["total_price_set"] = json!({
                "shop_money": {"amount": "10260", "currency_code": "JPY"},
                "presentment_money": {"amount": "10260", "currency_code": "JPY"}});
            v["total_discounts"] = json!("1500");
            v["total_tax"] = json!("760");
            v["line_items"][0]["price"] = json!("5000");
            v["line_items"][0]["discount_allocations"][0]["amount"] = json!("1000");
            v["line_items"][0]["tax_lines"][0]["price"] = json!("540");
            v["line_items"][0]["tax_lines"][1]["price"] = json!("180");
            v["shipping_lines"][0]["price"] = json!("1000");
        })
        .unwrap();
        assert_eq!(order.total, Money::from_minor(10260, Currency::JPY));
        assert_eq!(
            order.line_items[0].total,
            Money::from_minor(9720, Currency::JPY)
        );
    }

    #[test]
    fn lines_keep_their_variant_id() {
        let order = edited(|v| v["line_items"][0]["variant_id"] = json!(39072856)).unwrap();
        assert_eq!(order.line_items[0].variant_id.as_deref(), Some("39072856"));
        let custom = edited(|v| v["line_items"][0]["variant_id"] = Value::Null).unwrap();
        assert_eq!(custom.line_items[0].variant_id, None);
    }

    #[test]
    fn tips_duties_and_cash_rounding_are_adjustments() {
        let eur = |minor| Money::from_minor(minor, Currency::EUR);
        let bag = |shop: &str, presented: &str| {
            json!({"shop_money": {"amount": shop, "currency_code": "USD"},
                   "presentment_money": {"amount": presented, "currency_code": "EUR"}})
        };
        let order = edited(|v| {
            v["total_tip_received"] = json!("5.00");
            v["duties_included"] = json!(false);
            v["original_total_duties_set"] = bag("3.10", "3.14");
            // Later edits do not change what the checkout total held.
            v["current_total_duties_set"] = bag("0.00", "0.00");
            v["total_cash_rounding_payment_adjustment_set"] = bag("-0.02", "-0.03");
        })
        .unwrap();
        let kinds: Vec<_> = order
            .adjustments
            .iter()
            .map(|a| (a.kind, a.amount))
            .collect();
        assert_eq!(
            kinds,
            [
                (AdjustmentKind::Tip, usd(500)),
                (AdjustmentKind::Duties, usd(310)),
                (AdjustmentKind::CashRounding, usd(-2)),
            ]
        );
        // `total_price` is before the rounding; what was paid is after it, in both currencies.
        assert_eq!(order.total, usd(10258));
        assert_eq!(order.presentment_total, Some(eur(10399)));

        // Duties inside the prices, zero and absent amounts give no adjustment.
        let order = edited(|v| {
            v["total_tip_received"] = json!("0.00");
            v["duties_included"] = json!(true);
            v["original_total_duties_set"] = bag("3.10", "3.14");
            v["total_cash_rounding_payment_adjustment_set"] = bag("0.00", "0.00");
        })
        .unwrap();
        assert_eq!(order.adjustments, []);
        assert_eq!(order.total, usd(10260));
        assert_eq!(order.presentment_total, Some(eur(10402)));
        assert_eq!(map(&base()).unwrap().adjustments, []);
    }

    #[test]
    fn adjustment_errors_name_the_shopify_field() {
        type Edit = fn(&mut Value);
        let cases: [(Edit, &str); 4] = [
            (
                |v| v["total_tip_received"] = json!("1.001"),
                "order.total_tip_received",
            ),
            (
                |v| {
                    v["original_total_duties_set"] = json!({"shop_money": {"amount": "3.10", "currency_code": "EUR"},
                               "presentment_money": {"amount": "3.10", "currency_code": "EUR"}})
                },
                "order.original_total_duties_set.shop_money.currency_code",
            ),
            (
                |v| {
                    v["total_cash_rounding_payment_adjustment_set"] = json!({"shop_money": {"amount": "-0.021", "currency_code": "USD"},
                               "presentment_money": {"amount": "-0.02", "currency_code": "EUR"}})
                },
                "order.total_cash_rounding_payment_adjustment_set.shop_money.amount",
            ),
            (
                |v| {
                    v["total_cash_rounding_payment_adjustment_set"] = json!({"shop_money": {"amount": "-0.02", "currency_code": "USD"},
                               "presentment_money": {"amount": "-0.02", "currency_code": "GBP"}})
                },
                "order.total_cash_rounding_payment_adjustment_set.presentment_money.currency_code",
            ),
        ];
        for (edit, field) in cases {
            let err = edited(edit).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            assert!(err.is_permanent());
        }
    }

    #[test]
    fn unknown_financial_status_is_kept() {
        let order = edited(|v| v["financial_status"] = json!("on_hold")).unwrap();
        assert_eq!(
            order.financial_status,
            FinancialStatus::Unknown("on_hold".into())
        );
    }

    #[test]
    fn every_error_names_the_shopify_field() {
        type Edit = fn(&mut Value);
        let cases: [(Edit, &str); 16] = [
            (|v| v["currency"] = json!("XYZ"), "order.currency"),
            (|v| v["name"] = json!(" "), "order.name"),
            (
                |v| v["financial_status"] = Value::Null,
                "order.financial_status",
            ),
            (|v| v["total_price"] = json!("102.601"), "order.total_price"),
            (|v| v["total_tax"] = Value::Null, "order.total_tax"),
            (
                |v| v["total_discounts"] = Value::Null,
                "order.total_discounts",
            ),
            (
                |v| v["total_discounts"] = json!("9.99"),
                "order.total_discounts",
            ),
            (
                |v| v["line_items"][0]["price"] = json!("50.001"),
                "order.line_items[0].price",
            ),
            (
                |v| v["line_items"][0]["discount_allocations"][0]["amount"] = json!("0.005"),
                "order.line_items[0].discount_allocations[0].amount",
            ),
            (
                |v| v["line_items"][0]["tax_lines"][1]["price"] = json!("1.801"),
                "order.line_items[0].tax_lines[1].price",
            ),
            (
                |v| v["line_items"][0]["quantity"] = json!(5_000_000_000_u64),
                "order.line_items[0].quantity",
            ),
            (
                |v| v["shipping_lines"][0]["price"] = json!("10.005"),
                "order.shipping_lines[0].price",
            ),
            (
                |v| v["billing_address"]["zip"] = json!("7870"),
                "order.billing_address.zip",
            ),
            (
                |v| v["total_price_set"]["presentment_money"]["currency_code"] = json!("GBP"),
                "order.total_price_set.presentment_money.currency_code",
            ),
            (
                |v| v["total_price_set"]["presentment_money"]["currency_code"] = json!("XQQ"),
                "order.total_price_set.presentment_money.currency_code",
            ),
            (
                |v| {
                    v.as_object_mut().unwrap().remove("total_price_set");
                },
                "order.total_price_set",
            ),
        ];
        for (edit, field) in cases {
            let err = edited(edit).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            assert!(err.is_permanent());
        }
    }

    #[test]
    fn error_kinds() {
        let err = edited(|v| v["total_price"] = json!("102.601")).unwrap_err();
        assert!(matches!(
            err,
            MappingError::PrecisionLoss { exponent: 2, .. }
        ));
        let err = edited(|v| v["currency"] = json!("XYZ")).unwrap_err();
        assert!(matches!(err, MappingError::UnknownCurrency { .. }));
        let err = edited(|v| v["total_tax"] = Value::Null).unwrap_err();
        assert!(matches!(err, MappingError::MissingField { .. }));
        let err = edited(|v| {
            v["line_items"][0]["price"] = json!("92233720368547758.07");
            v["line_items"][0]["quantity"] = json!(2);
        })
        .unwrap_err();
        assert!(
            matches!(err, MappingError::AmountOutOfRange { .. }),
            "{err}"
        );
        assert_eq!(err.field(), "order.line_items[0].price");
    }
}

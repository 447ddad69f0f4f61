//! Customers, sales orders and invoices.

use time::Duration;

use super::{ErpCtx, erp_money, require_sign, segment, store_id};
use crate::address::join_name;
use crate::text::non_blank;
use crate::{AdjustmentKind, Customer, LineItem, MappingError, Money, Order, System};

/// The gateways whose vault ids the ERP customer keeps.
const VAULT_GATEWAYS: [System; 2] = [System::Paytrace, System::Stripe];

/// ERP product code of a custom item: a line with neither SKU nor variant id (Shopify custom
/// items). Its name becomes the ERP line's description.
pub const CUSTOM_ITEM_CODE: &str = "CUSTOM";
/// ERP product code of the line that books an [`AdjustmentKind::Tip`].
pub const TIP_CODE: &str = "TIP";
/// ERP product code of the line that books an [`AdjustmentKind::Duties`].
pub const DUTIES_CODE: &str = "DUTIES";
/// ERP product code of the line that books a positive [`AdjustmentKind::CashRounding`] (a
/// negative one comes off the product lines, see [`to_erp_invoice`]).
pub const CASH_ROUNDING_CODE: &str = "CASH-ROUNDING";

/// `{store}/{shop}/customer/{store customer id}`.
pub fn customer_ref(customer: &Customer, ctx: &ErpCtx) -> Result<String, MappingError> {
    let id = store_id(&customer.ids, ctx.store, "customer")?;
    Ok(format!(
        "{}/customer/{}",
        ctx.store_prefix()?,
        segment(id, &format!("customer.ids.{}", ctx.store.as_str()))?
    ))
}

/// `{store}/{shop}/order/{store order id}`: the sales order's reference.
pub fn order_ref(order: &Order, ctx: &ErpCtx) -> Result<String, MappingError> {
    if order.source != ctx.store {
        return Err(MappingError::InvalidValue {
            field: "order.source".to_owned(),
            value: order.source.as_str().to_owned(),
            expected: "the context's store",
        });
    }
    let field = format!("order.ids.{}", order.source.as_str());
    let id = store_id(&order.ids, order.source, "order")?;
    Ok(format!(
        "{}/order/{}",
        ctx.store_prefix()?,
        segment(id, &field)?
    ))
}

/// `{store}/{shop}/order/{store order id}/invoice`.
pub fn invoice_ref(order: &Order, ctx: &ErpCtx) -> Result<String, MappingError> {
    Ok(format!("{}/invoice", order_ref(order, ctx)?))
}

/// The store's order id in `invoice_ref` when it is an invoice reference ([`invoice_ref`]) of
/// the context's store and shop (`{store}/{shop}/order/{id}/invoice`), else `None`: how a
/// gateway-side document (a dispute of a payment) finds its order from the payment's invoice.
///
/// ```
/// use mapping::System;
/// use mapping::erp::{ErpCtx, order_id_of_invoice_ref};
/// let ctx = ErpCtx::new(System::Shopify, "demo.myshopify.com", "acct-9", time::macros::date!(2026 - 12 - 01));
/// let id = order_id_of_invoice_ref("shopify/demo.myshopify.com/order/1001/invoice", &ctx);
/// assert_eq!(id.as_deref(), Some("1001"));
/// assert_eq!(order_id_of_invoice_ref("shopify/other.myshopify.com/order/1001/invoice", &ctx), None);
/// ```
pub fn order_id_of_invoice_ref(invoice_ref: &str, ctx: &ErpCtx) -> Option<String> {
    let prefix = format!("{}/order/", ctx.store_prefix().ok()?);
    let id = invoice_ref
        .strip_prefix(&prefix)?
        .strip_suffix("/invoice")?;
    // Segments percent-encode `/` and `%` only (see the module docs).
    (!id.is_empty() && !id.contains('/')).then(|| id.replace("%2F", "/").replace("%25", "%"))
}

/// The ERP customer, with the PayTrace and Stripe vault ids found in `customer.ids`.
///
/// The name is the joined first and last name, else the address's company, else the e-mail; a
/// customer with none of them is [`MappingError::MissingField`] (`customer.name`).
pub fn to_erp_customer(customer: &Customer, ctx: &ErpCtx) -> Result<erp::Customer, MappingError> {
    let external_ref = customer_ref(customer, ctx)?;
    let name = display_name(
        customer.first_name.as_deref(),
        customer.last_name.as_deref(),
        customer.address.as_ref().and_then(|a| a.company.as_deref()),
        customer.email.as_deref(),
    )
    .ok_or_else(|| MappingError::MissingField {
        field: "customer.name".to_owned(),
    })?;
    Ok(erp::Customer {
        external_ref,
        name,
        email: non_empty(customer.email.as_deref()),
        vault_ids: vault_ids(customer)?,
    })
}

/// The PayTrace and Stripe vault ids in `customer.ids`; a blank one names its field.
fn vault_ids(customer: &Customer) -> Result<Vec<erp::VaultId>, MappingError> {
    let mut vault_ids = Vec::new();
    for gateway in VAULT_GATEWAYS {
        if let Some(vault_id) = customer.ids.get(gateway) {
            let field = format!("customer.ids.{}", gateway.as_str());
            if vault_id.trim().is_empty() {
                return Err(MappingError::MissingField { field });
            }
            vault_ids.push(erp::VaultId {
                gateway: erp::Gateway::try_from(gateway).map_err(|e| e.at(&field))?,
                vault_id: vault_id.to_owned(),
            });
        }
    }
    Ok(vault_ids)
}

/// The ERP customer an order is billed to: the order's customer when the store knows one, or
/// else a guest keyed by the order (`{store}/{shop}/order/{id}/customer`) and named from the
/// billing address or the order's e-mail. A guest keeps the vault ids its order's customer
/// record carries (a guest checkout's card vaulted for future payments).
pub fn to_erp_order_customer(order: &Order, ctx: &ErpCtx) -> Result<erp::Customer, MappingError> {
    if let Some(customer) = known_customer(order, ctx) {
        return to_erp_customer(customer, ctx).map_err(|e| e.at("order"));
    }
    let billing = order.billing_address.as_ref();
    let email = order
        .email
        .as_deref()
        .or_else(|| order.customer.as_ref().and_then(|c| c.email.as_deref()));
    let name = display_name(
        billing.and_then(|a| a.first_name.as_deref()),
        billing.and_then(|a| a.last_name.as_deref()),
        billing.and_then(|a| a.company.as_deref()),
        email,
    )
    .ok_or_else(|| MappingError::MissingField {
        field: "order.billing_address.last_name".to_owned(),
    })?;
    Ok(erp::Customer {
        external_ref: format!("{}/customer", order_ref(order, ctx)?),
        name,
        email: non_empty(email),
        vault_ids: match &order.customer {
            Some(customer) => vault_ids(customer).map_err(|e| e.at("order"))?,
            None => Vec::new(),
        },
    })
}

/// The external reference of the customer [`to_erp_order_customer`] returns.
fn order_customer_ref(order: &Order, ctx: &ErpCtx) -> Result<String, MappingError> {
    match known_customer(order, ctx) {
        Some(customer) => customer_ref(customer, ctx).map_err(|e| e.at("order")),
        None => Ok(format!("{}/customer", order_ref(order, ctx)?)),
    }
}

/// The order's customer when the store has an id for it (not a guest checkout).
fn known_customer<'a>(order: &'a Order, ctx: &ErpCtx) -> Option<&'a Customer> {
    order
        .customer
        .as_ref()
        .filter(|c| c.ids.get(ctx.store).is_some())
}

/// The ERP sales order: lines net of discounts (see [`to_erp_invoice`]), tax and shipping,
/// dated [`ErpCtx::date`], for the customer of [`to_erp_order_customer`].
pub fn to_erp_sales_order(order: &Order, ctx: &ErpCtx) -> Result<erp::SalesOrder, MappingError> {
    let body = Body::of(order)?;
    Ok(erp::SalesOrder {
        external_ref: order_ref(order, ctx)?,
        customer_ref: order_customer_ref(order, ctx)?,
        order_date: ctx.date,
        currency: body.currency,
        lines: body.lines,
        tax: body.tax,
        shipping: body.shipping,
    })
}

/// The ERP invoice of the whole order, linked to its sales order (post that first: the ledger
/// refuses an invoice whose sales order it does not know), dated [`ErpCtx::date`] and due
/// [`ErpCtx::payment_terms_days`] later.
///
/// The ERP's lines have no discount field and refuse negative prices, so discounts are taken
/// off the unit prices, exactly: a line of 3 × 10.00 less 1.00 becomes 1 × 9.66 + 2 × 9.67
/// (same SKU, same name, revenue 29.00 to the cent). An order-level discount is first shared
/// among the lines in proportion to their discounted amounts (largest remainder, ties to the
/// earlier line), so the parts add up to the discount exactly.
///
/// Each line's product code follows the module docs ("Product codes"). Each positive
/// adjustment follows the product lines as a line of its own, quantity 1, unit price its amount:
/// [`TIP_CODE`], [`DUTIES_CODE`], [`CASH_ROUNDING_CODE`]. A negative cash rounding is a price
/// reduction the customer got for paying cash, so it is shared among the product lines together
/// with the order discount, the same way; more than the lines can take is an error naming the
/// adjustment. A negative tip or duty is refused.
///
/// The result must add up to `order.total` (lines + adjustments + tax + shipping), or the
/// mapping fails naming `order.total`: an unexplained difference is never booked.
pub fn to_erp_invoice(order: &Order, ctx: &ErpCtx) -> Result<erp::Invoice, MappingError> {
    let body = Body::of(order)?;
    require_sign(order.total, true, "order.total")?;
    let date = ctx.date;
    let due = date
        .checked_add(Duration::days(i64::from(ctx.payment_terms_days)))
        .ok_or_else(|| MappingError::InvalidValue {
            field: "ctx.payment_terms_days".to_owned(),
            value: ctx.payment_terms_days.to_string(),
            expected: "terms that end before the year 9999",
        })?;
    Ok(erp::Invoice {
        external_ref: invoice_ref(order, ctx)?,
        customer_ref: order_customer_ref(order, ctx)?,
        sales_order_ref: Some(order_ref(order, ctx)?),
        invoice_date: date,
        due_date: due,
        currency: body.currency,
        lines: body.lines,
        tax: body.tax,
        shipping: body.shipping,
    })
}

/// What a sales order and its invoice share.
struct Body {
    currency: erp::CurrencyCode,
    lines: Vec<erp::LineItem>,
    tax: erp::Money,
    shipping: erp::Money,
}

impl Body {
    fn of(order: &Order) -> Result<Self, MappingError> {
        let currency = erp::CurrencyCode::from(order.currency);
        let cur = order.currency;
        for (money, field) in [
            (order.tax, "order.tax"),
            (order.shipping, "order.shipping"),
            (order.discount, "order.discount"),
        ] {
            erp_money(money, cur, field)?;
            require_sign(money, false, field)?;
        }
        // Each line's amount after its own discount, in minor units.
        let mut nets = Vec::with_capacity(order.line_items.len());
        for (i, line) in order.line_items.iter().enumerate() {
            let at = |f: &str| format!("order.line_items[{i}].{f}");
            erp_money(line.unit_price, cur, &at("unit_price"))?;
            erp_money(line.discount, cur, &at("discount"))?;
            require_sign(line.unit_price, false, &at("unit_price"))?;
            require_sign(line.discount, false, &at("discount"))?;
            let gross = line
                .unit_price
                .checked_mul(i64::from(line.quantity))
                .map_err(|e| e.at(&format!("order.line_items[{i}]")))?;
            let net = gross
                .checked_sub(line.discount)
                .map_err(|e| e.at(&format!("order.line_items[{i}]")))?;
            if net.is_negative() {
                return Err(MappingError::AmountOutOfRange {
                    field: at("discount"),
                    value: line.discount.to_string(),
                    reason: "larger than the line's price times its quantity",
                });
            }
            nets.push(net.minor());
        }
        // Positive adjustments become lines of their own; a negative cash rounding comes off the
        // product lines with the order discount (the ERP refuses negative prices).
        let mut adjustment_lines = Vec::new();
        let mut taken_off = order.discount;
        // The field of the last negative rounding, if any.
        let mut rounding_field = None;
        for (i, adjustment) in order.adjustments.iter().enumerate() {
            let field = format!("order.adjustments[{i}].amount");
            let amount = erp_money(adjustment.amount, cur, &field)?;
            if adjustment.kind != AdjustmentKind::CashRounding {
                // Only rounding goes both ways: a negative tip or duty has no meaning to book.
                require_sign(adjustment.amount, false, &field)?;
            }
            if adjustment.amount.is_negative() {
                taken_off = taken_off
                    .checked_sub(adjustment.amount)
                    .map_err(|e| e.at(&format!("order.adjustments[{i}]")))?;
                rounding_field = Some(field);
            } else if !adjustment.amount.is_zero() {
                let (code, description) = adjustment_code(adjustment.kind);
                adjustment_lines.push(erp::LineItem {
                    sku: code.to_owned(),
                    description: description.to_owned(),
                    quantity: 1,
                    unit_price: amount,
                });
            }
        }
        // More taken off than the lines hold is the discount's fault when the discount alone is
        // too much, else the last negative rounding's: `allocate` cannot tell the two apart.
        let capacity: i128 = nets.iter().map(|n| i128::from(*n)).sum();
        let taken_off_field = match rounding_field {
            Some(field) if i128::from(order.discount.minor()) <= capacity => field,
            _ => "order.discount".to_owned(),
        };
        let shares = allocate(taken_off.minor(), &nets, &taken_off_field)?;
        let mut lines = Vec::new();
        for (i, line) in order.line_items.iter().enumerate() {
            let field = format!("order.line_items[{i}]");
            let sku = product_code(line, order.source, &field)?;
            let net = nets[i] - shares[i];
            lines.extend(
                split_line(&sku, &line.name, line.quantity, net, currency).map_err(|e| {
                    MappingError::AmountOutOfRange {
                        field: format!("{field}.discount"),
                        value: e,
                        reason: "a discount on a line of quantity 0",
                    }
                })?,
            );
        }
        lines.extend(adjustment_lines);
        let tax = erp_money(order.tax, cur, "order.tax")?;
        let shipping = erp_money(order.shipping, cur, "order.shipping")?;
        let revenue: i64 = lines.iter().try_fold(0_i64, |sum, l| {
            i64::from(l.quantity)
                .checked_mul(l.unit_price.minor)
                .and_then(|t| sum.checked_add(t))
                .ok_or_else(|| MappingError::AmountOutOfRange {
                    field: "order.line_items".to_owned(),
                    value: l.sku.clone(),
                    reason: "the lines' sum does not fit in 64-bit minor units",
                })
        })?;
        let total = Money::sum(
            cur,
            [Money::from_minor(revenue, cur), order.tax, order.shipping],
        )
        .map_err(|e| e.at("order"))?;
        if total != order.total {
            return Err(MappingError::InvalidValue {
                field: "order.total".to_owned(),
                value: order.total.to_string(),
                expected: "total equal to the lines less discounts, plus adjustments, tax and shipping",
            });
        }
        Ok(Self {
            currency,
            lines,
            tax,
            shipping,
        })
    }
}

/// The ERP product code of a line (module docs, "Product codes"): its SKU, else its store
/// variant id, else [`CUSTOM_ITEM_CODE`] for a custom item, whose name must then be given since
/// it is all that tells the item apart. `field` is the line's path (`order.line_items[2]`).
fn product_code(line: &LineItem, source: System, field: &str) -> Result<String, MappingError> {
    if let Some(sku) = line.sku.as_deref().filter(|s| !s.trim().is_empty()) {
        return Ok(sku.to_owned());
    }
    if let Some(id) = non_blank(line.variant_id.as_deref()) {
        return Ok(match source {
            System::Magento => format!("magento-product-{id}"),
            other => format!("{}-variant-{id}", other.as_str()),
        });
    }
    if non_blank(Some(&line.name)).is_none() {
        return Err(MappingError::MissingField {
            field: format!("{field}.name"),
        });
    }
    Ok(CUSTOM_ITEM_CODE.to_owned())
}

/// The ERP product code and line description of an adjustment.
fn adjustment_code(kind: AdjustmentKind) -> (&'static str, &'static str) {
    match kind {
        AdjustmentKind::Tip => (TIP_CODE, "Tip"),
        AdjustmentKind::Duties => (DUTIES_CODE, "Duties"),
        AdjustmentKind::CashRounding => (CASH_ROUNDING_CODE, "Cash rounding"),
    }
}

/// Shares `discount` among lines in proportion to `weights` (their discounted amounts), by
/// largest remainder: the shares add up to `discount` exactly and never exceed a line's weight.
/// A discount larger than all the weights is an error naming `field`.
fn allocate(discount: i64, weights: &[i64], field: &str) -> Result<Vec<i64>, MappingError> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if discount == 0 {
        return Ok(vec![0; weights.len()]);
    }
    if i128::from(discount) > total {
        return Err(MappingError::AmountOutOfRange {
            field: field.to_owned(),
            value: discount.to_string(),
            reason: "larger than the lines it discounts",
        });
    }
    let d = i128::from(discount);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let product = d * i128::from(*w);
        shares.push(product / total);
        remainders.push((product % total, i));
    }
    let mut left = d - shares.iter().sum::<i128>();
    // Largest remainder first; equal remainders go to the earlier line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    // Each share is at most `discount`, so it fits in i64.
    Ok(shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
        .collect())
}

/// `quantity` units worth `net` minor units in all, as ERP lines with whole unit prices: one
/// line when `net` divides evenly, else two lines whose prices differ by one minor unit.
/// `Err` carries the amount when `quantity` is 0 and `net` is not.
fn split_line(
    sku: &str,
    name: &str,
    quantity: u32,
    net: i64,
    currency: erp::CurrencyCode,
) -> Result<Vec<erp::LineItem>, String> {
    let line = |quantity: u32, price: i64| erp::LineItem {
        sku: sku.to_owned(),
        description: name.to_owned(),
        quantity,
        unit_price: erp::Money::new(price, currency),
    };
    if quantity == 0 {
        return if net == 0 {
            Ok(vec![line(0, 0)])
        } else {
            Err(erp::Money::new(net, currency).to_string())
        };
    }
    let q = i64::from(quantity);
    let (price, rest) = (net / q, net % q);
    if rest == 0 {
        return Ok(vec![line(quantity, price)]);
    }
    // `rest` < `quantity`, so both conversions hold.
    let dearer = u32::try_from(rest).unwrap_or(quantity);
    Ok(vec![
        line(quantity - dearer, price),
        line(dearer, price + 1),
    ])
}

fn display_name(
    first: Option<&str>,
    last: Option<&str>,
    company: Option<&str>,
    email: Option<&str>,
) -> Option<String> {
    join_name(first.unwrap_or_default(), last.unwrap_or_default())
        .or_else(|| non_empty(company))
        .or_else(|| non_empty(email))
}

use crate::text::non_blank_owned as non_empty;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::erp::test_support::{ctx, customer, line, order, usd};
    use crate::{Adjustment, Currency, ExternalIds};

    fn adjustment(kind: AdjustmentKind, minor: i64) -> Adjustment {
        Adjustment {
            kind,
            amount: usd(minor),
        }
    }

    fn lines_of(lines: &[erp::LineItem]) -> Vec<(&str, u32, i64)> {
        lines
            .iter()
            .map(|l| (l.sku.as_str(), l.quantity, l.unit_price.minor))
            .collect()
    }

    #[test]
    fn customer_with_vault_ids() {
        let out = to_erp_customer(&customer(), &ctx()).unwrap();
        assert_eq!(out.external_ref, "shopify/shop1/customer/207119551");
        assert_eq!(out.name, "Ada Lovelace");
        assert_eq!(out.email.as_deref(), Some("ada@example.com"));
        let vault: Vec<_> = out
            .vault_ids
            .iter()
            .map(|v| (v.gateway.as_str(), v.vault_id.as_str()))
            .collect();
        assert_eq!(
            vault,
            [("paytrace", "cust-77"), ("stripe", "cus_NffrFeUfNV2Hib")]
        );
    }

    #[test]
    fn customer_names_fall_back_then_fail() {
        let mut c = customer();
        c.first_name = None;
        c.last_name = None;
        assert_eq!(to_erp_customer(&c, &ctx()).unwrap().name, "ada@example.com");
        c.email = None;
        let err = to_erp_customer(&c, &ctx()).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField {
                field: "customer.name".into()
            }
        );
        let mut c = customer();
        c.ids = ExternalIds::new().with(System::Paytrace, "cust-77");
        assert_eq!(
            to_erp_customer(&c, &ctx()).unwrap_err().field(),
            "customer.ids.shopify"
        );
    }

    #[test]
    fn guest_orders_get_a_customer_keyed_by_the_order() {
        let mut o = order();
        o.customer = None;
        let guest = to_erp_order_customer(&o, &ctx()).unwrap();
        assert_eq!(guest.external_ref, "shopify/shop1/order/450789469/customer");
        assert_eq!(guest.name, "Bob Norman");
        assert!(guest.vault_ids.is_empty());
        let so = to_erp_sales_order(&o, &ctx()).unwrap();
        assert_eq!(so.customer_ref, guest.external_ref);
        o.billing_address = None;
        o.email = None;
        assert_eq!(
            to_erp_order_customer(&o, &ctx()).unwrap_err().field(),
            "order.billing_address.last_name"
        );
        let known = to_erp_order_customer(&order(), &ctx()).unwrap();
        assert_eq!(known.external_ref, "shopify/shop1/customer/207119551");
    }

    #[test]
    fn sales_order_and_invoice() {
        let so = to_erp_sales_order(&order(), &ctx()).unwrap();
        assert_eq!(so.external_ref, "shopify/shop1/order/450789469");
        assert_eq!(so.customer_ref, "shopify/shop1/customer/207119551");
        assert_eq!(so.currency.as_str(), "USD");
        assert_eq!(lines_of(&so.lines), [("TEE-1", 2, 1500), ("MUG-2", 1, 900)]);
        assert_eq!(so.lines[1].description, "Product MUG-2");
        assert_eq!((so.tax.minor, so.shipping.minor), (240, 500));
        assert_eq!(so.total().unwrap().minor, 4640);

        let inv = to_erp_invoice(&order(), &ctx().with_payment_terms_days(30)).unwrap();
        assert_eq!(inv.external_ref, "shopify/shop1/order/450789469/invoice");
        assert_eq!(
            inv.sales_order_ref.as_deref(),
            Some("shopify/shop1/order/450789469")
        );
        assert_eq!(inv.total().unwrap().minor, 4640);
        let json = serde_json::to_value(&inv).unwrap();
        assert_eq!(json["invoice_date"], "2026-11-23");
        assert_eq!(json["due_date"], "2026-12-23");
    }

    #[test]
    fn discounts_come_off_unit_prices_exactly() {
        // (quantity, unit price, line discount) and the (quantity, unit price) of the ERP lines.
        type Case = (u32, i64, i64, &'static [(u32, i64)]);
        let cases: [Case; 5] = [
            (3, 1000, 0, &[(3, 1000)]),
            (3, 1000, 300, &[(3, 900)]),
            (3, 1000, 100, &[(1, 966), (2, 967)]),
            (1, 999, 999, &[(1, 0)]),
            (0, 500, 0, &[(0, 0)]),
        ];
        for (quantity, unit, discount, want) in cases {
            let mut o = order();
            o.line_items = vec![line("A", quantity, unit, discount, 0)];
            o.tax = usd(0);
            o.shipping = usd(0);
            o.total = usd(unit * i64::from(quantity) - discount);
            if o.total.is_zero() {
                o.shipping = usd(1);
                o.total = usd(1);
            }
            let so = to_erp_sales_order(&o, &ctx()).unwrap();
            let got: Vec<_> = so
                .lines
                .iter()
                .map(|l| (l.quantity, l.unit_price.minor))
                .collect();
            assert_eq!(got, want, "{quantity} x {unit} - {discount}");
            assert_eq!(so.total().unwrap().minor, o.total.minor());
        }
    }

    #[test]
    fn order_discount_is_shared_by_largest_remainder() {
        assert_eq!(
            allocate(100, &[1000, 1000, 1000], "order.discount").unwrap(),
            [34, 33, 33]
        );
        assert_eq!(
            allocate(100, &[3000, 1000], "order.discount").unwrap(),
            [75, 25]
        );
        assert_eq!(
            allocate(1, &[0, 5, 5], "order.discount").unwrap(),
            [0, 1, 0]
        );
        assert_eq!(allocate(0, &[5], "order.discount").unwrap(), [0]);
        assert_eq!(allocate(10, &[4, 6], "order.discount").unwrap(), [4, 6]);
        assert_eq!(
            allocate(11, &[4, 6], "order.discount").unwrap_err().field(),
            "order.discount"
        );
        let mut o = order();
        o.discount = usd(300);
        o.total = usd(4340);
        let so = to_erp_sales_order(&o, &ctx()).unwrap();
        // 3000 and 900 share 300: 230.77 and 69.23 -> 231 and 69.
        assert_eq!(
            lines_of(&so.lines),
            [("TEE-1", 1, 1384), ("TEE-1", 1, 1385), ("MUG-2", 1, 831)]
        );
        assert_eq!(so.total().unwrap().minor, 4340);
    }

    #[test]
    fn lines_without_a_sku_take_the_variant_then_the_custom_code() {
        let mut o = order();
        o.line_items[0].sku = None;
        o.line_items[0].variant_id = Some("39072856".into());
        o.line_items[1].sku = Some("  ".into());
        o.line_items[1].variant_id = None;
        o.line_items[1].name = "Gift wrapping".into();
        let so = to_erp_sales_order(&o, &ctx()).unwrap();
        assert_eq!(
            lines_of(&so.lines),
            [
                ("shopify-variant-39072856", 2, 1500),
                (CUSTOM_ITEM_CODE, 1, 900)
            ]
        );
        assert_eq!(so.lines[1].description, "Gift wrapping");
        // A SKU wins over the variant id.
        o.line_items[0].sku = Some("TEE-1".into());
        let inv = to_erp_invoice(&o, &ctx()).unwrap();
        assert_eq!(inv.lines[0].sku, "TEE-1");
        assert_eq!(inv.total().unwrap().minor, 4640);

        // Magento's variant id is its product id.
        let mut m = order();
        m.source = System::Magento;
        m.ids = ExternalIds::new().with(System::Magento, "3");
        m.customer = None;
        m.line_items[1].sku = None;
        m.line_items[1].variant_id = Some("1553".into());
        let so = to_erp_sales_order(
            &m,
            &ErpCtx::new(System::Magento, "default", "acct", ctx().date),
        )
        .unwrap();
        assert_eq!(so.lines[1].sku, "magento-product-1553");
    }

    #[test]
    fn adjustments_are_lines_of_their_own() {
        let mut o = order();
        o.adjustments = vec![
            adjustment(AdjustmentKind::Tip, 500),
            adjustment(AdjustmentKind::Duties, 1234),
            adjustment(AdjustmentKind::CashRounding, 0),
            adjustment(AdjustmentKind::CashRounding, 2),
        ];
        o.total = usd(4640 + 500 + 1234 + 2);
        let so = to_erp_sales_order(&o, &ctx()).unwrap();
        assert_eq!(
            lines_of(&so.lines),
            [
                ("TEE-1", 2, 1500),
                ("MUG-2", 1, 900),
                (TIP_CODE, 1, 500),
                (DUTIES_CODE, 1, 1234),
                (CASH_ROUNDING_CODE, 1, 2),
            ]
        );
        assert_eq!(so.lines[2].description, "Tip");
        assert_eq!(so.total().unwrap().minor, o.total.minor());
        let inv = to_erp_invoice(&o, &ctx()).unwrap();
        assert_eq!(inv.lines, so.lines);
        assert_eq!(inv.total().unwrap().minor, o.total.minor());

        // Leaving an adjustment out of the total is an unexplained difference.
        o.total = usd(4640 + 500 + 1234);
        let err = to_erp_invoice(&o, &ctx()).unwrap_err();
        assert_eq!(err.field(), "order.total");
        assert!(matches!(err, MappingError::InvalidValue { .. }));
    }

    #[test]
    fn negative_cash_rounding_comes_off_the_product_lines() {
        let mut o = order();
        o.discount = usd(300);
        o.adjustments = vec![adjustment(AdjustmentKind::CashRounding, -3)];
        o.total = usd(4640 - 300 - 3);
        let so = to_erp_sales_order(&o, &ctx()).unwrap();
        // 3,000 and 900 share 303: 233.08 and 69.92 -> 233 and 70; no negative line.
        assert_eq!(
            lines_of(&so.lines),
            [("TEE-1", 1, 1383), ("TEE-1", 1, 1384), ("MUG-2", 1, 830)]
        );
        assert!(so.lines.iter().all(|l| l.unit_price.minor >= 0));
        assert_eq!(so.total().unwrap().minor, 4337);
        assert_eq!(
            to_erp_invoice(&o, &ctx()).unwrap().total().unwrap().minor,
            4337
        );
        // The discount alone too large still names the discount.
        o.discount = usd(3901);
        let err = to_erp_sales_order(&o, &ctx()).unwrap_err();
        assert_eq!(err.field(), "order.discount");
    }

    #[test]
    fn errors_name_the_field() {
        type Edit = fn(&mut Order);
        let cases: [(Edit, &str, &str); 14] = [
            (
                |o| {
                    o.line_items[1].sku = None;
                    o.line_items[1].name = " ".into();
                },
                "order.line_items[1].name",
                "missing",
            ),
            (
                |o| {
                    o.line_items[1].sku = Some(" ".into());
                    o.line_items[1].name = String::new();
                },
                "order.line_items[1].name",
                "missing",
            ),
            (
                |o| o.adjustments = vec![adjustment(AdjustmentKind::Tip, -1)],
                "order.adjustments[0].amount",
                "range",
            ),
            (
                |o| {
                    o.adjustments = vec![
                        adjustment(AdjustmentKind::Tip, 100),
                        Adjustment {
                            kind: AdjustmentKind::Duties,
                            amount: Money::from_minor(100, Currency::EUR),
                        },
                    ];
                },
                "order.adjustments[1].amount",
                "currency",
            ),
            (
                // More rounding than the product lines (3,900 after discounts) can take.
                |o| o.adjustments = vec![adjustment(AdjustmentKind::CashRounding, -3901)],
                "order.adjustments[0].amount",
                "range",
            ),
            (
                |o| o.line_items[0].unit_price = Money::from_minor(1500, Currency::EUR),
                "order.line_items[0].unit_price",
                "currency",
            ),
            (
                |o| o.tax = Money::from_minor(240, Currency::CAD),
                "order.tax",
                "currency",
            ),
            (
                |o| o.line_items[1].discount = usd(1001),
                "order.line_items[1].discount",
                "range",
            ),
            (
                |o| o.line_items[0].unit_price = usd(-1),
                "order.line_items[0].unit_price",
                "range",
            ),
            (|o| o.shipping = usd(-500), "order.shipping", "range"),
            (|o| o.total = usd(4641), "order.total", "value"),
            (
                |o| o.ids = ExternalIds::new(),
                "order.ids.shopify",
                "missing",
            ),
            (|o| o.source = System::Magento, "order.source", "value"),
            (
                |o| o.line_items[0].unit_price = usd(i64::MAX / 2 + 1),
                "order.line_items[0].amount",
                "range",
            ),
        ];
        for (edit, field, kind) in cases {
            let mut o = order();
            edit(&mut o);
            let err = to_erp_sales_order(&o, &ctx()).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            let ok = match kind {
                "missing" => matches!(err, MappingError::MissingField { .. }),
                "currency" => matches!(err, MappingError::CurrencyMismatch { .. }),
                "range" => matches!(err, MappingError::AmountOutOfRange { .. }),
                _ => matches!(err, MappingError::InvalidValue { .. }),
            };
            assert!(ok, "{field}: {err:?}");
            assert!(err.is_permanent());
        }
    }

    #[test]
    fn invoices_must_be_positive_and_due_in_range() {
        let mut o = order();
        o.line_items = vec![line("A", 1, 0, 0, 0)];
        o.tax = usd(0);
        o.shipping = usd(0);
        o.total = usd(0);
        assert!(to_erp_sales_order(&o, &ctx()).is_ok());
        assert_eq!(
            to_erp_invoice(&o, &ctx()).unwrap_err().field(),
            "order.total"
        );
        let mut late = ctx();
        late.date = time::Date::from_calendar_date(9999, time::Month::December, 30).unwrap();
        let err = to_erp_invoice(&order(), &late.with_payment_terms_days(2)).unwrap_err();
        assert_eq!(err.field(), "ctx.payment_terms_days");
    }
}

//! Shopify amounts: decimal strings (`"598.94"`) with a currency code, in shop money (the store's
//! currency) and presentment money (the customer's), as in `total_price_set.shop_money` and
//! GraphQL's `MoneyBag { shopMoney, presentmentMoney }`.

use crate::currency::parse_currency;
use crate::{MappingError, Money, MoneyBag};

/// Reads one Shopify `MoneyV2` / `shop_money` pair.
pub fn parse_shopify_money(
    amount: &str,
    currency_code: &str,
    field: &str,
) -> Result<Money, MappingError> {
    let currency = parse_currency(currency_code, &format!("{field}.currency_code"))?;
    Money::parse_major(amount, currency, &format!("{field}.amount"))
}

/// Reads a `*_set` money bag: the same amount in shop and presentment currency.
pub fn parse_shopify_money_bag(
    shop: (&str, &str),
    presentment: (&str, &str),
    field: &str,
) -> Result<MoneyBag, MappingError> {
    Ok(MoneyBag {
        shop: parse_shopify_money(shop.0, shop.1, &format!("{field}.shop_money"))?,
        presentment: parse_shopify_money(
            presentment.0,
            presentment.1,
            &format!("{field}.presentment_money"),
        )?,
    })
}

/// The decimal string Shopify expects for `money` (`"10.00"`, `"1000"` for JPY).
pub fn format_shopify_amount(money: &Money) -> String {
    money.format_major()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Currency;

    #[test]
    fn reads_shop_and_presentment_money() {
        let bag = parse_shopify_money_bag(("598.94", "USD"), ("553.26", "EUR"), "total_price_set")
            .unwrap();
        assert_eq!(bag.shop, Money::from_minor(59894, Currency::USD));
        assert_eq!(bag.presentment, Money::from_minor(55326, Currency::EUR));
    }

    #[test]
    fn errors_name_the_nested_field() {
        let err = parse_shopify_money_bag(("1.00", "USD"), ("1.001", "EUR"), "total_price_set")
            .unwrap_err();
        assert_eq!(err.field(), "total_price_set.presentment_money.amount");
        let err = parse_shopify_money("1.00", "XYZ", "subtotal").unwrap_err();
        assert_eq!(err.field(), "subtotal.currency_code");
    }

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(
            format_shopify_amount(&Money::from_minor(1000, Currency::USD)),
            "10.00"
        );
        assert_eq!(
            format_shopify_amount(&Money::from_minor(1000, Currency::JPY)),
            "1000"
        );
    }
}

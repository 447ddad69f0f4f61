//! Integration tests of the `erp` crate: one binary, a module per area.
#![allow(clippy::unwrap_used)]

/// Instantiates each test body (an `async fn(Backend)` of the module, which has `Backend` in
/// scope) for both ledger backends.
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

mod ledger;
mod ledger_billing;
mod ledger_props;
mod odoo;

use erp::{CurrencyCode, Customer, Gateway, Invoice, LineItem, Money, Payment, PaymentDirection};
use time::{Date, Month};

/// The US dollar.
pub fn usd() -> CurrencyCode {
    CurrencyCode::new("USD").unwrap()
}

/// A day of November 2026.
pub fn day(d: u8) -> Date {
    Date::from_calendar_date(2026, Month::November, d).unwrap()
}

/// A customer with a PayTrace vault id.
pub fn customer(r: &str) -> Customer {
    Customer {
        external_ref: r.into(),
        name: "Ada Lovelace".into(),
        email: Some("ada@example.com".into()),
        vault_ids: vec![erp::VaultId {
            gateway: Gateway::new("paytrace").unwrap(),
            vault_id: "cust-77".into(),
        }],
    }
}

/// An invoice of 2 × 15.00 + 2.40 tax + 5.00 shipping = 37.40 USD.
pub fn invoice(r: &str, customer_ref: &str) -> Invoice {
    Invoice {
        external_ref: r.into(),
        customer_ref: customer_ref.into(),
        sales_order_ref: None,
        invoice_date: day(1),
        due_date: day(15),
        currency: usd(),
        lines: vec![LineItem {
            sku: "TEE-1".into(),
            description: "T-shirt".into(),
            quantity: 2,
            unit_price: Money::new(1500, usd()),
        }],
        tax: Money::new(240, usd()),
        shipping: Money::new(500, usd()),
    }
}

/// A received Stripe payment of `minor` cents with a `fee`.
pub fn payment(r: &str, invoice_ref: &str, minor: i64, fee: i64) -> Payment {
    Payment {
        external_ref: r.into(),
        invoice_ref: invoice_ref.into(),
        direction: PaymentDirection::Received,
        gateway: Gateway::new("stripe").unwrap(),
        transaction_id: format!("txn-{r}"),
        amount: Money::new(minor, usd()),
        fee: Some(Money::new(fee, usd())),
        date: day(2),
    }
}

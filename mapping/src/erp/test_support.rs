//! Canonical entities shared by the table tests of this module.
#![allow(clippy::unwrap_used)]

use time::macros::{date, datetime};

use super::ErpCtx;
use crate::{
    Address, Currency, Customer, Dispute, DisputeStatus, ExternalIds, FinancialStatus, LineItem,
    Money, Order, Payment, PaymentKind, PaymentStatus, Refund, RefundStatus, SettlementKind,
    SettlementLine, System,
};

pub(super) fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

pub(super) fn ctx() -> ErpCtx {
    ErpCtx::new(System::Shopify, "shop1", "acct-9", date!(2026 - 11 - 23))
}

pub(super) fn customer() -> Customer {
    Customer {
        ids: ExternalIds::new()
            .with(System::Shopify, "207119551")
            .with(System::Paytrace, "cust-77")
            .with(System::Stripe, "cus_NffrFeUfNV2Hib"),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        phone: None,
        address: None,
    }
}

pub(super) fn line(sku: &str, quantity: u32, unit: i64, discount: i64, tax: i64) -> LineItem {
    LineItem {
        ids: ExternalIds::new(),
        sku: Some(sku.into()),
        variant_id: None,
        name: format!("Product {sku}"),
        quantity,
        unit_price: usd(unit),
        discount: usd(discount),
        tax: usd(tax),
        total: usd(unit * i64::from(quantity) - discount),
    }
}

/// 2 × 15.00 + 1 × 10.00 less 1.00, + 2.40 tax + 5.00 shipping = 46.40 USD.
pub(super) fn order() -> Order {
    Order {
        ids: ExternalIds::new().with(System::Shopify, "450789469"),
        source: System::Shopify,
        number: "#1001".into(),
        currency: Currency::USD,
        customer: Some(customer()),
        email: Some("ada@example.com".into()),
        billing_address: Some(Address {
            first_name: Some("Bob".into()),
            last_name: Some("Norman".into()),
            ..Address::default()
        }),
        shipping_address: None,
        line_items: vec![
            line("TEE-1", 2, 1500, 0, 240),
            line("MUG-2", 1, 1000, 100, 0),
        ],
        shipping: usd(500),
        discount: usd(0),
        tax: usd(240),
        total: usd(4640),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::Paid,
    }
}

pub(super) fn payment() -> Payment {
    Payment {
        ids: ExternalIds::new().with(System::Paytrace, "123456"),
        order_number: Some("#1001".into()),
        reference: Some("1001".into()),
        fee: Some(usd(135)),
        approval_code: Some("TAS123".into()),
        processed_at: Some(datetime!(2026-11-23 15:04 UTC)),
        ..Payment::new(
            System::Paytrace,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            usd(4640),
        )
    }
}

pub(super) fn refund() -> Refund {
    Refund {
        ids: ExternalIds::new()
            .with(System::Shopify, "929361462")
            .with(System::Paytrace, "123999"),
        gateway: System::Paytrace,
        payment_transaction_id: Some("123456".into()),
        order_number: Some("#1001".into()),
        amount: usd(1000),
        presentment_amount: None,
        status: RefundStatus::Succeeded,
        reason: Some("Damaged mug".into()),
        processed_at: Some(datetime!(2026-11-25 09:00 UTC)),
    }
}

pub(super) fn dispute(status: DisputeStatus) -> Dispute {
    Dispute {
        ids: ExternalIds::new().with(System::Stripe, "dp_1"),
        gateway: System::Stripe,
        payment_transaction_id: "ch_1".into(),
        order_number: Some("#1001".into()),
        amount: usd(4640),
        reason: Some("fraudulent".into()),
        status,
        evidence_due_by: None,
    }
}

pub(super) fn settlement(kind: SettlementKind, gross: i64, fee: i64) -> SettlementLine {
    SettlementLine {
        gateway: System::Stripe,
        batch_id: "po_1".into(),
        transaction_id: format!("txn_{gross}"),
        reference: None,
        kind,
        gross: usd(gross),
        fee: usd(fee),
        net: usd(gross - fee),
        settled_at: None,
    }
}

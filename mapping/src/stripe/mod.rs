//! Conversions between the `stripe-client` crate's types and the canonical model.
//!
//! Outgoing: a canonical [`Order`](crate::Order) becomes `CreatePaymentIntent` parameters
//! ([`to_create_payment_intent`]) and a canonical [`Customer`](crate::Customer) becomes
//! `CreateCustomer` / `UpdateCustomer` parameters ([`to_create_customer`], [`to_update_customer`]).
//! Incoming: `Charge` and `PaymentIntent` become [`Payment`](crate::Payment), `Refund` becomes
//! [`Refund`](crate::Refund), `Dispute` becomes [`Dispute`](crate::Dispute), `Customer` becomes
//! [`Customer`](crate::Customer), `Payout` becomes [`PayoutSummary`], and balance transactions
//! become [`SettlementLine`](crate::SettlementLine)s ([`to_settlement_line`],
//! [`to_settlement_lines`]). Billing: `Subscription` becomes [`Subscription`](crate::Subscription),
//! `Invoice` becomes [`BillingInvoice`](crate::BillingInvoice) and `CreditNote` becomes
//! [`BillingCreditNote`](crate::BillingCreditNote) (field table in [`billing`]).
//!
//! Amounts go through [`crate::amount::stripe`] (Stripe's own exponent table), statuses through
//! [`crate::status::stripe`], addresses through [`crate::address`], the order reference through
//! [`crate::reference::order_reference`]. Every error names its field path from the Stripe object
//! down (`charge.payment_method_details.card.last4`, `balance_transactions[2].net`).
//!
//! Sources of the Stripe facts relied on here:
//! - Stripe's OpenAPI spec and `fixtures3.json` for API version 2023-08-16 (copies in the
//!   workspace's `reference/stripe/`; the fields read here keep their shape up to
//!   `2026-10-28.endive`, the version `stripe-client` pins): the fields and their
//!   nullability, the `payment_method_details.card.checks` values (`pass`, `fail`,
//!   `unavailable`, `unchecked`), the balance transaction `type` values, `name` and `address` being the required
//!   parts of a PaymentIntent's `shipping` parameter.
//! - <https://docs.stripe.com/metadata>: at most 50 keys, keys up to 40 characters, values up to
//!   500 characters.
//! - <https://docs.stripe.com/reports/reporting-categories>: `reporting_category` splits
//!   `type=adjustment` into disputes, dispute reversals and failed refunds, groups fees under
//!   `fee`, and gives partial-capture reversals their own category. The exact spellings read in
//!   [`settlement`] (`charge`, `refund`, `refund_failure`, `dispute`, `dispute_reversal`, `fee`,
//!   `payout`, `payout_reversal`, `other_adjustment`, `partial_capture_reversal`) match the enum
//!   stripe-go generates from Stripe's spec (`BalanceTransactionReportingCategory`); the 2023-08-16
//!   spec itself types the field as a free string. Values not in the table fall back to `type`,
//!   then to `Unknown`.
//!
//! A disputed order's evidence is assembled from the canonical order and what the store knows
//! of its shipments ([`to_dispute_evidence`]).
//!
//! AVS and CVV results come from the charge's `payment_method_details.card.checks`
//! ([`avs_result`], [`cvv_result`]).

pub mod billing;
mod checks;
mod evidence;
mod funds;
mod inbound;
mod outbound;
pub mod settlement;

pub use billing::{billing_reason, credit_note_reason};
pub use checks::{avs_result, cvv_result};
pub use evidence::{EvidenceFacts, ShipmentFacts, to_dispute_evidence};
pub use funds::{DisputeFunds, FundsMoved, dispute_funds};
pub use inbound::PayoutSummary;
pub use outbound::{
    RefundParams, StripeCtx, to_create_customer, to_create_payment_intent, to_create_refund,
    to_stripe_address, to_update_customer,
};
pub use settlement::{settlement_kind, to_settlement_line, to_settlement_lines};

use crate::System;

/// Metadata key of the store's order id on a PaymentIntent (Shopify order id, Magento `entity_id`).
pub const META_ORDER_ID: &str = "order_id";
/// Metadata key of the order number people see (`#1001`, `000000003`).
pub const META_ORDER_NUMBER: &str = "order_number";
/// Metadata key of the order reference from [`crate::reference::order_reference`] with
/// [`ReferenceField::StripeMetadata`](crate::reference::ReferenceField::StripeMetadata):
/// reconciliation recomputes it to find the order.
pub const META_ORDER_REFERENCE: &str = "order_reference";
/// Metadata key of the request a refund was made for (a refund asked for outside the store):
/// the key of the request's job, so a refund can be found again by its request.
pub const META_REFUND_REQUEST: &str = "refund_request";
/// Metadata key of the reason given with a refund asked for outside the store (Stripe's own
/// `reason` takes three fixed values only).
pub const META_REFUND_REASON: &str = "refund_reason";
/// Metadata key of the store the order came from (`shopify`, `magento`), so one Stripe account can
/// serve several stores.
pub const META_STORE: &str = "store";
/// Metadata key of the store's own code (a Magento store view code), so several stores of one
/// kind can share a Stripe account: a customer made for one is not taken by another.
pub const META_STORE_CODE: &str = "store_code";

/// Metadata key under which a customer's id in `system` is kept on the Stripe customer, so the
/// customer sync can go both ways (`magento_customer_id`, `erp_customer_id`). `None` for Stripe
/// itself, whose id is the customer's own, and for the warehouse, which has no customers.
pub const fn customer_id_key(system: System) -> Option<&'static str> {
    match system {
        System::Shopify => Some("shopify_customer_id"),
        System::Magento => Some("magento_customer_id"),
        System::Paytrace => Some("paytrace_customer_id"),
        System::Erp => Some("erp_customer_id"),
        System::Stripe | System::Warehouse => None,
    }
}

/// Every system whose customer id may be kept in Stripe metadata, in key order.
const CUSTOMER_ID_SYSTEMS: [System; 4] = [
    System::Shopify,
    System::Magento,
    System::Paytrace,
    System::Erp,
];

/// Stripe's limit on a metadata value (docs.stripe.com/metadata).
pub const MAX_METADATA_VALUE_LEN: usize = 500;

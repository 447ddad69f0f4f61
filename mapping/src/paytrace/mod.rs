//! Conversions between the `paytrace` client crate's types and the canonical model.
//!
//! | direction | canonical | PayTrace | function |
//! |---|---|---|---|
//! | out | [`Order`](crate::Order) + card / Protect token / vault id | sale or authorization body | [`to_keyed_request`], [`to_protect_request`], [`to_customer_request`] |
//! | out | [`Payment`](crate::Payment) | capture, void | [`to_capture_request`], [`to_void_transaction`] |
//! | out | [`Refund`](crate::Refund) | refund for a transaction | [`to_refund_request`] |
//! | in | [`Payment`](crate::Payment) | transaction response + [`TransactionCtx`] | [`to_payment`] |
//! | in | [`Refund`](crate::Refund) | refund or void response | [`to_refund`], [`to_refund_by_void`] |
//! | in | [`SettlementLine`](crate::SettlementLine) | a batch's transaction list | [`to_settlement_lines`] |
//! | in | [`Chargeback`] | a row of the merchant's chargeback report (CSV, see [`parse_chargeback_report`]) | [`parse_chargeback_report`] |
//! | in | [`Dispute`](crate::Dispute), [`SettlementLine`](crate::SettlementLine)s | a [`Chargeback`] | [`Chargeback::dispute`], [`chargeback_batches`] |
//! | both | [`Customer`](crate::Customer) | vault profile | [`to_create_customer_request`], [`to_protect_customer_request`], [`to_update_customer_request`], [`with_vault_id`], `TryFrom<&CustomerRecord>` |
//! | out | [`Order`](crate::Order) + its approved transaction | vault profile from the transaction, under the id [`order_vault_id`] derives (a later order: [`saved_card_vault_id`]) | [`to_customer_from_transaction_request`] |
//! | both | [`Address`](crate::Address) | `billing_address` / `shipping_address` | [`to_paytrace_address`], `TryFrom<&paytrace::Address>` |
//!
//! Field paths in errors: conversions out of the canonical model name canonical fields
//! (`order.total`, `order.billing_address.postal_code`, `refund.payment_transaction_id`);
//! conversions of PayTrace bodies name PayTrace's fields, relative to the body
//! (`transaction_id`, `transactions[2].amount`, `billing_address.zip`).
//!
//! Amounts use [`crate::amount::paytrace`] (US dollars only, two decimals, positive), statuses
//! [`crate::status::paytrace`], addresses [`crate::address`] and the `invoice_id`
//! [`crate::reference::order_reference`].
//!
//! ```
//! use mapping::paytrace::{OrderCtx, TransactionCtx, to_keyed_request, to_payment};
//! use mapping::{Currency, ExternalIds, FinancialStatus, Money, Order, PaymentKind, PaymentStatus, System};
//! use paytrace::{CreditCard, TransactionResponse};
//!
//! let usd = |minor| Money::from_minor(minor, Currency::USD);
//! let order = Order {
//!     ids: ExternalIds::new().with(System::Shopify, "450789469"),
//!     source: System::Shopify,
//!     number: "#1001".into(),
//!     currency: Currency::USD,
//!     customer: None,
//!     email: None,
//!     billing_address: None,
//!     shipping_address: None,
//!     line_items: vec![],
//!     shipping: usd(0),
//!     discount: usd(0),
//!     tax: usd(0),
//!     total: usd(5188),
//!     presentment_total: None,
//!     adjustments: Vec::new(),
//!     financial_status: FinancialStatus::Pending,
//! };
//! let ctx = OrderCtx { store_prefix: "S1", email_receipt: false };
//! // The card comes from the caller (ideally encrypted on the client), never from the order.
//! let card = CreditCard::encrypted("<encrypted number>", 12, 2030);
//! let sale = to_keyed_request(&order, &ctx, card, None)?;
//! assert_eq!(sale.details.invoice_id.as_deref(), Some("S1-1001"));
//! assert_eq!(sale.amount.to_string(), "51.88");
//!
//! // What `client.sale_keyed(&sale)` answered:
//! let response: TransactionResponse = serde_json::from_str(
//!     r#"{"success": true, "response_code": 101, "status_message": "Your transaction was successfully approved.",
//!         "transaction_id": 125391271, "approval_code": "TAS445", "avs_response": "No Match", "csc_response": "",
//!         "masked_card_number": "xxxxxxxxxxxx5439"}"#,
//! ).expect("valid body");
//! let payment = to_payment(&response, &TransactionCtx::for_order(&order, PaymentKind::Sale, &ctx)?)?;
//! assert_eq!(payment.status, PaymentStatus::Captured);
//! assert_eq!(payment.transaction_id()?, "125391271");
//! # Ok::<(), mapping::MappingError>(())
//! ```
//!
//! # Sources
//! - The client crate's models, which follow PayTrace's JSON API v1 (help.paytrace.com `json-*`
//!   pages, PayTrace/api-demo, activemerchant, narch/paytracer sandbox cassettes); the reference
//!   notes are in the workspace's shared PayTrace research.
//! - AVS strings: help.paytrace.com/avs-responses. CSC values: only `"Match"` and `""` are
//!   confirmed by recorded responses.
//! - Export records and `status_code` `GB<batch>`: help.paytrace.com/json-export-tranx-date.
//! - Card brands from BINs: the networks' published IIN ranges (Visa 4, Mastercard 51-55 and
//!   2221-2720, Amex 34/37, Discover 6011/644-649/65/622126-622925, JCB 3528-3589, Diners
//!   300-305/36/38-39, UnionPay 62).
//!
//! Unconfirmed: PayTrace's timestamp zone (see [`SettlementCtx`]), whether settled refunds are
//! exported with positive amounts (assumed; a negative one is refused, not guessed at), the
//! shape of a batch's transaction list beyond the export record, `invoice_id`'s length limit
//! (see [`crate::reference::ReferenceField::PaytraceInvoiceId`]) and whether PayTrace takes the
//! dashed ZIP+4 form.

mod address;
mod chargeback;
mod customer;
mod requests;
mod responses;
mod settlement;

pub use address::{address_from_paytrace, is_blank_address, to_paytrace_address};
pub use chargeback::{
    CHARGEBACK_FEE_SUFFIX, Chargeback, ChargebackStage, chargeback_batches, parse_chargeback_report,
};
pub use customer::{
    customer_vault_id, guest_vault_id, order_vault_id, saved_card_vault_id,
    to_create_customer_request, to_customer_from_transaction_request, to_protect_customer_request,
    to_update_customer_request, vault_id_of_customer, with_vault_id,
};
pub use requests::{
    OrderCtx, invoice_id, to_capture_request, to_customer_request, to_keyed_request,
    to_protect_request, to_refund_request, to_void_transaction,
};
pub use responses::{
    TransactionCtx, card_brand_from_masked, to_payment, to_refund, to_refund_by_void,
};
pub use settlement::{SettlementCtx, to_settlement_line, to_settlement_lines};

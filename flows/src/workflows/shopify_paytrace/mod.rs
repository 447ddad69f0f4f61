//! Shopify + PayTrace.
//!
//! | flow | job kind | entity | started by | steps |
//! |---|---|---|---|---|
//! | [`OrderPayment`] | `shopify.order-payment` | `shopify/{shop}/order/{id}` | `orders/create`; run again by [`ShopifyPaytrace::release_held`] and [`ShopifyPaytrace::cancel_held`] for a held order | mapped and validated → risk gate (held: the decision of a person, see [the fraud screen](#the-fraud-screen)) → PayTrace sale (or authorization) → a Protect.js card vaulted (see [the vault](#the-vault)) → Shopify paid + metafields, or tagged and noted when declined (and, with [`Config::decline_invoice`], the invoice e-mailed to the customer: Shopify's `orderInvoiceSend`, a link to pay another way) → ERP customer, sales order, invoice, payment (authorization: metafields and tag, ERP customer and sales order) |
//! | [`OrderCapture`] | `shopify.order-capture` | the order's | `fulfillments/create` | capture of the authorization → Shopify paid + metafields → ERP invoice and payment |
//! | [`RefundFlow`] | `shopify.refund` | `shopify/{shop}/order/{id}/refund/{refund id}` | `refunds/create` | PayTrace refund, or a void when the sale has not settled → ERP credit memo and refund payment |
//! | [`RefundRequestFlow`] | `shopify.refund-request` | `shopify/{shop}/order/{id}/refund-request/{request id}` | [`ShopifyPaytrace::refund_request_job`] (a library call, or `payops refund shopify`): a refund asked for outside Shopify | checked against the order (currency, at most what is refundable, a PayTrace payment to refund) → Shopify `refundCreate` (idempotency key `{entity}/shopify-refund`) → the refund's `refunds/create` body stored in the inbox with the [`RefundFlow`] job its webhook names: see [`RefundRequestFlow`] |
//! | [`OrderShipment`] | `shopify.shipment` | `shopify/{shop}/order/{id}/shipment/{tracking number}` | the warehouse's `shipment.created` notice ([`crate::fulfilment::WarehouseWebhooks`]): see [Fulfilment](#fulfilment) | authorize-then-capture: the order's [`OrderCapture`] job → Shopify `fulfillmentCreate` with the tracking, unless a fulfillment has that tracking number |
//! | [`Backfill`]`<`[`ShopifyOrderPoller`]`>` | `shopify.orders-backfill` | `shopify/{shop}/backfill/orders` | [`Backfill::job`] at start-up ([`ShopifyPaytrace::order_backfill`]), then itself every interval | orders updated since the checkpoint `shopify/{shop}/orders`, unpaid with a PayTrace card and without a job → their `orders/create` body rebuilt into the inbox with the [`OrderPayment`] job the webhook would have started (see [`ShopifyOrderPoller`]) |
//! | [`Backfill`]`<`[`PaytraceSales`]`>` | `paytrace.sales` | `paytrace/{account}/backfill/sales` | [`Backfill::job`] at start-up ([`ShopifyPaytrace::sales_backfill`]), then itself every interval | PayTrace's transaction export from the checkpoint against the ERP's PayTrace payment entries → an [`UnbookedTransaction`] job for each sale, capture or refund not in the books |
//! | [`ChargebackFlow`] | `paytrace.chargeback` | `paytrace/{account}/dispute/{case id}` | [`ShopifyPaytrace::chargeback_job`] (a library call, `payops chargeback record`, or `payops chargeback import` of the merchant's chargeback report): PayTrace has no chargeback API (see [Chargebacks](#chargebacks)) | the disputed payment found in the ERP (else a dead letter naming the transaction) → a person told once → ERP dispute `Opened` (the fee in chargebacks) → Shopify order tagged `chargeback` with a note line → for a won or lost case, ERP `Won` or `Lost` → tag `chargeback-won` or `chargeback-lost` and a note line |
//! | [`ShopifyDispute`] | `shopify.dispute` | `shopify/{shop}/dispute/{id}` | `disputes/create`, `disputes/update` (orders taken through Shopify Payments) | a person told once → the order tagged and noted once per status; no ERP entry (Shopify Payments money is not in this pair's ledger) |
//! | [`CustomerVault`] | `shopify.customer-vault` | `shopify/{shop}/customer/{id}` | `customers/update` (each runs the job once more) | the customer's vault profile, if this service made one, updated with the default address, e-mail and phone: see [the vault](#the-vault) |
//! | [`CustomerRemoval`] | `shopify.customer-removal` | `shopify/{shop}/customer/{id}` | `customers/delete`, `customers/redact` | the vault profiles this service made for the customer (and, on an erasure, for its orders' guest checkouts) deleted, unless [`Config::keep_vault_profiles`]: see [the vault](#the-vault) |
//! | [`UnbookedTransaction`] | `paytrace.unbooked-transaction` | `paytrace/{account}/transaction/{id}` | [`PaytraceSales`] | the ERP looked at once more → a dead letter naming the transaction (type, amount, invoice, when, channel, user), or done once a person booked it and replayed it |
//!
//! # Where the card comes from
//!
//! An `orders/create` webhook carries no card data. The storefront's checkout puts one of these in
//! the order's note attributes: a PayTrace vault customer id ([`ATTR_VAULT_CUSTOMER`]), the
//! customer's saved card ([`ATTR_USE_SAVED_CARD`]), or a Protect.js token and key
//! ([`ATTR_PROTECT_TOKEN`], [`ATTR_PROTECT_KEY`]). An order with none is not charged (see
//! below), naming the attribute.
//!
//! A buyer can set a cart's attributes, so [`ATTR_VAULT_CUSTOMER`] is only as trustworthy as
//! the checkout that fills it. The vault ids this service makes (`{prefix}shopify-c{id}`,
//! `{prefix}shopify-o{id}`) are guessable: one named in [`ATTR_VAULT_CUSTOMER`] that is not the
//! order customer's own is refused, naming the attribute, and nothing is charged. Prefer
//! [`ATTR_USE_SAVED_CARD`], whose vault id is never taken from the storefront.
//!
//! # The vault
//!
//! After an approved Protect.js sale (or authorization), the card is kept in PayTrace's vault
//! for the customer's later orders: `/v1/customer/create_from_transaction` with the transaction
//! id and a vault id we choose, once (`paytrace/vault`). PayTrace copies the card from its own
//! transaction, so no card data passes through the workflow. The vault id is derived
//! ([`mapping::paytrace::order_vault_id`]): `{store_prefix}shopify-c{customer id}` for a Shopify
//! customer, `{store_prefix}shopify-o{order id}` for a guest checkout. A retry therefore asks for
//! the same id, and PayTrace's "customer ID not unique" (error 171) is success once the profile
//! under it is checked to be this customer's (the same e-mail, else billing name, in
//! `/v1/customer/export`); a profile that is someone else's goes to dead letters naming the id.
//! The vault id then goes to the Shopify customer (metafield `payops.paytrace_vault_id`, once:
//! `shopify/customer-vault-id`), to the order's `payops.vault_id` metafield (a guest's only
//! record in Shopify), and to the ERP customer's vault ids (a guest's too). Like every step
//! after the charge, a failure dead-letters the booking, never the charge.
//!
//! A later order whose checkout sets [`ATTR_USE_SAVED_CARD`] is charged by vault id
//! (`/v1/transactions/sale/by_customer`), the id derived from the order's Shopify customer: the
//! storefront never names the profile to charge.
//!
//! A customer's second Protect.js order finds its profile already there and keeps it: the saved
//! card stays the first one vaulted (PayTrace v1 has no update of a profile's card from a
//! transaction).
//!
//! A Shopify customer's changes reach their profile ([`CustomerVault`], `shopify.customer-vault`,
//! one job per customer run again by each `customers/update`): the default address becomes the
//! profile's billing address, with the e-mail and phone (`/v1/customer/update`; the card is not
//! touched). A customer with no profile of ours (looked up in `/v1/customer/export`) is left
//! alone, and an update that leaves the profile as it was last sent (a digest is kept, state
//! `paytrace/profile`) sends nothing.
//!
//! A Shopify customer deleted (`customers/delete`; Shopify deletes only customers without
//! orders) or erased (the compliance webhook `customers/redact`, which does come for customers
//! with orders) loses the profiles this service made ([`CustomerRemoval`],
//! `shopify.customer-removal`): `/v1/customer/delete` of `{store_prefix}shopify-c{id}`, and for an
//! erasure of `{store_prefix}shopify-o{order}` for each of `orders_to_redact`. A profile PayTrace
//! does not have (error 30) counts as removed. [`Config::keep_vault_profiles`] turns this off.
//! The ERP customer keeps the vault id it was given (the [`erp::Erp`] trait removes none), and a
//! redaction with no customer id (some are said to carry only an e-mail) goes to dead letters
//! naming `customer.id`, since profiles are found by id.
//!
//! Sources: the endpoint and its `customer_id` and `transaction_id` fields are not in the
//! PayTrace pages this workspace keeps; they are used by a third-party PHP client (a Laravel
//! app's `create_customer_from_transaction`, posting `customer_id`, `transaction_id`,
//! `billing_address` to `https://api.paytrace.com/v1/customer/create_from_transaction`), and
//! North's v3 specification has the same operation (`/v3/customer/ach/create/by-transaction`
//! for checks). Error 171 "customer ID not unique" is in the workspace's PayTrace notes (AM).
//! Whether v1 copies the transaction's billing address is unconfirmed, so the order's is sent.
//!
//! # The fraud screen
//!
//! Before any money moves the order passes the risk gate. By default that is Shopify's own
//! recommendation ([`ShopifyRecommendation`]: held when Shopify recommends cancelling). A pair
//! built with [`ShopifyPaytrace::fraud_screen`] scores the order instead ([`FraudScreen`]): the
//! learned model when a model file is configured, else the rules baseline
//! ([`Screener::load`](crate::workflows::screening::Screener::load)), over the facts
//! [`order_facts`] maps (Shopify's recommendation is one signal), the customer's account and
//! the items' categories from the webhook ([`order_account`],
//! [`order_categories`]), and the velocity store, which also keeps each account's
//! earlier screened orders and their total (the order webhook no longer carries Shopify's).
//!
//! - approve: charged as usual;
//! - review: not charged, tagged [`Config::held_tag`], noted `Held for review: ...`, and a
//!   [`NoticeKind::FraudScreen`](crate::notify::NoticeKind::FraudScreen) notice;
//! - refuse: never charged, tagged [`Config::refused_tag`], noted `Refused: ...`, and a notice.
//!
//! The facts and the [`fraud::Decision`] (score, outcome, each signal's contribution) are
//! recorded under the order as `fraud/screen` ([`crate::workflows::screening::Screened`]) for
//! `payops fraud explain`, `payops fraud train` and the console, and what became of the order
//! (settled, disputed, and why) is recorded by the flows that learn it, as `fraud/outcome`
//! (see [`screening`](crate::workflows::screening#what-became-of-an-order-the-training-labels)),
//! for `payops fraud train`'s labels; the log line names the outcome, the score and the top
//! signals, never the buyer. PayTrace's AVS and CVV results come with the sale itself, so they
//! are not signals before it.
//!
//! A held order (by the screen or by Shopify's recommendation) waits for a person, who releases
//! it ([`ShopifyPaytrace::release_held`], `payops fraud release ORDER --by NAME`) or cancels it
//! ([`ShopifyPaytrace::cancel_held`], `payops fraud cancel`). Either checks the order's records
//! first (an order not held is a [`HeldError`] saying why: unknown or not screened, approved,
//! refused, already released or cancelled), then runs the order's [`OrderPayment`] job once
//! more with the decision in its input ([`HeldDecision`]: who and when). The run records it
//! under the order (`fraud/release` or `fraud/cancel`) before anything else, and the first
//! decision recorded is final: a later one is logged and ignored.
//!
//! - release: the held tag removed and the note `Released after review by {who}`, then the
//!   order goes on exactly as an approved one: charged (the usual `charge` step, so a crash after
//!   the release, a retry or a second release charges once), booked, and, authorizing,
//!   captured on fulfilment;
//! - cancel: Shopify's `orderCancel` (reason `FRAUD`, nothing refunded, restocked, the customer
//!   not e-mailed; an order Shopify shows cancelled already counts), the held tag removed and
//!   the note `Cancelled after review by {who}, not charged`; never charged.
//!
//! A refused order cannot be released: the screen refused it as too risky to charge through this
//! flow, and that is final; a person who trusts the order charges it another way. A fulfilment
//! of a held (not released) or refused order dead-letters. The job can run again only with the
//! held order's delivery, which the hold keeps (state `fraud/held-event`): an order held by an
//! earlier version has none ([`HeldError::NoDelivery`]). Magento + Stripe orders are released
//! by their own jobs (see `magento_stripe`'s fraud screen).
//!
//! # No money before the booking is known to work
//!
//! Everything that must follow a charge is mapped and validated before it: the canonical order,
//! the card source, the ERP customer, sales order, invoice and payment, and the Shopify
//! metafields. An order that fails any of these is tagged [`Config::review_tag`] with a note
//! naming the field, goes to dead letters, and is never charged. A failure after the charge
//! dead-letters the booking ("booking after charge ... failed"), and a replay books without
//! charging again: the charge is on record.
//!
//! Custom items without a SKU and totals that include tips, duties or cash rounding book (see
//! [`mapping::erp`]).
//!
//! # Exactly once
//!
//! Every order (or refund) has one job per flow, keyed by its entity: the same order delivered
//! under several webhook ids is processed once, and never by two runs at a time. Every effect is
//! a [`Step`](crate::workflow::Step) recorded under the entity:
//!
//! | step | key under the entity | why a repeat is harmless |
//! |---|---|---|
//! | risk | `risk` (and `fraud/screen` with the fraud screen) | a read; a repeat of the screen counts the order's velocity once more |
//! | hold, refused, review, declined, authorized | `hold`, `refused`, `review`, `declined`, `authorized` | tags and notes are set, not added twice |
//! | a person's decision on a held order | `fraud/release` or `fraud/cancel` (written before the run goes on) | the first decision recorded is followed; a later one is ignored |
//! | after a release: held tag removed, note | `fraud/release/noted` | tags removed and notes set, not twice |
//! | after a cancellation: `orderCancel`, then held tag removed, note | `shopify/cancel`, `fraud/cancel/noted` | an order Shopify shows cancelled already is success |
//! | notice of a held or refused order | the notice job `{order}/notice/fraud-review`, `{order}/notice/fraud-refuse` | one job per key |
//! | invoice e-mailed after a decline ([`Config::decline_invoice`]) | `customer/invoice` | recorded once sent; `orderInvoiceSend` is not idempotent, so a crash between the e-mail and its record can send a second one |
//! | notice of the decline to a person ([`crate::notify`]) | the notice job `{order}/notice/declined` | one job per key |
//! | charge | `charge` (state `charge/sent` while unanswered) | see below |
//! | vault (Protect.js charges) | `paytrace/vault` | the vault id is derived from the order: a repeat asks for the same id, and "not unique" is success once the profile is checked to be ours (see [the vault](#the-vault)) |
//! | vault id on the Shopify customer | `shopify/customer-vault-id` | `metafieldsSet` overwrites |
//! | capture | `capture` (state `capture/sent`) | see below |
//! | what became of the order, for training ([`screening::OutcomeFact`](crate::workflows::screening::OutcomeFact): settled, once the sale or capture is approved) | `fraud/outcome` | a record, written with the job's others: the first one stays |
//! | mark paid | `mark-paid` | "already paid" is success |
//! | metafields | `metafields` | `metafieldsSet` overwrites |
//! | ERP documents | `erp/customer`, `erp/sales-order`, `erp/invoice`, `erp/payment` | ERP external references |
//! | refund | `refund/{id}/paytrace` (state `refund/{id}/paytrace/sent`) | never repeated: see below |
//! | ERP refund | `refund/{id}/erp/credit-memo`, `.../erp/refund-payment` | ERP external references |
//!
//! A PayTrace chargeback's job ([`ChargebackFlow`]) keeps its steps under
//! `paytrace/{account}/dispute/{case id}`, a Shopify Payments dispute's ([`ShopifyDispute`])
//! under `shopify/{shop}/dispute/{id}`:
//!
//! | step | key under the dispute | why a repeat is harmless |
//! |---|---|---|
//! | the disputed payment in the ERP (chargebacks) | `erp/payment` | a read |
//! | ERP dispute stages (chargebacks) | `erp/opened`, `erp/won`, `erp/lost` | ERP external references `paytrace/{account}/dispute/{case id}/{stage}` |
//! | the order's tag and note line | `shopify/opened`, `shopify/under-review` (Shopify disputes), `shopify/won`, `shopify/lost` | tags are set, not added twice; a note line already there is not added again |
//! | notice to a person | the notice job `{dispute}/notice/opened` | one job per key |
//! | what became of the order, for training (a fraud or other dispute, by the reason: [`screening::chargeback_reason`](crate::workflows::screening::chargeback_reason), [`screening::dispute_reason`](crate::workflows::screening::dispute_reason)) | `fraud/outcome` | a record naming the order, written with the job's others: the first one stays |
//!
//! PayTrace has no idempotency key. Before a charge is sent, the run makes sure its lease
//! outlasts the PayTrace client's timeout, then writes "sent" (with the time) durably, fenced by
//! its claim: a run that lost its claim sends nothing. Whenever "sent" is found without an
//! answer (a timeout, a dropped connection, a crash), the charge's `invoice_id` is looked up in
//! PayTrace's exports, approved and declined ([`paytrace::Client::find_sale_by_invoice`]): an
//! approval or a decline found is the answer. When it is not found, the job waits (without
//! spending an attempt) until the charge can no longer land, that is the client's timeout plus
//! PayTrace's processing window ([`SaleRecovery`]) after it was sent, looks again, and only then
//! sends the charge again, or with [`SaleRecovery::never_resend`] sends it to dead letters for a
//! person. Authorizations and captures follow the same rule (a capture is checked on the
//! authorization, [`paytrace::Client::find_transaction`]). A refund whose outcome is unknown is
//! never sent again: it goes to dead letters for a person to check PayTrace first.
//!
//! # Chargebacks
//!
//! PayTrace has no chargeback or retrieval API and sends no webhooks (the workspace's PayTrace
//! notes, section 5: none in the v1 docs, the v3 spec or any client read; its e-mail types show
//! no chargeback notice). Chargebacks enter as [`Chargeback`] records, one [`ChargebackFlow`]
//! job per case: typed in (`payops chargeback record`), or read from the chargeback report the
//! merchant downloads from PayTrace's virtual terminal (`payops chargeback import`), whose
//! layout PayTrace does not publish: the columns read are assumed, and listed on
//! [`mapping::paytrace::parse_chargeback_report`]. Both book the same ERP records and tell the
//! store the same way, once.
//!
//! Settlement: PayTrace's batch transaction list has no documented chargeback type (a record of
//! an unknown type fails the batch's journal, naming it, rather than being guessed at), and the
//! notes suggest the processor, not PayTrace, takes the money. So the report's rows are the
//! settlement of chargebacks: [`mapping::paytrace::chargeback_batches`] makes each case's
//! withdrawal (and a win's reinstatement) a batch of its own, whose dispute line carries the case
//! id, the id the ledger lists the dispute's withdrawal under ([`erp::Erp::payment_entries`]):
//! reconciled with a day's PayTrace batches ([`crate::settlement::reconcile_period`], or
//! `payops reconcile paytrace --chargebacks report.csv`), it is matched by transaction id, and
//! its journal moves the withdrawal from PayTrace's clearing account to the bank, once.
//!
//! Shopify Payments disputes (`disputes/create`, `disputes/update`) are about orders the store
//! took through Shopify Payments, whose money is not in this pair's ledger: [`ShopifyDispute`]
//! tags and notes the order and tells a person, and books nothing.
//!
//! # Fulfilment
//!
//! With a warehouse configured ([`Config::fulfilment`]), [`OrderPayment`] ends with the order's
//! fulfilment request, once (`fulfilment/request` under the order, which is also the request's
//! `Idempotency-Key`; the format is on [`crate::fulfilment`]): after the sale is recorded in
//! Shopify and booked, or, authorizing, after the authorization is recorded (metafields, tag,
//! ERP sales order), so that the warehouse ships what will be captured. The request holds the
//! lines that require shipping (`line_items[].requires_shipping`) and the shipping address,
//! dated with the order's `created_at`; an order with nothing to ship is recorded as such (the
//! step's value is `null`) and not sent. It is mapped before the charge, but an order with lines
//! to ship and no shipping address is still charged and booked: its job goes to dead letters
//! naming `order.shipping_address`, and a replay sends only the request. Held, declined and
//! unbookable orders are never sent.
//!
//! The warehouse's `shipment.created` notice about a Shopify order (`order.system` `shopify`,
//! `order.account` [`Config::shop`], `order.id` the order id) becomes the [`OrderShipment`] job
//! of its order and tracking number: a Shopify `fulfillmentCreate` of the order's open
//! fulfillment orders with the tracking (company `UPS`, `USPS`, `FedEx`, `DHL Express` for
//! `ups`, `usps`, `fedex`, `dhl`, else the carrier as given), once: the order's fulfillments are
//! read first and one with that tracking number is the result. Authorizing, the notice also
//! starts the order's [`OrderCapture`] job, the very job Shopify's `fulfillments/create` starts
//! (one job per kind and order): whichever comes first captures, once. A notice route is not
//! among [`ShopifyPaytrace::routes`]: add [`ShopifyPaytrace::notice_route`] (this shop alone),
//! or, in a service that runs Magento + Stripe as well, [`crate::fulfilment::notice_route`] with
//! every pair's `shipment_notices()`, after all pairs' routes.

mod backfill;
mod capture;
mod charge;
mod chargeback;
mod customer_removal;
mod customer_vault;
mod fraud_screen;
mod held;
mod order;
mod refund;
mod refund_request;
mod risk;
mod sales;
mod settlement;
mod shipment;
mod vault;

use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use mapping::System;
use mapping::erp::ErpCtx;
use serde::{Deserialize, Serialize};

pub use crate::workflows::RefundRequest;
pub use crate::workflows::screening::Verdict;
pub use backfill::ShopifyOrderPoller;
pub use capture::{FulfillmentEvent, OrderCapture};
pub use chargeback::{
    CHARGEBACK_LOST_TAG, CHARGEBACK_TAG, CHARGEBACK_WON_TAG, ChargebackFlow, DisputeEvent,
    ShopifyDispute, chargeback_job,
};
pub use customer_removal::{CustomerRemoval, CustomerRemoved};
pub use customer_vault::{CustomerChanged, CustomerVault};
pub use fraud_screen::{FraudScreen, order_account, order_categories, order_facts};
pub use held::{HeldDecision, HeldError, decide_held};
pub use mapping::paytrace::{Chargeback, ChargebackStage};
pub use order::{OrderEvent, OrderPayment};
pub use refund::{RefundEvent, RefundFlow};
pub use refund_request::{RefundRequestFlow, refund_request_job};
pub use risk::{RiskDecision, RiskGate, Screening, ShopifyRecommendation};
pub use sales::{ExportedTransaction, PaytraceSales, UnbookedTransaction};
pub use settlement::{MAX_CATCH_UP_DAYS, SettlementDate, SettlementDay, SettlementDays};
pub use shipment::{OrderShipment, ShopifyShipped};

use crate::StepError;
use crate::backfill::Backfill;
use crate::intake::{Delivery, Route};
use crate::worker::Worker;
use crate::workflow::{Entity, EntityKey, decode, job};

/// Note attribute holding the PayTrace vault customer id to charge.
pub const ATTR_VAULT_CUSTOMER: &str = "paytrace_customer_id";
/// Note attribute by which the checkout asks to charge the card the order's customer saved on
/// an earlier order (`true`, `yes` or `1`): the vault id is the customer's
/// ([`mapping::paytrace::saved_card_vault_id`]), never taken from the storefront. A guest
/// checkout has no saved card: its order is not charged, naming `order.customer.ids.shopify`.
pub const ATTR_USE_SAVED_CARD: &str = "paytrace_use_saved_card";
/// Note attribute holding a Protect.js `hpf_token`.
pub const ATTR_PROTECT_TOKEN: &str = "paytrace_hpf_token";
/// Note attribute holding the Protect.js `enc_key` that goes with the token.
pub const ATTR_PROTECT_KEY: &str = "paytrace_enc_key";

/// How a charge (sale, authorization or capture) whose answer was lost is recovered.
///
/// PayTrace does not say how long it may take to process a request it received, and a request
/// the client gave up on may still be processed. The runtime waits until the request can no
/// longer land: nothing of it is in flight from our side once the call returned (the client
/// closes the connection at its timeout), or, when the sending process died, once the run's
/// deadline passed (the worker stops a run there, inside its lease); then PayTrace's processing
/// window. Only after that does a charge not found in PayTrace's exports count as never made.
/// The window is an assumption about PayTrace that no stored source confirms; two minutes is
/// far beyond the 7 to 19 s its sandbox took per call (see the PayTrace notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleRecovery {
    processing_window: Duration,
    resend: bool,
}

impl Default for SaleRecovery {
    /// A two-minute window, and charges not found after it are sent again.
    fn default() -> Self {
        Self {
            processing_window: Duration::from_secs(120),
            resend: true,
        }
    }
}

impl SaleRecovery {
    /// Recovery with this processing window.
    pub fn new(processing_window: Duration) -> Self {
        Self {
            processing_window,
            ..Self::default()
        }
    }

    /// Charges not found once they can no longer land go to dead letters for a person instead of
    /// being sent again.
    #[must_use]
    pub fn never_resend(mut self) -> Self {
        self.resend = false;
        self
    }

    /// The window.
    pub fn processing_window(&self) -> Duration {
        self.processing_window
    }

    /// Whether charges are sent again.
    pub fn resends(&self) -> bool {
        self.resend
    }
}

/// When the card is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PaymentMode {
    /// A PayTrace sale when the order is created.
    #[default]
    Sale,
    /// A PayTrace authorization when the order is created, captured when it is first fulfilled
    /// (Shopify's `fulfillments/create`). Authorizations expire (card networks allow about 7
    /// to 30 days): an order fulfilled later fails its capture and is dead-lettered.
    AuthorizeThenCapture,
}

/// Settings of the Shopify + PayTrace workflows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The shop's domain (`demo.myshopify.com`), part of every key and ERP reference.
    pub shop: String,
    /// Prefix of PayTrace `invoice_id`s for this shop (see `mapping::reference`).
    pub store_prefix: String,
    /// The PayTrace merchant account, part of ERP payment references.
    pub paytrace_account: String,
    /// Tag put on orders held for review by the risk gate.
    pub held_tag: String,
    /// Tag put on orders that cannot be booked (and so are not charged).
    pub review_tag: String,
    /// Tag put on orders the fraud screen refused (never charged).
    pub refused_tag: String,
    /// Tag put on orders whose payment was declined.
    pub declined_tag: String,
    /// Tag put on orders authorized and waiting for fulfilment.
    pub authorized_tag: String,
    /// Shopify gateway names that stand for PayTrace on this shop's refund transactions. Orders
    /// marked paid by this workflow carry Shopify's `manual` gateway, so that is the default.
    pub paytrace_gateway_names: Vec<String>,
    /// Charge at once, or authorize and capture on fulfilment.
    pub payment: PaymentMode,
    /// How a charge whose answer was lost is recovered.
    pub recovery: SaleRecovery,
    /// The PayTrace account's offset from UTC: PayTrace writes settlement times in it, and a
    /// day's batches are that day's in it (see [`SettlementDays`]). UTC unless set.
    pub paytrace_utc_offset: time::UtcOffset,
    /// The warehouse an order's fulfilment request goes to (see the
    /// [fulfilment section](self#fulfilment)); none unless set.
    pub fulfilment: Option<Arc<dyn crate::fulfilment::Fulfilment>>,
    /// When set, a customer whose card is declined gets the order's invoice by e-mail
    /// (Shopify's `orderInvoiceSend`, with a link to pay what the order owes another way), with
    /// this message above it; off unless set. The app then needs the `write_orders` scope.
    pub decline_invoice: Option<String>,
    /// Whether a Shopify customer deleted (`customers/delete`) or erased (`customers/redact`)
    /// loses the PayTrace vault profiles this service made for them (see
    /// [the vault](self#the-vault)). On unless turned off.
    pub remove_vault_profiles: bool,
}

impl Config {
    /// Settings with the default tags (`payops-held`, `payops-review`, `payops-refused`,
    /// `payops-declined`, `payops-authorized`), no invoice prefix, sales, and the default recovery.
    pub fn new(shop: impl Into<String>, paytrace_account: impl Into<String>) -> Self {
        Self {
            shop: shop.into(),
            store_prefix: String::new(),
            paytrace_account: paytrace_account.into(),
            held_tag: "payops-held".to_owned(),
            review_tag: "payops-review".to_owned(),
            refused_tag: "payops-refused".to_owned(),
            declined_tag: "payops-declined".to_owned(),
            authorized_tag: "payops-authorized".to_owned(),
            paytrace_gateway_names: vec!["manual".to_owned()],
            payment: PaymentMode::Sale,
            recovery: SaleRecovery::default(),
            paytrace_utc_offset: time::UtcOffset::UTC,
            fulfilment: None,
            decline_invoice: None,
            remove_vault_profiles: true,
        }
    }

    /// Keeps the PayTrace vault profiles of Shopify customers who are deleted or erased (see
    /// [`Config::remove_vault_profiles`]): for a merchant whose vault also serves payments
    /// outside Shopify.
    #[must_use]
    pub fn keep_vault_profiles(mut self) -> Self {
        self.remove_vault_profiles = false;
        self
    }

    /// E-mails the order's invoice to a customer whose card was declined, with `message` above
    /// it, so they can pay another way (see [`Config::decline_invoice`]).
    #[must_use]
    pub fn decline_invoice(mut self, message: impl Into<String>) -> Self {
        self.decline_invoice = Some(message.into());
        self
    }

    /// Sets the PayTrace account's offset from UTC (PayTrace does not say which zone it writes
    /// times in; it is the account's).
    #[must_use]
    pub fn paytrace_utc_offset(mut self, offset: time::UtcOffset) -> Self {
        self.paytrace_utc_offset = offset;
        self
    }

    /// Sets when the card is charged.
    #[must_use]
    pub fn payment(mut self, mode: PaymentMode) -> Self {
        self.payment = mode;
        self
    }

    /// Sets the `invoice_id` prefix.
    #[must_use]
    pub fn store_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.store_prefix = prefix.into();
        self
    }

    /// Sets how a charge whose answer was lost is recovered.
    #[must_use]
    pub fn recovery(mut self, recovery: SaleRecovery) -> Self {
        self.recovery = recovery;
        self
    }

    /// Sends each charged or authorized order's fulfilment request to `warehouse` (see the
    /// [fulfilment section](self#fulfilment)).
    #[must_use]
    pub fn fulfilment(mut self, warehouse: Arc<dyn crate::fulfilment::Fulfilment>) -> Self {
        self.fulfilment = Some(warehouse);
        self
    }
}

/// What every flow of the pair shares.
#[derive(Clone)]
pub(crate) struct Shared {
    shopify: shopify::Client,
    paytrace: paytrace::Client,
    erp: Arc<dyn Erp>,
    risk: Arc<dyn RiskGate>,
    config: Config,
}

impl Shared {
    /// The shop's root key.
    fn shop(&self) -> EntityKey {
        EntityKey::new(System::Shopify, &self.config.shop)
    }

    /// An order's key.
    fn order_key(&self, order_id: u64) -> EntityKey {
        self.shop().child(Entity::Order, order_id)
    }

    /// The ERP context of documents booked now for this shop and PayTrace account.
    fn erp_ctx(&self) -> ErpCtx {
        self.erp_ctx_on(today())
    }

    /// The ERP context of documents dated `date`.
    fn erp_ctx_on(&self, date: time::Date) -> ErpCtx {
        ErpCtx::new(
            System::Shopify,
            &self.config.shop,
            &self.config.paytrace_account,
            date,
        )
    }
}

/// The Shopify + PayTrace workflows, ready to register on a [`Worker`] and route in the intake.
///
/// ```no_run
/// # async fn run(
/// #     store: std::sync::Arc<flows::SqliteStore>,
/// #     shopify: shopify::Client,
/// #     paytrace: paytrace::Client,
/// #     erp: std::sync::Arc<dyn erp::Erp>,
/// # ) {
/// use flows::intake::{Intake, ShopifyWebhooks};
/// use flows::workflows::shopify_paytrace::{Config, ShopifyPaytrace};
/// use flows::{Worker, WorkerConfig};
/// use secrecy::SecretString;
///
/// let config = Config::new("demo.myshopify.com", "merchant-42");
/// let workflows = ShopifyPaytrace::new(shopify, paytrace, erp, config);
/// let intake = Intake::new(store.clone())
///     .source(ShopifyWebhooks::new(shopify::WebhookVerifier::new(SecretString::from("shpss_..."))))
///     .routes(workflows.routes());
/// let worker = workflows.register(Worker::new(store, WorkerConfig::new("worker-1")));
/// # let _ = (intake, worker);
/// # }
/// ```
#[derive(Clone)]
pub struct ShopifyPaytrace {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ShopifyPaytrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyPaytrace")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl ShopifyPaytrace {
    /// The workflows, with Shopify's risk recommendation as the risk gate. A charge whose answer
    /// was lost is sent again no sooner than the configured processing window after it can no
    /// longer be in flight (see [`SaleRecovery`]).
    pub fn new(
        shopify: shopify::Client,
        paytrace: paytrace::Client,
        erp: Arc<dyn Erp>,
        config: Config,
    ) -> Self {
        let risk = Arc::new(ShopifyRecommendation::new(shopify.clone()));
        Self {
            shared: Arc::new(Shared {
                shopify,
                paytrace,
                erp,
                risk,
                config,
            }),
        }
    }

    /// Replaces the risk gate (a scoring model, say).
    #[must_use]
    pub fn risk_gate(self, gate: impl RiskGate) -> Self {
        let shared = Shared {
            risk: Arc::new(gate),
            ..(*self.shared).clone()
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// Makes the fraud screen the risk gate ([`FraudScreen`]): the order is scored by
    /// `screener`'s scorer with Shopify's recommendation as one of its signals (see
    /// [the fraud screen](self#the-fraud-screen)).
    #[must_use]
    pub fn fraud_screen(self, screener: crate::workflows::screening::Screener) -> Self {
        let gate = FraudScreen::new(
            screener,
            self.shared.shopify.clone(),
            self.shared.config.shop.clone(),
        );
        self.risk_gate(gate)
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Registers [`OrderPayment`], [`OrderCapture`], [`RefundFlow`], [`RefundRequestFlow`],
    /// [`OrderShipment`], [`SettlementDay`], [`UnbookedTransaction`], [`ChargebackFlow`] and
    /// [`ShopifyDispute`].
    pub fn register(&self, worker: Worker) -> Worker {
        worker
            .flow(OrderPayment(Arc::clone(&self.shared)))
            .flow(OrderCapture(Arc::clone(&self.shared)))
            .flow(RefundFlow(Arc::clone(&self.shared)))
            .flow(RefundRequestFlow(Arc::clone(&self.shared)))
            .flow(OrderShipment(Arc::clone(&self.shared)))
            .flow(SettlementDay(Arc::clone(&self.shared)))
            .flow(UnbookedTransaction(Arc::clone(&self.shared)))
            .flow(ChargebackFlow(Arc::clone(&self.shared)))
            .flow(ShopifyDispute(Arc::clone(&self.shared)))
            .flow(CustomerVault(Arc::clone(&self.shared)))
            .flow(CustomerRemoval(Arc::clone(&self.shared)))
    }

    /// The backfill of missed `orders/create` deliveries on the worker's schedule, polling every
    /// `every` with the default look-back of 48 hours (see [`ShopifyOrderPoller`]): register it on
    /// the worker and enqueue its [`Backfill::job`] at start-up. For another look-back, build it
    /// from [`Self::order_poller`]: `Backfill::new(flows.order_poller(store).lookback(..), every)`.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::shopify_paytrace::ShopifyPaytrace,
    /// #     store: std::sync::Arc<flows::SqliteStore>, worker: flows::Worker)
    /// #     -> Result<(), flows::FlowError> {
    /// use flows::Store;
    /// let orders = flows.order_backfill(store.clone(), std::time::Duration::from_secs(60));
    /// store.enqueue(orders.job(), flows::now_millis()).await?;
    /// let worker = flows.register(worker).flow(orders);
    /// # let _ = worker; Ok(()) }
    /// ```
    pub fn order_backfill(
        &self,
        store: impl crate::IntoStore,
        every: Duration,
    ) -> Backfill<ShopifyOrderPoller> {
        Backfill::new(self.order_poller(store), every)
    }

    /// The poller of missed `orders/create` deliveries of the configured shop, storing into
    /// `store` (see [`Self::order_backfill`]).
    pub fn order_poller(&self, store: impl crate::IntoStore) -> ShopifyOrderPoller {
        ShopifyOrderPoller::new(store.into_store(), OrderPayment(Arc::clone(&self.shared)))
    }

    /// What enqueues each day's [`SettlementDay`] job into `store` (see
    /// [`Self::settlement_backfill`], or call [`SettlementDays::enqueue_due`] yourself).
    pub fn settlement_days(&self, store: impl crate::IntoStore) -> SettlementDays {
        SettlementDays::new(store.into_store(), SettlementDay(Arc::clone(&self.shared)))
    }

    /// The poller of PayTrace's transaction export against the books (see [`PaytraceSales`]),
    /// giving each transaction that moved money and is not in the ERP its
    /// [`UnbookedTransaction`] job, into `store`.
    pub fn paytrace_sales(&self, store: impl crate::IntoStore) -> PaytraceSales {
        PaytraceSales::new(
            store.into_store(),
            UnbookedTransaction(Arc::clone(&self.shared)),
        )
    }

    /// [`Self::paytrace_sales`] on the worker's schedule, every `every` (15 minutes is a fair
    /// choice: money outside the flows is news for a person, not for the next second). Register
    /// it on the worker and enqueue its [`crate::backfill::Backfill::job`] at start-up.
    pub fn sales_backfill(
        &self,
        store: impl crate::IntoStore,
        every: std::time::Duration,
    ) -> crate::backfill::Backfill<PaytraceSales> {
        crate::backfill::Backfill::new(self.paytrace_sales(store), every)
    }

    /// The settlement days on the worker's schedule: every `every` (an hour is plenty: a day
    /// closes once), the days closed since the last are enqueued. Register it on the worker and
    /// enqueue its [`crate::backfill::Backfill::job`] at start-up.
    pub fn settlement_backfill(
        &self,
        store: impl crate::IntoStore,
        every: std::time::Duration,
    ) -> crate::backfill::Backfill<SettlementDays> {
        crate::backfill::Backfill::new(self.settlement_days(store), every)
    }

    /// The intake routes: `orders/create`, `fulfillments/create`, `refunds/create`,
    /// `disputes/create`, `disputes/update`, `customers/update`, `customers/delete` and
    /// `customers/redact`, each straight to the job of its order (or refund, dispute or
    /// customer). A body without the ids is stored and
    /// dead-lettered by the intake, naming the field.
    /// The warehouse's notices are not among them: see [`Self::notice_route`].
    pub fn routes(&self) -> Vec<Route> {
        let order = OrderPayment(Arc::clone(&self.shared));
        let capture = OrderCapture(Arc::clone(&self.shared));
        let refund = RefundFlow(Arc::clone(&self.shared));
        let dispute = ShopifyDispute(Arc::clone(&self.shared));
        let dispute_update = dispute.clone();
        let customers = CustomerVault(Arc::clone(&self.shared));
        let removal = CustomerRemoval(Arc::clone(&self.shared));
        let redaction = removal.clone();
        vec![
            Route::new(System::Shopify, ORDERS_CREATE, move |d: &Delivery<'_>| {
                order_job(&order, d)
            }),
            Route::new(
                System::Shopify,
                "fulfillments/create",
                move |d: &Delivery<'_>| {
                    let ids: Ids = decode(d.body, "fulfillments/create")?;
                    let input = FulfillmentEvent {
                        event: d.event(),
                        order_id: required(ids.order_id, "order_id")?,
                    };
                    job(&capture, &input)
                },
            ),
            Route::new(System::Shopify, REFUNDS_CREATE, move |d: &Delivery<'_>| {
                refund_job(&refund, d)
            }),
            Route::new(
                System::Shopify,
                "disputes/create",
                move |d: &Delivery<'_>| chargeback::dispute_job(&dispute, d),
            ),
            Route::new(
                System::Shopify,
                "disputes/update",
                move |d: &Delivery<'_>| chargeback::dispute_job(&dispute_update, d),
            ),
            Route::new(
                System::Shopify,
                customer_vault::CUSTOMERS_UPDATE,
                move |d: &Delivery<'_>| customer_vault::customer_job(&customers, d),
            ),
            Route::new(
                System::Shopify,
                customer_removal::CUSTOMERS_DELETE,
                move |d: &Delivery<'_>| customer_removal::removal_job(&removal, d),
            ),
            Route::new(
                System::Shopify,
                customer_removal::CUSTOMERS_REDACT,
                move |d: &Delivery<'_>| customer_removal::removal_job(&redaction, d),
            ),
        ]
    }
}

impl ShopifyPaytrace {
    /// The job that refunds `request` from outside Shopify (see [`RefundRequestFlow`]): enqueue
    /// it ([`crate::Store::enqueue`]) for a worker with these workflows registered. The same
    /// request (shop, order and request id) names the same job, so it refunds once however
    /// often it is enqueued.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::shopify_paytrace::ShopifyPaytrace,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// use flows::workflows::shopify_paytrace::RefundRequest;
    /// let request = RefundRequest::new(1001, "15.00".parse()?, "USD", "CM-2026-0042")
    ///     .reason("damaged in transit");
    /// let job = flows.refund_request_job(&request)?;
    /// println!("{}", job.key);
    /// store.enqueue(job, flows::now_millis()).await?;
    /// # Ok(()) }
    /// ```
    pub fn refund_request_job(
        &self,
        request: &RefundRequest,
    ) -> Result<crate::store::NewJob, StepError> {
        refund_request_job(&self.shared.config.shop, request)
    }

    /// The job that books and tells `chargeback` (see [`ChargebackFlow`]) for this PayTrace
    /// account: enqueue it ([`crate::Store::enqueue`]) for a worker with these workflows
    /// registered. The same case names the same job; enqueued again (a re-import, a later
    /// stage) it runs once more, and books and tells only what is new.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::shopify_paytrace::ShopifyPaytrace,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// use flows::workflows::shopify_paytrace::{Chargeback, ChargebackStage};
    /// let chargeback = Chargeback::new("CB-1001", "125391271", "25.00".parse()?, "USD",
    ///     time::macros::date!(2026 - 12 - 01))
    ///     .reason("10.4 Fraud - card absent")
    ///     .stage(ChargebackStage::Won, Some(time::macros::date!(2027 - 01 - 15)));
    /// store.enqueue(flows.chargeback_job(&chargeback)?, flows::now_millis()).await?;
    /// # Ok(()) }
    /// ```
    pub fn chargeback_job(
        &self,
        chargeback: &Chargeback,
    ) -> Result<crate::store::NewJob, StepError> {
        chargeback_job(&self.shared.config.paytrace_account, chargeback)
    }

    /// Releases order `order_id`, held for review by the risk gate, as `by` decided (see
    /// [the fraud screen](self#the-fraud-screen)): checks the order's records in `store`, then
    /// runs the order's job once more with the decision for a worker with these workflows
    /// registered, which records it (`fraud/release` under the order, with who and when),
    /// removes the held tag, notes "Released after review" and charges the order, once however
    /// often it is released or retried. Returns the order's key; an order that is not held
    /// (unknown or not screened, approved, refused, already released or cancelled) is a
    /// [`HeldError`] saying which. A refused order cannot be released: refusal is final.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::shopify_paytrace::ShopifyPaytrace,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// let order = flows.release_held(&*store, 1001, "jane@merchant.example").await?;
    /// println!("released {order}");
    /// # Ok(()) }
    /// ```
    pub async fn release_held(
        &self,
        store: &dyn crate::store::Store,
        order_id: u64,
        by: &str,
    ) -> Result<String, HeldError> {
        let decision = HeldDecision::now(Verdict::Release, by);
        decide_held(store, &self.shared.config.shop, order_id, decision).await
    }

    /// Cancels order `order_id`, held for review by the risk gate, as `by` decided: like
    /// [`Self::release_held`], but the order's job records `fraud/cancel`, cancels the order in
    /// Shopify (`orderCancel`, reason `FRAUD`, nothing refunded, restocked, the customer not
    /// e-mailed), removes the held tag and notes it; it is never charged.
    pub async fn cancel_held(
        &self,
        store: &dyn crate::store::Store,
        order_id: u64,
        by: &str,
    ) -> Result<String, HeldError> {
        let decision = HeldDecision::now(Verdict::Cancel, by);
        decide_held(store, &self.shared.config.shop, order_id, decision).await
    }

    /// How this shop's shipment notices become [`OrderShipment`] jobs, for
    /// [`crate::fulfilment::notice_route`] in a service that runs several store pairs.
    pub fn shipment_notices(&self) -> crate::fulfilment::NoticePlan {
        let shipments = OrderShipment(Arc::clone(&self.shared));
        crate::fulfilment::NoticePlan::new(
            System::Shopify,
            self.shared.config.shop.clone(),
            move |d: &Delivery<'_>| shipment::plan_notice(&shipments, d),
        )
    }

    /// The route of the warehouse's `shipment.created` notices for a service that runs this
    /// shop alone (see the [fulfilment section](self#fulfilment)); a notice about another store
    /// is stored with a dead letter naming `order.system` (or `order.account`). A service with
    /// Magento + Stripe as well uses [`crate::fulfilment::notice_route`] instead.
    pub fn notice_route(&self) -> Route {
        crate::fulfilment::notice_route([self.shipment_notices()])
    }
}

/// The topic that starts an order's payment.
const ORDERS_CREATE: &str = "orders/create";

/// The [`OrderPayment`] job of an `orders/create` delivery: the webhook's, and the backfill's
/// for an order whose webhook it found missing ([`ShopifyOrderPoller`]), so both are one job.
fn order_job(order: &OrderPayment, d: &Delivery<'_>) -> Result<crate::store::NewJob, StepError> {
    let ids: Ids = decode(d.body, ORDERS_CREATE)?;
    let input = OrderEvent {
        event: d.event(),
        order_id: required(ids.id, "id")?,
        decision: None,
    };
    job(order, &input)
}

/// The topic that starts a refund's [`RefundFlow`].
const REFUNDS_CREATE: &str = "refunds/create";

/// The [`RefundFlow`] job of a `refunds/create` delivery: the webhook's, and the one a
/// [`RefundRequestFlow`] stores for the refund it made in Shopify, so both are one job.
fn refund_job(refund: &RefundFlow, d: &Delivery<'_>) -> Result<crate::store::NewJob, StepError> {
    let ids: Ids = decode(d.body, REFUNDS_CREATE)?;
    let input = RefundEvent {
        event: d.event(),
        order_id: required(ids.order_id, "order_id")?,
        refund_id: required(ids.id, "id")?,
    };
    job(refund, &input)
}

/// Just the ids of a delivered order, refund or fulfillment.
#[derive(Deserialize)]
struct Ids {
    id: Option<u64>,
    order_id: Option<u64>,
}

fn required(id: Option<u64>, field: &str) -> Result<u64, StepError> {
    id.ok_or_else(|| {
        mapping::MappingError::MissingField {
            field: field.to_owned(),
        }
        .into()
    })
}

/// A PayTrace request sent whose answer is not on record: state kept durably before sending.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sent {
    /// When it was sent (Unix milliseconds).
    at: crate::Millis,
    /// The latest moment it can still be in flight from our side: the sending run's deadline
    /// (the worker stops the run there), or when the call returned without an answer.
    until: crate::Millis,
    /// The `invoice_id` it carried (charges) or the transaction it was about (captures, refunds).
    reference: String,
}

impl Sent {
    /// A request about to be sent by the run of `ctx`.
    fn now(ctx: &crate::workflow::StepCtx<'_>, reference: impl Into<String>) -> Self {
        Self {
            at: crate::now_millis(),
            until: ctx.deadline_millis(),
            reference: reference.into(),
        }
    }

    /// The same request, whose call returned without an answer just now.
    fn returned(self) -> Self {
        Self {
            until: crate::now_millis(),
            ..self
        }
    }
}

/// The accounting date of work done now.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The UTC date of a Unix time in milliseconds, for PayTrace's date-range lookups.
fn paytrace_date(at: crate::Millis) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .map_or_else(|_| today(), |t| t.date())
}

/// `orderMarkAsPaid`; an order Shopify already shows as paid is success.
async fn mark_paid(client: &shopify::Client, order: &shopify::Gid) -> Result<(), StepError> {
    match client.orders().mark_as_paid(order).await {
        Ok(_) => Ok(()),
        Err(err @ shopify::Error::UserErrors { .. }) => {
            let current = client.orders().get(order).await?;
            let paid = current
                .and_then(|o| o.display_financial_status)
                .is_some_and(|s| s.as_str() == "PAID");
            if paid { Ok(()) } else { Err(err.into()) }
        }
        Err(err) => Err(err.into()),
    }
}

/// Stores `body` in the inbox as the Shopify `topic` event `event_id` of `shop`, a delivery that
/// did not come as a webhook, with the job `plan` names for it
/// ([`crate::intake::store_as_delivery`]).
pub(super) async fn store_as_delivery(
    store: &dyn crate::store::Store,
    shop: &str,
    event_id: String,
    topic: &str,
    body: Vec<u8>,
    plan: impl FnOnce(&Delivery<'_>) -> Result<crate::store::NewJob, StepError>,
) -> Result<crate::store::Accepted, StepError> {
    let delivery = Delivery {
        provider: System::Shopify,
        event_id: &event_id,
        topic,
        account: Some(shop),
        body: &body,
    };
    crate::intake::store_as_delivery(store, &delivery, plan).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paytrace_dates_follow_unix_times() {
        // 2026-11-23T10:00:00Z.
        assert_eq!(paytrace_date(1_795_428_000_000).to_string(), "2026-11-23");
    }
}

//! A stateful fake of the **Stripe API** (v1, version `2026-10-28.endive`), for the endpoints the
//! workspace's `stripe-client` crate uses, with Stripe's test cards, idempotency keys, money
//! movements (balance transactions, fees, payouts) and signed webhook events.
//!
//! ```no_run
//! use sandbox::{Faults, Running, stripe::StripeFake};
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let fake = StripeFake::new();
//! let running = Running::start(fake.clone(), &Faults::default()).await?;
//! // stripe_client::Client::builder(fake.secret_key().into()).base_url(running.base_url().as_str())
//! # Ok(()) }
//! ```
//!
//! # Wire format
//! Requests are `application/x-www-form-urlencoded` with Stripe's bracket nesting
//! (`metadata[k]=v`, `expand[]=x`, `shipping[address][city]=..`); GET and DELETE take them in
//! the query string. Every request needs `Authorization: Bearer <secret key>` (HTTP Basic with
//! the key as user name works too): none or a wrong key is `401`. `Stripe-Version` is accepted
//! when it looks like a version (`2023-08-16`, `2024-06-20.acacia`, else `400`) and echoed;
//! answers are always in the shape of [`API_VERSION`] (the version `stripe-client` pins; for the
//! objects the fake renders, PaymentIntents and charges have no `invoice` since
//! `2025-03-31.basil`). `Stripe-Account` is accepted and ignored.
//! Every answer carries a `Request-Id`. Answers are Stripe's JSON objects with their `object`
//! field; lists are `{object: "list", data, has_more, url}` newest first, paged with `limit`
//! (1-100, default 10), `starting_after` and `ending_before`; `expand[]` works on any field
//! holding an id of an object the fake stores (`latest_charge`, `data.customer`,
//! `latest_charge.balance_transaction`, ...). Errors are `{"error": {type, code, message,
//! param, doc_url, decline_code}}` with Stripe's status codes: `400` validation
//! (`parameter_unknown` for parameters the endpoint does not take, `parameter_missing`,
//! `parameter_invalid_integer`, `amount_too_small`/`amount_too_large`,
//! `payment_intent_unexpected_state`, `charge_already_refunded`, ...), `402 card_error`,
//! `404 resource_missing`, and `404` "Unrecognized request URL" for anything else.
//!
//! # Endpoints
//! - PaymentIntents: `POST /v1/payment_intents` (with `confirm`), `GET /v1/payment_intents[/{id}]`,
//!   `POST /v1/payment_intents/{id}`, `/{id}/confirm`, `/{id}/capture` (partial captures
//!   release the rest), `/{id}/cancel`.
//! - Charges: `GET /v1/charges[/{id}]`. Refunds: `POST /v1/refunds`, `GET /v1/refunds[/{id}]`.
//! - Customers: create, retrieve (a deleted one answers `{id, object, deleted: true}`), update,
//!   `DELETE`, list, `GET /v1/customers/search` (`search_result` paged by `page`; the query
//!   language subset is described in the `search` module: `email`, `name`, `phone`,
//!   `description`, `metadata['k']` with `:` and `~`, `-`, `AND` or `OR`).
//! - PaymentMethods: `POST /v1/payment_methods/{id}/attach`, `GET /v1/payment_methods[/{id}]`.
//! - Payouts `GET /v1/payouts[/{id}]`; BalanceTransactions `GET /v1/balance_transactions[/{id}]`
//!   (filters `payout`, `source`, `type`, `currency`, `created`).
//! - Disputes: `GET /v1/disputes[/{id}]`, `POST /v1/disputes/{id}` (evidence, metadata,
//!   `submit`), `POST /v1/disputes/{id}/close`.
//! - `GET /v1/radar/early_fraud_warnings[/{id}]`; Events `GET /v1/events[/{id}]` (filters
//!   `type` with `*` wildcards, `types[]`, `created`).
//! - Products `POST/GET /v1/products`, `GET /v1/products/{id}`; Prices `POST/GET /v1/prices`
//!   (`unit_amount`, `currency`, `product`, `recurring[interval]`, `recurring[interval_count]`),
//!   `GET /v1/prices/{id}`.
//! - Test clocks: `POST/GET /v1/test_helpers/test_clocks`, `GET .../{id}`,
//!   `POST .../{id}/advance`; customers take `test_clock` at creation (and as a list filter).
//! - Subscriptions: `POST /v1/subscriptions`, `GET /v1/subscriptions[/{id}]`,
//!   `POST /v1/subscriptions/{id}`, `DELETE /v1/subscriptions/{id}`.
//! - Invoices: `GET /v1/invoices[/{id}]` (`expand[]=payments`), `POST /v1/invoices/{id}/pay`,
//!   `/{id}/void`, `/{id}/mark_uncollectible`; credit notes `POST /v1/credit_notes` (paid
//!   invoices: `amount` split into `refund_amount`, which refunds the invoice's PaymentIntent,
//!   and `out_of_band_amount`), `GET /v1/credit_notes[/{id}]` (filters `invoice`, `customer`).
//!
//! # Test cards (docs.stripe.com/testing)
//! Test PaymentMethod tokens (`pm_card_visa`, ...) become a new `pm_...` when used, as in
//! Stripe; card numbers are turned into PaymentMethods with
//! [`StripeFake::payment_method_for_card`] (the client cannot send raw numbers).
//! `4242424242424242`/`pm_card_visa` (and mastercard, amex, visa debit) succeed;
//! `4000000000000002`/`pm_card_visa_chargeDeclined` is `402 card_error card_declined /
//! generic_decline`; `4000000000009995` `insufficient_funds`; `...9987` `lost_card`; `...9979`
//! `stolen_card`; `...6975` `card_velocity_exceeded`; `...0069` `expired_card`; `...0127`
//! `incorrect_cvc`; `...0119` `processing_error`; `4000000000000341`/`pm_card_chargeCustomerFail`
//! attaches but declines; `4100000000000019`/`pm_card_radarBlock` is blocked by Radar
//! (`card_declined` / `fraudulent`, outcome `blocked`, risk `highest`);
//! `4000000000005423`/`pm_card_createIssuerFraudRecord` succeeds and raises an early fraud
//! warning (`radar.early_fraud_warning.created`); `4000000000000259`/`pm_card_createDispute`
//! succeeds and is disputed as fraudulent (`charge.dispute.created` and
//! `charge.dispute.funds_withdrawn`, its amount and the dispute fee withdrawn).
//! `4000002500003155`/`pm_card_authenticationRequiredOnSetup` and
//! `4000002760003184`/`pm_card_authenticationRequired` ask for 3-D Secure: a confirmation
//! leaves the PaymentIntent in `requires_action` with a `next_action`
//! (`payment_intent.requires_action`), charging nothing, until
//! [`StripeFake::answer_authentication`] (or the control API) plays the customer's answer:
//! authenticated, it is charged as any confirmation; refused, it goes back to
//! `requires_payment_method` with `last_payment_error.code`
//! `payment_intent_authentication_failure` (`payment_intent.payment_failed`). The fake asks
//! on off-session confirmations too. Declining cards are
//! declined at attach too. A decline leaves the PaymentIntent in `requires_payment_method` with
//! `last_payment_error`, a failed charge, and the 402 body carries `charge`, `payment_intent`
//! and `payment_method`. Disputes follow Stripe's test evidence: submitting with
//! `uncategorized_text` `winning_evidence` wins, `losing_evidence` loses, anything else goes
//! `under_review`; `close` loses.
//!
//! # Billing (docs.stripe.com/billing/subscriptions, docs.stripe.com/billing/testing/test-clocks)
//! Objects are rendered as Basil and later versions have them: an invoice names its
//! subscription at `parent.subscription_details`, prices its lines at
//! `pricing.price_details`, marks prorations at `parent.subscription_item_details.proration`,
//! carries `total_taxes` (always empty: the fake charges no tax) and lists its
//! `invoice_payment`s under `payments` only with `expand[]=payments`; a subscription's
//! `current_period_start`/`end` are on its items. Prices are per unit; every item of a
//! subscription shares its currency and interval.
//!
//! Time: a customer created with `test_clock` lives on that clock, and so do its
//! subscriptions, invoices, payments and their events (their `created` is the clock's time).
//! Advancing the clock ([`StripeFake::advance_test_clock`] or the endpoint, which answers
//! `ready` once done: the fake needs no polling) runs everything due on the way in time order,
//! each at its own time. Subscriptions of customers on no clock run when
//! [`StripeFake::advance_clock`] moves the account's clock.
//!
//! A subscription's first invoice (`billing_reason` `subscription_create`) is finalized and
//! charged at creation with its `default_payment_method`, else the customer's
//! `invoice_settings.default_payment_method`: paid, the subscription is `active`; declined,
//! it stays `incomplete` with the invoice open (`payment_behavior` `allow_incomplete`, the
//! default; `default_incomplete` does not charge). With `trial_period_days` or `trial_end` it
//! is `trialing` behind a paid invoice of 0 and turns `active` when the invoice at the trial
//! end is paid. At each period end (calendar months from the billing cycle anchor: Jan 31,
//! Feb 28, Mar 31) a `subscription_cycle` invoice bills the new period plus the prorations
//! waiting, is finalized at once (Stripe waits about an hour) and charged: `invoice.created`,
//! `invoice.finalized`, the PaymentIntent's events, then `invoice_payment.paid`,
//! `invoice.paid`, `invoice.payment_succeeded` or `invoice.payment_failed` (with
//! `attempt_count`, `next_payment_attempt`), then `customer.subscription.updated` with
//! `previous_attributes`. Each invoice has one PaymentIntent, confirmed again on every attempt,
//! so its charges and balance transactions join payouts like any other.
//!
//! Dunning is the fake's ([`Dunning`]; Stripe's Smart Retries time retries with a model): a
//! failed renewal makes the subscription `past_due` and is retried 3, 5 and 7 days after each
//! previous attempt; when the last retry fails the subscription is canceled
//! (`cancellation_details.reason` `payment_failed`, `customer.subscription.deleted`) or, with
//! [`AfterRetries::Unpaid`], goes `unpaid` (no later renewals); the invoice stays open. First
//! invoices are not retried. `POST /v1/invoices/{id}/pay` (with a `payment_method` attached to
//! the customer, or `paid_out_of_band`) recovers an open or uncollectible invoice: the
//! subscription is `active` again unless it already ended; a decline is `402`.
//!
//! Updates: items changed (`items[n][id]` with `price`/`quantity`), added or
//! `deleted` are prorated to the second (docs.stripe.com/billing/subscriptions/prorations):
//! a credit line for the unused time of the old price and quantity, a debit line for the
//! remaining time of the new one, each `amount * seconds left / seconds in the period`
//! rounded half away from zero (the rounding is the fake's). `proration_behavior`
//! `create_prorations` (default) adds them to the next invoice, `always_invoice` invoices them
//! (and any waiting) now (`subscription_update`), `none` bills the change from the next
//! period. No prorations during a trial. `cancel_at_period_end` cancels at the period end
//! (`customer.subscription.deleted`, no new invoice); `DELETE` cancels now and, as Stripe,
//! stops the automatic retries of all the customer's open invoices. `void` cancels an invoice's
//! PaymentIntent (`payment_intent.canceled`, `invoice.voided`); `mark_uncollectible` stops its
//! retries (`invoice.marked_uncollectible`).
//!
//! # Idempotency
//! A POST's `Idempotency-Key` (up to 255 characters) saves the answer; the same key with the
//! same endpoint and parameters replays it (`Idempotent-Replayed: true`), including `402`
//! declines and `5xx`; other parameters or another endpoint get `400 idempotency_error`.
//! As in Stripe, failed validation (`400`, `404`) is not saved. Keys never expire here, and
//! requests are served one at a time, so `409 idempotency_key_in_use` never happens.
//!
//! # Money (the fake's own rules where Stripe's depend on the account)
//! Amounts are `i64` minor units with a lowercase currency; minimums for a few currencies and
//! the 8-digit maximum are checked. A captured charge books a `charge` balance transaction
//! whose fee is [`processing_fee`]: **2.9 % rounded half up to a minor unit, plus 30 minor
//! units** (the fake's rule, in integer arithmetic, for every currency). Refunds book a
//! `refund` transaction (no fee returned); a dispute books an `adjustment` of minus the
//! amount plus a [`DISPUTE_FEE`] of 1500 minor units (a won dispute gives the amount back, not
//! the fee). Funds are available at once (`available_on == created`). Payouts are made only by
//! [`StripeFake::pay_out`]: every transaction of the currency not yet paid out, net, goes into
//! one `paid` payout with its own `payout` transaction, so listing a payout's balance
//! transactions sums to zero.
//!
//! # Events and webhooks
//! Events (`evt_...`, `api_version` [`API_VERSION`], `request.{id, idempotency_key}`) are stored for
//! `GET /v1/events` and posted to every URL given to [`StripeFake::register_webhook_endpoint`]
//! through a [`WebhookSender`] with `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "{t}.{body}" keyed with the whsec secret>`. Types: `payment_intent.created`,
//! `payment_intent.succeeded`, `payment_intent.payment_failed`,
//! `payment_intent.requires_action`, `payment_intent.amount_capturable_updated`,
//! `payment_intent.canceled`, `charge.succeeded`, `charge.failed`, `charge.captured`,
//! `charge.refunded` (with `previous_attributes`), `customer.created`, `customer.updated`
//! (with `previous_attributes`), `customer.deleted`,
//! `payment_method.attached`, `payout.created`, `payout.paid`,
//! `radar.early_fraud_warning.created`, `charge.dispute.created`,
//! `charge.dispute.funds_withdrawn`, `charge.dispute.updated`, `charge.dispute.closed`,
//! `charge.dispute.funds_reinstated` (a win gives the amount back, the fee kept),
//! `product.created`, `price.created`, `test_helpers.test_clock.created`,
//! `test_helpers.test_clock.advancing`, `test_helpers.test_clock.ready`,
//! `customer.subscription.created`, `customer.subscription.updated` (with
//! `previous_attributes`), `customer.subscription.deleted`, `invoice.created`,
//! `invoice.finalized`, `invoice.paid`, `invoice.payment_succeeded`, `invoice.payment_failed`,
//! `invoice.payment_action_required`, `invoice.voided`, `invoice.marked_uncollectible`,
//! `invoice_payment.paid`, `credit_note.created`.
//!
//! A failed delivery is retried after each delay of the schedule: by default 5 min, 1 h and 3 h (Stripe's test mode retries "three times over a few hours";
//! the exact intervals are the fake's), compressible with
//! [`StripeFake::with_webhook_retry_delays`]; duplicates and reordering through
//! [`StripeFake::webhooks`]. As Stripe does, every attempt is signed anew (its own `t=`), so a
//! late retry still passes a receiver's 300 s tolerance. Deliveries need
//! a Tokio runtime (the fake's HTTP handlers always have one); events raised outside one are
//! stored but not sent.
//!
//! # Not covered
//! In billing: `collection_method=send_invoice`; `payment_behavior` `error_if_incomplete` and
//! `pending_if_incomplete`; `DELETE` with `invoice_now` or `prorate` (`400`) or
//! `cancellation_details`; one-off invoices and invoice items; tiered, metered and one-time
//! prices on subscriptions; changing a subscription's interval or currency; coupons, taxes,
//! customer credit balances (an invoice whose credits exceed its charges is due 0 and the rest
//! is dropped); schedules, pauses, `customer.subscription.trial_will_end`, the 23-hour expiry
//! of `incomplete` subscriptions, the draft hour of renewal invoices, the limit on how far one
//! test clock advance may go; credit notes on unpaid invoices, with `credit_amount`, with
//! lines, and voiding them; 3-D Secure cards leave an invoice open
//! (`invoice.payment_action_required`) with no way to authenticate it. The billing endpoints'
//! error messages are close to Stripe's, not copies.
//!
//! Elsewhere: SetupIntents, 3-D Secure other than the two cards above (no challenge page, no
//! `return_url` redirect), asynchronous methods and `processing`,
//! refund failures, payout creation over the API and failed payouts, pending balances and
//! `available_on` delays, currency conversion, Connect (`Stripe-Account` is ignored),
//! `delivery_success` filtering of events (accepted, ignored), Stripe's full search language,
//! `charge.refunds` (not included since `2022-11-15`), rate limiting by the fake itself (use a
//! fault rule: [`rate_limited_fault`], [`lock_timeout_fault`]).

mod billing;
mod cards;
mod catalog;
mod clock;
mod credit_notes;
mod error;
mod form;
mod invoices;
mod ops;
mod search;
mod state;
mod subscriptions;

pub use clock::{AfterRetries, Dunning};

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use url::Url;

use crate::webhooks::{Delivery, Signer, WebhookSender};
use crate::{Fake, Fault};

use error::ApiErr;
use form::Params;
use state::{RequestCtx, Saved, State, new_id};

/// The API version the fake's answers and events follow: `2026-10-28.endive`, the version
/// `stripe-client` pins (`stripe_client::DEFAULT_API_VERSION`, checked by the sandbox's tests).
pub const API_VERSION: &str = "2026-10-28.endive";

/// The fee of a dispute, in minor units of the dispute's currency (Stripe's US fee is 15.00 USD).
pub const DISPUTE_FEE: i64 = 1500;

/// The fake's processing fee of a captured amount: 2.9 % rounded half up to a whole minor
/// unit, plus 30 minor units (`processing_fee(1099) == 62`). The fake's own rule in integer
/// arithmetic; real Stripe pricing depends on the account, card and country.
pub fn processing_fee(amount: i64) -> i64 {
    let amount = amount.max(0);
    (amount.saturating_mul(29).saturating_add(500) / 1000).saturating_add(30)
}

/// The evidence fields a dispute accepts (`evidence[...]`).
pub(crate) const EVIDENCE_FIELDS: &[&str] = &[
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
];

/// A fault answering like Stripe's rate limiter: `429` with `Retry-After`,
/// `Stripe-Rate-Limited-Reason: global-rate` and code `rate_limit` (the client does not retry it).
pub fn rate_limited_fault(retry_after_secs: u64) -> Fault {
    Fault::Respond {
        status: 429,
        headers: vec![
            ("Retry-After".to_owned(), retry_after_secs.to_string()),
            ("Stripe-Rate-Limited-Reason".to_owned(), "global-rate".to_owned()),
        ],
        body: serde_json::json!({"error": {
            "code": "rate_limit",
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            "type": "invalid_request_error",
        }})
        .to_string(),
    }
}

/// A fault answering like Stripe's object lock: `429` with code `lock_timeout` (retried by the
/// official SDKs and by the client).
pub fn lock_timeout_fault() -> Fault {
    Fault::Respond {
        status: 429,
        headers: Vec::new(),
        body: serde_json::json!({"error": {
            "code": "lock_timeout",
            "doc_url": "https://stripe.com/docs/error-codes/lock-timeout",
            "message": "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.",
            "type": "invalid_request_error",
        }})
        .to_string(),
    }
}

/// The default webhook retry delays (see the module docs).
fn default_retry_delays() -> Vec<Duration> {
    vec![
        Duration::from_secs(5 * 60),
        Duration::from_secs(60 * 60),
        Duration::from_secs(3 * 60 * 60),
    ]
}

struct Inner {
    secret_key: String,
    webhook_secret: String,
    webhooks: WebhookSender,
    state: Mutex<State>,
}

/// The Stripe fake: its keys, its in-memory account and its webhook sender. Cheap to clone;
/// clones share the account.
#[derive(Clone)]
pub struct StripeFake {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StripeFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeFake").finish_non_exhaustive()
    }
}

impl Default for StripeFake {
    fn default() -> Self {
        Self::new()
    }
}

impl StripeFake {
    /// A fake account with secret key `sk_test_sandbox_...`, webhook signing secret
    /// `whsec_sandbox_...` and the default webhook retry schedule.
    pub fn new() -> Self {
        Self::with_webhook_retry_delays(default_retry_delays())
    }

    /// A fake account whose failed webhook deliveries are retried after each of `delays`
    /// (e.g. milliseconds in tests).
    pub fn with_webhook_retry_delays(delays: Vec<Duration>) -> Self {
        let webhook_secret = "whsec_sandbox_fake_signing_secret_000000000".to_owned();
        let signing_secret = webhook_secret.clone();
        // Stripe signs each retry anew: the `t=` of a late retry is its own send time.
        let signer: Signer = Arc::new(move |body: &[u8]| {
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let signature = sign(&signing_secret, t, body);
            vec![(
                "Stripe-Signature".to_owned(),
                format!("t={t},v1={signature}"),
            )]
        });
        StripeFake {
            inner: Arc::new(Inner {
                secret_key: "sk_test_sandbox_51SandboxFakeKey0000000000".to_owned(),
                webhook_secret,
                webhooks: WebhookSender::new(delays).with_signer(signer),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The secret API key requests must carry (`Authorization: Bearer ...`).
    pub fn secret_key(&self) -> &str {
        &self.inner.secret_key
    }

    /// The `whsec_...` secret that signs webhooks.
    pub fn webhook_secret(&self) -> &str {
        &self.inner.webhook_secret
    }

    /// The webhook sender: attempts made, duplicates and reordering on demand.
    pub fn webhooks(&self) -> &WebhookSender {
        &self.inner.webhooks
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Operations validate before they change anything; a panic cannot tear the state.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends every event to every registered endpoint, signed.
    fn deliver(&self, events: Vec<Value>, endpoints: &[Url]) {
        if events.is_empty() || endpoints.is_empty() {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!(
                "stripe fake: no Tokio runtime, {} events not delivered",
                events.len()
            );
            return;
        }
        for event in events {
            let topic = event
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let body = event.to_string().into_bytes();
            for url in endpoints {
                let t = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let signature = sign(&self.inner.webhook_secret, t, &body);
                self.inner.webhooks.send(Delivery {
                    url: url.clone(),
                    topic: topic.clone(),
                    headers: vec![
                        (
                            "Stripe-Signature".to_owned(),
                            format!("t={t},v1={signature}"),
                        ),
                        (
                            "Content-Type".to_owned(),
                            "application/json; charset=utf-8".to_owned(),
                        ),
                        (
                            "User-Agent".to_owned(),
                            "Stripe/1.0 (+https://stripe.com/docs/webhooks)".to_owned(),
                        ),
                    ],
                    body: body.clone(),
                });
            }
        }
    }

    /// Runs `op` on the state, then delivers the events it raised.
    fn with_state<R>(&self, op: impl FnOnce(&mut State) -> R) -> R {
        let (result, events, endpoints) = {
            let mut state = self.lock();
            state.request = RequestCtx::default();
            let result = op(&mut state);
            (
                result,
                std::mem::take(&mut state.outbox),
                state.endpoints.clone(),
            )
        };
        self.deliver(events, &endpoints);
        result
    }

    /// Registers a webhook endpoint: every later event is posted to it.
    pub fn register_webhook_endpoint(&self, url: Url) {
        self.lock().endpoints.push(url);
    }

    /// The registered webhook endpoints.
    pub fn webhook_endpoints(&self) -> Vec<Url> {
        self.lock().endpoints.clone()
    }

    /// Pays out the balance of `currency`: every balance transaction not yet paid out goes
    /// into one `paid` payout (`payout.created` and `payout.paid` events). Returns the payout
    /// id, or `None` when the net balance is not positive.
    pub fn pay_out(&self, currency: &str) -> Option<String> {
        self.with_state(|s| s.pay_out(currency))
    }

    /// The net of the balance transactions of `currency` not yet paid out.
    pub fn unpaid_balance(&self, currency: &str) -> i64 {
        self.lock().unpaid_balance(currency)
    }

    /// Makes a PaymentMethod (`pm_...`) of a card number, behaving as Stripe's test card of
    /// that number (any other number passing the Luhn check succeeds). `None` for a number
    /// that is not a card number.
    pub fn payment_method_for_card(&self, number: &str) -> Option<String> {
        let card = cards::by_number(number)?;
        Some(self.lock().new_payment_method(card))
    }

    /// Raises an early fraud warning on a paid charge (`radar.early_fraud_warning.created`).
    pub fn create_early_fraud_warning(&self, charge_id: &str) -> Option<String> {
        self.with_state(|s| s.create_warning(charge_id))
    }

    /// Plays the customer's answer to the 3-D Secure challenge of PaymentIntent `id` (one in
    /// `requires_action`, from a card such as `pm_card_authenticationRequired`): `true` charges
    /// it as a confirmation would (`charge.succeeded`, `payment_intent.succeeded`), `false` fails
    /// it (`requires_payment_method` with `payment_intent_authentication_failure`,
    /// `payment_intent.payment_failed`). Returns the PaymentIntent, or `None` when no
    /// PaymentIntent `id` waits for authentication.
    pub fn answer_authentication(&self, id: &str, authenticated: bool) -> Option<Value> {
        self.with_state(|s| s.answer_authentication(id, authenticated))
    }

    /// Disputes a captured, undisputed charge with `reason` (`charge.dispute.created`).
    pub fn create_dispute(&self, charge_id: &str, reason: &str) -> Option<String> {
        self.with_state(|s| s.create_dispute(charge_id, reason))
    }

    /// Files an early fraud warning on a paid charge (`radar.early_fraud_warning.created`), as
    /// the issuer of `pm_card_createIssuerFraudRecord` does after capture.
    pub fn create_warning(&self, charge_id: &str) -> Option<String> {
        self.with_state(|s| s.create_warning(charge_id))
    }

    /// Any stored object by id (`pi_`, `ch_`, `re_`, `cus_`, `pm_`, `txn_`, `po_`, `dp_`,
    /// `issfr_`, `evt_`, `prod_`, `price_`, `clock_`, `sub_`, `in_`, `inpay_`, `cn_`), rendered as the
    /// API would (an invoice without its `payments`).
    pub fn object(&self, id: &str) -> Option<Value> {
        self.lock().object_json(id)
    }

    /// Ids of the stored objects of one kind (`"payment_intent"`, `"charge"`, `"refund"`,
    /// `"customer"`, `"payment_method"`, `"balance_transaction"`, `"payout"`, `"dispute"`,
    /// `"early_fraud_warning"`, `"event"`, `"product"`, `"price"`, `"test_clock"`,
    /// `"subscription"`, `"invoice"`, `"invoice_payment"`, `"credit_note"`), oldest first.
    pub fn ids(&self, kind: &str) -> Vec<String> {
        let s = self.lock();
        match kind {
            "payment_intent" => s.payment_intents.ids(),
            "charge" => s.charges.ids(),
            "refund" => s.refunds.ids(),
            "customer" => s.customers.ids(),
            "payment_method" => s.payment_methods.ids(),
            "balance_transaction" => s.balance_transactions.ids(),
            "payout" => s.payouts.ids(),
            "dispute" => s.disputes.ids(),
            "early_fraud_warning" => s.warnings.ids(),
            "event" => s.events.ids(),
            "product" => s.products.ids(),
            "price" => s.prices.ids(),
            "test_clock" => s.test_clocks.ids(),
            "subscription" => s.subscriptions.ids(),
            "invoice" => s.invoices.ids(),
            "invoice_payment" => s.invoice_payments.ids(),
            "credit_note" => s.credit_notes.ids(),
            _ => Vec::new(),
        }
    }

    /// Every event, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.iter().map(|e| e.body.clone()).collect()
    }

    /// Moves the fake's clock (creation times, `created` filters) forward, then runs the
    /// renewals and payment retries that fell due on the way for subscriptions on no test
    /// clock, each at its own time (their events are sent).
    pub fn advance_clock(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.with_state(|s| {
            s.clock_offset = s.clock_offset.saturating_add(secs);
            let now = s.now();
            s.run_due(None, now);
        });
    }

    /// Moves test clock `id` (`clock_...`) to `frozen_time` (Unix seconds), running every
    /// renewal, payment retry and cancellation due on the way for its customers'
    /// subscriptions, as `POST /v1/test_helpers/test_clocks/{id}/advance` does. Returns the
    /// clock, or `None` when there is no such clock or `frozen_time` is not after its time.
    pub fn advance_test_clock(&self, id: &str, frozen_time: i64) -> Option<Value> {
        self.with_state(|s| {
            let from = s.test_clocks.get(id)?.frozen_time;
            (frozen_time > from).then(|| s.advance_clock_to(id, frozen_time))
        })
    }

    /// Sets the dunning schedule (retry delays, what follows the last failure) for failed
    /// subscription payments from now on.
    pub fn set_dunning(&self, dunning: Dunning) {
        self.lock().dunning = dunning;
    }

    /// The fake's current time, Unix seconds.
    pub fn now_unix(&self) -> i64 {
        self.lock().now()
    }

    /// Serves one request: authentication, parameters, idempotency, the operation, `expand`.
    fn serve(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        request_id: &str,
    ) -> Served {
        let plain = |err: ApiErr| Served {
            status: err.status,
            body: err.body(),
            replayed: false,
        };
        if let Err(err) = self.authenticate(headers) {
            return plain(err);
        }
        if let Some(v) = headers.get("stripe-version") {
            let ok = v.to_str().ok().is_some_and(valid_version);
            if !ok {
                let shown = String::from_utf8_lossy(v.as_bytes()).into_owned();
                return plain(ApiErr::invalid(
                    None,
                    None,
                    &format!("Invalid Stripe API version: {shown}"),
                ));
            }
        }
        let raw = if *method == Method::POST {
            body.to_vec()
        } else {
            uri.query().unwrap_or("").as_bytes().to_vec()
        };
        let params = match Params::parse(&raw) {
            Ok(p) => p,
            Err(err) => return plain(err),
        };
        let key = if *method == Method::POST {
            match headers.get("idempotency-key").map(|v| v.to_str()) {
                None => None,
                Some(Ok(k)) if !k.is_empty() && k.len() <= 255 => Some(k.to_owned()),
                Some(_) => {
                    return plain(ApiErr::invalid(
                        None,
                        None,
                        "Idempotency-Key must be 1 to 255 characters of visible ASCII.",
                    ));
                }
            }
        } else {
            None
        };
        let path = uri.path().to_owned();
        let method_path = format!("{method} {path}");
        let (served, events, endpoints) = {
            let mut state = self.lock();
            if let Some(key) = &key
                && let Some(saved) = state.idempotency.get(key)
            {
                let served = if saved.method_path != method_path {
                    plain(ApiErr::idempotency(&format!(
                        "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{}' vs '{method_path}'). Try using a key other than '{key}' if you meant to execute a different request.",
                        saved.method_path
                    )))
                } else if saved.params != params.canonical() {
                    plain(ApiErr::idempotency(&format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                    )))
                } else {
                    Served {
                        status: saved.status,
                        body: saved.body.clone(),
                        replayed: true,
                    }
                };
                return served;
            }
            state.request = RequestCtx {
                id: Some(request_id.to_owned()),
                idempotency_key: key.clone(),
            };
            let result = route(&mut state, method, &path, &params).and_then(|mut value| {
                let expand = params.expand()?;
                state.expand(&mut value, &expand)?;
                Ok(value)
            });
            let served = match result {
                Ok(body) => Served {
                    status: 200,
                    body,
                    replayed: false,
                },
                Err(err) => plain(err),
            };
            if let Some(key) = key
                && !matches!(served.status, 400 | 401 | 404)
            {
                state.idempotency.insert(
                    key,
                    Saved {
                        method_path,
                        params: params.canonical(),
                        status: served.status,
                        body: served.body.clone(),
                    },
                );
            }
            state.request = RequestCtx::default();
            state.frozen = None;
            (
                served,
                std::mem::take(&mut state.outbox),
                state.endpoints.clone(),
            )
        };
        self.deliver(events, &endpoints);
        served
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<(), ApiErr> {
        let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
            return Err(ApiErr::unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
            ));
        };
        let key = if let Some(k) = value.strip_prefix("Bearer ") {
            k.trim().to_owned()
        } else if let Some(b) = value.strip_prefix("Basic ") {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .map(|s| s.split(':').next().unwrap_or("").to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        if key == self.inner.secret_key {
            return Ok(());
        }
        let tail: String = key
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Err(ApiErr::unauthorized(&format!(
            "Invalid API Key provided: {}********{tail}",
            key.chars().take(8).collect::<String>()
        )))
    }
}

/// The result of one request.
struct Served {
    status: u16,
    body: Value,
    replayed: bool,
}

fn valid_version(v: &str) -> bool {
    let (date, name) = v.split_once('.').unwrap_or((v, "a"));
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && !name.is_empty()
        && name.bytes().all(|c| c.is_ascii_lowercase())
}

/// Hex HMAC-SHA256 of `"{t}.{body}"` keyed with the whole `whsec_...` secret.
fn sign(secret: &str, t: u64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Percent-decodes one path segment (invalid escapes are kept as they are).
fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex_pair) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The operation for a method and path.
fn route(s: &mut State, method: &Method, path: &str, p: &Params) -> Result<Value, ApiErr> {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let delete = *method == Method::DELETE;
    match seg.as_slice() {
        ["v1", "payment_intents"] if post => s.create_payment_intent(p),
        ["v1", "payment_intents"] if get => s.list_payment_intents(p),
        ["v1", "payment_intents", id] if get => s.retrieve_payment_intent(id, p),
        ["v1", "payment_intents", id] if post => s.update_payment_intent(id, p),
        ["v1", "payment_intents", id, "confirm"] if post => s.confirm_payment_intent(id, p),
        ["v1", "payment_intents", id, "capture"] if post => s.capture_payment_intent(id, p),
        ["v1", "payment_intents", id, "cancel"] if post => s.cancel_payment_intent(id, p),
        ["v1", "charges"] if get => s.list_charges(p),
        ["v1", "charges", id] if get => s.retrieve_charge(id, p),
        ["v1", "refunds"] if post => s.create_refund(p),
        ["v1", "refunds"] if get => s.list_refunds(p),
        ["v1", "refunds", id] if get => s.retrieve_refund(id, p),
        ["v1", "customers"] if post => s.create_customer(p),
        ["v1", "customers"] if get => s.list_customers(p),
        ["v1", "customers", "search"] if get => s.search_customers(p),
        ["v1", "customers", id] if get => s.retrieve_customer(id, p),
        ["v1", "customers", id] if post => s.update_customer(id, p),
        ["v1", "customers", id] if delete => s.delete_customer(id, p),
        ["v1", "payment_methods"] if get => s.list_payment_methods(p),
        ["v1", "payment_methods", id] if get => s.retrieve_payment_method(id, p),
        ["v1", "payment_methods", id, "attach"] if post => s.attach_payment_method(id, p),
        ["v1", "payouts"] if get => s.list_payouts(p),
        ["v1", "payouts", id] if get => s.retrieve_payout(id, p),
        ["v1", "balance_transactions"] if get => s.list_balance_transactions(p),
        ["v1", "balance_transactions", id] if get => s.retrieve_balance_transaction(id, p),
        ["v1", "disputes"] if get => s.list_disputes(p),
        ["v1", "disputes", id] if get => s.retrieve_dispute(id, p),
        ["v1", "disputes", id] if post => s.update_dispute(id, p),
        ["v1", "disputes", id, "close"] if post => s.close_dispute(id, p),
        ["v1", "radar", "early_fraud_warnings"] if get => s.list_warnings(p),
        ["v1", "radar", "early_fraud_warnings", id] if get => s.retrieve_warning(id, p),
        ["v1", "events"] if get => s.list_events(p),
        ["v1", "products"] if post => s.create_product(p),
        ["v1", "products"] if get => s.list_products(p),
        ["v1", "products", id] if get => s.retrieve_product(id, p),
        ["v1", "prices"] if post => s.create_price(p),
        ["v1", "prices"] if get => s.list_prices(p),
        ["v1", "prices", id] if get => s.retrieve_price(id, p),
        ["v1", "test_helpers", "test_clocks"] if post => s.create_test_clock(p),
        ["v1", "test_helpers", "test_clocks"] if get => s.list_test_clocks(p),
        ["v1", "test_helpers", "test_clocks", id] if get => s.retrieve_test_clock(id, p),
        ["v1", "test_helpers", "test_clocks", id, "advance"] if post => s.advance_test_clock(id, p),
        ["v1", "subscriptions"] if post => s.create_subscription(p),
        ["v1", "subscriptions"] if get => s.list_subscriptions(p),
        ["v1", "subscriptions", id] if get => s.retrieve_subscription(id, p),
        ["v1", "subscriptions", id] if post => s.update_subscription(id, p),
        ["v1", "subscriptions", id] if delete => s.cancel_subscription(id, p),
        ["v1", "credit_notes"] if post => s.create_credit_note(p),
        ["v1", "credit_notes"] if get => s.list_credit_notes(p),
        ["v1", "credit_notes", id] if get => s.retrieve_credit_note(id, p),
        ["v1", "invoices"] if get => s.list_invoices(p),
        ["v1", "invoices", id] if get => s.retrieve_invoice(id, p),
        ["v1", "invoices", id, "pay"] if post => s.pay_invoice(id, p),
        ["v1", "invoices", id, "void"] if post => s.void_invoice(id, p),
        ["v1", "invoices", id, "mark_uncollectible"] if post => s.mark_uncollectible(id, p),
        ["v1", "events", id] if get => s.retrieve_event(id, p),
        _ => Err(ApiErr::unrecognized(method.as_str(), path)),
    }
}

async fn handle(
    AxumState(fake): AxumState<StripeFake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = new_id("req");
    let served = fake.serve(&method, &uri, &headers, &body, &request_id);
    let status = StatusCode::from_u16(served.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [("content-type", "application/json")],
        served.body.to_string(),
    )
        .into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::try_from(request_id) {
        h.insert("request-id", v);
    }
    let version = headers
        .get("stripe-version")
        .cloned()
        .unwrap_or(HeaderValue::from_static(API_VERSION));
    h.insert("stripe-version", version);
    if let Some(key) = headers
        .get("idempotency-key")
        .filter(|_| method == Method::POST)
    {
        h.insert("idempotency-key", key.clone());
    }
    if served.replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

impl Fake for StripeFake {
    const SERVICE: &'static str = "stripe";

    fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

//! Magento + Stripe.
//!
//! 3. A Magento order (found by [`MagentoOrderPoller`]: Magento Open Source sends no webhooks) →
//!    a Stripe PaymentIntent confirmed at once → `charge.succeeded` → an offline Magento invoice
//!    (Stripe already captured the money), a history comment with the transaction id and status
//!    `processing` → ERP customer, sales order, invoice and payment (with the Stripe fee from the
//!    charge's balance transaction) → a Magento shipment with tracking when the order ships
//!    (`fulfilment:shipped`).
//! 4. `charge.refunded` → one offline Magento credit memo per Stripe refund (through the order:
//!    Stripe already refunded) → ERP credit memo and refund payment.
//!
//! | job kind | key | payload | step |
//! |---|---|---|---|
//! | [`MAGENTO_ORDER`] | `magento/{store}/order/{entity_id}` | `{"entity_id": 42}` | PaymentIntent, or the failed-payment status on a decline |
//! | [`CHARGE_SUCCEEDED`] | `stripe/{evt id}` (intake) | `{"provider":"stripe","event_id":...}` | Magento invoice and comment, ERP documents |
//! | [`CHARGE_REFUNDED`] | `stripe/{evt id}` (intake) | same | Magento and ERP credit memos |
//! | [`FULFILMENT_SHIPPED`] | `magento/{store}/order/{id}/shipped/{tracking}` | [`Shipped`] | Magento shipment with its track |
//!
//! # Where the payment method comes from
//!
//! The storefront's checkout collects a Stripe PaymentMethod (Stripe.js) and stores its id in the
//! order payment's additional information under [`PAYMENT_METHOD_KEY`] (`stripe_payment_method`,
//! a `pm_...` id), and optionally the Stripe customer under [`CUSTOMER_KEY`]
//! (`stripe_customer`, a `cus_...` id). Magento returns them in
//! `extension_attributes.payment_additional_info`. An order without a payment method is a
//! permanent error naming that field; no card data ever passes through here.
//!
//! # Exactly once
//!
//! Every effect goes through [`effects::once`](crate::effects::once) under a key of DESIGN.md's
//! scheme:
//!
//! | effect | key | why a repeat is harmless |
//! |---|---|---|
//! | PaymentIntent | `magento/{store}/order/{id}/payment-intent` | sent as Stripe's `Idempotency-Key` |
//! | failed-payment status | `magento/{store}/order/{id}/payment-failure` | the order's status is checked first |
//! | invoice | `magento/{store}/order/{id}/invoice` | the order's `total_invoiced` is checked first |
//! | payment comment | `magento/{store}/order/{id}/payment-comment` | the order's comments are checked first |
//! | ERP customer, sales order, invoice | `magento/{store}/order/{id}/erp-customer` (`erp-sales-order`, `erp-invoice`) | ERP external references |
//! | ERP payment | `stripe/{charge id}/erp-payment` | ERP external reference |
//! | credit memo | `stripe/{charge id}/refund/{refund id}/magento-credit-memo` | the order's `total_refunded` is checked first |
//! | ERP credit memo, refund payment | `stripe/{charge id}/refund/{refund id}/erp-credit-memo` (`erp-refund-payment`) | ERP external references |
//! | shipment | `magento/{store}/order/{id}/shipment/{tracking}` | the order's shipped quantities are checked first |
//!
//! A decline ends the flow cleanly: the order gets the merchant's failed-payment status and a
//! comment, the job completes and nothing is retried. Mapping errors are permanent (dead letters,
//! naming the field); provider errors are classified by the clients' `From` impls.
//!
//! One [`MagentoStripe`] serves one Magento store view (its store code is part of every key): the
//! PaymentIntents it creates carry `store=magento` and the order's `entity_id` in their metadata,
//! and Stripe charges without them are left alone.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flows::workflows::magento_stripe::{Config, MagentoStripe};
//! use flows::{SqliteStore, Worker, WorkerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(SqliteStore::open("flows.sqlite")?);
//! let magento = magento::Client::builder(
//!     "https://shop.example.com",
//!     magento::Credentials::oauth("consumer-key", "consumer-secret", "token", "token-secret"),
//! )
//! .store_code("default")
//! .build()?;
//! let stripe = stripe_client::Client::builder(secrecy::SecretString::from("sk_test_...")).build()?;
//! let erp: Arc<dyn erp::Erp> = Arc::new(erp::LocalLedger::open("ledger.sqlite3").await?);
//!
//! let flows = MagentoStripe::new(store.clone(), magento, stripe, erp, Config::new("default", "acct_123"));
//! let worker = flows.register(Worker::new(store, WorkerConfig::new("worker-1")));
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! tokio::spawn(flows.poller().run(std::time::Duration::from_secs(30), shutdown.clone()));
//! let running = tokio::spawn(worker.run(shutdown));
//! // ... later:
//! stop.send(true).ok();
//! running.await.ok();
//! # Ok(()) }
//! ```

mod charge;
mod payment;
mod poller;
mod refund;
mod shipment;

use std::sync::Arc;

use async_trait::async_trait;
use erp::Erp;
use mapping::erp::{ErpCtx, SettlementFees};
use mapping::magento::FailureCtx;
use mapping::{MappingError, Order, System};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use poller::{MagentoOrderPoller, order_job};
pub use shipment::Shipped;

use crate::StepError;
use crate::store::{Job, NewJob, Store};
use crate::worker::{JobHandler, Worker};

/// Job kind of a Magento order waiting for payment (enqueued by [`MagentoOrderPoller`]).
pub const MAGENTO_ORDER: &str = "magento:order";
/// Job kind of Stripe's `charge.succeeded` deliveries (see [`crate::intake`]).
pub const CHARGE_SUCCEEDED: &str = "stripe:charge.succeeded";
/// Job kind of Stripe's `charge.refunded` deliveries.
pub const CHARGE_REFUNDED: &str = "stripe:charge.refunded";
/// Job kind of "the order left the warehouse" (payload [`Shipped`], see
/// [`MagentoStripe::shipped_job`]).
pub const FULFILMENT_SHIPPED: &str = "fulfilment:shipped";
/// Every job kind [`MagentoStripe`] handles; pass the Stripe ones to
/// [`IntakeConfig::handle`](crate::intake::IntakeConfig::handle).
pub const KINDS: [&str; 4] = [
    MAGENTO_ORDER,
    CHARGE_SUCCEEDED,
    CHARGE_REFUNDED,
    FULFILMENT_SHIPPED,
];

/// Key of the order payment's additional information holding the Stripe PaymentMethod id
/// (`pm_...`) collected at checkout.
pub const PAYMENT_METHOD_KEY: &str = "stripe_payment_method";
/// Key of the order payment's additional information holding the Stripe customer id
/// (`cus_...`), when the checkout has one.
pub const CUSTOMER_KEY: &str = "stripe_customer";

/// Settings of the Magento + Stripe workflows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The Magento store code (`default`): part of every key and ERP reference.
    pub store_code: String,
    /// The Stripe account (`acct_...`): part of the ERP payment and refund references.
    pub stripe_account: String,
    /// Prefix of the order reference put in the PaymentIntent's metadata (see
    /// `mapping::reference`); empty for a single store.
    pub reference_prefix: String,
    /// The merchant's failed-payment status and its state (Magento has none built in).
    pub failure: FailureCtx,
    /// E-mail invoices and shipments to the customer.
    pub notify_customer: bool,
    /// Where Stripe sends the customer back after a redirect-based authentication. Without one,
    /// PaymentIntents are created with `automatic_payment_methods[allow_redirects]=never`, since
    /// a confirmation without a return URL must not need a redirect.
    pub return_url: Option<String>,
    /// Days from the ERP invoice's date to its due date.
    pub payment_terms_days: u16,
}

impl Config {
    /// Settings for the store `store_code` and the Stripe account `stripe_account`, with the
    /// failed-payment status `payment_failed` on state `pending_payment`, no customer e-mails, no
    /// return URL and invoices due on receipt.
    pub fn new(store_code: impl Into<String>, stripe_account: impl Into<String>) -> Self {
        Self {
            store_code: store_code.into(),
            stripe_account: stripe_account.into(),
            reference_prefix: String::new(),
            failure: FailureCtx {
                status: "payment_failed".to_owned(),
                state: magento::OrderState::PendingPayment,
                notify_customer: false,
            },
            notify_customer: false,
            return_url: None,
            payment_terms_days: 0,
        }
    }

    /// Sets the failed-payment status and the state it is assigned to.
    #[must_use]
    pub fn failure_status(mut self, status: impl Into<String>, state: magento::OrderState) -> Self {
        self.failure.status = status.into();
        self.failure.state = state;
        self
    }

    /// E-mails invoices, shipments and failed-payment comments to the customer.
    #[must_use]
    pub fn notify_customer(mut self, notify: bool) -> Self {
        self.notify_customer = notify;
        self.failure.notify_customer = notify;
        self
    }

    /// Sets the return URL of redirect-based authentications.
    #[must_use]
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Sets the order reference prefix.
    #[must_use]
    pub fn reference_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.reference_prefix = prefix.into();
        self
    }

    /// Sets the ERP payment terms.
    #[must_use]
    pub fn payment_terms_days(mut self, days: u16) -> Self {
        self.payment_terms_days = days;
        self
    }
}

/// The Magento + Stripe workflows: one [`JobHandler`] for every kind in [`KINDS`]. Cheap to
/// clone.
pub struct MagentoStripe<S: Store> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> Clone for MagentoStripe<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Store> std::fmt::Debug for MagentoStripe<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoStripe")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

struct Inner<S> {
    store: Arc<S>,
    magento: magento::Client,
    stripe: stripe_client::Client,
    erp: Arc<dyn Erp>,
    config: Config,
}

impl<S: Store> MagentoStripe<S> {
    /// The workflows over these clients. `magento` should address the store view named by
    /// [`Config::store_code`].
    pub fn new(
        store: Arc<S>,
        magento: magento::Client,
        stripe: stripe_client::Client,
        erp: Arc<dyn Erp>,
        config: Config,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                magento,
                stripe,
                erp,
                config,
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Registers a handler for every kind in [`KINDS`].
    #[must_use]
    pub fn register(&self, worker: Worker<S>) -> Worker<S> {
        KINDS
            .iter()
            .fold(worker, |worker, kind| worker.handler(*kind, self.clone()))
    }

    /// The poller that finds this store's orders waiting for payment.
    pub fn poller(&self) -> MagentoOrderPoller<S> {
        MagentoOrderPoller::new(
            Arc::clone(&self.inner.store),
            self.inner.magento.clone(),
            self.inner.config.store_code.clone(),
        )
    }

    /// The [`FULFILMENT_SHIPPED`] job of a shipment: enqueue it with [`Store::enqueue`] when the
    /// warehouse reports the parcel (enqueuing the same tracking number again is a no-op).
    pub fn shipped_job(&self, shipped: &Shipped) -> NewJob {
        NewJob {
            kind: FULFILMENT_SHIPPED.to_owned(),
            key: format!(
                "magento/{}/order/{}/shipped/{}",
                self.inner.config.store_code, shipped.order_id, shipped.tracking_number
            ),
            payload: serde_json::json!(shipped),
            run_at: 0,
        }
    }
}

#[async_trait]
impl<S: Store> JobHandler for MagentoStripe<S> {
    /// The systems each step calls, first the one it calls first.
    fn providers(&self, job: &Job) -> Vec<String> {
        let names: &[&str] = match job.kind.as_str() {
            MAGENTO_ORDER => &["magento", "stripe"],
            FULFILMENT_SHIPPED => &["magento"],
            CHARGE_SUCCEEDED | CHARGE_REFUNDED => &["stripe", "magento", "erp"],
            _ => &[],
        };
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    async fn run(&self, job: &Job) -> Result<(), StepError> {
        let inner = &*self.inner;
        match job.kind.as_str() {
            MAGENTO_ORDER => payment::run(inner, job).await,
            CHARGE_SUCCEEDED => charge::run(inner, job).await,
            CHARGE_REFUNDED => refund::run(inner, job).await,
            FULFILMENT_SHIPPED => shipment::run(inner, job).await,
            other => Err(StepError::permanent(format!(
                "no Magento + Stripe step for job kind {other:?}"
            ))),
        }
    }
}

impl<S: Store> Inner<S> {
    /// `magento/{store}/order/{id}/{step}`.
    fn order_key(&self, order_id: i64, step: &str) -> String {
        format!("magento/{}/order/{order_id}/{step}", self.config.store_code)
    }

    /// The ERP context of documents dated `date`. Payments are posted with their Stripe fee, so
    /// settlement journals must not book the fees again.
    fn erp_ctx(&self, date: time::Date) -> ErpCtx {
        ErpCtx::new(
            System::Magento,
            self.config.store_code.clone(),
            self.config.stripe_account.clone(),
            date,
        )
        .with_payment_terms_days(self.config.payment_terms_days)
        .with_settlement_fees(SettlementFees::OnPayments)
    }

    /// The Stripe event a webhook job points to, from the inbox.
    async fn stripe_event(&self, job: &Job) -> Result<stripe_client::Event, StepError> {
        #[derive(Deserialize)]
        struct EventJob {
            event_id: String,
        }
        let EventJob { event_id } = payload(job)?;
        let stored = self
            .store
            .event("stripe", &event_id)
            .await?
            .ok_or_else(|| {
                StepError::permanent(format!("stripe event {event_id} is not in the inbox"))
            })?;
        super::decode(&stored.event.payload, &format!("stripe event {event_id}"))
    }

    /// The Magento order a charge pays for: its `entity_id` from the metadata the PaymentIntent
    /// was created with (copied to the charge by Stripe; read from the PaymentIntent when the
    /// charge has none). `None` when the charge is not a Magento order's.
    async fn order_of_charge(
        &self,
        charge: &stripe_client::Charge,
    ) -> Result<Option<i64>, StepError> {
        use mapping::stripe::{META_ORDER_ID, META_STORE};
        let from_intent;
        let metadata = if charge.metadata.contains_key(META_STORE) {
            &charge.metadata
        } else if let Some(intent) = &charge.payment_intent {
            from_intent = self
                .stripe
                .payment_intents()
                .retrieve(intent.id())
                .await?
                .metadata;
            &from_intent
        } else {
            return Ok(None);
        };
        if metadata.get(META_STORE).map(String::as_str) != Some(System::Magento.as_str()) {
            return Ok(None);
        }
        let field = format!("charge.metadata.{META_ORDER_ID}");
        let raw = metadata
            .get(META_ORDER_ID)
            .ok_or_else(|| MappingError::MissingField {
                field: field.clone(),
            })?;
        let id = raw.parse::<i64>().map_err(|_| MappingError::InvalidValue {
            field,
            value: raw.clone(),
            expected: "Magento order entity_id",
        })?;
        Ok(Some(id))
    }
}

/// The job's payload as `T`; a payload that does not fit is permanent (serde names the field).
fn payload<T: DeserializeOwned>(job: &Job) -> Result<T, StepError> {
    T::deserialize(&job.payload)
        .map_err(|e| StepError::permanent(format!("job {} payload: {e}", job.key)))
}

/// A Magento order as a canonical order (order currency).
fn canonical(order: &magento::Order) -> Result<Order, StepError> {
    Ok(Order::try_from(order)?)
}

/// The charge an event carries.
fn event_charge(event: &stripe_client::Event) -> Result<&stripe_client::Charge, StepError> {
    match &event.data.object {
        stripe_client::EventObject::Charge(charge) => Ok(charge),
        other => Err(StepError::permanent(format!(
            "stripe event {}: data.object is {:?}, expected a charge",
            event.id,
            other.object_name().unwrap_or("unknown")
        ))),
    }
}

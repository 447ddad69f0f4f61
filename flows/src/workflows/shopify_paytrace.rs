//! Shopify + PayTrace.
//!
//! 1. `orders/create` → risk gate → PayTrace sale → the Shopify order marked paid with the PayTrace
//!    transaction id and vault id as metafields, or tagged and noted when declined → ERP customer
//!    (with the vault id), sales order, invoice and payment. With
//!    [`PaymentMode::AuthorizeThenCapture`], the order is authorized instead (metafields, tag, ERP
//!    customer and sales order), and its first `fulfillments/create` captures the authorization,
//!    marks the order paid and books the invoice and payment.
//! 2. `refunds/create` → PayTrace refund, or a void when the sale has not settled yet → ERP credit
//!    memo and refund payment.
//!
//! # Where the card comes from
//!
//! An `orders/create` webhook carries no card data. The storefront's checkout puts one of these in
//! the order's note attributes: a PayTrace vault customer id ([`ATTR_VAULT_CUSTOMER`]), or a
//! Protect.js token and key ([`ATTR_PROTECT_TOKEN`], [`ATTR_PROTECT_KEY`]). An order with neither is
//! a permanent error naming the attribute.
//!
//! # Exactly once
//!
//! Every order (or refund) has one job, keyed `shopify/{shop}/order/{id}` (or `.../refund/{id}`):
//! the store keeps one job per key, so the same order arriving under several webhook ids is
//! processed once, and never by two workers at a time. With [`intake`] the intake
//! names that job itself from the body; otherwise (or when the body has no id) a delivery's job
//! reads the id and enqueues the entity's job.
//! Every effect goes through [`crate::effects::once`] under that key. PayTrace has no idempotency
//! key, so the sale step records that a sale was sent before sending it; whenever that record
//! exists without a result (a timeout, a crash, a replayed dead letter), the step first looks the
//! `invoice_id` up in PayTrace's export ([`paytrace::Client::find_sale_by_invoice`]), twice and
//! [`Config::sale_lookup_delay`] apart when it is not found, before sending the sale again. A refund whose outcome is unknown is not retried:
//! it goes to dead letters for a person to check PayTrace first. Marking an order paid twice is
//! harmless ("already paid" is success); ERP documents are idempotent by external reference.

use std::sync::Arc;

use async_trait::async_trait;
use erp::{Erp, Recorded};
use mapping::erp::{
    ErpCtx, to_erp_credit_memo, to_erp_invoice, to_erp_order_customer, to_erp_payment,
    to_erp_refund_payment, to_erp_sales_order,
};
use mapping::paytrace::{OrderCtx, TransactionCtx};
use mapping::shopify::{RefundCtx, refund_from_shopify};
use mapping::{
    MappingError, Order, Payment, PaymentKind, PaymentStatus, Refund, RefundStatus, System,
};
use paytrace::{ErrorCode, SaleLookup};
use shopify::Gid;

use super::decode;
use crate::StepError;
use crate::effects::{EffectLog, recorded};
use crate::intake::{IntakeConfig, Route};
use crate::store::{Job, NewEvent, NewJob, Store};
use crate::worker::{JobHandler, Worker, now_millis};

/// Job kind of Shopify's `orders/create` deliveries (one job per delivery).
pub const ORDERS_CREATE: &str = "shopify:orders/create";
/// Job kind of Shopify's `refunds/create` deliveries (one job per delivery).
pub const REFUNDS_CREATE: &str = "shopify:refunds/create";
/// The kinds of webhook deliveries these workflows act on.
const DELIVERIES: [&str; 3] = [ORDERS_CREATE, REFUNDS_CREATE, FULFILLMENTS_CREATE];
/// Job kind of Shopify's `fulfillments/create` deliveries (one job per delivery).
pub const FULFILLMENTS_CREATE: &str = "shopify:fulfillments/create";
/// Job kind of one order's payment flow (one job per order, whatever the deliveries).
pub const ORDER_PAYMENT: &str = "shopify:order-payment";
/// Job kind of the capture of an order's authorization when it is fulfilled (one per order).
pub const ORDER_CAPTURE: &str = "shopify:order-capture";
/// Job kind of one refund's flow (one job per refund).
pub const REFUND: &str = "shopify:refund";

/// Note attribute holding the PayTrace vault customer id to charge.
pub const ATTR_VAULT_CUSTOMER: &str = "paytrace_customer_id";
/// Note attribute holding a Protect.js `hpf_token`.
pub const ATTR_PROTECT_TOKEN: &str = "paytrace_hpf_token";
/// Note attribute holding the Protect.js `enc_key` that goes with the token.
pub const ATTR_PROTECT_KEY: &str = "paytrace_enc_key";

/// How long a partial refund of an unsettled sale waits before it is tried again: PayTrace can
/// only void a whole unsettled sale, so the partial refund waits for the nightly settlement.
const WAIT_FOR_SETTLEMENT: std::time::Duration = std::time::Duration::from_secs(3600);

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
    /// Tag put on orders held for review.
    pub held_tag: String,
    /// Tag put on orders whose payment was declined.
    pub declined_tag: String,
    /// Shopify gateway names that stand for PayTrace on this shop's refund transactions. Orders
    /// marked paid by this workflow carry Shopify's `manual` gateway, so that is the default.
    pub paytrace_gateway_names: Vec<String>,
    /// After a sale whose answer was lost is not found in PayTrace's export, how long to wait
    /// before looking a second time (and only then sending it again).
    pub sale_lookup_delay: std::time::Duration,
    /// Charge at once, or authorize and capture on fulfilment.
    pub payment: PaymentMode,
    /// Tag put on orders authorized and waiting for fulfilment.
    pub authorized_tag: String,
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

impl Config {
    /// Settings with the default tags (`payops-held`, `payops-declined`) and no invoice prefix.
    pub fn new(shop: impl Into<String>, paytrace_account: impl Into<String>) -> Self {
        Self {
            shop: shop.into(),
            store_prefix: String::new(),
            paytrace_account: paytrace_account.into(),
            held_tag: "payops-held".to_owned(),
            declined_tag: "payops-declined".to_owned(),
            paytrace_gateway_names: vec!["manual".to_owned()],
            sale_lookup_delay: std::time::Duration::from_secs(30),
            payment: PaymentMode::Sale,
            authorized_tag: "payops-authorized".to_owned(),
        }
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
}

/// What the risk step decided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RiskDecision {
    /// Charge the order.
    Proceed,
    /// Do not charge; hold the order for a person to review.
    Hold {
        /// Why, shown on the order.
        reason: String,
    },
}

/// The risk step before any money moves. The default follows Shopify's own recommendation; a
/// scoring model plugs in by implementing this.
#[async_trait]
pub trait RiskGate: Send + Sync + 'static {
    /// Decides whether `order` (whose Shopify id is `order_id`) may be charged.
    async fn assess(&self, order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError>;
}

/// Holds an order when Shopify's risk summary recommends cancelling it.
#[derive(Debug, Clone)]
pub struct ShopifyRecommendation {
    client: shopify::Client,
}

impl ShopifyRecommendation {
    /// Reads risk from `client`.
    pub fn new(client: shopify::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl RiskGate for ShopifyRecommendation {
    async fn assess(&self, _order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError> {
        let order = self.client.orders().get(order_id).await?;
        let recommendation = order.and_then(|o| o.risk).and_then(|r| r.recommendation);
        Ok(match recommendation.as_deref() {
            Some("CANCEL") => RiskDecision::Hold {
                reason: "Shopify recommends cancelling this order".to_owned(),
            },
            _ => RiskDecision::Proceed,
        })
    }
}

/// The Shopify + PayTrace workflows, ready to register on a [`Worker`].
///
/// ```no_run
/// # async fn run(
/// #     store: std::sync::Arc<flows::SqliteStore>,
/// #     shopify: shopify::Client,
/// #     paytrace: paytrace::Client,
/// #     erp: std::sync::Arc<dyn erp::Erp>,
/// # ) {
/// use flows::workflows::shopify_paytrace::{Config, ShopifyPaytrace};
/// use flows::{Worker, WorkerConfig};
///
/// let config = Config::new("demo.myshopify.com", "merchant-42");
/// let workflows = ShopifyPaytrace::new(store.clone(), shopify, paytrace, erp, config);
/// let worker = workflows.register(Worker::new(store, WorkerConfig::new("worker-1")));
/// # }
/// ```
pub struct ShopifyPaytrace<S> {
    store: Arc<S>,
    shopify: shopify::Client,
    paytrace: paytrace::Client,
    erp: Arc<dyn Erp>,
    risk: Arc<dyn RiskGate>,
    config: Config,
}

impl<S: Store> ShopifyPaytrace<S> {
    /// The workflows, with Shopify's risk recommendation as the risk gate.
    pub fn new(
        store: Arc<S>,
        shopify: shopify::Client,
        paytrace: paytrace::Client,
        erp: Arc<dyn Erp>,
        config: Config,
    ) -> Self {
        let risk = Arc::new(ShopifyRecommendation::new(shopify.clone()));
        Self {
            store,
            shopify,
            paytrace,
            erp,
            risk,
            config,
        }
    }

    /// Replaces the risk gate (a scoring model, say).
    #[must_use]
    pub fn risk_gate(mut self, gate: impl RiskGate) -> Self {
        self.risk = Arc::new(gate);
        self
    }

    /// Registers the handlers of [`ORDERS_CREATE`], [`REFUNDS_CREATE`], [`FULFILLMENTS_CREATE`],
    /// [`ORDER_PAYMENT`], [`ORDER_CAPTURE`] and [`REFUND`].
    pub fn register(self, worker: Worker<S>) -> Worker<S> {
        let shared = Arc::new(self);
        worker
            .handler(
                ORDERS_CREATE,
                Delivery {
                    delivery: ORDERS_CREATE,
                    store: Arc::clone(&shared.store),
                    shop: shared.config.shop.clone(),
                },
            )
            .handler(
                REFUNDS_CREATE,
                Delivery {
                    delivery: REFUNDS_CREATE,
                    store: Arc::clone(&shared.store),
                    shop: shared.config.shop.clone(),
                },
            )
            .handler(
                FULFILLMENTS_CREATE,
                Delivery {
                    delivery: FULFILLMENTS_CREATE,
                    store: Arc::clone(&shared.store),
                    shop: shared.config.shop.clone(),
                },
            )
            .handler(ORDER_PAYMENT, OrderPayment(Arc::clone(&shared)))
            .handler(ORDER_CAPTURE, OrderCapture(Arc::clone(&shared)))
            .handler(REFUND, RefundFlow(shared))
    }

    /// The ERP context of documents booked now for this shop and PayTrace account.
    fn erp_ctx(&self) -> ErpCtx {
        ErpCtx::new(
            System::Shopify,
            &self.config.shop,
            &self.config.paytrace_account,
            today(),
        )
    }

    /// The job kinds the webhook intake must enqueue for these workflows (see also [`intake`]).
    pub fn kinds() -> [&'static str; 3] {
        DELIVERIES
    }
}

/// Adds the workflows' topics to `intake`, each delivery routed straight to the job of its order
/// or refund: one job less per delivery than handling [`ShopifyPaytrace::kinds`], and deliveries
/// of one order under several webhook ids share its job from the start. A body without an id
/// still gets a delivery job, which dead-letters it naming the field.
pub fn intake(intake: IntakeConfig, config: &Config) -> IntakeConfig {
    DELIVERIES.into_iter().fold(intake, |intake, delivery| {
        let shop = config.shop.clone();
        let route: Route = Arc::new(move |event: &NewEvent| {
            entity_job(delivery, &shop, &event.payload)
                .ok()
                .map(|(kind, key)| (kind.to_owned(), key))
        });
        intake.route(delivery, route)
    })
}

/// The raw body of the webhook a job was created for.
async fn webhook_body<S: Store>(store: &S, job: &Job) -> Result<Vec<u8>, StepError> {
    let event_id = job
        .payload
        .get("event_id")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| StepError::permanent("job payload has no event_id"))?;
    let event = store.event("shopify", event_id).await?.ok_or_else(|| {
        StepError::permanent(format!("shopify event {event_id} is not in the inbox"))
    })?;
    Ok(event.event.payload)
}

/// The accounting date of work done now.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn chrono_today() -> paytrace::NaiveDate {
    chrono_date(today())
}

fn chrono_date(date: time::Date) -> paytrace::NaiveDate {
    paytrace::NaiveDate::from_ymd_opt(
        date.year(),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
    .unwrap_or_default()
}

/// The card an order is charged with, read from its note attributes.
enum CardSource {
    Vault(String),
    Protect { token: String, key: String },
}

fn card_source(order: &shopify::rest::Order) -> Result<CardSource, MappingError> {
    let attr = |name: &str| {
        order
            .note_attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value.clone())
            .filter(|v| !v.trim().is_empty())
    };
    if let Some(customer) = attr(ATTR_VAULT_CUSTOMER) {
        return Ok(CardSource::Vault(customer));
    }
    match (attr(ATTR_PROTECT_TOKEN), attr(ATTR_PROTECT_KEY)) {
        (Some(token), Some(key)) => Ok(CardSource::Protect { token, key }),
        _ => Err(MappingError::MissingField {
            field: format!("order.note_attributes.{ATTR_VAULT_CUSTOMER}"),
        }),
    }
}

/// A sale (or authorization) PayTrace processed whose answer we never saw, as found in its
/// export: settled or settling tonight means approved; `N` (not settling) means declined or
/// voided; without a status, an approval code means approved.
fn payment_from_record(record: &paytrace::TransactionRecord, ctx: &TransactionCtx) -> Payment {
    use paytrace::SettlementStatus as Status;
    let approved = match &record.status_code {
        Some(Status::Pending | Status::Settled { .. }) => true,
        Some(Status::NotSettling) => false,
        _ => record
            .approval_code
            .as_deref()
            .is_some_and(|code| !code.trim().is_empty()),
    };
    Payment {
        ids: mapping::ExternalIds::new().with(System::Paytrace, record.transaction_id.to_string()),
        gateway: System::Paytrace,
        order_number: ctx.order_number.clone(),
        reference: ctx.reference.clone(),
        kind: ctx.kind,
        status: match (approved, ctx.kind) {
            (true, PaymentKind::Authorization) => PaymentStatus::Authorized,
            (true, _) => PaymentStatus::Captured,
            (false, _) => PaymentStatus::Declined,
        },
        amount: ctx.amount,
        fee: None,
        card_brand: None,
        card_last4: None,
        avs: None,
        cvv: None,
        approval_code: record.approval_code.clone(),
        vault_id: ctx.vault_id.clone(),
        message: record.status_message.clone(),
        processed_at: None,
    }
}

/// The job of one webhook delivery: enqueues the job of the order or refund it is about.
struct Delivery<S> {
    /// [`ORDERS_CREATE`], [`REFUNDS_CREATE`] or [`FULFILLMENTS_CREATE`].
    delivery: &'static str,
    store: Arc<S>,
    shop: String,
}

/// Just the ids of a delivered order, refund or fulfillment.
#[derive(serde::Deserialize)]
struct Entity {
    id: Option<u64>,
    order_id: Option<u64>,
}

/// The `(kind, key)` of the job of the order or refund a `delivery` body is about (for a
/// fulfillment: its order's capture).
fn entity_job(
    delivery: &str,
    shop: &str,
    body: &[u8],
) -> Result<(&'static str, String), StepError> {
    let entity: Entity = decode(body, delivery)?;
    let (kind, noun, id, field) = match delivery {
        REFUNDS_CREATE => (REFUND, "refund", entity.id, "id"),
        // A fulfillment is about its order: the order's capture job (one per order).
        FULFILLMENTS_CREATE => (ORDER_CAPTURE, "order", entity.order_id, "order_id"),
        _ => (ORDER_PAYMENT, "order", entity.id, "id"),
    };
    let id = id.ok_or_else(|| MappingError::MissingField {
        field: field.to_owned(),
    })?;
    Ok((kind, format!("shopify/{shop}/{noun}/{id}")))
}

#[async_trait]
impl<S: Store> JobHandler for Delivery<S> {
    async fn run(&self, job: &Job) -> Result<(), StepError> {
        let body = webhook_body(&*self.store, job).await?;
        let (kind, key) = entity_job(self.delivery, &self.shop, &body)?;
        let next = NewJob {
            kind: kind.to_owned(),
            key,
            payload: job.payload.clone(),
            run_at: 0,
        };
        self.store.enqueue(next, now_millis()).await?;
        Ok(())
    }
}

struct OrderPayment<S>(Arc<ShopifyPaytrace<S>>);

#[async_trait]
impl<S: Store> JobHandler for OrderPayment<S> {
    fn providers(&self, _job: &Job) -> Vec<String> {
        ["paytrace", "shopify", "erp"].map(str::to_owned).to_vec()
    }

    async fn run(&self, job: &Job) -> Result<(), StepError> {
        let this = &*self.0;
        let store = &*this.store;
        // The job's key is its order's (see `entity_job`), so both reads go out together.
        let prefix = format!("{}/", job.key);
        let (body, log) = tokio::join!(webhook_body(store, job), EffectLog::load(store, &prefix));
        let (body, log) = (body?, log?);
        let webhook: shopify::rest::Order = decode(&body, "orders/create")?;
        let base = format!("shopify/{}/order/{}", this.config.shop, webhook.id);
        if base != job.key {
            return Err(StepError::permanent(format!(
                "job {} carries the webhook of order {base}",
                job.key
            )));
        }
        let outcome = this.pay(&log, &webhook, &base).await;
        log.flush().await?;
        outcome
    }
}

impl<S: Store> ShopifyPaytrace<S> {
    /// The steps of an order's payment flow; effects are recorded in `log`.
    async fn pay(
        &self,
        log: &EffectLog<'_, S>,
        webhook: &shopify::rest::Order,
        base: &str,
    ) -> Result<(), StepError> {
        let store = &*self.store;
        let mut order = Order::try_from(webhook)?;
        let order_gid = Gid::new("Order", webhook.id);

        // The canonical order, kept for the refund workflow and for audits.
        log.once(&format!("{base}/canonical"), "flows", || async {
            Ok(order.clone())
        })
        .await?;

        let decision = log
            .once(&format!("{base}/risk"), "shopify", || {
                self.risk.assess(&order, &order_gid)
            })
            .await?;
        if let RiskDecision::Hold { reason } = decision {
            log.once(&format!("{base}/hold"), "shopify", || async {
                self.shopify
                    .tags()
                    .add(&order_gid, &[self.config.held_tag.as_str()])
                    .await?;
                self.shopify
                    .orders()
                    .update_note(&order_gid, &format!("Held for review: {reason}"))
                    .await?;
                Ok(())
            })
            .await?;
            return Ok(());
        }

        let source = card_source(webhook)?;
        if let CardSource::Vault(customer_id) = &source {
            let customer = order.customer.get_or_insert_with(Default::default);
            customer.ids.set(System::Paytrace, customer_id.clone());
        }
        let order_ctx = OrderCtx {
            store_prefix: &self.config.store_prefix,
            email_receipt: false,
        };
        let authorize = self.config.payment == PaymentMode::AuthorizeThenCapture;
        let kind = if authorize {
            PaymentKind::Authorization
        } else {
            PaymentKind::Sale
        };
        // The charge (a sale, or an authorization) is recorded under `sale` either way.
        let payment: Payment = log.once(&format!("{base}/sale"), "paytrace", || async {
            let tx_ctx = match &source {
                CardSource::Vault(_) => TransactionCtx::for_vault_order(&order, kind, &order_ctx)?,
                CardSource::Protect { .. } => TransactionCtx::for_order(&order, kind, &order_ctx)?,
            };
            let invoice_id = mapping::paytrace::invoice_id(&order, &order_ctx)?;
            let sent_key = format!("{base}/sale/sent");
            if log.recorded::<serde_json::Value>(&sent_key)?.is_some() {
                // A sale was sent before and its result never recorded: it may have been charged.
                match self
                    .paytrace
                    .find_sale_by_invoice(&invoice_id, chrono_today())
                    .await?
                {
                    SaleLookup::Found(record) => return Ok(payment_from_record(&record, &tx_ctx)),
                    SaleLookup::Multiple(records) => {
                        return Err(StepError::permanent(format!(
                            "{} PayTrace sales carry invoice_id {invoice_id}: resolve by hand",
                            records.len()
                        )));
                    }
                    SaleLookup::NotFound => {
                        // PayTrace does not say how soon a sale shows in its export: look twice,
                        // some time apart, before sending the sale again.
                        let lookups_key = format!("{base}/sale/not-found-lookups");
                        let lookups = store.checkpoint(&lookups_key).await?;
                        if lookups.as_deref() != Some("1") {
                            store.set_checkpoint(&lookups_key, "1", now_millis()).await?;
                            return Err(StepError::Transient {
                                provider: Some("paytrace".to_owned()),
                                reason: format!(
                                    "sale {invoice_id} not in PayTrace's export yet; looking again before resending"
                                ),
                                retry_after: Some(self.config.sale_lookup_delay),
                            });
                        }
                        store.set_checkpoint(&lookups_key, "0", now_millis()).await?;
                    }
                }
            }
            store
                .record_effect(
                    &sent_key,
                    "paytrace",
                    &serde_json::json!({ "invoice_id": invoice_id }),
                    now_millis(),
                )
                .await?;
            let response = match &source {
                CardSource::Vault(_) => {
                    let request = mapping::paytrace::to_customer_request(&order, &order_ctx)?;
                    if authorize {
                        self.paytrace.authorize_by_customer(&request).await?
                    } else {
                        self.paytrace.sale_by_customer(&request).await?
                    }
                }
                CardSource::Protect { token, key } => {
                    let token = paytrace::ProtectToken::new(token.clone(), key.clone());
                    let request = mapping::paytrace::to_protect_request(&order, &order_ctx, token)?;
                    if authorize {
                        self.paytrace.authorize_protect(&request).await?
                    } else {
                        self.paytrace.sale_protect(&request).await?
                    }
                }
            };
            Ok(mapping::paytrace::to_payment(&response, &tx_ctx)?)
        })
        .await?;

        if !matches!(
            payment.status,
            PaymentStatus::Captured | PaymentStatus::Authorized
        ) {
            // A decline is an outcome: tell the store and end the flow.
            let message = payment
                .message
                .clone()
                .unwrap_or_else(|| payment.status.to_string());
            log.once(&format!("{base}/declined"), "shopify", || async {
                self.shopify
                    .tags()
                    .add(&order_gid, &[self.config.declined_tag.as_str()])
                    .await?;
                self.shopify
                    .orders()
                    .update_note(
                        &order_gid,
                        &format!("Payment declined by PayTrace: {message}"),
                    )
                    .await?;
                Ok(())
            })
            .await?;
            return Ok(());
        }

        if payment.status == PaymentStatus::Authorized {
            return self
                .authorized(log, &order, &order_gid, &payment, base)
                .await;
        }
        self.book_paid(log, &order, &order_gid, &payment, base)
            .await
    }

    /// An authorized order, waiting for its fulfilment: the authorization on the Shopify order
    /// (metafields and a tag) and the customer and sales order in the ERP.
    async fn authorized(
        &self,
        log: &EffectLog<'_, S>,
        order: &Order,
        order_gid: &Gid,
        payment: &Payment,
        base: &str,
    ) -> Result<(), StepError> {
        let store_side = async {
            log.once(&format!("{base}/authorized"), "shopify", || async {
                let inputs = mapping::shopify::to_payment_metafields(payment, order)?;
                self.shopify.metafields().set(&inputs).await?;
                self.shopify
                    .tags()
                    .add(order_gid, &[self.config.authorized_tag.as_str()])
                    .await?;
                Ok(())
            })
            .await
        };
        let erp_ctx = self.erp_ctx();
        let (store_done, erp_done) =
            tokio::join!(store_side, self.book_order(log, order, &erp_ctx, base));
        store_done.and(erp_done)
    }

    /// The ERP customer and sales order of `order`.
    async fn book_order(
        &self,
        log: &EffectLog<'_, S>,
        order: &Order,
        erp_ctx: &ErpCtx,
        base: &str,
    ) -> Result<(), StepError> {
        let erp = &self.erp;
        log.once(&format!("{base}/erp/customer"), "erp", || async {
            Ok(erp
                .upsert_customer(&to_erp_order_customer(order, erp_ctx)?)
                .await?)
        })
        .await?;
        log.once(&format!("{base}/erp/sales-order"), "erp", || async {
            Ok(erp
                .create_sales_order(&to_erp_sales_order(order, erp_ctx)?)
                .await?)
        })
        .await?;
        Ok(())
    }

    /// A captured payment: the Shopify order marked paid with the payment's metafields, and the
    /// ERP customer, sales order, invoice and payment.
    async fn book_paid(
        &self,
        log: &EffectLog<'_, S>,
        order: &Order,
        order_gid: &Gid,
        payment: &Payment,
        base: &str,
    ) -> Result<(), StepError> {
        // The store and the ERP are told independently of each other: both at once.
        let store_side = async {
            log.once(&format!("{base}/mark-paid"), "shopify", || {
                mark_paid(&self.shopify, order_gid)
            })
            .await?;
            log.once(&format!("{base}/metafields"), "shopify", || async {
                let inputs = mapping::shopify::to_payment_metafields(payment, order)?;
                self.shopify.metafields().set(&inputs).await?;
                Ok(())
            })
            .await
        };
        let erp_side = async {
            let erp_ctx = self.erp_ctx();
            let erp = &self.erp;
            self.book_order(log, order, &erp_ctx, base).await?;
            log.once(&format!("{base}/erp/invoice"), "erp", || async {
                Ok(erp
                    .create_invoice(&to_erp_invoice(order, &erp_ctx)?)
                    .await?)
            })
            .await?;
            log.once(&format!("{base}/erp/payment"), "erp", || async {
                Ok(erp
                    .post_payment(&to_erp_payment(payment, order, &erp_ctx)?)
                    .await?)
            })
            .await
        };
        let (store_done, erp_done): (Result<(), StepError>, Result<Recorded, StepError>) =
            tokio::join!(store_side, erp_side);
        store_done.and(erp_done.map(drop))
    }
}

/// The capture of an order's authorization, when the order is first fulfilled.
struct OrderCapture<S>(Arc<ShopifyPaytrace<S>>);

#[async_trait]
impl<S: Store> JobHandler for OrderCapture<S> {
    fn providers(&self, _job: &Job) -> Vec<String> {
        ["paytrace", "shopify", "erp"].map(str::to_owned).to_vec()
    }

    async fn run(&self, job: &Job) -> Result<(), StepError> {
        let this = &*self.0;
        // The job's key is its order's (see `entity_job`).
        let base = job.key.as_str();
        let log = EffectLog::load(&*this.store, &format!("{base}/")).await?;
        let outcome = this.capture(&log, base).await;
        log.flush().await?;
        outcome
    }
}

impl<S: Store> ShopifyPaytrace<S> {
    /// Captures the order's authorization, then books it as paid.
    async fn capture(&self, log: &EffectLog<'_, S>, base: &str) -> Result<(), StepError> {
        let not_yet = |what: &str| -> StepError {
            MappingError::NotYetKnown {
                field: format!("fulfillment.order.{what}"),
                system: "flows",
            }
            .into()
        };
        if log
            .recorded::<serde_json::Value>(&format!("{base}/hold"))?
            .is_some()
        {
            return Err(StepError::permanent(format!(
                "{base} was held for review and never charged: it was fulfilled without payment"
            )));
        }
        let charge: Payment = log
            .recorded(&format!("{base}/sale"))?
            .ok_or_else(|| not_yet("payment"))?;
        if charge.status != PaymentStatus::Authorized {
            // Charged by a sale already, or declined and held: nothing to capture.
            tracing::debug!(order = base, status = %charge.status, "fulfilled order has no authorization to capture");
            return Ok(());
        }
        let order: Order = log
            .recorded(&format!("{base}/canonical"))?
            .ok_or_else(|| not_yet("canonical"))?;
        let order_gid = Gid::new(
            "Order",
            order
                .ids
                .get(System::Shopify)
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| MappingError::MissingField {
                    field: "order.ids.shopify".to_owned(),
                })?,
        );
        // Capturing twice would fail rather than charge twice, but the record is kept before
        // going on all the same: the rest of the flow depends on it.
        let captured: Payment = log
            .once_durable(&format!("{base}/capture"), "paytrace", || async {
                let request = mapping::paytrace::to_capture_request(&charge, None)?;
                let response = self.paytrace.capture(&request).await?;
                let ctx = TransactionCtx {
                    kind: PaymentKind::Capture,
                    amount: charge.amount,
                    order_number: charge.order_number.clone(),
                    reference: charge.reference.clone(),
                    vault_id: charge.vault_id.clone(),
                };
                Ok(mapping::paytrace::to_payment(&response, &ctx)?)
            })
            .await?;
        if captured.status != PaymentStatus::Captured {
            return Err(StepError::permanent(format!(
                "PayTrace did not capture the authorization of {base}: {}",
                captured.message.as_deref().unwrap_or("no message")
            )));
        }
        self.book_paid(log, &order, &order_gid, &captured, base)
            .await
    }
}

/// `orderMarkAsPaid`; an order Shopify already shows as paid is success.
async fn mark_paid(client: &shopify::Client, order: &Gid) -> Result<(), StepError> {
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

struct RefundFlow<S>(Arc<ShopifyPaytrace<S>>);

#[async_trait]
impl<S: Store> JobHandler for RefundFlow<S> {
    fn providers(&self, _job: &Job) -> Vec<String> {
        ["paytrace", "erp"].map(str::to_owned).to_vec()
    }

    async fn run(&self, job: &Job) -> Result<(), StepError> {
        let this = &*self.0;
        let store = &*this.store;
        let body = webhook_body(store, job).await?;
        let webhook: shopify::rest::Refund = decode(&body, "refunds/create")?;
        let order_id = webhook.order_id.ok_or_else(|| MappingError::MissingField {
            field: "refund.order_id".to_owned(),
        })?;
        let refund_id = webhook.id.ok_or_else(|| MappingError::MissingField {
            field: "refund.id".to_owned(),
        })?;
        let order_base = format!("shopify/{}/order/{order_id}", this.config.shop);
        let base = format!("shopify/{}/refund/{refund_id}", this.config.shop);
        let log = EffectLog::load(store, &format!("{base}/")).await?;
        let outcome = this
            .refund(&log, &webhook, (order_id, refund_id), (&order_base, &base))
            .await;
        log.flush().await?;
        outcome
    }
}

impl<S: Store> ShopifyPaytrace<S> {
    /// The steps of a refund's flow; effects are recorded in `log`.
    async fn refund(
        &self,
        log: &EffectLog<'_, S>,
        webhook: &shopify::rest::Refund,
        (order_id, refund_id): (u64, u64),
        (order_base, base): (&str, &str),
    ) -> Result<(), StepError> {
        let store = &*self.store;
        let not_yet = |what: &str| -> StepError {
            MappingError::NotYetKnown {
                field: format!("refund.order.{what}"),
                system: "flows",
            }
            .into()
        };
        let order: Order = recorded(store, &format!("{order_base}/canonical"))
            .await?
            .ok_or_else(|| not_yet("canonical"))?;
        // An authorized order's money moved at its capture; a sale's at the sale.
        let captured: Option<Payment> = recorded(store, &format!("{order_base}/capture")).await?;
        let sale: Payment = match captured {
            Some(capture) => capture,
            None => recorded(store, &format!("{order_base}/sale"))
                .await?
                .ok_or_else(|| not_yet("sale"))?,
        };
        if sale.status != PaymentStatus::Captured {
            return Err(StepError::permanent(format!(
                "refund {refund_id} of order {order_id}, whose PayTrace sale was {}",
                sale.status
            )));
        }
        let gateways: Vec<(&str, System)> = self
            .config
            .paytrace_gateway_names
            .iter()
            .map(|name| (name.as_str(), System::Paytrace))
            .collect();
        let refund_ctx = RefundCtx {
            order_currency: Some(order.currency),
            order_number: Some(&order.number),
            gateways: &gateways,
        };
        let mut refund = refund_from_shopify(webhook, &refund_ctx)?;
        refund.gateway = System::Paytrace;
        refund.payment_transaction_id = Some(sale.transaction_id()?.to_owned());

        let refunded: Refund = log
            .once_durable(&format!("{base}/paytrace"), "paytrace", || async {
            let request = mapping::paytrace::to_refund_request(&refund)?;
            // PayTrace cannot deduplicate refunds: one that was sent and never answered (a crash,
            // a shutdown, a timeout) must be checked by a person before anything is sent again.
            // The in-flight flag is a checkpoint: it is cleared when PayTrace refused the refund,
            // and superseded by the effect's record (written before the step returns) when
            // PayTrace made it, so no window exists in which a made refund looks unsent.
            let in_flight = format!("{base}/paytrace/in-flight");
            if store.checkpoint(&in_flight).await?.as_deref() == Some("sent") {
                return Err(StepError::permanent(format!(
                    "refund {refund_id} was sent to PayTrace before and its outcome is unknown: \
                     check the refunds of transaction {} before replaying",
                    request.transaction_id
                )));
            }
            store
                .set_checkpoint(&in_flight, "sent", now_millis())
                .await?;
            let sent = self.paytrace.refund_transaction(&request).await;
            if matches!(&sent, Err(err) if !err.is_ambiguous()) {
                store
                    .set_checkpoint(&in_flight, "answered", now_millis())
                    .await?;
            }
            match sent {
                Ok(response) => Ok(mapping::paytrace::to_refund(&refund, &response)?),
                Err(paytrace::Error::Validation(errors))
                    if errors.contains(ErrorCode::REFUND_UNSETTLED) =>
                {
                    if refund.amount != sale.amount {
                        return Err(StepError::Transient {
                            provider: None,
                            reason: "partial refund of an unsettled sale waits for settlement"
                                .to_owned(),
                            retry_after: Some(WAIT_FOR_SETTLEMENT),
                        });
                    }
                    let response = self
                        .paytrace
                        .void(mapping::paytrace::to_void_transaction(&sale)?)
                        .await?;
                    Ok(mapping::paytrace::to_refund_by_void(&refund, &response)?)
                }
                Err(err) if err.is_ambiguous() => Err(StepError::permanent(format!(
                    "refund {refund_id}: outcome unknown ({err}): check PayTrace before replaying"
                ))),
                Err(err) => Err(err.into()),
            }
        })
        .await?;
        if refunded.status != RefundStatus::Succeeded {
            return Err(StepError::permanent(format!(
                "PayTrace did not refund {refund_id}: {}",
                refunded.status
            )));
        }

        let erp_ctx = self.erp_ctx();
        let erp = &self.erp;
        log.once(&format!("{base}/erp/credit-memo"), "erp", || async {
            Ok(erp
                .create_credit_memo(&to_erp_credit_memo(&refunded, &order, &erp_ctx)?)
                .await?)
        })
        .await?;
        log.once(&format!("{base}/erp/refund-payment"), "erp", || async {
            Ok(erp
                .post_payment(&to_erp_refund_payment(&refunded, &order, &erp_ctx)?)
                .await?)
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_names_the_job_of_its_order_or_refund() {
        let shop = "demo.myshopify.com";
        let order = entity_job(ORDERS_CREATE, shop, br##"{"id":450789469,"name":"#1001"}"##);
        assert_eq!(
            order.unwrap(),
            (ORDER_PAYMENT, format!("shopify/{shop}/order/450789469"))
        );
        let refund = entity_job(REFUNDS_CREATE, shop, br#"{"id":509562969,"order_id":1}"#);
        assert_eq!(
            refund.unwrap(),
            (REFUND, format!("shopify/{shop}/refund/509562969"))
        );
        let Err(StepError::Permanent { reason }) = entity_job(ORDERS_CREATE, shop, b"{}") else {
            panic!("an order without an id must be a permanent error");
        };
        assert!(reason.starts_with("id:"), "{reason}");
    }

    #[test]
    fn chrono_dates_follow_time_dates() {
        let date = time::Date::from_calendar_date(2026, time::Month::November, 23).unwrap();
        assert_eq!(chrono_date(date).to_string(), "2026-11-23");
    }
}

//! Subscriptions and recurring billing: `stripe.subscription`, `stripe.invoice` and
//! `stripe.credit-note`. See [Subscriptions and billing](super#subscriptions-and-billing).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::erp::{
    to_erp_billing_credit_memo, to_erp_billing_customer, to_erp_billing_invoice,
    to_erp_billing_payment, to_erp_billing_refund_payments, to_erp_contract, to_erp_invoice_void,
    to_erp_write_off, to_erp_write_off_reversal,
};
use mapping::{
    BillingCreditNote, BillingInvoice, BillingReason, ExternalIds, InvoiceStatus, MappingError,
    Subscription, SubscriptionStatus, System,
};
use serde::{Deserialize, Serialize};

use super::Shared;
use crate::StepError;
use crate::intake::Delivery;
use crate::notify::{Notice, NoticeKind};
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, job};

/// Stripe's subscription events, each run the subscription's [`SubscriptionChanged`] job.
pub const SUBSCRIPTION_TOPICS: [&str; 3] = [
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
];
/// Stripe's invoice events, each run the invoice's [`InvoiceChanged`] job.
pub const INVOICE_TOPICS: [&str; 5] = [
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
];
/// Stripe's credit note event, run as the credit note's [`CreditNoteIssued`] job.
pub const CREDIT_NOTE_TOPICS: [&str; 1] = ["credit_note.created"];

/// The Magento customer attribute that shows the subscription's state
/// ([`SUBSCRIPTION_STATUS_ATTRIBUTE`]: `active`, `past_due, next retry 2027-01-05`, `canceled`).
pub const SUBSCRIPTION_STATUS_ATTRIBUTE: &str = "payops_subscription_status";

/// The ERP customer of a billing document, once per subscription, invoice or credit note.
const ERP_CUSTOMER: Step<erp::Recorded> = Step::new("erp/customer", System::Erp);
/// The ERP billing invoice.
const ERP_INVOICE: Step<erp::Recorded> = Step::new("erp/invoice", System::Erp);
/// The ERP payment of a paid invoice.
const ERP_PAYMENT: Step<erp::Recorded> = Step::new("erp/payment", System::Erp);
/// The ERP write-off of an uncollectible invoice.
const ERP_WRITE_OFF: Step<erp::Recorded> = Step::new("erp/write-off", System::Erp);
/// The ERP reversal of a write-off, when the invoice is paid or voided after it.
const ERP_WRITE_OFF_REVERSAL: Step<erp::Recorded> =
    Step::new("erp/write-off-reversal", System::Erp);
/// The ERP void of a voided invoice.
const ERP_VOID: Step<erp::Recorded> = Step::new("erp/void", System::Erp);
/// The ERP credit memo of a credit note.
const ERP_CREDIT_MEMO: Step<erp::Recorded> = Step::new("erp/credit-memo", System::Erp);
/// The ERP refund payments of a credit note's refunds, after its memo.
const ERP_REFUNDS: Step<Vec<erp::Recorded>> = Step::new("erp/refund-payments", System::Erp);
/// The contract last written to the ERP (a run writes it only when it differs).
const CONTRACT: State<erp::Contract> = State::new("erp/contract");
/// The subscription state last written on the Magento customer.
const MAGENTO_STATUS: State<String> = State::new("magento/status");

/// The input of the billing flows: a Stripe event and the id of the object it is about
/// (`sub_...`, `in_...`, `cn_...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingEvent {
    /// The event in the inbox, when an event started the job.
    pub event: Option<EventRef>,
    /// The object's id.
    pub id: String,
}

/// The billed customer: its ids (Stripe's, and the linked Magento customer's when its metadata
/// names one of this store) and its ERP customer.
struct BillingCustomer {
    ids: ExternalIds,
    magento_id: Option<i64>,
    erp: erp::Customer,
}

impl Shared {
    fn stripe_key(&self, entity: Entity, id: &str) -> EntityKey {
        EntityKey::new(System::Stripe, &self.config.stripe_account).child(entity, id)
    }

    /// Stripe customer `customer_id`, linked to its Magento customer as the customer sync
    /// links them (`metadata.magento_customer_id`, unless `metadata.store` or
    /// `metadata.store_code` names another store).
    async fn billing_customer(
        &self,
        customer_id: &str,
        date: time::Date,
    ) -> Result<BillingCustomer, StepError> {
        use mapping::stripe::{META_STORE, META_STORE_CODE, customer_id_key};
        let customer = self.stripe.customers().retrieve(customer_id).await?;
        let meta = &customer.metadata;
        let ours = meta
            .get(META_STORE)
            .is_none_or(|s| s == System::Magento.as_str())
            && meta
                .get(META_STORE_CODE)
                .is_none_or(|s| *s == self.config.store_code);
        let magento_id = customer_id_key(System::Magento)
            .and_then(|key| meta.get(key))
            .filter(|_| ours)
            .map(|raw| {
                raw.trim()
                    .parse::<i64>()
                    .map_err(|_| MappingError::InvalidValue {
                        field: "customer.metadata.magento_customer_id".to_owned(),
                        value: raw.clone(),
                        expected: "Magento customer id",
                    })
            })
            .transpose()?;
        let mut ids = ExternalIds::new().with(System::Stripe, &customer.id);
        if let Some(id) = magento_id {
            ids.set(System::Magento, id.to_string());
        }
        let erp = to_erp_billing_customer(
            &ids,
            customer.name.as_deref(),
            customer.email.as_deref(),
            &self.erp_ctx(date),
        )?;
        Ok(BillingCustomer {
            ids,
            magento_id,
            erp,
        })
    }

    /// Writes the ERP customer once under the job's entity.
    async fn upsert_billing_customer(
        &self,
        ctx: &StepCtx<'_>,
        customer: &BillingCustomer,
    ) -> Result<(), StepError> {
        ctx.once(&ERP_CUSTOMER, || async {
            Ok(self.erp.upsert_customer(&customer.erp).await?)
        })
        .await?;
        Ok(())
    }
}

/// The day of a Stripe time, in UTC.
fn day(at: time::OffsetDateTime) -> time::Date {
    at.to_offset(time::UtcOffset::UTC).date()
}

/// The job of a delivered billing event, run once more each time.
fn billing_job<F: Flow<Input = BillingEvent>>(
    flow: &F,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    let input = BillingEvent {
        event: Some(delivery.event()),
        id: super::object_id(delivery)?,
    };
    Ok(NewJob {
        rerun: true,
        ..job(flow, &input)?
    })
}

/// A subscription's flow (see [Subscriptions and billing](super#subscriptions-and-billing)).
#[derive(Clone)]
pub struct SubscriptionChanged(pub(super) Arc<Shared>);

impl std::fmt::Debug for SubscriptionChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionChanged")
            .finish_non_exhaustive()
    }
}

impl SubscriptionChanged {
    /// The job of a subscription event's delivery.
    pub(super) fn job_of(&self, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
        billing_job(self, delivery)
    }

    /// The job of subscription `id`, run once more (after one of its invoices changed).
    fn rerun(&self, id: &str) -> Result<NewJob, StepError> {
        Ok(NewJob {
            rerun: true,
            ..job(
                self,
                &BillingEvent {
                    event: None,
                    id: id.to_owned(),
                },
            )?
        })
    }
}

#[async_trait]
impl Flow for SubscriptionChanged {
    type Input = BillingEvent;
    const KIND: JobKind = JobKind::new("stripe.subscription");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento, System::Erp];

    fn entity(&self, input: &BillingEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.stripe_key(Entity::Subscription, &input.id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: BillingEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        // Events come late, twice, out of order: the subscription as Stripe has it now decides.
        let wire = shared.stripe.subscriptions().retrieve(&input.id).await?;
        let mut subscription = Subscription::try_from(&wire)?;
        let customer = shared
            .billing_customer(wire.customer.id(), day(subscription.created))
            .await?;
        subscription.customer = customer.ids.clone();
        let contract = to_erp_contract(&subscription, &shared.erp_ctx(day(subscription.created)))?;
        // The state shown to the customer: a failed renewal names Stripe's next retry.
        let status = match &subscription.status {
            SubscriptionStatus::PastDue => {
                let retry = match wire.latest_invoice.as_ref() {
                    Some(invoice) => {
                        let invoice = shared.stripe.invoices().retrieve(invoice.id()).await?;
                        BillingInvoice::try_from(&invoice)?.next_payment_attempt
                    }
                    None => None,
                };
                match retry {
                    Some(at) => format!("past_due, next retry {}", day(at)),
                    None => "past_due".to_owned(),
                }
            }
            other => other.as_str().to_owned(),
        };

        shared.upsert_billing_customer(ctx, &customer).await?;
        if ctx.state(&CONTRACT)?.as_ref() != Some(&contract) {
            // Cancellation is the status `canceled` with `ended_on`: the contract's end.
            shared.erp.upsert_contract(&contract).await?;
            ctx.set_state(&CONTRACT, &contract)?;
        }
        if let Some(magento_id) = customer.magento_id {
            if ctx.state(&MAGENTO_STATUS)?.as_deref() != Some(status.as_str()) {
                set_magento_status(shared, magento_id, &status).await?;
                ctx.set_state(&MAGENTO_STATUS, &status)?;
            }
        }
        tracing::info!(subscription = %input.id, %status, "stripe subscription");
        Ok(())
    }
}

/// Sets the subscription's state on Magento customer `id`
/// ([`SUBSCRIPTION_STATUS_ATTRIBUTE`]), unless it already shows it.
async fn set_magento_status(shared: &Shared, id: i64, status: &str) -> Result<(), StepError> {
    let mut customer = shared.magento.customers().get(id).await?;
    let value = serde_json::Value::String(status.to_owned());
    match customer
        .custom_attributes
        .iter_mut()
        .find(|a| a.attribute_code == SUBSCRIPTION_STATUS_ATTRIBUTE)
    {
        Some(attribute) if attribute.value == value => return Ok(()),
        Some(attribute) => attribute.value = value,
        None => customer.custom_attributes.push(magento::CustomAttribute {
            attribute_code: SUBSCRIPTION_STATUS_ATTRIBUTE.to_owned(),
            value,
        }),
    }
    shared.magento.customers().update(id, &customer).await?;
    Ok(())
}

/// An invoice's flow (see [Subscriptions and billing](super#subscriptions-and-billing)).
#[derive(Clone)]
pub struct InvoiceChanged(pub(super) Arc<Shared>);

impl std::fmt::Debug for InvoiceChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvoiceChanged").finish_non_exhaustive()
    }
}

impl InvoiceChanged {
    /// The job of an invoice event's delivery.
    pub(super) fn job_of(&self, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
        billing_job(self, delivery)
    }
}

#[async_trait]
impl Flow for InvoiceChanged {
    type Input = BillingEvent;
    const KIND: JobKind = JobKind::new("stripe.invoice");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Erp];

    fn entity(&self, input: &BillingEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.stripe_key(Entity::Invoice, &input.id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: BillingEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let wire = shared
            .stripe
            .invoices()
            .expand(["payments"])
            .retrieve(&input.id)
            .await?;
        let mut invoice = BillingInvoice::try_from(&wire)?;
        if matches!(invoice.status, InvoiceStatus::Draft) {
            // Not final yet: `invoice.finalized` runs the job again.
            return Ok(());
        }
        if invoice.total.minor() <= 0 {
            // A trial's invoice, or one of proration credits only: nothing is owed, and the
            // ERP books no such invoice (a credit goes to the customer's Stripe balance).
            tracing::info!(invoice = %input.id, total = %invoice.total, "invoice owes nothing: not booked");
            return Ok(());
        }
        let date = day(invoice.finalized_at.unwrap_or(invoice.created));
        let erp_ctx = shared.erp_ctx(date);
        let customer_id = invoice
            .customer
            .get(System::Stripe)
            .ok_or_else(|| MappingError::MissingField {
                field: "invoice.customer".to_owned(),
            })?
            .to_owned();
        let customer = shared.billing_customer(&customer_id, date).await?;
        invoice.customer = customer.ids.clone();
        let document = to_erp_billing_invoice(&invoice, &erp_ctx)?;
        let payment = match paid_by(&invoice)? {
            Some(settlement) => Some(shared.invoice_payment(&settlement, &invoice).await?),
            None => None,
        };
        tracing::info!(
            invoice = %input.id,
            status = %invoice.status,
            total = %invoice.total,
            attempts = invoice.attempt_count,
            "stripe invoice"
        );

        shared.upsert_billing_customer(ctx, &customer).await?;
        ctx.once(&ERP_INVOICE, || async {
            Ok(shared.erp.create_billing_invoice(&document).await?)
        })
        .await?;
        // Paid or voided after being marked uncollectible (Stripe allows both): its write-off,
        // if the books have it, is reversed first, so the invoice is open again for the
        // payment or the void. The ERP is asked rather than this job's record, which a stop
        // between the write-off and its record would lack.
        if invoice.marked_uncollectible_at.is_some()
            && matches!(invoice.status, InvoiceStatus::Paid | InvoiceStatus::Void)
        {
            let reversal = to_erp_write_off_reversal(&invoice, &erp_ctx)?;
            if shared
                .erp
                .find_by_external_ref(&reversal.write_off_ref)
                .await?
                .is_some()
            {
                ctx.once(&ERP_WRITE_OFF_REVERSAL, || async {
                    Ok(shared.erp.reverse_write_off(&reversal).await?)
                })
                .await?;
            }
        }
        if let Some(payment) = &payment {
            ctx.once(&ERP_PAYMENT, || async {
                Ok(shared.erp.post_payment(payment).await?)
            })
            .await?;
            // A paid renewal may be of physical goods: its Magento order is its own job (one
            // per invoice; enqueued again by a later event, it is left as it is).
            if invoice.billing_reason == BillingReason::SubscriptionCycle {
                let renewals = super::RenewalOrder(Arc::clone(&self.0));
                ctx.enqueue(super::renewal_order::renewal_order_job(
                    &renewals, &input.id,
                )?);
            }
        }
        match &invoice.status {
            InvoiceStatus::Uncollectible => {
                let write_off = to_erp_write_off(&invoice, &erp_ctx)?;
                ctx.once(&ERP_WRITE_OFF, || async {
                    Ok(shared.erp.write_off(&write_off).await?)
                })
                .await?;
            }
            InvoiceStatus::Void => {
                let void = to_erp_invoice_void(&invoice, &erp_ctx)?;
                ctx.once(&ERP_VOID, || async {
                    Ok(shared.erp.void_invoice(&void).await?)
                })
                .await?;
            }
            InvoiceStatus::Open if invoice.attempt_count > 0 => {
                // A failed attempt: the merchant is told once per attempt.
                ctx.notify(renewal_failed(ctx.entity(), &invoice));
            }
            _ => {}
        }
        // The customer's account shows the subscription's state (a retry date after a failure).
        if let Some(subscription) = &invoice.subscription_id {
            ctx.enqueue(SubscriptionChanged(Arc::clone(&self.0)).rerun(subscription)?);
        }
        Ok(())
    }
}

/// The notice of a failed attempt to pay `invoice`, keyed by the attempt
/// (`{invoice}/notice/renewal-failed/{attempt}`).
fn renewal_failed(entity: &EntityKey, invoice: &BillingInvoice) -> Notice {
    let id = invoice.ids.get(System::Stripe).unwrap_or_default();
    let retry = invoice
        .next_payment_attempt
        .map_or_else(|| "none scheduled".to_owned(), |at| day(at).to_string());
    Notice::new(
        NoticeKind::RenewalFailed,
        format!("{entity}/notice/renewal-failed/{}", invoice.attempt_count),
        format!("Renewal payment failed: {}", invoice.amount_remaining),
    )
    .text(format!(
        "Payment attempt {} of invoice {id} ({}) failed. Stripe retries it on the date given; \
         the customer's account in the store shows the subscription as past due.",
        invoice.attempt_count, invoice.amount_remaining
    ))
    .fact("invoice", id)
    .fact(
        "subscription",
        invoice.subscription_id.as_deref().unwrap_or_default(),
    )
    .fact("attempt", invoice.attempt_count)
    .fact("amount", invoice.amount_remaining)
    .fact("next payment attempt", retry)
}

/// The settlement that paid `invoice`, once it is paid: the first with a PaymentIntent or a
/// charge. A paid invoice without one (paid out of band, or from the customer's balance) has
/// no payment to book.
fn paid_by(invoice: &BillingInvoice) -> Result<Option<mapping::InvoiceSettlement>, StepError> {
    if !matches!(invoice.status, InvoiceStatus::Paid) || invoice.amount_paid.minor() <= 0 {
        return Ok(None);
    }
    let settlements = invoice
        .settlements
        .as_ref()
        .ok_or_else(|| MappingError::NotYetKnown {
            field: "invoice.payments".to_owned(),
            system: "stripe",
        })?;
    Ok(settlements
        .iter()
        .find(|s| s.charge_id.is_some() || s.payment_intent_id.is_some())
        .cloned())
}

impl Shared {
    /// The ERP payment of a paid invoice's `settlement`: its charge read with the balance
    /// transaction (the fee), mapped as an order's charge is.
    async fn invoice_payment(
        &self,
        settlement: &mapping::InvoiceSettlement,
        invoice: &BillingInvoice,
    ) -> Result<erp::Payment, StepError> {
        let charge_id = match (&settlement.charge_id, &settlement.payment_intent_id) {
            (Some(charge), _) => charge.clone(),
            (None, Some(intent)) => {
                let intent = self.stripe.payment_intents().retrieve(intent).await?;
                intent
                    .latest_charge
                    .as_ref()
                    .map(|c| c.id().to_owned())
                    .ok_or_else(|| MappingError::NotYetKnown {
                        field: "payment_intent.latest_charge".to_owned(),
                        system: "stripe",
                    })?
            }
            (None, None) => {
                return Err(MappingError::MissingField {
                    field: "invoice.payments.data[].payment".to_owned(),
                }
                .into());
            }
        };
        let charge = self.charge_with_fee(&charge_id).await?;
        let payment = super::charge::payment_with_fee(&charge)?;
        let ctx = self.erp_ctx(day(charge.created));
        Ok(to_erp_billing_payment(&payment, invoice, &ctx)?)
    }
}

/// A credit note's flow (see [Subscriptions and billing](super#subscriptions-and-billing)).
#[derive(Clone)]
pub struct CreditNoteIssued(pub(super) Arc<Shared>);

impl std::fmt::Debug for CreditNoteIssued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreditNoteIssued").finish_non_exhaustive()
    }
}

impl CreditNoteIssued {
    /// The job of a credit note event's delivery.
    pub(super) fn job_of(&self, delivery: &Delivery<'_>) -> Result<NewJob, StepError> {
        billing_job(self, delivery)
    }
}

#[async_trait]
impl Flow for CreditNoteIssued {
    type Input = BillingEvent;
    const KIND: JobKind = JobKind::new("stripe.credit-note");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Erp];

    fn entity(&self, input: &BillingEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.stripe_key(Entity::CreditNote, &input.id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: BillingEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        if ctx.recorded(&ERP_REFUNDS)?.is_some() {
            return Ok(());
        }
        let wire = shared.stripe.credit_notes().retrieve(&input.id).await?;
        let note = BillingCreditNote::try_from(&wire)?;
        if !matches!(note.status, mapping::CreditNoteStatus::Issued) {
            tracing::info!(credit_note = %input.id, status = %note.status, "credit note not issued: not booked");
            return Ok(());
        }
        let date = day(note.effective_at.unwrap_or(note.created));
        let erp_ctx = shared.erp_ctx(date);
        // Both mapped before either is booked: a refund that cannot be booked leaves no memo.
        let memo = to_erp_billing_credit_memo(&note, &erp_ctx)?;
        let refunds = to_erp_billing_refund_payments(&note, &erp_ctx)?;
        // The memo credits the invoice's booking, which the invoice's own job writes.
        let invoice = shared.stripe_key(Entity::Invoice, &note.invoice_id);
        if ctx.read(&invoice, &ERP_INVOICE).await?.is_none() {
            return Err(ctx.wait_for(format_args!("the booking of invoice {}", note.invoice_id)));
        }
        ctx.once(&ERP_CREDIT_MEMO, || async {
            Ok(shared.erp.create_credit_memo(&memo).await?)
        })
        .await?;
        // A repeat after a crash posts again what was posted: the ERP keys each by reference.
        ctx.once(&ERP_REFUNDS, || async {
            let mut recorded = Vec::with_capacity(refunds.len());
            for refund in &refunds {
                recorded.push(shared.erp.post_payment(refund).await?);
            }
            Ok(recorded)
        })
        .await?;
        Ok(())
    }
}

//! `magento.refund-request`: a refund asked for outside Magento (by the ERP, a person, the
//! `payops refund magento` command), made at Stripe and then run as the charge's own
//! [`ChargeRefunded`] job.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::stripe::{META_REFUND_REQUEST, RefundParams, to_create_refund};
use mapping::{MappingError, Money, System};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use stripe_client::{ChargeStatus, EventData, EventObject, EventType, Refund};

use super::payment::{IntentOutcome, PAYMENT_INTENT, latest_attempt};
use super::refund::{ChargeRefunded, charge_refunds, refunded_job};
use super::{Shared, canonical};
use crate::StepError;
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{EntityKey, Flow, JobKind, Step, StepCtx};
use crate::workflows::RefundRequest;

/// The request checked against the order and its charge: what the Stripe refund is made of.
const CHECKED: Step<Checked> = Step::new("checked", System::Magento);
/// The refund made at Stripe. Its key is the refund's `Idempotency-Key` and its
/// [`META_REFUND_REQUEST`] metadata.
const STRIPE_REFUND: Step<StripeRefund> = Step::new("stripe-refund", System::Stripe);

/// The job that runs `request` for the Magento store view `store_code`, as
/// [`super::MagentoStripe::refund_request_job`] builds it, for a caller that has the store's
/// code and not its clients (the `payops refund magento` command). Its key is
/// `magento/{store}/order/{entity_id}/refund-request/{request id}`. A blank store code or
/// request id, or an `amount` that is not more than zero, is an error naming the field.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use flows::workflows::RefundRequest;
/// use flows::workflows::magento_stripe::refund_request_job;
/// let request = RefundRequest::new(42, "15.00".parse()?, "USD", "CM-2026-0042");
/// let job = refund_request_job("default", &request)?;
/// assert_eq!(job.key, "magento/default/order/42/refund-request/CM-2026-0042");
/// # Ok(()) }
/// ```
pub fn refund_request_job(store_code: &str, request: &RefundRequest) -> Result<NewJob, StepError> {
    request.job(
        <RefundRequestFlow as Flow>::KIND,
        &request_key(store_code, request)?,
    )
}

/// `magento/{store}/order/{entity_id}/refund-request/{request id}`.
fn request_key(store_code: &str, request: &RefundRequest) -> Result<EntityKey, StepError> {
    if store_code.trim().is_empty() {
        return Err(MappingError::MissingField {
            field: "store_code".to_owned(),
        }
        .into());
    }
    request.key(super::order_key(store_code, entity_id(request)?))
}

/// The request's order as a Magento `entity_id`.
fn entity_id(request: &RefundRequest) -> Result<i64, MappingError> {
    i64::try_from(request.order_id)
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| MappingError::InvalidValue {
            field: "order_id".to_owned(),
            value: request.order_id.to_string(),
            expected: "a Magento order entity_id",
        })
}

/// The request as checked against the order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checked {
    /// The order's Stripe charge (`ch_...`).
    charge: String,
    /// The order number people see (`increment_id`).
    order_number: String,
}

/// What the refund step did.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StripeRefund {
    /// The Stripe refund (`re_...`).
    refund: String,
}

/// A refund of a Magento order asked for outside Magento ([`RefundRequest`], whose `order_id`
/// is the order's `entity_id`); one job per request, keyed
/// `magento/{store}/order/{entity_id}/refund-request/{request id}`.
///
/// # Steps
///
/// 1. `checked` (recorded before anything is sent): `amount` is more than zero and exact in
///    `currency`; the order exists and `currency` is its `order_currency_code` (the currency
///    its PaymentIntent charged); `amount` is at most what the order has left to refund in
///    Magento (`total_paid` less `total_refunded`) and what its charge has left at Stripe
///    (`amount` less `amount_refunded`); `reason` fits Stripe's metadata (500 characters). The
///    charge is the one this service's [`super::OrderPayment`] made: the PaymentIntent on
///    record under the order, its `latest_charge`, succeeded and captured. A request that fails
///    any of these goes to dead letters naming the field, and nothing is refunded. While the
///    charge's own job has not booked the payment yet (no invoice in Magento, whose
///    `total_paid` is then zero), the job waits for it instead. The check is recorded so that a
///    run after the refund landed does not refuse the request for the refund it made.
/// 2. `stripe-refund`: a Stripe refund of `amount` against the charge, with
///    `{entity}/stripe-refund` as its `Idempotency-Key` and in its [`META_REFUND_REQUEST`]
///    metadata (and the reason in [`mapping::stripe::META_REFUND_REASON`]). Stripe keeps an
///    idempotency key for 24 hours only, so before creating one the charge's refunds are listed
///    and one that carries this request's metadata is taken as the refund: a run that crashed
///    after Stripe answered and came back days later (a dead letter replayed) still refunds
///    once.
/// 3. The charge's [`ChargeRefunded`] job: the charge as Stripe shows it now is stored in the
///    inbox as a `charge.refunded` event with the id `payops:refund-request:{refund id}`
///    (dated with the refund), with the job the `charge.refunded` route names for it: the
///    charge's one refund job, run once more. A repeat stores nothing.
///
/// # One refund, one credit memo
///
/// The Magento credit memo and the ERP credit memo and refund payment are not made here: the
/// charge's [`ChargeRefunded`] job makes them for each succeeded refund of the charge, once,
/// whichever event runs it first (this flow's, or Stripe's own `charge.refunded` webhook about
/// the same refund, which runs the same job once more and finds the refund booked). A refund
/// that Stripe answers `pending` is booked by the first run after it succeeds (as for a refund
/// made in Stripe's dashboard). Magento Open Source sends no webhooks about credit memos, so no
/// store webhook can double it.
#[derive(Clone)]
pub struct RefundRequestFlow(pub(super) Arc<Shared>);

impl std::fmt::Debug for RefundRequestFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundRequestFlow").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for RefundRequestFlow {
    type Input = RefundRequest;
    const KIND: JobKind = JobKind::new("magento.refund-request");
    const SYSTEMS: &'static [System] = &[System::Magento, System::Stripe];

    fn entity(&self, input: &RefundRequest) -> Result<EntityKey, StepError> {
        request_key(&self.0.config.store_code, input)
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: RefundRequest) -> Result<(), StepError> {
        let shared = &*self.0;
        let checked = ctx
            .once_durable(&CHECKED, || check(shared, ctx, &input))
            .await?;
        let key = ctx.key_of(&STRIPE_REFUND);
        let refund = ctx
            .once_durable(&STRIPE_REFUND, || async {
                if let Some(found) = find_refund(shared, &checked.charge, &key).await? {
                    return Ok(StripeRefund { refund: found.id });
                }
                let params = to_create_refund(&RefundParams {
                    charge: &checked.charge,
                    amount: input.money()?,
                    order_number: &checked.order_number,
                    request: &key,
                    reason: input.reason.as_deref(),
                })?;
                let created = shared
                    .stripe
                    .refunds()
                    .idempotency_key(key.as_str())
                    .create(&params)
                    .await?;
                Ok(StripeRefund { refund: created.id })
            })
            .await?;
        start_refund_job(&self.0, ctx, &checked.charge, &refund.refund).await
    }
}

/// Step 1 (see [`RefundRequestFlow`]).
async fn check(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    input: &RefundRequest,
) -> Result<Checked, StepError> {
    let amount = input.money()?;
    let order_id = entity_id(input)?;
    let order = match shared.magento.orders().get(order_id).await {
        Ok(order) => order,
        Err(magento::Error::NotFound(_)) => {
            return Err(MappingError::InvalidValue {
                field: "order_id".to_owned(),
                value: input.order_id.to_string(),
                expected: "an order of the store view",
            }
            .into());
        }
        Err(err) => return Err(err.into()),
    };
    let canonical = canonical(&order)?;
    if canonical.currency != amount.currency() {
        return Err(StepError::permanent(format!(
            "refund request {}: `currency` {} is not the currency of order {} ({})",
            input.request_id, input.currency, input.order_id, canonical.currency
        )));
    }
    if input
        .reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 500)
    {
        return Err(MappingError::InvalidValue {
            field: "reason".to_owned(),
            value: format!(
                "{} characters",
                input.reason.as_deref().map_or(0, |r| r.chars().count())
            ),
            expected: "at most 500 characters (Stripe's metadata limit)",
        }
        .into());
    }

    let order_key = shared.order_key(order_id);
    // A paid order's latest attempt is the one that paid: none follows it.
    let paid = match latest_attempt(ctx, &order_key).await? {
        Some(attempt) => ctx.read(&attempt.at, &PAYMENT_INTENT).await?,
        None => None,
    };
    let Some(IntentOutcome::Created { payment_intent, .. }) = paid else {
        return Err(StepError::permanent(format!(
            "refund request {}: order {} has no Stripe payment on record: it was not charged by \
             this service",
            input.request_id, input.order_id
        )));
    };
    let intent = shared
        .stripe
        .payment_intents()
        .retrieve(&payment_intent)
        .await?;
    let charge_id = intent
        .latest_charge
        .as_ref()
        .map(|c| c.id().to_owned())
        .ok_or_else(|| {
            StepError::permanent(format!(
                "refund request {}: PaymentIntent {payment_intent} of order {} has no charge",
                input.request_id, input.order_id
            ))
        })?;
    let charge = shared.stripe.charges().retrieve(&charge_id).await?;
    if charge.status != ChargeStatus::Succeeded || !charge.captured {
        return Err(StepError::permanent(format!(
            "refund request {}: charge {charge_id} of order {} is {} and {}captured: nothing to \
             refund",
            input.request_id,
            input.order_id,
            charge.status.as_str(),
            if charge.captured { "" } else { "not " }
        )));
    }
    // Magento's totals say what is left only once the charge's own job has invoiced the order.
    shared.await_booking(ctx, &charge_id).await?;

    let major = |value: Option<Decimal>, field: &str| {
        Money::from_major(value.unwrap_or_default(), canonical.currency, field)
    };
    let in_magento = major(order.total_paid, "order.total_paid")?
        .checked_sub(major(order.total_refunded, "order.total_refunded")?)?;
    let at_stripe = mapping::amount::stripe::from_stripe_amount(
        charge.amount.saturating_sub(charge.amount_refunded),
        canonical.currency,
        "charge.amount",
    )?;
    for (left, where_) in [(in_magento, "Magento"), (at_stripe, "Stripe")] {
        if amount.minor() > left.minor() {
            return Err(StepError::permanent(format!(
                "refund request {}: `amount` {amount} is more than the {left} order {} has left \
                 to refund in {where_}",
                input.request_id, input.order_id
            )));
        }
    }
    Ok(Checked {
        charge: charge_id,
        order_number: order
            .increment_id
            .clone()
            .unwrap_or_else(|| canonical.number.clone()),
    })
}

/// The refund of `charge` made for the request keyed `key`, if Stripe has one.
async fn find_refund(
    shared: &Shared,
    charge: &str,
    key: &str,
) -> Result<Option<Refund>, StepError> {
    Ok(charge_refunds(shared, charge)
        .await?
        .into_iter()
        .find(|r| r.metadata.get(META_REFUND_REQUEST).map(String::as_str) == Some(key)))
}

/// Step 3 (see [`RefundRequestFlow`]): the charge, as a `charge.refunded` event, into the inbox
/// with the charge's [`ChargeRefunded`] job.
async fn start_refund_job(
    shared: &Arc<Shared>,
    ctx: &StepCtx<'_>,
    charge: &str,
    refund: &str,
) -> Result<(), StepError> {
    let refund = shared.stripe.refunds().retrieve(refund).await?;
    let charge = shared.stripe.charges().retrieve(charge).await?;
    let event_id = format!("payops:refund-request:{}", refund.id);
    let event = stripe_client::Event {
        id: event_id.clone(),
        event_type: EventType::ChargeRefunded,
        account: None,
        api_version: None,
        created: refund.created,
        livemode: charge.livemode,
        data: EventData {
            object: EventObject::Charge(Box::new(charge)),
            previous_attributes: None,
        },
        pending_webhooks: 0,
        request: None,
    };
    let body = serde_json::to_vec(&event)
        .map_err(|e| StepError::permanent(format!("event {event_id}: {e}")))?;
    let delivery = Delivery {
        provider: System::Stripe,
        event_id: &event_id,
        topic: EventType::ChargeRefunded.as_str(),
        account: None,
        body: &body,
    };
    let flow = ChargeRefunded(Arc::clone(shared));
    crate::intake::store_as_delivery(ctx.store(), &delivery, |d| refunded_job(&flow, d)).await?;
    Ok(())
}

//! 3-D Secure: an order whose PaymentIntent needs the customer's authentication
//! (`requires_action`), until Stripe says it succeeded or failed, or the deadline passes.
//!
//! The order's [`OrderPayment`] job does every effect; it never waits in the queue (a queued
//! job cannot be woken early), it ends its run and is run again by:
//! - [`PaymentIntentChanged`], on `payment_intent.succeeded`, `payment_intent.payment_failed`
//!   and `payment_intent.canceled` about the PaymentIntent the order waits for;
//! - [`AuthenticationDeadline`], a job scheduled at the deadline (it survives restarts and
//!   spends no attempt while it waits for its run time);
//! - a person replaying a dead letter.
//!
//! Each run reads the PaymentIntent from Stripe (not from the event, which may come late, out
//! of order, or in another API version) and finishes the flow when Stripe has decided.
//!
//! Every record of a wait is the attempt's (`{order}/payment-method/{pm}/authentication...`,
//! or the order's own for a wait an earlier version started), and so are the person's item and
//! the deadline job: a later attempt that needs authentication too has its own wait.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::{MappingError, Payment, System};
use serde::{Deserialize, Serialize};
use stripe_client::{
    CancelPaymentIntent, CancelPaymentIntentReason, PaymentIntent, PaymentIntentStatus,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Shared;
use super::payment::{
    IntentOutcome, MagentoOrder, OrderPayment, PAYMENT_FAILURE, PAYMENT_INTENT, as_declined,
    attempt_key, latest_attempt, record_failure,
};
use crate::StepError;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, job};

/// The order's status and comment saying the payment awaits the customer's authentication.
const COMMENT: Step<bool> = Step::new("authentication/comment", System::Magento);
/// The cancellation of a PaymentIntent not authenticated by the deadline, with the step's key
/// as its `Idempotency-Key`: `false` when Stripe had decided before it.
const CANCEL: Step<bool> = Step::new("authentication/cancel", System::Stripe);
/// How the wait ended.
const RESULT: Step<Ended> = Step::new("authentication/result", System::Stripe);
/// The wait: which PaymentIntent, since when, until when.
const AWAITING: State<AwaitingAuthentication> = State::new("authentication");

/// The PaymentIntent status that asks for the customer's authentication.
pub(super) const REQUIRES_ACTION: &str = "requires_action";

/// An order waiting for its customer's authentication. No secret: the PaymentIntent's
/// `client_secret` is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingAuthentication {
    /// The order's `entity_id`.
    pub entity_id: i64,
    /// The payment method of the attempt that waits (`pm_...`); `None` for a wait an earlier
    /// version started, whose records are the order's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// The order's number (`increment_id`), as the store shows it.
    pub order_number: String,
    /// The PaymentIntent (`pi_...`).
    pub payment_intent: String,
    /// When the PaymentIntent asked for authentication.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// When the PaymentIntent is canceled unless authenticated.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
}

/// A payment attempt of an order: the input of [`AuthenticationDeadline`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    /// The order's `entity_id`.
    pub entity_id: i64,
    /// The attempt's payment method (`pm_...`); `None` for the attempt an earlier version
    /// recorded under the order itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
}

/// How the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Ended {
    /// Authenticated: `charge.succeeded` invoices and books the order.
    Authenticated,
    /// Authentication failed or the PaymentIntent was canceled: failed-payment status.
    Failed,
    /// Not authenticated by the deadline: PaymentIntent canceled, failed-payment status.
    Expired,
}

impl Ended {
    /// Whether the payment failed (the order may be paid again with another method).
    pub(super) fn failed(self) -> bool {
        matches!(self, Self::Failed | Self::Expired)
    }
}

/// How the wait of the attempt at `at` ended, if it did (read from its records).
pub(super) fn result(ctx: &StepCtx<'_>, at: &EntityKey) -> Result<Option<Ended>, StepError> {
    ctx.recorded_at(at, &RESULT)
}

/// `2026-12-07T02:00:00Z`.
fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// Unix milliseconds of `at` (a job's run time).
fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The comment on the order. It names the PaymentIntent (an id, no secret) and may be e-mailed
/// to the customer, so it says what is expected of them.
fn awaiting_comment(payment_intent: &str) -> String {
    format!(
        "Payment awaits the customer's authentication (3-D Secure) with their card issuer. \
         Stripe PaymentIntent {payment_intent}."
    )
}

impl AwaitingAuthentication {
    /// Where the attempt's records are.
    fn at(&self, shared: &Shared) -> EntityKey {
        attempt_key(
            &shared.order_key(self.entity_id),
            self.payment_method.as_deref(),
        )
    }

    /// What the person's item says while the order waits.
    fn waiting_text(&self, failure_status: &str) -> String {
        format!(
            "order {} (entity_id {}) waits for the customer's 3-D Secure authentication since \
             {} (Stripe PaymentIntent {}); unless authenticated by {}, the PaymentIntent is \
             canceled and the order gets the status {failure_status}. Replay this dead letter \
             to see where it stands.",
            self.order_number,
            self.entity_id,
            rfc3339(self.since),
            self.payment_intent,
            rfc3339(self.deadline)
        )
    }

    /// What the person's item says once the deadline passed.
    fn expired_text(&self, failure_status: &str) -> String {
        format!(
            "order {} (entity_id {}): the customer did not complete 3-D Secure authentication \
             between {} and {}; Stripe PaymentIntent {} canceled and the order set to \
             {failure_status}",
            self.order_number,
            self.entity_id,
            rfc3339(self.since),
            rfc3339(self.deadline),
            self.payment_intent
        )
    }
}

/// The order `entity_id`'s PaymentIntent `payment_intent`, of the attempt at `at` (with
/// `payment_method`; `None` for an earlier version's, under the order), needs the customer's
/// authentication: starts or resumes the wait. `order` is the order when this run read it, and
/// `fresh` whether Stripe answered `requires_action` in this run (nothing to look up then).
#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    shared: &Arc<Shared>,
    ctx: &StepCtx<'_>,
    at: &EntityKey,
    payment_method: Option<&str>,
    entity_id: i64,
    payment_intent: &str,
    mut order: Option<magento::Order>,
    fresh: bool,
) -> Result<(), StepError> {
    let config = &shared.config.authentication;
    let awaiting = match ctx.state_at(at, &AWAITING)? {
        Some(awaiting) => awaiting,
        None => {
            let read = match order.take() {
                Some(read) => read,
                None => shared.magento.orders().get(entity_id).await?,
            };
            let since = OffsetDateTime::now_utc();
            let deadline = time::Duration::try_from(config.deadline)
                .ok()
                .and_then(|d| since.checked_add(d))
                .ok_or_else(|| {
                    StepError::permanent(format!(
                        "authentication deadline {:?} is out of range",
                        config.deadline
                    ))
                })?;
            let awaiting = AwaitingAuthentication {
                entity_id,
                payment_method: payment_method.map(str::to_owned),
                order_number: read
                    .increment_id
                    .clone()
                    .unwrap_or_else(|| "(no increment_id)".to_owned()),
                payment_intent: payment_intent.to_owned(),
                since,
                deadline,
            };
            ctx.set_state_at(at, &AWAITING, &awaiting)?;
            // The person's item, and the wake-up at the deadline: written with the wait, so a
            // crash before the outcome loses both and the next run makes them again.
            ctx.enqueue(job(&AuthenticationNotice(Arc::clone(shared)), &awaiting)?);
            ctx.enqueue(NewJob {
                run_at: millis(deadline),
                ..job(
                    &AuthenticationDeadline(Arc::clone(shared)),
                    &PaymentAttempt {
                        entity_id,
                        payment_method: awaiting.payment_method.clone(),
                    },
                )?
            });
            order = Some(read);
            awaiting
        }
    };

    if ctx.recorded_at(at, &COMMENT)?.is_none() {
        let read = match order.take() {
            Some(read) => read,
            None => shared.magento.orders().get(entity_id).await?,
        };
        ctx.once_at(at, &COMMENT, || {
            comment(shared, entity_id, &read, &awaiting)
        })
        .await?;
        // On record before anything else: a run that dies later does not comment again.
        ctx.save().await?;
    }
    if fresh {
        tracing::info!(
            order = entity_id,
            payment_intent,
            "payment awaits the customer's 3-D Secure authentication"
        );
        return Ok(());
    }

    let intent = shared
        .stripe
        .payment_intents()
        .retrieve(payment_intent)
        .await?;
    decide(shared, ctx, &awaiting, &intent).await
}

/// Adds the status and comment. The order read in this run says whether an earlier run's
/// comment got through before its record was written.
async fn comment(
    shared: &Shared,
    entity_id: i64,
    order: &magento::Order,
    awaiting: &AwaitingAuthentication,
) -> Result<bool, StepError> {
    let config = &shared.config.authentication;
    let text = awaiting_comment(&awaiting.payment_intent);
    let present = order
        .status_histories
        .iter()
        .any(|c| c.comment.as_deref() == Some(text.as_str()));
    if present {
        return Ok(false);
    }
    let orders = shared.magento.orders();
    if order.state.as_ref() == Some(&config.state)
        && order.status.as_deref() == Some(config.status.as_str())
    {
        // The order has the status already: the comment alone.
        orders
            .add_comment(
                entity_id,
                &magento::NewOrderComment {
                    comment: text,
                    status: Some(config.status.clone()),
                    notify_customer: config.notify_customer,
                    visible_on_front: false,
                },
            )
            .await?;
    } else {
        // Since Magento 2.4.7 a comment no longer changes the status: the client's
        // comment-and-status call (named for failed payments, it records any status and state)
        // writes it on the order when the comment did not.
        orders
            .record_payment_failure(
                entity_id,
                &magento::PaymentFailure {
                    status: config.status.clone(),
                    state: config.state.clone(),
                    comment: text,
                    notify_customer: config.notify_customer,
                },
            )
            .await?;
    }
    Ok(true)
}

/// Acts on what Stripe says of the PaymentIntent now.
async fn decide(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    awaiting: &AwaitingAuthentication,
    intent: &PaymentIntent,
) -> Result<(), StepError> {
    let entity_id = awaiting.entity_id;
    let at = awaiting.at(shared);
    match &intent.status {
        PaymentIntentStatus::Succeeded
        | PaymentIntentStatus::Processing
        | PaymentIntentStatus::RequiresCapture => {
            ctx.once_at(&at, &RESULT, || async { Ok(Ended::Authenticated) })
                .await?;
            tracing::info!(order = entity_id, payment_intent = %intent.id, status = %intent.status, "3-D Secure authentication completed");
            Ok(())
        }
        PaymentIntentStatus::RequiresPaymentMethod | PaymentIntentStatus::Canceled => {
            // Stripe's message (`payment_intent_authentication_failure`: "The provided
            // PaymentMethod has failed authentication...") goes into the comment.
            let payment = as_declined(Payment::try_from(intent)?, None);
            fail(shared, ctx, &at, entity_id, &payment).await?;
            ctx.once_at(&at, &RESULT, || async { Ok(Ended::Failed) })
                .await?;
            tracing::info!(order = entity_id, payment_intent = %intent.id, "3-D Secure authentication failed; failed-payment status recorded");
            Ok(())
        }
        status if is_waiting(status) => {
            if OffsetDateTime::now_utc() >= awaiting.deadline {
                return expire(shared, ctx, awaiting).await;
            }
            tracing::debug!(order = entity_id, payment_intent = %intent.id, %status, "still waiting for 3-D Secure authentication");
            Ok(())
        }
        other => Err(StepError::permanent(format!(
            "Stripe PaymentIntent {} of order {}: status {other} is not one this flow knows",
            intent.id, awaiting.order_number
        ))),
    }
}

/// Whether a PaymentIntent still waits for the customer.
fn is_waiting(status: &PaymentIntentStatus) -> bool {
    matches!(
        status,
        PaymentIntentStatus::RequiresAction | PaymentIntentStatus::RequiresConfirmation
    )
}

/// The failed-payment status and comment of `payment`, with the order read now.
async fn fail(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    at: &EntityKey,
    entity_id: i64,
    payment: &Payment,
) -> Result<(), StepError> {
    if ctx.recorded_at(at, &PAYMENT_FAILURE)?.is_some() {
        return Ok(());
    }
    let order = shared.magento.orders().get(entity_id).await?;
    record_failure(shared, ctx, at, entity_id, &order, payment).await
}

/// The deadline passed: cancels the PaymentIntent (`abandoned`) and gives the order the
/// failed-payment status; the job then goes to dead letters saying so. A PaymentIntent that was
/// authenticated meanwhile cannot be canceled: it is looked up and the flow finishes as Stripe
/// says.
async fn expire(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    awaiting: &AwaitingAuthentication,
) -> Result<(), StepError> {
    let at = awaiting.at(shared);
    let key = ctx.key_at(&at, &CANCEL)?;
    ctx.once_at(&at, &CANCEL, || async {
        let params = CancelPaymentIntent {
            cancellation_reason: Some(CancelPaymentIntentReason::Abandoned),
        };
        let canceled = shared
            .stripe
            .payment_intents()
            .idempotency_key(key.as_str())
            .cancel(&awaiting.payment_intent, &params)
            .await;
        match canceled {
            Ok(_) => Ok(true),
            Err(err) => {
                // Refused when Stripe decided meanwhile (`payment_intent_unexpected_state`).
                let now = shared
                    .stripe
                    .payment_intents()
                    .retrieve(&awaiting.payment_intent)
                    .await?;
                if is_waiting(&now.status) {
                    return Err(err.into());
                }
                Ok(false)
            }
        }
    })
    .await?;
    let intent = shared
        .stripe
        .payment_intents()
        .retrieve(&awaiting.payment_intent)
        .await?;
    match &intent.status {
        PaymentIntentStatus::Canceled => {}
        status if is_waiting(status) => {
            return Err(StepError::permanent(format!(
                "Stripe PaymentIntent {} is still {status} after its cancellation",
                intent.id
            )));
        }
        // Authenticated or failed before the cancellation: finish as Stripe says.
        _ => return Box::pin(decide(shared, ctx, awaiting, &intent)).await,
    }
    let message = format!(
        "The customer did not complete 3-D Secure authentication by {}; the payment was canceled",
        rfc3339(awaiting.deadline)
    );
    let payment = as_declined(Payment::try_from(&intent)?, Some(message));
    fail(shared, ctx, &at, awaiting.entity_id, &payment).await?;
    ctx.once_at(&at, &RESULT, || async { Ok(Ended::Expired) })
        .await?;
    Err(StepError::permanent(
        awaiting.expired_text(&shared.config.failure.status),
    ))
}

/// `magento.awaiting-authentication`: the item a person sees (a dead letter) while an order
/// waits for its customer's authentication, saying which order, since when and until when.
/// Replayed, it completes when the wait has ended and goes back to dead letters otherwise.
#[derive(Clone)]
pub struct AuthenticationNotice(pub(super) Arc<Shared>);

impl std::fmt::Debug for AuthenticationNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticationNotice")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for AuthenticationNotice {
    type Input = AwaitingAuthentication;
    const KIND: JobKind = JobKind::new("magento.awaiting-authentication");
    const SYSTEMS: &'static [System] = &[];

    /// The attempt's key, so that each attempt's wait has its own item.
    fn entity(&self, input: &AwaitingAuthentication) -> Result<EntityKey, StepError> {
        Ok(input.at(&self.0))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: AwaitingAuthentication) -> Result<(), StepError> {
        // The notice shares the attempt's entity, so its records came with its claim.
        if let Some(result) = ctx.recorded(&RESULT)? {
            tracing::info!(order = input.entity_id, ?result, "3-D Secure wait ended");
            return Ok(());
        }
        Err(StepError::permanent(
            input.waiting_text(&self.0.config.failure.status),
        ))
    }
}

/// `magento.authentication-deadline`: scheduled at an attempt's authentication deadline, runs
/// the order's payment flow again unless the wait has ended. Keyed by the attempt, so each
/// attempt's wait has its own deadline.
#[derive(Clone)]
pub struct AuthenticationDeadline(pub(super) Arc<Shared>);

impl std::fmt::Debug for AuthenticationDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticationDeadline")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for AuthenticationDeadline {
    type Input = PaymentAttempt;
    const KIND: JobKind = JobKind::new("magento.authentication-deadline");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, input: &PaymentAttempt) -> Result<EntityKey, StepError> {
        Ok(attempt_key(
            &self.0.order_key(input.entity_id),
            input.payment_method.as_deref(),
        ))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: PaymentAttempt) -> Result<(), StepError> {
        if ctx.recorded(&RESULT)?.is_none() && ctx.recorded(&PAYMENT_FAILURE)?.is_none() {
            ctx.enqueue(rerun(&self.0, input.entity_id)?);
        }
        Ok(())
    }
}

/// The order's payment job, run once more (queued again when it is done).
fn rerun(shared: &Arc<Shared>, entity_id: i64) -> Result<NewJob, StepError> {
    Ok(NewJob {
        rerun: true,
        ..job(
            &OrderPayment(Arc::clone(shared)),
            &MagentoOrder { entity_id },
        )?
    })
}

/// The input of [`PaymentIntentChanged`]: a PaymentIntent event and the Magento order its
/// metadata names, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntentEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The PaymentIntent (`pi_...`).
    pub payment_intent: String,
    /// The Magento order's `entity_id` (metadata `order_id` with `store=magento`); `None` for
    /// another integration's PaymentIntent.
    pub order_id: Option<i64>,
}

impl PaymentIntentEvent {
    /// The input of a delivered PaymentIntent event; one without `data.object.id` is an error
    /// naming it, one with a Magento `order_id` that is not a number too.
    pub(super) fn of(delivery: &crate::intake::Delivery<'_>) -> Result<Self, StepError> {
        use mapping::stripe::{META_ORDER_ID, META_STORE};
        #[derive(Deserialize)]
        struct Object {
            id: Option<String>,
            #[serde(default)]
            metadata: Option<std::collections::HashMap<String, String>>,
        }
        let object: Object = super::event_object(delivery)?;
        let payment_intent = object
            .id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| MappingError::MissingField {
                field: "data.object.id".to_owned(),
            })?;
        let metadata = object.metadata.unwrap_or_default();
        let order_id = match (
            metadata.get(META_STORE).map(String::as_str),
            metadata.get(META_ORDER_ID),
        ) {
            (Some(store), Some(raw)) if store == System::Magento.as_str() => {
                Some(raw.parse::<i64>().map_err(|_| MappingError::InvalidValue {
                    field: format!("data.object.metadata.{META_ORDER_ID}"),
                    value: raw.clone(),
                    expected: "Magento order entity_id",
                })?)
            }
            _ => None,
        };
        Ok(Self {
            event: delivery.event(),
            payment_intent,
            order_id,
        })
    }
}

/// `stripe.payment-intent`: a PaymentIntent event (one job per event). When it is about the
/// PaymentIntent a Magento order waits for, the order's payment flow runs again and asks Stripe
/// where the payment stands; other PaymentIntents are left alone.
#[derive(Clone)]
pub struct PaymentIntentChanged(pub(super) Arc<Shared>);

impl std::fmt::Debug for PaymentIntentChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentIntentChanged")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for PaymentIntentChanged {
    type Input = PaymentIntentEvent;
    const KIND: JobKind = JobKind::new("stripe.payment-intent");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, input: &PaymentIntentEvent) -> Result<EntityKey, StepError> {
        Ok(
            EntityKey::new(System::Stripe, &self.0.config.stripe_account)
                .child(Entity::Event, &input.event.event_id),
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: PaymentIntentEvent) -> Result<(), StepError> {
        let Some(order_id) = input.order_id else {
            tracing::debug!(payment_intent = %input.payment_intent, "not a Magento order's PaymentIntent: ignored");
            return Ok(());
        };
        let order = self.0.order_key(order_id);
        // Only an order whose latest attempt waits for this PaymentIntent's authentication is
        // run again; an order paid at once, or one whose wait has ended, has nothing to do.
        let Some(attempt) = latest_attempt(ctx, &order).await? else {
            return Ok(());
        };
        let waiting = matches!(
            ctx.read(&attempt.at, &PAYMENT_INTENT).await?,
            Some(IntentOutcome::Created { payment_intent, status })
                if payment_intent == input.payment_intent && status == REQUIRES_ACTION
        ) && ctx.read(&attempt.at, &RESULT).await?.is_none();
        if waiting {
            ctx.enqueue(rerun(&self.0, order_id)?);
        }
        Ok(())
    }
}

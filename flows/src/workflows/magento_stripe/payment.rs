//! `magento.order-payment`: the Stripe PaymentIntent of a Magento order, or its failed-payment
//! status; after a decline, one more attempt per new payment method the order shows (see
//! [Paying again after a decline](super#paying-again-after-a-decline)).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::magento::to_magento_payment_failure;
use mapping::stripe::{StripeCtx, to_create_payment_intent};
use mapping::{
    Customer, ExternalIds, MappingError, Order, Payment, PaymentKind, PaymentStatus, System,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use stripe_client::{
    AllowRedirects, ApiError, AutomaticPaymentMethods, CaptureMethod, PaymentIntentStatus,
    PaymentOutcome,
};

use super::authentication::{self, REQUIRES_ACTION};
use super::{CUSTOMER_KEY, PAYMENT_METHOD_KEY, Shared, canonical};
use super::{fraud_screen, placed};
use crate::StepError;
use crate::booking::OrderBooking;
use crate::notify::Notice;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, State, Step, StepCtx};
use crate::workflows::screening;

/// An attempt's PaymentIntent, created with the step's key as its `Idempotency-Key`.
pub(super) const PAYMENT_INTENT: Step<IntentOutcome> = Step::new("payment-intent", System::Stripe);
/// The failed-payment status and comment of a declined attempt.
pub(super) const PAYMENT_FAILURE: Step<FailureRecorded> =
    Step::new("payment-failure", System::Magento);
/// The comment on an order that cannot be booked (and so is not charged).
const REVIEW: Step<()> = Step::new("review", System::Magento);
/// The payment method of the order's latest attempt, on record (with [`StepCtx::save`]) before
/// Stripe is asked: a run cut off before the answer is recorded resumes that attempt, whatever
/// the order shows by then.
pub(super) const ATTEMPT: State<String> = State::new("payment/attempt");
/// The payment method the order's records under the order itself (`payment-intent` written
/// before attempts were keyed by method) are taken to be about: the order's method when such an
/// attempt was first found failed (the records do not name it).
pub(super) const LEGACY_METHOD: State<String> = State::new("payment/legacy-method");
/// The payment method of the order's first attempt, whose PaymentIntent is created under the
/// order's own key (`.../order/{id}/payment-intent`), the key versions before per-method
/// attempts used: a run of such a version cut off after Stripe made the PaymentIntent, and
/// resumed by this one, sends the same key and gets the same PaymentIntent, not a second
/// charge. Later attempts use their own keys.
const FIRST_METHOD: State<String> = State::new("payment/first-method");

/// The input of [`OrderPayment`]: a Magento order waiting for payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MagentoOrder {
    /// The order's `entity_id`.
    pub entity_id: i64,
}

/// The payment flow of a Magento order (see the [module docs](super)).
#[derive(Clone)]
pub struct OrderPayment(pub(super) Arc<Shared>);

impl std::fmt::Debug for OrderPayment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderPayment").finish_non_exhaustive()
    }
}

/// What creating the PaymentIntent came to, as recorded under its effect key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(super) enum IntentOutcome {
    /// Stripe accepted it; `charge.succeeded` follows when the money is taken.
    Created {
        payment_intent: String,
        status: String,
    },
    /// The card was declined: the canonical payment (no card details) for the order's comment.
    Declined { payment: Box<Payment> },
}

/// What recording the failed payment did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FailureRecorded {
    status: Option<String>,
    already: bool,
}

/// The key an attempt's records live under: `{order}/payment-method/{pm}`, or the order's own
/// key for the attempt recorded before attempts were keyed by method (`payment_method` `None`).
pub(super) fn attempt_key(order: &EntityKey, payment_method: Option<&str>) -> EntityKey {
    match payment_method {
        Some(pm) => order.child(Entity::PaymentMethod, pm),
        None => order.clone(),
    }
}

/// The order's latest payment attempt.
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    /// Where its records are.
    pub(super) at: EntityKey,
    /// Its payment method: `None` for an attempt recorded under the order itself (before
    /// attempts were keyed by method) whose method is not known yet.
    pub(super) payment_method: Option<String>,
    /// Whether its records are the order's own (the attempt of an earlier version).
    pub(super) legacy: bool,
}

/// The order `order`'s latest attempt, from its records (read from the store unless `ctx` is
/// the order's own job): the one [`ATTEMPT`] names, else the one an earlier version recorded
/// under the order, else none.
pub(super) async fn latest_attempt(
    ctx: &StepCtx<'_>,
    order: &EntityKey,
) -> Result<Option<Attempt>, StepError> {
    if let Some(pm) = ctx.read_state(order, &ATTEMPT).await? {
        return Ok(Some(Attempt {
            at: attempt_key(order, Some(&pm)),
            payment_method: Some(pm),
            legacy: false,
        }));
    }
    if ctx.read(order, &PAYMENT_INTENT).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(Attempt {
        at: order.clone(),
        payment_method: ctx.read_state(order, &LEGACY_METHOD).await?,
        legacy: true,
    }))
}

/// Whether `payment_method` was sent for the order already (any attempt, or the one an
/// earlier version recorded under the order).
fn tried(ctx: &StepCtx<'_>, order: &EntityKey, payment_method: &str) -> Result<bool, StepError> {
    Ok(ctx
        .recorded_at(&attempt_key(order, Some(payment_method)), &PAYMENT_INTENT)?
        .is_some()
        || ctx.state(&LEGACY_METHOD)?.as_deref() == Some(payment_method))
}

/// A failed attempt: what the checks before the next one need.
struct Failed {
    /// Its payment method, if known.
    payment_method: Option<String>,
    /// Its PaymentIntent, if Stripe made one.
    payment_intent: Option<String>,
}

#[async_trait]
impl Flow for OrderPayment {
    type Input = MagentoOrder;
    const KIND: JobKind = JobKind::new("magento.order-payment");
    const SYSTEMS: &'static [System] = &[System::Magento, System::Stripe];

    fn entity(&self, input: &MagentoOrder) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.entity_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: MagentoOrder) -> Result<(), StepError> {
        let shared = &*self.0;
        let entity_id = input.entity_id;
        let order_key = ctx.entity().clone();
        // Where the latest attempt stands decides, from the records alone, whether anything may
        // be charged: a paid order never is, a waiting one waits, a failed one may be paid again.
        let latest = latest_attempt(ctx, &order_key).await?;
        let mut resume = None;
        let mut failed = None;
        let mut order = None;
        if let Some(attempt) = &latest {
            match ctx.recorded_at(&attempt.at, &PAYMENT_INTENT)? {
                // Sent, or about to be, when the run was cut off: the same attempt again.
                None => resume = attempt.payment_method.clone(),
                Some(IntentOutcome::Created {
                    payment_intent,
                    status,
                }) => {
                    let screened = ctx.recorded(&screening::record_step(System::Magento))?;
                    if status != REQUIRES_ACTION {
                        // A held order whose run was cut off before its hold is held now.
                        return fraud_screen::hold_if_review(
                            shared,
                            ctx,
                            screened.as_ref(),
                            entity_id,
                            &payment_intent,
                        )
                        .await;
                    }
                    if authentication::result(ctx, &attempt.at)?.is_none() {
                        authentication::run(
                            &self.0,
                            ctx,
                            &attempt.at,
                            attempt
                                .payment_method
                                .as_deref()
                                .filter(|_| !attempt.legacy),
                            entity_id,
                            &payment_intent,
                            None,
                            false,
                        )
                        .await?;
                    }
                    let ended = authentication::result(ctx, &attempt.at)?;
                    if !ended.is_some_and(|r| r.failed()) {
                        if ended.is_some() {
                            // Authenticated: a held order's PaymentIntent is authorized now.
                            fraud_screen::hold_if_review(
                                shared,
                                ctx,
                                screened.as_ref(),
                                entity_id,
                                &payment_intent,
                            )
                            .await?;
                        }
                        return Ok(());
                    }
                    failed = Some(Failed {
                        payment_method: attempt.payment_method.clone(),
                        payment_intent: Some(payment_intent),
                    });
                }
                Some(IntentOutcome::Declined { payment }) => {
                    if ctx.recorded_at(&attempt.at, &PAYMENT_FAILURE)?.is_none() {
                        // A run that ended between the decline's record and the order's status.
                        let read = shared.magento.orders().get(entity_id).await?;
                        declined(shared, ctx, &attempt.at, entity_id, &read, &payment).await?;
                        order = Some(read);
                    }
                    failed = Some(Failed {
                        payment_method: attempt.payment_method.clone(),
                        payment_intent: payment
                            .ids
                            .get(System::Stripe)
                            .filter(|id| id.starts_with("pi_"))
                            .map(str::to_owned),
                    });
                }
            }
        }

        let order = match order {
            Some(order) => order,
            None => match shared.magento.orders().get(entity_id).await {
                Ok(order) => order,
                // An order-placed webhook can name an order Commerce has not committed yet:
                // looked for again, for a while, before anything is charged.
                Err(magento::Error::NotFound(_)) if latest.is_none() => {
                    return Err(placed::not_visible(
                        ctx,
                        &format!("magento order {entity_id}"),
                    ));
                }
                Err(err) => return Err(err.into()),
            },
        };
        placed::found(ctx);
        // A refused order whose run was cut off before its comment and cancellation.
        if let Some(screened) = ctx
            .recorded(&screening::record_step(System::Magento))?
            .filter(|s| s.decision.outcome == fraud::Outcome::Refuse)
        {
            return fraud_screen::refuse(shared, ctx, entity_id, &order, &screened.decision).await;
        }
        let waiting = matches!(
            order.state,
            Some(magento::OrderState::New | magento::OrderState::PendingPayment)
        );
        if !waiting {
            tracing::info!(order = entity_id, state = ?order.state, "order not waiting for payment: not charged");
            return Ok(());
        }
        let resuming = resume.is_some();
        let method = match (resume, failed) {
            (Some(pm), _) => Ok(pm),
            (None, None) => order_method(&order).and_then(|pm| {
                pm.ok_or_else(|| {
                    MappingError::MissingField {
                        field: info_field(PAYMENT_METHOD_KEY),
                    }
                    .into()
                })
            }),
            (None, Some(failed)) => match pay_again(shared, ctx, &order_key, &order, failed).await?
            {
                Some(method) => method,
                None => return Ok(()),
            },
        };
        // A customer's order pays as its linked Stripe customer, unless the checkout named one.
        let linked = match order.customer_id {
            Some(id) if matches!(payment_info(&order, CUSTOMER_KEY, "cus_"), Ok(None)) => {
                shared.linked_stripe_customer(ctx, id).await?
            }
            _ => None,
        };
        let prepared =
            method.and_then(|pm| Ok((prepare(shared, &order, &pm, linked.as_deref())?, pm)));
        let (mut params, payment_method) = match prepared {
            Ok(prepared) => prepared,
            Err(err) if err.is_permanent() && !resuming => {
                // Not charged: the order waits for a person, and says why in Magento.
                let reason = err.to_string();
                ctx.once(&REVIEW, || async {
                    let comment = magento::NewOrderComment {
                        comment: format!("Not charged, needs review: {reason}"),
                        status: order.status.clone(),
                        ..magento::NewOrderComment::default()
                    };
                    shared
                        .magento
                        .orders()
                        .add_comment(entity_id, &comment)
                        .await?;
                    Ok(())
                })
                .await?;
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        // The fraud screen, once, before the order's first PaymentIntent.
        let screened = fraud_screen::screen_once(
            shared,
            ctx,
            latest.is_none(),
            &order,
            &params.canonical,
            &payment_method,
        )
        .await?;
        if let Some(screened) = screened
            .as_ref()
            .filter(|s| s.decision.outcome == fraud::Outcome::Refuse)
        {
            return fraud_screen::refuse(shared, ctx, entity_id, &order, &screened.decision).await;
        }
        if fraud_screen::authorize_only(screened.as_ref()) {
            params.intent.capture_method = Some(CaptureMethod::Manual);
        }
        let at = attempt_key(&order_key, Some(&payment_method));
        if !resuming {
            if latest.is_none() {
                ctx.set_state(&FIRST_METHOD, &payment_method)?;
            }
            ctx.set_state(&ATTEMPT, &payment_method)?;
            ctx.save().await?;
        }
        let canonical = params.canonical;
        let intent_key = if ctx.state(&FIRST_METHOD)?.as_deref() == Some(payment_method.as_str()) {
            ctx.key_of(&PAYMENT_INTENT)
        } else {
            ctx.key_at(&at, &PAYMENT_INTENT)?
        };
        let outcome = ctx
            .once_at(&at, &PAYMENT_INTENT, || async {
                let outcome = shared
                    .stripe
                    .payment_intents()
                    .idempotency_key(intent_key.as_str())
                    .create(&params.intent)
                    .await?;
                Ok(match outcome {
                    PaymentOutcome::Completed(intent) => IntentOutcome::Created {
                        payment_intent: intent.id,
                        status: intent.status.to_string(),
                    },
                    PaymentOutcome::Declined(decline) => IntentOutcome::Declined {
                        payment: Box::new(declined_payment(&decline, &canonical)?),
                    },
                })
            })
            .await?;

        match outcome {
            IntentOutcome::Created {
                payment_intent,
                status,
            } if status == REQUIRES_ACTION => {
                // On record before the wait starts: the events that end it look for it.
                ctx.save().await?;
                authentication::run(
                    &self.0,
                    ctx,
                    &at,
                    Some(&payment_method),
                    entity_id,
                    &payment_intent,
                    Some(order),
                    true,
                )
                .await
            }
            IntentOutcome::Created {
                payment_intent,
                status,
            } => {
                tracing::info!(order = entity_id, %payment_method, %payment_intent, %status, "payment intent created");
                fraud_screen::hold_if_review(
                    shared,
                    ctx,
                    screened.as_ref(),
                    entity_id,
                    &payment_intent,
                )
                .await
            }
            IntentOutcome::Declined { payment } => {
                declined(shared, ctx, &at, entity_id, &order, &payment).await?;
                tracing::info!(
                    order = entity_id,
                    %payment_method,
                    "payment declined; failed-payment status recorded"
                );
                Ok(())
            }
        }
    }
}

/// The payment method of the next attempt after `failed`: the one the order shows now, unless
/// it is blank, was sent before, or the order was paid meanwhile (Magento's `total_paid`, or
/// Stripe's word on the failed attempt's PaymentIntent, which a storefront can still confirm
/// with another method). `None`: nothing to charge. An attempt of an earlier version whose
/// method is unknown takes the order's method now as its own (see the module docs).
async fn pay_again(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    order_key: &EntityKey,
    order: &magento::Order,
    failed: Failed,
) -> Result<Option<Result<String, StepError>>, StepError> {
    let entity_id = order_key.as_str();
    let payment_method = match order_method(order) {
        Ok(Some(pm)) => pm,
        // The customer has not given another method (yet).
        Ok(None) => return Ok(None),
        Err(err) => return Ok(Some(Err(err))),
    };
    let Some(last) = failed.payment_method else {
        // Only now is the method of the earlier version's attempt needed: it can only be the one
        // the order shows, unless the customer changed it before this version first looked.
        ctx.set_state(&LEGACY_METHOD, &payment_method)?;
        tracing::info!(order = entity_id, %payment_method, "declined before per-method attempts: taken as this method's attempt");
        return Ok(None);
    };
    if last == payment_method || tried(ctx, order_key, &payment_method)? {
        tracing::debug!(order = entity_id, %payment_method, "payment method tried before: not sent again");
        return Ok(None);
    }
    if order.total_paid.is_some_and(|paid| paid > Decimal::ZERO) {
        tracing::warn!(order = entity_id, %payment_method, "order shows a payment: not charged again");
        return Ok(None);
    }
    if let Some(pi) = &failed.payment_intent {
        let intent = shared.stripe.payment_intents().retrieve(pi).await?;
        if matches!(
            intent.status,
            PaymentIntentStatus::Succeeded
                | PaymentIntentStatus::Processing
                | PaymentIntentStatus::RequiresCapture
        ) {
            tracing::warn!(order = entity_id, payment_intent = %pi, status = %intent.status, "the failed attempt's PaymentIntent was paid since: not charged again");
            return Ok(None);
        }
    }
    Ok(Some(Ok(payment_method)))
}

/// A declined attempt at `at`: the operator's notice and the order's failed-payment status,
/// once each per attempt.
async fn declined(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    at: &EntityKey,
    entity_id: i64,
    order: &magento::Order,
    payment: &Payment,
) -> Result<(), StepError> {
    let number = order
        .increment_id
        .clone()
        .unwrap_or_else(|| entity_id.to_string());
    let reason = payment
        .message
        .clone()
        .unwrap_or_else(|| payment.status.to_string());
    ctx.notify(Notice::payment_declined(
        at,
        &number,
        payment.amount,
        &reason,
    ));
    record_failure(shared, ctx, at, entity_id, order, payment).await
}

/// Gives the order the merchant's failed-payment status with a comment saying why (once per
/// attempt `at`).
pub(super) async fn record_failure(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    at: &EntityKey,
    entity_id: i64,
    order: &magento::Order,
    payment: &Payment,
) -> Result<(), StepError> {
    let failure = to_magento_payment_failure(payment, &shared.config.failure)?;
    ctx.once_at(at, &PAYMENT_FAILURE, || async {
        // The call adds a comment each time: skip it when an earlier run got through. The
        // comment names the attempt's PaymentIntent, so an earlier attempt's does not count.
        let present = order
            .status_histories
            .iter()
            .any(|c| c.comment.as_deref() == Some(failure.comment.as_str()));
        if present && order.status.as_deref() == Some(failure.status.as_str()) {
            return Ok(FailureRecorded {
                status: order.status.clone(),
                already: true,
            });
        }
        let recorded = shared
            .magento
            .orders()
            .record_payment_failure(entity_id, &failure)
            .await?;
        Ok(FailureRecorded {
            status: recorded.status,
            already: false,
        })
    })
    .await?;
    Ok(())
}

/// What the PaymentIntent needs, mapped before any money moves.
struct Prepared {
    canonical: Order,
    intent: stripe_client::CreatePaymentIntent,
}

/// Maps the order, with `payment_method`, and its ERP documents: a failure here means the
/// order cannot be charged. `linked` is the Stripe customer linked to the order's Magento
/// customer by customer sync, used when the payment names none.
fn prepare(
    shared: &Shared,
    order: &magento::Order,
    payment_method: &str,
    linked: Option<&str>,
) -> Result<Prepared, StepError> {
    let mut canonical = canonical(order)?;
    let payment_method = payment_method.to_owned();
    let named = payment_info(order, CUSTOMER_KEY, "cus_")?;
    if let Some(customer) = named.or_else(|| linked.map(str::to_owned)) {
        canonical
            .customer
            .get_or_insert_with(Customer::default)
            .ids
            .set(System::Stripe, customer);
    }
    let erp_ctx = shared.erp_ctx(time::OffsetDateTime::now_utc().date());
    OrderBooking::prepare(&canonical, System::Stripe, &erp_ctx)?;
    let ctx = StripeCtx {
        store_prefix: shared.config.reference_prefix.clone(),
        manual_capture: false,
    };
    let mut intent = to_create_payment_intent(&canonical, &ctx)?;
    intent.payment_method = Some(payment_method);
    intent.confirm = Some(true);
    match &shared.config.return_url {
        Some(url) => intent.return_url = Some(url.clone()),
        None => {
            intent.automatic_payment_methods = Some(AutomaticPaymentMethods {
                enabled: true,
                allow_redirects: Some(AllowRedirects::Never),
            });
        }
    }
    Ok(Prepared { canonical, intent })
}

/// The order's payment method ([`PAYMENT_METHOD_KEY`]): `None` when absent or blank, an error
/// naming the field when it is not a `pm_...` id.
pub(super) fn order_method(order: &magento::Order) -> Result<Option<String>, StepError> {
    Ok(payment_info(order, PAYMENT_METHOD_KEY, "pm_")?)
}

/// `order.extension_attributes.payment_additional_info.{key}`.
fn info_field(key: &str) -> String {
    format!("order.extension_attributes.payment_additional_info.{key}")
}

/// A Stripe id from the order payment's additional information: trimmed, `None` when absent or
/// blank, an error naming the field when it lacks `prefix`.
fn payment_info(
    order: &magento::Order,
    key: &str,
    prefix: &'static str,
) -> Result<Option<String>, MappingError> {
    let Some(value) = order
        .payment_info(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if !value.starts_with(prefix) {
        return Err(MappingError::InvalidValue {
            field: info_field(key),
            value: value.to_owned(),
            expected: if prefix == "pm_" {
                "Stripe PaymentMethod id (pm_...)"
            } else {
                "Stripe customer id (cus_...)"
            },
        });
    }
    Ok(Some(value.to_owned()))
}

/// The declined payment: the PaymentIntent Stripe returned with the decline, through the
/// canonical mapping; without one, the order's total with the decline's charge id and message.
fn declined_payment(decline: &ApiError, order: &Order) -> Result<Payment, StepError> {
    let mut payment = match decline.error.payment_intent.as_deref() {
        Some(intent) => Payment::try_from(intent)?,
        None => {
            let mut ids = ExternalIds::new();
            if let Some(charge) = &decline.error.charge {
                ids.set(System::Stripe, charge.clone());
            }
            Payment {
                ids,
                order_number: Some(order.number.clone()),
                ..Payment::new(
                    System::Stripe,
                    PaymentKind::Sale,
                    PaymentStatus::Declined,
                    order.total,
                )
            }
        }
    };
    // A PaymentIntent that still says `requires_payment_method` without its error is a decline
    // all the same: Stripe answered 402.
    let message = payment.message.take().or_else(|| decline_message(decline));
    Ok(as_declined(payment, message))
}

/// `payment` as a decline for the order's comment, with `message` when given (else its own).
/// Card brand and last four digits are dropped: the record goes to the effect log.
pub(super) fn as_declined(mut payment: Payment, message: Option<String>) -> Payment {
    payment.status = PaymentStatus::Declined;
    payment.card_brand = None;
    payment.card_last4 = None;
    if message.is_some() {
        payment.message = message;
    }
    payment
}

/// `message (code/decline_code)`, from what Stripe said.
fn decline_message(decline: &ApiError) -> Option<String> {
    let error = &decline.error;
    let codes: Vec<&str> = [error.code.as_deref(), error.decline_code.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    match (error.message.as_deref(), codes.is_empty()) {
        (Some(message), true) => Some(message.to_owned()),
        (Some(message), false) => Some(format!("{message} ({})", codes.join("/"))),
        (None, false) => Some(codes.join("/")),
        (None, true) => None,
    }
}

//! `magento.order-payment`: the Stripe PaymentIntent of a Magento order, or its failed-payment
//! status.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::magento::to_magento_payment_failure;
use mapping::stripe::{StripeCtx, to_create_payment_intent};
use mapping::{
    Customer, ExternalIds, MappingError, Order, Payment, PaymentKind, PaymentStatus, System,
};
use serde::{Deserialize, Serialize};
use stripe_client::{AllowRedirects, ApiError, AutomaticPaymentMethods, PaymentOutcome};

use super::authentication::{self, REQUIRES_ACTION};
use super::placed;
use super::{CUSTOMER_KEY, PAYMENT_METHOD_KEY, Shared, canonical};
use crate::StepError;
use crate::booking::OrderBooking;
use crate::notify::Notice;
use crate::workflow::{EntityKey, Flow, JobKind, Step, StepCtx};

/// The PaymentIntent, created with the step's key as its `Idempotency-Key`.
pub(super) const PAYMENT_INTENT: Step<IntentOutcome> = Step::new("payment-intent", System::Stripe);
/// The failed-payment status of a declined order.
pub(super) const PAYMENT_FAILURE: Step<FailureRecorded> =
    Step::new("payment-failure", System::Magento);
/// The comment on an order that cannot be booked (and so is not charged).
const REVIEW: Step<()> = Step::new("review", System::Magento);

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
        // A run after the flow ended (a replay, a poll that finds the order again) calls nothing;
        // an order waiting for its customer's authentication looks at Stripe again.
        let recorded = ctx.recorded(&PAYMENT_INTENT)?;
        if ctx.recorded(&PAYMENT_FAILURE)?.is_some() || authentication::ended(ctx)? {
            return Ok(());
        }
        if let Some(IntentOutcome::Created {
            payment_intent,
            status,
        }) = &recorded
        {
            if status == REQUIRES_ACTION {
                return authentication::run(&self.0, ctx, entity_id, payment_intent, None, false)
                    .await;
            }
            return Ok(());
        }

        let order = match shared.magento.orders().get(entity_id).await {
            Ok(order) => order,
            // An order-placed webhook can name an order Commerce has not committed yet: looked
            // for again, for a while, before anything is charged.
            Err(magento::Error::NotFound(_)) if recorded.is_none() => {
                return Err(placed::not_visible(
                    ctx,
                    &format!("magento order {entity_id}"),
                ));
            }
            Err(err) => return Err(err.into()),
        };
        placed::found(ctx);
        let waiting = matches!(
            order.state,
            Some(magento::OrderState::New | magento::OrderState::PendingPayment)
        );
        if recorded.is_none() && !waiting {
            tracing::info!(order = entity_id, state = ?order.state, "order not waiting for payment: not charged");
            return Ok(());
        }
        let params = match prepare(shared, &order) {
            Ok(params) => params,
            Err(err) if err.is_permanent() && recorded.is_none() => {
                // Never charged: the order waits for a person, and says why in Magento.
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
        let canonical = params.canonical;
        let intent_key = ctx.key_of(&PAYMENT_INTENT);
        let outcome = ctx
            .once(&PAYMENT_INTENT, || async {
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
                authentication::run(&self.0, ctx, entity_id, &payment_intent, Some(order), true)
                    .await
            }
            IntentOutcome::Created {
                payment_intent,
                status,
            } => {
                tracing::info!(order = entity_id, %payment_intent, %status, "payment intent created");
                Ok(())
            }
            IntentOutcome::Declined { payment } => {
                let number = order
                    .increment_id
                    .clone()
                    .unwrap_or_else(|| entity_id.to_string());
                let reason = payment
                    .message
                    .clone()
                    .unwrap_or_else(|| payment.status.to_string());
                ctx.notify(Notice::payment_declined(
                    ctx.entity(),
                    &number,
                    payment.amount,
                    &reason,
                ));
                record_failure(shared, ctx, entity_id, &order, &payment).await?;
                tracing::info!(
                    order = entity_id,
                    "payment declined; failed-payment status recorded"
                );
                Ok(())
            }
        }
    }
}

/// Gives the order the merchant's failed-payment status with a comment saying why (once).
pub(super) async fn record_failure(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    entity_id: i64,
    order: &magento::Order,
    payment: &Payment,
) -> Result<(), StepError> {
    let failure = to_magento_payment_failure(payment, &shared.config.failure)?;
    ctx.once(&PAYMENT_FAILURE, || async {
        // The call adds a comment each time: skip it when an earlier run got through.
        if order.status.as_deref() == Some(failure.status.as_str()) {
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

/// Maps the order, its payment method and its ERP documents: a failure here means the order
/// cannot be charged.
fn prepare(shared: &Shared, order: &magento::Order) -> Result<Prepared, StepError> {
    let mut canonical = canonical(order)?;
    let payment_method = payment_info(order, PAYMENT_METHOD_KEY, "pm_")?.ok_or_else(|| {
        MappingError::MissingField {
            field: info_field(PAYMENT_METHOD_KEY),
        }
    })?;
    if let Some(customer) = payment_info(order, CUSTOMER_KEY, "cus_")? {
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

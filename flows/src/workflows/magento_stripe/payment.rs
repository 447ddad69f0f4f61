//! `magento:order`: the Stripe PaymentIntent of a Magento order, or its failed-payment status.

use mapping::magento::to_magento_payment_failure;
use mapping::stripe::{StripeCtx, to_create_payment_intent};
use mapping::{
    Customer, ExternalIds, MappingError, Order, Payment, PaymentKind, PaymentStatus, System,
};
use serde::{Deserialize, Serialize};
use stripe_client::{ApiError, AutomaticPaymentMethods, PaymentOutcome};

use super::{CUSTOMER_KEY, Inner, PAYMENT_METHOD_KEY, canonical, payload};
use crate::StepError;
use crate::effects::once;
use crate::store::{Job, Store};

#[derive(Deserialize)]
struct OrderJob {
    entity_id: i64,
}

/// What creating the PaymentIntent came to, as recorded under its effect key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum IntentOutcome {
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
struct FailureRecorded {
    status: Option<String>,
    already: bool,
}

pub(super) async fn run<S: Store>(inner: &Inner<S>, job: &Job) -> Result<(), StepError> {
    let OrderJob { entity_id } = payload(job)?;
    let intent_key = inner.order_key(entity_id, "payment-intent");
    let failure_key = inner.order_key(entity_id, "payment-failure");

    // A run after the flow ended (a replay, a duplicate) calls nothing.
    let recorded = inner.store.effect(&intent_key).await?;
    if let Some(recorded) = &recorded {
        let created = recorded.detail.get("outcome").and_then(|o| o.as_str()) == Some("created");
        if created || inner.store.effect(&failure_key).await?.is_some() {
            return Ok(());
        }
    }

    let order = inner.magento.orders().get(entity_id).await?;
    let waiting = matches!(
        order.state,
        Some(magento::OrderState::New | magento::OrderState::PendingPayment)
    );
    if recorded.is_none() && !waiting {
        tracing::info!(order = entity_id, state = ?order.state, "order not waiting for payment: not charged");
        return Ok(());
    }
    let mut canonical = canonical(&order)?;
    let payment_method = payment_info(&order, PAYMENT_METHOD_KEY, "pm_")?.ok_or_else(|| {
        MappingError::MissingField {
            field: info_field(PAYMENT_METHOD_KEY),
        }
    })?;
    if let Some(customer) = payment_info(&order, CUSTOMER_KEY, "cus_")? {
        canonical
            .customer
            .get_or_insert_with(Customer::default)
            .ids
            .set(System::Stripe, customer);
    }
    let ctx = StripeCtx {
        store_prefix: inner.config.reference_prefix.clone(),
        manual_capture: false,
    };
    let mut params = to_create_payment_intent(&canonical, &ctx)?;
    params.payment_method = Some(payment_method);
    params.confirm = Some(true);
    match &inner.config.return_url {
        Some(url) => params.return_url = Some(url.clone()),
        None => {
            params.automatic_payment_methods = Some(AutomaticPaymentMethods {
                enabled: true,
                allow_redirects: Some("never".to_owned()),
            });
        }
    }

    let outcome: IntentOutcome = once(&*inner.store, &intent_key, "stripe", || async {
        let outcome = inner
            .stripe
            .payment_intents()
            .idempotency_key(intent_key.as_str())
            .create(&params)
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
        } => {
            if status == "requires_action" {
                tracing::warn!(order = entity_id, %payment_intent, "payment needs the customer's authentication");
            } else {
                tracing::info!(order = entity_id, %payment_intent, %status, "payment intent created");
            }
            Ok(())
        }
        IntentOutcome::Declined { payment } => {
            let failure = to_magento_payment_failure(&payment, &inner.config.failure)?;
            once(&*inner.store, &failure_key, "magento", || async {
                // The call adds a comment each time: skip it when an earlier run got through.
                if order.status.as_deref() == Some(failure.status.as_str()) {
                    return Ok(FailureRecorded {
                        status: order.status.clone(),
                        already: true,
                    });
                }
                let recorded = inner
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
            tracing::info!(
                order = entity_id,
                "payment declined; failed-payment status recorded"
            );
            Ok(())
        }
    }
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
/// Card brand and last four digits are dropped: the record goes to the effect log.
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
                gateway: System::Stripe,
                order_number: Some(order.number.clone()),
                reference: None,
                kind: PaymentKind::Sale,
                status: PaymentStatus::Declined,
                amount: order.total,
                fee: None,
                card_brand: None,
                card_last4: None,
                avs: None,
                cvv: None,
                approval_code: None,
                vault_id: None,
                message: None,
                processed_at: None,
            }
        }
    };
    // A PaymentIntent that still says `requires_payment_method` without its error is a decline
    // all the same: Stripe answered 402.
    payment.status = PaymentStatus::Declined;
    payment.card_brand = None;
    payment.card_last4 = None;
    if payment.message.is_none() {
        payment.message = decline_message(decline);
    }
    Ok(payment)
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

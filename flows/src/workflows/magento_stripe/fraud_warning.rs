//! `stripe.early-fraud-warning`: a card issuer reported a Magento order's charge as fraud
//! (Radar's early fraud warning); refunded at once when cheap and not shipped, else held. See
//! [Disputes](super#disputes).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::amount::stripe::from_stripe_amount;
use mapping::currency::parse_currency;
use mapping::{MappingError, Money, System};
use serde::{Deserialize, Serialize};

use super::{Shared, refund_request_job};
use crate::StepError;
use crate::intake::Delivery;
use crate::notify::{Notice, NoticeKind};
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, Step, StepCtx};
use crate::workflows::{RefundRequest, screening};

/// The event routed to [`FraudWarning`].
pub(super) const WARNING_CREATED: &str = "radar.early_fraud_warning.created";

/// What was decided, once: a replay follows the same decision.
const DECISION: Step<Decision> = Step::new("decision", System::Stripe);
/// The order's comment.
const COMMENT: Step<bool> = Step::new("magento/comment", System::Magento);
/// The order put on hold.
const HOLD: Step<bool> = Step::new("magento/hold", System::Magento);

/// What a warning came to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
enum Decision {
    /// Refunded in full through the refund path, as the refund request `request_id`.
    Refund { request_id: String, amount: Money },
    /// Held (not shipped) or only told (`shipped`): a person decides.
    Hold { shipped: bool, why: String },
    /// Nothing to do: the charge was refunded or disputed already (`actionable` is false).
    Moot,
}

/// The input of [`FraudWarning`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FraudWarningEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The warning (`issfr_...`).
    pub warning_id: String,
}

impl FraudWarningEvent {
    /// The input of a delivered warning event.
    pub(super) fn of(delivery: &Delivery<'_>) -> Result<Self, StepError> {
        Ok(Self {
            event: delivery.event(),
            warning_id: super::object_id(delivery)?,
        })
    }
}

/// An early fraud warning's flow (see [Disputes](super#disputes)).
#[derive(Clone)]
pub struct FraudWarning(pub(super) Arc<Shared>);

impl std::fmt::Debug for FraudWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FraudWarning").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for FraudWarning {
    type Input = FraudWarningEvent;
    const KIND: JobKind = JobKind::new("stripe.early-fraud-warning");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento];

    fn entity(&self, input: &FraudWarningEvent) -> Result<EntityKey, StepError> {
        Ok(
            EntityKey::new(System::Stripe, &self.0.config.stripe_account)
                .child(Entity::FraudWarning, &input.warning_id),
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: FraudWarningEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let warning = shared
            .stripe
            .early_fraud_warnings()
            .retrieve(&input.warning_id)
            .await?;
        let charge_id = warning.charge.id().to_owned();
        // A refund needs the invoice and ERP payment the charge's own job books.
        let Some((charge, order_id)) = shared.booked_charge(ctx, &charge_id, &warning.id).await?
        else {
            return Ok(());
        };
        let fact = screening::OutcomeFact {
            order: shared.order_key(order_id),
            learned: screening::Learned::EarlyFraudWarning,
            at: warning.created,
            reason: Some(warning.fraud_type.as_str().to_owned()),
        };
        screening::learn(ctx, System::Stripe, &fact)?;
        let order = shared.magento.orders().get(order_id).await?;
        let fraud_type = warning.fraud_type.as_str().to_owned();
        let decision = ctx
            .once(&DECISION, || async {
                decide(shared, &warning, &charge, order_id, &order)
            })
            .await?;
        if let Decision::Refund { request_id, amount } = &decision {
            // Enqueued with this run's records: the refund request's own keys make it once.
            let order_number = u64::try_from(order_id).map_err(|_| MappingError::InvalidValue {
                field: "charge.metadata.order_id".to_owned(),
                value: order_id.to_string(),
                expected: "a Magento order entity_id",
            })?;
            let request = RefundRequest::new(
                order_number,
                amount.to_major(),
                amount.currency().code(),
                request_id.clone(),
            )
            .reason(format!("Early fraud warning {} ({fraud_type})", warning.id));
            ctx.enqueue(refund_request_job(&shared.config.store_code, &request)?);
        }
        if let Decision::Hold { shipped: false, .. } = &decision {
            ctx.once(&HOLD, || async {
                Ok(shared.magento.orders().hold(order_id).await?)
            })
            .await?;
        }
        let text = comment(&warning.id, &fraud_type, &decision);
        if let Some(text) = &text {
            ctx.once(&COMMENT, || async {
                let present = order
                    .status_histories
                    .iter()
                    .any(|c| c.comment.as_deref() == Some(text.as_str()));
                if !present {
                    shared
                        .magento
                        .orders()
                        .add_comment(
                            order_id,
                            &magento::NewOrderComment {
                                comment: text.clone(),
                                ..magento::NewOrderComment::default()
                            },
                        )
                        .await?;
                }
                Ok(!present)
            })
            .await?;
            let number = order
                .increment_id
                .clone()
                .unwrap_or_else(|| order_id.to_string());
            ctx.notify(
                Notice::new(
                    NoticeKind::EarlyFraudWarning,
                    format!("{}/notice/warning", ctx.entity()),
                    format!("Early fraud warning on order {number}"),
                )
                .text(text.clone())
                .fact("order", number)
                .fact("charge", &charge_id)
                .fact("fraud type", &fraud_type),
            );
        }
        tracing::info!(warning = %warning.id, order = order_id, decision = ?decision, "early fraud warning handled");
        Ok(())
    }
}

/// The policy of [`super::DisputeCtx::refund_fraud_below`]: refund what is left of a charge under
/// the limit whose order has not shipped; hold the rest.
fn decide(
    shared: &Shared,
    warning: &stripe_client::EarlyFraudWarning,
    charge: &stripe_client::Charge,
    order_id: i64,
    order: &magento::Order,
) -> Result<Decision, StepError> {
    if !warning.actionable {
        return Ok(Decision::Moot);
    }
    let currency = parse_currency(charge.currency.as_str(), "charge.currency")?;
    let left = charge
        .amount_captured
        .checked_sub(charge.amount_refunded)
        .filter(|left| *left > 0)
        .unwrap_or_default();
    let left = from_stripe_amount(left, currency, "charge.amount_captured")?;
    if left.is_zero() {
        return Ok(Decision::Moot);
    }
    let shipped = order.items.iter().any(|item| {
        item.qty_shipped
            .is_some_and(|q| q > rust_decimal::Decimal::ZERO)
    });
    let why = match shared.config.disputes.refund_fraud_below {
        _ if shipped => "the order has shipped".to_owned(),
        None => "no refund threshold is configured".to_owned(),
        Some(limit) if limit.currency() != currency => {
            format!(
                "the charge is in {currency}, the threshold in {}",
                limit.currency()
            )
        }
        Some(limit) if left.minor() >= limit.minor() => {
            format!("{left} is not under the threshold {limit}")
        }
        Some(_) => {
            return Ok(Decision::Refund {
                request_id: format!("early-fraud-warning-{}", warning.id),
                amount: left,
            });
        }
    };
    tracing::debug!(order = order_id, %why, "fraud warning: held");
    Ok(Decision::Hold { shipped, why })
}

/// The order comment (and the notice's text) of a decision; none when moot.
fn comment(warning: &str, fraud_type: &str, decision: &Decision) -> Option<String> {
    let head = format!("Stripe early fraud warning {warning} ({fraud_type}):");
    Some(match decision {
        Decision::Refund { amount, .. } => format!(
            "{head} {amount} refunded at once, before a dispute could open; the credit memo \
             closes the order. Do not ship it."
        ),
        Decision::Hold {
            shipped: false,
            why,
        } => format!(
            "{head} the order is on hold ({why}). Refund it, or release it if the payment is \
             genuine."
        ),
        Decision::Hold { shipped: true, why } => {
            format!("{head} not refunded ({why}). Expect a dispute: keep the proof of delivery.")
        }
        Decision::Moot => return None,
    })
}

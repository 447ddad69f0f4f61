//! The fraud screen of a Magento order before its first PaymentIntent ([`order_facts`], the
//! order's hold or refusal), the release or cancellation of a held order ([`ReleaseHeld`],
//! [`CancelHeld`]), and Radar's outcome of its charge ([`radar_assessment`]). See
//! [the fraud screen](super#the-fraud-screen).

use std::sync::Arc;

use async_trait::async_trait;
use fraud::{CardFacts, Decision, OrderFacts, Outcome, RadarAssessment, RadarRiskLevel};
use mapping::{Order, System};
use serde::{Deserialize, Serialize};
use stripe_client::{
    CancelPaymentIntent, CancelPaymentIntentReason, CapturePaymentIntent, PaymentIntentStatus,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Shared;
use crate::notify::{Notice, NoticeKind};
use crate::store::{Millis, NewJob};
use crate::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx};
use crate::workflows::screening::{self, Screened, Screener, Verdict, address_facts};
use crate::{FlowError, StepError, Store};

/// The held order's hold: its comment and Magento's hold, with the authorized PaymentIntent.
pub(super) const HOLD: Step<Held> = Step::new("fraud/hold", System::Magento);
/// The refused order's comment and cancellation.
const REFUSED: Step<bool> = Step::new("fraud/refused", System::Magento);
/// The released order's hold lifted in Magento (before the capture, so it can be invoiced).
const UNHOLD: Step<()> = Step::new("fraud/unhold", System::Magento);
/// The released order's capture; the step's key is Stripe's `Idempotency-Key`.
pub(super) const RELEASE: Step<String> = Step::new("fraud/release", System::Stripe);
/// The canceled order's PaymentIntent canceled; the step's key is Stripe's `Idempotency-Key`.
pub(super) const CANCEL: Step<String> = Step::new("fraud/cancel", System::Stripe);
/// The canceled order's comment and Magento cancellation.
const CANCEL_ORDER: Step<bool> = Step::new("fraud/cancel-order", System::Magento);
/// Radar's outcome of a charge, under the charge (see [`RadarRecord`]).
pub(super) const RADAR: Step<RadarRecord> = Step::new(screening::RADAR, System::Stripe);
/// The held order's [`HeldReminder`] job, scheduled once (see [`Reminder`]).
pub(super) const REMINDER: Step<Reminder> = Step::new("fraud/hold-reminder", System::Stripe);

/// How long Stripe keeps an uncaptured online card authorization before it cancels the
/// PaymentIntent and releases the funds: 7 days for customer-initiated card-not-present
/// payments of every card brand (Visa, Mastercard, American Express, Discover), per
/// <https://docs.stripe.com/payments/place-a-hold-on-a-payment-method> ("Authorization validity
/// windows"). Merchant-initiated Visa payments get 5 days, and an extended authorization up to
/// 30: neither is what a checkout's held order has. The exact time is the charge's
/// `payment_method_details.card.capture_before`, which this pair does not read: the hold's time
/// stands for the authorization's (the hold follows it in the same run, or right after 3-D
/// Secure).
pub const AUTHORIZATION_VALIDITY: std::time::Duration =
    std::time::Duration::from_secs(7 * 24 * 60 * 60);

/// A held order's PaymentIntent, authorized and not captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Held {
    pub(super) payment_intent: String,
}

/// A held order's reminder as scheduled (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Reminder {
    /// When the [`HeldReminder`] job runs: the hold's time plus [`super::Config::held_reminder`].
    pub(super) run_at: Millis,
    /// When Stripe cancels the authorization: the hold's time plus [`AUTHORIZATION_VALIDITY`].
    pub(super) lapses_at: Millis,
}

/// Radar's outcome of a screened order's charge, recorded under the charge (`{charge}/fraud/radar`):
/// the order's key names the order's screen record (`{order}/fraud/screen`) it completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RadarRecord {
    /// The order's key (`magento/{store}/order/{entity_id}`).
    pub order: EntityKey,
    /// Radar's risk level and score.
    pub radar: RadarAssessment,
}

/// The facts of a Magento order for the fraud screen: the canonical order's total, e-mail
/// (Magento's `customer_email` when the canonical order has none), billing and shipping
/// addresses; `card` (the pair passes the Stripe PaymentMethod's `card.fingerprint`); the
/// buyer's IP address (`remote_ip` of Magento's `OrderInterface`, the storefront checkout's
/// client address; an admin's for an order entered in the admin, and `None` when it is not an IP
/// address); placed at the order's `created_at` (now when Magento gives none).
///
/// The customer's account is `magento/{store_code}/customer/{customer_id}` unless the order was
/// placed as a guest (`customer_is_guest`, or no `customer_id`): a guest has no history. The
/// history itself is the velocity store's (see [`fraud::CustomerHistory`]): Magento's order
/// carries no count or total of the customer's earlier orders. The items' categories are their
/// `product_type`s (`simple`, `virtual`, `downloadable`, `giftcard`, ...; children of
/// configurable and bundle items included): the order's items carry no category names.
///
/// Not known before the PaymentIntent, so not set: Stripe's AVS and CVC checks and Radar's
/// outcome (they come with the charge: see [`radar_assessment`]), the IP address's country
/// (Magento does not give it).
pub fn order_facts(
    order: &magento::Order,
    canonical: &Order,
    card: Option<CardFacts>,
    store_code: &str,
) -> OrderFacts {
    let email = canonical
        .email
        .clone()
        .or_else(|| order.customer_email.clone())
        .filter(|e| !e.trim().is_empty());
    OrderFacts {
        placed_at: order.created_at.unwrap_or_else(OffsetDateTime::now_utc),
        amount: canonical.total,
        card,
        avs: None,
        cvv: None,
        radar: None,
        shopify: None,
        email,
        ip: order
            .remote_ip
            .as_deref()
            .and_then(|ip| ip.trim().parse().ok()),
        ip_country: None,
        billing: canonical.billing_address.as_ref().and_then(address_facts),
        shipping: canonical.shipping_address.as_ref().and_then(address_facts),
        account: account(order, store_code),
        customer: fraud::CustomerHistory::default(),
        categories: order
            .items
            .iter()
            .filter_map(|item| item.product_type.as_deref().map(str::trim))
            .filter(|kind| !kind.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// The account of a registered customer's order (see [`order_facts`]).
fn account(order: &magento::Order, store_code: &str) -> Option<String> {
    if order.customer_is_guest == Some(true) {
        return None;
    }
    let id = order.customer_id?;
    Some(
        EntityKey::new(System::Magento, store_code)
            .child(Entity::Customer, id)
            .as_str()
            .to_owned(),
    )
}

/// The card of Stripe PaymentMethod `payment_method` as its `card.fingerprint` (one read; the
/// `pm_...` id itself is not a card's: a new one is made at each checkout). `None` for a method
/// that is not a card, has no fingerprint, or that Stripe does not show (404: the PaymentIntent
/// then fails on its own).
async fn card_facts(shared: &Shared, payment_method: &str) -> Result<Option<CardFacts>, StepError> {
    match shared
        .stripe
        .payment_methods()
        .retrieve(payment_method)
        .await
    {
        Ok(method) => Ok(method
            .card
            .and_then(|card| card.fingerprint)
            .filter(|f| !f.trim().is_empty())
            .map(|fingerprint| CardFacts {
                fingerprint,
                last4: None,
            })),
        Err(stripe_client::Error::Api(e)) if e.status == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The order's screen: the one on record, else, when the pair screens (`screener`) and
/// `first` (no PaymentIntent was ever asked for), the order screened now and kept
/// ([`screening::keep`]: log, record, notice). The record is written before this returns, so a
/// retry or a crash after it never scores the order, nor counts its velocity, again. `None`:
/// the order is not screened (the pair does not screen, or it was first charged before it did).
pub(super) async fn screen_once(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    first: bool,
    order: &magento::Order,
    canonical: &Order,
    payment_method: &str,
) -> Result<Option<Screened>, StepError> {
    let record = screening::record_step(System::Magento);
    if let Some(screened) = ctx.recorded(&record)? {
        return Ok(Some(screened));
    }
    let Some(screener) = shared.screener.as_ref().filter(|_| first) else {
        return Ok(None);
    };
    let card = card_facts(shared, payment_method).await?;
    let facts = order_facts(order, canonical, card, &shared.config.store_code);
    let screened = screener.screen(facts).await?;
    screening::keep(ctx, System::Magento, &canonical.number, &screened)?;
    ctx.save().await?;
    Ok(Some(screened))
}

/// Whether the order's history has `comment` already (a run cut off after Magento took it).
fn has_comment(order: &magento::Order, comment: &str) -> bool {
    order
        .status_histories
        .iter()
        .any(|c| c.comment.as_deref() == Some(comment))
}

/// `comment` on order `entity_id`, keeping its status, unless the order has it already.
async fn comment_once(
    shared: &Shared,
    entity_id: i64,
    order: &magento::Order,
    comment: &str,
) -> Result<(), StepError> {
    if !has_comment(order, comment) {
        let comment = magento::NewOrderComment {
            comment: comment.to_owned(),
            status: order.status.clone(),
            ..magento::NewOrderComment::default()
        };
        shared
            .magento
            .orders()
            .add_comment(entity_id, &comment)
            .await?;
    }
    Ok(())
}

/// A refused order, once: the comment `Refused, not charged: {reason}` and the order canceled
/// (`order` is the order as this run read it). Magento's `false` (an order it cannot cancel) is
/// recorded and logged: the comment says why it was not charged.
pub(super) async fn refuse(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    entity_id: i64,
    order: &magento::Order,
    decision: &Decision,
) -> Result<(), StepError> {
    let comment = format!("Refused, not charged: {}", screening::reason(decision));
    let canceled = ctx
        .once(&REFUSED, || async {
            comment_once(shared, entity_id, order, &comment).await?;
            if order.state == Some(magento::OrderState::Canceled) {
                return Ok(true);
            }
            Ok(shared.magento.orders().cancel(entity_id).await?)
        })
        .await?;
    if !canceled {
        tracing::warn!(
            order = entity_id,
            "refused by the fraud screen; Magento did not cancel the order"
        );
    }
    Ok(())
}

/// A held order whose PaymentIntent `payment_intent` is authorized, once: the comment
/// `Held for review: {reason}` (status kept) and Magento's hold (`POST /V1/orders/{id}/hold`,
/// which stops invoices and shipments until [`ReleaseHeld`] or [`CancelHeld`]), and its
/// [`HeldReminder`] scheduled. Nothing unless the order's screen said review.
pub(super) async fn hold_if_review(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    screened: Option<&Screened>,
    entity_id: i64,
    payment_intent: &str,
) -> Result<(), StepError> {
    let Some(screened) = screened.filter(|s| s.decision.outcome == Outcome::Review) else {
        return Ok(());
    };
    let comment = format!("Held for review: {}", screening::reason(&screened.decision));
    ctx.once(&HOLD, || async {
        let order = shared.magento.orders().get(entity_id).await?;
        comment_once(shared, entity_id, &order, &comment).await?;
        if order.state != Some(magento::OrderState::Holded)
            && !shared.magento.orders().hold(entity_id).await?
        {
            tracing::warn!(
                order = entity_id,
                "held for fraud review; Magento did not put the order on hold"
            );
        }
        Ok(Held {
            payment_intent: payment_intent.to_owned(),
        })
    })
    .await?;
    schedule_reminder(shared, ctx, entity_id, payment_intent)?;
    tracing::info!(order = entity_id, %payment_intent, "held for fraud review: authorized, not captured");
    Ok(())
}

/// Schedules the held order's [`HeldReminder`] [`super::Config::held_reminder`] from now, once,
/// with the job's outcome (a run cut off before it schedules it on its retry).
fn schedule_reminder(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    entity_id: i64,
    payment_intent: &str,
) -> Result<(), StepError> {
    if ctx.recorded(&REMINDER)?.is_some() {
        return Ok(());
    }
    let now = crate::now_millis();
    let reminder = Reminder {
        run_at: now.saturating_add(crate::worker::millis(shared.config.held_reminder)),
        lapses_at: now.saturating_add(crate::worker::millis(AUTHORIZATION_VALIDITY)),
    };
    let input = HeldDue {
        entity_id,
        payment_intent: payment_intent.to_owned(),
        lapses_at: reminder.lapses_at,
    };
    let payload = serde_json::to_value(&input)
        .map_err(|e| StepError::permanent(format!("the hold's reminder: {e}")))?;
    ctx.enqueue(NewJob {
        kind: HeldReminder::KIND,
        key: ctx.entity().as_str().to_owned(),
        payload,
        run_at: reminder.run_at,
        rerun: false,
        event: None,
    });
    ctx.record(ctx.entity(), &REMINDER, &reminder)
}

/// Whether a screened order's PaymentIntent is created with `capture_method=manual`: held
/// orders are authorized, not captured.
pub(super) fn authorize_only(screened: Option<&Screened>) -> bool {
    screened.is_some_and(|s| s.decision.outcome == Outcome::Review)
}

/// Radar's assessment in a charge's `outcome`: `None` without a risk level.
pub fn radar_assessment(outcome: &stripe_client::ChargeOutcome) -> Option<RadarAssessment> {
    use stripe_client::RiskLevel as Wire;
    let level = match outcome.risk_level.as_ref()? {
        Wire::Normal => RadarRiskLevel::Normal,
        Wire::Elevated => RadarRiskLevel::Elevated,
        Wire::Highest => RadarRiskLevel::Highest,
        Wire::NotAssessed => RadarRiskLevel::NotAssessed,
        other => RadarRiskLevel::Unknown(other.as_str().to_owned()),
    };
    Some(RadarAssessment {
        risk_level: level,
        // Stripe documents 0 to 100; anything else is not a score.
        risk_score: outcome
            .risk_score
            .and_then(|s| u8::try_from(s).ok())
            .filter(|s| *s <= 100),
    })
}

/// Records Radar's outcome of `charge` (the charge job's own) for the order keyed `order`,
/// once, and logs it; a charge Radar put in review, or rated `highest`, is logged as a warning.
/// Nothing more is done about it.
pub(super) fn record_radar(
    ctx: &StepCtx<'_>,
    order: &EntityKey,
    charge: &stripe_client::Charge,
) -> Result<(), StepError> {
    if ctx.recorded(&RADAR)?.is_some() {
        return Ok(());
    }
    let Some(outcome) = charge.outcome.as_ref() else {
        return Ok(());
    };
    let Some(radar) = radar_assessment(outcome) else {
        return Ok(());
    };
    let review = outcome.outcome_type.as_deref() == Some("manual_review");
    if review || radar.risk_level == RadarRiskLevel::Highest {
        tracing::warn!(order = %order, charge = %charge.id, risk_level = ?radar.risk_level, risk_score = ?radar.risk_score, review, "radar: high risk");
    } else {
        tracing::info!(order = %order, charge = %charge.id, risk_level = ?radar.risk_level, risk_score = ?radar.risk_score, "radar");
    }
    ctx.record(
        ctx.entity(),
        &RADAR,
        &RadarRecord {
            order: order.clone(),
            radar,
        },
    )
}

/// Why [`super::MagentoStripe::release_held`] or [`super::MagentoStripe::cancel_held`] refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeldError {
    /// The order was never held by the fraud screen (approved, refused, not screened, or its
    /// PaymentIntent is not authorized yet).
    #[error("order {order} is not held for fraud review")]
    NotHeld {
        /// The order's key.
        order: EntityKey,
    },
    /// The order was released after review already.
    #[error("order {order} was released after fraud review already")]
    Released {
        /// The order's key.
        order: EntityKey,
    },
    /// The order was canceled after review already.
    #[error("order {order} was canceled after fraud review already")]
    Canceled {
        /// The order's key.
        order: EntityKey,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] FlowError),
}

/// The input of [`ReleaseHeld`] and [`CancelHeld`]: the held order and who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldOrder {
    /// The order's `entity_id`.
    pub entity_id: i64,
    /// Who decided (a staff name or login), as the tool that asked says: named in the order's
    /// comment.
    pub by: String,
}

/// Checks in `store` that order `entity_id` is held and neither released nor canceled, then
/// enqueues the job of `verdict` on it, decided `by` a person.
///
/// The service's worker runs that job; this only needs the store, so a tool without the pair's
/// credentials (`payops fraud release|cancel`) can call it.
pub async fn decide_held(
    store: &dyn Store,
    store_code: &str,
    entity_id: i64,
    verdict: Verdict,
    by: &str,
) -> Result<(), HeldError> {
    let order = super::order_key(store_code, entity_id);
    let at = |step: &str| format!("{order}/{step}");
    if store.effect(&at(HOLD.name())).await?.is_none() {
        return Err(HeldError::NotHeld { order });
    }
    if store.effect(&at(RELEASE.name())).await?.is_some() {
        return Err(HeldError::Released { order });
    }
    if store.effect(&at(CANCEL.name())).await?.is_some() {
        return Err(HeldError::Canceled { order });
    }
    let kind = match verdict {
        Verdict::Release => ReleaseHeld::KIND,
        Verdict::Cancel => CancelHeld::KIND,
    };
    // The flows' input ([`HeldOrder`]) and entity (the order's key), built without a fallible
    // serialisation.
    let job = NewJob {
        kind,
        key: order.as_str().to_owned(),
        payload: serde_json::json!({ "entity_id": entity_id, "by": by }),
        run_at: 0,
        rerun: false,
        event: None,
    };
    store.enqueue(job, crate::now_millis()).await?;
    Ok(())
}

/// The held PaymentIntent of this job's order, checked against the other verdict's record: a
/// permanent error naming the order when it is not held, or was decided the other way.
fn held(ctx: &StepCtx<'_>, other: &Step<String>) -> Result<Held, StepError> {
    let Some(held) = ctx.recorded(&HOLD)? else {
        return Err(StepError::permanent(format!(
            "order {} is not held for fraud review",
            ctx.entity()
        )));
    };
    if ctx.recorded(other)?.is_some() {
        return Err(StepError::permanent(format!(
            "order {} was decided after fraud review already ({})",
            ctx.entity(),
            other.name()
        )));
    }
    Ok(held)
}

/// `magento.release-held`: a held order released after review, its authorized PaymentIntent
/// captured. See [the fraud screen](super#the-fraud-screen).
#[derive(Clone)]
pub struct ReleaseHeld(pub(super) Arc<Shared>);

impl std::fmt::Debug for ReleaseHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseHeld").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for ReleaseHeld {
    type Input = HeldOrder;
    const KIND: JobKind = JobKind::new("magento.release-held");
    const SYSTEMS: &'static [System] = &[System::Magento, System::Stripe];

    fn entity(&self, input: &HeldOrder) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.entity_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: HeldOrder) -> Result<(), StepError> {
        let shared = &*self.0;
        let entity_id = input.entity_id;
        let held = held(ctx, &CANCEL)?;
        let comment = format!(
            "Released after fraud review by {}: Stripe PaymentIntent {} captured.",
            input.by, held.payment_intent
        );
        // Unheld first: the capture's `charge.captured` invoices the order, which Magento
        // refuses while it is on hold.
        ctx.once(&UNHOLD, || async {
            let order = shared.magento.orders().get(entity_id).await?;
            if order.state == Some(magento::OrderState::Holded) {
                shared.magento.orders().unhold(entity_id).await?;
            }
            comment_once(shared, entity_id, &order, &comment).await
        })
        .await?;
        let key = ctx.key_of(&RELEASE);
        let status = ctx
            .once(&RELEASE, || async {
                let captured = shared
                    .stripe
                    .payment_intents()
                    .idempotency_key(key.as_str())
                    .capture(&held.payment_intent, &CapturePaymentIntent::default())
                    .await;
                // Captured another way meanwhile (the Dashboard): on record as it is.
                status_or_already(
                    shared,
                    &held.payment_intent,
                    captured,
                    PaymentIntentStatus::Succeeded,
                )
                .await
            })
            .await?;
        tracing::info!(order = entity_id, payment_intent = %held.payment_intent, %status, "released after fraud review: captured");
        Ok(())
    }
}

/// The status Stripe answered `answer` with, or, when the call failed and PaymentIntent
/// `payment_intent` shows `done` anyway (done another way meanwhile), that status; else the
/// call's error.
async fn status_or_already(
    shared: &Shared,
    payment_intent: &str,
    answer: Result<stripe_client::PaymentIntent, stripe_client::Error>,
    done: PaymentIntentStatus,
) -> Result<String, StepError> {
    match answer {
        Ok(intent) => Ok(intent.status.to_string()),
        Err(err) => {
            let now = shared
                .stripe
                .payment_intents()
                .retrieve(payment_intent)
                .await?;
            if now.status == done {
                Ok(now.status.to_string())
            } else {
                Err(err.into())
            }
        }
    }
}

/// `magento.cancel-held`: a held order canceled after review, its PaymentIntent canceled
/// (the authorization released) and the Magento order canceled. See
/// [the fraud screen](super#the-fraud-screen).
#[derive(Clone)]
pub struct CancelHeld(pub(super) Arc<Shared>);

impl std::fmt::Debug for CancelHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelHeld").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for CancelHeld {
    type Input = HeldOrder;
    const KIND: JobKind = JobKind::new("magento.cancel-held");
    const SYSTEMS: &'static [System] = &[System::Magento, System::Stripe];

    fn entity(&self, input: &HeldOrder) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.entity_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: HeldOrder) -> Result<(), StepError> {
        let shared = &*self.0;
        let entity_id = input.entity_id;
        let held = held(ctx, &RELEASE)?;
        let key = ctx.key_of(&CANCEL);
        ctx.once(&CANCEL, || async {
            let params = CancelPaymentIntent {
                cancellation_reason: Some(CancelPaymentIntentReason::Fraudulent),
            };
            let canceled = shared
                .stripe
                .payment_intents()
                .idempotency_key(key.as_str())
                .cancel(&held.payment_intent, &params)
                .await;
            // Canceled another way meanwhile (the Dashboard, the authorization's expiry).
            status_or_already(
                shared,
                &held.payment_intent,
                canceled,
                PaymentIntentStatus::Canceled,
            )
            .await
        })
        .await?;
        let comment = format!(
            "Canceled after fraud review by {}: Stripe PaymentIntent {} canceled, not charged.",
            input.by, held.payment_intent
        );
        let canceled = ctx
            .once(&CANCEL_ORDER, || async {
                let order = shared.magento.orders().get(entity_id).await?;
                comment_once(shared, entity_id, &order, &comment).await?;
                match order.state {
                    Some(magento::OrderState::Canceled) => return Ok(true),
                    // Magento cancels no order on hold.
                    Some(magento::OrderState::Holded) => {
                        shared.magento.orders().unhold(entity_id).await?;
                    }
                    _ => {}
                }
                Ok(shared.magento.orders().cancel(entity_id).await?)
            })
            .await?;
        if !canceled {
            tracing::warn!(
                order = entity_id,
                "canceled after fraud review; Magento did not cancel the order"
            );
        }
        tracing::info!(order = entity_id, payment_intent = %held.payment_intent, "canceled after fraud review");
        Ok(())
    }
}

/// The input of [`HeldReminder`]: the held order, its PaymentIntent and when Stripe cancels its
/// authorization (Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDue {
    /// The order's `entity_id`.
    pub entity_id: i64,
    /// The authorized PaymentIntent (`pi_...`).
    pub payment_intent: String,
    /// When the authorization lapses: the hold's time plus [`AUTHORIZATION_VALIDITY`].
    pub lapses_at: Millis,
}

/// `magento.held-reminder`: scheduled when an order is held for fraud review, to run
/// [`super::Config::held_reminder`] (6 days) later; tells a person
/// ([`NoticeKind::HeldAuthorizationLapsing`], once per order) that the order is still held and
/// when Stripe cancels its authorization ([`AUTHORIZATION_VALIDITY`] after the hold). Does
/// nothing when the order was decided meanwhile: its release under way or done (`fraud/unhold`,
/// `fraud/release`) or its cancellation (`fraud/cancel`).
#[derive(Clone)]
pub struct HeldReminder(pub(super) Arc<Shared>);

impl std::fmt::Debug for HeldReminder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldReminder").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for HeldReminder {
    type Input = HeldDue;
    const KIND: JobKind = JobKind::new("magento.held-reminder");
    const SYSTEMS: &'static [System] = &[System::Magento];

    fn entity(&self, input: &HeldDue) -> Result<EntityKey, StepError> {
        Ok(self.0.order_key(input.entity_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: HeldDue) -> Result<(), StepError> {
        if ctx.recorded(&UNHOLD)?.is_some()
            || ctx.recorded(&RELEASE)?.is_some()
            || ctx.recorded(&CANCEL)?.is_some()
        {
            return Ok(());
        }
        // The number people know the order by (`increment_id`), else its id.
        let order = self.0.magento.orders().get(input.entity_id).await?;
        let number = order
            .increment_id
            .clone()
            .unwrap_or_else(|| input.entity_id.to_string());
        let lapses_at = OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(input.lapses_at).saturating_mul(1_000_000),
        )
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{} ms after 1970", input.lapses_at));
        ctx.notify(
            Notice::new(
                NoticeKind::HeldAuthorizationLapsing,
                format!("{}/notice/fraud-hold-lapsing", ctx.entity()),
                format!("Order {number} is still held for fraud review"),
            )
            .text(format!(
                "Order {number} is held for fraud review, authorized and not captured. Stripe \
                 cancels the authorization of PaymentIntent {} at {lapses_at}: release it or \
                 cancel it before then (`payops fraud release|cancel`).",
                input.payment_intent
            ))
            .fact("order", &number)
            .fact("payment intent", &input.payment_intent)
            .fact("authorization lapses", &lapses_at),
        );
        Ok(())
    }
}

/// Builds the pair's screener into `shared` (see [`super::MagentoStripe::fraud_screen`]).
pub(super) fn with_screener(shared: &Shared, screener: Screener) -> Shared {
    Shared {
        screener: Some(screener),
        ..shared.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use mapping::{Currency, Money};
    use serde_json::json;

    use super::*;

    fn magento_order(remote_ip: Option<&str>, billing_postcode: Option<&str>) -> magento::Order {
        let address = |postcode: Option<&str>| {
            json!({"firstname": "Jane", "lastname": "Doe", "street": ["1 Main St"],
                   "city": "Austin", "region_code": "TX", "postcode": postcode,
                   "country_id": "US", "telephone": "555-0100"})
        };
        serde_json::from_value(json!({
            "entity_id": 42, "increment_id": "000000042", "state": "new", "status": "pending",
            "created_at": "2026-12-07 11:00:00", "customer_email": "jane@example.com",
            "customer_is_guest": 1, "remote_ip": remote_ip,
            "base_currency_code": "USD", "order_currency_code": "USD",
            "grand_total": 155, "base_grand_total": 155, "subtotal": 150, "base_subtotal": 150,
            "shipping_amount": 5, "base_shipping_amount": 5, "tax_amount": 0, "discount_amount": 0,
            "items": [{"item_id": 1, "sku": "TEE-1", "name": "Tee", "qty_ordered": 3,
                       "price": 50, "base_price": 50, "row_total": 150, "product_type": "simple"}],
            "billing_address": address(billing_postcode),
            "extension_attributes": {"shipping_assignments": [{"shipping": {
                "address": address(Some("78701")), "method": "flatrate_flatrate"}}]}
        }))
        .unwrap()
    }

    #[test]
    fn an_order_maps_to_its_facts_with_its_card_and_ip() {
        let order = magento_order(Some(" 198.51.100.7 "), Some("78701"));
        let canonical = Order::try_from(&order).unwrap();
        let card = CardFacts {
            fingerprint: "fp_visa".into(),
            last4: None,
        };
        let facts = order_facts(&order, &canonical, Some(card.clone()), "default");
        assert_eq!(
            facts.placed_at,
            time::macros::datetime!(2026-12-07 11:00 UTC)
        );
        assert_eq!(facts.amount, Money::from_minor(15_500, Currency::USD));
        assert_eq!(facts.card, Some(card));
        assert_eq!(facts.email.as_deref(), Some("jane@example.com"));
        assert_eq!(facts.ip, Some("198.51.100.7".parse().unwrap()));
        let billing = facts.billing.unwrap();
        assert_eq!(
            (
                billing.country.as_str(),
                billing.postal_code.as_str(),
                billing.line1.as_str()
            ),
            ("US", "78701", "1 Main St")
        );
        assert_eq!(facts.shipping.unwrap().postal_code, "78701");
        assert_eq!(
            (
                facts.avs,
                facts.cvv,
                facts.radar,
                facts.shopify,
                facts.ip_country
            ),
            (None, None, None, None, None)
        );
        assert_eq!(facts.customer.prior_orders, 0);
    }

    #[test]
    fn a_registered_customers_order_names_its_account_and_a_guests_none() {
        let mut order = magento_order(None, Some("78701"));
        let canonical = Order::try_from(&order).unwrap();
        let facts = order_facts(&order, &canonical, None, "default");
        assert_eq!(facts.account, None, "a guest checkout");
        assert_eq!(facts.categories, ["simple".to_owned()].into());
        order.customer_is_guest = Some(false);
        order.customer_id = Some(7);
        order.items[0].product_type = Some("virtual".into());
        let facts = order_facts(&order, &canonical, None, "default");
        assert_eq!(facts.account.as_deref(), Some("magento/default/customer/7"));
        assert_eq!(facts.categories, ["virtual".to_owned()].into());
    }

    #[test]
    fn an_admin_order_without_an_ip_or_card_or_full_address_has_none_of_them() {
        let order = magento_order(None, None);
        let canonical = Order::try_from(&order).unwrap();
        let facts = order_facts(&order, &canonical, None, "default");
        assert_eq!((facts.card, facts.ip, facts.billing), (None, None, None));
        let garbled = magento_order(Some("not an ip"), Some("78701"));
        let canonical = Order::try_from(&garbled).unwrap();
        assert_eq!(order_facts(&garbled, &canonical, None, "default").ip, None);
    }

    #[test]
    fn radar_levels_and_scores_map_and_an_impossible_score_is_dropped() {
        let outcome = |level: &str, score: i64| -> stripe_client::ChargeOutcome {
            serde_json::from_value(json!({"risk_level": level, "risk_score": score})).unwrap()
        };
        let cases = [
            ("normal", 32, RadarRiskLevel::Normal, Some(32)),
            ("elevated", 70, RadarRiskLevel::Elevated, Some(70)),
            ("highest", 95, RadarRiskLevel::Highest, Some(95)),
            ("not_assessed", 0, RadarRiskLevel::NotAssessed, Some(0)),
            ("later", 101, RadarRiskLevel::Unknown("later".into()), None),
        ];
        for (wire, score, level, expected) in cases {
            let radar = radar_assessment(&outcome(wire, score)).unwrap();
            assert_eq!(
                (radar.risk_level, radar.risk_score),
                (level, expected),
                "{wire}"
            );
        }
        assert_eq!(
            radar_assessment(&stripe_client::ChargeOutcome::default()),
            None
        );
    }
}
